//! The [`DataContext`] portlets read through: the engine's JSON protocol,
//! run as the viewer, read-only, confined to the dashboard's scope.
//!
//! Confinement is layered:
//!
//! 1. **Here, before the engine**: the request must be a JSON object without
//!    `actor` (the viewer is set here, never by the portlet), must parse as
//!    a request of the protocol, and must only read. On a client dashboard
//!    only the ops of [`CLIENT_SCOPE_OPS`] are allowed; ids naming a client
//!    must name *the* client, and list requests get its `client_id` added
//!    (or are refused when they name another one).
//! 2. **In the engine** (`Engine::execute_scoped`): the request runs with the
//!    viewer's rights and offices, writes are refused, and on a client
//!    dashboard every read is confined to that client (ids checked, lists
//!    constrained in SQL beside the request's own filter).
//! 3. **Here, after the engine**: records and page items whose
//!    `data.client_id` names another client are refused or dropped.
//!
//! A context outlives nothing it should not: it holds the engine weakly (a
//! closed engine answers `engine_closed`), and once its render's time budget
//! has run out ([`EngineContext::expire`]) every request of the abandoned
//! render is refused with `portlet_timeout`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use clientele_core::Engine;
use clientele_core::domain::Id;
use clientele_core::protocol::{Actor, DataScope, Request};
use clientele_portlet_api::{DataContext, ErrorBody, Locale, LogLevel, Scope, ViewModel};

use crate::service::{LogSink, PortletLog};
use serde_json::{Map, Value, json};

/// How much later than a render's budget its requests' deadline falls.
const GRACE: Duration = Duration::from_millis(50);

/// The ops a portlet may use on a client dashboard.
/// (Core confines each of them to the client; the viewer's saved views and
/// layouts, the trash and the staff list are left out: they are not the
/// client's.)
pub const CLIENT_SCOPE_OPS: &[&str] = &[
    "client.get",
    "client.list",
    "client.contacts",
    "client.timeline",
    "contact.get",
    "contact.list",
    "contact.clients",
    "interaction.list",
    "interaction.get",
    "transfer.list",
    "transfer.get",
    "grid.query",
    "list.count_by",
    "client.last_interaction",
    "columns.catalogue",
    "columns.get",
    "filter.fields",
    "custom_field.list",
    "staff.get",
    "history.list",
];

/// Ops whose `id` is a client id.
const CLIENT_ID_OPS: &[&str] = &["client.get", "client.contacts", "client.timeline"];
/// Ops that take an optional `client_id`, confined to the scope's client.
const CLIENT_LIST_OPS: &[&str] = &["interaction.list", "transfer.list", "grid.query", "list.count_by"];

/// The engine, as seen by one render of one tile.
pub struct EngineContext {
    /// Weak: an abandoned render must not keep a closed engine alive.
    engine: Weak<Engine>,
    /// Set when the render's budget ran out: the render is abandoned. Also
    /// the cancel flag of its requests: a statement still running is
    /// interrupted.
    expired: Arc<AtomicBool>,
    /// When the render began and its budget: each request's deadline is
    /// what is left of it (none: the engine's `tile_timeout_ms`).
    started: Instant,
    budget: Option<Duration>,
    viewer: Id,
    scope: Scope,
    today: String,
    locale: Locale,
    /// Set when the dashboards close: renders in progress are canceled.
    closed: Arc<AtomicBool>,
    /// The tile's portlet and the host's log (ABI 1.2 `log`).
    portlet: String,
    log: Option<LogSink>,
}

/// The viewer and the render's day; the engine is not printed.
impl std::fmt::Debug for EngineContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineContext")
            .field("viewer", &self.viewer)
            .field("today", &self.today)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

fn refuse(code: &str, message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, message)
}

/// The portlet API's face of an engine error.
pub fn api_body(e: &clientele_core::Error) -> ErrorBody {
    let b = e.body();
    ErrorBody { code: b.code, message: b.message, field: b.field }
}

/// Step 1 of the confinement, shared with the dashboard's drill-down check:
/// `request` must be a JSON object without `actor`; on a client dashboard
/// (`client` is `Some`) its op must be one of [`CLIENT_SCOPE_OPS`], an `id`
/// of a client op must name the client, and list ops get the client's
/// `client_id` (or are refused when they name another). Answers the request
/// so confined, still without `actor`.
pub(crate) fn confine_request(client: Option<Id>, request: &Value) -> Result<Map<String, Value>, ErrorBody> {
    let Some(obj) = request.as_object() else {
        return Err(refuse("bad_request", "a data request must be a JSON object"));
    };
    if obj.contains_key("actor") {
        return Err(refuse("bad_request", "a portlet may not choose the actor of its requests"));
    }
    let op = obj.get("op").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut obj = obj.clone();
    if let Some(cid) = client {
        if !CLIENT_SCOPE_OPS.contains(&op.as_str()) {
            return Err(refuse("out_of_scope", format!("{op:?} is not available on a client dashboard")));
        }
        if CLIENT_ID_OPS.contains(&op.as_str()) && obj.get("id") != Some(&json!(cid)) {
            return Err(refuse("out_of_scope", "this dashboard shows one client only"));
        }
        if CLIENT_LIST_OPS.contains(&op.as_str()) {
            match obj.get("client_id") {
                None | Some(Value::Null) => {
                    obj.insert("client_id".into(), json!(cid));
                }
                Some(v) if *v == json!(cid) => {}
                Some(_) => return Err(refuse("out_of_scope", "this dashboard shows one client only")),
            }
        }
    }
    Ok(obj)
}

/// The message of a caught panic payload; the payload is dropped under a
/// guard of its own (a `Drop` that panics is given up).
pub(crate) fn take_panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    };
    if let Err(again) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
    message
}

impl EngineContext {
    /// A context for `scope` (whose viewer is `scope.staff_id()`). It holds
    /// the engine weakly: once every `Arc` of the engine is gone, requests
    /// answer `engine_closed`.
    pub fn new(engine: &Arc<Engine>, scope: Scope, locale: Locale) -> Self {
        let today = engine.today().to_string();
        EngineContext {
            viewer: scope.staff_id(),
            engine: Arc::downgrade(engine),
            expired: Arc::new(AtomicBool::new(false)),
            started: Instant::now(),
            budget: None,
            scope,
            today,
            locale,
            closed: Arc::new(AtomicBool::new(false)),
            portlet: String::new(),
            log: None,
        }
    }

    /// The same context for a tile of `portlet`: its log messages go to
    /// `log` (when given) named after it, and it is canceled when `closed`
    /// is set (the dashboards closing).
    pub fn for_tile(mut self, portlet: &str, log: Option<LogSink>, closed: Arc<AtomicBool>) -> Self {
        self.portlet = portlet.to_string();
        self.log = log;
        self.closed = closed;
        self
    }

    /// The same context for a render under `budget` (starting now): every
    /// request runs under what is left of it (plus a short grace) and is
    /// interrupted past it.
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.started = Instant::now();
        self.budget = Some(budget);
        self
    }

    /// Cuts the context off: the render it was given to overran its budget
    /// and is abandoned. Every later request answers `portlet_timeout`.
    pub fn expire(&self) {
        self.expired.store(true, Ordering::SeqCst);
    }

    /// Whether [`EngineContext::expire`] was called.
    pub fn is_expired(&self) -> bool {
        self.expired.load(Ordering::SeqCst)
    }

    fn client(&self) -> Option<Id> {
        match self.scope {
            Scope::Client { client_id, .. } => Some(client_id),
            _ => None,
        }
    }

    /// Checks a tile's drill-down before it leaves for the host, which runs
    /// it as the viewer when "see all" is clicked: the request must pass
    /// step 1 of the confinement (no `actor`; on a client dashboard a client
    /// op, ids of the client, `client_id` pinned), parse as a protocol
    /// request, and only read. On a client dashboard every record it names
    /// must also be the client's, by the engine's own scoped rules
    /// ([`Engine::check_scoped`]: a `transfer.get` of another client's
    /// transfer is dropped, though its text names no client). The confined
    /// request replaces the portlet's; a drill-down that fails any check is
    /// dropped (the tile stays).
    ///
    /// The same holds for every row's drill-down. The engine's checks of a
    /// client dashboard's drill-downs run as one batch
    /// ([`Engine::check_scoped_all`]: the viewer and the client read once,
    /// not once per row); should the batch fail as a whole (the engine
    /// closed, its budget spent), every drill-down is dropped.
    pub(crate) fn check_drill_down(&self, vm: &mut ViewModel) {
        let slots: Vec<&mut Option<clientele_portlet_api::DrillDown>> = vm.drill_downs_mut().collect();
        // Step 1 and the parse for each; the requests the engine must check.
        let mut confined: Vec<Option<Value>> = Vec::with_capacity(slots.len());
        let mut to_check: Vec<(usize, Request)> = Vec::new();
        for (i, slot) in slots.iter().enumerate() {
            confined.push(match slot.as_ref().map(|d| self.drill_down_request(&d.request)) {
                Some(Ok((request, check))) => {
                    if let Some(parsed) = check {
                        to_check.push((i, parsed));
                    }
                    Some(request)
                }
                _ => None,
            });
        }
        let (at, requests): (Vec<usize>, Vec<Request>) = to_check.into_iter().unzip();
        if let (Some(client_id), false) = (self.client(), requests.is_empty()) {
            let passed: Vec<bool> = match self.engine.upgrade() {
                Some(engine) => engine
                    .check_scoped_all(Actor::Staff(self.viewer), DataScope::Client { client_id }, &requests)
                    .iter()
                    .map(Result::is_ok)
                    .collect(),
                // Closed: nothing can be checked, nothing is kept.
                None => vec![false; requests.len()],
            };
            for (i, ok) in at.into_iter().zip(passed) {
                if !ok {
                    confined[i] = None;
                }
            }
        }
        for (slot, request) in slots.into_iter().zip(confined) {
            match (slot.as_mut(), request) {
                (Some(drill), Some(request)) => drill.request = request,
                _ => *slot = None,
            }
        }
    }

    /// A drill-down confined and parsed (steps 1 and 2), with the request
    /// the engine must still check against the client's scope, if any.
    fn drill_down_request(&self, request: &Value) -> Result<(Value, Option<Request>), ErrorBody> {
        let client = self.client();
        let confined = confine_request(client, request)?;
        // Any actor will do to parse: the host sets the viewer.
        let mut envelope = confined.clone();
        envelope.insert("actor".into(), json!(self.viewer));
        let (_, parsed) =
            clientele_core::parse_envelope(&Value::Object(envelope).to_string()).map_err(|e| api_body(&e))?;
        if !parsed.is_read_only() {
            return Err(refuse("write_refused", format!("a drill-down only reads; {} writes", parsed.op())));
        }
        if client.is_none() {
            return Ok((Value::Object(confined), None));
        }
        // The host may run the drill-down with a plain execute: keep only
        // requests whose answer is the client's by their text (client.list
        // and contact.list are confined by the engine's scope, not by their
        // text; contact.clients answers the contact's other clients too).
        if matches!(
            parsed.op(),
            "client.list" | "contact.list" | "contact.clients" | "contact.clients_of" | "client.last_interaction"
        ) {
            return Err(refuse("out_of_scope", format!("a client dashboard's drill-down cannot be {}", parsed.op())));
        }
        Ok((Value::Object(confined), Some(parsed)))
    }

    /// Step 1: the request, checked and confined, as the engine's JSON.
    fn confine(&self, request: &Value) -> Result<Value, ErrorBody> {
        let mut obj = confine_request(self.client(), request)?;
        obj.insert("actor".into(), json!(self.viewer));
        Ok(Value::Object(obj))
    }

    /// Step 3: nothing of another client comes back.
    fn screen(&self, mut answer: Value) -> Result<Value, ErrorBody> {
        let Some(cid) = self.client() else { return Ok(answer) };
        let other = |v: &Value| v.pointer("/data/client_id").and_then(Value::as_i64).is_some_and(|c| c != cid);
        if other(&answer) {
            return Err(refuse("out_of_scope", "this dashboard shows one client only"));
        }
        if let Some(items) = answer.get_mut("items").and_then(Value::as_array_mut) {
            items.retain(|i| !other(i));
        }
        Ok(answer)
    }
}

impl DataContext for EngineContext {
    fn scope(&self) -> Scope {
        self.scope
    }

    fn today(&self) -> String {
        self.today.clone()
    }

    fn locale(&self) -> Locale {
        self.locale
    }

    fn timezone(&self) -> Option<String> {
        self.engine.upgrade().map(|e| e.config().timezone.clone())
    }

    fn log(&self, level: LogLevel, message: &str) {
        if let Some(sink) = &self.log
            && !self.is_canceled()
        {
            let record = PortletLog {
                portlet: self.portlet.clone(),
                viewer: self.viewer,
                scope: self.scope,
                level,
                message: clientele_portlet_api::clip_log_message(message).into_owned(),
            };
            // The host's hook must not take the render down.
            let _ =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink(&record))).map_err(take_panic_message);
        }
    }

    /// Expired (budget spent), or the dashboards closed.
    fn is_canceled(&self) -> bool {
        self.is_expired() || self.closed.load(Ordering::SeqCst)
    }

    fn remaining(&self) -> Option<Duration> {
        self.budget.map(|b| b.saturating_sub(self.started.elapsed()))
    }

    fn request(&self, request: &Value) -> Result<Value, ErrorBody> {
        if self.is_expired() {
            return Err(refuse("portlet_timeout", "the render's time budget ran out: its requests are refused"));
        }
        if self.closed.load(Ordering::SeqCst) {
            return Err(refuse("engine_closed", "the dashboards are closed"));
        }
        let envelope = self.confine(request)?;
        let (actor, parsed) = clientele_core::parse_envelope(&envelope.to_string()).map_err(|e| api_body(&e))?;
        if actor != Actor::Staff(self.viewer) {
            return Err(refuse("bad_request", "a portlet may not choose the actor of its requests"));
        }
        if !parsed.is_read_only() {
            return Err(refuse("write_refused", format!("portlets only read; {} writes", parsed.op())));
        }
        let scope = match self.scope {
            Scope::Client { client_id, .. } => DataScope::Client { client_id },
            _ => DataScope::Staff,
        };
        let Some(engine) = self.engine.upgrade() else {
            return Err(refuse("engine_closed", "the engine is closed"));
        };
        // The render's own budget decides the tile (and `expire` cancels a
        // statement still running then, at once); the engine's deadline is
        // the backstop, a little later, so that thread start-up does not make
        // it the stricter of the two.
        let deadline = match self.budget {
            Some(budget) => clientele_core::Deadline::from(self.started, budget + (budget / 4).max(GRACE)),
            None => engine.tile_deadline(),
        }
        .with_cancel(self.expired.clone());
        // The engine's events (transfer events) in the render's language.
        let language = match self.locale {
            Locale::Fr => clientele_core::config::Language::French,
            Locale::En => clientele_core::config::Language::English,
        };
        let response =
            engine.execute_scoped_in(actor, scope, parsed, deadline, Some(language)).map_err(|e| api_body(&e))?;
        drop(engine);
        let answer =
            serde_json::to_value(&response).map_err(|e| refuse("internal", format!("response serialisation: {e}")))?;
        self.screen(answer)
    }
}

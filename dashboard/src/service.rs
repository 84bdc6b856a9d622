//! The [`Dashboards`] service: portlet registry, layout choice, checks and
//! rendering of every tile under a time budget.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use clientele_core::Engine;
use clientele_core::domain::{Id, Rights};
use clientele_portlet_api::settings::merge_settings;
use clientele_portlet_api::{
    DashboardKind, DataContext, ErrorBody, LoadError, LoadedPortlet, Locale, Localized, LogLevel, Manifest, PlacedTile,
    Portlet, PortletError, RenderOptions, RightEntity, Scope, Tile, TileState, TileWidth, ViewModel, html,
    render_with_budget, text,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::context::EngineContext;
use crate::layout::{Layout, kind_name};

/// Default time budget of one tile's render (the default of the engine's
/// `tile_timeout_ms`, which [`Dashboards::new`] uses).
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(2);

/// The range of a render request's `budget_ms` (ms).
pub const BUDGET_RANGE_MS: std::ops::RangeInclusive<u64> = 100..=60_000;

/// One message a portlet sent to the host's log ([`DataContext::log`], the
/// plugin ABI's `ClpHost.log`), with who sent it and for whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortletLog {
    /// The portlet's manifest id.
    pub portlet: String,
    /// The staff member whose dashboard was being rendered.
    pub viewer: Id,
    pub scope: Scope,
    pub level: LogLevel,
    /// At most `MAX_LOG_MESSAGE_BYTES` bytes (cut with `…`).
    pub message: String,
}

/// The host's log hook ([`Dashboards::set_log_sink`]). It is called on the
/// tiles' render threads, several at once, while renders run: keep it short
/// and thread-safe. A panic in it is caught and ignored.
pub type LogSink = Arc<dyn Fn(&PortletLog) + Send + Sync>;

/// The circuit breaker: a portlet whose renders time out this many times in
/// a row is not scheduled any more by this [`Dashboards`] (its tiles are
/// `portlet_suspended` error tiles) for the viewer whose renders timed out
/// (the count is per viewer and portlet) until the `Dashboards` is rebuilt.
pub const MAX_CONSECUTIVE_TIMEOUTS: u32 = 3;

/// Which dashboard to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "dashboard", rename_all = "snake_case")]
pub enum DashboardTarget {
    /// The viewer's own dashboard.
    Staff,
    /// One client's dashboard: every read is confined to that client.
    Client { client_id: Id },
    /// The firm-wide dashboard (with the viewer's rights and offices).
    Firm,
}

impl DashboardTarget {
    /// The manifest's name of this kind.
    pub fn kind(self) -> DashboardKind {
        match self {
            DashboardTarget::Staff => DashboardKind::Staff,
            DashboardTarget::Client { .. } => DashboardKind::Client,
            DashboardTarget::Firm => DashboardKind::Firm,
        }
    }

    /// The scope portlets see, for `viewer`.
    pub fn scope(self, viewer: Id) -> Scope {
        match self {
            DashboardTarget::Staff => Scope::Staff { staff_id: viewer },
            DashboardTarget::Client { client_id } => Scope::Client { client_id, staff_id: viewer },
            DashboardTarget::Firm => Scope::Firm { staff_id: viewer },
        }
    }
}

/// Where a portlet came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    BuiltIn,
    Loaded {
        path: PathBuf,
    },
    /// Registered by the host application with [`Dashboards::register`].
    Registered,
}

/// A portlet of the registry. Its manifest, settings schema and default
/// settings are read once, when it is registered (a portlet whose calls
/// fail or panic then is not registered).
#[derive(Clone, Debug)]
pub struct Registered {
    pub portlet: Arc<dyn Portlet>,
    pub manifest: Manifest,
    /// The JSON Schema of the portlet's own settings.
    pub settings_schema: Value,
    /// The portlet's default settings (an object).
    pub default_settings: Value,
    pub origin: Origin,
}

/// A plugin library that could not be loaded (the others still are).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct PluginLoadFailure {
    pub path: PathBuf,
    pub code: &'static str,
    pub message: String,
}

/// Why a portlet could not join the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    #[error("invalid manifest: {0}")]
    Manifest(String),
    #[error("a portlet with id {0:?} is already registered")]
    Duplicate(String),
    /// Reading the manifest, settings schema or default settings failed or
    /// panicked.
    #[error("{call} failed: {message}")]
    PortletFailed { call: &'static str, message: String },
}

/// Why a whole dashboard could not be rendered (a tile's failure is a tile).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DashboardError {
    /// The engine refused or failed (unknown or inactive viewer, client not
    /// visible to the viewer, no licence, layout not found...).
    /// Display and `source()` are the engine error's own.
    #[error(transparent)]
    Engine(clientele_core::Error),
    /// A stored layout is not of the expected shape.
    #[error("layout {id}: {message}")]
    BadLayout { id: Id, message: String },
    /// A layout of another dashboard kind was asked for.
    #[error("layout {id} belongs to the {found} dashboard, not the {wanted} one")]
    WrongLayoutKind { id: Id, found: String, wanted: &'static str },
    /// The dashboards were closed ([`Dashboards::close`]): no render starts.
    #[error("the dashboards are closed")]
    Closed,
}

impl DashboardError {
    /// The serialisable face of the error (the engine's error body).
    pub fn body(&self) -> clientele_core::ErrorBody {
        self.body_in("en")
    }

    /// [`DashboardError::body`] with its message in `language` (`fr` or
    /// `en`) where it has a fixed form, as [`clientele_core::Error::body_in`].
    pub fn body_in(&self, language: &str) -> clientele_core::ErrorBody {
        match self {
            DashboardError::Engine(e) => e.body_in(language),
            DashboardError::Closed => clientele_core::ErrorBody {
                code: "engine_closed".into(),
                message: if language == "fr" { "les tableaux de bord sont fermés".into() } else { self.to_string() },
                ..Default::default()
            },
            DashboardError::BadLayout { .. } | DashboardError::WrongLayoutKind { .. } => clientele_core::ErrorBody {
                code: "bad_layout".into(),
                message: if language == "fr" { self.french() } else { self.to_string() },
                field: Some("layout_id".into()),
                ..Default::default()
            },
        }
    }
}

impl DashboardError {
    /// The French wording of the layout errors (the others have their own).
    fn french(&self) -> String {
        fn kind_fr(kind: &str) -> &str {
            match kind {
                "staff" => "du personnel",
                "client" => "d'un client",
                "firm" => "du cabinet",
                other => other,
            }
        }
        match self {
            DashboardError::BadLayout { id, message } => format!("disposition {id} illisible : {message}"),
            DashboardError::WrongLayoutKind { id, found, wanted } => format!(
                "la disposition {id} est celle du tableau de bord {}, pas du tableau de bord {}",
                kind_fr(found),
                kind_fr(wanted)
            ),
            other => other.to_string(),
        }
    }
}

impl From<clientele_core::Error> for DashboardError {
    fn from(e: clientele_core::Error) -> Self {
        DashboardError::Engine(e)
    }
}

/// Which layout a dashboard was drawn with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum LayoutSource {
    /// The layout id the caller asked for.
    Requested { id: Id },
    /// The viewer's own layout for this dashboard (the last saved).
    Own { id: Id },
    /// The firm's default layout for this dashboard.
    FirmDefault { id: Id },
    /// No layout saved: the built-in default.
    BuiltIn,
}

/// How one tile turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TileStatus {
    /// Rendered: `result` is the view model.
    Rendered,
    /// Not rendered on purpose (wrong dashboard, missing right or
    /// entitlement, unknown portlet): `result` says why.
    NotRendered,
    /// The render failed (error, panic, timeout, bad settings, broken plugin).
    Failed,
}

/// A rendered dashboard.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DashboardView {
    /// In the requested locale.
    pub title: String,
    pub target: DashboardTarget,
    pub locale: Locale,
    pub layout: LayoutSource,
    /// In display order.
    pub tiles: Vec<Tile>,
    /// For each tile (same index): its column and status.
    pub placement: Vec<(u32, TileStatus)>,
    /// For each tile (same index): its width in the layout.
    pub widths: Vec<Option<TileWidth>>,
    /// The firm's today (`YYYY-MM-DD`), for dates relative to it.
    pub today: String,
}

impl DashboardView {
    /// One self-contained HTML page (the API crate's renderer), dates
    /// relative to the firm's today, drill-downs as buttons.
    pub fn to_html(&self) -> String {
        self.to_html_with(None)
    }

    /// [`DashboardView::to_html`], drill-downs as links to `url_template`
    /// (see [`RenderOptions::url_template`]) when given.
    pub fn to_html_with(&self, url_template: Option<&str>) -> String {
        html::render_page(&self.title, &self.placed(), self.locale, &self.options(url_template))
    }

    /// The tiles with their column, width and state.
    fn placed(&self) -> Vec<PlacedTile<'_>> {
        self.tiles
            .iter()
            .zip(&self.placement)
            .zip(&self.widths)
            .map(|((tile, (column, status)), width)| PlacedTile {
                tile,
                column: *column,
                width: *width,
                state: match status {
                    TileStatus::Rendered => TileState::Rendered,
                    TileStatus::NotRendered => TileState::Unavailable,
                    TileStatus::Failed => TileState::Failed,
                },
            })
            .collect()
    }

    fn options(&self, url_template: Option<&str>) -> RenderOptions {
        RenderOptions { today: Some(self.today.clone()), url_template: url_template.map(str::to_string) }
    }

    /// Plain text for a terminal (the API crate's renderer).
    pub fn to_text(&self) -> String {
        text::render_page(&self.title, &self.placed(), self.locale, &self.options(None))
    }

    /// The JSON a host receives for `"format": "json"`.
    pub fn to_json(&self) -> Value {
        let tiles: Vec<Value> = self
            .tiles
            .iter()
            .zip(&self.placement)
            .enumerate()
            .map(|(i, (t, (column, status)))| {
                let mut v = json!({"portlet": t.portlet_id, "title": t.title, "column": column, "status": status});
                if let Some(w) = self.widths.get(i).copied().flatten() {
                    v["width"] = json!(w);
                }
                match &t.result {
                    Ok(vm) => v["view"] = serde_json::to_value(vm).unwrap_or(Value::Null),
                    Err(e) => v["error"] = serde_json::to_value(e).unwrap_or(Value::Null),
                }
                v
            })
            .collect();
        let mut out = json!({"title": self.title, "layout": self.layout, "locale": self.locale, "tiles": tiles});
        if let Value::Object(m) = &mut out
            && let Ok(Value::Object(t)) = serde_json::to_value(self.target)
        {
            m.extend(t);
        }
        out
    }

    /// The status of the tile of `portlet_id` (the first one).
    pub fn status_of(&self, portlet_id: &str) -> Option<TileStatus> {
        self.tiles.iter().position(|t| t.portlet_id == portlet_id).map(|i| self.placement[i].1)
    }

    /// The tile of `portlet_id` (the first one).
    pub fn tile(&self, portlet_id: &str) -> Option<&Tile> {
        self.tiles.iter().find(|t| t.portlet_id == portlet_id)
    }
}

impl std::fmt::Debug for Dashboards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboards")
            .field("engine", &self.engine)
            .field("portlets", &self.portlets.keys().collect::<Vec<_>>())
            .field("load_failures", &self.load_failures.len())
            .field("budget", &self.budget)
            .field("closed", &self.closed.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

/// Dashboards over one engine.
pub struct Dashboards {
    engine: Arc<Engine>,
    portlets: BTreeMap<String, Registered>,
    load_failures: Vec<PluginLoadFailure>,
    budget: Duration,
    /// Consecutive timeouts per viewer and portlet id (the circuit
    /// breaker): one viewer's slow layout suspends the portlet for that
    /// viewer only.
    timeouts: Mutex<HashMap<(Id, String), u32>>,
    /// Where portlets' log messages go (none: dropped).
    log: RwLock<Option<LogSink>>,
    /// Set by [`Dashboards::close`] (and on drop): renders are canceled.
    closed: Arc<AtomicBool>,
}

impl Drop for Dashboards {
    fn drop(&mut self) {
        self.close();
    }
}

/// The built-in portlets.
pub fn built_in_portlets() -> Vec<Arc<dyn Portlet>> {
    vec![
        Arc::new(clientele_portlet_today::TodayPortlet),
        Arc::new(clientele_portlet_interactions::InteractionsPortlet),
        Arc::new(clientele_portlet_file_transfers::FileTransfersPortlet),
        Arc::new(clientele_portlet_client_info::ClientInfoPortlet),
        Arc::new(clientele_portlet_contacts::ContactsPortlet),
        Arc::new(clientele_portlet_my_clients::MyClientsPortlet),
    ]
}

fn load_error_code(e: &LoadError) -> &'static str {
    match e {
        LoadError::FileMissing(_) => "file_missing",
        LoadError::OpenFailed { .. } => "open_failed",
        LoadError::SymbolMissing { .. } => "symbol_missing",
        LoadError::NullDescriptor { .. } => "null_descriptor",
        LoadError::DescriptorTooSmall { .. } => "descriptor_too_small",
        LoadError::AbiTooOld { .. } => "abi_too_old",
        LoadError::AbiTooNew { .. } => "abi_too_new",
        LoadError::NullEntryPoint { .. } => "null_entry_point",
        LoadError::ManifestInvalid { .. } => "manifest_invalid",
        LoadError::PortletCallFailed { .. } => "portlet_call_failed",
    }
}

/// Does `rights` hold what `needed` asks?
pub(crate) fn holds(rights: &Rights, entity: RightEntity) -> bool {
    match entity {
        RightEntity::Clients => rights.clients.view,
        RightEntity::Contacts => rights.contacts.view,
        RightEntity::Interactions => rights.interactions.view,
        RightEntity::FileTransfers => rights.file_transfers.view,
    }
}

fn entity_name(entity: RightEntity) -> Localized {
    match entity {
        RightEntity::Clients => Localized::new("les clients", "clients"),
        RightEntity::Contacts => Localized::new("les contacts", "contacts"),
        RightEntity::Interactions => Localized::new("les interactions", "interactions"),
        RightEntity::FileTransfers => Localized::new("les transferts de fichiers", "file transfers"),
    }
}

fn dashboard_name(kind: DashboardKind) -> Localized {
    match kind {
        DashboardKind::Staff => Localized::new("personnel", "staff"),
        DashboardKind::Client => Localized::new("client", "client"),
        DashboardKind::Firm => Localized::new("cabinet", "firm"),
    }
}

impl Dashboards {
    /// The built-ins plus the plugins of `engine.config().plugin_paths`. A
    /// plugin that does not load (or clashes with a registered id) is
    /// reported in [`Dashboards::load_failures`], never fatal. Each tile's
    /// time budget is the engine's `tile_timeout_ms` (default 2000 ms;
    /// [`Dashboards::with_budget`] and a render's `budget_ms` change it).
    pub fn new(engine: Arc<Engine>) -> Self {
        let budget = Duration::from_millis(engine.config().tile_timeout_ms);
        let mut d = Dashboards {
            engine,
            portlets: BTreeMap::new(),
            load_failures: Vec::new(),
            budget,
            timeouts: Mutex::new(HashMap::new()),
            log: RwLock::new(None),
            closed: Arc::new(AtomicBool::new(false)),
        };
        for p in built_in_portlets() {
            d.insert_static(p, Origin::BuiltIn).expect("built-in portlets have valid, distinct manifests");
        }
        let paths = d.engine.config().plugin_paths.clone();
        for path in paths {
            // Recorded in load_failures; never fatal.
            let _ = d.load_plugin(&path);
        }
        d
    }

    /// Loads one plugin library; a failure is recorded and returned. Its
    /// settings schema and default settings are read now; a failure of either
    /// is a load failure (`portlet_call_failed`).
    pub fn load_plugin(&mut self, path: &str) -> Result<String, PluginLoadFailure> {
        let path_buf = PathBuf::from(path);
        let failure = |e: LoadError| PluginLoadFailure {
            path: path_buf.clone(),
            code: load_error_code(&e),
            message: e.to_string(),
        };
        let call_failed = |call, error| LoadError::PortletCallFailed { path: path_buf.clone(), call, error };
        let result = LoadedPortlet::load(path).map_err(failure).and_then(|p| {
            let schema = p.try_settings_schema().map_err(|e| failure(call_failed("settings_schema", e)))?;
            let defaults = p.try_default_settings().map_err(|e| failure(call_failed("default_settings", e)))?;
            let defaults = object_defaults(defaults).map_err(|message| {
                failure(call_failed("default_settings", PortletError::Contract { status: 0, message }))
            })?;
            let manifest = p.manifest();
            self.insert(Arc::new(p), manifest, schema, defaults, Origin::Loaded { path: path_buf.clone() })
                .map_err(|e| PluginLoadFailure { path: path_buf.clone(), code: "registry", message: e.to_string() })
        });
        if let Err(f) = &result {
            self.load_failures.push(f.clone());
        }
        result
    }

    /// Registers a statically linked portlet of the host's. Its manifest,
    /// settings schema and default settings are read now, panics caught: a
    /// failure refuses the portlet ([`RegistryError::PortletFailed`]).
    pub fn register(&mut self, portlet: Arc<dyn Portlet>) -> Result<(), RegistryError> {
        self.insert_static(portlet, Origin::Registered).map(|_| ())
    }

    fn insert_static(&mut self, portlet: Arc<dyn Portlet>, origin: Origin) -> Result<String, RegistryError> {
        fn call<T>(call: &'static str, f: impl FnOnce() -> T) -> Result<T, RegistryError> {
            catch_unwind(AssertUnwindSafe(f)).map_err(|p| RegistryError::PortletFailed {
                call,
                message: format!("panicked: {}", crate::context::take_panic_message(p)),
            })
        }
        let manifest = call("manifest", || portlet.manifest())?;
        let schema = call("settings_schema", || portlet.settings_schema())?;
        let defaults = call("default_settings", || portlet.default_settings())?;
        let defaults = object_defaults(defaults)
            .map_err(|message| RegistryError::PortletFailed { call: "default_settings", message })?;
        self.insert(portlet, manifest, schema, defaults, origin)
    }

    fn insert(
        &mut self,
        portlet: Arc<dyn Portlet>,
        manifest: Manifest,
        settings_schema: Value,
        default_settings: Value,
        origin: Origin,
    ) -> Result<String, RegistryError> {
        manifest.validate().map_err(|e| RegistryError::Manifest(e.to_string()))?;
        if self.portlets.contains_key(&manifest.id) {
            return Err(RegistryError::Duplicate(manifest.id));
        }
        let id = manifest.id.clone();
        self.portlets.insert(id.clone(), Registered { portlet, manifest, settings_schema, default_settings, origin });
        Ok(id)
    }

    /// Whether the circuit breaker took `id` out of `viewer`'s schedule.
    fn suspended(&self, viewer: Id, id: &str) -> bool {
        let timeouts = self.timeouts.lock().unwrap_or_else(|e| e.into_inner());
        timeouts.get(&(viewer, id.to_string())).is_some_and(|n| *n >= MAX_CONSECUTIVE_TIMEOUTS)
    }

    /// Feeds the circuit breaker with one dashboard's renders: each tile that
    /// timed out adds one to its portlet's count; a portlet none of whose
    /// tiles timed out, and at least one answered, goes back to zero.
    fn record_outcomes(&self, viewer: Id, outcomes: &[(String, Outcome)]) {
        let mut timeouts = self.timeouts.lock().unwrap_or_else(|e| e.into_inner());
        let mut seen: BTreeMap<&str, (u32, bool)> = BTreeMap::new();
        for (id, outcome) in outcomes {
            let entry = seen.entry(id.as_str()).or_default();
            match outcome {
                Outcome::TimedOut => entry.0 += 1,
                Outcome::Answered => entry.1 = true,
                Outcome::NotRun => {}
            }
        }
        for (id, (timed_out, answered)) in seen {
            let key = (viewer, id.to_string());
            if timed_out > 0 {
                let n = timeouts.entry(key).or_default();
                *n = n.saturating_add(timed_out);
            } else if answered {
                timeouts.remove(&key);
            }
        }
    }

    /// Sets the time budget of each tile's render (default: the engine's
    /// `tile_timeout_ms`).
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// The time budget of each tile's render.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// Sends the portlets' log messages to `sink` from now on (`None`: drop
    /// them). At most `MAX_LOG_MESSAGES_PER_RENDER` messages per tile's
    /// render reach it, each cut to `MAX_LOG_MESSAGE_BYTES`; none after the
    /// render's budget ran out.
    pub fn set_log_sink(&self, sink: Option<LogSink>) {
        *self.log.write().unwrap_or_else(|e| e.into_inner()) = sink;
    }

    /// [`Dashboards::set_log_sink`], builder style.
    pub fn with_log_sink(self, sink: LogSink) -> Self {
        self.set_log_sink(Some(sink));
        self
    }

    /// Closes the dashboards: every render in progress is canceled (its
    /// portlets see `is_canceled`, its later requests answer
    /// `engine_closed`), and a later render is refused
    /// ([`DashboardError::Closed`], `engine_closed`). Also done on drop.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// Whether [`Dashboards::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The plugins that failed to load.
    pub fn load_failures(&self) -> &[PluginLoadFailure] {
        &self.load_failures
    }

    /// The registry, by id.
    pub fn portlets(&self) -> impl Iterator<Item = &Registered> {
        self.portlets.values()
    }

    /// One registered portlet.
    pub fn portlet(&self, id: &str) -> Option<&Registered> {
        self.portlets.get(id)
    }

    /// Runs a protocol request (JSON with `actor`) on the engine.
    pub(crate) fn call(&self, request: Value) -> Result<Value, clientele_core::Error> {
        let text = self.engine.execute_json(&request.to_string())?;
        serde_json::from_str(&text)
            .map_err(|e| clientele_core::Error::internal(format!("engine answer: {e}")).caused_by(e))
    }

    /// The viewer's rights (also checks they exist and are active).
    fn rights_of(&self, viewer: Id) -> Result<Rights, DashboardError> {
        let staff = self.call(json!({"actor": viewer, "op": "staff.get", "id": viewer}))?;
        serde_json::from_value(staff["data"]["rights"].clone()).map_err(|e| {
            DashboardError::Engine(clientele_core::Error::internal(format!("staff rights: {e}")).caused_by(e))
        })
    }

    /// The layout to use and where it came from.
    fn choose_layout(
        &self,
        viewer: Id,
        kind: DashboardKind,
        requested: Option<Id>,
    ) -> Result<(Layout, LayoutSource), DashboardError> {
        let parse = |id: Id, record: &Value| {
            let raw = record.get("layout").or_else(|| record.pointer("/data/layout")).cloned().unwrap_or(Value::Null);
            Layout::from_json(&raw).map_err(|e| DashboardError::BadLayout { id, message: e.to_string() })
        };
        if let Some(id) = requested {
            let record = self.call(json!({"actor": viewer, "op": "layout.get", "id": id}))?;
            let found = record_dashboard(&record);
            if found != kind_name(kind) {
                return Err(DashboardError::WrongLayoutKind { id, found, wanted: kind_name(kind) });
            }
            return Ok((parse(id, &record)?, LayoutSource::Requested { id }));
        }
        let list = self.call(json!({"actor": viewer, "op": "layout.list", "dashboard": kind_name(kind)}))?;
        let records: Vec<Value> = match list {
            Value::Array(v) => v,
            other => other.get("items").and_then(Value::as_array).cloned().unwrap_or_default(),
        };
        let records: Vec<&Value> = records.iter().filter(|r| record_dashboard(r) == kind_name(kind)).collect();
        fn newest(rs: Vec<&Value>) -> Option<&Value> {
            rs.into_iter().max_by_key(|r| (stamp(r), id_of(r)))
        }
        let own = newest(
            records.iter().copied().filter(|r| r.get("owner").and_then(Value::as_i64) == Some(viewer)).collect(),
        );
        if let Some(r) = own {
            return Ok((parse(id_of(r), r)?, LayoutSource::Own { id: id_of(r) }));
        }
        let firm = newest(
            records.iter().copied().filter(|r| r.get("firm_default").and_then(Value::as_bool) == Some(true)).collect(),
        );
        if let Some(r) = firm {
            return Ok((parse(id_of(r), r)?, LayoutSource::FirmDefault { id: id_of(r) }));
        }
        Ok((Layout::built_in(kind), LayoutSource::BuiltIn))
    }

    /// Renders a dashboard for `viewer` (a staff id).
    ///
    /// The layout is `layout` when given (it must be visible to the viewer
    /// and of this dashboard kind), else the viewer's own (last saved) layout
    /// for this kind, else the firm default, else [`Layout::built_in`].
    /// Each tile is checked (portlet known, fits the dashboard, firm holds
    /// its entitlements, viewer holds its rights, settings valid) and then
    /// rendered under the time budget, all tiles concurrently.
    pub fn render(
        &self,
        viewer: Id,
        target: DashboardTarget,
        layout: Option<Id>,
        locale: Locale,
    ) -> Result<DashboardView, DashboardError> {
        self.render_within(viewer, target, layout, locale, self.budget)
    }

    /// [`Dashboards::render`] with each tile's time budget `budget` instead
    /// of the dashboards' own.
    pub fn render_within(
        &self,
        viewer: Id,
        target: DashboardTarget,
        layout: Option<Id>,
        locale: Locale,
        budget: Duration,
    ) -> Result<DashboardView, DashboardError> {
        if self.is_closed() {
            return Err(DashboardError::Closed);
        }
        let rights = self.rights_of(viewer)?;
        let kind = target.kind();
        let title = match target {
            DashboardTarget::Staff => Localized::new("Mon tableau de bord", "My dashboard"),
            DashboardTarget::Firm => Localized::new("Tableau de bord du cabinet", "Firm dashboard"),
            DashboardTarget::Client { client_id } => {
                // The viewer must see the client (rights, offices).
                let c = self.call(json!({"actor": viewer, "op": "client.get", "id": client_id}))?;
                let name = format!(
                    "{} — {}",
                    c["data"]["code"].as_str().unwrap_or_default(),
                    c["data"]["name"].as_str().unwrap_or_default()
                );
                Localized::new(format!("Client {name}"), format!("Client {name}"))
            }
        };
        let (layout, source) = self.choose_layout(viewer, kind, layout)?;
        let scope = target.scope(viewer);
        let entitlements = &self.engine.config().entitlements;

        // Decide each tile first; render the renderable ones concurrently.
        enum Pending<H> {
            Done(Box<(Tile, TileStatus, Outcome)>),
            Running((String, Localized), H),
        }
        enum Plan {
            Done(Tile, TileStatus),
            Render(Arc<dyn Portlet>, Value, String, Localized),
        }
        let plans: Vec<(u32, Plan)> = layout
            .ordered()
            .into_iter()
            .map(|spec| {
                let not = |title: Localized, fr: String, en: String, code: &str| {
                    let message = Localized::new(fr, en).get(locale).to_string();
                    Plan::Done(
                        Tile { portlet_id: spec.portlet.clone(), title, result: Err(ErrorBody::new(code, message)) },
                        TileStatus::NotRendered,
                    )
                };
                let Some(reg) = self.portlets.get(&spec.portlet) else {
                    return (
                        spec.column,
                        not(
                            Localized::new("Portlet non installé", "Portlet not installed"),
                            format!(
                                "Ce portlet ({}) n’est pas installé sur ce poste : demandez à votre administrateur \
                                 de l’installer pour l’afficher ici.",
                                spec.portlet
                            ),
                            format!(
                                "This portlet ({}) is not installed on this computer: ask your administrator to \
                                 install it to show it here.",
                                spec.portlet
                            ),
                            "unknown_portlet",
                        ),
                    );
                };
                let m = &reg.manifest;
                let plan = if !m.dashboards.contains(&kind) {
                    let d = dashboard_name(kind);
                    not(
                        m.title.clone(),
                        format!(
                            "Ce portlet ne s’affiche pas sur le tableau de bord {} : ajoutez-le à un autre tableau \
                             de bord.",
                            d.fr
                        ),
                        format!("This portlet is not shown on the {} dashboard: add it to another dashboard.", d.en),
                        "wrong_dashboard",
                    )
                } else if let Some(e) = m.entitlements.iter().find(|e| !entitlements.contains(e)) {
                    not(
                        m.title.clone(),
                        format!("Disponible avec le module « {e} » : votre cabinet peut l’ajouter à sa licence."),
                        format!("Available with the \"{e}\" module: your firm can add it to its licence."),
                        "needs_entitlement",
                    )
                } else if let Some(r) = m.rights.iter().find(|r| !holds(&rights, r.entity)) {
                    let what = entity_name(r.entity);
                    not(
                        m.title.clone(),
                        format!(
                            "Disponible avec le droit de consulter {} : demandez-le à votre administrateur.",
                            what.fr
                        ),
                        format!("Available with the right to view {}: ask your administrator for it.", what.en),
                        "needs_right",
                    )
                } else if self.suspended(viewer, &m.id) {
                    let message = Localized::new(
                        format!(
                            "Portlet suspendu — il a dépassé son délai {MAX_CONSECUTIVE_TIMEOUTS} fois de suite ; \
                             il sera de nouveau affiché au rechargement des tableaux de bord."
                        ),
                        format!(
                            "Portlet suspended — it timed out {MAX_CONSECUTIVE_TIMEOUTS} times in a row; \
                             it is scheduled again once the dashboards are reloaded."
                        ),
                    );
                    Plan::Done(
                        Tile {
                            portlet_id: m.id.clone(),
                            title: m.title.clone(),
                            result: Err(ErrorBody::new("portlet_suspended", message.get(locale))),
                        },
                        TileStatus::Failed,
                    )
                } else {
                    let merged = merge_settings(&reg.settings_schema, &reg.default_settings, &spec.settings);
                    match merged {
                        Ok(settings) => Plan::Render(reg.portlet.clone(), settings, m.id.clone(), m.title.clone()),
                        Err(e) => Plan::Done(
                            Tile {
                                portlet_id: m.id.clone(),
                                title: m.title.clone(),
                                result: Err(failure_body(&PortletError::from(e), locale)),
                            },
                            TileStatus::Failed,
                        ),
                    }
                };
                (spec.column, plan)
            })
            .collect();

        let log = self.log.read().unwrap_or_else(|e| e.into_inner()).clone();
        let results: Vec<(Tile, TileStatus, Outcome)> = std::thread::scope(|s| {
            let handles: Vec<_> = plans
                .into_iter()
                .map(|(_, plan)| match plan {
                    Plan::Done(t, st) => Pending::Done(Box::new((t, st, Outcome::NotRun))),
                    Plan::Render(portlet, settings, id, title) => {
                        let who = (id.clone(), title.clone());
                        let ctx =
                            Arc::new(EngineContext::new(&self.engine, scope, locale).with_budget(budget).for_tile(
                                &id,
                                log.clone(),
                                self.closed.clone(),
                            ));
                        let work = move || {
                            let shared: Arc<dyn DataContext + Send + Sync> = ctx.clone();
                            let result = render_with_budget(portlet, settings, shared, budget);
                            let outcome = match &result {
                                Err(PortletError::Timeout { .. }) => {
                                    // The render is abandoned: so are its requests.
                                    ctx.expire();
                                    Outcome::TimedOut
                                }
                                _ => Outcome::Answered,
                            };
                            let result = result.and_then(|mut vm: ViewModel| {
                                vm.check().map_err(|m| PortletError::Contract { status: 0, message: m })?;
                                ctx.check_drill_down(&mut vm);
                                Ok(vm)
                            });
                            match result {
                                Ok(vm) => {
                                    (Tile { portlet_id: id, title, result: Ok(vm) }, TileStatus::Rendered, outcome)
                                }
                                Err(e) => (
                                    Tile { portlet_id: id, title, result: Err(failure_body(&e, locale)) },
                                    TileStatus::Failed,
                                    outcome,
                                ),
                            }
                        };
                        match std::thread::Builder::new().name("clientele-dashboard-tile".into()).spawn_scoped(s, work)
                        {
                            Ok(h) => Pending::Running(who, h),
                            Err(e) => {
                                let (portlet_id, title) = who;
                                let e = PortletError::internal(format!("cannot start the tile's thread: {e}"));
                                let body = failure_body(&e, locale);
                                Pending::Done(Box::new((
                                    Tile { portlet_id, title, result: Err(body) },
                                    TileStatus::Failed,
                                    Outcome::NotRun,
                                )))
                            }
                        }
                    }
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h {
                    Pending::Done(done) => *done,
                    Pending::Running((portlet_id, title), h) => h.join().unwrap_or_else(|p| {
                        crate::context::take_panic_message(p);
                        (
                            Tile {
                                portlet_id,
                                title,
                                result: Err(ErrorBody::new("internal", "the tile's thread failed")),
                            },
                            TileStatus::Failed,
                            Outcome::NotRun,
                        )
                    }),
                })
                .collect()
        });
        let outcomes: Vec<(String, Outcome)> =
            results.iter().map(|(tile, _, outcome)| (tile.portlet_id.clone(), *outcome)).collect();
        self.record_outcomes(viewer, &outcomes);
        let results: Vec<(Tile, TileStatus)> = results.into_iter().map(|(t, st, _)| (t, st)).collect();
        let columns: Vec<u32> = layout.ordered().iter().map(|t| t.column).collect();
        let widths: Vec<Option<TileWidth>> = layout.ordered().iter().map(|t| t.width).collect();
        let (tiles, statuses): (Vec<Tile>, Vec<TileStatus>) = results.into_iter().unzip();
        Ok(DashboardView {
            title: title.get(locale).to_string(),
            target,
            locale,
            layout: source,
            tiles,
            placement: columns.into_iter().zip(statuses).collect(),
            widths,
            today: self.engine.today().to_string(),
        })
    }

    /// [`Dashboards::render`] as one HTML page.
    pub fn render_html(
        &self,
        viewer: Id,
        target: DashboardTarget,
        layout: Option<Id>,
        locale: Locale,
    ) -> Result<String, DashboardError> {
        Ok(self.render(viewer, target, layout, locale)?.to_html())
    }

    /// [`Dashboards::render`] as plain text.
    pub fn render_text(
        &self,
        viewer: Id,
        target: DashboardTarget,
        layout: Option<Id>,
        locale: Locale,
    ) -> Result<String, DashboardError> {
        Ok(self.render(viewer, target, layout, locale)?.to_text())
    }
}

/// How a tile's render went, for the circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The portlet was not called (a check failed, suspended, no thread).
    NotRun,
    /// The render answered within the budget (success or failure).
    Answered,
    /// The budget ran out.
    TimedOut,
}

/// Default settings must be an object (`null` counts as `{}`).
fn object_defaults(defaults: Value) -> Result<Value, String> {
    match defaults {
        Value::Object(_) => Ok(defaults),
        Value::Null => Ok(json!({})),
        other => Err(format!("default settings are not an object: {other}")),
    }
}

/// The error body of a failed tile: the portlet's code, a localized lead
/// and the (English) technical message.
fn failure_body(e: &PortletError, locale: Locale) -> ErrorBody {
    let mut body = e.to_body();
    let lead = match (e, locale) {
        (PortletError::Timeout { .. }, Locale::Fr) => "Délai dépassé",
        (PortletError::Timeout { .. }, Locale::En) => "Timed out",
        (PortletError::DataRefused(_), Locale::Fr) => "Accès refusé",
        (PortletError::DataRefused(_), Locale::En) => "Access refused",
        (PortletError::BadSettings { .. }, Locale::Fr) => "Réglages invalides",
        (PortletError::BadSettings { .. }, Locale::En) => "Invalid settings",
        (PortletError::DataFailed(_), Locale::Fr) => "Lecture des données impossible",
        (PortletError::DataFailed(_), Locale::En) => "Data could not be read",
        (_, Locale::Fr) => "Erreur du portlet",
        (_, Locale::En) => "Portlet error",
    };
    body.message = format!("{lead} — {}", body.message);
    body
}

fn record_dashboard(record: &Value) -> String {
    record
        .get("dashboard")
        .or_else(|| record.pointer("/data/dashboard"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn id_of(record: &Value) -> Id {
    record.get("id").and_then(Value::as_i64).unwrap_or_default()
}

/// A sortable "last saved" stamp of a layout record (RFC 3339 text or a number).
fn stamp(record: &Value) -> i64 {
    match record.get("updated_at") {
        Some(Value::Number(n)) => n.as_i64().unwrap_or_default(),
        Some(Value::String(s)) => {
            chrono::DateTime::parse_from_rfc3339(s).map(|t| t.timestamp_micros()).unwrap_or_default()
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_portlet_api::abi::AbiVersion;

    /// docs/portlets.md lists every code a plugin load can fail with.
    #[test]
    fn every_load_refusal_code_is_documented() {
        let p = || PathBuf::from("x");
        let v = AbiVersion::CURRENT;
        // A file that is not a library fails to open; a real library
        // without the descriptor misses the symbol.
        let dir = std::env::temp_dir().join(format!("clientele-load-codes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let not_a_library = dir.join("not-a-library.so");
        std::fs::write(&not_a_library, b"not an ELF file").unwrap();
        let Err(open_failed) = clientele_portlet_api::load_portlet(&not_a_library) else {
            panic!("a file that is not a library must not load");
        };
        let libc = ["/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let errors = [
            LoadError::FileMissing(p()),
            open_failed,
            LoadError::NullDescriptor { path: p() },
            LoadError::DescriptorTooSmall { path: p(), found: 0, needed: 8, version: v },
            LoadError::AbiTooOld { path: p(), found: v, supported: v },
            LoadError::AbiTooNew { path: p(), found: v, supported: v },
            LoadError::NullEntryPoint { path: p(), entry: "render" },
            LoadError::ManifestInvalid { path: p(), reason: String::new(), source: None },
            LoadError::PortletCallFailed { path: p(), call: "manifest", error: PortletError::internal("x") },
        ];
        let guide = include_str!("../../docs/portlets.md");
        let mut codes: Vec<&str> = errors.iter().map(load_error_code).collect();
        assert!(codes.contains(&"open_failed"), "{codes:?}");
        match libc.map(clientele_portlet_api::load_portlet) {
            Some(Err(e)) => codes.push(load_error_code(&e)),
            _ => codes.push("symbol_missing"),
        }
        std::fs::remove_dir_all(&dir).ok();
        codes.push("registry");
        for code in codes {
            assert!(guide.contains(&format!("| `{code}` |")), "docs/portlets.md does not list the load refusal {code}");
        }
    }
}

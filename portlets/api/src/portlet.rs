//! The safe Rust contract: [`Portlet`], [`DataContext`] and their errors.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::manifest::{Locale, Manifest};
use crate::view::ViewModel;

/// A dashboard tile. Built-in portlets implement it directly; portlets loaded
/// from a shared library are wrapped by the loader in a type that implements
/// it too, so the engine treats both identically.
///
/// Every method may be called from several threads at once.
pub trait Portlet: Send + Sync {
    /// What the portlet is. Must be cheap and always return the same value.
    fn manifest(&self) -> Manifest;

    /// JSON Schema (draft 2020-12, as produced by `schemars::schema_for!`) of
    /// the portlet's *own* settings, with a `default` for each property.
    /// The common settings (key `common`, see [`crate::CommonSettings`]) are
    /// not part of it. The default is an object schema without properties.
    fn settings_schema(&self) -> serde_json::Value {
        serde_json::json!({"type": "object", "properties": {}})
    }

    /// The portlet's own settings when the user has changed nothing. The
    /// default collects the `default` of each property of [`Self::settings_schema`].
    fn default_settings(&self) -> serde_json::Value {
        crate::settings::defaults_from_schema(&self.settings_schema())
    }

    /// Renders the tile. `settings` is the object produced by
    /// [`crate::settings::merge_settings`]: the portlet's own keys plus the
    /// key `common` holding [`crate::CommonSettings`].
    fn render(&self, settings: &serde_json::Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError>;
}

impl std::fmt::Debug for dyn Portlet + '_ {
    /// Shows the manifest id (calls [`Portlet::manifest`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portlet").field("id", &self.manifest().id).finish()
    }
}

/// Who is looking, and at what. Set by the engine, never by the portlet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// A staff member's own dashboard.
    Staff { staff_id: i64 },
    /// The dashboard of one client, seen by a staff member. The engine confines
    /// every data request to this client.
    Client { client_id: i64, staff_id: i64 },
    /// The firm-wide dashboard, seen by a staff member.
    Firm { staff_id: i64 },
}

impl Scope {
    /// The viewer.
    pub fn staff_id(&self) -> i64 {
        match *self {
            Scope::Staff { staff_id } | Scope::Client { staff_id, .. } | Scope::Firm { staff_id } => staff_id,
        }
    }
}

/// The engine side of a render: the only way a portlet reads data.
///
/// Implemented by the engine (`clientele-core`) and, for portlets loaded from
/// a shared library, by the plugin-side shim over the C host callbacks.
pub trait DataContext {
    /// Who is looking, and at what.
    fn scope(&self) -> Scope;
    /// Today, `YYYY-MM-DD`, in the firm's time zone.
    fn today(&self) -> String;
    /// The viewer's language.
    fn locale(&self) -> Locale;
    /// A READ request of the engine's JSON protocol, e.g.
    /// `{"op":"interaction.list", "filter":"kind:call", "limit":20}`.
    /// Answers the response JSON or the error body. The engine refuses writes
    /// and confines the request to the scope.
    fn request(&self, request: &serde_json::Value) -> Result<serde_json::Value, ErrorBody>;

    /// The firm's IANA time zone (`America/Toronto`), in which `today` and
    /// the date-times of answers are given; `None` when the host does not
    /// say (hosts older than this method).
    fn timezone(&self) -> Option<String> {
        None
    }

    /// Sends one line to the host's log (ABI 1.2). The engine caps what
    /// reaches the host: [`crate::abi::MAX_LOG_MESSAGES_PER_RENDER`] messages
    /// per render, [`crate::abi::MAX_LOG_MESSAGE_BYTES`] bytes each. The
    /// default (hosts older than 1.2) drops the message.
    fn log(&self, level: LogLevel, message: &str) {
        let _ = (level, message);
    }

    /// Whether the render should stop now (ABI 1.2): its time budget is
    /// spent, or the dashboards are closing. A long render polls it and
    /// returns early (what it answers then is not shown). The default
    /// (hosts older than 1.2) is `false`.
    fn is_canceled(&self) -> bool {
        false
    }

    /// What is left of the render's time budget (ABI 1.2); `None` when there
    /// is no budget or the host does not say.
    fn remaining(&self) -> Option<std::time::Duration> {
        None
    }
}

/// The level of a [`DataContext::log`] message; the numbers are the
/// `CLP_LOG_*` constants of the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

impl LogLevel {
    /// From a `CLP_LOG_*` number; any other number is [`LogLevel::Info`].
    pub fn from_raw(level: i32) -> Self {
        match level {
            1 => LogLevel::Error,
            2 => LogLevel::Warn,
            4 => LogLevel::Debug,
            _ => LogLevel::Info,
        }
    }

    /// The `CLP_LOG_*` number.
    pub fn raw(self) -> i32 {
        self as i32
    }

    /// `error`, `warn`, `info` or `debug`.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }
}

/// `message` cut to at most [`crate::abi::MAX_LOG_MESSAGE_BYTES`] bytes at a
/// character boundary, ending with `…` when cut.
pub fn clip_log_message(message: &str) -> std::borrow::Cow<'_, str> {
    let max = crate::abi::MAX_LOG_MESSAGE_BYTES;
    if message.len() <= max {
        return std::borrow::Cow::Borrowed(message);
    }
    let mut end = max - '…'.len_utf8();
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &message[..end]))
}

/// The context a plugin receives, serialised as JSON across the C ABI
/// (`ClpHost::context_json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ContextInfo {
    pub scope: Scope,
    /// The firm's today, `YYYY-MM-DD`.
    pub today: String,
    /// The viewer's language.
    pub locale: Locale,
    /// The firm's IANA time zone, e.g. `America/Toronto` (absent from
    /// older hosts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

impl ContextInfo {
    /// Snapshot of a context's scope, date, locale and time zone.
    pub fn of(ctx: &dyn DataContext) -> Self {
        ContextInfo { scope: ctx.scope(), today: ctx.today(), locale: ctx.locale(), timezone: ctx.timezone() }
    }
}

/// What a failed request answers with. The engine's own type carries more
/// optional fields and serialises compatibly; unknown fields are ignored here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `forbidden`, `not_found`, `invalid_filter`.
    pub code: String,
    /// Human-readable message (English).
    pub message: String,
    /// The offending field, when one is to blame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody { code: code.into(), message: message.into(), field: None }
    }

    /// Whether the engine refused (rights, licence, scope) rather than failed.
    pub fn is_refusal(&self) -> bool {
        matches!(self.code.as_str(), "forbidden" | "not_licensed" | "unauthorized" | "out_of_scope" | "write_refused")
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(field) = &self.field {
            write!(f, " (field {field})")?;
        }
        Ok(())
    }
}

/// Why a render failed. Serialises (tag `kind`) to cross the C ABI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PortletError {
    /// The engine refused a data request (rights, licence, scope).
    #[error("data access refused: {0}")]
    DataRefused(ErrorBody),
    /// A data request failed.
    #[error("data access failed: {0}")]
    DataFailed(ErrorBody),
    /// The settings are unusable.
    #[error("bad settings{}: {message}", field.as_ref().map(|f| format!(" ({f})")).unwrap_or_default())]
    BadSettings {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
    /// A bug or impossible state inside the portlet.
    #[error("portlet internal error: {message}")]
    Internal { message: String },
    /// The portlet panicked; the panic was caught.
    #[error("portlet panicked: {message}")]
    Panicked { message: String },
    /// The render did not finish within its budget (see [`crate::render_with_budget`]).
    #[error("portlet did not answer within {budget_ms} ms")]
    Timeout { budget_ms: u64 },
    /// A loaded portlet broke the ABI contract: an unknown status, a null or
    /// non-UTF-8 string, JSON that does not parse or does not fit.
    #[error("portlet broke the plugin contract (status {status}): {message}")]
    Contract { status: i32, message: String },
}

impl PortletError {
    /// A stable machine code for the error.
    pub fn code(&self) -> &str {
        match self {
            PortletError::DataRefused(b) | PortletError::DataFailed(b) => &b.code,
            PortletError::BadSettings { .. } => "bad_settings",
            PortletError::Internal { .. } => "portlet_internal",
            PortletError::Panicked { .. } => "portlet_panicked",
            PortletError::Timeout { .. } => "portlet_timeout",
            PortletError::Contract { .. } => "portlet_contract",
        }
    }

    /// Shorthand for [`PortletError::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
        PortletError::Internal { message: message.into() }
    }

    /// Shorthand for [`PortletError::BadSettings`].
    pub fn bad_settings(field: Option<&str>, message: impl Into<String>) -> Self {
        PortletError::BadSettings { message: message.into(), field: field.map(str::to_string) }
    }

    /// The body shown on an error tile.
    pub fn to_body(&self) -> ErrorBody {
        match self {
            PortletError::DataRefused(b) | PortletError::DataFailed(b) => b.clone(),
            PortletError::BadSettings { field, .. } => {
                ErrorBody { code: self.code().to_string(), message: self.to_string(), field: field.clone() }
            }
            _ => ErrorBody::new(self.code(), self.to_string()),
        }
    }
}

/// Lets portlets write `ctx.request(&req)?`: refusals become
/// [`PortletError::DataRefused`], other failures [`PortletError::DataFailed`].
impl From<ErrorBody> for PortletError {
    fn from(body: ErrorBody) -> Self {
        if body.is_refusal() { PortletError::DataRefused(body) } else { PortletError::DataFailed(body) }
    }
}

impl From<PortletError> for ErrorBody {
    fn from(e: PortletError) -> Self {
        e.to_body()
    }
}

/// Text of a caught panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

/// Drops a caught panic payload without letting a panicking `Drop` escape
/// (across `extern "C"` that would abort the process): a payload whose drop
/// panics is given up, and so is the second payload.
pub(crate) fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_json_round_trip() {
        let errors = [
            PortletError::DataRefused(ErrorBody::new("forbidden", "no")),
            PortletError::bad_settings(Some("limit"), "too big"),
            PortletError::internal("x"),
            PortletError::Timeout { budget_ms: 5 },
        ];
        for e in errors {
            let j = serde_json::to_value(&e).unwrap();
            assert_eq!(serde_json::from_value::<PortletError>(j).unwrap(), e);
        }
        assert_eq!(
            serde_json::to_value(PortletError::DataFailed(ErrorBody::new("storage", "down"))).unwrap(),
            json!({"kind": "data_failed", "code": "storage", "message": "down"})
        );
    }

    #[test]
    fn error_body_classification_and_core_compat() {
        // The engine's richer body (span, reason...) parses here.
        let core = json!({"code": "forbidden", "message": "m", "field": "f", "span": {"start": 0, "end": 1}});
        let body: ErrorBody = serde_json::from_value(core).unwrap();
        assert!(matches!(PortletError::from(body), PortletError::DataRefused(_)));
        assert!(matches!(PortletError::from(ErrorBody::new("invalid_filter", "x")), PortletError::DataFailed(_)));
    }

    #[test]
    fn scope_json() {
        assert_eq!(
            serde_json::to_value(Scope::Client { client_id: 4, staff_id: 2 }).unwrap(),
            json!({"kind": "client", "client_id": 4, "staff_id": 2})
        );
    }
}

//! The engine's one error type.
//!
//! Every failure a caller can see is an [`Error`] variant with a stable
//! machine code ([`Error::code`]), a human message (`Display`) and, where it
//! applies, the offending field. [`ErrorBody`] is the serialisable face of an
//! error that crosses the request protocol, the C ABI and the plugin ABI.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Result alias used throughout the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A byte range into a text the caller sent (a filter, for instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// Every error the engine reports. New kinds of failure may be added:
/// match on [`Error::code`]'s stable codes or keep a `_` arm.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The firm has no licence for the client-management module.
    #[error("the firm is not licensed for the client-management module")]
    NotLicensed,
    /// The actor lacks the right to do this.
    #[error("forbidden: {actor} may not {action} {entity}")]
    Forbidden { actor: String, action: &'static str, entity: &'static str },
    /// No such record (or not visible to the actor).
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: i64 },
    /// A field failed validation.
    #[error("{field}: {message}")]
    Validation { field: String, code: &'static str, message: String },
    /// A unique value is already taken.
    #[error("{field} '{value}' is already used{where_}")]
    Duplicate { field: String, value: String, where_: String },
    /// The record changed since the caller read it.
    #[error(
        "{entity} {id} was changed by someone else: you edited version {expected}, the current version is {current}"
    )]
    Conflict { entity: &'static str, id: i64, expected: i64, current: i64 },
    /// A state machine refused a transition.
    #[error("a {entity} cannot go from {from} to {to}")]
    InvalidTransition { entity: &'static str, from: String, to: String },
    /// A request that could not be understood (malformed JSON, unknown op...).
    #[error("bad request: {message}")]
    BadRequest { message: String, span: Option<Span> },
    /// A filter or search text was refused. Its message already says which
    /// text (`filter: ...`, `search: ...`).
    #[error("{}", .0.message)]
    Filter(Box<FilterFailure>),
    /// The configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// One setting of the configuration is unusable (unknown, out of range,
    /// of the wrong type): code `config`, `field` names the setting.
    #[error("configuration: {field}: {message}")]
    Setting { field: String, message: String },
    /// The database was written by a newer version of the engine.
    #[error("the database schema ({database}) is newer than this engine understands ({engine}); upgrade the engine")]
    SchemaTooNew { database: String, engine: String },
    /// The database failed. `source` is the database, pool or file-system
    /// error behind it, when there is one ([`std::error::Error::source`]).
    #[error("storage: {message}")]
    #[non_exhaustive]
    Storage {
        message: String,
        #[source]
        source: Option<ErrorSource>,
    },
    /// The caller canceled a long operation; nothing was written.
    #[error("canceled: nothing was written")]
    Canceled,
    /// The request ran past its deadline and was interrupted; nothing it
    /// would have written was kept, and its connection was freed.
    #[error("timeout: {what} did not finish within {after_ms} ms")]
    Timeout { what: String, after_ms: u64 },
    /// The database cannot be reached now (a server that refuses
    /// connections); the engine reconnects by itself when it is back.
    #[error("unavailable: {message}")]
    #[non_exhaustive]
    Unavailable {
        message: String,
        #[source]
        source: Option<ErrorSource>,
    },
    /// A bug or an impossible state caught at a boundary (a panic, for
    /// instance; `source`: a serialisation error, say).
    #[error("internal error: {message}")]
    #[non_exhaustive]
    Internal {
        message: String,
        #[source]
        source: Option<ErrorSource>,
    },
}

impl Error {
    /// A stable, documented machine code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotLicensed => "not_licensed",
            Error::Forbidden { .. } => "forbidden",
            Error::NotFound { .. } => "not_found",
            Error::Validation { .. } => "validation",
            Error::Duplicate { .. } => "duplicate",
            Error::Conflict { .. } => "conflict",
            Error::InvalidTransition { .. } => "invalid_transition",
            Error::BadRequest { .. } => "bad_request",
            Error::Filter { .. } => "invalid_filter",
            Error::Config(_) | Error::Setting { .. } => "config",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::Storage { .. } => "storage",
            Error::Canceled => "canceled",
            Error::Timeout { .. } => "timeout",
            Error::Unavailable { .. } => "unavailable",
            Error::Internal { .. } => "internal",
        }
    }

    /// The offending field (a field or setting name, never a kind of
    /// error), where there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation { field, .. } | Error::Duplicate { field, .. } | Error::Setting { field, .. } => {
                Some(field)
            }
            Error::Filter(f) => f.field.as_deref(),
            _ => None,
        }
    }

    /// For a refused filter or search: its stable kind (`unknown_field`,
    /// `invalid_value`, `too_many_terms`... the filter language's
    /// `ErrorKind` codes).
    pub fn kind(&self) -> Option<&str> {
        match self {
            Error::Filter(f) => Some(f.kind),
            _ => None,
        }
    }

    /// The offending span of the caller's text, where there is one.
    pub fn span(&self) -> Option<Span> {
        match self {
            Error::BadRequest { span, .. } => *span,
            Error::Filter(f) => f.span,
            _ => None,
        }
    }

    /// The serialisable face of this error.
    pub fn body(&self) -> ErrorBody {
        let (reason, current_version) = match self {
            Error::Validation { code, .. } => (Some((*code).to_string()), None),
            Error::Conflict { current, .. } => (None, Some(*current)),
            _ => (None, None),
        };
        let (expected, suggestion) = match self {
            Error::Filter(f) => (f.expected.clone(), f.suggestion.clone()),
            _ => (None, None),
        };
        ErrorBody {
            code: self.code().to_string(),
            message: self.to_string(),
            field: self.field().map(str::to_string),
            span: self.span(),
            reason,
            current_version,
            kind: self.kind().map(str::to_string),
            expected,
            suggestion,
        }
    }

    /// [`Error::body`] with the message in the firm's language: French
    /// (`fr`) for the messages the engine writes in a fixed form; free
    /// texts (validation details, filter and storage messages) as they are.
    pub fn body_in(&self, language: &str) -> ErrorBody {
        let mut body = self.body();
        if language == "fr"
            && let Some(message) = crate::error_fr::message(self)
        {
            body.message = message;
        }
        body
    }

    /// A refused filter or search text (`kind`: the filter language's
    /// `ErrorKind` code); add `field`, `expected`, `suggestion` with
    /// [`Error::with_filter`].
    pub(crate) fn filter(kind: &'static str, message: impl Into<String>, span: Option<Span>) -> Self {
        Error::Filter(Box::new(FilterFailure {
            message: message.into(),
            span,
            kind,
            field: None,
            expected: None,
            suggestion: None,
        }))
    }

    /// Sets the details of a filter error (no effect on other errors).
    pub(crate) fn with_filter(mut self, details: impl FnOnce(&mut FilterFailure)) -> Self {
        if let Error::Filter(f) = &mut self {
            details(f);
        }
        self
    }

    /// A setting of the configuration refused.
    pub(crate) fn setting(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Setting { field: field.into(), message: message.into() }
    }

    pub(crate) fn validation(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Error::Validation { field: field.into(), code, message: message.into() }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest { message: message.into(), span: None }
    }

    /// A `storage` error without a source; add one with [`Error::caused_by`].
    pub fn storage(message: impl Into<String>) -> Self {
        Error::Storage { message: message.into(), source: None }
    }

    /// An `unavailable` error without a source; add one with [`Error::caused_by`].
    pub fn unavailable(message: impl Into<String>) -> Self {
        Error::Unavailable { message: message.into(), source: None }
    }

    /// An `internal` error without a source; add one with [`Error::caused_by`].
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal { message: message.into(), source: None }
    }

    /// Keeps `source` as the cause of a `storage`, `unavailable` or
    /// `internal` error (what [`std::error::Error::source`] answers); no
    /// effect on other errors. The message, and so what crosses the C ABI,
    /// is unchanged.
    pub fn caused_by(self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.with_source(ErrorSource::new(source))
    }

    /// [`Error::caused_by`] for an error already boxed.
    pub fn caused_by_boxed(self, source: Box<dyn std::error::Error + Send + Sync + 'static>) -> Self {
        self.with_source(ErrorSource(Arc::from(source)))
    }

    fn with_source(mut self, cause: ErrorSource) -> Self {
        if let Error::Storage { source, .. } | Error::Unavailable { source, .. } | Error::Internal { source, .. } =
            &mut self
        {
            *source = Some(cause);
        }
        self
    }
}

/// The error behind an [`Error`] (a diesel, pool, I/O or JSON error): what
/// [`std::error::Error::source`] answers, the error itself (downcast it to
/// its type). Shared, so that [`Error`] stays `Clone`; two sources are
/// equal when their messages are.
#[derive(Clone)]
pub struct ErrorSource(Arc<dyn std::error::Error + Send + Sync + 'static>);

impl ErrorSource {
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        ErrorSource(Arc::new(error))
    }
}

// Deliberately not `std::error::Error` itself: `Error::source` answers the
// error inside (through this `Deref`), which callers can downcast.
impl std::ops::Deref for ErrorSource {
    type Target = dyn std::error::Error + Send + Sync + 'static;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl std::fmt::Debug for ErrorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for ErrorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&*self.0, f)
    }
}

impl PartialEq for ErrorSource {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

/// The details of a refused filter or search text.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FilterFailure {
    /// Which text and what is wrong, e.g. "filter: unknown field `stat`".
    pub message: String,
    /// Where in that text.
    pub span: Option<Span>,
    /// The filter language's error kind code, e.g. `unknown_field`.
    pub kind: &'static str,
    /// The field of the list the error is about, when known.
    pub field: Option<String>,
    /// What would have been accepted there.
    pub expected: Option<String>,
    /// A likely fix, e.g. "did you mean `status`?".
    pub suggestion: Option<String>,
}

/// What a failed request answers with, on every boundary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `conflict`, `validation`, `not_licensed`.
    pub code: String,
    /// Human-readable message, in the firm's configured language where the
    /// engine writes it in a fixed form (English otherwise).
    pub message: String,
    /// The offending field or setting (a name only), when one is to blame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The offending span of a filter or request text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Finer validation reason, e.g. `required`, `too_long`, `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a conflict: the version now stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// For `invalid_filter`: the kind of error (`unknown_field`,
    /// `unexpected_token`, `invalid_value`, `too_many_terms`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// For `invalid_filter`: what would have been accepted at `span`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// For `invalid_filter`: a likely fix, e.g. "did you mean `status`?".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        let message = e.to_string();
        // A guarded statement that found its kept actor stale
        // (`store::actor`): the request is run again, whatever its op
        // makes of this error.
        crate::store::actor::note_error(&message);
        Error::storage(message).caused_by(e)
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Self {
        Error::storage(format!("connection pool: {e}")).caused_by(e)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_cause_is_kept_as_source_and_changes_no_message() {
        let io = || std::io::Error::new(std::io::ErrorKind::PermissionDenied, "read-only file system");
        let plain = Error::storage("cannot write x: read-only file system");
        let caused = plain.clone().caused_by(io());
        assert_eq!(caused.to_string(), plain.to_string());
        assert_eq!(caused.body(), plain.body());
        let source = caused.source().expect("the I/O error");
        assert_eq!(
            source.downcast_ref::<std::io::Error>().map(|e| e.kind()),
            Some(std::io::ErrorKind::PermissionDenied)
        );
        // Equal by message, the cause included; a clone shares the cause.
        assert_ne!(caused, plain);
        assert_eq!(caused.clone(), caused);
        assert_eq!(caused, Error::storage("cannot write x: read-only file system").caused_by(io()));
        // Boxed causes too, and on `unavailable` and `internal`.
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(io());
        assert!(Error::unavailable("x").caused_by_boxed(boxed).source().unwrap().is::<std::io::Error>());
        let json = serde_json::from_str::<i64>("x").unwrap_err();
        assert!(Error::internal("x").caused_by(json).source().unwrap().is::<serde_json::Error>());
    }

    #[test]
    fn refusals_have_no_cause() {
        let e = Error::NotFound { entity: "client", id: 7 }.caused_by(std::io::Error::other("x"));
        assert_eq!(e, Error::NotFound { entity: "client", id: 7 });
        assert!(e.source().is_none());
    }
}

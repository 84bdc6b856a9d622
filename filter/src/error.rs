//! Errors of the filter language.

use serde::{Deserialize, Serialize};

use crate::ast::Span;

/// The stable machine-readable category of a [`FilterError`].
///
/// [`ErrorKind::code`] (and the serde form) is a stable snake_case string a
/// host may match on; the English `message` may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// A token that cannot appear here (stray `)`, `OR` without a left side, space after `status:`...).
    UnexpectedToken,
    /// The input ended where something more was required (`status:`, `a OR`, `(a`).
    UnexpectedEnd,
    /// A `"` without its closing `"`.
    UnterminatedQuote,
    /// A backslash inside quotes not followed by `"` or `\`.
    InvalidEscape,
    /// The field is not in the list's registry (a `suggestion` may be given).
    UnknownField,
    /// The field exists but cannot be filtered on.
    NotFilterable,
    /// The operator (or list/range form) is not allowed for this field.
    OperatorNotAllowed,
    /// The value cannot be read as the field's type (number, date, enum value...).
    InvalidValue,
    /// The text is longer than [`crate::Limits::max_len`] bytes.
    TooLong,
    /// Nesting deeper than [`crate::Limits::max_depth`].
    TooDeep,
    /// More than [`crate::Limits::max_terms`] conditions and keywords.
    TooManyTerms,
    /// A list `(a,b,...)` longer than [`crate::Limits::max_list_items`].
    TooManyItems,
    /// The JSON form could not be read.
    InvalidJson,
}

impl ErrorKind {
    /// The stable code string, e.g. `"unknown_field"`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::UnexpectedToken => "unexpected_token",
            ErrorKind::UnexpectedEnd => "unexpected_end",
            ErrorKind::UnterminatedQuote => "unterminated_quote",
            ErrorKind::InvalidEscape => "invalid_escape",
            ErrorKind::UnknownField => "unknown_field",
            ErrorKind::NotFilterable => "not_filterable",
            ErrorKind::OperatorNotAllowed => "operator_not_allowed",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::TooLong => "too_long",
            ErrorKind::TooDeep => "too_deep",
            ErrorKind::TooManyTerms => "too_many_terms",
            ErrorKind::TooManyItems => "too_many_items",
            ErrorKind::InvalidJson => "invalid_json",
        }
    }

    /// Every kind, for documentation and exhaustive tests.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::UnexpectedToken,
        ErrorKind::UnexpectedEnd,
        ErrorKind::UnterminatedQuote,
        ErrorKind::InvalidEscape,
        ErrorKind::UnknownField,
        ErrorKind::NotFilterable,
        ErrorKind::OperatorNotAllowed,
        ErrorKind::InvalidValue,
        ErrorKind::TooLong,
        ErrorKind::TooDeep,
        ErrorKind::TooManyTerms,
        ErrorKind::TooManyItems,
        ErrorKind::InvalidJson,
    ];
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused filter: what went wrong, where, and what would have been accepted.
///
/// `span` is a byte range into the filter text (always on `char` boundaries,
/// possibly empty, e.g. `{7,7}` for "a value was expected at the end").
/// Errors about an [`crate::Expr`] built from JSON carry the default span `{0,0}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    /// Stable category.
    pub kind: ErrorKind,
    /// Human-readable English message, e.g. "expected a value after `status:`".
    pub message: String,
    /// Where in the input.
    pub span: Span,
    /// What would have been accepted here, e.g. "a value" or "one of `:`, `=`, `!=`".
    pub expected: Option<String>,
    /// A likely fix, e.g. "did you mean `status`?".
    pub suggestion: Option<String>,
}

impl FilterError {
    /// A new error without `expected`/`suggestion`.
    pub fn new(kind: ErrorKind, message: impl Into<String>, span: Span) -> Self {
        FilterError { kind, message: message.into(), span, expected: None, suggestion: None }
    }

    /// Sets `expected`.
    pub fn expected(mut self, what: impl Into<String>) -> Self {
        self.expected = Some(what.into());
        self
    }

    /// Sets `suggestion`.
    pub fn suggest(mut self, what: impl Into<String>) -> Self {
        self.suggestion = Some(what.into());
        self
    }

    /// The stable code string of `kind`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

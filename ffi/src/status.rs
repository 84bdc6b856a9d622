//! Status codes: what every fallible function of the C ABI returns.

use std::ffi::{CStr, c_char};

/// What a `clientele_*` function answers.
///
/// `CLIENTELE_OK` (0) is success; every other value is a failure, and the
/// calling thread's last error (`clientele_last_error_code`,
/// `clientele_last_error_message`) describes it.
///
/// Values 1-99 are failures of the C boundary itself (a NULL argument, text
/// that is not UTF-8, a closed handle...). Values 100-199 are the engine's
/// error codes, one for one: the `code` of the error JSON names the same
/// thing (`CLIENTELE_NOT_FOUND` and `"not_found"`). `CLIENTELE_OTHER_ERROR`
/// (199) is an engine error newer than this header: read the `code` of the
/// error JSON.
///
/// The numbers are stable: a value is never renumbered nor reused, new
/// statuses only get new numbers.
#[repr(C)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClienteleStatus {
    /// Success.
    CLIENTELE_OK = 0,
    /// A pointer argument that must not be NULL was NULL.
    CLIENTELE_NULL_ARGUMENT = 1,
    /// A text argument was not valid UTF-8.
    CLIENTELE_INVALID_UTF8 = 2,
    /// A text argument was not well-formed JSON (syntax). The error JSON's
    /// `span` gives the byte offset.
    CLIENTELE_INVALID_JSON = 3,
    /// A text argument was larger than `CLIENTELE_MAX_REQUEST_BYTES`.
    CLIENTELE_TOO_LARGE = 4,
    /// The handle (or string, for `clientele_string_free`) is not a live one
    /// of this library: already closed or freed, or never handed out by it.
    CLIENTELE_INVALID_HANDLE = 5,
    /// A bug inside the library was caught at the boundary (a Rust panic).
    /// The call did nothing the host can rely on; the handle stays usable.
    CLIENTELE_PANIC = 6,
    /// The firm has no licence for the client-management module
    /// (`not_licensed`).
    CLIENTELE_NOT_LICENSED = 100,
    /// The actor lacks the right to do this (`forbidden`).
    CLIENTELE_FORBIDDEN = 101,
    /// No such record, or not visible to the actor (`not_found`).
    CLIENTELE_NOT_FOUND = 102,
    /// A field failed validation (`validation`); see `field` and `reason`.
    CLIENTELE_VALIDATION = 103,
    /// A unique value is already taken (`duplicate`); see `field`.
    CLIENTELE_DUPLICATE = 104,
    /// The record changed since the caller read it (`conflict`); see
    /// `current_version`.
    CLIENTELE_CONFLICT = 105,
    /// A state machine refused a transition (`invalid_transition`).
    CLIENTELE_INVALID_TRANSITION = 106,
    /// A request that could not be understood: unknown op, missing or
    /// unknown field, wrong type (`bad_request`).
    CLIENTELE_BAD_REQUEST = 107,
    /// A filter or search text was refused (`invalid_filter`); see `span`.
    CLIENTELE_INVALID_FILTER = 108,
    /// The configuration is unusable (`config`).
    CLIENTELE_CONFIG = 109,
    /// The database was written by a newer engine (`schema_too_new`).
    CLIENTELE_SCHEMA_TOO_NEW = 110,
    /// The database failed (`storage`).
    CLIENTELE_STORAGE = 111,
    /// The host canceled a long operation; nothing was written (`canceled`).
    CLIENTELE_CANCELED = 112,
    /// An internal error of the engine (`internal`).
    CLIENTELE_INTERNAL = 113,
    /// A dashboard layout was refused (`bad_layout`); see `field`.
    CLIENTELE_BAD_LAYOUT = 114,
    /// The request ran past its deadline and was interrupted; nothing was
    /// written (`timeout`).
    CLIENTELE_TIMEOUT = 115,
    /// The database cannot be reached now; try again later (`unavailable`).
    CLIENTELE_UNAVAILABLE = 116,
    /// An engine error code newer than this header: read the error JSON.
    CLIENTELE_OTHER_ERROR = 199,
}

use ClienteleStatus::*;

/// Every status, in numeric order (for tests and `clientele_status_name`).
pub(crate) const ALL: &[ClienteleStatus] = &[
    CLIENTELE_OK,
    CLIENTELE_NULL_ARGUMENT,
    CLIENTELE_INVALID_UTF8,
    CLIENTELE_INVALID_JSON,
    CLIENTELE_TOO_LARGE,
    CLIENTELE_INVALID_HANDLE,
    CLIENTELE_PANIC,
    CLIENTELE_NOT_LICENSED,
    CLIENTELE_FORBIDDEN,
    CLIENTELE_NOT_FOUND,
    CLIENTELE_VALIDATION,
    CLIENTELE_DUPLICATE,
    CLIENTELE_CONFLICT,
    CLIENTELE_INVALID_TRANSITION,
    CLIENTELE_BAD_REQUEST,
    CLIENTELE_INVALID_FILTER,
    CLIENTELE_CONFIG,
    CLIENTELE_SCHEMA_TOO_NEW,
    CLIENTELE_STORAGE,
    CLIENTELE_CANCELED,
    CLIENTELE_INTERNAL,
    CLIENTELE_BAD_LAYOUT,
    CLIENTELE_TIMEOUT,
    CLIENTELE_UNAVAILABLE,
    CLIENTELE_OTHER_ERROR,
];

impl ClienteleStatus {
    /// The machine code of this status, as the `code` of the error JSON
    /// carries it (`"ok"` for success, `"other"` for `CLIENTELE_OTHER_ERROR`).
    pub fn code(self) -> &'static str {
        self.c_code().to_str().unwrap_or("other")
    }

    /// [`ClienteleStatus::code`] as a static C string.
    pub(crate) fn c_code(self) -> &'static CStr {
        match self {
            CLIENTELE_OK => c"ok",
            CLIENTELE_NULL_ARGUMENT => c"null_argument",
            CLIENTELE_INVALID_UTF8 => c"invalid_utf8",
            CLIENTELE_INVALID_JSON => c"invalid_json",
            CLIENTELE_TOO_LARGE => c"too_large",
            CLIENTELE_INVALID_HANDLE => c"invalid_handle",
            CLIENTELE_PANIC => c"panic",
            CLIENTELE_NOT_LICENSED => c"not_licensed",
            CLIENTELE_FORBIDDEN => c"forbidden",
            CLIENTELE_NOT_FOUND => c"not_found",
            CLIENTELE_VALIDATION => c"validation",
            CLIENTELE_DUPLICATE => c"duplicate",
            CLIENTELE_CONFLICT => c"conflict",
            CLIENTELE_INVALID_TRANSITION => c"invalid_transition",
            CLIENTELE_BAD_REQUEST => c"bad_request",
            CLIENTELE_INVALID_FILTER => c"invalid_filter",
            CLIENTELE_CONFIG => c"config",
            CLIENTELE_SCHEMA_TOO_NEW => c"schema_too_new",
            CLIENTELE_STORAGE => c"storage",
            CLIENTELE_CANCELED => c"canceled",
            CLIENTELE_INTERNAL => c"internal",
            CLIENTELE_BAD_LAYOUT => c"bad_layout",
            CLIENTELE_TIMEOUT => c"timeout",
            CLIENTELE_UNAVAILABLE => c"unavailable",
            CLIENTELE_OTHER_ERROR => c"other",
        }
    }

    /// The status of an engine error code (`clientele_core::Error::code`).
    /// A code this crate does not know yet maps to `CLIENTELE_OTHER_ERROR`.
    pub fn from_engine_code(code: &str) -> ClienteleStatus {
        ALL.iter()
            .copied()
            .find(|s| (*s as u32) >= 100 && *s != CLIENTELE_OTHER_ERROR && s.code() == code)
            .unwrap_or(CLIENTELE_OTHER_ERROR)
    }

    /// The status with this number, if any.
    pub fn from_raw(value: i64) -> Option<ClienteleStatus> {
        ALL.iter().copied().find(|s| *s as i64 == value)
    }

    pub(crate) fn as_ptr(self) -> *const c_char {
        self.c_code().as_ptr()
    }
}

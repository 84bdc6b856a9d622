//! The panic boundary, the thread's last error, and how strings cross.
//!
//! Every exported function runs its body through [`guard`]: a panic is
//! caught there (an `extern "C"` function that unwinds aborts the process in
//! Rust 2024, so the catch must be inside), a failure becomes a status, the
//! error JSON (when the function has an output for it) and the calling
//! thread's last error.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashSet;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::Mutex;

use clientele_core::{Error, ErrorBody, MAX_REQUEST_BYTES, Span};

use crate::status::ClienteleStatus;

/// A failed call: its status and the error JSON the host gets.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: ClienteleStatus,
    /// Boxed: failures are rare, and results stay small.
    pub body: Box<ErrorBody>,
}

impl Failure {
    /// A failure of the C boundary itself (not an engine error).
    pub fn ffi(status: ClienteleStatus, message: impl Into<String>) -> Failure {
        Failure { status, body: Box::new(body(status.code(), message.into(), None)) }
    }

    pub fn with_span(mut self, start: usize, end: usize) -> Failure {
        self.body.span = Some(Span { start, end });
        self
    }

    pub fn null(argument: &str) -> Failure {
        Failure::ffi(ClienteleStatus::CLIENTELE_NULL_ARGUMENT, format!("{argument} is NULL"))
    }

    pub fn invalid_handle(what: &str) -> Failure {
        Failure::ffi(
            ClienteleStatus::CLIENTELE_INVALID_HANDLE,
            format!("{what} is not a live handle of this library (closed, freed, or never opened)"),
        )
    }

    fn panic(payload: Box<dyn Any + Send>) -> Failure {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        drop_payload(payload);
        Failure::ffi(
            ClienteleStatus::CLIENTELE_PANIC,
            format!("internal error (panic caught at the C boundary): {what}"),
        )
    }
}

/// Drops a caught panic's payload without letting a panicking `Drop` of it
/// unwind out of an `extern "C"` function (that would abort the process):
/// such a payload is leaked instead.
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    let mut slot = Some(payload);
    if catch_unwind(AssertUnwindSafe(|| drop(slot.take()))).is_err() {
        // The payload's own drop panicked half-way: nothing more to do.
    }
}

impl Failure {
    /// A failure another layer already put in the engine's error shape.
    pub(crate) fn from_body(body: ErrorBody) -> Failure {
        Failure { status: ClienteleStatus::from_engine_code(&body.code), body: Box::new(body) }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure { status: ClienteleStatus::from_engine_code(e.code()), body: Box::new(e.body()) }
    }
}

impl Failure {
    /// An engine's error, its message in the engine's `language`.
    pub(crate) fn from_engine(e: Error, language: &str) -> Failure {
        Failure { status: ClienteleStatus::from_engine_code(e.code()), body: Box::new(e.body_in(language)) }
    }
}

fn body(code: &str, message: String, field: Option<String>) -> ErrorBody {
    ErrorBody { code: code.to_string(), message, field, ..ErrorBody::default() }
}

thread_local! {
    /// The status and message of the last fallible call on this thread.
    static LAST_ERROR: RefCell<(ClienteleStatus, CString)> =
        RefCell::new((ClienteleStatus::CLIENTELE_OK, CString::default()));
}

pub(crate) fn set_last_error(status: ClienteleStatus, message: &str) {
    // Interior NULs cannot cross as a C string: show them as U+FFFD.
    let message = CString::new(message.replace('\0', "\u{FFFD}")).unwrap_or_default();
    // `try_with`: during thread teardown the slot may be gone; then there
    // is nobody left to read it.
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = (status, message);
        }
    });
}

pub(crate) fn last_error_code() -> ClienteleStatus {
    LAST_ERROR
        .try_with(|slot| slot.try_borrow().map(|s| s.0).unwrap_or(ClienteleStatus::CLIENTELE_OK))
        .unwrap_or(ClienteleStatus::CLIENTELE_OK)
}

/// The message of the thread's last error; valid until the next fallible
/// call on this thread replaces it.
pub(crate) fn last_error_message() -> *const c_char {
    LAST_ERROR.try_with(|slot| slot.try_borrow().map(|s| s.1.as_ptr()).unwrap_or(c"".as_ptr())).unwrap_or(c"".as_ptr())
}

/// The strings handed out and not yet freed, so that
/// `clientele_string_free` refuses a pointer it never gave (or gave and took
/// back) instead of freeing foreign memory. Kept as [`hidden`] addresses:
/// a memory checker scanning this set must not take it for a pointer to the
/// string, or a string the host forgets to free would show as reachable
/// ("possibly lost" at best) instead of "definitely lost".
static STRINGS: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

/// An address as the live set keeps it: complemented, so no scan of memory
/// finds a pointer in it.
fn hidden(s: *mut c_char) -> usize {
    !(s as usize)
}

/// How many strings the library has handed out that the host has not
/// freed yet (`clientele_debug_live_strings`).
pub(crate) fn live_strings() -> usize {
    strings().as_ref().map_or(0, HashSet::len)
}

fn strings() -> std::sync::MutexGuard<'static, Option<HashSet<usize>>> {
    // The set is left consistent by every operation, so a poisoned lock
    // (a panic elsewhere while it was held) is still usable.
    STRINGS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Turns `text` into a C string the host owns (and frees with
/// `clientele_string_free`).
pub(crate) fn give_string(text: String) -> Result<*mut c_char, Failure> {
    let c = CString::new(text).map_err(|_| {
        Failure::ffi(ClienteleStatus::CLIENTELE_INTERNAL, "internal error: output text holds a NUL byte")
    })?;
    let raw = c.into_raw();
    strings().get_or_insert_with(HashSet::new).insert(hidden(raw));
    Ok(raw)
}

/// Takes back a string [`give_string`] handed out. `false`: not ours.
pub(crate) fn take_string(s: *mut c_char) -> bool {
    let known = {
        let mut set = strings();
        let known = set.as_mut().is_some_and(|set| set.remove(&hidden(s)));
        if set.as_ref().is_some_and(HashSet::is_empty) {
            // Every string is back: the set's memory goes too.
            *set = None;
        }
        known
    };
    if known {
        // SAFETY: `s` came from `CString::into_raw` in `give_string` and was
        // in the live set, so it has not been freed yet.
        let string = unsafe { CString::from_raw(s) };
        // Freed strings wait in a short quarantine before their memory goes
        // back to the allocator: a host that frees the same pointer twice
        // (from another thread, say) is refused even when new strings were
        // handed out in between, since none can be at that address yet.
        let released = {
            let mut q = QUARANTINE.lock().unwrap_or_else(|p| p.into_inner());
            q.push_back(string);
            if q.len() > QUARANTINE_LEN { q.pop_front() } else { None }
        };
        drop(released);
    }
    known
}

/// How many freed strings are held back before their memory is reused.
const QUARANTINE_LEN: usize = 256;

static QUARANTINE: std::sync::Mutex<std::collections::VecDeque<CString>> =
    std::sync::Mutex::new(std::collections::VecDeque::new());

/// Sets `*out` to NULL when `out` is not NULL (every output, on entry).
///
/// # Safety
/// `out` is NULL or valid for a write of one pointer.
pub(crate) unsafe fn clear_out<T>(out: *mut *mut T) {
    if !out.is_null() {
        // SAFETY: per the contract, non-NULL `out` is writable.
        unsafe { out.write_unaligned(ptr::null_mut()) };
    }
}

/// Runs the body of an exported function: catches panics, turns a failure
/// into its status, the thread's last error and (when `error_out` is not
/// NULL) the error JSON written to `*error_out`.
///
/// # Safety
/// `error_out` is NULL or valid for a write of one pointer.
pub(crate) unsafe fn guard(error_out: *mut *mut c_char, body: impl FnOnce() -> Result<(), Failure>) -> ClienteleStatus {
    // SAFETY: as this function's contract.
    unsafe { guard_with(error_out, true, body) }
}

/// [`guard`] that may leave the thread's last error alone on success (for
/// `clientele_string_free`, so that freeing the error JSON does not erase
/// the error being handled).
///
/// # Safety
/// `error_out` is NULL or valid for a write of one pointer.
pub(crate) unsafe fn guard_with(
    error_out: *mut *mut c_char,
    clear_on_success: bool,
    body: impl FnOnce() -> Result<(), Failure>,
) -> ClienteleStatus {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            if clear_on_success {
                set_last_error(ClienteleStatus::CLIENTELE_OK, "");
            }
            return ClienteleStatus::CLIENTELE_OK;
        }
        Ok(Err(failure)) => failure,
        Err(payload) => Failure::panic(payload),
    };
    let status = failure.status;
    // Reporting allocates; should even that panic, the status still returns.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        set_last_error(status, &failure.body.message);
        if !error_out.is_null() {
            let json = serde_json::to_string(&failure.body)
                .unwrap_or_else(|_| format!(r#"{{"code":"{}","message":"unprintable error"}}"#, status.code()));
            if let Ok(s) = give_string(json) {
                // SAFETY: per the contract, non-NULL `error_out` is writable.
                unsafe { error_out.write_unaligned(s) };
            }
        }
    }));
    status
}

/// Runs `body` for a function that returns no status: a panic yields
/// `fallback`.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            drop_payload(payload);
            fallback
        }
    }
}

/// Reads a JSON text argument: not NULL, not larger than
/// [`MAX_REQUEST_BYTES`], UTF-8, and well-formed JSON.
///
/// # Safety
/// `text` is NULL or points to a NUL-terminated string.
pub(crate) unsafe fn json_arg<'a>(text: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if text.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: per the contract, a non-NULL `text` is NUL-terminated.
    let bytes = unsafe { CStr::from_ptr(text) }.to_bytes();
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(Failure::ffi(
            ClienteleStatus::CLIENTELE_TOO_LARGE,
            format!("{name} is {} bytes; at most {MAX_REQUEST_BYTES} are accepted", bytes.len()),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        Failure::ffi(ClienteleStatus::CLIENTELE_INVALID_UTF8, format!("{name} is not valid UTF-8 (byte {at})"))
            .with_span(at, at + e.error_len().unwrap_or(0))
    })?;
    // Skipping strings does not decode their escapes: a text that may hold
    // a `\uD800`-style escape is read whole, so that a lone surrogate (no
    // character at all) answers INVALID_JSON here rather than a typed
    // refusal deeper down.
    let checked = if text.contains("\\ud") || text.contains("\\uD") {
        serde_json::from_str::<serde_json::Value>(text).map(drop)
    } else {
        serde_json::from_str::<serde::de::IgnoredAny>(text).map(drop)
    };
    if let Err(e) = checked {
        let at = byte_offset(text, e.line(), e.column());
        return Err(Failure::ffi(ClienteleStatus::CLIENTELE_INVALID_JSON, format!("{name} is not valid JSON: {e}"))
            .with_span(at, at));
    }
    Ok(text)
}

/// serde_json reports 1-based line and column; the host gets a byte offset.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status_an_error_json_and_a_last_error() {
        let mut out: *mut c_char = ptr::null_mut();
        let status = unsafe { guard(&mut out, || panic!("boom in the engine")) };
        assert_eq!(status, ClienteleStatus::CLIENTELE_PANIC);
        assert_eq!(last_error_code(), ClienteleStatus::CLIENTELE_PANIC);
        let message = unsafe { CStr::from_ptr(last_error_message()) }.to_str().unwrap();
        assert!(message.contains("boom in the engine"), "{message}");
        assert!(!out.is_null());
        let json = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
        assert!(take_string(out));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["code"], "panic");
        // A String payload is reported too.
        let status = unsafe { guard(ptr::null_mut(), || panic!("{}", String::from("formatted"))) };
        assert_eq!(status, ClienteleStatus::CLIENTELE_PANIC);
        assert!(unsafe { CStr::from_ptr(last_error_message()) }.to_str().unwrap().contains("formatted"));
    }

    #[test]
    fn a_panic_in_a_value_function_yields_the_fallback() {
        assert_eq!(guard_value(7u32, || panic!("no")), 7);
    }

    #[test]
    fn success_clears_the_last_error() {
        set_last_error(ClienteleStatus::CLIENTELE_STORAGE, "disk");
        assert_eq!(unsafe { guard(ptr::null_mut(), || Ok(())) }, ClienteleStatus::CLIENTELE_OK);
        assert_eq!(last_error_code(), ClienteleStatus::CLIENTELE_OK);
        assert_eq!(unsafe { CStr::from_ptr(last_error_message()) }.to_bytes(), b"");
    }

    #[test]
    fn a_second_free_is_refused_even_after_new_strings_were_handed_out() {
        let first = give_string("premier".into()).unwrap();
        assert!(take_string(first));
        // New strings cannot take the freed address while it waits in
        // quarantine, so the second free still finds it unknown.
        let later: Vec<_> = (0..100).map(|i| give_string(format!("suivant {i}")).unwrap()).collect();
        assert!(later.iter().all(|p| *p != first));
        assert!(!take_string(first));
        for p in later {
            assert!(take_string(p));
        }
    }

    #[test]
    fn a_payload_whose_drop_panics_does_not_escape() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("drop");
            }
        }
        drop_payload(Box::new(Bomb));
    }

    #[test]
    fn byte_offsets_count_lines() {
        assert_eq!(byte_offset("ab\ncd", 2, 2), 4);
        assert_eq!(byte_offset("ab", 1, 9), 2);
    }
}

//! # clientele-ffi: the C ABI of the Clientèle engine
//!
//! The only crate that knows the C ABI. It builds `libclientele` as a shared
//! library (`cdylib`), a static library (`staticlib`) and an `rlib` (for its
//! own tests). The header `include/clientele.h` is generated from this crate
//! by cbindgen (`tests/header.rs` checks it is fresh; `CLIENTELE_BLESS=1`
//! rewrites it), and `schema/*.json` describe the JSON that crosses.
//!
//! The surface is small on purpose: open an engine from a JSON
//! configuration, execute JSON requests on it, free what the library
//! returned. Everything else is the JSON protocol of `clientele_core`.
//!
//! ## Rules every export follows
//! - Its body runs inside [`boundary::guard`]: a panic becomes
//!   `CLIENTELE_PANIC`, never an unwind into C.
//! - Output pointers are set to NULL on entry (when not NULL themselves).
//! - Handles are tokens checked against a registry ([`registry`]), never
//!   dereferenced: a closed or forged handle is `CLIENTELE_INVALID_HANDLE`.
//! - Text in is NUL-terminated UTF-8 JSON of at most
//!   [`CLIENTELE_MAX_REQUEST_BYTES`] bytes; text out is a string the host
//!   frees with [`clientele_string_free`].
//!
//! ## Adding an export (for instance `clientele_render_dashboard`)
//! Give [`EngineHandle`] the new state (it owns the [`Engine`] and may own
//! more), write the function like [`clientele_execute`] (clear outputs, run
//! the body through `guard`, get the handle with `engine_arg`), add its
//! status codes to [`ClienteleStatus`] with new numbers only, then run
//! `CLIENTELE_BLESS=1 cargo test -p clientele-ffi --test header`.

// Every public type can be printed (issue 14): hosts log what they hold.
#![warn(missing_debug_implementations)]
#![deny(unsafe_op_in_unsafe_fn)]

mod boundary;
mod import;
mod registry;
mod status;

use std::ffi::{CStr, c_char, c_void};
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clientele_core::{Engine, EngineConfig, NoProgress, Progress};
use clientele_dashboard::{Dashboards, LogSink, PortletLog};

use boundary::{Failure, clear_out, give_string, guard, guard_value, json_arg};
pub use import::clientele_import_csv;
use registry::Registry;
pub use status::ClienteleStatus;

/// Major version of the library (`clientele_version()` starts with it).
pub const CLIENTELE_VERSION_MAJOR: u32 = 0;
/// Minor version of the library.
pub const CLIENTELE_VERSION_MINOR: u32 = 1;
/// Patch version of the library.
pub const CLIENTELE_VERSION_PATCH: u32 = 0;

/// Version of the C ABI this header describes. It changes only when a
/// change would break a host built against an older header: a function
/// removed or its signature changed, a status renumbered, an ownership rule
/// changed. Adding functions or statuses does not change it. A host checks
/// `clientele_abi_version() == CLIENTELE_ABI_VERSION` once at start-up.
pub const CLIENTELE_ABI_VERSION: u32 = 1;

/// Largest JSON text (configuration or request) accepted, in bytes; a larger
/// one is refused with `CLIENTELE_TOO_LARGE`.
pub const CLIENTELE_MAX_REQUEST_BYTES: usize = 16777216;

/// An open engine. Opaque: created by `clientele_engine_open`, released by
/// `clientele_engine_close`, never read or freed by the host. The pointer
/// value is a token the library checks on every call; it points to nothing
/// the host may use.
#[derive(Debug)]
pub struct ClienteleEngine {
    _private: [u8; 0],
}

/// A cancellation flag a host can raise from any thread to stop a long
/// operation run by `clientele_execute_cancelable`. Opaque: created by
/// `clientele_cancel_token_new`, released by `clientele_cancel_token_free`.
#[derive(Debug)]
pub struct ClienteleCancelToken {
    _private: [u8; 0],
}

/// Progress of a long operation (`client.import`, `export`): `done` of
/// `total` units are finished (an export's rows, after each page of 500;
/// `total` is 0 while unknown). Return `true` to go on, `false` to cancel:
/// the operation stops, writes nothing (a cancelled export leaves no file
/// at its path), and the call answers `CLIENTELE_CANCELED`.
///
/// It is called synchronously, on the thread that made the call, before the
/// call returns; it must not throw (C++) nor `longjmp` out, and must not call
/// `clientele_execute*` on the same engine (a write is in progress).
pub type ClienteleProgressFn = Option<unsafe extern "C" fn(user_data: *mut c_void, done: u64, total: u64) -> bool>;

/// Level of a portlet's log message: an error (the numbers are the
/// `CLP_LOG_*` of the portlet ABI, `clientele_portlet.h`).
pub const CLIENTELE_LOG_ERROR: i32 = 1;
/// Level of a portlet's log message: a warning.
pub const CLIENTELE_LOG_WARN: i32 = 2;
/// Level of a portlet's log message: information.
pub const CLIENTELE_LOG_INFO: i32 = 3;
/// Level of a portlet's log message: debugging detail.
pub const CLIENTELE_LOG_DEBUG: i32 = 4;

/// Receives one portlet's log message (see `clientele_set_log_callback`):
/// its `CLIENTELE_LOG_*` level, the portlet's manifest id, the staff id of
/// the viewer whose dashboard was rendering, and the message (UTF-8, at
/// most 1024 bytes). Both strings are valid during the call only.
///
/// It is called on the dashboard's render threads, several at once, while
/// a `clientele_render_dashboard` call runs: it must be thread-safe, return
/// quickly, not throw (C++) nor `longjmp`, and not call back into the
/// library on the same engine.
pub type ClienteleLogFn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        level: i32,
        portlet_id: *const c_char,
        viewer: i64,
        message: *const c_char,
    ),
>;

/// What a `ClienteleEngine*` stands for: the engine and its dashboards
/// (built-in portlets and the plugins of the configuration).
pub(crate) struct EngineHandle {
    pub(crate) engine: Arc<Engine>,
    pub(crate) dashboards: Dashboards,
    /// The host's log callback, behind a gate its calls hold while they
    /// run (see [`LogGate`]).
    log: Arc<LogGate>,
}

static ENGINES: Registry<EngineHandle> = Registry::new(1);
static CANCEL_TOKENS: Registry<AtomicBool> = Registry::new(2);

static VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(v) => v,
    Err(_) => panic!("the package version holds a NUL"),
};

/// The library's version, e.g. `"0.1.0"`: a static string, never freed.
#[unsafe(no_mangle)]
pub extern "C" fn clientele_version() -> *const c_char {
    VERSION.as_ptr()
}

/// The version of the C ABI the library implements; compare it with
/// `CLIENTELE_ABI_VERSION` from the header the host was built with.
#[unsafe(no_mangle)]
pub extern "C" fn clientele_abi_version() -> u32 {
    CLIENTELE_ABI_VERSION
}

/// The machine code of a status, e.g. `"not_found"` for
/// `CLIENTELE_NOT_FOUND` (the same text as the `code` of the error JSON),
/// `"ok"` for `CLIENTELE_OK`, `"unknown"` for a number that is no status. A
/// static string, never freed.
#[unsafe(no_mangle)]
pub extern "C" fn clientele_status_name(status: i32) -> *const c_char {
    guard_value(c"unknown".as_ptr(), || {
        ClienteleStatus::from_raw(status.into()).map_or(c"unknown".as_ptr(), ClienteleStatus::as_ptr)
    })
}

/// Opens an engine.
///
/// `config_json` is the configuration (see `schema/engine_config.json`),
/// e.g. `{"database_url": "sqlite:/srv/cabinet.db", "timezone":
/// "America/Toronto", "entitlements": ["client_management"]}`. The database
/// is created and migrated if needed.
///
/// On success answers `CLIENTELE_OK` and sets `*out_engine` to the new
/// engine, which the host releases with `clientele_engine_close`. On failure
/// `*out_engine` is NULL and, when `out_error_json` is not NULL,
/// `*out_error_json` is the error JSON (`{"code", "message", ...}`), which
/// the host frees with `clientele_string_free`.
///
/// # Safety
/// `config_json` is NULL or a NUL-terminated string; `out_engine` and
/// `out_error_json` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clientele_engine_open(
    config_json: *const c_char,
    out_engine: *mut *mut ClienteleEngine,
    out_error_json: *mut *mut c_char,
) -> ClienteleStatus {
    // SAFETY (all blocks): the pointers are as the contract above says.
    unsafe {
        clear_out(out_engine);
        clear_out(out_error_json);
        guard(out_error_json, || {
            if out_engine.is_null() {
                return Err(Failure::null("out_engine"));
            }
            let text = json_arg(config_json, "config_json")?;
            let config = EngineConfig::from_json(text)?;
            let engine = Arc::new(Engine::open(config)?);
            // Plugins that fail to load are reported by `portlet.list`, not
            // fatal: the firm's other dashboards still work.
            let dashboards = Dashboards::new(engine.clone());
            let token = ENGINES.insert(EngineHandle { engine, dashboards, log: Arc::default() });
            out_engine.write_unaligned(ptr::without_provenance_mut(token));
            Ok(())
        })
    }
}

/// Closes an engine: the handle is dead from now on. Closing NULL does
/// nothing and answers `CLIENTELE_OK`; closing a handle twice, or one that
/// never came from `clientele_engine_open`, answers
/// `CLIENTELE_INVALID_HANDLE` and does nothing. A call running on the engine
/// in another thread finishes normally; the engine is released after it.
/// Waits for calls of the log callback in progress on other threads to
/// return (`clientele_set_log_callback`), and none starts after; called
/// from inside the log callback, answers `CLIENTELE_BAD_REQUEST` and closes
/// nothing.
#[unsafe(no_mangle)]
pub extern "C" fn clientele_engine_close(engine: *mut ClienteleEngine) -> ClienteleStatus {
    // SAFETY: no error output.
    unsafe {
        guard(ptr::null_mut(), || {
            if engine.is_null() {
                return Ok(());
            }
            if IN_LOG_CALLBACK.with(|c| c.get()) {
                return Err(in_log_callback());
            }
            // Dropped here, outside the registry's lock.
            let handle = ENGINES.remove(engine as usize).ok_or_else(|| Failure::invalid_handle("engine"))?;
            // Renders still running in other threads are canceled: their
            // portlets see `is_canceled`, their requests are refused.
            handle.dashboards.close();
            // A render abandoned past its budget may still log: once this
            // returns it no longer calls the host's callback.
            handle.log.replace(None)?;
            drop(handle);
            Ok(())
        })
    }
}

fn engine_arg(engine: *const ClienteleEngine) -> Result<Arc<EngineHandle>, Failure> {
    if engine.is_null() {
        return Err(Failure::null("engine"));
    }
    ENGINES.get(engine as usize).ok_or_else(|| Failure::invalid_handle("engine"))
}

/// Executes one request on an engine.
///
/// `request_json` is a request of the protocol (see
/// `schema/request.json`): `{"actor": <staff id> | "host", "op":
/// "client.create", ...}`, or an export of a list to a file (see
/// `schema/export.json`): `{"actor": 7, "op": "export", "format": "csv" |
/// "xlsx", "path": "...", "request": {"op": "client.list", ...}}`.
///
/// On success answers `CLIENTELE_OK` and sets `*out_json` to the response
/// JSON (see `schema/response.json`). On failure answers the status and sets
/// `*out_json` to the error JSON (see `schema/error.json`): `{"code",
/// "message", "field"?, "span"?, "reason"?, "current_version"?}`, whose
/// `code` names the status. Either way the host frees `*out_json` with
/// `clientele_string_free`. When `out_json` itself is NULL the call answers
/// `CLIENTELE_NULL_ARGUMENT` and executes nothing.
///
/// Several threads may execute on one engine at once.
///
/// # Safety
/// `engine` is NULL or a value `clientele_engine_open` gave (closed ones are
/// refused); `request_json` is NULL or a NUL-terminated string; `out_json`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clientele_execute(
    engine: *const ClienteleEngine,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ClienteleStatus {
    // SAFETY: the pointers are as the contract above says.
    unsafe { execute(engine, request_json, &NoProgress, out_json) }
}

/// `clientele_execute` for a long operation (`client.import`, `export`),
/// reporting progress to `progress` with `user_data`, which may cancel it
/// by returning `false` (the call then answers `CLIENTELE_CANCELED` and
/// nothing is written). `progress` may be NULL (no reports); `user_data` is
/// passed through untouched and may be NULL.
///
/// # Safety
/// As `clientele_execute`; `progress` is NULL or a function as
/// `ClienteleProgressFn` describes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clientele_execute_with_progress(
    engine: *const ClienteleEngine,
    request_json: *const c_char,
    progress: ClienteleProgressFn,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
) -> ClienteleStatus {
    let reporter = HostProgress { callback: progress, user_data, cancel: None };
    // SAFETY: the pointers are as the contract above says.
    unsafe { execute(engine, request_json, &reporter, out_json) }
}

/// `clientele_execute_with_progress` that also stops when `cancel` (NULL:
/// none) is raised by `clientele_cancel_token_cancel`, from any thread. The
/// engine looks at the token where it reports progress (every 100 rows of an
/// import, every page of 500 rows of an export), while it waits (for a
/// connection or another writer), and, on SQLite, inside a running
/// statement (a long search stops within a few thousand SQLite steps); the
/// call then answers `CLIENTELE_CANCELED`. A PostgreSQL statement already
/// sent runs on until the request's deadline. A raised token stays raised:
/// use a new one for the next operation.
///
/// # Safety
/// As `clientele_execute_with_progress`; `cancel` is NULL or a value
/// `clientele_cancel_token_new` gave (freed ones are refused).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clientele_execute_cancelable(
    engine: *const ClienteleEngine,
    request_json: *const c_char,
    cancel: *const ClienteleCancelToken,
    progress: ClienteleProgressFn,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
) -> ClienteleStatus {
    // The token is looked up inside `execute`'s guard, after its NULL
    // checks: a NULL `out_json` answers NULL_ARGUMENT whatever the token.
    let flag = (!cancel.is_null()).then(|| CANCEL_TOKENS.get(cancel as usize));
    let dead_token = matches!(flag, Some(None));
    let reporter = HostProgress { callback: progress, user_data, cancel: flag.flatten() };
    // SAFETY: the pointers are as the contract above says.
    unsafe { execute_checked(engine, request_json, &reporter, out_json, dead_token) }
}

/// The host's progress callback and cancel token, as the engine's
/// [`Progress`].
struct HostProgress {
    callback: ClienteleProgressFn,
    user_data: *mut c_void,
    cancel: Option<Arc<AtomicBool>>,
}

// SAFETY: the engine calls `report` synchronously on the thread that made
// the call (it needs `Sync` only because `Progress` is shared by reference);
// `user_data` is never touched, only handed back to the host's callback on
// that same thread.
unsafe impl Sync for HostProgress {}

impl Progress for HostProgress {
    fn report(&self, done: u64, total: u64) -> bool {
        if self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Acquire)) {
            return false;
        }
        match self.callback {
            // SAFETY: the host promised a valid callback for this user_data.
            Some(callback) => unsafe { callback(self.user_data, done, total) },
            None => true,
        }
    }

    /// The token also interrupts a running statement (SQLite) and any wait
    /// of the request, not only the next progress report.
    fn cancel_flag(&self) -> Option<Arc<AtomicBool>> {
        self.cancel.clone()
    }
}

/// # Safety
/// As `clientele_execute`.
unsafe fn execute(
    engine: *const ClienteleEngine,
    request_json: *const c_char,
    progress: &dyn Progress,
    out_json: *mut *mut c_char,
) -> ClienteleStatus {
    // SAFETY: as this function's contract.
    unsafe { execute_checked(engine, request_json, progress, out_json, false) }
}

/// [`execute`], refusing a cancel token that is not live (`dead_token`)
/// after the NULL checks.
///
/// # Safety
/// As `clientele_execute`.
unsafe fn execute_checked(
    engine: *const ClienteleEngine,
    request_json: *const c_char,
    progress: &dyn Progress,
    out_json: *mut *mut c_char,
    dead_token: bool,
) -> ClienteleStatus {
    // SAFETY: the pointers are as the callers' contracts say.
    unsafe {
        clear_out(out_json);
        if out_json.is_null() {
            return guard(ptr::null_mut(), || Err(Failure::null("out_json")));
        }
        guard(out_json, || {
            if dead_token {
                return Err(Failure::invalid_handle("cancel"));
            }
            let handle = engine_arg(engine)?;
            let request = json_arg(request_json, "request_json")?;
            // File formats (`export`) are `clientele-io`'s; every other op
            // is the engine's.
            let language = &handle.engine.config().language;
            let response = match clientele_io::export::execute_json(&handle.engine, request, progress) {
                Some(exported) => exported.map_err(|e| Failure::from_engine(e, language))?,
                None => handle
                    .engine
                    .execute_json_with_progress(request, progress)
                    .map_err(|e| Failure::from_engine(e, language))?,
            };
            out_json.write_unaligned(give_string(response)?);
            Ok(())
        })
    }
}

/// Renders a dashboard, or answers another request of the dashboards'
/// front door (see `docs/dashboards.md`):
///
/// - `{"actor": 7, "op": "dashboard.render", "dashboard": "staff" | "client"
///   | "firm", "client_id": 42, "layout_id": null, "locale": "fr" | "en",
///   "format": "json" | "html" | "text", "budget_ms": 2000}` — the view
///   model (tiles of widgets), or `{"format": "html" | "text", "content":
///   "..."}`. `budget_ms` (100 to 60000, optional) is each tile's time
///   budget; without it the configuration's `tile_timeout_ms` (default
///   2000); out of range it is refused (`CLIENTELE_BAD_REQUEST`, field
///   `budget_ms`);
/// - `{"actor": 7, "op": "portlet.list"}` — the portlets, and which the
///   viewer may see;
/// - `{"actor": 7 | "host", "op": "dashboard.layout.save", ...}`.
///
/// A portlet that fails (panics, answers garbage, runs out of time) is an
/// error tile: the call still succeeds. Statuses, `*out_json` and freeing
/// are as for `clientele_execute`. Several threads may render at once.
///
/// # Safety
/// As `clientele_execute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clientele_render_dashboard(
    engine: *const ClienteleEngine,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ClienteleStatus {
    // SAFETY: the pointers are as the contract above says.
    unsafe {
        clear_out(out_json);
        if out_json.is_null() {
            return guard(ptr::null_mut(), || Err(Failure::null("out_json")));
        }
        guard(out_json, || {
            let handle = engine_arg(engine)?;
            let request = json_arg(request_json, "request_json")?;
            let response = handle.dashboards.execute_json(request).map_err(Failure::from_body)?;
            out_json.write_unaligned(give_string(response)?);
            Ok(())
        })
    }
}

/// Sends the portlets' log messages (`ClpHost.log` of the portlet ABI 1.2,
/// `DataContext::log` of Rust portlets) of this engine's dashboards to
/// `callback` with `user_data`, from now on; a NULL `callback` stops them
/// (the default: they are dropped). Per tile's render at most 20 messages
/// reach the callback, each cut to 1024 bytes (then one warning says how
/// many more were dropped), and none once the render's time budget ran out.
///
/// Answers `CLIENTELE_OK`, `CLIENTELE_NULL_ARGUMENT` (NULL engine),
/// `CLIENTELE_INVALID_HANDLE`, or `CLIENTELE_BAD_REQUEST` when called from
/// inside the log callback itself. `user_data` is handed back untouched; it
/// must stay valid until the callback is replaced or the engine closed:
/// both wait for calls of the old callback still running on other threads
/// (a render abandoned past its time budget included) to return, and none
/// starts after, so once they return the host may free `user_data`.
///
/// # Safety
/// `engine` is NULL or a value `clientele_engine_open` gave; `callback` is
/// NULL or a function of the type above, callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clientele_set_log_callback(
    engine: *const ClienteleEngine,
    callback: ClienteleLogFn,
    user_data: *mut c_void,
) -> ClienteleStatus {
    // SAFETY: no error output.
    unsafe {
        guard(ptr::null_mut(), || {
            let handle = engine_arg(engine)?;
            handle.log.replace(callback.map(|callback| HostLog { callback, user_data }))?;
            let sink = callback.map(|_| {
                let gate = handle.log.clone();
                Arc::new(move |record: &PortletLog| gate.send(record)) as LogSink
            });
            handle.dashboards.set_log_sink(sink);
            Ok(())
        })
    }
}

/// The host's log callback of one engine. Each call holds the gate's read
/// lock while the callback runs; replacing the callback takes the write
/// lock, so it waits for calls in progress and none of the old one starts
/// after: the host may free the old `user_data` once the replacement
/// returns.
#[derive(Default)]
struct LogGate {
    host: std::sync::RwLock<Option<HostLog>>,
}

thread_local! {
    /// Set while this thread runs the host's log callback: replacing the
    /// callback from inside it would wait for itself.
    static IN_LOG_CALLBACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl LogGate {
    fn replace(&self, host: Option<HostLog>) -> Result<(), Failure> {
        if IN_LOG_CALLBACK.with(|c| c.get()) {
            return Err(in_log_callback());
        }
        *self.host.write().unwrap_or_else(|e| e.into_inner()) = host;
        Ok(())
    }

    fn send(&self, record: &PortletLog) {
        let host = self.host.read().unwrap_or_else(|e| e.into_inner());
        if let Some(host) = host.as_ref() {
            struct Inside;
            impl Drop for Inside {
                fn drop(&mut self) {
                    IN_LOG_CALLBACK.with(|c| c.set(false));
                }
            }
            IN_LOG_CALLBACK.with(|c| c.set(true));
            let _inside = Inside;
            host.send(record);
        }
    }
}

fn in_log_callback() -> Failure {
    Failure::ffi(
        ClienteleStatus::CLIENTELE_BAD_REQUEST,
        "clientele_set_log_callback and clientele_engine_close cannot be called from inside the log callback \
         (they wait for the callback's calls to return)",
    )
}

/// The host's log callback and its `user_data`.
struct HostLog {
    callback: unsafe extern "C" fn(*mut c_void, i32, *const c_char, i64, *const c_char),
    user_data: *mut c_void,
}

// SAFETY: the host promised a callback callable from any thread with this
// `user_data` (see `clientele_set_log_callback`); the library never reads
// `user_data`.
unsafe impl Send for HostLog {}
unsafe impl Sync for HostLog {}

impl HostLog {
    fn send(&self, record: &PortletLog) {
        let text = |s: &str| std::ffi::CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default();
        let (portlet, message) = (text(&record.portlet), text(&record.message));
        // SAFETY: as promised by the host; the strings live through the call.
        unsafe {
            (self.callback)(self.user_data, record.level.raw(), portlet.as_ptr(), record.viewer, message.as_ptr())
        }
    }
}

/// Frees a string the library returned (a response or an error JSON). NULL
/// does nothing and answers `CLIENTELE_OK`; a pointer the library did not
/// return, or already freed, answers `CLIENTELE_INVALID_HANDLE` and frees
/// nothing. Any thread may free any string. Unlike other functions, a
/// successful free leaves the thread's last error as it was (so a host may
/// free the error JSON before reading `clientele_last_error_message`).
///
/// # Safety
/// `s` is NULL or any pointer; only strings the library returned are freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clientele_string_free(s: *mut c_char) -> ClienteleStatus {
    // SAFETY: no error output.
    unsafe {
        boundary::guard_with(ptr::null_mut(), false, || {
            if s.is_null() || boundary::take_string(s) {
                return Ok(());
            }
            Err(Failure::invalid_handle("string"))
        })
    }
}

/// How many strings the library returned (responses, error JSON) that are
/// not freed yet, in the whole process. For a host's own tests: after its
/// scenario has freed everything it was given, this answers 0, and each
/// string it forgot shows as one here (and, under valgrind, as "definitely
/// lost"). Cheap (a lock and a count); not meant for production logic, as
/// other threads may hold strings at any moment.
#[unsafe(no_mangle)]
pub extern "C" fn clientele_debug_live_strings() -> usize {
    std::panic::catch_unwind(boundary::live_strings).unwrap_or(0)
}

/// The status of the last call on the calling thread that answers a
/// `ClienteleStatus` (`CLIENTELE_OK` if it succeeded or there was none;
/// a successful `clientele_string_free` does not count). Each thread has
/// its own.
#[unsafe(no_mangle)]
pub extern "C" fn clientele_last_error_code() -> ClienteleStatus {
    guard_value(ClienteleStatus::CLIENTELE_PANIC, boundary::last_error_code)
}

/// The message of the call `clientele_last_error_code` describes: `""` if
/// it succeeded, never NULL. The string belongs to the library: do not free
/// it; it stays valid until the calling thread's next call that answers a
/// `ClienteleStatus`.
#[unsafe(no_mangle)]
pub extern "C" fn clientele_last_error_message() -> *const c_char {
    guard_value(c"".as_ptr(), boundary::last_error_message)
}

/// Creates a cancel token (not raised) in `*out_token`; the host frees it
/// with `clientele_cancel_token_free`.
///
/// # Safety
/// `out_token` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clientele_cancel_token_new(out_token: *mut *mut ClienteleCancelToken) -> ClienteleStatus {
    // SAFETY: `out_token` is as the contract says.
    unsafe {
        clear_out(out_token);
        guard(ptr::null_mut(), || {
            if out_token.is_null() {
                return Err(Failure::null("out_token"));
            }
            let token = CANCEL_TOKENS.insert(AtomicBool::new(false));
            out_token.write_unaligned(ptr::without_provenance_mut(token));
            Ok(())
        })
    }
}

/// Raises a cancel token: the operation using it stops at its next progress
/// point with `CLIENTELE_CANCELED`. Safe from any thread, at any time,
/// several times.
#[unsafe(no_mangle)]
pub extern "C" fn clientele_cancel_token_cancel(token: *const ClienteleCancelToken) -> ClienteleStatus {
    // SAFETY: no error output.
    unsafe {
        guard(ptr::null_mut(), || {
            if token.is_null() {
                return Err(Failure::null("token"));
            }
            let flag = CANCEL_TOKENS.get(token as usize).ok_or_else(|| Failure::invalid_handle("cancel token"))?;
            flag.store(true, Ordering::Release);
            Ok(())
        })
    }
}

/// Frees a cancel token. NULL does nothing; a token already freed (or never
/// created) answers `CLIENTELE_INVALID_HANDLE`. An operation still using the
/// token keeps working with it until it ends.
#[unsafe(no_mangle)]
pub extern "C" fn clientele_cancel_token_free(token: *mut ClienteleCancelToken) -> ClienteleStatus {
    // SAFETY: no error output.
    unsafe {
        guard(ptr::null_mut(), || {
            if token.is_null() {
                return Ok(());
            }
            CANCEL_TOKENS.remove(token as usize).map(drop).ok_or_else(|| Failure::invalid_handle("cancel token"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_core::Error;

    #[test]
    fn version_constants_agree_with_the_package() {
        assert_eq!(CLIENTELE_VERSION_MAJOR.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
        assert_eq!(CLIENTELE_VERSION_MINOR.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
        assert_eq!(CLIENTELE_VERSION_PATCH.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
        assert_eq!(VERSION.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(CLIENTELE_MAX_REQUEST_BYTES, clientele_core::MAX_REQUEST_BYTES);
    }

    #[test]
    fn every_engine_code_has_its_own_status() {
        let codes = [
            "not_licensed",
            "forbidden",
            "not_found",
            "validation",
            "duplicate",
            "conflict",
            "invalid_transition",
            "bad_request",
            "invalid_filter",
            "config",
            "schema_too_new",
            "storage",
            "canceled",
            "internal",
        ];
        let mut seen = std::collections::HashSet::new();
        for code in codes {
            let status = ClienteleStatus::from_engine_code(code);
            assert_ne!(status, ClienteleStatus::CLIENTELE_OTHER_ERROR, "{code}");
            assert_eq!(status.code(), code);
            assert!(seen.insert(status));
        }
        assert_eq!(ClienteleStatus::from_engine_code("brand_new"), ClienteleStatus::CLIENTELE_OTHER_ERROR);
        // Errors built by the engine map through their own code.
        assert_eq!(Failure::from(Error::Canceled).status, ClienteleStatus::CLIENTELE_CANCELED);
    }

    #[test]
    fn status_numbers_are_pinned() {
        // Never renumber: hosts compiled against older headers rely on them.
        let pinned: Vec<(i64, &str)> = status::ALL.iter().map(|s| (*s as i64, s.code())).collect();
        assert_eq!(
            pinned,
            [
                (0, "ok"),
                (1, "null_argument"),
                (2, "invalid_utf8"),
                (3, "invalid_json"),
                (4, "too_large"),
                (5, "invalid_handle"),
                (6, "panic"),
                (100, "not_licensed"),
                (101, "forbidden"),
                (102, "not_found"),
                (103, "validation"),
                (104, "duplicate"),
                (105, "conflict"),
                (106, "invalid_transition"),
                (107, "bad_request"),
                (108, "invalid_filter"),
                (109, "config"),
                (110, "schema_too_new"),
                (111, "storage"),
                (112, "canceled"),
                (113, "internal"),
                (114, "bad_layout"),
                (115, "timeout"),
                (116, "unavailable"),
                (199, "other"),
            ]
        );
    }
}

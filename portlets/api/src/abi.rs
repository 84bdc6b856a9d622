//! The C ABI between the engine and a portlet shared library. It mirrors
//! `include/clientele_portlet.h`, which is the normative text; a test checks
//! that both agree (constants, sizes, offsets).
//!
//! Only C types cross the boundary: `#[repr(C)]` structs, integers, function
//! pointers and NUL-terminated UTF-8 JSON strings. Strings are freed by the
//! side that allocated them: the plugin's strings with the descriptor's
//! `free_string`, the host's strings with the host's `free_string`.

use std::ffi::{CStr, CString, c_char, c_void};
use std::fmt;

/// ABI major version: changes when a compatible reading is impossible.
pub const CLP_ABI_MAJOR: u16 = 1;
/// ABI minor version: grows when fields are appended to the structs or the
/// JSON a plugin may answer grows. 1.1: charts, note, subtitle, table
/// total/caption/priority, row drill-downs, `timezone` in the context.
/// 1.2: `ClpHost` gains `log`, `is_canceled` and `deadline_ms`.
pub const CLP_ABI_MINOR: u16 = 2;

/// The one symbol a portlet library exports.
pub const CLP_DESCRIPTOR_SYMBOL: &str = "clientele_portlet_descriptor";

/// Success.
pub const CLP_OK: i32 = 0;
/// An argument was NULL, not UTF-8, not JSON, or of the wrong shape. `*out_json`
/// holds an error JSON when possible.
pub const CLP_ERR_INVALID_ARGUMENT: i32 = 1;
/// The call failed; `*out_json` holds the error JSON (plugin: a portlet error
/// `{"kind": ..., "message": ...}`; host request: an error body `{"code", "message", "field"?}`).
pub const CLP_ERR_FAILED: i32 = 2;
/// The callee panicked or crashed internally and recovered; `*out_json` holds
/// an error JSON when possible.
pub const CLP_ERR_PANIC: i32 = 3;
/// The structure passed in is of an ABI version the callee does not support.
pub const CLP_ERR_ABI: i32 = 4;

/// Log levels of `ClpHost::log` (ABI 1.2). Other values are read as
/// [`CLP_LOG_INFO`].
pub const CLP_LOG_ERROR: i32 = 1;
pub const CLP_LOG_WARN: i32 = 2;
pub const CLP_LOG_INFO: i32 = 3;
pub const CLP_LOG_DEBUG: i32 = 4;

/// `ClpHost::deadline_ms` when the render has no time budget.
pub const CLP_NO_DEADLINE: i64 = -1;

/// The name of a status code, for messages.
pub fn status_name(status: i32) -> &'static str {
    match status {
        CLP_OK => "CLP_OK",
        CLP_ERR_INVALID_ARGUMENT => "CLP_ERR_INVALID_ARGUMENT",
        CLP_ERR_FAILED => "CLP_ERR_FAILED",
        CLP_ERR_PANIC => "CLP_ERR_PANIC",
        CLP_ERR_ABI => "CLP_ERR_ABI",
        _ => "unknown status",
    }
}

/// `int32_t (*)(char **out_json)`.
pub type ClpJsonFn = unsafe extern "C" fn(out_json: *mut *mut c_char) -> i32;
/// `int32_t (*)(const char *settings_json, const ClpHost *host, char **out_json)`.
pub type ClpRenderFn =
    unsafe extern "C" fn(settings_json: *const c_char, host: *const ClpHost, out_json: *mut *mut c_char) -> i32;
/// `void (*)(char *s)`.
pub type ClpFreeFn = unsafe extern "C" fn(s: *mut c_char);
/// `int32_t (*)(void *user_data, const char *request_json, char **out_json)`.
pub type ClpRequestFn =
    unsafe extern "C" fn(user_data: *mut c_void, request_json: *const c_char, out_json: *mut *mut c_char) -> i32;
/// `void (*)(void *user_data, char *s)`.
pub type ClpHostFreeFn = unsafe extern "C" fn(user_data: *mut c_void, s: *mut c_char);
/// `void (*)(void *user_data, int32_t level, const char *message)` (ABI 1.2).
pub type ClpLogFn = unsafe extern "C" fn(user_data: *mut c_void, level: i32, message: *const c_char);
/// `int32_t (*)(void *user_data)` (ABI 1.2): 1 when canceled, else 0.
pub type ClpIsCanceledFn = unsafe extern "C" fn(user_data: *mut c_void) -> i32;
/// `const ClpPortletDescriptor *(*)(void)`: type of the exported symbol.
pub type ClpDescriptorFn = unsafe extern "C" fn() -> *const ClpPortletDescriptor;

/// What a portlet library exports (through [`CLP_DESCRIPTOR_SYMBOL`]). It
/// must live as long as the library (a `static`). All entry points may be
/// called concurrently from several threads.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ClpPortletDescriptor {
    /// `sizeof(ClpPortletDescriptor)` as the plugin was compiled; read first.
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    /// Writes the manifest JSON (plugin-allocated) to `*out_json`.
    pub manifest: Option<ClpJsonFn>,
    /// Writes the JSON Schema of the portlet's own settings to `*out_json`.
    pub settings_schema: Option<ClpJsonFn>,
    /// Writes the default settings object to `*out_json`.
    pub default_settings: Option<ClpJsonFn>,
    /// Renders: writes the view model JSON (or an error JSON) to `*out_json`.
    pub render: Option<ClpRenderFn>,
    /// Frees a string this plugin returned. Must accept NULL.
    pub free_string: Option<ClpFreeFn>,
}

/// What the host passes to `render`; valid only during that call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ClpHost {
    /// `sizeof(ClpHost)` as the host was compiled.
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    /// Opaque token of the render (never a pointer the host dereferences);
    /// passed back to `request` and `free_string`. The host refuses it from
    /// other threads and once `render` has returned.
    pub user_data: *mut c_void,
    /// `{"scope": {...}, "today": "YYYY-MM-DD", "locale": "fr"|"en"}`, host-owned.
    pub context_json: *const c_char,
    /// A read request of the engine protocol; the answer (host-allocated) in `*out_json`.
    pub request: Option<ClpRequestFn>,
    /// Frees a string the host returned. Accepts NULL.
    pub free_string: Option<ClpHostFreeFn>,
    // ---- ABI 1.2 (absent when `struct_size` is the 1.1 size) ----
    /// Sends one line to the host's log; capped per render and per message
    /// (see `MAX_LOG_MESSAGES_PER_RENDER`, `MAX_LOG_MESSAGE_BYTES`).
    pub log: Option<ClpLogFn>,
    /// 1 once the render is canceled (budget spent, dashboards closed,
    /// render returned, or called from another thread), else 0.
    pub is_canceled: Option<ClpIsCanceledFn>,
    /// Milliseconds left of the render's budget when `render` was called;
    /// [`CLP_NO_DEADLINE`] when there is none.
    pub deadline_ms: i64,
}

/// `sizeof(ClpHost)` of ABI 1.0 and 1.1 (the fields up to `free_string`).
pub const CLP_HOST_SIZE_1_1: usize = std::mem::offset_of!(ClpHost, free_string) + std::mem::size_of::<usize>();

/// At most this many `ClpHost::log` / [`crate::DataContext::log`] messages of
/// one render reach the host; later ones are counted and dropped, and one
/// warning says how many were dropped when the render ends.
pub const MAX_LOG_MESSAGES_PER_RENDER: usize = 20;
/// A log message longer than this (in bytes of UTF-8) is cut at a character
/// boundary and ends with `…`.
pub const MAX_LOG_MESSAGE_BYTES: usize = 1024;

/// An ABI version, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AbiVersion {
    pub major: u16,
    pub minor: u16,
}

impl AbiVersion {
    /// The version this build of the crate speaks.
    pub const CURRENT: AbiVersion = AbiVersion { major: CLP_ABI_MAJOR, minor: CLP_ABI_MINOR };
}

impl fmt::Display for AbiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// How a host judges a plugin's ABI version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbiVerdict {
    Compatible,
    /// The plugin's major is older than the host's.
    TooOld,
    /// The plugin's major is newer, or same major with a newer minor.
    TooNew,
}

/// The versioning rule: the majors must be equal, and the plugin's minor
/// must not exceed the host's (a newer host reads older plugins' shorter
/// structs; an older host cannot know what a newer minor appended).
pub fn judge_abi(plugin: AbiVersion, host: AbiVersion) -> AbiVerdict {
    if plugin.major < host.major {
        AbiVerdict::TooOld
    } else if plugin.major > host.major || plugin.minor > host.minor {
        AbiVerdict::TooNew
    } else {
        AbiVerdict::Compatible
    }
}

/// Allocates a C string with Rust's allocator, for the caller to free with
/// [`free_rust_string`]. Interior NULs (impossible in serde_json output) are
/// replaced by U+FFFD.
pub fn alloc_string(s: String) -> *mut c_char {
    let c = CString::new(s).unwrap_or_else(|e| {
        let cleaned = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
        CString::new(cleaned).expect("no NUL left")
    });
    c.into_raw()
}

/// Frees a string made by [`alloc_string`] in the *same* binary. NULL is ignored.
///
/// # Safety
/// `s` is NULL or came from [`alloc_string`] of this binary and was not freed.
pub unsafe fn free_rust_string(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: per contract, s came from CString::into_raw in this binary.
        drop(unsafe { CString::from_raw(s) });
    }
}

/// Copies a borrowed C string into a `String`; `None` for NULL or non-UTF-8.
///
/// # Safety
/// `s` is NULL or points to a NUL-terminated string valid for the call.
pub unsafe fn read_c_str(s: *const c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated per contract.
    unsafe { CStr::from_ptr(s) }.to_str().ok().map(str::to_string)
}

/// Plugin-side shims used by [`crate::export_portlet!`]. Public so that
/// hand-written descriptors (tests, unusual plugins) can reuse them; not
/// needed by ordinary portlet authors.
#[doc(hidden)]
pub mod plugin {
    use super::*;
    use crate::manifest::Locale;
    use crate::portlet::{
        ContextInfo, DataContext, ErrorBody, Portlet, PortletError, Scope, drop_payload, panic_message,
    };
    use std::panic::{AssertUnwindSafe, catch_unwind};

    /// The portlet instance accessor generated by the macro.
    pub type Instance = fn() -> &'static dyn Portlet;

    fn error_json(e: &PortletError) -> String {
        serde_json::to_string(e).unwrap_or_else(|_| r#"{"kind":"internal","message":"unserialisable error"}"#.into())
    }

    /// Runs `f` under `catch_unwind`, writing its string to `*out`. Never unwinds.
    ///
    /// # Safety
    /// `out` is NULL or valid for one pointer write.
    pub unsafe fn guard(out: *mut *mut c_char, f: impl FnOnce() -> (i32, String)) -> i32 {
        if out.is_null() {
            return CLP_ERR_INVALID_ARGUMENT;
        }
        // SAFETY: checked non-null; caller guarantees validity.
        unsafe { *out = std::ptr::null_mut() };
        let (status, text) = match catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(p) => {
                let message = panic_message(&*p);
                // The payload's own Drop may panic: dropped under a guard too.
                drop_payload(p);
                (CLP_ERR_PANIC, error_json(&PortletError::Panicked { message }))
            }
        };
        // Allocation could itself panic (OOM aborts anyway); keep it outside nothing.
        match catch_unwind(|| alloc_string(text)) {
            // SAFETY: as above.
            Ok(p) => unsafe { *out = p },
            Err(p) => {
                drop_payload(p);
                return CLP_ERR_PANIC;
            }
        }
        status
    }

    fn to_json<T: serde::Serialize>(v: &T) -> (i32, String) {
        match serde_json::to_string(v) {
            Ok(s) => (CLP_OK, s),
            Err(e) => (CLP_ERR_FAILED, error_json(&PortletError::internal(e.to_string()))),
        }
    }

    /// # Safety
    /// `out` is NULL or valid for one pointer write.
    pub unsafe fn manifest(instance: Instance, out: *mut *mut c_char) -> i32 {
        // SAFETY: forwarded contract.
        unsafe { guard(out, || to_json(&instance().manifest())) }
    }

    /// # Safety
    /// `out` is NULL or valid for one pointer write.
    pub unsafe fn settings_schema(instance: Instance, out: *mut *mut c_char) -> i32 {
        // SAFETY: forwarded contract.
        unsafe { guard(out, || to_json(&instance().settings_schema())) }
    }

    /// # Safety
    /// `out` is NULL or valid for one pointer write.
    pub unsafe fn default_settings(instance: Instance, out: *mut *mut c_char) -> i32 {
        // SAFETY: forwarded contract.
        unsafe { guard(out, || to_json(&instance().default_settings())) }
    }

    /// # Safety
    /// `settings` is NULL or a NUL-terminated string; `host` is NULL or a valid
    /// `ClpHost` for the duration of the call; `out` is NULL or writable.
    pub unsafe fn render(
        instance: Instance,
        settings: *const c_char,
        host: *const ClpHost,
        out: *mut *mut c_char,
    ) -> i32 {
        let invalid = |m: &str| {
            (
                CLP_ERR_INVALID_ARGUMENT,
                error_json(&PortletError::Contract { status: CLP_ERR_INVALID_ARGUMENT, message: m.to_string() }),
            )
        };
        // SAFETY: forwarded contract.
        unsafe {
            guard(out, || {
                let Some(settings) = read_c_str(settings) else {
                    return invalid("settings_json is NULL or not UTF-8");
                };
                let Ok(settings) = serde_json::from_str::<serde_json::Value>(&settings) else {
                    return invalid("settings_json is not JSON");
                };
                let ctx = match HostContext::new(host) {
                    Ok(c) => c,
                    Err((status, m)) => {
                        let (_, text) = invalid(&m);
                        return (status, text);
                    }
                };
                match instance().render(&settings, &ctx) {
                    Ok(vm) => to_json(&vm),
                    Err(e) => (CLP_ERR_FAILED, error_json(&e)),
                }
            })
        }
    }

    /// `free_string` of a Rust plugin.
    ///
    /// # Safety
    /// See [`free_rust_string`].
    pub unsafe fn free_string(s: *mut c_char) {
        // A double free would be UB whatever we do; a panic cannot happen here.
        unsafe { free_rust_string(s) }
    }

    /// A [`DataContext`] over the host's C callbacks.
    pub struct HostContext {
        host: ClpHost,
        info: ContextInfo,
        /// When `render` was called: `deadline_ms` counts from then.
        started: std::time::Instant,
    }

    /// The host's callbacks are function pointers: only the type is shown.
    impl std::fmt::Debug for HostContext {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("HostContext").finish_non_exhaustive()
        }
    }

    impl HostContext {
        /// # Safety
        /// `host` is NULL or a valid `ClpHost` for the lifetime of the value.
        pub unsafe fn new(host: *const ClpHost) -> Result<Self, (i32, String)> {
            if host.is_null() {
                return Err((CLP_ERR_INVALID_ARGUMENT, "host is NULL".into()));
            }
            // SAFETY: non-null; the first field is readable in every version.
            let size = unsafe { (*host).struct_size } as usize;
            if size < CLP_HOST_SIZE_1_1 {
                return Err((
                    CLP_ERR_ABI,
                    format!("host struct is {size} bytes, expected at least {CLP_HOST_SIZE_1_1}"),
                ));
            }
            // Copy what the host has; fields of later minors an older host
            // lacks stay absent (NULL, no deadline).
            let mut copy = std::mem::MaybeUninit::<ClpHost>::zeroed();
            let n = size.min(std::mem::size_of::<ClpHost>());
            // SAFETY: the host promises `size` readable bytes; we copy at most ours.
            let mut host = unsafe {
                std::ptr::copy_nonoverlapping(host.cast::<u8>(), copy.as_mut_ptr().cast::<u8>(), n);
                copy.assume_init()
            };
            if n < std::mem::size_of::<ClpHost>() {
                host.deadline_ms = CLP_NO_DEADLINE;
            }
            if host.abi_major != CLP_ABI_MAJOR {
                return Err((
                    CLP_ERR_ABI,
                    format!("host ABI {}.{}, plugin speaks {CLP_ABI_MAJOR}.x", host.abi_major, host.abi_minor),
                ));
            }
            if host.request.is_none() || host.free_string.is_none() {
                return Err((CLP_ERR_INVALID_ARGUMENT, "host callbacks are NULL".into()));
            }
            // SAFETY: host-owned string valid during the call.
            let ctx = unsafe { read_c_str(host.context_json) }
                .ok_or((CLP_ERR_INVALID_ARGUMENT, "context_json is NULL or not UTF-8".to_string()))?;
            let info: ContextInfo =
                serde_json::from_str(&ctx).map_err(|e| (CLP_ERR_INVALID_ARGUMENT, format!("context_json: {e}")))?;
            let started = std::time::Instant::now();
            Ok(HostContext { host, info, started })
        }
    }

    impl DataContext for HostContext {
        fn scope(&self) -> Scope {
            self.info.scope
        }
        fn today(&self) -> String {
            self.info.today.clone()
        }
        fn locale(&self) -> Locale {
            self.info.locale
        }
        fn timezone(&self) -> Option<String> {
            self.info.timezone.clone()
        }
        fn log(&self, level: crate::LogLevel, message: &str) {
            let Some(log) = self.host.log else { return };
            let message = crate::clip_log_message(message);
            // Interior NULs cut the message there (C strings).
            let text = message.split('\0').next().unwrap_or_default();
            if let Ok(text) = CString::new(text) {
                // SAFETY: host contract: valid callback during render.
                unsafe { log(self.host.user_data, level.raw(), text.as_ptr()) };
            }
        }
        fn is_canceled(&self) -> bool {
            match self.host.is_canceled {
                // SAFETY: host contract: valid callback during render.
                Some(f) => (unsafe { f(self.host.user_data) }) != 0,
                None => false,
            }
        }
        fn remaining(&self) -> Option<std::time::Duration> {
            let ms = u64::try_from(self.host.deadline_ms).ok()?;
            Some(std::time::Duration::from_millis(ms).saturating_sub(self.started.elapsed()))
        }
        fn request(&self, request: &serde_json::Value) -> Result<serde_json::Value, ErrorBody> {
            let (Some(req_fn), Some(free_fn)) = (self.host.request, self.host.free_string) else {
                return Err(ErrorBody::new("host_contract", "host callbacks are NULL"));
            };
            let req =
                CString::new(request.to_string()).map_err(|_| ErrorBody::new("bad_request", "request contains NUL"))?;
            let mut out: *mut c_char = std::ptr::null_mut();
            // SAFETY: host contract: valid callbacks during render.
            let status = unsafe { req_fn(self.host.user_data, req.as_ptr(), &mut out) };
            // SAFETY: host-allocated string, read then returned to the host.
            let text = unsafe { read_c_str(out) };
            unsafe { free_fn(self.host.user_data, out) };
            let parsed = text.as_deref().map(serde_json::from_str::<serde_json::Value>);
            match (status, parsed) {
                (CLP_OK, Some(Ok(v))) => Ok(v),
                (CLP_OK, _) => Err(ErrorBody::new("host_contract", "host answered no JSON")),
                (_, Some(Ok(v))) => Err(serde_json::from_value(v).unwrap_or_else(|_| {
                    ErrorBody::new("host_contract", format!("host failed with {}", status_name(status)))
                })),
                _ => Err(ErrorBody::new("host_contract", format!("host failed with {}", status_name(status)))),
            }
        }
    }
}

/// Exports a [`crate::Portlet`] from a `cdylib`: generates the
/// `clientele_portlet_descriptor` symbol and `extern "C"` shims that catch
/// every panic (a panic crossing `extern "C"` would abort the host process)
/// and turn it into `CLP_ERR_PANIC` plus an error JSON.
///
/// ```ignore
/// clientele_portlet_api::export_portlet!(MyPortlet::new());
/// ```
///
/// The expression is evaluated once, lazily, on the first call (inside the
/// panic guard). Use it once per library. Panics are only caught if the
/// plugin is built with `panic = "unwind"` (the default).
#[macro_export]
macro_rules! export_portlet {
    ($ctor:expr) => {
        /// The portlet descriptor (generated by `export_portlet!`).
        #[unsafe(no_mangle)]
        pub extern "C" fn clientele_portlet_descriptor() -> *const $crate::abi::ClpPortletDescriptor {
            fn __clp_instance() -> &'static dyn $crate::Portlet {
                static INSTANCE: ::std::sync::OnceLock<::std::boxed::Box<dyn $crate::Portlet>> =
                    ::std::sync::OnceLock::new();
                &**INSTANCE.get_or_init(|| ::std::boxed::Box::new($ctor))
            }
            unsafe extern "C" fn __clp_manifest(out: *mut *mut ::std::ffi::c_char) -> i32 {
                unsafe { $crate::abi::plugin::manifest(__clp_instance, out) }
            }
            unsafe extern "C" fn __clp_settings_schema(out: *mut *mut ::std::ffi::c_char) -> i32 {
                unsafe { $crate::abi::plugin::settings_schema(__clp_instance, out) }
            }
            unsafe extern "C" fn __clp_default_settings(out: *mut *mut ::std::ffi::c_char) -> i32 {
                unsafe { $crate::abi::plugin::default_settings(__clp_instance, out) }
            }
            unsafe extern "C" fn __clp_render(
                settings: *const ::std::ffi::c_char,
                host: *const $crate::abi::ClpHost,
                out: *mut *mut ::std::ffi::c_char,
            ) -> i32 {
                unsafe { $crate::abi::plugin::render(__clp_instance, settings, host, out) }
            }
            unsafe extern "C" fn __clp_free_string(s: *mut ::std::ffi::c_char) {
                unsafe { $crate::abi::plugin::free_string(s) }
            }
            static DESCRIPTOR: $crate::abi::ClpPortletDescriptor = $crate::abi::ClpPortletDescriptor {
                struct_size: ::std::mem::size_of::<$crate::abi::ClpPortletDescriptor>() as u32,
                abi_major: $crate::abi::CLP_ABI_MAJOR,
                abi_minor: $crate::abi::CLP_ABI_MINOR,
                manifest: Some(__clp_manifest),
                settings_schema: Some(__clp_settings_schema),
                default_settings: Some(__clp_default_settings),
                render: Some(__clp_render),
                free_string: Some(__clp_free_string),
            };
            &DESCRIPTOR
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_rule() {
        let v = |major, minor| AbiVersion { major, minor };
        assert_eq!(judge_abi(v(1, 0), v(1, 0)), AbiVerdict::Compatible);
        assert_eq!(judge_abi(v(1, 0), v(1, 3)), AbiVerdict::Compatible);
        assert_eq!(judge_abi(v(1, 4), v(1, 3)), AbiVerdict::TooNew);
        assert_eq!(judge_abi(v(2, 0), v(1, 3)), AbiVerdict::TooNew);
        assert_eq!(judge_abi(v(0, 9), v(1, 3)), AbiVerdict::TooOld);
    }

    /// A panic payload whose own `Drop` panics.
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("the payload's drop panicked");
        }
    }

    #[test]
    fn a_payload_whose_drop_panics_does_not_escape_the_guard() {
        let mut out: *mut c_char = std::ptr::null_mut();
        // SAFETY: out is a valid local.
        let status = unsafe { plugin::guard(&mut out, || std::panic::panic_any(Bomb)) };
        assert_eq!(status, CLP_ERR_PANIC);
        // SAFETY: allocated by guard with alloc_string.
        let text = unsafe { read_c_str(out) }.unwrap();
        unsafe { free_rust_string(out) };
        assert!(text.contains("panicked"), "{text}");
    }

    #[test]
    fn layout() {
        use std::mem::{offset_of, size_of};
        assert_eq!(offset_of!(ClpPortletDescriptor, abi_major), 4);
        assert_eq!(offset_of!(ClpPortletDescriptor, abi_minor), 6);
        assert_eq!(offset_of!(ClpPortletDescriptor, manifest), 8);
        let p = size_of::<usize>();
        assert_eq!(size_of::<ClpPortletDescriptor>(), 8 + 5 * p);
        assert_eq!(CLP_HOST_SIZE_1_1, 8 + 4 * p);
        assert_eq!(offset_of!(ClpHost, log), 8 + 4 * p);
        assert_eq!(offset_of!(ClpHost, is_canceled), 8 + 5 * p);
        assert_eq!(offset_of!(ClpHost, deadline_ms), 8 + 6 * p);
        assert_eq!(size_of::<ClpHost>(), 16 + 6 * p);
    }
}

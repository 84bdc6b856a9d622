//! Host side of the C ABI: loading a portlet library and wrapping it as a
//! [`Portlet`].

use std::collections::HashMap;
use std::ffi::{CString, c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use crate::abi::*;
use crate::manifest::{Manifest, ManifestError};
use crate::portlet::{ContextInfo, DataContext, ErrorBody, Portlet, PortletError, drop_payload, panic_message};
use crate::view::ViewModel;

/// Why a portlet library could not be loaded. Where a lower-level error
/// caused it (the dynamic loader's, the manifest's JSON, the portlet's own
/// failure), it is kept as the error's `source()`.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("portlet library {0} does not exist")]
    FileMissing(PathBuf),
    #[error("{path} is not a loadable shared library: {reason}")]
    OpenFailed {
        path: PathBuf,
        reason: String,
        #[source]
        source: libloading::Error,
    },
    #[error("{path} does not export `{symbol}`: {reason}")]
    SymbolMissing {
        path: PathBuf,
        symbol: &'static str,
        reason: String,
        #[source]
        source: libloading::Error,
    },
    #[error("{path}: descriptor is NULL")]
    NullDescriptor { path: PathBuf },
    #[error("{path}: descriptor is {found} bytes, ABI {version} needs at least {needed}")]
    DescriptorTooSmall { path: PathBuf, found: u32, needed: u32, version: AbiVersion },
    #[error("{path}: portlet ABI {found} is too old, this engine supports {supported} (same major)")]
    AbiTooOld { path: PathBuf, found: AbiVersion, supported: AbiVersion },
    #[error("{path}: portlet ABI {found} is too new, this engine supports up to {supported}")]
    AbiTooNew { path: PathBuf, found: AbiVersion, supported: AbiVersion },
    #[error("{path}: descriptor entry point `{entry}` is NULL")]
    NullEntryPoint { path: PathBuf, entry: &'static str },
    #[error("{path}: invalid manifest: {reason}")]
    ManifestInvalid {
        path: PathBuf,
        reason: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    #[error("{path}: {call} failed: {error}")]
    PortletCallFailed {
        path: PathBuf,
        call: &'static str,
        #[source]
        error: PortletError,
    },
}

impl LoadError {
    fn manifest(path: &Path, e: ManifestError) -> Self {
        LoadError::ManifestInvalid { path: path.to_path_buf(), reason: e.to_string(), source: Some(Box::new(e)) }
    }
}

/// Libraries loaded so far. They are never unloaded while the process lives:
/// a `Manifest`, a view model being built, a runaway render thread abandoned
/// by [`crate::render_with_budget`], a thread-local destructor registered by
/// the plugin's std: any of these may still point into the library's code or
/// static data, and `dlclose` would turn them into crashes. Loading a library
/// costs its mapping once; loading the same path twice reuses it.
static REGISTRY: Mutex<Vec<(PathBuf, &'static libloading::Library)>> = Mutex::new(Vec::new());

/// Paths of the libraries loaded in this process, in load order.
pub fn loaded_libraries() -> Vec<PathBuf> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(p, _)| p.clone()).collect()
}

fn open_library(path: &Path) -> Result<&'static libloading::Library, LoadError> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut reg = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, lib)) = reg.iter().find(|(p, _)| *p == canonical) {
        return Ok(lib);
    }
    // SAFETY: loading runs the library's initialisers. Loading a portlet
    // library means trusting its code; this is the documented contract.
    let lib = unsafe { libloading::Library::new(&canonical) }.map_err(|e| LoadError::OpenFailed {
        path: path.to_path_buf(),
        reason: e.to_string(),
        source: e,
    })?;
    // Deliberate leak: see REGISTRY.
    let lib: &'static libloading::Library = Box::leak(Box::new(lib));
    reg.push((canonical, lib));
    Ok(lib)
}

/// Loads a portlet from a shared library: opens it, finds the descriptor,
/// checks its size prefix and ABI version before calling anything else, then
/// fetches and validates the manifest.
pub fn load_portlet(path: impl AsRef<Path>) -> Result<Arc<dyn Portlet>, LoadError> {
    Ok(Arc::new(LoadedPortlet::load(path)?))
}

/// A portlet living in a shared library. Implements [`Portlet`].
pub struct LoadedPortlet {
    path: PathBuf,
    desc: ClpPortletDescriptor,
    manifest: Manifest,
    render: ClpRenderFn,
    free: ClpFreeFn,
}

// SAFETY: the descriptor holds only function pointers into a library that is
// never unloaded; the ABI contract requires entry points to be thread-safe.
unsafe impl Send for LoadedPortlet {}
unsafe impl Sync for LoadedPortlet {}

impl std::fmt::Debug for LoadedPortlet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPortlet").field("path", &self.path).field("id", &self.manifest.id).finish()
    }
}

impl LoadedPortlet {
    /// See [`load_portlet`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(LoadError::FileMissing(path.to_path_buf()));
        }
        let lib = open_library(path)?;
        // SAFETY: the symbol's type is fixed by the ABI.
        let sym = unsafe { lib.get::<ClpDescriptorFn>(CLP_DESCRIPTOR_SYMBOL.as_bytes()) }.map_err(|e| {
            LoadError::SymbolMissing {
                path: path.to_path_buf(),
                symbol: CLP_DESCRIPTOR_SYMBOL,
                reason: e.to_string(),
                source: e,
            }
        })?;
        // SAFETY: the descriptor function must only return a pointer to static data.
        let raw = unsafe { sym() };
        if raw.is_null() {
            return Err(LoadError::NullDescriptor { path: path.to_path_buf() });
        }
        // SAFETY: every version starts with the 8-byte header; read the size first.
        let size = unsafe { std::ptr::addr_of!((*raw).struct_size).read_unaligned() };
        if size < 8 {
            return Err(LoadError::DescriptorTooSmall {
                path: path.to_path_buf(),
                found: size,
                needed: 8,
                version: AbiVersion::CURRENT,
            });
        }
        // SAFETY: size >= 8, the version fields are readable.
        let found = unsafe {
            AbiVersion {
                major: std::ptr::addr_of!((*raw).abi_major).read_unaligned(),
                minor: std::ptr::addr_of!((*raw).abi_minor).read_unaligned(),
            }
        };
        let supported = AbiVersion::CURRENT;
        match judge_abi(found, supported) {
            AbiVerdict::Compatible => {}
            AbiVerdict::TooOld => {
                return Err(LoadError::AbiTooOld { path: path.to_path_buf(), found, supported });
            }
            AbiVerdict::TooNew => {
                return Err(LoadError::AbiTooNew { path: path.to_path_buf(), found, supported });
            }
        }
        // Minimum: the struct as of minor 0 of this major.
        let needed = std::mem::offset_of!(ClpPortletDescriptor, free_string) + std::mem::size_of::<usize>();
        if (size as usize) < needed {
            return Err(LoadError::DescriptorTooSmall {
                path: path.to_path_buf(),
                found: size,
                needed: needed as u32,
                version: found,
            });
        }
        // Copy what the plugin has; fields appended by later minors that an
        // older plugin lacks stay zero (NULL).
        let mut desc = std::mem::MaybeUninit::<ClpPortletDescriptor>::zeroed();
        let n = (size as usize).min(std::mem::size_of::<ClpPortletDescriptor>());
        // SAFETY: the plugin promises `size` readable bytes; we copy at most our size.
        let desc = unsafe {
            std::ptr::copy_nonoverlapping(raw.cast::<u8>(), desc.as_mut_ptr().cast::<u8>(), n);
            desc.assume_init()
        };
        let null = |entry| LoadError::NullEntryPoint { path: path.to_path_buf(), entry };
        let manifest_fn = desc.manifest.ok_or_else(|| null("manifest"))?;
        desc.settings_schema.ok_or_else(|| null("settings_schema"))?;
        desc.default_settings.ok_or_else(|| null("default_settings"))?;
        let render = desc.render.ok_or_else(|| null("render"))?;
        let free = desc.free_string.ok_or_else(|| null("free_string"))?;

        let text = call_json(manifest_fn, free).map_err(|error| LoadError::PortletCallFailed {
            path: path.to_path_buf(),
            call: "manifest",
            error,
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| LoadError::ManifestInvalid {
            path: path.to_path_buf(),
            reason: e.to_string(),
            source: Some(Box::new(e)),
        })?;
        manifest.validate().map_err(|e| LoadError::manifest(path, e))?;
        Ok(LoadedPortlet { path: path.to_path_buf(), desc, manifest, render, free })
    }

    /// The library this portlet came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The ABI version the plugin declared.
    pub fn abi_version(&self) -> AbiVersion {
        AbiVersion { major: self.desc.abi_major, minor: self.desc.abi_minor }
    }

    fn json_call(&self, f: Option<ClpJsonFn>) -> Result<serde_json::Value, PortletError> {
        let f = f.ok_or_else(|| contract(CLP_ERR_INVALID_ARGUMENT, "entry point is NULL"))?;
        let text = call_json(f, self.free)?;
        serde_json::from_str(&text).map_err(|e| contract(CLP_OK, format!("answer is not JSON: {e}")))
    }

    /// The settings schema, or the error.
    pub fn try_settings_schema(&self) -> Result<serde_json::Value, PortletError> {
        self.json_call(self.desc.settings_schema)
    }

    /// The default settings, or the error.
    pub fn try_default_settings(&self) -> Result<serde_json::Value, PortletError> {
        self.json_call(self.desc.default_settings)
    }
}

fn contract(status: i32, message: impl Into<String>) -> PortletError {
    PortletError::Contract { status, message: message.into() }
}

/// The largest string a plugin may answer (a manifest, schema, settings or
/// view model), in bytes: larger ones are refused unread (a contract
/// failure, the tile an error tile).
pub const MAX_PLUGIN_OUTPUT_BYTES: usize = 4 * 1024 * 1024;

/// Why a plugin string was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BadString {
    NotUtf8,
    TooLarge(usize),
}

/// Takes ownership of a plugin string: copies it (unless larger than
/// [`MAX_PLUGIN_OUTPUT_BYTES`]) and frees it with the plugin's `free_string`.
fn take_plugin_string(free: ClpFreeFn, s: *mut c_char) -> Option<Result<String, BadString>> {
    if s.is_null() {
        return None;
    }
    // SAFETY: a non-NULL out string is a NUL-terminated plugin allocation.
    let text = unsafe { std::ffi::CStr::from_ptr(s) }.to_bytes();
    let taken = if text.len() > MAX_PLUGIN_OUTPUT_BYTES {
        Err(BadString::TooLarge(text.len()))
    } else {
        String::from_utf8(text.to_vec()).map_err(|_| BadString::NotUtf8)
    };
    // SAFETY: returned to the allocator that made it, once.
    unsafe { free(s) };
    Some(taken)
}

/// Interprets a status and out string per the ABI.
fn interpret(status: i32, out: Option<Result<String, BadString>>) -> Result<String, PortletError> {
    let text = match out {
        None => {
            return Err(contract(status, format!("{} with no output string", status_name(status))));
        }
        Some(Err(BadString::NotUtf8)) => return Err(contract(status, "output string is not UTF-8")),
        Some(Err(BadString::TooLarge(n))) => {
            return Err(contract(
                status,
                format!("output of {n} bytes is larger than the limit of {MAX_PLUGIN_OUTPUT_BYTES} bytes"),
            ));
        }
        Some(Ok(t)) => t,
    };
    match status {
        CLP_OK => Ok(text),
        CLP_ERR_INVALID_ARGUMENT | CLP_ERR_FAILED | CLP_ERR_PANIC | CLP_ERR_ABI => {
            Err(match serde_json::from_str::<PortletError>(&text) {
                Ok(PortletError::Panicked { message }) => PortletError::Panicked { message },
                Ok(_) if status == CLP_ERR_PANIC => PortletError::Panicked { message: text },
                Ok(e) => e,
                Err(_) if status == CLP_ERR_PANIC => PortletError::Panicked { message: text },
                Err(_) => contract(status, format!("{}: {text}", status_name(status))),
            })
        }
        other => Err(contract(other, format!("unknown status {other}: {text}"))),
    }
}

fn call_json(f: ClpJsonFn, free: ClpFreeFn) -> Result<String, PortletError> {
    let mut out: *mut c_char = std::ptr::null_mut();
    // SAFETY: ABI contract; the plugin catches its own panics.
    let status = unsafe { f(&mut out) };
    interpret(status, take_plugin_string(free, out))
}

impl Portlet for LoadedPortlet {
    fn manifest(&self) -> Manifest {
        self.manifest.clone()
    }

    /// The plugin's schema; an object schema without properties if the call fails.
    fn settings_schema(&self) -> serde_json::Value {
        self.try_settings_schema().unwrap_or_else(|_| serde_json::json!({"type": "object", "properties": {}}))
    }

    /// The plugin's defaults; `{}` if the call fails.
    fn default_settings(&self) -> serde_json::Value {
        self.try_default_settings().ok().filter(serde_json::Value::is_object).unwrap_or_else(|| serde_json::json!({}))
    }

    fn render(&self, settings: &serde_json::Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        let settings =
            CString::new(settings.to_string()).map_err(|_| PortletError::bad_settings(None, "NUL in settings"))?;
        let info = serde_json::to_string(&ContextInfo::of(ctx)).map_err(|e| PortletError::internal(e.to_string()))?;
        let info = CString::new(info).map_err(|_| PortletError::internal("NUL in context"))?;
        let state = HostState { ctx };
        // The plugin gets a token, never a pointer: a token outliving the
        // render (a detached thread, a saved copy of the ClpHost) finds no
        // entry and is refused without touching this stack frame.
        let session = RenderSession::open(&state)?;
        let host = ClpHost {
            struct_size: std::mem::size_of::<ClpHost>() as u32,
            abi_major: CLP_ABI_MAJOR,
            abi_minor: CLP_ABI_MINOR,
            user_data: std::ptr::without_provenance_mut::<c_void>(session.token),
            context_json: info.as_ptr(),
            request: Some(host_request),
            free_string: Some(host_free),
            log: Some(host_log),
            is_canceled: Some(host_is_canceled),
            deadline_ms: ctx
                .remaining()
                .map_or(CLP_NO_DEADLINE, |left| i64::try_from(left.as_millis()).unwrap_or(i64::MAX)),
        };
        let mut out: *mut c_char = std::ptr::null_mut();
        // SAFETY: all pointers live until the call returns; plugin catches its panics.
        let status = unsafe { (self.render)(settings.as_ptr(), &host, &mut out) };
        // From here on the token is refused (also if the plugin unwound).
        drop(session);
        let text = interpret(status, take_plugin_string(self.free, out))?;
        let vm: ViewModel = serde_json::from_str(&text)
            .map_err(|e| contract(CLP_OK, format!("render answered no valid view model: {e}")))?;
        vm.check().map_err(|m| contract(CLP_OK, m))?;
        Ok(vm)
    }
}

/// What a render's token stands for, on the render thread's stack.
struct HostState<'a> {
    ctx: &'a dyn DataContext,
}

/// The renders in progress: `ClpHost::user_data` token -> (the thread running
/// the render, its `HostState`). An entry lives exactly while the plugin's
/// `render` runs; tokens are never reused, so a stale one finds nothing.
static SESSIONS: Mutex<Option<HashMap<usize, Session>>> = Mutex::new(None);
/// The next token (0 is never handed out).
static NEXT_TOKEN: AtomicUsize = AtomicUsize::new(1);

#[derive(Clone, Copy)]
struct Session {
    thread: ThreadId,
    /// A `*const HostState<'_>`, dereferenced only on `thread` while the entry exists.
    state: usize,
}

fn sessions() -> std::sync::MutexGuard<'static, Option<HashMap<usize, Session>>> {
    SESSIONS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The registration of one render; removes its entry when dropped.
struct RenderSession {
    token: usize,
}

impl RenderSession {
    fn open(state: &HostState<'_>) -> Result<Self, PortletError> {
        let token = NEXT_TOKEN
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| t.checked_add(1))
            .map_err(|_| PortletError::internal("render tokens exhausted"))?;
        let session =
            Session { thread: std::thread::current().id(), state: std::ptr::from_ref(state).expose_provenance() };
        sessions().get_or_insert_with(HashMap::new).insert(token, session);
        Ok(RenderSession { token })
    }
}

impl Drop for RenderSession {
    fn drop(&mut self) {
        if let Some(map) = sessions().as_mut() {
            map.remove(&self.token);
        }
    }
}

/// The session of `user_data` if it is a render in progress on this thread.
fn current_session(user_data: *mut c_void) -> Option<Session> {
    let token = user_data.addr();
    let session = sessions().as_ref()?.get(&token).copied()?;
    (session.thread == std::thread::current().id()).then_some(session)
}

/// `ClpHost::request`: runs the request on the context; never unwinds.
///
/// Refused with `CLP_ERR_INVALID_ARGUMENT` and `*out_json = NULL` (nothing to
/// free) when `user_data` is not a render in progress on the calling thread:
/// another thread, or a render that has returned.
unsafe extern "C" fn host_request(user_data: *mut c_void, request: *const c_char, out: *mut *mut c_char) -> i32 {
    if out.is_null() {
        return CLP_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: out is non-null and writable per the ABI.
    unsafe { *out = std::ptr::null_mut() };
    let result = catch_unwind(AssertUnwindSafe(|| {
        let session = current_session(user_data)?;
        // SAFETY: the entry exists and we are on its render thread, so the
        // render (whose frame holds the HostState) is still running below us:
        // only that thread removes the entry, after `render` returns.
        let state = unsafe { &*std::ptr::with_exposed_provenance::<HostState<'_>>(session.state) };
        // SAFETY: request is NULL or a NUL-terminated string.
        let Some(text) = (unsafe { read_c_str(request) }) else {
            let body = ErrorBody::new("bad_request", "request is NULL or not UTF-8");
            return Some((CLP_ERR_INVALID_ARGUMENT, serde_json::to_string(&body).unwrap_or_default()));
        };
        let value = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => v,
            Err(e) => {
                let body = ErrorBody::new("bad_request", format!("request is not JSON: {e}"));
                return Some((CLP_ERR_INVALID_ARGUMENT, serde_json::to_string(&body).unwrap_or_default()));
            }
        };
        Some(match state.ctx.request(&value) {
            Ok(v) => (CLP_OK, v.to_string()),
            Err(body) => (CLP_ERR_FAILED, serde_json::to_string(&body).unwrap_or_default()),
        })
    }));
    let (status, text) = match result {
        Ok(Some(answer)) => answer,
        // Not a render in progress on this thread: refused, nothing allocated.
        Ok(None) => return CLP_ERR_INVALID_ARGUMENT,
        Err(p) => {
            let body = ErrorBody::new("internal", format!("the engine panicked: {}", panic_message(&*p)));
            drop_payload(p);
            (CLP_ERR_PANIC, serde_json::to_string(&body).unwrap_or_default())
        }
    };
    match catch_unwind(|| alloc_string(text)) {
        // SAFETY: as above.
        Ok(s) => unsafe { *out = s },
        Err(p) => {
            drop_payload(p);
            return CLP_ERR_PANIC;
        }
    }
    status
}

/// `ClpHost::log`: forwards one message (cut to
/// [`MAX_LOG_MESSAGE_BYTES`], invalid UTF-8 replaced) to the context's
/// [`DataContext::log`]; never unwinds. Ignored (like `request`, refused)
/// when `user_data` is not a render in progress on the calling thread.
unsafe extern "C" fn host_log(user_data: *mut c_void, level: i32, message: *const c_char) {
    if message.is_null() {
        return;
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        let Some(session) = current_session(user_data) else { return };
        // SAFETY: as in `host_request`: the render is running below us.
        let state = unsafe { &*std::ptr::with_exposed_provenance::<HostState<'_>>(session.state) };
        // SAFETY: a NUL-terminated plugin string, borrowed for the call.
        let bytes = unsafe { std::ffi::CStr::from_ptr(message) }.to_bytes();
        // A little over the cap, so that a cut message still ends with `…`.
        let bytes = &bytes[..bytes.len().min(MAX_LOG_MESSAGE_BYTES + 4)];
        let text = String::from_utf8_lossy(bytes);
        state.ctx.log(crate::LogLevel::from_raw(level), &crate::clip_log_message(&text));
    }));
    if let Err(p) = result {
        drop_payload(p);
    }
}

/// `ClpHost::is_canceled`: 1 when the context says the render is canceled,
/// and also (the render cannot go on usefully) when `user_data` is not a
/// render in progress on the calling thread; never unwinds.
unsafe extern "C" fn host_is_canceled(user_data: *mut c_void) -> i32 {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let Some(session) = current_session(user_data) else { return true };
        // SAFETY: as in `host_request`: the render is running below us.
        let state = unsafe { &*std::ptr::with_exposed_provenance::<HostState<'_>>(session.state) };
        state.ctx.is_canceled()
    }));
    match result {
        Ok(canceled) => i32::from(canceled),
        Err(p) => {
            drop_payload(p);
            1
        }
    }
}

/// `ClpHost::free_string`. Like `request`, refused (the string is leaked)
/// when `user_data` is not a render in progress on the calling thread.
unsafe extern "C" fn host_free(user_data: *mut c_void, s: *mut c_char) {
    if s.is_null() || current_session(user_data).is_none() {
        return;
    }
    // SAFETY: s came from alloc_string in host_request (ABI contract).
    unsafe { free_rust_string(s) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpret_statuses() {
        assert_eq!(interpret(CLP_OK, Some(Ok("{}".into()))).unwrap(), "{}");
        assert!(matches!(interpret(CLP_OK, None), Err(PortletError::Contract { .. })));
        assert!(matches!(interpret(CLP_ERR_PANIC, Some(Ok("boom".into()))), Err(PortletError::Panicked { .. })));
        let e = interpret(CLP_ERR_FAILED, Some(Ok(r#"{"kind":"internal","message":"x"}"#.into()))).unwrap_err();
        assert_eq!(e, PortletError::internal("x"));
        assert!(matches!(interpret(42, Some(Ok("{}".into()))), Err(PortletError::Contract { status: 42, .. })));
        assert!(matches!(interpret(CLP_OK, Some(Err(BadString::NotUtf8))), Err(PortletError::Contract { .. })));
    }

    #[test]
    fn oversized_plugin_strings_are_refused_unread_and_freed() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static FREED: AtomicUsize = AtomicUsize::new(0);
        unsafe extern "C" fn free(s: *mut c_char) {
            // SAFETY: made by CString::into_raw below.
            drop(unsafe { CString::from_raw(s) });
            FREED.fetch_add(1, Ordering::SeqCst);
        }
        let at_limit = CString::new(vec![b'a'; MAX_PLUGIN_OUTPUT_BYTES]).unwrap().into_raw();
        assert_eq!(take_plugin_string(free, at_limit).unwrap().unwrap().len(), MAX_PLUGIN_OUTPUT_BYTES);
        let over = CString::new(vec![b'a'; MAX_PLUGIN_OUTPUT_BYTES + 1]).unwrap().into_raw();
        let taken = take_plugin_string(free, over);
        assert_eq!(taken, Some(Err(BadString::TooLarge(MAX_PLUGIN_OUTPUT_BYTES + 1))));
        assert_eq!(FREED.load(Ordering::SeqCst), 2, "both strings go back to the plugin");
        let e = interpret(CLP_OK, taken).unwrap_err();
        assert!(e.to_string().contains("larger than the limit"), "{e}");
    }
}

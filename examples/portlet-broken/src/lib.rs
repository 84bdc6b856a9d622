//! A deliberately misbehaving portlet, for the loader's tests. Its setting
//! `mode` selects the misbehaviour:
//!
//! | mode           | what `render` does                                         |
//! |----------------|------------------------------------------------------------|
//! | `ok`           | renders a small view model                                 |
//! | `panic`        | panics (caught by the `export_portlet!` shims)             |
//! | `error`        | returns `PortletError::Internal`                           |
//! | `sleep`        | sleeps `sleep_ms` milliseconds, then renders               |
//! | `request`      | makes a data request and shows the answer                  |
//! | `invalid_json` | answers `CLP_OK` with a string that is not JSON (raw ABI)  |
//! | `bad_view`     | answers `CLP_OK` with JSON that is not a view model         |
//! | `bad_status`   | answers the undefined status 77 (raw ABI)                   |
//! | `null_out`     | answers `CLP_OK` and leaves `*out_json` NULL (raw ABI)      |
//! | `poll_cancel`  | logs, then polls `is_canceled` for up to `sleep_ms` (ABI 1.2) |
//! | `log_flood`    | logs 100 messages of 5000 bytes (ABI 1.2)                  |
//!
//! The raw-ABI modes cannot be produced through the safe trait, so this crate
//! writes its descriptor by hand and delegates the other modes to the same
//! shims `export_portlet!` uses.

use std::ffi::c_char;
use std::time::Duration;

use clientele_portlet_api::abi::{self, ClpHost, ClpPortletDescriptor};
use clientele_portlet_api::settings::{own_settings, settings_schema_for};
use clientele_portlet_api::{
    DashboardKind, DataContext, KeyValueEntry, Localized, LogLevel, Manifest, Portlet, PortletError, ViewModel, Widget,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BrokenSettings {
    /// The misbehaviour, see the crate docs.
    #[schemars(extend("x-title" = {"fr": "Comportement fautif", "en": "Misbehaviour"}))]
    pub mode: String,
    /// For `sleep`.
    pub sleep_ms: u64,
}

impl Default for BrokenSettings {
    fn default() -> Self {
        BrokenSettings { mode: "ok".into(), sleep_ms: 2000 }
    }
}

#[derive(Debug, Default)]
pub struct Broken;

impl Portlet for Broken {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: "com.example.broken".into(),
            version: "0.1.0".into(),
            title: Localized::new("Cassé", "Broken"),
            dashboards: vec![DashboardKind::Staff],
            entitlements: vec![],
            rights: vec![],
            tabular: false,
        }
    }

    fn settings_schema(&self) -> Value {
        settings_schema_for::<BrokenSettings>()
    }

    fn render(&self, settings: &Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        let s: BrokenSettings = own_settings(settings)?;
        match s.mode.as_str() {
            "panic" => panic!("portlet-broken was asked to panic"),
            "error" => return Err(PortletError::internal("portlet-broken was asked to fail")),
            "sleep" => std::thread::sleep(Duration::from_millis(s.sleep_ms)),
            "poll_cancel" => {
                let remaining = ctx.remaining().map(|d| d.as_millis().to_string()).unwrap_or_else(|| "none".into());
                ctx.log(LogLevel::Info, &format!("polling, {remaining} ms left"));
                let start = std::time::Instant::now();
                let mut canceled = false;
                while start.elapsed() < Duration::from_millis(s.sleep_ms) {
                    if ctx.is_canceled() {
                        canceled = true;
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                ctx.log(LogLevel::Warn, &format!("stopped polling, canceled: {canceled}"));
                let entry = |label: &str, value: String| KeyValueEntry { label: Localized::same(label), value };
                return Ok(ViewModel::new(Localized::same("poll")).with(Widget::KeyValue {
                    entries: vec![entry("canceled", canceled.to_string()), entry("remaining_ms", remaining)],
                }));
            }
            "log_flood" => {
                let long = "é".repeat(2500);
                for i in 0..100 {
                    ctx.log(LogLevel::Debug, &format!("{i} {long}"));
                }
            }
            "request" => {
                let answer = ctx.request(&json!({"op": "client.list", "limit": 1}))?;
                return Ok(ViewModel::new(Localized::same("request")).with(Widget::KeyValue {
                    entries: vec![KeyValueEntry { label: Localized::same("answer"), value: answer.to_string() }],
                }));
            }
            _ => {}
        }
        Ok(ViewModel::new(Localized::same(format!("ok ({})", s.mode)))
            .with(Widget::Empty { message: Localized::new("Rien", "Nothing") }))
    }
}

fn instance() -> &'static dyn Portlet {
    &Broken
}

unsafe extern "C" fn manifest(out: *mut *mut c_char) -> i32 {
    unsafe { abi::plugin::manifest(instance, out) }
}

unsafe extern "C" fn settings_schema(out: *mut *mut c_char) -> i32 {
    unsafe { abi::plugin::settings_schema(instance, out) }
}

unsafe extern "C" fn default_settings(out: *mut *mut c_char) -> i32 {
    unsafe { abi::plugin::default_settings(instance, out) }
}

unsafe extern "C" fn render(settings: *const c_char, host: *const ClpHost, out: *mut *mut c_char) -> i32 {
    // Peek at the mode; anything unusual goes to the safe shim.
    let mode = unsafe { abi::read_c_str(settings) }
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .and_then(|v| v.get("mode").and_then(Value::as_str).map(str::to_string));
    let raw = |text: Option<&str>, status: i32| {
        if !out.is_null() {
            unsafe { *out = text.map_or(std::ptr::null_mut(), |t| abi::alloc_string(t.to_string())) };
        }
        status
    };
    match mode.as_deref() {
        Some("invalid_json") => raw(Some("{\"title\": oops"), abi::CLP_OK),
        Some("bad_view") => raw(Some("{\"title\": 3, \"widgets\": \"none\"}"), abi::CLP_OK),
        Some("bad_status") => raw(Some("{}"), 77),
        Some("null_out") => raw(None, abi::CLP_OK),
        _ => unsafe { abi::plugin::render(instance, settings, host, out) },
    }
}

unsafe extern "C" fn free_string(s: *mut c_char) {
    unsafe { abi::plugin::free_string(s) }
}

static DESCRIPTOR: ClpPortletDescriptor = ClpPortletDescriptor {
    struct_size: std::mem::size_of::<ClpPortletDescriptor>() as u32,
    abi_major: abi::CLP_ABI_MAJOR,
    abi_minor: abi::CLP_ABI_MINOR,
    manifest: Some(manifest),
    settings_schema: Some(settings_schema),
    default_settings: Some(default_settings),
    render: Some(render),
    free_string: Some(free_string),
};

/// The exported descriptor (hand-written, see the crate docs).
#[unsafe(no_mangle)]
pub extern "C" fn clientele_portlet_descriptor() -> *const ClpPortletDescriptor {
    &DESCRIPTOR
}

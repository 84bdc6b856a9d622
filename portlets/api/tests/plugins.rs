//! Loading real portlet libraries at run time.
//!
//! The Rust example plugins are dev-dependencies of this crate, so `cargo
//! test` builds their cdylibs into `target/<profile>/deps/`, the directory of
//! this test executable; they are found from `std::env::current_exe()`.
//! The C libraries are compiled here with the system C compiler (`$CC`,
//! default `cc`) into `CARGO_TARGET_TMPDIR`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clientele_portlet_api::abi::{
    AbiVersion, CLP_ABI_MAJOR, CLP_ABI_MINOR, MAX_LOG_MESSAGE_BYTES, MAX_LOG_MESSAGES_PER_RENDER,
};
use clientele_portlet_api::loader::loaded_libraries;
use clientele_portlet_api::settings::merge_settings;
use clientele_portlet_api::{
    DataContext, ErrorBody, LoadError, Locale, Localized, LogLevel, Manifest, Portlet, PortletError, Scope, Tile,
    ViewModel, Widget, html, load_portlet, render_with_budget, text,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------- helpers

/// A data context that records the requests and answers canned responses.
struct FakeContext {
    scope: Scope,
    locale: Locale,
    requests: Mutex<Vec<Value>>,
    behaviour: Behaviour,
    logs: Mutex<Vec<(LogLevel, String)>>,
    canceled: AtomicBool,
    remaining: Option<Duration>,
}

#[derive(Clone, Copy)]
enum Behaviour {
    Normal,
    Refuse,
    Panic,
    /// Panics with a payload whose own `Drop` panics.
    PanicBomb,
}

struct Bomb;
impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("the payload's drop panicked");
    }
}

impl FakeContext {
    fn new() -> Self {
        Self::with(Behaviour::Normal)
    }

    fn with(behaviour: Behaviour) -> Self {
        FakeContext {
            scope: Scope::Staff { staff_id: 3 },
            locale: Locale::Fr,
            requests: Mutex::new(Vec::new()),
            behaviour,
            logs: Mutex::new(Vec::new()),
            canceled: AtomicBool::new(false),
            remaining: None,
        }
    }

    fn logs(&self) -> Vec<(LogLevel, String)> {
        self.logs.lock().unwrap().clone()
    }

    fn requests(&self) -> Vec<Value> {
        self.requests.lock().unwrap().clone()
    }
}

impl DataContext for FakeContext {
    fn scope(&self) -> Scope {
        self.scope
    }
    fn today(&self) -> String {
        "2026-11-28".into()
    }
    fn locale(&self) -> Locale {
        self.locale
    }
    fn log(&self, level: LogLevel, message: &str) {
        self.logs.lock().unwrap().push((level, message.to_string()));
    }
    fn is_canceled(&self) -> bool {
        self.canceled.load(Ordering::SeqCst)
    }
    fn remaining(&self) -> Option<Duration> {
        self.remaining
    }
    fn request(&self, request: &Value) -> Result<Value, ErrorBody> {
        self.requests.lock().unwrap().push(request.clone());
        match self.behaviour {
            Behaviour::Refuse => {
                Err(ErrorBody { code: "forbidden".into(), message: "staff 3 may not view clients".into(), field: None })
            }
            Behaviour::Panic => panic!("the fake engine panicked"),
            Behaviour::PanicBomb => std::panic::panic_any(Bomb),
            Behaviour::Normal => match request["op"].as_str() {
                Some("client.list") => Ok(json!({"items": [{"id": 1, "name": "Dupré & fils"}], "total": 12})),
                Some("contact.list") => Ok(json!({"items": [], "total": 30})),
                _ => Ok(json!({"items": [], "count": 5})),
            },
        }
    }
}

/// A Rust example plugin built by cargo next to this test executable.
fn rust_plugin(crate_name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let file =
        format!("{}{}{}", std::env::consts::DLL_PREFIX, crate_name.replace('-', "_"), std::env::consts::DLL_SUFFIX);
    let path = deps.join(&file);
    assert!(
        path.exists(),
        "{} not found: it is built by cargo because it is a dev-dependency of clientele-portlet-api",
        path.display()
    );
    path
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "portlet-tests-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compiles C source into a shared library with the system compiler.
fn compile_c_library(name: &str, source: &str, defines: &[&str]) -> PathBuf {
    compile_c_library_with(name, source, defines, &workspace_root().join("portlets/api/include"))
}

/// [`compile_c_library`] against the `clientele_portlet.h` of `include`.
fn compile_c_library_with(name: &str, source: &str, defines: &[&str], include: &Path) -> PathBuf {
    let dir = scratch_dir();
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).unwrap();
    let out = dir.join(format!("{}{name}{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut cmd = Command::new(&cc);
    cmd.args(["-shared", "-fPIC", "-Wall", "-Werror", "-o"]).arg(&out).arg("-I").arg(include).args(defines).arg(&src);
    let output = cmd.output().unwrap_or_else(|e| panic!("cannot run the C compiler {cc:?} (set CC): {e}"));
    assert!(output.status.success(), "{cc} failed: {}", String::from_utf8_lossy(&output.stderr));
    out
}

fn settings_for(p: &dyn Portlet, user: Value) -> Value {
    merge_settings(&p.settings_schema(), &p.default_settings(), &user).unwrap()
}

fn render_broken(mode: &str) -> Result<ViewModel, PortletError> {
    let broken = load_portlet(rust_plugin("portlet-broken")).unwrap();
    let settings = settings_for(&*broken, json!({"mode": mode}));
    broken.render(&settings, &FakeContext::new())
}

/// After any misbehaviour: the process is fine and portlets still render.
fn assert_others_still_render() {
    let hello = load_portlet(rust_plugin("portlet-hello")).unwrap();
    let vm = hello.render(&settings_for(&*hello, json!({})), &FakeContext::new()).unwrap();
    assert!(matches!(vm.widgets[0], Widget::Counters { .. }));
    let broken = render_broken("ok").unwrap();
    assert_eq!(broken.title, Localized::same("ok (ok)"));
}

// ---------------------------------------------------------------- the good plugin

#[test]
fn hello_loads_and_renders_through_the_abi() {
    let path = rust_plugin("portlet-hello");
    let hello = load_portlet(&path).unwrap();
    let m = hello.manifest();
    assert_eq!(m.id, "com.example.counts");
    m.validate().unwrap();
    assert_eq!(hello.default_settings(), json!({"include_contacts": true, "include_interactions": false}));
    assert!(hello.settings_schema()["properties"]["include_contacts"].is_object());

    let settings = settings_for(&*hello, json!({"include_interactions": true, "common": {"filter": "city:Lyon"}}));
    let ctx = FakeContext::new();
    let vm = hello.render(&settings, &ctx).unwrap();
    assert_eq!(
        ctx.requests(),
        vec![
            json!({"op": "client.list", "limit": 1, "count": true, "filter": "city:Lyon"}),
            json!({"op": "contact.list", "limit": 1, "count": true}),
            json!({"op": "interaction.list", "limit": 1, "count": true}),
        ]
    );
    assert_eq!(vm.title.fr, "Compteurs");
    assert_eq!(vm.subtitle.as_ref().unwrap().fr, "Au 2026-11-28");
    let Widget::Counters { items } = &vm.widgets[0] else { panic!("{vm:?}") };
    assert_eq!(items.iter().map(|c| c.value).collect::<Vec<_>>(), [12, 30, 5]);
    assert_eq!(vm.drill_down.unwrap().tab, "clients");
    assert!(loaded_libraries().iter().any(|p| p.ends_with(path.file_name().unwrap())));
}

#[test]
fn engine_errors_cross_the_abi_typed() {
    let hello = load_portlet(rust_plugin("portlet-hello")).unwrap();
    let err = hello.render(&settings_for(&*hello, json!({})), &FakeContext::with(Behaviour::Refuse)).unwrap_err();
    let PortletError::DataRefused(body) = err else { panic!("{err:?}") };
    assert_eq!(body.code, "forbidden");
    // Bad own settings are refused by the plugin, typed.
    let err = hello.render(&json!({"include_contacts": "yes"}), &FakeContext::new()).unwrap_err();
    assert!(matches!(err, PortletError::BadSettings { .. }), "{err:?}");
}

#[test]
fn a_panicking_engine_callback_does_not_unwind_into_the_plugin() {
    let broken = load_portlet(rust_plugin("portlet-broken")).unwrap();
    let settings = settings_for(&*broken, json!({"mode": "request"}));
    let err = broken.render(&settings, &FakeContext::with(Behaviour::Panic)).unwrap_err();
    let PortletError::DataFailed(body) = err else { panic!("{err:?}") };
    assert_eq!(body.code, "internal");
    assert!(body.message.contains("the fake engine panicked"));
    // And the normal path of the same callback.
    let vm = broken.render(&settings, &FakeContext::new()).unwrap();
    let Widget::KeyValue { entries } = &vm.widgets[0] else { panic!() };
    assert!(entries[0].value.contains("Dupré & fils"));
    assert_others_still_render();
}

#[test]
fn a_panic_payload_whose_drop_panics_stays_on_the_host_side() {
    // Without care the payload's drop would unwind out of `host_request`
    // (extern "C") and abort the test process.
    let hello = load_portlet(rust_plugin("portlet-hello")).unwrap();
    let err = hello.render(&settings_for(&*hello, json!({})), &FakeContext::with(Behaviour::PanicBomb)).unwrap_err();
    let PortletError::DataFailed(body) = err else { panic!("{err:?}") };
    assert!(body.message.contains("the engine panicked"), "{body:?}");
    assert_others_still_render();
}

#[test]
fn loaded_portlets_render_concurrently() {
    let hello = load_portlet(rust_plugin("portlet-hello")).unwrap();
    let settings = settings_for(&*hello, json!({}));
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..20 {
                    hello.render(&settings, &FakeContext::new()).unwrap();
                }
            });
        }
    });
}

// ---------------------------------------------------------------- the broken plugin

#[test]
fn panic_in_plugin_becomes_an_error() {
    let err = render_broken("panic").unwrap_err();
    let PortletError::Panicked { message } = err else { panic!("{err:?}") };
    assert!(message.contains("portlet-broken was asked to panic"));
    assert_others_still_render();
}

#[test]
fn invalid_json_becomes_an_error() {
    let err = render_broken("invalid_json").unwrap_err();
    assert!(matches!(err, PortletError::Contract { status: 0, .. }), "{err:?}");
    let err = render_broken("bad_view").unwrap_err();
    assert!(matches!(err, PortletError::Contract { .. }), "{err:?}");
    assert_others_still_render();
}

#[test]
fn error_status_and_broken_contract() {
    assert_eq!(render_broken("error").unwrap_err(), PortletError::internal("portlet-broken was asked to fail"));
    let err = render_broken("bad_status").unwrap_err();
    assert!(matches!(err, PortletError::Contract { status: 77, .. }), "{err:?}");
    let err = render_broken("null_out").unwrap_err();
    assert!(matches!(err, PortletError::Contract { status: 0, .. }), "{err:?}");
    assert_others_still_render();
}

#[test]
fn budget_exceeded_is_a_timeout() {
    let broken = load_portlet(rust_plugin("portlet-broken")).unwrap();
    let settings = settings_for(&*broken, json!({"mode": "sleep", "sleep_ms": 3000}));
    let start = Instant::now();
    let err = render_with_budget(broken.clone(), settings, Arc::new(FakeContext::new()), Duration::from_millis(200))
        .unwrap_err();
    assert_eq!(err, PortletError::Timeout { budget_ms: 200 });
    assert!(start.elapsed() < Duration::from_secs(2));
    // The same portlet, in time.
    let quick = settings_for(&*broken, json!({"mode": "sleep", "sleep_ms": 10}));
    render_with_budget(broken, quick, Arc::new(FakeContext::new()), Duration::from_secs(5)).unwrap();
    assert_others_still_render();
}

// ---------------------------------------------------------------- statically linked portlets

struct Static {
    panic: bool,
}

impl Portlet for Static {
    fn manifest(&self) -> Manifest {
        serde_json::from_value(json!({"id": "test.static", "version": "1.0.0",
            "title": {"fr": "Statique", "en": "Static"}, "dashboards": ["firm"]}))
        .unwrap()
    }
    fn render(&self, _: &Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        if self.panic {
            panic!("static portlet panicked");
        }
        let n = ctx.request(&json!({"op": "client.list", "count": true}))?;
        Ok(ViewModel::new(Localized::same("static")).with(Widget::Counters {
            items: vec![clientele_portlet_api::Counter::new(Localized::same("n"), n["total"].as_i64().unwrap_or(-1))],
        }))
    }
}

#[test]
fn built_in_and_loaded_portlets_are_treated_alike() {
    let portlets: Vec<Arc<dyn Portlet>> = vec![
        Arc::new(Static { panic: false }),
        load_portlet(rust_plugin("portlet-hello")).unwrap(),
        Arc::new(Static { panic: true }),
        load_portlet(rust_plugin("portlet-broken")).unwrap(),
    ];
    let ctx: Arc<dyn DataContext + Send + Sync> = Arc::new(FakeContext::new());
    let tiles: Vec<Tile> = portlets
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let m = p.manifest();
            let user = if i == 3 { json!({"mode": "panic"}) } else { json!({}) };
            let settings = settings_for(&**p, user);
            Tile {
                portlet_id: m.id,
                title: m.title,
                result: render_with_budget(p.clone(), settings, ctx.clone(), Duration::from_secs(5))
                    .map_err(ErrorBody::from),
            }
        })
        .collect();
    assert!(tiles[0].result.is_ok());
    assert!(tiles[1].result.is_ok());
    assert_eq!(tiles[2].result.as_ref().unwrap_err().code, "portlet_panicked");
    assert_eq!(tiles[3].result.as_ref().unwrap_err().code, "portlet_panicked");
    let page = html::render_dashboard("Tableau de bord", &tiles, Locale::Fr);
    assert!(page.contains("Au 2026-11-28"));
    assert!(page.contains("Statique"));
    assert!(page.contains("static portlet panicked"));
    let plain = text::render_dashboard("Tableau de bord", &tiles, Locale::En);
    assert!(plain.contains("On 2026-11-28"));
}

// ---------------------------------------------------------------- refusals at load time

#[test]
fn wrong_abi_is_refused_before_any_call() {
    // Every entry point of that library aborts: reaching one would kill the test.
    match load_portlet(rust_plugin("portlet-wrong-abi")) {
        Err(LoadError::AbiTooNew { found, supported, .. }) => {
            assert_eq!(found, AbiVersion { major: CLP_ABI_MAJOR + 1, minor: 0 });
            assert_eq!(supported, AbiVersion { major: CLP_ABI_MAJOR, minor: CLP_ABI_MINOR });
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_file_and_not_a_library() {
    let dir = scratch_dir();
    let missing = dir.join("libnothing.so");
    assert!(matches!(load_portlet(&missing), Err(LoadError::FileMissing(p)) if p == missing));
    let text_file = dir.join("libtext.so");
    std::fs::write(&text_file, "this is not a shared library").unwrap();
    let Err(e) = load_portlet(&text_file) else { panic!("a text file loaded") };
    assert!(matches!(e, LoadError::OpenFailed { .. }), "{e:?}");
    // The dynamic loader's own error is kept as the source.
    let source = std::error::Error::source(&e).expect("the loader's error");
    assert!(source.downcast_ref::<libloading::Error>().is_some(), "{source:?}");
}

#[test]
fn library_without_the_symbol() {
    let lib = compile_c_library("nosymbol", "int clp_unrelated(void) { return 42; }\n", &[]);
    match load_portlet(&lib) {
        Err(LoadError::SymbolMissing { symbol, .. }) => {
            assert_eq!(symbol, "clientele_portlet_descriptor")
        }
        other => panic!("{other:?}"),
    }
}

/// A C descriptor whose fields are set by -D flags; entry points abort, so
/// only a loader that checks before calling survives.
const VARIANT_C: &str = r#"
#include <stdlib.h>
#include "clientele_portlet.h"
static int32_t json(char **out) { (void)out; abort(); }
static int32_t render(const char *s, const ClpHost *h, char **out) { (void)s; (void)h; (void)out; abort(); }
static void release(char *s) { (void)s; abort(); }
static const ClpPortletDescriptor D = { SIZE, MAJOR, MINOR, MANIFEST, json, json, render, release };
CLP_EXPORT const ClpPortletDescriptor *clientele_portlet_descriptor(void) { return NULLDESC ? 0 : &D; }
"#;

fn variant(name: &str, size: &str, major: &str, minor: &str, manifest: &str, null: &str) -> Result<(), LoadError> {
    let lib = compile_c_library(
        name,
        VARIANT_C,
        &[
            &format!("-DSIZE={size}"),
            &format!("-DMAJOR={major}"),
            &format!("-DMINOR={minor}"),
            &format!("-DMANIFEST={manifest}"),
            &format!("-DNULLDESC={null}"),
        ],
    );
    load_portlet(lib).map(|_| ())
}

#[test]
fn descriptor_checks() {
    let full = "sizeof(ClpPortletDescriptor)";
    assert!(matches!(
        variant("v_tiny", "4", "CLP_ABI_MAJOR", "0", "json", "0"),
        Err(LoadError::DescriptorTooSmall { found: 4, .. })
    ));
    assert!(matches!(
        variant("v_short", "16", "CLP_ABI_MAJOR", "0", "json", "0"),
        Err(LoadError::DescriptorTooSmall { found: 16, .. })
    ));
    assert!(matches!(
        variant("v_old", full, "(CLP_ABI_MAJOR - 1)", "0", "json", "0"),
        Err(LoadError::AbiTooOld { .. })
    ));
    assert!(matches!(
        variant("v_newminor", full, "CLP_ABI_MAJOR", "(CLP_ABI_MINOR + 1)", "json", "0"),
        Err(LoadError::AbiTooNew { .. })
    ));
    // A 1.0 plugin passes the version checks of a 1.1 engine (it is
    // refused only for its NULL entry point).
    const { assert!(CLP_ABI_MINOR >= 1) };
    assert!(matches!(
        variant("v_nullfn", full, "CLP_ABI_MAJOR", "0", "0", "0"),
        Err(LoadError::NullEntryPoint { entry: "manifest", .. })
    ));
    assert!(matches!(
        variant("v_nulldesc", full, "CLP_ABI_MAJOR", "0", "json", "1"),
        Err(LoadError::NullDescriptor { .. })
    ));
}

const BAD_MANIFEST_C: &str = r#"
#include <stdlib.h>
#include <string.h>
#include "clientele_portlet.h"
static int32_t manifest(char **out) {
  const char *m = "{\"id\":\"NoDots\",\"version\":\"1.0.0\",\"title\":{\"fr\":\"x\",\"en\":\"x\"},\"dashboards\":[\"staff\"]}";
  *out = malloc(strlen(m) + 1); strcpy(*out, m); return CLP_OK;
}
static int32_t json(char **out) { *out = 0; return CLP_ERR_FAILED; }
static int32_t render(const char *s, const ClpHost *h, char **out) { (void)s; (void)h; *out = 0; return CLP_ERR_FAILED; }
static void release(char *s) { free(s); }
static const ClpPortletDescriptor D = { sizeof(ClpPortletDescriptor), CLP_ABI_MAJOR, CLP_ABI_MINOR, manifest, json, json, render, release };
CLP_EXPORT const ClpPortletDescriptor *clientele_portlet_descriptor(void) { return &D; }
"#;

#[test]
fn invalid_manifest_is_refused() {
    let lib = compile_c_library("badmanifest", BAD_MANIFEST_C, &[]);
    match load_portlet(lib) {
        Err(e @ LoadError::ManifestInvalid { .. }) => {
            let LoadError::ManifestInvalid { reason, .. } = &e else { unreachable!() };
            assert!(reason.contains("NoDots"), "{reason}");
            // The manifest's own refusal is kept as the source.
            let source = std::error::Error::source(&e).expect("the manifest's error");
            assert!(source.downcast_ref::<clientele_portlet_api::manifest::ManifestError>().is_some(), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- the C portlet

#[test]
fn c_portlet_loads_and_renders() {
    let source = std::fs::read_to_string(workspace_root().join("examples/portlet-c/counts_c.c")).unwrap();
    let lib = compile_c_library("portlet_c", &source, &["-fvisibility=hidden", "-Wextra"]);
    let p = load_portlet(lib).unwrap();
    assert_eq!(p.manifest().id, "com.example.c-counts");
    assert_eq!(p.default_settings(), json!({"label": "Clients"}));
    assert_eq!(p.settings_schema()["properties"]["label"]["type"], "string");

    let ctx = FakeContext::new();
    let settings = settings_for(&*p, json!({"label": "Dossiers ouverts"}));
    let vm = p.render(&settings, &ctx).unwrap();
    assert_eq!(ctx.requests(), vec![json!({"op": "client.list", "limit": 1, "count": true})]);
    let Widget::Counters { items } = &vm.widgets[0] else { panic!("{vm:?}") };
    assert_eq!(items[0].value, 12);
    assert_eq!(items[0].label.fr, "Dossiers ouverts");

    let err = p.render(&settings, &FakeContext::with(Behaviour::Refuse)).unwrap_err();
    let PortletError::DataFailed(body) = err else { panic!("{err:?}") };
    assert_eq!(body.code, "forbidden");
}

#[test]
fn the_guide_shows_the_c_example_verbatim() {
    let source = std::fs::read_to_string(workspace_root().join("examples/portlet-c/counts_c.c")).unwrap();
    let body = &source[source.find("#include <stdio.h>").unwrap()..];
    let guide = std::fs::read_to_string(workspace_root().join("docs/portlets.md")).unwrap();
    assert!(guide.contains(body), "docs/portlets.md must quote examples/portlet-c/counts_c.c verbatim");
}

const OTHER_THREAD_C: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clientele_portlet.h"
static char *dup(const char *s) { char *p = malloc(strlen(s) + 1); strcpy(p, s); return p; }
static int32_t manifest(char **out) {
  *out = dup("{\"id\":\"test.thread\",\"version\":\"1.0.0\",\"title\":{\"fr\":\"t\",\"en\":\"t\"},\"dashboards\":[\"staff\"]}");
  return CLP_OK;
}
static int32_t json(char **out) { *out = dup("{}"); return CLP_OK; }
static const ClpHost *H; static int32_t ST;
static void *run(void *arg) { char *r = 0; (void)arg; ST = H->request(H->user_data, "{\"op\":\"client.list\"}", &r); H->free_string(H->user_data, r); return 0; }
static int32_t render(const char *s, const ClpHost *h, char **out) {
  pthread_t t; char buf[256]; (void)s; H = h;
  pthread_create(&t, 0, run, 0); pthread_join(t, 0);
  snprintf(buf, sizeof buf, "{\"title\":{\"fr\":\"t\",\"en\":\"t\"},\"widgets\":[{\"type\":\"counters\",\"items\":[{\"label\":{\"fr\":\"s\",\"en\":\"s\"},\"value\":%d}]}]}", (int)ST);
  *out = dup(buf); return CLP_OK;
}
static void release(char *s) { free(s); }
static const ClpPortletDescriptor D = { sizeof(ClpPortletDescriptor), CLP_ABI_MAJOR, CLP_ABI_MINOR, manifest, json, json, render, release };
CLP_EXPORT const ClpPortletDescriptor *clientele_portlet_descriptor(void) { return &D; }
"#;

#[test]
fn requests_from_another_thread_are_refused() {
    let lib = compile_c_library("otherthread", OTHER_THREAD_C, &["-pthread"]);
    let p = load_portlet(lib).unwrap();
    let ctx = FakeContext::new();
    let vm = p.render(&json!({}), &ctx).unwrap();
    let Widget::Counters { items } = &vm.widgets[0] else { panic!("{vm:?}") };
    assert_eq!(items[0].value, i64::from(clientele_portlet_api::abi::CLP_ERR_INVALID_ARGUMENT));
    assert!(ctx.requests().is_empty(), "the context must not be touched from another thread");
}

/// Keeps a copy of every `ClpHost` it is given. Each render first calls
/// `request` through the copy saved by the previous render (on the same
/// thread, after that render returned) and shows the status; with settings
/// `{"detach": true}` it also starts a detached thread that calls `request`
/// through its copy 100 ms later, after render returned, and publishes the
/// status through `late_status()` (-1 until then).
const LATE_C: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clientele_portlet.h"
static char *dupstr(const char *s) { char *p = malloc(strlen(s) + 1); strcpy(p, s); return p; }
static int32_t manifest(char **out) {
  *out = dupstr("{\"id\":\"test.late\",\"version\":\"1.0.0\",\"title\":{\"fr\":\"t\",\"en\":\"t\"},\"dashboards\":[\"staff\"]}");
  return CLP_OK;
}
static int32_t json(char **out) { *out = dupstr("{}"); return CLP_OK; }
static ClpHost SAVED; static int HAVE_SAVED;
static volatile int32_t LATE = -1;
CLP_EXPORT int32_t late_status(void) { return __atomic_load_n(&LATE, __ATOMIC_SEQ_CST); }
static void *late(void *arg) {
  ClpHost *h = arg; char *r = 0;
  usleep(100000);
  int32_t st = h->request(h->user_data, "{\"op\":\"client.list\"}", &r);
  h->free_string(h->user_data, r);
  free(h);
  __atomic_store_n(&LATE, st, __ATOMIC_SEQ_CST);
  return 0;
}
static int32_t render(const char *s, const ClpHost *h, char **out) {
  char buf[256]; int32_t stale = -1;
  if (HAVE_SAVED) {
    char *r = 0;
    stale = SAVED.request(SAVED.user_data, "{\"op\":\"client.list\"}", &r);
    SAVED.free_string(SAVED.user_data, r);
  }
  SAVED = *h; HAVE_SAVED = 1;
  if (strstr(s, "\"detach\":true")) {
    pthread_t t; ClpHost *copy = malloc(sizeof *copy); *copy = *h;
    if (pthread_create(&t, 0, late, copy) == 0) pthread_detach(t);
  }
  snprintf(buf, sizeof buf, "{\"title\":{\"fr\":\"t\",\"en\":\"t\"},\"widgets\":[{\"type\":\"counters\",\"items\":[{\"label\":{\"fr\":\"s\",\"en\":\"s\"},\"value\":%d}]}]}", (int)stale);
  *out = dupstr(buf); return CLP_OK;
}
static void release(char *s) { free(s); }
static const ClpPortletDescriptor D = { sizeof(ClpPortletDescriptor), CLP_ABI_MAJOR, CLP_ABI_MINOR, manifest, json, json, render, release };
CLP_EXPORT const ClpPortletDescriptor *clientele_portlet_descriptor(void) { return &D; }
"#;

fn counter(vm: &ViewModel) -> i64 {
    let Widget::Counters { items } = &vm.widgets[0] else { panic!("{vm:?}") };
    items[0].value
}

#[test]
fn requests_after_render_returned_are_refused() {
    let lib = compile_c_library("late", LATE_C, &["-pthread"]);
    let p = load_portlet(&lib).unwrap();
    let invalid = i64::from(clientele_portlet_api::abi::CLP_ERR_INVALID_ARGUMENT);

    let first = FakeContext::new();
    assert_eq!(counter(&p.render(&json!({"detach": true}), &first).unwrap()), -1);
    // Same thread, same stack depth, a render later: the old ClpHost's
    // user_data must not reach the new render's context.
    let second = FakeContext::new();
    assert_eq!(counter(&p.render(&json!({}), &second).unwrap()), invalid);
    assert!(second.requests().is_empty(), "a stale host reached the next render's context");

    // The detached thread of the first render calls after it returned.
    // SAFETY: the test library exports `int32_t late_status(void)`.
    let lib = unsafe { libloading::Library::new(&lib) }.unwrap();
    let late_status = unsafe { lib.get::<unsafe extern "C" fn() -> i32>(b"late_status") }.unwrap();
    let started = Instant::now();
    let status = loop {
        let s = unsafe { late_status() };
        if s != -1 {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the late thread never called");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(i64::from(status), invalid);
    assert!(first.requests().is_empty(), "the late call must not touch the finished render's context");
    // And the portlet still renders with the right context.
    assert_eq!(counter(&p.render(&json!({}), &FakeContext::new()).unwrap()), invalid);
    // libloading::Library dropped here only decrements dlopen's count (the loader keeps its own).
    std::mem::forget(lib);
}

// ---------------------------------------------------------------- ABI 1.2: log, cancel, deadline

/// Raises `ctx`'s cancel flag after `after`, from another thread.
fn cancel_later(ctx: &Arc<FakeContext>, after: Duration) -> std::thread::JoinHandle<()> {
    let ctx = ctx.clone();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        ctx.canceled.store(true, Ordering::SeqCst);
    })
}

/// Waits until only `ctx`'s own `Arc` is left: the (abandoned) render ended.
fn wait_until_released(ctx: &Arc<FakeContext>, within: Duration) -> Duration {
    let start = Instant::now();
    while Arc::strong_count(ctx) > 1 {
        assert!(start.elapsed() < within, "the abandoned render still runs after {within:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    start.elapsed()
}

fn entries(vm: &ViewModel) -> std::collections::HashMap<String, String> {
    let Widget::KeyValue { entries } = &vm.widgets[0] else { panic!("{vm:?}") };
    entries.iter().map(|e| (e.label.fr.clone(), e.value.clone())).collect()
}

#[test]
fn a_rust_portlet_sees_cancel_deadline_and_logs_through_the_abi() {
    let broken = load_portlet(rust_plugin("portlet-broken")).unwrap();
    let settings = settings_for(&*broken, json!({"mode": "poll_cancel", "sleep_ms": 10_000}));
    let ctx = Arc::new(FakeContext { remaining: Some(Duration::from_millis(1500)), ..FakeContext::new() });
    let canceler = cancel_later(&ctx, Duration::from_millis(100));
    let start = Instant::now();
    let vm = broken.render(&settings, &*ctx).unwrap();
    canceler.join().unwrap();
    assert!(start.elapsed() < Duration::from_secs(5), "the portlet did not see the cancel signal");
    let e = entries(&vm);
    assert_eq!(e["canceled"], "true");
    let left: u64 = e["remaining_ms"].parse().unwrap();
    assert!((1400..=1500).contains(&left), "{left}");
    assert_eq!(
        ctx.logs(),
        vec![
            (LogLevel::Info, format!("polling, {left} ms left")),
            (LogLevel::Warn, "stopped polling, canceled: true".to_string())
        ]
    );

    // Under a budget: the budget's end is the cancel signal, and the
    // abandoned render returns soon after instead of running 10 s.
    let ctx = Arc::new(FakeContext::new());
    let err = render_with_budget(broken.clone(), settings, ctx.clone(), Duration::from_millis(300)).unwrap_err();
    assert_eq!(err, PortletError::Timeout { budget_ms: 300 });
    wait_until_released(&ctx, Duration::from_secs(3));
    let logs = ctx.logs();
    assert_eq!(logs.len(), 1, "nothing is logged once the budget is spent: {logs:?}");
    let left: u64 = logs[0].1.split(' ').nth(1).unwrap().parse().unwrap();
    assert!((1..=300).contains(&left), "the plugin saw {left} ms left of a 300 ms budget");
}

#[test]
fn log_messages_are_capped_per_render_and_cut_per_message() {
    let broken = load_portlet(rust_plugin("portlet-broken")).unwrap();
    let settings = settings_for(&*broken, json!({"mode": "log_flood"}));
    let ctx = Arc::new(FakeContext::new());
    render_with_budget(broken, settings, ctx.clone(), Duration::from_secs(10)).unwrap();
    let logs = ctx.logs();
    assert_eq!(logs.len(), MAX_LOG_MESSAGES_PER_RENDER + 1, "{:?}", logs.iter().map(|l| l.1.len()).collect::<Vec<_>>());
    for (i, (level, message)) in logs[..MAX_LOG_MESSAGES_PER_RENDER].iter().enumerate() {
        assert_eq!(*level, LogLevel::Debug);
        assert!(message.starts_with(&format!("{i} éé")), "{message:.20}");
        assert!(message.len() <= MAX_LOG_MESSAGE_BYTES && message.len() > MAX_LOG_MESSAGE_BYTES - 8);
        assert!(message.ends_with('…'));
    }
    assert_eq!(logs[MAX_LOG_MESSAGES_PER_RENDER].0, LogLevel::Warn);
    assert!(logs[MAX_LOG_MESSAGES_PER_RENDER].1.starts_with("80 more log messages"), "{:?}", logs.last());
}

/// A 1.2 C plugin: logs (a long message, invalid UTF-8, an unknown level),
/// then polls `is_canceled` every 2 ms for up to 10 s and shows what it saw.
const POLL_C: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clientele_portlet.h"
static char *dupstr(const char *s) { char *p = malloc(strlen(s) + 1); strcpy(p, s); return p; }
static int32_t manifest(char **out) {
  *out = dupstr("{\"id\":\"test.poll\",\"version\":\"1.0.0\",\"title\":{\"fr\":\"p\",\"en\":\"p\"},\"dashboards\":[\"staff\"]}");
  return CLP_OK;
}
static int32_t json(char **out) { *out = dupstr("{}"); return CLP_OK; }
static int32_t render(const char *s, const ClpHost *h, char **out) {
  char buf[512], longmsg[3000]; int polls = 0, canceled = 0;
  struct timespec nap = {0, 2000000};
  (void)s;
  if (h->struct_size < sizeof(ClpHost) || h->abi_major != CLP_ABI_MAJOR) { *out = 0; return CLP_ERR_ABI; }
  memset(longmsg, 'x', sizeof longmsg - 1); longmsg[sizeof longmsg - 1] = 0;
  h->log(h->user_data, CLP_LOG_WARN, longmsg);
  h->log(h->user_data, CLP_LOG_ERROR, "bad \xff byte");
  h->log(h->user_data, 42, "unknown level");
  h->log(h->user_data, CLP_LOG_INFO, 0);
  while (polls < 5000) {
    if (h->is_canceled(h->user_data)) { canceled = 1; break; }
    nanosleep(&nap, 0); polls++;
  }
  snprintf(buf, sizeof buf, "{\"title\":{\"fr\":\"p\",\"en\":\"p\"},\"widgets\":[{\"type\":\"counters\",\"items\":["
    "{\"label\":{\"fr\":\"canceled\",\"en\":\"canceled\"},\"value\":%d},"
    "{\"label\":{\"fr\":\"deadline\",\"en\":\"deadline\"},\"value\":%lld}]}]}", canceled, (long long)h->deadline_ms);
  *out = dupstr(buf); return CLP_OK;
}
static void release(char *s) { free(s); }
static const ClpPortletDescriptor D = { sizeof(ClpPortletDescriptor), CLP_ABI_MAJOR, CLP_ABI_MINOR, manifest, json, json, render, release };
CLP_EXPORT const ClpPortletDescriptor *clientele_portlet_descriptor(void) { return &D; }
"#;

fn counters(vm: &ViewModel) -> Vec<i64> {
    let Widget::Counters { items } = &vm.widgets[0] else { panic!("{vm:?}") };
    items.iter().map(|c| c.value).collect()
}

#[test]
fn a_c_portlet_polls_is_canceled_and_returns_early() {
    let lib = compile_c_library("poll", POLL_C, &["-Wextra"]);
    let p = load_portlet(lib).unwrap();

    // Canceled by the host's context (e.g. the dashboards closing).
    let ctx = Arc::new(FakeContext { remaining: Some(Duration::from_millis(2000)), ..FakeContext::new() });
    let canceler = cancel_later(&ctx, Duration::from_millis(100));
    let start = Instant::now();
    let vm = p.render(&json!({}), &*ctx).unwrap();
    canceler.join().unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    let [canceled, deadline] = counters(&vm)[..] else { panic!("{vm:?}") };
    assert_eq!(canceled, 1);
    assert_eq!(deadline, 2000);
    let logs = ctx.logs();
    assert_eq!(logs.len(), 3, "a NULL message is ignored: {logs:?}");
    assert_eq!(logs[0].0, LogLevel::Warn);
    assert_eq!(logs[0].1, format!("{}…", "x".repeat(MAX_LOG_MESSAGE_BYTES - '…'.len_utf8())));
    assert_eq!(logs[1], (LogLevel::Error, "bad \u{FFFD} byte".to_string()));
    assert_eq!(logs[2], (LogLevel::Info, "unknown level".to_string()));

    // No deadline given: CLP_NO_DEADLINE.
    let ctx = Arc::new(FakeContext::new());
    let canceler = cancel_later(&ctx, Duration::from_millis(20));
    let vm = p.render(&json!({}), &*ctx).unwrap();
    canceler.join().unwrap();
    assert_eq!(counters(&vm), [1, clientele_portlet_api::abi::CLP_NO_DEADLINE]);

    // Under a budget: the plugin sees the budget as its deadline and is
    // canceled when it is spent; the abandoned render returns soon after.
    let ctx = Arc::new(FakeContext::new());
    let start = Instant::now();
    let err = render_with_budget(p.clone(), json!({}), ctx.clone(), Duration::from_millis(200)).unwrap_err();
    assert_eq!(err, PortletError::Timeout { budget_ms: 200 });
    wait_until_released(&ctx, Duration::from_secs(3));
    assert!(start.elapsed() < Duration::from_secs(3), "the plugin polled for 10 s");
}

/// Older plugins keep loading: the C example compiled against the 1.1
/// header, and the same declaring ABI 1.0, load and render on this engine
/// (they read only the `ClpHost` prefix they know).
#[test]
fn plugins_built_against_abi_1_1_and_1_0_still_load_and_render() {
    const { assert!(CLP_ABI_MINOR == 2) };
    let old = scratch_dir();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/clientele_portlet_1_1.h"),
        old.join("clientele_portlet.h"),
    )
    .unwrap();
    let source = std::fs::read_to_string(workspace_root().join("examples/portlet-c/counts_c.c")).unwrap();
    let as_1_0 = source.replace("    CLP_ABI_MINOR,", "    0,");
    assert_ne!(as_1_0, source);
    for (name, source, minor) in [("c_1_1", &source, 1), ("c_1_0", &as_1_0, 0)] {
        let lib = compile_c_library_with(name, source, &["-fvisibility=hidden", "-Wextra"], &old);
        let p = clientele_portlet_api::LoadedPortlet::load(&lib).unwrap();
        assert_eq!(p.abi_version(), AbiVersion { major: 1, minor });
        let ctx = FakeContext { remaining: Some(Duration::from_secs(1)), ..FakeContext::new() };
        let vm = p.render(&settings_for(&p, json!({"label": "Dossiers"})), &ctx).unwrap();
        assert_eq!(counters(&vm), [12]);
    }
}

//! Attack review of the dashboards' front door: closed dashboards start no
//! render, and every refusal a person may read exists in the firm's
//! language.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use clientele_dashboard::{DashboardError, DashboardTarget, Dashboards, PortletLog, TileStatus};
use clientele_portlet_api::{
    DashboardKind, DataContext, Locale, Localized, LogLevel, Manifest, Portlet, PortletError, ViewModel,
};
use clientele_tests::Backend;
use common::Firm;
use serde_json::{Value, json};

/// After `Dashboards::close`, a render is refused at once (`engine_closed`),
/// on the Rust API and the JSON front door alike. Before, it went on:
/// client read, layout choice, a thread per tile, each tile failing on its
/// first request.
#[test]
fn closed_dashboards_refuse_new_renders() {
    let firm = Firm::sqlite(1);
    let d = firm.dashboards();
    d.render(firm.admin, DashboardTarget::Staff, None, Locale::Fr).expect("open dashboards render");
    d.close();
    let client = DashboardTarget::Client { client_id: firm.clients[0].id };
    for target in [DashboardTarget::Staff, DashboardTarget::Firm, client] {
        match d.render(firm.admin, target, None, Locale::Fr) {
            Err(e @ DashboardError::Closed) => assert_eq!(e.body().code, "engine_closed"),
            other => panic!("{target:?} rendered after close: {other:?}"),
        }
    }
    let e = d
        .execute_json(&json!({"actor": firm.admin, "op": "dashboard.render", "dashboard": "staff"}).to_string())
        .unwrap_err();
    assert_eq!(e.code, "engine_closed", "{e:?}");
}

/// The front door's refusals (`budget_ms` out of range, a `client_id` where
/// none belongs or missing) and the engine's refusals it passes on read in
/// the firm's language: before, a French firm got them in English.
#[test]
fn front_door_refusals_read_in_the_firms_language() {
    for (language, expect, never) in [("fr", "doit", "must"), ("en", "must", "doit")] {
        let firm = Firm::new(Backend::Sqlite, 1, |c| c.language = language.into()).unwrap();
        let d = firm.dashboards();
        let render = |extra: serde_json::Value| {
            let mut r = json!({"actor": firm.admin, "op": "dashboard.render", "dashboard": "staff"});
            for (k, v) in extra.as_object().unwrap() {
                r[k] = v.clone();
            }
            d.execute_json(&r.to_string()).unwrap_err()
        };
        for bad in [5, 60_001] {
            let e = render(json!({"budget_ms": bad}));
            assert_eq!((e.code.as_str(), e.field.as_deref()), ("bad_request", Some("budget_ms")), "{e:?}");
            assert!(e.message.contains(expect) && !e.message.contains(never), "{language}: {}", e.message);
        }
        let e = render(json!({"dashboard": "client"}));
        assert_eq!(e.field.as_deref(), Some("client_id"), "{e:?}");
        let e2 = render(json!({"client_id": firm.clients[0].id}));
        assert_eq!(e2.field.as_deref(), Some("client_id"), "{e2:?}");
        assert_ne!(e.message, e2.message);
        let e = render(json!({"dashboard": "client", "client_id": 987_654}));
        assert_eq!(e.code, "not_found", "{e:?}");
        let found = if language == "fr" { "introuvable" } else { "not found" };
        assert!(e.message.contains(found), "{language}: {}", e.message);
        if language == "fr" {
            for m in [render(json!({"dashboard": "client"})).message, render(json!({"client_id": 1})).message] {
                assert!(!m.contains(" the ") && !m.contains(" needs ") && !m.contains(" only"), "{m}");
            }
        }
        // A request that is not one, or too large, is refused in the firm's language too.
        let (invalid, large) =
            if language == "fr" { ("requête invalide", "trop grande") } else { ("invalid request", "too large") };
        let e = d.execute_json("{\"op\": \"dashboard.render\"").unwrap_err();
        assert_eq!(e.code, "bad_request");
        assert!(e.message.starts_with(invalid), "{language}: {}", e.message);
        let e = d.execute_json(&" ".repeat(clientele_core::MAX_REQUEST_BYTES + 1)).unwrap_err();
        assert!(e.message.contains(large), "{language}: {}", e.message);
        d.close();
        let e = render(json!({}));
        let closed = if language == "fr" { "fermés" } else { "closed" };
        assert!(e.message.contains(closed), "{language}: {}", e.message);
    }
}

/// Logs three messages (one with a NUL and one far over the cap), reads,
/// and answers.
struct Chatty;
impl Portlet for Chatty {
    fn manifest(&self) -> Manifest {
        Manifest {
            id: "test.chatty".into(),
            version: "1.0.0".into(),
            title: Localized::new("Bavard", "Chatty"),
            dashboards: vec![DashboardKind::Staff],
            entitlements: vec![],
            rights: vec![],
            tabular: false,
        }
    }
    fn render(&self, _: &Value, ctx: &dyn DataContext) -> Result<ViewModel, PortletError> {
        ctx.log(LogLevel::Info, "un");
        ctx.log(LogLevel::Warn, "deux\0trois");
        ctx.log(LogLevel::Error, &"x".repeat(1 << 20));
        ctx.request(&json!({"op": "client.list", "limit": 1}))?;
        Ok(ViewModel::new(Localized::same("ok")))
    }
}

/// A host's log hook that calls back into the engine and the dashboards —
/// a read, a nested render, replacing the hook itself — from the tile's
/// thread, and one that panics: the render finishes, in time, with its
/// tile rendered; nothing deadlocks or unwinds out of the render.
#[test]
fn a_log_hook_that_calls_back_in_or_panics_does_not_hang_the_render() {
    let firm = Firm::sqlite(1);
    let mut d = firm.dashboards();
    d.register(Arc::new(Chatty)).unwrap();
    let d = Arc::new(d);
    let layout = json!({"op": "dashboard.layout.save", "actor": firm.admin, "dashboard": "staff", "name": "b",
                        "layout": {"tiles": [{"portlet": "test.chatty"}]}});
    d.execute_json(&layout.to_string()).unwrap();
    let seen: Arc<Mutex<Vec<(LogLevel, usize, bool)>>> = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let weak: Weak<Dashboards> = Arc::downgrade(&d);
    let (engine, admin) = (firm.engine.clone(), firm.admin);
    let hook = {
        let (seen, calls) = (seen.clone(), calls.clone());
        Arc::new(move |r: &PortletLog| {
            seen.lock().unwrap().push((r.level, r.message.len(), r.message.contains('\0')));
            let n = calls.fetch_add(1, Ordering::SeqCst);
            engine.execute_json(&json!({"actor": admin, "op": "client.list", "limit": 1}).to_string()).unwrap();
            if let Some(d) = weak.upgrade() {
                if n == 0 {
                    // A nested render from the tile's thread (its own logs
                    // come back here: `calls` bounds the recursion).
                    let v = d.render(admin, DashboardTarget::Staff, None, Locale::En).unwrap();
                    assert_eq!(v.placement[0].1, TileStatus::Rendered);
                }
                if n == 1 {
                    d.set_log_sink(None);
                }
            }
            if n == 2 {
                panic!("the host's hook panics");
            }
        }) as clientele_dashboard::LogSink
    };
    d.set_log_sink(Some(hook));
    let start = Instant::now();
    let view = d.render(firm.admin, DashboardTarget::Staff, None, Locale::Fr).unwrap();
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
    assert_eq!(view.placement[0].1, TileStatus::Rendered, "{:?}", view.tiles[0].result);
    let seen = seen.lock().unwrap().clone();
    // Every message reached the hook once per render (the outer render
    // keeps the hook it started with), cut to the cap, NULs kept as text.
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(seen.iter().all(|(_, len, _)| *len <= clientele_portlet_api::abi::MAX_LOG_MESSAGE_BYTES), "{seen:?}");
    // The hook is gone now: a new render logs nothing.
    let before = calls.load(Ordering::SeqCst);
    d.render(firm.admin, DashboardTarget::Staff, None, Locale::Fr).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), before);
}

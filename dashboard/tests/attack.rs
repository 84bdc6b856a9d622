//! Attack review of the dashboards' front door: closed dashboards start no
//! render, and every refusal a person may read exists in the firm's
//! language.

mod common;

use clientele_dashboard::{DashboardError, DashboardTarget};
use clientele_portlet_api::Locale;
use clientele_tests::Backend;
use common::Firm;
use serde_json::json;

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
        d.close();
        let e = render(json!({}));
        let closed = if language == "fr" { "fermés" } else { "closed" };
        assert!(e.message.contains(closed), "{language}: {}", e.message);
    }
}

//! The error body as `docs/embedding.md` documents it, over the C ABI:
//! configuration refused at open with the setting named, filter errors with
//! their kind, field, expected and suggestion as fields, messages in the
//! firm's language, lone surrogates as `invalid_json`.

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use clientele::ClienteleStatus::{self, *};
use clientele::*;
use serde_json::{Value, json};

mod support;

fn take(s: *mut c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_string();
    assert_eq!(unsafe { clientele_string_free(s) }, CLIENTELE_OK);
    text
}

/// Opens with `config`; answers the engine (to close) or the status and body.
fn open(config: &Value) -> Result<*mut ClienteleEngine, (ClienteleStatus, Value)> {
    let text = CString::new(config.to_string()).unwrap();
    let (mut engine, mut error) = (ptr::null_mut(), ptr::null_mut());
    let status = unsafe { clientele_engine_open(text.as_ptr(), &mut engine, &mut error) };
    let error = take(error);
    if status == CLIENTELE_OK {
        Ok(engine)
    } else {
        assert!(engine.is_null());
        Err((status, serde_json::from_str(&error).unwrap()))
    }
}

fn execute(engine: *mut ClienteleEngine, request: &str) -> (ClienteleStatus, Value) {
    let text = CString::new(request).unwrap();
    let mut out = ptr::null_mut();
    let status = unsafe { clientele_execute(engine, text.as_ptr(), &mut out) };
    (status, serde_json::from_str(&take(out)).unwrap())
}

#[test]
fn a_refused_configuration_names_its_setting() {
    let dir = support::scratch("errors-config");
    let url = format!("sqlite:{}", dir.join("c.db").display());
    for (change, field) in [
        (json!({"entitlements": ["client-management"]}), "entitlements[0]"),
        (json!({"entitlements": ["client_management", "Client Management"]}), "entitlements[1]"),
        (json!({"entitlements": ["client_managment"]}), "entitlements[0]"),
        (json!({"pool_size": 0}), "pool_size"),
        (json!({"pool_size": 65}), "pool_size"),
        (json!({"pool_size": -1}), "pool_size"),
        (json!({"pool_size": "4"}), "pool_size"),
        (json!({"fiscal_year_start_month": 13}), "fiscal_year_start_month"),
        (json!({"fiscal_year_start_month": 0}), "fiscal_year_start_month"),
        (json!({"language": "de"}), "language"),
        (json!({"timezone": "Mars/Olympus"}), "timezone"),
        (json!({"durability": "sometimes"}), "durability"),
        (json!({"request_timeout_ms": 50}), "request_timeout_ms"),
        (json!({"pool_sise": 4}), "pool_sise"),
        (json!({"database_url": null}), "database_url"),
    ] {
        let mut config = json!({"database_url": url, "entitlements": ["client_management"]});
        for (k, v) in change.as_object().unwrap() {
            config[k] = v.clone();
        }
        let (status, body) = open(&config).map(|e| clientele_engine_close(e)).expect_err(&config.to_string());
        assert_eq!(status, CLIENTELE_CONFIG, "{config} → {body}");
        assert_eq!(body["code"], "config", "{body}");
        assert_eq!(body["field"], field, "{config} → {body}");
    }
    // A misspelt entitlement says what it should have been.
    let (_, body) = open(&json!({"database_url": url, "entitlements": ["client-management"]})).unwrap_err();
    assert!(body["message"].as_str().unwrap().contains("did you mean \"client_management\""), "{body}");
    // Other modules' entitlements pass through (portlets may need them), and
    // the limits themselves are accepted.
    for config in [
        json!({"database_url": url, "entitlements": ["client_management", "time_and_billing"], "pool_size": 64}),
        json!({"database_url": url, "pool_size": 1, "fiscal_year_start_month": 12}),
    ] {
        let engine = open(&config).unwrap_or_else(|e| panic!("{config} → {e:?}"));
        assert_eq!(clientele_engine_close(engine), CLIENTELE_OK);
    }
}

#[test]
fn the_config_schema_states_the_ranges_the_engine_checks() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(support::crate_dir().join("schema/engine_config.json")).unwrap())
            .unwrap();
    let p = &schema["properties"];
    assert_eq!((p["pool_size"]["minimum"].as_u64(), p["pool_size"]["maximum"].as_u64()), (Some(1), Some(64)));
    let month = &p["fiscal_year_start_month"];
    assert_eq!((month["minimum"].as_u64(), month["maximum"].as_u64()), (Some(1), Some(12)));
    for t in ["request_timeout_ms", "tile_timeout_ms", "import_timeout_ms"] {
        assert_eq!((p[t]["minimum"].as_u64(), p[t]["maximum"].as_u64()), (Some(100), Some(600_000)), "{t}");
    }
    assert_eq!(p["language"]["enum"], json!(["fr", "en"]));
}

#[test]
fn errors_carry_their_parts_as_fields_in_the_firm_language() {
    let dir = support::scratch("errors-body");
    let url = format!("sqlite:{}", dir.join("e.db").display());
    for (language, not_found) in [("fr", "Le client 999 est introuvable"), ("en", "client 999 not found")] {
        let engine =
            open(&json!({"database_url": url, "entitlements": ["client_management"], "language": language})).unwrap();
        let all = r#"{"view": true, "add": true, "edit": true, "delete": true}"#;
        let (status, _) = execute(
            engine,
            &format!(
                r#"{{"actor":"host","op":"staff.put","staff":{{"name":"T","initials":"T","rights":{{"clients":{all}}}}}}}"#
            ),
        );
        assert_eq!(status, CLIENTELE_OK);
        let (status, body) = execute(engine, r#"{"actor":1,"op":"client.get","id":999}"#);
        assert_eq!((status, body["message"].as_str()), (CLIENTELE_NOT_FOUND, Some(not_found)), "{body}");

        // A filter: kind, field, span, suggestion apart; the message says "filter:" once.
        let (status, body) = execute(engine, r#"{"actor":1,"op":"client.list","filter":"stauts:actif"}"#);
        assert_eq!(status, CLIENTELE_INVALID_FILTER, "{body}");
        assert_eq!(body["kind"], "unknown_field", "{body}");
        assert_eq!(body["field"], "stauts", "{body}");
        assert_eq!(body["span"], json!({"start": 0, "end": 6}), "{body}");
        assert!(body["suggestion"].as_str().is_some_and(|s| s.contains("status")), "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with("filter: ") && message.matches("filter").count() == 1, "{body}");

        // A value error: its kind, and `expected` when the language says it.
        let (status, body) = execute(engine, r#"{"actor":1,"op":"client.list","filter":"statut:"}"#);
        assert_eq!(status, CLIENTELE_INVALID_FILTER, "{body}");
        assert!(body["kind"].is_string() && body.get("field").is_none(), "{body}");
        assert!(body["expected"].is_string(), "{body}");
        assert_eq!(clientele_engine_close(engine), CLIENTELE_OK);
    }
}

#[test]
fn a_lone_surrogate_is_invalid_json() {
    let dir = support::scratch("errors-surrogate");
    let url = format!("sqlite:{}", dir.join("s.db").display());
    let engine = open(&json!({"database_url": url})).unwrap();
    for request in [
        r#"{"actor":1,"op":"client.list","search":"\ud800"}"#,
        r#"{"actor":1,"op":"client.list","search":"a\uDC00b"}"#,
        r#"{"actor":1,"op":"client.list","search":"\ud83d x"}"#,
    ] {
        let (status, body) = execute(engine, request);
        assert_eq!(
            (status, body["code"].as_str()),
            (CLIENTELE_INVALID_JSON, Some("invalid_json")),
            "{request} → {body}"
        );
        assert!(body["span"].is_object(), "{body}");
    }
    // A surrogate pair is a character, and an escaped backslash is no escape.
    for request in [
        r#"{"actor":"host","op":"staff.list","x":"\ud83d\ude00"}"#,
        r#"{"actor":"host","op":"staff.list","x":"\\ud800"}"#,
    ] {
        let (status, body) = execute(engine, request);
        assert_eq!(status, CLIENTELE_BAD_REQUEST, "{request} → {body}");
    }
    let config = CString::new(r#"{"database_url": "sqlite::memory:", "timezone": "\udfff"}"#).unwrap();
    let (mut e, mut error) = (ptr::null_mut(), ptr::null_mut());
    assert_eq!(unsafe { clientele_engine_open(config.as_ptr(), &mut e, &mut error) }, CLIENTELE_INVALID_JSON);
    take(error);
    assert_eq!(clientele_engine_close(engine), CLIENTELE_OK);
}

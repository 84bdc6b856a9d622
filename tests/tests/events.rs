//! Events on the timeline (transfer events) are stored as data and worded
//! when read, in the reader's language, on both backends: the same events
//! read by an engine configured `fr` and one configured `en` (on one
//! database) in every read that shows them (`interaction.get`,
//! `interaction.list`, `client.timeline` with and without changes,
//! `grid.query`), found by keyword search in both languages and by filter,
//! exported to CSV in the export's language; events recorded before the
//! `event` column get theirs back from their text at the next open when it
//! words back exactly, and keep their text otherwise; a host cannot write
//! an event.

use std::sync::Arc;

use clientele_core::{Engine, EngineConfig};
use clientele_tests::{Fixture, backend_tests};
use serde_json::{Value, json};

fn call(engine: &Engine, actor: i64, request: Value) -> Value {
    let mut env = request.clone();
    env["actor"] = json!(actor);
    let text = engine.execute_json(&env.to_string()).unwrap_or_else(|e| panic!("{request}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Another engine on the fixture's database, in `language`.
fn engine_in(f: &Fixture, language: &str) -> Engine {
    let mut config = EngineConfig::new(f.place.url());
    config.language = language.into();
    Engine::open_with_clock(config, Arc::new(f.clock.clone())).expect("engine opens")
}

/// A client with a linked contact, and a transfer created then canceled:
/// (client, transfer).
fn seed(f: &Fixture) -> (i64, i64) {
    let a = f.admin;
    let client =
        call(&f.engine, a, json!({"op": "client.create", "data": {"code": "EV-1", "name": "Événements inc."}}));
    let client = client["id"].as_i64().unwrap();
    let contact =
        call(&f.engine, a, json!({"op": "contact.create", "data": {"first_name": "Zoé", "last_name": "Lévesque"}}));
    let contact = contact["id"].as_i64().unwrap();
    call(&f.engine, a, json!({"op": "contact.link", "contact_id": contact, "client_id": client, "role": "primary"}));
    let t = call(
        &f.engine,
        a,
        json!({"op": "transfer.create", "data": {"direction": "requested_from_contact", "from_staff": a,
               "to_contact": contact, "client_id": client, "subject": "Feuillets T4"}}),
    );
    let id = t["id"].as_i64().unwrap();
    call(&f.engine, a, json!({"op": "transfer.transition", "id": id, "version": t["version"], "to": "canceled"}));
    (client, id)
}

const FR: [&str; 2] = [
    "Transfert « Feuillets T4 » : En attente de fichiers → Annulé",
    "Transfert « Feuillets T4 » : créé, en attente de fichiers",
];
const EN: [&str; 2] =
    ["Transfer “Feuillets T4”: Waiting for files → Canceled", "Transfer “Feuillets T4”: created, waiting for files"];

/// The subjects of a page's items (newest first), `data` under `at`.
fn subjects(page: &Value, at: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i.pointer(at)?.get("subject")?.as_str().map(str::to_string))
        .collect()
}

fn every_read_words_events_in_the_engines_language(f: &Fixture) {
    let (client, transfer) = seed(f);
    let en = engine_in(f, "en");
    for (engine, want) in [(&f.engine, FR), (&en, EN)] {
        let list = call(engine, f.admin, json!({"op": "interaction.list", "client_id": client}));
        assert_eq!(subjects(&list, "/data"), want, "{list}");
        // The event as data, the same whatever the language.
        assert_eq!(
            list["items"][0]["data"]["event"],
            json!({"type": "transfer_status", "subject": "Feuillets T4", "from": "waiting_for_files",
                   "to": "canceled", "automatic": false}),
        );
        assert_eq!(list["items"][0]["data"]["transfer_id"], json!(transfer));
        let id = list["items"][0]["id"].clone();
        let one = call(engine, f.admin, json!({"op": "interaction.get", "id": id}));
        assert_eq!(one["data"]["subject"], json!(want[0]));
        let timeline = call(engine, f.admin, json!({"op": "client.timeline", "id": client}));
        assert_eq!(subjects(&timeline, "/data"), want, "{timeline}");
        let with_changes =
            call(engine, f.admin, json!({"op": "client.timeline", "id": client, "include_changes": true}));
        assert_eq!(subjects(&with_changes, "/data"), want, "{with_changes}");
        let grid = call(
            engine,
            f.admin,
            json!({"op": "grid.query", "list": "interactions", "columns": ["subject"], "client_id": client}),
        );
        let cells: Vec<Value> = grid["rows"].as_array().unwrap().iter().map(|r| r["cells"][0].clone()).collect();
        assert_eq!(cells, want.map(|s| json!(s)), "{grid}");
    }
}

fn the_expiry_sweeps_event_says_it_was_automatic(f: &Fixture) {
    let a = f.admin;
    let (client, _) = seed(f);
    let t = call(&f.engine, a, json!({"op": "transfer.list", "client_id": client}));
    let contact = t["items"][0]["data"]["to_contact"].clone();
    call(
        &f.engine,
        a,
        json!({"op": "transfer.create", "data": {"direction": "requested_from_contact", "from_staff": a,
               "to_contact": contact, "client_id": client, "subject": "Relevé 1"}}),
    );
    f.clock.advance(chrono::Duration::days(40));
    // A list runs the sweep.
    call(&f.engine, a, json!({"op": "transfer.list"}));
    let en = engine_in(f, "en");
    for (engine, subject, body) in [
        (
            &f.engine,
            "Transfert « Relevé 1 » : En attente de fichiers → Expiré",
            "Automatique : le transfert a atteint sa date d'expiration.",
        ),
        (&en, "Transfer “Relevé 1”: Waiting for files → Expired", "Automatic: the transfer reached its expiry date."),
    ] {
        let list = call(engine, a, json!({"op": "interaction.list", "client_id": client}));
        let newest = &list["items"][0]["data"];
        assert_eq!((newest["subject"].as_str(), newest["body"].as_str()), (Some(subject), Some(body)), "{list}");
        assert_eq!(newest["event"]["automatic"], json!(true));
        assert_eq!(newest["staff_id"], Value::Null);
    }
}

fn search_finds_events_in_both_languages_and_filters_still_apply(f: &Fixture) {
    let (client, _) = seed(f);
    let en = engine_in(f, "en");
    let ids = |engine: &Engine, q: Value| -> usize {
        let mut q = q;
        q["op"] = json!("interaction.list");
        q["client_id"] = json!(client);
        call(engine, f.admin, q)["items"].as_array().unwrap().len()
    };
    for engine in [&f.engine, &en] {
        for search in ["transfert", "transfer", "créé", "created", "annulé", "canceled", "feuillets"] {
            assert!(ids(engine, json!({"search": search})) >= 1, "search {search}");
        }
        assert_eq!(ids(engine, json!({"search": "annule"})), 1);
        assert_eq!(ids(engine, json!({"search": "canceled"})), 1);
        assert_eq!(ids(engine, json!({"search": "created"})), 1);
        assert_eq!(ids(engine, json!({"filter": "kind:transfer_event"})), 2);
        assert_eq!(ids(engine, json!({"filter": "kind:transfer_event", "search": "waiting"})), 2);
        assert_eq!(ids(engine, json!({"filter": "kind:note"})), 0);
    }
}

fn csv_exports_word_events_in_the_exports_language(f: &Fixture) {
    let (client, _) = seed(f);
    let dir =
        std::env::temp_dir().join("clientele-tests").join(format!("events-{:?}-{}", f.backend, std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let en = engine_in(f, "en");
    // The export's language decides, whatever the engine's.
    for (engine, language, want) in [(&f.engine, "en", EN), (&en, "fr", FR), (&en, "en", EN), (&f.engine, "fr", FR)] {
        let path = dir.join(format!("events-{language}.csv"));
        let request = json!({"actor": f.admin, "op": "export", "format": "csv", "path": path, "language": language,
                             "request": {"op": "interaction.list", "client_id": client}});
        clientele_io::export::execute_json(engine, &request.to_string(), &clientele_core::NoProgress)
            .expect("the export op")
            .unwrap_or_else(|e| panic!("{request}: {e}"));
        let text = std::fs::read_to_string(&path).unwrap();
        for s in want {
            assert!(text.contains(s), "{language}: {s} not in {text}");
        }
        let other = if want == FR { EN } else { FR };
        assert!(!text.contains(other[0]), "{language}: {text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn events_recorded_as_text_get_their_data_back_when_it_words_back(f: &Fixture) {
    let (client, _) = seed(f);
    // As an engine of before the column left them: French text, no event,
    // and one whose text a person changed in the database.
    f.place.raw_sql(&format!(
        "UPDATE interactions SET event = NULL, search_text = 'frozen' WHERE client_id = {client};
         UPDATE interactions SET subject = 'Transfert « Feuillets T4 » : annulé par téléphone'
             WHERE client_id = {client} AND subject LIKE '%Annulé';
         DELETE FROM data_migrations WHERE name = '2026-12-05-000200_timeline_events';"
    ));
    let en = engine_in(f, "en");
    let list = call(&en, f.admin, json!({"op": "interaction.list", "client_id": client}));
    assert_eq!(
        subjects(&list, "/data"),
        ["Transfert « Feuillets T4 » : annulé par téléphone", "Transfer “Feuillets T4”: created, waiting for files"],
        "{list}"
    );
    assert_eq!(list["items"][0]["data"].get("event"), None);
    assert_eq!(list["items"][1]["data"]["event"]["type"], json!("transfer_status"));
    // Its search text was made again, in both languages.
    let found = call(&en, f.admin, json!({"op": "interaction.list", "client_id": client, "search": "created"}));
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    let found = call(&en, f.admin, json!({"op": "interaction.list", "client_id": client, "search": "frozen"}));
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "the kept one is left as it was: {found}");
}

fn a_host_cannot_write_an_event(f: &Fixture) {
    let (client, _) = seed(f);
    let request = json!({"actor": f.admin, "op": "interaction.create", "data": {"kind": "note",
        "occurred_at": "2026-11-30T10:00:00Z", "client_id": client, "subject": "Faux",
        "event": {"type": "transfer_status", "subject": "X", "to": "complete"}}});
    let e = f.engine.execute_json(&request.to_string()).unwrap_err();
    let body = e.body();
    assert_eq!((body.code.as_str(), body.field.as_deref()), ("validation", Some("event")), "{body:?}");
    assert_eq!(e.body_in("fr").message, "event : est fixé par le moteur");
}

backend_tests!(
    every_read_words_events_in_the_engines_language,
    the_expiry_sweeps_event_says_it_was_automatic,
    search_finds_events_in_both_languages_and_filters_still_apply,
    csv_exports_word_events_in_the_exports_language,
    events_recorded_as_text_get_their_data_back_when_it_words_back,
    a_host_cannot_write_an_event,
);

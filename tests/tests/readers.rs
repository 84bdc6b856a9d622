//! Reads never wait on writers. Interaction and transfer reads first expire
//! open transfers past their date (a write); while another connection
//! holds the write lock (SQLite: a writer of another process; PostgreSQL:
//! a transaction holding the transfer's row) that sweep must not make the
//! read wait, and the read must still answer the right status: a transfer
//! past its expiry is never listed as open.

use std::time::{Duration, Instant};

use clientele_core::protocol::{Actor, DataScope, Request};
use clientele_tests::{Backend, Fixture, Place, backend_tests};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};

fn call(f: &Fixture, request: Value) -> Value {
    let text = request.to_string();
    let answer = f.engine.execute_json(&text).unwrap_or_else(|e| panic!("{text}\n→ {}: {e}", e.code()));
    serde_json::from_str(&answer).unwrap()
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// A connection outside the engine that holds the lock a sweep of
/// `transfer` needs until dropped.
enum Holder {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

fn hold_write_lock(place: &Place, transfer: i64) -> Holder {
    match place {
        Place::Sqlite(p) => {
            let mut c = diesel::SqliteConnection::establish(&p.display().to_string()).unwrap();
            // What an import in another process holds: the write lock.
            c.batch_execute("BEGIN IMMEDIATE; UPDATE clients SET notes = notes WHERE id = 0;").unwrap();
            Holder::Sqlite(c)
        }
        Place::Postgres { .. } => {
            let mut c = diesel::PgConnection::establish(&place.url()).unwrap();
            c.batch_execute(&format!("BEGIN; SELECT id FROM transfers WHERE id = {transfer} FOR UPDATE;")).unwrap();
            Holder::Pg(c)
        }
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = match self {
            Holder::Sqlite(c) => c.batch_execute("ROLLBACK"),
            Holder::Pg(c) => c.batch_execute("ROLLBACK"),
        };
    }
}

/// The longest a read may take while the lock is held (the request's
/// deadline is 5 s: a read that waited for the lock would time out).
const PROMPT: Duration = Duration::from_millis(2500);

fn reads_answer_promptly_and_rightly_while_a_writer_holds_the_lock(f: &Fixture) {
    let a = f.admin;
    let client =
        id_of(&call(f, json!({"actor": a, "op": "client.create", "data": {"code": "EXP01", "name": "Expirée inc."}})));
    let contact = id_of(&call(
        f,
        json!({"actor": a, "op": "contact.create", "data": {"first_name": "Zoé", "last_name": "Lévesque"}}),
    ));
    call(f, json!({"actor": a, "op": "contact.link", "contact_id": contact, "client_id": client, "role": "primary"}));
    let transfer = |subject: &str| {
        call(
            f,
            json!({"actor": a, "op": "transfer.create", "data": {"direction": "requested_from_contact",
                "from_staff": a, "to_contact": contact, "client_id": client, "subject": subject}}),
        )
    };
    let old = transfer("Relevés 2025");
    f.clock.advance(chrono::Duration::days(20));
    let fresh = transfer("Relevés 2026");
    // 31 days after the first: it is past its expiry, the second is not;
    // nothing has read since, so the database still says "open".
    f.clock.advance(chrono::Duration::days(11));
    assert_eq!(old["data"]["status"], "waiting_for_files");
    let holder = hold_write_lock(&f.place, id_of(&old));

    let timed = |what: &str, request: Value| {
        let t = Instant::now();
        let v = call(f, request);
        assert!(t.elapsed() < PROMPT, "{:?}: {what} waited {:?} for the writer", f.backend, t.elapsed());
        v
    };
    let open = timed("open transfers", json!({"actor": a, "op": "transfer.list", "open_only": true, "count": true}));
    let ids: Vec<i64> = open["items"].as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(ids, vec![id_of(&fresh)], "{:?}: a transfer past its expiry listed as open: {open}", f.backend);
    assert_eq!(open["total"], 1);
    let all = timed("all transfers", json!({"actor": a, "op": "transfer.list"}));
    for t in all["items"].as_array().unwrap() {
        let want = if id_of(t) == id_of(&old) { "expired" } else { "waiting_for_files" };
        assert_eq!(t["data"]["status"], want, "{:?}: {t}", f.backend);
    }
    let got = timed("transfer.get", json!({"actor": a, "op": "transfer.get", "id": id_of(&old)}));
    assert_eq!(got["data"]["status"], "expired");
    assert!(!got["data"]["closed_at"].is_null());
    timed("timeline", json!({"actor": a, "op": "interaction.list", "client_id": client}));
    let grid = timed(
        "grid",
        json!({"actor": a, "op": "grid.query", "list": "transfers", "open_only": true, "columns": ["subject", "status"]}),
    );
    assert_eq!(grid["rows"].as_array().map(Vec::len), Some(1), "{grid}");
    // A client dashboard's tile reads the same way.
    let t = Instant::now();
    let req: Request = serde_json::from_value(json!({"op": "transfer.list", "open_only": true})).unwrap();
    let scoped = f.engine.execute_scoped(Actor::Staff(a), DataScope::Client { client_id: client }, req).unwrap();
    assert!(t.elapsed() < PROMPT, "{:?}: dashboard read waited {:?}", f.backend, t.elapsed());
    let scoped = serde_json::to_value(&scoped).unwrap();
    assert!(!scoped.to_string().contains("Relevés 2025"), "{:?}: {scoped}", f.backend);

    // Once the writer is gone, the next read runs the sweep for real: the
    // transfer is expired in the database (new version) and on the timeline.
    drop(holder);
    let all = call(f, json!({"actor": a, "op": "transfer.list"}));
    let swept = all["items"].as_array().unwrap().iter().find(|t| id_of(t) == id_of(&old)).unwrap().clone();
    assert_eq!(swept["data"]["status"], "expired");
    assert_eq!(swept["version"].as_i64(), old["version"].as_i64().map(|v| v + 1), "{swept}");
    let timeline = call(f, json!({"actor": a, "op": "interaction.list", "client_id": client}));
    assert!(timeline.to_string().contains("Relevés 2025"), "{timeline}");
    let events = timeline["items"].as_array().unwrap().len();
    assert!(events >= 3, "{:?}: two sends and one expiry expected on the timeline: {timeline}", f.backend);
    if f.backend == Backend::Sqlite {
        // And the sweep ran exactly once: no duplicate expiry event.
        let again = call(f, json!({"actor": a, "op": "interaction.list", "client_id": client}));
        assert_eq!(again["items"].as_array().unwrap().len(), events);
    }
}

backend_tests!(reads_answer_promptly_and_rightly_while_a_writer_holds_the_lock);

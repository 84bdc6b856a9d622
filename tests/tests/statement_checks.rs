//! The lists of one client check that client in their own statement (one
//! round trip less on PostgreSQL, see `roundtrips.rs`): a client's
//! timeline, lists and grids by `client_id`, and every list, grid and count
//! on a client's dashboard. What they answer must not change: a client the
//! actor cannot see (another office's, in the trash, or absent) answers
//! `not_found` exactly as an absent one, and nothing of it leaks, whether
//! its records exist or not. A visible client's lists answer its records
//! and their count, an empty one an empty page.

use chrono::Duration;
use clientele_core::domain::Rights;
use clientele_core::protocol::{Actor, DataScope, Request};
use clientele_tests::{Fixture, backend_tests};
use serde_json::{Value, json};

const ABSENT: i64 = 987_654;

fn call(f: &Fixture, actor: i64, request: &Value) -> clientele_core::Result<Value> {
    let mut env = request.clone();
    env["actor"] = json!(actor);
    f.engine.execute_json(&env.to_string()).map(|s| serde_json::from_str(&s).unwrap())
}

fn admin(f: &Fixture, request: Value) -> Value {
    call(f, f.admin, &request).unwrap_or_else(|e| panic!("{request}: {e}"))
}

fn client(f: &Fixture, code: &str, office: &str) -> i64 {
    admin(f, json!({"op": "client.create", "data": {"code": code, "name": format!("Client {code}"), "office": office}}))
        ["id"]
        .as_i64()
        .unwrap()
}

fn note(f: &Fixture, client: i64, subject: &str) {
    let at = (f.clock.get() - Duration::hours(2)).to_rfc3339();
    admin(
        f,
        json!({"op": "interaction.create", "data": {"kind": "note", "occurred_at": at, "client_id": client,
               "subject": subject, "staff_id": f.admin}}),
    );
}

/// The requests of one client's records, by `client_id` (or `id`).
fn by_client(id: i64) -> Vec<Value> {
    vec![
        json!({"op": "client.timeline", "id": id}),
        json!({"op": "client.timeline", "id": id, "count": true}),
        json!({"op": "interaction.list", "client_id": id, "count": true}),
        json!({"op": "transfer.list", "client_id": id}),
        json!({"op": "grid.query", "list": "contacts", "client_id": id}),
        json!({"op": "grid.query", "list": "interactions", "client_id": id, "count": true, "count_limit": 999}),
        json!({"op": "grid.query", "list": "clients", "client_id": id}),
        json!({"op": "list.count_by", "list": "interactions", "by": ["kind"], "client_id": id}),
    ]
}

/// What a client dashboard's tiles ask.
fn tiles(id: i64) -> Vec<Value> {
    vec![
        json!({"op": "client.timeline", "id": id}),
        json!({"op": "interaction.list", "count": true}),
        json!({"op": "transfer.list", "open_only": true}),
        json!({"op": "contact.list"}),
        json!({"op": "client.list"}),
        json!({"op": "grid.query", "list": "interactions", "count": true, "count_limit": 999}),
        json!({"op": "list.count_by", "list": "interactions", "by": ["kind"]}),
        json!({"op": "client.last_interaction"}),
    ]
}

fn scoped(f: &Fixture, actor: i64, client: i64, request: &Value) -> clientele_core::Result<Value> {
    let req: Request = serde_json::from_value(request.clone()).unwrap();
    f.engine
        .execute_scoped(Actor::Staff(actor), DataScope::Client { client_id: client }, req)
        .map(|r| serde_json::to_value(r).unwrap())
}

/// The absent client's id in an error's text, replaced by the hidden one's.
fn as_absent(e: &clientele_core::Error, hidden: i64) -> String {
    e.to_string().replace(&hidden.to_string(), &ABSENT.to_string())
}

fn unseen_clients_answer_as_absent_ones(f: &Fixture) {
    let mtl = client(f, "MTL-1", "Montréal");
    let qc = client(f, "QC-1", "Québec");
    let empty_qc = client(f, "QC-2", "Québec");
    let trashed = client(f, "MTL-2", "Montréal");
    note(f, mtl, "Rencontre");
    note(f, qc, "Zorglub secret");
    note(f, trashed, "Zorglub jeté");
    let v = admin(f, json!({"op": "client.get", "id": trashed}))["version"].as_i64().unwrap();
    admin(f, json!({"op": "client.delete", "id": trashed, "version": v}));
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let staff = f.staff("Mélanie Tremblay", rights);

    for hidden in [qc, empty_qc, trashed] {
        for (request, absent) in by_client(hidden).into_iter().zip(by_client(ABSENT)) {
            let h = call(f, staff, &request).expect_err(&request.to_string());
            let a = call(f, staff, &absent).expect_err(&absent.to_string());
            assert_eq!(h.code(), "not_found", "{request}: {h}");
            assert_eq!(as_absent(&h, hidden), a.to_string(), "{request}");
            assert!(!h.to_string().contains("Zorglub"), "{request}: {h}");
        }
        for (request, absent) in tiles(hidden).into_iter().zip(tiles(ABSENT)) {
            let h = scoped(f, staff, hidden, &request).expect_err(&request.to_string());
            let a = scoped(f, staff, ABSENT, &absent).expect_err(&absent.to_string());
            assert_eq!(h.code(), "not_found", "tile {request}: {h}");
            assert_eq!(as_absent(&h, hidden), a.to_string(), "tile {request}");
            // A drill-down is checked as the tile runs.
            let req: Request = serde_json::from_value(request.clone()).unwrap();
            let checked = f.engine.check_scoped(Actor::Staff(staff), DataScope::Client { client_id: hidden }, &req);
            assert_eq!(checked.map_err(|e| e.code()), Err("not_found"), "check of {request}");
        }
    }
    // The client the staff member sees: its records, counted.
    let page = call(f, staff, &json!({"op": "client.timeline", "id": mtl, "count": true})).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["total"], json!(1), "{page}");
    let grid =
        scoped(f, staff, mtl, &json!({"op": "grid.query", "list": "interactions", "count": true, "count_limit": 999}))
            .unwrap();
    assert_eq!(grid["rows"].as_array().unwrap().len(), 1, "{grid}");
    assert_eq!(grid["total"], json!(1), "{grid}");
    // Nothing to list is an empty page, counted 0, not an error.
    let none = scoped(f, staff, mtl, &json!({"op": "transfer.list", "open_only": true, "count": true})).unwrap();
    assert_eq!((none["items"].as_array().unwrap().len(), &none["total"]), (0, &json!(0)), "{none}");
    let none =
        call(f, staff, &json!({"op": "interaction.list", "client_id": mtl, "filter": "type:appel", "count": true}))
            .unwrap();
    assert_eq!((none["items"].as_array().unwrap().len(), &none["total"]), (0, &json!(0)), "{none}");
}

/// A page's count is the list's count whatever page is read, the last page
/// included.
fn counts_come_with_every_page(f: &Fixture) {
    let c = client(f, "CNT-1", "Montréal");
    for i in 0..7 {
        note(f, c, &format!("Note {i}"));
    }
    let mut cursor: Option<String> = None;
    let mut seen = 0;
    loop {
        let mut req = json!({"op": "client.timeline", "id": c, "count": true, "limit": 3});
        if let Some(k) = &cursor {
            req["cursor"] = json!(k);
        }
        let page = admin(f, req);
        seen += page["items"].as_array().unwrap().len();
        assert_eq!(page["total"], json!(7), "{page}");
        match page["next_cursor"].as_str() {
            Some(k) => cursor = Some(k.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, 7);
}

/// A dashboard's drill-downs are checked in one batch
/// (`Engine::check_scoped_all`): every answer is the one `check_scoped`
/// gives the same request alone, for every scope client (seen, another
/// office's, empty, in the trash, absent) and every kind of request (the
/// client's own, another client's, a record of either, a write, a
/// firm-wide list), for a staff member limited to one office and for the
/// administrator.
fn batched_checks_answer_as_single_ones(f: &Fixture) {
    let mtl = client(f, "MTL-1", "Montréal");
    let other_mtl = client(f, "MTL-3", "Montréal");
    let qc = client(f, "QC-1", "Québec");
    let empty_qc = client(f, "QC-2", "Québec");
    let trashed = client(f, "MTL-2", "Montréal");
    note(f, mtl, "Rencontre");
    note(f, other_mtl, "Autre");
    note(f, qc, "Zorglub secret");
    let of = |c: i64| admin(f, json!({"op": "interaction.list", "client_id": c}))["items"][0]["id"].as_i64().unwrap();
    let (i_mtl, i_other, i_qc) = (of(mtl), of(other_mtl), of(qc));
    let v = admin(f, json!({"op": "client.get", "id": trashed}))["version"].as_i64().unwrap();
    admin(f, json!({"op": "client.delete", "id": trashed, "version": v}));
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let staff = f.staff("Mélanie Tremblay", rights);
    for actor in [staff, f.admin] {
        for scope in [mtl, qc, empty_qc, trashed, ABSENT] {
            let mut requests: Vec<Value> = tiles(scope);
            for c in [scope, mtl, other_mtl, qc] {
                requests.extend(by_client(c));
                requests.push(json!({"op": "client.get", "id": c}));
                requests.push(json!({"op": "client.contacts", "id": c}));
            }
            for i in [i_mtl, i_other, i_qc, ABSENT] {
                requests.push(json!({"op": "interaction.get", "id": i}));
            }
            requests.push(json!({"op": "client.delete", "id": scope, "version": 1}));
            requests.push(json!({"op": "transfer.list", "client_id": scope, "open_only": true}));
            let parsed: Vec<Request> = requests.iter().map(|r| serde_json::from_value(r.clone()).unwrap()).collect();
            let scope_of = DataScope::Client { client_id: scope };
            let batch = f.engine.check_scoped_all(Actor::Staff(actor), scope_of, &parsed);
            assert_eq!(batch.len(), parsed.len());
            for ((request, one), r) in parsed.iter().zip(&batch).zip(&requests) {
                let alone = f.engine.check_scoped(Actor::Staff(actor), scope_of, request);
                assert_eq!(one, &alone, "actor {actor}, client {scope}: {r}");
            }
            // A staff dashboard: no client to check, each request's own records.
            let firm = f.engine.check_scoped_all(Actor::Staff(actor), DataScope::Staff, &parsed);
            for ((request, one), r) in parsed.iter().zip(&firm).zip(&requests) {
                let alone = f.engine.check_scoped(Actor::Staff(actor), DataScope::Staff, request);
                assert_eq!(one, &alone, "actor {actor}, staff dashboard: {r}");
            }
        }
    }
    // Seen by the office-limited staff member on their client's
    // dashboard: the client's own reads pass, another office's are refused.
    let parsed: Vec<Request> =
        [json!({"op": "client.timeline", "id": mtl}), json!({"op": "interaction.get", "id": i_qc})]
            .into_iter()
            .map(|r| serde_json::from_value(r).unwrap())
            .collect();
    let batch = f.engine.check_scoped_all(Actor::Staff(staff), DataScope::Client { client_id: mtl }, &parsed);
    assert!(batch[0].is_ok(), "{batch:?}");
    assert!(batch[1].is_err(), "{batch:?}");
}

backend_tests!(unseen_clients_answer_as_absent_ones, counts_come_with_every_page, batched_checks_answer_as_single_ones);

//! One record's requests run statements their connection has prepared
//! before: once warm, a get or a create prepares nothing afresh. On SQLite
//! diesel never caches a statement with an `IN (…)` list (PostgreSQL's
//! `= ANY($1)` is cached), nor any `sql_query`, so a record's attached rows
//! read by `id IN (?)` were prepared at every call (0.075 ms of a 0.7 ms
//! `client.create`), and on PostgreSQL a create's duplicate keys went by
//! `COPY` and its parent's lock by `sql_query`.
//!
//! Not covered: updates. diesel marks every `UPDATE` unsafe to cache, and a
//! wrapper cannot lift the mark (diesel executes through `&T`, whose
//! `QueryFragment` does not forward the override), so a record's `UPDATE`
//! is still prepared at each call.
//!
//! Every statement is watched through diesel's instrumentation (and the
//! SQLite list pages the engine reads outside diesel, through
//! `clientele_tests::watch_statements`), on the thread that runs it: a statement is prepared for the cache when diesel
//! says `CacheQuery`; one started whose text was never cached was prepared
//! for that call alone. On the watched run, either counts (a `CacheQuery`
//! then means the statement was new to its connection). Transaction control (`BEGIN`, `COMMIT`, …) and
//! session settings run as simple statements and are not counted.
//!
//! Each request runs three times first, then is watched on its fourth,
//! as an all-rights staff member and as one limited to an office.

use std::cell::RefCell;
use std::collections::HashSet;

use clientele_core::domain::Rights;
use clientele_tests::{Backend, Fixture, Watched};

use serde_json::{Value, json};

#[derive(Default)]
struct Seen {
    /// Texts prepared for the cache before the watched run.
    cached: HashSet<String>,
    watching: bool,
    /// Statements the watched run started (transaction control aside).
    started: usize,
    /// Statements the watched run prepared: started with a text never
    /// cached (diesel would not cache it), or cached during the run (a
    /// statement new to its connection).
    fresh: Vec<String>,
}

thread_local! {
    static SEEN: RefCell<Seen> = RefCell::new(Seen::default());
}

fn on_event(e: Watched<'_>) {
    match e {
        Watched::Cached(sql) => SEEN.with(|s| {
            let mut s = s.borrow_mut();
            if s.watching {
                let sql = format!("{sql} (prepared for the cache during the run)");
                s.fresh.push(sql);
            } else {
                s.cached.insert(sql.to_string());
            }
        }),
        Watched::Started(sql) => SEEN.with(|s| {
            let mut s = s.borrow_mut();
            // diesel's debug text ends with the binds: keep the statement.
            let sql = sql.split(" -- binds:").next().unwrap_or_default().to_string();
            if s.watching && !control(&sql) {
                s.started += 1;
                if !s.cached.contains(&sql) {
                    s.fresh.push(sql);
                }
            }
        }),
    }
}

/// Transaction control and session settings: simple statements, which
/// SQLite and PostgreSQL run without a prepared plan to keep.
fn control(sql: &str) -> bool {
    let head: String = sql.trim_start().chars().take_while(char::is_ascii_alphabetic).collect();
    let head = head.to_ascii_uppercase();
    ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "RESET"].contains(&head.as_str())
}

fn watch() {
    clientele_tests::watch_statements(on_event);
}

fn call(f: &Fixture, actor: i64, request: &Value) -> Value {
    let mut env = request.clone();
    env["actor"] = json!(actor);
    let out = f.engine.execute_json(&env.to_string()).unwrap_or_else(|e| panic!("{request}: {e}"));
    serde_json::from_str(&out).unwrap()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The statements `request` prepared afresh on its fourth run.
fn fresh_on_fourth_run(f: &Fixture, actor: i64, request: &dyn Fn(usize) -> Value) -> Vec<String> {
    for round in 0..3 {
        call(f, actor, &request(round));
    }
    let fourth = request(3);
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        s.fresh.clear();
        s.started = 0;
        s.watching = true;
    });
    call(f, actor, &fourth);
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        s.watching = false;
        assert!(s.started > 0, "{fourth}: no statement watched (is the instrumentation attached?)");
        std::mem::take(&mut s.fresh)
    })
}

/// A request of round `n` (creates make a new record each round).
type Request<'a> = Box<dyn Fn(usize) -> Value + 'a>;

fn one_records_requests_prepare_nothing_afresh(backend: Backend) {
    watch();
    let Some(f) = Fixture::new(backend) else { return };
    let mut limited = Rights::all();
    limited.offices = Some(vec!["Montréal".into()]);
    let mtl = f.staff("Mélanie Tremblay", limited);
    let mut host =
        json!({"op": "tag.put", "tag": {"code": "vip", "name_fr": "VIP", "name_en": "VIP", "colour": "#00796B"}});
    host["actor"] = json!("host");
    f.engine.execute_json(&host.to_string()).expect("tag.put");
    let client = id(&call(
        &f,
        f.admin,
        &json!({"op": "client.create", "data": {"code": "DAM-01", "name": "Hélène D'Amours", "office": "Montréal",
                "phones": [{"kind": "business", "number": "514 555-0101"}], "tags": ["vip"],
                "assignments": [{"role": "partner", "staff_id": f.admin}]}}),
    ));
    let contact = id(&call(
        &f,
        f.admin,
        &json!({"op": "contact.create", "data": {"first_name": "Jean-François", "last_name": "Côté"}}),
    ));
    call(&f, f.admin, &json!({"op": "contact.link", "contact_id": contact, "client_id": client, "role": "billing"}));
    let at = f.clock.get().to_rfc3339();
    let interaction = id(&call(
        &f,
        f.admin,
        &json!({"op": "interaction.create", "data": {"kind": "note", "occurred_at": at, "client_id": client,
                "subject": "Relance T4", "staff_id": f.admin}}),
    ));

    let mut failures = Vec::new();
    for (who, actor) in [("all offices", f.admin), ("Montréal only", mtl)] {
        let cases: Vec<(&str, Request)> = vec![
            ("client.get", Box::new(|_| json!({"op": "client.get", "id": client}))),
            ("contact.get", Box::new(|_| json!({"op": "contact.get", "id": contact}))),
            ("interaction.get", Box::new(|_| json!({"op": "interaction.get", "id": interaction}))),
            ("client.contacts", Box::new(|_| json!({"op": "client.contacts", "id": client}))),
            ("contact.clients", Box::new(|_| json!({"op": "contact.clients", "id": contact}))),
            (
                "client.create",
                Box::new(move |n| {
                    json!({"op": "client.create", "data": {"code": format!("N-{actor}-{n}"),
                           "name": format!("Zoé Lévesque {n}"), "office": "Montréal"}})
                }),
            ),
            (
                "interaction.create",
                Box::new(|n| {
                    json!({"op": "interaction.create", "data": {"kind": "note", "occurred_at": at,
                           "client_id": client, "subject": format!("Suivi {n}"), "staff_id": f.admin}})
                }),
            ),
            (
                "contact.create",
                Box::new(move |n| {
                    json!({"op": "contact.create", "data": {"first_name": "Zoé", "last_name": format!("Côté-{actor}-{n}"),
                           "emails": [{"kind": "work", "address": format!("zoe{actor}x{n}@exemple.ca")}]}})
                }),
            ),
        ];
        for (name, request) in cases {
            let fresh = fresh_on_fourth_run(&f, actor, &*request);
            if !fresh.is_empty() {
                failures.push(format!("{name} ({who}) prepared afresh:\n  {}", fresh.join("\n  ")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sqlite_one_records_requests_prepare_nothing_afresh() {
    one_records_requests_prepare_nothing_afresh(Backend::Sqlite);
}

#[test]
fn postgres_one_records_requests_prepare_nothing_afresh() {
    one_records_requests_prepare_nothing_afresh(Backend::Postgres);
}

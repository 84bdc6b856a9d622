//! On SQLite a pooled connection keeps the actors it read (`store::actor`:
//! a staff member's rights, the firm's custom fields, roles and tags, the
//! member's chosen columns) across commits that change none of it: a
//! request after a `client.create`, or after another connection wrote a
//! client, checks the actor generation (one row) and reads no actor. A
//! change to what an actor holds, through the engine or by hand, moves the
//! generation: the next request reads the actor again, once. (That the
//! request then *sees* the change is `freshness.rs`, on both backends;
//! PostgreSQL keeps its actors by the same generation, `roundtrips.rs`.)
//!
//! Statements are watched through diesel's instrumentation on the thread
//! that runs them (`clientele_tests::watch_statements`), on an engine of
//! one pooled connection, so every request runs where the last one did.

use std::cell::RefCell;

use clientele_core::domain::{ClientData, Rights};
use clientele_core::protocol::{Actor, ListQuery, Request as R, Response as S};
use clientele_tests::{Backend, Fixture, Watched, staff};

thread_local! {
    /// The statements started while watching (`None`: not watching).
    static SEEN: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

fn on_event(e: Watched<'_>) {
    if let Watched::Started(sql) = e {
        SEEN.with(|s| {
            if let Some(seen) = s.borrow_mut().as_mut() {
                seen.push(sql.split(" -- binds:").next().unwrap_or_default().to_string());
            }
        });
    }
}

/// What one request of `f` did about its actor: (actor statements,
/// generation checks).
fn actor_reads(f: &impl Fn()) -> (usize, usize) {
    SEEN.with(|s| *s.borrow_mut() = Some(Vec::new()));
    f();
    let seen = SEEN.with(|s| s.borrow_mut().take()).unwrap();
    assert!(!seen.is_empty(), "no statement watched (is the instrumentation attached?)");
    let actor = seen.iter().filter(|s| s.contains("FROM staff s WHERE s.id")).count();
    let check = seen.iter().filter(|s| s.trim_start().starts_with("SELECT n FROM actor_generation")).count();
    (actor, check)
}

fn create(f: &Fixture, who: i64, code: &str) {
    let data = ClientData::new(code.to_string(), format!("Client {code}"));
    f.run(who, R::ClientCreate { data }).unwrap();
}

#[test]
fn sqlite_actors_are_read_again_only_when_what_they_hold_changed() {
    clientele_tests::watch_statements(on_event);
    let f = Fixture::with_config(Backend::Sqlite, |c| c.pool_size = 1).expect("SQLite is always there");
    let marc = f.staff("Marc", Rights::all());
    let list = || {
        match f.run(marc, R::ClientList { query: ListQuery::default() }).unwrap() {
            S::Clients(_) => {}
            other => panic!("{other:?}"),
        };
    };
    list();
    assert_eq!(actor_reads(&list), (0, 0), "nothing committed: the pragma alone");

    create(&f, marc, "A-1");
    assert_eq!(actor_reads(&list), (0, 1), "after this connection's client.create: the generation, no actor");
    assert_eq!(actor_reads(&list), (0, 0), "and then nothing");

    f.place.raw_sql("UPDATE clients SET notes = 'vu' WHERE code = 'A-1'");
    assert_eq!(actor_reads(&list), (0, 1), "after another connection's write to a client");

    // The engine's own change to the actor, then each table read with it
    // changed by hand from another connection.
    let version = match f.engine.execute(Actor::HOST, R::StaffGet { id: marc }).unwrap() {
        S::Staff(s) => s.version,
        other => panic!("{other:?}"),
    };
    f.engine
        .execute(
            Actor::HOST,
            R::StaffPut { id: Some(marc), version: Some(version), staff: staff("Marc B.", "MB", Rights::all()) },
        )
        .unwrap();
    assert_eq!(actor_reads(&list), (1, 1), "after staff.put: read again");
    assert_eq!(actor_reads(&list), (0, 0), "once");
    let by_hand = [
        format!("UPDATE staff SET name = 'Marc Bé' WHERE id = {marc}"),
        "INSERT INTO custom_fields (kind, key, label_fr, label_en, field_type, choices, required) \
         VALUES ('client', 'dossier', 'Dossier', 'File', 'text', '[]', 0)"
            .to_string(),
        format!("INSERT INTO chosen_columns (staff_id, list, columns) VALUES ({marc}, 'clients', '[\"code\"]')"),
        "INSERT INTO staff_roles (code, label_fr, label_en, builtin, position) \
         VALUES ('auditor', 'Auditeur', 'Auditor', 0, 99)"
            .to_string(),
        "INSERT INTO tags (code, name_fr, name_en, colour) VALUES ('ext', 'Externe', 'External', '#000000')"
            .to_string(),
        "DELETE FROM tags WHERE code = 'ext'".to_string(),
    ];
    for sql in by_hand {
        f.place.raw_sql(&sql);
        assert_eq!(actor_reads(&list), (1, 1), "after {sql}");
        create(&f, marc, &format!("B-{}", sql.len()));
        assert_eq!(actor_reads(&list), (0, 1), "and not after a client.create that follows it");
    }
}

/// A read-only request reads its actor and its answer in one read
/// transaction on one connection (`store::parked`): one `BEGIN`, before
/// the actor's `PRAGMA data_version`, and one `COMMIT`, after the page.
/// A write still reads its actor on its own, then writes in a transaction
/// of its own.
#[test]
fn sqlite_a_read_only_request_is_one_transaction() {
    clientele_tests::watch_statements(on_event);
    let f = Fixture::with_config(Backend::Sqlite, |c| c.pool_size = 2).expect("SQLite is always there");
    let marc = f.staff("Marc", Rights::all());
    create(&f, marc, "A-1");
    // Each request watched the second time: the first of the engine also
    // looks for expired transfers (`SELECT min(expires_at)`, on its own),
    // which it then does again only when one is due or a minute later.
    let watched = |request: R| -> Vec<String> {
        f.run(marc, request.clone()).unwrap_or_else(|e| panic!("{request:?}: {e}"));
        SEEN.with(|s| *s.borrow_mut() = Some(Vec::new()));
        f.run(marc, request.clone()).unwrap_or_else(|e| panic!("{request:?}: {e}"));
        SEEN.with(|s| s.borrow_mut().take()).unwrap()
    };
    let at = |seen: &[String], what: &dyn Fn(&str) -> bool| seen.iter().position(|s| what(s.trim()));
    let is_begin = |s: &str| s.ends_with("BEGIN");
    let is_pragma = |s: &str| s.starts_with("PRAGMA data_version");
    let is_commit = |s: &str| s == "COMMIT";
    let q = ListQuery::default;
    for request in [
        R::ClientList { query: q() },
        R::ContactList { query: q() },
        R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query: q() },
        R::ClientGet { id: 1 },
    ] {
        let seen = watched(request.clone());
        let begins = seen.iter().filter(|s| is_begin(s.trim())).count();
        assert_eq!(begins, 1, "{request:?}: {seen:#?}");
        let (begin, pragma, commit) = (at(&seen, &is_begin), at(&seen, &is_pragma), at(&seen, &is_commit));
        assert!(begin < pragma && pragma.is_some(), "{request:?}: the actor outside the transaction: {seen:#?}");
        assert_eq!(commit, Some(seen.len() - 1), "{request:?}: {seen:#?}");
    }
    // A write: the actor's pragma on its own, then `BEGIN IMMEDIATE`.
    SEEN.with(|s| *s.borrow_mut() = Some(Vec::new()));
    create(&f, marc, "A-2");
    let seen = SEEN.with(|s| s.borrow_mut().take()).unwrap();
    let (pragma, begin) = (at(&seen, &is_pragma), at(&seen, &|s: &str| s.ends_with("BEGIN IMMEDIATE")));
    assert!(pragma.is_some() && pragma < begin, "{seen:#?}");
    assert!(!seen.iter().any(|s| is_begin(s.trim())), "a write began a read transaction: {seen:#?}");
}

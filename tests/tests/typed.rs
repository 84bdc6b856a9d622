//! The typed Rust API (`Engine::run` with `clientele_core::op`), on SQLite
//! and PostgreSQL: each op answers its own type, the request it sends is the
//! protocol's, errors stay typed, and an empty list read back from JSON is
//! the op's own type (through the untagged `Response` it would read as a
//! staff list).

use clientele_core::domain::*;
use clientele_core::protocol::{Actor, ListQuery, Response};
use clientele_core::{Error, Operation, op};
use clientele_tests::{Fixture, backend_tests};

fn typed_calls_answer_their_own_types(f: &Fixture) {
    let me = Actor::Staff(f.admin);
    let created = f.engine.run(me, op::ClientCreate { data: ClientData::new("DAMH01", "D'Amours, Hélène") }).unwrap();
    assert_eq!(created.data.name, "D'Amours, Hélène");
    let got = f.engine.run(me, op::ClientGet { id: created.id }).unwrap();
    assert_eq!((got.id, got.version), (created.id, created.version));

    let patch: ClientPatch =
        serde_json::from_value(serde_json::json!({"name": "D'Amours, Hélène (succession)"})).unwrap();
    let updated =
        f.engine.run(me, op::ClientUpdate { id: created.id, version: created.version, data: patch.clone() }).unwrap();
    assert_eq!(updated.data.name, "D'Amours, Hélène (succession)");
    assert!(updated.version > created.version);
    // A stale version is the typed conflict, naming the current version.
    match f.engine.run(me, op::ClientUpdate { id: created.id, version: created.version, data: patch }) {
        Err(Error::Conflict { current, .. }) => assert_eq!(current, updated.version),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // What the actor cannot see answers as what does not exist.
    assert!(matches!(f.engine.run(me, op::ClientGet { id: 999_999 }), Err(Error::NotFound { .. })));

    let page = f.engine.run(me, op::ClientList { query: ListQuery { count: true, ..Default::default() } }).unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(page.items[0].id, created.id);

    // Empty lists, typed: no contacts yet, nothing in the trash.
    let contacts: Vec<ClientContact> = f.engine.run(me, op::ClientContacts { id: created.id }).unwrap();
    assert!(contacts.is_empty());
    let trash: Vec<clientele_core::protocol::TrashEntry> = f.engine.run(me, op::TrashList {}).unwrap();
    assert!(trash.is_empty());

    // The same ops through the JSON front door: the request is the
    // protocol's, and `[]` reads back as the op's own type.
    let json = f.engine.execute_json(&op::ClientContacts { id: created.id }.to_json(me)).unwrap();
    assert_eq!(json, "[]");
    assert!(op::ClientContacts::parse_answer(&json).unwrap().is_empty());
    assert!(
        matches!(serde_json::from_str::<Response>(&json).unwrap(), Response::StaffList(_)),
        "the untagged Response reads [] as a staff list: the typed path is the one to use"
    );
    let json = f.engine.execute_json(&op::ClientGet { id: created.id }.to_json(me)).unwrap();
    let read = op::ClientGet::parse_answer(&json).unwrap();
    assert_eq!(read.id, created.id);
    assert_eq!(read.data.name, "D'Amours, Hélène (succession)");

    // The host's own ops, typed too.
    let roles = f.engine.run(Actor::HOST, op::StaffRoleList {}).unwrap();
    assert!(roles.iter().any(|r| r.code == "partner"), "{roles:?}");
    let deleted = f.engine.run(me, op::ClientDelete { id: created.id, version: updated.version }).unwrap();
    let trash = f.engine.run(me, op::TrashList {}).unwrap();
    assert_eq!(trash.len(), 1, "{deleted:?}");
}

backend_tests!(typed_calls_answer_their_own_types);

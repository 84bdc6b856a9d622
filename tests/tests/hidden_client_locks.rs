//! A write that attaches a record to a client (`interaction.create`,
//! `transfer.create`) holds the client `FOR SHARE` on PostgreSQL, in the
//! statement that checks it visible (`visibility::client_held`; an
//! interaction of a client alone, in its insert's own statement,
//! `visibility::client_hold`). A client
//! the actor cannot see (another office) is neither locked nor waited
//! for: were it, a request naming it would wait on that client's writers
//! (and answer `timeout`), where an absent id answers `not_found` at once
//! — its time would tell that the client exists.
//!
//! PostgreSQL only: SQLite serialises writers, and takes no row locks.

use std::sync::Arc;

use clientele_core::domain::{ClientData, InteractionData, Rights};
use clientele_core::protocol::{Actor, Request as R, Response as S};
use clientele_core::{Engine, EngineConfig};
use clientele_tests::{Backend, Fixture};
use diesel::Connection;
use diesel::connection::SimpleConnection;

#[test]
fn a_client_of_another_office_is_not_waited_for() {
    let Some(f) = Fixture::new(Backend::Postgres) else { return };
    let mut data = ClientData::new("QC-1", "Côté, Hélène");
    data.office = Some("Québec".into());
    let hidden = match f.run(f.admin, R::ClientCreate { data }).unwrap() {
        S::Client(c) => c.id,
        other => panic!("{other:?}"),
    };
    let mut data = ClientData::new("MTL-1", "D'Amours, Jean-François");
    data.office = Some("Montréal".into());
    let seen = match f.run(f.admin, R::ClientCreate { data }).unwrap() {
        S::Client(c) => c.id,
        other => panic!("{other:?}"),
    };
    let marc = f.staff("Marc Lévesque", Rights { offices: Some(vec!["Montréal".into()]), ..Rights::all() });
    // A short request budget: a wait on the lock below would end in
    // `timeout` rather than hang the test.
    let mut config = EngineConfig::new(f.place.url());
    config.request_timeout_ms = 3_000;
    let engine = Engine::open_with_clock(config, Arc::new(f.clock.clone())).unwrap();
    let note = |client| {
        let mut d = InteractionData::note(clientele_tests::epoch(), "Relance T4");
        d.client_id = Some(client);
        d.staff_id = Some(marc);
        R::InteractionCreate { data: d }
    };
    // Another session writes both clients and keeps its transaction open.
    let mut other = diesel::PgConnection::establish(&f.place.url()).unwrap();
    other
        .batch_execute(&format!("BEGIN; UPDATE clients SET notes = 'en cours' WHERE id IN ({hidden}, {seen})"))
        .unwrap();
    let answer = engine.execute(Actor::Staff(marc), note(hidden));
    match &answer {
        Err(e) => assert_eq!(e.code(), "not_found", "{e:?}"),
        Ok(r) => panic!("a client of another office took an interaction: {r:?}"),
    }
    // The client the actor sees is held: its create waits for the writer
    // (here past its budget).
    let waited = engine.execute(Actor::Staff(marc), note(seen));
    match &waited {
        Err(e) => assert_eq!(e.code(), "timeout", "{e:?}"),
        Ok(r) => panic!("the create did not wait for the client's writer: {r:?}"),
    }
    other.batch_execute("ROLLBACK").unwrap();
    // Once the writer is gone, the visible client takes it; the hidden one
    // still answers as an absent one does.
    assert!(matches!(engine.execute(Actor::Staff(marc), note(seen)), Ok(S::Interaction(_))));
    let absent = engine.execute(Actor::Staff(marc), note(hidden + seen + 1000)).unwrap_err();
    let hidden_now = engine.execute(Actor::Staff(marc), note(hidden)).unwrap_err();
    assert_eq!((absent.code(), hidden_now.code()), ("not_found", "not_found"));
}

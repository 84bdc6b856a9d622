//! Errors keep what caused them (issue 14): a storage failure's
//! `std::error::Error::source()` chain reaches the diesel, pool or I/O error
//! behind it, on SQLite and PostgreSQL, while the error body that crosses
//! the C ABI (code, message) stays what it was.

use std::error::Error as _;

use clientele_core::protocol::Actor;
use clientele_core::{Engine, EngineConfig, Error, op};
use clientele_tests::{Backend, Fixture, backend_tests, place};

/// The errors of `e`'s `source()` chain, `e` excluded.
fn chain(e: &Error) -> Vec<&(dyn std::error::Error + 'static)> {
    let mut out = Vec::new();
    let mut next = e.source();
    while let Some(s) = next {
        out.push(s);
        next = s.source();
    }
    out
}

/// The first error of the chain that is an `E`.
fn find<E: std::error::Error + 'static>(e: &Error) -> Option<&E> {
    chain(e).into_iter().find_map(|s| s.downcast_ref::<E>())
}

/// A table gone under the engine: the request fails in the database, and
/// the storage error's source is diesel's own error for it.
fn a_failing_statement_keeps_the_database_error(f: &Fixture) {
    let me = Actor::Staff(f.admin);
    f.engine.run(me, op::TagList {}).unwrap();
    f.place.raw_sql("ALTER TABLE tags RENAME TO tags_gone");
    let e = f.engine.run(me, op::TagList {}).unwrap_err();
    let Error::Storage { message, .. } = &e else { panic!("expected a storage error, got {e:?}") };
    let diesel = find::<diesel::result::Error>(&e).unwrap_or_else(|| panic!("no diesel error in {:?}", chain(&e)));
    assert!(
        matches!(diesel, diesel::result::Error::DatabaseError(..)),
        "the database refused the statement: {diesel:?}"
    );
    // The message crossing the ABI is the same as before sources were kept.
    assert_eq!(*message, diesel.to_string());
    let body = e.body();
    assert_eq!((body.code.as_str(), body.message), ("storage", format!("storage: {diesel}")));
    assert!(!serde_json::to_string(&e.body()).unwrap().contains("source"));
    // Errors stay comparable and clonable, the clone keeping its source.
    let copy = e.clone();
    assert_eq!(copy, e);
    assert!(find::<diesel::result::Error>(&copy).is_some());
}

backend_tests!(a_failing_statement_keeps_the_database_error);

/// A file that is not a database: opening it fails, and the error's source
/// is the pool's connection error holding SQLite's refusal.
#[test]
fn a_file_that_is_not_a_database_keeps_the_sqlite_error() {
    let Some(clientele_tests::Place::Sqlite(ref path)) = place(Backend::Sqlite) else { unreachable!() };
    std::fs::write(path, vec![b'x'; 4096]).unwrap();
    let e = Engine::open(EngineConfig::new(format!("sqlite:{}", path.display()))).unwrap_err();
    assert_eq!(e.code(), "storage");
    assert!(e.to_string().contains("file is not a database"), "{e}");
    let pool = find::<diesel::r2d2::Error>(&e).unwrap_or_else(|| panic!("no pool error in {:?}", chain(&e)));
    let diesel::r2d2::Error::QueryError(diesel::result::Error::DatabaseError(_, info)) = pool else {
        panic!("expected SQLite's refusal, got {pool:?}")
    };
    assert_eq!(info.message(), "file is not a database");
    let _ = std::fs::remove_file(path);
}

/// A database file deleted under an open engine: the refusal's source is
/// the I/O error that found it gone.
#[test]
fn a_deleted_database_file_keeps_the_io_error() {
    let f = Fixture::new(Backend::Sqlite).unwrap();
    let clientele_tests::Place::Sqlite(path) = &f.place else { unreachable!() };
    std::fs::remove_file(path).unwrap();
    let e = f.engine.run(Actor::Staff(f.admin), op::TagList {}).unwrap_err();
    assert_eq!(e.code(), "storage", "{e:?}");
    let io = find::<std::io::Error>(&e).unwrap_or_else(|| panic!("no I/O error in {:?}", chain(&e)));
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
}

/// A PostgreSQL database that does not exist: the open fails with the
/// connection error as its source.
#[test]
fn a_missing_postgres_database_keeps_the_connection_error() {
    // Skips (outside CI) when the server is not there.
    if place(Backend::Postgres).is_none() {
        return;
    }
    let base = clientele_tests::pg_base_url();
    let (server, _) = base.rsplit_once('/').expect("a URL with a database name");
    let e = Engine::open(EngineConfig::new(format!("{server}/clientele_no_such_database"))).unwrap_err();
    let pool = find::<diesel::r2d2::Error>(&e).unwrap_or_else(|| panic!("no pool error in {e:?}"));
    assert!(matches!(pool, diesel::r2d2::Error::ConnectionError(_)), "{pool:?}");
    assert!(!e.to_string().contains("postgres://"), "no URL in the message: {e}");
}

//! Test fixtures: an engine on a fresh SQLite file or a fresh PostgreSQL
//! schema, a pinned clock, and a macro that runs the same test body on both.
//!
//! PostgreSQL comes from `CLIENTELE_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). Each test gets its own
//! schema, dropped afterwards. When the server is unreachable the
//! PostgreSQL tests are skipped with a message, except under CI
//! (`CI=true`), where they fail.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use clientele_core::domain::{Id, Rights, StaffData};
use clientele_core::protocol::{Actor, Request, Response};
use clientele_core::time::Clock;
use clientele_core::{Engine, EngineConfig};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A clock the test moves by hand.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> Self {
        TestClock(Arc::new(Mutex::new(t)))
    }
    pub fn advance(&self, d: Duration) {
        *self.0.lock().unwrap() += d;
    }
    pub fn get(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.get()
    }
}

/// The pinned start of every test: a Friday at 14:30 in Toronto.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 19, 30, 0).unwrap()
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test and removed after it.
pub enum Place {
    Sqlite(PathBuf),
    Postgres { base: String, schema: String },
}

impl Place {
    pub fn url(&self) -> String {
        match self {
            Place::Sqlite(p) => format!("sqlite:{}", p.display()),
            Place::Postgres { base, schema } => {
                let sep = if base.contains('?') { '&' } else { '?' };
                format!("{base}{sep}options=-csearch_path%3D{schema}")
            }
        }
    }

    /// Runs raw SQL on the test database, outside the engine (to simulate
    /// what the engine cannot do, e.g. a newer schema).
    pub fn raw_sql(&self, sql: &str) {
        match self {
            Place::Sqlite(p) => {
                let mut c = diesel::SqliteConnection::establish(&p.display().to_string()).unwrap();
                c.batch_execute(sql).unwrap();
            }
            Place::Postgres { .. } => {
                let mut c = PgConnection::establish(&self.url()).unwrap();
                c.batch_execute(sql).unwrap();
            }
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        match self {
            Place::Sqlite(p) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            Place::Postgres { base, schema } => {
                if let Ok(mut c) = PgConnection::establish(base) {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            }
        }
    }
}

/// The PostgreSQL server tests use.
pub fn pg_base_url() -> String {
    std::env::var("CLIENTELE_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A fresh place on `backend`, or `None` (skip) when PostgreSQL is
/// unreachable outside CI.
pub fn place(backend: Backend) -> Option<Place> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("clientele-tests");
            std::fs::create_dir_all(&dir).unwrap();
            Some(Place::Sqlite(dir.join(format!("{}.db", unique("t")))))
        }
        Backend::Postgres => {
            let base = pg_base_url();
            match PgConnection::establish(&base) {
                Ok(mut c) => {
                    let schema = unique("t");
                    c.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
                    Some(Place::Postgres { base, schema })
                }
                Err(e) if under_ci() => panic!("PostgreSQL at {base} is unreachable under CI: {e}"),
                Err(e) => {
                    eprintln!("skipping PostgreSQL test: {base} unreachable ({e}); set CLIENTELE_TEST_PG_URL");
                    None
                }
            }
        }
    }
}

/// An engine on a fresh database, a pinned clock, and an all-rights staff
/// member ("Hélène D'Amours").
pub struct Fixture {
    pub engine: Engine,
    pub clock: TestClock,
    pub admin: Id,
    pub backend: Backend,
    pub place: Place,
}

impl Fixture {
    pub fn new(backend: Backend) -> Option<Fixture> {
        Fixture::with_config(backend, |_| {})
    }

    pub fn with_config(backend: Backend, tweak: impl FnOnce(&mut EngineConfig)) -> Option<Fixture> {
        let place = place(backend)?;
        let mut config = EngineConfig::new(place.url());
        tweak(&mut config);
        let clock = TestClock::at(epoch());
        let engine = Engine::open_with_clock(config, Arc::new(clock.clone())).expect("engine opens");
        let admin = match engine
            .execute(Actor::HOST, Request::StaffPut { id: None, staff: staff("Hélène D'Amours", "HDA", Rights::all()) })
        {
            Ok(Response::Staff(s)) => s.id,
            Err(clientele_core::Error::NotLicensed) => 0,
            other => panic!("cannot create admin: {other:?}"),
        };
        Some(Fixture { engine, clock, admin, backend, place })
    }

    /// Runs a request as a staff member.
    pub fn run(&self, actor: Id, request: Request) -> clientele_core::Result<Response> {
        self.engine.execute(Actor::Staff(actor), request)
    }

    /// Adds a staff member with these rights.
    pub fn staff(&self, name: &str, rights: Rights) -> Id {
        match self
            .engine
            .execute(Actor::HOST, Request::StaffPut { id: None, staff: staff(name, "XX", rights) })
            .unwrap()
        {
            Response::Staff(s) => s.id,
            other => panic!("{other:?}"),
        }
    }
}

pub fn staff(name: &str, initials: &str, rights: Rights) -> StaffData {
    StaffData { name: name.into(), initials: initials.into(), email: None, office: None, active: true, rights }
}

/// Runs the listed test bodies (`fn(&Fixture)`) once on SQLite and once on
/// PostgreSQL, as `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let f = $crate::Fixture::new($crate::Backend::Sqlite).expect("SQLite is always there");
                    super::$name(&f);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(f) = $crate::Fixture::new($crate::Backend::Postgres) {
                        super::$name(&f);
                    }
                }
            )*
        }
    };
}

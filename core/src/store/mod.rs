//! Storage: one pool of connections to SQLite or PostgreSQL, embedded
//! migrations, and the repositories that read and write each table.
//!
//! Invariants:
//! - Only this module knows SQL and diesel. The engine calls repository
//!   functions inside [`Db::read`] or [`Db::write`].
//! - Every write runs in one transaction; on SQLite, writers are serialised
//!   in-process (WAL lets readers proceed), so no write fails with `BUSY`
//!   on lock upgrade.
//! - Every value reaches SQL as a bound parameter.
//! - Every wait and statement is bounded by the request's deadline
//!   ([`crate::deadline`]); past it the request answers `timeout`, its
//!   transaction rolled back and its connection back in the pool.

pub(crate) mod clients;
pub(crate) mod contacts;
pub(crate) mod interactions;
pub(crate) mod query;
pub(crate) mod schema;
pub(crate) mod staff;
pub(crate) mod transfers;
pub(crate) mod trash;
pub(crate) mod views;

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::deadline::{self, Deadline, Lane};
use crate::error::{Error, Result};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Code that works on both takes
/// `&mut AnyConnection`; backend-only SQL matches on the variant.
#[derive(diesel::MultiConnection)]
pub(crate) enum AnyConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Which backend a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A SQLite file path, or `:memory:`.
    Sqlite(String),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Target {
    /// Parses `sqlite:PATH`, `sqlite://PATH`, `sqlite::memory:`, a plain
    /// path, or `postgres://` / `postgresql://` URLs.
    pub fn parse(url: &str) -> Result<Target> {
        let url = url.trim();
        if url.is_empty() {
            return Err(Error::Config("database_url is empty".into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_string()));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() {
            return Err(Error::Config("database_url names no SQLite file".into()));
        }
        if path.contains("://") {
            return Err(Error::Config(format!(
                "unsupported database URL scheme in '{url}' (use sqlite: or postgres://)"
            )));
        }
        Ok(Target::Sqlite(path.to_string()))
    }

    fn is_memory(&self) -> bool {
        matches!(self, Target::Sqlite(p) if p == ":memory:")
    }
}

#[derive(Debug)]
struct Manager {
    target: Target,
}

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> std::result::Result<AnyConnection, Self::Error> {
        use diesel::r2d2::Error as E;
        match &self.target {
            Target::Sqlite(path) => {
                let mut c = diesel::SqliteConnection::establish(path).map_err(E::ConnectionError)?;
                // A busy timeout for other processes, and foreign keys (off
                // by default in SQLite).
                c.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
                    .map_err(E::QueryError)?;
                // WAL for concurrent readers. Switching needs the file to
                // itself and SQLite does not wait for that (no busy
                // handler): retry while another process opens it too.
                let mut tries = 0;
                loop {
                    match c.batch_execute("PRAGMA journal_mode = WAL;") {
                        Ok(()) => break,
                        Err(e) if tries < 100 && e.to_string().contains("locked") => {
                            tries += 1;
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        Err(e) => return Err(E::QueryError(e)),
                    }
                }
                Ok(AnyConnection::Sqlite(c))
            }
            Target::Postgres(url) => {
                let c = diesel::PgConnection::establish(url).map_err(E::ConnectionError)?;
                Ok(AnyConnection::Pg(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> std::result::Result<(), Self::Error> {
        conn.batch_execute("SELECT 1").map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection given back inside a transaction (a panic unwound
    /// through a write, say) is not put back in the pool.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        use diesel::connection::TransactionManager;
        type Manager = <AnyConnection as Connection>::TransactionManager;
        !matches!(Manager::transaction_manager_status_mut(conn).transaction_depth(), Ok(None))
    }
}

/// The database: a pool plus the backend's write discipline.
pub(crate) struct Db {
    pool: r2d2::Pool<Manager>,
    target: Target,
    /// SQLite allows one writer at a time: serialise writers in-process
    /// (waiting no longer than the writer's deadline).
    write_lock: Option<Gate>,
    /// Caps on the connections dashboard tiles and bulk work may hold.
    lanes: Lanes,
}

pub(crate) type Conn = AnyConnection;

impl Db {
    /// Opens the pool, applies pending migrations and refuses a schema newer
    /// than this code.
    pub(crate) fn open(url: &str, pool_size: u32) -> Result<Db> {
        let target = Target::parse(url)?;
        let size = if target.is_memory() { 1 } else { pool_size };
        let mut builder = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(if target.is_memory() { 1 } else { 0 }))
            .connection_timeout(Duration::from_secs(10));
        if target.is_memory() {
            // An in-memory database lives as long as its one connection.
            builder = builder.idle_timeout(None).max_lifetime(None);
        }
        let manager = Manager { target: target.clone() };
        // One connection up front: an unreachable server or a file that is
        // not a database fails now, with its own message, not after the
        // pool's timeout.
        let first = r2d2::ManageConnection::connect(&manager)
            .map_err(|e| Error::Storage(format!("cannot open {}: {e}", describe(&target))))?;
        drop(first);
        let pool =
            builder.build(manager).map_err(|e| Error::Storage(format!("cannot open {}: {e}", describe(&target))))?;
        let write_lock = matches!(target, Target::Sqlite(_)).then(|| Gate::new(1));
        let db = Db { pool, target, write_lock, lanes: Lanes::new(size) };
        db.migrate()?;
        Ok(db)
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.target, Target::Postgres(_))
    }

    /// Applies pending migrations, one migrator at a time across processes:
    /// the run is one write transaction (IMMEDIATE on SQLite; on PostgreSQL
    /// under an advisory lock), so engines starting together on a new
    /// database wait for the first and then find nothing to do. A database
    /// already up to date is only read: opening an engine while another
    /// process writes does not wait for its write lock.
    fn migrate(&self) -> Result<()> {
        let migrations = match self.target {
            Target::Sqlite(_) => SQLITE_MIGRATIONS,
            Target::Postgres(_) => PG_MIGRATIONS,
        };
        let pg = self.is_postgres();
        let pending = self.read(|c| {
            check_not_newer(c, &migrations)?;
            pending_migrations(c, if pg { PG_MIGRATIONS } else { SQLITE_MIGRATIONS })
        });
        // A database without the migrations table yet cannot be read this
        // way on every backend: take the write path then.
        if matches!(pending, Ok(false)) {
            return Ok(());
        }
        if let Err(e @ (Error::SchemaTooNew { .. } | Error::Timeout { .. } | Error::Canceled)) = pending {
            return Err(e);
        }
        // Migrations are not interrupted (a half-run migration helps nobody):
        // only the wait for the lock is bounded.
        self.transaction(Kind::Write, false, |c| {
            if pg {
                diesel::sql_query("SELECT pg_advisory_xact_lock(4708732219)").execute(c)?;
            }
            check_not_newer(c, &migrations)?;
            c.run_pending_migrations(migrations).map_err(|e| Error::Storage(format!("migration failed: {e}")))?;
            Ok(())
        })
    }

    /// Runs one statement on a pooled connection, without a transaction
    /// (saves the BEGIN and COMMIT round trips of a single read). Bounded by
    /// the request's deadline like [`Db::read`] (on PostgreSQL at the cost
    /// of one `SET statement_timeout` round trip).
    pub(crate) fn query<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let (deadline, lane) = deadline::current();
        deadline.check(WHAT)?;
        let _lane = self.lanes.enter(lane, &deadline)?;
        let mut conn = self.connection(&deadline)?;
        let conn: &mut Conn = &mut conn;
        match conn {
            AnyConnection::Pg(c) => {
                c.batch_execute(&format!("SET statement_timeout = {}", pg_timeout_ms(&deadline)))?
            }
            AnyConnection::Sqlite(c) => {
                c.batch_execute(&format!("PRAGMA busy_timeout = {}", sqlite_busy_ms(&deadline)))?
            }
        }
        let armed = deadline::arm(&deadline);
        let result = f(conn);
        let fired = armed.fired();
        drop(armed);
        result.map_err(|e| interrupted(e, fired, &deadline))
    }

    /// Runs `f` on a pooled connection, in a read transaction.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        self.transaction(Kind::Read, true, f)
    }

    /// Runs `f` in a write transaction: all or nothing.
    ///
    /// On SQLite the transaction begins IMMEDIATE: it takes the write lock
    /// before its first read, waiting (busy handler, as long as the
    /// request's deadline allows) for another process's writer. A deferred
    /// one would read, then fail with "database is locked" when it tried to
    /// write while another process had written in between.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        self.transaction(Kind::Write, true, f)
    }

    /// Pooled connections now in use.
    pub(crate) fn in_use(&self) -> u32 {
        let state = self.pool.state();
        state.connections - state.idle_connections
    }

    /// A pooled connection, waiting no longer than the deadline.
    fn connection(&self, deadline: &Deadline) -> Result<r2d2::PooledConnection<Manager>> {
        let got = match deadline.remaining() {
            Some(left) => self.pool.get_timeout(left),
            None => self.pool.get(),
        };
        got.map_err(|e| {
            if deadline.expired() || deadline.canceled() {
                deadline.error("waiting for a database connection")
            } else {
                e.into()
            }
        })
    }

    /// One transaction bounded by the request's deadline: the lane's share
    /// of the pool, the write lock (SQLite) and the connection are waited
    /// for no longer than the deadline; with `interrupt`, statements running
    /// past it are interrupted (SQLite progress handler, PostgreSQL
    /// `statement_timeout`), the transaction is rolled back and the
    /// connection goes back to the pool.
    fn transaction<T>(&self, kind: Kind, interrupt: bool, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        type Manager = <Conn as diesel::Connection>::TransactionManager;
        let (deadline, lane) = deadline::current();
        deadline.check(WHAT)?;
        let _lane = self.lanes.enter(lane, &deadline)?;
        let _guard = match (&self.write_lock, kind) {
            (Some(lock), Kind::Write) => Some(lock.enter(&deadline, "waiting for the write lock")?),
            _ => None,
        };
        let mut conn = self.connection(&deadline)?;
        let conn: &mut Conn = &mut conn;
        let begin = match conn {
            AnyConnection::Sqlite(_) => {
                let busy = sqlite_busy_ms(&deadline);
                let begin = if kind == Kind::Write { "BEGIN IMMEDIATE" } else { "BEGIN" };
                format!("PRAGMA busy_timeout = {busy}; {begin}")
            }
            AnyConnection::Pg(_) => {
                let ms = if interrupt { pg_timeout_ms(&deadline) } else { 0 };
                format!("BEGIN; SET LOCAL statement_timeout = {ms}")
            }
        };
        let began = match conn {
            AnyConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, &begin),
            AnyConnection::Pg(c) => AnsiTransactionManager::begin_transaction_sql(c, &begin),
        };
        began.map_err(|e| {
            let e: Error = e.into();
            if deadline.expired() || deadline.canceled() { deadline.error(WHAT) } else { e }
        })?;
        let armed = interrupt.then(|| deadline::arm(&deadline));
        let result = f(conn);
        let fired = armed.as_ref().is_some_and(|a| a.fired());
        // Commit and rollback are never interrupted.
        drop(armed);
        match result {
            Ok(v) => {
                Manager::commit_transaction(conn).map_err(|e| interrupted(e.into(), fired, &deadline))?;
                Ok(v)
            }
            Err(e) => {
                // An interrupted write may have been rolled back by SQLite
                // already; the connection is then out of its transaction
                // and diesel's bookkeeping is reset by a failed rollback.
                let rolled = Manager::rollback_transaction(conn);
                let e = interrupted(e, fired, &deadline);
                match rolled {
                    Ok(()) => Err(e),
                    Err(_) if matches!(e, Error::Timeout { .. } | Error::Canceled) => Err(e),
                    Err(r) => Err(r.into()),
                }
            }
        }
    }
}

/// What a timed-out request names.
const WHAT: &str = "the request";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Write,
}

/// SQLite's busy handler waits for another process's lock as long as the
/// deadline allows (none, at open: a minute).
fn sqlite_busy_ms(deadline: &Deadline) -> u128 {
    deadline.remaining().map_or(60_000, |d| d.as_millis().clamp(1, i32::MAX as u128))
}

/// `statement_timeout` for the deadline (0: none, PostgreSQL's "off").
fn pg_timeout_ms(deadline: &Deadline) -> u128 {
    deadline.remaining().map_or(0, |d| d.as_millis().max(1))
}

/// A storage error caused by the deadline (SQLite: the progress handler
/// fired; PostgreSQL: `statement_timeout`, or the deadline passed while the
/// statement ran) is the request's timeout or cancellation.
fn interrupted(e: Error, fired: bool, deadline: &Deadline) -> Error {
    match &e {
        Error::Storage(m)
            if fired
                || ((deadline.expired() || deadline.canceled())
                    && (m.contains("interrupted") || m.contains("statement timeout") || m.contains("locked"))) =>
        {
            deadline.error(WHAT)
        }
        _ => e,
    }
}

/// A counting gate whose waits are bounded by a deadline.
pub(crate) struct Gate {
    cap: usize,
    used: Mutex<usize>,
    freed: Condvar,
}

pub(crate) struct GateGuard<'a>(&'a Gate);

impl Gate {
    fn new(cap: usize) -> Gate {
        Gate { cap: cap.max(1), used: Mutex::new(0), freed: Condvar::new() }
    }

    fn enter(&self, deadline: &Deadline, what: &str) -> Result<GateGuard<'_>> {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        while *used >= self.cap {
            if deadline.canceled() {
                return Err(deadline.error(what));
            }
            used = match deadline.remaining() {
                None => self.freed.wait(used).unwrap_or_else(|p| p.into_inner()),
                Some(left) if left.is_zero() => return Err(deadline.error(what)),
                // Short slices: a cancel flag is noticed too.
                Some(left) => {
                    self.freed
                        .wait_timeout(used, left.min(Duration::from_millis(50)))
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
        }
        *used += 1;
        Ok(GateGuard(self))
    }
}

impl Drop for GateGuard<'_> {
    fn drop(&mut self) {
        let mut used = self.0.used.lock().unwrap_or_else(|p| p.into_inner());
        *used -= 1;
        self.0.freed.notify_one();
    }
}

/// The lanes' shares of a pool of `size` connections: dashboard tiles and
/// bulk work together hold at most `size - 1` (the last connection is
/// interactive requests'), bulk work at most one. A pool of one connection
/// (`:memory:`) cannot be shared out: every lane uses it in turn.
struct Lanes {
    background: Gate,
    bulk: Gate,
}

enum LaneGuard<'a> {
    Interactive,
    Background(#[allow(dead_code)] GateGuard<'a>, #[allow(dead_code)] Option<GateGuard<'a>>),
}

impl Lanes {
    fn new(size: u32) -> Lanes {
        let size = size.max(1) as usize;
        Lanes { background: Gate::new(size.saturating_sub(1)), bulk: Gate::new(1) }
    }

    fn enter(&self, lane: Lane, deadline: &Deadline) -> Result<LaneGuard<'_>> {
        const WAIT: &str = "waiting for a database connection";
        Ok(match lane {
            Lane::Interactive => LaneGuard::Interactive,
            Lane::Dashboard => LaneGuard::Background(self.background.enter(deadline, WAIT)?, None),
            Lane::Bulk => {
                let bulk = self.bulk.enter(deadline, WAIT)?;
                LaneGuard::Background(self.background.enter(deadline, WAIT)?, Some(bulk))
            }
        })
    }
}

/// A deliberately slow statement (tests of deadlines).
pub(crate) fn debug_slow(conn: &mut Conn) -> Result<()> {
    match conn {
        AnyConnection::Sqlite(c) => c.batch_execute(
            "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 4000000000) SELECT count(*) FROM r",
        )?,
        AnyConnection::Pg(c) => c.batch_execute("SELECT pg_sleep(60)")?,
    }
    Ok(())
}

/// Whether migrations are pending (read only).
fn pending_migrations(conn: &mut Conn, migrations: EmbeddedMigrations) -> Result<bool> {
    conn.has_pending_migration(migrations).map_err(|e| Error::Storage(format!("reading applied migrations: {e}")))
}

impl From<diesel::r2d2::Error> for Error {
    fn from(e: diesel::r2d2::Error) -> Self {
        Error::Storage(e.to_string())
    }
}

fn describe(t: &Target) -> String {
    match t {
        Target::Sqlite(p) => format!("SQLite database '{p}'"),
        // Never echo a URL that may carry a password.
        Target::Postgres(_) => "PostgreSQL database".into(),
    }
}

/// Refuses a database that records migrations this code does not know:
/// a newer engine wrote it, and this one would misread it.
fn check_not_newer(conn: &mut Conn, migrations: &EmbeddedMigrations) -> Result<()> {
    use diesel::migration::MigrationSource;
    let known: Vec<String> = MigrationSource::<diesel::pg::Pg>::migrations(migrations)
        .map_err(|e| Error::Storage(format!("embedded migrations: {e}")))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied = conn.applied_migrations().map_err(|e| Error::Storage(format!("reading applied migrations: {e}")))?;
    let engine_latest = known.iter().max().cloned().unwrap_or_default();
    if let Some(unknown) = applied.iter().map(|v| v.to_string()).filter(|v| !known.contains(v)).max() {
        return Err(Error::SchemaTooNew { database: unknown, engine: engine_latest });
    }
    Ok(())
}

/// JSON text for a column.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("domain values always serialise")
}

/// A column's JSON text back to a value; a corrupt row is a storage error.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| Error::Storage(format!("corrupt {what} in database: {e}")))
}

/// A parent row a write attaches children to.
#[derive(Clone, Copy)]
pub(crate) enum Parent {
    Client,
    Contact,
}

/// Holds a live client or contact until the transaction ends, so that a
/// concurrent delete of it waits for this write to commit (and takes its
/// new children to the trash with it), or this write finds it gone. Only
/// PostgreSQL needs it: SQLite writers are serialised. False: not live.
pub(crate) fn hold_live(conn: &mut Conn, parent: Parent, id: crate::domain::Id) -> Result<bool> {
    match conn {
        AnyConnection::Pg(c) => {
            let sql = match parent {
                Parent::Client => "SELECT id FROM clients WHERE id = $1 AND trash_id IS NULL FOR SHARE",
                Parent::Contact => "SELECT id FROM contacts WHERE id = $1 AND trash_id IS NULL FOR SHARE",
            };
            let n = diesel::sql_query(sql).bind::<diesel::sql_types::BigInt, _>(id).execute(c)?;
            Ok(n == 1)
        }
        AnyConnection::Sqlite(_) => Ok(true),
    }
}

/// Turns a unique-index violation into the engine's own error (`f` gets
/// the constraint's name and message). Two writers can both pass a check
/// before either commits; the index decides, and the loser must hear a
/// typed answer, not a storage error.
pub(crate) fn on_unique(e: diesel::result::Error, f: impl FnOnce(&str) -> Error) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as E};
    match &e {
        E::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            f(&format!("{} {}", info.constraint_name().unwrap_or(""), info.message()))
        }
        _ => e.into(),
    }
}

/// Runs `$body` with `$c` bound to the concrete connection of either
/// backend: for what `MultiConnection` cannot express (`RETURNING`, batch
/// inserts, backend-only SQL).
macro_rules! with_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::store::AnyConnection::Sqlite($c) => $body,
            $crate::store::AnyConnection::Pg($c) => $body,
        }
    };
}
pub(crate) use with_backend;

/// The lookups every record table has (`id`, `version`, `trash_id`
/// columns): `get` a row by id (live, or also in the trash), the `version_of`
/// a live row, and rows `by_ids` in the order asked.
macro_rules! record_lookups {
    ($table:ident, $row:ty) => {
        /// A row, live or (with `trashed`) also in the trash.
        pub(crate) fn get(conn: &mut Conn, id: Id, trashed: bool) -> Result<Option<$row>> {
            let mut q = $table::table.filter($table::id.eq(id)).into_boxed();
            if !trashed {
                q = q.filter($table::trash_id.is_null());
            }
            Ok(q.select(<$row>::as_select()).first(conn).optional()?)
        }

        /// The version of a live row (`None`: no such live row).
        pub(crate) fn version_of(conn: &mut Conn, id: Id) -> Result<Option<i64>> {
            Ok($table::table
                .filter($table::id.eq(id))
                .filter($table::trash_id.is_null())
                .select($table::version)
                .first(conn)
                .optional()?)
        }

        /// Live rows by id, in the order of `ids` (missing or trashed ones
        /// left out: one deleted between a page's queries does not show).
        pub(crate) fn by_ids(conn: &mut Conn, ids: &[Id]) -> Result<Vec<$row>> {
            let rows: Vec<$row> = $table::table
                .filter($table::id.eq_any(ids.to_vec()))
                .filter($table::trash_id.is_null())
                .select(<$row>::as_select())
                .load(conn)?;
            let mut by_id: std::collections::HashMap<Id, $row> = rows.into_iter().map(|r| (r.id, r)).collect();
            Ok(ids.iter().filter_map(|i| by_id.remove(i)).collect())
        }
    };
}
pub(crate) use record_lookups;

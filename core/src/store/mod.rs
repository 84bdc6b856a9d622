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
//! - Every request takes its connection through [`Db::checkout`] (file
//!   identity, fast `unavailable`) and hands its outcome to [`Db::settle`]
//!   (a connection that failed for good is discarded): see [`health`].
//! - Every wait and statement is bounded by the request's deadline
//!   ([`crate::deadline`]); past it the request answers `timeout`, its
//!   transaction rolled back and its connection back in the pool.

pub(crate) mod actor;
pub(crate) mod assignments;
pub(crate) mod bulk;
pub(crate) mod clients;
pub(crate) mod contacts;
pub(crate) mod dupkeys;
pub(crate) mod health;
pub(crate) mod history;
pub(crate) mod interactions;
mod lanes;
pub(crate) mod merge;
pub(crate) mod nowait;
pub(crate) mod own;
pub(crate) mod page;
pub(crate) mod parked;
mod pg_cancel;
pub(crate) mod prepared;
pub(crate) mod query;
pub(crate) mod reindex;
pub(crate) mod schema;
pub(crate) mod session;
pub(crate) mod staff;
pub(crate) mod tags;
pub(crate) mod transfers;
pub(crate) mod trash;
pub(crate) mod views;

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use self::health::{Durability, Fault, Health, Identity};
use self::lanes::{Gate, Lanes};
use crate::deadline::{self, Deadline};
use crate::error::{Error, Result};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
#[cfg(feature = "postgres")]
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Code that works on both takes
/// `&mut AnyConnection`; backend-only SQL matches on the variant.
///
/// The `Pg` variant exists only with the `postgres` feature (a SQLite-only
/// build links no libpq): every arm that names it carries
/// `#[cfg(feature = "postgres")]`, or goes through [`with_backend!`]. The
/// SQL dialect itself (`Sql::pg`, SQL text per backend) is compiled in
/// both builds; ask [`AnyConnection::is_pg`] rather than matching.
#[derive(diesel::MultiConnection)]
pub(crate) enum AnyConnection {
    #[cfg(feature = "postgres")]
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl AnyConnection {
    /// Whether this is a PostgreSQL connection (always false in a
    /// SQLite-only build).
    pub(crate) fn is_pg(&self) -> bool {
        match self {
            #[cfg(feature = "postgres")]
            AnyConnection::Pg(_) => true,
            AnyConnection::Sqlite(_) => false,
        }
    }
}

/// Whether this build has PostgreSQL storage (the `postgres` feature).
pub const POSTGRES_SUPPORTED: bool = cfg!(feature = "postgres");

/// Why a `postgres://` URL is refused by a SQLite-only build.
pub(crate) const NO_POSTGRES: &str = "this build of the engine has no PostgreSQL support (built without the \
    `postgres` feature); use a sqlite: URL or a build with PostgreSQL";

/// Which backend a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

#[derive(Debug, Clone)]
pub(crate) struct Manager {
    target: Target,
    durability: Durability,
    /// Records each connect, for the requests' fast answer (see [`health`]).
    health: Arc<Health>,
}

impl Manager {
    fn establish(&self) -> std::result::Result<AnyConnection, diesel::r2d2::Error> {
        use diesel::r2d2::Error as E;
        match &self.target {
            Target::Sqlite(path) => {
                let mut c = diesel::SqliteConnection::establish(path).map_err(E::ConnectionError)?;
                // A busy timeout for other processes, foreign keys (off by
                // default in SQLite), and the configured durability.
                c.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;").map_err(E::QueryError)?;
                c.batch_execute(self.durability.sqlite_pragma()).map_err(E::QueryError)?;
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
            #[cfg(feature = "postgres")]
            Target::Postgres(url) => {
                let url = health::pg_connect_url(url, &deadline::current().0);
                let mut c = diesel::PgConnection::establish(&url).map_err(E::ConnectionError)?;
                // Pages read a few hundred rows at most: no parallel
                // workers (their start cost 10-15 ms of a 1 ms search at
                // size M) and no JIT (compiling a costly plan's
                // expressions takes longer than running a capped count).
                // Custom plans (`auto`) unless a request asks otherwise
                // (`session::with_generic_plans`), whatever the server's
                // default.
                c.batch_execute(&format!(
                    "{}; SET max_parallel_workers_per_gather = 0; SET jit = off; SET plan_cache_mode = auto",
                    self.durability.pg_setting()
                ))
                .map_err(E::QueryError)?;
                Ok(AnyConnection::Pg(c))
            }
            #[cfg(not(feature = "postgres"))]
            Target::Postgres(_) => Err(E::ConnectionError(diesel::ConnectionError::BadConnection(NO_POSTGRES.into()))),
        }
    }
}

/// A pooled connection: a SQLite one carries the statements the engine
/// reads pages with itself ([`own`]), finalized here before the connection
/// closes (diesel's close refuses while a statement is alive).
pub(crate) struct Pooled(AnyConnection);

impl std::ops::Deref for Pooled {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0
    }
}

impl Drop for Pooled {
    #[cfg_attr(not(feature = "postgres"), allow(irrefutable_let_patterns))]
    fn drop(&mut self) {
        if let AnyConnection::Sqlite(c) = &mut self.0 {
            own::release(c);
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    #[cfg_attr(not(feature = "postgres"), allow(irrefutable_let_patterns))]
    fn connect(&self) -> std::result::Result<Pooled, Self::Error> {
        own::forget_opened();
        let c = self.establish();
        match &c {
            Ok(_) => self.health.connected(),
            Err(e) => self.health.failed(&e.to_string()),
        }
        let mut c = c?;
        if let AnyConnection::Sqlite(s) = &mut c {
            own::install(s);
        }
        Ok(Pooled(c))
    }

    /// Not run on checkout (`test_on_check_out(false)`: a round trip per
    /// request saved); connections that fail are discarded instead, and
    /// PostgreSQL ones idle for long or older than a lost connection are
    /// checked by [`Db::checkout`].
    fn is_valid(&self, conn: &mut Pooled) -> std::result::Result<(), Self::Error> {
        conn.batch_execute("SELECT 1").map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection given back inside a transaction (a panic unwound
    /// through a write, say), or marked broken by [`health::mark_broken`],
    /// is not put back in the pool.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        use diesel::connection::TransactionManager;
        type Manager = <AnyConnection as Connection>::TransactionManager;
        !matches!(Manager::transaction_manager_status_mut(&mut conn.0).transaction_depth(), Ok(None))
    }
}

/// When a pooled connection was last handed out, and the [`Health`]
/// generation it was known good in.
#[derive(Clone, Copy)]
struct Seen {
    at: Instant,
    generation: u64,
}

/// A PostgreSQL connection idle longer than this is checked before use
/// (the server or a firewall may have closed it meanwhile).
const IDLE_CHECK: Duration = Duration::from_secs(60);
/// How long a request waits for a connection when all are busy.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a waiting request looks whether the server went away.
const CHECKOUT_SLICE: Duration = Duration::from_millis(25);

/// The database: a pool plus the backend's write discipline.
pub(crate) struct Db {
    pool: r2d2::Pool<Manager>,
    target: Target,
    /// SQLite allows one writer at a time: serialise writers in-process
    /// (waiting no longer than the writer's deadline).
    write_lock: Option<Gate>,
    /// Connects outside the pool, to answer at once while the database is
    /// unreachable.
    manager: Manager,
    health: Arc<Health>,
    /// The SQLite file opened (`None`: PostgreSQL or `:memory:`).
    identity: Option<Identity>,
    /// Caps on the connections dashboard tiles and bulk work may hold.
    lanes: Lanes,
    /// PostgreSQL: the actors read, with their generation ([`actor`]).
    pg_actors: actor::PgActors,
    /// This database's key among the process's ([`parked`]).
    park_key: usize,
    /// Sweeps of expired transfers committed ([`Db::note_sweep`]).
    sweeps: std::sync::atomic::AtomicU64,
}

pub(crate) type Conn = AnyConnection;

impl Db {
    /// Opens the pool, applies pending migrations and refuses a schema newer
    /// than this code.
    pub(crate) fn open(config: &crate::config::EngineConfig) -> Result<Db> {
        let target = Target::parse(&config.database_url)?;
        if matches!(target, Target::Postgres(_)) && !POSTGRES_SUPPORTED {
            return Err(Error::setting("database_url", NO_POSTGRES));
        }
        let durability = Durability::parse(&config.durability)?;
        let size = if target.is_memory() { 1 } else { config.pool_size };
        // The process's shared pool threads, and no reaper job (no idle
        // timeout, no maximum lifetime): nothing of this pool outlives it
        // (see [`health`]).
        let builder = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(if target.is_memory() { 1 } else { 0 }))
            .thread_pool(health::workers())
            .idle_timeout(None)
            .max_lifetime(None)
            .test_on_check_out(false)
            .connection_timeout(CHECKOUT_TIMEOUT);
        let health = Arc::new(Health::default());
        let manager = Manager { target: target.clone(), durability, health: health.clone() };
        // One connection up front: an unreachable server or a file that is
        // not a database fails now, with its own message, not after the
        // pool's timeout.
        let first = manager
            .establish()
            .map_err(|e| Error::storage(format!("cannot open {}: {e}", describe(&target))).caused_by(e))?;
        drop(first);
        // The file now exists: every later connection opens this very file,
        // whatever the process's working directory becomes.
        let (target, manager) = match &target {
            Target::Sqlite(path) if !target.is_memory() && !path.starts_with("file:") => {
                match std::fs::canonicalize(path) {
                    Ok(abs) => {
                        let t = Target::Sqlite(abs.display().to_string());
                        (t.clone(), Manager { target: t, ..manager })
                    }
                    Err(_) => (target, manager),
                }
            }
            _ => (target, manager),
        };
        let identity = match &target {
            Target::Sqlite(path) => Identity::of(path)?,
            Target::Postgres(_) => None,
        };
        let pool = builder
            .build(manager.clone())
            .map_err(|e| Error::storage(format!("cannot open {}: {e}", describe(&target))).caused_by(e))?;
        let write_lock = matches!(target, Target::Sqlite(_)).then(|| Gate::new(1));
        let db = Db {
            pool,
            target,
            write_lock,
            manager,
            health,
            identity,
            lanes: Lanes::new(size),
            pg_actors: Default::default(),
            park_key: parked::next_key(),
            sweeps: Default::default(),
        };
        db.migrate()?;
        Ok(db)
    }

    /// A pooled connection for one request. Refuses at once a SQLite file
    /// deleted or replaced since open, and a database that cannot be
    /// reached (after a failed connect or a lost connection, it connects
    /// itself rather than wait out the pool's timeout). PostgreSQL
    /// connections older than the last lost one, or idle for long, are
    /// checked with one round trip and replaced when dead.
    pub(crate) fn checkout(&self) -> Result<r2d2::PooledConnection<Manager>> {
        use r2d2::PooledConnection as P;
        // This request's own connection, checked out (and the file checked)
        // by its actor's read a moment ago ([`parked`]).
        if let Some(conn) = self.unpark_ended() {
            return Ok(conn);
        }
        if let Some(identity) = &self.identity {
            identity.check()?;
        }
        if self.health.is_down()
            && let Err(e) = r2d2::ManageConnection::connect(&self.manager)
        {
            return Err(self.unreachable(&e.to_string()).caused_by(e));
        }
        let (deadline, _) = deadline::current();
        let start = Instant::now();
        let mut discarded = 0;
        loop {
            let mut conn = match self.pool.get_timeout(CHECKOUT_SLICE) {
                Ok(c) => c,
                Err(_) if self.health.is_down() => return Err(self.unreachable(&self.health.last_error())),
                Err(_) if deadline.expired() || deadline.canceled() => {
                    return Err(deadline.error("waiting for a database connection"));
                }
                Err(e) if deadline.remaining().is_none() && start.elapsed() >= CHECKOUT_TIMEOUT => {
                    return Err(e.into());
                }
                Err(_) => continue,
            };
            let generation = self.health.generation();
            let check = self.is_postgres()
                && P::extensions(&conn)
                    .get::<Seen>()
                    .is_none_or(|s| s.generation != generation || s.at.elapsed() > IDLE_CHECK);
            if check && conn.batch_execute("SELECT 1").is_err() {
                health::mark_broken(&mut conn);
                drop(conn);
                discarded += 1;
                if discarded > self.pool.max_size() {
                    return Err(self.unreachable("every pooled connection was dead"));
                }
                continue;
            }
            if self.is_postgres() {
                P::extensions_mut(&mut conn).insert(Seen { at: Instant::now(), generation });
            }
            return Ok(conn);
        }
    }

    /// Looks at a request's outcome: a connection that failed in a way that
    /// may outlast the request is discarded, and a lost server answers
    /// `unavailable`.
    pub(crate) fn settle<T>(&self, conn: &mut Conn, result: Result<T>) -> Result<T> {
        let Err(e) = &result else { return result };
        match health::classify(e) {
            Some(Fault::Lost) => {
                health::mark_broken(conn);
                self.pg_actors.clear();
                self.health.failed(&e.to_string());
                Err(self.unreachable(&e.to_string()).caused_by(e.clone()))
            }
            Some(Fault::Broken) => {
                health::mark_broken(conn);
                result
            }
            None => result,
        }
    }

    /// The answer while the database cannot be reached: `unavailable` for a
    /// server, a storage error naming the file for SQLite.
    fn unreachable(&self, why: &str) -> Error {
        match &self.target {
            Target::Postgres(_) => Error::unavailable(format!(
                "the PostgreSQL server cannot be reached ({}); the engine reconnects by itself when it is back",
                why.trim()
            )),
            Target::Sqlite(_) => Error::storage(format!("cannot open {}: {}", describe(&self.target), why.trim())),
        }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.target, Target::Postgres(_))
    }

    /// The embedded migrations of this database's backend.
    fn migrations(&self) -> EmbeddedMigrations {
        match self.target {
            Target::Sqlite(_) => SQLITE_MIGRATIONS,
            #[cfg(feature = "postgres")]
            Target::Postgres(_) => PG_MIGRATIONS,
            #[cfg(not(feature = "postgres"))]
            Target::Postgres(_) => unreachable!("Db::open refuses PostgreSQL in a SQLite-only build"),
        }
    }

    /// Applies pending migrations, one migrator at a time across processes:
    /// the run is one write transaction (IMMEDIATE on SQLite; on PostgreSQL
    /// under an advisory lock), so engines starting together on a new
    /// database wait for the first and then find nothing to do. A database
    /// already up to date is only read: opening an engine while another
    /// process writes does not wait for its write lock.
    fn migrate(&self) -> Result<()> {
        let migrations = self.migrations();
        let pending = self.read(|c| {
            check_not_newer(c, &migrations)?;
            pending_migrations(c, self.migrations())
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
        let pg = self.is_postgres();
        self.transaction(Kind::Write, false, |c| {
            if pg {
                diesel::sql_query("SELECT pg_advisory_xact_lock(4708732219)").execute(c)?;
            }
            check_not_newer(c, &migrations)?;
            c.run_pending_migrations(migrations)
                .map_err(|e| Error::storage(format!("migration failed: {e}")).caused_by_boxed(e))?;
            Ok(())
        })
    }

    /// Runs one statement on a pooled connection, without a transaction
    /// (saves the BEGIN and COMMIT round trips of a single read). Bounded by
    /// the request's deadline like [`Db::read`] (on PostgreSQL by the
    /// session's `statement_timeout`, re-set only when it must change).
    pub(crate) fn query<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let (deadline, lane) = deadline::current();
        deadline.check(WHAT)?;
        let _lane = self.lanes.enter(lane, &deadline)?;
        let mut conn = self.checkout()?;
        let r = self.bounded_query(&mut conn, &deadline, f);
        self.settle(&mut conn, r)
    }

    /// The staff member `id` with what is read with them
    /// ([`actor::cached`]): one statement without a transaction, like
    /// [`Db::query`]; on SQLite answered from the connection's cache while
    /// the database has not changed.
    pub(crate) fn actor(&self, id: crate::domain::Id) -> Result<Option<Arc<actor::Actor>>> {
        use r2d2::PooledConnection as P;
        let (deadline, lane) = deadline::current();
        deadline.check(WHAT)?;
        let _lane = self.lanes.enter(lane, &deadline)?;
        let mut conn = self.checkout()?;
        let cache = match P::extensions(&conn).get::<actor::Cache>() {
            Some(cache) => cache.clone(),
            None => {
                let cache = actor::Cache::default();
                P::extensions_mut(&mut conn).insert(cache.clone());
                cache
            }
        };
        // SQLite, a read-only request: the actor is read in the read
        // transaction the request's page will run in ([`parked`]).
        if !self.is_postgres() && lane == deadline::Lane::Interactive && self.may_park() {
            use diesel::connection::TransactionManager;
            type Tm = <Conn as diesel::Connection>::TransactionManager;
            // Loaded before the snapshot begins ([`Db::note_sweep`]).
            let sweeps = self.sweeps.load(std::sync::atomic::Ordering::Acquire);
            let busy = session::sqlite_busy(&mut conn, &deadline);
            if let Err(e) = Self::begin_on(&mut conn, Kind::Read, true, busy, None, &deadline) {
                return self.settle(&mut conn, Err(e));
            }
            let r = Self::query_on(&mut conn, None, &deadline, |c| actor::cached(c, &cache, id, None, None));
            if let Ok(Some(_)) = r {
                self.park(conn, sweeps);
                return r;
            }
            // Nothing to park (an unknown actor, or a failure).
            if Tm::rollback_transaction(&mut conn).is_err() {
                health::mark_broken(&mut conn);
            }
            return self.settle(&mut conn, r);
        }
        // PostgreSQL: a session timeout that no longer fits (a connection
        // going from a tile's budget to a request's) is set by the actor's
        // own statement, not a round trip of its own.
        let with_actor = if self.is_postgres() { session::pg_timeout_with_actor(&mut conn, &deadline) } else { None };
        // Likewise the request's plan mode, when the connection's differs.
        let plans = if self.is_postgres() { session::pg_plan_mode(&conn) } else { None };
        let r = match with_actor {
            Some(ms) => {
                let r = Self::query_on(&mut conn, None, &deadline, |c| actor::cached(c, &cache, id, Some(ms), plans));
                session::pg_timeout_set_with_actor(&mut conn, ms, matches!(r, Ok(Some(_))));
                r
            }
            // The plan mode rides on the actor's statement, not a `SET`.
            None => self.bounded_query_on(&mut conn, &deadline, false, |c| actor::cached(c, &cache, id, None, plans)),
        };
        // Set only when the row came (a failed statement sets nothing).
        if let (Some(generic), Ok(Some(_))) = (plans, &r) {
            session::pg_plan_mode_set(&mut conn, generic);
        }
        if let (Ok(Some(a)), true) = (&r, self.is_postgres()) {
            self.pg_actors.keep(id, a);
        }
        self.settle(&mut conn, r)
    }

    /// PostgreSQL: the staff member `id` as last read, with the generation
    /// it was read at, to use without reading it ([`actor::guarded`]) —
    /// when the pooled connection the request will run on (the one just
    /// returned: r2d2 hands out the last returned first) needs no session
    /// setting changed. A change of timeout or plan mode rides on the
    /// actor's statement instead ([`Db::actor`]): one round trip either
    /// way. `None` on SQLite (its own cache is per connection).
    pub(crate) fn kept_actor(&self, id: crate::domain::Id) -> Result<Option<Arc<actor::Actor>>> {
        if !self.is_postgres() {
            return Ok(None);
        }
        let Some(kept) = self.pg_actors.get(id) else { return Ok(None) };
        let (deadline, lane) = deadline::current();
        deadline.check(WHAT)?;
        let _lane = self.lanes.enter(lane, &deadline)?;
        let conn = self.checkout()?;
        let fits = session::pg_plan_mode(&conn).is_none() && session::pg_timeout_fits(&conn, &deadline);
        Ok(fits.then_some(kept))
    }

    /// Forgets the kept actor `id`, found stale.
    pub(crate) fn forget_actor(&self, id: crate::domain::Id) {
        self.pg_actors.forget(id);
    }

    /// Whether the actor generation is still `generation` (one statement).
    pub(crate) fn actor_still_fresh(&self, generation: i64) -> Result<bool> {
        self.query(|c| actor::still_fresh(c, generation))
    }

    /// [`Db::query_on`] after setting PostgreSQL's session timeout or
    /// SQLite's busy timeout when it must change ([`session`]).
    fn bounded_query<T>(
        &self,
        conn: &mut r2d2::PooledConnection<Manager>,
        deadline: &Deadline,
        f: impl FnOnce(&mut Conn) -> Result<T>,
    ) -> Result<T> {
        self.bounded_query_on(conn, deadline, true, f)
    }

    /// [`Db::bounded_query`]; `plans`: also set PostgreSQL's plan mode to
    /// the request's when the connection's differs (false: `f` sets it).
    fn bounded_query_on<T>(
        &self,
        conn: &mut r2d2::PooledConnection<Manager>,
        deadline: &Deadline,
        plans: bool,
        f: impl FnOnce(&mut Conn) -> Result<T>,
    ) -> Result<T> {
        if self.is_postgres() {
            session::pg_statement_timeout(conn, deadline)?;
            if plans {
                session::pg_plan_mode_now(conn)?;
            }
        }
        let busy = session::sqlite_busy(conn, deadline);
        Self::query_on(conn, busy, deadline, f)
    }

    /// Runs `f` bounded by the deadline; `busy`: SQLite's busy timeout to
    /// set first (`None`: the connection's fits).
    fn query_on<T>(
        conn: &mut Conn,
        busy: Option<u128>,
        deadline: &Deadline,
        f: impl FnOnce(&mut Conn) -> Result<T>,
    ) -> Result<T> {
        if let (AnyConnection::Sqlite(c), Some(ms)) = (&mut *conn, busy) {
            c.batch_execute(&format!("PRAGMA busy_timeout = {ms}"))?;
        }
        let armed = deadline::arm(deadline);
        let result = f(conn);
        let fired = armed.fired();
        drop(armed);
        result.map_err(|e| interrupted(e, fired, deadline))
    }

    /// Runs `f` on a pooled connection: on SQLite in a read transaction
    /// (one snapshot); on PostgreSQL without one, each statement its own
    /// READ COMMITTED snapshot as it was inside one ([`session`]).
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

    /// Pooled connections open, in use or idle.
    pub(crate) fn open_connections(&self) -> u32 {
        self.pool.state().connections
    }

    /// Pooled connections now in use.
    pub(crate) fn in_use(&self) -> u32 {
        let state = self.pool.state();
        state.connections - state.idle_connections
    }

    /// One transaction bounded by the request's deadline: the lane's share
    /// of the pool, the write lock (SQLite) and the connection are waited
    /// for no longer than the deadline; with `interrupt`, statements running
    /// past it are interrupted (SQLite progress handler, PostgreSQL
    /// `statement_timeout`), the transaction is rolled back and the
    /// connection goes back to the pool.
    fn transaction<T>(&self, kind: Kind, interrupt: bool, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let (deadline, lane) = deadline::current();
        deadline.check(WHAT)?;
        // SQLite: the request's first read runs in the read transaction its
        // actor's read began ([`parked`]); a write waits for the lock with
        // nothing parked.
        if kind == Kind::Write {
            self.release_parked();
        }
        let _lane = self.lanes.enter(lane, &deadline)?;
        if kind == Kind::Read
            && interrupt
            && let Some(mut conn) = self.unpark()
        {
            let r = Self::finish_on(&mut conn, true, &deadline, f);
            return self.settle(&mut conn, r);
        }
        let _guard = match (&self.write_lock, kind) {
            // First come, first served (`lanes.rs`): bulk work entering
            // again between its batches queues behind every writer already
            // waiting, so a long import cannot keep the lock batch after batch.
            (Some(lock), Kind::Write) => Some(lock.enter(&deadline, "waiting for the write lock")?),
            _ => None,
        };
        let mut conn = self.checkout()?;
        // PostgreSQL: a raised cancel flag interrupts the running statement
        // (stopped before the connection goes back to the pool).
        let watch = if interrupt { self.cancel_watch(&mut conn, &deadline) } else { Ok(None) };
        let r = watch.and_then(|watch| {
            // PostgreSQL reads need no transaction (see [`session`]): two
            // round trips saved.
            let r = if kind == Kind::Read && interrupt && self.is_postgres() {
                self.bounded_query(&mut conn, &deadline, f)
            } else {
                let busy = session::sqlite_busy(&mut conn, &deadline);
                // PostgreSQL: the request's plan mode for this transaction
                // only (`SET LOCAL` with `BEGIN`), when the session's differs.
                let plans = if self.is_postgres() { session::pg_plan_mode(&conn) } else { None };
                Self::transaction_on(&mut conn, kind, interrupt, busy, plans, &deadline, f)
            };
            drop(watch);
            r
        });
        if kind == Kind::Write {
            recheck_actors(&conn);
        }
        self.settle(&mut conn, r)
    }

    /// `busy`: SQLite's busy timeout to set with `BEGIN` (`None`: the
    /// connection's fits the deadline, [`session::sqlite_busy`]);
    /// `plans`: PostgreSQL's plan mode to set for the transaction (`None`:
    /// the session's is the request's, [`session::pg_plan_mode`]).
    fn transaction_on<T>(
        conn: &mut Conn,
        kind: Kind,
        interrupt: bool,
        busy: Option<u128>,
        plans: Option<bool>,
        deadline: &Deadline,
        f: impl FnOnce(&mut Conn) -> Result<T>,
    ) -> Result<T> {
        Self::begin_on(conn, kind, interrupt, busy, plans, deadline)?;
        Self::finish_on(conn, interrupt, deadline, f)
    }

    /// Begins [`Db::transaction_on`]'s transaction.
    fn begin_on(
        conn: &mut Conn,
        kind: Kind,
        interrupt: bool,
        busy: Option<u128>,
        plans: Option<bool>,
        deadline: &Deadline,
    ) -> Result<()> {
        use diesel::connection::AnsiTransactionManager;
        #[cfg(not(feature = "postgres"))]
        let _ = (plans, interrupt);
        let begin = match conn {
            AnyConnection::Sqlite(_) => {
                let begin = if kind == Kind::Write { "BEGIN IMMEDIATE" } else { "BEGIN" };
                match busy {
                    Some(ms) => format!("PRAGMA busy_timeout = {ms}; {begin}"),
                    None => begin.to_string(),
                }
            }
            #[cfg(feature = "postgres")]
            AnyConnection::Pg(_) => {
                let ms = if interrupt { pg_timeout_ms(deadline) } else { 0 };
                // A write transaction never runs on a kept actor unchecked
                // (`actor::take_write_guard`): its `BEGIN` carries the check,
                // in the same batch, before anything is written. (The sweep
                // of expired transfers depends on no actor and runs outside
                // the guard, `actor::unguarded`.) The generation is a number
                // of ours, never a value of the request.
                // Last, so that it runs under the request's own timeout.
                let check = match kind {
                    Kind::Write => actor::take_write_guard()?
                        .map(|g| format!("; SELECT clientele_actor_fresh({g})"))
                        .unwrap_or_default(),
                    Kind::Read => String::new(),
                };
                match plans {
                    Some(generic) => format!(
                        "BEGIN; SET LOCAL statement_timeout = {ms}; SET LOCAL plan_cache_mode = {}{check}",
                        session::plan_mode(generic)
                    ),
                    None => format!("BEGIN; SET LOCAL statement_timeout = {ms}{check}"),
                }
            }
        };
        let began = match conn {
            AnyConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, &begin),
            #[cfg(feature = "postgres")]
            AnyConnection::Pg(c) => AnsiTransactionManager::begin_transaction_sql(c, &begin),
        };
        // PostgreSQL: the batch may have failed after its `BEGIN` (a stale
        // actor), leaving the server in a failed transaction diesel does
        // not know of. A `ROLLBACK` outside a transaction only warns; one
        // that fails leaves the connection to be discarded.
        let failed_batch = matches!(began, Err(ref e) if !matches!(e, diesel::result::Error::AlreadyInTransaction));
        if conn.is_pg()
            && failed_batch
            && diesel::connection::SimpleConnection::batch_execute(conn, "ROLLBACK").is_err()
        {
            health::mark_broken(conn);
        }
        began.map_err(|e| {
            let e: Error = e.into();
            if deadline.expired() || deadline.canceled() { deadline.error(WHAT) } else { e }
        })?;
        if kind == Kind::Write && conn.is_pg() {
            actor::confirm_write_guard();
        }
        Ok(())
    }

    /// Runs `f` in the transaction [`Db::begin_on`] began, then commits it
    /// (rolls it back when `f` fails).
    fn finish_on<T>(
        conn: &mut Conn,
        interrupt: bool,
        deadline: &Deadline,
        f: impl FnOnce(&mut Conn) -> Result<T>,
    ) -> Result<T> {
        use diesel::connection::TransactionManager;
        type Manager = <Conn as diesel::Connection>::TransactionManager;
        let armed = interrupt.then(|| deadline::arm(deadline));
        let result = f(conn);
        let fired = armed.as_ref().is_some_and(|a| a.fired());
        // Commit and rollback are never interrupted.
        drop(armed);
        match result {
            Ok(v) => {
                Manager::commit_transaction(conn).map_err(|e| interrupted(e.into(), fired, deadline))?;
                Ok(v)
            }
            Err(e) => {
                // An interrupted write may have been rolled back by SQLite
                // already; the connection is then out of its transaction
                // and diesel's bookkeeping is reset by a failed rollback.
                let rolled = Manager::rollback_transaction(conn);
                let e = interrupted(e, fired, deadline);
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

/// Makes a connection that ran a write transaction (committed or not)
/// check its cached actors' generation at its next request: SQLite's
/// `data_version` does not tell a connection's own commits
/// ([`actor::cached`]).
pub(crate) fn recheck_actors(conn: &r2d2::PooledConnection<Manager>) {
    if let Some(cache) = r2d2::PooledConnection::extensions(conn).get::<actor::Cache>() {
        cache.recheck();
    }
}

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
        // `statement_timeout` is only ever set from the deadline, and
        // PostgreSQL may fire it a fraction of a millisecond before this
        // process's clock says the deadline passed.
        Error::Storage { message: m, .. }
            if fired
                || m.contains("canceling statement due to statement timeout")
                || ((deadline.expired() || deadline.canceled())
                    && (m.contains("interrupted")
                        || m.contains("statement timeout")
                        || m.contains("locked")
                        || m.contains("due to user request"))) =>
        {
            deadline.error(WHAT)
        }
        _ => e,
    }
}

/// A deliberately slow statement (tests of deadlines).
pub(crate) fn debug_slow(conn: &mut Conn) -> Result<()> {
    match conn {
        AnyConnection::Sqlite(c) => c.batch_execute(
            "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 4000000000) SELECT count(*) FROM r",
        )?,
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(c) => c.batch_execute("SELECT pg_sleep(60)")?,
    }
    Ok(())
}

/// Whether migrations are pending (read only).
fn pending_migrations(conn: &mut Conn, migrations: EmbeddedMigrations) -> Result<bool> {
    conn.has_pending_migration(migrations)
        .map_err(|e| Error::storage(format!("reading applied migrations: {e}")).caused_by_boxed(e))
}

impl From<diesel::r2d2::Error> for Error {
    fn from(e: diesel::r2d2::Error) -> Self {
        Error::storage(e.to_string()).caused_by(e)
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
    let known: Vec<String> = MigrationSource::<diesel::sqlite::Sqlite>::migrations(migrations)
        .map_err(|e| Error::storage(format!("embedded migrations: {e}")).caused_by_boxed(e))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied = conn
        .applied_migrations()
        .map_err(|e| Error::storage(format!("reading applied migrations: {e}")).caused_by_boxed(e))?;
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
    serde_json::from_str(s).map_err(|e| Error::storage(format!("corrupt {what} in database: {e}")).caused_by(e))
}

/// A JSON list column (`[]` when empty, as [`to_json`] writes it): many
/// rows' phones, e-mails and files are empty, and a page reads 50 rows,
/// so the empty text is answered without a parser.
pub(crate) fn json_list<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<Vec<T>> {
    if s == "[]" { Ok(Vec::new()) } else { from_json(s, what) }
}

/// A JSON object column (`{}` when empty), as [`json_list`].
pub(crate) fn json_map<V: serde::de::DeserializeOwned>(
    s: &str,
    what: &str,
) -> Result<std::collections::BTreeMap<String, V>> {
    if s == "{}" { Ok(std::collections::BTreeMap::new()) } else { from_json(s, what) }
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
#[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
pub(crate) fn hold_live(conn: &mut Conn, parent: Parent, id: crate::domain::Id) -> Result<bool> {
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(c) => {
            let select = match parent {
                Parent::Client => "SELECT id FROM clients WHERE id = ",
                Parent::Contact => "SELECT id FROM contacts WHERE id = ",
            };
            // Kept prepared by the connection (`sql_query` never is).
            let mut sql = crate::query::sql::Sql::new(true);
            sql.push(select).bind_int(id).push(" AND trash_id IS NULL FOR SHARE");
            let n = prepared::Prepared::<diesel::sql_types::Untyped>::fixed(&sql).execute(c)?;
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
            #[cfg(feature = "postgres")]
            $crate::store::AnyConnection::Pg($c) => $body,
        }
    };
}
pub(crate) use with_backend;

/// Loads `$query` filtered to the rows whose `$col` is one of `$ids`: with
/// one id as `$col = ?`, a statement the connection's cache keeps; with more
/// as `$col IN (?, …)`, which diesel never caches on SQLite (prepared afresh
/// at each call; PostgreSQL's `= ANY($1)` is cached, and one id costs it a
/// second kept statement, nothing more). Reading one record is the common
/// case (a get, or the record a write answers), and on SQLite its attached
/// rows were prepared every time.
macro_rules! load_by_ids {
    ($query:expr, $col:expr, $ids:expr, $conn:expr) => {
        match $ids {
            [one] => $query.filter($col.eq(*one)).load($conn),
            many => $query.filter($col.eq_any(many.to_vec())).load($conn),
        }
    };
}
pub(crate) use load_by_ids;

/// The lookups every record table has (`id`, `version`, `trash_id`
/// columns): `get` a row by id (live, or also in the trash), the `version_of`
/// a live row.
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
    };
}
pub(crate) use record_lookups;

/// Declares the columns a record's writes set, once, as two structs:
/// `Write` (what an update sets, and an insert embeds) and `NewRow`: the same
/// columns flat with the id, the creation columns, the version and the
/// `$extra` columns — a whole new row, as imports insert it (on SQLite a
/// single-row INSERT of fixed shape, prepared once; on PostgreSQL a binary
/// `COPY`, which takes no embedded struct). `NewRow::new` moves a `Write`
/// into a new row at version 1.
macro_rules! written_columns {
    ($table:ident { $($field:ident : $ty:ty,)* } $(new with { $($extra:ident : $xty:ty,)* })?) => {
        #[derive(Insertable, AsChangeset, serde::Serialize)]
        #[diesel(table_name = $table, treat_none_as_null = true, treat_none_as_default_value = false)]
        pub(crate) struct Write {
            $($field: $ty,)*
        }

        impl Write {
            /// The columns written, in order (statements of our own that
            /// take the row as JSON: `json_populate_record`).
            #[allow(dead_code)]
            pub(crate) const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// PostgreSQL: `INSERT INTO <table> (…) SELECT … FROM
            /// json_populate_record(…) AS r` of this row, new (version 1)
            /// by `actor` at `now`, bound as one JSON object: one text,
            /// kept prepared, whatever is absent. For a data-modifying
            /// `WITH` part; the caller adds `WHERE`, `ON CONFLICT`,
            /// `RETURNING`.
            #[cfg(feature = "postgres")]
            #[allow(dead_code)]
            pub(crate) fn pg_insert(
                &self,
                sql: &mut crate::query::sql::Sql,
                actor: i64,
                now: i64,
            ) -> crate::error::Result<()> {
                let internal = |e: serde_json::Error| crate::error::Error::internal(e.to_string()).caused_by(e);
                let mut row = serde_json::to_value(self).map_err(internal)?;
                if let Some(o) = row.as_object_mut() {
                    o.insert("created_by".into(), actor.into());
                    o.insert("created_at".into(), now.into());
                    o.insert("version".into(), 1.into());
                }
                let table = stringify!($table);
                let cols = Self::COLUMNS.join(", ");
                let from_r = Self::COLUMNS.iter().map(|c| format!("r.{c}")).collect::<Vec<_>>().join(", ");
                sql.push(&format!(
                    "INSERT INTO {table} (created_by, created_at, version, {cols}) SELECT r.created_by, \
                     r.created_at, r.version, {from_r} FROM json_populate_record(NULL::{table}, "
                ))
                .bind_text(row.to_string())
                .push("::json) AS r");
                Ok(())
            }
        }

        /// A whole new row (imports).
        #[derive(Insertable)]
        #[diesel(table_name = $table, treat_none_as_default_value = false)]
        pub(crate) struct NewRow {
            pub(crate) id: i64,
            created_by: i64,
            created_at: i64,
            version: i64,
            $($field: $ty,)*
            $($($extra: $xty,)*)?
        }

        impl NewRow {
            /// Row `id`, new (version 1), made by `created_by` at `created_at`.
            pub(crate) fn new(
                id: i64,
                w: Write,
                created_by: i64,
                created_at: i64,
                $($($extra: $xty,)*)?
            ) -> NewRow {
                NewRow { id, created_by, created_at, version: 1, $($field: w.$field,)* $($($extra,)*)? }
            }
        }
    };
}
pub(crate) use written_columns;

/// For core's unit tests on SQLite: the path of a database file of their
/// own (`name` and the process id, under the temporary directory), any
/// file of an earlier run at that path removed.
#[cfg(test)]
pub(crate) fn test_db_path(name: &str) -> String {
    let dir = std::env::temp_dir().join("clientele-core-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
    p.display().to_string()
}

/// For core's unit tests on PostgreSQL: a schema of their own, made afresh,
/// and the URL whose connections work in it; dropped with the value (drop
/// the `Db` first). `None` when the server is unreachable: a skip, and a
/// failure under CI, where PostgreSQL tests may not skip.
#[cfg(all(test, feature = "postgres"))]
pub(crate) struct PgTestSchema {
    admin: diesel::PgConnection,
    name: String,
    pub(crate) url: String,
}

#[cfg(all(test, feature = "postgres"))]
impl PgTestSchema {
    pub(crate) fn new(prefix: &str) -> Option<PgTestSchema> {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let base =
            std::env::var("CLIENTELE_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let Ok(mut admin) = diesel::PgConnection::establish(&base) else {
            assert!(std::env::var("CI").is_err(), "PostgreSQL unreachable at {base} under CI");
            eprintln!("skipping: PostgreSQL unreachable at {base}");
            return None;
        };
        let name = format!("{prefix}_{}", std::process::id());
        admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")).unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{name}");
        Some(PgTestSchema { admin, name, url })
    }
}

#[cfg(all(test, feature = "postgres"))]
impl Drop for PgTestSchema {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        let _ = self.admin.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
    }
}

//! Clean lifetimes, recovery and honesty about storage.
//!
//! - **One set of pool threads per process.** r2d2 gives each pool its own
//!   scheduled thread pool (3 threads) unless handed one, and a pool with an
//!   idle timeout or a maximum lifetime schedules a reaper job at a fixed
//!   rate (30 s). Dropping the pool shuts its thread pool down, but that
//!   thread pool finishes its pending scheduled jobs first: the reaper's
//!   next tick kept all three threads alive for up to 30 s after every close
//!   (1,000 opens: +3,000 threads). Every pool now shares [`workers`] and
//!   schedules no reaper (no idle timeout, no maximum lifetime), so nothing
//!   of a closed engine outlives it but a pending connect retry, which finds
//!   its pool gone and ends.
//! - **A connection that failed for good is discarded** ([`classify`],
//!   [`mark_broken`]): read-only, I/O, disk-full and corruption errors on
//!   SQLite (a connection opened while the file was read-only stays
//!   read-only for life), a lost connection on PostgreSQL. The next request
//!   opens a fresh one, so the engine recovers when the cause is gone.
//! - **An unreachable server is answered at once** ([`Health`]): after a
//!   failed connect or a lost connection, each request first tries to
//!   connect itself and answers `unavailable` when that fails, instead of
//!   waiting out the pool's timeout; when it succeeds the engine is back.
//! - **A database file deleted or replaced under an open engine is
//!   detected** ([`Identity`]): the file's device and inode, recorded at
//!   open, are checked (one `stat`) before each request.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use scheduled_thread_pool::ScheduledThreadPool;

use super::AnyConnection;
use crate::error::{Error, Result};

/// Threads that open connections for every pool of the process (r2d2
/// connects in the background while a request waits). Four, so that a slow
/// connect to one server does not hold up the pools of other engines.
pub(crate) fn workers() -> Arc<ScheduledThreadPool> {
    static WORKERS: Lazy<Arc<ScheduledThreadPool>> = Lazy::new(|| {
        Arc::new(ScheduledThreadPool::builder().num_threads(4).thread_name_pattern("clientele-db-{}").build())
    });
    WORKERS.clone()
}

/// How a failed request leaves its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The server is gone (PostgreSQL): discard the connection and answer
    /// `unavailable`.
    Lost,
    /// The connection may stay unusable (read-only, I/O, full disk,
    /// corruption): discard it; the next request opens a fresh one.
    Broken,
}

/// SQLite's messages (`sqlite3_errstr`) for errors a fresh connection may
/// not have, and libpq's for a connection the server dropped.
const BROKEN: &[&str] = &[
    "attempt to write a readonly database",
    "disk i/o error",
    "database or disk is full",
    "database disk image is malformed",
    "file is not a database",
    "unable to open database file",
];
const LOST: &[&str] = &[
    "server closed the connection",
    "no connection to the server",
    "terminating connection due to administrator command",
    "could not receive data from server",
    "could not send data to server",
    "connection to server",
    "ssl syscall error",
    "ssl connection has been closed unexpectedly",
    "connection has been closed",
    "eof detected",
];

/// Which errors outlive their request (see [`Fault`]).
pub(crate) fn classify(e: &Error) -> Option<Fault> {
    let Error::Storage { message, .. } = e else { return None };
    let m = message.to_lowercase();
    if LOST.iter().any(|s| m.contains(s)) {
        Some(Fault::Lost)
    } else if BROKEN.iter().any(|s| m.contains(s)) {
        Some(Fault::Broken)
    } else {
        None
    }
}

/// Makes the pool discard `conn` when it is given back (its `has_broken`
/// refuses a connection whose transaction state is in error).
pub(crate) fn mark_broken(conn: &mut AnyConnection) {
    use diesel::connection::{Connection, TransactionManager};
    type Manager = <AnyConnection as Connection>::TransactionManager;
    Manager::transaction_manager_status_mut(conn).set_in_error();
}

/// Whether the database could be reached lately, shared by the pool's
/// connection manager (which records each connect) and the requests.
#[derive(Debug, Default)]
pub(crate) struct Health {
    down: AtomicBool,
    /// Bumped at each lost connection: pooled connections from before it
    /// are checked before use.
    generation: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Health {
    pub(crate) fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(crate) fn connected(&self) {
        self.down.store(false, Ordering::Release);
    }

    /// A connect failed or a connection was lost.
    pub(crate) fn failed(&self, why: &str) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(why.to_string());
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.down.store(true, Ordering::Release);
    }

    pub(crate) fn last_error(&self) -> String {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone().unwrap_or_default()
    }
}

/// The identity of a database file (device and inode), recorded at open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    path: String,
    #[cfg(unix)]
    id: (u64, u64),
}

impl Identity {
    /// The identity of the file at `path` now (`None` for `:memory:` and
    /// for `file:` URIs, which are not checked).
    pub(crate) fn of(path: &str) -> Result<Option<Identity>> {
        if path == ":memory:" || path.starts_with("file:") {
            return Ok(None);
        }
        #[cfg(unix)]
        {
            let id = Self::stat(path)?;
            Ok(Some(Identity { path: path.to_string(), id }))
        }
        #[cfg(not(unix))]
        {
            // Windows: a file open in SQLite cannot be deleted or renamed
            // (no FILE_SHARE_DELETE), so there is nothing to detect.
            Ok(Some(Identity { path: path.to_string() }))
        }
    }

    #[cfg(unix)]
    fn stat(path: &str) -> Result<(u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).map_err(|e| {
            Error::storage(format!("the SQLite database '{path}' is gone ({e}): it was deleted or moved while the engine had it open; nothing was written; put it back or reopen the engine")).caused_by(e)
        })?;
        Ok((m.dev(), m.ino()))
    }

    /// Refuses a file deleted, moved away or replaced since open: writes to
    /// it would be acknowledged and lost.
    pub(crate) fn check(&self) -> Result<()> {
        #[cfg(unix)]
        {
            let now = Self::stat(&self.path)?;
            if now != self.id {
                return Err(Error::storage(format!(
                    "the SQLite database '{}' was replaced by another file while the engine had it open; nothing was written; reopen the engine",
                    self.path
                )));
            }
        }
        Ok(())
    }
}

/// How hard a commit tries to reach the disk (`EngineConfig.durability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// The commit waits for the disk (SQLite `synchronous = FULL`,
    /// PostgreSQL `synchronous_commit = on`): survives a power cut.
    Full,
    /// SQLite `synchronous = NORMAL`, PostgreSQL `synchronous_commit =
    /// off`: survives a crash of the process, not of the machine.
    Normal,
}

impl Durability {
    pub(crate) fn parse(s: &str) -> Result<Durability> {
        match s {
            "full" => Ok(Durability::Full),
            "normal" => Ok(Durability::Normal),
            other => Err(Error::Config(format!("durability must be \"full\" or \"normal\", not \"{other}\""))),
        }
    }

    pub(crate) fn sqlite_pragma(self) -> &'static str {
        match self {
            Durability::Full => "PRAGMA synchronous = FULL;",
            Durability::Normal => "PRAGMA synchronous = NORMAL;",
        }
    }

    #[cfg(feature = "postgres")]
    pub(crate) fn pg_setting(self) -> &'static str {
        match self {
            Durability::Full => "SET synchronous_commit = on",
            Durability::Normal => "SET synchronous_commit = off",
        }
    }
}

/// The longest a connect to PostgreSQL may take when no request waits on
/// it (the pool's background connects, opening an engine).
const CONNECT_TIMEOUT_S: u64 = 10;

/// `url` with libpq's `connect_timeout` bounded by the deadline of the
/// request that connects (a request that reconnects while the server is
/// down or silent must not hang past its deadline; libpq's shortest
/// timeout is 2 s). A timeout the host wrote in the URL is kept.
pub(crate) fn pg_connect_url(url: &str, deadline: &crate::deadline::Deadline) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let secs = deadline
        .remaining()
        .map_or(CONNECT_TIMEOUT_S, |d| d.as_millis().div_ceil(1000) as u64)
        .clamp(2, CONNECT_TIMEOUT_S);
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={secs}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn connects_are_bounded_by_the_deadline() {
        use crate::deadline::Deadline;
        use std::time::Duration;
        let url = "postgres://u@h/db";
        assert_eq!(super::pg_connect_url(url, &Deadline::none()), "postgres://u@h/db?connect_timeout=10");
        let soon = Deadline::after(Duration::from_millis(3_500));
        assert_eq!(super::pg_connect_url(url, &soon), "postgres://u@h/db?connect_timeout=4");
        let past = Deadline::after(Duration::ZERO);
        assert_eq!(
            super::pg_connect_url("postgres://h/db?sslmode=disable", &past),
            "postgres://h/db?sslmode=disable&connect_timeout=2"
        );
        let late = Deadline::after(Duration::from_secs(120));
        assert_eq!(super::pg_connect_url(url, &late), "postgres://u@h/db?connect_timeout=10");
        assert_eq!(
            super::pg_connect_url("postgres://h/db?connect_timeout=30", &soon),
            "postgres://h/db?connect_timeout=30"
        );
    }

    use diesel::connection::SimpleConnection;
    use diesel::sql_types::BigInt;
    use diesel::{QueryableByName, RunQueryDsl};

    use super::*;
    use crate::config::EngineConfig;
    use crate::store::{Conn, Db};

    #[derive(QueryableByName)]
    struct CacheSize {
        #[diesel(sql_type = BigInt)]
        cache_size: i64,
    }
    #[derive(QueryableByName)]
    struct Synchronous {
        #[diesel(sql_type = BigInt)]
        synchronous: i64,
    }
    #[cfg(feature = "postgres")]
    #[derive(QueryableByName)]
    struct SynchronousCommit {
        #[diesel(sql_type = diesel::sql_types::Text)]
        synchronous_commit: String,
    }

    fn open(url: &str, durability: &str) -> Db {
        let mut config = EngineConfig::new(url);
        config.durability = durability.into();
        Db::open(&config).unwrap()
    }

    /// A mark only this connection carries (a fresh one has the default).
    fn cache_size(c: &mut Conn) -> Result<i64> {
        Ok(diesel::sql_query("PRAGMA cache_size").get_result::<CacheSize>(c)?.cache_size)
    }

    #[test]
    fn errors_that_outlive_their_request_are_told_apart() {
        let s = |m: &str| Error::storage(m);
        assert_eq!(classify(&s("attempt to write a readonly database")), Some(Fault::Broken));
        assert_eq!(classify(&s("disk I/O error")), Some(Fault::Broken));
        assert_eq!(classify(&s("database or disk is full")), Some(Fault::Broken));
        assert_eq!(classify(&s("database disk image is malformed")), Some(Fault::Broken));
        assert_eq!(
            classify(&s("server closed the connection unexpectedly\n\tThis probably means the server terminated")),
            Some(Fault::Lost)
        );
        assert_eq!(classify(&s("SSL SYSCALL error: EOF detected")), Some(Fault::Lost));
        assert_eq!(classify(&s("UNIQUE constraint failed: clients.code_key")), None);
        assert_eq!(classify(&s("database is locked")), None);
        assert_eq!(classify(&Error::Canceled), None);
        assert_eq!(
            classify(&Error::Validation { field: "x".into(), code: "c", message: "disk I/O error".into() }),
            None
        );
    }

    #[test]
    fn a_connection_that_failed_for_good_is_replaced_by_a_fresh_one() {
        let p = crate::store::test_db_path("discard");
        let db = open(&p, "full");
        let mark = |c: &mut Conn| -> Result<()> { Ok(c.batch_execute("PRAGMA cache_size = -1234")?) };
        db.query(mark).unwrap();
        assert_eq!(db.query(cache_size).unwrap(), -1234, "one pooled connection, reused");

        // An ordinary failure keeps the connection.
        let e = db.query(|_| -> Result<()> { Err(Error::storage("UNIQUE constraint failed: x")) });
        assert!(matches!(e, Err(Error::Storage { .. })));
        assert_eq!(db.query(cache_size).unwrap(), -1234);

        // A read-only connection (opened while the file was read-only) is
        // discarded, in a read and in a write: the next request gets a
        // fresh one.
        for how in ["query", "read", "write"] {
            db.query(mark).unwrap();
            let fail = |_: &mut Conn| -> Result<()> { Err(Error::storage("attempt to write a readonly database")) };
            let e = match how {
                "query" => db.query(fail),
                "read" => db.read(fail),
                _ => db.write(fail),
            };
            assert_eq!(e, Err(Error::storage("attempt to write a readonly database")));
            assert_ne!(db.query(cache_size).unwrap(), -1234, "{how}: the failed connection was discarded");
        }
        drop(db);
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn a_relative_path_keeps_naming_the_file_opened_when_the_working_directory_changes() {
        let dir = std::env::temp_dir().join(format!("clientele-core-cwd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let home = std::env::current_dir().unwrap();
        std::env::set_current_dir(&dir).unwrap();
        let opened = Db::open(&EngineConfig::new("sqlite:relatif-été.db"));
        std::env::set_current_dir(&home).unwrap();
        let db = opened.unwrap();
        // Served from the file opened first, not refused as gone, and no
        // new database is made beside the new working directory.
        db.write(|c| Ok(c.batch_execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")?)).unwrap();
        assert!(!home.join("relatif-été.db").exists());
        drop(db);
        assert!(dir.join("relatif-été.db").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn durability_sets_how_sqlite_commits() {
        let p = crate::store::test_db_path("durability");
        let full = open(&p, "full");
        let sync = |c: &mut Conn| Ok(diesel::sql_query("PRAGMA synchronous").get_result::<Synchronous>(c)?.synchronous);
        assert_eq!(full.query(sync).unwrap(), 2, "FULL: a commit waits for the disk");
        drop(full);
        let normal = open(&p, "normal");
        assert_eq!(normal.query(sync).unwrap(), 1, "NORMAL");
        drop(normal);
        let _ = std::fs::remove_file(&p);
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn durability_sets_how_postgres_commits() {
        let Some(schema) = crate::store::PgTestSchema::new("core_durability") else { return };
        let url = &schema.url;
        let show = |c: &mut Conn| {
            Ok(diesel::sql_query("SHOW synchronous_commit").get_result::<SynchronousCommit>(c)?.synchronous_commit)
        };
        let full = open(url, "full");
        assert_eq!(full.query(show).unwrap(), "on");
        drop(full);
        let normal = open(url, "normal");
        assert_eq!(normal.query(show).unwrap(), "off");
        drop(normal);
    }
}

//! Writes that never wait for another writer: housekeeping a read does on
//! the way (expiring transfers past their date) must not make the read
//! wait for an import holding the SQLite write lock, nor for a row another
//! PostgreSQL transaction holds.
//!
//! [`Db::try_write`] runs its body in a write transaction only if the write
//! lock is free right now: the in-process writer gate without waiting, on
//! SQLite `BEGIN IMMEDIATE` with `busy_timeout = 0`, on PostgreSQL a
//! `lock_timeout` of [`PG_LOCK_WAIT_MS`]. When the lock is taken it answers
//! `Ok(None)` and writes nothing; the caller answers from what it can read.

use super::{AnyConnection, Conn, Db, WHAT, interrupted};
use crate::deadline::{self, Deadline};
use crate::error::{Error, Result};

/// How long a PostgreSQL row lock is waited for before giving up.
#[cfg(feature = "postgres")]
const PG_LOCK_WAIT_MS: u64 = 20;

impl Db {
    /// Runs `f` in a write transaction if no other writer holds the lock
    /// now (`Ok(None)` otherwise, nothing written). Bounded by the
    /// request's deadline like [`Db::write`].
    pub(crate) fn try_write<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<Option<T>> {
        let (deadline, lane) = deadline::current();
        deadline.check(WHAT)?;
        let _lane = self.lanes.enter(lane, &deadline)?;
        let _guard = match &self.write_lock {
            Some(gate) => match gate.try_enter() {
                Some(g) => Some(g),
                None => return Ok(None),
            },
            None => None,
        };
        let mut conn = self.checkout()?;
        let r = try_write_on(&mut conn, &deadline, f);
        super::recheck_actors(&conn);
        // The `busy_timeout = 0` set with its `BEGIN` is no longer the one
        // the connection records: the next transaction sets its own.
        super::session::forget_sqlite_busy(&mut conn);
        self.settle(&mut conn, r)
    }
}

fn try_write_on<T>(conn: &mut Conn, deadline: &Deadline, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<Option<T>> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <Conn as diesel::Connection>::TransactionManager;
    let began = match conn {
        // `busy_timeout` is set again by the next request on this
        // connection (every transaction begins with its own).
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "PRAGMA busy_timeout = 0; BEGIN IMMEDIATE")
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            // Custom plans whatever the session's mode (a write runs in a
            // read that may want generic plans, `engine::generic_plans`).
            &format!(
                "BEGIN; SET LOCAL statement_timeout = {}; SET LOCAL lock_timeout = {PG_LOCK_WAIT_MS}; \
                 SET LOCAL plan_cache_mode = auto",
                super::pg_timeout_ms(deadline)
            ),
        ),
    };
    if let Err(e) = began {
        let e: Error = e.into();
        return if is_lock_wait(&e) { Ok(None) } else { Err(e) };
    }
    let armed = deadline::arm(deadline);
    let result = f(conn);
    let fired = armed.fired();
    drop(armed);
    match result {
        Ok(v) => {
            Manager::commit_transaction(conn).map_err(|e| interrupted(e.into(), fired, deadline))?;
            Ok(Some(v))
        }
        Err(e) => {
            let rolled = Manager::rollback_transaction(conn);
            if !fired && is_lock_wait(&e) {
                rolled?;
                return Ok(None);
            }
            let e = interrupted(e, fired, deadline);
            match rolled {
                Ok(()) => Err(e),
                Err(_) if matches!(e, Error::Timeout { .. } | Error::Canceled) => Err(e),
                Err(r) => Err(r.into()),
            }
        }
    }
}

/// Whether an error means "another writer holds the lock" (SQLite busy,
/// PostgreSQL `lock_timeout`).
fn is_lock_wait(e: &Error) -> bool {
    matches!(e, Error::Storage { message: m, .. } if m.contains("database is locked") || m.contains("lock timeout") || m.contains("SQLITE_BUSY"))
}

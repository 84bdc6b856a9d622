//! Cancel on PostgreSQL: a raised cancel flag (the C ABI's cancel token, an
//! abandoned dashboard render) interrupts the statement running on the
//! server at once, as SQLite's progress handler does in-process.
//!
//! `statement_timeout` bounds a statement by the deadline, but a flag is
//! raised from another thread at any moment. While a request that carries a
//! flag holds a PostgreSQL connection, a watcher thread polls the flag every
//! [`POLL`]; once it is raised, the watcher opens a connection of its own
//! and sends `pg_cancel_backend(pid)` for the request's server process.
//! The request then fails with "canceling statement due to user request"
//! and answers `canceled`.
//!
//! The watcher is stopped and joined before the connection goes back to
//! the pool, so a late cancel can never hit another request's statement.
//! Stopping wakes it (it parks between looks, not sleeps): joined after a
//! full sleep, every read of a dashboard tile (which carries the render's
//! flag) waited up to [`POLL`] for its watcher, 30 of a PostgreSQL staff
//! dashboard's 42 ms at size M.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

#[cfg(feature = "postgres")]
use diesel::prelude::*;

use super::AnyConnection;
use crate::error::Result;

/// How often the watcher looks at the flag.
const POLL: Duration = Duration::from_millis(5);

#[cfg(feature = "postgres")]
#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

/// The server process behind a PostgreSQL connection (one round trip;
/// only requests that carry a cancel flag ask).
pub(super) fn backend_pid(conn: &mut AnyConnection) -> Result<Option<i32>> {
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(c) => Ok(Some(diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result::<Pid>(c)?.pid)),
        AnyConnection::Sqlite(_) => Ok(None),
    }
}

/// A running watcher; dropping it stops and joins the thread.
pub(super) struct Watch {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Watches `flag` for the server process `pid`, cancelling through a
/// connection of its own to `url`.
pub(super) fn watch(url: String, pid: i32, flag: Arc<AtomicBool>) -> Watch {
    let done = Arc::new(AtomicBool::new(false));
    let thread = {
        let done = done.clone();
        std::thread::Builder::new()
            .name("clientele-pg-cancel".into())
            .spawn(move || {
                while !done.load(Ordering::Acquire) {
                    if flag.load(Ordering::Relaxed) {
                        cancel(&url, pid);
                        return;
                    }
                    // Woken early by `Watch::drop` (or spuriously: the
                    // loop looks again).
                    std::thread::park_timeout(POLL);
                }
            })
            .ok()
    };
    Watch { done, thread }
}

#[cfg(not(feature = "postgres"))]
fn cancel(_url: &str, _pid: i32) {
    // No PostgreSQL connection exists in a SQLite-only build: `backend_pid`
    // answers `None` and no watcher starts.
}

/// Best effort: when the cancel cannot be sent, the statement still ends
/// at its deadline (`statement_timeout`).
#[cfg(feature = "postgres")]
fn cancel(url: &str, pid: i32) {
    if let Ok(mut c) = diesel::PgConnection::establish(url) {
        let _ = diesel::sql_query("SELECT pg_cancel_backend($1)")
            .bind::<diesel::sql_types::Integer, _>(pid)
            .execute(&mut c);
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

/// The server process of a pooled connection, asked once per connection.
#[derive(Clone, Copy)]
struct BackendPid(i32);

impl super::Db {
    /// A watcher for a request that carries a cancel flag and holds a
    /// PostgreSQL connection (`None` otherwise).
    pub(super) fn cancel_watch(
        &self,
        conn: &mut r2d2::PooledConnection<super::Manager>,
        deadline: &crate::deadline::Deadline,
    ) -> Result<Option<Watch>> {
        let (Some(flag), super::Target::Postgres(url)) = (deadline.cancel_flag(), &self.target) else {
            return Ok(None);
        };
        let pid = match r2d2::PooledConnection::extensions(conn).get::<BackendPid>() {
            Some(p) => p.0,
            None => {
                let Some(pid) = backend_pid(conn)? else { return Ok(None) };
                r2d2::PooledConnection::extensions_mut(conn).insert(BackendPid(pid));
                pid
            }
        };
        let url = super::health::pg_connect_url(url, &crate::deadline::Deadline::none());
        Ok(Some(watch(url, pid, flag)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stopping a watcher wakes it: a request pays for its watcher's
    /// start and join, not for its poll's sleep (each dashboard tile's
    /// read waited up to `POLL` when it slept). 100 watchers stopped at
    /// once must take far less than 100 polls.
    #[test]
    fn stopping_a_watcher_does_not_wait_for_its_poll() {
        let start = std::time::Instant::now();
        for _ in 0..100 {
            let w = watch("postgres://unused".into(), 0, Arc::new(AtomicBool::new(false)));
            // Let the thread reach its park (or, slept, its sleep).
            std::thread::sleep(Duration::from_millis(1));
            drop(w);
        }
        // Slept, each stop waits out the rest of a poll (~4 ms): ~500 ms.
        let took = start.elapsed();
        assert!(took < Duration::from_millis(100) + POLL * 100 / 2, "100 watchers took {took:?} to stop");
    }
}

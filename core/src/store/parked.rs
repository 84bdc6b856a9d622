//! One connection and one snapshot for a read request (SQLite).
//!
//! A staff member's request reads its actor ([`Db::actor`]) before the
//! operation runs. On SQLite that read used to check out a connection,
//! read the connection's cached actor behind `PRAGMA data_version` in a
//! snapshot of its own, and give the connection back; the operation's read
//! then checked out a connection again (a `stat` of the file, a round
//! through the pool) and took a second snapshot (a second pair of WAL
//! read-lock `fcntl`s): about a fifth of a small page's time.
//!
//! Inside a [`Scope`] (a read-only request, opened by the engine around
//! it), the actor's read begins the read transaction and leaves its
//! connection here, the transaction still open ("parked"). The request's
//! first [`Db::read`] takes it and runs in that same transaction: the
//! actor's rights and the page come from one snapshot. Anything else that
//! wants a connection on this thread first takes the parked one and ends
//! its transaction ([`Db::checkout`]); a write gives it back to the pool
//! before it waits for the write lock; the scope's end gives back whatever
//! is still parked. So a parked connection never waits on anything, and
//! never outlives the request.
//!
//! Invariants:
//! - A parked connection always has a read transaction open, begun by
//!   diesel's transaction manager (depth 1).
//! - Only the thread that parked a connection can take it (thread-local),
//!   and only for the [`Db`] that parked it ([`Db::park_key`]).
//! - Only the outermost scope of a thread opens parking. A request nested
//!   in it on the same thread (none does today: read-only ops make no
//!   callbacks) takes the parked connection at its first checkout, as
//!   anything else does, and its actor's read may park again; the outer
//!   scope's end gives back what is left.
//! - The engine's note of when the next sweep of expired transfers is due
//!   lives outside the database: a read that finds a sweep done relies on
//!   it, so a snapshot begun before that sweep is given back
//!   ([`Db::after_sweeps`]).

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Db, Manager};

type Pooled = r2d2::PooledConnection<Manager>;

/// A connection parked on a thread.
struct Parked {
    /// The key of its [`Db`].
    key: usize,
    conn: Pooled,
    /// [`Db::note_sweep`]'s count before its snapshot began.
    sweeps: u64,
}

thread_local! {
    /// The connection parked on this thread.
    static PARKED: RefCell<Option<Parked>> = const { RefCell::new(None) };
    /// The key of the [`Db`] whose scope is open on this thread (0: none).
    static SCOPE: Cell<usize> = const { Cell::new(0) };
}

/// A key for each [`Db`] of the process, never 0 and never reused.
pub(super) fn next_key() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// While alive, the actor's read of its [`Db`] on this thread parks its
/// connection (see the module's documentation). Dropping it gives back
/// whatever is still parked.
pub(crate) struct Scope {
    key: usize,
}

impl Drop for Scope {
    fn drop(&mut self) {
        if self.key == 0 {
            return;
        }
        SCOPE.with(|s| s.set(0));
        if let Some(p) = PARKED.with(|p| p.borrow_mut().take()) {
            drop(end(p.conn));
        }
    }
}

/// Ends a parked connection's read transaction. `None` when it cannot:
/// the connection is then dropped, and not put back in the pool
/// (`Manager::has_broken`).
fn end(mut conn: Pooled) -> Option<Pooled> {
    use diesel::connection::{Connection, TransactionManager};
    type Tm = <super::AnyConnection as Connection>::TransactionManager;
    Tm::rollback_transaction(&mut conn).is_ok().then_some(conn)
}

impl Db {
    /// Opens a parking scope for one read-only request on this thread
    /// (SQLite; a no-op on PostgreSQL, or inside another scope).
    pub(crate) fn park_scope(&self) -> Scope {
        if self.is_postgres() || SCOPE.with(Cell::get) != 0 {
            return Scope { key: 0 };
        }
        SCOPE.with(|s| s.set(self.park_key));
        Scope { key: self.park_key }
    }

    /// Whether the actor's read may park its connection: this thread's
    /// scope is this database's, and nothing is parked yet.
    pub(super) fn may_park(&self) -> bool {
        SCOPE.with(Cell::get) == self.park_key && PARKED.with(|p| p.borrow().is_none())
    }

    /// Parks `conn`, its read transaction open ([`Db::may_park`] said so),
    /// begun after [`Db::note_sweep`] counted `sweeps`.
    pub(super) fn park(&self, conn: Pooled, sweeps: u64) {
        PARKED.with(|p| *p.borrow_mut() = Some(Parked { key: self.park_key, conn, sweeps }));
    }

    /// The connection this database parked on this thread, its read
    /// transaction still open.
    pub(super) fn unpark(&self) -> Option<Pooled> {
        PARKED.with(|p| {
            let mut p = p.borrow_mut();
            if p.as_ref().is_some_and(|p| p.key == self.park_key) { p.take().map(|p| p.conn) } else { None }
        })
    }

    /// The parked connection with its transaction ended, ready for any use
    /// (`None` also when it could not be ended: the caller takes another).
    pub(super) fn unpark_ended(&self) -> Option<Pooled> {
        self.unpark().and_then(end)
    }

    /// Counts a sweep of expired transfers just committed. The engine
    /// remembers when the next is due, outside the database: a request
    /// that finds the sweep done by another must not read a snapshot older
    /// than that sweep ([`Db::after_sweeps`]).
    pub(crate) fn note_sweep(&self) {
        self.sweeps.fetch_add(1, Ordering::Release);
    }

    /// Gives back the parked connection when its snapshot began before a
    /// sweep since committed: the read then takes a fresh one. (Called
    /// after the engine read when the next sweep is due, which a sweep
    /// stores after [`Db::note_sweep`].)
    pub(crate) fn after_sweeps(&self) {
        let now = self.sweeps.load(Ordering::Acquire);
        let stale = PARKED.with(|p| p.borrow().as_ref().is_some_and(|p| p.key == self.park_key && p.sweeps != now));
        if stale {
            self.release_parked();
        }
    }

    /// Gives the parked connection back to the pool (before a wait).
    pub(super) fn release_parked(&self) {
        drop(self.unpark_ended());
    }
}

//! Deadlines: no request may hold a connection, the write lock or the
//! caller longer than its budget.
//!
//! A [`Deadline`] is set once per request by the engine's entry points
//! (`Engine::execute*`, `Engine::execute_scoped*`) for the calling thread
//! ([`within`]), together with the request's [`Lane`]. The storage layer
//! reads it ([`current`]) and:
//!
//! - waits for a connection, for its lane and for the SQLite write lock no
//!   longer than the deadline allows (then answers [`Error::Timeout`]);
//! - on SQLite *arms* the connection's progress handler for the duration of
//!   the transaction: every [`PROGRESS_STEPS`] virtual-machine steps the
//!   handler (installed on every connection the engine opens, through
//!   `sqlite3_auto_extension`) checks the armed deadline and cancel flag of
//!   the thread running the statement, and interrupts it once either has
//!   passed; the busy handler waits for other processes' writers as long as
//!   the deadline allows;
//! - on PostgreSQL sets `statement_timeout` for the transaction (`SET LOCAL`,
//!   sent with `BEGIN` in one round trip).
//!
//! An interrupted transaction is rolled back and its connection goes back
//! to the pool, usable.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::Error;

/// How many SQLite virtual-machine steps run between two checks of the
/// deadline (a check costs a clock read: well under 1% at this spacing).
pub const PROGRESS_STEPS: i32 = 4000;

/// When a request must be done by, and an optional flag that cancels it
/// sooner (the C ABI's cancel token, an abandoned dashboard render).
#[derive(Debug, Clone, Default)]
pub struct Deadline {
    at: Option<Instant>,
    budget_ms: u64,
    cancel: Option<Arc<AtomicBool>>,
}

impl Deadline {
    /// A deadline `budget` from now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline { at: Instant::now().checked_add(budget), budget_ms: budget.as_millis() as u64, cancel: None }
    }

    /// A deadline `budget` after `start` (a render that began earlier).
    pub fn from(start: Instant, budget: Duration) -> Deadline {
        Deadline { at: start.checked_add(budget), budget_ms: budget.as_millis() as u64, cancel: None }
    }

    /// No deadline (engine-internal work such as migrations at open, which
    /// is bounded by its own waits).
    pub fn none() -> Deadline {
        Deadline::default()
    }

    /// The same deadline, also ended as soon as `flag` is set.
    pub fn with_cancel(mut self, flag: Arc<AtomicBool>) -> Deadline {
        self.cancel = Some(flag);
        self
    }

    /// The earlier of two deadlines (a nested request keeps its caller's
    /// deadline when that is sooner); the cancel flag of `self` wins, else
    /// `other`'s.
    pub fn min(self, other: &Deadline) -> Deadline {
        let (at, budget_ms) = match (self.at, other.at) {
            (Some(a), Some(b)) if b < a => (Some(b), other.budget_ms),
            (None, Some(b)) => (Some(b), other.budget_ms),
            _ => (self.at, self.budget_ms),
        };
        Deadline { at, budget_ms, cancel: self.cancel.or_else(|| other.cancel.clone()) }
    }

    /// Time left (`None`: unbounded; zero once passed).
    pub fn remaining(&self) -> Option<Duration> {
        self.at.map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Whether the deadline has passed.
    pub fn expired(&self) -> bool {
        self.at.is_some_and(|at| Instant::now() >= at)
    }

    /// Whether the cancel flag is set.
    pub fn canceled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// The cancel flag, if any.
    pub(crate) fn cancel_flag(&self) -> Option<Arc<AtomicBool>> {
        self.cancel.clone()
    }

    /// The budget this deadline was given (ms; 0: none).
    pub fn budget_ms(&self) -> u64 {
        self.budget_ms
    }

    /// The error of a request stopped by this deadline: `canceled` when the
    /// flag was set, else `timeout`.
    pub(crate) fn error(&self, what: &str) -> Error {
        if self.canceled() { Error::Canceled } else { Error::Timeout { what: what.into(), after_ms: self.budget_ms } }
    }

    /// `Err` once passed or canceled.
    pub(crate) fn check(&self, what: &str) -> Result<(), Error> {
        if self.expired() || self.canceled() { Err(self.error(what)) } else { Ok(()) }
    }
}

/// Which share of the connections a request may use. Dashboard tiles and
/// bulk work each have a cap below the pool's size, so they can never take
/// the last connection interactive requests need. Ordered from the least to
/// the most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lane {
    /// A person waiting on a screen: `client.get`, lists, single writes.
    Interactive,
    /// A dashboard tile's reads (`Engine::execute_scoped`).
    Dashboard,
    /// Long bulk work (`client.import`).
    Bulk,
}

#[derive(Clone)]
struct Current {
    deadline: Deadline,
    lane: Lane,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
    /// The armed deadline of the statement running on this thread.
    static ARMED_AT: Cell<Option<Instant>> = const { Cell::new(None) };
    static ARMED_CANCEL: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
    /// Set by the progress handler when it interrupted a statement.
    static FIRED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (one request) with `deadline` and `lane` for this thread. A
/// nested call keeps the sooner deadline and the more restrictive lane
/// (bulk, then dashboard, then interactive): a dashboard read run inside an
/// import counts against the bulk share, never escapes it.
pub(crate) fn within<T>(deadline: Deadline, lane: Lane, f: impl FnOnce() -> T) -> T {
    let previous = CURRENT.with(|c| c.borrow().clone());
    let next = match &previous {
        Some(p) => Current { deadline: deadline.min(&p.deadline), lane: lane.max(p.lane) },
        None => Current { deadline, lane },
    };
    struct Restore(Option<Current>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let p = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = p);
        }
    }
    let _restore = Restore(previous);
    CURRENT.with(|c| *c.borrow_mut() = Some(next));
    f()
}

/// The deadline and lane of the request running on this thread (none:
/// unbounded, interactive).
pub(crate) fn current() -> (Deadline, Lane) {
    CURRENT
        .with(|c| c.borrow().as_ref().map(|c| (c.deadline.clone(), c.lane)))
        .unwrap_or((Deadline::none(), Lane::Interactive))
}

/// `Err` once the current request's deadline has passed or it was
/// canceled: long loops check it at their progress points (a PostgreSQL
/// transaction of many short statements is not stopped by
/// `statement_timeout`, which bounds each statement).
pub(crate) fn check_current() -> Result<(), Error> {
    current().0.check("the request")
}

/// Arms the progress handler of the statements this thread runs until the
/// guard drops (disarmed before commit or rollback, which must not be
/// interrupted). Nesting-safe: a request run inside another on the same
/// thread (from a progress callback, say) arms its own deadline, and its
/// guard puts back the outer one, fired or not, as it found it.
pub(crate) struct Armed {
    outer_at: Option<Instant>,
    outer_cancel: Option<Arc<AtomicBool>>,
    outer_fired: bool,
}

pub(crate) fn arm(deadline: &Deadline) -> Armed {
    Armed {
        outer_at: ARMED_AT.with(|a| a.replace(deadline.at)),
        outer_cancel: ARMED_CANCEL.with(|c| c.replace(deadline.cancel.clone())),
        outer_fired: FIRED.with(|f| f.replace(false)),
    }
}

impl Armed {
    /// Whether the progress handler interrupted a statement since arming.
    pub(crate) fn fired(&self) -> bool {
        FIRED.with(Cell::get)
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        ARMED_AT.with(|a| a.set(self.outer_at));
        ARMED_CANCEL.with(|c| *c.borrow_mut() = self.outer_cancel.take());
        FIRED.with(|f| f.set(self.outer_fired));
    }
}

/// The progress handler: non-zero interrupts the running statement.
unsafe extern "C" fn progress(_: *mut std::ffi::c_void) -> std::ffi::c_int {
    let late = ARMED_AT.try_with(|a| a.get().is_some_and(|at| Instant::now() >= at)).unwrap_or(false);
    let canceled = ARMED_CANCEL
        .try_with(|c| c.try_borrow().ok().and_then(|c| c.as_ref().map(|f| f.load(Ordering::Relaxed))).unwrap_or(false))
        .unwrap_or(false);
    if late || canceled {
        let _ = FIRED.try_with(|f| f.set(true));
        1
    } else {
        0
    }
}

/// Installs the progress handler on a new SQLite connection and asks for
/// plans independent of bound values.
unsafe extern "C" fn on_open(
    db: *mut libsqlite3_sys::sqlite3,
    _err: *mut *mut std::ffi::c_char,
    _api: *const libsqlite3_sys::sqlite3_api_routines,
) -> std::ffi::c_int {
    // SAFETY: SQLite hands a valid, open handle to auto-extensions.
    unsafe { libsqlite3_sys::sqlite3_progress_handler(db, PROGRESS_STEPS, Some(progress), std::ptr::null_mut()) };
    // The pool's manager reads pages on this handle itself (`store::own`).
    crate::store::own::opened(db);
    // Plans that do not depend on bound values (the query planner stability
    // guarantee). Without it, SQLite built with STAT4 (the bundled one is)
    // marks a prepared statement expired whenever a value its plan looked up
    // in `sqlite_stat4` is bound again, and prepares it afresh at its next
    // step: a timeline page (the client's id) or a dashboard's date ranges
    // were re-prepared at every request, 30 % of their time, defeating the
    // connection's statement cache. Plans see the statement's text only:
    // what should decide a plan is written there (a page's `LIMIT`, a
    // search's shape, a prefix search's range beside its `LIKE`: see
    // `query::sql`, `query::search`).
    // SAFETY: as above; the option takes an int and a nullable out pointer.
    unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::ffi::c_int,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    libsqlite3_sys::SQLITE_OK
}

/// Registers [`on_open`] once per process: every SQLite connection opened
/// afterwards (the engine's) carries the progress handler. It does nothing
/// on connections whose thread has not armed a deadline.
///
/// First it asks SQLite for its multi-thread mode (`SQLITE_CONFIG_MULTITHREAD`,
/// what `SQLITE_OPEN_NOMUTEX` asks per connection, which diesel does not
/// pass): a connection is used by one thread at a time (the pool hands it
/// to one request), so the mutex every `sqlite3_column_*` call took per
/// column read guarded nothing. Only possible before SQLite initialises:
/// when something in the process already used it, the call is refused
/// (`SQLITE_MISUSE`) and connections keep the serialized mode.
pub(crate) fn install_sqlite_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: a configuration call with no argument beyond the option;
        // refused harmlessly once SQLite is initialised.
        unsafe { libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD) };
        // SAFETY: `on_open` has the signature SQLite expects and lives for
        // the whole process.
        unsafe { libsqlite3_sys::sqlite3_auto_extension(Some(on_open)) };
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_requests_keep_the_sooner_deadline_and_outer_lane() {
        let outer = Deadline::after(Duration::from_millis(50));
        within(outer, Lane::Dashboard, || {
            within(Deadline::after(Duration::from_secs(60)), Lane::Interactive, || {
                let (d, lane) = current();
                assert_eq!(lane, Lane::Dashboard);
                assert_eq!(d.budget_ms(), 50);
            });
        });
        assert_eq!(current().1, Lane::Interactive);
        assert!(current().0.remaining().is_none());
        // A dashboard read inside bulk work stays in the bulk lane.
        within(Deadline::none(), Lane::Bulk, || {
            within(Deadline::none(), Lane::Dashboard, || assert_eq!(current().1, Lane::Bulk));
        });
    }

    #[test]
    fn a_nested_arming_restores_the_outer_one() {
        let outer_flag = Arc::new(AtomicBool::new(false));
        let outer = Deadline::after(Duration::from_secs(60)).with_cancel(outer_flag.clone());
        let a = arm(&outer);
        {
            // The inner deadline has passed: the handler interrupts.
            let b = arm(&Deadline::after(Duration::ZERO));
            assert_eq!(unsafe { progress(std::ptr::null_mut()) }, 1);
            assert!(b.fired());
        }
        // Back to the outer deadline: not passed, not fired, still armed.
        assert!(!a.fired());
        assert_eq!(unsafe { progress(std::ptr::null_mut()) }, 0);
        outer_flag.store(true, Ordering::Relaxed);
        assert_eq!(unsafe { progress(std::ptr::null_mut()) }, 1, "the outer cancel flag is armed again");
        assert!(a.fired());
        drop(a);
        assert!(ARMED_AT.with(Cell::get).is_none());
        assert!(ARMED_CANCEL.with(|c| c.borrow().is_none()));
    }

    #[test]
    fn a_canceled_deadline_answers_canceled() {
        let flag = Arc::new(AtomicBool::new(false));
        let d = Deadline::after(Duration::from_secs(60)).with_cancel(flag.clone());
        assert!(d.check("x").is_ok());
        flag.store(true, Ordering::Relaxed);
        assert!(matches!(d.check("x"), Err(Error::Canceled)));
        let late = Deadline::after(Duration::ZERO);
        assert!(matches!(late.check("x"), Err(Error::Timeout { after_ms: 0, .. })));
    }

    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Plan {
        #[diesel(sql_type = diesel::sql_types::Text)]
        detail: String,
    }

    fn sqlite(c: &mut crate::store::AnyConnection) -> &mut diesel::SqliteConnection {
        match c {
            crate::store::AnyConnection::Sqlite(c) => c,
            #[cfg(feature = "postgres")]
            crate::store::AnyConnection::Pg(_) => unreachable!("a SQLite file"),
        }
    }

    /// The engine's SQLite connections plan a statement alike whatever
    /// values are bound to it (see `on_open`): so a statement prepared once
    /// is run as prepared, not prepared again each time a value changes.
    /// The table is skewed so that a planner reading values picks another
    /// index for a common value than for a rare one: written as literals
    /// (which the planner always reads) the two plans differ; bound, they
    /// must not.
    #[test]
    fn engine_connections_plan_alike_whatever_the_values_bound() {
        use diesel::RunQueryDsl;
        use diesel::connection::SimpleConnection;
        use diesel::sql_types::BigInt;
        install_sqlite_hook();
        let db = crate::store::Db::open(&crate::config::EngineConfig::new(crate::store::test_db_path("qpsg"))).unwrap();
        db.write(|c| {
            let c = sqlite(c);
            c.batch_execute(
                "CREATE TABLE skew (a INTEGER, b INTEGER);
                 CREATE INDEX skew_a ON skew (a);
                 CREATE INDEX skew_b ON skew (b);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                 INSERT INTO skew SELECT CASE WHEN i <= 19990 THEN 0 ELSE i END, i % 50 FROM n;
                 ANALYZE;",
            )?;
            let literal = |c: &mut diesel::SqliteConnection, a: i64| {
                diesel::sql_query(format!("EXPLAIN QUERY PLAN SELECT * FROM skew WHERE a = {a} AND b = 7"))
                    .load::<Plan>(c)
            };
            let bound = |c: &mut diesel::SqliteConnection, a: i64| {
                diesel::sql_query("EXPLAIN QUERY PLAN SELECT * FROM skew WHERE a = ? AND b = ?")
                    .bind::<BigInt, _>(a)
                    .bind::<BigInt, _>(7)
                    .load::<Plan>(c)
            };
            assert_ne!(literal(c, 0)?, literal(c, 19_995)?, "the values' plans differ: {:?}", literal(c, 0)?);
            assert_eq!(bound(c, 0)?, bound(c, 19_995)?);
            Ok(())
        })
        .unwrap();
    }
}

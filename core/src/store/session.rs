//! Per-connection session state of PostgreSQL reads: reads run without
//! `BEGIN`/`COMMIT` (each statement of a read is its own snapshot at READ
//! COMMITTED, inside a transaction as outside it, so the transaction only
//! cost two round trips), bounded by the session's `statement_timeout`,
//! which is set once per connection and re-set only when the request's
//! deadline no longer fits it.
//!
//! A write's `SET LOCAL statement_timeout` ends with its transaction and
//! leaves the session's value as it was.
//!
//! SQLite's `busy_timeout` (how long a connection waits for another
//! process's lock) is likewise set per connection only when the deadline no
//! longer fits the value it has: a statement parsed less per request.

use diesel::connection::SimpleConnection;

use super::Manager;
use crate::deadline::Deadline;
use crate::error::Result;

/// The session `statement_timeout` (ms, 0: off) last set on a pooled
/// PostgreSQL connection.
#[derive(Clone, Copy)]
struct SessionTimeout(u128);

/// How far the session's timeout may stand from the deadline's remaining
/// time and still be used: 2% of it, at least 5 ms (a statement is then
/// interrupted at most that early or late).
fn fits(have: u128, want: u128) -> bool {
    if have == 0 || want == 0 {
        return have == want;
    }
    let slack = (want / 50).max(5);
    have <= want + slack && have + slack >= want
}

/// Makes the session's `statement_timeout` the deadline's remaining time,
/// with one round trip only when the value it has does not fit.
pub(crate) fn pg_statement_timeout(conn: &mut r2d2::PooledConnection<Manager>, deadline: &Deadline) -> Result<()> {
    use r2d2::PooledConnection as P;
    if pg_timeout_fits(conn, deadline) {
        return Ok(());
    }
    let want = super::pg_timeout_ms(deadline);
    // Unknown until the SET succeeds.
    P::extensions_mut(conn).remove::<SessionTimeout>();
    conn.batch_execute(&format!("SET statement_timeout = {want}"))?;
    P::extensions_mut(conn).insert(SessionTimeout(want));
    Ok(())
}

thread_local! {
    /// The request running on this thread wants generic plans
    /// ([`with_generic_plans`]).
    static GENERIC_WANTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (one request) with PostgreSQL's `plan_cache_mode` at
/// `force_generic_plan` when `generic`, else at the server's `auto`.
///
/// A ranked client or contact search is one statement of a dozen arms,
/// each chosen at run time by its sample's counts: its custom plan took
/// 5-8 ms to make for 1-2 ms of execution, and PostgreSQL made one per
/// call, while its generic plan (made once per connection) runs as fast
/// (size M: clients 8.7-15.6 ms -> 1.5-5.7 ms a search; contacts 3.4-7.7
/// -> 0.8-4.7 ms, once the name-prefix arm no longer carried a `LIKE` of
/// a parameter, `Plan::prefix_on`). A list page without a filter, a search or a
/// switch binds only ids, offices and a cursor's keys: its custom plan
/// took 0.3-0.4 ms to make at every execution (a deep page, a timeline),
/// more than running it, where `auto` did not always settle on the generic
/// plan. Other statements need the values to be planned well (an
/// interactions search for « t4 » went from 3 ms to 586 ms under a generic
/// plan; a dashboard's transfers tile filtered by status and a date bound
/// from 0.3 to 18 ms): they keep `auto` (`engine::generic_plans`).
pub(crate) fn with_generic_plans<T>(generic: bool, f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            GENERIC_WANTED.with(|g| g.set(self.0));
        }
    }
    let _restore = Restore(GENERIC_WANTED.with(|g| g.replace(generic)));
    f()
}

/// Whether the request running on this thread wants generic plans.
pub(crate) fn generic_wanted() -> bool {
    GENERIC_WANTED.with(|g| g.get())
}

/// The `plan_cache_mode` set on a pooled PostgreSQL connection: `true`
/// for `force_generic_plan`; none recorded: `auto` (set when it connects).
#[derive(Clone, Copy)]
struct GenericPlans(bool);

/// `plan_cache_mode`'s value for `generic`.
pub(crate) fn plan_mode(generic: bool) -> &'static str {
    if generic { "force_generic_plan" } else { "auto" }
}

/// The plan mode the running request wants when the connection's differs
/// (to set with its next statement), else `None`.
pub(crate) fn pg_plan_mode(conn: &r2d2::PooledConnection<Manager>) -> Option<bool> {
    let want = generic_wanted();
    let have = r2d2::PooledConnection::extensions(conn).get::<GenericPlans>().is_some_and(|g| g.0);
    (want != have).then_some(want)
}

/// Records the plan mode a statement set on the connection.
pub(crate) fn pg_plan_mode_set(conn: &mut r2d2::PooledConnection<Manager>, generic: bool) {
    r2d2::PooledConnection::extensions_mut(conn).insert(GenericPlans(generic));
}

/// Makes the connection's plan mode the request's, with one round trip
/// only when it differs (the actor's statement sets it in the common case;
/// a transaction sets it for itself with `SET LOCAL` at `BEGIN`).
pub(crate) fn pg_plan_mode_now(conn: &mut r2d2::PooledConnection<Manager>) -> Result<()> {
    if let Some(generic) = pg_plan_mode(conn) {
        conn.batch_execute(&format!("SET plan_cache_mode = {}", plan_mode(generic)))?;
        pg_plan_mode_set(conn, generic);
    }
    Ok(())
}

/// The least session timeout (ms) under which the actor's statement may
/// run while it sets the deadline's for the statements after it: a one-row
/// read, far shorter than that.
const WITH_ACTOR_FLOOR: u128 = 1000;

/// The timeout the actor's statement should set
/// ([`crate::store::actor::cached`]) instead of a `SET` round trip: the
/// deadline's remaining time when the session's does not fit it and the
/// session's (unknown: the server's) is off or at least
/// [`WITH_ACTOR_FLOOR`]; `None` when it fits, or is too short to run the
/// actor's statement under (then [`pg_statement_timeout`] sets it first).
pub(crate) fn pg_timeout_with_actor(conn: &mut r2d2::PooledConnection<Manager>, deadline: &Deadline) -> Option<u128> {
    use r2d2::PooledConnection as P;
    let want = super::pg_timeout_ms(deadline);
    match P::extensions(conn).get::<SessionTimeout>() {
        Some(s) if fits(s.0, want) => None,
        Some(s) if s.0 != 0 && s.0 < WITH_ACTOR_FLOOR => None,
        _ => Some(want),
    }
}

/// Whether the session's `statement_timeout` fits the deadline (no `SET`
/// needed before the request's statements).
pub(crate) fn pg_timeout_fits(conn: &r2d2::PooledConnection<Manager>, deadline: &Deadline) -> bool {
    let want = super::pg_timeout_ms(deadline);
    r2d2::PooledConnection::extensions(conn).get::<SessionTimeout>().is_some_and(|s| fits(s.0, want))
}

/// Records what the actor's statement set: `want` when it answered the
/// staff member (its row carried the `set_config`), else unknown.
pub(crate) fn pg_timeout_set_with_actor(conn: &mut r2d2::PooledConnection<Manager>, want: u128, set: bool) {
    use r2d2::PooledConnection as P;
    if set {
        P::extensions_mut(conn).insert(SessionTimeout(want));
    } else {
        P::extensions_mut(conn).remove::<SessionTimeout>();
    }
}

/// The `busy_timeout` (ms) last set on a pooled SQLite connection.
#[derive(Clone, Copy)]
struct SqliteBusy(u128);

/// The busy timeout to set on a pooled SQLite connection for `deadline`
/// (recorded as set: the caller sets it with its next statement), or
/// `None` when the one it has fits. `None` for PostgreSQL.
pub(crate) fn sqlite_busy(conn: &mut r2d2::PooledConnection<Manager>, deadline: &Deadline) -> Option<u128> {
    use r2d2::PooledConnection as P;
    if !matches!(***conn, super::AnyConnection::Sqlite(_)) {
        return None;
    }
    let want = super::sqlite_busy_ms(deadline);
    if P::extensions(conn).get::<SqliteBusy>().is_some_and(|s| fits(s.0, want)) {
        return None;
    }
    P::extensions_mut(conn).insert(SqliteBusy(want));
    Some(want)
}

/// Forgets the `busy_timeout` recorded for a pooled SQLite connection (a
/// statement set another): the next transaction sets the deadline's.
pub(crate) fn forget_sqlite_busy(conn: &mut r2d2::PooledConnection<Manager>) {
    r2d2::PooledConnection::extensions_mut(conn).remove::<SqliteBusy>();
}

#[cfg(test)]
mod tests {
    use super::fits;

    #[test]
    fn a_timeout_fits_a_deadline_within_its_slack() {
        assert!(fits(5000, 4990));
        assert!(fits(5000, 5090));
        assert!(!fits(5000, 4800));
        assert!(!fits(5000, 5200));
        assert!(fits(100, 104) && !fits(100, 106));
        assert!(fits(0, 0) && !fits(0, 5000) && !fits(5000, 0));
    }
}

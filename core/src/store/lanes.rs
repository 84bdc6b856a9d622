//! Bounded, fair waits for a share of the pool (lanes) and for the SQLite
//! write lock.
//!
//! - [`Gate`]: a counting gate whose waits are bounded by the request's
//!   deadline and served in arrival order (FIFO: a steady stream of late
//!   comers cannot starve an early waiter).
//! - A thread never waits for itself: a request nested in another on the
//!   same thread (a host running a request from a progress callback) that
//!   finds every place of a gate taken by its own thread would wait out its
//!   deadline for nothing; it answers `timeout` at once instead.
//! - [`Lanes`]: the shares of a pool of `size` connections. Dashboard tiles
//!   and bulk work together hold at most `size - 1` (the last connection is
//!   interactive requests'), bulk work at most one. A pool of one connection
//!   (`:memory:`, or `pool_size: 1`) cannot be shared out: every lane uses it
//!   in turn, in arrival order. A nested request keeps the most restrictive
//!   lane of its callers (see `deadline::within`), so a dashboard read run
//!   inside an import counts against the bulk share.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::deadline::{Deadline, Lane};
use crate::error::{Error, Result};

/// A counting gate: at most `cap` holders, waiters served in order.
pub(crate) struct Gate {
    cap: usize,
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Default)]
struct State {
    used: usize,
    /// Tickets of the waiters, first come first.
    queue: VecDeque<u64>,
    next: u64,
}

pub(crate) struct GateGuard<'a>(&'a Gate);

thread_local! {
    /// The gates this thread holds places of (by address), once per place.
    static HELD: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

impl Gate {
    pub(crate) fn new(cap: usize) -> Gate {
        Gate { cap: cap.max(1), state: Mutex::new(State::default()), freed: Condvar::new() }
    }

    fn id(&self) -> usize {
        self as *const Gate as usize
    }

    fn held_here(&self) -> usize {
        HELD.with(|h| h.borrow().iter().filter(|g| **g == self.id()).count())
    }

    fn admit(&self, st: &mut State) -> GateGuard<'_> {
        st.used += 1;
        HELD.with(|h| h.borrow_mut().push(self.id()));
        GateGuard(self)
    }

    /// Waits for a place no longer than `deadline` allows.
    pub(crate) fn enter(&self, deadline: &Deadline, what: &str) -> Result<GateGuard<'_>> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.used < self.cap && st.queue.is_empty() {
            return Ok(self.admit(&mut st));
        }
        if st.used >= self.cap && self.held_here() >= st.used {
            // Every place is this thread's own (a nested request): nobody
            // else can free one while this thread waits.
            return Err(Error::Timeout {
                what: format!("{what} (every one is held by the request this one runs inside)"),
                after_ms: deadline.budget_ms(),
            });
        }
        let me = st.next;
        st.next += 1;
        st.queue.push_back(me);
        loop {
            if st.used < self.cap && st.queue.front() == Some(&me) {
                st.queue.pop_front();
                let guard = self.admit(&mut st);
                // The next in line may fit too.
                self.freed.notify_all();
                return Ok(guard);
            }
            let left = deadline.remaining();
            if deadline.canceled() || left.is_some_and(|l| l.is_zero()) {
                st.queue.retain(|t| *t != me);
                self.freed.notify_all();
                return Err(deadline.error(what));
            }
            // Short slices: a cancel flag is noticed too.
            let slice = left.unwrap_or(Duration::MAX).min(Duration::from_millis(50));
            st = self.freed.wait_timeout(st, slice).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// Enters only if there is room now and nobody waits.
    pub(crate) fn try_enter(&self) -> Option<GateGuard<'_>> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (st.used < self.cap && st.queue.is_empty()).then(|| self.admit(&mut st))
    }
}

impl Drop for GateGuard<'_> {
    fn drop(&mut self) {
        let mut st = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        st.used -= 1;
        HELD.with(|h| {
            let mut h = h.borrow_mut();
            if let Some(i) = h.iter().rposition(|g| *g == self.0.id()) {
                h.remove(i);
            }
        });
        self.0.freed.notify_all();
    }
}

/// The lanes' shares of a pool (see the module's documentation).
pub(crate) struct Lanes {
    background: Gate,
    bulk: Gate,
}

pub(crate) enum LaneGuard<'a> {
    Interactive,
    Background(#[allow(dead_code)] GateGuard<'a>, #[allow(dead_code)] Option<GateGuard<'a>>),
}

impl Lanes {
    pub(crate) fn new(size: u32) -> Lanes {
        let size = size.max(1) as usize;
        Lanes { background: Gate::new(size.saturating_sub(1)), bulk: Gate::new(1) }
    }

    pub(crate) fn enter(&self, lane: Lane, deadline: &Deadline) -> Result<LaneGuard<'_>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};
    use std::time::Instant;

    #[test]
    fn waiters_are_served_in_arrival_order() {
        let gate = Arc::new(Gate::new(1));
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = gate.enter(&Deadline::none(), "x").unwrap();
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let (gate, order) = (gate.clone(), order.clone());
                // Staggered arrivals: waiter i queues before waiter i + 1.
                std::thread::sleep(Duration::from_millis(30));
                std::thread::spawn(move || {
                    let _g = gate.enter(&Deadline::after(Duration::from_secs(20)), "x").unwrap();
                    order.lock().unwrap().push(i);
                    std::thread::sleep(Duration::from_millis(5));
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50));
        drop(first);
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..6).collect::<Vec<_>>());
    }

    #[test]
    fn waits_end_at_the_deadline_and_leave_the_queue() {
        let gate = Gate::new(1);
        let held = gate.enter(&Deadline::none(), "x").unwrap();
        let t = Instant::now();
        std::thread::scope(|s| {
            let h = s.spawn(|| gate.enter(&Deadline::after(Duration::from_millis(100)), "x").map(|_| ()));
            assert!(matches!(h.join().unwrap(), Err(Error::Timeout { .. })));
        });
        assert!(t.elapsed() < Duration::from_secs(2));
        drop(held);
        // The timed-out waiter left no ticket behind: the gate is free.
        assert!(gate.try_enter().is_some());
    }

    #[test]
    fn a_thread_does_not_wait_for_itself() {
        let gate = Gate::new(1);
        let _outer = gate.enter(&Deadline::none(), "x").unwrap();
        let t = Instant::now();
        let e = gate.enter(&Deadline::after(Duration::from_secs(30)), "x").map(|_| ()).unwrap_err();
        assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
        assert!(t.elapsed() < Duration::from_millis(500), "{:?}", t.elapsed());
    }

    #[test]
    fn a_gate_of_cap_n_admits_n_at_once() {
        let gate = Gate::new(3);
        let barrier = Barrier::new(3);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    let _g = gate.enter(&Deadline::after(Duration::from_millis(500)), "x").unwrap();
                    barrier.wait(); // all three inside together
                });
            }
        });
    }
}

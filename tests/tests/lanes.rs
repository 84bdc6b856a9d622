//! Lanes at every small pool size (1..=4 connections): waiting is bounded
//! by each request's deadline, dashboard tiles and bulk work never hold
//! more than their share (at most `size - 1` together, bulk one; a pool of
//! one is shared in turn), and a request nested in an import keeps the bulk
//! lane instead of escaping its cap or waiting for itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use clientele_core::domain::ClientData;
use clientele_core::protocol::{Actor, DataScope, Request as R, Response as S};
use clientele_core::{Deadline, Error, Lane};
use clientele_tests::{Backend, Fixture, backend_tests};

const SIZES: std::ops::RangeInclusive<u32> = 1..=4;

fn lanes_are_bounded_and_shared_at_every_small_pool_size(backend: Backend) {
    for size in SIZES {
        let Some(f) = Fixture::with_config(backend, |c| c.pool_size = size) else { return };
        let S::Client(c) = f.run(f.admin, R::ClientCreate { data: ClientData::new("LANE", "Voie inc.") }).unwrap()
        else {
            panic!()
        };
        let engine = &f.engine;
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU32::new(0));
        let share = if size == 1 { 1 } else { size - 1 };
        let (results, interactive) = std::thread::scope(|s| {
            // More background requests than the pool has connections: 3
            // dashboard tiles and 2 bulk jobs, each slow (until canceled,
            // 8 s at most).
            let handles: Vec<_> = [Lane::Dashboard, Lane::Bulk, Lane::Dashboard, Lane::Bulk, Lane::Dashboard]
                .into_iter()
                .map(|lane| {
                    let stop = stop.clone();
                    s.spawn(move || {
                        let t = Instant::now();
                        let d = Deadline::after(Duration::from_secs(8)).with_cancel(stop);
                        (lane, engine.debug_slow_read(lane, d), t.elapsed())
                    })
                })
                .collect();
            // Watch how many connections are in use meanwhile.
            let watching = Arc::new(AtomicBool::new(true));
            let watcher = {
                let (watching, peak) = (watching.clone(), peak.clone());
                s.spawn(move || {
                    while watching.load(Ordering::SeqCst) {
                        peak.fetch_max(engine.debug_connections_in_use(), Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(2));
                    }
                })
            };
            let started = Instant::now();
            while engine.debug_connections_in_use() < share && started.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(5));
            }
            std::thread::sleep(Duration::from_millis(150));
            watching.store(false, Ordering::SeqCst);
            watcher.join().unwrap();
            // An interactive request while the background lanes are full:
            // at size >= 2 the last connection is its own (prompt answer);
            // at size 1 it is refused with `timeout` at its deadline, never
            // left hanging.
            let t = Instant::now();
            let got = engine.execute_within(
                Actor::Staff(f.admin),
                R::ClientGet { id: c.id },
                &clientele_core::NoProgress,
                Deadline::after(Duration::from_millis(2_000)),
            );
            let interactive = (got, t.elapsed());
            stop.store(true, Ordering::SeqCst);
            (handles.into_iter().map(|h| h.join().unwrap()).collect::<Vec<_>>(), interactive)
        });
        let peak = peak.load(Ordering::SeqCst);
        assert!(
            peak <= share,
            "{backend:?} size {size}: {peak} connections held by the background lanes (share {share})"
        );
        assert!(peak >= 1);
        let (got, took) = interactive;
        if size >= 2 {
            assert!(matches!(got, Ok(S::Client(_))), "{backend:?} size {size}: {got:?}");
            assert!(took < Duration::from_millis(2_000), "{backend:?} size {size}: interactive took {took:?}");
        } else {
            assert!(matches!(got, Ok(S::Client(_)) | Err(Error::Timeout { .. })), "{backend:?} size {size}: {got:?}");
            assert!(took < Duration::from_millis(3_000), "{backend:?} size {size}: interactive took {took:?}");
        }
        for (lane, r, took) in &results {
            // Canceled (running or waiting): every wait ended with the flag.
            assert!(matches!(r, Err(Error::Canceled)), "{backend:?} size {size} {lane:?}: {r:?}");
            assert!(*took < Duration::from_secs(7), "{backend:?} size {size} {lane:?}: {took:?}");
        }
        // The pool is whole again.
        assert_eq!(engine.debug_connections_in_use(), 0);
        assert!(matches!(f.run(f.admin, R::ClientGet { id: c.id }), Ok(S::Client(_))));
    }
}

#[test]
fn lanes_are_bounded_and_shared_at_every_small_pool_size_sqlite() {
    lanes_are_bounded_and_shared_at_every_small_pool_size(Backend::Sqlite);
}

#[test]
fn lanes_are_bounded_and_shared_at_every_small_pool_size_postgres() {
    lanes_are_bounded_and_shared_at_every_small_pool_size(Backend::Postgres);
}

/// A dashboard read run from an import's progress callback (same thread)
/// stays in the bulk lane: with the bulk share held by its own import it
/// answers `timeout` at once, never waits out its deadline for itself, and
/// the import goes on and commits.
fn a_dashboard_read_nested_in_an_import_keeps_the_bulk_lane(f: &Fixture) {
    let S::Client(c) = f.run(f.admin, R::ClientCreate { data: ClientData::new("NEST", "Imbriqué inc.") }).unwrap()
    else {
        panic!()
    };
    struct Nested<'a> {
        f: &'a Fixture,
        client: i64,
        answers: std::sync::Mutex<Vec<(String, Duration)>>,
    }
    impl clientele_core::Progress for Nested<'_> {
        fn report(&self, done: u64, _total: u64) -> bool {
            if done == 100 {
                let t = Instant::now();
                let r = self.f.engine.execute_scoped(
                    Actor::Staff(self.f.admin),
                    DataScope::Client { client_id: self.client },
                    R::ClientGet { id: self.client },
                );
                let code = r.map(|_| "ok".to_string()).unwrap_or_else(|e| e.code().to_string());
                self.answers.lock().unwrap().push((code, t.elapsed()));
            }
            true
        }
    }
    let nested = Nested { f, client: c.id, answers: Default::default() };
    let batch = (0..300).map(|i| ClientData::new(format!("N{i}"), format!("Nouveau {i}"))).collect();
    f.engine.execute_with_progress(Actor::Staff(f.admin), R::ClientImport { clients: batch }, &nested).unwrap();
    let answers = nested.answers.into_inner().unwrap();
    assert_eq!(answers.len(), 1);
    let (code, took) = &answers[0];
    assert_eq!(code, "timeout", "{:?}: the nested read escaped the bulk lane", f.backend);
    // At once: well before the tile's 2 s deadline.
    assert!(*took < Duration::from_millis(1_000), "{:?}: the nested read waited {took:?} for itself", f.backend);
}

backend_tests!(a_dashboard_read_nested_in_an_import_keeps_the_bulk_lane);

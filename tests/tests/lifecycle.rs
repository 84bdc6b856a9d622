//! Opening and closing an engine any number of times leaves the process's
//! threads and file descriptors flat.
//!
//! Its own test binary, and one test at a time (a lock), so that other
//! tests' threads and files do not disturb the counts.

use std::sync::Mutex;

use clientele_core::protocol::{Actor, Request, Response};
use clientele_core::{Engine, EngineConfig};
use clientele_tests::{Backend, place, staff};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Opens an engine, writes and reads once, closes it.
fn cycle(url: &str, i: usize) {
    let engine = Engine::open(EngineConfig::new(url)).expect("engine opens");
    let put = Request::StaffPut {
        id: None,
        version: None,
        staff: staff(&format!("Jean-François n° {i}"), "JF", Default::default()),
    };
    assert!(matches!(engine.execute(Actor::HOST, put), Ok(Response::Staff(_))));
    assert!(engine.execute(Actor::HOST, Request::StaffList {}).is_ok());
    drop(engine);
}

fn open_close_many(backend: Backend, cycles: usize) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let Some(place) = place(backend) else { return };
    let url = place.url();
    // The first open starts what lives as long as the process (the shared
    // pool threads, lazy statics): count after it.
    cycle(&url, 0);
    let (threads, fds, rss) = (count("/proc/self/task"), count("/proc/self/fd"), rss_kb());
    for i in 1..=cycles {
        cycle(&url, i);
    }
    let (threads_after, fds_after, rss_after) = (count("/proc/self/task"), count("/proc/self/fd"), rss_kb());
    eprintln!(
        "{backend:?}, {cycles} open/close cycles: threads {threads} -> {threads_after}, \
         fds {fds} -> {fds_after}, RSS {rss} kB -> {rss_after} kB"
    );
    // A small constant allowance (a test thread of the harness starting or
    // ending), not one per cycle: each cycle used to leave 3 threads.
    assert!(threads_after <= threads + 4, "threads grew from {threads} to {threads_after} over {cycles} cycles");
    assert!(fds_after <= fds + 4, "file descriptors grew from {fds} to {fds_after} over {cycles} cycles");
}

#[test]
fn opening_and_closing_an_engine_300_times_leaves_threads_and_files_flat_sqlite() {
    open_close_many(Backend::Sqlite, 300);
}

#[test]
fn opening_and_closing_an_engine_many_times_leaves_threads_and_files_flat_postgres() {
    open_close_many(Backend::Postgres, 40);
}

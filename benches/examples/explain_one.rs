//! The plan of one request's page statement on the benchmark database
//! (`Engine::explain`: SQLite's `EXPLAIN QUERY PLAN` of the statement that
//! runs), to check a change of a statement's text against the plans it
//! had at firm size, not at test size.
//!
//! ```sh
//! cargo run --release -p clientele-benches --example explain_one -- \
//!     '{"op":"grid.query","list":"transfers","open_only":true,"columns":["status"],"limit":1}'
//! ```
//!
//! `CLIENTELE_BENCH_BACKEND=postgres` explains it on PostgreSQL's M schema
//! (`EXPLAIN`, the plan without running it).

use clientele_benches::load::{Preset, database, open_engine};
use clientele_core::protocol::{Actor, Request};
use clientele_tests::Backend;

fn main() {
    let text = std::env::args().nth(1).expect("a request as JSON");
    let request: Request = serde_json::from_str(&text).expect("a request");
    let backend = match std::env::var("CLIENTELE_BENCH_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let db = database(backend, Preset::M).expect("the benchmark database");
    let engine = open_engine(&db.url);
    for line in engine.explain(Actor::Staff(db.admin), request).expect("explained") {
        println!("{line}");
    }
}

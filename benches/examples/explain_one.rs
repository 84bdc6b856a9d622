//! The plan of one request's page statement on the benchmark database
//! (`Engine::explain`: SQLite's `EXPLAIN QUERY PLAN` of the statement that
//! runs), to check a change of a statement's text against the plans it
//! had at firm size, not at test size.
//!
//! ```sh
//! cargo run --release -p clientele-benches --example explain_one -- \
//!     '{"op":"grid.query","list":"transfers","open_only":true,"columns":["status"],"limit":1}'
//! ```

use clientele_benches::load::{Preset, database, open_engine};
use clientele_core::protocol::{Actor, Request};
use clientele_tests::Backend;

fn main() {
    let text = std::env::args().nth(1).expect("a request as JSON");
    let request: Request = serde_json::from_str(&text).expect("a request");
    let db = database(Backend::Sqlite, Preset::M).expect("the benchmark database");
    let engine = open_engine(&db.url);
    for line in engine.explain(Actor::Staff(db.admin), request).expect("explained") {
        println!("{line}");
    }
}

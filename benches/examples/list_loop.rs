//! One list request in a loop, for a profiler: `perf record -g` on it shows
//! where a page's fixed cost goes without the baseline's samples beside it.
//!
//! ```sh
//! cargo build --release -p clientele-benches --example list_loop
//! perf record -e cpu-clock -g --call-graph dwarf,16384 \
//!     target/release/examples/list_loop clients 20000
//! ```
//!
//! Arguments: the list (`clients`, `contacts`, `interactions`, `transfers`,
//! `timeline`, `grid`: the interactions grid with its default columns), the number of requests (default 20,000), optionally a search.
//! `CLIENTELE_BENCH_BACKEND=postgres` runs it on PostgreSQL's M schema;
//! `CLIENTELE_BENCH_LIMIT=n` asks pages of `n` rows;
//! `CLIENTELE_PRINT_SQL=1` prints the SQLite page statements it prepares
//! (for `sqlplan`).

use clientele_benches::load::{Preset, database, open_engine};
use clientele_core::protocol::{Actor, ListQuery, Request};
use clientele_tests::Backend;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let list = args.first().map(String::as_str).unwrap_or("clients");
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let search = args.get(2).cloned();
    let backend = match std::env::var("CLIENTELE_BENCH_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    // `CLIENTELE_PRINT_SQL=1`: each SQLite page statement's text, once.
    if std::env::var_os("CLIENTELE_PRINT_SQL").is_some() {
        fn print(text: &str, cached_now: bool) {
            if cached_now {
                eprintln!("{text};");
            }
        }
        clientele_core::own_reads::watch(print);
    }
    let db = database(backend, Preset::M).expect("the benchmark database");
    let engine = open_engine(&db.url);
    // `CLIENTELE_BENCH_LIMIT=n`: pages of n rows (default 50): a page of
    // 1 row shows the request's fixed cost.
    let limit = std::env::var("CLIENTELE_BENCH_LIMIT").ok().and_then(|s| s.parse().ok());
    let query = || ListQuery { search: search.clone(), limit, ..Default::default() };
    let request = || match list {
        "clients" => Request::ClientList { query: query() },
        "contacts" => Request::ContactList { query: query() },
        "interactions" => {
            Request::InteractionList { client_id: None, contact_id: None, last_30_days: false, query: query() }
        }
        "timeline" => Request::ClientTimeline { id: 42, last_30_days: false, include_changes: false, query: query() },
        "transfers" => Request::TransferList { client_id: None, last_30_days: false, open_only: false, query: query() },
        "grid" => Request::GridQuery {
            list: clientele_core::protocol::ListKind::Interactions,
            columns: None,
            client_id: None,
            contact_id: None,
            last_30_days: false,
            open_only: false,
            query: query(),
            count_limit: None,
        },
        other => panic!("unknown list {other}"),
    };
    let start = std::time::Instant::now();
    for _ in 0..n {
        engine.execute(Actor::Staff(db.admin), request()).expect("the list answers");
    }
    let each = start.elapsed().as_secs_f64() * 1e3 / n as f64;
    eprintln!("{list}: {n} requests, {each:.3} ms each");
}

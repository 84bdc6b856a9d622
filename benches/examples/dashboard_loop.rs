//! One dashboard rendered in a loop, for a profiler (as `list_loop` for a
//! list): `perf record -g` on it shows where a render's time goes beside
//! its requests.
//!
//! ```sh
//! cargo build --release -p clientele-benches --example dashboard_loop
//! perf record -e cpu-clock -g --call-graph dwarf,16384 \
//!     target/release/examples/dashboard_loop client 2000
//! ```
//!
//! Arguments: the dashboard (`staff`, `firm`, `client`: client 42's), the
//! number of renders (default 1,000). `CLIENTELE_BENCH_BACKEND=postgres`
//! renders it on PostgreSQL's M schema.

use std::sync::Arc;

use clientele_benches::load::{Preset, database, open_engine};
use clientele_dashboard::{DashboardTarget, Dashboards};
use clientele_portlet_api::Locale;
use clientele_tests::Backend;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let target = match args.first().map(String::as_str).unwrap_or("client") {
        "staff" => DashboardTarget::Staff,
        "firm" => DashboardTarget::Firm,
        "client" => DashboardTarget::Client { client_id: 42 },
        other => panic!("unknown dashboard {other}"),
    };
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000);
    let backend = match std::env::var("CLIENTELE_BENCH_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let db = database(backend, Preset::M).expect("the benchmark database");
    let dashboards = Dashboards::new(Arc::new(open_engine(&db.url)));
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = std::time::Instant::now();
        dashboards.render(db.admin, target, None, Locale::Fr).expect("the dashboard renders");
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    eprintln!("{n} renders: p50 {:.3} ms, p95 {:.3} ms", times[n / 2], times[n * 95 / 100]);
}

//! Where a dashboard's time goes: every request of every built-in tile of
//! the staff, firm and client dashboards, timed one by one (best of
//! `--runs`, default 5) on the benchmark database, with the whole render
//! beside them.
//!
//! ```sh
//! cargo run --release -p clientele-benches --example dashboard_requests -- --preset M
//! ```
//!
//! The tiles are rendered here one after the other through a context that
//! wraps the dashboard's own ([`EngineContext`]) and times each request:
//! the same requests, rights and scope as a render.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clientele_benches::load::{Preset, database, open_engine};
use clientele_dashboard::{DashboardTarget, Dashboards, EngineContext, Layout};
use clientele_portlet_api::settings::merge_settings;
use clientele_portlet_api::{DataContext, ErrorBody, Locale, Scope};
use clientele_tests::Backend;
use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};
use serde_json::Value;

/// The statements of the request being timed (diesel's instrumentation).
static STATEMENTS: Mutex<Vec<(String, Instant, Option<Instant>)>> = Mutex::new(Vec::new());

fn instrument(e: InstrumentationEvent<'_>) {
    match e {
        InstrumentationEvent::StartQuery { query, .. } => {
            STATEMENTS.lock().unwrap().push((query.to_string(), Instant::now(), None));
        }
        InstrumentationEvent::FinishQuery { .. } => {
            if let Some(l) = STATEMENTS.lock().unwrap().last_mut() {
                l.2 = Some(Instant::now());
            }
        }
        _ => {}
    }
}

struct Timed {
    inner: EngineContext,
    log: Mutex<Vec<(String, Duration)>>,
}

impl DataContext for Timed {
    fn scope(&self) -> Scope {
        self.inner.scope()
    }
    fn today(&self) -> String {
        self.inner.today()
    }
    fn locale(&self) -> Locale {
        self.inner.locale()
    }
    fn timezone(&self) -> Option<String> {
        self.inner.timezone()
    }
    fn request(&self, request: &Value) -> Result<Value, ErrorBody> {
        STATEMENTS.lock().unwrap().clear();
        let t = Instant::now();
        let r = self.inner.request(request);
        let d = t.elapsed();
        let mut line = request.to_string();
        if d > Duration::from_millis(SHOW_STATEMENTS_MS) {
            for (q, s, e) in STATEMENTS.lock().unwrap().iter() {
                let took = e.map_or(0.0, |e| ms(e - *s));
                let q: String = q.split_whitespace().collect::<Vec<_>>().join(" ");
                line.push_str(&format!("\n               {took:8.2} ms  {q}"));
            }
        }
        self.log.lock().unwrap().push((line, d));
        r
    }
}

/// Requests slower than this print their statements.
const SHOW_STATEMENTS_MS: u64 = 5;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    set_default_instrumentation(|| {
        let b: Box<dyn Instrumentation> = Box::new(instrument);
        Some(b)
    })
    .unwrap();
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let preset = Preset::parse(&opt("--preset").unwrap_or_else(|| "S".into())).expect("--preset S, M or L");
    let runs: usize = opt("--runs").map_or(5, |r| r.parse().expect("--runs N"));
    let db = database(Backend::Sqlite, preset).expect("database");
    let engine = Arc::new(open_engine(&db.url));
    let dashboards = Dashboards::new(engine.clone());
    let viewer = db.admin;
    for (name, target) in [
        ("staff", DashboardTarget::Staff),
        ("firm", DashboardTarget::Firm),
        ("client", DashboardTarget::Client { client_id: 42 }),
    ] {
        let mut whole = Duration::MAX;
        for _ in 0..runs {
            let t = Instant::now();
            dashboards.render(viewer, target, None, Locale::Fr).expect("renders");
            whole = whole.min(t.elapsed());
        }
        println!("== {name} dashboard: render best of {runs} {:.2} ms", ms(whole));
        let layout = Layout::built_in(target.kind());
        for spec in layout.ordered() {
            let reg = dashboards.portlet(&spec.portlet).expect("built-in");
            let settings = merge_settings(&reg.settings_schema, &reg.default_settings, &spec.settings).unwrap();
            let mut best: Vec<(String, Duration)> = Vec::new();
            let mut tile = Duration::MAX;
            for _ in 0..runs {
                let ctx = Timed {
                    inner: EngineContext::new(&engine, target.scope(viewer), Locale::Fr),
                    log: Mutex::default(),
                };
                let t = Instant::now();
                reg.portlet.render(&settings, &ctx).expect("tile renders");
                tile = tile.min(t.elapsed());
                let log = ctx.log.into_inner().unwrap();
                if best.is_empty() {
                    best = log;
                } else {
                    for (b, (_, d)) in best.iter_mut().zip(log) {
                        b.1 = b.1.min(d);
                    }
                }
            }
            println!("  {} ({} requests): {:.2} ms", spec.portlet, best.len(), ms(tile));
            for (r, d) in best {
                println!("    {:8.2} ms  {r}", ms(d));
            }
        }
    }
}

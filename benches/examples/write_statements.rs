//! The statements one `client.create` and one `interaction.create` run
//! (diesel's instrumentation, every connection), on the benchmark
//! database of `--preset` (default T: the count, not the time, is the point).
//!
//! ```sh
//! cargo run -p clientele-benches --example write_statements -- --preset T
//! cargo run -p clientele-benches --example write_statements -- --preset T --backend postgres
//! ```

use std::sync::Mutex;
use std::time::Instant;

use clientele_benches::load::{Preset, database, open_engine};
use clientele_core::domain::{ClientData, InteractionData};
use clientele_core::protocol::{Actor, Request as R, Response};
use clientele_tests::Backend;
use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};

static LOG: Mutex<Vec<(String, Instant, Option<Instant>)>> = Mutex::new(Vec::new());
static ON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn log(e: InstrumentationEvent<'_>) {
    if !ON.load(std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    match e {
        InstrumentationEvent::StartQuery { query, .. } => {
            LOG.lock().unwrap().push((query.to_string(), Instant::now(), None));
        }
        InstrumentationEvent::FinishQuery { .. } => {
            if let Some(l) = LOG.lock().unwrap().last_mut() {
                l.2 = Some(Instant::now());
            }
        }
        InstrumentationEvent::BeginTransaction { .. } => {
            LOG.lock().unwrap().push(("-- BEGIN".into(), Instant::now(), None))
        }
        InstrumentationEvent::CommitTransaction { .. } => {
            LOG.lock().unwrap().push(("-- COMMIT".into(), Instant::now(), None))
        }
        _ => {}
    }
}

fn main() {
    set_default_instrumentation(|| {
        let b: Box<dyn Instrumentation> = Box::new(log);
        Some(b)
    })
    .unwrap();
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let preset = Preset::parse(&opt("--preset").unwrap_or_else(|| "T".into())).expect("--preset");
    let backend = match opt("--backend").as_deref() {
        None | Some("sqlite") => Backend::Sqlite,
        Some("postgres") => Backend::Postgres,
        Some(other) => panic!("--backend sqlite|postgres, not {other}"),
    };
    let db = database(backend, preset).expect("database (PostgreSQL: is CLIENTELE_TEST_PG_URL's server up?)");
    let engine = open_engine(&db.url);
    let me = Actor::Staff(db.admin);
    for round in 0..3 {
        ON.store(round == 2, std::sync::atomic::Ordering::SeqCst);
        let data = ClientData::new(format!("ZW{}-{round}", std::process::id()), format!("Lévesque-Côté, Zoé {round}"));
        let t = Instant::now();
        let c = match engine.execute(me, R::ClientCreate { data }).unwrap() {
            Response::Client(c) => c.id,
            other => panic!("{other:?}"),
        };
        let tc = t.elapsed();
        let mut i = InteractionData::note(clientele_tests::epoch(), format!("Relance du dossier {round}"));
        i.client_id = Some(c);
        i.staff_id = Some(db.admin);
        let t = Instant::now();
        engine.execute(me, R::InteractionCreate { data: i }).unwrap();
        let ti = t.elapsed();
        if round == 2 {
            println!("client.create {:?}, interaction.create {:?}", tc, ti);
        }
    }
    let log = LOG.lock().unwrap();
    let t0 = log.first().map(|l| l.1).unwrap();
    for (q, s, e) in log.iter() {
        let d = e.map(|e| (e - *s).as_secs_f64() * 1e3).unwrap_or(0.0);
        let q: String = q.split_whitespace().collect::<Vec<_>>().join(" ");
        println!("{:8.3} {:7.3}  {}", (*s - t0).as_secs_f64() * 1e3, d, &q[..q.len().min(220)]);
    }
}

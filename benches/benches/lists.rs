//! The benchmark: where the engine stands against hand-written SQL at firm
//! size. See `BENCHMARKS.md`.
//!
//! ```sh
//! cargo bench -p clientele-benches -- --preset S              # both backends, ~minutes
//! cargo bench -p clientele-benches -- --preset S,M --backend sqlite
//! cargo bench -p clientele-benches -- --preset M --runs 300 --only search
//! ```
//!
//! Options: `--preset S|M|L[,…]` (default S), `--backend sqlite|postgres|all`
//! (default all; each backend runs in a process of its own), `--runs N`
//! (default 200 interleaved rounds per case, after `--warm N` = 10),
//! `--cap SECONDS` and `--min N` (a case stops after N rounds, default 20,
//! once it has used this long; default 4), `--only TEXT` (cases whose group or name contains it),
//! `--base-limit SECONDS` (a baseline whose first run takes longer is left
//! out of its case: at size L some take seconds a run), `--no-search`. Figures: `target/bench/<preset>-<backend>.json`, the
//! table `target/bench/report.md`, the plot `target/bench/cost.svg`.

use std::process::Command;
use std::time::{Duration, Instant};

use clientele_benches::load::{self, Preset};
use clientele_benches::{cases, report, run};
use clientele_tests::Backend;
use serde_json::Value;

struct Args {
    presets: Vec<Preset>,
    backend: Option<Backend>,
    runs: usize,
    warm: usize,
    cap: f64,
    min: usize,
    only: Option<String>,
    /// Seconds: a baseline whose first run takes longer is left out.
    base_limit: Option<f64>,
    search: bool,
    child: bool,
}

fn args() -> Args {
    let mut a = Args {
        presets: vec![Preset::S],
        backend: None,
        runs: 200,
        warm: 10,
        cap: 4.0,
        min: 20,
        only: None,
        base_limit: None,
        search: true,
        child: false,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let next = |i: usize| v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--preset" => {
                a.presets = next(i).split(',').map(|p| Preset::parse(p).expect("--preset S, M or L")).collect();
                i += 1;
            }
            "--backend" => {
                a.backend = match next(i).as_str() {
                    "sqlite" => Some(Backend::Sqlite),
                    "postgres" | "pg" => Some(Backend::Postgres),
                    _ => None,
                };
                i += 1;
            }
            "--runs" => {
                a.runs = next(i).parse().expect("--runs N");
                i += 1;
            }
            "--warm" => {
                a.warm = next(i).parse().expect("--warm N");
                i += 1;
            }
            "--cap" => {
                a.cap = next(i).parse().expect("--cap SECONDS");
                i += 1;
            }
            "--min" => {
                a.min = next(i).parse().expect("--min N");
                i += 1;
            }
            "--only" => {
                a.only = Some(next(i));
                i += 1;
            }
            "--base-limit" => {
                a.base_limit = Some(next(i).parse().expect("--base-limit SECONDS"));
                i += 1;
            }
            "--no-search" => a.search = false,
            "--child" => a.child = true,
            _ => {} // `--bench` and friends from cargo
        }
        i += 1;
    }
    a
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// One preset on one backend, in this process.
fn child(a: &Args, preset: Preset, backend: Backend) {
    let t = Instant::now();
    let Some(db) = load::database(backend, preset) else { return };
    let s = db.sizes;
    eprintln!(
        "{} {}: {} clients, {} contacts, {} interactions, {} transfers (ready in {:.1} s{})",
        backend_name(backend),
        preset.name(),
        s.clients,
        s.contacts,
        s.interactions,
        s.transfers,
        t.elapsed().as_secs_f64(),
        if db.load_seconds > 0.0 { ", loaded now" } else { ", cached" }
    );
    let mut b = run::Bench::new(&db);
    let all = cases::all(&db, &mut b.raw, a.search);
    let dir = load::target_dir().join("bench");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}-{}.json", preset.name(), backend_name(backend)));
    let mut out = Vec::new();
    for c in all {
        if let Some(o) = &a.only
            && !c.group.contains(o.as_str())
            && !c.name.contains(o.as_str())
        {
            continue;
        }
        let limit = a.base_limit.map(Duration::from_secs_f64);
        let f = run::measure(&mut b, &c, a.runs, a.warm, a.min, Duration::from_secs_f64(a.cap), limit);
        eprintln!(
            "  {:<11} {:<58} {:>9.3} ms {:>9.3} ms  base {:>9}  ({} runs)",
            c.group,
            c.name,
            f.engine.0,
            f.engine.1,
            match (f.base, f.base_skipped) {
                (Some(x), _) => format!("{:.3}", x.0),
                (None, Some(first)) => format!("skipped ({first:.0} ms)"),
                (None, None) => "–".into(),
            },
            f.runs
        );
        out.push(report::record(preset.name(), backend_name(backend), &s, c.group, &c.name, &f));
        // Written after each case: an interrupted run keeps what it measured.
        std::fs::write(&file, serde_json::to_string_pretty(&Value::Array(out.clone())).unwrap()).unwrap();
    }
}

fn main() {
    let a = args();
    if std::env::args().any(|x| x == "--list") {
        return;
    }
    if a.child {
        for p in &a.presets {
            child(&a, *p, a.backend.expect("--child with --backend"));
        }
        return;
    }
    // One process per backend (and preset): no cache or allocator state
    // carried from one into the other.
    let backends = match a.backend {
        Some(b) => vec![b],
        None => vec![Backend::Sqlite, Backend::Postgres],
    };
    let me = std::env::current_exe().unwrap();
    let passed: Vec<String> = std::env::args().skip(1).filter(|x| x != "--bench").collect();
    for p in &a.presets {
        for b in &backends {
            let mut cmd = Command::new(&me);
            cmd.args(&passed).args(["--child", "--preset", p.name(), "--backend", backend_name(*b)]);
            let st = cmd.status().expect("runs itself");
            assert!(st.success(), "{} {} failed", p.name(), backend_name(*b));
        }
    }
    // The report covers every figure file present (earlier runs of other
    // presets included: the plot needs several sizes).
    let dir = load::target_dir().join("bench");
    let mut records = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    for f in files.iter().filter(|f| f.extension().is_some_and(|x| x == "json")) {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        records.extend(v.as_array().cloned().unwrap_or_default());
    }
    let md = report::markdown(&records);
    std::fs::write(dir.join("report.md"), &md).unwrap();
    std::fs::write(dir.join("cost.svg"), report::svg(&records)).unwrap();
    println!("{md}");
    eprintln!("written: {0}/report.md, {0}/cost.svg, {0}/*.json", dir.display());
}

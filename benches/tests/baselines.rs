//! Each baseline of the benchmark answers exactly the engine's question:
//! the same rows in the same order, a page of the same size (the baseline
//! reads one row past the page, as the engine does to know if a next page
//! exists). Checked on a small database (preset T) on both backends, so a
//! ratio in `BENCHMARKS.md` compares like with like.

use clientele_benches::cases::{self, Base, Side};
use clientele_benches::load::{self, Preset};
use clientele_benches::run::Bench;
use clientele_tests::Backend;

fn check(backend: Backend) {
    let Some(db) = load::database(backend, Preset::T) else { return };
    let mut b = Bench::new(&db);
    let all = cases::all(&db, &mut b.raw, true);
    let mut compared = 0;
    let mut non_empty = 0;
    for c in &all {
        if !matches!(c.base, Base::Query(..)) || !matches!(c.side, Side::Request(_)) {
            continue;
        }
        let engine = b.engine(&c.side);
        let base = b.base(&c.base);
        assert!(base.len() <= 51, "{}: the baseline reads at most one row past the page", c.name);
        let page: Vec<i64> = base.iter().copied().take(50).collect();
        assert_eq!(engine, page, "{}: the baseline answers other rows than the engine", c.name);
        compared += 1;
        non_empty += usize::from(!engine.is_empty());
        if engine.is_empty() {
            eprintln!("empty: {}", c.name);
        }
    }
    // Every list, deep page, filter and transfers switch has a baseline, and
    // about half answer rows (an empty page proves little).
    assert!(compared >= 40, "only {compared} cases compared");
    assert!(non_empty * 100 >= compared * 45, "{non_empty} of {compared} cases answered rows");
}

#[test]
fn sqlite_baselines_answer_the_engines_question() {
    check(Backend::Sqlite);
}

#[test]
fn postgres_baselines_answer_the_engines_question() {
    check(Backend::Postgres);
}

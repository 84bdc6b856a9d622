//! The benchmark harness: firm-size databases (presets S, M, L), every case
//! beside a hand-written baseline prepared once, interleaved runs, figures
//! as JSON, a markdown table and an SVG plot of cost against size.
//! Run it with `cargo bench -p clientele-benches -- --preset S` (see
//! `BENCHMARKS.md`).

pub mod cases;
pub mod load;
pub mod raw;
pub mod report;
pub mod run;

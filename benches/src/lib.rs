//! Benchmarks live in `benches/`; run `cargo bench -p clientele-benches`.

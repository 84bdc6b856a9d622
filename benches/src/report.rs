//! Figures out: one JSON file per preset and backend
//! (`target/bench/<preset>-<backend>.json`), a markdown table of them all
//! (`target/bench/report.md`), and an SVG plot of cost against size
//! (`target/bench/cost.svg`), drawn here without any external tool.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Value, json};

use crate::run::Figures;

pub fn record(
    preset: &str,
    backend: &str,
    sizes: &clientele_tests::Sizes,
    group: &str,
    name: &str,
    f: &Figures,
) -> Value {
    let pair = |p: Option<(f64, f64)>| p.map(|(a, b)| json!({"p50_ms": a, "p95_ms": b}));
    json!({
        "preset": preset,
        "backend": backend,
        "interactions": sizes.interactions,
        "group": group,
        "case": name,
        "runs": f.runs,
        "rows": f.rows,
        "engine": {"p50_ms": f.engine.0, "p95_ms": f.engine.1},
        "json": pair(f.json),
        "baseline": pair(f.base),
        "baseline_skipped_first_ms": f.base_skipped,
        "ratio": f.base.map(|b| f.engine.0 / b.0),
    })
}

fn ms(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x >= 10.0 => format!("{x:.1}"),
        Some(x) if x >= 1.0 => format!("{x:.2}"),
        Some(x) => format!("{x:.3}"),
        None => "–".into(),
    }
}

/// The markdown table: one row per case, one column group per
/// preset/backend.
pub fn markdown(records: &[Value]) -> String {
    let mut runs: Vec<(String, String)> = Vec::new();
    for r in records {
        let k = (r["preset"].as_str().unwrap().to_string(), r["backend"].as_str().unwrap().to_string());
        if !runs.contains(&k) {
            runs.push(k);
        }
    }
    let mut out = String::new();
    for (preset, backend) in &runs {
        let rs: Vec<&Value> =
            records.iter().filter(|r| r["preset"] == preset.as_str() && r["backend"] == backend.as_str()).collect();
        let _ = writeln!(out, "\n### {backend}, size {preset} ({} interactions)\n", rs[0]["interactions"]);
        let _ = writeln!(
            out,
            "| group | case | engine p50 | p95 | JSON p50 | baseline p50 | p95 | ratio | runs |\n|---|---|---:|---:|---:|---:|---:|---:|---:|"
        );
        for r in rs {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r["group"].as_str().unwrap(),
                r["case"].as_str().unwrap(),
                ms(&r["engine"]["p50_ms"]),
                ms(&r["engine"]["p95_ms"]),
                ms(&r["json"]["p50_ms"]),
                ms(&r["baseline"]["p50_ms"]),
                ms(&r["baseline"]["p95_ms"]),
                r["ratio"].as_f64().map_or("–".into(), |x| format!("{x:.2}×")),
                r["runs"],
            );
        }
    }
    out
}

/// Cost against size: per backend and group, the median (solid) and the
/// worst (dashed) engine p50 of the group's cases, on log-log axes.
pub fn svg(records: &[Value]) -> String {
    // (backend, group) -> size -> p50s
    let mut series: BTreeMap<(String, String), BTreeMap<u64, Vec<f64>>> = BTreeMap::new();
    for r in records {
        let k = (r["backend"].as_str().unwrap().to_string(), r["group"].as_str().unwrap().to_string());
        let n = r["interactions"].as_u64().unwrap();
        if let Some(p) = r["engine"]["p50_ms"].as_f64() {
            series.entry(k).or_default().entry(n).or_default().push(p);
        }
    }
    let (w, h, left, bottom, top, right) = (760.0, 420.0, 70.0, 50.0, 30.0, 220.0);
    let sizes: Vec<u64> = {
        let mut s: Vec<u64> = series.values().flat_map(|m| m.keys().copied()).collect();
        s.sort();
        s.dedup();
        s
    };
    let all: Vec<f64> = series.values().flat_map(|m| m.values().flatten().copied()).filter(|x| *x > 0.0).collect();
    let (lo, hi) = (
        all.iter().copied().fold(f64::INFINITY, f64::min).max(1e-3).log10().floor(),
        all.iter().copied().fold(0.0, f64::max).max(1e-2).log10().ceil(),
    );
    let hi = if hi <= lo { lo + 1.0 } else { hi };
    let (xlo, xhi) = match (sizes.first(), sizes.last()) {
        (Some(a), Some(b)) if a != b => ((*a as f64).log10() - 0.2, (*b as f64).log10() + 0.2),
        (Some(a), _) => ((*a as f64).log10() - 1.0, (*a as f64).log10() + 1.0),
        _ => (0.0, 1.0),
    };
    let px = |n: f64| left + (n.log10() - xlo) / (xhi - xlo) * (w - left - right);
    let py = |ms: f64| top + (hi - ms.max(1e-3).log10()) / (hi - lo) * (h - top - bottom);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\
         <text x=\"{left}\" y=\"18\" font-size=\"13\">Engine p50 (ms, log) against firm size (interactions, log): median of each group (solid), worst case (dashed)</text>"
    );
    let mut e = lo as i32;
    while e <= hi as i32 {
        let y = py(10f64.powi(e));
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            w - right,
            left - 6.0,
            y + 4.0,
            10f64.powi(e)
        );
        e += 1;
    }
    for n in &sizes {
        let x = px(*n as f64);
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{n}</text>",
            h - bottom,
            h - bottom + 16.0
        );
    }
    let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
    for (i, ((backend, group), points)) in series.iter().enumerate() {
        let colour = colours[i % colours.len()];
        for (dash, pick) in [("", 0), (" stroke-dasharray=\"4 3\"", 1)] {
            let pts: Vec<String> = points
                .iter()
                .map(|(n, v)| {
                    let mut v = v.clone();
                    v.sort_by(f64::total_cmp);
                    let y = if pick == 0 { v[v.len() / 2] } else { v[v.len() - 1] };
                    format!("{:.1},{:.1}", px(*n as f64), py(y))
                })
                .collect();
            let _ = write!(
                s,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
                pts.join(" ")
            );
            for p in &pts {
                let (x, y) = p.split_once(',').unwrap();
                let _ = write!(s, "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"{colour}\"/>");
            }
        }
        let y = top + 14.0 * i as f64;
        let _ = write!(
            s,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\">{backend}: {group}</text>",
            w - right + 10.0,
            w - right + 30.0,
            w - right + 34.0,
            y + 4.0
        );
    }
    s.push_str("</svg>\n");
    s
}

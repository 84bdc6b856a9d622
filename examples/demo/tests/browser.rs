//! The demo's dashboards in a real browser (issue 12): the staff and the
//! client dashboard, in French and in English, loaded in headless Chromium
//! at 1400 and 400 CSS pixels, checked for what a person would see:
//!
//! - every tile visible, inside the page;
//! - no tile whose content overflows it horizontally, no page scrolling sideways;
//! - no word of the other language in the interface's texts;
//! - charts (SVG images with an accessible name) and drill-down links whose
//!   `data-clientele-drill` JSON parses and whose label is not an id;
//! - on the client dashboard, the transfer event the demo records today,
//!   shown in the page's language.
//!
//! Each page is wrapped in an iframe of the width under test (headless
//! Chromium's window is at least 500 px wide) beside `tests/check.js`,
//! which writes its findings into the DOM that `--dump-dom` prints.
//! Screenshots go to `target/browser/`; `CLIENTELE_BLESS=1` also copies
//! them to `docs/screenshots/` (the ones shown in docs/dashboards.md).
//!
//! Needs `chromium` (Debian package; `.ci/run` installs it). Without it the
//! test is skipped, and fails under `CI=true`. About 15 s (the demo's seed
//! takes most of it).

use std::path::{Path, PathBuf};
use std::process::Command;

const CHECK_JS: &str = include_str!("check.js");

/// Interface words of the English pages that must not appear on French ones.
const ENGLISH: &[&str] = &[
    "See all",
    "Today",
    "today",
    "yesterday",
    "Interactions today",
    "Open transfers",
    "Waiting",
    "Expiring",
    "Expires",
    "File transfers",
    "Transfers by status",
    "Phone call",
    "week of",
    "per week",
    "Showing",
    "Client information",
    "Client record",
    "Subject",
    "Kind",
    "When",
    "Staff member",
    "Status",
    "Sent",
    "Name",
    "Role",
    "Phone",
    "Primary",
    "Not installed",
    "trend over",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Interface words of the French pages that must not appear on English ones.
const FRENCH: &[&str] = &[
    "Voir tout",
    "Aujourd’hui",
    "aujourd’hui",
    "hier",
    "demain",
    "Transferts",
    "transferts",
    "En attente",
    "Expire",
    "Expirent",
    "Appel",
    "sem. du",
    "par semaine",
    "Affichage",
    "Fiche",
    "Objet",
    "Employé",
    "Statut",
    "Envoyé",
    "Nom",
    "Rôle",
    "Téléphone",
    "Courriel",
    "Principal",
    "tendance",
    "Bureau",
    "Adresse",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "nov.",
    "déc.",
];

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser"] {
        if let Ok(out) = Command::new("sh").arg("-c").arg(format!("command -v {name}")).output()
            && out.status.success()
        {
            let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !p.is_empty() {
                return Some(PathBuf::from(p));
            }
        }
    }
    None
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

/// One page of iframes, `(id, page, width, other language's words)`, with
/// the checking script.
fn wrapper(frames: &[(String, String, u32, &[&str])]) -> String {
    let mut body = String::new();
    let mut words = serde_json::Map::new();
    for (id, page, width, other) in frames {
        body.push_str(&format!(
            "<iframe id=\"{id}\" style=\"width:{width}px\" srcdoc=\"{}\"></iframe>",
            escape_attr(page)
        ));
        words.insert(id.clone(), serde_json::json!(other));
    }
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{{margin:0;background:#fff}}\
iframe{{border:0;display:block;height:2400px}}</style></head><body>{body}\
<script>var OTHER_WORDS = {};\n{CHECK_JS}</script></body></html>",
        serde_json::Value::Object(words)
    )
}

fn run_chromium(chromium: &Path, profile: &Path, window: (u32, u32), extra: &[String], url: &str) -> String {
    let out = Command::new("timeout")
        .arg("60")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={},{}", window.0, window.1))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A control page: the French staff page plus a tile that overflows and
/// speaks English, which the check must catch.
fn control(page: &str) -> String {
    page.replacen(
        "</main>",
        "<section class=\"tile\" data-portlet=\"control\"><h2>See all</h2>\
<div style=\"width:2000px;white-space:nowrap\">wide</div></section></main>",
        1,
    )
}

#[test]
fn demo_dashboards_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        clientele_tests::skip_or_fail("chromium is not installed (apt-get install chromium)");
        return;
    };
    let started = std::time::Instant::now();
    let work = std::env::temp_dir().join(format!("clientele-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let demo = Command::new(env!("CARGO_BIN_EXE_demo"))
        .arg(work.join("cabinet.db"))
        .arg(&work)
        .output()
        .expect("run the demo");
    assert!(demo.status.success(), "the demo failed: {}", String::from_utf8_lossy(&demo.stderr));

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let bless = std::env::var("CLIENTELE_BLESS").is_ok_and(|v| v == "1");
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");

    // (file, language's other words, charts at least, tiles)
    let pages = [
        // Staff: Today's trend and the interactions' weekly chart (the
        // demo's own layout has My clients where transfers were).
        ("tableau-personnel", ENGLISH, 2, 3),
        ("staff-dashboard", FRENCH, 2, 3),
        ("tableau-client", ENGLISH, 1, 4),
        ("client-dashboard", FRENCH, 1, 4),
    ];
    let read = |name: &str| std::fs::read_to_string(work.join(format!("{name}.html"))).unwrap();
    // Transfer events (stored in the firm's language) read in the viewer's.
    // (The demo's dashboards may show no transfer event among their latest
    // rows; when they do, each reads in its viewer's language.)
    for (name, foreign) in [
        ("staff-dashboard", "Transfert «"),
        ("client-dashboard", "Transfert «"),
        ("tableau-personnel", "Transfer “"),
        ("tableau-client", "Transfer “"),
    ] {
        assert!(!read(name).contains(foreign), "{name} shows a transfer event in the other language");
    }
    let mut frames: Vec<(String, String, u32, &[&str])> = Vec::new();
    for (name, other, _, _) in pages {
        for width in [1400u32, 400] {
            frames.push((format!("{name}-{width}"), read(name), width, other));
        }
    }
    frames.push(("control-400".into(), control(&read("tableau-personnel")), 400, ENGLISH));
    let checks = work.join("checks.html");
    std::fs::write(&checks, wrapper(&frames)).unwrap();
    let dom = run_chromium(
        &chromium,
        &work.join("profile"),
        (1400, 900),
        &["--dump-dom".into()],
        &format!("file://{}", checks.display()),
    );
    let found =
        dom.rsplit("CHECKED ").next().and_then(|s| s.split("</pre>").next()).filter(|_| dom.contains("CHECKED {"));
    let results: serde_json::Value =
        serde_json::from_str(&unescape(found.expect("the check did not run"))).expect("the check's JSON");

    // The control's faults are seen: the check can fail.
    let c = &results["control-400"];
    assert!(c["overflowing"].to_string().contains("control"), "{c}");
    assert!(c["page_overflow"].as_u64().unwrap_or(0) > 0 || c["hidden"].to_string().contains("control"), "{c}");
    assert_eq!(c["untranslated"], serde_json::json!(["See all"]), "{c}");

    let mut failures = Vec::new();
    for (name, other, charts, tiles) in pages {
        for width in [1400u32, 400] {
            let at = format!("{name} at {width} px");
            let r = &results[format!("{name}-{width}")];
            println!("{at}: {r}");
            let list = |k: &str| r[k].as_array().cloned().unwrap_or_default();
            if r["width"] != width {
                failures.push(format!("{at}: the page was {} px wide", r["width"]));
            }
            if r["tiles"] != tiles {
                failures.push(format!("{at}: {} tiles, expected {tiles}", r["tiles"]));
            }
            for k in ["hidden", "overflowing", "untranslated", "bad_links", "errors"] {
                if !list(k).is_empty() {
                    failures.push(format!("{at}: {k} {}", r[k]));
                }
            }
            if r["page_overflow"] != 0 {
                failures.push(format!("{at}: the page scrolls sideways by {} px", r["page_overflow"]));
            }
            if r["charts"].as_u64().unwrap_or(0) < charts {
                failures.push(format!("{at}: {} charts, expected at least {charts}", r["charts"]));
            }
            // The star client's transfer event (asked today), shown on its
            // dashboard in the page's language.
            if name.contains("client") {
                let want = if other == FRENCH {
                    "Transfer \u{201c}Relevés bancaires 2026\u{201d}: created, waiting for files"
                } else {
                    "Transfert « Relevés bancaires 2026 » : créé, en attente de fichiers"
                };
                if !list("events").iter().any(|e| e == want) {
                    failures.push(format!("{at}: the transfer event {want:?} is not shown: {}", r["events"]));
                }
            }
            if r["links"].as_u64().unwrap_or(0) < tiles as u64 {
                failures.push(format!("{at}: {} drill-down links, expected at least one per tile", r["links"]));
            }
        }
    }

    // Screenshots: each page once, French and English at both widths.
    let shots_of =
        [("tableau-personnel", 1400u32), ("staff-dashboard", 400), ("tableau-client", 400), ("client-dashboard", 1400)];
    for (name, width) in shots_of {
        let png = shots.join(format!("{name}-{width}.png"));
        let one = work.join(format!("{name}-{width}.html"));
        std::fs::write(&one, read(name)).unwrap();
        let window = if width < 1000 { (500, 2000) } else { (1400, 1200) };
        // A 400 px page in a 500 px window: the page's own body is narrowed.
        let page = if width < 1000 {
            read(name).replacen("<body>", "<body style=\"max-width:368px\">", 1)
        } else {
            read(name)
        };
        std::fs::write(&one, page).unwrap();
        run_chromium(
            &chromium,
            &work.join("profile"),
            window,
            &[format!("--screenshot={}", png.display())],
            &format!("file://{}", one.display()),
        );
        assert!(png.exists(), "no screenshot {}", png.display());
        if bless {
            std::fs::create_dir_all(&docs).unwrap();
            std::fs::copy(&png, docs.join(format!("{name}-{width}.png"))).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    println!("checked 8 pages and took 4 screenshots in {:?}", started.elapsed());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

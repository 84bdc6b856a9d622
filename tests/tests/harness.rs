//! The test harness itself: a test that lacks a tool or a server cannot
//! pass by not running under CI, and outside CI its skip is recorded for
//! `scripts/test`'s "skipped:" list. Each case runs in a child process (this
//! same test binary, one child test) with the environment it needs.

use std::process::Command;

use clientele_tests::{Backend, Fixture, skip_or_fail};

const CHILD: &str = "CLIENTELE_HARNESS_CHILD";

/// Runs child test `name` of this binary with `CI` as given and the skip log
/// at a fresh path; answers (succeeded, output, the skip log's text).
fn run_child(name: &str, ci: Option<&str>, extra: &[(&str, &str)]) -> (bool, String, String) {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("harness");
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join(format!("{name}-{}.log", ci.unwrap_or("none")));
    let _ = std::fs::remove_file(&log);
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", name, "--nocapture"]).env(CHILD, "1").env("CLIENTELE_SKIP_LOG", &log);
    match ci {
        Some(v) => cmd.env("CI", v),
        None => cmd.env_remove("CI"),
    };
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text, std::fs::read_to_string(&log).unwrap_or_default())
}

/// Child: skips for want of a tool.
#[test]
fn child_skips_for_want_of_a_tool() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    skip_or_fail("frobnicator missing (Hélène's tool)");
}

/// Child: a PostgreSQL test with the server unreachable.
#[test]
fn child_postgres_unreachable() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    assert!(Fixture::new(Backend::Postgres).is_none(), "no server, no fixture");
}

#[test]
fn a_skip_fails_under_ci() {
    for ci in ["true", "1"] {
        let (ok, out, log) = run_child("child_skips_for_want_of_a_tool", Some(ci), &[]);
        assert!(!ok, "CI={ci}: a skip must fail the test\n{out}");
        assert!(out.contains("required under CI") && out.contains("frobnicator missing"), "{out}");
        assert_eq!(log, "", "nothing recorded: it failed");
    }
}

#[test]
fn a_skip_outside_ci_is_printed_and_recorded() {
    let (ok, out, log) = run_child("child_skips_for_want_of_a_tool", None, &[]);
    assert!(ok, "{out}");
    assert!(out.contains("SKIPPED: frobnicator missing (Hélène's tool)"), "{out}");
    assert!(log.contains("child_skips_for_want_of_a_tool: frobnicator missing (Hélène's tool)"), "{log:?}");
    assert!(log.starts_with("harness "), "the line names the test binary: {log:?}");
}

#[test]
fn an_unreachable_postgres_fails_under_ci_and_is_recorded_elsewhere() {
    // Port 1 on loopback: refused at once.
    let url = ("CLIENTELE_TEST_PG_URL", "postgres://postgres@127.0.0.1:1/test?connect_timeout=2");
    let (ok, out, _) = run_child("child_postgres_unreachable", Some("true"), &[url]);
    assert!(!ok && out.contains("PostgreSQL at postgres://postgres@127.0.0.1:1/test"), "{out}");
    let (ok, out, log) = run_child("child_postgres_unreachable", None, &[url]);
    assert!(ok, "{out}");
    assert!(log.contains("child_postgres_unreachable: PostgreSQL at") && log.contains("unreachable"), "{log:?}");
}

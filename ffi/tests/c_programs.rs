//! Real C programs against the built library: the example host
//! (`examples/c-host/host.c`) linked against the shared and against the
//! static library, the C misuse program, both under valgrind, and the
//! shared library's exported symbols.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::*;

fn host_c() -> PathBuf {
    workspace_dir().join("examples/c-host/host.c")
}

fn misuse_c() -> PathBuf {
    crate_dir().join("tests/c/misuse.c")
}

fn run_host(binary: &std::path::Path, dir: &std::path::Path) -> String {
    let out = run(Command::new(binary).arg(dir.join("cabinet.db")));
    check(&format!("{}", binary.display()), &out)
}

#[test]
fn the_c_host_works_against_the_shared_library() {
    let dir = scratch("host-shared");
    let exe = dir.join("host");
    compile_c(&[host_c()], &exe, Link::Shared);
    let log = host_log(&dir);
    let out = run(Command::new(&exe).arg(dir.join("cabinet.db")).env(HOST_LOG, &log));
    check_scenario_output(&check("host (shared)", &out));
    // Every request it sent and every answer it got match ffi/schema/ops.json.
    validate_host_log(&log);
}

#[test]
fn the_c_host_works_against_the_static_library() {
    let dir = scratch("host-static");
    let exe = dir.join("host");
    compile_c(&[host_c()], &exe, Link::Static);
    // Statically linked: no libclientele in its dynamic dependencies.
    let deps = run(Command::new("ldd").arg(&exe));
    if deps.status.success() {
        assert!(!String::from_utf8_lossy(&deps.stdout).contains("libclientele"), "linked statically");
    }
    check_scenario_output(&run_host(&exe, &dir));
}

#[test]
fn the_c_misuse_program_gets_a_status_for_every_misuse() {
    let dir = scratch("misuse");
    let exe = dir.join("misuse");
    compile_c(&[misuse_c()], &exe, Link::Shared);
    let stdout = check("misuse", &run(Command::new(&exe).arg(dir.join("misuse.db"))));
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

/// Runs `exe` under valgrind; answers its report, or `None` when valgrind
/// is missing (then the test is skipped through `skip_or_fail`: it fails
/// under CI).
fn valgrind(exe: &std::path::Path, db: &std::path::Path, extra: &[&str]) -> Option<String> {
    let valgrind = std::env::var("VALGRIND").unwrap_or_else(|_| "valgrind".into());
    let found = Command::new(&valgrind).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        skip_or_fail(&format!("{valgrind} not found; install valgrind to check the C programs for leaks"));
        return None;
    }
    // As a host would run its own tests: every leak kind is an error, minus
    // the shipped suppressions (what the library keeps for the process's
    // life on purpose; see ffi/valgrind.supp).
    let out = run(Command::new(valgrind)
        .args([
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect,possible",
            "--error-exitcode=1",
            "--num-callers=40",
            "--track-origins=no",
        ])
        .arg(format!("--suppressions={}", crate_dir().join("valgrind.supp").display()))
        .arg(exe)
        .arg(db)
        .args(extra));
    let report = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{} under valgrind: {}\n--- stdout\n{}\n--- valgrind\n{report}",
        exe.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    Some(report)
}

fn assert_clean(what: &str, report: &str) {
    // Statics may stay "still reachable"; no leak of any other kind, once the
    // shipped suppressions are applied, and no error.
    let has = |needle: &str| report.contains(needle);
    let freed = has("All heap blocks were freed");
    assert!(has("definitely lost: 0 bytes") || freed, "{what}: definite leaks\n{report}");
    assert!(has("indirectly lost: 0 bytes") || freed, "{what}: indirect leaks\n{report}");
    assert!(has("possibly lost: 0 bytes") || freed, "{what}: possible leaks\n{report}");
    assert!(has("ERROR SUMMARY: 0 errors"), "{what}: memory errors\n{report}");
    let summary: Vec<&str> = report.lines().filter(|l| l.contains("lost:") || l.contains("ERROR SUMMARY")).collect();
    eprintln!("{what} under valgrind:\n{}", summary.join("\n"));
}

#[test]
fn the_c_programs_are_clean_under_valgrind() {
    let dir = scratch("valgrind");
    let host = dir.join("host");
    let misuse = dir.join("misuse");
    compile_c(&[host_c()], &host, Link::Shared);
    compile_c(&[misuse_c()], &misuse, Link::Shared);
    // Under valgrind (20-50x slower) on a loaded 2-core CI machine a request
    // of the host can pass the default 5 s limit: it is given 60 s.
    let Some(report) = valgrind(&host, &dir.join("host.db"), &["60000"]) else { return };
    assert_clean("host", &report);
    let report = valgrind(&misuse, &dir.join("misuse.db"), &[]).unwrap();
    assert_clean("misuse", &report);
}

/// The functions the header declares.
fn header_functions() -> Vec<String> {
    let header = std::fs::read_to_string(crate_dir().join("include/clientele.h")).unwrap();
    let mut names = Vec::new();
    let mut rest = header.as_str();
    while let Some(at) = rest.find("clientele_") {
        let tail = &rest[at..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
        // A declaration: the name directly followed by its parameters, and
        // not inside a comment (comments quote names with backticks).
        let before = rest[..at].chars().last();
        if tail[end..].starts_with('(') && before != Some('`') {
            names.push(tail[..end].to_string());
        }
        rest = &tail[end..];
    }
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_shared_library_exports_exactly_the_header_functions() {
    let out = run(Command::new("nm").args(["-D", "--defined-only"]).arg(shared_lib()));
    let listing = check("nm -D", &out);
    let mut exported: Vec<String> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .map(|s| s.split('@').next().unwrap().to_string())
        .collect();
    exported.sort();
    exported.dedup();
    // Nothing else leaks out, notably none of the bundled SQLite's sqlite3_*.
    let foreign: Vec<&String> = exported.iter().filter(|s| !s.starts_with("clientele_")).collect();
    assert!(foreign.is_empty(), "the shared library exports more than clientele_*: {foreign:?}");
    assert_eq!(exported, header_functions(), "exported symbols and header declarations differ");
}

//! The SQLite-only build: `cargo build -p clientele-ffi --no-default-features`
//! (no `postgres` feature) gives a shared and a static library that link no
//! libpq, run the example C host, and refuse a PostgreSQL URL at open with a
//! typed error. Built with the `libs-check` profile (a directory of its own,
//! shared with `install.rs` under a lock; see docs/embedding.md).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::*;

/// `cargo build -p clientele-ffi --lib --no-default-features --profile libs-check`
/// into `target` (the running test's target directory); answers
/// `<target>/libs-check`. The caller holds [`libs_check_lock`].
fn build_sqlite_only(target: &Path) -> PathBuf {
    let started = std::time::Instant::now();
    check(
        "building the SQLite-only library",
        &run(Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "clientele-ffi", "--lib", "--no-default-features"])
            .args(["--profile", "libs-check", "--target-dir"])
            .arg(target)
            .env_remove("CARGO_TARGET_DIR")
            .current_dir(workspace_dir())),
    );
    eprintln!("SQLite-only build: {:.1} s", started.elapsed().as_secs_f64());
    target.join("libs-check")
}

/// The `NEEDED` entries of an ELF file's dynamic section.
fn needed(file: &Path) -> Vec<String> {
    let dynamic = check("readelf", &run(Command::new("readelf").arg("-d").arg(file)));
    dynamic
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| l.split('[').nth(1).and_then(|r| r.split(']').next()).map(str::to_string))
        .collect()
}

/// Runs a program linked against the SQLite-only library with the loader
/// pointed at it: cargo's test environment puts `<target>/debug` (the
/// default build) on `LD_LIBRARY_PATH`, which wins over the program's
/// RUNPATH.
fn run_against(program: &Path, lib: &Path, arg: &Path) -> std::process::Output {
    run(Command::new(program).arg(arg).env("LD_LIBRARY_PATH", lib))
}

/// Where the loader finds `libclientele` for `program` (as `run_against`
/// runs it).
fn resolved_clientele(program: &Path, lib: &Path) -> String {
    let out = check("ldd", &run(Command::new("ldd").arg(program).env("LD_LIBRARY_PATH", lib)));
    out.lines().find(|l| l.contains("libclientele")).unwrap_or_default().to_string()
}

fn compile(sources: &[PathBuf], out: &Path, link: &[String]) {
    let mut cmd = Command::new(cc());
    cmd.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1"])
        .arg("-I")
        .arg(crate_dir().join("include"))
        .args(sources)
        .arg("-o")
        .arg(out)
        .args(link);
    check(&format!("compiling {sources:?}"), &run(&mut cmd));
}

#[test]
fn the_sqlite_only_library_links_no_libpq_and_runs_the_c_host() {
    if !cfg!(target_os = "linux") {
        return;
    }
    if !Command::new("readelf").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return skip_or_fail("readelf not found; install binutils");
    }
    // The default build links libpq: the check below can tell them apart.
    let full = shared_lib();
    assert!(needed(&full).iter().any(|n| n.starts_with("libpq")), "the default build links libpq: {:?}", needed(&full));

    // Until the end: install.rs builds into the same directory.
    let target = target_dir();
    let _lock = libs_check_lock(&target);
    let lib = build_sqlite_only(&target);
    let so = lib.join(shared_lib_name());
    let deps = needed(&so);
    assert!(!deps.iter().any(|n| n.contains("libpq")), "the SQLite-only library needs libpq: {deps:?}");
    let ldd = run(Command::new("ldd").arg(&so));
    if ldd.status.success() {
        let ldd = String::from_utf8_lossy(&ldd.stdout);
        assert!(!ldd.contains("libpq"), "ldd: {ldd}");
    }
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "libclientele.so: {} bytes with PostgreSQL ({}), {} bytes SQLite-only ({}); libclientele.a SQLite-only: {} bytes",
        size(&full),
        full.display(),
        size(&so),
        so.display(),
        size(&lib.join("libclientele.a"))
    );

    let dir = scratch("sqlite-only");
    // The example host, shared: the whole scenario.
    let host = dir.join("host");
    compile(
        &[workspace_dir().join("examples/c-host/host.c")],
        &host,
        &[
            "-L".into(),
            lib.display().to_string(),
            "-lclientele".into(),
            format!("-Wl,-rpath,{}", lib.display()),
            "-lpthread".into(),
        ],
    );
    assert!(!needed(&host).iter().any(|n| n.contains("libpq")));
    let resolved = resolved_clientele(&host, &lib);
    assert!(resolved.contains(&lib.display().to_string()), "the host loads another libclientele: {resolved}");
    check_scenario_output(&check("the host (SQLite-only, shared)", &run_against(&host, &lib, &dir.join("shared.db"))));

    // Static, with the system libraries of a static link minus libpq.
    let host_static = dir.join("host-static");
    let mut link = vec![lib.join("libclientele.a").display().to_string()];
    link.extend(NATIVE_STATIC_LIBS.iter().filter(|l| **l != "-lpq").map(|l| l.to_string()));
    compile(&[workspace_dir().join("examples/c-host/host.c")], &host_static, &link);
    check_scenario_output(&check(
        "the host (SQLite-only, static)",
        &run_against(&host_static, &lib, &dir.join("static.db")),
    ));

    // A PostgreSQL URL: a typed `config` error naming the setting, no engine.
    let refused = dir.join("postgres_refused");
    compile(
        &[crate_dir().join("tests/c/postgres_refused.c")],
        &refused,
        &["-L".into(), lib.display().to_string(), "-lclientele".into(), format!("-Wl,-rpath,{}", lib.display())],
    );
    let out = check("postgres_refused", &run_against(&refused, &lib, &dir.join("refused.db")));
    let line = out.lines().find(|l| l.starts_with("postgres open: ")).expect("a line for the refused open");
    assert!(line.contains("engine null"), "{line}");
    assert!(line.contains(r#""code":"config""#) && line.contains(r#""field":"database_url""#), "{line}");
    assert!(line.contains("no PostgreSQL support"), "{line}");
    assert!(out.contains("sqlite open: ok"), "{out}");
}

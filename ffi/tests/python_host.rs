//! `examples/python-host/host.py` runs the example scenario through ctypes
//! against the shared library.

mod support;

use std::process::Command;

use support::*;

#[test]
fn the_python_host_works_against_the_shared_library() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    if !Command::new(&python).arg("--version").output().is_ok_and(|o| o.status.success()) {
        return skip_or_fail(&format!("{python} not found; install python3 or set PYTHON"));
    }
    let dir = scratch("python-host");
    let log = host_log(&dir);
    let out = run(Command::new(&python)
        .arg(workspace_dir().join("examples/python-host/host.py"))
        .arg(shared_lib())
        .arg(dir.join("cabinet.db"))
        .env("PYTHONIOENCODING", "utf-8")
        .env(HOST_LOG, &log));
    let stdout = check("python3 host.py", &out);
    check_scenario_output(&stdout);
    // Every request it sent and every answer it got match ffi/schema/ops.json.
    validate_host_log(&log);
    assert!(stdout.contains("exception: not_found (status 102)"), "{stdout}");
}

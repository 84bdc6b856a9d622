//! `examples/dotnet-host` (a C# binding through P/Invoke and a program
//! running the example scenario) built with Mono's `mcs` and run with
//! `mono` against the shared library, as a .NET host on Windows would call
//! `clientele.dll`.

mod support;

use std::process::Command;

use support::*;

fn found(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn the_dotnet_host_works_against_the_shared_library() {
    let mcs = std::env::var("MCS").unwrap_or_else(|_| "mcs".into());
    let mono = std::env::var("MONO").unwrap_or_else(|_| "mono".into());
    if !found(&mcs) || !found(&mono) {
        return skip_or_fail(&format!(
            "{mcs} or {mono} not found; install Debian's mono-mcs and mono-runtime (or set MCS and MONO)"
        ));
    }
    let dir = scratch("dotnet-host");
    let source = workspace_dir().join("examples/dotnet-host");
    let exe = dir.join("host.exe");
    // Warnings are errors: the binding must stay clean for hosts that build with -warnaserror.
    check(
        "mcs",
        &run(Command::new(&mcs)
            .arg("-warnaserror+")
            .arg(format!("-out:{}", exe.display()))
            .arg(source.join("Clientele.cs"))
            .arg(source.join("Host.cs"))),
    );
    let lib_dir = lib_dir();
    let ld_path = match std::env::var_os("LD_LIBRARY_PATH") {
        Some(old) => format!("{}:{}", lib_dir.display(), old.to_string_lossy()),
        None => lib_dir.display().to_string(),
    };
    let log = host_log(&dir);
    let out = run(Command::new(&mono)
        .arg(&exe)
        .arg(dir.join("cabinet.db"))
        .env("LD_LIBRARY_PATH", ld_path)
        .env("DYLD_LIBRARY_PATH", &lib_dir)
        .env(HOST_LOG, &log));
    let stdout = check("mono host.exe", &out);
    check_scenario_output(&stdout);
    // Every request it sent and every answer it got match ffi/schema/ops.json.
    validate_host_log(&log);
    // The typed exceptions of the binding, one per status.
    for needle in [
        "bad configuration: config",
        "exception: not_found (status 102)",
        "typed exception: DuplicateException on field code",
    ] {
        assert!(stdout.contains(needle), "the .NET host's output lacks {needle:?}:\n{stdout}");
    }
}

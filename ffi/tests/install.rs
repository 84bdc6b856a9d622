//! `scripts/install` puts the header, the libraries (versioned, with a
//! SONAME) and a pkg-config file under a prefix, and a C program builds
//! against the installed copy with `pkg-config --cflags --libs clientele`
//! alone. Runs the script with the `libs-check` profile (a debug build in a
//! directory of its own, shared with `sqlite_only.rs` under a lock).

mod support;

use std::path::Path;
use std::process::Command;

use support::*;

fn found(tool: &str, arg: &str) -> bool {
    Command::new(tool).arg(arg).output().is_ok_and(|o| o.status.success())
}

#[test]
fn a_c_program_builds_against_the_installed_library_with_pkg_config() {
    if !cfg!(target_os = "linux") {
        return;
    }
    for (tool, arg) in [("pkg-config", "--version"), ("readelf", "--version")] {
        if !found(tool, arg) {
            return skip_or_fail(&format!("{tool} not found; install pkg-config and binutils"));
        }
    }
    let dir = scratch("install");
    let prefix = dir.join("prefix");
    let target = target_dir();
    // While the script builds and copies: sqlite_only.rs builds into the
    // same directory. The installed copy under the prefix is ours after.
    let lock = libs_check_lock(&target);
    let out = run(Command::new(workspace_dir().join("scripts/install"))
        .args(["--profile", "libs-check", "--prefix"])
        .arg(&prefix)
        .env("CARGO", env!("CARGO"))
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(workspace_dir()));
    drop(lock);
    check("scripts/install", &out);

    let lib = prefix.join("lib");
    let abi = clientele::clientele_abi_version();
    let version = clientele::CLIENTELE_VERSION_MAJOR.to_string()
        + "."
        + &clientele::CLIENTELE_VERSION_MINOR.to_string()
        + "."
        + &clientele::CLIENTELE_VERSION_PATCH.to_string();
    let soname = format!("libclientele.so.{abi}");
    assert!(prefix.join("include/clientele.h").is_file());
    assert!(lib.join("libclientele.a").is_file());
    assert!(lib.join(format!("libclientele.so.{version}")).is_file());
    assert_eq!(std::fs::read_link(lib.join(&soname)).unwrap(), Path::new(&format!("libclientele.so.{version}")));
    assert_eq!(std::fs::read_link(lib.join("libclientele.so")).unwrap(), Path::new(&soname));
    assert!(prefix.join("share/clientele/valgrind.supp").is_file());
    let dynamic = check("readelf", &run(Command::new("readelf").arg("-d").arg(lib.join(&soname))));
    assert!(dynamic.contains(&format!("Library soname: [{soname}]")), "the SONAME follows the ABI version:\n{dynamic}");

    // pkg-config alone tells the compiler where everything is.
    let pc_path = lib.join("pkgconfig");
    let flags = check(
        "pkg-config",
        &run(Command::new("pkg-config").args(["--cflags", "--libs", "clientele"]).env("PKG_CONFIG_PATH", &pc_path)),
    );
    assert!(flags.contains(&format!("-I{}", prefix.join("include").display())), "{flags}");
    let modversion = check(
        "pkg-config",
        &run(Command::new("pkg-config").args(["--modversion", "clientele"]).env("PKG_CONFIG_PATH", &pc_path)),
    );
    assert_eq!(modversion.trim(), version);
    let host = dir.join("host");
    let mut cc = Command::new(cc());
    cc.args(["-std=c11", "-Wall", "-Werror", "-O1"])
        .arg(workspace_dir().join("examples/c-host/host.c"))
        .arg("-o")
        .arg(&host)
        .args(flags.split_whitespace())
        .arg(format!("-Wl,-rpath,{}", lib.display()));
    check("cc with pkg-config's flags", &run(&mut cc));
    // Linked against the SONAME, not the development symlink.
    let needed = check("readelf", &run(Command::new("readelf").arg("-d").arg(&host)));
    assert!(needed.contains(&format!("Shared library: [{soname}]")), "{needed}");
    let stdout = check("the installed host", &run(Command::new(&host).arg(dir.join("cabinet.db"))));
    check_scenario_output(&stdout);
}

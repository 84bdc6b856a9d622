//! Shared by the integration tests: where the built library is, how to
//! compare a generated file with its committed copy, how to build C.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// `ffi/` (the crate's directory).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace root.
pub fn workspace_dir() -> PathBuf {
    crate_dir().parent().expect("ffi/ has a parent").to_path_buf()
}

/// The target directory of the running test binary
/// (`<target>/<profile>/deps/<test binary>` → `<target>`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// Holds `<target>/libs-check.lock` until dropped: the tests that build
/// into the `libs-check` profile (install, SQLite-only) take it while they
/// build and use the libraries there, which the other would replace.
pub fn libs_check_lock(target: &Path) -> std::fs::File {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(target.join("libs-check.lock"))
        .expect("the libs-check lock file");
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a valid open descriptor; the lock goes with the file's
        // close (drop), or with the process.
        let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        assert_eq!(r, 0, "locking libs-check.lock: {}", std::io::Error::last_os_error());
    }
    file
}

/// A scratch directory of this test target, under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clientele-ffi").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The directory holding `libclientele.so` / `libclientele.a`:
/// `CLIENTELE_LIB_DIR` if set (used as is), else the profile directory of
/// the running test binary (`<target>/[<triple>/]<profile>/deps/<test>` →
/// `<target>/[<triple>/]<profile>`), which follows `CARGO_TARGET_DIR`,
/// `--release` and `--target` alike.
///
/// `cargo test` builds this crate only as an rlib for its tests, so the
/// first call builds the shared and static libraries with the same cargo,
/// target directory and profile (a no-op when they are fresh): the C
/// programs never run against a stale library.
pub fn lib_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            if let Some(dir) = std::env::var_os("CLIENTELE_LIB_DIR") {
                return PathBuf::from(dir);
            }
            let exe = std::env::current_exe().expect("test binary path");
            let profile_dir = exe.parent().and_then(Path::parent).expect("test binary lives in <profile>/deps");
            build_libraries(profile_dir);
            assert!(
                profile_dir.join(shared_lib_name()).exists(),
                "{} not found in {} after building it",
                shared_lib_name(),
                profile_dir.display()
            );
            profile_dir.to_path_buf()
        })
        .clone()
}

/// `cargo build -p clientele-ffi --lib` into `profile_dir`.
fn build_libraries(profile_dir: &Path) {
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).expect("profile directory name");
    let parent = profile_dir.parent().expect("profile directory has a parent");
    // `<target>/<profile>` or, with --target, `<target>/<triple>/<profile>`.
    let (target_dir, triple) = if parent.join("CACHEDIR.TAG").exists() {
        (parent.to_path_buf(), None)
    } else {
        let target = parent.parent().expect("<target>/<triple>");
        (target.to_path_buf(), parent.file_name().and_then(|n| n.to_str()).map(str::to_string))
    };
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--quiet", "-p", "clientele-ffi", "--lib"])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(crate_dir())
        .env_remove("CARGO_TARGET_DIR");
    match profile {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    if let Some(triple) = triple {
        cmd.args(["--target", &triple]);
    }
    check("building the shared and static libraries", &run(&mut cmd));
}

pub fn shared_lib_name() -> &'static str {
    if cfg!(target_os = "macos") { "libclientele.dylib" } else { "libclientele.so" }
}

pub fn shared_lib() -> PathBuf {
    lib_dir().join(shared_lib_name())
}

pub fn static_lib() -> PathBuf {
    lib_dir().join("libclientele.a")
}

/// System libraries the static library needs (what
/// `cargo rustc -p clientele-ffi --crate-type staticlib -- --print native-static-libs`
/// printed on Linux).
pub const NATIVE_STATIC_LIBS: &[&str] = &["-lpq", "-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"];

#[allow(unused_imports)]
pub use clientele_tests::{skip_or_fail, under_ci};

/// Is `CLIENTELE_BLESS=1` set (rewrite stale generated files)?
pub fn blessing() -> bool {
    std::env::var("CLIENTELE_BLESS").is_ok_and(|v| v == "1")
}

/// Compares `fresh` with the committed `path` first. Fresh: `None`. Stale:
/// `Some(why)`, where `why` shows the first difference and, when blessing,
/// says the file was rewritten — the test still fails, so a run with
/// `CLIENTELE_BLESS=1` never passes a stale file; the next run does.
pub fn refresh(path: &Path, fresh: &str) -> Option<String> {
    refresh_as(path, fresh, blessing())
}

/// [`refresh`], blessing or not as `bless` says.
pub fn refresh_as(path: &Path, fresh: &str, bless: bool) -> Option<String> {
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed == fresh {
        return None;
    }
    let old: Vec<&str> = committed.lines().collect();
    let new: Vec<&str> = fresh.lines().collect();
    let first = old.iter().zip(&new).position(|(a, b)| a != b).unwrap_or(old.len().min(new.len()));
    let mut diff = String::new();
    let from = first.saturating_sub(3);
    for i in from..(first + 12) {
        match (old.get(i), new.get(i)) {
            (Some(a), Some(b)) if a == b => diff.push_str(&format!("  {:5} {a}\n", i + 1)),
            (a, b) => {
                if let Some(a) = a {
                    diff.push_str(&format!("- {:5} {a}\n", i + 1));
                }
                if let Some(b) = b {
                    diff.push_str(&format!("+ {:5} {b}\n", i + 1));
                }
            }
        }
    }
    let what = format!(
        "{} ({} committed lines, {} generated); first difference at line {}:\n{diff}",
        path.display(),
        old.len(),
        new.len(),
        first + 1
    );
    if bless {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, fresh).unwrap();
        return Some(format!("{what}\n{} was stale; rewritten — commit it (then this test passes)", path.display()));
    }
    Some(format!(
        "{what}\n{} is stale. Regenerate with: CLIENTELE_BLESS=1 cargo test -p clientele-ffi --test header --test schema\n\
         (that run rewrites the files and still fails), then review and commit them.",
        path.display()
    ))
}

/// [`refresh`] one file: panics when it was stale.
pub fn check_fresh(path: &Path, fresh: &str) {
    if let Some(why) = refresh(path, fresh) {
        panic!("{why}");
    }
}

/// The C compiler: `CC` or `cc`.
pub fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".into())
}

/// Runs a command; panics with its output when it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Panics with stdout and stderr unless the command succeeded.
pub fn check(what: &str, out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}", out.status);
    stdout
}

/// How a C program is linked against the library.
#[derive(Clone, Copy, Debug)]
pub enum Link {
    Shared,
    Static,
}

/// Compiles C sources into `out` against `include/clientele.h` and the
/// library.
pub fn compile_c(sources: &[PathBuf], out: &Path, link: Link) {
    let mut cmd = Command::new(cc());
    cmd.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-O1"])
        .arg("-I")
        .arg(crate_dir().join("include"))
        .args(sources)
        .arg("-o")
        .arg(out);
    match link {
        Link::Shared => {
            let dir = lib_dir();
            cmd.arg("-L").arg(&dir).arg("-lclientele").arg(format!("-Wl,-rpath,{}", dir.display())).arg("-lpthread");
        }
        Link::Static => {
            cmd.arg(static_lib()).args(NATIVE_STATIC_LIBS);
        }
    }
    check(&format!("compiling {:?} ({link:?})", sources), &run(&mut cmd));
}

/// What the example scenario must print, whatever the host's language.
pub fn check_scenario_output(stdout: &str) {
    for needle in [
        "clientele 0.1.0 (ABI 1)",
        "engine open",
        "staff.put Sophie Tremblay: id 1",
        "client.create Hélène D'Amours: id 1",
        "client.create Jean-François Côté: id 2",
        r#""role":"primary""#,
        r#""file_as":"Côté, Marie-Ève""#,
        "interaction.create note: id 1",
        "interaction.create phone_call: id 2",
        r#""name":"Hélène D'Amours""#,
        r#""office":"Montréal""#,
        "progress 100/250",
        "client.import: 250 imported",
        r#"canceled import: status 112 (canceled): {"code":"canceled""#,
        // The firm's language is French (the default): so are the messages
        // the engine writes in a fixed form.
        r#"duplicate: status 104 (duplicate): {"code":"duplicate","message":"code « damh01 » est déjà utilisé par le client 1","field":"code"}"#,
        "last error: code « damh01 » est déjà utilisé par le client 1",
        "live strings: 0",
        "engine closed: ok",
    ] {
        assert!(stdout.contains(needle), "the host's output lacks {needle:?}:\n{stdout}");
    }
    // The filtered search finds Jean-François Côté only.
    let search = stdout.lines().find(|l| l.starts_with("search: ")).expect("a search line");
    assert!(search.contains(r#""code":"COTJ01""#) && search.contains(r#""total":1"#), "{search}");
    assert!(!search.contains("DAMH01"), "{search}");
    // The client's dashboard, rendered by the built-in portlets, in French.
    let board = stdout.lines().find(|l| l.starts_with("dashboard: ")).expect("a dashboard line");
    for needle in ["Renseignements sur le client", "COTJ01", "Côté, Marie-Ève", "Principal", r#""format":"text""#] {
        assert!(board.contains(needle), "the dashboard lacks {needle:?}: {board}");
    }
    assert!(!board.contains("DAMH01"), "another client's record on a client dashboard: {board}");
    // The timeline is newest first: the call (15 March) before the note.
    let timeline = stdout.lines().find(|l| l.starts_with("client.timeline: ")).expect("a timeline line");
    let call = timeline.find("Appel de Marie-Ève").expect("the call is in the timeline");
    let note = timeline.find("Déclaration de revenus 2024").expect("the note is in the timeline");
    assert!(call < note, "newest first: {timeline}");
    // The canceled import wrote nothing: only the 250 of the first remain,
    // and the cancel came at the first report past 100.
    assert!(!stdout.contains("progress 200/250\n  progress 250/250\ncanceled"), "{stdout}");
}

/// The ops every host's scenario calls: each host's log must show them all,
/// validated against the schemas.
pub const SCENARIO_OPS: &[&str] = &[
    "staff.put",
    "client.create",
    "contact.create",
    "contact.link",
    "interaction.create",
    "client.list",
    "client.timeline",
    "client.import",
    "dashboard.render",
];

/// The environment variable naming the file a host logs its calls to (one
/// JSON line per call: `function`, `status`, `request`, `answer`).
pub const HOST_LOG: &str = "CLIENTELE_HOST_LOG";

/// A fresh, empty log file for a host's calls in `dir`.
pub fn host_log(dir: &Path) -> PathBuf {
    let path = dir.join("calls.jsonl");
    let _ = std::fs::remove_file(&path);
    path
}

/// Validates every call a host logged against `schema/ops.json`: the
/// request against its op's request schema, a successful answer against its
/// op's response schema, a failure against `schema/error.json` (with the
/// status's code). Each op must be called through the function the
/// catalogue names (`clientele_execute*` for engine ops). Answers the ops
/// seen, for the caller to check coverage.
pub fn validate_host_log(path: &Path) -> std::collections::BTreeSet<String> {
    use serde_json::{Value, json};
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("no host log at {}: {e}", path.display()));
    let ops: Value =
        serde_json::from_str(&std::fs::read_to_string(crate_dir().join("schema/ops.json")).unwrap()).unwrap();
    let error: Value =
        serde_json::from_str(&std::fs::read_to_string(crate_dir().join("schema/error.json")).unwrap()).unwrap();
    let error = jsonschema::validator_for(&error).expect("schema/error.json compiles");
    let defs = ops["$defs"].clone();
    let with_defs = |schema: &Value| -> Value {
        let mut s = schema.clone();
        s.as_object_mut().expect("a schema object").insert("$defs".into(), defs.clone());
        s.as_object_mut().unwrap().insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        s
    };
    let problems = |v: &jsonschema::Validator, instance: &Value| -> Vec<String> {
        v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut lines = 0;
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        lines += 1;
        let call: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("log line {}: not JSON ({e}): {line}", n + 1));
        let op_name = call["request"]["op"].as_str().unwrap_or_else(|| panic!("log line {}: no op: {line}", n + 1));
        let op = ops["ops"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["op"] == op_name)
            .unwrap_or_else(|| panic!("log line {}: op {op_name} is not in schema/ops.json", n + 1));
        let function = call["function"].as_str().unwrap();
        let expected = op["function"].as_str().unwrap();
        assert!(
            function == expected || (expected == "clientele_execute" && function.starts_with("clientele_execute")),
            "log line {}: {op_name} called through {function}, the catalogue says {expected}",
            n + 1
        );
        let request = jsonschema::validator_for(&with_defs(&op["request"])).expect("request schema compiles");
        let bad = problems(&request, &call["request"]);
        assert!(
            bad.is_empty(),
            "log line {}: the {op_name} request does not match its schema: {bad:#?}\n{line}",
            n + 1
        );
        let status = call["status"].as_i64().unwrap();
        if status == 0 {
            let response = jsonschema::validator_for(&with_defs(&op["response"])).expect("response schema compiles");
            let bad = problems(&response, &call["answer"]);
            assert!(
                bad.is_empty(),
                "log line {}: the {op_name} answer does not match its schema: {bad:#?}\n{line}",
                n + 1
            );
        } else {
            let bad = problems(&error, &call["answer"]);
            assert!(
                bad.is_empty(),
                "log line {}: the {op_name} error does not match error.json: {bad:#?}\n{line}",
                n + 1
            );
            let code = call["answer"]["code"].as_str().unwrap_or_default();
            let errors = op["errors"].as_array().map(|a| a.iter().any(|c| c == code)).unwrap_or(false);
            assert!(errors, "log line {}: {op_name} answered {code}, which its catalogue entry does not list", n + 1);
        }
        seen.insert(op_name.to_string());
    }
    assert!(lines > 0, "the host logged no call to {}", path.display());
    for op in SCENARIO_OPS {
        assert!(seen.contains(*op), "the host's log lacks {op} (logged: {seen:?})");
    }
    seen
}

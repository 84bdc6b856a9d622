//! `include/clientele.h` is what cbindgen makes of the crate today.
//!
//! `CLIENTELE_BLESS=1 cargo test -p clientele-ffi --test header` rewrites it
//! when stale, and fails: commit the header and the next run passes.

mod support;

use std::process::Command;

use support::*;

fn generate() -> String {
    let dir = crate_dir();
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn the_committed_header_is_fresh() {
    check_fresh(&crate_dir().join("include/clientele.h"), &generate());
}

#[test]
fn the_header_compiles_as_strict_c11() {
    let dir = scratch("header");
    let src = dir.join("probe.c");
    std::fs::write(
        &src,
        "#include \"clientele.h\"\n\
         _Static_assert(CLIENTELE_OK == 0, \"ok is 0\");\n\
         _Static_assert(CLIENTELE_NOT_FOUND == 102, \"pinned\");\n\
         int main(void) { return 0; }\n",
    )
    .unwrap();
    let out = run(Command::new(cc())
        .args(["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only", "-I"])
        .arg(crate_dir().join("include"))
        .arg(&src));
    check("cc -fsyntax-only on the header", &out);
}

#[test]
fn the_header_compiles_as_cpp() {
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    if !Command::new(&cxx).arg("--version").output().is_ok_and(|o| o.status.success()) {
        return skip_or_fail(&format!("no C++ compiler ({cxx}); install g++ or set CXX"));
    }
    let dir = scratch("header-cpp");
    let src = dir.join("probe.cpp");
    std::fs::write(
        &src,
        "#include \"clientele.h\"\n\
         static_assert(CLIENTELE_OK == 0, \"ok is 0\");\n\
         ClienteleProgressFn progress = nullptr;\n\
         int main() { return progress != nullptr; }\n",
    )
    .unwrap();
    let out = run(Command::new(cxx)
        .args(["-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fsyntax-only", "-I"])
        .arg(crate_dir().join("include"))
        .arg(&src));
    check("c++ -fsyntax-only on the header", &out);
}

//! The shared library's SONAME, for installed copies.
//!
//! `scripts/install` sets `CLIENTELE_SONAME=1`: the `cdylib` is then linked
//! with `-soname libclientele.so.<ABI>` (Linux and other ELF systems), so
//! that programs linked against an installed copy need
//! `libclientele.so.<ABI>` and keep working across compatible updates. Not
//! set (plain `cargo build`), the library has no SONAME and programs linked
//! with `-L target/<profile> -lclientele` load `libclientele.so` itself.

/// Must equal `CLIENTELE_ABI_VERSION` (`ffi/tests/install.rs` checks).
const ABI_VERSION: u32 = 1;

fn main() {
    println!("cargo:rerun-if-env-changed=CLIENTELE_SONAME");
    let elf = matches!(std::env::var("CARGO_CFG_TARGET_OS").as_deref(), Ok("linux" | "freebsd" | "netbsd" | "openbsd"));
    if std::env::var("CLIENTELE_SONAME").is_ok_and(|v| v == "1") && elf {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libclientele.so.{ABI_VERSION}");
    }
}

//! The hand-written C header agrees with the Rust definitions: a tiny C
//! program compiled with the system compiler (`$CC`, default `cc`) prints the
//! header's constants, sizes and offsets.

use std::collections::HashMap;
use std::mem::{offset_of, size_of};
use std::path::Path;
use std::process::Command;

use clientele_portlet_api::abi::*;

const PROBE: &str = r#"
#include <stdio.h>
#include <stddef.h>
#include "clientele_portlet.h"
#define P(name, value) printf("%s=%lld\n", name, (long long)(value))
int main(void) {
    P("abi_major", CLP_ABI_MAJOR);
    P("abi_minor", CLP_ABI_MINOR);
    P("ok", CLP_OK);
    P("invalid_argument", CLP_ERR_INVALID_ARGUMENT);
    P("failed", CLP_ERR_FAILED);
    P("panic", CLP_ERR_PANIC);
    P("abi", CLP_ERR_ABI);
    P("desc_size", sizeof(ClpPortletDescriptor));
    P("desc_abi_major", offsetof(ClpPortletDescriptor, abi_major));
    P("desc_abi_minor", offsetof(ClpPortletDescriptor, abi_minor));
    P("desc_manifest", offsetof(ClpPortletDescriptor, manifest));
    P("desc_settings_schema", offsetof(ClpPortletDescriptor, settings_schema));
    P("desc_default_settings", offsetof(ClpPortletDescriptor, default_settings));
    P("desc_render", offsetof(ClpPortletDescriptor, render));
    P("desc_free_string", offsetof(ClpPortletDescriptor, free_string));
    P("host_size", sizeof(ClpHost));
    P("host_abi_major", offsetof(ClpHost, abi_major));
    P("host_user_data", offsetof(ClpHost, user_data));
    P("host_context_json", offsetof(ClpHost, context_json));
    P("host_request", offsetof(ClpHost, request));
    P("host_free_string", offsetof(ClpHost, free_string));
    P("host_log", offsetof(ClpHost, log));
    P("host_is_canceled", offsetof(ClpHost, is_canceled));
    P("host_deadline_ms", offsetof(ClpHost, deadline_ms));
    P("log_error", CLP_LOG_ERROR);
    P("log_warn", CLP_LOG_WARN);
    P("log_info", CLP_LOG_INFO);
    P("log_debug", CLP_LOG_DEBUG);
    P("no_deadline", CLP_NO_DEADLINE);
    P("max_log_messages", CLP_MAX_LOG_MESSAGES_PER_RENDER);
    P("max_log_bytes", CLP_MAX_LOG_MESSAGE_BYTES);
    printf("symbol=%s\n", CLP_DESCRIPTOR_SYMBOL);
    return 0;
}
"#;

#[test]
fn header_matches_rust() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("header-probe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("probe.c");
    let exe = dir.join("probe");
    std::fs::write(&src, PROBE).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let out = Command::new(&cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-o"])
        .arg(&exe)
        .arg("-I")
        .arg(&include)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler {cc:?} (set CC): {e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&exe).output().unwrap();
    let text = String::from_utf8(run.stdout).unwrap();
    let v: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let n = |k: &str| -> i64 { v[k].parse().unwrap() };

    assert_eq!(n("abi_major"), i64::from(CLP_ABI_MAJOR));
    assert_eq!(n("abi_minor"), i64::from(CLP_ABI_MINOR));
    assert_eq!(n("ok"), i64::from(CLP_OK));
    assert_eq!(n("invalid_argument"), i64::from(CLP_ERR_INVALID_ARGUMENT));
    assert_eq!(n("failed"), i64::from(CLP_ERR_FAILED));
    assert_eq!(n("panic"), i64::from(CLP_ERR_PANIC));
    assert_eq!(n("abi"), i64::from(CLP_ERR_ABI));
    assert_eq!(v["symbol"], CLP_DESCRIPTOR_SYMBOL);
    assert_eq!(n("log_error"), i64::from(CLP_LOG_ERROR));
    assert_eq!(n("log_warn"), i64::from(CLP_LOG_WARN));
    assert_eq!(n("log_info"), i64::from(CLP_LOG_INFO));
    assert_eq!(n("log_debug"), i64::from(CLP_LOG_DEBUG));
    assert_eq!(n("no_deadline"), CLP_NO_DEADLINE);
    assert_eq!(n("max_log_messages"), MAX_LOG_MESSAGES_PER_RENDER as i64);
    assert_eq!(n("max_log_bytes"), MAX_LOG_MESSAGE_BYTES as i64);

    type D = ClpPortletDescriptor;
    let rust_desc = [
        ("desc_size", size_of::<D>()),
        ("desc_abi_major", offset_of!(D, abi_major)),
        ("desc_abi_minor", offset_of!(D, abi_minor)),
        ("desc_manifest", offset_of!(D, manifest)),
        ("desc_settings_schema", offset_of!(D, settings_schema)),
        ("desc_default_settings", offset_of!(D, default_settings)),
        ("desc_render", offset_of!(D, render)),
        ("desc_free_string", offset_of!(D, free_string)),
        ("host_size", size_of::<ClpHost>()),
        ("host_abi_major", offset_of!(ClpHost, abi_major)),
        ("host_user_data", offset_of!(ClpHost, user_data)),
        ("host_context_json", offset_of!(ClpHost, context_json)),
        ("host_request", offset_of!(ClpHost, request)),
        ("host_free_string", offset_of!(ClpHost, free_string)),
        ("host_log", offset_of!(ClpHost, log)),
        ("host_is_canceled", offset_of!(ClpHost, is_canceled)),
        ("host_deadline_ms", offset_of!(ClpHost, deadline_ms)),
    ];
    for (k, rust) in rust_desc {
        assert_eq!(n(k), rust as i64, "{k}: C says {}, Rust says {rust}", n(k));
    }
}

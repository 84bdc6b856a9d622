//! A portlet library that declares ABI major `CLP_ABI_MAJOR + 1`: the loader
//! must refuse it (`LoadError::AbiTooNew`) without calling any entry point.
//! Every entry point here aborts the process, so a loader that called one
//! would fail its test loudly.

use std::ffi::c_char;

use clientele_portlet_api::abi::{self, ClpHost, ClpPortletDescriptor};

unsafe extern "C" fn json(_out: *mut *mut c_char) -> i32 {
    std::process::abort()
}

unsafe extern "C" fn render(_s: *const c_char, _h: *const ClpHost, _out: *mut *mut c_char) -> i32 {
    std::process::abort()
}

unsafe extern "C" fn free_string(_s: *mut c_char) {
    std::process::abort()
}

static DESCRIPTOR: ClpPortletDescriptor = ClpPortletDescriptor {
    struct_size: std::mem::size_of::<ClpPortletDescriptor>() as u32,
    abi_major: abi::CLP_ABI_MAJOR + 1,
    abi_minor: 0,
    manifest: Some(json),
    settings_schema: Some(json),
    default_settings: Some(json),
    render: Some(render),
    free_string: Some(free_string),
};

/// The exported descriptor, of a future ABI.
#[unsafe(no_mangle)]
pub extern "C" fn clientele_portlet_descriptor() -> *const ClpPortletDescriptor {
    &DESCRIPTOR
}

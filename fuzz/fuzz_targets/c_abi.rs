//! The C entry points, called from Rust exactly as C calls them, with
//! arbitrary bytes (interior NULs cut the string where C would see its
//! end; invalid UTF-8 stays), arbitrary handles, tokens and pointers to
//! free: nothing panics or crashes, every status is a documented one,
//! never `panic`/`internal`, and every string handed out is valid JSON
//! that frees exactly once.
//!
//! Input: byte 0 picks the entry point, byte 1 the engine handle (the live
//! one, NULL, a closed one, or 8 arbitrary bytes), byte 2 flags (NULL
//! output pointer, NULL request); the rest is the request text.
#![no_main]

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;
use std::sync::OnceLock;

use clientele::ClienteleStatus::{self, *};
use clientele::*;
use libfuzzer_sys::fuzz_target;

struct Handles {
    live: usize,
    closed: usize,
}

fn handles() -> &'static Handles {
    static H: OnceLock<Handles> = OnceLock::new();
    H.get_or_init(|| {
        let open = || {
            let config = c"{\"database_url\": \"sqlite::memory:\", \"entitlements\": [\"client_management\"]}";
            let mut engine = ptr::null_mut();
            let status = unsafe { clientele_engine_open(config.as_ptr(), &mut engine, ptr::null_mut()) };
            assert_eq!(status, CLIENTELE_OK);
            engine
        };
        let live = open();
        for request in clientele_fuzz::SETUP {
            let text = CString::new(*request).unwrap();
            let mut out = ptr::null_mut();
            let status = unsafe { clientele_execute(live, text.as_ptr(), &mut out) };
            assert_eq!(status, CLIENTELE_OK, "{request}");
            unsafe { clientele_string_free(out) };
        }
        let closed = open();
        assert_eq!(clientele_engine_close(closed), CLIENTELE_OK);
        Handles { live: live as usize, closed: closed as usize }
    })
}

fn word(bytes: &[u8]) -> usize {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    usize::from_le_bytes(b)
}

/// Checks what one call answered and frees its string.
fn answered(status: ClienteleStatus, out: *mut c_char) {
    assert!(!matches!(status, CLIENTELE_PANIC | CLIENTELE_INTERNAL), "status {status:?}");
    let name = unsafe { CStr::from_ptr(clientele_status_name(status as i32)) }.to_str().unwrap();
    assert_ne!(name, "unknown", "{status:?}");
    if out.is_null() {
        return;
    }
    let text = unsafe { CStr::from_ptr(out) }.to_str().expect("answers are UTF-8");
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    if status != CLIENTELE_OK {
        assert_eq!(value["code"].as_str(), Some(name), "{text}");
    }
    assert_eq!(unsafe { clientele_string_free(out) }, CLIENTELE_OK);
    assert_eq!(unsafe { clientele_string_free(out) }, CLIENTELE_INVALID_HANDLE, "a second free is refused");
}

unsafe extern "C" fn progress(user_data: *mut c_void, done: u64, _total: u64) -> bool {
    // Cancels past the threshold the input chose (user data is a number).
    done < user_data as u64
}

fuzz_target!(|data: &[u8]| {
    let h = handles();
    let (head, body) = data.split_at(data.len().min(3));
    let [pick, which, flags] = [0, 1, 2].map(|i| head.get(i).copied().unwrap_or(0));
    let (engine, body) = match which % 4 {
        0 => (h.live, body),
        1 => (0, body),
        2 => (h.closed, body),
        _ => (word(body), body.get(8..).unwrap_or(&[])),
    };
    let engine = ptr::without_provenance::<ClienteleEngine>(engine);
    let cut = body.iter().position(|&b| b == 0).unwrap_or(body.len());
    let request = CString::new(&body[..cut]).unwrap();
    let request_ptr = if flags & 2 != 0 { ptr::null() } else { request.as_ptr() };
    let mut out: *mut c_char = ptr::null_mut();
    let out_ptr: *mut *mut c_char = if flags & 1 != 0 { ptr::null_mut() } else { &mut out };
    unsafe {
        match pick % 8 {
            0 => answered(clientele_execute(engine, request_ptr, out_ptr), out),
            1 => {
                let threshold = ptr::without_provenance_mut::<c_void>((flags >> 2) as usize * 50);
                let callback: ClienteleProgressFn = if flags & 4 != 0 { Some(progress) } else { None };
                answered(clientele_execute_with_progress(engine, request_ptr, callback, threshold, out_ptr), out)
            }
            2 => {
                // A live token (raised or not), NULL, or an arbitrary value.
                let mut token = ptr::null_mut();
                let mode = flags >> 3;
                if mode % 3 != 2 {
                    assert_eq!(clientele_cancel_token_new(&mut token), CLIENTELE_OK);
                    if mode % 3 == 1 {
                        assert_eq!(clientele_cancel_token_cancel(token), CLIENTELE_OK);
                    }
                }
                let arg = if mode % 3 == 2 { ptr::without_provenance(word(body)) } else { token.cast_const() };
                let status = clientele_execute_cancelable(engine, request_ptr, arg, None, ptr::null_mut(), out_ptr);
                answered(status, out);
                if !token.is_null() {
                    assert_eq!(clientele_cancel_token_free(token), CLIENTELE_OK);
                    assert_eq!(clientele_cancel_token_free(token), CLIENTELE_INVALID_HANDLE);
                }
            }
            3 => answered(clientele_render_dashboard(engine, request_ptr, out_ptr), out),
            4 => {
                // Freeing what the library never handed out frees nothing.
                let s = ptr::without_provenance_mut::<c_char>(word(body));
                let status = clientele_string_free(s);
                assert!(matches!(status, CLIENTELE_OK | CLIENTELE_INVALID_HANDLE), "{status:?}");
                assert_eq!(status == CLIENTELE_OK, s.is_null());
            }
            5 => {
                // A configuration from the input, but never a database it
                // names: that could write files or dial out.
                if body.contains(&b'\\') || body.windows(8).any(|w| w.eq_ignore_ascii_case(b"database")) {
                    return;
                }
                let mut opened = ptr::null_mut();
                let status = clientele_engine_open(request_ptr, &mut opened, out_ptr);
                assert_ne!(status, CLIENTELE_OK, "no database_url: refused");
                assert!(opened.is_null());
                answered(status, out);
            }
            6 => {
                let name = CStr::from_ptr(clientele_status_name(word(body) as i32));
                assert!(!name.to_bytes().is_empty());
                let _ = CStr::from_ptr(clientele_last_error_message());
            }
            _ => {
                // Tokens that never were.
                let t = ptr::without_provenance_mut::<ClienteleCancelToken>(word(body));
                let status = clientele_cancel_token_cancel(t);
                assert!(matches!(status, CLIENTELE_NULL_ARGUMENT | CLIENTELE_INVALID_HANDLE | CLIENTELE_OK));
                let _ = clientele_cancel_token_free(t);
            }
        }
    }
});

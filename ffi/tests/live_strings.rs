//! `clientele_debug_live_strings` counts the strings a host holds: one more
//! per response or error JSON, one less per free, 0 when all are freed. (Its
//! own test binary: the count is process-wide, and other tests running in
//! parallel would move it.)

use std::ffi::CString;
use std::ptr;

use clientele::ClienteleStatus::*;
use clientele::*;

#[test]
fn the_live_string_count_follows_what_the_host_holds() {
    assert_eq!(clientele_debug_live_strings(), 0);
    let config = CString::new(r#"{"database_url": "sqlite::memory:", "pool_size": 1}"#).unwrap();
    let (mut engine, mut error) = (ptr::null_mut(), ptr::null_mut());
    assert_eq!(unsafe { clientele_engine_open(config.as_ptr(), &mut engine, &mut error) }, CLIENTELE_OK);
    assert!(error.is_null());
    assert_eq!(clientele_debug_live_strings(), 0, "a successful open hands out no string");

    let mut held = Vec::new();
    for (i, request) in [r#"{"actor":"host","op":"staff.list"}"#, r#"{"actor":"host","op":"nope"}"#, "[1,"]
        .iter()
        .cycle()
        .take(9)
        .enumerate()
    {
        let request = CString::new(*request).unwrap();
        let mut out = ptr::null_mut();
        unsafe { clientele_execute(engine, request.as_ptr(), &mut out) };
        assert!(!out.is_null());
        held.push(out);
        assert_eq!(clientele_debug_live_strings(), i + 1, "responses and error JSON alike");
    }
    // A refused free (twice the same) does not move the count.
    let first = held.remove(0);
    assert_eq!(unsafe { clientele_string_free(first) }, CLIENTELE_OK);
    assert_eq!(unsafe { clientele_string_free(first) }, CLIENTELE_INVALID_HANDLE);
    assert_eq!(clientele_debug_live_strings(), 8);
    for (i, s) in held.into_iter().enumerate() {
        assert_eq!(unsafe { clientele_string_free(s) }, CLIENTELE_OK);
        assert_eq!(clientele_debug_live_strings(), 7 - i);
    }
    assert_eq!(clientele_engine_close(engine), CLIENTELE_OK);
    assert_eq!(clientele_debug_live_strings(), 0);
}

//! The `export` op through the C ABI, called as C calls it: progress after
//! every page, a `false` from the callback or a raised cancel token stops
//! it with `CLIENTELE_CANCELED` and nothing at the path, a bad request is a
//! typed status with its error JSON.

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::Path;
use std::ptr;

use clientele::ClienteleStatus::{self, *};
use clientele::*;

mod support;

struct Engine(*mut ClienteleEngine);

impl Drop for Engine {
    fn drop(&mut self) {
        clientele_engine_close(self.0);
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn take(s: *mut c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_string();
    assert_eq!(unsafe { clientele_string_free(s) }, CLIENTELE_OK);
    text
}

/// An engine on a fresh SQLite file with staff member 1 (every right) and
/// `clients` clients.
fn engine(dir: &Path, clients: usize) -> Engine {
    let config = format!(
        r#"{{"database_url": "sqlite:{}", "entitlements": ["client_management"]}}"#,
        dir.join("test.db").display()
    );
    let mut handle = ptr::null_mut();
    let mut error = ptr::null_mut();
    let status = unsafe { clientele_engine_open(cstr(&config).as_ptr(), &mut handle, &mut error) };
    assert_eq!(status, CLIENTELE_OK, "{}", take(error));
    let e = Engine(handle);
    let all = r#"{"view": true, "add": true, "edit": true, "delete": true}"#;
    let rows: Vec<String> = (0..clients).map(|i| format!(r#"{{"code": "C{i:05}", "name": "Hélène {i}"}}"#)).collect();
    for request in [
        format!(
            r#"{{"actor": "host", "op": "staff.put", "staff": {{"name": "Test", "initials": "T",
                 "rights": {{"clients": {all}, "contacts": {all}, "interactions": {all}}}}}}}"#
        ),
        format!(r#"{{"actor": 1, "op": "client.import", "clients": [{}]}}"#, rows.join(",")),
    ] {
        let mut out = ptr::null_mut();
        let status = unsafe { clientele_execute(e.0, cstr(&request).as_ptr(), &mut out) };
        assert_eq!(status, CLIENTELE_OK, "{}", take(out));
        take(out);
    }
    e
}

fn export_request(path: &Path, format: &str) -> CString {
    cstr(&format!(
        r#"{{"actor": 1, "op": "export", "format": "{format}", "path": {}, "separator": null,
             "request": {{"op": "client.list", "sort": "code"}}}}"#,
        serde_json::to_string(path.to_str().unwrap()).unwrap()
    ))
}

/// What a callback sees: every report, and a token to raise at a report.
struct Watch {
    seen: Vec<(u64, u64)>,
    raise_at: u64,
    answer_at: u64,
    token: *mut ClienteleCancelToken,
}

/// Records the report; raises the token when `done` reaches `raise_at`;
/// answers `false` when it reaches `answer_at`.
extern "C" fn watch(user_data: *mut c_void, done: u64, total: u64) -> bool {
    let w = unsafe { &mut *user_data.cast::<Watch>() };
    w.seen.push((done, total));
    if done >= w.raise_at {
        assert_eq!(clientele_cancel_token_cancel(w.token), CLIENTELE_OK);
    }
    done < w.answer_at
}

fn run(e: &Engine, request: &CString, w: &mut Watch) -> (ClienteleStatus, String) {
    let mut out = ptr::null_mut();
    let status = unsafe {
        clientele_execute_cancelable(e.0, request.as_ptr(), w.token, Some(watch), (w as *mut Watch).cast(), &mut out)
    };
    (status, take(out))
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[test]
fn an_export_reports_progress_and_a_cancel_leaves_no_file() {
    let dir = support::scratch("export");
    let e = engine(&dir, 1200);
    for format in ["csv", "xlsx"] {
        let path = dir.join(format!("clients.{format}"));
        let request = export_request(&path, format);
        let new_token = || {
            let mut token = ptr::null_mut();
            assert_eq!(unsafe { clientele_cancel_token_new(&mut token) }, CLIENTELE_OK);
            token
        };

        // The callback answers false after the first page.
        let mut w = Watch { seen: vec![], raise_at: u64::MAX, answer_at: 500, token: new_token() };
        let (status, out) = run(&e, &request, &mut w);
        assert_eq!(status, CLIENTELE_CANCELED, "{out}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["code"], "canceled");
        assert_eq!(w.seen, [(500, 1200)]);
        assert!(!path.exists(), "a cancelled export leaves no file");
        assert_eq!(clientele_cancel_token_free(w.token), CLIENTELE_OK);

        // The token is raised during the first report: the next page stops.
        let mut w = Watch { seen: vec![], raise_at: 500, answer_at: u64::MAX, token: new_token() };
        let (status, out) = run(&e, &request, &mut w);
        assert_eq!(status, CLIENTELE_CANCELED, "{out}");
        assert_eq!(w.seen, [(500, 1200)]);
        assert!(!path.exists());
        assert!(!files_in(&dir).iter().any(|n| n.ends_with(".tmp")), "no temporary file: {:?}", files_in(&dir));
        assert_eq!(clientele_cancel_token_free(w.token), CLIENTELE_OK);

        // To the end: every page reported, the file at its path.
        let mut w = Watch { seen: vec![], raise_at: u64::MAX, answer_at: u64::MAX, token: new_token() };
        let (status, out) = run(&e, &request, &mut w);
        assert_eq!(status, CLIENTELE_OK, "{out}");
        let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(answer["rows"], 1200);
        assert_eq!(answer["path"], path.to_str().unwrap());
        assert_eq!(w.seen, [(500, 1200), (1000, 1200), (1200, 1200)]);
        let bytes = std::fs::read(&path).unwrap();
        match format {
            "csv" => {
                let text = std::str::from_utf8(&bytes).unwrap();
                assert!(text.starts_with("\u{feff}Code client,Nom,"), "{}", &text[..80]);
                assert_eq!(text.lines().count(), 1201);
                assert!(text.contains("\r\nC01199,Hélène 1199,"));
            }
            _ => assert!(bytes.starts_with(b"PK"), "an XLSX is a zip"),
        }
        assert_eq!(clientele_cancel_token_free(w.token), CLIENTELE_OK);
    }
}

#[test]
fn a_bad_export_is_a_typed_status_with_its_error_json() {
    let dir = support::scratch("export-bad");
    let e = engine(&dir, 1);
    let path = serde_json::to_string(dir.join("x.csv").to_str().unwrap()).unwrap();
    for (request, status, code) in [
        (
            format!(
                r#"{{"actor": 1, "op": "export", "format": "csv", "path": {path}, "separator": "ab", "request": {{"op": "client.list"}}}}"#
            ),
            CLIENTELE_VALIDATION,
            "validation",
        ),
        (
            format!(
                r#"{{"actor": 1, "op": "export", "format": "csv", "path": {path}, "request": {{"op": "trash.purge", "id": 1}}}}"#
            ),
            CLIENTELE_BAD_REQUEST,
            "bad_request",
        ),
        (
            format!(
                r#"{{"actor": 99, "op": "export", "format": "csv", "path": {path}, "request": {{"op": "client.list"}}}}"#
            ),
            CLIENTELE_FORBIDDEN,
            "forbidden",
        ),
    ] {
        let mut out = ptr::null_mut();
        let got = unsafe { clientele_execute(e.0, cstr(&request).as_ptr(), &mut out) };
        let body: serde_json::Value = serde_json::from_str(&take(out)).unwrap();
        assert_eq!((got, body["code"].as_str().unwrap()), (status, code), "{request}: {body}");
    }
    assert_eq!(files_in(&dir).iter().filter(|n| !n.starts_with("test.db")).count(), 0, "{:?}", files_in(&dir));
}

//! The C ABI called from Rust exactly as C calls it (the `extern "C"`
//! functions, raw pointers): misuse of every argument, threads sharing one
//! handle, a close racing with requests, per-thread last errors, progress
//! and cancellation.

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};

use clientele::ClienteleStatus::{self, *};
use clientele::*;

mod support;

/// An engine on a fresh SQLite file, with staff member 1 holding every right.
struct Fixture {
    engine: *mut ClienteleEngine,
    _dir: std::path::PathBuf,
}

// The handle is a token the library checks: any thread may use it.
unsafe impl Send for Fixture {}
unsafe impl Sync for Fixture {}

impl Fixture {
    fn new(name: &str) -> Fixture {
        let dir = support::scratch(&format!("abi-{name}"));
        let config = format!(
            r#"{{"database_url": "sqlite:{}", "entitlements": ["client_management"], "pool_size": 4}}"#,
            dir.join("test.db").display()
        );
        let mut engine = ptr::null_mut();
        let mut error = ptr::null_mut();
        let status = unsafe { clientele_engine_open(cstr(&config).as_ptr(), &mut engine, &mut error) };
        assert_eq!(status, CLIENTELE_OK, "{}", take(error));
        let f = Fixture { engine, _dir: dir };
        let all = r#"{"view": true, "add": true, "edit": true, "delete": true}"#;
        f.ok(&format!(
            r#"{{"actor": "host", "op": "staff.put", "staff": {{"name": "Test", "initials": "T",
                 "rights": {{"clients": {all}, "contacts": {all}, "interactions": {all}}}}}}}"#
        ));
        f
    }

    fn execute(&self, request: &str) -> (ClienteleStatus, String) {
        let mut out = ptr::null_mut();
        let status = unsafe { clientele_execute(self.engine, cstr(request).as_ptr(), &mut out) };
        (status, take(out))
    }

    fn ok(&self, request: &str) -> serde_json::Value {
        let (status, out) = self.execute(request);
        assert_eq!(status, CLIENTELE_OK, "{request} → {out}");
        serde_json::from_str(&out).unwrap()
    }

    fn client_count(&self) -> usize {
        self.ok(r#"{"actor": 1, "op": "client.list", "limit": 500}"#)["items"].as_array().unwrap().len()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        clientele_engine_close(self.engine);
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// The text of a returned string, which is then freed ("" for NULL).
fn take(s: *mut c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    let text = unsafe { CStr::from_ptr(s) }.to_str().expect("the library returns UTF-8").to_string();
    assert_eq!(unsafe { clientele_string_free(s) }, CLIENTELE_OK);
    text
}

fn last_message() -> String {
    unsafe { CStr::from_ptr(clientele_last_error_message()) }.to_str().unwrap().to_string()
}

/// `status` is `want`, the thread's last error agrees, and the error JSON
/// (if any) carries the same code.
fn expect(status: ClienteleStatus, want: ClienteleStatus, json: *mut c_char) -> serde_json::Value {
    assert_eq!(status, want, "{}", last_message());
    assert_eq!(clientele_last_error_code(), want);
    assert!(!last_message().is_empty());
    let text = take(json);
    if text.is_empty() {
        return serde_json::Value::Null;
    }
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    let name = unsafe { CStr::from_ptr(clientele_status_name(want as i32)) }.to_str().unwrap();
    assert_eq!(body["code"], name, "{text}");
    assert!(body["message"].is_string());
    body
}

/// A pointer that is not NULL: outputs must be reset to NULL on entry.
fn dirty<T>() -> *mut T {
    ptr::dangling_mut()
}

#[test]
fn open_refuses_null_arguments_bad_text_and_bad_configs() {
    let config = cstr(r#"{"database_url": "sqlite::memory:", "entitlements": ["client_management"]}"#);
    let (mut engine, mut json) = (dirty(), dirty());
    unsafe {
        // Each pointer NULL in turn.
        expect(clientele_engine_open(ptr::null(), &mut engine, &mut json), CLIENTELE_NULL_ARGUMENT, json);
        assert!(engine.is_null(), "out_engine reset on entry");
        expect(clientele_engine_open(config.as_ptr(), ptr::null_mut(), &mut json), CLIENTELE_NULL_ARGUMENT, json);
        expect(
            clientele_engine_open(config.as_ptr(), ptr::null_mut(), ptr::null_mut()),
            CLIENTELE_NULL_ARGUMENT,
            ptr::null_mut(),
        );
        // out_error_json is optional.
        engine = dirty();
        assert_eq!(clientele_engine_open(config.as_ptr(), &mut engine, ptr::null_mut()), CLIENTELE_OK);
        assert!(!engine.is_null());
        assert_eq!(clientele_engine_close(engine), CLIENTELE_OK);

        let bad = |text: &[u8], want| {
            let text = CString::new(text).unwrap();
            let (mut engine, mut json) = (dirty(), dirty());
            let body = expect(clientele_engine_open(text.as_ptr(), &mut engine, &mut json), want, json);
            assert!(engine.is_null());
            body
        };
        let body = bad(b"{\"database_url\": \"caf\xc3\xa9\xff\"}", CLIENTELE_INVALID_UTF8);
        assert_eq!(body["span"]["start"], 23, "the span points at the bad byte: {body}");
        let body = bad(b"{\"database_url\": ", CLIENTELE_INVALID_JSON);
        assert_eq!(body["span"]["start"], 16, "at the last byte: {body}");
        let body = bad(b"{\"database_url\": \"sqlite::memory:\", \"colour\": 1}", CLIENTELE_CONFIG);
        assert!(body["message"].as_str().unwrap().contains("colour"), "{body}");
        bad(b"{\"database_url\": \"sqlite::memory:\", \"timezone\": \"Mars/Olympus\"}", CLIENTELE_CONFIG);
        bad(b"{\"database_url\": \"sqlite::memory:\", \"pool_size\": 0}", CLIENTELE_CONFIG);
        bad(b"{\"database_url\": \"sqlite:/no/such/dir/x.db\"}", CLIENTELE_STORAGE);
        let huge = vec![b' '; CLIENTELE_MAX_REQUEST_BYTES + 1];
        bad(&huge, CLIENTELE_TOO_LARGE);
    }
}

#[test]
fn execute_refuses_null_arguments_bad_text_and_bad_requests() {
    let f = Fixture::new("execute-misuse");
    let list = cstr(r#"{"actor": 1, "op": "client.list"}"#);
    let mut json = dirty();
    unsafe {
        expect(clientele_execute(ptr::null(), list.as_ptr(), &mut json), CLIENTELE_NULL_ARGUMENT, json);
        expect(clientele_execute(f.engine, ptr::null(), &mut json), CLIENTELE_NULL_ARGUMENT, json);
        expect(clientele_execute(f.engine, list.as_ptr(), ptr::null_mut()), CLIENTELE_NULL_ARGUMENT, ptr::null_mut());
        let callbacks: [ClienteleProgressFn; 2] = [None, Some(go_on)];
        for progress in callbacks {
            let status = CLIENTELE_NULL_ARGUMENT;
            json = dirty();
            expect(
                clientele_execute_with_progress(ptr::null(), list.as_ptr(), progress, ptr::null_mut(), &mut json),
                status,
                json,
            );
            json = dirty();
            expect(
                clientele_execute_with_progress(f.engine, ptr::null(), progress, ptr::null_mut(), &mut json),
                status,
                json,
            );
            expect(
                clientele_execute_with_progress(f.engine, list.as_ptr(), progress, ptr::null_mut(), ptr::null_mut()),
                status,
                ptr::null_mut(),
            );
        }
        json = dirty();
        expect(
            clientele_execute_cancelable(ptr::null(), list.as_ptr(), ptr::null(), None, ptr::null_mut(), &mut json),
            CLIENTELE_NULL_ARGUMENT,
            json,
        );
        json = dirty();
        expect(
            clientele_execute_cancelable(f.engine, ptr::null(), ptr::null(), None, ptr::null_mut(), &mut json),
            CLIENTELE_NULL_ARGUMENT,
            json,
        );
        expect(
            clientele_execute_cancelable(f.engine, list.as_ptr(), ptr::null(), None, ptr::null_mut(), ptr::null_mut()),
            CLIENTELE_NULL_ARGUMENT,
            ptr::null_mut(),
        );
        // NULL progress, NULL user data and NULL token are allowed.
        assert_eq!(
            clientele_execute_cancelable(f.engine, list.as_ptr(), ptr::null(), None, ptr::null_mut(), &mut json),
            CLIENTELE_OK
        );
        take(json);
    }

    let text = |bytes: &[u8], want| {
        let request = CString::new(bytes).unwrap();
        let mut json = dirty();
        expect(unsafe { clientele_execute(f.engine, request.as_ptr(), &mut json) }, want, json)
    };
    text(b"{\"actor\": 1, \"op\": \"client.list\", \"cursor\": \"\xff\"}", CLIENTELE_INVALID_UTF8);
    let body = text(b"{\"actor\": 1,\n \"op\": }", CLIENTELE_INVALID_JSON);
    assert_eq!(body["span"]["start"], 20, "{body}");
    text(b"", CLIENTELE_INVALID_JSON);
    text(b"[]", CLIENTELE_BAD_REQUEST);
    text(b"{\"op\": \"client.list\"}", CLIENTELE_BAD_REQUEST);
    text(b"{\"actor\": 1, \"op\": \"client.nope\"}", CLIENTELE_BAD_REQUEST);
    text(b"{\"actor\": 1, \"op\": \"client.list\", \"colour\": 1}", CLIENTELE_BAD_REQUEST);
    text(b"{\"actor\": 42, \"op\": \"client.list\"}", CLIENTELE_FORBIDDEN);
    text(b"{\"actor\": 1, \"op\": \"client.get\", \"id\": 77}", CLIENTELE_NOT_FOUND);
    let body = text(
        b"{\"actor\": 1, \"op\": \"client.create\", \"data\": {\"code\": \"\", \"name\": \"X\"}}",
        CLIENTELE_VALIDATION,
    );
    assert_eq!(body["field"], "code", "{body}");
    let mut huge = b"{\"actor\": 1, \"op\": \"client.list\"}".to_vec();
    huge.resize(CLIENTELE_MAX_REQUEST_BYTES + 1, b' ');
    text(&huge, CLIENTELE_TOO_LARGE);
    // Exactly the limit is accepted.
    huge.truncate(CLIENTELE_MAX_REQUEST_BYTES);
    let request = CString::new(huge).unwrap();
    let mut json = ptr::null_mut();
    assert_eq!(unsafe { clientele_execute(f.engine, request.as_ptr(), &mut json) }, CLIENTELE_OK);
    take(json);
}

#[test]
fn conflicts_carry_the_current_version() {
    let f = Fixture::new("conflict");
    let id = f.ok(r#"{"actor": 1, "op": "client.create", "data": {"code": "C1", "name": "Élise Gagnon"}}"#)["id"]
        .as_i64()
        .unwrap();
    f.ok(&format!(r#"{{"actor": 1, "op": "client.update", "id": {id}, "version": 1, "data": {{"code": "C1", "name": "Élise G."}}}}"#));
    let (status, json) = f.execute(&format!(
        r#"{{"actor": 1, "op": "client.update", "id": {id}, "version": 1, "data": {{"code": "C1", "name": "Élise"}}}}"#
    ));
    assert_eq!(status, CLIENTELE_CONFLICT);
    let body: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(body["code"], "conflict");
    assert_eq!(body["current_version"], 2);
}

#[test]
fn closed_and_foreign_handles_are_refused_without_being_touched() {
    let list = cstr(r#"{"actor": "host", "op": "staff.list"}"#);
    let config = cstr(r#"{"database_url": "sqlite::memory:", "entitlements": ["client_management"]}"#);
    let mut engine = ptr::null_mut();
    assert_eq!(unsafe { clientele_engine_open(config.as_ptr(), &mut engine, ptr::null_mut()) }, CLIENTELE_OK);
    assert_eq!(clientele_engine_close(engine), CLIENTELE_OK);
    // Twice.
    expect(clientele_engine_close(engine), CLIENTELE_INVALID_HANDLE, ptr::null_mut());
    let mut json = dirty();
    expect(unsafe { clientele_execute(engine, list.as_ptr(), &mut json) }, CLIENTELE_INVALID_HANDLE, json);
    // A new engine never gets the closed one's handle back.
    let mut again = ptr::null_mut();
    assert_eq!(unsafe { clientele_engine_open(config.as_ptr(), &mut again, ptr::null_mut()) }, CLIENTELE_OK);
    assert_ne!(again, engine);
    expect(clientele_engine_close(engine), CLIENTELE_INVALID_HANDLE, ptr::null_mut());
    // Foreign pointers: a stack variable and a heap block; only looked up.
    let mut on_stack = [0xA5u8; 64];
    let forged = on_stack.as_mut_ptr().cast::<ClienteleEngine>();
    json = dirty();
    expect(unsafe { clientele_execute(forged, list.as_ptr(), &mut json) }, CLIENTELE_INVALID_HANDLE, json);
    expect(clientele_engine_close(forged), CLIENTELE_INVALID_HANDLE, ptr::null_mut());
    let heap = Box::into_raw(Box::new([0u64; 8])).cast::<ClienteleEngine>();
    expect(clientele_engine_close(heap), CLIENTELE_INVALID_HANDLE, ptr::null_mut());
    drop(unsafe { Box::from_raw(heap.cast::<[u64; 8]>()) });
    assert!(on_stack.iter().all(|b| *b == 0xA5), "never written");
    // A cancel token is not an engine, nor the reverse.
    let mut token = ptr::null_mut();
    assert_eq!(unsafe { clientele_cancel_token_new(&mut token) }, CLIENTELE_OK);
    json = dirty();
    expect(unsafe { clientele_execute(token.cast(), list.as_ptr(), &mut json) }, CLIENTELE_INVALID_HANDLE, json);
    expect(clientele_cancel_token_cancel(again.cast()), CLIENTELE_INVALID_HANDLE, ptr::null_mut());
    assert_eq!(clientele_cancel_token_free(token), CLIENTELE_OK);
    expect(clientele_cancel_token_free(token), CLIENTELE_INVALID_HANDLE, ptr::null_mut());
    // NULL is fine to close and to free.
    assert_eq!(clientele_engine_close(ptr::null_mut()), CLIENTELE_OK);
    assert_eq!(clientele_cancel_token_free(ptr::null_mut()), CLIENTELE_OK);
    assert_eq!(clientele_engine_close(again), CLIENTELE_OK);
}

#[test]
fn strings_are_freed_once_and_only_the_librarys() {
    let f = Fixture::new("strings");
    let list = cstr(r#"{"actor": "host", "op": "staff.list"}"#);
    assert_eq!(unsafe { clientele_string_free(ptr::null_mut()) }, CLIENTELE_OK);
    let mut json = ptr::null_mut();
    assert_eq!(unsafe { clientele_execute(f.engine, list.as_ptr(), &mut json) }, CLIENTELE_OK);
    assert_eq!(unsafe { clientele_string_free(json) }, CLIENTELE_OK);
    expect(unsafe { clientele_string_free(json) }, CLIENTELE_INVALID_HANDLE, ptr::null_mut());
    let mine = CString::new("mine").unwrap().into_raw();
    expect(unsafe { clientele_string_free(mine) }, CLIENTELE_INVALID_HANDLE, ptr::null_mut());
    drop(unsafe { CString::from_raw(mine) });
    // Freeing the error JSON keeps the last error for the host to read.
    let bad = cstr("{");
    let mut json = ptr::null_mut();
    assert_eq!(unsafe { clientele_execute(f.engine, bad.as_ptr(), &mut json) }, CLIENTELE_INVALID_JSON);
    assert_eq!(unsafe { clientele_string_free(json) }, CLIENTELE_OK);
    assert_eq!(clientele_last_error_code(), CLIENTELE_INVALID_JSON);
    assert!(last_message().contains("not valid JSON"));
}

#[test]
fn statics_version_and_status_names() {
    let version = unsafe { CStr::from_ptr(clientele_version()) }.to_str().unwrap();
    assert_eq!(version, format!("{CLIENTELE_VERSION_MAJOR}.{CLIENTELE_VERSION_MINOR}.{CLIENTELE_VERSION_PATCH}"));
    assert_eq!(clientele_version(), clientele_version(), "a static string");
    assert_eq!(clientele_abi_version(), CLIENTELE_ABI_VERSION);
    let name = |n: i32| unsafe { CStr::from_ptr(clientele_status_name(n)) }.to_str().unwrap();
    assert_eq!(name(0), "ok");
    assert_eq!(name(CLIENTELE_INVALID_HANDLE as i32), "invalid_handle");
    assert_eq!(name(CLIENTELE_SCHEMA_TOO_NEW as i32), "schema_too_new");
    assert_eq!(name(CLIENTELE_BAD_LAYOUT as i32), "bad_layout");
    assert_eq!(name(CLIENTELE_TIMEOUT as i32), "timeout");
    assert_eq!(name(CLIENTELE_UNAVAILABLE as i32), "unavailable");
    for unknown in [-1, 7, 99, 117, 200, i32::MAX, i32::MIN] {
        assert_eq!(name(unknown), "unknown");
    }
}

extern "C" fn go_on(_: *mut c_void, _: u64, _: u64) -> bool {
    true
}

/// Records every report in the `Vec<(u64, u64)>` behind `user_data`;
/// cancels once `done` reaches 100.
extern "C" fn record_and_cancel_at_100(user_data: *mut c_void, done: u64, total: u64) -> bool {
    let seen = unsafe { &mut *user_data.cast::<Vec<(u64, u64)>>() };
    seen.push((done, total));
    done < 100
}

fn import_request(prefix: &str, n: usize) -> CString {
    let clients: Vec<String> =
        (0..n).map(|i| format!(r#"{{"code": "{prefix}{i:05}", "name": "Client {i}"}}"#)).collect();
    cstr(&format!(r#"{{"actor": 1, "op": "client.import", "clients": [{}]}}"#, clients.join(",")))
}

#[test]
fn progress_is_reported_and_a_false_return_cancels_with_nothing_written() {
    let f = Fixture::new("progress");
    let mut seen: Vec<(u64, u64)> = Vec::new();
    let mut json = dirty();
    let status = unsafe {
        clientele_execute_with_progress(
            f.engine,
            import_request("P", 250).as_ptr(),
            Some(record_and_cancel_at_100),
            (&mut seen as *mut Vec<(u64, u64)>).cast(),
            &mut json,
        )
    };
    expect(status, CLIENTELE_CANCELED, json);
    assert_eq!(seen, [(0, 250), (100, 250)]);
    assert_eq!(f.client_count(), 0, "a canceled import writes nothing");

    seen.clear();
    let mut json = ptr::null_mut();
    let status = unsafe {
        clientele_execute_with_progress(
            f.engine,
            import_request("P", 99).as_ptr(),
            Some(record_and_cancel_at_100),
            (&mut seen as *mut Vec<(u64, u64)>).cast(),
            &mut json,
        )
    };
    assert_eq!(status, CLIENTELE_OK, "{}", take(json));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&take(json)).unwrap()["imported"], 99);
    assert_eq!(seen, [(0, 99), (99, 99)]);
    assert_eq!(f.client_count(), 99);
}

/// Signals the test, then waits until it has raised the token.
extern "C" fn wait_for_cancel(user_data: *mut c_void, done: u64, _total: u64) -> bool {
    let (ready, raised) = unsafe { &*user_data.cast::<(mpsc::Sender<()>, mpsc::Receiver<()>)>() };
    if done == 0 {
        ready.send(()).unwrap();
        raised.recv().unwrap();
    }
    true
}

#[test]
fn a_cancel_token_raised_from_another_thread_stops_an_import() {
    let f = Fixture::new("cancel-token");
    let mut token = ptr::null_mut();
    assert_eq!(unsafe { clientele_cancel_token_new(&mut token) }, CLIENTELE_OK);
    let token_addr = token as usize;
    let (ready_tx, ready_rx) = mpsc::channel();
    let (raised_tx, raised_rx) = mpsc::channel();
    let canceller = std::thread::spawn(move || {
        ready_rx.recv().unwrap();
        assert_eq!(clientele_cancel_token_cancel(token_addr as *const ClienteleCancelToken), CLIENTELE_OK);
        raised_tx.send(()).unwrap();
    });
    let channels = (ready_tx, raised_rx);
    let mut json = ptr::null_mut();
    let status = unsafe {
        clientele_execute_cancelable(
            f.engine,
            import_request("T", 500).as_ptr(),
            token,
            Some(wait_for_cancel),
            (&channels as *const (mpsc::Sender<()>, mpsc::Receiver<()>)).cast_mut().cast(),
            &mut json,
        )
    };
    canceller.join().unwrap();
    expect(status, CLIENTELE_CANCELED, json);
    assert_eq!(f.client_count(), 0);
    // A raised token stays raised; a fresh one lets the import through.
    let mut json = ptr::null_mut();
    let again = unsafe {
        clientele_execute_cancelable(f.engine, import_request("T", 5).as_ptr(), token, None, ptr::null_mut(), &mut json)
    };
    expect(again, CLIENTELE_CANCELED, json);
    assert_eq!(clientele_cancel_token_free(token), CLIENTELE_OK);
    let mut fresh = ptr::null_mut();
    assert_eq!(unsafe { clientele_cancel_token_new(&mut fresh) }, CLIENTELE_OK);
    let mut json = ptr::null_mut();
    let status = unsafe {
        clientele_execute_cancelable(f.engine, import_request("T", 5).as_ptr(), fresh, None, ptr::null_mut(), &mut json)
    };
    assert_eq!(status, CLIENTELE_OK, "{}", take(json));
    take(json);
    assert_eq!(clientele_cancel_token_free(fresh), CLIENTELE_OK);
    assert_eq!(f.client_count(), 5);
    // A freed token is refused, but a NULL output comes first.
    let request = import_request("U", 5);
    let status = unsafe {
        clientele_execute_cancelable(f.engine, request.as_ptr(), fresh, None, ptr::null_mut(), ptr::null_mut())
    };
    assert_eq!(status, CLIENTELE_NULL_ARGUMENT);
    let mut json = dirty();
    let status =
        unsafe { clientele_execute_cancelable(f.engine, request.as_ptr(), fresh, None, ptr::null_mut(), &mut json) };
    expect(status, CLIENTELE_INVALID_HANDLE, json);
    assert_eq!(f.client_count(), 5, "nothing ran");
}

#[test]
fn one_handle_serves_many_threads_at_once() {
    const THREADS: usize = 8;
    const EACH: usize = 15;
    let f = Arc::new(Fixture::new("threads"));
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (f, start) = (f.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for i in 0..EACH {
                    f.ok(&format!(
                        r#"{{"actor": 1, "op": "client.create", "data": {{"code": "T{t}-{i}", "name": "Fil {t} n° {i}"}}}}"#
                    ));
                    f.ok(r#"{"actor": 1, "op": "client.list", "limit": 5}"#);
                    // A failure on this thread is this thread's last error only.
                    let (status, _) = f.execute(r#"{"actor": 1, "op": "client.get", "id": 999999}"#);
                    assert_eq!(status, CLIENTELE_NOT_FOUND);
                    assert_eq!(clientele_last_error_code(), CLIENTELE_NOT_FOUND);
                    assert!(last_message().contains("999999"));
                    f.ok(r#"{"actor": "host", "op": "staff.get", "id": 1}"#);
                    assert_eq!(clientele_last_error_code(), CLIENTELE_OK);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(f.client_count(), THREADS * EACH);
}

#[test]
fn closing_while_other_threads_execute_is_safe() {
    let dir = support::scratch("abi-close-race");
    let config = cstr(&format!(
        r#"{{"database_url": "sqlite:{}", "entitlements": ["client_management"]}}"#,
        dir.join("race.db").display()
    ));
    let mut engine = ptr::null_mut();
    assert_eq!(unsafe { clientele_engine_open(config.as_ptr(), &mut engine, ptr::null_mut()) }, CLIENTELE_OK);
    let handle = engine as usize;
    let ok = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(5));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (ok, start) = (ok.clone(), start.clone());
            std::thread::spawn(move || {
                let request = cstr(r#"{"actor": "host", "op": "staff.list"}"#);
                start.wait();
                // Bounded: an engine that never reports its closing fails
                // the test instead of hanging it.
                for _ in 0..1_000_000 {
                    let mut json = ptr::null_mut();
                    let status =
                        unsafe { clientele_execute(handle as *const ClienteleEngine, request.as_ptr(), &mut json) };
                    take(json);
                    match status {
                        CLIENTELE_OK => ok.fetch_add(1, Ordering::Relaxed),
                        CLIENTELE_INVALID_HANDLE => return,
                        other => panic!("unexpected {other:?}"),
                    };
                }
                panic!("the engine still answers after 1,000,000 calls: it was never closed");
            })
        })
        .collect();
    start.wait();
    while ok.load(Ordering::Relaxed) < 20 {
        // Bounded: workers that stopped (panicked) cannot reach 20.
        assert!(!workers.iter().all(|w| w.is_finished()), "every worker stopped before 20 calls succeeded");
        std::thread::yield_now();
    }
    assert_eq!(clientele_engine_close(engine), CLIENTELE_OK);
    for w in workers {
        w.join().unwrap();
    }
    expect(clientele_engine_close(engine), CLIENTELE_INVALID_HANDLE, ptr::null_mut());
}

#[test]
fn render_dashboard_refuses_misuse_and_renders() {
    let f = Fixture::new("dashboard");
    let client = f.ok(r#"{"actor": 1, "op": "client.create", "data": {"code": "DAM-1", "name": "D'Amours, Hélène"}}"#)
        ["id"]
        .as_i64()
        .unwrap();
    let render = cstr(&format!(
        r#"{{"actor": 1, "op": "dashboard.render", "dashboard": "client", "client_id": {client}, "locale": "fr"}}"#
    ));
    let mut json = dirty();
    unsafe {
        expect(clientele_render_dashboard(ptr::null(), render.as_ptr(), &mut json), CLIENTELE_NULL_ARGUMENT, json);
        json = dirty();
        expect(clientele_render_dashboard(f.engine, ptr::null(), &mut json), CLIENTELE_NULL_ARGUMENT, json);
        expect(
            clientele_render_dashboard(f.engine, render.as_ptr(), ptr::null_mut()),
            CLIENTELE_NULL_ARGUMENT,
            ptr::null_mut(),
        );
        let foreign = 0x1234usize as *const ClienteleEngine;
        json = dirty();
        expect(clientele_render_dashboard(foreign, render.as_ptr(), &mut json), CLIENTELE_INVALID_HANDLE, json);
        // A real render: the built-in portlets, in French.
        json = dirty();
        assert_eq!(clientele_render_dashboard(f.engine, render.as_ptr(), &mut json), CLIENTELE_OK);
        assert_eq!(clientele_last_error_code(), CLIENTELE_OK);
        let view: serde_json::Value = serde_json::from_str(&take(json)).unwrap();
        let tiles = view["tiles"].as_array().expect("tiles");
        assert!(!tiles.is_empty(), "{view}");
        assert!(view.to_string().contains("D'Amours, Hélène"), "{view}");
    }
    let text = |bytes: &[u8], want| {
        let request = CString::new(bytes).unwrap();
        let mut json = dirty();
        expect(unsafe { clientele_render_dashboard(f.engine, request.as_ptr(), &mut json) }, want, json)
    };
    text(b"{\"actor\": 1, \"op\": \"dashboard.render\", \"dashboard\": \"\xff\"}", CLIENTELE_INVALID_UTF8);
    text(b"{\"actor\": 1, \"op\": ", CLIENTELE_INVALID_JSON);
    text(b"{\"actor\": 1, \"op\": \"dashboard.render\", \"dashboard\": \"client\"}", CLIENTELE_BAD_REQUEST);
    text(b"{\"actor\": 1, \"op\": \"dashboard.explode\"}", CLIENTELE_BAD_REQUEST);
    let body = text(
        b"{\"actor\": 1, \"op\": \"dashboard.render\", \"dashboard\": \"client\", \"client_id\": 999}",
        CLIENTELE_NOT_FOUND,
    );
    assert_eq!(body["code"], "not_found", "{body}");
    let mut huge = b"{\"actor\": 1, \"op\": \"portlet.list\"}".to_vec();
    huge.resize(CLIENTELE_MAX_REQUEST_BYTES + 1, b' ');
    text(&huge, CLIENTELE_TOO_LARGE);
    // A refused layout has its own status, named like its code.
    let body = text(
        b"{\"actor\": 1, \"op\": \"dashboard.layout.save\", \"dashboard\": \"staff\", \"name\": \"x\", \"layout\": {\"tiles\": 3}}",
        CLIENTELE_BAD_LAYOUT,
    );
    assert_eq!(body["code"], "bad_layout", "{body}");
    // portlet.list answers the built-ins.
    let request = cstr(r#"{"actor": 1, "op": "portlet.list"}"#);
    let mut json = dirty();
    assert_eq!(unsafe { clientele_render_dashboard(f.engine, request.as_ptr(), &mut json) }, CLIENTELE_OK);
    let list = take(json);
    assert!(list.to_string().contains("clientele.interactions"), "{list}");
}

/// The cancel token reaches the engine's deadline, not only progress
/// reports: a request that reports no progress (a list) stops too. (On
/// SQLite the same flag interrupts a statement already running; see
/// `tests/tests/deadlines.rs`.)
#[test]
fn a_raised_cancel_token_stops_a_request_without_progress_reports() {
    let f = Fixture::new("cancel-read");
    let mut token = ptr::null_mut();
    assert_eq!(unsafe { clientele_cancel_token_new(&mut token) }, CLIENTELE_OK);
    let list = cstr(r#"{"actor": 1, "op": "client.list"}"#);
    let mut json = ptr::null_mut();
    let status =
        unsafe { clientele_execute_cancelable(f.engine, list.as_ptr(), token, None, ptr::null_mut(), &mut json) };
    assert_eq!(status, CLIENTELE_OK, "{}", take(json));
    take(json);
    assert_eq!(clientele_cancel_token_cancel(token), CLIENTELE_OK);
    let mut json = ptr::null_mut();
    let status =
        unsafe { clientele_execute_cancelable(f.engine, list.as_ptr(), token, None, ptr::null_mut(), &mut json) };
    expect(status, CLIENTELE_CANCELED, json);
    assert_eq!(clientele_cancel_token_free(token), CLIENTELE_OK);
    assert_eq!(f.client_count(), 0, "the engine still answers");
}

/// A portlet plugin in C (ABI 1.2): logs one line, then polls `is_canceled`
/// for up to 10 s.
const POLLING_PLUGIN_C: &str = r#"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clientele_portlet.h"
static char *dupstr(const char *s) { char *p = malloc(strlen(s) + 1); strcpy(p, s); return p; }
static int32_t manifest(char **out) {
  *out = dupstr("{\"id\":\"test.ffi-poll\",\"version\":\"1.0.0\",\"title\":{\"fr\":\"p\",\"en\":\"p\"},\"dashboards\":[\"staff\"]}");
  return CLP_OK;
}
static int32_t json(char **out) { *out = dupstr("{}"); return CLP_OK; }
static int32_t render(const char *s, const ClpHost *h, char **out) {
  struct timespec nap = {0, 2000000}; int polls = 0;
  (void)s;
  if (h->struct_size < sizeof(ClpHost) || h->abi_major != CLP_ABI_MAJOR) { *out = 0; return CLP_ERR_ABI; }
  h->log(h->user_data, CLP_LOG_WARN, "hello from C");
  while (polls++ < 5000 && !h->is_canceled(h->user_data)) nanosleep(&nap, 0);
  *out = dupstr("{\"title\":{\"fr\":\"p\",\"en\":\"p\"},\"widgets\":[]}");
  return CLP_OK;
}
static void release(char *s) { free(s); }
static const ClpPortletDescriptor D = { sizeof(ClpPortletDescriptor), CLP_ABI_MAJOR, CLP_ABI_MINOR, manifest, json, json, render, release };
CLP_EXPORT const ClpPortletDescriptor *clientele_portlet_descriptor(void) { return &D; }
"#;

type LogLines = std::sync::Mutex<Vec<(i32, String, i64, String)>>;

unsafe extern "C" fn record_log(
    user_data: *mut c_void,
    level: i32,
    portlet: *const c_char,
    viewer: i64,
    message: *const c_char,
) {
    let lines = unsafe { &*(user_data as *const LogLines) };
    let text = |s| unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_string();
    lines.lock().unwrap().push((level, text(portlet), viewer, text(message)));
}

/// An engine whose configuration loads the polling plugin
/// (`POLLING_PLUGIN_C`), with a tile budget of 300 ms, and one staff member.
fn polling_fixture(name: &str) -> Fixture {
    let dir = support::scratch(name);
    let src = dir.join("poll.c");
    std::fs::write(&src, POLLING_PLUGIN_C).unwrap();
    let lib = dir.join("libpoll.so");
    let out = support::run(
        std::process::Command::new(support::cc())
            .args(["-shared", "-fPIC", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&lib)
            .arg("-I")
            .arg(support::workspace_dir().join("portlets/api/include"))
            .arg(&src),
    );
    support::check("cc poll.c", &out);
    let config = format!(
        r#"{{"database_url": "sqlite:{}", "entitlements": ["client_management"], "plugin_paths": ["{}"],
             "tile_timeout_ms": 300}}"#,
        dir.join("test.db").display(),
        lib.display()
    );
    let mut engine = ptr::null_mut();
    let mut error = ptr::null_mut();
    assert_eq!(unsafe { clientele_engine_open(cstr(&config).as_ptr(), &mut engine, &mut error) }, CLIENTELE_OK);
    let f = Fixture { engine, _dir: dir };
    f.ok(r#"{"actor": "host", "op": "staff.put", "staff": {"name": "Test", "initials": "T"}}"#);
    f
}

#[test]
fn a_c_host_gets_portlet_logs_and_sets_the_tile_budget() {
    let f = polling_fixture("abi-log-budget");
    let front = |request: &str| {
        let mut json = dirty();
        let status = unsafe { clientele_render_dashboard(f.engine, cstr(request).as_ptr(), &mut json) };
        (status, take(json))
    };
    let (status, out) = front(
        r#"{"actor": 1, "op": "dashboard.layout.save", "dashboard": "staff", "name": "p",
            "layout": {"tiles": [{"portlet": "test.ffi-poll"}]}}"#,
    );
    assert_eq!(status, CLIENTELE_OK, "{out}");

    let lines: Box<LogLines> = Box::default();
    let user_data = std::ptr::from_ref::<LogLines>(&lines) as *mut c_void;
    unsafe {
        assert_eq!(clientele_set_log_callback(ptr::null(), Some(record_log), user_data), CLIENTELE_NULL_ARGUMENT);
        let foreign = 0x1234usize as *const ClienteleEngine;
        assert_eq!(clientele_set_log_callback(foreign, Some(record_log), user_data), CLIENTELE_INVALID_HANDLE);
        assert_eq!(clientele_set_log_callback(f.engine, Some(record_log), user_data), CLIENTELE_OK);
    }
    let render =
        |budget: &str| front(&format!(r#"{{"actor": 1, "op": "dashboard.render", "dashboard": "staff"{budget}}}"#));
    let tile_error = |out: &str| {
        let view: serde_json::Value = serde_json::from_str(out).unwrap();
        view["tiles"][0]["error"].clone()
    };
    // The configuration's tile_timeout_ms is the budget; the plugin is
    // canceled when it is spent (it would poll 10 s otherwise).
    let start = std::time::Instant::now();
    let (status, out) = render("");
    assert_eq!(status, CLIENTELE_OK, "{out}");
    assert_eq!(tile_error(&out)["code"], "portlet_timeout", "{out}");
    assert!(tile_error(&out)["message"].as_str().unwrap().contains("300 ms"), "{out}");
    // The request's budget_ms overrides it.
    let (status, out) = render(r#", "budget_ms": 150"#);
    assert_eq!(status, CLIENTELE_OK, "{out}");
    assert!(tile_error(&out)["message"].as_str().unwrap().contains("150 ms"), "{out}");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    // Out of range: refused, the field named.
    for bad in ["99", "60001"] {
        let (status, out) = render(&format!(r#", "budget_ms": {bad}"#));
        assert_eq!(status, CLIENTELE_BAD_REQUEST, "{out}");
        let body: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(body["field"], "budget_ms", "{out}");
    }
    let got = lines.lock().unwrap().clone();
    assert_eq!(got, vec![(CLIENTELE_LOG_WARN, "test.ffi-poll".to_string(), 1, "hello from C".to_string()); 2]);
    // A NULL callback stops them.
    assert_eq!(unsafe { clientele_set_log_callback(f.engine, None, ptr::null_mut()) }, CLIENTELE_OK);
    let (status, _) = render(r#", "budget_ms": 100"#);
    assert_eq!(status, CLIENTELE_OK);
    assert_eq!(lines.lock().unwrap().len(), 2);
    drop(f);
}

/// What `slow_log` saw: the engine it was set on, whether a call is in
/// progress or returned, and what calling back into the library answered.
#[derive(Default)]
struct SlowLog {
    engine: std::sync::atomic::AtomicUsize,
    entered: std::sync::atomic::AtomicBool,
    left: std::sync::atomic::AtomicBool,
    set_inside: std::sync::atomic::AtomicI32,
    close_inside: std::sync::atomic::AtomicI32,
}

/// A log callback that tries to replace itself and to close the engine,
/// then takes 400 ms to return.
unsafe extern "C" fn slow_log(user_data: *mut c_void, _: i32, _: *const c_char, _: i64, _: *const c_char) {
    use std::sync::atomic::Ordering::SeqCst;
    let seen = unsafe { &*(user_data as *const SlowLog) };
    seen.entered.store(true, SeqCst);
    let engine = seen.engine.load(SeqCst) as *mut ClienteleEngine;
    let set = unsafe { clientele_set_log_callback(engine, None, ptr::null_mut()) };
    seen.set_inside.store(set as i32, SeqCst);
    seen.close_inside.store(clientele_engine_close(engine) as i32, SeqCst);
    std::thread::sleep(std::time::Duration::from_millis(400));
    seen.left.store(true, SeqCst);
}

#[test]
fn replacing_the_log_callback_waits_for_its_calls_in_progress() {
    use std::sync::atomic::Ordering::SeqCst;
    let f = polling_fixture("abi-log-gate");
    let (status, out) = {
        let mut json = dirty();
        let request = r#"{"actor": 1, "op": "dashboard.layout.save", "dashboard": "staff", "name": "p",
                          "layout": {"tiles": [{"portlet": "test.ffi-poll"}]}}"#;
        let status = unsafe { clientele_render_dashboard(f.engine, cstr(request).as_ptr(), &mut json) };
        (status, take(json))
    };
    assert_eq!(status, CLIENTELE_OK, "{out}");
    let seen: Box<SlowLog> = Box::default();
    seen.engine.store(f.engine as usize, SeqCst);
    let user_data = std::ptr::from_ref::<SlowLog>(&seen) as *mut c_void;
    assert_eq!(unsafe { clientele_set_log_callback(f.engine, Some(slow_log), user_data) }, CLIENTELE_OK);
    // A render whose tile logs, then is abandoned at its 100 ms budget
    // while the callback still runs.
    let engine = f.engine as usize;
    let render = std::thread::spawn(move || {
        let mut json = dirty();
        let request = r#"{"actor": 1, "op": "dashboard.render", "dashboard": "staff", "budget_ms": 100}"#;
        let status =
            unsafe { clientele_render_dashboard(engine as *const ClienteleEngine, cstr(request).as_ptr(), &mut json) };
        (status, take(json))
    });
    let start = std::time::Instant::now();
    while !seen.entered.load(SeqCst) {
        assert!(start.elapsed() < std::time::Duration::from_secs(10), "the tile never logged");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    // Replacing the callback returns only once the call in progress has:
    // then the host may free what `user_data` points to.
    assert_eq!(unsafe { clientele_set_log_callback(f.engine, None, ptr::null_mut()) }, CLIENTELE_OK);
    assert!(seen.left.load(SeqCst), "clientele_set_log_callback returned while the old callback was still running");
    // From inside the callback, both were refused (they would wait for
    // themselves), and the engine is still open.
    assert_eq!(seen.set_inside.load(SeqCst), CLIENTELE_BAD_REQUEST as i32);
    assert_eq!(seen.close_inside.load(SeqCst), CLIENTELE_BAD_REQUEST as i32);
    let (status, out) = render.join().unwrap();
    assert_eq!(status, CLIENTELE_OK, "{out}");
    // Still open: the request reaches the engine (this staff member has no
    // rights), not `invalid_handle`.
    assert_eq!(f.execute(r#"{"actor": 1, "op": "client.list"}"#).0, CLIENTELE_FORBIDDEN);
    drop(f);
    drop(seen);
}

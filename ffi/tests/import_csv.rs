//! `clientele_import_csv` called as C calls it: a file's bytes or its path,
//! the host's progress callback (never inside a write transaction: a write
//! from the callback goes through) and a cancel that keeps whole batches.

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;

use clientele::ClienteleStatus::*;
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
    let text = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();
    unsafe { clientele_string_free(s) };
    text
}

fn open(name: &str) -> Engine {
    let dir = support::scratch(&format!("import-{name}"));
    let config = format!(
        r#"{{"database_url": "sqlite:{}", "entitlements": ["client_management"], "pool_size": 4}}"#,
        dir.join("test.db").display()
    );
    let mut engine = ptr::null_mut();
    let mut error = ptr::null_mut();
    let status = unsafe { clientele_engine_open(cstr(&config).as_ptr(), &mut engine, &mut error) };
    assert_eq!(status, CLIENTELE_OK, "{}", take(error));
    let e = Engine(engine);
    let all = r#"{"view": true, "add": true, "edit": true, "delete": true}"#;
    execute(
        &e,
        &format!(
            r#"{{"actor": "host", "op": "staff.put", "staff": {{"name": "Test", "initials": "T",
                 "rights": {{"clients": {all}, "contacts": {all}, "interactions": {all}}}}}}}"#
        ),
    );
    e
}

fn execute(e: &Engine, request: &str) -> serde_json::Value {
    let mut out = ptr::null_mut();
    let status = unsafe { clientele_execute(e.0, cstr(request).as_ptr(), &mut out) };
    let out = take(out);
    assert_eq!(status, CLIENTELE_OK, "{request} → {out}");
    serde_json::from_str(&out).unwrap()
}

fn import(
    e: &Engine,
    request: &str,
    bytes: &[u8],
    progress: ClienteleProgressFn,
    user_data: *mut c_void,
) -> (ClienteleStatus, serde_json::Value) {
    let mut out = ptr::null_mut();
    let status = unsafe {
        clientele_import_csv(
            e.0,
            cstr(request).as_ptr(),
            if bytes.is_empty() { ptr::null() } else { bytes.as_ptr() },
            bytes.len(),
            ptr::null(),
            progress,
            user_data,
            &mut out,
        )
    };
    (status, serde_json::from_str(&take(out)).unwrap())
}

struct Seen {
    engine: *mut ClienteleEngine,
    reports: Vec<(u64, u64)>,
    writes_failed: usize,
}

/// Records each report, writes a client from inside the callback, and
/// cancels after the first batch is written.
extern "C" fn record_write_cancel(user_data: *mut c_void, done: u64, total: u64) -> bool {
    let seen = unsafe { &mut *user_data.cast::<Seen>() };
    seen.reports.push((done, total));
    let request = cstr(&format!(
        r#"{{"actor": 1, "op": "client.create", "data": {{"code": "CB-{}", "name": "Pendant"}}}}"#,
        seen.reports.len()
    ));
    let mut out = ptr::null_mut();
    let status = unsafe { clientele_execute(seen.engine, request.as_ptr(), &mut out) };
    take(out);
    if status != CLIENTELE_OK {
        seen.writes_failed += 1;
    }
    done < total / 2 + 1000
}

#[test]
fn a_csv_file_imports_by_bytes_or_path_with_progress_and_cancel() {
    let e = open("csv");
    // Bytes: Windows-1252, `;`, French headers; one bad row.
    let csv = "Code;Nom;Ville\nCP-1;Café Léo;Montréal\nCP-2;;Québec\n";
    let cp1252: Vec<u8> = csv.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    let (status, r) = import(
        &e,
        r#"{"actor": 1, "kind": "clients", "options": {"commit": "batches"}}"#,
        &cp1252,
        None,
        ptr::null_mut(),
    );
    assert_eq!(status, CLIENTELE_OK, "{r}");
    assert_eq!((r["created"].as_u64(), r["failed"].as_u64()), (Some(1), Some(1)));
    assert_eq!((r["errors"][0]["line"].as_u64(), r["errors"][0]["column"].as_str()), (Some(3), Some("Nom")));
    let found = execute(&e, r#"{"actor": 1, "op": "client.list", "search": "café"}"#);
    assert_eq!(found["items"][0]["data"]["address"]["city"], "Montréal");
    // A path; progress outside any write transaction; canceled after the
    // first batch of 1000: exactly that batch stays.
    let dir = support::scratch("import-csv-path");
    let path = dir.join("clients.csv");
    let mut text = String::from("Client ID,Name\n");
    for i in 0..2500 {
        text.push_str(&format!("PA-{i:05},Client {i}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let request = format!(
        r#"{{"actor": 1, "kind": "clients", "path": {}, "options": {{"commit": "batches", "batch_size": 1000}}}}"#,
        serde_json::to_string(&path.display().to_string()).unwrap()
    );
    let mut seen = Seen { engine: e.0, reports: Vec::new(), writes_failed: 0 };
    let (status, r) = import(&e, &request, b"", Some(record_write_cancel), (&mut seen as *mut Seen).cast());
    assert_eq!(status, CLIENTELE_OK, "{r}");
    assert_eq!(r["stopped"], "canceled");
    assert_eq!((r["created"].as_u64(), r["batches_committed"].as_u64()), (Some(1000), Some(1)));
    assert_eq!(seen.reports, [(1000, 5000), (2000, 5000), (3500, 5000)]);
    assert_eq!(seen.writes_failed, 0, "a write from the callback failed: it ran inside a write transaction");
    let n = execute(&e, r#"{"actor": 1, "op": "client.list", "search": "client", "count": true, "limit": 1}"#);
    assert_eq!(n["total"], 1000);
    // A bad request is a typed error.
    let (status, r) = import(&e, r#"{"actor": 1, "kind": "clients"}"#, b"", None, ptr::null_mut());
    assert_eq!((status, r["code"].as_str()), (CLIENTELE_VALIDATION, Some("validation")));
}

/// Transfers from a CSV file at a path, through the C ABI: French headers,
/// `;`, every reference by code, key and initials; refused whole for a
/// staff member without the right to add transfers.
#[test]
fn a_transfers_file_imports_by_path() {
    let e = open("transfers");
    let all = r#"{"view": true, "add": true, "edit": true, "delete": true}"#;
    let admin = execute(
        &e,
        &format!(
            r#"{{"actor": "host", "op": "staff.put", "staff": {{"name": "Tout", "initials": "TT",
                 "rights": {{"clients": {all}, "contacts": {all}, "interactions": {all}, "file_transfers": {all}}}}}}}"#
        ),
    )["id"]
        .as_i64()
        .unwrap();
    for (op, rows) in [
        ("import.clients", r#"[{"code": "TR-1", "name": "Tremblay"}]"#),
        ("import.contacts", r#"[{"key": "K-1", "data": {"first_name": "Léa", "last_name": "Roy"}}]"#),
        ("import.links", r#"[{"client_code": "TR-1", "contact_key": "K-1"}]"#),
    ] {
        let r = execute(&e, &format!(r#"{{"actor": {admin}, "op": "{op}", "rows": {rows}}}"#));
        assert_eq!(r["created"], 1, "{op}: {r}");
    }
    let dir = support::scratch("import-transfers-path");
    let path = dir.join("transferts.csv");
    std::fs::write(
        &path,
        "Envoyé le;Statut;Sens;Objet;Code client;Clé de la personne-ressource;Initiales de l'employé;Noms des fichiers;Fermé le\n\
         02/11/2026 09:00;Terminé;Envoyé à la personne-ressource;États financiers;TR-1;K-1;TT;T2.pdf;03/11/2026 10:00\n\
         03/11/2026 09:00;Annulé;Demandé à la personne-ressource;Relevés;TR-1;K-9;TT;;03/11/2026 10:00\n",
    )
    .unwrap();
    let request = |actor: i64| {
        format!(
            r#"{{"actor": {actor}, "kind": "transfers", "path": {}, "options": {{"commit": "batches"}}}}"#,
            serde_json::to_string(&path.display().to_string()).unwrap()
        )
    };
    let (status, r) = import(&e, &request(admin), b"", None, ptr::null_mut());
    assert_eq!(status, CLIENTELE_OK, "{r}");
    assert_eq!(
        (r["import"].as_str(), r["created"].as_u64(), r["failed"].as_u64()),
        (Some("transfers"), Some(1), Some(1))
    );
    let bad = &r["errors"][0];
    assert_eq!((bad["line"].as_u64(), bad["column"].as_str()), (Some(3), Some("Clé de la personne-ressource")), "{r}");
    let list = execute(&e, &format!(r#"{{"actor": {admin}, "op": "transfer.list"}}"#));
    assert_eq!(list["items"][0]["data"]["status"], "complete");
    assert_eq!(list["items"][0]["data"]["files"][0]["name"], "T2.pdf");
    // Staff 1 may not add transfers: refused whole, nothing written.
    let (status, r) = import(&e, &request(1), b"", None, ptr::null_mut());
    assert_eq!((status, r["code"].as_str()), (CLIENTELE_FORBIDDEN, Some("forbidden")), "{r}");
    let list = execute(&e, &format!(r#"{{"actor": {admin}, "op": "transfer.list", "count": true}}"#));
    assert_eq!(list["total"], 1);
}

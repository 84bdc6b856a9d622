//! `clientele_import_csv`: a CSV file (a path, or its bytes) imported
//! through `clientele-io`, with the host's progress callback and cancel
//! token, answering the import report.

use std::ffi::{c_char, c_void};
use std::ptr;

use clientele_core::Error;
use clientele_core::protocol::Actor;

use super::boundary::{Failure, clear_out, give_string, guard, json_arg};
use super::{CANCEL_TOKENS, ClienteleCancelToken, ClienteleEngine, ClienteleProgressFn, ClienteleStatus, HostProgress};

/// Imports a CSV file. `request_json` is `{"actor": <staff id>, "kind":
/// "clients" | "contacts" | "links" | "interactions" | "transfers", "path": "…"?,
/// "encoding": "utf-8" | "windows-1252"?, "separator": ";"?, "mapping":
/// {header: column id}?, "time_zone"?, "options": {"dry_run",
/// "on_existing", "commit", "batch_size"}?}` (see `docs/import-export.md`).
/// The file is `bytes` (`len` bytes) when `len` is not 0, else the file at
/// `path`. Progress, cancel, statuses, `*out_json` and freeing are as for
/// `clientele_execute_cancelable`; on success `*out_json` is the import
/// report (`ImportReport` in `schema/response.json`), with file lines and
/// the file's headers in its errors. A canceled per-batch import answers
/// its report (`"stopped": "canceled"`, the whole batches written); a
/// canceled all-or-nothing one answers `CLIENTELE_CANCELED`.
///
/// # Safety
/// As `clientele_execute_cancelable`; `bytes` is NULL (then `len` is 0) or
/// points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clientele_import_csv(
    engine: *const ClienteleEngine,
    request_json: *const c_char,
    bytes: *const u8,
    len: usize,
    cancel: *const ClienteleCancelToken,
    progress: ClienteleProgressFn,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
) -> ClienteleStatus {
    // SAFETY: the pointers are as the contract above says.
    unsafe {
        clear_out(out_json);
        if out_json.is_null() {
            return guard(ptr::null_mut(), || Err(Failure::null("out_json")));
        }
        guard(out_json, || {
            let flag = (!cancel.is_null()).then(|| CANCEL_TOKENS.get(cancel as usize));
            if matches!(flag, Some(None)) {
                return Err(Failure::invalid_handle("cancel"));
            }
            let reporter = HostProgress { callback: progress, user_data, cancel: flag.flatten() };
            let handle = super::engine_arg(engine)?;
            let text = json_arg(request_json, "request_json")?;
            if bytes.is_null() && len > 0 {
                return Err(Failure::null("bytes"));
            }
            let data: &[u8] = if len == 0 { &[] } else { std::slice::from_raw_parts(bytes, len) };
            let mut value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
            let actor = value.as_object_mut().and_then(|o| o.remove("actor")).ok_or_else(|| bad("no actor".into()))?;
            let actor: Actor = serde_json::from_value(actor).map_err(|e| bad(format!("actor: {e}")))?;
            let mut spec: clientele_io::import::CsvImport =
                serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
            if spec.time_zone.is_none() {
                spec.time_zone = Some(handle.engine.config().timezone.clone());
            }
            let report = clientele_io::import::import_csv(&handle.engine, actor, &spec, data, &reporter)?;
            let json = serde_json::to_string(&report).map_err(|e| Error::internal(e.to_string()).caused_by(e))?;
            out_json.write_unaligned(give_string(json)?);
            Ok(())
        })
    }
}

fn bad(message: String) -> Failure {
    Error::BadRequest { message: format!("import request: {message}"), span: None }.into()
}

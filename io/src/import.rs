//! Files in: a CSV file turned into the typed rows of a bulk import
//! request (`import.clients`, `import.contacts`, `import.links`,
//! `import.interactions`, `import.transfers`), run through the engine, and its report told in
//! the file's terms (lines, headers).
//!
//! ```no_run
//! use clientele_core::{Engine, EngineConfig, NoProgress, protocol::Actor};
//! use clientele_io::import::{CsvImport, import_csv};
//! let engine = Engine::open(EngineConfig::new("sqlite:cabinet.db"))?;
//! let spec: CsvImport = serde_json::from_str(r#"{"kind": "clients", "options": {"dry_run": true}}"#).unwrap();
//! let report = import_csv(&engine, Actor::Staff(1), &spec, b"Code;Nom\nA-1;Alpha\n", &NoProgress)?;
//! # Ok::<(), clientele_core::Error>(())
//! ```

mod decode;
mod headers;
mod values;

use std::collections::BTreeMap;

use clientele_core::domain::CustomFieldDef;
use clientele_core::protocol::{
    Actor, CommitMode, ImportOptions, ImportReport, OnExisting, Request, Response, RowError,
};
use clientele_core::query::import_columns::{ImportColumn, ImportKind, import_catalogue_with};
use clientele_core::{Engine, Error, Progress};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use decode::{Encoding, decode, detect_separator};
pub use values::{date, date_time, number};

/// A CSV import: what the file holds and how to read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvImport {
    pub kind: ImportKind,
    /// The file to read (the C ABI's `clientele_import_csv` takes a path
    /// here, or the bytes beside the request).
    #[serde(default)]
    pub path: Option<String>,
    /// `utf-8` or `windows-1252`; detected when absent.
    #[serde(default)]
    pub encoding: Option<String>,
    /// `,`, `;` or a tab; detected from the header line when absent.
    #[serde(default)]
    pub separator: Option<char>,
    /// Header → column id (see the import catalogue); `""` ignores the
    /// column. Headers not mapped are recognised by their French or
    /// English label.
    #[serde(default)]
    pub mapping: BTreeMap<String, String>,
    /// The zone date-times without an offset are read in (the firm's);
    /// default `America/Toronto`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// What an empty cell does to a record a row updates
    /// (`on_existing: update`): `keep` (the default) leaves the field as it
    /// is, `clear` empties it. A column the file does not have never
    /// changes anything: the row is a patch of the record.
    #[serde(default)]
    pub empty: EmptyCells,
    #[serde(default)]
    pub options: ImportOptions,
}

/// What an empty cell of an update does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyCells {
    /// The record keeps its value.
    #[default]
    Keep,
    /// The field is emptied (a phone or e-mail entry leaves its list).
    Clear,
}

/// A file read: the request for its good rows, and its bad cells.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Parsed {
    pub request: Request,
    /// Data records in the file.
    pub records: u64,
    /// For each row of the request, its record number (from 0).
    record_of: Vec<usize>,
    /// Cells that could not be read (bad dates, numbers, codes).
    pub cell_errors: Vec<RowError>,
    /// For each catalogue column present, its header in the file.
    headers: Vec<(ImportColumn, String)>,
    /// The file's encoding.
    pub encoding: Encoding,
    pub separator: u8,
    /// Bad cells in an all-or-nothing import: the engine only checked.
    forced_dry: bool,
}

fn bad(field: &str, message: String) -> Error {
    Error::Validation { field: field.into(), code: "invalid_value", message }
}

/// Reads a CSV file's bytes into an import request (columns of custom
/// fields are not recognised: [`parse_with`]).
pub fn parse(bytes: &[u8], spec: &CsvImport) -> Result<Parsed, Error> {
    parse_with(bytes, spec, &[])
}

/// [`parse`] with the firm's custom fields: a header equal to a custom
/// client, contact or interaction field's French or English label or its
/// key fills it.
pub fn parse_with(bytes: &[u8], spec: &CsvImport, custom: &[CustomFieldDef]) -> Result<Parsed, Error> {
    let declared = spec.encoding.as_deref().map(Encoding::parse).transpose()?;
    let (text, encoding) = decode(bytes, declared)?;
    let separator = match spec.separator {
        Some(c) if c.is_ascii() => c as u8,
        Some(c) => return Err(bad("separator", format!("'{c}' cannot separate columns (use , ; or a tab)"))),
        None => detect_separator(&text),
    };
    let tz: chrono_tz::Tz =
        spec.time_zone.as_deref().unwrap_or("America/Toronto").parse().map_err(|_| {
            bad("time_zone", format!("unknown time zone '{}'", spec.time_zone.as_deref().unwrap_or("")))
        })?;
    let mut reader =
        csv::ReaderBuilder::new().delimiter(separator).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let header_row: Vec<String> = reader
        .headers()
        .map_err(|e| bad("headers", format!("cannot read the header line: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let catalogue = import_catalogue_with(spec.kind, custom);
    let columns = headers::match_headers(&header_row, &catalogue, &spec.mapping)?;
    let headers: Vec<(ImportColumn, String)> =
        columns.iter().zip(&header_row).filter_map(|(c, h)| c.map(|i| (catalogue[i].clone(), h.clone()))).collect();
    // Clients and contacts updated from a file are patched: each row lists
    // the fields its cells give (`ImportOptions::given`).
    let patch = spec.options.on_existing == OnExisting::Update
        && matches!(spec.kind, ImportKind::Clients | ImportKind::Contacts);
    let data_path = |path: &str| -> Option<String> {
        match spec.kind {
            ImportKind::Contacts => path.strip_prefix("data.").map(str::to_string),
            _ => Some(path.to_string()),
        }
    };
    let mut given: Vec<Vec<String>> = Vec::new();
    let mut rows: Vec<Value> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut record_of = Vec::new();
    let mut cell_errors = Vec::new();
    let mut records = 0usize;
    for (n, record) in reader.records().enumerate() {
        records = n + 1;
        let record = record.map_err(|e| bad("file", format!("the CSV cannot be read: {e}")))?;
        let line = record.position().map_or(n as u64 + 2, |p| p.line());
        let mut row = Value::Object(Default::default());
        let mut errs = Vec::new();
        let mut fields = Vec::new();
        for (i, cell) in record.iter().enumerate() {
            // A cell the export guarded against spreadsheet formulas
            // (`'=…`, `'+1 418…`) reads as written (`export::cells::unguard`).
            let (Some(Some(c)), cell) = (columns.get(i), crate::export::cells::unguard(cell.trim())) else { continue };
            let col = &catalogue[*c];
            if patch && (!cell.is_empty() || spec.empty == EmptyCells::Clear) {
                fields.extend(data_path(&col.path));
            }
            if cell.is_empty() {
                continue;
            }
            match values::cell(col, cell, tz) {
                Ok(v) => set_path(&mut row, &col.path, v),
                Err(e) => errs.push(RowError {
                    row: n as u64 + 1,
                    line,
                    column: header_row[i].clone(),
                    code: "validation".into(),
                    reason: Some("invalid_value".into()),
                    message_fr: e.fr,
                    message_en: e.en,
                }),
            }
        }
        if let Some(e) = join_file_sizes(&mut row) {
            let i = columns.iter().position(|c| c.is_some_and(|c| catalogue[c].column.id == "file_sizes"));
            errs.push(RowError {
                row: n as u64 + 1,
                line,
                column: i.map_or_else(|| "file_sizes".into(), |i| header_row[i].clone()),
                code: "validation".into(),
                reason: Some("invalid_value".into()),
                message_fr: e.fr,
                message_en: e.en,
            });
        }
        if errs.is_empty() {
            fill_defaults(spec.kind, &mut row);
            rows.push(row);
            lines.push(line);
            if patch {
                given.push(fields);
            }
            record_of.push(n);
        } else {
            cell_errors.extend(errs);
        }
    }
    let mut options = spec.options.clone();
    options.lines = lines;
    options.given = given;
    let forced_dry = !cell_errors.is_empty() && options.commit == CommitMode::AllOrNothing && !options.dry_run;
    if forced_dry {
        // Nothing may be written: the engine checks the rest and writes
        // nothing (`finish` tells the report so).
        options.dry_run = true;
    }
    let request = serde_json::from_value::<Request>(serde_json::json!({
        "op": spec.kind.op(),
        "rows": rows,
        "options": options,
    }))
    .map_err(|e| bad("file", format!("a row does not make a {} row: {e}", spec.kind.op())))?;
    Ok(Parsed { request, records: records as u64, record_of, cell_errors, headers, encoding, separator, forced_dry })
}

/// Gives a transfer row's files (`data.files`, from the names) the sizes
/// of its `file_sizes` cell, by position; a count that differs from the
/// names' is the cell's error.
fn join_file_sizes(row: &mut Value) -> Option<values::CellError> {
    let sizes = row.as_object_mut()?.remove("file_sizes")?;
    let sizes = sizes.as_array().map(Vec::as_slice).unwrap_or_default();
    let files = get_path(row, "data.files").and_then(Value::as_array).map_or(0, Vec::len);
    if sizes.len() != files {
        return Some(values::CellError {
            en: format!("{} sizes for {files} file names", sizes.len()),
            fr: format!("{} tailles pour {files} noms de fichiers", sizes.len()),
        });
    }
    if let Some(Value::Array(files)) = row.get_mut("data").and_then(|d| d.get_mut("files")) {
        for (f, size) in files.iter_mut().zip(sizes) {
            f["size"] = size.clone();
        }
    }
    None
}

/// What every row of a kind needs that a file may leave out.
fn fill_defaults(kind: ImportKind, row: &mut Value) {
    let text = |row: &mut Value, path: &str| {
        if get_path(row, path).is_none() {
            set_path(row, path, Value::String(String::new()));
        }
    };
    match kind {
        ImportKind::Clients => {
            text(row, "code");
            text(row, "name");
        }
        ImportKind::Contacts => {
            if row.get("data").is_none() {
                row["data"] = Value::Object(Default::default());
            }
        }
        ImportKind::Links => {}
        ImportKind::Interactions => {
            text(row, "data.subject");
            if get_path(row, "data.kind").is_none() {
                set_path(row, "data.kind", Value::String("note".into()));
            }
            if get_path(row, "data.occurred_at").is_none() {
                // Refused by the engine's check with the column named.
                set_path(row, "data.occurred_at", Value::String("1970-01-01T00:00:00Z".into()));
            }
        }
        ImportKind::Transfers => {
            text(row, "data.subject");
            if get_path(row, "data.direction").is_none() {
                set_path(row, "data.direction", Value::String("sent_to_contact".into()));
            }
            if get_path(row, "data.sent_at").is_none() {
                // Refused by the engine's check with the column named.
                set_path(row, "data.sent_at", Value::String("1970-01-01T00:00:00Z".into()));
            }
        }
    }
}

fn segments(path: &str) -> Vec<(String, Option<usize>)> {
    path.split('.')
        .map(|s| match s.split_once('[') {
            Some((k, rest)) => (k.to_string(), rest.trim_end_matches(']').parse().ok()),
            None => (s.to_string(), None),
        })
        .collect()
}

fn get_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for (k, i) in segments(path) {
        cur = cur.get(&k)?;
        if let Some(i) = i {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

/// Sets `a.b[0].c` in a JSON object, making the objects and arrays on the
/// way.
fn set_path(v: &mut Value, path: &str, value: Value) {
    let segs = segments(path);
    let mut cur = v;
    for (n, (k, i)) in segs.iter().enumerate() {
        let last = n + 1 == segs.len();
        let map = cur.as_object_mut().expect("paths run through objects");
        match i {
            None if last => {
                map.insert(k.clone(), value);
                return;
            }
            None => cur = map.entry(k.clone()).or_insert_with(|| Value::Object(Default::default())),
            Some(i) => {
                let arr = map.entry(k.clone()).or_insert_with(|| Value::Array(Vec::new()));
                let arr = arr.as_array_mut().expect("indexed paths are arrays");
                while arr.len() <= *i {
                    arr.push(Value::Object(Default::default()));
                }
                if last {
                    arr[*i] = value;
                    return;
                }
                cur = &mut arr[*i];
            }
        }
    }
}

impl Parsed {
    /// The engine's report in the file's terms: rows counted over every
    /// record, bad cells among the bad rows, each error's column named by
    /// the file's header, rows numbered by record.
    pub fn finish(&self, mut report: ImportReport) -> ImportReport {
        for e in report.errors.iter_mut().chain(report.failure.as_mut()) {
            let record = self.record_of.get(e.row as usize - 1).copied().unwrap_or(0);
            e.row = record as u64 + 1;
            if let Some(h) = self.header_of(&e.column) {
                // "name: is required" → "Nom: is required".
                for (m, sep) in [(&mut e.message_en, ": "), (&mut e.message_fr, " : ")] {
                    if let Some(rest) = m.strip_prefix(&format!("{}{sep}", e.column)) {
                        *m = format!("{h}{sep}{rest}");
                    }
                }
                e.column = h;
            }
        }
        for w in &mut report.warnings {
            let record = self.record_of.get(w.row as usize - 1).copied().unwrap_or(0);
            w.row = record as u64 + 1;
        }
        let mut ids = vec![None; self.records as usize];
        for (i, id) in report.ids.iter().enumerate() {
            if let Some(r) = self.record_of.get(i) {
                ids[*r] = *id;
            }
        }
        report.ids = ids;
        report.errors.extend(self.cell_errors.iter().cloned());
        report.errors.sort_by_key(|e| (e.line, e.column.clone()));
        report.rows = self.records;
        report.failed = report.errors.iter().map(|e| e.row).collect::<std::collections::BTreeSet<_>>().len() as u64;
        if self.forced_dry {
            // The engine only checked: nothing was written.
            report.dry_run = false;
            report.created = 0;
            report.updated = 0;
            report.skipped = 0;
            report.complete = false;
            report.ids = vec![None; self.records as usize];
        } else if !self.cell_errors.is_empty() && self.commit() == CommitMode::AllOrNothing {
            report.complete = false;
        }
        report
    }

    fn commit(&self) -> CommitMode {
        options_of(&self.request).map_or(CommitMode::AllOrNothing, |o| o.commit)
    }

    /// The file's header for an engine field (`emails[0].address`,
    /// `subject`, `client_code`).
    fn header_of(&self, field: &str) -> Option<String> {
        let field = field.strip_prefix("data.").unwrap_or(field);
        let norm = |p: &str| p.strip_prefix("data.").unwrap_or(p).to_string();
        self.headers
            .iter()
            .find(|(c, _)| norm(&c.path) == field)
            .or_else(|| {
                self.headers.iter().find(|(c, _)| {
                    let p = norm(&c.path);
                    field.starts_with(&format!("{p}."))
                        || p.starts_with(&format!("{field}["))
                        || p.starts_with(&format!("{field}."))
                })
            })
            .map(|(_, h)| h.clone())
    }
}

fn options_of(r: &Request) -> Option<&ImportOptions> {
    match r {
        Request::ImportClients { options, .. }
        | Request::ImportContacts { options, .. }
        | Request::ImportLinks { options, .. }
        | Request::ImportInteractions { options, .. }
        | Request::ImportTransfers { options, .. } => Some(options),
        _ => None,
    }
}

/// Reads `bytes` (or, when empty, the file at `spec.path`) and imports it
/// as `actor`, with progress and cancel, answering the report in the
/// file's terms.
pub fn import_csv(
    engine: &Engine,
    actor: Actor,
    spec: &CsvImport,
    bytes: &[u8],
    progress: &dyn Progress,
) -> Result<ImportReport, Error> {
    let owned;
    let bytes = if bytes.is_empty() {
        let Some(path) = spec.path.as_deref() else {
            return Err(bad("path", "give the file's path or its bytes".into()));
        };
        owned = std::fs::read(path).map_err(|e| bad("path", format!("cannot read '{path}': {e}")))?;
        &owned[..]
    } else {
        bytes
    };
    // The firm's custom fields, as the actor may read them.
    let custom = match spec.kind {
        ImportKind::Clients | ImportKind::Contacts | ImportKind::Interactions => {
            match engine.execute(actor, Request::CustomFieldList { kind: None, record: None })? {
                Response::CustomFields(d) => d,
                other => return Err(Error::internal(format!("custom_field.list answered {other:?}"))),
            }
        }
        _ => Vec::new(),
    };
    let parsed = parse_with(bytes, spec, &custom)?;
    match engine.execute_with_progress(actor, parsed.request.clone(), progress)? {
        Response::ImportReport(r) => Ok(parsed.finish(r)),
        other => Err(Error::internal(format!("an import answered {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_make_objects_and_arrays() {
        let mut v = Value::Object(Default::default());
        set_path(&mut v, "data.emails[0].address", Value::String("a@b.ca".into()));
        set_path(&mut v, "data.first_name", Value::String("Zoé".into()));
        assert_eq!(v, serde_json::json!({"data": {"emails": [{"address": "a@b.ca"}], "first_name": "Zoé"}}));
        assert_eq!(get_path(&v, "data.emails[0].address"), Some(&Value::String("a@b.ca".into())));
    }

    #[test]
    fn file_sizes_pair_with_the_names() {
        let spec: CsvImport = serde_json::from_value(serde_json::json!({"kind": "transfers"})).unwrap();
        let csv = "Objet;Noms des fichiers;Tailles des fichiers (octets)\nA;T2.pdf;48213\nB;a.pdf;\n\
                   C;\"a.pdf; b.pdf\";1 024\nD;x.pdf;douze\n";
        let p = parse(csv.as_bytes(), &spec).unwrap();
        let Request::ImportTransfers { rows, .. } = &p.request else { panic!("{:?}", p.request) };
        let files: Vec<Vec<(String, i64)>> =
            rows.iter().map(|r| r.data.files.iter().map(|f| (f.name.clone(), f.size)).collect()).collect();
        assert_eq!(files, vec![vec![("T2.pdf".to_string(), 48213)], vec![("a.pdf".to_string(), 0)]]);
        // One size for two names, and a size that is no number: bad rows
        // at that column, in both languages.
        let bad: Vec<(u64, &str, &str)> =
            p.cell_errors.iter().map(|e| (e.line, e.column.as_str(), e.message_en.as_str())).collect();
        assert_eq!(
            bad,
            vec![
                (4, "Tailles des fichiers (octets)", "1 sizes for 2 file names"),
                (5, "Tailles des fichiers (octets)", "'douze' is not a file size (a whole number of bytes)"),
            ]
        );
        assert!(p.cell_errors[0].message_fr.contains("tailles pour 2 noms"));
    }
}

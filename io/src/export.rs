//! Lists out: a list or grid request, run page by page through the engine's
//! own `grid.query`, streamed to a CSV or XLSX file.
//!
//! - [`ExportRequest`] is the `export` op (the JSON a host sends through
//!   `clientele_execute*`): which list request, which file, which format.
//! - [`source`] turns the list request into the grid request it pages
//!   through, so rights, offices and a client dashboard's scope apply
//!   exactly as to the list on screen (the same request, run by the same
//!   actor, in the same scope).
//! - [`cells`] is how each kind of column reads (the format per kind,
//!   documented in `docs/import-export.md`); [`csv`] and [`xlsx`] write it.
//! - The file is written beside its path under a temporary name and renamed
//!   onto the path only once complete: a failed or cancelled export leaves
//!   no file, and never half of one, at the path.

pub mod cells;
pub mod csv;
pub mod source;
pub mod xlsx;

use std::path::{Path, PathBuf};

use clientele_core::protocol::{Actor, DataScope, Request};
use clientele_core::{Engine, Error, Progress, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use cells::{Cell, Column, Language};

/// The literal `"export"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ExportOp {
    #[serde(rename = "export")]
    Export,
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// RFC 4180 CSV: UTF-8 (with a BOM by default), CRLF line ends.
    Csv,
    /// An Excel workbook of one sheet: typed cells, a header row.
    Xlsx,
}

/// Exports a list to a file: `{"actor": 7, "op": "export", "format":
/// "csv", "path": "/home/me/clients.csv", "request": {"op": "client.list",
/// "filter": "ville:Québec", "sort": "name"}}`.
///
/// The list request is any list or grid request of the protocol
/// (`client.list`, `contact.list`, `interaction.list`, `transfer.list`,
/// `grid.query`), with its filter, search and sort; its `limit` and
/// `cursor` are ignored: every matching row is exported. The columns are
/// the grid's own (`columns` of a `grid.query`), else the actor's chosen
/// columns of that list (`columns.get`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub actor: Actor,
    pub op: ExportOp,
    pub format: ExportFormat,
    /// Where to write the file. Its folder must exist; a file already
    /// there is replaced, only once the export is complete.
    pub path: String,
    /// The list or grid request to export, as it would be sent on its own
    /// (without `actor`), or `{"op": "links"}` for client–contact links.
    #[schemars(with = "ExportSource")]
    pub request: serde_json::Value,
    /// On a client dashboard: the scope its reads are confined to.
    #[serde(default)]
    pub scope: Option<DataScope>,
    /// Headers and labels in `fr` or `en`; default: the firm's language.
    #[serde(default)]
    pub language: Option<Language>,
    /// CSV only: the field separator, one ASCII character (`,` by default;
    /// `;` for a French Excel, `\t`).
    #[serde(default)]
    pub separator: Option<String>,
    /// CSV only: begin with a UTF-8 byte-order mark (default `true`: Excel
    /// then reads accents right).
    #[serde(default)]
    pub bom: Option<bool>,
}

/// The answer to an export.
/// What an export reads (its schema only; `request` is read as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ExportSource {
    /// A list or grid request.
    List(Box<Request>),
    /// The client–contact links of the clients `filter` and `search` give
    /// (as the client list's): client code, contact key, role.
    Links(LinksExport),
}

/// `{"op": "links", "filter"?, "search"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinksExport {
    pub op: LinksOp,
    #[serde(default)]
    pub filter: Option<String>,
    #[serde(default)]
    pub search: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum LinksOp {
    #[serde(rename = "links")]
    Links,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Exported {
    /// The file written (the request's `path`).
    pub path: String,
    /// Data rows written (the header row is not counted).
    pub rows: u64,
    /// The columns' ids, in file order.
    pub columns: Vec<String>,
    /// XLSX only: text cells cut at Excel's limit of 32,767 characters.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub truncated_cells: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Where rows go: a CSV or XLSX writer.
pub(crate) trait Sink {
    /// The header, with the first page's rows (for column widths); called
    /// once, before any row.
    fn start(&mut self, columns: &[Column], sample: &[Vec<Cell>]) -> Result<()>;
    fn row(&mut self, cells: &[Cell]) -> Result<()>;
    /// Writes what is buffered into the file; answers the truncated cells.
    fn finish(self: Box<Self>) -> Result<u64>;
}

/// Runs an export given as JSON when `request` is one (`"op": "export"`);
/// `None` for any other op, which the caller hands to the engine.
pub fn execute_json(engine: &Engine, request: &str, progress: &dyn Progress) -> Option<Result<String>> {
    if !is_export(request) {
        return None;
    }
    Some(parse(request).and_then(|r| export(engine, &r, progress)).and_then(|done| {
        serde_json::to_string(&done).map_err(|e| Error::internal(format!("response serialisation: {e}")).caused_by(e))
    }))
}

/// Is this request text the `export` op? (Only the top-level `op` is read.)
fn is_export(request: &str) -> bool {
    #[derive(Deserialize)]
    struct Op<'a> {
        #[serde(borrow, default)]
        op: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_str::<Op>(request).is_ok_and(|o| o.op.as_deref() == Some("export"))
}

/// Parses an `export` request.
pub fn parse(request: &str) -> Result<ExportRequest> {
    if request.len() > clientele_core::MAX_REQUEST_BYTES {
        return Err(bad_request("request is too large"));
    }
    serde_json::from_str(request).map_err(|e| bad_request(format!("export: {e}")))
}

/// Runs an export: pages through the list as the actor (in the scope, if
/// any), writes the file under a temporary name beside `path`, reports
/// progress after every page (`done` rows of `total`, 0 while unknown) and
/// renames it onto `path` once complete. Cancelled (the progress answers
/// `false`, or its cancel flag is raised) or failed, it removes the
/// temporary file and answers the error: nothing is left at `path`.
pub fn export(engine: &Engine, request: &ExportRequest, progress: &dyn Progress) -> Result<Exported> {
    let links = source::links_request(&request.request)?;
    let grid = source::grid_request(request.actor, links.as_ref().unwrap_or(&request.request))?;
    let language = request.language.unwrap_or_else(|| Language::of_firm(&engine.config().language));
    let path = PathBuf::from(&request.path);
    let temp = temp_beside(&path)?;
    let mut sink: Box<dyn Sink> = match request.format {
        ExportFormat::Csv => {
            let separator = csv::separator(request.separator.as_deref())?;
            Box::new(csv::CsvSink::new(
                temp.as_file().try_clone().map_err(io_error)?,
                separator,
                request.bom,
                language,
            )?)
        }
        ExportFormat::Xlsx => {
            if request.separator.is_some() || request.bom.is_some() {
                return Err(bad_request("\"separator\" and \"bom\" apply to CSV only"));
            }
            Box::new(xlsx::XlsxSink::new(temp.as_file().try_clone().map_err(io_error)?, temp_dir_of(&path), language)?)
        }
    };
    let mut pages = source::Pages::new(engine, request.actor, request.scope, grid, progress).in_language(language);
    let mut rows = 0u64;
    let mut columns: Option<Vec<Column>> = None;
    while let Some(page) = pages.next_page()? {
        let page = if links.is_some() { pages.links_page(page)? } else { page };
        let first = columns.is_none();
        let cols = columns.get_or_insert_with(|| page.columns.iter().map(|c| Column::new(c, language)).collect());
        // Every page in the first page's columns (`Pages::next_page` asks
        // for them by name): cells are paired with headers by position.
        if page.columns.iter().map(|c| &c.id).ne(cols.iter().map(|c| &c.id))
            || page.rows.iter().any(|r| r.cells.len() != cols.len())
        {
            return Err(clientele_core::Error::internal("an export page came back with other columns than the first"));
        }
        let page_cells: Vec<Vec<Cell>> =
            page.rows.iter().map(|r| cols.iter().zip(&r.cells).map(|(c, v)| c.cell(v)).collect()).collect();
        if first {
            sink.start(cols, &page_cells)?;
        }
        for cells in &page_cells {
            sink.row(cells)?;
        }
        rows += page_cells.len() as u64;
        // Unknown (counting stops at 10,000 rows): 0, as the ABI says.
        let total = pages.total().map_or(0, |t| t.max(rows));
        if !progress.report(rows, total) {
            return Err(Error::Canceled);
        }
    }
    let truncated_cells = sink.finish()?;
    temp.as_file().sync_all().map_err(io_error)?;
    temp.persist(&path)
        .map_err(|e| Error::storage(format!("cannot write {}: {}", path.display(), e.error)).caused_by(e.error))?;
    Ok(Exported {
        path: request.path.clone(),
        rows,
        columns: columns.unwrap_or_default().into_iter().map(|c| c.id).collect(),
        truncated_cells,
    })
}

/// The folder a path's file is in (`.` for a bare name).
fn temp_dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A temporary file in the folder of `path`, so the final rename stays on
/// one file system (atomic). Removed when dropped unless persisted.
fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    if path.as_os_str().is_empty() || path.file_name().is_none() {
        return Err(Error::Validation {
            field: "path".into(),
            code: "invalid",
            message: "path must name a file".into(),
        });
    }
    if path.is_dir() {
        return Err(Error::Validation {
            field: "path".into(),
            code: "invalid",
            message: format!("{} is a folder", path.display()),
        });
    }
    let dir = temp_dir_of(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".clientele-export-").suffix(".tmp");
    // The file is the user's, as any file they save: read-write for all
    // under their umask (a temporary file is owner-only by default).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(&dir).map_err(|e| Error::Validation {
        field: "path".into(),
        code: "unwritable",
        message: format!("cannot write in {}: {e}", dir.display()),
    })
}

pub(crate) fn io_error(e: std::io::Error) -> Error {
    Error::storage(format!("export file: {e}")).caused_by(e)
}

pub(crate) fn bad_request(message: impl Into<String>) -> Error {
    Error::BadRequest { message: message.into(), span: None }
}

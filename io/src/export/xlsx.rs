//! XLSX out: one sheet in `rust_xlsxwriter`'s constant-memory mode (each
//! row goes to a temporary file as it is written, so memory stays flat
//! whatever the number of rows), typed cells (numbers, dates and date-times
//! as Excel dates, booleans, text), a bold header row frozen above the
//! rows, and column widths fitted to the header and the first page.

use std::fs::File;
use std::path::PathBuf;

use clientele_core::query::columns::ColumnKind;
use clientele_core::{Error, Result};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use super::Sink;
use super::cells::{Cell, Column, Language, text};

/// Excel's rows per sheet, the header included.
pub const MAX_ROWS: u32 = 1_048_576;
/// Excel's longest text in one cell, in characters.
pub const MAX_TEXT_CHARS: usize = 32_767;

pub(crate) struct XlsxSink {
    workbook: Workbook,
    file: Option<File>,
    language: Language,
    header: Format,
    date: Format,
    date_time: Format,
    next_row: u32,
    truncated: u64,
}

fn xlsx_error(e: XlsxError) -> Error {
    match e {
        XlsxError::IoError(e) => super::io_error(e),
        other => Error::internal(format!("XLSX writer: {other}")).caused_by(other),
    }
}

impl XlsxSink {
    /// A workbook written to `file` when finished; its constant-memory
    /// temporary file goes in `temp_dir` (the export's folder, not a
    /// memory-backed /tmp).
    pub(crate) fn new(file: File, temp_dir: PathBuf, language: Language) -> Result<XlsxSink> {
        let mut workbook = Workbook::new();
        workbook.set_tempdir(&temp_dir).map_err(xlsx_error)?;
        let sheet = workbook.add_worksheet_with_constant_memory().map_err(xlsx_error)?;
        sheet
            .set_name(match language {
                Language::Fr => "Exportation",
                Language::En => "Export",
            })
            .map_err(xlsx_error)?;
        Ok(XlsxSink {
            workbook,
            file: Some(file),
            language,
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            date_time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            next_row: 0,
            truncated: 0,
        })
    }
}

/// A column's width in characters: its header's and its first page's
/// longest text, between 8 and 60.
fn width(column: &Column, index: usize, sample: &[Vec<Cell>], language: Language) -> f64 {
    let longest = sample
        .iter()
        .filter_map(|row| row.get(index))
        .map(|c| text(c, language).lines().map(|l| l.chars().count()).max().unwrap_or(0))
        .chain([column.header.chars().count() + 2])
        .max()
        .unwrap_or(0);
    let floor = match column.kind {
        ColumnKind::DateTime => 19,
        ColumnKind::Date => 10,
        _ => 8,
    };
    (longest.clamp(floor, 60) + 1) as f64
}

fn excel_date(d: chrono::NaiveDate) -> std::result::Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(u16::try_from(d.year()).unwrap_or(0), d.month() as u8, d.day() as u8)
}

impl Sink for XlsxSink {
    fn start(&mut self, columns: &[Column], sample: &[Vec<Cell>]) -> Result<()> {
        let language = self.language;
        let sheet = self.workbook.worksheet_from_index(0).map_err(xlsx_error)?;
        for (i, column) in columns.iter().enumerate() {
            let col = u16::try_from(i).map_err(|_| super::bad_request("too many columns"))?;
            sheet.set_column_width(col, width(column, i, sample, language)).map_err(xlsx_error)?;
            sheet.write_string_with_format(0, col, &column.header, &self.header).map_err(xlsx_error)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        self.next_row = 1;
        Ok(())
    }

    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        if self.next_row >= MAX_ROWS {
            return Err(Error::Validation {
                field: "format".into(),
                code: "too_many_rows",
                message: format!("an XLSX sheet holds at most {} rows: export this list to CSV", MAX_ROWS - 1),
            });
        }
        let row = self.next_row;
        let sheet = self.workbook.worksheet_from_index(0).map_err(xlsx_error)?;
        for (i, cell) in cells.iter().enumerate() {
            let col = i as u16;
            let written = match cell {
                Cell::Empty => Ok(&mut *sheet),
                Cell::Text(s) if s.chars().count() > MAX_TEXT_CHARS => {
                    self.truncated += 1;
                    let cut: String = s.chars().take(MAX_TEXT_CHARS).collect();
                    sheet.write_string(row, col, cut)
                }
                Cell::Text(s) => sheet.write_string(row, col, s),
                Cell::Int(n) => sheet.write_number(row, col, *n as f64),
                Cell::Float(n) => sheet.write_number(row, col, *n),
                Cell::Bool(b) => sheet.write_boolean(row, col, *b),
                Cell::Date(d) => match excel_date(*d) {
                    Ok(dt) => sheet.write_datetime_with_format(row, col, &dt, &self.date),
                    // Outside Excel's calendar (before 1900): as text.
                    Err(_) => sheet.write_string(row, col, text(cell, self.language)),
                },
                Cell::DateTime(t) => {
                    use chrono::Timelike;
                    match excel_date(t.date()).and_then(|d| d.and_hms(t.hour() as u16, t.minute() as u8, t.second())) {
                        Ok(dt) => sheet.write_datetime_with_format(row, col, &dt, &self.date_time),
                        Err(_) => sheet.write_string(row, col, text(cell, self.language)),
                    }
                }
            };
            written.map_err(xlsx_error)?;
        }
        self.next_row += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<u64> {
        let file = self.file.take().ok_or_else(|| Error::internal("XLSX finished twice"))?;
        let mut out = std::io::BufWriter::new(file);
        self.workbook.save_to_writer(&mut out).map_err(xlsx_error)?;
        std::io::Write::flush(&mut out).map_err(super::io_error)?;
        Ok(self.truncated)
    }
}

//! CSV out: RFC 4180 (fields holding the separator, a quote or a line end
//! are quoted, quotes doubled; records end with CRLF), UTF-8 with a BOM by
//! default, every text field behind the formula guard.

use std::io::{BufWriter, Write};

use clientele_core::{Error, Result};

use super::cells::{Cell, Column, Language, guard_formula, text};
use super::{Sink, io_error};

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The separator asked for: one ASCII character other than a quote or a
/// line end; `,` when none is given.
pub fn separator(asked: Option<&str>) -> Result<u8> {
    let Some(s) = asked else { return Ok(b',') };
    let bad = || Error::Validation {
        field: "separator".into(),
        code: "invalid",
        message: format!("the separator must be one ASCII character other than a quote or a line end, not {s:?}"),
    };
    match s.as_bytes() {
        [b] if b.is_ascii() && !matches!(b, b'"' | b'\'' | b'\r' | b'\n') && !b.is_ascii_alphanumeric() => Ok(*b),
        _ => Err(bad()),
    }
}

pub(crate) struct CsvSink<W: Write> {
    out: csv::Writer<BufWriter<W>>,
    language: Language,
    record: Vec<String>,
}

impl<W: Write> CsvSink<W> {
    pub(crate) fn new(file: W, separator: u8, bom: Option<bool>, language: Language) -> Result<CsvSink<W>> {
        let mut buffered = BufWriter::with_capacity(64 * 1024, file);
        if bom.unwrap_or(true) {
            buffered.write_all(BOM).map_err(io_error)?;
        }
        let out = csv::WriterBuilder::new()
            .delimiter(separator)
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(buffered);
        Ok(CsvSink { out, language, record: Vec::new() })
    }

    fn write_record(&mut self) -> Result<()> {
        self.out.write_record(&self.record).map_err(csv_error)
    }
}

fn csv_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => io_error(e),
        other => Error::internal(format!("CSV writer: {other:?}")),
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn start(&mut self, columns: &[Column], _sample: &[Vec<Cell>]) -> Result<()> {
        self.record = columns.iter().map(|c| guard_formula(c.header.clone())).collect();
        self.write_record()
    }

    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        self.record.clear();
        for cell in cells {
            let t = text(cell, self.language);
            self.record.push(if matches!(cell, Cell::Text(_)) { guard_formula(t) } else { t });
        }
        self.write_record()
    }

    fn finish(self: Box<Self>) -> Result<u64> {
        let mut buffered = self.out.into_inner().map_err(|e| io_error(e.into_error()))?;
        buffered.flush().map_err(io_error)?;
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_one_safe_ascii_character() {
        assert_eq!(separator(None).unwrap(), b',');
        assert_eq!(separator(Some(";")).unwrap(), b';');
        assert_eq!(separator(Some("\t")).unwrap(), b'\t');
        assert_eq!(separator(Some("|")).unwrap(), b'|');
        for bad in ["", ";;", "\"", "\n", "\r", "é", "a", "1", "'"] {
            let e = separator(Some(bad)).unwrap_err();
            assert_eq!(e.code(), "validation", "{bad:?}");
            assert_eq!(e.field(), Some("separator"));
        }
    }
}

//! How an exported cell reads, per kind of column: the one definition both
//! writers follow (and the importer reads back). See the table in
//! `docs/import-export.md`.
//!
//! | column kind | grid cell | [`Cell`] | CSV text | XLSX cell |
//! |---|---|---|---|---|
//! | text | string | `Text` | as is, guarded | string |
//! | text with codes | code | `Text` (its label) | the label | string |
//! | number | number | `Int`/`Float` | `1234`, `12.5` (`12,5` in French) | number |
//! | date | `2026-03-15` | `Date` | `2026-03-15` | date `yyyy-mm-dd` |
//! | date-time | RFC 3339, firm's offset | `DateTime` (firm's clock) | `2026-03-15 14:30:05` | date-time `yyyy-mm-dd hh:mm:ss` |
//! | yes/no | bool | `Bool` | `Oui`/`Non`, `Yes`/`No` | boolean |
//! | none | null | `Empty` | empty field | blank |

use chrono::{NaiveDate, NaiveDateTime};
use clientele_core::query::columns::{ColumnDef, ColumnKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The language of headers and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Fr,
    En,
}

impl Language {
    /// The firm's language from the engine's configuration (`fr` or `en`).
    pub fn of_firm(language: &str) -> Language {
        if language == "en" { Language::En } else { Language::Fr }
    }

    fn pick<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Fr => fr,
            Language::En => en,
        }
    }

    /// How a yes/no cell reads.
    pub fn yes_no(self, b: bool) -> &'static str {
        match (self, b) {
            (Language::Fr, true) => "Oui",
            (Language::Fr, false) => "Non",
            (Language::En, true) => "Yes",
            (Language::En, false) => "No",
        }
    }

    /// The decimal separator of numbers with a fraction.
    pub fn decimal_comma(self) -> bool {
        self == Language::Fr
    }
}

/// One exported cell, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    /// On the firm's clock (the offset dropped).
    DateTime(NaiveDateTime),
    Bool(bool),
}

/// An exported column: its id, header in the chosen language, kind and
/// the labels of its codes.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub id: String,
    pub header: String,
    pub kind: ColumnKind,
    /// `(code, label)` in the chosen language.
    labels: Vec<(String, String)>,
}

impl Column {
    pub fn new(def: &ColumnDef, language: Language) -> Column {
        Column {
            id: def.id.clone(),
            header: language.pick(&def.label_fr, &def.label_en).to_string(),
            kind: def.kind,
            labels: def
                .values
                .iter()
                .map(|v| (v.value.clone(), language.pick(&v.label_fr, &v.label_en).into()))
                .collect(),
        }
    }

    /// How a code of this column reads (the code itself when unlabelled).
    fn label(&self, code: &str) -> String {
        self.labels.iter().find(|(c, _)| c == code).map_or_else(|| code.to_string(), |(_, label)| label.clone())
    }

    /// A grid cell of this column as a person reads it. A value of an
    /// unexpected shape is kept as its text rather than lost.
    pub fn cell(&self, value: &Value) -> Cell {
        match (self.kind, value) {
            (_, Value::Null) => Cell::Empty,
            (_, Value::String(s)) if !self.labels.is_empty() => Cell::Text(self.label(s)),
            // Several codes (tags): their labels, `; ` between them (the
            // importer reads them back by name in either language).
            (_, Value::Array(items)) => Cell::Text(
                items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => self.label(s),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            (ColumnKind::Number, Value::Number(n)) => match n.as_i64() {
                Some(i) => Cell::Int(i),
                None => n.as_f64().map_or_else(|| Cell::Text(n.to_string()), Cell::Float),
            },
            (ColumnKind::Date, Value::String(s)) => {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map_or_else(|_| Cell::Text(s.clone()), Cell::Date)
            }
            (ColumnKind::DateTime, Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
                .map_or_else(|_| Cell::Text(s.clone()), |t| Cell::DateTime(t.naive_local())),
            (ColumnKind::Bool, Value::Bool(b)) => Cell::Bool(*b),
            (_, Value::String(s)) => Cell::Text(s.clone()),
            (_, other) => Cell::Text(other.to_string()),
        }
    }
}

/// The text of a cell in a CSV file (before the formula guard).
pub fn text(cell: &Cell, language: Language) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) => {
            let s = f.to_string();
            if language.decimal_comma() { s.replace('.', ",") } else { s }
        }
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        Cell::Bool(b) => language.yes_no(*b).to_string(),
    }
}

/// The characters that make a spreadsheet read a cell as a formula
/// (OWASP's list: `=`, `+`, `-`, `@`, tab, carriage return).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text a spreadsheet will not run: a text starting with one of
/// [`FORMULA_STARTS`] gets a `'` in front (Excel shows the text, without
/// the quote, and computes nothing). A text starting with `'` gets one
/// too, so that reading back is one rule: the importer removes the first
/// `'` of a field when the next character is one of [`FORMULA_STARTS`] or
/// `'` ([`unguard`]).
pub fn guard_formula(text: String) -> String {
    if text.starts_with(FORMULA_STARTS) || text.starts_with('\'') { format!("'{text}") } else { text }
}

/// The text [`guard_formula`] protected: the importer's rule.
pub fn unguard(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) || rest.starts_with('\'') => rest,
        _ => field,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_core::query::columns::ValueLabel;

    fn def(kind: ColumnKind, values: Vec<ValueLabel>) -> ColumnDef {
        ColumnDef {
            id: "c".into(),
            label_fr: "Ville".into(),
            label_en: "City".into(),
            kind,
            default_visible: true,
            values,
        }
    }

    #[test]
    fn each_kind_reads_as_documented() {
        let fr = Language::Fr;
        let col = |k| Column::new(&def(k, vec![]), fr);
        let t = |k, v: Value| text(&col(k).cell(&v), fr);
        assert_eq!(t(ColumnKind::Number, serde_json::json!(42)), "42");
        assert_eq!(t(ColumnKind::Number, serde_json::json!(12.5)), "12,5");
        assert_eq!(text(&col(ColumnKind::Number).cell(&serde_json::json!(12.5)), Language::En), "12.5");
        assert_eq!(t(ColumnKind::Date, "2026-03-15".into()), "2026-03-15");
        assert_eq!(t(ColumnKind::DateTime, "2026-03-15T14:30:05-04:00".into()), "2026-03-15 14:30:05");
        assert_eq!(t(ColumnKind::Bool, true.into()), "Oui");
        assert_eq!(text(&col(ColumnKind::Bool).cell(&false.into()), Language::En), "No");
        assert_eq!(t(ColumnKind::Text, Value::Null), "");
        // A value of an unexpected shape is kept.
        assert_eq!(t(ColumnKind::Date, "hier".into()), "hier");
        assert_eq!(col(ColumnKind::Text).header, "Ville");
        assert_eq!(Column::new(&def(ColumnKind::Text, vec![]), Language::En).header, "City");
    }

    #[test]
    fn codes_read_as_their_label_in_the_language() {
        let labels =
            vec![ValueLabel { value: "phone_call".into(), label_fr: "Appel".into(), label_en: "Phone call".into() }];
        let d = def(ColumnKind::Text, labels);
        assert_eq!(Column::new(&d, Language::Fr).cell(&"phone_call".into()), Cell::Text("Appel".into()));
        assert_eq!(Column::new(&d, Language::En).cell(&"phone_call".into()), Cell::Text("Phone call".into()));
        // An unknown code stays as it is.
        assert_eq!(Column::new(&d, Language::En).cell(&"fax".into()), Cell::Text("fax".into()));
    }

    #[test]
    fn the_formula_guard_quotes_exactly_the_formula_starts() {
        for start in FORMULA_STARTS {
            let s = format!("{start}SUM(A1)");
            assert_eq!(guard_formula(s.clone()), format!("'{s}"));
        }
        for safe in ["", "Hélène", " =A1", "514-555-0199", "D'Amours", "😀", "a'"] {
            assert_eq!(guard_formula(safe.into()), safe);
        }
    }

    #[test]
    fn unguard_gives_back_every_text() {
        let starts = ["", "=", "+", "-", "@", "\t", "\r", "'", "''", "'=", "''+", "a", "é", " ", "\n"];
        for a in starts {
            for b in starts {
                let text = format!("{a}{b}x");
                assert_eq!(unguard(&guard_formula(text.clone())), text, "{text:?}");
            }
        }
    }
}

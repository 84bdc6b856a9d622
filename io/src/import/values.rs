//! Cells to JSON values by the column's kind: dates in ISO and
//! `jj/mm/aaaa`, date-times read in the firm's time zone, decimals with a
//! comma, codes by their value or their French or English label.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use clientele_core::query::columns::ColumnKind;
use clientele_core::query::import_columns::ImportColumn;
use clientele_core::text::fold;
use serde_json::Value;

/// Why a cell was refused, in French and English.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    pub en: String,
    pub fr: String,
}

fn err(en: String, fr: String) -> CellError {
    CellError { en, fr }
}

pub fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y")).ok()
}

pub fn date_time(s: &str, tz: chrono_tz::Tz) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    const FORMATS: [&str; 6] = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
    ];
    let naive = FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| date(s).and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&chrono::Utc))
}

/// A number written `1 234,5`, `1234.5` or `90`.
pub fn number(s: &str) -> Option<Value> {
    let cleaned: String = s.chars().filter(|c| !c.is_whitespace() && *c != '\u{202f}').collect();
    let cleaned = if cleaned.contains(',') && !cleaned.contains('.') { cleaned.replace(',', ".") } else { cleaned };
    if let Ok(i) = cleaned.parse::<i64>() {
        return Some(Value::from(i));
    }
    let f: f64 = cleaned.parse().ok()?;
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15 {
        return Some(Value::from(f as i64));
    }
    serde_json::Number::from_f64(f).map(Value::Number)
}

/// The JSON value of a non-empty, trimmed cell.
pub fn cell(col: &ImportColumn, s: &str, tz: chrono_tz::Tz) -> Result<Value, CellError> {
    let c = &col.column;
    // Tags: codes or names in either language, `;` between them (the
    // engine resolves them; one naming no tag is a bad row in this column).
    if c.id == "tags" {
        return Ok(Value::Array(
            s.split(';').map(str::trim).filter(|t| !t.is_empty()).map(|t| Value::String(t.to_string())).collect(),
        ));
    }
    // A transfer's files by name, `;` between them (sizes 0 unless the
    // file has a `file_sizes` column).
    if c.id == "file_names" {
        return Ok(Value::Array(
            s.split(';')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| serde_json::json!({"name": t, "size": 0}))
                .collect(),
        ));
    }
    // Their sizes in bytes, in the same order (`; ` between them); paired
    // with the names by `crate::import::join_file_sizes`.
    if c.id == "file_sizes" {
        return s
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| match number(t) {
                Some(Value::Number(n)) if n.as_i64().is_some_and(|i| i >= 0) => Ok(Value::Number(n)),
                _ => Err(err(
                    format!("'{t}' is not a file size (a whole number of bytes)"),
                    format!("« {t} » n'est pas une taille de fichier (un nombre entier d'octets)"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if !c.values.is_empty() {
        let f = fold(s);
        return c
            .values
            .iter()
            .find(|v| fold(&v.value) == f || fold(&v.label_fr) == f || fold(&v.label_en) == f)
            .map(|v| Value::String(v.value.clone()))
            .ok_or_else(|| {
                let fr: Vec<&str> = c.values.iter().map(|v| v.label_fr.as_str()).collect();
                let en: Vec<&str> = c.values.iter().map(|v| v.label_en.as_str()).collect();
                err(
                    format!("'{s}' is not one of: {}", en.join(", ")),
                    format!("« {s} » n'est pas l'une des valeurs : {}", fr.join(", ")),
                )
            });
    }
    match c.kind {
        ColumnKind::Text => Ok(Value::String(s.to_string())),
        ColumnKind::Date => date(s).map(|d| Value::String(d.to_string())).ok_or_else(|| {
            err(
                format!("'{s}' is not a date (yyyy-mm-dd or dd/mm/yyyy)"),
                format!("« {s} » n'est pas une date (aaaa-mm-jj ou jj/mm/aaaa)"),
            )
        }),
        ColumnKind::DateTime => date_time(s, tz)
            .map(|t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
            .ok_or_else(|| {
                err(
                    format!("'{s}' is not a date and time (yyyy-mm-dd hh:mm or dd/mm/yyyy hh:mm)"),
                    format!("« {s} » n'est pas une date et heure (aaaa-mm-jj hh:mm ou jj/mm/aaaa hh:mm)"),
                )
            }),
        ColumnKind::Number => {
            number(s).ok_or_else(|| err(format!("'{s}' is not a number"), format!("« {s} » n'est pas un nombre")))
        }
        ColumnKind::Bool => match fold(s).as_str() {
            "oui" | "yes" | "vrai" | "true" | "1" | "o" | "y" => Ok(Value::Bool(true)),
            "non" | "no" | "faux" | "false" | "0" | "n" => Ok(Value::Bool(false)),
            _ => Err(err(format!("'{s}' is not yes or no"), format!("« {s} » n'est ni oui ni non"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_both_ways() {
        assert_eq!(date("2024-03-05"), NaiveDate::from_ymd_opt(2024, 3, 5));
        assert_eq!(date("05/03/2024"), NaiveDate::from_ymd_opt(2024, 3, 5));
        assert_eq!(date("31/02/2024"), None);
        let tz = chrono_tz::America::Toronto;
        let t = date_time("05/03/2024 14:30", tz).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-05T19:30:00+00:00");
        assert_eq!(date_time("2024-03-05T14:30:00Z", tz).unwrap().to_rfc3339(), "2024-03-05T14:30:00+00:00");
    }

    #[test]
    fn decimals_with_a_comma() {
        assert_eq!(number("12,5"), Some(serde_json::json!(12.5)));
        assert_eq!(number("1 234,50"), Some(serde_json::json!(1234.5)));
        assert_eq!(number("90"), Some(serde_json::json!(90)));
        assert_eq!(number("90,0"), Some(serde_json::json!(90)));
        assert_eq!(number("douze"), None);
    }
}

//! Helpers shared by the tabular built-in portlets (interactions, file
//! transfers): the date-range filter, combining it with the user's filter,
//! and turning a `grid.query` answer into a table widget (code cells as
//! labels, date-times as the firm reads them).
//!
//! `clientele-portlet-file-transfers` includes this very file with
//! `#[path]`, so the built-ins depend on nothing but the portlet API.

use clientele_portlet_api::{Column, ColumnKind, CommonSettings, Locale, Localized, PortletError, Scope, Widget};
use serde_json::{Map, Value, json};

/// The filter text for the common date range on `field`, e.g.
/// `when:2026-10-29..2026-11-27`; `None` for the range `all`.
pub fn date_filter(field: &str, common: &CommonSettings, today: &str) -> Result<Option<String>, PortletError> {
    Ok(common.date_range.resolve(today)?.map(|(from, to)| format!("{field}:{from}..{to}")))
}

/// Checks that a user filter keeps its parentheses to itself (outside
/// quotes, never closes more than it opened, closes all it opens), so that
/// wrapping it in `( … )` cannot change what the rest of the filter means.
pub fn balanced(filter: &str) -> bool {
    let mut depth: i64 = 0;
    let mut in_quote = false;
    let mut escaped = false;
    for c in filter.chars() {
        if in_quote {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_quote = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_quote = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !in_quote
}

/// The portlet's date condition AND the user's filter, as one filter text.
pub fn combine_filters(date: Option<String>, user: Option<&str>) -> Result<Option<String>, PortletError> {
    let user = user.map(str::trim).filter(|u| !u.is_empty());
    if let Some(u) = user
        && !balanced(u)
    {
        return Err(PortletError::bad_settings(
            Some("common.filter"),
            "the filter has unbalanced parentheses or quotes",
        ));
    }
    Ok(match (date, user) {
        (None, None) => None,
        (Some(d), None) => Some(d),
        (None, Some(u)) => Some(u.to_string()),
        (Some(d), Some(u)) => Some(format!("{d} ({u})")),
    })
}

/// The client a client dashboard is confined to.
pub fn scope_client(scope: Scope) -> Option<i64> {
    match scope {
        Scope::Client { client_id, .. } => Some(client_id),
        _ => None,
    }
}

/// A query object: `op`, the scope's client, the combined filter, columns
/// and `extra` keys. Used both for the grid request and the drill-down.
pub fn query(op: &str, client_id: Option<i64>, filter: Option<&str>, extra: &[(&str, Value)]) -> Value {
    let mut m = Map::new();
    m.insert("op".into(), json!(op));
    for (k, v) in extra {
        m.insert((*k).to_string(), v.clone());
    }
    if let Some(id) = client_id {
        m.insert("client_id".into(), json!(id));
    }
    if let Some(f) = filter {
        m.insert("filter".into(), json!(f));
    }
    Value::Object(m)
}

/// A column kind of the engine's grid (`text`, `number`, `date`,
/// `date_time`, `bool`, `money`; a few spellings tolerated), text otherwise.
pub fn column_kind(kind: &str) -> ColumnKind {
    match kind {
        "number" | "integer" | "decimal" => ColumnKind::Number,
        "date" => ColumnKind::Date,
        "date_time" | "datetime" | "timestamp" => ColumnKind::DateTime,
        "bool" | "boolean" | "yes_no" => ColumnKind::Bool,
        "money" | "amount" => ColumnKind::Money,
        _ => ColumnKind::Text,
    }
}

/// A date-time cell as the firm reads it: the RFC 3339 text the engine
/// answers (`2026-11-27T14:25:06-05:00`, the firm's offset) cut to its local
/// date and time, `2026-11-27 14:25`. The offset is not applied: the text
/// already gives the local time. `None` if `text` is not an RFC 3339
/// date-time (date, `T`, hours and minutes, optional seconds and fraction,
/// then `Z` or `±HH:MM`).
pub fn local_date_time(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let digits = |from: usize, n: usize| -> Option<u32> {
        let part = b.get(from..from + n)?;
        if part.iter().all(u8::is_ascii_digit) {
            Some(part.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
        } else {
            None
        }
    };
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    let (_year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute) = (digits(11, 2)?, digits(14, 2)?);
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":")) {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut i = 16;
    if at(i, b":") {
        if digits(i + 1, 2)? > 60 {
            return None;
        }
        i += 3;
        if at(i, b".") {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
        }
    }
    let offset_ok = match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && at(i + 3, b":")
                && digits(i + 1, 2).is_some_and(|h| h <= 23)
                && digits(i + 4, 2).is_some_and(|m| m <= 59)
        }
        _ => false,
    };
    offset_ok.then(|| format!("{} {}", &text[..10], &text[11..16]))
}

/// How one column's cells are shown: a code column's labels in the
/// viewer's language, date-times as the firm reads them.
#[derive(Debug, Default)]
struct CellFormat {
    /// Code → label, from the column's `values`.
    labels: Vec<(String, String)>,
    date_time: bool,
}

impl CellFormat {
    fn of(column: &Value, kind: ColumnKind, locale: Locale) -> Self {
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let labels = column
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| {
                let (code, fr, en) = (s(v, "value"), s(v, "label_fr"), s(v, "label_en"));
                // The viewer's language, else the other one, else the code.
                let (first, second) = match locale {
                    Locale::Fr => (fr, en),
                    Locale::En => (en, fr),
                };
                let label = if first.is_empty() { second } else { first };
                (!code.is_empty() && !label.is_empty()).then_some((code, label))
            })
            .collect();
        CellFormat { labels, date_time: kind == ColumnKind::DateTime }
    }

    fn show(&self, cell: Value) -> Value {
        let Value::String(text) = &cell else { return cell };
        if let Some((_, label)) = self.labels.iter().find(|(code, _)| code == text) {
            return Value::String(label.clone());
        }
        if self.date_time
            && let Some(local) = local_date_time(text)
        {
            return Value::String(local);
        }
        cell
    }
}

/// A `grid.query` answer as a table widget and the total, if counted.
/// Rows are cut or padded to the column count so the view model holds.
/// Cells are shown as the viewer reads them: a code of a column that lists
/// its `values` becomes its label in `locale` (an unknown code stays as
/// it is), an RFC 3339 date-time becomes `YYYY-MM-DD HH:MM` in the firm's
/// local time ([`local_date_time`]; a cell that does not parse stays as it is).
pub fn grid_table(answer: &Value, locale: Locale) -> Result<(Widget, usize, Option<u64>), PortletError> {
    let cols = answer
        .get("columns")
        .and_then(Value::as_array)
        .ok_or_else(|| PortletError::internal("grid answer without columns"))?;
    let mut formats = Vec::with_capacity(cols.len());
    let columns: Vec<Column> = cols
        .iter()
        .map(|c| {
            let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
            let id = s("id");
            let (fr, en) = (s("label_fr"), s("label_en"));
            let kind = column_kind(&s("kind"));
            formats.push(CellFormat::of(c, kind, locale));
            Column {
                label: Localized::new(
                    if fr.is_empty() { id.clone() } else { fr },
                    if en.is_empty() { id.clone() } else { en },
                ),
                kind,
                priority: Some(priority_of(&id)),
                id,
            }
        })
        .collect();
    let rows: Vec<Vec<Value>> = answer
        .get("rows")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    let mut cells = r.get("cells").and_then(Value::as_array).cloned().unwrap_or_default();
                    cells.resize(columns.len(), Value::Null);
                    cells.into_iter().zip(&formats).map(|(cell, f)| f.show(cell)).collect()
                })
                .collect()
        })
        .unwrap_or_default();
    let n = rows.len();
    let total = answer.get("total").and_then(Value::as_u64);
    Ok((Widget::Table { columns, rows, caption: None, total, row_drill_downs: Vec::new() }, n, total))
}

/// The tile's subtitle: the period its date range covers, e.g. `Du 21 nov.
/// au 27 nov.` / `Nov 21 – Nov 27`, or "every date".
pub fn period_subtitle(common: &CommonSettings, today: &str) -> Option<Localized> {
    use clientele_portlet_api::dates::{LocalDateTime, short_date};
    let year = LocalDateTime::parse(today).map(|t| t.year);
    match common.date_range.resolve(today).ok()? {
        None => Some(Localized::new("Toutes les dates", "All dates")),
        Some((from, to)) => {
            let (f, t) = (LocalDateTime::parse(&from)?, LocalDateTime::parse(&to)?);
            let (ffr, fen) = (short_date(&f, year, Locale::Fr), short_date(&f, year, Locale::En));
            let (tfr, ten) = (short_date(&t, year, Locale::Fr), short_date(&t, year, Locale::En));
            Some(if from == to {
                Localized::new(format!("Le {ffr}"), format!("On {fen}"))
            } else {
                Localized::new(format!("Du {ffr} au {tfr}"), format!("{fen} \u{2013} {ten}"))
            })
        }
    }
}

/// How essential a grid column is in a narrow tile (see
/// [`Column::priority`]): the date, type, subject, status and client are
/// always shown; the contact, staff member and expiry from a medium tile;
/// the rest only when wide.
pub fn priority_of(id: &str) -> u8 {
    match id {
        "when" | "sent" | "kind" | "subject" | "status" | "client" | "name" => 1,
        "expires" | "contact" | "staff" => 2,
        _ => 3,
    }
}

/// The table without the columns `ids` (e.g. `client` on a client
/// dashboard, where every row is that client's).
pub fn drop_columns(table: &mut Widget, ids: &[&str]) {
    let Widget::Table { columns, rows, .. } = table else { return };
    let keep: Vec<bool> = columns.iter().map(|c| !ids.contains(&c.id.as_str())).collect();
    let mut i = 0;
    columns.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    for row in rows {
        let mut i = 0;
        row.retain(|_| {
            i += 1;
            keep.get(i - 1).copied().unwrap_or(false)
        });
    }
}

/// Gives each row of `table` the drill-down that opens its record: tab
/// `tab`, request `{"op": op, "id": <the row's id in answer>}`.
pub fn link_rows(table: &mut Widget, answer: &Value, tab: &str, op: &str) {
    let Widget::Table { rows, row_drill_downs, .. } = table else { return };
    let ids = answer.get("rows").and_then(Value::as_array).cloned().unwrap_or_default();
    *row_drill_downs = ids
        .iter()
        .take(rows.len())
        .map(|r| {
            r.get("id")
                .and_then(Value::as_i64)
                .map(|id| clientele_portlet_api::DrillDown { tab: tab.into(), request: json!({"op": op, "id": id}) })
        })
        .collect();
}

/// The count a `grid.query` or list answer gives (`total`), 0 if none.
pub fn total_of(answer: &Value) -> i64 {
    answer.get("total").and_then(Value::as_i64).unwrap_or(0)
}

/// Whether a grid answer's `total` is a floor (`total_capped`: counting
/// stopped at the request's `count_limit`).
pub fn total_capped(answer: &Value) -> bool {
    answer.get("total_capped").and_then(Value::as_bool).unwrap_or(false)
}

#[cfg(test)]
mod tabular_tests {
    use super::*;

    #[test]
    fn balance() {
        for ok in ["", "a b", "(a OR b)", "nom:\"Côté (fils\"", "x:\"a\\\"(\""] {
            assert!(balanced(ok), "{ok}");
        }
        for bad in [")", "a) OR (b", "(a", "nom:\"abc", "a)(", "x:\"a\\\""] {
            assert!(!balanced(bad), "{bad}");
        }
    }

    #[test]
    fn combining() {
        assert_eq!(combine_filters(None, Some("  ")).unwrap(), None);
        assert_eq!(combine_filters(Some("d:1..2".into()), None).unwrap().as_deref(), Some("d:1..2"));
        assert_eq!(combine_filters(Some("d:1..2".into()), Some("a OR b")).unwrap().as_deref(), Some("d:1..2 (a OR b)"));
        assert!(matches!(combine_filters(None, Some("a) OR (b")), Err(PortletError::BadSettings { .. })));
    }

    #[test]
    fn grid_rows_fit_columns() {
        let answer = json!({"columns": [{"id": "a", "label_fr": "É", "label_en": "E", "kind": "date"}, {"id": "b", "kind": "weird"}],
                            "rows": [{"id": 1, "cells": [1]}, {"id": 2, "cells": [1, 2, 3]}], "total": 9});
        let (w, n, total) = grid_table(&answer, Locale::Fr).unwrap();
        let Widget::Table { columns, rows, .. } = w else { panic!() };
        assert_eq!((n, total), (2, Some(9)));
        assert_eq!(columns[0].kind, ColumnKind::Date);
        assert_eq!(columns[1].label, Localized::same("b"));
        assert!(rows.iter().all(|r| r.len() == 2));
        assert!(grid_table(&json!({}), Locale::En).is_err());
    }

    #[test]
    fn date_times_as_the_firm_reads_them() {
        for (cell, shown) in [
            ("2026-11-27T14:25:06-05:00", "2026-11-27 14:25"),
            ("2026-11-27T23:59:59+00:00", "2026-11-27 23:59"),
            ("2026-11-28T00:05:00Z", "2026-11-28 00:05"),
            ("2026-11-27T14:25:06.123456-04:00", "2026-11-27 14:25"),
            ("2026-11-27T14:25+05:30", "2026-11-27 14:25"),
            ("2026-11-27 14:25:06-05:00", "2026-11-27 14:25"),
        ] {
            assert_eq!(local_date_time(cell).as_deref(), Some(shown), "{cell}");
        }
        for kept in [
            "",
            "2026-11-27",
            "2026-11-27T14:25:06",
            "2026-11-27T14:25:06-05",
            "2026-11-27T14:25:06-05:00 ",
            "2026-13-27T14:25:06Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T14:25:06.Z",
            "2026-11-27T14:25:06+25:00",
            "2026/11/27T14:25:06Z",
            "2026-11-27T14:2é:06Z",
            "hier à 14:25",
        ] {
            assert_eq!(local_date_time(kept), None, "{kept}");
        }
    }

    #[test]
    fn code_cells_as_labels_and_times_cut() {
        let answer = json!({
            "columns": [
                {"id": "when", "label_fr": "Date", "label_en": "When", "kind": "date_time"},
                {"id": "kind", "label_fr": "Type", "label_en": "Kind", "kind": "text",
                 "values": [{"value": "phone_call", "label_fr": "Appel téléphonique", "label_en": "Phone call"},
                            {"value": "note", "label_fr": "Note", "label_en": ""}]},
                {"id": "subject", "label_fr": "Objet", "label_en": "Subject", "kind": "text"}],
            "rows": [
                {"id": 1, "version": 1, "cells": ["2026-11-27T14:25:06-05:00", "phone_call", "2026-11-27T14:25:06-05:00"]},
                {"id": 2, "version": 1, "cells": ["not a time", "note", "phone_call"]},
                {"id": 3, "version": 1, "cells": [null, "fax", 4]}]});
        let rows = |locale| {
            let (Widget::Table { rows, .. }, ..) = grid_table(&answer, locale).unwrap() else { panic!() };
            rows
        };
        assert_eq!(
            rows(Locale::Fr),
            vec![
                vec![json!("2026-11-27 14:25"), json!("Appel téléphonique"), json!("2026-11-27T14:25:06-05:00")],
                vec![json!("not a time"), json!("Note"), json!("phone_call")],
                vec![Value::Null, json!("fax"), json!(4)],
            ]
        );
        let en = rows(Locale::En);
        assert_eq!(en[0][1], json!("Phone call"));
        assert_eq!(en[1][1], json!("Note"), "an empty label falls back to the other language");
    }
}

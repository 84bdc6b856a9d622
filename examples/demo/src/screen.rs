//! Printing the demo's screens as a person reads them: grids aligned by
//! display width, codes as their French labels, dates as on the dashboards
//! (`aujourd’hui 10 h 14`, `hier`, `28 nov.`), counts as tables, and errors
//! as their message with the offending part of the input marked.

use clientele_core::Span;
use clientele_core::protocol::{Grid, ListKind};
use clientele_core::query::columns::{ColumnKind, catalogue};
use clientele_portlet_api::Locale;
use clientele_portlet_api::dates;
use unicode_width::UnicodeWidthStr;

/// Longest cell printed, in columns; longer text ends with `…`.
const MAX_CELL: usize = 34;

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn cut(s: &str) -> String {
    if width(s) <= MAX_CELL {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if width(&out) + width(c.encode_utf8(&mut [0; 4])) >= MAX_CELL {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The French label of a code of a list's column (`phone_call` →
/// `Appel téléphonique`), the code itself when it has none.
pub fn label(list: ListKind, column: &str, code: &str) -> String {
    catalogue(list, &[], &[])
        .into_iter()
        .find(|c| c.id == column)
        .and_then(|c| c.values.into_iter().find(|v| v.value == code))
        .map_or_else(|| code.to_string(), |v| v.label_fr)
}

/// A date or date-time as on the dashboards, relative to the firm's today.
pub fn date(text: &str, today: &str) -> String {
    dates::compact(text, Some(today), Locale::Fr).unwrap_or_else(|| text.to_string())
}

/// Rows under a header, each column as wide as its widest cell.
pub fn table(head: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = head.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(c));
            }
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> =
            cells.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(width(c))))).collect();
        format!("  {}\n", parts.join("  ").trim_end())
    };
    let mut out = line(head);
    out.push_str(&format!("  {}\n", widths.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>().join("  ")));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// A grid answer: French headers, codes as labels, dates as on the dashboards.
pub fn grid(g: &Grid, today: &str) -> String {
    let head: Vec<String> = g.columns.iter().map(|c| c.label_fr.clone()).collect();
    let rows: Vec<Vec<String>> = g
        .rows
        .iter()
        .map(|r| {
            r.cells
                .iter()
                .zip(&g.columns)
                .map(|(v, col)| match v {
                    serde_json::Value::Null => "—".to_string(),
                    serde_json::Value::String(s) if matches!(col.kind, ColumnKind::Date | ColumnKind::DateTime) => {
                        date(s, today)
                    }
                    serde_json::Value::String(s) => {
                        cut(col.values.iter().find(|l| &l.value == s).map_or(s.as_str(), |l| l.label_fr.as_str()))
                    }
                    // Several codes (tags): their French names.
                    serde_json::Value::Array(codes) => cut(&codes
                        .iter()
                        .filter_map(|c| c.as_str())
                        .map(|c| col.values.iter().find(|l| l.value == c).map_or(c, |l| l.label_fr.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")),
                    serde_json::Value::Bool(true) => "Oui".into(),
                    serde_json::Value::Bool(false) => "Non".into(),
                    v => v.to_string(),
                })
                .collect()
        })
        .collect();
    table(&head, &rows)
}

/// An error on a text the person typed: the message, then the text with
/// the offending part underlined (`^^^`).
pub fn error_on(input: &str, message: &str, span: Option<Span>) -> String {
    let mut out = format!("  {input}\n");
    if let Some(s) = span.filter(|s| s.start <= s.end && s.end <= input.len() && input.is_char_boundary(s.start))
        && input.is_char_boundary(s.end)
    {
        let lead = width(&input[..s.start]);
        let marked = width(&input[s.start..s.end]).max(1);
        out.push_str(&format!("  {}{}\n", " ".repeat(lead), "^".repeat(marked)));
    }
    out.push_str(&format!("  {message}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_by_display_width() {
        let t = table(
            &["Nom".into(), "Ville".into()],
            &[vec!["Dupre\u{301}".into(), "Lévis".into()], vec!["東京".into(), "Québec".into()]],
        );
        let starts: Vec<usize> =
            t.lines().filter(|l| !l.contains('─')).map(|l| width(&l[..l.rfind("  ").unwrap()])).collect();
        assert!(starts.iter().all(|s| *s == starts[0]), "{t}");
    }

    #[test]
    fn errors_mark_their_span() {
        let e = error_on("stauts:actif", "champ inconnu « stauts »", Some(Span { start: 0, end: 6 }));
        assert_eq!(e, "  stauts:actif\n  ^^^^^^\n  champ inconnu « stauts »\n");
        let e = error_on("été:x", "?", Some(Span { start: 0, end: "été".len() }));
        assert!(e.contains("\n  ^^^\n"), "{e}");
        assert!(!error_on("abc", "?", Some(Span { start: 2, end: 9 })).contains('^'));
    }

    #[test]
    fn codes_as_labels() {
        assert_eq!(label(ListKind::Interactions, "kind", "phone_call"), "Appel téléphonique");
        assert_eq!(label(ListKind::Interactions, "kind", "nope"), "nope");
        assert_eq!(date("2026-11-28T10:14:00-05:00", "2026-11-28"), "aujourd’hui 10 h 14");
    }
}

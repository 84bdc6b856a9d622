//! Rendering a dashboard as plain text for terminals. Control characters in
//! portlet texts are replaced, so a portlet cannot send escape sequences to
//! the terminal.

use std::fmt::Write;

use crate::html::{Tile, cell_text};
use crate::manifest::Locale;
use crate::view::Widget;

/// Replaces control characters (ESC, CR, tabs, newlines...) with spaces or `?`.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => '?',
            c => c,
        })
        .collect()
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(s))));
    out
}

/// The whole dashboard as text.
pub fn render_dashboard(title: &str, tiles: &[Tile], locale: Locale) -> String {
    let mut t = String::new();
    let title = sanitize(title);
    let _ = writeln!(t, "{title}\n{}", "=".repeat(width(&title)));
    for tile in tiles {
        t.push('\n');
        match &tile.result {
            Err(e) => {
                let head = sanitize(tile.title.get(locale));
                let _ = writeln!(t, "{head}\n{}", "-".repeat(width(&head)));
                let _ = writeln!(t, "  ! {} [{}]", sanitize(&e.message), sanitize(&e.code));
            }
            Ok(vm) => {
                let head = sanitize(vm.title.get(locale));
                let _ = writeln!(t, "{head}\n{}", "-".repeat(width(&head)));
                for w in &vm.widgets {
                    render_widget(&mut t, w, locale);
                }
                if let Some(d) = &vm.drill_down {
                    let label = match locale {
                        Locale::Fr => "Voir tout",
                        Locale::En => "See all",
                    };
                    let _ = writeln!(t, "  {label} -> {}", sanitize(&d.tab));
                }
            }
        }
    }
    t
}

fn render_widget(t: &mut String, w: &Widget, locale: Locale) {
    match w {
        Widget::Table { columns, rows } => {
            let head: Vec<String> = columns.iter().map(|c| sanitize(c.label.get(locale))).collect();
            let cells: Vec<Vec<String>> =
                rows.iter().map(|r| r.iter().map(|v| sanitize(&cell_text(v, locale))).collect()).collect();
            let mut widths: Vec<usize> = head.iter().map(|h| width(h)).collect();
            for row in &cells {
                for (i, c) in row.iter().enumerate() {
                    if i < widths.len() {
                        widths[i] = widths[i].max(width(c));
                    }
                }
            }
            let line = |t: &mut String, row: &[String]| {
                let parts: Vec<String> = row.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
                let _ = writeln!(t, "  {}", parts.join(" | ").trim_end());
            };
            line(t, &head);
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            let _ = writeln!(t, "  {}", rule.join("-+-"));
            for row in &cells {
                line(t, row);
            }
        }
        Widget::List { items } => {
            for it in items {
                let _ = write!(t, "  - {}", sanitize(&it.title));
                if let Some(b) = &it.badge {
                    let _ = write!(t, " [{}]", sanitize(b));
                }
                if let Some(s) = &it.subtitle {
                    let _ = write!(t, " \u{2014} {}", sanitize(s));
                }
                t.push('\n');
            }
        }
        Widget::KeyValue { entries } => {
            let w = entries.iter().map(|e| width(&sanitize(e.label.get(locale)))).max().unwrap_or(0);
            for e in entries {
                let _ = writeln!(t, "  {} : {}", pad(&sanitize(e.label.get(locale)), w), sanitize(&e.value));
            }
        }
        Widget::Counters { items } => {
            for c in items {
                let _ = writeln!(t, "  {:>8}  {}", c.value, sanitize(c.label.get(locale)));
            }
        }
        Widget::Empty { message } => {
            let _ = writeln!(t, "  ({})", sanitize(message.get(locale)));
        }
        Widget::Error { message, code } => {
            let _ = writeln!(t, "  ! {} [{}]", sanitize(message.get(locale)), sanitize(code));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Localized;
    use crate::portlet::ErrorBody;
    use crate::view::*;
    use serde_json::json;

    #[test]
    fn text_dashboard() {
        let tiles = vec![
            Tile {
                portlet_id: "a.b".into(),
                title: Localized::same("T"),
                result: Ok(ViewModel::new(Localized::new("Clients récents", "Recent clients"))
                    .with(Widget::Table {
                        columns: vec![
                            Column { id: "name".into(), label: Localized::new("Nom", "Name"), kind: ColumnKind::Text },
                            Column {
                                id: "active".into(),
                                label: Localized::new("Actif", "Active"),
                                kind: ColumnKind::Bool,
                            },
                        ],
                        rows: vec![vec![json!("Élodie\u{1b}[31m"), json!(true)]],
                    })
                    .with(Widget::Counters { items: vec![Counter { label: Localized::same("Appels"), value: 12 }] })),
            },
            Tile {
                portlet_id: "a.c".into(),
                title: Localized::new("Cassé", "Broken"),
                result: Err(ErrorBody::new("portlet_timeout", "too slow")),
            },
        ];
        let text = render_dashboard("Tableau", &tiles, Locale::Fr);
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("Nom         | Actif"), "{text}");
        assert!(text.contains("Élodie?[31m | Oui"), "{text}");
        assert!(text.contains("      12  Appels"));
        assert!(text.contains("! too slow [portlet_timeout]"));
        assert!(text.starts_with("Tableau\n=======\n"));
    }
}

//! Rendering a dashboard as plain text for terminals. Control characters in
//! portlet texts are replaced, so a portlet cannot send escape sequences to
//! the terminal.

use std::fmt::Write;

use crate::html::{PlacedTile, RenderOptions, Tile, TileState, cell_text, tab_title};
use crate::manifest::Locale;
use crate::view::{ColumnKind, Widget};

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

/// The columns `s` takes in a terminal: combining marks take none (a
/// decomposed `é` is one column), East Asian wide characters two.
fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(s))));
    out
}

/// The whole dashboard as text (dates with their year: no today known).
pub fn render_dashboard(title: &str, tiles: &[Tile], locale: Locale) -> String {
    render_dashboard_with(title, tiles, locale, &RenderOptions::default())
}

/// The whole dashboard as text, dates relative to `options.today`; a
/// failed result is drawn as an error.
pub fn render_dashboard_with(title: &str, tiles: &[Tile], locale: Locale, options: &RenderOptions) -> String {
    let states: Vec<TileState> =
        tiles.iter().map(|t| if t.result.is_ok() { TileState::Rendered } else { TileState::Failed }).collect();
    render(title, tiles.iter().zip(states), locale, options)
}

/// The placed tiles as text (placement aside): a tile not rendered on
/// purpose says why in parentheses, a failed one is marked `!` with its code.
pub fn render_page(title: &str, tiles: &[PlacedTile<'_>], locale: Locale, options: &RenderOptions) -> String {
    render(title, tiles.iter().map(|p| (p.tile, p.state)), locale, options)
}

fn render<'a>(
    title: &str,
    tiles: impl Iterator<Item = (&'a Tile, TileState)>,
    locale: Locale,
    options: &RenderOptions,
) -> String {
    let mut t = String::new();
    let title = sanitize(title);
    let _ = writeln!(t, "{title}\n{}", "=".repeat(width(&title)));
    for (tile, state) in tiles {
        t.push('\n');
        match &tile.result {
            Err(e) => {
                let head = sanitize(tile.title.get(locale));
                let _ = writeln!(t, "{head}\n{}", "-".repeat(width(&head)));
                if state == TileState::Unavailable {
                    let _ = writeln!(t, "  ({})", sanitize(&e.message));
                } else {
                    let _ = writeln!(t, "  ! {} [{}]", sanitize(&e.message), sanitize(&e.code));
                }
            }
            Ok(vm) => {
                let head = sanitize(vm.title.get(locale));
                let _ = writeln!(t, "{head}\n{}", "-".repeat(width(&head)));
                if let Some(s) = &vm.subtitle {
                    let _ = writeln!(t, "  {}", sanitize(s.get(locale)));
                }
                for w in &vm.widgets {
                    render_widget(&mut t, w, locale, options);
                }
                if let Some(d) = &vm.drill_down {
                    let label = match locale {
                        Locale::Fr => "Voir tout",
                        Locale::En => "See all",
                    };
                    match tab_title(&d.tab) {
                        Some(tab) => {
                            let _ = writeln!(t, "  {label} -> {}", tab.get(locale));
                        }
                        None => {
                            let _ = writeln!(t, "  {label}");
                        }
                    }
                }
            }
        }
    }
    t
}

/// Eighth blocks, lowest to highest, for text sparklines.
const BLOCKS: [char; 8] =
    ['\u{2581}', '\u{2582}', '\u{2583}', '\u{2584}', '\u{2585}', '\u{2586}', '\u{2587}', '\u{2588}'];

fn render_widget(t: &mut String, w: &Widget, locale: Locale, options: &RenderOptions) {
    match w {
        Widget::Table { columns, rows, total, .. } => {
            let head: Vec<String> = columns.iter().map(|c| sanitize(c.label.get(locale))).collect();
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let text = cell_text(v, locale);
                            let date =
                                matches!(columns.get(i).map(|c| c.kind), Some(ColumnKind::Date | ColumnKind::DateTime));
                            let shown = if date {
                                crate::dates::compact(&text, options.today.as_deref(), locale)
                            } else {
                                None
                            };
                            sanitize(&shown.unwrap_or(text))
                        })
                        .collect()
                })
                .collect();
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
            if let Some(total) = total
                && *total > rows.len() as u64
            {
                let _ = match locale {
                    Locale::Fr => writeln!(t, "  (affichage : {} sur {total})", rows.len()),
                    Locale::En => writeln!(t, "  (showing {} of {total})", rows.len()),
                };
            }
        }
        Widget::Note { text } => {
            let _ = writeln!(t, "  {}", sanitize(text.get(locale)));
        }
        Widget::BarChart { label, categories, series } => {
            // The chart's figures as a table: one line per category.
            let _ = writeln!(t, "  {}", sanitize(label.get(locale)));
            let names: Vec<String> = categories.iter().map(|c| sanitize(c.get(locale))).collect();
            let wn = names.iter().map(|n| width(n)).max().unwrap_or(0);
            let heads: Vec<String> = series.iter().map(|s| sanitize(s.label.get(locale))).collect();
            let ws: Vec<usize> = heads.iter().map(|h| width(h).max(3)).collect();
            let head: Vec<String> = heads.iter().zip(&ws).map(|(h, w)| format!("{h:>w$}", w = *w)).collect();
            let _ = writeln!(t, "  {}  {}", pad("", wn), head.join("  "));
            for (c, name) in names.iter().enumerate() {
                let vals: Vec<String> = series
                    .iter()
                    .zip(&ws)
                    .map(|(s, w)| format!("{:>w$}", s.values.get(c).copied().unwrap_or(0), w = *w))
                    .collect();
                let _ = writeln!(t, "  {}  {}", pad(name, wn), vals.join("  "));
            }
        }
        Widget::Sparkline { label, value, values, period } => {
            let (lo, hi) = (values.iter().copied().min().unwrap_or(0), values.iter().copied().max().unwrap_or(0));
            let line: String =
                values.iter().map(|v| BLOCKS[if hi == lo { 0 } else { ((v - lo) * 7 / (hi - lo)) as usize }]).collect();
            let period = period.as_ref().map(|p| format!(" ({})", sanitize(p.get(locale)))).unwrap_or_default();
            let _ = writeln!(t, "  {value:>8}  {}  {line}{period}", sanitize(label.get(locale)));
        }
        Widget::Proportion { label, parts } => {
            let total: i64 = parts.iter().map(|p| p.value.max(0)).sum();
            let _ = writeln!(t, "  {}", sanitize(label.get(locale)));
            for p in parts {
                let share = if total == 0 { 0 } else { (p.value.max(0) * 100 + total / 2) / total };
                let pct = if locale == Locale::Fr { format!("{share} %") } else { format!("{share}%") };
                let _ = writeln!(t, "  {:>8}  {} ({pct})", p.value, sanitize(p.label.get(locale)));
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
        Widget::Tags { label, tags } => {
            let names: Vec<String> = tags.iter().map(|t| sanitize(t.name.get(locale))).collect();
            let _ = writeln!(t, "  {} : {}", sanitize(label.get(locale)), names.join(", "));
        }
        Widget::Counters { items } => {
            for c in items {
                let _ = writeln!(t, "  {:>8}  {}", c.shown(), sanitize(c.label.get(locale)));
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
                            Column::new("name", Localized::new("Nom", "Name"), ColumnKind::Text),
                            Column::new("active", Localized::new("Actif", "Active"), ColumnKind::Bool),
                        ],
                        rows: vec![vec![json!("Élodie\u{1b}[31m"), json!(true)]],
                        caption: None,
                        total: Some(3),
                        row_drill_downs: vec![],
                    })
                    .with(Widget::Counters { items: vec![Counter::new(Localized::same("Appels"), 12)] })),
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
        assert!(text.contains("(affichage : 1 sur 3)"), "{text}");
        // Placed: a tile not rendered on purpose is neutral, a failure marked.
        let placed = [
            PlacedTile { tile: &tiles[1], column: 0, width: None, state: TileState::Unavailable },
            PlacedTile { tile: &tiles[1], column: 0, width: None, state: TileState::Failed },
        ];
        let placed_text = render_page("T", &placed, Locale::En, &RenderOptions::default());
        assert!(placed_text.contains("\n  (too slow)\n"), "{placed_text}");
        assert_eq!(placed_text.matches("! too slow [portlet_timeout]").count(), 1, "{placed_text}");
        assert!(text.contains("! too slow [portlet_timeout]"));
        assert!(text.starts_with("Tableau\n=======\n"));
    }

    #[test]
    fn columns_align_by_display_width() {
        // Precomposed, decomposed (e + U+0301) and wide (CJK) names: every
        // separator at the same terminal column.
        let names = ["Dupré", "Dupre\u{301}", "東京商事", "Ng"];
        let tiles = vec![Tile {
            portlet_id: "a.b".into(),
            title: Localized::same("T"),
            result: Ok(ViewModel::new(Localized::same("Clients")).with(Widget::table(
                vec![
                    Column::new("name", Localized::same("Nom"), ColumnKind::Text),
                    Column::new("city", Localized::same("Ville"), ColumnKind::Text),
                ],
                names.iter().map(|n| vec![json!(n), json!("Lévis")]).collect(),
            ))),
        }];
        let text = render_dashboard("T", &tiles, Locale::Fr);
        let columns: Vec<usize> =
            text.lines().filter(|l| l.contains(" | ")).map(|l| width(&l[..l.find(" | ").unwrap()])).collect();
        assert_eq!(columns.len(), names.len() + 1, "{text}");
        assert!(columns.iter().all(|c| *c == columns[0]), "{columns:?}\n{text}");
        assert_eq!(columns[0], 2 + 8, "the widest name, 東京商事, takes 8 columns");
    }
}

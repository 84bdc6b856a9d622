//! Rendering a dashboard of view models as one self-contained HTML page:
//! inline CSS, no script, no external resource, every text escaped.

use std::fmt::Write;

use crate::manifest::{Locale, Localized};
use crate::portlet::ErrorBody;
use crate::view::{ColumnKind, ViewModel, Widget};

/// One tile of a dashboard: a portlet and its render result (an error tile
/// when the render failed).
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub portlet_id: String,
    /// The manifest title, shown when the render failed.
    pub title: Localized,
    pub result: Result<ViewModel, ErrorBody>,
}

/// Escapes `&`, `<`, `>`, `"` and `'` for element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;background:#f4f5f7;color:#1d2330}\
h1{font-size:1.4rem}\
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:1rem}\
.tile{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:.8rem 1rem;min-width:0}\
.tile h2{font-size:1.05rem;margin:0 0 .6rem}\
.tile.error{border-color:#c0392b}\
.err{color:#c0392b}.code{color:#666;font-family:monospace;font-size:.85em}\
.table{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{border-bottom:1px solid #eee;padding:.25rem .4rem;text-align:left}\
td.num{text-align:right}\
ul{padding-left:1.1rem;margin:.3rem 0}.sub{color:#666}\
.badge{background:#e8eefc;border-radius:3px;padding:0 .3rem;font-size:.8em;margin-left:.3rem}\
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem;margin:0}dt{color:#555}dd{margin:0;overflow-wrap:anywhere}\
.counters{display:flex;flex-wrap:wrap;gap:1rem}.counter b{display:block;font-size:1.6rem}\
.empty{color:#777;font-style:italic}.drill{margin-top:.5rem;font-size:.85em;color:#345}";

/// The text of a table cell.
pub(crate) fn cell_text(v: &serde_json::Value, locale: Locale) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => match (b, locale) {
            (true, Locale::Fr) => "Oui".into(),
            (false, Locale::Fr) => "Non".into(),
            (true, Locale::En) => "Yes".into(),
            (false, Locale::En) => "No".into(),
        },
        other => other.to_string(),
    }
}

/// The whole page.
pub fn render_dashboard(title: &str, tiles: &[Tile], locale: Locale) -> String {
    let lang = match locale {
        Locale::Fr => "fr",
        Locale::En => "en",
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>{t}</title><style>{CSS}</style></head>\n<body><h1>{t}</h1>\n<div class=\"grid\">\n",
        t = escape(title)
    );
    for tile in tiles {
        render_tile(&mut h, tile, locale);
    }
    h.push_str("</div>\n</body></html>\n");
    h
}

fn render_tile(h: &mut String, tile: &Tile, locale: Locale) {
    let id = escape(&tile.portlet_id);
    match &tile.result {
        Err(e) => {
            let _ = writeln!(
                h,
                "<section class=\"tile error\" data-portlet=\"{id}\"><h2>{}</h2><p class=\"err\">{}</p><p class=\"code\">{}</p></section>",
                escape(tile.title.get(locale)),
                escape(&e.message),
                escape(&e.code)
            );
        }
        Ok(vm) => {
            let _ =
                write!(h, "<section class=\"tile\" data-portlet=\"{id}\"><h2>{}</h2>", escape(vm.title.get(locale)));
            for w in &vm.widgets {
                render_widget(h, w, locale);
            }
            if let Some(d) = &vm.drill_down {
                let label = match locale {
                    Locale::Fr => "Voir tout",
                    Locale::En => "See all",
                };
                let _ = write!(
                    h,
                    "<p class=\"drill\" data-tab=\"{}\" data-request=\"{}\">{label} \u{2192} {}</p>",
                    escape(&d.tab),
                    escape(&d.request.to_string()),
                    escape(&d.tab)
                );
            }
            h.push_str("</section>\n");
        }
    }
}

fn render_widget(h: &mut String, w: &Widget, locale: Locale) {
    match w {
        Widget::Table { columns, rows } => {
            h.push_str("<div class=\"table\"><table><thead><tr>");
            for c in columns {
                let _ = write!(h, "<th>{}</th>", escape(c.label.get(locale)));
            }
            h.push_str("</tr></thead><tbody>");
            for row in rows {
                h.push_str("<tr>");
                for (i, v) in row.iter().enumerate() {
                    let num = matches!(columns.get(i).map(|c| c.kind), Some(ColumnKind::Number | ColumnKind::Money));
                    let class = if num { " class=\"num\"" } else { "" };
                    let _ = write!(h, "<td{class}>{}</td>", escape(&cell_text(v, locale)));
                }
                h.push_str("</tr>");
            }
            h.push_str("</tbody></table></div>");
        }
        Widget::List { items } => {
            h.push_str("<ul>");
            for it in items {
                let _ = write!(h, "<li>{}", escape(&it.title));
                if let Some(b) = &it.badge {
                    let _ = write!(h, "<span class=\"badge\">{}</span>", escape(b));
                }
                if let Some(s) = &it.subtitle {
                    let _ = write!(h, "<br><span class=\"sub\">{}</span>", escape(s));
                }
                h.push_str("</li>");
            }
            h.push_str("</ul>");
        }
        Widget::KeyValue { entries } => {
            h.push_str("<dl>");
            for e in entries {
                let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", escape(e.label.get(locale)), escape(&e.value));
            }
            h.push_str("</dl>");
        }
        Widget::Counters { items } => {
            h.push_str("<div class=\"counters\">");
            for c in items {
                let _ = write!(h, "<div class=\"counter\"><b>{}</b>{}</div>", c.value, escape(c.label.get(locale)));
            }
            h.push_str("</div>");
        }
        Widget::Empty { message } => {
            let _ = write!(h, "<p class=\"empty\">{}</p>", escape(message.get(locale)));
        }
        Widget::Error { message, code } => {
            let _ = write!(
                h,
                "<p class=\"err\">{} <span class=\"code\">{}</span></p>",
                escape(message.get(locale)),
                escape(code)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::*;
    use serde_json::json;

    fn evil() -> &'static str {
        "<script>alert(\"x\")</script> l'été & co"
    }

    fn tiles() -> Vec<Tile> {
        let vm = ViewModel {
            title: Localized::new(format!("Échéances {}", evil()), "Deadlines"),
            widgets: vec![
                Widget::Table {
                    columns: vec![Column {
                        id: "name".into(),
                        label: Localized::new("Nom <b>", "Name"),
                        kind: ColumnKind::Text,
                    }],
                    rows: vec![vec![json!(evil())], vec![json!(null)]],
                },
                Widget::List {
                    items: vec![ListItem {
                        title: evil().into(),
                        subtitle: Some("\"sub\"".into()),
                        badge: Some("<new>".into()),
                    }],
                },
                Widget::KeyValue { entries: vec![KeyValueEntry { label: Localized::same("k<"), value: "v>".into() }] },
                Widget::Counters { items: vec![Counter { label: Localized::same("Appels"), value: -3 }] },
                Widget::Empty { message: Localized::same("rien <ici>") },
                Widget::Error { message: Localized::same("bad & worse"), code: "c<".into() },
            ],
            drill_down: Some(DrillDown {
                tab: "interactions".into(),
                request: json!({"op": "interaction.list", "filter": "note:\"<x>\""}),
            }),
        };
        vec![
            Tile { portlet_id: "a.b\"><script>".into(), title: Localized::same("T"), result: Ok(vm) },
            Tile {
                portlet_id: "a.c".into(),
                title: Localized::new("Élément <cassé>", "Broken"),
                result: Err(ErrorBody::new("portlet_panicked", "boom <script>")),
            },
        ]
    }

    #[test]
    fn everything_is_escaped() {
        let page = render_dashboard("Tableau <de> bord \"x\"", &tiles(), Locale::Fr);
        assert!(!page.contains("<script"), "{page}");
        assert!(page.contains("Nom &lt;b&gt;"));
        assert!(!page.contains("Nom <b>"));
        assert!(!page.contains("<new>"));
        assert!(!page.contains("<x>"));
        assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; l&#39;été &amp; co"));
        assert!(page.contains("Échéances"));
        assert!(page.contains("Élément &lt;cassé&gt;"));
        assert!(page.contains("boom &lt;script&gt;"));
        assert!(page.contains("<title>Tableau &lt;de&gt; bord &quot;x&quot;</title>"));
        assert!(page.contains("<b>-3</b>Appels"));
        assert!(page.contains("Voir tout"));
    }

    #[test]
    fn self_contained() {
        let page = render_dashboard("D", &tiles(), Locale::En);
        for needle in ["<script", "<link", "src=", "href=", "url(", "@import"] {
            assert!(!page.contains(needle), "{needle}");
        }
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<html lang=\"en\">"));
        assert!(page.contains("See all"));
    }
}

//! Rendering a dashboard of view models as one self-contained HTML page:
//! inline CSS and SVG, no script, no external resource, every text escaped.
//!
//! - The layout is drawn as saved ([`PlacedTile`]: column and width); see
//!   [`css`] for the grid, the breakpoint and the column priorities.
//! - Dates are compact in the viewer's language relative to the firm's
//!   today ([`RenderOptions::today`]), in full on hover.
//! - Drill-downs ("see all", rows) are links when the host gives a URL
//!   template ([`RenderOptions::url_template`]), else buttons; both carry
//!   the drill-down JSON in `data-clientele-drill` for the host to intercept.
//! - Tiles not rendered on purpose are neutral ([`TileState::Unavailable`]);
//!   only failures are drawn as errors.

mod chart;
mod css;

use std::fmt::Write;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::dates;
use crate::manifest::{Locale, Localized};
use crate::portlet::ErrorBody;
use crate::view::{Column, ColumnKind, DrillDown, ViewModel, Widget};

/// One tile of a dashboard: a portlet and its render result (an error tile
/// when the render failed).
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub portlet_id: String,
    /// The manifest title, shown when the render failed.
    pub title: Localized,
    pub result: Result<ViewModel, ErrorBody>,
}

/// How wide a tile is drawn, as a share of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TileWidth {
    Third,
    Half,
    TwoThirds,
    /// The whole page, above the columns.
    Full,
}

impl TileWidth {
    /// The width in twelfths of the page.
    fn twelfths(self) -> u32 {
        match self {
            TileWidth::Third => 4,
            TileWidth::Half => 6,
            TileWidth::TwoThirds => 8,
            TileWidth::Full => 12,
        }
    }
}

/// What a tile's result means to the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileState {
    Rendered,
    /// Not rendered on purpose (not installed, wrong dashboard, missing
    /// right or entitlement): neutral, the message says what would make it
    /// available.
    Unavailable,
    /// The render failed (panic, timeout, invalid output...).
    Failed,
}

/// A tile and where the layout puts it.
#[derive(Debug, Clone, Copy)]
pub struct PlacedTile<'a> {
    pub tile: &'a Tile,
    /// The layout's column (0..4).
    pub column: u32,
    /// `None`: an equal share of the columns used.
    pub width: Option<TileWidth>,
    pub state: TileState,
}

/// What the host tells the renderer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RenderOptions {
    /// The firm's today (`YYYY-MM-DD`): dates are shown relative to it
    /// (`today 10:14`, `yesterday`, `Nov 28`). Without it, short dates with
    /// their year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub today: Option<String>,
    /// Drill-downs become links to this URL: `{tab}` and `{request}` are
    /// replaced by the tab id and the request JSON, percent-encoded, e.g.
    /// `app://open?tab={tab}&request={request}`. Without it, buttons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_template: Option<String>,
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

/// Symbols portlets use in texts and what they say, for screen readers.
const SYMBOLS: [(char, &str, &str); 1] = [('\u{2605}', "principal", "primary")];

/// [`escape`], and each symbol of [`SYMBOLS`] hidden from screen readers
/// beside its words, hidden from the eye.
fn escape_text(text: &str, locale: Locale) -> String {
    let mut out = escape(text);
    for (symbol, fr, en) in SYMBOLS {
        if out.contains(symbol) {
            let words = if locale == Locale::Fr { fr } else { en };
            out = out.replace(
                symbol,
                &format!(
                    "<span aria-hidden=\"true\" title=\"{words}\">{symbol}</span><span class=\"sr\">({words})</span>"
                ),
            );
        }
    }
    out
}

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

/// The translated title of a drill-down's tab, `None` for a tab this
/// renderer does not know (then the link says only "see all").
pub fn tab_title(tab: &str) -> Option<Localized> {
    let (fr, en) = match tab {
        "interactions" => ("Interactions", "Interactions"),
        "file_transfers" | "transfers" => ("Transferts de fichiers", "File transfers"),
        "clients" => ("Clients", "Clients"),
        "contacts" => ("Contacts", "Contacts"),
        "timeline" => ("Historique", "Timeline"),
        "client" => ("Fiche du client", "Client record"),
        "contact" => ("Fiche du contact", "Contact record"),
        "interaction" => ("Interaction", "Interaction"),
        "transfer" => ("Transfert", "Transfer"),
        _ => return None,
    };
    Some(Localized::new(fr, en))
}

/// Percent-encodes all but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The opening tag and closing tag of a drill-down's link or button.
fn drill_tags(d: &DrillDown, class: &str, hover: &str, options: &RenderOptions) -> (String, &'static str) {
    let data = serde_json::json!({"tab": d.tab, "request": d.request}).to_string();
    match &options.url_template {
        Some(t) => {
            let url = t
                .replace("{tab}", &percent_encode(&d.tab))
                .replace("{request}", &percent_encode(&d.request.to_string()));
            (
                format!(
                    "<a class=\"{class}\" href=\"{}\" title=\"{}\" data-clientele-drill=\"{}\">",
                    escape(&url),
                    escape(hover),
                    escape(&data)
                ),
                "</a>",
            )
        }
        None => (
            format!(
                "<button type=\"button\" class=\"{class}\" title=\"{}\" data-clientele-drill=\"{}\">",
                escape(hover),
                escape(&data)
            ),
            "</button>",
        ),
    }
}

/// The whole page: tiles in the layout's columns and widths.
pub fn render_page(title: &str, tiles: &[PlacedTile<'_>], locale: Locale, options: &RenderOptions) -> String {
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
<title>{t}</title><style>{css}</style></head>\n<body><main><h1>{t}</h1>\n",
        t = escape(title),
        css = css::CSS
    );
    let (full, rest): (Vec<&PlacedTile>, Vec<&PlacedTile>) =
        tiles.iter().partition(|t| t.width == Some(TileWidth::Full));
    if !full.is_empty() {
        h.push_str("<div class=\"full\">\n");
        for t in full {
            render_tile(&mut h, t, locale, options);
        }
        h.push_str("</div>\n");
    }
    let mut columns: Vec<u32> = rest.iter().map(|t| t.column).collect();
    columns.sort_unstable();
    columns.dedup();
    if !columns.is_empty() {
        let share = 12 / columns.len() as u32;
        let widths: Vec<u32> = columns
            .iter()
            .map(|c| {
                rest.iter()
                    .filter(|t| t.column == *c)
                    .filter_map(|t| t.width.map(TileWidth::twelfths))
                    .max()
                    .unwrap_or(share)
            })
            .collect();
        let mut tracks: Vec<String> = widths.iter().map(|w| format!("minmax(0,{w}fr)")).collect();
        let used: u32 = widths.iter().sum();
        let filler = used < 12;
        if filler {
            tracks.push(format!("minmax(0,{}fr)", 12 - used));
        }
        let _ = writeln!(h, "<div class=\"cols\" style=\"grid-template-columns:{}\">", tracks.join(" "));
        for c in &columns {
            let _ = writeln!(h, "<div class=\"col\" data-column=\"{c}\">");
            for t in rest.iter().filter(|t| t.column == *c) {
                render_tile(&mut h, t, locale, options);
            }
            h.push_str("</div>\n");
        }
        if filler {
            h.push_str("<div class=\"filler\"></div>\n");
        }
        h.push_str("</div>\n");
    }
    h.push_str("</main></body></html>\n");
    h
}

/// The page of tiles without placement: one column, a failed result drawn
/// as an error (what [`render_page`] does with [`PlacedTile`]s).
pub fn render_dashboard(title: &str, tiles: &[Tile], locale: Locale) -> String {
    let placed: Vec<PlacedTile> = tiles
        .iter()
        .map(|tile| PlacedTile {
            tile,
            column: 0,
            width: None,
            state: if tile.result.is_ok() { TileState::Rendered } else { TileState::Failed },
        })
        .collect();
    render_page(title, &placed, locale, &RenderOptions::default())
}

fn render_tile(h: &mut String, placed: &PlacedTile<'_>, locale: Locale, options: &RenderOptions) {
    let tile = placed.tile;
    let id = escape(&tile.portlet_id);
    match (&tile.result, placed.state) {
        (Err(e), TileState::Unavailable) => {
            let _ = writeln!(
                h,
                "<section class=\"tile unavailable\" data-portlet=\"{id}\" data-state=\"unavailable\" data-code=\"{}\">\
<header><h2>{}</h2></header><p class=\"why\">{}</p></section>",
                escape(&e.code),
                escape(tile.title.get(locale)),
                escape(&e.message),
            );
        }
        (Err(e), _) => {
            // "Lead in the viewer's language — technical detail": the lead
            // is what a person reads; the detail (the portlet's own words,
            // often English) is folded away for support.
            let (lead, detail) = e.message.split_once(" \u{2014} ").unwrap_or((e.message.as_str(), ""));
            let _ = write!(
                h,
                "<section class=\"tile failed\" data-portlet=\"{id}\" data-state=\"failed\" data-code=\"{code}\">\
<header><h2>{}</h2></header><p class=\"err\" role=\"alert\">{}</p>",
                escape(tile.title.get(locale)),
                escape(lead),
                code = escape(&e.code),
            );
            let summary = if locale == Locale::Fr { "Détails techniques" } else { "Technical details" };
            let _ = writeln!(
                h,
                "<details class=\"code\"><summary>{summary}</summary>{}{}<br>{}</details></section>",
                escape(detail),
                if detail.is_empty() { "" } else { " " },
                escape(&e.code),
            );
        }
        (Ok(vm), _) => {
            let _ = write!(
                h,
                "<section class=\"tile\" data-portlet=\"{id}\" data-state=\"rendered\"><header><h2>{}</h2>",
                escape(vm.title.get(locale))
            );
            if let Some(s) = &vm.subtitle {
                let _ = write!(h, "<p class=\"subtitle\">{}</p>", escape(s.get(locale)));
            }
            h.push_str("</header>");
            for w in &vm.widgets {
                render_widget(h, w, vm.title.get(locale), locale, options);
            }
            if let Some(d) = &vm.drill_down {
                let see = if locale == Locale::Fr { "Voir tout" } else { "See all" };
                let label = match tab_title(&d.tab) {
                    Some(t) => format!("{see} : {}", t.get(locale)),
                    None => see.to_string(),
                };
                let label = if locale == Locale::En { label.replace(" : ", ": ") } else { label };
                let (open, close) = drill_tags(d, "drill", &label, options);
                let _ = write!(h, "<p>{open}{}{close}</p>", escape(&label));
            }
            h.push_str("</section>\n");
        }
    }
}

fn column_class(c: &Column, index: usize) -> String {
    let kind = match c.kind {
        ColumnKind::Text => "text",
        ColumnKind::Number => "number",
        ColumnKind::Date => "date",
        ColumnKind::DateTime => "date_time",
        ColumnKind::Bool => "bool",
        ColumnKind::Money => "money",
    };
    format!("p{} k-{kind}", c.effective_priority(index))
}

fn render_cell(
    h: &mut String,
    column: Option<&Column>,
    index: usize,
    v: &serde_json::Value,
    link: Option<(&str, &str)>,
    ctx: (Locale, &RenderOptions),
) {
    let (locale, options) = ctx;
    let class = column.map(|c| column_class(c, index)).unwrap_or_default();
    let text = cell_text(v, locale);
    let (open, close) = link.unwrap_or(("", ""));
    let is_date = matches!(column.map(|c| c.kind), Some(ColumnKind::Date | ColumnKind::DateTime));
    if is_date
        && let (Some(short), Some(long)) =
            (dates::compact(&text, options.today.as_deref(), locale), dates::full(&text, locale))
    {
        let _ = write!(
            h,
            "<td class=\"{class}\" title=\"{}\">{open}<time datetime=\"{}\">{}</time>{close}</td>",
            escape(&long),
            escape(&text.replacen(' ', "T", 1)),
            escape(&short)
        );
        return;
    }
    let num = matches!(column.map(|c| c.kind), Some(ColumnKind::Number | ColumnKind::Money));
    let class = if num { format!("{class} num") } else { class };
    let _ =
        write!(h, "<td class=\"{class}\" title=\"{}\">{open}{}{close}</td>", escape(&text), escape_text(&text, locale));
}

fn render_widget(h: &mut String, w: &Widget, tile_title: &str, locale: Locale, options: &RenderOptions) {
    match w {
        Widget::Table { columns, rows, caption, total, row_drill_downs } => {
            let caption = caption.as_ref().map_or(tile_title, |c| c.get(locale));
            let _ = write!(h, "<div class=\"table\"><table><caption>{}</caption><thead><tr>", escape(caption));
            // The main text (subject or name) gets the room; a row's link is
            // on it, else on its first cell shown at every width.
            let main = columns.iter().position(|c| matches!(c.id.as_str(), "subject" | "name"));
            let link_column =
                main.or_else(|| columns.iter().enumerate().position(|(j, c)| c.effective_priority(j) == 1));
            for (i, c) in columns.iter().enumerate() {
                let _ = write!(
                    h,
                    "<th scope=\"col\" class=\"{}{}\" title=\"{l}\">{l}</th>",
                    column_class(c, i),
                    if Some(i) == main && columns.len() > 2 { " main" } else { "" },
                    l = escape(c.label.get(locale))
                );
            }
            h.push_str("</tr></thead><tbody>");
            for (r, row) in rows.iter().enumerate() {
                h.push_str("<tr>");
                let drill = row_drill_downs.get(r).and_then(Option::as_ref);
                for (i, v) in row.iter().enumerate() {
                    let linked = drill.filter(|_| Some(i) == link_column);
                    let tags = linked.map(|d| {
                        let label = cell_text(v, locale);
                        drill_tags(d, "rowlink", &label, options)
                    });
                    let link = tags.as_ref().map(|(o, c)| (o.as_str(), *c));
                    render_cell(h, columns.get(i), i, v, link, (locale, options));
                }
                h.push_str("</tr>");
            }
            h.push_str("</tbody></table></div>");
            if let Some(t) = total
                && *t > rows.len() as u64
            {
                let line = match locale {
                    Locale::Fr => format!("Affichage : {} sur {t}", rows.len()),
                    Locale::En => format!("Showing {} of {t}", rows.len()),
                };
                let _ = write!(h, "<p class=\"shown\">{line}</p>");
            }
        }
        Widget::List { items } => {
            h.push_str("<ul>");
            for it in items {
                let _ = write!(h, "<li>{}", escape_text(&it.title, locale));
                if let Some(b) = &it.badge {
                    let _ = write!(h, "<span class=\"badge\">{}</span>", escape_text(b, locale));
                }
                if let Some(s) = &it.subtitle {
                    let _ = write!(h, "<br><span class=\"sub\">{}</span>", escape_text(s, locale));
                }
                h.push_str("</li>");
            }
            h.push_str("</ul>");
        }
        Widget::KeyValue { entries } => {
            h.push_str("<dl>");
            for e in entries {
                let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", escape(e.label.get(locale)), escape_text(&e.value, locale));
            }
            h.push_str("</dl>");
        }
        Widget::Tags { label, tags } => {
            let _ = write!(h, "<p class=\"tags\" aria-label=\"{}\">", escape(label.get(locale)));
            for t in tags {
                let (bg, fg) = crate::view::chip_colours(&t.colour);
                let _ = write!(
                    h,
                    "<span class=\"tag\" style=\"background:{bg};color:{fg}\">{}</span> ",
                    escape(t.name.get(locale))
                );
            }
            h.push_str("</p>");
        }
        Widget::Counters { items } => {
            h.push_str("<div class=\"counters\">");
            for c in items {
                if c.capped {
                    let spoken = escape(&c.spoken(locale));
                    let _ = write!(
                        h,
                        "<div class=\"counter\"><b title=\"{spoken}\" aria-label=\"{spoken}\">{}</b>{}</div>",
                        escape(&c.shown()),
                        escape(c.label.get(locale))
                    );
                } else {
                    let _ = write!(h, "<div class=\"counter\"><b>{}</b>{}</div>", c.value, escape(c.label.get(locale)));
                }
            }
            h.push_str("</div>");
        }
        Widget::Note { text } => {
            let _ = write!(h, "<p class=\"note\">{}</p>", escape_text(text.get(locale), locale));
        }
        Widget::BarChart { label, categories, series } => chart::bar_chart(h, label, categories, series, locale),
        Widget::Sparkline { label, value, values, period } => {
            chart::sparkline(h, label, *value, values, period.as_ref(), locale)
        }
        Widget::Proportion { label, parts } => chart::proportion(h, label, parts, locale),
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

    /// Tags: each on its colour with a readable text colour; names escaped;
    /// a colour that is not `#rrggbb` never reaches the style.
    #[test]
    fn tags_are_drawn_on_their_colours() {
        let w = Widget::Tags {
            label: Localized::new("Étiquettes", "Tags"),
            tags: vec![
                crate::TagChip { name: Localized::new("Très <important>", "Key"), colour: "#1A237E".into() },
                crate::TagChip { name: Localized::same("x"), colour: "red;background:url(x)".into() },
            ],
        };
        let mut h = String::new();
        render_widget(&mut h, &w, "t", Locale::Fr, &RenderOptions::default());
        assert!(h.contains("aria-label=\"Étiquettes\""), "{h}");
        assert!(h.contains("style=\"background:#1a237e;color:#ffffff\">Très &lt;important&gt;</span>"), "{h}");
        assert!(h.contains("background:#e5e7eb;color:#000000") && !h.contains("url("), "{h}");
    }

    use super::*;
    use crate::view::*;
    use serde_json::json;

    fn evil() -> &'static str {
        "<script>alert(\"x\")</script> l'été & co"
    }

    fn tiles() -> Vec<Tile> {
        let vm = ViewModel {
            title: Localized::new(format!("Échéances {}", evil()), "Deadlines"),
            subtitle: Some(Localized::same("sub <title>")),
            widgets: vec![
                Widget::table(
                    vec![Column::new("name", Localized::new("Nom <b>", "Name"), ColumnKind::Text)],
                    vec![vec![json!(evil())], vec![json!(null)]],
                ),
                Widget::List {
                    items: vec![ListItem {
                        title: evil().into(),
                        subtitle: Some("\"sub\"".into()),
                        badge: Some("<new>".into()),
                    }],
                },
                Widget::KeyValue { entries: vec![KeyValueEntry { label: Localized::same("k<"), value: "v>".into() }] },
                Widget::Counters { items: vec![Counter::new(Localized::same("Appels"), -3)] },
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

    fn placed(tiles: &[Tile], at: &[(u32, Option<TileWidth>, TileState)]) -> Vec<PlacedTile<'static>> {
        let tiles: &'static [Tile] = Box::leak(tiles.to_vec().into_boxed_slice());
        tiles
            .iter()
            .zip(at)
            .map(|(tile, (column, width, state))| PlacedTile { tile, column: *column, width: *width, state: *state })
            .collect()
    }

    fn table_tile() -> Tile {
        let mut table = Widget::table(
            vec![
                Column::new("when", Localized::new("Date", "When"), ColumnKind::DateTime).with_priority(1),
                Column::new("subject", Localized::new("Objet", "Subject"), ColumnKind::Text).with_priority(1),
                Column::new("staff", Localized::new("Employé", "Staff"), ColumnKind::Text).with_priority(3),
            ],
            vec![
                vec![json!("2026-11-28 10:14"), json!("Appel ★"), json!("Luc")],
                vec![json!("2026-11-27 09:00"), json!("Note"), json!(null)],
            ],
        );
        if let Widget::Table { total, row_drill_downs, .. } = &mut table {
            *total = Some(47);
            row_drill_downs.push(Some(DrillDown {
                tab: "interaction".into(),
                request: json!({"op": "interaction.get", "id": 8}),
            }));
        }
        let vm = ViewModel::new(Localized::new("Interactions", "Interactions")).with(table);
        let vm = ViewModel {
            drill_down: Some(DrillDown { tab: "interactions".into(), request: json!({"op": "interaction.list"}) }),
            ..vm
        };
        Tile { portlet_id: "clientele.interactions".into(), title: Localized::same("I"), result: Ok(vm) }
    }

    #[test]
    fn layout_columns_and_widths_as_saved() {
        let t = table_tile();
        let unavailable = Tile {
            portlet_id: "x.y".into(),
            title: Localized::new("Portlet non installé", "Portlet not installed"),
            result: Err(ErrorBody::new("unknown_portlet", "Demandez à votre administrateur")),
        };
        let failed = Tile {
            portlet_id: "x.z".into(),
            title: Localized::same("Z"),
            result: Err(ErrorBody::new("portlet_panicked", "boom")),
        };
        let tiles = [t.clone(), unavailable, failed, t];
        let p = placed(
            &tiles,
            &[
                (0, Some(TileWidth::Third), TileState::Rendered),
                (1, Some(TileWidth::TwoThirds), TileState::Unavailable),
                (1, None, TileState::Failed),
                (3, Some(TileWidth::Full), TileState::Rendered),
            ],
        );
        let page = render_page("D", &p, Locale::Fr, &RenderOptions::default());
        // Two columns, a third and two thirds; the full tile above them.
        assert!(page.contains("grid-template-columns:minmax(0,4fr) minmax(0,8fr)\""), "{page}");
        assert!(page.find("<div class=\"full\">").unwrap() < page.find("<div class=\"cols\"").unwrap());
        assert_eq!(page.matches("<div class=\"col\"").count(), 2);
        // Two columns of a third each leave the last third empty, as saved.
        let p2 =
            placed(&tiles[..2], &[(0, Some(TileWidth::Third), TileState::Rendered), (2, None, TileState::Rendered)]);
        let page2 = render_page("D", &p2, Locale::Fr, &RenderOptions::default());
        assert!(page2.contains("minmax(0,4fr) minmax(0,6fr) minmax(0,2fr)"), "{page2}");
        // Unavailable is neutral, failed is an error.
        assert!(page.contains("class=\"tile unavailable\" data-portlet=\"x.y\""));
        assert!(page.contains("<p class=\"why\">Demandez à votre administrateur</p>"));
        assert!(page.contains("class=\"tile failed\" data-portlet=\"x.z\""));
        assert!(page.contains("role=\"alert\">boom</p><details class=\"code\"><summary>Détails techniques</summary>"));
    }

    #[test]
    fn tables_dates_drill_downs_and_text_equivalents() {
        let tiles = [table_tile()];
        let opts = RenderOptions { today: Some("2026-11-28".into()), url_template: None };
        let p = placed(&tiles, &[(0, None, TileState::Rendered)]);
        let page = render_page("D", &p, Locale::Fr, &opts);
        assert!(page.contains("<th scope=\"col\" class=\"p3 k-text\""), "{page}");
        assert!(page.contains("<th scope=\"col\" class=\"p1 k-text main\" title=\"Objet\">"), "{page}");
        assert!(page.contains("<caption>Interactions</caption>"));
        assert!(page.contains("title=\"samedi 28 novembre 2026, 10 h 14\""));
        assert!(page.contains("<time datetime=\"2026-11-28T10:14\">aujourd’hui 10 h 14</time>"));
        assert!(page.contains(">hier</time>"));
        assert!(page.contains("<span class=\"sr\">(principal)</span>"));
        assert!(page.contains("Affichage : 2 sur 47"));
        // Buttons without a template, with the drill-down JSON; the label is the tab's title.
        assert!(page.contains("<button type=\"button\" class=\"drill\" title=\"Voir tout : Interactions\" data-clientele-drill=\"{&quot;request&quot;:{&quot;op&quot;:&quot;interaction.list&quot;},&quot;tab&quot;:&quot;interactions&quot;}\">Voir tout : Interactions</button>"), "{page}");
        // The first row links from its subject, the second has none.
        assert_eq!(page.matches("class=\"rowlink\"").count(), 1);
        assert!(page.contains("class=\"rowlink\" title=\"Appel ★\""));
        // With a template: links, percent-encoded.
        let opts = RenderOptions { today: None, url_template: Some("app://open?tab={tab}&r={request}".into()) };
        let page = render_page("D", &p, Locale::En, &opts);
        assert!(
            page.contains("href=\"app://open?tab=interactions&amp;r=%7B%22op%22%3A%22interaction.list%22%7D\""),
            "{page}"
        );
        assert!(page.contains(">See all: Interactions</a>"));
        assert!(page.contains(">Nov 28, 2026</time>"));
        assert!(page.contains("Showing 2 of 47"));
        assert!(!page.contains("<script"));
    }

    #[test]
    fn charts_are_inline_svg_with_their_figures() {
        let vm = ViewModel::new(Localized::same("C"))
            .with(Widget::BarChart {
                label: Localized::new("Par semaine", "Per week"),
                categories: vec![Localized::same("a"), Localized::same("b")],
                series: vec![ChartSeries { label: Localized::same("s"), values: vec![2, 5] }],
            })
            .with(Widget::Sparkline { label: Localized::same("t"), value: 5, values: vec![1, 5], period: None })
            .with(Widget::Proportion {
                label: Localized::new("Par statut", "By status"),
                parts: vec![
                    ChartPart { label: Localized::same("x"), value: 1 },
                    ChartPart { label: Localized::same("y"), value: 3 },
                ],
            });
        let tiles = [Tile { portlet_id: "c.c".into(), title: Localized::same("C"), result: Ok(vm) }];
        let page =
            render_page("D", &placed(&tiles, &[(0, None, TileState::Rendered)]), Locale::En, &RenderOptions::default());
        assert_eq!(page.matches("role=\"img\"").count(), 3);
        assert!(page.contains("aria-label=\"Per week — a: 2, b: 5\""), "{page}");
        assert!(page.contains("y: 3 (75%)"));
        assert!(page.contains("<polyline"));
    }
}

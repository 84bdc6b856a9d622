//! What a render produces: [`ViewModel`], a list of [`Widget`]s. Hosts
//! (HTML, terminal, GUI) draw view models; portlets never produce markup.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::manifest::Localized;

/// The result of a render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ViewModel {
    pub title: Localized,
    /// A line under the title: the period covered, the filter… (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<Localized>,
    pub widgets: Vec<Widget>,
    /// Where "see all" leads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drill_down: Option<DrillDown>,
}

impl ViewModel {
    /// A view model without widgets or drill-down.
    pub fn new(title: Localized) -> Self {
        ViewModel { title, subtitle: None, widgets: Vec::new(), drill_down: None }
    }

    /// Adds a widget.
    pub fn with(mut self, widget: Widget) -> Self {
        self.widgets.push(widget);
        self
    }

    /// Sets the subtitle.
    pub fn with_subtitle(mut self, subtitle: Localized) -> Self {
        self.subtitle = Some(subtitle);
        self
    }

    /// Every drill-down of the view: "see all", then each row's.
    pub fn drill_downs_mut(&mut self) -> impl Iterator<Item = &mut Option<DrillDown>> {
        std::iter::once(&mut self.drill_down).chain(self.widgets.iter_mut().flat_map(|w| match w {
            Widget::Table { row_drill_downs, .. } => row_drill_downs.iter_mut(),
            _ => std::slice::IterMut::default(),
        }))
    }

    /// Checks internal consistency: every table row has one cell per column
    /// (and at most one drill-down), every chart series one value per
    /// category, no negative part of a proportion, at most
    /// [`MAX_CHART_POINTS`] points in a chart.
    pub fn check(&self) -> Result<(), String> {
        for (w, widget) in self.widgets.iter().enumerate() {
            match widget {
                Widget::Table { columns, rows, row_drill_downs, .. } => {
                    for (r, row) in rows.iter().enumerate() {
                        if row.len() != columns.len() {
                            return Err(format!(
                                "widget {w}: row {r} has {} cells for {} columns",
                                row.len(),
                                columns.len()
                            ));
                        }
                    }
                    if row_drill_downs.len() > rows.len() {
                        return Err(format!(
                            "widget {w}: {} row drill-downs for {} rows",
                            row_drill_downs.len(),
                            rows.len()
                        ));
                    }
                }
                Widget::BarChart { categories, series, .. } => {
                    if categories.len() > MAX_CHART_POINTS || series.len() > MAX_CHART_SERIES {
                        return Err(format!("widget {w}: too many categories or series"));
                    }
                    for (i, s) in series.iter().enumerate() {
                        if s.values.len() != categories.len() {
                            return Err(format!(
                                "widget {w}: series {i} has {} values for {} categories",
                                s.values.len(),
                                categories.len()
                            ));
                        }
                        if s.values.iter().any(|v| *v < 0) {
                            return Err(format!("widget {w}: series {i} has a negative value"));
                        }
                    }
                }
                Widget::Sparkline { values, .. } if values.len() > MAX_CHART_POINTS => {
                    return Err(format!("widget {w}: more than {MAX_CHART_POINTS} points"));
                }
                Widget::Proportion { parts, .. } => {
                    if parts.len() > MAX_CHART_SERIES {
                        return Err(format!("widget {w}: more than {MAX_CHART_SERIES} parts"));
                    }
                    if parts.iter().any(|p| p.value < 0) {
                        return Err(format!("widget {w}: a part is negative"));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// One block of a tile. Tagged by `type` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Widget {
    /// Rows of cells; each row has one JSON value per column.
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<serde_json::Value>>,
        /// What the table shows, read by screen readers (`<caption>`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<Localized>,
        /// How many rows match in all, when more than shown ("10 of 47 shown").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<u64>,
        /// Row `i` opens `row_drill_downs[i]` (e.g. the record's tab);
        /// shorter than `rows` or `null` entries: rows without one.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        row_drill_downs: Vec<Option<DrillDown>>,
    },
    List {
        items: Vec<ListItem>,
    },
    KeyValue {
        entries: Vec<KeyValueEntry>,
    },
    /// Coloured labels (a record's tags). The HTML draws each on its colour
    /// with black or white text, whichever contrasts more (at least 4.5:1).
    Tags {
        /// What the labels are ("Étiquettes" / "Tags"), for screen readers.
        label: Localized,
        tags: Vec<TagChip>,
    },
    Counters {
        items: Vec<Counter>,
    },
    /// A paragraph of text.
    Note {
        text: Localized,
    },
    /// Bars (one per category; several series stack), e.g. interactions per
    /// week by kind. Drawn as inline SVG, with a table as text fallback.
    BarChart {
        /// What the chart shows (its accessible name).
        label: Localized,
        categories: Vec<Localized>,
        series: Vec<ChartSeries>,
    },
    /// A small trend line beside a current value, e.g. interactions per day.
    Sparkline {
        label: Localized,
        /// The current value, shown in figures.
        value: i64,
        /// Oldest first.
        values: Vec<i64>,
        /// What the points are, e.g. "the last 14 days".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period: Option<Localized>,
    },
    /// Parts of a whole (a stacked bar), e.g. transfers by status.
    Proportion {
        label: Localized,
        parts: Vec<ChartPart>,
    },
    /// Nothing to show, and why.
    Empty {
        message: Localized,
    },
    /// A part of the tile failed.
    Error {
        message: Localized,
        code: String,
    },
}

/// Most categories or points of a chart.
pub const MAX_CHART_POINTS: usize = 60;
/// Most series of a bar chart or parts of a proportion.
pub const MAX_CHART_SERIES: usize = 12;

/// One series of a [`Widget::BarChart`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChartSeries {
    pub label: Localized,
    /// One value per category, not negative.
    pub values: Vec<i64>,
}

/// One part of a [`Widget::Proportion`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ChartPart {
    pub label: Localized,
    /// Not negative.
    pub value: i64,
}

impl Widget {
    /// A table without caption, total or row drill-downs.
    pub fn table(columns: Vec<Column>, rows: Vec<Vec<serde_json::Value>>) -> Widget {
        Widget::Table { columns, rows, caption: None, total: None, row_drill_downs: Vec::new() }
    }
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Column {
    /// Field id, as in the field chooser (`CommonSettings::columns`).
    pub id: String,
    pub label: Localized,
    pub kind: ColumnKind,
    /// 1 = essential (always shown), 2 = shown from a medium tile, 3 =
    /// only in a wide tile. Absent: the first three columns are 1, the
    /// others 2 ([`Column::effective_priority`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

impl Column {
    /// A column without a priority.
    pub fn new(id: impl Into<String>, label: Localized, kind: ColumnKind) -> Self {
        Column { id: id.into(), label, kind, priority: None }
    }

    /// With a priority (1 essential … 3 only when wide).
    pub fn with_priority(mut self, priority: u8) -> Self {
        self.priority = Some(priority);
        self
    }

    /// The priority the renderers use: the column's, else 1 for the first
    /// three columns (`index` < 3) and 2 for the others; clamped to 1..=3.
    pub fn effective_priority(&self, index: usize) -> u8 {
        self.priority.unwrap_or(if index < 3 { 1 } else { 2 }).clamp(1, 3)
    }
}

/// How a column's cells are to be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Text,
    Number,
    /// `YYYY-MM-DD` strings.
    Date,
    /// Date-times as the portlet chose to show them: RFC 3339 with the
    /// firm's offset, or already cut for display (`2026-11-27 14:25`).
    DateTime,
    Bool,
    /// Amounts, as decimal strings or numbers.
    Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ListItem {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
}

/// One coloured label of a [`Widget::Tags`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TagChip {
    pub name: Localized,
    /// `#rrggbb`; anything else is drawn grey.
    pub colour: String,
}

/// The WCAG 2 relative luminance of `#rrggbb` (`None`: not such a colour).
pub fn luminance(colour: &str) -> Option<f64> {
    let hex = colour.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| {
        let c = u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0) as f64 / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    Some(0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4))
}

/// The colour a chip of `colour` is drawn on (grey when it is not
/// `#rrggbb`) and its text colour: black or white, whichever contrasts
/// more, which is at least 4.5:1 for every colour.
pub fn chip_colours(colour: &str) -> (String, &'static str) {
    let (bg, l) = match luminance(colour) {
        Some(l) => (colour.to_ascii_lowercase(), l),
        None => ("#e5e7eb".to_string(), luminance("#e5e7eb").unwrap_or(0.8)),
    };
    // Contrast with black: (l + 0.05) / 0.05; with white: 1.05 / (l + 0.05).
    let text = if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) { "#000000" } else { "#ffffff" };
    (bg, text)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KeyValueEntry {
    pub label: Localized,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Counter {
    pub label: Localized,
    pub value: i64,
    /// `value` is a floor: counting stopped there and there are more
    /// (drawn "999+", read "plus de 999" / "more than 999").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub capped: bool,
}

/// The `count_limit` a tile's counts ask of `grid.query`: a count stops
/// there and reads "999+" (a capped count costs at most that many rows).
pub const TILE_COUNT_LIMIT: u32 = 999;

impl Counter {
    /// An exact count.
    pub fn new(label: Localized, value: i64) -> Self {
        Counter { label, value, capped: false }
    }

    /// A count that may have stopped at a cap (`capped`: there are more).
    pub fn at_least(label: Localized, value: i64, capped: bool) -> Self {
        Counter { label, value, capped }
    }

    /// The count as a person reads it: `42`, or `999+` when capped.
    pub fn shown(&self) -> String {
        if self.capped { format!("{}+", self.value) } else { self.value.to_string() }
    }

    /// The count in words for assistive technology and hover:
    /// `plus de 999` / `more than 999` when capped.
    pub fn spoken(&self, locale: crate::Locale) -> String {
        match (self.capped, locale) {
            (false, _) => self.value.to_string(),
            (true, crate::Locale::Fr) => format!("plus de {}", self.value),
            (true, crate::Locale::En) => format!("more than {}", self.value),
        }
    }
}

/// The full tab a tile opens: the tab id and the list request that fills it.
///
/// The host runs `request` as the viewer, so the dashboard checks it before
/// the tile leaves (no `actor`, a read of the protocol, confined to the
/// client on a client dashboard) and drops a drill-down that fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DrillDown {
    /// e.g. `interactions`, `clients`, `file_transfers`.
    pub tab: String,
    /// A list request of the engine protocol, e.g. `{"op":"interaction.list","filter":"kind:call"}`.
    pub request: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tagged_json() {
        let vm = ViewModel::new(Localized::same("T"))
            .with(Widget::Counters { items: vec![Counter::new(Localized::new("Clients", "Clients"), 3)] });
        let j = serde_json::to_value(&vm).unwrap();
        assert_eq!(j["widgets"][0]["type"], "counters");
        assert_eq!(serde_json::from_value::<ViewModel>(j).unwrap(), vm);
        let bad = json!({"title": {"fr": "a", "en": "a"}, "widgets": [{"type": "chart"}]});
        assert!(serde_json::from_value::<ViewModel>(bad).is_err());
    }

    #[test]
    fn check_row_width() {
        let vm = ViewModel::new(Localized::same("T")).with(Widget::table(
            vec![Column::new("name", Localized::same("Name"), ColumnKind::Text)],
            vec![vec![json!("a")], vec![json!("b"), json!(1)]],
        ));
        assert!(vm.check().unwrap_err().contains("row 1"));
        let mut table =
            Widget::table(vec![Column::new("n", Localized::same("N"), ColumnKind::Text)], vec![vec![json!(1)]]);
        if let Widget::Table { row_drill_downs, .. } = &mut table {
            row_drill_downs.extend([None, None]);
        }
        assert!(ViewModel::new(Localized::same("T")).with(table).check().unwrap_err().contains("2 row drill-downs"));
    }

    #[test]
    fn check_charts() {
        let cats = vec![Localized::same("a"), Localized::same("b")];
        let bar = |values: Vec<i64>| Widget::BarChart {
            label: Localized::same("c"),
            categories: cats.clone(),
            series: vec![ChartSeries { label: Localized::same("s"), values }],
        };
        let vm = |w: Widget| ViewModel::new(Localized::same("T")).with(w).check();
        vm(bar(vec![1, 2])).unwrap();
        assert!(vm(bar(vec![1])).unwrap_err().contains("1 values for 2"));
        assert!(vm(bar(vec![1, -2])).unwrap_err().contains("negative"));
        let part = |value| ChartPart { label: Localized::same("p"), value };
        vm(Widget::Proportion { label: Localized::same("p"), parts: vec![part(0), part(3)] }).unwrap();
        assert!(vm(Widget::Proportion { label: Localized::same("p"), parts: vec![part(-1)] }).is_err());
        let spark = |n| Widget::Sparkline { label: Localized::same("s"), value: 1, values: vec![1; n], period: None };
        vm(spark(MAX_CHART_POINTS)).unwrap();
        assert!(vm(spark(MAX_CHART_POINTS + 1)).is_err());
    }
}

#[cfg(test)]
mod chip_tests {
    use super::*;

    fn contrast(a: f64, b: f64) -> f64 {
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// Over a walk of the whole colour cube, the text colour chosen keeps
    /// at least 4.5:1 (WCAG AA) with the chip's colour; what is not a
    /// colour is drawn grey, never spliced into the style.
    #[test]
    fn chip_text_keeps_contrast_on_every_colour() {
        let mut worst = 21.0f64;
        for r in (0..=255).step_by(3) {
            for g in (0..=255).step_by(3) {
                for b in (0..=255).step_by(3) {
                    let c = format!("#{r:02x}{g:02x}{b:02x}");
                    let (bg, fg) = chip_colours(&c);
                    assert_eq!(bg, c);
                    worst = worst.min(contrast(luminance(&bg).unwrap(), luminance(fg).unwrap()));
                }
            }
        }
        assert!(worst >= 4.5, "worst contrast {worst}");
        assert_eq!(chip_colours("#FFFFFF"), ("#ffffff".to_string(), "#000000"));
        for bad in ["red", "#fff", "#12345g", "#123456;background:url(x)", ""] {
            assert_eq!(chip_colours(bad).0, "#e5e7eb", "{bad}");
        }
    }
}

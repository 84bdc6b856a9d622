//! What a render produces: [`ViewModel`], a list of [`Widget`]s. Hosts
//! (HTML, terminal, GUI) draw view models; portlets never produce markup.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::manifest::Localized;

/// The result of a render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ViewModel {
    pub title: Localized,
    pub widgets: Vec<Widget>,
    /// Where "see all" leads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drill_down: Option<DrillDown>,
}

impl ViewModel {
    /// A view model without widgets or drill-down.
    pub fn new(title: Localized) -> Self {
        ViewModel { title, widgets: Vec::new(), drill_down: None }
    }

    /// Adds a widget.
    pub fn with(mut self, widget: Widget) -> Self {
        self.widgets.push(widget);
        self
    }

    /// Checks internal consistency: every table row has one cell per column.
    pub fn check(&self) -> Result<(), String> {
        for (w, widget) in self.widgets.iter().enumerate() {
            if let Widget::Table { columns, rows } = widget {
                for (r, row) in rows.iter().enumerate() {
                    if row.len() != columns.len() {
                        return Err(format!(
                            "widget {w}: row {r} has {} cells for {} columns",
                            row.len(),
                            columns.len()
                        ));
                    }
                }
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
    },
    List {
        items: Vec<ListItem>,
    },
    KeyValue {
        entries: Vec<KeyValueEntry>,
    },
    Counters {
        items: Vec<Counter>,
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

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Column {
    /// Field id, as in the field chooser (`CommonSettings::columns`).
    pub id: String,
    pub label: Localized,
    pub kind: ColumnKind,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KeyValueEntry {
    pub label: Localized,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Counter {
    pub label: Localized,
    pub value: i64,
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
            .with(Widget::Counters { items: vec![Counter { label: Localized::new("Clients", "Clients"), value: 3 }] });
        let j = serde_json::to_value(&vm).unwrap();
        assert_eq!(j["widgets"][0]["type"], "counters");
        assert_eq!(serde_json::from_value::<ViewModel>(j).unwrap(), vm);
        let bad = json!({"title": {"fr": "a", "en": "a"}, "widgets": [{"type": "chart"}]});
        assert!(serde_json::from_value::<ViewModel>(bad).is_err());
    }

    #[test]
    fn check_row_width() {
        let vm = ViewModel::new(Localized::same("T")).with(Widget::Table {
            columns: vec![Column { id: "name".into(), label: Localized::same("Name"), kind: ColumnKind::Text }],
            rows: vec![vec![json!("a")], vec![json!("b"), json!(1)]],
        });
        assert!(vm.check().unwrap_err().contains("row 1"));
    }
}

//! Dashboard layouts: the JSON shape core stores opaquely, its validation,
//! and the built-in default layouts.

use clientele_portlet_api::manifest::validate_id;
use clientele_portlet_api::{DashboardKind, TileWidth};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Most tiles on one dashboard.
pub const MAX_TILES: usize = 40;
/// Most columns a layout may use (columns are numbered from 0).
pub const MAX_COLUMNS: u32 = 4;
/// Largest settings object of one tile, serialised (bytes).
pub const MAX_SETTINGS_BYTES: usize = 16 * 1024;

/// A dashboard layout, as saved with `layout.save` (`layout` field):
///
/// ```json
/// {"tiles": [
///   {"portlet": "clientele.client-info", "column": 0, "order": 0},
///   {"portlet": "clientele.interactions", "column": 1, "order": 0,
///    "settings": {"common": {"date_range": "last-90-days", "filter": "kind:phone_call", "columns": ["when", "subject"]}}}
/// ]}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// The tiles. Shown by column, then `order`, then position in this list.
    pub tiles: Vec<TileSpec>,
}

/// One tile of a layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TileSpec {
    /// The portlet's manifest id, e.g. `clientele.interactions`.
    pub portlet: String,
    /// Column, 0 to [`MAX_COLUMNS`]` - 1`. Default 0.
    #[serde(default)]
    pub column: u32,
    /// Position within the column (smaller first). Default 0.
    #[serde(default)]
    pub order: i32,
    /// `third`, `half`, `two_thirds` or `full` (the whole page, above the
    /// columns). Default: an equal share of the columns used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<TileWidth>,
    /// The user's settings, merged over the portlet's defaults at render
    /// time (`{"common": {...}, ...own keys}`). Default `{}`.
    #[serde(default = "empty_object")]
    pub settings: Value,
}

fn empty_object() -> Value {
    json!({})
}

/// Why a layout was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    #[error("the layout is not of the expected shape: {0}")]
    Shape(String),
    #[error("a layout holds at most {MAX_TILES} tiles")]
    TooManyTiles,
    #[error("tile {index}: {message}")]
    Tile { index: usize, message: String },
}

impl LayoutError {
    /// The offending field (`layout.tiles[3].column`…), when one is to blame.
    pub fn field(&self) -> String {
        match self {
            LayoutError::Tile { index, .. } => format!("layout.tiles[{index}]"),
            _ => "layout".to_string(),
        }
    }
}

impl Layout {
    /// Parses and checks a layout JSON.
    pub fn from_json(value: &Value) -> Result<Layout, LayoutError> {
        let layout: Layout = serde_json::from_value(value.clone()).map_err(|e| LayoutError::Shape(e.to_string()))?;
        layout.validate()?;
        Ok(layout)
    }

    /// Checks the tile count, portlet ids, columns and settings' shape and
    /// size. Whether the portlet exists and accepts the settings is decided
    /// at render time (a plugin may be missing on one machine).
    pub fn validate(&self) -> Result<(), LayoutError> {
        if self.tiles.len() > MAX_TILES {
            return Err(LayoutError::TooManyTiles);
        }
        for (index, t) in self.tiles.iter().enumerate() {
            let err = |message: String| Err(LayoutError::Tile { index, message });
            if let Err(e) = validate_id(&t.portlet) {
                return err(e.to_string());
            }
            if t.column >= MAX_COLUMNS {
                return err(format!("column must be 0 to {}", MAX_COLUMNS - 1));
            }
            if !t.settings.is_object() {
                return err("settings must be a JSON object".into());
            }
            if t.settings.to_string().len() > MAX_SETTINGS_BYTES {
                return err(format!("settings are larger than {MAX_SETTINGS_BYTES} bytes"));
            }
        }
        Ok(())
    }

    /// The tiles in display order: by column, then order, then list position.
    pub fn ordered(&self) -> Vec<&TileSpec> {
        let mut v: Vec<(usize, &TileSpec)> = self.tiles.iter().enumerate().collect();
        v.sort_by_key(|(i, t)| (t.column, t.order, *i));
        v.into_iter().map(|(_, t)| t).collect()
    }

    /// The JSON saved with `layout.save`.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The layout used when neither the viewer nor the firm saved one.
    pub fn built_in(kind: DashboardKind) -> Layout {
        let tile = |portlet: &str, column: u32, order: i32, width: TileWidth, settings: Value| TileSpec {
            portlet: portlet.to_string(),
            column,
            order,
            width: Some(width),
            settings,
        };
        use TileWidth::{Third, TwoThirds};
        let tiles = match kind {
            DashboardKind::Staff => vec![
                tile(clientele_portlet_today::ID, 0, 0, Third, json!({})),
                // "Mes clients / My clients": the viewer's clients (issue 13).
                tile(clientele_portlet_my_clients::ID, 0, 1, Third, json!({})),
                tile(
                    clientele_portlet_interactions::ID,
                    1,
                    0,
                    TwoThirds,
                    json!({"common": {"date_range": "last-7-days"}}),
                ),
                tile(clientele_portlet_file_transfers::ID, 1, 1, TwoThirds, json!({})),
            ],
            DashboardKind::Client => vec![
                tile(clientele_portlet_client_info::ID, 0, 0, Third, json!({})),
                tile(clientele_portlet_contacts::ID, 0, 1, Third, json!({})),
                tile(clientele_portlet_interactions::ID, 1, 0, TwoThirds, json!({})),
                tile(clientele_portlet_file_transfers::ID, 1, 1, TwoThirds, json!({"open_only": false})),
            ],
            DashboardKind::Firm => vec![
                tile(clientele_portlet_today::ID, 0, 0, Third, json!({})),
                tile(clientele_portlet_interactions::ID, 1, 0, TwoThirds, json!({})),
                tile(clientele_portlet_file_transfers::ID, 1, 1, TwoThirds, json!({})),
            ],
        };
        Layout { tiles }
    }
}

/// The engine's name of a dashboard kind (`staff`, `client`, `firm`).
pub fn kind_name(kind: DashboardKind) -> &'static str {
    match kind {
        DashboardKind::Staff => "staff",
        DashboardKind::Client => "client",
        DashboardKind::Firm => "firm",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let l = Layout::from_json(&json!({"tiles": [
            {"portlet": "a.b", "column": 1, "order": 2, "width": "two_thirds"},
            {"portlet": "a.c", "column": 1, "order": -1, "settings": {"common": {"limit": 3}}},
            {"portlet": "a.d"}]}))
        .unwrap();
        assert_eq!(l.ordered().iter().map(|t| t.portlet.as_str()).collect::<Vec<_>>(), ["a.d", "a.c", "a.b"]);
        assert_eq!(l.tiles[2].settings, json!({}));
        assert_eq!(l.tiles[0].width, Some(TileWidth::TwoThirds));
        assert_eq!(l.tiles[1].width, None);
        assert_eq!(Layout::from_json(&l.to_json()).unwrap(), l);
        for bad in [
            json!([]),
            json!({"tiles": [{"portlet": "Bad"}]}),
            json!({"tiles": [{"portlet": "a.b", "column": 9}]}),
            json!({"tiles": [{"portlet": "a.b", "settings": 3}]}),
            json!({"tiles": [{"portlet": "a.b", "colour": 3}]}),
            json!({"tiles": [{"portlet": "a.b", "width": "quarter"}]}),
            json!({"tiles": [], "extra": 1}),
        ] {
            assert!(Layout::from_json(&bad).is_err(), "{bad}");
        }
        let many = json!({"tiles": vec![json!({"portlet": "a.b"}); MAX_TILES + 1]});
        assert_eq!(Layout::from_json(&many), Err(LayoutError::TooManyTiles));
        for k in [DashboardKind::Staff, DashboardKind::Client, DashboardKind::Firm] {
            Layout::built_in(k).validate().unwrap();
        }
    }
}

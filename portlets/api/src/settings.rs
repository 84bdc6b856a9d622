//! Settings: the [`CommonSettings`] every portlet gets, and helpers for a
//! portlet's own settings (a JSON object described by a JSON Schema).
//!
//! The settings object passed to [`crate::Portlet::render`] is
//! `{ "common": CommonSettings, ...the portlet's own keys }`, as built by
//! [`merge_settings`].

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::portlet::PortletError;

/// The key of the common settings inside a settings object.
pub const COMMON_KEY: &str = "common";

/// Date range presets understood by [`DateRange::resolve`].
pub const DATE_PRESETS: &[&str] = &[
    "today",
    "yesterday",
    "last-7-days",
    "last-30-days",
    "last-90-days",
    "last-365-days",
    "this-month",
    "last-month",
    "this-year",
    "last-year",
    "all",
];

/// Largest accepted `limit`.
pub const MAX_LIMIT: u32 = 500;

/// A date range: a preset name (`"last-30-days"`) or `{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}` (both inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum DateRange {
    Preset(String),
    Custom { from: String, to: String },
}

impl Default for DateRange {
    fn default() -> Self {
        DateRange::Preset("last-30-days".to_string())
    }
}

impl DateRange {
    /// Checks the preset name, or the custom dates and their order.
    pub fn validate(&self) -> Result<(), SettingsError> {
        match self {
            DateRange::Preset(p) if DATE_PRESETS.contains(&p.as_str()) => Ok(()),
            DateRange::Preset(p) => Err(SettingsError::Common(format!(
                "unknown date range preset {p:?} (known: {})",
                DATE_PRESETS.join(", ")
            ))),
            DateRange::Custom { from, to } => {
                let f = parse_date(from)
                    .ok_or_else(|| SettingsError::Common(format!("invalid date {from:?}, expected YYYY-MM-DD")))?;
                let t = parse_date(to)
                    .ok_or_else(|| SettingsError::Common(format!("invalid date {to:?}, expected YYYY-MM-DD")))?;
                if f > t {
                    return Err(SettingsError::Common(format!("date range starts ({from}) after it ends ({to})")));
                }
                Ok(())
            }
        }
    }

    /// The inclusive `(from, to)` dates this range covers, given today
    /// (`YYYY-MM-DD`, see [`crate::DataContext::today`]); `None` for `all`.
    pub fn resolve(&self, today: &str) -> Result<Option<(String, String)>, SettingsError> {
        self.validate()?;
        let t = parse_date(today)
            .ok_or_else(|| SettingsError::Common(format!("invalid today {today:?}, expected YYYY-MM-DD")))?;
        let (y, m, _) = civil_from_days(t);
        let days = |a: i64, b: i64| Some((format_date(a), format_date(b)));
        Ok(match self {
            DateRange::Custom { from, to } => Some((from.clone(), to.clone())),
            DateRange::Preset(p) => match p.as_str() {
                "today" => days(t, t),
                "yesterday" => days(t - 1, t - 1),
                "last-7-days" => days(t - 6, t),
                "last-30-days" => days(t - 29, t),
                "last-90-days" => days(t - 89, t),
                "last-365-days" => days(t - 364, t),
                "this-month" => days(days_from_civil(y, m, 1), t),
                "last-month" => {
                    let first = days_from_civil(y, m, 1);
                    let (py, pm, _) = civil_from_days(first - 1);
                    days(days_from_civil(py, pm, 1), first - 1)
                }
                "this-year" => days(days_from_civil(y, 1, 1), t),
                "last-year" => days(days_from_civil(y - 1, 1, 1), days_from_civil(y - 1, 12, 31)),
                _ => None, // "all"
            },
        })
    }
}

/// The show options every portlet gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CommonSettings {
    /// Period shown. Default `last-30-days`.
    pub date_range: DateRange,
    /// A filter in the query engine's text syntax, e.g. `kind:call owner:me`.
    /// The engine parses it when the portlet passes it in a request.
    pub filter: Option<String>,
    /// Field chooser of tabular portlets: the column ids to show, in order.
    pub columns: Option<Vec<String>>,
    /// Most rows or items shown, 1 to [`MAX_LIMIT`]. Default 10.
    pub limit: u32,
}

impl Default for CommonSettings {
    fn default() -> Self {
        CommonSettings { date_range: DateRange::default(), filter: None, columns: None, limit: 10 }
    }
}

impl CommonSettings {
    /// Checks the date range, the limit and the column ids.
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.date_range.validate()?;
        if self.limit == 0 || self.limit > MAX_LIMIT {
            return Err(SettingsError::Common(format!("limit must be 1 to {MAX_LIMIT}, not {}", self.limit)));
        }
        if let Some(cols) = &self.columns
            && cols.iter().any(|c| c.trim().is_empty())
        {
            return Err(SettingsError::Common("empty column id".to_string()));
        }
        Ok(())
    }

    /// The common settings inside a settings object (defaults when absent).
    pub fn from_settings(settings: &Value) -> Result<Self, PortletError> {
        let common: CommonSettings = match settings.get(COMMON_KEY) {
            None | Some(Value::Null) => CommonSettings::default(),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| PortletError::bad_settings(Some(COMMON_KEY), e.to_string()))?,
        };
        common.validate()?;
        Ok(common)
    }
}

/// Why settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    #[error("settings must be a JSON object")]
    NotAnObject,
    #[error("unknown setting {0:?}")]
    UnknownKey(String),
    #[error("setting {key:?} must be of type {expected}, not {found}")]
    WrongType { key: String, expected: String, found: &'static str },
    #[error("setting {key:?} must be one of {allowed}")]
    NotAllowed { key: String, allowed: String },
    #[error("common settings: {0}")]
    Common(String),
    #[error("unusable settings schema: {0}")]
    BadSchema(String),
}

impl SettingsError {
    /// The setting to blame, if one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            SettingsError::UnknownKey(k)
            | SettingsError::WrongType { key: k, .. }
            | SettingsError::NotAllowed { key: k, .. } => Some(k),
            SettingsError::Common(_) => Some(COMMON_KEY),
            _ => None,
        }
    }
}

impl From<SettingsError> for PortletError {
    fn from(e: SettingsError) -> Self {
        PortletError::bad_settings(e.field(), e.to_string())
    }
}

/// The JSON Schema of `T` (via `schemars::schema_for!`). Give `T`
/// `#[serde(default)]` and a `Default` impl so each property carries its default.
pub fn settings_schema_for<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null)
}

/// The `default` of each top-level property of an object schema.
pub fn defaults_from_schema(schema: &Value) -> Value {
    let mut out = Map::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, p) in props {
            if let Some(d) = p.get("default") {
                out.insert(k.clone(), d.clone());
            }
        }
    }
    Value::Object(out)
}

/// Merges the user's settings over the portlet's defaults and checks them
/// minimally against the schema: unknown keys are refused; a known key's
/// value must match the property's `type` (string or array of types) and,
/// where given, its `enum`. Properties without `type` (`$ref`, `anyOf`...)
/// are not checked here: the portlet's deserialisation checks them.
///
/// The key `common` is reserved: it is parsed as [`CommonSettings`] (missing
/// fields defaulted), validated, and always present in the result.
pub fn merge_settings(schema: &Value, defaults: &Value, user: &Value) -> Result<Value, SettingsError> {
    let props = match schema.get("properties") {
        None => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => {
            return Err(SettingsError::BadSchema("`properties` is not an object".into()));
        }
    };
    let mut out = match defaults {
        Value::Object(d) => d.clone(),
        Value::Null => Map::new(),
        _ => {
            return Err(SettingsError::BadSchema("defaults are not an object".into()));
        }
    };
    out.remove(COMMON_KEY);
    let user = match user {
        Value::Object(u) => u.clone(),
        Value::Null => Map::new(),
        _ => return Err(SettingsError::NotAnObject),
    };
    let mut common = CommonSettings::default();
    for (key, value) in user {
        if key == COMMON_KEY {
            if !value.is_null() {
                common = serde_json::from_value(value).map_err(|e| SettingsError::Common(e.to_string()))?;
            }
            continue;
        }
        let Some(prop) = props.get(&key) else {
            return Err(SettingsError::UnknownKey(key));
        };
        check_type(&key, prop, &value)?;
        out.insert(key, value);
    }
    common.validate()?;
    out.insert(
        COMMON_KEY.to_string(),
        serde_json::to_value(&common).map_err(|e| SettingsError::Common(e.to_string()))?,
    );
    Ok(Value::Object(out))
}

/// The portlet's own settings as `T`, the `common` key left out.
pub fn own_settings<T: DeserializeOwned>(settings: &Value) -> Result<T, PortletError> {
    let mut v = settings.clone();
    if let Value::Object(m) = &mut v {
        m.remove(COMMON_KEY);
    }
    serde_json::from_value(v).map_err(|e| PortletError::bad_settings(None, e.to_string()))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check_type(key: &str, prop: &Value, value: &Value) -> Result<(), SettingsError> {
    let found = json_type(value);
    let matches = |t: &str| t == found || (t == "number" && found == "integer");
    let ok = match prop.get("type") {
        None => true,
        Some(Value::String(t)) => matches(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(matches),
        Some(_) => {
            return Err(SettingsError::BadSchema(format!("`type` of {key:?} is not a string or array")));
        }
    };
    if !ok {
        return Err(SettingsError::WrongType {
            key: key.to_string(),
            expected: match &prop["type"] {
                Value::String(t) => t.clone(),
                other => other.to_string(),
            },
            found,
        });
    }
    if let Some(Value::Array(allowed)) = prop.get("enum")
        && !allowed.contains(value)
    {
        return Err(SettingsError::NotAllowed {
            key: key.to_string(),
            allowed: Value::Array(allowed.clone()).to_string(),
        });
    }
    Ok(())
}

/// The settings schema as a viewer of `locale` reads it: each property's
/// (and the schema's own) `x-title` / `x-description`, objects
/// `{"fr": "…", "en": "…"}`, become its `title` / `description` in that
/// language (a plain `title` stays when there is no `x-title`, or the
/// `x-title` lacks the language). Nested `properties` are localized too.
/// The engine does this wherever it shows a schema (`portlet.list` with a
/// `locale`). With schemars:
/// `#[schemars(extend("x-title" = {"fr": "Jours", "en": "Days"}))]`.
pub fn localize_schema(schema: &Value, locale: crate::Locale) -> Value {
    let mut out = schema.clone();
    localize_node(&mut out, locale);
    out
}

fn localize_node(node: &mut Value, locale: crate::Locale) {
    let Some(obj) = node.as_object_mut() else { return };
    let lang = match locale {
        crate::Locale::Fr => "fr",
        crate::Locale::En => "en",
    };
    for (x, plain) in [("x-title", "title"), ("x-description", "description")] {
        if let Some(text) = obj.get(x).and_then(|t| t.get(lang)).and_then(Value::as_str) {
            obj.insert(plain.to_string(), Value::String(text.to_string()));
        }
    }
    for key in ["properties", "$defs"] {
        if let Some(Value::Object(children)) = obj.get_mut(key) {
            for child in children.values_mut() {
                localize_node(child, locale);
            }
        }
    }
    if let Some(items) = obj.get_mut("items") {
        localize_node(items, locale);
    }
}

/// Parses `YYYY-MM-DD` into days since 1970-01-01.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = &s[r];
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let max = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
    (d <= max).then(|| days_from_civil(y, m, d))
}

fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn settings_titles_in_the_viewers_language() {
        use crate::Locale;
        use serde_json::json;
        let schema = json!({"type": "object", "x-title": {"fr": "Réglages", "en": "Settings"},
        "properties": {
            "days": {"type": "integer", "default": 90, "x-title": {"fr": "Jours", "en": "Days"},
                     "x-description": {"fr": "Sans interaction depuis", "en": "Without an interaction for"}},
            "label": {"type": "string", "default": "", "title": "Libellé / Label"},
            "half": {"type": "string", "default": "", "title": "Seul", "x-title": {"fr": "Seul"}}
        }});
        let en = localize_schema(&schema, Locale::En);
        assert_eq!(en["title"], "Settings");
        assert_eq!(en["properties"]["days"]["title"], "Days");
        assert_eq!(en["properties"]["days"]["description"], "Without an interaction for");
        assert_eq!(en["properties"]["label"]["title"], "Libellé / Label", "a plain title stays");
        assert_eq!(en["properties"]["half"]["title"], "Seul", "no English: the plain title stays");
        let fr = localize_schema(&schema, Locale::Fr);
        assert_eq!(fr["properties"]["days"]["title"], "Jours");
        assert_eq!(fr["properties"]["days"]["description"], "Sans interaction depuis");
        // Defaults and merging ignore the titles.
        assert_eq!(defaults_from_schema(&fr), defaults_from_schema(&schema));
    }

    use super::*;
    use serde_json::json;

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(default, deny_unknown_fields)]
    struct Mine {
        show_archived: bool,
        owner: Option<String>,
        max_age_days: u32,
        mode: Mode,
    }

    #[derive(Serialize, Deserialize, JsonSchema, Default)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        #[default]
        Compact,
        Full,
    }

    impl Default for Mine {
        fn default() -> Self {
            Mine { show_archived: false, owner: None, max_age_days: 30, mode: Mode::Compact }
        }
    }

    #[test]
    fn schema_defaults_and_merge() {
        let schema = settings_schema_for::<Mine>();
        let defaults = defaults_from_schema(&schema);
        assert_eq!(defaults["max_age_days"], json!(30));
        assert_eq!(defaults["show_archived"], json!(false));
        let merged = merge_settings(&schema, &defaults, &json!({"max_age_days": 7, "owner": "me"})).unwrap();
        assert_eq!(merged["max_age_days"], json!(7));
        assert_eq!(merged["show_archived"], json!(false));
        assert_eq!(merged["common"]["limit"], json!(10));
        assert_eq!(merged["common"]["date_range"], json!("last-30-days"));
        let mine: Mine = own_settings(&merged).unwrap();
        assert_eq!(mine.owner.as_deref(), Some("me"));
        assert_eq!(CommonSettings::from_settings(&merged).unwrap(), CommonSettings::default());
    }

    #[test]
    fn merge_refusals() {
        let schema = settings_schema_for::<Mine>();
        let d = defaults_from_schema(&schema);
        assert_eq!(merge_settings(&schema, &d, &json!({"colour": 1})), Err(SettingsError::UnknownKey("colour".into())));
        assert!(matches!(
            merge_settings(&schema, &d, &json!({"max_age_days": "7"})),
            Err(SettingsError::WrongType { found: "string", .. })
        ));
        assert!(matches!(
            merge_settings(&schema, &d, &json!({"show_archived": 1})),
            Err(SettingsError::WrongType { .. })
        ));
        assert_eq!(merge_settings(&schema, &d, &json!([1])), Err(SettingsError::NotAnObject));
        assert!(merge_settings(&schema, &d, &json!({"owner": null})).is_ok());
        assert!(matches!(merge_settings(&schema, &d, &json!({"common": {"limit": 0}})), Err(SettingsError::Common(_))));
        assert!(matches!(
            merge_settings(&schema, &d, &json!({"common": {"colour": 0}})),
            Err(SettingsError::Common(_))
        ));
        let e: PortletError =
            merge_settings(&schema, &d, &json!({"common": {"date_range": "someday"}})).unwrap_err().into();
        assert!(matches!(e, PortletError::BadSettings { .. }));
    }

    #[test]
    fn enum_checked_when_inline() {
        let schema = json!({"type": "object", "properties": {"mode": {"type": "string", "enum": ["a", "b"]}}});
        assert!(merge_settings(&schema, &json!({}), &json!({"mode": "a"})).is_ok());
        assert!(matches!(
            merge_settings(&schema, &json!({}), &json!({"mode": "c"})),
            Err(SettingsError::NotAllowed { .. })
        ));
    }

    #[test]
    fn date_ranges() {
        let custom: DateRange = serde_json::from_value(json!({"from": "2026-01-01", "to": "2026-01-31"})).unwrap();
        assert_eq!(custom.resolve("2026-11-28").unwrap(), Some(("2026-01-01".into(), "2026-01-31".into())));
        let r = |p: &str| DateRange::Preset(p.into()).resolve("2026-03-01").unwrap();
        assert_eq!(r("today"), Some(("2026-03-01".into(), "2026-03-01".into())));
        assert_eq!(r("yesterday"), Some(("2026-02-28".into(), "2026-02-28".into())));
        assert_eq!(r("last-7-days"), Some(("2026-02-23".into(), "2026-03-01".into())));
        assert_eq!(r("last-month"), Some(("2026-02-01".into(), "2026-02-28".into())));
        assert_eq!(r("this-year"), Some(("2026-01-01".into(), "2026-03-01".into())));
        assert_eq!(r("all"), None);
        assert!(DateRange::Preset("soon".into()).validate().is_err());
        for bad in ["2026-02-29", "2026-13-01", "26-01-01", "2026-1-01", "2026-01-00"] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
        assert!(parse_date("2024-02-29").is_some());
        let backwards = DateRange::Custom { from: "2026-02-01".into(), to: "2026-01-01".into() };
        assert!(backwards.validate().is_err());
    }
}

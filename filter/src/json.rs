//! The JSON structured form, for a host's filter-builder dialog.
//!
//! ```json
//! {"and": [
//!   {"field": "status", "op": "eq", "value": "active"},
//!   {"not": {"field": "kind", "op": "in", "values": ["call", "email"]}},
//!   {"or": [
//!     {"field": "when", "op": "between", "from": "2026-01-01", "to": "2026-03-31"},
//!     {"keyword": "hélène"}
//!   ]}
//! ]}
//! ```
//!
//! | JSON `op`  | text         | tree                                  |
//! |------------|--------------|---------------------------------------|
//! | `match`    | `f:v`        | `Cond{op: Colon, Single}`             |
//! | `eq`       | `f=v`        | `Cond{op: Eq, Single}`                |
//! | `ne`       | `f!=v`       | `Cond{op: Ne, Single}`                |
//! | `lt` `le` `gt` `ge` | `f<v` `f<=v` `f>v` `f>=v` | `Cond{op, Single}` |
//! | `in`       | `f:(a,b)`    | `Cond{op: Colon, List}`               |
//! | `between`  | `f:a..b` (`from`/`to` optional, not both absent) | `Cond{op: Colon, Range}` |
//!
//! `{"and": [...]}`, `{"or": [...]}`, `{"not": {...}}`, `{"keyword": "..."}`
//! complete the form. JSON → [`Expr`] → JSON is the identity; trees built from
//! JSON have `{0,0}` spans and keywords/values are marked quoted exactly when
//! the text form needs quotes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ast::{Expr, Op, Span, Spanned, Value, value_needs_quotes};
use crate::error::{ErrorKind, FilterError};
use crate::parser::Limits;

/// A filter in JSON form.
///
/// Read by its key (`and`, `or`, `not`, `keyword`, else a condition tagged by
/// `op`), never by trying each shape in turn: serde's `untagged` did that, and
/// since a derived struct also accepts a one-element array, `[[[…7…]]]` was
/// tried three ways at every level, so 30 nested brackets cost hours and
/// gigabytes (found by the `filter_json` fuzz target). Reading is linear now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum JsonFilter {
    /// `{"and": [...]}`
    And(JsonAnd),
    /// `{"or": [...]}`
    Or(JsonOr),
    /// `{"not": {...}}`
    Not(JsonNot),
    /// `{"keyword": "..."}`
    Keyword(JsonKeyword),
    /// `{"field": ..., "op": ..., ...}`
    Cond(JsonCond),
}

/// `{"and": [...]}`: all must match (empty: everything).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonAnd {
    /// Sub-filters.
    pub and: Vec<JsonFilter>,
}

/// `{"or": [...]}`: any must match (empty: nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonOr {
    /// Sub-filters.
    pub or: Vec<JsonFilter>,
}

/// `{"not": {...}}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonNot {
    /// The negated filter.
    pub not: Box<JsonFilter>,
}

/// `{"keyword": "..."}`: keyword search (a word or a phrase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonKeyword {
    /// The word or phrase.
    pub keyword: String,
}

/// A condition on a field, tagged by `op`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum JsonCond {
    /// `field:value` — contains (text), equality (others), day range (dates).
    Match {
        /// Field name or alias.
        field: String,
        /// Value.
        value: String,
    },
    /// `field=value`
    Eq {
        /// Field name or alias.
        field: String,
        /// Value.
        value: String,
    },
    /// `field!=value`
    Ne {
        /// Field name or alias.
        field: String,
        /// Value.
        value: String,
    },
    /// `field<value`
    Lt {
        /// Field name or alias.
        field: String,
        /// Value.
        value: String,
    },
    /// `field<=value`
    Le {
        /// Field name or alias.
        field: String,
        /// Value.
        value: String,
    },
    /// `field>value`
    Gt {
        /// Field name or alias.
        field: String,
        /// Value.
        value: String,
    },
    /// `field>=value`
    Ge {
        /// Field name or alias.
        field: String,
        /// Value.
        value: String,
    },
    /// `field:(a,b,...)`
    In {
        /// Field name or alias.
        field: String,
        /// Values (any may match).
        values: Vec<String>,
    },
    /// `field:from..to`, both ends inclusive, either may be absent.
    Between {
        /// Field name or alias.
        field: String,
        /// Lower end.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        /// Upper end.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
}

/// Nesting deeper than this is refused while converting. Reading the
/// text is bounded by serde_json's own limit (128); a deserializer without
/// one recurses in `serde_json::Value` first.
const MAX_JSON_NESTING: usize = 128;

/// What every node of the JSON form is, as errors say it.
const FILTER_OBJECT: &str = "a filter object (and, or, not, keyword, or field/op/value)";

impl<'de> Deserialize<'de> for JsonFilter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        JsonFilter::from_value(&value, &mut String::new(), 0).map_err(serde::de::Error::custom)
    }
}

impl JsonFilter {
    /// Reads one node; `path` names it in errors (`and[1].not`).
    fn from_value(v: &serde_json::Value, path: &mut String, depth: usize) -> Result<JsonFilter, String> {
        use serde_json::Value as J;
        if depth > MAX_JSON_NESTING {
            return Err(format!("the filter is nested more than {MAX_JSON_NESTING} levels deep{}", at(path)));
        }
        let J::Object(map) = v else {
            return Err(format!("expected {FILTER_OBJECT}{}, found {}", at(path), kind_of(v)));
        };
        let only = |key: &str, path: &str| match map.keys().find(|k| *k != key) {
            Some(other) => Err(format!("unknown key `{other}` beside `{key}`{}", at(path))),
            None => Ok(()),
        };
        for key in ["and", "or"] {
            let Some(items) = map.get(key) else { continue };
            only(key, path)?;
            let J::Array(items) = items else {
                return Err(format!("`{key}` takes an array of filters{}, found {}", at(path), kind_of(items)));
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                push_step(path, &format!("{key}[{i}]"));
                out.push(JsonFilter::from_value(item, path, depth + 1)?);
                path.truncate(len);
            }
            return Ok(if key == "and" {
                JsonFilter::And(JsonAnd { and: out })
            } else {
                JsonFilter::Or(JsonOr { or: out })
            });
        }
        if let Some(inner) = map.get("not") {
            only("not", path)?;
            let len = path.len();
            push_step(path, "not");
            let inner = JsonFilter::from_value(inner, path, depth + 1)?;
            path.truncate(len);
            return Ok(JsonFilter::Not(JsonNot { not: Box::new(inner) }));
        }
        if let Some(keyword) = map.get("keyword") {
            only("keyword", path)?;
            let J::String(keyword) = keyword else {
                return Err(format!("`keyword` takes a string{}, found {}", at(path), kind_of(keyword)));
            };
            return Ok(JsonFilter::Keyword(JsonKeyword { keyword: keyword.clone() }));
        }
        if !map.contains_key("op") {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            return Err(format!(
                "expected {FILTER_OBJECT}{}, found the keys {}",
                at(path),
                if keys.is_empty() { "(none)".to_string() } else { keys.join(", ") }
            ));
        }
        // A condition holds strings only: reading it cannot recurse.
        JsonCond::deserialize(v).map(JsonFilter::Cond).map_err(|e| format!("{e}{}", at(path)))
    }
}

/// ` at and[1].not`, or nothing at the top.
fn at(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!(" at {path}") }
}

fn push_step(path: &mut String, step: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(step);
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The JSON Schema of [`JsonFilter`].
pub fn json_schema() -> schemars::Schema {
    schemars::schema_for!(JsonFilter)
}

/// Reads the JSON form from text, enforcing [`Limits::max_len`] (in bytes of JSON).
/// Nesting beyond serde_json's recursion limit (128) is refused as `invalid_json`;
/// depth/terms/items limits are enforced by [`crate::check`].
pub fn parse_json(input: &str, limits: &Limits) -> Result<Expr, FilterError> {
    if input.len() > limits.max_len {
        return Err(FilterError::new(
            ErrorKind::TooLong,
            format!("the filter is {} bytes long; at most {} are allowed", input.len(), limits.max_len),
            Span::default(),
        ));
    }
    let j: JsonFilter = serde_json::from_str(input).map_err(|e| {
        FilterError::new(ErrorKind::InvalidJson, format!("invalid filter JSON: {e}"), Span::default())
            .expected("a filter object: and, or, not, keyword, or field/op/value")
    })?;
    Ok(Expr::from(&j))
}

fn single(field: &str, op: Op, value: &str) -> Expr {
    Expr::Cond {
        field: Spanned::unspanned(field.to_string()),
        op: Spanned::unspanned(op),
        value: Value::Single { text: Spanned::unspanned(value.to_string()), quoted: value_needs_quotes(value) },
    }
}

impl From<&JsonFilter> for Expr {
    fn from(j: &JsonFilter) -> Expr {
        match j {
            JsonFilter::And(a) => Expr::And(a.and.iter().map(Expr::from).collect()),
            JsonFilter::Or(o) => Expr::Or(o.or.iter().map(Expr::from).collect()),
            JsonFilter::Not(n) => Expr::Not(Box::new(Expr::from(&*n.not))),
            JsonFilter::Keyword(k) => Expr::keyword(k.keyword.clone()),
            JsonFilter::Cond(c) => match c {
                JsonCond::Match { field, value } => single(field, Op::Colon, value),
                JsonCond::Eq { field, value } => single(field, Op::Eq, value),
                JsonCond::Ne { field, value } => single(field, Op::Ne, value),
                JsonCond::Lt { field, value } => single(field, Op::Lt, value),
                JsonCond::Le { field, value } => single(field, Op::Le, value),
                JsonCond::Gt { field, value } => single(field, Op::Gt, value),
                JsonCond::Ge { field, value } => single(field, Op::Ge, value),
                JsonCond::In { field, values } => Expr::Cond {
                    field: Spanned::unspanned(field.clone()),
                    op: Spanned::unspanned(Op::Colon),
                    value: Value::List(values.iter().map(|v| Spanned::unspanned(v.clone())).collect()),
                },
                JsonCond::Between { field, from, to } => Expr::Cond {
                    field: Spanned::unspanned(field.clone()),
                    op: Spanned::unspanned(Op::Colon),
                    value: Value::Range {
                        lo: from.clone().map(Spanned::unspanned),
                        hi: to.clone().map(Spanned::unspanned),
                    },
                },
            },
        }
    }
}

impl From<JsonFilter> for Expr {
    fn from(j: JsonFilter) -> Expr {
        Expr::from(&j)
    }
}

impl From<&Expr> for JsonFilter {
    /// Total conversion. Quoting flags and spans are dropped; a list or range
    /// under an operator other than `:` (which neither the parser nor JSON
    /// produce) is rendered as `in`/`between`.
    fn from(e: &Expr) -> JsonFilter {
        match e {
            Expr::And(v) => JsonFilter::And(JsonAnd { and: v.iter().map(JsonFilter::from).collect() }),
            Expr::Or(v) => JsonFilter::Or(JsonOr { or: v.iter().map(JsonFilter::from).collect() }),
            Expr::Not(inner) => JsonFilter::Not(JsonNot { not: Box::new(JsonFilter::from(&**inner)) }),
            Expr::Keyword { text, .. } => JsonFilter::Keyword(JsonKeyword { keyword: text.node.clone() }),
            Expr::Cond { field, op, value } => {
                let field = field.node.clone();
                JsonFilter::Cond(match value {
                    Value::Single { text, .. } => {
                        let value = text.node.clone();
                        match op.node {
                            Op::Colon => JsonCond::Match { field, value },
                            Op::Eq => JsonCond::Eq { field, value },
                            Op::Ne => JsonCond::Ne { field, value },
                            Op::Lt => JsonCond::Lt { field, value },
                            Op::Le => JsonCond::Le { field, value },
                            Op::Gt => JsonCond::Gt { field, value },
                            Op::Ge => JsonCond::Ge { field, value },
                        }
                    }
                    Value::List(items) => {
                        JsonCond::In { field, values: items.iter().map(|i| i.node.clone()).collect() }
                    }
                    Value::Range { lo, hi } => JsonCond::Between {
                        field,
                        from: lo.as_ref().map(|s| s.node.clone()),
                        to: hi.as_ref().map(|s| s.node.clone()),
                    },
                })
            }
        }
    }
}

impl From<Expr> for JsonFilter {
    fn from(e: Expr) -> JsonFilter {
        JsonFilter::from(&e)
    }
}

impl Expr {
    /// The JSON form of this tree.
    pub fn to_json(&self) -> JsonFilter {
        JsonFilter::from(self)
    }
}

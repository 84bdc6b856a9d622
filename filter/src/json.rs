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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

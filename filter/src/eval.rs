//! Reference evaluator: the exact semantics core's SQL must reproduce.
//!
//! # Row values
//!
//! [`Row::get`] returns the value of a field by its canonical name as a
//! [`FieldValue`]: `Null`, `Text`, `Int(i64)`, `Float(f64)`, `Bool`,
//! `Date(NaiveDate)` (a calendar day) or `DateTime(i64)` (milliseconds since
//! the Unix epoch, UTC), or `List` of values (a field with several, such
//! as the staff members in charge of a client: a condition holds when one
//! value satisfies it; `Ne` when there is a value and none equals; an
//! empty list is `Null`).
//!
//! # Semantics (per condition; `v` = row value)
//!
//! * `Null` (and any value of a variant the condition cannot compare, e.g.
//!   `Text` for a number condition) never matches a condition — including
//!   `Ne` and `DayRange`.
//! * `Not(c)` matches exactly when `c` does not match; so `NOT status:active`
//!   **matches rows whose status is NULL**, whereas `status!=active` does not.
//!   (SQL: `NOT COALESCE(<c>, FALSE)`, or an explicit `col IS NULL OR ...`.)
//! * `And([])` is true, `Or([])` is false.
//! * `Contains(n)`: `v` is `Text(s)` and `fold(s)` contains `n` (`n` is
//!   already folded; the empty needle matches every non-null text).
//! * `Eq(Text(n))` / `Ne(Text(n))`: `v` is `Text(s)` and `fold(s) == n` / `!= n`.
//! * `Eq/Ne/Lt/Le/Gt/Ge` with `Int(i)`: `v` is `Int(x)` → integer comparison;
//!   `v` is `Float(x)` → `x` compared with `i as f64`.
//!   With `Float(f)`: `v` is `Int(x)` → `x as f64` compared with `f`; `Float(x)` → float
//!   comparison (NaN never matches, not even `Ne`).
//! * `Eq/Ne(Bool(b))`: `v` is `Bool(x)` → `x == b`; `v` is `Int(x)` → `(x != 0) == b`.
//! * `Eq/Ne(Enum(e))`: `v` is `Text(s)` and `s == e` byte for byte (canonical value, no folding).
//! * `Eq/Ne(Id(i))`: `v` is `Text(s)` and `s == i` byte for byte, or `v` is
//!   `Int(x)` and `x.to_string() == i`.
//! * `In(list)`: some element matches as `Eq`.
//! * `DayRange{start, end}`: `v` is `Date(d)` with `start <= d < end`; or `v` is
//!   `DateTime(ms)` with `day_start(start) <= ms < day_start(end)` where
//!   `day_start(day)` is the instant (ms UTC) the day begins in the list's
//!   time zone (UTC midnight with [`eval`]; pass your own with [`eval_with`]).
//!   Absent bounds are unbounded.
//! * `Keyword(k)`: the caller's predicate, called with the folded keyword.

use chrono::NaiveDate;

use crate::text::fold;
use crate::typed::{Scalar, Typed, TypedOp};

/// A field value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// No value.
    Null,
    /// Text (compared folded for text fields, exactly for enum/id fields).
    Text(String),
    /// Integer.
    Int(i64),
    /// Float.
    Float(f64),
    /// Boolean.
    Bool(bool),
    /// Calendar day.
    Date(NaiveDate),
    /// Instant, milliseconds since the Unix epoch (UTC).
    DateTime(i64),
    /// Several values (the staff members in charge of a client): a
    /// condition holds when one of them satisfies it, except `Ne`, which
    /// holds when there is one and none equals the value (so `Ne` is `Eq`'s
    /// complement among rows that have values, as for single values). An
    /// empty list is `Null`.
    List(Vec<FieldValue>),
}

/// A row to evaluate a filter against.
pub trait Row {
    /// The value of the field with this canonical name (`Null` if absent).
    fn get(&self, field: &str) -> FieldValue;
}

impl<S: std::hash::BuildHasher> Row for std::collections::HashMap<String, FieldValue, S> {
    fn get(&self, field: &str) -> FieldValue {
        std::collections::HashMap::get(self, field).cloned().unwrap_or(FieldValue::Null)
    }
}

/// Milliseconds since the epoch of UTC midnight starting `day`.
pub fn utc_day_start(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0).map_or(0, |dt| dt.and_utc().timestamp_millis())
}

/// Evaluates with date-times bucketed by UTC days.
pub fn eval(filter: &Typed, row: &dyn Row, keyword: &dyn Fn(&str) -> bool) -> bool {
    eval_with(filter, row, keyword, &utc_day_start)
}

/// Evaluates; `day_start(d)` gives the instant (ms UTC) day `d` begins in the list's time zone.
pub fn eval_with(
    filter: &Typed,
    row: &dyn Row,
    keyword: &dyn Fn(&str) -> bool,
    day_start: &dyn Fn(NaiveDate) -> i64,
) -> bool {
    match filter {
        Typed::And(v) => v.iter().all(|f| eval_with(f, row, keyword, day_start)),
        Typed::Or(v) => v.iter().any(|f| eval_with(f, row, keyword, day_start)),
        Typed::Not(f) => !eval_with(f, row, keyword, day_start),
        Typed::Keyword(k) => keyword(k),
        Typed::Cond(c) => cond(&c.op, &row.get(&c.field), day_start),
    }
}

fn cond(op: &TypedOp, v: &FieldValue, day_start: &dyn Fn(NaiveDate) -> i64) -> bool {
    use std::cmp::Ordering::*;
    if let FieldValue::List(items) = v {
        return match op {
            TypedOp::Ne(s) => !items.is_empty() && items.iter().all(|x| compare(x, s) != Some(Equal)),
            _ => items.iter().any(|x| cond(op, x, day_start)),
        };
    }
    match op {
        TypedOp::Contains(n) => matches!(v, FieldValue::Text(s) if fold(s).contains(n.as_str())),
        TypedOp::Eq(s) => compare(v, s) == Some(Equal),
        TypedOp::Ne(s) => matches!(compare(v, s), Some(Less | Greater)),
        TypedOp::Lt(s) => compare(v, s) == Some(Less),
        TypedOp::Le(s) => matches!(compare(v, s), Some(Less | Equal)),
        TypedOp::Gt(s) => compare(v, s) == Some(Greater),
        TypedOp::Ge(s) => matches!(compare(v, s), Some(Greater | Equal)),
        TypedOp::In(list) => list.iter().any(|s| compare(v, s) == Some(Equal)),
        TypedOp::DayRange { start, end } => match v {
            FieldValue::Date(d) => start.is_none_or(|s| *d >= s) && end.is_none_or(|e| *d < e),
            FieldValue::DateTime(ms) => {
                start.is_none_or(|s| *ms >= day_start(s)) && end.is_none_or(|e| *ms < day_start(e))
            }
            _ => false,
        },
    }
}

/// `Some(ordering of row value vs scalar)` when comparable, `None` otherwise.
/// Text/enum/id/bool only ever yield `Equal` or `Less` (meaning "different").
fn compare(v: &FieldValue, s: &Scalar) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering::*;
    let eq = |b: bool| Some(if b { Equal } else { Less });
    match (v, s) {
        (FieldValue::Null, _) => None,
        (FieldValue::Text(x), Scalar::Text(n)) => eq(fold(x) == *n),
        (FieldValue::Text(x), Scalar::Enum(e)) => eq(x == e),
        (FieldValue::Text(x), Scalar::Id(i)) => eq(x == i),
        (FieldValue::Int(x), Scalar::Id(i)) => eq(x.to_string() == *i),
        (FieldValue::Int(x), Scalar::Int(i)) => Some(x.cmp(i)),
        (FieldValue::Float(x), Scalar::Int(i)) => x.partial_cmp(&(*i as f64)),
        (FieldValue::Int(x), Scalar::Float(f)) => (*x as f64).partial_cmp(f),
        (FieldValue::Float(x), Scalar::Float(f)) => x.partial_cmp(f),
        (FieldValue::Bool(x), Scalar::Bool(b)) => eq(x == b),
        (FieldValue::Int(x), Scalar::Bool(b)) => eq((*x != 0) == *b),
        _ => None,
    }
}

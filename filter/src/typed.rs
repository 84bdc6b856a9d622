//! Type checking: [`Expr`] + [`Registry`] + [`DateContext`] → [`Typed`].

use chrono::NaiveDate;
use serde::Serialize;

use crate::ast::{Expr, Op, Span, Spanned, Value};
use crate::dates::{DateContext, resolve_date};
use crate::error::{ErrorKind, FilterError};
use crate::parser::{Limits, too_deep};
use crate::registry::{FieldDef, FieldType, NumberKind, Registry};
use crate::text::fold;

/// A typed value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scalar {
    /// Text, already [`fold`]ed.
    Text(String),
    /// Integer (fields of [`NumberKind::Int`]).
    Int(i64),
    /// Float (fields of [`NumberKind::Float`]); never NaN or infinite.
    Float(f64),
    /// Boolean.
    Bool(bool),
    /// Canonical enum value ([`crate::EnumValue::value`]), compared exactly.
    Enum(String),
    /// Identifier, as written, compared exactly.
    Id(String),
}

/// A typed operation. See the crate docs, "Evaluation semantics".
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypedOp {
    /// Text only: folded column contains the (folded) needle.
    Contains(String),
    /// Equality (text: folded equality).
    Eq(Scalar),
    /// Non-null and not equal (text: folded).
    Ne(Scalar),
    /// Numbers only.
    Lt(Scalar),
    /// Numbers only.
    Le(Scalar),
    /// Numbers only.
    Gt(Scalar),
    /// Numbers only.
    Ge(Scalar),
    /// Equal to any (Number, Bool, Enum, Id; never empty).
    In(Vec<Scalar>),
    /// Date/DateTime: the day is in `[start, end)`; `None` = unbounded (never both `None`).
    DayRange {
        /// First day included.
        start: Option<NaiveDate>,
        /// First day excluded.
        end: Option<NaiveDate>,
    },
}

/// A typed condition on one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    /// Canonical field name ([`FieldDef::name`]).
    pub field: String,
    /// The field's type.
    pub ty: FieldType,
    /// What to test.
    pub op: TypedOp,
    /// Where the condition was written.
    pub span: Span,
}

/// A checked filter, ready to compile to SQL or to evaluate.
///
/// `And(vec![])` is true (the empty filter), `Or(vec![])` is false.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Typed {
    /// All must match.
    And(Vec<Typed>),
    /// Any must match.
    Or(Vec<Typed>),
    /// Exactly the rows where the inner filter does not match.
    Not(Box<Typed>),
    /// A field condition.
    Cond(Condition),
    /// Keyword search term, [`fold`]ed (a phrase keeps its inner spaces).
    Keyword(String),
}

/// Checks a tree with the default [`Limits`].
pub fn check(expr: &Expr, registry: &Registry, dates: &DateContext) -> Result<Typed, FilterError> {
    check_with_limits(expr, registry, dates, &Limits::default())
}

/// Checks a tree: limits (depth, terms, list items), fields, operators, values.
pub fn check_with_limits(
    expr: &Expr,
    registry: &Registry,
    dates: &DateContext,
    limits: &Limits,
) -> Result<Typed, FilterError> {
    let mut c = Checker { reg: registry, dates, limits, terms: 0 };
    c.expr(expr, 0)
}

struct Checker<'a> {
    reg: &'a Registry,
    dates: &'a DateContext,
    limits: &'a Limits,
    terms: usize,
}

type Res<T> = Result<T, FilterError>;

fn invalid(msg: String, span: Span) -> FilterError {
    FilterError::new(ErrorKind::InvalidValue, msg, span)
}

/// Does a (folded) keyword hold a letter or a digit — something the
/// keyword index can match? The same test as the word split of the search
/// (`char::is_alphanumeric`).
fn has_word(keyword: &str) -> bool {
    fold(keyword).chars().any(char::is_alphanumeric)
}

fn ops_list(ops: &[Op]) -> String {
    ops.iter().map(|o| format!("`{}`", o.as_str())).collect::<Vec<_>>().join(", ")
}

impl Checker<'_> {
    fn expr(&mut self, e: &Expr, depth: usize) -> Res<Typed> {
        let here = match e {
            Expr::And(_) | Expr::Or(_) | Expr::Not(_) => depth + 1,
            _ => depth,
        };
        if here > self.limits.max_depth {
            return Err(too_deep(self.limits, e.span()));
        }
        match e {
            Expr::And(v) => Ok(Typed::And(v.iter().map(|x| self.expr(x, here)).collect::<Res<_>>()?)),
            Expr::Or(v) => Ok(Typed::Or(v.iter().map(|x| self.expr(x, here)).collect::<Res<_>>()?)),
            Expr::Not(x) => Ok(Typed::Not(Box::new(self.expr(x, here)?))),
            Expr::Keyword { text, .. } => {
                self.term(text.span)?;
                let k = fold(&text.node);
                if k.trim().is_empty() {
                    return Err(invalid("empty keyword".into(), text.span).expected("a word or a phrase"));
                }
                // A keyword matches words of letters and digits; one with
                // none ("🥐", "-") would match every row.
                if !has_word(&k) {
                    return Err(invalid(format!("keyword `{}` has no letter or digit", text.node), text.span)
                        .expected("a word with a letter or a digit"));
                }
                Ok(Typed::Keyword(k))
            }
            Expr::Cond { field, op, value } => {
                self.term(e.span())?;
                self.cond(field, op, value, e.span())
            }
        }
    }

    fn term(&mut self, span: Span) -> Res<()> {
        self.terms += 1;
        if self.terms > self.limits.max_terms {
            return Err(FilterError::new(
                ErrorKind::TooManyTerms,
                format!("too many terms; at most {} conditions and keywords are allowed", self.limits.max_terms),
                span,
            ));
        }
        Ok(())
    }

    fn cond(&mut self, field: &Spanned<String>, op: &Spanned<Op>, value: &Value, span: Span) -> Res<Typed> {
        let def = self.field(field)?;
        let allowed = def.allowed_ops();
        let shape_op = match value {
            Value::Single { .. } => op.node,
            _ => Op::Colon,
        };
        if !allowed.contains(&op.node) || !allowed.contains(&shape_op) {
            return Err(FilterError::new(
                ErrorKind::OperatorNotAllowed,
                format!("operator `{}` is not allowed on `{}` ({})", op.node.as_str(), field.node, def.ty.describe()),
                op.span,
            )
            .expected(ops_list(&allowed)));
        }
        let mk = |op: TypedOp| Typed::Cond(Condition { field: def.name.clone(), ty: def.ty.clone(), op, span });
        match value {
            Value::Single { text, .. } => self.single(def, op.node, text).map(mk),
            Value::List(items) => {
                if items.is_empty() {
                    return Err(invalid("empty list".into(), span).expected("at least one value"));
                }
                if items.len() > self.limits.max_list_items {
                    return Err(FilterError::new(
                        ErrorKind::TooManyItems,
                        format!("too many list items; at most {} are allowed", self.limits.max_list_items),
                        items[self.limits.max_list_items].span,
                    ));
                }
                match def.ty {
                    FieldType::Text | FieldType::Date | FieldType::DateTime => {
                        Ok(Typed::Or(items.iter().map(|i| self.single(def, Op::Colon, i).map(mk)).collect::<Res<_>>()?))
                    }
                    _ => {
                        let mut out = Vec::with_capacity(items.len());
                        for i in items {
                            if let TypedOp::Eq(s) = self.single(def, Op::Eq, i)? {
                                out.push(s);
                            }
                        }
                        Ok(mk(TypedOp::In(out)))
                    }
                }
            }
            Value::Range { lo, hi } => {
                if lo.is_none() && hi.is_none() {
                    return Err(
                        invalid("a range needs at least one end".into(), span).expected("`a..b`, `a..` or `..b`")
                    );
                }
                match def.ty {
                    FieldType::Number(_) => {
                        let mut parts = Vec::new();
                        if let Some(lo) = lo {
                            parts.push(mk(self.single(def, Op::Ge, lo)?));
                        }
                        if let Some(hi) = hi {
                            parts.push(mk(self.single(def, Op::Le, hi)?));
                        }
                        Ok(if parts.len() == 1 { parts.remove(0) } else { Typed::And(parts) })
                    }
                    FieldType::Date | FieldType::DateTime => {
                        let start = lo.as_ref().map(|s| self.date(s)).transpose()?.map(|r| r.start);
                        let end = hi.as_ref().map(|s| self.date(s)).transpose()?.map(|r| r.end);
                        Ok(mk(TypedOp::DayRange { start, end }))
                    }
                    _ => Err(FilterError::new(
                        ErrorKind::OperatorNotAllowed,
                        format!("a range `a..b` is not allowed on `{}` ({})", field.node, def.ty.describe()),
                        op.span.join(span),
                    )
                    .expected("a range on a number or date field")),
                }
            }
        }
    }

    fn field(&self, field: &Spanned<String>) -> Res<&FieldDef> {
        match self.reg.lookup(&field.node) {
            Some(d) if d.filterable => Ok(d),
            Some(d) => Err(FilterError::new(
                ErrorKind::NotFilterable,
                format!("`{}` cannot be used in filters", d.name),
                field.span,
            )),
            None => {
                let mut e =
                    FilterError::new(ErrorKind::UnknownField, format!("unknown field `{}`", field.node), field.span)
                        .expected("a field of this list");
                if let Some(s) = self.reg.suggest(&field.node) {
                    e.message = format!("unknown field `{}`; did you mean `{s}`?", field.node);
                    e = e.suggest(format!("did you mean `{s}`?"));
                }
                Err(e)
            }
        }
    }

    fn date(&self, v: &Spanned<String>) -> Res<crate::dates::DayRange> {
        resolve_date(&v.node, self.dates).ok_or_else(|| {
            invalid(format!("`{}` is not a date", v.node), v.span)
                .expected("a date `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or a relative date such as `last-30-days`")
        })
    }

    /// One value under one operator (already known to be allowed).
    fn single(&self, def: &FieldDef, op: Op, v: &Spanned<String>) -> Res<TypedOp> {
        let s = &v.node;
        let scalar = |sc: Scalar| -> TypedOp {
            match op {
                Op::Colon | Op::Eq => TypedOp::Eq(sc),
                Op::Ne => TypedOp::Ne(sc),
                Op::Lt => TypedOp::Lt(sc),
                Op::Le => TypedOp::Le(sc),
                Op::Gt => TypedOp::Gt(sc),
                Op::Ge => TypedOp::Ge(sc),
            }
        };
        match &def.ty {
            FieldType::Text => Ok(match op {
                Op::Colon => TypedOp::Contains(fold(s)),
                _ => scalar(Scalar::Text(fold(s))),
            }),
            FieldType::Number(kind) => {
                let t = s.trim();
                let sc = match kind {
                    NumberKind::Int => t.parse::<i64>().ok().map(Scalar::Int),
                    NumberKind::Float => parse_float(t).map(Scalar::Float),
                };
                let sc = sc.ok_or_else(|| {
                    invalid(format!("`{s}` is not a number"), v.span).expected(match kind {
                        NumberKind::Int => "a whole number such as `42`",
                        NumberKind::Float => "a number such as `12.5` or `12,5`",
                    })
                })?;
                Ok(scalar(sc))
            }
            FieldType::Bool => {
                let b = match fold(s.trim()).as_str() {
                    "oui" | "yes" | "true" | "vrai" | "1" | "o" | "y" => true,
                    "non" | "no" | "false" | "faux" | "0" | "n" => false,
                    _ => {
                        return Err(invalid(format!("`{s}` is not yes or no"), v.span)
                            .expected("`oui`, `non`, `yes`, `no`, `true`, `false`"));
                    }
                };
                Ok(scalar(Scalar::Bool(b)))
            }
            FieldType::Enum { values } => {
                let hit = values.iter().find(|ev| ev.accepts(s));
                match hit {
                    Some(ev) => Ok(scalar(Scalar::Enum(ev.value.clone()))),
                    None => Err(invalid(format!("`{s}` is not a value of `{}`", def.name), v.span)
                        .expected(values.iter().map(|ev| format!("`{}`", ev.value)).collect::<Vec<_>>().join(", "))),
                }
            }
            FieldType::Id => {
                if s.is_empty() {
                    return Err(invalid("empty identifier".into(), v.span).expected("an identifier"));
                }
                Ok(scalar(Scalar::Id(s.clone())))
            }
            FieldType::Date | FieldType::DateTime => {
                let r = self.date(v)?;
                let (start, end) = match op {
                    Op::Colon | Op::Eq => (Some(r.start), Some(r.end)),
                    Op::Ge => (Some(r.start), None),
                    Op::Gt => (Some(r.end), None),
                    Op::Lt => (None, Some(r.start)),
                    Op::Le => (None, Some(r.end)),
                    Op::Ne => {
                        return Err(FilterError::new(
                            ErrorKind::OperatorNotAllowed,
                            "operator `!=` is not allowed on dates; use `-field:value`",
                            v.span,
                        ));
                    }
                };
                Ok(TypedOp::DayRange { start, end })
            }
        }
    }
}

/// `12`, `-3.5`, `12,5` (decimal comma); finite only.
fn parse_float(t: &str) -> Option<f64> {
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'-' | b'+' | b'e' | b'E')) {
        return None;
    }
    let f: f64 = t.replacen(',', ".", 1).parse().ok()?;
    f.is_finite().then_some(f)
}

//! The untyped syntax tree produced by the parser (and by the JSON form), and
//! its canonical text rendering [`to_text`].

use serde::{Deserialize, Serialize};

/// A byte range `[start, end)` into the filter text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// `Span { start, end }`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// A node with the span of the text it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Spanned<T> {
    /// The node.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `node`.
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }

    /// Wraps `node` with the default span `{0,0}` (trees built from JSON or code).
    pub fn unspanned(node: T) -> Self {
        Spanned { node, span: Span::default() }
    }
}

/// A comparison operator as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// `:` — "matches": contains for text, equality for other types, the day
    /// range for dates; the only operator accepting a list or a range.
    Colon,
    /// `=` (or `:=`) — exact (folded) equality.
    Eq,
    /// `!=` (or `:!=`).
    Ne,
    /// `<` (or `:<`).
    Lt,
    /// `<=` (or `:<=`).
    Le,
    /// `>` (or `:>`).
    Gt,
    /// `>=` (or `:>=`).
    Ge,
}

impl Op {
    /// The canonical text form (`:`, `=`, `!=`, `<`, `<=`, `>`, `>=`).
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Colon => ":",
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// The value of a condition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Value {
    /// One value, bare (`active`) or quoted (`"Jean Côté"`, `quoted = true`).
    Single {
        /// The value, unescaped.
        text: Spanned<String>,
        /// Whether it was written between double quotes.
        quoted: bool,
    },
    /// `(a,b,c)` — any of (only after `:`).
    List(Vec<Spanned<String>>),
    /// `a..b`, `..b`, `a..` — inclusive of both written ends (only after `:`);
    /// at least one side is present in parsed trees.
    Range {
        /// Lower end.
        lo: Option<Spanned<String>>,
        /// Upper end.
        hi: Option<Spanned<String>>,
    },
}

/// The untyped filter tree.
///
/// An empty `And` is "everything" (it is what the empty filter parses to);
/// an empty `Or` is "nothing". The parser never produces one-element
/// `And`/`Or` nodes nor empty ones except the top-level empty filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Expr {
    /// All must match (juxtaposition or `AND`).
    And(Vec<Expr>),
    /// Any must match (`OR`).
    Or(Vec<Expr>),
    /// Must not match (`-term` or `NOT term`).
    Not(Box<Expr>),
    /// `field op value`.
    Cond {
        /// Field name or alias as written.
        field: Spanned<String>,
        /// Operator as written.
        op: Spanned<Op>,
        /// Value(s).
        value: Value,
    },
    /// A bare word (`hélène`) or a quoted phrase (`"Jean Côté"`, `quoted = true`):
    /// keyword search, semantics owned by the caller's search index.
    Keyword {
        /// The word or phrase, unescaped.
        text: Spanned<String>,
        /// Whether it was written between double quotes.
        quoted: bool,
    },
}

impl Expr {
    /// The span covering the whole node, from its first to its last spanned
    /// token (`{0,0}` for empty groups). Iterative: safe on any depth.
    pub fn span(&self) -> Span {
        let (mut first, mut last) = (self, self);
        loop {
            match first {
                Expr::Not(e) => first = e,
                Expr::And(v) | Expr::Or(v) if !v.is_empty() => first = &v[0],
                _ => break,
            }
        }
        loop {
            match last {
                Expr::Not(e) => last = e,
                Expr::And(v) | Expr::Or(v) if !v.is_empty() => last = &v[v.len() - 1],
                _ => break,
            }
        }
        match (first.leaf_span(), last.leaf_span()) {
            (Some(a), Some(b)) => a.join(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => Span::default(),
        }
    }

    fn leaf_span(&self) -> Option<Span> {
        match self {
            Expr::Cond { field, op, value } => {
                let mut s = field.span.join(op.span);
                match value {
                    Value::Single { text, .. } => s = s.join(text.span),
                    Value::List(items) => {
                        for i in items {
                            s = s.join(i.span);
                        }
                    }
                    Value::Range { lo, hi } => {
                        for i in lo.iter().chain(hi.iter()) {
                            s = s.join(i.span);
                        }
                    }
                }
                Some(s)
            }
            Expr::Keyword { text, .. } => Some(text.span),
            _ => None,
        }
    }

    /// A copy with every span set to `{0,0}`: compare trees ignoring spans with
    /// `a.without_spans() == b.without_spans()`.
    pub fn without_spans(&self) -> Expr {
        fn s(x: &Spanned<String>) -> Spanned<String> {
            Spanned::unspanned(x.node.clone())
        }
        match self {
            Expr::And(v) => Expr::And(v.iter().map(Expr::without_spans).collect()),
            Expr::Or(v) => Expr::Or(v.iter().map(Expr::without_spans).collect()),
            Expr::Not(e) => Expr::Not(Box::new(e.without_spans())),
            Expr::Cond { field, op, value } => Expr::Cond {
                field: s(field),
                op: Spanned::unspanned(op.node),
                value: match value {
                    Value::Single { text, quoted } => Value::Single { text: s(text), quoted: *quoted },
                    Value::List(items) => Value::List(items.iter().map(s).collect()),
                    Value::Range { lo, hi } => Value::Range { lo: lo.as_ref().map(s), hi: hi.as_ref().map(s) },
                },
            },
            Expr::Keyword { text, quoted } => Expr::Keyword { text: s(text), quoted: *quoted },
        }
    }

    /// Tree depth: `And`, `Or` and `Not` nodes count one level each, leaves zero.
    pub fn depth(&self) -> usize {
        match self {
            Expr::And(v) | Expr::Or(v) => 1 + v.iter().map(Expr::depth).max().unwrap_or(0),
            Expr::Not(e) => 1 + e.depth(),
            _ => 0,
        }
    }

    /// A keyword with quoting decided by [`keyword_needs_quotes`].
    pub fn keyword(text: impl Into<String>) -> Expr {
        let text = text.into();
        let quoted = keyword_needs_quotes(&text);
        Expr::Keyword { text: Spanned::unspanned(text), quoted }
    }
}

pub(crate) fn is_stop(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')' || c == '"'
}

/// Length in bytes of a field name at the start of `s` if it is immediately
/// followed by an operator (`:`, `=`, `!=`, `<`, `>`), i.e. if `s` starts a
/// condition. Field names: a letter or `_`, then letters, digits, `_`, `.`, `-`.
pub(crate) fn condition_field_len(s: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_alphabetic() || c == '_' => {}
        _ => return None,
    }
    for (i, c) in chars {
        if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' {
            continue;
        }
        let rest = &s[i..];
        if rest.starts_with([':', '=', '<', '>']) || rest.starts_with("!=") {
            return Some(i);
        }
        return None;
    }
    None
}

/// Whether a keyword must be quoted to be read back as the same keyword.
pub fn keyword_needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.chars().any(is_stop)
        || s.starts_with('-')
        || matches!(s, "AND" | "OR" | "NOT")
        || condition_field_len(s).is_some()
}

/// Whether a single condition value must be quoted to be read back unchanged.
pub fn value_needs_quotes(s: &str) -> bool {
    s.is_empty() || s.chars().any(is_stop) || s.contains("..") || s.starts_with(['=', '<', '>']) || s.starts_with("!=")
}

pub(crate) fn range_lo_needs_quotes(s: &str) -> bool {
    value_needs_quotes(s) || s.ends_with('.')
}

pub(crate) fn range_hi_needs_quotes(s: &str) -> bool {
    s.is_empty() || s.chars().any(is_stop) || s.contains("..")
}

pub(crate) fn list_item_needs_quotes(s: &str) -> bool {
    s.is_empty() || s.chars().any(is_stop) || s.contains(',')
}

/// `"..."` with `\` and `"` escaped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn maybe_quote(s: &str, force: bool, needs: fn(&str) -> bool) -> String {
    if force || needs(s) { quote(s) } else { s.to_string() }
}

/// Renders a tree as filter text that [`crate::parse`] reads back to an equal
/// tree (ignoring spans), for every tree the parser can produce.
///
/// Canonical form: terms separated by one space, `OR` between alternatives,
/// `-` for negation, nested `And`/`Or` groups parenthesised where needed,
/// operators written right after the field (`amount>=10`, `status:active`),
/// values quoted when they were quoted or when they would not read back
/// unchanged. Field names are written as they are (they must be identifiers).
pub fn to_text(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(expr, &mut out, true);
    out
}

fn write_expr(e: &Expr, out: &mut String, top: bool) {
    match e {
        Expr::And(v) if v.is_empty() => {
            if !top {
                out.push_str("()");
            }
        }
        Expr::Or(v) if v.is_empty() => out.push_str("()"),
        Expr::And(v) => {
            for (i, c) in v.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_child(c, out, matches!(c, Expr::And(_) | Expr::Or(_)));
            }
        }
        Expr::Or(v) => {
            for (i, c) in v.iter().enumerate() {
                if i > 0 {
                    out.push_str(" OR ");
                }
                write_child(c, out, matches!(c, Expr::Or(_)) || is_empty_group(c));
            }
        }
        Expr::Not(inner) => {
            out.push('-');
            write_child(inner, out, matches!(**inner, Expr::And(_) | Expr::Or(_)));
        }
        Expr::Cond { field, op, value } => {
            out.push_str(&field.node);
            out.push_str(op.node.as_str());
            match value {
                Value::Single { text, quoted } => out.push_str(&maybe_quote(&text.node, *quoted, value_needs_quotes)),
                Value::List(items) => {
                    out.push('(');
                    for (i, it) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(&maybe_quote(&it.node, false, list_item_needs_quotes));
                    }
                    out.push(')');
                }
                Value::Range { lo, hi } => {
                    if let Some(lo) = lo {
                        out.push_str(&maybe_quote(&lo.node, false, range_lo_needs_quotes));
                    }
                    out.push_str("..");
                    if let Some(hi) = hi {
                        out.push_str(&maybe_quote(&hi.node, false, range_hi_needs_quotes));
                    }
                }
            }
        }
        Expr::Keyword { text, quoted } => out.push_str(&maybe_quote(&text.node, *quoted, keyword_needs_quotes)),
    }
}

fn is_empty_group(e: &Expr) -> bool {
    matches!(e, Expr::And(v) | Expr::Or(v) if v.is_empty())
}

fn write_child(e: &Expr, out: &mut String, parens: bool) {
    if parens && !is_empty_group(e) {
        out.push('(');
        write_expr(e, out, false);
        out.push(')');
    } else {
        write_expr(e, out, false);
    }
}

//! Recursive-descent parser for the text syntax (grammar in the crate docs).

use crate::ast::{Expr, Op, Span, Spanned, Value, condition_field_len, is_stop, value_needs_quotes};
use crate::error::{ErrorKind, FilterError};

/// Limits enforced while parsing (text) and checking (any tree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Maximum input length in bytes (text and JSON). Default 2,000.
    pub max_len: usize,
    /// Maximum nesting: neither the nesting of parentheses and negations in
    /// the text, nor the `And`/`Or`/`Not` depth of the tree, may exceed it. Default 16.
    pub max_depth: usize,
    /// Maximum number of conditions plus keywords. Default 64.
    pub max_terms: usize,
    /// Maximum items in one list `(a,b,...)`. Default 100.
    pub max_list_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_len: 2_000, max_depth: 16, max_terms: 64, max_list_items: 100 }
    }
}

/// Parses filter text with the default [`Limits`].
pub fn parse(input: &str) -> Result<Expr, FilterError> {
    parse_with_limits(input, &Limits::default())
}

/// Parses filter text. The empty (or all-blank) filter is `Expr::And(vec![])`.
pub fn parse_with_limits(input: &str, limits: &Limits) -> Result<Expr, FilterError> {
    if input.len() > limits.max_len {
        let mut cut = limits.max_len;
        while !input.is_char_boundary(cut) {
            cut -= 1;
        }
        return Err(FilterError::new(
            ErrorKind::TooLong,
            format!("the filter is {} bytes long; at most {} are allowed", input.len(), limits.max_len),
            Span::new(cut, input.len()),
        ));
    }
    let mut p = Parser { src: input, pos: 0, nesting: 0, terms: 0, limits };
    p.skip_ws();
    if p.eof() {
        return Ok(Expr::And(Vec::new()));
    }
    let (e, _) = p.parse_or()?;
    p.skip_ws();
    if !p.eof() {
        return Err(p.unexpected("the end of the filter"));
    }
    Ok(e)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    nesting: usize,
    terms: usize,
    limits: &'a Limits,
}

/// Which bare-token rules apply.
#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    /// A single value or the lower end of a range: stops at `..`.
    Value,
    /// The upper end of a range: stops at `..`.
    RangeHi,
    /// A list item: stops at `,`.
    ListItem,
}

type Res<T> = Result<T, FilterError>;

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }
    fn eof(&self) -> bool {
        self.pos >= self.src.len()
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    /// The bare word at the cursor (up to whitespace, parentheses or `"`).
    fn bare_word_len(&self) -> usize {
        self.rest().find(is_stop).unwrap_or(self.rest().len())
    }

    fn at_word(&self, w: &str) -> bool {
        let n = self.bare_word_len();
        &self.rest()[..n] == w
    }

    /// The span of the token at the cursor (a bare word, or one character).
    fn token_span(&self) -> Span {
        let n = self.bare_word_len();
        let n = if n == 0 { self.peek().map_or(0, char::len_utf8) } else { n };
        Span::new(self.pos, self.pos + n)
    }

    fn token_text(&self) -> &'a str {
        let s = self.token_span();
        &self.src[s.start..s.end]
    }

    /// "unexpected X" at the cursor, or "unexpected end" at the end.
    fn unexpected(&self, expected: &str) -> FilterError {
        if self.eof() {
            FilterError::new(
                ErrorKind::UnexpectedEnd,
                format!("unexpected end of filter; expected {expected}"),
                Span::new(self.pos, self.pos),
            )
            .expected(expected)
        } else {
            FilterError::new(
                ErrorKind::UnexpectedToken,
                format!("unexpected `{}`; expected {expected}", self.token_text()),
                self.token_span(),
            )
            .expected(expected)
        }
    }

    fn enter(&mut self, span: Span) -> Res<()> {
        self.nesting += 1;
        if self.nesting > self.limits.max_depth {
            return Err(too_deep(self.limits, span));
        }
        Ok(())
    }

    fn check_tree_depth(&self, depth: usize, span: Span) -> Res<()> {
        if depth > self.limits.max_depth { Err(too_deep(self.limits, span)) } else { Ok(()) }
    }

    fn count_term(&mut self, span: Span) -> Res<()> {
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

    /// or_expr = and_expr { "OR" and_expr }. Returns the tree and its depth.
    fn parse_or(&mut self) -> Res<(Expr, usize)> {
        let (first, mut depth) = self.parse_and()?;
        let mut items = vec![first];
        loop {
            self.skip_ws();
            if !self.at_word("OR") {
                break;
            }
            let op_span = self.token_span();
            self.pos = op_span.end;
            self.skip_ws();
            if self.eof() || self.peek() == Some(')') || self.at_word("OR") {
                return Err(self.unexpected("a term after `OR`"));
            }
            let (e, d) = self.parse_and()?;
            depth = depth.max(d);
            items.push(e);
        }
        if items.len() == 1 {
            return Ok((items.pop().unwrap_or(Expr::And(Vec::new())), depth));
        }
        let e = Expr::Or(items);
        self.check_tree_depth(depth + 1, e.span())?;
        Ok((e, depth + 1))
    }

    /// and_expr = unary { ["AND"] unary }.
    fn parse_and(&mut self) -> Res<(Expr, usize)> {
        let (first, mut depth) = self.parse_unary()?;
        let mut items = vec![first];
        loop {
            self.skip_ws();
            if self.eof() || self.peek() == Some(')') || self.at_word("OR") {
                break;
            }
            if self.at_word("AND") {
                self.pos = self.token_span().end;
                self.skip_ws();
                if self.eof() || self.peek() == Some(')') || self.at_word("OR") || self.at_word("AND") {
                    return Err(self.unexpected("a term after `AND`"));
                }
            }
            let (e, d) = self.parse_unary()?;
            depth = depth.max(d);
            items.push(e);
        }
        if items.len() == 1 {
            return Ok((items.pop().unwrap_or(Expr::And(Vec::new())), depth));
        }
        let e = Expr::And(items);
        self.check_tree_depth(depth + 1, e.span())?;
        Ok((e, depth + 1))
    }

    /// unary = ("-" | "NOT") unary | primary.
    fn parse_unary(&mut self) -> Res<(Expr, usize)> {
        self.skip_ws();
        let neg_span = if self.peek() == Some('-') {
            let after = self.rest()[1..].chars().next();
            match after {
                Some(c) if !c.is_whitespace() && c != ')' => Some(Span::new(self.pos, self.pos + 1)),
                _ => {
                    self.pos += 1;
                    self.skip_ws();
                    return Err(self.unexpected("a term right after `-`"));
                }
            }
        } else if self.at_word("NOT") {
            Some(self.token_span())
        } else {
            None
        };
        if let Some(span) = neg_span {
            self.pos = span.end;
            self.enter(span)?;
            self.skip_ws();
            if self.eof() || self.peek() == Some(')') || self.at_word("OR") || self.at_word("AND") {
                let what = &self.src[span.start..span.end];
                return Err(self.unexpected(&format!("a term after `{what}`")));
            }
            let (e, d) = self.parse_unary()?;
            self.nesting -= 1;
            self.check_tree_depth(d + 1, span)?;
            return Ok((Expr::Not(Box::new(e)), d + 1));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Res<(Expr, usize)> {
        match self.peek() {
            None => Err(self.unexpected("a term")),
            Some('(') => {
                let open = Span::new(self.pos, self.pos + 1);
                self.pos += 1;
                self.enter(open)?;
                self.skip_ws();
                if self.peek() == Some(')') {
                    return Err(self.unexpected("a term inside `( )`"));
                }
                let (e, d) = self.parse_or()?;
                self.skip_ws();
                if self.peek() != Some(')') {
                    let mut err = self.unexpected("`)`");
                    if self.eof() {
                        err.message = "unclosed `(`; expected `)`".into();
                        err.span = open;
                    }
                    return Err(err);
                }
                self.pos += 1;
                self.nesting -= 1;
                Ok((e, d))
            }
            Some(')') => Err(self.unexpected("a term")),
            Some('"') => {
                let start = self.pos;
                let text = self.quoted()?;
                let span = Span::new(start, self.pos);
                self.count_term(span)?;
                Ok((Expr::Keyword { text: Spanned::new(text, span), quoted: true }, 0))
            }
            Some(_) => {
                if let Some(n) = condition_field_len(self.rest()) {
                    return self.condition(n).map(|e| (e, 0));
                }
                let span = self.token_span();
                let word = &self.src[span.start..span.end];
                if word == "AND" || word == "OR" {
                    return Err(self.unexpected("a term"));
                }
                self.pos = span.end;
                self.count_term(span)?;
                Ok((Expr::Keyword { text: Spanned::new(word.to_string(), span), quoted: false }, 0))
            }
        }
    }

    /// Reads `"..."` at the cursor, returning the unescaped content.
    fn quoted(&mut self) -> Res<String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.src[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => out.push(e),
                    Some((j, e)) => {
                        let s = self.pos + i;
                        let end = self.pos + j + e.len_utf8();
                        return Err(FilterError::new(
                            ErrorKind::InvalidEscape,
                            format!("invalid escape `\\{e}` in quotes; only `\\\"` and `\\\\` are allowed"),
                            Span::new(s, end),
                        )
                        .expected("`\\\"` or `\\\\`"));
                    }
                    None => break,
                },
                c => out.push(c),
            }
        }
        self.pos = self.src.len();
        Err(FilterError::new(
            ErrorKind::UnterminatedQuote,
            "unterminated quote; expected a closing `\"`",
            Span::new(start, self.src.len()),
        )
        .expected("`\"`"))
    }

    /// Reads one scalar (quoted or bare) in the given context.
    fn scalar(&mut self, ctx: Ctx, after: &str) -> Res<Spanned<String>> {
        let start = self.pos;
        if self.peek() == Some('"') {
            let text = self.quoted()?;
            return Ok(Spanned::new(text, Span::new(start, self.pos)));
        }
        let rest = self.rest();
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            let stop = is_stop(c)
                || match ctx {
                    Ctx::Value | Ctx::RangeHi => rest[i..].starts_with(".."),
                    Ctx::ListItem => c == ',',
                };
            if stop {
                end = i;
                break;
            }
        }
        if end == 0 {
            return Err(self.unexpected(&format!("a value after `{after}`")));
        }
        let text = &rest[..end];
        if ctx == Ctx::Value && value_needs_quotes(text) {
            // Only possible for values starting with an operator character.
            return Err(FilterError::new(
                ErrorKind::UnexpectedToken,
                format!("unexpected `{text}`; a value starting with an operator character must be quoted"),
                Span::new(start, start + end),
            )
            .expected(format!("a value after `{after}`"))
            .suggest(format!("write {}", crate::ast::quote(text))));
        }
        self.pos += end;
        Ok(Spanned::new(text.to_string(), Span::new(start, self.pos)))
    }

    /// condition = field op value; `n` = byte length of the field name.
    fn condition(&mut self, n: usize) -> Res<Expr> {
        let fstart = self.pos;
        let field = Spanned::new(self.src[fstart..fstart + n].to_string(), Span::new(fstart, fstart + n));
        self.pos += n;
        let ostart = self.pos;
        let rest = self.rest();
        let (op, len) = if let Some(r) = rest.strip_prefix(':') {
            match cmp_op(r) {
                Some((op, l)) => (op, 1 + l),
                None => (Op::Colon, 1),
            }
        } else {
            cmp_op(rest).unwrap_or((Op::Colon, 1))
        };
        self.pos += len;
        let op = Spanned::new(op, Span::new(ostart, self.pos));
        let cond_span = Span::new(fstart, self.pos);
        self.count_term(cond_span)?;
        let after = &self.src[fstart..self.pos];
        let value = match self.peek() {
            None => return Err(self.unexpected(&format!("a value after `{after}`"))),
            Some(c) if c.is_whitespace() || c == ')' => {
                let mut e = self.unexpected(&format!("a value after `{after}`"));
                e.message = format!("expected a value after `{after}`");
                e.span = Span::new(self.pos, self.pos);
                return Err(e);
            }
            Some('(') => {
                if op.node != Op::Colon {
                    return Err(FilterError::new(
                        ErrorKind::UnexpectedToken,
                        format!("a list `(a,b)` can only follow `:`, not `{}`", op.node.as_str()),
                        Span::new(self.pos, self.pos + 1),
                    )
                    .expected(format!("a value after `{after}`")));
                }
                self.list(after)?
            }
            Some(_) => {
                let lo = if self.rest().starts_with("..") { None } else { Some(self.scalar(Ctx::Value, after)?) };
                if self.rest().starts_with("..") {
                    let dots = Span::new(self.pos, self.pos + 2);
                    self.pos += 2;
                    let hi = match self.peek() {
                        Some(c) if !is_stop(c) || c == '"' => Some(self.scalar(Ctx::RangeHi, "..")?),
                        _ => None,
                    };
                    if lo.is_none() && hi.is_none() {
                        return Err(FilterError::new(
                            ErrorKind::UnexpectedToken,
                            "a range needs at least one end: `a..b`, `a..` or `..b`",
                            dots,
                        )
                        .expected("a value before or after `..`"));
                    }
                    if op.node != Op::Colon {
                        return Err(FilterError::new(
                            ErrorKind::UnexpectedToken,
                            format!("a range `a..b` can only follow `:`, not `{}`", op.node.as_str()),
                            dots,
                        )
                        .expected("`:` before a range"));
                    }
                    Value::Range { lo, hi }
                } else {
                    let text = lo.unwrap_or_else(|| Spanned::unspanned(String::new()));
                    let quoted = self.src[text.span.start..].starts_with('"');
                    Value::Single { text, quoted }
                }
            }
        };
        Ok(Expr::Cond { field, op, value })
    }

    fn list(&mut self, after: &str) -> Res<Value> {
        let open = Span::new(self.pos, self.pos + 1);
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            let item = self.scalar(Ctx::ListItem, if items.is_empty() { after } else { "," })?;
            items.push(item);
            if items.len() > self.limits.max_list_items {
                return Err(FilterError::new(
                    ErrorKind::TooManyItems,
                    format!("too many list items; at most {} are allowed", self.limits.max_list_items),
                    items[items.len() - 1].span,
                ));
            }
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok(Value::List(items));
                }
                None => {
                    let mut e = self.unexpected("`,` or `)`");
                    e.message = "unclosed list; expected `,` or `)`".into();
                    e.span = open;
                    return Err(e);
                }
                Some(_) => return Err(self.unexpected("`,` or `)`")),
            }
        }
    }
}

fn cmp_op(s: &str) -> Option<(Op, usize)> {
    for (t, op) in [(">=", Op::Ge), ("<=", Op::Le), ("!=", Op::Ne), (">", Op::Gt), ("<", Op::Lt), ("=", Op::Eq)] {
        if s.starts_with(t) {
            return Some((op, t.len()));
        }
    }
    None
}

pub(crate) fn too_deep(limits: &Limits, span: Span) -> FilterError {
    FilterError::new(
        ErrorKind::TooDeep,
        format!("the filter is nested too deeply; at most {} levels are allowed", limits.max_depth),
        span,
    )
}

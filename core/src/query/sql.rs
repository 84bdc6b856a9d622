//! Compiles a checked filter ([`Typed`]) and a list request to one
//! parameterised SQL statement per backend.
//!
//! Every leaf compiles to an expression that is never NULL
//! (`col IS NOT NULL AND ...`), so `AND`, `OR` and `NOT` keep two-valued
//! logic and `NOT c` matches exactly the rows `c` does not — the semantics of
//! the reference evaluator (`clientele_filter::eval`). User values only ever
//! travel as bound parameters.

use chrono::NaiveDate;
use clientele_filter::{Scalar, Typed, TypedOp};

use super::fields::{Col, Field};
use crate::domain::CustomFieldType;

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// SQL text with its parameters, for one backend.
pub(crate) struct Sql {
    pub pg: bool,
    pub text: String,
    pub binds: Vec<Bind>,
    /// Where each bind's placeholder (`?`, `$n`) stands in `text`, in bind
    /// order: the store's prepared statements let diesel write them.
    pub marks: Vec<(usize, usize)>,
    /// Which of `binds` are row counts (`Sql::limit`, PostgreSQL).
    pub limits: Vec<usize>,
    /// Whether the row counts are written in even beside other values
    /// (PostgreSQL; see [`Sql::limit`]): set by the plan for statements
    /// whose values do not choose their shape (no keyword search).
    pub literal_limits: bool,
    /// Whether a keyword-index match is bound ([`index_match_on`]): its
    /// row counts stay bound whatever the plan says.
    pub keyword_bound: bool,
    /// Whether the row counts are written in whatever else is bound and
    /// under either plan mode (PostgreSQL's one-statement search of a large
    /// list, `query/pg.rs`): its arms are chosen at run time, so its custom
    /// plans cost every arm at its worst and `auto` took the generic plan
    /// after five executions, where a bound count is a tenth of the table:
    /// the walk arm became a sequential scan and a sort (interactions
    /// « reer cotisation 4 » at size L: 3 ms custom, 4.5 s warm and 26 s cold
    /// generic; measured in psql, 2026-12-06).
    pub limits_written: bool,
    /// How many rows the statement is expected to answer (a page's cut:
    /// its size and one more), for the reader to set aside room once;
    /// 0 when unknown.
    pub expect_rows: usize,
}

impl Sql {
    pub(crate) fn new(pg: bool) -> Sql {
        Sql {
            pg,
            text: String::with_capacity(512),
            binds: Vec::new(),
            marks: Vec::new(),
            limits: Vec::new(),
            literal_limits: false,
            keyword_bound: false,
            limits_written: false,
            expect_rows: 0,
        }
    }

    /// The same statement behind `prefix` (`EXPLAIN …`).
    pub(crate) fn prefixed(&self, prefix: &str) -> Sql {
        let n = prefix.len();
        Sql {
            pg: self.pg,
            text: format!("{prefix}{}", self.text),
            binds: self.binds.clone(),
            marks: self.marks.iter().map(|(a, b)| (a + n, b + n)).collect(),
            limits: self.limits.clone(),
            literal_limits: self.literal_limits,
            keyword_bound: self.keyword_bound,
            limits_written: self.limits_written,
            expect_rows: self.expect_rows,
        }
    }

    pub(crate) fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends another statement of the same backend as a part of this
    /// one, its placeholders renumbered after this one's (PostgreSQL's
    /// `$n`; casts kept as written).
    pub(crate) fn append(&mut self, other: &Sql) -> &mut Self {
        debug_assert_eq!(self.pg, other.pg);
        let offset = self.binds.len();
        self.limits.extend(other.limits.iter().map(|i| i + offset));
        self.keyword_bound |= other.keyword_bound;
        let mut at = 0;
        for (b, (start, end)) in other.binds.iter().zip(&other.marks) {
            self.text.push_str(&other.text[at..*start]);
            self.binds.push(b.clone());
            let mark = self.text.len();
            if self.pg {
                self.text.push_str(&format!("${}", self.binds.len()));
            } else {
                self.text.push('?');
            }
            self.marks.push((mark, self.text.len()));
            at = *end;
        }
        self.text.push_str(&other.text[at..]);
        self
    }

    /// Appends a placeholder for `b`.
    pub(crate) fn bind(&mut self, b: Bind) -> &mut Self {
        self.binds.push(b);
        let start = self.text.len();
        if self.pg {
            let n = self.binds.len();
            // Casts make the types explicit for PostgreSQL's planner.
            let cast = match self.binds[n - 1] {
                Bind::Text(_) => "::text",
                Bind::Int(_) => "::bigint",
                Bind::Float(_) => "::float8",
                Bind::Bool(_) => "::boolean",
            };
            self.text.push_str(&format!("${n}"));
            self.marks.push((start, self.text.len()));
            self.text.push_str(cast);
        } else {
            self.text.push('?');
            self.marks.push((start, self.text.len()));
        }
        self
    }

    pub(crate) fn bind_text(&mut self, s: impl Into<String>) -> &mut Self {
        self.bind(Bind::Text(s.into()))
    }

    pub(crate) fn bind_int(&mut self, i: i64) -> &mut Self {
        self.bind(Bind::Int(i))
    }

    /// A row count the engine computed (a page size plus one, a count's
    /// cap), after `LIMIT `. Only an `i64` is ever written here.
    ///
    /// - SQLite: written as a literal. Bound, the planner read it when it
    ///   prepared the statement and marked the statement to be prepared
    ///   again at every new binding of it (`sqlite3Reprepare`, 23 % of a
    ///   list page's time, profiled); as a literal the statement is cached
    ///   once per page size.
    /// - PostgreSQL: bound, and written as a literal when the statement
    ///   runs (`store::prepared`) if it has no other value. With no value
    ///   to bind there is no plan to choose: the statement is planned once
    ///   per connection instead of a custom plan at every execution (0.12
    ///   of a clients page's 0.8 ms, the server's log). Beside other
    ///   values it is written in only under generic plans (a list page
    ///   without a filter, `engine::generic_plans`) and when the plan says its
    ///   values do not shape the statement ([`Sql::literal_limits`], no
    ///   keyword bound): a bound count hides the page's size from the
    ///   generic plan, which then guesses a tenth of the matches. Under
    ///   PostgreSQL's `auto` mode it stays bound: a written count flips
    ///   `auto`'s choice between generic and custom plans unpredictably
    ///   (a timeline's deep page went from generic plans at 0.16 ms to a
    ///   custom plan at every execution, 0.56 ms; a filtered clients page
    ///   the other way), and a known count could make the generic plan
    ///   look cheap enough to replace the custom plans of keyword searches
    ///   (forced generic plans lost 100× on some, see BENCHMARKS.md,
    ///   2026-12-03). The one-statement search of interactions and
    ///   transfers is the exception: there `auto` chose the generic plan
    ///   with the count bound, so its counts are always written in
    ///   ([`Sql::limits_written`]).
    pub(crate) fn limit(&mut self, n: i64) -> &mut Self {
        if self.pg {
            self.limits.push(self.binds.len());
            self.bind_int(n)
        } else {
            self.push(&n.to_string())
        }
    }

    /// Whether every value of the statement is a row count (PostgreSQL),
    /// to be written as literals (see [`Sql::limit`]).
    pub(crate) fn only_limits(&self) -> bool {
        self.pg && self.limits.len() == self.binds.len()
    }

    /// Whether bind `i` is written in as a literal when the statement runs
    /// (a row count, see [`Sql::limit`]) under generic plans (`generic`,
    /// PostgreSQL's `force_generic_plan`) or not.
    pub(crate) fn writes_in(&self, i: usize, generic: bool) -> bool {
        self.pg
            && self.limits.contains(&i)
            && (self.only_limits() || self.limits_written || (generic && self.literal_limits && !self.keyword_bound))
    }
}

/// Turns a day into the instant (UTC ms) it begins in the firm's zone.
pub(crate) type DayStart<'a> = &'a dyn Fn(NaiveDate) -> i64;

/// What a keyword compiles against: the list's keyword index.
pub(crate) struct KeywordIndex {
    /// `clients`, `contacts`, `interactions` or `transfers`.
    pub table: &'static str,
}

pub(crate) struct Compiler<'a> {
    pub fields: &'a [Field],
    pub day_start: DayStart<'a>,
    pub index: KeywordIndex,
}

impl Compiler<'_> {
    /// Appends `filter` as a boolean SQL expression.
    pub(crate) fn filter(&self, sql: &mut Sql, filter: &Typed) {
        match filter {
            Typed::And(v) | Typed::Or(v) if v.is_empty() => {
                sql.push(if matches!(filter, Typed::And(_)) { "(1=1)" } else { "(1=0)" });
            }
            Typed::And(v) => {
                // The keywords of one AND go to the index as one query:
                // "dossier 4242" is one MATCH of both words, not a first
                // MATCH of every row holding "dossier" intersected with a
                // second.
                let keywords: Vec<String> = v
                    .iter()
                    .filter_map(|x| match x {
                        Typed::Keyword(k) => keyword_query(k, sql.pg),
                        _ => None,
                    })
                    .collect();
                let others: Vec<&Typed> = v.iter().filter(|x| !matches!(x, Typed::Keyword(_))).collect();
                sql.push("(");
                let mut first = true;
                if !keywords.is_empty() {
                    let and = if sql.pg { " & " } else { " AND " };
                    let q = keywords.iter().map(|k| format!("({k})")).collect::<Vec<_>>().join(and);
                    self.index_match(sql, q);
                    first = false;
                }
                for x in others {
                    if !first {
                        sql.push(" AND ");
                    }
                    self.filter(sql, x);
                    first = false;
                }
                if first {
                    sql.push("1=1");
                }
                sql.push(")");
            }
            Typed::Or(v) => {
                sql.push("(");
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        sql.push(" OR ");
                    }
                    self.filter(sql, x);
                }
                sql.push(")");
            }
            Typed::Not(x) => {
                sql.push("(NOT ");
                self.filter(sql, x);
                sql.push(")");
            }
            Typed::Keyword(k) => self.keyword(sql, k),
            Typed::Cond(c) => {
                let field = self.fields.iter().find(|f| f.def.name == c.field).expect("checked against this registry");
                match &field.col {
                    Col::Assigned(role) => assigned_cond(sql, role.as_deref(), &c.op),
                    Col::Tags { table, key } => tags_cond(sql, table, key, &c.op),
                    // The interactions whose follow-up satisfies it: one
                    // probe of the follow-ups' index, not a subquery per
                    // interaction (none: not in it, as NULL is not).
                    Col::FollowUp(inner) => {
                        sql.push("(t.id IN (SELECT f.interaction_id FROM follow_ups f WHERE ");
                        self.cond(sql, inner, &c.op);
                        sql.push("))");
                    }
                    col => self.cond(sql, col, &c.op),
                }
            }
        }
    }

    /// A keyword: every word of it is a prefix of a word of the record, or
    /// (for "d'amours", "jean-françois") its joined form is.
    fn keyword(&self, sql: &mut Sql, k: &str) {
        match keyword_query(k, sql.pg) {
            Some(q) => self.index_match(sql, q),
            None => {
                sql.push("(1=1)");
            }
        }
    }

    /// The rows whose index text matches an index query.
    fn index_match(&self, sql: &mut Sql, q: String) {
        index_match_on(sql, self.index.table, "t", q);
    }

    fn cond(&self, sql: &mut Sql, col: &Col, op: &TypedOp) {
        // Appends the value expression (with its own binds, if any).
        let rebind = |sql: &mut Sql| value(sql, col);
        sql.push("(");
        rebind(sql);
        sql.push(" IS NOT NULL AND ");
        match op {
            TypedOp::Contains(n) => {
                let f = if sql.pg { "strpos(" } else { "instr(" };
                sql.push(f);
                rebind(sql);
                sql.push(", ").bind_text(n.clone()).push(") > 0");
            }
            TypedOp::Eq(s) | TypedOp::Ne(s) | TypedOp::Lt(s) | TypedOp::Le(s) | TypedOp::Gt(s) | TypedOp::Ge(s) => {
                let sym = match op {
                    TypedOp::Eq(_) => "=",
                    TypedOp::Ne(_) => "<>",
                    TypedOp::Lt(_) => "<",
                    TypedOp::Le(_) => "<=",
                    TypedOp::Gt(_) => ">",
                    _ => ">=",
                };
                match scalar_bind(col, s) {
                    Some(b) => {
                        rebind(sql);
                        sql.push(&format!(" {sym} ")).bind(b);
                    }
                    // An id that no stored integer can equal ("007").
                    None => {
                        sql.push(if matches!(op, TypedOp::Ne(_)) { "1=1" } else { "1=0" });
                    }
                }
            }
            TypedOp::In(list) => {
                let binds: Vec<Bind> = list.iter().filter_map(|s| scalar_bind(col, s)).collect();
                if binds.is_empty() {
                    sql.push("1=0");
                } else {
                    rebind(sql);
                    sql.push(" IN (");
                    for (i, b) in binds.into_iter().enumerate() {
                        if i > 0 {
                            sql.push(", ");
                        }
                        sql.bind(b);
                    }
                    sql.push(")");
                }
            }
            TypedOp::DayRange { start, end } => {
                sql.push("1=1");
                let iso = matches!(col, Col::Iso(_) | Col::Custom { ty: CustomFieldType::Date, .. })
                    || matches!(col, Col::FollowUp(inner) if matches!(**inner, Col::Iso(_)));
                for (bound, sym) in [(start, " >= "), (end, " < ")] {
                    if let Some(d) = bound {
                        sql.push(" AND ");
                        rebind(sql);
                        sql.push(sym);
                        if iso {
                            sql.bind_text(d.format("%Y-%m-%d").to_string());
                        } else {
                            sql.bind_int((self.day_start)(*d));
                        }
                    }
                }
            }
        }
        sql.push(")");
    }
}

/// The rows of `table` (as `alias`) whose index text matches an index query:
/// on SQLite through the FTS5 table, on PostgreSQL through the GIN index on
/// `to_tsvector('simple', search_text)`.
pub(crate) fn index_match_on(sql: &mut Sql, table: &str, alias: &str, q: String) {
    sql.keyword_bound = true;
    if sql.pg {
        sql.push(&format!("(to_tsvector('simple', {alias}.search_text) @@ to_tsquery('simple', "))
            .bind_text(q)
            .push("))");
    } else {
        sql.push(&format!("({alias}.id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH "))
            .bind_text(q)
            .push("))");
    }
}

/// [`index_match_on`] read within ids `lo..=hi` (SQLite: FTS5 seeks a
/// rowid range in each word's list; `query/window.rs`).
pub(crate) fn index_match_within(sql: &mut Sql, table: &str, alias: &str, q: String, lo: i64, hi: i64) {
    debug_assert!(!sql.pg, "windows are SQLite's");
    sql.keyword_bound = true;
    sql.push(&format!("({alias}.id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH "))
        .bind_text(q)
        .push(" AND rowid BETWEEN ")
        .bind_int(lo)
        .push(" AND ")
        .bind_int(hi)
        .push("))");
}

/// The index query of several keywords that must all match (`None`: none
/// of them has a word).
pub(crate) fn keywords_query(keywords: &[String], pg: bool) -> Option<String> {
    let parts: Vec<String> = keywords.iter().filter_map(|k| keyword_query(k, pg)).collect();
    if parts.is_empty() {
        return None;
    }
    let and = if pg { " & " } else { " AND " };
    Some(parts.iter().map(|k| format!("({k})")).collect::<Vec<_>>().join(and))
}

/// Appends the SQL that reads a field's value.
fn value(sql: &mut Sql, col: &Col) {
    match col {
        Col::Fold(c) | Col::Enum(c) | Col::Int(c) | Col::Id(c) | Col::Ms(c) | Col::Iso(c) | Col::Bool(c) => {
            sql.push(c);
        }
        // Never NULL: a plain boolean.
        Col::Linked => {
            sql.push(
                "(EXISTS (SELECT 1 FROM contact_links l JOIN clients c ON c.id = l.client_id \
                 WHERE l.contact_id = t.id AND c.trash_id IS NULL))",
            );
        }
        Col::Custom { key, ty } => custom_value(sql, key, *ty),
        // Several values: compiled by `assigned_cond`; as one value, the
        // sort key.
        Col::Assigned(role) => assigned_sort_key(sql, role.as_deref()),
        // Several values: compiled by `tags_cond`; as one value, the first
        // code.
        Col::Tags { table, key } => {
            sql.push(&format!("(SELECT MIN(x.tag) FROM {table} x WHERE x.{key} = t.id)"));
        }
        Col::FollowUp(inner) => {
            sql.push("(SELECT ");
            value(sql, inner);
            sql.push(" FROM follow_ups f WHERE f.interaction_id = t.id)");
        }
    }
}

/// `EXISTS` over the client's assignments (in `role`, or any), with an
/// extra condition on `a.staff_id` written by `more`.
fn assigned_exists(sql: &mut Sql, role: Option<&str>, more: impl FnOnce(&mut Sql)) {
    sql.push("EXISTS (SELECT 1 FROM client_assignments a WHERE a.client_id = t.id");
    if let Some(r) = role {
        sql.push(" AND a.role = ").bind_text(r);
    }
    more(sql);
    sql.push(")");
}

/// The clients one of whose people in charge (in `role`, or any) meets
/// the condition on `a.staff_id` written by `more`: `t.id IN (…)`, not a
/// correlated `EXISTS`, so the planner can start from the staff member's
/// assignments (`client_assignments_staff`) instead of probing every
/// client ("assigned:me" on a dashboard: 20,000 probes at size M for a
/// staff member in charge of none).
fn assigned_in(sql: &mut Sql, role: Option<&str>, more: impl FnOnce(&mut Sql)) {
    sql.push("t.id IN (SELECT a.client_id FROM client_assignments a WHERE 1=1");
    more(sql);
    if let Some(r) = role {
        sql.push(" AND a.role = ").bind_text(r);
    }
    sql.push(")");
}

/// A condition on the people in charge of a client (never NULL): `=` and
/// `IN` hold when one of them is that one; `!=` when there is one and
/// none is that one (as the reference evaluator reads a list of values).
fn assigned_cond(sql: &mut Sql, role: Option<&str>, op: &TypedOp) {
    let staff = |s: &Scalar| scalar_bind(&Col::Id("a.staff_id"), s);
    sql.push("(");
    match op {
        TypedOp::Eq(s) => match staff(s) {
            Some(b) => assigned_in(sql, role, |sql| {
                sql.push(" AND a.staff_id = ").bind(b);
            }),
            None => {
                sql.push("1=0");
            }
        },
        TypedOp::In(list) => {
            let binds: Vec<Bind> = list.iter().filter_map(staff).collect();
            if binds.is_empty() {
                sql.push("1=0");
            } else {
                assigned_in(sql, role, |sql| {
                    sql.push(" AND a.staff_id IN (");
                    for (i, b) in binds.into_iter().enumerate() {
                        if i > 0 {
                            sql.push(", ");
                        }
                        sql.bind(b);
                    }
                    sql.push(")");
                });
            }
        }
        TypedOp::Ne(s) => {
            assigned_exists(sql, role, |_| {});
            if let Some(b) = staff(s) {
                sql.push(" AND NOT ");
                assigned_exists(sql, role, |sql| {
                    sql.push(" AND a.staff_id = ").bind(b);
                });
            }
        }
        // An id field takes no other operator.
        _ => {
            sql.push("1=0");
        }
    }
    sql.push(")");
}

/// A condition on the tags of a client or contact (never NULL), as
/// [`assigned_cond`]: `=` and `IN` hold when one tag is that one; `!=`
/// when there is a tag and none is that one. Codes are bound as text.
fn tags_cond(sql: &mut Sql, table: &str, key: &str, op: &TypedOp) {
    let code = |s: &Scalar| match s {
        Scalar::Id(c) => Some(c.clone()),
        _ => None,
    };
    let exists = |sql: &mut Sql, codes: Option<Vec<String>>| {
        sql.push(&format!("EXISTS (SELECT 1 FROM {table} x WHERE x.{key} = t.id"));
        if let Some(codes) = codes {
            sql.push(" AND x.tag IN (");
            for (i, c) in codes.into_iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind_text(c);
            }
            sql.push(")");
        }
        sql.push(")");
    };
    sql.push("(");
    match op {
        TypedOp::Eq(s) => match code(s) {
            Some(c) => exists(sql, Some(vec![c])),
            None => {
                sql.push("1=0");
            }
        },
        TypedOp::In(list) => {
            let codes: Vec<String> = list.iter().filter_map(code).collect();
            if codes.is_empty() {
                sql.push("1=0");
            } else {
                exists(sql, Some(codes));
            }
        }
        TypedOp::Ne(s) => {
            exists(sql, None);
            if let Some(c) = code(s) {
                sql.push(" AND NOT ");
                exists(sql, Some(vec![c]));
            }
        }
        _ => {
            sql.push("1=0");
        }
    }
    sql.push(")");
}

/// The sort key of the people in charge of a client: the folded name of
/// the first of them by name (NULL without any).
/// The SQL that reads a field's value (a sort key).
/// A custom field's value read as `ty` (the sort key reads every text
/// from the folded copy).
pub(crate) fn custom_value_of(sql: &mut Sql, key: &str, ty: CustomFieldType) {
    custom_value(sql, key, ty)
}

pub(crate) fn value_of(sql: &mut Sql, col: &Col) {
    value(sql, col)
}

pub(crate) fn assigned_sort_key(sql: &mut Sql, role: Option<&str>) {
    // The minimum in byte order on both backends, as the sort compares.
    let min = if sql.pg { "MIN(s.name_fold COLLATE \"C\")" } else { "MIN(s.name_fold)" };
    sql.push(&format!(
        "(SELECT {min} FROM client_assignments a JOIN staff s ON s.id = a.staff_id WHERE a.client_id = t.id"
    ));
    if let Some(r) = role {
        sql.push(" AND a.role = ").bind_text(r);
    }
    sql.push(")");
}

/// A firm-defined field read from the interaction's JSON (text from the
/// folded copy, everything else from the raw values); NULL when absent or of
/// another type.
fn custom_value(v: &mut Sql, key: &str, ty: CustomFieldType) {
    let path = format!("$.\"{key}\"");
    let column = if ty == CustomFieldType::Text { "t.custom_fold" } else { "t.custom" };
    if v.pg {
        let (want, cast) = match ty {
            CustomFieldType::Text | CustomFieldType::Date | CustomFieldType::Choice => ("string", "text"),
            CustomFieldType::Number => ("number", "float8"),
            CustomFieldType::YesNo => ("boolean", "boolean"),
        };
        v.push(&format!("(CASE WHEN jsonb_typeof(({column})::jsonb -> "))
            .bind_text(key)
            .push(&format!(") = '{want}' THEN (({column})::jsonb ->> "));
        v.bind_text(key).push(&format!(")::{cast} END)"));
    } else {
        let want = match ty {
            CustomFieldType::Text | CustomFieldType::Date | CustomFieldType::Choice => "'text'",
            CustomFieldType::Number => "'integer', 'real'",
            CustomFieldType::YesNo => "'true', 'false'",
        };
        v.push(&format!("(CASE WHEN json_type({column}, "))
            .bind_text(path.clone())
            .push(&format!(") IN ({want}) THEN json_extract({column}, "));
        v.bind_text(path).push(") END)");
    }
}

/// The bind for a scalar compared with a column; `None` when no stored
/// value can equal it.
fn scalar_bind(col: &Col, s: &Scalar) -> Option<Bind> {
    Some(match s {
        Scalar::Text(t) | Scalar::Enum(t) => Bind::Text(t.clone()),
        Scalar::Int(i) => {
            if matches!(col, Col::Custom { .. }) {
                Bind::Float(*i as f64)
            } else {
                Bind::Int(*i)
            }
        }
        Scalar::Float(f) => Bind::Float(*f),
        Scalar::Bool(b) => Bind::Bool(*b),
        Scalar::Id(i) => {
            // Ids compare as written: "7" equals 7, "007" equals nothing.
            let n: i64 = i.parse().ok()?;
            if n.to_string() != *i {
                return None;
            }
            Bind::Int(n)
        }
    })
}

/// The keyword index query for one keyword, or `None` when it has no
/// words (it then matches everything, as in the reference).
///
/// A keyword shaped like a phone number ([`crate::text::phone_query`])
/// matches whole keys only: its digits as one key (and its extension's), or
/// each of its words whole.
pub(crate) fn keyword_query(k: &str, pg: bool) -> Option<String> {
    let words = keyword_words(k);
    if words.is_empty() {
        return None;
    }
    let term = |w: &str| if pg { format!("{w}:*") } else { format!("\"{w}\"*") };
    let exact = |w: &str| if pg { w.to_string() } else { format!("\"{w}\"") };
    let (and, or) = if pg { (" & ", " | ") } else { (" AND ", " OR ") };
    if let Some(p) = crate::text::phone_query(k) {
        let number = p.digits.iter().map(|d| exact(d)).collect::<Vec<_>>().join(or);
        let number = match &p.extension {
            Some(x) => format!("(({number}){and}{})", exact(x)),
            None => number,
        };
        let all = words.iter().map(|w| exact(w)).collect::<Vec<_>>().join(and);
        return Some(format!("({number}){or}({all})"));
    }
    let all = prefix_words(&words).iter().map(|w| term(w)).collect::<Vec<_>>().join(and);
    if words.len() > 1 { Some(format!("({all}){or}{}", term(&words.concat()))) } else { Some(all) }
}

/// The keyword-index query of a keyword reduced to its longest prefix
/// word (and, for several words, their joined form): a necessary condition
/// of the keyword, with the cost of one prefix term instead of one per
/// word (SQLite's FTS5 merges every term a prefix matches before an `AND`:
/// `"exemple"* AND "ca"*` read 60,000 contacts twice to find
/// `contact4242@exemple.ca`). The second value says whether the query is
/// weaker than [`keyword_query`]: the rows it finds must then be checked
/// ([`super::search::check_sql`]). PostgreSQL keeps the whole query.
pub(crate) fn keyword_probe(k: &str, pg: bool) -> Option<(String, bool)> {
    let words = keyword_words(k);
    let prefix = prefix_words(&words);
    if pg || crate::text::phone_query(k).is_some() || prefix.len() < 2 {
        return keyword_query(k, pg).map(|q| (q, false));
    }
    // The longest word: a longer prefix matches fewer words of the index.
    let mut longest = prefix[0];
    for w in &prefix[1..] {
        if w.chars().count() > longest.chars().count() {
            longest = w;
        }
    }
    Some((format!("(\"{longest}\"*) OR \"{}\"*", words.concat()), true))
}

/// [`keyword_probe`] of every keyword, all required: the query, and
/// whether some keyword was reduced (its rows must then be checked).
pub(crate) fn keywords_probe(keywords: &[String], pg: bool) -> Option<(String, bool)> {
    let parts: Vec<(String, bool)> = keywords.iter().filter_map(|k| keyword_probe(k, pg)).collect();
    if parts.is_empty() {
        return None;
    }
    let reduced = parts.iter().any(|(_, r)| *r);
    let and = if pg { " & " } else { " AND " };
    Some((parts.iter().map(|(k, _)| format!("({k})")).collect::<Vec<_>>().join(and), reduced))
}

/// The words of a keyword: alphanumeric runs of its folded text.
pub(crate) fn keyword_words(k: &str) -> Vec<String> {
    crate::text::fold(k).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// The reference meaning of a keyword over a record's index text.
pub(crate) fn keyword_matches(search_text: &str, k: &str) -> bool {
    let words = keyword_words(k);
    if words.is_empty() {
        return true;
    }
    let tokens: Vec<&str> = search_text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let whole = |w: &str| tokens.contains(&w);
    if let Some(p) = crate::text::phone_query(k) {
        let number = p.digits.iter().any(|d| whole(d)) && p.extension.as_deref().is_none_or(whole);
        return number || words.iter().all(|w| whole(w));
    }
    let has = |w: &str| tokens.iter().any(|t| t.starts_with(w));
    prefix_words(&words).iter().all(|w| has(w)) || (words.len() > 1 && has(&words.concat()))
}

/// The words of a keyword each searched as a prefix: a one-letter word is
/// dropped when the keyword has a longer one (a one-letter prefix matches
/// a large share of every index at a large cost, and adds little: the
/// joined form still carries it, `d'amours` is `amours* OR damours*`).
pub(crate) fn prefix_words(words: &[String]) -> Vec<&String> {
    let long: Vec<&String> = words.iter().filter(|w| w.chars().count() > 1).collect();
    if long.is_empty() { words.iter().collect() } else { long }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_queries_quote_words() {
        // A one-letter word beside a longer one is carried by the joined form.
        assert_eq!(keyword_query("D'Amours", false).unwrap(), "(\"amours\"*) OR \"damours\"*");
        assert_eq!(keyword_query("D'Amours", true).unwrap(), "(amours:*) | damours:*");
        assert_eq!(keyword_query("J.-F.", true).unwrap(), "(j:* & f:*) | jf:*");
        assert_eq!(keyword_query("hélène", false).unwrap(), "\"helene\"*");
        assert!(keyword_query("!!!", false).is_none());
        assert_eq!(
            keyword_query("555-0199 x95", false).unwrap(),
            "(((\"5550199\") AND \"95\")) OR (\"555\" AND \"0199\" AND \"x95\")"
        );
        assert_eq!(keyword_query("+1 514 555 0199", true).unwrap(), "(15145550199) | (1 & 514 & 555 & 0199)");
    }

    /// A keyword of several words asks the index for its longest word or
    /// the words joined (a necessary condition, checked whole afterwards);
    /// one word, a phone number and PostgreSQL keep the whole query.
    #[test]
    fn keyword_probes_keep_the_longest_word() {
        assert_eq!(
            keyword_probe("contact4242@exemple.ca", false).unwrap(),
            ("(\"contact4242\"*) OR \"contact4242exempleca\"*".to_string(), true)
        );
        assert_eq!(keyword_probe("Gagnon-Roy", false).unwrap(), ("(\"gagnon\"*) OR \"gagnonroy\"*".to_string(), true));
        assert_eq!(keyword_probe("D'Amours", false).unwrap(), (keyword_query("D'Amours", false).unwrap(), false));
        assert_eq!(keyword_probe("hélène", false).unwrap(), (keyword_query("hélène", false).unwrap(), false));
        assert_eq!(
            keyword_probe("555-0199 x95", false).unwrap(),
            (keyword_query("555-0199 x95", false).unwrap(), false)
        );
        assert_eq!(keyword_probe("gagnon-roy", true).unwrap(), (keyword_query("gagnon-roy", true).unwrap(), false));
        let (q, reduced) = keywords_probe(&["tremblay".into(), "jean-francois".into()], false).unwrap();
        assert_eq!(q, "(\"tremblay\"*) AND ((\"francois\"*) OR \"jeanfrancois\"*)");
        assert!(reduced);
    }

    #[test]
    fn keyword_reference() {
        let t = crate::text::search_text(["D'Amours, Hélène"], ["(514) 555-0199"], Default::default());
        for k in ["amours", "d'amours", "damours", "helene", "HÉL", "514", "5145", "555-01", "(514)555-0199", "5550199"]
        {
            assert!(keyword_matches(&t, k), "{k}");
        }
        for k in ["amoursx", "0200", "heleneb", "(514)555-0198", "555-0198"] {
            assert!(!keyword_matches(&t, k), "{k}");
        }
    }
}

//! The shape of a keyword search over the large lists (interactions,
//! transfers), where matching every keyword through the keyword index
//! costs what its commonest keyword costs: `dossier*` alone is every
//! interaction (120–155 ms at size M), so `dossier 4242` paid that to find
//! a handful of rows.
//!
//! Before the page statement, one small statement counts how many of the
//! newest [`SAMPLE`] rows (in the list's default order) each keyword
//! matches, and all of them together (`sample_sql`). Then:
//! - **walk** — the keywords together match at least [`WALK_MIN`] of the
//!   sample: the page statement walks the list in its order, checking each
//!   row's index text, and stops at the page (`dossier`, `rel`, `t4`: a few
//!   hundred rows read). A row checks the keywords rarest in the sample
//!   first ([`rarest_first`]), so most rows cost one check;
//! - **walk** as well when the newest rows would drive by a keyword but
//!   the keywords are common over the whole list, only not lately (« t4 »
//!   in December): on SQLite the keyword index counts their words, up to
//!   a cap (`index_count_sql`); on PostgreSQL the server's statistics of
//!   the keyword index know them (`common_by_statistics`, before the
//!   page statement is built);
//! - **driver** — otherwise the rarest keyword goes through the keyword
//!   index and the others are checked on the rows it finds (`dossier
//!   4242`: `4242*` finds a handful);
//! - clients and contacts, ranked (default sort) on SQLite: the page is
//!   read rank after rank (`Plan::ranked_tier_sql`), each cut at what is
//!   left of the page, until it is full. Ranks 2 and 3 are each sampled
//!   just before they are read (`Plan::ranked_sample_sql`), over
//!   [`RANKED_SAMPLE`] rows spread over the id range
//!   ([`ranked_sample_rows`]): of the list for rank 2 (its rows: own text
//!   matches, name and code do not start with the search text), of the
//!   linked table for rank 3 (the records it goes through). Common
//!   keywords walk the name index checking each row's text (rank 2: in the
//!   index itself, which carries the index text) or links (rank 3) and stop
//!   at the page (`exemple`, `jean-françois`); rare ones go through the
//!   keyword index and sort its few rows ([`Ranked`]);
//! - another sort, PostgreSQL's ranked searches, or no search: every
//!   keyword through the index as before.
//!
//! On SQLite, where a shape goes through the keyword index (a driver, the
//! index form of ranks 2 and 3), a keyword of several words (an e-mail,
//! `gagnon-roy`) is asked of the index by its longest word only (or the
//! words joined), and checked whole on the rows found
//! ([`super::sql::keyword_probe`]): FTS5 merges every term a prefix
//! matches before it intersects, so `"exemple"* AND "ca"*` read every
//! contact to find one e-mail. Clients' rank 1 is two statements merged in
//! name order: the name starts with the search text (a walk of the name
//! index, cut at the page), and the code alone does.
//!
//! The check on a row's text ([`check_sql`]) is the reference's
//! [`super::sql::keyword_matches`] written in SQL: the index text is
//! alphanumeric words separated by single spaces (`text::search_text`), so
//! "a word of the text starts with `w`" is `' ' || text` containing
//! `' ' || w`, and "is `w`" is `' ' || text || ' '` containing
//! `' ' || w || ' '`. Whatever the shape, the rows are the reference's.

use super::sql::{Sql, keyword_words, prefix_words};

/// Rows of the sample (the newest, in the list's default order).
pub const SAMPLE: i64 = 400;

/// Matches in the sample from which walking the list beats the index (an
/// expected walk of at most ~7,000 rows for a page of 50, cheaper than a
/// driver keyword that matches 1% of a large list, or a short prefix).
pub const WALK_MIN: u64 = 3;

/// Rows of the sample of a ranked search (clients, contacts: spread over
/// the id range of the table sampled).
pub const RANKED_SAMPLE: i64 = 200;

/// Rank-2 rows in the ranked sample from which walking the name index
/// beats the keyword index: 2% of the list, a walk of ~2,500 rows for a
/// page of 50 (~0.2 µs each, checked in the index itself), where the
/// keyword index would read and sort 1,200 rows of 60,000 (~1.5 µs each).
pub const OWN_WALK_MIN: u64 = 4;

/// Matching linked records in the ranked sample from which walking the
/// name index (each row's links checked, ~1.5–4 µs a row) beats the
/// keyword index: 4% of the linked table.
pub const LINKED_WALK_MIN: u64 = 8;

/// The rows of a ranked sample: `WITH s(k, u) AS (VALUES …)`, stratum `k`
/// of [`RANKED_SAMPLE`] equal parts of a table's id range and a fixed
/// pseudo-random point `u` (ten-thousandths) inside it. A stratified
/// random sample: a plain stride (or one jittered linearly) beats in time
/// with ids assigned in cycles — bulk loads give names by `id % n`, and
/// such a sample saw 5 « tremblay hélène » clients in 200 where there are
/// 0.45% of them — while fixed points keep the shape, and so the time, of
/// a search the same from one request to the next.
pub(crate) fn ranked_sample_rows() -> &'static str {
    static ROWS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        let mut x: u64 = 0x5eed_2026_1206;
        let mut out = String::from("WITH s(k, u) AS (VALUES ");
        for k in 0..RANKED_SAMPLE {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if k > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("({k}, {})", x % 10_000));
        }
        out.push(')');
        out
    })
}

/// How the tiers of a ranked search (clients, contacts) reach their rows;
/// the default is through the keyword index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Ranked {
    /// Rank 2 (own text): walk the name index checking each row's text.
    pub own_walk: bool,
    /// Rank 3 (linked records): walk the name index checking each row's
    /// links.
    pub linked_walk: bool,
}

impl Ranked {
    /// Sets rank `r`'s shape from its sample's count.
    pub(crate) fn set(&mut self, r: i64, count: &str) {
        let n: Option<u64> = count.trim().parse().ok();
        match r {
            2 => self.own_walk = n.is_some_and(|n| n >= OWN_WALK_MIN),
            3 => self.linked_walk = n.is_some_and(|n| n >= LINKED_WALK_MIN),
            _ => {}
        }
    }
}

/// The least string greater than every string that starts with `q` (its
/// last character incremented; code-point order is the byte order of
/// UTF-8, SQLite's `BINARY`): `None` when there is none to write.
pub(crate) fn prefix_upper(q: &str) -> Option<String> {
    let mut chars: Vec<char> = q.chars().collect();
    let last = chars.pop()?;
    let next = (last as u32 + 1..=0x10FFFF).find_map(char::from_u32)?;
    chars.push(next);
    Some(chars.into_iter().collect())
}

/// How the search keywords reach the rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Shape {
    /// Every keyword through the keyword index, in one query.
    #[default]
    Index,
    /// The keyword at this index through the keyword index, the others
    /// checked on the rows it finds.
    Driver(usize),
    /// No index: the rows checked in the list's order.
    Walk,
}

/// `instr` (SQLite) or `strpos` (PostgreSQL) of a bound needle in `hay`.
fn contains(sql: &mut Sql, hay: &str, needle: String) {
    sql.push(if sql.pg { "(strpos(" } else { "(instr(" });
    sql.push(hay).push(", ").bind_text(needle).push(") > 0)");
}

/// The reference meaning of one keyword over `alias.search_text`, in SQL.
pub(crate) fn check_sql(sql: &mut Sql, alias: &str, k: &str) {
    let words = keyword_words(k);
    if words.is_empty() {
        sql.push("(1=1)");
        return;
    }
    let starts = format!("' ' || {alias}.search_text");
    let whole_text = format!("' ' || {alias}.search_text || ' '");
    let has = |sql: &mut Sql, w: &str| contains(sql, &starts, format!(" {w}"));
    let whole = |sql: &mut Sql, w: &str| contains(sql, &whole_text, format!(" {w} "));
    sql.push("(");
    if let Some(p) = crate::text::phone_query(k) {
        // (any form of the number [and the extension]) or every word whole.
        sql.push("((");
        for (i, d) in p.digits.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            whole(sql, d);
        }
        sql.push(")");
        if let Some(x) = &p.extension {
            sql.push(" AND ");
            whole(sql, x);
        }
        sql.push(") OR (");
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                sql.push(" AND ");
            }
            whole(sql, w);
        }
        sql.push(")");
    } else {
        sql.push("(");
        for (i, w) in prefix_words(&words).iter().enumerate() {
            if i > 0 {
                sql.push(" AND ");
            }
            has(sql, w);
        }
        sql.push(")");
        if words.len() > 1 {
            sql.push(" OR ");
            has(sql, &words.concat());
        }
    }
    sql.push(")");
}

/// Every keyword, checked on `alias`'s row.
pub(crate) fn check_all_sql(sql: &mut Sql, alias: &str, keywords: &[String]) {
    sql.push("(1=1");
    for k in keywords {
        sql.push(" AND ");
        check_sql(sql, alias, k);
    }
    sql.push(")");
}

/// The statement counting, in the newest [`SAMPLE`] live rows of `table`
/// by `order`, the rows each keyword matches and the rows all match: one
/// text column `counts`, `n0,n1,…,nall`.
pub(crate) fn sample_sql(pg: bool, table: &str, order: &str, keywords: &[String]) -> Sql {
    let mut sql = Sql::new(pg);
    sql.push("SELECT ");
    counts_sql(&mut sql, keywords);
    // The flags are computed in the limited subquery, which SQLite does
    // not flatten into the aggregate (a subquery with a LIMIT under an
    // aggregate), so each is checked once per row.
    sql.push(" AS counts FROM (SELECT ");
    if keywords.is_empty() {
        sql.push("1 AS f");
    } else {
        flags_sql(&mut sql, "t", keywords);
    }
    sql.push(&format!(" FROM {table} t WHERE t.trash_id IS NULL ORDER BY {order} LIMIT "));
    sql.limit(SAMPLE).push(") s");
    sql
}

/// SQLite, when the newest rows say a keyword is rare: how many rows the
/// keyword index finds, counted up to a cap, for the longest word (as a
/// whole word) of each keyword rare in the newest rows, and for every word
/// of every keyword together; then the cap. One text column `counts`,
/// `c0,…,call,cap`, `-1` for a keyword not counted.
///
/// A common keyword may be missing from the newest rows (« t4 » in
/// December, a firm's last weeks of notes): driving by it read and sorted
/// every match (a third of the interactions at size M, 330–420 ms) where
/// walking the list finds a page within a few thousand rows. A whole word
/// streams through the index (a prefix would merge every word it starts
/// first), so a rare word costs ~0.05 ms and a common one at most its cap:
/// [`INDEX_DENSITY`] of the table (5,000 rows at size M, ~0.5 ms).
/// (Rows spread over the table, as the ranked searches sample, cost
/// 0.4–1.3 ms at size M: each is a page read of its own.)
pub(crate) fn index_count_sql(table: &str, keywords: &[String], newest: &str) -> Option<Sql> {
    let n = parse_counts(keywords, newest)?;
    // Together: every word of every keyword, whole (the longest alone
    // would call `jdoe@gmail.com` common for its `gmail`).
    let mut all: Vec<String> = keywords.iter().flat_map(|k| keyword_words(k)).collect();
    all.sort();
    all.dedup();
    if all.is_empty() {
        return None;
    }
    // An empty table has no id range: the least cap, not a NULL `LIMIT`.
    let cap = format!(
        "max({INDEX_MIN_CAP}, min({INDEX_MAX_CAP}, COALESCE((SELECT MAX(id) FROM {table}) - (SELECT MIN(id) FROM {table}) + 1, 0) / {INDEX_DENSITY}))"
    );
    let mut sql = Sql::new(false);
    sql.push("SELECT ");
    let count = |sql: &mut Sql, query: String| {
        sql.push(&format!("CAST((SELECT count(*) FROM (SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH "));
        sql.bind_text(query).push(&format!(" LIMIT {cap})) AS TEXT) || ','"));
    };
    // Each keyword's own count only chooses among several: one keyword's
    // is the count together.
    for (i, k) in keywords.iter().enumerate() {
        match longest_word(k) {
            Some(w) if n[i] < WALK_MIN && keywords.len() > 1 => count(&mut sql, format!("\"{w}\"")),
            _ => {
                sql.push("'-1,'");
            }
        }
        sql.push(" || ");
    }
    let together: Vec<String> = all.iter().map(|w| format!("\"{w}\"")).collect();
    count(&mut sql, together.join(" AND "));
    // The id range last: what sizes a driven search's windows (`window.rs`).
    sql.push(&format!(
        " || CAST({cap} AS TEXT) || ',' || CAST(COALESCE((SELECT MAX(id) FROM {table}) - (SELECT MIN(id) FROM {table}) + 1, 0) AS TEXT) AS counts"
    ));
    Some(sql)
}

/// What sizes the windows of a search that drives by a keyword
/// (`window.rs`): the index's count of its words together and the id
/// range, from [`index_count_sql`]'s answer; `None` when the count reached
/// its cap (such a search walks) or the answer is not one.
pub(crate) fn window_hint(keywords: &[String], index: &str) -> Option<super::window::Hint> {
    let k = keywords.len();
    let c: Vec<i64> = index.split(',').filter_map(|x| x.trim().parse().ok()).collect();
    if c.len() != k + 3 || c[k] >= c[k + 1] {
        return None;
    }
    Some(super::window::Hint { matches: c[k], range: c[k + 2] })
}

/// A keyword's longest word (the first among equals): the one a keyword
/// index finds fewest rows for.
fn longest_word(k: &str) -> Option<String> {
    keyword_words(k).into_iter().rev().max_by_key(|w| w.chars().count())
}

/// The share of a table a whole word must be found in (one row in this
/// many) for a search to walk the list rather than drive by it: a page of
/// 50 is then found within ~10,000 rows, where the index would read and
/// sort at least 5,000 (at size M).
pub const INDEX_DENSITY: i64 = 200;
/// Bounds of the count's cap ([`index_count_sql`]).
pub const INDEX_MIN_CAP: i64 = 50;
/// See [`INDEX_MIN_CAP`].
pub const INDEX_MAX_CAP: i64 = 20_000;

/// `n0 || ',' || … || ',' || nall` over rows aliased `s` whose flags
/// `f0`, `f1`, … (1 or 0: the row matches keyword `i`) [`flags_sql`]
/// wrote: every keyword is checked once per row, and "all of them" is the
/// flags' product, not a second round of checks.
fn counts_sql(sql: &mut Sql, keywords: &[String]) {
    for i in 0..=keywords.len() {
        if i > 0 {
            sql.push(" || ',' || ");
        }
        sql.push("CAST(COALESCE(SUM(");
        if i < keywords.len() {
            sql.push(&format!("s.f{i}"));
        } else if keywords.is_empty() {
            sql.push("1");
        } else {
            let all: Vec<String> = (0..keywords.len()).map(|j| format!("s.f{j}")).collect();
            sql.push(&all.join(" * "));
        }
        sql.push("), 0) AS TEXT)");
    }
}

/// The flags [`counts_sql`] sums, checked on `alias`'s row: `CASE WHEN
/// <keyword i matches> THEN 1 ELSE 0 END AS fi`, comma-separated.
fn flags_sql(sql: &mut Sql, alias: &str, keywords: &[String]) {
    for (i, k) in keywords.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("CASE WHEN ");
        check_sql(sql, alias, k);
        sql.push(&format!(" THEN 1 ELSE 0 END AS f{i}"));
    }
}

/// The keywords' indices, the rarest in the sample first (`counts` as
/// [`sample_sql`] answers it; ties in the keywords' order): the order in
/// which a row checks them, so that most rows are given up after the first
/// check. The keywords' own order when `counts` does not parse.
pub(crate) fn rarest_first(keywords: &[String], counts: &str) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keywords.len()).collect();
    if let Some(n) = parse_counts(keywords, counts) {
        order.sort_by_key(|&i| (n[i], i));
    }
    order
}

fn parse_counts(keywords: &[String], counts: &str) -> Option<Vec<u64>> {
    let n: Vec<u64> = counts.split(',').filter_map(|x| x.trim().parse().ok()).collect();
    (n.len() == keywords.len() + 1).then_some(n)
}

/// PostgreSQL: whether the keywords together are common over the whole
/// list (in at least one row in [`INDEX_DENSITY`]) by the server's
/// statistics of the keyword index (`lexemes`: its most common words and
/// the share of rows holding each, `pg_stats.most_common_elems`): a
/// keyword's share is the product over its words of the shares of the
/// common words each starts (at most 1), the keywords' the product of
/// theirs. A word missing from the statistics is rare: no walk. (SQLite
/// counts through its keyword index instead, [`index_count_sql`]; a GIN
/// index reads every match before it answers a count, and a sample of
/// rows spread over the table cost 2–5 ms at size M, one page read each.)
pub(crate) fn common_by_statistics(keywords: &[String], lexemes: &[(String, f64)]) -> bool {
    let mut share = 1.0;
    let mut any = false;
    for k in keywords {
        for w in keyword_words(k) {
            let f: f64 = lexemes.iter().filter(|(l, _)| l.starts_with(w.as_str())).map(|(_, f)| *f).sum();
            share *= f.min(1.0);
            any = true;
        }
    }
    any && share >= 1.0 / INDEX_DENSITY as f64
}

/// Whether the newest rows' counts leave the shape to the keyword index's
/// counts ([`index_count_sql`]): they would drive by a keyword, which may
/// be rare only lately.
pub(crate) fn needs_index_count(keywords: &[String], newest: &str) -> bool {
    matches!(choose(keywords, newest, None), Shape::Driver(_))
}

/// The shape the counts call for: walk when the keywords together are
/// common in the newest rows, or (`index`: [`index_count_sql`]'s answer)
/// found by the keyword index in at least the cap's rows; else drive by
/// the rarest keyword: one the index does not call common before one it
/// does, the fewest found by the index, then by the newest rows, then the
/// longest word (a longer prefix matches fewer words of the index).
pub(crate) fn choose(keywords: &[String], newest: &str, index: Option<&str>) -> Shape {
    let Some(n) = parse_counts(keywords, newest) else {
        return Shape::Index;
    };
    let k = keywords.len();
    if n[k] >= WALK_MIN {
        return Shape::Walk;
    }
    // (common: the index found it in the cap's rows, or it was not counted
    // for it is common in the newest rows; how many the index found).
    let mut found: Vec<(bool, u64)> = vec![(false, u64::MAX); k];
    if let Some(index) = index {
        let c: Vec<i64> = index.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        // (The id range may follow the cap: `window_hint`.)
        if c.len() == k + 2 || c.len() == k + 3 {
            let cap = c[k + 1];
            if c[k] >= cap {
                return Shape::Walk;
            }
            for i in 0..k {
                found[i] = if c[i] >= 0 { (c[i] >= cap, c[i] as u64) } else { (true, u64::MAX) };
            }
        }
    }
    let longest = |k: &String| longest_word(k).map_or(0, |w| w.chars().count());
    let best = (0..k)
        .filter(|&i| !keyword_words(&keywords[i]).is_empty())
        .min_by_key(|&i| (found[i], n[i], std::cmp::Reverse(longest(&keywords[i]))));
    match best {
        Some(i) => Shape::Driver(i),
        None => Shape::Index,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_is_for_common_keywords_and_the_driver_the_rarest() {
        let k = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(choose(&k(&["dossier"]), "1000,1000", None), Shape::Walk);
        assert_eq!(choose(&k(&["dossier", "4242"]), "1000,1,1", None), Shape::Driver(1));
        assert_eq!(choose(&k(&["dossier", "4242"]), "0,0,0", None), Shape::Driver(0));
        assert_eq!(choose(&k(&["xyzzy"]), "0,0", None), Shape::Driver(0));
        assert_eq!(choose(&k(&["a", "b"]), "garbage", None), Shape::Index);
        // Rare lately, common over the list (the index finds the cap's
        // rows of them together): walk.
        assert!(needs_index_count(&k(&["t4"]), "0,0"));
        assert!(!needs_index_count(&k(&["t4"]), "5,5"));
        assert!(!needs_index_count(&k(&["a", "b"]), "garbage"));
        assert_eq!(choose(&k(&["t4"]), "0,0", Some("5000,5000,5000")), Shape::Walk);
        assert_eq!(choose(&k(&["t4"]), "0,0", Some("40,40,5000")), Shape::Driver(0));
        // The driver: not one the index calls common, then the fewest the
        // index found; keywords common lately were not counted (-1).
        assert_eq!(choose(&k(&["saisonnier", "4242"]), "0,0,0", Some("5000,1,1,5000")), Shape::Driver(1));
        assert_eq!(choose(&k(&["succession", "4242"]), "0,0,0", Some("1003,1,1,5000")), Shape::Driver(1));
        assert_eq!(choose(&k(&["dossier", "4242"]), "400,0,0", Some("-1,1,1,5000")), Shape::Driver(1));
        assert_eq!(choose(&k(&["4242", "dossier"]), "0,400,0", Some("1,-1,1,5000")), Shape::Driver(0));
        // PostgreSQL's statistics: shares of the common words a keyword's
        // words start, multiplied.
        let lex = vec![("saisonnier".to_string(), 0.33), ("dossier".to_string(), 1.0), ("t4".into(), 0.17)];
        assert!(common_by_statistics(&k(&["saisonnier"]), &lex));
        assert!(common_by_statistics(&k(&["saison"]), &lex));
        assert!(common_by_statistics(&k(&["dossier", "t4"]), &lex));
        assert!(!common_by_statistics(&k(&["dossier", "4242"]), &lex));
        assert!(!common_by_statistics(&k(&["xyzzy"]), &lex));
        assert!(!common_by_statistics(&k(&["!!"]), &lex));
        assert!(!common_by_statistics(&k(&["t4"]), &[("t4".into(), 0.004)]));
        // Common lately (not counted) goes after common over the list.
        assert_eq!(choose(&k(&["dossier", "saisonnier"]), "400,0,0", Some("-1,5000,40,5000")), Shape::Driver(1));
        assert_eq!(choose(&k(&["t4", "relance"]), "0,2,0", Some("garbage")), Shape::Driver(0));
    }

    #[test]
    fn rows_check_the_rarest_keyword_first() {
        let kw: Vec<String> = ["reer", "cotisation", "4"].iter().map(|s| s.to_string()).collect();
        assert_eq!(rarest_first(&kw, "67,67,12,4"), [2, 0, 1]);
        assert_eq!(rarest_first(&kw, "5,3,5,1"), [1, 0, 2]);
        assert_eq!(rarest_first(&kw, "garbage"), [0, 1, 2]);
        assert_eq!(rarest_first(&kw, "1,2,3"), [0, 1, 2], "a count missing");
    }

    #[test]
    fn the_sample_checks_each_keyword_once_per_row() {
        use super::super::sql::Bind;
        let kw: Vec<String> = ["reer", "cotisation", "4"].iter().map(|s| s.to_string()).collect();
        let sql = sample_sql(false, "interactions", "t.occurred_at DESC, t.id DESC", &kw);
        let needles: Vec<&str> = sql
            .binds
            .iter()
            .filter_map(|b| match b {
                Bind::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(needles, [" reer", " cotisation", " 4"], "{}", sql.text);
        assert!(sql.text.contains("SUM(s.f0 * s.f1 * s.f2)"), "{}", sql.text);
    }

    #[test]
    fn ranked_tiers_walk_for_common_keywords() {
        let shape = |own: &str, linked: &str| {
            let mut r = Ranked::default();
            r.set(2, own);
            r.set(3, linked);
            r
        };
        assert_eq!(shape("200", "200"), Ranked { own_walk: true, linked_walk: true });
        assert_eq!(shape("3", "7"), Ranked { own_walk: false, linked_walk: false });
        assert_eq!(shape("4", "8"), Ranked { own_walk: true, linked_walk: true });
        assert_eq!(shape("garbage", ""), Ranked::default());
    }

    /// Every string starting with `q` lies in `[q, upper)`, and every
    /// string there starts with `q`.
    #[test]
    fn prefix_upper_bounds_exactly_the_prefix() {
        for q in ["tremblay", "d'amours", "côté", "jean-françois", "a", "z\u{10FFFF}"] {
            let Some(u) = prefix_upper(q) else { continue };
            for s in
                ["", "a", "tremblay", "tremblaz", "tremblay hélène", "tremblax", "côté", "côtéa", "cotf", "d'amoursx"]
            {
                let s = s.to_string();
                let in_range = s.as_str() >= q && s.as_str() < u.as_str();
                assert_eq!(in_range, s.starts_with(q), "{q:?} {s:?}");
            }
        }
        assert_eq!(prefix_upper(""), None);
        assert_eq!(prefix_upper("ab").as_deref(), Some("ac"));
    }
}

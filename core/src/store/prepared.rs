//! Statements the query engine writes, run as prepared statements that each
//! connection keeps: the per-connection statement cache keyed by the SQL
//! text.
//!
//! diesel's `sql_query` marks itself unsafe to cache (it cannot tell a fixed
//! statement from one built by splicing), so every list statement used to be
//! prepared afresh — on PostgreSQL a round trip of its own. [`Prepared`]
//! pushes the text and binds the values without that mark, so diesel's own
//! statement cache keys it by its text (and bind types) and the next request
//! of the same shape on that connection reuses it.
//!
//! Only fixed-arity statements are cached: every value is a bound parameter
//! (the text of a list statement depends on the filter's *shape*, never on
//! its values), and statements that carry a variable-length list of values
//! are built with [`Prepared::uncached`]. The number of distinct texts a
//! filter language can produce is large, so at most [`MAX_SHAPES`] texts
//! per process are admitted to the cache (the most common — the unfiltered
//! and lightly filtered pages — come first); the others are prepared per
//! use, as before.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Mutex;

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, Double, HasSqlType, Text};
use diesel::{QueryResult, RunQueryDsl};

use crate::query::sql::{Bind, Sql};

/// The most distinct statement texts admitted to the connections' caches.
pub(crate) const MAX_SHAPES: usize = 256;

/// A statement's text with its binds, answering rows of SQL type `ST`.
pub(crate) struct Prepared<'a, ST> {
    sql: &'a Sql,
    cache: bool,
    /// The request runs under generic plans (`session::generic_wanted`,
    /// read once: what is admitted is what is sent).
    generic: bool,
    /// PostgreSQL: the actor generation this statement checks first
    /// (`store::actor::take_guard`), a one-time filter PostgreSQL evaluates
    /// before reading a row: `SELECT * FROM (…) AS guarded WHERE
    /// clientele_actor_fresh(g)` for a query limited at its top (a page),
    /// else `WITH guarded AS MATERIALIZED (…) SELECT * FROM guarded WHERE
    /// clientele_actor_fresh(g)`. A simple query in `FROM` is pulled up and
    /// its conditions folded with the check (`1=0 AND check` is never
    /// checked), and one kept apart by `OFFSET 0` is dropped whole when its
    /// conditions are false; a `LIMIT` at its top keeps it apart and the
    /// check above it (`tests::a_stale_check_fails_however_its_query_folds`
    /// holds the server to it), where the materialized form cost a
    /// contacts page 0.08 ms more (its 51 rows copied).
    guard: Option<i64>,
    _st: PhantomData<ST>,
}

impl<'a, ST> Prepared<'a, ST> {
    /// A statement kept prepared by the connection (when its text is
    /// admitted, see [`MAX_SHAPES`]). The text admitted is the one sent:
    /// with the row counts it writes in (`Sql::writes_in`), each a text of
    /// its own in the connection's cache, so that a host paging with every
    /// page size, or counting with every cap, cannot fill each pooled
    /// connection with prepared statements past [`MAX_SHAPES`].
    pub(crate) fn new(sql: &'a Sql) -> Self {
        let generic = crate::store::session::generic_wanted();
        let written = sql.binds.iter().enumerate().filter_map(|(i, b)| match b {
            Bind::Int(n) if sql.writes_in(i, generic) => Some(*n),
            _ => None,
        });
        Prepared { sql, cache: admitted(&sql.text, written), generic, guard: guard_for(sql), _st: PhantomData }
    }

    /// A statement of the engine's own whose text never varies (a store
    /// function's): kept by the connection without taking one of the
    /// [`MAX_SHAPES`] admissions, which are for the texts filters make, so
    /// that a host that used every admission before its first create still
    /// gets it prepared once.
    pub(crate) fn fixed(sql: &'a Sql) -> Self {
        Prepared {
            sql,
            cache: true,
            generic: crate::store::session::generic_wanted(),
            guard: guard_for(sql),
            _st: PhantomData,
        }
    }

    /// A statement prepared for this use only (a variable-length list of
    /// values: one text per length).
    pub(crate) fn uncached(sql: &'a Sql) -> Self {
        Prepared {
            sql,
            cache: false,
            generic: crate::store::session::generic_wanted(),
            guard: guard_for(sql),
            _st: PhantomData,
        }
    }
}

/// Whether a connection keeps `sql` prepared: what [`Prepared::new`]
/// decides, for statements run outside diesel (`store::own`).
pub(crate) fn kept(sql: &Sql) -> bool {
    Prepared::<diesel::sql_types::Untyped>::new(sql).cache
}

/// Whether `text` ends with a `LIMIT` of its own query (after its last
/// parenthesis: not a subquery's).
fn limited_at_top(text: &str) -> bool {
    match (text.rfind(" LIMIT "), text.rfind(')')) {
        (Some(limit), Some(paren)) => limit > paren,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The actor generation `sql` must check, when the running request uses a
/// kept actor not yet checked and `sql` can carry the check: a PostgreSQL
/// query (`SELECT`, or `WITH` without a write: PostgreSQL refuses a
/// data-modifying `WITH` below the top level).
fn guard_for(sql: &Sql) -> Option<i64> {
    let t = &sql.text;
    let query = t.starts_with("SELECT ")
        || (t.starts_with("WITH ") && !["INSERT ", "UPDATE ", "DELETE "].iter().any(|w| t.contains(w)));
    (sql.pg && query).then(crate::store::actor::take_guard).flatten()
}

/// Whether `text`, with the row counts `written` in, may be cached:
/// admitted while fewer than [`MAX_SHAPES`] texts were.
fn admitted(text: &str, written: impl Iterator<Item = i64>) -> bool {
    static SEEN: Mutex<Option<HashSet<u64>>> = Mutex::new(None);
    let key = text_key(text, written);
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    let seen = seen.get_or_insert_with(HashSet::new);
    if seen.contains(&key) {
        return true;
    }
    if seen.len() < MAX_SHAPES {
        seen.insert(key);
        return true;
    }
    false
}

/// A statement text's key among the admitted ones, with the row counts it
/// writes in: deterministic within and across runs (a fixed seed), and
/// 16 bytes a step (`foldhash`), where FNV-1a byte by byte took ~2 µs of
/// every request for a page statement's ~1.5 KB.
fn text_key(text: &str, written: impl Iterator<Item = i64>) -> u64 {
    use std::hash::BuildHasher;
    let mut h = foldhash::fast::FixedState::with_seed(0x636c_6965_6e74_e8c3).build_hasher();
    text.hash(&mut h);
    for n in written {
        n.hash(&mut h);
    }
    h.finish()
}

impl<DB, ST> QueryFragment<DB> for Prepared<'_, ST>
where
    DB: Backend + HasSqlType<Text> + HasSqlType<BigInt> + HasSqlType<Double> + HasSqlType<Bool>,
    String: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
    f64: ToSql<Double, DB>,
    bool: ToSql<Bool, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if !self.cache {
            out.unsafe_to_cache_prepared();
        }
        // The text between placeholders as written; each placeholder
        // (`?`, `$n`, in bind order) rewritten by diesel as it binds.
        let text = &self.sql.text;
        let generic = self.generic;
        let kept_apart = self.guard.is_some() && !limited_at_top(text);
        if self.guard.is_some() {
            out.push_sql(if kept_apart { "WITH guarded AS MATERIALIZED (" } else { "SELECT * FROM (" });
        }
        let mut at = 0;
        for (n, (b, (start, end))) in self.sql.binds.iter().zip(&self.sql.marks).enumerate() {
            out.push_sql(&text[at..*start]);
            match b {
                // Row counts written in (`Sql::limit`).
                Bind::Int(i) if self.sql.writes_in(n, generic) => out.push_sql(&i.to_string()),
                Bind::Text(s) => out.push_bind_param::<Text, _>(s)?,
                Bind::Int(i) => out.push_bind_param::<BigInt, _>(i)?,
                Bind::Float(f) => out.push_bind_param::<Double, _>(f)?,
                Bind::Bool(v) => out.push_bind_param::<Bool, _>(v)?,
            }
            at = *end;
        }
        out.push_sql(&text[at..]);
        if let Some(generation) = &self.guard {
            out.push_sql(if kept_apart {
                ") SELECT * FROM guarded WHERE clientele_actor_fresh("
            } else {
                ") AS guarded WHERE clientele_actor_fresh("
            });
            out.push_bind_param::<BigInt, _>(generation)?;
            out.push_sql(")");
        }
        Ok(())
    }
}

impl<ST> QueryId for Prepared<'_, ST> {
    type QueryId = ();
    // Not one type per text: diesel keys the cache by the text instead.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST: 'static> Query for Prepared<'_, ST> {
    type SqlType = ST;
}

impl<C, ST> RunQueryDsl<C> for Prepared<'_, ST> {}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use diesel::{Connection, QueryableByName};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// PostgreSQL: a page's row count is written into what is sent under
    /// generic plans only, never beside a bound keyword; and every count
    /// written in is a text of its own for [`MAX_SHAPES`], so that paging
    /// with many page sizes cannot fill a connection's cache.
    #[cfg(feature = "postgres")]
    #[test]
    fn row_counts_are_written_in_what_is_sent_under_generic_plans_only() {
        use crate::store::session::with_generic_plans;
        let page = |limit: i64, keyword: bool| {
            let mut sql = Sql::new(true);
            sql.literal_limits = true;
            sql.push("SELECT t.id FROM clients t WHERE t.status = ").bind_text("active");
            if keyword {
                crate::query::sql::index_match_on(&mut sql, "clients", "t", "dupont:*".into());
            }
            sql.push(" LIMIT ").limit(limit);
            sql
        };
        let sent = |sql: &Sql, generic: bool| {
            with_generic_plans(generic, || {
                diesel::debug_query::<diesel::pg::Pg, _>(&Prepared::<diesel::sql_types::Untyped>::new(sql)).to_string()
            })
        };
        let plain = page(51, false);
        assert!(sent(&plain, true).contains("LIMIT 51::bigint"), "{}", sent(&plain, true));
        assert!(sent(&plain, false).contains("LIMIT $2::bigint"), "{}", sent(&plain, false));
        let searched = page(51, true);
        assert!(sent(&searched, true).contains("LIMIT $3::bigint"), "{}", sent(&searched, true));
        // 2 x MAX_SHAPES page sizes: not all admitted (they are as many
        // texts sent); a bound count is one text for every size.
        let admitted = with_generic_plans(true, || {
            (1..=2 * MAX_SHAPES as i64)
                .filter(|n| Prepared::<diesel::sql_types::Untyped>::new(&page(*n, false)).cache)
                .count()
        });
        assert!(admitted <= MAX_SHAPES, "{admitted} page sizes admitted");
        let bound = with_generic_plans(false, || {
            (1..=2 * MAX_SHAPES as i64)
                .filter(|n| Prepared::<diesel::sql_types::Untyped>::new(&page(*n, false)).cache)
                .count()
        });
        assert!(bound == 2 * MAX_SHAPES || bound == 0, "{bound}: one text, admitted for every size or none");
    }

    /// A request on a kept actor (`store::actor::guarded`): its first
    /// PostgreSQL query is sent wrapped in the generation's check, the ones
    /// after it as they are; a SQLite statement or a write never is.
    #[cfg(feature = "postgres")]
    #[test]
    fn the_first_query_of_a_kept_actor_s_request_checks_its_generation() {
        use crate::store::actor::{Guarded, guarded};
        let sent = |pg: bool, text: &str| {
            let mut sql = Sql::new(pg);
            sql.push(text).bind_int(42);
            let p = Prepared::<diesel::sql_types::Untyped>::new(&sql);
            if pg {
                diesel::debug_query::<diesel::pg::Pg, _>(&p).to_string()
            } else {
                diesel::debug_query::<diesel::sqlite::Sqlite, _>(&p).to_string()
            }
        };
        let (texts, how) = guarded(7, || {
            [
                sent(false, "SELECT t.id FROM clients t WHERE t.id = "),
                sent(true, "UPDATE clients SET name = 'x' WHERE id = "),
                sent(true, "WITH w AS (DELETE FROM tags RETURNING code) SELECT 1 WHERE 1 = "),
                sent(true, "SELECT t.id FROM clients t WHERE t.id = "),
                sent(true, "SELECT t.id FROM clients t WHERE t.id = "),
            ]
        });
        assert!(!texts[0].contains("guarded"), "{}", texts[0]);
        assert!(!texts[1].contains("guarded"), "{}", texts[1]);
        assert!(!texts[2].contains("guarded"), "{}", texts[2]);
        assert!(
            texts[3].starts_with(
                "WITH guarded AS MATERIALIZED (SELECT t.id FROM clients t WHERE t.id = $1::bigint) \
                 SELECT * FROM guarded WHERE clientele_actor_fresh($2)"
            ),
            "{}",
            texts[3]
        );
        assert!(texts[3].contains("[42, 7]"), "the generation is bound last: {}", texts[3]);
        assert!(!texts[4].contains("guarded"), "only the first: {}", texts[4]);
        assert_eq!(how, Guarded::Fresh);
        let (page, _) = guarded(7, || sent(true, "SELECT t.id FROM clients t WHERE (t.id > 0) ORDER BY t.id LIMIT "));
        assert!(
            page.starts_with(
                "SELECT * FROM (SELECT t.id FROM clients t WHERE (t.id > 0) ORDER BY t.id LIMIT $1::bigint) AS guarded \
                 WHERE clientele_actor_fresh($2)"
            ),
            "a page: {page}"
        );
        let (inner, _) =
            guarded(7, || sent(true, "SELECT x.id FROM (SELECT t.id FROM clients t LIMIT 5) x WHERE x.id = "));
        assert!(inner.starts_with("WITH guarded AS MATERIALIZED ("), "a subquery's limit: {inner}");
        let (_, how) = guarded(7, || sent(false, "SELECT 1 WHERE 1 = "));
        assert_eq!(how, Guarded::Unchecked(7), "nothing could carry the check");
        assert!(!sent(true, "SELECT 1 WHERE 1 = ").contains("guarded"), "no kept actor, no check");
    }

    /// On a PostgreSQL server, a stale generation fails every form of
    /// query the engine sends guarded, however its conditions fold: a page
    /// (`LIMIT` at its top), a count, a simple query, each with its
    /// conditions constant false, true or null; a fresh one answers their
    /// rows. This holds the server to what [`Prepared::guard`] relies on.
    #[cfg(feature = "postgres")]
    #[test]
    fn a_stale_check_fails_however_its_query_folds() {
        use crate::store::actor::{STALE_MESSAGE, guarded};
        use diesel::connection::SimpleConnection;
        let Some(schema) = crate::store::PgTestSchema::new("guard_forms") else { return };
        let mut c = diesel::PgConnection::establish(&schema.url).unwrap();
        c.batch_execute(
            "CREATE TABLE actor_generation (n BIGINT NOT NULL); INSERT INTO actor_generation VALUES (7); \
             CREATE FUNCTION clientele_actor_fresh(seen BIGINT) RETURNS boolean LANGUAGE plpgsql STABLE AS $$ BEGIN \
             IF (SELECT n FROM actor_generation) IS DISTINCT FROM seen THEN RAISE EXCEPTION \
             'clientele: the actor changed since it was read' USING ERRCODE = 'CL001'; END IF; RETURN true; END $$; \
             CREATE TABLE t (id BIGINT); INSERT INTO t VALUES (1), (2)",
        )
        .unwrap();
        let run = |c: &mut diesel::PgConnection, text: &str, generation: i64| {
            let mut sql = Sql::new(true);
            sql.push(text);
            guarded(generation, || Prepared::<diesel::sql_types::Untyped>::new(&sql).load::<N>(c)).0
        };
        for cond in ["1=0", "1=1", "t.id IN (NULL)", "1=0 AND t.id > 0"] {
            for text in [
                format!("SELECT t.id AS n FROM t WHERE {cond} ORDER BY t.id LIMIT 5"),
                format!("SELECT COUNT(*) AS n FROM t WHERE {cond}"),
                format!("SELECT t.id AS n FROM t WHERE {cond}"),
                format!(
                    "SELECT x.n FROM (SELECT t.id AS n FROM t WHERE {cond} LIMIT 5) x WHERE {}",
                    cond.replace("t.id", "x.n")
                ),
            ] {
                let e = run(&mut c, &text, 8).map(|r| r.len()).expect_err(&text);
                assert!(e.to_string().contains(STALE_MESSAGE), "{text}: {e}");
                let rows = run(&mut c, &text, 7).unwrap_or_else(|e| panic!("{text}: {e}"));
                let want = match (cond, text.contains("COUNT")) {
                    (_, true) => 1,
                    ("1=1", false) => 2,
                    _ => 0,
                };
                assert_eq!(rows.len(), want, "{text}");
            }
        }
    }

    /// A cached statement is prepared once per connection and reused with
    /// other values; an uncached one each time. (Through
    /// [`Prepared::fixed`]: [`Prepared::new`]'s admissions are global to the
    /// process, and another test of this binary uses them all up under
    /// `cargo test`; `row_counts_are_written_…` tests admission.)
    #[test]
    fn statements_are_prepared_once_per_connection() {
        let mut c = diesel::SqliteConnection::establish(":memory:").unwrap();
        let cached = Arc::new(AtomicUsize::new(0));
        let counter = cached.clone();
        let count = move |e: InstrumentationEvent<'_>| {
            if matches!(e, InstrumentationEvent::CacheQuery { .. }) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        };
        let instrumentation: Box<dyn Instrumentation> = Box::new(count);
        c.set_instrumentation(instrumentation);
        for i in 0..5 {
            let mut sql = Sql::new(false);
            sql.push("SELECT ").bind_int(i).push(" + ").bind_int(1).push(" AS n");
            let rows: Vec<N> = Prepared::<diesel::sql_types::Untyped>::fixed(&sql).load(&mut c).unwrap();
            assert_eq!(rows[0].n, i + 1, "the values bound are this run's");
        }
        assert_eq!(cached.load(Ordering::SeqCst), 1, "prepared once, then reused");
        for i in 0..3 {
            let mut sql = Sql::new(false);
            sql.push("SELECT ").bind_int(i).push(" + 2 AS n");
            let rows: Vec<N> = Prepared::<diesel::sql_types::Untyped>::uncached(&sql).load(&mut c).unwrap();
            assert_eq!(rows[0].n, i + 2);
        }
        assert_eq!(cached.load(Ordering::SeqCst), 1, "uncached statements are not kept");
    }

    /// PostgreSQL placeholders written by the query engine (`$n::type`)
    /// are rewritten by diesel in the same order, casts kept.
    #[cfg(feature = "postgres")]
    #[test]
    fn placeholders_are_rewritten_in_order() {
        let mut sql = Sql::new(true);
        sql.push("SELECT ").bind_int(1).push(" AS a, ").bind_text("x").push(" AS b");
        let text =
            diesel::debug_query::<diesel::pg::Pg, _>(&Prepared::<diesel::sql_types::Untyped>::new(&sql)).to_string();
        assert!(text.starts_with("SELECT $1::bigint AS a, $2::text AS b"), "{text}");
    }

    #[test]
    fn text_keys_tell_texts_and_written_counts_apart() {
        let h = |s: &str, n: &[i64]| text_key(s, n.iter().copied());
        assert_eq!(h("SELECT 1", &[]), h("SELECT 1", &[]));
        assert_ne!(h("SELECT 1", &[]), h("SELECT 2", &[]));
        assert_eq!(h("SELECT … LIMIT ?", &[51]), h("SELECT … LIMIT ?", &[51]));
        assert_ne!(h("SELECT … LIMIT ?", &[51]), h("SELECT … LIMIT ?", &[11]));
        // Texts differing in one byte past the first 16-byte blocks.
        let long = "SELECT t.id, t.name FROM clients t WHERE t.trash_id IS NULL ".repeat(20);
        assert_ne!(h(&format!("{long}ORDER BY 1"), &[]), h(&format!("{long}ORDER BY 2"), &[]));
    }
}

//! Runs the statements the query engine compiles, and loads a page's
//! records by id.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::schema::{clients, contact_links, contacts, staff};
use super::{Conn, with_backend};
use crate::domain::Id;
use crate::error::Result;
use crate::query::sql::Sql;

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Runs `$sql` as a statement the connection keeps prepared
/// ([`super::prepared`]) and loads `$row` by column name.
macro_rules! run {
    ($conn:expr, $sql:expr, $row:ty) => {
        with_backend!($conn, c => {
            super::prepared::Prepared::<diesel::sql_types::Untyped>::new(&$sql).load::<$row>(c)
        })
    };
    (uncached $conn:expr, $sql:expr, $row:ty) => {
        with_backend!($conn, c => {
            super::prepared::Prepared::<diesel::sql_types::Untyped>::uncached(&$sql).load::<$row>(c)
        })
    };
}

#[derive(QueryableByName)]
struct SqlitePlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[cfg(feature = "postgres")]
#[derive(QueryableByName)]
struct PgPlanRow {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "QUERY PLAN")]
    plan: String,
}

/// The database's query plan of a statement, one line per step.
pub(crate) fn explain(conn: &mut Conn, sql: &Sql) -> Result<Vec<String>> {
    let explained = sql.prefixed(if sql.pg { "EXPLAIN " } else { "EXPLAIN QUERY PLAN " });
    Ok(match conn {
        super::AnyConnection::Sqlite(_) => {
            run!(uncached conn, explained, SqlitePlanRow)?.into_iter().map(|r| r.detail).collect()
        }
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(_) => run!(uncached conn, explained, PgPlanRow)?.into_iter().map(|r| r.plan).collect(),
    })
}

pub(crate) fn count(conn: &mut Conn, sql: &Sql) -> Result<u64> {
    let rows = run!(conn, sql, CountRow)?;
    Ok(rows.first().map_or(0, |r| r.n as u64))
}

#[derive(QueryableByName)]
struct SampleRow {
    #[diesel(sql_type = Text)]
    counts: String,
}

/// PostgreSQL: each keyword index's most common words with their share of
/// rows, and when they were read (`Engine::lexemes`).
pub(crate) type Lexemes =
    std::collections::HashMap<&'static str, (std::time::Instant, std::sync::Arc<Vec<(String, f64)>>)>;

/// How long the server's statistics of a keyword index are kept before
/// they are read again (they change with `ANALYZE`, run by autovacuum).
pub(crate) const LEXEMES_TTL: std::time::Duration = std::time::Duration::from_secs(600);

#[derive(QueryableByName)]
struct LexemeRow {
    #[diesel(sql_type = Text)]
    w: String,
    #[diesel(sql_type = diesel::sql_types::Double)]
    f: f64,
}

/// PostgreSQL: the most common words of a keyword index (`index`, a GIN
/// index over the index text) with the share of rows holding each, as the
/// server's last `ANALYZE` found them (`pg_stats.most_common_elems`).
pub(crate) fn common_lexemes(conn: &mut Conn, index: &str) -> Result<Vec<(String, f64)>> {
    let mut sql = Sql::new(true);
    sql.push(
        "SELECT e.w AS w, CAST(e.f AS DOUBLE PRECISION) AS f FROM pg_stats s, \
         unnest(CAST(CAST(s.most_common_elems AS TEXT) AS TEXT[]), s.most_common_elem_freqs) AS e(w, f) \
         WHERE s.schemaname = current_schema() AND s.tablename = ",
    )
    .bind_text(index.to_string())
    .push(" AND e.w IS NOT NULL AND e.f IS NOT NULL");
    let rows = run!(conn, sql, LexemeRow)?;
    Ok(rows.into_iter().map(|r| (r.w, r.f)).collect())
}

/// The answer of a search sample (`query/search.rs`): `n0,n1,…,nall`.
pub(crate) fn search_sample(conn: &mut Conn, sql: &Sql) -> Result<String> {
    let rows = run!(conn, sql, SampleRow)?;
    Ok(rows.into_iter().next().map(|r| r.counts).unwrap_or_default())
}

/// The live contacts linked to clients, with their index text: (client id,
/// contact id, file-as name, text), by client, file-as name, id.
pub(crate) fn linked_contact_texts(conn: &mut Conn, client_ids: &[Id]) -> Result<Vec<(Id, Id, String, String)>> {
    Ok(contact_links::table
        .inner_join(contacts::table)
        .filter(contact_links::client_id.eq_any(client_ids.to_vec()))
        .filter(contacts::trash_id.is_null())
        .order((contact_links::client_id, contacts::file_as_fold, contacts::id))
        .select((contact_links::client_id, contacts::id, contacts::file_as, contacts::search_text))
        .load(conn)?)
}

/// A client linked to a contact: (contact id, client id, code, name, index
/// text).
pub(crate) type LinkedClientText = (Id, Id, String, String, String);

/// The live clients (of `offices`, when given; only the dashboard's client
/// within its `scope`) linked to contacts, with their index text, by
/// contact, code, id.
pub(crate) fn linked_client_texts(
    conn: &mut Conn,
    contact_ids: &[Id],
    offices: Option<&[String]>,
    scope: Option<Id>,
) -> Result<Vec<LinkedClientText>> {
    let mut q = contact_links::table
        .inner_join(clients::table)
        .filter(contact_links::contact_id.eq_any(contact_ids.to_vec()))
        .filter(clients::trash_id.is_null())
        .into_boxed();
    if let Some(o) = offices {
        q = q.filter(clients::office.eq_any(o.to_vec()));
    }
    if let Some(x) = scope {
        q = q.filter(clients::id.eq(x));
    }
    Ok(q.order((contact_links::contact_id, clients::code_key, clients::id))
        .select((contact_links::contact_id, clients::id, clients::code, clients::name, clients::search_text))
        .load(conn)?)
}

/// The ids a person-shaped filter value names ([`crate::query::fields::Lookup`]),
/// among the live records of `offices` (clients of those offices; contacts
/// standalone or linked to one of their clients), at most `limit + 1`.
pub(crate) fn people(
    conn: &mut Conn,
    lookup: &crate::query::fields::Lookup,
    offices: Option<&[String]>,
    scope: Option<Id>,
    limit: i64,
) -> Result<Vec<Id>> {
    use crate::query::fields::Lookup;
    Ok(match lookup {
        Lookup::ClientCode(key) => {
            let mut q = clients::table
                .filter(clients::code_key.eq(key.clone()))
                .filter(clients::trash_id.is_null())
                .select(clients::id)
                .into_boxed();
            if let Some(o) = offices {
                q = q.filter(clients::office.eq_any(o.to_vec()));
            }
            // On a client's dashboard only that client can be named.
            if let Some(x) = scope {
                q = q.filter(clients::id.eq(x));
            }
            q.order(clients::id).limit(limit + 1).load(conn)?
        }
        Lookup::ContactName(name) => {
            let mut q = contacts::table
                .filter(contacts::file_as_fold.eq(name.clone()))
                .filter(contacts::trash_id.is_null())
                .select(contacts::id)
                .into_boxed();
            if let Some(o) = offices {
                let linked = contact_links::table.select(contact_links::contact_id);
                let visible = contact_links::table
                    .inner_join(clients::table)
                    .filter(clients::office.eq_any(o.to_vec()))
                    .select(contact_links::contact_id);
                q = q.filter(contacts::id.ne_all(linked).or(contacts::id.eq_any(visible)));
            }
            // On a client's dashboard only that client's contacts.
            if let Some(x) = scope {
                let of_x =
                    contact_links::table.filter(contact_links::client_id.eq(x)).select(contact_links::contact_id);
                q = q.filter(contacts::id.eq_any(of_x));
            }
            q.order(contacts::id).limit(limit + 1).load(conn)?
        }
        Lookup::Staff(folded) => {
            // Few staff members: fold in Rust, as the filter folds.
            let rows: Vec<(i64, String, String)> =
                staff::table.select((staff::id, staff::initials, staff::name)).order(staff::id).load(conn)?;
            rows.into_iter()
                .filter(|(_, ini, name)| {
                    crate::text::fold(ini.trim()) == *folded
                        || crate::text::fold(name.trim()) == *folded
                        || filed_as(name).is_some_and(|n| crate::text::fold(&n) == *folded)
                })
                .map(|(id, _, _)| id)
                .take(limit as usize + 1)
                .collect()
        }
    })
}

/// A staff member's name filed as "Last, First" (`Jean Tremblay` →
/// `Tremblay, Jean`), as contacts are: `directeur:"Tremblay, Jean"`.
fn filed_as(name: &str) -> Option<String> {
    let name = name.trim();
    let (first, last) = name.rsplit_once(char::is_whitespace)?;
    Some(format!("{}, {}", last.trim(), first.trim()))
}

#[derive(QueryableByName)]
struct GroupRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    g0: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    g1: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    p: Option<i64>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// One group of a `list.count_by` statement: (first value, second value,
/// period, rows).
pub(crate) type Group = (Option<String>, Option<String>, Option<i64>, u64);

/// The groups of a `list.count_by` statement (`Plan::count_by_sql`).
pub(crate) fn grouped(conn: &mut Conn, sql: &Sql) -> Result<Vec<Group>> {
    let rows = run!(conn, sql, GroupRow)?;
    Ok(rows.into_iter().map(|r| (r.g0, r.g1, r.p, r.n.max(0) as u64)).collect())
}

#[derive(QueryableByName)]
struct LastRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    last_at: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    last_id: Option<i64>,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// The rows of a `client.last_interaction` statement
/// (`Plan::last_interaction_sql`): (client id, code, name, last interaction
/// at (UTC ms), its id), and how many clients qualify.
pub(crate) type LastInteractionRow = (Id, String, String, Option<i64>, Option<Id>);

pub(crate) fn last_interactions(conn: &mut Conn, sql: &Sql) -> Result<(Vec<LastInteractionRow>, u64)> {
    let rows = run!(conn, sql, LastRow)?;
    let total = rows.first().map_or(0, |r| r.total.max(0) as u64);
    Ok((rows.into_iter().map(|r| (r.id, r.code, r.name, r.last_at, r.last_id)).collect(), total))
}

#[derive(QueryableByName)]
struct WindowRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    lo: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    hi: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    after: Option<i64>,
}

/// The window of the `k` blocks of the newest dates (SQLite;
/// `query/window.rs`); `None` when the table has no more than `k` blocks.
pub(crate) fn window(conn: &mut Conn, k: i64) -> Result<Option<crate::query::window::Window>> {
    let sql = crate::query::window::window_sql(k);
    let rows = with_backend!(conn, c => {
        super::prepared::Prepared::<diesel::sql_types::Untyped>::fixed(&sql).load::<WindowRow>(c)
    })?;
    Ok(rows.into_iter().next().and_then(|r| match (r.lo, r.hi, r.after) {
        (Some(lo), Some(hi), Some(after)) => Some(crate::query::window::Window { lo, hi, after }),
        _ => None,
    }))
}

//! The `history` table: one row per write to a record (see
//! [`crate::domain::HistoryEntry`]). Written in the transaction of the write
//! it records: [`record`] for one write (one prepared INSERT), [`record_many`]
//! for a batch (as imports write their rows: SQLite steps one prepared
//! INSERT per entry, PostgreSQL copies them in). On PostgreSQL a create
//! writes its entry in the statement of its insert or of its duplicate
//! keys ([`pg_insert_for`], [`record_with_keys`]): a round trip less.
//!
//! Other writers (merges) call [`record`] with a [`NewEntry`] inside their
//! own write transaction; the change set is usually
//! [`crate::domain::diff`] of the record as read and as written.

use diesel::prelude::*;

use super::Conn;
use super::schema::history;
use crate::domain::{Changes, HistoryEntry, HistoryOp, Id, RecordKind, RecordRef};
use crate::error::{Error, Result};
use crate::time::from_ms;

/// An entry to record.
#[derive(Debug, Clone)]
pub(crate) struct NewEntry {
    pub kind: RecordKind,
    pub record_id: Id,
    /// The client whose timeline shows this entry (the record's client;
    /// the client of a link on the client's side), if any.
    pub client_id: Option<Id>,
    pub op: HistoryOp,
    /// The staff member who wrote; none when the engine did.
    pub staff_id: Option<Id>,
    /// UTC milliseconds.
    pub at: i64,
    pub changes: Changes,
    /// The other record of a link or a merge.
    pub related: Option<RecordRef>,
}

impl NewEntry {
    /// An entry of `op` on one record by `by` at `at` (UTC ms).
    pub(crate) fn new(
        kind: RecordKind,
        record_id: Id,
        client_id: Option<Id>,
        op: HistoryOp,
        by: Option<Id>,
        at: i64,
    ) -> Self {
        NewEntry { kind, record_id, client_id, op, staff_id: by, at, changes: Changes::new(), related: None }
    }

    pub(crate) fn changes(mut self, changes: Changes) -> Self {
        self.changes = changes;
        self
    }

    pub(crate) fn related(mut self, related: RecordRef) -> Self {
        self.related = Some(related);
        self
    }
}

#[derive(Insertable, serde::Serialize)]
#[diesel(table_name = history)]
// Every column given (NULL as NULL): what `COPY` needs.
#[diesel(treat_none_as_default_value = false)]
struct Row<'a> {
    record_kind: &'a str,
    record_id: i64,
    client_id: Option<i64>,
    op: &'a str,
    staff_id: Option<i64>,
    at: i64,
    changes: String,
    related_kind: Option<&'static str>,
    related_id: Option<i64>,
}

fn row(e: &NewEntry) -> Result<Row<'_>> {
    Ok(Row {
        record_kind: e.kind.as_str(),
        record_id: e.record_id,
        client_id: e.client_id,
        op: e.op.as_str(),
        staff_id: e.staff_id,
        at: e.at,
        changes: serde_json::to_string(&e.changes).map_err(|e| Error::internal(e.to_string()).caused_by(e))?,
        related_kind: e.related.map(|r| r.kind.as_str()),
        related_id: e.related.map(|r| r.id),
    })
}

/// Records one entry (one INSERT, prepared once per connection).
pub(crate) fn record(conn: &mut Conn, entry: NewEntry) -> Result<()> {
    let r = row(&entry)?;
    diesel::insert_into(history::table).values(&r).execute(conn)?;
    Ok(())
}

/// PostgreSQL: `INSERT INTO history … SELECT …` of `entry` for the row
/// the data-modifying `WITH` query `inserted` answers (`id`): the record
/// and its history row in one statement (nothing when it answered no
/// row). The entry's own record id is not used, nor its client with
/// `own_client` (a client's entry: the client is the new row); its values
/// are bound as one JSON object (`json_populate_record`), one text
/// whatever is absent.
#[cfg(feature = "postgres")]
pub(crate) fn pg_insert_for(
    sql: &mut crate::query::sql::Sql,
    entry: &NewEntry,
    inserted: &str,
    own_client: bool,
) -> Result<()> {
    let r = serde_json::to_string(&row(entry)?).map_err(|e| Error::internal(e.to_string()).caused_by(e))?;
    let client = if own_client { format!("{inserted}.id") } else { "e.client_id".to_string() };
    sql.push("INSERT INTO history (record_kind, record_id, client_id, op, staff_id, at, changes, related_kind, related_id) SELECT e.record_kind, ")
        .push(inserted)
        .push(".id, ")
        .push(&client)
        .push(", e.op, e.staff_id, e.at, e.changes, e.related_kind, e.related_id FROM ")
        .push(inserted)
        .push(", json_populate_record(NULL::history, ")
        .bind_text(r)
        .push("::json) AS e");
    Ok(())
}

/// Records the entry of a record's creation with the record's duplicate
/// keys (`dupkeys`), which its insert left to this, and answers the first
/// page of each key's other live holders ([`dupkeys::first_matches`], for
/// the create's warnings): on PostgreSQL in one statement, two round trips
/// less (`WITH k AS (INSERT INTO dup_keys …), h AS (INSERT INTO history …)
/// SELECT …`: the query's snapshot is the statement's, so it never sees
/// the keys written beside it, and `look.me` leaves the record out
/// anyway); on SQLite, where a statement is no round trip and a
/// data-modifying `WITH` does not exist, as two inserts and a read per key.
///
/// [`dupkeys::first_matches`]: super::dupkeys::first_matches
pub(crate) fn record_with_keys(
    conn: &mut Conn,
    entry: NewEntry,
    entity: super::dupkeys::Keyed,
    keys: &[(crate::text::DupKind, String)],
    look: super::dupkeys::Look<'_>,
) -> Result<Vec<Vec<crate::domain::Id>>> {
    match conn {
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(c) if !keys.is_empty() => {
            let r = row(&entry)?;
            let mut sql = crate::query::sql::Sql::new(true);
            sql.push("WITH k AS (");
            super::dupkeys::pg_insert_one(&mut sql, entity, entry.record_id, keys)?;
            sql.push("), h AS (INSERT INTO history (record_kind, record_id, client_id, op, staff_id, at, changes, related_kind, related_id) VALUES (")
                .bind_text(r.record_kind)
                .push(", ")
                .bind_int(r.record_id);
            // A value absent is written NULL (a text per shape, each kept).
            let nullable = |sql: &mut crate::query::sql::Sql, v: Option<i64>| {
                match v {
                    Some(v) => sql.push(", ").bind_int(v),
                    None => sql.push(", NULL"),
                };
            };
            nullable(&mut sql, r.client_id);
            sql.push(", ").bind_text(r.op);
            nullable(&mut sql, r.staff_id);
            sql.push(", ").bind_int(r.at).push(", ").bind_text(r.changes);
            match (r.related_kind, r.related_id) {
                (Some(k), Some(id)) => sql.push(", ").bind_text(k).push(", ").bind_int(id),
                _ => sql.push(", NULL, NULL"),
            };
            sql.push(")) ");
            super::dupkeys::pg_first_matches(&mut sql, entity, keys, look)?;
            #[derive(QueryableByName)]
            struct Match {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                key_index: i64,
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                id: i64,
            }
            let rows: Vec<Match> = super::prepared::Prepared::<diesel::sql_types::Untyped>::fixed(&sql).load(c)?;
            let mut pages = vec![Vec::new(); keys.len()];
            for m in rows {
                let page = usize::try_from(m.key_index).ok().and_then(|i| pages.get_mut(i));
                page.ok_or_else(|| Error::internal(format!("a match of key {} of {}", m.key_index, keys.len())))?
                    .push(m.id);
            }
            Ok(pages)
        }
        _ => {
            super::dupkeys::insert(conn, entity, &[(entry.record_id, keys.to_vec())])?;
            record(conn, entry)?;
            super::dupkeys::first_matches(conn, entity, keys, look)
        }
    }
}

/// Records many entries: on SQLite one single-row INSERT prepared once per
/// connection and stepped per entry (a multi-row INSERT has a text per
/// length, parsed and planned afresh for every chunk); on PostgreSQL one
/// binary `COPY … FROM STDIN` (no statement to parse, no bind limit).
pub(crate) fn record_many(conn: &mut Conn, entries: &[NewEntry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows = entries.iter().map(row).collect::<Result<Vec<_>>>()?;
    match conn {
        super::AnyConnection::Sqlite(c) => {
            for r in &rows {
                diesel::insert_into(history::table).values(r).execute(c)?;
            }
        }
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(c) => {
            diesel::copy_from(history::table).from_insertable(&rows).execute(c)?;
        }
    }
    Ok(())
}

type Raw = (i64, String, i64, String, Option<i64>, i64, String, Option<String>, Option<i64>);

fn entry((id, kind, record_id, op, staff_id, at, changes, related_kind, related_id): Raw) -> Result<HistoryEntry> {
    let corrupt = |what: &str| Error::storage(format!("corrupt history row {id}: {what}"));
    Ok(HistoryEntry {
        id,
        record: RecordRef { kind: RecordKind::parse(&kind).ok_or_else(|| corrupt("kind"))?, id: record_id },
        op: HistoryOp::parse(&op).ok_or_else(|| corrupt("op"))?,
        by: staff_id,
        at: from_ms(at),
        changes: serde_json::from_str(&changes).map_err(|_| corrupt("changes"))?,
        related: match (related_kind, related_id) {
            (Some(k), Some(id)) => {
                Some(RecordRef { kind: RecordKind::parse(&k).ok_or_else(|| corrupt("related"))?, id })
            }
            _ => None,
        },
    })
}

/// A keyset position: (at, id) of the last entry read.
pub(crate) type Position = (i64, i64);

/// A record's entries newest first, after `after` (exclusive), at most
/// `limit`.
pub(crate) fn of_record(
    conn: &mut Conn,
    record: RecordRef,
    after: Option<Position>,
    limit: i64,
) -> Result<Vec<HistoryEntry>> {
    let mut q = history::table
        .filter(history::record_kind.eq(record.kind.as_str()))
        .filter(history::record_id.eq(record.id))
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(history::at.lt(at).or(history::at.eq(at).and(history::id.lt(id))));
    }
    let rows: Vec<Raw> = q
        .order((history::at.desc(), history::id.desc()))
        .limit(limit)
        .select((
            history::id,
            history::record_kind,
            history::record_id,
            history::op,
            history::staff_id,
            history::at,
            history::changes,
            history::related_kind,
            history::related_id,
        ))
        .load(conn)?;
    rows.into_iter().map(entry).collect()
}

/// The entries on a client's timeline (its own, its records', the links of
/// its contacts) of the given kinds, newest first, after `after`
/// (exclusive), from `since` (UTC ms) when given, at most `limit`.
pub(crate) fn of_client(
    conn: &mut Conn,
    client: Id,
    kinds: &[&'static str],
    since: Option<i64>,
    after: Option<Position>,
    limit: i64,
) -> Result<Vec<HistoryEntry>> {
    let mut q = history::table
        .filter(history::client_id.eq(client))
        .filter(history::record_kind.eq_any(kinds.to_vec()))
        .into_boxed();
    if let Some(since) = since {
        q = q.filter(history::at.ge(since));
    }
    if let Some((at, id)) = after {
        q = q.filter(history::at.lt(at).or(history::at.eq(at).and(history::id.lt(id))));
    }
    let rows: Vec<Raw> = q
        .order((history::at.desc(), history::id.desc()))
        .limit(limit)
        .select((
            history::id,
            history::record_kind,
            history::record_id,
            history::op,
            history::staff_id,
            history::at,
            history::changes,
            history::related_kind,
            history::related_id,
        ))
        .load(conn)?;
    rows.into_iter().map(entry).collect()
}

/// Deletes the history of records deleted for good: every entry of the
/// given records, and every entry shown on the given clients' timelines.
pub(crate) fn remove(conn: &mut Conn, kind: RecordKind, ids: &[Id]) -> Result<()> {
    for chunk in ids.chunks(1000) {
        diesel::delete(
            history::table.filter(history::record_kind.eq(kind.as_str())).filter(history::record_id.eq_any(chunk)),
        )
        .execute(conn)?;
        if kind == RecordKind::Client {
            diesel::delete(history::table.filter(history::client_id.eq_any(chunk))).execute(conn)?;
        }
    }
    Ok(())
}

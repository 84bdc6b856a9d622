//! The bulk paths of imports: ids assigned up front (no `RETURNING id` per
//! row), multi-row inserts chunked under both backends' bind limits, and on
//! SQLite the keyword index filled once per batch instead of by the per-row
//! FTS5 triggers (each row its own index segment otherwise), plus the
//! lookups that resolve a file's codes, keys, e-mails and initials.
//!
//! Everything here runs inside the caller's transaction: a rolled-back
//! batch leaves no row, no index entry and the triggers as they were.

use std::collections::HashMap;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::schema::{clients, contact_links, contacts, interactions, staff, transfers};
use super::{AnyConnection, Conn};
use crate::domain::*;
use crate::error::Result;
use crate::text::{self, PhoneRegion};

/// Rows per multi-row INSERT: under SQLite's 32,766 and PostgreSQL's 65,535
/// bound parameters for the widest row (a client's 37 columns).
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
const CHUNK: usize = 500;
/// Keys per `IN (...)` lookup.
const LOOKUP: usize = 500;

/// The tables an import fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Table {
    Clients,
    Contacts,
    Interactions,
    Transfers,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Clients => "clients",
            Table::Contacts => "contacts",
            Table::Interactions => "interactions",
            Table::Transfers => "transfers",
        }
    }
}

#[derive(QueryableByName)]
struct OneId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct OneText {
    #[diesel(sql_type = Text)]
    sql: String,
}

/// `n` fresh ids for `table`, ascending. SQLite: after the largest ever
/// handed out (the write lock is held, nobody else takes one meanwhile);
/// PostgreSQL: from the table's sequence.
pub(crate) fn next_ids(conn: &mut Conn, table: Table, n: usize) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let t = table.name();
    match conn {
        AnyConnection::Sqlite(c) => {
            let sql = format!(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{t}'), 0), \
                 COALESCE((SELECT MAX(id) FROM {t}), 0)) AS id"
            );
            let top = diesel::sql_query(sql).get_result::<OneId>(c)?.id;
            Ok((1..=n as i64).map(|i| top + i).collect())
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(c) => {
            // The sequence named once (an init plan): as an argument of
            // `nextval` itself, `pg_get_serial_sequence` (stable, not
            // folded) ran per row and took 6 of every 7 µs an id cost.
            let sql = format!(
                "SELECT nextval((SELECT pg_get_serial_sequence('{t}', 'id')::regclass)) AS id \
                 FROM generate_series(1, $1)"
            );
            let mut ids: Vec<i64> = diesel::sql_query(sql)
                .bind::<BigInt, _>(n as i64)
                .load::<OneId>(c)?
                .into_iter()
                .map(|r| r.id)
                .collect();
            ids.sort_unstable();
            Ok(ids)
        }
    }
}

#[derive(QueryableByName)]
struct CacheSize {
    #[diesel(sql_type = BigInt)]
    cache_size: i64,
}

/// Page cache an import's transaction gets on SQLite, in KiB (the
/// connection's own, 2 MiB by default, is put back after it).
const IMPORT_CACHE_KIB: i64 = 64 * 1024;

/// Runs `f` (an import's write transaction) with a larger SQLite page
/// cache: its rows go into every index of a table at scattered places
/// (interactions by client, dates, staff...), and with the default 2 MiB
/// a database of firm size read most index pages back from the file for
/// each batch. PostgreSQL: `f` as is (its buffers are the server's).
pub(crate) fn with_import_cache<T>(conn: &mut Conn, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
    let before = match conn {
        AnyConnection::Sqlite(c) => {
            let before = diesel::sql_query("PRAGMA cache_size").get_result::<CacheSize>(c)?.cache_size;
            c.batch_execute(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))?;
            before
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(_) => return f(conn),
    };
    let out = f(conn);
    // The answer is `f`'s (a cancel stays a cancel): a cache left large on
    // a connection that failed to shrink it costs memory, not correctness.
    // A single arm in a SQLite-only build.
    #[cfg_attr(not(feature = "postgres"), allow(irrefutable_let_patterns))]
    if let AnyConnection::Sqlite(c) = conn {
        let _ = c.batch_execute(&format!("PRAGMA cache_size = {before}"));
    }
    out
}

/// The keyword index's insert trigger, set aside for a batch (SQLite);
/// for interactions it also keeps the dates' bounds per block of ids,
/// which the batch raises itself (`raise_bounds`).
pub(crate) struct PausedIndex {
    table: Table,
    /// The trigger this pause dropped (to put back); `None` for a pause
    /// nested in one that did (or on PostgreSQL).
    trigger_sql: Option<String>,
    /// The largest id the table held when this pause dropped the trigger:
    /// every row above it is this transaction's (SQLite writers are
    /// serialised and ids only grow), to index when the pause ends.
    from: i64,
}

/// Drops `table`'s FTS5 insert trigger for the rest of the transaction
/// (SQLite; nothing on PostgreSQL, whose index is an expression index).
/// Pauses nest: inside a transaction that paused the index already (an
/// `all_or_nothing` import, once for all its batches) this drops nothing
/// and its [`resume_index`] does nothing, so the rows of every batch are
/// indexed once, by the outermost pause's [`resume_index`], in one
/// `INSERT … SELECT` (per batch, each 1,000 rows became an index segment
/// that FTS5 then merged: 8 % of a clients import). The schema is changed
/// once, not once per batch (which invalidates every prepared statement).
pub(crate) fn pause_index(conn: &mut Conn, table: Table) -> Result<PausedIndex> {
    // A single arm in a SQLite-only build.
    #[cfg_attr(not(feature = "postgres"), allow(clippy::infallible_destructuring_match))]
    let c = match conn {
        AnyConnection::Sqlite(c) => c,
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(_) => return Ok(PausedIndex { table, trigger_sql: None, from: 0 }),
    };
    let name = format!("{}_fts_ai", table.name());
    let sql = diesel::sql_query("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?")
        .bind::<Text, _>(&name)
        .get_result::<OneText>(c)
        .optional()?
        .map(|r| r.sql);
    let mut from = 0;
    if sql.is_some() {
        from = diesel::sql_query(format!("SELECT COALESCE(MAX(id), 0) AS id FROM {}", table.name()))
            .get_result::<OneId>(c)?
            .id;
        c.batch_execute(&format!("DROP TRIGGER {name}"))?;
    }
    Ok(PausedIndex { table, trigger_sql: sql, from })
}

/// Raises the dates' upper bounds of the blocks of ids that `rows` (id,
/// date in UTC ms) fall in (SQLite; migration 2026-12-07-000100,
/// `query/window.rs`): what the interactions' insert trigger does, for a
/// bulk batch that set it aside (`pause_index`). From the rows in memory,
/// one statement a block (~800 for 200,000 rows, a few ms), where reading
/// the batch back from the table cost 300 ms at size M.
pub(crate) fn raise_bounds(conn: &mut Conn, rows: impl Iterator<Item = (Id, i64)>) -> Result<()> {
    #[cfg_attr(not(feature = "postgres"), allow(irrefutable_let_patterns))]
    let AnyConnection::Sqlite(c) = conn else { return Ok(()) };
    let mut blocks: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    for (id, at) in rows {
        let b = blocks.entry(id >> crate::query::window::BLOCK_SHIFT).or_insert(at);
        *b = (*b).max(at);
    }
    for (block, bound) in blocks {
        let mut sql = crate::query::sql::Sql::new(false);
        sql.push("INSERT INTO interaction_blocks(block, bound) VALUES (")
            .bind_int(block)
            .push(", ")
            .bind_int(bound)
            .push(") ON CONFLICT(block) DO UPDATE SET bound = excluded.bound WHERE excluded.bound > bound");
        super::prepared::Prepared::<diesel::sql_types::Untyped>::fixed(&sql).execute(c)?;
    }
    Ok(())
}

/// Ends a pause: the outermost one indexes the rows inserted since it
/// began with one `INSERT … SELECT` and puts the trigger back; a nested
/// one leaves both to the enclosing pause.
pub(crate) fn resume_index(conn: &mut Conn, paused: PausedIndex) -> Result<()> {
    let (AnyConnection::Sqlite(c), Some(trigger)) = (conn, paused.trigger_sql) else {
        return Ok(());
    };
    let t = paused.table.name();
    diesel::sql_query(format!("INSERT INTO {t}_fts(rowid, search_text) SELECT id, search_text FROM {t} WHERE id > ?"))
        .bind::<BigInt, _>(paused.from)
        .execute(c)?;
    c.batch_execute(&trigger)?;
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = contact_links)]
#[diesel(treat_none_as_default_value = false)]
struct NewLink {
    client_id: i64,
    contact_id: i64,
    role: String,
    created_by: i64,
    created_at: i64,
}

/// Inserts rows: on SQLite one single-row INSERT per row, prepared once
/// per connection (diesel caches a statement of fixed shape) and stepped
/// again for each row — what a hand-written load does. A multi-row INSERT
/// over a slice has a text per length, which diesel never caches: every
/// chunk of 500 rows × 29 columns was parsed and planned afresh. On
/// PostgreSQL a multi-row INSERT per chunk (one round trip per chunk).
macro_rules! insert_chunks {
    ($conn:expr, $table:path, $rows:expr) => {{
        let rows = $rows;
        match &mut *$conn {
            AnyConnection::Sqlite(c) => {
                for row in rows.iter() {
                    diesel::insert_into($table).values(row).execute(c)?;
                }
            }
            #[cfg(feature = "postgres")]
            AnyConnection::Pg(c) => {
                for chunk in rows.chunks(CHUNK) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
        Ok(())
    }};
}

/// What a PostgreSQL batch does with a row whose code or key another
/// writer took since the import's check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Taken {
    /// `commit: batches`: the row is left out and reported (`copy_unique`).
    LeaveOut,
    /// `all_or_nothing`: the import's one transaction re-read the codes
    /// just before (`rereads_taken_codes`); one taken after that re-read
    /// fails the import with a `duplicate` error, nothing written. No
    /// savepoint per batch: each would hold a subtransaction id to the
    /// end of the import, and past 64 of them every other session's
    /// snapshot pays for it (subtransaction overflow).
    Fail,
}

/// On PostgreSQL, inserts whole new rows (`NewRow`) that carry a unique
/// code or key (`$target`), and answers the ids actually inserted. Another
/// import or a `create` may take a code between this batch's check and its
/// insert. The rows go in by one binary `COPY` (no statement to parse, no
/// bind limit). With [`Taken::LeaveOut`] the `COPY` runs in a savepoint
/// (one per batch transaction); should a row meet the code's or key's
/// unique index, the savepoint is rolled back and the batch goes in again
/// by multi-row `INSERT … ON CONFLICT ($target) DO NOTHING RETURNING id`,
/// which leaves such rows out (the caller reports them); any other
/// violation is the batch's error. With [`Taken::Fail`], a plain `COPY`;
/// a taken code is a `duplicate` error (`$field`). The caller sorts a
/// batch's rows by code or key, so two imports' batches take the index's
/// locks in one order.
#[cfg(feature = "postgres")]
macro_rules! copy_unique {
    ($c:expr, $taken:expr, $table:ident, $target:ident, $field:expr, $rows:expr, $conflict:expr) => {{
        use diesel::result::{DatabaseErrorKind, Error as E};
        let (c, rows) = ($c, $rows);
        let index = concat!(stringify!($table), "_", stringify!($target));
        let copied = match (rows.is_empty(), $taken) {
            (true, _) => Ok(0),
            (false, Taken::LeaveOut) => {
                c.transaction(|c| diesel::copy_from($table::table).from_insertable(&rows).execute(c))
            }
            (false, Taken::Fail) => diesel::copy_from($table::table).from_insertable(&rows).execute(c),
        };
        match copied {
            Ok(_) => rows.iter().map(|r| r.id).collect(),
            Err(E::DatabaseError(DatabaseErrorKind::UniqueViolation, info))
                if info.constraint_name() == Some(index) && $taken == Taken::LeaveOut =>
            {
                let mut inserted = std::collections::HashSet::with_capacity(rows.len());
                for chunk in rows.chunks(CHUNK) {
                    let ids: Vec<i64> = $conflict(diesel::insert_into($table::table).values(chunk))
                        .returning($table::id)
                        .get_results(c)?;
                    inserted.extend(ids);
                }
                inserted
            }
            Err(E::DatabaseError(DatabaseErrorKind::UniqueViolation, info))
                if info.constraint_name() == Some(index) =>
            {
                // "Key (code_key)=(ct-2) already exists."
                let value = info.details().and_then(|d| d.split_once("=(")).and_then(|(_, v)| v.rsplit_once(") "));
                return Err(crate::error::Error::Duplicate {
                    field: $field.into(),
                    value: value.map_or_else(String::new, |(v, _)| v.to_string()),
                    where_: " by another record during the import".into(),
                });
            }
            Err(e) => return Err(e.into()),
        }
    }};
}

/// Below this many rows, a PostgreSQL batch's rows are built on the
/// caller's thread alone (`built_in_halves`).
#[cfg(feature = "postgres")]
const HALVES_MIN: usize = 128;

/// A row builder's panic, as the import's (internal) error.
#[cfg(feature = "postgres")]
fn builder_panicked(panic: Box<dyn std::any::Any + Send>) -> crate::error::Error {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    crate::error::Error::internal(format!("an import's row builder panicked: {what}"))
}

/// Builds every row with `make`, the second half on another thread, in
/// order. On PostgreSQL a batch's rows are built before its `COPY`: their
/// text work (folding, keyword text, JSON) was all on the
/// caller's thread, the server waiting, a tenth of a clients import. A
/// host that may not start a thread: all built here. A panic in the other
/// thread is an internal error; one in the first half unwinds the caller
/// (after the other thread is joined), as any panic of a row's building
/// did before.
#[cfg(feature = "postgres")]
fn built_in_halves<R: Sync, T: Send>(rows: &[R], make: impl Fn(&R) -> T + Sync) -> Result<Vec<T>> {
    if rows.len() < HALVES_MIN {
        return Ok(rows.iter().map(make).collect());
    }
    let (first, second) = rows.split_at(rows.len() / 2);
    std::thread::scope(|s| {
        let make = &make;
        let other = std::thread::Builder::new()
            .name("clientele-import-rows".into())
            .spawn_scoped(s, move || second.iter().map(make).collect::<Vec<T>>());
        let mut out = Vec::with_capacity(rows.len());
        out.extend(first.iter().map(make));
        match other {
            Ok(h) => out.extend(h.join().map_err(builder_panicked)?),
            Err(_) => out.extend(second.iter().map(make)),
        }
        Ok(out)
    })
}

/// Clients with their ids assigned, and their duplicate keys (computed
/// once by the import, for its warnings); answers the ids actually
/// inserted (see `copy_unique`). On SQLite each row is built
/// then inserted by one cached single-row statement, its keys beside it,
/// all on the caller's thread: a second thread building the rows
/// (86cbeb8) made SQLite imports 0.1× of the limit slower on the 2-core
/// machine of 2026-12-06 (BENCHMARKS.md), its rows freed by the thread
/// that did not allocate them.
pub(crate) fn insert_clients(
    conn: &mut Conn,
    rows: &[(Id, &ClientData, &[super::dupkeys::Key])],
    (actor, now, region): (Id, i64, PhoneRegion),
    taken: Taken,
) -> Result<std::collections::HashSet<Id>> {
    #[cfg(not(feature = "postgres"))]
    let _ = taken; // SQLite leaves nothing to the insert (`rereads_taken_codes`)
    use super::clients::{NewRow, write};
    use super::dupkeys::Keyed;
    let new = |(id, d, _): &(Id, &ClientData, &[_])| NewRow::new(*id, write(d, actor, now, region), actor, now);
    match conn {
        AnyConnection::Sqlite(c) => {
            for r in rows {
                diesel::insert_into(clients::table).values(&new(r)).execute(c)?;
                super::dupkeys::insert_sqlite(c, Keyed::Client, r.0, r.2)?;
            }
            Ok(rows.iter().map(|(id, _, _)| *id).collect())
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(c) => {
            let new_rows = built_in_halves(rows, new)?;
            let conflict =
                |q: diesel::query_builder::InsertStatement<_, _>| q.on_conflict(clients::code_key).do_nothing();
            let inserted: std::collections::HashSet<Id> =
                copy_unique!(c, taken, clients, code_key, "code", new_rows, conflict);
            // The duplicate keys of the rows this batch inserted (a code
            // taken meanwhile by another import is that import's row).
            let keys: Vec<_> = rows
                .iter()
                .filter(|(id, _, _)| inserted.contains(id))
                .map(|(id, _, keys)| (*id, keys.to_vec()))
                .collect();
            super::dupkeys::insert(conn, Keyed::Client, &keys)?;
            Ok(inserted)
        }
    }
}

/// Contacts with their ids assigned, and their duplicate keys; answers the
/// ids actually inserted (as `insert_clients`).
pub(crate) fn insert_contacts(
    conn: &mut Conn,
    rows: &[(Id, Option<&str>, &ContactData, &[super::dupkeys::Key])],
    (actor, now, region): (Id, i64, PhoneRegion),
    taken: Taken,
) -> Result<std::collections::HashSet<Id>> {
    #[cfg(not(feature = "postgres"))]
    let _ = taken; // SQLite leaves nothing to the insert (`rereads_taken_codes`)
    use super::contacts::{NewRow, write};
    use super::dupkeys::Keyed;
    let new = |(id, key, d, _): &(Id, Option<&str>, &ContactData, &[_])| {
        NewRow::new(*id, write(d, actor, now, region), actor, now, key.map(text::code_key))
    };
    match conn {
        AnyConnection::Sqlite(c) => {
            for r in rows {
                diesel::insert_into(contacts::table).values(&new(r)).execute(c)?;
                super::dupkeys::insert_sqlite(c, Keyed::Contact, r.0, r.3)?;
            }
            Ok(rows.iter().map(|(id, _, _, _)| *id).collect())
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(c) => {
            let new_rows = built_in_halves(rows, new)?;
            let conflict = |q: diesel::query_builder::InsertStatement<_, _>| {
                q.on_conflict(contacts::import_key).filter_target(contacts::import_key.is_not_null()).do_nothing()
            };
            let inserted: std::collections::HashSet<Id> =
                copy_unique!(c, taken, contacts, import_key, "key", new_rows, conflict);
            let keys: Vec<_> = rows
                .iter()
                .filter(|(id, _, _, _)| inserted.contains(id))
                .map(|(id, _, _, keys)| (*id, keys.to_vec()))
                .collect();
            super::dupkeys::insert(conn, Keyed::Contact, &keys)?;
            Ok(inserted)
        }
    }
}

/// Interactions with their ids assigned: on SQLite built and inserted one
/// cached single-row statement each, on the caller's thread (as
/// `insert_clients`); on PostgreSQL one binary
/// `COPY … FROM STDIN` per batch (no statement text to parse, no bind
/// limit; interactions have no unique key an import could race for).
pub(crate) fn insert_interactions(
    conn: &mut Conn,
    rows: &[(Id, &InteractionData)],
    actor: Id,
    now: i64,
    region: PhoneRegion,
) -> Result<()> {
    use super::interactions::{NewRow, write};
    let new = |(id, d): &(Id, &InteractionData)| NewRow::new(*id, write(d, actor, now, region), actor, now);
    match conn {
        AnyConnection::Sqlite(c) => {
            for r in rows {
                diesel::insert_into(interactions::table).values(&new(r)).execute(c)?;
            }
            Ok(())
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(c) => {
            if !rows.is_empty() {
                let rows: Vec<NewRow> = built_in_halves(rows, new)?;
                diesel::copy_from(interactions::table).from_insertable(&rows).execute(c)?;
            }
            Ok(())
        }
    }
}

/// Transfers with their ids assigned (`next_ids`), as
/// `store::transfers::insert` writes one: folded subject and keyword text
/// computed here, the keyword index filled by the caller's
/// `pause_index`/`resume_index`.
pub(crate) fn insert_transfers(conn: &mut Conn, rows: &[(Id, &TransferData)], actor: Id, now: i64) -> Result<()> {
    let rows: Vec<_> =
        rows.iter().map(|(id, t)| (transfers::id.eq(*id), super::transfers::New::of(t, actor, now))).collect();
    insert_chunks!(conn, transfers::table, &rows)
}

pub(crate) fn insert_links(conn: &mut Conn, rows: &[(Id, Id, ContactRole)], actor: Id, now: i64) -> Result<()> {
    let rows: Vec<NewLink> = rows
        .iter()
        .map(|(client, contact, role)| NewLink {
            client_id: *client,
            contact_id: *contact,
            role: role.as_str().to_string(),
            created_by: actor,
            created_at: now,
        })
        .collect();
    insert_chunks!(conn, contact_links::table, &rows)
}

/// A record an import row may match: its id, version, whether it is in the
/// trash, and (clients) its office.
#[derive(Debug, Clone)]
pub(crate) struct Existing {
    pub id: Id,
    pub version: i64,
    pub trashed: bool,
    pub office: Option<String>,
}

/// Whether a batch re-reads, inside its transaction, the codes or keys
/// taken since the import's check, to leave those rows out: on SQLite, as
/// a plain insert would fail the whole batch on the unique index, and on
/// PostgreSQL in an all-or-nothing import (`Taken::Fail`: no savepoint to
/// fall back from). A PostgreSQL batch of its own transaction leaves them
/// out by its insert instead (`copy_unique`).
pub(crate) fn rereads_taken_codes(conn: &Conn, taken: Taken) -> bool {
    matches!(conn, AnyConnection::Sqlite(_)) || taken == Taken::Fail
}

/// Runs a lookup of keys with sequential scans off on PostgreSQL: inside an
/// import's transaction the planner still sees the table as it was before
/// (empty for a new firm) and scanned the rows written so far with 500 keys
/// per row, batch after batch (7-9 ms a batch at 15,000 contacts, growing
/// with the import). The setting ends with the lookup.
fn by_index<T>(conn: &mut Conn, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
    #[cfg(feature = "postgres")]
    if let AnyConnection::Pg(c) = conn {
        c.batch_execute("SET LOCAL enable_seqscan = off")?;
        let out = f(conn)?;
        // (After a failed lookup the transaction is aborted: its error is
        // the one to answer, and the setting ends with the transaction.)
        if let AnyConnection::Pg(c) = conn {
            c.batch_execute("SET LOCAL enable_seqscan = DEFAULT")?;
        }
        return Ok(out);
    }
    f(conn)
}

/// Every client by code key, and by id.
pub(crate) fn all_clients(conn: &mut Conn) -> Result<(HashMap<String, Existing>, HashMap<Id, Existing>)> {
    type ClientKeys = (String, i64, i64, Option<i64>, Option<String>);
    let rows: Vec<ClientKeys> = clients::table
        .select((clients::code_key, clients::id, clients::version, clients::trash_id, clients::office))
        .load(conn)?;
    let mut by_code = HashMap::with_capacity(rows.len());
    let mut by_id = HashMap::with_capacity(rows.len());
    for (key, id, version, trash, office) in rows {
        let e = Existing { id, version, trashed: trash.is_some(), office };
        by_id.insert(id, e.clone());
        by_code.insert(key, e);
    }
    Ok((by_code, by_id))
}

#[derive(QueryableByName)]
struct KeyedRow {
    #[diesel(sql_type = Text)]
    import_key: String,
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    trash_id: Option<i64>,
}

/// Contacts by import key (live or trashed), for the given keys.
///
/// On PostgreSQL an unnamed statement, planned afresh for its keys each
/// time: the cached (named) statement got a generic plan when the table
/// was still empty — a sequential scan, the partial unique index on
/// `import_key` unproven for an array parameter — and kept it while an
/// import filled the table: each lookup of 500 keys scanned every contact
/// (20–56 ms at 15,000 contacts, half of a contacts import's time).
pub(crate) fn contacts_by_keys(conn: &mut Conn, keys: &[String]) -> Result<HashMap<String, Existing>> {
    by_index(conn, |conn| contacts_by_keys_(conn, keys))
}

fn contacts_by_keys_(conn: &mut Conn, keys: &[String]) -> Result<HashMap<String, Existing>> {
    let existing = |r: KeyedRow| {
        (r.import_key, Existing { id: r.id, version: r.version, trashed: r.trash_id.is_some(), office: None })
    };
    match conn {
        AnyConnection::Sqlite(c) => {
            let rows: Vec<KeyedRow> = sqlite_in(
                c,
                "SELECT import_key, id, version, trash_id FROM contacts WHERE import_key",
                json_array(keys)?,
                "",
            )?;
            Ok(rows.into_iter().map(existing).collect())
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(c) => {
            let mut out = HashMap::with_capacity(keys.len());
            for chunk in keys.chunks(LOOKUP) {
                let rows = diesel::sql_query(
                    "SELECT import_key, id, version, trash_id FROM contacts \
                     WHERE import_key = ANY($1) AND import_key IS NOT NULL",
                )
                .bind::<diesel::sql_types::Array<Text>, _>(chunk)
                .load::<KeyedRow>(c)?;
                out.extend(rows.into_iter().map(existing));
            }
            Ok(out)
        }
    }
}

/// What resolves a file's contact references: live contacts by import key
/// and by folded e-mail address (every contact that has it: the caller
/// keeps those the actor sees before calling an address ambiguous).
pub(crate) struct ContactIndex {
    pub by_key: HashMap<String, Id>,
    pub by_email: HashMap<String, Vec<Id>>,
    pub live: std::collections::HashSet<Id>,
}

pub(crate) fn contact_index(conn: &mut Conn) -> Result<ContactIndex> {
    let rows: Vec<(i64, Option<String>, Option<String>)> = contacts::table
        .filter(contacts::trash_id.is_null())
        .select((contacts::id, contacts::import_key, contacts::emails_fold))
        .load(conn)?;
    let mut index = ContactIndex { by_key: HashMap::new(), by_email: HashMap::new(), live: Default::default() };
    for (id, key, emails) in rows {
        index.live.insert(id);
        if let Some(key) = key {
            index.by_key.insert(key, id);
        }
        for e in emails.as_deref().unwrap_or("").split_whitespace() {
            let ids = index.by_email.entry(e.to_string()).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(index)
}

/// Staff ids by folded initials (`None`: two share them).
pub(crate) type Initials = HashMap<String, Option<Id>>;

/// Active staff members by folded initials, and the ids of all staff.
pub(crate) fn staff_by_initials(conn: &mut Conn) -> Result<(Initials, Vec<Id>)> {
    let rows: Vec<(i64, String, bool)> = staff::table.select((staff::id, staff::initials, staff::active)).load(conn)?;
    let mut out: HashMap<String, Option<Id>> = HashMap::new();
    for (id, initials, active) in &rows {
        if *active {
            out.entry(text::fold(initials.trim())).and_modify(|v| *v = None).or_insert(Some(*id));
        }
    }
    Ok((out, rows.into_iter().map(|r| r.0).collect()))
}

/// Every link: role by (client, contact).
pub(crate) fn all_links(conn: &mut Conn) -> Result<HashMap<(Id, Id), String>> {
    let rows: Vec<(i64, i64, String)> = contact_links::table
        .select((contact_links::client_id, contact_links::contact_id, contact_links::role))
        .load(conn)?;
    Ok(rows.into_iter().map(|(a, b, r)| ((a, b), r)).collect())
}

/// Offices of the clients each contact is linked to (live or trashed
/// clients: as the visibility rules count them).
pub(crate) fn contact_offices(conn: &mut Conn) -> Result<HashMap<Id, Vec<Option<String>>>> {
    let rows: Vec<(i64, Option<String>)> = contact_links::table
        .inner_join(clients::table)
        .select((contact_links::contact_id, clients::office))
        .load(conn)?;
    let mut out: HashMap<Id, Vec<Option<String>>> = HashMap::new();
    for (contact, office) in rows {
        out.entry(contact).or_default().push(office);
    }
    Ok(out)
}

/// The live clients among `ids`, with their office, as this transaction
/// sees them now; on PostgreSQL held (`FOR SHARE`) until it ends, so a
/// concurrent delete or office move waits for the batch to commit (SQLite
/// writers are serialised). What an import checked before its writes is
/// checked again here, batch by batch.
pub(crate) fn hold_clients(conn: &mut Conn, ids: &[Id]) -> Result<HashMap<Id, Option<String>>> {
    let mut out = HashMap::with_capacity(ids.len());
    match conn {
        AnyConnection::Sqlite(c) => {
            // One statement the connection keeps prepared, the ids one
            // JSON array: 500-id `IN` lists were prepared afresh for each,
            // twice a batch (181 ms of a 200,000-interaction import, 6 %).
            #[derive(QueryableByName)]
            struct Held {
                #[diesel(sql_type = BigInt)]
                id: i64,
                #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
                office: Option<String>,
            }
            let rows: Vec<Held> =
                sqlite_in(c, "SELECT id, office FROM clients WHERE id", json_array(ids)?, " AND trash_id IS NULL")?;
            out.extend(rows.into_iter().map(|r| (r.id, r.office)));
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(c) => {
            for part in ids.chunks(LOOKUP) {
                let rows: Vec<(i64, Option<String>)> = clients::table
                    .filter(clients::id.eq_any(part))
                    .filter(clients::trash_id.is_null())
                    .order(clients::id)
                    .select((clients::id, clients::office))
                    .for_share()
                    .load(c)?;
                out.extend(rows);
            }
        }
    }
    Ok(out)
}

/// Runs, on SQLite, `{head} IN (SELECT value FROM json_each(?)){tail}`
/// with `values` bound as one JSON array, by a statement the connection
/// keeps prepared: an `IN` list of 500 values is a text per length,
/// prepared afresh for each lookup (an import's re-reads did that for
/// every batch).
fn sqlite_in<R: QueryableByName<diesel::sqlite::Sqlite> + 'static>(
    c: &mut diesel::SqliteConnection,
    head: &str,
    values: String,
    tail: &str,
) -> Result<Vec<R>> {
    let mut sql = crate::query::sql::Sql::new(false);
    sql.push(head).push(" IN (SELECT value FROM json_each(");
    sql.bind_text(values);
    sql.push("))").push(tail);
    Ok(super::prepared::Prepared::<diesel::sql_types::Untyped>::new(&sql).load::<R>(c)?)
}

/// `values` as a JSON array, for `json_each`.
fn json_array<T: serde::Serialize>(values: &[T]) -> Result<String> {
    serde_json::to_string(values).map_err(|e| crate::error::Error::internal(format!("lookup values as JSON: {e}")))
}

/// The live contacts among `ids`, held alike, with the offices of the
/// clients each is linked to (live or trashed, as `contact_offices`).
pub(crate) fn hold_contacts(conn: &mut Conn, ids: &[Id]) -> Result<HashMap<Id, Vec<Option<String>>>> {
    let mut out: HashMap<Id, Vec<Option<String>>> = HashMap::new();
    for part in ids.chunks(LOOKUP) {
        let q = contacts::table
            .filter(contacts::id.eq_any(part.to_vec()))
            .filter(contacts::trash_id.is_null())
            .order(contacts::id)
            .select(contacts::id);
        let rows: Vec<i64> = match conn {
            #[cfg(feature = "postgres")]
            AnyConnection::Pg(c) => q.for_share().load(c)?,
            AnyConnection::Sqlite(c) => q.load(c)?,
        };
        out.extend(rows.into_iter().map(|id| (id, Vec::new())));
        let links: Vec<(i64, Option<String>)> = contact_links::table
            .inner_join(clients::table)
            .filter(contact_links::contact_id.eq_any(part.to_vec()))
            .select((contact_links::contact_id, clients::office))
            .load(conn)?;
        for (contact, office) in links {
            if let Some(offices) = out.get_mut(&contact) {
                offices.push(office);
            }
        }
    }
    Ok(out)
}

/// The links of these clients now: role by (client, contact); held
/// (`FOR SHARE`) on PostgreSQL until the transaction ends, so an unlink or
/// role change waits for the batch that relies on them.
///
/// `to_change`: the batch will change roles, so the rows are held for
/// update (`FOR UPDATE`) from the start: two imports holding one link
/// `FOR SHARE` and then both updating it deadlocked. Rows are locked in
/// (client, contact) order, the same in every import.
pub(crate) fn links_of(conn: &mut Conn, clients: &[Id], to_change: bool) -> Result<HashMap<(Id, Id), String>> {
    // SQLite holds the whole database for the writer: nothing to lock.
    #[cfg(not(feature = "postgres"))]
    let _ = to_change;
    let mut clients = clients.to_vec();
    clients.sort_unstable();
    clients.dedup();
    let mut out = HashMap::new();
    for part in clients.chunks(LOOKUP) {
        let q = contact_links::table
            .filter(contact_links::client_id.eq_any(part.to_vec()))
            .order((contact_links::client_id, contact_links::contact_id))
            .select((contact_links::client_id, contact_links::contact_id, contact_links::role));
        let rows: Vec<(i64, i64, String)> = match conn {
            #[cfg(feature = "postgres")]
            AnyConnection::Pg(c) if to_change => q.for_update().load(c)?,
            #[cfg(feature = "postgres")]
            AnyConnection::Pg(c) => q.for_share().load(c)?,
            AnyConnection::Sqlite(c) => q.load(c)?,
        };
        out.extend(rows.into_iter().map(|(a, b, r)| ((a, b), r)));
    }
    Ok(out)
}

/// Which of these client code keys a client (live or trashed) holds now.
pub(crate) fn codes_held(conn: &mut Conn, keys: &[String]) -> Result<std::collections::HashSet<String>> {
    match conn {
        AnyConnection::Sqlite(c) => {
            let held: Vec<OneText> =
                sqlite_in(c, "SELECT code_key AS sql FROM clients WHERE code_key", json_array(keys)?, "")?;
            Ok(held.into_iter().map(|r| r.sql).collect())
        }
        #[cfg(feature = "postgres")]
        AnyConnection::Pg(_) => by_index(conn, |conn| {
            let mut out = std::collections::HashSet::new();
            for part in keys.chunks(LOOKUP) {
                let rows: Vec<String> =
                    clients::table.filter(clients::code_key.eq_any(part)).select(clients::code_key).load(conn)?;
                out.extend(rows);
            }
            Ok(out)
        }),
    }
}

/// The live clients among `ids`, whole (with their people in charge): what
/// a patch row is merged onto.
pub(crate) fn client_records(conn: &mut Conn, ids: &[Id]) -> Result<HashMap<Id, Record<ClientData>>> {
    let mut out = HashMap::with_capacity(ids.len());
    for part in ids.chunks(LOOKUP) {
        let rows: Vec<super::clients::Row> = clients::table
            .filter(clients::id.eq_any(part.to_vec()))
            .filter(clients::trash_id.is_null())
            .select(super::clients::Row::as_select())
            .load(conn)?;
        out.extend(super::clients::records(conn, rows)?.into_iter().map(|r| (r.id, r)));
    }
    Ok(out)
}

/// The live contacts among `ids`, whole.
pub(crate) fn contact_records(conn: &mut Conn, ids: &[Id]) -> Result<HashMap<Id, Record<ContactData>>> {
    let mut out = HashMap::with_capacity(ids.len());
    for part in ids.chunks(LOOKUP) {
        let rows: Vec<super::contacts::Row> = contacts::table
            .filter(contacts::id.eq_any(part.to_vec()))
            .filter(contacts::trash_id.is_null())
            .select(super::contacts::Row::as_select())
            .load(conn)?;
        // Whole: with their tags, so a patch that gives no tags keeps them.
        let mut tags = super::tags::of_contacts(conn, part)?;
        for r in rows {
            let mut r = r.into_record()?;
            r.data.tags = tags.remove(&r.id).unwrap_or_default();
            out.insert(r.id, r);
        }
    }
    Ok(out)
}

/// Which of these duplicate keys any record of `entity` (live or in the
/// trash) holds now, so an import looks up its rows' likely duplicates
/// only for the rows that share a key with something (a point read per key
/// of every row was one query — on PostgreSQL one round trip — per key):
/// per kind, every held key in one index range when there are few, else
/// one read per [`LOOKUP`] keys of the file.
pub(crate) fn dup_keys_held(
    conn: &mut Conn,
    entity: super::dupkeys::Keyed,
    keys: &[(text::DupKind, String)],
) -> Result<std::collections::HashSet<(text::DupKind, String)>> {
    use super::schema::dup_keys;
    let mut by_kind: HashMap<text::DupKind, Vec<&str>> = HashMap::new();
    for (k, key) in keys {
        by_kind.entry(*k).or_default().push(key);
    }
    let mut out = std::collections::HashSet::new();
    for (kind, mut list) in by_kind {
        list.sort_unstable();
        list.dedup();
        // Read every key of this kind, in one index range, when there are
        // fewer than twice the file's (a new firm's first import: none),
        // and keep those the file gives; else look the file's up, 500 at
        // a time. At most twice the cheaper of the two: 50,000 contacts
        // into an empty firm looked up 150,000 keys for nothing (80 ms).
        let cap = 2 * list.len() as i64;
        let held: Vec<String> = dup_keys::table
            .filter(dup_keys::entity.eq(entity.as_str()))
            .filter(dup_keys::kind.eq(kind.as_str()))
            .select(dup_keys::key)
            .distinct()
            .limit(cap)
            .load(conn)?;
        if (held.len() as i64) < cap {
            let given: std::collections::HashSet<&str> = list.iter().copied().collect();
            out.extend(held.into_iter().filter(|k| given.contains(k.as_str())).map(|key| (kind, key)));
            continue;
        }
        for part in list.chunks(LOOKUP) {
            let rows: Vec<String> = dup_keys::table
                .filter(dup_keys::entity.eq(entity.as_str()))
                .filter(dup_keys::kind.eq(kind.as_str()))
                .filter(dup_keys::key.eq_any(part))
                .select(dup_keys::key)
                .distinct()
                .load(conn)?;
            out.extend(rows.into_iter().map(|key| (kind, key)));
        }
    }
    Ok(out)
}

/// The keys contacts were imported with, by id (the `contact_key` column
/// of interaction and transfer exports).
pub(crate) fn contact_keys_of(conn: &mut Conn, ids: &[Id]) -> Result<HashMap<Id, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::with_capacity(ids.len());
    for part in ids.chunks(LOOKUP) {
        let rows: Vec<(i64, Option<String>)> = contacts::table
            .filter(contacts::id.eq_any(part))
            .select((contacts::id, contacts::import_key))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(id, k)| k.map(|k| (id, k))));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EngineConfig;
    use crate::store::Db;

    fn cache(c: &mut Conn) -> Result<i64> {
        match c {
            AnyConnection::Sqlite(c) => {
                Ok(diesel::sql_query("PRAGMA cache_size").get_result::<CacheSize>(c)?.cache_size)
            }
            #[cfg(feature = "postgres")]
            AnyConnection::Pg(_) => unreachable!("a SQLite file"),
        }
    }

    /// `dup_keys_held` answers the same keys whether it reads every key
    /// of a kind (fewer held than twice the file's) or looks the file's
    /// up: checked on both sides of that line, with keys of the other
    /// entity and kind beside them, and a key two records share.
    #[test]
    fn held_duplicate_keys_are_the_same_read_whole_or_looked_up() {
        use crate::store::dupkeys::{Keyed, insert};
        use text::DupKind;
        let db = Db::open(&EngineConfig::new(crate::store::test_db_path("dup-keys-held"))).unwrap();
        let held: Vec<(Id, Vec<(DupKind, String)>)> = (0..100)
            .map(|i| (i + 1, vec![(DupKind::Name, format!("n{i}")), (DupKind::Email, format!("e{}", i % 50))]))
            .collect();
        db.write(|c| {
            insert(c, Keyed::Contact, &held)?;
            insert(c, Keyed::Client, &[(1, vec![(DupKind::Name, "x0".into()), (DupKind::Name, "n7".into())])])
        })
        .unwrap();
        // 3, 60 and 300 file keys of each kind: under, across and over
        // the 100 names and 50 e-mails held.
        for n in [3usize, 60, 300] {
            let file: Vec<(DupKind, String)> = (0..n)
                .flat_map(|i| [(DupKind::Name, format!("n{}", i * 2)), (DupKind::Email, format!("e{}", i * 3))])
                .chain([(DupKind::Name, "x0".to_string())])
                .collect();
            let want: std::collections::HashSet<(DupKind, String)> = file
                .iter()
                .filter(|(k, key)| held.iter().any(|(_, ks)| ks.iter().any(|(k2, key2)| k2 == k && key2 == key)))
                .cloned()
                .collect();
            let got = db.read(|c| dup_keys_held(c, Keyed::Contact, &file)).unwrap();
            assert_eq!(got, want, "{n} file keys of each kind");
            assert!(!want.is_empty());
        }
    }

    /// `built_in_halves` answers every row in order, whatever the count
    /// (under and over the size that splits), and a panic of the other
    /// thread is an error, not a crash.
    #[cfg(feature = "postgres")]
    #[test]
    fn rows_built_in_halves_keep_their_order() {
        for n in [0, 1, HALVES_MIN - 1, HALVES_MIN, 1001] {
            let rows: Vec<usize> = (0..n).collect();
            let got = built_in_halves(&rows, |r| r * 3).unwrap();
            assert_eq!(got, rows.iter().map(|r| r * 3).collect::<Vec<_>>(), "{n} rows");
        }
        let rows: Vec<usize> = (0..1000).collect();
        let e = built_in_halves(&rows, |r| {
            assert!(*r < 900, "a builder's panic");
            *r
        });
        assert!(matches!(e, Err(crate::error::Error::Internal { .. })), "{e:?}");
    }

    #[test]
    fn an_import_gets_a_large_cache_and_gives_it_back() {
        let db = Db::open(&EngineConfig::new(crate::store::test_db_path("import-cache"))).unwrap();
        db.write(|c| {
            c.batch_execute("PRAGMA cache_size = -1234")?;
            assert_eq!(with_import_cache(c, cache)?, -IMPORT_CACHE_KIB);
            assert_eq!(cache(c)?, -1234, "the connection's own size, back after the import");
            // A failed import answers its own error, and gives the cache back too.
            let e = with_import_cache(c, |_| -> Result<()> { Err(crate::error::Error::Canceled) });
            assert!(matches!(e, Err(crate::error::Error::Canceled)));
            assert_eq!(cache(c)?, -1234);
            Ok(())
        })
        .unwrap();
    }

    /// On PostgreSQL a batch of its own transaction (`Taken::LeaveOut`)
    /// whose `COPY` meets a code taken since the check goes in again by
    /// `INSERT … ON CONFLICT (code_key) DO NOTHING`: the other rows are
    /// written, the taken one left out (answered as not inserted, for the
    /// caller to report), nothing half-written. In an all-or-nothing
    /// import (`Taken::Fail`, no savepoint) it is a `duplicate` error
    /// naming the code.
    #[cfg(feature = "postgres")]
    #[test]
    fn a_code_taken_since_the_check_leaves_only_its_row_out_on_postgres() {
        let Some(schema) = crate::store::PgTestSchema::new("core_bulk_copy") else { return };
        let db = Db::open(&EngineConfig::new(schema.url.clone())).unwrap();
        let region = PhoneRegion::default();
        let staff = db
            .write(|c| {
                c.batch_execute(
                    "INSERT INTO staff (name, initials, rights, created_at, updated_at) \
                     VALUES ('Hélène', 'HD', '[]', 0, 0)",
                )?;
                Ok(staff::table.select(staff::id).first::<i64>(c)?)
            })
            .unwrap();
        let data: Vec<ClientData> = ["CP-1", "CP-2", "CP-3"]
            .iter()
            .map(|code| ClientData::new(code.to_string(), format!("Société {code}")))
            .collect();
        let other = ClientData::new("cp-2".to_string(), "Plus vite".to_string());
        let (inserted, ids) = db
            .write(|c| {
                let ids = next_ids(c, Table::Clients, 4)?;
                // Taken by someone else after the check: the plain COPY of
                // these rows would meet the unique index.
                insert_clients(c, &[(ids[3], &other, &[])], (staff, 0, region), Taken::LeaveOut)?;
                let rows: Vec<(Id, &ClientData, &[_])> =
                    ids.iter().copied().zip(data.iter()).map(|(i, d)| (i, d, &[][..])).collect();
                let inserted = insert_clients(c, &rows, (staff, 0, region), Taken::LeaveOut)?;
                let codes: Vec<String> = clients::table.order(clients::code_key).select(clients::code).load(c)?;
                assert_eq!(codes, ["CP-1", "cp-2", "CP-3"]);
                Ok((inserted, ids))
            })
            .unwrap();
        assert_eq!(inserted, [ids[0], ids[2]].into_iter().collect());
        let again = ClientData::new("Cp-3".to_string(), "Encore".to_string());
        let e = db.write(|c| {
            let ids = next_ids(c, Table::Clients, 1)?;
            insert_clients(c, &[(ids[0], &again, &[])], (staff, 0, region), Taken::Fail)
        });
        match e {
            Err(crate::error::Error::Duplicate { field, value, .. }) => {
                assert_eq!((field.as_str(), value.as_str()), ("code", "cp-3"))
            }
            other => panic!("{other:?}"),
        }
        let n: i64 = db.query(|c| Ok(clients::table.count().get_result(c)?)).unwrap();
        assert_eq!(n, 3, "the failed batch wrote nothing");
    }
}

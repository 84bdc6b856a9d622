//! Recomputes the keyword index text (`search_text`) of existing rows when
//! the engine's key format or the firm's phone region changed since it was
//! written (recorded in `search_index`).
//!
//! Why at open and not in a migration: phone keys come from the phone
//! metadata in Rust (`crate::text::phone_keys`) and depend on the
//! configured region, which SQL knows neither. The run is one write
//! transaction (under the migrations' advisory lock on PostgreSQL), so
//! engines opening together do it once. It reads the rows in chunks by id
//! and writes only the rows whose text changes. On SQLite the FTS5 update
//! trigger is set aside meanwhile and the index rebuilt once at the end (a
//! trigger per row would write one index segment per row).
//!
//! Cost: once per database (and again after `phone_region` changes); at firm
//! size (20k clients, 60k contacts, 1M interactions) it reads every row once.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::schema::{clients, contacts, interactions};
use super::{AnyConnection, Conn, Db};
use crate::error::Result;
use crate::text::PhoneRegion;

/// The key format of `search_text`; raise it when what the index holds
/// changes, and every database is reindexed at its next open.
/// 2: phone keys (international, national, local, extension).
pub(crate) const SEARCH_TEXT_VERSION: i64 = 2;

const CHUNK: i64 = 2000;

#[derive(QueryableByName)]
struct Marker {
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = Text)]
    phone_region: String,
}

fn marker(c: &mut Conn) -> Result<Option<(i64, String)>> {
    let rows: Vec<Marker> = diesel::sql_query("SELECT version, phone_region FROM search_index WHERE id = 1").load(c)?;
    Ok(rows.into_iter().next().map(|m| (m.version, m.phone_region)))
}

/// Brings `search_text` up to this engine's format and `region`.
pub(crate) fn search_text(db: &Db, region: PhoneRegion) -> Result<()> {
    let want = (SEARCH_TEXT_VERSION, region.code().to_string());
    if db.query(marker)?.as_ref() == Some(&want) {
        return Ok(());
    }
    let pg = db.is_postgres();
    db.write(|c| {
        if pg {
            diesel::sql_query("SELECT pg_advisory_xact_lock(4708732219)").execute(c)?;
        }
        if marker(c)?.as_ref() == Some(&want) {
            return Ok(());
        }
        reindex(c, region)?;
        // The duplicate keys read phones in the region too: refilled next
        // (`dupkeys::fill`, right after this at open).
        diesel::sql_query("DELETE FROM data_migrations WHERE name = '2026-12-04-000300_dup_keys'").execute(c)?;
        diesel::sql_query("DELETE FROM search_index").execute(c)?;
        diesel::sql_query(if pg {
            "INSERT INTO search_index (id, version, phone_region) VALUES (1, $1, $2)"
        } else {
            "INSERT INTO search_index (id, version, phone_region) VALUES (1, ?, ?)"
        })
        .bind::<BigInt, _>(want.0)
        .bind::<Text, _>(&want.1)
        .execute(c)?;
        Ok(())
    })
}

/// Recomputes one table's text, chunk by chunk; answers how many rows
/// changed.
macro_rules! recompute {
    ($c:expr, $table:ident, $row:ty, $text:expr) => {{
        let mut after = 0i64;
        let mut changed = 0usize;
        loop {
            let rows: Vec<($row, String)> = $table::table
                .filter($table::id.gt(after))
                .order($table::id)
                .limit(CHUNK)
                .select((<$row>::as_select(), $table::search_text))
                .load($c)?;
            let Some(last) = rows.last() else { break };
            after = last.0.id;
            for (row, old) in rows {
                let id = row.id;
                let record = row.into_record()?;
                let new: String = $text(&record.data);
                if new != old {
                    diesel::update($table::table.filter($table::id.eq(id)))
                        .set($table::search_text.eq(new))
                        .execute($c)?;
                    changed += 1;
                }
            }
        }
        changed
    }};
}

fn reindex(c: &mut Conn, region: PhoneRegion) -> Result<()> {
    use crate::query::memory;
    let sqlite = matches!(c, AnyConnection::Sqlite(_));
    for table in ["clients", "contacts", "interactions"] {
        // SQLite: set the FTS5 update trigger aside, rebuild once after.
        let trigger = if sqlite { fts_trigger(c, table)? } else { None };
        if trigger.is_some() {
            diesel::sql_query(format!("DROP TRIGGER {table}_fts_au")).execute(c)?;
        }
        let changed = match table {
            "clients" => {
                recompute!(c, clients, super::clients::Row, |d| memory::client_search_text(d, region))
            }
            "contacts" => {
                recompute!(c, contacts, super::contacts::Row, |d| memory::contact_search_text(d, region))
            }
            _ => recompute!(c, interactions, super::interactions::Row, |d| memory::interaction_search_text(d, region)),
        };
        if let Some(sql) = trigger {
            if changed > 0 {
                diesel::sql_query(format!("INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")).execute(c)?;
            }
            diesel::sql_query(sql).execute(c)?;
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct TriggerSql {
    #[diesel(sql_type = Text)]
    sql: String,
}

/// The SQL that created a table's FTS5 update trigger (SQLite).
fn fts_trigger(c: &mut Conn, table: &str) -> Result<Option<String>> {
    let rows: Vec<TriggerSql> = diesel::sql_query("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?")
        .bind::<Text, _>(format!("{table}_fts_au"))
        .load(c)?;
    Ok(rows.into_iter().next().map(|r| r.sql))
}

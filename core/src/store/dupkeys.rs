//! The keys likely duplicates are found by (`dup_keys`): one row per folded
//! name, e-mail and phone of every client and contact, written with the
//! record; a lookup is one point read of the primary key per key.

use diesel::prelude::*;

use super::Conn;
use super::schema::{clients, contacts, data_migrations, dup_keys};
use crate::domain::*;
use crate::error::Result;
use crate::text::{self, DupKind, PhoneRegion};

/// The kinds of record keyed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyed {
    Client,
    Contact,
}

impl Keyed {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Keyed::Client => "client",
            Keyed::Contact => "contact",
        }
    }
}

pub(crate) fn client_keys(c: &ClientData, region: PhoneRegion) -> Vec<(DupKind, String)> {
    text::duplicate_keys(
        text::name_key(&c.name),
        c.emails.iter().map(|e| e.address.as_str()),
        c.phones.iter().map(|p| p.number.as_str()),
        region,
    )
}

/// A contact's name key is its first and last names (in that order), or
/// its "file as" when they are empty.
pub(crate) fn contact_keys(c: &ContactData, region: PhoneRegion) -> Vec<(DupKind, String)> {
    let name = text::name_key(&format!("{} {}", c.first_name, c.last_name))
        .or_else(|| c.file_as.as_deref().and_then(text::name_key))
        .or_else(|| c.company.as_deref().and_then(text::name_key));
    text::duplicate_keys(
        name,
        c.emails.iter().map(|e| e.address.as_str()),
        c.phones.iter().map(|p| p.number.as_str()),
        region,
    )
}

#[derive(Insertable)]
#[diesel(table_name = dup_keys)]
#[diesel(treat_none_as_default_value = false)]
struct New<'a> {
    entity: &'static str,
    entity_id: i64,
    kind: &'static str,
    key: &'a str,
}

/// One duplicate key of a record: its kind and text.
pub(crate) type Key = (DupKind, String);

/// Inserts the keys of one new record on SQLite (one cached single-row
/// statement per key, as [`insert`]).
pub(crate) fn insert_sqlite(
    c: &mut diesel::SqliteConnection,
    entity: Keyed,
    id: Id,
    keys: &[(DupKind, String)],
) -> Result<()> {
    for (k, key) in keys {
        let row = New { entity: entity.as_str(), entity_id: id, kind: k.as_str(), key };
        diesel::insert_into(dup_keys::table).values(&row).execute(c)?;
    }
    Ok(())
}

/// Replaces the keys of one record.
pub(crate) fn put(conn: &mut Conn, entity: Keyed, id: Id, keys: &[(DupKind, String)]) -> Result<()> {
    diesel::delete(dup_keys::table.filter(dup_keys::entity.eq(entity.as_str())).filter(dup_keys::entity_id.eq(id)))
        .execute(conn)?;
    insert(conn, entity, &[(id, keys.to_vec())])
}

/// Inserts the keys of records that have none yet (SQLite: one prepared
/// statement per key; PostgreSQL: one kept statement for one record's keys,
/// one `COPY` for more records').
pub(crate) fn insert(conn: &mut Conn, entity: Keyed, records: &[(Id, Vec<(DupKind, String)>)]) -> Result<()> {
    let rows: Vec<New> = records
        .iter()
        .flat_map(|(id, keys)| {
            keys.iter().map(move |(k, key)| New {
                entity: entity.as_str(),
                entity_id: *id,
                kind: k.as_str(),
                key: key.as_str(),
            })
        })
        .collect();
    match conn {
        // One cached single-row statement stepped per key: a multi-row
        // INSERT has a text per length, prepared afresh each time.
        super::AnyConnection::Sqlite(c) => {
            for row in &rows {
                diesel::insert_into(dup_keys::table).values(row).execute(c)?;
            }
        }
        // One record's keys (a create, an update, or an import batch that
        // wrote one record): one statement the connection keeps, the keys
        // as a JSON array. A `COPY` is not prepared and takes a round trip
        // more.
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(c) if records.len() == 1 && !rows.is_empty() => {
            let mut sql = crate::query::sql::Sql::new(true);
            pg_insert_one(&mut sql, entity, records[0].0, &records[0].1)?;
            super::prepared::Prepared::<diesel::sql_types::Untyped>::fixed(&sql).execute(c)?;
        }
        // More records' (imports): one binary COPY (no statement to parse,
        // no bind limit).
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(c) if !rows.is_empty() => {
            diesel::copy_from(dup_keys::table).from_insertable(&rows).execute(c)?;
        }
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(_) => {}
    }
    Ok(())
}

/// PostgreSQL: the statement inserting one record's keys, the keys bound
/// as one JSON array (one text whatever their number, so the connection
/// keeps it prepared); also the first part of `history::record_with_keys`.
#[cfg(feature = "postgres")]
pub(crate) fn pg_insert_one(
    sql: &mut crate::query::sql::Sql,
    entity: Keyed,
    id: Id,
    keys: &[(DupKind, String)],
) -> Result<()> {
    pg_insert_keys(
        sql,
        entity,
        |sql| {
            sql.bind_int(id);
        },
        "",
        keys,
    )
}

/// [`pg_insert_one`] for the record a data-modifying `WITH` query
/// `inserted` answers (`id`): nothing when it answered no row.
#[cfg(feature = "postgres")]
pub(crate) fn pg_insert_for(
    sql: &mut crate::query::sql::Sql,
    entity: Keyed,
    inserted: &str,
    keys: &[(DupKind, String)],
) -> Result<()> {
    pg_insert_keys(
        sql,
        entity,
        |sql| {
            sql.push(inserted).push(".id");
        },
        inserted,
        keys,
    )
}

#[cfg(feature = "postgres")]
fn pg_insert_keys(
    sql: &mut crate::query::sql::Sql,
    entity: Keyed,
    id: impl FnOnce(&mut crate::query::sql::Sql),
    from: &str,
    keys: &[(DupKind, String)],
) -> Result<()> {
    let pairs: Vec<(&str, &str)> = keys.iter().map(|(k, key)| (k.as_str(), key.as_str())).collect();
    sql.push("INSERT INTO dup_keys (entity, entity_id, kind, key) SELECT ").bind_text(entity.as_str()).push(", ");
    id(sql);
    sql.push(", e->>0, e->>1 FROM ");
    if !from.is_empty() {
        sql.push(from).push(", ");
    }
    sql.push("json_array_elements(")
        .bind_text(serde_json::to_string(&pairs).map_err(|e| crate::error::Error::storage(e.to_string()))?)
        .push("::json) AS e");
    Ok(())
}

/// Live records of `entity` holding the key `key` of kind `kind`, `me`
/// left out, in id order after `after`: at most `limit`. Clients are those
/// of `offices` (`None`: every office); a contact's offices are for the
/// caller to check. A point read of the primary key, then a walk along it,
/// each holder's row checked by its own primary key (never a list of every
/// live record).
pub(crate) fn matches(
    conn: &mut Conn,
    entity: Keyed,
    (kind, key): (DupKind, &str),
    me: Option<Id>,
    offices: Option<&[String]>,
    after: Id,
    limit: i64,
) -> Result<Vec<Id>> {
    let mut q = dup_keys::table
        .filter(dup_keys::entity.eq(entity.as_str()))
        .filter(dup_keys::kind.eq(kind.as_str()))
        .filter(dup_keys::key.eq(key))
        .filter(dup_keys::entity_id.gt(after))
        .filter(dup_keys::entity_id.ne(me.unwrap_or(0)))
        .into_boxed();
    q = match (entity, offices) {
        (Keyed::Client, None) => q.filter(diesel::dsl::exists(
            clients::table.filter(clients::id.eq(dup_keys::entity_id)).filter(clients::trash_id.is_null()),
        )),
        // A staff member of one office as `office = ?`: a statement the
        // connection keeps (diesel never caches `IN (…)` on SQLite).
        (Keyed::Client, Some([office])) => q.filter(diesel::dsl::exists(
            clients::table
                .filter(clients::id.eq(dup_keys::entity_id))
                .filter(clients::trash_id.is_null())
                .filter(clients::office.eq(office.clone())),
        )),
        (Keyed::Client, Some(offices)) => q.filter(diesel::dsl::exists(
            clients::table
                .filter(clients::id.eq(dup_keys::entity_id))
                .filter(clients::trash_id.is_null())
                .filter(clients::office.eq_any(offices.to_vec())),
        )),
        (Keyed::Contact, _) => q.filter(diesel::dsl::exists(
            contacts::table.filter(contacts::id.eq(dup_keys::entity_id)).filter(contacts::trash_id.is_null()),
        )),
    };
    Ok(q.order(dup_keys::entity_id).select(dup_keys::entity_id).limit(limit).load(conn)?)
}

/// Where a record's holders of its keys are looked for: the record itself
/// left out (`me`), clients of `offices` only (`None`: every office; a
/// contact's offices are for the caller to check), at most `limit` a key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Look<'a> {
    pub(crate) me: Option<Id>,
    pub(crate) offices: Option<&'a [String]>,
    pub(crate) limit: i64,
}

/// The first page of each key's live holders, key by key in `keys`' order:
/// what [`matches`] answers with `after` 0, one statement per key.
/// (PostgreSQL asks them all in the statement that writes the record's
/// keys: `history::record_with_keys` for a contact, a client's insert
/// itself, `clients::pg_insert_recorded`; [`pg_first_matches`].)
pub(crate) fn first_matches(
    conn: &mut Conn,
    entity: Keyed,
    keys: &[(DupKind, String)],
    look: Look<'_>,
) -> Result<Vec<Vec<Id>>> {
    keys.iter().map(|(k, key)| matches(conn, entity, (*k, key), look.me, look.offices, 0, look.limit)).collect()
}

/// PostgreSQL: a query answering [`first_matches`] in one statement, as
/// `(key_index, id)` rows in key order then id order (each key's
/// holders by a point read of the primary key then a walk along it, as
/// [`matches`]). The keys are bound as one JSON array, the offices as
/// another: one text whatever their number.
#[cfg(feature = "postgres")]
pub(crate) fn pg_first_matches(
    sql: &mut crate::query::sql::Sql,
    entity: Keyed,
    keys: &[(DupKind, String)],
    look: Look<'_>,
) -> Result<()> {
    fn json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
        serde_json::to_string(v).map_err(|e| crate::error::Error::internal(e.to_string()).caused_by(e))
    }
    let pairs: Vec<(&str, &str)> = keys.iter().map(|(k, key)| (k.as_str(), key.as_str())).collect();
    sql.push("SELECT (e.n - 1)::bigint AS key_index, d.entity_id AS id FROM json_array_elements(")
        .bind_text(json(&pairs)?)
        .push("::json) WITH ORDINALITY AS e(v, n) CROSS JOIN LATERAL (SELECT entity_id FROM dup_keys WHERE entity = ")
        .bind_text(entity.as_str())
        .push(" AND kind = e.v->>0 AND key = e.v->>1 AND entity_id > 0 AND entity_id <> ")
        .bind_int(look.me.unwrap_or(0));
    match entity {
        Keyed::Client => {
            sql.push(" AND EXISTS (SELECT 1 FROM clients c WHERE c.id = dup_keys.entity_id AND c.trash_id IS NULL");
            if let Some(offices) = look.offices {
                sql.push(" AND c.office IN (SELECT json_array_elements_text(")
                    .bind_text(json(offices)?)
                    .push("::json))");
            }
        }
        Keyed::Contact => {
            sql.push(" AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = dup_keys.entity_id AND c.trash_id IS NULL");
        }
    }
    sql.push(") ORDER BY entity_id LIMIT ").bind_int(look.limit).push(") AS d ORDER BY e.n, d.entity_id");
    Ok(())
}

/// The stored keys of one record.
pub(crate) fn of(conn: &mut Conn, entity: Keyed, id: Id) -> Result<Vec<(DupKind, String)>> {
    let rows: Vec<(String, String)> = dup_keys::table
        .filter(dup_keys::entity.eq(entity.as_str()))
        .filter(dup_keys::entity_id.eq(id))
        .select((dup_keys::kind, dup_keys::key))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(k, key)| DupKind::parse(&k).map(|k| (k, key))).collect())
}

/// Fills `dup_keys` for every client and contact written before it existed
/// (and after any reindex of a changed phone region). Runs once per
/// database (`data_migrations`).
pub(crate) fn fill(db: &super::Db, region: PhoneRegion) -> Result<()> {
    const NAME: &str = "2026-12-04-000300_dup_keys";
    let done = |c: &mut Conn| -> Result<bool> {
        Ok(data_migrations::table.filter(data_migrations::name.eq(NAME)).count().get_result::<i64>(c)? > 0)
    };
    if db.query(done)? {
        return Ok(());
    }
    let pg = db.is_postgres();
    db.write(|c| {
        if pg {
            diesel::sql_query("SELECT pg_advisory_xact_lock(4708732219)").execute(c)?;
        }
        if done(c)? {
            return Ok(());
        }
        diesel::delete(dup_keys::table).execute(c)?;
        let rows: Vec<super::clients::Row> = clients::table.select(super::clients::Row::as_select()).load(c)?;
        let mut keyed = Vec::with_capacity(rows.len());
        for r in rows {
            let id = r.id;
            keyed.push((id, client_keys(&r.into_record()?.data, region)));
        }
        insert(c, Keyed::Client, &keyed)?;
        let rows: Vec<super::contacts::Row> = contacts::table.select(super::contacts::Row::as_select()).load(c)?;
        let mut keyed = Vec::with_capacity(rows.len());
        for r in rows {
            let id = r.id;
            keyed.push((id, contact_keys(&r.into_record()?.data, region)));
        }
        insert(c, Keyed::Contact, &keyed)?;
        diesel::insert_into(data_migrations::table).values(data_migrations::name.eq(NAME)).execute(c)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;
    use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
    use diesel_migrations::MigrationHarness;

    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// The lookup of [`super::matches`] (same shape) is a search of the
    /// primary key on SQLite, never a scan, with thousands of keys stored;
    /// each holder's client is a search of its primary key.
    #[test]
    fn a_duplicate_lookup_searches_the_primary_key() {
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        c.run_pending_migrations(super::super::SQLITE_MIGRATIONS).unwrap();
        diesel::sql_query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
             INSERT INTO dup_keys (entity, entity_id, kind, key) \
             SELECT 'contact', i, k.kind, k.kind || i FROM n, (SELECT 'name' AS kind UNION ALL SELECT 'email' \
             UNION ALL SELECT 'phone') AS k",
        )
        .execute(&mut c)
        .unwrap();
        diesel::sql_query("ANALYZE").execute(&mut c).unwrap();
        let plan: Vec<Step> = diesel::sql_query(
            "EXPLAIN QUERY PLAN SELECT dup_keys.entity_id FROM dup_keys WHERE dup_keys.entity = ? \
             AND dup_keys.kind = ? AND dup_keys.key = ? AND dup_keys.entity_id > ? \
             AND dup_keys.entity_id != ? AND EXISTS (SELECT 1 FROM clients WHERE clients.id = dup_keys.entity_id \
             AND clients.trash_id IS NULL AND clients.office IN (?, ?)) ORDER BY dup_keys.entity_id LIMIT ?",
        )
        .load(&mut c)
        .unwrap();
        let text: Vec<String> = plan.into_iter().map(|s| s.detail).collect();
        assert!(
            text.iter().any(|d| d.starts_with("SEARCH dup_keys USING") && d.contains("entity=? AND kind=? AND key=?")),
            "{text:?}"
        );
        assert!(!text.iter().any(|d| d.starts_with("SCAN") || d.contains("TEMP B-TREE")), "{text:?}");
    }
}

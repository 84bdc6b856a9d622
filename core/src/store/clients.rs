use diesel::prelude::*;

use super::schema::{clients, contact_links, contacts};
use super::{Conn, from_json, json_list, json_map, on_unique, to_json, with_backend};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::text;
use crate::text::PhoneRegion;
use crate::time::from_ms;

#[derive(Queryable, Selectable)]
#[diesel(table_name = clients)]
pub(crate) struct Row {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub office: Option<String>,
    pub address: Option<String>,
    pub phones: String,
    pub emails: String,
    pub website: Option<String>,
    pub notes: Option<String>,
    pub referral_type: Option<String>,
    pub referred_by: Option<String>,
    pub won_date: Option<String>,
    pub won_reason: Option<String>,
    pub left_date: Option<String>,
    pub lost_to: Option<String>,
    pub lost_reason: Option<String>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_by: i64,
    pub updated_at: i64,
    pub version: i64,
    pub custom: String,
    pub language: Option<String>,
    pub fiscal_year_end: Option<String>,
    pub business_number: Option<String>,
}

super::record_lookups!(clients, Row);

super::written_columns!(clients {
    code: String,
    code_key: String,
    name: String,
    name_fold: String,
    kind: String,
    status: String,
    office: Option<String>,
    address: Option<String>,
    phones: String,
    emails: String,
    website: Option<String>,
    notes: Option<String>,
    referral_type: Option<String>,
    referred_by: Option<String>,
    won_date: Option<String>,
    won_reason: Option<String>,
    left_date: Option<String>,
    lost_to: Option<String>,
    lost_reason: Option<String>,
    updated_by: i64,
    updated_at: i64,
    office_fold: Option<String>,
    city_fold: Option<String>,
    emails_fold: Option<String>,
    search_text: String,
    custom: String,
    custom_fold: String,
    language: Option<String>,
    fiscal_year_end: Option<String>,
    business_number: Option<String>,
});

/// Folded e-mail addresses, space-separated (`None` without any).
pub(crate) fn emails_fold(emails: &[Email]) -> Option<String> {
    (!emails.is_empty()).then(|| emails.iter().map(|e| text::fold(&e.address)).collect::<Vec<_>>().join(" "))
}

pub(crate) fn enum_str<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("unit enums serialise as strings"),
    }
}

pub(crate) fn enum_from<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    // The text as serde's own string deserializer: no JSON value built.
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s))
        .map_err(|_| Error::storage(format!("corrupt {what} '{s}' in database")))
}

pub(crate) fn write(c: &ClientData, actor: Id, now: i64, region: PhoneRegion) -> Write {
    let r = &c.retention;
    Write {
        code: c.code.clone(),
        code_key: text::code_key(&c.code),
        name: c.name.clone(),
        name_fold: text::fold(&c.name),
        kind: enum_str(&c.kind),
        status: enum_str(&c.status),
        office: c.office.clone(),
        address: c.address.as_ref().map(to_json),
        phones: to_json(&c.phones),
        emails: to_json(&c.emails),
        website: c.website.clone(),
        notes: c.notes.clone(),
        referral_type: r.referral_type.clone(),
        referred_by: r.referred_by.clone(),
        won_date: r.won_date.map(|d| d.to_string()),
        won_reason: r.won_reason.clone(),
        left_date: r.left_date.map(|d| d.to_string()),
        lost_to: r.lost_to.clone(),
        lost_reason: r.lost_reason.clone(),
        updated_by: actor,
        updated_at: now,
        office_fold: c.office.as_deref().map(text::fold),
        city_fold: c.address.as_ref().and_then(|a| a.city.as_deref()).map(text::fold),
        emails_fold: emails_fold(&c.emails),
        search_text: crate::query::memory::client_search_text(c, region),
        custom: to_json(&c.custom),
        custom_fold: super::interactions::custom_fold(&c.custom),
        language: c.language.map(|l| l.as_str().to_string()),
        fiscal_year_end: c.fiscal_year_end.clone(),
        business_number: c.business_number.clone(),
    }
}

fn date(s: Option<String>) -> Result<Option<chrono::NaiveDate>> {
    s.map(|s| s.parse().map_err(|_| Error::storage(format!("corrupt date '{s}' in database")))).transpose()
}

impl Row {
    pub(crate) fn into_record(self) -> Result<Record<ClientData>> {
        Ok(Record {
            id: self.id,
            version: self.version,
            data: ClientData {
                code: self.code,
                name: self.name,
                kind: enum_from(&self.kind, "client kind")?,
                status: enum_from(&self.status, "client status")?,
                office: self.office,
                address: self.address.as_deref().map(|a| from_json(a, "address")).transpose()?,
                phones: json_list(&self.phones, "phones")?,
                emails: json_list(&self.emails, "emails")?,
                website: self.website,
                notes: self.notes,
                retention: Retention {
                    referral_type: self.referral_type,
                    referred_by: self.referred_by,
                    won_date: date(self.won_date)?,
                    won_reason: self.won_reason,
                    left_date: date(self.left_date)?,
                    lost_to: self.lost_to,
                    lost_reason: self.lost_reason,
                },
                // Loaded beside the row: see [`records`].
                assignments: Vec::new(),
                tags: Vec::new(),
                language: self.language.as_deref().map(|l| enum_from(l, "language")).transpose()?,
                fiscal_year_end: self.fiscal_year_end,
                business_number: self.business_number,
                custom: json_map(&self.custom, "custom fields")?,
            },
            created_by: self.created_by,
            created_at: from_ms(self.created_at),
            updated_by: self.updated_by,
            updated_at: from_ms(self.updated_at),
            matched_via: None,
            warnings: Vec::new(),
        })
    }
}

/// Client records of rows, with their assignments (one query for all).
pub(crate) fn records(conn: &mut Conn, rows: Vec<Row>) -> Result<Vec<Record<ClientData>>> {
    let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
    let mut people = super::assignments::of_clients(conn, &ids)?;
    let mut tags = super::tags::of_clients(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let mut rec = r.into_record()?;
            rec.data.assignments = people.remove(&rec.id).unwrap_or_default();
            rec.data.tags = tags.remove(&rec.id).unwrap_or_default();
            Ok(rec)
        })
        .collect()
}

/// A live client's record, with its assignments.
pub(crate) fn record(conn: &mut Conn, id: Id) -> Result<Option<Record<ClientData>>> {
    match get(conn, id, false)? {
        Some(row) => Ok(records(conn, vec![row])?.pop()),
        None => Ok(None),
    }
}

/// The client holding a code key (live or in the trash), if any.
pub(crate) fn by_code_key(conn: &mut Conn, key: &str) -> Result<Option<(Id, Option<Id>)>> {
    Ok(clients::table
        .filter(clients::code_key.eq(key))
        .select((clients::id, clients::trash_id))
        .first(conn)
        .optional()?)
}

fn code_taken(c: &ClientData) -> impl FnOnce(&str) -> Error + '_ {
    |_| Error::Duplicate { field: "code".into(), value: c.code.clone(), where_: " by another client".into() }
}

pub(crate) fn insert(conn: &mut Conn, c: &ClientData, actor: Id, now: i64, region: PhoneRegion) -> Result<Id> {
    let id = insert_row(conn, &write(c, actor, now, region), c, actor, now)?;
    super::dupkeys::insert(conn, super::dupkeys::Keyed::Client, &[(id, super::dupkeys::client_keys(c, region))])?;
    Ok(id)
}

/// [`insert`] without the duplicate keys (the caller records them with
/// the history row, `history::record_with_keys`), answering the record as
/// [`record`] would read it back: the
/// row made from the very values written, through the conversions a read
/// applies (JSON, dates), its people in charge in the order written (their
/// `position`); its tags, when it has any, read back (their order is the
/// database's). `tests/tests/create_answers.rs` holds it to `client.get`
/// over generated clients, on both backends.
pub(crate) fn insert_answered(
    conn: &mut Conn,
    c: &ClientData,
    actor: Id,
    now: i64,
    region: PhoneRegion,
) -> Result<Record<ClientData>> {
    let w = write(c, actor, now, region);
    let id = insert_row(conn, &w, c, actor, now)?;
    answered(conn, id, w, c, actor, now)
}

/// The record of client `id` just inserted from `w` (made from `c`), as
/// [`record`] would read it back.
fn answered(conn: &mut Conn, id: Id, w: Write, c: &ClientData, actor: Id, now: i64) -> Result<Record<ClientData>> {
    let row = Row {
        id,
        code: w.code,
        name: w.name,
        kind: w.kind,
        status: w.status,
        office: w.office,
        address: w.address,
        phones: w.phones,
        emails: w.emails,
        website: w.website,
        notes: w.notes,
        referral_type: w.referral_type,
        referred_by: w.referred_by,
        won_date: w.won_date,
        won_reason: w.won_reason,
        left_date: w.left_date,
        lost_to: w.lost_to,
        lost_reason: w.lost_reason,
        created_by: actor,
        created_at: now,
        updated_by: w.updated_by,
        updated_at: w.updated_at,
        version: 1,
        custom: w.custom,
        language: w.language,
        fiscal_year_end: w.fiscal_year_end,
        business_number: w.business_number,
    };
    let mut rec = row.into_record()?;
    rec.data.assignments = c.assignments.clone();
    if !c.tags.is_empty() {
        rec.data.tags = super::tags::of_clients(conn, &[id])?.remove(&id).unwrap_or_default();
    }
    Ok(rec)
}

/// [`insert_answered`] with the client's history row `entry(id)` and its
/// duplicate `keys` written, answering also each key's first page of
/// other live holders (`dupkeys::first_matches`, where `look(id)` says):
/// what `client.create` writes. On PostgreSQL the client, its keys, its
/// history row and the holders are one statement ([`pg_insert_recorded`]:
/// a code already taken inserts nothing, and answers the same typed
/// `duplicate` as [`insert_row`]); on SQLite the insert, then
/// `history::record_with_keys`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_recorded<'a>(
    conn: &mut Conn,
    c: &ClientData,
    actor: Id,
    now: i64,
    region: PhoneRegion,
    entry: impl FnOnce(Id) -> super::history::NewEntry,
    keys: &[(text::DupKind, String)],
    look: impl FnOnce(Id) -> super::dupkeys::Look<'a>,
) -> Result<(Record<ClientData>, Vec<Vec<Id>>)> {
    match conn {
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(pg) => {
            let w = write(c, actor, now, region);
            let (id, first) = pg_insert_recorded(pg, &w, c, actor, now, &entry(0), keys, look(0))?;
            super::assignments::insert(conn, id, &c.assignments)?;
            super::tags::insert_client(conn, id, &c.tags)?;
            Ok((answered(conn, id, w, c, actor, now)?, first))
        }
        super::AnyConnection::Sqlite(_) => {
            let rec = insert_answered(conn, c, actor, now, region)?;
            let first = super::history::record_with_keys(
                conn,
                entry(rec.id),
                super::dupkeys::Keyed::Client,
                keys,
                look(rec.id),
            )?;
            Ok((rec, first))
        }
    }
}

/// PostgreSQL: `WITH i AS (INSERT INTO clients … ON CONFLICT (code_key)
/// DO NOTHING RETURNING id), k AS (INSERT INTO dup_keys …), h AS (INSERT
/// INTO history …) SELECT …`: the new id with each key's first page of
/// other holders (`dupkeys::pg_first_matches`; the statement's snapshot
/// never sees the keys it writes, so `look.me` may be anything). The row
/// is bound as one JSON object (`json_populate_record`): one text, kept
/// prepared, whatever is absent.
#[cfg(feature = "postgres")]
#[allow(clippy::too_many_arguments)]
fn pg_insert_recorded(
    pg: &mut diesel::PgConnection,
    w: &Write,
    c: &ClientData,
    actor: Id,
    now: i64,
    entry: &super::history::NewEntry,
    keys: &[(text::DupKind, String)],
    look: super::dupkeys::Look<'_>,
) -> Result<(Id, Vec<Vec<Id>>)> {
    let keyed = super::dupkeys::Keyed::Client;
    let mut sql = crate::query::sql::Sql::new(true);
    sql.push("WITH i AS (");
    w.pg_insert(&mut sql, actor, now)?;
    sql.push(" ON CONFLICT (code_key) DO NOTHING RETURNING id), ");
    if !keys.is_empty() {
        sql.push("k AS (");
        super::dupkeys::pg_insert_for(&mut sql, keyed, "i", keys)?;
        sql.push("), ");
    }
    sql.push("h AS (");
    super::history::pg_insert_for(&mut sql, entry, "i", true)?;
    sql.push(") SELECT (SELECT id FROM i) AS new_id, m.key_index, m.id FROM (SELECT 1) AS one");
    if !keys.is_empty() {
        sql.push(" LEFT JOIN (");
        super::dupkeys::pg_first_matches(&mut sql, keyed, keys, look)?;
        sql.push(") AS m ON true ORDER BY m.key_index, m.id");
    } else {
        sql.push(" LEFT JOIN (SELECT NULL::bigint AS key_index, NULL::bigint AS id) AS m ON false");
    }
    #[derive(QueryableByName)]
    struct Inserted {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        new_id: Option<i64>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        key_index: Option<i64>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        id: Option<i64>,
    }
    let rows: Vec<Inserted> = super::prepared::Prepared::<diesel::sql_types::Untyped>::fixed(&sql).load(pg)?;
    let Some(id) = rows.first().and_then(|r| r.new_id) else { return Err(code_taken(c)("")) };
    let mut pages = vec![Vec::new(); keys.len()];
    for m in rows {
        if let (Some(k), Some(holder)) = (m.key_index, m.id) {
            let page = usize::try_from(k).ok().and_then(|i| pages.get_mut(i));
            page.ok_or_else(|| Error::internal(format!("a match of key {k} of {}", keys.len())))?.push(holder);
        }
    }
    Ok((id, pages))
}

/// A code already held (by a live client or one in the trash) is the
/// typed `duplicate` error of [`code_taken`], met by the insert itself
/// (`ON CONFLICT (code_key) DO NOTHING`: no row comes back) rather than
/// by a read before it. The transaction stays usable (a unique violation
/// would abort it on PostgreSQL), so the caller may read who holds the
/// code to say so (`ops::clients`).
fn insert_row(conn: &mut Conn, w: &Write, c: &ClientData, actor: Id, now: i64) -> Result<Id> {
    let id = with_backend!(conn, c => diesel::insert_into(clients::table)
        .values((
            w,
            clients::created_by.eq(actor),
            clients::created_at.eq(now),
            clients::version.eq(1i64),
        ))
        .on_conflict(clients::code_key)
        .do_nothing()
        .returning(clients::id)
        .get_result::<i64>(c)
        .optional())
    .map_err(|e| on_unique(e, code_taken(c)))?
    .ok_or_else(|| code_taken(c)(""))?;
    // A new id (AUTOINCREMENT / BIGSERIAL: never reused) has no people in
    // charge, keys or tags to replace: they are only inserted. Its
    // duplicate keys are the caller's ([`insert`], or `client.create`
    // on SQLite with its history row: `history::record_with_keys`; on
    // PostgreSQL `client.create` does not come here, [`insert_recorded`]).
    super::assignments::insert(conn, id, &c.assignments)?;
    super::tags::insert_client(conn, id, &c.tags)?;
    Ok(id)
}

/// Updates a live client if it is still at `version`. Returns whether it was.
pub(crate) fn update(
    conn: &mut Conn,
    id: Id,
    version: i64,
    c: &ClientData,
    actor: Id,
    now: i64,
    region: PhoneRegion,
) -> Result<bool> {
    let n = diesel::update(
        clients::table
            .filter(clients::id.eq(id))
            .filter(clients::version.eq(version))
            .filter(clients::trash_id.is_null()),
    )
    .set((&write(c, actor, now, region), clients::version.eq(version + 1)))
    .execute(conn)
    .map_err(|e| on_unique(e, code_taken(c)))?;
    if n == 1 {
        super::assignments::replace(conn, id, &c.assignments)?;
        super::dupkeys::put(conn, super::dupkeys::Keyed::Client, id, &super::dupkeys::client_keys(c, region))?;
        super::tags::replace_client(conn, id, &c.tags)?;
    }
    Ok(n == 1)
}

/// The office of a live client (outer `None`: no such client).
pub(crate) fn office_of(conn: &mut Conn, id: Id) -> Result<Option<Option<String>>> {
    Ok(clients::table
        .filter(clients::id.eq(id))
        .filter(clients::trash_id.is_null())
        .select(clients::office)
        .first(conn)
        .optional()?)
}

/// [`office_of`] in a write transaction, and on PostgreSQL the row held
/// `FOR SHARE` to its end in the same statement (what [`super::hold_live`]
/// does in a statement of its own): a concurrent delete of the client
/// waits for this write, or this write finds it gone. With `offices` (the
/// actor's), a client of another office is not answered, and on
/// PostgreSQL not locked either: a request naming a client its actor
/// cannot see never waits on that client's writers (which would tell, by
/// its time, that the client exists). SQLite writers are serialised: a
/// plain read.
pub(crate) fn office_held(conn: &mut Conn, id: Id, offices: Option<&[String]>) -> Result<Option<Option<String>>> {
    match conn {
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(c) => {
            let q = clients::table.filter(clients::id.eq(id)).filter(clients::trash_id.is_null());
            Ok(match offices {
                None => q.select(clients::office).for_share().first(c).optional()?,
                Some(list) => {
                    q.filter(clients::office.eq_any(list)).select(clients::office).for_share().first(c).optional()?
                }
            })
        }
        super::AnyConnection::Sqlite(_) => {
            let _ = offices; // decided by the caller (`visibility::client_held`)
            office_of(conn, id)
        }
    }
}

/// PostgreSQL: [`office_held`] as a query to ride on a write's own
/// statement (a data-modifying `WITH` part, `interactions::insert_answered`):
/// the live client `id` of `offices` (`None`: every office), its office,
/// held `FOR SHARE`; no row when it is absent, in the trash or of another
/// office (which is then neither locked nor waited for). The offices are
/// bound as one JSON array: one text whatever their number.
#[cfg(feature = "postgres")]
pub(crate) fn pg_held(sql: &mut crate::query::sql::Sql, id: Id, offices: Option<&[String]>) -> Result<()> {
    sql.push("SELECT office FROM clients WHERE id = ").bind_int(id).push(" AND trash_id IS NULL");
    if let Some(offices) = offices {
        let list = serde_json::to_string(offices).map_err(|e| Error::internal(e.to_string()).caused_by(e))?;
        sql.push(" AND office IN (SELECT json_array_elements_text(").bind_text(list).push("::json))");
    }
    sql.push(" FOR SHARE");
    Ok(())
}

/// Offices of live clients by id (absent: no such live client).
pub(crate) fn offices_of(conn: &mut Conn, ids: &[Id]) -> Result<std::collections::HashMap<Id, Option<String>>> {
    let q = clients::table.filter(clients::trash_id.is_null()).select((clients::id, clients::office));
    let rows: Vec<(i64, Option<String>)> = super::load_by_ids!(q, clients::id, ids, conn)?;
    Ok(rows.into_iter().collect())
}

#[derive(Queryable)]
struct LinkRow {
    client_id: i64,
    contact_id: i64,
    role: String,
    file_as: String,
    first_name: String,
    last_name: String,
    company: Option<String>,
    title: Option<String>,
    phones: String,
    emails: String,
    key: Option<String>,
}

/// The live contacts of clients, with their link roles, in one query.
pub(crate) fn contacts_of(conn: &mut Conn, ids: &[Id]) -> Result<Vec<ClientContact>> {
    let q = contact_links::table
        .inner_join(contacts::table)
        .filter(contacts::trash_id.is_null())
        .order((contact_links::client_id, contacts::file_as_fold, contacts::id))
        .select((
            contact_links::client_id,
            contacts::id,
            contact_links::role,
            contacts::file_as,
            contacts::first_name,
            contacts::last_name,
            contacts::company,
            contacts::title,
            contacts::phones,
            contacts::emails,
            contacts::import_key,
        ));
    let rows: Vec<LinkRow> = super::load_by_ids!(q, contact_links::client_id, ids, conn)?;
    rows.into_iter()
        .map(|r| {
            let phones: Vec<Phone> = from_json(&r.phones, "phones")?;
            let emails: Vec<Email> = from_json(&r.emails, "emails")?;
            Ok(ClientContact {
                client_id: r.client_id,
                contact_id: r.contact_id,
                role: enum_from(&r.role, "contact role")?,
                file_as: r.file_as,
                first_name: r.first_name,
                last_name: r.last_name,
                company: r.company,
                title: r.title,
                primary_phone: primary_phone(&phones).map(|p| p.number.clone()),
                primary_email: primary_email(&emails).map(|e| e.address.clone()),
                key: r.key,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored enum texts read back as their values, through serde's string
    /// deserializer (no JSON value): every variant round-trips, and a text
    /// no variant writes is a storage error, not a default.
    #[test]
    fn stored_enum_texts_read_back() {
        for k in [ClientKind::Individual, ClientKind::Business, ClientKind::Trust, ClientKind::Other] {
            assert_eq!(enum_from::<ClientKind>(&enum_str(&k), "client kind").unwrap(), k);
        }
        for s in [ClientStatus::Active, ClientStatus::Inactive, ClientStatus::Prospect] {
            assert_eq!(enum_from::<ClientStatus>(&enum_str(&s), "client status").unwrap(), s);
        }
        for r in [ContactRole::Primary, ContactRole::Preferred, ContactRole::Billing, ContactRole::Additional] {
            assert_eq!(enum_from::<ContactRole>(r.as_str(), "contact role").unwrap(), r);
        }
        for l in [Language::Fr, Language::En] {
            assert_eq!(enum_from::<Language>(l.as_str(), "language").unwrap(), l);
        }
        for bad in ["", "Active", "actif", "\"active\"", "active "] {
            let e = enum_from::<ClientStatus>(bad, "client status").unwrap_err();
            assert!(matches!(e, Error::Storage { .. }), "{bad:?}: {e:?}");
        }
    }

    /// JSON columns: the empty texts answer empty values without a parser,
    /// others are parsed, corrupt ones are storage errors.
    #[test]
    fn json_columns_read_back() {
        let none: Vec<Phone> = json_list("[]", "phones").unwrap();
        assert!(none.is_empty());
        let phones: Vec<Phone> = vec![serde_json::from_str(r#"{"number":"(514) 555-0101 poste 12"}"#).unwrap()];
        assert_eq!(json_list::<Phone>(&to_json(&phones), "phones").unwrap(), phones);
        let custom: std::collections::BTreeMap<String, serde_json::Value> = json_map("{}", "custom fields").unwrap();
        assert!(custom.is_empty());
        let one = std::collections::BTreeMap::from([("dossier".to_string(), serde_json::json!("Hélène"))]);
        assert_eq!(json_map::<serde_json::Value>(&to_json(&one), "custom fields").unwrap(), one);
        for bad in ["", "[", "{}", "null"] {
            assert!(matches!(json_list::<Phone>(bad, "phones"), Err(Error::Storage { .. })), "{bad:?}");
        }
        assert!(matches!(json_map::<serde_json::Value>("[]", "custom"), Err(Error::Storage { .. })));
    }
}

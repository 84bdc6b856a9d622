use diesel::prelude::*;

use super::clients::{enum_from, enum_str};
use super::schema::{clients, contact_links, contacts};
use super::{Conn, from_json, json_list, json_map, on_unique, to_json, with_backend};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::text;
use crate::text::PhoneRegion;
use crate::time::from_ms;

#[derive(Queryable, Selectable)]
#[diesel(table_name = contacts)]
pub(crate) struct Row {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub file_as: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub phones: String,
    pub emails: String,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_by: i64,
    pub updated_at: i64,
    pub version: i64,
    /// The key an import gave the contact (kept as matched: case and
    /// accents folded); exported as the `key` column.
    pub import_key: Option<String>,
    pub custom: String,
    pub language: Option<String>,
}

super::record_lookups!(contacts, Row);

super::written_columns!(contacts {
    first_name: String,
    last_name: String,
    file_as: String,
    file_as_fold: String,
    company: Option<String>,
    title: Option<String>,
    phones: String,
    emails: String,
    address: Option<String>,
    notes: Option<String>,
    updated_by: i64,
    updated_at: i64,
    company_fold: Option<String>,
    city_fold: Option<String>,
    emails_fold: Option<String>,
    search_text: String,
    custom: String,
    custom_fold: String,
    language: Option<String>,
} new with {
    import_key: Option<String>,
});

pub(crate) fn write(c: &ContactData, actor: Id, now: i64, region: PhoneRegion) -> Write {
    let file_as = c.file_as.clone().unwrap_or_else(|| c.default_file_as());
    Write {
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        file_as_fold: text::fold(&file_as),
        file_as,
        company: c.company.clone(),
        title: c.title.clone(),
        phones: to_json(&c.phones),
        emails: to_json(&c.emails),
        address: c.address.as_ref().map(to_json),
        notes: c.notes.clone(),
        updated_by: actor,
        updated_at: now,
        company_fold: c.company.as_deref().map(text::fold),
        city_fold: c.address.as_ref().and_then(|a| a.city.as_deref()).map(text::fold),
        emails_fold: super::clients::emails_fold(&c.emails),
        search_text: crate::query::memory::contact_search_text(c, region),
        custom: to_json(&c.custom),
        custom_fold: super::interactions::custom_fold(&c.custom),
        language: c.language.map(|l| l.as_str().to_string()),
    }
}

impl Row {
    pub(crate) fn into_record(self) -> Result<Record<ContactData>> {
        Ok(Record {
            id: self.id,
            version: self.version,
            data: ContactData {
                first_name: self.first_name,
                last_name: self.last_name,
                file_as: Some(self.file_as),
                company: self.company,
                title: self.title,
                phones: json_list(&self.phones, "phones")?,
                emails: json_list(&self.emails, "emails")?,
                address: self.address.as_deref().map(|a| from_json(a, "address")).transpose()?,
                notes: self.notes,
                // Loaded beside the row: see [`record`].
                tags: Vec::new(),
                language: self.language.as_deref().map(|l| enum_from(l, "language")).transpose()?,
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

/// Inserts a new contact, answering the record as [`record`] would read it back (as
/// `clients::insert_answered` does): the row made from the very values
/// written, through the read's own conversion; its tags, when it has any,
/// read back (their order is the database's). `tests/tests/create_answers.rs`
/// holds it to `contact.get`, on both backends.
pub(crate) fn insert_answered(
    conn: &mut Conn,
    c: &ContactData,
    actor: Id,
    now: i64,
    region: PhoneRegion,
) -> Result<Record<ContactData>> {
    let w = write(c, actor, now, region);
    let id = insert_row(conn, &w, c, actor, now)?;
    let row = Row {
        id,
        first_name: w.first_name,
        last_name: w.last_name,
        file_as: w.file_as,
        company: w.company,
        title: w.title,
        phones: w.phones,
        emails: w.emails,
        address: w.address,
        notes: w.notes,
        created_by: actor,
        created_at: now,
        updated_by: w.updated_by,
        updated_at: w.updated_at,
        version: 1,
        import_key: None,
        custom: w.custom,
        language: w.language,
    };
    let mut rec = row.into_record()?;
    if !c.tags.is_empty() {
        rec.data.tags = super::tags::of_contact(conn, id)?;
    }
    Ok(rec)
}

fn insert_row(conn: &mut Conn, w: &Write, c: &ContactData, actor: Id, now: i64) -> Result<Id> {
    let id = with_backend!(conn, c => diesel::insert_into(contacts::table)
        .values((
            w,
            contacts::created_by.eq(actor),
            contacts::created_at.eq(now),
            contacts::version.eq(1i64),
        ))
        .returning(contacts::id)
        .get_result::<i64>(c))?;
    // A new id (AUTOINCREMENT / BIGSERIAL: never reused) has no tags or
    // keys to replace: its tags are only inserted, and its duplicate keys
    // are the caller's, recorded with its history row
    // (`history::record_with_keys`).
    super::tags::insert_contact(conn, id, &c.tags)?;
    Ok(id)
}

/// A live contact's record, with its tags.
pub(crate) fn record(conn: &mut Conn, id: Id) -> Result<Option<Record<ContactData>>> {
    let Some(row) = get(conn, id, false)? else { return Ok(None) };
    let mut rec = row.into_record()?;
    rec.data.tags = super::tags::of_contact(conn, id)?;
    Ok(Some(rec))
}

pub(crate) fn update(
    conn: &mut Conn,
    id: Id,
    version: i64,
    c: &ContactData,
    actor: Id,
    now: i64,
    region: PhoneRegion,
) -> Result<bool> {
    let n = diesel::update(
        contacts::table
            .filter(contacts::id.eq(id))
            .filter(contacts::version.eq(version))
            .filter(contacts::trash_id.is_null()),
    )
    .set((&write(c, actor, now, region), contacts::version.eq(version + 1)))
    .execute(conn)?;
    if n == 1 {
        super::dupkeys::put(conn, super::dupkeys::Keyed::Contact, id, &super::dupkeys::contact_keys(c, region))?;
        super::tags::replace_contact(conn, id, &c.tags)?;
    }
    Ok(n == 1)
}

/// Offices of the clients a contact is linked to, live or in the trash
/// (`None` for a client without an office).
pub(crate) fn linked_offices(conn: &mut Conn, id: Id) -> Result<Vec<Option<String>>> {
    // Clients in the trash count: a contact whose only client was deleted
    // stays with that client's office, it does not become everybody's.
    Ok(contact_links::table
        .inner_join(clients::table)
        .filter(contact_links::contact_id.eq(id))
        .select(clients::office)
        .load(conn)?)
}

/// The role of the link between a contact and a client, if linked.
pub(crate) fn link_role(conn: &mut Conn, contact_id: Id, client_id: Id) -> Result<Option<ContactRole>> {
    contact_links::table
        .filter(contact_links::contact_id.eq(contact_id))
        .filter(contact_links::client_id.eq(client_id))
        .select(contact_links::role)
        .first::<String>(conn)
        .optional()?
        .map(|r| enum_from(&r, "contact role"))
        .transpose()
}

/// The contact holding the primary role of a client, and whether it is in
/// the trash.
pub(crate) fn primary_of(conn: &mut Conn, client_id: Id) -> Result<Option<(Id, bool)>> {
    Ok(contact_links::table
        .inner_join(contacts::table)
        .filter(contact_links::client_id.eq(client_id))
        .filter(contact_links::role.eq("primary"))
        .select((contacts::id, contacts::trash_id.is_not_null()))
        .first(conn)
        .optional()?)
}

/// A link another writer made first: the client's primary role, or the
/// same link.
fn link_taken(what: &str, contact_id: Id, client_id: Id) -> Error {
    if what.contains("one_primary") || what.contains("role") {
        Error::validation("role", "primary_taken", format!("client {client_id} already has a primary contact"))
    } else {
        Error::Duplicate {
            field: "contact_id".into(),
            value: contact_id.to_string(),
            where_: format!(" as a contact of client {client_id}"),
        }
    }
}

/// Changes a link's role if it is still `from`; false when it is not.
pub(crate) fn change_role(
    conn: &mut Conn,
    contact_id: Id,
    client_id: Id,
    from: ContactRole,
    to: ContactRole,
) -> Result<bool> {
    let n = diesel::update(
        contact_links::table
            .filter(contact_links::contact_id.eq(contact_id))
            .filter(contact_links::client_id.eq(client_id))
            .filter(contact_links::role.eq(enum_str(&from))),
    )
    .set(contact_links::role.eq(enum_str(&to)))
    .execute(conn)
    .map_err(|e| on_unique(e, |what| link_taken(what, contact_id, client_id)))?;
    Ok(n == 1)
}

pub(crate) fn set_role(conn: &mut Conn, contact_id: Id, client_id: Id, role: ContactRole) -> Result<()> {
    diesel::update(
        contact_links::table
            .filter(contact_links::contact_id.eq(contact_id))
            .filter(contact_links::client_id.eq(client_id)),
    )
    .set(contact_links::role.eq(enum_str(&role)))
    .execute(conn)
    .map_err(|e| on_unique(e, |what| link_taken(what, contact_id, client_id)))?;
    Ok(())
}

pub(crate) fn link(
    conn: &mut Conn,
    contact_id: Id,
    client_id: Id,
    role: ContactRole,
    actor: Id,
    now: i64,
) -> Result<()> {
    diesel::insert_into(contact_links::table)
        .values((
            contact_links::contact_id.eq(contact_id),
            contact_links::client_id.eq(client_id),
            contact_links::role.eq(enum_str(&role)),
            contact_links::created_by.eq(actor),
            contact_links::created_at.eq(now),
        ))
        .execute(conn)
        .map_err(|e| on_unique(e, |what| link_taken(what, contact_id, client_id)))?;
    Ok(())
}

pub(crate) fn unlink(conn: &mut Conn, contact_id: Id, client_id: Id) -> Result<bool> {
    let n = diesel::delete(
        contact_links::table
            .filter(contact_links::contact_id.eq(contact_id))
            .filter(contact_links::client_id.eq(client_id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// The live clients of contacts, by contact then client name.
pub(crate) fn clients_of(conn: &mut Conn, contact_ids: &[Id], offices: Option<&[String]>) -> Result<Vec<LinkedClient>> {
    let live_contacts = contacts::table.filter(contacts::trash_id.is_null()).select(contacts::id);
    let mut q = contact_links::table
        .inner_join(clients::table)
        .filter(contact_links::contact_id.eq_any(live_contacts))
        .filter(clients::trash_id.is_null())
        .into_boxed();
    // One contact (its record's links) as `= ?`: a statement the cache keeps.
    q = match contact_ids {
        [one] => q.filter(contact_links::contact_id.eq(*one)),
        many => q.filter(contact_links::contact_id.eq_any(many.to_vec())),
    };
    // Likewise a staff member of one office (SQLite never caches `IN`).
    q = match offices {
        None => q,
        Some([one]) => q.filter(clients::office.eq(one.clone())),
        Some(many) => q.filter(clients::office.eq_any(many.to_vec())),
    };
    let rows: Vec<(i64, i64, String, String, String)> = q
        .order((contact_links::contact_id, clients::name_fold, clients::id))
        .select((contact_links::contact_id, clients::id, clients::code, clients::name, contact_links::role))
        .load(conn)?;
    rows.into_iter()
        .map(|(contact_id, client_id, code, name, role)| {
            Ok(LinkedClient { contact_id, client_id, code, name, role: enum_from(&role, "contact role")? })
        })
        .collect()
}

/// The office of the client (live or trashed) of each transfer that names
/// this contact as recipient (any state, live or trashed), one per transfer.
pub(crate) fn transfer_offices(conn: &mut Conn, contact_id: Id) -> Result<Vec<Option<String>>> {
    use super::schema::{clients, transfers};
    Ok(transfers::table
        .inner_join(clients::table)
        .filter(transfers::to_contact.eq(contact_id))
        .select(clients::office)
        .load(conn)?)
}

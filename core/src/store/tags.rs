//! The firm's tags (`tags`) and the tags of clients and contacts
//! (`client_tags`, `contact_tags`).

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{client_tags, contact_tags, tags};
use super::{Conn, on_unique};
use crate::domain::{Id, Tag};
use crate::error::{Error, Result};

/// Every tag of the firm, by code.
pub(crate) fn all(conn: &mut Conn) -> Result<Vec<Tag>> {
    let rows: Vec<(String, String, String, String, i64)> = tags::table
        .order(tags::code)
        .select((tags::code, tags::name_fr, tags::name_en, tags::colour, tags::version))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(code, name_fr, name_en, colour, version)| Tag { code, name_fr, name_en, colour, version })
        .collect())
}

/// Adds a tag (version 1); a code already taken is `duplicate`.
pub(crate) fn insert(conn: &mut Conn, t: &Tag) -> Result<()> {
    diesel::insert_into(tags::table)
        .values((
            tags::code.eq(&t.code),
            tags::name_fr.eq(&t.name_fr),
            tags::name_en.eq(&t.name_en),
            tags::colour.eq(&t.colour),
            tags::version.eq(1i64),
        ))
        .execute(conn)
        .map_err(|e| {
            on_unique(e, |_| Error::Duplicate {
                field: "code".into(),
                value: t.code.clone(),
                where_: " by another tag".into(),
            })
        })?;
    Ok(())
}

/// Changes a tag's names and colour if it is still at `version`.
pub(crate) fn update(conn: &mut Conn, t: &Tag, version: i64) -> Result<bool> {
    let n = diesel::update(tags::table.filter(tags::code.eq(&t.code)).filter(tags::version.eq(version)))
        .set((
            tags::name_fr.eq(&t.name_fr),
            tags::name_en.eq(&t.name_en),
            tags::colour.eq(&t.colour),
            tags::version.eq(version + 1),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// The version of a tag (`None`: no such tag).
pub(crate) fn version_of(conn: &mut Conn, code: &str) -> Result<Option<i64>> {
    Ok(tags::table.filter(tags::code.eq(code)).select(tags::version).first(conn).optional()?)
}

/// How many clients and contacts (in the trash too) carry a tag.
pub(crate) fn uses(conn: &mut Conn, code: &str) -> Result<(i64, i64)> {
    let clients: i64 = client_tags::table.filter(client_tags::tag.eq(code)).count().get_result(conn)?;
    let contacts: i64 = contact_tags::table.filter(contact_tags::tag.eq(code)).count().get_result(conn)?;
    Ok((clients, contacts))
}

/// Deletes a tag if it is still at `version`.
pub(crate) fn delete(conn: &mut Conn, code: &str, version: i64) -> Result<bool> {
    Ok(diesel::delete(tags::table.filter(tags::code.eq(code)).filter(tags::version.eq(version))).execute(conn)? == 1)
}

/// The tags of clients, by client, sorted by code.
pub(crate) fn of_clients(conn: &mut Conn, ids: &[Id]) -> Result<HashMap<Id, Vec<String>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let q = client_tags::table
        .order((client_tags::client_id, client_tags::tag))
        .select((client_tags::client_id, client_tags::tag));
    let rows: Vec<(i64, String)> = super::load_by_ids!(q, client_tags::client_id, ids, conn)?;
    let mut out: HashMap<Id, Vec<String>> = HashMap::new();
    for (id, tag) in rows {
        out.entry(id).or_default().push(tag);
    }
    Ok(out)
}

/// The tags of contacts, by contact, sorted by code.
pub(crate) fn of_contacts(conn: &mut Conn, ids: &[Id]) -> Result<HashMap<Id, Vec<String>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let q = contact_tags::table
        .order((contact_tags::contact_id, contact_tags::tag))
        .select((contact_tags::contact_id, contact_tags::tag));
    let rows: Vec<(i64, String)> = super::load_by_ids!(q, contact_tags::contact_id, ids, conn)?;
    let mut out: HashMap<Id, Vec<String>> = HashMap::new();
    for (id, tag) in rows {
        out.entry(id).or_default().push(tag);
    }
    Ok(out)
}

/// The tags of one contact, sorted by code.
pub(crate) fn of_contact(conn: &mut Conn, id: Id) -> Result<Vec<String>> {
    Ok(contact_tags::table
        .filter(contact_tags::contact_id.eq(id))
        .order(contact_tags::tag)
        .select(contact_tags::tag)
        .load(conn)?)
}

/// Replaces the tags of a client (codes the caller resolved).
pub(crate) fn replace_client(conn: &mut Conn, id: Id, codes: &[String]) -> Result<()> {
    diesel::delete(client_tags::table.filter(client_tags::client_id.eq(id))).execute(conn)?;
    insert_client(conn, id, codes)
}

/// Tags a client that has none yet (a client just inserted).
pub(crate) fn insert_client(conn: &mut Conn, id: Id, codes: &[String]) -> Result<()> {
    for t in codes {
        diesel::insert_into(client_tags::table)
            .values((client_tags::client_id.eq(id), client_tags::tag.eq(t)))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the tags of a contact (codes the caller resolved).
pub(crate) fn replace_contact(conn: &mut Conn, id: Id, codes: &[String]) -> Result<()> {
    diesel::delete(contact_tags::table.filter(contact_tags::contact_id.eq(id))).execute(conn)?;
    insert_contact(conn, id, codes)
}

/// Tags a new contact (codes the caller resolved).
pub(crate) fn insert_contact(conn: &mut Conn, id: Id, codes: &[String]) -> Result<()> {
    for t in codes {
        diesel::insert_into(contact_tags::table)
            .values((contact_tags::contact_id.eq(id), contact_tags::tag.eq(t)))
            .execute(conn)?;
    }
    Ok(())
}

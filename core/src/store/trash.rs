//! The trash: deleted records keep their rows with a `trash_id`; restoring
//! clears it, purging deletes the rows.

use diesel::prelude::*;

use super::schema::{clients, contact_links, contacts, interactions, transfers, trash};
use super::{Conn, with_backend};
use crate::domain::{Id, RecordKind};
use crate::error::Result;
use crate::protocol::TrashEntry;
use crate::time::from_ms;

/// Opens a trash entry for a record about to be deleted.
pub(crate) fn open(conn: &mut Conn, entity: &str, entity_id: Id, label: &str, actor: Id, now: i64) -> Result<Id> {
    let values = (
        trash::entity.eq(entity),
        trash::entity_id.eq(entity_id),
        trash::label.eq(label),
        trash::deleted_by.eq(actor),
        trash::deleted_at.eq(now),
    );
    let id = with_backend!(conn, c => diesel::insert_into(trash::table)
        .values(values)
        .returning(trash::id)
        .get_result::<i64>(c))?;
    Ok(id)
}

pub(crate) fn get(conn: &mut Conn, id: Id) -> Result<Option<TrashEntry>> {
    let row: Option<(i64, String, i64, String, i64, i64)> = trash::table
        .find(id)
        .select((trash::id, trash::entity, trash::entity_id, trash::label, trash::deleted_by, trash::deleted_at))
        .first(conn)
        .optional()?;
    Ok(row.map(entry))
}

/// The trash entry a record lies in (its own, or its client's or
/// contact's when it went with them); `None` when it is live or absent.
pub(crate) fn entry_of(conn: &mut Conn, kind: RecordKind, id: Id) -> Result<Option<Id>> {
    macro_rules! of {
        ($table:ident) => {
            $table::table.filter($table::id.eq(id)).select($table::trash_id).first::<Option<i64>>(conn).optional()?
        };
    }
    Ok(match kind {
        RecordKind::Client => of!(clients),
        RecordKind::Contact => of!(contacts),
        RecordKind::Interaction => of!(interactions),
        RecordKind::Transfer => of!(transfers),
    }
    .flatten())
}

fn entry((id, entity, entity_id, label, deleted_by, deleted_at): (i64, String, i64, String, i64, i64)) -> TrashEntry {
    TrashEntry { id, entity, entity_id, label, deleted_by, deleted_at: from_ms(deleted_at) }
}

pub(crate) fn list(conn: &mut Conn) -> Result<Vec<TrashEntry>> {
    let rows: Vec<(i64, String, i64, String, i64, i64)> = trash::table
        .order((trash::deleted_at.desc(), trash::id.desc()))
        .select((trash::id, trash::entity, trash::entity_id, trash::label, trash::deleted_by, trash::deleted_at))
        .load(conn)?;
    Ok(rows.into_iter().map(entry).collect())
}

/// Trashes one live row still at `version`: false when it is gone or was
/// changed (the parent goes first, so a concurrent edit or delete of it
/// waits for this one, or makes this one fail, before any child moves).
macro_rules! trash_row {
    ($conn:expr, $table:ident, $id:expr, $version:expr, $tid:expr) => {
        diesel::update(
            $table::table
                .filter($table::id.eq($id))
                .filter($table::version.eq($version))
                .filter($table::trash_id.is_null()),
        )
        .set($table::trash_id.eq($tid))
        .execute($conn)?
            == 1
    };
}

/// Puts a client at `version`, its live interactions and its live
/// transfers in the trash; false when the client changed or went first.
pub(crate) fn client(conn: &mut Conn, id: Id, version: i64, tid: Id) -> Result<bool> {
    if !trash_row!(conn, clients, id, version, tid) {
        return Ok(false);
    }
    diesel::update(interactions::table.filter(interactions::client_id.eq(id)).filter(interactions::trash_id.is_null()))
        .set(interactions::trash_id.eq(tid))
        .execute(conn)?;
    diesel::update(transfers::table.filter(transfers::client_id.eq(id)).filter(transfers::trash_id.is_null()))
        .set(transfers::trash_id.eq(tid))
        .execute(conn)?;
    Ok(true)
}

/// Puts a contact at `version` and its interactions that concern no client
/// in the trash.
pub(crate) fn contact(conn: &mut Conn, id: Id, version: i64, tid: Id) -> Result<bool> {
    if !trash_row!(conn, contacts, id, version, tid) {
        return Ok(false);
    }
    diesel::update(
        interactions::table
            .filter(interactions::contact_id.eq(id))
            .filter(interactions::client_id.is_null())
            .filter(interactions::trash_id.is_null()),
    )
    .set(interactions::trash_id.eq(tid))
    .execute(conn)?;
    Ok(true)
}

pub(crate) fn interaction(conn: &mut Conn, id: Id, version: i64, tid: Id) -> Result<bool> {
    Ok(trash_row!(conn, interactions, id, version, tid))
}

/// Puts a transfer at `version` and its recorded events in the trash.
pub(crate) fn transfer(conn: &mut Conn, id: Id, version: i64, tid: Id) -> Result<bool> {
    if !trash_row!(conn, transfers, id, version, tid) {
        return Ok(false);
    }
    diesel::update(
        interactions::table.filter(interactions::transfer_id.eq(id)).filter(interactions::trash_id.is_null()),
    )
    .set(interactions::trash_id.eq(tid))
    .execute(conn)?;
    Ok(true)
}

/// Deletes trash entries whose record no longer exists.
fn remove_orphan_entries(conn: &mut Conn) -> Result<()> {
    diesel::delete(
        trash::table
            .filter(trash::entity.eq("interaction"))
            .filter(trash::entity_id.ne_all(interactions::table.select(interactions::id))),
    )
    .execute(conn)?;
    diesel::delete(
        trash::table
            .filter(trash::entity.eq("transfer"))
            .filter(trash::entity_id.ne_all(transfers::table.select(transfers::id))),
    )
    .execute(conn)?;
    diesel::delete(
        trash::table
            .filter(trash::entity.eq("contact"))
            .filter(trash::entity_id.ne_all(contacts::table.select(contacts::id))),
    )
    .execute(conn)?;
    diesel::delete(
        trash::table
            .filter(trash::entity.eq("client"))
            .filter(trash::entity_id.ne_all(clients::table.select(clients::id))),
    )
    .execute(conn)?;
    Ok(())
}

/// On PostgreSQL, holds a trash entry for the transaction: a restore and a
/// purge of it run one after the other, never interleaved.
#[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
pub(crate) fn hold(conn: &mut Conn, tid: Id) -> Result<()> {
    #[cfg(feature = "postgres")]
    if let super::AnyConnection::Pg(c) = conn {
        diesel::sql_query("SELECT id FROM trash WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(tid)
            .execute(c)?;
    }
    Ok(())
}

/// Contacts in the trash that transfers of an entry were sent to.
pub(crate) fn transfer_contacts_in_trash(conn: &mut Conn, tid: Id) -> Result<Vec<Id>> {
    Ok(transfers::table
        .inner_join(contacts::table)
        .filter(transfers::trash_id.eq(tid))
        .filter(contacts::trash_id.is_not_null())
        .select(contacts::id)
        .load(conn)?)
}

/// Clears an entry: every row that went with it comes back.
pub(crate) fn restore(conn: &mut Conn, tid: Id) -> Result<()> {
    let none: Option<i64> = None;
    diesel::update(clients::table.filter(clients::trash_id.eq(tid))).set(clients::trash_id.eq(none)).execute(conn)?;
    diesel::update(contacts::table.filter(contacts::trash_id.eq(tid)))
        .set(contacts::trash_id.eq(none))
        .execute(conn)?;
    diesel::update(transfers::table.filter(transfers::trash_id.eq(tid)))
        .set(transfers::trash_id.eq(none))
        .execute(conn)?;
    diesel::update(interactions::table.filter(interactions::trash_id.eq(tid)))
        .set(interactions::trash_id.eq(none))
        .execute(conn)?;
    diesel::delete(trash::table.find(tid)).execute(conn)?;
    Ok(())
}

/// Deletes for good what went with an entry, and what can no longer exist
/// without it (the trashed records that point at a purged client or
/// contact), with the history of every record deleted. The caller has
/// checked the contact case (`contacts::transfer_offices`).
pub(crate) fn purge(conn: &mut Conn, tid: Id) -> Result<()> {
    let purged_clients: Vec<i64> = clients::table.filter(clients::trash_id.eq(tid)).select(clients::id).load(conn)?;
    let purged_contacts: Vec<i64> =
        contacts::table.filter(contacts::trash_id.eq(tid)).select(contacts::id).load(conn)?;
    let gone_interactions: Vec<i64> = interactions::table
        .filter(
            interactions::trash_id
                .eq(tid)
                .or(interactions::client_id.eq_any(purged_clients.clone()))
                .or(interactions::contact_id.eq_any(purged_contacts.clone()).and(interactions::client_id.is_null())),
        )
        .select(interactions::id)
        .load(conn)?;
    let gone_transfers: Vec<i64> = transfers::table
        .filter(transfers::trash_id.eq(tid).or(transfers::client_id.eq_any(purged_clients.clone())))
        .select(transfers::id)
        .load(conn)?;
    super::history::remove(conn, RecordKind::Interaction, &gone_interactions)?;
    super::history::remove(conn, RecordKind::Transfer, &gone_transfers)?;
    super::history::remove(conn, RecordKind::Contact, &purged_contacts)?;
    super::history::remove(conn, RecordKind::Client, &purged_clients)?;
    // Records pointing at a purged client are in the trash (they went with
    // it, or were deleted before it): they go too.
    diesel::delete(interactions::table.filter(interactions::trash_id.eq(tid))).execute(conn)?;
    diesel::delete(interactions::table.filter(interactions::client_id.eq_any(purged_clients.clone()))).execute(conn)?;
    let none: Option<i64> = None;
    // An interaction of a client that also named a purged contact stays,
    // without the contact; one that named only the contact goes.
    diesel::delete(
        interactions::table
            .filter(interactions::contact_id.eq_any(purged_contacts.clone()))
            .filter(interactions::client_id.is_null()),
    )
    .execute(conn)?;
    diesel::update(interactions::table.filter(interactions::contact_id.eq_any(purged_contacts.clone())))
        .set(interactions::contact_id.eq(none))
        .execute(conn)?;
    diesel::delete(transfers::table.filter(transfers::trash_id.eq(tid))).execute(conn)?;
    diesel::delete(transfers::table.filter(transfers::client_id.eq_any(purged_clients.clone()))).execute(conn)?;
    diesel::delete(contact_links::table.filter(contact_links::client_id.eq_any(purged_clients.clone())))
        .execute(conn)?;
    diesel::delete(contact_links::table.filter(contact_links::contact_id.eq_any(purged_contacts.clone())))
        .execute(conn)?;
    diesel::delete(clients::table.filter(clients::id.eq_any(purged_clients))).execute(conn)?;
    diesel::delete(contacts::table.filter(contacts::id.eq_any(purged_contacts))).execute(conn)?;
    diesel::delete(trash::table.find(tid)).execute(conn)?;
    // Entries whose record went with this purge (an interaction of a purged
    // client deleted earlier on its own) have nothing left to restore.
    remove_orphan_entries(conn)?;
    Ok(())
}

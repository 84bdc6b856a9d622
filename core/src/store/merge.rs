//! Merges of two clients or two contacts (`merges`): what moved from the
//! merged record onto the kept one, so that restoring the merged record's
//! trash entry moves exactly that back.

use diesel::prelude::*;

use super::schema::{client_assignments, clients, contact_links, contacts, interactions, merges, transfers};
use super::{Conn, from_json, to_json};
use crate::domain::*;
use crate::error::Result;

/// What a merge moved. "Other" is the contact of a client's link, or the
/// client of a contact's link.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Moves {
    /// Interactions (live or in the trash) whose client or contact moved.
    pub interactions: Vec<Id>,
    /// File transfers whose client or recipient moved.
    pub transfers: Vec<Id>,
    /// Links moved onto the kept record: (other, role they had).
    pub links_moved: Vec<(Id, String)>,
    /// Links of the merged record deleted because the kept record was
    /// linked to the same other: (other, role they had).
    pub links_dropped: Vec<(Id, String)>,
    /// Links of the kept record whose role the merge changed: (other, role
    /// before).
    pub links_changed: Vec<(Id, String)>,
    /// Client merges: assignments moved onto the kept client (role, staff,
    /// position on the merged client).
    pub assignments_moved: Vec<(String, Id, i64)>,
    /// Assignments the kept client already had (same role and staff).
    pub assignments_dropped: Vec<(String, Id, i64)>,
}

/// A recorded merge.
pub(crate) struct Merge {
    pub entity: String,
    pub kept_id: Id,
    pub merged_id: Id,
    pub moves: Moves,
}

/// Records a merge whose merged record went to trash entry `tid`.
pub(crate) fn record(conn: &mut Conn, merge: &Merge, tid: Id, actor: Id, now: i64) -> Result<()> {
    diesel::insert_into(merges::table)
        .values((
            merges::entity.eq(&merge.entity),
            merges::kept_id.eq(merge.kept_id),
            merges::merged_id.eq(merge.merged_id),
            merges::trash_id.eq(tid),
            merges::moves.eq(to_json(&merge.moves)),
            merges::merged_by.eq(actor),
            merges::merged_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The merge whose merged record went to trash entry `tid`.
pub(crate) fn of_entry(conn: &mut Conn, tid: Id) -> Result<Option<Merge>> {
    let row: Option<(String, i64, i64, String)> = merges::table
        .filter(merges::trash_id.eq(tid))
        .select((merges::entity, merges::kept_id, merges::merged_id, merges::moves))
        .first(conn)
        .optional()?;
    row.map(|(entity, kept_id, merged_id, moves)| {
        Ok(Merge { entity, kept_id, merged_id, moves: from_json(&moves, "merge moves")? })
    })
    .transpose()
}

pub(crate) fn forget(conn: &mut Conn, tid: Id) -> Result<()> {
    diesel::delete(merges::table.filter(merges::trash_id.eq(tid))).execute(conn)?;
    Ok(())
}

/// Raises a live record's version if it is still `version`, as a write of
/// `actor` (false: changed or gone).
pub(crate) fn touch(conn: &mut Conn, entity: DupEntity, id: Id, version: i64, actor: Id, now: i64) -> Result<bool> {
    let n = match entity {
        DupEntity::Client => diesel::update(
            clients::table
                .filter(clients::id.eq(id))
                .filter(clients::version.eq(version))
                .filter(clients::trash_id.is_null()),
        )
        .set((clients::version.eq(version + 1), clients::updated_by.eq(actor), clients::updated_at.eq(now)))
        .execute(conn)?,
        DupEntity::Contact => diesel::update(
            contacts::table
                .filter(contacts::id.eq(id))
                .filter(contacts::version.eq(version))
                .filter(contacts::trash_id.is_null()),
        )
        .set((contacts::version.eq(version + 1), contacts::updated_by.eq(actor), contacts::updated_at.eq(now)))
        .execute(conn)?,
    };
    Ok(n == 1)
}

/// Puts a live record still at `version` in trash entry `tid` (the row
/// only: what it had has moved). False: changed or gone.
pub(crate) fn trash_row(conn: &mut Conn, entity: DupEntity, id: Id, version: i64, tid: Id) -> Result<bool> {
    let n = match entity {
        DupEntity::Client => diesel::update(
            clients::table
                .filter(clients::id.eq(id))
                .filter(clients::version.eq(version))
                .filter(clients::trash_id.is_null()),
        )
        .set(clients::trash_id.eq(tid))
        .execute(conn)?,
        DupEntity::Contact => diesel::update(
            contacts::table
                .filter(contacts::id.eq(id))
                .filter(contacts::version.eq(version))
                .filter(contacts::trash_id.is_null()),
        )
        .set(contacts::trash_id.eq(tid))
        .execute(conn)?,
    };
    Ok(n == 1)
}

/// The links of a record: (other, role), by other.
pub(crate) fn links(conn: &mut Conn, entity: DupEntity, id: Id) -> Result<Vec<(Id, String)>> {
    Ok(match entity {
        DupEntity::Client => contact_links::table
            .filter(contact_links::client_id.eq(id))
            .order(contact_links::contact_id)
            .select((contact_links::contact_id, contact_links::role))
            .load(conn)?,
        DupEntity::Contact => contact_links::table
            .filter(contact_links::contact_id.eq(id))
            .order(contact_links::client_id)
            .select((contact_links::client_id, contact_links::role))
            .load(conn)?,
    })
}

/// (client, contact) of the link between a record and another.
fn pair(entity: DupEntity, id: Id, other: Id) -> (Id, Id) {
    match entity {
        DupEntity::Client => (id, other),
        DupEntity::Contact => (other, id),
    }
}

/// Moves the link between `from` and `other` to `to` (its role and who
/// made it when are kept).
pub(crate) fn move_link(conn: &mut Conn, entity: DupEntity, from: Id, to: Id, other: Id) -> Result<()> {
    let (client, contact) = pair(entity, from, other);
    let q =
        contact_links::table.filter(contact_links::client_id.eq(client)).filter(contact_links::contact_id.eq(contact));
    match entity {
        DupEntity::Client => diesel::update(q).set(contact_links::client_id.eq(to)).execute(conn)?,
        DupEntity::Contact => diesel::update(q).set(contact_links::contact_id.eq(to)).execute(conn)?,
    };
    Ok(())
}

pub(crate) fn set_role(conn: &mut Conn, entity: DupEntity, id: Id, other: Id, role: &str) -> Result<()> {
    let (client, contact) = pair(entity, id, other);
    diesel::update(
        contact_links::table.filter(contact_links::client_id.eq(client)).filter(contact_links::contact_id.eq(contact)),
    )
    .set(contact_links::role.eq(role))
    .execute(conn)?;
    Ok(())
}

pub(crate) fn unlink(conn: &mut Conn, entity: DupEntity, id: Id, other: Id) -> Result<()> {
    let (client, contact) = pair(entity, id, other);
    diesel::delete(
        contact_links::table.filter(contact_links::client_id.eq(client)).filter(contact_links::contact_id.eq(contact)),
    )
    .execute(conn)?;
    Ok(())
}

pub(crate) fn link(
    conn: &mut Conn,
    entity: DupEntity,
    id: Id,
    other: Id,
    role: &str,
    actor: Id,
    now: i64,
) -> Result<()> {
    let (client, contact) = pair(entity, id, other);
    diesel::insert_into(contact_links::table)
        .values((
            contact_links::client_id.eq(client),
            contact_links::contact_id.eq(contact),
            contact_links::role.eq(role),
            contact_links::created_by.eq(actor),
            contact_links::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ids of the interactions (live or trashed) of a record.
pub(crate) fn interactions_of(conn: &mut Conn, entity: DupEntity, id: Id) -> Result<Vec<Id>> {
    Ok(match entity {
        DupEntity::Client => {
            interactions::table.filter(interactions::client_id.eq(id)).select(interactions::id).load(conn)?
        }
        DupEntity::Contact => {
            interactions::table.filter(interactions::contact_id.eq(id)).select(interactions::id).load(conn)?
        }
    })
}

/// Moves those of `ids` that still belong to `from` onto `to`.
pub(crate) fn move_interactions(conn: &mut Conn, entity: DupEntity, ids: &[Id], from: Id, to: Id) -> Result<()> {
    for chunk in ids.chunks(500) {
        match entity {
            DupEntity::Client => diesel::update(
                interactions::table.filter(interactions::id.eq_any(chunk)).filter(interactions::client_id.eq(from)),
            )
            .set(interactions::client_id.eq(to))
            .execute(conn)?,
            DupEntity::Contact => diesel::update(
                interactions::table.filter(interactions::id.eq_any(chunk)).filter(interactions::contact_id.eq(from)),
            )
            .set(interactions::contact_id.eq(to))
            .execute(conn)?,
        };
    }
    Ok(())
}

pub(crate) fn transfers_of(conn: &mut Conn, entity: DupEntity, id: Id) -> Result<Vec<Id>> {
    Ok(match entity {
        DupEntity::Client => transfers::table.filter(transfers::client_id.eq(id)).select(transfers::id).load(conn)?,
        DupEntity::Contact => transfers::table.filter(transfers::to_contact.eq(id)).select(transfers::id).load(conn)?,
    })
}

pub(crate) fn move_transfers(conn: &mut Conn, entity: DupEntity, ids: &[Id], from: Id, to: Id) -> Result<()> {
    for chunk in ids.chunks(500) {
        match entity {
            DupEntity::Client => diesel::update(
                transfers::table.filter(transfers::id.eq_any(chunk)).filter(transfers::client_id.eq(from)),
            )
            .set(transfers::client_id.eq(to))
            .execute(conn)?,
            DupEntity::Contact => diesel::update(
                transfers::table.filter(transfers::id.eq_any(chunk)).filter(transfers::to_contact.eq(from)),
            )
            .set(transfers::to_contact.eq(to))
            .execute(conn)?,
        };
    }
    Ok(())
}

/// A client's assignments: (role, staff, position).
pub(crate) fn assignments(conn: &mut Conn, client: Id) -> Result<Vec<(String, Id, i64)>> {
    Ok(client_assignments::table
        .filter(client_assignments::client_id.eq(client))
        .order(client_assignments::position)
        .select((client_assignments::role, client_assignments::staff_id, client_assignments::position))
        .load(conn)?)
}

pub(crate) fn unassign(conn: &mut Conn, client: Id, role: &str, staff: Id) -> Result<()> {
    diesel::delete(
        client_assignments::table
            .filter(client_assignments::client_id.eq(client))
            .filter(client_assignments::role.eq(role))
            .filter(client_assignments::staff_id.eq(staff)),
    )
    .execute(conn)?;
    Ok(())
}

pub(crate) fn assign(conn: &mut Conn, client: Id, role: &str, staff: Id, position: i64) -> Result<()> {
    diesel::insert_into(client_assignments::table)
        .values((
            client_assignments::client_id.eq(client),
            client_assignments::role.eq(role),
            client_assignments::staff_id.eq(staff),
            client_assignments::position.eq(position),
        ))
        .execute(conn)?;
    Ok(())
}

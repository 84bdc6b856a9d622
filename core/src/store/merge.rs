//! Merges of two clients or two contacts (`merges`): what moved from the
//! merged record onto the kept one, so that restoring the merged record's
//! trash entry moves exactly that back.

use diesel::prelude::*;

use super::schema::{client_assignments, clients, contact_links, contacts, interactions, merges, transfers};
use super::{Conn, from_json, to_json};
use crate::domain::*;
use crate::error::Result;
use crate::text::PhoneRegion;

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
    /// The role each moved or changed link had on the kept record right
    /// after the merge: (other, role). A link whose role differs at undo
    /// time was edited since, and keeps that edit.
    #[serde(default)]
    pub roles_set: Vec<(Id, String)>,
    /// Custom values the merge wrote on the kept record.
    #[serde(default)]
    pub custom: Vec<CustomMove>,
    /// Tags the kept record gained (it did not have them).
    #[serde(default)]
    pub tags_added: Vec<String>,
}

/// A custom value the merge wrote on the kept record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CustomMove {
    pub key: String,
    /// The kept record's value before the merge (none: it had none).
    pub before: Option<serde_json::Value>,
    /// The value the merge wrote (the merged record's).
    pub set: serde_json::Value,
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

/// Moves the links between `from` and each of `others` to `to`, in one
/// UPDATE per 500 (roles and who made them when are kept).
pub(crate) fn move_links(conn: &mut Conn, entity: DupEntity, from: Id, to: Id, others: &[Id]) -> Result<()> {
    for chunk in others.chunks(500) {
        match entity {
            DupEntity::Client => diesel::update(
                contact_links::table
                    .filter(contact_links::client_id.eq(from))
                    .filter(contact_links::contact_id.eq_any(chunk)),
            )
            .set(contact_links::client_id.eq(to))
            .execute(conn)?,
            DupEntity::Contact => diesel::update(
                contact_links::table
                    .filter(contact_links::contact_id.eq(from))
                    .filter(contact_links::client_id.eq_any(chunk)),
            )
            .set(contact_links::contact_id.eq(to))
            .execute(conn)?,
        };
    }
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

/// Moves those of `ids` that still belong to `from` onto `to`, raising
/// their version (an edit made with the version read before is then a
/// conflict) as a write of `actor`; answers those moved: (id, its client
/// after the move).
pub(crate) fn move_interactions(
    conn: &mut Conn,
    entity: DupEntity,
    ids: &[Id],
    from: Id,
    to: Id,
    actor: Id,
    now: i64,
) -> Result<Vec<(Id, Option<Id>)>> {
    let mut moved = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let q = interactions::table.filter(interactions::id.eq_any(chunk));
        let rows: Vec<(Id, Option<Id>)> = match entity {
            DupEntity::Client => q
                .filter(interactions::client_id.eq(from))
                .select((interactions::id, interactions::client_id))
                .load(conn)?,
            DupEntity::Contact => q
                .filter(interactions::contact_id.eq(from))
                .select((interactions::id, interactions::client_id))
                .load(conn)?,
        };
        let here: Vec<Id> = rows.iter().map(|r| r.0).collect();
        if here.is_empty() {
            continue;
        }
        let target = interactions::table.filter(interactions::id.eq_any(&here));
        let stamp = (
            interactions::version.eq(interactions::version + 1),
            interactions::updated_by.eq(actor),
            interactions::updated_at.eq(now),
        );
        match entity {
            DupEntity::Client => diesel::update(target).set((interactions::client_id.eq(to), stamp)).execute(conn)?,
            DupEntity::Contact => diesel::update(target).set((interactions::contact_id.eq(to), stamp)).execute(conn)?,
        };
        moved.extend(rows.into_iter().map(|(id, client)| match entity {
            DupEntity::Client => (id, Some(to)),
            DupEntity::Contact => (id, client),
        }));
    }
    Ok(moved)
}

/// Those of `ids` whose interaction still exists (live or in the trash).
pub(crate) fn existing_interactions(conn: &mut Conn, ids: &[Id]) -> Result<Vec<Id>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            interactions::table.filter(interactions::id.eq_any(chunk)).select(interactions::id).load::<Id>(conn)?,
        );
    }
    Ok(out)
}

/// Those of `ids` whose transfer still exists (live or in the trash).
pub(crate) fn existing_transfers(conn: &mut Conn, ids: &[Id]) -> Result<Vec<Id>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(transfers::table.filter(transfers::id.eq_any(chunk)).select(transfers::id).load::<Id>(conn)?);
    }
    Ok(out)
}

pub(crate) fn transfers_of(conn: &mut Conn, entity: DupEntity, id: Id) -> Result<Vec<Id>> {
    Ok(match entity {
        DupEntity::Client => transfers::table.filter(transfers::client_id.eq(id)).select(transfers::id).load(conn)?,
        DupEntity::Contact => transfers::table.filter(transfers::to_contact.eq(id)).select(transfers::id).load(conn)?,
    })
}

/// As [`move_interactions`], for file transfers.
pub(crate) fn move_transfers(
    conn: &mut Conn,
    entity: DupEntity,
    ids: &[Id],
    from: Id,
    to: Id,
    actor: Id,
    now: i64,
) -> Result<Vec<(Id, Option<Id>)>> {
    let mut moved = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let q = transfers::table.filter(transfers::id.eq_any(chunk));
        let rows: Vec<(Id, Id)> = match entity {
            DupEntity::Client => {
                q.filter(transfers::client_id.eq(from)).select((transfers::id, transfers::client_id)).load(conn)?
            }
            DupEntity::Contact => {
                q.filter(transfers::to_contact.eq(from)).select((transfers::id, transfers::client_id)).load(conn)?
            }
        };
        let here: Vec<Id> = rows.iter().map(|r| r.0).collect();
        if here.is_empty() {
            continue;
        }
        let target = transfers::table.filter(transfers::id.eq_any(&here));
        let stamp = (
            transfers::version.eq(transfers::version + 1),
            transfers::updated_by.eq(actor),
            transfers::updated_at.eq(now),
        );
        match entity {
            DupEntity::Client => diesel::update(target).set((transfers::client_id.eq(to), stamp)).execute(conn)?,
            DupEntity::Contact => diesel::update(target).set((transfers::to_contact.eq(to), stamp)).execute(conn)?,
        };
        moved.extend(rows.into_iter().map(|(id, client)| match entity {
            DupEntity::Client => (id, Some(to)),
            DupEntity::Contact => (id, Some(client)),
        }));
    }
    Ok(moved)
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

/// Removes every assignment of a client.
pub(crate) fn unassign_all(conn: &mut Conn, client: Id) -> Result<()> {
    diesel::delete(client_assignments::table.filter(client_assignments::client_id.eq(client))).execute(conn)?;
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

/// Those of `ids` whose record exists (live or in the trash).
pub(crate) fn existing(conn: &mut Conn, entity: DupEntity, ids: &[Id]) -> Result<Vec<Id>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        match entity {
            DupEntity::Client => {
                out.extend(clients::table.filter(clients::id.eq_any(chunk)).select(clients::id).load::<Id>(conn)?)
            }
            DupEntity::Contact => {
                out.extend(contacts::table.filter(contacts::id.eq_any(chunk)).select(contacts::id).load::<Id>(conn)?)
            }
        }
    }
    Ok(out)
}

/// Rewrites a live client's own fields, custom values and tags as `data`
/// says (search text and folds follow), without touching its version (the
/// merge raised it already) nor its people in charge.
pub(crate) fn rewrite_client(
    conn: &mut Conn,
    id: Id,
    data: &ClientData,
    actor: Id,
    now: i64,
    region: PhoneRegion,
) -> Result<()> {
    diesel::update(clients::table.filter(clients::id.eq(id)))
        .set(&super::clients::write(data, actor, now, region))
        .execute(conn)?;
    super::tags::replace_client(conn, id, &data.tags)
}

/// As [`rewrite_client`], for a contact.
pub(crate) fn rewrite_contact(
    conn: &mut Conn,
    id: Id,
    data: &ContactData,
    actor: Id,
    now: i64,
    region: PhoneRegion,
) -> Result<()> {
    diesel::update(contacts::table.filter(contacts::id.eq(id)))
        .set(&super::contacts::write(data, actor, now, region))
        .execute(conn)?;
    super::tags::replace_contact(conn, id, &data.tags)
}

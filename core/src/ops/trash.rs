use crate::domain::{HistoryOp, Id, RecordKind, RecordRef};
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{Done, NotRestored, RestoreItem, Restored, TrashEntry};
use crate::store::history::NewEntry;
use crate::store::{self, Conn};
use crate::visibility;

pub(crate) fn entity_of(e: &TrashEntry) -> Result<Entity> {
    Ok(match e.entity.as_str() {
        "client" => Entity::Clients,
        "contact" => Entity::Contacts,
        "interaction" => Entity::Interactions,
        "transfer" => Entity::FileTransfers,
        other => return Err(Error::storage(format!("corrupt trash entity '{other}'"))),
    })
}

/// The entry, if the actor may act on it (delete right, offices).
fn entry_for(c: &mut Conn, who: &Who, id: Id) -> Result<TrashEntry> {
    // What the actor cannot see answers as an absent entry; the right is
    // checked only on what they see.
    let e = match store::trash::get(c, id)? {
        Some(e) if visibility::trash_entry(c, who, &e)? => e,
        _ => return Err(Error::NotFound { entity: "trash entry", id }),
    };
    who.require(entity_of(&e)?, Action::Delete)?;
    Ok(e)
}

/// A record cannot come back while what it belongs to is in the trash.
fn check_parent_live(c: &mut Conn, e: &TrashEntry) -> Result<()> {
    let (client, contact) = match e.entity.as_str() {
        "interaction" => {
            store::interactions::get(c, e.entity_id, true)?.map(|r| (r.client_id, r.contact_id)).unwrap_or_default()
        }
        "transfer" => store::transfers::get(c, e.entity_id, true)?
            .map(|r| (Some(r.client_id), Some(r.to_contact)))
            .unwrap_or_default(),
        "client" => {
            // A transfer of the client to a contact still in the trash would
            // come back pointing at nobody.
            if let Some(contact) = store::trash::transfer_contacts_in_trash(c, e.id)?.first() {
                return Err(Error::validation(
                    "id",
                    "parent_in_trash",
                    format!(
                        "a transfer of this client went to contact {contact}, which is in the trash: restore it first"
                    ),
                ));
            }
            (None, None)
        }
        _ => (None, None),
    };
    if let Some(client) = client
        && store::clients::version_of(c, client)?.is_none()
    {
        return Err(Error::validation(
            "id",
            "parent_in_trash",
            format!("its client {client} is in the trash: restore the client first"),
        ));
    }
    if let Some(contact) = contact
        && (e.entity == "transfer" || client.is_none())
        && store::contacts::version_of(c, contact)?.is_none()
    {
        return Err(Error::validation(
            "id",
            "parent_in_trash",
            format!("its contact {contact} is in the trash: restore the contact first"),
        ));
    }
    Ok(())
}

/// The record of a trash entry and the client whose timeline shows it.
fn record_of(c: &mut Conn, e: &TrashEntry) -> Result<(RecordKind, Option<Id>)> {
    let kind =
        RecordKind::parse(&e.entity).ok_or_else(|| Error::storage(format!("corrupt trash entity '{}'", e.entity)))?;
    let client = match kind {
        RecordKind::Client => Some(e.entity_id),
        RecordKind::Contact => None,
        RecordKind::Interaction => store::interactions::get(c, e.entity_id, true)?.and_then(|r| r.client_id),
        RecordKind::Transfer => store::transfers::get(c, e.entity_id, true)?.map(|r| r.client_id),
    };
    Ok((kind, client))
}

/// Leaves out of a merge undo's report what names a record the actor
/// cannot see (an interaction, transfer or linked record of another
/// office): the report must not tell its id. What no longer exists at all
/// (purged) stays; staff members and custom values are no office's.
fn hide_unseen(c: &mut Conn, who: &Who, e: &TrashEntry, items: Vec<NotRestored>) -> Result<Vec<NotRestored>> {
    let mut out = Vec::with_capacity(items.len());
    for n in items {
        let kind = match n.item {
            RestoreItem::Interaction => Some(RecordKind::Interaction),
            RestoreItem::Transfer => Some(RecordKind::Transfer),
            RestoreItem::Link if e.entity == "client" => Some(RecordKind::Contact),
            RestoreItem::Link => Some(RecordKind::Client),
            _ => None,
        };
        let seen = match (kind, n.id) {
            (Some(kind), Some(id)) => visibility::record_seen_any(c, who, RecordRef { kind, id })? != Some(false),
            _ => true,
        };
        if seen {
            out.push(n);
        }
    }
    Ok(out)
}

impl Engine {
    pub(crate) fn trash_list(&self, who: &Who) -> Result<Vec<TrashEntry>> {
        self.read(|c| {
            let mut out = Vec::new();
            for e in store::trash::list(c)? {
                if who.require(entity_of(&e)?, Action::Delete).is_ok() && visibility::trash_entry(c, who, &e)? {
                    out.push(e);
                }
            }
            Ok(out)
        })
    }

    pub(crate) fn trash_restore(&self, who: &Who, id: Id) -> Result<Restored> {
        self.write(|c| {
            store::trash::hold(c, id)?;
            let e = entry_for(c, who, id)?;
            check_parent_live(c, &e)?;
            // A record merged into another: what moved goes back first.
            let not_restored = super::merge::undo(c, id, who.id, crate::time::ms(self.now()), self.phone_region)?;
            let not_restored = hide_unseen(c, who, &e, not_restored)?;
            store::trash::restore(c, id)?;
            let (kind, client) = record_of(c, &e)?;
            let now = crate::time::ms(self.now());
            store::history::record(c, NewEntry::new(kind, e.entity_id, client, HistoryOp::Restore, Some(who.id), now))?;
            Ok(Restored { done: true, not_restored })
        })
        .inspect(|_| {
            // A restored transfer may be past its expiry: look again.
            self.next_sweep.store(0, std::sync::atomic::Ordering::Release);
        })
    }

    pub(crate) fn trash_purge(&self, who: &Who, id: Id) -> Result<Done> {
        self.write(|c| {
            store::trash::hold(c, id)?;
            let e = entry_for(c, who, id)?;
            if e.entity == "contact" {
                // Only the transfers of clients the actor sees are counted:
                // the refusal must not tell how many another office has.
                let offices = store::contacts::transfer_offices(c, e.entity_id)?;
                let seen = offices.iter().filter(|o| who.rights.sees_office(o.as_deref())).count();
                if seen > 0 {
                    return Err(Error::validation(
                        "id",
                        "in_use",
                        format!("{seen} file transfer(s) still name this contact: delete and purge them first"),
                    ));
                }
                if !offices.is_empty() {
                    return Err(Error::validation(
                        "id",
                        "in_use",
                        "file transfers of clients you do not see still name this contact: it cannot be purged",
                    ));
                }
            }
            // A merge whose merged record is purged is final.
            store::merge::forget(c, id)?;
            let (kind, client) = record_of(c, &e)?;
            store::trash::purge(c, id)?;
            // The record's own history went with it; the purge stays on the
            // timeline of its client when that client stays.
            if let Some(client) = client.filter(|_| kind != RecordKind::Client)
                && store::clients::get(c, client, true)?.is_some()
            {
                let now = crate::time::ms(self.now());
                store::history::record(
                    c,
                    NewEntry::new(kind, e.entity_id, Some(client), HistoryOp::Purge, Some(who.id), now),
                )?;
            }
            Ok(Done { done: true })
        })
    }
}

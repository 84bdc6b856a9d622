use super::{check_version, stale};
use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::Deleted;
use crate::query::{Constraint, ListQuery};
use crate::store::history::NewEntry;
use crate::store::{self, Conn};
use crate::time::ms;
use crate::validate;
use crate::visibility;

/// Checks every record a new or edited interaction points at, and holds
/// them until the write commits.
///
/// `client`: check the client here (false: the write's insert holds it,
/// `visibility::client_hold`).
fn check_refs(c: &mut Conn, who: &Who, i: &InteractionData, client: bool) -> Result<()> {
    // The staff members first, on both backends: on PostgreSQL the client
    // may be checked by the insert, after these.
    for (field, staff) in [
        ("staff_id", i.staff_id),
        ("taken_for_id", i.taken_for_id),
        ("follow_up.assignee_id", i.follow_up.as_ref().map(|f| f.assignee_id)),
    ] {
        // The actor exists (read for this request; staff are never
        // deleted): only others are looked up.
        if let Some(staff) = staff
            && staff != who.id
            && store::staff::get(c, staff)?.is_none()
        {
            return Err(Error::validation(field, "not_found", format!("no staff member {staff}")));
        }
    }
    if let Some(id) = i.client_id.filter(|_| client) {
        visibility::client_held(c, who, id)?;
    }
    if let Some(contact) = i.contact_id {
        visibility::contact(c, who, contact)?;
        if !store::hold_live(c, store::Parent::Contact, contact)? {
            return Err(Error::NotFound { entity: "contact", id: contact });
        }
    }
    // With both, the contact must be one of the client's: otherwise the
    // client's timeline would show another client's contact.
    if let (Some(client), Some(contact)) = (i.client_id, i.contact_id)
        && store::contacts::link_role(c, contact, client)?.is_none()
    {
        return Err(Error::validation(
            "contact_id",
            "not_linked",
            format!("contact {contact} is not a contact of client {client}: link it first"),
        ));
    }
    Ok(())
}

/// The engine's part of a follow-up: marked done now by `who` when `done`
/// becomes true, as before while it stays true, nothing while it is not.
pub(crate) fn settle_follow_up(
    before: Option<&FollowUp>,
    after: &mut Option<FollowUp>,
    who: &Who,
    now: chrono::DateTime<chrono::Utc>,
) {
    let Some(f) = after else { return };
    match before.filter(|b| b.done) {
        _ if !f.done => (f.done_at, f.done_by) = (None, None),
        Some(b) => (f.done_at, f.done_by) = (b.done_at, b.done_by),
        None => (f.done_at, f.done_by) = (Some(now), Some(who.id)),
    }
}

impl Engine {
    pub(crate) fn interaction_create(&self, who: &Who, data: InteractionData) -> Result<Record<InteractionData>> {
        who.require(Entity::Interactions, Action::Add)?;
        let now = ms(self.now());
        // One transaction: the interaction, its history row, and the record
        // answered as this write left it (made from the values written, as
        // a read would convert them: `tests/tests/create_answers.rs`).
        self.write(|c| {
            // The fields as read with the actor, as a client's are.
            let mut data = validate::interaction(&data, &who.interaction_fields(data.kind))?;
            // PostgreSQL: the client is checked and held by the insert's
            // own statement (a round trip less), the scope checked first.
            // Not with a contact: whether the contact is the client's is
            // asked only of a client the actor sees (else its answer
            // would tell a hidden client's links from an absent client).
            let hold = match (data.client_id, data.contact_id) {
                (Some(id), None) if c.is_pg() => Some(visibility::client_hold(who, id)?),
                _ => None,
            };
            check_refs(c, who, &data, hold.is_none())?;
            settle_follow_up(None, &mut data.follow_up, who, self.now());
            // Its history row written with it.
            let changes = diff(None, Some(&data));
            let entry = |id| {
                NewEntry::new(RecordKind::Interaction, id, data.client_id, HistoryOp::Create, Some(who.id), now)
                    .changes(changes)
            };
            let written = store::interactions::insert_answered(c, &data, who.id, now, self.phone_region, entry, hold)?;
            // A client held by the insert is judged as `client_held` judges
            // (a refusal rolls the insert back with the transaction).
            if let (Some(id), Some(_)) = (data.client_id, hold) {
                visibility::client_held_by(who, id, written.as_ref().map(|(_, office)| office.as_deref()))?;
            }
            let (rec, _) = written.ok_or_else(|| Error::internal("an interaction not written"))?;
            // As `interaction.get` would answer it (made from what was
            // written, not read back): its client and contact were checked
            // visible in this transaction (`check_refs`, or the insert).
            who.require(Entity::Interactions, Action::View)?;
            Ok(rec)
        })
    }

    pub(crate) fn interaction_get(&self, who: &Who, id: Id) -> Result<Record<InteractionData>> {
        who.require(Entity::Interactions, Action::View)?;
        self.read(|c| {
            let row = store::interactions::get(c, id, false)?.ok_or(Error::NotFound { entity: "interaction", id })?;
            visibility::interaction(c, who, id, row.client_id, row.contact_id)?;
            store::interactions::records(c, vec![row])?.pop().ok_or(Error::NotFound { entity: "interaction", id })
        })
    }

    /// Applies a patch to the interaction as read inside the write
    /// transaction, checks the merged one as a new one (kind, custom
    /// fields, the records it points at), and answers it as this write left
    /// it (see `client_update`).
    pub(crate) fn interaction_update(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        patch: InteractionPatch,
    ) -> Result<Record<InteractionData>> {
        who.require(Entity::Interactions, Action::Edit)?;
        let now = ms(self.now());
        self.write(|c| {
            let row = store::interactions::get(c, id, false)?.ok_or(Error::NotFound { entity: "interaction", id })?;
            visibility::interaction(c, who, id, row.client_id, row.contact_id)?;
            if row.kind == InteractionKind::TransferEvent.as_str() {
                return Err(Error::validation("kind", "reserved", "transfer events cannot be edited"));
            }
            check_version("interaction", id, version, Some(row.version))?;
            let current = store::interactions::records(c, vec![row])?
                .pop()
                .ok_or(Error::NotFound { entity: "interaction", id })?;
            let merged = super::patched(&current.data, &patch)?;
            let mut data = validate::interaction(&merged, &who.interaction_fields(merged.kind))?;
            check_refs(c, who, &data, true)?;
            settle_follow_up(current.data.follow_up.as_ref(), &mut data.follow_up, who, self.now());
            if !store::interactions::update(c, id, version, &data, who.id, now, self.phone_region)? {
                return Err(stale("interaction", id, version, store::interactions::version_of(c, id)?));
            }
            let written = store::interactions::record(c, id)?.ok_or(Error::NotFound { entity: "interaction", id })?;
            // On the timeline of its client as it is now.
            let changes = diff(Some(&current.data), Some(&written.data));
            let e = NewEntry::new(
                RecordKind::Interaction,
                id,
                written.data.client_id,
                HistoryOp::Update,
                Some(who.id),
                now,
            );
            store::history::record(c, e.changes(changes))?;
            Ok(written)
        })
    }

    pub(crate) fn interaction_delete(&self, who: &Who, id: Id, version: i64) -> Result<Deleted> {
        who.require(Entity::Interactions, Action::Delete)?;
        let now = ms(self.now());
        self.write(|c| {
            let row = store::interactions::get(c, id, false)?.ok_or(Error::NotFound { entity: "interaction", id })?;
            visibility::interaction(c, who, id, row.client_id, row.contact_id)?;
            if row.kind == InteractionKind::TransferEvent.as_str() {
                return Err(Error::validation("kind", "reserved", "transfer events are part of the transfer's record"));
            }
            check_version("interaction", id, version, Some(row.version))?;
            let trash_id = store::trash::open(c, "interaction", id, &row.subject, who.id, now)?;
            if !store::trash::interaction(c, id, version, trash_id)? {
                return Err(super::stale("interaction", id, version, store::interactions::version_of(c, id)?));
            }
            let e = NewEntry::new(RecordKind::Interaction, id, row.client_id, HistoryOp::Trash, Some(who.id), now);
            store::history::record(c, e)?;
            Ok(Deleted { trash_id })
        })
    }

    pub(crate) fn interaction_list(
        &self,
        who: &Who,
        client: Option<Id>,
        contact: Option<Id>,
        last_30_days: bool,
        query: &ListQuery,
        scope: Vec<Constraint>,
    ) -> Result<Page<Record<InteractionData>>> {
        who.require(Entity::Interactions, Action::View)?;
        let mut constraints = scope;
        constraints.extend(self.interaction_constraints(who, client, contact, last_30_days)?);
        let (items, next_cursor, total) = self.list_page(who, query, constraints, super::lists::interaction_records)?;
        Ok(Page::counted(items, next_cursor, total))
    }
}

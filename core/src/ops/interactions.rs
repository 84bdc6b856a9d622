use super::clients::visible_client;
use super::contacts::visible_contact;
use super::{check_version, stale};
use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::Deleted;
use crate::query::{Constraint, ListKind, ListQuery};
use crate::store::{self, Conn};
use crate::time::ms;
use crate::validate;

/// An interaction is visible through its client, or, without one, through
/// its contact.
fn visible_refs(c: &mut Conn, who: &Who, client: Option<Id>, contact: Option<Id>) -> Result<()> {
    match (client, contact) {
        (Some(client), _) => visible_client(c, who, client),
        (None, Some(contact)) => visible_contact(c, who, contact),
        (None, None) => Ok(()),
    }
}

/// Checks every record a new or edited interaction points at, and holds
/// them until the write commits.
fn check_refs(c: &mut Conn, who: &Who, i: &InteractionData) -> Result<()> {
    if let Some(client) = i.client_id {
        visible_client(c, who, client)?;
        if !store::hold_live(c, store::Parent::Client, client)? {
            return Err(Error::NotFound { entity: "client", id: client });
        }
    }
    if let Some(contact) = i.contact_id {
        visible_contact(c, who, contact)?;
        if !store::hold_live(c, store::Parent::Contact, contact)? {
            return Err(Error::NotFound { entity: "contact", id: contact });
        }
    }
    if let Some(staff) = i.staff_id
        && store::staff::get(c, staff)?.is_none()
    {
        return Err(Error::validation("staff_id", "not_found", format!("no staff member {staff}")));
    }
    Ok(())
}

impl Engine {
    pub(crate) fn interaction_create(&self, who: &Who, data: InteractionData) -> Result<Record<InteractionData>> {
        who.require(Entity::Interactions, Action::Add)?;
        let now = ms(self.now());
        let id = self.write(|c| {
            let defs = store::interactions::custom_defs(c, Some(data.kind))?;
            let data = validate::interaction(&data, &defs)?;
            check_refs(c, who, &data)?;
            store::interactions::insert(c, &data, who.id, now)
        })?;
        self.interaction_get(who, id)
    }

    pub(crate) fn interaction_get(&self, who: &Who, id: Id) -> Result<Record<InteractionData>> {
        who.require(Entity::Interactions, Action::View)?;
        self.read(|c| {
            let row = store::interactions::get(c, id, false)?.ok_or(Error::NotFound { entity: "interaction", id })?;
            visible_refs(c, who, row.client_id, row.contact_id)?;
            row.into_record()
        })
    }

    pub(crate) fn interaction_update(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        data: InteractionData,
    ) -> Result<Record<InteractionData>> {
        who.require(Entity::Interactions, Action::Edit)?;
        let now = ms(self.now());
        self.write(|c| {
            let row = store::interactions::get(c, id, false)?.ok_or(Error::NotFound { entity: "interaction", id })?;
            visible_refs(c, who, row.client_id, row.contact_id)?;
            if row.kind == InteractionKind::TransferEvent.as_str() {
                return Err(Error::validation("kind", "reserved", "transfer events cannot be edited"));
            }
            let defs = store::interactions::custom_defs(c, Some(data.kind))?;
            let data = validate::interaction(&data, &defs)?;
            check_refs(c, who, &data)?;
            if !store::interactions::update(c, id, version, &data, who.id, now)? {
                return Err(stale("interaction", id, version, store::interactions::version_of(c, id)?));
            }
            Ok(())
        })?;
        self.interaction_get(who, id)
    }

    pub(crate) fn interaction_delete(&self, who: &Who, id: Id, version: i64) -> Result<Deleted> {
        who.require(Entity::Interactions, Action::Delete)?;
        let now = ms(self.now());
        self.write(|c| {
            let row = store::interactions::get(c, id, false)?.ok_or(Error::NotFound { entity: "interaction", id })?;
            visible_refs(c, who, row.client_id, row.contact_id)?;
            if row.kind == InteractionKind::TransferEvent.as_str() {
                return Err(Error::validation("kind", "reserved", "transfer events are part of the transfer's record"));
            }
            check_version("interaction", id, version, Some(row.version))?;
            let trash_id = store::trash::open(c, "interaction", id, &row.subject, who.id, now)?;
            if !store::trash::interaction(c, id, version, trash_id)? {
                return Err(super::stale("interaction", id, version, store::interactions::version_of(c, id)?));
            }
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
        let (items, next_cursor, total) =
            self.list_page(who, ListKind::Interactions, query, constraints, super::lists::interaction_records)?;
        Ok(Page::counted(items, next_cursor, total))
    }
}

use super::clients::visible_client;
use super::{check_version, stale};
use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{Deleted, Done};
use crate::query::{Constraint, ListKind, ListQuery};
use crate::store::{self, Conn};
use crate::time::ms;
use crate::validate;

/// Refuses a contact that does not exist (or is in the trash), or that is
/// linked only to clients outside the actor's offices. A standalone
/// contact is visible to every staff member who may view contacts.
pub(crate) fn visible_contact(c: &mut Conn, who: &Who, id: Id) -> Result<()> {
    if store::contacts::version_of(c, id)?.is_none() {
        return Err(Error::NotFound { entity: "contact", id });
    }
    if who.offices().is_none() {
        return Ok(());
    }
    let offices = store::contacts::linked_offices(c, id)?;
    if offices.is_empty() || offices.iter().any(|o| who.rights.sees_office(o.as_deref())) {
        Ok(())
    } else {
        Err(who.office_forbidden("contacts of clients of other offices"))
    }
}

impl Engine {
    pub(crate) fn contact_create(&self, who: &Who, data: ContactData) -> Result<Record<ContactData>> {
        who.require(Entity::Contacts, Action::Add)?;
        let data = validate::contact(&data)?;
        let now = ms(self.now());
        let id = self.write(|c| store::contacts::insert(c, &data, who.id, now))?;
        self.contact_get(who, id)
    }

    pub(crate) fn contact_get(&self, who: &Who, id: Id) -> Result<Record<ContactData>> {
        who.require(Entity::Contacts, Action::View)?;
        self.read(|c| {
            visible_contact(c, who, id)?;
            store::contacts::get(c, id, false)?.ok_or(Error::NotFound { entity: "contact", id })?.into_record()
        })
    }

    pub(crate) fn contact_update(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        data: ContactData,
    ) -> Result<Record<ContactData>> {
        who.require(Entity::Contacts, Action::Edit)?;
        let data = validate::contact(&data)?;
        let now = ms(self.now());
        self.write(|c| {
            visible_contact(c, who, id)?;
            if !store::contacts::update(c, id, version, &data, who.id, now)? {
                return Err(stale("contact", id, version, store::contacts::version_of(c, id)?));
            }
            Ok(())
        })?;
        self.contact_get(who, id)
    }

    pub(crate) fn contact_delete(&self, who: &Who, id: Id, version: i64) -> Result<Deleted> {
        who.require(Entity::Contacts, Action::Delete)?;
        let now = ms(self.now());
        self.write(|c| {
            visible_contact(c, who, id)?;
            let row = store::contacts::get(c, id, false)?.ok_or(Error::NotFound { entity: "contact", id })?;
            check_version("contact", id, version, Some(row.version))?;
            let trash_id = store::trash::open(c, "contact", id, &row.file_as, who.id, now)?;
            if !store::trash::contact(c, id, version, trash_id)? {
                return Err(super::stale("contact", id, version, store::contacts::version_of(c, id)?));
            }
            Ok(Deleted { trash_id })
        })
    }

    pub(crate) fn contact_list(
        &self,
        who: &Who,
        query: &ListQuery,
        scope: Vec<Constraint>,
    ) -> Result<Page<Record<ContactData>>> {
        let (items, next_cursor, total) =
            self.list_page(who, ListKind::Contacts, query, scope, super::lists::contact_records)?;
        Ok(Page::counted(items, next_cursor, total))
    }

    pub(crate) fn contact_link(
        &self,
        who: &Who,
        contact_id: Id,
        client_id: Id,
        role: ContactRole,
        from_role: Option<ContactRole>,
    ) -> Result<Vec<ClientContact>> {
        who.require(Entity::Contacts, Action::Edit)?;
        let now = ms(self.now());
        self.write(|c| {
            visible_client(c, who, client_id)?;
            visible_contact(c, who, contact_id)?;
            if !store::hold_live(c, store::Parent::Client, client_id)? {
                return Err(Error::NotFound { entity: "client", id: client_id });
            }
            if !store::hold_live(c, store::Parent::Contact, contact_id)? {
                return Err(Error::NotFound { entity: "contact", id: contact_id });
            }
            if role == ContactRole::Primary
                && let Some((holder, trashed)) = store::contacts::primary_of(c, client_id)?
                && holder != contact_id
            {
                if !trashed {
                    return Err(Error::validation(
                        "role",
                        "primary_taken",
                        format!(
                            "client {client_id} already has a primary contact ({holder}); give it another role first"
                        ),
                    ));
                }
                // A contact in the trash cannot hold the role.
                store::contacts::set_role(c, holder, client_id, ContactRole::Additional)?;
            }
            let changed = |current: ContactRole| {
                Error::validation(
                    "from_role",
                    "role_changed",
                    format!(
                        "the contact is linked as {}; send from_role with the role you read to change it",
                        current.as_str()
                    ),
                )
            };
            match store::contacts::link_role(c, contact_id, client_id)? {
                Some(current) if current == role => {}
                Some(current) => {
                    // A compare-and-set: the role read must still be the
                    // role stored, in the UPDATE itself.
                    if from_role != Some(current)
                        || !store::contacts::change_role(c, contact_id, client_id, current, role)?
                    {
                        return Err(changed(current));
                    }
                }
                None => store::contacts::link(c, contact_id, client_id, role, who.id, now)?,
            }
            store::clients::contacts_of(c, &[client_id])
        })
    }

    pub(crate) fn contact_unlink(&self, who: &Who, contact_id: Id, client_id: Id) -> Result<Done> {
        who.require(Entity::Contacts, Action::Edit)?;
        self.write(|c| {
            visible_client(c, who, client_id)?;
            visible_contact(c, who, contact_id)?;
            if !store::contacts::unlink(c, contact_id, client_id)? {
                return Err(Error::NotFound { entity: "link between this contact and client", id: contact_id });
            }
            Ok(Done { done: true })
        })
    }

    pub(crate) fn contact_clients(&self, who: &Who, id: Id) -> Result<Vec<LinkedClient>> {
        who.require(Entity::Contacts, Action::View)?;
        who.require(Entity::Clients, Action::View)?;
        self.read(|c| {
            visible_contact(c, who, id)?;
            store::contacts::clients_of(c, &[id], who.offices())
        })
    }

    /// The clients of several contacts, in one query (rows outside the
    /// actor's offices are left out).
    pub(crate) fn contact_clients_of(&self, who: &Who, ids: &[Id]) -> Result<Vec<LinkedClient>> {
        who.require(Entity::Contacts, Action::View)?;
        who.require(Entity::Clients, Action::View)?;
        check_batch(ids)?;
        self.read(|c| store::contacts::clients_of(c, ids, who.offices()))
    }
}

/// A batch of ids: 1 to 500.
pub(crate) fn check_batch(ids: &[Id]) -> Result<()> {
    if ids.is_empty() || ids.len() > 500 {
        return Err(Error::validation("ids", "out_of_range", "give 1 to 500 ids"));
    }
    Ok(())
}

use super::{check_version, stale};
use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{Deleted, Done};
use crate::query::{Constraint, ListQuery};
use crate::store;
use crate::time::ms;
use crate::validate;
use crate::visibility;

impl Engine {
    pub(crate) fn contact_create(&self, who: &Who, data: ContactData) -> Result<Record<ContactData>> {
        who.require(Entity::Contacts, Action::Add)?;
        let data = validate::contact(&data, &who.custom)?;
        let now = ms(self.now());
        let id = self.write(|c| store::contacts::insert(c, &data, who.id, now, self.phone_region))?;
        self.contact_get(who, id)
    }

    pub(crate) fn contact_get(&self, who: &Who, id: Id) -> Result<Record<ContactData>> {
        who.require(Entity::Contacts, Action::View)?;
        self.read(|c| {
            visibility::contact(c, who, id)?;
            store::contacts::get(c, id, false)?.ok_or(Error::NotFound { entity: "contact", id })?.into_record()
        })
    }

    /// Applies a patch to the contact as read inside the write transaction
    /// and answers it as this write left it (see `client_update`).
    pub(crate) fn contact_update(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        patch: ContactPatch,
    ) -> Result<Record<ContactData>> {
        who.require(Entity::Contacts, Action::Edit)?;
        let now = ms(self.now());
        self.write(|c| {
            visibility::contact(c, who, id)?;
            let row = store::contacts::get(c, id, false)?.ok_or(Error::NotFound { entity: "contact", id })?;
            check_version("contact", id, version, Some(row.version))?;
            let current = row.into_record()?.data;
            let mut merged = super::patched(&current, &patch)?;
            // A "file as" derived from the name follows the name, unless the
            // patch says otherwise.
            if patch.file_as.is_none() && current.file_as.as_deref() == Some(current.default_file_as().as_str()) {
                merged.file_as = None;
            }
            let data = validate::contact(&merged, &who.custom)?;
            if !store::contacts::update(c, id, version, &data, who.id, now, self.phone_region)? {
                return Err(stale("contact", id, version, store::contacts::version_of(c, id)?));
            }
            store::contacts::get(c, id, false)?.ok_or(Error::NotFound { entity: "contact", id })?.into_record()
        })
    }

    pub(crate) fn contact_delete(&self, who: &Who, id: Id, version: i64) -> Result<Deleted> {
        who.require(Entity::Contacts, Action::Delete)?;
        let now = ms(self.now());
        self.write(|c| {
            visibility::contact(c, who, id)?;
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
            self.list_page(who, query, scope, |_, rows| super::lists::contact_records(rows))?;
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
            visibility::client(c, who, client_id)?;
            visibility::contact(c, who, contact_id)?;
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
            visibility::client(c, who, client_id)?;
            visibility::contact(c, who, contact_id)?;
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
            visibility::contact(c, who, id)?;
            let mut links = store::contacts::clients_of(c, &[id], who.offices())?;
            links.retain(|l| visibility::link_in_scope(who, l.client_id));
            Ok(links)
        })
    }

    /// The clients of several contacts, in one query (rows outside the
    /// actor's offices are left out).
    pub(crate) fn contact_clients_of(&self, who: &Who, ids: &[Id]) -> Result<Vec<LinkedClient>> {
        who.require(Entity::Contacts, Action::View)?;
        who.require(Entity::Clients, Action::View)?;
        super::check_batch(ids)?;
        let mut links = self.read(|c| store::contacts::clients_of(c, ids, who.offices()))?;
        links.retain(|l| visibility::link_in_scope(who, l.client_id));
        Ok(links)
    }
}

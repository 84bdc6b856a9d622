use super::{check_version, stale};
use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{Deleted, Done};
use crate::query::{Constraint, ListQuery};
use crate::store;
use crate::store::history::NewEntry;
use crate::time::ms;
use crate::validate;
use crate::visibility;

/// Records a link made (`old` none), its role changed, or removed (`new`
/// none) on both its records: the client's entry shows on its timeline.
pub(crate) fn record_link(
    c: &mut store::Conn,
    contact: Id,
    client: Id,
    old: Option<ContactRole>,
    new: Option<ContactRole>,
    by: Id,
    now: i64,
) -> Result<()> {
    let (old, new) = (old.map(ContactRole::as_str), new.map(ContactRole::as_str));
    store::history::record_many(c, &link_entries(contact, client, old, new, HistoryOp::Link, Some(by), now))
}

/// The two entries of a link's change (op `link`, `unlink` when `new` is
/// none, or the caller's, e.g. `import`).
pub(crate) fn link_entries(
    contact: Id,
    client: Id,
    old: Option<&str>,
    new: Option<&str>,
    op: HistoryOp,
    by: Option<Id>,
    now: i64,
) -> [NewEntry; 2] {
    let op = if new.is_none() && op == HistoryOp::Link { HistoryOp::Unlink } else { op };
    let value = |r: Option<&str>| r.map_or(serde_json::Value::Null, serde_json::Value::from);
    let mut changes = Changes::new();
    changes.insert("role".into(), FieldChange { old: value(old), new: value(new) });
    [
        NewEntry::new(RecordKind::Contact, contact, None, op, by, now)
            .changes(changes.clone())
            .related(RecordRef { kind: RecordKind::Client, id: client }),
        NewEntry::new(RecordKind::Client, client, Some(client), op, by, now)
            .changes(changes)
            .related(RecordRef { kind: RecordKind::Contact, id: contact }),
    ]
}

impl Engine {
    pub(crate) fn contact_create(&self, who: &Who, data: ContactData) -> Result<Record<ContactData>> {
        who.require(Entity::Contacts, Action::Add)?;
        let mut data = validate::contact(&data, &who.custom)?;
        let now = ms(self.now());
        // One transaction: the contact, its history row and keys, its
        // duplicate warnings, and the record answered as this write left it
        // (made from the values written, as `client.create` does:
        // `tests/tests/create_answers.rs`).
        self.write(|c| {
            if !data.tags.is_empty() {
                data.tags = super::tags::resolve(&store::tags::all(c)?, &data.tags, "")?;
            }
            let mut rec = store::contacts::insert_answered(c, &data, who.id, now, self.phone_region)?;
            let id = rec.id;
            let e = NewEntry::new(RecordKind::Contact, id, None, HistoryOp::Create, Some(who.id), now);
            let keys = store::dupkeys::contact_keys(&data, self.phone_region);
            let keyed = store::dupkeys::Keyed::Contact;
            let look = super::duplicates::look(who, id);
            let first = store::history::record_with_keys(c, e.changes(diff(None, Some(&data))), keyed, &keys, look)?;
            rec.warnings = super::duplicates::warnings_from(c, who, DupEntity::Contact, &keys, id, first)?;
            // As `contact.get` would answer it: rights and visibility.
            who.require(Entity::Contacts, Action::View)?;
            visibility::contact_written(who, id)?;
            Ok(rec)
        })
    }

    pub(crate) fn contact_get(&self, who: &Who, id: Id) -> Result<Record<ContactData>> {
        who.require(Entity::Contacts, Action::View)?;
        self.read(|c| {
            visibility::contact(c, who, id)?;
            store::contacts::record(c, id)?.ok_or(Error::NotFound { entity: "contact", id })
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
        self.contact_change(who, id, version, |current| {
            let mut merged = super::patched(current, &patch)?;
            // A "file as" derived from the name follows the name, unless the
            // patch says otherwise.
            if patch.file_as.is_none() && current.file_as.as_deref() == Some(current.default_file_as().as_str()) {
                merged.file_as = None;
            }
            *current = merged;
            Ok(())
        })
    }

    /// Changes the contact as read inside the write transaction with
    /// `change`, then checks and writes it at `version` (every change of a
    /// contact, its tags included: one version, one validation).
    pub(crate) fn contact_change(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        change: impl FnOnce(&mut ContactData) -> Result<()>,
    ) -> Result<Record<ContactData>> {
        who.require(Entity::Contacts, Action::Edit)?;
        let now = ms(self.now());
        self.write(|c| {
            visibility::contact(c, who, id)?;
            let row = store::contacts::record(c, id)?.ok_or(Error::NotFound { entity: "contact", id })?;
            check_version("contact", id, version, Some(row.version))?;
            let current = row.data;
            let mut data = current.clone();
            change(&mut data)?;
            let mut data = validate::contact(&data, &who.custom)?;
            data.tags = super::tags::resolve(&store::tags::all(c)?, &data.tags, "")?;
            if !store::contacts::update(c, id, version, &data, who.id, now, self.phone_region)? {
                return Err(stale("contact", id, version, store::contacts::version_of(c, id)?));
            }
            let mut rec = store::contacts::record(c, id)?.ok_or(Error::NotFound { entity: "contact", id })?;
            let e = NewEntry::new(RecordKind::Contact, id, None, HistoryOp::Update, Some(who.id), now);
            store::history::record(c, e.changes(diff(Some(&current), Some(&rec.data))))?;
            // Warned only when what duplicates are found by changed.
            let before = store::dupkeys::contact_keys(&current, self.phone_region);
            let after = store::dupkeys::contact_keys(&data, self.phone_region);
            if after != before {
                rec.warnings = super::duplicates::warnings(c, who, DupEntity::Contact, &after, Some(id))?;
            }
            Ok(rec)
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
            store::history::record(
                c,
                NewEntry::new(RecordKind::Contact, id, None, HistoryOp::Trash, Some(who.id), now),
            )?;
            Ok(Deleted { trash_id })
        })
    }

    pub(crate) fn contact_list(
        &self,
        who: &Who,
        query: &ListQuery,
        scope: Vec<Constraint>,
    ) -> Result<Page<Record<ContactData>>> {
        let (items, next_cursor, total) = self.list_page(who, query, scope, super::lists::contact_records)?;
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
                record_link(
                    c,
                    holder,
                    client_id,
                    Some(ContactRole::Primary),
                    Some(ContactRole::Additional),
                    who.id,
                    now,
                )?;
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
                    record_link(c, contact_id, client_id, Some(current), Some(role), who.id, now)?;
                }
                None => {
                    store::contacts::link(c, contact_id, client_id, role, who.id, now)?;
                    record_link(c, contact_id, client_id, None, Some(role), who.id, now)?;
                }
            }
            store::clients::contacts_of(c, &[client_id])
        })
    }

    pub(crate) fn contact_unlink(&self, who: &Who, contact_id: Id, client_id: Id) -> Result<Done> {
        who.require(Entity::Contacts, Action::Edit)?;
        let now = ms(self.now());
        self.write(|c| {
            visibility::client(c, who, client_id)?;
            visibility::contact(c, who, contact_id)?;
            let role = store::contacts::link_role(c, contact_id, client_id)?;
            if !store::contacts::unlink(c, contact_id, client_id)? {
                return Err(Error::NotFound { entity: "link between this contact and client", id: contact_id });
            }
            record_link(c, contact_id, client_id, role, None, who.id, now)?;
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

use super::{check_version, stale};
use crate::domain::*;
use crate::engine::Progress;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{Deleted, Imported};
use crate::query::{Constraint, ListQuery};
use crate::store::history::NewEntry;
use crate::store::{self, Conn};
use crate::text;
use crate::time::ms;
use crate::validate;
use crate::visibility;

/// Refuses a client code already held by another client, live or trashed.
/// The error names the other client only when the actor sees it.
fn check_code_free(c: &mut Conn, who: &Who, code: &str, me: Option<Id>) -> Result<()> {
    match store::clients::by_code_key(c, &text::code_key(code))? {
        Some((other, trash)) if Some(other) != me => Err(Error::Duplicate {
            field: "code".into(),
            value: code.to_string(),
            where_: visibility::holder_named(c, who, other, trash.is_some())?,
        }),
        _ => Ok(()),
    }
}

fn check_office(who: &Who, office: Option<&str>) -> Result<()> {
    if who.rights.sees_office(office) { Ok(()) } else { Err(who.office_forbidden("clients of this office")) }
}

impl Engine {
    pub(crate) fn client_create(&self, who: &Who, data: ClientData) -> Result<Record<ClientData>> {
        who.require(Entity::Clients, Action::Add)?;
        let mut data = validate::client(&data, &who.custom)?;
        check_office(who, data.office.as_deref())?;
        let now = ms(self.now());
        // One transaction: the client, its history row and its duplicate
        // warnings, and the record answered as this write left it (made
        // from the values written, as a read would convert them:
        // `tests/tests/create_answers.rs`).
        self.write(|c| {
            if !data.tags.is_empty() {
                data.tags = super::tags::resolve(&store::tags::all(c)?, &data.tags, "")?;
            }
            super::assignments::check(c, &data.assignments, "")?;
            // A code taken is met by the insert (no read before it); the
            // error then names the holder when the actor sees it.
            // With its history row, its duplicate keys and each key's first
            // page of other holders (on PostgreSQL one statement).
            let keys = store::dupkeys::client_keys(&data, self.phone_region);
            let changes = diff(None, Some(&data));
            let entry = |id| {
                NewEntry::new(RecordKind::Client, id, Some(id), HistoryOp::Create, Some(who.id), now).changes(changes)
            };
            let look = |id| super::duplicates::look(who, id);
            let region = self.phone_region;
            let (mut rec, first) =
                match store::clients::insert_recorded(c, &data, who.id, now, region, entry, &keys, look) {
                    Err(Error::Duplicate { field, value, where_ }) if field == "code" => {
                        check_code_free(c, who, &data.code, None)?;
                        return Err(Error::Duplicate { field, value, where_ });
                    }
                    r => r?,
                };
            let id = rec.id;
            let warnings = super::duplicates::warnings_from(c, who, DupEntity::Client, &keys, id, first)?;
            // As `client.get` would answer it (made from what was written,
            // not read back): rights and offices checked.
            who.require(Entity::Clients, Action::View)?;
            visibility::client_written(who, id, data.office.as_deref())?;
            rec.warnings = warnings;
            Ok(rec)
        })
    }

    /// Creates many clients in one transaction, reporting progress every
    /// 100 rows; a validation error names the row (`clients[12].code`).
    pub(crate) fn client_import(&self, who: &Who, list: Vec<ClientData>, progress: &dyn Progress) -> Result<Imported> {
        who.require(Entity::Clients, Action::Add)?;
        const MAX_IMPORT: usize = 100_000;
        if list.len() > MAX_IMPORT {
            return Err(Error::validation(
                "clients",
                "too_many",
                format!("imports at most {MAX_IMPORT} clients at once"),
            ));
        }
        let total = list.len() as u64;
        let checked = list
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let d = validate::client(d, &who.custom).map_err(|e| prefix_field(e, &format!("clients[{i}]")))?;
                check_office(who, d.office.as_deref())?;
                Ok(d)
            })
            .collect::<Result<Vec<_>>>()?;
        let now = ms(self.now());
        self.write(|c| {
            let mut ids = Vec::with_capacity(checked.len());
            let tags = store::tags::all(c)?;
            for (i, d) in checked.iter().enumerate() {
                if i % 100 == 0 {
                    crate::deadline::check_current()?;
                    if !progress.report(i as u64, total) {
                        return Err(Error::Canceled);
                    }
                }
                check_code_free(c, who, &d.code, None).map_err(|e| prefix_field(e, &format!("clients[{i}]")))?;
                super::assignments::check(c, &d.assignments, &format!("clients[{i}]."))?;
                let mut d = d.clone();
                d.tags = super::tags::resolve(&tags, &d.tags, &format!("clients[{i}]."))?;
                ids.push(store::clients::insert(c, &d, who.id, now, self.phone_region)?);
            }
            let entries: Vec<NewEntry> = ids
                .iter()
                .map(|&id| NewEntry::new(RecordKind::Client, id, Some(id), HistoryOp::Import, Some(who.id), now))
                .collect();
            store::history::record_many(c, &entries)?;
            if !progress.report(total, total) {
                return Err(Error::Canceled);
            }
            // The host's callback may have run past the deadline: then
            // nothing is committed (the answer is `timeout`).
            crate::deadline::check_current()?;
            Ok(Imported { imported: ids.len() as u64, ids })
        })
    }

    pub(crate) fn client_get(&self, who: &Who, id: Id) -> Result<Record<ClientData>> {
        who.require(Entity::Clients, Action::View)?;
        self.read(|c| {
            visibility::client(c, who, id)?;
            store::clients::record(c, id)?.ok_or(Error::NotFound { entity: "client", id })
        })
    }

    /// Applies a patch to the client as read inside the write transaction,
    /// validates the merged client as a new one, writes it if still at
    /// `version`, and answers it as this write left it (read in the same
    /// transaction: a later writer's state cannot leak into the answer).
    pub(crate) fn client_update(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        patch: ClientPatch,
    ) -> Result<Record<ClientData>> {
        self.client_change(who, id, version, HistoryOp::Update, |data| {
            *data = super::patched(data, &patch)?;
            Ok(())
        })
    }

    /// Changes the client as read inside the write transaction with
    /// `change`, then checks and writes it as [`Engine::client_update`]
    /// says (every change of a client, assignments included, goes through
    /// here: one version, one validation).
    pub(crate) fn client_change(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        op: HistoryOp,
        change: impl FnOnce(&mut ClientData) -> Result<()>,
    ) -> Result<Record<ClientData>> {
        who.require(Entity::Clients, Action::Edit)?;
        let now = ms(self.now());
        self.write(|c| {
            visibility::client(c, who, id)?;
            let current = store::clients::record(c, id)?.ok_or(Error::NotFound { entity: "client", id })?;
            check_version("client", id, version, Some(current.version))?;
            let before = store::dupkeys::client_keys(&current.data, self.phone_region);
            let mut data = current.data.clone();
            change(&mut data)?;
            let mut data = validate::client(&data, &who.custom)?;
            check_office(who, data.office.as_deref())?;
            check_code_free(c, who, &data.code, Some(id))?;
            data.tags = super::tags::resolve(&store::tags::all(c)?, &data.tags, "")?;
            super::assignments::check(c, &data.assignments, "")?;
            if !store::clients::update(c, id, version, &data, who.id, now, self.phone_region)? {
                return Err(stale("client", id, version, store::clients::version_of(c, id)?));
            }
            let mut rec = store::clients::record(c, id)?.ok_or(Error::NotFound { entity: "client", id })?;
            let e = NewEntry::new(RecordKind::Client, id, Some(id), op, Some(who.id), now);
            store::history::record(c, e.changes(diff(Some(&current.data), Some(&rec.data))))?;
            // Warned only when what duplicates are found by changed.
            let after = store::dupkeys::client_keys(&data, self.phone_region);
            if after != before {
                rec.warnings = super::duplicates::warnings(c, who, DupEntity::Client, &after, Some(id))?;
            }
            Ok(rec)
        })
    }

    pub(crate) fn client_delete(&self, who: &Who, id: Id, version: i64) -> Result<Deleted> {
        who.require(Entity::Clients, Action::Delete)?;
        let now = ms(self.now());
        self.write(|c| {
            visibility::client(c, who, id)?;
            let row = store::clients::get(c, id, false)?.ok_or(Error::NotFound { entity: "client", id })?;
            check_version("client", id, version, Some(row.version))?;
            let label = format!("{} — {}", row.code, row.name);
            let trash_id = store::trash::open(c, "client", id, &label, who.id, now)?;
            if !store::trash::client(c, id, version, trash_id)? {
                return Err(super::stale("client", id, version, store::clients::version_of(c, id)?));
            }
            store::history::record(
                c,
                NewEntry::new(RecordKind::Client, id, Some(id), HistoryOp::Trash, Some(who.id), now),
            )?;
            Ok(Deleted { trash_id })
        })
    }

    pub(crate) fn client_list(
        &self,
        who: &Who,
        query: &ListQuery,
        scope: Vec<Constraint>,
    ) -> Result<Page<Record<ClientData>>> {
        let (items, next_cursor, total) = self.list_page(who, query, scope, super::lists::client_records)?;
        Ok(Page::counted(items, next_cursor, total))
    }

    pub(crate) fn client_contacts(&self, who: &Who, id: Id) -> Result<Vec<ClientContact>> {
        who.require(Entity::Clients, Action::View)?;
        who.require(Entity::Contacts, Action::View)?;
        self.read(|c| {
            visibility::client(c, who, id)?;
            store::clients::contacts_of(c, &[id])
        })
    }

    /// The contacts of several clients in one query; every client must be
    /// visible to the actor.
    pub(crate) fn client_contacts_of(&self, who: &Who, ids: &[Id]) -> Result<Vec<ClientContact>> {
        who.require(Entity::Clients, Action::View)?;
        who.require(Entity::Contacts, Action::View)?;
        super::check_batch(ids)?;
        self.read(|c| {
            visibility::clients(c, who, ids)?;
            store::clients::contacts_of(c, ids)
        })
    }

    pub(crate) fn client_timeline(
        &self,
        who: &Who,
        id: Id,
        last_30_days: bool,
        query: &ListQuery,
    ) -> Result<Page<Record<InteractionData>>> {
        who.require(Entity::Clients, Action::View)?;
        // Checked by the page statement itself (an empty page again by id).
        let mut constraints = vec![visibility::client_constraint(who, id)?, Constraint::Timeline(id)];
        if last_30_days {
            constraints.push(self.last_30_days());
        }
        let (items, next_cursor, total) = self.list_page(who, query, constraints, super::lists::interaction_records)?;
        Ok(Page::counted(items, next_cursor, total))
    }
}

/// Puts a row prefix in front of a field name (`code` → `clients[3].code`).
fn prefix_field(e: Error, prefix: &str) -> Error {
    match e {
        Error::Validation { field, code, message } => {
            Error::Validation { field: format!("{prefix}.{field}"), code, message }
        }
        Error::Duplicate { field, value, where_ } => {
            Error::Duplicate { field: format!("{prefix}.{field}"), value, where_ }
        }
        e => e,
    }
}

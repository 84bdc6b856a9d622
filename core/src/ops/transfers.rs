use super::check_version;
use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::Deleted;
use crate::query::{Constraint, ListQuery};
use crate::store::history::NewEntry;
use crate::store::{self, Conn};
use crate::time::{from_ms, ms};
use crate::validate;
use crate::visibility;
use chrono::{DateTime, Utc};

/// Records a transfer's change of state on the client's timeline: as data
/// (worded when read, in the reader's language), with its wording in the
/// firm's language as the stored subject and body (what sorts and filters
/// on `subject` see).
#[allow(clippy::too_many_arguments)]
fn record_event(
    c: &mut Conn,
    t: &TransferData,
    transfer_id: Id,
    from: Option<TransferStatus>,
    by: Option<Id>,
    recorded_by: Id,
    now: i64,
    french: bool,
) -> Result<()> {
    let mut event = InteractionData::note(from_ms(now), String::new());
    event.kind = InteractionKind::TransferEvent;
    event.client_id = Some(t.client_id);
    event.contact_id = Some(t.to_contact);
    event.staff_id = by;
    event.transfer_id = Some(transfer_id);
    event.event =
        Some(TimelineEvent::TransferStatus { subject: t.subject.clone(), from, to: t.status, automatic: by.is_none() });
    event.word_event(french);
    // A transfer event has no phone: the region keys nothing.
    store::interactions::insert(c, &event, recorded_by, now, Default::default())?;
    Ok(())
}

/// Applies a move of the state machine to a transfer's data.
fn apply(
    t: &mut TransferData,
    to: TransferStatus,
    files: Vec<NewFile>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let from = t.status;
    if !from.can_go_to(to) {
        return Err(Error::InvalidTransition {
            entity: "file transfer",
            from: from.as_str().into(),
            to: to.as_str().into(),
        });
    }
    if !files.is_empty() && to != TransferStatus::ReadyForDownload {
        return Err(Error::validation("files", "not_for_kind", "files come only with a move to ready_for_download"));
    }
    match to {
        TransferStatus::ReadyForDownload => {
            let status = match t.direction {
                TransferDirection::SentToContact => FileStatus::ReadyForDownload,
                TransferDirection::RequestedFromContact => FileStatus::Uploaded,
            };
            t.files.extend(files.into_iter().map(|f| TransferFile { name: f.name, size: f.size, status }));
            if t.files.is_empty() {
                return Err(Error::validation("files", "required", "a transfer ready for download needs files"));
            }
        }
        TransferStatus::Complete => mark_files(t, FileStatus::Downloaded),
        TransferStatus::Canceled => mark_files(t, FileStatus::Canceled),
        TransferStatus::Expired => {
            if now < t.expires_at {
                return Err(Error::InvalidTransition {
                    entity: "file transfer",
                    from: from.as_str().into(),
                    to: format!("expired before its expiry date ({})", t.expires_at.to_rfc3339()),
                });
            }
            mark_files(t, FileStatus::Expired)
        }
        TransferStatus::WaitingForFiles => {}
    }
    t.status = to;
    if !to.is_open() {
        t.closed_at = Some(now);
    }
    Ok(())
}

fn mark_files(t: &mut TransferData, status: FileStatus) {
    for f in &mut t.files {
        if f.status != FileStatus::Downloaded {
            f.status = status;
        }
    }
}

impl Engine {
    pub(crate) fn transfer_create(&self, who: &Who, data: NewTransfer) -> Result<Record<TransferData>> {
        who.require(Entity::FileTransfers, Action::Add)?;
        let data = validate::new_transfer(&data)?;
        let now = self.now();
        let id = self.write(|c| {
            visibility::client_held(c, who, data.client_id)?;
            visibility::contact(c, who, data.to_contact)?;
            if !store::hold_live(c, store::Parent::Contact, data.to_contact)? {
                return Err(Error::NotFound { entity: "contact", id: data.to_contact });
            }
            if store::contacts::link_role(c, data.to_contact, data.client_id)?.is_none() {
                return Err(Error::validation(
                    "to_contact",
                    "not_linked",
                    format!("contact {} is not a contact of client {}", data.to_contact, data.client_id),
                ));
            }
            if store::staff::get(c, data.from_staff)?.is_none() {
                return Err(Error::validation(
                    "from_staff",
                    "not_found",
                    format!("no staff member {}", data.from_staff),
                ));
            }
            let (status, file_status) = match (data.direction, data.files.is_empty()) {
                (TransferDirection::SentToContact, false) => {
                    (TransferStatus::ReadyForDownload, FileStatus::ReadyForDownload)
                }
                _ => (TransferStatus::WaitingForFiles, FileStatus::Uploaded),
            };
            let t = TransferData {
                direction: data.direction,
                status,
                from_staff: data.from_staff,
                to_contact: data.to_contact,
                client_id: data.client_id,
                subject: data.subject.clone(),
                message: data.message.clone(),
                signature_required: data.signature_required,
                files: data
                    .files
                    .iter()
                    .map(|f| TransferFile { name: f.name.clone(), size: f.size, status: file_status })
                    .collect(),
                sent_at: now,
                expires_at: transfer_expiry(now),
                closed_at: None,
            };
            let id = store::transfers::insert(c, &t, who.id, ms(now))?;
            let e =
                NewEntry::new(RecordKind::Transfer, id, Some(t.client_id), HistoryOp::Create, Some(who.id), ms(now));
            store::history::record(c, e.changes(diff(None, Some(&t))))?;
            record_event(c, &t, id, None, Some(who.id), who.id, ms(now), self.config().french())?;
            Ok(id)
        })?;
        self.transfer_get(who, id)
    }

    pub(crate) fn transfer_get(&self, who: &Who, id: Id) -> Result<Record<TransferData>> {
        who.require(Entity::FileTransfers, Action::View)?;
        self.sweep_for_read()?;
        let now = self.now();
        self.read(|c| {
            let row = store::transfers::get(c, id, false)?.ok_or(Error::NotFound { entity: "file transfer", id })?;
            visibility::transfer(c, who, id, row.client_id)?;
            Ok(expired_as_of(row.into_record()?, now))
        })
    }

    pub(crate) fn transfer_transition(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        to: TransferStatus,
        files: Vec<NewFile>,
    ) -> Result<Record<TransferData>> {
        who.require(Entity::FileTransfers, Action::Edit)?;
        let files = validate::new_files("files", &files)?;
        self.sweep_expired()?;
        let now = self.now();
        self.write(|c| {
            let row = store::transfers::get(c, id, false)?.ok_or(Error::NotFound { entity: "file transfer", id })?;
            visibility::transfer(c, who, id, row.client_id)?;
            check_version("file transfer", id, version, Some(row.version))?;
            let before = row.into_record()?.data;
            let mut t = before.clone();
            let from = t.status;
            apply(&mut t, to, files, now)?;
            if !store::transfers::set_state(c, id, version, &t, who.id, ms(now))? {
                return Err(super::stale("file transfer", id, version, store::transfers::version_of(c, id)?));
            }
            let e = NewEntry::new(
                RecordKind::Transfer,
                id,
                Some(t.client_id),
                HistoryOp::Transition,
                Some(who.id),
                ms(now),
            );
            store::history::record(c, e.changes(diff(Some(&before), Some(&t))))?;
            record_event(c, &t, id, Some(from), Some(who.id), who.id, ms(now), self.config().french())
        })?;
        self.transfer_get(who, id)
    }

    /// Applies a patch (subject, message, signature flag) to an open
    /// transfer as read inside the write transaction, and answers it as this
    /// write left it (see `client_update`).
    pub(crate) fn transfer_update(
        &self,
        who: &Who,
        id: Id,
        version: i64,
        patch: TransferPatch,
    ) -> Result<Record<TransferData>> {
        who.require(Entity::FileTransfers, Action::Edit)?;
        self.sweep_expired()?;
        let now = ms(self.now());
        self.write(|c| {
            let row = store::transfers::get(c, id, false)?.ok_or(Error::NotFound { entity: "file transfer", id })?;
            visibility::transfer(c, who, id, row.client_id)?;
            check_version("file transfer", id, version, Some(row.version))?;
            let before = row.into_record()?.data;
            let mut t = before.clone();
            if !t.status.is_open() {
                return Err(Error::InvalidTransition {
                    entity: "file transfer",
                    from: t.status.as_str().into(),
                    to: "edited (only an open transfer can be edited)".into(),
                });
            }
            let current =
                TransferEdit { subject: t.subject, message: t.message, signature_required: t.signature_required };
            let edit = validate::transfer_edit(&super::patched(&current, &patch)?)?;
            (t.subject, t.message, t.signature_required) = (edit.subject, edit.message, edit.signature_required);
            if !store::transfers::set_text(c, id, version, &t, who.id, now)? {
                return Err(super::stale("file transfer", id, version, store::transfers::version_of(c, id)?));
            }
            let written = store::transfers::get(c, id, false)?
                .ok_or(Error::NotFound { entity: "file transfer", id })?
                .into_record()?;
            let e = NewEntry::new(RecordKind::Transfer, id, Some(t.client_id), HistoryOp::Update, Some(who.id), now);
            store::history::record(c, e.changes(diff(Some(&before), Some(&written.data))))?;
            Ok(written)
        })
    }

    pub(crate) fn transfer_delete(&self, who: &Who, id: Id, version: i64) -> Result<Deleted> {
        who.require(Entity::FileTransfers, Action::Delete)?;
        let now = ms(self.now());
        self.write(|c| {
            let row = store::transfers::get(c, id, false)?.ok_or(Error::NotFound { entity: "file transfer", id })?;
            visibility::transfer(c, who, id, row.client_id)?;
            check_version("file transfer", id, version, Some(row.version))?;
            let trash_id = store::trash::open(c, "transfer", id, &row.subject, who.id, now)?;
            if !store::trash::transfer(c, id, version, trash_id)? {
                return Err(super::stale("file transfer", id, version, store::transfers::version_of(c, id)?));
            }
            let e = NewEntry::new(RecordKind::Transfer, id, Some(row.client_id), HistoryOp::Trash, Some(who.id), now);
            store::history::record(c, e)?;
            Ok(Deleted { trash_id })
        })
    }

    pub(crate) fn transfer_list(
        &self,
        who: &Who,
        client: Option<Id>,
        last_30_days: bool,
        open_only: bool,
        query: &ListQuery,
        scope: Vec<Constraint>,
    ) -> Result<Page<Record<TransferData>>> {
        who.require(Entity::FileTransfers, Action::View)?;
        let mut constraints = scope;
        if let Some(id) = client {
            constraints.push(visibility::client_constraint(who, id)?);
            constraints.push(Constraint::ClientIs(id));
        }
        if last_30_days {
            constraints.push(self.last_30_days());
        }
        if open_only {
            constraints.push(Constraint::OpenOnly);
        }
        let now = self.now();
        let (items, next_cursor, total) =
            self.list_page(who, query, constraints, |_, rows| super::lists::transfer_records(rows, now))?;
        Ok(Page::counted(items, next_cursor, total))
    }

    /// Expires every open transfer past its expiry date, recording each on
    /// its client's timeline. Returns how many expired. Waits for the write
    /// lock (as long as the request's deadline allows): writes call it.
    ///
    /// Cheap when there is nothing to do: the engine remembers the earliest
    /// open expiry and looks again only when that instant has passed, or a
    /// minute later at most (other processes sharing a PostgreSQL database
    /// may restore a transfer from the trash).
    pub fn sweep_expired(&self) -> Result<usize> {
        Ok(self.sweep(true)?.unwrap_or(0))
    }

    /// The sweep a read does on its way: never waits for another writer.
    /// `false`: transfers are due but a writer holds the lock, so the
    /// database may still say "open" for some past their expiry; the read
    /// then answers them as expired itself ([`expired_as_of`], and
    /// `Constraint::Unexpired` for lists of open transfers).
    pub(crate) fn sweep_for_read(&self) -> Result<bool> {
        Ok(self.sweep(false)?.is_some())
    }

    /// `None`: not run, the lock was taken (only without `wait`).
    fn sweep(&self, wait: bool) -> Result<Option<usize>> {
        // It depends on no actor: the running request's check of its kept
        // actor is left for the request's own statements.
        store::actor::unguarded(|| self.sweep_now(wait))
    }

    fn sweep_now(&self, wait: bool) -> Result<Option<usize>> {
        let now = self.now();
        if ms(now) < self.next_sweep.load(std::sync::atomic::Ordering::Acquire) {
            // Done by another request: this one's read must see what it
            // wrote (`store::parked`).
            self.db.after_sweeps();
            return Ok(Some(0));
        }
        let recheck = |earliest: Option<i64>| earliest.unwrap_or(i64::MAX).min(ms(now) + 60_000);
        let earliest = self.db.query(store::transfers::earliest_open_expiry)?;
        if earliest.is_none_or(|e| e > ms(now)) {
            self.next_sweep.store(recheck(earliest), std::sync::atomic::Ordering::Release);
            return Ok(Some(0));
        }
        let body = |c: &mut Conn| {
            let mut n = 0;
            for row in store::transfers::due(c, ms(now))? {
                let (id, version) = (row.id, row.version);
                let before = row.into_record()?.data;
                let mut t = before.clone();
                let from = t.status;
                apply(&mut t, TransferStatus::Expired, Vec::new(), now)?;
                // The sender stands as the writer of record; the event
                // and the history carry no staff member (the engine did it).
                if store::transfers::set_state(c, id, version, &t, t.from_staff, ms(now))? {
                    let e = NewEntry::new(
                        RecordKind::Transfer,
                        id,
                        Some(t.client_id),
                        HistoryOp::Transition,
                        None,
                        ms(now),
                    );
                    store::history::record(c, e.changes(diff(Some(&before), Some(&t))))?;
                    record_event(c, &t, id, Some(from), None, t.from_staff, ms(now), self.config().french())?;
                    n += 1;
                }
            }
            Ok((n, store::transfers::earliest_open_expiry(c)?))
        };
        let done = if wait { Some(self.write(body)?) } else { self.db.try_write(body)? };
        let Some((n, earliest)) = done else { return Ok(None) };
        // Counted before the next one is said due (`Db::after_sweeps`).
        if n > 0 {
            self.db.note_sweep();
        }
        self.next_sweep.store(recheck(earliest), std::sync::atomic::Ordering::Release);
        Ok(Some(n))
    }
}

/// A transfer as of `now`: one still open in the database but past its
/// expiry (the sweep could not run yet) is answered as the sweep will
/// write it, expired. Nothing else changes.
pub(crate) fn expired_as_of(mut r: Record<TransferData>, now: DateTime<Utc>) -> Record<TransferData> {
    if r.data.status.is_open() && r.data.expires_at <= now {
        let mut t = r.data.clone();
        if apply(&mut t, TransferStatus::Expired, Vec::new(), now).is_ok() {
            r.data = t;
        }
    }
    r
}

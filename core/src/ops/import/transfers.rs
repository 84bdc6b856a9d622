//! `import.transfers`: file transfers in any state a transfer of Clientèle
//! can be in, with dates that agree with that state. A row is matched
//! (`on_existing`) by its client, subject (case and accents ignored) and
//! sent time to the second: what identifies a transfer in an exported file.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::kinds::{Refs, Still, not_linked, staff_of_initials, twice, unknown};
use super::{Problem, Step, Ticker, Written, line_of};
use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::protocol::{ImportOptions, OnExisting, TransferRow};
use crate::store::bulk::{self, Table};
use crate::store::history::NewEntry;
use crate::store::transfers::{ImportKey, import_key};
use crate::store::{self, Conn};
use crate::time::ms;
use crate::validate;

fn bad(column: &str, reason: &'static str, en: &str, fr: &str) -> Problem {
    Problem::new(column, reason, en.to_string(), fr.to_string())
}

/// `t` is not before `from`, and not after `to`.
fn within(t: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    from <= t && t <= to
}

/// The state of an imported transfer checked against the state machine:
/// the files and dates a transfer in that status has. Answers its files
/// (their state following the transfer's) and its closing time.
fn state(
    d: &crate::protocol::ImportedTransfer,
    files: Vec<NewFile>,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(Vec<TransferFile>, Option<DateTime<Utc>>), Problem> {
    use TransferStatus::*;
    let status = d.status;
    // A file without the column reads as the epoch.
    if d.sent_at.timestamp() <= 0 {
        return Err(bad("sent_at", "required", "sent_at: is required", "sent_at : obligatoire"));
    }
    if d.sent_at > now {
        return Err(bad("sent_at", "out_of_range", "sent_at: is in the future", "sent_at : date future"));
    }
    if expires <= d.sent_at {
        return Err(bad(
            "expires_at",
            "out_of_range",
            "expires_at: is not after the sent date",
            "expires_at : n'est pas après la date d'envoi",
        ));
    }
    if status.is_open() {
        if d.closed_at.is_some() {
            return Err(bad(
                "closed_at",
                "not_for_kind",
                "closed_at: an open transfer (waiting for files, ready for download) has no closing date",
                "closed_at : un transfert ouvert (en attente de fichiers, prêt à télécharger) n'a pas de date de fermeture",
            ));
        }
        if expires <= now {
            return Err(bad(
                "expires_at",
                "out_of_range",
                "expires_at: an open transfer past its expiry date: import it as expired",
                "expires_at : transfert ouvert dont la date d'expiration est passée : importez-le comme expiré",
            ));
        }
    }
    if status == WaitingForFiles && !files.is_empty() {
        return Err(bad(
            "files",
            "not_for_kind",
            "files: a transfer waiting for files has none",
            "files : un transfert en attente de fichiers n'en a aucun",
        ));
    }
    if matches!(status, ReadyForDownload | Complete) && files.is_empty() {
        return Err(bad(
            "files",
            "required",
            "files: a transfer ready for download or complete has files",
            "files : un transfert prêt à télécharger ou terminé a des fichiers",
        ));
    }
    let closed = match status {
        WaitingForFiles | ReadyForDownload => None,
        Complete | Canceled => {
            let Some(closed) = d.closed_at else {
                return Err(bad(
                    "closed_at",
                    "required",
                    "closed_at: a complete or canceled transfer has its closing date",
                    "closed_at : un transfert terminé ou annulé a sa date de fermeture",
                ));
            };
            if !within(closed, d.sent_at, expires.min(now)) {
                return Err(bad(
                    "closed_at",
                    "out_of_range",
                    "closed_at: a transfer is complete or canceled between its sending and its expiry, not in the future",
                    "closed_at : un transfert est terminé ou annulé entre son envoi et son expiration, pas dans le futur",
                ));
            }
            Some(closed)
        }
        Expired => {
            let closed = d.closed_at.unwrap_or(expires);
            if expires > now || !within(closed, expires, now) {
                return Err(bad(
                    "closed_at",
                    "out_of_range",
                    "closed_at: an expired transfer expired on or after its expiry date, not in the future",
                    "closed_at : un transfert expiré l'est à sa date d'expiration ou après, pas dans le futur",
                ));
            }
            Some(closed)
        }
    };
    let file_status = match (status, d.direction) {
        (ReadyForDownload | WaitingForFiles, TransferDirection::SentToContact) => FileStatus::ReadyForDownload,
        (ReadyForDownload | WaitingForFiles, TransferDirection::RequestedFromContact) => FileStatus::Uploaded,
        (Complete, _) => FileStatus::Downloaded,
        (Canceled, _) => FileStatus::Canceled,
        (Expired, _) => FileStatus::Expired,
    };
    let files = files.into_iter().map(|f| TransferFile { name: f.name, size: f.size, status: file_status }).collect();
    Ok((files, closed))
}

impl Engine {
    pub(super) fn check_transfers(
        &self,
        who: &Who,
        rows: Vec<TransferRow>,
        opts: &ImportOptions,
        ticker: &Ticker,
    ) -> crate::error::Result<Vec<Step<TransferData>>> {
        who.require(Entity::FileTransfers, Action::Add)?;
        if opts.on_existing == OnExisting::Update {
            who.require(Entity::FileTransfers, Action::Edit)?;
        }
        let (refs, (initials, staff_ids), existing) =
            self.read(|c| Ok((Refs::load(c)?, bulk::staff_by_initials(c)?, store::transfers::import_keys(c, None)?)))?;
        let staff_ids: HashSet<Id> = staff_ids.into_iter().collect();
        let now = self.now();
        let mut seen: HashMap<ImportKey, usize> = HashMap::new();
        let mut steps = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            ticker.tick(i)?;
            let t = match self.check_transfer(who, &refs, &initials, &staff_ids, row, now) {
                Ok(t) => t,
                Err(p) => {
                    steps.push(Step::Bad(p));
                    continue;
                }
            };
            let key = import_key(t.client_id, &t.subject, ms(t.sent_at));
            if let Some(first) = seen.get(&key) {
                steps.push(Step::Bad(twice("subject", &t.subject, line_of(opts, *first))));
                continue;
            }
            seen.insert(key.clone(), i);
            steps.push(match existing.get(&key) {
                None => Step::Create(t),
                Some((id, version)) => match opts.on_existing {
                    OnExisting::Error => Step::Bad(Problem::duplicate(
                        "subject",
                        format!(
                            "client {} already has a transfer '{}' sent at that time (transfer {id})",
                            t.client_id, t.subject
                        ),
                        format!(
                            "le client {} a déjà un transfert « {} » envoyé à ce moment (transfert {id})",
                            t.client_id, t.subject
                        ),
                    )),
                    OnExisting::Skip => Step::Skip(Some(*id)),
                    OnExisting::Update => Step::Update { id: *id, version: *version, data: t },
                },
            });
        }
        Ok(steps)
    }

    fn check_transfer(
        &self,
        who: &Who,
        refs: &Refs,
        initials: &HashMap<String, Option<Id>>,
        staff_ids: &HashSet<Id>,
        row: TransferRow,
        now: DateTime<Utc>,
    ) -> Result<TransferData, Problem> {
        let d = row.data;
        let Some(client) = refs.client(who, row.client_code.as_deref(), d.client_id, "client_code")? else {
            return Err(bad(
                "client_code",
                "required",
                "client_code: names no client (client_code or data.client_id)",
                "client_code : aucun client indiqué (client_code ou data.client_id)",
            ));
        };
        let Some(contact) =
            refs.contact(who, row.contact_key.as_deref(), row.contact_email.as_deref(), d.to_contact)?
        else {
            return Err(bad(
                "contact_key",
                "required",
                "contact_key: names no recipient (contact_key, contact_email or data.to_contact)",
                "contact_key : aucun destinataire indiqué (contact_key, contact_email ou data.to_contact)",
            ));
        };
        let staff = match row.staff_initials.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(ini) => staff_of_initials(initials, ini)?,
            None => match d.from_staff {
                Some(id) if staff_ids.contains(&id) => id,
                Some(id) => return Err(unknown("from_staff", "staff member", "aucun employé", &id.to_string())),
                None => {
                    return Err(bad(
                        "staff_initials",
                        "required",
                        "staff_initials: names no staff member (staff_initials or data.from_staff)",
                        "staff_initials : aucun employé indiqué (staff_initials ou data.from_staff)",
                    ));
                }
            },
        };
        if !refs.links.contains_key(&(client, contact)) {
            return Err(not_linked(client, contact));
        }
        // Subject and message as `transfer.create` checks them; files as a
        // move to ready_for_download does (a request's files come back).
        let checked = validate::new_transfer(&NewTransfer {
            direction: d.direction,
            from_staff: staff,
            to_contact: contact,
            client_id: client,
            subject: d.subject.clone(),
            message: d.message.clone(),
            signature_required: d.signature_required,
            files: Vec::new(),
        })
        .map_err(|e| Problem::from_error(&e, "subject"))?;
        let files = validate::new_files("files", &d.files).map_err(|e| Problem::from_error(&e, "files"))?;
        // Stored to the millisecond, as a transfer made here.
        let sent_at = crate::time::from_ms(ms(d.sent_at));
        let expires = d.expires_at.map_or_else(|| transfer_expiry(sent_at), |e| crate::time::from_ms(ms(e)));
        let (files, closed_at) = state(&d, files, expires, now)?;
        Ok(TransferData {
            direction: d.direction,
            status: d.status,
            from_staff: staff,
            to_contact: contact,
            client_id: client,
            subject: checked.subject,
            message: checked.message,
            signature_required: d.signature_required,
            files,
            sent_at,
            expires_at: expires,
            closed_at,
        })
    }

    pub(super) fn write_transfers(
        &self,
        who: &Who,
        c: &mut Conn,
        batch: &[(usize, &Step<TransferData>)],
    ) -> crate::error::Result<Written> {
        let now = ms(self.now());
        let mut out = Written::default();
        let data = |s: &Step<TransferData>| match s {
            Step::Create(t) | Step::Update { data: t, .. } => Some(t.clone()),
            _ => None,
        };
        let still =
            Still::read(c, batch.iter().filter_map(|(_, s)| data(s)).map(|t| (Some(t.client_id), Some(t.to_contact))))?;
        let mut clients: Vec<Id> = batch.iter().filter_map(|(_, s)| data(s)).map(|t| t.client_id).collect();
        clients.sort_unstable();
        clients.dedup();
        let links = bulk::links_of(c, &clients, false)?;
        // A transfer with the same key made by another writer since the check.
        let mut held = store::transfers::import_keys(c, Some(&clients))?;
        let mut history = Vec::with_capacity(batch.len());
        let entry = |id: Id, client: Id| {
            NewEntry::new(RecordKind::Transfer, id, Some(client), HistoryOp::Import, Some(who.id), now)
        };
        // New transfers go in together after the loop (the bulk path: ids
        // up front, the keyword index filled once for the batch).
        let mut creates: Vec<(usize, TransferData)> = Vec::with_capacity(batch.len());
        for (i, s) in batch {
            let Some(t) = data(s) else { continue };
            let refused = still.refuses(who, Some(t.client_id), Some(t.to_contact)).or_else(|| {
                (!links.contains_key(&(t.client_id, t.to_contact))).then(|| not_linked(t.client_id, t.to_contact))
            });
            if let Some(p) = refused {
                out.problems.push((*i, p));
                continue;
            }
            let key = import_key(t.client_id, &t.subject, ms(t.sent_at));
            match s {
                Step::Create(_) => {
                    if held.contains_key(&key) {
                        out.problems.push((*i, super::kinds::taken_meanwhile("subject", &t.subject)));
                        continue;
                    }
                    // (The id is the batch's; the key is taken either way.)
                    held.insert(key, (0, 1));
                    creates.push((*i, t));
                }
                Step::Update { id, version, .. } => {
                    let before = store::transfers::get(c, *id, false)?.map(|r| r.into_record()).transpose()?;
                    if store::transfers::replace(c, *id, *version, &t, who.id, now)? {
                        history.push(entry(*id, t.client_id).changes(diff(before.as_ref().map(|r| &r.data), Some(&t))));
                        out.updated += 1;
                        out.ids.push((*i, *id));
                    } else {
                        let current = store::transfers::version_of(c, *id)?;
                        let e = super::super::stale("file transfer", *id, *version, current);
                        out.problems.push((*i, Problem::from_error(&e, "subject")));
                    }
                }
                _ => {}
            }
        }
        let ids = bulk::next_ids(c, Table::Transfers, creates.len())?;
        let rows: Vec<(Id, &TransferData)> = ids.iter().copied().zip(creates.iter().map(|(_, t)| t)).collect();
        let paused = bulk::pause_index(c, Table::Transfers)?;
        bulk::insert_transfers(c, &rows, who.id, now)?;
        bulk::resume_index(c, paused)?;
        for ((i, t), id) in creates.iter().zip(&ids) {
            history.push(entry(*id, t.client_id));
            out.ids.push((*i, *id));
        }
        out.created = ids.len() as u64;
        store::history::record_many(c, &history)?;
        Ok(out)
    }
}

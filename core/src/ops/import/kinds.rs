//! Each kind's check (rows against one read of what exists: rights,
//! offices, codes, keys, links) and write (ids assigned, multi-row
//! inserts, the keyword index filled once per batch).

use std::collections::HashMap;

use super::{LockKey, LockOrder, Problem, Step, Ticker, Written, line_of, patch};
use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{ContactRow, ImportOptions, InteractionRow, LinkRow, OnExisting};
use crate::store::bulk::{self, Existing, Table};
use crate::store::history::NewEntry;
use crate::store::{self, Conn};
use crate::text;
use crate::time::ms;
use crate::validate;
use crate::visibility;

/// A contact row checked: its key and data.
type KeyedContact = (Option<String>, ContactData);
/// A link row resolved: client, contact, role, and for a role change the
/// role the check read (the write refuses the row if it changed since).
type Link = (Id, Id, ContactRole, Option<String>);

fn rights(who: &Who, entity: Entity, opts: &ImportOptions) -> Result<()> {
    who.require(entity, Action::Add)?;
    if opts.on_existing == OnExisting::Update {
        who.require(entity, Action::Edit)?;
    }
    Ok(())
}

/// A second row with the same code or key in one file.
pub(super) fn twice(column: &str, value: &str, first_line: u64) -> Problem {
    Problem::new(
        column,
        "duplicate_in_file",
        format!("'{value}' is also on line {first_line} of this import"),
        format!("« {value} » figure aussi à la ligne {first_line} de cette importation"),
    )
}

/// A row whose record exists: by `on_existing`.
fn existing<T>(opts: &ImportOptions, column: &str, value: &str, e: &Existing, visible: bool, data: T) -> Step<T> {
    // A record the actor cannot see answers alike live or in the trash.
    if !visible {
        return Step::Bad(Problem::duplicate(
            column,
            format!("'{value}' is already used by another record"),
            format!("« {value} » est déjà utilisé par un autre enregistrement"),
        ));
    }
    if e.trashed {
        return Step::Bad(Problem::duplicate(
            column,
            format!("'{value}' is held by a record in the trash: restore or purge it first"),
            format!(
                "« {value} » appartient à un enregistrement de la corbeille : restaurez-le ou supprimez-le d'abord"
            ),
        ));
    }
    match opts.on_existing {
        OnExisting::Error => Step::Bad(Problem::duplicate(
            column,
            format!("'{value}' already exists (record {})", e.id),
            format!("« {value} » existe déjà (fiche {})", e.id),
        )),
        OnExisting::Skip => Step::Skip(Some(e.id)),
        OnExisting::Update => Step::Update { id: e.id, version: e.version, data },
    }
}

/// A client row's place in an `all_or_nothing` import's lock order.
impl LockOrder for ClientData {
    fn lock_key(s: &Step<Self>) -> LockKey {
        match s {
            Step::Create(d) => LockKey::Code(text::code_key(&d.code)),
            Step::Update { id, .. } => LockKey::Record(*id),
            _ => LockKey::Free,
        }
    }
}

/// A contact row's place in an `all_or_nothing` import's lock order (a
/// contact created without a key takes no unique lock).
impl LockOrder for KeyedContact {
    fn lock_key(s: &Step<Self>) -> LockKey {
        match s {
            Step::Create((Some(k), _)) => LockKey::Code(text::code_key(k)),
            Step::Update { id, .. } => LockKey::Record(*id),
            _ => LockKey::Free,
        }
    }
}

/// Link rows keep the file's order: a row may rely on an earlier one (a
/// primary contact demoted before another is made primary), which the
/// check reads in that order (see `LockKey`).
impl LockOrder for Link {}

/// A batch's updates in record order: two imports updating the same
/// records lock them in one order (no deadlock on PostgreSQL; across the
/// batches of an `all_or_nothing` import, see `LockKey`).
fn by_id<'a, T>(batch: &'a [(usize, &'a Step<T>)]) -> Vec<(usize, &'a Step<T>)> {
    let mut v: Vec<(usize, &Step<T>)> =
        batch.iter().filter(|(_, s)| matches!(s, Step::Update { .. })).map(|(i, s)| (*i, *s)).collect();
    v.sort_by_key(|(_, s)| if let Step::Update { id, .. } = s { *id } else { 0 });
    v
}

/// Whether rows are patches (`options.given`) of the records they update.
fn patching(opts: &ImportOptions) -> bool {
    opts.on_existing == OnExisting::Update && !opts.given.is_empty()
}

/// Patch rows merged onto their records: the version merged onto (the
/// update carries it, so an edit since is a `conflict`), or why not.
#[derive(Default)]
struct Merged {
    version: HashMap<usize, i64>,
    bad: HashMap<usize, Problem>,
}

impl Merged {
    fn apply<T>(&mut self, i: usize, version: i64, m: Result<T, Problem>, row: &mut T) {
        match m {
            Ok(m) => {
                *row = m;
                self.version.insert(i, version);
            }
            Err(p) => {
                self.bad.insert(i, p);
            }
        }
    }

    /// The record row `i` matched, at the version its merge read.
    fn at(&self, i: usize, e: &Existing) -> Existing {
        Existing { version: self.version.get(&i).copied().unwrap_or(e.version), ..e.clone() }
    }
}

/// The active staff member a file's initials name (`staff_initials`):
/// refused when none has them or when several do.
pub(super) fn staff_of_initials(initials: &HashMap<String, Option<Id>>, ini: &str) -> Result<Id, Problem> {
    match initials.get(&text::fold(ini)) {
        Some(Some(id)) => Ok(*id),
        Some(None) => Err(Problem::new(
            "staff_initials",
            "ambiguous",
            format!("several staff members have the initials '{ini}'"),
            format!("plusieurs employés ont les initiales « {ini} »"),
        )),
        None => Err(unknown("staff_initials", "active staff member with initials", "employé actif aux initiales", ini)),
    }
}

pub(super) fn unknown(column: &str, what_en: &str, what_fr: &str, value: &str) -> Problem {
    Problem::not_found(
        column,
        format!("no {what_en} '{value}' (or not in your offices)"),
        format!("{what_fr} « {value} » (ou hors de vos bureaux)"),
    )
}

/// The clients and contacts a batch names, read again inside its write
/// transaction (and held there on PostgreSQL): the check ran before the
/// writes, and a client moved out of the actor's offices or to the trash,
/// or a contact gone to the trash or out of the actor's offices, since then
/// is not written to.
pub(super) struct Still {
    clients: HashMap<Id, Option<String>>,
    contacts: HashMap<Id, Vec<Option<String>>>,
}

impl Still {
    pub(super) fn read(c: &mut Conn, refs: impl Iterator<Item = (Option<Id>, Option<Id>)>) -> Result<Still> {
        let (mut clients, mut contacts): (Vec<Id>, Vec<Id>) = (Vec::new(), Vec::new());
        for (client, contact) in refs {
            clients.extend(client);
            contacts.extend(contact);
        }
        clients.sort_unstable();
        clients.dedup();
        contacts.sort_unstable();
        contacts.dedup();
        Ok(Still { clients: bulk::hold_clients(c, &clients)?, contacts: bulk::hold_contacts(c, &contacts)? })
    }

    /// Why a row naming these can no longer be written, if it cannot.
    pub(super) fn refuses(&self, who: &Who, client: Option<Id>, contact: Option<Id>) -> Option<Problem> {
        if let Some(id) = client
            && !self.clients.get(&id).is_some_and(|o| visibility::client_reached(who, id, o.as_deref()))
        {
            return Some(unknown("client_code", "client", "aucun client", &id.to_string()));
        }
        if let Some(id) = contact
            && !self.contacts.get(&id).is_some_and(|offices| visibility::contact_reached(who, offices))
        {
            return Some(unknown("contact_key", "contact", "aucune personne-ressource", &id.to_string()));
        }
        None
    }
}

/// An interaction naming a client and a contact that are not linked.
pub(super) fn not_linked(client: Id, contact: Id) -> Problem {
    Problem::new(
        "contact_key",
        "not_linked",
        format!("contact {contact} is not a contact of client {client}: import the link first"),
        format!("la personne-ressource {contact} n'est pas liée au client {client} : importez d'abord le lien"),
    )
}

/// A code or key another writer took between the check and the write.
pub(super) fn taken_meanwhile(column: &str, value: &str) -> Problem {
    Problem::duplicate(
        column,
        format!("'{value}' was taken by another record during the import"),
        format!("« {value} » a été pris par un autre enregistrement pendant l'importation"),
    )
}

fn primary_taken(client: Id) -> Problem {
    Problem::new(
        "role",
        "primary_taken",
        format!("client {client} already has a primary contact"),
        format!("le client {client} a déjà une personne-ressource principale"),
    )
}

/// The links of a batch against the links as they are now, inside its
/// transaction: a link or a primary contact made by someone else since the
/// check makes the rows it clashes with bad rows (else the insert would hit
/// the unique indexes and fail the whole import). Role changes are taken
/// first, as they are written.
fn clash_now(now: HashMap<(Id, Id), String>, live: Vec<(usize, &Step<Link>)>) -> (Vec<(usize, &Step<Link>)>, Written) {
    let mut now = now;
    let mut out = Written::default();
    let mut primaries: HashMap<Id, Id> = now
        .iter()
        .filter(|(_, r)| r.as_str() == ContactRole::Primary.as_str())
        .map(|((client, contact), _)| (*client, *contact))
        .collect();
    let (updates, creates): (Vec<_>, Vec<_>) = live.into_iter().partition(|(_, s)| matches!(s, Step::Update { .. }));
    let mut keep = Vec::new();
    for (i, s) in updates.into_iter().chain(creates) {
        let (Step::Create((client, contact, role, _)) | Step::Update { data: (client, contact, role, _), .. }) = s
        else {
            continue;
        };
        let current = now.get(&(*client, *contact));
        let linked = current.is_some();
        let problem = match s {
            Step::Create(_) if linked => Some(Problem::duplicate(
                "contact_key",
                "the contact was linked to this client meanwhile".into(),
                "la personne-ressource a été liée à ce client entre-temps".into(),
            )),
            Step::Update { .. } if !linked => Some(Problem::not_found(
                "contact_key",
                "the contact was unlinked from this client meanwhile".into(),
                "la personne-ressource a été déliée de ce client entre-temps".into(),
            )),
            Step::Update { data: (.., Some(read)), .. } if current != Some(read) => Some(Problem {
                column: "role".into(),
                code: "conflict",
                reason: None,
                en: format!("the link's role was changed by someone else during the import (it was {read})"),
                fr: format!(
                    "le rôle du lien a été modifié par quelqu'un d'autre pendant l'importation (il était {read})"
                ),
            }),
            _ if *role == ContactRole::Primary && primaries.get(client).is_some_and(|h| h != contact) => {
                Some(primary_taken(*client))
            }
            _ => None,
        };
        if let Some(p) = problem {
            out.problems.push((i, p));
            continue;
        }
        if primaries.get(client) == Some(contact) && *role != ContactRole::Primary {
            primaries.remove(client);
        }
        if *role == ContactRole::Primary {
            primaries.insert(*client, *contact);
        }
        now.insert((*client, *contact), role.as_str().to_string());
        keep.push((i, s));
    }
    (keep, out)
}

/// The file's contact and client references resolved.
pub(super) struct Refs {
    clients_by_code: HashMap<String, Existing>,
    clients_by_id: HashMap<Id, Existing>,
    contacts: bulk::ContactIndex,
    contact_offices: HashMap<Id, Vec<Option<String>>>,
    pub(super) links: HashMap<(Id, Id), String>,
}

impl Refs {
    pub(super) fn load(c: &mut Conn) -> Result<Refs> {
        let (clients_by_code, clients_by_id) = bulk::all_clients(c)?;
        Ok(Refs {
            clients_by_code,
            clients_by_id,
            contacts: bulk::contact_index(c)?,
            contact_offices: bulk::contact_offices(c)?,
            links: bulk::all_links(c)?,
        })
    }

    /// A live client the actor reaches, by code or id.
    pub(super) fn client(
        &self,
        who: &Who,
        code: Option<&str>,
        id: Option<Id>,
        column: &str,
    ) -> Result<Option<Id>, Problem> {
        let (found, shown) = match (code, id) {
            (Some(code), _) => (self.clients_by_code.get(&text::code_key(code)), code.to_string()),
            (None, Some(id)) => (self.clients_by_id.get(&id), id.to_string()),
            (None, None) => return Ok(None),
        };
        match found {
            Some(e) if !e.trashed && visibility::client_reached(who, e.id, e.office.as_deref()) => {
                if let (Some(_), Some(id)) = (code, id)
                    && id != e.id
                {
                    return Err(Problem::new(
                        column,
                        "invalid_value",
                        format!("client '{shown}' is not client {id}"),
                        format!("le client « {shown} » n'est pas le client {id}"),
                    ));
                }
                Ok(Some(e.id))
            }
            _ => Err(unknown(column, "client", "aucun client", &shown)),
        }
    }

    /// A live contact the actor reaches, by key, e-mail or id.
    pub(super) fn contact(
        &self,
        who: &Who,
        key: Option<&str>,
        email: Option<&str>,
        id: Option<Id>,
    ) -> Result<Option<Id>, Problem> {
        let (found, column, shown) = match (key, email, id) {
            (Some(k), _, _) => (self.contacts.by_key.get(&text::code_key(k)).copied(), "contact_key", k.to_string()),
            (None, Some(e), _) => {
                // Only the contacts the actor sees: a hidden one sharing the
                // address neither makes it ambiguous nor is told of.
                let mut seen = self.contacts.by_email.get(&text::fold(e.trim())).into_iter().flatten().filter(|id| {
                    visibility::contact_reached(who, self.contact_offices.get(id).map(Vec::as_slice).unwrap_or(&[]))
                });
                match (seen.next(), seen.next()) {
                    (Some(_), Some(_)) => {
                        return Err(Problem::new(
                            "contact_email",
                            "ambiguous",
                            format!("several contacts have the e-mail address '{e}'"),
                            format!("plusieurs personnes-ressources ont l'adresse « {e} »"),
                        ));
                    }
                    (found, _) => (found.copied(), "contact_email", e.to_string()),
                }
            }
            (None, None, Some(id)) => (self.contacts.live.contains(&id).then_some(id), "contact_id", id.to_string()),
            (None, None, None) => return Ok(None),
        };
        match found {
            Some(id)
                if visibility::contact_reached(
                    who,
                    self.contact_offices.get(&id).map(Vec::as_slice).unwrap_or(&[]),
                ) =>
            {
                Ok(Some(id))
            }
            _ => Err(unknown(column, "contact", "aucune personne-ressource", &shown)),
        }
    }
}

/// Resolves a row's tags to codes (`Problem` naming the `tags` column
/// for one that names no tag), or, with `create_tags`, keeps what names
/// none for the write to create.
fn tag_refs(tags: &[Tag], refs: &mut Vec<String>, opts: &ImportOptions) -> std::result::Result<(), Problem> {
    match crate::ops::tags::resolve(tags, refs, "") {
        Ok(codes) => *refs = codes,
        Err(_) if opts.create_tags => {}
        Err(e) => return Err(Problem::from_error(&e, "tags")),
    }
    Ok(())
}

impl Engine {
    pub(super) fn check_clients(
        &self,
        who: &Who,
        rows: Vec<ClientData>,
        opts: &ImportOptions,
        ticker: &Ticker,
    ) -> Result<Vec<Step<ClientData>>> {
        rights(who, Entity::Clients, opts)?;
        let mut rows = rows;
        let (by_code, _) = self.read(bulk::all_clients)?;
        // Patch rows: merged onto the record they update, at its version.
        let mut merged = Merged::default();
        if patching(opts) {
            let ids: Vec<Id> = rows
                .iter()
                .filter_map(|r| by_code.get(&text::code_key(&r.code)))
                .filter(|e| !e.trashed && visibility::client_reached(who, e.id, e.office.as_deref()))
                .map(|e| e.id)
                .collect();
            let records = self.read(|c| bulk::client_records(c, &ids))?;
            for (i, row) in rows.iter_mut().enumerate() {
                let Some(rec) = by_code.get(&text::code_key(&row.code)).and_then(|e| records.get(&e.id)) else {
                    continue;
                };
                merged.apply(i, rec.version, patch::patch(&rec.data, row, &opts.given[i]), row);
            }
        }
        let mut staff: Vec<Id> = rows.iter().flat_map(|r| r.assignments.iter().map(|a| a.staff_id)).collect();
        staff.sort_unstable();
        staff.dedup();
        let (roles, known, tags) = self.read(|c| {
            Ok((store::assignments::roles(c)?, store::assignments::existing_staff(c, &staff)?, store::tags::all(c)?))
        })?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut steps = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            ticker.tick(i)?;
            if let Some(p) = merged.bad.remove(&i) {
                steps.push(Step::Bad(p));
                continue;
            }
            let mut d = match validate::client(&row, &who.custom) {
                Ok(d) => d,
                Err(e) => {
                    steps.push(Step::Bad(Problem::from_error(&e, "code")));
                    continue;
                }
            };
            if let Err(e) = tag_refs(&tags, &mut d.tags, opts) {
                steps.push(Step::Bad(e));
                continue;
            }
            if !who.rights.sees_office(d.office.as_deref()) {
                steps.push(Step::Bad(Problem::from_error(&who.office_forbidden("clients of this office"), "office")));
                continue;
            }
            if let Err(e) = crate::ops::assignments::check_against(&d.assignments, &roles, &known, "") {
                steps.push(Step::Bad(Problem::from_error(&e, "assignments")));
                continue;
            }
            let key = text::code_key(&d.code);
            if let Some(first) = seen.get(&key) {
                steps.push(Step::Bad(twice("code", &d.code, line_of(opts, *first))));
                continue;
            }
            seen.insert(key.clone(), i);
            steps.push(match by_code.get(&key) {
                None => Step::Create(d),
                Some(e) => {
                    let visible = visibility::client_reached(who, e.id, e.office.as_deref());
                    let code = d.code.clone();
                    existing(opts, "code", &code, &merged.at(i, e), visible, d)
                }
            });
        }
        Ok(steps)
    }

    pub(super) fn write_clients(
        &self,
        who: &Who,
        c: &mut Conn,
        batch: &[(usize, &Step<ClientData>)],
        dup_keys: &[super::DupKeys],
        taken: bulk::Taken,
    ) -> Result<Written> {
        let now = ms(self.now());
        let mut out = Written::default();
        let mut creates: Vec<(usize, &ClientData)> =
            batch.iter().filter_map(|(i, s)| if let Step::Create(d) = s { Some((*i, d)) } else { None }).collect();
        // A code taken since the check (by another writer) is a bad row,
        // not a unique-index failure of the whole import: left out here
        // (SQLite, and PostgreSQL all-or-nothing) or by the insert
        // (PostgreSQL batches): `bulk::rereads_taken_codes`.
        let keys: Vec<String> = creates.iter().map(|(_, d)| text::code_key(&d.code)).collect();
        let held = if bulk::rereads_taken_codes(c, taken) { bulk::codes_held(c, &keys)? } else { Default::default() };
        creates.retain(|(i, d)| {
            let taken = held.contains(&text::code_key(&d.code));
            if taken {
                out.problems.push((*i, taken_meanwhile("code", &d.code)));
            }
            !taken
        });
        // One order for every import's index locks (see `bulk::copy_unique`).
        creates.sort_by_cached_key(|(_, d)| text::code_key(&d.code));
        // Tags an import creates (`create_tags`) are made in this batch's
        // transaction; every row then holds codes.
        let mut tags = store::tags::all(c)?;
        let named = batch.iter().filter_map(|(_, s)| match s {
            Step::Create(d) | Step::Update { data: d, .. } => Some(&d.tags),
            _ => None,
        });
        crate::ops::tags::create_missing(c, &mut tags, named.flatten())?;
        let mut fixed: HashMap<usize, ClientData> = HashMap::new();
        for (i, s) in batch {
            let d = match s {
                Step::Create(d) | Step::Update { data: d, .. } => d,
                _ => continue,
            };
            if d.tags.iter().any(|t| !tags.iter().any(|x| &x.code == t)) {
                let mut d = d.clone();
                d.tags = crate::ops::tags::resolve_creating(c, &mut tags, &d.tags)?;
                fixed.insert(*i, d);
            }
        }
        let ids = bulk::next_ids(c, Table::Clients, creates.len())?;
        // Each row with the duplicate keys its warnings were found by (a
        // tag resolved since does not change them).
        let rows: Vec<(Id, &ClientData, &[_])> = ids
            .iter()
            .copied()
            .zip(creates.iter().map(|(i, d)| (fixed.get(i).unwrap_or(d), &dup_keys[*i][..])))
            .map(|(id, (d, k))| (id, d, k))
            .collect();
        let paused = bulk::pause_index(c, Table::Clients)?;
        let inserted = bulk::insert_clients(c, &rows, (who.id, now, self.phone_region), taken)?;
        for (id, d, _) in rows.iter().filter(|(id, d, _)| !d.assignments.is_empty() && inserted.contains(id)) {
            store::assignments::replace(c, *id, &d.assignments)?;
        }
        for (id, d, _) in rows.iter().filter(|(id, d, _)| !d.tags.is_empty() && inserted.contains(id)) {
            store::tags::replace_client(c, *id, &d.tags)?;
        }
        bulk::resume_index(c, paused)?;
        let entry = |id: Id| NewEntry::new(RecordKind::Client, id, Some(id), HistoryOp::Import, Some(who.id), now);
        let mut history: Vec<NewEntry> = Vec::with_capacity(batch.len());
        for ((i, d), id) in creates.iter().zip(ids) {
            if inserted.contains(&id) {
                out.created += 1;
                out.ids.push((*i, id));
                history.push(entry(id));
            } else {
                out.problems.push((*i, taken_meanwhile("code", &d.code)));
            }
        }
        for (i, s) in by_id(batch) {
            if let Step::Update { id, version, data } = s {
                let data = fixed.get(&i).unwrap_or(data);
                let before = store::clients::record(c, *id)?;
                if store::clients::update(c, *id, *version, data, who.id, now, self.phone_region)? {
                    history.push(entry(*id).changes(diff(before.as_ref().map(|r| &r.data), Some(data))));
                    out.updated += 1;
                    out.ids.push((i, *id));
                } else {
                    let current = store::clients::version_of(c, *id)?;
                    out.problems
                        .push((i, Problem::from_error(&super::super::stale("client", *id, *version, current), "code")));
                }
            }
        }
        store::history::record_many(c, &history)?;
        Ok(out)
    }

    pub(super) fn check_contacts(
        &self,
        who: &Who,
        rows: Vec<ContactRow>,
        opts: &ImportOptions,
        ticker: &Ticker,
    ) -> Result<Vec<Step<KeyedContact>>> {
        rights(who, Entity::Contacts, opts)?;
        let keys: Vec<String> = rows
            .iter()
            .filter_map(|r| r.key.as_deref())
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(text::code_key)
            .collect();
        let (by_key, offices, tags) =
            self.read(|c| Ok((bulk::contacts_by_keys(c, &keys)?, bulk::contact_offices(c)?, store::tags::all(c)?)))?;
        let mut rows = rows;
        let mut merged = Merged::default();
        let found = |r: &ContactRow| r.key.as_deref().map(str::trim).and_then(|k| by_key.get(&text::code_key(k)));
        if patching(opts) {
            let reached = |e: &&Existing| {
                !e.trashed && visibility::contact_reached(who, offices.get(&e.id).map(Vec::as_slice).unwrap_or(&[]))
            };
            let ids: Vec<Id> = rows.iter().filter_map(found).filter(reached).map(|e| e.id).collect();
            let records = self.read(|c| bulk::contact_records(c, &ids))?;
            for (i, row) in rows.iter_mut().enumerate() {
                let Some(rec) = found(row).and_then(|e| records.get(&e.id)) else { continue };
                let given = &opts.given[i];
                let mut m = patch::patch(&rec.data, &row.data, given);
                // A file-as the record had by default follows the names.
                if let Ok(m) = &mut m
                    && !given.iter().any(|p| p == "file_as")
                    && rec.data.file_as.as_deref() == Some(rec.data.default_file_as().as_str())
                {
                    m.file_as = None;
                }
                merged.apply(i, rec.version, m, &mut row.data);
            }
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut steps = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            ticker.tick(i)?;
            if let Some(p) = merged.bad.remove(&i) {
                steps.push(Step::Bad(p));
                continue;
            }
            let mut d = match validate::contact(&row.data, &who.custom) {
                Ok(d) => d,
                Err(e) => {
                    steps.push(Step::Bad(Problem::from_error(&e, "last_name")));
                    continue;
                }
            };
            if let Err(e) = tag_refs(&tags, &mut d.tags, opts) {
                steps.push(Step::Bad(e));
                continue;
            }
            let key = row.key.map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
            let Some(key) = key else {
                steps.push(Step::Create((None, d)));
                continue;
            };
            if key.chars().count() > 60 {
                steps.push(Step::Bad(Problem::from_error(
                    &Error::validation("key", "too_long", "is longer than 60 characters"),
                    "key",
                )));
                continue;
            }
            let folded = text::code_key(&key);
            if let Some(first) = seen.get(&folded) {
                steps.push(Step::Bad(twice("key", &key, line_of(opts, *first))));
                continue;
            }
            seen.insert(folded.clone(), i);
            steps.push(match by_key.get(&folded) {
                None => Step::Create((Some(key), d)),
                Some(e) => {
                    let visible =
                        visibility::contact_reached(who, offices.get(&e.id).map(Vec::as_slice).unwrap_or(&[]));
                    let shown = key.clone();
                    existing(opts, "key", &shown, &merged.at(i, e), visible, (Some(key), d))
                }
            });
        }
        Ok(steps)
    }

    pub(super) fn write_contacts(
        &self,
        who: &Who,
        c: &mut Conn,
        batch: &[(usize, &Step<KeyedContact>)],
        dup_keys: &[super::DupKeys],
        taken: bulk::Taken,
    ) -> Result<Written> {
        let now = ms(self.now());
        let mut out = Written::default();
        let mut creates: Vec<(usize, &(Option<String>, ContactData))> =
            batch.iter().filter_map(|(i, s)| if let Step::Create(d) = s { Some((*i, d)) } else { None }).collect();
        let keys: Vec<String> = creates.iter().filter_map(|(_, (k, _))| k.as_deref().map(text::code_key)).collect();
        let held =
            if bulk::rereads_taken_codes(c, taken) { bulk::contacts_by_keys(c, &keys)? } else { Default::default() };
        creates.retain(|(i, (k, _))| {
            let taken = k.as_deref().is_some_and(|k| held.contains_key(&text::code_key(k)));
            if let (true, Some(k)) = (taken, k) {
                out.problems.push((*i, taken_meanwhile("key", k)));
            }
            !taken
        });
        creates.sort_by_cached_key(|(_, (k, _))| k.as_deref().map(text::code_key));
        let mut tags = store::tags::all(c)?;
        let named = batch.iter().filter_map(|(_, s)| match s {
            Step::Create((_, d)) | Step::Update { data: (_, d), .. } => Some(&d.tags),
            _ => None,
        });
        crate::ops::tags::create_missing(c, &mut tags, named.flatten())?;
        let mut fixed: HashMap<usize, ContactData> = HashMap::new();
        for (i, s) in batch {
            let d = match s {
                Step::Create((_, d)) | Step::Update { data: (_, d), .. } => d,
                _ => continue,
            };
            if d.tags.iter().any(|t| !tags.iter().any(|x| &x.code == t)) {
                let mut d = d.clone();
                d.tags = crate::ops::tags::resolve_creating(c, &mut tags, &d.tags)?;
                fixed.insert(*i, d);
            }
        }
        let ids = bulk::next_ids(c, Table::Contacts, creates.len())?;
        // Each row with its duplicate keys (as `write_clients`).
        let rows: Vec<(Id, Option<&str>, &ContactData, &[_])> = ids
            .iter()
            .copied()
            .zip(creates.iter())
            .map(|(id, (i, (k, d)))| (id, k.as_deref(), fixed.get(i).unwrap_or(d), &dup_keys[*i][..]))
            .collect();
        let paused = bulk::pause_index(c, Table::Contacts)?;
        let inserted = bulk::insert_contacts(c, &rows, (who.id, now, self.phone_region), taken)?;
        for (id, _, d, _) in rows.iter().filter(|(id, _, d, _)| !d.tags.is_empty() && inserted.contains(id)) {
            store::tags::replace_contact(c, *id, &d.tags)?;
        }
        bulk::resume_index(c, paused)?;
        let entry = |id: Id| NewEntry::new(RecordKind::Contact, id, None, HistoryOp::Import, Some(who.id), now);
        let mut history: Vec<NewEntry> = Vec::with_capacity(batch.len());
        for ((i, (k, _)), id) in creates.iter().zip(ids) {
            if inserted.contains(&id) {
                out.created += 1;
                out.ids.push((*i, id));
                history.push(entry(id));
            } else {
                out.problems.push((*i, taken_meanwhile("key", k.as_deref().unwrap_or(""))));
            }
        }
        for (i, s) in by_id(batch) {
            if let Step::Update { id, version, data: (_, data) } = s {
                let data = fixed.get(&i).unwrap_or(data);
                let before = store::contacts::record(c, *id)?.map(|r| r.data);
                if store::contacts::update(c, *id, *version, data, who.id, now, self.phone_region)? {
                    history.push(entry(*id).changes(diff(before.as_ref(), Some(data))));
                    out.updated += 1;
                    out.ids.push((i, *id));
                } else {
                    let current = store::contacts::version_of(c, *id)?;
                    out.problems
                        .push((i, Problem::from_error(&super::super::stale("contact", *id, *version, current), "key")));
                }
            }
        }
        store::history::record_many(c, &history)?;
        Ok(out)
    }

    pub(super) fn check_links(
        &self,
        who: &Who,
        rows: Vec<LinkRow>,
        opts: &ImportOptions,
        ticker: &Ticker,
    ) -> Result<Vec<Step<Link>>> {
        who.require(Entity::Contacts, Action::Edit)?;
        let mut refs = self.read(Refs::load)?;
        let mut primaries: HashMap<Id, Id> = refs
            .links
            .iter()
            .filter(|(_, r)| r.as_str() == ContactRole::Primary.as_str())
            .map(|((client, contact), _)| (*client, *contact))
            .collect();
        let mut steps = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            ticker.tick(i)?;
            let column = if row.client_code.is_some() { "client_code" } else { "client_id" };
            let client = match refs.client(who, row.client_code.as_deref(), row.client_id, column) {
                Ok(Some(id)) => id,
                Ok(None) => {
                    steps.push(Step::Bad(Problem::from_error(
                        &Error::validation("client_code", "required", "names no client (client_code or client_id)"),
                        "client_code",
                    )));
                    continue;
                }
                Err(p) => {
                    steps.push(Step::Bad(p));
                    continue;
                }
            };
            let contact = match refs.contact(who, row.contact_key.as_deref(), None, row.contact_id) {
                Ok(Some(id)) => id,
                Ok(None) => {
                    steps.push(Step::Bad(Problem::from_error(
                        &Error::validation("contact_key", "required", "names no contact (contact_key or contact_id)"),
                        "contact_key",
                    )));
                    continue;
                }
                Err(p) => {
                    steps.push(Step::Bad(p));
                    continue;
                }
            };
            if row.role == ContactRole::Primary && primaries.get(&client).is_some_and(|holder| *holder != contact) {
                steps.push(Step::Bad(primary_taken(client)));
                continue;
            }
            let step = match refs.links.get(&(client, contact)) {
                None => Step::Create((client, contact, row.role, None)),
                Some(role) if role.as_str() == row.role.as_str() => Step::Skip(None),
                Some(role) => match opts.on_existing {
                    OnExisting::Error => Step::Bad(Problem::duplicate(
                        "role",
                        format!("the contact is already linked to this client as {role}"),
                        format!("la personne-ressource est déjà liée à ce client ({role})"),
                    )),
                    OnExisting::Skip => Step::Skip(None),
                    OnExisting::Update => {
                        Step::Update { id: client, version: 0, data: (client, contact, row.role, Some(role.clone())) }
                    }
                },
            };
            if matches!(step, Step::Create(_) | Step::Update { .. }) {
                if primaries.get(&client) == Some(&contact) && row.role != ContactRole::Primary {
                    primaries.remove(&client);
                }
                if row.role == ContactRole::Primary {
                    primaries.insert(client, contact);
                }
                refs.links.insert((client, contact), row.role.as_str().to_string());
            }
            steps.push(step);
        }
        Ok(steps)
    }

    pub(super) fn write_links(&self, who: &Who, c: &mut Conn, batch: &[(usize, &Step<Link>)]) -> Result<Written> {
        let now = ms(self.now());
        let mut out = Written::default();
        let still = Still::read(
            c,
            batch.iter().filter_map(|(_, s)| match s {
                Step::Create((client, contact, ..)) | Step::Update { data: (client, contact, ..), .. } => {
                    Some((Some(*client), Some(*contact)))
                }
                _ => None,
            }),
        )?;
        let mut live: Vec<(usize, &Step<Link>)> = Vec::with_capacity(batch.len());
        for (i, s) in batch {
            if let Step::Create((client, contact, ..)) | Step::Update { data: (client, contact, ..), .. } = s
                && let Some(p) = still.refuses(who, Some(*client), Some(*contact))
            {
                out.problems.push((*i, p));
                continue;
            }
            live.push((*i, *s));
        }
        let clients: Vec<Id> = live
            .iter()
            .filter_map(|(_, s)| match s {
                Step::Create((client, ..)) | Step::Update { data: (client, ..), .. } => Some(*client),
                _ => None,
            })
            .collect();
        let (live, clashes) = clash_now(bulk::links_of(c, &clients, true)?, live);
        out.problems.extend(clashes.problems);
        let mut history = Vec::with_capacity(live.len() * 2);
        let entries = |client, contact, old, new: ContactRole| {
            super::super::contacts::link_entries(
                contact,
                client,
                old,
                Some(new.as_str()),
                HistoryOp::Import,
                Some(who.id),
                now,
            )
        };
        // Role changes first: a primary given up frees the role for a new
        // link; in (client, contact) order, as the rows were locked.
        let mut live = live;
        live.sort_by_key(|(_, s)| match s {
            Step::Create((client, contact, ..)) | Step::Update { data: (client, contact, ..), .. } => {
                (*client, *contact)
            }
            _ => (0, 0),
        });
        for (_, s) in &live {
            if let Step::Update { data: (client, contact, role, old), .. } = s {
                store::contacts::set_role(c, *contact, *client, *role)?;
                history.extend(entries(*client, *contact, old.as_deref(), *role));
                out.updated += 1;
            }
        }
        let creates: Vec<(Id, Id, ContactRole)> = live
            .iter()
            .filter_map(|(_, s)| if let Step::Create(d) = s { Some((d.0, d.1, d.2)) } else { None })
            .collect();
        bulk::insert_links(c, &creates, who.id, now)?;
        history.extend(creates.iter().flat_map(|&(client, contact, role)| entries(client, contact, None, role)));
        store::history::record_many(c, &history)?;
        out.created = creates.len() as u64;
        Ok(out)
    }

    pub(super) fn check_interactions(
        &self,
        who: &Who,
        rows: Vec<InteractionRow>,
        opts: &ImportOptions,
        ticker: &Ticker,
    ) -> Result<Vec<Step<InteractionData>>> {
        who.require(Entity::Interactions, Action::Add)?;
        let _ = opts;
        let (refs, (initials, staff_ids), defs) = self
            .read(|c| Ok((Refs::load(c)?, bulk::staff_by_initials(c)?, store::interactions::custom_defs(c, None)?)))?;
        let staff_ids: std::collections::HashSet<Id> = staff_ids.into_iter().collect();
        let mut by_kind: HashMap<&str, Vec<CustomFieldDef>> = HashMap::new();
        for d in &defs {
            by_kind.entry(d.kind.map_or(d.record.as_str(), InteractionKind::as_str)).or_default().push(d.clone());
        }
        let mut steps = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            ticker.tick(i)?;
            steps.push(match self.check_interaction(who, &refs, &initials, &staff_ids, &by_kind, row) {
                Ok(d) => Step::Create(d),
                Err(p) => Step::Bad(p),
            });
        }
        Ok(steps)
    }

    fn check_interaction(
        &self,
        who: &Who,
        refs: &Refs,
        initials: &HashMap<String, Option<Id>>,
        staff_ids: &std::collections::HashSet<Id>,
        defs: &HashMap<&str, Vec<CustomFieldDef>>,
        row: InteractionRow,
    ) -> Result<InteractionData, Problem> {
        let mut d = row.data;
        if let Some(id) = refs.client(who, row.client_code.as_deref(), d.client_id, "client_code")? {
            d.client_id = Some(id);
        }
        if let Some(id) = refs.contact(who, row.contact_key.as_deref(), row.contact_email.as_deref(), d.contact_id)? {
            d.contact_id = Some(id);
        }
        if let Some(ini) = row.staff_initials.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            d.staff_id = Some(staff_of_initials(initials, ini)?);
        } else if let Some(id) = d.staff_id
            && !staff_ids.contains(&id)
        {
            return Err(unknown("staff_id", "staff member", "aucun employé", &id.to_string()));
        }
        let kind_defs = defs.get(d.kind.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let mut d = validate::interaction(&d, kind_defs).map_err(|e| Problem::from_error(&e, "subject"))?;
        // The other staff members it names, as `interaction.create` checks them.
        for (column, id) in
            [("taken_for_id", d.taken_for_id), ("follow_up.assignee_id", d.follow_up.as_ref().map(|f| f.assignee_id))]
        {
            if let Some(id) = id
                && !staff_ids.contains(&id)
            {
                return Err(unknown(column, "staff member", "aucun employé", &id.to_string()));
            }
        }
        crate::ops::interactions::settle_follow_up(None, &mut d.follow_up, who, self.now());
        if let (Some(client), Some(contact)) = (d.client_id, d.contact_id)
            && !refs.links.contains_key(&(client, contact))
        {
            return Err(not_linked(client, contact));
        }
        Ok(d)
    }

    pub(super) fn write_interactions(
        &self,
        who: &Who,
        c: &mut Conn,
        batch: &[(usize, &Step<InteractionData>)],
    ) -> Result<Written> {
        let now = ms(self.now());
        let mut out = Written::default();
        let still = Still::read(
            c,
            batch
                .iter()
                .filter_map(|(_, s)| if let Step::Create(d) = s { Some((d.client_id, d.contact_id)) } else { None }),
        )?;
        // A client and its contact: still linked (else the client's
        // timeline would show another client's contact).
        let pairs: Vec<Id> = batch
            .iter()
            .filter_map(|(_, s)| match s {
                Step::Create(InteractionData { client_id: Some(client), contact_id: Some(_), .. }) => Some(*client),
                _ => None,
            })
            .collect();
        let links = bulk::links_of(c, &pairs, false)?;
        let mut creates: Vec<(usize, &InteractionData)> = Vec::with_capacity(batch.len());
        for (i, s) in batch {
            if let Step::Create(d) = s {
                let unlinked = match (d.client_id, d.contact_id) {
                    (Some(client), Some(contact)) if !links.contains_key(&(client, contact)) => {
                        Some(not_linked(client, contact))
                    }
                    _ => None,
                };
                match still.refuses(who, d.client_id, d.contact_id).or(unlinked) {
                    Some(p) => out.problems.push((*i, p)),
                    None => creates.push((*i, d)),
                }
            }
        }
        let ids = bulk::next_ids(c, Table::Interactions, creates.len())?;
        let rows: Vec<(Id, &InteractionData)> = ids.iter().copied().zip(creates.iter().map(|(_, d)| *d)).collect();
        let paused = bulk::pause_index(c, Table::Interactions)?;
        bulk::insert_interactions(c, &rows, who.id, now, self.phone_region)?;
        // The dates' bounds the paused trigger keeps (`query/window.rs`).
        bulk::raise_bounds(c, rows.iter().map(|(id, d)| (*id, crate::time::ms(d.occurred_at))))?;
        for (id, d) in rows.iter().filter(|(_, d)| d.follow_up.is_some()) {
            store::interactions::write_follow_up(c, *id, d.follow_up.as_ref())?;
        }
        bulk::resume_index(c, paused)?;
        let history: Vec<NewEntry> = rows
            .iter()
            .map(|(id, d)| {
                NewEntry::new(RecordKind::Interaction, *id, d.client_id, HistoryOp::Import, Some(who.id), now)
            })
            .collect();
        store::history::record_many(c, &history)?;
        out.created = ids.len() as u64;
        out.ids.extend(creates.iter().map(|(i, _)| *i).zip(ids));
        Ok(out)
    }
}

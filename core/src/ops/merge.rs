//! `client.merge` and `contact.merge`: everything the merged record has
//! moves onto the kept one, the merged record goes to the trash, and what
//! moved is recorded (`merges`) so that restoring it undoes the merge. See
//! `docs/duplicates.md`.

use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{MergeRules, MergeSide, Merged};
use crate::store::merge::{self as m, Moves};
use crate::store::{self, Conn};
use crate::time::ms;
use crate::visibility;

const PRIMARY: &str = "primary";
const ADDITIONAL: &str = "additional";

fn entity_right(e: DupEntity) -> Entity {
    match e {
        DupEntity::Client => Entity::Clients,
        DupEntity::Contact => Entity::Contacts,
    }
}

fn name(e: DupEntity) -> &'static str {
    match e {
        DupEntity::Client => "client",
        DupEntity::Contact => "contact",
    }
}

fn version_of(c: &mut Conn, e: DupEntity, id: Id) -> Result<Option<i64>> {
    match e {
        DupEntity::Client => store::clients::version_of(c, id),
        DupEntity::Contact => store::contacts::version_of(c, id),
    }
}

fn visible(c: &mut Conn, who: &Who, e: DupEntity, id: Id) -> Result<()> {
    match e {
        DupEntity::Client => visibility::client(c, who, id),
        DupEntity::Contact => visibility::contact(c, who, id),
    }
}

fn conflict(field: &str, code: &'static str, en: String) -> Error {
    Error::validation(field, code, en)
}

/// The primary contact of a client, and whether it is in the trash (a
/// primary in the trash cannot hold the role and is set aside).
fn live_primary(c: &mut Conn, client: Id) -> Result<Option<(Id, bool)>> {
    store::contacts::primary_of(c, client)
}

/// Client merge: the links of the merged client move to the kept one.
fn move_client_links(c: &mut Conn, keep: Id, merge: Id, rules: &MergeRules, mv: &mut Moves) -> Result<()> {
    let e = DupEntity::Client;
    let kept: std::collections::HashMap<Id, String> = m::links(c, e, keep)?.into_iter().collect();
    for (contact, role) in m::links(c, e, merge)? {
        let mut role_now = role.clone();
        if let Some(kept_role) = kept.get(&contact) {
            // The contact is linked to both clients.
            m::unlink(c, e, merge, contact)?;
            mv.links_dropped.push((contact, role.clone()));
            if *kept_role == role {
                continue;
            }
            match rules.roles {
                None => {
                    return Err(conflict(
                        "rules.roles",
                        "merge_role_conflict",
                        format!(
                            "contact {contact} is linked to both clients, as {kept_role} and as {role}: \
                             say which role stays (rules.roles: keep or merged)"
                        ),
                    ));
                }
                Some(MergeSide::Keep) => continue,
                Some(MergeSide::Merged) => {
                    // Taking the primary role needs room for it (the
                    // primary rule); without it the kept role stays.
                    if role == PRIMARY && !make_room_for_primary(c, keep, contact, rules, mv)? {
                        continue;
                    }
                    mv.links_changed.push((contact, kept_role.clone()));
                    m::set_role(c, e, keep, contact, &role)?;
                    continue;
                }
            }
        }
        if role == PRIMARY && !make_room_for_primary(c, keep, contact, rules, mv)? {
            role_now = ADDITIONAL.into();
        }
        // Demoted before it moves: the kept client's primary stays one.
        if role_now != role {
            m::set_role(c, e, merge, contact, &role_now)?;
        }
        m::move_link(c, e, merge, keep, contact)?;
        mv.links_moved.push((contact, role));
    }
    Ok(())
}

/// Before `contact` becomes the kept client's primary: the current live
/// primary is demoted when the rule says `merged`; with `keep` answers
/// false (the newcomer is demoted instead); without a rule, a conflict.
/// A primary in the trash is demoted without asking.
fn make_room_for_primary(c: &mut Conn, keep: Id, contact: Id, rules: &MergeRules, mv: &mut Moves) -> Result<bool> {
    let e = DupEntity::Client;
    let Some((holder, trashed)) = live_primary(c, keep)? else { return Ok(true) };
    if holder == contact {
        return Ok(true);
    }
    let demote = |c: &mut Conn, mv: &mut Moves| -> Result<()> {
        mv.links_changed.push((holder, PRIMARY.into()));
        m::set_role(c, e, keep, holder, ADDITIONAL)
    };
    if trashed {
        demote(c, mv)?;
        return Ok(true);
    }
    match rules.primary {
        None => Err(conflict(
            "rules.primary",
            "merge_primary_conflict",
            format!(
                "both clients have a primary contact ({holder} and {contact}): say which stays primary \
                 (rules.primary: keep or merged)"
            ),
        )),
        Some(MergeSide::Keep) => Ok(false),
        Some(MergeSide::Merged) => {
            demote(c, mv)?;
            Ok(true)
        }
    }
}

/// Contact merge: the links of the merged contact move to the kept one.
fn move_contact_links(c: &mut Conn, keep: Id, merge: Id, rules: &MergeRules, mv: &mut Moves) -> Result<()> {
    let e = DupEntity::Contact;
    let kept: std::collections::HashMap<Id, String> = m::links(c, e, keep)?.into_iter().collect();
    for (client, role) in m::links(c, e, merge)? {
        match kept.get(&client) {
            None => {
                m::move_link(c, e, merge, keep, client)?;
                mv.links_moved.push((client, role));
            }
            Some(kept_role) => {
                m::unlink(c, e, merge, client)?;
                mv.links_dropped.push((client, role.clone()));
                if *kept_role == role {
                    continue;
                }
                match rules.roles {
                    None => {
                        return Err(conflict(
                            "rules.roles",
                            "merge_role_conflict",
                            format!(
                                "both contacts are linked to client {client}, as {kept_role} and as {role}: \
                                 say which role stays (rules.roles: keep or merged)"
                            ),
                        ));
                    }
                    Some(MergeSide::Keep) => {}
                    Some(MergeSide::Merged) => {
                        mv.links_changed.push((client, kept_role.clone()));
                        m::set_role(c, e, keep, client, &role)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Client merge: the people in charge of the merged client join the kept
/// one's, after them; the same staff member in the same role stays once.
fn move_assignments(c: &mut Conn, keep: Id, merge: Id, mv: &mut Moves) -> Result<()> {
    let kept = m::assignments(c, keep)?;
    let mut next = kept.iter().map(|(_, _, p)| p + 1).max().unwrap_or(0);
    for (role, staff, position) in m::assignments(c, merge)? {
        m::unassign(c, merge, &role, staff)?;
        if kept.iter().any(|(r, s, _)| *r == role && *s == staff) {
            mv.assignments_dropped.push((role, staff, position));
        } else {
            m::assign(c, keep, &role, staff, next)?;
            next += 1;
            mv.assignments_moved.push((role, staff, position));
        }
    }
    Ok(())
}

/// Undoes a merge before its merged record comes back: moves back exactly
/// what moved (what was added to the kept record since stays), and raises
/// the kept record's version. Refused while the kept record is in the
/// trash; nothing to undo when it was purged.
pub(crate) fn undo(c: &mut Conn, tid: Id, actor: Id, now: i64) -> Result<()> {
    let Some(merge) = m::of_entry(c, tid)? else { return Ok(()) };
    let e = match merge.entity.as_str() {
        "client" => DupEntity::Client,
        "contact" => DupEntity::Contact,
        other => return Err(Error::storage(format!("corrupt merge entity '{other}'"))),
    };
    let (keep, back) = (merge.kept_id, merge.merged_id);
    let exists = match e {
        DupEntity::Client => store::clients::get(c, keep, true)?.is_some(),
        DupEntity::Contact => store::contacts::get(c, keep, true)?.is_some(),
    };
    if !exists {
        m::forget(c, tid)?;
        return Ok(());
    }
    let Some(kept_version) = version_of(c, e, keep)? else {
        return Err(Error::validation(
            "id",
            "parent_in_trash",
            format!("the {} {keep} this record was merged into is in the trash: restore it first", name(e)),
        ));
    };
    let mv = merge.moves;
    m::move_interactions(c, e, &mv.interactions, keep, back)?;
    m::move_transfers(c, e, &mv.transfers, keep, back)?;
    let now_links: std::collections::HashMap<Id, String> = m::links(c, e, keep)?.into_iter().collect();
    // Links that moved go back as they are (who made them when), with the
    // role they had (a primary among them frees the kept record's role);
    // then roles changed on the kept record come back; then the links the
    // merge folded into the kept record's are made again.
    for (other, role) in &mv.links_moved {
        if now_links.contains_key(other) {
            // As additional while it moves (no primary clash on the way).
            m::set_role(c, e, keep, *other, ADDITIONAL)?;
            m::move_link(c, e, keep, back, *other)?;
            m::set_role(c, e, back, *other, role)?;
        }
    }
    for (other, role) in &mv.links_changed {
        // A primary given to someone else since the merge stays theirs.
        let client = if e == DupEntity::Client { keep } else { *other };
        let taken = role == PRIMARY && store::contacts::primary_of(c, client)?.is_some();
        if now_links.contains_key(other) && !taken {
            m::set_role(c, e, keep, *other, role)?;
        }
    }
    for (other, role) in &mv.links_dropped {
        m::link(c, e, back, *other, role, actor, now)?;
    }
    if e == DupEntity::Client {
        for (role, staff, _) in &mv.assignments_moved {
            m::unassign(c, keep, role, *staff)?;
        }
        for (role, staff, position) in mv.assignments_moved.iter().chain(&mv.assignments_dropped) {
            m::assign(c, back, role, *staff, *position)?;
        }
    }
    m::touch(c, e, keep, kept_version, actor, now)?;
    merge_history(c, e, keep, back, HistoryOp::Unmerge, actor, now)?;
    m::forget(c, tid)
}

/// A merge (or its undoing) in both records' histories, each naming the
/// other; a client's entries are on its own timeline.
fn merge_history(c: &mut Conn, e: DupEntity, keep: Id, merged: Id, op: HistoryOp, by: Id, now: i64) -> Result<()> {
    use crate::store::history::NewEntry;
    let kind = match e {
        DupEntity::Client => RecordKind::Client,
        DupEntity::Contact => RecordKind::Contact,
    };
    let client = |id: Id| (kind == RecordKind::Client).then_some(id);
    for (id, other) in [(keep, merged), (merged, keep)] {
        let entry = NewEntry::new(kind, id, client(id), op, Some(by), now).related(RecordRef { kind, id: other });
        store::history::record(c, entry)?;
    }
    Ok(())
}

impl Engine {
    /// Merges `merge` into `keep` (both at the versions read): edit on the
    /// kept record, delete on the merged one, both visible; never on a
    /// client dashboard.
    pub(crate) fn merge_records(
        &self,
        who: &Who,
        e: DupEntity,
        keep: (Id, i64),
        merge: (Id, i64),
        rules: &MergeRules,
    ) -> Result<Merged> {
        let right = entity_right(e);
        who.require(right, Action::Edit)?;
        who.require(right, Action::Delete)?;
        if who.scope.is_some() {
            return Err(who.office_forbidden("records outside the client of this dashboard"));
        }
        if keep.0 == merge.0 {
            return Err(Error::validation("merge", "same_record", "a record cannot be merged into itself"));
        }
        let now = ms(self.now());
        self.write(|c| {
            visible(c, who, e, keep.0)?;
            visible(c, who, e, merge.0)?;
            // A contact merge rewrites every link of both contacts: one
            // linked to a client of an office the actor does not see is
            // refused whole (naming no client), not merged behind its back.
            if e == DupEntity::Contact {
                for id in [keep.0, merge.0] {
                    let offices = store::contacts::linked_offices(c, id)?;
                    if offices.iter().any(|o| !who.rights.sees_office(o.as_deref())) {
                        return Err(who.office_forbidden("contacts linked to clients of other offices"));
                    }
                }
            }
            let (label, entity) = match e {
                DupEntity::Client => {
                    let r = store::clients::get(c, merge.0, false)?
                        .ok_or(Error::NotFound { entity: "client", id: merge.0 })?;
                    (format!("{} — {}", r.code, r.name), "client")
                }
                DupEntity::Contact => {
                    let r = store::contacts::get(c, merge.0, false)?
                        .ok_or(Error::NotFound { entity: "contact", id: merge.0 })?;
                    (r.file_as, "contact")
                }
            };
            // Versions are checked in the UPDATEs themselves: the merged
            // row first (a concurrent edit or delete of it waits or fails),
            // then the kept one.
            let tid = store::trash::open(c, entity, merge.0, &label, who.id, now)?;
            if !m::trash_row(c, e, merge.0, merge.1, tid)? {
                return Err(super::stale(name(e), merge.0, merge.1, version_of(c, e, merge.0)?));
            }
            if !m::touch(c, e, keep.0, keep.1, who.id, now)? {
                return Err(super::stale(name(e), keep.0, keep.1, version_of(c, e, keep.0)?));
            }
            let mut mv = Moves { interactions: m::interactions_of(c, e, merge.0)?, ..Moves::default() };
            m::move_interactions(c, e, &mv.interactions, merge.0, keep.0)?;
            mv.transfers = m::transfers_of(c, e, merge.0)?;
            m::move_transfers(c, e, &mv.transfers, merge.0, keep.0)?;
            match e {
                DupEntity::Client => {
                    move_client_links(c, keep.0, merge.0, rules, &mut mv)?;
                    move_assignments(c, keep.0, merge.0, &mut mv)?;
                }
                DupEntity::Contact => move_contact_links(c, keep.0, merge.0, rules, &mut mv)?,
            }
            let moved = crate::protocol::MergeMoved {
                interactions: mv.interactions.len() as u64,
                transfers: mv.transfers.len() as u64,
                links: (mv.links_moved.len() + mv.links_dropped.len()) as u64,
                assignments: (mv.assignments_moved.len() + mv.assignments_dropped.len()) as u64,
            };
            let record = m::Merge { entity: entity.to_string(), kept_id: keep.0, merged_id: merge.0, moves: mv };
            m::record(c, &record, tid, who.id, now)?;
            merge_history(c, e, keep.0, merge.0, HistoryOp::Merge, who.id, now)?;
            Ok(Merged { kept: keep.0, kept_version: keep.1 + 1, trash_id: tid, moved })
        })
    }
}

//! `client.merge` and `contact.merge`: everything the merged record has
//! moves onto the kept one, the merged record goes to the trash, and what
//! moved is recorded (`merges`) so that restoring it undoes the merge. See
//! `docs/duplicates.md`.

use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{MergeRules, MergeSide, Merged, NotRestored, RestoreIssue, RestoreItem};
use crate::store::merge::{self as m, CustomMove, Moves};
use crate::store::{self, Conn};
use crate::text::PhoneRegion;
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
    // Links that move go in one UPDATE at the end (demotions first).
    let mut to_move = Vec::new();
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
                    mv.roles_set.push((contact, role.clone()));
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
        to_move.push(contact);
        mv.roles_set.push((contact, role_now));
        mv.links_moved.push((contact, role));
    }
    m::move_links(c, e, merge, keep, &to_move)
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
        mv.roles_set.push((holder, ADDITIONAL.into()));
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
    let mut to_move = Vec::new();
    for (client, role) in m::links(c, e, merge)? {
        match kept.get(&client) {
            None => {
                to_move.push(client);
                mv.roles_set.push((client, role.clone()));
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
                        mv.roles_set.push((client, role.clone()));
                        m::set_role(c, e, keep, client, &role)?;
                    }
                }
            }
        }
    }
    m::move_links(c, e, merge, keep, &to_move)
}

/// Client merge: the people in charge of the merged client join the kept
/// one's, after them; the same staff member in the same role stays once.
fn move_assignments(c: &mut Conn, keep: Id, merge: Id, mv: &mut Moves) -> Result<()> {
    let kept = m::assignments(c, keep)?;
    let mut next = kept.iter().map(|(_, _, p)| p + 1).max().unwrap_or(0);
    let theirs = m::assignments(c, merge)?;
    m::unassign_all(c, merge)?;
    for (role, staff, position) in theirs {
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

/// A client's or a contact's own data (live or in the trash), with its
/// tags (and a client's people in charge).
enum Data {
    Client(ClientData),
    Contact(ContactData),
}

impl Data {
    fn read(c: &mut Conn, e: DupEntity, id: Id) -> Result<Data> {
        let gone = || Error::NotFound { entity: name(e), id };
        Ok(match e {
            DupEntity::Client => {
                let row = store::clients::get(c, id, true)?.ok_or_else(gone)?;
                Data::Client(store::clients::records(c, vec![row])?.pop().ok_or_else(gone)?.data)
            }
            DupEntity::Contact => {
                let mut rec = store::contacts::get(c, id, true)?.ok_or_else(gone)?.into_record()?;
                rec.data.tags = store::tags::of_contact(c, id)?;
                Data::Contact(rec.data)
            }
        })
    }

    fn parts(&mut self) -> (&mut std::collections::BTreeMap<String, serde_json::Value>, &mut Vec<String>) {
        match self {
            Data::Client(d) => (&mut d.custom, &mut d.tags),
            Data::Contact(d) => (&mut d.custom, &mut d.tags),
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Data::Client(d) => serde_json::to_value(d),
            Data::Contact(d) => serde_json::to_value(d),
        }
        .unwrap_or_default()
    }

    /// Writes the custom values and tags back (not the version).
    fn write(&self, c: &mut Conn, id: Id, actor: Id, now: i64, region: PhoneRegion) -> Result<()> {
        match self {
            Data::Client(d) => m::rewrite_client(c, id, d, actor, now, region),
            Data::Contact(d) => m::rewrite_contact(c, id, d, actor, now, region),
        }
    }
}

/// The merged record's custom values and tags join the kept record's: a
/// value fills a gap (or, with `custom: merged`, replaces the kept
/// record's), tags are the union. What was written is recorded in `mv`.
/// The merged record keeps its own (they come back with it).
fn carry_values(kept: &mut Data, merged: &mut Data, side: Option<MergeSide>, mv: &mut Moves) {
    let (custom, tags) = kept.parts();
    let (their_custom, their_tags) = merged.parts();
    for (key, value) in their_custom.iter() {
        if value.is_null() {
            continue;
        }
        let before = custom.get(key).filter(|v| !v.is_null()).cloned();
        let take = match &before {
            None => true,
            Some(v) => side == Some(MergeSide::Merged) && v != value,
        };
        if take {
            custom.insert(key.clone(), value.clone());
            mv.custom.push(CustomMove { key: key.clone(), before, set: value.clone() });
        }
    }
    for t in their_tags.iter() {
        if !tags.contains(t) {
            tags.push(t.clone());
            mv.tags_added.push(t.clone());
        }
    }
    tags.sort();
}

/// Takes back from the kept record what [`carry_values`] wrote, except a
/// value edited since (the edit stays; reported).
fn uncarry_values(kept: &mut Data, mv: &Moves, out: &mut Vec<NotRestored>) {
    let (custom, tags) = kept.parts();
    for cm in &mv.custom {
        if custom.get(&cm.key) != Some(&cm.set) {
            out.push(issue(
                RestoreItem::Custom,
                None,
                None,
                Some(cm.key.clone()),
                RestoreIssue::EditedSince,
                format!("la valeur « {} » a été modifiée depuis la fusion : la modification est gardée", cm.key),
                format!("the value '{}' was edited since the merge: the edit stays", cm.key),
            ));
            continue;
        }
        match &cm.before {
            Some(v) => custom.insert(cm.key.clone(), v.clone()),
            None => custom.remove(&cm.key),
        };
    }
    tags.retain(|t| !mv.tags_added.contains(t));
}

fn issue(
    item: RestoreItem,
    id: Option<Id>,
    role: Option<String>,
    key: Option<String>,
    reason: RestoreIssue,
    message_fr: String,
    message_en: String,
) -> NotRestored {
    NotRestored { item, id, role, key, reason, message_fr, message_en }
}

/// The client of a link between `id` (of kind `e`) and `other`, and its
/// contact.
fn link_pair(e: DupEntity, id: Id, other: Id) -> (Id, Id) {
    match e {
        DupEntity::Client => (id, other),
        DupEntity::Contact => (other, id),
    }
}

/// Someone other than `contact` holds the primary role of `client`.
fn primary_taken(c: &mut Conn, client: Id, contact: Id) -> Result<bool> {
    Ok(store::contacts::primary_of(c, client)?.is_some_and(|(holder, _)| holder != contact))
}

fn primary_taken_issue(other: Id, role: &str) -> NotRestored {
    issue(
        RestoreItem::Link,
        Some(other),
        Some(role.to_string()),
        None,
        RestoreIssue::PrimaryTaken,
        format!("le lien avec {other} n'est pas redevenu principal : un autre contact l'est maintenant"),
        format!("the link with {other} is not primary again: another contact is primary now"),
    )
}

/// Undoes a merge before its merged record comes back: moves back what
/// moved and still is where the merge put it, keeps what was edited or
/// added since, and answers what it left where it is (see
/// `docs/duplicates.md`). Refused while the kept record is in the trash;
/// nothing to undo when it was purged. Never refused for what changed
/// since the merge.
pub(crate) fn undo(c: &mut Conn, tid: Id, actor: Id, now: i64, region: PhoneRegion) -> Result<Vec<NotRestored>> {
    let Some(merge) = m::of_entry(c, tid)? else { return Ok(Vec::new()) };
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
        return Ok(Vec::new());
    }
    let Some(kept_version) = version_of(c, e, keep)? else {
        return Err(Error::validation(
            "id",
            "parent_in_trash",
            format!("the {} {keep} this record was merged into is in the trash: restore it first", name(e)),
        ));
    };
    // The kept record first: a concurrent edit of it waits or conflicts.
    if !m::touch(c, e, keep, kept_version, actor, now)? {
        return Err(super::stale(name(e), keep, kept_version, version_of(c, e, keep)?));
    }
    let mut out = Vec::new();
    let mut kept = Data::read(c, e, keep)?;
    let before = kept.json();
    let mv = merge.moves;

    // Interactions and transfers still on the kept record go back; those
    // moved elsewhere since stay there, those purged are gone.
    let moved_interactions = m::move_interactions(c, e, &mv.interactions, keep, back, actor, now)?;
    let moved: std::collections::HashSet<Id> = moved_interactions.iter().map(|m| m.0).collect();
    let rest: Vec<Id> = mv.interactions.iter().copied().filter(|i| !moved.contains(i)).collect();
    let still = m::existing_interactions(c, &rest)?;
    for id in rest {
        out.push(if still.contains(&id) {
            issue(
                RestoreItem::Interaction,
                Some(id),
                None,
                None,
                RestoreIssue::MovedSince,
                format!("l'interaction {id} a été déplacée depuis la fusion : elle reste où elle est"),
                format!("interaction {id} was moved since the merge: it stays where it is"),
            )
        } else {
            issue(
                RestoreItem::Interaction,
                Some(id),
                None,
                None,
                RestoreIssue::Gone,
                format!("l'interaction {id} a été supprimée définitivement depuis la fusion"),
                format!("interaction {id} was purged since the merge"),
            )
        });
    }
    let moved_transfers = m::move_transfers(c, e, &mv.transfers, keep, back, actor, now)?;
    moved_history(c, e, &moved_interactions, &moved_transfers, keep, back, HistoryOp::Unmerge, actor, now)?;
    let moved: std::collections::HashSet<Id> = moved_transfers.iter().map(|m| m.0).collect();
    let rest: Vec<Id> = mv.transfers.iter().copied().filter(|i| !moved.contains(i)).collect();
    let still = m::existing_transfers(c, &rest)?;
    for id in rest {
        out.push(if still.contains(&id) {
            issue(
                RestoreItem::Transfer,
                Some(id),
                None,
                None,
                RestoreIssue::MovedSince,
                format!("le transfert {id} a été déplacé depuis la fusion : il reste où il est"),
                format!("file transfer {id} was moved since the merge: it stays where it is"),
            )
        } else {
            issue(
                RestoreItem::Transfer,
                Some(id),
                None,
                None,
                RestoreIssue::Gone,
                format!("le transfert {id} a été supprimé définitivement depuis la fusion"),
                format!("file transfer {id} was purged since the merge"),
            )
        });
    }

    // Links. A role the merge set and nobody changed since goes back to
    // what it was; a role edited since stays as edited. A primary role
    // taken by another contact since stays theirs.
    let now_links: std::collections::HashMap<Id, String> = m::links(c, e, keep)?.into_iter().collect();
    let set: std::collections::HashMap<Id, String> = mv.roles_set.iter().cloned().collect();
    let untouched = |other: &Id, current: &String| set.get(other).is_none_or(|s| s == current);
    for (other, role) in &mv.links_moved {
        let Some(current) = now_links.get(other) else {
            out.push(issue(
                RestoreItem::Link,
                Some(*other),
                Some(role.clone()),
                None,
                RestoreIssue::Gone,
                format!("le lien avec {other} a été retiré depuis la fusion"),
                format!("the link with {other} was removed since the merge"),
            ));
            continue;
        };
        let target = if untouched(other, current) {
            role.clone()
        } else {
            out.push(issue(
                RestoreItem::Link,
                Some(*other),
                Some(current.clone()),
                None,
                RestoreIssue::EditedSince,
                format!("le lien avec {other} revient avec le rôle qu'il a reçu depuis la fusion ({current})"),
                format!("the link with {other} comes back with the role it was given since the merge ({current})"),
            ));
            current.clone()
        };
        // As additional while it moves (no primary clash on the way).
        m::set_role(c, e, keep, *other, ADDITIONAL)?;
        m::move_link(c, e, keep, back, *other)?;
        let (client, contact) = link_pair(e, back, *other);
        if target == PRIMARY && primary_taken(c, client, contact)? {
            out.push(primary_taken_issue(*other, &target));
        } else {
            m::set_role(c, e, back, *other, &target)?;
        }
    }
    for (other, role) in &mv.links_changed {
        let Some(current) = now_links.get(other) else { continue };
        if !untouched(other, current) {
            out.push(issue(
                RestoreItem::Link,
                Some(*other),
                Some(current.clone()),
                None,
                RestoreIssue::EditedSince,
                format!("le rôle du lien avec {other} a été modifié depuis la fusion : il reste {current}"),
                format!("the role of the link with {other} was edited since the merge: it stays {current}"),
            ));
            continue;
        }
        let (client, contact) = link_pair(e, keep, *other);
        if role == PRIMARY && primary_taken(c, client, contact)? {
            out.push(primary_taken_issue(*other, role));
        } else {
            m::set_role(c, e, keep, *other, role)?;
        }
    }
    // Links the merge folded into the kept record's are made again (with
    // the restorer as author), unless the other record is gone.
    let other_kind = match e {
        DupEntity::Client => DupEntity::Contact,
        DupEntity::Contact => DupEntity::Client,
    };
    let others: Vec<Id> = mv.links_dropped.iter().map(|(o, _)| *o).collect();
    let existing = m::existing(c, other_kind, &others)?;
    for (other, role) in &mv.links_dropped {
        if !existing.contains(other) {
            out.push(issue(
                RestoreItem::Link,
                Some(*other),
                Some(role.clone()),
                None,
                RestoreIssue::Gone,
                format!("le lien avec {other} ne revient pas : {other} a été supprimé définitivement"),
                format!("the link with {other} does not come back: {other} was purged"),
            ));
            continue;
        }
        let (client, contact) = link_pair(e, back, *other);
        let mut role = role.as_str();
        if role == PRIMARY && primary_taken(c, client, contact)? {
            out.push(primary_taken_issue(*other, role));
            role = ADDITIONAL;
        }
        m::link(c, e, back, *other, role, actor, now)?;
    }
    if e == DupEntity::Client {
        for (role, staff, _) in &mv.assignments_moved {
            m::unassign(c, keep, role, *staff)?;
        }
        let roles: Vec<String> = store::assignments::roles(c)?.into_iter().map(|r| r.code).collect();
        for (role, staff, position) in mv.assignments_moved.iter().chain(&mv.assignments_dropped) {
            if roles.contains(role) {
                m::assign(c, back, role, *staff, *position)?;
            } else {
                out.push(issue(
                    RestoreItem::Assignment,
                    Some(*staff),
                    Some(role.clone()),
                    None,
                    RestoreIssue::RoleDeleted,
                    format!(
                        "le rôle « {role} » a été supprimé depuis la fusion : {staff} n'est plus en charge à ce titre"
                    ),
                    format!("the role '{role}' was deleted since the merge: {staff} is no longer in charge as such"),
                ));
            }
        }
    }
    // Custom values and tags the kept record gained go (the merged record
    // has its own still), then the kept record is written once.
    uncarry_values(&mut kept, &mv, &mut out);
    kept.write(c, keep, actor, now, region)?;
    let after = Data::read(c, e, keep)?.json();
    let changes = crate::domain::diff(Some(&before), Some(&after));
    merge_history(c, e, keep, back, HistoryOp::Unmerge, actor, now, changes)?;
    m::forget(c, tid)?;
    Ok(out)
}

/// The interactions and transfers a merge (or its undo) moved, in their
/// own histories: the field that changed (their client, or contact), the
/// record they moved to as `related`, on their client's timeline.
#[allow(clippy::too_many_arguments)]
fn moved_history(
    c: &mut Conn,
    e: DupEntity,
    interactions: &[(Id, Option<Id>)],
    transfers: &[(Id, Option<Id>)],
    from: Id,
    to: Id,
    op: HistoryOp,
    by: Id,
    now: i64,
) -> Result<()> {
    use crate::store::history::NewEntry;
    let (to_kind, interaction_field, transfer_field) = match e {
        DupEntity::Client => (RecordKind::Client, "client_id", "client_id"),
        DupEntity::Contact => (RecordKind::Contact, "contact_id", "to_contact"),
    };
    let change = |field: &str| {
        let mut changes = Changes::new();
        changes.insert(field.to_string(), FieldChange { old: from.into(), new: to.into() });
        changes
    };
    let mut entries = Vec::with_capacity(interactions.len() + transfers.len());
    for (kind, moved, field) in
        [(RecordKind::Interaction, interactions, interaction_field), (RecordKind::Transfer, transfers, transfer_field)]
    {
        for &(id, client) in moved {
            entries.push(
                NewEntry::new(kind, id, client, op, Some(by), now)
                    .changes(change(field))
                    .related(RecordRef { kind: to_kind, id: to }),
            );
        }
    }
    store::history::record_many(c, &entries)
}

/// A merge (or its undoing) in both records' histories, each naming the
/// other; a client's entries are on its own timeline.
#[allow(clippy::too_many_arguments)]
fn merge_history(
    c: &mut Conn,
    e: DupEntity,
    keep: Id,
    merged: Id,
    op: HistoryOp,
    by: Id,
    now: i64,
    kept_changes: Changes,
) -> Result<()> {
    use crate::store::history::NewEntry;
    let kind = match e {
        DupEntity::Client => RecordKind::Client,
        DupEntity::Contact => RecordKind::Contact,
    };
    let client = |id: Id| (kind == RecordKind::Client).then_some(id);
    let mut kept_changes = Some(kept_changes);
    for (id, other) in [(keep, merged), (merged, keep)] {
        let mut entry = NewEntry::new(kind, id, client(id), op, Some(by), now).related(RecordRef { kind, id: other });
        if let Some(changes) = kept_changes.take() {
            entry = entry.changes(changes);
        }
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
            let mut kept = Data::read(c, e, keep.0)?;
            let before = kept.json();
            let mut mv = Moves { interactions: m::interactions_of(c, e, merge.0)?, ..Moves::default() };
            let moved_interactions = m::move_interactions(c, e, &mv.interactions, merge.0, keep.0, who.id, now)?;
            mv.transfers = m::transfers_of(c, e, merge.0)?;
            let moved_transfers = m::move_transfers(c, e, &mv.transfers, merge.0, keep.0, who.id, now)?;
            let (m0, k0) = (merge.0, keep.0);
            moved_history(c, e, &moved_interactions, &moved_transfers, m0, k0, HistoryOp::Merge, who.id, now)?;
            match e {
                DupEntity::Client => {
                    move_client_links(c, keep.0, merge.0, rules, &mut mv)?;
                    move_assignments(c, keep.0, merge.0, &mut mv)?;
                }
                DupEntity::Contact => move_contact_links(c, keep.0, merge.0, rules, &mut mv)?,
            }
            // Custom values and tags: read again (people in charge moved).
            if e == DupEntity::Client {
                kept = Data::read(c, e, keep.0)?;
            }
            let mut gone = Data::read(c, e, merge.0)?;
            carry_values(&mut kept, &mut gone, rules.custom, &mut mv);
            kept.write(c, keep.0, who.id, now, self.phone_region)?;
            let after = Data::read(c, e, keep.0)?.json();
            let changes = crate::domain::diff(Some(&before), Some(&after));
            let moved = crate::protocol::MergeMoved {
                interactions: mv.interactions.len() as u64,
                transfers: mv.transfers.len() as u64,
                links: (mv.links_moved.len() + mv.links_dropped.len()) as u64,
                assignments: (mv.assignments_moved.len() + mv.assignments_dropped.len()) as u64,
                custom: mv.custom.len() as u64,
                tags: mv.tags_added.len() as u64,
            };
            let record = m::Merge { entity: entity.to_string(), kept_id: keep.0, merged_id: merge.0, moves: mv };
            m::record(c, &record, tid, who.id, now)?;
            merge_history(c, e, keep.0, merge.0, HistoryOp::Merge, who.id, now, changes)?;
            Ok(Merged { kept: keep.0, kept_version: keep.1 + 1, trash_id: tid, moved })
        })
    }
}

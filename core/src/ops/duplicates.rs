//! Likely duplicates of clients and contacts: answered as warnings on
//! create and update (never blocking), per row in import reports, and by
//! `duplicates.find` for a record that exists. Only records the actor sees
//! (`visibility`) are named. See `docs/duplicates.md`.

use std::collections::{BTreeMap, HashMap};

use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::Result;
use crate::store::dupkeys::{self, Keyed};
use crate::store::{self, Conn};
use crate::text::DupKind;
use crate::visibility;

/// At most this many candidates are answered (and, per key, looked for).
const MAX_CANDIDATES: usize = 20;

fn keyed(e: DupEntity) -> Keyed {
    match e {
        DupEntity::Client => Keyed::Client,
        DupEntity::Contact => Keyed::Contact,
    }
}

fn reason(k: DupKind) -> DuplicateReason {
    match k {
        DupKind::Name => DuplicateReason::Name,
        DupKind::Email => DuplicateReason::Email,
        DupKind::Phone => DuplicateReason::Phone,
    }
}

fn messages(entity: DupEntity, id: Id, label: &str, reasons: &[DuplicateReason]) -> (String, String) {
    let fr: Vec<&str> = reasons
        .iter()
        .map(|r| match r {
            DuplicateReason::Name => "le même nom",
            DuplicateReason::Email => "le même courriel",
            DuplicateReason::Phone => "le même numéro de téléphone",
        })
        .collect();
    let en: Vec<&str> = reasons
        .iter()
        .map(|r| match r {
            DuplicateReason::Name => "the same name",
            DuplicateReason::Email => "the same e-mail",
            DuplicateReason::Phone => "the same phone number",
        })
        .collect();
    let (qui, who) = match entity {
        DupEntity::Client => ("le client", "client"),
        DupEntity::Contact => ("la personne-ressource", "contact"),
    };
    (
        format!("doublon possible : {qui} {id} ({label}) a {}", fr.join(", ")),
        format!("likely duplicate: {who} {id} ({label}) has {}", en.join(", ")),
    )
}

/// How many key holders are read at a time while looking for visible ones.
const PAGE: i64 = 64;

/// How many live holders of one key the actor cannot see are passed over
/// before the search of that key stops.
const MAX_HIDDEN: usize = 1000;

/// The label of a live record the actor sees (`None`: hidden or gone).
fn label(c: &mut Conn, who: &Who, entity: DupEntity, id: Id) -> Result<Option<String>> {
    Ok(match entity {
        DupEntity::Client => {
            if !visibility::client_visible(c, who, id)? {
                return Ok(None);
            }
            store::clients::get(c, id, false)?.map(|r| format!("{} — {}", r.code, r.name))
        }
        DupEntity::Contact => {
            if !visibility::contact_visible(c, who, id)? {
                return Ok(None);
            }
            store::contacts::get(c, id, false)?.map(|r| r.file_as)
        }
    })
}

/// The live records of `entity` the actor sees that share a key with
/// `keys`, `me` left out, with why; in id order, at most
/// [`MAX_CANDIDATES`]. Visibility is decided before the cut: each key's
/// holders are read in id order until that many visible ones are found, so
/// records the actor cannot see (other offices, the trash) neither take the
/// place of those they can nor show through the count.
pub(crate) fn candidates(
    c: &mut Conn,
    who: &Who,
    entity: DupEntity,
    keys: &[(DupKind, String)],
    me: Option<Id>,
) -> Result<Vec<Duplicate>> {
    candidates_from(c, who, entity, keys, me, Vec::new())
}

/// What [`candidates`] answers, each key's first page of holders given
/// (`first[i]` for `keys[i]`, as `dupkeys::matches` answers it with `after`
/// 0 and [`look`]'s limit; a key with no page given is read).
fn candidates_from(
    c: &mut Conn,
    who: &Who,
    entity: DupEntity,
    keys: &[(DupKind, String)],
    me: Option<Id>,
    mut first: Vec<Vec<Id>>,
) -> Result<Vec<Duplicate>> {
    // A page shorter than `PAGE` ends its key: a page given was read with
    // [`look`]'s limit, which is `PAGE`.
    debug_assert!(first.iter().all(|page| page.len() as i64 <= PAGE));
    let mut labels: HashMap<Id, Option<String>> = HashMap::new();
    let mut found: BTreeMap<Id, Vec<DuplicateReason>> = BTreeMap::new();
    for (i, (k, key)) in keys.iter().enumerate() {
        let (mut after, mut visible, mut scanned) = (0, 0, 0);
        let mut given = first.get_mut(i).map(std::mem::take);
        'key: loop {
            let ids = match given.take() {
                Some(ids) => ids,
                None => dupkeys::matches(c, keyed(entity), (*k, key), me, who.offices(), after, PAGE)?,
            };
            for &id in &ids {
                after = id;
                let seen = match labels.get(&id) {
                    Some(l) => l.is_some(),
                    None => {
                        let l = label(c, who, entity, id)?;
                        let seen = l.is_some();
                        labels.insert(id, l);
                        seen
                    }
                };
                if !seen {
                    // Contacts of other offices only (clients are filtered
                    // in SQL): bounded, so that a key shared by thousands of
                    // hidden contacts cannot hold a write for long.
                    scanned += 1;
                    if scanned == MAX_HIDDEN {
                        break 'key;
                    }
                    continue;
                }
                let r = found.entry(id).or_default();
                if !r.contains(&reason(*k)) {
                    r.push(reason(*k));
                }
                visible += 1;
                if visible == MAX_CANDIDATES {
                    break 'key;
                }
            }
            if (ids.len() as i64) < PAGE {
                break;
            }
        }
    }
    let mut out = Vec::new();
    for (id, mut reasons) in found.into_iter().take(MAX_CANDIDATES) {
        let Some(Some(label)) = labels.remove(&id) else { continue };
        reasons.sort();
        let (message_fr, message_en) = messages(entity, id, &label, &reasons);
        out.push(Duplicate { entity, id, label, reasons, message_fr, message_en });
    }
    Ok(out)
}

pub(crate) fn warnings(
    c: &mut Conn,
    who: &Who,
    entity: DupEntity,
    keys: &[(DupKind, String)],
    me: Option<Id>,
) -> Result<Vec<Warning>> {
    Ok(candidates(c, who, entity, keys, me)?.into_iter().map(Warning::LikelyDuplicate).collect())
}

/// Where a record's duplicates are looked for when its keys are written
/// (`store::history::record_with_keys`, and on PostgreSQL a client's
/// insert, `store::clients::insert_recorded`, which read each key's first
/// page of holders with them): what [`candidates`] reads first.
pub(crate) fn look(who: &Who, me: Id) -> dupkeys::Look<'_> {
    dupkeys::Look { me: Some(me), offices: who.offices(), limit: PAGE }
}

/// [`warnings`] of a record just written, each key's first page of
/// holders read with its keys (`first`, for [`look`]).
pub(crate) fn warnings_from(
    c: &mut Conn,
    who: &Who,
    entity: DupEntity,
    keys: &[(DupKind, String)],
    me: Id,
    first: Vec<Vec<Id>>,
) -> Result<Vec<Warning>> {
    Ok(candidates_from(c, who, entity, keys, Some(me), first)?.into_iter().map(Warning::LikelyDuplicate).collect())
}

impl Engine {
    /// `duplicates.find`: the likely duplicates of a record that exists
    /// (the view right on its kind; the record must be visible).
    pub(crate) fn duplicates_find(&self, who: &Who, entity: DupEntity, id: Id) -> Result<Vec<Duplicate>> {
        match entity {
            DupEntity::Client => who.require(Entity::Clients, Action::View)?,
            DupEntity::Contact => who.require(Entity::Contacts, Action::View)?,
        }
        self.read(|c| {
            match entity {
                DupEntity::Client => visibility::client(c, who, id)?,
                DupEntity::Contact => visibility::contact(c, who, id)?,
            }
            let keys = dupkeys::of(c, keyed(entity), id)?;
            candidates(c, who, entity, &keys, Some(id))
        })
    }
}

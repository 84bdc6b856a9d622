//! Likely duplicates of clients and contacts: answered as warnings on
//! create and update (never blocking), per row in import reports, and by
//! `duplicates.find` for a record that exists. Only records the actor sees
//! (`visibility`) are named. See `docs/duplicates.md`.

use std::collections::BTreeMap;

use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::Result;
use crate::store::dupkeys::{self, Keyed};
use crate::store::{self, Conn};
use crate::text::DupKind;
use crate::visibility;

/// At most this many candidates per key are read, and answered in all.
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

/// The live records of `entity` the actor sees that share a key with
/// `keys`, `me` left out, with why; in id order.
pub(crate) fn candidates(
    c: &mut Conn,
    who: &Who,
    entity: DupEntity,
    keys: &[(DupKind, String)],
    me: Option<Id>,
) -> Result<Vec<Duplicate>> {
    let mut found: BTreeMap<Id, Vec<DuplicateReason>> = BTreeMap::new();
    for (id, k) in dupkeys::matches(c, keyed(entity), keys, me, MAX_CANDIDATES as i64)? {
        let r = found.entry(id).or_default();
        if !r.contains(&reason(k)) {
            r.push(reason(k));
        }
    }
    let mut out = Vec::new();
    for (id, mut reasons) in found {
        if out.len() == MAX_CANDIDATES {
            break;
        }
        let label = match entity {
            DupEntity::Client => {
                if !visibility::client_visible(c, who, id)? {
                    continue;
                }
                match store::clients::get(c, id, false)? {
                    Some(r) => format!("{} — {}", r.code, r.name),
                    None => continue,
                }
            }
            DupEntity::Contact => {
                if !visibility::contact_visible(c, who, id)? {
                    continue;
                }
                match store::contacts::get(c, id, false)? {
                    Some(r) => r.file_as,
                    None => continue,
                }
            }
        };
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

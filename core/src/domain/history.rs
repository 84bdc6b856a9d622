//! The history of records: who changed what, when. Each write to a client,
//! contact, client–contact link, interaction or transfer records one entry
//! (a link on both its contact and its client) in the same transaction.
//! Changes are the protocol's field names with their JSON values before and
//! after, computed generically from the record as read and as written
//! ([`diff`]), so a new field is covered without a special case.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;

/// The kinds of record that have a history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Client,
    Contact,
    Interaction,
    Transfer,
}

impl RecordKind {
    pub const ALL: [RecordKind; 4] =
        [RecordKind::Client, RecordKind::Contact, RecordKind::Interaction, RecordKind::Transfer];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Client => "client",
            RecordKind::Contact => "contact",
            RecordKind::Interaction => "interaction",
            RecordKind::Transfer => "transfer",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One record: its kind and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRef {
    pub kind: RecordKind,
    pub id: Id,
}

/// What a write did to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HistoryOp {
    Create,
    Update,
    /// Moved to the trash (with the record it went with, if any).
    Trash,
    Restore,
    /// Deleted for good: recorded on the record's client when that client
    /// stays (the purged record's own history goes with it).
    Purge,
    /// Created or updated by an `import.*` request.
    Import,
    /// A transfer's move along its state machine (the sweep's expiries too,
    /// with no staff member).
    Transition,
    Assign,
    Unassign,
    /// A client–contact link made or its role changed (on both records).
    Link,
    Unlink,
    /// Another record merged into this one, or this one into another
    /// (`related` names the other record).
    Merge,
    /// A merge undone by restoring the merged record (on both records).
    Unmerge,
}

impl HistoryOp {
    pub const ALL: [HistoryOp; 13] = [
        HistoryOp::Create,
        HistoryOp::Update,
        HistoryOp::Trash,
        HistoryOp::Restore,
        HistoryOp::Purge,
        HistoryOp::Import,
        HistoryOp::Transition,
        HistoryOp::Assign,
        HistoryOp::Unassign,
        HistoryOp::Link,
        HistoryOp::Unlink,
        HistoryOp::Merge,
        HistoryOp::Unmerge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HistoryOp::Create => "create",
            HistoryOp::Update => "update",
            HistoryOp::Trash => "trash",
            HistoryOp::Restore => "restore",
            HistoryOp::Purge => "purge",
            HistoryOp::Import => "import",
            HistoryOp::Transition => "transition",
            HistoryOp::Assign => "assign",
            HistoryOp::Unassign => "unassign",
            HistoryOp::Link => "link",
            HistoryOp::Unlink => "unlink",
            HistoryOp::Merge => "merge",
            HistoryOp::Unmerge => "unmerge",
        }
    }

    pub fn parse(s: &str) -> Option<HistoryOp> {
        HistoryOp::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How a person reads it (French, English).
    pub fn label(self, french: bool) -> &'static str {
        let (fr, en) = match self {
            HistoryOp::Create => ("Création", "Created"),
            HistoryOp::Update => ("Modification", "Updated"),
            HistoryOp::Trash => ("Mis à la corbeille", "Moved to the trash"),
            HistoryOp::Restore => ("Restauration", "Restored"),
            HistoryOp::Purge => ("Supprimé définitivement", "Deleted for good"),
            HistoryOp::Import => ("Importé", "Imported"),
            HistoryOp::Transition => ("Changement d'état", "Status changed"),
            HistoryOp::Assign => ("Responsable ajouté", "Person in charge added"),
            HistoryOp::Unassign => ("Responsable retiré", "Person in charge removed"),
            HistoryOp::Link => ("Lien client–contact", "Client–contact link"),
            HistoryOp::Unlink => ("Lien retiré", "Link removed"),
            HistoryOp::Merge => ("Fusion", "Merged"),
            HistoryOp::Unmerge => ("Fusion annulée", "Merge undone"),
        };
        if french { fr } else { en }
    }
}

/// A field's value before and after a write (`null` for none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct FieldChange {
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

/// Changed fields by their protocol name.
pub type Changes = BTreeMap<String, FieldChange>;

/// One entry of a record's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct HistoryEntry {
    pub id: Id,
    pub record: RecordRef,
    pub op: HistoryOp,
    /// The staff member who made the write; none when the engine did
    /// (a transfer's expiry).
    pub by: Option<Id>,
    #[serde(serialize_with = "crate::time::ser_utc")]
    pub at: DateTime<Utc>,
    /// Each changed field with its old and new value (the protocol's field
    /// names and JSON values). Trash, restore and purge change none; nor
    /// does a record created by an import (its first state is the record).
    pub changes: Changes,
    /// The other record of a link or unlink (the client on a contact's
    /// entry, the contact on a client's), or of a merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<RecordRef>,
}

/// One item of a client timeline with its changes: an interaction, or an
/// entry of the history of the client or of one of its records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum TimelineItem {
    Interaction(super::Record<super::InteractionData>),
    Change(HistoryEntry),
}

/// The fields that differ between a record as read (`None`: it did not
/// exist) and as written (`None`: it is gone), by their serialised names.
/// A field absent on one side counts as `null`; equal values are left out.
pub fn diff<T: Serialize>(old: Option<&T>, new: Option<&T>) -> Changes {
    let fields = |v: Option<&T>| match v.map(serde_json::to_value) {
        Some(Ok(serde_json::Value::Object(m))) => m,
        _ => serde_json::Map::new(),
    };
    let (old, new) = (fields(old), fields(new));
    let mut out = Changes::new();
    for key in old.keys().chain(new.keys()) {
        if out.contains_key(key) {
            continue;
        }
        let o = old.get(key).cloned().unwrap_or(serde_json::Value::Null);
        let n = new.get(key).cloned().unwrap_or(serde_json::Value::Null);
        if o != n {
            out.insert(key.clone(), FieldChange { old: o, new: n });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_names_only_changed_fields() {
        let a = json!({"name": "Hélène", "phone": null, "tags": [1]});
        let b = json!({"name": "Hélène Côté", "tags": [1], "email": "h@x.ca"});
        let d = diff(Some(&a), Some(&b));
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d["name"], FieldChange { old: json!("Hélène"), new: json!("Hélène Côté") });
        assert_eq!(d["email"], FieldChange { old: json!(null), new: json!("h@x.ca") });
        assert!(diff(Some(&a), Some(&a)).is_empty());
        assert_eq!(diff(None, Some(&a)).len(), 2, "a creation names every field with a value");
    }

    #[test]
    fn every_op_and_kind_reads_back() {
        for op in HistoryOp::ALL {
            assert_eq!(HistoryOp::parse(op.as_str()), Some(op));
            assert_eq!(serde_json::to_value(op).unwrap(), json!(op.as_str()));
            assert_ne!(op.label(true), op.label(false));
        }
        for k in RecordKind::ALL {
            assert_eq!(RecordKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), json!(k.as_str()));
        }
    }
}

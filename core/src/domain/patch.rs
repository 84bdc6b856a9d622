//! Partial updates: what an `*.update` request carries.
//!
//! A patch names only the fields that change, with the semantics of JSON
//! Merge Patch (RFC 7396):
//! - a field left out keeps its value;
//! - `null` clears an optional field (a list becomes empty, a field with a
//!   default goes back to the value a create without it would get); `null`
//!   on a required field (a client's `code`, an interaction's `subject`...)
//!   is refused with a `validation` error naming the field;
//! - a list given (`phones`, `emails`, `email_to`...) replaces the list;
//! - a nested object (`address`, `retention`, `custom`, `rights`) merges
//!   field by field, by the same rules;
//! - a field the record does not have is refused (`bad_request` naming it).
//!
//! In Rust a field is `Option<Option<T>>`: `None` keeps, `Some(None)`
//! clears, `Some(Some(v))` sets. Builders set fields
//! (`ClientPatch::default().name("Côté inc.")`), and every full record
//! converts into the patch that replaces all of it
//! (`ClientPatch::from(data)`).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};

use super::*;

/// A partial update of a `Target` record.
pub trait Patch: Serialize + DeserializeOwned {
    /// The record it applies to.
    type Target: Serialize + DeserializeOwned;
    /// The fields of the patch, as named in JSON.
    const FIELDS: &'static [&'static str];
    /// Fields that cannot be cleared with `null`.
    const REQUIRED: &'static [&'static str];
}

/// A field present in the JSON, `null` or not, is `Some` (serde alone would
/// read `null` as absent).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The patch that replaces every field of `data` (fields the patch does not
/// have, such as an interaction's `transfer_id`, are left out).
pub fn full_patch<P: Patch>(data: &P::Target) -> P {
    let mut v = serde_json::to_value(data).expect("domain values always serialise");
    if let serde_json::Value::Object(map) = &mut v {
        map.retain(|k, _| P::FIELDS.contains(&k.as_str()));
    }
    serde_json::from_value(v).expect("a record's fields are its patch's fields")
}

/// RFC 7396: merges `patch` into `target`.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    use serde_json::Value;
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    let Value::Object(t) = target else { unreachable!("made an object above") };
    for (k, v) in members {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// A patch applied to a record: the merged record (not yet validated), or
/// the first required field the patch clears.
pub fn apply_patch<P: Patch>(current: &P::Target, patch: &P) -> Result<P::Target, PatchError> {
    let patch = serde_json::to_value(patch).map_err(|e| PatchError::Internal(e.to_string()))?;
    if let Some(field) = P::REQUIRED.iter().find(|f| patch.get(**f).is_some_and(serde_json::Value::is_null)) {
        return Err(PatchError::ClearsRequired(field));
    }
    let mut merged = serde_json::to_value(current).map_err(|e| PatchError::Internal(e.to_string()))?;
    merge_patch(&mut merged, &patch);
    serde_json::from_value(merged).map_err(|e| PatchError::Internal(format!("merged record does not read back: {e}")))
}

/// Why a patch could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchError {
    /// `null` on a field the record cannot be without.
    ClearsRequired(&'static str),
    /// A bug: the merged record is not a record.
    Internal(String),
}

/// Declares a patch type: every field `Option<Option<T>>`, read with
/// [`present`], left out of JSON when absent; a builder per field; the
/// conversion from a full record. Required fields carry
/// `#[schemars(with = "T")]` so the schema says they cannot be `null`.
macro_rules! patch_type {
    (
        $(#[$meta:meta])*
        pub struct $name:ident for $target:ty, required [$($req:ident),*] {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
                pub $field: Option<Option<$ty>>,
            )*
        }

        // Builders are named after the fields (`PermsPatch::add` is one).
        #[allow(clippy::should_implement_trait)]
        impl $name {
            $(
                #[doc = concat!("Sets `", stringify!($field), "`.")]
                pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                    self.$field = Some(Some(value.into()));
                    self
                }
            )*
        }

        impl Patch for $name {
            type Target = $target;
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
            const REQUIRED: &'static [&'static str] = &[$(stringify!($req)),*];
        }

        impl From<$target> for $name {
            fn from(data: $target) -> Self {
                full_patch(&data)
            }
        }
    };
}

patch_type! {
    /// Changes to a postal address: parts left out are kept.
    pub struct AddressPatch for Address, required [] {
        line1: String,
        line2: String,
        city: String,
        province: String,
        postal_code: String,
        country: String,
    }
}

patch_type! {
    /// Changes to a client's retention details: parts left out are kept.
    pub struct RetentionPatch for Retention, required [] {
        referral_type: String,
        referred_by: String,
        won_date: NaiveDate,
        won_reason: String,
        left_date: NaiveDate,
        lost_to: String,
        lost_reason: String,
    }
}

patch_type! {
    /// A partial update of a client (`client.update`): only the fields
    /// given change; `null` clears one (`code` and `name` cannot be
    /// cleared); a list given replaces the list; `address`, `retention` and
    /// `custom` merge part by part (`custom` key by key).
    pub struct ClientPatch for ClientData, required [code, name] {
        /// The firm's own client ID; unique without regard to case or accents.
        #[schemars(with = "String")]
        code: String,
        /// Name or description.
        #[schemars(with = "String")]
        name: String,
        /// `null`: back to `individual`.
        kind: ClientKind,
        /// `null`: back to `active`.
        status: ClientStatus,
        office: String,
        /// Merged part by part; `null` removes the address.
        address: AddressPatch,
        /// Replaces every phone; `null` or `[]` removes them.
        phones: Vec<Phone>,
        /// Replaces every e-mail; `null` or `[]` removes them.
        emails: Vec<Email>,
        website: String,
        notes: String,
        /// Merged part by part; `null` clears it all.
        retention: RetentionPatch,
        /// Replaces every assignment; `null` or `[]` removes them
        /// (`client.assign` and `client.unassign` change one).
        assignments: Vec<Assignment>,
        /// Replaces every tag (codes); `null` or `[]` removes them
        /// (`client.tag` adds and removes some).
        tags: Vec<String>,
        /// `fr` or `en`; `null` clears it.
        language: Language,
        /// `MM-DD`; `null` clears it.
        fiscal_year_end: String,
        /// The CRA business number; `null` clears it.
        business_number: String,
        /// The firm's own client fields, merged key by key (`null` on a
        /// key removes that value).
        custom: BTreeMap<String, serde_json::Value>,
    }
}

patch_type! {
    /// A partial update of a contact (`contact.update`): only the fields
    /// given change; `null` clears one; a list given replaces the list;
    /// `address` merges part by part. A "file as" that was derived from the
    /// name follows a change of name unless the patch sets it.
    pub struct ContactPatch for ContactData, required [] {
        first_name: String,
        last_name: String,
        /// `null`: derived again from the name ("Last, First").
        file_as: String,
        company: String,
        title: String,
        /// Replaces every phone; `null` or `[]` removes them.
        phones: Vec<Phone>,
        /// Replaces every e-mail; `null` or `[]` removes them.
        emails: Vec<Email>,
        /// Merged part by part; `null` removes the address.
        address: AddressPatch,
        notes: String,
        /// Replaces every tag (codes); `null` or `[]` removes them
        /// (`contact.tag` adds and removes some).
        tags: Vec<String>,
        /// `fr` or `en`; `null` clears it.
        language: Language,
        /// The firm's own contact fields, merged key by key (`null` on a
        /// key removes that value).
        custom: BTreeMap<String, serde_json::Value>,
    }
}

patch_type! {
    /// A partial update of an interaction (`interaction.update`): only the
    /// fields given change; `null` clears one (`kind`, `occurred_at` and
    /// `subject` cannot be cleared); a list given replaces the list;
    /// `custom` merges key by key (`null` on a key removes that value). The
    /// merged interaction is checked as a new one would be.
    pub struct InteractionPatch for InteractionData, required [kind, occurred_at, subject] {
        #[schemars(with = "InteractionKind")]
        kind: InteractionKind,
        /// When it happened (UTC).
        #[schemars(with = "DateTime<Utc>")]
        occurred_at: DateTime<Utc>,
        client_id: Id,
        contact_id: Id,
        staff_id: Id,
        #[schemars(with = "String")]
        subject: String,
        body: String,
        direction: CallDirection,
        duration_secs: i64,
        phone: String,
        email_from: String,
        /// Replaces every recipient.
        email_to: Vec<String>,
        /// Replaces every copy recipient.
        email_cc: Vec<String>,
        taken_for: String,
        taken_for_id: Id,
        /// `returned` or `closed` to act on a message.
        message_status: MessageStatus,
        /// Merged part by part (`{"done": true}` marks it done); `null`
        /// removes the follow-up.
        follow_up: FollowUpPatch,
        /// The firm's own fields, merged key by key.
        custom: BTreeMap<String, serde_json::Value>,
    }
}

patch_type! {
    /// Changes to a follow-up: parts left out are kept.
    pub struct FollowUpPatch for FollowUp, required [] {
        assignee_id: Id,
        due: NaiveDate,
        done: bool,
        /// Set by the engine when `done` changes; ignored on input.
        done_at: DateTime<Utc>,
        /// Set by the engine when `done` changes; ignored on input.
        done_by: Id,
    }
}

patch_type! {
    /// A partial update of an open transfer (`transfer.update`): subject,
    /// message and signature flag; its state moves only through
    /// `transfer.transition`.
    pub struct TransferPatch for TransferEdit, required [subject] {
        #[schemars(with = "String")]
        subject: String,
        /// `null`: no message.
        message: String,
        /// `null`: not required.
        signature_required: bool,
    }
}

patch_type! {
    /// Changes to one kind of right: parts left out are kept.
    pub struct PermsPatch for Perms, required [] {
        view: bool,
        add: bool,
        edit: bool,
        delete: bool,
    }
}

patch_type! {
    /// Changes to a staff member's rights: kinds left out are kept.
    pub struct RightsPatch for Rights, required [] {
        clients: PermsPatch,
        contacts: PermsPatch,
        interactions: PermsPatch,
        file_transfers: PermsPatch,
        /// Replaces the list; `null`: every office.
        offices: Vec<String>,
    }
}

patch_type! {
    /// A staff member as `staff.put` takes it. Without an `id` it creates
    /// one: `name` and `initials` are required, the rest defaults. With an
    /// `id` only the fields given change (`rights` merges kind by kind).
    pub struct StaffPatch for StaffData, required [name, initials] {
        #[schemars(with = "String")]
        name: String,
        #[schemars(with = "String")]
        initials: String,
        email: String,
        office: String,
        /// `null`: active.
        active: bool,
        rights: RightsPatch,
    }
}

impl StaffPatch {
    /// The staff member a create makes of this patch: `name` and
    /// `initials` must be given.
    pub fn into_new(self) -> Result<StaffData, PatchError> {
        for (field, given) in [("name", &self.name), ("initials", &self.initials)] {
            if !matches!(given, Some(Some(_))) {
                return Err(PatchError::ClearsRequired(field));
            }
        }
        let empty = StaffData {
            name: String::new(),
            initials: String::new(),
            email: None,
            office: None,
            active: true,
            rights: Rights::default(),
        };
        apply_patch(&empty, &self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_keeps_null_clears_lists_replace_objects_merge() {
        let mut c = ClientData::new("TREM-01", "Tremblay, Hélène");
        c.notes = Some("Appel".into());
        c.website = Some("https://exemple.ca".into());
        c.address = Some(Address {
            line1: Some("12 rue D'Youville".into()),
            city: Some("Québec".into()),
            ..Default::default()
        });
        c.emails = vec![Email { address: "h@exemple.ca".into(), kind: EmailKind::Work, primary: true }];
        let p: ClientPatch = serde_json::from_value(json!({
            "name": "Tremblay, Hélène (succession)",
            "notes": null,
            "emails": [],
            "address": {"city": "Lévis", "line1": null}
        }))
        .unwrap();
        let m = apply_patch(&c, &p).unwrap();
        assert_eq!(m.name, "Tremblay, Hélène (succession)");
        assert_eq!(m.code, "TREM-01");
        assert_eq!(m.notes, None);
        assert_eq!(m.website.as_deref(), Some("https://exemple.ca"));
        assert!(m.emails.is_empty());
        assert_eq!(m.address, Some(Address { city: Some("Lévis".into()), ..Default::default() }));
    }

    #[test]
    fn null_on_a_required_field_is_refused_and_unknown_fields_too() {
        let c = ClientData::new("A", "B");
        let p: ClientPatch = serde_json::from_value(json!({"code": null})).unwrap();
        assert_eq!(apply_patch(&c, &p), Err(PatchError::ClearsRequired("code")));
        let e = serde_json::from_value::<ClientPatch>(json!({"couleur": "bleu"})).unwrap_err();
        assert!(e.to_string().contains("couleur"), "{e}");
    }

    #[test]
    fn a_full_patch_replaces_everything_and_builders_set_one_field() {
        let mut old = InteractionData::note(Utc::now(), "Avant");
        old.client_id = Some(1);
        old.custom.insert("dossier".into(), json!("Impôts"));
        let mut new = InteractionData::note(Utc::now(), "Après");
        new.contact_id = Some(2);
        new.custom.insert("montant".into(), json!(12));
        let merged = apply_patch(&old, &InteractionPatch::from(new.clone())).unwrap();
        // Custom values merge key by key, even from a full record.
        new.custom.insert("dossier".into(), json!("Impôts"));
        assert_eq!(merged, new);
        let p = ClientPatch::default().name("Côté inc.");
        assert_eq!(serde_json::to_value(&p).unwrap(), json!({"name": "Côté inc."}));
    }
}

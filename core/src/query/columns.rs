//! The column catalogue of each list (the field chooser) and the
//! projection of records onto chosen columns.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::ListKind;
use crate::domain::*;

/// How a column's values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Text,
    Number,
    Date,
    DateTime,
    Bool,
}

/// A column a list can show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ColumnDef {
    pub id: String,
    pub label_fr: String,
    pub label_en: String,
    pub kind: ColumnKind,
    /// Shown when the staff member has not chosen.
    pub default_visible: bool,
    /// For a column of codes (`phone_call`, `ready_for_download`): what to
    /// show for each, in French and English.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueLabel>,
}

/// How to show one code of a column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ValueLabel {
    pub value: String,
    pub label_fr: String,
    pub label_en: String,
}

fn c(id: &str, fr: &str, en: &str, kind: ColumnKind, default_visible: bool) -> ColumnDef {
    ColumnDef { id: id.into(), label_fr: fr.into(), label_en: en.into(), kind, default_visible, values: Vec::new() }
}

/// Display labels of the code columns of a list: the filter registry's
/// choices ([`super::fields::choices`]), so every label shown can be typed
/// back in a filter.
fn value_labels(list: ListKind, column: &str) -> Vec<ValueLabel> {
    super::fields::choices(list, column)
        .into_iter()
        .map(|c| ValueLabel { value: c.code.into(), label_fr: c.label_fr.into(), label_en: c.label_en.into() })
        .collect()
}

/// The catalogue of a list, in display order. Date-time cells are RFC 3339
/// times with the firm's offset; code cells come with display labels.
///
/// Clients also have one column per role of the firm's people in charge
/// (`role.partner`…, as the filter field of that role): the names of the
/// staff members in that role, in their order, separated by `, `.
///
/// Clients and contacts have a `tags` column: its cells are arrays of tag
/// codes (sorted; `null` without any), and its `values` every tag of the
/// firm with its French and English names, so a host shows the names in
/// the viewer's language (and the tag's colour from `tag.list`).
pub fn catalogue(kind: ListKind, roles: &[StaffRole], tags: &[Tag]) -> Vec<ColumnDef> {
    catalogue_with(kind, roles, tags, &[])
}

/// Each list's catalogue for one read of an actor (their firm's roles,
/// tags and custom fields), built at its first use and kept with the actor
/// (`store::actor::Actor`) for as long as that read is fresh: a grid or an
/// export no longer builds ~40 columns with their labels and value labels
/// per request (4 % of a grid page, `perf`, 2026-12-07).
#[derive(Debug, Default)]
pub(crate) struct Catalogues([std::sync::OnceLock<Vec<ColumnDef>>; 4]);

impl Catalogues {
    /// `kind`'s catalogue with these roles, tags and custom fields, which
    /// are always the same for one `Catalogues` (the actor's).
    pub(crate) fn get(
        &self,
        kind: ListKind,
        roles: &[StaffRole],
        tags: &[Tag],
        custom: &[CustomFieldDef],
    ) -> &[ColumnDef] {
        let at = match kind {
            ListKind::Clients => 0,
            ListKind::Contacts => 1,
            ListKind::Interactions => 2,
            ListKind::Transfers => 3,
        };
        self.0[at].get_or_init(|| catalogue_with(kind, roles, tags, custom))
    }
}

/// [`catalogue`] with the firm's custom fields: clients, contacts and
/// interactions show theirs (`custom.<key>`, as the filter field), after
/// the built-in columns. `custom` may hold every custom field of the firm.
pub fn catalogue_with(kind: ListKind, roles: &[StaffRole], tags: &[Tag], custom: &[CustomFieldDef]) -> Vec<ColumnDef> {
    let mut columns = base_catalogue(kind);
    for col in &mut columns {
        col.values = value_labels(kind, &col.id);
    }
    if kind == ListKind::Clients {
        for r in roles {
            columns.push(c(&super::fields::role_field(&r.code), &r.label_fr, &r.label_en, ColumnKind::Text, false));
        }
    }
    if matches!(kind, ListKind::Clients | ListKind::Contacts) {
        let mut col = c("tags", "Étiquettes", "Tags", ColumnKind::Text, false);
        col.values = tags
            .iter()
            .map(|t| ValueLabel { value: t.code.clone(), label_fr: t.name_fr.clone(), label_en: t.name_en.clone() })
            .collect();
        columns.push(col);
    }
    columns.extend(custom_columns(kind, custom));
    columns
}

/// A record's tags as a cell: an array of codes, `null` without any.
fn tags_cell(tags: &[String]) -> Value {
    if tags.is_empty() { Value::Null } else { json!(tags) }
}

/// The columns of the custom fields of a list's records (clients,
/// contacts and interactions; none for transfers). Interactions have one
/// column per key, as their filter field (`fields.rs`): a key defined for
/// several kinds of interaction reads as its first definition, and the
/// fields of transfer events (written by the engine) have none.
pub fn custom_columns(kind: ListKind, custom: &[CustomFieldDef]) -> Vec<ColumnDef> {
    let record = match kind {
        ListKind::Clients => CustomRecord::Client,
        ListKind::Contacts => CustomRecord::Contact,
        ListKind::Interactions => CustomRecord::Interaction,
        ListKind::Transfers => return Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    custom
        .iter()
        .filter(|d| d.record == record && d.kind != Some(InteractionKind::TransferEvent))
        .filter(|d| seen.insert(d.key.as_str()))
        .map(|d| {
            let kind = match d.field_type {
                CustomFieldType::Text | CustomFieldType::Choice => ColumnKind::Text,
                CustomFieldType::Number => ColumnKind::Number,
                CustomFieldType::Date => ColumnKind::Date,
                CustomFieldType::YesNo => ColumnKind::Bool,
            };
            let mut col = c(&format!("custom.{}", d.key), &d.label_fr, &d.label_en, kind, false);
            // A firm's choices are its own words, the same in both languages.
            col.values = d
                .choices
                .iter()
                .map(|x| ValueLabel { value: x.clone(), label_fr: x.clone(), label_en: x.clone() })
                .collect();
            col
        })
        .collect()
}

/// The value of a custom field's cell (`custom.<key>`), as stored.
fn custom_cell(values: &std::collections::BTreeMap<String, Value>, col: &str) -> Option<Value> {
    col.strip_prefix("custom.").map(|key| values.get(key).cloned().unwrap_or(Value::Null))
}

fn base_catalogue(kind: ListKind) -> Vec<ColumnDef> {
    use ColumnKind::*;
    match kind {
        ListKind::Clients => vec![
            c("code", "Code client", "Client ID", Text, true),
            c("name", "Nom", "Name", Text, true),
            c("kind", "Type", "Kind", Text, false),
            c("status", "Statut", "Status", Text, true),
            c("office", "Bureau", "Office", Text, false),
            c("city", "Ville", "City", Text, false),
            c("phone", "Téléphone principal", "Primary phone", Text, true),
            c("email", "Courriel principal", "Primary e-mail", Text, true),
            c("website", "Site Web", "Website", Text, false),
            c("won", "Date d'acquisition", "Won on", Date, false),
            c("left", "Date de départ", "Left on", Date, false),
            c("language", "Langue préférée", "Preferred language", Text, false),
            c("fiscal_year_end", "Fin d'exercice", "Fiscal year end", Text, false),
            c("business_number", "Numéro d'entreprise", "Business number", Text, false),
            c("created", "Créé le", "Created", DateTime, false),
            c("updated", "Modifié le", "Updated", DateTime, false),
        ],
        ListKind::Contacts => vec![
            c("name", "Classer sous", "File as", Text, true),
            c("first_name", "Prénom", "First name", Text, false),
            c("last_name", "Nom", "Last name", Text, false),
            c("company", "Entreprise", "Company", Text, true),
            c("title", "Titre", "Title", Text, false),
            c("phone", "Téléphone principal", "Primary phone", Text, true),
            c("email", "Courriel principal", "Primary e-mail", Text, true),
            c("city", "Ville", "City", Text, false),
            c("key", "Clé", "Key", Text, false),
            c("language", "Langue préférée", "Preferred language", Text, false),
            c("updated", "Modifié le", "Updated", DateTime, false),
        ],
        ListKind::Interactions => vec![
            c("when", "Date", "When", DateTime, true),
            c("kind", "Type", "Kind", Text, true),
            c("subject", "Objet", "Subject", Text, true),
            c("client", "Client", "Client", Text, true),
            c("client_code", "Code client", "Client ID", Text, false),
            c("contact", "Personne-ressource", "Contact", Text, true),
            c("contact_key", "Clé de la personne-ressource", "Contact key", Text, false),
            c("staff", "Employé", "Staff member", Text, true),
            c("staff_initials", "Initiales de l'employé", "Staff initials", Text, false),
            c("direction", "Sens de l'appel", "Call direction", Text, false),
            c("duration", "Durée (s)", "Duration (s)", Number, false),
            c("phone", "Téléphone", "Phone", Text, false),
            c("body", "Texte", "Text", Text, false),
            c("follow_up", "Suivi par", "Follow-up by", Text, false),
            c("due", "Échéance du suivi", "Follow-up due", Date, false),
            c("done", "Suivi fait", "Follow-up done", Bool, false),
            c("for", "Message pour", "Message for", Text, false),
            c("message", "Statut du message", "Message status", Text, false),
        ],
        ListKind::Transfers => vec![
            c("sent", "Envoyé le", "Sent", DateTime, true),
            c("status", "Statut", "Status", Text, true),
            c("direction", "Sens", "Direction", Text, false),
            c("subject", "Objet", "Subject", Text, true),
            c("client", "Client", "Client", Text, true),
            c("client_code", "Code client", "Client ID", Text, false),
            c("contact", "Personne-ressource", "Contact", Text, true),
            c("contact_key", "Clé de la personne-ressource", "Contact key", Text, false),
            c("staff", "Employé", "Staff member", Text, false),
            c("staff_initials", "Initiales de l'employé", "Staff initials", Text, false),
            c("files", "Fichiers", "Files", Number, false),
            c("file_names", "Noms des fichiers", "File names", Text, false),
            c("file_sizes", "Tailles des fichiers (octets)", "File sizes (bytes)", Text, false),
            c("expires", "Expire le", "Expires", DateTime, true),
            c("closed", "Fermé le", "Closed", DateTime, false),
            c("signature", "Signature requise", "Signature required", Bool, false),
            c("message", "Message", "Message", Text, false),
        ],
    }
}

/// What a grid's chosen columns read of its rows: the table's fields
/// their cells are made from, and whether they need what the page
/// statement attaches (people in charge, tags, follow-ups). A grid's page
/// statement reads only these (`store::page::PageRow::columns_reading`):
/// the interactions grid's six default columns read 8 of an interaction's
/// 25 fields, and no body, custom fields or follow-up.
///
/// Kept beside the cells: each arm of [`column_reads`] names what the
/// same column's arm of `*_cell` reads (`tests/tests/grid_reads.rs`
/// checks every column of every list alone against all of them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reads {
    /// None: every field (a column this map does not know).
    fields: Option<Vec<&'static str>>,
    pub attached: bool,
    /// The names of the clients, contacts and staff members rows point at
    /// (interactions and transfers: `Names`).
    pub names: bool,
}

/// The pseudo-fields of [`column_reads`]: the page's attached column, and
/// the names of the records a row points at.
const ATTACHED: &str = "+attached";
const NAMES: &str = "+names";

thread_local! {
    static READ_EVERYTHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// This thread's grids read every field (`true`) or those their columns
/// show (`false`, the default): for tests that compare the two.
#[doc(hidden)]
pub fn read_everything(on: bool) {
    READ_EVERYTHING.with(|r| r.set(on));
}

impl Reads {
    /// What `columns` of `kind`'s grid read.
    pub(crate) fn of(kind: ListKind, columns: &[String]) -> Reads {
        if READ_EVERYTHING.with(std::cell::Cell::get) {
            return Reads { fields: None, attached: true, names: true };
        }
        let mut out = Reads { fields: Some(Vec::new()), attached: false, names: false };
        for col in columns {
            let Some(reads) = column_reads(kind, col) else {
                return Reads { fields: None, attached: true, names: true };
            };
            for &f in reads {
                if f == ATTACHED {
                    out.attached = true;
                } else if f == NAMES {
                    out.names = true;
                } else if let Some(v) = out.fields.as_mut()
                    && !v.contains(&f)
                {
                    v.push(f);
                }
            }
        }
        out
    }

    /// The fields read; None: every one.
    #[cfg(test)]
    pub(crate) fn fields(&self) -> Option<&[&'static str]> {
        self.fields.as_deref()
    }

    /// Whether the cells read `field` of the table.
    pub(crate) fn field(&self, field: &str) -> bool {
        self.fields.as_ref().is_none_or(|v| v.contains(&field))
    }
}

/// The fields column `col` of `kind` reads (ids of the records it names
/// included); None for a column this map does not know.
fn column_reads(kind: ListKind, col: &str) -> Option<&'static [&'static str]> {
    if col.starts_with("custom.") && kind != ListKind::Transfers {
        return Some(&["custom"]);
    }
    if col.starts_with("role.") && kind == ListKind::Clients {
        return Some(&[ATTACHED]);
    }
    Some(match (kind, col) {
        (ListKind::Clients, "code") => &["code"],
        (ListKind::Clients, "name") => &["name"],
        (ListKind::Clients, "kind") => &["kind"],
        (ListKind::Clients, "status") => &["status"],
        (ListKind::Clients, "office") => &["office"],
        (ListKind::Clients | ListKind::Contacts, "city") => &["address"],
        (ListKind::Clients | ListKind::Contacts, "phone") => &["phones"],
        (ListKind::Clients | ListKind::Contacts, "email") => &["emails"],
        (ListKind::Clients | ListKind::Contacts, "tags") => &[ATTACHED],
        (ListKind::Clients | ListKind::Contacts, "language") => &["language"],
        (ListKind::Clients | ListKind::Contacts, "updated") => &["updated_at"],
        (ListKind::Clients, "website") => &["website"],
        (ListKind::Clients, "won") => &["won_date"],
        (ListKind::Clients, "left") => &["left_date"],
        (ListKind::Clients, "fiscal_year_end") => &["fiscal_year_end"],
        (ListKind::Clients, "business_number") => &["business_number"],
        (ListKind::Clients, "created") => &["created_at"],
        (ListKind::Contacts, "key") => &["import_key"],
        (ListKind::Contacts, "name") => &["file_as"],
        (ListKind::Contacts, "first_name") => &["first_name"],
        (ListKind::Contacts, "last_name") => &["last_name"],
        (ListKind::Contacts, "company") => &["company"],
        (ListKind::Contacts, "title") => &["title"],
        (ListKind::Interactions, "when") => &["occurred_at"],
        (ListKind::Interactions, "kind") => &["kind"],
        // An engine event is worded when read (`word_event`): its subject
        // and text come from it.
        (ListKind::Interactions, "subject") => &["subject", "event"],
        (ListKind::Interactions, "body") => &["body", "event"],
        (ListKind::Interactions | ListKind::Transfers, "client" | "client_code") => &["client_id", NAMES],
        (ListKind::Interactions, "contact") => &["contact_id", NAMES],
        // Keys are read after the page (`store::bulk::contact_keys_of`),
        // and shown for the contacts whose names are (`ops::lists::grid`).
        (ListKind::Interactions, "contact_key") => &["contact_id", NAMES],
        (ListKind::Interactions, "staff" | "staff_initials") => &["staff_id", NAMES],
        (ListKind::Interactions, "direction") => &["direction"],
        (ListKind::Interactions, "duration") => &["duration_secs"],
        (ListKind::Interactions, "phone") => &["phone"],
        (ListKind::Interactions, "follow_up" | "due" | "done") => &[ATTACHED],
        // Whom a message was taken for is named by the attached column.
        (ListKind::Interactions, "for") => &["taken_for_id", ATTACHED],
        (ListKind::Interactions, "message") => &["message_status"],
        (ListKind::Transfers, "sent") => &["sent_at"],
        // An open transfer past its expiry reads as expired.
        (ListKind::Transfers, "status") => &["status", "expires_at"],
        (ListKind::Transfers, "closed") => &["closed_at", "status", "expires_at"],
        (ListKind::Transfers, "direction") => &["direction"],
        (ListKind::Transfers, "subject") => &["subject"],
        (ListKind::Transfers, "contact") => &["to_contact", NAMES],
        (ListKind::Transfers, "contact_key") => &["to_contact", NAMES],
        (ListKind::Transfers, "staff" | "staff_initials") => &["from_staff", NAMES],
        (ListKind::Transfers, "files" | "file_names" | "file_sizes") => &["files"],
        (ListKind::Transfers, "expires") => &["expires_at"],
        (ListKind::Transfers, "signature") => &["signature_required"],
        (ListKind::Transfers, "message") => &["message"],
        _ => return None,
    })
}

/// Names of the records rows point at, loaded once per page. Codes and
/// initials identify a client and a staff member in an exported file (the
/// importer finds them by these).
#[derive(Debug, Default)]
pub(crate) struct Names {
    pub clients: HashMap<Id, String>,
    pub client_codes: HashMap<Id, String>,
    pub contacts: HashMap<Id, String>,
    /// The keys contacts were imported with (`contact_key` columns).
    pub contact_keys: HashMap<Id, String>,
    pub staff: HashMap<Id, String>,
    pub staff_initials: HashMap<Id, String>,
}

/// A time as the firm reads it: RFC 3339 with the firm's offset.
fn local(t: &chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> Value {
    Value::String(t.with_timezone(&tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |x| Value::String(x.to_string()))
}

fn e<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn name(map: &HashMap<Id, String>, id: Option<Id>) -> Value {
    id.and_then(|i| map.get(&i)).map_or(Value::Null, |n| Value::String(n.clone()))
}

pub(crate) fn client_cell(r: &Record<ClientData>, col: &str, names: &Names, tz: chrono_tz::Tz) -> Value {
    let d = &r.data;
    if let Some(role) = col.strip_prefix("role.") {
        let people: Vec<&str> = d
            .assignments
            .iter()
            .filter(|a| a.role == role)
            .filter_map(|a| names.staff.get(&a.staff_id).map(String::as_str))
            .collect();
        return if people.is_empty() { Value::Null } else { Value::String(people.join(", ")) };
    }
    if let Some(v) = custom_cell(&d.custom, col) {
        return v;
    }
    match col {
        "code" => json!(d.code),
        "name" => json!(d.name),
        "kind" => e(&d.kind),
        "status" => e(&d.status),
        "office" => s(d.office.as_deref()),
        "city" => s(d.address.as_ref().and_then(|a| a.city.as_deref())),
        "phone" => s(primary_phone(&d.phones).map(|p| p.number.as_str())),
        "email" => s(primary_email(&d.emails).map(|e| e.address.as_str())),
        "website" => s(d.website.as_deref()),
        "tags" => tags_cell(&d.tags),
        "won" => e(&d.retention.won_date),
        "left" => e(&d.retention.left_date),
        "language" => e(&d.language),
        "fiscal_year_end" => s(d.fiscal_year_end.as_deref()),
        "business_number" => s(d.business_number.as_deref()),
        "created" => local(&r.created_at, tz),
        "updated" => local(&r.updated_at, tz),
        _ => Value::Null,
    }
}

/// `key`: the contact's import key (what `import.contacts` and
/// `import.links` match it by).
pub(crate) fn contact_cell(r: &Record<ContactData>, key: Option<&str>, col: &str, tz: chrono_tz::Tz) -> Value {
    let d = &r.data;
    if let Some(v) = custom_cell(&d.custom, col) {
        return v;
    }
    match col {
        "key" => s(key),
        "name" => s(d.file_as.as_deref()),
        "first_name" => json!(d.first_name),
        "last_name" => json!(d.last_name),
        "company" => s(d.company.as_deref()),
        "title" => s(d.title.as_deref()),
        "phone" => s(primary_phone(&d.phones).map(|p| p.number.as_str())),
        "email" => s(primary_email(&d.emails).map(|e| e.address.as_str())),
        "city" => s(d.address.as_ref().and_then(|a| a.city.as_deref())),
        "language" => e(&d.language),
        "updated" => local(&r.updated_at, tz),
        "tags" => tags_cell(&d.tags),
        _ => Value::Null,
    }
}

pub(crate) fn interaction_cell(r: &Record<InteractionData>, col: &str, names: &Names, tz: chrono_tz::Tz) -> Value {
    let d = &r.data;
    if let Some(v) = custom_cell(&d.custom, col) {
        return v;
    }
    match col {
        "when" => local(&d.occurred_at, tz),
        "kind" => json!(d.kind.as_str()),
        "subject" => json!(d.subject),
        "client" => name(&names.clients, d.client_id),
        "client_code" => name(&names.client_codes, d.client_id),
        "contact" => name(&names.contacts, d.contact_id),
        "contact_key" => name(&names.contact_keys, d.contact_id),
        "staff" => name(&names.staff, d.staff_id),
        "staff_initials" => name(&names.staff_initials, d.staff_id),
        "direction" => e(&d.direction),
        "duration" => e(&d.duration_secs),
        "phone" => s(d.phone.as_deref()),
        "body" => json!(d.body),
        "follow_up" => name(&names.staff, d.follow_up.as_ref().map(|f| f.assignee_id)),
        "due" => e(&d.follow_up.as_ref().and_then(|f| f.due)),
        "done" => d.follow_up.as_ref().map_or(Value::Null, |f| json!(f.done)),
        "for" => name(&names.staff, d.taken_for_id),
        "message" => d.message_status.map_or(Value::Null, |m| json!(m.as_str())),
        _ => Value::Null,
    }
}

pub(crate) fn transfer_cell(r: &Record<TransferData>, col: &str, names: &Names, tz: chrono_tz::Tz) -> Value {
    let d = &r.data;
    match col {
        "sent" => local(&d.sent_at, tz),
        "status" => json!(d.status.as_str()),
        "direction" => e(&d.direction),
        "subject" => json!(d.subject),
        "client" => name(&names.clients, Some(d.client_id)),
        "client_code" => name(&names.client_codes, Some(d.client_id)),
        "contact" => name(&names.contacts, Some(d.to_contact)),
        "staff" => name(&names.staff, Some(d.from_staff)),
        "staff_initials" => name(&names.staff_initials, Some(d.from_staff)),
        "contact_key" => name(&names.contact_keys, Some(d.to_contact)),
        "files" => json!(d.files.len()),
        "file_names" => {
            if d.files.is_empty() {
                Value::Null
            } else {
                Value::String(d.files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join("; "))
            }
        }
        // In bytes, in the order of `file_names` (what the importer pairs
        // them by).
        "file_sizes" => {
            if d.files.is_empty() {
                Value::Null
            } else {
                Value::String(d.files.iter().map(|f| f.size.to_string()).collect::<Vec<_>>().join("; "))
            }
        }
        "message" => {
            if d.message.is_empty() {
                Value::Null
            } else {
                json!(d.message)
            }
        }
        "expires" => local(&d.expires_at, tz),
        "closed" => d.closed_at.as_ref().map_or(Value::Null, |t| local(t, tz)),
        "signature" => json!(d.signature_required),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_a_cell_can_hold_has_a_label() {
        use crate::domain::*;
        let codes = |list, col| value_labels(list, col).into_iter().map(|l| l.value).collect::<Vec<_>>();
        let kinds = [
            InteractionKind::Note,
            InteractionKind::PhoneCall,
            InteractionKind::PhoneMessage,
            InteractionKind::Email,
            InteractionKind::TransferEvent,
        ];
        assert_eq!(codes(ListKind::Interactions, "kind"), kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>());
        let statuses = [
            TransferStatus::WaitingForFiles,
            TransferStatus::ReadyForDownload,
            TransferStatus::Complete,
            TransferStatus::Expired,
            TransferStatus::Canceled,
        ];
        assert_eq!(codes(ListKind::Transfers, "status"), statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>());
        for (list, col, json) in [
            (
                ListKind::Clients,
                "kind",
                serde_json::to_value([
                    ClientKind::Individual,
                    ClientKind::Business,
                    ClientKind::Trust,
                    ClientKind::Other,
                ])
                .unwrap(),
            ),
            (
                ListKind::Clients,
                "status",
                serde_json::to_value([ClientStatus::Active, ClientStatus::Inactive, ClientStatus::Prospect]).unwrap(),
            ),
            (
                ListKind::Interactions,
                "direction",
                serde_json::to_value([CallDirection::Incoming, CallDirection::Outgoing]).unwrap(),
            ),
            (
                ListKind::Transfers,
                "direction",
                serde_json::to_value([TransferDirection::SentToContact, TransferDirection::RequestedFromContact])
                    .unwrap(),
            ),
        ] {
            assert_eq!(serde_json::to_value(codes(list, col)).unwrap(), json, "{list:?} {col}");
        }
        // Catalogue columns carry them.
        assert!(catalogue(ListKind::Transfers, &[], &[]).iter().any(|c| c.id == "status" && c.values.len() == 5));
    }
}

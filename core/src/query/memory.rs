//! In-memory evaluation of filters over domain records: the reference the
//! SQL is tested against (and a way for hosts to test a record against a
//! saved filter without a round trip).
//!
//! Rows are built from the domain records alone — not from the shadow
//! columns the SQL reads — so a disagreement points at the storage or the
//! compiler.

use std::collections::HashMap;

use clientele_filter::{FieldValue, Typed};

use crate::domain::*;
use crate::text;

/// A record's field values by canonical field name.
pub type MemoryRow = HashMap<String, FieldValue>;

fn text(v: Option<&str>) -> FieldValue {
    v.map_or(FieldValue::Null, |s| FieldValue::Text(s.to_string()))
}

fn audit<T>(row: &mut MemoryRow, r: &Record<T>) {
    row.insert("id".into(), FieldValue::Int(r.id));
    row.insert("created".into(), FieldValue::DateTime(r.created_at.timestamp_millis()));
    row.insert("updated".into(), FieldValue::DateTime(r.updated_at.timestamp_millis()));
}

fn emails(list: &[Email]) -> FieldValue {
    if list.is_empty() {
        FieldValue::Null
    } else {
        FieldValue::Text(list.iter().map(|e| e.address.as_str()).collect::<Vec<_>>().join(" "))
    }
}

/// The fields of a client, with the firm's custom client fields (`defs`
/// may hold every custom field: only client ones are read).
pub fn client_row_with(r: &Record<ClientData>, defs: &[CustomFieldDef]) -> MemoryRow {
    let mut row = client_row(r);
    custom_into(&mut row, &r.data.custom, defs.iter().filter(|d| d.record == CustomRecord::Client));
    row
}

/// The fields of a contact with the firm's custom contact fields (see
/// [`client_row_with`]).
pub fn contact_row_with(r: &Record<ContactData>, linked: bool, defs: &[CustomFieldDef]) -> MemoryRow {
    let mut row = contact_row(r, linked);
    custom_into(&mut row, &r.data.custom, defs.iter().filter(|d| d.record == CustomRecord::Contact));
    row
}

/// The values of custom fields (`custom.<key>`), typed by their definition;
/// a value of another type reads as missing, as in SQL.
fn custom_into<'a>(
    row: &mut MemoryRow,
    values: &std::collections::BTreeMap<String, serde_json::Value>,
    defs: impl Iterator<Item = &'a CustomFieldDef>,
) {
    for def in defs {
        let v = match (values.get(&def.key), def.field_type) {
            (Some(serde_json::Value::String(s)), CustomFieldType::Date) => {
                s.parse().map(FieldValue::Date).unwrap_or(FieldValue::Null)
            }
            (Some(serde_json::Value::String(s)), CustomFieldType::Text | CustomFieldType::Choice) => {
                FieldValue::Text(s.clone())
            }
            (Some(serde_json::Value::Number(n)), CustomFieldType::Number) => {
                n.as_f64().map_or(FieldValue::Null, FieldValue::Float)
            }
            (Some(serde_json::Value::Bool(b)), CustomFieldType::YesNo) => FieldValue::Bool(*b),
            _ => FieldValue::Null,
        };
        row.entry(format!("custom.{}", def.key)).or_insert(v);
    }
}

/// The fields of a client (without custom fields: [`client_row_with`]).
pub fn client_row(r: &Record<ClientData>) -> MemoryRow {
    let d = &r.data;
    let mut row = MemoryRow::new();
    audit(&mut row, r);
    row.insert("code".into(), FieldValue::Text(d.code.clone()));
    row.insert("name".into(), FieldValue::Text(d.name.clone()));
    row.insert("kind".into(), FieldValue::Text(enum_text(&d.kind)));
    row.insert("status".into(), FieldValue::Text(enum_text(&d.status)));
    row.insert("office".into(), text(d.office.as_deref()));
    row.insert("city".into(), text(d.address.as_ref().and_then(|a| a.city.as_deref())));
    row.insert("email".into(), emails(&d.emails));
    row.insert("won".into(), d.retention.won_date.map_or(FieldValue::Null, FieldValue::Date));
    row.insert("left".into(), d.retention.left_date.map_or(FieldValue::Null, FieldValue::Date));
    row.insert("language".into(), d.language.map_or(FieldValue::Null, |l| FieldValue::Text(l.as_str().into())));
    row.insert("fiscal_year_end".into(), text(d.fiscal_year_end.as_deref()));
    row.insert("business_number".into(), text(d.business_number.as_deref()));
    // The people in charge: every one (`assigned`) and by role.
    let ids = |role: Option<&str>| {
        FieldValue::List(
            d.assignments
                .iter()
                .filter(|a| role.is_none_or(|r| a.role == r))
                .map(|a| FieldValue::Int(a.staff_id))
                .collect(),
        )
    };
    row.insert("assigned".into(), ids(None));
    for a in &d.assignments {
        row.entry(super::fields::role_field(&a.role)).or_insert_with(|| ids(Some(&a.role)));
    }
    row.insert("tag".into(), tag_codes(&d.tags));
    row
}

/// A record's tags: several values (codes).
fn tag_codes(tags: &[String]) -> FieldValue {
    FieldValue::List(tags.iter().map(|t| FieldValue::Text(t.clone())).collect())
}

/// The sort key of a field of the people in charge of a client (`assigned`
/// or `role.<code>`): the folded name of the first of them by name (`None`
/// without any), given every staff member's name.
pub fn assigned_sort_key(
    d: &ClientData,
    field: &str,
    staff_names: &std::collections::HashMap<Id, String>,
) -> Option<String> {
    let role = field.strip_prefix("role.");
    d.assignments
        .iter()
        .filter(|a| role.is_none_or(|r| a.role == r))
        .filter_map(|a| staff_names.get(&a.staff_id).map(|n| text::fold(n.trim())))
        .min()
}

/// The fields of a contact; `linked`: it is linked to a live client.
pub fn contact_row(r: &Record<ContactData>, linked: bool) -> MemoryRow {
    let d = &r.data;
    let mut row = MemoryRow::new();
    audit(&mut row, r);
    row.insert("name".into(), text(d.file_as.as_deref()));
    row.insert("company".into(), text(d.company.as_deref()));
    row.insert("city".into(), text(d.address.as_ref().and_then(|a| a.city.as_deref())));
    row.insert("email".into(), emails(&d.emails));
    row.insert("linked".into(), FieldValue::Bool(linked));
    row.insert("tag".into(), tag_codes(&d.tags));
    row.insert("language".into(), d.language.map_or(FieldValue::Null, |l| FieldValue::Text(l.as_str().into())));
    row
}

/// The fields of an interaction, with the firm's custom fields.
pub fn interaction_row(r: &Record<InteractionData>, defs: &[CustomFieldDef]) -> MemoryRow {
    let d = &r.data;
    let mut row = MemoryRow::new();
    audit(&mut row, r);
    row.insert("kind".into(), FieldValue::Text(d.kind.as_str().into()));
    row.insert("when".into(), FieldValue::DateTime(d.occurred_at.timestamp_millis()));
    row.insert("subject".into(), FieldValue::Text(d.subject.clone()));
    row.insert("client".into(), d.client_id.map_or(FieldValue::Null, FieldValue::Int));
    row.insert("contact".into(), d.contact_id.map_or(FieldValue::Null, FieldValue::Int));
    row.insert("staff".into(), d.staff_id.map_or(FieldValue::Null, FieldValue::Int));
    row.insert("direction".into(), d.direction.as_ref().map_or(FieldValue::Null, |x| FieldValue::Text(enum_text(x))));
    row.insert("duration".into(), d.duration_secs.map_or(FieldValue::Null, FieldValue::Int));
    let follow = d.follow_up.as_ref();
    row.insert("follow_up".into(), follow.map_or(FieldValue::Null, |f| FieldValue::Int(f.assignee_id)));
    row.insert("due".into(), follow.and_then(|f| f.due).map_or(FieldValue::Null, FieldValue::Date));
    row.insert("done".into(), follow.map_or(FieldValue::Null, |f| FieldValue::Bool(f.done)));
    row.insert("for".into(), d.taken_for_id.map_or(FieldValue::Null, FieldValue::Int));
    row.insert("message".into(), d.message_status.map_or(FieldValue::Null, |m| FieldValue::Text(m.as_str().into())));
    custom_into(&mut row, &d.custom, defs.iter().filter(|d| d.record == CustomRecord::Interaction));
    row
}

/// The fields of a file transfer.
pub fn transfer_row(r: &Record<TransferData>) -> MemoryRow {
    let d = &r.data;
    let mut row = MemoryRow::new();
    audit(&mut row, r);
    row.insert("status".into(), FieldValue::Text(d.status.as_str().into()));
    row.insert("direction".into(), FieldValue::Text(enum_text(&d.direction)));
    row.insert("subject".into(), FieldValue::Text(d.subject.clone()));
    row.insert("sent".into(), FieldValue::DateTime(d.sent_at.timestamp_millis()));
    row.insert("expires".into(), FieldValue::DateTime(d.expires_at.timestamp_millis()));
    row.insert("closed".into(), d.closed_at.map_or(FieldValue::Null, |t| FieldValue::DateTime(t.timestamp_millis())));
    row.insert("client".into(), FieldValue::Int(d.client_id));
    row.insert("contact".into(), FieldValue::Int(d.to_contact));
    row.insert("staff".into(), FieldValue::Int(d.from_staff));
    row.insert("signature".into(), FieldValue::Bool(d.signature_required));
    row
}

fn enum_text<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The keyword-index text of a client (what its keyword search sees).
/// Phones are keyed in the firm's `region` (see [`crate::text`]).
pub fn client_search_text(d: &ClientData, region: text::PhoneRegion) -> String {
    text::search_text(
        [d.code.as_str(), d.name.as_str()].into_iter().chain(d.emails.iter().map(|e| e.address.as_str())),
        d.phones.iter().map(|p| p.number.as_str()),
        region,
    )
}

/// The keyword-index text of a contact.
pub fn contact_search_text(d: &ContactData, region: text::PhoneRegion) -> String {
    text::search_text(
        [
            d.first_name.as_str(),
            d.last_name.as_str(),
            d.file_as.as_deref().unwrap_or(""),
            d.company.as_deref().unwrap_or(""),
        ]
        .into_iter()
        .chain(d.emails.iter().map(|e| e.address.as_str())),
        d.phones.iter().map(|p| p.number.as_str()),
        region,
    )
}

/// The keyword-index text of an interaction.
pub fn interaction_search_text(d: &InteractionData, region: text::PhoneRegion) -> String {
    // An event is found by its wording in either language, whichever one
    // it was stored in.
    let worded: Vec<String> =
        d.event.iter().flat_map(|e| [e.subject(true), e.body(true), e.subject(false), e.body(false)]).collect();
    text::search_text(
        [
            d.subject.as_str(),
            d.body.as_str(),
            d.email_from.as_deref().unwrap_or(""),
            d.taken_for.as_deref().unwrap_or(""),
        ]
        .into_iter()
        .chain(d.email_to.iter().map(String::as_str))
        .chain(d.email_cc.iter().map(String::as_str))
        .chain(worded.iter().map(String::as_str)),
        d.phone.as_deref(),
        region,
    )
}

/// The keyword-index text of a transfer.
pub fn transfer_search_text(d: &TransferData) -> String {
    text::search_text(
        [d.subject.as_str(), d.message.as_str()].into_iter().chain(d.files.iter().map(|f| f.name.as_str())),
        None,
        text::PhoneRegion::default(),
    )
}

/// The keywords of a list's search text (see [`super`], "Search").
pub fn search_keywords(search: &str) -> Vec<String> {
    super::search_keywords(search.trim()).into_iter().take(32).collect()
}

/// The reference meaning of a search over a record: `Some(why)` when
/// every keyword matches its own index text (`Own`), else the first of
/// `linked` (in the order given: contacts by file-as name then id, clients
/// by code then id) whose index text every keyword matches; `None`: no
/// match. Only live linked records the actor sees belong in `linked`.
pub fn search_match(own: &str, linked: &[(MatchedVia, String)], keywords: &[String]) -> Option<MatchedVia> {
    let all = |text: &str| keywords.iter().all(|k| keyword_matches(text, k));
    if all(own) {
        return Some(MatchedVia::Own);
    }
    linked.iter().find(|(_, text)| all(text)).map(|(why, _)| why.clone())
}

/// Does a keyword match a record whose index text is `search_text`?
pub fn keyword_matches(search_text: &str, keyword: &str) -> bool {
    super::sql::keyword_matches(search_text, keyword)
}

/// Evaluates a checked filter over a row, with keywords against the
/// record's index text and days in the firm's zone.
pub fn matches(filter: &Typed, row: &MemoryRow, search_text: &str, tz: chrono_tz::Tz) -> bool {
    clientele_filter::eval::eval_with(filter, row, &|k| keyword_matches(search_text, k), &|d| super::day_start(tz, d))
}

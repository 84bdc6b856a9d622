//! Field validation: lengths, required fields, e-mail and phone syntax,
//! custom fields. Every failure is an [`Error::Validation`] naming the field.

use std::collections::BTreeMap;

use crate::domain::*;
use crate::error::{Error, Result};
use crate::text;

pub(crate) const MAX_SHORT: usize = 200;
pub(crate) const MAX_CODE: usize = 30;
pub(crate) const MAX_LONG: usize = 20_000;
pub(crate) const MAX_LIST: usize = 20;

fn trimmed(field: &str, v: &str, max: usize, required: bool) -> Result<String> {
    let t = v.trim();
    if required && t.is_empty() {
        return Err(Error::validation(field, "required", "is required"));
    }
    if t.chars().count() > max {
        return Err(Error::validation(field, "too_long", format!("is longer than {max} characters")));
    }
    // Long texts (notes, bodies, messages) keep their line breaks and tabs;
    // a one-line field (a code, a name, a subject) takes none.
    let multiline = max >= MAX_LONG;
    if t.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) {
        return Err(Error::validation(field, "control_character", "contains a control character"));
    }
    Ok(t.to_string())
}

/// A one-line name (of a saved view, a layout): trimmed, 1 to `max`
/// characters, no control character.
pub(crate) fn name(field: &str, v: &str, max: usize) -> Result<String> {
    trimmed(field, v, max, true)
}

fn opt(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>> {
    match v {
        None => Ok(None),
        Some(s) => {
            let t = trimmed(field, s, max, false)?;
            Ok((!t.is_empty()).then_some(t))
        }
    }
}

/// A plausible e-mail address: one `@`, a non-empty local part, a dotted
/// domain, no spaces. Returns it trimmed.
pub(crate) fn email_address(field: &str, v: &str) -> Result<String> {
    let t = trimmed(field, v, 254, true)?;
    let ok = match t.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.len() <= 64
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
                && !t.chars().any(|c| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>')
        }
        None => false,
    };
    if !ok {
        return Err(Error::validation(field, "email", format!("'{t}' is not a valid e-mail address")));
    }
    Ok(t)
}

/// A phone number as typed: digits with the usual punctuation, an optional
/// extension (`x12`, `ext. 12`, `poste 12`); 7 to 15 digits before it.
pub(crate) fn phone_number(field: &str, v: &str) -> Result<String> {
    let t = trimmed(field, v, 40, true)?;
    let lower = text::fold(&t);
    let main = ["poste", "ext", "x"].iter().filter_map(|m| lower.find(m)).min().map_or(lower.as_str(), |i| &lower[..i]);
    let bad = main.chars().find(|c| !(c.is_ascii_digit() || " +-().".contains(*c)));
    let n = text::digits(main).len();
    if bad.is_some() || !(7..=15).contains(&n) {
        return Err(Error::validation(
            field,
            "phone",
            format!("'{t}' is not a valid phone number (7 to 15 digits, optional extension)"),
        ));
    }
    Ok(t)
}

fn phones(field: &str, list: &[Phone]) -> Result<Vec<Phone>> {
    if list.len() > MAX_LIST {
        return Err(Error::validation(field, "too_many", format!("has more than {MAX_LIST} entries")));
    }
    if list.iter().filter(|p| p.primary).count() > 1 {
        return Err(Error::validation(field, "two_primaries", "only one phone can be primary"));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, p) in list.iter().enumerate() {
        let number = phone_number(&format!("{field}[{i}].number"), &p.number)?;
        out.push(Phone { kind: p.kind, digits: text::digits(&number), number, primary: p.primary });
    }
    if !out.is_empty() && !out.iter().any(|p| p.primary) {
        out[0].primary = true;
    }
    Ok(out)
}

fn emails(field: &str, list: &[Email]) -> Result<Vec<Email>> {
    if list.len() > MAX_LIST {
        return Err(Error::validation(field, "too_many", format!("has more than {MAX_LIST} entries")));
    }
    if list.iter().filter(|e| e.primary).count() > 1 {
        return Err(Error::validation(field, "two_primaries", "only one e-mail can be primary"));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, e) in list.iter().enumerate() {
        out.push(Email {
            address: email_address(&format!("{field}[{i}].address"), &e.address)?,
            kind: e.kind,
            primary: e.primary,
        });
    }
    if !out.is_empty() && !out.iter().any(|e| e.primary) {
        out[0].primary = true;
    }
    Ok(out)
}

fn address(a: &Option<Address>) -> Result<Option<Address>> {
    let Some(a) = a else { return Ok(None) };
    let a = Address {
        line1: opt("address.line1", &a.line1, MAX_SHORT)?,
        line2: opt("address.line2", &a.line2, MAX_SHORT)?,
        city: opt("address.city", &a.city, MAX_SHORT)?,
        province: opt("address.province", &a.province, MAX_SHORT)?,
        postal_code: opt("address.postal_code", &a.postal_code, 20)?,
        country: opt("address.country", &a.country, MAX_SHORT)?,
    };
    Ok((a != Address::default()).then_some(a))
}

/// A fiscal year end, normalised to `MM-DD`: accepts `MM-DD`, `M-D`,
/// `--MM-DD` and `MM/DD`; February 29 is refused (a fiscal year of a
/// common year could not end on it).
pub(crate) fn fiscal_year_end(field: &str, v: &Option<String>) -> Result<Option<String>> {
    let Some(t) = opt(field, v, 20)? else { return Ok(None) };
    let bad = || {
        Error::validation(
            field,
            "fiscal_year_end",
            format!("'{t}' is not a valid fiscal year end (Fiscal year end): expects a month and day MM-DD (12-31)"),
        )
    };
    let s = t.strip_prefix("--").unwrap_or(&t);
    let (m, d) = s.split_once(['-', '/']).ok_or_else(bad)?;
    let num = |x: &str| -> Option<u32> {
        (!x.is_empty() && x.len() <= 2 && x.chars().all(|c| c.is_ascii_digit())).then(|| x.parse().ok()).flatten()
    };
    let (Some(m), Some(d)) = (num(m.trim()), num(d.trim())) else { return Err(bad()) };
    const DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d == 0 || d > DAYS[m as usize - 1] {
        return Err(bad());
    }
    Ok(Some(format!("{m:02}-{d:02}")))
}

/// A CRA business number, normalised: its 9 digits (the last one the Luhn
/// check digit of the first eight), then optionally a program account of
/// two letters and four digits (`RT0001`), without spaces or hyphens, in
/// capitals: `123456782RT0001`.
pub(crate) fn business_number(field: &str, v: &Option<String>) -> Result<Option<String>> {
    let Some(t) = opt(field, v, 40)? else { return Ok(None) };
    let compact: String =
        t.chars().filter(|c| !(c.is_whitespace() || *c == '-')).map(|c| c.to_ascii_uppercase()).collect();
    let bad = |why: &str| {
        Error::validation(
            field,
            "business_number",
            format!("'{t}' is not a valid business number (Business number): {why}"),
        )
    };
    let (bn, program) = compact.split_at(compact.len().min(9));
    if bn.len() != 9 || !bn.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("expects 9 digits, optionally followed by a program account such as RT0001"));
    }
    if !luhn(bn) {
        return Err(bad("its check digit is wrong"));
    }
    let p = program.as_bytes();
    if !(p.is_empty()
        || (p.len() == 6 && p[..2].iter().all(u8::is_ascii_uppercase) && p[2..].iter().all(u8::is_ascii_digit)))
    {
        return Err(bad("a program account is two letters and four digits, such as RT0001"));
    }
    Ok(Some(compact))
}

/// Whether a string of digits passes the Luhn check (the last digit checks
/// the others), as CRA business numbers and SINs do.
pub(crate) fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Checks and normalises a client (trims, derives phone digits, picks
/// primaries, checks the standard Canadian fields and the firm's custom
/// client fields against `defs`).
pub(crate) fn client(c: &ClientData, defs: &[CustomFieldDef]) -> Result<ClientData> {
    let r = &c.retention;
    Ok(ClientData {
        code: trimmed("code", &c.code, MAX_CODE, true)?,
        name: trimmed("name", &c.name, MAX_SHORT, true)?,
        kind: c.kind,
        status: c.status,
        office: opt("office", &c.office, 60)?,
        address: address(&c.address)?,
        phones: phones("phones", &c.phones)?,
        emails: emails("emails", &c.emails)?,
        website: opt("website", &c.website, MAX_SHORT)?,
        notes: opt("notes", &c.notes, MAX_LONG)?,
        retention: Retention {
            referral_type: opt("retention.referral_type", &r.referral_type, MAX_SHORT)?,
            referred_by: opt("retention.referred_by", &r.referred_by, MAX_SHORT)?,
            won_date: r.won_date,
            won_reason: opt("retention.won_reason", &r.won_reason, MAX_SHORT)?,
            left_date: r.left_date,
            lost_to: opt("retention.lost_to", &r.lost_to, MAX_SHORT)?,
            lost_reason: opt("retention.lost_reason", &r.lost_reason, MAX_SHORT)?,
        },
        assignments: assignments(&c.assignments)?,
        tags: tag_refs(&c.tags)?,
        language: c.language,
        fiscal_year_end: fiscal_year_end("fiscal_year_end", &c.fiscal_year_end)?,
        business_number: business_number("business_number", &c.business_number)?,
        custom: custom_values(CustomRecord::Client, None, &c.custom, defs)?,
    })
}

/// The most tags on one client or contact.
pub(crate) const MAX_TAGS: usize = 50;

/// Checks the shape of a record's tags (each a code or a name, trimmed,
/// not empty); what they name is resolved against the firm's tags by the
/// write (`ops::tags`), which also sorts them and drops repeats.
pub(crate) fn tag_refs(list: &[String]) -> Result<Vec<String>> {
    if list.len() > MAX_TAGS {
        return Err(Error::validation("tags", "too_many", format!("has more than {MAX_TAGS} entries")));
    }
    list.iter().enumerate().map(|(i, t)| trimmed(&format!("tags[{i}]"), t, 60, true)).collect()
}

/// Checks and normalises a tag of the firm: its code, names (not empty,
/// at most 60 characters) and colour (`#rrggbb`, lower case).
pub(crate) fn tag(t: &Tag) -> Result<Tag> {
    let code = t.code.trim();
    if !(code.len() <= 40
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'))
    {
        return Err(Error::validation(
            "code",
            "invalid_value",
            "a tag code is [a-z][a-z0-9_-]*, at most 40 characters",
        ));
    }
    let colour = t.colour.trim().to_ascii_lowercase();
    if crate::domain::luminance(&colour).is_none() {
        return Err(Error::validation("colour", "invalid_value", "a colour is #rrggbb (six hexadecimal digits)"));
    }
    Ok(Tag {
        code: code.to_string(),
        name_fr: trimmed("name_fr", &t.name_fr, 60, true)?,
        name_en: trimmed("name_en", &t.name_en, 60, true)?,
        colour,
        version: t.version,
    })
}

/// The most people in charge of one client.
pub(crate) const MAX_ASSIGNMENTS: usize = 50;

/// Checks the shape of a client's assignments (role codes, no repeated
/// role and staff member); that the roles and staff members exist is
/// checked against the database by the write (`ops::assignments`).
fn assignments(list: &[Assignment]) -> Result<Vec<Assignment>> {
    if list.len() > MAX_ASSIGNMENTS {
        return Err(Error::validation("assignments", "too_many", format!("has more than {MAX_ASSIGNMENTS} entries")));
    }
    let mut out: Vec<Assignment> = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let role = a.role.trim();
        if !role_code_ok(role) {
            return Err(Error::validation(
                format!("assignments[{i}].role"),
                "invalid_value",
                "a role code is [a-z][a-z0-9_]*, at most 40 characters",
            ));
        }
        let a = Assignment { role: role.to_string(), staff_id: a.staff_id };
        if out.contains(&a) {
            return Err(Error::validation(
                format!("assignments[{i}]"),
                "duplicate",
                format!("staff member {} already has the role `{}`", a.staff_id, a.role),
            ));
        }
        out.push(a);
    }
    Ok(out)
}

/// A role code: `[a-z][a-z0-9_]*`, at most 40 characters.
pub(crate) fn role_code_ok(code: &str) -> bool {
    code.len() <= 40
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks and normalises a role of the firm.
pub(crate) fn staff_role(r: &StaffRole) -> Result<StaffRole> {
    if !role_code_ok(r.code.trim()) {
        return Err(Error::validation(
            "code",
            "invalid_value",
            "a role code is [a-z][a-z0-9_]*, at most 40 characters",
        ));
    }
    Ok(StaffRole {
        code: r.code.trim().to_string(),
        label_fr: trimmed("label_fr", &r.label_fr, 60, true)?,
        label_en: trimmed("label_en", &r.label_en, 60, true)?,
        builtin: crate::domain::BUILTIN_ROLES.contains(&r.code.trim()),
    })
}

/// Checks and normalises a contact (with the firm's custom contact fields
/// in `defs`); fills `file_as`.
pub(crate) fn contact(c: &ContactData, defs: &[CustomFieldDef]) -> Result<ContactData> {
    let mut out = ContactData {
        first_name: trimmed("first_name", &c.first_name, MAX_SHORT, false)?,
        last_name: trimmed("last_name", &c.last_name, MAX_SHORT, false)?,
        file_as: opt("file_as", &c.file_as, MAX_SHORT)?,
        company: opt("company", &c.company, MAX_SHORT)?,
        title: opt("title", &c.title, MAX_SHORT)?,
        phones: phones("phones", &c.phones)?,
        emails: emails("emails", &c.emails)?,
        address: address(&c.address)?,
        notes: opt("notes", &c.notes, MAX_LONG)?,
        tags: tag_refs(&c.tags)?,
        language: c.language,
        custom: custom_values(CustomRecord::Contact, None, &c.custom, defs)?,
    };
    if out.first_name.is_empty() && out.last_name.is_empty() && out.company.is_none() {
        return Err(Error::validation(
            "last_name",
            "required",
            "a contact needs a first name, a last name or a company",
        ));
    }
    if out.file_as.is_none() {
        out.file_as = Some(out.default_file_as());
    }
    Ok(out)
}

fn address_list(field: &str, list: &[String]) -> Result<Vec<String>> {
    if list.len() > 100 {
        return Err(Error::validation(field, "too_many", "has more than 100 addresses"));
    }
    list.iter().enumerate().map(|(i, a)| email_address(&format!("{field}[{i}]"), a)).collect()
}

/// Checks an interaction against its kind and the firm's custom fields.
pub(crate) fn interaction(i: &InteractionData, defs: &[CustomFieldDef]) -> Result<InteractionData> {
    use InteractionKind::*;
    if i.kind == TransferEvent {
        return Err(Error::validation("kind", "reserved", "transfer events are recorded by the engine"));
    }
    if i.client_id.is_none() && i.contact_id.is_none() {
        return Err(Error::validation("client_id", "required", "an interaction concerns a client, a contact or both"));
    }
    let not_for = |field: &str, set: bool, allowed: bool| -> Result<()> {
        if set && !allowed {
            return Err(Error::validation(field, "not_for_kind", format!("does not apply to a {}", i.kind.as_str())));
        }
        Ok(())
    };
    not_for("direction", i.direction.is_some(), i.kind == PhoneCall)?;
    not_for("duration_secs", i.duration_secs.is_some(), i.kind == PhoneCall)?;
    not_for("phone", i.phone.is_some(), matches!(i.kind, PhoneCall | PhoneMessage))?;
    not_for("email_from", i.email_from.is_some(), i.kind == Email)?;
    not_for("email_to", !i.email_to.is_empty(), i.kind == Email)?;
    not_for("email_cc", !i.email_cc.is_empty(), i.kind == Email)?;
    not_for("taken_for", i.taken_for.is_some(), i.kind == PhoneMessage)?;
    not_for("taken_for_id", i.taken_for_id.is_some(), i.kind == PhoneMessage)?;
    not_for("message_status", i.message_status.is_some(), i.kind == PhoneMessage)?;
    if let Some(f) = &i.follow_up
        && f.assignee_id == 0
    {
        return Err(Error::validation(
            "follow_up.assignee_id",
            "required",
            "a follow-up names the staff member who must act",
        ));
    }
    if let Some(d) = i.duration_secs
        && !(0..=86_400).contains(&d)
    {
        return Err(Error::validation("duration_secs", "out_of_range", "must be between 0 and 86400 seconds"));
    }
    if i.transfer_id.is_some() {
        return Err(Error::validation("transfer_id", "reserved", "is set by the engine"));
    }
    if i.event.is_some() {
        return Err(Error::validation("event", "reserved", "is set by the engine"));
    }
    Ok(InteractionData {
        kind: i.kind,
        occurred_at: i.occurred_at,
        client_id: i.client_id,
        contact_id: i.contact_id,
        staff_id: i.staff_id,
        subject: trimmed("subject", &i.subject, MAX_SHORT, true)?,
        body: trimmed("body", &i.body, MAX_LONG, false)?,
        direction: i.direction,
        duration_secs: i.duration_secs,
        phone: i.phone.as_deref().map(|p| phone_number("phone", p)).transpose()?,
        email_from: i.email_from.as_deref().map(|e| email_address("email_from", e)).transpose()?,
        email_to: address_list("email_to", &i.email_to)?,
        email_cc: address_list("email_cc", &i.email_cc)?,
        taken_for: opt("taken_for", &i.taken_for, MAX_SHORT)?,
        taken_for_id: i.taken_for_id,
        // A phone message is new until someone acts on it.
        message_status: if i.kind == PhoneMessage { Some(i.message_status.unwrap_or_default()) } else { None },
        follow_up: i.follow_up.clone(),
        custom: custom_values(CustomRecord::Interaction, Some(i.kind), &i.custom, defs)?,
        transfer_id: None,
        event: None,
    })
}

/// Validates custom values against the definitions of `record` (and, for
/// interactions, `kind`).
pub(crate) fn custom_values(
    record: CustomRecord,
    kind: Option<InteractionKind>,
    values: &BTreeMap<String, serde_json::Value>,
    defs: &[CustomFieldDef],
) -> Result<BTreeMap<String, serde_json::Value>> {
    use serde_json::Value;
    let defs: Vec<&CustomFieldDef> =
        defs.iter().filter(|d| d.record == record && (record != CustomRecord::Interaction || d.kind == kind)).collect();
    let what = kind.map_or(record.as_str(), InteractionKind::as_str);
    let mut out = BTreeMap::new();
    for (key, v) in values {
        let field = format!("custom.{key}");
        let Some(def) = defs.iter().find(|d| &d.key == key) else {
            return Err(Error::validation(
                field,
                "unknown_field",
                format!("no custom field '{key}' is defined for {what}"),
            ));
        };
        if v.is_null() {
            continue;
        }
        let ok = match def.field_type {
            CustomFieldType::Text => match v.as_str() {
                Some(s) => {
                    trimmed(&field, s, MAX_LONG, false)?;
                    true
                }
                None => false,
            },
            CustomFieldType::Number => v.as_f64().is_some_and(f64::is_finite),
            CustomFieldType::Date => {
                v.as_str().is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
            }
            CustomFieldType::YesNo => v.is_boolean(),
            CustomFieldType::Choice => v.as_str().is_some_and(|s| def.choices.iter().any(|c| c == s)),
        };
        if !ok {
            let expected = match def.field_type {
                CustomFieldType::Text => "a text".to_string(),
                CustomFieldType::Number => "a number".to_string(),
                CustomFieldType::Date => "a date YYYY-MM-DD".to_string(),
                CustomFieldType::YesNo => "true or false".to_string(),
                CustomFieldType::Choice => format!("one of {:?}", def.choices),
            };
            return Err(Error::validation(field, "invalid_value", format!("expects {expected}")));
        }
        let v = match v {
            Value::String(s) => Value::String(s.trim().to_string()),
            v => v.clone(),
        };
        out.insert(key.clone(), v);
    }
    for d in defs {
        if d.required && !out.contains_key(&d.key) {
            return Err(Error::validation(format!("custom.{}", d.key), "required", "is required"));
        }
    }
    Ok(out)
}

/// Checks a custom field definition.
pub(crate) fn custom_field(d: &CustomFieldDef) -> Result<CustomFieldDef> {
    let key = d.key.trim();
    let good_key = key.len() <= 40
        && key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !good_key {
        return Err(Error::validation("key", "invalid_key", "must match [a-z][a-z0-9_]* (40 characters at most)"));
    }
    match (d.record, d.kind) {
        (CustomRecord::Interaction, None) => {
            return Err(Error::validation("kind", "required", "an interaction field names its interaction kind"));
        }
        (CustomRecord::Interaction, Some(InteractionKind::TransferEvent)) => {
            return Err(Error::validation("kind", "reserved", "transfer events take no custom fields"));
        }
        (CustomRecord::Client | CustomRecord::Contact, Some(_)) => {
            return Err(Error::validation("kind", "not_for_kind", "only interaction fields have a kind"));
        }
        _ => {}
    }
    if d.field_type == CustomFieldType::Choice && d.choices.is_empty() {
        return Err(Error::validation("choices", "required", "a choice field needs choices"));
    }
    if d.field_type != CustomFieldType::Choice && !d.choices.is_empty() {
        return Err(Error::validation("choices", "not_for_kind", "only a choice field has choices"));
    }
    Ok(CustomFieldDef {
        record: d.record,
        kind: d.kind,
        key: key.to_string(),
        label_fr: trimmed("label_fr", &d.label_fr, MAX_SHORT, true)?,
        label_en: trimmed("label_en", &d.label_en, MAX_SHORT, true)?,
        field_type: d.field_type,
        choices: d.choices.iter().map(|c| trimmed("choices", c, MAX_SHORT, true)).collect::<Result<_>>()?,
        required: d.required,
    })
}

/// Checks a new transfer.
pub(crate) fn new_transfer(t: &NewTransfer) -> Result<NewTransfer> {
    if t.direction == TransferDirection::RequestedFromContact && !t.files.is_empty() {
        return Err(Error::validation("files", "not_for_kind", "a request for files carries no files"));
    }
    Ok(NewTransfer {
        direction: t.direction,
        from_staff: t.from_staff,
        to_contact: t.to_contact,
        client_id: t.client_id,
        subject: trimmed("subject", &t.subject, MAX_SHORT, true)?,
        message: trimmed("message", &t.message, MAX_LONG, false)?,
        signature_required: t.signature_required,
        files: new_files("files", &t.files)?,
    })
}

/// Checks an edit of a transfer.
pub(crate) fn transfer_edit(e: &TransferEdit) -> Result<TransferEdit> {
    Ok(TransferEdit {
        subject: trimmed("subject", &e.subject, MAX_SHORT, true)?,
        message: trimmed("message", &e.message, MAX_LONG, false)?,
        signature_required: e.signature_required,
    })
}

pub(crate) fn new_files(field: &str, files: &[NewFile]) -> Result<Vec<NewFile>> {
    if files.len() > 200 {
        return Err(Error::validation(field, "too_many", "has more than 200 files"));
    }
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = trimmed(&format!("{field}[{i}].name"), &f.name, 255, true)?;
            if name.contains('/') || name.contains('\\') {
                return Err(Error::validation(
                    format!("{field}[{i}].name"),
                    "invalid_value",
                    "a file name has no path",
                ));
            }
            if f.size < 0 {
                return Err(Error::validation(format!("{field}[{i}].size"), "out_of_range", "cannot be negative"));
            }
            Ok(NewFile { name, size: f.size })
        })
        .collect()
}

/// Checks a staff member.
pub(crate) fn staff(s: &StaffData) -> Result<StaffData> {
    Ok(StaffData {
        name: trimmed("name", &s.name, MAX_SHORT, true)?,
        initials: trimmed("initials", &s.initials, 10, true)?,
        email: s.email.as_deref().map(|e| email_address("email", e)).transpose()?,
        office: opt("office", &s.office, 60)?,
        active: s.active,
        rights: s.rights.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(email_address("e", "helene.damours@cabinet-cote.qc.ca").is_ok());
        assert!(email_address("e", " jf@exemple.ca ").is_ok());
        for bad in ["", "a", "a@b", "a@@b.ca", "a b@c.ca", "@c.ca", "a@.ca", "a@c..ca", "a@c.ca."] {
            let e = email_address("e", bad).unwrap_err();
            assert_eq!(e.code(), "validation", "{bad}");
        }
    }

    #[test]
    fn phones() {
        for good in ["(514) 555-0199", "+1 514 555 0199", "514.555.0199 poste 12", "4185550000 x3"] {
            assert!(phone_number("p", good).is_ok(), "{good}");
        }
        for bad in ["", "555", "call me", "514-555-0199-9999999999", "514 555 O199"] {
            assert!(phone_number("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn business_numbers_are_checked_and_normalised() {
        let bn = |s: &str| business_number("business_number", &Some(s.to_string()));
        for (given, stored) in [
            ("123456782", "123456782"),
            (" 123 456 782 ", "123456782"),
            ("123456782RT0001", "123456782RT0001"),
            ("123456782 rt 0001", "123456782RT0001"),
            ("123-456-782-RP-0002", "123456782RP0002"),
            ("000000000", "000000000"),
        ] {
            assert_eq!(bn(given).unwrap().as_deref(), Some(stored), "{given}");
        }
        assert_eq!(bn("  ").unwrap(), None);
        for bad in [
            "123456789",
            "12345678",
            "1234567820",
            "123456782RT001",
            "123456782R10001",
            "ABCDEFGHI",
            "123456782RT0001X",
        ] {
            let e = bn(bad).unwrap_err();
            assert_eq!(e.field(), Some("business_number"), "{bad}");
            assert!(matches!(e, Error::Validation { code: "business_number", .. }), "{bad}: {e:?}");
            // Both languages name the field and the value.
            let (en, fr) = (e.body_in("en").message, e.body_in("fr").message);
            assert!(en.contains("Business number") && en.contains(bad.trim()), "{en}");
            assert!(fr.contains("Numéro d'entreprise") && fr.contains(bad.trim()) && fr != en, "{fr}");
        }
        assert!(bn("123456789").unwrap_err().body_in("fr").message.contains("chiffre de contrôle"));
    }

    #[test]
    fn fiscal_year_ends_are_a_month_and_a_day() {
        let fye = |s: &str| fiscal_year_end("fiscal_year_end", &Some(s.to_string()));
        for (given, stored) in
            [("12-31", "12-31"), ("3-31", "03-31"), ("--06-30", "06-30"), ("01/31", "01-31"), ("2-28", "02-28")]
        {
            assert_eq!(fye(given).unwrap().as_deref(), Some(stored), "{given}");
        }
        for bad in ["02-29", "02-30", "13-01", "00-10", "04-31", "12", "décembre", "12-31-2026", "1231"] {
            let e = fye(bad).unwrap_err();
            assert!(matches!(e, Error::Validation { code: "fiscal_year_end", .. }), "{bad}: {e:?}");
            assert!(e.body_in("fr").message.contains("Fin d'exercice"), "{bad}");
            assert!(e.body_in("en").message.contains("Fiscal year end"), "{bad}");
        }
    }
}

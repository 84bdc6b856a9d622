//! Every refusal of the newer requests (merges, tags, roles, custom fields,
//! history, `list.count_by`, transfer events, scope and office refusals)
//! reads in French for a French firm, on both backends: each is triggered
//! for real and its `fr` message must differ from the English one and hold
//! none of the English words the engine writes (`core/src/error_fr.rs`).

use clientele_tests::{Fixture, backend_tests};
use serde_json::{Value, json};

/// Words of the English refusals that French never uses.
const ENGLISH: &[&str] = &[
    "the",
    "is",
    "are",
    "must",
    "cannot",
    "no",
    "not",
    "has",
    "have",
    "only",
    "between",
    "first",
    "both",
    "which",
    "give",
    "expects",
    "field",
    "fields",
    "take",
    "off",
    "them",
    "into",
    "itself",
    "linked",
    "say",
    "stays",
    "used",
    "by",
    "of",
    "and",
    "or",
    "to",
    "with",
    "at",
    "most",
    "staff",
    "member",
    "host",
    "run",
    "view",
    "reach",
    "office",
    "offices",
    "contacts",
    "dashboard",
    "invalid",
    "cursor",
    "pass",
    "back",
    "unchanged",
    "group",
    "choice",
    "choices",
    "time",
    "days",
    "count",
    "limit",
    "tag",
    "role",
    "built",
    "in_use",
    "contact",
    "trash",
    "included",
    "kind",
    "events",
    "engine",
    "set",
    "defined",
    "for",
    "text",
    "number",
];

fn ok(f: &Fixture, actor: Value, request: Value) -> Value {
    let mut env = request.clone();
    env["actor"] = actor;
    let text = f.engine.execute_json(&env.to_string()).unwrap_or_else(|e| panic!("{request}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Runs a request that must be refused; checks its French message.
fn refused(f: &Fixture, actor: Value, request: Value, code: &str) {
    let mut env = request.clone();
    env["actor"] = actor;
    let e = f.engine.execute_json(&env.to_string()).err().unwrap_or_else(|| panic!("{request} was not refused"));
    let (en, fr) = (e.body_in("en"), e.body_in("fr"));
    assert_eq!(en.code, code, "{request}: {en:?}");
    assert_ne!(fr.message, en.message, "{request}: no French for {:?}", en.message);
    // Values the message quotes (codes, field names) are not words.
    let words: Vec<String> = fr
        .message
        .split(['`', '«', '»'])
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .flat_map(|(_, s)| s.split(|c: char| !c.is_alphabetic() && c != '_').map(str::to_lowercase).collect::<Vec<_>>())
        .collect();
    let field = en.field.clone().unwrap_or_default();
    let english: Vec<&String> =
        words.iter().filter(|w| ENGLISH.contains(&w.as_str()) && !field.split('.').any(|p| p == *w)).collect();
    assert!(english.is_empty(), "{request}: English words {english:?} in {:?}", fr.message);
}

fn every_new_refusal_reads_in_french(f: &Fixture) {
    let (host, admin) = (json!("host"), json!(f.admin));
    // Tags.
    let tag = json!({"code": "urgent", "name_fr": "Urgent", "name_en": "Urgent", "colour": "#aa0000"});
    ok(f, host.clone(), json!({"op": "tag.put", "tag": tag}));
    refused(
        f,
        host.clone(),
        json!({"op": "tag.put", "tag": {"code": "Bad Code", "name_fr": "x", "name_en": "x", "colour": "#aa0000"}}),
        "validation",
    );
    refused(
        f,
        host.clone(),
        json!({"op": "tag.put", "tag": {"code": "rouge", "name_fr": "x", "name_en": "x", "colour": "red"}}),
        "validation",
    );
    refused(
        f,
        host.clone(),
        json!({"op": "tag.put", "tag": {"code": "urgence", "name_fr": "URGENT", "name_en": "x", "colour": "#aa0000"}}),
        "validation",
    );
    refused(f, host.clone(), json!({"op": "tag.delete", "code": "absent", "version": 1}), "validation");
    let client = ok(
        f,
        admin.clone(),
        json!({"op": "client.create", "data": {"code": "FR-1", "name": "Refus inc.", "tags": ["urgent"]}}),
    );
    let cid = client["id"].as_i64().unwrap();
    refused(
        f,
        admin.clone(),
        json!({"op": "client.create", "data": {"code": "FR-2", "name": "Refus 2", "tags": ["absent"]}}),
        "validation",
    );
    refused(f, host.clone(), json!({"op": "tag.delete", "code": "urgent", "version": 1}), "validation");
    // Roles of people in charge.
    refused(f, host.clone(), json!({"op": "staff_role.delete", "code": "absent"}), "validation");
    refused(f, host.clone(), json!({"op": "staff_role.delete", "code": "partner"}), "validation");
    // Custom fields and their values.
    refused(
        f,
        host.clone(),
        json!({"op": "custom_field.put", "field": {"record": "client", "key": "Bad Key", "label_fr": "x", "label_en": "x", "field_type": "text"}}),
        "validation",
    );
    refused(
        f,
        host.clone(),
        json!({"op": "custom_field.put", "field": {"record": "interaction", "key": "k", "label_fr": "x", "label_en": "x", "field_type": "text"}}),
        "validation",
    );
    refused(
        f,
        host.clone(),
        json!({"op": "custom_field.put", "field": {"record": "interaction", "kind": "transfer_event", "key": "k", "label_fr": "x", "label_en": "x", "field_type": "text"}}),
        "validation",
    );
    refused(
        f,
        host.clone(),
        json!({"op": "custom_field.put", "field": {"record": "client", "key": "k", "label_fr": "x", "label_en": "x", "field_type": "choice"}}),
        "validation",
    );
    refused(
        f,
        host.clone(),
        json!({"op": "custom_field.put", "field": {"record": "client", "key": "k", "label_fr": "x", "label_en": "x", "field_type": "text", "choices": ["a"]}}),
        "validation",
    );
    ok(
        f,
        host.clone(),
        json!({"op": "custom_field.put", "field": {"record": "client", "key": "effectif", "label_fr": "Effectif", "label_en": "Headcount", "field_type": "number"}}),
    );
    refused(
        f,
        admin.clone(),
        json!({"op": "client.create", "data": {"code": "FR-3", "name": "x", "custom": {"effectif": "beaucoup"}}}),
        "validation",
    );
    refused(
        f,
        admin.clone(),
        json!({"op": "client.create", "data": {"code": "FR-4", "name": "x", "custom": {"absent": 1}}}),
        "validation",
    );
    // Merges.
    let v = client["version"].clone();
    refused(
        f,
        admin.clone(),
        json!({"op": "client.merge", "keep": cid, "keep_version": v, "merge": cid, "merge_version": v}),
        "validation",
    );
    // History and the timeline with its changes.
    refused(
        f,
        admin.clone(),
        json!({"op": "history.list", "record": {"kind": "client", "id": cid}, "limit": 0}),
        "validation",
    );
    refused(
        f,
        admin.clone(),
        json!({"op": "history.list", "record": {"kind": "client", "id": cid}, "cursor": "nimporte"}),
        "bad_request",
    );
    refused(
        f,
        admin.clone(),
        json!({"op": "client.timeline", "id": cid, "include_changes": true, "sort": "subject"}),
        "validation",
    );
    // list.count_by.
    refused(f, admin.clone(), json!({"op": "list.count_by", "list": "clients"}), "validation");
    refused(
        f,
        admin.clone(),
        json!({"op": "list.count_by", "list": "clients", "by": ["status"], "limit": 0}),
        "validation",
    );
    refused(
        f,
        admin.clone(),
        json!({"op": "list.count_by", "list": "clients", "by": ["status", "kind", "office", "language"]}),
        "validation",
    );
    refused(f, admin.clone(), json!({"op": "list.count_by", "list": "clients", "by": ["absent"]}), "validation");
    refused(f, admin.clone(), json!({"op": "list.count_by", "list": "clients", "by": ["name"]}), "validation");
    let periods = |field: &str, days: u32, count: u32| json!({"field": field, "from": "2026-11-01", "days": days, "count": count});
    refused(
        f,
        admin.clone(),
        json!({"op": "list.count_by", "list": "interactions", "periods": periods("when", 0, 4)}),
        "validation",
    );
    refused(
        f,
        admin.clone(),
        json!({"op": "list.count_by", "list": "interactions", "periods": periods("when", 7, 100_000)}),
        "validation",
    );
    refused(
        f,
        admin.clone(),
        json!({"op": "list.count_by", "list": "interactions", "periods": periods("subject", 7, 4)}),
        "validation",
    );
    // Transfer events and what only the engine sets.
    refused(
        f,
        admin.clone(),
        json!({"op": "interaction.create", "data": {"kind": "note", "occurred_at": "2026-11-30T10:00:00Z",
        "client_id": cid, "subject": "x", "transfer_id": 1}}),
        "validation",
    );
    // Who may do what.
    refused(f, host.clone(), json!({"op": "client.list"}), "forbidden");
    refused(f, host.clone(), json!({"op": "client.create", "data": {"code": "FR-5", "name": "x"}}), "forbidden");
    refused(f, admin.clone(), json!({"op": "tag.put", "tag": tag}), "forbidden");
    let office = ok(
        f,
        host.clone(),
        json!({"op": "staff.put", "staff": {"name": "Luc Bergeron", "initials": "LB",
        "office": "Québec", "active": true, "rights": {"clients": {"view": true, "add": true, "edit": true, "delete": true},
        "offices": ["Québec"]}}}),
    );
    // A client of an office the staff member does not see.
    refused(
        f,
        json!(office["id"]),
        json!({"op": "client.create", "data": {"code": "MTL-1", "name": "Loin", "office": "Montréal"}}),
        "forbidden",
    );
}

/// The refusals of the record checks (`validate.rs`: e-mail addresses,
/// phone numbers, primaries, a contact's names, an interaction's kind and
/// parties, files) and of the trash read in French too (before, they were
/// English in a French firm).
fn every_record_check_reads_in_french(f: &Fixture) {
    let admin = json!(f.admin);
    let create = |data: Value| json!({"op": "client.create", "data": data});
    refused(
        f,
        admin.clone(),
        create(json!({"code": "V-1", "name": "x", "emails": [{"address": "pas-une-adresse"}]})),
        "validation",
    );
    refused(f, admin.clone(), create(json!({"code": "V-2", "name": "x", "phones": [{"number": "12"}]})), "validation");
    refused(
        f,
        admin.clone(),
        create(json!({"code": "V-3", "name": "x", "phones": [{"number": "514 555-1212", "primary": true},
                                                           {"number": "514 555-1313", "primary": true}]})),
        "validation",
    );
    refused(
        f,
        admin.clone(),
        create(json!({"code": "V-4", "name": "x", "emails": [{"address": "a@b.ca", "primary": true},
                                                           {"address": "c@d.ca", "primary": true}]})),
        "validation",
    );
    refused(f, admin.clone(), json!({"op": "contact.create", "data": {"title": "Seul"}}), "validation");
    let cid = ok(f, admin.clone(), create(json!({"code": "V-5", "name": "Valide"})))["id"].as_i64().unwrap();
    let interaction = |extra: Value| {
        let mut data = json!({"kind": "note", "occurred_at": "2026-11-30T10:00:00Z", "client_id": cid, "subject": "x"});
        for (k, v) in extra.as_object().unwrap() {
            data[k] = v.clone();
        }
        json!({"op": "interaction.create", "data": data})
    };
    refused(f, admin.clone(), interaction(json!({"client_id": null})), "validation");
    refused(f, admin.clone(), interaction(json!({"direction": "incoming"})), "validation");
    refused(f, admin.clone(), interaction(json!({"kind": "phone_call", "duration_secs": 100_000})), "validation");
    refused(f, admin.clone(), interaction(json!({"kind": "transfer_event"})), "validation");
    refused(f, admin.clone(), interaction(json!({"follow_up": {"assignee_id": 0, "due": "2026-12-01"}})), "validation");
    let pid = ok(f, admin.clone(), json!({"op": "contact.create", "data": {"last_name": "Lié"}}))["id"].clone();
    ok(f, admin.clone(), json!({"op": "contact.link", "contact_id": pid, "client_id": cid, "role": "billing"}));
    let transfer = |direction: &str, files: Value| {
        json!({"op": "transfer.create", "data": {"direction": direction, "from_staff": f.admin, "to_contact": pid,
               "client_id": cid, "subject": "Relevés", "files": files}})
    };
    refused(f, admin.clone(), transfer("requested_from_contact", json!([{"name": "a.pdf", "size": 1}])), "validation");
    refused(f, admin.clone(), transfer("sent_to_contact", json!([{"name": "dossier/a.pdf", "size": 1}])), "validation");
    refused(f, admin.clone(), transfer("sent_to_contact", json!([{"name": "a.pdf", "size": -1}])), "validation");
    // The trash: a contact still named by a transfer cannot be purged.
    ok(f, admin.clone(), transfer("requested_from_contact", json!([])));
    let p = ok(f, admin.clone(), json!({"op": "contact.get", "id": pid}));
    let t = ok(f, admin.clone(), json!({"op": "contact.delete", "id": pid, "version": p["version"]}));
    refused(f, admin.clone(), json!({"op": "trash.purge", "id": t["trash_id"]}), "validation");
}

backend_tests!(every_new_refusal_reads_in_french, every_record_check_reads_in_french);

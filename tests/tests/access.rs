//! Access rules as a generated matrix, on both backends.
//!
//! From the list of ops (one entry per op name, checked against the
//! protocol's JSON Schema so that a new op without an entry fails here):
//! (a) every op run by a staff member lacking exactly one right it needs
//! answers `forbidden` and changes nothing; (b) every by-id op on a record
//! of another office answers exactly as an absent id (code and message
//! shape) and changes nothing; (c) every read a portlet can make, run on
//! `Engine::execute_scoped` for client A, answers nothing of client B.
//! Then one test per rule that a mutation run found untested.

use std::collections::BTreeSet;

use chrono::Duration;
use clientele_core::domain::{Perms, Rights};
use clientele_core::protocol::{Actor, DataScope, Request, Response};
use clientele_tests::{Fixture, backend_tests};
use serde_json::{Value, json};

// ------------------------------------------------------------ the world

/// Two clients in two offices: A (Montréal) and B (Québec), with what
/// belongs to each. Every text of B carries a marker the scans look for.
struct World {
    a: i64,
    b: i64,
    /// Contact of A.
    pa: i64,
    /// Contact of B only.
    pb: i64,
    /// Was A's contact when `ic` was recorded; now B's only.
    pc: i64,
    /// Interactions of A / B with their contact.
    ia: i64,
    ib: i64,
    /// Contact-only interactions (no client): of A's contact, of B's.
    ia_contact: i64,
    ib_contact: i64,
    /// An interaction of A naming `pc`, which has since moved to B.
    ic: i64,
    ta: i64,
    tb: i64,
    /// Trash entries: an interaction of A, one of B.
    trash_a: i64,
    trash_b: i64,
    /// The host's layout that is not the firm default, and its default.
    host_layout: i64,
    firm_layout: i64,
    /// Another staff member's private layout and view.
    other_layout: i64,
    other_view: i64,
    /// A staff member of Montréal with every right.
    mtl: i64,
}

/// What must never show on A's dashboard, nor in an error to Montréal.
const B_TEXT: &[&str] = &["QZB-77", "Zébulon", "Quenneville", "Quintal", "Zorglub"];
const ABSENT: i64 = 987_654;

fn json_of(r: &Response) -> Value {
    serde_json::to_value(r).unwrap()
}

fn call(f: &Fixture, actor: Value, request: &Value) -> clientele_core::Result<Value> {
    let mut env = request.clone();
    env["actor"] = actor;
    f.engine.execute_json(&env.to_string()).map(|s| serde_json::from_str(&s).unwrap())
}

fn admin(f: &Fixture, request: Value) -> Value {
    call(f, json!(f.admin), &request).unwrap_or_else(|e| panic!("{request}: {e}"))
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().or_else(|| v["trash_id"].as_i64()).unwrap_or_else(|| panic!("no id in {v}"))
}

fn note(client: Option<i64>, contact: Option<i64>, subject: &str, f: &Fixture) -> Value {
    json!({"kind": "note", "occurred_at": (f.clock.get() - Duration::hours(2)).to_rfc3339(),
           "client_id": client, "contact_id": contact, "subject": subject, "staff_id": f.admin})
}

fn world(f: &Fixture) -> World {
    call(
        f,
        json!("host"),
        &json!({"op": "tag.put", "tag": {"code": "suivi", "name_fr": "À suivre", "name_en": "Follow", "colour": "#00796b"}}),
    )
    .unwrap();
    let a = id_of(&admin(
        f,
        json!({"op": "client.create", "data": {"code": "DAM-01", "name": "Hélène D'Amours", "office": "Montréal"}}),
    ));
    let b = id_of(&admin(
        f,
        json!({"op": "client.create", "data": {"code": "QZB-77", "name": "Zébulon Québec inc.", "office": "Québec"}}),
    ));
    let contact = |first: &str, last: &str| {
        id_of(&admin(f, json!({"op": "contact.create", "data": {"first_name": first, "last_name": last}})))
    };
    let pa = contact("Jean-François", "Côté");
    let pb = contact("Xavière", "Quenneville");
    let pc = contact("Prudence", "Quintal");
    let link = |contact: i64, client: i64, role: &str| {
        admin(f, json!({"op": "contact.link", "contact_id": contact, "client_id": client, "role": role}));
    };
    link(pa, a, "primary");
    link(pb, b, "primary");
    link(pc, a, "billing");
    let interaction = |data: Value| id_of(&admin(f, json!({"op": "interaction.create", "data": data})));
    let ia = interaction(note(Some(a), Some(pa), "Rencontre annuelle", f));
    let ib = interaction(note(Some(b), Some(pb), "Rendez-vous Zorglub", f));
    let ia_contact = interaction(note(None, Some(pa), "Message de Jean-François", f));
    let ib_contact = interaction(note(None, Some(pb), "Message Zorglub-contact", f));
    let ic = interaction(note(Some(a), Some(pc), "Appel de facturation", f));
    // pc leaves A for B: the interaction of A stays, naming B's contact.
    admin(f, json!({"op": "contact.unlink", "contact_id": pc, "client_id": a}));
    link(pc, b, "billing");
    let transfer = |client: i64, contact: i64, subject: &str| {
        id_of(&admin(
            f,
            json!({"op": "transfer.create", "data": {"direction": "requested_from_contact", "from_staff": f.admin,
                   "to_contact": contact, "client_id": client, "subject": subject}}),
        ))
    };
    let ta = transfer(a, pa, "Relevés 2025");
    let tb = transfer(b, pb, "Relevés Zorglub");
    let trashed = |client: i64, contact: i64, subject: &str| {
        let id = interaction(note(Some(client), Some(contact), subject, f));
        id_of(&admin(f, json!({"op": "interaction.delete", "id": id, "version": 1})))
    };
    let trash_a = trashed(a, pa, "Brouillon");
    let trash_b = trashed(b, pb, "Brouillon Zorglub");
    let layout = |actor: Value, name: &str, firm_default: bool| {
        id_of(
            &call(
                f,
                actor,
                &json!({"op": "layout.save", "dashboard": "client", "name": name,
                        "layout": {"tiles": []}, "firm_default": firm_default}),
            )
            .unwrap(),
        )
    };
    let host_layout = layout(json!("host"), "Brouillon de l'hôte", false);
    let firm_layout = layout(json!("host"), "Défaut du cabinet", true);
    let mut everything = Rights::all();
    everything.offices = Some(vec!["Montréal".into()]);
    let mtl = f.staff("Mélanie Tremblay", everything);
    let other = f.staff("Olivier Ouellet", Rights::all());
    let other_layout = layout(json!(other), "Le mien", false);
    let other_view = id_of(
        &call(f, json!(other), &json!({"op": "view.save", "list": "clients", "name": "Privée", "filter": "nom:a"}))
            .unwrap(),
    );
    World {
        a,
        b,
        pa,
        pb,
        pc,
        ia,
        ib,
        ia_contact,
        ib_contact,
        ic,
        ta,
        tb,
        trash_a,
        trash_b,
        host_layout,
        firm_layout,
        other_layout,
        other_view,
        mtl,
    }
}

/// Everything a write could change, as the administrator and the host see
/// it (records, links, trash, layouts, views).
fn snapshot(f: &Fixture, w: &World) -> String {
    let mut out = Vec::new();
    for op in ["client.list", "contact.list", "interaction.list", "transfer.list"] {
        out.push(admin(f, json!({"op": op, "limit": 500})));
    }
    out.push(admin(f, json!({"op": "trash.list"})));
    out.push(admin(f, json!({"op": "client.contacts_of", "ids": [w.a, w.b]})));
    out.push(admin(f, json!({"op": "custom_field.list"})));
    out.push(admin(f, json!({"op": "staff.list"})));
    out.push(admin(f, json!({"op": "staff_role.list"})));
    out.push(admin(f, json!({"op": "tag.list"})));
    for kind in ["staff", "client", "firm"] {
        out.push(call(f, json!("host"), &json!({"op": "layout.list", "dashboard": kind})).unwrap());
    }
    for id in [w.host_layout, w.firm_layout, w.other_layout] {
        out.push(call(f, json!("host"), &json!({"op": "layout.get", "id": id})).unwrap());
    }
    for list in ["clients", "contacts", "interactions", "transfers"] {
        out.push(call(f, json!("host"), &json!({"op": "view.list", "list": list})).unwrap());
    }
    Value::Array(out).to_string()
}

// ------------------------------------------------------------ the ops

/// Which records a request names.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    /// Client A's (what a Montréal staff member may reach).
    Own,
    /// Client B's (another office), or the host's / another staff member's.
    Other,
    /// Ids that never existed.
    Absent,
}

/// The rights an op needs: `(entity, action)`; `host` for host-only ops.
type Needs = &'static [(&'static str, &'static str)];

/// One entry per op of the protocol: its name, the rights it needs, and
/// whether it takes the id of a record (then (b) applies).
const OPS: &[(&str, Needs, bool)] = &[
    ("staff.put", &[("host", "")], false),
    ("staff.get", &[], false),
    ("staff.list", &[], false),
    ("custom_field.put", &[("host", "")], false),
    ("custom_field.list", &[], false),
    ("staff_role.put", &[("host", "")], false),
    ("staff_role.list", &[], false),
    ("staff_role.delete", &[("host", "")], false),
    ("tag.put", &[("host", "")], false),
    ("tag.delete", &[("host", "")], false),
    ("tag.list", &[], false),
    ("client.create", &[("clients", "add")], false),
    ("client.import", &[("clients", "add")], false),
    ("import.clients", &[("clients", "add")], false),
    ("import.contacts", &[("contacts", "add")], false),
    ("import.links", &[("contacts", "edit")], false),
    ("import.interactions", &[("interactions", "add")], false),
    ("import.transfers", &[("file transfers", "add")], false),
    ("client.get", &[("clients", "view")], true),
    ("client.update", &[("clients", "edit")], true),
    ("client.assign", &[("clients", "edit")], true),
    ("client.unassign", &[("clients", "edit")], true),
    ("client.tag", &[("clients", "edit")], true),
    ("contact.tag", &[("contacts", "edit")], true),
    ("client.delete", &[("clients", "delete")], true),
    ("client.list", &[("clients", "view")], false),
    ("client.contacts", &[("clients", "view"), ("contacts", "view")], true),
    ("client.contacts_of", &[("clients", "view"), ("contacts", "view")], true),
    ("client.timeline", &[("clients", "view"), ("interactions", "view")], true),
    ("contact.create", &[("contacts", "add")], false),
    ("contact.get", &[("contacts", "view")], true),
    ("contact.update", &[("contacts", "edit")], true),
    ("contact.delete", &[("contacts", "delete")], true),
    ("contact.list", &[("contacts", "view")], false),
    ("contact.link", &[("contacts", "edit")], true),
    ("contact.unlink", &[("contacts", "edit")], true),
    ("contact.clients", &[("contacts", "view"), ("clients", "view")], true),
    ("contact.clients_of", &[("contacts", "view"), ("clients", "view")], false),
    ("interaction.create", &[("interactions", "add")], false),
    ("interaction.get", &[("interactions", "view")], true),
    ("interaction.update", &[("interactions", "edit")], true),
    ("interaction.delete", &[("interactions", "delete")], true),
    ("interaction.list", &[("interactions", "view")], true),
    ("transfer.create", &[("file transfers", "add")], false),
    ("transfer.get", &[("file transfers", "view")], true),
    ("transfer.transition", &[("file transfers", "edit")], true),
    ("transfer.update", &[("file transfers", "edit")], true),
    ("transfer.delete", &[("file transfers", "delete")], true),
    ("transfer.list", &[("file transfers", "view")], true),
    ("grid.query", &[("interactions", "view")], true),
    ("list.count_by", &[("interactions", "view")], true),
    ("client.last_interaction", &[("clients", "view"), ("interactions", "view")], false),
    ("columns.catalogue", &[], false),
    ("columns.get", &[], false),
    ("columns.save", &[], false),
    ("filter.fields", &[], false),
    ("view.save", &[], true),
    ("view.list", &[], false),
    ("view.delete", &[], true),
    ("layout.save", &[], true),
    ("layout.list", &[], false),
    ("layout.get", &[], true),
    ("layout.delete", &[], true),
    ("client.merge", &[("clients", "edit"), ("clients", "delete")], true),
    ("contact.merge", &[("contacts", "edit"), ("contacts", "delete")], true),
    ("duplicates.find", &[("clients", "view")], true),
    ("history.list", &[("interactions", "view")], true),
    ("trash.list", &[], false),
    ("trash.restore", &[("interactions", "delete")], true),
    ("trash.purge", &[("interactions", "delete")], true),
];

/// The request of `op` on the records of `t`. Own-target requests are ones
/// a Montréal staff member with every right could run.
fn request(op: &str, w: &World, t: Target, f: &Fixture) -> Value {
    let pick = |own: i64, other: i64| match t {
        Target::Own => own,
        Target::Other => other,
        Target::Absent => ABSENT,
    };
    let (client, contact, interaction, transfer) =
        (pick(w.a, w.b), pick(w.pa, w.pb), pick(w.ia, w.ib), pick(w.ta, w.tb));
    let when = f.clock.get().to_rfc3339();
    match op {
        "staff.put" => json!({"op": op, "staff": {"name": "Intrus", "initials": "IN", "rights": {}}}),
        "staff.get" => json!({"op": op, "id": f.admin}),
        "staff.list" | "trash.list" => json!({"op": op}),
        "custom_field.put" => json!({"op": op, "field": {"kind": "note", "key": "intrus", "label_fr": "Intrus",
                                      "label_en": "Intruder", "field_type": "text"}}),
        "custom_field.list" | "staff_role.list" | "tag.list" => json!({"op": op}),
        "staff_role.delete" => json!({"op": op, "code": "manager"}),
        "tag.put" => json!({"op": op, "tag": {"code": "intrus", "name_fr": "Intrus", "name_en": "Intruder",
                                               "colour": "#000000"}}),
        "tag.delete" => json!({"op": op, "code": "suivi", "version": 1}),
        "client.tag" => json!({"op": op, "id": client, "version": 1, "add": ["suivi"]}),
        "contact.tag" => json!({"op": op, "id": contact, "version": 1, "remove": ["À suivre"]}),
        "staff_role.put" => json!({"op": op, "role": {"code": "intrus", "label_fr": "Intrus", "label_en": "Intruder"}}),
        "client.assign" | "client.unassign" => json!({"op": op, "id": client, "version": 1,
                                                      "assignment": {"role": "partner", "staff_id": f.admin}}),
        "client.create" => json!({"op": op, "data": {"code": "NEW-01", "name": "Noémie", "office": "Montréal"}}),
        "client.import" => json!({"op": op, "clients": [{"code": "NEW-02", "name": "Éloïse", "office": "Montréal"}]}),
        "import.clients" => json!({"op": op, "rows": [{"code": "NEW-03", "name": "Zoé", "office": "Montréal"}]}),
        "import.contacts" => json!({"op": op, "rows": [{"key": "K-03", "data": {"last_name": "Zoé"}}]}),
        "import.links" => json!({"op": op, "rows": [{"client_id": client, "contact_id": contact}]}),
        "import.interactions" => json!({"op": op, "rows": [{"data": {"kind": "note", "client_id": client,
                                        "occurred_at": "2026-01-01T12:00:00Z", "subject": "Importée"}}]}),
        "import.transfers" => json!({"op": op, "rows": [{"data": {"direction": "requested_from_contact",
                                     "from_staff": f.admin, "to_contact": w.pa, "client_id": w.a,
                                     "subject": "Importé", "sent_at": when}}]}),
        "client.get" | "client.contacts" => json!({"op": op, "id": client}),
        "client.timeline" => json!({"op": op, "id": client}),
        "client.update" => json!({"op": op, "id": client, "version": 1,
                                  "data": {"code": "UPD-01", "name": "Renommé", "office": "Montréal"}}),
        "client.delete" => json!({"op": op, "id": client, "version": 1}),
        "client.list" | "contact.list" => json!({"op": op}),
        "client.contacts_of" => json!({"op": op, "ids": [client]}),
        "contact.create" => json!({"op": op, "data": {"first_name": "Anaïs", "last_name": "Roy"}}),
        "contact.get" | "contact.clients" => json!({"op": op, "id": contact}),
        "contact.update" => json!({"op": op, "id": contact, "version": 1,
                                   "data": {"first_name": "Réjean", "last_name": "Renommé"}}),
        "contact.delete" => json!({"op": op, "id": contact, "version": 1}),
        // Linking A's contact to the client of the target.
        "contact.link" => json!({"op": op, "contact_id": w.pa, "client_id": client, "role": "additional"}),
        "contact.unlink" => json!({"op": op, "contact_id": contact, "client_id": client}),
        "contact.clients_of" => json!({"op": op, "ids": [contact]}),
        "interaction.create" => json!({"op": op, "data": note(Some(w.a), Some(w.pa), "Nouvelle note", f)}),
        "interaction.get" => json!({"op": op, "id": interaction}),
        "interaction.update" => json!({"op": op, "id": interaction, "version": 1,
                                       "data": {"kind": "note", "occurred_at": when, "client_id": w.a,
                                                "subject": "Réécrite"}}),
        "interaction.delete" => json!({"op": op, "id": interaction, "version": 1}),
        "interaction.list" => json!({"op": op, "client_id": client}),
        "transfer.create" => json!({"op": op, "data": {"direction": "requested_from_contact", "from_staff": f.admin,
                                    "to_contact": w.pa, "client_id": w.a, "subject": "Nouveau"}}),
        "transfer.get" => json!({"op": op, "id": transfer}),
        "transfer.transition" => json!({"op": op, "id": transfer, "version": 1, "to": "canceled"}),
        "transfer.update" => json!({"op": op, "id": transfer, "version": 1, "data": {"subject": "Réécrit"}}),
        "transfer.delete" => json!({"op": op, "id": transfer, "version": 1}),
        "transfer.list" => json!({"op": op, "client_id": client}),
        "grid.query" => json!({"op": op, "list": "interactions", "client_id": client}),
        "list.count_by" => json!({"op": op, "list": "interactions", "by": ["kind"], "client_id": client}),
        "client.last_interaction" => json!({"op": op, "idle_days": 90}),
        "columns.catalogue" | "columns.get" | "filter.fields" => json!({"op": op, "list": "clients"}),
        "columns.save" => json!({"op": op, "list": "clients", "columns": ["code", "name"]}),
        "view.save" => match t {
            Target::Own => json!({"op": op, "list": "clients", "name": "Mienne"}),
            _ => json!({"op": op, "id": pick(0, w.other_view), "version": 1, "list": "clients", "name": "Volée"}),
        },
        "view.list" => json!({"op": op, "list": "clients"}),
        "view.delete" => json!({"op": op, "id": pick(0, w.other_view)}),
        "layout.save" => match t {
            Target::Own => json!({"op": op, "dashboard": "staff", "name": "Mien", "layout": {"tiles": []}}),
            _ => json!({"op": op, "id": pick(0, w.host_layout), "version": 1, "dashboard": "client",
                        "name": "Volé", "layout": {"tiles": []}}),
        },
        "layout.list" => json!({"op": op, "dashboard": "client"}),
        "layout.get" => json!({"op": op, "id": pick(w.firm_layout, w.host_layout)}),
        "layout.delete" => json!({"op": op, "id": pick(0, w.other_layout)}),
        "trash.restore" | "trash.purge" => json!({"op": op, "id": pick(w.trash_a, w.trash_b)}),
        // Merging the target's record into A's own (Own: A into itself,
        // refused after the rights).
        "client.merge" => json!({"op": op, "keep": w.a, "keep_version": 1, "merge": client, "merge_version": 1}),
        "contact.merge" => json!({"op": op, "keep": w.pa, "keep_version": 1, "merge": contact, "merge_version": 1}),
        "duplicates.find" => json!({"op": op, "entity": "client", "id": client}),
        "history.list" => json!({"op": op, "record": {"kind": "interaction", "id": interaction}}),
        other => panic!("no request for {other}: add one (and its entry in OPS)"),
    }
}

/// Every op name of the protocol, from its JSON Schema.
fn protocol_ops() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ffi/schema/request.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.pointer("/properties/op/const").and_then(Value::as_str).unwrap().to_string())
        .collect()
}

/// Rights::all() without one permission.
fn all_but(entity: &str, action: &str) -> Rights {
    let mut r = Rights::all();
    let perms: &mut Perms = match entity {
        "clients" => &mut r.clients,
        "contacts" => &mut r.contacts,
        "interactions" => &mut r.interactions,
        "file transfers" => &mut r.file_transfers,
        other => panic!("{other}"),
    };
    match action {
        "view" => perms.view = false,
        "add" => perms.add = false,
        "edit" => perms.edit = false,
        "delete" => perms.delete = false,
        other => panic!("{other}"),
    }
    r
}

/// A message with its numbers blotted out: the shape two answers share.
fn shape(message: &str) -> String {
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ------------------------------------------------------------ the matrix

fn the_matrix_covers_every_op_of_the_protocol(f: &Fixture) {
    let listed: BTreeSet<String> = OPS.iter().map(|(op, _, _)| op.to_string()).collect();
    assert_eq!(listed.len(), OPS.len(), "an op is listed twice");
    assert_eq!(listed, protocol_ops(), "OPS must list exactly the protocol's ops");
    // Every listed op has a request that parses as the protocol's.
    let w = world(f);
    for (op, _, _) in OPS {
        for t in [Target::Own, Target::Other, Target::Absent] {
            let mut env = request(op, &w, t, f);
            env["actor"] = json!(1);
            let (_, parsed) = clientele_core::parse_envelope(&env.to_string()).unwrap_or_else(|e| panic!("{op}: {e}"));
            assert_eq!(parsed.op(), *op);
        }
    }
}

/// (a) Every op, run by a staff member lacking exactly one right it needs,
/// answers `forbidden` naming that right, and changes nothing.
fn every_op_without_its_right_is_forbidden_and_changes_nothing(f: &Fixture) {
    let w = world(f);
    let mut checked = 0;
    let mut lacking = std::collections::HashMap::new();
    for entity in ["clients", "contacts", "interactions", "file transfers"] {
        for action in ["view", "add", "edit", "delete"] {
            lacking.insert((entity, action), f.staff(&format!("Sans {entity} {action}"), all_but(entity, action)));
        }
    }
    let before = snapshot(f, &w);
    for (op, needs, _) in OPS {
        for (entity, action) in needs.iter() {
            let (actor, expected) = if *entity == "host" {
                (f.admin, "administer".to_string())
            } else {
                (lacking[&(*entity, *action)], format!("may not {action} {entity}"))
            };
            let e = call(f, json!(actor), &request(op, &w, Target::Own, f)).expect_err(op);
            assert_eq!(e.code(), "forbidden", "{op} without {entity} {action}: {e}");
            assert!(e.to_string().contains(&expected), "{op} without {entity} {action}: {e}");
            checked += 1;
        }
    }
    assert_eq!(snapshot(f, &w), before, "a forbidden op changed something");
    assert_eq!(checked, OPS.iter().map(|(_, needs, _)| needs.len()).sum::<usize>());
    assert!(checked >= 39, "{checked}");
}

/// (b) Every by-id op on a record of another office (or a layout or view
/// of someone else) answers exactly as an id that never existed — same
/// code, same message but for the number — and changes nothing.
fn every_by_id_op_on_another_offices_record_answers_as_absent(f: &Fixture) {
    let w = world(f);
    // Versions as stored, so a version check cannot tell the two apart.
    let before = snapshot(f, &w);
    let mut checked = 0;
    for (op, _, by_id) in OPS {
        if !by_id {
            continue;
        }
        let hidden = call(f, json!(w.mtl), &request(op, &w, Target::Other, f));
        let absent = call(f, json!(w.mtl), &request(op, &w, Target::Absent, f));
        let (hidden, absent) = match (hidden, absent) {
            (Err(h), Err(a)) => (h, a),
            (h, a) => panic!("{op}: {h:?} / {a:?}"),
        };
        assert_eq!(hidden.code(), "not_found", "{op}: {hidden}");
        assert_eq!(absent.code(), "not_found", "{op}: {absent}");
        assert_eq!(shape(&hidden.to_string()), shape(&absent.to_string()), "{op}");
        assert_eq!(hidden.body().field, absent.body().field, "{op}");
        for t in B_TEXT {
            assert!(!hidden.to_string().contains(t), "{op}: {hidden}");
        }
        checked += 1;
    }
    // The other side of a link: B's contact to A.
    let link = |contact| json!({"op": "contact.link", "contact_id": contact, "client_id": w.a, "role": "additional"});
    let (h, a) = (call(f, json!(w.mtl), &link(w.pb)).unwrap_err(), call(f, json!(w.mtl), &link(ABSENT)).unwrap_err());
    assert_eq!((h.code(), shape(&h.to_string())), (a.code(), shape(&a.to_string())));
    // An interaction naming B's contact.
    let create = |contact| json!({"op": "interaction.create", "data": note(None, Some(contact), "Intruse", f)});
    let (h, a) =
        (call(f, json!(w.mtl), &create(w.pb)).unwrap_err(), call(f, json!(w.mtl), &create(ABSENT)).unwrap_err());
    assert_eq!((h.code(), shape(&h.to_string())), ("not_found", shape(&a.to_string())));
    assert_eq!(snapshot(f, &w), before, "a refused op changed something");
    assert!(checked >= 25, "{checked}");
}

/// Every op, on every target, as every kind of actor (the administrator,
/// a Montréal staff member, one without the op's right, an inactive one,
/// an id that is no staff member), on an engine of one connection: when
/// the request has answered, whatever it answered, its connection is back
/// in the pool and holds no snapshot. Another thread's write then goes
/// through at once, and the next read on this thread sees it. (SQLite
/// reads a read-only request's actor and answer on one connection, in one
/// transaction, `store::parked`; a write, a refusal or a sweep on the way
/// must not keep it.)
fn every_op_gives_its_connection_back(f: &Fixture) {
    use clientele_core::Deadline;
    use std::time::Duration as StdDuration;
    let Some(one) = Fixture::with_config(f.backend, |c| c.pool_size = 1) else { return };
    let w = world(&one);
    let inactive = one.staff("Inès Active", Rights::all());
    one.place.raw_sql(&format!("UPDATE staff SET active = false WHERE id = {inactive}"));
    let lacking = one.staff("Sans droits", Rights::default());
    let mut writes = 0;
    for (op, _, _) in OPS {
        for t in [Target::Own, Target::Other, Target::Absent] {
            for actor in [json!(one.admin), json!(w.mtl), json!(lacking), json!(inactive), json!(ABSENT)] {
                let request = request(op, &w, t, &one);
                let answer = call(&one, actor.clone(), &request);
                if let Err(e) = &answer {
                    // Nothing here waits on anything but its own connection.
                    assert_ne!(e.code(), "timeout", "{op} as {actor}: {e}");
                }
                assert_eq!(
                    one.engine.debug_connections_in_use(),
                    0,
                    "{op} as {actor} kept its connection ({answer:?})"
                );
                // Given back, not thrown away (a connection given back in a
                // transaction would be).
                assert_eq!(one.engine.debug_connections_open(), 1, "{op} as {actor} lost its connection ({answer:?})");
                // Another thread writes within 2 s: the one connection is free.
                writes += 1;
                let code = format!("w{writes}");
                std::thread::scope(|s| {
                    s.spawn(|| {
                        let tag = serde_json::from_value(
                            json!({"code": code, "name_fr": code, "name_en": code, "colour": "#00796b"}),
                        )
                        .unwrap();
                        let d = Deadline::after(StdDuration::from_secs(2));
                        one.engine
                            .execute_within(Actor::HOST, Request::TagPut { tag }, &clientele_core::NoProgress, d)
                            .unwrap_or_else(|e| panic!("a write after {op} as {actor}: {e}"));
                    });
                });
                let tags = admin(&one, json!({"op": "tag.list"}));
                assert!(
                    tags.to_string().contains(&format!("\"{code}\"")),
                    "{op} as {actor}: the next read missed a write"
                );
            }
        }
    }
    assert!(writes >= 900, "{writes}");
}

/// Every text and id of B found in an answer, as `path: what`.
fn b_in(v: &Value, w: &World, list: Option<&str>, path: &str, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            for t in B_TEXT {
                if s.contains(t) {
                    out.push(format!("{path}: {s}"));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                b_in(item, w, list, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(o) => {
            let is = |key: &str, ids: &[i64]| o.get(key).and_then(Value::as_i64).is_some_and(|v| ids.contains(&v));
            if is("client_id", &[w.b]) || is("contact_id", &[w.pb]) || is("to_contact", &[w.pb]) {
                out.push(format!("{path}: {v}"));
            }
            if is("transfer_id", &[w.tb]) {
                out.push(format!("{path}: {v}"));
            }
            // A record's own id, by what kind of record it is.
            if let Some(data) = o.get("data") {
                let hidden: &[i64] = if data.get("code").is_some() {
                    &[w.b]
                } else if data.get("first_name").is_some() {
                    &[w.pb, w.pc]
                } else if data.get("occurred_at").is_some() {
                    &[w.ib, w.ib_contact]
                } else if data.get("direction").is_some() && data.get("files").is_some() {
                    &[w.tb]
                } else {
                    &[]
                };
                if is("id", hidden) {
                    out.push(format!("{path}: record {}", o["id"]));
                }
            }
            // A grid row's id is of the grid's list.
            if o.contains_key("cells") {
                let hidden: &[i64] = match list {
                    Some("clients") => &[w.b],
                    Some("contacts") => &[w.pb, w.pc],
                    Some("interactions") => &[w.ib, w.ib_contact],
                    Some("transfers") => &[w.tb],
                    _ => &[],
                };
                if is("id", hidden) {
                    out.push(format!("{path}: row {}", o["id"]));
                }
            }
            for (k, item) in o {
                b_in(item, w, list, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// (c) Every read a portlet can make, on `execute_scoped` for client A
/// (as the administrator, who sees both offices): nothing of B in any
/// field of any answer; what names B's records answers `not_found`.
fn every_scoped_read_for_a_answers_nothing_of_b(f: &Fixture) {
    let w = world(f);
    let scope = DataScope::Client { client_id: w.a };
    let scoped = |request: Value| -> clientele_core::Result<Response> {
        let req: Request = serde_json::from_value(request.clone()).unwrap_or_else(|e| panic!("{request}: {e}"));
        f.engine.execute_scoped(Actor::Staff(f.admin), scope, req)
    };
    let mut reads: Vec<(Value, Option<&str>)> = Vec::new();
    let read_only: Vec<&str> = OPS
        .iter()
        .map(|(op, _, _)| *op)
        .filter(|op| {
            let mut env = request(op, &w, Target::Own, f);
            env["actor"] = json!(1);
            clientele_core::parse_envelope(&env.to_string()).unwrap().1.is_read_only()
        })
        .collect();
    // Every read, on A's records and on B's.
    for op in &read_only {
        for t in [Target::Own, Target::Other] {
            let list = (*op == "grid.query").then_some("interactions");
            reads.push((request(op, &w, t, f), list));
        }
    }
    // Lists without a client, and every grid with every column.
    for op in ["client.list", "contact.list", "interaction.list", "transfer.list"] {
        reads.push((json!({"op": op, "limit": 500}), None));
    }
    for (op, ids) in [("client.contacts_of", json!([w.a, w.b])), ("contact.clients_of", json!([w.pa, w.pb, w.pc]))] {
        reads.push((json!({"op": op, "ids": ids}), None));
    }
    for id in [w.ia_contact, w.ib_contact, w.ic] {
        reads.push((json!({"op": "interaction.get", "id": id}), None));
    }
    for id in [w.pb, w.pc] {
        reads.push((json!({"op": "interaction.list", "contact_id": id}), None));
        reads.push((json!({"op": "contact.get", "id": id}), None));
    }
    for list in ["clients", "contacts", "interactions", "transfers"] {
        let columns: Vec<String> = match scoped(json!({"op": "columns.catalogue", "list": list})).unwrap() {
            Response::Columns(c) => c.into_iter().map(|c| c.id).collect(),
            o => panic!("{o:?}"),
        };
        reads.push((json!({"op": "grid.query", "list": list, "columns": columns, "limit": 500}), Some(list)));
    }
    let mut seen_a = 0;
    for (r, list) in &reads {
        let answer = match scoped(r.clone()) {
            Ok(answer) => json_of(&answer),
            Err(e) => {
                assert!(
                    matches!(e.code(), "not_found" | "forbidden"),
                    "{r}: {e} (a read within the scope fails otherwise)"
                );
                Value::String(e.to_string())
            }
        };
        let mut found = Vec::new();
        b_in(&answer, &w, *list, "", &mut found);
        assert!(found.is_empty(), "{r} answered B's: {found:#?}");
        let text = answer.to_string();
        if text.contains("DAM-01") || text.contains("Côté") || text.contains("Rencontre annuelle") {
            seen_a += 1;
        }
    }
    assert!(seen_a >= 10, "the scan saw too little of A to mean anything ({seen_a})");
    // Reads naming B's records are refused as absent.
    for r in [
        json!({"op": "client.get", "id": w.b}),
        json!({"op": "contact.get", "id": w.pb}),
        json!({"op": "contact.clients", "id": w.pc}),
        json!({"op": "interaction.get", "id": w.ib}),
        json!({"op": "interaction.get", "id": w.ib_contact}),
        json!({"op": "transfer.get", "id": w.tb}),
        json!({"op": "client.timeline", "id": w.b}),
        json!({"op": "client.contacts_of", "ids": [w.a, w.b]}),
    ] {
        assert_eq!(scoped(r.clone()).unwrap_err().code(), "not_found", "{r}");
    }
    // The grid shows the name of A's contact, not of the one gone to B.
    let grid = json_of(
        &scoped(json!({"op": "grid.query", "list": "interactions", "columns": ["subject", "contact"]})).unwrap(),
    );
    let text = grid.to_string();
    assert!(text.contains("Côté, Jean-François") && text.contains("Appel de facturation"), "{text}");
    assert!(!text.contains("Quintal"), "{text}");
}

/// A grid names only what its reader sees: for Montréal, interaction `ic`
/// of client A (Montréal) names contact `pc`, who now belongs to B alone
/// (Québec): its row is in Montréal's grid, without that name. The
/// administrator's grid names `pc` on the same row. (The rule is
/// `visibility::contact_shown`, in the page statement's name columns.)
fn a_grid_names_no_contact_of_another_office(f: &Fixture) {
    let w = world(f);
    // Long pages and short ones: SQLite names a short page in its
    // statement, a long one after the cut (`ops::lists::NAMES_AFTER_CUT`).
    for limit in [500, 1] {
        let grid = |actor: Value| {
            let mut rows = Vec::new();
            let mut cursor = Value::Null;
            loop {
                let g = call(
                    f,
                    actor.clone(),
                    &json!({"op": "grid.query", "list": "interactions", "columns": ["subject", "client", "contact"],
                            "limit": limit, "cursor": cursor}),
                )
                .unwrap();
                rows.extend(g["rows"].as_array().unwrap().iter().cloned());
                cursor = g["next_cursor"].clone();
                if cursor.is_null() {
                    break;
                }
            }
            let row = |id: i64| {
                rows.iter().find(|r| r["id"] == json!(id)).unwrap_or_else(|| panic!("row {id} in {rows:?}")).clone()
            };
            (row(w.ic)["cells"].clone(), row(w.ia)["cells"].clone())
        };
        let (ic, ia) = grid(json!(w.mtl));
        assert_eq!(ic, json!(["Appel de facturation", "Hélène D'Amours", null]), "Montréal's grid, {limit} a page");
        assert_eq!(
            ia,
            json!(["Rencontre annuelle", "Hélène D'Amours", "Côté, Jean-François"]),
            "Montréal's grid, {limit} a page"
        );
        let (ic, _) = grid(json!(f.admin));
        assert_eq!(
            ic,
            json!(["Appel de facturation", "Hélène D'Amours", "Quintal, Prudence"]),
            "the administrator's grid, {limit} a page"
        );
    }
}

/// A grid shows a contact's import key (`contact_key`, what exports carry
/// for the importer) only where it names the contact: Montréal's grid of
/// interactions and of transfers has A's rows naming a contact who left A
/// for B (Québec), without that contact's name or key; a contact in the
/// trash is named by no one's grid, nor keyed. The administrator's grid
/// keys the contact who left (the key as stored, folded). The keys were
/// read by id alone before (`store::bulk::contact_keys_of`).
fn a_grid_shows_no_key_of_a_contact_it_does_not_name(f: &Fixture) {
    let w = world(f);
    let keyed = |key: &str, first: &str, last: &str| {
        admin(
            f,
            json!({"op": "import.contacts", "rows": [{"key": key, "data": {"first_name": first, "last_name": last}}]}),
        );
        let found = admin(f, json!({"op": "contact.list", "search": last}));
        id_of(&found["items"][0])
    };
    let gone = keyed("K-OPHÉLIE", "Ophélie", "Zéphirin");
    let trashed = keyed("K-URBAIN", "Urbain", "Xénophon");
    for p in [gone, trashed] {
        admin(f, json!({"op": "contact.link", "contact_id": p, "client_id": w.a, "role": "billing"}));
    }
    let call_of =
        admin(f, json!({"op": "interaction.create", "data": note(Some(w.a), Some(gone), "Appel d'Ophélie", f)}));
    let sent_to = admin(
        f,
        json!({"op": "transfer.create", "data": {"direction": "requested_from_contact", "from_staff": f.admin,
               "to_contact": gone, "client_id": w.a, "subject": "Relevés d'Ophélie"}}),
    );
    let kept =
        admin(f, json!({"op": "interaction.create", "data": note(Some(w.a), Some(trashed), "Appel d'Urbain", f)}));
    // Ophélie leaves A for B; Urbain goes to the trash (his interaction
    // stays, on A's timeline).
    admin(f, json!({"op": "contact.unlink", "contact_id": gone, "client_id": w.a}));
    admin(f, json!({"op": "contact.link", "contact_id": gone, "client_id": w.b, "role": "billing"}));
    let v = admin(f, json!({"op": "contact.get", "id": trashed}))["version"].clone();
    admin(f, json!({"op": "contact.delete", "id": trashed, "version": v}));
    for limit in [500, 1] {
        let cells = |actor: Value, list: &str, id: i64| {
            let mut cursor = Value::Null;
            loop {
                let g = call(
                    f,
                    actor.clone(),
                    &json!({"op": "grid.query", "list": list, "columns": ["subject", "contact", "contact_key"],
                            "limit": limit, "cursor": cursor}),
                )
                .unwrap();
                if let Some(r) = g["rows"].as_array().unwrap().iter().find(|r| r["id"] == json!(id)) {
                    return r["cells"].clone();
                }
                cursor = g["next_cursor"].clone();
                assert!(!cursor.is_null(), "row {id} in {list}");
            }
        };
        let what = format!("{limit} a page");
        assert_eq!(
            cells(json!(w.mtl), "interactions", id_of(&call_of)),
            json!(["Appel d'Ophélie", null, null]),
            "{what}"
        );
        assert_eq!(
            cells(json!(w.mtl), "transfers", id_of(&sent_to)),
            json!(["Relevés d'Ophélie", null, null]),
            "{what}"
        );
        assert_eq!(
            cells(json!(f.admin), "interactions", id_of(&call_of)),
            json!(["Appel d'Ophélie", "Zéphirin, Ophélie", "k-ophelie"]),
            "{what}"
        );
        assert_eq!(
            cells(json!(f.admin), "transfers", id_of(&sent_to)),
            json!(["Relevés d'Ophélie", "Zéphirin, Ophélie", "k-ophelie"]),
            "{what}"
        );
        for actor in [json!(w.mtl), json!(f.admin)] {
            assert_eq!(cells(actor, "interactions", id_of(&kept)), json!(["Appel d'Urbain", null, null]), "{what}");
        }
        // The key alone (no name column): the names are read for it.
        let alone = call(
            f,
            json!(f.admin),
            &json!({"op": "grid.query", "list": "transfers", "columns": ["contact_key"], "limit": 500}),
        )
        .unwrap();
        let row = alone["rows"].as_array().unwrap().iter().find(|r| r["id"] == json!(id_of(&sent_to))).cloned();
        assert_eq!(row.map(|r| r["cells"].clone()), Some(json!(["k-ophelie"])), "the key alone, {what}");
    }
}

// ------------------------------------------------------------ rules the mutation run found untested

/// Catches the removal of the office check of `transfer.get`
/// (`visibility::transfer` in `ops/transfers.rs::transfer_get`): Montréal
/// would read Québec's transfer.
fn transfer_get_checks_the_office(f: &Fixture) {
    let w = world(f);
    assert!(call(f, json!(w.mtl), &json!({"op": "transfer.get", "id": w.ta})).is_ok());
    let hidden = call(f, json!(w.mtl), &json!({"op": "transfer.get", "id": w.tb})).unwrap_err();
    let absent = call(f, json!(w.mtl), &json!({"op": "transfer.get", "id": ABSENT})).unwrap_err();
    assert_eq!(hidden.code(), "not_found");
    assert_eq!(hidden.to_string(), format!("file transfer {} not found", w.tb));
    assert_eq!(shape(&hidden.to_string()), shape(&absent.to_string()));
}

/// Catches the removal of the delete right of `interaction.delete`
/// (`who.require(Interactions, Delete)`): a staff member who may edit but
/// not delete interactions would move one to the trash.
fn interaction_delete_needs_the_delete_right(f: &Fixture) {
    let w = world(f);
    let editor = f.staff("Éditrice", all_but("interactions", "delete"));
    let e = call(f, json!(editor), &json!({"op": "interaction.delete", "id": w.ia, "version": 1})).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    assert!(e.to_string().contains("may not delete interactions"), "{e}");
    let still = admin(f, json!({"op": "interaction.get", "id": w.ia}));
    assert_eq!(still["version"], json!(1));
    // The same request with the right goes through.
    assert!(admin(f, json!({"op": "interaction.delete", "id": w.ia, "version": 1}))["trash_id"].is_i64());
}

/// Catches the removal of any refusal of the transfer state machine out of
/// `canceled` or `expired` (`TransferStatus::can_go_to`): no move leaves
/// them, and the transfer stays as it was.
fn no_transition_leaves_canceled_or_expired(f: &Fixture) {
    let w = world(f);
    let canceled = admin(f, json!({"op": "transfer.transition", "id": w.ta, "version": 1, "to": "canceled"}));
    assert_eq!(canceled["data"]["status"], json!("canceled"));
    // B's transfer expires: the clock passes its expiry.
    f.clock.advance(Duration::days(400));
    let expired = admin(f, json!({"op": "transfer.get", "id": w.tb}));
    assert_eq!(expired["data"]["status"], json!("expired"));
    for (record, from) in [(canceled, "canceled"), (expired, "expired")] {
        let id = record["id"].as_i64().unwrap();
        let version = record["version"].as_i64().unwrap();
        for to in ["waiting_for_files", "ready_for_download", "complete", "canceled", "expired"] {
            let mut r = json!({"op": "transfer.transition", "id": id, "version": version, "to": to});
            if to == "ready_for_download" {
                r["files"] = json!([{"name": "relevé.pdf", "size": 10}]);
            }
            let e = call(f, json!(f.admin), &r).unwrap_err();
            assert_eq!(e.code(), "invalid_transition", "{from} → {to}: {e}");
        }
        let after = admin(f, json!({"op": "transfer.get", "id": id}));
        assert_eq!((after["data"]["status"].as_str(), after["version"].as_i64()), (Some(from), Some(version)));
    }
}

/// Catches the removal of the client-dashboard constraint of
/// `transfer.list` alone (`visibility::scope_constraint` for transfers):
/// a `transfer.list` without `client_id` on A's dashboard would list B's.
fn transfer_list_on_a_client_dashboard_is_confined_by_the_scope_alone(f: &Fixture) {
    let w = world(f);
    let list = |client_id: i64, req: Request| match f
        .engine
        .execute_scoped(Actor::Staff(f.admin), DataScope::Client { client_id }, req)
        .unwrap()
    {
        Response::Transfers(p) => p.items.into_iter().map(|t| t.id).collect::<Vec<_>>(),
        o => panic!("{o:?}"),
    };
    let plain =
        || Request::TransferList { client_id: None, last_30_days: false, open_only: false, query: Default::default() };
    assert_eq!(list(w.a, plain()), vec![w.ta]);
    assert_eq!(list(w.b, plain()), vec![w.tb]);
    // A filter naming the other client cannot lift the scope.
    let q = clientele_core::protocol::ListQuery {
        filter: Some(clientele_core::protocol::FilterInput::Text(format!("client:{}", w.b))),
        ..Default::default()
    };
    let filtered = Request::TransferList { client_id: None, last_30_days: false, open_only: false, query: q };
    assert_eq!(list(w.a, filtered), Vec::<i64>::new());
}

/// Catches the removal of the contact-only rule of `interaction.get` on a
/// client dashboard (`visibility::interaction_visible`, no client: through
/// the contact, which must be linked to the dashboard's client).
fn contact_only_interaction_get_on_a_client_dashboard(f: &Fixture) {
    let w = world(f);
    let get = |id: i64| {
        f.engine.execute_scoped(
            Actor::Staff(f.admin),
            DataScope::Client { client_id: w.a },
            Request::InteractionGet { id },
        )
    };
    assert!(matches!(get(w.ia_contact), Ok(Response::Interaction(i)) if i.id == w.ia_contact));
    let e = get(w.ib_contact).unwrap_err();
    assert_eq!(e.code(), "not_found");
    assert_eq!(e.to_string(), format!("interaction {} not found", w.ib_contact));
    // The staff scope sees both.
    assert!(f.run(f.admin, Request::InteractionGet { id: w.ib_contact }).is_ok());
}

// ------------------------------------------------------------ links, duplicates, layouts

/// An interaction with a client and a contact needs the contact to be the
/// client's, on create and on update; one with a contact only stays allowed.
fn interactions_refuse_a_contact_not_linked_to_their_client(f: &Fixture) {
    let w = world(f);
    let before = snapshot(f, &w);
    let e = call(f, json!(f.admin), &json!({"op": "interaction.create", "data": note(Some(w.a), Some(w.pb), "X", f)}))
        .unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("contact_id")), "{e}");
    assert_eq!(e.body().reason.as_deref(), Some("not_linked"));
    let e = call(
        f,
        json!(f.admin),
        &json!({"op": "interaction.update", "id": w.ia, "version": 1, "data": note(Some(w.a), Some(w.pb), "X", f)}),
    )
    .unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("contact_id")), "{e}");
    assert_eq!(snapshot(f, &w), before);
    // Contact only, and a linked contact, are fine.
    admin(f, json!({"op": "interaction.create", "data": note(None, Some(w.pb), "Sans client", f)}));
    admin(f, json!({"op": "interaction.create", "data": note(Some(w.b), Some(w.pb), "Lié", f)}));
    // Transfers already refuse another client's contact.
    let e = call(
        f,
        json!(f.admin),
        &json!({"op": "transfer.create", "data": {"direction": "requested_from_contact", "from_staff": f.admin,
                "to_contact": w.pb, "client_id": w.a, "subject": "Mauvais"}}),
    )
    .unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("to_contact")));
}

/// The duplicate-code error names the other client only to who sees it.
fn a_taken_code_names_the_holder_only_to_who_sees_it(f: &Fixture) {
    let w = world(f);
    let create = json!({"op": "client.create", "data": {"code": "qzb-77", "name": "Copie", "office": "Montréal"}});
    let e = call(f, json!(w.mtl), &create).unwrap_err();
    assert_eq!(e.code(), "duplicate");
    assert!(!e.to_string().contains(&w.b.to_string()), "{e}");
    assert!(e.to_string().contains("by another client"), "{e}");
    let e = call(f, json!(f.admin), &create).unwrap_err();
    assert!(e.to_string().contains(&format!("by client {}", w.b)), "{e}");
}

/// Staff read their own layouts and the firm default, nothing else.
fn layouts_are_read_by_their_owner_or_as_the_firm_default(f: &Fixture) {
    let w = world(f);
    let get = |id| call(f, json!(w.mtl), &json!({"op": "layout.get", "id": id}));
    assert_eq!(get(w.firm_layout).unwrap()["id"], json!(w.firm_layout));
    for id in [w.host_layout, w.other_layout] {
        let e = get(id).unwrap_err();
        assert_eq!(e.to_string(), format!("layout {id} not found"));
    }
    assert!(call(f, json!("host"), &json!({"op": "layout.get", "id": w.host_layout})).is_ok());
    // Nor changed, nor deleted: as absent.
    let e = call(f, json!(w.mtl), &json!({"op": "layout.delete", "id": w.other_layout})).unwrap_err();
    assert_eq!(e.code(), "not_found");
}

/// A search and a person filter on A's dashboard say nothing of B: a
/// contact of A also linked to B is not found through B's code (nor does
/// its `matched_via` name B), and `client:<B's code>` / `contact:<B's
/// contact>` answer exactly what a code or name that exists nowhere
/// answers. (Found by the review of the search and people-field work.)
fn searches_and_people_filters_on_a_client_dashboard_say_nothing_of_b(f: &Fixture) {
    let w = world(f);
    admin(f, json!({"op": "contact.link", "contact_id": w.pa, "client_id": w.b, "role": "billing"}));
    let scope = DataScope::Client { client_id: w.a };
    let scoped = |request: Value| -> clientele_core::Result<Value> {
        let req: Request = serde_json::from_value(request.clone()).unwrap_or_else(|e| panic!("{request}: {e}"));
        f.engine.execute_scoped(Actor::Staff(f.admin), scope, req).map(|r| json_of(&r))
    };
    // Unscoped, the admin finds A's contact through B's code: the link exists.
    let all = admin(f, json!({"op": "contact.list", "search": "QZB-77"}));
    assert!(all["items"].as_array().unwrap().iter().any(|c| c["id"] == w.pa), "{all}");
    for request in [
        json!({"op": "contact.list", "search": "QZB-77"}),
        json!({"op": "grid.query", "list": "contacts", "search": "QZB-77"}),
        json!({"op": "grid.query", "list": "contacts", "search": "Zébulon"}),
    ] {
        let got = scoped(request.clone()).unwrap();
        let rows = got.get("items").or_else(|| got.get("rows")).and_then(Value::as_array).unwrap();
        assert!(rows.is_empty(), "{request} on A's dashboard: {got}");
        let text = got.to_string();
        for b in B_TEXT {
            assert!(!text.contains(b), "{request} on A's dashboard shows {b}: {text}");
        }
    }
    // A person filter naming B's record answers as one naming nothing.
    for (of_b, nowhere) in
        [("client:QZB-77", "client:NOPE-00"), ("contact:\"Quenneville, Xavière\"", "contact:\"Nobody, Nemo\"")]
    {
        for op in ["interaction.list", "transfer.list"] {
            let b = scoped(json!({"op": op, "filter": of_b}));
            let none = scoped(json!({"op": op, "filter": nowhere}));
            match (b, none) {
                (Ok(b), Ok(none)) => assert_eq!(b, none, "{op} {of_b}"),
                (Err(b), Err(none)) => {
                    assert_eq!(b.code(), none.code(), "{op} {of_b}");
                    let strip = |m: String, v: &str| shape(&m.replace(v, "…"));
                    let value = |f: &str| f.split(':').nth(1).unwrap().trim_matches('"').to_string();
                    assert_eq!(
                        strip(b.to_string(), &value(of_b)),
                        strip(none.to_string(), &value(nowhere)),
                        "{op} {of_b}: the answers differ"
                    );
                }
                (b, none) => panic!("{op} {of_b}: {b:?} but {nowhere}: {none:?}"),
            }
        }
    }
}

/// The `export` op's row of the matrix (it is `clientele-io`'s, outside
/// the engine's request schema): exporting each list takes exactly the
/// rights of that list — without them `forbidden` and no file — and the
/// Montréal staff member's file of every list holds nothing of client B.
fn export_answers_as_the_list_it_exports(f: &Fixture) {
    let w = world(f);
    let dir = std::env::temp_dir().join(format!("clientele-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut checked = 0;
    let lists = ["client.list", "contact.list", "interaction.list", "transfer.list"];
    for (op, needs, _) in OPS.iter().filter(|(op, _, _)| lists.contains(op)) {
        let path = dir.join(format!("{op}-{:?}.csv", f.backend));
        let export = |actor: i64| {
            let request = json!({"actor": actor, "op": "export", "format": "csv", "path": path.display().to_string(),
                                 "request": request(op, &w, Target::Own, f)});
            clientele_io::export::execute_json(&f.engine, &request.to_string(), &clientele_core::NoProgress)
                .expect("an export request")
        };
        for (entity, action) in needs.iter() {
            let lacking = f.staff(&format!("Export sans {entity} {action} {op}"), all_but(entity, action));
            let e = export(lacking).expect_err(op);
            assert_eq!(e.code(), "forbidden", "export of {op} without {entity} {action}: {e}");
            assert!(!path.exists(), "{op}: a forbidden export left a file");
            checked += 1;
        }
        export(w.mtl).unwrap_or_else(|e| panic!("export of {op}: {e}"));
        let file = std::fs::read_to_string(&path).unwrap();
        for t in B_TEXT {
            assert!(!file.contains(t), "{op}: the Montréal export shows {t}:\n{file}");
        }
        std::fs::remove_file(&path).unwrap();
    }
    assert!(checked >= lists.len(), "{checked}");
    let _ = std::fs::remove_dir(&dir);
}

backend_tests!(
    the_matrix_covers_every_op_of_the_protocol,
    every_op_gives_its_connection_back,
    every_op_without_its_right_is_forbidden_and_changes_nothing,
    every_by_id_op_on_another_offices_record_answers_as_absent,
    every_scoped_read_for_a_answers_nothing_of_b,
    a_grid_names_no_contact_of_another_office,
    a_grid_shows_no_key_of_a_contact_it_does_not_name,
    transfer_get_checks_the_office,
    interaction_delete_needs_the_delete_right,
    no_transition_leaves_canceled_or_expired,
    transfer_list_on_a_client_dashboard_is_confined_by_the_scope_alone,
    contact_only_interaction_get_on_a_client_dashboard,
    interactions_refuse_a_contact_not_linked_to_their_client,
    a_taken_code_names_the_holder_only_to_who_sees_it,
    layouts_are_read_by_their_owner_or_as_the_firm_default,
    searches_and_people_filters_on_a_client_dashboard_say_nothing_of_b,
    export_answers_as_the_list_it_exports,
);

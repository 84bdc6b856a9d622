//! The op catalogue: `schema/ops.json` (machine-readable) and
//! `docs/protocol.md` (for people), both generated here from the Rust types
//! of the protocol and the table [`META`] below; the test fails when either
//! is stale (`CLIENTELE_BLESS=1` rewrites them) and names any op of the
//! protocol that has no entry in the table.
//!
//! The op list itself comes from the types — `Envelope` (the engine's
//! requests, as `request.json`) and the dashboards' `FrontRequest` — so an
//! op added to `protocol.rs` shows up here as "no catalogue metadata for
//! `x.y`" until it gets its line in [`META`].

mod support;

use clientele_core::domain::*;
use clientele_core::protocol::{
    Deleted, Done, Envelope, FieldInfo, Grid, GroupCounts, ImportReport, Imported, LastInteractions, Layout, Merged,
    Restored, SavedView, TrashEntry,
};
use clientele_core::query::columns::ColumnDef;
use clientele_dashboard::FrontRequest;
use clientele_io::export::Exported;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use support::*;

/// Who may send an op.
#[derive(Clone, Copy)]
enum Who {
    /// Only the host (`"actor": "host"`).
    Host,
    /// A staff member (id), with the rights listed.
    Staff,
    /// Either.
    Both,
}

/// The answer of an op: a Rust type (its schema is generated) or, for the
/// dashboards' front door, a schema written here.
#[derive(Clone, Copy)]
enum Answer {
    Type(&'static str, fn(&mut SchemaGenerator) -> Schema),
    Written(&'static str, fn() -> Value),
}

/// What the catalogue says of one op beyond its request schema.
struct Meta {
    op: &'static str,
    who: Who,
    /// Rights needed (`entity.action`), or a sentence when it depends.
    rights: &'static [&'static str],
    writes: bool,
    answer: Answer,
    /// Error codes particular to the op (every op may also answer the
    /// common ones, [`COMMON_ERRORS`]).
    errors: &'static [&'static str],
}

fn t<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

macro_rules! ty {
    ($t:ty) => {
        Answer::Type(stringify!($t), t::<$t>)
    };
}

/// Errors any op may answer.
const COMMON_ERRORS: &[&str] =
    &["not_licensed", "forbidden", "bad_request", "storage", "timeout", "unavailable", "canceled", "internal"];

const BY_ID: &[&str] = &["not_found"];
const LIST: &[&str] = &["invalid_filter", "validation"];
const CREATE: &[&str] = &["validation"];
const UPDATE: &[&str] = &["not_found", "validation", "conflict"];
const DELETE: &[&str] = &["not_found", "conflict"];

use Who::*;

#[rustfmt::skip]
const META: &[Meta] = &[
    Meta { op: "staff.put", who: Host, rights: &[], writes: true, answer: ty!(StaffMember), errors: &["validation", "duplicate", "not_found", "conflict"] },
    Meta { op: "staff.get", who: Both, rights: &[], writes: false, answer: ty!(StaffMember), errors: BY_ID },
    Meta { op: "staff.list", who: Both, rights: &[], writes: false, answer: ty!(Vec<StaffMember>), errors: &[] },
    Meta { op: "custom_field.put", who: Host, rights: &[], writes: true, answer: ty!(Vec<CustomFieldDef>), errors: CREATE },
    Meta { op: "custom_field.list", who: Both, rights: &[], writes: false, answer: ty!(Vec<CustomFieldDef>), errors: &[] },
    Meta { op: "staff_role.put", who: Host, rights: &[], writes: true, answer: ty!(Vec<StaffRole>), errors: &["validation"] },
    Meta { op: "staff_role.list", who: Both, rights: &[], writes: false, answer: ty!(Vec<StaffRole>), errors: &[] },
    Meta { op: "staff_role.delete", who: Host, rights: &[], writes: true, answer: ty!(Vec<StaffRole>), errors: &["validation"] },
    Meta { op: "tag.put", who: Host, rights: &[], writes: true, answer: ty!(Vec<Tag>), errors: &["validation", "duplicate", "conflict"] },
    Meta { op: "tag.delete", who: Host, rights: &[], writes: true, answer: ty!(Done), errors: &["validation", "conflict"] },
    Meta { op: "tag.list", who: Both, rights: &[], writes: false, answer: ty!(Vec<Tag>), errors: &[] },
    Meta { op: "import.clients", who: Staff, rights: &["clients.add"], writes: true, answer: ty!(ImportReport), errors: &["validation", "canceled", "timeout"] },
    Meta { op: "import.contacts", who: Staff, rights: &["contacts.add"], writes: true, answer: ty!(ImportReport), errors: &["validation", "canceled", "timeout"] },
    Meta { op: "import.links", who: Staff, rights: &["contacts.edit"], writes: true, answer: ty!(ImportReport), errors: &["validation", "canceled", "timeout"] },
    Meta { op: "import.interactions", who: Staff, rights: &["interactions.add"], writes: true, answer: ty!(ImportReport), errors: &["validation", "canceled", "timeout"] },
    Meta { op: "import.transfers", who: Staff, rights: &["file_transfers.add"], writes: true, answer: ty!(ImportReport), errors: &["validation", "canceled", "timeout"] },
    Meta { op: "export", who: Staff, rights: &["view of the list exported (as the list request itself)"], writes: false, answer: ty!(Exported), errors: &["validation", "invalid_filter", "canceled", "timeout"] },
    Meta { op: "client.create", who: Staff, rights: &["clients.add"], writes: true, answer: ty!(Record<ClientData>), errors: &["validation", "duplicate"] },
    Meta { op: "client.import", who: Staff, rights: &["clients.add"], writes: true, answer: ty!(Imported), errors: &["validation", "duplicate"] },
    Meta { op: "client.assign", who: Staff, rights: &["clients.edit"], writes: true, answer: ty!(Record<ClientData>), errors: &["not_found", "validation", "conflict"] },
    Meta { op: "client.unassign", who: Staff, rights: &["clients.edit"], writes: true, answer: ty!(Record<ClientData>), errors: &["not_found", "validation", "conflict"] },
    Meta { op: "client.tag", who: Staff, rights: &["clients.edit"], writes: true, answer: ty!(Record<ClientData>), errors: &["not_found", "validation", "conflict"] },
    Meta { op: "contact.tag", who: Staff, rights: &["contacts.edit"], writes: true, answer: ty!(Record<ContactData>), errors: &["not_found", "validation", "conflict"] },
    Meta { op: "client.get", who: Staff, rights: &["clients.view"], writes: false, answer: ty!(Record<ClientData>), errors: BY_ID },
    Meta { op: "client.update", who: Staff, rights: &["clients.edit"], writes: true, answer: ty!(Record<ClientData>), errors: &["not_found", "validation", "conflict", "duplicate"] },
    Meta { op: "client.delete", who: Staff, rights: &["clients.delete"], writes: true, answer: ty!(Deleted), errors: DELETE },
    Meta { op: "client.list", who: Staff, rights: &["clients.view"], writes: false, answer: ty!(Page<Record<ClientData>>), errors: LIST },
    Meta { op: "client.contacts", who: Staff, rights: &["clients.view", "contacts.view"], writes: false, answer: ty!(Vec<ClientContact>), errors: BY_ID },
    Meta { op: "client.contacts_of", who: Staff, rights: &["clients.view", "contacts.view"], writes: false, answer: ty!(Vec<ClientContact>), errors: &["validation"] },
    Meta { op: "client.timeline", who: Staff, rights: &["clients.view"], writes: false, answer: ty!(Page<Record<InteractionData>>), errors: &["not_found", "invalid_filter", "validation"] },
    Meta { op: "contact.create", who: Staff, rights: &["contacts.add"], writes: true, answer: ty!(Record<ContactData>), errors: CREATE },
    Meta { op: "contact.get", who: Staff, rights: &["contacts.view"], writes: false, answer: ty!(Record<ContactData>), errors: BY_ID },
    Meta { op: "contact.update", who: Staff, rights: &["contacts.edit"], writes: true, answer: ty!(Record<ContactData>), errors: UPDATE },
    Meta { op: "contact.delete", who: Staff, rights: &["contacts.delete"], writes: true, answer: ty!(Deleted), errors: DELETE },
    Meta { op: "contact.list", who: Staff, rights: &["contacts.view"], writes: false, answer: ty!(Page<Record<ContactData>>), errors: LIST },
    Meta { op: "contact.link", who: Staff, rights: &["contacts.edit"], writes: true, answer: ty!(Vec<ClientContact>), errors: &["not_found", "validation", "duplicate", "primary_taken"] },
    Meta { op: "contact.unlink", who: Staff, rights: &["contacts.edit"], writes: true, answer: ty!(Done), errors: BY_ID },
    Meta { op: "contact.clients", who: Staff, rights: &["contacts.view", "clients.view"], writes: false, answer: ty!(Vec<LinkedClient>), errors: BY_ID },
    Meta { op: "contact.clients_of", who: Staff, rights: &["contacts.view", "clients.view"], writes: false, answer: ty!(Vec<LinkedClient>), errors: &["validation"] },
    Meta { op: "interaction.create", who: Staff, rights: &["interactions.add"], writes: true, answer: ty!(Record<InteractionData>), errors: &["validation", "not_found"] },
    Meta { op: "interaction.get", who: Staff, rights: &["interactions.view"], writes: false, answer: ty!(Record<InteractionData>), errors: BY_ID },
    Meta { op: "interaction.update", who: Staff, rights: &["interactions.edit"], writes: true, answer: ty!(Record<InteractionData>), errors: UPDATE },
    Meta { op: "interaction.delete", who: Staff, rights: &["interactions.delete"], writes: true, answer: ty!(Deleted), errors: DELETE },
    Meta { op: "interaction.list", who: Staff, rights: &["interactions.view"], writes: false, answer: ty!(Page<Record<InteractionData>>), errors: &["not_found", "invalid_filter", "validation"] },
    Meta { op: "transfer.create", who: Staff, rights: &["file_transfers.add"], writes: true, answer: ty!(Record<TransferData>), errors: &["validation", "not_found"] },
    Meta { op: "transfer.get", who: Staff, rights: &["file_transfers.view"], writes: false, answer: ty!(Record<TransferData>), errors: BY_ID },
    Meta { op: "transfer.transition", who: Staff, rights: &["file_transfers.edit"], writes: true, answer: ty!(Record<TransferData>), errors: &["not_found", "conflict", "invalid_transition", "validation"] },
    Meta { op: "transfer.update", who: Staff, rights: &["file_transfers.edit"], writes: true, answer: ty!(Record<TransferData>), errors: UPDATE },
    Meta { op: "transfer.delete", who: Staff, rights: &["file_transfers.delete"], writes: true, answer: ty!(Deleted), errors: DELETE },
    Meta { op: "transfer.list", who: Staff, rights: &["file_transfers.view"], writes: false, answer: ty!(Page<Record<TransferData>>), errors: &["not_found", "invalid_filter", "validation"] },
    Meta { op: "grid.query", who: Staff, rights: &["view on the list's records"], writes: false, answer: ty!(Grid), errors: &["not_found", "invalid_filter", "validation"] },
    Meta { op: "list.count_by", who: Staff, rights: &["view on the list's records"], writes: false, answer: ty!(GroupCounts), errors: &["not_found", "invalid_filter", "validation"] },
    Meta { op: "client.last_interaction", who: Staff, rights: &["clients.view", "interactions.view"], writes: false, answer: ty!(LastInteractions), errors: LIST },
    Meta { op: "columns.catalogue", who: Both, rights: &[], writes: false, answer: ty!(Vec<ColumnDef>), errors: &[] },
    Meta { op: "columns.get", who: Staff, rights: &[], writes: false, answer: ty!(Vec<ColumnDef>), errors: &[] },
    Meta { op: "columns.save", who: Staff, rights: &[], writes: true, answer: ty!(Vec<ColumnDef>), errors: &["validation"] },
    Meta { op: "filter.fields", who: Both, rights: &[], writes: false, answer: ty!(Vec<FieldInfo>), errors: &[] },
    Meta { op: "view.save", who: Both, rights: &["own views; a firm default or a shared view: the host"], writes: true, answer: ty!(SavedView), errors: &["validation", "invalid_filter", "not_found", "conflict", "duplicate"] },
    Meta { op: "view.list", who: Both, rights: &[], writes: false, answer: ty!(Vec<SavedView>), errors: &[] },
    Meta { op: "view.delete", who: Both, rights: &["own views; firm views: the host"], writes: true, answer: ty!(Done), errors: BY_ID },
    Meta { op: "layout.save", who: Both, rights: &["own layouts; a firm default: the host"], writes: true, answer: ty!(Layout), errors: &["validation", "not_found", "conflict", "duplicate"] },
    Meta { op: "layout.list", who: Both, rights: &[], writes: false, answer: ty!(Vec<Layout>), errors: &[] },
    Meta { op: "layout.get", who: Both, rights: &[], writes: false, answer: ty!(Layout), errors: BY_ID },
    Meta { op: "layout.delete", who: Both, rights: &["own layouts; firm layouts: the host"], writes: true, answer: ty!(Done), errors: BY_ID },
    Meta { op: "client.merge", who: Staff, rights: &["clients.edit", "clients.delete"], writes: true, answer: ty!(Merged), errors: &["not_found", "conflict", "validation"] },
    Meta { op: "contact.merge", who: Staff, rights: &["contacts.edit", "contacts.delete"], writes: true, answer: ty!(Merged), errors: &["not_found", "conflict", "validation"] },
    Meta { op: "duplicates.find", who: Staff, rights: &["view on the record's kind"], writes: false, answer: ty!(Vec<Duplicate>), errors: BY_ID },
    Meta { op: "history.list", who: Staff, rights: &["view on the record's kind (clients, contacts, interactions, file_transfers)"], writes: false, answer: ty!(Page<HistoryEntry>), errors: &["not_found", "validation"] },
    Meta { op: "trash.list", who: Staff, rights: &["delete on the entry's kind (entries without it are not listed)"], writes: false, answer: ty!(Vec<TrashEntry>), errors: &[] },
    Meta { op: "trash.restore", who: Staff, rights: &["delete on the entry's kind"], writes: true, answer: ty!(Restored), errors: &["not_found", "duplicate"] },
    Meta { op: "trash.purge", who: Staff, rights: &["delete on the entry's kind"], writes: true, answer: ty!(Done), errors: BY_ID },
    // The dashboards' front door (`clientele_render_dashboard`).
    Meta { op: "dashboard.render", who: Staff, rights: &["each tile: its portlet's rights (a tile without them is left out)"], writes: false, answer: Answer::Written("Dashboard", dashboard_schema), errors: &["not_found", "bad_layout"] },
    Meta { op: "portlet.list", who: Staff, rights: &[], writes: false, answer: Answer::Written("PortletList", portlet_list_schema), errors: &[] },
    Meta { op: "dashboard.layout.save", who: Both, rights: &["own layouts; a firm default: the host"], writes: true, answer: ty!(Layout), errors: &["bad_layout", "validation", "not_found", "conflict", "duplicate"] },
];

/// `dashboard.render`'s answer: with `"format": "json"` the dashboard and
/// its tiles, each a view model (`view`) or an error (`error`); with `html`
/// or `text`, the rendering.
fn dashboard_schema() -> Value {
    json!({
        "oneOf": [
            {
                "description": "\"format\": \"json\" (the default): the dashboard, its tiles in display order.",
                "type": "object",
                "properties": {
                    "title": {"type": "string", "description": "In the requested locale."},
                    "dashboard": {"enum": ["staff", "client", "firm"]},
                    "client_id": {"type": "integer", "description": "On a client dashboard."},
                    "layout": {
                        "description": "Which layout was used.",
                        "type": "object",
                        "properties": {
                            "source": {"enum": ["requested", "own", "firm_default", "built_in"]},
                            "id": {"type": "integer", "description": "The layout's id (not for built_in)."}
                        },
                        "required": ["source"]
                    },
                    "locale": {"enum": ["fr", "en"]},
                    "tiles": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "portlet": {"type": "string"},
                            "title": {"type": "string"},
                            "column": {"type": "integer", "minimum": 0},
                            "width": {"enum": ["third", "half", "two_thirds", "full"], "description": "The tile's width as the layout saved it (absent: the column's)."},
                            "status": {"enum": ["rendered", "not_rendered", "failed"], "description": "rendered: `view`; not_rendered (wrong dashboard, missing right...) or failed (error, panic, timeout): `error`."},
                            "view": {"$ref": "#/$defs/ViewModel"},
                            "error": {"$ref": "#/$defs/PortletErrorBody"}
                        },
                        "required": ["portlet", "title", "column", "status"]
                    }}
                },
                "required": ["title", "dashboard", "layout", "locale", "tiles"]
            },
            {
                "description": "\"format\": \"html\" (a self-contained page) or \"text\".",
                "type": "object",
                "properties": {"format": {"enum": ["html", "text"]}, "content": {"type": "string"}},
                "required": ["format", "content"],
                "additionalProperties": false
            }
        ]
    })
}

fn portlet_list_schema() -> Value {
    json!({
        "type": "object",
        "description": "The portlets (built-in and loaded), whether the viewer gets each, and the plugins that failed to load."
    })
}

/// The request schema of every op, by name, from the protocol's types.
fn request_schemas(g: &mut SchemaGenerator) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (root, actor) in [(t::<Envelope>(g), true), (t::<FrontRequest>(g), false)] {
        let name =
            root.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")).unwrap().to_string();
        let def = g.definitions()[&name].clone();
        let variants = def.get("oneOf").and_then(Value::as_array).cloned().unwrap_or_default();
        for mut v in variants {
            let op = v["properties"]["op"]["const"].as_str().expect("every variant has a const op").to_string();
            if actor {
                // The envelope's actor, beside the op's own fields.
                v["properties"]["actor"] = json!({"$ref": "#/$defs/Actor"});
                v["required"].as_array_mut().unwrap().insert(0, json!("actor"));
            }
            out.push((op, v));
        }
    }
    // The `export` op (`clientele-io` runs it; `schema/export.json`): its
    // `op` is a one-value enum, not a tagged variant.
    let root = t::<clientele_io::export::ExportRequest>(g).to_value();
    let export = match root.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
        Some(name) => g.definitions()[name].clone(),
        None => root,
    };
    out.push(("export".to_string(), export));
    out
}

fn who(w: Who) -> &'static str {
    match w {
        Host => "host",
        Staff => "staff",
        Both => "host or staff",
    }
}

/// `schema/ops.json`.
fn catalogue() -> (Value, Vec<String>) {
    let mut g = SchemaGenerator::default();
    let requests = request_schemas(&mut g);
    let mut problems = Vec::new();
    let mut ops = Vec::new();
    for (op, request) in &requests {
        let Some(m) = META.iter().find(|m| m.op == op) else {
            problems.push(format!(
                "no catalogue metadata for `{op}`: add its line to META in ffi/tests/catalogue.rs (who, rights, writes, answer type, errors)"
            ));
            continue;
        };
        let (answer_name, response) = match m.answer {
            Answer::Type(name, schema) => (name, schema(&mut g).to_value()),
            Answer::Written(name, schema) => (name, schema()),
        };
        let mut errors: Vec<&str> = m.errors.to_vec();
        errors.extend(COMMON_ERRORS);
        let front_door = !request["properties"].as_object().unwrap().contains_key("actor")
            || op.starts_with("dashboard.")
            || op == "portlet.list";
        ops.push(json!({
            "op": op,
            "function": if front_door { "clientele_render_dashboard" } else { "clientele_execute" },
            "actor": who(m.who),
            "rights": m.rights,
            "writes": m.writes,
            "request": request,
            "response_type": answer_name,
            "response": response,
            "errors": errors,
        }));
    }
    for m in META {
        if !requests.iter().any(|(op, _)| op == m.op) {
            problems
                .push(format!("META in ffi/tests/catalogue.rs describes `{}`, which the protocol no longer has", m.op));
        }
    }
    // Shared definitions: the engine's types, the view model and the
    // portlets' error body of the dashboard's tiles.
    let mut defs: Map<String, Value> = g.take_definitions(true).into_iter().collect();
    let mut vm = schemars::schema_for!(clientele_portlet_api::ViewModel).to_value();
    if let Some(Value::Object(inner)) = vm.as_object_mut().and_then(|o| o.remove("$defs")) {
        defs.extend(inner);
    }
    let vm = vm.as_object_mut().unwrap();
    vm.remove("$schema");
    defs.insert("ViewModel".into(), Value::Object(vm.clone()));
    let mut pe = schemars::schema_for!(clientele_portlet_api::ErrorBody).to_value();
    pe.as_object_mut().unwrap().remove("$schema");
    defs.insert("PortletErrorBody".into(), pe);
    let states: Vec<Value> = TransferStatus::ALL
        .iter()
        .map(|from| {
            json!({
                "status": from.as_str(),
                "label_fr": from.label(true),
                "label_en": from.label(false),
                "open": from.is_open(),
                "to": TransferStatus::ALL.iter().filter(|to| from.can_go_to(**to)).map(|to| to.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Clientèle op catalogue",
        "description": "Every op of the JSON protocol: who may send it, the rights it needs, whether it writes, its request and response schemas, and the error codes it may answer. Generated by ffi/tests/catalogue.rs (CLIENTELE_BLESS=1 cargo test -p clientele-ffi --test catalogue).",
        "common_errors": COMMON_ERRORS,
        "ops": ops,
        "transfer_states": states,
        "$defs": defs,
    });
    (doc, problems)
}

/// `docs/protocol.md`.
fn protocol_page(doc: &Value) -> String {
    let mut s = String::new();
    s.push_str("# The JSON protocol: every op\n\n");
    s.push_str("<!-- Generated by ffi/tests/catalogue.rs from the protocol's Rust types; do not edit:\n");
    s.push_str("     CLIENTELE_BLESS=1 cargo test -p clientele-ffi --test catalogue -->\n\n");
    s.push_str(
        "Every request is one JSON object with an `op` and, for `clientele_execute`, an `actor` \
         (a staff member's id, or `\"host\"`). The machine-readable form of this page, with each \
         op's request and response JSON Schema, is `ffi/schema/ops.json`; the error body is \
         `ffi/schema/error.json` (see `docs/embedding.md`).\n\n",
    );
    s.push_str("Errors every op may answer: ");
    let common: Vec<String> =
        doc["common_errors"].as_array().unwrap().iter().map(|e| format!("`{}`", e.as_str().unwrap())).collect();
    s.push_str(&common.join(", "));
    s.push_str(".\n\n");
    s.push_str("| op | sent to | actor | rights | writes | answer | its own errors |\n");
    s.push_str("|---|---|---|---|---|---|---|\n");
    for op in doc["ops"].as_array().unwrap() {
        let list = |v: &Value| {
            let items: Vec<String> =
                v.as_array().unwrap().iter().map(|x| format!("`{}`", x.as_str().unwrap())).collect();
            if items.is_empty() { "—".to_string() } else { items.join(", ") }
        };
        let own: Vec<Value> = op["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| !COMMON_ERRORS.contains(&e.as_str().unwrap()))
            .cloned()
            .collect();
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | `{}` | {} |\n",
            op["op"].as_str().unwrap(),
            op["function"].as_str().unwrap(),
            op["actor"].as_str().unwrap(),
            list(&op["rights"]),
            if op["writes"].as_bool().unwrap() { "yes" } else { "no" },
            op["response_type"].as_str().unwrap(),
            list(&Value::Array(own)),
        ));
    }
    s.push_str("\n## File transfers: the state machine\n\n");
    s.push_str(
        "`transfer.transition` moves a transfer (right `file_transfers.edit`; the `version` read, \
         a stale one is a `conflict`). A move the table does not allow answers \
         `invalid_transition`. Moving to `ready_for_download` needs files (given with the move, \
         or already there); `expired` is allowed only once the transfer's `expires_at` has \
         passed (before, `invalid_transition`), and open transfers past it are expired by the \
         engine itself at the next read or write that touches transfers, each recorded on the \
         client's timeline. Closed states (`complete`, `expired`, `canceled`) are final.\n\n",
    );
    let states = doc["transfer_states"].as_array().unwrap();
    s.push_str("| from \\ to |");
    for to in states {
        s.push_str(&format!(" `{}` |", to["status"].as_str().unwrap()));
    }
    s.push_str("\n|---|");
    for _ in states {
        s.push_str("---|");
    }
    s.push('\n');
    for from in states {
        s.push_str(&format!(
            "| `{}` ({} / {}) |",
            from["status"].as_str().unwrap(),
            from["label_fr"].as_str().unwrap(),
            from["label_en"].as_str().unwrap()
        ));
        for to in states {
            let allowed = from["to"].as_array().unwrap().iter().any(|t| t == &to["status"]);
            s.push_str(if allowed { " yes |" } else { " |" });
        }
        s.push('\n');
    }
    // Where `transfer.create` starts one (`ops::transfers`): files sent to
    // a contact are ready at once; a request for files waits for them.
    s.push_str(
        "\n```mermaid\nstateDiagram-v2\n    [*] --> waiting_for_files: transfer.create (received_from_contact, or \
         no files)\n    [*] --> ready_for_download: transfer.create (sent_to_contact with files)\n",
    );
    for from in states {
        for to in from["to"].as_array().unwrap() {
            s.push_str(&format!("    {} --> {}\n", from["status"].as_str().unwrap(), to.as_str().unwrap()));
        }
        if !from["open"].as_bool().unwrap() {
            s.push_str(&format!("    {} --> [*]\n", from["status"].as_str().unwrap()));
        }
    }
    s.push_str("```\n");
    s
}

#[test]
fn every_op_has_catalogue_metadata() {
    let (_, problems) = catalogue();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_catalogue_and_the_protocol_page_are_fresh() {
    let (doc, problems) = catalogue();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let json = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let page = protocol_page(&doc);
    let stale: Vec<String> = [
        refresh(&crate_dir().join("schema/ops.json"), &json),
        refresh(&workspace_dir().join("docs/protocol.md"), &page),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        stale.is_empty(),
        "{}\n(regenerate: CLIENTELE_BLESS=1 cargo test -p clientele-ffi --test catalogue)",
        stale.join("\n\n")
    );
}

#[test]
fn the_catalogue_agrees_with_the_engine_on_reads_and_writes() {
    // `Request::is_read_only` is the engine's own word on it: every op of
    // request.json, built from its schema's required fields with sample
    // values, must say the same as the catalogue.
    let (doc, _) = catalogue();
    let mut checked = 0;
    for op in doc["ops"].as_array().unwrap() {
        if op["function"] != "clientele_execute" {
            continue;
        }
        let name = op["op"].as_str().unwrap();
        let Some(request) = sample(name) else { continue };
        let request: clientele_core::protocol::Request =
            serde_json::from_value(request).unwrap_or_else(|e| panic!("sample of {name}: {e}"));
        assert_eq!(!request.is_read_only(), op["writes"].as_bool().unwrap(), "{name}: writes");
        assert_eq!(request.op(), name);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} ops checked");
}

/// A minimal request of a few ops (enough to cross-check the table).
fn sample(op: &str) -> Option<Value> {
    Some(match op {
        "staff.get" | "client.get" | "contact.get" | "interaction.get" | "transfer.get" | "layout.get"
        | "trash.restore" | "trash.purge" | "client.contacts" | "contact.clients" | "client.timeline" => {
            json!({"op": op, "id": 1})
        }
        "staff.list" | "trash.list" => json!({"op": op}),
        "client.delete" | "contact.delete" | "interaction.delete" | "transfer.delete" => {
            json!({"op": op, "id": 1, "version": 1})
        }
        "client.list" | "contact.list" | "interaction.list" | "transfer.list" => json!({"op": op}),
        "view.delete" | "layout.delete" => json!({"op": op, "id": 1}),
        "contact.unlink" => json!({"op": op, "contact_id": 1, "client_id": 1}),
        "client.contacts_of" | "contact.clients_of" => json!({"op": op, "ids": [1]}),
        _ => return None,
    })
}

/// A dashboard rendered through the C ABI has exactly the shape the
/// catalogue's hand-written `Dashboard` schema gives it.
#[test]
fn a_rendered_dashboard_has_the_catalogued_shape() {
    use std::ffi::{CStr, CString};
    fn call(
        f: unsafe extern "C" fn(
            *const clientele::ClienteleEngine,
            *const std::ffi::c_char,
            *mut *mut std::ffi::c_char,
        ) -> clientele::ClienteleStatus,
        engine: *mut clientele::ClienteleEngine,
        request: &str,
    ) -> Value {
        let request = CString::new(request).unwrap();
        let mut out = std::ptr::null_mut();
        let status = unsafe { f(engine, request.as_ptr(), &mut out) };
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
        unsafe { clientele::clientele_string_free(out) };
        assert_eq!(status, clientele::ClienteleStatus::CLIENTELE_OK, "{text}");
        serde_json::from_str(&text).unwrap()
    }
    let dir = scratch("catalogue-dashboard");
    let config = CString::new(format!(
        r#"{{"database_url": "sqlite:{}", "entitlements": ["client_management"]}}"#,
        dir.join("d.db").display()
    ))
    .unwrap();
    let (mut engine, mut error) = (std::ptr::null_mut(), std::ptr::null_mut());
    assert_eq!(
        unsafe { clientele::clientele_engine_open(config.as_ptr(), &mut engine, &mut error) },
        clientele::ClienteleStatus::CLIENTELE_OK
    );
    let all = r#"{"view": true, "add": true, "edit": true, "delete": true}"#;
    call(
        clientele::clientele_execute,
        engine,
        &format!(
            r#"{{"actor":"host","op":"staff.put","staff":{{"name":"T","initials":"T","rights":{{"clients":{all},"contacts":{all},"interactions":{all}}}}}}}"#
        ),
    );
    let client = call(
        clientele::clientele_execute,
        engine,
        r#"{"actor":1,"op":"client.create","data":{"code":"A1","name":"Hélène"}}"#,
    );
    let schema = dashboard_schema();
    let json_form = &schema["oneOf"][0];
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let allowed = |s: &Value| keys(&s["properties"]);
    let required = |s: &Value| -> Vec<String> {
        s["required"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
    };
    let tile_schema = &json_form["properties"]["tiles"]["items"];
    for request in [
        r#"{"actor":1,"op":"dashboard.render","dashboard":"staff"}"#.to_string(),
        format!(
            r#"{{"actor":1,"op":"dashboard.render","dashboard":"client","client_id":{},"locale":"en"}}"#,
            client["id"]
        ),
    ] {
        let board = call(clientele::clientele_render_dashboard, engine, &request);
        for k in keys(&board) {
            assert!(
                allowed(json_form).contains(&k),
                "`{k}` of a rendered dashboard is not in the catalogue's schema: {board}"
            );
        }
        for k in required(json_form) {
            assert!(board.get(&k).is_some(), "a rendered dashboard lacks `{k}`");
        }
        let tiles = board["tiles"].as_array().unwrap();
        assert!(!tiles.is_empty(), "{board}");
        for tile in tiles {
            for k in keys(tile) {
                assert!(allowed(tile_schema).contains(&k), "tile key `{k}` is not in the catalogue's schema: {tile}");
            }
            let status = tile["status"].as_str().unwrap();
            assert!(
                tile_schema["properties"]["status"]["enum"].as_array().unwrap().iter().any(|s| s == status),
                "{tile}"
            );
            assert!(tile.get("view").is_some() != tile.get("error").is_some(), "a view or an error: {tile}");
        }
        let source = board["layout"]["source"].as_str().unwrap();
        assert!(
            json_form["properties"]["layout"]["properties"]["source"]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == source)
        );
    }
    let text = call(
        clientele::clientele_render_dashboard,
        engine,
        r#"{"actor":1,"op":"dashboard.render","dashboard":"staff","format":"text"}"#,
    );
    assert_eq!(keys(&text), keys(&schema["oneOf"][1]["properties"]));
    assert_eq!(clientele::clientele_engine_close(engine), clientele::ClienteleStatus::CLIENTELE_OK);
}

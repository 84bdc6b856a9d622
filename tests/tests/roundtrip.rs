//! Export → import → export gives the same files, on SQLite and
//! PostgreSQL (issue 11): the demo's bilingual firm (Windows-1252 and
//! UTF-8 files, French and English headers) is imported into one database,
//! every kind (clients and contacts with their tags and custom values,
//! client–contact links, interactions with their custom values, transfers
//! with their contacts' keys and their files' sizes) is exported to CSV
//! with the columns that carry data (`docs/import-export.md`, "Round
//! trip"), those files are
//! imported into a fresh database, and exporting them again must give the
//! very same bytes — in French and in English.

use clientele_core::NoProgress;
use clientele_core::domain::Rights;
use clientele_core::protocol::{Actor, Request};
use clientele_core::query::import_columns::ImportKind;
use clientele_io::export::{ExportFormat, ExportOp, ExportRequest, export};
use clientele_io::import::{CsvImport, import_csv};
use clientele_tests::{Fixture, backend_tests, staff};
use serde_json::{Value, json};

const STAFF: [(&str, &str); 2] = [("Jean-François Côté", "JFC"), ("Marie-Ève Lévesque", "MEL")];

/// The kinds exported, in the order they import (clients before the
/// links, interactions and transfers that name them), with their grid (or
/// the links export) and columns: custom values and tags of clients and
/// contacts, interactions' and transfers' contacts by key.
fn kinds() -> Vec<(ImportKind, Value)> {
    vec![
        (
            ImportKind::Clients,
            json!({"op": "grid.query", "list": "clients", "sort": "code",
                   "columns": ["code", "name", "kind", "status", "office", "city", "phone", "email", "website", "won", "left",
                               "tags", "custom.secteur", "custom.employes"]}),
        ),
        (
            ImportKind::Contacts,
            json!({"op": "grid.query", "list": "contacts", "sort": "name",
                   "columns": ["key", "first_name", "last_name", "name", "company", "title", "phone", "email", "city",
                               "tags", "custom.fonction"]}),
        ),
        (ImportKind::Links, json!({"op": "links"})),
        (
            ImportKind::Interactions,
            json!({"op": "grid.query", "list": "interactions", "sort": "when",
                   "columns": ["when", "kind", "subject", "body", "client_code", "contact_key", "staff_initials", "direction",
                               "duration", "phone", "custom.dossier", "custom.montant"]}),
        ),
        (
            ImportKind::Transfers,
            json!({"op": "grid.query", "list": "transfers", "sort": "sent",
                   "columns": ["sent", "status", "direction", "subject", "client_code", "contact_key", "staff_initials",
                               "file_names", "file_sizes", "expires", "closed", "signature", "message"]}),
        ),
    ]
}

/// What the host defines in both databases: the firm's custom fields and
/// tags (data the files do not carry). Interactions' fields belong to a
/// kind of interaction.
fn define(f: &Fixture) {
    for (record, key, fr, en, ty) in [
        ("client", "secteur", "Secteur d'activité", "Industry", "text"),
        ("client", "employes", "Employés", "Employees", "number"),
        ("contact", "fonction", "Fonction", "Role in the firm", "text"),
        ("phone_call", "dossier", "Numéro de dossier", "File number", "text"),
        ("email", "montant", "Montant facturé", "Amount billed", "number"),
    ] {
        let field = match record {
            "client" | "contact" => {
                json!({"record": record, "key": key, "label_fr": fr, "label_en": en, "field_type": ty})
            }
            kind => json!({"record": "interaction", "kind": kind, "key": key, "label_fr": fr, "label_en": en,
                           "field_type": ty}),
        };
        host(f, json!({"op": "custom_field.put", "field": field}));
    }
    for (code, fr, en) in [("tres-important", "Très important", "Very important"), ("suivi", "À suivre", "Follow up")]
    {
        host(f, json!({"op": "tag.put", "tag": {"code": code, "name_fr": fr, "name_en": en, "colour": "#ff0000"}}));
    }
}

fn host(f: &Fixture, request: Value) {
    let mut request = request;
    request["actor"] = json!("host");
    f.engine.execute_json(&request.to_string()).unwrap_or_else(|e| panic!("{request}: {e}"));
}

/// Custom values and tags on records of the demo's files, and transfers in
/// several states between the clients and contacts its links join.
fn add_values_and_transfers(f: &Fixture) {
    let clients = run(f, json!({"op": "client.list", "sort": "code", "limit": 2}));
    let values = [
        json!({"custom": {"secteur": "Érablière; sucre", "employes": 12}, "tags": ["tres-important", "suivi"]}),
        json!({"custom": {"secteur": "=Comptabilité", "employes": 3}, "tags": ["suivi"]}),
    ];
    for (c, data) in clients["items"].as_array().unwrap().iter().zip(values) {
        run(f, json!({"op": "client.update", "id": c["id"], "version": c["version"], "data": data}));
    }
    let contacts = run(f, json!({"op": "contact.list", "sort": "name", "limit": 1}));
    let c = &contacts["items"][0];
    let data = json!({"custom": {"fonction": "Contrôleuse, « finances »"}, "tags": ["tres-important"]});
    run(f, json!({"op": "contact.update", "id": c["id"], "version": c["version"], "data": data}));
    let row = |client: &str, contact: &str, staff: &str, data: Value| json!({"client_code": client, "contact_key": contact, "staff_initials": staff, "data": data});
    let rows = json!([
        row(
            "BEA-1001",
            "P-2001",
            "JFC",
            json!({"direction": "sent_to_contact", "status": "complete",
            "subject": "États financiers 2025", "sent_at": "2026-10-01T13:15:00Z", "closed_at": "2026-10-03T18:00:00Z",
            "files": [{"name": "États financiers.pdf", "size": 48213}, {"name": "T2.pdf", "size": 1024}],
            "signature_required": true, "message": "Bonjour,\nvoici vos états ; bonne lecture."})
        ),
        row(
            "RIV-1002",
            "P-2002",
            "MEL",
            json!({"direction": "requested_from_contact", "status": "waiting_for_files",
            "subject": "Relevés bancaires", "sent_at": "2026-11-20T14:00:00Z"})
        ),
        row(
            "RIV-1002",
            "P-2002",
            "HDA",
            json!({"direction": "sent_to_contact", "status": "expired",
            "subject": "+Acomptes", "sent_at": "2026-09-01T12:00:00Z", "files": [{"name": "a.pdf", "size": 7}]})
        ),
    ]);
    let r = run(f, json!({"op": "import.transfers", "rows": rows}));
    assert_eq!((r["created"].as_u64(), r["failed"].as_u64()), (Some(3), Some(0)), "{r}");
}

fn add_staff(f: &Fixture) -> Vec<i64> {
    STAFF
        .iter()
        .map(|(name, initials)| {
            match f
                .engine
                .execute(
                    Actor::HOST,
                    Request::StaffPut { id: None, version: None, staff: staff(name, initials, Rights::all()) },
                )
                .unwrap()
            {
                clientele_core::protocol::Response::Staff(s) => s.id,
                other => panic!("{other:?}"),
            }
        })
        .collect()
}

fn run(f: &Fixture, request: Value) -> Value {
    let mut request = request;
    request["actor"] = json!(f.admin);
    let r = f.engine.execute_json(&request.to_string()).unwrap_or_else(|e| panic!("{request}: {e}"));
    serde_json::from_str(&r).unwrap()
}

/// Interactions of every kind the files carry, with text as firms write it
/// (accents, apostrophes, a line break, an emoji, a formula-looking
/// subject), each made by a staff member the other database also has.
fn add_interactions(f: &Fixture, staff: &[i64]) {
    let clients = run(f, json!({"op": "client.list", "sort": "code", "limit": 3}));
    let ids: Vec<i64> = clients["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    let rows = [
        json!({"kind": "phone_call", "occurred_at": "2025-02-03T15:04:00Z", "client_id": ids[0], "staff_id": staff[0],
               "subject": "Rappel : acomptes provisionnels", "body": "A demandé qu'on la rappelle.\nJeudi 😊",
               "direction": "outgoing", "duration_secs": 420, "phone": "+1 418 555-0199",
               "custom": {"dossier": "=2025-17; T2"}}),
        json!({"kind": "email", "occurred_at": "2025-02-04T13:00:00Z", "client_id": ids[1], "staff_id": staff[1],
               "subject": "=SOMME(A1:A2) d'Érablière", "body": "Pièces jointes : T4, relevé 1.",
               "custom": {"montant": 1234.5}}),
        json!({"kind": "note", "occurred_at": "2025-02-05T14:30:00Z", "client_id": ids[2], "staff_id": staff[0],
               "subject": "Fin d’exercice « 31 mars »", "body": ""}),
    ];
    for data in rows {
        run(f, json!({"op": "interaction.create", "data": data}));
    }
}

fn spec(kind: ImportKind) -> CsvImport {
    serde_json::from_value(
        json!({"kind": kind, "options": {"commit": "all_or_nothing"}, "time_zone": "America/Toronto"}),
    )
    .unwrap()
}

fn export_to(f: &Fixture, request: &Value, language: &str, path: &std::path::Path) -> Vec<u8> {
    let r: ExportRequest = serde_json::from_value(json!({
        "actor": f.admin, "op": "export", "format": "csv", "path": path.display().to_string(),
        "request": request, "language": language,
    }))
    .unwrap();
    assert_eq!(r.op, ExportOp::Export);
    assert_eq!(r.format, ExportFormat::Csv);
    export(&f.engine, &r, &NoProgress).unwrap_or_else(|e| panic!("{request}: {e}"));
    std::fs::read(path).unwrap()
}

fn exports_import_and_export_alike(a: &Fixture) {
    let dir = std::env::temp_dir().join(format!("clientele-roundtrip-{:?}-{}", a.backend, std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let staff = add_staff(a);
    define(a);
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo/data");
    for (kind, name) in [
        (ImportKind::Clients, "clients.csv"),
        (ImportKind::Contacts, "contacts.csv"),
        (ImportKind::Links, "links.csv"),
        (ImportKind::Interactions, "interactions.csv"),
    ] {
        let mut s = spec(kind);
        s.options = serde_json::from_value(json!({"commit": "batches"})).unwrap();
        s.path = Some(demo.join(name).display().to_string());
        let r = import_csv(&a.engine, Actor::Staff(a.admin), &s, b"", &NoProgress).unwrap();
        assert!(r.created > 0, "{name}: {r:?}");
    }
    add_interactions(a, &staff);
    add_values_and_transfers(a);
    for language in ["fr", "en"] {
        let b = Fixture::new(a.backend).expect("a second database on the same backend");
        add_staff(&b);
        define(&b);
        for (kind, request) in kinds() {
            let first = export_to(a, &request, language, &dir.join(format!("{kind:?}-{language}-a.csv")));
            if kind == ImportKind::Contacts {
                // The key the demo file gave (as kept: folded), so links and
                // interactions of another file can name the contact.
                assert!(String::from_utf8_lossy(&first).contains("\r\np-2001,"), "{}", String::from_utf8_lossy(&first));
            }
            // The values this round trip is about are in the file.
            let text = String::from_utf8_lossy(&first);
            let fr = language == "fr";
            let expected: &[&str] = match kind {
                ImportKind::Clients => &[
                    if fr { "À suivre; Très important" } else { "Follow up; Very important" },
                    "Érablière; sucre,12",
                    "'=Comptabilité",
                ],
                ImportKind::Contacts => {
                    &["Contrôleuse, « finances »", if fr { "Très important" } else { "Very important" }]
                }
                ImportKind::Links => &[if fr { "BEA-1001,p-2001,Principal" } else { "BEA-1001,p-2001,Primary" }],
                ImportKind::Interactions => {
                    &[",BEA-1001,p-2001,HDA,", "'=2025-17; T2", if fr { ",\"1234,5\"\r\n" } else { ",1234.5\r\n" }]
                }
                ImportKind::Transfers => &[
                    "États financiers.pdf; T2.pdf,48213; 1024,",
                    "a.pdf,7,",
                    ",RIV-1002,p-2002,MEL,",
                    if fr { "Terminé" } else { "Complete" },
                    "'+Acomptes",
                ],
            };
            for e in expected {
                assert!(text.contains(e), "{kind:?} ({language}): no {e:?} in\n{text}");
            }
            let r = import_csv(&b.engine, Actor::Staff(b.admin), &spec(kind), &first, &NoProgress)
                .unwrap_or_else(|e| panic!("{kind:?} ({language}) reads back: {e}"));
            assert!(r.errors.is_empty() && r.failed == 0, "{kind:?} ({language}): {r:?}");
            // (Records, not lines: a note may hold a line break.)
            assert!(r.rows >= 3, "{kind:?} ({language}): an export with data: {r:?}");
            assert_eq!(r.created, r.rows, "{kind:?} ({language}): every row created: {r:?}");
            let second = export_to(&b, &request, language, &dir.join(format!("{kind:?}-{language}-b.csv")));
            assert!(
                first == second,
                "{kind:?} ({language}): the second export differs\n--- first\n{}\n--- second\n{}",
                String::from_utf8_lossy(&first),
                String::from_utf8_lossy(&second)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

backend_tests!(exports_import_and_export_alike);

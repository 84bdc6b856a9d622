//! `import.transfers` on SQLite and PostgreSQL: file transfers in every
//! status the state machine has, with dates that agree with it; bad states,
//! bad references and rights refused by row, line and column in French and
//! English; `on_existing` matched by client, subject and sent time; dry run,
//! batches, progress and cancel; CSV files with French or English headers.
//! Also `create_tags` (a firm administrator's only) and the warning of a
//! tag named by another case or accents.

#![allow(clippy::result_large_err)]

use std::sync::Mutex;

use clientele_core::domain::{Perms, Rights};
use clientele_core::protocol::{Actor, ImportReport, Request, Response, Stopped};
use clientele_core::query::import_columns::ImportKind;
use clientele_core::{Engine, ErrorBody, Progress};
use clientele_io::import::{CsvImport, import_csv};
use clientele_tests::{Fixture, backend_tests};
use serde_json::{Value, json};

fn call(e: &Engine, request: Value) -> Result<Value, ErrorBody> {
    e.execute_json(&request.to_string()).map(|s| serde_json::from_str(&s).unwrap()).map_err(|e| e.body())
}

fn import(f: &Fixture, actor: i64, op: &str, rows: Value, options: Value) -> Result<ImportReport, ErrorBody> {
    call(&f.engine, json!({"actor": actor, "op": op, "rows": rows, "options": options}))
        .map(|v| serde_json::from_value(v).unwrap())
}

fn transfers(f: &Fixture, actor: i64) -> u64 {
    call(&f.engine, json!({"actor": actor, "op": "transfer.list", "count": true, "limit": 1})).unwrap()["total"]
        .as_u64()
        .unwrap()
}

fn get(f: &Fixture, id: i64) -> Value {
    call(&f.engine, json!({"actor": f.admin, "op": "transfer.get", "id": id})).unwrap()
}

/// Two clients of two offices, each with its linked contact.
fn firm(f: &Fixture) {
    let ok = |r: ImportReport| assert_eq!((r.failed, r.complete), (0, true), "{:?}", r.errors);
    ok(import(
        f,
        f.admin,
        "import.clients",
        json!([{"code": "TRE-001", "name": "Tremblay inc.", "office": "Québec"},
               {"code": "MTL-002", "name": "Côté ltée", "office": "Montréal"}]),
        json!({}),
    )
    .unwrap());
    ok(import(
        f,
        f.admin,
        "import.contacts",
        json!([{"key": "P-1", "data": {"first_name": "Éloïse", "last_name": "Quintal",
                                       "emails": [{"address": "eloise@quintal.ca"}]}},
               {"key": "P-2", "data": {"first_name": "Réjean", "last_name": "Xylo"}}]),
        json!({}),
    )
    .unwrap());
    ok(import(
        f,
        f.admin,
        "import.links",
        json!([{"client_code": "TRE-001", "contact_key": "P-1"}, {"client_code": "MTL-002", "contact_key": "P-2"}]),
        json!({}),
    )
    .unwrap());
}

fn row(client: &str, contact: &str, data: Value) -> Value {
    json!({"client_code": client, "contact_key": contact, "staff_initials": "hda", "data": data})
}

/// Every status lands as the state machine would have left it: files in
/// the transfer's state, the expiry 30 days after sending unless given, the
/// closing date kept (an expired one's defaults to its expiry).
fn every_status_imports(f: &Fixture) {
    firm(f);
    let files = json!([{"name": "T4.pdf", "size": 1200}, {"name": "Relevé.pdf", "size": 800}]);
    let rows = json!([
        row("TRE-001", "P-1", json!({"direction": "requested_from_contact", "status": "waiting_for_files",
            "subject": "Pièces justificatives", "sent_at": "2026-11-20T14:00:00Z"})),
        {"client_code": "tre-001", "contact_email": "ELOISE@quintal.ca", "staff_initials": "HDA",
         "data": {"direction": "sent_to_contact", "status": "ready_for_download", "subject": "Déclaration xérographe",
                  "sent_at": "2026-11-25T10:00:00Z", "files": files, "signature_required": true}},
        row("MTL-002", "P-2", json!({"direction": "sent_to_contact", "status": "complete", "subject": "États financiers",
            "sent_at": "2026-10-01T12:00:00Z", "closed_at": "2026-10-10T09:30:00Z", "files": files})),
        row("MTL-002", "P-2", json!({"direction": "requested_from_contact", "status": "expired",
            "subject": "Relevés bancaires", "sent_at": "2026-09-01T12:00:00Z"})),
        row("TRE-001", "P-1", json!({"direction": "sent_to_contact", "status": "canceled", "subject": "Brouillon",
            "sent_at": "2026-11-01T12:00:00Z", "expires_at": "2026-11-15T12:00:00Z",
            "closed_at": "2026-11-02T08:00:00Z", "message": "Envoyé par erreur"})),
    ]);
    let r = import(f, f.admin, "import.transfers", rows, json!({})).unwrap();
    assert_eq!((r.import.as_str(), r.created, r.failed, r.complete), ("transfers", 5, 0, true), "{:?}", r.errors);
    let ids: Vec<i64> = r.ids.iter().map(|i| i.unwrap()).collect();

    let t = get(f, ids[0]);
    assert_eq!(t["data"]["status"], "waiting_for_files");
    assert_eq!(t["data"]["expires_at"], "2026-12-20T14:00:00Z");
    assert_eq!(t["data"]["closed_at"], Value::Null);
    assert_eq!(t["data"]["files"], json!([]));
    let t = get(f, ids[1]);
    assert_eq!(t["data"]["status"], "ready_for_download");
    assert_eq!(t["data"]["signature_required"], true);
    assert_eq!(t["data"]["files"][0]["status"], "ready_for_download");
    assert_eq!(t["data"]["files"][1]["name"], "Relevé.pdf");
    let t = get(f, ids[2]);
    assert_eq!(t["data"]["status"], "complete");
    assert_eq!(t["data"]["closed_at"], "2026-10-10T09:30:00Z");
    assert!(t["data"]["files"].as_array().unwrap().iter().all(|x| x["status"] == "downloaded"));
    let t = get(f, ids[3]);
    assert_eq!(t["data"]["status"], "expired");
    assert_eq!(t["data"]["closed_at"], "2026-10-01T12:00:00Z");
    let t = get(f, ids[4]);
    assert_eq!(
        (t["data"]["status"].as_str(), t["data"]["message"].as_str()),
        (Some("canceled"), Some("Envoyé par erreur"))
    );
    assert_eq!(t["data"]["expires_at"], "2026-11-15T12:00:00Z");
    // Attributed to the actor, searchable, counted by the list.
    assert_eq!(t["created_by"], f.admin);
    assert_eq!(transfers(f, f.admin), 5);
    let found = call(&f.engine, json!({"actor": f.admin, "op": "transfer.list", "search": "xerographe"})).unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    // Only the open ones are open; the sweep leaves them (not yet due).
    let open =
        call(&f.engine, json!({"actor": f.admin, "op": "transfer.list", "open_only": true, "count": true})).unwrap();
    assert_eq!(open["total"], 2);
}

/// A state no transfer of Clientèle can be in, or a reference to nothing,
/// is a bad row naming its column, in French and English; a dry run writes
/// nothing.
fn bad_rows_are_reported_by_column(f: &Fixture) {
    firm(f);
    let files = json!([{"name": "a.pdf", "size": 1}]);
    let cases: Vec<(Value, &str, &str, Option<&str>)> = vec![
        (
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "sent_to_contact", "status": "waiting_for_files", "subject": "A",
            "sent_at": "2026-11-20T00:00:00Z", "files": files}),
            ),
            "files",
            "validation",
            Some("not_for_kind"),
        ),
        (
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "sent_to_contact", "status": "ready_for_download", "subject": "B",
            "sent_at": "2026-11-20T00:00:00Z"}),
            ),
            "files",
            "validation",
            Some("required"),
        ),
        (
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "sent_to_contact", "status": "complete", "subject": "C",
            "sent_at": "2026-11-20T00:00:00Z", "files": files}),
            ),
            "closed_at",
            "validation",
            Some("required"),
        ),
        (
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "sent_to_contact", "status": "waiting_for_files", "subject": "D",
            "sent_at": "2026-09-01T00:00:00Z"}),
            ),
            "expires_at",
            "validation",
            Some("out_of_range"),
        ),
        (
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "sent_to_contact", "status": "expired", "subject": "E",
            "sent_at": "2026-11-20T00:00:00Z"}),
            ),
            "closed_at",
            "validation",
            Some("out_of_range"),
        ),
        (
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "sent_to_contact", "status": "waiting_for_files", "subject": "F",
            "sent_at": "2026-12-20T00:00:00Z"}),
            ),
            "sent_at",
            "validation",
            Some("out_of_range"),
        ),
        (
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "sent_to_contact", "status": "canceled", "subject": "G",
            "sent_at": "2026-09-01T00:00:00Z", "closed_at": "2026-10-15T00:00:00Z"}),
            ),
            "closed_at",
            "validation",
            Some("out_of_range"),
        ),
        (
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "sent_to_contact", "status": "canceled", "subject": "H",
            "sent_at": "2026-11-20T00:00:00Z", "closed_at": "2026-11-19T00:00:00Z"}),
            ),
            "closed_at",
            "validation",
            Some("out_of_range"),
        ),
        (
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "sent_to_contact", "status": "waiting_for_files", "subject": "I",
            "sent_at": "2026-11-20T00:00:00Z", "closed_at": "2026-11-21T00:00:00Z"}),
            ),
            "closed_at",
            "validation",
            Some("not_for_kind"),
        ),
        (
            row(
                "TRE-001",
                "P-2",
                json!({"direction": "sent_to_contact", "subject": "J",
            "sent_at": "2026-11-20T00:00:00Z"}),
            ),
            "contact_key",
            "validation",
            Some("not_linked"),
        ),
        (
            row(
                "NUL-404",
                "P-1",
                json!({"direction": "sent_to_contact", "subject": "K",
            "sent_at": "2026-11-20T00:00:00Z"}),
            ),
            "client_code",
            "not_found",
            None,
        ),
        (
            json!({"client_code": "TRE-001", "contact_key": "P-1", "staff_initials": "ZZZ",
            "data": {"direction": "sent_to_contact", "subject": "L", "sent_at": "2026-11-20T00:00:00Z"}}),
            "staff_initials",
            "not_found",
            None,
        ),
        (
            json!({"client_code": "TRE-001", "contact_key": "P-1",
            "data": {"direction": "sent_to_contact", "subject": "M", "sent_at": "2026-11-20T00:00:00Z"}}),
            "staff_initials",
            "validation",
            Some("required"),
        ),
        (
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "sent_to_contact", "subject": "  ",
            "sent_at": "2026-11-20T00:00:00Z"}),
            ),
            "subject",
            "validation",
            Some("required"),
        ),
    ];
    let rows: Vec<Value> = cases.iter().map(|c| c.0.clone()).collect();
    for opts in [json!({"dry_run": true}), json!({"commit": "batches"})] {
        let r = import(f, f.admin, "import.transfers", Value::Array(rows.clone()), opts).unwrap();
        assert_eq!((r.created, r.failed), (0, cases.len() as u64), "{:?}", r.errors);
        for (i, (_, column, code, reason)) in cases.iter().enumerate() {
            let e = r.errors.iter().find(|e| e.row == i as u64 + 1).unwrap_or_else(|| panic!("row {}", i + 1));
            assert_eq!((e.column.as_str(), e.code.as_str(), e.reason.as_deref()), (*column, *code, *reason), "{e:?}");
            assert!(!e.message_fr.is_empty() && e.message_fr != e.message_en, "{e:?}");
        }
    }
    assert_eq!(transfers(f, f.admin), 0);
}

/// A row matches a live transfer of the same client, subject (case and
/// accents ignored) and sent time to the second: `error`, `skip` or
/// `update` (the whole transfer replaced, state included).
fn on_existing_by_client_subject_and_sent_time(f: &Fixture) {
    firm(f);
    let first = row(
        "TRE-001",
        "P-1",
        json!({"direction": "requested_from_contact", "subject": "Rapport annuel", "sent_at": "2026-11-20T14:00:00Z"}),
    );
    let r = import(f, f.admin, "import.transfers", json!([first]), json!({})).unwrap();
    let id = r.ids[0].unwrap();
    let again = row(
        "tre-001",
        "P-1",
        json!({"direction": "requested_from_contact", "status": "canceled", "subject": "RAPPORT ANNUÉL",
               "sent_at": "2026-11-20T14:00:00.600Z", "closed_at": "2026-11-21T10:00:00Z"}),
    );
    let r = import(f, f.admin, "import.transfers", json!([again]), json!({})).unwrap();
    assert_eq!((r.created, r.failed, r.errors[0].code.as_str()), (0, 1, "duplicate"), "{:?}", r.errors);
    assert!(r.errors[0].message_fr.contains("déjà"), "{:?}", r.errors[0]);
    let r = import(f, f.admin, "import.transfers", json!([again]), json!({"on_existing": "skip"})).unwrap();
    assert_eq!((r.skipped, r.ids[0]), (1, Some(id)));
    let r = import(f, f.admin, "import.transfers", json!([again]), json!({"on_existing": "update"})).unwrap();
    assert_eq!((r.updated, r.ids[0]), (1, Some(id)), "{:?}", r.errors);
    let t = get(f, id);
    assert_eq!((t["data"]["status"].as_str(), t["version"].as_i64()), (Some("canceled"), Some(2)));
    assert_eq!(transfers(f, f.admin), 1);
    // Twice in one file: the second is a bad row naming the first's line.
    let other = row(
        "TRE-001",
        "P-1",
        json!({"direction": "sent_to_contact", "subject": "Autre", "sent_at": "2026-11-22T14:00:00Z"}),
    );
    let r = import(f, f.admin, "import.transfers", json!([other, other]), json!({"commit": "batches"})).unwrap();
    assert_eq!((r.created, r.failed), (1, 1));
    assert_eq!(r.errors[0].reason.as_deref(), Some("duplicate_in_file"));
}

/// The right to add transfers (and to edit them, to update); a staff member
/// of one office imports only into its clients.
fn rights_and_offices(f: &Fixture) {
    firm(f);
    let rows = json!([
        row(
            "MTL-002",
            "P-2",
            json!({"direction": "sent_to_contact", "subject": "Montréal", "sent_at": "2026-11-20T00:00:00Z"})
        ),
        row(
            "TRE-001",
            "P-1",
            json!({"direction": "sent_to_contact", "subject": "Québec", "sent_at": "2026-11-20T00:00:00Z"})
        ),
    ]);
    let mut rights = Rights::all();
    rights.file_transfers = Perms::VIEW;
    let viewer = f.staff("Lecteur", rights);
    assert_eq!(import(f, viewer, "import.transfers", rows.clone(), json!({})).unwrap_err().code, "forbidden");
    let mut rights = Rights::all();
    rights.file_transfers = Perms { view: true, add: true, edit: false, delete: false };
    let adder = f.staff("Ajout", rights);
    let e = import(f, adder, "import.transfers", rows.clone(), json!({"on_existing": "update"})).unwrap_err();
    assert_eq!(e.code, "forbidden");
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let montreal = f.staff("Montréal seulement", rights);
    let r = import(f, montreal, "import.transfers", rows, json!({"commit": "batches"})).unwrap();
    assert_eq!((r.created, r.failed), (1, 1), "{:?}", r.errors);
    assert_eq!((r.errors[0].row, r.errors[0].code.as_str()), (2, "not_found"));
    assert_eq!(transfers(f, montreal), 1);
    assert_eq!(transfers(f, f.admin), 1);
}

struct Watch {
    seen: Mutex<Vec<(u64, u64)>>,
    cancel_at: u64,
}

impl Progress for Watch {
    fn report(&self, done: u64, total: u64) -> bool {
        self.seen.lock().unwrap().push((done, total));
        done < self.cancel_at
    }
}

/// Batches commit one by one with progress between them; a cancel keeps
/// the whole batches committed.
fn batches_progress_and_cancel(f: &Fixture) {
    firm(f);
    let rows: Vec<Value> = (0..2500)
        .map(|i| {
            let sent = clientele_tests::epoch() - chrono::Duration::minutes(i + 1);
            row(
                "TRE-001",
                "P-1",
                json!({"direction": "requested_from_contact", "subject": format!("Envoi {i}"),
                "sent_at": sent.to_rfc3339()}),
            )
        })
        .collect();
    let w = Watch { seen: Mutex::new(Vec::new()), cancel_at: 3500 };
    let request: Request = serde_json::from_value(
        json!({"op": "import.transfers", "rows": rows, "options": {"commit": "batches", "batch_size": 1000}}),
    )
    .unwrap();
    let r = match f.engine.execute_with_progress(Actor::Staff(f.admin), request, &w).unwrap() {
        Response::ImportReport(r) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(r.stopped, Some(Stopped::Canceled));
    assert_eq!((r.created, r.batches_committed, r.complete), (1000, 1, false));
    assert_eq!(transfers(f, f.admin), 1000);
    // The committed batch is in the keyword index (filled per batch).
    let found = call(&f.engine, json!({"actor": f.admin, "op": "transfer.list", "search": "envoi 999"})).unwrap();
    let subjects: Vec<&str> =
        found["items"].as_array().unwrap().iter().map(|t| t["data"]["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["Envoi 999"]);
    let seen = w.seen.into_inner().unwrap();
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), vec![1000, 2000, 3500]);
    assert!(seen.iter().all(|s| s.1 == 5000));
}

fn csv(f: &Fixture, body: &str, options: Value) -> ImportReport {
    let spec: CsvImport = serde_json::from_value(json!({"kind": ImportKind::Transfers, "options": options})).unwrap();
    import_csv(&f.engine, Actor::Staff(f.admin), &spec, body.as_bytes(), &clientele_core::NoProgress).unwrap()
}

/// CSV files with French or English headers (the transfers list's labels),
/// `;` or `,`, dates `jj/mm/aaaa hh:mm` in the firm's time zone, statuses
/// and directions by their labels, files by name; bad cells by line and
/// header.
fn csv_files_in_both_languages(f: &Fixture) {
    firm(f);
    let fr = "Envoyé le;Statut;Sens;Objet;Code client;Clé de la personne-ressource;Initiales de l'employé;Noms des fichiers;Fermé le\n\
              20/11/2026 09:00;En attente de fichiers;Demandé à la personne-ressource;Pièces;TRE-001;P-1;HDA;;\n\
              01/10/2026 08:00;Terminé;Envoyé à la personne-ressource;États;MTL-002;P-2;HDA;\"T4.pdf; Relevé.pdf\";10/10/2026 12:00\n\
              31/02/2026 08:00;Terminé;Envoyé à la personne-ressource;Mauvaise date;MTL-002;P-2;HDA;a.pdf;10/10/2026 12:00\n\
              21/11/2026 08:00;Prêt à télécharger;Envoyé à la personne-ressource;Sans fichiers;MTL-002;P-2;HDA;;\n";
    let r = csv(f, fr, json!({"commit": "batches"}));
    assert_eq!((r.rows, r.created, r.failed), (4, 2, 2), "{:?}", r.errors);
    assert_eq!((r.errors[0].line, r.errors[0].column.as_str()), (4, "Envoyé le"), "{:?}", r.errors);
    assert_eq!((r.errors[1].line, r.errors[1].column.as_str()), (5, "Noms des fichiers"), "{:?}", r.errors);
    let t = get(f, r.ids[1].unwrap());
    assert_eq!(t["data"]["files"].as_array().unwrap().len(), 2);
    assert_eq!(t["data"]["status"], "complete");
    // 08:00 in Toronto (EDT) is 12:00 UTC.
    assert_eq!(t["data"]["sent_at"], "2026-10-01T12:00:00Z");
    let en = "Sent,Status,Direction,Subject,Client ID,Contact e-mail,Staff initials,Expires,Closed,Signature required\n\
              2026-11-01 08:00,Canceled,Sent to contact,Draft,TRE-001,eloise@quintal.ca,HDA,2026-11-30 08:00,2026-11-02 08:00,Yes\n";
    let r = csv(f, en, json!({}));
    assert_eq!((r.created, r.failed), (1, 0), "{:?}", r.errors);
    let t = get(f, r.ids[0].unwrap());
    assert_eq!(
        (t["data"]["status"].as_str(), t["data"]["signature_required"].as_bool()),
        (Some("canceled"), Some(true))
    );
    // Imported again: every row matches its transfer.
    let r = csv(f, en, json!({"on_existing": "skip"}));
    assert_eq!((r.created, r.skipped), (0, 1));
}

/// `create_tags` is a firm administrator's (every right, every office):
/// anyone else is refused whole, naming the option in both languages. A tag
/// named by another case or accents is matched, and the report says so.
fn create_tags_and_tag_matches(f: &Fixture) {
    call(
        &f.engine,
        json!({"actor": "host", "op": "tag.put", "tag": {"code": "tres-important", "name_fr": "Très important",
               "name_en": "Very important", "colour": "#ff0000"}}),
    )
    .unwrap();
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Québec".into()]);
    let quebec = f.staff("Québec", rights);
    let rows = json!([{"code": "TG-1", "name": "Étiqueté", "office": "Québec", "tags": ["Nouvelle étiquette"]}]);
    let err = import(f, quebec, "import.clients", rows.clone(), json!({"create_tags": true})).unwrap_err();
    assert_eq!(err.code, "forbidden");
    assert!(err.message.contains("create_tags"), "{}", err.message);
    let e = clientele_core::Error::Forbidden {
        actor: "staff 2".into(),
        action: "use",
        entity: "options.create_tags (tags are made by the host, or by a firm administrator: every right, every office)",
    };
    let fr = e.body_in("fr").message;
    assert!(fr.contains("create_tags") && fr.contains("administrateur"), "{fr}");
    // Without the option, the same staff member imports known tags.
    let rows = json!([{"code": "TG-2", "name": "Connu", "office": "Québec", "tags": ["TRES IMPORTANT", "Very important"]},
                      {"code": "TG-3", "name": "Exact", "office": "Québec", "tags": ["Très important"]}]);
    let r = import(f, quebec, "import.clients", rows, json!({})).unwrap();
    assert_eq!((r.created, r.failed), (2, 0), "{:?}", r.errors);
    let w = serde_json::to_value(&r.warnings).unwrap();
    let matched: Vec<&Value> = w.as_array().unwrap().iter().filter(|w| w["warning"]["code"] == "tag_matched").collect();
    assert_eq!(matched.len(), 1, "{w}");
    assert_eq!(matched[0]["row"], 1);
    assert_eq!(matched[0]["warning"]["reference"], "TRES IMPORTANT");
    assert_eq!(matched[0]["warning"]["tag"], "tres-important");
    assert!(matched[0]["warning"]["message_fr"].as_str().unwrap().contains("Très important"));
    // The firm administrator still creates tags from a file.
    let rows = json!([{"code": "TG-4", "name": "Nouveau", "office": "Québec", "tags": ["Nouvelle étiquette"]}]);
    let r = import(f, f.admin, "import.clients", rows, json!({"create_tags": true})).unwrap();
    assert_eq!((r.created, r.failed), (1, 0), "{:?}", r.errors);
}

/// The links export (`{"op": "links"}`) writes the links import's columns
/// (client code, contact key, role label) for the clients the actor sees,
/// filtered as the client list; an unknown field is refused.
fn links_export_follows_offices(f: &Fixture) {
    firm(f);
    import(
        f,
        f.admin,
        "import.links",
        json!([{"client_code": "MTL-002", "contact_key": "P-1", "role": "billing"}]),
        json!({}),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("clientele-links-{:?}-{}", f.backend, std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("liens.csv");
    let export = |actor: i64, request: Value| {
        let r = json!({"actor": actor, "op": "export", "format": "csv", "path": path.display().to_string(),
                       "request": request, "language": "fr", "bom": false});
        clientele_io::export::export(&f.engine, &serde_json::from_value(r).unwrap(), &clientele_core::NoProgress)
            .map(|_| std::fs::read_to_string(&path).unwrap())
    };
    let all = export(f.admin, json!({"op": "links"})).unwrap();
    assert_eq!(
        all,
        "Client,Personne-ressource,Rôle\r\nMTL-002,p-1,Facturation\r\nMTL-002,p-2,Autre\r\nTRE-001,p-1,Autre\r\n"
    );
    let some = export(f.admin, json!({"op": "links", "filter": "bureau:Québec"})).unwrap();
    assert_eq!(some, "Client,Personne-ressource,Rôle\r\nTRE-001,p-1,Autre\r\n");
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let montreal = f.staff("Montréal seulement", rights);
    let theirs = export(montreal, json!({"op": "links"})).unwrap();
    assert!(theirs.contains("MTL-002") && !theirs.contains("TRE-001"), "{theirs}");
    let e = export(f.admin, json!({"op": "links", "sort": "name"})).unwrap_err();
    assert_eq!(e.code(), "bad_request");
    let _ = std::fs::remove_dir_all(&dir);
}

backend_tests!(
    links_export_follows_offices,
    every_status_imports,
    bad_rows_are_reported_by_column,
    on_existing_by_client_subject_and_sent_time,
    rights_and_offices,
    batches_progress_and_cancel,
    csv_files_in_both_languages,
    create_tags_and_tag_matches,
);

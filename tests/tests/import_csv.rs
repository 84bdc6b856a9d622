//! CSV imports as firms have the files, on SQLite and PostgreSQL: the
//! demo's small bilingual firm (`examples/demo/data/*.csv`: UTF-8 with a
//! BOM and `;`, Windows-1252 and `,`, French and English headers,
//! `jj/mm/aaaa` dates, decimals with a comma, a few bad rows) imported
//! after a dry run; the same clients written every way a file may come
//! read the same; an all-or-nothing file with a bad cell writes nothing.

use clientele_core::domain::Rights;
use clientele_core::protocol::{Actor, ImportReport, Request, Response};
use clientele_core::{NoProgress, query::import_columns::ImportKind};
use clientele_io::import::{CsvImport, import_csv};
use clientele_tests::{Fixture, backend_tests, staff};
use serde_json::{Value, json};

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo/data").join(name)
}

fn spec(kind: ImportKind, options: Value) -> CsvImport {
    serde_json::from_value(json!({"kind": kind, "options": options, "time_zone": "America/Toronto"})).unwrap()
}

fn file(f: &Fixture, kind: ImportKind, name: &str, options: Value) -> ImportReport {
    let mut s = spec(kind, options);
    s.path = Some(data(name).display().to_string());
    import_csv(&f.engine, Actor::Staff(f.admin), &s, b"", &NoProgress).unwrap()
}

fn bytes(f: &Fixture, kind: ImportKind, b: &[u8], options: Value) -> ImportReport {
    import_csv(&f.engine, Actor::Staff(f.admin), &spec(kind, options), b, &NoProgress).unwrap()
}

fn search(f: &Fixture, op: &str, words: &str) -> Vec<Value> {
    let r = f.engine.execute_json(&json!({"actor": f.admin, "op": op, "search": words}).to_string()).unwrap();
    serde_json::from_str::<Value>(&r).unwrap()["items"].as_array().unwrap().clone()
}

fn bad(r: &ImportReport) -> Vec<(u64, &str)> {
    r.errors.iter().map(|e| (e.line, e.column.as_str())).collect()
}

fn demo_firm_imports_after_a_dry_run(f: &Fixture) {
    for (name, initials) in [("Jean-François Côté", "JFC"), ("Marie-Ève Lévesque", "MEL")] {
        f.engine
            .execute(
                Actor::HOST,
                Request::StaffPut { id: None, version: None, staff: staff(name, initials, Rights::all()) },
            )
            .unwrap();
    }
    let batches = json!({"commit": "batches"});
    let dry = json!({"commit": "batches", "dry_run": true});
    // Clients: UTF-8 with a BOM, `;`, French headers (and English values).
    let r = file(f, ImportKind::Clients, "clients.csv", dry.clone());
    assert_eq!((r.rows, r.created, r.failed, r.dry_run), (7, 4, 3, true));
    assert_eq!(bad(&r), vec![(6, "Nom"), (7, "Date d'acquisition"), (8, "Code")]);
    assert!(search(f, "client.list", "erabliere").is_empty(), "a dry run writes nothing");
    let r = file(f, ImportKind::Clients, "clients.csv", batches.clone());
    assert_eq!((r.created, r.failed, r.dry_run, r.complete), (4, 3, false, true));
    let found = search(f, "client.list", "erabliere");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["data"]["retention"]["won_date"], json!("2020-06-01"));
    let obrien = &search(f, "client.list", "obrien")[0]["data"];
    assert_eq!((obrien["kind"].as_str(), obrien["status"].as_str()), (Some("business"), Some("active")));
    let ouellet = &search(f, "client.list", "ouellet")[0]["data"];
    assert_eq!(ouellet["retention"]["won_date"], json!("2019-01-15"));
    assert_eq!(ouellet["address"]["postal_code"], json!("G1R 1N4"));
    // Contacts: Windows-1252, `,`, English headers.
    let r = file(f, ImportKind::Contacts, "contacts.csv", batches.clone());
    assert_eq!((r.created, r.failed), (4, 1));
    assert_eq!(bad(&r), vec![(6, "E-mail")]);
    assert!(r.errors[0].message_fr.contains("courriel"));
    let sean = search(f, "contact.list", "seán");
    assert_eq!(sean.len(), 1);
    assert_eq!(sean[0]["data"]["first_name"], json!("Seán"));
    // Links: French headers and role labels.
    let r = file(f, ImportKind::Links, "links.csv", batches.clone());
    assert_eq!((r.created, r.failed), (4, 1));
    assert_eq!(bad(&r), vec![(6, "Personne-ressource")]);
    // Interactions: jj/mm/aaaa, a decimal comma, initials, French and
    // English kind labels.
    let r = file(f, ImportKind::Interactions, "interactions.csv", dry);
    assert_eq!((r.created, r.failed), (4, 3));
    assert_eq!(bad(&r), vec![(6, "When"), (7, "Client"), (8, "Kind")]);
    assert!(search(f, "interaction.list", "instalments").is_empty());
    let r = file(f, ImportKind::Interactions, "interactions.csv", batches);
    assert_eq!((r.created, r.failed), (4, 3));
    let call = &search(f, "interaction.list", "releves")[0]["data"];
    assert_eq!(
        (call["kind"].as_str(), call["direction"].as_str(), call["duration_secs"].as_i64()),
        (Some("phone_call"), Some("incoming"), Some(300))
    );
    assert_eq!(call["occurred_at"], json!("2025-01-15T15:30:00Z"));
    assert_eq!(call["staff_id"], json!(f.admin));
    assert_eq!(search(f, "interaction.list", "instalments").len(), 1);
    // Transfers: closed ones of last year; an open one past its expiry and
    // one to a contact of another client are bad rows.
    let r = file(f, ImportKind::Transfers, "transfers.csv", json!({"commit": "batches", "dry_run": true}));
    assert_eq!((r.created, r.failed), (3, 2), "{:?}", r.errors);
    assert_eq!(bad(&r), vec![(5, "expires_at"), (6, "Clé de la personne-ressource")]);
    let r = file(f, ImportKind::Transfers, "transfers.csv", json!({"commit": "batches"}));
    assert_eq!((r.created, r.failed), (3, 2));
    let sent = &search(f, "transfer.list", "financiers")[0]["data"];
    assert_eq!((sent["status"].as_str(), sent["files"].as_array().map(Vec::len)), (Some("complete"), Some(2)));
}

/// The same clients, whatever the file's language, separator and
/// encoding, import as the same records.
fn every_way_a_file_comes_reads_the_same(f: &Fixture) {
    let fr = "Code;Nom;Statut;Ville;Courriel;Date d'acquisition\nQC-{n};Café Léo, ltée;Actif;Montréal;leo@cafe.example;05/03/2021\n";
    let en = "Client ID,Name,Status,City,E-mail,Won on\nQC-{n},\"Café Léo, ltée\",Active,Montréal,leo@cafe.example,2021-03-05\n";
    let mut seen: Vec<Value> = Vec::new();
    for (n, (text, bom, cp1252)) in [
        (fr, false, false),
        (fr, true, false),
        (fr, false, true),
        (en, false, false),
        (en, true, false),
        (en, false, true),
    ]
    .into_iter()
    .enumerate()
    {
        let text = text.replace("{n}", &n.to_string());
        let mut b: Vec<u8> = if cp1252 {
            text.chars().map(|c| u8::try_from(u32::from(c)).expect("latin-1 letters")).collect()
        } else {
            text.into_bytes()
        };
        if bom {
            b.splice(0..0, [0xEF, 0xBB, 0xBF]);
        }
        let r = bytes(f, ImportKind::Clients, &b, json!({}));
        assert_eq!((r.created, r.failed), (1, 0), "variant {n}: {:?}", r.errors);
        let id = r.ids[0].unwrap();
        let got = match f.run(f.admin, Request::ClientGet { id }).unwrap() {
            Response::Client(c) => c.data,
            other => panic!("{other:?}"),
        };
        let mut v = serde_json::to_value(got).unwrap();
        v["code"] = json!("");
        seen.push(v);
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:#?}");
    assert_eq!(seen[0]["name"], json!("Café Léo, ltée"));
    assert_eq!(seen[0]["retention"]["won_date"], json!("2021-03-05"));
}

/// One bad cell in an all-or-nothing file: the report lists it, and
/// nothing is written.
fn a_bad_cell_stops_an_all_or_nothing_file(f: &Fixture) {
    let csv = "Code;Nom;Date d'acquisition\nAN-1;Un;01/01/2020\nAN-2;Deux;le 3 mars\n";
    let r = bytes(f, ImportKind::Clients, csv.as_bytes(), json!({}));
    assert_eq!((r.rows, r.created, r.failed, r.complete, r.dry_run), (2, 0, 1, false, false));
    assert_eq!(bad(&r), vec![(3, "Date d'acquisition")]);
    assert!(search(f, "client.list", "un").is_empty());
    // An explicit mapping for headers of another product.
    let csv = "No dossier,Raison sociale,Divers\nAN-3,Trois,x\n";
    let mut s = spec(ImportKind::Clients, json!({}));
    s.mapping = [("No dossier", "code"), ("Raison sociale", "name"), ("Divers", "")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let r = import_csv(&f.engine, Actor::Staff(f.admin), &s, csv.as_bytes(), &NoProgress).unwrap();
    assert_eq!(r.created, 1);
    // Without it, the unknown header is a typed error naming it.
    let e = import_csv(
        &f.engine,
        Actor::Staff(f.admin),
        &spec(ImportKind::Clients, json!({})),
        csv.as_bytes(),
        &NoProgress,
    )
    .unwrap_err();
    assert_eq!(e.code(), "validation");
    assert!(e.to_string().contains("No dossier"), "{e}");
}

backend_tests!(
    demo_firm_imports_after_a_dry_run,
    every_way_a_file_comes_reads_the_same,
    a_bad_cell_stops_an_all_or_nothing_file
);

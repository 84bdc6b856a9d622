//! Custom fields of clients and contacts, and the standard Canadian fields
//! (preferred language, fiscal year end, CRA business number), on SQLite
//! and PostgreSQL: defined per firm, validated and normalised on write,
//! kept by patches that leave them out, filtered and shown in grids, read
//! by staff as the record itself (offices), and carried by CSV export and
//! import with headers in either language. (Paging, the differential test
//! and `labels.rs` cover sorting and every filter over the seeded firm.)

use clientele_core::NoProgress;
use clientele_core::domain::*;
use clientele_core::protocol::{Actor, FilterInput, ListKind, ListQuery, Request as R, Response as S};
use clientele_core::query::import_columns::ImportKind;
use clientele_io::export::{ExportRequest, export};
use clientele_io::import::{CsvImport, import_csv};
use clientele_tests::{Fixture, backend_tests};
use serde_json::{Value, json};

fn def(record: CustomRecord, key: &str, fr: &str, en: &str, ty: CustomFieldType, choices: &[&str]) -> CustomFieldDef {
    CustomFieldDef {
        record,
        kind: None,
        key: key.into(),
        label_fr: fr.into(),
        label_en: en.into(),
        field_type: ty,
        choices: choices.iter().map(|c| c.to_string()).collect(),
        required: false,
    }
}

fn put(f: &Fixture, d: CustomFieldDef) -> clientele_core::Result<Vec<CustomFieldDef>> {
    match f.engine.execute(Actor::HOST, R::CustomFieldPut { field: d })? {
        S::CustomFields(v) => Ok(v),
        other => panic!("{other:?}"),
    }
}

/// The firm's fields: three of clients, one of contacts, one of phone calls.
fn define(f: &Fixture) {
    use CustomFieldType::*;
    put(f, def(CustomRecord::Client, "secteur", "Secteur d'activité", "Industry", Choice, &["Santé", "Agriculture"]))
        .unwrap();
    put(f, def(CustomRecord::Client, "employes", "Nombre d'employés", "Headcount", Number, &[])).unwrap();
    put(f, def(CustomRecord::Client, "tps", "Inscrit à la TPS", "GST registrant", YesNo, &[])).unwrap();
    put(f, def(CustomRecord::Contact, "fonction", "Fonction occupée", "Position held", Text, &[])).unwrap();
    let mut call = def(CustomRecord::Interaction, "dossier", "Dossier", "File", Text, &[]);
    call.kind = Some(InteractionKind::PhoneCall);
    put(f, call).unwrap();
}

fn client(f: &Fixture, d: ClientData) -> clientele_core::Result<Record<ClientData>> {
    match f.run(f.admin, R::ClientCreate { data: d })? {
        S::Client(c) => Ok(c),
        other => panic!("{other:?}"),
    }
}

fn update(f: &Fixture, c: &Record<ClientData>, patch: Value) -> clientele_core::Result<Record<ClientData>> {
    let data: ClientPatch = serde_json::from_value(patch).unwrap();
    match f.run(f.admin, R::ClientUpdate { id: c.id, version: c.version, data })? {
        S::Client(c) => Ok(c),
        other => panic!("{other:?}"),
    }
}

fn field_of(e: &clientele_core::Error) -> (String, Option<String>) {
    (e.code().to_string(), e.field().map(str::to_string))
}

fn definitions_are_per_record(f: &Fixture) {
    define(f);
    let list = |record: Option<CustomRecord>| match f.run(f.admin, R::CustomFieldList { kind: None, record }).unwrap() {
        S::CustomFields(v) => v.into_iter().map(|d| d.key).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(list(Some(CustomRecord::Client)), ["secteur", "employes", "tps"]);
    assert_eq!(list(Some(CustomRecord::Contact)), ["fonction"]);
    assert_eq!(list(Some(CustomRecord::Interaction)), ["dossier"]);
    assert_eq!(list(None).len(), 5);
    // A client field takes no interaction kind; an interaction field needs one.
    let mut d = def(CustomRecord::Client, "x", "X", "X", CustomFieldType::Text, &[]);
    d.kind = Some(InteractionKind::Note);
    assert_eq!(field_of(&put(f, d).unwrap_err()), ("validation".into(), Some("kind".into())));
    let d = def(CustomRecord::Interaction, "x", "X", "X", CustomFieldType::Text, &[]);
    assert_eq!(field_of(&put(f, d).unwrap_err()), ("validation".into(), Some("kind".into())));
    // The same key on clients and contacts is two fields.
    put(f, def(CustomRecord::Contact, "secteur", "Secteur", "Sector", CustomFieldType::Text, &[])).unwrap();
    assert_eq!(list(Some(CustomRecord::Client)).len(), 3);
    // The JSON form: `record` defaults to interaction, `kind` is left out for clients.
    let r = f
        .engine
        .execute_json(&json!({"actor": f.admin, "op": "custom_field.list", "record": "client"}).to_string())
        .unwrap();
    let v: Value = serde_json::from_str(&r).unwrap();
    assert_eq!(v[0]["record"], "client");
    assert!(v[0].get("kind").is_none(), "{v}");
}

fn standard_fields_are_normalised_or_refused(f: &Fixture) {
    define(f);
    let mut d = ClientData::new("DAM-01", "D'Amours & Côté inc.");
    d.language = Some(Language::Fr);
    d.fiscal_year_end = Some("3-31".into());
    d.business_number = Some("123 456 782 rt 0001".into());
    let c = client(f, d.clone()).unwrap();
    assert_eq!(c.data.fiscal_year_end.as_deref(), Some("03-31"));
    assert_eq!(c.data.business_number.as_deref(), Some("123456782RT0001"));
    assert_eq!(c.data.language, Some(Language::Fr));
    for (field, value, code) in [
        ("business_number", "123456789", "business_number"),
        ("business_number", "123456782XX", "business_number"),
        ("fiscal_year_end", "02-30", "fiscal_year_end"),
        ("fiscal_year_end", "31 décembre", "fiscal_year_end"),
    ] {
        let e = update(f, &c, json!({ field: value })).unwrap_err();
        assert_eq!(field_of(&e), ("validation".into(), Some(field.into())), "{field} {value}");
        assert!(matches!(&e, clientele_core::Error::Validation { code: c, .. } if *c == code));
        // A clear message in both languages, naming the field and the value.
        let (en, fr) = (e.body_in("en").message, e.body_in("fr").message);
        assert!(en.contains(value) && fr.contains(value) && en != fr, "{en} / {fr}");
        assert!(fr.contains("Numéro d'entreprise") || fr.contains("Fin d'exercice"), "{fr}");
    }
    // A language is fr or en.
    let e = f
        .engine
        .execute_json(
            &json!({"actor": f.admin, "op": "client.update", "id": c.id, "version": c.version,
                    "data": {"language": "de"}})
            .to_string(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "bad_request");
    // Nothing was written by the refusals.
    let now = match f.run(f.admin, R::ClientGet { id: c.id }).unwrap() {
        S::Client(x) => x,
        other => panic!("{other:?}"),
    };
    assert_eq!(now.version, c.version);
}

fn custom_values_are_checked_and_patches_keep_what_they_leave_out(f: &Fixture) {
    define(f);
    let mut d = ClientData::new("HEL-01", "Hélène Côté");
    d.phones.push(Phone {
        kind: PhoneKind::Mobile,
        number: "514 555-0101".into(),
        primary: true,
        digits: String::new(),
    });
    d.language = Some(Language::En);
    d.fiscal_year_end = Some("12-31".into());
    d.business_number = Some("123456782".into());
    d.custom.insert("secteur".into(), json!("Santé"));
    d.custom.insert("employes".into(), json!(12));
    let c = client(f, d).unwrap();
    assert_eq!(c.data.custom.len(), 2);
    // A patch of the name keeps phones, standard fields and custom values.
    let c2 = update(f, &c, json!({"name": "Hélène Côté-D'Amours"})).unwrap();
    assert_eq!(c2.data.name, "Hélène Côté-D'Amours");
    for (a, b) in [
        (serde_json::to_value(&c.data.phones).unwrap(), serde_json::to_value(&c2.data.phones).unwrap()),
        (json!(c.data.language), json!(c2.data.language)),
        (json!(c.data.fiscal_year_end), json!(c2.data.fiscal_year_end)),
        (json!(c.data.business_number), json!(c2.data.business_number)),
        (json!(c.data.custom), json!(c2.data.custom)),
    ] {
        assert_eq!(a, b);
    }
    // `custom` merges key by key; `null` on a key removes that value; `null`
    // on a standard field clears it.
    let c3 = update(f, &c2, json!({"custom": {"tps": true, "employes": null}, "language": null})).unwrap();
    assert_eq!(json!(c3.data.custom), json!({"secteur": "Santé", "tps": true}));
    assert_eq!(c3.data.language, None);
    assert_eq!(c3.data.business_number.as_deref(), Some("123456782"));
    // Values of the wrong type, unknown keys, another record's keys and
    // choices not offered are refused, naming the field.
    for (patch, field) in [
        (json!({"custom": {"employes": "douze"}}), "custom.employes"),
        (json!({"custom": {"tps": "oui"}}), "custom.tps"),
        (json!({"custom": {"secteur": "Pêche"}}), "custom.secteur"),
        (json!({"custom": {"fonction": "Présidente"}}), "custom.fonction"),
        (json!({"custom": {"dossier": "x"}}), "custom.dossier"),
    ] {
        let e = update(f, &c3, patch.clone()).unwrap_err();
        assert_eq!(field_of(&e), ("validation".into(), Some(field.into())), "{patch}");
    }
    // A required field is required of every write.
    let mut req =
        def(CustomRecord::Contact, "fonction", "Fonction occupée", "Position held", CustomFieldType::Text, &[]);
    req.required = true;
    put(f, req).unwrap();
    let e = f.run(f.admin, R::ContactCreate { data: ContactData::new("Jean-François", "D'Amours") }).unwrap_err();
    assert_eq!(field_of(&e), ("validation".into(), Some("custom.fonction".into())));
    let mut p = ContactData::new("Jean-François", "D'Amours");
    p.custom.insert("fonction".into(), json!(" Président "));
    p.language = Some(Language::Fr);
    let contact = match f.run(f.admin, R::ContactCreate { data: p }).unwrap() {
        S::Contact(x) => x,
        other => panic!("{other:?}"),
    };
    assert_eq!(contact.data.custom["fonction"], json!("Président"));
    // A contact patch of the title keeps the language and custom values.
    let patch: ContactPatch = serde_json::from_value(json!({"title": "CPA"})).unwrap();
    let contact2 =
        match f.run(f.admin, R::ContactUpdate { id: contact.id, version: contact.version, data: patch }).unwrap() {
            S::Contact(x) => x,
            other => panic!("{other:?}"),
        };
    assert_eq!((contact2.data.language, &contact2.data.custom), (Some(Language::Fr), &contact.data.custom));
}

fn ids(f: &Fixture, actor: Id, list: ListKind, filter: &str, sort: Option<&str>) -> Vec<Id> {
    let query = ListQuery {
        filter: (!filter.is_empty()).then(|| FilterInput::Text(filter.into())),
        sort: sort.map(str::to_string),
        limit: Some(500),
        ..Default::default()
    };
    match f.run(actor, if list == ListKind::Clients { R::ClientList { query } } else { R::ContactList { query } }) {
        Ok(S::Clients(p)) => p.items.iter().map(|r| r.id).collect(),
        Ok(S::Contacts(p)) => p.items.iter().map(|r| r.id).collect(),
        other => panic!("{filter}: {other:?}"),
    }
}

fn filters_sorts_grids_and_offices(f: &Fixture) {
    define(f);
    let mut made = Vec::new();
    for (i, (office, secteur, bn, fye, lang)) in [
        ("Montréal", Some("Santé"), Some("123456782"), Some("12-31"), Some(Language::Fr)),
        ("Québec", Some("Agriculture"), Some("123456782RT0001"), Some("03-31"), Some(Language::En)),
        ("Montréal", None, None, Some("06-30"), None),
        ("Québec", Some("Santé"), None, None, Some(Language::Fr)),
    ]
    .into_iter()
    .enumerate()
    {
        let mut d = ClientData::new(format!("C-{i}"), format!("Client {i}"));
        d.office = Some(office.into());
        d.business_number = bn.map(str::to_string);
        d.fiscal_year_end = fye.map(str::to_string);
        d.language = lang;
        if let Some(s) = secteur {
            d.custom.insert("secteur".into(), json!(s));
        }
        d.custom.insert("employes".into(), json!(i * 10));
        made.push(client(f, d).unwrap().id);
    }
    let m = &made;
    for (filter, want) in [
        ("custom.secteur:sante", vec![m[0], m[3]]),
        ("custom.secteur:\"Santé\" AND langue:français", vec![m[0], m[3]]),
        ("-custom.secteur:Santé", vec![m[1], m[2]]),
        ("custom.employes>=20", vec![m[2], m[3]]),
        // `:` finds every program account of a business, `=` the one number.
        ("business_number:123456782", vec![m[0], m[1]]),
        ("business_number=123456782", vec![m[0]]),
        ("ne:\"123456782rt0001\"", vec![m[1]]),
        ("fin_exercice:03-31", vec![m[1]]),
        ("language:english", vec![m[1]]),
        ("-langue:fr", vec![m[1], m[2]]),
    ] {
        let mut got = ids(f, f.admin, ListKind::Clients, filter, None);
        got.sort();
        assert_eq!(got, want, "{filter}");
    }
    // Sorted by the fiscal year end (missing first), then back.
    assert_eq!(ids(f, f.admin, ListKind::Clients, "", Some("fiscal_year_end")), [m[3], m[1], m[2], m[0]]);
    assert_eq!(ids(f, f.admin, ListKind::Clients, "", Some("-custom.secteur")), [m[3], m[0], m[1], m[2]]);
    // Montréal staff filter within their office only.
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let luc = f.staff("Luc Montréal", rights);
    assert_eq!(ids(f, luc, ListKind::Clients, "custom.secteur:Santé", None), [m[0]]);
    // The field chooser offers them; a grid shows them.
    let cols = match f.run(f.admin, R::ColumnsCatalogue { list: ListKind::Clients }).unwrap() {
        S::Columns(c) => c,
        other => panic!("{other:?}"),
    };
    for id in ["language", "fiscal_year_end", "business_number", "custom.secteur", "custom.employes", "custom.tps"] {
        assert!(cols.iter().any(|c| c.id == id), "{id}");
    }
    let secteur = cols.iter().find(|c| c.id == "custom.secteur").unwrap();
    assert_eq!((secteur.label_fr.as_str(), secteur.label_en.as_str()), ("Secteur d'activité", "Industry"));
    let grid = f
        .engine
        .execute_json(
            &json!({"actor": f.admin, "op": "grid.query", "list": "clients", "sort": "code",
                    "columns": ["code", "language", "fiscal_year_end", "business_number", "custom.secteur", "custom.employes"]})
            .to_string(),
        )
        .unwrap();
    let grid: Value = serde_json::from_str(&grid).unwrap();
    assert_eq!(grid["rows"][1]["cells"], json!(["C-1", "en", "03-31", "123456782RT0001", "Agriculture", 10]), "{grid}");
}

fn export_to(f: &Fixture, request: &Value, language: &str, path: &std::path::Path) -> Vec<u8> {
    let r: ExportRequest = serde_json::from_value(json!({
        "actor": f.admin, "op": "export", "format": "csv", "path": path.display().to_string(),
        "request": request, "language": language,
    }))
    .unwrap();
    export(&f.engine, &r, &NoProgress).unwrap_or_else(|e| panic!("{request}: {e}"));
    std::fs::read(path).unwrap()
}

fn import(f: &Fixture, kind: ImportKind, bytes: &[u8]) -> clientele_core::protocol::ImportReport {
    let spec: CsvImport = serde_json::from_value(
        json!({"kind": kind, "options": {"commit": "all_or_nothing"}, "time_zone": "America/Toronto"}),
    )
    .unwrap();
    import_csv(&f.engine, Actor::Staff(f.admin), &spec, bytes, &NoProgress).unwrap()
}

fn csv_export_and_import_carry_them(a: &Fixture) {
    define(a);
    let mut d = ClientData::new("ÉRA-01", "Érablière D'Amours");
    d.language = Some(Language::Fr);
    d.fiscal_year_end = Some("03-31".into());
    d.business_number = Some("123456782RT0001".into());
    d.custom.insert("secteur".into(), json!("Agriculture"));
    d.custom.insert("employes".into(), json!(7));
    d.custom.insert("tps".into(), json!(true));
    client(a, d).unwrap();
    client(a, ClientData::new("VID-02", "Vide inc.")).unwrap();
    let request = json!({"op": "grid.query", "list": "clients", "sort": "code",
        "columns": ["code", "name", "language", "fiscal_year_end", "business_number",
                    "custom.secteur", "custom.employes", "custom.tps"]});
    let dir = std::env::temp_dir().join(format!("clientele-custom-{:?}-{}", a.backend, std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for language in ["fr", "en"] {
        let first = export_to(a, &request, language, &dir.join(format!("{language}-a.csv")));
        let text = String::from_utf8_lossy(&first).to_string();
        let header = if language == "fr" { "Secteur d'activité" } else { "Industry" };
        assert!(text.contains(header), "{text}");
        let b = Fixture::new(a.backend).expect("a second database");
        define(&b);
        let r = import(&b, ImportKind::Clients, &first);
        assert!(r.errors.is_empty() && r.created == 2, "{language}: {r:?}");
        let second = export_to(&b, &request, language, &dir.join(format!("{language}-b.csv")));
        assert_eq!(String::from_utf8_lossy(&second), text, "{language}: the second export differs");
    }
    // Headers may also be a custom field's bare key; contacts too.
    let b = Fixture::new(a.backend).expect("a second database");
    define(&b);
    let csv = "Code;Nom;secteur;Nombre d'employés;Numéro d'entreprise;Fin d'exercice;Langue préférée\n\
               BN-1;Côté;Santé;3;123 456 782;12/31;English\n\
               BN-2;Roy;Santé;x;123456789;12-31;fr\n";
    let r = import(&b, ImportKind::Clients, csv.as_bytes());
    let bad: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.column.as_str())).collect();
    // All or nothing: the bad number and the bad business number of line 3.
    assert_eq!(r.created, 0, "{r:?}");
    assert!(bad.contains(&(3, "Nombre d'employés")), "{bad:?}");
    let csv = "Code;Nom;secteur;Nombre d'employés;Numéro d'entreprise;Fin d'exercice;Langue préférée\n\
               BN-1;Côté;Santé;3;123 456 782;12/31;English\n\
               BN-2;Roy;Santé;4;123456789;12-31;fr\n";
    let r = import(&b, ImportKind::Clients, csv.as_bytes());
    let bad: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.column.as_str())).collect();
    assert_eq!(bad, [(3, "Numéro d'entreprise")], "{r:?}");
    let csv = "Code;Nom;secteur;Nombre d'employés;Numéro d'entreprise;Fin d'exercice;Langue préférée\n\
               BN-1;Côté;Santé;3;123 456 782;12/31;English\n";
    let r = import(&b, ImportKind::Clients, csv.as_bytes());
    assert_eq!((r.created, r.failed), (1, 0), "{r:?}");
    let got = match b.run(b.admin, R::ClientList { query: ListQuery::default() }).unwrap() {
        S::Clients(mut p) => p.items.remove(0),
        other => panic!("{other:?}"),
    };
    assert_eq!(got.data.business_number.as_deref(), Some("123456782"));
    assert_eq!(got.data.fiscal_year_end.as_deref(), Some("12-31"));
    assert_eq!(got.data.language, Some(Language::En));
    assert_eq!(json!(got.data.custom), json!({"secteur": "Santé", "employes": 3}));
    let csv = "Prénom,Nom,Fonction occupée,Langue préférée\nZoé,Côté,Présidente,Français\n";
    let r = import(&b, ImportKind::Contacts, csv.as_bytes());
    assert_eq!((r.created, r.failed), (1, 0), "{r:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

backend_tests!(
    definitions_are_per_record,
    standard_fields_are_normalised_or_refused,
    custom_values_are_checked_and_patches_keep_what_they_leave_out,
    filters_sorts_grids_and_offices,
    csv_export_and_import_carry_them,
);

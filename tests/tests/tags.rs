//! Tags on clients and contacts (issue 13, item 6), on SQLite and
//! PostgreSQL: the firm's tags (host only, versioned, colours checked,
//! names unique when folded), a tag in use refused at delete, `client.tag`
//! / `contact.tag` with the record's version and patch semantics, the
//! `tag` / `étiquette` filter field against the reference evaluator in
//! both languages, grids and the field chooser, import (either language,
//! unknown = bad row, or created when asked), a client dashboard's scope
//! and offices; and `staff_role.delete`.

#![allow(clippy::result_large_err)]

use clientele_core::domain::*;
use clientele_core::protocol::{Actor, DataScope, FilterInput, ListKind, ListQuery, Request as R, Response as S};
use clientele_core::query::memory;
use clientele_core::{ErrorBody, text::fold};
use clientele_tests::{Fixture, backend_tests};
use serde_json::{Value, json};

fn call(f: &Fixture, request: Value) -> Result<Value, ErrorBody> {
    f.engine.execute_json(&request.to_string()).map(|s| serde_json::from_str(&s).unwrap()).map_err(|e| e.body())
}

fn ok(f: &Fixture, request: Value) -> Value {
    call(f, request.clone()).unwrap_or_else(|e| panic!("{request}: {e:?}"))
}

fn err(f: &Fixture, request: Value) -> ErrorBody {
    match call(f, request.clone()) {
        Ok(v) => panic!("{request} was accepted: {v}"),
        Err(e) => e,
    }
}

fn tag(f: &Fixture, code: &str, fr: &str, en: &str, colour: &str) -> Value {
    ok(
        f,
        json!({"actor": "host", "op": "tag.put", "tag": {"code": code, "name_fr": fr, "name_en": en, "colour": colour}}),
    )
}

/// The three tags most tests use.
fn firm_tags(f: &Fixture) {
    tag(f, "urgent", "Urgent", "Urgent", "#D32F2F");
    tag(f, "vip", "Très important", "Key account", "#ffd54f");
    tag(f, "late-payer", "Paie en retard", "Late payer", "#1a237e");
}

fn staff(f: &Fixture, name: &str, initials: &str, offices: Option<Vec<&str>>) -> i64 {
    let mut rights = serde_json::to_value(Rights::all()).unwrap();
    if let Some(o) = offices {
        rights["offices"] = json!(o);
    }
    ok(f, json!({"actor": "host", "op": "staff.put", "staff": {"name": name, "initials": initials, "rights": rights}}))
        ["id"]
        .as_i64()
        .unwrap()
}

/// Tags are the host's, versioned; colours and names are checked; a tag
/// in use cannot be deleted (the error says how many records carry it).
fn the_firm_manages_its_tags(f: &Fixture) {
    let all = tag(f, "urgent", "Urgent", "Urgent", "#D32F2F");
    assert_eq!(
        all,
        json!([{"code": "urgent", "name_fr": "Urgent", "name_en": "Urgent", "colour": "#d32f2f", "version": 1}])
    );
    // The same code again without a version: a duplicate, not an update.
    let e = err(
        f,
        json!({"actor": "host", "op": "tag.put", "tag": {"code": "urgent", "name_fr": "U", "name_en": "U", "colour": "#000000"}}),
    );
    assert_eq!(e.code, "duplicate", "{e:?}");
    for (colour, ok_) in [("#12345", false), ("red", false), ("#12345g", false), ("#A0b1C2", true), (" #000000 ", true)]
    {
        let r = call(
            f,
            json!({"actor": "host", "op": "tag.put", "tag": {"code": "c", "name_fr": "C", "name_en": "C", "colour": colour}}),
        );
        assert_eq!(r.is_ok(), ok_, "{colour}: {r:?}");
        if let Err(e) = r {
            assert_eq!(
                (e.code.as_str(), e.field.as_deref(), e.reason.as_deref()),
                ("validation", Some("colour"), Some("invalid_value"))
            );
        } else {
            let v = ok(f, json!({"actor": "host", "op": "tag.list"}))[0]["version"].as_i64().unwrap();
            ok(f, json!({"actor": "host", "op": "tag.delete", "code": "c", "version": v}));
        }
    }
    // A name that reads, folded, as another tag's name or code is refused.
    for (fr, en) in [("URGENT", "Other"), ("Autre", "urgent"), ("Ürgent", "x")] {
        let e = err(
            f,
            json!({"actor": "host", "op": "tag.put", "tag": {"code": "other", "name_fr": fr, "name_en": en, "colour": "#000000"}}),
        );
        assert_eq!(e.reason.as_deref(), Some("ambiguous"), "{fr}/{en}: {e:?}");
    }
    // Renaming carries the version: a stale one is a conflict.
    let all = ok(
        f,
        json!({"actor": "host", "op": "tag.put", "tag": {"code": "urgent", "name_fr": "Urgent!", "name_en": "Urgent!", "colour": "#d32f2f", "version": 1}}),
    );
    assert_eq!((all[0]["version"].as_i64(), all[0]["name_fr"].as_str()), (Some(2), Some("Urgent!")));
    let e = err(
        f,
        json!({"actor": "host", "op": "tag.put", "tag": {"code": "urgent", "name_fr": "U", "name_en": "U", "colour": "#d32f2f", "version": 1}}),
    );
    assert_eq!((e.code.as_str(), e.current_version), ("conflict", Some(2)));
    // Staff read tags, never manage them.
    assert_eq!(ok(f, json!({"actor": f.admin, "op": "tag.list"}))[0]["code"], "urgent");
    for r in [
        json!({"actor": f.admin, "op": "tag.put", "tag": {"code": "x", "name_fr": "X", "name_en": "X", "colour": "#000000"}}),
        json!({"actor": f.admin, "op": "tag.delete", "code": "urgent", "version": 2}),
        json!({"actor": f.admin, "op": "staff_role.delete", "code": "partner"}),
    ] {
        assert_eq!(err(f, r.clone()).code, "forbidden", "{r}");
    }
    // In use: refused with how many; after taking it off, deleted.
    let c = ok(
        f,
        json!({"actor": f.admin, "op": "client.create", "data": {"code": "T-1", "name": "Hélène D'Amours", "tags": ["urgent"]}}),
    );
    let k = ok(
        f,
        json!({"actor": f.admin, "op": "contact.create", "data": {"first_name": "Jean-François", "last_name": "Côté", "tags": ["Urgent!"]}}),
    );
    let e = err(f, json!({"actor": "host", "op": "tag.delete", "code": "urgent", "version": 2}));
    assert_eq!(e.reason.as_deref(), Some("in_use"), "{e:?}");
    assert!(e.message.contains("1 client(s) and 1 contact(s)"), "{e:?}");
    ok(f, json!({"actor": f.admin, "op": "client.tag", "id": c["id"], "version": 1, "remove": ["urgent"]}));
    ok(f, json!({"actor": f.admin, "op": "contact.tag", "id": k["id"], "version": 1, "remove": ["urgent"]}));
    let e = err(f, json!({"actor": "host", "op": "tag.delete", "code": "urgent", "version": 1}));
    assert_eq!(e.code, "conflict");
    assert_eq!(
        ok(f, json!({"actor": "host", "op": "tag.delete", "code": "urgent", "version": 2})),
        json!({"done": true})
    );
    assert_eq!(ok(f, json!({"actor": "host", "op": "tag.list"})), json!([]));
}

/// `staff_role.delete`: built-in roles stay, a role in use is refused
/// with how many assignments use it, an unused one goes.
fn firm_roles_can_be_deleted_when_unused(f: &Fixture) {
    let jt = staff(f, "Jean Tremblay", "JT", None);
    ok(
        f,
        json!({"actor": "host", "op": "staff_role.put", "role": {"code": "reviewer", "label_fr": "Réviseur", "label_en": "Reviewer"}}),
    );
    let e = err(f, json!({"actor": "host", "op": "staff_role.delete", "code": "partner"}));
    assert_eq!(e.reason.as_deref(), Some("builtin"), "{e:?}");
    let e = err(f, json!({"actor": "host", "op": "staff_role.delete", "code": "nope"}));
    assert_eq!(e.reason.as_deref(), Some("unknown_role"), "{e:?}");
    let c = ok(
        f,
        json!({"actor": f.admin, "op": "client.create", "data": {"code": "R-1", "name": "R", "assignments": [{"role": "reviewer", "staff_id": jt}]}}),
    );
    // Deleting the client puts it in the trash: its assignment still counts.
    ok(f, json!({"actor": f.admin, "op": "client.delete", "id": c["id"], "version": 1}));
    let e = err(f, json!({"actor": "host", "op": "staff_role.delete", "code": "reviewer"}));
    assert_eq!(e.reason.as_deref(), Some("in_use"), "{e:?}");
    assert!(e.message.contains("1 assignment"), "{e:?}");
    let trash = ok(f, json!({"actor": f.admin, "op": "trash.list"}))[0]["id"].clone();
    ok(f, json!({"actor": f.admin, "op": "trash.purge", "id": trash}));
    let roles = ok(f, json!({"actor": "host", "op": "staff_role.delete", "code": "reviewer"}));
    assert_eq!(
        roles.as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect::<Vec<_>>(),
        ["partner", "manager", "staff"]
    );
}

/// Setting and unsetting tags carries the record's version; a patch
/// without `tags` keeps them; names in either language name tags.
fn records_carry_tags_with_their_version(f: &Fixture) {
    firm_tags(f);
    let c = ok(
        f,
        json!({"actor": f.admin, "op": "client.create", "data": {"code": "A-1", "name": "A", "tags": ["Key account", "urgent", "URGENT"]}}),
    );
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["data"]["tags"], json!(["urgent", "vip"]), "codes, sorted, once");
    let e = err(
        f,
        json!({"actor": f.admin, "op": "client.create", "data": {"code": "A-2", "name": "A", "tags": ["nope"]}}),
    );
    assert_eq!((e.reason.as_deref(), e.field.as_deref()), (Some("unknown_tag"), Some("tags")));
    let c = ok(
        f,
        json!({"actor": f.admin, "op": "client.tag", "id": id, "version": 1, "add": ["paie en retard"], "remove": ["très important"]}),
    );
    assert_eq!((c["version"].as_i64(), &c["data"]["tags"]), (Some(2), &json!(["late-payer", "urgent"])));
    // A second editor at version 1 loses nothing and is told.
    let e = err(f, json!({"actor": f.admin, "op": "client.tag", "id": id, "version": 1, "add": ["vip"]}));
    assert_eq!((e.code.as_str(), e.current_version), ("conflict", Some(2)));
    // Patch semantics: absent = unchanged, a list replaces, null clears.
    let c = ok(f, json!({"actor": f.admin, "op": "client.update", "id": id, "version": 2, "data": {"name": "Hélène"}}));
    assert_eq!(c["data"]["tags"], json!(["late-payer", "urgent"]));
    let c = ok(f, json!({"actor": f.admin, "op": "client.update", "id": id, "version": 3, "data": {"tags": ["vip"]}}));
    assert_eq!(c["data"]["tags"], json!(["vip"]));
    let c = ok(f, json!({"actor": f.admin, "op": "client.update", "id": id, "version": 4, "data": {"tags": null}}));
    assert_eq!(c["data"]["tags"], json!([]));
    // Contacts alike.
    let k = ok(
        f,
        json!({"actor": f.admin, "op": "contact.create", "data": {"first_name": "Zoé", "last_name": "D'Amours", "tags": ["vip"]}}),
    );
    let kid = k["id"].as_i64().unwrap();
    let k = ok(f, json!({"actor": f.admin, "op": "contact.tag", "id": kid, "version": 1, "add": ["Urgent"]}));
    assert_eq!((k["version"].as_i64(), &k["data"]["tags"]), (Some(2), &json!(["urgent", "vip"])));
    let k = ok(f, json!({"actor": f.admin, "op": "contact.update", "id": kid, "version": 2, "data": {"title": "CFO"}}));
    assert_eq!(k["data"]["tags"], json!(["urgent", "vip"]));
    assert_eq!(
        ok(f, json!({"actor": f.admin, "op": "contact.get", "id": kid}))["data"]["tags"],
        json!(["urgent", "vip"])
    );
    let e = err(f, json!({"actor": f.admin, "op": "contact.tag", "id": kid, "version": 3, "add": ["nope"]}));
    assert_eq!((e.reason.as_deref(), e.field.as_deref()), (Some("unknown_tag"), Some("add.tags")));
    // Without the right to edit contacts: forbidden.
    let ro = f.staff("Lecteur", Rights::read_only());
    let e = f.run(ro, R::ContactTag { id: kid, version: 3, add: vec!["vip".into()], remove: vec![] }).unwrap_err();
    assert_eq!(e.code(), "forbidden");
    let e = f.run(ro, R::ClientTag { id, version: 5, add: vec!["vip".into()], remove: vec![] }).unwrap_err();
    assert_eq!(e.code(), "forbidden");
}

fn client_ids(r: S) -> Vec<Id> {
    match r {
        S::Clients(p) => p.items.iter().map(|r| r.id).collect(),
        other => panic!("{other:?}"),
    }
}

/// The `tag` filter of clients and contacts, in French and English, by
/// code or either name, with every operator, agrees with the reference
/// evaluator; a name of no tag is a filter error with its span.
fn tag_filters_agree_with_the_reference(f: &Fixture) {
    firm_tags(f);
    let lg = staff(f, "Luc Gagnon", "LG", Some(vec!["Montréal"]));
    let sets = [json!([]), json!(["urgent"]), json!(["vip", "urgent"]), json!(["late-payer"]), json!(["vip"])];
    for i in 0..25 {
        let office = if i % 2 == 0 { "Montréal" } else { "Québec" };
        ok(
            f,
            json!({"actor": f.admin, "op": "client.create", "data": {"code": format!("F-{i:02}"), "name": format!("Client {i}"), "office": office, "tags": sets[i % 5]}}),
        );
        ok(
            f,
            json!({"actor": f.admin, "op": "contact.create", "data": {"first_name": "Zoé", "last_name": format!("Côté {i:02}"), "tags": sets[(i + 1) % 5]}}),
        );
    }
    let clients: Vec<Record<ClientData>> =
        match f.run(f.admin, R::ClientList { query: ListQuery { limit: Some(500), ..Default::default() } }).unwrap() {
            S::Clients(p) => p.items,
            _ => unreachable!(),
        };
    let contacts: Vec<Record<ContactData>> =
        match f.run(f.admin, R::ContactList { query: ListQuery { limit: Some(500), ..Default::default() } }).unwrap() {
            S::Contacts(p) => p.items,
            _ => unreachable!(),
        };
    assert!(clients.iter().any(|c| c.data.tags == ["urgent", "vip"]), "pages carry tags");
    let tz = f.engine.timezone();
    let filters = [
        "tag:urgent",
        "étiquette:urgent",
        "etiquette:\"Très important\"",
        "tag:\"key account\"",
        "tag:VIP",
        "tags:(urgent, late-payer)",
        "tag!=urgent",
        "NOT tag:urgent",
        "tag:urgent tag:vip",
        "tag:urgent OR étiquette:\"Paie en retard\"",
        "-tag:vip",
        "tag:nope",
        "tag:\"très\"",
    ];
    for filter in filters {
        for actor in [f.admin, lg] {
            let q =
                || ListQuery { filter: Some(FilterInput::Text(filter.into())), limit: Some(500), ..Default::default() };
            let check =
                f.engine.check_filter_as(Actor::Staff(actor), ListKind::Clients, &FilterInput::Text(filter.into()));
            match (f.run(actor, R::ClientList { query: q() }), &check) {
                (Ok(got), Ok(typed)) => {
                    let mut want: Vec<&Record<ClientData>> = clients
                        .iter()
                        .filter(|r| actor != lg || r.data.office.as_deref() == Some("Montréal"))
                        .filter(|r| memory::matches(typed, &memory::client_row(r), "", tz))
                        .collect();
                    want.sort_by_key(|r| (fold(&r.data.name), r.id));
                    assert_eq!(client_ids(got), want.iter().map(|r| r.id).collect::<Vec<_>>(), "{actor}: {filter}");
                }
                (Err(a), Err(b)) => {
                    assert_eq!((a.code(), a.body().span), (b.code(), b.body().span), "{filter}");
                    assert!(filter.contains("nope") || filter.contains("\"très\""), "{filter}: {a:?}");
                    assert_eq!(
                        a.body().span.map(|s| &filter[s.start..s.end]),
                        Some(&filter[..filter.len()]),
                        "{filter}"
                    );
                }
                (got, want) => panic!("{filter}: SQL {got:?}, reference {want:?}"),
            }
            let check =
                f.engine.check_filter_as(Actor::Staff(actor), ListKind::Contacts, &FilterInput::Text(filter.into()));
            if let (Ok(S::Contacts(p)), Ok(typed)) = (f.run(actor, R::ContactList { query: q() }), &check) {
                let mut want: Vec<&Record<ContactData>> = contacts
                    .iter()
                    .filter(|r| memory::matches(typed, &memory::contact_row(r, false), "", tz))
                    .collect();
                want.sort_by_key(|r| (fold(r.data.file_as.as_deref().unwrap_or("")), r.id));
                assert_eq!(
                    p.items.iter().map(|r| r.id).collect::<Vec<_>>(),
                    want.iter().map(|r| r.id).collect::<Vec<_>>(),
                    "contacts, {actor}: {filter}"
                );
            } else if !filter.contains("nope") && !filter.contains("\"très\"") {
                panic!("contacts: {filter}");
            }
        }
    }
    // The cases mean something: some match, some do not, NOT complements.
    let count = |filter: &str| {
        client_ids(
            f.run(
                f.admin,
                R::ClientList {
                    query: ListQuery {
                        filter: Some(FilterInput::Text(filter.into())),
                        limit: Some(500),
                        ..Default::default()
                    },
                },
            )
            .unwrap(),
        )
        .len()
    };
    assert_eq!((count("tag:urgent"), count("étiquette:\"Key account\""), count("tag!=urgent")), (10, 10, 10));
    assert_eq!(count("tag:urgent") + count("NOT tag:urgent"), 25);
}

/// Grids show a `tags` column whose catalogue labels every tag in French
/// and English; a client dashboard lists its own client only; tagging is a
/// write a dashboard cannot make.
fn grids_scope_and_offices(f: &Fixture) {
    firm_tags(f);
    let lg = staff(f, "Luc Gagnon", "LG", Some(vec!["Montréal"]));
    let a = ok(f, json!({"actor": f.admin, "op": "client.create", "data": {"code": "G-A", "name": "A", "office": "Montréal", "tags": ["urgent"]}}))["id"].as_i64().unwrap();
    let b = ok(f, json!({"actor": f.admin, "op": "client.create", "data": {"code": "G-B", "name": "B", "office": "Québec", "tags": ["urgent", "vip"]}}))["id"].as_i64().unwrap();
    let cat = ok(f, json!({"actor": f.admin, "op": "columns.catalogue", "list": "clients"}));
    let col = cat.as_array().unwrap().iter().find(|c| c["id"] == "tags").expect("a tags column").clone();
    assert_eq!((col["label_fr"].as_str(), col["label_en"].as_str()), (Some("Étiquettes"), Some("Tags")));
    assert!(
        col["values"]
            .as_array()
            .unwrap()
            .contains(&json!({"value": "vip", "label_fr": "Très important", "label_en": "Key account"}))
    );
    let cat = ok(f, json!({"actor": f.admin, "op": "columns.catalogue", "list": "contacts"}));
    assert!(cat.as_array().unwrap().iter().any(|c| c["id"] == "tags" && c["values"].as_array().unwrap().len() == 3));
    let grid = ok(f, json!({"actor": f.admin, "op": "grid.query", "list": "clients", "columns": ["code", "tags"]}));
    assert_eq!(
        grid["rows"].as_array().unwrap().iter().map(|r| r["cells"].clone()).collect::<Vec<_>>(),
        [json!(["G-A", ["urgent"]]), json!(["G-B", ["urgent", "vip"]])]
    );
    let fields = ok(f, json!({"actor": f.admin, "op": "filter.fields", "list": "contacts"}));
    let field = fields.as_array().unwrap().iter().find(|x| x["name"] == "tag").expect("a tag field").clone();
    assert_eq!((field["label_fr"].as_str(), field["label_en"].as_str()), (Some("Étiquette"), Some("Tag")));
    // Offices: Luc sees Montréal's client only, and cannot tag B.
    let tagged = |actor| {
        client_ids(
            f.run(
                actor,
                R::ClientList {
                    query: ListQuery { filter: Some(FilterInput::Text("tag:urgent".into())), ..Default::default() },
                },
            )
            .unwrap(),
        )
    };
    assert_eq!((tagged(f.admin), tagged(lg)), (vec![a, b], vec![a]));
    let e = f.run(lg, R::ClientTag { id: b, version: 1, add: vec!["vip".into()], remove: vec![] }).unwrap_err();
    assert_eq!(e.code(), "not_found");
    // A client dashboard: its client only, whatever the filter says.
    let scoped = |req| f.engine.execute_scoped(Actor::Staff(f.admin), DataScope::Client { client_id: b }, req);
    let list = R::ClientList {
        query: ListQuery { filter: Some(FilterInput::Text("tag:urgent".into())), ..Default::default() },
    };
    assert_eq!(client_ids(scoped(list).unwrap()), [b]);
    assert!(matches!(scoped(R::TagList {}), Ok(S::Tags(t)) if t.len() == 3));
    let e = scoped(R::ClientTag { id: b, version: 1, add: vec![], remove: vec!["vip".into()] }).unwrap_err();
    assert_eq!(e.code(), "forbidden");
}

/// Import: tags by code or name in either language; an unknown tag is a
/// bad row naming the `tags` column, or a new tag with `create_tags`.
fn imports_read_tags(f: &Fixture) {
    firm_tags(f);
    let rows = json!([
        {"code": "I-1", "name": "Un", "tags": ["Très important", "urgent"]},
        {"code": "I-2", "name": "Deux", "tags": ["Nouveau client"]},
    ]);
    let r = ok(f, json!({"actor": f.admin, "op": "import.clients", "rows": rows, "options": {"commit": "batches"}}));
    assert_eq!((r["created"].as_u64(), r["failed"].as_u64()), (Some(1), Some(1)), "{r}");
    assert_eq!((r["errors"][0]["row"].as_u64(), r["errors"][0]["column"].as_str()), (Some(2), Some("tags")), "{r}");
    let r = ok(
        f,
        json!({"actor": f.admin, "op": "import.clients", "rows": rows, "options": {"commit": "batches", "on_existing": "update", "create_tags": true}}),
    );
    assert_eq!(
        (r["created"].as_u64(), r["updated"].as_u64(), r["failed"].as_u64()),
        (Some(1), Some(1), Some(0)),
        "{r}"
    );
    let tags = ok(f, json!({"actor": f.admin, "op": "tag.list"}));
    assert!(tags.as_array().unwrap().contains(&json!({"code": "nouveau-client", "name_fr": "Nouveau client", "name_en": "Nouveau client", "colour": "#e5e7eb", "version": 1})), "{tags}");
    let page = ok(f, json!({"actor": f.admin, "op": "client.list", "filter": "étiquette:\"nouveau client\""}));
    assert_eq!(page["items"][0]["data"]["code"], "I-2");
    let page = ok(f, json!({"actor": f.admin, "op": "client.list", "filter": "tag:vip"}));
    assert_eq!(page["items"][0]["data"]["tags"], json!(["urgent", "vip"]));
    // Contacts alike.
    let r = ok(
        f,
        json!({"actor": f.admin, "op": "import.contacts", "rows": [
        {"key": "K1", "data": {"first_name": "Zoé", "last_name": "Côté", "tags": ["Key account"]}},
        {"key": "K2", "data": {"first_name": "Luc", "last_name": "Roy", "tags": ["autre"]}}], "options": {"commit": "batches"}}),
    );
    assert_eq!((r["created"].as_u64(), r["errors"][0]["column"].as_str()), (Some(1), Some("tags")), "{r}");
    let page = ok(f, json!({"actor": f.admin, "op": "contact.list", "filter": "tag:vip"}));
    assert_eq!(page["items"][0]["data"]["last_name"], "Côté");
}

/// A CSV file's `Étiquettes` / `Tags` column: names in either language
/// or codes, `;` between them; an unknown one is a bad row at its line and
/// column. The export writes the names in its language, which the importer
/// reads back.
fn csv_files_carry_tags_both_ways(f: &Fixture) {
    use clientele_core::NoProgress;
    use clientele_io::import::{CsvImport, import_csv};
    firm_tags(f);
    let spec = |options: Value| -> CsvImport {
        serde_json::from_value(json!({"kind": "clients", "options": options, "time_zone": "America/Toronto"})).unwrap()
    };
    let file = "Code;Nom;Étiquettes\nC-1;Hélène D'Amours;\"Très important; urgent\"\nC-2;Jean-François Roy;\nC-3;Zoé;inconnue\n";
    let r =
        import_csv(&f.engine, Actor::Staff(f.admin), &spec(json!({"commit": "batches"})), file.as_bytes(), &NoProgress)
            .unwrap();
    assert_eq!((r.created, r.failed), (2, 1), "{r:?}");
    assert_eq!((r.errors[0].line, r.errors[0].column.as_str()), (4, "Étiquettes"), "{r:?}");
    let page = ok(f, json!({"actor": f.admin, "op": "client.list", "filter": "tag:urgent"}));
    assert_eq!(page["items"][0]["data"]["tags"], json!(["urgent", "vip"]));
    // Export in English, then import the file back as updates: the same tags.
    let path = std::env::temp_dir().join(format!("clientele-tags-{:?}-{}.csv", f.backend, std::process::id()));
    let request = json!({"actor": f.admin, "op": "export", "format": "csv", "path": path.display().to_string(),
                         "language": "en", "request": {"op": "grid.query", "list": "clients", "columns": ["code", "name", "tags"]}});
    clientele_io::export::execute_json(&f.engine, &request.to_string(), &NoProgress).unwrap().unwrap();
    let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
    assert!(text.contains("Tags"), "{text}");
    assert!(text.contains("Urgent; Key account"), "{text}");
    ok(
        f,
        json!({"actor": f.admin, "op": "client.update", "id": page["items"][0]["id"], "version": 1, "data": {"tags": []}}),
    );
    let mut s = spec(json!({"commit": "batches", "on_existing": "update"}));
    s.path = Some(path.display().to_string());
    let r = import_csv(&f.engine, Actor::Staff(f.admin), &s, b"", &NoProgress).unwrap();
    assert_eq!((r.updated, r.failed), (2, 0), "{r:?}");
    let page = ok(f, json!({"actor": f.admin, "op": "client.list", "filter": "tag:urgent"}));
    assert_eq!(page["items"][0]["data"]["tags"], json!(["urgent", "vip"]));
    std::fs::remove_file(&path).ok();
}

/// Trash keeps a record's tags (a restore gives them back, and a tag on a
/// trashed record is still in use); a purge removes them.
fn trash_keeps_tags_and_purge_removes_them(f: &Fixture) {
    firm_tags(f);
    let c = ok(
        f,
        json!({"actor": f.admin, "op": "client.create", "data": {"code": "P-1", "name": "P", "tags": ["urgent"]}}),
    );
    let k = ok(f, json!({"actor": f.admin, "op": "contact.create", "data": {"last_name": "Côté", "tags": ["vip"]}}));
    let tc = ok(f, json!({"actor": f.admin, "op": "client.delete", "id": c["id"], "version": 1}))["trash_id"].clone();
    let tk = ok(f, json!({"actor": f.admin, "op": "contact.delete", "id": k["id"], "version": 1}))["trash_id"].clone();
    let e = err(f, json!({"actor": "host", "op": "tag.delete", "code": "vip", "version": 1}));
    assert_eq!(e.reason.as_deref(), Some("in_use"), "{e:?}");
    ok(f, json!({"actor": f.admin, "op": "trash.restore", "id": tk}));
    assert_eq!(ok(f, json!({"actor": f.admin, "op": "contact.get", "id": k["id"]}))["data"]["tags"], json!(["vip"]));
    let v = ok(f, json!({"actor": f.admin, "op": "contact.get", "id": k["id"]}))["version"].clone();
    let tk = ok(f, json!({"actor": f.admin, "op": "contact.delete", "id": k["id"], "version": v}))["trash_id"].clone();
    ok(f, json!({"actor": f.admin, "op": "trash.purge", "id": tk}));
    ok(f, json!({"actor": f.admin, "op": "trash.purge", "id": tc}));
    for (code, version) in [("vip", 1), ("urgent", 1)] {
        ok(f, json!({"actor": "host", "op": "tag.delete", "code": code, "version": version}));
    }
}

backend_tests!(
    trash_keeps_tags_and_purge_removes_them,
    csv_files_carry_tags_both_ways,
    the_firm_manages_its_tags,
    firm_roles_can_be_deleted_when_unused,
    records_carry_tags_with_their_version,
    tag_filters_agree_with_the_reference,
    grids_scope_and_offices,
    imports_read_tags,
);

//! People in charge of clients (issue 13, item 1), on SQLite and
//! PostgreSQL: `client.assign` / `client.unassign` with the client's
//! version, assignments through create, update and import, the firm's own
//! roles, the filter fields (`associé:JT`, `directeur:"Tremblay, Jean"`,
//! `responsable:moi`) against the reference evaluator, sorting by the people
//! in charge, the field chooser and grids, offices and a client dashboard's
//! scope.

#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use clientele_core::domain::*;
use clientele_core::op;
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

fn client(f: &Fixture, code: &str, office: Option<&str>, assignments: Value) -> Value {
    ok(
        f,
        json!({"actor": f.admin, "op": "client.create",
               "data": {"code": code, "name": format!("Client {code}"), "office": office, "assignments": assignments}}),
    )
}

/// Assigning and unassigning carry the client's version: each raises it, a
/// stale one is a `conflict` naming the current version, and nothing is
/// lost between two editors.
fn assign_and_unassign_with_the_clients_version(f: &Fixture) {
    let jt = staff(f, "Jean Tremblay", "JT", None);
    let mc = staff(f, "Marie Côté", "MC", None);
    let c = client(f, "A-1", None, json!([]));
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["data"]["assignments"], json!([]));
    let a = ok(
        f,
        json!({"actor": f.admin, "op": "client.assign", "id": id, "version": 1,
                          "assignment": {"role": "partner", "staff_id": jt}}),
    );
    assert_eq!(a["version"], 2);
    assert_eq!(a["data"]["assignments"], json!([{"role": "partner", "staff_id": jt}]));
    // A second editor still at version 1 is refused, and loses nothing.
    let e = err(
        f,
        json!({"actor": f.admin, "op": "client.assign", "id": id, "version": 1,
                          "assignment": {"role": "manager", "staff_id": mc}}),
    );
    assert_eq!(e.code, "conflict", "{e:?}");
    assert!(e.message.contains('2'), "names the current version: {e:?}");
    let e = err(
        f,
        json!({"actor": f.admin, "op": "client.unassign", "id": id, "version": 1,
                          "assignment": {"role": "partner", "staff_id": jt}}),
    );
    assert_eq!(e.code, "conflict");
    // Several per role; each (role, staff member) once.
    let a = ok(
        f,
        json!({"actor": f.admin, "op": "client.assign", "id": id, "version": 2,
                          "assignment": {"role": "partner", "staff_id": mc}}),
    );
    assert_eq!(a["version"], 3);
    let e = err(
        f,
        json!({"actor": f.admin, "op": "client.assign", "id": id, "version": 3,
                          "assignment": {"role": "partner", "staff_id": jt}}),
    );
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("validation", Some("assignment")), "{e:?}");
    // Unknown roles and staff members are refused with the field.
    let e = err(
        f,
        json!({"actor": f.admin, "op": "client.assign", "id": id, "version": 3,
                          "assignment": {"role": "comptable", "staff_id": jt}}),
    );
    assert_eq!(e.field.as_deref(), Some("assignments[2].role"), "{e:?}");
    let e = err(
        f,
        json!({"actor": f.admin, "op": "client.assign", "id": id, "version": 3,
                          "assignment": {"role": "staff", "staff_id": 99999}}),
    );
    assert_eq!(e.field.as_deref(), Some("assignments[2].staff_id"), "{e:?}");
    let e = err(
        f,
        json!({"actor": f.admin, "op": "client.assign", "id": id, "version": 3,
                          "assignment": {"role": "Partner!", "staff_id": jt}}),
    );
    assert_eq!(e.code, "validation");
    // Unassigning what is not assigned says so.
    let e = err(
        f,
        json!({"actor": f.admin, "op": "client.unassign", "id": id, "version": 3,
                          "assignment": {"role": "manager", "staff_id": jt}}),
    );
    assert_eq!(e.field.as_deref(), Some("assignment"), "{e:?}");
    let a = ok(
        f,
        json!({"actor": f.admin, "op": "client.unassign", "id": id, "version": 3,
                          "assignment": {"role": "partner", "staff_id": jt}}),
    );
    assert_eq!(a["version"], 4);
    assert_eq!(a["data"]["assignments"], json!([{"role": "partner", "staff_id": mc}]));
    // An update that leaves `assignments` out keeps them; one that gives
    // them replaces them; `null` removes them.
    let a = ok(f, json!({"actor": f.admin, "op": "client.update", "id": id, "version": 4, "data": {"name": "Autre"}}));
    assert_eq!(a["data"]["assignments"], json!([{"role": "partner", "staff_id": mc}]));
    let a = ok(
        f,
        json!({"actor": f.admin, "op": "client.update", "id": id, "version": 5,
                          "data": {"assignments": [{"role": "staff", "staff_id": jt}, {"role": "manager", "staff_id": mc}]}}),
    );
    assert_eq!(
        a["data"]["assignments"],
        json!([{"role": "staff", "staff_id": jt}, {"role": "manager", "staff_id": mc}])
    );
    let got = ok(f, json!({"actor": f.admin, "op": "client.get", "id": id}));
    assert_eq!(got["data"]["assignments"], a["data"]["assignments"]);
    let a =
        ok(f, json!({"actor": f.admin, "op": "client.update", "id": id, "version": 6, "data": {"assignments": null}}));
    assert_eq!(a["data"]["assignments"], json!([]));
    // Without the right to edit clients, nothing changes.
    let viewer = f.staff("Lecture Seule", Rights::read_only());
    let e = err(
        f,
        json!({"actor": viewer, "op": "client.assign", "id": id, "version": 7,
                          "assignment": {"role": "partner", "staff_id": jt}}),
    );
    assert_eq!(e.code, "forbidden");
    // Create and import take assignments, and check them.
    let e = err(
        f,
        json!({"actor": f.admin, "op": "client.import", "clients": [
            {"code": "I-1", "name": "Un", "assignments": [{"role": "partner", "staff_id": jt}]},
            {"code": "I-2", "name": "Deux", "assignments": [{"role": "partner", "staff_id": 424242}]}]}),
    );
    assert_eq!(e.field.as_deref(), Some("clients[1].assignments[0].staff_id"), "{e:?}");
    let imported = ok(
        f,
        json!({"actor": f.admin, "op": "client.import", "clients": [
            {"code": "I-1", "name": "Un", "assignments": [{"role": "partner", "staff_id": jt}]}]}),
    );
    let i1 = imported["ids"][0].as_i64().unwrap();
    let got = ok(f, json!({"actor": f.admin, "op": "client.get", "id": i1}));
    assert_eq!(got["data"]["assignments"], json!([{"role": "partner", "staff_id": jt}]));
}

/// The firm adds its own roles (host only), with French and English names
/// that the filter, the field chooser and `filter.fields` all offer.
fn firm_roles_are_offered_everywhere(f: &Fixture) {
    let roles = ok(f, json!({"actor": f.admin, "op": "staff_role.list"}));
    let codes: Vec<&str> = roles.as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["partner", "manager", "staff"]);
    assert_eq!(roles[0]["label_fr"], "Associé");
    let e = err(
        f,
        json!({"actor": f.admin, "op": "staff_role.put",
                          "role": {"code": "account", "label_fr": "Chargé de compte", "label_en": "Account manager"}}),
    );
    assert_eq!(e.code, "forbidden");
    for bad in [
        json!({"code": "Compte", "label_fr": "x", "label_en": "y"}),
        json!({"code": "ok", "label_fr": " ", "label_en": "y"}),
    ] {
        assert_eq!(err(f, json!({"actor": "host", "op": "staff_role.put", "role": bad})).code, "validation");
    }
    let roles = ok(
        f,
        json!({"actor": "host", "op": "staff_role.put",
                          "role": {"code": "account", "label_fr": "Chargé de compte", "label_en": "Account manager"}}),
    );
    assert_eq!(roles.as_array().unwrap().len(), 4);
    let jt = staff(f, "Jean Tremblay", "JT", None);
    let c = client(f, "R-1", None, json!([{"role": "account", "staff_id": jt}]));
    client(f, "R-2", None, json!([{"role": "partner", "staff_id": jt}]));
    // By the field's name and by both labels.
    for filter in ["role.account:JT", "charge_de_compte:jt", "account_manager:\"Jean Tremblay\""] {
        let page = ok(f, json!({"actor": f.admin, "op": "client.list", "filter": filter}));
        let ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [c["id"].as_i64().unwrap()], "{filter}");
    }
    let fields = ok(f, json!({"actor": f.admin, "op": "filter.fields", "list": "clients"}));
    let field = fields.as_array().unwrap().iter().find(|x| x["name"] == "role.account").expect("role field");
    assert_eq!(
        (field["label_fr"].as_str(), field["label_en"].as_str()),
        (Some("Chargé de compte"), Some("Account manager"))
    );
    assert_eq!(field["sortable"], true);
    let partner = fields.as_array().unwrap().iter().find(|x| x["name"] == "role.partner").unwrap();
    assert!(partner["aliases"].as_array().unwrap().contains(&json!("associe")), "{partner}");
    let columns = ok(f, json!({"actor": f.admin, "op": "columns.catalogue", "list": "clients"}));
    let column = columns.as_array().unwrap().iter().find(|x| x["id"] == "role.account").expect("role column");
    assert_eq!(column["label_fr"], "Chargé de compte");
    // Renaming keeps the code (and a built-in stays built in).
    let roles = ok(
        f,
        json!({"actor": "host", "op": "staff_role.put",
                          "role": {"code": "partner", "label_fr": "Associée", "label_en": "Partner"}}),
    );
    assert_eq!(roles[0], json!({"code": "partner", "label_fr": "Associée", "label_en": "Partner", "builtin": true}));
}

/// The grid shows the names of the people in charge, role by role.
fn grids_show_the_people_in_charge(f: &Fixture) {
    let jt = staff(f, "Jean Tremblay", "JT", None);
    let mc = staff(f, "Marie Côté", "MC", None);
    client(
        f,
        "G-1",
        None,
        json!([{"role": "partner", "staff_id": mc}, {"role": "partner", "staff_id": jt}, {"role": "staff", "staff_id": jt}]),
    );
    let grid = ok(
        f,
        json!({"actor": f.admin, "op": "grid.query", "list": "clients",
                          "columns": ["code", "role.partner", "role.manager", "role.staff"]}),
    );
    assert_eq!(grid["rows"][0]["cells"], json!(["G-1", "Marie Côté, Jean Tremblay", null, "Jean Tremblay"]));
}

/// Every filter over the people in charge answers exactly the reference
/// evaluator's rows, for a staff member of every office and one of
/// Montréal only; and every sort by them walks in the reference order.
fn filters_and_sorts_agree_with_the_reference(f: &Fixture) {
    let jt = staff(f, "Jean Tremblay", "JT", None);
    let mc = staff(f, "Marie-Ève Côté", "MEC", None);
    let lg = staff(f, "Luc Gagnon", "LG", Some(vec!["Montréal"]));
    let people = [f.admin, jt, mc, lg];
    let roles = ["partner", "manager", "staff"];
    let mut rng = clientele_tests::Rng(0x0a55_1a0e);
    for i in 0..40 {
        let mut list = vec![];
        for _ in 0..rng.below(4) {
            let a = json!({"role": rng.pick(&roles), "staff_id": rng.pick(&people)});
            if !list.contains(&a) {
                list.push(a);
            }
        }
        let office = *rng.pick(&[Some("Montréal"), Some("Québec"), None]);
        client(f, &format!("P-{i:02}"), office, json!(list));
    }
    let records: Vec<Record<ClientData>> =
        f.call(f.admin, op::ClientList { query: ListQuery { limit: Some(500), ..Default::default() } }).unwrap().items;
    assert_eq!(records.len(), 40);
    let tz = f.engine.timezone();
    let filters = [
        "associé:JT",
        "associe:jt",
        "role.partner:JT",
        "directeur:\"Tremblay, Jean\"",
        "directeur:\"Jean Tremblay\"",
        "responsable:moi",
        "responsable:me",
        "staff:MEC",
        "assigned:LG",
        "assigne:\"Côté, Marie-Ève\"",
        "associe!=JT",
        "NOT associe:JT",
        "-assigned:HDA",
        "associe:JT OR directeur:MEC",
        "associe:JT directeur:JT",
        "assigned!=moi",
        "status:active assigned:JT",
        &format!("associe:{jt}"),
        &format!("associe!={mc}"),
        "associe:007",
        "associe:ZZ",
    ];
    for actor in [f.admin, lg] {
        for filter in filters {
            let got = f.run(
                actor,
                R::ClientList {
                    query: ListQuery {
                        filter: Some(FilterInput::Text(filter.into())),
                        limit: Some(500),
                        ..Default::default()
                    },
                },
            );
            let want = f
                .engine
                .check_filter_as(Actor::Staff(actor), ListKind::Clients, &FilterInput::Text(filter.into()))
                .map(|typed| {
                    let mut v: Vec<&Record<ClientData>> = records
                        .iter()
                        .filter(|r| actor != lg || r.data.office.as_deref() == Some("Montréal"))
                        .filter(|r| memory::matches(&typed, &memory::client_row(r), "", tz))
                        .collect();
                    v.sort_by_key(|r| (fold(&r.data.name), r.id));
                    v.into_iter().map(|r| r.id).collect::<Vec<_>>()
                });
            match (got, want) {
                (Ok(S::Clients(p)), Ok(want)) => {
                    assert_eq!(p.items.iter().map(|r| r.id).collect::<Vec<_>>(), want, "actor {actor}: {filter}")
                }
                (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "actor {actor}: {filter}"),
                (got, want) => panic!("actor {actor}: {filter}: SQL {got:?}, reference {want:?}"),
            }
        }
    }
    // Some filters match and some do not: the cases mean something.
    let count = |filter: &str| {
        f.call(
            f.admin,
            op::ClientList {
                query: ListQuery { filter: Some(FilterInput::Text(filter.into())), ..Default::default() },
            },
        )
        .unwrap()
        .items
        .len()
    };
    assert!(count("associe:JT") > 0 && count("associe:JT") < 40);
    assert_eq!(count("associe:JT") + count("NOT associe:JT"), 40);
    // Sorting by the people in charge: by the folded name of the first of
    // them by name, none first; ties by id; walked page by page.
    let names: HashMap<Id, String> =
        [(f.admin, "Hélène D'Amours"), (jt, "Jean Tremblay"), (mc, "Marie-Ève Côté"), (lg, "Luc Gagnon")]
            .into_iter()
            .map(|(i, n)| (i, n.to_string()))
            .collect();
    for field in ["assigned", "role.partner", "role.manager", "role.staff"] {
        for desc in [false, true] {
            let mut want: Vec<(String, Id)> = records
                .iter()
                .map(|r| (memory::assigned_sort_key(&r.data, field, &names).unwrap_or_default(), r.id))
                .collect();
            want.sort();
            if desc {
                want.reverse();
            }
            let want: Vec<Id> = want.into_iter().map(|(_, id)| id).collect();
            let mut got = vec![];
            let mut cursor = None;
            loop {
                let sort = format!("{}{field}", if desc { "-" } else { "" });
                let page = f
                    .call(
                        f.admin,
                        op::ClientList {
                            query: ListQuery { sort: Some(sort), limit: Some(7), cursor, ..Default::default() },
                        },
                    )
                    .unwrap();
                got.extend(page.items.iter().map(|r| r.id));
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            assert_eq!(got, want, "sort {field} desc {desc}");
        }
    }
    // French spellings sort too.
    assert!(
        f.run(f.admin, R::ClientList { query: ListQuery { sort: Some("-associe".into()), ..Default::default() } })
            .is_ok()
    );
}

/// A client dashboard's lists of the people in charge show its own client
/// only; an office-restricted staff member's, only their offices' clients.
fn scope_and_offices_confine_my_clients(f: &Fixture) {
    let lg = staff(f, "Luc Gagnon", "LG", Some(vec!["Montréal"]));
    let a = client(f, "S-A", Some("Montréal"), json!([{"role": "staff", "staff_id": lg}]))["id"].as_i64().unwrap();
    let b = client(f, "S-B", Some("Québec"), json!([{"role": "staff", "staff_id": lg}]))["id"].as_i64().unwrap();
    let c = client(f, "S-C", Some("Montréal"), json!([{"role": "partner", "staff_id": lg}]))["id"].as_i64().unwrap();
    let ids = |r: S| match r {
        S::Clients(p) => p.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let mine = |filter: &str| R::ClientList {
        query: ListQuery { filter: Some(FilterInput::Text(filter.into())), ..Default::default() },
    };
    // The admin sees both offices; Luc only Montréal's.
    assert_eq!(ids(f.run(f.admin, mine("responsable:LG")).unwrap()), [a, b]);
    assert_eq!(ids(f.run(lg, mine("responsable:moi")).unwrap()), [a]);
    assert_eq!(ids(f.run(lg, mine("assigned:moi")).unwrap()), [a, c]);
    // On client C's dashboard: C only, whatever the filter asks.
    let scoped = |filter: &str| {
        f.engine.execute_scoped(Actor::Staff(lg), DataScope::Client { client_id: c }, mine(filter)).map(ids)
    };
    assert_eq!(scoped("assigned:moi").unwrap(), [c]);
    assert_eq!(scoped("responsable:moi").unwrap(), Vec::<Id>::new());
    // The roles are readable from a dashboard; assigning is not.
    assert!(f.engine.execute_scoped(Actor::Staff(lg), DataScope::Client { client_id: c }, R::StaffRoleList {}).is_ok());
    let e = f
        .engine
        .execute_scoped(
            Actor::Staff(lg),
            DataScope::Staff,
            R::ClientAssign { id: c, version: 1, assignment: Assignment::new("staff", lg) },
        )
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    // Assigning a client of another office is refused as if it did not exist.
    let e = f.run(lg, R::ClientAssign { id: b, version: 1, assignment: Assignment::new("partner", lg) }).unwrap_err();
    assert_eq!(e.code(), "not_found");
}

/// Purging a client removes its assignments; the staff member stays.
fn purge_removes_assignments(f: &Fixture) {
    let jt = staff(f, "Jean Tremblay", "JT", None);
    let c = client(f, "T-1", None, json!([{"role": "partner", "staff_id": jt}]));
    let id = c["id"].as_i64().unwrap();
    let trash = ok(f, json!({"actor": f.admin, "op": "client.delete", "id": id, "version": 1}))["trash_id"].clone();
    ok(f, json!({"actor": f.admin, "op": "trash.restore", "id": trash}));
    let got = ok(f, json!({"actor": f.admin, "op": "client.get", "id": id}));
    assert_eq!(got["data"]["assignments"], json!([{"role": "partner", "staff_id": jt}]), "restored with its people");
    let v = got["version"].as_i64().unwrap();
    let trash = ok(f, json!({"actor": f.admin, "op": "client.delete", "id": id, "version": v}))["trash_id"].clone();
    ok(f, json!({"actor": f.admin, "op": "trash.purge", "id": trash}));
    assert_eq!(ok(f, json!({"actor": "host", "op": "staff.get", "id": jt}))["id"], jt);
    let page = ok(f, json!({"actor": f.admin, "op": "client.list", "filter": "associe:JT"}));
    assert_eq!(page["items"], json!([]));
}

backend_tests!(
    assign_and_unassign_with_the_clients_version,
    firm_roles_are_offered_everywhere,
    grids_show_the_people_in_charge,
    filters_and_sorts_agree_with_the_reference,
    scope_and_offices_confine_my_clients,
    purge_removes_assignments,
);

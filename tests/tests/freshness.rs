//! What a request reads with its actor (`store::actor`: rights and
//! offices, the firm's custom fields, the actor's chosen columns) is never
//! stale: the request right after `staff.put`, `custom_field.put` or
//! `columns.save` sees the change, on both backends — even on a pooled
//! connection that has served the same list before (statements prepared,
//! registries built).

use clientele_core::domain::*;
use clientele_core::protocol::{Actor, ListKind, ListQuery, Request as R, Response as S};
use clientele_core::query::FilterInput;
use clientele_tests::{Fixture, backend_tests, staff};

fn put_staff(f: &Fixture, id: Id, rights: Rights) {
    let version = match f.engine.execute(Actor::HOST, R::StaffGet { id }).unwrap() {
        S::Staff(s) => s.version,
        other => panic!("{other:?}"),
    };
    f.engine
        .execute(Actor::HOST, R::StaffPut { id: Some(id), version: Some(version), staff: staff("Marc", "MB", rights) })
        .unwrap();
}

fn client(f: &Fixture, code: &str, office: &str) -> Id {
    let data: ClientData = serde_json::from_value(serde_json::json!({
        "code": code, "name": format!("Client {code}"), "kind": "individual", "status": "active", "office": office,
    }))
    .unwrap();
    match f.run(f.admin, R::ClientCreate { data }).unwrap() {
        S::Client(c) => c.id,
        other => panic!("{other:?}"),
    }
}

fn codes(f: &Fixture, who: Id) -> clientele_core::Result<Vec<String>> {
    f.run(who, R::ClientList { query: ListQuery::default() }).map(|r| match r {
        S::Clients(p) => p.items.into_iter().map(|c| c.data.code).collect(),
        other => panic!("{other:?}"),
    })
}

fn rights_and_offices_apply_at_the_next_request(f: &Fixture) {
    client(f, "MTL-1", "Montréal");
    client(f, "QC-1", "Québec");
    let marc = f.staff("Marc", Rights::all());
    for _ in 0..3 {
        assert_eq!(codes(f, marc).unwrap(), ["MTL-1", "QC-1"]);
    }
    put_staff(f, marc, Rights { offices: Some(vec!["Québec".into()]), ..Rights::all() });
    assert_eq!(codes(f, marc).unwrap(), ["QC-1"], "the office restriction applies at once");
    put_staff(f, marc, Rights { offices: Some(vec!["Montréal".into()]), ..Rights::all() });
    assert_eq!(codes(f, marc).unwrap(), ["MTL-1"], "and its change");
    put_staff(f, marc, Rights { clients: Perms::default(), ..Rights::all() });
    let e = codes(f, marc).expect_err("the right to view clients was withdrawn");
    assert_eq!(e.code(), "forbidden", "{e:?}");
    put_staff(f, marc, Rights::all());
    assert_eq!(codes(f, marc).unwrap(), ["MTL-1", "QC-1"]);
}

fn custom_fields_apply_at_the_next_request(f: &Fixture) {
    let list = |filter: &str| {
        f.run(
            f.admin,
            R::InteractionList {
                client_id: None,
                contact_id: None,
                last_30_days: false,
                query: ListQuery { filter: Some(FilterInput::Text(filter.into())), ..Default::default() },
            },
        )
    };
    for _ in 0..3 {
        let e = list("custom.dossier:42").expect_err("no such field yet");
        assert_eq!(e.code(), "invalid_filter", "{e:?}");
    }
    let field: CustomFieldDef = serde_json::from_value(serde_json::json!({
        "kind": "note", "key": "dossier", "label_fr": "Dossier", "label_en": "File", "field_type": "text",
    }))
    .unwrap();
    f.engine.execute(Actor::HOST, R::CustomFieldPut { field }).unwrap();
    list("custom.dossier:42").expect("the new field filters at once");
}

fn chosen_columns_apply_at_the_next_request(f: &Fixture) {
    client(f, "MTL-1", "Montréal");
    let grid = || match f
        .run(
            f.admin,
            R::GridQuery {
                list: ListKind::Clients,
                columns: None,
                client_id: None,
                contact_id: None,
                last_30_days: false,
                open_only: false,
                query: ListQuery::default(),
                count_limit: None,
            },
        )
        .unwrap()
    {
        S::Grid(g) => g.columns.into_iter().map(|c| c.id).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let default = grid();
    assert_eq!(grid(), default);
    let chosen = vec!["name".to_string(), "code".to_string()];
    f.run(f.admin, R::ColumnsSave { list: ListKind::Clients, columns: chosen.clone() }).unwrap();
    assert_eq!(grid(), chosen, "the saved choice shows at once");
    assert_ne!(default, chosen);
}

backend_tests!(
    rights_and_offices_apply_at_the_next_request,
    custom_fields_apply_at_the_next_request,
    chosen_columns_apply_at_the_next_request,
);

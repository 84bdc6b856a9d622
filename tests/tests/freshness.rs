//! What a request reads with its actor (`store::actor`: rights and
//! offices, the firm's custom fields, the actor's chosen columns, the
//! firm's roles of people in charge and tags) is never stale: the request
//! right after `staff.put`, `custom_field.put`, `columns.save`,
//! `staff_role.put` or `tag.put` sees the change, on both backends — even
//! on a pooled connection that has served the same list before (statements
//! prepared, registries built, the actor cached on SQLite), whether the
//! change was written on that very connection, on another of the pool, or
//! by another connection to the database altogether.

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

/// The columns of `who`'s clients grid, as their default columns show.
fn grid_columns(f: &Fixture, who: Id) -> Vec<String> {
    let grid = R::GridQuery {
        list: ListKind::Clients,
        columns: None,
        client_id: None,
        contact_id: None,
        last_30_days: false,
        open_only: false,
        query: ListQuery::default(),
        count_limit: None,
    };
    match f.run(who, grid).unwrap() {
        S::Grid(g) => g.columns.into_iter().map(|c| c.id).collect(),
        other => panic!("{other:?}"),
    }
}

fn chosen_columns_apply_at_the_next_request(f: &Fixture) {
    client(f, "MTL-1", "Montréal");
    let grid = || grid_columns(f, f.admin);
    let default = grid();
    assert_eq!(grid(), default);
    let chosen = vec!["name".to_string(), "code".to_string()];
    f.run(f.admin, R::ColumnsSave { list: ListKind::Clients, columns: chosen.clone() }).unwrap();
    assert_eq!(grid(), chosen, "the saved choice shows at once");
    assert_ne!(default, chosen);
}

fn client_filter(f: &Fixture, who: Id, filter: &str) -> clientele_core::Result<Vec<String>> {
    let query = ListQuery { filter: Some(FilterInput::Text(filter.into())), ..Default::default() };
    f.run(who, R::ClientList { query }).map(|r| match r {
        S::Clients(p) => p.items.into_iter().map(|c| c.data.code).collect(),
        other => panic!("{other:?}"),
    })
}

fn roles_apply_at_the_next_request(f: &Fixture) {
    client(f, "MTL-1", "Montréal");
    for _ in 0..3 {
        let e = client_filter(f, f.admin, "role.reviewer:HDA").expect_err("no such role yet");
        assert_eq!(e.code(), "invalid_filter", "{e:?}");
    }
    let role: StaffRole = serde_json::from_value(serde_json::json!({
        "code": "reviewer", "label_fr": "Réviseur", "label_en": "Reviewer",
    }))
    .unwrap();
    f.engine.execute(Actor::HOST, R::StaffRolePut { role }).unwrap();
    assert_eq!(
        client_filter(f, f.admin, "role.reviewer:HDA").unwrap(),
        Vec::<String>::new(),
        "the new role filters at once"
    );
}

fn tags_apply_at_the_next_request(f: &Fixture) {
    let mtl = client(f, "MTL-1", "Montréal");
    for _ in 0..3 {
        client_filter(f, f.admin, "tag:Prioritaire").expect_err("no such tag yet");
    }
    let tag: Tag = serde_json::from_value(serde_json::json!({
        "code": "vip", "name_fr": "Prioritaire", "name_en": "Priority", "colour": "#aa0000",
    }))
    .unwrap();
    f.engine.execute(Actor::HOST, R::TagPut { tag }).unwrap();
    assert_eq!(
        client_filter(f, f.admin, "tag:Prioritaire").unwrap(),
        Vec::<String>::new(),
        "the new tag's name filters at once"
    );
    // The firm's first tag on a record shows at once (a firm without tags
    // has its pages answer none without looking: `Plan::tagged`).
    f.engine
        .execute_json(&format!(r#"{{"actor":{},"op":"client.tag","id":{mtl},"version":1,"add":["vip"]}}"#, f.admin))
        .unwrap();
    let tags = match f.run(f.admin, R::ClientList { query: ListQuery::default() }).unwrap() {
        S::Clients(p) => p.items.into_iter().map(|c| c.data.tags).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(tags, [vec!["vip".to_string()]], "the tag on the page");
    assert_eq!(client_filter(f, f.admin, "tag:Prioritaire").unwrap(), ["MTL-1"]);
}

/// A change written by another connection to the database (another
/// process, say), not through this engine.
fn another_connection_s_changes_apply_at_the_next_request(f: &Fixture) {
    client(f, "MTL-1", "Montréal");
    client(f, "QC-1", "Québec");
    let marc = f.staff("Marc", Rights::all());
    for _ in 0..3 {
        assert_eq!(codes(f, marc).unwrap(), ["MTL-1", "QC-1"]);
    }
    f.place.raw_sql(&format!("UPDATE staff SET active = false WHERE id = {marc}"));
    let e = codes(f, marc).expect_err("deactivated by another connection");
    assert_eq!(e.code(), "forbidden", "{e:?}");
    f.place.raw_sql(&format!("UPDATE staff SET active = true WHERE id = {marc}"));
    assert_eq!(codes(f, marc).unwrap(), ["MTL-1", "QC-1"], "and active again");
    f.place.raw_sql(
        "INSERT INTO staff_roles (code, label_fr, label_en, builtin, position) VALUES ('auditor', 'Auditeur', 'Auditor', false, 99)",
    );
    assert_eq!(
        client_filter(f, marc, "role.auditor:HDA").unwrap(),
        Vec::<String>::new(),
        "a role inserted by another connection"
    );
    // Each other table read with the actor (PostgreSQL keeps the actor
    // until one of them changes: `actor_generation`, moved by triggers).
    client_filter(f, marc, "tag:Externe").expect_err("no such tag yet");
    f.place
        .raw_sql("INSERT INTO tags (code, name_fr, name_en, colour) VALUES ('ext', 'Externe', 'External', '#000000')");
    assert_eq!(client_filter(f, marc, "tag:Externe").unwrap(), Vec::<String>::new(), "a tag inserted by hand");
    client_filter(f, marc, "custom.dossier:42").expect_err("no such field yet");
    let required = if f.backend == clientele_tests::Backend::Postgres { "false" } else { "0" };
    f.place.raw_sql(&format!(
        "INSERT INTO custom_fields (kind, key, label_fr, label_en, field_type, choices, required) \
         VALUES ('client', 'dossier', 'Dossier', 'File', 'text', '[]', {required})"
    ));
    client_filter(f, marc, "custom.dossier:42").expect("a custom field inserted by hand filters");
    let grid = || grid_columns(f, marc);
    assert_ne!(grid(), ["code"]);
    f.place.raw_sql(&format!(
        "INSERT INTO chosen_columns (staff_id, list, columns) VALUES ({marc}, 'clients', '[\"code\"]')"
    ));
    assert_eq!(grid(), ["code"], "columns chosen by hand");
}

/// A write runs on the actor as it is when it writes, whoever changed it
/// (on PostgreSQL a kept actor is checked by the write transaction's own
/// `BEGIN`, `store::actor::take_write_guard`), and a write refused or run
/// again for it writes once or not at all.
fn writes_see_another_connection_s_changes_at_the_next_request(f: &Fixture) {
    let marc = f.staff("Marc", Rights::all());
    let create = |code: &str, office: &str| {
        let data: ClientData = serde_json::from_value(serde_json::json!({
            "code": code, "name": format!("Client {code}"), "kind": "individual", "status": "active", "office": office,
        }))
        .unwrap();
        f.run(marc, R::ClientCreate { data })
    };
    for i in 0..3 {
        create(&format!("MTL-{i}"), "Montréal").expect("Marc creates");
    }
    f.place.raw_sql(&format!("UPDATE staff SET active = false WHERE id = {marc}"));
    let e = create("MTL-9", "Montréal").expect_err("deactivated by another connection");
    assert_eq!(e.code(), "forbidden", "{e:?}");
    f.place.raw_sql(&format!("UPDATE staff SET active = true WHERE id = {marc}"));
    create("MTL-3", "Montréal").expect("active again");
    // A required field inserted by hand: the next create is checked with it.
    let required = if f.backend == clientele_tests::Backend::Postgres { "true" } else { "1" };
    f.place.raw_sql(&format!(
        "INSERT INTO custom_fields (kind, key, label_fr, label_en, field_type, choices, required) \
         VALUES ('client', 'dossier', 'Dossier', 'File', 'text', '[]', {required})"
    ));
    let e = create("MTL-8", "Montréal").expect_err("the required field applies to the next create");
    assert_eq!((e.code(), e.body().field.as_deref()), ("validation", Some("custom.dossier")), "{e:?}");
    f.place.raw_sql("DELETE FROM custom_fields WHERE key = 'dossier'");
    // The office restriction, by another connection, between two creates.
    for i in 4..6 {
        create(&format!("MTL-{i}"), "Montréal").expect("Marc creates");
    }
    f.place.raw_sql(&format!("UPDATE staff SET rights = '{}' WHERE id = {marc}", québec_only()));
    let e = create("MTL-7", "Montréal").expect_err("Montréal is out of his offices now");
    assert_eq!(e.code(), "forbidden", "{e:?}");
    create("QC-1", "Québec").expect("Québec is his");
    // Every create above that answered wrote its client once; the refused
    // ones wrote nothing.
    let mut written = codes(f, f.admin).unwrap();
    written.sort();
    assert_eq!(written, ["MTL-0", "MTL-1", "MTL-2", "MTL-3", "MTL-4", "MTL-5", "QC-1"]);
}

/// Rights restricted to Québec, as the `staff.rights` column holds them
/// (JSON), quoted for SQL.
fn québec_only() -> String {
    let rights = Rights { offices: Some(vec!["Québec".into()]), ..Rights::all() };
    serde_json::to_string(&rights).unwrap().replace('\'', "''")
}

/// Every request on one pooled connection: the writes of the host's
/// requests are that connection's own.
fn one_connection_s_own_writes_apply_at_the_next_request(f: &Fixture) {
    let cases: [fn(&Fixture); 5] = [
        rights_and_offices_apply_at_the_next_request,
        custom_fields_apply_at_the_next_request,
        chosen_columns_apply_at_the_next_request,
        roles_apply_at_the_next_request,
        tags_apply_at_the_next_request,
    ];
    for case in cases {
        let Some(one) = Fixture::with_config(f.backend, |c| c.pool_size = 1) else { return };
        case(&one);
    }
}

/// A dashboard's tiles (`Engine::execute_scoped`) as the host's requests:
/// the office restriction, its removal and a deactivation apply to the
/// very next tile, on the staff member's dashboard and on a client's.
fn rights_apply_at_the_next_tile(f: &Fixture) {
    use clientele_core::protocol::DataScope;
    let mtl = client(f, "MTL-1", "Montréal");
    client(f, "QC-1", "Québec");
    let marc = f.staff("Marc", Rights::all());
    let tile = |scope: DataScope| {
        f.engine.execute_scoped(Actor::Staff(marc), scope, R::ClientList { query: ListQuery::default() }).map(|r| {
            match r {
                S::Clients(p) => p.items.into_iter().map(|c| c.data.code).collect::<Vec<_>>(),
                other => panic!("{other:?}"),
            }
        })
    };
    let timeline = || {
        f.engine.execute_scoped(
            Actor::Staff(marc),
            DataScope::Client { client_id: mtl },
            R::ClientTimeline { id: mtl, last_30_days: false, include_changes: false, query: ListQuery::default() },
        )
    };
    for _ in 0..3 {
        assert_eq!(tile(DataScope::Staff).unwrap(), ["MTL-1", "QC-1"]);
        timeline().expect("Montréal's client is seen");
    }
    put_staff(f, marc, Rights { offices: Some(vec!["Québec".into()]), ..Rights::all() });
    assert_eq!(tile(DataScope::Staff).unwrap(), ["QC-1"], "the office restriction applies at the next tile");
    let e = timeline().expect_err("Montréal's client is out of the offices now");
    assert_eq!(e.code(), "not_found", "{e:?}");
    put_staff(f, marc, Rights::all());
    timeline().expect("and in again");
    assert_eq!(tile(DataScope::Staff).unwrap(), ["MTL-1", "QC-1"]);
    f.place.raw_sql(&format!("UPDATE staff SET active = false WHERE id = {marc}"));
    let e = tile(DataScope::Staff).expect_err("deactivated by another connection");
    assert_eq!(e.code(), "forbidden", "{e:?}");
}

backend_tests!(
    rights_apply_at_the_next_tile,
    rights_and_offices_apply_at_the_next_request,
    custom_fields_apply_at_the_next_request,
    chosen_columns_apply_at_the_next_request,
    roles_apply_at_the_next_request,
    tags_apply_at_the_next_request,
    another_connection_s_changes_apply_at_the_next_request,
    writes_see_another_connection_s_changes_at_the_next_request,
    one_connection_s_own_writes_apply_at_the_next_request,
);

//! The interaction list's named switches (issue 13, item 2): "my open
//! follow-ups", "overdue follow-ups", "my new phone messages"
//! (`"preset"` of a list request), on SQLite and PostgreSQL: each answers
//! exactly the rows its documented filter does, as the reference evaluator
//! reads them, for two staff members of different offices, ANDed with the
//! request's own filter; a client dashboard's scope confines them; grids
//! and saved views take them; other lists refuse them.

#![allow(clippy::result_large_err)]

use chrono::Duration;
use clientele_core::domain::*;
use clientele_core::protocol::{
    Actor, DataScope, FilterInput, ListKind, ListPreset, ListQuery, Request as R, Response as S,
};
use clientele_core::query::memory;
use clientele_tests::{Fixture, backend_tests};
use serde_json::{Value, json};

fn ok(f: &Fixture, request: Value) -> Value {
    let r = f.engine.execute_json(&request.to_string()).unwrap_or_else(|e| panic!("{request}: {e}"));
    serde_json::from_str(&r).unwrap()
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

fn list(preset: Option<ListPreset>, filter: Option<&str>) -> ListQuery {
    ListQuery { preset, filter: filter.map(|t| FilterInput::Text(t.into())), limit: Some(500), ..Default::default() }
}

fn ids(r: S) -> Vec<Id> {
    match r {
        S::Interactions(p) => p.items.iter().map(|r| r.id).collect(),
        other => panic!("{other:?}"),
    }
}

fn presets_answer_their_documented_filters(f: &Fixture) {
    let lg = staff(f, "Luc Gagnon", "LG", Some(vec!["Montréal"]));
    let mc = staff(f, "Marie-Ève Côté", "MEC", None);
    let mtl = ok(f, json!({"actor": f.admin, "op": "client.create", "data": {"code": "M-1", "name": "Hélène D'Amours", "office": "Montréal"}}))["id"].as_i64().unwrap();
    let qc = ok(f, json!({"actor": f.admin, "op": "client.create", "data": {"code": "Q-1", "name": "Jean-François Roy", "office": "Québec"}}))["id"].as_i64().unwrap();
    let today = f.clock.get().date_naive();
    let mut n = 0;
    for client in [mtl, qc] {
        for assignee in [lg, mc, f.admin] {
            for (due, done) in [
                (Some(today - Duration::days(3)), false),
                (Some(today + Duration::days(2)), false),
                (None, false),
                (Some(today - Duration::days(1)), true),
                (Some(today), false),
            ] {
                n += 1;
                let when = (f.clock.get() - Duration::hours(n)).to_rfc3339();
                ok(
                    f,
                    json!({"actor": f.admin, "op": "interaction.create", "data": {"kind": "note", "occurred_at": when,
                    "client_id": client, "subject": format!("Suivi {n}"), "follow_up": {"assignee_id": assignee, "due": due, "done": done}}}),
                );
            }
            for status in ["new", "returned", "new"] {
                n += 1;
                let when = (f.clock.get() - Duration::hours(n)).to_rfc3339();
                ok(
                    f,
                    json!({"actor": f.admin, "op": "interaction.create", "data": {"kind": "phone_message", "occurred_at": when,
                    "client_id": client, "subject": format!("Message {n}"), "taken_for_id": assignee, "message_status": status}}),
                );
            }
        }
    }
    let all: Vec<Record<InteractionData>> = match f
        .run(
            f.admin,
            R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query: list(None, None) },
        )
        .unwrap()
    {
        S::Interactions(p) => p.items,
        _ => unreachable!(),
    };
    let defs: Vec<CustomFieldDef> = vec![];
    let tz = f.engine.timezone();
    for preset in ListPreset::ALL {
        for actor in [f.admin, lg, mc] {
            for extra in [None, Some("type:note"), Some("client:M-1")] {
                let got = ids(f
                    .run(
                        actor,
                        R::InteractionList {
                            client_id: None,
                            contact_id: None,
                            last_30_days: false,
                            query: list(Some(preset), extra),
                        },
                    )
                    .unwrap());
                let mut want = vec![];
                let typed = f
                    .engine
                    .check_filter_as(
                        Actor::Staff(actor),
                        ListKind::Interactions,
                        &FilterInput::Text(preset.filter().into()),
                    )
                    .unwrap();
                let extra_typed = extra.map(|e| {
                    f.engine
                        .check_filter_as(Actor::Staff(actor), ListKind::Interactions, &FilterInput::Text(e.into()))
                        .unwrap()
                });
                for r in &all {
                    if actor == lg && r.data.client_id != Some(mtl) {
                        continue;
                    }
                    let row = memory::interaction_row(r, &defs);
                    if memory::matches(&typed, &row, "", tz)
                        && extra_typed.as_ref().is_none_or(|t| memory::matches(t, &row, "", tz))
                    {
                        want.push(r.id);
                    }
                }
                assert_eq!(got, want, "{preset:?} as {actor} with {extra:?}");
                if extra.is_none() {
                    assert!(!got.is_empty(), "{preset:?} as {actor}: the case means something");
                }
            }
        }
    }
    // Concretely: Luc's open follow-ups are the 4 not done of Montréal's
    // client (he sees no other office); Marie-Ève's new messages are 4.
    let count = |actor, preset| {
        ids(f
            .run(
                actor,
                R::InteractionList {
                    client_id: None,
                    contact_id: None,
                    last_30_days: false,
                    query: list(Some(preset), None),
                },
            )
            .unwrap())
        .len()
    };
    assert_eq!(count(lg, ListPreset::MyOpenFollowUps), 4);
    assert_eq!(count(mc, ListPreset::MyNewMessages), 4);
    // Overdue: 3 days late, every assignee, both clients (today's are not late).
    assert_eq!(count(f.admin, ListPreset::OverdueFollowUps), 6);
    assert_eq!(count(lg, ListPreset::OverdueFollowUps), 3);
    // A client dashboard: that client's only.
    let scoped = f
        .engine
        .execute_scoped(
            Actor::Staff(mc),
            DataScope::Client { client_id: qc },
            R::InteractionList {
                client_id: None,
                contact_id: None,
                last_30_days: false,
                query: list(Some(ListPreset::MyNewMessages), None),
            },
        )
        .unwrap();
    let scoped = ids(scoped);
    assert_eq!(scoped.len(), 2);
    assert!(scoped.iter().all(|id| all.iter().any(|r| r.id == *id && r.data.client_id == Some(qc))));
    // In JSON, in a grid, and saved with a view.
    let grid = ok(
        f,
        json!({"actor": mc, "op": "grid.query", "list": "interactions", "preset": "my_new_messages", "columns": ["subject", "client"]}),
    );
    assert_eq!(grid["rows"].as_array().unwrap().len(), 4);
    assert!(grid["rows"].as_array().unwrap().iter().any(|r| r["cells"][1] == "Jean-François Roy"), "{grid}");
    let view = ok(
        f,
        json!({"actor": mc, "op": "view.save", "list": "interactions", "name": "Mes messages", "preset": "my_new_messages"}),
    );
    assert_eq!(view["query"]["preset"], "my_new_messages");
    // Other lists refuse a preset.
    let e = f.run(f.admin, R::ClientList { query: list(Some(ListPreset::MyNewMessages), None) }).unwrap_err();
    assert_eq!((e.code(), e.body().reason.as_deref()), ("validation", Some("not_for_kind")));
}

backend_tests!(presets_answer_their_documented_filters);

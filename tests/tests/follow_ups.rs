//! Follow-ups and phone messages (issue 13, item 2), on SQLite and
//! PostgreSQL: a follow-up on any interaction (assignee, due, done — when
//! and by whom, set by the engine), a phone message taken for a staff member
//! with a status, both changed by merge-patch updates with the version; the
//! filter fields (`suivi:moi fait:non`, `echeance<today`, `pour:moi
//! message:nouveau`) against the reference evaluator; the one-time link of
//! older free-text "taken for".

#![allow(clippy::result_large_err)]

use chrono::Duration;
use clientele_core::domain::*;
use clientele_core::protocol::{Actor, FilterInput, ListKind, ListQuery, Request as R, Response as S};
use clientele_core::query::memory;
use clientele_core::{Engine, EngineConfig, ErrorBody};
use clientele_tests::{Fixture, Rng, backend_tests};
use serde_json::{Value, json};

fn call(f: &Fixture, request: Value) -> Result<Value, ErrorBody> {
    f.engine.execute_json(&request.to_string()).map(|s| serde_json::from_str(&s).unwrap()).map_err(|e| e.body())
}

fn ok(f: &Fixture, request: Value) -> Value {
    call(f, request.clone()).unwrap_or_else(|e| panic!("{request}: {e:?}"))
}

fn err(f: &Fixture, request: Value) -> ErrorBody {
    call(f, request.clone()).err().unwrap_or_else(|| panic!("{request} was accepted"))
}

fn staff(f: &Fixture, name: &str, initials: &str) -> i64 {
    ok(f, json!({"actor": "host", "op": "staff.put", "staff": {"name": name, "initials": initials, "rights": Rights::all()}}))
        ["id"]
        .as_i64()
        .unwrap()
}

fn client(f: &Fixture, code: &str) -> i64 {
    ok(f, json!({"actor": f.admin, "op": "client.create", "data": {"code": code, "name": code}}))["id"]
        .as_i64()
        .unwrap()
}

/// A follow-up is set, marked done (the engine records when and by whom)
/// and undone by merge patches carrying the version; a stale one loses
/// nothing.
fn follow_ups_are_marked_done_with_the_version(f: &Fixture) {
    let jt = staff(f, "Jean Tremblay", "JT");
    let c = client(f, "F-1");
    let when = f.clock.get().to_rfc3339();
    let i = ok(
        f,
        json!({"actor": f.admin, "op": "interaction.create", "data": {"kind": "note", "occurred_at": when,
               "client_id": c, "subject": "Rappeler", "follow_up": {"assignee_id": jt, "due": "2026-12-10",
               "done": false, "done_at": "2020-01-01T00:00:00Z", "done_by": 99}}}),
    );
    let id = i["id"].as_i64().unwrap();
    // The engine's parts are the engine's.
    assert_eq!(
        i["data"]["follow_up"],
        json!({"assignee_id": jt, "due": "2026-12-10", "done": false, "done_at": null, "done_by": null})
    );
    f.clock.advance(Duration::hours(2));
    let done = ok(
        f,
        json!({"actor": jt, "op": "interaction.update", "id": id, "version": 1, "data": {"follow_up": {"done": true}}}),
    );
    assert_eq!(done["version"], 2);
    assert_eq!(done["data"]["follow_up"]["done"], true);
    assert_eq!(done["data"]["follow_up"]["done_by"], jt);
    assert_eq!(
        done["data"]["follow_up"]["done_at"].as_str().map(|s| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap()),
        Some(f.clock.get())
    );
    assert_eq!(done["data"]["follow_up"]["due"], "2026-12-10", "merged part by part");
    // Someone still at version 1: refused, nothing lost.
    let e = err(
        f,
        json!({"actor": f.admin, "op": "interaction.update", "id": id, "version": 1,
               "data": {"follow_up": {"due": "2027-01-01"}}}),
    );
    assert_eq!(e.code, "conflict");
    // Editing another part keeps who marked it done and when.
    f.clock.advance(Duration::hours(1));
    let later = ok(
        f,
        json!({"actor": f.admin, "op": "interaction.update", "id": id, "version": 2, "data": {"subject": "Rappelé"}}),
    );
    assert_eq!(later["data"]["follow_up"], done["data"]["follow_up"]);
    let undone = ok(
        f,
        json!({"actor": f.admin, "op": "interaction.update", "id": id, "version": 3, "data": {"follow_up": {"done": false}}}),
    );
    assert_eq!(undone["data"]["follow_up"]["done_at"], Value::Null);
    assert_eq!(undone["data"]["follow_up"]["done_by"], Value::Null);
    let gone = ok(
        f,
        json!({"actor": f.admin, "op": "interaction.update", "id": id, "version": 4, "data": {"follow_up": null}}),
    );
    assert_eq!(gone["data"]["follow_up"], Value::Null);
    assert_eq!(ok(f, json!({"actor": f.admin, "op": "interaction.get", "id": id}))["data"]["follow_up"], Value::Null);
    // A follow-up names someone who exists.
    for (follow, field) in
        [(json!({"done": true}), "follow_up.assignee_id"), (json!({"assignee_id": 424242}), "follow_up.assignee_id")]
    {
        let e = err(
            f,
            json!({"actor": f.admin, "op": "interaction.update", "id": id, "version": 5, "data": {"follow_up": follow}}),
        );
        assert_eq!((e.code.as_str(), e.field.as_deref()), ("validation", Some(field)), "{e:?}");
    }
}

/// A phone message is taken for a staff member (a link), is `new` until
/// returned or closed, and its callback number is searched like any phone.
fn phone_messages_are_taken_for_someone_and_returned(f: &Fixture) {
    let jt = staff(f, "Jean Tremblay", "JT");
    let c = client(f, "M-1");
    let when = f.clock.get().to_rfc3339();
    let m = ok(
        f,
        json!({"actor": f.admin, "op": "interaction.create", "data": {"kind": "phone_message", "occurred_at": when,
               "client_id": c, "subject": "A appelé", "taken_for_id": jt, "phone": "(514) 555-0199 poste 12"}}),
    );
    assert_eq!(m["data"]["message_status"], "new");
    assert_eq!(m["data"]["taken_for_id"], jt);
    let id = m["id"].as_i64().unwrap();
    let r = ok(
        f,
        json!({"actor": jt, "op": "interaction.update", "id": id, "version": 1, "data": {"message_status": "returned"}}),
    );
    assert_eq!((r["version"].as_i64(), r["data"]["message_status"].as_str()), (Some(2), Some("returned")));
    let found = ok(f, json!({"actor": jt, "op": "interaction.list", "search": "5145550199"}));
    assert_eq!(found["items"][0]["id"], id, "the callback number is keyed like other phones");
    // Only a phone message has these; an unknown staff member is refused.
    for (data, field) in [
        (json!({"kind": "note", "taken_for_id": jt}), "taken_for_id"),
        (json!({"kind": "note", "message_status": "new"}), "message_status"),
        (json!({"kind": "phone_message", "taken_for_id": 424242}), "taken_for_id"),
    ] {
        let mut d = json!({"occurred_at": when, "client_id": c, "subject": "x"});
        d.as_object_mut().unwrap().extend(data.as_object().unwrap().clone());
        let e = err(f, json!({"actor": f.admin, "op": "interaction.create", "data": d}));
        assert_eq!(e.field.as_deref(), Some(field), "{e:?}");
    }
}

/// My open follow-ups, the overdue ones, my new messages: every filter of
/// the new fields answers the reference evaluator's rows, and the due date
/// sorts as the reference does.
fn filters_of_follow_ups_and_messages_agree_with_the_reference(f: &Fixture) {
    let jt = staff(f, "Jean Tremblay", "JT");
    let mc = staff(f, "Marie-Ève Côté", "MEC");
    let people = [f.admin, jt, mc];
    let c = client(f, "Q-1");
    let mut rng = Rng(0xf011_0e95);
    let today = f.clock.get().date_naive();
    for n in 0..50 {
        let kind = *rng.pick(&[InteractionKind::Note, InteractionKind::PhoneMessage, InteractionKind::PhoneCall]);
        let mut d = InteractionData::note(f.clock.get() - Duration::hours(n), format!("Sujet {n}"));
        d.kind = kind;
        d.client_id = Some(c);
        if rng.chance(60) {
            let due = rng.chance(80).then(|| today + Duration::days(rng.below(11) as i64 - 5));
            let mut follow = FollowUp::new(*rng.pick(&people), due);
            follow.done = rng.chance(30);
            d.follow_up = Some(follow);
        }
        if kind == InteractionKind::PhoneMessage {
            d.taken_for_id = rng.chance(80).then(|| *rng.pick(&people));
            d.message_status = Some(*rng.pick(&[MessageStatus::New, MessageStatus::Returned, MessageStatus::Closed]));
        }
        f.run(f.admin, R::InteractionCreate { data: d }).unwrap();
    }
    let all: Vec<Record<InteractionData>> = match f
        .run(
            f.admin,
            R::InteractionList {
                client_id: None,
                contact_id: None,
                last_30_days: false,
                query: ListQuery { limit: Some(500), ..Default::default() },
            },
        )
        .unwrap()
    {
        S::Interactions(p) => p.items,
        other => panic!("{other:?}"),
    };
    let tz = f.engine.timezone();
    let mut nonempty = 0;
    for actor in [f.admin, jt] {
        for filter in [
            "suivi:moi fait:non",
            "suivi:moi fait:non echeance<today",
            "follow_up:JT done:false due<=today",
            "suivi:\"Côté, Marie-Ève\"",
            "pour:moi message:nouveau",
            "for:MEC statut_message:rappele",
            "message:(new,returned)",
            "NOT fait:oui",
            "-suivi:moi",
            "echeance:this-month",
            "message!=closed",
            "done:true",
            "pour!=JT",
        ] {
            let list = |query| R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query };
            let got = f.run(
                actor,
                list(ListQuery {
                    filter: Some(FilterInput::Text(filter.into())),
                    limit: Some(500),
                    ..Default::default()
                }),
            );
            let want = f
                .engine
                .check_filter_as(Actor::Staff(actor), ListKind::Interactions, &FilterInput::Text(filter.into()))
                .map(|typed| {
                    all.iter()
                        .filter(|r| memory::matches(&typed, &memory::interaction_row(r, &[]), "", tz))
                        .map(|r| r.id)
                        .collect::<Vec<_>>()
                });
            match (got, want) {
                (Ok(S::Interactions(p)), Ok(want)) => {
                    nonempty += usize::from(!want.is_empty());
                    assert_eq!(p.items.iter().map(|r| r.id).collect::<Vec<_>>(), want, "actor {actor}: {filter}")
                }
                (got, want) => panic!("actor {actor}: {filter}: SQL {got:?}, reference {want:?}"),
            }
        }
    }
    assert!(nonempty >= 20, "most filters match something: {nonempty}");
    // Sorted by due date (none first), ties by id.
    for desc in [false, true] {
        let mut want: Vec<(String, Id)> = all
            .iter()
            .map(|r| (r.data.follow_up.as_ref().and_then(|f| f.due).map(|d| d.to_string()).unwrap_or_default(), r.id))
            .collect();
        want.sort();
        if desc {
            want.reverse();
        }
        let sort = if desc { "-echeance" } else { "due" };
        let got = match f
            .run(
                f.admin,
                R::InteractionList {
                    client_id: None,
                    contact_id: None,
                    last_30_days: false,
                    query: ListQuery { sort: Some(sort.into()), limit: Some(500), ..Default::default() },
                },
            )
            .unwrap()
        {
            S::Interactions(p) => p.items.iter().map(|r| r.id).collect::<Vec<_>>(),
            _ => unreachable!(),
        };
        assert_eq!(got, want.into_iter().map(|(_, id)| id).collect::<Vec<_>>(), "{sort}");
    }
}

/// Older phone messages' free text is linked once, at open, where it names
/// exactly one staff member (name, "Last, First" or initials); other text is
/// kept.
fn older_free_text_is_linked_once_at_open(f: &Fixture) {
    let jt = staff(f, "Jean Tremblay", "JT");
    staff(f, "Jeanne Tremblay", "JT2");
    let c = client(f, "L-1");
    let when = f.clock.get().to_rfc3339();
    let mut ids = vec![];
    for text in ["Tremblay, Jean", "jt", "Réception", "jean tremblay "] {
        let m = ok(
            f,
            json!({"actor": f.admin, "op": "interaction.create", "data": {"kind": "phone_message", "occurred_at": when,
                   "client_id": c, "subject": "Message", "taken_for": text}}),
        );
        ids.push(m["id"].as_i64().unwrap());
    }
    // As a database of before the link: the one-time pass not yet run.
    f.place.raw_sql("DELETE FROM data_migrations");
    let engine = Engine::open(EngineConfig::new(f.place.url())).unwrap();
    let get = |id: i64| {
        let s = engine.execute_json(&json!({"actor": f.admin, "op": "interaction.get", "id": id}).to_string()).unwrap();
        serde_json::from_str::<Value>(&s).unwrap()["data"].clone()
    };
    let linked: Vec<(Value, Value)> =
        ids.iter().map(|id| get(*id)).map(|d| (d["taken_for"].clone(), d["taken_for_id"].clone())).collect();
    assert_eq!(
        linked,
        [
            (Value::Null, json!(jt)),
            (Value::Null, json!(jt)),
            (json!("Réception"), Value::Null),
            (Value::Null, json!(jt)),
        ]
    );
}

backend_tests!(
    follow_ups_are_marked_done_with_the_version,
    phone_messages_are_taken_for_someone_and_returned,
    filters_of_follow_ups_and_messages_agree_with_the_reference,
    older_free_text_is_linked_once_at_open,
);

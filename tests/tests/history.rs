//! The history of records (issue 13, item 4), on SQLite and PostgreSQL:
//! every write op on every kind of record leaves exactly one entry per
//! record it changed, naming exactly the fields that changed (old and new
//! values, as the record reads before and after); `history.list` reads as
//! the record does (rights, offices, a client dashboard's scope); a failed
//! write leaves no entry; a purge takes the purged records' history with
//! it; imports record `import` entries.

#![allow(clippy::result_large_err)]

use clientele_core::ErrorBody;
use clientele_core::Progress;
use clientele_core::domain::*;
use clientele_core::protocol::{Actor, DataScope, Request as R};
use clientele_tests::{Fixture, backend_tests};
use serde_json::{Map, Value, json};

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

/// The whole history of a record, newest first, as the admin reads it.
fn history(f: &Fixture, kind: &str, id: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let page = ok(
            f,
            json!({"actor": f.admin, "op": "history.list", "record": {"kind": kind, "id": id},
                   "limit": 2, "cursor": cursor}),
        );
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page.get("next_cursor") {
            Some(c) if !c.is_null() => cursor = c.clone(),
            _ => return out,
        }
    }
}

/// The fields that differ between two records' `data`, missing as `null`.
fn diff(before: &Value, after: &Value) -> Map<String, Value> {
    let empty = Map::new();
    let (b, a) = (before.as_object().unwrap_or(&empty), after.as_object().unwrap_or(&empty));
    let mut out = Map::new();
    for k in b.keys().chain(a.keys()) {
        let (o, n) = (b.get(k).cloned().unwrap_or(Value::Null), a.get(k).cloned().unwrap_or(Value::Null));
        if o != n {
            out.insert(k.clone(), json!({"old": o, "new": n}));
        }
    }
    out
}

/// Rows of `history` of one record in the database, outside the engine.
fn rows(f: &Fixture, kind: &str, id: i64) -> i64 {
    count(f, &format!("record_kind = '{kind}' AND record_id = {id}"))
}

/// Rows of `history` matching a condition (the test's own SQL).
fn count(f: &Fixture, condition: &str) -> i64 {
    f.place.count(&format!("history WHERE {condition}"))
}

/// One write, checked: the record's newest entry is `op` by the admin,
/// naming exactly what changed between the record read before and after
/// (the whole record for a creation), and it is the only new entry.
fn check(f: &Fixture, kind: &str, id: i64, before: Option<&Value>, op: &str, write: impl FnOnce() -> Value) -> Value {
    let get = |id: i64| ok(f, json!({"actor": f.admin, "op": format!("{kind}.get"), "id": id}));
    let count = before.map_or(0, |_| history(f, kind, id).len());
    let answer = write();
    let id = if before.is_none() { answer["id"].as_i64().unwrap() } else { id };
    let after = get(id);
    let h = history(f, kind, id);
    assert_eq!(h.len(), count + 1, "{kind} {op}: one new entry: {h:?}");
    let e = &h[0];
    assert_eq!(e["op"], op, "{e}");
    assert_eq!(e["by"], f.admin, "{e}");
    assert_eq!(e["record"], json!({"kind": kind, "id": id}));
    let expected = diff(&before.map_or(Value::Null, |b| b["data"].clone()), &after["data"]);
    assert!(!expected.is_empty() || op == "restore", "{kind} {op}: the write changed nothing");
    assert_eq!(e["changes"], Value::Object(expected), "{kind} {op}: exactly the changed fields");
    after
}

/// Every write op on every kind of record, on its own history.
fn every_write_records_exactly_what_it_changed(f: &Fixture) {
    let admin = f.admin;
    // Clients: create, update, assign, unassign.
    let c = check(f, "client", 0, None, "create", || {
        ok(
            f,
            json!({"actor": admin, "op": "client.create",
                     "data": {"code": "H-1", "name": "Hélène Côté", "office": "Montréal"}}),
        )
    });
    let id = c["id"].as_i64().unwrap();
    let c = check(f, "client", id, Some(&c), "update", || {
        ok(
            f,
            json!({"actor": admin, "op": "client.update", "id": id, "version": c["version"],
                     "data": {"name": "Hélène D'Amours-Côté"}}),
        )
    });
    let c = check(f, "client", id, Some(&c), "assign", || {
        ok(
            f,
            json!({"actor": admin, "op": "client.assign", "id": id, "version": c["version"],
                     "assignment": {"role": "partner", "staff_id": admin}}),
        )
    });
    let c = check(f, "client", id, Some(&c), "unassign", || {
        ok(
            f,
            json!({"actor": admin, "op": "client.unassign", "id": id, "version": c["version"],
                     "assignment": {"role": "partner", "staff_id": admin}}),
        )
    });
    // Contacts: create, update.
    let p = check(f, "contact", 0, None, "create", || {
        ok(
            f,
            json!({"actor": admin, "op": "contact.create",
                     "data": {"first_name": "Jean-François", "last_name": "D'Amours"}}),
        )
    });
    let pid = p["id"].as_i64().unwrap();
    let p = check(f, "contact", pid, Some(&p), "update", || {
        ok(
            f,
            json!({"actor": admin, "op": "contact.update", "id": pid, "version": p["version"],
                     "data": {"title": "Associé"}}),
        )
    });
    // Links: on both records, the role's change and the other record.
    for (role, from, op) in [("primary", None, "link"), ("billing", Some("primary"), "link")] {
        ok(
            f,
            json!({"actor": admin, "op": "contact.link", "contact_id": pid, "client_id": id,
                     "role": role, "from_role": from}),
        );
        for (kind, me, other, other_kind) in [("client", id, pid, "contact"), ("contact", pid, id, "client")] {
            let e = &history(f, kind, me)[0];
            assert_eq!(e["op"], op);
            assert_eq!(e["related"], json!({"kind": other_kind, "id": other}));
            assert_eq!(e["changes"], json!({"role": {"old": from, "new": role}}), "{kind}");
        }
    }
    // Interactions: create, update.
    let i = check(f, "interaction", 0, None, "create", || {
        ok(
            f,
            json!({"actor": admin, "op": "interaction.create",
                     "data": {"kind": "note", "client_id": id, "contact_id": pid,
                              "occurred_at": f.clock.get().to_rfc3339(), "subject": "Feuillets T4"}}),
        )
    });
    let iid = i["id"].as_i64().unwrap();
    let i = check(f, "interaction", iid, Some(&i), "update", || {
        ok(
            f,
            json!({"actor": admin, "op": "interaction.update", "id": iid, "version": i["version"],
                     "data": {"subject": "Feuillets T4 et relevés 1", "body": "Reçus"}}),
        )
    });
    // Transfers: create, update, transition.
    let t = check(f, "transfer", 0, None, "create", || {
        ok(
            f,
            json!({"actor": admin, "op": "transfer.create",
                     "data": {"direction": "requested_from_contact", "from_staff": admin, "to_contact": pid,
                              "client_id": id, "subject": "Relevés bancaires"}}),
        )
    });
    let tid = t["id"].as_i64().unwrap();
    let t = check(f, "transfer", tid, Some(&t), "update", || {
        ok(
            f,
            json!({"actor": admin, "op": "transfer.update", "id": tid, "version": t["version"],
                     "data": {"subject": "Relevés de décembre"}}),
        )
    });
    let t = check(f, "transfer", tid, Some(&t), "transition", || {
        ok(
            f,
            json!({"actor": admin, "op": "transfer.transition", "id": tid, "version": t["version"], "to": "canceled"}),
        )
    });
    // Trash and restore, every kind: the trash entry then the restore,
    // neither changing a field.
    for (kind, rid, version) in [
        ("interaction", iid, &i["version"]),
        ("transfer", tid, &t["version"]),
        ("client", id, &c["version"]),
        ("contact", pid, &p["version"]),
    ] {
        let before = history(f, kind, rid).len();
        let trash = ok(f, json!({"actor": admin, "op": format!("{kind}.delete"), "id": rid, "version": version}));
        ok(f, json!({"actor": admin, "op": "trash.restore", "id": trash["trash_id"]}));
        let h = history(f, kind, rid);
        assert_eq!(h.len(), before + 2, "{kind}: {h:?}");
        assert_eq!((h[0]["op"].as_str(), h[1]["op"].as_str()), (Some("restore"), Some("trash")), "{kind}");
        assert_eq!((&h[0]["changes"], &h[1]["changes"]), (&json!({}), &json!({})));
    }
    // Unlink: on both records.
    ok(f, json!({"actor": admin, "op": "contact.unlink", "contact_id": pid, "client_id": id}));
    for (kind, me) in [("client", id), ("contact", pid)] {
        let e = &history(f, kind, me)[0];
        assert_eq!(e["op"], "unlink");
        assert_eq!(e["changes"], json!({"role": {"old": "billing", "new": null}}), "{kind}");
    }
    // Newest first, every entry its own.
    let h = history(f, "client", id);
    let ids: Vec<i64> = h.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted, "newest first");
    assert_eq!(
        h.iter().map(|e| e["op"].as_str().unwrap()).collect::<Vec<_>>(),
        ["unlink", "restore", "trash", "link", "link", "unassign", "assign", "update", "create"]
    );
}

/// A write that fails leaves no entry: a stale version, a duplicate code,
/// a bad row of an all-or-nothing import (whose good rows would update).
fn a_failed_write_leaves_no_history(f: &Fixture) {
    let admin = f.admin;
    let c = ok(f, json!({"actor": admin, "op": "client.create", "data": {"code": "R-1", "name": "Régis"}}));
    let id = c["id"].as_i64().unwrap();
    ok(f, json!({"actor": admin, "op": "client.create", "data": {"code": "R-2", "name": "Rémi"}}));
    assert_eq!(rows(f, "client", id), 1);
    let e = err(f, json!({"actor": admin, "op": "client.update", "id": id, "version": 99, "data": {"name": "X"}}));
    assert_eq!(e.code, "conflict");
    let e = err(f, json!({"actor": admin, "op": "client.update", "id": id, "version": 1, "data": {"code": "R-2"}}));
    assert_eq!(e.code, "duplicate");
    let report = ok(
        f,
        json!({"actor": admin, "op": "import.clients", "options": {"on_existing": "update"},
               "rows": [{"code": "R-1", "name": "Régis Importé"}, {"code": "", "name": "Sans code"}]}),
    );
    assert_eq!(report["created"], 0, "{report}");
    assert_eq!(report["updated"], 0, "{report}");
    assert_eq!(rows(f, "client", id), 1, "nothing of the failed writes stayed");
    assert_eq!(history(f, "client", id).len(), 1);
    // Rolled back after its entries were written: an import canceled at
    // its last progress report (rows and history written, then refused).
    struct CancelAtEnd;
    impl Progress for CancelAtEnd {
        fn report(&self, done: u64, total: u64) -> bool {
            done < total
        }
    }
    let all = count(f, "1 = 1");
    let e = f
        .engine
        .execute_with_progress(
            Actor::Staff(admin),
            R::ClientImport { clients: vec![ClientData::new("R-3", "Rosalie"), ClientData::new("R-4", "Réal")] },
            &CancelAtEnd,
        )
        .unwrap_err();
    assert_eq!(e.code(), "canceled");
    assert_eq!(count(f, "1 = 1"), all, "the canceled import left no entry");
}

/// Imports record one `import` entry per row created or updated; an
/// update names what it changed.
fn imports_record_import_entries(f: &Fixture) {
    let admin = f.admin;
    let c = ok(f, json!({"actor": admin, "op": "client.create", "data": {"code": "I-1", "name": "Irène"}}));
    let id = c["id"].as_i64().unwrap();
    let report = ok(
        f,
        json!({"actor": admin, "op": "import.clients", "options": {"on_existing": "update"},
               "rows": [{"code": "I-1", "name": "Irène Côté"}, {"code": "I-2", "name": "Isidore"}]}),
    );
    assert_eq!((report["created"].as_i64(), report["updated"].as_i64()), (Some(1), Some(1)), "{report}");
    let h = history(f, "client", id);
    assert_eq!(h[0]["op"], "import");
    assert_eq!(h[0]["changes"], json!({"name": {"old": "Irène", "new": "Irène Côté"}}));
    let list = ok(f, json!({"actor": admin, "op": "client.list", "search": "Isidore"}));
    let new_id = list["items"][0]["id"].as_i64().unwrap();
    let h = history(f, "client", new_id);
    assert_eq!(h.len(), 1);
    assert_eq!((&h[0]["op"], &h[0]["changes"]), (&json!("import"), &json!({})));
    let report = ok(
        f,
        json!({"actor": admin, "op": "import.interactions",
               "rows": [{"data": {"kind": "note", "client_id": id, "occurred_at": "2026-01-01T12:00:00Z",
                                  "subject": "Importée"}}]}),
    );
    assert_eq!(report["created"], 1, "{report}");
    let i = ok(f, json!({"actor": admin, "op": "interaction.list", "client_id": id}));
    let iid = i["items"][0]["id"].as_i64().unwrap();
    assert_eq!(history(f, "interaction", iid)[0]["op"], "import");
}

/// `history.list` reads as the record: a staff member of another office,
/// one without the right, a client dashboard of another client, an absent
/// record — each answers as reading the record would.
fn history_is_read_as_the_record_is(f: &Fixture) {
    let admin = f.admin;
    let mut rights = serde_json::to_value(Rights::all()).unwrap();
    rights["offices"] = json!(["Montréal"]);
    let mtl = ok(f, json!({"actor": "host", "op": "staff.put", "staff": {"name": "Luc Gagnon", "initials": "LG", "rights": rights}}))
        ["id"]
        .as_i64()
        .unwrap();
    let mut no_view = Rights::all();
    no_view.interactions.view = false;
    no_view.clients.view = false;
    let blind = f.staff("Denis Roy", no_view);
    let a = ok(
        f,
        json!({"actor": admin, "op": "client.create", "data": {"code": "V-A", "name": "A", "office": "Montréal"}}),
    )["id"]
        .as_i64()
        .unwrap();
    let b =
        ok(f, json!({"actor": admin, "op": "client.create", "data": {"code": "V-B", "name": "B", "office": "Québec"}}))
            ["id"]
            .as_i64()
            .unwrap();
    let note = |client: i64| {
        ok(
            f,
            json!({"actor": admin, "op": "interaction.create",
                     "data": {"kind": "note", "client_id": client, "occurred_at": f.clock.get().to_rfc3339(),
                              "subject": "Note"}}),
        )["id"]
            .as_i64()
            .unwrap()
    };
    let (ia, ib) = (note(a), note(b));
    let list = |actor: i64, kind: &str, id: i64| {
        call(f, json!({"actor": actor, "op": "history.list", "record": {"kind": kind, "id": id}}))
            .map(|p| p["items"].as_array().unwrap().len())
            .map_err(|e| e.code)
    };
    // Every actor scope × record: the same answer as the record's read.
    for (kind, id) in [("client", a), ("client", b), ("interaction", ia), ("interaction", ib)] {
        for actor in [admin, mtl, blind] {
            let read = call(f, json!({"actor": actor, "op": format!("{kind}.get"), "id": id}));
            match (read, list(actor, kind, id)) {
                (Ok(_), Ok(n)) => assert_eq!(n, 1, "{kind} {id} as {actor}"),
                (Err(r), Err(h)) => assert_eq!(r.code, h, "{kind} {id} as {actor}"),
                (r, h) => panic!("{kind} {id} as {actor}: read {r:?}, history {h:?}"),
            }
        }
    }
    assert_eq!(list(mtl, "client", b), Err("not_found".into()));
    assert_eq!(list(blind, "interaction", ia), Err("forbidden".into()));
    assert_eq!(list(admin, "transfer", 999_999), Err("not_found".into()));
    // On client A's dashboard: A and its records only.
    let scoped = |kind: RecordKind, id: i64| {
        f.engine
            .execute_scoped(
                Actor::Staff(admin),
                DataScope::Client { client_id: a },
                R::HistoryList { record: RecordRef { kind, id }, limit: None, cursor: None },
            )
            .map_err(|e| e.code().to_string())
            .map(|_| ())
    };
    assert_eq!(scoped(RecordKind::Client, a), Ok(()));
    assert_eq!(scoped(RecordKind::Interaction, ia), Ok(()));
    assert_eq!(scoped(RecordKind::Client, b), Err("not_found".into()));
    assert_eq!(scoped(RecordKind::Interaction, ib), Err("not_found".into()));
    // A timeline with changes checks its client whatever the cursor: one
    // whose interactions side is done (`-`) reads no interaction page.
    for cursor in [None, Some("-~")] {
        let e =
            err(f, json!({"actor": mtl, "op": "client.timeline", "id": b, "include_changes": true, "cursor": cursor}));
        assert_eq!(e.code, "not_found", "cursor {cursor:?}: {}", e.message);
    }
    // A contact linked to A (Montréal) and B (Québec): its history, read
    // by the Montréal-only staff member, tells of the link to A and not of
    // the link to B; the admin sees both.
    let pid = ok(
        f,
        json!({"actor": admin, "op": "contact.create", "data": {"first_name": "Hélène", "last_name": "Côté"}}),
    )["id"]
        .as_i64()
        .unwrap();
    for client in [a, b] {
        ok(f, json!({"actor": admin, "op": "contact.link", "contact_id": pid, "client_id": client, "role": "billing"}));
    }
    let links = |actor: i64| {
        let p = ok(f, json!({"actor": actor, "op": "history.list", "record": {"kind": "contact", "id": pid}}));
        let mut related: Vec<i64> = p["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["op"] == "link")
            .map(|e| e["related"]["id"].as_i64().expect("a link names its client"))
            .collect();
        related.sort_unstable();
        related
    };
    assert_eq!(links(admin), vec![a, b]);
    assert_eq!(links(mtl), vec![a]);
    // Bad paging is a typed error.
    let e = err(f, json!({"actor": admin, "op": "history.list", "record": {"kind": "client", "id": a}, "limit": 0}));
    assert_eq!(e.code, "validation");
    let e = err(f, json!({"actor": admin, "op": "history.list", "record": {"kind": "client", "id": a}, "cursor": "x"}));
    assert_eq!(e.code, "bad_request");
}

/// A purge deletes the purged records' history: the client's, its
/// interactions' and transfers', its contacts' when they go with it.
fn purge_removes_the_history(f: &Fixture) {
    let admin = f.admin;
    let c = ok(f, json!({"actor": admin, "op": "client.create", "data": {"code": "P-1", "name": "Purgé"}}));
    let id = c["id"].as_i64().unwrap();
    let keep = ok(f, json!({"actor": admin, "op": "client.create", "data": {"code": "P-2", "name": "Gardé"}}));
    let keep = keep["id"].as_i64().unwrap();
    let i = ok(
        f,
        json!({"actor": admin, "op": "interaction.create",
                         "data": {"kind": "note", "client_id": id, "occurred_at": f.clock.get().to_rfc3339(),
                                  "subject": "Note"}}),
    );
    let iid = i["id"].as_i64().unwrap();
    let lone = ok(
        f,
        json!({"actor": admin, "op": "interaction.create",
                            "data": {"kind": "note", "client_id": keep, "occurred_at": f.clock.get().to_rfc3339(),
                                     "subject": "Seule"}}),
    );
    let lid = lone["id"].as_i64().unwrap();
    assert!(rows(f, "client", id) > 0 && rows(f, "interaction", iid) > 0);
    let t = ok(f, json!({"actor": admin, "op": "client.delete", "id": id, "version": c["version"]}));
    ok(f, json!({"actor": admin, "op": "trash.purge", "id": t["trash_id"]}));
    assert_eq!((rows(f, "client", id), rows(f, "interaction", iid)), (0, 0));
    // An interaction purged on its own: its history goes; the purge stays
    // on its client's timeline (an entry naming the client).
    let t = ok(f, json!({"actor": admin, "op": "interaction.delete", "id": lid, "version": lone["version"]}));
    ok(f, json!({"actor": admin, "op": "trash.purge", "id": t["trash_id"]}));
    assert_eq!(rows(f, "interaction", lid), 1, "only the purge's own entry");
    assert_eq!(
        err(f, json!({"actor": admin, "op": "history.list", "record": {"kind": "interaction", "id": lid}})).code,
        "not_found"
    );
    assert_eq!(history(f, "client", keep).len(), 1, "the client's own history is untouched");
}

/// When a timeline item happened: an interaction's `occurred_at`, a
/// change's `at`.
fn when(item: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    let t = match item["type"].as_str() {
        Some("interaction") => &item["data"]["occurred_at"],
        Some("change") => &item["at"],
        other => panic!("untyped item {other:?}: {item}"),
    };
    chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap()).unwrap()
}

/// A client's timeline with `include_changes`: every interaction and every
/// change of the client and of its records exactly once, newest first,
/// whatever the page size; without the option it answers as before.
fn the_timeline_merges_changes_in_order(f: &Fixture) {
    let admin = f.admin;
    let mut c = ok(f, json!({"actor": admin, "op": "client.create", "data": {"code": "T-1", "name": "Thérèse"}}));
    let id = c["id"].as_i64().unwrap();
    let mut notes = Vec::new();
    for k in 0..3 {
        f.clock.advance(chrono::Duration::hours(1));
        // Each note happened half an hour before it was written: changes
        // and interactions interleave.
        let at = (f.clock.get() - chrono::Duration::minutes(30)).to_rfc3339();
        let i = ok(
            f,
            json!({"actor": admin, "op": "interaction.create",
                             "data": {"kind": "note", "client_id": id, "occurred_at": at, "subject": format!("Note {k}")}}),
        );
        notes.push(i["id"].as_i64().unwrap());
        c = ok(
            f,
            json!({"actor": admin, "op": "client.update", "id": id, "version": c["version"],
                         "data": {"name": format!("Thérèse {k}")}}),
        );
    }
    let changes =
        history(f, "client", id).len() + notes.iter().map(|n| history(f, "interaction", *n).len()).sum::<usize>();
    assert_eq!(changes, 4 + 3);
    for limit in [1, 2, 3, 50] {
        let mut items: Vec<Value> = Vec::new();
        let mut cursor = Value::Null;
        for _ in 0..100 {
            let page = ok(
                f,
                json!({"actor": admin, "op": "client.timeline", "id": id, "include_changes": true,
                                    "limit": limit, "cursor": cursor}),
            );
            let got = page["items"].as_array().unwrap();
            assert!(got.len() <= limit, "limit {limit}");
            items.extend(got.iter().cloned());
            match page.get("next_cursor") {
                Some(n) if !n.is_null() => cursor = n.clone(),
                _ => break,
            }
        }
        for w in items.windows(2) {
            assert!(when(&w[0]) >= when(&w[1]), "limit {limit}: newest first: {} then {}", w[0], w[1]);
        }
        let of =
            |t: &str| items.iter().filter(|i| i["type"] == t).map(|i| i["id"].as_i64().unwrap()).collect::<Vec<_>>();
        let mut interactions = of("interaction");
        interactions.sort_unstable();
        assert_eq!(interactions, notes, "limit {limit}: every interaction once");
        let mut seen = of("change");
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), changes, "limit {limit}: every change once");
        assert_eq!(items.len(), notes.len() + changes, "limit {limit}: nothing twice");
    }
    // Without the option: the interactions, as before.
    let plain = ok(f, json!({"actor": admin, "op": "client.timeline", "id": id}));
    let plain = plain["items"].as_array().unwrap();
    assert_eq!(plain.len(), 3);
    assert!(plain.iter().all(|i| i.get("type").is_none()));
    // Only in the timeline's own order.
    let e =
        err(f, json!({"actor": admin, "op": "client.timeline", "id": id, "include_changes": true, "sort": "subject"}));
    assert_eq!(e.code, "validation");
}

backend_tests!(
    every_write_records_exactly_what_it_changed,
    a_failed_write_leaves_no_history,
    imports_record_import_entries,
    history_is_read_as_the_record_is,
    purge_removes_the_history,
    the_timeline_merges_changes_in_order,
);

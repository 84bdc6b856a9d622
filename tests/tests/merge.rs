//! Likely duplicates and merges of clients and contacts, on SQLite and
//! PostgreSQL: warnings on messy names, e-mails and phones (only what the
//! actor sees); merges of generated firms move every kind of attached
//! record and a restore gives back the exact prior state; stale versions,
//! conflicting roles, rights, offices and dashboard scope.

#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use chrono::Duration;
use clientele_core::domain::{Perms, Rights};
use clientele_core::protocol::{Actor, DataScope, Request};
use clientele_core::{Engine, ErrorBody};
use clientele_tests::{Fixture, Rng, backend_tests};
use serde_json::{Value, json};

fn call_on(engine: &Engine, actor: i64, mut request: Value) -> Result<Value, ErrorBody> {
    request["actor"] = json!(actor);
    engine.execute_json(&request.to_string()).map(|s| serde_json::from_str(&s).unwrap()).map_err(|e| e.body())
}

fn call(f: &Fixture, request: Value) -> Result<Value, ErrorBody> {
    call_on(&f.engine, f.admin, request)
}

fn ok(f: &Fixture, request: Value) -> Value {
    call(f, request.clone()).unwrap_or_else(|e| panic!("{request}: {e:?}"))
}

fn client(f: &Fixture, code: &str, name: &str, extra: Value) -> i64 {
    let mut data = json!({"code": code, "name": name, "office": "Montréal"});
    for (k, v) in extra.as_object().unwrap() {
        data[k] = v.clone();
    }
    ok(f, json!({"op": "client.create", "data": data}))["id"].as_i64().unwrap()
}

fn contact(f: &Fixture, first: &str, last: &str) -> i64 {
    ok(f, json!({"op": "contact.create", "data": {"first_name": first, "last_name": last}}))["id"].as_i64().unwrap()
}

fn link(f: &Fixture, contact: i64, client: i64, role: &str) {
    ok(f, json!({"op": "contact.link", "contact_id": contact, "client_id": client, "role": role}));
}

fn version(f: &Fixture, op: &str, id: i64) -> i64 {
    ok(f, json!({"op": op, "id": id}))["version"].as_i64().unwrap()
}

/// (id, reasons) of the likely-duplicate warnings of an answer; `None`
/// when the answer has no `warnings` member (it must then be absent, not
/// empty).
fn warned(answer: &Value) -> Option<Vec<(i64, Vec<String>)>> {
    let w = answer.get("warnings")?.as_array().unwrap();
    assert!(!w.is_empty(), "an empty warnings array must be left out: {answer}");
    Some(
        w.iter()
            .map(|w| {
                assert_eq!(w["code"], "likely_duplicate");
                assert!(w["message_fr"].as_str().unwrap().starts_with("doublon possible"), "{w}");
                assert!(w["message_en"].as_str().unwrap().starts_with("likely duplicate"), "{w}");
                let reasons =
                    w["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect();
                (w["id"].as_i64().unwrap(), reasons)
            })
            .collect(),
    )
}

fn reasons(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ------------------------------------------------------------ duplicates

fn likely_duplicates_are_warned_on_messy_names_emails_and_phones(f: &Fixture) {
    let first = ok(
        f,
        json!({"op": "client.create", "data": {"code": "COT-01", "name": "Hélène Côté", "office": "Montréal",
               "emails": [{"address": "Helene.Cote@Exemple.ca"}], "phones": [{"number": "+1 (514) 555-0199"}]}}),
    );
    assert_eq!(warned(&first), None, "nothing to warn of: {first}");
    let a = first["id"].as_i64().unwrap();
    // Each messy spelling of the name, alone.
    let names = [
        "HELENE COTE",
        "He\u{301}le\u{300}ne Co\u{302}te\u{301}", // NFD
        "hélène-côté",
        "Hélène  Côté 🎉",
        "Helene Cote!",
    ];
    for (i, name) in names.iter().enumerate() {
        let r = ok(f, json!({"op": "client.create", "data": {"code": format!("N-{i}"), "name": name}}));
        let w = warned(&r).unwrap_or_else(|| panic!("{name}: no warning"));
        assert!(w.contains(&(a, reasons(&["name"]))), "{name}: {w:?}");
    }
    // The e-mail in another case, the phone in another format.
    let r = ok(
        f,
        json!({"op": "client.create", "data": {"code": "E-1", "name": "Autre",
                          "emails": [{"address": " helene.cote@EXEMPLE.CA"}]}}),
    );
    assert_eq!(warned(&r), Some(vec![(a, reasons(&["email"]))]));
    let r = ok(
        f,
        json!({"op": "client.create", "data": {"code": "P-1", "name": "Encore un autre",
                          "phones": [{"number": "514.555.0199 poste 12"}]}}),
    );
    assert_eq!(warned(&r), Some(vec![(a, reasons(&["phone"]))]));
    // All three at once: one candidate, three reasons.
    let r = ok(
        f,
        json!({"op": "client.create", "data": {"code": "ALL-1", "name": "helene cote",
                          "emails": [{"address": "HELENE.COTE@exemple.ca"}], "phones": [{"number": "5145550199"}]}}),
    );
    let w = warned(&r).unwrap();
    assert!(w.contains(&(a, reasons(&["name", "email", "phone"]))), "{w:?}");
    // Not the same: word order, another number.
    let r = ok(
        f,
        json!({"op": "client.create", "data": {"code": "NO-1", "name": "Côté Hélène",
                          "phones": [{"number": "514 555-0198"}]}}),
    );
    assert_eq!(warned(&r), None, "{r}");

    // Contacts: apostrophes ’ and ', none; hyphens.
    let d = contact(f, "Jean-François", "D'Amours");
    for (first, last) in [("Jean François", "D’Amours"), ("jean-francois", "Damours"), ("JEAN‐FRANÇOIS", "d amours")]
    {
        let r = ok(f, json!({"op": "contact.create", "data": {"first_name": first, "last_name": last}}));
        let w = warned(&r).unwrap_or_else(|| panic!("{first} {last}: no warning"));
        assert!(w.contains(&(d, reasons(&["name"]))), "{first} {last}: {w:?}");
    }
    // An update warns when the name, an e-mail or a phone changes; not
    // otherwise. The warning is never blocking: the write is done.
    let other = contact(f, "Zoé", "Tremblay");
    let v = version(f, "contact.get", other);
    let r = ok(f, json!({"op": "contact.update", "id": other, "version": v, "data": {"title": "Associée"}}));
    assert_eq!(warned(&r), None);
    let r = ok(
        f,
        json!({"op": "contact.update", "id": other, "version": v + 1,
                          "data": {"first_name": "Jean François", "last_name": "D'amours"}}),
    );
    assert!(warned(&r).unwrap().contains(&(d, reasons(&["name"]))));
    assert_eq!(r["version"], v + 2);
    // duplicates.find lists the candidates of a record that exists.
    let found = ok(f, json!({"op": "duplicates.find", "entity": "contact", "id": d}));
    let ids: Vec<i64> = found.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 4, "{found}");
    assert!(ids.contains(&other) && !ids.contains(&d), "{found}");
    // A record in the trash is no candidate.
    let v = version(f, "contact.get", other);
    ok(f, json!({"op": "contact.delete", "id": other, "version": v}));
    let found = ok(f, json!({"op": "duplicates.find", "entity": "contact", "id": d}));
    assert_eq!(found.as_array().unwrap().len(), 3, "{found}");
}

fn only_candidates_the_actor_sees_are_named(f: &Fixture) {
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Québec".into()]);
    let qc = f.staff("Québec seulement", rights);
    let mtl = client(f, "MTL-1", "Gagnon-Roy inc.", json!({}));
    let r = call_on(
        &f.engine,
        qc,
        json!({"op": "client.create", "data": {"code": "QC-1", "name": "Gagnon Roy inc", "office": "Québec"}}),
    )
    .unwrap();
    assert_eq!(warned(&r), None, "a Montréal client named to Québec staff: {r}");
    let qc_id = r["id"].as_i64().unwrap();
    let found = call_on(&f.engine, qc, json!({"op": "duplicates.find", "entity": "client", "id": qc_id})).unwrap();
    assert_eq!(found, json!([]));
    // The administrator sees both.
    let found = ok(f, json!({"op": "duplicates.find", "entity": "client", "id": qc_id}));
    assert_eq!(found[0]["id"], mtl);
    // Another office's record answers as absent.
    let e = call_on(&f.engine, qc, json!({"op": "duplicates.find", "entity": "client", "id": mtl})).unwrap_err();
    assert_eq!(e.code, "not_found");
    // On client QC-1's dashboard: the record itself, no candidate outside it.
    let scoped = f.engine.execute_scoped(
        Actor::Staff(f.admin),
        DataScope::Client { client_id: qc_id },
        Request::DuplicatesFind { entity: clientele_core::domain::DupEntity::Client, id: qc_id },
    );
    assert_eq!(serde_json::to_value(scoped.unwrap()).unwrap(), json!([]));
    let scoped = f.engine.execute_scoped(
        Actor::Staff(f.admin),
        DataScope::Client { client_id: qc_id },
        Request::DuplicatesFind { entity: clientele_core::domain::DupEntity::Client, id: mtl },
    );
    assert_eq!(scoped.unwrap_err().code(), "not_found");
}

/// Candidates among a few thousand contacts: found by their keys (one
/// point read each), the right ones only.
fn duplicates_among_thousands_of_contacts(f: &Fixture) {
    let rows: Vec<Value> = (0..3000)
        .map(|i| {
            json!({"key": format!("K{i}"), "data": {"first_name": format!("Prénom{i}"), "last_name": "Lévesque",
                   "emails": [{"address": format!("p{i}@exemple.ca")}],
                   "phones": [{"number": format!("514 55{:05}", i)}]}})
        })
        .collect();
    let report = ok(f, json!({"op": "import.contacts", "rows": rows}));
    assert_eq!(report["created"], 3000, "{report}");
    let t = std::time::Instant::now();
    let r = ok(
        f,
        json!({"op": "contact.create", "data": {"first_name": "PRENOM1234", "last_name": "levesque",
                          "emails": [{"address": "P77@exemple.CA"}], "phones": [{"number": "(514) 550-2999"}]}}),
    );
    eprintln!("contact.create with its duplicate check among 3000 contacts: {:?}", t.elapsed());
    let w: BTreeMap<String, Vec<String>> = warned(&r)
        .unwrap()
        .into_iter()
        .map(|(id, why)| {
            (ok(f, json!({"op": "contact.get", "id": id}))["data"]["first_name"].as_str().unwrap().into(), why)
        })
        .collect();
    let want: BTreeMap<String, Vec<String>> = [
        ("Prénom1234".to_string(), reasons(&["name"])),
        ("Prénom77".to_string(), reasons(&["email"])),
        ("Prénom2999".to_string(), reasons(&["phone"])),
    ]
    .into_iter()
    .collect();
    assert_eq!(w, want);
}

fn import_reports_warn_of_likely_duplicates_per_row(f: &Fixture) {
    let a = client(f, "IMP-1", "Hélène D'Amours", json!({"emails": [{"address": "hda@exemple.ca"}]}));
    let p = contact(f, "Jean-François", "Côté");
    let rows = json!([
        {"code": "IMP-2", "name": "Zoé Tremblay"},
        {"code": "IMP-3", "name": "HELENE DAMOURS"},
        {"code": "IMP-4", "name": "Autre", "emails": [{"address": "HDA@Exemple.CA"}]},
    ]);
    for dry_run in [true, false] {
        let report = ok(
            f,
            json!({"op": "import.clients", "rows": rows, "options": {"dry_run": dry_run,
                                   "on_existing": "skip"}}),
        );
        let w: Vec<(u64, i64, Value)> = report["warnings"]
            .as_array()
            .unwrap_or_else(|| panic!("no warnings: {report}"))
            .iter()
            .map(|w| {
                (w["row"].as_u64().unwrap(), w["warning"]["id"].as_i64().unwrap(), w["warning"]["reasons"].clone())
            })
            .collect();
        if dry_run {
            assert_eq!(w, vec![(2, a, json!(["name"])), (3, a, json!(["email"]))], "{report}");
        } else {
            // Written for real: the same warnings (rows 2 and 3 are not
            // each other's: only existing records are compared).
            assert_eq!(w, vec![(2, a, json!(["name"])), (3, a, json!(["email"]))], "{report}");
            assert_eq!(report["created"], 3);
            // The rows written carry their own duplicate keys (computed
            // once for the warnings, written by the batch): a later
            // create is warned of them, by name, e-mail and phone.
            let imported = report["ids"][0].as_i64().unwrap();
            let again = ok(
                f,
                json!({"op": "client.create", "data": {"code": "IMP-5", "name": "zoe TREMBLAY", "office": "Montréal"}}),
            );
            assert_eq!(warned(&again), Some(vec![(imported, vec!["name".to_string()])]), "{again}");
        }
    }
    // Rows out of their keys' order (a batch inserts them sorted by key):
    // each keeps its own keys.
    let report = ok(
        f,
        json!({"op": "import.contacts", "rows": [
            {"key": "IMP-C2", "data": {"first_name": "Réjean", "last_name": "Roy",
                                       "emails": [{"address": "rejean@exemple.ca"}]}},
            {"key": "IMP-C1", "data": {"first_name": "Anaïs", "last_name": "Bélanger",
                                       "emails": [{"address": "anais@exemple.ca"}],
                                       "phones": [{"number": "514 555-0199"}]}},
        ]}),
    );
    let imported = report["ids"][1].as_i64().unwrap();
    let again = ok(
        f,
        json!({"op": "contact.create", "data": {"first_name": "Autre", "last_name": "Personne",
                                                 "emails": [{"address": "ANAIS@exemple.ca"}],
                                                 "phones": [{"number": "(514) 555-0199"}]}}),
    );
    assert_eq!(warned(&again), Some(vec![(imported, vec!["email".to_string(), "phone".to_string()])]), "{again}");
    let report = ok(
        f,
        json!({"op": "import.contacts", "rows": [
        {"data": {"first_name": "Jean François", "last_name": "Cote"}},
        {"data": {"first_name": "Luc", "last_name": "Bouchard"}},
    ], "options": {"dry_run": true}}),
    );
    assert_eq!(report["warnings"][0]["row"], 1, "{report}");
    assert_eq!(report["warnings"][0]["warning"]["id"], p, "{report}");
    assert_eq!(report["warnings"].as_array().unwrap().len(), 1, "{report}");
    // Nothing to warn of: no member at all.
    let report = ok(
        f,
        json!({"op": "import.contacts", "rows": [{"data": {"last_name": "Quintal"}}],
                              "options": {"dry_run": true}}),
    );
    assert!(report.get("warnings").is_none(), "{report}");
}

// ------------------------------------------------------------ merges

/// Everything attached to clients and contacts, as the screens read it,
/// without the versions and write stamps a merge and its undo move.
fn state(f: &Fixture, clients: &[i64], contacts: &[i64]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let strip = |mut v: Value| {
        fn walk(v: &mut Value) {
            match v {
                Value::Object(o) => {
                    for k in ["version", "updated_at", "updated_by", "next_cursor", "total"] {
                        o.remove(k);
                    }
                    o.values_mut().for_each(walk);
                }
                Value::Array(a) => a.iter_mut().for_each(walk),
                _ => {}
            }
        }
        walk(&mut v);
        v
    };
    for &c in clients {
        let get = call(f, json!({"op": "client.get", "id": c}));
        out.insert(format!("client {c}"), strip(get.unwrap_or_else(|e| json!(e.code))));
        if let Ok(v) = call(f, json!({"op": "client.contacts", "id": c})) {
            out.insert(format!("client {c} contacts"), strip(v));
        }
        if let Ok(v) = call(f, json!({"op": "interaction.list", "client_id": c, "limit": 500})) {
            out.insert(format!("client {c} interactions"), strip(v));
        }
        if let Ok(v) = call(f, json!({"op": "transfer.list", "client_id": c, "limit": 500})) {
            out.insert(format!("client {c} transfers"), strip(v));
        }
    }
    for &p in contacts {
        let get = call(f, json!({"op": "contact.get", "id": p}));
        out.insert(format!("contact {p}"), strip(get.unwrap_or_else(|e| json!(e.code))));
        if let Ok(v) = call(f, json!({"op": "contact.clients", "id": p})) {
            out.insert(format!("contact {p} clients"), strip(v));
        }
        if let Ok(v) = call(f, json!({"op": "interaction.list", "contact_id": p, "limit": 500})) {
            out.insert(format!("contact {p} interactions"), strip(v));
        }
    }
    out.insert("trash".into(), strip(ok(f, json!({"op": "trash.list"}))));
    out
}

fn count(v: &Value) -> usize {
    v["items"].as_array().map_or(0, Vec::len)
}

const ROLES: &[&str] = &["primary", "preferred", "billing", "additional"];

/// A small generated firm: clients with links (a primary on some),
/// interactions (some in the trash), transfers, people in charge.
fn seed(f: &Fixture, rng: &mut Rng, round: usize) -> (Vec<i64>, Vec<i64>) {
    let people: Vec<i64> = (0..3).map(|i| f.staff(&format!("Employé {round}-{i}"), Rights::all())).collect();
    let clients: Vec<i64> = (0..3)
        .map(|i| {
            let mut assignments = Vec::new();
            for (role, s) in [("partner", people[rng.below(3)]), ("staff", people[rng.below(3)])] {
                if rng.chance(70) {
                    assignments.push(json!({"role": role, "staff_id": s}));
                }
            }
            client(f, &format!("G{round}-{i}"), &format!("Client {round} {i}"), json!({"assignments": assignments}))
        })
        .collect();
    let contacts: Vec<i64> = (0..4).map(|i| contact(f, &format!("Personne{round}"), &format!("Nom{i}"))).collect();
    for &c in &clients {
        let mut primary = false;
        let mut linked = Vec::new();
        for (k, &p) in contacts.iter().enumerate() {
            if rng.chance(50) || (k == contacts.len() - 1 && linked.is_empty()) {
                linked.push(p);
                let mut role = *rng.pick(ROLES);
                if role == "primary" && primary {
                    role = "billing";
                }
                primary |= role == "primary";
                link(f, p, c, role);
            }
        }
        for i in 0..1 + rng.below(3) {
            let who = rng.chance(50).then(|| linked[rng.below(linked.len())]);
            let it = ok(
                f,
                json!({"op": "interaction.create", "data": {"kind": "note", "client_id": c, "contact_id": who,
                "occurred_at": (f.clock.get() - Duration::hours(i as i64 + 1)).to_rfc3339(), "subject": format!("Note {i}")}}),
            );
            if rng.chance(20) {
                ok(f, json!({"op": "interaction.delete", "id": it["id"], "version": it["version"]}));
            }
        }
        if rng.chance(60) {
            ok(
                f,
                json!({"op": "transfer.create", "data": {"direction": "requested_from_contact", "from_staff": f.admin,
                "to_contact": linked[rng.below(linked.len())], "client_id": c, "subject": "Pièces"}}),
            );
        }
    }
    // A note of a contact alone.
    ok(
        f,
        json!({"op": "interaction.create", "data": {"kind": "note", "contact_id": contacts[0],
        "occurred_at": (f.clock.get() - Duration::hours(9)).to_rfc3339(), "subject": "Sans client"}}),
    );
    (clients, contacts)
}

fn merge(f: &Fixture, kind: &str, keep: i64, merge: i64, rules: Value) -> Result<Value, ErrorBody> {
    let get = format!("{kind}.get");
    call(
        f,
        json!({"op": format!("{kind}.merge"), "keep": keep, "keep_version": version(f, &get, keep),
               "merge": merge, "merge_version": version(f, &get, merge), "rules": rules}),
    )
}

fn side(rng: &mut Rng) -> &'static str {
    if rng.chance(50) { "keep" } else { "merged" }
}

fn merges_of_generated_firms_move_everything_and_restore_undoes_them(f: &Fixture) {
    let mut rng = Rng(0x006d_6572_6765);
    let mut moved: BTreeMap<String, u64> = BTreeMap::new();
    for round in 0..8 {
        let (clients, contacts) = seed(f, &mut rng, round);
        let kind = if round % 2 == 0 { "client" } else { "contact" };
        let pool = if kind == "client" { &clients } else { &contacts };
        let keep = pool[rng.below(pool.len())];
        let gone = loop {
            let x = pool[rng.below(pool.len())];
            if x != keep {
                break x;
            }
        };
        let before = state(f, &clients, &contacts);
        let rules = json!({"primary": side(&mut rng), "roles": side(&mut rng)});
        let m = merge(f, kind, keep, gone, rules.clone()).unwrap_or_else(|e| panic!("round {round}: {e:?}"));
        for (k, n) in m["moved"].as_object().unwrap() {
            *moved.entry(format!("{kind} {k}")).or_default() += n.as_u64().unwrap();
        }
        let after = state(f, &clients, &contacts);
        // The merged record is gone (in the trash); the kept one has all.
        assert_eq!(after[&format!("{kind} {gone}")], json!("not_found"), "round {round}");
        let key = |id: i64, what: &str| format!("{kind} {id} {what}");
        let n = |s: &BTreeMap<String, Value>, id, what| s.get(&key(id, what)).map_or(0, count);
        assert_eq!(
            n(&after, keep, "interactions"),
            n(&before, keep, "interactions") + n(&before, gone, "interactions"),
            "round {round}: live interactions conserved"
        );
        if kind == "client" {
            assert_eq!(
                n(&after, keep, "transfers"),
                n(&before, keep, "transfers") + n(&before, gone, "transfers"),
                "round {round}: transfers conserved"
            );
            // Links: the union of both clients' contacts, one primary at most.
            let contacts_of = |s: &BTreeMap<String, Value>, id| -> Vec<i64> {
                s.get(&key(id, "contacts"))
                    .map(|v| v.as_array().unwrap().iter().map(|c| c["contact_id"].as_i64().unwrap()).collect())
                    .unwrap_or_default()
            };
            let mut want = contacts_of(&before, keep);
            want.extend(contacts_of(&before, gone));
            want.sort();
            want.dedup();
            let mut got = contacts_of(&after, keep);
            got.sort();
            assert_eq!(got, want, "round {round}: links");
            let primaries =
                after[&key(keep, "contacts")].as_array().unwrap().iter().filter(|c| c["role"] == "primary").count();
            assert!(primaries <= 1, "round {round}");
            // People in charge: the union.
            let people = |s: &BTreeMap<String, Value>, id| -> Vec<(String, i64)> {
                let mut v: Vec<(String, i64)> = s[&format!("client {id}")]["data"]["assignments"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|x| (x["role"].as_str().unwrap().to_string(), x["staff_id"].as_i64().unwrap()))
                            .collect()
                    })
                    .unwrap_or_default();
                v.sort();
                v
            };
            let mut want = people(&before, keep);
            want.extend(people(&before, gone));
            want.sort();
            want.dedup();
            assert_eq!(people(&after, keep), want, "round {round}: people in charge");
        } else {
            let clients_of = |s: &BTreeMap<String, Value>, id| -> Vec<i64> {
                let mut v: Vec<i64> = s
                    .get(&key(id, "clients"))
                    .map(|v| v.as_array().unwrap().iter().map(|c| c["client_id"].as_i64().unwrap()).collect())
                    .unwrap_or_default();
                v.sort();
                v
            };
            let mut want = clients_of(&before, keep);
            want.extend(clients_of(&before, gone));
            want.sort();
            want.dedup();
            assert_eq!(clients_of(&after, keep), want, "round {round}: links");
        }
        // Restoring the merged record undoes the merge, record by record.
        ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
        let restored = state(f, &clients, &contacts);
        for (k, v) in &before {
            assert_eq!(restored.get(k), Some(v), "round {round} ({kind} merge, rules {rules}): {k}");
        }
        assert_eq!(restored.len(), before.len());
    }
    // Every kind of attached record moved in some round.
    for k in [
        "client interactions",
        "client transfers",
        "client links",
        "client assignments",
        "contact interactions",
        "contact transfers",
        "contact links",
    ] {
        assert!(moved.get(k).is_some_and(|n| *n > 0), "nothing of {k} moved: {moved:?}");
    }
}

fn conflicting_roles_need_a_rule(f: &Fixture) {
    let a = client(f, "R-A", "Côté inc.", json!({}));
    let b = client(f, "R-B", "Cote inc", json!({}));
    let (pa, pb, both) = (contact(f, "Ève", "Bélanger"), contact(f, "Luc", "Bouchard"), contact(f, "Zoé", "Roy"));
    link(f, pa, a, "primary");
    link(f, pb, b, "primary");
    link(f, both, a, "billing");
    link(f, both, b, "preferred");
    let before = state(f, &[a, b], &[pa, pb, both]);
    let e = merge(f, "client", a, b, json!({})).unwrap_err();
    assert_eq!((e.code.as_str(), e.field.as_deref()), ("validation", Some("rules.primary")), "{e:?}");
    assert_eq!(e.reason.as_deref(), Some("merge_primary_conflict"));
    let e = merge(f, "client", a, b, json!({"primary": "keep"})).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("rules.roles"), "{e:?}");
    assert_eq!(state(f, &[a, b], &[pa, pb, both]), before, "a refused merge changed something");
    // primary: merged — B's primary becomes A's, A's is additional; the
    // contact of both takes B's role.
    let m = merge(f, "client", a, b, json!({"primary": "merged", "roles": "merged"})).unwrap();
    let roles: BTreeMap<i64, String> = ok(f, json!({"op": "client.contacts", "id": a}))
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["contact_id"].as_i64().unwrap(), c["role"].as_str().unwrap().to_string()))
        .collect();
    let want: BTreeMap<i64, String> =
        [(pa, "additional".to_string()), (pb, "primary".to_string()), (both, "preferred".to_string())].into();
    assert_eq!(roles, want);
    // Something added to A since the merge stays on A after the undo.
    let later = contact(f, "Anaïs", "Thériault");
    link(f, later, a, "billing");
    ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    let mut after = state(f, &[a, b], &[pa, pb, both]);
    let a_contacts = after.remove(&format!("client {a} contacts")).unwrap();
    let mut expected = before.clone();
    let want = expected.remove(&format!("client {a} contacts")).unwrap();
    let kept_since: Vec<Value> =
        a_contacts.as_array().unwrap().iter().filter(|c| c["contact_id"] != later).cloned().collect();
    assert_eq!(Value::Array(kept_since), want);
    assert!(a_contacts.as_array().unwrap().iter().any(|c| c["contact_id"] == later), "added since: kept");
    assert_eq!(after, expected);
    // primary: keep — the merged client's primary comes as additional.
    merge(f, "client", a, b, json!({"primary": "keep", "roles": "keep"})).unwrap();
    let roles: BTreeMap<i64, String> = ok(f, json!({"op": "client.contacts", "id": a}))
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["contact_id"].as_i64().unwrap(), c["role"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(roles[&pa], "primary");
    assert_eq!(roles[&pb], "additional");
    assert_eq!(roles[&both], "billing");
    // Contacts linked to one client in two roles.
    let c = client(f, "R-C", "Lévesque", json!({}));
    let (x, y) = (contact(f, "Marie-Ève", "Gagnon"), contact(f, "Marie Eve", "Gagnon"));
    link(f, x, c, "billing");
    link(f, y, c, "primary");
    let e = merge(f, "contact", x, y, json!({})).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("rules.roles"), "{e:?}");
    merge(f, "contact", x, y, json!({"roles": "merged"})).unwrap();
    let links = ok(f, json!({"op": "client.contacts", "id": c}));
    assert_eq!(links.as_array().unwrap().len(), 1, "{links}");
    assert_eq!((links[0]["contact_id"].as_i64(), links[0]["role"].as_str()), (Some(x), Some("primary")));
}

fn a_stale_version_or_a_concurrent_edit_is_a_conflict(f: &Fixture) {
    let a = client(f, "V-A", "Tremblay", json!({}));
    let b = client(f, "V-B", "Tremblay inc", json!({}));
    let p = contact(f, "Noémie", "St-Pierre");
    link(f, p, b, "billing");
    let before = state(f, &[a, b], &[p]);
    let (va, vb) = (version(f, "client.get", a), version(f, "client.get", b));
    for (kv, mv, stale) in [(va - 1, vb, a), (va, vb + 5, b)] {
        let e = call(f, json!({"op": "client.merge", "keep": a, "keep_version": kv, "merge": b, "merge_version": mv}))
            .unwrap_err();
        assert_eq!(e.code, "conflict", "{e:?}");
        assert!(e.message.contains(&stale.to_string()), "{e:?}");
    }
    assert_eq!(state(f, &[a, b], &[p]), before, "a refused merge changed something");
    // An editor and a merge race on the merged client: exactly one wins.
    let engine = &f.engine;
    let barrier = std::sync::Barrier::new(2);
    let (edit, merged) = std::thread::scope(|s| {
        let edit = s.spawn(|| {
            barrier.wait();
            call_on(
                engine,
                f.admin,
                json!({"op": "client.update", "id": b, "version": vb, "data": {"name": "Tremblay ltée"}}),
            )
        });
        let merged = s.spawn(|| {
            barrier.wait();
            call_on(
                engine,
                f.admin,
                json!({"op": "client.merge", "keep": a, "keep_version": va, "merge": b, "merge_version": vb}),
            )
        });
        (edit.join().unwrap(), merged.join().unwrap())
    });
    match (&edit, &merged) {
        (Ok(_), Err(e)) => assert_eq!(e.code, "conflict", "{e:?}"),
        (Err(e), Ok(_)) => assert!(matches!(e.code.as_str(), "conflict" | "not_found"), "{e:?}"),
        other => panic!("both or neither won: {other:?}"),
    }
    if merged.is_ok() {
        assert_eq!(call(f, json!({"op": "client.get", "id": b})).unwrap_err().code, "not_found");
        assert_eq!(ok(f, json!({"op": "client.contacts", "id": a}))[0]["contact_id"], p);
    } else {
        assert_eq!(ok(f, json!({"op": "client.get", "id": b}))["data"]["name"], "Tremblay ltée");
        assert_eq!(ok(f, json!({"op": "client.contacts", "id": b}))[0]["contact_id"], p);
    }
}

fn merging_needs_edit_and_delete_offices_and_no_dashboard(f: &Fixture) {
    let a = client(f, "D-A", "Bouchard", json!({}));
    let b = client(f, "D-B", "Bouchard inc", json!({}));
    let q =
        ok(f, json!({"op": "client.create", "data": {"code": "D-Q", "name": "Bouchard QC", "office": "Québec"}}))["id"]
            .as_i64()
            .unwrap();
    let before = state(f, &[a, b, q], &[]);
    for (entity, action) in [("clients", "edit"), ("clients", "delete")] {
        let mut r = Rights::all();
        let p: &mut Perms = &mut r.clients;
        if action == "edit" {
            p.edit = false
        } else {
            p.delete = false
        }
        let s = f.staff(&format!("Sans {entity} {action}"), r);
        let e = call_on(
            &f.engine,
            s,
            json!({"op": "client.merge", "keep": a, "keep_version": 1, "merge": b, "merge_version": 1}),
        )
        .unwrap_err();
        assert_eq!(e.code, "forbidden", "{e:?}");
    }
    let mut r = Rights::all();
    r.offices = Some(vec!["Montréal".into()]);
    let mtl = f.staff("Montréal seulement", r);
    for (keep, gone) in [(a, q), (q, a)] {
        let e = call_on(
            &f.engine,
            mtl,
            json!({"op": "client.merge", "keep": keep, "keep_version": 1, "merge": gone, "merge_version": 1}),
        )
        .unwrap_err();
        assert_eq!(e.code, "not_found", "{e:?}");
    }
    let e = call(f, json!({"op": "client.merge", "keep": a, "keep_version": 1, "merge": a, "merge_version": 1}))
        .unwrap_err();
    assert_eq!(e.code, "validation");
    // On a client dashboard (a portlet's access): refused.
    for req in [
        Request::ClientMerge { keep: a, keep_version: 1, merge: b, merge_version: 1, rules: Default::default() },
        Request::ContactMerge { keep: a, keep_version: 1, merge: b, merge_version: 1, rules: Default::default() },
    ] {
        let e = f.engine.execute_scoped(Actor::Staff(f.admin), DataScope::Client { client_id: a }, req).unwrap_err();
        assert_eq!(e.code(), "forbidden", "{e}");
    }
    assert_eq!(state(f, &[a, b, q], &[]), before, "a refused merge changed something");
    // Two contacts the Montréal staff member sees (both linked to a
    // Montréal client), one also linked to the Québec client: merging them
    // would rewrite a link it cannot see, so it is refused, naming no
    // client; the admin may.
    let m_client = ok(
        f,
        json!({"op": "client.create", "data": {"code": "D-M", "name": "Bouchard MTL", "office": "Montréal"}}),
    )["id"]
        .as_i64()
        .unwrap();
    let (u, v) = (contact(f, "Zoé", "D'Amours"), contact(f, "Zoe", "Damours"));
    link(f, u, m_client, "billing");
    link(f, v, m_client, "additional");
    link(f, v, q, "billing");
    for (keep, gone) in [(u, v), (v, u)] {
        let e = call_on(
            &f.engine,
            mtl,
            json!({"op": "contact.merge", "keep": keep, "keep_version": 1, "merge": gone, "merge_version": 1,
                   "rules": {"roles": "keep", "primary": "keep"}}),
        )
        .unwrap_err();
        assert_eq!(e.code, "forbidden", "{e:?}");
        assert!(!e.message.contains(&q.to_string()), "{e:?}");
    }
    assert!(merge(f, "contact", u, v, json!({"roles": "keep", "primary": "keep"})).is_ok());
    // A contact merged into a Montréal contact is not everybody's in the
    // trash (its links went to the kept contact).
    let mut r = Rights::all();
    r.offices = Some(vec!["Québec".into()]);
    let qc = f.staff("Québec seulement", r);
    let (x, y) = (contact(f, "Éloïse", "Lévesque"), contact(f, "Eloise", "Levesque"));
    link(f, x, a, "billing");
    link(f, y, b, "billing");
    let m = merge(f, "contact", x, y, json!({})).unwrap();
    let listed = call_on(&f.engine, qc, json!({"op": "trash.list"})).unwrap();
    assert!(!listed.to_string().contains("Eloise"), "{listed}");
    let e = call_on(&f.engine, qc, json!({"op": "trash.restore", "id": m["trash_id"]})).unwrap_err();
    assert_eq!(e.code, "not_found", "{e:?}");
    ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    // Restoring needs the kept record live.
    let m = merge(f, "client", a, b, json!({})).unwrap();
    ok(f, json!({"op": "client.delete", "id": a, "version": m["kept_version"]}));
    let e = call(f, json!({"op": "trash.restore", "id": m["trash_id"]})).unwrap_err();
    assert_eq!(e.code, "validation", "{e:?}");
}

// ------------------------------------------------ custom values and tags

fn host(f: &Fixture, mut request: Value) -> Value {
    request["actor"] = json!("host");
    f.engine
        .execute_json(&request.to_string())
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or_else(|e| panic!("{request}: {:?}", e.body()))
}

fn field(f: &Fixture, record: &str, key: &str, ty: &str) {
    host(
        f,
        json!({"op": "custom_field.put", "field": {"record": record, "key": key, "label_fr": key, "label_en": key,
               "field_type": ty}}),
    );
}

fn tag(f: &Fixture, code: &str) {
    host(f, json!({"op": "tag.put", "tag": {"code": code, "name_fr": code, "name_en": code, "colour": "#00796B"}}));
}

fn data(f: &Fixture, kind: &str, id: i64) -> Value {
    ok(f, json!({"op": format!("{kind}.get"), "id": id}))["data"].clone()
}

fn newest_history(f: &Fixture, kind: &str, id: i64) -> Value {
    ok(f, json!({"op": "history.list", "record": {"kind": kind, "id": id}, "limit": 1}))["items"][0].clone()
}

fn merges_carry_custom_values_and_tags_and_restore_takes_them_back(f: &Fixture) {
    field(f, "client", "secteur", "text");
    field(f, "client", "employes", "number");
    field(f, "contact", "fonction", "text");
    field(f, "contact", "poste", "text");
    for t in ["urgent", "vip", "suivi"] {
        tag(f, t);
    }
    let a = client(f, "CV-A", "Gagnon", json!({"custom": {"secteur": "Santé"}, "tags": ["urgent"]}));
    let b = client(
        f,
        "CV-B",
        "Gagnon inc",
        json!({"custom": {"secteur": "Agriculture", "employes": 12}, "tags": ["urgent", "vip"]}),
    );
    let before = state(f, &[a, b], &[]);
    // Default rule: the kept record's value wins, the merged one fills gaps;
    // tags are the union.
    let m = merge(f, "client", a, b, json!({})).unwrap();
    assert_eq!((m["moved"]["custom"].as_u64(), m["moved"]["tags"].as_u64()), (Some(1), Some(1)), "{m}");
    let kept = data(f, "client", a);
    assert_eq!(kept["custom"], json!({"secteur": "Santé", "employes": 12}));
    assert_eq!(kept["tags"], json!(["urgent", "vip"]));
    // The kept client's history names the merge and exactly what it gained.
    let h = newest_history(f, "client", a);
    assert_eq!(h["op"], "merge", "{h}");
    assert_eq!(h["changes"]["custom"]["old"], json!({"secteur": "Santé"}), "{h}");
    assert_eq!(h["changes"]["custom"]["new"], json!({"secteur": "Santé", "employes": 12}), "{h}");
    assert_eq!(h["changes"]["tags"], json!({"old": ["urgent"], "new": ["urgent", "vip"]}), "{h}");
    // Filters see the kept record's new values at once.
    let page = ok(f, json!({"op": "client.list", "filter": "tag:vip"}));
    let ids: Vec<i64> = page["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [a]);
    let r = ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    assert_eq!(r, json!({"done": true}), "everything went back: nothing to report");
    assert_eq!(state(f, &[a, b], &[]), before);
    let h = newest_history(f, "client", a);
    assert_eq!(h["op"], "unmerge", "{h}");
    assert_eq!(h["changes"]["tags"], json!({"old": ["urgent", "vip"], "new": ["urgent"]}), "{h}");

    // custom: merged — the merged record's value replaces the kept one's.
    // A value edited on the kept record since the merge stays (reported);
    // the others go back.
    let m = merge(f, "client", a, b, json!({"custom": "merged"})).unwrap();
    assert_eq!(data(f, "client", a)["custom"], json!({"secteur": "Agriculture", "employes": 12}));
    let v = version(f, "client.get", a);
    ok(f, json!({"op": "client.update", "id": a, "version": v, "data": {"custom": {"employes": 20}}}));
    let r = ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    let issues = r["not_restored"].as_array().unwrap();
    assert_eq!(issues.len(), 1, "{r}");
    assert_eq!((issues[0]["item"].as_str(), issues[0]["key"].as_str()), (Some("custom"), Some("employes")));
    assert_eq!(issues[0]["reason"], "edited_since");
    assert!(issues[0]["message_fr"].as_str().unwrap().contains("modifiée"), "{r}");
    assert_eq!(data(f, "client", a)["custom"], json!({"secteur": "Santé", "employes": 20}));
    assert_eq!(data(f, "client", b)["custom"], json!({"secteur": "Agriculture", "employes": 12}));
    assert_eq!(data(f, "client", b)["tags"], json!(["urgent", "vip"]));

    // Contacts the same way.
    let x = ok(
        f,
        json!({"op": "contact.create", "data": {"first_name": "Line", "last_name": "Roy", "tags": ["suivi"],
               "custom": {"fonction": "Présidente"}}}),
    )["id"]
        .as_i64()
        .unwrap();
    let y = ok(
        f,
        json!({"op": "contact.create", "data": {"first_name": "Line", "last_name": "Roy", "tags": ["vip"],
               "custom": {"fonction": "PDG", "poste": "214"}}}),
    )["id"]
        .as_i64()
        .unwrap();
    let before = state(f, &[], &[x, y]);
    let m = merge(f, "contact", x, y, json!({})).unwrap();
    let kept = data(f, "contact", x);
    assert_eq!(kept["custom"], json!({"fonction": "Présidente", "poste": "214"}));
    assert_eq!(kept["tags"], json!(["suivi", "vip"]));
    assert_eq!(newest_history(f, "contact", x)["changes"]["tags"]["new"], json!(["suivi", "vip"]));
    ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    assert_eq!(state(f, &[], &[x, y]), before);
}

// -------------------------------------------------------------- versions

fn records_a_merge_or_its_undo_moves_get_a_new_version(f: &Fixture) {
    let a = client(f, "VV-A", "Pelletier", json!({}));
    let b = client(f, "VV-B", "Pelletier inc", json!({}));
    let p = contact(f, "Rémi", "Pelletier");
    link(f, p, b, "billing");
    let it = ok(
        f,
        json!({"op": "interaction.create", "data": {"kind": "note", "client_id": b, "subject": "Bilan",
               "occurred_at": f.clock.get().to_rfc3339()}}),
    );
    let tr = ok(
        f,
        json!({"op": "transfer.create", "data": {"direction": "requested_from_contact", "from_staff": f.admin,
               "to_contact": p, "client_id": b, "subject": "Relevés"}}),
    );
    // Read before the merge, written after it: a conflict, not a silent
    // overwrite of the record's new client.
    let m = merge(f, "client", a, b, json!({})).unwrap();
    let e = call(
        f,
        json!({"op": "interaction.update", "id": it["id"], "version": it["version"],
                           "data": {"subject": "Bilan 2026"}}),
    )
    .unwrap_err();
    assert_eq!(e.code, "conflict", "{e:?}");
    let e = call(
        f,
        json!({"op": "transfer.update", "id": tr["id"], "version": tr["version"],
                           "data": {"subject": "Relevés 2026"}}),
    )
    .unwrap_err();
    assert_eq!(e.code, "conflict", "{e:?}");
    let moved = ok(f, json!({"op": "interaction.get", "id": it["id"]}));
    assert_eq!((moved["data"]["client_id"].as_i64(), moved["data"]["subject"].as_str()), (Some(a), Some("Bilan")));
    assert_eq!(moved["version"].as_i64(), Some(it["version"].as_i64().unwrap() + 1));
    // Its history says why it changed.
    let h = newest_history(f, "interaction", it["id"].as_i64().unwrap());
    assert_eq!(h["op"], "merge", "{h}");
    assert_eq!(h["changes"], json!({"client_id": {"old": b, "new": a}}), "{h}");
    let h = newest_history(f, "transfer", tr["id"].as_i64().unwrap());
    assert_eq!(h["changes"], json!({"client_id": {"old": b, "new": a}}), "{h}");
    // The same after the undo: read on the kept client, written after the
    // restore.
    ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    let e = call(
        f,
        json!({"op": "interaction.update", "id": it["id"], "version": moved["version"],
                           "data": {"subject": "Bilan 2026"}}),
    )
    .unwrap_err();
    assert_eq!(e.code, "conflict", "{e:?}");
    let back = ok(f, json!({"op": "interaction.get", "id": it["id"]}));
    assert_eq!(back["data"]["client_id"].as_i64(), Some(b));
    let h = newest_history(f, "interaction", it["id"].as_i64().unwrap());
    assert_eq!((h["op"].as_str(), &h["changes"]), (Some("unmerge"), &json!({"client_id": {"old": a, "new": b}})));
    ok(
        f,
        json!({"op": "interaction.update", "id": it["id"], "version": back["version"],
                 "data": {"subject": "Bilan 2026"}}),
    );
    let tr_back = ok(f, json!({"op": "transfer.get", "id": tr["id"]}));
    assert_eq!(tr_back["version"].as_i64(), Some(tr["version"].as_i64().unwrap() + 2));
    // The kept record too (the answer says its new version).
    let e = call(f, json!({"op": "client.update", "id": a, "version": m["kept_version"], "data": {"notes": "x"}}))
        .unwrap_err();
    assert_eq!(e.code, "conflict", "the undo raised the kept client's version: {e:?}");
}

// ------------------------------------------------------ undo robustness

fn issues(r: &Value) -> Vec<(String, i64, String)> {
    let mut v: Vec<(String, i64, String)> = r["not_restored"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    assert!(
                        !i["message_fr"].as_str().unwrap().is_empty() && !i["message_en"].as_str().unwrap().is_empty()
                    );
                    (
                        i["item"].as_str().unwrap().into(),
                        i["id"].as_i64().unwrap_or(0),
                        i["reason"].as_str().unwrap().into(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn relink(f: &Fixture, contact: i64, client: i64, from: &str, to: &str) {
    ok(f, json!({"op": "contact.link", "contact_id": contact, "client_id": client, "role": to, "from_role": from}));
}

fn roles_of(f: &Fixture, client: i64) -> BTreeMap<i64, String> {
    ok(f, json!({"op": "client.contacts", "id": client}))
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["contact_id"].as_i64().unwrap(), c["role"].as_str().unwrap().to_string()))
        .collect()
}

fn undo_after_later_edits_keeps_them_and_says_what_stayed(f: &Fixture) {
    // A moved link's role edited since: it goes back with the new role.
    let a = client(f, "U-A", "Fortin", json!({}));
    let b = client(f, "U-B", "Fortin inc", json!({}));
    let p = contact(f, "Annie", "Fortin");
    link(f, p, b, "billing");
    let m = merge(f, "client", a, b, json!({})).unwrap();
    relink(f, p, a, "billing", "preferred");
    let r = ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    assert_eq!(issues(&r), [("link".into(), p, "edited_since".into())], "{r}");
    assert_eq!(roles_of(f, b), [(p, "preferred".to_string())].into());
    assert!(roles_of(f, a).is_empty());

    // A folded link that was primary, the client's primary taken since:
    // the link comes back as additional (it used to fail for good on the
    // one-primary rule).
    let c = client(f, "U-C", "Lavoie", json!({}));
    let (x, y, z) = (contact(f, "Paul", "Lavoie"), contact(f, "Paul", "Lavoie"), contact(f, "Marc", "Lavoie"));
    link(f, x, c, "billing");
    link(f, y, c, "primary");
    let m = merge(f, "contact", x, y, json!({"roles": "keep"})).unwrap();
    assert_eq!(roles_of(f, c), [(x, "billing".to_string())].into());
    link(f, z, c, "primary");
    let r = ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    assert_eq!(issues(&r), [("link".into(), c, "primary_taken".into())], "{r}");
    assert_eq!(
        roles_of(f, c),
        [(x, "billing".to_string()), (y, "additional".to_string()), (z, "primary".to_string())].into()
    );

    // A primary the merge demoted on the kept client, the role given to
    // someone else since: it stays theirs (reported).
    let d = client(f, "U-D", "Caron", json!({}));
    let e2 = client(f, "U-E", "Caron inc", json!({}));
    let (pd, pe, later) = (contact(f, "Léa", "Caron"), contact(f, "Léo", "Caron"), contact(f, "Noé", "Caron"));
    link(f, pd, d, "primary");
    link(f, pe, e2, "primary");
    let m = merge(f, "client", d, e2, json!({"primary": "merged"})).unwrap();
    relink(f, pe, d, "primary", "billing");
    link(f, later, d, "primary");
    let r = ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    let got = issues(&r);
    assert!(got.contains(&("link".into(), pd, "primary_taken".into())), "{r}");
    assert!(got.contains(&("link".into(), pe, "edited_since".into())), "{r}");
    assert_eq!(roles_of(f, d), [(pd, "additional".to_string()), (later, "primary".to_string())].into());
    assert_eq!(roles_of(f, e2), [(pe, "billing".to_string())].into());

    // Moved records gone or moved on since: what still is on the kept
    // client goes back, the rest is named.
    let g = client(f, "U-G", "Morin", json!({}));
    let h = client(f, "U-H", "Morin inc", json!({}));
    let other = client(f, "U-O", "Ailleurs", json!({}));
    let (kept_p, gone_p, both) = (contact(f, "Ana", "Morin"), contact(f, "Bob", "Morin"), contact(f, "Cléo", "Morin"));
    link(f, kept_p, h, "billing");
    link(f, gone_p, h, "additional");
    link(f, both, g, "billing");
    link(f, both, h, "billing");
    let note = |subject: &str| {
        ok(
            f,
            json!({"op": "interaction.create", "data": {"kind": "note", "client_id": h, "subject": subject,
                   "occurred_at": f.clock.get().to_rfc3339()}}),
        )
    };
    let (stays, purged, moved_on) = (note("Reste"), note("Purgée"), note("Déplacée"));
    let m = merge(f, "client", g, h, json!({})).unwrap();
    // Purged since: a note, a contact the merge moved, a contact whose
    // link it folded; another note moved to another client.
    let v = version(f, "interaction.get", purged["id"].as_i64().unwrap());
    let t = ok(f, json!({"op": "interaction.delete", "id": purged["id"], "version": v}));
    ok(f, json!({"op": "trash.purge", "id": t["trash_id"]}));
    for p in [gone_p, both] {
        let t = ok(f, json!({"op": "contact.delete", "id": p, "version": version(f, "contact.get", p)}));
        ok(f, json!({"op": "trash.purge", "id": t["trash_id"]}));
    }
    let v = version(f, "interaction.get", moved_on["id"].as_i64().unwrap());
    ok(f, json!({"op": "interaction.update", "id": moved_on["id"], "version": v, "data": {"client_id": other}}));
    let r = ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    let mut want: Vec<(String, i64, String)> = vec![
        ("interaction".into(), purged["id"].as_i64().unwrap(), "gone".into()),
        ("interaction".into(), moved_on["id"].as_i64().unwrap(), "moved_since".into()),
        ("link".into(), gone_p, "gone".into()),
        ("link".into(), both, "gone".into()),
    ];
    want.sort();
    assert_eq!(issues(&r), want, "{r}");
    assert_eq!(roles_of(f, h), [(kept_p, "billing".to_string())].into());
    let notes = ok(f, json!({"op": "interaction.list", "client_id": h}));
    let subjects: Vec<&str> =
        notes["items"].as_array().unwrap().iter().map(|i| i["data"]["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, [stays["data"]["subject"].as_str().unwrap()]);
    assert_eq!(ok(f, json!({"op": "interaction.get", "id": moved_on["id"]}))["data"]["client_id"], other);

    // The staff role of a moved person in charge deleted since (it was
    // unassigned from the kept client first): the rest comes back.
    host(f, json!({"op": "staff_role.put", "role": {"code": "compte", "label_fr": "Compte", "label_en": "Account"}}));
    let s = f.staff("Chargée de compte", Rights::all());
    let i = client(f, "U-I", "Ouellet", json!({}));
    let j = client(
        f,
        "U-J",
        "Ouellet inc",
        json!({"assignments": [{"role": "compte", "staff_id": s}, {"role": "partner", "staff_id": s}]}),
    );
    let m = merge(f, "client", i, j, json!({})).unwrap();
    let v = version(f, "client.get", i);
    ok(
        f,
        json!({"op": "client.update", "id": i, "version": v, "data": {"assignments": [{"role": "partner", "staff_id": s}]}}),
    );
    host(f, json!({"op": "staff_role.delete", "code": "compte"}));
    let r = ok(f, json!({"op": "trash.restore", "id": m["trash_id"]}));
    assert_eq!(issues(&r), [("assignment".into(), s, "role_deleted".into())], "{r}");
    assert_eq!(data(f, "client", j)["assignments"], json!([{"role": "partner", "staff_id": s}]));
    assert_eq!(data(f, "client", i)["assignments"], json!([]));
}

backend_tests!(
    likely_duplicates_are_warned_on_messy_names_emails_and_phones,
    only_candidates_the_actor_sees_are_named,
    duplicates_among_thousands_of_contacts,
    import_reports_warn_of_likely_duplicates_per_row,
    merges_of_generated_firms_move_everything_and_restore_undoes_them,
    conflicting_roles_need_a_rule,
    a_stale_version_or_a_concurrent_edit_is_a_conflict,
    merging_needs_edit_and_delete_offices_and_no_dashboard,
    merges_carry_custom_values_and_tags_and_restore_takes_them_back,
    records_a_merge_or_its_undo_moves_get_a_new_version,
    undo_after_later_edits_keeps_them_and_says_what_stayed,
);

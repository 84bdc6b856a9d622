//! Bulk imports of every kind through the JSON front door (`import.clients`,
//! `import.contacts`, `import.links`, `import.interactions`), on SQLite and
//! PostgreSQL: the report (created, updated, skipped, bad rows by line and
//! column in French and English), dry runs that change nothing, the
//! `on_existing` modes, all-or-nothing against per-batch commits, progress
//! outside write transactions, cancel, rights and offices, and imported
//! records searchable as soon as the import answers.

#![allow(clippy::result_large_err)]

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use clientele_core::domain::{Perms, Rights};
use clientele_core::protocol::{Actor, ImportReport, Request};
use clientele_core::{Engine, ErrorBody, Progress};
use clientele_tests::{Fixture, backend_tests};
use diesel::Connection as _;
use serde_json::{Value, json};

fn call(e: &Engine, request: Value) -> Result<Value, ErrorBody> {
    e.execute_json(&request.to_string()).map(|s| serde_json::from_str(&s).unwrap()).map_err(|e| e.body())
}

fn import(f: &Fixture, actor: i64, op: &str, rows: Value, options: Value) -> Result<ImportReport, ErrorBody> {
    call(&f.engine, json!({"actor": actor, "op": op, "rows": rows, "options": options}))
        .map(|v| serde_json::from_value(v).unwrap())
}

fn total(f: &Fixture, op: &str, extra: Value) -> u64 {
    let mut r = json!({"actor": f.admin, "op": op, "count": true, "limit": 1});
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    call(&f.engine, r).unwrap()["total"].as_u64().unwrap()
}

fn clients(n: usize, prefix: &str) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"code": format!("{prefix}{i:04}"), "name": format!("Société {prefix} n° {i}"), "office": "Québec"}))
            .collect(),
    )
}

/// Clients, contacts with keys, links by code and key, interactions by
/// code, key, e-mail and initials: every kind lands, and each is found by a
/// keyword search as soon as its import answers.
fn every_kind_imports_and_is_searchable(f: &Fixture) {
    let r = import(
        f,
        f.admin,
        "import.clients",
        json!([
            {"code": "TRE-001", "name": "Tremblay Zythologie inc.", "office": "Québec"},
            {"code": "COT-002", "name": "Côté & fils", "office": "Montréal"},
        ]),
        json!({}),
    )
    .unwrap();
    assert_eq!((r.created, r.updated, r.skipped, r.failed, r.complete), (2, 0, 0, 0, true));
    assert!(r.ids.iter().all(Option::is_some));
    assert_eq!(total(f, "client.list", json!({"search": "zythologie"})), 1);

    let r = import(
        f,
        f.admin,
        "import.contacts",
        json!([
            {"key": "P-1", "data": {"first_name": "Éloïse", "last_name": "Quintal", "emails": [{"address": "eloise@quintal.ca"}]}},
            {"key": "P-2", "data": {"first_name": "Réjean", "last_name": "Xylo"}},
        ]),
        json!({}),
    )
    .unwrap();
    assert_eq!((r.created, r.failed), (2, 0));
    assert_eq!(total(f, "contact.list", json!({"search": "quintal"})), 1);

    let r = import(
        f,
        f.admin,
        "import.links",
        json!([
            {"client_code": "tre-001", "contact_key": "p-1", "role": "primary"},
            {"client_code": "COT-002", "contact_key": "P-2"},
        ]),
        json!({}),
    )
    .unwrap();
    assert_eq!((r.created, r.failed), (2, 0));
    let tre = r.rows;
    assert_eq!(tre, 2);

    let r = import(
        f,
        f.admin,
        "import.interactions",
        json!([
            {"client_code": "TRE-001", "contact_key": "P-1", "staff_initials": "hda",
             "data": {"kind": "phone_call", "occurred_at": "2025-03-04T15:00:00Z", "subject": "Appel xérographie", "direction": "incoming"}},
            {"contact_email": "ELOISE@quintal.ca",
             "data": {"kind": "note", "occurred_at": "2025-03-05T15:00:00Z", "subject": "Note quincaillerie"}},
        ]),
        json!({}),
    )
    .unwrap();
    assert_eq!((r.created, r.failed), (2, 0), "{:?}", r.errors);
    assert_eq!(total(f, "interaction.list", json!({"search": "xerographie"})), 1);
    assert_eq!(total(f, "interaction.list", json!({"search": "quincaillerie"})), 1);
    let id = r.ids[0].unwrap();
    let got = call(&f.engine, json!({"actor": f.admin, "op": "interaction.get", "id": id})).unwrap();
    assert_eq!(got["data"]["staff_id"], json!(f.admin));
    assert_eq!(got["created_by"], json!(f.admin));
    assert!(got["data"]["client_id"].is_i64() && got["data"]["contact_id"].is_i64());
}

/// A dry run answers the same counts and bad rows as the real run would,
/// and changes nothing.
fn a_dry_run_changes_nothing(f: &Fixture) {
    import(f, f.admin, "import.clients", clients(3, "A"), json!({})).unwrap();
    let before = call(&f.engine, json!({"actor": f.admin, "op": "client.list", "limit": 100})).unwrap();
    let mut rows = clients(5, "A");
    rows[3]["name"] = json!("");
    rows[4]["emails"] = json!([{"address": "pas-une-adresse"}]);
    let opts = json!({"dry_run": true, "on_existing": "update", "lines": [2, 3, 4, 7, 9]});
    let r = import(f, f.admin, "import.clients", rows.clone(), opts).unwrap();
    assert!(r.dry_run);
    assert_eq!((r.created, r.updated, r.failed, r.batches_committed), (0, 3, 2, 0));
    assert_eq!(r.errors.len(), 2);
    assert_eq!((r.errors[0].row, r.errors[0].line, r.errors[0].column.as_str()), (4, 7, "name"));
    assert_eq!(r.errors[0].reason.as_deref(), Some("required"));
    assert!(r.errors[0].message_fr.contains("obligatoire"), "{}", r.errors[0].message_fr);
    assert_eq!((r.errors[1].line, r.errors[1].column.as_str()), (9, "emails[0].address"));
    assert!(r.errors[1].message_fr.contains("courriel") && r.errors[1].message_en.contains("e-mail"));
    let after = call(&f.engine, json!({"actor": f.admin, "op": "client.list", "limit": 100})).unwrap();
    assert_eq!(before, after);
    // The real run answers the same report, written.
    let real =
        import(f, f.admin, "import.clients", rows, json!({"on_existing": "update", "commit": "batches"})).unwrap();
    assert_eq!((real.created, real.updated, real.failed, real.batches_committed), (0, 3, 2, 1));
}

/// `on_existing`: error reports the row, skip leaves the record, update
/// replaces it; a code twice in one file is a bad row naming the first line.
fn on_existing_modes(f: &Fixture) {
    let first = import(f, f.admin, "import.clients", clients(2, "E"), json!({})).unwrap();
    let id = first.ids[0].unwrap();
    let mut rows = clients(3, "E");
    rows[0]["name"] = json!("Nouveau nom");
    let r = import(f, f.admin, "import.clients", rows.clone(), json!({})).unwrap();
    assert_eq!((r.created, r.failed, r.complete), (0, 2, false));
    assert!(r.errors.iter().all(|e| e.code == "duplicate" && e.column == "code"));
    assert_eq!(total(f, "client.list", json!({})), 2, "all or nothing: the good row is not written either");
    let r = import(f, f.admin, "import.clients", rows.clone(), json!({"on_existing": "skip"})).unwrap();
    assert_eq!((r.created, r.skipped, r.failed), (1, 2, 0));
    assert_eq!(r.ids[0], Some(id));
    let got = call(&f.engine, json!({"actor": f.admin, "op": "client.get", "id": id})).unwrap();
    assert_eq!((got["version"].as_i64(), got["data"]["name"].as_str()), (Some(1), Some("Société E n° 0")));
    let r = import(f, f.admin, "import.clients", rows, json!({"on_existing": "update"})).unwrap();
    assert_eq!((r.created, r.updated, r.failed), (0, 3, 0));
    let got = call(&f.engine, json!({"actor": f.admin, "op": "client.get", "id": id})).unwrap();
    assert_eq!((got["version"].as_i64(), got["data"]["name"].as_str()), (Some(2), Some("Nouveau nom")));
    assert_eq!(total(f, "client.list", json!({"search": "nouveau"})), 1);
    // The same code twice in one file.
    let r = import(
        f,
        f.admin,
        "import.clients",
        json!([{"code": "DUP-1", "name": "Un"}, {"code": "dup-1", "name": "Deux"}]),
        json!({"commit": "batches"}),
    )
    .unwrap();
    assert_eq!((r.created, r.failed), (1, 1));
    assert_eq!(r.errors[0].reason.as_deref(), Some("duplicate_in_file"));
    assert!(r.errors[0].message_en.contains("line 1"), "{}", r.errors[0].message_en);
    // Contacts by key, the same way.
    let c = json!([{"key": "K1", "data": {"last_name": "Avant"}}]);
    import(f, f.admin, "import.contacts", c, json!({})).unwrap();
    let c = json!([{"key": "k1", "data": {"last_name": "Après"}}]);
    let r = import(f, f.admin, "import.contacts", c.clone(), json!({})).unwrap();
    assert_eq!((r.failed, r.errors[0].column.as_str()), (1, "key"));
    let r = import(f, f.admin, "import.contacts", c, json!({"on_existing": "update"})).unwrap();
    assert_eq!(r.updated, 1);
    assert_eq!(total(f, "contact.list", json!({"search": "apres"})), 1);
}

/// Bad references are bad rows: unknown client code, unknown contact key,
/// unknown initials, a contact not linked to the client.
fn bad_references_are_reported_by_column(f: &Fixture) {
    import(f, f.admin, "import.clients", clients(1, "R"), json!({})).unwrap();
    import(f, f.admin, "import.contacts", json!([{"key": "C", "data": {"last_name": "Seul"}}]), json!({})).unwrap();
    let at = "2025-01-01T12:00:00Z";
    let rows = json!([
        {"client_code": "NOPE", "data": {"kind": "note", "occurred_at": at, "subject": "x"}},
        {"client_code": "R0000", "contact_key": "ZZ", "data": {"kind": "note", "occurred_at": at, "subject": "x"}},
        {"client_code": "R0000", "staff_initials": "QQQ", "data": {"kind": "note", "occurred_at": at, "subject": "x"}},
        {"client_code": "R0000", "contact_key": "C", "data": {"kind": "note", "occurred_at": at, "subject": "x"}},
        {"client_code": "R0000", "data": {"kind": "note", "occurred_at": at, "subject": ""}},
        {"client_code": "R0000", "data": {"kind": "note", "occurred_at": at, "subject": "bon"}},
    ]);
    let r = import(f, f.admin, "import.interactions", rows, json!({"commit": "batches"})).unwrap();
    let cols: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.line, e.column.as_str())).collect();
    assert_eq!(
        cols,
        vec![(1, "client_code"), (2, "contact_key"), (3, "staff_initials"), (4, "contact_key"), (5, "subject")]
    );
    assert!(r.errors.iter().all(|e| !e.message_fr.is_empty() && !e.message_en.is_empty()));
    assert_eq!((r.created, r.failed, r.complete), (1, 5, true));
    let links = json!([{"client_code": "R0000", "contact_key": "C", "role": "primary"},
                       {"client_code": "R0000", "contact_key": "C", "role": "billing"}]);
    let r = import(f, f.admin, "import.links", links, json!({"on_existing": "skip"})).unwrap();
    assert_eq!((r.created, r.skipped), (1, 1));
}

/// Rights and offices: no add right, no import; a client of another office
/// is a bad row, and so is a link to one.
fn rights_and_offices(f: &Fixture) {
    let viewer = f.staff("Lecteur", Rights { clients: Perms::VIEW, ..Rights::all() });
    let e = import(f, viewer, "import.clients", clients(1, "V"), json!({})).unwrap_err();
    assert_eq!(e.code, "forbidden");
    let e = import(f, viewer, "import.clients", clients(1, "V"), json!({"dry_run": true})).unwrap_err();
    assert_eq!(e.code, "forbidden");
    let quebec = f.staff("Québec", Rights { offices: Some(vec!["Québec".into()]), ..Rights::all() });
    let rows =
        json!([{"code": "Q1", "name": "Ici", "office": "Québec"}, {"code": "M1", "name": "Là", "office": "Montréal"}]);
    let r = import(f, quebec, "import.clients", rows, json!({"commit": "batches"})).unwrap();
    assert_eq!((r.created, r.failed, r.errors[0].column.as_str()), (1, 1, "office"));
    import(f, f.admin, "import.clients", json!([{"code": "M2", "name": "Là", "office": "Montréal"}]), json!({}))
        .unwrap();
    import(f, quebec, "import.contacts", json!([{"key": "QC", "data": {"last_name": "Qc"}}]), json!({})).unwrap();
    let r = import(f, quebec, "import.links", json!([{"client_code": "M2", "contact_key": "QC"}]), json!({})).unwrap();
    assert_eq!((r.failed, r.errors[0].code.as_str()), (1, "not_found"));
    // A code held by a client the actor cannot see is not named.
    let r = import(f, quebec, "import.clients", json!([{"code": "M2", "name": "x", "office": "Québec"}]), json!({}))
        .unwrap();
    assert_eq!(r.errors[0].code, "duplicate");
    assert_eq!(r.errors[0].message_en, "'M2' is already used by another record");
}

/// Progress, at least every 1,000 rows, outside any write transaction (a
/// write from the callback goes through at once); a cancel keeps whole
/// batches only (per batch) or nothing (all or nothing).
struct Watch<'a> {
    engine: &'a Engine,
    admin: i64,
    seen: Mutex<Vec<(u64, u64)>>,
    cancel_at: u64,
    writes_ok: AtomicBool,
}

impl Progress for Watch<'_> {
    fn report(&self, done: u64, total: u64) -> bool {
        self.seen.lock().unwrap().push((done, total));
        // Another writer, on this very thread: under an open write
        // transaction it would wait for the lock until its deadline.
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let d = json!({"code": format!("W{n}"), "name": "Pendant"});
        let ok = self
            .engine
            .execute_within(
                Actor::Staff(self.admin),
                serde_json::from_value::<Request>(json!({"op": "client.create", "data": d})).unwrap(),
                &clientele_core::NoProgress,
                clientele_core::Deadline::after(std::time::Duration::from_millis(500)),
            )
            .map_err(|e| eprintln!("write from the callback: {e}"))
            .is_ok();
        if !ok {
            self.writes_ok.store(false, Ordering::SeqCst);
        }
        done < self.cancel_at
    }
}

fn progress_and_cancel(f: &Fixture) {
    let rows = clients(2500, "P");
    let run = |opts: Value, cancel_at: u64| {
        let w = Watch {
            engine: &f.engine,
            admin: f.admin,
            seen: Mutex::new(Vec::new()),
            cancel_at,
            writes_ok: AtomicBool::new(true),
        };
        let request: Request =
            serde_json::from_value(json!({"op": "import.clients", "rows": rows, "options": opts})).unwrap();
        let r = f.engine.execute_with_progress(Actor::Staff(f.admin), request, &w);
        (r, w.seen.into_inner().unwrap(), w.writes_ok.load(Ordering::SeqCst))
    };
    let created = |f: &Fixture| total(f, "client.list", json!({"search": "societe"}));
    // Per batch of 1000, canceled after the first batch: exactly one batch.
    let (r, seen, ok) = run(json!({"commit": "batches", "batch_size": 1000}), 3500);
    let r = match r.unwrap() {
        clientele_core::protocol::Response::ImportReport(r) => r,
        other => panic!("{other:?}"),
    };
    assert!(ok, "a write from the progress callback waited: the callback ran inside a write transaction");
    assert_eq!(r.stopped, Some(clientele_core::protocol::Stopped::Canceled));
    assert_eq!((r.created, r.batches_committed, r.complete), (1000, 1, false));
    assert_eq!(created(f), 1000);
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), vec![1000, 2000, 3500]);
    assert!(seen.iter().all(|s| s.1 == 5000));
    // All or nothing, canceled while checking: nothing.
    let (r, _, ok) = run(json!({"on_existing": "skip"}), 1000);
    assert!(ok);
    assert_eq!(r.unwrap_err().code(), "canceled");
    assert_eq!(created(f), 1000);
    // All or nothing, through: every step reported, gaps under 1000 rows.
    let (r, seen, ok) = run(json!({"on_existing": "skip"}), u64::MAX);
    assert!(ok && r.is_ok());
    assert_eq!(created(f), 2500);
    let dones: Vec<u64> = seen.iter().map(|s| s.0).collect();
    assert_eq!(dones, vec![1000, 2000, 5000]);
    // The keyword index's trigger, set aside once for that import's two
    // batches, is back: a client created afterwards is found.
    call(
        &f.engine,
        json!({"actor": f.admin, "op": "client.create", "data": {"code": "APRES-1", "name": "Zéphirine D'Amours"}}),
    )
    .unwrap();
    assert_eq!(total(f, "client.list", json!({"search": "zephirine"})), 1);
}

/// Per-batch imports let other writers in: a writer with a short deadline
/// never times out while a long import runs.
fn other_writers_interleave_with_batches(f: &Fixture) {
    import(f, f.admin, "import.clients", json!([{"code": "IL", "name": "Lien"}]), json!({})).unwrap();
    let at = "2025-01-01T12:00:00Z";
    let rows: Vec<Value> = (0..6_000)
        .map(|i| json!({"client_code": "IL", "data": {"kind": "note", "occurred_at": at, "subject": format!("Note {i}")}}))
        .collect();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let importer = s.spawn(|| {
            let opts = json!({"commit": "batches", "batch_size": 200});
            let r = import(f, f.admin, "import.interactions", Value::Array(rows), opts);
            done.store(true, Ordering::SeqCst);
            r
        });
        let mut writes = 0;
        let mut worst = std::time::Duration::ZERO;
        while !done.load(Ordering::SeqCst) {
            let t = std::time::Instant::now();
            let d = json!({"code": format!("X{writes}"), "name": "Entre deux"});
            let r = f.engine.execute_within(
                Actor::Staff(f.admin),
                serde_json::from_value::<Request>(json!({"op": "client.create", "data": d})).unwrap(),
                &clientele_core::NoProgress,
                clientele_core::Deadline::after(std::time::Duration::from_millis(1500)),
            );
            assert!(r.is_ok(), "a writer waited past its deadline: {r:?}");
            worst = worst.max(t.elapsed());
            writes += 1;
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let r = importer.join().unwrap().unwrap();
        assert_eq!((r.created, r.complete, r.batches_committed), (6_000, true, 30));
        eprintln!("{writes} writes during the import, the slowest {worst:?}");
    });
}

/// Two engines (two connections) import the same client codes, contact
/// keys and link roles at once, in opposite orders, with
/// `on_existing: update`: neither import fails (no deadlock, no unique
/// index error), no code or key is created twice, and every row is created,
/// updated, or a bad row telling why (`conflict`: changed by the other
/// import since its check; `duplicate`: taken meanwhile).
fn two_connections_import_the_same_codes_at_once(f: &Fixture) {
    let other = Engine::open(clientele_core::EngineConfig::new(f.place.url())).expect("second engine opens");
    const N: usize = 400;
    // Half the codes exist (updates), half are new (creates racing).
    import(f, f.admin, "import.clients", clients(N / 2, "TC-"), json!({})).unwrap();
    let keyed: Vec<Value> =
        (0..N / 2).map(|i| json!({"key": format!("K{i:04}"), "data": {"last_name": format!("Pré {i}")}})).collect();
    import(f, f.admin, "import.contacts", Value::Array(keyed), json!({})).unwrap();
    let links: Vec<Value> = (0..N / 2)
        .map(|i| json!({"client_code": format!("TC-{i:04}"), "contact_key": format!("K{i:04}"), "role": "additional"}))
        .collect();
    import(f, f.admin, "import.links", Value::Array(links), json!({})).unwrap();
    // A fixed shuffle per side: the two imports meet in every batch.
    let order = |seed: u64| {
        let mut rng = clientele_tests::Rng(seed);
        let mut v: Vec<usize> = (0..N).collect();
        for i in (1..v.len()).rev() {
            v.swap(i, rng.below(i + 1));
        }
        v
    };
    let opts = json!({"on_existing": "update", "commit": "batches", "batch_size": 100});
    // Each kind starts on both sides together.
    let together = std::sync::Barrier::new(2);
    let run = |engine: &Engine, seed: u64, who: &str| -> Vec<ImportReport> {
        let ord = order(seed);
        let go = |op: &str, rows: Vec<Value>| -> ImportReport {
            together.wait();
            let r = call(engine, json!({"actor": f.admin, "op": op, "rows": rows, "options": opts})).unwrap();
            serde_json::from_value(r).unwrap()
        };
        let clients =
            ord.iter().map(|i| json!({"code": format!("TC-{i:04}"), "name": format!("{who} {i}"), "office": "Québec"}));
        let contacts =
            ord.iter().map(|i| json!({"key": format!("K{i:04}"), "data": {"last_name": format!("{who} {i}")}}));
        let links = ord.iter().filter(|i| **i < N / 2).map(|i| {
            json!({"client_code": format!("TC-{i:04}"), "contact_key": format!("K{i:04}"),
                   "role": if who == "A" { "billing" } else { "preferred" }})
        });
        vec![
            go("import.clients", clients.collect()),
            go("import.contacts", contacts.collect()),
            go("import.links", links.collect()),
        ]
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run(&f.engine, 7, "A"));
        let b = s.spawn(|| run(&other, 11, "B"));
        (a.join().unwrap(), b.join().unwrap())
    });
    for (ra, rb) in a.iter().zip(&b) {
        for r in [ra, rb] {
            assert_eq!(r.stopped, None, "{:?} {r:?}", r.failure);
            assert!(r.complete, "{r:?}");
            assert_eq!(r.created + r.updated + r.skipped + r.failed, r.rows, "{r:?}");
            for e in &r.errors {
                assert!(["conflict", "duplicate"].contains(&e.code.as_str()), "{e:?}");
            }
        }
    }
    // Each new code and key created once, by one side.
    assert_eq!(a[0].created + b[0].created, (N / 2) as u64, "{:?} {:?}", a[0], b[0]);
    assert_eq!(a[1].created + b[1].created, (N / 2) as u64, "{:?} {:?}", a[1], b[1]);
    assert_eq!(total(f, "client.list", json!({})), N as u64);
    assert_eq!(total(f, "contact.list", json!({})), N as u64);
}

/// Two `all_or_nothing` imports of the same new codes (clients) or keys
/// (contacts), over several batches, in opposite orders, meeting mid-way:
/// neither deadlocks. A third connection holds one code in the middle while
/// both start, so both are writing when it lets go. Exactly one import
/// creates every row; the other writes nothing and says why with a
/// `duplicate` (an error answer naming the code on PostgreSQL, the taken
/// rows on SQLite, whose imports write one after the other), never a
/// deadlock or a storage error.
fn all_or_nothing_imports_of_the_same_codes_do_not_deadlock(f: &Fixture) {
    let a = f.admin;
    race_all_or_nothing(
        f,
        ("import.clients", "client.list"),
        |i, who| json!({"code": format!("TD-{i:04}"), "name": format!("{who} {i}"), "office": "Québec"}),
        format!(
            "INSERT INTO clients (code, code_key, name, name_fold, kind, status, phones, emails, created_by, \
             created_at, updated_by, updated_at, version, search_text) VALUES ('TD-1500', '{}', 'x', 'x', \
             'individual', 'active', '[]', '[]', {a}, 0, {a}, 0, 1, 'x')",
            clientele_core::text::code_key("TD-1500")
        ),
    );
    race_all_or_nothing(
        f,
        ("import.contacts", "contact.list"),
        |i, who| json!({"key": format!("TK-{i:04}"), "data": {"last_name": format!("{who} {i}")}}),
        format!(
            "INSERT INTO contacts (first_name, last_name, file_as, file_as_fold, phones, emails, created_by, \
             created_at, updated_by, updated_at, version, import_key) VALUES ('', 'x', 'x', 'x', '[]', '[]', \
             {a}, 0, {a}, 0, 1, '{}')",
            clientele_core::text::code_key("TK-1500")
        ),
    );
}

/// [`all_or_nothing_imports_of_the_same_codes_do_not_deadlock`] for one
/// kind: `row(i, who)` is row `i` of importer `who`; `hold` inserts the
/// record holding code 1500 (of 2,400) from a third connection.
fn race_all_or_nothing(f: &Fixture, (op, list): (&str, &str), row: impl Fn(usize, &str) -> Value, hold: String) {
    let other = Engine::open(clientele_core::EngineConfig::new(f.place.url())).expect("second engine opens");
    const N: usize = 2_400;
    let before = total(f, list, json!({}));
    let forward: Value = (0..N).map(|i| row(i, "A")).collect();
    let backward: Value = (0..N).rev().map(|i| row(i, "B")).collect();
    let mut holder: Box<dyn diesel::connection::SimpleConnection> = match f.backend {
        clientele_tests::Backend::Sqlite => {
            Box::new(diesel::SqliteConnection::establish(&f.place.url()["sqlite:".len()..]).unwrap())
        }
        clientele_tests::Backend::Postgres => Box::new(diesel::PgConnection::establish(&f.place.url()).unwrap()),
    };
    let begin = if f.backend == clientele_tests::Backend::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
    holder.batch_execute(&format!("{begin}; {hold}")).unwrap();
    let opts = json!({"commit": "all_or_nothing"});
    let go = |engine: &Engine, rows: &Value| {
        call(engine, json!({"actor": f.admin, "op": op, "rows": rows, "options": opts}))
            .map(|v| serde_json::from_value::<ImportReport>(v).unwrap())
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| go(&f.engine, &forward));
        let b = s.spawn(|| go(&other, &backward));
        // Both past their checks and waiting on the held code (or, on
        // SQLite, on the database), then let go.
        std::thread::sleep(std::time::Duration::from_millis(1_500));
        holder.batch_execute("ROLLBACK").unwrap();
        (a.join().unwrap(), b.join().unwrap())
    });
    let won = [&a, &b].into_iter().filter(|r| matches!(r, Ok(r) if r.created == N as u64)).count();
    assert_eq!(won, 1, "{op}: exactly one import creates every row: {a:?} {b:?}");
    for r in [&a, &b] {
        match r {
            Ok(r) if r.created == N as u64 => assert!(r.complete && r.errors.is_empty(), "{op}: {r:?}"),
            Ok(r) => {
                assert_eq!(r.created, 0, "{op}: {r:?}");
                assert!(!r.errors.is_empty() && r.errors.iter().all(|e| e.code == "duplicate"), "{op}: {r:?}");
            }
            Err(e) => assert_eq!(e.code, "duplicate", "{op}: {e:?}"),
        }
    }
    assert_eq!(total(f, list, json!({})), before + N as u64, "{op}");
}

/// Links of an `all_or_nothing` import keep the file's order across its
/// batches: a client's primary contact made additional in one row and
/// another contact made primary in the next is a valid file even when the
/// two rows fall in different batches (ordering links by client and
/// contact put the new primary first, refused as `primary_taken`).
fn links_keep_the_files_order_across_batches(f: &Fixture) {
    import(f, f.admin, "import.clients", clients(2, "LK-"), json!({})).unwrap();
    let contacts: Value =
        (0..1000).map(|i| json!({"key": format!("L{i:04}"), "data": {"last_name": format!("L {i}")}})).collect();
    import(f, f.admin, "import.contacts", contacts, json!({})).unwrap();
    let first = json!([{"client_code": "LK-0001", "contact_key": "L0999", "role": "primary"}]);
    import(f, f.admin, "import.links", first, json!({})).unwrap();
    // 999 rows of the other client, then the demotion (the last row of the
    // first batch of 1,000), then the new primary (the second batch).
    let mut rows: Vec<Value> = (0..999)
        .map(|i| json!({"client_code": "LK-0000", "contact_key": format!("L{i:04}"), "role": "additional"}))
        .collect();
    rows.push(json!({"client_code": "LK-0001", "contact_key": "L0999", "role": "additional"}));
    rows.push(json!({"client_code": "LK-0001", "contact_key": "L0005", "role": "primary"}));
    let opts = json!({"commit": "all_or_nothing", "on_existing": "update"});
    let r = import(f, f.admin, "import.links", Value::Array(rows), opts).unwrap();
    assert!(r.complete && r.errors.is_empty(), "{r:?}");
    assert_eq!((r.created, r.updated), (1000, 1), "{r:?}");
}

/// Every row of an import of several batches is found by a keyword of its
/// own as soon as the import answers, in both commit modes (SQLite indexes
/// an `all_or_nothing` import's rows once, at its end, and a per-batch one
/// batch by batch), and a record written afterwards one at a time is
/// indexed as usual (the keyword index's trigger is back).
fn every_row_of_every_batch_is_indexed(f: &Fixture) {
    const N: usize = 2_500;
    // A word per row: "mot" + its number spelled in letters a-j (no digit,
    // so the word is one token, not split by the keyword index).
    let word = |i: usize| {
        let d: String = format!("{i:04}").bytes().map(|b| (b'a' + (b - b'0')) as char).collect();
        format!("mot{d}")
    };
    for (mode, prefix) in [("all_or_nothing", "AON"), ("batches", "BAT")] {
        let rows = Value::Array(
            (0..N)
                .map(|i| json!({"code": format!("{prefix}{i:04}"), "name": format!("Société {} {prefix}", word(i))}))
                .collect(),
        );
        let r = import(f, f.admin, "import.clients", rows, json!({"commit": mode})).unwrap();
        assert_eq!((r.created, r.failed, r.complete), (N as u64, 0, true), "{mode}: {r:?}");
        assert_eq!(total(f, "client.list", json!({"search": prefix.to_lowercase()})), N as u64, "{mode}");
        for i in [0, 999, 1000, 1001, 1999, 2000, N - 1] {
            let found = call(
                &f.engine,
                json!({"actor": f.admin, "op": "client.list", "search": format!("{} {}", word(i), prefix), "limit": 5}),
            )
            .unwrap();
            let codes: Vec<&str> =
                found["items"].as_array().unwrap().iter().map(|c| c["data"]["code"].as_str().unwrap()).collect();
            assert_eq!(codes, [format!("{prefix}{i:04}")], "{mode}, row {i}");
        }
    }
    let r = import(f, f.admin, "import.clients", json!([{"code": "APRES-1", "name": "Quetzalcoatl"}]), json!({}));
    assert_eq!(r.unwrap().created, 1);
    call(
        &f.engine,
        json!({"actor": f.admin, "op": "client.create", "data": {"code": "SEUL-1", "name": "Ornithorynque"}}),
    )
    .unwrap();
    assert_eq!(total(f, "client.list", json!({"search": "quetzalcoatl"})), 1);
    assert_eq!(total(f, "client.list", json!({"search": "ornithorynque"})), 1);
}

backend_tests!(
    every_kind_imports_and_is_searchable,
    every_row_of_every_batch_is_indexed,
    a_dry_run_changes_nothing,
    on_existing_modes,
    bad_references_are_reported_by_column,
    rights_and_offices,
    progress_and_cancel,
    other_writers_interleave_with_batches,
    two_connections_import_the_same_codes_at_once,
    all_or_nothing_imports_of_the_same_codes_do_not_deadlock,
    links_keep_the_files_order_across_batches,
);

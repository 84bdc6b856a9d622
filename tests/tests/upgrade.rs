//! Upgrades: databases written by earlier versions of the engine open with
//! today's code (which migrates them) and every record is still there,
//! unchanged.
//!
//! `tests/fixtures/upgrade/<schema>.db` is a small SQLite database written
//! by the engine when its newest migration was `<schema>`, holding data of
//! every kind (staff with rights, clients of several offices, contacts linked
//! with each role and standalone, interactions of every kind with custom
//! fields, transfers in every state, trash entries, saved views, column
//! choices and layouts). `<schema>.json` beside it is what the engine's own
//! reads answered on it then ([`dump`]). The test copies each fixture, opens
//! the copy with whatever migrations exist today, and compares the same
//! reads with the committed JSON: so every future migration runs against
//! every fixture.
//!
//! **When a migration is added** (a new folder under `core/migrations/`),
//! keep the old fixtures and add one for the new schema:
//! `cargo test -p clientele-tests --test upgrade -- --ignored generate`
//! writes `tests/fixtures/upgrade/<newest migration>.{db,json}` (it refuses
//! to overwrite one). If a migration changes what the reads answer on
//! purpose (a new field with a default, say), the test of the older
//! fixtures fails and shows where: change [`dump`]'s normalisation or
//! regenerate that fixture's JSON only with `CLIENTELE_BLESS=1` and review
//! the diff (that run fails, like every blessing).
//!
//! PostgreSQL: `tests/fixtures/upgrade/postgres/<schema>.sql` is a plain
//! `pg_dump` of one schema the engine wrote with the same [`populate`]
//! (`INSERT`s, the schema's name replaced by `@SCHEMA@`), and `<schema>.json`
//! the engine's reads on it. The test replays the dump into a fresh schema,
//! opens it with today's code and makes the same checks. A new migration
//! gets its dump with
//! `cargo test -p clientele-tests --test upgrade -- --ignored generate_postgres`
//! (needs `pg_dump` of the server's version; refuses to overwrite).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Duration;
use clientele_core::{Engine, EngineConfig};
use clientele_tests::{TestClock, epoch};
use serde_json::{Value, json};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/upgrade"))
}

/// The newest migration of a backend (its folder name).
fn newest_migration(backend: &str) -> String {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../core/migrations")).join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.pop().expect("at least one migration")
}

fn open(url: &str, clock: &TestClock) -> Engine {
    let config = EngineConfig::new(url);
    Engine::open_with_clock(config, Arc::new(clock.clone())).expect("the engine opens (and migrates) the database")
}

/// Runs one request (JSON, `actor` inside); panics with the error.
fn run(engine: &Engine, request: Value) -> Value {
    let text = request.to_string();
    let answer = engine.execute_json(&text).unwrap_or_else(|e| panic!("{text}\n→ {}: {e}", e.code()));
    serde_json::from_str(&answer).unwrap()
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// Writes data of every kind through the engine, moving the clock a minute
/// between writes (distinct timestamps), and 31 days once (to expire a
/// transfer).
fn populate(engine: &Engine, clock: &TestClock) {
    let tick = || clock.advance(Duration::minutes(1));
    let all = json!({"view": true, "add": true, "edit": true, "delete": true});
    let view = json!({"view": true});
    // Staff: every right; Québec office only and read-only; inactive.
    let admin = id_of(&run(
        engine,
        json!({"actor": "host", "op": "staff.put", "staff": {"name": "Hélène D'Amours", "initials": "HDA",
            "email": "helene@cabinet-damours.ca", "office": "Montréal",
            "rights": {"clients": all, "contacts": all, "interactions": all, "file_transfers": all}}}),
    ));
    tick();
    let quebec = id_of(&run(
        engine,
        json!({"actor": "host", "op": "staff.put", "staff": {"name": "Jean-François Côté", "initials": "JFC",
            "office": "Québec",
            "rights": {"clients": view, "contacts": view, "interactions": {"view": true, "add": true},
                       "file_transfers": view, "offices": ["Québec"]}}}),
    ));
    tick();
    run(
        engine,
        json!({"actor": "host", "op": "staff.put", "staff": {"name": "Réjean O'Neil", "initials": "RON",
            "active": false, "rights": {}}}),
    );
    tick();
    let a = |op: &str, rest: Value| {
        let mut r = json!({"actor": admin, "op": op});
        r.as_object_mut().unwrap().extend(rest.as_object().unwrap().clone());
        let v = run(engine, r);
        tick();
        v
    };

    // Custom fields of every type.
    for (kind, key, fr, en, ty, choices) in [
        ("note", "exercice", "Exercice", "Fiscal year", "number", json!([])),
        ("note", "sujet_fiscal", "Sujet fiscal", "Tax topic", "text", json!([])),
        ("phone_call", "rappel", "Date de rappel", "Call-back date", "date", json!([])),
        ("email", "facturable", "Facturable", "Billable", "yes_no", json!([])),
        ("phone_message", "urgence", "Urgence", "Urgency", "choice", json!(["basse", "haute"])),
    ] {
        run(
            engine,
            json!({"actor": "host", "op": "custom_field.put", "field": {"kind": kind, "key": key, "label_fr": fr,
                "label_en": en, "field_type": ty, "choices": choices}}),
        );
        tick();
    }

    // Clients of several offices, both kinds, both statuses.
    let mut clients = Vec::new();
    for (i, (code, name, kind, status, office)) in [
        ("DAMH01", "D'Amours, Hélène", "individual", "active", Some("Montréal")),
        ("COTJ01", "Côté, Jean-François", "individual", "active", Some("Québec")),
        ("LEVZ01", "Lévesque, Zoé", "individual", "inactive", Some("Québec")),
        ("GAGR01", "Gagnon-Roy inc.", "business", "active", Some("Trois-Rivières")),
        ("BELA01", "Bélanger & Fils ltée", "business", "active", None),
        ("THEN01", "Thériault, Noémie", "individual", "active", Some("Montréal")),
    ]
    .into_iter()
    .enumerate()
    {
        let data = json!({
            "code": code, "name": name, "kind": kind, "status": status, "office": office,
            "address": {"city": office.unwrap_or("Sherbrooke"), "province": "QC", "postal_code": format!("H2X 1Y{i}"), "country": "Canada"},
            "phones": [{"kind": "business", "number": format!("(514) 555-010{i}"), "primary": true},
                       {"kind": "mobile", "number": format!("+1 438 555 020{i}")}],
            "emails": [{"address": format!("{}@exemple.ca", code.to_lowercase()), "kind": "work", "primary": true}],
            "website": if kind == "business" { Some("https://exemple.ca") } else { None },
            "notes": "Dossier suivi depuis 2019 — « acomptes provisionnels ».",
            "retention": {"referral_type": "référence", "referred_by": "Ginette Bouchard", "won_date": "2019-04-30",
                          "won_reason": "recommandation"},
        });
        clients.push(id_of(&a("client.create", json!({"data": data}))));
    }
    // An edited client (version 2).
    let c0 = run(engine, json!({"actor": admin, "op": "client.get", "id": clients[0]}));
    let mut data = c0["data"].clone();
    data["notes"] = json!("Mise à jour : nouvelle adresse à Laval.");
    a("client.update", json!({"id": clients[0], "version": c0["version"], "data": data}));

    // Custom client and contact fields, and the standard Canadian fields
    // (schema 2026-12-04-000200).
    for (record, key, fr, en, ty) in [
        ("client", "secteur", "Secteur d'activité", "Industry", "text"),
        ("contact", "fonction", "Fonction occupée", "Position held", "text"),
    ] {
        run(
            engine,
            json!({"actor": "host", "op": "custom_field.put", "field": {"record": record, "key": key, "label_fr": fr,
                "label_en": en, "field_type": ty}}),
        );
        tick();
    }
    let c1 = run(engine, json!({"actor": admin, "op": "client.get", "id": clients[1]}));
    a(
        "client.update",
        json!({"id": clients[1], "version": c1["version"], "data": {"language": "fr", "fiscal_year_end": "03-31",
            "business_number": "123456782RT0001", "custom": {"secteur": "Santé"}}}),
    );

    // Contacts: linked with every role, one linked to two clients, one standalone.
    let mut contacts = Vec::new();
    for (first, last, company) in [
        ("Marie-Ève", "Côté", None),
        ("Anaïs", "St-Pierre", Some("Gagnon-Roy inc.")),
        ("André", "Pelletier", Some("Gagnon-Roy inc.")),
        ("Éloïse", "Bergeron", None),
        ("François", "Lefebvre-Morin", None),
        ("Ginette", "Fournier", None),
    ] {
        let data = json!({"first_name": first, "last_name": last, "company": company, "title": company.map(|_| "Contrôleuse"),
            "phones": [{"kind": "mobile", "number": "514-555-0303", "primary": true}],
            "emails": [{"address": format!("{}.{}@exemple.ca", first.to_lowercase(), last.to_lowercase()).replace(' ', ""), "kind": "personal"}],
            "address": {"city": "Montréal", "province": "QC"}, "notes": "Préfère le français."});
        contacts.push(id_of(&a("contact.create", json!({"data": data}))));
    }
    for (contact, client, role) in [
        (0, 1, "primary"),
        (0, 0, "additional"),
        (1, 3, "primary"),
        (2, 3, "billing"),
        (3, 0, "primary"),
        (4, 2, "preferred"),
        (1, 4, "additional"),
    ] {
        a("contact.link", json!({"contact_id": contacts[contact], "client_id": clients[client], "role": role}));
    }
    // contacts[5] stays standalone. A role changed by compare-and-set.
    a(
        "contact.link",
        json!({"contact_id": contacts[1], "client_id": clients[4], "role": "preferred", "from_role": "additional"}),
    );

    // Interactions of every kind, with custom fields.
    let when = |days: i64| (epoch() - Duration::days(days)).to_rfc3339();
    let mut interactions = Vec::new();
    for data in [
        json!({"kind": "note", "occurred_at": when(40), "client_id": clients[0], "subject": "Déclaration de revenus 2024",
               "body": "Feuillets T4 et relevés 1 reçus.", "custom": {"exercice": 2024, "sujet_fiscal": "REER"}}),
        json!({"kind": "phone_call", "occurred_at": when(10), "client_id": clients[1], "contact_id": contacts[0],
               "staff_id": admin, "subject": "Appel de Marie-Ève", "body": "Question sur les acomptes.",
               "direction": "incoming", "duration_secs": 420, "phone": "514-555-0303", "custom": {"rappel": "2026-12-15"}}),
        json!({"kind": "phone_message", "occurred_at": when(3), "client_id": clients[3], "contact_id": contacts[1],
               "subject": "Message d'Anaïs", "body": "Rappeler avant vendredi.", "phone": "819-555-0101",
               "taken_for": "Hélène D'Amours", "custom": {"urgence": "haute"}}),
        json!({"kind": "email", "occurred_at": when(1), "client_id": clients[0], "contact_id": contacts[3],
               "subject": "Pièces justificatives", "body": "Voici les reçus de dons.", "email_from": "eloise.bergeron@exemple.ca",
               "email_to": ["helene@cabinet-damours.ca"], "email_cc": ["adjointe@cabinet-damours.ca"],
               "custom": {"facturable": true}}),
        json!({"kind": "note", "occurred_at": when(0), "contact_id": contacts[5], "subject": "Contact sans client",
               "body": "Ancienne cliente, garder ses coordonnées."}),
        json!({"kind": "note", "occurred_at": when(200), "client_id": clients[2], "subject": "À mettre à la corbeille",
               "body": "Doublon."}),
    ] {
        interactions.push(a("interaction.create", json!({"data": data})));
    }

    // Transfers in every state.
    let transfer = |direction: &str, contact: usize, client: usize, subject: &str, files: Value| {
        a(
            "transfer.create",
            json!({"data": {"direction": direction, "from_staff": admin, "to_contact": contacts[contact],
                "client_id": clients[client], "subject": subject, "message": "Bonjour, voici les documents.",
                "signature_required": direction == "sent_to_contact", "files": files}}),
        )
    };
    let pdf = json!([{"name": "T1-2025-Côté.pdf", "size": 183_244}, {"name": "Relevé 1.pdf", "size": 20_480}]);
    // Expired: sent, then not downloaded within its 30 days.
    let expired = transfer("sent_to_contact", 4, 2, "Jamais téléchargé", pdf.clone());
    clock.advance(Duration::days(31));
    // The engine expires overdue transfers by itself.
    let expired = run(engine, json!({"actor": admin, "op": "transfer.get", "id": id_of(&expired)}));
    assert_eq!(expired["data"]["status"], "expired", "{expired}");
    let _waiting = transfer("requested_from_contact", 0, 1, "Feuillets à envoyer", json!([]));
    let _ready = transfer("sent_to_contact", 1, 3, "États financiers 2025", pdf.clone());
    let complete = transfer("sent_to_contact", 0, 1, "Avis de cotisation", pdf.clone());
    a("transfer.transition", json!({"id": id_of(&complete), "version": complete["version"], "to": "complete"}));
    let filled = transfer("requested_from_contact", 3, 0, "Reçus de dons", json!([]));
    let filled = a(
        "transfer.transition",
        json!({"id": id_of(&filled), "version": filled["version"], "to": "ready_for_download",
            "files": [{"name": "reçus.zip", "size": 1_048_576}]}),
    );
    a("transfer.transition", json!({"id": id_of(&filled), "version": filled["version"], "to": "complete"}));
    let canceled = transfer("requested_from_contact", 2, 3, "Annulé par le client", json!([]));
    a("transfer.transition", json!({"id": id_of(&canceled), "version": canceled["version"], "to": "canceled"}));
    let edited = transfer("sent_to_contact", 1, 4, "Brouillon", pdf);
    a(
        "transfer.update",
        json!({"id": id_of(&edited), "version": edited["version"],
            "data": {"subject": "Entente de services", "message": "Version corrigée.", "signature_required": true}}),
    );
    let trashed_transfer = transfer("requested_from_contact", 0, 1, "À supprimer", json!([]));

    // Trash: an interaction, a transfer, a contact, and a client (with its links).
    let doomed = &interactions[5];
    a("interaction.delete", json!({"id": id_of(doomed), "version": doomed["version"]}));
    a("transfer.delete", json!({"id": id_of(&trashed_transfer), "version": trashed_transfer["version"]}));
    let contact = run(engine, json!({"actor": admin, "op": "contact.get", "id": contacts[4]}));
    a("contact.delete", json!({"id": contacts[4], "version": contact["version"]}));
    let client = run(engine, json!({"actor": admin, "op": "client.get", "id": clients[5]}));
    a("client.delete", json!({"id": clients[5], "version": client["version"]}));

    // Saved views, column choices and layouts: personal, shared, firm defaults.
    a(
        "view.save",
        json!({"list": "clients", "name": "Actifs de Québec", "filter": "statut:actif bureau:Québec", "sort": "name", "shared": true}),
    );
    a(
        "view.save",
        json!({"list": "interactions", "name": "Mes appels", "filter": {"field": "kind", "op": "in", "values": ["phone_call", "phone_message"]}}),
    );
    a("view.save", json!({"list": "transfers", "name": "Ouverts", "search": "déclaration", "limit": 25}));
    run(
        engine,
        json!({"actor": "host", "op": "view.save", "list": "contacts", "name": "Tous les contacts", "firm_default": true}),
    );
    tick();
    a("columns.save", json!({"list": "clients", "columns": ["code", "name", "office", "status"]}));
    let layout = json!({"columns": 2, "tiles": [{"portlet": "interactions", "settings": {"limit": 10}},
                                                {"portlet": "file-transfers", "settings": {}}]});
    a("layout.save", json!({"dashboard": "staff", "name": "Mon tableau", "layout": layout}));
    run(
        engine,
        json!({"actor": "host", "op": "layout.save", "dashboard": "client", "name": "Fiche client du cabinet",
            "layout": {"tiles": [{"portlet": "client-info"}, {"portlet": "contacts"}]}, "firm_default": true}),
    );
    tick();
    // The Québec staff member's own view and layout.
    run(
        engine,
        json!({"actor": quebec, "op": "view.save", "list": "clients", "name": "Mes clients", "filter": "bureau:Québec"}),
    );
    tick();
    run(
        engine,
        json!({"actor": quebec, "op": "layout.save", "dashboard": "staff", "name": "Québec", "layout": {"tiles": []}}),
    );
}

/// Lists the page's items; panics if there was more than one page (the
/// fixture is small: a cursor bug fails here instead of looping).
fn all_items(page: &Value, what: &str) -> Value {
    assert!(page["next_cursor"].is_null(), "{what}: more than one page of fixture data: {page}");
    page["items"].clone()
}

/// What the engine's own reads answer on the database, as every actor sees
/// it: the document compared across upgrades.
fn dump(engine: &Engine) -> Value {
    let host = |op: &str, rest: Value| {
        let mut r = json!({"actor": "host", "op": op});
        r.as_object_mut().unwrap().extend(rest.as_object().unwrap().clone());
        run(engine, r)
    };
    let staff = host("staff.list", json!({}));
    let staff_ids: Vec<i64> = staff.as_array().unwrap().iter().map(id_of).collect();
    let admin = staff_ids[0];
    let as_staff = |actor: i64, op: &str, rest: Value| {
        let mut r = json!({"actor": actor, "op": op});
        r.as_object_mut().unwrap().extend(rest.as_object().unwrap().clone());
        run(engine, r)
    };
    let page = |op: &str| all_items(&as_staff(admin, op, json!({"limit": 200, "count": true})), op);
    let clients = page("client.list");
    let contacts = page("contact.list");
    let client_ids: Vec<i64> = clients.as_array().unwrap().iter().map(id_of).collect();
    let contact_ids: Vec<i64> = contacts.as_array().unwrap().iter().map(id_of).collect();
    let mut per_actor = serde_json::Map::new();
    for actor in &staff_ids {
        let mut views = serde_json::Map::new();
        for list in ["clients", "contacts", "interactions", "transfers"] {
            let v = engine.execute_json(&json!({"actor": actor, "op": "view.list", "list": list}).to_string());
            views.insert(
                list.into(),
                v.map(|s| serde_json::from_str::<Value>(&s).unwrap()).unwrap_or_else(|e| json!(e.code())),
            );
        }
        // The saved column choice (ids only: the catalogue's labels and the
        // defaults of lists nobody chose for may change between versions).
        if *actor == admin {
            let columns = as_staff(admin, "columns.get", json!({"list": "clients"}));
            let ids: Vec<Value> = columns.as_array().unwrap().iter().map(|c| c["id"].clone()).collect();
            views.insert("client_columns".into(), json!(ids));
        }
        let mut layouts = serde_json::Map::new();
        for kind in ["staff", "client", "firm"] {
            let l = engine.execute_json(&json!({"actor": actor, "op": "layout.list", "dashboard": kind}).to_string());
            layouts.insert(
                kind.into(),
                l.map(|s| serde_json::from_str::<Value>(&s).unwrap()).unwrap_or_else(|e| json!(e.code())),
            );
        }
        // What a restricted staff member sees is part of what must survive.
        let visible = engine
            .execute_json(&json!({"actor": actor, "op": "client.list", "limit": 200}).to_string())
            .map(|s| {
                let v: Value = serde_json::from_str(&s).unwrap();
                json!(v["items"].as_array().unwrap().iter().map(id_of).collect::<Vec<_>>())
            })
            .unwrap_or_else(|e| json!(e.code()));
        per_actor.insert(actor.to_string(), json!({"lists": views, "layouts": layouts, "visible_clients": visible}));
    }
    json!({
        "staff": staff,
        "custom_fields": interaction_by_default(host("custom_field.list", json!({}))),
        "clients": clients,
        "client_contacts": client_ids.iter().map(|id| as_staff(admin, "client.contacts", json!({"id": id}))).collect::<Vec<_>>(),
        "contacts": contacts,
        "contact_clients": contact_ids.iter().map(|id| as_staff(admin, "contact.clients", json!({"id": id}))).collect::<Vec<_>>(),
        "interactions": page("interaction.list"),
        "transfers": page("transfer.list"),
        "trash": as_staff(admin, "trash.list", json!({})),
        "per_actor": per_actor,
    })
}

/// Custom fields without their `record` when it is the default
/// (`interaction`): fixtures made before clients and contacts had custom
/// fields did not say it.
fn interaction_by_default(mut defs: Value) -> Value {
    for d in defs.as_array_mut().into_iter().flatten() {
        if let Some(o) = d.as_object_mut()
            && o.get("record").is_some_and(|r| r == "interaction")
        {
            o.remove("record");
        }
    }
    defs
}

/// The first place two JSON documents differ, as a path.
fn first_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                // A member added since the fixture was made (a client's
                // `assignments`, `custom`) reads as empty on a migrated record.
                if !x.contains_key(k)
                    && y.get(k).is_some_and(|v| {
                        v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(|o| o.is_empty())
                    })
                {
                    continue;
                }
                let (va, vb) = (x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null));
                if let Some(d) = first_difference(&format!("{path}.{k}"), va, vb) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (va, vb))| first_difference(&format!("{path}[{i}]"), va, vb))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: expected {a}, found {b}")),
    }
}

/// What migration 2026-12-03-000500 does to a dump made before it: a phone
/// message gets a status (`new`), and its free-text "taken for" that names
/// exactly one staff member (folded name, "Last, First" or initials)
/// becomes that staff member's id; other text is kept.
fn linked_messages(mut dump: Value) -> Value {
    let fold = clientele_core::text::fold;
    let staff: Vec<(i64, String, String)> = dump["staff"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|m| {
                    let name = m["data"]["name"].as_str().unwrap_or_default().trim().to_string();
                    (m["id"].as_i64().unwrap(), name, m["data"]["initials"].as_str().unwrap_or_default().to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let Some(list) = dump["interactions"].as_array_mut() else { return dump };
    for i in list {
        let data = &mut i["data"];
        if data["kind"] != "phone_message" || data.get("message_status").is_some() {
            continue;
        }
        data["message_status"] = json!("new");
        let Some(text) = data["taken_for"].as_str().map(|t| fold(t.trim())) else { continue };
        let named: Vec<i64> = staff
            .iter()
            .filter(|(_, name, initials)| {
                fold(name) == text
                    || fold(initials.trim()) == text
                    || name.rsplit_once(' ').is_some_and(|(first, last)| fold(&format!("{last}, {first}")) == text)
            })
            .map(|(id, _, _)| *id)
            .collect();
        if let [id] = named[..] {
            data["taken_for_id"] = json!(id);
            data["taken_for"] = Value::Null;
        }
    }
    dump
}

/// What the data migration 2026-12-05-000200 does to a dump made before it:
/// a transfer event whose (French) text words an event exactly gets it as
/// data (`data.event`); any other text stays without one. (Read here with
/// the fixtures' own French wording, independently of the engine's parser.)
fn backfilled_events(mut dump: Value) -> Value {
    const STATUSES: [(&str, &str); 5] = [
        ("En attente de fichiers", "waiting_for_files"),
        ("Prêt à télécharger", "ready_for_download"),
        ("Terminé", "complete"),
        ("Expiré", "expired"),
        ("Annulé", "canceled"),
    ];
    const AUTOMATIC: &str = "Automatique : le transfert a atteint sa date d'expiration.";
    let code = |label: &str| STATUSES.iter().find(|(l, _)| *l == label || l.to_lowercase() == label).map(|s| s.1);
    let Some(list) = dump["interactions"].as_array_mut() else { return dump };
    for i in list {
        let data = &mut i["data"];
        if data["kind"] != "transfer_event" || data.get("event").is_some() {
            continue;
        }
        let (subject, body) = (data["subject"].as_str().unwrap_or_default(), data["body"].as_str().unwrap_or_default());
        let Some((name, change)) = subject.strip_prefix("Transfert « ").and_then(|r| r.rsplit_once(" » : ")) else {
            continue;
        };
        let (from, to) = match change.strip_prefix("créé, ") {
            Some(to) => (None, code(to)),
            None => match change.split_once(" → ") {
                Some((f, t)) => (code(f), code(t)),
                None => continue,
            },
        };
        let (Some(to), true) = (to, body.is_empty() || body == AUTOMATIC) else { continue };
        data["event"] = json!({"type": "transfer_status", "subject": name, "from": from, "to": to,
                               "automatic": body == AUTOMATIC});
    }
    dump
}

/// Every committed fixture: `(database, expected dump)`.
fn fixtures() -> Vec<(PathBuf, PathBuf)> {
    let mut out: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(fixtures_dir())
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "db"))
        .map(|db| (db.clone(), db.with_extension("json")))
        .collect();
    out.sort();
    out
}

/// Opens `url` (a fixture restored as it was committed) with today's code,
/// which migrates it, and checks that the engine's reads answer what
/// `expected` recorded, then that a migrated record can still be edited.
fn check_fixture(name: &str, url: &str, expected: &Path) {
    let clock = TestClock::at(epoch());
    let engine = open(url, &clock);
    let found = dump(&engine);
    drop(engine);
    let text = std::fs::read_to_string(expected)
        .unwrap_or_else(|e| panic!("{}: {e} (every fixture has its expected dump)", expected.display()));
    let want = backfilled_events(linked_messages(serde_json::from_str(&text).unwrap()));
    if let Some(diff) = first_difference("$", &want, &found) {
        if std::env::var("CLIENTELE_BLESS").is_ok_and(|v| v == "1") {
            std::fs::write(expected, serde_json::to_string_pretty(&found).unwrap() + "\n").unwrap();
            panic!("{} was stale; rewritten — review and commit it ({diff})", expected.display());
        }
        panic!("fixture {name}: a record changed on upgrade: {diff}");
    }
    // The data is really there (not two empty dumps agreeing).
    assert!(found["clients"].as_array().unwrap().len() >= 5, "{name}: clients");
    assert!(found["trash"].as_array().unwrap().len() >= 4, "{name}: trash");
    // The fixtures' transfer events all word an event: each has its data.
    let events = found["interactions"].as_array().unwrap().iter().filter(|i| i["data"]["kind"] == "transfer_event");
    assert!(events.clone().count() >= 10 && events.clone().all(|i| i["data"]["event"].is_object()), "{name}: events");
    // Still writable after the upgrade: an edit on a migrated record.
    let engine = open(url, &clock);
    let admin = id_of(&found["staff"][0]);
    let c = &found["clients"][0];
    let mut data = c["data"].clone();
    data["notes"] = json!("Modifié après la mise à niveau.");
    let edited = run(
        &engine,
        json!({"actor": admin, "op": "client.update", "id": id_of(c), "version": c["version"], "data": data}),
    );
    assert_eq!(edited["version"].as_i64(), c["version"].as_i64().map(|v| v + 1), "{name}: {edited}");
    // And new records get fresh ids (sequences restored with the data).
    let created = run(
        &engine,
        json!({"actor": admin, "op": "client.create", "data": {"code": "APRES01", "name": "Après la mise à niveau"}}),
    );
    let max = found["clients"].as_array().unwrap().iter().map(id_of).max().unwrap();
    assert!(id_of(&created) > max, "{name}: {created}");
}

#[test]
fn every_upgrade_fixture_opens_with_every_record_intact() {
    let fixtures = fixtures();
    assert!(!fixtures.is_empty(), "no fixture under {}", fixtures_dir().display());
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("upgrade");
    std::fs::create_dir_all(&scratch).unwrap();
    for (db, expected) in fixtures {
        let name = db.file_stem().unwrap().to_string_lossy().into_owned();
        let copy = scratch.join(format!("{name}-{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
        }
        std::fs::copy(&db, &copy).unwrap();
        check_fixture(&name, &format!("sqlite:{}", copy.display()), &expected);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
        }
    }
}

/// Where the PostgreSQL fixtures are: `<schema>.sql` (a plain `pg_dump` of
/// one schema, `INSERT`s rather than `COPY`, the schema's name replaced by
/// [`SCHEMA_MARK`]) and `<schema>.json` (the engine's reads on it).
fn pg_fixtures_dir() -> PathBuf {
    fixtures_dir().join("postgres")
}

/// Stands for the schema's name in a committed dump.
const SCHEMA_MARK: &str = "@SCHEMA@";

#[test]
fn every_postgres_upgrade_fixture_opens_with_every_record_intact() {
    let mut dumps: Vec<PathBuf> = std::fs::read_dir(pg_fixtures_dir())
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    dumps.retain(|p| p.extension().is_some_and(|x| x == "sql"));
    dumps.sort();
    assert!(!dumps.is_empty(), "no fixture under {}", pg_fixtures_dir().display());
    for sql in dumps {
        let name = sql.file_stem().unwrap().to_string_lossy().into_owned();
        // A fresh schema, the dump replayed into it as the server had it.
        let Some(place) = clientele_tests::place(clientele_tests::Backend::Postgres) else { return };
        let clientele_tests::Place::Postgres { base, schema } = &place else { unreachable!() };
        let text = std::fs::read_to_string(&sql).unwrap().replace(SCHEMA_MARK, schema);
        {
            use diesel::connection::SimpleConnection;
            use diesel::{Connection, PgConnection};
            let mut c = PgConnection::establish(base).unwrap();
            c.batch_execute(&text).unwrap_or_else(|e| panic!("{}: cannot be restored: {e}", sql.display()));
        }
        check_fixture(&name, &place.url(), &sql.with_extension("json"));
    }
}

/// Writes `tests/fixtures/upgrade/<newest migration>.{db,json}`. Run once per
/// new migration (see the module's documentation); refuses to overwrite.
#[test]
#[ignore = "generator: run by hand when a migration is added"]
fn generate_upgrade_fixture() {
    let name = newest_migration("sqlite");
    let dir = fixtures_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join(format!("{name}.db"));
    assert!(!db.exists(), "{} exists: fixtures are never rewritten", db.display());
    // Starts 40 days back: `populate` jumps 31 days to expire a transfer.
    let clock = TestClock::at(epoch() - Duration::days(40));
    let engine = open(&format!("sqlite:{}", db.display()), &clock);
    populate(&engine, &clock);
    // Read at the instant the upgrade test reads (some answers depend on now).
    clock.advance(epoch() - clock.get());
    let found = dump(&engine);
    drop(engine);
    // One self-contained, compact file: no WAL beside it.
    {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, SqliteConnection};
        let mut c = SqliteConnection::establish(&db.display().to_string()).unwrap();
        c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE; VACUUM;").unwrap();
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::write(db.with_extension("json"), serde_json::to_string_pretty(&found).unwrap() + "\n").unwrap();
    eprintln!("wrote {} ({} bytes) and its dump", db.display(), std::fs::metadata(&db).unwrap().len());
}

/// Writes `tests/fixtures/upgrade/postgres/<newest migration>.{sql,json}`
/// from a fresh schema on the test server (`CLIENTELE_TEST_PG_URL`), with
/// `pg_dump` of the server's version. Refuses to overwrite.
#[test]
#[ignore = "generator: run by hand when a migration is added"]
fn generate_postgres_upgrade_fixture() {
    let name = newest_migration("postgres");
    let dir = pg_fixtures_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let sql = dir.join(format!("{name}.sql"));
    assert!(!sql.exists(), "{} exists: fixtures are never rewritten", sql.display());
    let place = clientele_tests::place(clientele_tests::Backend::Postgres).expect("PostgreSQL is needed");
    let clientele_tests::Place::Postgres { base, schema } = &place else { unreachable!() };
    let clock = TestClock::at(epoch() - Duration::days(40));
    let engine = open(&place.url(), &clock);
    populate(&engine, &clock);
    clock.advance(epoch() - clock.get());
    let found = dump(&engine);
    drop(engine);
    let out = std::process::Command::new("pg_dump")
        .args(["--schema", schema, "--inserts", "--no-owner", "--no-privileges", "--no-comments", "--dbname", base])
        .output()
        .expect("pg_dump runs");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    // Replayable by one `batch_execute` into a schema made beforehand: no
    // psql meta-command (`\restrict`), no CREATE SCHEMA, no fixed name.
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('\\') && !l.starts_with("CREATE SCHEMA ") && !l.starts_with("-- Dumped"))
        .collect();
    let text = kept.join("\n").replace(schema.as_str(), SCHEMA_MARK) + "\n";
    assert!(text.contains("INSERT INTO") && !text.contains("COPY "), "unexpected dump form");
    std::fs::write(&sql, text).unwrap();
    std::fs::write(sql.with_extension("json"), serde_json::to_string_pretty(&found).unwrap() + "\n").unwrap();
    eprintln!("wrote {} ({} bytes) and its dump", sql.display(), std::fs::metadata(&sql).unwrap().len());
}

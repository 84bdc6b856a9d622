//! The foundation rules, each on SQLite and PostgreSQL.

use chrono::Duration;
use clientele_core::domain::*;
use clientele_core::protocol::{ListQuery, Request as R, Response as S};
use clientele_core::{Engine, EngineConfig, Error};
use clientele_tests::{Backend, Fixture, backend_tests};

fn client(f: &Fixture, code: &str, name: &str) -> Record<ClientData> {
    match f.run(f.admin, R::ClientCreate { data: ClientData::new(code, name) }).unwrap() {
        S::Client(c) => c,
        other => panic!("{other:?}"),
    }
}

fn contact(f: &Fixture, first: &str, last: &str) -> Record<ContactData> {
    let mut d = ContactData::new(first, last);
    d.phones.push(Phone {
        kind: PhoneKind::Business,
        number: "(514) 555-0199".into(),
        primary: false,
        digits: String::new(),
    });
    d.emails.push(Email {
        address: format!("{}@exemple.ca", clientele_core::text::fold(last).replace(['\'', ' '], "")),
        kind: EmailKind::Work,
        primary: false,
    });
    match f.run(f.admin, R::ContactCreate { data: d }).unwrap() {
        S::Contact(c) => c,
        other => panic!("{other:?}"),
    }
}

fn link(f: &Fixture, contact: Id, client: Id, role: ContactRole) -> clientele_core::Result<Vec<ClientContact>> {
    match f.run(f.admin, R::ContactLink { contact_id: contact, client_id: client, role, from_role: None })? {
        S::ClientContacts(v) => Ok(v),
        other => panic!("{other:?}"),
    }
}

fn note(f: &Fixture, client: Option<Id>, contact: Option<Id>, subject: &str) -> Record<InteractionData> {
    let mut n = InteractionData::note(f.clock.get(), subject);
    n.client_id = client;
    n.contact_id = contact;
    match f.run(f.admin, R::InteractionCreate { data: n }).unwrap() {
        S::Interaction(i) => i,
        other => panic!("{other:?}"),
    }
}

fn clients(f: &Fixture, actor: Id) -> Vec<String> {
    match f
        .run(actor, R::ClientList { query: ListQuery { limit: Some(500), cursor: None, ..Default::default() } })
        .unwrap()
    {
        S::Clients(p) => p.items.into_iter().map(|c| c.data.code).collect(),
        other => panic!("{other:?}"),
    }
}

fn timeline(f: &Fixture, id: Id) -> Vec<String> {
    match f
        .run(
            f.admin,
            R::ClientTimeline {
                id,
                last_30_days: false,
                include_changes: false,
                query: ListQuery { limit: Some(500), cursor: None, ..Default::default() },
            },
        )
        .unwrap()
    {
        S::Interactions(p) => p.items.into_iter().map(|i| i.data.subject).collect(),
        other => panic!("{other:?}"),
    }
}

fn transfer(
    f: &Fixture,
    client: Id,
    contact: Id,
    direction: TransferDirection,
    files: &[&str],
) -> Record<TransferData> {
    let data = NewTransfer {
        direction,
        from_staff: f.admin,
        to_contact: contact,
        client_id: client,
        subject: "Documents T1 2025".into(),
        message: "Bonjour, voici vos documents.".into(),
        signature_required: true,
        files: files.iter().map(|n| NewFile { name: n.to_string(), size: 1024 }).collect(),
    };
    match f.run(f.admin, R::TransferCreate { data }).unwrap() {
        S::Transfer(t) => t,
        other => panic!("{other:?}"),
    }
}

fn go(f: &Fixture, t: &Record<TransferData>, to: TransferStatus) -> clientele_core::Result<Record<TransferData>> {
    match f.run(f.admin, R::TransferTransition { id: t.id, version: t.version, to, files: vec![] })? {
        S::Transfer(t) => Ok(t),
        other => panic!("{other:?}"),
    }
}

fn code_of(e: &Error) -> &'static str {
    e.code()
}

// ---------------------------------------------------------------- clients

fn client_round_trip_keeps_french_text(f: &Fixture) {
    let mut d = ClientData::new("CÔTÉ-01", "Côté, Jean-François");
    d.kind = ClientKind::Business;
    d.office = Some("Québec".into());
    d.phones.push(Phone {
        kind: PhoneKind::Business,
        number: " (418) 555-0100 poste 12 ".into(),
        primary: false,
        digits: String::new(),
    });
    d.emails.push(Email {
        address: "jf.cote@cabinet-d'amours.ca".replace('\'', ""),
        kind: EmailKind::Work,
        primary: false,
    });
    d.retention.won_date = Some(chrono::NaiveDate::from_ymd_opt(2019, 4, 1).unwrap());
    d.retention.referred_by = Some("Hélène D'Amours".into());
    let created = match f.run(f.admin, R::ClientCreate { data: d.clone() }).unwrap() {
        S::Client(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(created.version, 1);
    assert_eq!(created.created_by, f.admin);
    assert_eq!(created.created_at, f.clock.get());
    assert_eq!(created.data.name, "Côté, Jean-François");
    assert_eq!(created.data.phones[0].number, "(418) 555-0100 poste 12", "kept as typed, trimmed");
    assert_eq!(created.data.phones[0].digits, "418555010012");
    assert!(created.data.phones[0].primary, "the only phone becomes primary");
    assert_eq!(created.data.retention.referred_by.as_deref(), Some("Hélène D'Amours"));
    let got = match f.run(f.admin, R::ClientGet { id: created.id }).unwrap() {
        S::Client(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(got, created);
}

fn client_code_unique_without_regard_to_case_or_accents(f: &Fixture) {
    client(f, "ÉCOLE-01", "École Sainte-Thérèse");
    for dup in ["école-01", "ECOLE-01", "ecole-01", " Ecole-01 "] {
        let e = f.run(f.admin, R::ClientCreate { data: ClientData::new(dup, "Autre") }).unwrap_err();
        assert_eq!(code_of(&e), "duplicate", "{dup}");
        assert_eq!(e.field(), Some("code"));
    }
    // A different code is fine; and renaming onto a taken code is refused.
    let other = client(f, "ECOLE-02", "Autre école");
    let mut d = other.data.clone();
    d.code = "Ecole-01".into();
    let e = f.run(f.admin, R::ClientUpdate { id: other.id, version: other.version, data: d.into() }).unwrap_err();
    assert_eq!(code_of(&e), "duplicate");
    assert_eq!(clients(f, f.admin).len(), 2);
}

fn validation_names_the_field(f: &Fixture) {
    let cases: Vec<(ClientData, &str, &str)> = vec![
        (ClientData::new("", "Nom"), "code", "required"),
        (ClientData::new("A1", "   "), "name", "required"),
        (ClientData::new("A".repeat(31), "Nom"), "code", "too_long"),
        (ClientData::new("A0", "Deux\nlignes"), "name", "control_character"),
        (ClientData::new("A\u{0}1", "Nom"), "code", "control_character"),
        (
            {
                let mut d = ClientData::new("A2", "Nom");
                d.emails.push(Email { address: "pas une adresse".into(), kind: EmailKind::Work, primary: false });
                d
            },
            "emails[0].address",
            "email",
        ),
        (
            {
                let mut d = ClientData::new("A3", "Nom");
                d.phones.push(Phone {
                    kind: PhoneKind::Home,
                    number: "555".into(),
                    primary: false,
                    digits: String::new(),
                });
                d
            },
            "phones[0].number",
            "phone",
        ),
        (
            {
                let mut d = ClientData::new("A4", "Nom");
                for _ in 0..2 {
                    d.phones.push(Phone {
                        kind: PhoneKind::Home,
                        number: "514 555 0101".into(),
                        primary: true,
                        digits: String::new(),
                    });
                }
                d
            },
            "phones",
            "two_primaries",
        ),
    ];
    for (data, field, reason) in cases {
        let e = f.run(f.admin, R::ClientCreate { data }).unwrap_err();
        assert_eq!(code_of(&e), "validation");
        assert_eq!(e.field(), Some(field));
        assert_eq!(e.body().reason.as_deref(), Some(reason));
    }
    assert!(clients(f, f.admin).is_empty(), "nothing was written");
}

fn stale_update_is_a_conflict(f: &Fixture) {
    let c = client(f, "TREM-01", "Tremblay, Hélène");
    let mut first = c.data.clone();
    first.notes = Some("Appel de Jean".into());
    let updated = match f.run(f.admin, R::ClientUpdate { id: c.id, version: c.version, data: first.into() }).unwrap() {
        S::Client(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(updated.version, 2);
    // A second editor who read version 1 is refused, told the current version.
    let mut second = c.data.clone();
    second.notes = Some("Écrasement".into());
    let e = f.run(f.admin, R::ClientUpdate { id: c.id, version: 1, data: second.into() }).unwrap_err();
    assert!(matches!(e, Error::Conflict { expected: 1, current: 2, .. }), "{e:?}");
    assert_eq!(e.body().current_version, Some(2));
    // Deleting from a stale read is refused too.
    let e = f.run(f.admin, R::ClientDelete { id: c.id, version: 1 }).unwrap_err();
    assert_eq!(code_of(&e), "conflict");
    let now = match f.run(f.admin, R::ClientGet { id: c.id }).unwrap() {
        S::Client(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(now.data.notes.as_deref(), Some("Appel de Jean"), "the first edit survived");
}

fn concurrent_edits_one_wins(f: &Fixture) {
    let c = client(f, "PAR-01", "Parallèle inc.");
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let mut d = c.data.clone();
                d.notes = Some(format!("édition {i}"));
                let id = c.id;
                s.spawn(move || f.run(f.admin, R::ClientUpdate { id, version: 1, data: d.into() }))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wins = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results.iter().filter(|r| matches!(r, Err(Error::Conflict { .. }))).count();
    assert_eq!((wins, conflicts), (1, 3), "{results:?}");
}

fn racing_creates_of_one_code_give_one_client_and_duplicates(f: &Fixture) {
    // On PostgreSQL writers run side by side: the code check of each may
    // pass before the other commits; the unique index decides, and the
    // loser must still hear "duplicate", not a storage error.
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                s.spawn(move || {
                    f.run(
                        f.admin,
                        R::ClientCreate {
                            data: ClientData::new(if i % 2 == 0 { "RACE-1" } else { "race-1" }, format!("Course {i}")),
                        },
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let dup =
        results.iter().filter(|r| matches!(r, Err(e) if e.code() == "duplicate" && e.field() == Some("code"))).count();
    assert_eq!((ok, dup), (1, 5), "{results:?}");
}

// ---------------------------------------------------------------- contacts

fn contacts_link_with_roles_one_primary(f: &Fixture) {
    let a = client(f, "A", "Alpha");
    let b = client(f, "B", "Bêta");
    let jf = contact(f, "Jean-François", "Côté");
    let hd = contact(f, "Hélène", "D'Amours");
    assert_eq!(jf.data.file_as.as_deref(), Some("Côté, Jean-François"));
    let rows = link(f, jf.id, a.id, ContactRole::Primary).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].primary_phone.as_deref(), Some("(514) 555-0199"));
    assert_eq!(rows[0].primary_email.as_deref(), Some("cote@exemple.ca"));
    let e = link(f, hd.id, a.id, ContactRole::Primary).unwrap_err();
    assert_eq!(e.body().reason.as_deref(), Some("primary_taken"));
    link(f, hd.id, a.id, ContactRole::Billing).unwrap();
    link(f, jf.id, b.id, ContactRole::Additional).unwrap();
    // Changing a role is a relink that names the role read: without it, or
    // with a stale one, it is refused (two editors cannot overwrite each
    // other's change); relinking with the same role changes nothing.
    let relink = |role, from_role| {
        f.run(f.admin, R::ContactLink { contact_id: jf.id, client_id: a.id, role, from_role }).map(|s| match s {
            S::ClientContacts(v) => v,
            o => panic!("{o:?}"),
        })
    };
    assert_eq!(relink(ContactRole::Preferred, None).unwrap_err().body().reason.as_deref(), Some("role_changed"));
    assert_eq!(
        relink(ContactRole::Preferred, Some(ContactRole::Billing)).unwrap_err().body().reason.as_deref(),
        Some("role_changed")
    );
    assert!(relink(ContactRole::Primary, None).is_ok());
    let rows = relink(ContactRole::Preferred, Some(ContactRole::Primary)).unwrap();
    assert!(rows.iter().all(|r| r.role != ContactRole::Primary));
    f.run(
        f.admin,
        R::ContactLink {
            contact_id: hd.id,
            client_id: a.id,
            role: ContactRole::Primary,
            from_role: Some(ContactRole::Billing),
        },
    )
    .unwrap();
    let linked = match f.run(f.admin, R::ContactClients { id: jf.id }).unwrap() {
        S::LinkedClients(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        linked.iter().map(|l| (l.code.as_str(), l.role)).collect::<Vec<_>>(),
        vec![("A", ContactRole::Preferred), ("B", ContactRole::Additional)]
    );
    f.run(f.admin, R::ContactUnlink { contact_id: jf.id, client_id: b.id }).unwrap();
    let e = f.run(f.admin, R::ContactUnlink { contact_id: jf.id, client_id: b.id }).unwrap_err();
    assert_eq!(code_of(&e), "not_found");
}

fn racing_primary_links_give_one_primary(f: &Fixture) {
    let c = client(f, "PRIM-1", "Primaire inc.");
    let people: Vec<Id> = (0..6).map(|i| contact(f, &format!("Personne {i}"), "Concurrente").id).collect();
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = people.iter().map(|&p| s.spawn(move || link(f, p, c.id, ContactRole::Primary))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let taken =
        results.iter().filter(|r| matches!(r, Err(e) if e.body().reason.as_deref() == Some("primary_taken"))).count();
    assert_eq!((ok, taken), (1, 5), "{results:?}");
    let rows = match f.run(f.admin, R::ClientContacts { id: c.id }).unwrap() {
        S::ClientContacts(v) => v,
        o => panic!("{o:?}"),
    };
    assert_eq!(rows.iter().filter(|r| r.role == ContactRole::Primary).count(), 1);
}

// ------------------------------------------------------------ interactions

fn interactions_check_kind_fields_and_custom_fields(f: &Fixture) {
    let c = client(f, "INT-01", "Interactions ltée");
    f.engine
        .execute(
            clientele_core::protocol::Actor::HOST,
            R::CustomFieldPut {
                field: CustomFieldDef {
                    record: CustomRecord::Interaction,
                    kind: Some(InteractionKind::PhoneCall),
                    key: "dossier".into(),
                    label_fr: "Dossier".into(),
                    label_en: "File".into(),
                    field_type: CustomFieldType::Choice,
                    choices: vec!["Impôts".into(), "Paie".into()],
                    required: true,
                },
            },
        )
        .unwrap();
    let mut call = InteractionData::note(f.clock.get(), "Appel de Jean-François");
    call.kind = InteractionKind::PhoneCall;
    call.client_id = Some(c.id);
    call.direction = Some(CallDirection::Incoming);
    call.duration_secs = Some(300);
    call.phone = Some("514-555-0199".into());
    let e = f.run(f.admin, R::InteractionCreate { data: call.clone() }).unwrap_err();
    assert_eq!(e.field(), Some("custom.dossier"), "required custom field");
    call.custom.insert("dossier".into(), serde_json::json!("Comptabilité"));
    let e = f.run(f.admin, R::InteractionCreate { data: call.clone() }).unwrap_err();
    assert_eq!(e.body().reason.as_deref(), Some("invalid_value"));
    call.custom.insert("dossier".into(), serde_json::json!("Impôts"));
    let ok = f.run(f.admin, R::InteractionCreate { data: call.clone() }).unwrap();
    assert!(matches!(ok, S::Interaction(ref i) if i.data.custom["dossier"] == "Impôts"));
    // A note has no call direction; an interaction needs a client or contact.
    let mut n = InteractionData::note(f.clock.get(), "Note");
    n.client_id = Some(c.id);
    n.direction = Some(CallDirection::Outgoing);
    assert_eq!(f.run(f.admin, R::InteractionCreate { data: n.clone() }).unwrap_err().field(), Some("direction"));
    n.direction = None;
    n.client_id = None;
    assert_eq!(f.run(f.admin, R::InteractionCreate { data: n }).unwrap_err().field(), Some("client_id"));
    let mut mail = InteractionData::note(f.clock.get(), "Courriel");
    mail.kind = InteractionKind::Email;
    mail.client_id = Some(c.id);
    mail.email_to = vec!["helene@exemple.ca".into(), "pas-un-courriel".into()];
    assert_eq!(f.run(f.admin, R::InteractionCreate { data: mail }).unwrap_err().field(), Some("email_to[1]"));
}

fn timeline_merges_client_and_contact_interactions_newest_first(f: &Fixture) {
    let c = client(f, "TL-01", "Chronologie inc.");
    let other = client(f, "TL-02", "Autre inc.");
    let p = contact(f, "Marie-Ève", "Lévesque");
    link(f, p.id, c.id, ContactRole::Primary).unwrap();
    link(f, p.id, other.id, ContactRole::Additional).unwrap();
    note(f, Some(c.id), None, "1 client");
    f.clock.advance(Duration::minutes(1));
    note(f, None, Some(p.id), "2 contact seul");
    f.clock.advance(Duration::minutes(1));
    note(f, Some(other.id), Some(p.id), "3 contact pour un autre client");
    f.clock.advance(Duration::minutes(1));
    note(f, Some(c.id), Some(p.id), "4 client et contact");
    assert_eq!(timeline(f, c.id), vec!["4 client et contact", "2 contact seul", "1 client"]);
    // Paging with cursors walks the same order without gaps or repeats.
    let mut seen = Vec::new();
    let mut cursor = None;
    // Bounded: three rows, one a page; a cursor that loops fails here.
    for pages in 1.. {
        assert!(pages <= 3, "more than 3 pages of one row for 3 rows: {seen:?}");
        let page = match f
            .run(
                f.admin,
                R::ClientTimeline {
                    id: c.id,
                    last_30_days: false,
                    include_changes: false,
                    query: ListQuery { limit: Some(1), cursor, ..Default::default() },
                },
            )
            .unwrap()
        {
            S::Interactions(p) => p,
            other => panic!("{other:?}"),
        };
        seen.extend(page.items.into_iter().map(|i| i.data.subject));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, timeline(f, c.id));
    let e = f
        .run(
            f.admin,
            R::ClientTimeline {
                id: c.id,
                last_30_days: false,
                include_changes: false,
                query: ListQuery {
                    limit: Some(1),
                    cursor: Some("t1:'; DROP TABLE clients;--".into()),
                    ..Default::default()
                },
            },
        )
        .unwrap_err();
    assert_eq!(code_of(&e), "bad_request");
}

// ------------------------------------------------------------------- trash

fn delete_client_trashes_its_records_and_restores_them(f: &Fixture) {
    let c = client(f, "DEL-01", "À supprimer inc.");
    let keep = client(f, "KEEP-01", "À garder inc.");
    let shared = contact(f, "Jean-François", "Côté");
    link(f, shared.id, c.id, ContactRole::Primary).unwrap();
    link(f, shared.id, keep.id, ContactRole::Primary).unwrap();
    note(f, Some(c.id), Some(shared.id), "note du client supprimé");
    note(f, Some(keep.id), Some(shared.id), "note du client gardé");
    let t = transfer(f, c.id, shared.id, TransferDirection::SentToContact, &["états.pdf"]);
    let deleted = match f.run(f.admin, R::ClientDelete { id: c.id, version: 1 }).unwrap() {
        S::Deleted(d) => d,
        other => panic!("{other:?}"),
    };
    assert_eq!(clients(f, f.admin), vec!["KEEP-01"]);
    assert_eq!(code_of(&f.run(f.admin, R::ClientGet { id: c.id }).unwrap_err()), "not_found");
    assert_eq!(code_of(&f.run(f.admin, R::TransferGet { id: t.id }).unwrap_err()), "not_found");
    let all = match f
        .run(
            f.admin,
            R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query: ListQuery::default() },
        )
        .unwrap()
    {
        S::Interactions(p) => p.items.into_iter().map(|i| i.data.subject).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(all, vec!["note du client gardé"], "the client's interactions and transfer events went with it");
    // The shared contact is untouched and still linked to the other client.
    assert!(f.run(f.admin, R::ContactGet { id: shared.id }).is_ok());
    let trash = match f.run(f.admin, R::TrashList {}).unwrap() {
        S::Trash(t) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(trash.len(), 1);
    assert_eq!(trash[0].label, "DEL-01 — À supprimer inc.");
    f.run(f.admin, R::TrashRestore { id: deleted.trash_id }).unwrap();
    assert_eq!(clients(f, f.admin), vec!["KEEP-01", "DEL-01"], "ordered by name: « À garder » before « À supprimer »");
    assert!(timeline(f, c.id).contains(&"note du client supprimé".to_string()));
    assert!(f.run(f.admin, R::TransferGet { id: t.id }).is_ok());
    assert!(matches!(f.run(f.admin, R::TrashList {}).unwrap(), S::Trash(t) if t.is_empty()));
}

fn purge_is_final_and_frees_the_code(f: &Fixture) {
    let c = client(f, "PUR-01", "Purge inc.");
    let p = contact(f, "Zoé", "Bélanger");
    link(f, p.id, c.id, ContactRole::Primary).unwrap();
    note(f, Some(c.id), None, "note");
    transfer(f, c.id, p.id, TransferDirection::RequestedFromContact, &[]);
    let d = match f.run(f.admin, R::ClientDelete { id: c.id, version: 1 }).unwrap() {
        S::Deleted(d) => d,
        other => panic!("{other:?}"),
    };
    // While in the trash, the code stays taken.
    let e = f.run(f.admin, R::ClientCreate { data: ClientData::new("pur-01", "Nouveau") }).unwrap_err();
    assert_eq!(code_of(&e), "duplicate");
    assert!(e.to_string().contains("trash"));
    f.run(f.admin, R::TrashPurge { id: d.trash_id }).unwrap();
    assert_eq!(code_of(&f.run(f.admin, R::TrashRestore { id: d.trash_id }).unwrap_err()), "not_found");
    client(f, "PUR-01", "Nouveau");
    // The contact stands alone now, and can itself be deleted and purged.
    let dc = match f.run(f.admin, R::ContactDelete { id: p.id, version: 1 }).unwrap() {
        S::Deleted(d) => d,
        other => panic!("{other:?}"),
    };
    f.run(f.admin, R::TrashPurge { id: dc.trash_id }).unwrap();
    assert_eq!(code_of(&f.run(f.admin, R::ContactGet { id: p.id }).unwrap_err()), "not_found");
}

fn restore_waits_for_the_parent(f: &Fixture) {
    let c = client(f, "PAR-02", "Parent inc.");
    let n = note(f, Some(c.id), None, "orpheline");
    let dn = match f.run(f.admin, R::InteractionDelete { id: n.id, version: 1 }).unwrap() {
        S::Deleted(d) => d,
        other => panic!("{other:?}"),
    };
    let dc = match f.run(f.admin, R::ClientDelete { id: c.id, version: 1 }).unwrap() {
        S::Deleted(d) => d,
        other => panic!("{other:?}"),
    };
    let e = f.run(f.admin, R::TrashRestore { id: dn.trash_id }).unwrap_err();
    assert_eq!(e.body().reason.as_deref(), Some("parent_in_trash"));
    f.run(f.admin, R::TrashRestore { id: dc.trash_id }).unwrap();
    f.run(f.admin, R::TrashRestore { id: dn.trash_id }).unwrap();
    assert_eq!(timeline(f, c.id), vec!["orpheline"]);
}

// --------------------------------------------------------------- transfers

fn transfer_state_machine_is_enforced_and_recorded(f: &Fixture) {
    let c = client(f, "TR-01", "Transferts inc.");
    let p = contact(f, "Éloïse", "Gagnon-Roy");
    let stranger = contact(f, "Inconnu", "Étranger");
    link(f, p.id, c.id, ContactRole::Primary).unwrap();
    // Only to a contact of the client.
    let e = f
        .run(
            f.admin,
            R::TransferCreate {
                data: NewTransfer {
                    direction: TransferDirection::SentToContact,
                    from_staff: f.admin,
                    to_contact: stranger.id,
                    client_id: c.id,
                    subject: "x".into(),
                    message: String::new(),
                    signature_required: false,
                    files: vec![],
                },
            },
        )
        .unwrap_err();
    assert_eq!(e.body().reason.as_deref(), Some("not_linked"));

    let req = transfer(f, c.id, p.id, TransferDirection::RequestedFromContact, &[]);
    assert_eq!(req.data.status, TransferStatus::WaitingForFiles);
    assert_eq!(req.data.expires_at - req.data.sent_at, Duration::days(30));
    // Illegal: waiting → complete.
    let e = go(f, &req, TransferStatus::Complete).unwrap_err();
    assert!(matches!(e, Error::InvalidTransition { .. }), "{e:?}");
    // Ready needs files.
    assert_eq!(go(f, &req, TransferStatus::ReadyForDownload).unwrap_err().field(), Some("files"));
    let ready = match f
        .run(
            f.admin,
            R::TransferTransition {
                id: req.id,
                version: req.version,
                to: TransferStatus::ReadyForDownload,
                files: vec![NewFile { name: "relevé.pdf".into(), size: 2048 }],
            },
        )
        .unwrap()
    {
        S::Transfer(t) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(ready.data.files[0].status, FileStatus::Uploaded);
    // A stale version is a conflict, not a silent second move.
    assert_eq!(code_of(&go(f, &req, TransferStatus::Canceled).unwrap_err()), "conflict");
    // Expiring by hand before the date is refused.
    assert!(matches!(go(f, &ready, TransferStatus::Expired).unwrap_err(), Error::InvalidTransition { .. }));
    let done = go(f, &ready, TransferStatus::Complete).unwrap();
    assert_eq!(done.data.status, TransferStatus::Complete);
    assert_eq!(done.data.files[0].status, FileStatus::Downloaded);
    assert!(done.data.closed_at.is_some());
    for to in [
        TransferStatus::Canceled,
        TransferStatus::WaitingForFiles,
        TransferStatus::Expired,
        TransferStatus::ReadyForDownload,
    ] {
        assert!(matches!(go(f, &done, to).unwrap_err(), Error::InvalidTransition { .. }), "complete → {to:?}");
    }
    let events: Vec<String> = timeline(f, c.id);
    assert_eq!(
        events,
        vec![
            "Transfert « Documents T1 2025 » : Prêt à télécharger → Terminé",
            "Transfert « Documents T1 2025 » : En attente de fichiers → Prêt à télécharger",
            "Transfert « Documents T1 2025 » : créé, en attente de fichiers",
        ]
    );
}

fn open_transfers_can_be_edited_and_closed_ones_cannot(f: &Fixture) {
    let c = client(f, "ED-01", "Édition inc.");
    let p = contact(f, "Réjean", "Pelletier");
    link(f, p.id, c.id, ContactRole::Primary).unwrap();
    let t = transfer(f, c.id, p.id, TransferDirection::SentToContact, &["bilan.pdf"]);
    let edit = |t: &Record<TransferData>, subject: &str| {
        f.run(
            f.admin,
            R::TransferUpdate {
                id: t.id,
                version: t.version,
                data: TransferPatch::from(TransferEdit {
                    subject: subject.into(),
                    message: "Nouvelle version.".into(),
                    signature_required: false,
                }),
            },
        )
    };
    let edited = match edit(&t, "Bilan révisé 2025").unwrap() {
        S::Transfer(t) => t,
        o => panic!("{o:?}"),
    };
    assert_eq!(
        (edited.version, edited.data.subject.as_str(), edited.data.signature_required),
        (2, "Bilan révisé 2025", false)
    );
    assert_eq!(edited.data.status, TransferStatus::ReadyForDownload, "an edit moves no state");
    // The keyword index follows the edit.
    let found = |q: &str| match f
        .run(
            f.admin,
            R::TransferList {
                client_id: None,
                last_30_days: false,
                open_only: false,
                query: ListQuery { search: Some(q.into()), ..Default::default() },
            },
        )
        .unwrap()
    {
        S::Transfers(p) => p.items.len(),
        o => panic!("{o:?}"),
    };
    assert_eq!((found("revise"), found("documents")), (1, 0));
    assert_eq!(edit(&t, "x").unwrap_err().code(), "conflict");
    assert_eq!(edit(&edited, "  ").unwrap_err().field(), Some("subject"));
    let done = go(f, &edited, TransferStatus::Complete).unwrap();
    assert!(matches!(edit(&done, "Trop tard").unwrap_err(), Error::InvalidTransition { .. }));
}

#[test]
fn an_english_firm_gets_its_transfer_events_in_english() {
    let f = Fixture::with_config(Backend::Sqlite, |c| c.language = "en".into()).unwrap();
    let c = client(&f, "EN-01", "English Ltd.");
    let p = contact(&f, "Ann", "Smith");
    link(&f, p.id, c.id, ContactRole::Primary).unwrap();
    transfer(&f, c.id, p.id, TransferDirection::SentToContact, &["a.pdf"]);
    assert_eq!(timeline(&f, c.id), vec!["Transfer “Documents T1 2025”: created, ready for download"]);
    let mut config = EngineConfig::new(f.place.url());
    config.language = "de".into();
    assert_eq!(Engine::open(config).err().map(|e| e.code()), Some("config"));
}

fn transfers_expire_after_thirty_days_unless_complete(f: &Fixture) {
    let c = client(f, "EXP-01", "Expiration inc.");
    let p = contact(f, "Noémie", "Thériault");
    link(f, p.id, c.id, ContactRole::Primary).unwrap();
    let open = transfer(f, c.id, p.id, TransferDirection::SentToContact, &["a.pdf"]);
    let finished = transfer(f, c.id, p.id, TransferDirection::SentToContact, &["b.pdf"]);
    go(f, &finished, TransferStatus::Complete).unwrap();
    f.clock.advance(Duration::days(30) - Duration::seconds(1));
    assert_eq!(f.engine.sweep_expired().unwrap(), 0);
    f.clock.advance(Duration::seconds(1));
    let t = match f.run(f.admin, R::TransferGet { id: open.id }).unwrap() {
        S::Transfer(t) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(t.data.status, TransferStatus::Expired);
    assert_eq!(t.data.files[0].status, FileStatus::Expired);
    let f2 = match f.run(f.admin, R::TransferGet { id: finished.id }).unwrap() {
        S::Transfer(t) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(f2.data.status, TransferStatus::Complete);
    assert!(timeline(f, c.id)[0].ends_with("Prêt à télécharger → Expiré"), "{:?}", timeline(f, c.id));
    assert_eq!(f.engine.sweep_expired().unwrap(), 0, "expires once");
}

// ------------------------------------------------------ licence and rights

fn read_only_staff_is_forbidden_to_write_and_nothing_changes(f: &Fixture) {
    let c = client(f, "RO-01", "Lecture seule inc.");
    let reader = f.staff("Lecteur", Rights::read_only());
    assert!(f.run(reader, R::ClientGet { id: c.id }).is_ok());
    let attempts = vec![
        R::ClientCreate { data: ClientData::new("RO-02", "Non") },
        R::ClientUpdate { id: c.id, version: 1, data: ClientData::new("RO-01", "Modifié").into() },
        R::ClientDelete { id: c.id, version: 1 },
        R::ContactCreate { data: ContactData::new("Non", "Permis") },
        R::InteractionCreate {
            data: {
                let mut n = InteractionData::note(f.clock.get(), "x");
                n.client_id = Some(c.id);
                n
            },
        },
    ];
    for a in attempts {
        let op = a.op();
        let e = f.run(reader, a).unwrap_err();
        assert_eq!(code_of(&e), "forbidden", "{op}");
    }
    let now = match f.run(f.admin, R::ClientGet { id: c.id }).unwrap() {
        S::Client(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!((now.version, now.data.name.as_str()), (1, "Lecture seule inc."));
    assert_eq!(clients(f, f.admin), vec!["RO-01"]);
    // No client rights at all: even reading is refused.
    let nobody = f.staff("Personne", Rights::default());
    assert_eq!(code_of(&f.run(nobody, R::ClientList { query: ListQuery::default() }).unwrap_err()), "forbidden");
    // Staff cannot administer; the host cannot act on clients.
    let e = f
        .run(f.admin, R::StaffPut { id: None, version: None, staff: clientele_tests::staff("X", "X", Rights::all()) })
        .unwrap_err();
    assert_eq!(code_of(&e), "forbidden");
    let e = f
        .engine
        .execute(clientele_core::protocol::Actor::HOST, R::ClientList { query: ListQuery::default() })
        .unwrap_err();
    assert_eq!(code_of(&e), "forbidden");
    // The host replaces a staff member with the version it read.
    let member = match f.engine.execute(clientele_core::protocol::Actor::HOST, R::StaffGet { id: nobody }).unwrap() {
        S::Staff(m) => m,
        o => panic!("{o:?}"),
    };
    let put = |version| {
        f.engine.execute(
            clientele_core::protocol::Actor::HOST,
            R::StaffPut {
                id: Some(nobody),
                version,
                staff: clientele_tests::staff("Personne", "P", Rights::read_only()),
            },
        )
    };
    assert!(matches!(put(Some(member.version)).unwrap(), S::Staff(ref m) if m.version == member.version + 1));
    assert_eq!(put(Some(member.version)).unwrap_err().code(), "conflict");
    assert_eq!(put(None).unwrap_err().field(), Some("version"));
    // An unknown or inactive staff member is refused.
    assert_eq!(code_of(&f.run(9999, R::ClientList { query: ListQuery::default() }).unwrap_err()), "forbidden");
}

fn office_restricted_staff_sees_only_their_offices(f: &Fixture) {
    let mut mtl = ClientData::new("MTL-01", "Montréal inc.");
    mtl.office = Some("Montréal".into());
    let mut qc = ClientData::new("QC-01", "Québec inc.");
    qc.office = Some("Québec".into());
    let mtl = match f.run(f.admin, R::ClientCreate { data: mtl }).unwrap() {
        S::Client(c) => c,
        o => panic!("{o:?}"),
    };
    let qc = match f.run(f.admin, R::ClientCreate { data: qc }).unwrap() {
        S::Client(c) => c,
        o => panic!("{o:?}"),
    };
    let p_mtl = contact(f, "Luc", "Montréalais");
    let p_qc = contact(f, "Anne", "Québécoise");
    let alone = contact(f, "Seule", "Personne");
    link(f, p_mtl.id, mtl.id, ContactRole::Primary).unwrap();
    link(f, p_qc.id, qc.id, ContactRole::Primary).unwrap();
    note(f, Some(mtl.id), None, "note MTL");
    note(f, Some(qc.id), None, "note QC");
    note(f, None, Some(p_qc.id), "note contact QC");
    transfer(f, qc.id, p_qc.id, TransferDirection::SentToContact, &["x.pdf"]);
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let luc = f.staff("Luc Bergeron", rights);
    assert_eq!(clients(f, luc), vec!["MTL-01"]);
    let contacts = match f.run(luc, R::ContactList { query: ListQuery::default() }).unwrap() {
        S::Contacts(p) => p.items.into_iter().map(|c| c.id).collect::<Vec<_>>(),
        o => panic!("{o:?}"),
    };
    assert!(
        contacts.contains(&p_mtl.id) && contacts.contains(&alone.id) && !contacts.contains(&p_qc.id),
        "{contacts:?}"
    );
    let notes = match f
        .run(
            luc,
            R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query: ListQuery::default() },
        )
        .unwrap()
    {
        S::Interactions(p) => p.items.into_iter().map(|i| i.data.subject).collect::<Vec<_>>(),
        o => panic!("{o:?}"),
    };
    assert!(notes.iter().all(|s| !s.contains("QC")), "{notes:?}");
    let transfers = match f
        .run(
            luc,
            R::TransferList { client_id: None, last_30_days: false, open_only: false, query: ListQuery::default() },
        )
        .unwrap()
    {
        S::Transfers(p) => p.items.len(),
        o => panic!("{o:?}"),
    };
    assert_eq!(transfers, 0);
    // Another office's records answer as absent ones (no existence leak).
    for r in [
        R::ClientGet { id: qc.id },
        R::ClientTimeline { id: qc.id, last_30_days: false, include_changes: false, query: ListQuery::default() },
        R::ContactGet { id: p_qc.id },
    ] {
        let op = r.op();
        assert_eq!(code_of(&f.run(luc, r).unwrap_err()), "not_found", "{op}");
    }
    // Editing another office's client answers as an absent one; moving
    // one's own client to an office one does not see is refused as such.
    assert_eq!(
        code_of(
            &f.run(luc, R::ClientUpdate { id: qc.id, version: 1, data: ClientData::new("QC-01", "Pris").into() })
                .unwrap_err()
        ),
        "not_found"
    );
    let away = ClientPatch { office: Some(Some("Québec".into())), ..Default::default() };
    assert_eq!(
        code_of(&f.run(luc, R::ClientUpdate { id: mtl.id, version: mtl.version, data: away }).unwrap_err()),
        "forbidden"
    );
    let mut moved = ClientData::new("MTL-02", "Ailleurs");
    moved.office = Some("Québec".into());
    assert_eq!(code_of(&f.run(luc, R::ClientCreate { data: moved }).unwrap_err()), "forbidden");
    assert_eq!(clients(f, f.admin).len(), 2, "nothing was created");
}

fn a_contact_of_a_deleted_client_stays_with_its_office(f: &Fixture) {
    let mut qc = ClientData::new("QC-9", "Québec inc.");
    qc.office = Some("Québec".into());
    let qc = match f.run(f.admin, R::ClientCreate { data: qc }).unwrap() {
        S::Client(c) => c,
        o => panic!("{o:?}"),
    };
    let p = contact(f, "Anne", "Québécoise");
    link(f, p.id, qc.id, ContactRole::Primary).unwrap();
    let private = note(f, None, Some(p.id), "Note privée");
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let mtl = f.staff("Montréalais", rights);
    let sees = |what: &str| -> bool {
        let contacts = match f.run(mtl, R::ContactList { query: ListQuery::default() }).unwrap() {
            S::Contacts(p) => p.items.len(),
            o => panic!("{o:?}"),
        };
        let notes = match f
            .run(
                mtl,
                R::InteractionList {
                    client_id: None,
                    contact_id: None,
                    last_30_days: false,
                    query: ListQuery::default(),
                },
            )
            .unwrap()
        {
            S::Interactions(p) => p.items.len(),
            o => panic!("{o:?}"),
        };
        let got = f.run(mtl, R::ContactGet { id: p.id }).is_ok();
        assert_eq!((contacts > 0, notes > 0), (got, got), "{what}: list and get disagree");
        got
    };
    assert!(!sees("while the client is live"));
    let d = match f.run(f.admin, R::ClientDelete { id: qc.id, version: 1 }).unwrap() {
        S::Deleted(d) => d,
        o => panic!("{o:?}"),
    };
    assert!(!sees("once its only client is in the trash"));
    let trash = |who| match f.run(who, R::TrashList {}).unwrap() {
        S::Trash(t) => t.len(),
        o => panic!("{o:?}"),
    };
    assert_eq!(trash(mtl), 0);
    f.run(f.admin, R::TrashRestore { id: d.trash_id }).unwrap();
    // A contact-only interaction in the trash belongs to the contact's office.
    let di = match f.run(f.admin, R::InteractionDelete { id: private.id, version: 1 }).unwrap() {
        S::Deleted(d) => d,
        o => panic!("{o:?}"),
    };
    assert_eq!((trash(f.admin), trash(mtl)), (1, 0));
    // An entry of another office answers as an absent one.
    assert_eq!(f.run(mtl, R::TrashPurge { id: di.trash_id }).unwrap_err().code(), "not_found");
    assert_eq!(f.run(mtl, R::TrashRestore { id: di.trash_id }).unwrap_err().code(), "not_found");
}

fn racing_deletes_and_edits_leave_one_outcome(f: &Fixture) {
    let c = client(f, "RACE-D", "Course de suppression");
    note(f, Some(c.id), None, "note");
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let data = c.data.clone();
                s.spawn(move || {
                    if i % 2 == 0 {
                        f.run(f.admin, R::ClientDelete { id: c.id, version: 1 }).map(|_| "deleted")
                    } else {
                        f.run(f.admin, R::ClientUpdate { id: c.id, version: 1, data: data.into() }).map(|_| "updated")
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wins: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(wins.len(), 1, "{results:?}");
    assert!(
        results.iter().all(|r| r.is_ok() || matches!(r, Err(Error::Conflict { .. } | Error::NotFound { .. }))),
        "{results:?}"
    );
    let trash = match f.run(f.admin, R::TrashList {}).unwrap() {
        S::Trash(t) => t,
        o => panic!("{o:?}"),
    };
    if *wins[0] == "deleted" {
        // One entry, holding the client and its note together.
        assert_eq!(trash.len(), 1);
        f.run(f.admin, R::TrashRestore { id: trash[0].id }).unwrap();
        assert_eq!(timeline(f, c.id), vec!["note"]);
    } else {
        assert!(trash.is_empty());
    }
}

backend_tests!(
    a_contact_of_a_deleted_client_stays_with_its_office,
    racing_deletes_and_edits_leave_one_outcome,
    client_round_trip_keeps_french_text,
    client_code_unique_without_regard_to_case_or_accents,
    validation_names_the_field,
    stale_update_is_a_conflict,
    concurrent_edits_one_wins,
    racing_creates_of_one_code_give_one_client_and_duplicates,
    contacts_link_with_roles_one_primary,
    racing_primary_links_give_one_primary,
    interactions_check_kind_fields_and_custom_fields,
    timeline_merges_client_and_contact_interactions_newest_first,
    delete_client_trashes_its_records_and_restores_them,
    purge_is_final_and_frees_the_code,
    restore_waits_for_the_parent,
    transfer_state_machine_is_enforced_and_recorded,
    open_transfers_can_be_edited_and_closed_ones_cannot,
    transfers_expire_after_thirty_days_unless_complete,
    read_only_staff_is_forbidden_to_write_and_nothing_changes,
    office_restricted_staff_sees_only_their_offices,
    import_is_all_or_nothing_and_cancellable,
);

// ------------------------------------------------ backend-independent rules

#[test]
fn without_the_licence_every_operation_is_refused() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(f) = Fixture::with_config(backend, |c| c.entitlements = vec!["time_and_billing".into()]) else {
            continue;
        };
        for json in [
            r#"{"actor":"host","op":"staff.list"}"#,
            r#"{"actor":1,"op":"client.list"}"#,
            r#"{"actor":1,"op":"client.create","data":{"code":"A","name":"B"}}"#,
            r#"{"actor":1,"op":"trash.list"}"#,
        ] {
            assert_eq!(f.engine.execute_json(json).unwrap_err(), Error::NotLicensed, "{json}");
        }
    }
}

#[test]
fn schema_newer_than_the_code_is_refused() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(f) = Fixture::new(backend) else { continue };
        let url = f.place.url();
        f.place.raw_sql("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')");
        match Engine::open(EngineConfig::new(url)) {
            Err(Error::SchemaTooNew { database, .. }) => assert_eq!(database, "29991231000000"),
            Err(e) => panic!("{e:?}"),
            Ok(_) => panic!("{backend:?}: a newer schema was accepted"),
        }
    }
}

#[test]
fn json_front_door_refuses_malformed_requests_with_typed_errors() {
    let f = Fixture::new(Backend::Sqlite).unwrap();
    let cases = [
        ("", "bad_request"),
        ("{", "bad_request"),
        ("[]", "bad_request"),
        (r#"{"op":"client.list"}"#, "bad_request"),
        (r#"{"actor":1}"#, "bad_request"),
        (r#"{"actor":"root","op":"client.list"}"#, "bad_request"),
        (r#"{"actor":1,"op":"client.explode"}"#, "bad_request"),
        (r#"{"actor":1,"op":"client.list","limitt":3}"#, "bad_request"),
        (r#"{"actor":1,"op":"client.create","data":{"code":"A","name":"B","nmae":"C"}}"#, "bad_request"),
        (r#"{"actor":1,"op":"client.list","limit":0}"#, "validation"),
        (r#"{"actor":1,"op":"client.list","limit":501}"#, "validation"),
        (r#"{"actor":1,"op":"client.get","id":"1; DROP TABLE clients"}"#, "bad_request"),
    ];
    for (json, code) in cases {
        let e = f.engine.execute_json(json).unwrap_err();
        assert_eq!(e.code(), code, "{json}: {e}");
    }
    let huge = format!(
        r#"{{"actor":1,"op":"client.create","data":{{"code":"A","name":"{}"}}}}"#,
        "x".repeat(clientele_core::MAX_REQUEST_BYTES)
    );
    assert_eq!(f.engine.execute_json(&huge).unwrap_err().code(), "bad_request");
    // And a good one answers JSON that reads back as the typed response.
    let out = f
        .engine
        .execute_json(r#"{"actor":1,"op":"client.create","data":{"code":"D'AM-01","name":"D'Amours, Hélène","phones":[{"number":"514 555 0199"}]}}"#)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["data"]["name"], "D'Amours, Hélène");
    assert_eq!(v["data"]["phones"][0]["digits"], "5145550199");
    assert_eq!(v["version"], 1);
}

fn import_is_all_or_nothing_and_cancellable(f: &Fixture) {
    struct CancelAt(u64, std::sync::Mutex<Vec<u64>>);
    impl clientele_core::Progress for CancelAt {
        fn report(&self, done: u64, _total: u64) -> bool {
            self.1.lock().unwrap().push(done);
            done < self.0
        }
    }
    let batch: Vec<ClientData> =
        (0..250).map(|i| ClientData::new(format!("IMP-{i:03}"), format!("Société n° {i}"))).collect();
    // Cancel after the second report: nothing is written.
    let p = CancelAt(100, Default::default());
    let e = f
        .engine
        .execute_with_progress(
            clientele_core::protocol::Actor::Staff(f.admin),
            R::ClientImport { clients: batch.clone() },
            &p,
        )
        .unwrap_err();
    assert_eq!(e, Error::Canceled);
    assert_eq!(*p.1.lock().unwrap(), vec![0, 100]);
    assert!(clients(f, f.admin).is_empty());
    // A duplicate deep in the batch fails the whole import, naming the row.
    let mut bad = batch.clone();
    bad[200].code = "imp-000".into();
    let e = f.run(f.admin, R::ClientImport { clients: bad }).unwrap_err();
    assert_eq!((e.code(), e.field()), ("duplicate", Some("clients[200].code")));
    assert!(clients(f, f.admin).is_empty());
    let p = CancelAt(u64::MAX, Default::default());
    let ok = f
        .engine
        .execute_with_progress(clientele_core::protocol::Actor::Staff(f.admin), R::ClientImport { clients: batch }, &p)
        .unwrap();
    assert!(matches!(ok, S::Imported(ref i) if i.imported == 250 && i.ids.len() == 250));
    assert_eq!(*p.1.lock().unwrap(), vec![0, 100, 200, 250]);
    assert_eq!(clients(f, f.admin).len(), 250);
}

#[test]
fn an_in_memory_database_serves_a_whole_session() {
    // One connection for the whole engine: any nested connection request
    // inside a transaction would block here.
    let clock = clientele_tests::TestClock::at(clientele_tests::epoch());
    let engine =
        Engine::open_with_clock(EngineConfig::new("sqlite::memory:"), std::sync::Arc::new(clock.clone())).unwrap();
    let host = clientele_core::protocol::Actor::HOST;
    let me = match engine
        .execute(
            host,
            R::StaffPut { id: None, version: None, staff: clientele_tests::staff("Zoé", "Z", Rights::all()) },
        )
        .unwrap()
    {
        S::Staff(s) => clientele_core::protocol::Actor::Staff(s.id),
        o => panic!("{o:?}"),
    };
    let c = match engine.execute(me, R::ClientCreate { data: ClientData::new("MEM-1", "Mémoire inc.") }).unwrap() {
        S::Client(c) => c,
        o => panic!("{o:?}"),
    };
    let p = match engine.execute(me, R::ContactCreate { data: ContactData::new("Zoé", "Roy") }).unwrap() {
        S::Contact(p) => p,
        o => panic!("{o:?}"),
    };
    engine
        .execute(me, R::ContactLink { contact_id: p.id, client_id: c.id, role: ContactRole::Primary, from_role: None })
        .unwrap();
    let data = NewTransfer {
        direction: TransferDirection::RequestedFromContact,
        from_staff: 1,
        to_contact: p.id,
        client_id: c.id,
        subject: "T4".into(),
        message: String::new(),
        signature_required: false,
        files: vec![],
    };
    engine.execute(me, R::TransferCreate { data }).unwrap();
    clock.advance(Duration::days(31));
    let t = match engine
        .execute(
            me,
            R::TransferList {
                client_id: Some(c.id),
                last_30_days: false,
                open_only: false,
                query: ListQuery::default(),
            },
        )
        .unwrap()
    {
        S::Transfers(p) => p.items,
        o => panic!("{o:?}"),
    };
    assert_eq!(t[0].data.status, TransferStatus::Expired);
    let d = match engine.execute(me, R::ClientDelete { id: c.id, version: 1 }).unwrap() {
        S::Deleted(d) => d,
        o => panic!("{o:?}"),
    };
    engine.execute(me, R::TrashRestore { id: d.trash_id }).unwrap();
    assert!(
        matches!(engine.execute(me, R::ClientTimeline { id: c.id, last_30_days: false, include_changes: false, query: ListQuery::default() }).unwrap(), S::Interactions(p) if p.items.len() == 2)
    );
}

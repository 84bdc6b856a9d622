//! A create answers its record exactly as a get of it answers right
//! after: `client.create`, `contact.create` and `interaction.create` make
//! their answer from the values they wrote (`store::clients::insert_answered`,
//! `store::contacts::insert_answered`,
//! `store::interactions::insert_answered`) instead of reading the row
//! back, so every conversion a read applies (milliseconds, e-mail lists
//! joined and split, JSON phones, addresses and custom values, dates,
//! people in charge in their order, follow-ups settled by the engine)
//! must give the same record. Checked over generated clients and
//! interactions of every kind — timestamps with nanoseconds, NFD accents,
//! apostrophes, emoji, hostile strings, phones as people type them, custom
//! values of every type, tags, follow-ups open and done — on both backends.

#[path = "common/firm.rs"]
mod firm;

use chrono::{Duration, TimeZone, Utc};
use clientele_core::domain::*;
use clientele_core::protocol::{Actor, Request as R, Response as S};
use clientele_tests::{Fixture, Rng, backend_tests};

const TEXTS: &[&str] = &[
    "Relance T4",
    "Hélène D'Amours",
    "He\u{301}le\u{300}ne (NFD)",
    "Jean-François « dossier » 4242",
    "🙂 rappel",
    "'; DROP TABLE interactions;--",
    "%_\\",
    "  espaces  autour  ",
    "",
];
const PHONES: &[&str] = &["514-555-1042", "(514) 555-1042", "+1 514 555 1042 poste 12", "5145551042", "555 1042"];
const EMAILS: &[&str] = &["helene@exemple.ca", "jf.damours@exemple.qc.ca", "zoé@exemple.com"];

fn put_field(f: &Fixture, kind: InteractionKind, key: &str, field_type: CustomFieldType, choices: &[&str]) {
    let field = CustomFieldDef {
        record: CustomRecord::Interaction,
        kind: Some(kind),
        key: key.into(),
        label_fr: key.into(),
        label_en: key.into(),
        field_type,
        choices: choices.iter().map(|c| c.to_string()).collect(),
        required: false,
    };
    f.engine.execute(Actor::HOST, R::CustomFieldPut { field }).unwrap();
}

fn id_of(r: S) -> Id {
    match r {
        S::Client(c) => c.id,
        S::Contact(c) => c.id,
        other => panic!("{other:?}"),
    }
}

fn interaction(rng: &mut Rng, client: Id, contact: Id, staff: &[Id]) -> InteractionData {
    let kinds =
        [InteractionKind::Note, InteractionKind::PhoneCall, InteractionKind::PhoneMessage, InteractionKind::Email];
    let kind = *rng.pick(&kinds);
    // Nanoseconds the database keeps to the millisecond.
    let when = Utc.with_ymd_and_hms(2026, 11, 3, 14, 5, 9).unwrap() - Duration::days(rng.below(900) as i64)
        + Duration::nanoseconds(rng.below(1_000_000_000) as i64);
    let mut d = InteractionData::note(when, rng.pick(&TEXTS[..TEXTS.len() - 1]).to_string());
    d.kind = kind;
    d.body = (0..rng.below(3)).map(|_| *rng.pick(TEXTS)).collect::<Vec<_>>().join("\n");
    match rng.below(3) {
        0 => d.client_id = Some(client),
        1 => d.contact_id = Some(contact),
        _ => {
            d.client_id = Some(client);
            d.contact_id = Some(contact);
        }
    }
    if rng.chance(70) {
        d.staff_id = Some(*rng.pick(staff));
    }
    match kind {
        InteractionKind::PhoneCall => {
            if rng.chance(70) {
                d.direction = Some(*rng.pick(&[CallDirection::Incoming, CallDirection::Outgoing]));
            }
            if rng.chance(70) {
                d.duration_secs = Some(rng.below(4000) as i64);
            }
            if rng.chance(70) {
                d.phone = Some(rng.pick(PHONES).to_string());
            }
            if rng.chance(50) {
                d.custom.insert("memo".into(), rng.pick(TEXTS).to_string().into());
            }
            if rng.chance(50) {
                d.custom.insert("montant".into(), serde_json::json!(rng.below(100_000) as f64 / 100.0));
            }
            if rng.chance(50) {
                d.custom.insert("rappel".into(), rng.chance(50).into());
            }
            if rng.chance(50) {
                d.custom.insert("echeance".into(), "2027-04-30".into());
            }
            if rng.chance(50) {
                d.custom.insert("dossier".into(), rng.pick(&["Impôts", "TPS/TVQ"]).to_string().into());
            }
        }
        InteractionKind::PhoneMessage => {
            if rng.chance(70) {
                d.phone = Some(rng.pick(PHONES).to_string());
            }
            match rng.below(3) {
                0 => d.taken_for_id = Some(*rng.pick(staff)),
                1 => d.taken_for = Some(rng.pick(&["Hélène", "quelqu'un d'autre"]).to_string()),
                _ => {}
            }
            if rng.chance(60) {
                d.message_status =
                    Some(*rng.pick(&[MessageStatus::New, MessageStatus::Returned, MessageStatus::Closed]));
            }
        }
        InteractionKind::Email => {
            if rng.chance(80) {
                d.email_from = Some(rng.pick(EMAILS).to_string());
            }
            d.email_to = (0..rng.below(3)).map(|_| rng.pick(EMAILS).to_string()).collect();
            d.email_cc = (0..rng.below(2)).map(|_| rng.pick(EMAILS).to_string()).collect();
        }
        _ => {}
    }
    if rng.chance(40) {
        let mut fu = FollowUp::new(*rng.pick(staff), None);
        if rng.chance(60) {
            fu.due = Some(when.date_naive() + Duration::days(rng.below(60) as i64));
        }
        // Done: the engine stamps who and when.
        fu.done = rng.chance(40);
        d.follow_up = Some(fu);
    }
    d
}

fn new_client(rng: &mut Rng, n: usize, in_charge: &[Id]) -> ClientData {
    let code = if rng.chance(10) {
        format!("{}-{n:03}", rng.pick(firm::HOSTILE).chars().filter(|c| !c.is_control()).collect::<String>())
    } else {
        format!("C{n:03}")
    };
    let mut d = ClientData::new(code, format!("{}, {}", rng.pick(firm::LAST), rng.pick(firm::FIRST)));
    if rng.chance(20) {
        d.name = rng.pick(&TEXTS[..TEXTS.len() - 1]).to_string();
    }
    d.kind = *rng.pick(&[ClientKind::Individual, ClientKind::Business, ClientKind::Trust, ClientKind::Other]);
    d.status = *rng.pick(&[ClientStatus::Active, ClientStatus::Inactive, ClientStatus::Prospect]);
    if rng.chance(70) {
        d.office = Some(rng.pick(firm::OFFICES).to_string());
    }
    if rng.chance(60) {
        d.address = Some(Address {
            line1: Some(format!("{} rue {}", 1 + rng.below(9999), rng.pick(firm::LAST))),
            city: Some(rng.pick(firm::CITIES).to_string()),
            province: Some("QC".into()),
            postal_code: Some(rng.pick(&["H2X 1Y4", "g1r4p5"]).to_string()),
            ..Default::default()
        });
    }
    (d.phones, d.emails) = phones_and_emails(rng);
    if rng.chance(30) {
        d.website = Some("https://exemple.ca/d'amours".into());
    }
    if rng.chance(40) {
        d.notes = Some(rng.pick(TEXTS).to_string());
    }
    if rng.chance(40) {
        d.retention.won_date = chrono::NaiveDate::from_ymd_opt(2018 + rng.below(8) as i32, 1 + rng.below(12) as u32, 9);
        d.retention.won_reason = Some("Recommandé par Hélène".into());
    }
    if rng.chance(60) {
        for _ in 0..1 + rng.below(3) {
            let a = Assignment::new(*rng.pick(&BUILTIN_ROLES), *rng.pick(in_charge));
            if !d.assignments.contains(&a) {
                d.assignments.push(a);
            }
        }
    }
    for (code, ..) in firm::TAGS.iter().rev() {
        if rng.chance(40) {
            d.tags.push(code.to_string());
        }
    }
    firm::client_extras(rng, &mut d);
    d
}

/// Zero to two phones as people type them, zero to two distinct e-mails.
fn phones_and_emails(rng: &mut Rng) -> (Vec<Phone>, Vec<Email>) {
    let mut phones = Vec::new();
    for i in 0..rng.below(3) {
        let kind = *rng.pick(&[PhoneKind::Business, PhoneKind::Mobile, PhoneKind::Home]);
        phones.push(Phone { kind, number: rng.pick(PHONES).to_string(), primary: i == 0, digits: String::new() });
    }
    let mut emails: Vec<Email> = Vec::new();
    for i in 0..rng.below(3) {
        let address = *rng.pick(EMAILS);
        if !emails.iter().any(|e| e.address == address) {
            emails.push(Email { address: address.to_string(), kind: EmailKind::Work, primary: i == 0 });
        }
    }
    (phones, emails)
}

fn new_contact(rng: &mut Rng, n: usize) -> ContactData {
    let mut d = ContactData::new(*rng.pick(firm::FIRST), format!("{} {n}", rng.pick(firm::LAST)));
    if rng.chance(15) {
        d.first_name = rng.pick(&TEXTS[..TEXTS.len() - 1]).to_string();
    }
    if rng.chance(30) {
        d.file_as = Some(rng.pick(&TEXTS[..TEXTS.len() - 1]).to_string());
    }
    if rng.chance(50) {
        d.company = Some(format!("{} inc.", rng.pick(firm::LAST)));
    }
    if rng.chance(30) {
        d.title = Some(rng.pick(TEXTS).to_string());
    }
    if rng.chance(40) {
        d.address = Some(Address {
            line1: Some(format!("{} rue {}", 1 + rng.below(9999), rng.pick(firm::LAST))),
            city: Some(rng.pick(firm::CITIES).to_string()),
            ..Default::default()
        });
    }
    (d.phones, d.emails) = phones_and_emails(rng);
    if rng.chance(40) {
        d.notes = Some(rng.pick(TEXTS).to_string());
    }
    for (code, ..) in firm::TAGS.iter().rev() {
        if rng.chance(30) {
            d.tags.push(code.to_string());
        }
    }
    firm::contact_extras(rng, &mut d);
    d
}

fn creates_answer_what_a_get_answers(f: &Fixture) {
    for (record, key, fr, en, field_type, choices) in firm::CLIENT_CONTACT_FIELDS {
        let field = CustomFieldDef {
            record: *record,
            kind: None,
            key: key.to_string(),
            label_fr: fr.to_string(),
            label_en: en.to_string(),
            field_type: *field_type,
            choices: choices.iter().map(|c| c.to_string()).collect(),
            required: false,
        };
        f.engine.execute(Actor::HOST, R::CustomFieldPut { field }).unwrap();
    }
    for (code, fr, en, colour) in firm::TAGS {
        let tag = Tag { code: code.into(), name_fr: fr.into(), name_en: en.into(), colour: colour.into(), version: 0 };
        f.engine.execute(Actor::HOST, R::TagPut { tag }).unwrap();
    }
    put_field(f, InteractionKind::PhoneCall, "memo", CustomFieldType::Text, &[]);
    put_field(f, InteractionKind::PhoneCall, "montant", CustomFieldType::Number, &[]);
    put_field(f, InteractionKind::PhoneCall, "rappel", CustomFieldType::YesNo, &[]);
    put_field(f, InteractionKind::PhoneCall, "echeance", CustomFieldType::Date, &[]);
    put_field(f, InteractionKind::PhoneCall, "dossier", CustomFieldType::Choice, &["Impôts", "Paie", "TPS/TVQ"]);
    let client = id_of(f.run(f.admin, R::ClientCreate { data: ClientData::new("DAM-1", "D'Amours, Hélène") }).unwrap());
    let contact = id_of(f.run(f.admin, R::ContactCreate { data: ContactData::new("Zoé", "Lévesque-Côté") }).unwrap());
    f.run(
        f.admin,
        R::ContactLink { contact_id: contact, client_id: client, role: ContactRole::Primary, from_role: None },
    )
    .unwrap();
    let staff = [f.admin, f.staff("Jean-François Tremblay", Rights::all())];
    let mut rng = Rng(0x0c4e_a7e5);
    let mut created_clients = 0;
    for n in 0..200 {
        let data = new_client(&mut rng, n, &staff);
        let created = match f.run(f.admin, R::ClientCreate { data: data.clone() }) {
            Ok(S::Client(r)) => r,
            // A hostile code may fold onto another's.
            Err(e) if e.code() == "duplicate" => continue,
            other => panic!("#{n} {data:?}: {other:?}"),
        };
        created_clients += 1;
        let got = match f.run(f.admin, R::ClientGet { id: created.id }).unwrap() {
            S::Client(r) => r,
            other => panic!("{other:?}"),
        };
        // What the create adds: likely duplicates of the new client.
        let mut answered = serde_json::to_value(&created).unwrap();
        answered.as_object_mut().unwrap().remove("warnings");
        let mut read = serde_json::to_value(&got).unwrap();
        read.as_object_mut().unwrap().remove("warnings");
        assert_eq!(answered, read, "#{n}: client.create answered otherwise than client.get, for {data:?}");
    }
    assert!(created_clients > 150, "only {created_clients} of 200 clients created");
    for n in 0..200 {
        let data = new_contact(&mut rng, n);
        let created = match f.run(f.admin, R::ContactCreate { data: data.clone() }) {
            Ok(S::Contact(r)) => r,
            other => panic!("#{n} {data:?}: {other:?}"),
        };
        let got = match f.run(f.admin, R::ContactGet { id: created.id }).unwrap() {
            S::Contact(r) => r,
            other => panic!("{other:?}"),
        };
        // What the create adds: likely duplicates of the new contact.
        let mut answered = serde_json::to_value(&created).unwrap();
        answered.as_object_mut().unwrap().remove("warnings");
        let mut read = serde_json::to_value(&got).unwrap();
        read.as_object_mut().unwrap().remove("warnings");
        assert_eq!(answered, read, "#{n}: contact.create answered otherwise than contact.get, for {data:?}");
    }
    for n in 0..300 {
        // The engine's clock with nanoseconds too (a follow-up done at
        // creation is stamped with it).
        f.clock.advance(Duration::nanoseconds(1 + rng.below(999_999_999) as i64));
        let data = interaction(&mut rng, client, contact, &staff);
        let created = match f.run(f.admin, R::InteractionCreate { data: data.clone() }) {
            Ok(S::Interaction(r)) => r,
            other => panic!("#{n} {data:?}: {other:?}"),
        };
        let got = match f.run(f.admin, R::InteractionGet { id: created.id }).unwrap() {
            S::Interaction(r) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            serde_json::to_value(&created).unwrap(),
            serde_json::to_value(&got).unwrap(),
            "#{n}: interaction.create answered otherwise than interaction.get, for {data:?}"
        );
    }
}

/// A create answers as a get would, so a staff member who may add records
/// of a kind but not view them hears `forbidden` — and, the check being
/// inside the write's transaction, nothing is written (before 2026-12-07
/// `contact.create` committed the contact, then refused to show it).
fn a_create_its_actor_may_not_view_writes_nothing(f: &Fixture) {
    let add_only = Perms { view: false, add: true, edit: false, delete: false };
    let clerk = f.staff("Hélène D'Amours", Rights { clients: add_only, contacts: add_only, ..Rights::all() });
    let contacts = |f: &Fixture| match f.run(f.admin, R::ContactList { query: Default::default() }).unwrap() {
        S::Contacts(p) => p.items.len(),
        other => panic!("{other:?}"),
    };
    let clients = |f: &Fixture| match f.run(f.admin, R::ClientList { query: Default::default() }).unwrap() {
        S::Clients(p) => p.items.len(),
        other => panic!("{other:?}"),
    };
    let before = (clients(f), contacts(f));
    let e = f.run(clerk, R::ContactCreate { data: ContactData::new("Jean-François", "Côté") }).unwrap_err();
    assert_eq!(e.code(), "forbidden", "{e:?}");
    let e = f.run(clerk, R::ClientCreate { data: ClientData::new("JFC-1", "Côté, Jean-François") }).unwrap_err();
    assert_eq!(e.code(), "forbidden", "{e:?}");
    assert_eq!((clients(f), contacts(f)), before, "a refused create wrote its record");
    // With the view right too, both are created.
    let clerk = f.staff("Zoé Lévesque", Rights::all());
    assert!(matches!(
        f.run(clerk, R::ContactCreate { data: ContactData::new("Jean-François", "Côté") }),
        Ok(S::Contact(_))
    ));
    assert!(matches!(f.run(clerk, R::ClientCreate { data: ClientData::new("JFC-1", "Côté") }), Ok(S::Client(_))));
    assert_eq!((clients(f), contacts(f)), (before.0 + 1, before.1 + 1));
}

/// Rows of `table` (the test's own SQL, beside the engine).
fn rows_of(f: &Fixture, table: &str) -> i64 {
    f.place.count(table)
}

/// An interaction on a client its actor cannot reach — absent, in the
/// trash, of another office, outside a client dashboard's scope — answers
/// `not_found` for that client alike and writes nothing: no interaction,
/// no history row (on PostgreSQL the client is checked and held by the
/// insert's own statement, `visibility::client_hold`, so a refusal there
/// rolls back an insert that did not happen). With a contact too, the
/// client is checked before the link, so a hidden client linked to the
/// contact answers as an absent one.
fn an_interaction_on_a_client_out_of_reach_writes_nothing(f: &Fixture) {
    let client = |code: &str, office: &str| {
        let mut data = ClientData::new(code, format!("Client {code}"));
        data.office = Some(office.into());
        id_of(f.run(f.admin, R::ClientCreate { data }).unwrap())
    };
    let seen = client("MTL-1", "Montréal");
    let other = client("QC-1", "Québec");
    let trashed = client("MTL-2", "Montréal");
    f.run(f.admin, R::ClientDelete { id: trashed, version: 1 }).unwrap();
    let contact = id_of(f.run(f.admin, R::ContactCreate { data: ContactData::new("Hélène", "D'Amours") }).unwrap());
    f.run(
        f.admin,
        R::ContactLink { contact_id: contact, client_id: other, role: ContactRole::Additional, from_role: None },
    )
    .unwrap();
    let marc = f.staff("Marc Lévesque", Rights { offices: Some(vec!["Montréal".into()]), ..Rights::all() });
    let note = |client: Id, contact: Option<Id>| {
        let mut d = InteractionData::note(clientele_tests::epoch(), "Relance T4 — dossier n° 42");
        d.client_id = Some(client);
        d.contact_id = contact;
        d.staff_id = Some(marc);
        R::InteractionCreate { data: d }
    };
    let before = (rows_of(f, "interactions"), rows_of(f, "history"));
    for (what, request) in [
        ("an absent client", note(999_999, None)),
        ("a client in the trash", note(trashed, None)),
        ("a client of another office", note(other, None)),
        ("a client of another office, with its linked contact", note(other, Some(contact))),
    ] {
        match f.run(marc, request) {
            Err(clientele_core::Error::NotFound { entity, .. }) => assert_eq!(entity, "client", "{what}"),
            other => panic!("{what}: {other:?}"),
        }
        assert_eq!((rows_of(f, "interactions"), rows_of(f, "history")), before, "{what} wrote something");
    }
    // Staff members are checked before the client, on both backends (on
    // PostgreSQL the client is checked by the insert): an unknown one is
    // named whether the client is hidden or absent.
    for client in [other, 999_999] {
        let R::InteractionCreate { mut data } = note(client, None) else { unreachable!() };
        data.staff_id = Some(999_998);
        let e = f.run(marc, R::InteractionCreate { data }).unwrap_err();
        assert_eq!((e.code(), e.body().field.as_deref()), ("validation", Some("staff_id")), "{e:?}");
    }
    // An absent client for an actor of every office (no office to refuse
    // it by: only its absence).
    match f.run(f.admin, note(999_999, None)) {
        Err(clientele_core::Error::NotFound { entity, .. }) => assert_eq!(entity, "client"),
        other => panic!("an absent client, for the admin: {other:?}"),
    }
    assert_eq!((rows_of(f, "interactions"), rows_of(f, "history")), before);
    // Outside a client dashboard's scope: refused before any statement.
    let scoped = f.engine.execute_scoped(
        Actor::Staff(marc),
        clientele_core::protocol::DataScope::Client { client_id: seen },
        note(other, None),
    );
    assert!(scoped.is_err(), "{scoped:?}");
    assert_eq!((rows_of(f, "interactions"), rows_of(f, "history")), before);
    // The client he sees takes it, with its history row.
    assert!(matches!(f.run(marc, note(seen, None)), Ok(S::Interaction(_))));
    assert_eq!((rows_of(f, "interactions"), rows_of(f, "history")), (before.0 + 1, before.1 + 1));
}

backend_tests!(
    creates_answer_what_a_get_answers,
    a_create_its_actor_may_not_view_writes_nothing,
    an_interaction_on_a_client_out_of_reach_writes_nothing
);

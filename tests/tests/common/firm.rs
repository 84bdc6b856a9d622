//! The firm both the differential and the paging tests query: clients,
//! contacts (linked and standalone), interactions with custom fields,
//! transfers, a few clients in the trash, hostile strings in names — and
//! the reference rows, office rule and filter generator that go with it.
//!
//! Included by `differential.rs` and `paging.rs` (`#[path] mod firm`).
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use clientele_core::domain::*;
use clientele_core::protocol::{FieldInfo, ListKind, ListQuery, Request as R, Response as S};
use clientele_core::query::memory::{self, MemoryRow};
use clientele_tests::{Fixture, Rng};

pub const FIRST: &[&str] =
    &["Hélène", "Jean-François", "Zoé", "Marie-Ève", "Luc", "Noémie", "Éloïse", "François", "Ève", "Anaïs"];
pub const LAST: &[&str] = &[
    "D'Amours",
    "Côté",
    "Tremblay",
    "Gagnon-Roy",
    "Lévesque",
    "Bélanger",
    "O'Neil",
    "Thériault",
    "St-Pierre",
    "Bouchard",
];
pub const CITIES: &[&str] = &["Montréal", "Québec", "Trois-Rivières", "Lévis", "Saint-Jean-sur-Richelieu", "Gatineau"];
pub const OFFICES: &[&str] = &["Montréal", "Québec", "Sherbrooke"];
pub const HOSTILE: &[&str] = &[
    "'",
    "\"",
    "%",
    "_",
    "\\",
    "'; DROP TABLE clients;--",
    "%_%",
    "a'b",
    "😀",
    "e\u{301}",
    "Hé\u{301}",
    "NULL",
    "/* x */",
    "$1",
    "?",
    "::text",
    "\u{2019}",
    "ﬁ",
    "∑",
];

pub fn word(rng: &mut Rng) -> String {
    if rng.chance(15) {
        rng.pick(HOSTILE).to_string()
    } else {
        let all: Vec<&str> = FIRST.iter().chain(LAST).chain(CITIES).copied().collect();
        rng.pick(&all).to_string()
    }
}

pub fn created<T>(r: S, f: impl Fn(S) -> Option<T>) -> T {
    f(r).expect("created")
}

/// Seeds a firm: clients, contacts (linked and standalone), interactions
/// with custom fields, transfers; a few clients deleted.
/// What the seed did, for the office rules of the reference: every client's
/// office (trashed ones too), the clients in the trash, every link.
#[derive(Default)]
pub struct World {
    pub office: HashMap<Id, Option<String>>,
    pub trashed: HashSet<Id>,
    /// (contact, client).
    pub links: Vec<(Id, Id)>,
    /// Live clients, in creation order.
    pub clients: Vec<Id>,
    pub contacts: Vec<Id>,
}

impl World {
    /// The reference rule of what a staff member of `office` sees.
    pub fn sees(&self, kind: ListKind, id: Id, row: &MemoryRow, office: &str) -> bool {
        let in_office = |client: Id| self.office.get(&client).is_some_and(|o| o.as_deref() == Some(office));
        let contact_seen = |contact: Id| {
            let mut links = self.links.iter().filter(|(p, _)| *p == contact).peekable();
            links.peek().is_none() || links.any(|(_, c)| in_office(*c))
        };
        let int = |field: &str| match row.get(field) {
            Some(clientele_filter::FieldValue::Int(i)) => Some(*i),
            _ => None,
        };
        match kind {
            ListKind::Clients => in_office(id),
            ListKind::Contacts => contact_seen(id),
            ListKind::Interactions => match (int("client"), int("contact")) {
                (Some(c), _) => !self.trashed.contains(&c) && in_office(c),
                (None, Some(p)) => contact_seen(p),
                (None, None) => false,
            },
            ListKind::Transfers => int("client").is_some_and(|c| !self.trashed.contains(&c) && in_office(c)),
        }
    }
}

/// How big a firm [`seed_firm`] makes.
#[derive(Debug, Clone)]
pub struct FirmSize {
    /// Clients attempted (a few collide or are refused).
    pub clients: usize,
    pub contacts: usize,
    pub interactions: usize,
    /// Clients walked (cycling) to send a transfer to their first contact.
    pub transfer_attempts: usize,
    /// The clients at these creation ranks go to the trash.
    pub trash: std::ops::Range<usize>,
}

/// The differential test's firm.
pub const DIFFERENTIAL_FIRM: FirmSize =
    FirmSize { clients: 120, contacts: 80, interactions: 360, transfer_attempts: 60, trash: 100..105 };

/// The seeded firm's tags: (code, French name, English name, colour).
pub const TAGS: [(&str, &str, &str, &str); 3] = [
    ("urgent", "Urgent", "Urgent", "#d32f2f"),
    ("vip", "Très important", "Key account", "#ffd54f"),
    ("late-payer", "Paie en retard", "Late payer", "#1a237e"),
];

/// How filters name the seeded tags: codes and names in either language,
/// any case and accents, and one naming no tag.
pub const TAG_REFS: [&str; 8] =
    ["urgent", "URGENT", "tres important", "Key account", "VIP", "late-payer", "Paie en retard", "nope"];
/// One custom field of the seeded firm: record, key, French and English
/// labels, type, choices.
pub type FieldSeed = (CustomRecord, &'static str, &'static str, &'static str, CustomFieldType, &'static [&'static str]);

/// The custom fields of clients and contacts the firm defines.
pub const CLIENT_CONTACT_FIELDS: &[FieldSeed] = &[
    (
        CustomRecord::Client,
        "secteur",
        "Secteur d'activité",
        "Industry",
        CustomFieldType::Choice,
        &["Agriculture", "Santé", "Commerce de détail"],
    ),
    (CustomRecord::Client, "employes", "Nombre d'employés", "Headcount", CustomFieldType::Number, &[]),
    (CustomRecord::Client, "tps", "Inscrit à la TPS", "GST registrant", CustomFieldType::YesNo, &[]),
    (CustomRecord::Client, "cloture", "Date de clôture", "Closing date", CustomFieldType::Date, &[]),
    (CustomRecord::Client, "remarque", "Remarque interne", "Internal remark", CustomFieldType::Text, &[]),
    (CustomRecord::Contact, "fonction", "Fonction occupée", "Position held", CustomFieldType::Text, &[]),
    (CustomRecord::Contact, "naissance", "Date de naissance", "Birth date", CustomFieldType::Date, &[]),
    (CustomRecord::Contact, "infolettre", "Reçoit l'infolettre", "Gets the newsletter", CustomFieldType::YesNo, &[]),
];

/// A valid CRA business number (9 digits, the last the Luhn check digit),
/// sometimes with a program account, written as people type it.
pub fn business_number(rng: &mut Rng) -> String {
    let body: Vec<u32> = (0..8).map(|_| rng.below(10) as u32).collect();
    // The check digit makes the Luhn sum of all nine a multiple of 10.
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                *d
            }
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    let digits: String = body.iter().chain(std::iter::once(&check)).map(|d| char::from(b'0' + *d as u8)).collect();
    match rng.below(3) {
        0 => digits,
        1 => format!("{} {} {} RT 0001", &digits[..3], &digits[3..6], &digits[6..]),
        _ => format!("{digits}rp{:04}", rng.below(10)),
    }
}

fn some_date(rng: &mut Rng) -> String {
    format!("{}-{:02}-{:02}", 1950 + rng.below(75), 1 + rng.below(12), 1 + rng.below(28))
}

/// Preferred language, fiscal year end, business number and custom values
/// of a client, each often missing.
pub fn client_extras(rng: &mut Rng, d: &mut ClientData) {
    if rng.chance(70) {
        d.language = Some(*rng.pick(&[Language::Fr, Language::En]));
    }
    if rng.chance(60) {
        d.fiscal_year_end = Some(rng.pick(&["12-31", "3-31", "06-30", "--09-30", "01/31"]).to_string());
    }
    if rng.chance(50) {
        d.business_number = Some(business_number(rng));
    }
    if rng.chance(60) {
        d.custom.insert("secteur".into(), rng.pick(&["Agriculture", "Santé", "Commerce de détail"]).to_string().into());
    }
    if rng.chance(50) {
        d.custom.insert("employes".into(), serde_json::json!(rng.below(500)));
    }
    if rng.chance(50) {
        d.custom.insert("tps".into(), rng.chance(50).into());
    }
    if rng.chance(50) {
        d.custom.insert("cloture".into(), some_date(rng).into());
    }
    if rng.chance(50) {
        d.custom
            .insert("remarque".into(), format!("{} {}", word(rng), rng.pick(&["Hélène", "D'Amours", "Éric"])).into());
    }
}

/// Preferred language and custom values of a contact.
pub fn contact_extras(rng: &mut Rng, d: &mut ContactData) {
    if rng.chance(60) {
        d.language = Some(*rng.pick(&[Language::Fr, Language::En]));
    }
    if rng.chance(50) {
        d.custom
            .insert("fonction".into(), rng.pick(&["Comptable", "Présidente", "Directeur général"]).to_string().into());
    }
    if rng.chance(50) {
        d.custom.insert("naissance".into(), some_date(rng).into());
    }
    if rng.chance(50) {
        d.custom.insert("infolettre".into(), rng.chance(50).into());
    }
}

pub fn seed_firm(f: &Fixture, rng: &mut Rng, size: FirmSize) -> World {
    let mut world = World::default();
    for (key, ty, choices) in [
        ("dossier", CustomFieldType::Choice, vec!["Impôts".to_string(), "Paie".to_string(), "TPS/TVQ".to_string()]),
        ("montant", CustomFieldType::Number, vec![]),
        ("rappel", CustomFieldType::YesNo, vec![]),
        ("echeance", CustomFieldType::Date, vec![]),
        ("memo", CustomFieldType::Text, vec![]),
    ] {
        f.engine
            .execute(
                clientele_core::protocol::Actor::HOST,
                R::CustomFieldPut {
                    field: CustomFieldDef {
                        record: CustomRecord::Interaction,
                        kind: Some(InteractionKind::PhoneCall),
                        key: key.into(),
                        label_fr: key.into(),
                        label_en: key.into(),
                        field_type: ty,
                        choices,
                        required: false,
                    },
                },
            )
            .unwrap();
    }
    // Custom fields of clients and contacts, labelled in both languages.
    for (record, key, fr, en, ty, choices) in CLIENT_CONTACT_FIELDS {
        f.engine
            .execute(
                clientele_core::protocol::Actor::HOST,
                R::CustomFieldPut {
                    field: CustomFieldDef {
                        record: *record,
                        kind: None,
                        key: key.to_string(),
                        label_fr: fr.to_string(),
                        label_en: en.to_string(),
                        field_type: *ty,
                        choices: choices.iter().map(|c| c.to_string()).collect(),
                        required: false,
                    },
                },
            )
            .unwrap();
    }
    // Staff members to put in charge of clients (with the admin), from a
    // generator of their own so the rest of the firm is as before.
    let mut in_charge = vec![f.admin];
    for (name, initials) in [("Jean Tremblay", "JT"), ("Marie-Ève Côté", "MEC"), ("Luc Gagnon", "LG")] {
        in_charge.push(created(
            f.engine
                .execute(
                    clientele_core::protocol::Actor::HOST,
                    R::StaffPut {
                        id: None,
                        version: None,
                        staff: clientele_tests::staff(name, initials, Rights::read_only()),
                    },
                )
                .unwrap(),
            |r| match r {
                S::Staff(m) => Some(m.id),
                _ => None,
            },
        ));
    }
    let mut assign_rng = Rng(rng.0 ^ 0xa551_9e00);
    // Tags, from a generator of their own (the rest of the firm stays as
    // it was seeded before tags existed).
    for (code, fr, en, colour) in TAGS {
        let tag = Tag { code: code.into(), name_fr: fr.into(), name_en: en.into(), colour: colour.into(), version: 0 };
        f.engine.execute(clientele_core::protocol::Actor::HOST, R::TagPut { tag }).unwrap();
    }
    let mut tag_rng = Rng(rng.0 ^ 0x7a65_0000);
    let mut tags = |d: &mut Vec<String>| {
        for (code, ..) in TAGS {
            if tag_rng.chance(30) {
                d.push(code.to_string());
            }
        }
    };
    // The standard and custom fields of clients and contacts, from a
    // generator of their own (the rest of the firm is as before).
    let mut extra_rng = Rng(rng.0 ^ 0xc057_0e00);
    let mut clients = Vec::new();
    for i in 0..size.clients {
        let mut d = ClientData::new(format!("{}-{i:03}", &word(rng).chars().take(4).collect::<String>()), "x");
        d.name = if rng.chance(50) {
            format!("{}, {}", rng.pick(LAST), rng.pick(FIRST))
        } else {
            format!("{} {} inc.", rng.pick(LAST), word(rng))
        };
        d.kind = *rng.pick(&[ClientKind::Individual, ClientKind::Business, ClientKind::Trust, ClientKind::Other]);
        d.status = *rng.pick(&[ClientStatus::Active, ClientStatus::Inactive, ClientStatus::Prospect]);
        if rng.chance(70) {
            d.office = Some(rng.pick(OFFICES).to_string());
        }
        if rng.chance(60) {
            d.address = Some(Address { city: Some(rng.pick(CITIES).to_string()), ..Default::default() });
        }
        if rng.chance(60) {
            d.emails.push(Email {
                address: format!("c{i}@{}.qc.ca", rng.pick(&["exemple", "cabinet", "x_y"])),
                kind: EmailKind::Work,
                primary: true,
            });
        }
        if rng.chance(50) {
            d.phones.push(Phone {
                kind: PhoneKind::Business,
                number: format!("(514) 555-{:04}", rng.below(10_000)),
                primary: true,
                digits: String::new(),
            });
        }
        if rng.chance(40) {
            d.retention.won_date = chrono::NaiveDate::from_ymd_opt(
                2018 + rng.below(8) as i32,
                1 + rng.below(12) as u32,
                1 + rng.below(28) as u32,
            );
        }
        if rng.chance(3) {
            // A code that collides after folding is refused: keep it unique.
            d.code = format!("{}-{i:03}", rng.pick(HOSTILE).chars().filter(|c| !c.is_control()).collect::<String>());
        }
        if assign_rng.chance(65) {
            for _ in 0..1 + assign_rng.below(3) {
                let a = Assignment::new(*assign_rng.pick(&BUILTIN_ROLES), *assign_rng.pick(&in_charge));
                if !d.assignments.contains(&a) {
                    d.assignments.push(a);
                }
            }
        }
        tags(&mut d.tags);
        client_extras(&mut extra_rng, &mut d);
        f.clock.advance(Duration::minutes(rng.below(600) as i64));
        let office = d.office.clone();
        match f.run(f.admin, R::ClientCreate { data: d }) {
            Ok(S::Client(c)) => {
                world.office.insert(c.id, office);
                clients.push(c.id)
            }
            Err(e) if e.code() == "duplicate" || e.code() == "validation" => {}
            other => panic!("{other:?}"),
        }
    }
    let mut contacts = Vec::new();
    for i in 0..size.contacts {
        let mut d = ContactData::new(rng.pick(FIRST).to_string(), rng.pick(LAST).to_string());
        if rng.chance(40) {
            d.company = Some(format!("{} {}", word(rng), rng.pick(&["ltée", "inc.", "S.E.N.C.R.L."])));
        }
        if rng.chance(50) {
            d.emails.push(Email { address: format!("p{i}@exemple.ca"), kind: EmailKind::Work, primary: true });
        }
        if rng.chance(40) {
            d.address = Some(Address { city: Some(rng.pick(CITIES).to_string()), ..Default::default() });
        }
        tags(&mut d.tags);
        contact_extras(&mut extra_rng, &mut d);
        let id = created(f.run(f.admin, R::ContactCreate { data: d }).unwrap(), |r| match r {
            S::Contact(c) => Some(c.id),
            _ => None,
        });
        contacts.push(id);
        if rng.chance(75) {
            for _ in 0..1 + rng.below(2) {
                let client = *rng.pick(&clients);
                let role = *rng.pick(&[ContactRole::Preferred, ContactRole::Billing, ContactRole::Additional]);
                if f.run(f.admin, R::ContactLink { contact_id: id, client_id: client, role, from_role: None }).is_ok() {
                    world.links.push((id, client));
                }
            }
        }
    }
    let start = f.clock.get() - Duration::days(400);
    for i in 0..size.interactions {
        let kind = *rng.pick(&[
            InteractionKind::Note,
            InteractionKind::PhoneCall,
            InteractionKind::PhoneMessage,
            InteractionKind::Email,
        ]);
        let when = start + Duration::minutes(rng.below(60 * 24 * 430) as i64);
        let mut d = InteractionData::note(when, format!("{} {} {i}", word(rng), word(rng)));
        d.kind = kind;
        d.body = format!("{} {}", word(rng), word(rng));
        match rng.below(3) {
            0 => d.client_id = Some(*rng.pick(&clients)),
            1 => d.contact_id = Some(*rng.pick(&contacts)),
            _ => {
                // With both, the contact is one of the client's (the engine
                // refuses another client's contact).
                let (contact, client) = *rng.pick(&world.links);
                d.client_id = Some(client);
                d.contact_id = Some(contact);
            }
        }
        if rng.chance(50) {
            d.staff_id = Some(f.admin);
        }
        if kind == InteractionKind::PhoneCall {
            d.direction = Some(*rng.pick(&[CallDirection::Incoming, CallDirection::Outgoing]));
            if rng.chance(70) {
                d.duration_secs = Some(rng.below(3600) as i64);
            }
            if rng.chance(60) {
                d.custom.insert("dossier".into(), rng.pick(&["Impôts", "Paie", "TPS/TVQ"]).to_string().into());
            }
            if rng.chance(60) {
                d.custom.insert("montant".into(), serde_json::json!((rng.below(100_000) as f64) / 100.0));
            }
            if rng.chance(50) {
                d.custom.insert("rappel".into(), rng.chance(50).into());
            }
            if rng.chance(40) {
                d.custom.insert(
                    "echeance".into(),
                    format!("2026-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)).into(),
                );
            }
            if rng.chance(40) {
                d.custom.insert("memo".into(), word(rng).into());
            }
        }
        // Follow-ups and phone messages' people (from their own generator).
        if assign_rng.chance(40) {
            let due = assign_rng
                .chance(80)
                .then(|| (f.clock.get() + Duration::days(assign_rng.below(40) as i64 - 20)).date_naive());
            let mut follow = FollowUp::new(*assign_rng.pick(&in_charge), due);
            follow.done = assign_rng.chance(30);
            d.follow_up = Some(follow);
        }
        if kind == InteractionKind::PhoneMessage {
            if assign_rng.chance(70) {
                d.taken_for_id = Some(*assign_rng.pick(&in_charge));
            }
            d.message_status =
                Some(*assign_rng.pick(&[MessageStatus::New, MessageStatus::Returned, MessageStatus::Closed]));
        }
        f.run(f.admin, R::InteractionCreate { data: d }).unwrap();
    }
    // Transfers between clients and their contacts.
    let mut n = 0;
    for &client in clients.iter().cycle().take(size.transfer_attempts) {
        let linked = match f.run(f.admin, R::ClientContacts { id: client }).unwrap() {
            S::ClientContacts(v) => v,
            _ => unreachable!(),
        };
        let Some(p) = linked.first() else { continue };
        let t = created(
            f.run(
                f.admin,
                R::TransferCreate {
                    data: NewTransfer {
                        direction: *rng
                            .pick(&[TransferDirection::SentToContact, TransferDirection::RequestedFromContact]),
                        from_staff: f.admin,
                        to_contact: p.contact_id,
                        client_id: client,
                        subject: format!("{} {n}", word(rng)),
                        message: word(rng),
                        signature_required: rng.chance(30),
                        files: vec![],
                    },
                },
            )
            .unwrap(),
            |r| match r {
                S::Transfer(t) => Some(t),
                _ => None,
            },
        );
        if rng.chance(30) {
            let _ = f.run(
                f.admin,
                R::TransferTransition { id: t.id, version: 1, to: TransferStatus::Canceled, files: vec![] },
            );
        }
        f.clock.advance(Duration::days(rng.below(3) as i64));
        n += 1;
    }
    // Some clients go to the trash, with their records.
    for &client in clients.iter().skip(size.trash.start).take(size.trash.len()) {
        let v = match f.run(f.admin, R::ClientGet { id: client }).unwrap() {
            S::Client(c) => c.version,
            _ => unreachable!(),
        };
        f.run(f.admin, R::ClientDelete { id: client, version: v }).unwrap();
        world.trashed.insert(client);
    }
    world.clients = clients.into_iter().filter(|c| !world.trashed.contains(c)).collect();
    world.contacts = contacts;
    world
}

/// Every live record of a list as a reference row, in the list's default
/// order, with its index text.
pub struct Table {
    pub rows: Vec<(Id, MemoryRow, String)>,
    /// For the person fields (`client`, `contact`, `staff`): codes, file-as
    /// names, initials and `me` to filter by instead of ids.
    pub people: HashMap<&'static str, Vec<String>>,
}

pub fn all_pages<T>(f: &Fixture, mk: impl Fn(ListQuery) -> R, items: impl Fn(S) -> (Vec<T>, Option<String>)) -> Vec<T> {
    let mut out = Vec::new();
    let mut cursor = None;
    // Bounded: a cursor that never ends fails the test instead of hanging it.
    for _ in 0..MAX_PAGES {
        let (v, next) =
            items(f.run(f.admin, mk(ListQuery { limit: Some(500), cursor, ..Default::default() })).unwrap());
        out.extend(v);
        match next {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
    panic!("more than {MAX_PAGES} pages of 500: the cursor does not end");
}

/// The most pages any loop over a list may walk.
pub const MAX_PAGES: usize = 100;

pub fn load(f: &Fixture, kind: ListKind, defs: &[CustomFieldDef], world: &World) -> Table {
    let fold = clientele_core::text::fold;
    let rows = match kind {
        ListKind::Clients => {
            let mut v = all_pages(
                f,
                |query| R::ClientList { query },
                |r| match r {
                    S::Clients(p) => (p.items, p.next_cursor),
                    _ => unreachable!(),
                },
            );
            v.sort_by_key(|a| (fold(&a.data.name), a.id));
            v.iter()
                .map(|r| {
                    (
                        r.id,
                        memory::client_row_with(r, defs),
                        memory::client_search_text(&r.data, f.engine.phone_region()),
                    )
                })
                .collect()
        }
        ListKind::Contacts => {
            let mut v = all_pages(
                f,
                |query| R::ContactList { query },
                |r| match r {
                    S::Contacts(p) => (p.items, p.next_cursor),
                    _ => unreachable!(),
                },
            );
            v.sort_by(|a, b| {
                (fold(a.data.file_as.as_deref().unwrap()), a.id).cmp(&(fold(b.data.file_as.as_deref().unwrap()), b.id))
            });
            v.iter()
                .map(|r| {
                    // Linked to a live client, as the seed (and any test
                    // that links later) recorded it.
                    let linked = world.links.iter().any(|(p, c)| *p == r.id && !world.trashed.contains(c));
                    (
                        r.id,
                        memory::contact_row_with(r, linked, defs),
                        memory::contact_search_text(&r.data, f.engine.phone_region()),
                    )
                })
                .collect()
        }
        ListKind::Interactions => {
            let mut v = all_pages(
                f,
                |query| R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query },
                |r| match r {
                    S::Interactions(p) => (p.items, p.next_cursor),
                    _ => unreachable!(),
                },
            );
            v.sort_by_key(|a| std::cmp::Reverse((a.data.occurred_at, a.id)));
            v.iter()
                .map(|r| {
                    (
                        r.id,
                        memory::interaction_row(r, defs),
                        memory::interaction_search_text(&r.data, f.engine.phone_region()),
                    )
                })
                .collect()
        }
        ListKind::Transfers => {
            let mut v = all_pages(
                f,
                |query| R::TransferList { client_id: None, last_30_days: false, open_only: false, query },
                |r| match r {
                    S::Transfers(p) => (p.items, p.next_cursor),
                    _ => unreachable!(),
                },
            );
            v.sort_by_key(|a| std::cmp::Reverse((a.data.sent_at, a.id)));
            v.iter().map(|r| (r.id, memory::transfer_row(r), memory::transfer_search_text(&r.data))).collect()
        }
    };
    let mut people = HashMap::new();
    if matches!(kind, ListKind::Clients | ListKind::Contacts) {
        people.insert("tag", TAG_REFS.map(String::from).to_vec());
    }
    Table { rows, people }
}

pub fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A value for a field, often taken from the data so filters match.
pub fn value(rng: &mut Rng, field: &FieldInfo, table: &Table) -> String {
    let sample = |rng: &mut Rng| -> Option<String> {
        let (_, row, _) = &table.rows[rng.below(table.rows.len().max(1)).min(table.rows.len().saturating_sub(1))];
        match row.get(&field.name)? {
            clientele_filter::FieldValue::Text(t) => Some(t.clone()),
            clientele_filter::FieldValue::Int(i) => Some(i.to_string()),
            clientele_filter::FieldValue::Float(x) => Some(x.to_string()),
            clientele_filter::FieldValue::Date(d) => Some(d.to_string()),
            clientele_filter::FieldValue::DateTime(ms) => {
                Some(chrono::DateTime::from_timestamp_millis(*ms)?.date_naive().to_string())
            }
            _ => None,
        }
    };
    match field.kind.as_str() {
        "text" => {
            let base = if rng.chance(70) { sample(rng).unwrap_or_default() } else { word(rng) };
            let chars: Vec<char> = base.chars().collect();
            let cut = if chars.is_empty() {
                String::new()
            } else {
                let a = rng.below(chars.len());
                let b = a + 1 + rng.below(chars.len() - a);
                chars[a..b].iter().collect()
            };
            quote(if rng.chance(50) { &cut } else { &base })
        }
        "enum" => {
            if rng.chance(10) {
                quote(&word(rng))
            } else {
                {
                    let v: &String = rng.pick(&field.values);
                    quote(v)
                }
            }
        }
        "id" => {
            if let Some(names) = table.people.get(field.name.as_str()).filter(|n| !n.is_empty() && rng.chance(40)) {
                quote(rng.pick::<String>(names))
            } else if rng.chance(15) {
                "007".into()
            } else {
                sample(rng).unwrap_or_else(|| rng.below(500).to_string())
            }
        }
        "number" => {
            if rng.chance(50) {
                sample(rng).unwrap_or_else(|| "12".into())
            } else {
                format!("{}", rng.below(2000) as i64 - 100)
            }
        }
        "bool" => rng.pick(&["oui", "non", "true", "false", "yes", "no"]).to_string(),
        _ => {
            let rel = [
                "today",
                "yesterday",
                "last-7-days",
                "last-30-days",
                "this-month",
                "last-month",
                "this-quarter",
                "last-year",
                "this-year",
                "this-fiscal-year",
                "hier",
                "mois-dernier",
                "2026",
                "2026-03",
            ];
            match rng.below(3) {
                0 => rng.pick(&rel).to_string(),
                1 => sample(rng).unwrap_or_else(|| "2026-01-01".into()),
                _ => {
                    let a = sample(rng).unwrap_or_else(|| "2025-06-01".into());
                    let b = sample(rng).unwrap_or_else(|| "2026-06-01".into());
                    let (a, b) = if a <= b { (a, b) } else { (b, a) };
                    format!("{a}..{b}")
                }
            }
        }
    }
}

pub fn term(rng: &mut Rng, fields: &[FieldInfo], table: &Table, depth: usize) -> String {
    match rng.below(if depth > 2 { 8 } else { 11 }) {
        0 | 1 => {
            // A keyword: a word of the data, a piece of one, or hostile.
            let w = if rng.chance(70) && !table.rows.is_empty() {
                let t = &table.rows[rng.below(table.rows.len())].2;
                let words: Vec<&str> = t.split(' ').filter(|w| !w.is_empty()).collect();
                if words.is_empty() {
                    word(rng)
                } else {
                    let w = rng.pick(&words);
                    w.chars().take(1 + rng.below(w.chars().count())).collect()
                }
            } else {
                word(rng)
            };
            quote(&w)
        }
        2..=7 => {
            let field = rng.pick(fields);
            let v = value(rng, field, table);
            let op = if v.contains("..") { ":".to_string() } else { rng.pick(&field.operators).clone() };
            let name = if rng.chance(30) && !field.aliases.is_empty() {
                rng.pick(&field.aliases).clone()
            } else {
                field.name.clone()
            };
            format!("{name}{op}{v}")
        }
        8 => format!("-{}", term(rng, fields, table, depth + 1)),
        9 => format!("NOT {}", term(rng, fields, table, depth + 1)),
        _ => format!("({} OR {})", term(rng, fields, table, depth + 1), term(rng, fields, table, depth + 1)),
    }
}

/// The request for a page of `kind`'s list, over every record.
pub fn list_request(kind: ListKind, query: ListQuery) -> R {
    match kind {
        ListKind::Clients => R::ClientList { query },
        ListKind::Contacts => R::ContactList { query },
        ListKind::Interactions => R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query },
        ListKind::Transfers => R::TransferList { client_id: None, last_30_days: false, open_only: false, query },
    }
}

/// The request for a page of `list`'s grid, over every record, with
/// `columns` (`None`: the staff member's).
pub fn grid_request(list: ListKind, columns: Option<Vec<String>>, query: ListQuery) -> R {
    R::GridQuery {
        list,
        columns,
        client_id: None,
        contact_id: None,
        last_30_days: false,
        open_only: false,
        query,
        count_limit: None,
    }
}

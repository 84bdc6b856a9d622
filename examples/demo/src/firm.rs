//! A realistic bilingual firm for the demo: names with accents, apostrophes
//! and hyphens, every kind of interaction, transfers in every state.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use clientele_core::domain::*;
use clientele_core::op;
use clientele_core::protocol::Actor;
use clientele_core::time::Clock;
use clientele_core::{Engine, Error};

/// A clock that replays the firm's history, then follows real time.
#[derive(Clone)]
pub struct HistoryClock(Arc<Mutex<Option<DateTime<Utc>>>>);

impl HistoryClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        HistoryClock(Arc::new(Mutex::new(Some(start))))
    }
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = Some(t);
    }
    pub fn catch_up(&self) {
        *self.0.lock().unwrap() = None;
    }
}

impl Clock for HistoryClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().unwrap().unwrap_or_else(Utc::now)
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

pub struct Seeded {
    pub staff: Vec<Id>,
    pub star_client: Id,
}

const FIRST: &[&str] = &[
    "Hélène",
    "Jean-François",
    "Marie-Ève",
    "Zoé",
    "Noémie",
    "Éloïse",
    "François",
    "Anaïs",
    "Réjean",
    "Ginette",
    "Stéphane",
    "Josée",
    "André",
    "Sébastien",
    "Amélie",
];
const LAST: &[&str] = &[
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
    "Pelletier",
    "Bergeron",
    "Lefebvre-Morin",
    "Fournier",
    "Gauthier",
];
const TRADES: &[&str] = &[
    "Boulangerie",
    "Érablière",
    "Quincaillerie",
    "Garage",
    "Clinique dentaire",
    "Ébénisterie",
    "Fromagerie",
    "Pharmacie",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Montréal", "QC", "H2X 1Y4"),
    ("Québec", "QC", "G1R 4P5"),
    ("Trois-Rivières", "QC", "G9A 5H7"),
    ("Lévis", "QC", "G6V 6N4"),
    ("Sherbrooke", "QC", "J1H 1Z1"),
    ("Gatineau", "QC", "J8X 2X2"),
];
const OFFICES: &[&str] = &["Montréal", "Québec", "Trois-Rivières"];

fn email_of(first: &str, last: &str, domain: &str) -> String {
    let clean =
        |s: &str| clientele_core::text::fold(s).chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>();
    format!("{}.{}@{domain}", clean(first), clean(last))
}

pub fn seed(engine: &Engine, clock: &HistoryClock) -> Result<Seeded, Error> {
    let start = clock.now();
    let mut rng = Rng(0x00c1_1e47_e1e5);
    let host = Actor::HOST;

    // Staff and their rights.
    let mut staff = Vec::new();
    for (name, initials, office, rights) in [
        ("Hélène D'Amours", "HDA", "Montréal", Rights::all()),
        ("Jean-François Côté", "JFC", "Québec", Rights::all()),
        ("Marie-Ève Lévesque", "MEL", "Québec", Rights { offices: Some(vec!["Québec".into()]), ..Rights::all() }),
        ("Luc Bergeron", "LB", "Trois-Rivières", Rights::read_only()),
    ] {
        let data = StaffData {
            name: name.into(),
            initials: initials.into(),
            email: Some(email_of(name, "", "cabinet-damours.ca").replace(".@", "@")),
            office: Some(office.into()),
            active: true,
            rights,
        };
        staff.push(engine.run(host, op::StaffPut { id: None, version: None, staff: data.into() })?.id);
    }
    // Typed calls: each answers its op's own type (`clientele_core::op`).
    let me = Actor::Staff(staff[0]);

    // The firm's own fields.
    for (kind, key, fr, en, ty, choices) in [
        (
            InteractionKind::PhoneCall,
            "dossier",
            "Dossier",
            "File",
            CustomFieldType::Choice,
            vec!["Impôts", "Paie", "TPS/TVQ", "États financiers"],
        ),
        (InteractionKind::Note, "heures", "Heures facturables", "Billable hours", CustomFieldType::Number, vec![]),
        (InteractionKind::Email, "suivi", "Suivi requis", "Follow-up needed", CustomFieldType::YesNo, vec![]),
    ] {
        engine.run(
            host,
            op::CustomFieldPut {
                field: CustomFieldDef {
                    record: CustomRecord::Interaction,
                    kind: Some(kind),
                    key: key.into(),
                    label_fr: fr.into(),
                    label_en: en.into(),
                    field_type: ty,
                    choices: choices.into_iter().map(String::from).collect(),
                    required: false,
                },
            },
        )?;
    }

    // Fifty clients.
    let mut clients = Vec::new();
    for i in 0..50 {
        let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
        let (city, province, postal) = *rng.pick(CITIES);
        let (kind, name) = match i % 5 {
            0..=2 => (ClientKind::Individual, format!("{last}, {first}")),
            3 => (ClientKind::Business, format!("{} {last} inc.", rng.pick(TRADES))),
            _ => (ClientKind::Trust, format!("Fiducie familiale {last}")),
        };
        let code_base: String = clientele_core::text::fold(last)
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .take(4)
            .collect::<String>()
            .to_uppercase();
        let mut d = ClientData::new(format!("{code_base}-{i:02}"), name);
        d.kind = kind;
        d.status = match i % 9 {
            0 => ClientStatus::Prospect,
            5 => ClientStatus::Inactive,
            _ => ClientStatus::Active,
        };
        d.office = Some(rng.pick(OFFICES).to_string());
        d.address = Some(Address {
            line1: Some(format!(
                "{} rue {}",
                10 + rng.below(990),
                rng.pick(&["Saint-Denis", "des Érables", "de l'Église", "Principale"])
            )),
            line2: None,
            city: Some(city.into()),
            province: Some(province.into()),
            postal_code: Some(postal.into()),
            country: Some("Canada".into()),
        });
        d.phones.push(Phone {
            kind: PhoneKind::Business,
            number: format!("({}) 555-{:04}", rng.pick(&["514", "418", "819", "450"]), rng.below(10_000)),
            primary: true,
            digits: String::new(),
        });
        d.emails.push(Email { address: email_of(first, last, "exemple.ca"), kind: EmailKind::Work, primary: true });
        d.retention.won_date = chrono::NaiveDate::from_ymd_opt(
            2015 + rng.below(11) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        );
        d.retention.referral_type = Some(rng.pick(&["Client existant", "Site Web", "Chambre de commerce"]).to_string());
        if d.status == ClientStatus::Inactive {
            d.retention.lost_to = Some("Autre cabinet".into());
            d.retention.lost_reason = Some("Déménagement".into());
        }
        clients.push(engine.run(me, op::ClientCreate { data: d })?.id);
    }

    // Contacts: one to three per client, some shared, some standalone.
    let mut contacts_of: Vec<Vec<Id>> = vec![Vec::new(); clients.len()];
    let mut standalone = Vec::new();
    for i in 0..90 {
        let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
        let mut d = ContactData::new(first, last);
        d.title = Some(rng.pick(&["Présidente", "Contrôleur", "Adjointe administrative", "Propriétaire"]).to_string());
        d.phones.push(Phone {
            kind: PhoneKind::Mobile,
            number: format!("{} 555-{:04}", rng.pick(&["514", "418", "819", "450"]), rng.below(10_000)),
            primary: true,
            digits: String::new(),
        });
        d.phones.push(Phone {
            kind: PhoneKind::Business,
            number: format!("1-800-555-{:04} poste {}", rng.below(10_000), rng.below(99)),
            primary: false,
            digits: String::new(),
        });
        d.emails.push(Email { address: email_of(first, last, "courriel.qc.ca"), kind: EmailKind::Work, primary: true });
        let id = engine.run(me, op::ContactCreate { data: d })?.id;
        if i >= 80 {
            standalone.push(id);
            continue;
        }
        let c = i % clients.len();
        let role = if contacts_of[c].is_empty() {
            ContactRole::Primary
        } else {
            *rng.pick(&[ContactRole::Billing, ContactRole::Preferred, ContactRole::Additional])
        };
        engine.run(me, op::ContactLink { contact_id: id, client_id: clients[c], role, from_role: None })?;
        contacts_of[c].push(id);
        if i % 7 == 0 {
            let other = (c + 13) % clients.len();
            engine.run(
                me,
                op::ContactLink {
                    contact_id: id,
                    client_id: clients[other],
                    role: ContactRole::Additional,
                    from_role: None,
                },
            )?;
            contacts_of[other].push(id);
        }
    }

    // 120 days of history: interactions of every kind, transfers in every state.
    let subjects_call = [
        "Question sur l'avis de cotisation",
        "Relevés T4 manquants",
        "Acomptes provisionnels",
        "Rendez-vous pour la déclaration",
    ];
    let subjects_note = [
        "Rencontre annuelle",
        "Documents reçus au bureau",
        "Planification successorale",
        "Révision des états financiers",
    ];
    let subjects_mail =
        ["Envoi des feuillets", "Confirmation de mandat", "Rappel : documents fiscaux", "Facture d'honoraires"];
    let mut open_transfers: Vec<(Id, i64, bool)> = Vec::new();
    for day in 0..120 {
        let today = start + Duration::days(day) + Duration::hours(13);
        for n in 0..(2 + rng.below(3)) {
            let when = today + Duration::minutes(17 * n as i64);
            clock.set(when);
            let ci = rng.below(clients.len());
            let contact = contacts_of[ci].first().copied();
            let kind = *rng.pick(&[
                InteractionKind::Note,
                InteractionKind::PhoneCall,
                InteractionKind::PhoneMessage,
                InteractionKind::Email,
            ]);
            let subject = match kind {
                InteractionKind::PhoneCall | InteractionKind::PhoneMessage => *rng.pick(&subjects_call),
                InteractionKind::Email => *rng.pick(&subjects_mail),
                _ => *rng.pick(&subjects_note),
            };
            let mut d = InteractionData::note(when, subject);
            d.kind = kind;
            d.client_id = Some(clients[ci]);
            d.contact_id = contact;
            d.staff_id = Some(*rng.pick(&staff));
            match kind {
                InteractionKind::PhoneCall => {
                    d.direction = Some(*rng.pick(&[CallDirection::Incoming, CallDirection::Outgoing]));
                    d.duration_secs = Some(60 + rng.below(1500) as i64);
                    d.phone = Some("514 555-0199".into());
                    d.custom.insert(
                        "dossier".into(),
                        rng.pick(&["Impôts", "Paie", "TPS/TVQ", "États financiers"]).to_string().into(),
                    );
                    d.body = "Le client souhaite devancer sa rencontre.".into();
                }
                InteractionKind::PhoneMessage => {
                    d.phone = Some("418 555-2020".into());
                    d.taken_for = Some("Jean-François Côté".into());
                    d.body = "Rappeler avant 16 h, s'il vous plaît.".into();
                }
                InteractionKind::Email => {
                    d.email_from = Some("helene.damours@cabinet-damours.ca".into());
                    d.email_to = vec!["client@exemple.ca".into()];
                    d.custom.insert("suivi".into(), (rng.below(2) == 0).into());
                    d.body = "Bonjour, vous trouverez ci-joint les documents demandés.".into();
                }
                _ => {
                    d.custom.insert("heures".into(), serde_json::json!(0.25 * (1 + rng.below(8)) as f64));
                    d.body = "Discussion des acomptes provisionnels et du REÉR.".into();
                }
            }
            engine.run(me, op::InteractionCreate { data: d })?;
        }
        if day % 4 == 0 {
            clock.set(today + Duration::hours(2));
            let ci = rng.below(clients.len());
            if let Some(&to) = contacts_of[ci].first() {
                let sent = rng.below(2) == 0;
                let t = engine.run(
                    me,
                    op::TransferCreate {
                        data: NewTransfer {
                            direction: if sent {
                                TransferDirection::SentToContact
                            } else {
                                TransferDirection::RequestedFromContact
                            },
                            from_staff: *rng.pick(&staff[..2]),
                            to_contact: to,
                            client_id: clients[ci],
                            subject: if sent {
                                "États financiers 2025".into()
                            } else {
                                "Feuillets T4 et relevés 1".into()
                            },
                            message: "Bonjour, merci de consulter le portail.".into(),
                            signature_required: sent,
                            files: if sent {
                                vec![NewFile { name: "États financiers 2025.pdf".into(), size: 482_113 }]
                            } else {
                                vec![]
                            },
                        },
                    },
                )?;
                open_transfers.push((t.id, t.version, sent));
            }
        }
        // Some transfers move on a few days later.
        if day % 6 == 3 && !open_transfers.is_empty() {
            clock.set(today + Duration::hours(3));
            let (id, version, sent) = open_transfers.remove(rng.below(open_transfers.len()));
            let r = if !sent && rng.below(2) == 0 {
                engine.run(
                    me,
                    op::TransferTransition {
                        id,
                        version,
                        to: TransferStatus::ReadyForDownload,
                        files: vec![NewFile { name: "T4-2025.pdf".into(), size: 88_000 }],
                    },
                )
            } else if rng.below(4) == 0 {
                engine.run(me, op::TransferTransition { id, version, to: TransferStatus::Canceled, files: vec![] })
            } else if sent {
                engine.run(me, op::TransferTransition { id, version, to: TransferStatus::Complete, files: vec![] })
            } else {
                continue;
            };
            match r {
                Ok(_) => {}
                // It expired meanwhile: that is a state too.
                Err(Error::InvalidTransition { .. }) | Err(Error::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let star = clients[3];
    // A standalone contact exists too; one client was deleted (in the trash).
    let _ = standalone;
    let gone = clients[49];
    engine.run(me, op::ClientDelete { id: gone, version: 1 })?;
    Ok(Seeded { staff, star_client: star })
}

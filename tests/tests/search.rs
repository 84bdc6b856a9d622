//! Search that finds people the way they are typed: phone numbers in any
//! format, and clients through the people behind them. Each test on both
//! backends.

use std::collections::BTreeSet;

use clientele_core::domain::*;
use clientele_core::protocol::{Actor, ListQuery, Request as R, Response as S};
use clientele_core::{Engine, EngineConfig};
use clientele_tests::{Fixture, backend_tests};

fn phone(number: &str) -> Phone {
    Phone { kind: PhoneKind::Business, number: number.into(), primary: true, digits: String::new() }
}

fn search(text: &str) -> ListQuery {
    ListQuery { search: Some(text.into()), limit: Some(500), ..Default::default() }
}

/// What a stored or typed number denotes: the full international digits,
/// or (a 7-digit number) only the local number; and the extension.
#[derive(Debug, Clone, Copy)]
struct Denotes {
    full: Option<&'static str>,
    local: &'static str,
    ext: Option<&'static str>,
}

const fn full(n: &'static str, local: &'static str, ext: Option<&'static str>) -> Denotes {
    Denotes { full: Some(n), local, ext }
}

const STORED: &[(&str, Denotes)] = &[
    ("+1 (610) 885-7034", full("16108857034", "8857034", None)),
    ("1-466-361-6607", full("14663616607", "3616607", None)),
    ("001 514 555 0199", full("15145550199", "5550199", None)),
    ("514.555.0199", full("15145550199", "5550199", None)),
    ("(514) 555-0199 x095", full("15145550199", "5550199", Some("095"))),
    ("514-555-0199 poste 12", full("15145550199", "5550199", Some("12"))),
    ("5145550199 ext. 3", full("15145550199", "5550199", Some("3"))),
    ("555-0199", Denotes { full: None, local: "5550199", ext: None }),
    ("+33 1 23 45 67 89", full("33123456789", "", None)),
    // Different numbers: one digit off, and one whose digits start with
    // 555-0199 (a prefix match would find it).
    ("514-555-0198", full("15145550198", "5550198", None)),
    ("(555) 019-9123", full("15550199123", "0199123", None)),
];

const QUERIES: &[(&str, Denotes)] = &[
    ("514-555-0199", full("15145550199", "5550199", None)),
    ("(514) 555 0199", full("15145550199", "5550199", None)),
    ("+1 514 555 0199", full("15145550199", "5550199", None)),
    ("15145550199", full("15145550199", "5550199", None)),
    ("001 514 555 0199", full("15145550199", "5550199", None)),
    ("514.555.0199", full("15145550199", "5550199", None)),
    ("555-0199", Denotes { full: None, local: "5550199", ext: None }),
    ("5550199", Denotes { full: None, local: "5550199", ext: None }),
    ("(514) 555-0199 x095", full("15145550199", "5550199", Some("095"))),
    ("514 555 0199 poste 12", full("15145550199", "5550199", Some("12"))),
    ("+1 514-555-0199 ext. 3", full("15145550199", "5550199", Some("3"))),
    ("555-0199 x095", Denotes { full: None, local: "5550199", ext: Some("095") }),
    ("610 885 7034", full("16108857034", "8857034", None)),
    ("+1 610-885-7034", full("16108857034", "8857034", None)),
    ("885-7034", Denotes { full: None, local: "8857034", ext: None }),
    ("1 466 361 6607", full("14663616607", "3616607", None)),
    ("466-361-6607", full("14663616607", "3616607", None)),
    ("361 6607", Denotes { full: None, local: "3616607", ext: None }),
    ("+33 1 23 45 67 89", full("33123456789", "", None)),
    ("0033 1 23 45 67 89", full("33123456789", "", None)),
    ("01 23 45 67 89", full("33123456789", "", None)),
    ("514-555-0197", full("15145550197", "5550197", None)),
];

/// The rule of `docs/filters.md`: a full number finds the same full
/// number; a 7-digit number finds every number with that local number; an
/// extension in the query must be the stored one.
fn same(stored: Denotes, query: Denotes) -> bool {
    let number = match query.full {
        Some(n) => stored.full == Some(n),
        None => stored.local == query.local,
    };
    number && (query.ext.is_none() || query.ext == stored.ext)
}

fn found(f: &Fixture, engine: &Engine, list: &str, text: &str) -> BTreeSet<String> {
    let query = search(text);
    let r = match list {
        "clients" => R::ClientList { query },
        "contacts" => R::ContactList { query },
        _ => R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query },
    };
    match engine.execute(Actor::Staff(f.admin), r).unwrap() {
        S::Clients(p) => p.items.into_iter().map(|c| c.data.name).collect(),
        S::Contacts(p) => p.items.into_iter().map(|c| c.data.last_name).collect(),
        S::Interactions(p) => p.items.into_iter().map(|i| i.data.subject).collect(),
        o => panic!("{o:?}"),
    }
}

/// One client, one contact and one phone call per stored number, named by
/// letter (`Numéro A`).
fn seed_phones(f: &Fixture) {
    for (i, (number, _)) in STORED.iter().enumerate() {
        let tag = (b'A' + i as u8) as char;
        let mut c = ClientData::new(format!("TEL-{tag}"), format!("Numéro {tag}"));
        c.phones.push(phone(number));
        let client = match f.run(f.admin, R::ClientCreate { data: c }).unwrap() {
            S::Client(c) => c,
            o => panic!("{o:?}"),
        };
        assert_eq!(client.data.phones[0].number, *number, "the number as typed is kept");
        let mut p = ContactData::new("Hélène", format!("Numéro {tag}"));
        p.phones.push(phone(number));
        f.run(f.admin, R::ContactCreate { data: p }).unwrap();
        let mut call = InteractionData::note(f.clock.get(), format!("Numéro {tag}"));
        call.kind = InteractionKind::PhoneCall;
        call.client_id = Some(client.id);
        call.phone = Some(number.to_string());
        f.run(f.admin, R::InteractionCreate { data: call }).unwrap();
    }
}

fn check_matrix(f: &Fixture, engine: &Engine) {
    let mut pairs = 0;
    let mut wrong = Vec::new();
    for (query, q) in QUERIES {
        let want: BTreeSet<String> = STORED
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| same(*s, *q))
            .map(|(i, _)| format!("Numéro {}", (b'A' + i as u8) as char))
            .collect();
        for list in ["clients", "contacts", "interactions"] {
            let got = found(f, engine, list, query);
            pairs += STORED.len();
            if got != want {
                wrong.push(format!("{list} {query:?}: found {got:?}, want {want:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {pairs} pairs wrong:\n{}", wrong.len(), wrong.join("\n"));
}

fn phones_are_found_in_every_format(f: &Fixture) {
    seed_phones(f);
    check_matrix(f, &f.engine);
}

/// A database whose keyword text predates phone keys is reindexed at open.
fn existing_rows_are_reindexed_at_open(f: &Fixture) {
    seed_phones(f);
    // The text the engine wrote before phone keys: words and all digits.
    let old = |n: &str| {
        let words = clientele_core::text::search_words(n).join(" ");
        format!("{words} {}", clientele_core::text::digits(n))
    };
    let mut sql = String::from("DELETE FROM search_index;");
    for (i, (number, _)) in STORED.iter().enumerate() {
        let tag = (b'A' + i as u8) as char;
        let n = number.replace('\'', "''");
        sql.push_str(&format!(
            "UPDATE clients SET search_text = 'tel {t} tel{t} numero {t} {o}' WHERE code = 'TEL-{tag}';
             UPDATE contacts SET search_text = 'helene numero {t} {o}' WHERE last_name = 'Numéro {tag}';
             UPDATE interactions SET search_text = 'numero {t} {o}' WHERE subject = 'Numéro {tag}';",
            t = tag.to_ascii_lowercase(),
            o = old(&n),
        ));
    }
    f.place.raw_sql(&sql);
    // The old text does not find "+1 514 555 0199" stored as "514.555.0199".
    assert!(!found(f, &f.engine, "clients", "+1 514 555 0199").contains("Numéro D"));
    let reopened = Engine::open(EngineConfig::new(f.place.url())).unwrap();
    check_matrix(f, &reopened);
    // The rest of the index is intact (names, through the rebuilt FTS).
    assert_eq!(found(f, &reopened, "clients", "numéro c").len(), 1);
    assert_eq!(found(f, &reopened, "contacts", "hélène").len(), STORED.len());
}

fn phone_region_is_configured_and_checked(f: &Fixture) {
    let mut bad = EngineConfig::new(f.place.url());
    bad.phone_region = "ZZ".into();
    match Engine::open(bad) {
        Err(clientele_core::Error::Setting { field, message }) => {
            assert_eq!(field, "phone_region");
            assert!(message.contains("ZZ"), "{message}");
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("an unknown region opens"),
    }
    // A French firm: "01 23 45 67 89" is +33 1 23 45 67 89.
    let mut fr = EngineConfig::new(f.place.url());
    fr.phone_region = "FR".into();
    let engine = Engine::open(fr).unwrap();
    let mut c = ClientData::new("PARIS-01", "Cabinet Lefèvre");
    c.phones.push(phone("01 23 45 67 89"));
    engine.execute(Actor::Staff(f.admin), R::ClientCreate { data: c }).unwrap();
    for q in ["+33 1 23 45 67 89", "0033123456789", "01 23 45 67 89"] {
        assert_eq!(found(f, &engine, "clients", q), BTreeSet::from(["Cabinet Lefèvre".to_string()]), "{q}");
    }
}

fn mk_client(f: &Fixture, code: &str, name: &str, office: &str) -> Record<ClientData> {
    let mut d = ClientData::new(code, name);
    d.office = Some(office.into());
    match f.run(f.admin, R::ClientCreate { data: d }).unwrap() {
        S::Client(c) => c,
        o => panic!("{o:?}"),
    }
}

fn mk_contact(f: &Fixture, first: &str, last: &str, email: &str, number: &str, links: &[Id]) -> Record<ContactData> {
    let mut d = ContactData::new(first, last);
    d.emails.push(Email { address: email.into(), kind: EmailKind::Work, primary: true });
    d.phones.push(phone(number));
    let c = match f.run(f.admin, R::ContactCreate { data: d }).unwrap() {
        S::Contact(c) => c,
        o => panic!("{o:?}"),
    };
    for client in links {
        let link =
            R::ContactLink { contact_id: c.id, client_id: *client, role: ContactRole::Additional, from_role: None };
        f.run(f.admin, link).unwrap();
    }
    c
}

/// (name, matched_via) of a client search, in rank order.
fn clients_found(f: &Fixture, actor: Id, text: &str) -> Vec<(String, Option<MatchedVia>)> {
    match f.run(actor, R::ClientList { query: search(text) }).unwrap() {
        S::Clients(p) => p.items.into_iter().map(|c| (c.data.name, c.matched_via)).collect(),
        o => panic!("{o:?}"),
    }
}

fn contacts_found(f: &Fixture, actor: Id, text: &str) -> Vec<(String, Option<MatchedVia>)> {
    match f.run(actor, R::ContactList { query: search(text) }).unwrap() {
        S::Contacts(p) => p.items.into_iter().map(|c| (c.data.file_as.unwrap(), c.matched_via)).collect(),
        o => panic!("{o:?}"),
    }
}

fn clients_are_found_through_their_contacts(f: &Fixture) {
    let pell = mk_client(f, "PELL-03", "Pelletier et associés", "Montréal");
    mk_client(f, "COTE-01", "Côté", "Montréal");
    mk_client(f, "CONS-07", "Construction Côté-Nord", "Montréal");
    mk_client(f, "GAGN-02", "Gagnon", "Montréal");
    let helene = mk_contact(f, "Hélène", "Côté", "h.cote@exemple.ca", "819-555-0142", &[pell.id]);
    let own = Some(MatchedVia::Own);
    let via_helene = Some(MatchedVia::Contact { id: helene.id, name: "Côté, Hélène".into() });
    // The exact name first (rank 0), then the client's own word (rank 2),
    // then the match through a contact (rank 3).
    assert_eq!(
        clients_found(f, f.admin, "côté"),
        vec![
            ("Côté".to_string(), own.clone()),
            ("Construction Côté-Nord".to_string(), own.clone()),
            (pell.data.name.clone(), via_helene.clone()),
        ]
    );
    // The contact's e-mail and phone, in any format.
    for q in ["h.cote@exemple.ca", "exemple", "(819) 555-0142", "+1 819 555 0142", "5550142"] {
        assert_eq!(clients_found(f, f.admin, q), vec![(pell.data.name.clone(), via_helene.clone())], "{q}");
    }
    // Every word must match one record: both through Hélène…
    assert_eq!(clients_found(f, f.admin, "hélène côté"), vec![(pell.data.name.clone(), via_helene.clone())]);
    // …not one word in the client and another in its contact.
    assert_eq!(clients_found(f, f.admin, "pelletier hélène"), vec![]);
    // No search, no matched_via.
    match f.run(f.admin, R::ClientList { query: ListQuery::default() }).unwrap() {
        S::Clients(p) => assert!(p.items.iter().all(|c| c.matched_via.is_none())),
        o => panic!("{o:?}"),
    }
    // The grid says it too, and the JSON names the kind.
    let json = f
        .engine
        .execute_json(&format!(
            r#"{{"actor":{},"op":"grid.query","list":"clients","columns":["code"],"search":"hélène"}}"#,
            f.admin
        ))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["rows"][0]["matched_via"],
        serde_json::json!({"kind": "contact", "id": helene.id, "name": "Côté, Hélène"}),
        "{json}"
    );
    // A contact in the trash no longer counts.
    f.run(f.admin, R::ContactDelete { id: helene.id, version: helene.version }).unwrap();
    assert_eq!(clients_found(f, f.admin, "hélène"), vec![]);
    assert_eq!(clients_found(f, f.admin, "côté").len(), 2);
}

fn contacts_are_found_through_their_clients(f: &Fixture) {
    let qc = mk_client(f, "QC-01", "Boulangerie D'Amours", "Québec");
    let mtl = mk_client(f, "MTL-09", "Jean-François Tremblay", "Montréal");
    mk_contact(f, "Ginette", "Roy", "g.roy@exemple.ca", "418 555 0101", &[qc.id, mtl.id]);
    mk_contact(f, "André", "Morin", "a.morin@exemple.ca", "418 555 0102", &[]);
    let via = |c: &Record<ClientData>| {
        Some(MatchedVia::Client { id: c.id, code: c.data.code.clone(), name: c.data.name.clone() })
    };
    let ginette = |why| vec![("Roy, Ginette".to_string(), why)];
    assert_eq!(contacts_found(f, f.admin, "qc-01"), ginette(via(&qc)));
    assert_eq!(contacts_found(f, f.admin, "damours"), ginette(via(&qc)));
    assert_eq!(contacts_found(f, f.admin, "jean-françois"), ginette(via(&mtl)));
    assert_eq!(contacts_found(f, f.admin, "ginette"), ginette(Some(MatchedVia::Own)));
    // A staff member of Québec sees Ginette (through the Québec client),
    // but a search must not reveal her link to a Montréal client.
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Québec".into()]);
    let quebec = f.staff("Luc Québec", rights);
    assert_eq!(contacts_found(f, quebec, "qc-01"), ginette(via(&qc)));
    assert_eq!(contacts_found(f, quebec, "tremblay"), vec![]);
    assert_eq!(contacts_found(f, quebec, "mtl-09"), vec![]);
    // A client in the trash no longer counts.
    f.run(f.admin, R::ClientDelete { id: qc.id, version: qc.version }).unwrap();
    assert_eq!(contacts_found(f, f.admin, "qc-01"), vec![]);
    assert_eq!(contacts_found(f, f.admin, "tremblay"), ginette(via(&mtl)));
}

/// Random firms and searches: the client and contact lists answer exactly
/// the reference (`memory::search_match` over the records, the ranking of
/// `query` module docs), in order, with the same `matched_via`.
fn linked_search_agrees_with_the_reference(f: &Fixture) {
    use clientele_core::query::memory;
    use clientele_core::text::fold;
    let mut rng = clientele_tests::Rng(0x0005_eac4_2026);
    let last = ["Côté", "Tremblay", "D'Amours", "Gagnon-Roy", "Lévesque", "Roy"];
    let first = ["Hélène", "Jean-François", "Zoé", "André", "Côté"];
    let suffix = ["inc.", "et fils", "CPA", "", "Construction"];
    let formats = ["(514) 555-01{}", "514.555.01{} poste 2", "+1 514 555 01{}", "555-01{}"];
    let region = f.engine.phone_region();
    let mut clients: Vec<Record<ClientData>> = Vec::new();
    for i in 0..24 {
        let name = format!("{} {}", rng.pick(&last), rng.pick(&suffix)).trim().to_string();
        let mut d = ClientData::new(format!("CL-{i:02}"), name);
        if rng.chance(40) {
            d.phones.push(phone(&rng.pick(&formats).replace("{}", &format!("{:02}", rng.below(20)))));
        }
        clients.push(match f.run(f.admin, R::ClientCreate { data: d }).unwrap() {
            S::Client(c) => c,
            o => panic!("{o:?}"),
        });
    }
    let mut contacts: Vec<(Record<ContactData>, Vec<usize>)> = Vec::new();
    for _ in 0..30 {
        let mut d = ContactData::new(*rng.pick(&first), *rng.pick(&last));
        if rng.chance(60) {
            d.phones.push(phone(&rng.pick(&formats).replace("{}", &format!("{:02}", rng.below(20)))));
        }
        let c = match f.run(f.admin, R::ContactCreate { data: d }).unwrap() {
            S::Contact(c) => c,
            o => panic!("{o:?}"),
        };
        let mut links: Vec<usize> = Vec::new();
        for _ in 0..rng.below(3) {
            let k = rng.below(clients.len());
            if !links.contains(&k) {
                links.push(k);
                let link = R::ContactLink {
                    contact_id: c.id,
                    client_id: clients[k].id,
                    role: ContactRole::Additional,
                    from_role: None,
                };
                f.run(f.admin, link).unwrap();
            }
        }
        contacts.push((c, links));
    }
    let kind = |m: &MatchedVia| match m {
        MatchedVia::Own => "own".to_string(),
        MatchedVia::Contact { id, .. } => format!("contact {id}"),
        MatchedVia::Client { id, .. } => format!("client {id}"),
    };
    let mut searches: Vec<String> = Vec::new();
    for _ in 0..40 {
        searches.push(match rng.below(7) {
            0 => rng.pick(&last).to_string(),
            1 => rng.pick(&first).to_string(),
            2 => format!("{} {}", rng.pick(&first), rng.pick(&last)),
            3 => format!("cl-{:02}", rng.below(24)),
            4 => clients[rng.below(clients.len())].data.name.clone(),
            5 => format!("514 555 01{:02}", rng.below(20)),
            _ => fold(&rng.pick(&last)[..3]),
        });
    }
    let mut nonempty = 0;
    for text in &searches {
        let keywords = memory::search_keywords(text);
        let q = fold(text.trim());
        // Clients.
        let mut want: Vec<(u8, String, Id, String)> = Vec::new();
        for (k, c) in clients.iter().enumerate() {
            let linked: Vec<(MatchedVia, String)> = {
                let mut v: Vec<&Record<ContactData>> =
                    contacts.iter().filter(|(_, l)| l.contains(&k)).map(|(p, _)| p).collect();
                v.sort_by_key(|p| (fold(p.data.file_as.as_deref().unwrap()), p.id));
                v.iter()
                    .map(|p| {
                        let why = MatchedVia::Contact { id: p.id, name: p.data.file_as.clone().unwrap() };
                        (why, memory::contact_search_text(&p.data, region))
                    })
                    .collect()
            };
            let own = memory::client_search_text(&c.data, region);
            let Some(why) = memory::search_match(&own, &linked, &keywords) else { continue };
            let (code, name) = (fold(c.data.code.trim()), fold(&c.data.name));
            let rank = if code == q || name == q {
                0
            } else if code.starts_with(&q) || name.starts_with(&q) {
                1
            } else if why == MatchedVia::Own {
                2
            } else {
                3
            };
            want.push((rank, name, c.id, kind(&why)));
        }
        want.sort();
        let want: Vec<(Id, String)> = want.into_iter().map(|(_, _, id, k)| (id, k)).collect();
        let got: Vec<(Id, String)> = match f.run(f.admin, R::ClientList { query: search(text) }).unwrap() {
            S::Clients(p) => p.items.iter().map(|c| (c.id, kind(c.matched_via.as_ref().unwrap()))).collect(),
            o => panic!("{o:?}"),
        };
        assert_eq!(got, want, "clients, search {text:?}");
        nonempty += usize::from(!got.is_empty());
        // Contacts.
        let mut want: Vec<(u8, String, Id, String)> = Vec::new();
        for (p, links) in &contacts {
            let mut v: Vec<&Record<ClientData>> = links.iter().map(|k| &clients[*k]).collect();
            v.sort_by_key(|c| (fold(c.data.code.trim()), c.id));
            let linked: Vec<(MatchedVia, String)> = v
                .iter()
                .map(|c| {
                    let why = MatchedVia::Client { id: c.id, code: c.data.code.clone(), name: c.data.name.clone() };
                    (why, memory::client_search_text(&c.data, region))
                })
                .collect();
            let own = memory::contact_search_text(&p.data, region);
            let Some(why) = memory::search_match(&own, &linked, &keywords) else { continue };
            let name = fold(p.data.file_as.as_deref().unwrap());
            let rank = if name == q {
                0
            } else if name.starts_with(&q) {
                1
            } else if why == MatchedVia::Own {
                2
            } else {
                3
            };
            want.push((rank, name, p.id, kind(&why)));
        }
        want.sort();
        let want: Vec<(Id, String)> = want.into_iter().map(|(_, _, id, k)| (id, k)).collect();
        let got: Vec<(Id, String)> = match f.run(f.admin, R::ContactList { query: search(text) }).unwrap() {
            S::Contacts(p) => p.items.iter().map(|c| (c.id, kind(c.matched_via.as_ref().unwrap()))).collect(),
            o => panic!("{o:?}"),
        };
        assert_eq!(got, want, "contacts, search {text:?}");
    }
    assert!(nonempty >= 20, "only {nonempty} of {} searches found clients", searches.len());
}

/// Searches of the interactions list take one of three shapes (walk the
/// list, drive by the rarest keyword, or every keyword through the index;
/// `query/search.rs`) depending on how common the keywords are. Whatever
/// the shape, every page answers the reference's rows in the list's order.
fn interaction_search_shapes_agree_with_the_reference(f: &Fixture) {
    use clientele_core::query::memory::{interaction_search_text, keyword_matches, search_keywords};
    let start = f.clock.get();
    let client = mk_client(f, "SHAPE", "Forme, Inc.", "Montréal").id;
    let mut all = Vec::new();
    for i in 0..60 {
        let subject = if i % 7 == 0 { format!("Succession, dossier {i}") } else { format!("Suivi du dossier {i}") };
        let mut data = InteractionData::note(start - chrono::Duration::minutes(i), subject);
        data.body = if i % 2 == 0 { "Relance T4".into() } else { "Relevé 1".into() };
        data.client_id = Some(client);
        let S::Interaction(r) = f.run(f.admin, R::InteractionCreate { data }).unwrap() else { panic!() };
        all.push(r);
    }
    // Newest first, ties by id descending: the list's default order.
    all.sort_by(|a, b| b.data.occurred_at.cmp(&a.data.occurred_at).then(b.id.cmp(&a.id)));
    let region = f.engine.phone_region();
    for text in [
        "dossier",
        "dossier 7",
        "succession",
        "succession 14",
        "rel",
        "t4 relance",
        "relev 1",
        "dos 3",
        "xyzzy",
        // One keyword of several words: a rare one drives through the index
        // by its longest word, every word then checked on the rows.
        "succession-dossier-14",
        "relance-t4",
    ] {
        let keywords = search_keywords(text);
        let want: Vec<Id> = all
            .iter()
            .filter(|r| {
                let t = interaction_search_text(&r.data, region);
                keywords.iter().all(|k| keyword_matches(&t, k))
            })
            .map(|r| r.id)
            .collect();
        // Page by page (7 rows), so the keyset conditions meet every shape.
        let mut got = Vec::new();
        let mut cursor = None;
        loop {
            let query = ListQuery { search: Some(text.into()), limit: Some(7), cursor, ..Default::default() };
            let request = R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query };
            let S::Interactions(p) = f.run(f.admin, request).unwrap() else { panic!() };
            got.extend(p.items.iter().map(|r| r.id));
            cursor = p.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        assert_eq!(got, want, "search {text:?}");
    }
}

/// A ranked search of clients or contacts is read rank by rank, each rank
/// through the name index (common keywords: the sample of the first rows
/// in name order finds them) or the keyword index (rare ones), cut at the
/// page. Whatever the shapes, paging by 4 answers every rank in order —
/// exact name, prefix, own text, then linked records by name and id — and
/// says why each row matched.
fn ranked_search_tiers_agree_with_the_reference(f: &Fixture) {
    let exact = mk_client(f, "OU-1", "Ouellet", "Montréal");
    let prefix = mk_client(f, "OU-2", "Ouellet Frères", "Montréal");
    let own = mk_client(f, "MA-1", "Maison Ouellet", "Montréal");
    let mut zeta = Vec::new();
    let mut marcs = Vec::new();
    // Fourteen clients found only through a contact named Ouellet: enough
    // in the sample for the linked rank to walk the name index.
    for i in 1..=14 {
        let c = mk_client(f, &format!("ZT-{i:02}"), &format!("Zeta {i:02}"), "Montréal");
        let who = mk_contact(f, "Marc", "Ouellet", &format!("marc{i}@courriel.ca"), "514-555-0100", &[c.id]);
        zeta.push(c);
        marcs.push(who);
    }
    // One client found through a rare contact: the keyword index.
    let rare = mk_client(f, "AB-1", "Abricot", "Montréal");
    let xylo = mk_contact(f, "Xavier", "Xylophone", "xx@courriel.ca", "514-555-0101", &[rare.id]);
    let pages = |request: &dyn Fn(Option<String>) -> R| {
        let mut got = Vec::new();
        let mut cursor = None;
        loop {
            let (items, next) = match f.run(f.admin, request(cursor)).unwrap() {
                S::Clients(p) => {
                    (p.items.into_iter().map(|c| (c.id, c.matched_via)).collect::<Vec<_>>(), p.next_cursor)
                }
                S::Contacts(p) => (p.items.into_iter().map(|c| (c.id, c.matched_via)).collect(), p.next_cursor),
                o => panic!("{o:?}"),
            };
            assert!(items.len() <= 4);
            got.extend(items);
            cursor = next;
            if cursor.is_none() {
                return got;
            }
        }
    };
    let q = |text: &str, cursor: Option<String>| ListQuery {
        search: Some(text.into()),
        limit: Some(4),
        cursor,
        ..Default::default()
    };
    let clients = |text: &'static str| pages(&|cursor| R::ClientList { query: q(text, cursor) });
    let contacts = |text: &'static str| pages(&|cursor| R::ContactList { query: q(text, cursor) });
    let via = |c: &Record<ContactData>| Some(MatchedVia::Contact { id: c.id, name: c.data.file_as.clone().unwrap() });
    let mut want =
        vec![(exact.id, Some(MatchedVia::Own)), (prefix.id, Some(MatchedVia::Own)), (own.id, Some(MatchedVia::Own))];
    want.extend(zeta.iter().zip(&marcs).map(|(c, m)| (c.id, via(m))));
    assert_eq!(clients("ouellet"), want, "clients, « ouellet »");
    assert_eq!(clients("xylophone"), vec![(rare.id, via(&xylo))], "clients, « xylophone »");
    assert_eq!(clients("maison"), vec![(own.id, Some(MatchedVia::Own))], "clients, « maison »");
    // Contacts: the Ouellets by the prefix of their name (ties by id), and
    // found through their clients (every Zeta: a walk of the name index).
    let own_marcs: Vec<_> = marcs.iter().map(|m| (m.id, Some(MatchedVia::Own))).collect();
    assert_eq!(contacts("ouellet"), own_marcs, "contacts, « ouellet »");
    let through: Vec<_> = marcs
        .iter()
        .zip(&zeta)
        .map(|(m, c)| {
            (m.id, Some(MatchedVia::Client { id: c.id, code: c.data.code.clone(), name: c.data.name.clone() }))
        })
        .collect();
    let mut by_id = through.clone();
    by_id.sort_by_key(|(id, _)| *id);
    assert_eq!(contacts("zeta"), by_id, "contacts, « zeta »");
    assert_eq!(
        contacts("abricot"),
        vec![(
            xylo.id,
            Some(MatchedVia::Client { id: rare.id, code: rare.data.code.clone(), name: rare.data.name.clone() })
        )]
    );
}

/// Clients' rank 1 is read as two arms (the name starts with the search
/// text; the code alone does) merged in name order, and a keyword of
/// several words (an e-mail) reaches the keyword index by its longest word
/// and is checked whole on the rows found: paged by 2, every rank answers
/// in order, and a row matching only some of the keyword's words is not
/// found.
fn ranked_prefix_arms_and_long_keywords_page_in_order(f: &Fixture) {
    let abaque = mk_client(f, "QQ-2", "Abaque", "Montréal");
    let abeille = mk_client(f, "AB-09", "Abeille", "Montréal");
    let abricot = mk_client(f, "ZZ-1", "Abricot Vert", "Montréal");
    let mouton = mk_client(f, "ABX", "Mouton", "Montréal");
    let zinc = mk_client(f, "AB-01", "Zinc Abord", "Montréal");
    let lab = mk_client(f, "LL-3", "Lab Ab", "Montréal");
    let nord = mk_client(f, "NN-1", "Nord", "Montréal");
    let aby = mk_contact(f, "Aby", "Smith", "aby.smith@courriel.ca", "514-555-0102", &[nord.id]);
    // Shares every word of the e-mail but `smith`.
    mk_contact(f, "Bob", "Jones", "jones@courriel.ca", "514-555-0103", &[lab.id]);
    let q = |text: &str, cursor: Option<String>| ListQuery {
        search: Some(text.into()),
        limit: Some(2),
        cursor,
        ..Default::default()
    };
    let clients = |text: &str| {
        let mut got = Vec::new();
        let mut cursor = None;
        loop {
            let S::Clients(p) = f.run(f.admin, R::ClientList { query: q(text, cursor) }).unwrap() else { panic!() };
            assert!(p.items.len() <= 2);
            got.extend(p.items.into_iter().map(|c| (c.id, c.matched_via)));
            cursor = p.next_cursor;
            if cursor.is_none() {
                return got;
            }
        }
    };
    let contacts = |text: &str| {
        let mut got = Vec::new();
        let mut cursor = None;
        loop {
            let S::Contacts(p) = f.run(f.admin, R::ContactList { query: q(text, cursor) }).unwrap() else { panic!() };
            got.extend(p.items.into_iter().map(|c| (c.id, c.matched_via)));
            cursor = p.next_cursor;
            if cursor.is_none() {
                return got;
            }
        }
    };
    let own = Some(MatchedVia::Own);
    let via_aby = Some(MatchedVia::Contact { id: aby.id, name: aby.data.file_as.clone().unwrap() });
    // Rank 1 by name (code or name prefix), then own text, then linked.
    let want = vec![
        (abaque.id, own.clone()),
        (abeille.id, own.clone()),
        (abricot.id, own.clone()),
        (mouton.id, own.clone()),
        (zinc.id, own.clone()),
        (lab.id, own.clone()),
        (nord.id, via_aby.clone()),
    ];
    assert_eq!(clients("ab"), want, "clients, « ab »");
    // Codes alone start with `ab-0`; the others match by their words.
    let want = vec![
        (abeille.id, own.clone()),
        (zinc.id, own.clone()),
        (abaque.id, own.clone()),
        (abricot.id, own.clone()),
        (lab.id, own.clone()),
        (mouton.id, own.clone()),
        (nord.id, via_aby.clone()),
    ];
    assert_eq!(clients("AB-0"), want, "clients, « AB-0 »");
    assert_eq!(clients("aby.smith@courriel.ca"), vec![(nord.id, via_aby)], "clients, through an e-mail");
    assert_eq!(contacts("aby.smith@courriel.ca"), vec![(aby.id, own.clone())], "contacts, an e-mail");
    // Every word is somebody's, but no one record has them all.
    assert_eq!(clients("aby.jones@courriel.ca"), vec![], "clients, words of two contacts");
    assert_eq!(contacts("aby.jones@courriel.ca"), vec![], "contacts, words of two contacts");
}

/// Ranks 2 and 3 of a ranked search walk the name index when their sample
/// (rows spread over the ids of the list, or of the linked table) finds
/// many matches, and go through the keyword index otherwise. Among 120
/// other clients and contacts, « brume » is common (every rank walks on
/// SQLite) and « givre » rare (every rank through the keyword index):
/// paged by 2, each answers every rank in order (name, then id), rows of a
/// better rank and trashed rows left out, and says why each row matched.
fn ranked_walks_and_index_page_in_order(f: &Fixture) {
    use clientele_core::text::fold;
    for i in 0..120 {
        mk_client(f, &format!("FL-{i:03}"), &format!("Filler {i:03}"), "Montréal");
        let p = ContactData::new("Paul", format!("Remplissage{i:03}"));
        f.run(f.admin, R::ContactCreate { data: p }).unwrap();
    }
    let exact = mk_client(f, "BR-0", "Brume", "Montréal");
    let prefix = mk_client(f, "BR-1", "Brume Sud", "Montréal");
    // Rank 2: the word inside the name; created out of name order, two of
    // a name (ties by id).
    let mut own = Vec::new();
    for i in [9, 3, 7, 1, 5, 2, 8, 4, 6] {
        own.push(mk_client(f, &format!("AT-{i}"), &format!("Atelier {i} Brume"), "Montréal"));
    }
    own.push(mk_client(f, "AT-5B", "Atelier 5 Brume", "Montréal"));
    own.push(mk_client(f, "ZN-1", "Zinc Brumeux", "Montréal"));
    let gone = mk_client(f, "AT-0", "Atelier 0 Brume", "Montréal");
    f.run(f.admin, R::ClientDelete { id: gone.id, version: gone.version }).unwrap();
    own.sort_by_key(|c| (fold(&c.data.name), c.id));
    // Rank 3 of clients: through a contact.
    let nord = mk_client(f, "NN-1", "Nord", "Montréal");
    let ouest = mk_client(f, "OU-1", "Ouest", "Montréal");
    let ana = mk_contact(f, "Ana", "Brume", "ana@courriel.ca", "514-555-0110", &[ouest.id, nord.id]);
    // Contacts: « Brume, Ana » by prefix; first names Brume (rank 2);
    // people of the Brume clients (rank 3).
    let mut firsts = Vec::new();
    for last in ["Zola", "Abel", "Moreau", "Abel", "Dion"] {
        firsts.push(mk_contact(f, "Brume", last, &format!("{last}@courriel.ca"), "514-555-0111", &[]));
    }
    firsts.sort_by_key(|c| (fold(c.data.file_as.as_deref().unwrap()), c.id));
    let mut staff_of = Vec::new();
    for (i, c) in own.iter().enumerate().take(6) {
        let p = mk_contact(f, "Luc", &format!("Employé{i}"), &format!("luc{i}@courriel.ca"), "514-555-0112", &[c.id]);
        staff_of.push((p, c.clone()));
    }
    staff_of.sort_by_key(|(p, _)| (fold(p.data.file_as.as_deref().unwrap()), p.id));
    // « givre »: one client by its name, two through a contact; one
    // contact by its name, one through its client.
    let givre_own = mk_client(f, "GV-1", "Atelier Givre", "Montréal");
    let (sud, est) = (mk_client(f, "SD-1", "Sud", "Montréal"), mk_client(f, "ES-1", "Est", "Montréal"));
    let lea = mk_contact(f, "Givre", "Léa", "lea@courriel.ca", "514-555-0113", &[sud.id, est.id]);
    let marc = mk_contact(f, "Marc", "Tanguay", "marc@courriel.ca", "514-555-0114", &[givre_own.id]);
    let pages = |request: &dyn Fn(Option<String>) -> R| {
        let mut got = Vec::new();
        let mut cursor = None;
        loop {
            let (items, next) = match f.run(f.admin, request(cursor)).unwrap() {
                S::Clients(p) => {
                    (p.items.into_iter().map(|c| (c.id, c.matched_via)).collect::<Vec<_>>(), p.next_cursor)
                }
                S::Contacts(p) => (p.items.into_iter().map(|c| (c.id, c.matched_via)).collect(), p.next_cursor),
                o => panic!("{o:?}"),
            };
            assert!(items.len() <= 2);
            got.extend(items);
            cursor = next;
            if cursor.is_none() {
                return got;
            }
        }
    };
    let q = |text: &str, cursor: Option<String>| ListQuery {
        search: Some(text.into()),
        limit: Some(2),
        cursor,
        ..Default::default()
    };
    let client_list = |text: &str| R::ClientList { query: q(text, None) };
    let contact_list = |text: &str| R::ContactList { query: q(text, None) };
    // The shapes this test is about (SQLite; PostgreSQL ranks the whole
    // match set): a walk of the name index, or none.
    if f.backend == clientele_tests::Backend::Sqlite {
        for (request, index, walks) in [
            (client_list("brume"), "clients_name_fold", true),
            (contact_list("brume"), "contacts_file_as_fold", true),
            (client_list("givre"), "clients_name_fold", false),
            (contact_list("givre"), "contacts_file_as_fold", false),
        ] {
            let plan = f.engine.explain(Actor::Staff(f.admin), request).unwrap();
            let walk = plan.iter().any(|l| l.contains(&format!("SCAN t USING INDEX {index}")));
            assert_eq!(walk, walks, "{index}: {}", plan.join("\n"));
        }
    }
    let own_via = Some(MatchedVia::Own);
    let via = |c: &Record<ContactData>| Some(MatchedVia::Contact { id: c.id, name: c.data.file_as.clone().unwrap() });
    let of = |c: &Record<ClientData>| {
        Some(MatchedVia::Client { id: c.id, code: c.data.code.clone(), name: c.data.name.clone() })
    };
    let mut want = vec![(exact.id, own_via.clone()), (prefix.id, own_via.clone())];
    want.extend(own.iter().map(|c| (c.id, own_via.clone())));
    want.extend([(nord.id, via(&ana)), (ouest.id, via(&ana))]);
    assert_eq!(pages(&|cursor| R::ClientList { query: q("brume", cursor) }), want, "clients, « brume »");
    let mut want = vec![(ana.id, own_via.clone())];
    want.extend(firsts.iter().map(|p| (p.id, own_via.clone())));
    want.extend(staff_of.iter().map(|(p, c)| (p.id, of(c))));
    assert_eq!(pages(&|cursor| R::ContactList { query: q("brume", cursor) }), want, "contacts, « brume »");
    let want = vec![(givre_own.id, own_via.clone()), (est.id, via(&lea)), (sud.id, via(&lea))];
    assert_eq!(pages(&|cursor| R::ClientList { query: q("givre", cursor) }), want, "clients, « givre »");
    let want = vec![(lea.id, own_via), (marc.id, of(&givre_own))];
    assert_eq!(pages(&|cursor| R::ContactList { query: q("givre", cursor) }), want, "contacts, « givre »");
}

/// Searching a list that holds nothing yet (a firm's first day, or one
/// that never sent a transfer) answers an empty page, whatever the search
/// takes to choose its shape: the keyword index's count once wrote a
/// `LIMIT` of NULL over an empty table, and every such search failed.
fn searches_of_empty_lists_answer_empty_pages(f: &Fixture) {
    for text in ["x", "dossier 4242", "jdoe@gmail.com", "(514) 555-1042"] {
        let query = || ListQuery { search: Some(text.into()), ..Default::default() };
        let interactions =
            R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query: query() };
        match f.run(f.admin, interactions) {
            Ok(S::Interactions(p)) => assert!(p.items.is_empty(), "{text:?}"),
            other => panic!("interactions, {text:?}: {other:?}"),
        }
        let transfers = R::TransferList { client_id: None, last_30_days: false, open_only: false, query: query() };
        match f.run(f.admin, transfers) {
            Ok(S::Transfers(p)) => assert!(p.items.is_empty(), "{text:?}"),
            other => panic!("transfers, {text:?}: {other:?}"),
        }
    }
}

backend_tests!(
    searches_of_empty_lists_answer_empty_pages,
    ranked_walks_and_index_page_in_order,
    ranked_prefix_arms_and_long_keywords_page_in_order,
    ranked_search_tiers_agree_with_the_reference,
    interaction_search_shapes_agree_with_the_reference,
    phones_are_found_in_every_format,
    existing_rows_are_reindexed_at_open,
    phone_region_is_configured_and_checked,
    clients_are_found_through_their_contacts,
    contacts_are_found_through_their_clients,
    linked_search_agrees_with_the_reference,
);

//! Filters accept what the screen shows.
//!
//! * Every value of every choice field of every list filters by its code,
//!   its short tokens and its French and English labels exactly as
//!   `columns.catalogue` and `filter.fields` show them — with random case
//!   and accent folding, quoted, unquoted where the syntax allows, with
//!   `-` for spaces, and in the JSON form — to exactly the rows holding that
//!   code.
//!   Clients and contacts included: their preferred language (`Français`,
//!   `English`…) and the firm's custom choice fields of clients.
//! * Interactions and transfers filter by client code, staff initials or
//!   name or `me`, and contact name; what names nothing the actor may see is
//!   an `invalid_filter` error with the condition's span, and the reference
//!   evaluator (`check_filter_as` + `memory::matches`) agrees with SQL.

use std::collections::BTreeSet;

use chrono::Duration;
use clientele_core::domain::*;
use clientele_core::protocol::{Actor, FieldInfo, FilterInput, ListKind, ListQuery, Request as R, Response as S};
use clientele_core::query::{columns, memory};
use clientele_filter::FieldValue;
use clientele_tests::{Fixture, Rng, backend_tests, staff};

/// What the seeded firm holds.
struct Firm {
    /// (id, code, office)
    clients: Vec<(Id, String, &'static str)>,
    /// Hélène Côté (client 0, Montréal), Jean-François D'Amours (client 1,
    /// Québec), Zoé Côté (standalone).
    contacts: Vec<Id>,
    marie: Id,
    luc: Id,
    defs: Vec<CustomFieldDef>,
}

fn created<T>(r: S, f: impl Fn(S) -> Option<T>) -> T {
    f(r).expect("created")
}

/// The choices of the client custom field `secteur`.
const SECTEURS: [&str; 3] = ["Santé", "Commerce de détail", "Crédit d'impôt"];

/// A preferred language, or none, by turn.
fn language(i: usize) -> Option<Language> {
    [Some(Language::Fr), Some(Language::En), None][i % 3]
}

fn seed(f: &Fixture) -> Firm {
    f.engine
        .execute(
            Actor::HOST,
            R::CustomFieldPut {
                field: CustomFieldDef {
                    record: CustomRecord::Interaction,
                    kind: Some(InteractionKind::PhoneCall),
                    key: "dossier".into(),
                    label_fr: "Dossier".into(),
                    label_en: "File".into(),
                    field_type: CustomFieldType::Choice,
                    choices: vec!["Impôts".into(), "Paie".into(), "TPS/TVQ".into(), "Crédit d'impôt".into()],
                    required: false,
                },
            },
        )
        .unwrap();
    f.engine
        .execute(
            Actor::HOST,
            R::CustomFieldPut {
                field: CustomFieldDef {
                    record: CustomRecord::Client,
                    kind: None,
                    key: "secteur".into(),
                    label_fr: "Secteur d'activité".into(),
                    label_en: "Industry".into(),
                    field_type: CustomFieldType::Choice,
                    choices: SECTEURS.iter().map(|s| s.to_string()).collect(),
                    required: false,
                },
            },
        )
        .unwrap();
    let marie = match f
        .engine
        .execute(
            Actor::HOST,
            R::StaffPut { id: None, version: None, staff: staff("Marie Tremblay", "MT", Rights::all()) },
        )
        .unwrap()
    {
        S::Staff(s) => s.id,
        other => panic!("{other:?}"),
    };
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let luc = match f
        .engine
        .execute(Actor::HOST, R::StaffPut { id: None, version: None, staff: staff("Luc Montréal", "LM", rights) })
        .unwrap()
    {
        S::Staff(s) => s.id,
        other => panic!("{other:?}"),
    };
    let kinds = [ClientKind::Individual, ClientKind::Business, ClientKind::Trust, ClientKind::Other];
    let statuses = [ClientStatus::Active, ClientStatus::Inactive, ClientStatus::Prospect];
    let mut clients = Vec::new();
    for i in 0..12 {
        let code = if i == 2 { "CÔTÉ-01".to_string() } else { format!("PELL-{i:02}") };
        let office = if i % 2 == 0 { "Montréal" } else { "Québec" };
        let mut d = ClientData::new(code.clone(), format!("Client {i}"));
        d.kind = kinds[i % 4];
        d.status = statuses[i % 3];
        d.office = Some(office.into());
        d.language = language(i);
        if i % 4 != 3 {
            d.custom.insert("secteur".into(), SECTEURS[i % 3].into());
        }
        let id = created(f.run(f.admin, R::ClientCreate { data: d }).unwrap(), |r| match r {
            S::Client(c) => Some(c.id),
            _ => None,
        });
        clients.push((id, code, office));
    }
    let mut contacts = Vec::new();
    for (i, (first, last, client)) in
        [("Hélène", "Côté", Some(0)), ("Jean-François", "D'Amours", Some(1)), ("Zoé", "Côté", None)]
            .into_iter()
            .enumerate()
    {
        let mut data = ContactData::new(first, last);
        data.language = language(i);
        let id = created(f.run(f.admin, R::ContactCreate { data }).unwrap(), |r| match r {
            S::Contact(c) => Some(c.id),
            _ => None,
        });
        if let Some(c) = client {
            f.run(
                f.admin,
                R::ContactLink {
                    contact_id: id,
                    client_id: clients[c].0,
                    role: ContactRole::Preferred,
                    from_role: None,
                },
            )
            .unwrap();
        }
        contacts.push(id);
    }
    // Interactions of every kind, spread over clients, contacts and staff.
    let kinds =
        [InteractionKind::Note, InteractionKind::PhoneCall, InteractionKind::PhoneMessage, InteractionKind::Email];
    let dossiers = ["Impôts", "Paie", "TPS/TVQ", "Crédit d'impôt"];
    let mut n = 0;
    for kind in kinds {
        for j in 0..5 {
            let mut d = InteractionData::note(f.clock.get() - Duration::hours(n as i64), format!("Suivi {n}"));
            d.kind = kind;
            match j % 3 {
                0 => d.client_id = Some(clients[n % clients.len()].0),
                1 => {
                    d.client_id = Some(clients[j % 2].0);
                    d.contact_id = Some(contacts[j % 2]);
                }
                _ => d.contact_id = Some(contacts[2]),
            }
            d.staff_id = [Some(f.admin), Some(marie), None][j % 3];
            if kind == InteractionKind::PhoneCall {
                d.direction = Some([CallDirection::Incoming, CallDirection::Outgoing][j % 2]);
                if j < 4 {
                    d.custom.insert("dossier".into(), dossiers[j].into());
                }
            }
            if kind == InteractionKind::PhoneMessage {
                d.message_status = Some([MessageStatus::New, MessageStatus::Returned, MessageStatus::Closed][j % 3]);
            }
            f.run(f.admin, R::InteractionCreate { data: d }).unwrap();
            n += 1;
        }
    }
    // Transfers in every state (their events are `transfer_event` interactions).
    let files = || vec![NewFile { name: "T4.pdf".into(), size: 1000 }];
    // The first one expires (the engine's sweep; its event has no staff).
    for (i, (direction, to)) in [
        (TransferDirection::RequestedFromContact, Some(TransferStatus::Expired)),
        (TransferDirection::RequestedFromContact, None),
        (TransferDirection::SentToContact, None),
        (TransferDirection::SentToContact, Some(TransferStatus::Complete)),
        (TransferDirection::RequestedFromContact, Some(TransferStatus::Canceled)),
        (TransferDirection::SentToContact, Some(TransferStatus::Canceled)),
    ]
    .into_iter()
    .enumerate()
    {
        let t = created(
            f.run(
                f.admin,
                R::TransferCreate {
                    data: NewTransfer {
                        direction,
                        from_staff: if i % 2 == 0 { f.admin } else { marie },
                        to_contact: contacts[i % 2],
                        client_id: clients[i % 2].0,
                        subject: format!("Envoi {i}"),
                        message: String::new(),
                        signature_required: i % 3 == 0,
                        files: if direction == TransferDirection::SentToContact { files() } else { vec![] },
                    },
                },
            )
            .unwrap(),
            |r| match r {
                S::Transfer(t) => Some(t),
                _ => None,
            },
        );
        match to {
            Some(TransferStatus::Expired) => {
                f.clock.advance(Duration::days(40));
                f.run(f.admin, list_request(ListKind::Transfers, ListQuery::default())).unwrap();
            }
            Some(to) => {
                f.run(f.admin, R::TransferTransition { id: t.id, version: t.version, to, files: vec![] }).unwrap();
            }
            None => {}
        }
    }
    let defs = match f.run(f.admin, R::CustomFieldList { kind: None, record: None }).unwrap() {
        S::CustomFields(d) => d,
        other => panic!("{other:?}"),
    };
    Firm { clients, contacts, marie, luc, defs }
}

/// Every live row of a list, as the reference evaluator reads it.
fn rows(f: &Fixture, list: ListKind, defs: &[CustomFieldDef]) -> Vec<(Id, memory::MemoryRow, String)> {
    let query = ListQuery { limit: Some(500), ..Default::default() };
    match f.run(f.admin, list_request(list, query)).unwrap() {
        S::Clients(p) => {
            assert!(p.next_cursor.is_none());
            p.items
                .iter()
                .map(|r| {
                    (
                        r.id,
                        memory::client_row_with(r, defs),
                        memory::client_search_text(&r.data, f.engine.phone_region()),
                    )
                })
                .collect()
        }
        S::Contacts(p) => {
            assert!(p.next_cursor.is_none());
            p.items
                .iter()
                .map(|r| {
                    (
                        r.id,
                        memory::contact_row_with(r, false, defs),
                        memory::contact_search_text(&r.data, f.engine.phone_region()),
                    )
                })
                .collect()
        }
        S::Interactions(p) => {
            assert!(p.next_cursor.is_none());
            p.items
                .iter()
                .map(|r| {
                    (
                        r.id,
                        memory::interaction_row(r, defs),
                        memory::interaction_search_text(&r.data, f.engine.phone_region()),
                    )
                })
                .collect()
        }
        S::Transfers(p) => {
            assert!(p.next_cursor.is_none());
            p.items.iter().map(|r| (r.id, memory::transfer_row(r), memory::transfer_search_text(&r.data))).collect()
        }
        other => panic!("{other:?}"),
    }
}

fn list_request(list: ListKind, query: ListQuery) -> R {
    match list {
        ListKind::Clients => R::ClientList { query },
        ListKind::Contacts => R::ContactList { query },
        ListKind::Interactions => R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query },
        ListKind::Transfers => R::TransferList { client_id: None, last_30_days: false, open_only: false, query },
    }
}

/// An error's code and span.
type Refused = (String, Option<(usize, usize)>);

/// The ids a filter lists for `actor`, sorted, or the error's code and span.
fn ids(f: &Fixture, actor: Id, list: ListKind, filter: FilterInput) -> Result<Vec<Id>, Refused> {
    let query = ListQuery { filter: Some(filter), limit: Some(500), ..Default::default() };
    let mut v: Vec<Id> = match f.run(actor, list_request(list, query)) {
        Ok(S::Clients(p)) => p.items.iter().map(|r| r.id).collect(),
        Ok(S::Contacts(p)) => p.items.iter().map(|r| r.id).collect(),
        Ok(S::Interactions(p)) => p.items.iter().map(|r| r.id).collect(),
        Ok(S::Transfers(p)) => p.items.iter().map(|r| r.id).collect(),
        Ok(other) => panic!("{other:?}"),
        Err(e) => return Err((e.code().to_string(), e.span().map(|s| (s.start, s.end)))),
    };
    v.sort();
    Ok(v)
}

fn text(s: &str) -> FilterInput {
    FilterInput::Text(s.into())
}

/// Random case, and accents randomly dropped, character by character.
fn mangle(rng: &mut Rng, s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let mut c = c.to_string();
        if !c.is_ascii() && rng.chance(50) {
            c = clientele_core::text::fold(&c);
        }
        c = match rng.below(3) {
            0 => c.to_uppercase(),
            1 => c.to_lowercase(),
            _ => c,
        };
        out.push_str(&c);
    }
    out
}

fn enum_fields(f: &Fixture, list: ListKind) -> Vec<FieldInfo> {
    match f.run(f.admin, R::FilterFields { list }).unwrap() {
        S::Fields(v) => v.into_iter().filter(|x| x.kind == "enum").collect(),
        other => panic!("{other:?}"),
    }
}

fn every_choice_filters_by_code_token_and_both_labels(f: &Fixture) {
    let firm = seed(f);
    let mut rng = Rng(0x1abe_15ed);
    let mut checked = 0;
    for list in [ListKind::Clients, ListKind::Contacts, ListKind::Interactions, ListKind::Transfers] {
        let rows = rows(f, list, &firm.defs);
        let catalogue = columns::catalogue_with(list, &[], &[], &firm.defs);
        let fields = enum_fields(f, list);
        assert!(!fields.is_empty());
        for field in &fields {
            // filter.fields: codes and labelled choices agree.
            assert_eq!(field.values, field.choices.iter().map(|c| c.value.clone()).collect::<Vec<_>>());
            // The column catalogue shows exactly these labels.
            if let Some(col) = catalogue.iter().find(|c| c.id == field.name) {
                let shown: Vec<_> = col.values.iter().map(|v| (&v.value, &v.label_fr, &v.label_en)).collect();
                let filterable: Vec<_> = field.choices.iter().map(|c| (&c.value, &c.label_fr, &c.label_en)).collect();
                assert_eq!(shown, filterable, "{list:?} {}", field.name);
            } else {
                // Interactions' custom fields have columns too (one per
                // key, as the filter field): what their export writes.
                panic!("{list:?} {} has no column", field.name);
            }
            for choice in &field.choices {
                let want: Vec<Id> = rows
                    .iter()
                    .filter(|(_, row, _)| row.get(&field.name) == Some(&FieldValue::Text(choice.value.clone())))
                    .map(|(id, _, _)| *id)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                assert!(!want.is_empty(), "the seed has no {list:?} row with {} = {}", field.name, choice.value);
                let names: Vec<&String> = std::iter::once(&field.name).chain(&field.aliases).collect();
                let spellings = [&choice.value, &choice.label_fr, &choice.label_en].into_iter().chain(&choice.tokens);
                for spelling in spellings {
                    let name = *rng.pick(&names);
                    let v = mangle(&mut rng, spelling);
                    let dashed = v.split_whitespace().collect::<Vec<_>>().join("-");
                    let mut forms = vec![
                        text(&format!("{name}:{}", clientele_filter::quote(&v))),
                        text(&format!("{name}={}", clientele_filter::quote(&v))),
                        text(&format!("{name}:({}, {})", clientele_filter::quote(&v), clientele_filter::quote(&v))),
                        FilterInput::Json(serde_json::json!({"field": name, "op": "eq", "value": v})),
                    ];
                    for u in [&v, &dashed] {
                        if !clientele_filter::value_needs_quotes(u) {
                            forms.push(text(&format!("{name}:{u}")));
                        }
                    }
                    for form in forms {
                        let got = ids(f, f.admin, list, form.clone());
                        assert_eq!(got, Ok(want.clone()), "{list:?}: {form:?} ({} = {})", field.name, choice.value);
                        checked += 1;
                    }
                    // Its negation lists every other row (with the field set or not).
                    let not = text(&format!("-{name}:{}", clientele_filter::quote(&v)));
                    let mut others: Vec<Id> = rows.iter().map(|r| r.0).filter(|id| !want.contains(id)).collect();
                    others.sort();
                    assert_eq!(ids(f, f.admin, list, not.clone()), Ok(others), "{list:?}: {not:?}");
                }
            }
        }
    }
    // 4 lists, 11 choice fields, 38 choices, ≥ 3 spellings each, ≥ 4 forms.
    assert!(checked > 500, "{checked}");
}

/// The labels the issue named, verbatim.
fn labels_users_typed(f: &Fixture) {
    let firm = seed(f);
    let _ = firm;
    for (list, filter) in [
        (ListKind::Interactions, "type:\"Appel téléphonique\""),
        (ListKind::Interactions, "type:\"Message téléphonique\""),
        (ListKind::Interactions, "type:\"Phone call\""),
        (ListKind::Interactions, "type:appel-telephonique"),
        (ListKind::Transfers, "statut:\"En attente de fichiers\""),
        (ListKind::Transfers, "statut:\"Prêt à télécharger\""),
        (ListKind::Transfers, "statut:(\"Prêt à télécharger\", Terminé)"),
        (ListKind::Transfers, "status:\"ready for download\""),
    ] {
        let got = ids(f, f.admin, list, text(filter));
        assert!(got.as_ref().is_ok_and(|v| !v.is_empty()), "{filter}: {got:?}");
    }
    // The standard fields, by their labels and aliases in both languages.
    for (list, filter) in [
        (ListKind::Clients, "langue:Français"),
        (ListKind::Clients, "language:english"),
        (ListKind::Clients, "langue:(anglais, FRANÇAIS)"),
        (ListKind::Contacts, "langue:\"Français\""),
        (ListKind::Contacts, "language:English"),
        (ListKind::Clients, "custom.secteur:\"Crédit d'impôt\""),
        (ListKind::Clients, "custom.secteur:sante"),
    ] {
        let got = ids(f, f.admin, list, text(filter));
        assert!(got.as_ref().is_ok_and(|v| !v.is_empty()), "{filter}: {got:?}");
    }
    // Still refused: what names no value.
    let e = ids(f, f.admin, ListKind::Interactions, text("type:\"Appel télé\"")).unwrap_err();
    assert_eq!((e.0.as_str(), e.1), ("invalid_filter", Some((5, 19))));
}

fn people_filters(f: &Fixture) {
    let firm = seed(f);
    let (c0, c1, c2) = (firm.clients[0].0, firm.clients[1].0, firm.clients[2].0);
    let [helene, jf, zoe] = [firm.contacts[0], firm.contacts[1], firm.contacts[2]];
    for list in [ListKind::Interactions, ListKind::Transfers] {
        let rows = rows(f, list, &firm.defs);
        let with = |field: &str, id: Id| -> Vec<Id> {
            let mut v: Vec<Id> =
                rows.iter().filter(|(_, r, _)| r.get(field) == Some(&FieldValue::Int(id))).map(|r| r.0).collect();
            v.sort();
            v
        };
        let all: Vec<Id> = {
            let mut v: Vec<Id> = rows.iter().map(|r| r.0).collect();
            v.sort();
            v
        };
        let without = |ids: &[Id]| all.iter().copied().filter(|i| !ids.contains(i)).collect::<Vec<_>>();
        let union = |a: Vec<Id>, b: Vec<Id>| {
            let mut v: Vec<Id> = a.into_iter().chain(b).collect::<BTreeSet<_>>().into_iter().collect();
            v.sort();
            v
        };
        assert!(!with("client", c0).is_empty() && !with("staff", firm.marie).is_empty(), "{list:?}");
        let cases: Vec<(Id, String, Vec<Id>)> = vec![
            (f.admin, "client:PELL-00".into(), with("client", c0)),
            (f.admin, "client:pell-00".into(), with("client", c0)),
            (f.admin, "client=\" Pell-00 \"".into(), with("client", c0)),
            (f.admin, format!("client:{c0}"), with("client", c0)),
            (f.admin, "client:cote-01".into(), with("client", c2)),
            (f.admin, "client:CÔTÉ-01".into(), with("client", c2)),
            (f.admin, "client:(PELL-00, pell-01)".into(), union(with("client", c0), with("client", c1))),
            (f.admin, "-client:PELL-00".into(), without(&with("client", c0))),
            (
                f.admin,
                "client!=PELL-00".into(),
                all.iter()
                    .copied()
                    .filter(|i| {
                        rows.iter().any(|(id, r, _)| {
                            id == i
                                && r.get("client").is_some_and(|v| *v != FieldValue::Null && *v != FieldValue::Int(c0))
                        })
                    })
                    .collect(),
            ),
            (firm.marie, "staff:me".into(), with("staff", firm.marie)),
            (firm.marie, "employe:MOI".into(), with("staff", firm.marie)),
            (f.admin, "staff:me".into(), with("staff", f.admin)),
            (f.admin, "staff:mt".into(), with("staff", firm.marie)),
            (f.admin, "staff:\"marie tremblay\"".into(), with("staff", firm.marie)),
            (f.admin, "staff:hda".into(), with("staff", f.admin)),
            (f.admin, "staff:\"Hélène D'Amours\"".into(), with("staff", f.admin)),
            (f.admin, format!("staff:{}", firm.marie), with("staff", firm.marie)),
            (f.admin, "contact:\"Côté, Hélène\"".into(), with("contact", helene)),
            (f.admin, "contact:\"cote, helene\"".into(), with("contact", helene)),
            (f.admin, "contact:\"D’Amours, Jean-François\"".into(), with("contact", jf)),
            (
                f.admin,
                "contact:(\"Côté, Zoé\", \"Côté, Hélène\")".into(),
                union(with("contact", zoe), with("contact", helene)),
            ),
            // Luc sees Montréal: PELL-00 is there.
            (firm.luc, "client:PELL-00".into(), with("client", c0)),
        ];
        for (actor, filter, want) in cases {
            let got = ids(f, actor, list, text(&filter));
            // Luc's list is restricted to his office; the others see all.
            let want = if actor == firm.luc {
                want.into_iter()
                    .filter(|id| ids(f, firm.luc, list, text(&format!("id:{id}"))).is_ok_and(|v| !v.is_empty()))
                    .collect()
            } else {
                want
            };
            assert_eq!(got, Ok(want.clone()), "{list:?}: {filter} as {actor}");
            // The reference evaluator agrees (codes resolved the same way).
            let typed = f.engine.check_filter_as(Actor::Staff(actor), list, &text(&filter)).unwrap();
            let tz = f.engine.timezone();
            let mut reference: Vec<Id> =
                rows.iter().filter(|(_, r, t)| memory::matches(&typed, r, t, tz)).map(|r| r.0).collect();
            reference.sort();
            if actor != firm.luc {
                assert_eq!(reference, want, "{list:?}: reference of {filter}");
            }
            // The JSON form says the same.
            if let Some((field, value)) = filter
                .split_once(':')
                .filter(|(k, v)| !k.starts_with('-') && !v.starts_with('(') && !v.starts_with('"'))
            {
                let json = serde_json::json!({"field": field, "op": "match", "value": value});
                assert_eq!(ids(f, actor, list, FilterInput::Json(json)), Ok(want), "{list:?}: JSON {filter}");
            }
        }
        // What names nothing is an error with the condition's span, not 0 rows.
        for (actor, filter, span) in [
            (f.admin, "client:NOPE-99", (0, 14)),
            (f.admin, "objet:x OR client:007", (11, 21)),
            (f.admin, "staff:ZZ", (0, 8)),
            (f.admin, "contact:\"Côté\"", (0, 16)),
            // A Québec client's code, asked by Montréal staff, reads like an unknown code.
            (firm.luc, "client:PELL-01", (0, 14)),
        ] {
            let e = ids(f, actor, list, text(filter)).unwrap_err();
            assert_eq!(e, ("invalid_filter".to_string(), Some(span)), "{list:?}: {filter}");
        }
        let unknown = f
            .run(firm.luc, list_request(list, ListQuery { filter: Some(text("client:NOPE-99")), ..Default::default() }))
            .unwrap_err();
        let other_office = f
            .run(firm.luc, list_request(list, ListQuery { filter: Some(text("client:PELL-01")), ..Default::default() }))
            .unwrap_err();
        assert_eq!(
            unknown.to_string().replace("NOPE-99", "?"),
            other_office.to_string().replace("PELL-01", "?"),
            "another office's code must read like an unknown one"
        );
        // The host has no "me".
        let e = f.engine.check_filter(list, &text("staff:me")).unwrap_err();
        assert_eq!(e.code(), "invalid_filter");
    }
}

backend_tests!(every_choice_filters_by_code_token_and_both_labels, labels_users_typed, people_filters);

//! The query engine through the protocol, each test on both backends.

use chrono::Duration;
use clientele_core::domain::*;
use clientele_core::protocol::{
    Actor, DashboardKind, DataScope, FilterInput, ListKind, ListQuery, Request as R, Response as S,
};
use clientele_core::{Error, query::columns::ColumnDef};
use clientele_tests::{Fixture, backend_tests};

fn mk_client(f: &Fixture, code: &str, name: &str, edit: impl FnOnce(&mut ClientData)) -> Record<ClientData> {
    let mut d = ClientData::new(code, name);
    edit(&mut d);
    match f.run(f.admin, R::ClientCreate { data: d }).unwrap() {
        S::Client(c) => c,
        o => panic!("{o:?}"),
    }
}

fn mk_contact(f: &Fixture, first: &str, last: &str, phone: &str, email: &str) -> Record<ContactData> {
    let mut d = ContactData::new(first, last);
    d.phones.push(Phone { kind: PhoneKind::Business, number: phone.into(), primary: true, digits: String::new() });
    d.emails.push(Email { address: email.into(), kind: EmailKind::Work, primary: true });
    match f.run(f.admin, R::ContactCreate { data: d }).unwrap() {
        S::Contact(c) => c,
        o => panic!("{o:?}"),
    }
}

fn q(filter: Option<&str>, search: Option<&str>) -> ListQuery {
    ListQuery {
        filter: filter.map(|s| FilterInput::Text(s.into())),
        search: search.map(String::from),
        limit: Some(500),
        ..Default::default()
    }
}

fn client_codes(f: &Fixture, query: ListQuery) -> Vec<String> {
    match f.run(f.admin, R::ClientList { query }).unwrap() {
        S::Clients(p) => p.items.into_iter().map(|c| c.data.code).collect(),
        o => panic!("{o:?}"),
    }
}

fn contact_names(f: &Fixture, query: ListQuery) -> Vec<String> {
    match f.run(f.admin, R::ContactList { query }).unwrap() {
        S::Contacts(p) => p.items.into_iter().map(|c| c.data.file_as.unwrap()).collect(),
        o => panic!("{o:?}"),
    }
}

fn subjects(f: &Fixture, r: R) -> Vec<String> {
    match f.run(f.admin, r).unwrap() {
        S::Interactions(p) => p.items.into_iter().map(|i| i.data.subject).collect(),
        o => panic!("{o:?}"),
    }
}

fn all_interactions(query: ListQuery, last_30_days: bool) -> R {
    R::InteractionList { client_id: None, contact_id: None, last_30_days, query }
}

fn firm(f: &Fixture) -> (Record<ClientData>, Record<ClientData>, Record<ClientData>) {
    let a = mk_client(f, "DAM-01", "D'Amours, Hélène", |d| {
        d.status = ClientStatus::Active;
        d.office = Some("Montréal".into());
        d.address = Some(Address { city: Some("Trois-Rivières".into()), ..Default::default() });
        d.phones.push(Phone {
            kind: PhoneKind::Business,
            number: "(514) 555-0199".into(),
            primary: true,
            digits: String::new(),
        });
        d.emails.push(Email { address: "helene.damours@exemple.ca".into(), kind: EmailKind::Work, primary: true });
    });
    let b = mk_client(f, "COTE-02", "Côté et Fils inc.", |d| {
        d.kind = ClientKind::Business;
        d.status = ClientStatus::Inactive;
        d.office = Some("Québec".into());
        d.retention.won_date = chrono::NaiveDate::from_ymd_opt(2020, 6, 15);
    });
    let c = mk_client(f, "JFG-03", "Gagnon, Jean-François", |d| {
        d.status = ClientStatus::Prospect;
        d.phones.push(Phone {
            kind: PhoneKind::Mobile,
            number: "418.555.2020".into(),
            primary: true,
            digits: String::new(),
        });
    });
    (a, b, c)
}

// ------------------------------------------------------------- keyword search

fn keyword_search_ignores_case_accents_and_apostrophes(f: &Fixture) {
    firm(f);
    for (search, expect) in [
        ("helene", vec!["DAM-01"]),
        ("HÉLÈNE", vec!["DAM-01"]),
        ("amours", vec!["DAM-01"]),
        ("d'amours", vec!["DAM-01"]),
        ("D’Amours", vec!["DAM-01"]),
        ("damours", vec!["DAM-01"]),
        ("cote", vec!["COTE-02"]),
        ("jean-francois", vec!["JFG-03"]),
        ("jeanfran", vec!["JFG-03"]),
        ("francois gagnon", vec!["JFG-03"]),
        ("514 555", vec!["DAM-01"]),
        ("(514) 555-0199", vec!["DAM-01"]),
        ("5145550199", vec!["DAM-01"]),
        ("418-555", vec!["JFG-03"]),
        ("helene.damours@exemple.ca", vec!["DAM-01"]),
        ("exemple.ca", vec!["DAM-01"]),
        ("dam-01", vec!["DAM-01"]),
        ("zzz", vec![]),
        ("555", vec!["DAM-01", "JFG-03"]),
    ] {
        let mut got = client_codes(f, q(None, Some(search)));
        got.sort();
        let mut want: Vec<String> = expect.into_iter().map(String::from).collect();
        want.sort();
        assert_eq!(got, want, "search {search:?}");
    }
}

fn search_ranks_exact_then_prefix_then_rest(f: &Fixture) {
    mk_client(f, "TREM", "Tremblay-Lavoie inc.", |_| {});
    mk_client(f, "ABC-9", "Lavoie, Tremblay", |_| {});
    mk_client(f, "TREM-2", "Tremblay", |_| {});
    // "tremblay": exact name first, then names starting with it, then others.
    assert_eq!(client_codes(f, q(None, Some("tremblay"))), vec!["TREM-2", "TREM", "ABC-9"]);
    // Exact code first.
    assert_eq!(client_codes(f, q(None, Some("trem")))[0], "TREM");
}

fn keyword_index_follows_every_write(f: &Fixture) {
    let c = mk_client(f, "IDX-1", "Ancien Nom", |_| {});
    assert_eq!(client_codes(f, q(None, Some("ancien"))), vec!["IDX-1"]);
    let mut d = c.data.clone();
    d.name = "Nouveau Nom".into();
    f.run(f.admin, R::ClientUpdate { id: c.id, version: 1, data: d.into() }).unwrap();
    assert!(client_codes(f, q(None, Some("ancien"))).is_empty());
    assert_eq!(client_codes(f, q(None, Some("nouveau"))), vec!["IDX-1"]);
    let del = match f.run(f.admin, R::ClientDelete { id: c.id, version: 2 }).unwrap() {
        S::Deleted(d) => d,
        o => panic!("{o:?}"),
    };
    assert!(client_codes(f, q(None, Some("nouveau"))).is_empty());
    f.run(f.admin, R::TrashRestore { id: del.trash_id }).unwrap();
    assert_eq!(client_codes(f, q(None, Some("nouveau"))), vec!["IDX-1"]);
    let del = match f.run(f.admin, R::ClientDelete { id: c.id, version: 2 }).unwrap() {
        S::Deleted(d) => d,
        o => panic!("{o:?}"),
    };
    f.run(f.admin, R::TrashPurge { id: del.trash_id }).unwrap();
    mk_client(f, "IDX-2", "Autre", |_| {});
    assert!(client_codes(f, q(None, Some("nouveau"))).is_empty());
}

fn contacts_and_interactions_are_searchable(f: &Fixture) {
    let (a, _, _) = firm(f);
    let p = mk_contact(f, "Marie-Ève", "Lévesque-Côté", "450 555 7777", "me.levesque@courriel.qc.ca");
    f.run(f.admin, R::ContactLink { contact_id: p.id, client_id: a.id, role: ContactRole::Primary, from_role: None })
        .unwrap();
    mk_contact(f, "Luc", "Bergeron", "819 555 1111", "luc@exemple.ca");
    assert_eq!(contact_names(f, q(None, Some("marie-eve"))), vec!["Lévesque-Côté, Marie-Ève"]);
    assert_eq!(contact_names(f, q(None, Some("levesquecote"))), vec!["Lévesque-Côté, Marie-Ève"]);
    assert_eq!(contact_names(f, q(None, Some("450555"))), vec!["Lévesque-Côté, Marie-Ève"]);
    let mut n = InteractionData::note(f.clock.get(), "Rencontre annuelle");
    n.client_id = Some(a.id);
    n.contact_id = Some(p.id);
    n.body = "Discussion des acomptes provisionnels et du REÉR.".into();
    f.run(f.admin, R::InteractionCreate { data: n }).unwrap();
    assert_eq!(subjects(f, all_interactions(q(None, Some("reer")), false)), vec!["Rencontre annuelle"]);
    assert_eq!(subjects(f, all_interactions(q(None, Some("acomptes provisio")), false)), vec!["Rencontre annuelle"]);
    assert!(subjects(f, all_interactions(q(None, Some("impôt")), false)).is_empty());
}

// -------------------------------------------------------------------- filters

fn filters_with_french_and_english_names_and_values(f: &Fixture) {
    firm(f);
    let codes = |filter: &str| {
        let mut v = client_codes(f, q(Some(filter), None));
        v.sort();
        v
    };
    assert_eq!(codes("status:active"), vec!["DAM-01"]);
    assert_eq!(codes("statut:actif"), vec!["DAM-01"]);
    assert_eq!(codes("statut:(actif,prospect)"), vec!["DAM-01", "JFG-03"]);
    assert_eq!(codes("-statut:inactif"), vec!["DAM-01", "JFG-03"]);
    assert_eq!(codes("type:entreprise"), vec!["COTE-02"]);
    assert_eq!(codes("ville:\"Trois-Rivières\""), vec!["DAM-01"]);
    assert_eq!(codes("ville:trois-rivieres"), vec!["DAM-01"]);
    assert_eq!(codes("bureau:montreal OR bureau:quebec"), vec!["COTE-02", "DAM-01"]);
    // NOT matches rows where the field is empty (JFG-03 has no office).
    assert_eq!(codes("NOT bureau:montreal"), vec!["COTE-02", "JFG-03"]);
    assert_eq!(codes("bureau!=montreal"), vec!["COTE-02"]);
    assert_eq!(codes("acquis:2020"), vec!["COTE-02"]);
    assert_eq!(codes("acquis:2020-01-01..2020-06-14"), Vec::<String>::new());
    assert_eq!(codes("acquis:>=2020-06-15"), vec!["COTE-02"]);
    assert_eq!(codes("nom:d'amours"), vec!["DAM-01"]);
    assert_eq!(codes("cree:today"), vec!["COTE-02", "DAM-01", "JFG-03"]);
    assert_eq!(codes("cree:yesterday"), Vec::<String>::new());
    // The JSON form says the same.
    let json = serde_json::json!({"or": [
        {"field": "statut", "op": "eq", "value": "actif"},
        {"field": "type", "op": "in", "values": ["entreprise"]}
    ]});
    let mut v = client_codes(f, ListQuery { filter: Some(FilterInput::Json(json)), ..Default::default() });
    v.sort();
    assert_eq!(v, vec!["COTE-02", "DAM-01"]);
}

fn hostile_filter_text_is_data_not_sql(f: &Fixture) {
    firm(f);
    for evil in [
        "nom:\"'; DROP TABLE clients; --\"",
        "nom:\"%\"",
        "nom:\"_\"",
        "nom:\"\\\\\"",
        "\"') OR 1=1 --\"",
        "nom:\"😀\"",
        "nom:\"He\u{301}le\u{300}ne\"",
    ] {
        let got = client_codes(f, q(Some(evil), None));
        let expect: Vec<String> = if evil.contains("le\u{300}ne") { vec!["DAM-01".into()] } else { vec![] };
        assert_eq!(got, expect, "{evil}");
    }
    assert_eq!(client_codes(f, q(None, None)).len(), 3, "the table is still there");
    // A name containing a wildcard matches only literally.
    mk_client(f, "PCT", "Cent % Comptables", |_| {});
    assert_eq!(client_codes(f, q(Some("nom:\"%\""), None)), vec!["PCT"]);
}

fn filter_errors_point_at_the_input(f: &Fixture) {
    let err = |filter: &str| f.run(f.admin, R::ClientList { query: q(Some(filter), None) }).unwrap_err();
    let e = err("stauts:active");
    assert_eq!(e.code(), "invalid_filter");
    assert_eq!(e.span().map(|s| (s.start, s.end)), Some((0, 6)));
    assert!(e.to_string().contains("did you mean `status`"), "{e}");
    // The kind, the field and the suggestion as their own fields of the
    // body; the message says which text once ("filter: ...").
    let body = e.body();
    assert_eq!((body.kind.as_deref(), body.field.as_deref()), (Some("unknown_field"), Some("stauts")), "{body:?}");
    assert!(body.suggestion.as_deref().is_some_and(|s| s.contains("status")), "{body:?}");
    assert!(body.message.starts_with("filter: ") && !body.message.contains("invalid filter"), "{body:?}");
    let e = err("statut:");
    assert!(e.span().is_some());
    let e = err("nom:>3");
    assert_eq!(e.kind(), Some("operator_not_allowed"));
    let e = err(&"(".repeat(50_000));
    assert_eq!((e.kind(), e.field()), (Some("too_long"), None));
    let e = err(&"(a ".repeat(30));
    assert_eq!(e.code(), "invalid_filter");
    let e = f
        .run(f.admin, R::ClientList { query: ListQuery { sort: Some("-couleur".into()), ..Default::default() } })
        .unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("sort")));
    // Only sortable fields sort (an e-mail list has no order).
    let e = f
        .run(f.admin, R::ClientList { query: ListQuery { sort: Some("courriel".into()), ..Default::default() } })
        .unwrap_err();
    assert_eq!((e.code(), e.field()), ("validation", Some("sort")));
    let e = f
        .run(f.admin, R::ClientList { query: ListQuery { cursor: Some("zz".into()), ..Default::default() } })
        .unwrap_err();
    assert_eq!(e.code(), "bad_request");
    // A forged cursor whose key does not fit its sort (text for an id).
    let forged: String =
        r#"{"sort":"id","rk":0,"kt":"x","ki":null,"id":1}"#.bytes().map(|b| format!("{b:02x}")).collect();
    let e = f
        .run(
            f.admin,
            R::ClientList { query: ListQuery { sort: Some("id".into()), cursor: Some(forged), ..Default::default() } },
        )
        .unwrap_err();
    assert_eq!(e.code(), "bad_request");
}

fn custom_fields_are_filterable(f: &Fixture) {
    let (a, _, _) = firm(f);
    for (key, ty, choices) in [
        ("dossier", CustomFieldType::Choice, vec!["Impôts".to_string(), "Paie".to_string()]),
        ("montant", CustomFieldType::Number, vec![]),
        ("rappel", CustomFieldType::YesNo, vec![]),
        ("note_interne", CustomFieldType::Text, vec![]),
    ] {
        f.engine
            .execute(
                Actor::HOST,
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
    for (subject, dossier, montant, rappel, note) in [
        ("A", "Impôts", 1200.5, true, "Très urgent"),
        ("B", "Paie", 80.0, false, "rien"),
        ("C", "Impôts", 15.0, false, ""),
    ] {
        let mut call = InteractionData::note(f.clock.get(), subject);
        call.kind = InteractionKind::PhoneCall;
        call.client_id = Some(a.id);
        call.custom.insert("dossier".into(), dossier.into());
        call.custom.insert("montant".into(), montant.into());
        call.custom.insert("rappel".into(), rappel.into());
        if !note.is_empty() {
            call.custom.insert("note_interne".into(), note.into());
        }
        f.run(f.admin, R::InteractionCreate { data: call }).unwrap();
        f.clock.advance(Duration::minutes(1));
    }
    let s = |filter: &str| {
        let mut v = subjects(f, all_interactions(q(Some(filter), None), false));
        v.sort();
        v
    };
    assert_eq!(s("custom.dossier:Impôts"), vec!["A", "C"]);
    assert_eq!(s("custom.montant:>=80"), vec!["A", "B"]);
    assert_eq!(s("custom.montant:10..100"), vec!["B", "C"]);
    assert_eq!(s("custom.rappel:oui"), vec!["A"]);
    assert_eq!(s("custom.note_interne:urgent"), vec!["A"]);
    // A NUL in a custom text is refused (PostgreSQL's jsonb could not read it back).
    let mut bad = InteractionData::note(f.clock.get(), "D");
    bad.kind = InteractionKind::PhoneCall;
    bad.client_id = Some(a.id);
    bad.custom.insert("note_interne".into(), "a\u{0}b".into());
    let e = f.run(f.admin, R::InteractionCreate { data: bad }).unwrap_err();
    assert_eq!((e.field(), e.body().reason.as_deref()), (Some("custom.note_interne"), Some("control_character")));
    assert_eq!(s("-custom.note_interne:urgent"), vec!["B", "C"]);
    assert_eq!(s("type:appel custom.dossier:paie"), vec!["B"]);
}

// -------------------------------------------------------------- switches

fn last_30_days_is_counted_in_the_firm_time_zone(f: &Fixture) {
    let (a, _, _) = firm(f);
    // The pinned clock is 2026-11-27 14:30 in Toronto (19:30 UTC). The 30
    // days run from 2026-10-29 00:00 Toronto time (04:00 UTC), today included.
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
    for (subject, when) in [
        ("dans la fenêtre", "2026-10-29T04:00:00Z"),
        ("juste avant", "2026-10-29T03:59:59Z"),
        ("aujourd'hui", "2026-11-27T19:00:00Z"),
    ] {
        let mut n = InteractionData::note(at(when), subject);
        n.client_id = Some(a.id);
        f.run(f.admin, R::InteractionCreate { data: n }).unwrap();
    }
    assert_eq!(subjects(f, all_interactions(q(None, None), true)), vec!["aujourd'hui", "dans la fenêtre"]);
    assert_eq!(
        subjects(f, R::ClientTimeline { id: a.id, last_30_days: true, include_changes: false, query: q(None, None) }),
        vec!["aujourd'hui", "dans la fenêtre"]
    );
    // The filter keyword means the same.
    assert_eq!(
        subjects(f, all_interactions(q(Some("quand:last-30-days"), None), false)),
        vec!["aujourd'hui", "dans la fenêtre"]
    );
    assert_eq!(subjects(f, all_interactions(q(Some("quand:aujourdhui"), None), false)), vec!["aujourd'hui"]);
}

fn transfers_open_only_and_last_30_days(f: &Fixture) {
    let (a, _, _) = firm(f);
    let p = mk_contact(f, "Zoé", "Bélanger", "514 555 3333", "zoe@exemple.ca");
    f.run(f.admin, R::ContactLink { contact_id: p.id, client_id: a.id, role: ContactRole::Primary, from_role: None })
        .unwrap();
    f.run(f.admin, R::ContactLink { contact_id: p.id, client_id: a.id, role: ContactRole::Primary, from_role: None })
        .unwrap();
    let send = |subject: &str| {
        let data = NewTransfer {
            direction: TransferDirection::SentToContact,
            from_staff: f.admin,
            to_contact: p.id,
            client_id: a.id,
            subject: subject.into(),
            message: String::new(),
            signature_required: false,
            files: vec![NewFile { name: "états financiers.pdf".into(), size: 10 }],
        };
        match f.run(f.admin, R::TransferCreate { data }).unwrap() {
            S::Transfer(t) => t,
            o => panic!("{o:?}"),
        }
    };
    let old = send("ancien");
    f.clock.advance(Duration::days(40));
    let done = send("terminé");
    f.run(f.admin, R::TransferTransition { id: done.id, version: 1, to: TransferStatus::Complete, files: vec![] })
        .unwrap();
    let open = send("ouvert");
    let list = |last_30_days, open_only, filter: Option<&str>| -> Vec<String> {
        match f
            .run(f.admin, R::TransferList { client_id: None, last_30_days, open_only, query: q(filter, None) })
            .unwrap()
        {
            S::Transfers(p) => p.items.into_iter().map(|t| t.data.subject).collect(),
            o => panic!("{o:?}"),
        }
    };
    assert_eq!(list(false, false, None), vec!["ouvert", "terminé", "ancien"]);
    assert_eq!(list(true, false, None), vec!["ouvert", "terminé"]);
    assert_eq!(list(true, true, None), vec!["ouvert"]);
    assert_eq!(list(false, true, None), vec!["ouvert"], "the old one expired on the way");
    assert_eq!(list(false, false, Some("statut:expire")), vec!["ancien"]);
    assert_eq!(list(false, false, Some("fichiers")), Vec::<String>::new());
    assert_eq!(list(false, false, Some("financiers")), vec!["ouvert", "terminé", "ancien"]);
    // Files that arrive with a state change are searchable by name.
    let request = match f
        .run(
            f.admin,
            R::TransferCreate {
                data: NewTransfer {
                    direction: TransferDirection::RequestedFromContact,
                    from_staff: f.admin,
                    to_contact: p.id,
                    client_id: a.id,
                    subject: "Demande".into(),
                    message: String::new(),
                    signature_required: false,
                    files: vec![],
                },
            },
        )
        .unwrap()
    {
        S::Transfer(t) => t,
        o => panic!("{o:?}"),
    };
    assert!(list(false, false, Some("releve")).is_empty());
    f.run(
        f.admin,
        R::TransferTransition {
            id: request.id,
            version: request.version,
            to: TransferStatus::ReadyForDownload,
            files: vec![NewFile { name: "Relevé 1 — 2025.pdf".into(), size: 10 }],
        },
    )
    .unwrap();
    assert_eq!(list(false, false, Some("releve")), vec!["Demande"]);
    let _ = (old, open);
}

// ----------------------------------------------------- sorting and paging

fn keyset_paging_walks_every_sort_without_gaps(f: &Fixture) {
    for i in 0..23 {
        mk_client(
            f,
            &format!("P{:02}", (i * 7) % 23),
            &format!("Société {}", ["Alpha", "Bêta", "Gamma"][i % 3]),
            |d| {
                if i % 4 == 0 {
                    d.office = Some(["Montréal", "Québec"][i % 2].into());
                }
            },
        );
    }
    for sort in ["name", "-name", "code", "-code", "office", "-office", "id", "-created", "status"] {
        let full = client_codes(f, ListQuery { sort: Some(sort.into()), limit: Some(500), ..Default::default() });
        assert_eq!(full.len(), 23);
        let mut walked = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = match f
                .run(
                    f.admin,
                    R::ClientList {
                        query: ListQuery {
                            sort: Some(sort.into()),
                            limit: Some(4),
                            cursor,
                            count: true,
                            ..Default::default()
                        },
                    },
                )
                .unwrap()
            {
                S::Clients(p) => p,
                o => panic!("{o:?}"),
            };
            assert_eq!(page.total, Some(23));
            walked.extend(page.items.into_iter().map(|c| c.data.code));
            pages += 1;
            // Bounded: a cursor that loops fails instead of hanging.
            assert!(pages <= 6, "sort {sort}: more than 6 pages of 4 for 23 rows");
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(walked, full, "sort {sort}");
        assert_eq!(pages, 6);
    }
    // A cursor is bound to its sort.
    let first =
        match f.run(f.admin, R::ClientList { query: ListQuery { limit: Some(2), ..Default::default() } }).unwrap() {
            S::Clients(p) => p.next_cursor.unwrap(),
            o => panic!("{o:?}"),
        };
    let e = f
        .run(
            f.admin,
            R::ClientList {
                query: ListQuery { sort: Some("-name".into()), cursor: Some(first), ..Default::default() },
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), "bad_request");
    // And to its question: the list, the filter and the search it pages
    // through. A cursor of one search passed back with another (the person
    // typed a letter more) answers bad_request, not a page of the new search
    // starting at a rank tier of the old one.
    let page = |query: ListQuery, contacts: bool| {
        let r = if contacts { R::ContactList { query } } else { R::ClientList { query } };
        match f.run(f.admin, r) {
            Ok(S::Clients(p)) => Ok(p.next_cursor),
            Ok(S::Contacts(p)) => Ok(p.next_cursor),
            Ok(o) => panic!("{o:?}"),
            Err(e) => Err(e.code().to_string()),
        }
    };
    let base = ListQuery { limit: Some(1), search: Some("soc".into()), ..Default::default() };
    let cursor = page(base.clone(), false).unwrap().expect("more than one client matches « soc »");
    // Passed back unchanged with the same question: accepted.
    assert!(page(ListQuery { cursor: Some(cursor.clone()), ..base.clone() }, false).is_ok());
    for other in [
        ListQuery { search: Some("soci".into()), ..base.clone() },
        ListQuery { search: None, ..base.clone() },
        ListQuery { filter: Some(FilterInput::Text("statut:actif".into())), ..base.clone() },
    ] {
        let got = page(ListQuery { cursor: Some(cursor.clone()), ..other.clone() }, false);
        assert_eq!(got, Err("bad_request".to_string()), "{other:?}");
    }
    // Another list, same words: refused too.
    assert_eq!(page(ListQuery { cursor: Some(cursor), ..base }, true), Err("bad_request".to_string()));
}

// ------------------------------------------------ grid, columns, views, layouts

fn grid_carries_only_the_chosen_columns(f: &Fixture) {
    let (a, _, _) = firm(f);
    let p = mk_contact(f, "Zoé", "Bélanger", "514 555 3333", "zoe@exemple.ca");
    f.run(f.admin, R::ContactLink { contact_id: p.id, client_id: a.id, role: ContactRole::Primary, from_role: None })
        .unwrap();
    let mut n = InteractionData::note(f.clock.get(), "Appel");
    n.client_id = Some(a.id);
    n.contact_id = Some(p.id);
    n.staff_id = Some(f.admin);
    f.run(f.admin, R::InteractionCreate { data: n }).unwrap();
    let grid = |list, columns: Option<Vec<&str>>| match f
        .run(
            f.admin,
            R::GridQuery {
                list,
                columns: columns.map(|c| c.into_iter().map(String::from).collect()),
                client_id: None,
                contact_id: None,
                last_30_days: false,
                open_only: false,
                query: q(None, None),
                count_limit: None,
            },
        )
        .unwrap()
    {
        S::Grid(g) => g,
        o => panic!("{o:?}"),
    };
    let g = grid(ListKind::Interactions, None);
    let ids: Vec<&str> = g.columns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec!["when", "kind", "subject", "client", "contact", "staff"]);
    assert_eq!(g.rows[0].cells[3], "D'Amours, Hélène");
    assert_eq!(g.rows[0].cells[4], "Bélanger, Zoé");
    assert_eq!(g.rows[0].cells[5], "Hélène D'Amours");
    // The staff member's choice is saved and used.
    let saved = match f
        .run(f.admin, R::ColumnsSave { list: ListKind::Clients, columns: vec!["name".into(), "phone".into()] })
        .unwrap()
    {
        S::Columns(c) => c,
        o => panic!("{o:?}"),
    };
    assert_eq!(
        saved.iter().map(|c: &ColumnDef| c.label_fr.as_str()).collect::<Vec<_>>(),
        vec!["Nom", "Téléphone principal"]
    );
    let g = grid(ListKind::Clients, None);
    assert_eq!(g.columns.len(), 2);
    assert!(g.rows.iter().all(|r| r.cells.len() == 2));
    assert!(
        g.rows
            .iter()
            .any(|r| r.cells == vec![serde_json::json!("D'Amours, Hélène"), serde_json::json!("(514) 555-0199")])
    );
    let e = f.run(f.admin, R::ColumnsSave { list: ListKind::Clients, columns: vec!["nom".into()] }).unwrap_err();
    assert_eq!(e.body().reason.as_deref(), Some("unknown_column"));
    // A contact in the trash lends no name to the rows that mention it.
    f.run(f.admin, R::ContactDelete { id: p.id, version: 1 }).unwrap();
    let g = grid(ListKind::Interactions, None);
    assert_eq!(g.rows[0].cells[4], serde_json::Value::Null);
    assert_eq!(g.rows[0].cells[3], "D'Amours, Hélène");
}

/// A saved choice of columns naming one the firm has removed since (a role
/// deleted) still opens the list, without that column, and shows it again
/// once the role is back; a choice asked for in the request is still
/// checked whole. A switch a list does not take is named by itself.
fn saved_columns_outlive_a_removed_role(f: &Fixture) {
    firm(f);
    let role = || StaffRole {
        code: "compte".into(),
        label_fr: "Chargé de compte".into(),
        label_en: "Account manager".into(),
        builtin: false,
    };
    f.engine.execute(Actor::HOST, R::StaffRolePut { role: role() }).unwrap();
    let chosen = ["code", "role.compte", "name"].map(String::from).to_vec();
    f.run(f.admin, R::ColumnsSave { list: ListKind::Clients, columns: chosen }).unwrap();
    let ids = |cols: &[ColumnDef]| cols.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    let get = || match f.run(f.admin, R::ColumnsGet { list: ListKind::Clients }).unwrap() {
        S::Columns(c) => ids(&c),
        o => panic!("{o:?}"),
    };
    let grid = |columns: Option<Vec<String>>, open_only: bool| {
        f.run(
            f.admin,
            R::GridQuery {
                list: ListKind::Clients,
                columns,
                client_id: None,
                contact_id: None,
                last_30_days: false,
                open_only,
                query: q(None, None),
                count_limit: None,
            },
        )
    };
    assert_eq!(get(), ["code", "role.compte", "name"]);
    f.engine.execute(Actor::HOST, R::StaffRoleDelete { code: "compte".into() }).unwrap();
    assert_eq!(get(), ["code", "name"]);
    match grid(None, false).unwrap() {
        S::Grid(g) => {
            assert_eq!(ids(&g.columns), ["code", "name"]);
            assert_eq!(g.rows.len(), 3);
            assert!(g.rows.iter().all(|r| r.cells.len() == 2));
        }
        o => panic!("{o:?}"),
    }
    let e = grid(Some(["code", "role.compte"].map(String::from).to_vec()), false).unwrap_err();
    assert_eq!(e.body().reason.as_deref(), Some("unknown_column"));
    f.engine.execute(Actor::HOST, R::StaffRolePut { role: role() }).unwrap();
    assert_eq!(get(), ["code", "role.compte", "name"]);
    // `open_only` on the clients' grid is refused as itself, not as
    // `last_30_days`, which the request did not send.
    let e = grid(None, true).unwrap_err();
    assert_eq!((e.body().field.as_deref(), e.body().reason.as_deref()), (Some("open_only"), Some("not_for_kind")));
}

fn saved_views_private_shared_and_firm_default(f: &Fixture) {
    firm(f);
    let other = f.staff("Luc", Rights::all());
    let save = |actor: Option<i64>, name: &str, filter: &str, shared: bool, firm_default: bool| {
        let r = R::ViewSave {
            id: None,
            version: None,
            list: ListKind::Clients,
            name: name.into(),
            query: q(Some(filter), None),
            shared,
            firm_default,
        };
        match actor {
            Some(a) => f.run(a, r),
            None => f.engine.execute(Actor::HOST, r),
        }
    };
    let mine = match save(Some(f.admin), "Mes actifs", "statut:actif", false, false).unwrap() {
        S::View(v) => v,
        o => panic!("{o:?}"),
    };
    assert_eq!(mine.query.limit, None);
    save(Some(f.admin), "Partagé", "type:entreprise", true, false).unwrap();
    save(None, "Tous sauf inactifs", "-statut:inactif", true, true).unwrap();
    assert_eq!(
        save(Some(f.admin), "X", "statut:actif", false, true).unwrap_err().body().reason.as_deref(),
        Some("host_only")
    );
    assert_eq!(save(Some(f.admin), "X", "stauts:actif", false, false).unwrap_err().code(), "invalid_filter");
    let names = |actor| match f.run(actor, R::ViewList { list: ListKind::Clients }).unwrap() {
        S::Views(v) => v.into_iter().map(|v| v.name).collect::<Vec<_>>(),
        o => panic!("{o:?}"),
    };
    assert_eq!(names(f.admin), vec!["Tous sauf inactifs", "Mes actifs", "Partagé"]);
    assert_eq!(names(other), vec!["Tous sauf inactifs", "Partagé"]);
    // Another's private view answers as an absent one.
    assert_eq!(f.run(other, R::ViewDelete { id: mine.id }).unwrap_err().code(), "not_found");
    // Editing a view from a stale read is refused.
    let edit = |version| {
        f.run(
            f.admin,
            R::ViewSave {
                id: Some(mine.id),
                version,
                list: ListKind::Clients,
                name: "Mes actifs (2)".into(),
                query: q(Some("statut:actif"), None),
                shared: false,
                firm_default: false,
            },
        )
    };
    assert!(matches!(edit(Some(mine.version)).unwrap(), S::View(ref v) if v.version == mine.version + 1));
    assert_eq!(edit(Some(mine.version)).unwrap_err().code(), "conflict");
    // Applying a view is running its query.
    assert_eq!(client_codes(f, mine.query.clone()), vec!["DAM-01"]);
    f.run(f.admin, R::ViewDelete { id: mine.id }).unwrap();
    assert_eq!(names(f.admin), vec!["Tous sauf inactifs", "Partagé"]);
}

fn layouts_are_saved_per_staff_with_a_firm_default(f: &Fixture) {
    let other = f.staff("Luc", Rights::all());
    let layout = serde_json::json!({"tiles": [{"portlet": "clientele.today", "column": 0}]});
    let l = match f.engine.execute(
        Actor::HOST,
        R::LayoutSave {
            id: None,
            version: None,
            dashboard: DashboardKind::Staff,
            name: "Cabinet".into(),
            layout: layout.clone(),
            firm_default: true,
        },
    ) {
        Ok(S::Layout(l)) => l,
        o => panic!("{o:?}"),
    };
    assert!(l.firm_default && l.owner.is_none());
    let mine = match f
        .run(
            f.admin,
            R::LayoutSave {
                id: None,
                version: None,
                dashboard: DashboardKind::Staff,
                name: "Le mien".into(),
                layout,
                firm_default: false,
            },
        )
        .unwrap()
    {
        S::Layout(l) => l,
        o => panic!("{o:?}"),
    };
    let names = |actor| match f.run(actor, R::LayoutList { dashboard: DashboardKind::Staff }).unwrap() {
        S::Layouts(v) => v.into_iter().map(|l| l.name).collect::<Vec<_>>(),
        o => panic!("{o:?}"),
    };
    assert_eq!(names(f.admin), vec!["Cabinet", "Le mien"]);
    assert_eq!(names(other), vec!["Cabinet"]);
    assert_eq!(f.run(other, R::LayoutGet { id: mine.id }).unwrap_err().code(), "not_found");
    assert_eq!(f.run(other, R::LayoutDelete { id: l.id }).unwrap_err().code(), "forbidden");
    // An edit carries the version it read: a second editor of the same
    // read is refused, and an edit without a version too.
    let rename = |version: Option<i64>, name: &str| {
        f.run(
            f.admin,
            R::LayoutSave {
                id: Some(mine.id),
                version,
                dashboard: DashboardKind::Staff,
                name: name.into(),
                layout: serde_json::json!({"tiles": []}),
                firm_default: false,
            },
        )
    };
    let renamed = match rename(Some(mine.version), "Le mien, renommé").unwrap() {
        S::Layout(l) => l,
        o => panic!("{o:?}"),
    };
    assert_eq!(renamed.version, mine.version + 1);
    let e = rename(Some(mine.version), "Écrasement").unwrap_err();
    assert_eq!((e.code(), e.body().current_version), ("conflict", Some(renamed.version)));
    assert_eq!(rename(None, "Sans version").unwrap_err().field(), Some("version"));
    f.run(f.admin, R::LayoutDelete { id: mine.id }).unwrap();
    assert_eq!(names(f.admin), vec!["Cabinet"]);
    let bad = R::LayoutSave {
        id: None,
        version: None,
        dashboard: DashboardKind::Client,
        name: "x".into(),
        layout: serde_json::json!([1]),
        firm_default: false,
    };
    assert_eq!(f.run(f.admin, bad).unwrap_err().code(), "validation");
}

// ---------------------------------------------------------------- scoped reads

fn client_scope_reaches_no_other_client(f: &Fixture) {
    let (a, b, _) = firm(f);
    let pa = mk_contact(f, "Anne", "DeA", "514 555 0001", "a@exemple.ca");
    let pb = mk_contact(f, "Bruno", "DeB", "514 555 0002", "b@exemple.ca");
    f.run(f.admin, R::ContactLink { contact_id: pa.id, client_id: a.id, role: ContactRole::Primary, from_role: None })
        .unwrap();
    f.run(f.admin, R::ContactLink { contact_id: pb.id, client_id: b.id, role: ContactRole::Primary, from_role: None })
        .unwrap();
    f.run(f.admin, R::ContactLink { contact_id: pa.id, client_id: b.id, role: ContactRole::Billing, from_role: None })
        .unwrap();
    for (client, subject) in [(a.id, "note A"), (b.id, "note B")] {
        let mut n = InteractionData::note(f.clock.get(), subject);
        n.client_id = Some(client);
        f.run(f.admin, R::InteractionCreate { data: n }).unwrap();
    }
    let scoped = |r: R| f.engine.execute_scoped(Actor::Staff(f.admin), DataScope::Client { client_id: a.id }, r);
    // Lists are confined whatever the filter says.
    let out = serde_json::to_string(
        &scoped(R::ClientList { query: q(Some(&format!("id:{} OR id:{}", a.id, b.id)), None) }).unwrap(),
    )
    .unwrap();
    assert!(out.contains("DAM-01") && !out.contains("COTE-02"));
    let out = serde_json::to_string(&scoped(all_interactions(q(Some("note"), None), false)).unwrap()).unwrap();
    assert!(out.contains("note A") && !out.contains("note B"), "{out}");
    let out = serde_json::to_string(
        &scoped(R::InteractionList {
            client_id: None,
            contact_id: None,
            last_30_days: false,
            query: q(Some(&format!("client:{}", b.id)), None),
        })
        .unwrap(),
    )
    .unwrap();
    assert!(!out.contains("note B"));
    let out = serde_json::to_string(&scoped(R::ContactList { query: q(None, None) }).unwrap()).unwrap();
    assert!(out.contains("DeA") && !out.contains("DeB"));
    let out = serde_json::to_string(&scoped(R::ContactClients { id: pa.id }).unwrap()).unwrap();
    assert!(out.contains("DAM-01") && !out.contains("COTE-02"), "{out}");
    // Ids of another client's records are refused.
    for r in [
        R::ClientGet { id: b.id },
        R::ClientContacts { id: b.id },
        R::ClientTimeline { id: b.id, last_30_days: false, include_changes: false, query: ListQuery::default() },
        R::ContactGet { id: pb.id },
        R::InteractionList {
            client_id: Some(b.id),
            contact_id: None,
            last_30_days: false,
            query: ListQuery::default(),
        },
    ] {
        let op = r.op();
        assert_eq!(scoped(r).unwrap_err().code(), "not_found", "{op}");
    }
    // What is not the client's at all is refused.
    for r in [R::TrashList {}, R::ClientCreate { data: ClientData::new("X", "Y") }] {
        let op = r.op();
        assert_eq!(scoped(r).unwrap_err().code(), "forbidden", "{op}");
    }
    // Writes are refused even on the staff scope.
    let e = f.engine.execute_scoped(
        Actor::Staff(f.admin),
        DataScope::Staff,
        R::ClientCreate { data: ClientData::new("X", "Y") },
    );
    assert!(matches!(e, Err(Error::Forbidden { .. })));
}

fn a_page_expands_in_one_request(f: &Fixture) {
    let (a, b, c) = firm(f);
    let p = mk_contact(f, "Anne", "Aubé", "514 555 0001", "anne@exemple.ca");
    let q2 = mk_contact(f, "Bruno", "Bédard", "514 555 0002", "bruno@exemple.ca");
    f.run(f.admin, R::ContactLink { contact_id: p.id, client_id: a.id, role: ContactRole::Primary, from_role: None })
        .unwrap();
    f.run(f.admin, R::ContactLink { contact_id: p.id, client_id: b.id, role: ContactRole::Billing, from_role: None })
        .unwrap();
    f.run(f.admin, R::ContactLink { contact_id: q2.id, client_id: b.id, role: ContactRole::Primary, from_role: None })
        .unwrap();
    let rows = match f.run(f.admin, R::ClientContactsOf { ids: vec![a.id, b.id, c.id] }).unwrap() {
        S::ClientContacts(v) => v,
        o => panic!("{o:?}"),
    };
    let got: Vec<(Id, &str, ContactRole, Option<&str>)> =
        rows.iter().map(|r| (r.client_id, r.file_as.as_str(), r.role, r.primary_phone.as_deref())).collect();
    assert_eq!(
        got,
        vec![
            (a.id, "Aubé, Anne", ContactRole::Primary, Some("514 555 0001")),
            (b.id, "Aubé, Anne", ContactRole::Billing, Some("514 555 0001")),
            (b.id, "Bédard, Bruno", ContactRole::Primary, Some("514 555 0002")),
        ]
    );
    let linked = match f.run(f.admin, R::ContactClientsOf { ids: vec![p.id, q2.id] }).unwrap() {
        S::LinkedClients(v) => v.into_iter().map(|l| (l.contact_id, l.code)).collect::<Vec<_>>(),
        o => panic!("{o:?}"),
    };
    assert_eq!(linked, vec![(p.id, "COTE-02".to_string()), (p.id, "DAM-01".into()), (q2.id, "COTE-02".into())]);
    assert_eq!(f.run(f.admin, R::ClientContactsOf { ids: vec![a.id, 9999] }).unwrap_err().code(), "not_found");
    assert_eq!(f.run(f.admin, R::ClientContactsOf { ids: vec![] }).unwrap_err().code(), "validation");
    // A staff member of one office cannot expand another office's client.
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let mtl = f.staff("Montréalais", rights);
    assert!(f.run(mtl, R::ClientContactsOf { ids: vec![a.id] }).is_ok());
    assert_eq!(f.run(mtl, R::ClientContactsOf { ids: vec![a.id, b.id] }).unwrap_err().code(), "not_found");
    let linked = match f.run(mtl, R::ContactClientsOf { ids: vec![p.id] }).unwrap() {
        S::LinkedClients(v) => v.into_iter().map(|l| l.code).collect::<Vec<_>>(),
        o => panic!("{o:?}"),
    };
    assert_eq!(linked, vec!["DAM-01"]);
}

backend_tests!(
    a_page_expands_in_one_request,
    keyword_search_ignores_case_accents_and_apostrophes,
    search_ranks_exact_then_prefix_then_rest,
    keyword_index_follows_every_write,
    contacts_and_interactions_are_searchable,
    filters_with_french_and_english_names_and_values,
    hostile_filter_text_is_data_not_sql,
    filter_errors_point_at_the_input,
    custom_fields_are_filterable,
    last_30_days_is_counted_in_the_firm_time_zone,
    transfers_open_only_and_last_30_days,
    keyset_paging_walks_every_sort_without_gaps,
    grid_carries_only_the_chosen_columns,
    saved_columns_outlive_a_removed_role,
    saved_views_private_shared_and_firm_default,
    layouts_are_saved_per_staff_with_a_firm_default,
    client_scope_reaches_no_other_client,
);

//! Differential test of the query engine: thousands of generated filters,
//! hostile strings included, evaluated by SQL (on SQLite and on PostgreSQL)
//! and by the reference evaluator over the same records, must give the
//! same rows in the same order — or the same error.
//!
//! `CLIENTELE_DIFF_CASES` sets the number of filters per backend (default
//! 1,500); `CLIENTELE_DIFF_SEED` the seed (default fixed, printed on
//! failure).

use std::collections::{HashMap, HashSet};

use clientele_core::domain::Rights;
use clientele_core::domain::*;
use clientele_core::protocol::{FilterInput, ListKind, ListQuery, Request as R, Response as S};
use clientele_core::query::memory;
use clientele_tests::{Backend, Fixture, Rng};

#[path = "common/firm.rs"]
mod firm;
use firm::*;

fn sql_ids(f: &Fixture, actor: Id, kind: ListKind, filter: &str) -> Result<Vec<Id>, String> {
    let query = ListQuery { filter: Some(FilterInput::Text(filter.into())), limit: Some(500), ..Default::default() };
    let r = match kind {
        ListKind::Clients => R::ClientList { query },
        ListKind::Contacts => R::ContactList { query },
        ListKind::Interactions => R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query },
        ListKind::Transfers => R::TransferList { client_id: None, last_30_days: false, open_only: false, query },
    };
    match f.run(actor, r) {
        Ok(S::Clients(p)) => Ok(p.items.iter().map(|r| r.id).collect()),
        Ok(S::Contacts(p)) => Ok(p.items.iter().map(|r| r.id).collect()),
        Ok(S::Interactions(p)) => Ok(p.items.iter().map(|r| r.id).collect()),
        Ok(S::Transfers(p)) => Ok(p.items.iter().map(|r| r.id).collect()),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e.code().to_string()),
    }
}

fn run(backend: Backend) {
    let Some(f) = Fixture::new(backend) else { return };
    let seed: u64 = std::env::var("CLIENTELE_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_c0de_2026);
    let cases: usize = std::env::var("CLIENTELE_DIFF_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(1500);
    let mut rng = Rng(seed);
    let world = seed_firm(&f, &mut rng, DIFFERENTIAL_FIRM);
    // A staff member of one office: the same filters must also agree with
    // the reference restricted to what that office sees.
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let montreal = match f
        .engine
        .execute(
            clientele_core::protocol::Actor::HOST,
            R::StaffPut { id: None, version: None, staff: clientele_tests::staff("Luc Montréal", "LM", rights) },
        )
        .unwrap()
    {
        S::Staff(m) => m.id,
        _ => unreachable!(),
    };
    let defs = match f.run(f.admin, R::CustomFieldList { kind: None, record: None }).unwrap() {
        S::CustomFields(d) => d,
        _ => unreachable!(),
    };
    let tz = f.engine.timezone();
    let mut stats: HashMap<&str, (usize, usize, usize, usize, usize)> = HashMap::new();
    let mut people: HashMap<&'static str, Vec<String>> = HashMap::new();
    people.insert("staff", ["HDA", "hda", "LM", "me", "MOI", "Hélène D'Amours", "ZZ"].map(String::from).to_vec());
    for kind in ListKind::ALL {
        let mut table = load(&f, kind, &defs, &world);
        let texts = |field: &str| -> Vec<String> {
            table
                .rows
                .iter()
                .filter_map(|(_, row, _)| match row.get(field) {
                    Some(clientele_filter::FieldValue::Text(t)) => Some(t.clone()),
                    _ => None,
                })
                .chain(["NOPE-99".to_string()])
                .collect()
        };
        match kind {
            ListKind::Clients => {
                drop(people.insert("client", texts("code")));
                // The people in charge are staff members, by any spelling.
                let staff: Vec<String> =
                    ["HDA", "JT", "mec", "me", "moi", "Jean Tremblay", "Côté, Marie-Ève", "LM", "ZZ"]
                        .map(String::from)
                        .to_vec();
                for field in ["assigned", "role.partner", "role.manager", "role.staff"] {
                    table.people.insert(field, staff.clone());
                }
            }
            ListKind::Contacts => drop(people.insert("contact", texts("name"))),
            _ => {
                table.people = people.clone();
                // Whom follow-ups and phone messages are for.
                for field in ["follow_up", "for"] {
                    table.people.insert(
                        field,
                        people["staff"].iter().cloned().chain(["JT".into(), "Côté, Marie-Ève".into()]).collect(),
                    );
                }
            }
        }
        let fields = match f.run(f.admin, R::FilterFields { list: kind }).unwrap() {
            S::Fields(v) => v,
            _ => unreachable!(),
        };
        for case in 0..cases / 4 {
            let n = 1 + rng.below(3);
            let filter = (0..n).map(|_| term(&mut rng, &fields, &table, 0)).collect::<Vec<_>>().join(" ");
            let got = sql_ids(&f, f.admin, kind, &filter);
            // Codes, initials and names resolve to ids as for the one asking.
            let reference = |actor: Id| {
                f.engine
                    .check_filter_as(
                        clientele_core::protocol::Actor::Staff(actor),
                        kind,
                        &FilterInput::Text(filter.clone()),
                    )
                    .map(|typed| {
                        table
                            .rows
                            .iter()
                            .filter(|(_, row, text)| memory::matches(&typed, row, text, tz))
                            .collect::<Vec<_>>()
                    })
            };
            let matching = reference(f.admin);
            let want = match &matching {
                Ok(rows) => Ok(rows.iter().map(|(id, _, _)| *id).take(500).collect::<Vec<_>>()),
                Err(e) => Err(e.code().to_string()),
            };
            assert_eq!(
                got, want,
                "{backend:?} {kind:?} case {case} (seed {seed}): filter {filter:?} — SQL (left) and reference (right) disagree"
            );
            let got = sql_ids(&f, montreal, kind, &filter);
            let want = match &reference(montreal) {
                Ok(rows) => Ok(rows
                    .iter()
                    .filter(|(id, row, _)| world.sees(kind, *id, row, "Montréal"))
                    .map(|(id, _, _)| *id)
                    .take(500)
                    .collect::<Vec<_>>()),
                Err(e) => Err(e.code().to_string()),
            };
            assert_eq!(
                got, want,
                "{backend:?} {kind:?} case {case} (seed {seed}), Montréal staff: filter {filter:?} — SQL (left) and reference (right) disagree"
            );
            let s = stats.entry(kind.as_str()).or_default();
            s.3 += matching.as_ref().map_or(0, |v| v.len());
            s.4 += got.as_ref().map_or(0, |v| v.len());
            match &want {
                Ok(v) if v.is_empty() => s.1 += 1,
                Ok(_) => s.0 += 1,
                Err(_) => s.2 += 1,
            }
        }
        let _: HashSet<Id> = table.rows.iter().map(|r| r.0).collect();
    }
    eprintln!(
        "differential {backend:?}: {cases} filters, per list (matching, empty, refused, rows matched, of which seen by Montréal staff): {stats:?}"
    );
}

#[test]
fn sqlite_agrees_with_the_reference_evaluator() {
    run(Backend::Sqlite);
}

#[test]
fn postgres_agrees_with_the_reference_evaluator() {
    run(Backend::Postgres);
}

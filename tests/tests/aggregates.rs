//! Aggregate reads (`list.count_by`, `client.last_interaction`) and capped
//! counts (`grid.query` `count_limit`), on both backends: each answer is
//! checked against the list itself, read whole through the same actor and
//! scope — every list × groupable field × filter × actor scope (all
//! offices, one office, a client dashboard).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use clientele_core::domain::*;
use clientele_core::protocol::{
    Actor, CountPeriods, DataScope, FilterInput, ListKind, ListQuery, Request as R, Response as S,
};
use clientele_tests::{Fixture, Rng, backend_tests};

#[path = "common/firm.rs"]
mod firm;

const SMALL_FIRM: firm::FirmSize =
    firm::FirmSize { clients: 40, contacts: 30, interactions: 160, transfer_attempts: 30, trash: 35..37 };

/// Who asks: a staff member and, on a client dashboard, the client.
#[derive(Debug, Clone, Copy)]
struct Asker {
    staff: Id,
    scope: Option<Id>,
}

fn ask(f: &Fixture, who: Asker, request: R) -> clientele_core::Result<S> {
    match who.scope {
        None => f.run(who.staff, request),
        Some(client_id) => f.engine.execute_scoped(Actor::Staff(who.staff), DataScope::Client { client_id }, request),
    }
}

/// Every row of a grid of `list` with `columns`, paged through as `who`.
fn grid_rows(f: &Fixture, who: Asker, list: ListKind, columns: &[&str], filter: Option<&str>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..firm::MAX_PAGES {
        let request = R::GridQuery {
            list,
            columns: (!columns.is_empty()).then(|| columns.iter().map(|c| c.to_string()).collect()),
            client_id: None,
            contact_id: None,
            last_30_days: false,
            open_only: false,
            count_limit: None,
            query: ListQuery {
                filter: filter.map(|t| FilterInput::Text(t.into())),
                limit: Some(500),
                cursor,
                ..Default::default()
            },
        };
        let S::Grid(g) = ask(f, who, request).unwrap() else { panic!("a grid") };
        out.extend(
            g.rows.into_iter().map(|r| {
                r.cells.iter().map(|c| c.as_str().map(str::to_string).unwrap_or_default()).collect::<Vec<_>>()
            }),
        );
        match g.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
    panic!("the grid does not end");
}

fn count_by(
    f: &Fixture,
    who: Asker,
    list: ListKind,
    by: &[&str],
    periods: Option<CountPeriods>,
    filter: Option<&str>,
) -> S {
    ask(
        f,
        who,
        R::ListCountBy {
            list,
            by: by.iter().map(|b| b.to_string()).collect(),
            periods,
            filter: filter.map(|t| FilterInput::Text(t.into())),
            client_id: None,
            contact_id: None,
            open_only: false,
            limit: None,
        },
    )
    .unwrap()
}

fn staff(f: &Fixture, name: &str, initials: &str, rights: Rights) -> Id {
    match f
        .engine
        .execute(
            Actor::HOST,
            R::StaffPut { id: None, version: None, staff: clientele_tests::staff(name, initials, rights) },
        )
        .unwrap()
    {
        S::Staff(s) => s.id,
        other => panic!("{other:?}"),
    }
}

struct Setup {
    askers: Vec<Asker>,
    admin: Id,
}

fn setup(f: &Fixture) -> Setup {
    let mut rng = Rng(0xa66_2026);
    let world = firm::seed_firm(f, &mut rng, SMALL_FIRM);
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let montreal = staff(f, "Jean-François Montréal", "JFM", rights);
    // A client with interactions, on its dashboard.
    let client = world.clients[3];
    Setup {
        askers: vec![
            Asker { staff: f.admin, scope: None },
            Asker { staff: montreal, scope: None },
            Asker { staff: f.admin, scope: Some(client) },
        ],
        admin: f.admin,
    }
}

fn groupable(list: ListKind) -> &'static [&'static str] {
    match list {
        ListKind::Clients => &["kind", "status"],
        ListKind::Contacts => &[],
        ListKind::Interactions => &["kind", "direction", "message"],
        ListKind::Transfers => &["status", "direction"],
    }
}

fn filters(list: ListKind) -> &'static [Option<&'static str>] {
    match list {
        ListKind::Clients => &[None, Some("statut:actif"), Some("-type:particulier")],
        ListKind::Interactions => &[None, Some("type:appel"), Some("-type:note when:>=2026-01-01")],
        ListKind::Transfers => &[None, Some("statut:en-attente"), Some("-statut:termine")],
        ListKind::Contacts => &[None],
    }
}

/// Counts by every groupable field (alone and in pairs), every filter and
/// every actor scope equal the list's own rows counted by hand.
fn counts_by_field_agree_with_the_list(f: &Fixture) {
    let s = setup(f);
    for who in &s.askers {
        for list in [ListKind::Clients, ListKind::Interactions, ListKind::Transfers] {
            let fields = groupable(list);
            let mut shapes: Vec<Vec<&str>> = fields.iter().map(|x| vec![*x]).collect();
            shapes.push(fields[..2].to_vec());
            for filter in filters(list) {
                for by in &shapes {
                    let rows = grid_rows(f, *who, list, by, *filter);
                    let mut want: BTreeMap<Vec<Option<String>>, u64> = BTreeMap::new();
                    for r in &rows {
                        let key = r.iter().map(|c| (!c.is_empty()).then(|| c.clone())).collect();
                        *want.entry(key).or_default() += 1;
                    }
                    let S::GroupCounts(got) = count_by(f, *who, list, by, None, *filter) else { panic!() };
                    let got_map: BTreeMap<Vec<Option<String>>, u64> =
                        got.groups.iter().map(|g| (g.values.clone(), g.count)).collect();
                    assert_eq!(got_map, want, "{who:?} {list:?} by {by:?} filter {filter:?}");
                    assert_eq!(got.total, rows.len() as u64);
                    assert!(!got.capped);
                    assert_eq!(got.by.len(), by.len());
                    // Every value answered has its labels in both languages.
                    for (i, field) in got.by.iter().enumerate() {
                        for g in &got.groups {
                            if let Some(v) = &g.values[i] {
                                let c = field.values.iter().find(|c| &c.value == v).expect("a labelled value");
                                assert!(!c.label_fr.is_empty() && !c.label_en.is_empty());
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Counts per period (weeks in the firm's time zone), with and without a
/// field, agree with the list's dates; a limit below the rows is `capped`.
fn counts_per_period_agree_with_the_list(f: &Fixture) {
    let s = setup(f);
    let from = NaiveDate::from_ymd_opt(2025, 10, 20).unwrap();
    let (days, count) = (21u32, 20u32);
    for who in &s.askers {
        for filter in filters(ListKind::Interactions) {
            let rows = grid_rows(f, *who, ListKind::Interactions, &["when", "kind"], *filter);
            let mut want: BTreeMap<(u32, String), u64> = BTreeMap::new();
            let mut inside = 0;
            for r in &rows {
                let day = NaiveDate::parse_from_str(&r[0][..10], "%Y-%m-%d").unwrap();
                let k = (day - from).num_days();
                if k >= 0 && k < i64::from(days * count) {
                    *want.entry(((k / i64::from(days)) as u32, r[1].clone())).or_default() += 1;
                    inside += 1;
                }
            }
            let periods = CountPeriods { field: "quand".into(), from, days, count };
            let S::GroupCounts(got) =
                count_by(f, *who, ListKind::Interactions, &["type"], Some(periods.clone()), *filter)
            else {
                panic!()
            };
            let got_map: BTreeMap<(u32, String), u64> =
                got.groups.iter().map(|g| ((g.period.unwrap(), g.values[0].clone().unwrap()), g.count)).collect();
            assert_eq!(got_map, want, "{who:?} filter {filter:?}");
            assert_eq!(got.total, inside);
            assert_eq!(got.periods.len(), count as usize);
            assert_eq!(got.periods[1].from, from + Duration::days(21));
            assert_eq!(got.periods[0].to, from + Duration::days(20));
            // Periods alone: the same totals per period.
            let S::GroupCounts(alone) = count_by(f, *who, ListKind::Interactions, &[], Some(periods.clone()), *filter)
            else {
                panic!()
            };
            assert_eq!(alone.total, inside);
            // Capped: more rows than the limit answers no groups and says so.
            if inside > 2 {
                let r = ask(
                    f,
                    *who,
                    R::ListCountBy {
                        list: ListKind::Interactions,
                        by: vec!["kind".into()],
                        periods: Some(periods),
                        filter: filter.map(|t| FilterInput::Text(t.into())),
                        client_id: None,
                        contact_id: None,
                        open_only: false,
                        limit: Some(2),
                    },
                )
                .unwrap();
                let S::GroupCounts(capped) = r else { panic!() };
                assert!(capped.capped && capped.groups.is_empty() && capped.total == 2, "{capped:?}");
            }
        }
    }
}

/// `client.last_interaction` answers, for every client the actor sees, its
/// newest interaction; `idle_days` keeps those idle since before that day.
fn last_interaction_per_client_agrees_with_the_lists(f: &Fixture) {
    let s = setup(f);
    let tz = f.engine.timezone();
    for who in &s.askers {
        let clients = grid_rows(f, *who, ListKind::Clients, &["code"], None);
        // Reference: each visible client's newest own interaction.
        let mut want: Vec<(String, Option<chrono::DateTime<chrono::Utc>>)> = Vec::new();
        for code in clients.iter().map(|r| r[0].clone()) {
            let filter = format!("client:{}", firm::quote(&code));
            let rows = grid_rows(f, *who, ListKind::Interactions, &["when", "client"], Some(&filter));
            let newest = rows
                .iter()
                .map(|r| chrono::DateTime::parse_from_rfc3339(&r[0]).unwrap().with_timezone(&chrono::Utc))
                .max();
            want.push((code, newest));
        }
        for idle in [None, Some(90u32), Some(400)] {
            let cutoff = idle.map(|d| {
                let day = f.engine.today() - Duration::days(i64::from(d));
                day.and_hms_opt(0, 0, 0).unwrap().and_local_timezone(tz).earliest().unwrap().with_timezone(&chrono::Utc)
            });
            let mut expected: Vec<(String, Option<chrono::DateTime<chrono::Utc>>)> = want
                .iter()
                .filter(|(_, at)| match (cutoff, at) {
                    (None, _) | (_, None) => true,
                    (Some(c), Some(at)) => *at < c,
                })
                .cloned()
                .collect();
            let r = ask(f, *who, R::ClientLastInteraction { filter: None, idle_days: idle, limit: Some(500) }).unwrap();
            let S::LastInteractions(got) = r else { panic!() };
            assert_eq!(got.total, expected.len() as u64, "{who:?} idle {idle:?}");
            // Never first, then the longest idle; ties by id (not compared).
            let mut got_pairs: Vec<(String, Option<chrono::DateTime<chrono::Utc>>)> =
                got.items.iter().map(|i| (i.code.clone(), i.last_at)).collect();
            let order: Vec<_> = got.items.iter().map(|i| (i.last_at.is_some(), i.last_at)).collect();
            assert!(order.windows(2).all(|w| w[0] <= w[1]), "{who:?}: longest idle first");
            got_pairs.sort();
            expected.sort();
            assert_eq!(got_pairs, expected, "{who:?} idle {idle:?}");
            if let Some(i) = got.items.iter().find(|i| i.interaction_id.is_some()) {
                let S::Interaction(rec) = ask(f, *who, R::InteractionGet { id: i.interaction_id.unwrap() }).unwrap()
                else {
                    panic!()
                };
                assert_eq!(Some(rec.data.occurred_at), i.last_at);
            }
        }
        // A page shorter than the answer keeps the total.
        let S::LastInteractions(page) =
            ask(f, *who, R::ClientLastInteraction { filter: None, idle_days: None, limit: Some(1) }).unwrap()
        else {
            panic!()
        };
        assert_eq!(page.items.len(), usize::from(!want.is_empty()));
        assert_eq!(page.total, want.len() as u64);
    }
}

/// `count_limit`: a count past it is the limit and `total_capped`; one at
/// or under it is exact.
fn grid_counts_stop_at_the_count_limit(f: &Fixture) {
    let s = setup(f);
    for who in &s.askers {
        for list in ListKind::ALL {
            let n = grid_rows(f, *who, list, &[], None).len() as u64;
            for cap in [1u32, 3, 999] {
                let S::Grid(g) = ask(
                    f,
                    *who,
                    R::GridQuery {
                        list,
                        columns: None,
                        client_id: None,
                        contact_id: None,
                        last_30_days: false,
                        open_only: false,
                        count_limit: Some(cap),
                        query: ListQuery { count: true, limit: Some(1), ..Default::default() },
                    },
                )
                .unwrap() else {
                    panic!()
                };
                let cap = u64::from(cap);
                assert_eq!((g.total, g.total_capped), (Some(n.min(cap)), n > cap), "{who:?} {list:?} cap {cap}");
            }
        }
    }
}

/// Bad requests are typed errors; rights and scope apply.
fn aggregates_refuse_what_they_cannot_answer(f: &Fixture) {
    let s = setup(f);
    let code = |r: clientele_core::Result<S>| r.map(|_| ()).unwrap_err().code().to_string();
    let who = Asker { staff: s.admin, scope: None };
    let base = |by: Vec<&str>| R::ListCountBy {
        list: ListKind::Interactions,
        by: by.into_iter().map(String::from).collect(),
        periods: None,
        filter: None,
        client_id: None,
        contact_id: None,
        open_only: false,
        limit: None,
    };
    assert_eq!(code(ask(f, who, base(vec!["nope"]))), "validation");
    assert_eq!(code(ask(f, who, base(vec!["subject"]))), "validation", "not a choice field");
    assert_eq!(code(ask(f, who, base(vec![]))), "validation", "nothing to group by");
    assert_eq!(code(ask(f, who, base(vec!["kind", "direction", "message"]))), "validation");
    let mut bad_period = base(vec![]);
    if let R::ListCountBy { periods, .. } = &mut bad_period {
        *periods = Some(CountPeriods {
            field: "subject".into(),
            from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            days: 7,
            count: 4,
        });
    }
    assert_eq!(code(ask(f, who, bad_period)), "validation", "periods need a date-time field");
    // Periods running past the calendar's last date: refused, no panic.
    let mut far = base(vec![]);
    if let R::ListCountBy { periods, .. } = &mut far {
        *periods = Some(CountPeriods { field: "when".into(), from: NaiveDate::MAX, days: 366, count: 2 });
    }
    assert_eq!(code(ask(f, who, far)), "validation", "periods past the last date");
    let grid = |cap| R::GridQuery {
        list: ListKind::Clients,
        columns: None,
        client_id: None,
        contact_id: None,
        last_30_days: false,
        open_only: false,
        count_limit: Some(cap),
        query: ListQuery { count: true, ..Default::default() },
    };
    assert_eq!(code(ask(f, who, grid(0))), "validation");
    assert_eq!(code(ask(f, who, grid(10_001))), "validation");
    // Without the right to view interactions: forbidden, both ops.
    let mut rights = Rights::all();
    rights.interactions.view = false;
    let blind = Asker { staff: staff(f, "Hélène Sans-Droits", "HSD", rights), scope: None };
    assert_eq!(code(ask(f, blind, base(vec!["kind"]))), "forbidden");
    assert_eq!(
        code(ask(f, blind, R::ClientLastInteraction { filter: None, idle_days: Some(90), limit: None })),
        "forbidden"
    );
    // Writes are not aggregates: both ops only read.
    assert!(base(vec!["kind"]).is_read_only());
    assert!(R::ClientLastInteraction { filter: None, idle_days: None, limit: None }.is_read_only());
}

backend_tests!(
    counts_by_field_agree_with_the_list,
    counts_per_period_agree_with_the_list,
    last_interaction_per_client_agrees_with_the_lists,
    grid_counts_stop_at_the_count_limit,
    aggregates_refuse_what_they_cannot_answer,
);

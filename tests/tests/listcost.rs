//! What a list page costs, first page and deep page, beside hand-written
//! statements prepared once that answer the same columns (issue 10). Not a
//! benchmark harness (that is `benches/`): a quick before/after measure of
//! the engine's read path at a size that loads in seconds.
//!
//! ```text
//! cargo test --release -p clientele-tests --test listcost -- --ignored --nocapture
//! CLIENTELE_LISTCOST_BACKEND=postgres CLIENTELE_LISTCOST_RUNS=300 \
//! CLIENTELE_LISTCOST_CLIENTS=20000 CLIENTELE_LISTCOST_INTERACTIONS=200000 cargo test --release ...
//! ```
//! Prints p50 and p95 per case (runs interleaved across cases).

use std::time::Instant;

use clientele_core::protocol::{Actor, ListKind, ListQuery, Request, Response};
use clientele_tests::{Backend, Fixture, Sizes, bulk_load};
use diesel::prelude::*;

mod base {
    diesel::table! {
        clients (id) {
            id -> BigInt, code -> Text, name -> Text, kind -> Text, status -> Text, office -> Nullable<Text>,
            address -> Nullable<Text>, phones -> Text, emails -> Text, website -> Nullable<Text>,
            notes -> Nullable<Text>, referral_type -> Nullable<Text>, referred_by -> Nullable<Text>,
            won_date -> Nullable<Text>, won_reason -> Nullable<Text>, left_date -> Nullable<Text>,
            lost_to -> Nullable<Text>, lost_reason -> Nullable<Text>, created_by -> BigInt, created_at -> BigInt,
            updated_by -> BigInt, updated_at -> BigInt, version -> BigInt, name_fold -> Text,
            trash_id -> Nullable<BigInt>,
        }
    }
    diesel::table! {
        interactions (id) {
            id -> BigInt, kind -> Text, occurred_at -> BigInt, client_id -> Nullable<BigInt>,
            contact_id -> Nullable<BigInt>, staff_id -> Nullable<BigInt>, subject -> Text, body -> Text,
            direction -> Nullable<Text>, duration_secs -> Nullable<BigInt>, phone -> Nullable<Text>,
            email_from -> Nullable<Text>, email_to -> Nullable<Text>, email_cc -> Nullable<Text>,
            taken_for -> Nullable<Text>, custom -> Text, transfer_id -> Nullable<BigInt>, created_by -> BigInt,
            created_at -> BigInt, updated_by -> BigInt, updated_at -> BigInt, version -> BigInt,
            trash_id -> Nullable<BigInt>,
        }
    }
}

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A hand-written, prepared-once statement: the same columns and order as
/// the engine's first page.
enum Baseline {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

macro_rules! baseline_clients {
    ($c:expr) => {{
        use base::clients::dsl::*;
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            (i64, String, String, String, String, Option<String>, Option<String>, String),
            (String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>),
            (Option<String>, Option<String>, Option<String>, Option<String>, i64, i64, i64, i64, i64),
        )> = clients
            .filter(trash_id.is_null())
            .order((name_fold.asc(), id.asc()))
            .limit(51)
            .select((
                (id, code, name, kind, status, office, address, phones),
                (emails, website, notes, referral_type, referred_by, won_date),
                (won_reason, left_date, lost_to, lost_reason, created_by, created_at, updated_by, updated_at, version),
            ))
            .load($c)
            .unwrap();
        rows.len()
    }};
}

macro_rules! baseline_interactions {
    ($c:expr) => {{
        use base::interactions::dsl::*;
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            (i64, String, i64, Option<i64>, Option<i64>, Option<i64>, String, String),
            (Option<String>, Option<i64>, Option<String>, Option<String>, Option<String>, Option<String>),
            (Option<String>, String, Option<i64>, i64, i64, i64, i64, i64),
        )> = interactions
            .filter(trash_id.is_null())
            .order((occurred_at.desc(), id.desc()))
            .limit(51)
            .select((
                (id, kind, occurred_at, client_id, contact_id, staff_id, subject, body),
                (direction, duration_secs, phone, email_from, email_to, email_cc),
                (taken_for, custom, transfer_id, created_by, created_at, updated_by, updated_at, version),
            ))
            .load($c)
            .unwrap();
        rows.len()
    }};
}

impl Baseline {
    fn clients(&mut self) -> usize {
        match self {
            Baseline::Sqlite(c) => baseline_clients!(c),
            Baseline::Pg(c) => baseline_clients!(c),
        }
    }
    fn interactions(&mut self) -> usize {
        match self {
            Baseline::Sqlite(c) => baseline_interactions!(c),
            Baseline::Pg(c) => baseline_interactions!(c),
        }
    }
}

/// One case: a request, or a baseline statement.
enum Case {
    Engine(Box<Request>),
    BaseClients,
    BaseInteractions,
}

fn next_cursor(r: &Response) -> Option<String> {
    match r {
        Response::Clients(p) => p.next_cursor.clone(),
        Response::Contacts(p) => p.next_cursor.clone(),
        Response::Interactions(p) => p.next_cursor.clone(),
        Response::Transfers(p) => p.next_cursor.clone(),
        Response::Grid(g) => g.next_cursor.clone(),
        other => panic!("not a page: {other:?}"),
    }
}

#[test]
#[ignore = "a measure, not a check: run with --ignored --nocapture (see the module docs)"]
fn list_pages_cost() {
    let backend = match std::env::var("CLIENTELE_LISTCOST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let Some(f) = Fixture::new(backend) else { return };
    let clients = env("CLIENTELE_LISTCOST_CLIENTS", 20_000);
    let sizes = Sizes {
        clients,
        contacts: env("CLIENTELE_LISTCOST_CONTACTS", clients * 3),
        interactions: env("CLIENTELE_LISTCOST_INTERACTIONS", clients * 10),
        transfers: env("CLIENTELE_LISTCOST_TRANSFERS", clients),
    };
    let runs = env("CLIENTELE_LISTCOST_RUNS", 300) as usize;
    let loaded = Instant::now();
    bulk_load(&f, sizes);
    println!("{backend:?}, {sizes:?}, loaded in {:.1} s, {runs} runs a case", loaded.elapsed().as_secs_f64());
    let a = f.admin;
    let run = |r: Request| f.engine.execute(Actor::Staff(a), r).unwrap();
    // The client with the most interactions is any (they are spread evenly).
    let client = 1;
    let q = ListQuery::default();
    let deep = |make: &dyn Fn(ListQuery) -> Request| {
        // The cursor of page 100.
        let mut query = ListQuery::default();
        for _ in 0..100 {
            match next_cursor(&run(make(query.clone()))) {
                Some(c) => query.cursor = Some(c),
                None => break,
            }
        }
        make(query)
    };
    let clients_req = |query: ListQuery| Request::ClientList { query };
    let contacts_req = |query: ListQuery| Request::ContactList { query };
    let interactions_req =
        |query: ListQuery| Request::InteractionList { client_id: None, contact_id: None, last_30_days: false, query };
    let timeline_req =
        |query: ListQuery| Request::ClientTimeline { id: client, last_30_days: false, include_changes: false, query };
    let transfers_req =
        |query: ListQuery| Request::TransferList { client_id: None, last_30_days: false, open_only: false, query };
    let grid_req = |query: ListQuery| Request::GridQuery {
        list: ListKind::Interactions,
        columns: None,
        client_id: None,
        contact_id: None,
        last_30_days: false,
        open_only: false,
        query,
        count_limit: None,
    };
    let filtered = ListQuery {
        filter: Some(clientele_core::query::FilterInput::Text("status:active type:individual".into())),
        ..Default::default()
    };
    let mut cases: Vec<(&str, Case)> = vec![
        ("clients, first page", Case::Engine(Box::new(clients_req(q.clone())))),
        ("  baseline: same columns, prepared once", Case::BaseClients),
        ("clients, page 100", Case::Engine(Box::new(deep(&clients_req)))),
        ("clients, two-term filter", Case::Engine(Box::new(clients_req(filtered)))),
        ("contacts, first page", Case::Engine(Box::new(contacts_req(q.clone())))),
        ("contacts, page 100", Case::Engine(Box::new(deep(&contacts_req)))),
        ("interactions, newest 50", Case::Engine(Box::new(interactions_req(q.clone())))),
        ("  baseline: same columns, prepared once", Case::BaseInteractions),
        ("interactions, page 100", Case::Engine(Box::new(deep(&interactions_req)))),
        ("client timeline, first page", Case::Engine(Box::new(timeline_req(q.clone())))),
        ("transfers, first page", Case::Engine(Box::new(transfers_req(q.clone())))),
        ("transfers, page 100", Case::Engine(Box::new(deep(&transfers_req)))),
        (
            "transfers, open",
            Case::Engine(Box::new(Request::TransferList {
                client_id: None,
                last_30_days: false,
                open_only: true,
                query: q.clone(),
            })),
        ),
        ("grid of interactions, first page", Case::Engine(Box::new(grid_req(q.clone())))),
        ("grid of interactions, page 100", Case::Engine(Box::new(deep(&grid_req)))),
    ];
    let url = f.place.url();
    let mut baseline = match backend {
        Backend::Sqlite => {
            Baseline::Sqlite(diesel::SqliteConnection::establish(url.trim_start_matches("sqlite:")).unwrap())
        }
        Backend::Postgres => Baseline::Pg(diesel::PgConnection::establish(&url).unwrap()),
    };
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(runs); cases.len()];
    for round in 0..runs + 20 {
        for (i, (_, case)) in cases.iter_mut().enumerate() {
            let start = Instant::now();
            match case {
                Case::Engine(r) => {
                    run((**r).clone());
                }
                Case::BaseClients => assert_eq!(baseline.clients(), 51),
                Case::BaseInteractions => assert_eq!(baseline.interactions(), 51),
            }
            // The first 20 rounds warm up.
            if round >= 20 {
                times[i].push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    println!("{:<42} {:>9} {:>9}", "case", "p50 ms", "p95 ms");
    for ((name, _), t) in cases.iter().zip(&mut times) {
        t.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let p = |q: f64| t[((t.len() as f64 - 1.0) * q).round() as usize];
        println!("{name:<42} {:>9.3} {:>9.3}", p(0.5), p(0.95));
    }
}

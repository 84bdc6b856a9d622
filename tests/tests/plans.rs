//! The main list queries use indexes at firm size: no full scan of
//! interactions (or of the list's table) on either backend.
//!
//! The data is bulk-loaded with SQL (2,000 clients, 60,000 interactions,
//! 3,000 transfers) so a scan would show in the plan; the requests go
//! through the engine, which answers the database's own plan.

use clientele_core::domain::Id;
use clientele_core::protocol::{Actor, FilterInput, ListKind, ListQuery, Request as R};
use clientele_tests::{Backend, Fixture, Sizes, bulk_load};

fn q(filter: Option<&str>, search: Option<&str>) -> ListQuery {
    ListQuery {
        filter: filter.map(|s| FilterInput::Text(s.into())),
        search: search.map(String::from),
        ..Default::default()
    }
}

/// The plan's lines that read the list's own table (alias `t`) without an
/// index.
fn full_scans(lines: &[String], table: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|l| {
            // SQLite: "SCAN t" (no index); PostgreSQL: "Seq Scan on <table> t".
            (l.trim_start().starts_with("SCAN t") && !l.contains("INDEX"))
                || l.contains(&format!("Seq Scan on {table} t"))
        })
        .cloned()
        .collect()
}

/// A grid of `list` (`columns`: its default ones, names included), ten
/// rows unless `query` says.
fn grid(list: ListKind, columns: Option<&[&str]>, open_only: bool, query: ListQuery) -> R {
    R::GridQuery {
        list,
        columns: columns.map(|c| c.iter().map(|c| c.to_string()).collect()),
        client_id: None,
        contact_id: None,
        last_30_days: false,
        open_only,
        query: ListQuery { limit: query.limit.or(Some(10)), ..query },
        count_limit: Some(999),
    }
}

fn check(backend: Backend) {
    let Some(f) = Fixture::new(backend) else { return };
    bulk_load(&f, Sizes { clients: 2000, contacts: 3000, interactions: 60_000, transfers: 3000 });
    let client: Id = 42;
    let expiring_by = (clientele_tests::epoch().date_naive() + chrono::Duration::days(3)).to_string();
    let cases: Vec<(&str, &str, R)> = vec![
        (
            "all interactions, newest first",
            "interactions",
            R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query: q(None, None) },
        ),
        (
            "last 30 days",
            "interactions",
            R::InteractionList { client_id: None, contact_id: None, last_30_days: true, query: q(None, None) },
        ),
        (
            "one client's interactions",
            "interactions",
            R::InteractionList { client_id: Some(client), contact_id: None, last_30_days: false, query: q(None, None) },
        ),
        (
            "a client's timeline",
            "interactions",
            R::ClientTimeline { id: client, last_30_days: false, include_changes: false, query: q(None, None) },
        ),
        (
            "filtered by kind",
            "interactions",
            R::InteractionList {
                client_id: None,
                contact_id: None,
                last_30_days: false,
                query: q(Some("type:appel"), None),
            },
        ),
        (
            "keyword search",
            "interactions",
            R::InteractionList {
                client_id: None,
                contact_id: None,
                last_30_days: false,
                query: q(None, Some("sujet 4711")),
            },
        ),
        ("clients by name", "clients", R::ClientList { query: q(None, None) }),
        ("clients by status", "clients", R::ClientList { query: q(Some("statut:actif"), None) }),
        ("client search", "clients", R::ClientList { query: q(None, Some("tremblay hélène")) }),
        // Through linked records and phone keys: the linked side goes
        // through the other table's keyword index too (alias k).
        ("client search by phone", "clients", R::ClientList { query: q(None, Some("(514) 555-1042")) }),
        ("contact search", "contacts", R::ContactList { query: q(None, Some("c42")) }),
        (
            "open transfers",
            "transfers",
            R::TransferList { client_id: None, last_30_days: false, open_only: true, query: q(None, None) },
        ),
        (
            "a client's transfers",
            "transfers",
            R::TransferList { client_id: Some(client), last_30_days: false, open_only: false, query: q(None, None) },
        ),
        ("contacts by name", "contacts", R::ContactList { query: q(None, None) }),
        // The dashboards' Today tile (issue 10): open transfers expiring
        // within three days, soonest first; the viewer's new messages.
        (
            "open transfers expiring soon, by expiry",
            "transfers",
            R::TransferList {
                client_id: None,
                last_30_days: false,
                open_only: true,
                query: ListQuery { sort: Some("expires".into()), ..q(Some(&format!("expires:<={expiring_by}")), None) },
            },
        ),
        (
            "messages taken for me",
            "interactions",
            R::InteractionList {
                client_id: None,
                contact_id: None,
                last_30_days: false,
                query: q(Some("for:me message:new"), None),
            },
        ),
        // Grids: the same pages with the names a grid shows (issue 10:
        // left joins for those names made SQLite scan and sort every open
        // transfer for the dashboards' tile, 491a33d).
        ("interactions grid", "interactions", grid(ListKind::Interactions, None, false, q(None, None))),
        ("transfers grid", "transfers", grid(ListKind::Transfers, None, false, q(None, None))),
        // The tile as the dashboards ask it: one row, and the count.
        (
            "open transfers grid (the dashboards' tile)",
            "transfers",
            grid(
                ListKind::Transfers,
                Some(&["status"]),
                true,
                ListQuery { limit: Some(1), count: true, ..q(None, None) },
            ),
        ),
        (
            "open transfers grid expiring soon, by expiry",
            "transfers",
            grid(
                ListKind::Transfers,
                None,
                true,
                ListQuery { sort: Some("expires".into()), ..q(Some(&format!("expires:<={expiring_by}")), None) },
            ),
        ),
        (
            "interactions grid of a kind",
            "interactions",
            grid(ListKind::Interactions, None, false, q(Some("type:appel"), None)),
        ),
    ];
    // On SQLite the page must come from this index (not from a walk of
    // the whole date index, nor a sort of every open transfer).
    let sqlite_index = |what: &str| match what {
        "open transfers expiring soon, by expiry" | "open transfers grid expiring soon, by expiry" => {
            Some("transfers_open_expires")
        }
        "messages taken for me" => Some("interactions_taken_for"),
        _ => None,
    };
    for (what, table, request) in cases {
        let plan = f.engine.explain(Actor::Staff(f.admin), request).unwrap();
        assert!(!plan.is_empty(), "{what}: no plan");
        if std::env::var("CLIENTELE_SHOW_PLANS").is_ok() {
            eprintln!("== {backend:?} {what}\n{}", plan.join("\n"));
        }
        let mut scans = full_scans(&plan, table);
        // The linked records of a search are found through their index.
        scans.extend(
            plan.iter()
                .filter(|l| {
                    (l.trim_start().starts_with("SCAN k") && !l.contains("INDEX"))
                        || l.contains("Seq Scan on contacts k ")
                        || l.contains("Seq Scan on clients k ")
                })
                .cloned(),
        );
        assert!(scans.is_empty(), "{backend:?} {what}: full scan of {table}:\n{}", plan.join("\n"));
        if backend == Backend::Sqlite
            && let Some(index) = sqlite_index(what)
        {
            assert!(
                plan.iter().any(|l| l.contains(&format!("INDEX {index} "))),
                "{what}: not read through {index}:\n{}",
                plan.join("\n")
            );
        }
    }
}

#[test]
fn sqlite_list_queries_use_indexes() {
    check(Backend::Sqlite);
}

#[test]
fn postgres_list_queries_use_indexes() {
    check(Backend::Postgres);
}

/// A keyword common over the list but missing from its newest rows (« t4 »
/// in December) walks the list in date order, as a keyword common lately
/// does: SQLite's keyword index counts it, PostgreSQL's statistics know it
/// (`query/search.rs`). Before, the newest rows alone called it rare, and
/// the page read and sorted every match through the keyword index (a third
/// of the interactions at size M: 330–420 ms). Whatever the shape, the
/// page is the newest matches.
fn lately_rare_keywords_walk(backend: Backend) {
    let Some(f) = Fixture::new(backend) else { return };
    bulk_load(&f, Sizes { clients: 200, contacts: 300, interactions: 60_000, transfers: 10 });
    // Every third interaction older than the newest thousand.
    f.place.raw_sql(
        "UPDATE interactions SET search_text = search_text || ' tquatre' \
         WHERE CAST(substr(subject, 18) AS INTEGER) % 3 = 0 AND CAST(substr(subject, 18) AS INTEGER) > 1000; \
         ANALYZE;",
    );
    let search = |text: &str| R::InteractionList {
        client_id: None,
        contact_id: None,
        last_30_days: false,
        query: ListQuery { limit: Some(50), ..q(None, Some(text)) },
    };
    let request = || search("tquatre");
    let clientele_core::protocol::Response::Interactions(page) = f.run(f.admin, request()).unwrap() else { panic!() };
    let got: Vec<String> = page.items.iter().map(|r| r.data.subject.clone()).collect();
    let want: Vec<String> = (0..50).map(|k| format!("Suivi du dossier {}", 1002 + 3 * k)).collect();
    assert_eq!(got, want, "{backend:?}");
    if backend == Backend::Sqlite {
        let plan = f.engine.explain(Actor::Staff(f.admin), request()).unwrap();
        let shows = |what: &str| plan.iter().any(|l| l.contains(what));
        assert!(
            !shows("VIRTUAL TABLE") && !shows("TEMP B-TREE"),
            "« tquatre » goes through the keyword index and a sort:\n{}",
            plan.join("\n")
        );
    } else {
        // PostgreSQL: its statistics of the keyword index make the page a
        // walk, without the sampled statement (CTE `smp`) and its arms; a
        // word they do not know keeps the sample.
        let plan = f.engine.explain(Actor::Staff(f.admin), request()).unwrap();
        assert!(!plan.iter().any(|l| l.contains("CTE smp")), "« tquatre » is sampled:\n{}", plan.join("\n"));
        let plan = f.engine.explain(Actor::Staff(f.admin), search("xyzzy")).unwrap();
        assert!(plan.iter().any(|l| l.contains("CTE smp")), "« xyzzy » is not sampled:\n{}", plan.join("\n"));
    }
}

#[test]
fn sqlite_lately_rare_keywords_walk() {
    lately_rare_keywords_walk(Backend::Sqlite);
}

#[test]
fn postgres_lately_rare_keywords_walk() {
    lately_rare_keywords_walk(Backend::Postgres);
}

//! The main list queries use indexes at firm size: no full scan of
//! interactions (or of the list's table) on either backend.
//!
//! The data is bulk-loaded with SQL (2,000 clients, 60,000 interactions,
//! 3,000 transfers) so a scan would show in the plan; the requests go
//! through the engine, which answers the database's own plan.

use clientele_core::domain::Id;
use clientele_core::protocol::{Actor, FilterInput, ListQuery, Request as R};
use clientele_tests::{Backend, Fixture};

fn bulk_load(f: &Fixture) {
    let a = f.admin;
    let pg = f.backend == Backend::Postgres;
    let series = |n: u32, select: &str, into: &str| {
        if pg {
            format!("INSERT INTO {into} {select} FROM generate_series(1::bigint, {n}) AS s(i);")
        } else {
            format!(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) INSERT INTO {into} {select} FROM s;"
            )
        }
    };
    let now = f.clock.get().timestamp_millis();
    let mut sql = String::new();
    sql.push_str(&series(
        2000,
        &format!(
            "SELECT 'C' || i, 'c' || i, 'Client ' || i, 'client ' || i, 'business', 'active', \
             CASE WHEN i % 3 = 0 THEN 'Québec' ELSE 'Montréal' END, '[]', '[]', {a}, {now}, {a}, {now}, 1, 'c' || i || ' client ' || i"
        ),
        "clients (code, code_key, name, name_fold, kind, status, office, phones, emails, created_by, created_at, updated_by, updated_at, version, search_text)",
    ));
    sql.push_str(&series(
        3000,
        &format!("SELECT 'P' || i, 'Contact', 'Contact, P' || i, 'contact, p' || i, '[]', '[]', {a}, {now}, {a}, {now}, 1, 'p' || i || ' contact'"),
        "contacts (first_name, last_name, file_as, file_as_fold, phones, emails, created_by, created_at, updated_by, updated_at, version, search_text)",
    ));
    sql.push_str(&series(
        3000,
        &format!("SELECT 1 + (i % 2000), i, 'additional', {a}, {now}"),
        "contact_links (client_id, contact_id, role, created_by, created_at)",
    ));
    sql.push_str(&series(
        60000,
        &format!(
            "SELECT CASE i % 4 WHEN 0 THEN 'note' WHEN 1 THEN 'phone_call' WHEN 2 THEN 'phone_message' ELSE 'email' END, \
             {now} - i * 600000, 1 + (i % 2000), 'Sujet ' || i, 'Texte', '{{}}', {a}, {now}, {a}, {now}, 1, 'sujet ' || i, '{{}}', 'sujet ' || i || ' texte'"
        ),
        "interactions (kind, occurred_at, client_id, subject, body, custom, created_by, created_at, updated_by, updated_at, version, subject_fold, custom_fold, search_text)",
    ));
    sql.push_str(&series(
        3000,
        &format!(
            "SELECT 'sent_to_contact', CASE WHEN i % 5 = 0 THEN 'ready_for_download' ELSE 'complete' END, {a}, i, 1 + (i % 2000), \
             'Envoi ' || i, '', false, '[]', {now} - i * 3600000, {now} + 86400000, {a}, {now}, {a}, {now}, 1, 'envoi ' || i, 'envoi ' || i"
        ),
        "transfers (direction, status, from_staff, to_contact, client_id, subject, message, signature_required, files, sent_at, expires_at, created_by, created_at, updated_by, updated_at, version, subject_fold, search_text)",
    ));
    sql.push_str("ANALYZE;");
    f.place.raw_sql(&sql);
}

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

fn check(backend: Backend) {
    let Some(f) = Fixture::new(backend) else { return };
    bulk_load(&f);
    let client: Id = 42;
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
            R::ClientTimeline { id: client, last_30_days: false, query: q(None, None) },
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
        ("client search", "clients", R::ClientList { query: q(None, Some("client 1234")) }),
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
    ];
    for (what, table, request) in cases {
        let plan = f.engine.explain(Actor::Staff(f.admin), request).unwrap();
        assert!(!plan.is_empty(), "{what}: no plan");
        if std::env::var("CLIENTELE_SHOW_PLANS").is_ok() {
            eprintln!("== {backend:?} {what}\n{}", plan.join("\n"));
        }
        let scans = full_scans(&plan, table);
        assert!(scans.is_empty(), "{backend:?} {what}: full scan of {table}:\n{}", plan.join("\n"));
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

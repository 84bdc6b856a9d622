//! The cases: each an engine request beside the hand-written baseline that
//! answers the same question (same rows, order and page size; the
//! `baselines` test checks it at a small size).

use clientele_core::protocol::{FilterInput, ListKind, ListQuery, Request as R};
use clientele_tests::Backend;

use crate::load::Db;
use crate::raw::{P, Raw, V};

/// What the engine side runs.
#[derive(Clone)]
pub enum Side {
    Request(Box<R>),
    /// A dashboard render: `None` staff, `Some(0)` firm, `Some(id)` client.
    Dashboard(Option<i64>),
    /// The same request as JSON through `clientele_execute`.
    Ffi(String),
    ClientCreate,
    InteractionCreate,
}

/// What the baseline side runs.
#[derive(Clone)]
pub enum Base {
    /// A statement (`?` placeholders), prepared once.
    Query(String, Vec<P>),
    /// The typed engine call (the C ABI case's baseline).
    Typed(Box<R>),
    InsertClient,
    InsertInteraction,
    None,
}

#[derive(Clone)]
pub struct Case {
    pub group: &'static str,
    pub name: String,
    pub side: Side,
    pub base: Base,
    /// Also time the JSON path (`execute_json`) of the request.
    pub json: bool,
}

fn q(filter: Option<&str>, search: Option<&str>) -> ListQuery {
    ListQuery {
        filter: filter.map(|s| FilterInput::Text(s.into())),
        search: search.map(String::from),
        ..Default::default()
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The engine's cursor for the row after (kt | ki, id) under `sort`, for
/// the list `label` asked `query` (a cursor belongs to its question).
fn cursor(label: &str, query: &ListQuery, sort: &str, kt: Option<&str>, ki: Option<i64>, id: i64) -> String {
    let kind = match label {
        "clients" => ListKind::Clients,
        "contacts" => ListKind::Contacts,
        "transfers" => ListKind::Transfers,
        _ => ListKind::Interactions,
    };
    let sort = clientele_core::query::cursor_sort(kind, query, sort);
    hex(&serde_json::json!({"sort": sort, "rk": 0, "kt": kt, "ki": ki, "id": id}).to_string())
}

/// Keyword searches of the benchmark: common prefixes, rare words,
/// accents, two and three words, names, e-mails, phones, codes, and a
/// word common only in older rows.
pub const SEARCHES: &[&str] = &[
    "dossier",
    "rel",
    "t4",
    "dossier 4242",
    "relance t4",
    "succession",
    "tremblay",
    "tremblay hélène",
    "côté",
    "d'amours",
    "jean-françois",
    "lévesque zoé",
    "gagnon-roy marie-ève",
    "contact4242@exemple.ca",
    "exemple",
    "(514) 555-1042",
    "555-1042",
    "c1234",
    "impôts 1234",
    "déclaration revenus 12345",
    "reer cotisation 4",
    "tps tvq",
    "feuillets t4",
    // Common over the list, missing from its newest rows (seasonal).
    "saisonnier",
    "xyzzy",
];

struct ListDef {
    label: &'static str,
    table: &'static str,
    /// (text sort?, column, descending)
    key: (&'static str, bool, bool),
    filter: &'static str,
    filter_sql: &'static str,
    sort_name: &'static str,
}

const TORONTO_30_DAYS: i64 = 1_793_246_400_000; // 2026-10-29 00:00 EDT: "last 30 days" of the pinned clock

fn request(label: &str, query: ListQuery) -> R {
    match label {
        "clients" => R::ClientList { query },
        "contacts" => R::ContactList { query },
        "interactions" => R::InteractionList { client_id: None, contact_id: None, last_30_days: false, query },
        "timeline" => R::ClientTimeline { id: 42, last_30_days: false, include_changes: false, query },
        "transfers" => R::TransferList { client_id: None, last_30_days: false, open_only: false, query },
        "grid" => R::GridQuery {
            list: ListKind::Interactions,
            columns: None,
            client_id: None,
            contact_id: None,
            last_30_days: false,
            open_only: false,
            query,
            count_limit: None,
        },
        _ => unreachable!(),
    }
}

/// Every case of the benchmark at this database.
pub fn all(db: &Db, raw: &mut Raw, searches: bool) -> Vec<Case> {
    let pg = db.backend == Backend::Postgres;
    let collate = if pg { " COLLATE \"C\"" } else { "" };
    let lists = [
        ListDef {
            label: "clients",
            table: "clients",
            key: ("t.name_fold", true, false),
            filter: "statut:actif bureau:québec",
            filter_sql: "t.status = 'active' AND INSTR(t.office_fold, 'quebec') > 0",
            sort_name: "name",
        },
        ListDef {
            label: "contacts",
            table: "contacts",
            key: ("t.file_as_fold", true, false),
            filter: "nom:tremblay courriel:exemple",
            filter_sql: "INSTR(t.file_as_fold, 'tremblay') > 0 AND INSTR(t.emails_fold, 'exemple') > 0",
            sort_name: "name",
        },
        ListDef {
            label: "interactions",
            table: "interactions",
            key: ("t.occurred_at", false, true),
            filter: "type:note objet:relance",
            filter_sql: "t.kind = 'note' AND INSTR(t.subject_fold, 'relance') > 0",
            sort_name: "-when",
        },
        ListDef {
            label: "timeline",
            table: "interactions",
            key: ("t.occurred_at", false, true),
            filter: "type:note objet:relance",
            filter_sql: "t.kind = 'note' AND INSTR(t.subject_fold, 'relance') > 0",
            sort_name: "-when",
        },
        ListDef {
            label: "transfers",
            table: "transfers",
            key: ("t.sent_at", false, true),
            filter: "objet:feuillets statut:complete",
            filter_sql: "INSTR(t.subject_fold, 'feuillets') > 0 AND t.status = 'complete'",
            sort_name: "-sent",
        },
        ListDef {
            label: "grid",
            table: "interactions",
            key: ("t.occurred_at", false, true),
            filter: "type:note objet:relance",
            filter_sql: "t.kind = 'note' AND INSTR(t.subject_fold, 'relance') > 0",
            sort_name: "-when",
        },
    ];
    let instr = |s: &str| if pg { s.replace("INSTR(", "STRPOS(") } else { s.to_string() };
    let mut out = Vec::new();
    for l in &lists {
        let (col, text, desc) = l.key;
        let dir = if desc { "DESC" } else { "ASC" };
        let cmp = if desc { "<" } else { ">" };
        let select = if l.label == "grid" {
            "SELECT t.id, t.kind, t.occurred_at, t.subject, c.name, p.file_as, s.name FROM interactions t \
             LEFT JOIN clients c ON c.id = t.client_id LEFT JOIN contacts p ON p.id = t.contact_id \
             LEFT JOIN staff s ON s.id = t.staff_id"
                .to_string()
        } else {
            format!("SELECT t.* FROM {} t", l.table)
        };
        let scope = if l.label == "timeline" {
            " AND (t.client_id = 42 OR (t.client_id IS NULL AND t.contact_id IN (SELECT contact_id FROM contact_links WHERE client_id = 42)))"
        } else {
            ""
        };
        let order = format!(" ORDER BY {col}{} {dir}, t.id {dir} LIMIT 51", if text { collate } else { "" });
        // The key of the row 80% deep (setup, not timed).
        let n: i64 = raw.query(&format!("SELECT COUNT(*) FROM {} t WHERE t.trash_id IS NULL{scope}", l.table), &[])[0]
            [0]
        .int()
        .unwrap();
        let deep = (n * 4 / 5).max(1) - 1;
        let k = raw.query(
            &format!(
                "SELECT {col}, t.id FROM {} t WHERE t.trash_id IS NULL{scope} ORDER BY {col}{} {dir}, t.id {dir} LIMIT 1 OFFSET {deep}",
                l.table,
                if text { collate } else { "" }
            ),
            &[],
        );
        let (kv, kid) = (k[0][0].clone(), k[0][1].int().unwrap());
        let (kt, ki) = match &kv {
            V::T(t) if text => (Some(t.clone()), None),
            v => (None, v.int()),
        };
        let key_param = match (&kt, ki) {
            (Some(t), _) => P::T(t.clone()),
            (None, Some(i)) => P::I(i),
            _ => unreachable!(),
        };
        for (filtered, fq) in [(false, None), (true, Some(l.filter))] {
            let cur = cursor(l.label, &q(fq, None), l.sort_name, kt.as_deref(), ki, kid);
            let fsql = if filtered { format!(" AND {}", instr(l.filter_sql)) } else { String::new() };
            let what = if filtered { format!(" « {} »", l.filter) } else { String::new() };
            out.push(Case {
                group: "lists",
                name: format!("{}{what}, first page", l.label),
                side: Side::Request(Box::new(request(l.label, q(fq, None)))),
                base: Base::Query(format!("{select} WHERE t.trash_id IS NULL{scope}{fsql}{order}"), vec![]),
                json: true,
            });
            out.push(Case {
                group: "lists",
                name: format!("{}{what}, deep page (80%)", l.label),
                side: Side::Request(Box::new(request(l.label, ListQuery { cursor: Some(cur.clone()), ..q(fq, None) }))),
                base: Base::Query(
                    format!(
                        "{select} WHERE t.trash_id IS NULL{scope}{fsql} AND ({col}{}, t.id) {cmp} (?, ?){order}",
                        if text { collate } else { "" }
                    ),
                    vec![key_param.clone(), P::I(kid)],
                ),
                json: true,
            });
        }
    }
    // The transfers list and each of its switches.
    let open = if pg {
        "t.status IN ('waiting_for_files', 'ready_for_download')"
    } else {
        "+t.status IN ('waiting_for_files', 'ready_for_download')"
    };
    let since = format!("t.sent_at >= {TORONTO_30_DAYS}");
    for (name, client, last, open_only, cond) in [
        ("open transfers", None, false, true, open.to_string()),
        ("transfers, last 30 days", None, true, false, since.clone()),
        ("open transfers, last 30 days", None, true, true, format!("{open} AND {since}")),
        ("a client's transfers", Some(42), false, false, "t.client_id = 42".to_string()),
        ("a client's open transfers", Some(42), false, true, format!("t.client_id = 42 AND {open}")),
    ] {
        out.push(Case {
            group: "transfers",
            name: name.into(),
            side: Side::Request(Box::new(R::TransferList {
                client_id: client,
                last_30_days: last,
                open_only,
                query: ListQuery::default(),
            })),
            base: Base::Query(
                format!(
                    "SELECT t.* FROM transfers t WHERE t.trash_id IS NULL AND {cond} ORDER BY t.sent_at DESC, t.id DESC LIMIT 51"
                ),
                vec![],
            ),
            json: true,
        });
    }
    if searches {
        for s in SEARCHES {
            for label in ["clients", "contacts", "interactions", "transfers"] {
                let base = match label {
                    "interactions" | "transfers" => search_baseline(label, s, pg),
                    // Clients and contacts also match through linked
                    // records and rank: measured against the target (ms).
                    _ => Base::None,
                };
                out.push(Case {
                    group: "search",
                    name: format!("{label}, search « {s} »"),
                    side: Side::Request(Box::new(request(label, q(None, Some(s))))),
                    base,
                    json: true,
                });
            }
        }
    }
    for (name, which) in [("staff dashboard", None), ("firm dashboard", Some(0)), ("client dashboard", Some(42))] {
        out.push(Case {
            group: "dashboards",
            name: name.into(),
            side: Side::Dashboard(which),
            base: Base::None,
            json: false,
        });
    }
    let page = R::ClientList { query: ListQuery { limit: Some(50), ..Default::default() } };
    out.push(Case {
        group: "c-abi",
        name: "clients, 50 rows: C ABI vs typed".into(),
        side: Side::Ffi(serde_json::json!({"actor": db.admin, "op": "client.list", "limit": 50}).to_string()),
        base: Base::Typed(Box::new(page)),
        json: false,
    });
    out.push(Case {
        group: "writes",
        name: "client.create vs INSERT".into(),
        side: Side::ClientCreate,
        base: Base::InsertClient,
        json: false,
    });
    out.push(Case {
        group: "writes",
        name: "interaction.create vs INSERT".into(),
        side: Side::InteractionCreate,
        base: Base::InsertInteraction,
        json: false,
    });
    out
}

/// The straightforward hand-written search: every keyword through the
/// keyword index (the shape the engine used before).
fn search_baseline(table: &str, s: &str, pg: bool) -> Base {
    let keywords = clientele_core::query::memory::search_keywords(s);
    let Some(m) = clientele_core::query::keywords_index_query(&keywords, pg) else {
        return Base::None;
    };
    let order = if table == "interactions" { "t.occurred_at" } else { "t.sent_at" };
    let cond = if pg {
        "to_tsvector('simple', t.search_text) @@ to_tsquery('simple', ?)".to_string()
    } else {
        format!("t.id IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?)")
    };
    Base::Query(
        format!(
            "SELECT t.* FROM {table} t WHERE t.trash_id IS NULL AND {cond} ORDER BY {order} DESC, t.id DESC LIMIT 51"
        ),
        vec![P::T(m)],
    )
}

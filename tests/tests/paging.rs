//! Paging as a property, on SQLite and PostgreSQL: walking every page of a
//! list by its `next_cursor` yields exactly the reference evaluator's whole
//! ordered answer — no gap, no duplicate, the same order (rank order of a
//! keyword search included) — for every list (clients, contacts,
//! interactions, transfers, `grid.query` on each, `client.timeline`) × every
//! sortable field (asked of `filter.fields`) × both directions and the
//! default sort × with and without a keyword search × with and without a
//! generated filter × an unrestricted and an office-restricted staff member
//! × page sizes 1, 7 and 50. Then walks with rows inserted and updated
//! between pages: a row that existed before the walk and was not touched
//! comes exactly once; a row inserted or updated during the walk comes
//! exactly once when its key is past the cursor of that moment, never
//! otherwise.
//!
//! `CLIENTELE_PAGING_SEED` sets the seed (default fixed, printed on
//! failure); `CLIENTELE_PAGING_ROUNDS` repeats the whole cross product with
//! fresh filters and searches (default 1); `CLIENTELE_PAGING_MUTATIONS` sets
//! the walks with writes between pages per list (default 3).

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use clientele_core::domain::*;
use clientele_core::protocol::{FieldInfo, FilterInput, ListKind, ListQuery, Request as R, Response as S};
use clientele_core::query::memory;
use clientele_core::text::fold;
use clientele_filter::FieldValue;
use clientele_tests::{Backend, Fixture, Rng, backend_tests};

#[path = "common/firm.rs"]
mod firm;
use firm::*;

const PAGE_SIZES: [u32; 3] = [1, 7, 50];

/// The longest answer walked one row a page (most of the time).
const SHORT: usize = 6;

/// Rows inserted during one walk.
const MAX_WRITES: usize = 6;

/// A small firm: every page-size-1 walk is one request per row.
fn paging_firm() -> FirmSize {
    FirmSize { clients: 40, contacts: 30, interactions: 100, transfer_attempts: 60, trash: 34..36 }
}

/// What is paged.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Surface {
    List(ListKind),
    Grid(ListKind),
    /// `client.timeline` of one client.
    Timeline(Id),
}

impl Surface {
    fn kind(self) -> ListKind {
        match self {
            Surface::List(k) | Surface::Grid(k) => k,
            Surface::Timeline(_) => ListKind::Interactions,
        }
    }

    fn request(self, query: ListQuery) -> R {
        match self {
            Surface::List(kind) => list_request(kind, query),
            Surface::Grid(list) => grid_request(list, None, query),
            Surface::Timeline(id) => R::ClientTimeline { id, last_30_days: false, include_changes: false, query },
        }
    }
}

/// One page's ids and cursor.
fn page(
    f: &Fixture,
    actor: Id,
    surface: Surface,
    query: ListQuery,
) -> clientele_core::Result<(Vec<Id>, Option<String>)> {
    Ok(match f.run(actor, surface.request(query))? {
        S::Clients(p) => (p.items.iter().map(|r| r.id).collect(), p.next_cursor),
        S::Contacts(p) => (p.items.iter().map(|r| r.id).collect(), p.next_cursor),
        S::Interactions(p) => (p.items.iter().map(|r| r.id).collect(), p.next_cursor),
        S::Transfers(p) => (p.items.iter().map(|r| r.id).collect(), p.next_cursor),
        S::Grid(g) => (g.rows.iter().map(|r| r.id).collect(), g.next_cursor),
        other => panic!("{other:?}"),
    })
}

/// A sort: `None` is the list's default (and ranks a search of clients or
/// contacts); else a sortable field and its direction.
type SortChoice = Option<(FieldInfo, bool)>;

fn sort_text(sort: &SortChoice) -> Option<String> {
    sort.as_ref().map(|(f, desc)| format!("{}{}", if *desc { "-" } else { "" }, f.name))
}

/// Everything the reference needs.
struct Ctx {
    world: World,
    defs: Vec<CustomFieldDef>,
    tables: HashMap<ListKind, Table>,
    fields: HashMap<ListKind, Vec<FieldInfo>>,
    montreal: Id,
}

/// A row's place in a sort: rank, text key, integer key, id.
type SortKey = (i64, String, i64, Id);

/// The sort key the SQL computes (`Plan::key_sql`): folded text, enum
/// values and ISO dates compare as bytes (`COLLATE "C"` on PostgreSQL, the
/// binary collation on SQLite), a missing text as `''`, a missing number or
/// instant as `-9223372036854775807`.
/// The people in charge of a client (a list of staff ids) sort by the
/// folded name of the first of them by name (`staff` holds every name).
fn sort_key(
    row: &memory::MemoryRow,
    id: Id,
    field: &str,
    text_sort: bool,
    rank: i64,
    staff: &HashMap<Id, String>,
) -> SortKey {
    let v = row.get(field).cloned().unwrap_or(FieldValue::Null);
    let (kt, ki) = match (text_sort, v) {
        (true, FieldValue::List(ids)) => (
            ids.iter()
                .filter_map(|v| match v {
                    FieldValue::Int(i) => staff.get(i).map(|n| fold(n.trim())),
                    _ => None,
                })
                .min()
                .unwrap_or_default(),
            0,
        ),
        (true, FieldValue::Text(t)) => (fold(&t), 0),
        (true, FieldValue::Date(d)) => (d.format("%Y-%m-%d").to_string(), 0),
        (true, FieldValue::Null) => (String::new(), 0),
        (false, FieldValue::Int(i)) | (false, FieldValue::DateTime(i)) => (String::new(), i),
        (false, FieldValue::Null) => (String::new(), i64::MIN + 1),
        (t, v) => panic!("field {field}: {v:?} in a {} sort", if t { "text" } else { "number" }),
    };
    (rank, kt, ki, id)
}

/// The reference ranking (`Plan::rank_sql`): 0 when the folded search is a
/// client's code or name (a contact's "file as"), 1 when one starts with
/// it, 2 otherwise (the caller splits 2 into 2, a match of the record's own
/// text, and 3, a match only through a linked record).
fn rank(kind: ListKind, row: &memory::MemoryRow, q: &str) -> i64 {
    let cols: &[&str] = if kind == ListKind::Clients { &["code", "name"] } else { &["name"] };
    let vals: Vec<String> = cols
        .iter()
        .filter_map(|c| match row.get(*c) {
            Some(FieldValue::Text(t)) => Some(fold(t)),
            _ => None,
        })
        .collect();
    if vals.iter().any(|v| v == q) {
        0
    } else if vals.iter().any(|v| v.starts_with(q)) {
        1
    } else {
        2
    }
}

fn default_sort(kind: ListKind) -> (&'static str, bool) {
    match kind {
        ListKind::Clients | ListKind::Contacts => ("name", false),
        ListKind::Interactions => ("when", true),
        ListKind::Transfers => ("sent", true),
    }
}

fn is_text_sort(field: &FieldInfo) -> bool {
    // The people in charge sort by name.
    matches!(field.kind.as_str(), "text" | "enum" | "date")
        || field.name == "assigned"
        || field.name.starts_with("role.")
}

/// The reference answer: every row the actor sees on this surface that
/// matches, in order; or the error code.
fn reference(
    f: &Fixture,
    ctx: &Ctx,
    surface: Surface,
    actor: Id,
    sort: &SortChoice,
    search: Option<&str>,
    filter: Option<&str>,
) -> Result<Vec<Id>, String> {
    let kind = surface.kind();
    let tz = f.engine.timezone();
    let typed = match filter {
        Some(t) => Some(f.engine.check_filter(kind, &FilterInput::Text(t.into())).map_err(|e| e.code().to_string())?),
        None => None,
    };
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    let words: Vec<String> = match search {
        Some(s) => {
            // A word without a letter or digit is refused.
            if s.split_whitespace().any(|w| !fold(w).chars().any(char::is_alphanumeric)) {
                return Err("invalid_filter".into());
            }
            memory::search_keywords(s)
        }
        None => vec![],
    };
    // A client is also found through its live linked contacts, a contact
    // through its live linked clients the actor sees (`memory::search_match`).
    let texts = |k: ListKind| -> HashMap<Id, &str> {
        ctx.tables[&k].rows.iter().map(|(id, _, text)| (*id, text.as_str())).collect()
    };
    let (client_texts, contact_texts) = (texts(ListKind::Clients), texts(ListKind::Contacts));
    let linked = |id: Id| -> Vec<&str> {
        match kind {
            ListKind::Clients => ctx
                .world
                .links
                .iter()
                .filter(|(_, c)| *c == id)
                .filter_map(|(p, _)| contact_texts.get(p).copied())
                .collect(),
            ListKind::Contacts => ctx
                .world
                .links
                .iter()
                .filter(|(p, c)| {
                    *p == id
                        && (actor != ctx.montreal
                            || ctx.world.office.get(c).is_some_and(|o| o.as_deref() == Some("Montréal")))
                })
                .filter_map(|(_, c)| client_texts.get(c).copied())
                .collect(),
            _ => vec![],
        }
    };
    // `Some(true)`: the record's own text matches; `Some(false)`: only
    // through a linked record.
    let matched = |id: Id, text: &str| -> Option<bool> {
        let all = |t: &str| words.iter().all(|w| memory::keyword_matches(t, w));
        if all(text) {
            Some(true)
        } else if linked(id).into_iter().any(all) {
            Some(false)
        } else {
            None
        }
    };
    let ranked = sort.is_none() && matches!(kind, ListKind::Clients | ListKind::Contacts);
    let q = search.filter(|_| ranked).map(fold);
    let fields = &ctx.fields[&kind];
    let (name, desc) = match sort {
        Some((field, desc)) => (field.name.as_str(), *desc),
        None => default_sort(kind),
    };
    let field = fields.iter().find(|x| x.name == name).expect("sortable field");
    let text_sort = is_text_sort(field);
    let staff: HashMap<Id, String> = match f.run(f.admin, R::StaffList {}).unwrap() {
        S::StaffList(v) => v.into_iter().map(|m| (m.id, m.data.name)).collect(),
        _ => unreachable!(),
    };
    let timeline_contacts: HashSet<Id> = match surface {
        Surface::Timeline(x) => ctx.world.links.iter().filter(|(_, c)| *c == x).map(|(p, _)| *p).collect(),
        _ => HashSet::new(),
    };
    let int = |row: &memory::MemoryRow, k: &str| match row.get(k) {
        Some(FieldValue::Int(i)) => Some(*i),
        _ => None,
    };
    let mut rows: Vec<(SortKey, Id)> = ctx.tables[&kind]
        .rows
        .iter()
        .filter(|(_, row, text)| typed.as_ref().is_none_or(|t| memory::matches(t, row, text, tz)))
        .filter(|(id, _, text)| matched(*id, text).is_some())
        .filter(|(id, row, _)| actor != ctx.montreal || ctx.world.sees(kind, *id, row, "Montréal"))
        .filter(|(_, row, _)| match surface {
            Surface::Timeline(x) => {
                int(row, "client") == Some(x)
                    || (int(row, "client").is_none()
                        && int(row, "contact").is_some_and(|p| timeline_contacts.contains(&p)))
            }
            _ => true,
        })
        .map(|(id, row, text)| {
            let rk = match q.as_deref().map(|q| rank(kind, row, q)) {
                None => 0,
                Some(r @ (0 | 1)) => r,
                Some(_) if matched(*id, text) == Some(true) => 2,
                Some(_) => 3,
            };
            (sort_key(row, *id, name, text_sort, rk, &staff), *id)
        })
        .collect();
    // Rank ascending, then (key, id) in the sort's direction.
    rows.sort_by(|a, b| {
        let (ka, kb) = (&a.0, &b.0);
        ka.0.cmp(&kb.0).then_with(|| {
            let o = (&ka.1, ka.2, ka.3).cmp(&(&kb.1, kb.2, kb.3));
            if desc { o.reverse() } else { o }
        })
    });
    Ok(rows.into_iter().map(|(_, id)| id).collect())
}

/// A keyword search: an exact code or name, a prefix of one, a word of the
/// index text, two words, or a hostile word.
fn search_text(rng: &mut Rng, kind: ListKind, table: &Table) -> String {
    let pick_row = |rng: &mut Rng| &table.rows[rng.below(table.rows.len())];
    let text_of = |row: &memory::MemoryRow, k: &str| match row.get(k) {
        Some(FieldValue::Text(t)) => Some(t.clone()),
        _ => None,
    };
    if table.rows.is_empty() {
        return word(rng);
    }
    match rng.below(10) {
        0..=2 if matches!(kind, ListKind::Clients | ListKind::Contacts) => {
            // A name (or code) as written, or its beginning: ranks 0 and 1.
            let (_, row, _) = pick_row(rng);
            let col = if kind == ListKind::Clients && rng.chance(40) { "code" } else { "name" };
            let t = text_of(row, col).unwrap_or_default();
            if rng.chance(50) {
                t
            } else {
                let chars: Vec<char> = t.chars().collect();
                chars[..(1 + rng.below(chars.len().max(1))).min(chars.len())].iter().collect()
            }
        }
        0..=6 => {
            let (_, _, text) = pick_row(rng);
            let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
            match words.is_empty() {
                true => word(rng),
                false => {
                    let w = rng.pick(&words);
                    w.chars().take(1 + rng.below(w.chars().count())).collect()
                }
            }
        }
        7 | 8 => format!("{} {}", word(rng), word(rng)),
        _ => format!("  {}  ", rng.pick(HOSTILE)),
    }
}

#[derive(Default)]
struct Stats {
    walks: usize,
    pages: usize,
    rows: usize,
    refused: usize,
    mutation_walks: usize,
    inserted: usize,
    updated: usize,
}

/// Walks every page; the number of pages is bounded by the reference's
/// answer (a cursor that loops fails, it does not hang).
fn walk(
    f: &Fixture,
    surface: Surface,
    actor: Id,
    base: &ListQuery,
    max_pages: usize,
    mut between: impl FnMut(&[Id]),
) -> Result<Vec<Vec<Id>>, clientele_core::Error> {
    let mut pages: Vec<Vec<Id>> = Vec::new();
    let mut cursor: Option<String> = None;
    for n in 0..max_pages {
        let q = ListQuery { cursor: cursor.clone(), ..base.clone() };
        let (ids, next) = match page(f, actor, surface, q) {
            Ok(p) => p,
            Err(e) if n == 0 => return Err(e),
            Err(e) => panic!("page {} of {surface:?} {base:?} fails: {e}", n + 1),
        };
        let limit = base.limit.unwrap_or(50) as usize;
        assert!(ids.len() <= limit, "{surface:?} {base:?}: page {} has {} rows", n + 1, ids.len());
        if next.is_some() {
            assert_eq!(ids.len(), limit, "{surface:?} {base:?}: page {} is short but has a next_cursor", n + 1);
        }
        pages.push(ids);
        match next {
            Some(c) => {
                between(pages.last().expect("a page"));
                cursor = Some(c);
            }
            None => return Ok(pages),
        }
    }
    panic!("{surface:?} {base:?}: more than {max_pages} pages — the cursor does not end");
}

fn reload(f: &Fixture, ctx: &mut Ctx, kind: ListKind) {
    let t = load(f, kind, &ctx.defs, &ctx.world);
    ctx.tables.insert(kind, t);
}

fn surfaces(ctx: &Ctx) -> Vec<Surface> {
    let mut v: Vec<Surface> = ListKind::ALL.iter().map(|k| Surface::List(*k)).collect();
    v.extend(ListKind::ALL.iter().map(|k| Surface::Grid(*k)));
    v.push(Surface::Timeline(timeline_client(ctx)));
    v
}

/// A Montréal client with linked contacts: both actors may read its
/// timeline, which then holds its contacts' interactions too.
fn timeline_client(ctx: &Ctx) -> Id {
    let mut best = None;
    for &c in &ctx.world.clients {
        if ctx.world.office.get(&c).and_then(|o| o.as_deref()) != Some("Montréal") {
            continue;
        }
        let n = ctx.world.links.iter().filter(|(_, x)| *x == c).count();
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((c, n));
        }
    }
    best.expect("a Montréal client").0
}

fn sort_choices(ctx: &Ctx, kind: ListKind) -> Vec<SortChoice> {
    let mut v: Vec<SortChoice> = vec![None];
    for field in ctx.fields[&kind].iter().filter(|x| x.sortable) {
        v.push(Some((field.clone(), false)));
        v.push(Some((field.clone(), true)));
    }
    v
}

fn run(backend: Backend) {
    let Some(f) = Fixture::new(backend) else { return };
    let started = std::time::Instant::now();
    let seed: u64 =
        std::env::var("CLIENTELE_PAGING_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x9a61_2026_0001);
    let rounds: usize = std::env::var("CLIENTELE_PAGING_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mutations: usize = std::env::var("CLIENTELE_PAGING_MUTATIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut rng = Rng(seed);
    let world = seed_firm(&f, &mut rng, paging_firm());
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    let montreal = f.staff("Luc Montréal", rights);
    let defs = match f.run(f.admin, R::CustomFieldList { kind: None, record: None }).unwrap() {
        S::CustomFields(d) => d,
        _ => unreachable!(),
    };
    let mut ctx = Ctx { world, defs, tables: HashMap::new(), fields: HashMap::new(), montreal };
    for kind in ListKind::ALL {
        reload(&f, &mut ctx, kind);
        let fields = match f.run(f.admin, R::FilterFields { list: kind }).unwrap() {
            S::Fields(v) => v,
            _ => unreachable!(),
        };
        assert!(fields.iter().any(|x| x.sortable), "{kind:?} has sortable fields");
        ctx.fields.insert(kind, fields);
    }
    let setup = started.elapsed();
    let mut stats = Stats::default();
    let actors = [f.admin, montreal];
    // Every surface × sort × search or not × actor × page size, at least
    // once per round; the filter (none or generated) drawn each time.
    for round in 0..rounds {
        for surface in surfaces(&ctx) {
            let kind = surface.kind();
            for sort in sort_choices(&ctx, kind) {
                for searching in [false, true] {
                    for &actor in &actors {
                        for limit in PAGE_SIZES {
                            let table = &ctx.tables[&kind];
                            let search = searching.then(|| search_text(&mut rng, kind, table));
                            // One row a page is one request a row: at that
                            // size, filters are drawn until the answer is
                            // short (long walks are the other sizes' work).
                            let mut attempt = 0;
                            let (filter, want) = loop {
                                let filter = rng.chance(if limit == 1 && attempt > 0 { 100 } else { 50 }).then(|| {
                                    let n = 1 + rng.below(2);
                                    (0..n)
                                        .map(|_| term(&mut rng, &ctx.fields[&kind], table, 0))
                                        .collect::<Vec<_>>()
                                        .join(" ")
                                });
                                let want =
                                    reference(&f, &ctx, surface, actor, &sort, search.as_deref(), filter.as_deref());
                                attempt += 1;
                                let short = want.as_ref().map_or(true, |v| v.len() <= SHORT);
                                if limit > 1 || short || attempt >= 10 {
                                    break (filter, want);
                                }
                            };
                            let base = ListQuery {
                                filter: filter.clone().map(FilterInput::Text),
                                search: search.clone(),
                                sort: sort_text(&sort),
                                limit: Some(limit),
                                ..Default::default()
                            };
                            let bound = want.as_ref().map_or(1, |v| v.len() / limit as usize + 2);
                            let got = walk(&f, surface, actor, &base, bound, |_| {});
                            let what = format!(
                                "{backend:?} round {round} (seed {seed}): {surface:?} actor {actor} sort {:?} search {search:?} filter {filter:?} limit {limit}",
                                sort_text(&sort)
                            );
                            match (&got, &want) {
                                (Ok(pages), Ok(want)) => {
                                    let ids: Vec<Id> = pages.concat();
                                    assert_eq!(&ids, want, "{what}: pages (left) and reference (right) disagree");
                                    let expect_pages = want.len().div_ceil(limit as usize).max(1);
                                    assert_eq!(pages.len(), expect_pages, "{what}: page count");
                                    stats.pages += pages.len();
                                    stats.rows += ids.len();
                                }
                                (Err(e), Err(code)) => {
                                    assert_eq!(e.code(), code, "{what}: {e}");
                                    stats.pages += 1;
                                    stats.refused += 1;
                                }
                                _ => panic!(
                                    "{what}: SQL {:?} but reference {want:?}",
                                    got.as_ref().map(|p| p.concat()).map_err(|e| e.to_string())
                                ),
                            }
                            stats.walks += 1;
                        }
                    }
                }
            }
        }
    }
    let main = started.elapsed() - setup;
    // Writes between pages.
    for surface in surfaces(&ctx) {
        let kind = surface.kind();
        let sorts = sort_choices(&ctx, kind);
        for i in 0..mutations {
            // The default sort first, then the others in turn from a random start.
            let sort = if i == 0 { None } else { sorts[(i + rng.below(sorts.len())) % sorts.len()].clone() };
            let actor = actors[i % 2];
            let limit = if i % 3 == 2 { 3 } else { 7 };
            mutation_walk(&f, &mut ctx, &mut rng, &mut stats, surface, actor, sort, limit, seed);
        }
    }
    let summary = format!(
        "paging {backend:?} (seed {seed}): {} walks, {} pages, {} rows, {} refused; {} walks with writes between pages ({} inserted, {} updated); setup {:.1?}, walks {:.1?}, writes {:.1?}",
        stats.walks,
        stats.pages,
        stats.rows,
        stats.refused,
        stats.mutation_walks,
        stats.inserted,
        stats.updated,
        setup,
        main,
        started.elapsed() - setup - main,
    );
    eprintln!("{summary}");
    // Every page size, actor, list and sort was walked; some searches
    // answered rows, some were refused.
    assert!(stats.walks >= surfaces(&ctx).len() * 2 * 2 * 2 * 3, "{summary}");
    assert!(stats.refused > 0 && stats.rows > stats.walks, "{summary}");
    assert!(stats.inserted > 0 && stats.updated > 0, "{summary}");
}

/// Inserts a row the surface lists; a new client's office goes to `offices`
/// (the reference's office rule).
fn insert(
    f: &Fixture,
    ctx: &Ctx,
    rng: &mut Rng,
    surface: Surface,
    n: usize,
    offices: &mut Vec<(Id, Option<String>)>,
) -> Id {
    f.clock.advance(Duration::seconds(1));
    let live: Vec<(Id, Id)> = ctx.world.links.iter().filter(|(_, c)| !ctx.world.trashed.contains(c)).copied().collect();
    match surface.kind() {
        ListKind::Clients => {
            let mut d = ClientData::new(format!("NEW-{n:04}"), format!("{}, {}", rng.pick(LAST), rng.pick(FIRST)));
            d.office = Some(rng.pick(OFFICES).to_string());
            d.status = *rng.pick(&[ClientStatus::Active, ClientStatus::Inactive, ClientStatus::Prospect]);
            if rng.chance(50) {
                d.address = Some(Address { city: Some(rng.pick(CITIES).to_string()), ..Default::default() });
            }
            let office = d.office.clone();
            match f.run(f.admin, R::ClientCreate { data: d }).unwrap() {
                S::Client(c) => {
                    offices.push((c.id, office));
                    c.id
                }
                o => panic!("{o:?}"),
            }
        }
        ListKind::Contacts => {
            let mut d = ContactData::new(rng.pick(FIRST).to_string(), rng.pick(LAST).to_string());
            if rng.chance(50) {
                d.company = Some(format!("{} inc.", rng.pick(LAST)));
            }
            match f.run(f.admin, R::ContactCreate { data: d }).unwrap() {
                S::Contact(c) => c.id,
                o => panic!("{o:?}"),
            }
        }
        ListKind::Interactions => {
            let when = f.clock.get() - Duration::minutes(rng.below(60 * 24 * 400) as i64);
            let mut d = InteractionData::note(when, format!("{} {} nouveau {n}", rng.pick(LAST), rng.pick(FIRST)));
            d.client_id = Some(match surface {
                Surface::Timeline(x) => x,
                _ => *rng.pick(&ctx.world.clients),
            });
            if rng.chance(40) {
                d.kind = InteractionKind::PhoneCall;
                d.duration_secs = Some(rng.below(3600) as i64);
            }
            match f.run(f.admin, R::InteractionCreate { data: d }).unwrap() {
                S::Interaction(i) => i.id,
                o => panic!("{o:?}"),
            }
        }
        ListKind::Transfers => {
            let (contact, client) = *rng.pick(&live);
            let data = NewTransfer {
                direction: *rng.pick(&[TransferDirection::SentToContact, TransferDirection::RequestedFromContact]),
                from_staff: f.admin,
                to_contact: contact,
                client_id: client,
                subject: format!("{} {n}", rng.pick(CITIES)),
                message: String::new(),
                signature_required: rng.chance(30),
                files: vec![],
            };
            match f.run(f.admin, R::TransferCreate { data }).unwrap() {
                S::Transfer(t) => t.id,
                o => panic!("{o:?}"),
            }
        }
    }
}

/// Moves a row's sort keys (name, status, date, subject, duration…).
/// Transfers change only through their state machine: not updated here.
fn update(f: &Fixture, rng: &mut Rng, kind: ListKind, id: Id) -> bool {
    f.clock.advance(Duration::seconds(1));
    match kind {
        ListKind::Clients => {
            let c = match f.run(f.admin, R::ClientGet { id }).unwrap() {
                S::Client(c) => c,
                o => panic!("{o:?}"),
            };
            let mut d = c.data;
            d.name = format!("{} {}", rng.pick(LAST), rng.pick(FIRST));
            d.status = *rng.pick(&[ClientStatus::Active, ClientStatus::Inactive, ClientStatus::Prospect]);
            d.address = Some(Address { city: Some(rng.pick(CITIES).to_string()), ..Default::default() });
            f.run(f.admin, R::ClientUpdate { id, version: c.version, data: d.into() }).unwrap();
        }
        ListKind::Contacts => {
            let c = match f.run(f.admin, R::ContactGet { id }).unwrap() {
                S::Contact(c) => c,
                o => panic!("{o:?}"),
            };
            let mut d = c.data;
            d.last_name = rng.pick(LAST).to_string();
            d.file_as = Some(format!("{}, {}", d.last_name, d.first_name));
            d.company = rng.chance(50).then(|| format!("{} ltée", rng.pick(CITIES)));
            f.run(f.admin, R::ContactUpdate { id, version: c.version, data: d.into() }).unwrap();
        }
        ListKind::Interactions => {
            let i = match f.run(f.admin, R::InteractionGet { id }).unwrap() {
                S::Interaction(i) => i,
                o => panic!("{o:?}"),
            };
            if i.data.kind == InteractionKind::TransferEvent {
                return false;
            }
            let mut d = i.data;
            d.subject = format!("{} {}", rng.pick(LAST), rng.pick(CITIES));
            d.occurred_at = f.clock.get() - Duration::minutes(rng.below(60 * 24 * 400) as i64);
            if d.kind == InteractionKind::PhoneCall {
                d.duration_secs = Some(rng.below(3600) as i64);
            }
            f.run(f.admin, R::InteractionUpdate { id, version: i.version, data: d.into() }).unwrap();
        }
        ListKind::Transfers => return false,
    }
    true
}

/// A walk with inserts and updates between pages. Afterwards the final
/// reference order decides: untouched rows come exactly once; a row written
/// after page k comes exactly once if it sorts after page k's last row,
/// else never; and the walk is in the final order.
#[allow(clippy::too_many_arguments)]
fn mutation_walk(
    f: &Fixture,
    ctx: &mut Ctx,
    rng: &mut Rng,
    stats: &mut Stats,
    surface: Surface,
    actor: Id,
    sort: SortChoice,
    limit: u32,
    seed: u64,
) {
    let kind = surface.kind();
    reload(f, ctx, kind);
    let before: Vec<Id> = reference(f, ctx, surface, actor, &sort, None, None).unwrap();
    let base = ListQuery { sort: sort_text(&sort), limit: Some(limit), ..Default::default() };
    // (row, last row of the page after which it was written).
    let mut events: Vec<(Id, Id)> = Vec::new();
    let mut touched: HashSet<Id> = HashSet::new();
    let mut reached: HashSet<Id> = HashSet::new();
    let counter = stats.inserted + 1000 * stats.mutation_walks;
    let mut n = 0;
    let mut offices = Vec::new();
    let bound = (before.len() + MAX_WRITES) / limit as usize + 2;
    let pages = walk(f, surface, actor, &base, bound, |page| {
        reached.extend(page.iter().copied());
        // A few writes: rows inserted ahead of the cursor (a later "sent")
        // would otherwise lengthen the walk forever at one row a page.
        if n >= MAX_WRITES {
            return;
        }
        let cursor = *page.last().expect("a full page");
        let id = insert(f, ctx, rng, surface, counter + n, &mut offices);
        n += 1;
        touched.insert(id);
        events.push((id, cursor));
        if rng.chance(60) {
            let unreached: Vec<Id> =
                before.iter().copied().filter(|x| !reached.contains(x) && !touched.contains(x)).collect();
            if !unreached.is_empty() {
                let x = *rng.pick(&unreached);
                if update(f, rng, kind, x) {
                    touched.insert(x);
                    events.push((x, cursor));
                }
            }
        }
    })
    .unwrap();
    let inserted = n;
    let updated = events.len() - n;
    ctx.world.office.extend(offices);
    reload(f, ctx, kind);
    let after: Vec<Id> = reference(f, ctx, surface, actor, &sort, None, None).unwrap();
    let pos: HashMap<Id, usize> = after.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let got: Vec<Id> = pages.concat();
    // Written after page k: comes iff it sorts after page k's last row.
    let comes: HashSet<Id> = events
        .iter()
        .filter(|(id, cursor)| matches!((pos.get(id), pos.get(cursor)), (Some(a), Some(c)) if a > c))
        .map(|(id, _)| *id)
        .collect();
    let want: Vec<Id> = after
        .iter()
        .copied()
        .filter(|id| if touched.contains(id) { comes.contains(id) } else { before.contains(id) })
        .collect();
    assert_eq!(
        got,
        want,
        "{:?} (seed {seed}): {surface:?} actor {actor} sort {:?} limit {limit}, {inserted} inserted and {updated} updated between pages — walk (left), expected (right)",
        f.backend,
        sort_text(&sort),
    );
    stats.mutation_walks += 1;
    stats.pages += pages.len();
    stats.inserted += inserted;
    stats.updated += updated;
}

#[test]
fn sqlite_pages_walk_to_the_reference_answer() {
    run(Backend::Sqlite);
}

#[test]
fn postgres_pages_walk_to_the_reference_answer() {
    run(Backend::Postgres);
}

// ------------------------------------------------ keywords with no words

fn search(f: &Fixture, list: &str, search: &str) -> Result<usize, clientele_core::Error> {
    let query = ListQuery { search: Some(search.into()), ..Default::default() };
    let r = match list {
        "clients" => R::ClientList { query },
        "contacts" => R::ContactList { query },
        _ => grid_request(ListKind::Clients, None, query),
    };
    match f.run(f.admin, r)? {
        S::Clients(p) => Ok(p.items.len()),
        S::Contacts(p) => Ok(p.items.len()),
        S::Grid(g) => Ok(g.rows.len()),
        o => panic!("{o:?}"),
    }
}

/// "🥐", "-", "'" hold no letter or digit: refused with the word's span,
/// never "every row" — in the Search box and as keywords of a filter.
fn keywords_without_letters_or_digits_are_refused(f: &Fixture) {
    let mut d = ClientData::new("DUP-01", "Dupont, Hélène");
    d.office = Some("Montréal".into());
    f.run(f.admin, R::ClientCreate { data: d }).unwrap();
    f.run(f.admin, R::ClientCreate { data: ClientData::new("COT-02", "Côté, Jean-François") }).unwrap();
    f.run(f.admin, R::ContactCreate { data: ContactData::new("Hélène", "D'Amours") }).unwrap();
    for list in ["clients", "contacts", "grid"] {
        for (s, span) in
            [("🥐", (0, 4)), ("-", (0, 1)), ("dupont -", (7, 8)), ("  '  ", (2, 3)), ("hélène %_", (9, 11))]
        {
            let e = search(f, list, s).expect_err(s);
            assert_eq!(e.code(), "invalid_filter", "{list} {s:?}: {e}");
            let span = clientele_core::Span { start: span.0, end: span.1 };
            assert_eq!(e.span(), Some(span), "{list} {s:?}: {e}");
            assert!(e.to_string().contains("no letter or digit"), "{list} {s:?}: {e}");
        }
        // Blank is no search: every row.
        let all = search(f, list, "").unwrap();
        assert!(all >= 1, "{list}");
        assert_eq!(search(f, list, "   ").unwrap(), all, "{list}");
    }
    assert_eq!(search(f, "clients", "dupont").unwrap(), 1);
    assert_eq!(search(f, "clients", "d'amours").unwrap(), 0);
    assert_eq!(search(f, "contacts", "D’Amours").unwrap(), 1);
    // In a filter: the keyword's span in the filter text.
    let list = |filter: FilterInput| {
        f.run(f.admin, R::ClientList { query: ListQuery { filter: Some(filter), ..Default::default() } })
    };
    let e = list(FilterInput::Text("hélène OR 🥐".into())).unwrap_err();
    assert_eq!(e.code(), "invalid_filter", "{e}");
    assert_eq!(e.span(), Some(clientele_core::Span { start: 12, end: 16 }), "{e}");
    let e = list(FilterInput::Text("statut:actif \"-\"".into())).unwrap_err();
    assert_eq!(e.span(), Some(clientele_core::Span { start: 13, end: 16 }), "{e}");
    let e = list(FilterInput::Json(serde_json::json!({"or": [{"keyword": "hélène"}, {"keyword": "🥐"}]}))).unwrap_err();
    assert_eq!(e.code(), "invalid_filter", "{e}");
    match list(FilterInput::Text("hélène OR côté".into())).unwrap() {
        S::Clients(p) => assert_eq!(p.items.len(), 2),
        o => panic!("{o:?}"),
    }
}

backend_tests!(keywords_without_letters_or_digits_are_refused);

//! SQLite list pages read straight from the statement (`store::own`) answer
//! exactly what diesel's decoding answered: for every list and grid and a
//! client's timeline × every sortable field in both directions and the
//! default sort × with and without a keyword search and a generated filter
//! × an unrestricted and an office-restricted staff member × page sizes 1,
//! 7 and 50, each page's whole answer (records, cells, names, attached
//! people, counts, cursors, why a row matched) is compared, field by field,
//! with the same page read through diesel on the same database. The firm
//! is the differential tests' (hostile strings, accents, apostrophes,
//! custom fields, trash).
//!
//! The statements read outside diesel are counted, so that the comparison
//! cannot pass by both sides taking diesel's path.

use std::cell::Cell;

use clientele_core::domain::*;
use clientele_core::protocol::{FieldInfo, FilterInput, ListKind, ListQuery, Request as R, Response as S};
use clientele_tests::{Backend, Fixture, Rng};

#[path = "common/firm.rs"]
mod firm;
use firm::*;

thread_local! {
    static OWN_READS: Cell<usize> = const { Cell::new(0) };
}

fn counted(_: &str, _: bool) {
    OWN_READS.with(|n| n.set(n.get() + 1));
}

#[derive(Debug, Clone, Copy)]
enum Surface {
    List(ListKind),
    Grid(ListKind),
    Timeline(Id),
}

fn request(surface: Surface, query: ListQuery) -> R {
    match surface {
        Surface::List(kind) => list_request(kind, query),
        Surface::Grid(list) => grid_request(list, None, query),
        // With the last 30 days and the record changes: the timeline's
        // every kind of row.
        Surface::Timeline(id) => R::ClientTimeline { id, last_30_days: true, include_changes: true, query },
    }
}

fn cursor_of(r: &S) -> Option<String> {
    match r {
        S::Clients(p) => p.next_cursor.clone(),
        S::Contacts(p) => p.next_cursor.clone(),
        S::Interactions(p) => p.next_cursor.clone(),
        S::Transfers(p) => p.next_cursor.clone(),
        S::Grid(g) => g.next_cursor.clone(),
        S::Timeline(t) => t.next_cursor.clone(),
        other => panic!("not a page: {other:?}"),
    }
}

/// Every page of `base`, read through diesel (`diesel`) or not: each
/// page's answer printed whole, or the refusal.
fn walk(f: &Fixture, actor: Id, surface: Surface, base: &ListQuery, diesel: bool) -> Vec<String> {
    /// Back to reading straight, however the walk ends.
    struct Straight;
    impl Drop for Straight {
        fn drop(&mut self) {
            clientele_core::own_reads::through_diesel(false);
        }
    }
    let _straight = Straight;
    clientele_core::own_reads::through_diesel(diesel);
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..500 {
        let q = ListQuery { cursor: cursor.clone(), ..base.clone() };
        match f.run(actor, request(surface, q)) {
            Ok(r) => {
                cursor = cursor_of(&r);
                out.push(format!("{r:?}"));
                if cursor.is_none() {
                    break;
                }
            }
            Err(e) => {
                out.push(format!("refused: {e:?}"));
                break;
            }
        }
    }
    out
}

/// The differential tests' firm with `interactions` and
/// `transfer_attempts`, and a staff member limited to Montréal.
fn firm(f: &Fixture, rng: &mut Rng, interactions: usize, transfer_attempts: usize) -> (World, Id) {
    let size = FirmSize { clients: 40, contacts: 30, interactions, transfer_attempts, trash: 34..36 };
    let world = seed_firm(f, rng, size);
    let mut rights = Rights::all();
    rights.offices = Some(vec!["Montréal".into()]);
    (world, f.staff("Luc Montréal", rights))
}

#[test]
fn sqlite_pages_read_straight_answer_as_diesel() {
    let Some(f) = Fixture::new(Backend::Sqlite) else { return };
    clientele_core::own_reads::watch(counted);
    let mut rng = Rng(0x0e4d_2026_1206);
    let (world, montreal) = firm(&f, &mut rng, 120, 60);
    let defs = match f.run(f.admin, R::CustomFieldList { kind: None, record: None }).unwrap() {
        S::CustomFields(d) => d,
        _ => unreachable!(),
    };
    let timeline =
        *world.clients.iter().find(|c| world.office.get(*c).and_then(|o| o.as_deref()) == Some("Montréal")).unwrap();
    let mut surfaces: Vec<Surface> = ListKind::ALL.iter().map(|k| Surface::List(*k)).collect();
    surfaces.extend(ListKind::ALL.iter().map(|k| Surface::Grid(*k)));
    surfaces.push(Surface::Timeline(timeline));
    let (mut pages, mut walks) = (0, 0);
    for surface in surfaces {
        let kind = match surface {
            Surface::List(k) | Surface::Grid(k) => k,
            Surface::Timeline(_) => ListKind::Interactions,
        };
        let table = load(&f, kind, &defs, &world);
        let fields: Vec<FieldInfo> = match f.run(f.admin, R::FilterFields { list: kind }).unwrap() {
            S::Fields(v) => v,
            _ => unreachable!(),
        };
        let mut sorts: Vec<Option<String>> = vec![None];
        for field in fields.iter().filter(|x| x.sortable) {
            sorts.push(Some(field.name.clone()));
            sorts.push(Some(format!("-{}", field.name)));
        }
        for sort in sorts {
            for searching in [false, true] {
                for actor in [f.admin, montreal] {
                    for limit in [1, 7, 50] {
                        let search = searching.then(|| match rng.below(3) {
                            0 => word(&mut rng),
                            1 => LAST[rng.below(LAST.len())].to_string(),
                            _ => FIRST[rng.below(FIRST.len())].to_string(),
                        });
                        let filter = rng.chance(50).then(|| term(&mut rng, &fields, &table, 0));
                        let base = ListQuery {
                            filter: filter.clone().map(FilterInput::Text),
                            search: search.clone(),
                            sort: sort.clone(),
                            limit: Some(limit),
                            count: rng.chance(50),
                            ..Default::default()
                        };
                        let before = OWN_READS.with(Cell::get);
                        let straight = walk(&f, actor, surface, &base, false);
                        let read_straight = OWN_READS.with(Cell::get) - before;
                        let before = OWN_READS.with(Cell::get);
                        let by_diesel = walk(&f, actor, surface, &base, true);
                        assert_eq!(OWN_READS.with(Cell::get), before, "diesel's walk read nothing straight");
                        let what = format!(
                            "{surface:?} actor {actor} sort {sort:?} search {search:?} filter {filter:?} limit {limit}"
                        );
                        assert_eq!(straight.len(), by_diesel.len(), "{what}: page count");
                        for (i, (a, b)) in straight.iter().zip(&by_diesel).enumerate() {
                            assert_eq!(a, b, "{what}: page {i} read straight (left) and by diesel (right)");
                        }
                        if !straight[0].starts_with("refused") {
                            assert!(read_straight > 0, "{what}: no page read straight");
                        }
                        pages += straight.len();
                        walks += 1;
                    }
                }
            }
        }
    }
    eprintln!("{walks} walks, {pages} pages compared");
    assert!(walks > 300 && pages > 1000, "{walks} walks, {pages} pages");
}

/// Every row of a grid walked `limit` rows a page, with every column of
/// its catalogue: id → (version, cells).
fn grid_rows(f: &Fixture, actor: Id, list: ListKind, columns: &[String], limit: u32) -> Vec<(Id, String)> {
    grid_rows_filtered(f, actor, list, columns, limit, None)
}

/// [`grid_rows`] under `filter`.
fn grid_rows_filtered(
    f: &Fixture,
    actor: Id,
    list: ListKind,
    columns: &[String],
    limit: u32,
    filter: Option<&str>,
) -> Vec<(Id, String)> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let query = ListQuery {
            cursor: cursor.clone(),
            limit: Some(limit),
            filter: filter.map(|t| FilterInput::Text(t.to_string())),
            ..Default::default()
        };
        let r = f.run(actor, grid_request(list, Some(columns.to_vec()), query)).unwrap();
        let S::Grid(g) = r else { panic!("not a grid") };
        out.extend(g.rows.iter().map(|r| (r.id, format!("{} {:?}", r.version, r.cells))));
        cursor = g.next_cursor;
        if cursor.is_none() {
            return out;
        }
    }
}

/// On a firm of 150 interactions and 400 transfer attempts: `check(f,
/// actor, list, columns)` for the interactions and transfers grids with
/// every column of their catalogue, for an unrestricted and an
/// office-restricted staff member.
fn each_grid(backend: Backend, check: impl Fn(&Fixture, Id, ListKind, &[String])) {
    let Some(f) = Fixture::new(backend) else { return };
    let mut rng = Rng(0x0e4d_2026_1207);
    let (_, montreal) = firm(&f, &mut rng, 150, 400);
    for list in [ListKind::Interactions, ListKind::Transfers] {
        let S::Columns(catalogue) = f.run(f.admin, R::ColumnsCatalogue { list }).unwrap() else { panic!() };
        let columns: Vec<String> = catalogue.iter().map(|c| c.id.clone()).collect();
        for actor in [f.admin, montreal] {
            check(&f, actor, list, &columns);
        }
    }
}

/// Rows some of which name one of the firm's people.
fn names_shown(rows: &[(Id, String)]) -> bool {
    rows.iter().any(|(_, cells)| cells.contains("D'Amours") || cells.contains("Tremblay"))
}

/// SQLite names a grid's clients, contacts and staff members by its page
/// statement's subqueries for short pages and by one statement after the
/// cut for long ones (`ops::lists::NAMES_AFTER_CUT`): both answer the same
/// cells, for an unrestricted and an office-restricted staff member.
#[test]
fn sqlite_grid_names_are_the_same_on_short_and_long_pages() {
    each_grid(Backend::Sqlite, |f, actor, list, columns| {
        let short = grid_rows(f, actor, list, columns, 7);
        let long = grid_rows(f, actor, list, columns, 50);
        assert!(long.len() > 7, "{list:?}: more than one short page ({} rows)", long.len());
        assert_eq!(short, long, "{list:?} actor {actor}: 7 rows a page (left), 50 (right)");
        assert!(names_shown(&long), "{list:?} actor {actor}: names shown");
    });
}

/// PostgreSQL joins a grid's names to its cut page when the page runs
/// under generic plans (no filter: `visibility::pg_names_joined_sql`) and
/// reads them by its statement's subqueries otherwise
/// (`visibility::names_sql`): a filter every row matches walks the same
/// rows, in the same order, with the same cells, for an unrestricted and
/// an office-restricted staff member, 7 and 50 rows a page.
#[test]
fn postgres_grid_names_joined_answer_as_their_subqueries() {
    each_grid(Backend::Postgres, |f, actor, list, columns| {
        for limit in [7, 50] {
            let joined = grid_rows(f, actor, list, columns, limit);
            let all = Some("objet:zzqx OR -objet:zzqx");
            let subqueries = grid_rows_filtered(f, actor, list, columns, limit, all);
            assert!(joined.len() > 7, "{list:?}: more than one short page ({} rows)", joined.len());
            assert_eq!(joined, subqueries, "{list:?} actor {actor}, {limit} a page: joined (left), subqueries");
            assert!(names_shown(&joined), "{list:?} actor {actor}: names shown");
        }
    });
}

//! Bulk import throughput: each kind imported by the engine
//! (`import.clients`, `import.contacts`, `import.interactions`, all or
//! nothing, checks and keyword index included) beside the limit — a
//! hand-written load of the very same rows (read back from the engine's
//! database) into a fresh database of the same schema (for the firm-size
//! case, a copy of the database as the engine found it), leaving it in the
//! same state: the records, their duplicate-detection keys (`dup_keys`,
//! three a client or contact) and their "imported" timeline entries
//! (`history`), one prepared INSERT reused per row on SQLite (binary `COPY`
//! on PostgreSQL, its fastest load), the same indexes, the keyword index
//! filled once at the end for the rows loaded (as the engine fills it),
//! the same page cache as an engine import (64 MiB) and the same
//! durability (`synchronous = FULL`).
//! After each kind the bench checks that both databases hold as many rows
//! in each of those tables.
//!
//! ```sh
//! cargo bench -p clientele-benches --bench import                 # 50k clients, 50k contacts, 200k interactions
//! CLIENTELE_BENCH_SCALE=0.1 cargo bench -p clientele-benches --bench import
//! CLIENTELE_BENCH_FIRM=1 cargo bench -p clientele-benches --bench import   # + 100k interactions into 1M
//! CLIENTELE_BENCH_BACKEND=sqlite cargo bench -p clientele-benches --bench import   # one backend (or postgres)
//! CLIENTELE_BENCH_ROUNDS=5 cargo bench -p clientele-benches --bench import   # medians of 5 rounds (default 3)
//! ```

use std::time::Instant;

use clientele_core::domain::{ClientData, ContactData, Email, InteractionData, InteractionKind, Phone};
use clientele_core::protocol::{Actor, ContactRow, ImportOptions, InteractionRow, Request, Response};
use clientele_tests::{Backend, Fixture, Place};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

diesel::table! {
    clients (id) {
        id -> BigInt,
        code -> Text,
        code_key -> Text,
        name -> Text,
        name_fold -> Text,
        kind -> Text,
        status -> Text,
        office -> Nullable<Text>,
        address -> Nullable<Text>,
        phones -> Text,
        emails -> Text,
        website -> Nullable<Text>,
        notes -> Nullable<Text>,
        referral_type -> Nullable<Text>,
        referred_by -> Nullable<Text>,
        won_date -> Nullable<Text>,
        won_reason -> Nullable<Text>,
        left_date -> Nullable<Text>,
        lost_to -> Nullable<Text>,
        lost_reason -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> BigInt,
        updated_by -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        trash_id -> Nullable<BigInt>,
        office_fold -> Nullable<Text>,
        city_fold -> Nullable<Text>,
        emails_fold -> Nullable<Text>,
        search_text -> Text,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        first_name -> Text,
        last_name -> Text,
        file_as -> Text,
        file_as_fold -> Text,
        company -> Nullable<Text>,
        title -> Nullable<Text>,
        phones -> Text,
        emails -> Text,
        address -> Nullable<Text>,
        notes -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> BigInt,
        updated_by -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        trash_id -> Nullable<BigInt>,
        company_fold -> Nullable<Text>,
        city_fold -> Nullable<Text>,
        emails_fold -> Nullable<Text>,
        search_text -> Text,
        import_key -> Nullable<Text>,
    }
}

diesel::table! {
    interactions (id) {
        id -> BigInt,
        kind -> Text,
        occurred_at -> BigInt,
        client_id -> Nullable<BigInt>,
        contact_id -> Nullable<BigInt>,
        staff_id -> Nullable<BigInt>,
        subject -> Text,
        body -> Text,
        direction -> Nullable<Text>,
        duration_secs -> Nullable<BigInt>,
        phone -> Nullable<Text>,
        email_from -> Nullable<Text>,
        email_to -> Nullable<Text>,
        email_cc -> Nullable<Text>,
        taken_for -> Nullable<Text>,
        custom -> Text,
        transfer_id -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> BigInt,
        updated_by -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        trash_id -> Nullable<BigInt>,
        subject_fold -> Text,
        custom_fold -> Text,
        search_text -> Text,
    }
}

diesel::table! {
    dup_keys (entity, kind, key, entity_id) {
        entity -> Text,
        entity_id -> BigInt,
        kind -> Text,
        key -> Text,
    }
}

diesel::table! {
    history (id) {
        id -> BigInt,
        record_kind -> Text,
        record_id -> BigInt,
        client_id -> Nullable<BigInt>,
        op -> Text,
        staff_id -> Nullable<BigInt>,
        at -> BigInt,
        changes -> Text,
        related_kind -> Nullable<Text>,
        related_id -> Nullable<BigInt>,
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = dup_keys)]
#[diesel(treat_none_as_default_value = false)]
struct DupKeyRow {
    entity: String,
    entity_id: i64,
    kind: String,
    key: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = history)]
#[diesel(treat_none_as_default_value = false)]
struct HistoryRow {
    id: i64,
    record_kind: String,
    record_id: i64,
    client_id: Option<i64>,
    op: String,
    staff_id: Option<i64>,
    at: i64,
    changes: String,
    related_kind: Option<String>,
    related_id: Option<i64>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = clients)]
#[diesel(treat_none_as_default_value = false)]
struct ClientRow {
    id: i64,
    code: String,
    code_key: String,
    name: String,
    name_fold: String,
    kind: String,
    status: String,
    office: Option<String>,
    address: Option<String>,
    phones: String,
    emails: String,
    website: Option<String>,
    notes: Option<String>,
    referral_type: Option<String>,
    referred_by: Option<String>,
    won_date: Option<String>,
    won_reason: Option<String>,
    left_date: Option<String>,
    lost_to: Option<String>,
    lost_reason: Option<String>,
    created_by: i64,
    created_at: i64,
    updated_by: i64,
    updated_at: i64,
    version: i64,
    trash_id: Option<i64>,
    office_fold: Option<String>,
    city_fold: Option<String>,
    emails_fold: Option<String>,
    search_text: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = contacts)]
#[diesel(treat_none_as_default_value = false)]
struct ContactRow_ {
    id: i64,
    first_name: String,
    last_name: String,
    file_as: String,
    file_as_fold: String,
    company: Option<String>,
    title: Option<String>,
    phones: String,
    emails: String,
    address: Option<String>,
    notes: Option<String>,
    created_by: i64,
    created_at: i64,
    updated_by: i64,
    updated_at: i64,
    version: i64,
    trash_id: Option<i64>,
    company_fold: Option<String>,
    city_fold: Option<String>,
    emails_fold: Option<String>,
    search_text: String,
    import_key: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = interactions)]
#[diesel(treat_none_as_default_value = false)]
struct InteractionRow_ {
    id: i64,
    kind: String,
    occurred_at: i64,
    client_id: Option<i64>,
    contact_id: Option<i64>,
    staff_id: Option<i64>,
    subject: String,
    body: String,
    direction: Option<String>,
    duration_secs: Option<i64>,
    phone: Option<String>,
    email_from: Option<String>,
    email_to: Option<String>,
    email_cc: Option<String>,
    taken_for: Option<String>,
    custom: String,
    transfer_id: Option<i64>,
    created_by: i64,
    created_at: i64,
    updated_by: i64,
    updated_at: i64,
    version: i64,
    trash_id: Option<i64>,
    subject_fold: String,
    custom_fold: String,
    search_text: String,
}

fn scale() -> f64 {
    std::env::var("CLIENTELE_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0)
}

fn clients(n: usize, from: usize) -> Vec<ClientData> {
    (from..from + n)
        .map(|i| {
            let mut c = ClientData::new(format!("C{i:07}"), format!("Société Tremblay-Côté n° {i} inc."));
            c.office = Some(["Montréal", "Québec", "Lévis"][i % 3].into());
            let phone: Phone =
                serde_json::from_value(serde_json::json!({"number": format!("514 555-{:04}", i % 10_000)})).unwrap();
            c.phones = vec![phone];
            c.emails =
                vec![Email { address: format!("compta{i}@exemple.ca"), kind: Default::default(), primary: false }];
            c
        })
        .collect()
}

fn contacts(n: usize) -> Vec<ContactRow> {
    (0..n)
        .map(|i| {
            let mut d = ContactData::new(["Hélène", "Zoé", "Réjean", "Anaïs"][i % 4], format!("Bélanger{i}"));
            d.emails = vec![Email { address: format!("p{i}@exemple.ca"), kind: Default::default(), primary: false }];
            ContactRow { key: Some(format!("K{i:07}")), data: d }
        })
        .collect()
}

fn interactions(n: usize, clients: usize) -> Vec<InteractionRow> {
    let t0 = chrono::DateTime::parse_from_rfc3339("2020-01-01T12:00:00Z").unwrap().with_timezone(&chrono::Utc);
    (0..n)
        .map(|i| {
            let mut d =
                InteractionData::note(t0 + chrono::Duration::minutes(i as i64), format!("Suivi du dossier fiscal {i}"));
            if i % 2 == 0 {
                d.kind = InteractionKind::PhoneCall;
                d.duration_secs = Some((i % 900) as i64);
            }
            d.body = format!("Relevés bancaires reçus; rappeler pour les feuillets T4 et le relevé {}.", i % 97);
            InteractionRow {
                client_code: Some(format!("C{:07}", i % clients)),
                contact_key: None,
                contact_email: None,
                staff_initials: Some("HDA".into()),
                data: d,
            }
        })
        .collect()
}

/// This thread's time on a CPU so far (ns, `/proc/thread-self/schedstat`;
/// 0 where that is not there). On SQLite an import, and its limit, run on
/// the calling thread: its CPU time leaves out waits for the disk, whose
/// speed drifts on this machine.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// Wall-clock and CPU seconds since it started.
#[derive(Clone, Copy)]
struct Clock(Instant, u64);

impl Clock {
    fn start() -> Clock {
        Clock(Instant::now(), cpu_ns())
    }

    fn stop(self) -> (f64, f64) {
        (self.0.elapsed().as_secs_f64(), cpu_ns().saturating_sub(self.1) as f64 / 1e9)
    }
}

fn run(f: &Fixture, r: Request) -> (f64, f64) {
    let t = Clock::start();
    match f.engine.execute(Actor::Staff(f.admin), r).unwrap() {
        Response::ImportReport(rep) => {
            assert!(rep.complete && rep.failed == 0, "{:?}", &rep.errors[..rep.errors.len().min(3)])
        }
        other => panic!("{other:?}"),
    }
    t.stop()
}

fn opts() -> ImportOptions {
    ImportOptions::default()
}

enum Raw {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

fn raw(place: &Place) -> Raw {
    match place {
        Place::Sqlite(p) => {
            let mut c = diesel::SqliteConnection::establish(&p.display().to_string()).unwrap();
            c.batch_execute("PRAGMA synchronous = FULL; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;").unwrap();
            Raw::Sqlite(c)
        }
        Place::Postgres { .. } => Raw::Pg(diesel::PgConnection::establish(&place.url()).unwrap()),
    }
}

#[derive(QueryableByName)]
struct Sql {
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

/// The limit: the same rows, loaded by hand into `to` with the duplicate
/// keys and history entries the engine wrote for them, timed.
macro_rules! baseline {
    ($to:expr, $table:ident, $rows:expr, $dups:expr, $hist:expr) => {{
        let (rows, dups, hist) = ($rows, $dups, $hist);
        let t = stringify!($table);
        match raw($to) {
            Raw::Sqlite(mut c) => {
                let trigger = diesel::sql_query(format!("SELECT sql FROM sqlite_master WHERE name = '{t}_fts_ai'"))
                    .get_result::<Sql>(&mut c)
                    .unwrap()
                    .sql;
                // The keyword index is filled for the rows loaded here
                // only (a database of firm size holds others already).
                let above = diesel::sql_query(format!("SELECT COALESCE(MAX(id), 0) AS n FROM {t}"))
                    .get_result::<Count>(&mut c)
                    .unwrap()
                    .n;
                // The page cache an engine import's transaction gets
                // (`store::bulk::with_import_cache`): with SQLite's 2 MiB a
                // database of firm size reads index pages back per insert.
                c.batch_execute("PRAGMA cache_size = -65536").unwrap();
                let start = Clock::start();
                c.batch_execute(&format!("BEGIN IMMEDIATE; DROP TRIGGER {t}_fts_ai;")).unwrap();
                for r in rows {
                    diesel::insert_into($table::table).values(r).execute(&mut c).unwrap();
                }
                for r in dups {
                    diesel::insert_into(dup_keys::table).values(r).execute(&mut c).unwrap();
                }
                for r in hist {
                    diesel::insert_into(history::table).values(r).execute(&mut c).unwrap();
                }
                // The interactions' trigger also keeps the dates' bounds per
                // block of ids, which the engine's import raises from its rows
                // (`store::bulk::raise_bounds`, a few ms): the limit leaves
                // them out, a limit a little faster than it should be.
                c.batch_execute(&format!(
                    "INSERT INTO {t}_fts(rowid, search_text) SELECT id, search_text FROM {t} WHERE id > {above}; \
                     {trigger}; COMMIT;"
                ))
                .unwrap();
                start.stop()
            }
            Raw::Pg(mut c) => {
                let start = Clock::start();
                c.transaction::<_, diesel::result::Error, _>(|c| {
                    diesel::copy_from($table::table).from_insertable(rows).execute(c)?;
                    if !dups.is_empty() {
                        diesel::copy_from(dup_keys::table).from_insertable(dups).execute(c)?;
                    }
                    if !hist.is_empty() {
                        diesel::copy_from(history::table).from_insertable(hist).execute(c)?;
                    }
                    Ok(())
                })
                .unwrap();
                start.stop()
            }
        }
    }};
}

/// The duplicate keys and history entries the engine wrote for `kind`'s
/// records (`entity` in `dup_keys`, `record_kind` in `history`).
fn side_rows(place: &Place, kind: &str) -> (Vec<DupKeyRow>, Vec<HistoryRow>) {
    macro_rules! read {
        ($c:expr) => {{
            let d = dup_keys::table.filter(dup_keys::entity.eq(kind)).select(DupKeyRow::as_select()).load($c).unwrap();
            let h = history::table
                .filter(history::record_kind.eq(kind))
                .order(history::id)
                .select(HistoryRow::as_select())
                .load($c)
                .unwrap();
            (d, h)
        }};
    }
    match &mut raw(place) {
        Raw::Sqlite(c) => read!(c),
        Raw::Pg(c) => read!(c),
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Row counts of the tables an import of `kind` fills, so the limit is
/// seen to have done the engine's whole write.
fn counts(place: &Place, table: &str, kind: &str) -> [i64; 3] {
    let q = [
        format!("SELECT COUNT(*) AS n FROM {table}"),
        format!("SELECT COUNT(*) AS n FROM dup_keys WHERE entity = '{kind}'"),
        format!("SELECT COUNT(*) AS n FROM history WHERE record_kind = '{kind}'"),
    ];
    let mut r = raw(place);
    q.map(|q| match &mut r {
        Raw::Sqlite(c) => diesel::sql_query(q).get_result::<Count>(c).unwrap().n,
        Raw::Pg(c) => diesel::sql_query(q).get_result::<Count>(c).unwrap().n,
    })
}

fn load_rows<T>(place: &Place, f: impl Fn(&mut Raw) -> Vec<T>) -> Vec<T> {
    f(&mut raw(place))
}

/// One kind's line: the medians of the engine's and the limit's rates,
/// their ratio, then each round's own ratio (engine and limit timed back
/// to back) and the median of those: on a machine whose disk speed drifts
/// over a minute, the pairs read steadier than the two medians apart.
fn line(backend: Backend, what: &str, n: usize, engine: f64, limit: Option<f64>, rounds: &[f64], cpu: Option<&[f64]>) {
    let rate = n as f64 / engine;
    match limit {
        Some(l) => {
            let lrate = n as f64 / l;
            let each: Vec<String> = rounds.iter().map(|r| format!("{r:.2}")).collect();
            let cpu = cpu.map_or_else(|| "—".to_string(), |c| format!("{:.2}×", median(c.to_vec())));
            println!(
                "{backend:?}\t{what:<34}\t{n:>9}\t{rate:>10.0}/s\t{lrate:>10.0}/s\t{:>5.2}×\t{:.2}× ({})\t{cpu}",
                rate / lrate,
                median(rounds.to_vec()),
                each.join(" ")
            )
        }
        None => println!("{backend:?}\t{what:<34}\t{n:>9}\t{rate:>10.0}/s\t{:>12}\t{:>6}", "—", "—"),
    }
}

/// One round on `backend`: each kind imported by the engine into one new
/// database and loaded by hand into another; answers (kind, rows, engine
/// seconds, limit seconds). `None`: the backend is not reachable.
/// One kind's times in a round: engine and limit, each (wall, CPU) seconds.
type Times = (&'static str, usize, (f64, f64), (f64, f64));

fn round(backend: Backend, (nc, np, ni): (usize, usize, usize)) -> Option<Vec<Times>> {
    let f = Fixture::new(backend)?;
    let g = Fixture::new(backend)?;
    let mut out = Vec::new();
    // Clients.
    let t = run(&f, Request::ImportClients { rows: clients(nc, 0), options: opts() });
    let rows: Vec<ClientRow> = load_rows(&f.place, |r| match r {
        Raw::Sqlite(c) => clients::table.order(clients::id).select(ClientRow::as_select()).load(c).unwrap(),
        Raw::Pg(c) => clients::table.order(clients::id).select(ClientRow::as_select()).load(c).unwrap(),
    });
    let (dups, hist) = side_rows(&f.place, "client");
    let l = baseline!(&g.place, clients, &rows, &dups, &hist);
    assert_eq!(counts(&f.place, "clients", "client"), counts(&g.place, "clients", "client"));
    out.push(("clients (new database)", nc, t, l));
    // Contacts.
    let t = run(&f, Request::ImportContacts { rows: contacts(np), options: opts() });
    let rows: Vec<ContactRow_> = load_rows(&f.place, |r| match r {
        Raw::Sqlite(c) => contacts::table.order(contacts::id).select(ContactRow_::as_select()).load(c).unwrap(),
        Raw::Pg(c) => contacts::table.order(contacts::id).select(ContactRow_::as_select()).load(c).unwrap(),
    });
    let (dups, hist) = side_rows(&f.place, "contact");
    let l = baseline!(&g.place, contacts, &rows, &dups, &hist);
    assert_eq!(counts(&f.place, "contacts", "contact"), counts(&g.place, "contacts", "contact"));
    out.push(("contacts (new database)", np, t, l));
    // Interactions (their clients by code, staff by initials).
    let t = run(&f, Request::ImportInteractions { rows: interactions(ni, nc), options: opts() });
    let rows: Vec<InteractionRow_> = load_rows(&f.place, |r| match r {
        Raw::Sqlite(c) => {
            interactions::table.order(interactions::id).select(InteractionRow_::as_select()).load(c).unwrap()
        }
        Raw::Pg(c) => interactions::table.order(interactions::id).select(InteractionRow_::as_select()).load(c).unwrap(),
    });
    let (dups, hist) = side_rows(&f.place, "interaction");
    let l = baseline!(&g.place, interactions, &rows, &dups, &hist);
    assert_eq!(counts(&f.place, "interactions", "interaction"), counts(&g.place, "interactions", "interaction"));
    out.push(("interactions (new database)", ni, t, l));
    drop(rows);
    // Firm size: 100k more interactions into a database of 1,000,000.
    if backend == Backend::Sqlite && std::env::var_os("CLIENTELE_BENCH_FIRM").is_some() {
        let mut have = ni;
        while have < 1_000_000 {
            let n = (1_000_000 - have).min(200_000);
            run(&f, Request::ImportInteractions { rows: interactions(n, nc), options: opts() });
            have += n;
        }
        // The limit loads the same 100,000 rows by hand into a copy of
        // the database as the engine found it (`VACUUM INTO`: a compact
        // copy, if anything easier to write to than the engine's).
        let Place::Sqlite(path) = &f.place else { unreachable!("SQLite only") };
        let copy = Place::Sqlite(path.with_extension("firm-limit.db"));
        let Place::Sqlite(copy_path) = &copy else { unreachable!() };
        let _ = std::fs::remove_file(copy_path);
        if let Raw::Sqlite(c) = &mut raw(&f.place) {
            c.batch_execute(&format!("VACUUM INTO '{}'", copy_path.display())).unwrap();
        }
        let mark = counts(&f.place, "interactions", "interaction");
        // The engine's rows are those above the largest id before it ran.
        let before = match &mut raw(&f.place) {
            Raw::Sqlite(c) => {
                diesel::sql_query("SELECT COALESCE(MAX(id), 0) AS n FROM interactions")
                    .get_result::<Count>(c)
                    .unwrap()
                    .n
            }
            Raw::Pg(_) => unreachable!("SQLite only"),
        };
        let t = run(&f, Request::ImportInteractions { rows: interactions(100_000, nc), options: opts() });
        let (rows, hist) = match &mut raw(&f.place) {
            Raw::Sqlite(c) => {
                let rows: Vec<InteractionRow_> = interactions::table
                    .filter(interactions::id.gt(before))
                    .order(interactions::id)
                    .select(InteractionRow_::as_select())
                    .load(c)
                    .unwrap();
                let hist: Vec<HistoryRow> = history::table
                    .filter(history::record_kind.eq("interaction"))
                    .filter(history::record_id.gt(before))
                    .order(history::id)
                    .select(HistoryRow::as_select())
                    .load(c)
                    .unwrap();
                (rows, hist)
            }
            Raw::Pg(_) => unreachable!("SQLite only"),
        };
        assert_eq!((rows.len(), hist.len()), (100_000, 100_000));
        let no_dups: Vec<DupKeyRow> = Vec::new();
        let l = baseline!(&copy, interactions, &rows, &no_dups, &hist);
        let after = counts(&copy, "interactions", "interaction");
        assert_eq!(after, [mark[0] + 100_000, 0, mark[2] + 100_000]);
        assert_eq!(after, counts(&f.place, "interactions", "interaction"));
        out.push(("interactions (into 1,000,000)", 100_000, t, l));
        let _ = std::fs::remove_file(copy_path);
    }
    Some(out)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let s = scale();
    let sizes = ((50_000.0 * s) as usize, (50_000.0 * s) as usize, (200_000.0 * s) as usize);
    // Rounds per backend (default 3): the medians are printed, each round
    // on new databases — one run's disk flushes vary by a third.
    let rounds: usize = std::env::var("CLIENTELE_BENCH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    println!(
        "backend\tkind\trows\tengine\tlimit (hand-written)\tratio\tratio per round: median (each)\tCPU time ratio (limit / engine, median)\t(medians of {rounds} rounds)"
    );
    let only = std::env::var("CLIENTELE_BENCH_BACKEND").ok().map(|b| b.to_lowercase());
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if only.as_deref().is_some_and(|o| !format!("{backend:?}").eq_ignore_ascii_case(o)) {
            continue;
        }
        let mut all = Vec::new();
        for _ in 0..rounds {
            match round(backend, sizes) {
                Some(r) => all.push(r),
                None => break,
            }
        }
        let Some(first) = all.first() else { continue };
        for (k, &(what, n, _, _)) in first.iter().enumerate() {
            let engine = median(all.iter().map(|r| r[k].2.0).collect());
            let limit = median(all.iter().map(|r| r[k].3.0).collect());
            let pairs: Vec<f64> = all.iter().map(|r| r[k].3.0 / r[k].2.0).collect();
            // CPU ratios mean something on SQLite only (PostgreSQL works
            // in its own processes).
            let cpu: Vec<f64> = all.iter().map(|r| r[k].3.1 / r[k].2.1).collect();
            let cpu = (backend == Backend::Sqlite && cpu.iter().all(|r| r.is_finite())).then_some(&cpu[..]);
            line(backend, what, n, engine, (!limit.is_nan()).then_some(limit), &pairs, cpu);
        }
    }
}

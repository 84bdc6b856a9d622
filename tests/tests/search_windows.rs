//! Interactions searches that drive by a keyword read its matches newest
//! blocks first (`core/src/query/window.rs`), on SQLite; the answer must be
//! the whole list's, page after page. A property over every walk: for
//! each search (a word in ~0.3% of 100,000 interactions, one found only in
//! old history, one only under a prefix, one beside a common word, one too
//! rare for windows) × page sizes 1, 7 and 50 × an all-offices and a
//! one-office staff member × the whole list and one client's, walking
//! every page by its cursor gives exactly the expected rows in order:
//! newest first, id after id among equal dates.
//!
//! The dates do not follow the ids: the first 40,000 rows imported are old
//! history in random order, the next 30,000 go forward in time to the
//! newest, the last 30,000 go back in time from three days ago. Then the
//! bounds are put to the test of each way a row gets its date: rows
//! created one by one (the insert trigger: after every id), old rows of
//! the first ids moved to the newest dates (the update trigger: outside
//! the ids of the newest blocks otherwise), rows deleted (a bound left too
//! high stays valid). Each of the three ways of keeping the bounds, taken
//! out, fails this test (checked by hand when it was written).
//!
//! The statements are watched (diesel's instrumentation): on SQLite every
//! windowed search of the whole list must have read a window, or the
//! property would hold by never taking the new path; one client's list
//! reads none (windows are sized on the whole list's matches). PostgreSQL has no windows; the same walks
//! check its answers.

use std::cell::Cell;

use chrono::{DateTime, Duration, Utc};
use clientele_core::domain::Rights;
use clientele_tests::{Backend, Fixture, Rng, Watched};

use serde_json::{Value, json};

const ROWS: usize = 100_000;
const CLIENTS: usize = 12;
const OFFICES: [&str; 2] = ["Montréal", "Québec"];

thread_local! {
    /// Windows read on this thread (page statements read within ids).
    static WINDOWS: Cell<usize> = const { Cell::new(0) };
}

fn on_event(e: Watched<'_>) {
    if let Watched::Started(sql) = e
        && sql.contains("_fts MATCH ? AND rowid BETWEEN ")
    {
        WINDOWS.with(|w| w.set(w.get() + 1));
    }
}

fn watch() {
    clientele_tests::watch_statements(on_event);
}

fn call(f: &Fixture, actor: i64, request: Value) -> Value {
    let mut env = request;
    env["actor"] = json!(actor);
    let out = f.engine.execute_json(&env.to_string()).unwrap_or_else(|e| panic!("{env}: {e}"));
    serde_json::from_str(&out).unwrap()
}

/// One interaction as the test knows it.
#[derive(Clone)]
struct Row {
    id: i64,
    version: i64,
    client: usize,
    at: DateTime<Utc>,
    words: Vec<&'static str>,
    live: bool,
}

/// The words of import row `i` (`old`: imported history). The newest 400
/// rows (the engine's sample) hold at most two of each searched word, so
/// each drives by the keyword index.
fn words_of(i: usize, old: bool) -> Vec<&'static str> {
    let mut w = vec!["suivi"];
    if i % 311 == 200 {
        w.push("zircon");
    }
    if old && i.is_multiple_of(97) {
        w.push("quartz");
    }
    if i % 233 == 100 {
        w.push("basaltique");
    }
    if i.is_multiple_of(2) {
        w.push("commun");
    }
    if i % 5000 == 1 {
        w.push("rarissime");
    }
    w
}

fn subject(words: &[&str]) -> String {
    words.join(" ")
}

/// Does every keyword start a word of the row (the engine's rule for these
/// plain lowercase words)?
fn matches(row: &Row, keywords: &[&str]) -> bool {
    keywords.iter().all(|k| row.words.iter().any(|w| w.starts_with(k)))
}

fn searches_read_the_newest_rows_whatever_the_order_of_ids(backend: Backend) {
    watch();
    let Some(f) = Fixture::new(backend) else { return };
    let now = f.clock.get();
    let mut limited = Rights::all();
    limited.offices = Some(vec![OFFICES[0].into()]);
    let one_office = f.staff("Mélanie Tremblay", limited);

    let codes: Vec<String> = (0..CLIENTS).map(|c| format!("WIN-{c:02}")).collect();
    let clients: Vec<Value> = codes
        .iter()
        .enumerate()
        .map(|(c, code)| json!({"code": code, "name": format!("Client {c}"), "office": OFFICES[c % 2]}))
        .collect();
    let r = call(&f, f.admin, json!({"op": "import.clients", "rows": clients, "options": {}}));
    let client_ids: Vec<i64> = r["ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(client_ids.len(), CLIENTS);

    // 100,000 interactions in ten imports, dates in three orders.
    let mut rng = Rng(0x5eed_0b10c);
    let mut rows: Vec<Row> = Vec::with_capacity(ROWS + 100);
    for batch in 0..10 {
        let mut json_rows = Vec::new();
        for i in batch * ROWS / 10..(batch + 1) * ROWS / 10 {
            let (at, old) = if i < 40_000 {
                (now - Duration::days(400) - Duration::minutes(rng.below(200 * 24 * 60) as i64), true)
            } else if i < 70_000 {
                (now - Duration::hours(2) - Duration::minutes(7 * (69_999 - i) as i64), false)
            } else {
                (now - Duration::days(3) - Duration::minutes(10 * (i - 70_000) as i64), false)
            };
            let words = words_of(i, old);
            let client = i % CLIENTS;
            json_rows.push(json!({"client_code": codes[client], "data": {"kind": "note",
                "occurred_at": at.to_rfc3339(), "subject": subject(&words)}}));
            rows.push(Row { id: 0, version: 1, client, at, words, live: true });
        }
        let r = call(&f, f.admin, json!({"op": "import.interactions", "rows": json_rows, "options": {}}));
        assert_eq!(r["failed"], json!(0), "{r}");
        let ids = r["ids"].as_array().unwrap();
        let start = batch * ROWS / 10;
        for (k, id) in ids.iter().enumerate() {
            rows[start + k].id = id.as_i64().unwrap();
        }
    }

    // Rows created one by one, dated newest of all (the insert trigger).
    for n in 0..40 {
        let words: Vec<&'static str> = match n {
            20 => vec!["suivi", "basaltique"],
            _ => vec!["suivi", "commun"],
        };
        let client = n % CLIENTS;
        let at = now - Duration::minutes(n as i64);
        let v = call(
            &f,
            f.admin,
            json!({"op": "interaction.create", "data": {"kind": "note", "occurred_at": at.to_rfc3339(),
                "client_id": client_ids[client], "subject": subject(&words), "staff_id": f.admin}}),
        );
        rows.push(Row { id: v["id"].as_i64().unwrap(), version: 1, client, at, words, live: true });
    }
    // Old rows moved to the newest dates (the update trigger): one holds
    // « zircon », two « quartz ».
    let plain = |i: &usize| rows[*i].words.iter().all(|w| ["suivi", "commun"].contains(w));
    let mut moved = vec![200 + 311 * 5, 97 * 100, 97 * 300];
    moved.extend((0..).map(|k| 1 + 1000 * k).filter(plain).take(27));
    for (k, i) in moved.into_iter().enumerate() {
        let at = now + Duration::minutes(1 + k as i64);
        let row = &mut rows[i];
        let v = call(
            &f,
            f.admin,
            json!({"op": "interaction.update", "id": row.id, "version": row.version, "data": {"kind": "note",
                "occurred_at": at.to_rfc3339(), "client_id": client_ids[row.client], "subject": subject(&row.words),
                "staff_id": f.admin}}),
        );
        row.version = v["version"].as_i64().unwrap();
        row.at = at;
    }
    // Deleted rows: their blocks' bounds stay as they were.
    for k in 0..60 {
        let row = &mut rows[200 + 311 * (1 + 3 * k)];
        call(&f, f.admin, json!({"op": "interaction.delete", "id": row.id, "version": row.version}));
        row.live = false;
    }

    // (search, windows read: must, must not, either).
    let searches: [(&str, Option<bool>); 7] = [
        ("zircon", Some(true)),
        ("quartz", Some(true)),
        ("basaltique", Some(true)),
        ("suivi zircon", Some(true)),
        // The index counts whole words: a prefix alone is not sized.
        ("basal", None),
        ("commun zircon", None),
        ("rarissime", Some(false)),
    ];
    let mut failures = Vec::new();
    let mut walks = 0;
    for (search, windowed) in searches {
        let keywords: Vec<&str> = search.split(' ').collect();
        for (actor, offices) in [(f.admin, &OFFICES[..]), (one_office, &OFFICES[..1])] {
            for client in [None, Some(1usize)] {
                let mut expected: Vec<&Row> = rows
                    .iter()
                    .filter(|r| r.live && matches(r, &keywords))
                    .filter(|r| offices.contains(&OFFICES[r.client % 2]))
                    .filter(|r| client.is_none_or(|c| r.client == c))
                    .collect();
                expected.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
                let expected: Vec<i64> = expected.iter().map(|r| r.id).collect();
                if client == Some(1) && actor == one_office {
                    // Client 1 is in Québec: nothing, or a refusal.
                    continue;
                }
                for limit in [1usize, 7, 50] {
                    // Walks of one row a page: the first 40 pages.
                    let pages = if limit == 1 { 40 } else { usize::MAX };
                    let mut got = Vec::new();
                    let mut cursor: Option<String> = None;
                    WINDOWS.with(|w| w.set(0));
                    for _ in 0..pages {
                        let mut req = json!({"op": "interaction.list", "search": search, "limit": limit});
                        if let Some(c) = client {
                            req["client_id"] = json!(client_ids[c]);
                        }
                        if let Some(c) = &cursor {
                            req["cursor"] = json!(c);
                        }
                        let page = call(&f, actor, req);
                        got.extend(page["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()));
                        cursor = page["next_cursor"].as_str().map(String::from);
                        if cursor.is_none() {
                            break;
                        }
                    }
                    walks += 1;
                    // A walk cut short is checked on its pages.
                    let want =
                        if cursor.is_some() { &expected[..got.len().min(expected.len())] } else { &expected[..] };
                    if got != want || (cursor.is_some() && got.len() != limit * pages) {
                        let first = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
                        failures.push(format!(
                            "« {search} », page size {limit}, actor {actor}, client {client:?}: {} rows, expected {}; \
                             first difference at {first}: got {:?}, expected {:?}",
                            got.len(),
                            want.len(),
                            got.get(first),
                            want.get(first)
                        ));
                    }
                    let windows = WINDOWS.with(Cell::get);
                    match windowed {
                        // One client's interactions are not read by windows
                        // (sized on the whole list's matches).
                        Some(_) if client.is_some() && windows > 0 => failures.push(format!(
                            "« {search} », page size {limit}, client {client:?}: {windows} windows read"
                        )),
                        Some(true) if backend == Backend::Sqlite && client.is_none() && windows == 0 => {
                            failures.push(format!(
                                "« {search} », page size {limit}, actor {actor}, client {client:?}: no window read"
                            ))
                        }
                        Some(false) if windows > 0 => {
                            failures.push(format!("« {search} »: {windows} windows read for a word this rare"))
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    assert_eq!(walks, 7 * 3 * 3, "walks");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn sqlite_searches_read_the_newest_rows_whatever_the_order_of_ids() {
    searches_read_the_newest_rows_whatever_the_order_of_ids(Backend::Sqlite);
}

#[test]
fn postgres_searches_read_the_newest_rows_whatever_the_order_of_ids() {
    searches_read_the_newest_rows_whatever_the_order_of_ids(Backend::Postgres);
}

//! The bundled SQLite's plan and time of statements (the system `sqlite3`
//! may be older and plan otherwise): reads `;`-terminated statements from
//! stdin and, for each, prints `EXPLAIN QUERY PLAN` and the best of 5
//! runs (a `SELECT` is counted; other statements are run once).
//!
//! ```sh
//! cargo run -p clientele-benches --example sqlplan -- target/bench-data/m_….db < q.sql
//! ```

use std::io::Read;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

#[derive(QueryableByName)]
struct Plan {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn main() {
    let path = std::env::args().nth(1).expect("database path");
    let mut c = SqliteConnection::establish(&path).expect("opens");
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).unwrap();
    for stmt in text.split(";\n").map(str::trim).filter(|s| !s.is_empty() && !s.starts_with("--")) {
        println!("== {}", &stmt[..stmt.len().min(200)]);
        if !stmt.to_ascii_uppercase().starts_with("SELECT") {
            let t = Instant::now();
            c.batch_execute(stmt).expect("runs");
            println!("   ran in {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
            continue;
        }
        let plan: Vec<Plan> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {stmt}")).load(&mut c).expect("plan");
        for p in plan {
            println!("   {}", p.detail);
        }
        let mut best = Duration::MAX;
        let mut n = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let r: Vec<N> =
                diesel::sql_query(format!("SELECT COUNT(*) AS n FROM ({stmt})")).load(&mut c).expect("runs");
            best = best.min(t.elapsed());
            n = r[0].n;
        }
        println!("   {n} rows, best {:.2} ms", best.as_secs_f64() * 1e3);
    }
}

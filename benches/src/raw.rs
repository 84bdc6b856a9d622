//! The baseline side: hand-written SQL, each statement prepared once per
//! connection and run through the database's own C API (SQLite's
//! `sqlite3_*`, PostgreSQL's libpq), every column of every row read into an
//! owned value. What a request costs beyond this is the engine's.

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_int};
use std::ptr;

use libsqlite3_sys as ffi;
use pq_sys as pq;

/// A bound parameter of a baseline statement.
#[derive(Debug, Clone, PartialEq)]
pub enum P {
    I(i64),
    T(String),
}

/// A value read back.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Null,
    I(i64),
    F(f64),
    T(String),
}

impl V {
    pub fn int(&self) -> Option<i64> {
        match self {
            V::I(i) => Some(*i),
            V::T(t) => t.parse().ok(),
            _ => None,
        }
    }
}

/// A connection that prepares each distinct statement text once.
pub enum Raw {
    Sqlite { db: *mut ffi::sqlite3, stmts: HashMap<String, *mut ffi::sqlite3_stmt> },
    Pg { conn: *mut pq::PGconn, stmts: HashMap<String, CString> },
}

// SAFETY: a `Raw` is used by one thread at a time (it is moved, never shared).
unsafe impl Send for Raw {}

fn c(s: &str) -> CString {
    CString::new(s).expect("no NUL in SQL")
}

/// `?` placeholders to PostgreSQL's `$n` (baseline SQL has no `?` in text).
pub fn dollar(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(ch);
        }
    }
    out
}

impl Raw {
    /// Opens the SQLite file with the engine's settings (WAL, busy timeout,
    /// and `synchronous` as the engine's `durability`).
    pub fn sqlite(path: &str, synchronous_full: bool) -> Raw {
        let mut db = ptr::null_mut();
        let p = c(path);
        // SAFETY: valid C strings and out pointer.
        let rc = unsafe {
            ffi::sqlite3_open_v2(
                p.as_ptr(),
                &mut db,
                ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_NOMUTEX,
                ptr::null(),
            )
        };
        assert_eq!(rc, ffi::SQLITE_OK, "cannot open {path}");
        let mut raw = Raw::Sqlite { db, stmts: HashMap::new() };
        let sync = if synchronous_full { "FULL" } else { "NORMAL" };
        raw.exec(&format!(
            "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync};"
        ));
        raw
    }

    /// Connects to PostgreSQL with `synchronous_commit` as the engine's
    /// `durability`.
    pub fn postgres(url: &str, synchronous_full: bool) -> Raw {
        let u = c(url);
        // SAFETY: a valid C string.
        let conn = unsafe { pq::PQconnectdb(u.as_ptr()) };
        // SAFETY: conn is what PQconnectdb answered.
        if unsafe { pq::PQstatus(conn) } != pq::ConnStatusType::CONNECTION_OK {
            panic!(
                "cannot connect to {url}: {}",
                unsafe { CStr::from_ptr(pq::PQerrorMessage(conn)) }.to_string_lossy()
            );
        }
        let mut raw = Raw::Pg { conn, stmts: HashMap::new() };
        raw.exec(&format!("SET synchronous_commit = {}", if synchronous_full { "on" } else { "off" }));
        raw
    }

    /// Runs statements without results (setup; not timed).
    pub fn exec(&mut self, sql: &str) {
        let s = c(sql);
        match self {
            Raw::Sqlite { db, .. } => {
                let mut err: *mut c_char = ptr::null_mut();
                // SAFETY: open handle, valid string.
                let rc = unsafe { ffi::sqlite3_exec(*db, s.as_ptr(), None, ptr::null_mut(), &mut err) };
                if rc != ffi::SQLITE_OK {
                    // SAFETY: err is set by sqlite3_exec on failure.
                    panic!("{sql}: {}", unsafe { CStr::from_ptr(err) }.to_string_lossy());
                }
            }
            Raw::Pg { conn, .. } => {
                // SAFETY: open connection, valid string.
                unsafe {
                    let r = pq::PQexec(*conn, s.as_ptr());
                    let st = pq::PQresultStatus(r);
                    let ok = matches!(st, pq::ExecStatusType::PGRES_COMMAND_OK | pq::ExecStatusType::PGRES_TUPLES_OK);
                    let msg = CStr::from_ptr(pq::PQresultErrorMessage(r)).to_string_lossy().into_owned();
                    pq::PQclear(r);
                    assert!(ok, "{sql}: {msg}");
                }
            }
        }
    }

    /// Runs `sql` (`?` placeholders) with `params`, preparing it the first
    /// time this connection sees it; answers every row, every column.
    pub fn query(&mut self, sql: &str, params: &[P]) -> Vec<Vec<V>> {
        match self {
            Raw::Sqlite { db, stmts } => {
                let st = *stmts.entry(sql.to_string()).or_insert_with(|| {
                    let mut st = ptr::null_mut();
                    let s = c(sql);
                    // SAFETY: open handle, valid string, out pointer.
                    let rc = unsafe {
                        ffi::sqlite3_prepare_v3(
                            *db,
                            s.as_ptr(),
                            -1,
                            ffi::SQLITE_PREPARE_PERSISTENT,
                            &mut st,
                            ptr::null_mut(),
                        )
                    };
                    if rc != ffi::SQLITE_OK {
                        // SAFETY: open handle.
                        panic!("{sql}: {}", unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(*db)) }.to_string_lossy());
                    }
                    st
                });
                // SAFETY: st is a live prepared statement of db.
                unsafe {
                    for (i, p) in params.iter().enumerate() {
                        let i = i as c_int + 1;
                        match p {
                            P::I(v) => ffi::sqlite3_bind_int64(st, i, *v),
                            P::T(t) => ffi::sqlite3_bind_text(
                                st,
                                i,
                                t.as_ptr() as *const c_char,
                                t.len() as c_int,
                                ffi::SQLITE_TRANSIENT(),
                            ),
                        };
                    }
                    let mut rows = Vec::new();
                    loop {
                        match ffi::sqlite3_step(st) {
                            ffi::SQLITE_ROW => {
                                let n = ffi::sqlite3_column_count(st);
                                let mut row = Vec::with_capacity(n as usize);
                                for k in 0..n {
                                    row.push(match ffi::sqlite3_column_type(st, k) {
                                        ffi::SQLITE_INTEGER => V::I(ffi::sqlite3_column_int64(st, k)),
                                        ffi::SQLITE_FLOAT => V::F(ffi::sqlite3_column_double(st, k)),
                                        ffi::SQLITE_NULL => V::Null,
                                        _ => {
                                            let p = ffi::sqlite3_column_text(st, k);
                                            let len = ffi::sqlite3_column_bytes(st, k) as usize;
                                            let b = std::slice::from_raw_parts(p, len);
                                            V::T(String::from_utf8_lossy(b).into_owned())
                                        }
                                    });
                                }
                                rows.push(row);
                            }
                            ffi::SQLITE_DONE => break,
                            _ => panic!("{sql}: {}", CStr::from_ptr(ffi::sqlite3_errmsg(*db)).to_string_lossy()),
                        }
                    }
                    ffi::sqlite3_reset(st);
                    ffi::sqlite3_clear_bindings(st);
                    rows
                }
            }
            Raw::Pg { conn, stmts } => {
                let n = stmts.len();
                let name = match stmts.get(sql) {
                    Some(name) => name.clone(),
                    None => {
                        let name = c(&format!("b{n}"));
                        let text = c(&dollar(sql));
                        // SAFETY: open connection, valid strings.
                        unsafe {
                            let r = pq::PQprepare(*conn, name.as_ptr(), text.as_ptr(), 0, ptr::null());
                            let ok = pq::PQresultStatus(r) == pq::ExecStatusType::PGRES_COMMAND_OK;
                            let msg = CStr::from_ptr(pq::PQresultErrorMessage(r)).to_string_lossy().into_owned();
                            pq::PQclear(r);
                            assert!(ok, "{sql}: {msg}");
                        }
                        stmts.insert(sql.to_string(), name.clone());
                        name
                    }
                };
                let values: Vec<CString> = params
                    .iter()
                    .map(|p| match p {
                        P::I(i) => c(&i.to_string()),
                        P::T(t) => c(t),
                    })
                    .collect();
                let ptrs: Vec<*const c_char> = values.iter().map(|v| v.as_ptr()).collect();
                // SAFETY: open connection, prepared name, parameter arrays
                // of the right length, all alive for the call.
                unsafe {
                    let r = pq::PQexecPrepared(
                        *conn,
                        name.as_ptr(),
                        ptrs.len() as c_int,
                        ptrs.as_ptr(),
                        ptr::null(),
                        ptr::null(),
                        0,
                    );
                    let st = pq::PQresultStatus(r);
                    if !matches!(st, pq::ExecStatusType::PGRES_TUPLES_OK | pq::ExecStatusType::PGRES_COMMAND_OK) {
                        let msg = CStr::from_ptr(pq::PQresultErrorMessage(r)).to_string_lossy().into_owned();
                        pq::PQclear(r);
                        panic!("{sql}: {msg}");
                    }
                    let (nr, nf) = (pq::PQntuples(r), pq::PQnfields(r));
                    let mut rows = Vec::with_capacity(nr as usize);
                    for i in 0..nr {
                        let mut row = Vec::with_capacity(nf as usize);
                        for k in 0..nf {
                            if pq::PQgetisnull(r, i, k) == 1 {
                                row.push(V::Null);
                            } else {
                                let s = CStr::from_ptr(pq::PQgetvalue(r, i, k)).to_string_lossy().into_owned();
                                row.push(V::T(s));
                            }
                        }
                        rows.push(row);
                    }
                    pq::PQclear(r);
                    rows
                }
            }
        }
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        match self {
            Raw::Sqlite { db, stmts } => {
                // SAFETY: statements and handle are ours, finalized once.
                unsafe {
                    for (_, st) in stmts.drain() {
                        ffi::sqlite3_finalize(st);
                    }
                    ffi::sqlite3_close(*db);
                }
            }
            // SAFETY: the connection is ours, finished once.
            Raw::Pg { conn, .. } => unsafe { pq::PQfinish(*conn) },
        }
    }
}

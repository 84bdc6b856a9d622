//! SQLite pages read straight from the statement: a list page's rows
//! decoded column by column from `sqlite3_column_*` into the table's row
//! type, on the pooled connection's own handle.
//!
//! diesel decodes a row through its multi-backend layer: a value object
//! per field, a `Row` behind a reference count, the whole tuple of 30-40
//! columns moved through its iterator. On a page of clients that was 30 %
//! of the request (`perf` of `list_loop clients`, 2026-12-06), the
//! statement's own steps 30 %. Here a page costs what the benchmark's
//! hand-written baseline costs to read: a step, then each column read
//! into its owned value.
//!
//! How the handle is found. diesel 2.3 gives out neither its statement nor
//! its `sqlite3*`. Every SQLite connection opened in the process passes
//! through [`crate::deadline`]'s auto-extension, which notes the handle
//! for its thread ([`opened`]); the pool's manager takes it right after
//! opening ([`install`]) and keeps an [`Own`] in the connection's
//! instrumentation slot (diesel's `Instrumentation` is `Downcast`), where
//! [`of`] finds it from `&mut SqliteConnection`. diesel's own events are
//! passed on to the instrumentation a connection would have had (the
//! tests' statement watchers); the statements read here are reported to
//! [`watch`] instead, which diesel's event types cannot be built for.
//!
//! Invariants:
//! - An [`Own`]'s statements are finalized before its connection closes:
//!   diesel closes with `sqlite3_close`, which refuses (and diesel panics)
//!   while a statement is alive, and drops the instrumentation only after.
//!   Only pooled connections get an `Own` ([`install`] from the manager's
//!   `connect`), and a pooled connection is a `store::Pooled`, whose drop
//!   calls [`release`] first.
//! - A statement is reset and its bindings cleared whatever the outcome
//!   ([`Step`]'s drop), so a cached statement never holds a read open past
//!   its page.
//! - The same statements are kept as diesel would keep them: a text
//!   admitted by `prepared::MAX_SHAPES` stays prepared, others are
//!   finalized after their page.
//! - Errors are diesel's: the same `DatabaseError` kind and message
//!   diesel builds from `sqlite3_errmsg`, so deadlines, interruptions and
//!   lost files answer exactly as on diesel's path.

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::{CStr, c_int};
use std::ptr::{self, NonNull};
use std::sync::OnceLock;

use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use libsqlite3_sys as ffi;

use crate::error::{Error, Result};
use crate::query::sql::{Bind, Sql};

thread_local! {
    /// The last SQLite handle opened on this thread ([`opened`]).
    static OPENED: Cell<*mut ffi::sqlite3> = const { Cell::new(ptr::null_mut()) };
    /// Pages on this thread read through diesel ([`through_diesel`]).
    static DIESEL: Cell<bool> = const { Cell::new(false) };
}

/// Watches statements read here (tests; [`watch`]).
static WATCH: OnceLock<fn(&str, bool)> = OnceLock::new();

/// Notes `db`, just opened on this thread (the auto-extension's call).
pub(crate) fn opened(db: *mut ffi::sqlite3) {
    OPENED.with(|o| o.set(db));
}

/// Forgets the handle noted on this thread, before opening a connection
/// whose handle [`install`] will take.
pub(crate) fn forget_opened() {
    OPENED.with(|o| o.set(ptr::null_mut()));
}

/// Watches the statements pages run here, from now on, in the process:
/// `f(text, cached_now)` before each, on the thread that runs it;
/// `cached_now` when the text was prepared now for its connection to keep
/// (diesel's `CacheQuery`). A text not kept is never cached. For tests that
/// count statements beside diesel's instrumentation; once per process.
#[doc(hidden)]
pub fn watch(f: fn(&str, bool)) {
    let _ = WATCH.set(f);
}

/// Reads this thread's pages through diesel (`true`) or here (`false`,
/// the default): for tests that compare the two.
#[doc(hidden)]
pub fn through_diesel(on: bool) {
    DIESEL.with(|d| d.set(on));
}

/// The statements a pooled SQLite connection reads pages with, kept in
/// its instrumentation slot.
pub(crate) struct Own {
    db: NonNull<ffi::sqlite3>,
    /// Keyed by text with `foldhash` (std's SipHash over a ~1.5 KB page
    /// statement was ~1 µs of each page).
    kept: HashMap<Box<str>, NonNull<ffi::sqlite3_stmt>, foldhash::fast::RandomState>,
    /// The instrumentation the connection was opened with.
    inner: Option<Box<dyn Instrumentation>>,
}

// SAFETY: a pooled connection, and so its `Own`, is used by one thread at a
// time (the pool hands it to one request); the handle and statements are
// never shared between `Own`s.
unsafe impl Send for Own {}

impl Instrumentation for Own {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let Some(inner) = &mut self.inner {
            inner.on_connection_event(event);
        }
    }
}

impl Own {
    fn finalize_all(&mut self) {
        for (_, st) in self.kept.drain() {
            // SAFETY: a statement of this connection, finalized once (it
            // leaves the map).
            unsafe { ffi::sqlite3_finalize(st.as_ptr()) };
        }
    }
}

impl Drop for Own {
    fn drop(&mut self) {
        self.finalize_all();
    }
}

/// Gives a connection just opened by this thread its [`Own`], when its
/// handle was noted since [`forget_opened`].
pub(crate) fn install(c: &mut diesel::SqliteConnection) {
    let Some(db) = NonNull::new(OPENED.with(|o| o.replace(ptr::null_mut()))) else { return };
    c.set_instrumentation(Own {
        db,
        kept: HashMap::default(),
        inner: diesel::connection::get_default_instrumentation(),
    });
}

/// Finalizes the statements of `c` (before it closes).
pub(crate) fn release(c: &mut diesel::SqliteConnection) {
    // Not through `of`: a thread reading through diesel still finalizes.
    if let Some(own) = c.instrumentation().downcast_mut::<Own>() {
        own.finalize_all();
    }
}

/// The [`Own`] of a pooled connection.
pub(crate) fn of(c: &mut diesel::SqliteConnection) -> Option<&mut Own> {
    if DIESEL.with(Cell::get) {
        return None;
    }
    c.instrumentation().downcast_mut::<Own>()
}

/// A row being read: its columns by index.
pub(crate) struct Cols {
    st: *mut ffi::sqlite3_stmt,
    /// The statement's column count, read once.
    n: usize,
}

impl Cols {
    /// Column `i` as `T`.
    pub(crate) fn get<T: Column>(&self, i: usize) -> Result<T> {
        if i >= self.n {
            return Err(Error::internal(format!("a page row has no column {i}")));
        }
        // SAFETY: `st` is positioned on a row for the whole life of `self`
        // (see `Own::rows`), and `i` is checked against its column count.
        unsafe { T::read(self.st, i as c_int) }
    }
}

/// A value read from a column, as diesel's `FromSql` for SQLite reads it.
pub(crate) trait Column: Sized {
    /// # Safety
    /// `st` is positioned on a row and `i` is one of its columns.
    unsafe fn read(st: *mut ffi::sqlite3_stmt, i: c_int) -> Result<Self> {
        // SAFETY: per the trait.
        unsafe {
            if ffi::sqlite3_column_type(st, i) == ffi::SQLITE_NULL {
                return Err(unexpected_null(i));
            }
            Self::read_present(st, i)
        }
    }

    /// The value of a column known not to be NULL (its type asked once,
    /// by [`Column::read`] or by `Option`'s).
    ///
    /// # Safety
    /// As [`Column::read`], and the column's value is not NULL.
    unsafe fn read_present(st: *mut ffi::sqlite3_stmt, i: c_int) -> Result<Self>;
}

fn unexpected_null(i: c_int) -> Error {
    Error::storage(format!("unexpected NULL in non-null column {i} of a page"))
}

impl Column for i64 {
    unsafe fn read_present(st: *mut ffi::sqlite3_stmt, i: c_int) -> Result<Self> {
        // SAFETY: per the trait.
        Ok(unsafe { ffi::sqlite3_column_int64(st, i) })
    }
}

impl Column for bool {
    unsafe fn read_present(st: *mut ffi::sqlite3_stmt, i: c_int) -> Result<Self> {
        // SAFETY: per the trait. As diesel: the value's `int`, not zero.
        Ok(unsafe { ffi::sqlite3_column_int(st, i) } != 0)
    }
}

impl Column for String {
    unsafe fn read_present(st: *mut ffi::sqlite3_stmt, i: c_int) -> Result<Self> {
        // SAFETY: per the trait; the text pointer is valid for the column's
        // byte count until the next step or conversion, and read at once.
        unsafe {
            let p = ffi::sqlite3_column_text(st, i);
            let n = ffi::sqlite3_column_bytes(st, i) as usize;
            if p.is_null() {
                // Out of memory converting the value (SQLite's only reason
                // for NULL here once the type is not NULL).
                return Err(Error::storage("out of memory reading a page column"));
            }
            let bytes = std::slice::from_raw_parts(p, n);
            Ok(match std::str::from_utf8(bytes) {
                Ok(s) => s.to_owned(),
                // As diesel: a blob or bad bytes read lossily.
                Err(_) => String::from_utf8_lossy(bytes).into_owned(),
            })
        }
    }
}

impl<T: Column> Column for Option<T> {
    unsafe fn read(st: *mut ffi::sqlite3_stmt, i: c_int) -> Result<Self> {
        // SAFETY: per the trait.
        unsafe {
            if ffi::sqlite3_column_type(st, i) == ffi::SQLITE_NULL {
                return Ok(None);
            }
            T::read_present(st, i).map(Some)
        }
    }

    unsafe fn read_present(st: *mut ffi::sqlite3_stmt, i: c_int) -> Result<Self> {
        // SAFETY: per the trait.
        unsafe { T::read_present(st, i) }.map(Some)
    }
}

/// diesel's error for the connection's last failure (`sqlite/connection/
/// stmt.rs`, `last_error`): the same kind and message, so that the
/// engine's conversion answers alike on either path.
fn last_error(db: *mut ffi::sqlite3) -> Error {
    // SAFETY: an open handle; SQLite's message is a NUL-terminated string
    // valid until the next call on this connection, copied at once.
    let (message, code) = unsafe {
        (CStr::from_ptr(ffi::sqlite3_errmsg(db)).to_string_lossy().into_owned(), ffi::sqlite3_extended_errcode(db))
    };
    let kind = match code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => DatabaseErrorKind::UniqueViolation,
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => DatabaseErrorKind::ForeignKeyViolation,
        ffi::SQLITE_CONSTRAINT_NOTNULL => DatabaseErrorKind::NotNullViolation,
        ffi::SQLITE_CONSTRAINT_CHECK => DatabaseErrorKind::CheckViolation,
        _ => DatabaseErrorKind::Unknown,
    };
    Error::from(DieselError::DatabaseError(kind, Box::new(message)))
}

/// A statement in use: reset with its bindings cleared when done, or
/// finalized when not kept.
struct Step {
    st: *mut ffi::sqlite3_stmt,
    kept: bool,
}

impl Drop for Step {
    fn drop(&mut self) {
        // SAFETY: a live statement of this connection; a statement not kept
        // is finalized here once and never used again.
        unsafe {
            if self.kept {
                ffi::sqlite3_reset(self.st);
                ffi::sqlite3_clear_bindings(self.st);
            } else {
                ffi::sqlite3_finalize(self.st);
            }
        }
    }
}

impl Own {
    /// Runs `sql` (a SQLite statement: its placeholders `?`, in bind
    /// order) and reads each row with `row`. `keep`: the text is one the
    /// connection keeps prepared (`prepared::kept`).
    pub(crate) fn rows<T>(&mut self, sql: &Sql, keep: bool, mut row: impl FnMut(&Cols) -> Result<T>) -> Result<Vec<T>> {
        debug_assert!(!sql.pg, "a SQLite statement");
        let db = self.db.as_ptr();
        let text = sql.text.as_str();
        let found = if keep { self.kept.get(text).copied() } else { None };
        let st = match found {
            Some(st) => st.as_ptr(),
            None => {
                let mut st = ptr::null_mut();
                let flags = if keep { ffi::SQLITE_PREPARE_PERSISTENT } else { 0 };
                // SAFETY: an open handle, a text of `len` bytes (no NUL
                // needed with an explicit length), an out pointer.
                let rc = unsafe {
                    ffi::sqlite3_prepare_v3(
                        db,
                        text.as_ptr().cast(),
                        text.len() as c_int,
                        flags,
                        &mut st,
                        ptr::null_mut(),
                    )
                };
                if rc != ffi::SQLITE_OK {
                    return Err(last_error(db));
                }
                let Some(st) = NonNull::new(st) else {
                    return Err(Error::internal("an empty page statement"));
                };
                if keep {
                    self.kept.insert(text.into(), st);
                }
                st.as_ptr()
            }
        };
        // Before anything that may fail or unwind: a statement not kept is
        // finalized whatever happens next.
        let _step = Step { st, kept: keep };
        if let Some(f) = WATCH.get() {
            f(text, keep && found.is_none());
        }
        for (n, b) in sql.binds.iter().enumerate() {
            let i = n as c_int + 1;
            // SAFETY: a live statement; text bound as static is alive until
            // `_step` clears the bindings (`sql` outlives this call), and
            // for a statement not kept, until it is finalized.
            let rc = unsafe {
                match b {
                    Bind::Text(s) => {
                        ffi::sqlite3_bind_text(st, i, s.as_ptr().cast(), s.len() as c_int, ffi::SQLITE_STATIC())
                    }
                    Bind::Int(v) => ffi::sqlite3_bind_int64(st, i, *v),
                    Bind::Float(v) => ffi::sqlite3_bind_double(st, i, *v),
                    Bind::Bool(v) => ffi::sqlite3_bind_int64(st, i, i64::from(*v)),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(last_error(db));
            }
        }
        // A page's rows are large (a whole record each): room for the
        // page at once, not grown and copied as rows come.
        let mut out = Vec::with_capacity(sql.expect_rows);
        // The column count, asked once the first row is read (a kept
        // statement may be prepared again by its first step).
        let mut n = None;
        loop {
            // SAFETY: a live, bound statement.
            match unsafe { ffi::sqlite3_step(st) } {
                ffi::SQLITE_ROW => {
                    // SAFETY: a live statement, positioned on a row.
                    let n = *n.get_or_insert_with(|| unsafe { ffi::sqlite3_column_count(st) }.max(0) as usize);
                    out.push(row(&Cols { st, n })?)
                }
                ffi::SQLITE_DONE => return Ok(out),
                _ => return Err(last_error(db)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;

    use super::*;

    /// A pooled-like connection: opened with the hook, given its `Own`,
    /// released before it closes (as `store::Pooled` does), even when a
    /// test fails.
    struct Conn(diesel::SqliteConnection);

    impl Drop for Conn {
        fn drop(&mut self) {
            release(&mut self.0);
        }
    }

    impl std::ops::Deref for Conn {
        type Target = diesel::SqliteConnection;
        fn deref(&self) -> &Self::Target {
            &self.0
        }
    }

    impl std::ops::DerefMut for Conn {
        fn deref_mut(&mut self) -> &mut Self::Target {
            &mut self.0
        }
    }

    fn connection() -> Conn {
        crate::deadline::install_sqlite_hook();
        forget_opened();
        let mut c = diesel::SqliteConnection::establish(":memory:").unwrap();
        install(&mut c);
        Conn(c)
    }

    /// `text` with each `?` bound to the next of `binds`.
    fn sql(text: &str, binds: Vec<Bind>) -> Sql {
        let mut s = Sql::new(false);
        let mut binds = binds.into_iter();
        for (i, part) in text.split('?').enumerate() {
            if i > 0 {
                s.bind(binds.next().expect("a value for each placeholder"));
            }
            s.push(part);
        }
        assert!(binds.next().is_none(), "a placeholder for each value");
        s
    }

    type Row = (i64, Option<i64>, String, Option<String>, bool);

    fn read(r: &Cols) -> Result<Row> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    }

    type Sql5 = (
        diesel::sql_types::BigInt,
        diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        diesel::sql_types::Text,
        diesel::sql_types::Nullable<diesel::sql_types::Text>,
        diesel::sql_types::Bool,
    );

    /// Statements alive on the connection (kept or not yet finalized).
    fn alive(c: &mut diesel::SqliteConnection) -> usize {
        let db = of(c).unwrap().db.as_ptr();
        let mut n = 0;
        let mut st = ptr::null_mut();
        loop {
            // SAFETY: an open handle; walks its statement list.
            st = unsafe { ffi::sqlite3_next_stmt(db, st) };
            if st.is_null() {
                return n;
            }
            n += 1;
        }
    }

    #[test]
    fn columns_read_as_diesel_reads_them() {
        let mut c = connection();
        c.batch_execute(
            "CREATE TABLE t (a INTEGER NOT NULL, b INTEGER, c TEXT NOT NULL, d TEXT, e INTEGER NOT NULL);
             INSERT INTO t VALUES (1, NULL, 'Hélène D''Amours 🎉', NULL, 0),
                                  (-9, 42, 'e' || char(769), 'x', 1),
                                  (9223372036854775807, 0, 12, '', 2),
                                  (5, 5, 'left out by the bound value', NULL, 0);",
        )
        .unwrap();
        let q = sql(
            "SELECT a, b, c, d, e FROM t WHERE a <> ? AND c <> ? ORDER BY rowid",
            vec![Bind::Int(5), Bind::Text("none".into())],
        );
        let rows = of(&mut c).expect("installed").rows(&q, true, read).unwrap();
        let typed: Vec<Row> =
            diesel::RunQueryDsl::load(crate::store::prepared::Prepared::<Sql5>::uncached(&q), &mut c.0).unwrap();
        assert_eq!(rows, typed);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].2, "Hélène D'Amours 🎉");
        assert_eq!(rows[1].2, "e\u{301}", "decomposed text kept as stored");
        assert_eq!(rows[2].2, "12", "an integer read as text");
        assert!(rows[2].4, "any non-zero integer is true");
        // Run again on the kept statement: same rows, one statement alive.
        assert_eq!(of(&mut c).unwrap().rows(&q, true, read).unwrap(), rows);
        assert_eq!(alive(&mut c), 1);
        // Not kept: finalized after its page.
        let other = sql("SELECT a, b, c, d, e FROM t WHERE a = ?", vec![Bind::Int(1)]);
        assert_eq!(of(&mut c).unwrap().rows(&other, false, read).unwrap().len(), 1);
        assert_eq!(alive(&mut c), 1);
        // Released: nothing alive, and the connection closes (diesel panics
        // on a close refused for a live statement).
        release(&mut c);
        assert_eq!(alive(&mut c), 0);
        drop(c);
    }

    #[test]
    fn failures_answer_as_on_diesel_s_path() {
        let mut c = connection();
        c.batch_execute("CREATE TABLE t (a INTEGER, c TEXT);  INSERT INTO t VALUES (NULL, NULL);").unwrap();
        // A NULL where the row type wants a value.
        let q = sql("SELECT a, a, c, c, a FROM t", vec![]);
        let e = of(&mut c).unwrap().rows(&q, true, read).unwrap_err();
        assert!(e.to_string().contains("unexpected NULL"), "{e}");
        // The statement is reset despite the error: the next read works.
        let ok = sql("SELECT 1, a, 'x', c, 0 FROM t", vec![]);
        assert_eq!(of(&mut c).unwrap().rows(&ok, true, read).unwrap(), vec![(1, None, "x".into(), None, false)]);
        // A statement SQLite refuses: the message diesel gives.
        let bad = sql("SELECT a, b FROM nowhere", vec![]);
        let mine = of(&mut c).unwrap().rows(&bad, true, read).unwrap_err();
        let theirs: Error =
            diesel::RunQueryDsl::load::<Row>(crate::store::prepared::Prepared::<Sql5>::uncached(&bad), &mut c.0)
                .unwrap_err()
                .into();
        assert_eq!(mine.to_string(), theirs.to_string());
        // Interrupted mid-step: SQLite's own message, as diesel reports it.
        let slow = sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i, i, 'x', NULL, 0 FROM n",
            vec![],
        );
        let own = of(&mut c).unwrap();
        let db = own.db.as_ptr();
        let mut seen = 0;
        let e = own
            .rows(&slow, false, |r| {
                seen += 1;
                if seen == 1000 {
                    // SAFETY: an open handle; interrupting is thread-safe.
                    unsafe { ffi::sqlite3_interrupt(db) };
                }
                read(r)
            })
            .unwrap_err();
        assert!(e.to_string().contains("interrupt"), "{e}");
        assert_eq!(alive(&mut c), 2, "the two kept statements only");
    }

    #[test]
    fn a_thread_reading_through_diesel_still_finalizes_on_release() {
        let mut c = connection();
        let q = sql("SELECT 1, NULL, 'x', NULL, 0", vec![]);
        of(&mut c).unwrap().rows(&q, true, read).unwrap();
        assert_eq!(alive(&mut c), 1);
        through_diesel(true);
        release(&mut c);
        through_diesel(false);
        assert_eq!(alive(&mut c), 0, "finalized whatever the thread's reads");
    }

    #[test]
    fn a_connection_without_its_handle_noted_gets_none() {
        crate::deadline::install_sqlite_hook();
        let mut c = diesel::SqliteConnection::establish(":memory:").unwrap();
        forget_opened();
        install(&mut c);
        assert!(of(&mut c).is_none());
    }
}

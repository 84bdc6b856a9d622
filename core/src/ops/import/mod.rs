//! Bulk imports (`import.clients`, `import.contacts`, `import.links`,
//! `import.interactions`, `import.transfers`): every row is checked first, outside any
//! transaction, against the records as one read found them (codes, keys,
//! e-mails, initials, links, offices); then the good rows are written in
//! one transaction (`all_or_nothing`) or one per batch (`batches`).
//!
//! Progress: each row counts twice, once checked and once written (total
//! `2 × rows`). It is reported every 1,000 rows checked and after each
//! committed batch, never inside an open write transaction; returning
//! `false` cancels. With `all_or_nothing` the only report of the write is
//! after its commit (a raised cancel flag still interrupts the write).

mod kinds;
mod messages;
mod patch;
mod transfers;

use std::cell::RefCell;

use crate::domain::DupEntity;
use crate::engine::{Engine, Progress, Who};
use crate::error::{Error, Result};
use crate::protocol::{CommitMode, ImportOptions, ImportReport, Request, Stopped};
use crate::store::{self, Conn};

pub(crate) use messages::Problem;

/// Rows per write inside one `all_or_nothing` transaction between
/// deadline checks; the default and largest `batch_size`.
const BATCH: usize = 1000;
/// Rows an import takes at once.
const MAX_ROWS: usize = 1_000_000;

/// What the check decided for one row.
pub(crate) enum Step<T> {
    Create(T),
    Update { id: crate::domain::Id, version: i64, data: T },
    Skip(Option<crate::domain::Id>),
    Bad(Problem),
}

/// Where a row's locks fall in the one order every `all_or_nothing`
/// import takes them: such an import holds every lock to its end, across
/// its batches, so two of them holding the same codes (or records) in
/// different orders would deadlock on PostgreSQL were the rows ordered
/// batch by batch only. Sorted by this key first, a later import waits
/// for the first at its first shared code and then finds it taken (a
/// `duplicate`). Creates come before updates, as a batch writes them.
///
/// Not ordered: links (a row may rely on an earlier one of the file, and
/// is checked against the database batch by batch), and the rows interactions,
/// transfers and links hold `FOR SHARE` (`kinds::Still`): two imports, or
/// an import and a merge, can still meet in a deadlock there. The tags a
/// batch creates (`create_tags`) are made in code order
/// (`tags::create_missing`), batch by batch: two all-or-nothing imports
/// of over 1,000 rows making the same new tags in different batches can
/// still deadlock.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum LockKey {
    /// The code or key a create takes in its unique index.
    Code(String),
    /// The record an update changes.
    Record(crate::domain::Id),
    /// Nothing another import could wait for.
    Free,
}

/// A kind of row's place in the lock order ([`LockKey`]); kinds left in
/// the file's order keep the default.
pub(crate) trait LockOrder: Sized {
    fn lock_key(_: &Step<Self>) -> LockKey {
        LockKey::Free
    }
}

impl LockOrder for crate::domain::InteractionData {}
impl LockOrder for crate::domain::TransferData {}

/// A report with its rows' warnings (possible duplicates, then tags the
/// import would create), in row order.
fn with_warnings(
    mut report: ImportReport,
    warnings: Vec<crate::bulk::RowWarning>,
    tags: Vec<crate::bulk::RowWarning>,
) -> ImportReport {
    report.warnings = warnings;
    report.warnings.extend(tags);
    report.warnings.sort_by_key(|w| w.row);
    report
}

/// What writing some rows did.
#[derive(Default)]
pub(crate) struct Written {
    pub created: u64,
    pub updated: u64,
    pub ids: Vec<(usize, crate::domain::Id)>,
    pub problems: Vec<(usize, Problem)>,
}

impl Written {
    fn merge(&mut self, o: Written) {
        self.created += o.created;
        self.updated += o.updated;
        self.ids.extend(o.ids);
        self.problems.extend(o.problems);
    }
}

/// Reports checking progress every 1,000 rows (and checks the deadline).
pub(crate) struct Ticker<'a> {
    progress: &'a dyn Progress,
    total: u64,
}

impl Ticker<'_> {
    pub(crate) fn tick(&self, i: usize) -> Result<()> {
        if i.is_multiple_of(BATCH) && i > 0 {
            crate::deadline::check_current()?;
            if !self.progress.report(i as u64, self.total) {
                return Err(Error::Canceled);
            }
        }
        Ok(())
    }
}

/// The file line of row `i`.
pub(crate) fn line_of(opts: &ImportOptions, i: usize) -> u64 {
    opts.lines.get(i).copied().unwrap_or(i as u64 + 1)
}

/// What a staff member without every right may not use.
pub(crate) const CREATE_TAGS: &str =
    "options.create_tags (tags are made by the host, or by a firm administrator: every right, every office)";

const ROLLBACK: &str = "import rolled back: bad rows";

/// A record's duplicate keys (`store::dupkeys`).
pub(super) type DupKeys = Vec<store::dupkeys::Key>;

/// The duplicate keys of the rows to write: (row, keys, the record it
/// updates).
type Keyed = Vec<(usize, DupKeys, Option<crate::domain::Id>)>;

/// The keys of `keyed` by row (none for a row not written): computed once
/// for the warnings and written by the batches' inserts.
fn keys_by_row(keyed: Keyed, n: usize) -> Vec<DupKeys> {
    let mut out = vec![Vec::new(); n];
    for (i, keys, _) in keyed {
        out[i] = keys;
    }
    out
}

fn keyed_steps<T>(steps: &[Step<T>], keys: impl Fn(&T) -> DupKeys) -> Keyed {
    steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Step::Create(d) => Some((i, keys(d), None)),
            Step::Update { id, data, .. } => Some((i, keys(data), Some(*id))),
            _ => None,
        })
        .collect()
}

/// What a batch does with a code or key taken since the check.
fn taken(opts: &ImportOptions) -> store::bulk::Taken {
    match opts.commit {
        CommitMode::Batches => store::bulk::Taken::LeaveOut,
        CommitMode::AllOrNothing => store::bulk::Taken::Fail,
    }
}

/// At most this many rows are warned of in one report.
const MAX_WARNED_ROWS: usize = 1000;

impl Engine {
    /// The likely duplicates of the rows to write among the records that
    /// exist and the actor sees, read before any write (the keys held
    /// found in bulk, then one point read per key of the rows that share
    /// one; at most [`MAX_WARNED_ROWS`] rows warned).
    fn row_warnings(
        &self,
        who: &Who,
        entity: DupEntity,
        keyed: &Keyed,
        opts: &ImportOptions,
    ) -> Result<Vec<crate::bulk::RowWarning>> {
        self.read(|c| {
            // Only rows sharing a key with a record that exists can have a
            // likely duplicate: find those keys in bulk first.
            let all: Vec<(crate::text::DupKind, String)> =
                keyed.iter().flat_map(|(_, keys, _)| keys.iter().cloned()).collect();
            let keyed_as = match entity {
                DupEntity::Client => store::dupkeys::Keyed::Client,
                DupEntity::Contact => store::dupkeys::Keyed::Contact,
            };
            let held = store::bulk::dup_keys_held(c, keyed_as, &all)?;
            drop(all);
            let mut out = Vec::new();
            let mut rows = 0;
            for (i, keys, me) in keyed {
                if rows == MAX_WARNED_ROWS {
                    break;
                }
                if !keys.iter().any(|k| held.contains(k)) {
                    continue;
                }
                crate::deadline::check_current()?;
                let found = crate::ops::duplicates::warnings(c, who, entity, keys, *me)?;
                rows += usize::from(!found.is_empty());
                out.extend(found.into_iter().map(|warning| crate::bulk::RowWarning {
                    row: *i as u64 + 1,
                    line: line_of(opts, *i),
                    warning,
                }));
            }
            Ok(out)
        })
    }

    /// Rows naming a tag by another case or accents: a warning each, told
    /// which tag was read.
    fn tag_warnings<'a>(
        &self,
        rows: impl Iterator<Item = &'a [String]>,
        opts: &ImportOptions,
    ) -> Result<Vec<crate::bulk::RowWarning>> {
        let mut rows = rows.enumerate().filter(|(_, t)| !t.is_empty()).peekable();
        if rows.peek().is_none() {
            return Ok(Vec::new());
        }
        let tags = self.read(store::tags::all)?;
        let mut out = Vec::new();
        for (i, refs) in rows {
            for (r, tag) in crate::ops::tags::inexact(&tags, refs) {
                out.push(crate::bulk::RowWarning {
                    row: i as u64 + 1,
                    line: line_of(opts, i),
                    warning: crate::ops::tags::matched_warning(r, tag),
                });
            }
        }
        Ok(out)
    }

    pub(crate) fn bulk_import(&self, who: &Who, request: Request, progress: &dyn Progress) -> Result<ImportReport> {
        let (name, n, opts) = match &request {
            Request::ImportClients { rows, options } => ("clients", rows.len(), options),
            Request::ImportContacts { rows, options } => ("contacts", rows.len(), options),
            Request::ImportLinks { rows, options } => ("links", rows.len(), options),
            Request::ImportInteractions { rows, options } => ("interactions", rows.len(), options),
            Request::ImportTransfers { rows, options } => ("transfers", rows.len(), options),
            _ => return Err(Error::internal("bulk_import of a request that is not an import")),
        };
        if n > MAX_ROWS {
            return Err(Error::validation("rows", "too_many", format!("imports at most {MAX_ROWS} rows at once")));
        }
        if !opts.lines.is_empty() && opts.lines.len() != n {
            return Err(Error::validation("options.lines", "invalid_value", "gives one line per row"));
        }
        if !opts.given.is_empty() && opts.given.len() != n {
            return Err(Error::validation("options.given", "invalid_value", "gives one list of fields per row"));
        }
        if opts.batch_size.is_some_and(|b| b == 0 || b as usize > BATCH) {
            return Err(Error::validation("options.batch_size", "out_of_range", "must be between 1 and 1000"));
        }
        if opts.create_tags && who.rights != crate::domain::Rights::all() {
            // Tags are the host's to make; a file may add some only for a
            // firm administrator (every right, every office).
            return Err(Error::Forbidden {
                actor: format!("staff {} ({})", who.id, who.name),
                action: "use",
                entity: CREATE_TAGS,
            });
        }
        let tag_warnings = match &request {
            Request::ImportClients { rows, .. } => self.tag_warnings(rows.iter().map(|r| &r.tags[..]), opts)?,
            Request::ImportContacts { rows, .. } => self.tag_warnings(rows.iter().map(|r| &r.data.tags[..]), opts)?,
            _ => Vec::new(),
        };
        let opts = opts.clone();
        let ticker = Ticker { progress, total: 2 * n as u64 };
        match request {
            Request::ImportClients { rows, .. } => {
                let steps = self.check_clients(who, rows, &opts, &ticker)?;
                let keyed = keyed_steps(&steps, |d| store::dupkeys::client_keys(d, self.phone_region));
                let warnings = self.row_warnings(who, DupEntity::Client, &keyed, &opts)?;
                let keys = keys_by_row(keyed, steps.len());
                let report =
                    self.drive(name, Some(store::bulk::Table::Clients), steps, &opts, progress, |c, batch| {
                        self.write_clients(who, c, batch, &keys, taken(&opts))
                    })?;
                Ok(with_warnings(report, warnings, tag_warnings))
            }
            Request::ImportContacts { rows, .. } => {
                let steps = self.check_contacts(who, rows, &opts, &ticker)?;
                let keyed = keyed_steps(&steps, |(_, d)| store::dupkeys::contact_keys(d, self.phone_region));
                let warnings = self.row_warnings(who, DupEntity::Contact, &keyed, &opts)?;
                let keys = keys_by_row(keyed, steps.len());
                let report =
                    self.drive(name, Some(store::bulk::Table::Contacts), steps, &opts, progress, |c, batch| {
                        self.write_contacts(who, c, batch, &keys, taken(&opts))
                    })?;
                Ok(with_warnings(report, warnings, tag_warnings))
            }
            Request::ImportLinks { rows, .. } => {
                let steps = self.check_links(who, rows, &opts, &ticker)?;
                self.drive(name, None, steps, &opts, progress, |c, batch| self.write_links(who, c, batch))
            }
            Request::ImportInteractions { rows, .. } => {
                let steps = self.check_interactions(who, rows, &opts, &ticker)?;
                self.drive(name, Some(store::bulk::Table::Interactions), steps, &opts, progress, |c, batch| {
                    self.write_interactions(who, c, batch)
                })
            }
            Request::ImportTransfers { rows, .. } => {
                let steps = self.check_transfers(who, rows, &opts, &ticker)?;
                let report =
                    self.drive(name, Some(store::bulk::Table::Transfers), steps, &opts, progress, |c, batch| {
                        self.write_transfers(who, c, batch)
                    });
                // Open transfers imported expire on their own dates: the
                // sweep looks again at its next chance.
                self.next_sweep.store(0, std::sync::atomic::Ordering::Release);
                report
            }
            _ => unreachable!("matched above"),
        }
    }

    /// Writes the checked rows as the options say and answers the report.
    fn drive<T: LockOrder>(
        &self,
        name: &str,
        table: Option<store::bulk::Table>,
        steps: Vec<Step<T>>,
        opts: &ImportOptions,
        progress: &dyn Progress,
        write: impl Fn(&mut Conn, &[(usize, &Step<T>)]) -> Result<Written>,
    ) -> Result<ImportReport> {
        let n = steps.len();
        let mut report = ImportReport {
            import: name.to_string(),
            dry_run: opts.dry_run,
            rows: n as u64,
            created: 0,
            updated: 0,
            skipped: 0,
            failed: 0,
            batches_committed: 0,
            complete: false,
            stopped: None,
            failure: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            ids: vec![None; n],
        };
        let mut work: Vec<(usize, &Step<T>)> = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            match s {
                Step::Bad(p) => report.errors.push(p.clone().at(i, line_of(opts, i))),
                Step::Skip(id) => {
                    report.skipped += 1;
                    report.ids[i] = *id;
                }
                Step::Create(_) | Step::Update { .. } => work.push((i, s)),
            }
        }
        report.failed = report.errors.len() as u64;
        let total = 2 * n as u64;
        if opts.dry_run {
            for (_, s) in &work {
                match s {
                    Step::Create(_) => report.created += 1,
                    _ => report.updated += 1,
                }
            }
            report.complete = report.failed == 0 || opts.commit == CommitMode::Batches;
            progress.report(total, total);
            return Ok(report);
        }
        let apply = |report: &mut ImportReport, w: Written| {
            report.created += w.created;
            report.updated += w.updated;
            for (i, id) in w.ids {
                report.ids[i] = Some(id);
            }
            for (i, p) in w.problems {
                report.errors.push(p.at(i, line_of(opts, i)));
            }
            report.failed = report.errors.len() as u64;
        };
        match opts.commit {
            CommitMode::AllOrNothing => {
                if report.failed > 0 {
                    return Ok(report);
                }
                // Every lock held to the end: taken in one order (`LockKey`).
                work.sort_by_cached_key(|(_, s)| T::lock_key(s));
                let rejected = RefCell::new(None);
                let result = self.write(|c| {
                    store::bulk::with_import_cache(c, |c| {
                        // The keyword index's trigger set aside once for the
                        // whole transaction (each batch still fills the index).
                        let paused = match table {
                            Some(t) => Some(store::bulk::pause_index(c, t)?),
                            None => None,
                        };
                        let mut all = Written::default();
                        for chunk in work.chunks(BATCH) {
                            crate::deadline::check_current()?;
                            all.merge(write(c, chunk)?);
                        }
                        if let Some(p) = paused {
                            store::bulk::resume_index(c, p)?;
                        }
                        if !all.problems.is_empty() {
                            *rejected.borrow_mut() = Some(all.problems);
                            return Err(Error::internal(ROLLBACK));
                        }
                        Ok(all)
                    })
                });
                match result {
                    Ok(w) => {
                        apply(&mut report, w);
                        report.batches_committed = 1;
                        report.complete = true;
                    }
                    Err(Error::Internal { message: m, .. }) if m == ROLLBACK => {
                        let problems = rejected.into_inner().unwrap_or_default();
                        apply(&mut report, Written { problems, ..Written::default() });
                    }
                    Err(e) => return Err(e),
                }
                progress.report(total, total);
            }
            CommitMode::Batches => {
                let size = opts.batch_size.map_or(BATCH, |b| b as usize);
                let mut done = 0u64;
                for batch in work.chunks(size) {
                    match self.write(|c| store::bulk::with_import_cache(c, |c| write(c, batch))) {
                        Ok(w) => {
                            apply(&mut report, w);
                            report.batches_committed += 1;
                        }
                        Err(Error::Canceled) => {
                            report.stopped = Some(Stopped::Canceled);
                            break;
                        }
                        Err(Error::Timeout { .. }) => {
                            report.stopped = Some(Stopped::Timeout);
                            break;
                        }
                        // The batches committed so far are reported as
                        // committed, not lost behind an error answer.
                        Err(e) => {
                            let first = batch.first().map_or(0, |(i, _)| *i);
                            report.stopped = Some(Stopped::Failed);
                            report.failure = Some(Problem::from_error(&e, "row").at(first, line_of(opts, first)));
                            break;
                        }
                    }
                    done += batch.len() as u64;
                    if !progress.report(n as u64 + done, total) {
                        report.stopped = Some(Stopped::Canceled);
                        break;
                    }
                }
                report.complete = report.stopped.is_none();
                if report.complete {
                    progress.report(total, total);
                }
            }
        }
        report.errors.sort_by_key(|e| e.row);
        Ok(report)
    }
}

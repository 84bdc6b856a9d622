//! The bulk import requests' types: the rows of each kind, the options
//! every import shares, and the report every import answers (dry run or
//! not). Files (CSV) are turned into these rows by `clientele-io`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::*;

/// What to do with a row whose record already exists (a client by its
/// code, a contact by its key, a link by its client and contact).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnExisting {
    /// Replace the record with the row (links: change the role).
    Update,
    /// Leave the record as it is; the row counts as skipped.
    Skip,
    /// The row is a bad row (`duplicate`).
    #[default]
    Error,
}

/// How an import commits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// One transaction: any bad row, a cancel or the deadline writes
    /// nothing. Other writers wait for the whole import.
    #[default]
    AllOrNothing,
    /// One transaction per batch of `batch_size` rows: bad rows are left
    /// out and reported, good ones kept; other writers get their turn
    /// between batches; a cancel keeps the batches already committed.
    Batches,
}

/// The options every import request takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    /// Check everything and answer the report; write nothing.
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub on_existing: OnExisting,
    #[serde(default)]
    pub commit: CommitMode,
    /// Rows per transaction with `commit: batches` (1 to 1000, default
    /// 1000); progress is reported at least this often.
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub batch_size: Option<u32>,
    /// The file line of each row, for the report (a CSV reader gives them;
    /// default: the row's position, from 1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<u64>,
    /// Import as a patch (clients and contacts, `on_existing: update`):
    /// per row, the fields it gives (paths in its data: `name`,
    /// `phones[0].number`, `address.city`). A row that updates a record
    /// replaces only those; a listed path the row has no value at clears
    /// the field (a list entry leaves its list); every other field keeps
    /// the record's value. Empty (the default): each row is the whole
    /// record. A CSV import lists its columns here (`clientele-io`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<Vec<String>>,
    /// Tags of client and contact rows that name no tag of the firm are
    /// created (code from the name, both names as written, a grey colour)
    /// instead of making the row bad. Only the host manages tags otherwise:
    /// this is the one way a staff member's file adds some.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_tags: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            dry_run: false,
            on_existing: OnExisting::Error,
            commit: CommitMode::AllOrNothing,
            batch_size: None,
            lines: Vec::new(),
            given: Vec::new(),
            create_tags: false,
        }
    }
}

/// A contact to import, with the key other rows of the file name it by
/// (the old product's contact number, say). The key is kept: a later
/// import matches the same contact by it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRow {
    #[serde(default)]
    pub key: Option<String>,
    pub data: ContactData,
}

/// A link between a client (by code or id) and a contact (by key or id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRow {
    #[serde(default)]
    pub client_code: Option<String>,
    #[serde(default)]
    pub client_id: Option<Id>,
    #[serde(default)]
    pub contact_key: Option<String>,
    #[serde(default)]
    pub contact_id: Option<Id>,
    #[serde(default)]
    pub role: ContactRole,
}

/// An interaction to import: its client by code (or `data.client_id`),
/// its contact by key, e-mail address (or `data.contact_id`), its staff
/// member by initials (or `data.staff_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionRow {
    #[serde(default)]
    pub client_code: Option<String>,
    #[serde(default)]
    pub contact_key: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub staff_initials: Option<String>,
    pub data: InteractionData,
}

/// A file transfer to import: its client by code (or `data.client_id`),
/// its recipient by contact key or e-mail address (or `data.to_contact`),
/// its staff member by initials (or `data.from_staff`). A row whose
/// client, subject (case and accents ignored) and sent time (to the
/// second) are those of a live transfer matches it (`on_existing`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRow {
    #[serde(default)]
    pub client_code: Option<String>,
    #[serde(default)]
    pub contact_key: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub staff_initials: Option<String>,
    pub data: ImportedTransfer,
}

/// A transfer as another product or an export has it: any status a
/// transfer of Clientèle can be in, with dates that agree with it (see
/// `docs/import-export.md`, "Transfers").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportedTransfer {
    pub direction: TransferDirection,
    #[serde(default = "waiting")]
    pub status: TransferStatus,
    #[serde(default)]
    pub from_staff: Option<Id>,
    #[serde(default)]
    pub to_contact: Option<Id>,
    #[serde(default)]
    pub client_id: Option<Id>,
    pub subject: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub signature_required: bool,
    /// The files (none while waiting for files; some once ready or
    /// complete). Their state follows the transfer's.
    #[serde(default)]
    pub files: Vec<NewFile>,
    pub sent_at: chrono::DateTime<chrono::Utc>,
    /// Default: `sent_at` + 30 days, as a transfer made here.
    #[serde(default)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it became complete, expired or canceled (an expired one:
    /// default its expiry); none while open.
    #[serde(default)]
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn waiting() -> TransferStatus {
    TransferStatus::WaitingForFiles
}

/// Why the import stopped before its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    Canceled,
    Timeout,
    /// A batch failed unexpectedly (storage, a constraint the checks did
    /// not foresee): the batches before it stay committed, that batch and
    /// the rest were not written; `failure` says why.
    Failed,
}

/// A bad row: where, and why in French and English.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RowError {
    /// Position of the row in the request, from 1.
    pub row: u64,
    /// The file line (CSV), or `row`.
    pub line: u64,
    /// The field (`code`, `emails[0].address`), or the CSV column's header.
    pub column: String,
    /// The error code (`validation`, `duplicate`, `not_found`, ...).
    pub code: String,
    /// The validation reason, when there is one (`required`, `too_long`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub message_fr: String,
    pub message_en: String,
}

/// A row to look at: where, and what (a likely duplicate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct RowWarning {
    /// Position of the row in the request, from 1.
    pub row: u64,
    /// The file line (CSV), or `row`.
    pub line: u64,
    pub warning: crate::domain::Warning,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ImportReport {
    /// `clients`, `contacts`, `links`, `interactions` or `transfers`.
    pub import: String,
    pub dry_run: bool,
    /// Rows in the request.
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    /// Bad rows (each listed in `errors`).
    pub failed: u64,
    /// Transactions committed (0 in a dry run, or when nothing was kept).
    pub batches_committed: u64,
    /// Whether every good row was written (dry run: would be).
    pub complete: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
    /// With `stopped: failed`: the error, at the first row of the batch
    /// that failed (`column` names the field when the error does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<RowError>,
    pub errors: Vec<RowError>,
    /// Rows to look at, though not refused (in a dry run too): likely
    /// duplicates of existing records the actor sees (`import.clients`,
    /// `import.contacts`). Absent when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<RowWarning>,
    /// Per row, the id of the record created or updated (`null` for a
    /// skipped or bad row, or in a dry run), in request order.
    pub ids: Vec<Option<Id>>,
}

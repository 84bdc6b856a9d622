use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every record's id.
pub type Id = i64;

/// A stored record: its id, the version to send back with an update, the
/// data, and who wrote it when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Record<T> {
    pub id: Id,
    /// Optimistic-concurrency version: send it back with an update or a
    /// delete; a stale one is refused with `conflict`.
    pub version: i64,
    pub data: T,
    pub created_by: Id,
    #[serde(serialize_with = "crate::time::ser_utc")]
    pub created_at: DateTime<Utc>,
    pub updated_by: Id,
    #[serde(serialize_with = "crate::time::ser_utc")]
    pub updated_at: DateTime<Utc>,
    /// List items answered for a search only: why the record matched it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_via: Option<MatchedVia>,
    /// Answers of `client.create`, `contact.create` and their updates
    /// only: what the write did not block but a person should look at
    /// (likely duplicates). Absent when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

/// Something a write did not refuse but a person should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Warning {
    /// Another record the actor sees looks like the same client or
    /// contact (see `docs/duplicates.md`). Never blocking.
    LikelyDuplicate(Duplicate),
    /// An import named a tag by another case or other accents than the
    /// tag's code and names (`tres important` for `Très important`): the
    /// row was given that tag.
    TagMatched(TagMatch),
}

/// A tag an import matched by a reference written otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TagMatch {
    /// As the row wrote it.
    pub reference: String,
    /// The tag's code.
    pub tag: String,
    pub message_fr: String,
    pub message_en: String,
}

/// The kinds of record that have duplicates and merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DupEntity {
    Client,
    Contact,
}

/// What a likely duplicate shares with the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// The same name, folded: case, accents, spaces, apostrophes, hyphens
    /// and other signs ignored ("Hélène Côté" = "HELENE COTE",
    /// "D'Amours" = "Damours").
    Name,
    /// The same e-mail address (case-insensitive).
    Email,
    /// The same phone number (its digits, read in the firm's region;
    /// extensions ignored).
    Phone,
}

/// A likely duplicate: another live record the actor sees, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Duplicate {
    pub entity: DupEntity,
    pub id: Id,
    /// The client's "code — name", or the contact's "file as".
    pub label: String,
    pub reasons: Vec<DuplicateReason>,
    pub message_fr: String,
    pub message_en: String,
}

/// Why a list item matched the search (`search` of a list request). See
/// `docs/filters.md`, "Search".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchedVia {
    /// Every search word matched the record's own text.
    Own,
    /// Client list: every search word matched this linked (live) contact.
    Contact {
        id: Id,
        /// The contact's "file as" name (`Côté, Hélène`).
        name: String,
    },
    /// Contact list: every search word matched this linked (live, visible)
    /// client's code, name, e-mails or phones.
    Client { id: Id, code: String, name: String },
}

/// A page of a list, with the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    /// It belongs to its question: passed back with another list, filter,
    /// search or sort it answers `bad_request` (start again without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Total rows matching, when `count` was asked for. Counting stops at
    /// 10,000 (`query::MAX_COUNT`): past it `total` is 10,000 and
    /// `total_capped` is true ("10,000 or more").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// True when `total` is a floor: counting stopped at 10,000.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
}

impl<T> Page<T> {
    /// A page whose count (up to one past `query::MAX_COUNT`) is capped.
    pub(crate) fn counted(items: Vec<T>, next_cursor: Option<String>, total: Option<u64>) -> Self {
        let (total, total_capped) = crate::query::capped_total(total);
        Page { items, next_cursor, total, total_capped }
    }
}

/// A postal address. Every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    #[serde(default)]
    pub line1: Option<String>,
    #[serde(default)]
    pub line2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    #[default]
    Business,
    Home,
    Mobile,
    Fax,
    Other,
}

/// A phone number, kept as typed; `digits` is derived for search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phone {
    #[serde(default)]
    pub kind: PhoneKind,
    /// As typed, e.g. `(514) 555-0199 poste 12`.
    pub number: String,
    /// At most one phone is primary; if none is marked, the first is.
    #[serde(default)]
    pub primary: bool,
    /// Digits only (derived by the engine; ignored on input).
    #[serde(default)]
    pub digits: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    #[default]
    Work,
    Personal,
    Other,
}

/// An e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Email {
    pub address: String,
    #[serde(default)]
    pub kind: EmailKind,
    /// At most one e-mail is primary; if none is marked, the first is.
    #[serde(default)]
    pub primary: bool,
}

/// The primary entry of a list: the one marked, else the first.
pub fn primary_phone(phones: &[Phone]) -> Option<&Phone> {
    phones.iter().find(|p| p.primary).or(phones.first())
}

/// The primary e-mail: the one marked, else the first.
pub fn primary_email(emails: &[Email]) -> Option<&Email> {
    emails.iter().find(|e| e.primary).or(emails.first())
}

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Address, Email, Id, Phone};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    #[default]
    Individual,
    Business,
    Trust,
    Other,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientStatus {
    #[default]
    Active,
    Inactive,
    Prospect,
}

/// How the firm won, kept or lost a client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    #[serde(default)]
    pub referral_type: Option<String>,
    #[serde(default)]
    pub referred_by: Option<String>,
    #[serde(default)]
    pub won_date: Option<NaiveDate>,
    #[serde(default)]
    pub won_reason: Option<String>,
    #[serde(default)]
    pub left_date: Option<NaiveDate>,
    #[serde(default)]
    pub lost_to: Option<String>,
    #[serde(default)]
    pub lost_reason: Option<String>,
}

/// A language a client or contact prefers to be served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Fr,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }
}

/// A client of the firm: what a host sends to create or update one, and
/// what it reads back in [`super::Record::data`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientData {
    /// The firm's own client ID; unique without regard to case or accents.
    pub code: String,
    /// Name or description.
    pub name: String,
    #[serde(default)]
    pub kind: ClientKind,
    #[serde(default)]
    pub status: ClientStatus,
    #[serde(default)]
    pub office: Option<String>,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub phones: Vec<Phone>,
    #[serde(default)]
    pub emails: Vec<Email>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub retention: Retention,
    /// The people in charge: staff members in roles of the firm, several
    /// per role allowed, each (role, staff member) once. Ordered as given.
    #[serde(default)]
    pub assignments: Vec<super::Assignment>,
    /// The firm's tags on this client, by code (answered sorted by code).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The language the client prefers (`fr`, `en`).
    #[serde(default)]
    pub language: Option<Language>,
    /// The end of the client's fiscal year, `MM-DD` (`12-31`).
    #[serde(default)]
    pub fiscal_year_end: Option<String>,
    /// The CRA business number: 9 digits (with its check digit), then
    /// optionally a program account (`RT0001`); stored without spaces.
    #[serde(default)]
    pub business_number: Option<String>,
    /// Values of the firm's custom client fields, by key.
    #[serde(default)]
    pub custom: std::collections::BTreeMap<String, serde_json::Value>,
}

impl ClientData {
    /// A client with a code and a name, defaults elsewhere.
    pub fn new(code: impl Into<String>, name: impl Into<String>) -> Self {
        ClientData {
            code: code.into(),
            name: name.into(),
            kind: ClientKind::default(),
            status: ClientStatus::default(),
            office: None,
            address: None,
            phones: Vec::new(),
            emails: Vec::new(),
            website: None,
            notes: None,
            retention: Retention::default(),
            assignments: Vec::new(),
            tags: Vec::new(),
            language: None,
            fiscal_year_end: None,
            business_number: None,
            custom: Default::default(),
        }
    }
}

/// The role of a contact for a client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    /// At most one per client.
    Primary,
    Preferred,
    Billing,
    #[default]
    Additional,
}

impl ContactRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactRole::Primary => "primary",
            ContactRole::Preferred => "preferred",
            ContactRole::Billing => "billing",
            ContactRole::Additional => "additional",
        }
    }
}

/// One row of an expanded client: a contact with its role and primary
/// phone and e-mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ClientContact {
    pub client_id: Id,
    pub contact_id: Id,
    pub role: ContactRole,
    pub file_as: String,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub primary_phone: Option<String>,
    pub primary_email: Option<String>,
    /// The key the contact was imported with (`import.contacts`), as kept
    /// for matching; what a links file names it by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// A client a contact is linked to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct LinkedClient {
    pub contact_id: Id,
    pub client_id: Id,
    pub code: String,
    pub name: String,
    pub role: ContactRole,
}

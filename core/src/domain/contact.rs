use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Address, Email, Phone};

/// A person the firm deals with, standing alone or linked to clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactData {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    /// How the contact is filed; defaults to "Last, First".
    #[serde(default)]
    pub file_as: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phones: Vec<Phone>,
    #[serde(default)]
    pub emails: Vec<Email>,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub notes: Option<String>,
    /// The firm's tags on this contact, by code (answered sorted by code).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The language the contact prefers (`fr`, `en`).
    #[serde(default)]
    pub language: Option<super::Language>,
    /// Values of the firm's custom contact fields, by key.
    #[serde(default)]
    pub custom: std::collections::BTreeMap<String, serde_json::Value>,
}

impl ContactData {
    pub fn new(first_name: impl Into<String>, last_name: impl Into<String>) -> Self {
        ContactData {
            first_name: first_name.into(),
            last_name: last_name.into(),
            file_as: None,
            company: None,
            title: None,
            phones: Vec::new(),
            emails: Vec::new(),
            address: None,
            notes: None,
            tags: Vec::new(),
            language: None,
            custom: Default::default(),
        }
    }

    /// "Last, First", or whichever part exists, or the company.
    pub fn default_file_as(&self) -> String {
        let first = self.first_name.trim();
        let last = self.last_name.trim();
        match (first.is_empty(), last.is_empty()) {
            (false, false) => format!("{last}, {first}"),
            (true, false) => last.to_string(),
            (false, true) => first.to_string(),
            (true, true) => self.company.clone().unwrap_or_default().trim().to_string(),
        }
    }
}

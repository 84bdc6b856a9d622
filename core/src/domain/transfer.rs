use chrono::{DateTime, Duration, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;

/// A transfer expires this long after it was sent, unless complete.
pub const TRANSFER_LIFETIME_DAYS: i64 = 30;

pub fn transfer_expiry(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + Duration::days(TRANSFER_LIFETIME_DAYS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferDirection {
    /// The firm sends files to a contact.
    SentToContact,
    /// The firm asks a contact for files.
    RequestedFromContact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    WaitingForFiles,
    ReadyForDownload,
    Complete,
    Expired,
    Canceled,
}

impl TransferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::WaitingForFiles => "waiting_for_files",
            TransferStatus::ReadyForDownload => "ready_for_download",
            TransferStatus::Complete => "complete",
            TransferStatus::Expired => "expired",
            TransferStatus::Canceled => "canceled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "waiting_for_files" => TransferStatus::WaitingForFiles,
            "ready_for_download" => TransferStatus::ReadyForDownload,
            "complete" => TransferStatus::Complete,
            "expired" => TransferStatus::Expired,
            "canceled" => TransferStatus::Canceled,
            _ => return None,
        })
    }
    /// How the status reads, in French or English.
    pub fn label(self, french: bool) -> &'static str {
        match (self, french) {
            (TransferStatus::WaitingForFiles, true) => "En attente de fichiers",
            (TransferStatus::WaitingForFiles, false) => "Waiting for files",
            (TransferStatus::ReadyForDownload, true) => "Prêt à télécharger",
            (TransferStatus::ReadyForDownload, false) => "Ready for download",
            (TransferStatus::Complete, true) => "Terminé",
            (TransferStatus::Complete, false) => "Complete",
            (TransferStatus::Expired, true) => "Expiré",
            (TransferStatus::Expired, false) => "Expired",
            (TransferStatus::Canceled, true) => "Annulé",
            (TransferStatus::Canceled, false) => "Canceled",
        }
    }

    /// Every status, in the order of the state machine.
    pub const ALL: [TransferStatus; 5] = [
        TransferStatus::WaitingForFiles,
        TransferStatus::ReadyForDownload,
        TransferStatus::Complete,
        TransferStatus::Expired,
        TransferStatus::Canceled,
    ];

    /// Still waiting on someone.
    pub fn is_open(self) -> bool {
        matches!(self, TransferStatus::WaitingForFiles | TransferStatus::ReadyForDownload)
    }
    /// The state machine: which moves are legal.
    pub fn can_go_to(self, to: TransferStatus) -> bool {
        use TransferStatus::*;
        matches!(
            (self, to),
            (WaitingForFiles, ReadyForDownload)
                | (WaitingForFiles, Canceled)
                | (WaitingForFiles, Expired)
                | (ReadyForDownload, Complete)
                | (ReadyForDownload, Canceled)
                | (ReadyForDownload, Expired)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Uploaded,
    ReadyForDownload,
    Downloaded,
    Expired,
    Canceled,
}

/// A file of a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TransferFile {
    pub name: String,
    /// Bytes.
    pub size: i64,
    pub status: FileStatus,
}

/// A file as a host hands it over (name and size).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFile {
    pub name: String,
    pub size: i64,
}

/// What a host sends to start a transfer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTransfer {
    pub direction: TransferDirection,
    /// Staff member sending or requesting.
    pub from_staff: Id,
    pub to_contact: Id,
    pub client_id: Id,
    pub subject: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub signature_required: bool,
    /// Files sent with it (for `sent_to_contact`; none for a request).
    #[serde(default)]
    pub files: Vec<NewFile>,
}

/// A transfer as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TransferData {
    pub direction: TransferDirection,
    pub status: TransferStatus,
    pub from_staff: Id,
    pub to_contact: Id,
    pub client_id: Id,
    pub subject: String,
    pub message: String,
    pub signature_required: bool,
    pub files: Vec<TransferFile>,
    #[serde(serialize_with = "crate::time::ser_utc")]
    pub sent_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::time::ser_utc")]
    pub expires_at: DateTime<Utc>,
    /// When it became complete, expired or canceled.
    #[serde(serialize_with = "crate::time::ser_utc_opt")]
    pub closed_at: Option<DateTime<Utc>>,
}

/// What can be edited on an open transfer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferEdit {
    pub subject: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub signature_required: bool,
}

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    Note,
    PhoneCall,
    PhoneMessage,
    Email,
    /// Recorded by the engine when a file transfer changes state; cannot be
    /// created, edited or deleted through the protocol.
    TransferEvent,
}

impl InteractionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InteractionKind::Note => "note",
            InteractionKind::PhoneCall => "phone_call",
            InteractionKind::PhoneMessage => "phone_message",
            InteractionKind::Email => "email",
            InteractionKind::TransferEvent => "transfer_event",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "note" => InteractionKind::Note,
            "phone_call" => InteractionKind::PhoneCall,
            "phone_message" => InteractionKind::PhoneMessage,
            "email" => InteractionKind::Email,
            "transfer_event" => InteractionKind::TransferEvent,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    Incoming,
    Outgoing,
}

/// A note, phone call, phone message or e-mail about a client and/or a
/// contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionData {
    pub kind: InteractionKind,
    /// When it happened (UTC).
    #[serde(serialize_with = "crate::time::ser_utc")]
    pub occurred_at: DateTime<Utc>,
    /// The client it concerns (this and/or `contact_id` is required).
    #[serde(default)]
    pub client_id: Option<Id>,
    /// The contact it concerns.
    #[serde(default)]
    pub contact_id: Option<Id>,
    /// The staff member who had the interaction.
    #[serde(default)]
    pub staff_id: Option<Id>,
    pub subject: String,
    #[serde(default)]
    pub body: String,
    /// Phone call only.
    #[serde(default)]
    pub direction: Option<CallDirection>,
    /// Phone call only, in seconds.
    #[serde(default)]
    pub duration_secs: Option<i64>,
    /// Phone call or message: the number involved.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail only.
    #[serde(default)]
    pub email_from: Option<String>,
    /// E-mail only.
    #[serde(default)]
    pub email_to: Vec<String>,
    /// E-mail only.
    #[serde(default)]
    pub email_cc: Vec<String>,
    /// Phone message only: whom the message was taken for, as free text
    /// (messages recorded before `taken_for_id`, whose text named no staff
    /// member; prefer `taken_for_id`).
    #[serde(default)]
    pub taken_for: Option<String>,
    /// Phone message only: the staff member the message was taken for.
    #[serde(default)]
    pub taken_for_id: Option<Id>,
    /// Phone message only: `new` (the default), `returned` or `closed`.
    /// The callback number is `phone`.
    #[serde(default)]
    pub message_status: Option<MessageStatus>,
    /// Something to do about it: who, by when, and whether it is done.
    #[serde(default)]
    pub follow_up: Option<FollowUp>,
    /// The firm's own fields for this kind, by key.
    #[serde(default)]
    pub custom: BTreeMap<String, serde_json::Value>,
    /// For a transfer event: the transfer (set by the engine).
    #[serde(default)]
    pub transfer_id: Option<Id>,
    /// For an event the engine recorded (a transfer event): what happened,
    /// as data. `subject` and `body` are its wording in the reader's
    /// language (the engine's, or a dashboard's locale), made when read;
    /// events recorded before 2026-12-05 have none and keep their text.
    /// Set by the engine only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<TimelineEvent>,
}

impl InteractionData {
    /// A note about a client, now-ish; fill the rest as needed.
    pub fn note(occurred_at: DateTime<Utc>, subject: impl Into<String>) -> Self {
        InteractionData {
            kind: InteractionKind::Note,
            occurred_at,
            client_id: None,
            contact_id: None,
            staff_id: None,
            subject: subject.into(),
            body: String::new(),
            direction: None,
            duration_secs: None,
            phone: None,
            email_from: None,
            email_to: Vec::new(),
            email_cc: Vec::new(),
            taken_for: None,
            taken_for_id: None,
            message_status: None,
            follow_up: None,
            custom: BTreeMap::new(),
            transfer_id: None,
            event: None,
        }
    }

    /// Words its event (if any) in French or English: `subject` and `body`
    /// become the event's. Other interactions are left as they are.
    pub fn word_event(&mut self, french: bool) {
        if let Some(e) = &self.event {
            self.subject = e.subject(french);
            self.body = e.body(french);
        }
    }
}

/// An event the engine recorded on a client's timeline, stored as data and
/// worded when read ([`InteractionData::word_event`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TimelineEvent {
    /// A file transfer was created or moved along its state machine.
    TransferStatus {
        /// The transfer's subject when it happened.
        subject: String,
        /// The state it left; none: the transfer was created.
        #[serde(default)]
        from: Option<super::TransferStatus>,
        /// The state it reached.
        to: super::TransferStatus,
        /// Made by the engine (the transfer reached its expiry date), not by
        /// a staff member.
        #[serde(default)]
        automatic: bool,
    },
}

impl TimelineEvent {
    /// Its one-line wording: `Transfert « Feuillets T4 » : créé, en attente
    /// de fichiers` / `Transfer “T4 slips”: created, waiting for files`.
    pub fn subject(&self, french: bool) -> String {
        match self {
            TimelineEvent::TransferStatus { subject, from, to, .. } => {
                let to = to.label(french);
                let change = match (from, french) {
                    (None, true) => format!("créé, {}", to.to_lowercase()),
                    (None, false) => format!("created, {}", to.to_lowercase()),
                    (Some(f), _) => format!("{} → {to}", f.label(french)),
                };
                if french {
                    format!("Transfert « {subject} » : {change}")
                } else {
                    format!("Transfer “{subject}”: {change}")
                }
            }
        }
    }

    /// Its details (empty when the subject says it all).
    pub fn body(&self, french: bool) -> String {
        match self {
            TimelineEvent::TransferStatus { automatic: true, .. } if french => {
                "Automatique : le transfert a atteint sa date d'expiration.".into()
            }
            TimelineEvent::TransferStatus { automatic: true, .. } => {
                "Automatic: the transfer reached its expiry date.".into()
            }
            TimelineEvent::TransferStatus { .. } => String::new(),
        }
    }
}

/// Where a phone message stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Not acted on yet.
    #[default]
    New,
    /// The caller was called back.
    Returned,
    /// Nothing more to do.
    Closed,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::New => "new",
            MessageStatus::Returned => "returned",
            MessageStatus::Closed => "closed",
        }
    }
}

/// A follow-up of an interaction: the staff member who must act, by when,
/// and whether it is done. `done_at` and `done_by` are the engine's: set
/// when `done` becomes true (the time and the staff member who marked it),
/// cleared when it becomes false; ignored on input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    /// The staff member who must act (required).
    #[serde(default)]
    pub assignee_id: Id,
    /// By when (a day of the firm's calendar); none: no date.
    #[serde(default)]
    pub due: Option<NaiveDate>,
    #[serde(default)]
    pub done: bool,
    /// When it was marked done (set by the engine).
    #[serde(default)]
    #[serde(serialize_with = "crate::time::ser_utc_opt")]
    pub done_at: Option<DateTime<Utc>>,
    /// Who marked it done (set by the engine).
    #[serde(default)]
    pub done_by: Option<Id>,
}

impl FollowUp {
    /// A follow-up for `assignee_id`, due on `due`, not done.
    pub fn new(assignee_id: Id, due: Option<NaiveDate>) -> Self {
        FollowUp { assignee_id, due, done: false, done_at: None, done_by: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldType {
    Text,
    Number,
    Date,
    YesNo,
    Choice,
}

/// The kind of record a custom field belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomRecord {
    /// An interaction of one kind (`kind` says which).
    #[default]
    Interaction,
    Client,
    Contact,
}

impl CustomRecord {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomRecord::Interaction => "interaction",
            CustomRecord::Client => "client",
            CustomRecord::Contact => "contact",
        }
    }
}

/// A firm-defined field of one interaction kind, or of clients or
/// contacts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldDef {
    /// Which records carry the field (default `interaction`).
    #[serde(default)]
    pub record: CustomRecord,
    /// The interaction kind (interaction fields only; none for clients and
    /// contacts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<InteractionKind>,
    /// Stable key, `[a-z][a-z0-9_]*`.
    pub key: String,
    pub label_fr: String,
    pub label_en: String,
    pub field_type: CustomFieldType,
    /// For `choice`: the allowed values.
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub required: bool,
}

impl CustomFieldDef {
    /// Whether the field belongs to records of `record` (and, for
    /// interactions, of `kind`).
    pub fn is_for(&self, record: CustomRecord, kind: Option<InteractionKind>) -> bool {
        self.record == record && (record != CustomRecord::Interaction || kind.is_none() || self.kind == kind)
    }
}

//! `history.list`: one record's history, newest first, read as the record
//! itself is (rights, offices, a client dashboard's client).

use crate::domain::{HistoryEntry, Page, RecordKind, RecordRef};
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::store;
use crate::visibility;

/// The right that reads a kind of record.
fn entity(kind: RecordKind) -> Entity {
    match kind {
        RecordKind::Client => Entity::Clients,
        RecordKind::Contact => Entity::Contacts,
        RecordKind::Interaction => Entity::Interactions,
        RecordKind::Transfer => Entity::FileTransfers,
    }
}

/// A cursor is the last entry's `at` (UTC ms) and id: `"<at>.<id>"`.
fn decode(cursor: &str) -> Result<store::history::Position> {
    let bad = || Error::bad_request("invalid cursor (pass back next_cursor unchanged)");
    let (at, id) = cursor.split_once('.').ok_or_else(bad)?;
    Ok((at.parse().map_err(|_| bad())?, id.parse().map_err(|_| bad())?))
}

impl Engine {
    pub(crate) fn history_list(
        &self,
        who: &Who,
        record: RecordRef,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<HistoryEntry>> {
        who.require(entity(record.kind), Action::View)?;
        let limit = match limit {
            None => 50,
            Some(n @ 1..=500) => i64::from(n),
            Some(_) => return Err(Error::validation("limit", "out_of_range", "give a limit from 1 to 500")),
        };
        let after = cursor.map(decode).transpose()?;
        self.read(|c| {
            visibility::record(c, who, record)?;
            let mut items = store::history::of_record(c, record, after, limit + 1)?;
            let next_cursor = if items.len() as i64 > limit {
                items.truncate(limit as usize);
                items.last().map(|e| format!("{}.{}", e.at.timestamp_millis(), e.id))
            } else {
                None
            };
            Ok(Page { items, next_cursor, total: None, total_capped: false })
        })
    }
}

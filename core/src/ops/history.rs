//! `history.list`: one record's history, newest first, read as the record
//! itself is (rights, offices, a client dashboard's client).

use crate::domain::{HistoryEntry, HistoryOp, Id, Page, RecordKind, RecordRef, TimelineItem};
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::query::{Constraint, ListQuery};
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
            match visibility::record(c, who, record) {
                Err(Error::NotFound { .. }) => in_trash_seen(c, who, record)?,
                other => other?,
            }
            let mut items = store::history::of_record(c, record, after, limit + 1)?;
            let next_cursor = if items.len() as i64 > limit {
                items.truncate(limit as usize);
                items.last().map(|e| format!("{}.{}", e.at.timestamp_millis(), e.id))
            } else {
                None
            };
            // A link to a record the reader cannot see is not told at all
            // (the page may come out shorter; the cursor is the page's).
            hide_unseen_related(c, who, &mut items)?;
            items.retain(|e| e.related.is_some() || !matches!(e.op, HistoryOp::Link | HistoryOp::Unlink));
            Ok(Page { items, next_cursor, total: None, total_capped: false })
        })
    }
}

/// A record in the trash has its history read by those who see it in the
/// trash (its entry within their offices and scope, the delete right on
/// the entry's kind, as `trash.list`); to anyone else it does not exist.
fn in_trash_seen(c: &mut store::Conn, who: &Who, record: RecordRef) -> Result<()> {
    let absent = || {
        let entity = match record.kind {
            RecordKind::Client => "client",
            RecordKind::Contact => "contact",
            RecordKind::Interaction => "interaction",
            RecordKind::Transfer => "file transfer",
        };
        Error::NotFound { entity, id: record.id }
    };
    let entry = match store::trash::entry_of(c, record.kind, record.id)? {
        Some(tid) => store::trash::get(c, tid)?,
        None => None,
    };
    match entry {
        Some(e)
            if visibility::trash_entry(c, who, &e)?
                && who.require(super::trash::entity_of(&e)?, Action::Delete).is_ok() =>
        {
            Ok(())
        }
        _ => Err(absent()),
    }
}

/// Leaves out of entries the other record they name (a link's client, a
/// merge's other side) when the reader cannot see it: a contact's history
/// must not tell of its links to clients of offices the reader does not
/// see, nor a dashboard's of records outside its client.
fn hide_unseen_related(c: &mut store::Conn, who: &Who, items: &mut [HistoryEntry]) -> Result<()> {
    for e in items.iter_mut() {
        let Some(r) = e.related else { continue };
        match visibility::record(c, who, r) {
            Ok(()) => {}
            Err(Error::NotFound { .. } | Error::Forbidden { .. }) => e.related = None,
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// One side of a merged timeline's cursor: not started, a position, or
/// done.
enum Side<T> {
    Start,
    At(T),
    Done,
}

fn side<T>(s: &str, at: impl FnOnce(&str) -> Result<T>) -> Result<Side<T>> {
    Ok(match s {
        "" => Side::Start,
        "-" => Side::Done,
        s => Side::At(at(s)?),
    })
}

fn write_side<T>(s: &Side<T>, at: impl FnOnce(&T) -> String) -> String {
    match s {
        Side::Start => String::new(),
        Side::Done => "-".into(),
        Side::At(t) => at(t),
    }
}

impl Engine {
    /// A client's timeline with the history of the client and its records
    /// merged in by time. The cursor is the interactions' cursor and the
    /// last change's position (`<interactions>~<at>.<id>`, `-` for a side
    /// that is done).
    pub(crate) fn client_timeline_with_changes(
        &self,
        who: &Who,
        id: Id,
        last_30_days: bool,
        query: &ListQuery,
    ) -> Result<Page<TimelineItem>> {
        if query.sort.is_some() || query.search.is_some() {
            return Err(Error::validation(
                "include_changes",
                "not_with_sort",
                "changes merge into the timeline's own order only: no sort, no search",
            ));
        }
        let limit = crate::engine::page_limit(query.limit)?;
        let (mut interactions, mut changes) = match query.cursor.as_deref() {
            None => (Side::Start, Side::Start),
            Some(c) => {
                let (i, h) = c
                    .split_once('~')
                    .ok_or_else(|| Error::bad_request("invalid cursor (pass back next_cursor unchanged)"))?;
                (side(i, |s| Ok(s.to_string()))?, side(h, decode)?)
            }
        };
        let page_of = |cursor: Option<String>, limit: i64| {
            let q = ListQuery { cursor, limit: Some(limit as u32), count: false, ..query.clone() };
            self.client_timeline(who, id, last_30_days, &q)
        };
        let (fetched, next) = match &interactions {
            Side::Done => (Vec::new(), None),
            Side::Start => {
                let p = page_of(None, limit)?;
                (p.items, p.next_cursor)
            }
            Side::At(c) => {
                let p = page_of(Some(c.clone()), limit)?;
                (p.items, p.next_cursor)
            }
        };
        let kinds: Vec<&'static str> = RecordKind::ALL
            .into_iter()
            .filter(|k| who.require(entity(*k), Action::View).is_ok())
            .map(RecordKind::as_str)
            .collect();
        let since = match last_30_days.then(|| self.last_30_days()) {
            Some(Constraint::Since(ms)) => Some(ms),
            _ => None,
        };
        // The client is checked whatever the cursor: a cursor whose
        // interactions side is done reads no interaction page (which
        // would have checked it).
        self.read(|c| visibility::client(c, who, id))?;
        let entries = match &changes {
            Side::Done => Vec::new(),
            Side::Start => self.read(|c| store::history::of_client(c, id, &kinds, since, None, limit + 1))?,
            Side::At(p) => self.read(|c| store::history::of_client(c, id, &kinds, since, Some(*p), limit + 1))?,
        };
        let mut entries = entries;
        self.read(|c| hide_unseen_related(c, who, &mut entries))?;
        let more_changes = entries.len() as i64 > limit;
        let (mut fetched, mut entries) = (fetched.into_iter().peekable(), entries.into_iter().peekable());
        let mut items = Vec::new();
        let (mut taken_i, mut last_change) = (0usize, None);
        while (items.len() as i64) < limit {
            let interaction_first = match (fetched.peek(), entries.peek()) {
                (Some(r), Some(e)) => r.data.occurred_at >= e.at,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if interaction_first {
                items.push(TimelineItem::Interaction(fetched.next().expect("peeked")));
                taken_i += 1;
            } else {
                let e = entries.next().expect("peeked");
                last_change = Some((e.at.timestamp_millis(), e.id));
                items.push(TimelineItem::Change(e));
            }
        }
        // Where each side resumes.
        if fetched.peek().is_none() {
            interactions = next.map_or(Side::Done, Side::At);
        } else if taken_i > 0 {
            // Some of the page's interactions were left for the next page:
            // the cursor after the ones taken.
            let start = match &interactions {
                Side::At(c) => Some(c.clone()),
                _ => None,
            };
            let p = page_of(start, taken_i as i64)?;
            interactions = p.next_cursor.map_or(Side::Done, Side::At);
        }
        if entries.peek().is_none() && !more_changes {
            changes = Side::Done;
        } else if let Some(p) = last_change {
            changes = Side::At(p);
        }
        let next_cursor = match (&interactions, &changes) {
            (Side::Done, Side::Done) => None,
            (i, h) => {
                Some(format!("{}~{}", write_side(i, String::clone), write_side(h, |(at, id)| format!("{at}.{id}"))))
            }
        };
        Ok(Page { items, next_cursor, total: None, total_capped: false })
    }
}

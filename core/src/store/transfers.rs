use diesel::prelude::*;

use super::clients::{enum_from, enum_str};
use super::schema::transfers;
use super::{Conn, json_list, to_json, with_backend};
use crate::domain::*;
use crate::error::Result;
use crate::time::from_ms;

#[derive(Queryable, Selectable)]
#[diesel(table_name = transfers)]
pub(crate) struct Row {
    pub id: i64,
    pub direction: String,
    pub status: String,
    pub from_staff: i64,
    pub to_contact: i64,
    pub client_id: i64,
    pub subject: String,
    pub message: String,
    pub signature_required: bool,
    pub files: String,
    pub sent_at: i64,
    pub expires_at: i64,
    pub closed_at: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_by: i64,
    pub updated_at: i64,
    pub version: i64,
}

super::record_lookups!(transfers, Row);

impl Row {
    pub(crate) fn into_record(self) -> Result<Record<TransferData>> {
        Ok(Record {
            id: self.id,
            version: self.version,
            data: TransferData {
                direction: enum_from(&self.direction, "transfer direction")?,
                status: enum_from(&self.status, "transfer status")?,
                from_staff: self.from_staff,
                to_contact: self.to_contact,
                client_id: self.client_id,
                subject: self.subject,
                message: self.message,
                signature_required: self.signature_required,
                files: json_list(&self.files, "transfer files")?,
                sent_at: from_ms(self.sent_at),
                expires_at: from_ms(self.expires_at),
                closed_at: self.closed_at.map(from_ms),
            },
            created_by: self.created_by,
            created_at: from_ms(self.created_at),
            updated_by: self.updated_by,
            updated_at: from_ms(self.updated_at),
            matched_via: None,
            warnings: Vec::new(),
        })
    }
}

/// A new transfer's row as written (here and by `bulk::insert_transfers`):
/// the one place its folded subject and keyword text are computed.
#[derive(Insertable)]
#[diesel(table_name = transfers)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct New<'a> {
    direction: String,
    status: &'static str,
    from_staff: i64,
    to_contact: i64,
    client_id: i64,
    subject: &'a str,
    message: &'a str,
    signature_required: bool,
    files: String,
    sent_at: i64,
    expires_at: i64,
    #[diesel(treat_none_as_default_value = false)]
    closed_at: Option<i64>,
    created_by: i64,
    created_at: i64,
    updated_by: i64,
    updated_at: i64,
    version: i64,
    subject_fold: String,
    search_text: String,
}

impl<'a> New<'a> {
    /// Transfer `t`, new (version 1), made by `actor` at `now`.
    pub(crate) fn of(t: &'a TransferData, actor: Id, now: i64) -> New<'a> {
        New {
            direction: enum_str(&t.direction),
            status: t.status.as_str(),
            from_staff: t.from_staff,
            to_contact: t.to_contact,
            client_id: t.client_id,
            subject: &t.subject,
            message: &t.message,
            signature_required: t.signature_required,
            files: to_json(&t.files),
            sent_at: t.sent_at.timestamp_millis(),
            expires_at: t.expires_at.timestamp_millis(),
            closed_at: t.closed_at.map(|c| c.timestamp_millis()),
            created_by: actor,
            created_at: now,
            updated_by: actor,
            updated_at: now,
            version: 1,
            subject_fold: crate::text::fold(&t.subject),
            search_text: crate::query::memory::transfer_search_text(t),
        }
    }
}

pub(crate) fn insert(conn: &mut Conn, t: &TransferData, actor: Id, now: i64) -> Result<Id> {
    let id = with_backend!(conn, c => diesel::insert_into(transfers::table)
        .values(New::of(t, actor, now))
        .returning(transfers::id)
        .get_result::<i64>(c))?;
    Ok(id)
}

/// Writes a transfer's subject, message and signature flag (and the
/// keyword text that follows them) if still at `version`.
pub(crate) fn set_text(conn: &mut Conn, id: Id, version: i64, t: &TransferData, actor: Id, now: i64) -> Result<bool> {
    let n = diesel::update(
        transfers::table
            .filter(transfers::id.eq(id))
            .filter(transfers::version.eq(version))
            .filter(transfers::trash_id.is_null()),
    )
    .set((
        transfers::subject.eq(&t.subject),
        transfers::subject_fold.eq(crate::text::fold(&t.subject)),
        transfers::message.eq(&t.message),
        transfers::signature_required.eq(t.signature_required),
        transfers::search_text.eq(crate::query::memory::transfer_search_text(t)),
        transfers::updated_by.eq(actor),
        transfers::updated_at.eq(now),
        transfers::version.eq(version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Writes a new state (status, files, closing time) if still at `version`.
pub(crate) fn set_state(conn: &mut Conn, id: Id, version: i64, t: &TransferData, actor: Id, now: i64) -> Result<bool> {
    let n = diesel::update(
        transfers::table
            .filter(transfers::id.eq(id))
            .filter(transfers::version.eq(version))
            .filter(transfers::trash_id.is_null()),
    )
    .set((
        transfers::status.eq(t.status.as_str()),
        transfers::files.eq(to_json(&t.files)),
        // New files are searchable by name.
        transfers::search_text.eq(crate::query::memory::transfer_search_text(t)),
        transfers::closed_at.eq(t.closed_at.map(|c| c.timestamp_millis())),
        transfers::updated_by.eq(actor),
        transfers::updated_at.eq(now),
        transfers::version.eq(version + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Live open transfers whose expiry has passed.
pub(crate) fn due(conn: &mut Conn, now: i64) -> Result<Vec<Row>> {
    Ok(transfers::table
        .filter(transfers::trash_id.is_null())
        .filter(transfers::status.eq_any(["waiting_for_files", "ready_for_download"]))
        .filter(transfers::expires_at.le(now))
        .select(Row::as_select())
        .load(conn)?)
}

/// The earliest expiry of a live open transfer (one index lookup).
pub(crate) fn earliest_open_expiry(conn: &mut Conn) -> Result<Option<i64>> {
    Ok(transfers::table
        .filter(transfers::trash_id.is_null())
        .filter(transfers::status.eq_any(["waiting_for_files", "ready_for_download"]))
        .select(diesel::dsl::min(transfers::expires_at))
        .first::<Option<i64>>(conn)?)
}

/// What an import matches a transfer on: client, folded subject, sent time
/// in whole seconds (a file's date-times have no more).
pub(crate) type ImportKey = (Id, String, i64);

/// The import key of a transfer sent at `sent_at` (milliseconds).
pub(crate) fn import_key(client: Id, subject: &str, sent_at: i64) -> ImportKey {
    (client, crate::text::fold(subject.trim()), sent_at.div_euclid(1000))
}

/// Live transfers by import key (of the given clients only, when some
/// are given): id and version. Several sharing a key: the lowest id.
pub(crate) fn import_keys(
    conn: &mut Conn,
    clients: Option<&[Id]>,
) -> Result<std::collections::HashMap<ImportKey, (Id, i64)>> {
    let mut out = std::collections::HashMap::new();
    let mut load = |conn: &mut Conn, only: Option<&[Id]>| -> Result<()> {
        let mut q = transfers::table
            .filter(transfers::trash_id.is_null())
            .select((transfers::id, transfers::client_id, transfers::subject, transfers::sent_at, transfers::version))
            .order(transfers::id)
            .into_boxed();
        if let Some(ids) = only {
            q = q.filter(transfers::client_id.eq_any(ids.to_vec()));
        }
        let rows: Vec<(i64, i64, String, i64, i64)> = q.load(conn)?;
        for (id, client, subject, sent, version) in rows {
            out.entry(import_key(client, &subject, sent)).or_insert((id, version));
        }
        Ok(())
    };
    match clients {
        None => load(conn, None)?,
        Some(ids) => {
            for part in ids.chunks(500) {
                load(conn, Some(part))?;
            }
        }
    }
    Ok(out)
}

/// Replaces a live transfer with an imported one if still at `version`.
pub(crate) fn replace(conn: &mut Conn, id: Id, version: i64, t: &TransferData, actor: Id, now: i64) -> Result<bool> {
    let n = diesel::update(
        transfers::table
            .filter(transfers::id.eq(id))
            .filter(transfers::version.eq(version))
            .filter(transfers::trash_id.is_null()),
    )
    .set((
        (
            transfers::direction.eq(enum_str(&t.direction)),
            transfers::status.eq(t.status.as_str()),
            transfers::from_staff.eq(t.from_staff),
            transfers::to_contact.eq(t.to_contact),
            transfers::client_id.eq(t.client_id),
            transfers::subject.eq(&t.subject),
            transfers::subject_fold.eq(crate::text::fold(&t.subject)),
            transfers::message.eq(&t.message),
        ),
        (
            transfers::signature_required.eq(t.signature_required),
            transfers::files.eq(to_json(&t.files)),
            transfers::search_text.eq(crate::query::memory::transfer_search_text(t)),
            transfers::sent_at.eq(t.sent_at.timestamp_millis()),
            transfers::expires_at.eq(t.expires_at.timestamp_millis()),
            transfers::closed_at.eq(t.closed_at.map(|c| c.timestamp_millis())),
            transfers::updated_by.eq(actor),
            transfers::updated_at.eq(now),
            transfers::version.eq(version + 1),
        ),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

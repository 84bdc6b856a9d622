use diesel::prelude::*;

use super::clients::{enum_from, enum_str};
use super::schema::{custom_fields, follow_ups, interactions};
use super::{Conn, from_json, json_map, to_json, with_backend};
use crate::domain::*;
use crate::error::Result;
use crate::text::PhoneRegion;
use crate::time::{from_ms, ms};

#[derive(Queryable, Selectable)]
#[diesel(table_name = interactions)]
pub(crate) struct Row {
    pub id: i64,
    pub kind: String,
    pub occurred_at: i64,
    pub client_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub direction: Option<String>,
    pub duration_secs: Option<i64>,
    pub phone: Option<String>,
    pub email_from: Option<String>,
    pub email_to: Option<String>,
    pub email_cc: Option<String>,
    pub taken_for: Option<String>,
    pub custom: String,
    pub transfer_id: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_by: i64,
    pub updated_at: i64,
    pub version: i64,
    pub taken_for_id: Option<i64>,
    pub message_status: Option<String>,
    /// An engine event as data (`TimelineEvent` JSON); none for the rest.
    pub event: Option<String>,
}

super::record_lookups!(interactions, Row);

super::written_columns!(interactions {
    kind: String,
    occurred_at: i64,
    client_id: Option<i64>,
    contact_id: Option<i64>,
    staff_id: Option<i64>,
    subject: String,
    body: String,
    direction: Option<String>,
    duration_secs: Option<i64>,
    phone: Option<String>,
    email_from: Option<String>,
    email_to: Option<String>,
    email_cc: Option<String>,
    taken_for: Option<String>,
    custom: String,
    transfer_id: Option<i64>,
    updated_by: i64,
    updated_at: i64,
    subject_fold: String,
    custom_fold: String,
    search_text: String,
    taken_for_id: Option<i64>,
    message_status: Option<String>,
    event: Option<String>,
});

/// Custom values with text folded, for filters on custom text fields.
pub(crate) fn custom_fold(custom: &std::collections::BTreeMap<String, serde_json::Value>) -> String {
    let folded: std::collections::BTreeMap<&String, serde_json::Value> = custom
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, serde_json::Value::String(crate::text::fold(s))),
            v => (k, v.clone()),
        })
        .collect();
    to_json(&folded)
}

fn join(list: &[String]) -> Option<String> {
    (!list.is_empty()).then(|| list.join(", "))
}

fn split(s: Option<String>) -> Vec<String> {
    s.map(|s| s.split(", ").map(str::to_string).collect()).unwrap_or_default()
}

pub(crate) fn write(i: &InteractionData, actor: Id, now: i64, region: PhoneRegion) -> Write {
    Write {
        kind: i.kind.as_str().to_string(),
        occurred_at: ms(i.occurred_at),
        client_id: i.client_id,
        contact_id: i.contact_id,
        staff_id: i.staff_id,
        subject: i.subject.clone(),
        body: i.body.clone(),
        direction: i.direction.as_ref().map(enum_str),
        duration_secs: i.duration_secs,
        phone: i.phone.clone(),
        email_from: i.email_from.clone(),
        email_to: join(&i.email_to),
        email_cc: join(&i.email_cc),
        taken_for: i.taken_for.clone(),
        custom: to_json(&i.custom),
        transfer_id: i.transfer_id,
        updated_by: actor,
        updated_at: now,
        subject_fold: crate::text::fold(&i.subject),
        custom_fold: custom_fold(&i.custom),
        search_text: crate::query::memory::interaction_search_text(i, region),
        taken_for_id: i.taken_for_id,
        message_status: i.message_status.map(|m| m.as_str().to_string()),
        event: i.event.as_ref().map(to_json),
    }
}

impl Row {
    pub(crate) fn into_record(self) -> Result<Record<InteractionData>> {
        Ok(Record {
            id: self.id,
            version: self.version,
            data: InteractionData {
                kind: enum_from(&self.kind, "interaction kind")?,
                occurred_at: from_ms(self.occurred_at),
                client_id: self.client_id,
                contact_id: self.contact_id,
                staff_id: self.staff_id,
                subject: self.subject,
                body: self.body,
                direction: self.direction.as_deref().map(|d| enum_from(d, "call direction")).transpose()?,
                duration_secs: self.duration_secs,
                phone: self.phone,
                email_from: self.email_from,
                email_to: split(self.email_to),
                email_cc: split(self.email_cc),
                taken_for: self.taken_for,
                taken_for_id: self.taken_for_id,
                message_status: self.message_status.as_deref().map(|m| enum_from(m, "message status")).transpose()?,
                // Loaded beside the row: see [`records`].
                follow_up: None,
                custom: json_map(&self.custom, "custom fields")?,
                transfer_id: self.transfer_id,
                event: self.event.as_deref().map(|e| from_json(e, "timeline event")).transpose()?,
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

/// Interaction records of rows, with their follow-ups (one query for all).
pub(crate) fn records(conn: &mut Conn, rows: Vec<Row>) -> Result<Vec<Record<InteractionData>>> {
    let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
    let mut follow = follow_ups_of(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let mut rec = r.into_record()?;
            rec.data.follow_up = follow.remove(&rec.id);
            Ok(rec)
        })
        .collect()
}

/// A live interaction's record, with its follow-up.
pub(crate) fn record(conn: &mut Conn, id: Id) -> Result<Option<Record<InteractionData>>> {
    match get(conn, id, false)? {
        Some(row) => Ok(records(conn, vec![row])?.pop()),
        None => Ok(None),
    }
}

type FollowUpRow = (i64, i64, Option<String>, bool, Option<i64>, Option<i64>);

/// The follow-ups of interactions, by interaction.
fn follow_ups_of(conn: &mut Conn, ids: &[Id]) -> Result<std::collections::HashMap<Id, FollowUp>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let q = follow_ups::table.select((
        follow_ups::interaction_id,
        follow_ups::assignee_id,
        follow_ups::due,
        follow_ups::done,
        follow_ups::done_at,
        follow_ups::done_by,
    ));
    let rows: Vec<FollowUpRow> = super::load_by_ids!(q, follow_ups::interaction_id, ids, conn)?;
    rows.into_iter().map(|row| Ok((row.0, follow_up_of(row)?))).collect()
}

/// A follow-up as read from its row.
fn follow_up_of((_, assignee_id, due, done, done_at, done_by): FollowUpRow) -> Result<FollowUp> {
    let due = due
        .map(|d| d.parse().map_err(|_| crate::error::Error::storage(format!("corrupt date '{d}' in database"))))
        .transpose()?;
    Ok(FollowUp { assignee_id, due, done, done_at: done_at.map(from_ms), done_by })
}

/// The row a follow-up is written as.
fn follow_up_row(id: Id, f: &FollowUp) -> FollowUpRow {
    (id, f.assignee_id, f.due.map(|d| d.to_string()), f.done, f.done_at.map(ms), f.done_by)
}

/// Writes (or removes) the follow-up of an interaction.
pub(crate) fn write_follow_up(conn: &mut Conn, id: Id, f: Option<&FollowUp>) -> Result<()> {
    diesel::delete(follow_ups::table.filter(follow_ups::interaction_id.eq(id))).execute(conn)?;
    insert_follow_up(conn, id, f)
}

/// The follow-up of an interaction that has none yet (one just inserted:
/// ids are never reused, so nothing is left to delete).
fn insert_follow_up(conn: &mut Conn, id: Id, f: Option<&FollowUp>) -> Result<()> {
    if let Some(f) = f {
        let (id, assignee_id, due, done, done_at, done_by) = follow_up_row(id, f);
        diesel::insert_into(follow_ups::table)
            .values((
                follow_ups::interaction_id.eq(id),
                follow_ups::assignee_id.eq(assignee_id),
                follow_ups::due.eq(due),
                follow_ups::done.eq(done),
                follow_ups::done_at.eq(done_at),
                follow_ups::done_by.eq(done_by),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub(crate) fn insert(conn: &mut Conn, i: &InteractionData, actor: Id, now: i64, region: PhoneRegion) -> Result<Id> {
    insert_row(conn, &write(i, actor, now, region), i.follow_up.as_ref(), actor, now)
}

/// PostgreSQL: inserts `w` and the history row `entry` makes for it in
/// one statement (`WITH i AS (INSERT INTO interactions … RETURNING id), h
/// AS (INSERT INTO history …) SELECT …`): a round trip less than two
/// inserts. The row is bound as one JSON object (`json_populate_record`):
/// one text, kept prepared, whatever is absent. With `hold`, the client
/// `w.client_id` is first held `FOR SHARE` in the same statement
/// (`clients::pg_held`, for these offices) and the row written only when
/// it was: `None` when it was not (nothing written), else the new id and
/// the held client's office.
#[cfg(feature = "postgres")]
fn pg_insert_with_history(
    c: &mut diesel::PgConnection,
    w: &Write,
    actor: Id,
    now: i64,
    entry: &super::history::NewEntry,
    hold: Option<Option<&[String]>>,
) -> Result<Option<(Id, Option<String>)>> {
    let mut sql = crate::query::sql::Sql::new(true);
    sql.push("WITH ");
    let held = match (hold, w.client_id) {
        (Some(offices), Some(client)) => {
            sql.push("c AS (");
            super::clients::pg_held(&mut sql, client, offices)?;
            sql.push("), ");
            true
        }
        (Some(_), None) => return Err(crate::error::Error::internal("a client to hold without a client")),
        (None, _) => false,
    };
    sql.push("i AS (");
    w.pg_insert(&mut sql, actor, now)?;
    if held {
        sql.push(" WHERE EXISTS (SELECT 1 FROM c)");
    }
    sql.push(" RETURNING id), h AS (");
    super::history::pg_insert_for(&mut sql, entry, "i", false)?;
    sql.push(if held {
        ") SELECT (SELECT id FROM i) AS id, EXISTS (SELECT 1 FROM c) AS held, (SELECT office FROM c) AS office"
    } else {
        ") SELECT id, true AS held, NULL::text AS office FROM i"
    });
    #[derive(QueryableByName)]
    struct Inserted {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        id: Option<i64>,
        /// The client was found and held (a client's office may be NULL).
        #[diesel(sql_type = diesel::sql_types::Bool)]
        held: bool,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        office: Option<String>,
    }
    let rows: Vec<Inserted> = super::prepared::Prepared::<diesel::sql_types::Untyped>::fixed(&sql).load(c)?;
    match rows.into_iter().next() {
        Some(Inserted { id: Some(id), held: true, office }) => Ok(Some((id, office))),
        Some(Inserted { id: None, held: false, .. }) => Ok(None),
        // Written without its client held, or held and not written: the
        // caller's error rolls the transaction back.
        _ => Err(crate::error::Error::internal("an interaction's insert and its client's hold disagree")),
    }
}

fn insert_row(conn: &mut Conn, w: &Write, follow_up: Option<&FollowUp>, actor: Id, now: i64) -> Result<Id> {
    let id = with_backend!(conn, c => diesel::insert_into(interactions::table)
        .values((
            w,
            interactions::created_by.eq(actor),
            interactions::created_at.eq(now),
            interactions::version.eq(1i64),
        ))
        .returning(interactions::id)
        .get_result::<i64>(c))?;
    insert_follow_up(conn, id, follow_up)?;
    Ok(id)
}

/// [`insert`], answering the record as [`record`] would read it back: the
/// row and follow-up made from the very values written, through the
/// conversions a read applies (milliseconds, joined addresses, JSON), so
/// without the two statements. `tests/tests/create_answers.rs` holds it to
/// `interaction.get` over generated interactions, on both backends.
///
/// Its history row is `entry(id)`'s, written with it (on PostgreSQL in
/// the insert's own statement, [`pg_insert_with_history`], where `entry`
/// is made before the id is known and its record id is the new row's
/// whatever it says).
///
/// `hold` (PostgreSQL only): hold the interaction's client `FOR SHARE` in
/// the insert's statement, when it is live and of these offices (`None`:
/// every office), and write only then. Answers the record and, with
/// `hold`, `Some(office)` of the client held; `None` when the client was
/// not held (nothing written).
pub(crate) fn insert_answered(
    conn: &mut Conn,
    i: &InteractionData,
    actor: Id,
    now: i64,
    region: PhoneRegion,
    entry: impl FnOnce(Id) -> super::history::NewEntry,
    hold: Option<Option<&[String]>>,
) -> Result<Option<(Record<InteractionData>, Option<String>)>> {
    let w = write(i, actor, now, region);
    let (id, office) = match conn {
        #[cfg(feature = "postgres")]
        super::AnyConnection::Pg(c) => {
            let Some((id, office)) = pg_insert_with_history(c, &w, actor, now, &entry(0), hold)? else {
                return Ok(None);
            };
            insert_follow_up(conn, id, i.follow_up.as_ref())?;
            (id, office)
        }
        super::AnyConnection::Sqlite(_) => {
            if hold.is_some() {
                return Err(crate::error::Error::internal("SQLite holds no client in an insert"));
            }
            let id = insert_row(conn, &w, i.follow_up.as_ref(), actor, now)?;
            super::history::record(conn, entry(id))?;
            (id, None)
        }
    };
    let row = Row {
        id,
        kind: w.kind,
        occurred_at: w.occurred_at,
        client_id: w.client_id,
        contact_id: w.contact_id,
        staff_id: w.staff_id,
        subject: w.subject,
        body: w.body,
        direction: w.direction,
        duration_secs: w.duration_secs,
        phone: w.phone,
        email_from: w.email_from,
        email_to: w.email_to,
        email_cc: w.email_cc,
        taken_for: w.taken_for,
        custom: w.custom,
        transfer_id: w.transfer_id,
        created_by: actor,
        created_at: now,
        updated_by: w.updated_by,
        updated_at: w.updated_at,
        version: 1,
        taken_for_id: w.taken_for_id,
        message_status: w.message_status,
        event: w.event,
    };
    let mut rec = row.into_record()?;
    rec.data.follow_up = i.follow_up.as_ref().map(|f| follow_up_of(follow_up_row(id, f))).transpose()?;
    Ok(Some((rec, office)))
}

pub(crate) fn update(
    conn: &mut Conn,
    id: Id,
    version: i64,
    i: &InteractionData,
    actor: Id,
    now: i64,
    region: PhoneRegion,
) -> Result<bool> {
    let n = diesel::update(
        interactions::table
            .filter(interactions::id.eq(id))
            .filter(interactions::version.eq(version))
            .filter(interactions::trash_id.is_null()),
    )
    .set((&write(i, actor, now, region), interactions::version.eq(version + 1)))
    .execute(conn)?;
    if n == 1 {
        write_follow_up(conn, id, i.follow_up.as_ref())?;
    }
    Ok(n == 1)
}

/// Links the free-text "taken for" of phone messages recorded before
/// `taken_for_id` to the staff member it names (folded name, "Last, First"
/// or initials, exactly one match), clearing the text; text naming no one
/// (or several) is kept. Runs once per database (`data_migrations`).
pub(crate) fn link_taken_for(db: &super::Db) -> Result<()> {
    use super::schema::{data_migrations, staff};
    const NAME: &str = "2026-12-03-000500_taken_for_id";
    let done = |c: &mut Conn| -> Result<bool> {
        Ok(data_migrations::table.filter(data_migrations::name.eq(NAME)).count().get_result::<i64>(c)? > 0)
    };
    if db.query(done)? {
        return Ok(());
    }
    let pg = db.is_postgres();
    db.write(|c| {
        // Engines opening together on PostgreSQL: one runs the pass, the
        // others wait and find it done (as for the reindex at open).
        if pg {
            diesel::sql_query("SELECT pg_advisory_xact_lock(4708732219)").execute(c)?;
        }
        if done(c)? {
            return Ok(());
        }
        let people: Vec<(i64, String, String)> =
            staff::table.select((staff::id, staff::name, staff::initials)).load(c)?;
        let fold = |s: &str| crate::text::fold(s.trim());
        let messages: Vec<(i64, String)> = interactions::table
            .filter(interactions::kind.eq(InteractionKind::PhoneMessage.as_str()))
            .filter(interactions::taken_for_id.is_null())
            .filter(interactions::taken_for.is_not_null())
            .select((interactions::id, interactions::taken_for.assume_not_null()))
            .load(c)?;
        for (id, text) in messages {
            let want = fold(&text);
            let matches: Vec<i64> = people
                .iter()
                .filter(|(_, name, initials)| {
                    fold(name) == want
                        || fold(initials) == want
                        || name
                            .trim()
                            .rsplit_once(char::is_whitespace)
                            .is_some_and(|(first, last)| fold(&format!("{}, {}", last.trim(), first.trim())) == want)
                })
                .map(|(id, _, _)| *id)
                .collect();
            if let [staff_id] = matches[..] {
                diesel::update(interactions::table.find(id))
                    .set((interactions::taken_for_id.eq(staff_id), interactions::taken_for.eq(None::<String>)))
                    .execute(c)?;
            }
        }
        diesel::insert_into(data_migrations::table).values(data_migrations::name.eq(NAME)).execute(c)?;
        Ok(())
    })
}

/// Gives transfer events recorded before the `event` column their event as
/// data, read back from their text: the change at the end of the subject
/// must be one the engine words (in French or English), and the event so
/// read must word back to exactly the stored subject and body; text that
/// does not (edited by hand, another wording) is kept as it is, without an
/// event. Runs once per database (`data_migrations`).
pub(crate) fn backfill_events(db: &super::Db) -> Result<()> {
    use super::schema::data_migrations;
    const NAME: &str = "2026-12-05-000200_timeline_events";
    let done = |c: &mut Conn| -> Result<bool> {
        Ok(data_migrations::table.filter(data_migrations::name.eq(NAME)).count().get_result::<i64>(c)? > 0)
    };
    if db.query(done)? {
        return Ok(());
    }
    let pg = db.is_postgres();
    db.write(|c| {
        if pg {
            diesel::sql_query("SELECT pg_advisory_xact_lock(4708732220)").execute(c)?;
        }
        if done(c)? {
            return Ok(());
        }
        let events: Vec<Row> = interactions::table
            .filter(interactions::kind.eq(InteractionKind::TransferEvent.as_str()))
            .filter(interactions::event.is_null())
            .select(Row::as_select())
            .load(c)?;
        for row in events {
            let id = row.id;
            let mut data = row.into_record()?.data;
            let Some(e) = event_of_text(&data.subject, &data.body) else { continue };
            data.event = Some(e);
            // Found by either wording from now on (a transfer event has no
            // phone: the region keys nothing).
            let search_text = crate::query::memory::interaction_search_text(&data, PhoneRegion::default());
            diesel::update(interactions::table.find(id))
                .set((
                    interactions::event.eq(data.event.as_ref().map(to_json)),
                    interactions::search_text.eq(search_text),
                ))
                .execute(c)?;
        }
        diesel::insert_into(data_migrations::table).values(data_migrations::name.eq(NAME)).execute(c)?;
        Ok(())
    })
}

/// The transfer event a frozen subject and body word, if they word one
/// exactly (see [`backfill_events`]).
pub(crate) fn event_of_text(subject: &str, body: &str) -> Option<TimelineEvent> {
    for french in [true, false] {
        let (open, close) = if french { ("Transfert « ", " » : ") } else { ("Transfer “", "”: ") };
        let Some(rest) = subject.strip_prefix(open) else { continue };
        let changes = TransferStatus::ALL.into_iter().flat_map(|to| {
            std::iter::once((None, to)).chain(TransferStatus::ALL.into_iter().map(move |f| (Some(f), to)))
        });
        for (from, to) in changes {
            let change = match (from, french) {
                (None, true) => format!("créé, {}", to.label(true).to_lowercase()),
                (None, false) => format!("created, {}", to.label(false).to_lowercase()),
                (Some(f), _) => format!("{} → {}", f.label(french), to.label(french)),
            };
            let Some(name) = rest.strip_suffix(&format!("{close}{change}")) else { continue };
            for automatic in [false, true] {
                let e = TimelineEvent::TransferStatus { subject: name.to_string(), from, to, automatic };
                if e.subject(french) == subject && e.body(french) == body {
                    return Some(e);
                }
            }
        }
    }
    None
}

pub(crate) fn custom_defs(conn: &mut Conn, kind: Option<InteractionKind>) -> Result<Vec<CustomFieldDef>> {
    let mut q = custom_fields::table.into_boxed();
    if let Some(k) = kind {
        q = q.filter(custom_fields::kind.eq(k.as_str()));
    }
    let rows: Vec<CustomRow> = q
        .order((custom_fields::kind, custom_fields::id))
        .select((
            custom_fields::kind,
            custom_fields::key,
            custom_fields::label_fr,
            custom_fields::label_en,
            custom_fields::field_type,
            custom_fields::choices,
            custom_fields::required,
        ))
        .load(conn)?;
    rows.into_iter().map(custom_def).collect()
}

/// A custom field's stored columns: kind, key, labels, type, choices (JSON
/// text), required.
pub(crate) type CustomRow = (String, String, String, String, String, String, bool);

/// The value of `custom_fields.kind`: the interaction kind, or `client`
/// or `contact`.
fn kind_column(d: &CustomFieldDef) -> &'static str {
    match (d.record, d.kind) {
        (CustomRecord::Interaction, Some(k)) => k.as_str(),
        (CustomRecord::Interaction, None) => unreachable!("validated: an interaction field has a kind"),
        (r, _) => r.as_str(),
    }
}

pub(crate) fn custom_def(r: CustomRow) -> Result<CustomFieldDef> {
    let (kind, key, label_fr, label_en, field_type, choices, required) = r;
    let (record, kind) = match kind.as_str() {
        "client" => (CustomRecord::Client, None),
        "contact" => (CustomRecord::Contact, None),
        k => (CustomRecord::Interaction, Some(enum_from(k, "interaction kind")?)),
    };
    Ok(CustomFieldDef {
        record,
        kind,
        key,
        label_fr,
        label_en,
        field_type: enum_from(&field_type, "custom field type")?,
        choices: from_json(&choices, "custom field choices")?,
        required,
    })
}

pub(crate) fn put_custom_def(conn: &mut Conn, d: &CustomFieldDef) -> Result<()> {
    let values = (
        custom_fields::label_fr.eq(&d.label_fr),
        custom_fields::label_en.eq(&d.label_en),
        custom_fields::field_type.eq(enum_str(&d.field_type)),
        custom_fields::choices.eq(to_json(&d.choices)),
        custom_fields::required.eq(d.required),
    );
    let n = diesel::update(
        custom_fields::table.filter(custom_fields::kind.eq(kind_column(d))).filter(custom_fields::key.eq(&d.key)),
    )
    .set(values.clone())
    .execute(conn)?;
    if n == 0 {
        diesel::insert_into(custom_fields::table)
            .values((custom_fields::kind.eq(kind_column(d)), custom_fields::key.eq(&d.key), values))
            .execute(conn)?;
    }
    Ok(())
}

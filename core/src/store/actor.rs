//! A request's actor — the staff member with their rights — with the
//! firm's custom fields and roles of people in charge (what the interaction
//! and client lists' field registries depend on) and the actor's chosen grid columns, in one statement: on
//! PostgreSQL one round trip where they took three (and a transaction of
//! their own, two more). Read at every request, so a `staff.put`,
//! `custom_field.put` or `columns.save` is seen by the next request.

use std::sync::OnceLock;

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::prepared::Prepared;
use super::{Conn, from_json, with_backend};
use crate::domain::{CustomFieldDef, Id, StaffMember};
use crate::error::Result;
use crate::query::sql::Sql;

#[derive(QueryableByName)]
struct ActorRow {
    #[diesel(embed)]
    staff: super::staff::Row,
    /// The custom fields as a JSON array (by kind, then id).
    #[diesel(sql_type = Text)]
    custom: String,
    /// The actor's chosen columns: a JSON array of `[list, columns]`.
    #[diesel(sql_type = Text)]
    columns: String,
    /// The firm's roles of people in charge, in order: a JSON array of
    /// `[code, label_fr, label_en, builtin]`.
    #[diesel(sql_type = Text)]
    roles: String,
    /// The firm's tags, by code: a JSON array of `[code, name_fr,
    /// name_en, colour, version]`.
    #[diesel(sql_type = Text)]
    tags: String,
}

/// What is read with the actor.
pub(crate) struct Actor {
    pub staff: StaffMember,
    pub custom: Vec<CustomFieldDef>,
    /// (list, chosen column ids as JSON text).
    pub columns: Vec<(String, String)>,
    /// The firm's roles of people in charge (the client lists' fields).
    pub roles: Vec<crate::domain::StaffRole>,
    /// The firm's tags (filters by name, grids' tag names).
    pub tags: Vec<crate::domain::Tag>,
}

/// One custom field as the statement writes it (`required`: 0/1 on SQLite,
/// a boolean on PostgreSQL).
#[derive(serde::Deserialize)]
struct CustomJson {
    kind: String,
    key: String,
    label_fr: String,
    label_en: String,
    field_type: String,
    choices: String,
    required: serde_json::Value,
}

/// The statement's text for one backend.
fn text(pg: bool) -> &'static str {
    static SQLITE: OnceLock<String> = OnceLock::new();
    static PG: OnceLock<String> = OnceLock::new();
    let cols = "s.id AS id, s.name AS name, s.initials AS initials, s.email AS email, s.office AS office, \
                s.active AS active, s.rights AS rights, s.created_at AS created_at, s.updated_at AS updated_at, \
                s.version AS version";
    let fields = "'kind', kind, 'key', key, 'label_fr', label_fr, 'label_en', label_en, \
                  'field_type', field_type, 'choices', choices, 'required', required";
    if pg {
        PG.get_or_init(|| {
            format!(
                "SELECT {cols}, (SELECT COALESCE(json_agg(json_build_object({fields}) ORDER BY kind, id), '[]')::text \
                 FROM custom_fields) AS custom, (SELECT COALESCE(json_agg(json_build_array(list, columns)), '[]')::text \
                 FROM chosen_columns WHERE staff_id = s.id) AS columns, (SELECT COALESCE(json_agg(json_build_array(code, \
                 label_fr, label_en, builtin) ORDER BY position, code), '[]')::text FROM staff_roles) AS roles, \
                 (SELECT COALESCE(json_agg(json_build_array(code, name_fr, name_en, colour, version) ORDER BY code), \
                 '[]')::text FROM tags) AS tags FROM staff s WHERE s.id = "
            )
        })
    } else {
        SQLITE.get_or_init(|| {
            format!(
                "SELECT {cols}, (SELECT json_group_array(json_object({fields})) FROM \
                 (SELECT * FROM custom_fields ORDER BY kind, id)) AS custom, (SELECT json_group_array(json_array(list, columns)) \
                 FROM chosen_columns WHERE staff_id = s.id) AS columns, (SELECT json_group_array(json_array(code, label_fr, \
                 label_en, builtin)) FROM (SELECT * FROM staff_roles ORDER BY position, code)) AS roles, \
                 (SELECT json_group_array(json_array(code, name_fr, name_en, colour, version)) FROM \
                 (SELECT * FROM tags ORDER BY code)) AS tags FROM staff s WHERE s.id = "
            )
        })
    }
}

/// The staff member `id` (`None`: no such member), the firm's custom
/// fields and the member's chosen columns.
pub(crate) fn get(conn: &mut Conn, id: Id) -> Result<Option<Actor>> {
    let pg = conn.is_pg();
    let mut sql = Sql::new(pg);
    sql.push(text(pg)).bind_int(id);
    let row: Option<ActorRow> =
        with_backend!(conn, c => Prepared::<diesel::sql_types::Untyped>::new(&sql).get_result(c).optional())?;
    let Some(row) = row else { return Ok(None) };
    let custom: Vec<CustomJson> = from_json(&row.custom, "custom fields")?;
    let custom = custom
        .into_iter()
        .map(|c| {
            let required = match c.required {
                serde_json::Value::Bool(b) => b,
                serde_json::Value::Number(n) => n.as_i64() != Some(0),
                _ => false,
            };
            super::interactions::custom_def((c.kind, c.key, c.label_fr, c.label_en, c.field_type, c.choices, required))
        })
        .collect::<Result<Vec<_>>>()?;
    let columns: Vec<(String, String)> = from_json(&row.columns, "chosen columns")?;
    // `builtin`: 0/1 on SQLite, a boolean on PostgreSQL.
    let roles: Vec<(String, String, String, serde_json::Value)> = from_json(&row.roles, "roles")?;
    let roles = roles
        .into_iter()
        .map(|(code, label_fr, label_en, builtin)| crate::domain::StaffRole {
            code,
            label_fr,
            label_en,
            builtin: builtin.as_bool().unwrap_or_else(|| builtin.as_i64().is_some_and(|n| n != 0)),
        })
        .collect();
    let tags: Vec<(String, String, String, String, i64)> = from_json(&row.tags, "tags")?;
    let tags = tags
        .into_iter()
        .map(|(code, name_fr, name_en, colour, version)| crate::domain::Tag { code, name_fr, name_en, colour, version })
        .collect();
    Ok(Some(Actor { staff: super::staff::member(row.staff)?, custom, columns, roles, tags }))
}

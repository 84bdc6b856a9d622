//! Aggregate reads: counts of a list grouped by choice fields and periods
//! (`list.count_by`), and each client's last interaction
//! (`client.last_interaction`). One statement each, over the same rows the
//! list would show: the same filter, rights, offices and scope (a client
//! dashboard's client) through the same plan as the list.

use chrono::{DateTime, Utc};

use crate::domain::Id;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{
    ChoiceInfo, CountPeriod, CountPeriods, GroupCount, GroupCounts, GroupField, LastInteraction, LastInteractions,
};
use crate::query::fields::Col;
use crate::query::{self, Constraint, FilterInput, Grouping, ListKind, ListQuery};
use crate::store;
use crate::visibility;

/// Rows `list.count_by` counts at most (and by default).
pub const MAX_GROUPED_ROWS: u32 = 100_000;
/// Periods of one `list.count_by` at most.
pub const MAX_PERIODS: u32 = 60;
/// Fields of one `list.count_by` at most.
pub const MAX_GROUP_FIELDS: usize = 2;

impl Engine {
    /// `list.count_by`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn count_by(
        &self,
        who: &Who,
        list: ListKind,
        by: &[String],
        periods: Option<&CountPeriods>,
        filter: Option<FilterInput>,
        client: Option<Id>,
        contact: Option<Id>,
        open_only: bool,
        limit: Option<u32>,
    ) -> Result<GroupCounts> {
        who.require(super::lists::entity(list), Action::View)?;
        let limit = match limit {
            None => MAX_GROUPED_ROWS,
            Some(n) if (1..=MAX_GROUPED_ROWS).contains(&n) => n,
            Some(n) => {
                return Err(Error::validation(
                    "limit",
                    "out_of_range",
                    format!("limit must be between 1 and {MAX_GROUPED_ROWS}, not {n}"),
                ));
            }
        };
        if by.len() > MAX_GROUP_FIELDS {
            return Err(Error::validation(
                "by",
                "too_many",
                format!("at most {MAX_GROUP_FIELDS} fields to group by, not {}", by.len()),
            ));
        }
        if by.is_empty() && periods.is_none() {
            return Err(Error::validation("by", "required", "group by at least one field or by periods"));
        }
        let mut constraints = self.list_constraints(who, list, client, contact, false, open_only)?;
        constraints.extend(visibility::scope_constraint(who, list));
        let mut expired_as_of = None;
        if matches!(list, ListKind::Interactions | ListKind::Transfers) && !self.sweep_for_read()? {
            let now = self.now().timestamp_millis();
            if constraints.contains(&Constraint::OpenOnly) {
                constraints.push(Constraint::Unexpired(now));
            }
            expired_as_of = Some(now);
        }
        let bounds = match periods {
            None => None,
            Some(p) => {
                if !(1..=366).contains(&p.days) {
                    return Err(Error::validation("periods.days", "out_of_range", "days must be between 1 and 366"));
                }
                if !(1..=MAX_PERIODS).contains(&p.count) {
                    return Err(Error::validation(
                        "periods.count",
                        "out_of_range",
                        format!("count must be between 1 and {MAX_PERIODS}"),
                    ));
                }
                // Checked: a `from` near the end of the calendar must not
                // overflow (a panic), it is out of range.
                let days = (0..=p.count)
                    .map(|k| p.from.checked_add_signed(chrono::Duration::days(i64::from(k) * i64::from(p.days))))
                    .collect::<Option<Vec<chrono::NaiveDate>>>()
                    .ok_or_else(|| {
                        Error::validation("periods.from", "out_of_range", "the periods run past the last date there is")
                    })?;
                Some((p.field.clone(), days))
            }
        };
        let query = ListQuery { filter, ..Default::default() };
        let pg = self.is_postgres();
        let tz = self.tz;
        let (fields, periods_out, rows) = self.read(|c| {
            // A client's counts: an unseen client is refused, not counted as
            // empty.
            visibility::check_deferred(c, who, &constraints)?;
            let plan = self.plan_as(c, who, list, &query, constraints)?;
            let mut cols = Vec::new();
            let mut fields = Vec::new();
            for name in by {
                let (def, col) = plan
                    .fields
                    .registry
                    .lookup(name)
                    .and_then(|d| plan.fields.fields.iter().find(|f| f.def.name == d.name))
                    .map(|f| (f.def.clone(), f.col.clone()))
                    .ok_or_else(|| {
                        Error::validation("by", "unknown_field", format!("{} has no field {name:?}", list.as_str()))
                    })?;
                let choices = query::fields::choices(list, &def.name);
                let Col::Enum(col) = col else {
                    return Err(Error::validation(
                        "by",
                        "not_groupable",
                        format!("{:?} is not a choice field: only choice fields group", def.name),
                    ));
                };
                if choices.is_empty() {
                    return Err(Error::validation("by", "not_groupable", format!("{:?} has no choices", def.name)));
                }
                cols.push(col);
                fields.push(GroupField {
                    id: def.name.clone(),
                    label_fr: def.label_fr.clone(),
                    label_en: def.label_en.clone(),
                    values: choices
                        .iter()
                        .map(|ch| ChoiceInfo {
                            value: ch.code.into(),
                            label_fr: ch.label_fr.into(),
                            label_en: ch.label_en.into(),
                            tokens: ch.tokens.iter().map(|t| t.to_string()).collect(),
                        })
                        .collect(),
                });
            }
            let mut periods_out = Vec::new();
            let period_cols = match &bounds {
                None => None,
                Some((name, days)) => {
                    let col = plan
                        .fields
                        .registry
                        .lookup(name)
                        .and_then(|d| plan.fields.fields.iter().find(|f| f.def.name == d.name))
                        .map(|f| f.col.clone())
                        .ok_or_else(|| {
                            Error::validation(
                                "periods.field",
                                "unknown_field",
                                format!("{} has no field {name:?}", list.as_str()),
                            )
                        })?;
                    let Col::Ms(col) = col else {
                        return Err(Error::validation(
                            "periods.field",
                            "not_groupable",
                            format!("{name:?} is not a date and time field"),
                        ));
                    };
                    for w in days.windows(2) {
                        periods_out.push(CountPeriod { from: w[0], to: w[1] - chrono::Duration::days(1) });
                    }
                    Some((col, days.iter().map(|d| query::day_start(tz, *d)).collect::<Vec<i64>>()))
                }
            };
            let grouping = Grouping { cols, expired_as_of, periods: period_cols, limit: u64::from(limit) };
            let rows = store::query::grouped(c, &plan.count_by_sql(pg, &grouping))?;
            Ok((fields, periods_out, rows))
        })?;
        let total: u64 = rows.iter().map(|r| r.3).sum();
        let capped = total > u64::from(limit);
        let groups = if capped {
            Vec::new()
        } else {
            rows.into_iter()
                .map(|(g0, g1, p, n)| GroupCount {
                    values: [g0, g1].into_iter().take(by.len()).collect(),
                    period: p.and_then(|p| u32::try_from(p).ok()),
                    count: n,
                })
                .collect()
        };
        Ok(GroupCounts { list, by: fields, periods: periods_out, groups, total: total.min(u64::from(limit)), capped })
    }

    /// `client.last_interaction`.
    pub(crate) fn last_interactions(
        &self,
        who: &Who,
        filter: Option<FilterInput>,
        idle_days: Option<u32>,
        limit: Option<u32>,
    ) -> Result<LastInteractions> {
        who.require(Entity::Clients, Action::View)?;
        who.require(Entity::Interactions, Action::View)?;
        let query = ListQuery { filter, limit, ..Default::default() };
        let before = idle_days.map(|d| {
            let day = self.today() - chrono::Duration::days(i64::from(d.min(100_000)));
            query::day_start(self.tz, day)
        });
        let mut constraints = Vec::new();
        constraints.extend(visibility::scope_constraint(who, ListKind::Clients));
        let pg = self.is_postgres();
        let (rows, total, limit) = self.read(|c| {
            visibility::check_deferred(c, who, &constraints)?;
            let plan = self.plan_as(c, who, ListKind::Clients, &query, constraints)?;
            let (rows, total) = store::query::last_interactions(c, &plan.last_interaction_sql(pg, before))?;
            Ok((rows, total, plan.limit))
        })?;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(|(client_id, code, name, last_at, interaction_id)| LastInteraction {
                client_id,
                code,
                name,
                last_at: last_at.and_then(DateTime::<Utc>::from_timestamp_millis),
                interaction_id,
            })
            .collect();
        Ok(LastInteractions { items, total })
    }
}

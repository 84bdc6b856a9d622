//! The four lists through the query engine, the grid projection, the field
//! chooser, saved views and layouts.

use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{ChoiceInfo, DashboardKind, FieldInfo, Grid, GridRow, Layout, SavedView};
use crate::query::columns::{self, ColumnDef};
use crate::query::{self, Constraint, ListKind, ListQuery, PlanInput};
use crate::store::page::{Keyed, PageRow};
use crate::store::{self, Conn};
use crate::time::ms;
use crate::visibility;
use chrono::{DateTime, Utc};

/// The most records one client code, initials or contact name may name.
const PEOPLE: i64 = query::fields::MAX_PEOPLE as i64;

use std::collections::HashMap;

impl Engine {
    /// The most common words of keyword index `index` (PostgreSQL), kept
    /// [`store::query::LEXEMES_TTL`]: one statement every ten minutes, not one a search.
    fn common_lexemes(&self, c: &mut Conn, index: &'static str) -> Result<std::sync::Arc<Vec<(String, f64)>>> {
        let now = std::time::Instant::now();
        if let Some((at, words)) = self.lexemes.lock().unwrap_or_else(|e| e.into_inner()).get(index)
            && now.duration_since(*at) < store::query::LEXEMES_TTL
        {
            return Ok(words.clone());
        }
        let words = std::sync::Arc::new(store::query::common_lexemes(c, index)?);
        self.lexemes.lock().unwrap_or_else(|e| e.into_inner()).insert(index, (now, words.clone()));
        Ok(words)
    }
}

pub(crate) fn entity(kind: ListKind) -> Entity {
    match kind {
        ListKind::Clients => Entity::Clients,
        ListKind::Contacts => Entity::Contacts,
        ListKind::Interactions => Entity::Interactions,
        ListKind::Transfers => Entity::FileTransfers,
    }
}

thread_local! {
    /// Set while [`Engine::explain`] runs a request on this thread.
    static EXPLAIN: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
}

impl Engine {
    /// Runs a list request and answers the database's plan of its page
    /// query (SQLite `EXPLAIN QUERY PLAN`, PostgreSQL `EXPLAIN`): to check
    /// that lists use indexes at firm size.
    pub fn explain(&self, actor: crate::protocol::Actor, request: crate::protocol::Request) -> Result<Vec<String>> {
        EXPLAIN.with(|e| *e.borrow_mut() = Some(Vec::new()));
        let result = self.execute(actor, request);
        let lines = EXPLAIN.with(|e| e.borrow_mut().take()).unwrap_or_default();
        result.map(|_| lines)
    }

    /// Plans and runs a list request: one statement answers the page's rows
    /// (`R`, see `store::page`), which `load` turns into the answer's
    /// items — in one read (on SQLite one transaction; on PostgreSQL none,
    /// see `store::session`).
    pub(crate) fn list_page<R, T>(
        &self,
        who: &Who,
        query: &ListQuery,
        constraints: Vec<Constraint>,
        load: impl FnOnce(&mut Conn, Vec<(R, Option<String>)>) -> Result<T>,
    ) -> Result<(T, Option<String>, Option<u64>)>
    where
        R: PageRow,
        T: Annotate,
    {
        self.list_page_with(who, query, constraints, None, query::MAX_COUNT, |c, rows, _| load(c, rows))
    }

    /// [`Engine::list_page`] for a grid (`grid`: what its columns read of
    /// the rows, `columns::Reads`), with the names a grid of interactions
    /// or transfers shows (read by the page statement itself on
    /// PostgreSQL, [`visibility::names_sql`]; on SQLite by one statement
    /// after the page is cut, [`visibility::names_lookup_sql`]), counting
    /// (if asked) up to one past `count_cap` rows.
    fn list_page_with<R, T>(
        &self,
        who: &Who,
        query: &ListQuery,
        constraints: Vec<Constraint>,
        grid: Option<&columns::Reads>,
        count_cap: u64,
        load: impl FnOnce(&mut Conn, Vec<(R, Option<String>)>, columns::Names) -> Result<T>,
    ) -> Result<(T, Option<String>, Option<u64>)>
    where
        R: PageRow,
        T: Annotate,
    {
        let kind = R::KIND;
        who.require(entity(kind), Action::View)?;
        let names = grid.is_some_and(|r| r.names) && matches!(kind, ListKind::Interactions | ListKind::Transfers);
        // A grid's statement reads the fields its cells show.
        let row_columns: std::borrow::Cow<'static, str> = match grid {
            Some(reads) => R::columns_reading(|f| reads.field(f)).into(),
            None => R::columns().into(),
        };
        let mut constraints = constraints;
        constraints.extend(visibility::scope_constraint(who, kind));
        // A read never waits for a writer: when the sweep cannot run now,
        // open transfers past their expiry are left out of "open only"
        // lists and answered as expired (`transfer_records`).
        if matches!(kind, ListKind::Interactions | ListKind::Transfers)
            && !self.sweep_for_read()?
            && constraints.contains(&Constraint::OpenOnly)
        {
            constraints.push(Constraint::Unexpired(self.now().timestamp_millis()));
        }
        let pg = self.is_postgres();
        let explain = EXPLAIN.with(|e| e.borrow().is_some());
        // By-id checks the page statement makes (`visibility::client_constraint`).
        let deferred: Vec<Constraint> =
            constraints.iter().filter(|k| matches!(k, Constraint::ClientVisible(..))).cloned().collect();
        self.read(|c| {
            let mut plan = self.plan_as(c, who, kind, query, constraints)?;
            // PostgreSQL reads the names in the page statement (another
            // statement would be another round trip), by its subqueries or
            // joined to its cut rows; SQLite by the statement's subqueries
            // for a short page (a dashboard tile's 10 rows: a statement
            // more cost more than 11 rows' subqueries), a long one's after
            // the cut.
            let names_after = names && !pg && plan.limit >= NAMES_AFTER_CUT;
            // PostgreSQL: joined only under generic plans (a page without a
            // filter, a search or a switch, `engine::generic_plans`), planned
            // once. Other pages are planned at each call, and the joins cost
            // that planning more than they save (the bench's filtered grid
            // 1.0 → 1.3 ms with them, 2026-12-07).
            plan.names_joined = names && pg && store::session::generic_wanted();
            plan.names = names && !names_after && !plan.names_joined;
            plan.count_cap = count_cap;
            plan.attached = grid.is_none_or(|reads| reads.attached);
            // Large lists: how common the search keywords are decides the
            // statement's shape (query/search.rs).
            let tiers = plan.ranked_tiers(pg);
            // PostgreSQL: keywords its statistics call common over the list
            // walk it, even when missing from its newest rows.
            if let Some(index) = plan.statistics_index(pg) {
                let lexemes = self.common_lexemes(c, index)?;
                plan.walk_if_common(&lexemes);
            }
            if let Some(sample) = plan.search_sample_sql(pg) {
                let counts = store::query::search_sample(c, &sample)?;
                let index = match plan.search_index_count_sql(&counts) {
                    Some(index) => Some(store::query::search_sample(c, &index)?),
                    None => None,
                };
                plan.set_search_shape(&counts, index.as_deref());
            }
            // A ranked search samples rank by rank, just before reading it;
            // explained, every rank's shape is set first.
            if explain && tiers.is_some() {
                sample_rank(c, &mut plan, pg, 2)?;
                sample_rank(c, &mut plan, pg, 3)?;
            }
            // One statement answers the page's records and their keys.
            let page_sql = plan.page_sql(pg, &row_columns);
            if explain {
                let lines = store::query::explain(c, &page_sql)?;
                EXPLAIN.with(|e| e.borrow_mut().as_mut().map(|v| v.extend(lines)));
            }
            let mut rows = match tiers {
                // Explained: the statement shown is the one that runs.
                None if explain => R::load(c, &page_sql)?,
                None => match windowed::<R>(c, &mut plan, pg, &row_columns)? {
                    Some(rows) => rows,
                    None => R::load(c, &page_sql)?,
                },
                // A ranked search (SQLite): rank after rank until the page
                // is full; ranks 2 and 3 sampled (their shape) only when
                // the ranks before them leave room.
                Some(tiers) => {
                    let mut rows = Vec::new();
                    for r in tiers {
                        let room = plan.limit + 1 - rows.len() as i64;
                        if room <= 0 {
                            break;
                        }
                        if !explain {
                            sample_rank(c, &mut plan, pg, r)?;
                        }
                        rows.extend(R::load(c, &plan.ranked_tier_sql(pg, &row_columns, r, room))?);
                    }
                    rows
                }
            };
            if rows.is_empty() {
                // Nothing, or a client the actor cannot see: which one.
                visibility::check_deferred(c, who, &deferred)?;
            }
            let total = match rows.first() {
                _ if !plan.count => None,
                // Counted by the page statement, in its snapshot.
                Some(r) if plan.count_inline(pg) => Some(r.total.unwrap_or(0).max(0) as u64),
                // An empty first page: nothing to count.
                None if plan.count_inline(pg) && plan.after.is_none() => Some(0),
                _ => Some(store::query::count(c, &plan.count_sql(pg))?),
            };
            let more = rows.len() as i64 > plan.limit;
            rows.truncate(plan.limit as usize);
            let next_cursor = if more { rows.last().map(|r| r.key(&plan.cursor_sort).encode()) } else { None };
            let ids: Vec<Id> = rows.iter().map(|r| r.row.id()).collect();
            let mut own = HashMap::new();
            let mut shown = columns::Names::default();
            let mut records = Vec::with_capacity(rows.len());
            // PostgreSQL: the linked records' texts came with the page
            // (`Plan::linked_texts_sql`, in the last name column).
            let inline_linked = plan.linked_texts_inline(pg);
            let mut linked = HashMap::new();
            for r in rows {
                if let Some(text) = r.search_text {
                    own.insert(r.row.id(), text);
                }
                let [client, contact, staff] = r.row.people();
                let [client_name, client_code, contact_name, staff_name, mut staff_initials] = r.names;
                if inline_linked && let Some(json) = staff_initials.take() {
                    linked.insert(r.row.id(), linked_texts(kind, &json)?);
                }
                for (id, name, to) in [
                    (client, client_name, &mut shown.clients),
                    (client, client_code, &mut shown.client_codes),
                    (contact, contact_name, &mut shown.contacts),
                    (staff, staff_name, &mut shown.staff),
                    (staff, staff_initials, &mut shown.staff_initials),
                ] {
                    if let (Some(id), Some(name)) = (id, name) {
                        to.insert(id, name);
                    }
                }
                records.push((r.row, r.attached));
            }
            if names_after {
                read_names(c, &records, &mut shown, plan.offices.as_deref(), plan.scope)?;
            }
            let mut page = load(c, records, shown)?;
            if query.search.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                let why = matched_via(c, kind, &plan.search, &ids, &own, linked, who.offices(), who.scope)?;
                page.annotate(&why);
            }
            Ok((page, next_cursor, total))
        })
    }

    /// "The last 30 days", today included, in the firm's time zone.
    pub(crate) fn last_30_days(&self) -> Constraint {
        let start = self.today() - chrono::Duration::days(29);
        Constraint::Since(query::day_start(self.tz, start))
    }

    /// The constraints of an interaction list for a client and/or contact,
    /// refusing what the actor may not see.
    pub(crate) fn interaction_constraints(
        &self,
        who: &Who,
        client: Option<Id>,
        contact: Option<Id>,
        last_30_days: bool,
    ) -> Result<Vec<Constraint>> {
        let mut v = Vec::new();
        if let Some(id) = client {
            v.push(visibility::client_constraint(who, id)?);
            v.push(Constraint::ClientIs(id));
        }
        if let Some(id) = contact {
            self.read(|c| visibility::contact(c, who, id))?;
            v.push(Constraint::ContactIs(id));
        }
        if last_30_days {
            v.push(self.last_30_days());
        }
        Ok(v)
    }

    /// The columns shown: asked for, else the actor's choice, else defaults.
    /// The columns a list can show (with the firm's roles for clients).
    pub(crate) fn columns_catalogue(&self, list: ListKind) -> Result<Vec<ColumnDef>> {
        let (roles, tags, custom) = self.read(|c| {
            let roles = if list == ListKind::Clients { store::assignments::roles(c)? } else { Vec::new() };
            Ok((roles, store::tags::all(c)?, store::interactions::custom_defs(c, None)?))
        })?;
        Ok(columns::catalogue_with(list, &roles, &tags, &custom))
    }

    fn chosen_columns(&self, who: &Who, list: ListKind, asked: Option<Vec<String>>) -> Result<Vec<ColumnDef>> {
        // The firm's roles came with the actor (`store::actor`).
        let roles = if list == ListKind::Clients { who.roles.as_slice() } else { &[] };
        let catalogue = who.catalogues.get(list, roles, &who.tags, &who.custom);
        let defaults = || catalogue.iter().filter(|c| c.default_visible).map(|c| c.id.clone()).collect();
        let ids = match asked {
            Some(a) => a,
            // Read with the actor (`store::actor`).
            None => match who.columns.iter().find(|(l, _)| l == list.as_str()) {
                Some((_, saved)) => {
                    let saved = store::from_json::<Vec<String>>(saved, "chosen columns")?;
                    let kept = saved_still_shown(catalogue, saved);
                    if kept.is_empty() { defaults() } else { kept }
                }
                None => defaults(),
            },
        };
        pick_columns(catalogue, &ids)
    }

    /// The constraints of a list for a client and/or contact, the last 30
    /// days or open transfers only, refusing what the actor may not see and
    /// what the list does not take (`grid.query`, `list.count_by`).
    pub(crate) fn list_constraints(
        &self,
        who: &Who,
        list: ListKind,
        client: Option<Id>,
        contact: Option<Id>,
        last_30_days: bool,
        open_only: bool,
    ) -> Result<Vec<Constraint>> {
        let mut constraints = Vec::new();
        match list {
            ListKind::Clients | ListKind::Contacts => {
                if let Some(id) = client {
                    constraints.push(visibility::client_constraint(who, id)?);
                    constraints.push(if list == ListKind::Clients {
                        Constraint::ClientIs(id)
                    } else {
                        Constraint::LinkedTo(id)
                    });
                }
                if contact.is_some() && list == ListKind::Clients {
                    return Err(Error::validation("contact_id", "not_for_kind", "the client list takes no contact_id"));
                }
                if let Some(id) = contact {
                    constraints.push(Constraint::ContactIs(id));
                }
                // Each switch named by itself: a host that sent only
                // `open_only` is not told about `last_30_days`.
                if last_30_days {
                    return Err(Error::validation(
                        "last_30_days",
                        "not_for_kind",
                        "only for interactions and transfers",
                    ));
                }
                if open_only {
                    return Err(Error::validation("open_only", "not_for_kind", "only for transfers"));
                }
            }
            ListKind::Interactions => {
                if open_only {
                    return Err(Error::validation("open_only", "not_for_kind", "only for transfers"));
                }
                constraints.extend(self.interaction_constraints(who, client, contact, last_30_days)?);
            }
            ListKind::Transfers => {
                if let Some(id) = client {
                    constraints.push(visibility::client_constraint(who, id)?);
                    constraints.push(Constraint::ClientIs(id));
                }
                if let Some(id) = contact {
                    self.read(|c| visibility::contact(c, who, id))?;
                    constraints.push(Constraint::ContactIs(id));
                }
                if last_30_days {
                    constraints.push(self.last_30_days());
                }
                if open_only {
                    constraints.push(Constraint::OpenOnly);
                }
            }
        }
        Ok(constraints)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn grid(
        &self,
        who: &Who,
        list: ListKind,
        columns: Option<Vec<String>>,
        client: Option<Id>,
        contact: Option<Id>,
        last_30_days: bool,
        open_only: bool,
        count_limit: Option<u32>,
        query: &ListQuery,
        scope: Vec<Constraint>,
    ) -> Result<Grid> {
        let cap = query::count_limit(count_limit)?;
        let cols = self.chosen_columns(who, list, columns)?;
        let mut constraints = scope;
        constraints.extend(self.list_constraints(who, list, client, contact, last_30_days, open_only)?);
        let ids: Vec<String> = cols.iter().map(|c| c.id.clone()).collect();
        let reads = columns::Reads::of(list, &ids);
        let reads = Some(&reads);
        let tz = self.tz;
        let now = self.now();
        let (rows, next_cursor, total) = match list {
            ListKind::Clients => self.list_page_with(who, query, constraints, reads, cap, |c, page, _| {
                // The people in charge come with their names (the page
                // statement's attached column).
                let mut names = columns::Names::default();
                let recs = client_records_named(page, !c.is_pg(), Some(&mut names))?;
                Ok(grid_rows(&recs, &ids, |r, col| columns::client_cell(r, col, &names, tz)))
            })?,
            ListKind::Contacts => self.list_page_with(who, query, constraints, reads, cap, |c, page, _| {
                let keys: HashMap<Id, String> = page
                    .iter()
                    .filter_map(|(r, _): &(store::contacts::Row, Option<String>)| {
                        r.import_key.clone().map(|k| (r.id, k))
                    })
                    .collect();
                Ok(grid_rows(&contact_records(c, page)?, &ids, |r, col| {
                    columns::contact_cell(r, keys.get(&r.id).map(String::as_str), col, tz)
                }))
            })?,
            ListKind::Interactions => {
                self.list_page_with(who, query, constraints, reads, cap, |c, page, mut names| {
                    // The page statement names the staff member who made each
                    // interaction; whom a message was taken for and who follows
                    // it up come with the attached column.
                    let mut recs = interaction_records_named(page, Some(&mut names))?;
                    recs.iter_mut().for_each(|r| r.data.word_event(who.french));
                    if ids.iter().any(|i| i == "contact_key") {
                        let contacts: Vec<Id> = recs.iter().filter_map(|r| r.data.contact_id).collect();
                        names.contact_keys = shown_keys(c, &contacts, &names)?;
                    }
                    Ok(grid_rows(&recs, &ids, |r, col| columns::interaction_cell(r, col, &names, tz)))
                })?
            }
            ListKind::Transfers => self.list_page_with(who, query, constraints, reads, cap, |c, page, mut names| {
                let recs = transfer_records(page, now)?;
                if ids.iter().any(|i| i == "contact_key") {
                    let contacts: Vec<Id> = recs.iter().map(|r| r.data.to_contact).collect();
                    names.contact_keys = shown_keys(c, &contacts, &names)?;
                }
                Ok(grid_rows(&recs, &ids, |r, col| columns::transfer_cell(r, col, &names, tz)))
            })?,
        };
        let (total, total_capped) = query::capped_total_at(total, cap);
        Ok(Grid { list, columns: cols, rows, next_cursor, total, total_capped })
    }

    pub(crate) fn columns_get(&self, who: &Who, list: ListKind) -> Result<Vec<ColumnDef>> {
        self.chosen_columns(who, list, None)
    }

    pub(crate) fn columns_save(&self, who: &Who, list: ListKind, ids: Vec<String>) -> Result<Vec<ColumnDef>> {
        let cols = pick_columns(&self.columns_catalogue(list)?, &ids)?;
        self.write(|c| store::views::save_columns(c, who.id, list, &ids))?;
        Ok(cols)
    }

    /// Checks a filter against a list's fields, as a list request would
    /// (today and the fiscal year of the firm): the typed filter the SQL is
    /// compiled from, for evaluating in memory ([`crate::query::memory`]).
    ///
    /// Client codes, staff initials and contact names become the ids they
    /// name, as in a list request of the host (no office restriction;
    /// `staff:me` is refused): see [`Engine::check_filter_as`].
    pub fn check_filter(&self, list: ListKind, filter: &crate::query::FilterInput) -> Result<clientele_filter::Typed> {
        self.check_filter_for(None, list, filter)
    }

    /// [`Engine::check_filter`] as a staff member's list request would check
    /// it: `staff:me` is them, and codes, initials and names resolve among
    /// the records of their offices only.
    pub fn check_filter_as(
        &self,
        actor: crate::protocol::Actor,
        list: ListKind,
        filter: &crate::query::FilterInput,
    ) -> Result<clientele_filter::Typed> {
        match actor {
            crate::protocol::Actor::Staff(id) => {
                let who = self.who(id)?;
                self.check_filter_for(Some(&who), list, filter)
            }
            crate::protocol::Actor::Host(_) => self.check_filter_for(None, list, filter),
        }
    }

    /// The plan of `kind` for `query` as `who`, in the read `c`, with what
    /// the actor's read brought (custom fields, the firm's roles and tags;
    /// `store::actor`): lists, grids, aggregates and saved views plan alike.
    pub(super) fn plan_as(
        &self,
        c: &mut Conn,
        who: &Who,
        kind: ListKind,
        query: &ListQuery,
        constraints: Vec<Constraint>,
    ) -> Result<query::Plan> {
        let roles = if kind == ListKind::Clients { who.roles.as_slice() } else { &[] };
        let mut people = |l: &query::fields::Lookup| store::query::people(c, l, who.offices(), who.scope, PEOPLE);
        query::plan(PlanInput {
            kind,
            query,
            custom: &who.custom,
            roles,
            tags: &who.tags,
            constraints,
            offices: who.offices().map(<[String]>::to_vec),
            scope: who.scope,
            today: self.today(),
            fiscal_year_start_month: self.config().fiscal_year_start_month,
            tz: self.tz,
            actor: Some(who.id),
            people: &mut people,
        })
    }

    fn check_filter_for(
        &self,
        who: Option<&Who>,
        list: ListKind,
        filter: &crate::query::FilterInput,
    ) -> Result<clientele_filter::Typed> {
        let query = ListQuery { filter: Some(filter.clone()), ..Default::default() };
        let offices = who.and_then(Who::offices);
        self.read(|c| {
            let custom = store::interactions::custom_defs(c, None)?;
            let roles = store::assignments::roles(c)?;
            let tags = store::tags::all(c)?;
            let mut people = |l: &query::fields::Lookup| store::query::people(c, l, offices, None, PEOPLE);
            let plan = query::plan(PlanInput {
                kind: list,
                query: &query,
                custom: &custom,
                roles: &roles,
                tags: &tags,
                constraints: vec![],
                offices: offices.map(<[String]>::to_vec),
                scope: None,
                today: self.today(),
                fiscal_year_start_month: self.config().fiscal_year_start_month,
                tz: self.tz,
                actor: who.map(|w| w.id),
                people: &mut people,
            })?;
            Ok(plan.filter)
        })
    }

    /// The firm's time zone.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.tz
    }

    /// The filterable fields of a list (with the firm's custom fields).
    pub fn filter_fields(&self, list: ListKind) -> Result<Vec<FieldInfo>> {
        use clientele_filter::FieldType;
        let (custom, roles) =
            self.read(|c| Ok((store::interactions::custom_defs(c, None)?, store::assignments::roles(c)?)))?;
        Ok(query::fields::fields(list, &custom, &roles)
            .into_iter()
            .filter(|f| f.def.filterable)
            .map(|f| {
                let d = f.def;
                let (kind, values) = match &d.ty {
                    FieldType::Text => ("text", vec![]),
                    FieldType::Number(_) => ("number", vec![]),
                    FieldType::Date => ("date", vec![]),
                    FieldType::DateTime => ("date_time", vec![]),
                    FieldType::Bool => ("bool", vec![]),
                    FieldType::Enum { values } => ("enum", values.clone()),
                    FieldType::Id => ("id", vec![]),
                };
                let choices = values
                    .iter()
                    .map(|v| ChoiceInfo {
                        value: v.value.clone(),
                        label_fr: v.label_fr.clone().unwrap_or_else(|| v.value.clone()),
                        label_en: v.label_en.clone().unwrap_or_else(|| v.value.clone()),
                        tokens: v.tokens.clone(),
                    })
                    .collect();
                let values = values.into_iter().map(|v| v.value).collect();
                FieldInfo {
                    operators: d.allowed_ops().iter().map(|o| o.as_str().to_string()).collect(),
                    name: d.name,
                    aliases: d.aliases,
                    label_fr: d.label_fr,
                    label_en: d.label_en,
                    kind: kind.into(),
                    values,
                    choices,
                    sortable: d.sortable,
                }
            })
            .collect())
    }

    /// Saves a view. `who`: `None` for the host (firm views).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn view_save(
        &self,
        who: Option<&Who>,
        id: Option<(Id, Option<i64>)>,
        list: ListKind,
        name: String,
        mut query: ListQuery,
        shared: bool,
        firm_default: bool,
    ) -> Result<SavedView> {
        let name = crate::validate::name("name", &name, 100)?;
        if who.is_some() && firm_default {
            return Err(Error::validation("firm_default", "host_only", "the firm's default view is set by the host"));
        }
        // A view keeps what to show, not where a page ended.
        query.cursor = None;
        query.limit = None;
        // Refuse a filter that does not check now, with its span.
        if let Some(w) = who {
            self.read(|c| self.plan_as(c, w, list, &query, vec![]))?;
        }
        let owner = who.map(|w| w.id);
        let now = ms(self.now());
        let id = self.write(|c| {
            if let Some((id, version)) = id {
                let old = store::views::get_view(c, id)?
                    .filter(|v| visibility::view_readable(who, v))
                    .ok_or(Error::NotFound { entity: "saved view", id })?;
                if old.owner != owner {
                    return Err(Error::Forbidden {
                        actor: owner.map_or("host".into(), |o| format!("staff {o}")),
                        action: "change",
                        entity: "a view it does not own",
                    });
                }
                super::check_version("saved view", id, super::version_required(version)?, Some(old.version))?;
            }
            if firm_default {
                store::views::clear_view_default(c, list)?;
            }
            let view = SavedView {
                id: 0,
                list,
                name: name.clone(),
                owner,
                shared: shared || owner.is_none(),
                firm_default,
                query: query.clone(),
                updated_at: self.now(),
                version: 0,
            };
            let target = match id {
                Some((i, v)) => Some((i, super::version_required(v)?)),
                None => None,
            };
            store::views::save_view(c, target, &view, now)?.ok_or_else(|| {
                let (i, v) = target.expect("only an update can be stale");
                super::stale("saved view", i, v, store::views::get_view(c, i).ok().flatten().map(|x| x.version))
            })
        })?;
        self.read(|c| store::views::get_view(c, id))?.ok_or(Error::NotFound { entity: "saved view", id })
    }

    pub(crate) fn view_list(&self, who: Option<&Who>, list: ListKind) -> Result<Vec<SavedView>> {
        self.read(|c| store::views::list_views(c, list, who.map(|w| w.id)))
    }

    pub(crate) fn view_delete(&self, who: Option<&Who>, id: Id) -> Result<crate::protocol::Done> {
        let owner = who.map(|w| w.id);
        self.write(|c| {
            let v = store::views::get_view(c, id)?
                .filter(|v| visibility::view_readable(who, v))
                .ok_or(Error::NotFound { entity: "saved view", id })?;
            if v.owner != owner {
                return Err(Error::Forbidden {
                    actor: owner.map_or("host".into(), |o| format!("staff {o}")),
                    action: "delete",
                    entity: "a view it does not own",
                });
            }
            store::views::delete_view(c, id)?;
            Ok(crate::protocol::Done { done: true })
        })
    }

    pub(crate) fn layout_save(
        &self,
        who: Option<&Who>,
        id: Option<(Id, Option<i64>)>,
        dashboard: DashboardKind,
        name: String,
        layout: serde_json::Value,
        firm_default: bool,
    ) -> Result<Layout> {
        let name = crate::validate::name("name", &name, 100)?;
        if who.is_some() && firm_default {
            return Err(Error::validation("firm_default", "host_only", "firm default layouts are set by the host"));
        }
        if !layout.is_object() || layout.to_string().len() > 256 * 1024 {
            return Err(Error::validation("layout", "invalid_value", "a layout is a JSON object of at most 256 KiB"));
        }
        let owner = who.map(|w| w.id);
        let now = ms(self.now());
        let kind = crate::store::clients::enum_str(&dashboard);
        let id = self.write(|c| {
            if let Some((id, version)) = id {
                let old = store::views::get_layout(c, id)?
                    .filter(|l| visibility::layout_readable(who, l))
                    .ok_or(Error::NotFound { entity: "layout", id })?;
                if old.owner != owner {
                    return Err(Error::Forbidden {
                        actor: owner.map_or("host".into(), |o| format!("staff {o}")),
                        action: "change",
                        entity: "a layout it does not own",
                    });
                }
                super::check_version("layout", id, super::version_required(version)?, Some(old.version))?;
            }
            if firm_default {
                store::views::clear_layout_default(c, &kind)?;
            }
            let l = Layout {
                id: 0,
                dashboard,
                name: name.clone(),
                owner,
                firm_default,
                layout: layout.clone(),
                updated_at: self.now(),
                version: 0,
            };
            let target = match id {
                Some((i, v)) => Some((i, super::version_required(v)?)),
                None => None,
            };
            store::views::save_layout(c, target, &l, now)?.ok_or_else(|| {
                let (i, v) = target.expect("only an update can be stale");
                super::stale("layout", i, v, store::views::get_layout(c, i).ok().flatten().map(|x| x.version))
            })
        })?;
        self.layout_get(who, id)
    }

    pub(crate) fn layout_list(&self, who: Option<&Who>, dashboard: DashboardKind) -> Result<Vec<Layout>> {
        let kind = crate::store::clients::enum_str(&dashboard);
        self.read(|c| store::views::list_layouts(c, &kind, who.map(|w| w.id)))
    }

    /// A staff member reads their own layouts and the firm defaults; any
    /// other answers as an absent one.
    pub(crate) fn layout_get(&self, who: Option<&Who>, id: Id) -> Result<Layout> {
        self.read(|c| store::views::get_layout(c, id))?
            .filter(|l| visibility::layout_readable(who, l))
            .ok_or(Error::NotFound { entity: "layout", id })
    }

    pub(crate) fn layout_delete(&self, who: Option<&Who>, id: Id) -> Result<crate::protocol::Done> {
        let owner = who.map(|w| w.id);
        self.write(|c| {
            let l = store::views::get_layout(c, id)?
                .filter(|l| visibility::layout_readable(who, l))
                .ok_or(Error::NotFound { entity: "layout", id })?;
            if l.owner != owner {
                return Err(Error::Forbidden {
                    actor: owner.map_or("host".into(), |o| format!("staff {o}")),
                    action: "delete",
                    entity: "a layout it does not own",
                });
            }
            store::views::delete_layout(c, id)?;
            Ok(crate::protocol::Done { done: true })
        })
    }
}

/// A driven interactions search read window by window, newest blocks
/// first (`query/window.rs`): the page's rows once a window holds a full
/// page (and the row after it), `None` when the plain statement must run
/// (no window for this search, the windows grew to half the ids, or
/// [`MAX_WINDOWS`] came back short).
/// The plan leaves without a window.
fn windowed<R: PageRow>(
    c: &mut Conn,
    plan: &mut query::Plan,
    pg: bool,
    columns: &str,
) -> Result<Option<Vec<Keyed<R>>>> {
    // The bounds are SQLite's (PostgreSQL has no index count to size them).
    let mut k = if pg { None } else { plan.first_window_blocks() };
    let mut found = None;
    let mut rounds = 0;
    while let Some(blocks) = k {
        let Some(window) = store::query::window(c, blocks)? else { break };
        k = plan.next_window_blocks(blocks);
        // A page past the window's bound (a deep page) finds nothing in
        // it: a wider window (a window statement, ~k index entries) first.
        if plan.after_date().is_some_and(|at| at <= window.after) {
            continue;
        }
        // Each short window costs its range's matches: after three, the
        // plain statement.
        rounds += 1;
        if rounds > MAX_WINDOWS {
            break;
        }
        plan.window = Some(window);
        let rows = R::load(c, &plan.page_sql(pg, columns));
        plan.window = None;
        let rows = rows?;
        if rows.len() as i64 > plan.limit {
            found = Some(rows);
            break;
        }
    }
    Ok(found)
}

/// Windows read before a search runs its plain statement (`windowed`).
const MAX_WINDOWS: usize = 3;

/// Samples rank `r` of a ranked search and sets its shape
/// ([`query::Plan::ranked_sample_sql`]); nothing for other ranks.
fn sample_rank(c: &mut Conn, plan: &mut query::Plan, pg: bool, r: i64) -> Result<()> {
    if let Some(sample) = plan.ranked_sample_sql(pg, r) {
        let count = store::query::search_sample(c, &sample)?;
        plan.set_ranked_shape(r, &count);
    }
    Ok(())
}

/// A page's items, told why they matched the search.
pub(crate) trait Annotate {
    fn annotate(&mut self, why: &HashMap<Id, MatchedVia>);
}

impl<T> Annotate for Vec<Record<T>> {
    fn annotate(&mut self, why: &HashMap<Id, MatchedVia>) {
        for r in self {
            r.matched_via = why.get(&r.id).cloned();
        }
    }
}

impl Annotate for Vec<GridRow> {
    fn annotate(&mut self, why: &HashMap<Id, MatchedVia>) {
        for r in self {
            r.matched_via = why.get(&r.id).cloned();
        }
    }
}

/// A record's linked records with their texts, as the page statement
/// answered them on PostgreSQL (`Plan::linked_texts_sql`).
fn linked_texts(kind: ListKind, json: &str) -> Result<Vec<(MatchedVia, String)>> {
    Ok(match kind {
        ListKind::Clients => store::from_json::<Vec<(Id, String, String)>>(json, "linked contacts")?
            .into_iter()
            .map(|(id, name, text)| (MatchedVia::Contact { id, name }, text))
            .collect(),
        _ => store::from_json::<Vec<(Id, String, String, String)>>(json, "linked clients")?
            .into_iter()
            .map(|(id, code, name, text)| (MatchedVia::Client { id, code, name }, text))
            .collect(),
    })
}

/// Why each record of a page matched the search, by the reference rule
/// (`memory::search_match`) over the stored index texts: the record's own
/// text (`own`, read by the page statement), else its first matching linked
/// live record (clients: of the actor's offices). `linked`: the linked
/// records already read with the page (PostgreSQL); those of the others
/// that need them are read here.
#[allow(clippy::too_many_arguments)]
fn matched_via(
    c: &mut Conn,
    kind: ListKind,
    keywords: &[String],
    ids: &[Id],
    own: &HashMap<Id, String>,
    mut linked: HashMap<Id, Vec<(MatchedVia, String)>>,
    offices: Option<&[String]>,
    scope: Option<Id>,
) -> Result<HashMap<Id, MatchedVia>> {
    use crate::query::memory::search_match;
    let needed: Vec<Id> = ids
        .iter()
        .copied()
        .filter(|id| !linked.contains_key(id))
        .filter(|id| own.get(id).is_none_or(|t| !keywords.iter().all(|k| crate::query::memory::keyword_matches(t, k))))
        .collect();
    if !needed.is_empty() {
        match kind {
            ListKind::Clients => {
                for (client, id, name, text) in store::query::linked_contact_texts(c, &needed)? {
                    linked.entry(client).or_default().push((MatchedVia::Contact { id, name }, text));
                }
            }
            ListKind::Contacts => {
                for (contact, id, code, name, text) in store::query::linked_client_texts(c, &needed, offices, scope)? {
                    linked.entry(contact).or_default().push((MatchedVia::Client { id, code, name }, text));
                }
            }
            ListKind::Interactions | ListKind::Transfers => {}
        }
    }
    Ok(ids
        .iter()
        .filter_map(|id| {
            let text = own.get(id).map_or("", String::as_str);
            let l = linked.get(id).map_or(&[][..], Vec::as_slice);
            search_match(text, l, keywords).map(|why| (*id, why))
        })
        .collect())
}

/// The shortest SQLite grid page whose names are read after it is cut
/// (`read_names`) rather than by its statement's subqueries.
const NAMES_AFTER_CUT: i64 = 20;

/// The names of the page's clients, contacts and staff members
/// (SQLite: see `visibility::names_lookup_sql`), into `shown`.
fn read_names<R: PageRow>(
    c: &mut Conn,
    records: &[(R, Option<String>)],
    shown: &mut columns::Names,
    offices: Option<&[String]>,
    scope: Option<Id>,
) -> Result<()> {
    let mut ids: [Vec<Id>; 3] = Default::default();
    for (row, _) in records {
        for (which, id) in row.people().into_iter().enumerate() {
            if let Some(id) = id
                && !ids[which].contains(&id)
            {
                ids[which].push(id);
            }
        }
    }
    if ids.iter().all(Vec::is_empty) {
        return Ok(());
    }
    let json = ids.map(|v| serde_json::Value::from(v).to_string());
    let sql = visibility::names_lookup_sql(json, offices, scope);
    for (which, id, name, code) in store::page::names(c, &sql)? {
        let (to_name, to_code) = match which {
            0 => (&mut shown.clients, Some(&mut shown.client_codes)),
            1 => (&mut shown.contacts, None),
            _ => (&mut shown.staff, Some(&mut shown.staff_initials)),
        };
        if let Some(name) = name {
            to_name.insert(id, name);
        }
        if let (Some(to), Some(code)) = (to_code, code) {
            to.insert(id, code);
        }
    }
    Ok(())
}

/// The import keys of `contacts` whose names the page shows: a contact in
/// the trash, or of another office's clients alone, is named by neither
/// (`visibility::contact_shown` decides the names).
fn shown_keys(c: &mut Conn, contacts: &[Id], names: &columns::Names) -> Result<HashMap<Id, String>> {
    let shown: Vec<Id> = contacts.iter().copied().filter(|id| names.contacts.contains_key(id)).collect();
    store::bulk::contact_keys_of(c, &shown)
}

/// Records projected on the chosen columns.
fn grid_rows<T>(
    recs: &[Record<T>],
    columns: &[String],
    cell: impl Fn(&Record<T>, &str) -> serde_json::Value,
) -> Vec<GridRow> {
    recs.iter()
        .map(|r| GridRow {
            id: r.id,
            version: r.version,
            cells: columns.iter().map(|c| cell(r, c)).collect(),
            matched_via: r.matched_via.clone(),
        })
        .collect()
}

/// A page's rows as records, with their people in charge.
pub(crate) fn client_records(
    c: &mut Conn,
    rows: Vec<(store::clients::Row, Option<String>)>,
) -> Result<Vec<Record<ClientData>>> {
    client_records_named(rows, !c.is_pg(), None)
}

/// [`client_records`], adding the people in charge's names to `names`;
/// `sort_tags` on SQLite (`store::page::attached_client`).
fn client_records_named(
    rows: Vec<(store::clients::Row, Option<String>)>,
    sort_tags: bool,
    mut names: Option<&mut columns::Names>,
) -> Result<Vec<Record<ClientData>>> {
    // A loop into a vector of the page's size: collected from the rows'
    // vector, the records (larger than rows) were written in place and
    // the buffer then grown and copied.
    let mut out = Vec::with_capacity(rows.len());
    for (row, att) in rows {
        let mut rec = row.into_record()?;
        let (assignments, staff, tags) = store::page::attached_client(att.as_deref(), sort_tags)?;
        rec.data.assignments = assignments;
        rec.data.tags = tags;
        if let Some(n) = names.as_deref_mut() {
            for (id, name, initials) in staff {
                add_staff_name(n, id, (name, initials));
            }
        }
        out.push(rec);
    }
    Ok(out)
}

/// A page's rows as records.
pub(crate) fn contact_records(
    c: &mut Conn,
    rows: Vec<(store::contacts::Row, Option<String>)>,
) -> Result<Vec<Record<ContactData>>> {
    let sort_tags = !c.is_pg();
    rows.into_iter()
        .map(|(r, att)| {
            let mut rec = r.into_record()?;
            rec.data.tags = store::page::attached_tags(att.as_deref(), sort_tags)?;
            Ok(rec)
        })
        .collect()
}

/// Records a staff member's (name, initials) for a grid's cells.
fn add_staff_name(names: &mut columns::Names, id: Id, (name, initials): (String, String)) {
    names.staff.insert(id, name);
    names.staff_initials.insert(id, initials);
}

/// A page's rows as records, with their follow-ups.
pub(crate) fn interaction_records(
    _: &mut Conn,
    rows: Vec<(store::interactions::Row, Option<String>)>,
) -> Result<Vec<Record<InteractionData>>> {
    interaction_records_named(rows, None)
}

/// [`interaction_records`], adding the names of the follow-ups' assignees
/// and of whom messages were taken for to `names`.
fn interaction_records_named(
    rows: Vec<(store::interactions::Row, Option<String>)>,
    mut names: Option<&mut columns::Names>,
) -> Result<Vec<Record<InteractionData>>> {
    rows.into_iter()
        .map(|(row, att)| {
            let mut rec = row.into_record()?;
            let attached = store::page::attached_follow_up(att.as_deref())?;
            if let Some(n) = names.as_deref_mut() {
                let people = [
                    (attached.follow_up.as_ref().map(|f| f.assignee_id), attached.assignee),
                    (rec.data.taken_for_id, attached.taken_for),
                ];
                for (id, who) in people {
                    if let (Some(id), Some(who)) = (id, who) {
                        add_staff_name(n, id, who);
                    }
                }
            }
            rec.data.follow_up = attached.follow_up;
            Ok(rec)
        })
        .collect()
}

/// A page's transfers as of `now` (see `transfers::expired_as_of`).
pub(crate) fn transfer_records(
    rows: Vec<(store::transfers::Row, Option<String>)>,
    now: DateTime<Utc>,
) -> Result<Vec<Record<TransferData>>> {
    rows.into_iter().map(|(r, _)| Ok(super::transfers::expired_as_of(r.into_record()?, now))).collect()
}

/// A staff member's saved choice without the columns the firm has removed
/// since it was saved (a role deleted): the rest of
/// the choice still shows, where refusing it would close their list until
/// the host saved a new choice. A choice asked for in the request is
/// checked whole (`pick_columns`); a saved one that no longer names any
/// column gives way to the defaults.
fn saved_still_shown(catalogue: &[ColumnDef], saved: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::with_capacity(saved.len());
    for id in saved {
        if catalogue.iter().any(|c| c.id == id) && !kept.contains(&id) {
            kept.push(id);
        }
    }
    kept
}

/// The catalogue entries for `ids`, refusing unknown or repeated ones.
fn pick_columns(catalogue: &[ColumnDef], ids: &[String]) -> Result<Vec<ColumnDef>> {
    if ids.is_empty() {
        return Err(Error::validation("columns", "required", "choose at least one column"));
    }
    let mut out: Vec<ColumnDef> = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(c) = catalogue.iter().find(|c| &c.id == id) else {
            let known: Vec<&str> = catalogue.iter().map(|c| c.id.as_str()).collect();
            return Err(Error::validation(
                "columns",
                "unknown_column",
                format!("no column '{id}'; columns: {}", known.join(", ")),
            ));
        };
        if out.iter().any(|o| &o.id == id) {
            return Err(Error::validation("columns", "duplicate", format!("column '{id}' is chosen twice")));
        }
        out.push(c.clone());
    }
    Ok(out)
}

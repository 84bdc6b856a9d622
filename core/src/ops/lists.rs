//! The four lists through the query engine, the grid projection, the field
//! chooser, saved views and layouts.

use crate::domain::*;
use crate::engine::{Action, Engine, Entity, Who};
use crate::error::{Error, Result};
use crate::protocol::{ChoiceInfo, DashboardKind, FieldInfo, Grid, GridRow, Layout, SavedView};
use crate::query::columns::{self, ColumnDef};
use crate::query::{self, Constraint, ListKind, ListQuery, PlanInput};
use crate::store::{self, Conn};
use crate::time::ms;
use crate::visibility;

/// The most records one client code, initials or contact name may name.
const PEOPLE: i64 = query::fields::MAX_PEOPLE as i64;
use std::collections::HashMap;

fn entity(kind: ListKind) -> Entity {
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

    /// Plans and runs a list request, and loads the page's records with
    /// `load` — all in one read transaction (one round trip each, no
    /// BEGIN/COMMIT between them).
    pub(crate) fn list_page<T>(
        &self,
        who: &Who,
        kind: ListKind,
        query: &ListQuery,
        constraints: Vec<Constraint>,
        load: impl FnOnce(&mut Conn, &[Id]) -> Result<T>,
    ) -> Result<(T, Option<String>, Option<u64>)>
    where
        T: Annotate,
    {
        who.require(entity(kind), Action::View)?;
        let mut constraints = constraints;
        constraints.extend(visibility::scope_constraint(who, kind));
        if matches!(kind, ListKind::Interactions | ListKind::Transfers) {
            self.sweep_expired()?;
        }
        let pg = self.is_postgres();
        let explain = EXPLAIN.with(|e| e.borrow().is_some());
        self.read(|c| {
            let custom =
                if kind == ListKind::Interactions { store::interactions::custom_defs(c, None)? } else { Vec::new() };
            let roles = if kind == ListKind::Clients { store::assignments::roles(c)? } else { Vec::new() };
            let mut people = |l: &query::fields::Lookup| store::query::people(c, l, who.offices(), who.scope, PEOPLE);
            let plan = query::plan(PlanInput {
                kind,
                query,
                custom: &custom,
                roles: &roles,
                constraints,
                offices: who.offices().map(<[String]>::to_vec),
                scope: who.scope,
                today: self.today(),
                fiscal_year_start_month: self.config().fiscal_year_start_month,
                tz: self.tz,
                actor: Some(who.id),
                people: &mut people,
            })?;
            if explain {
                let lines = store::query::explain(c, &plan.page_sql(pg))?;
                EXPLAIN.with(|e| e.borrow_mut().as_mut().map(|v| v.extend(lines)));
            }
            let mut keys = store::query::keys(c, &plan.page_sql(pg), &plan.sort.field)?;
            let total = if plan.count { Some(store::query::count(c, &plan.count_sql(pg))?) } else { None };
            let more = keys.len() as i64 > plan.limit;
            keys.truncate(plan.limit as usize);
            let next_cursor = if more { keys.last().map(query::Key::encode) } else { None };
            let ids: Vec<Id> = keys.iter().map(|k| k.id).collect();
            let mut page = load(c, &ids)?;
            if query.search.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                let why = matched_via(c, kind, &plan.search, &ids, who.offices(), who.scope)?;
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
            self.read(|c| visibility::client(c, who, id))?;
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
        let roles = if list == ListKind::Clients { self.read(store::assignments::roles)? } else { Vec::new() };
        Ok(columns::catalogue(list, &roles))
    }

    fn chosen_columns(&self, who: &Who, list: ListKind, asked: Option<Vec<String>>) -> Result<Vec<ColumnDef>> {
        let catalogue = self.columns_catalogue(list)?;
        let ids = match asked {
            Some(a) => a,
            None => match self.read(|c| store::views::get_columns(c, who.id, list))? {
                Some(saved) => saved,
                None => catalogue.iter().filter(|c| c.default_visible).map(|c| c.id.clone()).collect(),
            },
        };
        pick_columns(&catalogue, &ids)
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
        query: &ListQuery,
        scope: Vec<Constraint>,
    ) -> Result<Grid> {
        let cols = self.chosen_columns(who, list, columns)?;
        let mut constraints = scope;
        match list {
            ListKind::Clients | ListKind::Contacts => {
                if let Some(id) = client {
                    self.read(|c| visibility::client(c, who, id))?;
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
                if last_30_days || open_only {
                    return Err(Error::validation(
                        "last_30_days",
                        "not_for_kind",
                        "only for interactions and transfers",
                    ));
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
                    self.read(|c| visibility::client(c, who, id))?;
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
        let ids: Vec<String> = cols.iter().map(|c| c.id.clone()).collect();
        let tz = self.tz;
        let (rows, next_cursor, total) = self.list_page(who, list, query, constraints, |c, page| {
            Ok(match list {
                ListKind::Clients => {
                    let recs = client_records(c, page)?;
                    let names = visibility::names(
                        c,
                        who,
                        vec![],
                        vec![],
                        recs.iter().flat_map(|r| r.data.assignments.iter().map(|a| a.staff_id)).collect(),
                    )?;
                    grid_rows(&recs, &ids, |r, col| columns::client_cell(r, col, &names, tz))
                }
                ListKind::Contacts => {
                    grid_rows(&contact_records(c, page)?, &ids, |r, col| columns::contact_cell(r, col, tz))
                }
                ListKind::Interactions => {
                    let recs = interaction_records(c, page)?;
                    let names = visibility::names(
                        c,
                        who,
                        recs.iter().filter_map(|r| r.data.client_id).collect(),
                        recs.iter().filter_map(|r| r.data.contact_id).collect(),
                        recs.iter()
                            .flat_map(|r| {
                                let d = &r.data;
                                [d.staff_id, d.taken_for_id, d.follow_up.as_ref().map(|f| f.assignee_id)]
                            })
                            .flatten()
                            .collect(),
                    )?;
                    grid_rows(&recs, &ids, |r, col| columns::interaction_cell(r, col, &names, tz))
                }
                ListKind::Transfers => {
                    let recs = transfer_records(c, page)?;
                    let names = visibility::names(
                        c,
                        who,
                        recs.iter().map(|r| r.data.client_id).collect(),
                        recs.iter().map(|r| r.data.to_contact).collect(),
                        recs.iter().map(|r| r.data.from_staff).collect(),
                    )?;
                    grid_rows(&recs, &ids, |r, col| columns::transfer_cell(r, col, &names, tz))
                }
            })
        })?;
        let (total, total_capped) = query::capped_total(total);
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
            let mut people = |l: &query::fields::Lookup| store::query::people(c, l, offices, None, PEOPLE);
            let plan = query::plan(PlanInput {
                kind: list,
                query: &query,
                custom: &custom,
                roles: &roles,
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
            self.read(|c| {
                let custom = store::interactions::custom_defs(c, None)?;
                let roles = store::assignments::roles(c)?;
                let mut people = |l: &query::fields::Lookup| store::query::people(c, l, w.offices(), w.scope, PEOPLE);
                query::plan(PlanInput {
                    kind: list,
                    query: &query,
                    custom: &custom,
                    roles: &roles,
                    constraints: vec![],
                    offices: w.offices().map(<[String]>::to_vec),
                    scope: w.scope,
                    today: self.today(),
                    fiscal_year_start_month: self.config().fiscal_year_start_month,
                    tz: self.tz,
                    actor: Some(w.id),
                    people: &mut people,
                })
            })?;
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

/// Why each record of a page matched the search, by the reference rule
/// (`memory::search_match`) over the stored index texts: the record's own
/// text, else its first matching linked live record (clients: of the
/// actor's offices). A record the rule does not match (changed since the
/// page query) gets nothing.
fn matched_via(
    c: &mut Conn,
    kind: ListKind,
    keywords: &[String],
    ids: &[Id],
    offices: Option<&[String]>,
    scope: Option<Id>,
) -> Result<HashMap<Id, MatchedVia>> {
    use crate::query::memory::search_match;
    let own = store::query::search_texts(c, kind.as_str(), ids)?;
    let mut linked: HashMap<Id, Vec<(MatchedVia, String)>> = HashMap::new();
    let needed: Vec<Id> = ids
        .iter()
        .copied()
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

pub(crate) fn client_records(c: &mut Conn, ids: &[Id]) -> Result<Vec<Record<ClientData>>> {
    let rows = store::clients::by_ids(c, ids)?;
    store::clients::records(c, rows)
}

pub(crate) fn contact_records(c: &mut Conn, ids: &[Id]) -> Result<Vec<Record<ContactData>>> {
    store::contacts::by_ids(c, ids)?.into_iter().map(|r| r.into_record()).collect()
}

pub(crate) fn interaction_records(c: &mut Conn, ids: &[Id]) -> Result<Vec<Record<InteractionData>>> {
    let rows = store::interactions::by_ids(c, ids)?;
    store::interactions::records(c, rows)
}

pub(crate) fn transfer_records(c: &mut Conn, ids: &[Id]) -> Result<Vec<Record<TransferData>>> {
    store::transfers::by_ids(c, ids)?.into_iter().map(|r| r.into_record()).collect()
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

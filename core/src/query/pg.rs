//! PostgreSQL's searches in one statement.
//!
//! On SQLite a search that depends on how common its keywords are takes a
//! small statement first (the sample, `search.rs`), and a ranked search
//! (clients, contacts under their default sort) is read rank after rank,
//! one statement per rank until the page is full. Each statement is
//! in-process there; on PostgreSQL each is a round trip. Here the same
//! shapes are one statement, the choices made by the server:
//!
//! - **interactions, transfers** (default sort): the sample is a
//!   `MATERIALIZED` CTE answering the shape (`-1` walk, `i` the driving
//!   keyword), computed as [`search::choose`] does (keywords the server's
//!   statistics call common over the list walk without it:
//!   [`search::common_by_statistics`]); the page statement of
//!   every shape is an arm of a `UNION ALL`, each behind a condition on
//!   that answer. The condition refers to no row, so PostgreSQL makes it a
//!   one-time filter (a gating `Result`): the arms not chosen never run.
//! - **clients, contacts, ranked**: each rank's statement
//!   ([`Plan::ranked_tier_sql`], cut at the page) is a `MATERIALIZED` CTE;
//!   ranks 2 and 3 run only while the ranks before them left room (again
//!   a one-time filter, on their row counts), and reach their rows by
//!   walking the name index or through the keyword index as a sample
//!   says (a CTE, read only with its rank): how many of the newest
//!   [`search::RANKED_SAMPLE`] records by id match the keywords — the
//!   list's own for rank 2, the linked table's for rank 3. By id, not in
//!   name order as on SQLite: names are filed "Last, First", so the first
//!   rows in name order are one family's, and reading each one's links was
//!   most of the statement's time. The page
//!   is the first rows of their union in (rank, key, id) order: the rows
//!   and order of ranking the whole match set. The folded names are
//!   `COLLATE "C"` columns, so their indexes serve the key order.
//!
//! A CTE runs only when something reads it, and a one-time filter's
//! subqueries (InitPlans) only when it is evaluated, so what SQLite
//! leaves unread here is not read either.

use super::search::{self, Shape};
use super::sql::{Sql, keyword_words};
use super::{ListKind, Plan, default_sort};

impl Plan {
    /// The page statement of a PostgreSQL search whose shape depends on its
    /// keywords (see the module docs); `None` for any other request.
    pub(super) fn pg_page_sql(&self, pg: bool, columns: &str) -> Option<Sql> {
        if !pg || self.search_query(true).is_none() {
            return None;
        }
        if self.ranked() {
            return Some(self.pg_ranked_sql(columns));
        }
        let order = match self.kind {
            ListKind::Interactions => "t.occurred_at DESC, t.id DESC",
            ListKind::Transfers => "t.sent_at DESC, t.id DESC",
            ListKind::Clients | ListKind::Contacts => return None,
        };
        // Only the plan not yet shaped (its arms are shaped plans).
        if self.sort.field != default_sort(self.kind) || self.search_shape != Shape::Index {
            return None;
        }
        Some(self.pg_sampled_sql(columns, order))
    }

    /// Interactions and transfers: the sample and every shape's page, the
    /// shape chosen by the sample.
    fn pg_sampled_sql(&self, columns: &str, order: &str) -> Sql {
        let k = &self.search;
        let mut sql = Sql::new(true);
        // The counts, as `search::sample_sql` takes them.
        sql.push("WITH smp AS MATERIALIZED (SELECT CASE WHEN s1.na >= ");
        sql.push(&search::WALK_MIN.to_string());
        sql.push(" THEN -1 ELSE (SELECT v.i FROM (VALUES ");
        let with_words: Vec<usize> = (0..k.len()).filter(|&i| !keyword_words(&k[i]).is_empty()).collect();
        for (j, &i) in with_words.iter().enumerate() {
            // The rarest keyword; among equals the one with the longest
            // word, then the first (`search::choose`).
            let longest = keyword_words(&k[i]).iter().map(|w| w.chars().count()).max().unwrap_or(0);
            sql.push(&format!("{}({i}, s1.n{i}, {longest})", if j > 0 { ", " } else { "" }));
        }
        sql.push(") v(i, n, l) ORDER BY v.n, v.l DESC, v.i LIMIT 1) END AS c FROM (SELECT ");
        for (i, kw) in k.iter().enumerate() {
            sql.push("COALESCE(SUM(CASE WHEN ");
            search::check_sql(&mut sql, "s", kw);
            sql.push(&format!(" THEN 1 ELSE 0 END), 0) AS n{i}, "));
        }
        sql.push("COALESCE(SUM(CASE WHEN ");
        search::check_all_sql(&mut sql, "s", k);
        sql.push(&format!(
            " THEN 1 ELSE 0 END), 0) AS na FROM (SELECT t.search_text AS search_text FROM {} t \
             WHERE t.trash_id IS NULL ORDER BY {order} LIMIT {}) s) s1) SELECT * FROM (",
            self.kind.as_str(),
            search::SAMPLE
        ));
        let shapes = std::iter::once((Shape::Walk, -1)).chain(with_words.iter().map(|&i| (Shape::Driver(i), i as i64)));
        for (j, (shape, code)) in shapes.enumerate() {
            if j > 0 {
                sql.push(" UNION ALL ");
            }
            let mut arm = self.clone();
            arm.search_shape = shape;
            sql.push("SELECT * FROM (").append(&arm.page_sql(true, columns));
            sql.push(&format!(") a{j} WHERE (SELECT c FROM smp) = {code}"));
        }
        let dir = if self.sort.desc { "DESC" } else { "ASC" };
        let key = if self.sort.text() { "kt COLLATE \"C\"" } else { "ki" };
        sql.push(&format!(") u ORDER BY {key} {dir}, id {dir}"));
        // Its page sizes are written in (`Sql::limits_written`).
        sql.limits_written = true;
        sql
    }

    /// Clients and contacts, ranked: rank after rank while the page has
    /// room, in one statement.
    fn pg_ranked_sql(&self, columns: &str) -> Sql {
        let n = self.limit + 1;
        let from = self.after.as_ref().map_or(0, |k| k.rk).clamp(0, 3);
        let walk = Plan { ranked_shape: search::Ranked { own_walk: true, linked_walk: true }, ..self.clone() };
        let index = Plan { ranked_shape: search::Ranked::default(), ..self.clone() };
        let mut sql = Sql::new(true);
        sql.push("WITH ");
        if self.count_inline(true) {
            // Every tier's rows carry the count of the whole match set
            // (`Plan::select_sql`).
            sql.push("cnt AS MATERIALIZED (").append(&self.count_sql(true)).push("), ");
        }
        for r in from..=3 {
            if r > from {
                sql.push(", ");
            }
            // Room left by the ranks before this one (none read: room).
            let room = if r == from {
                "true".to_string()
            } else {
                let before: Vec<String> = (from..r).map(|p| format!("(SELECT count(*) FROM r{p})")).collect();
                format!("{} < {n}", before.join(" + "))
            };
            if r < 2 {
                sql.push(&format!("r{r} AS MATERIALIZED (SELECT * FROM ("));
                sql.append(&self.ranked_tier_sql(true, columns, r, n));
                sql.push(&format!(") x WHERE {room})"));
                continue;
            }
            // The sample this rank's shape depends on (read only with it).
            let (own_table, linked_table, linked_min) = match self.kind {
                // A client has about three contacts: a contact in 60 matching
                // makes about one client in 20 found through one.
                ListKind::Clients => ("clients", "contacts", search::LINKED_WALK_MIN.div_ceil(3)),
                _ => ("contacts", "clients", search::LINKED_WALK_MIN),
            };
            let (cte, table) = if r == 2 { ("so", own_table) } else { ("sl", linked_table) };
            sql.push(&format!(
                "{cte} AS MATERIALIZED (SELECT count(*) AS n FROM (SELECT s.search_text FROM {table} s \
                 WHERE s.trash_id IS NULL ORDER BY s.id DESC LIMIT {}) s WHERE ",
                search::RANKED_SAMPLE
            ));
            search::check_all_sql(&mut sql, "s", &self.search);
            sql.push("), ");
            let walks = if r == 2 {
                format!("(SELECT n FROM so) >= {}", search::OWN_WALK_MIN)
            } else {
                format!("(SELECT n FROM sl) >= {linked_min}")
            };
            sql.push(&format!("r{r} AS MATERIALIZED (SELECT * FROM ("));
            sql.append(&walk.ranked_tier_sql(true, columns, r, n));
            sql.push(&format!(") w WHERE CASE WHEN {room} THEN {walks} ELSE false END UNION ALL SELECT * FROM ("));
            sql.append(&index.ranked_tier_sql(true, columns, r, n));
            sql.push(&format!(") x WHERE CASE WHEN {room} THEN NOT ({walks}) ELSE false END)"));
        }
        sql.push(" SELECT * FROM (");
        for r in from..=3 {
            if r > from {
                sql.push(" UNION ALL ");
            }
            sql.push(&format!("SELECT * FROM r{r}"));
        }
        let key = if self.sort.text() { "kt COLLATE \"C\"" } else { "ki" };
        let dir = if self.sort.desc { "DESC" } else { "ASC" };
        sql.push(&format!(") u ORDER BY rk ASC, {key} {dir}, id {dir} LIMIT ")).bind_int(n);
        sql
    }
}

impl Plan {
    /// Whether the page statement answers, for each row its own text does
    /// not match, its linked records' texts (PostgreSQL's client and
    /// contact searches): why the row matched is then told without a
    /// statement more ([`Plan::linked_texts_sql`]).
    pub(crate) fn linked_texts_inline(&self, pg: bool) -> bool {
        pg && matches!(self.kind, ListKind::Clients | ListKind::Contacts) && self.search_query(pg).is_some()
    }

    /// The five name columns of a client or contact search's page on
    /// PostgreSQL (clients and contacts show no names): four NULLs, then
    /// NULL when the row's own text matches every keyword, else its live
    /// linked records as JSON — a client's contacts `[id, file-as name,
    /// text]` by file-as name and id, a contact's clients the actor sees
    /// `[id, code, name, text]` by code and id: what
    /// `store::query::linked_contact_texts` and `linked_client_texts`
    /// answer.
    pub(super) fn linked_texts_sql(&self, sql: &mut Sql) {
        sql.push(", CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CASE WHEN ");
        search::check_all_sql(sql, "t", &self.search);
        match self.kind {
            ListKind::Clients => {
                sql.push(
                    " THEN NULL ELSE COALESCE((SELECT json_agg(json_build_array(k.id, k.file_as, k.search_text) \
                     ORDER BY k.file_as_fold, k.id)::text FROM contact_links l JOIN contacts k ON k.id = l.contact_id \
                     WHERE l.client_id = t.id AND k.trash_id IS NULL",
                );
            }
            _ => {
                sql.push(
                    " THEN NULL ELSE COALESCE((SELECT json_agg(json_build_array(k.id, k.code, k.name, k.search_text) \
                     ORDER BY k.code_key, k.id)::text FROM contact_links l JOIN clients k ON k.id = l.client_id \
                     WHERE l.contact_id = t.id AND k.trash_id IS NULL",
                );
                if let Some(o) = &self.offices {
                    sql.push(" AND k.office IN ");
                    crate::visibility::office_list_sql(sql, o);
                }
                if let Some(x) = self.scope {
                    sql.push(" AND k.id = ").bind_int(x);
                }
            }
        }
        sql.push("), '[]') END");
    }
}

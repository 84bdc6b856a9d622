//! A tile's `grid.query` that outlives a column the firm removed after the
//! tile was set up.
//!
//! A dashboard layout keeps each tile's chosen columns (`columns` of its
//! settings). When the firm later deletes a role that one of them names,
//! the engine refuses the request (`validation` on `columns`,
//! `unknown_column`), and the tile would fail until someone edits the
//! layout. [`grid_query`] asks once more with the columns the
//! list still has (`columns.catalogue`), as the engine does for a staff
//! member's saved choice.

use serde_json::{Value, json};

use crate::{DataContext, ErrorBody, LogLevel};

/// Sends `request` (a `grid.query`, `columns` among its keys or not). If
/// the engine refuses its columns, sends it again with those of them the
/// list's catalogue still holds, in their order and once each; when none
/// is left, with `defaults`, or without `columns` at all (the staff
/// member's choice, else the list's defaults) when `defaults` is `None`.
/// Any other answer, and the second one, is the caller's as is.
pub fn grid_query(ctx: &dyn DataContext, request: &Value, defaults: Option<&[&str]>) -> Result<Value, ErrorBody> {
    let first = ctx.request(request);
    let refused = matches!(&first, Err(e) if e.code == "validation" && e.field.as_deref() == Some("columns"));
    if !refused || request.get("columns").is_none() {
        return first;
    }
    // The catalogue unread, the refusal stays the answer (its real cause).
    let Ok(catalogue) = ctx.request(&json!({"op": "columns.catalogue", "list": request["list"]})) else {
        return first;
    };
    let known: Vec<&str> =
        catalogue.as_array().map(|a| a.iter().filter_map(|c| c["id"].as_str()).collect()).unwrap_or_default();
    // The columns still there, in their order and once each; the others
    // are said in the log: such a tile pays two requests more per render
    // until its layout is edited.
    let (mut kept, mut dropped): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for id in request["columns"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        match (known.contains(&id), kept.contains(&id)) {
            (true, false) => kept.push(id),
            (true, true) => {}
            (false, _) => dropped.push(id),
        }
    }
    if !dropped.is_empty() {
        ctx.log(
            LogLevel::Warn,
            &format!("the tile's columns {dropped:?} are no longer in the list's catalogue; edit its layout"),
        );
    }
    let mut again = request.clone();
    match (kept.is_empty(), defaults) {
        (false, _) => again["columns"] = json!(kept),
        (true, Some(d)) => again["columns"] = json!(d),
        (true, None) => {
            if let Some(o) = again.as_object_mut() {
                o.remove("columns");
            }
        }
    }
    ctx.request(&again)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FakeContext;

    /// A fake engine whose clients' catalogue is `code`, `name`, `city`
    /// and which refuses any other column as the engine does.
    fn engine() -> FakeContext {
        FakeContext::new(|r| {
            let known = ["code", "name", "city"];
            match r["op"].as_str() {
                Some("columns.catalogue") => Ok(json!(known.iter().map(|id| json!({"id": id})).collect::<Vec<_>>())),
                Some("grid.query") => {
                    let cols: Vec<&str> = match r.get("columns") {
                        Some(c) => c.as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect(),
                        None => vec!["saved"],
                    };
                    if let Some(bad) = cols.iter().find(|c| **c != "saved" && !known.contains(c)) {
                        let mut e = ErrorBody::new("validation", format!("no column '{bad}'"));
                        e.field = Some("columns".into());
                        return Err(e);
                    }
                    Ok(json!({"columns": cols}))
                }
                _ => Err(ErrorBody::new("bad_request", "unexpected op")),
            }
        })
    }

    #[test]
    fn a_removed_column_drops_out_and_the_rest_stays_in_order() {
        let ctx = engine();
        let r = json!({"op": "grid.query", "list": "clients", "columns": ["city", "role.compte", "code", "city"]});
        let answer = grid_query(&ctx, &r, None).unwrap();
        assert_eq!(answer["columns"], json!(["city", "code"]));
        let logs = ctx.logs();
        assert!(logs.len() == 1 && logs[0].1.contains("role.compte"), "{logs:?}");
        let ops: Vec<Value> = ctx.requests().iter().map(|r| r["op"].clone()).collect();
        assert_eq!(ops, [json!("grid.query"), json!("columns.catalogue"), json!("grid.query")]);
    }

    #[test]
    fn nothing_left_means_the_defaults_or_the_staff_members_choice() {
        let r = json!({"op": "grid.query", "list": "clients", "columns": ["role.compte"]});
        let answer = grid_query(&engine(), &r, Some(&["code", "name"])).unwrap();
        assert_eq!(answer["columns"], json!(["code", "name"]));
        let answer = grid_query(&engine(), &r, None).unwrap();
        assert_eq!(answer["columns"], json!(["saved"]));
    }

    #[test]
    fn an_unread_catalogue_leaves_the_refusal_as_the_answer() {
        let ctx = FakeContext::new(|r| {
            let mut e = ErrorBody::new("validation", if r["op"] == "grid.query" { "no column" } else { "other" });
            e.field = Some("columns".into());
            Err(e)
        });
        let r = json!({"op": "grid.query", "list": "clients", "columns": ["role.compte"]});
        assert_eq!(grid_query(&ctx, &r, None).unwrap_err().message, "no column");
        assert_eq!(ctx.requests().len(), 2);
    }

    #[test]
    fn columns_that_hold_cost_one_request_and_other_errors_pass_through() {
        let ctx = engine();
        let r = json!({"op": "grid.query", "list": "clients", "columns": ["code"]});
        assert_eq!(grid_query(&ctx, &r, None).unwrap()["columns"], json!(["code"]));
        assert_eq!(ctx.requests().len(), 1);
        let ctx = FakeContext::failing(ErrorBody::new("forbidden", "no"));
        let e = grid_query(&ctx, &r, None).unwrap_err();
        assert_eq!(e.code, "forbidden");
        assert_eq!(ctx.requests().len(), 1);
    }
}

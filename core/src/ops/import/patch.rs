//! Import as a patch: with `on_existing: update` and `options.given`, a row
//! replaces only the fields it gives (paths such as `name`,
//! `phones[0].number`, `address.city`); every other field keeps the
//! record's value. A given path the row has no value at clears that field
//! (a list entry whose cell is cleared leaves the list).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Problem;

/// `a.b[0].c` as (`a`, None), (`b`, Some(0)), (`c`, None).
fn segments(path: &str) -> Option<Vec<(&str, Option<usize>)>> {
    path.split('.')
        .map(|s| match s.split_once('[') {
            Some((k, rest)) => rest.strip_suffix(']')?.parse().ok().map(|i| (k, Some(i))),
            None => Some((s, None)),
        })
        .map(|seg| seg.filter(|(k, _)| !k.is_empty()))
        .collect()
}

fn bad_path(path: &str) -> Problem {
    Problem::new(
        "options.given",
        "invalid_value",
        format!("'{path}' is not a field path of this kind of record"),
        format!("« {path} » n'est pas un chemin de champ de ce genre de fiche"),
    )
}

/// Copies the row's value at `segs` onto `dst` (or clears it there).
/// Array entries cleared become `null` first and are dropped at the end,
/// so two paths into one entry see the same indexes.
fn apply(dst: &mut Value, src: Option<&Value>, segs: &[(&str, Option<usize>)], path: &str) -> Result<(), Problem> {
    let Some(((key, index), rest)) = segs.split_first() else { return Ok(()) };
    let Some(map) = dst.as_object_mut() else {
        return Ok(());
    };
    let src_field = src.and_then(|s| s.get(*key)).filter(|v| !v.is_null());
    let Some(i) = index else {
        if rest.is_empty() {
            match src_field {
                Some(v) => {
                    map.insert(key.to_string(), v.clone());
                }
                None => {
                    map.remove(*key);
                }
            }
            return Ok(());
        }
        return match map.get_mut(*key) {
            Some(child) if child.is_object() => apply(child, src_field, rest, path),
            _ => {
                if let Some(v) = src_field {
                    map.insert(key.to_string(), v.clone());
                }
                Ok(())
            }
        };
    };
    let src_entry = src_field.and_then(|v| v.get(*i)).filter(|v| !v.is_null());
    let list = map.entry(key.to_string()).or_insert_with(|| Value::Array(Vec::new()));
    let Some(list) = list.as_array_mut() else { return Err(bad_path(path)) };
    match (list.get_mut(*i), src_entry) {
        // The row has no such entry: the record's entry leaves the list.
        (Some(entry), None) => *entry = Value::Null,
        (Some(entry), Some(v)) if !rest.is_empty() && entry.is_object() => apply(entry, Some(v), rest, path)?,
        (Some(entry), Some(v)) => *entry = v.clone(),
        (None, Some(v)) => list.push(v.clone()),
        (None, None) => {}
    }
    Ok(())
}

fn drop_cleared(v: &mut Value) {
    match v {
        Value::Array(list) => {
            list.retain(|e| !e.is_null());
            list.iter_mut().for_each(drop_cleared);
        }
        Value::Object(map) => map.values_mut().for_each(drop_cleared),
        _ => {}
    }
}

/// `current` with the fields at `paths` taken from `row`.
pub(crate) fn patch<T: Serialize + DeserializeOwned>(current: &T, row: &T, paths: &[String]) -> Result<T, Problem> {
    let internal = |e: serde_json::Error| {
        Problem::new("data", "invalid_value", format!("cannot merge the row: {e}"), format!("fusion impossible : {e}"))
    };
    let mut dst = serde_json::to_value(current).map_err(internal)?;
    let src = serde_json::to_value(row).map_err(internal)?;
    for path in paths {
        let segs = segments(path).filter(|s| !s.is_empty() && path.len() <= 200).ok_or_else(|| bad_path(path))?;
        apply(&mut dst, Some(&src), &segs, path)?;
    }
    drop_cleared(&mut dst);
    serde_json::from_value(dst).map_err(|e| {
        let first = paths.first().map(String::as_str).unwrap_or("data");
        Problem::new(
            first,
            "invalid_value",
            format!("the record with the row's fields is not valid: {e}"),
            format!("la fiche avec les champs de la ligne n'est pas valide : {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(current: Value, row: Value, paths: &[&str]) -> Value {
        let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        patch(&current, &row, &paths).map_err(|p| p.en).unwrap()
    }

    #[test]
    fn only_given_fields_change() {
        let cur =
            json!({"code": "A", "name": "Avant", "notes": "Garder", "phones": [{"number": "1"}, {"number": "2"}]});
        let row = json!({"code": "A", "name": "Après", "phones": [{"number": "9"}]});
        assert_eq!(
            run(cur.clone(), row.clone(), &["code", "name"]),
            json!({"code": "A", "name": "Après", "notes": "Garder", "phones": [{"number": "1"}, {"number": "2"}]})
        );
        assert_eq!(
            run(cur.clone(), row.clone(), &["phones[0].number"]),
            json!({"code": "A", "name": "Avant", "notes": "Garder", "phones": [{"number": "9"}, {"number": "2"}]})
        );
        // Given without a value: cleared; a list entry leaves the list.
        assert_eq!(
            run(cur, row, &["notes", "phones[1].number"]),
            json!({"code": "A", "name": "Avant", "phones": [{"number": "1"}]})
        );
    }

    #[test]
    fn entries_and_objects_are_made_when_missing() {
        let cur = json!({"name": "Hélène"});
        let row = json!({"address": {"city": "Québec"}, "emails": [{"address": "h@x.ca"}]});
        assert_eq!(
            run(cur, row, &["address.city", "emails[0].address"]),
            json!({"name": "Hélène", "address": {"city": "Québec"}, "emails": [{"address": "h@x.ca"}]})
        );
    }

    #[test]
    fn bad_paths_are_refused() {
        for p in ["", "a..b", "a[x]", "a[0"] {
            assert!(patch(&json!({}), &json!({}), &[p.to_string()]).is_err(), "{p}");
        }
    }
}

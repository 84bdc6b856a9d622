//! Opaque keyset cursors: the sort key of the last row of a page.
//!
//! A cursor is text the caller hands back unchanged; a forged or corrupt
//! one is refused with `bad_request`, never trusted into SQL (its parts are
//! bound as parameters).

use crate::domain::Id;
use crate::error::{Error, Result};

fn bad() -> Error {
    Error::bad_request("invalid cursor (pass back next_cursor unchanged)")
}

/// A `(text key, id)` cursor.
pub(crate) fn text_key(key: &str, id: Id) -> String {
    format!("s{id}:{key}")
}

pub(crate) fn parse_text_key(c: &str) -> Result<(String, Id)> {
    let rest = c.strip_prefix('s').ok_or_else(bad)?;
    let (id, key) = rest.split_once(':').ok_or_else(bad)?;
    Ok((key.to_string(), id.parse().map_err(|_| bad())?))
}

/// A `(time in ms, id)` cursor.
pub(crate) fn time_key(at: i64, id: Id) -> String {
    format!("t{at}:{id}")
}

pub(crate) fn parse_time_key(c: &str) -> Result<(i64, Id)> {
    let rest = c.strip_prefix('t').ok_or_else(bad)?;
    let (at, id) = rest.split_once(':').ok_or_else(bad)?;
    Ok((at.parse().map_err(|_| bad())?, id.parse().map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        assert_eq!(parse_text_key(&text_key("d'amours:x", 7)).unwrap(), ("d'amours:x".into(), 7));
        assert_eq!(parse_time_key(&time_key(-5, 9)).unwrap(), (-5, 9));
        for bad in ["", "x", "s:", "sx:a", "t1", "t1:x", "s1"] {
            assert!(parse_text_key(bad).is_err() || parse_time_key(bad).is_err(), "{bad}");
        }
        assert!(parse_time_key("t1:x").is_err());
        assert!(parse_text_key("s1").is_err());
    }
}

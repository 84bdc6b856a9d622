//! The operations of the protocol, one module per kind of record. Each
//! checks rights and offices, validates, and runs in one transaction.

mod clients;
mod contacts;
mod interactions;
mod lists;
mod scoped;
mod staff;
mod transfers;
mod trash;

use crate::domain::Id;
use crate::error::{Error, Result};

/// After an update matched no row: the record is gone, or someone else
/// changed it first.
pub(crate) fn stale(entity: &'static str, id: Id, expected: i64, current: Option<i64>) -> Error {
    match current {
        None => Error::NotFound { entity, id },
        Some(current) => Error::Conflict { entity, id, expected, current },
    }
}

/// Checks a version before a write (delete) so the error is precise.
pub(crate) fn check_version(entity: &'static str, id: Id, expected: i64, current: Option<i64>) -> Result<()> {
    match current {
        Some(c) if c == expected => Ok(()),
        other => Err(stale(entity, id, expected, other)),
    }
}

/// Replacing a record takes the version it was read at.
pub(crate) fn version_required(version: Option<i64>) -> Result<i64> {
    version.ok_or_else(|| Error::validation("version", "required", "give the version you read to replace a record"))
}

/// A batch of ids: 1 to 500.
pub(crate) fn check_batch(ids: &[Id]) -> Result<()> {
    if ids.is_empty() || ids.len() > 500 {
        return Err(Error::validation("ids", "out_of_range", "give 1 to 500 ids"));
    }
    Ok(())
}

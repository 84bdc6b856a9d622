//! The operations of the protocol, one module per kind of record. Each
//! checks rights and offices, validates, and runs in one transaction.

mod aggregates;
mod assignments;
mod clients;
mod contacts;
mod duplicates;
mod history;
pub(crate) mod import;
mod interactions;
mod lists;
mod merge;
mod scoped;
mod staff;
pub(crate) mod tags;
mod transfers;
mod trash;

use crate::domain::{Id, Patch, PatchError, apply_patch};

/// The code of the tag a reference names (its code, or either name,
/// folded): what filters and imports resolve tags by.
pub(crate) fn tag_named(tags: &[crate::domain::Tag], reference: &str) -> Option<String> {
    tags::find(tags, reference).map(|t| t.code.clone())
}
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

/// A patch applied to the record as read: the merged record, still to be
/// validated like a new one. `null` on a required field is a `validation`
/// error naming it.
pub(crate) fn patched<P: Patch>(current: &P::Target, patch: &P) -> Result<P::Target> {
    apply_patch(current, patch).map_err(|e| match e {
        PatchError::ClearsRequired(field) => {
            Error::validation(field, "required", "is required: it cannot be cleared with null")
        }
        PatchError::Internal(m) => Error::internal(m),
    })
}

//! File formats of Clientèle: files in (CSV → the typed rows of the bulk
//! import requests) and lists out (list and grid pages → CSV / XLSX).
//!
//! This crate knows the engine's protocol types and no SQL: the engine keeps
//! one bulk path per kind of record that takes typed rows in batches, and a
//! host that never reads or writes spreadsheets need not compile this crate.

// Every public type can be printed (issue 14): hosts log what they hold.
#![warn(missing_debug_implementations)]

pub mod export;
pub mod import;

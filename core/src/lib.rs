//! # clientele-core
//!
//! The Clientèle engine: the client-management domain (clients, contacts,
//! interactions, file transfers), its rules (validation, rights, licensing,
//! optimistic concurrency, trash), its storage on SQLite or PostgreSQL, and
//! the request protocol every host and portlet speaks.
//!
//! The one front door is [`Engine::execute`] (a [`protocol::Request`] in,
//! a [`protocol::Response`] out) or [`Engine::execute_json`] (JSON in, JSON
//! out); [`Engine::run`] is the same call typed per op (the [`op`] module:
//! `engine.run(actor, op::ClientGet { id })` answers the client itself).
//!
//! ```no_run
//! use clientele_core::{Engine, EngineConfig, protocol::{Actor, Request}};
//! let engine = Engine::open(EngineConfig::new("sqlite:cabinet.db"))?;
//! let answer = engine.execute_json(r#"{"actor": 1, "op": "client.list", "limit": 20}"#)?;
//! # Ok::<(), clientele_core::Error>(())
//! ```

// Every public type can be printed (issue 14): hosts log what they hold.
#![warn(missing_debug_implementations)]

pub mod bulk;
pub mod config;
pub mod deadline;
pub mod domain;
pub mod error;
mod error_fr;
pub mod op;
pub mod protocol;
pub mod query;
pub mod text;
pub mod time;

mod engine;
mod ops;
mod store;
mod validate;
mod visibility;

pub use config::EngineConfig;
pub use deadline::{Deadline, Lane};
pub use engine::{Engine, MAX_REQUEST_BYTES, NoProgress, Progress, parse_envelope};
pub use error::{Error, ErrorBody, Result, Span};
pub use op::Operation;
pub use store::{POSTGRES_SUPPORTED, Target};

/// Test support: the list pages SQLite reads outside diesel
/// (`store::own`), which diesel's instrumentation does not see, and the
/// fields grids leave out (`query::columns::Reads`).
#[doc(hidden)]
pub mod own_reads {
    pub use crate::query::columns::read_everything;
    pub use crate::store::own::{through_diesel, watch};
}

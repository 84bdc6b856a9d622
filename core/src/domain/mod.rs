//! The client-management domain: plain data types (serde + JSON Schema)
//! and their pure rules. Nothing here touches storage.

mod assignment;
mod client;
mod common;
mod contact;
mod history;
mod interaction;
mod patch;
mod staff;
mod tag;
mod transfer;

pub use assignment::*;
pub use client::*;
pub use common::*;
pub use contact::*;
pub use history::*;
pub use interaction::*;
pub use patch::*;
pub use staff::*;
pub use tag::*;
pub use transfer::*;

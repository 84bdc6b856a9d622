//! # clientele-portlet-api
//!
//! The portlet plugin contract of Clientèle. Dashboards (staff, client,
//! firm) are made of *portlets*: tiles that read data through the engine and
//! answer a [`ViewModel`]. A portlet is either linked in statically (a Rust
//! type implementing [`Portlet`]) or built as a shared library and loaded at
//! run time ([`load_portlet`]); both are the same `Arc<dyn Portlet>` to the
//! engine.
//!
//! ## Architecture
//!
//! ```text
//!  engine (clientele-core)                         portlet library (cdylib / C)
//!  ───────────────────────                         ────────────────────────────
//!  DataContext impl ─┐                             impl Portlet for MyPortlet
//!                    │  LoadedPortlet (loader)        export_portlet!(MyPortlet::new())
//!  Arc<dyn Portlet> ─┴─► render ──► ClpHost ═══C ABI═══► shims (catch_unwind)
//!                          ◄── JSON view model ◄══════ HostContext: DataContext
//! ```
//!
//! - Module [`manifest`] — what a portlet declares ([`Manifest`]: id, version,
//!   dashboards, entitlements, rights, tabular) and its validation.
//! - Module [`settings`] — [`CommonSettings`] (date range, filter, columns, limit)
//!   and the portlet's own settings (JSON Schema + defaults, merge, checks).
//! - Module [`view`] — the view models a render answers.
//! - [`Portlet`] / [`DataContext`] — the safe Rust contract.
//! - Module [`abi`] — the C ABI (`include/clientele_portlet.h`) and [`export_portlet!`].
//! - Module [`loader`] — [`load_portlet`], host side of the ABI.
//! - [`render_with_budget`] — a render under a time budget, panics caught.
//! - Modules [`html`], [`text`] — drawing a dashboard of tiles.
//! - Module [`testing`] — a test helper for portlet authors: [`testing::FakeContext`],
//!   a recording fake [`DataContext`] answering through a closure.
//!
//! ## Invariants
//!
//! - **Only this crate knows the plugin ABI.** The engine and portlets speak
//!   the [`Portlet`] / [`DataContext`] traits; the `#[repr(C)]` structs, the
//!   status codes and the memory rules live in [`abi`] and [`loader`] and
//!   nowhere else (C authors get the header).
//! - This crate does not depend on the engine: a plugin links only serde,
//!   serde_json, schemars, thiserror, libloading and unicode-width.
//! - Only C types cross the boundary: `#[repr(C)]` structs, integers,
//!   function pointers and NUL-terminated UTF-8 JSON strings.
//! - Memory is freed by the side that allocated it.
//! - The ABI version is checked before any other plugin entry point is
//!   called: majors equal, plugin minor ≤ host minor.
//! - No panic crosses the ABI in either direction: every `extern "C"`
//!   function on both sides runs under `catch_unwind`. A misbehaving plugin
//!   (panic, error status, invalid JSON, unknown status) yields a
//!   [`PortletError`], never a host panic or undefined behaviour — as long as
//!   it does not corrupt memory, abort, or loop forever (see
//!   [`render_with_budget`]), which in-process plugins can always do.
//! - Loaded libraries are never unloaded (see [`loader`]).
//! - Scope and rights are enforced by the engine, not by portlets: a portlet
//!   only reads through [`DataContext::request`], which the engine confines
//!   to the dashboard's scope.

// Every public type can be printed (issue 14): hosts log what they hold.
#![warn(missing_debug_implementations)]

pub mod abi;
mod budget;
pub mod dates;
pub mod html;
pub mod loader;
pub mod manifest;
mod portlet;
pub mod settings;
pub mod testing;
pub mod text;
pub mod tile_grid;
pub mod view;

pub use budget::render_with_budget;
pub use html::{PlacedTile, RenderOptions, Tile, TileState, TileWidth};
pub use loader::{LoadError, LoadedPortlet, load_portlet};
pub use manifest::{DashboardKind, Locale, Localized, Manifest, ManifestError, RightAction, RightEntity, RightNeeded};
pub use portlet::{ContextInfo, DataContext, ErrorBody, LogLevel, Portlet, PortletError, Scope, clip_log_message};
pub use settings::{CommonSettings, DateRange, SettingsError};
pub use view::{
    ChartPart, ChartSeries, Column, ColumnKind, Counter, DrillDown, KeyValueEntry, ListItem, TagChip, ViewModel,
    Widget, chip_colours,
};

/// `docs/portlets.md`, compiled as doctests so its Rust examples stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/portlets.md")]
pub struct PortletsGuide;

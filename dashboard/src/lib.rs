//! # clientele-dashboard
//!
//! Staff, client and firm dashboards made of portlets: the five built-in
//! portlets (`clientele.today`, `clientele.interactions`,
//! `clientele.file-transfers`, `clientele.client-info`, `clientele.contacts`)
//! plus third-party ones loaded from `EngineConfig::plugin_paths`.
//!
//! ```text
//!  host ── Dashboards::render / execute_json
//!            │ layout: requested id › viewer's own › firm default › built-in
//!            │ per tile: known? fits the dashboard? entitlements? rights? settings?
//!            ▼
//!          render_with_budget(portlet, merged settings, EngineContext)   (all tiles concurrently)
//!            │ EngineContext::request(json) ── checks, confines ──► Engine::execute_scoped(viewer, scope, req)
//!            ▼
//!          DashboardView { title, tiles: Vec<Tile> } ──► to_json / to_html / to_text
//! ```
//!
//! - [`layout`] — the layout JSON shape (stored opaquely by core), validation,
//!   built-in defaults.
//! - [`context`] — the read-only, scope-confined [`clientele_portlet_api::DataContext`].
//! - [`Dashboards`] — registry, layout choice, checks, rendering.
//! - [`front`] — the JSON front door (`dashboard.render`, `portlet.list`,
//!   `dashboard.layout.save`).
//!
//! See `docs/dashboards.md`.

// Every public type can be printed (issue 14): hosts log what they hold.
#![warn(missing_debug_implementations)]

pub mod context;
pub mod front;
pub mod layout;
mod service;

pub use context::EngineContext;
pub use front::{Format, FrontRequest};
pub use layout::{Layout, LayoutError, TileSpec};
pub use service::{
    BUDGET_RANGE_MS, DEFAULT_BUDGET, DashboardError, DashboardTarget, DashboardView, Dashboards, LayoutSource, LogSink,
    MAX_CONSECUTIVE_TIMEOUTS, Origin, PluginLoadFailure, PortletLog, Registered, RegistryError, TileStatus,
    built_in_portlets,
};

/// `docs/dashboards.md`, compiled as doctests so its Rust example stays true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/dashboards.md")]
pub struct DashboardsGuide;

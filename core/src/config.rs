//! How a host opens an engine: backend URL, firm time zone, entitlements.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The entitlement that unlocks the client-management module.
pub const CLIENT_MANAGEMENT: &str = "client_management";

/// Everything needed to open an engine. Also the JSON the C ABI takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    /// `sqlite:PATH`, `sqlite::memory:`, a plain file path (SQLite), or
    /// `postgres://...` / `postgresql://...`.
    pub database_url: String,
    /// The firm's IANA time zone, e.g. `America/Toronto`. Decides what
    /// "today" and "the last 30 days" mean.
    #[serde(default = "default_tz")]
    pub timezone: String,
    /// The firm's licensed modules. Without `client_management`, every
    /// operation of this module answers `not_licensed`.
    #[serde(default)]
    pub entitlements: Vec<String>,
    /// The firm's language, `fr` or `en`: the language of the text the
    /// engine writes itself (transfer events on the timeline).
    #[serde(default = "default_language")]
    pub language: String,
    /// First month (1-12) of the firm's fiscal year.
    #[serde(default = "default_fiscal_month")]
    pub fiscal_year_start_month: u32,
    /// Shared libraries of third-party portlets to load at open.
    #[serde(default)]
    pub plugin_paths: Vec<String>,
    /// Maximum connections in the pool (PostgreSQL) or readers (SQLite).
    #[serde(default = "default_pool")]
    pub pool_size: u32,
    /// `full` (default): a commit waits until it is on disk (SQLite
    /// `synchronous = FULL`, PostgreSQL `synchronous_commit = on`) and
    /// survives a power cut. `normal`: faster commits that survive a crash
    /// of the process but may lose the last ones on a power cut or an
    /// operating-system crash (never a half-written one).
    #[serde(default = "default_durability")]
    pub durability: String,
    /// The firm's region for phone numbers written without a country code
    /// (ISO 3166, e.g. `CA`, `US`, `FR`): how search reads `514-555-0199`.
    #[serde(default = "default_phone_region")]
    pub phone_region: String,
    /// The longest a request may run, wait for a connection or wait for
    /// another writer, in ms (100 to 600000, default 5000). Past it the
    /// request is interrupted and answers `timeout`; nothing it would have
    /// written is kept.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_ms: u64,
    /// The same for a dashboard tile's reads when the dashboard gives no
    /// budget of its own (100 to 600000, default 2000).
    #[serde(default = "default_tile_timeout")]
    pub tile_timeout_ms: u64,
    /// The same for `client.import` (100 to 600000, default 120000). An
    /// import is one transaction (all or nothing): while it runs, other
    /// writers wait for it up to their own deadline, then answer `timeout`.
    #[serde(default = "default_import_timeout")]
    pub import_timeout_ms: u64,
}

fn default_tz() -> String {
    "America/Toronto".into()
}
fn default_language() -> String {
    "fr".into()
}
fn default_fiscal_month() -> u32 {
    1
}
fn default_pool() -> u32 {
    4
}
fn default_durability() -> String {
    "full".into()
}
fn default_phone_region() -> String {
    "CA".into()
}
fn default_request_timeout() -> u64 {
    5000
}
fn default_tile_timeout() -> u64 {
    2000
}
fn default_import_timeout() -> u64 {
    120_000
}

/// The range of `request_timeout_ms` and `tile_timeout_ms`.
pub const TIMEOUT_RANGE_MS: std::ops::RangeInclusive<u64> = 100..=600_000;

impl EngineConfig {
    /// A configuration for `database_url` with the client-management
    /// entitlement and defaults for the rest.
    pub fn new(database_url: impl Into<String>) -> Self {
        EngineConfig {
            database_url: database_url.into(),
            timezone: default_tz(),
            entitlements: vec![CLIENT_MANAGEMENT.into()],
            language: default_language(),
            fiscal_year_start_month: default_fiscal_month(),
            plugin_paths: Vec::new(),
            pool_size: default_pool(),
            durability: default_durability(),
            phone_region: default_phone_region(),
            request_timeout_ms: default_request_timeout(),
            tile_timeout_ms: default_tile_timeout(),
            import_timeout_ms: default_import_timeout(),
        }
    }

    pub(crate) fn tz(&self) -> Result<chrono_tz::Tz> {
        self.timezone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| Error::Config(format!("unknown time zone '{}'", self.timezone)))
    }

    pub(crate) fn phone_region(&self) -> Result<crate::text::PhoneRegion> {
        crate::text::PhoneRegion::parse(&self.phone_region).ok_or_else(|| {
            Error::Config(format!("unknown phone_region '{}' (an ISO 3166 code such as CA)", self.phone_region))
        })
    }

    pub(crate) fn check(&self) -> Result<()> {
        self.tz()?;
        self.phone_region()?;
        if !(1..=12).contains(&self.fiscal_year_start_month) {
            return Err(Error::Config("fiscal_year_start_month must be 1 to 12".into()));
        }
        if self.language != "fr" && self.language != "en" {
            return Err(Error::Config(format!("language must be \"fr\" or \"en\", not \"{}\"", self.language)));
        }
        if self.pool_size == 0 || self.pool_size > 64 {
            return Err(Error::Config("pool_size must be 1 to 64".into()));
        }
        crate::store::health::Durability::parse(&self.durability)?;
        for (name, v) in [
            ("request_timeout_ms", self.request_timeout_ms),
            ("tile_timeout_ms", self.tile_timeout_ms),
            ("import_timeout_ms", self.import_timeout_ms),
        ] {
            if !TIMEOUT_RANGE_MS.contains(&v) {
                return Err(Error::Config(format!("{name} must be 100 to 600000 (ms), not {v}")));
            }
        }
        Ok(())
    }

    pub(crate) fn french(&self) -> bool {
        self.language == "fr"
    }

    pub(crate) fn licensed(&self) -> bool {
        self.entitlements.iter().any(|e| e == CLIENT_MANAGEMENT)
    }
}

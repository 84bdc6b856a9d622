//! How a host opens an engine: backend URL, firm time zone, entitlements.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The entitlement that unlocks the client-management module.
pub const CLIENT_MANAGEMENT: &str = "client_management";

/// Every entitlement this engine knows (see `entitlement_refused` for
/// what is refused at open).
pub const KNOWN_ENTITLEMENTS: &[&str] = &[CLIENT_MANAGEMENT];

/// Why an entitlement is refused, if it is. Entitlements name the firm's
/// licensed modules; other modules' (`time_and_billing`...) pass through
/// for portlets that need them. An entitlement must be a snake_case name,
/// and one within two edits of a known one but not it is taken for a
/// misspelling (`client-management`, `Client Management`,
/// `client_managment`): either would open fine and then answer
/// `not_licensed` to every request.
fn entitlement_refused(e: &str) -> Option<String> {
    if KNOWN_ENTITLEMENTS.contains(&e) {
        return None;
    }
    let chars: Vec<char> = crate::text::fold(e).chars().map(|c| if c == '-' || c == ' ' { '_' } else { c }).collect();
    let near = KNOWN_ENTITLEMENTS.iter().find(|k| {
        let k: Vec<char> = k.chars().collect();
        clientele_filter::registry::osa_distance(&chars, &k) <= 2
    });
    if let Some(k) = near {
        return Some(format!("unknown entitlement \"{e}\" (did you mean \"{k}\"?)"));
    }
    let snake = e.starts_with(|c: char| c.is_ascii_lowercase())
        && e.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    (!snake).then(|| format!("entitlement \"{e}\" is not a snake_case module name (such as \"{CLIENT_MANAGEMENT}\")"))
}

/// `url` without a password (`postgres://user:secret@host` →
/// `postgres://user:***@host`), for `Debug` and logs.
pub(crate) fn redacted_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((credentials, host)) = rest.split_once('@')
        && let Some((user, _)) = credentials.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

/// A time zone of the IANA database (what `EngineConfig::timezone` names).
pub use chrono_tz::Tz;

/// The firm's language (`language` of [`EngineConfig`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Language {
    French,
    English,
}

impl Language {
    /// `fr` or `en`, as the configuration's JSON writes it.
    pub fn code(self) -> &'static str {
        match self {
            Language::French => "fr",
            Language::English => "en",
        }
    }
}

/// Builds an [`EngineConfig`] with typed values (a time zone that exists, a
/// language the engine speaks); what is left out keeps its default, and
/// [`EngineConfigBuilder::build`] checks the rest as `Engine::open` would.
///
/// ```
/// use clientele_core::config::{EngineConfig, Language, Tz};
/// let config = EngineConfig::builder("sqlite::memory:")
///     .timezone(Tz::America__Montreal)
///     .language(Language::English)
///     .pool_size(2)
///     .build()
///     .unwrap();
/// assert_eq!((config.timezone.as_str(), config.language.as_str()), ("America/Montreal", "en"));
/// assert_eq!(EngineConfig::builder("sqlite::memory:").pool_size(0).build().unwrap_err().field(), Some("pool_size"));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct EngineConfigBuilder(EngineConfig);

impl EngineConfigBuilder {
    pub fn timezone(mut self, tz: Tz) -> Self {
        self.0.timezone = tz.name().to_string();
        self
    }
    pub fn language(mut self, language: Language) -> Self {
        self.0.language = language.code().to_string();
        self
    }
    /// Adds an entitlement (the builder starts with `client_management`).
    pub fn entitlement(mut self, entitlement: impl Into<String>) -> Self {
        self.0.entitlements.push(entitlement.into());
        self
    }
    /// Without the client-management entitlement (every request then
    /// answers `not_licensed`).
    pub fn unlicensed(mut self) -> Self {
        self.0.entitlements.retain(|e| e != CLIENT_MANAGEMENT);
        self
    }
    pub fn fiscal_year_start_month(mut self, month: u32) -> Self {
        self.0.fiscal_year_start_month = month;
        self
    }
    pub fn plugin_path(mut self, path: impl Into<String>) -> Self {
        self.0.plugin_paths.push(path.into());
        self
    }
    pub fn pool_size(mut self, size: u32) -> Self {
        self.0.pool_size = size;
        self
    }
    pub fn request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.0.request_timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self
    }
    /// The configuration, checked (a `config` error names the setting).
    pub fn build(self) -> Result<EngineConfig> {
        self.0.check()?;
        Ok(self.0)
    }
}

/// The range of `pool_size`.
pub const POOL_SIZE_RANGE: std::ops::RangeInclusive<u32> = 1..=64;

/// Everything needed to open an engine. Also the JSON the C ABI takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
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
    /// Names are snake_case; other modules' names pass through (portlets
    /// may need them), but one that is not snake_case or is within two
    /// edits of `client_management` (`client-management`) is refused at
    /// open.
    #[serde(default)]
    #[schemars(extend("items" = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}))]
    pub entitlements: Vec<String>,
    /// The firm's language, `fr` or `en`: the language of the text the
    /// engine writes itself (transfer events on the timeline) and of the
    /// fixed-form error messages.
    #[serde(default = "default_language")]
    #[schemars(extend("enum" = ["fr", "en"]))]
    pub language: String,
    /// First month (1-12) of the firm's fiscal year.
    #[serde(default = "default_fiscal_month")]
    #[schemars(range(min = 1, max = 12))]
    pub fiscal_year_start_month: u32,
    /// Shared libraries of third-party portlets. The engine itself does not
    /// load them: the dashboards do, when they are created over the engine
    /// (`clientele_engine_open` does both; from Rust, `Dashboards::new`).
    /// A library that fails to load is listed by `portlet.list`, not fatal.
    #[serde(default)]
    pub plugin_paths: Vec<String>,
    /// Maximum connections in the pool (PostgreSQL) or readers (SQLite), 1 to 64.
    #[serde(default = "default_pool")]
    #[schemars(range(min = 1, max = 64))]
    pub pool_size: u32,
    /// `full` (default): a commit waits until it is on disk (SQLite
    /// `synchronous = FULL`, PostgreSQL `synchronous_commit = on`) and
    /// survives a power cut. `normal`: faster commits that survive a crash
    /// of the process but may lose the last ones on a power cut or an
    /// operating-system crash (never a half-written one).
    #[serde(default = "default_durability")]
    #[schemars(extend("enum" = ["full", "normal"]))]
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
    #[schemars(range(min = 100, max = 600_000))]
    pub request_timeout_ms: u64,
    /// The time budget of each dashboard tile's render, and of its reads,
    /// in ms (100 to 600000, default 2000): the dashboards' default
    /// (`clientele_engine_open`, `Dashboards::new`); a `dashboard.render`
    /// request's `budget_ms` overrides it for that render.
    #[serde(default = "default_tile_timeout")]
    #[schemars(range(min = 100, max = 600_000))]
    pub tile_timeout_ms: u64,
    /// The same for `client.import` (100 to 600000, default 120000). An
    /// import is one transaction (all or nothing): while it runs, other
    /// writers wait for it up to their own deadline, then answer `timeout`.
    #[serde(default = "default_import_timeout")]
    #[schemars(range(min = 100, max = 600_000))]
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

    /// A typed builder over [`EngineConfig::new`]'s defaults.
    pub fn builder(database_url: impl Into<String>) -> EngineConfigBuilder {
        EngineConfigBuilder(EngineConfig::new(database_url))
    }

    /// Reads a configuration from its JSON, naming the setting at fault:
    /// an unknown key, or a value of the wrong type, is a `config` error
    /// whose `field` is that key. (Values are checked by [`Engine::open`].)
    ///
    /// [`Engine::open`]: crate::Engine::open
    pub fn from_json(text: &str) -> Result<EngineConfig> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Error::Config(format!("config_json: {e}")))?;
        let serde_json::Value::Object(given) = &value else {
            return Err(Error::Config("config_json must be a JSON object".into()));
        };
        let serde_json::Value::Object(defaults) = serde_json::to_value(EngineConfig::new("")).expect("serialisable")
        else {
            unreachable!("a struct serialises to an object")
        };
        for key in given.keys() {
            if !defaults.contains_key(key) {
                let known: Vec<&str> = defaults.keys().map(String::as_str).collect();
                return Err(Error::setting(key, format!("unknown setting; known: {}", known.join(", "))));
            }
        }
        if !given.contains_key("database_url") {
            return Err(Error::setting("database_url", "missing"));
        }
        serde_json::from_value(value.clone()).map_err(|whole| {
            // Which key: the first whose value alone, over the defaults, fails.
            for (key, v) in given {
                let mut one = defaults.clone();
                one.insert(key.clone(), v.clone());
                if let Err(e) = serde_json::from_value::<EngineConfig>(serde_json::Value::Object(one)) {
                    return Error::setting(key, e.to_string());
                }
            }
            Error::Config(format!("config_json: {whole}"))
        })
    }

    pub(crate) fn tz(&self) -> Result<chrono_tz::Tz> {
        self.timezone.parse::<chrono_tz::Tz>().map_err(|_| {
            Error::setting(
                "timezone",
                format!("unknown time zone '{}' (an IANA name such as America/Toronto)", self.timezone),
            )
        })
    }

    pub(crate) fn phone_region(&self) -> Result<crate::text::PhoneRegion> {
        crate::text::PhoneRegion::parse(&self.phone_region).ok_or_else(|| {
            Error::setting(
                "phone_region",
                format!("unknown phone_region '{}' (an ISO 3166 code such as CA)", self.phone_region),
            )
        })
    }

    pub(crate) fn check(&self) -> Result<()> {
        self.tz()?;
        self.phone_region()?;
        if !(1..=12).contains(&self.fiscal_year_start_month) {
            return Err(Error::setting(
                "fiscal_year_start_month",
                format!("must be 1 to 12, not {}", self.fiscal_year_start_month),
            ));
        }
        if self.language != "fr" && self.language != "en" {
            return Err(Error::setting("language", format!("must be \"fr\" or \"en\", not \"{}\"", self.language)));
        }
        if !POOL_SIZE_RANGE.contains(&self.pool_size) {
            return Err(Error::setting("pool_size", format!("must be 1 to 64, not {}", self.pool_size)));
        }
        for (i, e) in self.entitlements.iter().enumerate() {
            if let Some(why) = entitlement_refused(e) {
                return Err(Error::setting(format!("entitlements[{i}]"), why));
            }
        }
        crate::store::health::Durability::parse(&self.durability).map_err(|_| {
            Error::setting("durability", format!("must be \"full\" or \"normal\", not \"{}\"", self.durability))
        })?;
        for (name, v) in [
            ("request_timeout_ms", self.request_timeout_ms),
            ("tile_timeout_ms", self.tile_timeout_ms),
            ("import_timeout_ms", self.import_timeout_ms),
        ] {
            if !TIMEOUT_RANGE_MS.contains(&v) {
                return Err(Error::setting(name, format!("must be 100 to 600000 (ms), not {v}")));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_password() {
        assert_eq!(redacted_url("postgres://app:s3cr3t@db:5432/cabinet"), "postgres://app:***@db:5432/cabinet");
        assert_eq!(redacted_url("postgres://app@db/cabinet"), "postgres://app@db/cabinet");
        assert_eq!(redacted_url("sqlite:/srv/cabinet.db"), "sqlite:/srv/cabinet.db");
        let engine = crate::Engine::open(EngineConfig::new("sqlite::memory:")).unwrap();
        let shown = format!("{engine:?}");
        assert!(shown.starts_with("Engine {") && shown.contains("sqlite::memory:"), "{shown}");
    }

    #[test]
    fn the_builder_checks_what_it_builds() {
        let c = EngineConfig::builder("sqlite::memory:").unlicensed().entitlement("time_and_billing").build().unwrap();
        assert!(!c.licensed());
        let e = EngineConfig::builder("sqlite::memory:").fiscal_year_start_month(13).build().unwrap_err();
        assert_eq!((e.code(), e.field()), ("config", Some("fiscal_year_start_month")));
        let e = EngineConfig::builder("sqlite::memory:").entitlement("client-management").build().unwrap_err();
        assert_eq!(e.field(), Some("entitlements[1]"));
    }
}

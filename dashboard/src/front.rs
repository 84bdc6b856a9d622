//! The JSON front door of the dashboards ([`Dashboards::execute_json`]), for
//! hosts and the C ABI.

use clientele_core::ErrorBody;
use clientele_core::domain::Id;
use clientele_portlet_api::{DashboardKind, Locale};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::layout::{Layout, kind_name};
use crate::service::{BUDGET_RANGE_MS, DashboardTarget, Dashboards};

/// The output format of `dashboard.render`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    #[default]
    Json,
    Html,
    Text,
}

/// The requests of the front door.
/// (JSON Schema: the op catalogue, `ffi/schema/ops.json`.)
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(tag = "op", deny_unknown_fields)]
pub enum FrontRequest {
    /// `{"actor": 3, "op": "dashboard.render", "dashboard": "client", "client_id": 5,
    ///   "layout_id": null, "locale": "fr", "format": "json"}`
    #[serde(rename = "dashboard.render")]
    Render {
        actor: Id,
        dashboard: DashboardKind,
        #[serde(default)]
        client_id: Option<Id>,
        #[serde(default)]
        layout_id: Option<Id>,
        #[serde(default = "default_locale")]
        locale: Locale,
        #[serde(default)]
        format: Format,
        /// HTML only: drill-downs become links to this URL, `{tab}` and
        /// `{request}` replaced (percent-encoded); without it, buttons.
        #[serde(default)]
        url_template: Option<String>,
        /// Each tile's time budget in ms, 100 to 60000; without it the
        /// dashboards' own (the engine's `tile_timeout_ms`, default 2000).
        #[serde(default)]
        #[schemars(range(min = 100, max = 60_000))]
        budget_ms: Option<u64>,
    },
    /// `{"actor": 3, "op": "portlet.list", "dashboard": "staff"}`: the
    /// registry's manifests with their settings schema and defaults, whether
    /// the viewer gets each (and why not), and the plugins that failed to load.
    #[serde(rename = "portlet.list")]
    PortletList {
        actor: Id,
        #[serde(default)]
        dashboard: Option<DashboardKind>,
        /// With it, each settings schema's `x-title` / `x-description`
        /// (`{"fr", "en"}`) become its `title` / `description` in that
        /// language; without it, the schemas as the portlets wrote them.
        #[serde(default)]
        locale: Option<Locale>,
    },
    /// Validates a layout then saves it with the engine's `layout.save`
    /// (`actor` a staff id, or `"host"` for a firm default).
    #[serde(rename = "dashboard.layout.save")]
    LayoutSave {
        actor: Value,
        #[serde(default)]
        id: Option<Id>,
        /// With `id`: the version read (a stale one is a `conflict`).
        #[serde(default)]
        version: Option<i64>,
        dashboard: DashboardKind,
        name: String,
        layout: Value,
        #[serde(default)]
        firm_default: bool,
    },
}

fn default_locale() -> Locale {
    Locale::Fr
}

fn bad_request(message: impl Into<String>, field: Option<&str>) -> ErrorBody {
    ErrorBody {
        code: "bad_request".into(),
        message: message.into(),
        field: field.map(str::to_string),
        ..Default::default()
    }
}

/// A refusal of the front door in the firm's language (`fr` or `en`), as
/// the engine words its own ([`clientele_core::Error::body_in`]).
fn refused(language: &str, fr: String, en: String, field: Option<&str>) -> ErrorBody {
    bad_request(if language == "fr" { fr } else { en }, field)
}

// The error body is what hosts receive, by value like the engine's own
// `execute_json` boundary; it is built once per failed request.
#[allow(clippy::result_large_err)]
impl Dashboards {
    /// Executes one front-door request given as JSON and answers JSON.
    ///
    /// - `dashboard.render` → the view (`format` `json`, the default), or
    ///   `{"format": "html"|"text", "content": "..."}`.
    /// - `portlet.list` → `{"portlets": [...], "load_failures": [...]}`.
    /// - `dashboard.layout.save` → the engine's answer to `layout.save`.
    ///
    /// Failures answer the engine's error body (`bad_request`, `forbidden`,
    /// `not_found`, `bad_layout`...).
    pub fn execute_json(&self, request: &str) -> Result<String, ErrorBody> {
        let language = self.engine().config().language.clone();
        if request.len() > clientele_core::MAX_REQUEST_BYTES {
            let max = clientele_core::MAX_REQUEST_BYTES;
            return Err(refused(
                &language,
                format!("requête trop grande (plus de {max} octets)"),
                format!("request too large (over {max} bytes)"),
                None,
            ));
        }
        let request: FrontRequest = serde_json::from_str(request).map_err(|e| {
            // serde's own explanation (field names, line and column) is kept
            // as it is in both languages.
            refused(&language, format!("requête invalide : {e}"), format!("invalid request: {e}"), None)
        })?;
        let answer = self.execute(request)?;
        Ok(answer.to_string())
    }

    /// [`Dashboards::execute_json`], typed.
    pub fn execute(&self, request: FrontRequest) -> Result<Value, ErrorBody> {
        let language = self.engine().config().language.clone();
        let language = language.as_str();
        match request {
            FrontRequest::Render {
                actor,
                dashboard,
                client_id,
                layout_id,
                locale,
                format,
                url_template,
                budget_ms,
            } => {
                let budget = match budget_ms {
                    None => self.budget(),
                    Some(ms) if BUDGET_RANGE_MS.contains(&ms) => std::time::Duration::from_millis(ms),
                    Some(ms) => {
                        let (min, max) = (BUDGET_RANGE_MS.start(), BUDGET_RANGE_MS.end());
                        return Err(refused(
                            language,
                            format!("budget_ms doit être de {min} à {max} (ms), pas {ms}"),
                            format!("budget_ms must be {min} to {max} (ms), not {ms}"),
                            Some("budget_ms"),
                        ));
                    }
                };
                let target = match (dashboard, client_id) {
                    (DashboardKind::Client, Some(client_id)) => DashboardTarget::Client { client_id },
                    (DashboardKind::Client, None) => {
                        return Err(refused(
                            language,
                            "le tableau de bord d'un client a besoin de client_id".into(),
                            "the client dashboard needs a client_id".into(),
                            Some("client_id"),
                        ));
                    }
                    (_, Some(_)) => {
                        return Err(refused(
                            language,
                            "client_id ne sert qu'au tableau de bord d'un client".into(),
                            "client_id is for the client dashboard only".into(),
                            Some("client_id"),
                        ));
                    }
                    (DashboardKind::Staff, None) => DashboardTarget::Staff,
                    (DashboardKind::Firm, None) => DashboardTarget::Firm,
                };
                let view =
                    self.render_within(actor, target, layout_id, locale, budget).map_err(|e| e.body_in(language))?;
                Ok(match format {
                    Format::Json => view.to_json(),
                    Format::Html => json!({"format": "html", "content": view.to_html_with(url_template.as_deref())}),
                    Format::Text => json!({"format": "text", "content": view.to_text()}),
                })
            }
            FrontRequest::PortletList { actor, dashboard, locale } => {
                self.portlet_list(actor, dashboard, locale, language)
            }
            FrontRequest::LayoutSave { actor, id, version, dashboard, name, layout, firm_default } => {
                let parsed = Layout::from_json(&layout).map_err(|e| ErrorBody {
                    code: "bad_layout".into(),
                    message: e.to_string(),
                    field: Some(e.field()),
                    ..Default::default()
                })?;
                let mut req = json!({"actor": actor, "op": "layout.save", "dashboard": kind_name(dashboard),
                                     "name": name, "layout": parsed.to_json(), "firm_default": firm_default});
                if let Some(id) = id {
                    req["id"] = json!(id);
                }
                if let Some(version) = version {
                    req["version"] = json!(version);
                }
                self.call(req).map_err(|e| e.body_in(language))
            }
        }
    }

    fn portlet_list(
        &self,
        actor: Id,
        dashboard: Option<DashboardKind>,
        locale: Option<Locale>,
        language: &str,
    ) -> Result<Value, ErrorBody> {
        let staff =
            self.call(json!({"actor": actor, "op": "staff.get", "id": actor})).map_err(|e| e.body_in(language))?;
        let rights: clientele_core::domain::Rights = serde_json::from_value(staff["data"]["rights"].clone())
            .map_err(|e| bad_request(format!("staff rights: {e}"), None))?;
        let entitlements = &self.engine().config().entitlements;
        let portlets: Vec<Value> = self
            .portlets()
            .filter(|r| dashboard.is_none_or(|d| r.manifest.dashboards.contains(&d)))
            .map(|r| {
                let m = &r.manifest;
                let missing_entitlements: Vec<&String> =
                    m.entitlements.iter().filter(|e| !entitlements.contains(e)).collect();
                let missing_rights: Vec<_> =
                    m.rights.iter().filter(|n| !crate::service::holds(&rights, n.entity)).collect();
                json!({
                    "manifest": m,
                    "origin": r.origin,
                    "settings_schema": match locale {
                        Some(l) => clientele_portlet_api::settings::localize_schema(&r.settings_schema, l),
                        None => r.settings_schema.clone(),
                    },
                    "default_settings": r.default_settings,
                    "available": missing_entitlements.is_empty() && missing_rights.is_empty(),
                    "missing_entitlements": missing_entitlements,
                    "missing_rights": missing_rights,
                })
            })
            .collect();
        Ok(json!({"portlets": portlets, "load_failures": self.load_failures()}))
    }
}

//! What a portlet says about itself: [`Manifest`] and its validation.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The engine's two interface languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    Fr,
    En,
}

/// A text in both interface languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Localized {
    pub fr: String,
    pub en: String,
}

impl Localized {
    /// Builds a text from its French and English forms.
    pub fn new(fr: impl Into<String>, en: impl Into<String>) -> Self {
        Localized { fr: fr.into(), en: en.into() }
    }

    /// The same text in both languages (names, numbers, codes).
    pub fn same(text: impl Into<String>) -> Self {
        let text = text.into();
        Localized { fr: text.clone(), en: text }
    }

    /// The text in `locale`.
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::Fr => &self.fr,
            Locale::En => &self.en,
        }
    }
}

/// The dashboards a portlet may be placed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DashboardKind {
    /// A staff member's own dashboard.
    Staff,
    /// The dashboard of one client (every data request is confined to that client).
    Client,
    /// The firm-wide dashboard.
    Firm,
}

/// The entities a portlet may need to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RightEntity {
    Clients,
    Contacts,
    Interactions,
    FileTransfers,
}

/// What a portlet needs to do with an entity. Portlets only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RightAction {
    View,
}

/// A right the viewer must hold for the portlet to be rendered at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct RightNeeded {
    pub entity: RightEntity,
    pub action: RightAction,
}

impl RightNeeded {
    /// The right to view `entity`.
    pub fn view(entity: RightEntity) -> Self {
        RightNeeded { entity, action: RightAction::View }
    }
}

/// What a portlet declares about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Manifest {
    /// Unique, reverse-DNS-ish id: lowercase dot-separated segments, at least
    /// two, e.g. `com.example.counts`. See [`validate_id`].
    pub id: String,
    /// Semantic version of the portlet, e.g. `1.2.0` or `2.0.0-beta.1`.
    pub version: String,
    /// Title shown on the tile.
    pub title: Localized,
    /// Dashboards the portlet may be placed on (at least one, no duplicates).
    pub dashboards: Vec<DashboardKind>,
    /// Licence entitlements the firm must hold, e.g. `client_management`.
    #[serde(default)]
    pub entitlements: Vec<String>,
    /// Rights the viewer must hold; a viewer lacking one does not get the portlet.
    #[serde(default)]
    pub rights: Vec<RightNeeded>,
    /// Whether the portlet shows rows and gets a field chooser (`columns`).
    #[serde(default)]
    pub tabular: bool,
}

/// Why a [`Manifest`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    #[error("invalid portlet id {id:?}: {reason}")]
    InvalidId { id: String, reason: &'static str },
    #[error("invalid version {version:?}: not a semantic version (MAJOR.MINOR.PATCH[-pre][+build])")]
    InvalidVersion { version: String },
    #[error("the {locale:?} title is empty")]
    EmptyTitle { locale: Locale },
    #[error("the portlet names no dashboard")]
    NoDashboard,
    #[error("dashboard {0:?} is listed twice")]
    DuplicateDashboard(DashboardKind),
    #[error("invalid entitlement {0:?}: expected lowercase letters, digits and '_'")]
    InvalidEntitlement(String),
    #[error("right {0:?} is listed twice")]
    DuplicateRight(RightNeeded),
}

impl Manifest {
    /// Checks every rule documented on the fields.
    pub fn validate(&self) -> Result<(), ManifestError> {
        validate_id(&self.id)?;
        if !is_semver(&self.version) {
            return Err(ManifestError::InvalidVersion { version: self.version.clone() });
        }
        if self.title.fr.trim().is_empty() {
            return Err(ManifestError::EmptyTitle { locale: Locale::Fr });
        }
        if self.title.en.trim().is_empty() {
            return Err(ManifestError::EmptyTitle { locale: Locale::En });
        }
        if self.dashboards.is_empty() {
            return Err(ManifestError::NoDashboard);
        }
        for (i, d) in self.dashboards.iter().enumerate() {
            if self.dashboards[..i].contains(d) {
                return Err(ManifestError::DuplicateDashboard(*d));
            }
        }
        for e in &self.entitlements {
            let ok = !e.is_empty()
                && e.len() <= 64
                && e.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(ManifestError::InvalidEntitlement(e.clone()));
            }
        }
        for (i, r) in self.rights.iter().enumerate() {
            if self.rights[..i].contains(r) {
                return Err(ManifestError::DuplicateRight(*r));
            }
        }
        Ok(())
    }
}

/// Checks a portlet id: 3 to 128 bytes, at least two dot-separated segments,
/// each starting with a lowercase ASCII letter followed by lowercase letters,
/// digits, `-` or `_`.
pub fn validate_id(id: &str) -> Result<(), ManifestError> {
    let err = |reason| Err(ManifestError::InvalidId { id: id.to_string(), reason });
    if id.len() < 3 || id.len() > 128 {
        return err("must be 3 to 128 characters long");
    }
    let segments: Vec<&str> = id.split('.').collect();
    if segments.len() < 2 {
        return err("needs at least two dot-separated segments, e.g. com.example.counts");
    }
    for s in segments {
        let mut bytes = s.bytes();
        match bytes.next() {
            None => return err("has an empty segment"),
            Some(b) if !b.is_ascii_lowercase() => {
                return err("each segment must start with a lowercase ASCII letter");
            }
            _ => {}
        }
        if !bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_') {
            return err("segments may only hold lowercase ASCII letters, digits, '-' and '_'");
        }
    }
    Ok(())
}

/// Whether `v` is a semantic version 2.0.0 string.
pub fn is_semver(v: &str) -> bool {
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    let ident = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 || !parts.iter().all(|p| numeric(p)) {
        return false;
    }
    if let Some(pre) = pre
        && !pre.split('.').all(|p| ident(p) && (!p.bytes().all(|b| b.is_ascii_digit()) || numeric(p)))
    {
        return false;
    }
    if let Some(build) = build
        && !build.split('.').all(ident)
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            id: "com.example.counts".into(),
            version: "1.0.0".into(),
            title: Localized::new("Compteurs", "Counts"),
            dashboards: vec![DashboardKind::Staff, DashboardKind::Firm],
            entitlements: vec!["client_management".into()],
            rights: vec![RightNeeded::view(RightEntity::Clients)],
            tabular: false,
        }
    }

    #[test]
    fn valid_manifest_passes() {
        sample().validate().unwrap();
    }

    #[test]
    fn ids() {
        for ok in ["com.example.counts", "fr.cabinet-x.c2", "a.b_c"] {
            validate_id(ok).unwrap();
        }
        for bad in ["counts", "Com.example", "com..x", "com.1x", "com.ex ample", ".a.b", "a.b.", "é.x"] {
            assert!(validate_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn semver() {
        for ok in ["0.1.0", "1.2.3", "1.0.0-alpha.1", "1.0.0+build.5", "10.20.30-rc-1+x"] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in ["1", "1.2", "01.2.3", "1.2.3-", "1.2.3-01", "1.2.x", "1.2.3+", "v1.2.3"] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn typed_errors() {
        let mut m = sample();
        m.dashboards.clear();
        assert_eq!(m.validate(), Err(ManifestError::NoDashboard));
        let mut m = sample();
        m.dashboards.push(DashboardKind::Staff);
        assert_eq!(m.validate(), Err(ManifestError::DuplicateDashboard(DashboardKind::Staff)));
        let mut m = sample();
        m.title.en = " ".into();
        assert_eq!(m.validate(), Err(ManifestError::EmptyTitle { locale: Locale::En }));
        let mut m = sample();
        m.version = "1.0".into();
        assert!(matches!(m.validate(), Err(ManifestError::InvalidVersion { .. })));
        let mut m = sample();
        m.entitlements = vec!["Client Management".into()];
        assert!(matches!(m.validate(), Err(ManifestError::InvalidEntitlement(_))));
    }

    #[test]
    fn json_shape_and_unknown_right_refused() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["rights"][0], serde_json::json!({"entity": "clients", "action": "view"}));
        assert_eq!(json["dashboards"], serde_json::json!(["staff", "firm"]));
        let bad = serde_json::json!({"id": "a.b", "version": "1.0.0", "title": {"fr": "x", "en": "x"},
            "dashboards": ["staff"], "rights": [{"entity": "invoices", "action": "view"}]});
        assert!(serde_json::from_value::<Manifest>(bad).is_err());
    }
}

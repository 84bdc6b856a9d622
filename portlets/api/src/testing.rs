//! Test helpers for portlet authors: [`FakeContext`], a [`DataContext`] that
//! answers through a closure and records every request and log message
//! ([`FakeContext::cancel`] raises `is_canceled`, to test a render that polls it).
//!
//! Not used by the engine; it lives here so that every portlet crate (the
//! built-ins and plugins alike) can test its renders without an engine and
//! without writing its own fake.
//!
//! ```
//! use clientele_portlet_api::testing::FakeContext;
//! use clientele_portlet_api::{DataContext, ErrorBody, Locale, Scope};
//! use serde_json::json;
//!
//! let ctx = FakeContext::new(|req| match req["op"].as_str() {
//!     Some("client.list") => Ok(json!({"items": [], "total": 12})),
//!     _ => Err(ErrorBody::new("bad_request", "unexpected request")),
//! })
//! .with_scope(Scope::Client { client_id: 5, staff_id: 2 })
//! .with_today("2026-03-04")
//! .with_locale(Locale::En);
//!
//! // ... render a portlet with `&ctx` ...
//! let answer = ctx.request(&json!({"op": "client.list", "limit": 1, "count": true})).unwrap();
//! assert_eq!(answer["total"], 12);
//! assert_eq!(ctx.requests(), vec![json!({"op": "client.list", "limit": 1, "count": true})]);
//! ```

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

use crate::manifest::Locale;
use crate::portlet::{DataContext, ErrorBody, LogLevel, Scope};

type Answer = dyn Fn(&Value) -> Result<Value, ErrorBody> + Send + Sync;

/// A fake [`DataContext`] for tests: answers each request with a closure and
/// records the requests in order.
///
/// Defaults: scope `Scope::Staff { staff_id: 1 }`, today `2026-11-27`,
/// locale French; change them with [`with_scope`](Self::with_scope),
/// [`with_today`](Self::with_today) and [`with_locale`](Self::with_locale).
/// It is `Send + Sync`, so it can also go to
/// [`render_with_budget`](crate::render_with_budget) in an `Arc`.
pub struct FakeContext {
    scope: Scope,
    today: String,
    locale: Locale,
    answer: Box<Answer>,
    requests: Mutex<Vec<Value>>,
    logs: Mutex<Vec<(LogLevel, String)>>,
    canceled: AtomicBool,
}

impl FakeContext {
    /// The default date of a fake context.
    pub const DEFAULT_TODAY: &'static str = "2026-11-27";

    /// A context answering every request with `answer(request)`.
    pub fn new(answer: impl Fn(&Value) -> Result<Value, ErrorBody> + Send + Sync + 'static) -> Self {
        FakeContext {
            scope: Scope::Staff { staff_id: 1 },
            today: Self::DEFAULT_TODAY.to_string(),
            locale: Locale::Fr,
            answer: Box::new(answer),
            requests: Mutex::new(Vec::new()),
            logs: Mutex::new(Vec::new()),
            canceled: AtomicBool::new(false),
        }
    }

    /// The messages the portlet logged ([`DataContext::log`]), in order.
    pub fn logs(&self) -> Vec<(LogLevel, String)> {
        self.logs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// From now on [`DataContext::is_canceled`] answers `true` (any thread
    /// may call it, e.g. while a render runs).
    pub fn cancel(&self) {
        self.canceled.store(true, Ordering::SeqCst);
    }

    /// A context answering every request with (a copy of) `value`.
    pub fn answering(value: Value) -> Self {
        Self::new(move |_| Ok(value.clone()))
    }

    /// A context failing every request with (a copy of) `error`.
    pub fn failing(error: ErrorBody) -> Self {
        Self::new(move |_| Err(error.clone()))
    }

    /// Who is looking, and at what.
    pub fn with_scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Today's date, `YYYY-MM-DD` (the firm's today in the engine).
    pub fn with_today(mut self, today: impl Into<String>) -> Self {
        self.today = today.into();
        self
    }

    /// The viewer's language.
    pub fn with_locale(mut self, locale: Locale) -> Self {
        self.locale = locale;
        self
    }

    /// The requests made so far, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.lock().clone()
    }

    /// The requests made so far, in order, forgetting them.
    pub fn take_requests(&self) -> Vec<Value> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        // A panicking test thread must not hide what was recorded.
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for FakeContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeContext")
            .field("scope", &self.scope)
            .field("today", &self.today)
            .field("locale", &self.locale)
            .field("requests", &*self.lock())
            .finish_non_exhaustive()
    }
}

impl DataContext for FakeContext {
    fn scope(&self) -> Scope {
        self.scope
    }

    fn today(&self) -> String {
        self.today.clone()
    }

    fn locale(&self) -> Locale {
        self.locale
    }

    fn request(&self, request: &Value) -> Result<Value, ErrorBody> {
        self.lock().push(request.clone());
        (self.answer)(request)
    }

    fn log(&self, level: LogLevel, message: &str) {
        self.logs.lock().unwrap_or_else(|e| e.into_inner()).push((level, message.to_string()));
    }

    fn is_canceled(&self) -> bool {
        self.canceled.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portlet::ContextInfo;
    use serde_json::json;
    use std::sync::Arc;

    #[test]
    fn defaults_builders_and_recording() {
        let ctx = FakeContext::answering(json!({"total": 3}));
        assert_eq!(
            ContextInfo::of(&ctx),
            ContextInfo {
                scope: Scope::Staff { staff_id: 1 },
                today: "2026-11-27".into(),
                locale: Locale::Fr,
                timezone: None
            }
        );
        assert_eq!(ctx.request(&json!({"op": "a"})).unwrap(), json!({"total": 3}));
        assert_eq!(ctx.request(&json!({"op": "b"})).unwrap(), json!({"total": 3}));
        assert_eq!(ctx.requests(), vec![json!({"op": "a"}), json!({"op": "b"})]);
        assert_eq!(ctx.take_requests().len(), 2);
        assert!(ctx.requests().is_empty());

        let ctx = FakeContext::failing(ErrorBody::new("forbidden", "no"))
            .with_scope(Scope::Client { client_id: 4, staff_id: 2 })
            .with_today("2026-03-04")
            .with_locale(Locale::En);
        assert_eq!(
            (ctx.scope(), ctx.today(), ctx.locale()),
            (Scope::Client { client_id: 4, staff_id: 2 }, "2026-03-04".to_string(), Locale::En)
        );
        assert_eq!(ctx.request(&json!({"op": "x"})).unwrap_err().code, "forbidden");
        assert_eq!(ctx.requests().len(), 1);
        assert!(format!("{ctx:?}").contains("2026-03-04"));
    }

    #[test]
    fn answers_through_the_closure_and_goes_to_a_budgeted_render() {
        let ctx = FakeContext::new(|r| match r["op"].as_str() {
            Some("echo") => Ok(r.clone()),
            _ => Err(ErrorBody::new("bad_request", "?")),
        });
        assert_eq!(ctx.request(&json!({"op": "echo", "x": 1})).unwrap(), json!({"op": "echo", "x": 1}));
        assert!(ctx.request(&json!({"op": "other"})).is_err());
        let _: Arc<dyn DataContext + Send + Sync> = Arc::new(ctx);
    }

    #[test]
    fn records_logs_and_cancels() {
        let ctx = FakeContext::answering(json!({}));
        assert!(!ctx.is_canceled());
        ctx.log(LogLevel::Warn, "slow");
        ctx.cancel();
        assert!(ctx.is_canceled());
        assert_eq!(ctx.logs(), vec![(LogLevel::Warn, "slow".to_string())]);
    }
}

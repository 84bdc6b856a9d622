//! Running a render under a time budget.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use crate::abi::MAX_LOG_MESSAGES_PER_RENDER;
use crate::manifest::Locale;
use crate::portlet::{DataContext, ErrorBody, LogLevel, Portlet, PortletError, Scope, drop_payload, panic_message};
use crate::view::ViewModel;

/// Renders `portlet` on a worker thread and waits at most `budget`.
///
/// - The portlet sees the budget through its context (ABI 1.2):
///   [`DataContext::remaining`] is what is left of it (or of the caller's
///   context's own, if shorter), and [`DataContext::is_canceled`] turns true
///   once it is spent (or when the caller's context says so: the dashboards
///   closing). [`DataContext::log`] reaches the caller's context at most
///   [`MAX_LOG_MESSAGES_PER_RENDER`] times, each message cut to
///   [`crate::abi::MAX_LOG_MESSAGE_BYTES`]; when more were sent, one warning
///   says how many were dropped, after the render; nothing is logged once the
///   budget is spent.
/// - A render that overruns answers [`PortletError::Timeout`], also when it
///   returns just after its budget (having seen `is_canceled`). The worker
///   thread cannot be killed safely: it is abandoned and keeps running (and
///   keeps its `Arc`s to the portlet and the context alive) until the render
///   returns, if ever. A runaway plugin therefore keeps one thread busy for
///   the life of the process. The caller should therefore
///   - cut the context off on a timeout, so the abandoned render's later
///     requests are refused (the dashboard's `EngineContext::expire`),
///   - not let the context own what should be released meanwhile (the
///     dashboard's context holds only a `Weak` to the engine),
///   - stop scheduling a portlet that times out repeatedly (the dashboard's
///     circuit breaker).
/// - A panic in a statically linked portlet is caught and answered as
///   [`PortletError::Panicked`]. (Loaded portlets catch their own panics on
///   their side of the ABI.)
///
/// The context is shared with the worker, hence `Arc<dyn DataContext + Send + Sync>`;
/// a context that wraps a database connection must be usable from that thread.
pub fn render_with_budget(
    portlet: Arc<dyn Portlet>,
    settings: serde_json::Value,
    ctx: Arc<dyn DataContext + Send + Sync>,
    budget: Duration,
) -> Result<ViewModel, PortletError> {
    let budgeted = Arc::new(Budgeted {
        inner: ctx,
        deadline: Instant::now().checked_add(budget),
        canceled: AtomicBool::new(false),
        logged: AtomicUsize::new(0),
    });
    let worker_ctx = budgeted.clone();
    let timeout = PortletError::Timeout { budget_ms: u64::try_from(budget.as_millis()).unwrap_or(u64::MAX) };
    let late = timeout.clone();
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new().name("clientele-portlet-render".into()).spawn(move || {
        let result = catch_unwind(AssertUnwindSafe(|| portlet.render(&settings, &*worker_ctx))).unwrap_or_else(|p| {
            let message = panic_message(&*p);
            drop_payload(p);
            Err(PortletError::Panicked { message })
        });
        // Past the budget (a portlet that saw `is_canceled` and returned
        // early, or just late): a timeout, whatever it answered.
        let result = if worker_ctx.spent() { Err(late) } else { result };
        worker_ctx.report_dropped();
        // The receiver may be gone after a timeout: nothing to do then.
        let _ = tx.send(result);
    });
    if let Err(e) = spawned {
        return Err(PortletError::internal(format!("cannot start render thread: {e}")));
    }
    match rx.recv_timeout(budget) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            budgeted.canceled.store(true, Ordering::SeqCst);
            Err(timeout)
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(PortletError::internal("render thread ended without an answer"))
        }
    }
}

/// The caller's context under a budget: cancel signal, deadline, log cap.
struct Budgeted {
    inner: Arc<dyn DataContext + Send + Sync>,
    /// `None`: a budget too large to represent (no deadline).
    deadline: Option<Instant>,
    /// Set when the budget ran out (the render is abandoned).
    canceled: AtomicBool,
    /// Messages sent to [`Budgeted::log`] so far.
    logged: AtomicUsize,
}

impl Budgeted {
    fn spent(&self) -> bool {
        self.canceled.load(Ordering::SeqCst) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// After the render: one warning for the messages over the cap.
    fn report_dropped(&self) {
        let sent = self.logged.load(Ordering::SeqCst);
        if sent > MAX_LOG_MESSAGES_PER_RENDER && !self.spent() {
            let dropped = sent - MAX_LOG_MESSAGES_PER_RENDER;
            self.inner.log(
                LogLevel::Warn,
                &format!("{dropped} more log messages of this render were dropped (at most {MAX_LOG_MESSAGES_PER_RENDER} per render)"),
            );
        }
    }
}

impl DataContext for Budgeted {
    fn scope(&self) -> Scope {
        self.inner.scope()
    }
    fn today(&self) -> String {
        self.inner.today()
    }
    fn locale(&self) -> Locale {
        self.inner.locale()
    }
    fn timezone(&self) -> Option<String> {
        self.inner.timezone()
    }
    fn request(&self, request: &serde_json::Value) -> Result<serde_json::Value, ErrorBody> {
        self.inner.request(request)
    }
    fn log(&self, level: LogLevel, message: &str) {
        let n = self.logged.fetch_add(1, Ordering::SeqCst);
        if n < MAX_LOG_MESSAGES_PER_RENDER && !self.spent() {
            self.inner.log(level, &crate::clip_log_message(message));
        }
    }
    fn is_canceled(&self) -> bool {
        self.spent() || self.inner.is_canceled()
    }
    fn remaining(&self) -> Option<Duration> {
        let own = self.deadline.map(|d| d.saturating_duration_since(Instant::now()));
        match (own, self.inner.remaining()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

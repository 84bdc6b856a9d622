//! Running a render under a time budget.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use crate::portlet::{DataContext, Portlet, PortletError, drop_payload, panic_message};
use crate::view::ViewModel;

/// Renders `portlet` on a worker thread and waits at most `budget`.
///
/// - A render that overruns answers [`PortletError::Timeout`]. The worker
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
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new().name("clientele-portlet-render".into()).spawn(move || {
        let result = catch_unwind(AssertUnwindSafe(|| portlet.render(&settings, &*ctx))).unwrap_or_else(|p| {
            let message = panic_message(&*p);
            drop_payload(p);
            Err(PortletError::Panicked { message })
        });
        // The receiver may be gone after a timeout: nothing to do then.
        let _ = tx.send(result);
    });
    if let Err(e) = spawned {
        return Err(PortletError::internal(format!("cannot start render thread: {e}")));
    }
    match rx.recv_timeout(budget) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(PortletError::Timeout { budget_ms: u64::try_from(budget.as_millis()).unwrap_or(u64::MAX) })
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(PortletError::internal("render thread ended without an answer"))
        }
    }
}

//! The end of a trading day, per market and for the whole daemon. A daemon trading KRX and the US ends the
//! KRX day at `[daemon] shutdown_at` (KST) and the US day at `us_shutdown_at` (New York): each end stops that
//! market's new orders, cancels its open orders when asked and sends its day's summary, while the other market
//! keeps trading. The process stops when every market's day is over ([`super::DayPlan`]).

use std::time::Duration;

use kis_model::Market;
use kis_strategy::risk::HaltCause;

use super::{Daemon, DayPlan, ShutdownReport};
use crate::messages::Halt;
use crate::order_router::CancelAll;
use crate::risk_manager::SendDailySummary;
use crate::supervisor::StopAll;

/// How long a cancel-all may take before the orders are left to the next start.
const CANCEL_WAIT: Duration = Duration::from_secs(15);

impl Daemon {
    /// Ends the day of every market of `plan` whose end time has passed on the venue clock; true once every
    /// market's day is over (the daemon should then [`shutdown`](Daemon::shutdown)). Called in a loop by the
    /// process that runs the daemon.
    pub async fn end_due_days(&self, plan: &mut DayPlan, cancel_open: bool) -> bool {
        for market in plan.due(self.clock.now()) {
            self.end_day(market, cancel_open).await;
        }
        plan.finished()
    }

    /// One market's day is over: its new orders stop (exits included: its session is closed), its open
    /// orders are cancelled when asked, and its summary goes out. The daemon and the other market go on.
    pub async fn end_day(&self, market: Market, cancel_open: bool) -> ShutdownReport {
        tracing::info!(%market, cancel_open, "trading day over for this market: no new orders in it");
        self.slots.risk_halt.do_send(Halt {
            cause: HaltCause::Shutdown,
            reason: format!("{market} trading day over"),
            reduce_only: false,
            market: Some(market),
            alert: false,
        });
        let report = self.cancel_and_summarise(Some(market), cancel_open).await;
        self.ended.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(market);
        tracing::info!(%market, cancelled = report.cancelled, left_open = report.left_open, "market day ended");
        report
    }

    /// Stops trading at once (no new orders, exits included), cancels open orders when asked, lets the
    /// RiskManager send the day's summary, then stops every actor. The journal needs no flush: every line
    /// was synced when written.
    pub async fn shutdown(self, cancel_open: bool) -> ShutdownReport {
        tracing::info!(cancel_open, "daemon shutting down: no new orders");
        self.slots.risk_halt.do_send(Halt {
            cause: HaltCause::Shutdown,
            reason: "shutdown".into(),
            reduce_only: false,
            market: None,
            alert: false,
        });
        let report = self.cancel_and_summarise(None, cancel_open).await;
        self.supervisor.do_send(StopAll);
        // Let the children handle their Shutdown before the arbiters go.
        actix_rt::time::sleep(Duration::from_millis(200)).await;
        for arbiter in &self.arbiters {
            arbiter.stop();
        }
        let counts = self.notifier.counts();
        tracing::info!(
            cancelled = report.cancelled,
            left_open = report.left_open,
            telegram_delivered = counts.delivered,
            telegram_failed = counts.failed,
            telegram_dropped = counts.dropped_full + counts.dropped_closed,
            "daemon stopped"
        );
        report
    }

    /// The open orders of `market` (all with `None`) cancelled when asked, then the day's summary of each
    /// market concerned whose day has not been summarised yet.
    async fn cancel_and_summarise(&self, market: Option<Market>, cancel_open: bool) -> ShutdownReport {
        let mut report = ShutdownReport::default();
        let scope = CancelAll { market };
        if cancel_open {
            match actix_rt::time::timeout(CANCEL_WAIT, self.slots.router_cancel.send(scope)).await {
                Ok(Ok(outcome)) => {
                    report.cancelled = outcome.cancelled;
                    report.left_open = outcome.left_open;
                }
                Ok(Err(_)) => tracing::warn!("order router not running: open orders are left to the next start"),
                Err(_) => tracing::warn!("cancelling open orders took longer than 15 s; they are left open"),
            }
        } else {
            report.left_open = self.open_orders().await.iter().filter(|o| scope.covers(&o.symbol)).count();
        }
        let ended = self.ended.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let due = self.markets.iter().filter(|m| market.is_none_or(|only| **m == only) && !ended.contains(m));
        for &m in due {
            if self.slots.risk_summary.send(SendDailySummary { market: Some(m) }).await.is_err() {
                tracing::warn!(market = %m, "risk manager not running: no daily summary");
            }
        }
        report
    }
}

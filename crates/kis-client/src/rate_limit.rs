//! One request budget per app key, shared by every caller, orders first.
//!
//! KIS counts every call against one per-key limit (20/s real, 2/s paper; kis-protocol.md §4) and answers
//! excess with `EGW00201`. Whether its window is a fixed or a sliding second is unconfirmed, so the budget is
//! a sliding window: at most `limit` sends in any window of one second (plus a small margin for clock and
//! network jitter), which satisfies either kind. A token bucket would not: its burst plus its refill exceed
//! the limit within one second.
//!
//! Lower priorities leave headroom to higher ones — a quote may only send while a quarter of the window's
//! budget stays free, a screener sweep while half does — so an order never queues behind a rank sweep.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Who is asking, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Order placement, modify, cancel.
    Order,
    /// Token, balance, order and fill inquiries (reconciliation).
    Account,
    /// Quotes and candles.
    Quote,
    /// Rank sweeps of the screener.
    Screener,
}

impl Priority {
    /// Sends this priority may use out of `limit` per window.
    fn allowance(self, limit: usize) -> usize {
        let allowance = match self {
            Priority::Order | Priority::Account => limit,
            Priority::Quote => limit - limit / 4,
            Priority::Screener => limit - limit / 2,
        };
        allowance.max(1)
    }
}

/// The window KIS counts in, plus margin for jitter between our clock and its gateway.
pub const WINDOW: Duration = Duration::from_millis(1_020);

/// Send times of the last window. Time is passed in, so the rule is testable without sleeping.
#[derive(Debug, Clone)]
pub struct SlidingWindow {
    limit: usize,
    sent: VecDeque<Instant>,
}

impl SlidingWindow {
    /// At most `limit` (≥ 1) sends per [`WINDOW`].
    pub fn new(limit: u32) -> SlidingWindow {
        let limit = usize::try_from(limit.max(1)).unwrap_or(1);
        SlidingWindow { limit, sent: VecDeque::with_capacity(limit) }
    }

    /// Records a send for `priority` at `now`, or says how long to wait before asking again.
    pub fn try_take(&mut self, priority: Priority, now: Instant) -> Result<(), Duration> {
        while self.sent.front().is_some_and(|&t| now.saturating_duration_since(t) >= WINDOW) {
            self.sent.pop_front();
        }
        let allowance = priority.allowance(self.limit);
        if self.sent.len() < allowance {
            self.sent.push_back(now);
            return Ok(());
        }
        // The send that must leave the window before this priority has room again.
        let blocking = self.sent.len() + 1 - allowance;
        let oldest = self.sent.get(blocking - 1).copied().unwrap_or(now);
        Err((oldest + WINDOW).saturating_duration_since(now).max(Duration::from_millis(1)))
    }

    /// KIS said `EGW00201` anyway: treat the whole window as used from `now`.
    pub fn saturate(&mut self, now: Instant) {
        self.sent.clear();
        self.sent.extend(std::iter::repeat_n(now, self.limit));
    }
}

/// The async face of [`SlidingWindow`] for one arbiter's callers (cloning shares the budget).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    window: Rc<RefCell<SlidingWindow>>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter { window: Rc::new(RefCell::new(SlidingWindow::new(per_second))) }
    }

    /// Waits until `priority` may send, and counts the send.
    pub async fn acquire(&self, priority: Priority) {
        loop {
            let wait = self.window.borrow_mut().try_take(priority, Instant::now());
            match wait {
                Ok(()) => return,
                Err(delay) => tokio::time::sleep(delay).await,
            }
        }
    }

    pub fn saturate(&self) {
        self.window.borrow_mut().saturate(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends as fast as the window allows for `secs`, returning the send times.
    fn drive(w: &mut SlidingWindow, priority: Priority, t0: Instant, secs: u64) -> Vec<Instant> {
        let mut sent = Vec::new();
        let mut now = t0;
        while now < t0 + Duration::from_secs(secs) {
            match w.try_take(priority, now) {
                Ok(()) => sent.push(now),
                Err(wait) => now += wait,
            }
        }
        sent
    }

    fn max_in_any_second(sent: &[Instant]) -> usize {
        (0..sent.len())
            .map(|i| sent[i..].iter().take_while(|&&t| t < sent[i] + Duration::from_secs(1)).count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn never_more_than_the_limit_in_any_second() {
        let t0 = Instant::now();
        for limit in [2u32, 5, 20] {
            let mut w = SlidingWindow::new(limit);
            let sent = drive(&mut w, Priority::Order, t0, 10);
            assert!(max_in_any_second(&sent) <= limit as usize, "limit {limit}");
            // And the budget is used: close to limit × 10 s / 1.02 s.
            assert!(sent.len() >= (limit as usize) * 9, "limit {limit}: only {} sends", sent.len());
        }
    }

    #[test]
    fn paper_waits_for_the_window() {
        let t0 = Instant::now();
        let mut w = SlidingWindow::new(2);
        assert_eq!(w.try_take(Priority::Order, t0), Ok(()));
        assert_eq!(w.try_take(Priority::Order, t0 + Duration::from_millis(100)), Ok(()));
        assert_eq!(w.try_take(Priority::Order, t0 + Duration::from_millis(200)), Err(Duration::from_millis(820)));
        assert_eq!(w.try_take(Priority::Order, t0 + Duration::from_millis(1_020)), Ok(()));
    }

    #[test]
    fn lower_priorities_leave_headroom() {
        let t0 = Instant::now();
        let mut w = SlidingWindow::new(20);
        let screener = std::iter::from_fn(|| w.try_take(Priority::Screener, t0).ok()).count();
        assert_eq!(screener, 10, "screener stops at half the window");
        let quotes = std::iter::from_fn(|| w.try_take(Priority::Quote, t0).ok()).count();
        assert_eq!(quotes, 5, "quotes stop at three quarters");
        let orders = std::iter::from_fn(|| w.try_take(Priority::Order, t0).ok()).count();
        assert_eq!(orders, 5, "orders may use the rest");
        // A screener waits until 11 sends have left the window; an order until 1 has.
        assert!(w.try_take(Priority::Order, t0 + WINDOW).is_ok());
    }

    #[test]
    fn saturate_forces_a_full_window_wait() {
        let t0 = Instant::now();
        let mut w = SlidingWindow::new(20);
        w.saturate(t0);
        assert_eq!(w.try_take(Priority::Order, t0), Err(WINDOW));
        assert!(w.try_take(Priority::Order, t0 + WINDOW).is_ok());
    }
}

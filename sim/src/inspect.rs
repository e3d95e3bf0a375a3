//! In-process inspection of a running simulator, for tests and the daemon's embedded simulator: small
//! questions answered under the state lock, so that callers need not reach into [`crate::Exchange`]'s fields.

use std::time::Duration;

use kis_model::Market;

use crate::exchange::lock;
use crate::{ClockView, SimHandle};

impl SimHandle {
    /// Whether `market`'s session is open as of the driver's last step.
    pub fn is_open(&self, market: Market) -> bool {
        lock(self.state()).is_open(market)
    }

    /// Waits (polling every 10 ms of real time) until `market` opens; false if it did not within `within`.
    pub async fn wait_open(&self, market: Market, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if self.is_open(market) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Every order of account `account` (0 is the first listed), oldest first.
    pub fn orders_of(&self, account: usize) -> Vec<kis_engine::Order> {
        lock(self.state()).orders_of(account)
    }

    /// Virtual time now, read under the state lock ([`crate::Exchange::virtual_now`]).
    pub fn virtual_now(&self) -> chrono::DateTime<chrono::Utc> {
        lock(self.state()).virtual_now()
    }

    /// The exchange's virtual clock, readable without its lock.
    pub fn clock(&self) -> ClockView {
        lock(self.state()).clock_view.clone()
    }
}

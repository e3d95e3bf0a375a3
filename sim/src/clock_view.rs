//! The simulator's virtual clock, readable without the exchange's lock.
//!
//! The exchange's lock is held for a whole market step (all symbols at once: long at 2,000 symbols), so a
//! client in the same process that read the time through it — the daemon's venue clock, asked on every
//! tick — would wait on the simulator and block its own event loop. The driver publishes every change of
//! the clock here instead; reading it takes a lock held only for a copy.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Utc};
use kis_synth::VirtualClock;

#[derive(Debug, Clone)]
pub struct ClockView {
    clock: Arc<Mutex<VirtualClock>>,
    started: Instant,
}

impl ClockView {
    pub(crate) fn new(clock: VirtualClock, started: Instant) -> ClockView {
        ClockView { clock: Arc::new(Mutex::new(clock)), started }
    }

    /// Virtual time now, as the exchange computes it (`clock.virtual_at(started.elapsed())`).
    pub fn now(&self) -> DateTime<Utc> {
        let clock = *self.clock.lock().unwrap_or_else(PoisonError::into_inner);
        clock.virtual_at(self.started.elapsed())
    }

    /// Virtual seconds per real second.
    pub fn speed(&self) -> u32 {
        self.clock.lock().unwrap_or_else(PoisonError::into_inner).speed()
    }

    /// Called by whoever changes the exchange's clock (the driver, when it rebases).
    pub(crate) fn publish(&self, clock: VirtualClock) {
        *self.clock.lock().unwrap_or_else(PoisonError::into_inner) = clock;
    }
}

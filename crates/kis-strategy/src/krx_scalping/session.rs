//! The trading day as the time windows need it: open, previous close, high so far, first pullback.

use chrono::{DateTime, Utc};
use kis_model::kst::kst_day_number;

const PPM: u128 = 1_000_000;

#[derive(Debug, Clone, Default)]
pub struct Session {
    day: Option<i64>,
    open: u64,
    high: u64,
    last: u64,
    prev_close: Option<u64>,
    pullback_seen: bool,
}

impl Session {
    /// Records a trade price; returns true when it opened a new KST day.
    pub fn on_price(&mut self, ts: DateTime<Utc>, won: u64, pullback_ppm: u64) -> bool {
        let day = kst_day_number(ts);
        let new_day = self.day != Some(day);
        if new_day {
            if self.day.is_some() {
                self.prev_close = Some(self.last);
            }
            *self = Session {
                day: Some(day),
                open: won,
                high: won,
                last: won,
                prev_close: self.prev_close,
                pullback_seen: false,
            };
            return true;
        }
        self.last = won;
        if won > self.high {
            self.high = won;
        } else if u128::from(won) * PPM <= u128::from(self.high) * PPM.saturating_sub(u128::from(pullback_ppm)) {
            self.pullback_seen = true;
        }
        false
    }

    /// Whether today opened at least `gap_ppm` (millionths) above the previous close.
    pub fn gapped_up(&self, gap_ppm: u64) -> bool {
        self.prev_close
            .is_some_and(|pc| pc > 0 && u128::from(self.open) * PPM >= u128::from(pc) * (PPM + u128::from(gap_ppm)))
    }

    pub fn pullback_seen(&self) -> bool {
        self.pullback_seen
    }
}

//! KRX daily price limits (가격제한폭): ±30 % of the base price, rounded inward to a valid tick.
//!
//! Official example: base 128,500 → upper 167,000 (not 167,050), lower 90,000 (not 89,950). When inquire-price
//! supplies `stck_mxpr`/`stck_llam`, those win; this is for the simulator and for pre-trade checks.

use serde::{Deserialize, Serialize};

use crate::tick_size::{InstrumentKind, ceil_to_tick, floor_to_tick};

/// The limit as a percentage; a constant of KRX's rules since 2015-06-15.
pub const DAILY_LIMIT_PCT: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyLimits {
    pub upper: u64,
    pub lower: u64,
}

impl DailyLimits {
    pub fn contains(&self, won: u64) -> bool {
        (self.lower..=self.upper).contains(&won)
    }
}

/// Limits around `base` (normally the previous close, `stck_sdpr`).
pub fn daily_limits(base: u64, kind: InstrumentKind) -> DailyLimits {
    // Integer arithmetic: base × 130 / 100 floored, then inward to the grid; never below 1 won.
    let upper_raw = base.saturating_mul(100 + DAILY_LIMIT_PCT) / 100;
    let lower_raw = (base.saturating_mul(100 - DAILY_LIMIT_PCT)).div_ceil(100);
    DailyLimits { upper: floor_to_tick(upper_raw, kind).max(1), lower: ceil_to_tick(lower_raw, kind) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InstrumentKind::Stock;

    #[test]
    fn official_example() {
        let l = daily_limits(128_500, Stock);
        assert_eq!(l, DailyLimits { upper: 167_000, lower: 90_000 });
        assert!(l.contains(167_000) && l.contains(90_000) && !l.contains(167_100) && !l.contains(89_900));
    }

    #[test]
    fn samsung_2026_capture() {
        // 2026-07-24 capture: price 250,500 with change −19,500 → base 270,000.
        assert_eq!(daily_limits(270_000, Stock), DailyLimits { upper: 351_000, lower: 189_000 });
    }

    #[test]
    fn cheap_and_band_crossing() {
        assert_eq!(daily_limits(1_000, Stock), DailyLimits { upper: 1_300, lower: 700 });
        // 1,999 × 1.3 = 2,598.7 → 2,598 → floor on the 5-won grid.
        assert_eq!(daily_limits(1_999, Stock), DailyLimits { upper: 2_595, lower: 1_400 });
        assert_eq!(daily_limits(1, Stock), DailyLimits { upper: 1, lower: 1 });
    }
}

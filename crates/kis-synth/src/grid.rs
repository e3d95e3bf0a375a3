//! Prices as integers in the market's minor unit (won, or US cents) and the tick grid they live on.
//!
//! The generator works on integers so the hot path never touches `Decimal`; a [`Price`] is built only when an
//! event leaves the crate.

use kis_model::tick_size::{self, InstrumentKind};
use kis_model::{DailyLimits, Price, daily_limits};
use rust_decimal::Decimal;

/// The grid of one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grid {
    /// KRX stock tick table (1 to 1,000 won by price band).
    Krx,
    /// US: one cent at every price the generator produces (it keeps US prices at or above one dollar).
    UsCents,
}

impl Grid {
    pub fn up(self, p: u64, n: u32) -> u64 {
        match self {
            Grid::Krx => tick_size::tick_up(p, n, InstrumentKind::Stock),
            Grid::UsCents => p.saturating_add(u64::from(n)),
        }
    }

    /// One or more ticks down; 0 when that would leave the positive prices (0 is never inside a band).
    pub fn down(self, p: u64, n: u32) -> u64 {
        match self {
            Grid::Krx => tick_size::tick_down(p, n, InstrumentKind::Stock).unwrap_or(0),
            Grid::UsCents => p.saturating_sub(u64::from(n)),
        }
    }

    pub fn floor(self, p: u64) -> u64 {
        match self {
            Grid::Krx => tick_size::floor_to_tick(p, InstrumentKind::Stock),
            Grid::UsCents => p,
        }
    }

    pub fn is_on_grid(self, p: u64) -> bool {
        match self {
            Grid::Krx => tick_size::is_on_tick(p, InstrumentKind::Stock),
            Grid::UsCents => p > 0,
        }
    }

    /// The tick at `p` (the step to the next price up).
    pub fn tick(self, p: u64) -> u64 {
        match self {
            Grid::Krx => tick_size::krx_tick_size(p, InstrumentKind::Stock),
            Grid::UsCents => 1,
        }
    }

    pub fn to_price(self, minor: u64) -> Price {
        match self {
            Grid::Krx => Price::from_won(minor),
            // Cents scaled by 2 are non-negative by construction, so `Price::new` cannot refuse them.
            Grid::UsCents => Price::new(Decimal::new(minor as i64, 2)).unwrap_or(Price::ZERO),
        }
    }

    /// The minor-unit value of a price, when it is exactly representable on this market's unit.
    pub fn from_price(self, price: Price) -> Option<u64> {
        let scaled = match self {
            Grid::Krx => price.value(),
            Grid::UsCents => price.value().checked_mul(Decimal::ONE_HUNDRED)?,
        };
        if !scaled.fract().is_zero() {
            return None;
        }
        u64::try_from(scaled).ok()
    }

    /// The band prices must stay in for the day. KRX: the ±30 % daily limits. US has no daily limit; the band
    /// halves/doubles the previous close and never goes below one dollar, so the generator stays on a cent grid.
    pub fn band(self, prev_close: u64) -> DailyLimits {
        match self {
            Grid::Krx => daily_limits(prev_close, InstrumentKind::Stock),
            Grid::UsCents => DailyLimits { upper: prev_close.saturating_mul(2), lower: (prev_close / 2).max(100) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn krx_steps_cross_bands_and_us_steps_cents() {
        assert_eq!(Grid::Krx.up(1_999, 1), 2_000);
        assert_eq!(Grid::Krx.down(2_000, 1), 1_999);
        assert_eq!(Grid::Krx.down(1, 1), 0);
        assert_eq!(Grid::Krx.tick(70_000), 100);
        assert_eq!(Grid::UsCents.up(12_345, 2), 12_347);
        assert_eq!(Grid::UsCents.to_price(12_340).to_string(), "123.4");
        assert_eq!(Grid::UsCents.from_price("123.4".parse().unwrap()), Some(12_340));
        assert_eq!(Grid::UsCents.from_price("123.405".parse().unwrap()), None);
        assert_eq!(Grid::Krx.from_price("70100.5".parse().unwrap()), None);
        assert_eq!(Grid::Krx.band(128_500), DailyLimits { upper: 167_000, lower: 90_000 });
        assert_eq!(Grid::UsCents.band(150), DailyLimits { upper: 300, lower: 100 });
    }
}

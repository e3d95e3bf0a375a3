//! The price a backtest fill gets: the fill model's market price moved `n` ticks against us.
//!
//! KRX moves along the real tick grid (`tick_up`/`tick_down`, which cross bands correctly) and never past the
//! day's price limits, where no trade can print. US moves by the SEC Rule 612 grid: a cent from one dollar up,
//! a hundredth of a cent below.

use kis_engine::MarketRules;
use kis_model::tick_size::{tick_down, tick_up, to_won};
use kis_model::{Price, Side};
use rust_decimal::Decimal;

/// Why no fill price exists; the caller counts the order as rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlipError {
    /// A KRX price that is not whole won.
    NotWholeWon,
}

/// `base` moved `ticks` against `side`: up for a buy, down for a sell.
pub fn slipped_price(rules: &MarketRules, base: Price, side: Side, ticks: u32) -> Result<Price, SlipError> {
    if ticks == 0 {
        return Ok(base);
    }
    match *rules {
        MarketRules::Krx { kind, limits, .. } => {
            let won = to_won(base).map_err(|_| SlipError::NotWholeWon)?;
            let moved = match side {
                Side::Buy => tick_up(won, ticks, kind).min(limits.upper.max(won)),
                // Below the lowest tick there is nothing to sell at; stop at the lower limit first.
                Side::Sell => tick_down(won, ticks, kind).unwrap_or(1).max(limits.lower.min(won)),
            };
            Ok(Price::from_won(moved))
        }
        MarketRules::Us => {
            let value = base.value();
            let tick = if value >= Decimal::ONE { Decimal::new(1, 2) } else { Decimal::new(1, 4) };
            let shift = tick * Decimal::from(ticks);
            let moved = match side {
                Side::Buy => value + shift,
                Side::Sell => (value - shift).max(tick),
            };
            Ok(Price::new(moved).unwrap_or(base))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_model::tick_size::InstrumentKind;
    use kis_model::{DailyLimits, KrxBoard};

    fn krx(lower: u64, upper: u64) -> MarketRules {
        MarketRules::Krx { board: KrxBoard::Kospi, kind: InstrumentKind::Stock, limits: DailyLimits { upper, lower } }
    }

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn krx_slippage_walks_the_grid_across_bands() {
        let rules = krx(1_000, 100_000);
        // 49,950 is in the 50-won band; two ticks up crosses into the 100-won band at 50,000.
        assert_eq!(slipped_price(&rules, p("49950"), Side::Buy, 2).unwrap(), p("50100"));
        // 2,000 down one tick uses the tick of the band below (1 won): 1,999.
        assert_eq!(slipped_price(&rules, p("2000"), Side::Sell, 1).unwrap(), p("1999"));
        assert_eq!(slipped_price(&rules, p("70100"), Side::Sell, 3).unwrap(), p("69800"));
        assert_eq!(slipped_price(&rules, p("70100"), Side::Buy, 0).unwrap(), p("70100"));
        assert_eq!(slipped_price(&rules, p("70100.5"), Side::Buy, 1), Err(SlipError::NotWholeWon));
    }

    #[test]
    fn krx_slippage_stops_at_the_daily_limits() {
        let rules = krx(69_900, 70_200);
        assert_eq!(slipped_price(&rules, p("70100"), Side::Buy, 5).unwrap(), p("70200"));
        assert_eq!(slipped_price(&rules, p("70000"), Side::Sell, 5).unwrap(), p("69900"));
    }

    #[test]
    fn us_slippage_in_cents_or_hundredths_below_a_dollar() {
        let rules = MarketRules::Us;
        assert_eq!(slipped_price(&rules, p("190.5"), Side::Buy, 3).unwrap(), p("190.53"));
        assert_eq!(slipped_price(&rules, p("190.5"), Side::Sell, 2).unwrap(), p("190.48"));
        assert_eq!(slipped_price(&rules, p("0.5"), Side::Buy, 2).unwrap(), p("0.5002"));
        assert_eq!(slipped_price(&rules, p("0.0002"), Side::Sell, 5).unwrap(), p("0.0001"));
    }
}

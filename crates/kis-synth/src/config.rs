//! Knobs of the synthetic market.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    #[error("{what} is {value}: expected {expected}")]
    OutOfRange { what: &'static str, value: f64, expected: &'static str },
}

/// How busy and how wild the market is. All rates are averages over a session for a symbol of liquidity 1.0;
/// the intraday U-shape, regimes and bursts modulate them.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketConfig {
    pub seed: u64,
    /// Average trades per symbol per minute (KRX mid caps print a few dozen).
    pub trades_per_minute: f64,
    /// Book-only updates per trade (every trade also sends the book after it).
    pub quotes_per_trade: f64,
    /// Standard deviation of the opening gap for a symbol of 2 % daily volatility (0.01 = 1 %).
    pub gap_sigma: f64,
    /// Past daily bars kept per symbol (the oldest drops out as days close).
    pub history_days: usize,
    /// Whether completed 1-minute bars are emitted as `MarketEvent::Bar` (at the minute's end).
    pub emit_bars: bool,
}

impl Default for MarketConfig {
    fn default() -> Self {
        MarketConfig {
            seed: 1,
            trades_per_minute: 20.0,
            quotes_per_trade: 1.5,
            gap_sigma: 0.01,
            history_days: 120,
            emit_bars: false,
        }
    }
}

impl MarketConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let check = |what, value: f64, lo: f64, hi: f64, expected| {
            if value.is_finite() && value >= lo && value <= hi {
                Ok(())
            } else {
                Err(ConfigError::OutOfRange { what, value, expected })
            }
        };
        check("trades_per_minute", self.trades_per_minute, 0.01, 10_000.0, "0.01 to 10,000")?;
        check("quotes_per_trade", self.quotes_per_trade, 0.0, 100.0, "0 to 100")?;
        check("gap_sigma", self.gap_sigma, 0.0, 0.2, "0 to 0.2")?;
        check("history_days", self.history_days as f64, 0.0, 2_000.0, "0 to 2,000")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_bad_values_are_named() {
        assert_eq!(MarketConfig::default().validate(), Ok(()));
        let bad = MarketConfig { trades_per_minute: f64::NAN, ..MarketConfig::default() };
        assert_eq!(bad.validate().unwrap_err().to_string(), "trades_per_minute is NaN: expected 0.01 to 10,000");
        let bad = MarketConfig { quotes_per_trade: -1.0, ..MarketConfig::default() };
        assert!(matches!(bad.validate(), Err(ConfigError::OutOfRange { what: "quotes_per_trade", .. })));
        let bad = MarketConfig { history_days: 5_000, ..MarketConfig::default() };
        assert!(matches!(bad.validate(), Err(ConfigError::OutOfRange { what: "history_days", .. })));
    }
}

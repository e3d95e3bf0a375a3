//! Parameters of the US RSI + MACD strategy.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::bar_aggregator::BarInterval;
use crate::error::ConfigError;
use crate::us_rsi_macd::tickers::{TickerListError, parse_ticker_list};
use kis_model::Symbol;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UsRsiMacdConfig {
    pub id: String,
    /// `EXCHANGE:TICKER` list, e.g. `NASDAQ:TQQQ,NYSE:O,AMEX:XLF`. Empty means the symbols come from
    /// elsewhere (a screener); when set, only listed symbols get an instance.
    pub tickers: String,
    /// Candle size RSI and MACD run on.
    pub rsi_interval: BarInterval,
    /// Length of the `Bar` events this strategy is fed (the market cache's bars), so it knows when one
    /// completes a candle of `rsi_interval`.
    pub input_bar_interval: BarInterval,
    pub rsi_period: usize,
    /// Buy when RSI ≤ this.
    pub oversold: f64,
    /// Sell when RSI ≥ this (and a recent golden cross).
    pub overbought: f64,
    pub macd_fast: usize,
    pub macd_slow: usize,
    pub macd_signal: usize,
    /// A golden cross counts on its bar and the `golden_cross_bars − 1` completed bars after it.
    pub golden_cross_bars: usize,
    /// Minimum time between buys of this symbol.
    pub buy_delay_secs: u64,
    /// Minimum time between sells of this symbol (stop-loss exits ignore it).
    pub sell_delay_secs: u64,
    pub buy_cash_fraction: Decimal,
    pub sell_position_fraction: Decimal,
    /// Loss from the average price (percent) at which the whole holding is sold.
    pub stop_loss_pct: Decimal,
    /// Limit = last price ± this percentage (KIS has no US market order).
    pub limit_offset_pct: Decimal,
}

impl Default for UsRsiMacdConfig {
    fn default() -> Self {
        UsRsiMacdConfig {
            id: "us-rsi-macd".to_string(),
            tickers: String::new(),
            rsi_interval: BarInterval::Day,
            input_bar_interval: BarInterval::Min1,
            rsi_period: 14,
            oversold: 50.0,
            overbought: 60.0,
            macd_fast: 12,
            macd_slow: 26,
            macd_signal: 9,
            golden_cross_bars: 5,
            buy_delay_secs: 300,
            sell_delay_secs: 300,
            buy_cash_fraction: Decimal::new(3, 1),
            sell_position_fraction: Decimal::new(3, 1),
            stop_loss_pct: Decimal::from(5),
            limit_offset_pct: Decimal::new(5, 1),
        }
    }
}

impl UsRsiMacdConfig {
    /// The parsed ticker list (empty when none is configured).
    pub fn symbols(&self) -> Result<Vec<Symbol>, TickerListError> {
        if self.tickers.trim().is_empty() { Ok(Vec::new()) } else { parse_ticker_list(&self.tickers) }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.id.trim().is_empty() {
            return Err(ConfigError::new("id", "must not be empty"));
        }
        self.symbols().map_err(|e| ConfigError::new("tickers", e.to_string()))?;
        kis_indicators::Rsi::new(self.rsi_period).map_err(|e| ConfigError::new("rsi_period", e.to_string()))?;
        kis_indicators::Macd::new(self.macd_fast, self.macd_slow, self.macd_signal)
            .map_err(|e| ConfigError::new("macd_fast", e.to_string()))?;
        for (field, v) in [("oversold", self.oversold), ("overbought", self.overbought)] {
            if !(0.0..=100.0).contains(&v) {
                return Err(ConfigError::new(field, format!("must be between 0 and 100, got {v}")));
            }
        }
        if self.oversold >= self.overbought {
            return Err(ConfigError::new(
                "oversold",
                format!("must be below overbought ({}), got {}", self.overbought, self.oversold),
            ));
        }
        if self.golden_cross_bars == 0 {
            return Err(ConfigError::new("golden_cross_bars", "must be at least 1"));
        }
        let unit = |field, v: Decimal| {
            if v <= Decimal::ZERO || v > Decimal::ONE {
                Err(ConfigError::new(field, format!("must be in (0, 1], got {v}")))
            } else {
                Ok(())
            }
        };
        unit("buy_cash_fraction", self.buy_cash_fraction)?;
        unit("sell_position_fraction", self.sell_position_fraction)?;
        if self.stop_loss_pct <= Decimal::ZERO || self.stop_loss_pct >= Decimal::ONE_HUNDRED {
            return Err(ConfigError::new("stop_loss_pct", format!("must be in (0, 100), got {}", self.stop_loss_pct)));
        }
        if self.limit_offset_pct < Decimal::ZERO || self.limit_offset_pct >= Decimal::from(50) {
            return Err(ConfigError::new(
                "limit_offset_pct",
                format!("must be in [0, 50), got {}", self.limit_offset_pct),
            ));
        }
        if input_longer(self.input_bar_interval, self.rsi_interval) {
            return Err(ConfigError::new(
                "input_bar_interval",
                format!("{} bars cannot build {} candles", self.input_bar_interval, self.rsi_interval),
            ));
        }
        Ok(())
    }
}

/// Whether bars of `input` are too coarse to build (or do not divide) candles of `target`.
fn input_longer(input: BarInterval, target: BarInterval) -> bool {
    match (input.minutes(), target.minutes()) {
        (Some(i), Some(t)) => t % i != 0,
        (None, Some(_)) => true,
        (_, None) => false,
    }
}

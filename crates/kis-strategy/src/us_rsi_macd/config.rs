//! Parameters of the US RSI + MACD strategy.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::bar_aggregator::BarInterval;
use crate::error::ConfigError;
use crate::order_type::OrderType;
use crate::risk::{RiskConfig, SizingRules};
use crate::us_rsi_macd::limit_price::DEFAULT_STOP_LOSS_OFFSET_TICKS;
use crate::us_rsi_macd::tickers::{TickerListError, parse_ticker_list};
use kis_model::Symbol;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UsRsiMacdConfig {
    pub id: String,
    /// `EXCHANGE:TICKER` list, e.g. `NASDAQ:TQQQ,NYSE:O,AMEX:XLF`. Empty means the symbols come from
    /// elsewhere (a screener); when set, only listed symbols get an instance.
    pub tickers: String,
    /// Candle size RSI runs on (the user's `RSI_INTERVAL`).
    pub rsi_interval: BarInterval,
    /// Candle size MACD and its golden cross run on (the user's `MACD_INTERVAL`); unset, `rsi_interval`.
    pub macd_interval: Option<BarInterval>,
    /// Length of the `Bar` events this strategy is fed (the market cache's bars), so it knows when one
    /// completes a candle. Bars that turn out to be daily (each of the first three on its own New York date)
    /// are taken as daily whatever this says, so daily data left at the 1-minute default is not judged a
    /// bar late (see `InputInterval`).
    pub input_bar_interval: BarInterval,
    /// The rules are evaluated at most once per this many minutes (the user's `CHECK_INTERVAL_MINUTES`):
    /// live trades arrive many times a second, the user's bot looks once a minute. 0 evaluates on every
    /// event. Candles and indicators are updated on every event either way.
    pub check_interval_minutes: u64,
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
    /// The stop-loss sells the whole holding at a limit this many $0.01 ticks below the best bid (or the
    /// last trade when it is lower or no book is known), never below $0.01: a marketable limit, as KIS has
    /// no US market order (see [`us_marketable_sell`](crate::us_rsi_macd::us_marketable_sell)).
    #[serde(deserialize_with = "offset_ticks")]
    pub stop_loss_offset_ticks: u32,
    /// How buys are sent: `limit` (default), or the auction kinds `loo` / `loc` (real accounts only; MOO and
    /// MOC cannot buy at KIS).
    pub buy_order_type: OrderType,
    /// How rule sells are sent: `limit` (default), `loo`, `loc`, `moo` or `moc` (the auction kinds on real
    /// accounts only). The stop-loss always sells at its marketable limit: it cannot wait for an auction.
    pub sell_order_type: OrderType,
    /// This strategy's own risk rules (`[strategies.risk]`); unset, [`default_risk`](Self::default_risk).
    pub risk: Option<RiskConfig>,
}

impl Default for UsRsiMacdConfig {
    fn default() -> Self {
        UsRsiMacdConfig {
            id: "us-rsi-macd".to_string(),
            tickers: String::new(),
            rsi_interval: BarInterval::Day,
            macd_interval: None,
            input_bar_interval: BarInterval::Min1,
            check_interval_minutes: 1,
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
            stop_loss_offset_ticks: DEFAULT_STOP_LOSS_OFFSET_TICKS,
            buy_order_type: OrderType::Limit,
            sell_order_type: OrderType::Limit,
            risk: None,
        }
    }
}

/// Open positions the US rule allows by default: the user's bot has no limit, and a limit that bound would
/// refuse buys it makes. More listings than a ticker list holds in practice.
pub const US_MAX_OPEN_POSITIONS: usize = 100;

/// Longest check interval accepted: a day. Longer would skip whole sessions.
pub const MAX_CHECK_INTERVAL_MINUTES: u64 = 24 * 60;

impl UsRsiMacdConfig {
    /// The order-type keys set to an auction kind, which KIS takes on real accounts only.
    pub fn auction_order_types(&self) -> Vec<(&'static str, OrderType)> {
        [("buy_order_type", self.buy_order_type), ("sell_order_type", self.sell_order_type)]
            .into_iter()
            .filter(|(_, t)| t.is_auction())
            .collect()
    }

    /// The candle size MACD runs on: `macd_interval`, or `rsi_interval` when unset.
    pub fn macd_interval(&self) -> BarInterval {
        self.macd_interval.unwrap_or(self.rsi_interval)
    }

    /// The user's sizing rule: each buy spends `buy_cash_fraction` of the cash left, however much of the
    /// account the position already is, so there is no per-position cap (`max_position_pct = "none"`), and
    /// no practical limit on open positions ([`US_MAX_OPEN_POSITIONS`]; holdings bought by hand in the same
    /// account count too, so the ticker list's length would be too tight). The other rules keep their
    /// defaults: the signals carry no stop, so the risk-per-trade cap never applies; the daily loss and
    /// order-rate breakers stay on (the user's bot has neither; a `risk` table changes them).
    pub fn default_risk(&self) -> RiskConfig {
        RiskConfig {
            sizing: SizingRules {
                max_position_pct: None,
                max_open_positions: US_MAX_OPEN_POSITIONS,
                ..SizingRules::default()
            },
            ..RiskConfig::default()
        }
    }

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
        if !self.buy_order_type.allows(kis_model::Side::Buy) {
            return Err(ConfigError::new(
                "buy_order_type",
                format!("{} sells only at KIS (MOO/MOC take no buys); use limit, loo or loc", self.buy_order_type),
            ));
        }
        for (field, target) in [("rsi_interval", self.rsi_interval), ("macd_interval", self.macd_interval())] {
            if input_longer(self.input_bar_interval, target) {
                return Err(ConfigError::new(
                    "input_bar_interval",
                    format!("{} bars cannot build {field} = {target} candles", self.input_bar_interval),
                ));
            }
        }
        if self.check_interval_minutes > MAX_CHECK_INTERVAL_MINUTES {
            return Err(ConfigError::new(
                "check_interval_minutes",
                format!(
                    "must be at most {MAX_CHECK_INTERVAL_MINUTES} (a day; 0 = every event), got {}",
                    self.check_interval_minutes
                ),
            ));
        }
        Ok(())
    }
}

/// `stop_loss_offset_ticks`: a whole number of ticks, 0 or more. Written out so a negative, fractional or
/// textual value is refused with what the key wants instead of serde's "expected u32" (config layers may
/// hand numbers over as text, which is accepted when it reads as one).
fn offset_ticks<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    struct Ticks;
    const WANTED: &str = "a whole number of $0.01 ticks, 0 or more";
    fn bad<E: serde::de::Error>(got: impl std::fmt::Display) -> E {
        E::custom(format!("stop_loss_offset_ticks must be {WANTED}, got {got}"))
    }
    impl serde::de::Visitor<'_> for Ticks {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(WANTED)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| bad(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| bad(v))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<u32, E> {
            Err(bad(v))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u32, E> {
            v.trim().parse::<u32>().map_err(|_| bad(format!("{v:?}")))
        }
    }
    deserializer.deserialize_any(Ticks)
}

/// Whether bars of `input` are too coarse to build (or do not divide) candles of `target`.
fn input_longer(input: BarInterval, target: BarInterval) -> bool {
    match (input.minutes(), target.minutes()) {
        (Some(i), Some(t)) => t % i != 0,
        (None, Some(_)) => true,
        (_, None) => false,
    }
}

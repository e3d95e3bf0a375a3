//! Parameters of the KRX scalping strategy, with documented defaults. Every entry condition and every time
//! window can be switched off on its own.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::kst::{KstSpan, KstTime};
use crate::risk::{ExitRules, RiskConfig};

/// RSI on trade prices must lie in `[min, max]`: momentum present (≥ 50) but not yet exhausted (≤ 70).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RsiRule {
    pub enabled: bool,
    pub period: usize,
    pub min: f64,
    pub max: f64,
}

impl Default for RsiRule {
    fn default() -> Self {
        RsiRule { enabled: true, period: 14, min: 50.0, max: 70.0 }
    }
}

/// Position of the price within Bollinger bands on trade prices, as %B = (price − lower) / (upper − lower):
/// default `[0.5, 1.0]`, above the middle band but not beyond the upper one (a breakout already stretched
/// past the band tends to revert within a scalper's horizon). Bands of zero width (a flat window) fail.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BollingerRule {
    pub enabled: bool,
    pub period: usize,
    pub std_devs: f64,
    pub min_percent_b: f64,
    pub max_percent_b: f64,
}

impl Default for BollingerRule {
    fn default() -> Self {
        BollingerRule { enabled: true, period: 20, std_devs: 2.0, min_percent_b: 0.5, max_percent_b: 1.0 }
    }
}

/// Buyers in control: the session's 체결강도 (KIS `CTTR`, buy-initiated / sell-initiated volume × 100) at
/// least `min_trade_strength`, **or** this trade's volume at least `surge_multiple` times the mean of the
/// previous `surge_lookback_trades` trades.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VolumeRule {
    pub enabled: bool,
    pub min_trade_strength: f64,
    pub surge_lookback_trades: usize,
    pub surge_multiple: f64,
}

impl Default for VolumeRule {
    fn default() -> Self {
        VolumeRule { enabled: true, min_trade_strength: 120.0, surge_lookback_trades: 50, surge_multiple: 3.0 }
    }
}

/// Largest acceptable bid/ask spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpreadLimit {
    /// In ticks of the KRX grid at the bid.
    Ticks(u32),
    /// As a percentage of the bid.
    Pct(Decimal),
}

/// A wide spread eats a scalper's edge on the way in and out. With no known bid/ask the rule fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpreadRule {
    pub enabled: bool,
    pub max: SpreadLimit,
}

impl Default for SpreadRule {
    fn default() -> Self {
        SpreadRule { enabled: true, max: SpreadLimit::Ticks(2) }
    }
}

/// At least `count` up-ticks in a row, zero-plus-tick style: a trade above the previous *different* price is
/// an up-tick, an unchanged print neither adds nor breaks the run, a lower price breaks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UptickRule {
    pub enabled: bool,
    pub count: u32,
}

impl Default for UptickRule {
    fn default() -> Self {
        UptickRule { enabled: true, count: 5 }
    }
}

/// The least-squares slope of the last `window_trades` trade prices (against trade number) is positive.
/// Computed exactly in integer won; fails until the window is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MicroTrendRule {
    pub enabled: bool,
    pub window_trades: usize,
}

impl Default for MicroTrendRule {
    fn default() -> Self {
        MicroTrendRule { enabled: true, window_trades: 100 }
    }
}

/// 09:00–09:30 KST: chase a gap-up, only on days that opened at least `min_gap_pct` above the previous close.
/// The open is the day's first trade, the previous close the last trade (or warm-up bar) of the previous
/// day; without a previous close the window stays shut that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GapUpWindow {
    pub enabled: bool,
    pub start: KstTime,
    pub end: KstTime,
    pub min_gap_pct: Decimal,
}

impl Default for GapUpWindow {
    fn default() -> Self {
        GapUpWindow { enabled: true, start: KstTime::hm(9, 0), end: KstTime::hm(9, 30), min_gap_pct: Decimal::ONE }
    }
}

/// 10:30–11:00 KST: the rebound after the day's first pullback, which is a fall of at least
/// `min_pullback_pct` from the session high made so far. The rebound itself is what the up-tick and
/// micro-trend conditions confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PullbackWindow {
    pub enabled: bool,
    pub start: KstTime,
    pub end: KstTime,
    pub min_pullback_pct: Decimal,
}

impl Default for PullbackWindow {
    fn default() -> Self {
        PullbackWindow {
            enabled: true,
            start: KstTime::hm(10, 30),
            end: KstTime::hm(11, 0),
            min_pullback_pct: Decimal::ONE,
        }
    }
}

/// 14:30–15:00 KST: the closing run, on the momentum conditions alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClosingRunWindow {
    pub enabled: bool,
    pub start: KstTime,
    pub end: KstTime,
}

impl Default for ClosingRunWindow {
    fn default() -> Self {
        ClosingRunWindow { enabled: true, start: KstTime::hm(14, 30), end: KstTime::hm(15, 0) }
    }
}

/// Entries happen only inside an enabled window (each `[start, end)` in KST); exits happen at any time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScalpingWindows {
    pub gap_up: GapUpWindow,
    pub pullback_rebound: PullbackWindow,
    pub closing_run: ClosingRunWindow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScalpingConfig {
    pub id: String,
    pub rsi: RsiRule,
    pub bollinger: BollingerRule,
    pub volume: VolumeRule,
    pub spread: SpreadRule,
    pub upticks: UptickRule,
    pub micro_trend: MicroTrendRule,
    pub windows: ScalpingWindows,
    /// Defaults: stop-loss −0.8 %, take-profit +1.2 %, trailing 0.3 % from the high (armed at +0.3 %), 15 min.
    pub exits: ExitRules,
    /// Share of available cash an entry asks for; the risk rules may size it down.
    pub entry_cash_fraction: Decimal,
    /// ATR period, on one-minute bars built from the trades.
    pub atr_period: usize,
    /// The stop distance given to sizing is the larger of the stop-loss percentage and this many ATRs, so
    /// volatile names get smaller positions.
    pub atr_stop_multiple: Decimal,
    /// Entry limit = last price + this many ticks (marketable, so the entry is not left behind).
    pub entry_limit_ticks: u32,
    /// Exit limit = last price − this many ticks.
    pub exit_limit_ticks: u32,
    /// This strategy's own risk rules (`[strategies.risk]`); unset, the daemon's top-level `[risk]` applies
    /// (see [`StrategyConfig::risk_under`](crate::StrategyConfig::risk_under)).
    pub risk: Option<RiskConfig>,
}

impl Default for ScalpingConfig {
    fn default() -> Self {
        ScalpingConfig {
            id: "krx-scalping".to_string(),
            rsi: RsiRule::default(),
            bollinger: BollingerRule::default(),
            volume: VolumeRule::default(),
            spread: SpreadRule::default(),
            upticks: UptickRule::default(),
            micro_trend: MicroTrendRule::default(),
            windows: ScalpingWindows::default(),
            exits: ExitRules::default(),
            entry_cash_fraction: Decimal::new(3, 1),
            atr_period: 14,
            atr_stop_multiple: Decimal::ONE,
            entry_limit_ticks: 1,
            exit_limit_ticks: 1,
            risk: None,
        }
    }
}

fn span(field: &'static str, start: KstTime, end: KstTime) -> Result<(), ConfigError> {
    if KstSpan::new(start, end).is_valid() {
        Ok(())
    } else {
        Err(ConfigError::new(field, format!("start {start} must be before end {end}")))
    }
}

fn non_negative_pct(field: &'static str, v: Decimal) -> Result<(), ConfigError> {
    if v < Decimal::ZERO || v >= Decimal::ONE_HUNDRED {
        Err(ConfigError::new(field, format!("must be in [0, 100) percent, got {v}")))
    } else {
        Ok(())
    }
}

impl ScalpingConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let period = |field, p: usize| {
            if (1..=kis_indicators::MAX_PERIOD).contains(&p) {
                Ok(())
            } else {
                Err(ConfigError::new(field, format!("must be between 1 and {}, got {p}", kis_indicators::MAX_PERIOD)))
            }
        };
        if self.id.trim().is_empty() {
            return Err(ConfigError::new("id", "must not be empty"));
        }
        period("rsi.period", self.rsi.period)?;
        // Each bound is judged on its own first, so the message names the key that holds the bad value.
        for (field, v) in [("rsi.min", self.rsi.min), ("rsi.max", self.rsi.max)] {
            if !(0.0..=100.0).contains(&v) {
                return Err(ConfigError::new(field, format!("must be between 0 and 100, got {v}")));
            }
        }
        if self.rsi.min > self.rsi.max {
            return Err(ConfigError::new(
                "rsi.min",
                format!("must not exceed rsi.max ({}), got {}", self.rsi.max, self.rsi.min),
            ));
        }
        period("bollinger.period", self.bollinger.period)?;
        let b = &self.bollinger;
        if !(b.std_devs.is_finite() && b.std_devs > 0.0) {
            return Err(ConfigError::new("bollinger.std_devs", format!("must be above 0, got {}", b.std_devs)));
        }
        if !(b.min_percent_b.is_finite() && b.max_percent_b.is_finite() && b.min_percent_b <= b.max_percent_b) {
            return Err(ConfigError::new(
                "bollinger.min_percent_b",
                format!("need min <= max, got {}..{}", b.min_percent_b, b.max_percent_b),
            ));
        }
        period("volume.surge_lookback_trades", self.volume.surge_lookback_trades)?;
        for (field, v) in [
            ("volume.min_trade_strength", self.volume.min_trade_strength),
            ("volume.surge_multiple", self.volume.surge_multiple),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(ConfigError::new(field, format!("must be above 0, got {v}")));
            }
        }
        if let SpreadLimit::Pct(p) = self.spread.max {
            non_negative_pct("spread.max", p)?;
        }
        if self.upticks.count == 0 {
            return Err(ConfigError::new("upticks.count", "must be at least 1"));
        }
        if !(2..=kis_indicators::MAX_PERIOD).contains(&self.micro_trend.window_trades) {
            return Err(ConfigError::new(
                "micro_trend.window_trades",
                format!("must be between 2 and {}, got {}", kis_indicators::MAX_PERIOD, self.micro_trend.window_trades),
            ));
        }
        let w = &self.windows;
        span("windows.gap_up", w.gap_up.start, w.gap_up.end)?;
        non_negative_pct("windows.gap_up.min_gap_pct", w.gap_up.min_gap_pct)?;
        span("windows.pullback_rebound", w.pullback_rebound.start, w.pullback_rebound.end)?;
        non_negative_pct("windows.pullback_rebound.min_pullback_pct", w.pullback_rebound.min_pullback_pct)?;
        span("windows.closing_run", w.closing_run.start, w.closing_run.end)?;
        self.exits.validate()?;
        if self.entry_cash_fraction <= Decimal::ZERO || self.entry_cash_fraction > Decimal::ONE {
            return Err(ConfigError::new(
                "entry_cash_fraction",
                format!("must be in (0, 1], got {}", self.entry_cash_fraction),
            ));
        }
        period("atr_period", self.atr_period)?;
        if self.atr_stop_multiple < Decimal::ZERO {
            return Err(ConfigError::new("atr_stop_multiple", format!("must be >= 0, got {}", self.atr_stop_multiple)));
        }
        Ok(())
    }
}

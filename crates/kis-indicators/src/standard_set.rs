//! The indicator bundle the CLI and strategies compute per bar.

use crate::atr::Atr;
use crate::bollinger::Bollinger;
use crate::ema::Ema;
use crate::error::{InputError, check_non_negative, check_value};
use crate::macd::Macd;
use crate::rsi::Rsi;
use crate::sma::Sma;
use crate::vwap::{Vwap, typical_price};

/// One OHLCV bar. The timestamp stays with the caller: indicators only need the order of bars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

/// The standard set for one bar; `None` while an indicator is warming up.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StandardRow {
    pub sma20: Option<f64>,
    pub ema20: Option<f64>,
    pub rsi14: Option<f64>,
    pub macd: Option<f64>,
    pub macd_signal: Option<f64>,
    pub macd_hist: Option<f64>,
    pub bb_upper: Option<f64>,
    pub bb_mid: Option<f64>,
    pub bb_lower: Option<f64>,
    pub atr14: Option<f64>,
    pub vwap: Option<f64>,
}

impl StandardRow {
    /// Column names, in the order of [`StandardRow::values`].
    pub const COLUMNS: [&'static str; 11] = [
        "sma20",
        "ema20",
        "rsi14",
        "macd",
        "macd_signal",
        "macd_hist",
        "bb_upper",
        "bb_mid",
        "bb_lower",
        "atr14",
        "vwap",
    ];

    pub fn values(&self) -> [Option<f64>; 11] {
        [
            self.sma20,
            self.ema20,
            self.rsi14,
            self.macd,
            self.macd_signal,
            self.macd_hist,
            self.bb_upper,
            self.bb_mid,
            self.bb_lower,
            self.atr14,
            self.vwap,
        ]
    }
}

/// SMA(20), EMA(20), RSI(14), MACD(12, 26, 9), Bollinger(20, 2), ATR(14) on the close (ATR on
/// high/low/close) and a cumulative typical-price VWAP, updated together per bar.
///
/// The VWAP accumulates from construction or [`StandardSet::reset`]; reset at session boundaries
/// if a per-session VWAP is wanted (the set cannot see timestamps).
#[derive(Debug, Clone)]
pub struct StandardSet {
    sma20: Sma,
    ema20: Ema,
    rsi14: Rsi,
    macd: Macd,
    bollinger: Bollinger,
    atr14: Atr,
    vwap: Vwap,
    current: StandardRow,
}

impl Default for StandardSet {
    fn default() -> Self {
        Self::new()
    }
}

impl StandardSet {
    pub fn new() -> Self {
        Self {
            sma20: Sma::build(20),
            ema20: Ema::build(20),
            rsi14: Rsi::build(14),
            macd: Macd::build(12, 26, 9),
            bollinger: Bollinger::build(20, 2.0),
            atr14: Atr::build(14),
            vwap: Vwap::new(),
            current: StandardRow::default(),
        }
    }

    /// Validates the whole bar first, so a refused bar leaves every indicator untouched.
    pub fn update(&mut self, bar: &Bar) -> Result<StandardRow, InputError> {
        check_value("open", bar.open)?;
        let high = check_value("high", bar.high)?;
        let low = check_value("low", bar.low)?;
        let close = check_value("close", bar.close)?;
        let volume = check_non_negative("volume", bar.volume)?;

        let macd = self.macd.step(close);
        let bands = self.bollinger.step(close);
        self.current = StandardRow {
            sma20: self.sma20.step(close),
            ema20: self.ema20.step(close),
            rsi14: self.rsi14.step(close),
            macd: macd.map(|m| m.macd),
            macd_signal: macd.map(|m| m.signal),
            macd_hist: macd.map(|m| m.histogram),
            bb_upper: bands.map(|b| b.upper),
            bb_mid: bands.map(|b| b.middle),
            bb_lower: bands.map(|b| b.lower),
            atr14: self.atr14.step(high, low, close),
            vwap: self.vwap.step(typical_price(high, low, close), volume),
        };
        Ok(self.current)
    }

    /// The row of the last accepted bar.
    pub fn value(&self) -> StandardRow {
        self.current
    }

    pub fn reset(&mut self) {
        *self = Self::new();
    }
}

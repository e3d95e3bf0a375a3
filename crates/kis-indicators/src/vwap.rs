//! Cumulative volume-weighted average price.

use crate::error::{InputError, check_non_negative, check_value};

/// Session VWAP: `Σ price·volume / Σ volume` since construction or the last [`Vwap::reset`].
///
/// TA-Lib has no VWAP, so this is our definition: a bar contributes its typical price
/// `(high + low + close) / 3` weighted by its volume (the usual choice when only OHLCV is known),
/// a trade contributes its own price weighted by its quantity (exact for tick data). Both can feed
/// the same instance. Until some volume has been seen the value is `None`, so zero-volume bars at
/// the open do not produce a division by zero. Call `reset()` at each session start.
#[derive(Debug, Clone, Default)]
pub struct Vwap {
    price_volume: f64,
    volume: f64,
}

impl Vwap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one bar.
    pub fn update_bar(&mut self, high: f64, low: f64, close: f64, volume: f64) -> Result<Option<f64>, InputError> {
        let high = check_value("high", high)?;
        let low = check_value("low", low)?;
        let close = check_value("close", close)?;
        let volume = check_non_negative("volume", volume)?;
        Ok(self.step(typical_price(high, low, close), volume))
    }

    /// Adds one trade.
    pub fn update_tick(&mut self, price: f64, quantity: f64) -> Result<Option<f64>, InputError> {
        let price = check_value("price", price)?;
        let quantity = check_non_negative("quantity", quantity)?;
        Ok(self.step(price, quantity))
    }

    pub(crate) fn step(&mut self, price: f64, volume: f64) -> Option<f64> {
        self.price_volume += price * volume;
        self.volume += volume;
        self.value()
    }

    pub fn value(&self) -> Option<f64> {
        (self.volume > 0.0).then(|| self.price_volume / self.volume)
    }

    /// Cumulative volume so far.
    pub fn volume(&self) -> f64 {
        self.volume
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// `(high + low + close) / 3`.
pub fn typical_price(high: f64, low: f64, close: f64) -> f64 {
    (high + low + close) / 3.0
}

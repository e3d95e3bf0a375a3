//! Simple moving average.

use crate::error::{InputError, ParamError, check_period, check_value};
use crate::ring::Ring;

/// Mean of the last `period` values; first value after `period` inputs (TA-Lib `SMA`).
///
/// Kept as a running sum updated in TA-Lib's order (add the new value, divide, then drop the oldest),
/// which reproduces TA-Lib's output bit for bit.
#[derive(Debug, Clone)]
pub struct Sma {
    period: usize,
    window: Ring<f64>,
    sum: f64,
    current: Option<f64>,
}

impl Sma {
    pub fn new(period: usize) -> Result<Self, ParamError> {
        Ok(Self::build(check_period("SMA", "period", period)?))
    }

    pub(crate) fn build(period: usize) -> Self {
        Self { period, window: Ring::new(period), sum: 0.0, current: None }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    pub fn update(&mut self, value: f64) -> Result<Option<f64>, InputError> {
        Ok(self.step(check_value("value", value)?))
    }

    pub(crate) fn step(&mut self, value: f64) -> Option<f64> {
        self.sum += value;
        self.window.push(value);
        if !self.window.is_full() {
            return None;
        }
        let mean = self.sum / self.period as f64;
        if let Some(oldest) = self.window.oldest() {
            self.sum -= oldest;
        }
        self.current = Some(mean);
        self.current
    }

    pub fn value(&self) -> Option<f64> {
        self.current
    }

    pub fn reset(&mut self) {
        *self = Self::build(self.period);
    }
}

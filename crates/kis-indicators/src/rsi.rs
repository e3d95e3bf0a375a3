//! Wilder's relative strength index.

use crate::error::{InputError, ParamError, check_period, check_value};

/// RSI as TA-Lib computes it: the first average gain/loss is the simple mean of the first `period`
/// changes, then Wilder smoothing `avg = (avg * (period - 1) + change) / period`; the first value
/// appears at input index `period` (after `period + 1` inputs).
///
/// Output is `100 * gain / (gain + loss)`, and 0 when both averages are exactly zero (a series that
/// never moved). Like the TA-Lib 0.8 C core, the division by `period` is a multiplication by
/// `1 / period`; matching it keeps outputs bit-identical to the reference vectors.
#[derive(Debug, Clone)]
pub struct Rsi {
    period: usize,
    inv_period: f64,
    period_minus_one: f64,
    prev_input: Option<f64>,
    changes: usize,
    avg_gain: f64,
    avg_loss: f64,
    current: Option<f64>,
}

impl Rsi {
    pub fn new(period: usize) -> Result<Self, ParamError> {
        Ok(Self::build(check_period("RSI", "period", period)?))
    }

    pub(crate) fn build(period: usize) -> Self {
        Self {
            period,
            inv_period: 1.0 / period as f64,
            period_minus_one: (period - 1) as f64,
            prev_input: None,
            changes: 0,
            avg_gain: 0.0,
            avg_loss: 0.0,
            current: None,
        }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    pub fn update(&mut self, value: f64) -> Result<Option<f64>, InputError> {
        Ok(self.step(check_value("value", value)?))
    }

    pub(crate) fn step(&mut self, value: f64) -> Option<f64> {
        let prev = self.prev_input.replace(value)?;
        let change = value - prev;
        let gain = if 0.0 < change { change } else { 0.0 };
        let loss = gain - change;
        if self.changes < self.period {
            self.avg_gain += gain;
            self.avg_loss += loss;
            self.changes += 1;
            if self.changes < self.period {
                return None;
            }
            self.avg_gain *= self.inv_period;
            self.avg_loss *= self.inv_period;
        } else {
            self.avg_gain = (self.avg_gain * self.period_minus_one + gain) * self.inv_period;
            self.avg_loss = (loss + self.avg_loss * self.period_minus_one) * self.inv_period;
        }
        let total = self.avg_loss + self.avg_gain;
        let rsi = if total > 0.0 { self.avg_gain / total * 100.0 } else { 0.0 };
        self.current = Some(rsi);
        self.current
    }

    pub fn value(&self) -> Option<f64> {
        self.current
    }

    pub fn reset(&mut self) {
        *self = Self::build(self.period);
    }
}

//! Exponential moving average.

use crate::error::{InputError, ParamError, check_period, check_value};

/// EMA with `k = 2 / (period + 1)`, seeded with the simple mean of the first `period` values, so the
/// first value appears after `period` inputs (TA-Lib `EMA`, default compatibility).
///
/// The step is `fma(x - prev, k, prev)`: the TA-Lib 0.8 C core computes it with one rounding, and
/// doing the same keeps the outputs bit-identical to the reference vectors.
#[derive(Debug, Clone)]
pub struct Ema {
    period: usize,
    k: f64,
    seen: usize,
    seed_sum: f64,
    current: Option<f64>,
}

impl Ema {
    pub fn new(period: usize) -> Result<Self, ParamError> {
        Ok(Self::build(check_period("EMA", "period", period)?))
    }

    pub(crate) fn build(period: usize) -> Self {
        Self { period, k: 2.0 / (period as f64 + 1.0), seen: 0, seed_sum: 0.0, current: None }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    pub fn update(&mut self, value: f64) -> Result<Option<f64>, InputError> {
        Ok(self.step(check_value("value", value)?))
    }

    pub(crate) fn step(&mut self, value: f64) -> Option<f64> {
        let next = match self.current {
            Some(prev) => (value - prev).mul_add(self.k, prev),
            None => {
                self.seed_sum += value;
                self.seen += 1;
                if self.seen < self.period {
                    return None;
                }
                self.seed_sum / self.period as f64
            }
        };
        self.current = Some(next);
        self.current
    }

    pub fn value(&self) -> Option<f64> {
        self.current
    }

    pub fn reset(&mut self) {
        *self = Self::build(self.period);
    }
}

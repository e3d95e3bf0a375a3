//! Average true range.

use crate::error::{InputError, ParamError, check_period, check_value};

/// ATR as TA-Lib computes it. The true range needs the previous close, so the first bar yields no
/// TR; the first ATR is the simple mean of the TRs of bars `1..=period` (output at index `period`),
/// then Wilder smoothing.
///
/// The smoothing step is `fma((period - 1) / period, prev, tr * (1 - (period - 1) / period))`, the
/// form the TA-Lib 0.8 C core uses; reproducing it keeps outputs bit-identical to the reference.
#[derive(Debug, Clone)]
pub struct Atr {
    period: usize,
    keep: f64,
    take: f64,
    prev_close: Option<f64>,
    seen: usize,
    seed_sum: f64,
    current: Option<f64>,
}

/// The largest of high − low, |prev close − high| and |prev close − low|.
pub fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    (high - low).max((prev_close - high).abs()).max((prev_close - low).abs())
}

impl Atr {
    pub fn new(period: usize) -> Result<Self, ParamError> {
        Ok(Self::build(check_period("ATR", "period", period)?))
    }

    pub(crate) fn build(period: usize) -> Self {
        let keep = (period - 1) as f64 / period as f64;
        Self { period, keep, take: 1.0 - keep, prev_close: None, seen: 0, seed_sum: 0.0, current: None }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    pub fn update(&mut self, high: f64, low: f64, close: f64) -> Result<Option<f64>, InputError> {
        let high = check_value("high", high)?;
        let low = check_value("low", low)?;
        let close = check_value("close", close)?;
        Ok(self.step(high, low, close))
    }

    pub(crate) fn step(&mut self, high: f64, low: f64, close: f64) -> Option<f64> {
        let prev_close = self.prev_close.replace(close)?;
        let tr = true_range(high, low, prev_close);
        let next = match self.current {
            Some(prev) => self.keep.mul_add(prev, tr * self.take),
            None => {
                self.seed_sum += tr;
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

//! Volume surge ratio.

use crate::error::{ParamError, check_period};
use crate::ring::Ring;

/// `current volume / mean volume of the previous `lookback` bars (or trades)`: 3.0 means three
/// times the recent norm. The current volume is not part of its own baseline.
///
/// `None` until `lookback` earlier volumes have been seen, and while that baseline is zero (no
/// trading to compare against). Volumes are integers with an exact running sum, so a long-running
/// instance does not drift.
#[derive(Debug, Clone)]
pub struct VolumeSurge {
    lookback: usize,
    window: Ring<u64>,
    sum: u128,
    current: Option<f64>,
}

impl VolumeSurge {
    pub fn new(lookback: usize) -> Result<Self, ParamError> {
        let lookback = check_period("VolumeSurge", "lookback", lookback)?;
        Ok(Self { lookback, window: Ring::new(lookback), sum: 0, current: None })
    }

    pub fn update(&mut self, volume: u64) -> Option<f64> {
        self.current = if self.window.is_full() && self.sum > 0 {
            let mean = self.sum as f64 / self.lookback as f64;
            Some(volume as f64 / mean)
        } else {
            None
        };
        self.sum = self.sum.saturating_add(u128::from(volume));
        if let Some(evicted) = self.window.push(volume) {
            self.sum = self.sum.saturating_sub(u128::from(evicted));
        }
        self.current
    }

    pub fn value(&self) -> Option<f64> {
        self.current
    }

    pub fn lookback(&self) -> usize {
        self.lookback
    }

    pub fn reset(&mut self) {
        self.window.clear();
        self.sum = 0;
        self.current = None;
    }
}

//! Moving average convergence/divergence.

use crate::ema::Ema;
use crate::error::{InputError, ParamError, check_period, check_value};

/// One MACD reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacdOutput {
    /// Fast EMA minus slow EMA.
    pub macd: f64,
    /// EMA of `macd` over the signal period.
    pub signal: f64,
    /// `macd - signal`.
    pub histogram: f64,
}

/// MACD exactly as TA-Lib's `TA_MACD` computes it.
///
/// TA-Lib seeds *both* EMAs at the bar where the slow one first has a value (index `slow - 1`): the
/// fast EMA's SMA seed is the mean of the `fast` values ending there, not of the first `fast` values.
/// Streaming that means the fast EMA only starts consuming input at index `slow - fast`. The signal
/// line is an SMA-seeded EMA of the MACD line, so for (12, 26, 9) the first output is at index 33.
///
/// TA-Lib silently swaps a fast period longer than the slow one; here that is a [`ParamError`].
#[derive(Debug, Clone)]
pub struct Macd {
    fast: Ema,
    slow: Ema,
    signal: Ema,
    /// Inputs the fast EMA must skip so that it seeds on the slow EMA's first bar.
    fast_delay: usize,
    seen: usize,
    current: Option<MacdOutput>,
}

impl Macd {
    pub fn new(fast: usize, slow: usize, signal: usize) -> Result<Self, ParamError> {
        let fast = check_period("MACD", "fast period", fast)?;
        let slow = check_period("MACD", "slow period", slow)?;
        let signal = check_period("MACD", "signal period", signal)?;
        if fast >= slow {
            return Err(ParamError::FastNotShorter { indicator: "MACD", fast, slow });
        }
        Ok(Self::build(fast, slow, signal))
    }

    pub(crate) fn build(fast: usize, slow: usize, signal: usize) -> Self {
        Self {
            fast: Ema::build(fast),
            slow: Ema::build(slow),
            signal: Ema::build(signal),
            fast_delay: slow.saturating_sub(fast),
            seen: 0,
            current: None,
        }
    }

    /// `(fast, slow, signal)` periods.
    pub fn periods(&self) -> (usize, usize, usize) {
        (self.fast.period(), self.slow.period(), self.signal.period())
    }

    pub fn update(&mut self, value: f64) -> Result<Option<MacdOutput>, InputError> {
        Ok(self.step(check_value("value", value)?))
    }

    pub(crate) fn step(&mut self, value: f64) -> Option<MacdOutput> {
        let slow = self.slow.step(value);
        let fast = if self.seen >= self.fast_delay {
            self.fast.step(value)
        } else {
            self.seen += 1;
            None
        };
        let macd = fast? - slow?;
        let signal = self.signal.step(macd)?;
        self.current = Some(MacdOutput { macd, signal, histogram: macd - signal });
        self.current
    }

    pub fn value(&self) -> Option<MacdOutput> {
        self.current
    }

    pub fn reset(&mut self) {
        let (fast, slow, signal) = self.periods();
        *self = Self::build(fast, slow, signal);
    }
}

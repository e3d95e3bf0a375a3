//! Bollinger bands.

use crate::error::{InputError, ParamError, check_period, check_value};
use crate::ring::Ring;

/// One Bollinger reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BollingerOutput {
    pub upper: f64,
    /// The SMA of the window.
    pub middle: f64,
    pub lower: f64,
}

/// Bollinger bands as TA-Lib `BBANDS` with an SMA middle: `middle ± k · σ`, σ the *population*
/// standard deviation of the last `period` values; first value after `period` inputs.
///
/// σ comes from running sums of `x − K` and `(x − K)²` for a shift `K`, the numerically careful
/// scheme of the TA-Lib 0.8 C core (a plain `E[x²] − E[x]²` loses most digits at price levels of
/// 10⁵ and reports a small non-zero σ for a flat window). When cancellation is detected, the
/// removed value dwarfs the rest, or every `32 · period` outputs, the sums are rebuilt around the
/// window mean — an O(period) rescan that TA-Lib performs too, rare enough to keep the amortised
/// cost O(1). A variance that is not clearly above rounding noise is reported as σ = 0.
#[derive(Debug, Clone)]
pub struct Bollinger {
    period: usize,
    multiplier: f64,
    inv_period: f64,
    window: Ring<f64>,
    shift: Option<f64>,
    sum: f64,
    shifted_sum: f64,
    shifted_squares: f64,
    until_rebase: usize,
    current: Option<BollingerOutput>,
}

/// Outputs between forced rebuilds of the shifted sums, per unit of period (TA-Lib's choice).
const REBASE_EVERY_PERIODS: usize = 32;

impl Bollinger {
    /// `multiplier` is the band width in standard deviations (2.0 classically).
    pub fn new(period: usize, multiplier: f64) -> Result<Self, ParamError> {
        let period = check_period("Bollinger", "period", period)?;
        if !multiplier.is_finite() || multiplier < 0.0 {
            return Err(ParamError::BadMultiplier { indicator: "Bollinger", name: "multiplier", value: multiplier });
        }
        Ok(Self::build(period, multiplier))
    }

    pub(crate) fn build(period: usize, multiplier: f64) -> Self {
        Self {
            period,
            multiplier,
            inv_period: 1.0 / period as f64,
            window: Ring::new(period),
            shift: None,
            sum: 0.0,
            shifted_sum: 0.0,
            shifted_squares: 0.0,
            until_rebase: REBASE_EVERY_PERIODS.saturating_mul(period),
            current: None,
        }
    }

    pub fn period(&self) -> usize {
        self.period
    }

    pub fn multiplier(&self) -> f64 {
        self.multiplier
    }

    pub fn update(&mut self, value: f64) -> Result<Option<BollingerOutput>, InputError> {
        Ok(self.step(check_value("value", value)?))
    }

    pub(crate) fn step(&mut self, value: f64) -> Option<BollingerOutput> {
        let shift = *self.shift.get_or_insert(value);
        self.sum += value;
        let d = value - shift;
        self.shifted_sum += d;
        self.shifted_squares += d * d;
        self.window.push(value);
        if !self.window.is_full() {
            return None;
        }
        let inv = self.inv_period;
        let mean_shifted = inv * self.shifted_sum;
        let variance = inv * self.shifted_squares - mean_shifted * mean_shifted;
        let middle = self.sum / self.period as f64;

        // Drop the oldest value now so the sums describe the next window's first `period - 1` values.
        let oldest = self.window.oldest().unwrap_or(value);
        self.sum -= oldest;
        let e = oldest - shift;
        self.shifted_squares -= e * e;

        let cancelled = inv * self.shifted_squares * 1e-6 > variance;
        let dominated = e * e > self.shifted_squares * 1e6;
        let std_dev = if cancelled || dominated || self.countdown_expired() {
            self.rebase(oldest)
        } else {
            self.shifted_sum -= e;
            if variance > 0.0 { variance.sqrt() } else { 0.0 }
        };

        let width = std_dev * self.multiplier;
        self.current = Some(BollingerOutput { upper: middle + width, middle, lower: middle - width });
        self.current
    }

    fn countdown_expired(&mut self) -> bool {
        self.until_rebase = self.until_rebase.saturating_sub(1);
        self.until_rebase == 0
    }

    /// Rebuilds the shifted sums around the current window's mean and returns σ of that window;
    /// then removes `oldest` as the regular path does.
    fn rebase(&mut self, oldest: f64) -> f64 {
        let inv = self.inv_period;
        let shift = self.window.iter().fold(0.0, |acc, v| acc + v) * inv;
        let (mut shifted_sum, mut shifted_squares) = (0.0, 0.0);
        for v in self.window.iter() {
            let d = v - shift;
            shifted_sum += d;
            shifted_squares += d * d;
        }
        let mean_square = inv * shifted_squares;
        let mean_shifted = inv * shifted_sum;
        let variance = mean_square - mean_shifted * mean_shifted;
        let std_dev = if mean_square * 1e-12 > variance || variance <= 0.0 { 0.0 } else { variance.sqrt() };
        let e = oldest - shift;
        self.shift = Some(shift);
        self.shifted_sum = shifted_sum - e;
        self.shifted_squares = shifted_squares - e * e;
        self.until_rebase = REBASE_EVERY_PERIODS.saturating_mul(self.period);
        std_dev
    }

    pub fn value(&self) -> Option<BollingerOutput> {
        self.current
    }

    pub fn reset(&mut self) {
        *self = Self::build(self.period, self.multiplier);
    }
}

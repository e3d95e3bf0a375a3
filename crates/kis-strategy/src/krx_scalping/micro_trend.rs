//! Least-squares slope of the last N trade prices, maintained exactly in integers.
//!
//! With prices `y_0..y_{n−1}` against `x = 0..n−1`, the slope's sign is the sign of `n·Σxy − Σx·Σy`. Both
//! sums slide in O(1): dropping `y_0` and appending `y_new` gives `Σxy' = Σxy − (Σy − y_0) + (n−1)·y_new`.
//! Integer won and `i128` sums make the sign exact after any number of updates (a float version drifts).

#[derive(Debug, Clone)]
pub struct MicroTrend {
    window: usize,
    prices: Vec<i64>,
    /// Slot of the oldest price once full.
    next: usize,
    sum_y: i128,
    sum_xy: i128,
}

impl MicroTrend {
    /// `window` ≥ 2 (validated by the config).
    pub fn new(window: usize) -> MicroTrend {
        MicroTrend { window: window.max(2), prices: Vec::with_capacity(window), next: 0, sum_y: 0, sum_xy: 0 }
    }

    pub fn push(&mut self, won: u64) {
        let y = i64::try_from(won).unwrap_or(i64::MAX);
        let n = self.window as i128;
        if self.prices.len() < self.window {
            self.sum_xy += self.prices.len() as i128 * i128::from(y);
            self.sum_y += i128::from(y);
            self.prices.push(y);
            self.next = self.prices.len() % self.window;
            return;
        }
        if let Some(slot) = self.prices.get_mut(self.next) {
            let old = i128::from(std::mem::replace(slot, y));
            self.sum_xy = self.sum_xy - (self.sum_y - old) + (n - 1) * i128::from(y);
            self.sum_y = self.sum_y - old + i128::from(y);
            self.next = (self.next + 1) % self.window;
        }
    }

    pub fn is_full(&self) -> bool {
        self.prices.len() >= self.window
    }

    fn numerator(&self) -> i128 {
        let n = self.window as i128;
        n * self.sum_xy - n * (n - 1) / 2 * self.sum_y
    }

    /// Slope positive over a full window.
    pub fn is_rising(&self) -> bool {
        self.is_full() && self.numerator() > 0
    }

    /// Slope in won per trade over a full window (for messages; the decision uses the exact sign).
    pub fn slope(&self) -> Option<f64> {
        if !self.is_full() {
            return None;
        }
        let n = self.window as f64;
        Some(self.numerator() as f64 / (n * n * (n * n - 1.0) / 12.0))
    }

    pub fn clear(&mut self) {
        self.prices.clear();
        self.next = 0;
        self.sum_y = 0;
        self.sum_xy = 0;
    }
}

/// Length of the current run of up-ticks (zero-plus tick rule; see [`UptickRule`](super::UptickRule)).
#[derive(Debug, Clone, Default)]
pub struct UptickRun {
    last: Option<u64>,
    run: u32,
}

impl UptickRun {
    pub fn push(&mut self, won: u64) {
        if let Some(last) = self.last {
            if won > last {
                self.run = self.run.saturating_add(1);
            } else if won < last {
                self.run = 0;
            }
        }
        self.last = Some(won);
    }

    pub fn run(&self) -> u32 {
        self.run
    }

    pub fn clear(&mut self) {
        *self = UptickRun::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct least squares over the window, for comparison.
    fn slope_direct(ys: &[i64]) -> f64 {
        let n = ys.len() as f64;
        let mx = (n - 1.0) / 2.0;
        let my = ys.iter().sum::<i64>() as f64 / n;
        let (mut num, mut den) = (0.0, 0.0);
        for (i, y) in ys.iter().enumerate() {
            num += (i as f64 - mx) * (*y as f64 - my);
            den += (i as f64 - mx).powi(2);
        }
        num / den
    }

    #[test]
    fn sliding_slope_equals_direct_least_squares() {
        let mut t = MicroTrend::new(5);
        let series = [100, 105, 103, 110, 108, 104, 101, 99, 102, 107, 107, 107];
        for (i, &p) in series.iter().enumerate() {
            t.push(p);
            if i + 1 < 5 {
                assert!(!t.is_full() && !t.is_rising() && t.slope().is_none());
                continue;
            }
            let window: Vec<i64> = series[i + 1 - 5..=i].iter().map(|&v| v as i64).collect();
            let want = slope_direct(&window);
            let got = t.slope().unwrap();
            assert!((got - want).abs() < 1e-9, "at {i}: {got} vs {want}");
            assert_eq!(t.is_rising(), want > 1e-12, "at {i}");
        }
        // Last window 99,102,107,107,107: rising. A flat window is not.
        assert!(t.is_rising());
        for _ in 0..5 {
            t.push(107);
        }
        assert_eq!(t.slope(), Some(0.0));
        assert!(!t.is_rising());
    }

    #[test]
    fn upticks_follow_the_zero_plus_rule() {
        let mut u = UptickRun::default();
        for (p, want) in [(100, 0), (101, 1), (101, 1), (102, 2), (103, 3), (102, 0), (104, 1)] {
            u.push(p);
            assert_eq!(u.run(), want, "after {p}");
        }
    }
}

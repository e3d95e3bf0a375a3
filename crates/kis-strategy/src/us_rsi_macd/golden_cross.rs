//! Remembers how recently the MACD line crossed above its signal line.

use kis_indicators::MacdOutput;

/// A golden cross happens on bar `k` when `macd[k−1] ≤ signal[k−1]` and `macd[k] > signal[k]` (completed
/// bars only). It is "within the last `window` bars" on the cross bar and the `window − 1` bars after it:
/// with `window = 5`, a cross on bar `k` counts on bars `k..=k+4`.
#[derive(Debug, Clone)]
pub struct GoldenCross {
    window: usize,
    prev: Option<MacdOutput>,
    bars_since: Option<usize>,
}

impl GoldenCross {
    pub fn new(window: usize) -> GoldenCross {
        GoldenCross { window, prev: None, bars_since: None }
    }

    /// Feeds the MACD of one completed bar (`None` during MACD warm-up).
    pub fn on_bar(&mut self, macd: Option<MacdOutput>) {
        self.bars_since = self.bars_since.map(|n| n.saturating_add(1));
        if let (Some(prev), Some(now)) = (self.prev, macd)
            && prev.macd <= prev.signal
            && now.macd > now.signal
        {
            self.bars_since = Some(0);
        }
        if macd.is_some() {
            self.prev = macd;
        }
    }

    /// Completed bars since the last golden cross (0 on the cross bar).
    pub fn bars_since(&self) -> Option<usize> {
        self.bars_since
    }

    pub fn within_window(&self) -> bool {
        self.bars_since.is_some_and(|n| n < self.window)
    }

    pub fn reset(&mut self) {
        *self = GoldenCross::new(self.window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(macd: f64, signal: f64) -> Option<MacdOutput> {
        Some(MacdOutput { macd, signal, histogram: macd - signal })
    }

    #[test]
    fn window_counts_the_cross_bar_and_four_after() {
        let mut g = GoldenCross::new(5);
        g.on_bar(None);
        g.on_bar(m(-1.0, 0.0));
        assert!(!g.within_window());
        g.on_bar(m(1.0, 0.0)); // cross: bar k
        assert_eq!(g.bars_since(), Some(0));
        for k in 1..=4 {
            g.on_bar(m(2.0, 0.5)); // still above, no new cross
            assert!(g.within_window(), "bar k+{k}");
        }
        g.on_bar(m(2.0, 0.5)); // bar k+5
        assert_eq!(g.bars_since(), Some(5));
        assert!(!g.within_window());
    }

    #[test]
    fn touching_from_equal_counts_and_staying_above_does_not() {
        let mut g = GoldenCross::new(5);
        g.on_bar(m(0.0, 0.0));
        g.on_bar(m(0.1, 0.0));
        assert_eq!(g.bars_since(), Some(0), "equal then above is a cross");
        let mut h = GoldenCross::new(5);
        h.on_bar(m(1.0, 0.0));
        h.on_bar(m(2.0, 0.0));
        assert_eq!(h.bars_since(), None, "above then above is not");
        h.on_bar(m(-1.0, 0.0)); // dead cross
        h.on_bar(m(0.5, 0.0)); // golden cross again
        assert_eq!(h.bars_since(), Some(0));
    }
}

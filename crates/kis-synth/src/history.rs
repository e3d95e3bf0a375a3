//! Bars the market keeps: today's 1-minute bars as trades happen, and a deterministic past of daily bars so
//! that candle queries and indicator warm-ups have data on the first simulated day.

use chrono::{DateTime, Utc};
use kis_model::{Bar, Symbol};

use crate::grid::Grid;
use crate::rng::Rng;

pub const NANOS_PER_MINUTE: i64 = 60_000_000_000;

/// A bar in integer minor units; `start_ns` is the bar's start (minute start, or the session open for a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntBar {
    pub start_ns: i64,
    pub open: u64,
    pub high: u64,
    pub low: u64,
    pub close: u64,
    pub volume: u64,
}

impl IntBar {
    pub fn new(start_ns: i64, price: u64, qty: u64) -> IntBar {
        IntBar { start_ns, open: price, high: price, low: price, close: price, volume: qty }
    }

    pub fn update(&mut self, price: u64, qty: u64) {
        self.high = self.high.max(price);
        self.low = self.low.min(price);
        self.close = price;
        self.volume = self.volume.saturating_add(qty);
    }

    pub fn to_bar(self, symbol: Symbol, grid: Grid) -> Bar {
        Bar {
            symbol,
            ts: DateTime::<Utc>::from_timestamp_nanos(self.start_ns),
            open: grid.to_price(self.open),
            high: grid.to_price(self.high),
            low: grid.to_price(self.low),
            close: grid.to_price(self.close),
            volume: self.volume,
        }
    }
}

/// Adds a trade to today's 1-minute bars (one bar per minute that had a trade, as KIS's minute charts do).
pub fn record_minute(bars: &mut Vec<IntBar>, ts_ns: i64, price: u64, qty: u64) {
    match bars.last_mut() {
        Some(bar) if ts_ns >= bar.start_ns && ts_ns - bar.start_ns < NANOS_PER_MINUTE => bar.update(price, qty),
        _ => bars.push(IntBar::new(ts_ns - ts_ns.rem_euclid(NANOS_PER_MINUTE), price, qty)),
    }
}

/// Past daily bars ending with a close of exactly `prev_close` on the last of `opens` (session opens, oldest
/// first). Each day stays inside the previous day's band, so the history obeys the same limits as live trading.
pub fn past_daily_bars(
    rng: &mut Rng,
    grid: Grid,
    prev_close: u64,
    volatility: f64,
    daily_volume: f64,
    opens: &[i64],
) -> Vec<IntBar> {
    let n = opens.len();
    // Closes are drawn backwards from the known last close; bounded moves keep every day within its band.
    let mut closes = vec![prev_close; n];
    for i in (0..n.saturating_sub(1)).rev() {
        let next = closes[i + 1];
        let bp = (rng.normal() * volatility * 10_000.0).clamp(-1_800.0, 1_800.0) as i64;
        let raw = (i128::from(next) * 10_000 / i128::from(10_000 + bp)).max(100) as u64;
        let candidate = grid.floor(raw).max(100);
        closes[i] = if grid.band(candidate).contains(next) { candidate } else { next };
    }
    let mut bars = Vec::with_capacity(n);
    for (i, (&close, &start_ns)) in closes.iter().zip(opens).enumerate() {
        let base = if i == 0 { close } else { closes[i - 1] };
        let band = grid.band(base);
        let gap_bp = (rng.normal() * volatility * 3_000.0) as i64;
        let open = grid.floor((i128::from(base) * i128::from(10_000 + gap_bp) / 10_000).max(1) as u64);
        let open = open.clamp(band.lower, band.upper);
        let wick = |rng: &mut Rng, p: u64| (rng.unit() * volatility * 0.6 * p as f64) as u64;
        let high = grid.floor(open.max(close).saturating_add(wick(rng, close))).clamp(open.max(close), band.upper);
        let low_raw = open.min(close).saturating_sub(wick(rng, close));
        let low = grid.floor(low_raw).max(band.lower).min(open.min(close));
        let volume = (daily_volume * (0.4 + 0.6 * rng.pareto2())) as u64;
        bars.push(IntBar { start_ns, open, high, low, close, volume: volume.max(1) });
    }
    bars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_bars_group_by_minute() {
        let mut bars = Vec::new();
        let m = NANOS_PER_MINUTE;
        record_minute(&mut bars, 5 * m + 1, 100, 2);
        record_minute(&mut bars, 5 * m + 30, 105, 1);
        record_minute(&mut bars, 5 * m + 59_000_000_000, 95, 3);
        record_minute(&mut bars, 6 * m, 101, 4);
        assert_eq!(
            bars,
            vec![
                IntBar { start_ns: 5 * m, open: 100, high: 105, low: 95, close: 95, volume: 6 },
                IntBar { start_ns: 6 * m, open: 101, high: 101, low: 101, close: 101, volume: 4 },
            ]
        );
    }

    #[test]
    fn past_bars_end_at_prev_close_and_respect_limits() {
        let mut rng = Rng::seeded(11);
        let opens: Vec<i64> = (0..120).map(|d| d * 86_400_000_000_000).collect();
        let bars = past_daily_bars(&mut rng, Grid::Krx, 52_300, 0.04, 1e6, &opens);
        assert_eq!(bars.len(), 120);
        assert_eq!(bars.last().map(|b| b.close), Some(52_300));
        for pair in bars.windows(2) {
            let band = Grid::Krx.band(pair[0].close);
            let b = pair[1];
            for p in [b.open, b.high, b.low, b.close] {
                assert!(band.contains(p) && Grid::Krx.is_on_grid(p), "{p} outside {band:?}");
            }
            assert!(b.low <= b.open.min(b.close) && b.high >= b.open.max(b.close) && b.volume > 0);
        }
        let distinct: std::collections::HashSet<u64> = bars.iter().map(|b| b.close).collect();
        assert!(distinct.len() > 60, "history barely moves: {}", distinct.len());
    }
}

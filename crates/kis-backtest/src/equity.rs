//! The equity curve: every strategy's account marked to market at each bar close (for tick data, at the end
//! of each minute), and the drawdown read from it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// Marks at shared instants: `series[s][i]` is strategy `s`'s equity at `times[i]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EquityCurve {
    pub times: Vec<DateTime<Utc>>,
    pub series: Vec<Vec<Decimal>>,
}

impl EquityCurve {
    pub fn new(strategies: usize) -> EquityCurve {
        EquityCurve { times: Vec::new(), series: vec![Vec::new(); strategies] }
    }

    /// Records one mark; a second mark at the same instant replaces the first (bars of several symbols
    /// closing together make one point).
    pub fn push(&mut self, ts: DateTime<Utc>, values: impl IntoIterator<Item = Decimal>) {
        let replace = self.times.last() == Some(&ts);
        if !replace {
            self.times.push(ts);
        }
        for (series, value) in self.series.iter_mut().zip(values) {
            match (replace, series.last_mut()) {
                (true, Some(last)) => *last = value,
                _ => series.push(value),
            }
        }
    }

    /// The sum over strategies at each instant.
    pub fn total(&self) -> Vec<Decimal> {
        let mut total = vec![Decimal::ZERO; self.times.len()];
        for series in &self.series {
            for (t, v) in total.iter_mut().zip(series) {
                *t += *v;
            }
        }
        total
    }
}

/// The deepest fall from a running peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drawdown {
    /// Peak − trough, in account currency; zero for a curve that never fell.
    pub amount: Decimal,
    /// `amount` as a fraction of the peak it fell from.
    pub fraction: Decimal,
    /// Index of the trough in the curve (`None` when the curve never fell).
    pub trough: Option<usize>,
}

/// `peak − equity` at every mark, the running peak starting at `initial` (the starting cash counts as a peak:
/// losing from the first bar on is a drawdown).
pub fn drawdown_series(initial: Decimal, values: &[Decimal]) -> Vec<Decimal> {
    let mut peak = initial;
    values
        .iter()
        .map(|v| {
            peak = peak.max(*v);
            peak - *v
        })
        .collect()
}

pub fn max_drawdown(initial: Decimal, values: &[Decimal]) -> Drawdown {
    let mut peak = initial;
    let mut worst = Drawdown { amount: Decimal::ZERO, fraction: Decimal::ZERO, trough: None };
    for (i, v) in values.iter().enumerate() {
        peak = peak.max(*v);
        let fall = peak - *v;
        if fall > worst.amount {
            let fraction = if peak > Decimal::ZERO { fall / peak } else { Decimal::ZERO };
            worst = Drawdown { amount: fall, fraction, trough: Some(i) };
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn drawdown_of_a_hand_computed_curve() {
        // Start 1,000; up to 1,200, down to 900 (−300 from the peak, 25 %), up to 1,300, down to 1,100 (−200).
        let curve = [dec!(1100), dec!(1200), dec!(1000), dec!(900), dec!(1300), dec!(1100)];
        let dd = max_drawdown(dec!(1000), &curve);
        assert_eq!((dd.amount, dd.fraction, dd.trough), (dec!(300), dec!(0.25), Some(3)));
        assert_eq!(
            drawdown_series(dec!(1000), &curve),
            vec![dec!(0), dec!(0), dec!(200), dec!(300), dec!(0), dec!(200)]
        );
        // Falling from the start counts against the starting cash.
        let dd = max_drawdown(dec!(1000), &[dec!(990), dec!(950), dec!(1010)]);
        assert_eq!((dd.amount, dd.fraction), (dec!(50), dec!(0.05)));
        let flat = max_drawdown(dec!(1000), &[dec!(1000), dec!(1001)]);
        assert_eq!((flat.amount, flat.trough), (dec!(0), None));
    }

    #[test]
    fn same_instant_marks_replace_and_totals_add_up() {
        let t0 = DateTime::from_timestamp(0, 0).unwrap();
        let t1 = DateTime::from_timestamp(60, 0).unwrap();
        let mut c = EquityCurve::new(2);
        c.push(t0, [dec!(1), dec!(10)]);
        c.push(t1, [dec!(2), dec!(20)]);
        c.push(t1, [dec!(3), dec!(30)]);
        assert_eq!(c.times, vec![t0, t1]);
        assert_eq!(c.series, vec![vec![dec!(1), dec!(3)], vec![dec!(10), dec!(30)]]);
        assert_eq!(c.total(), vec![dec!(11), dec!(33)]);
    }
}

//! Volume and fluctuation rankings (KIS volume-rank / fluctuation), computed from the current state.

use std::cmp::Ordering;

use crate::symbol_state::SymbolState;

/// Which way a fluctuation ranking sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Largest rise first.
    Rise,
    /// Largest fall first.
    Fall,
}

/// Indices of the top `n` by cumulative volume (ties: symbol order).
pub(crate) fn by_volume(states: &[SymbolState], candidates: &mut Vec<usize>, n: usize) {
    top_n(candidates, n, |&a, &b| {
        let (x, y) = (&states[a], &states[b]);
        y.cum_volume.cmp(&x.cum_volume).then_with(|| x.symbol.cmp(&y.symbol))
    });
}

/// Indices of the top `n` by change rate against the previous close, compared exactly in integers.
pub(crate) fn by_change(states: &[SymbolState], candidates: &mut Vec<usize>, n: usize, direction: Direction) {
    top_n(candidates, n, |&a, &b| {
        let (x, y) = (&states[a], &states[b]);
        // (last_x − prev_x) / prev_x  vs  (last_y − prev_y) / prev_y, both denominators positive.
        let lhs = (i128::from(x.last) - i128::from(x.prev_close)) * i128::from(y.prev_close);
        let rhs = (i128::from(y.last) - i128::from(y.prev_close)) * i128::from(x.prev_close);
        let by_rate = match direction {
            Direction::Rise => rhs.cmp(&lhs),
            Direction::Fall => lhs.cmp(&rhs),
        };
        by_rate.then_with(|| x.symbol.cmp(&y.symbol))
    });
}

fn top_n(v: &mut Vec<usize>, n: usize, cmp: impl Fn(&usize, &usize) -> Ordering) {
    if n < v.len() {
        if n > 0 {
            v.select_nth_unstable_by(n - 1, &cmp);
        }
        v.truncate(n);
    }
    v.sort_by(cmp);
}

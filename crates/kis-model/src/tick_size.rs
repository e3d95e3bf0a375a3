//! KRX tick sizes (호가가격단위) in force since 2023-01-25 and moves on the tick grid.
//!
//! An order off the grid is rejected by the exchange, so every price the system sends goes through these
//! functions. Work is in whole won (`u64`); band edges belong to the upper band (2,000 won has a 5-won tick).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use thiserror::Error;

use crate::money::Price;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TickError {
    #[error("price {0} is not a whole number of won")]
    NotWholeWon(Decimal),
    #[error("price {0} is out of range for KRX")]
    OutOfRange(Decimal),
    #[error("no valid price below {0}")]
    BelowMinimum(u64),
}

/// Listed stocks and ETFs/ETNs have different tick rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InstrumentKind {
    #[default]
    Stock,
    /// ETFs and ETNs: a flat tick (see [`krx_tick_size`]).
    Fund,
}

/// (upper bound exclusive, tick) for stocks, KOSPI/KOSDAQ/KONEX alike since 2023-01-25 (kis-protocol.md §10.2).
const STOCK_BANDS: [(u64, u64); 7] =
    [(2_000, 1), (5_000, 5), (20_000, 10), (50_000, 50), (200_000, 100), (500_000, 500), (u64::MAX, 1_000)];

/// ETF/ETN: 5 won flat; 1 won below 2,000 won. The sub-2,000 rule is unconfirmed (kis-protocol.md §10.2).
const FUND_BANDS: [(u64, u64); 2] = [(2_000, 1), (u64::MAX, 5)];

fn bands(kind: InstrumentKind) -> &'static [(u64, u64)] {
    match kind {
        InstrumentKind::Stock => &STOCK_BANDS,
        InstrumentKind::Fund => &FUND_BANDS,
    }
}

/// The tick that applies at `won`. Prefer the symbol's `aspr_unit` from inquire-price when it is known.
pub fn krx_tick_size(won: u64, kind: InstrumentKind) -> u64 {
    bands(kind).iter().find(|(upper, _)| won < *upper).map_or(1_000, |(_, tick)| *tick)
}

pub fn is_on_tick(won: u64, kind: InstrumentKind) -> bool {
    won > 0 && won.is_multiple_of(krx_tick_size(won, kind))
}

/// Largest valid price ≤ `won` (0 when `won` is 0).
pub fn floor_to_tick(won: u64, kind: InstrumentKind) -> u64 {
    // Every band's lower edge is a multiple of that band's tick, so flooring inside the band is enough.
    won - won % krx_tick_size(won, kind)
}

/// Smallest valid price ≥ `won`. Ceiling inside a band never overshoots the next band's edge, because each
/// edge is also a multiple of the lower band's tick.
pub fn ceil_to_tick(won: u64, kind: InstrumentKind) -> u64 {
    let tick = krx_tick_size(won, kind);
    match won % tick {
        0 => won.max(1),
        r => won.saturating_add(tick - r),
    }
}

/// Nearest valid price; an exact midpoint goes up (the convention of the KRX price-limit and VI examples is
/// not documented for ties; callers that care about side pick floor or ceil explicitly).
pub fn nearest_tick(won: u64, kind: InstrumentKind) -> u64 {
    let down = floor_to_tick(won, kind);
    let up = ceil_to_tick(won, kind);
    if down == 0 || up - won <= won - down { up } else { down }
}

/// `n` ticks up from `won`. An off-grid price first snaps up (that is the first step).
pub fn tick_up(won: u64, n: u32, kind: InstrumentKind) -> u64 {
    let mut p = won;
    for _ in 0..n {
        p = if is_on_tick(p, kind) { p.saturating_add(krx_tick_size(p, kind)) } else { ceil_to_tick(p, kind) };
    }
    p
}

/// `n` ticks down from `won`, crossing bands with the tick of the lower band (2,000 → 1,999).
pub fn tick_down(won: u64, n: u32, kind: InstrumentKind) -> Result<u64, TickError> {
    let mut p = won;
    for _ in 0..n {
        let next = if is_on_tick(p, kind) {
            // The tick below p is the one of the band p-1 sits in.
            p.checked_sub(1).map(|below| p - krx_tick_size(below, kind))
        } else {
            Some(floor_to_tick(p, kind))
        };
        p = match next {
            Some(q) if q > 0 => q,
            _ => return Err(TickError::BelowMinimum(p)),
        };
    }
    Ok(p)
}

/// Converts a KRX price to whole won, refusing fractions (KRX prices are integers).
pub fn to_won(price: Price) -> Result<u64, TickError> {
    let v = price.value();
    if !v.fract().is_zero() {
        return Err(TickError::NotWholeWon(v));
    }
    v.to_u64().ok_or(TickError::OutOfRange(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use InstrumentKind::{Fund, Stock};

    #[test]
    fn table_edges() {
        let cases = [
            (1, 1),
            (1_999, 1),
            (2_000, 5),
            (4_995, 5),
            (5_000, 10),
            (19_990, 10),
            (20_000, 50),
            (49_950, 50),
            (50_000, 100),
            (199_900, 100),
            (200_000, 500),
            (499_500, 500),
            (500_000, 1_000),
            (3_000_000, 1_000),
        ];
        for (won, tick) in cases {
            assert_eq!(krx_tick_size(won, Stock), tick, "tick at {won}");
        }
        assert_eq!(krx_tick_size(50_000, Fund), 5);
        assert_eq!(krx_tick_size(1_500, Fund), 1);
    }

    #[test]
    fn rounding() {
        assert_eq!(floor_to_tick(2_003, Stock), 2_000);
        assert_eq!(ceil_to_tick(2_003, Stock), 2_005);
        assert_eq!(ceil_to_tick(4_999, Stock), 5_000);
        assert_eq!(floor_to_tick(167_050, Stock), 167_000);
        assert_eq!(ceil_to_tick(89_950, Stock), 90_000);
        assert_eq!(nearest_tick(2_002, Stock), 2_000);
        assert_eq!(nearest_tick(2_003, Stock), 2_005);
        assert_eq!(nearest_tick(2_0025, Stock), 20_050);
        assert_eq!(nearest_tick(1, Stock), 1);
        assert_eq!(ceil_to_tick(0, Stock), 1);
    }

    #[test]
    fn steps_cross_bands() {
        assert_eq!(tick_up(1_999, 1, Stock), 2_000);
        assert_eq!(tick_up(2_000, 1, Stock), 2_005);
        assert_eq!(tick_up(1_998, 3, Stock), 2_005);
        assert_eq!(tick_down(2_000, 1, Stock), Ok(1_999));
        assert_eq!(tick_down(2_005, 2, Stock), Ok(1_999));
        assert_eq!(tick_down(50_000, 1, Stock), Ok(49_950));
        assert_eq!(tick_down(500_000, 1, Stock), Ok(499_500));
        assert_eq!(tick_up(499_500, 1, Stock), 500_000);
        assert_eq!(tick_down(2_003, 1, Stock), Ok(2_000));
        assert_eq!(tick_up(2_003, 1, Stock), 2_005);
        assert_eq!(tick_down(1, 1, Stock), Err(TickError::BelowMinimum(1)));
    }

    #[test]
    fn whole_won_only() {
        assert_eq!(to_won(Price::from_won(70_100)), Ok(70_100));
        let half: Price = "70100.5".parse().unwrap();
        assert!(matches!(to_won(half), Err(TickError::NotWholeWon(_))));
    }

    proptest::proptest! {
        #[test]
        fn grid_properties(won in 1u64..5_000_000, n in 0u32..50) {
            let f = floor_to_tick(won, Stock);
            let c = ceil_to_tick(won, Stock);
            proptest::prop_assert!(f <= won && won <= c);
            proptest::prop_assert!(is_on_tick(c, Stock));
            proptest::prop_assert!(f == 0 || is_on_tick(f, Stock));
            let up = tick_up(c, n, Stock);
            proptest::prop_assert!(is_on_tick(up, Stock));
            if let Ok(back) = tick_down(up, n, Stock) {
                proptest::prop_assert_eq!(back, c);
            }
        }
    }
}

//! Limit prices for US orders. KIS takes no US market orders, so a "buy now" is a limit a little above the
//! last price and a "sell now" a little below, on the price grid US exchanges accept.

use kis_model::{Price, Side};
use rust_decimal::{Decimal, RoundingStrategy};

/// Decimal places of a valid US price: cents from $1 up, hundredths of a cent below (Reg NMS sub-penny rule).
fn grid_places(price: Decimal) -> u32 {
    if price >= Decimal::ONE { 2 } else { 4 }
}

/// `last × (1 ± offset_pct / 100)` rounded outward to the grid (a buy up, a sell down), so the limit is never
/// less aggressive than asked. `None` when the result is not a positive price.
pub fn us_limit_price(last: Price, side: Side, offset_pct: Decimal) -> Option<Price> {
    let hundred = Decimal::ONE_HUNDRED;
    let (factor, rounding) = match side {
        Side::Buy => (hundred + offset_pct, RoundingStrategy::ToPositiveInfinity),
        Side::Sell => (hundred - offset_pct, RoundingStrategy::ToNegativeInfinity),
    };
    let raw = last.value().checked_mul(factor)?.checked_div(hundred)?;
    let rounded = raw.round_dp_with_strategy(grid_places(raw), rounding);
    if rounded <= Decimal::ZERO { None } else { Price::new(rounded).ok() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn p(d: Decimal) -> Price {
        Price::new(d).unwrap()
    }

    #[test]
    fn rounds_outward_on_the_grid() {
        assert_eq!(us_limit_price(p(dec!(50.00)), Side::Buy, dec!(0.5)), Some(p(dec!(50.25))));
        assert_eq!(us_limit_price(p(dec!(50.00)), Side::Sell, dec!(0.5)), Some(p(dec!(49.75))));
        // 33.33 × 1.005 = 33.49665 → 33.50 up; × 0.995 = 33.16335 → 33.16 down.
        assert_eq!(us_limit_price(p(dec!(33.33)), Side::Buy, dec!(0.5)), Some(p(dec!(33.50))));
        assert_eq!(us_limit_price(p(dec!(33.33)), Side::Sell, dec!(0.5)), Some(p(dec!(33.16))));
        // Sub-dollar prices keep four places: 0.5123 × 1.01 = 0.517423 → 0.5175.
        assert_eq!(us_limit_price(p(dec!(0.5123)), Side::Buy, dec!(1)), Some(p(dec!(0.5175))));
        assert_eq!(us_limit_price(p(dec!(10)), Side::Sell, dec!(100)), None);
        assert_eq!(us_limit_price(p(dec!(10)), Side::Buy, dec!(0)), Some(p(dec!(10))));
    }
}

//! Limit prices for US orders. KIS takes no US market order, so a "buy now" is a limit a little above the
//! last price and a "sell now" a little below, on the price grid US exchanges accept. The stop-loss's
//! marketable sell ([`us_marketable_sell`]) is the one rule every US "sell everything now" prices by: the US
//! bot's stop-loss and the desk's US exits alike.

use kis_model::{Price, Side};
use rust_decimal::{Decimal, RoundingStrategy};

/// One step of [`us_marketable_sell`]'s offset: a cent, the US tick of stocks priced from $1.
pub const US_OFFSET_TICK: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// The lowest limit a marketable sell is sent at: a cent (KIS refuses a zero price; a sell limited at a cent
/// fills at whatever the book bids).
pub const US_MIN_SELL_LIMIT: Decimal = US_OFFSET_TICK;

/// Ticks the stop-loss sells below its reference by default: $0.05, room for the bid to move between the
/// signal and the order's arrival without chasing far below the market (a limit fills at the best bid
/// anyway, so the offset is a floor, not the price paid).
pub const DEFAULT_STOP_LOSS_OFFSET_TICKS: u32 = 5;

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

/// The limit of a US sell that must fill now (a stop-loss): `offset_ticks` cents below the reference, rounded
/// down to the grid, never below [`US_MIN_SELL_LIMIT`]. The reference is the best bid when one is known and
/// lower than the last trade (what the sell would hit), else the last trade: the lower of the two, so a
/// stale bid can only make the limit more marketable, and the fill still happens at the book's bid.
pub fn us_marketable_sell(last: Price, bid: Option<Price>, offset_ticks: u32) -> Price {
    let reference = bid.filter(|b| !b.is_zero() && *b < last).unwrap_or(last).value();
    let offset = US_OFFSET_TICK * Decimal::from(offset_ticks);
    let raw = reference.checked_sub(offset).unwrap_or(Decimal::ZERO);
    let rounded = raw.round_dp_with_strategy(grid_places(raw), RoundingStrategy::ToNegativeInfinity);
    let floor = Price::new(US_MIN_SELL_LIMIT).unwrap_or(last);
    Price::new(rounded.max(US_MIN_SELL_LIMIT)).unwrap_or(floor)
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

    #[test]
    fn marketable_sell_is_ticks_below_the_lower_of_bid_and_last() {
        assert_eq!(US_OFFSET_TICK, dec!(0.01));
        // Last only: 5 ticks = $0.05 below, exact decimals.
        assert_eq!(us_marketable_sell(p(dec!(50.00)), None, 5), p(dec!(49.95)));
        assert_eq!(us_marketable_sell(p(dec!(50.00)), None, 0), p(dec!(50.00)));
        // A bid below the last trade is the reference; one above it (crossed or stale) is not.
        assert_eq!(us_marketable_sell(p(dec!(50.00)), Some(p(dec!(49.90))), 5), p(dec!(49.85)));
        assert_eq!(us_marketable_sell(p(dec!(50.00)), Some(p(dec!(50.10))), 5), p(dec!(49.95)));
        assert_eq!(us_marketable_sell(p(dec!(50.00)), Some(Price::ZERO), 1), p(dec!(49.99)));
        // Sub-dollar references keep their four places; the result never goes below a cent.
        assert_eq!(us_marketable_sell(p(dec!(0.5123)), None, 5), p(dec!(0.4623)));
        assert_eq!(us_marketable_sell(p(dec!(0.03)), None, 5), p(dec!(0.01)));
        assert_eq!(us_marketable_sell(p(dec!(0.05)), None, 5), p(dec!(0.01)));
        assert_eq!(us_marketable_sell(p(dec!(1.00)), None, u32::MAX), p(dec!(0.01)));
        // A sub-cent reference above $1 (not on the grid) rounds down onto it.
        assert_eq!(us_marketable_sell(p(dec!(12.347)), None, 2), p(dec!(12.32)));
    }
}

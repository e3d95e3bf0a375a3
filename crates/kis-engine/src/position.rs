//! Holdings of one symbol: quantity, cost basis, what open sells have claimed, realised PnL and fees.

use kis_model::{Currency, Qty, Symbol};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// KIS shows `pchs_avg_pric` with four decimals.
const AVG_PRICE_DP: u32 = 4;

/// One holding. The cost basis is kept as a total (`cost`, fees excluded) rather than as an average price, so
/// that buying and selling in pieces never drifts: the average is derived when asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub symbol: Symbol,
    pub qty: Qty,
    /// Purchase amount of the shares still held, excluding fees (KIS `pchs_amt`).
    pub cost: Decimal,
    /// Shares claimed by open sell orders; they cannot be sold twice.
    pub sell_reserved: Qty,
    /// Sum over sells of proceeds − cost of the shares sold − commission − tax.
    pub realised_pnl: Decimal,
    /// Commissions and taxes of every fill of this symbol, buys and sells.
    pub fees_paid: Decimal,
}

/// A fill's arithmetic left the range of `Decimal`; only absurd inputs get here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overflow;

impl Position {
    pub fn new(symbol: Symbol) -> Position {
        Position {
            symbol,
            qty: Qty::ZERO,
            cost: Decimal::ZERO,
            sell_reserved: Qty::ZERO,
            realised_pnl: Decimal::ZERO,
            fees_paid: Decimal::ZERO,
        }
    }

    /// Average purchase price excluding fees, to four decimals like KIS; zero when flat.
    pub fn avg_price(&self) -> Decimal {
        if self.qty.is_zero() {
            return Decimal::ZERO;
        }
        (self.cost / self.qty.as_decimal()).round_dp_with_strategy(AVG_PRICE_DP, RoundingStrategy::MidpointAwayFromZero)
    }

    /// Shares a new sell order may still claim (KIS `ord_psbl_qty`).
    pub fn sellable(&self) -> Qty {
        self.qty.saturating_sub(self.sell_reserved)
    }

    pub(crate) fn apply_buy(&mut self, qty: Qty, notional: Decimal, fees: Decimal) -> Result<(), Overflow> {
        let cost = self.cost.checked_add(notional).ok_or(Overflow)?;
        let fees_paid = self.fees_paid.checked_add(fees).ok_or(Overflow)?;
        let new_qty = self.qty.shares().checked_add(qty.shares()).ok_or(Overflow)?;
        self.cost = cost;
        self.fees_paid = fees_paid;
        self.qty = Qty::new(new_qty);
        Ok(())
    }

    /// Applies a sell of `qty` shares (already reserved by its order) and returns the realised PnL of it.
    pub(crate) fn apply_sell(
        &mut self,
        qty: Qty,
        notional: Decimal,
        fees: Decimal,
        currency: Currency,
    ) -> Result<Decimal, Overflow> {
        let left = self.qty.checked_sub(qty).ok_or(Overflow)?;
        let cost_out = if left.is_zero() {
            self.cost
        } else {
            // Average cost × qty, cut to the settlement unit; the remainder stays in the cost of what is left.
            self.cost
                .checked_mul(qty.as_decimal())
                .and_then(|c| c.checked_div(self.qty.as_decimal()))
                .ok_or(Overflow)?
                .round_dp_with_strategy(currency.minor_unit_scale(), RoundingStrategy::MidpointNearestEven)
        };
        let realised = notional.checked_sub(cost_out).and_then(|r| r.checked_sub(fees)).ok_or(Overflow)?;
        let realised_pnl = self.realised_pnl.checked_add(realised).ok_or(Overflow)?;
        let fees_paid = self.fees_paid.checked_add(fees).ok_or(Overflow)?;
        self.cost -= cost_out;
        self.qty = left;
        self.sell_reserved = self.sell_reserved.saturating_sub(qty);
        self.realised_pnl = realised_pnl;
        self.fees_paid = fees_paid;
        Ok(realised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn sym() -> Symbol {
        Symbol::parse("005930").unwrap()
    }

    #[test]
    fn average_excludes_fees_and_survives_partial_sells() {
        let mut p = Position::new(sym());
        p.apply_buy(Qty::new(3), dec!(210000), dec!(31)).unwrap();
        p.apply_buy(Qty::new(4), dec!(282000), dec!(42)).unwrap();
        // (210,000 + 282,000) / 7 = 70,285.714285… → 70,285.7143
        assert_eq!(p.avg_price(), dec!(70285.7143));
        // Selling 2 of 7 takes out 492,000 × 2 / 7 = 140,571.43 → 140,571 won.
        let r = p.apply_sell(Qty::new(2), dec!(142000), dec!(305), Currency::Krw).unwrap();
        assert_eq!(r, dec!(142000) - dec!(140571) - dec!(305));
        assert_eq!(p.cost, dec!(351429));
        // Closing the rest takes out the whole remaining cost, so nothing is lost to rounding.
        let r2 = p.apply_sell(Qty::new(5), dec!(355000), dec!(763), Currency::Krw).unwrap();
        assert_eq!(r2, dec!(355000) - dec!(351429) - dec!(763));
        assert_eq!((p.qty, p.cost, p.avg_price()), (Qty::ZERO, dec!(0), dec!(0)));
        assert_eq!(p.realised_pnl, r + r2);
        assert_eq!(p.realised_pnl, dec!(497000) - dec!(492000) - dec!(305) - dec!(763));
        assert_eq!(p.fees_paid, dec!(1141));
    }

    #[test]
    fn selling_more_than_held_is_refused() {
        let mut p = Position::new(sym());
        p.apply_buy(Qty::new(1), dec!(100), dec!(0)).unwrap();
        assert_eq!(p.apply_sell(Qty::new(2), dec!(200), dec!(0), Currency::Krw), Err(Overflow));
        assert_eq!(p.qty, Qty::new(1));
    }
}

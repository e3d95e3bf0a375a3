//! The rules that move money, shared by the matching engine and by kis-desk's mirror of the broker's account:
//! what a buy reserves, what a fill costs, and how it lands in cash and holdings. Both call these functions,
//! so the simulator, the backtester and the daemon cannot disagree about a won or a cent.

use kis_model::{Currency, FeeError, FeeModel, Fees, Price, Qty, Side, Symbol};
use rust_decimal::Decimal;
use thiserror::Error;

use crate::account::{Account, BuyFill, SellFill};
use crate::reject::RejectReason;
use crate::spec::{MarketRules, SymbolSpec};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BookingError {
    #[error("fee table: {0}")]
    Fee(#[from] FeeError),
    #[error("sell of {sold} shares of {symbol} exceeds the {held} held")]
    Oversold { symbol: Symbol, held: Qty, sold: Qty },
    #[error("fill of zero shares of {0}")]
    ZeroQty(Symbol),
    #[error("amounts of a fill of {0} out of range")]
    Overflow(Symbol),
}

/// What one fill moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Booked {
    pub notional: Decimal,
    pub fees: Fees,
    /// Sells: proceeds − cost of the shares sold − commission − tax. Buys: zero.
    pub realised: Decimal,
    /// Cash reservation the fill gave back (buys).
    pub released: Decimal,
}

pub fn notional(price: Price, qty: Qty) -> Option<Decimal> {
    price.value().checked_mul(qty.as_decimal())
}

/// The fee table's figures for a fill of `spec`'s symbol on its trade date.
pub fn fees_for(fees: &FeeModel, spec: &SymbolSpec, side: Side, notional: Decimal) -> Result<Fees, FeeError> {
    match spec.rules {
        MarketRules::Krx { board, .. } => fees.krx(side, board, notional, spec.trade_date),
        MarketRules::Us => fees.us(side, notional, spec.trade_date),
    }
}

/// The price an order's cash is held at: its limit, or for a KRX market buy the upper daily limit (KIS
/// reserves it there, as a market buy may fill up to it). A market sell holds no cash.
pub fn reservation_bound(spec: &SymbolSpec, side: Side, limit: Option<Price>) -> Result<Price, RejectReason> {
    match (limit, spec.rules) {
        (Some(price), _) => Ok(price),
        (None, MarketRules::Us) => Err(RejectReason::UsMarketOrder(spec.symbol)),
        (None, MarketRules::Krx { limits, .. }) => match side {
            Side::Buy => Ok(Price::from_won(limits.upper)),
            Side::Sell => Ok(Price::ZERO),
        },
    }
}

/// Cash a buy of `qty` at `price` must hold: notional plus the commission on it.
pub fn buy_reservation(fees: &FeeModel, spec: &SymbolSpec, price: Price, qty: Qty) -> Result<Decimal, RejectReason> {
    if qty.is_zero() {
        return Ok(Decimal::ZERO);
    }
    let overflow = || RejectReason::AmountOverflow { price, qty };
    let n = notional(price, qty).ok_or_else(overflow)?;
    // A buy's commission can only fail on a negative notional, which Price and Qty exclude.
    let commission = fees_for(fees, spec, Side::Buy, n).map_err(|_| overflow())?;
    n.checked_add(commission.commission.amount).ok_or_else(overflow)
}

/// One fill of an order booked into `account`, whole or not at all. `reserved` is what the order held before the
/// fill, `bound` the price it holds at and `left` what stays unfilled after it: a buy gives back the reservation
/// of the filled part, recomputed exactly as it was taken.
#[allow(clippy::too_many_arguments)]
pub fn book_fill(
    account: &mut Account,
    fees: &FeeModel,
    spec: &SymbolSpec,
    side: Side,
    qty: Qty,
    price: Price,
    reserved: Decimal,
    bound: Price,
    left: Qty,
) -> Result<Booked, BookingError> {
    let symbol = spec.symbol;
    if qty.is_zero() {
        return Err(BookingError::ZeroQty(symbol));
    }
    let overflow = || BookingError::Overflow(symbol);
    let n = notional(price, qty).ok_or_else(overflow)?;
    let fee = fees_for(fees, spec, side, n)?;
    let fee_total = fee.commission.amount.checked_add(fee.tax.amount).ok_or_else(overflow)?;
    let currency: Currency = spec.currency();
    match side {
        Side::Buy => {
            let after = buy_reservation(fees, spec, bound, left).map_err(|_| overflow())?;
            // A reservation smaller than its remainder's (an order this account never reserved for) gives back nothing.
            let released =
                (reserved - after).max(Decimal::ZERO).min(account.cash(currency).reserved.max(Decimal::ZERO));
            let fill = BuyFill { symbol, currency, qty, notional: n, fees: fee_total, released };
            account.apply_buy(&fill).map_err(|_| overflow())?;
            Ok(Booked { notional: n, fees: fee, realised: Decimal::ZERO, released })
        }
        Side::Sell => {
            let held = account.position(&symbol).map_or(Qty::ZERO, |p| p.qty);
            if qty > held {
                return Err(BookingError::Oversold { symbol, held, sold: qty });
            }
            let fill = SellFill { symbol, currency, qty, notional: n, fees: fee_total };
            let realised = account.apply_sell(&fill).map_err(|_| overflow())?;
            Ok(Booked { notional: n, fees: fee, realised, released: Decimal::ZERO })
        }
    }
}

//! Why the engine refused a request. The simulator maps each reason to a KIS `msg_cd`.

use kis_model::{Currency, OrderId, Price, Qty, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::order::OrderCode;

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    #[error("order quantity is zero")]
    ZeroQty,
    #[error("unknown symbol {0}: the engine has no reference data for it")]
    UnknownSymbol(Symbol),
    #[error("the session of {0} is not open")]
    MarketClosed(Symbol),
    #[error("KIS has no market order for US stocks ({0}): send a limit order")]
    UsMarketOrder(Symbol),
    #[error("order kind code {code} belongs to the other market than {symbol}'s")]
    CodeMarketMismatch { code: OrderCode, symbol: Symbol },
    #[error("price {price} is not on the tick grid (tick {tick} at this price)")]
    OffTick { price: Price, tick: Decimal },
    #[error("price {price} is outside today's limits {lower}..={upper}")]
    OutsideDailyLimits { price: Price, lower: u64, upper: u64 },
    #[error("insufficient cash: {required} {currency} needed with commission, {available} available")]
    InsufficientCash { currency: Currency, required: Decimal, available: Decimal },
    #[error("insufficient holdings of {symbol}: {requested} to sell, {sellable} sellable")]
    InsufficientHoldings { symbol: Symbol, requested: Qty, sellable: Qty },
    #[error("order amount {price} x {qty} is out of range")]
    AmountOverflow { price: Price, qty: Qty },
    #[error("unknown order {0}")]
    UnknownOrder(OrderId),
    #[error("order {0} is no longer open (filled, cancelled, replaced or expired)")]
    OrderFinal(OrderId),
    #[error("modify of order {0} changes neither price nor quantity")]
    NothingToModify(OrderId),
    #[error("modify of order {order} to {requested} shares is not above the {filled} already filled")]
    ModifyBelowFilled { order: OrderId, filled: Qty, requested: Qty },
    #[error("order numbers are exhausted: KIS order numbers have ten digits")]
    OrderNumbersExhausted,
}

impl RejectReason {
    /// The serde name (no spaces): counters and log fields.
    pub fn label(&self) -> &'static str {
        match self {
            RejectReason::ZeroQty => "zero_qty",
            RejectReason::UnknownSymbol(_) => "unknown_symbol",
            RejectReason::MarketClosed(_) => "market_closed",
            RejectReason::UsMarketOrder(_) => "us_market_order",
            RejectReason::CodeMarketMismatch { .. } => "code_market_mismatch",
            RejectReason::OffTick { .. } => "off_tick",
            RejectReason::OutsideDailyLimits { .. } => "outside_daily_limits",
            RejectReason::InsufficientCash { .. } => "insufficient_cash",
            RejectReason::InsufficientHoldings { .. } => "insufficient_holdings",
            RejectReason::AmountOverflow { .. } => "amount_overflow",
            RejectReason::UnknownOrder(_) => "unknown_order",
            RejectReason::OrderFinal(_) => "order_final",
            RejectReason::NothingToModify(_) => "nothing_to_modify",
            RejectReason::ModifyBelowFilled { .. } => "modify_below_filled",
            RejectReason::OrderNumbersExhausted => "order_numbers_exhausted",
        }
    }
}

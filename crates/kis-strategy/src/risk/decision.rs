//! The outcome of a risk check: an order intent with a whole-share quantity, or a typed refusal.

use std::fmt;

use kis_model::{Price, Qty, Side, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::order_type::OrderType;
use crate::signal::{SignalKind, StrategyId};

/// What the order router is asked to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderIntent {
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    /// `None` is a market order (KRX only).
    pub limit: Option<Price>,
    /// The signal's [`OrderType`]: how the router sends it (US `ORD_DVSN`).
    #[serde(default)]
    pub order_type: OrderType,
    pub kind: SignalKind,
    pub strategy_id: StrategyId,
    pub reason: String,
}

/// Why a signal did not become an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefuseReason {
    /// Trading is halted and the order is not a protective exit, or the daemon is shutting down.
    Halted,
    /// Only orders that reduce positions are allowed (daily loss limit reached).
    ReduceOnly,
    /// This order would exceed the orders-per-minute limit.
    RateLimited { max_per_minute: u32 },
    /// An order for the symbol is already working.
    DuplicatePending,
    /// A sell with nothing held.
    NoPosition,
    /// A sell that would open a short position (everything here is long-only).
    ShortNotAllowed,
    /// A buy of a new symbol with the maximum number of positions open.
    MaxPositions { open: usize, max: usize },
    /// The position is already at its value cap (per-position or Kelly).
    PositionCap,
    /// Not enough cash for one share at the order price.
    InsufficientCash { price: Price, available: Decimal },
    /// The sizing rules leave less than one share (risk budget smaller than one share's stop distance).
    ZeroSize,
    /// No price to size or limit the order with (no limit price and no last price).
    NoPrice,
    /// A market order for a US symbol: KIS only takes limit orders there.
    MarketOrderNotAllowed,
    /// A quantity fraction outside (0, 1].
    InvalidFraction(Decimal),
    /// A quantity form that means nothing for the side: a buy of "all", a sell of a cash fraction.
    UnsupportedQuantity,
    /// The Kelly estimate says the strategy has no edge (f* ≤ 0).
    NoEdge,
}

impl RefuseReason {
    /// A short machine name (the serde name of the variant), for counters and log fields.
    pub fn label(&self) -> &'static str {
        match self {
            RefuseReason::Halted => "halted",
            RefuseReason::ReduceOnly => "reduce_only",
            RefuseReason::RateLimited { .. } => "rate_limited",
            RefuseReason::DuplicatePending => "duplicate_pending",
            RefuseReason::NoPosition => "no_position",
            RefuseReason::ShortNotAllowed => "short_not_allowed",
            RefuseReason::MaxPositions { .. } => "max_positions",
            RefuseReason::PositionCap => "position_cap",
            RefuseReason::InsufficientCash { .. } => "insufficient_cash",
            RefuseReason::ZeroSize => "zero_size",
            RefuseReason::NoPrice => "no_price",
            RefuseReason::MarketOrderNotAllowed => "market_order_not_allowed",
            RefuseReason::InvalidFraction(_) => "invalid_fraction",
            RefuseReason::UnsupportedQuantity => "unsupported_quantity",
            RefuseReason::NoEdge => "no_edge",
        }
    }
}

impl fmt::Display for RefuseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefuseReason::Halted => f.write_str("trading is halted"),
            RefuseReason::ReduceOnly => f.write_str("reduce-only: new positions are not allowed"),
            RefuseReason::RateLimited { max_per_minute } => {
                write!(f, "order rate limit of {max_per_minute} per minute reached")
            }
            RefuseReason::DuplicatePending => f.write_str("an order for this symbol is already pending"),
            RefuseReason::NoPosition => f.write_str("nothing held to sell"),
            RefuseReason::ShortNotAllowed => f.write_str("short selling is not allowed"),
            RefuseReason::MaxPositions { open, max } => write!(f, "{open} positions open, the maximum is {max}"),
            RefuseReason::PositionCap => f.write_str("position is at its size cap"),
            RefuseReason::InsufficientCash { price, available } => {
                write!(f, "available cash {available} is less than one share at {price}")
            }
            RefuseReason::ZeroSize => f.write_str("sizing leaves less than one share"),
            RefuseReason::NoPrice => f.write_str("no price to size the order with"),
            RefuseReason::MarketOrderNotAllowed => f.write_str("US orders must be limit orders"),
            RefuseReason::InvalidFraction(v) => write!(f, "quantity fraction {v} is outside (0, 1]"),
            RefuseReason::UnsupportedQuantity => f.write_str("quantity form does not apply to this side"),
            RefuseReason::NoEdge => f.write_str("Kelly fraction is not positive: no edge"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskDecision {
    Approve(OrderIntent),
    Refuse(RefuseReason),
}

impl RiskDecision {
    pub fn approved(&self) -> Option<&OrderIntent> {
        match self {
            RiskDecision::Approve(o) => Some(o),
            RiskDecision::Refuse(_) => None,
        }
    }

    pub fn refusal(&self) -> Option<RefuseReason> {
        match self {
            RiskDecision::Refuse(r) => Some(*r),
            RiskDecision::Approve(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::ExitReason;
    use kis_model::Price;

    /// The labels are the serde names, so counters, CSV columns and JSON agree.
    #[test]
    fn labels_are_the_serde_names() {
        let reasons = [
            RefuseReason::Halted,
            RefuseReason::ReduceOnly,
            RefuseReason::RateLimited { max_per_minute: 3 },
            RefuseReason::DuplicatePending,
            RefuseReason::NoPosition,
            RefuseReason::ShortNotAllowed,
            RefuseReason::MaxPositions { open: 1, max: 1 },
            RefuseReason::PositionCap,
            RefuseReason::InsufficientCash { price: Price::from_won(100), available: Decimal::ONE },
            RefuseReason::ZeroSize,
            RefuseReason::NoPrice,
            RefuseReason::MarketOrderNotAllowed,
            RefuseReason::InvalidFraction(Decimal::TWO),
            RefuseReason::UnsupportedQuantity,
            RefuseReason::NoEdge,
        ];
        for reason in reasons {
            let name = match serde_json::to_value(reason).unwrap() {
                serde_json::Value::String(s) => s,
                serde_json::Value::Object(map) => map.keys().next().unwrap().clone(),
                other => panic!("{other}"),
            };
            assert_eq!(reason.label(), name);
        }
        for reason in [
            ExitReason::StopLoss,
            ExitReason::TakeProfit,
            ExitReason::TrailingStop,
            ExitReason::MaxHoldingTime,
            ExitReason::TimeExit,
            ExitReason::SignalExit,
        ] {
            assert_eq!(serde_json::to_value(reason).unwrap(), serde_json::Value::String(reason.label().into()));
        }
    }
}

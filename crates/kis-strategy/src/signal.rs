//! What a strategy asks for. A signal is an intention, not an order: the risk rules size it, may refuse it,
//! and only then does it become an [`OrderIntent`](crate::risk::OrderIntent).

use std::fmt;

pub use kis_model::StrategyId;
use kis_model::{Price, Qty, Side, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::order_type::OrderType;

/// Why a position is being closed. The order of the variants is not a priority; the exit rules define that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    StopLoss,
    TakeProfit,
    TrailingStop,
    MaxHoldingTime,
    /// A scheduled exit (end of a bar count, end of a session window).
    TimeExit,
    /// The strategy's own indicator rule said sell.
    SignalExit,
}

impl ExitReason {
    /// Exits that cut risk the account already holds and so go out in every trading state, a halt or a
    /// breached order rate included: stop-loss, trailing stop (it protects a gain already made, and once
    /// armed it is the position's stop), max holding time and scheduled time exits (a flatten at a session's
    /// end). Take-profit and a strategy's own exit are decisions, not protection: they wait while halted.
    pub fn is_protective(self) -> bool {
        match self {
            ExitReason::StopLoss | ExitReason::TrailingStop | ExitReason::MaxHoldingTime | ExitReason::TimeExit => true,
            ExitReason::TakeProfit | ExitReason::SignalExit => false,
        }
    }

    /// The serde name (no spaces): CSV columns, counters, log fields.
    pub fn label(self) -> &'static str {
        match self {
            ExitReason::StopLoss => "stop_loss",
            ExitReason::TakeProfit => "take_profit",
            ExitReason::TrailingStop => "trailing_stop",
            ExitReason::MaxHoldingTime => "max_holding_time",
            ExitReason::TimeExit => "time_exit",
            ExitReason::SignalExit => "signal_exit",
        }
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExitReason::StopLoss => "stop-loss",
            ExitReason::TakeProfit => "take-profit",
            ExitReason::TrailingStop => "trailing stop",
            ExitReason::MaxHoldingTime => "max holding time",
            ExitReason::TimeExit => "time exit",
            ExitReason::SignalExit => "signal exit",
        })
    }
}

/// Opening or closing. Everything here is long-only, so an entry buys and an exit sells, but the risk rules
/// check the pair rather than assume it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    Entry,
    Exit(ExitReason),
}

/// How much. Strategies rarely know the account well enough to name shares, so most express a fraction and
/// the risk rules turn it into whole shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalQty {
    Shares(Qty),
    /// Fraction (0, 1] of the available cash to spend.
    CashFraction(Decimal),
    /// Fraction (0, 1] of the current holding to sell.
    PositionFraction(Decimal),
    /// The whole holding.
    All,
}

/// A strategy's request to trade one symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub symbol: Symbol,
    pub side: Side,
    pub kind: SignalKind,
    pub quantity: SignalQty,
    /// Limit price on the instrument's price grid; `None` asks for a market order (KRX only; KIS has no US
    /// market order, and the risk rules refuse one).
    pub limit: Option<Price>,
    /// Where the strategy would stop out, for risk-based sizing; `None` when it has no stop.
    pub stop: Option<Price>,
    /// Continuous limit, or a US auction type (real accounts only); MOO/MOC still carry `limit` as the
    /// reference the risk rules size by, but are sent without it.
    #[serde(default)]
    pub order_type: OrderType,
    pub strategy_id: StrategyId,
    /// For people reading logs and notifications: which rule fired and on what values.
    pub reason: String,
}

impl Signal {
    pub fn is_entry(&self) -> bool {
        matches!(self.kind, SignalKind::Entry)
    }

    /// A sell closing a position for a [protective](ExitReason::is_protective) reason.
    pub fn is_protective_exit(&self) -> bool {
        self.side == Side::Sell && self.exit_reason().is_some_and(ExitReason::is_protective)
    }

    pub fn exit_reason(&self) -> Option<ExitReason> {
        match self.kind {
            SignalKind::Exit(reason) => Some(reason),
            SignalKind::Entry => None,
        }
    }
}

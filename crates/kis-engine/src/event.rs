//! What happened, in order: the simulator turns these into REST replies and execution notices, the backtester
//! into its trade log.

use chrono::{DateTime, Utc};
use kis_model::{ClientOrderId, Fees, OrderId, Price, Qty, Side, Symbol};
use rust_decimal::Decimal;

use crate::order::OrderKind;
use crate::reject::RejectReason;

/// One execution of one of our orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    pub order: OrderId,
    pub client_id: Option<ClientOrderId>,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub price: Price,
    pub fees: Fees,
    pub ts: DateTime<Utc>,
    /// Shares of the order still unfilled after this fill.
    pub remaining: Qty,
    /// Realised PnL of a sell fill (see the crate docs for the convention); zero for buys.
    pub realised_pnl: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEvent {
    Accepted {
        order: OrderId,
        client_id: Option<ClientOrderId>,
        symbol: Symbol,
        side: Side,
        kind: OrderKind,
        qty: Qty,
        ts: DateTime<Utc>,
    },
    Filled(Fill),
    /// `original` was replaced by `replacement`, which carries `qty` unfilled shares at `kind`.
    Modified {
        original: OrderId,
        replacement: OrderId,
        kind: OrderKind,
        qty: Qty,
        ts: DateTime<Utc>,
    },
    /// `qty` unfilled shares of `order` were cancelled; KIS numbers the cancel itself as `cancel_id`.
    Cancelled {
        order: OrderId,
        cancel_id: OrderId,
        qty: Qty,
        ts: DateTime<Utc>,
    },
    /// A refused request. `order` is the target of a refused modify or cancel, `None` for a refused new order.
    Rejected {
        order: Option<OrderId>,
        client_id: Option<ClientOrderId>,
        reason: RejectReason,
        ts: DateTime<Utc>,
    },
    /// `qty` unfilled shares of a day order dropped at the end of the session.
    Expired {
        order: OrderId,
        qty: Qty,
        ts: DateTime<Utc>,
    },
}

//! Our orders as the engine keeps them, and the requests that create and change them.

use chrono::{DateTime, NaiveDate, Utc};
use kis_model::{ClientOrderId, Market, OrdDvsn, OrderId, Price, Qty, Side, Symbol, UsOrdDvsn};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How an order is priced for matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderKind {
    Limit(Price),
    /// KRX only: KIS has no US market order.
    Market,
}

impl OrderKind {
    pub fn limit_price(self) -> Option<Price> {
        match self {
            OrderKind::Limit(price) => Some(price),
            OrderKind::Market => None,
        }
    }
}

/// The KIS order-kind code the order was sent with, kept for reporting (`ord_dvsn_cd` in inquiries). The
/// engine matches on [`OrderKind`]; a caller mapping, say, `03` best-limit to a limit at the best price keeps
/// `03` here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderCode {
    Krx(OrdDvsn),
    Us(UsOrdDvsn),
}

impl OrderCode {
    pub fn market(self) -> Market {
        match self {
            OrderCode::Krx(_) => Market::Krx,
            OrderCode::Us(_) => Market::Us,
        }
    }

    /// The two-character wire code.
    pub fn code(self) -> &'static str {
        match self {
            OrderCode::Krx(k) => k.code(),
            OrderCode::Us(k) => k.code(),
        }
    }

    /// The plain code of `kind` on `market`: `00` limit, `01` market (which the US does not have).
    pub fn default_for(market: Market, kind: OrderKind) -> OrderCode {
        match (market, kind) {
            (Market::Krx, OrderKind::Limit(_)) => OrderCode::Krx(OrdDvsn::Limit),
            (Market::Krx, OrderKind::Market) => OrderCode::Krx(OrdDvsn::Market),
            (Market::Us, _) => OrderCode::Us(UsOrdDvsn::Limit),
        }
    }
}

impl std::fmt::Display for OrderCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Open,
    PartiallyFilled,
    Filled,
    /// The unfilled rest was cancelled on request.
    Cancelled,
    /// A modify moved the unfilled rest to a new order (KIS gives a modify a new order number).
    Replaced(OrderId),
    /// The unfilled rest of a day order was dropped at the end of the session.
    Expired,
}

impl OrderStatus {
    /// Whether the order still rests and can fill, be modified or be cancelled.
    pub fn is_live(self) -> bool {
        matches!(self, OrderStatus::Open | OrderStatus::PartiallyFilled)
    }
}

/// A request for a new order. Orders the engine refuses get no order number (as at KIS, whose reply to a
/// refused order carries no `ODNO`): the refusal is the `Err` of `submit` and a `Rejected` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrder {
    pub symbol: Symbol,
    pub side: Side,
    pub kind: OrderKind,
    pub qty: Qty,
    pub code: OrderCode,
    pub client_id: Option<ClientOrderId>,
}

impl NewOrder {
    pub fn limit(symbol: Symbol, side: Side, price: Price, qty: Qty) -> NewOrder {
        NewOrder::new(symbol, side, OrderKind::Limit(price), qty)
    }

    pub fn market(symbol: Symbol, side: Side, qty: Qty) -> NewOrder {
        NewOrder::new(symbol, side, OrderKind::Market, qty)
    }

    pub fn new(symbol: Symbol, side: Side, kind: OrderKind, qty: Qty) -> NewOrder {
        let code = OrderCode::default_for(symbol.market(), kind);
        NewOrder { symbol, side, kind, qty, code, client_id: None }
    }

    pub fn with_code(mut self, code: OrderCode) -> NewOrder {
        self.code = code;
        self
    }

    pub fn with_client_id(mut self, id: ClientOrderId) -> NewOrder {
        self.client_id = Some(id);
        self
    }
}

/// A modify (정정). `qty` is the new **total** quantity of the order, filled shares included, because filled
/// shares cannot be modified; the replacement order carries `qty − filled`. A new price turns a market order
/// into a limit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ModifyRequest {
    pub price: Option<Price>,
    pub qty: Option<Qty>,
}

/// One of our orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    /// The order this one replaced (KIS `orgn_odno`).
    pub original: Option<OrderId>,
    pub client_id: Option<ClientOrderId>,
    pub symbol: Symbol,
    pub side: Side,
    pub kind: OrderKind,
    pub code: OrderCode,
    pub qty: Qty,
    pub filled: Qty,
    /// Sum of fill price × qty (KIS `tot_ccld_amt`).
    pub filled_notional: Decimal,
    /// Commissions and taxes of this order's fills.
    pub fees: Decimal,
    pub status: OrderStatus,
    /// Trading day (market-local) the order belongs to, from the symbol's reference data at submit.
    pub trade_date: NaiveDate,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// The worst price the order accepts: its limit; for a KRX market buy the upper daily limit it is
    /// reserved at; zero for a market sell.
    pub price_bound: Price,
    /// Cash still reserved for the unfilled rest (buys); zero once the order is final.
    pub reserved: Decimal,
    /// Time priority among our orders: assigned at submit and at modify, increasing.
    pub seq: u64,
}

impl Order {
    /// Shares not filled, whatever the status.
    pub fn unfilled(&self) -> Qty {
        self.qty.saturating_sub(self.filled)
    }

    /// Shares that can still fill: the unfilled shares of a live order, zero for a final one.
    pub fn remaining(&self) -> Qty {
        if self.status.is_live() { self.unfilled() } else { Qty::ZERO }
    }

    /// Average fill price (KIS `avg_prvs`), to four decimals; `None` before the first fill.
    pub fn avg_fill_price(&self) -> Option<Decimal> {
        if self.filled.is_zero() {
            return None;
        }
        Some(
            (self.filled_notional / self.filled.as_decimal())
                .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero),
        )
    }
}

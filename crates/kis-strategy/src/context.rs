//! What a strategy may know about the account, for its own symbol, at the moment of an event.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::position::Position;

/// Built by the caller (daemon actor, simulator client, backtester) for every event; strategies never ask
/// for the time or the account themselves, which is what lets one strategy run live and in a backtest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Context {
    pub now: DateTime<Utc>,
    /// The long holding in this strategy's symbol, `None` when flat.
    pub position: Option<Position>,
    /// Cash that can be spent on a new buy now (after reservations for open orders).
    pub available_cash: Decimal,
    /// Cash plus positions at market.
    pub equity: Decimal,
    /// An order for this symbol is working: strategies emit nothing until it is resolved, so that one idea
    /// never turns into two orders.
    pub order_pending: bool,
    pub last_buy_at: Option<DateTime<Utc>>,
    pub last_sell_at: Option<DateTime<Utc>>,
}

impl Context {
    /// A flat account with `cash` available and no history: the usual start of a test or backtest.
    pub fn flat(now: DateTime<Utc>, cash: Decimal) -> Context {
        Context {
            now,
            position: None,
            available_cash: cash,
            equity: cash,
            order_pending: false,
            last_buy_at: None,
            last_sell_at: None,
        }
    }

    /// The held quantity, 0 when flat.
    pub fn held_shares(&self) -> u64 {
        self.position.map_or(0, |p| p.qty.shares())
    }
}

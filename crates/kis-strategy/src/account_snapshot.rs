//! The account as seen for one symbol at one moment: the one view that strategies (through [`Context`]), the
//! risk rules and the daemon's SignalActors read. It is produced only by the desk (kis-desk), which owns the
//! money; everyone else gets a copy.
//!
//! [`Context`]: crate::Context

use chrono::{DateTime, Utc};
use kis_model::Price;
use rust_decimal::Decimal;

use crate::position::Position;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountSnapshot {
    /// The long holding in the symbol, `None` when flat.
    pub position: Option<Position>,
    /// Cash of the symbol's currency that a new buy may spend now (after reservations of working orders).
    pub available_cash: Decimal,
    /// Cash plus holdings at their last prices, in the symbol's currency.
    pub equity: Decimal,
    /// Symbols with a non-zero holding in the symbol's market.
    pub open_positions: usize,
    /// An order for this symbol is working: nothing new is decided for it until it is resolved, so that one
    /// idea never turns into two orders.
    pub order_pending: bool,
    /// Last traded price of the symbol, used when a signal has no limit price, and to value the shares
    /// already held when sizing (the price `equity` counts them at; the signal's limit when absent).
    pub last_price: Option<Price>,
    pub last_buy_at: Option<DateTime<Utc>>,
    pub last_sell_at: Option<DateTime<Utc>>,
}

impl AccountSnapshot {
    /// A flat account with `cash` available and no history.
    pub fn flat(cash: Decimal) -> AccountSnapshot {
        AccountSnapshot {
            position: None,
            available_cash: cash,
            equity: cash,
            open_positions: 0,
            order_pending: false,
            last_price: None,
            last_buy_at: None,
            last_sell_at: None,
        }
    }

    /// The held quantity, 0 when flat.
    pub fn held_shares(&self) -> u64 {
        self.position.map_or(0, |p| p.qty.shares())
    }
}

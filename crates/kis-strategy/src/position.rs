//! A long position as the strategies and exit rules need it, and the bookkeeping that keeps it current.
//!
//! The daemon's RiskManager and the backtester both maintain positions with [`Position::apply_fill`] and
//! [`Position::mark`], so the high-water mark a trailing stop reads means the same thing everywhere.

use chrono::{DateTime, Utc};
use kis_model::{Price, Qty, Side, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::fill::FillReport;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PositionError {
    #[error("fill for {fill} applied to the position in {position}")]
    WrongSymbol { position: Symbol, fill: Symbol },
    #[error("sell of {sold} shares of {symbol} exceeds the {held} held (long-only)")]
    Oversold { symbol: Symbol, held: Qty, sold: Qty },
    #[error("fill of zero shares of {0}")]
    ZeroQty(Symbol),
    #[error("average price of {0} does not fit in a decimal")]
    Overflow(Symbol),
}

/// A long holding in one symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub symbol: Symbol,
    pub qty: Qty,
    /// Cost per share of the shares still held (average-cost method): a buy folds its price in, volume
    /// weighted with the holding; a sell takes shares out at this average and leaves it unchanged. So after a
    /// sell and a cheaper re-buy it is *not* the average of every buy since flat (10 @ 100, sell 5, buy 5 @ 50
    /// gives 75, not 83.33). Stop-losses measure from it (the US strategy's −5 %, the exit rules).
    pub avg_price: Price,
    /// Time of the first buy since the position was last flat; holding-time rules count from here.
    pub opened_at: DateTime<Utc>,
    /// Highest price seen since `opened_at` (fills and marks), for trailing stops.
    pub high_water: Price,
}

impl Position {
    /// Applies one fill to an optional position and returns the position after it (`None` once flat).
    pub fn apply_fill(current: Option<Position>, fill: &FillReport) -> Result<Option<Position>, PositionError> {
        if fill.qty.is_zero() {
            return Err(PositionError::ZeroQty(fill.symbol));
        }
        if let Some(p) = &current
            && p.symbol != fill.symbol
        {
            return Err(PositionError::WrongSymbol { position: p.symbol, fill: fill.symbol });
        }
        match (fill.side, current) {
            (Side::Buy, None) => Ok(Some(Position {
                symbol: fill.symbol,
                qty: fill.qty,
                avg_price: fill.price,
                opened_at: fill.ts,
                high_water: fill.price,
            })),
            (Side::Buy, Some(p)) => {
                let total = p.qty + fill.qty;
                let cost = p
                    .avg_price
                    .value()
                    .checked_mul(p.qty.as_decimal())
                    .and_then(|c| c.checked_add(fill.price.value().checked_mul(fill.qty.as_decimal())?))
                    .and_then(|c| c.checked_div(total.as_decimal()))
                    .ok_or(PositionError::Overflow(fill.symbol))?;
                let avg_price = Price::new(cost).map_err(|_| PositionError::Overflow(fill.symbol))?;
                Ok(Some(Position { qty: total, avg_price, high_water: p.high_water.max(fill.price), ..p }))
            }
            (Side::Sell, None) => Err(PositionError::Oversold { symbol: fill.symbol, held: Qty::ZERO, sold: fill.qty }),
            (Side::Sell, Some(p)) => match p.qty.checked_sub(fill.qty) {
                None => Err(PositionError::Oversold { symbol: fill.symbol, held: p.qty, sold: fill.qty }),
                Some(rest) if rest.is_zero() => Ok(None),
                Some(rest) => Ok(Some(Position { qty: rest, high_water: p.high_water.max(fill.price), ..p })),
            },
        }
    }

    /// Records a market price: raises the high-water mark.
    pub fn mark(&mut self, price: Price) {
        if price > self.high_water {
            self.high_water = price;
        }
    }

    /// Cost of the holding at the average price.
    pub fn cost(&self) -> Decimal {
        self.avg_price.value().saturating_mul(self.qty.as_decimal())
    }
}

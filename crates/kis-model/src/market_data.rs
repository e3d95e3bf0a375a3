//! Market events as every layer sees them: the feed decoder produces them, the simulator generates them,
//! recordings store them, strategies and the backtester consume them.
//!
//! Timestamps are UTC instants (`DateTime<Utc>`); local session times come from the calendars. Prices are
//! exact; volumes are whole shares.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::money::{Price, Qty};
use crate::side::Side;
use crate::symbol::Symbol;

/// One trade print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    pub symbol: Symbol,
    pub ts: DateTime<Utc>,
    pub price: Price,
    pub qty: Qty,
    /// Which side crossed the spread (KIS `CCLD_DVSN` 1 = buy, 5 = sell); `None` in auctions or when unknown.
    pub aggressor: Option<Side>,
    /// Best bid/ask at the print, when the feed carries them (H0STCNT0 does: `BIDP1`/`ASKP1`).
    pub bid: Option<Price>,
    pub ask: Option<Price>,
    /// Cumulative session volume after this print (`ACML_VOL`), 0 when unknown.
    pub cum_volume: u64,
}

impl Trade {
    /// Spread in the price's units, when both sides are known and not crossed.
    pub fn spread(&self) -> Option<rust_decimal::Decimal> {
        match (self.bid, self.ask) {
            (Some(b), Some(a)) if a >= b && !b.is_zero() => Some(a.value() - b.value()),
            _ => None,
        }
    }
}

/// One price level of a book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Level {
    pub price: Price,
    pub qty: Qty,
}

/// Up to 10 levels per side, best first (H0STASP0 / HDFSASP0). Empty levels have zero quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Book {
    pub symbol: Symbol,
    pub ts: DateTime<Utc>,
    pub asks: [Level; 10],
    pub bids: [Level; 10],
    /// Number of levels actually carried per side (10 for KRX and US NASDAQ, 1 for Asian books).
    pub depth: u8,
}

impl Book {
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.first().copied().filter(|l| !l.qty.is_zero())
    }

    pub fn best_ask(&self) -> Option<Level> {
        self.asks.first().copied().filter(|l| !l.qty.is_zero())
    }
}

/// An OHLCV bar. `ts` is the bar's **start**; a bar is complete once an event at or after `ts + period` arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    pub symbol: Symbol,
    pub ts: DateTime<Utc>,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: u64,
}

/// Everything a strategy can react to, in time order.
///
/// `Book` makes the enum ~0.5 KB. It is not boxed on purpose: books arrive as often as trades and are passed
/// by reference, and a heap allocation per book update would cost more than the copy it saves.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarketEvent {
    Trade(Trade),
    Book(Book),
    Bar(Bar),
}

impl MarketEvent {
    pub fn symbol(&self) -> Symbol {
        match self {
            MarketEvent::Trade(t) => t.symbol,
            MarketEvent::Book(b) => b.symbol,
            MarketEvent::Bar(b) => b.symbol,
        }
    }

    pub fn ts(&self) -> DateTime<Utc> {
        match self {
            MarketEvent::Trade(t) => t.ts,
            MarketEvent::Book(b) => b.ts,
            MarketEvent::Bar(b) => b.ts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_and_best_levels() {
        let sym = Symbol::parse("005930").unwrap();
        let ts = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut t = Trade {
            symbol: sym,
            ts,
            price: Price::from_won(70_100),
            qty: Qty::new(3),
            aggressor: Some(Side::Buy),
            bid: Some(Price::from_won(70_000)),
            ask: Some(Price::from_won(70_100)),
            cum_volume: 10,
        };
        assert_eq!(t.spread(), Some(rust_decimal::Decimal::from(100)));
        t.bid = None;
        assert_eq!(t.spread(), None);
        let mut book = Book { symbol: sym, ts, asks: [Level::default(); 10], bids: [Level::default(); 10], depth: 10 };
        assert_eq!(book.best_bid(), None);
        book.bids[0] = Level { price: Price::from_won(70_000), qty: Qty::new(5) };
        assert_eq!(book.best_bid().map(|l| l.qty), Some(Qty::new(5)));
        assert_eq!(MarketEvent::Book(book).symbol(), sym);
    }
}

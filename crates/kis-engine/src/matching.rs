//! Which of our resting orders a print or a book can fill, and by how much.
//!
//! This is not an exchange: the market is what the caller feeds in, and only our orders are matched against
//! it. The index keeps, per symbol and side, our resting orders in priority order plus the best limit price,
//! so that the common case — a print that reaches none of our orders — costs one hash lookup and two
//! comparisons.

use kis_model::{Book, OrderId, Price, Qty, Side, Symbol, SymbolMap};
use serde::{Deserialize, Serialize};

/// When a print fills a resting limit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FillRule {
    /// Only a print strictly better than the limit: the market must have traded through our price level, so
    /// the queue ahead of us there is surely gone. The conservative default.
    #[default]
    Through,
    /// A print at the limit or better: optimistic, as if we were first in the queue at our price.
    Touch,
}

impl FillRule {
    /// Whether a print at `print` fills a resting `side` order limited at `limit`.
    pub fn fills(self, side: Side, limit: Price, print: Price) -> bool {
        match (self, side) {
            (FillRule::Through, Side::Buy) => print < limit,
            (FillRule::Touch, Side::Buy) => print <= limit,
            (FillRule::Through, Side::Sell) => print > limit,
            (FillRule::Touch, Side::Sell) => print >= limit,
        }
    }
}

/// One of our orders as the index sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resting {
    pub id: OrderId,
    pub seq: u64,
    /// Market orders fill at the print price and go before every limit order.
    pub market: bool,
    /// The limit; for a market order the price bound (a market buy's reservation price, zero for a sell).
    pub price: Price,
    pub remaining: Qty,
}

/// A planned fill: which order, how many shares, at what price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Alloc {
    pub id: OrderId,
    pub qty: Qty,
    pub price: Price,
}

fn better(side: Side, a: Price, b: Price) -> bool {
    match side {
        Side::Buy => a > b,
        Side::Sell => a < b,
    }
}

/// Price-time priority: market orders first, then the better price, then the earlier order.
fn goes_before(side: Side, a: &Resting, b: &Resting) -> bool {
    match (a.market, b.market) {
        (true, false) => true,
        (false, true) => false,
        (true, true) => a.seq < b.seq,
        (false, false) if a.price != b.price => better(side, a.price, b.price),
        (false, false) => a.seq < b.seq,
    }
}

#[derive(Debug, Clone, Default)]
struct Queue {
    entries: Vec<Resting>,
    has_market: bool,
    best_limit: Option<Price>,
}

impl Queue {
    fn refresh(&mut self) {
        self.has_market = self.entries.first().is_some_and(|e| e.market);
        self.best_limit = self.entries.iter().find(|e| !e.market).map(|e| e.price);
    }

    fn insert(&mut self, side: Side, r: Resting) {
        let at = self.entries.iter().position(|e| goes_before(side, &r, e)).unwrap_or(self.entries.len());
        self.entries.insert(at, r);
        self.refresh();
    }

    fn remove(&mut self, id: OrderId) {
        self.entries.retain(|e| e.id != id);
        self.refresh();
    }

    fn consume(&mut self, id: OrderId, qty: Qty) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.id == id) {
            e.remaining = e.remaining.saturating_sub(qty);
        }
        self.entries.retain(|e| !e.remaining.is_zero());
        self.refresh();
    }

    fn may_fill(&self, side: Side, rule: FillRule, print: Price) -> bool {
        self.has_market || self.best_limit.is_some_and(|limit| rule.fills(side, limit, print))
    }

    fn allocate(&self, side: Side, rule: FillRule, print: Price, volume: Qty, out: &mut Vec<Alloc>) {
        let mut left = volume;
        for e in &self.entries {
            if left.is_zero() {
                break;
            }
            let price = if e.market {
                // A market buy never pays above the price it reserved cash at (the upper daily limit).
                if side == Side::Buy && print > e.price {
                    continue;
                }
                print
            } else if rule.fills(side, e.price, print) {
                e.price
            } else {
                break;
            };
            let qty = e.remaining.min(left);
            left = left.saturating_sub(qty);
            out.push(Alloc { id: e.id, qty, price });
        }
    }
}

#[derive(Debug, Clone, Default)]
struct SymbolQueues {
    buys: Queue,
    sells: Queue,
}

impl SymbolQueues {
    fn side_mut(&mut self, side: Side) -> &mut Queue {
        match side {
            Side::Buy => &mut self.buys,
            Side::Sell => &mut self.sells,
        }
    }

    fn side(&self, side: Side) -> &Queue {
        match side {
            Side::Buy => &self.buys,
            Side::Sell => &self.sells,
        }
    }
}

/// Our resting orders by symbol; derived from the orders, so rebuilt rather than persisted.
#[derive(Debug, Clone, Default)]
pub(crate) struct RestingIndex {
    by_symbol: SymbolMap<SymbolQueues>,
}

impl RestingIndex {
    pub fn insert(&mut self, symbol: Symbol, side: Side, r: Resting) {
        self.by_symbol.entry(symbol).or_default().side_mut(side).insert(side, r);
    }

    pub fn remove(&mut self, symbol: &Symbol, side: Side, id: OrderId) {
        if let Some(q) = self.by_symbol.get_mut(symbol) {
            q.side_mut(side).remove(id);
            if q.buys.entries.is_empty() && q.sells.entries.is_empty() {
                self.by_symbol.remove(symbol);
            }
        }
    }

    pub fn consume(&mut self, symbol: &Symbol, side: Side, id: OrderId, qty: Qty) {
        if let Some(q) = self.by_symbol.get_mut(symbol) {
            q.side_mut(side).consume(id, qty);
            if q.buys.entries.is_empty() && q.sells.entries.is_empty() {
                self.by_symbol.remove(symbol);
            }
        }
    }

    /// Whether a print at `print` may fill any of our buys / sells of `symbol`.
    #[inline]
    pub fn may_fill(&self, symbol: &Symbol, rule: FillRule, print: Price) -> (bool, bool) {
        match self.by_symbol.get(symbol) {
            None => (false, false),
            Some(q) => (q.buys.may_fill(Side::Buy, rule, print), q.sells.may_fill(Side::Sell, rule, print)),
        }
    }

    /// Shares `volume` of a print among our eligible `side` orders in priority order.
    pub fn allocate(
        &self,
        symbol: &Symbol,
        side: Side,
        rule: FillRule,
        print: Price,
        volume: Qty,
        out: &mut Vec<Alloc>,
    ) {
        if let Some(q) = self.by_symbol.get(symbol) {
            q.side(side).allocate(side, rule, print, volume, out);
        }
    }

    pub fn len(&self) -> usize {
        self.by_symbol.values().map(|q| q.buys.entries.len() + q.sells.entries.len()).sum()
    }
}

/// Fills up to `qty` of a marketable order against the opposite side of `book`, best level first, up to
/// `bound` (the limit, or a market buy's reservation price; `None` for a market sell). The liquidity taken is
/// removed from the book, so that a second order cannot take the same shares before the next snapshot.
pub(crate) fn walk_book(
    book: &mut Book,
    side: Side,
    bound: Option<Price>,
    qty: Qty,
    id: OrderId,
    out: &mut Vec<Alloc>,
) {
    let depth = usize::from(book.depth).min(book.asks.len());
    let levels = match side {
        Side::Buy => &mut book.asks[..depth],
        Side::Sell => &mut book.bids[..depth],
    };
    let mut left = qty;
    for level in levels.iter_mut() {
        if left.is_zero() {
            break;
        }
        if level.qty.is_zero() || level.price.is_zero() {
            continue;
        }
        // A level a buyer would rank above its bound is one it must not pay (and likewise for a seller).
        if bound.is_some_and(|b| better(side, level.price, b)) {
            break;
        }
        let take = level.qty.min(left);
        level.qty = level.qty.saturating_sub(take);
        left = left.saturating_sub(take);
        out.push(Alloc { id, qty: take, price: level.price });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use kis_model::{Level, OrderNo};

    fn id(n: u64) -> OrderId {
        OrderId { branch: 6010, order_no: OrderNo::new(n) }
    }

    fn rest(n: u64, market: bool, price: u64, qty: u64) -> Resting {
        Resting { id: id(n), seq: n, market, price: Price::from_won(price), remaining: Qty::new(qty) }
    }

    #[test]
    fn rules_differ_only_at_the_limit() {
        let limit = Price::from_won(100);
        for (rule, at, through) in [(FillRule::Through, false, true), (FillRule::Touch, true, true)] {
            assert_eq!(rule.fills(Side::Buy, limit, Price::from_won(100)), at);
            assert_eq!(rule.fills(Side::Buy, limit, Price::from_won(99)), through);
            assert!(!rule.fills(Side::Buy, limit, Price::from_won(101)));
            assert_eq!(rule.fills(Side::Sell, limit, Price::from_won(100)), at);
            assert_eq!(rule.fills(Side::Sell, limit, Price::from_won(101)), through);
            assert!(!rule.fills(Side::Sell, limit, Price::from_won(99)));
        }
    }

    #[test]
    fn priority_is_market_then_price_then_time() {
        let sym = Symbol::parse("005930").unwrap();
        let mut ix = RestingIndex::default();
        ix.insert(sym, Side::Buy, rest(1, false, 100, 5));
        ix.insert(sym, Side::Buy, rest(2, false, 101, 5));
        ix.insert(sym, Side::Buy, rest(3, false, 101, 5));
        ix.insert(sym, Side::Buy, rest(4, true, 130, 5));
        let mut out = Vec::new();
        ix.allocate(&sym, Side::Buy, FillRule::Through, Price::from_won(99), Qty::new(12), &mut out);
        let got: Vec<(u64, u64, u64)> =
            out.iter().map(|a| (a.id.order_no.value(), a.qty.shares(), to_u64(a.price))).collect();
        assert_eq!(got, vec![(4, 5, 99), (2, 5, 101), (3, 2, 101)]);
        assert_eq!(ix.may_fill(&sym, FillRule::Through, Price::from_won(200)), (true, false));
        ix.remove(&sym, Side::Buy, id(4));
        assert_eq!(ix.may_fill(&sym, FillRule::Through, Price::from_won(101)), (false, false));
        assert_eq!(ix.may_fill(&sym, FillRule::Touch, Price::from_won(101)), (true, false));
        ix.consume(&sym, Side::Buy, id(2), Qty::new(5));
        assert_eq!(ix.len(), 2);
    }

    fn to_u64(p: Price) -> u64 {
        u64::try_from(p.value()).unwrap()
    }

    #[test]
    fn walking_stops_at_the_bound_and_takes_the_liquidity() {
        let sym = Symbol::parse("005930").unwrap();
        let ts = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut book = Book { symbol: sym, ts, asks: [Level::default(); 10], bids: [Level::default(); 10], depth: 10 };
        book.asks[0] = Level { price: Price::from_won(100), qty: Qty::new(3) };
        book.asks[1] = Level { price: Price::from_won(101), qty: Qty::new(4) };
        book.asks[2] = Level { price: Price::from_won(102), qty: Qty::new(9) };
        let mut out = Vec::new();
        walk_book(&mut book, Side::Buy, Some(Price::from_won(101)), Qty::new(10), id(1), &mut out);
        assert_eq!(out.iter().map(|a| a.qty.shares()).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(book.asks[0].qty, Qty::ZERO);
        assert_eq!(book.asks[2].qty, Qty::new(9));
        out.clear();
        walk_book(&mut book, Side::Buy, None, Qty::new(2), id(2), &mut out);
        assert_eq!(out, vec![Alloc { id: id(2), qty: Qty::new(2), price: Price::from_won(102) }]);
        out.clear();
        walk_book(&mut book, Side::Sell, None, Qty::new(2), id(3), &mut out);
        assert!(out.is_empty(), "no bids, no fill");
    }
}

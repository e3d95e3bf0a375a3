//! A symbol's 10-level book on the tick grid, in integer minor units.
//!
//! Levels of a side are one tick apart starting at its best price. A level priced outside the day's band (KRX
//! limits) holds nothing, every level inside it holds something: so a side is empty exactly when the market is
//! locked at a limit (상한가 with no sellers), and trades can never print outside the limits.

use chrono::{DateTime, Utc};
use kis_model::{Book, DailyLimits, Level, Qty, Symbol};

use crate::grid::Grid;

pub const DEPTH: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookState {
    /// Best bid price; below the band (or 0) when the bid side is empty.
    pub bid: u64,
    /// Best ask price; above the band when the ask side is empty.
    pub ask: u64,
    pub bid_q: [u64; DEPTH],
    pub ask_q: [u64; DEPTH],
    /// Level prices, kept alongside so a snapshot needs no tick arithmetic (books are sent far more often than
    /// they move). Always `ask_px[i] = up(ask, i)` and `bid_px[i] = down(bid, i)`.
    pub ask_px: [u64; DEPTH],
    pub bid_px: [u64; DEPTH],
}

/// The grid and band a book lives in for the day.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub grid: Grid,
    pub band: DailyLimits,
}

impl Frame {
    fn inside(&self, p: u64) -> bool {
        p > 0 && self.band.contains(p)
    }
}

/// `DEPTH` prices starting at `first`, each the step of the previous one.
fn ladder(first: u64, step: impl Fn(u64) -> u64) -> [u64; DEPTH] {
    let mut out = [first; DEPTH];
    for i in 1..DEPTH {
        out[i] = step(out[i - 1]);
    }
    out
}

impl BookState {
    /// A fresh book around `price`: the price is the best ask (`at_ask`) or the best bid, the other side one tick
    /// away, every level inside the band filled by `fresh`.
    pub fn around(price: u64, at_ask: bool, frame: Frame, fresh: &mut impl FnMut() -> u64) -> BookState {
        let g = frame.grid;
        let (bid, ask) = if at_ask { (g.down(price, 1), price) } else { (price, g.up(price, 1)) };
        let mut book = BookState {
            bid,
            ask,
            bid_q: [0; DEPTH],
            ask_q: [0; DEPTH],
            ask_px: ladder(ask, |p| g.up(p, 1)),
            bid_px: ladder(bid, |p| g.down(p, 1)),
        };
        for (q, &p) in book.ask_q.iter_mut().zip(&book.ask_px) {
            *q = if frame.inside(p) { fresh().max(1) } else { 0 };
        }
        for (q, &p) in book.bid_q.iter_mut().zip(&book.bid_px) {
            *q = if frame.inside(p) { fresh().max(1) } else { 0 };
        }
        book
    }

    pub fn best_bid(&self) -> Option<u64> {
        (self.bid_q[0] > 0).then_some(self.bid)
    }

    pub fn best_ask(&self) -> Option<u64> {
        (self.ask_q[0] > 0).then_some(self.ask)
    }

    /// Whether there is at least one empty tick between the best bid and the best ask.
    pub fn has_gap(&self, g: Grid) -> bool {
        g.up(self.bid, 1) < self.ask
    }

    /// A buy aggressor takes up to `qty` at the best ask; returns the filled quantity (0 if no asks).
    pub fn take_ask(&mut self, qty: u64, frame: Frame, fresh: &mut impl FnMut() -> u64) -> u64 {
        let fill = qty.min(self.ask_q[0]);
        self.ask_q[0] -= fill;
        if fill > 0 && self.ask_q[0] == 0 {
            self.pop_ask(frame, fresh);
        }
        fill
    }

    /// A sell aggressor takes up to `qty` at the best bid.
    pub fn take_bid(&mut self, qty: u64, frame: Frame, fresh: &mut impl FnMut() -> u64) -> u64 {
        let fill = qty.min(self.bid_q[0]);
        self.bid_q[0] -= fill;
        if fill > 0 && self.bid_q[0] == 0 {
            self.pop_bid(frame, fresh);
        }
        fill
    }

    /// The best ask level disappears (filled or cancelled); the side moves up one tick and a new deepest level
    /// appears if its price is inside the band.
    pub fn pop_ask(&mut self, frame: Frame, fresh: &mut impl FnMut() -> u64) {
        let deepest = frame.grid.up(self.ask_px[DEPTH - 1], 1);
        self.ask_q.rotate_left(1);
        self.ask_px.rotate_left(1);
        self.ask_px[DEPTH - 1] = deepest;
        self.ask = self.ask_px[0];
        self.ask_q[DEPTH - 1] = if frame.inside(deepest) { fresh().max(1) } else { 0 };
    }

    pub fn pop_bid(&mut self, frame: Frame, fresh: &mut impl FnMut() -> u64) {
        let deepest = frame.grid.down(self.bid_px[DEPTH - 1], 1);
        self.bid_q.rotate_left(1);
        self.bid_px.rotate_left(1);
        self.bid_px[DEPTH - 1] = deepest;
        self.bid = self.bid_px[0];
        self.bid_q[DEPTH - 1] = if frame.inside(deepest) { fresh().max(1) } else { 0 };
    }

    /// A new best bid one tick higher (or, on an empty side, at the lower limit). Refused when it would touch
    /// the ask or leave the band.
    pub fn improve_bid(&mut self, frame: Frame, qty: u64) -> bool {
        let target = if self.bid_q[0] == 0 { frame.band.lower } else { frame.grid.up(self.bid, 1) };
        if !frame.inside(target) || target >= self.ask {
            return false;
        }
        if self.bid_q[0] == 0 {
            let g = frame.grid;
            self.bid_q = [0; DEPTH];
            self.bid_px = ladder(target, |p| g.down(p, 1));
        } else {
            self.bid_q.rotate_right(1);
            self.bid_px.rotate_right(1);
            self.bid_px[0] = target;
        }
        self.bid = target;
        self.bid_q[0] = qty.max(1);
        true
    }

    /// A new best ask one tick lower (or, on an empty side, at the upper limit).
    pub fn improve_ask(&mut self, frame: Frame, qty: u64) -> bool {
        let target = if self.ask_q[0] == 0 { frame.band.upper } else { frame.grid.down(self.ask, 1) };
        if !frame.inside(target) || target <= self.bid {
            return false;
        }
        if self.ask_q[0] == 0 {
            let g = frame.grid;
            self.ask_q = [0; DEPTH];
            self.ask_px = ladder(target, |p| g.up(p, 1));
        } else {
            self.ask_q.rotate_right(1);
            self.ask_px.rotate_right(1);
            self.ask_px[0] = target;
        }
        self.ask = target;
        self.ask_q[0] = qty.max(1);
        true
    }

    /// Cancels the best ask only if the next level up is inside the band (so cancels never lock a limit).
    pub fn cancel_best_ask(&mut self, frame: Frame, fresh: &mut impl FnMut() -> u64) -> bool {
        if self.ask_q[0] == 0 || self.ask_q[1] == 0 {
            return false;
        }
        self.pop_ask(frame, fresh);
        true
    }

    pub fn cancel_best_bid(&mut self, frame: Frame, fresh: &mut impl FnMut() -> u64) -> bool {
        if self.bid_q[0] == 0 || self.bid_q[1] == 0 {
            return false;
        }
        self.pop_bid(frame, fresh);
        true
    }

    /// Adds to or takes from a non-empty level, never emptying it (an empty in-band level would break the
    /// one-tick spacing).
    pub fn resize(&mut self, ask_side: bool, level: usize, add: bool, amount: u64) {
        let side = if ask_side { &mut self.ask_q } else { &mut self.bid_q };
        if let Some(q) = side.get_mut(level)
            && *q > 0
        {
            *q = if add { q.saturating_add(amount) } else { q.saturating_sub(amount).max(1) };
        }
    }

    /// The book as every layer sees it. Empty levels are all zeros, as KIS sends them.
    pub fn snapshot(&self, symbol: Symbol, ts: DateTime<Utc>, g: Grid) -> Book {
        let mut asks = [Level::default(); DEPTH];
        let mut bids = [Level::default(); DEPTH];
        for ((level, &q), &p) in asks.iter_mut().zip(&self.ask_q).zip(&self.ask_px) {
            if q > 0 {
                *level = Level { price: g.to_price(p), qty: Qty::new(q) };
            }
        }
        for ((level, &q), &p) in bids.iter_mut().zip(&self.bid_q).zip(&self.bid_px) {
            if q > 0 {
                *level = Level { price: g.to_price(p), qty: Qty::new(q) };
            }
        }
        Book { symbol, ts, asks, bids, depth: DEPTH as u8 }
    }

    /// Checks the invariants; the message says which one broke. Used by tests and debug assertions.
    pub fn check(&self, frame: Frame) -> Result<(), String> {
        if self.bid >= self.ask {
            return Err(format!("crossed or locked: bid {} ask {}", self.bid, self.ask));
        }
        let g = frame.grid;
        if self.ask_px != ladder(self.ask, |p| g.up(p, 1)) || self.bid_px != ladder(self.bid, |p| g.down(p, 1)) {
            return Err(format!(
                "level prices {:?} / {:?} are not one tick apart from {} / {}",
                self.ask_px, self.bid_px, self.ask, self.bid
            ));
        }
        for (i, (&q, &p)) in self.ask_q.iter().zip(&self.ask_px).enumerate() {
            if frame.inside(p) != (q > 0) {
                return Err(format!("ask level {i} at {p} has {q} (band {:?})", frame.band));
            }
        }
        for (i, (&q, &p)) in self.bid_q.iter().zip(&self.bid_px).enumerate() {
            if frame.inside(p) != (q > 0) {
                return Err(format!("bid level {i} at {p} has {q} (band {:?})", frame.band));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(prev: u64) -> Frame {
        Frame { grid: Grid::Krx, band: Grid::Krx.band(prev) }
    }

    #[test]
    fn trades_deplete_and_shift() {
        let f = frame(10_000);
        let mut fresh = || 100;
        let mut b = BookState::around(10_000, true, f, &mut fresh);
        assert_eq!((b.bid, b.ask), (9_990, 10_000));
        b.check(f).unwrap();
        assert_eq!(b.take_ask(30, f, &mut fresh), 30);
        assert_eq!(b.ask_q[0], 70);
        assert_eq!(b.take_ask(500, f, &mut fresh), 70);
        assert_eq!(b.best_ask(), Some(10_010));
        b.check(f).unwrap();
        assert!(b.has_gap(Grid::Krx));
        assert!(b.improve_bid(f, 5));
        assert_eq!(b.best_bid(), Some(10_000));
        assert!(!b.improve_bid(f, 5), "would lock the book");
        b.check(f).unwrap();
        let snap = b.snapshot(Symbol::parse("005930").unwrap(), DateTime::UNIX_EPOCH, Grid::Krx);
        assert_eq!(snap.best_bid().map(|l| l.qty), Some(Qty::new(5)));
        assert_eq!(snap.bids[1].price.to_string(), "9990");
        assert_eq!(snap.asks[9].price.to_string(), "10100");
    }

    #[test]
    fn limit_up_empties_the_ask_side_and_recovers() {
        // Band for 10,000: 7,000..=13,000. Start next to the upper limit.
        let f = frame(10_000);
        let mut fresh = || 10;
        let mut b = BookState::around(13_000, true, f, &mut fresh);
        assert_eq!(b.ask_q[1], 0, "levels above the limit are empty");
        b.check(f).unwrap();
        assert!(!b.cancel_best_ask(f, &mut fresh), "a cancel may not lock the limit");
        assert_eq!(b.take_ask(10, f, &mut fresh), 10);
        assert_eq!(b.best_ask(), None, "locked limit-up");
        b.check(f).unwrap();
        assert_eq!(b.take_ask(10, f, &mut fresh), 0);
        assert!(b.improve_ask(f, 7));
        assert_eq!(b.best_ask(), Some(13_000));
        b.check(f).unwrap();
    }

    #[test]
    fn resize_never_empties_a_level() {
        let f = frame(50_000);
        let mut b = BookState::around(50_000, false, f, &mut || 3);
        b.resize(false, 0, false, 99);
        assert_eq!(b.bid_q[0], 1);
        b.resize(true, 4, true, 7);
        assert_eq!(b.ask_q[4], 10);
        b.resize(true, 42, true, 7);
        b.check(f).unwrap();
    }
}

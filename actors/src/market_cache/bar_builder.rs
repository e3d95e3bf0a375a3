//! OHLCV bars built from trade prints, with a bounded history of completed bars.

use std::collections::VecDeque;
use std::num::NonZeroUsize;

use chrono::{DateTime, Utc};
use kis_model::{Bar, Symbol, Trade};
use thiserror::Error;

/// Bar length. Bars are aligned to UTC seconds / minutes (KRX and US sessions start on whole minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarInterval {
    Second,
    Minute,
}

impl BarInterval {
    pub fn seconds(self) -> i64 {
        match self {
            BarInterval::Second => 1,
            BarInterval::Minute => 60,
        }
    }

    /// Start of the bar that contains `ts`.
    pub fn bar_start(self, ts: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let len = self.seconds();
        DateTime::from_timestamp(ts.timestamp().div_euclid(len) * len, 0)
    }
}

/// A trade the builder cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BarError {
    #[error("trade for {got} given to the bar builder of {expected}")]
    WrongSymbol { expected: Symbol, got: Symbol },
    /// Completed bars are final; a print older than the open bar is dropped rather than rewriting history.
    #[error("trade at {trade_ts} is older than the open bar starting {bar_start}")]
    Late { bar_start: DateTime<Utc>, trade_ts: DateTime<Utc> },
    #[error("trade time {0} has no representable bar start")]
    OutOfRange(DateTime<Utc>),
}

/// Builds bars of one interval for one symbol. Intervals without a trade produce no bar (as KIS charts do).
#[derive(Debug, Clone)]
pub struct BarBuilder {
    symbol: Symbol,
    interval: BarInterval,
    capacity: NonZeroUsize,
    open: Option<Bar>,
    completed: VecDeque<Bar>,
}

impl BarBuilder {
    pub fn new(symbol: Symbol, interval: BarInterval, capacity: NonZeroUsize) -> BarBuilder {
        BarBuilder { symbol, interval, capacity, open: None, completed: VecDeque::new() }
    }

    pub fn interval(&self) -> BarInterval {
        self.interval
    }

    /// Adds a trade; returns the bar this trade closed, if it opened a new interval.
    pub fn push(&mut self, trade: &Trade) -> Result<Option<Bar>, BarError> {
        if trade.symbol != self.symbol {
            return Err(BarError::WrongSymbol { expected: self.symbol, got: trade.symbol });
        }
        let start = self.interval.bar_start(trade.ts).ok_or(BarError::OutOfRange(trade.ts))?;
        let fresh = Bar {
            symbol: self.symbol,
            ts: start,
            open: trade.price,
            high: trade.price,
            low: trade.price,
            close: trade.price,
            volume: trade.qty.shares(),
        };
        match &mut self.open {
            None => {
                self.open = Some(fresh);
                Ok(None)
            }
            Some(bar) if bar.ts == start => {
                bar.high = bar.high.max(trade.price);
                bar.low = bar.low.min(trade.price);
                bar.close = trade.price;
                bar.volume = bar.volume.saturating_add(trade.qty.shares());
                Ok(None)
            }
            Some(bar) if start < bar.ts => Err(BarError::Late { bar_start: bar.ts, trade_ts: trade.ts }),
            Some(bar) => {
                let done = std::mem::replace(bar, fresh);
                if self.completed.len() == self.capacity.get() {
                    self.completed.pop_front();
                }
                self.completed.push_back(done);
                Ok(Some(done))
            }
        }
    }

    /// The bar still receiving trades.
    pub fn open_bar(&self) -> Option<Bar> {
        self.open
    }

    /// The last `n` completed bars, oldest first.
    pub fn last_completed(&self, n: usize) -> Vec<Bar> {
        let skip = self.completed.len().saturating_sub(n);
        self.completed.iter().skip(skip).copied().collect()
    }

    pub fn completed_len(&self) -> usize {
        self.completed.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_model::{Price, Qty};

    fn sym() -> Symbol {
        Symbol::parse("005930").unwrap()
    }

    /// 2023-11-14 22:13:20 UTC is 1_700_000_000; +40 s puts us on a minute boundary.
    fn at(sec: i64, milli: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_040 + sec, milli * 1_000_000).unwrap()
    }

    fn trade(sec: i64, milli: u32, won: u64, qty: u64) -> Trade {
        Trade {
            symbol: sym(),
            ts: at(sec, milli),
            price: Price::from_won(won),
            qty: Qty::new(qty),
            aggressor: None,
            bid: None,
            ask: None,
            cum_volume: 0,
        }
    }

    fn bar(sec: i64, o: u64, h: u64, l: u64, c: u64, v: u64) -> Bar {
        Bar {
            symbol: sym(),
            ts: at(sec, 0),
            open: Price::from_won(o),
            high: Price::from_won(h),
            low: Price::from_won(l),
            close: Price::from_won(c),
            volume: v,
        }
    }

    fn cap(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).unwrap()
    }

    #[test]
    fn second_bars_across_boundaries() {
        let mut b = BarBuilder::new(sym(), BarInterval::Second, cap(10));
        assert_eq!(b.push(&trade(0, 0, 70_000, 5)), Ok(None));
        assert_eq!(b.push(&trade(0, 300, 70_200, 1)), Ok(None));
        assert_eq!(b.push(&trade(0, 999, 69_900, 2)), Ok(None));
        assert_eq!(b.push(&trade(0, 999, 70_100, 3)), Ok(None));
        assert_eq!(b.open_bar(), Some(bar(0, 70_000, 70_200, 69_900, 70_100, 11)));
        // 1.000 s opens the next bar and closes the first.
        assert_eq!(b.push(&trade(1, 0, 70_300, 4)), Ok(Some(bar(0, 70_000, 70_200, 69_900, 70_100, 11))));
        // A gap: no bars for seconds 2..4.
        assert_eq!(b.push(&trade(5, 500, 70_000, 1)), Ok(Some(bar(1, 70_300, 70_300, 70_300, 70_300, 4))));
        assert_eq!(
            b.last_completed(10),
            vec![bar(0, 70_000, 70_200, 69_900, 70_100, 11), bar(1, 70_300, 70_300, 70_300, 70_300, 4)]
        );
        assert_eq!(b.last_completed(1), vec![bar(1, 70_300, 70_300, 70_300, 70_300, 4)]);
        assert_eq!(b.open_bar(), Some(bar(5, 70_000, 70_000, 70_000, 70_000, 1)));
    }

    #[test]
    fn minute_bars_across_boundaries() {
        let mut b = BarBuilder::new(sym(), BarInterval::Minute, cap(10));
        assert_eq!(b.push(&trade(-1, 0, 100, 1)), Ok(None)); // previous minute
        assert_eq!(b.push(&trade(0, 0, 101, 2)), Ok(Some(bar(-60, 100, 100, 100, 100, 1))));
        assert_eq!(b.push(&trade(30, 0, 105, 3)), Ok(None));
        assert_eq!(b.push(&trade(59, 999, 99, 4)), Ok(None));
        assert_eq!(b.push(&trade(60, 0, 102, 5)), Ok(Some(bar(0, 101, 105, 99, 99, 9))));
        assert_eq!(b.open_bar(), Some(bar(60, 102, 102, 102, 102, 5)));
    }

    #[test]
    fn late_and_foreign_trades_are_refused() {
        let mut b = BarBuilder::new(sym(), BarInterval::Second, cap(10));
        b.push(&trade(3, 0, 100, 1)).unwrap();
        assert_eq!(b.push(&trade(2, 999, 90, 1)), Err(BarError::Late { bar_start: at(3, 0), trade_ts: at(2, 999) }));
        let mut other = trade(3, 1, 100, 1);
        other.symbol = Symbol::parse("000660").unwrap();
        assert_eq!(b.push(&other), Err(BarError::WrongSymbol { expected: sym(), got: other.symbol }));
        // Refused trades left the open bar untouched.
        assert_eq!(b.open_bar(), Some(bar(3, 100, 100, 100, 100, 1)));
    }

    #[test]
    fn history_is_bounded() {
        let mut b = BarBuilder::new(sym(), BarInterval::Second, cap(3));
        for s in 0..10 {
            b.push(&trade(s, 0, 100 + s as u64, 1)).unwrap();
        }
        assert_eq!(b.completed_len(), 3);
        let ts: Vec<_> = b.last_completed(100).iter().map(|x| x.ts).collect();
        assert_eq!(ts, vec![at(6, 0), at(7, 0), at(8, 0)]);
    }

    #[test]
    fn bar_start_before_epoch_floors_down() {
        let ts = DateTime::from_timestamp(-61, 500).unwrap();
        assert_eq!(BarInterval::Minute.bar_start(ts), DateTime::from_timestamp(-120, 0));
        assert_eq!(BarInterval::Second.bar_start(ts), DateTime::from_timestamp(-61, 0));
    }
}

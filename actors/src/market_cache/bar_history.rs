//! A symbol's bounded history of completed bars, one series per bar length, built from trade prints by the one
//! bar builder ([`kis_strategy::BarAggregator`], which the strategies' candles use too).

use std::collections::VecDeque;
use std::num::{NonZeroU32, NonZeroUsize};

use chrono::{DateTime, Utc};
use kis_model::{Bar, Symbol, Trade};
use kis_strategy::{BarAggregator, BarInterval};
use thiserror::Error;

/// Which of the cache's two series: one-second or one-minute bars, aligned on UTC seconds and minutes (KRX and
/// US sessions start on whole minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarSeries {
    Second,
    Minute,
}

/// A trade the history cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BarError {
    #[error("trade for {got} given to the bar history of {expected}")]
    WrongSymbol { expected: Symbol, got: Symbol },
    /// Completed bars are final; a print older than the open bar is dropped rather than rewriting history.
    #[error("trade at {trade_ts} is older than the open bar starting {bar_start}")]
    Late { bar_start: DateTime<Utc>, trade_ts: DateTime<Utc> },
}

/// Bars of one series for one symbol. Intervals without a trade produce no bar (as KIS charts do).
#[derive(Debug, Clone)]
pub struct BarHistory {
    symbol: Symbol,
    series: BarSeries,
    capacity: NonZeroUsize,
    bars: BarAggregator,
    completed: VecDeque<Bar>,
    /// What the builder completed on the last trade (at most one bar), kept to reuse its allocation.
    done: Vec<Bar>,
}

impl BarHistory {
    pub fn new(symbol: Symbol, series: BarSeries, capacity: NonZeroUsize) -> BarHistory {
        let bars = match series {
            BarSeries::Second => BarAggregator::every_seconds(NonZeroU32::MIN),
            BarSeries::Minute => BarAggregator::new(BarInterval::Min1, chrono_tz::UTC),
        };
        BarHistory { symbol, series, capacity, bars, completed: VecDeque::new(), done: Vec::with_capacity(1) }
    }

    pub fn series(&self) -> BarSeries {
        self.series
    }

    /// Adds a trade; returns the bar this trade closed, if it opened a new interval.
    pub fn push(&mut self, trade: &Trade) -> Result<Option<Bar>, BarError> {
        if trade.symbol != self.symbol {
            return Err(BarError::WrongSymbol { expected: self.symbol, got: trade.symbol });
        }
        let late = self.bars.late_events();
        self.done.clear();
        self.bars.push_trade(self.symbol, trade.ts, trade.price, trade.qty, &mut self.done);
        if self.bars.late_events() > late {
            let bar_start = self.bars.forming().map_or(trade.ts, |b| b.ts);
            return Err(BarError::Late { bar_start, trade_ts: trade.ts });
        }
        let Some(done) = self.done.pop() else { return Ok(None) };
        if self.completed.len() == self.capacity.get() {
            self.completed.pop_front();
        }
        self.completed.push_back(done);
        Ok(Some(done))
    }

    /// The bar still receiving trades.
    pub fn open_bar(&self) -> Option<Bar> {
        self.bars.forming().copied()
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
        let mut b = BarHistory::new(sym(), BarSeries::Second, cap(10));
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
        let mut b = BarHistory::new(sym(), BarSeries::Minute, cap(10));
        assert_eq!(b.push(&trade(-1, 0, 100, 1)), Ok(None)); // previous minute
        assert_eq!(b.push(&trade(0, 0, 101, 2)), Ok(Some(bar(-60, 100, 100, 100, 100, 1))));
        assert_eq!(b.push(&trade(30, 0, 105, 3)), Ok(None));
        assert_eq!(b.push(&trade(59, 999, 99, 4)), Ok(None));
        assert_eq!(b.push(&trade(60, 0, 102, 5)), Ok(Some(bar(0, 101, 105, 99, 99, 9))));
        assert_eq!(b.open_bar(), Some(bar(60, 102, 102, 102, 102, 5)));
    }

    #[test]
    fn late_and_foreign_trades_are_refused() {
        let mut b = BarHistory::new(sym(), BarSeries::Second, cap(10));
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
        let mut b = BarHistory::new(sym(), BarSeries::Second, cap(3));
        for s in 0..10 {
            b.push(&trade(s, 0, 100 + s as u64, 1)).unwrap();
        }
        assert_eq!(b.completed_len(), 3);
        let ts: Vec<_> = b.last_completed(100).iter().map(|x| x.ts).collect();
        assert_eq!(ts, vec![at(6, 0), at(7, 0), at(8, 0)]);
    }

    #[test]
    fn bars_before_the_epoch_start_on_the_floor() {
        let mut t = trade(0, 0, 100, 1);
        t.ts = DateTime::from_timestamp(-61, 500).unwrap();
        let mut minutes = BarHistory::new(sym(), BarSeries::Minute, cap(2));
        minutes.push(&t).unwrap();
        assert_eq!(minutes.open_bar().map(|b| b.ts), DateTime::from_timestamp(-120, 0));
        let mut seconds = BarHistory::new(sym(), BarSeries::Second, cap(2));
        seconds.push(&t).unwrap();
        assert_eq!(seconds.open_bar().map(|b| b.ts), DateTime::from_timestamp(-61, 0));
    }
}

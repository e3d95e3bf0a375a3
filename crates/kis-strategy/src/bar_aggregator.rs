//! Time bars built from trades or from finer bars: the one bar builder, for strategies whose indicators run on
//! candles and for the market cache's second and minute history (`actors/src/market_cache/bar_history.rs`).
//!
//! Minute buckets are aligned on multiples of the interval since the Unix epoch, which is also aligned on the
//! hour in KST and in New York (whole-hour offsets): a 5-minute bar starts at :00, :05, ... A day bucket is
//! the calendar day in the exchange's time zone. A bar is complete once an event at or after its end arrives
//! (the contract of [`kis_model::Bar`]), or at once when a source bar reaches the end of the bucket.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use kis_model::{Bar, Price, Qty, Symbol};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid bar interval {0:?}: expected day, 1m, 3m, 5m, 15m, 30m or 60m")]
pub struct IntervalError(pub String);

/// The candle sizes KIS charts offer (and the US strategy's RSI may run on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarInterval {
    Min1,
    Min3,
    Min5,
    Min15,
    Min30,
    Min60,
    Day,
}

impl BarInterval {
    /// Length of a minute bucket; `None` for days, whose length depends on the calendar.
    pub fn minutes(self) -> Option<i64> {
        match self {
            BarInterval::Min1 => Some(1),
            BarInterval::Min3 => Some(3),
            BarInterval::Min5 => Some(5),
            BarInterval::Min15 => Some(15),
            BarInterval::Min30 => Some(30),
            BarInterval::Min60 => Some(60),
            BarInterval::Day => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            BarInterval::Min1 => "1m",
            BarInterval::Min3 => "3m",
            BarInterval::Min5 => "5m",
            BarInterval::Min15 => "15m",
            BarInterval::Min30 => "30m",
            BarInterval::Min60 => "60m",
            BarInterval::Day => "day",
        }
    }
}

impl FromStr for BarInterval {
    type Err = IntervalError;
    /// Accepts `day`/`d`/`1d` and minutes as `5`, `5m` or `5min`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        if matches!(t.as_str(), "day" | "d" | "1d") {
            return Ok(BarInterval::Day);
        }
        let digits = t.strip_suffix("min").or_else(|| t.strip_suffix('m')).unwrap_or(&t);
        match digits {
            "1" => Ok(BarInterval::Min1),
            "3" => Ok(BarInterval::Min3),
            "5" => Ok(BarInterval::Min5),
            "15" => Ok(BarInterval::Min15),
            "30" => Ok(BarInterval::Min30),
            "60" => Ok(BarInterval::Min60),
            _ => Err(IntervalError(s.to_string())),
        }
    }
}

impl fmt::Display for BarInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for BarInterval {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BarInterval {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    end: DateTime<Utc>,
    bar: Bar,
}

/// How long one bucket is: a fixed number of seconds (epoch-aligned), or the exchange's calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Seconds(i64),
    Day,
}

/// Folds trades and bars of one symbol into bars of one interval.
#[derive(Debug, Clone)]
pub struct BarAggregator {
    span: Span,
    zone: Tz,
    current: Option<Bucket>,
    /// Everything before this instant has been emitted; later arrivals for it are dropped, not re-emitted.
    closed_until: Option<DateTime<Utc>>,
    late: u64,
}

impl BarAggregator {
    /// `zone` defines day buckets (Asia/Seoul for KRX, America/New_York for US); minute buckets ignore it.
    pub fn new(interval: BarInterval, zone: Tz) -> BarAggregator {
        let span = interval.minutes().map_or(Span::Day, |m| Span::Seconds(m * 60));
        BarAggregator::with_span(span, zone)
    }

    /// Bars of `seconds` seconds, aligned on multiples of it since the epoch (the market cache's one-second
    /// history; no KIS chart and no strategy setting has bars under a minute).
    pub fn every_seconds(seconds: std::num::NonZeroU32) -> BarAggregator {
        BarAggregator::with_span(Span::Seconds(i64::from(seconds.get())), chrono_tz::UTC)
    }

    fn with_span(span: Span, zone: Tz) -> BarAggregator {
        BarAggregator { span, zone, current: None, closed_until: None, late: 0 }
    }

    /// `[start, end)` of the bucket holding `ts`.
    pub fn bucket(&self, ts: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        match self.span {
            Span::Seconds(len) => {
                let secs = ts.timestamp();
                let start = secs - secs.rem_euclid(len);
                let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap_or(ts);
                (at(start), at(start + len))
            }
            Span::Day => {
                let date = ts.with_timezone(&self.zone).date_naive();
                let midnight = |d: chrono::NaiveDate| {
                    let naive = d.and_time(NaiveTime::MIN);
                    // Neither Seoul nor New York changes clocks at midnight, so `earliest` always exists there;
                    // the UTC fallback only keeps an exotic zone from panicking.
                    self.zone.from_local_datetime(&naive).earliest().map_or_else(|| naive.and_utc(), |t| t.to_utc())
                };
                let next = date.succ_opt().unwrap_or(date);
                (midnight(date), midnight(next).max(ts + Duration::seconds(1)))
            }
        }
    }

    /// Adds one trade; a bar completed by it (the previous bucket) is pushed to `out`.
    pub fn push_trade(&mut self, symbol: Symbol, ts: DateTime<Utc>, price: Price, qty: Qty, out: &mut Vec<Bar>) {
        let fragment = Bar { symbol, ts, open: price, high: price, low: price, close: price, volume: qty.shares() };
        self.merge(fragment, None, out);
    }

    /// Adds a bar of `source` length (finer than or equal to this interval). Completed bars go to `out`: the
    /// previous bucket if this bar starts a new one, and this bucket if the source bar reaches its end.
    pub fn push_bar(&mut self, bar: &Bar, source: Duration, out: &mut Vec<Bar>) {
        self.merge(*bar, Some(bar.ts + source), out);
    }

    /// Emits the forming bar if `now` is at or past its end (time passed without events).
    pub fn advance(&mut self, now: DateTime<Utc>, out: &mut Vec<Bar>) {
        if let Some(b) = self.current
            && now >= b.end
        {
            self.emit(out);
        }
    }

    /// Emits the forming bar whatever the time (end of data).
    pub fn flush(&mut self, out: &mut Vec<Bar>) {
        self.emit(out);
    }

    /// The bar being built, for provisional readings.
    pub fn forming(&self) -> Option<&Bar> {
        self.current.as_ref().map(|b| &b.bar)
    }

    /// Events dropped because their bucket had already been emitted.
    pub fn late_events(&self) -> u64 {
        self.late
    }

    pub fn reset(&mut self) {
        *self = BarAggregator::with_span(self.span, self.zone);
    }

    fn emit(&mut self, out: &mut Vec<Bar>) {
        if let Some(b) = self.current.take() {
            self.closed_until = Some(b.end);
            out.push(b.bar);
        }
    }

    fn merge(&mut self, fragment: Bar, fragment_end: Option<DateTime<Utc>>, out: &mut Vec<Bar>) {
        let ts = fragment.ts;
        if self.closed_until.is_some_and(|c| ts < c) {
            self.late += 1;
            return;
        }
        match &mut self.current {
            Some(b) if ts < b.bar.ts => {
                // Before the forming bucket: its own bucket was never opened, so it can only be dropped.
                self.late += 1;
                return;
            }
            Some(b) if ts < b.end => merge_into(&mut b.bar, &fragment),
            _ => {
                self.emit(out);
                let (start, end) = self.bucket(ts);
                self.current = Some(Bucket { end, bar: Bar { ts: start, ..fragment } });
            }
        }
        if let (Some(fe), Some(b)) = (fragment_end, self.current)
            && fe >= b.end
        {
            self.emit(out);
        }
    }
}

fn merge_into(bar: &mut Bar, f: &Bar) {
    bar.high = bar.high.max(f.high);
    bar.low = bar.low.min(f.low);
    bar.close = f.close;
    bar.volume = bar.volume.saturating_add(f.volume);
}

//! How long the `Bar` events fed to the US strategy are: the configured `input_bar_interval`, unless the
//! data shows it is daily.
//!
//! Why infer rather than refuse: a strategy has no error path on events (a bad event is skipped and counted,
//! see [`crate::error`]), so a refusal there would be a silent stop, and daily data left at the 1-minute
//! default is an easy mistake (a bar CSV of daily closes, `input_bar_interval` not set). Judged as minute
//! bars, each daily bar completes its day only when the next one arrives, so every golden cross is seen a bar
//! late. The inference is one-sided on purpose: it can only ever take bars as *daily*, and only on evidence
//! minute data cannot give in practice: each of the first [`DAILY_EVIDENCE_BARS`] bars on its own New York
//! date. A second bar on the same date (intraday data) settles it the other way for good. Bars declared daily
//! are daily; nothing is inferred for them.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::bar_aggregator::BarInterval;

/// Consecutive bars, each on a later New York date than the one before, that make the input daily.
pub const DAILY_EVIDENCE_BARS: usize = 3;

/// Source length given to the aggregator for a daily bar: the longest New York day (25 hours, when the
/// clocks go back), so a daily bar completes its day's candle on arrival whatever time of day it is stamped.
pub const DAILY_SOURCE: Duration = Duration::hours(25);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Judgement {
    /// Still looking: `days` bars so far, each on a new date, the last on `last`.
    Gathering { last: NaiveDate, days: usize },
    /// Taken as daily (declared, or inferred); `last` is the latest bar's date.
    Daily { last: NaiveDate },
    /// Intraday (two bars on one date): the declared length holds from now on.
    Declared,
}

/// The input bar length, declared or inferred, for one symbol's stream.
#[derive(Debug, Clone)]
pub struct InputInterval {
    declared: BarInterval,
    zone: Tz,
    judgement: Option<Judgement>,
    /// Bars that contradicted an inferred "daily" (two on one date after three on separate dates).
    contradicted: u64,
}

impl InputInterval {
    pub fn new(declared: BarInterval, zone: Tz) -> InputInterval {
        InputInterval { declared, zone, judgement: None, contradicted: 0 }
    }

    /// Records one bar's start and returns the source length to give the aggregator for it.
    pub fn observe(&mut self, ts: DateTime<Utc>) -> Duration {
        if self.declared == BarInterval::Day {
            return DAILY_SOURCE;
        }
        let date = ts.with_timezone(&self.zone).date_naive();
        self.judgement = Some(match self.judgement {
            None => Judgement::Gathering { last: date, days: 1 },
            Some(Judgement::Gathering { last, days }) if date > last => {
                if days + 1 >= DAILY_EVIDENCE_BARS {
                    Judgement::Daily { last: date }
                } else {
                    Judgement::Gathering { last: date, days: days + 1 }
                }
            }
            Some(Judgement::Gathering { .. }) | Some(Judgement::Declared) => Judgement::Declared,
            Some(Judgement::Daily { last }) if date > last => Judgement::Daily { last: date },
            Some(Judgement::Daily { .. }) => {
                self.contradicted += 1;
                Judgement::Declared
            }
        });
        self.period()
    }

    /// The source length now in force.
    pub fn period(&self) -> Duration {
        match (self.declared, self.judgement) {
            (BarInterval::Day, _) | (_, Some(Judgement::Daily { .. })) => DAILY_SOURCE,
            (declared, _) => declared.minutes().map_or(DAILY_SOURCE, Duration::minutes),
        }
    }

    /// Whether the bars are taken as daily (declared or inferred).
    pub fn is_daily(&self) -> bool {
        self.period() == DAILY_SOURCE
    }

    /// Bars that arrived on the date of the previous one after the stream had been judged daily (the day
    /// candle already emitted is then built from fewer bars than the day had).
    pub fn contradictions(&self) -> u64 {
        self.contradicted
    }

    pub fn reset(&mut self) {
        self.judgement = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn ny() -> Tz {
        chrono_tz::America::New_York
    }

    #[test]
    fn three_bars_on_three_dates_are_daily() {
        let mut i = InputInterval::new(BarInterval::Min1, ny());
        // Midnight New York (05:00 UTC in winter), a weekend in between.
        assert_eq!(i.observe(at("2026-03-05T05:00:00Z")), Duration::minutes(1));
        assert_eq!(i.observe(at("2026-03-06T05:00:00Z")), Duration::minutes(1));
        assert_eq!(i.observe(at("2026-03-09T04:00:00Z")), DAILY_SOURCE);
        assert!(i.is_daily());
        assert_eq!(i.observe(at("2026-03-10T04:00:00Z")), DAILY_SOURCE);
        assert_eq!(i.contradictions(), 0);
    }

    #[test]
    fn minute_bars_stay_minute_bars() {
        let mut i = InputInterval::new(BarInterval::Min1, ny());
        // The last minute of a session, then the next session's first two.
        i.observe(at("2026-03-05T20:59:00Z"));
        i.observe(at("2026-03-06T14:30:00Z"));
        assert_eq!(i.observe(at("2026-03-06T14:31:00Z")), Duration::minutes(1));
        // Settled: later sessions with a single bar do not turn it daily.
        for day in ["2026-03-09T14:30:00Z", "2026-03-10T14:30:00Z", "2026-03-11T14:30:00Z"] {
            assert_eq!(i.observe(at(day)), Duration::minutes(1));
        }
        assert!(!i.is_daily());
        let mut five = InputInterval::new(BarInterval::Min5, ny());
        assert_eq!(five.observe(at("2026-03-05T14:30:00Z")), Duration::minutes(5));
    }

    #[test]
    fn intraday_evidence_after_daily_reverts_and_is_counted() {
        let mut i = InputInterval::new(BarInterval::Min1, ny());
        for day in ["2026-03-05T15:00:00Z", "2026-03-06T15:00:00Z", "2026-03-09T15:00:00Z"] {
            i.observe(at(day));
        }
        assert!(i.is_daily());
        assert_eq!(i.observe(at("2026-03-09T15:01:00Z")), Duration::minutes(1));
        assert_eq!(i.contradictions(), 1);
        i.reset();
        assert!(!i.is_daily());
    }

    #[test]
    fn declared_daily_is_daily_from_the_first_bar() {
        let mut i = InputInterval::new(BarInterval::Day, ny());
        assert_eq!(i.observe(at("2026-03-05T05:00:00Z")), DAILY_SOURCE);
        assert_eq!(i.observe(at("2026-03-05T05:00:00Z")), DAILY_SOURCE);
    }
}

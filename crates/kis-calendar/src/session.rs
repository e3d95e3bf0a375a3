//! One trading session: a day's open and close instants.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::CalendarError;
use kis_model::Market;

/// A day's regular trading session. `open` and `close` carry the market's zone so local clock times and
/// instants are both at hand; the session is the half-open interval `[open, close)`: at the close instant
/// the market no longer accepts continuous trading, which is what order logic needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub market: Market,
    /// The local trading date (Seoul or New York), not the UTC date.
    pub date: NaiveDate,
    pub open: DateTime<Tz>,
    pub close: DateTime<Tz>,
}

impl Session {
    /// Builds a session from local clock times; fails if a time falls into a DST gap or overlap.
    pub(crate) fn from_local(
        market: Market,
        date: NaiveDate,
        open: NaiveTime,
        close: NaiveTime,
    ) -> Result<Self, CalendarError> {
        Ok(Session {
            market,
            date,
            open: local_instant(market, date, open)?,
            close: local_instant(market, date, close)?,
        })
    }

    pub fn open_utc(&self) -> DateTime<Utc> {
        self.open.with_timezone(&Utc)
    }

    pub fn close_utc(&self) -> DateTime<Utc> {
        self.close.with_timezone(&Utc)
    }

    /// Local wall-clock open time (e.g. 09:00 KST, 09:30 ET).
    pub fn open_local(&self) -> NaiveTime {
        self.open.time()
    }

    /// Local wall-clock close time (e.g. 15:30 KST, 13:00 ET on an early close).
    pub fn close_local(&self) -> NaiveTime {
        self.close.time()
    }

    /// Whether `at` lies in `[open, close)`.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.open_utc() <= at && at < self.close_utc()
    }
}

fn local_instant(market: Market, date: NaiveDate, time: NaiveTime) -> Result<DateTime<Tz>, CalendarError> {
    market.tz().from_local_datetime(&date.and_time(time)).single().ok_or(CalendarError::LocalTime {
        market,
        date,
        time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn utc_views_follow_the_zone() {
        let s = Session::from_local(Market::Krx, date(2026, 3, 3), time(9, 0), time(15, 30)).unwrap();
        assert_eq!(s.open_utc().to_rfc3339(), "2026-03-03T00:00:00+00:00");
        assert_eq!(s.close_utc().to_rfc3339(), "2026-03-03T06:30:00+00:00");
        assert_eq!(s.open_local(), time(9, 0));
        assert_eq!(s.close_local(), time(15, 30));
    }

    #[test]
    fn half_open_interval() {
        let s = Session::from_local(Market::Us, date(2026, 7, 1), time(9, 30), time(16, 0)).unwrap();
        let open = s.open_utc();
        let close = s.close_utc();
        assert!(s.contains(open));
        assert!(!s.contains(open - chrono::Duration::nanoseconds(1)));
        assert!(s.contains(close - chrono::Duration::nanoseconds(1)));
        assert!(!s.contains(close));
    }

    #[test]
    fn a_time_in_the_spring_dst_gap_is_an_error() {
        // 2026-03-08 02:30 does not exist in New York (clocks jump 02:00 -> 03:00).
        let err = Session::from_local(Market::Us, date(2026, 3, 8), time(2, 30), time(16, 0)).unwrap_err();
        assert_eq!(err, CalendarError::LocalTime { market: Market::Us, date: date(2026, 3, 8), time: time(2, 30) });
    }
}

//! The query interface shared by every market calendar.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::{CalendarError, Session};
use kis_model::Market;

/// Trading days and session times of one market. Every query takes the time it is about as an argument
/// (never the clock), so callers and tests decide what "now" is.
///
/// Queries about a date outside [`covered_years`](Self::covered_years) fail with
/// [`CalendarError::OutOfRange`] instead of guessing. The trait is object-safe: the daemon can hold a
/// `Box<dyn TradingCalendar>` per market.
pub trait TradingCalendar {
    fn market(&self) -> Market;

    /// The calendar years whose holidays and special sessions this calendar knows.
    fn covered_years(&self) -> RangeInclusive<i32>;

    /// The session on a local trading date, `None` on weekends and holidays.
    fn session(&self, date: NaiveDate) -> Result<Option<Session>, CalendarError>;

    /// Fails with [`CalendarError::OutOfRange`] unless `date` is in the covered years.
    fn ensure_covered(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if self.covered_years().contains(&date.year()) { Ok(()) } else { Err(out_of_range(self, date)) }
    }

    fn is_trading_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.session(date)?.is_some())
    }

    /// Sessions on the local dates `from..=to`, in date order. Both ends must be covered, so the result
    /// is at most a few hundred sessions per covered year.
    fn sessions(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Session>, CalendarError> {
        if from > to {
            return Err(CalendarError::ReversedRange { from, to });
        }
        self.ensure_covered(from)?;
        self.ensure_covered(to)?;
        let mut out = Vec::new();
        for date in from.iter_days().take_while(|d| *d <= to) {
            if let Some(session) = self.session(date)? {
                out.push(session);
            }
        }
        Ok(out)
    }

    /// The session in progress at `at` (`open <= at < close`), if any.
    fn session_at(&self, at: DateTime<Utc>) -> Result<Option<Session>, CalendarError> {
        // Sessions never cross local midnight, so only the local date of `at` can contain it.
        let local_date = at.with_timezone(&self.market().tz()).date_naive();
        Ok(self.session(local_date)?.filter(|s| s.contains(at)))
    }

    /// Whether the regular session is in progress at `at`; the open instant counts, the close instant does not.
    fn is_open_at(&self, at: DateTime<Utc>) -> Result<bool, CalendarError> {
        Ok(self.session_at(at)?.is_some())
    }

    /// The first session open strictly after `after` (if `after` is exactly an open, the next day's open).
    fn next_open(&self, after: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        next_session_where(self, after, |s| s.open_utc() > after).map(|s| s.open_utc())
    }

    /// The first session close strictly after `after`: today's close while the market is open.
    fn next_close(&self, after: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        next_session_where(self, after, |s| s.close_utc() > after).map(|s| s.close_utc())
    }
}

fn out_of_range<C: TradingCalendar + ?Sized>(cal: &C, date: NaiveDate) -> CalendarError {
    let years = cal.covered_years();
    CalendarError::OutOfRange { market: cal.market(), date, first_year: *years.start(), last_year: *years.end() }
}

/// The first session, from the local date of `after` on, that satisfies `wanted`. Ends with `OutOfRange`
/// when the search walks past the last covered year.
fn next_session_where<C: TradingCalendar + ?Sized>(
    cal: &C,
    after: DateTime<Utc>,
    wanted: impl Fn(&Session) -> bool,
) -> Result<Session, CalendarError> {
    let mut date = after.with_timezone(&cal.market().tz()).date_naive();
    loop {
        if let Some(session) = cal.session(date)?
            && wanted(&session)
        {
            return Ok(session);
        }
        // `session` fails on the first uncovered date, long before chrono's last date.
        date = date.succ_opt().ok_or_else(|| out_of_range(cal, date))?;
    }
}

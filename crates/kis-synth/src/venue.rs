//! The two venues of the synthetic market and their calendars.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use kis_calendar::{CalendarError, KrxCalendar, NyseCalendar, Session, TradingCalendar};

/// A concrete calendar (not a trait object) so the whole market can be cloned, e.g. to replay a day twice.
#[derive(Debug, Clone)]
pub enum VenueCalendar {
    Krx(KrxCalendar),
    Nyse(NyseCalendar),
}

impl VenueCalendar {
    fn cal(&self) -> &dyn TradingCalendar {
        match self {
            VenueCalendar::Krx(c) => c,
            VenueCalendar::Nyse(c) => c,
        }
    }

    pub fn market(&self) -> kis_model::Market {
        self.cal().market()
    }

    /// The session containing `at`, else the next one to open after it.
    pub fn current_or_next(&self, at: DateTime<Utc>) -> Result<Session, CalendarError> {
        if let Some(s) = self.cal().session_at(at)? {
            return Ok(s);
        }
        let open = self.cal().next_open(at)?;
        self.cal().session_at(open)?.ok_or(CalendarError::OutOfRange {
            market: self.market(),
            date: open.date_naive(),
            first_year: *self.cal().covered_years().start(),
            last_year: *self.cal().covered_years().end(),
        })
    }

    /// Opens (UTC nanoseconds) of the `n` trading days before `date`, oldest first. Days before the calendar's
    /// first covered year are taken as plain weekdays at regular hours: the past is synthetic anyway, and a
    /// simulation starting in January still gets its full history.
    pub fn opens_before(&self, date: NaiveDate, n: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(n);
        let mut d = date;
        // Every week has at least one session outside exotic tables; the bound only stops a runaway loop.
        let mut budget = n * 7 + 60;
        while out.len() < n && budget > 0 {
            budget -= 1;
            let Some(prev) = d.pred_opt() else { break };
            d = prev;
            let open = match self.cal().session(d) {
                Ok(Some(s)) => Some(s.open_utc()),
                Ok(None) => None,
                Err(_) => regular_open(self.market(), d),
            };
            if let Some(open) = open.and_then(|o| o.timestamp_nanos_opt()) {
                out.push(open);
            }
        }
        out.reverse();
        out
    }
}

/// The regular open of a weekday outside the calendar's table (09:00 Seoul, 09:30 New York); `None` on weekends.
fn regular_open(market: kis_model::Market, date: NaiveDate) -> Option<DateTime<Utc>> {
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return None;
    }
    let time = match market {
        kis_model::Market::Krx => NaiveTime::from_hms_opt(9, 0, 0)?,
        kis_model::Market::Us => NaiveTime::from_hms_opt(9, 30, 0)?,
    };
    market.tz().from_local_datetime(&date.and_time(time)).single().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_dates_skip_holidays_and_fall_back_to_weekdays() {
        let krx = VenueCalendar::Krx(KrxCalendar::shipped().unwrap());
        // 2026-02-19 follows the Seollal holidays 02-16..18 and the weekend 02-14/15.
        let opens = krx.opens_before(NaiveDate::from_ymd_opt(2026, 2, 19).unwrap(), 2);
        let dates: Vec<String> =
            opens.iter().map(|&ns| DateTime::<Utc>::from_timestamp_nanos(ns).to_rfc3339()).collect();
        assert_eq!(dates, ["2026-02-12T00:00:00+00:00", "2026-02-13T00:00:00+00:00"]);
        // Before 2024 the KRX table has no data: weekdays at 09:00 KST.
        let opens = krx.opens_before(NaiveDate::from_ymd_opt(2024, 1, 3).unwrap(), 3);
        let first = DateTime::<Utc>::from_timestamp_nanos(opens[0]);
        assert_eq!(first.to_rfc3339(), "2023-12-28T00:00:00+00:00");
        assert_eq!(opens.len(), 3);
    }

    #[test]
    fn current_or_next_session() {
        let nyse = VenueCalendar::Nyse(NyseCalendar::shipped().unwrap());
        let sat = DateTime::parse_from_rfc3339("2026-07-04T12:00:00Z").unwrap().with_timezone(&Utc);
        let s = nyse.current_or_next(sat).unwrap();
        assert_eq!(s.open_utc().to_rfc3339(), "2026-07-06T13:30:00+00:00");
        let inside = DateTime::parse_from_rfc3339("2026-07-06T15:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(nyse.current_or_next(inside).unwrap(), s);
        let far = DateTime::parse_from_rfc3339("2031-01-06T15:00:00Z").unwrap().with_timezone(&Utc);
        assert!(matches!(nyse.current_or_next(far), Err(CalendarError::OutOfRange { .. })));
    }
}

//! NYSE calendar: holidays and early closes by rule, plus a table of ad-hoc closures and special sessions.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

use crate::table::{CalendarTable, SpecialSession};
use crate::{CalendarError, Session, TableError, TradingCalendar, nyse_rules};
use kis_model::Market;

/// The NYSE table shipped with the product (`config/nyse-calendar.toml`): covered years and the ad-hoc
/// closures the rules cannot predict.
pub const NYSE_SHIPPED_TABLE: &str = include_str!("../../../config/nyse-calendar.toml");

// Evaluated at compile time: a wrong literal fails the build, it cannot panic at run time.
const OPEN: NaiveTime = NaiveTime::from_hms_opt(9, 30, 0).expect("09:30 is a valid time");
const CLOSE: NaiveTime = NaiveTime::from_hms_opt(16, 0, 0).expect("16:00 is a valid time");
const EARLY_CLOSE: NaiveTime = NaiveTime::from_hms_opt(13, 0, 0).expect("13:00 is a valid time");

/// NYSE regular session calendar (09:30-16:00 ET, 13:00 on early-close days). The rules would answer for
/// any year, but the covered years are bounded by the table so that a year nobody has checked against
/// NYSE's published schedule is refused like an unknown KRX year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NyseCalendar {
    years: RangeInclusive<i32>,
    closures: BTreeMap<NaiveDate, String>,
    special_sessions: BTreeMap<NaiveDate, SpecialSession>,
}

impl NyseCalendar {
    /// Builds the calendar from the TOML text of an NYSE table (format: see `config/nyse-calendar.toml`).
    /// Its `holidays` are closures on top of the rule holidays; its special sessions replace the rule hours.
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let table = CalendarTable::parse(text, Market::Us)?;
        if table.regular.is_some() {
            return Err(TableError::UnexpectedRegular.into());
        }
        for (date, name) in &table.holidays {
            if let Some(holiday) = nyse_rules::holiday(*date) {
                return Err(
                    TableError::Duplicate { date: *date, first: holiday.to_owned(), second: name.clone() }.into()
                );
            }
        }
        for (date, special) in &table.special_sessions {
            if let Some(holiday) = nyse_rules::holiday(*date) {
                return Err(TableError::SpecialOnHoliday {
                    date: *date,
                    name: special.name.clone(),
                    holiday: holiday.to_owned(),
                }
                .into());
            }
            Session::from_local(Market::Us, *date, special.hours.open, special.hours.close).map_err(|e| {
                TableError::SessionTime {
                    what: format!("special session {:?} on {date}", special.name),
                    source: Box::new(e),
                }
            })?;
        }
        Ok(NyseCalendar {
            years: table.first_year..=table.last_year,
            closures: table.holidays,
            special_sessions: table.special_sessions,
        })
    }

    /// The calendar from the shipped table. Fails only if the shipped file is broken, which the crate's
    /// tests rule out.
    pub fn shipped() -> Result<Self, CalendarError> {
        Self::from_toml(NYSE_SHIPPED_TABLE)
    }

    /// The name of the rule holiday or ad-hoc closure on `date`, if any.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        nyse_rules::holiday(date).or_else(|| self.closures.get(&date).map(String::as_str))
    }
}

impl TradingCalendar for NyseCalendar {
    fn market(&self) -> Market {
        Market::Us
    }

    fn covered_years(&self) -> RangeInclusive<i32> {
        self.years.clone()
    }

    fn session(&self, date: NaiveDate) -> Result<Option<Session>, CalendarError> {
        self.ensure_covered(date)?;
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            || nyse_rules::holiday(date).is_some()
            || self.closures.contains_key(&date)
        {
            return Ok(None);
        }
        let (open, close) = match self.special_sessions.get(&date) {
            Some(special) => (special.hours.open, special.hours.close),
            None if nyse_rules::is_early_close(date) => (OPEN, EARLY_CLOSE),
            None => (OPEN, CLOSE),
        };
        Session::from_local(Market::Us, date, open, close).map(Some)
    }
}

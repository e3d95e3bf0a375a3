//! KRX calendar: holidays and special sessions come from a table, because Korean holidays follow the lunar
//! calendar, elections and government decrees that no rule in code can predict.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::table::{CalendarTable, Hours, SpecialSession};
use crate::{CalendarError, Session, TableError, TradingCalendar};
use kis_model::Market;

/// The KRX table shipped with the product (`config/krx-calendar.toml`), compiled in so callers and tests
/// need no file path.
pub const KRX_SHIPPED_TABLE: &str = include_str!("../../../config/krx-calendar.toml");

/// KRX (KOSPI/KOSDAQ) regular session calendar. Only the years the table covers can be queried: an
/// unlisted temporary holiday is exactly the kind of day a trading system must not guess about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KrxCalendar {
    years: RangeInclusive<i32>,
    regular: Hours,
    holidays: BTreeMap<NaiveDate, String>,
    special_sessions: BTreeMap<NaiveDate, SpecialSession>,
}

impl KrxCalendar {
    /// Builds the calendar from the TOML text of a KRX table (format: see `config/krx-calendar.toml`).
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let table = CalendarTable::parse(text, Market::Krx)?;
        let regular = table.regular.ok_or(TableError::MissingRegular)?;
        for (date, special) in &table.special_sessions {
            Session::from_local(Market::Krx, *date, special.hours.open, special.hours.close).map_err(|e| {
                TableError::SessionTime {
                    what: format!("special session {:?} on {date}", special.name),
                    source: Box::new(e),
                }
            })?;
        }
        Ok(KrxCalendar {
            years: table.first_year..=table.last_year,
            regular,
            holidays: table.holidays,
            special_sessions: table.special_sessions,
        })
    }

    /// The calendar from the shipped table. Fails only if the shipped file is broken, which the crate's
    /// tests rule out.
    pub fn shipped() -> Result<Self, CalendarError> {
        Self::from_toml(KRX_SHIPPED_TABLE)
    }

    /// The name of the holiday closing the market on `date`, if the table lists one.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    /// The reason for non-regular hours on `date`, if the table lists a special session.
    pub fn special_session_name(&self, date: NaiveDate) -> Option<&str> {
        self.special_sessions.get(&date).map(|s| s.name.as_str())
    }
}

impl TradingCalendar for KrxCalendar {
    fn market(&self) -> Market {
        Market::Krx
    }

    fn covered_years(&self) -> RangeInclusive<i32> {
        self.years.clone()
    }

    fn session(&self, date: NaiveDate) -> Result<Option<Session>, CalendarError> {
        self.ensure_covered(date)?;
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) || self.holidays.contains_key(&date) {
            return Ok(None);
        }
        let hours = self.special_sessions.get(&date).map_or(self.regular, |s| s.hours);
        Session::from_local(Market::Krx, date, hours.open, hours.close).map(Some)
    }
}

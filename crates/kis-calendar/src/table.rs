//! The TOML calendar table shared by both markets: covered years, holidays, special sessions.
//!
//! Dates and times are bare TOML values (`2026-11-19`, `10:00:00`), so a wrong type is a parse error with a
//! line number rather than a silently misread string. Unknown keys are refused so a typo cannot drop an entry.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::Deserialize;
use toml::value::Datetime;

use crate::TableError;
use kis_model::Market;

/// Years outside this span are refused: they are typos, and it keeps every date well inside chrono's range.
const SANE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    market: String,
    first_year: i32,
    last_year: i32,
    regular: Option<RawHours>,
    #[serde(default)]
    holidays: Vec<RawHoliday>,
    #[serde(default)]
    special_sessions: Vec<RawSpecial>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHours {
    open: Datetime,
    close: Datetime,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    date: Datetime,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpecial {
    date: Datetime,
    name: String,
    open: Datetime,
    close: Datetime,
}

/// Local opening hours of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hours {
    pub open: NaiveTime,
    pub close: NaiveTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SpecialSession {
    pub name: String,
    pub hours: Hours,
}

/// A validated table: every date inside the covered years, on a weekday, listed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CalendarTable {
    pub first_year: i32,
    pub last_year: i32,
    pub regular: Option<Hours>,
    pub holidays: BTreeMap<NaiveDate, String>,
    pub special_sessions: BTreeMap<NaiveDate, SpecialSession>,
}

impl CalendarTable {
    /// Parses and validates a table meant for `expected`.
    pub fn parse(text: &str, expected: Market) -> Result<Self, TableError> {
        let raw: RawTable = toml::from_str(text)?;
        let found = crate::parse_market(&raw.market)?;
        if found != expected {
            return Err(TableError::WrongMarket { expected, found });
        }
        let (first_year, last_year) = (raw.first_year, raw.last_year);
        if first_year > last_year || !SANE_YEARS.contains(&first_year) || !SANE_YEARS.contains(&last_year) {
            return Err(TableError::BadYears { first_year, last_year });
        }
        let check_date = |date: NaiveDate, name: &str| -> Result<(), TableError> {
            if !(first_year..=last_year).contains(&date.year()) {
                return Err(TableError::OutsideYears { date, name: name.to_owned(), first_year, last_year });
            }
            if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(TableError::OnWeekend { date, name: name.to_owned(), weekday: date.weekday() });
            }
            Ok(())
        };

        let regular = raw.regular.map(|h| hours("[regular]", &h.open, &h.close)).transpose()?;

        let mut holidays = BTreeMap::new();
        for h in raw.holidays {
            let date = to_date(&format!("holiday {:?}", h.name), &h.date)?;
            check_date(date, &h.name)?;
            if let Some(first) = holidays.insert(date, h.name.clone()) {
                return Err(TableError::Duplicate { date, first, second: h.name });
            }
        }

        let mut special_sessions = BTreeMap::new();
        for s in raw.special_sessions {
            let what = format!("special session {:?}", s.name);
            let date = to_date(&what, &s.date)?;
            check_date(date, &s.name)?;
            let first = holidays
                .get(&date)
                .cloned()
                .or_else(|| special_sessions.get(&date).map(|x: &SpecialSession| x.name.clone()));
            if let Some(first) = first {
                return Err(TableError::Duplicate { date, first, second: s.name });
            }
            let hours = hours(&format!("{what} on {date}"), &s.open, &s.close)?;
            special_sessions.insert(date, SpecialSession { name: s.name, hours });
        }

        Ok(CalendarTable { first_year, last_year, regular, holidays, special_sessions })
    }
}

fn hours(what: &str, open: &Datetime, close: &Datetime) -> Result<Hours, TableError> {
    let open = to_time(&format!("open of {what}"), open)?;
    let close = to_time(&format!("close of {what}"), close)?;
    if open >= close {
        return Err(TableError::OpenNotBeforeClose { what: what.to_owned(), open, close });
    }
    Ok(Hours { open, close })
}

fn to_date(what: &str, value: &Datetime) -> Result<NaiveDate, TableError> {
    let not_a_date = || TableError::NotADate { what: what.to_owned(), value: value.to_string() };
    match (value.date, value.time, value.offset) {
        (Some(d), None, None) => {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)).ok_or_else(not_a_date)
        }
        _ => Err(not_a_date()),
    }
}

fn to_time(what: &str, value: &Datetime) -> Result<NaiveTime, TableError> {
    let not_a_time = || TableError::NotATime { what: what.to_owned(), value: value.to_string() };
    match (value.date, value.time, value.offset) {
        (None, Some(t), None) => {
            NaiveTime::from_hms_nano_opt(u32::from(t.hour), u32::from(t.minute), u32::from(t.second), t.nanosecond)
                .ok_or_else(not_a_time)
        }
        _ => Err(not_a_time()),
    }
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

    const HEAD: &str = "market = \"krx\"\nfirst_year = 2030\nlast_year = 2030\n";

    fn parse(body: &str) -> Result<CalendarTable, TableError> {
        CalendarTable::parse(&format!("{HEAD}{body}"), Market::Krx)
    }

    #[test]
    fn parses_a_small_table() {
        let t = parse(
            "[regular]\nopen = 09:00:00\nclose = 15:30:00\n\
             [[holidays]]\ndate = 2030-01-01\nname = \"New Year\"\n\
             [[special_sessions]]\ndate = 2030-01-02\nname = \"First day\"\nopen = 10:00:00\nclose = 15:30:00\n",
        )
        .unwrap();
        assert_eq!((t.first_year, t.last_year), (2030, 2030));
        assert_eq!(t.regular, Some(Hours { open: time(9, 0), close: time(15, 30) }));
        assert_eq!(t.holidays.get(&date(2030, 1, 1)).map(String::as_str), Some("New Year"));
        let s = &t.special_sessions[&date(2030, 1, 2)];
        assert_eq!(s.name, "First day");
        assert_eq!(s.hours, Hours { open: time(10, 0), close: time(15, 30) });
    }

    #[test]
    fn a_quoted_date_is_a_type_error_with_a_line() {
        let err = parse("[[holidays]]\ndate = \"2030-01-01\"\nname = \"x\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, TableError::Toml(_)), "{msg}");
        assert!(msg.contains("line 5"), "{msg}");
    }

    #[test]
    fn a_date_time_where_a_date_belongs_is_refused() {
        let err = parse("[[holidays]]\ndate = 2030-01-01T09:00:00\nname = \"x\"\n").unwrap_err();
        assert_eq!(err, TableError::NotADate { what: "holiday \"x\"".into(), value: "2030-01-01T09:00:00".into() });
    }

    #[test]
    fn a_date_where_a_time_belongs_is_refused() {
        let err = parse("[regular]\nopen = 2030-01-01\nclose = 15:30:00\n").unwrap_err();
        assert!(matches!(err, TableError::NotATime { ref what, .. } if what == "open of [regular]"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = parse("[[holidays]]\ndate = 2030-01-01\nnmae = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("nmae"), "{err}");
    }

    #[test]
    fn entries_outside_the_years_on_weekends_or_twice_are_refused() {
        assert!(matches!(
            parse("[[holidays]]\ndate = 2029-12-31\nname = \"x\"\n"),
            Err(TableError::OutsideYears { .. })
        ));
        assert_eq!(
            parse("[[holidays]]\ndate = 2030-01-05\nname = \"x\"\n"),
            Err(TableError::OnWeekend { date: date(2030, 1, 5), name: "x".into(), weekday: Weekday::Sat })
        );
        assert_eq!(
            parse(
                "[[holidays]]\ndate = 2030-01-01\nname = \"a\"\n\
                 [[special_sessions]]\ndate = 2030-01-01\nname = \"b\"\nopen = 10:00:00\nclose = 15:00:00\n"
            ),
            Err(TableError::Duplicate { date: date(2030, 1, 1), first: "a".into(), second: "b".into() })
        );
        assert!(matches!(
            parse("[[holidays]]\ndate = 2030-01-01\nname = \"a\"\n[[holidays]]\ndate = 2030-01-01\nname = \"b\"\n"),
            Err(TableError::Duplicate { .. })
        ));
    }

    #[test]
    fn reversed_hours_and_years_are_refused() {
        assert!(matches!(
            parse("[regular]\nopen = 15:30:00\nclose = 09:00:00\n"),
            Err(TableError::OpenNotBeforeClose { .. })
        ));
        assert_eq!(
            CalendarTable::parse("market = \"krx\"\nfirst_year = 2031\nlast_year = 2030\n", Market::Krx),
            Err(TableError::BadYears { first_year: 2031, last_year: 2030 })
        );
        assert!(matches!(
            CalendarTable::parse("market = \"krx\"\nfirst_year = 2030\nlast_year = 99999\n", Market::Krx),
            Err(TableError::BadYears { .. })
        ));
    }

    #[test]
    fn the_market_must_match() {
        assert_eq!(
            CalendarTable::parse(HEAD, Market::Us),
            Err(TableError::WrongMarket { expected: Market::Us, found: Market::Krx })
        );
        let err = CalendarTable::parse("market = \"lse\"\nfirst_year = 2030\nlast_year = 2030\n", Market::Krx);
        assert!(matches!(err, Err(TableError::Market(_))));
    }

    #[test]
    fn garbage_never_panics() {
        for text in ["", "\u{0}", "market = ", "[[holidays]]\ndate = 2030-02-30\nname = \"x\"\n", "first_year = -1"] {
            assert!(CalendarTable::parse(text, Market::Krx).is_err(), "{text:?}");
        }
    }
}

//! NYSE calendar behaviour: observance edge cases, early closes, DST, instants, searches, coverage.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kis_calendar::{CalendarError, NyseCalendar, TableError, TradingCalendar};
use kis_model::Market;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}
fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}
fn nyse() -> NyseCalendar {
    NyseCalendar::shipped().unwrap()
}
fn hours(cal: &NyseCalendar, d: NaiveDate) -> Option<(String, String)> {
    cal.session(d).unwrap().map(|s| (s.open.format("%H:%M").to_string(), s.close.format("%H:%M").to_string()))
}
fn hm(open: &str, close: &str) -> Option<(String, String)> {
    Some((open.to_owned(), close.to_owned()))
}

#[test]
fn new_year_on_saturday_keeps_december_31_open() {
    let cal = nyse();
    assert_eq!(hours(&cal, date(2021, 12, 31)), hm("09:30", "16:00"));
    assert_eq!(hours(&cal, date(2022, 1, 3)), hm("09:30", "16:00"));
    assert_eq!(hours(&cal, date(2027, 12, 31)), hm("09:30", "16:00"));
}

#[test]
fn july_4_2026_on_saturday_closes_friday_and_leaves_thursday_a_full_day() {
    let cal = nyse();
    assert_eq!(hours(&cal, date(2026, 7, 3)), None);
    assert_eq!(cal.holiday_name(date(2026, 7, 3)), Some("Independence Day"));
    assert_eq!(hours(&cal, date(2026, 7, 2)), hm("09:30", "16:00"));
    // In a normal year July 3 closes early.
    assert_eq!(hours(&cal, date(2025, 7, 3)), hm("09:30", "13:00"));
}

#[test]
fn thanksgiving_week_and_christmas_eve() {
    let cal = nyse();
    assert_eq!(hours(&cal, date(2026, 11, 26)), None);
    assert_eq!(hours(&cal, date(2026, 11, 27)), hm("09:30", "13:00"));
    assert_eq!(hours(&cal, date(2026, 12, 24)), hm("09:30", "13:00"));
    // 2027: Christmas on Saturday is observed on Friday Dec 24; Thursday Dec 23 is a full day.
    assert_eq!(hours(&cal, date(2027, 12, 24)), None);
    assert_eq!(hours(&cal, date(2027, 12, 23)), hm("09:30", "16:00"));
}

#[test]
fn good_friday_and_the_adhoc_mourning_day() {
    let cal = nyse();
    assert_eq!(hours(&cal, date(2026, 4, 3)), None);
    assert_eq!(cal.holiday_name(date(2026, 4, 3)), Some("Good Friday"));
    assert_eq!(hours(&cal, date(2025, 1, 9)), None);
    assert_eq!(cal.holiday_name(date(2025, 1, 9)), Some("National Day of Mourning for President Jimmy Carter"));
    assert_eq!(cal.holiday_name(date(2025, 1, 8)), None);
}

#[test]
fn dst_moves_the_utc_open_by_an_hour() {
    let cal = nyse();
    let open_utc = |d| cal.session(d).unwrap().unwrap().open_utc();
    // US DST 2026: starts Sunday March 8, ends Sunday November 1.
    assert_eq!(open_utc(date(2026, 3, 6)), utc("2026-03-06T14:30:00Z"));
    assert_eq!(open_utc(date(2026, 3, 9)), utc("2026-03-09T13:30:00Z"));
    assert_eq!(open_utc(date(2026, 10, 30)), utc("2026-10-30T13:30:00Z"));
    assert_eq!(open_utc(date(2026, 11, 2)), utc("2026-11-02T14:30:00Z"));
    let s = cal.session(date(2026, 3, 9)).unwrap().unwrap();
    assert_eq!(s.close_utc(), utc("2026-03-09T20:00:00Z"));
    assert_eq!(s.open.to_rfc3339(), "2026-03-09T09:30:00-04:00");
}

#[test]
fn is_open_at_is_half_open_at_the_exact_instants() {
    let cal = nyse();
    let open = utc("2026-11-20T14:30:00Z");
    let close = utc("2026-11-20T21:00:00Z");
    let tick = Duration::nanoseconds(1);
    assert!(!cal.is_open_at(open - tick).unwrap());
    assert!(cal.is_open_at(open).unwrap());
    assert!(cal.is_open_at(close - tick).unwrap());
    assert!(!cal.is_open_at(close).unwrap());
    // Early close: 13:00 EST is 18:00 UTC.
    assert!(cal.is_open_at(utc("2026-11-27T17:59:59Z")).unwrap());
    assert!(!cal.is_open_at(utc("2026-11-27T18:00:00Z")).unwrap());
    // Saturday and holiday.
    assert!(!cal.is_open_at(utc("2026-11-21T15:00:00Z")).unwrap());
    assert!(!cal.is_open_at(utc("2026-11-26T15:00:00Z")).unwrap());
    assert_eq!(cal.session_at(open).unwrap().map(|s| s.date), Some(date(2026, 11, 20)));
}

#[test]
fn next_open_skips_weekends_and_holidays() {
    let cal = nyse();
    // Thursday before Good Friday, after the close -> Monday April 6 (EDT).
    assert_eq!(cal.next_open(utc("2026-04-02T20:00:00Z")).unwrap(), utc("2026-04-06T13:30:00Z"));
    // Before Thanksgiving -> Friday's 09:30.
    assert_eq!(cal.next_open(utc("2026-11-25T22:00:00Z")).unwrap(), utc("2026-11-27T14:30:00Z"));
    // Early morning of a trading day -> that day's open; exactly at the open -> the next day's.
    assert_eq!(cal.next_open(utc("2026-11-20T05:00:00Z")).unwrap(), utc("2026-11-20T14:30:00Z"));
    assert_eq!(cal.next_open(utc("2026-11-20T14:30:00Z")).unwrap(), utc("2026-11-23T14:30:00Z"));
    // Across the year end and New Year's Day.
    assert_eq!(cal.next_open(utc("2026-12-31T21:00:00Z")).unwrap(), utc("2027-01-04T14:30:00Z"));
}

#[test]
fn next_close_is_todays_close_while_open() {
    let cal = nyse();
    assert_eq!(cal.next_close(utc("2026-11-27T15:00:00Z")).unwrap(), utc("2026-11-27T18:00:00Z"));
    assert_eq!(cal.next_close(utc("2026-11-27T18:00:00Z")).unwrap(), utc("2026-11-30T21:00:00Z"));
    assert_eq!(cal.next_close(utc("2026-11-26T12:00:00Z")).unwrap(), utc("2026-11-27T18:00:00Z"));
}

#[test]
fn sessions_lists_an_inclusive_range() {
    let cal = nyse();
    let s = cal.sessions(date(2026, 11, 23), date(2026, 11, 30)).unwrap();
    let dates: Vec<NaiveDate> = s.iter().map(|s| s.date).collect();
    assert_eq!(
        dates,
        [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 27), date(2026, 11, 30)]
    );
    assert_eq!(cal.sessions(date(2026, 1, 1), date(2026, 12, 31)).unwrap().len(), 251);
    assert_eq!(
        cal.sessions(date(2026, 2, 1), date(2026, 1, 1)),
        Err(CalendarError::ReversedRange { from: date(2026, 2, 1), to: date(2026, 1, 1) })
    );
}

#[test]
fn years_outside_the_table_are_errors() {
    let cal = nyse();
    assert_eq!(cal.covered_years(), 2000..=2028);
    let err = cal.session(date(2029, 1, 2)).unwrap_err();
    assert_eq!(
        err,
        CalendarError::OutOfRange { market: Market::Us, date: date(2029, 1, 2), first_year: 2000, last_year: 2028 }
    );
    assert!(err.to_string().contains("NYSE calendar covers 2000..=2028 only; 2029-01-02"), "{err}");
    assert!(cal.is_open_at(utc("1999-12-31T15:00:00Z")).is_err());
    assert!(cal.sessions(date(2028, 12, 1), date(2029, 1, 31)).is_err());
    // The last session of 2028 is on Friday Dec 29; the search for the next open walks into 2029.
    assert!(matches!(cal.next_open(utc("2028-12-29T22:00:00Z")), Err(CalendarError::OutOfRange { .. })));
}

#[test]
fn tables_are_validated_against_the_rules() {
    let head = "market = \"nyse\"\nfirst_year = 2026\nlast_year = 2026\n";
    let dup = format!("{head}[[holidays]]\ndate = 2026-12-25\nname = \"Xmas again\"\n");
    assert!(matches!(NyseCalendar::from_toml(&dup), Err(CalendarError::Table(TableError::Duplicate { .. }))));
    let special =
        format!("{head}[[special_sessions]]\ndate = 2026-04-03\nname = \"x\"\nopen = 09:30:00\nclose = 12:00:00\n");
    assert!(matches!(
        NyseCalendar::from_toml(&special),
        Err(CalendarError::Table(TableError::SpecialOnHoliday { .. }))
    ));
    let regular = format!("{head}[regular]\nopen = 09:30:00\nclose = 16:00:00\n");
    assert_eq!(NyseCalendar::from_toml(&regular), Err(TableError::UnexpectedRegular.into()));
    let krx = "market = \"krx\"\nfirst_year = 2026\nlast_year = 2026\n";
    assert_eq!(
        NyseCalendar::from_toml(krx),
        Err(TableError::WrongMarket { expected: Market::Us, found: Market::Krx }.into())
    );
}

#[test]
fn an_announced_closure_or_special_session_can_be_added_by_editing_the_table() {
    let text = "market = \"nyse\"\nfirst_year = 2026\nlast_year = 2026\n\
                [[holidays]]\ndate = 2026-12-28\nname = \"Hypothetical closure\"\n\
                [[special_sessions]]\ndate = 2026-12-29\nname = \"Late open\"\nopen = 10:30:00\nclose = 16:00:00\n";
    let cal = NyseCalendar::from_toml(text).unwrap();
    assert_eq!(hours(&cal, date(2026, 12, 28)), None);
    assert_eq!(cal.holiday_name(date(2026, 12, 28)), Some("Hypothetical closure"));
    assert_eq!(hours(&cal, date(2026, 12, 29)), hm("10:30", "16:00"));
    // Everything else still follows the rules.
    assert_eq!(hours(&cal, date(2026, 12, 24)), hm("09:30", "13:00"));
}

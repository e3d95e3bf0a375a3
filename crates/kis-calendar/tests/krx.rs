//! KRX calendar behaviour: the shipped table, special sessions, instants, searches, coverage, edits.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kis_calendar::{CalendarError, KrxCalendar, TableError, TradingCalendar, shipped_calendar};
use kis_model::Market;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}
fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}
fn krx() -> KrxCalendar {
    KrxCalendar::shipped().unwrap()
}
fn hours(cal: &KrxCalendar, d: NaiveDate) -> Option<(String, String)> {
    cal.session(d).unwrap().map(|s| (s.open.format("%H:%M").to_string(), s.close.format("%H:%M").to_string()))
}
fn hm(open: &str, close: &str) -> Option<(String, String)> {
    Some((open.to_owned(), close.to_owned()))
}

#[test]
fn shipped_table_covers_2024_to_2027_with_year_end_closings() {
    let cal = krx();
    assert_eq!(cal.covered_years(), 2024..=2027);
    for year in 2024..=2027 {
        let dec31 = date(year, 12, 31);
        assert_eq!(cal.holiday_name(dec31), Some("Year-end closing day (연말 휴장일)"), "{year}");
        let weekday_holidays = date(year, 1, 1)
            .iter_days()
            .take_while(|d| d.year() == year)
            .filter(|d| cal.holiday_name(*d).is_some())
            .count();
        let expected = match year {
            2024 => 18,
            2025 => 19,
            2026 => 17,
            _ => 15,
        };
        assert_eq!(weekday_holidays, expected, "{year}");
    }
}

#[test]
fn special_sessions_first_day_and_csat() {
    let cal = krx();
    assert_eq!(hours(&cal, date(2026, 1, 2)), hm("10:00", "15:30"));
    assert_eq!(hours(&cal, date(2027, 1, 4)), hm("10:00", "15:30"));
    assert_eq!(hours(&cal, date(2024, 11, 14)), hm("10:00", "16:30"));
    assert_eq!(hours(&cal, date(2025, 11, 13)), hm("10:00", "16:30"));
    assert_eq!(hours(&cal, date(2026, 11, 19)), hm("10:00", "16:30"));
    assert_eq!(hours(&cal, date(2026, 11, 20)), hm("09:00", "15:30"));
    let csat = cal.session(date(2026, 11, 19)).unwrap().unwrap();
    assert_eq!(csat.open_utc(), utc("2026-11-19T01:00:00Z"));
    assert_eq!(csat.close_utc(), utc("2026-11-19T07:30:00Z"));
    assert!(cal.special_session_name(date(2026, 11, 19)).unwrap().contains("CSAT"));
}

#[test]
fn holidays_include_elections_substitutes_and_temporary_days() {
    let cal = krx();
    for d in [
        date(2024, 4, 10),  // National Assembly election
        date(2024, 10, 1),  // temporary holiday
        date(2025, 1, 27),  // temporary holiday
        date(2025, 6, 3),   // presidential election
        date(2025, 10, 8),  // Chuseok substitute
        date(2026, 6, 3),   // local elections
        date(2026, 7, 17),  // Constitution Day
        date(2026, 8, 17),  // Liberation Day substitute
        date(2027, 12, 27), // Christmas substitute
    ] {
        assert!(!cal.is_trading_day(d).unwrap(), "{d}");
    }
    assert!(cal.is_trading_day(date(2026, 9, 28)).unwrap()); // no Chuseok substitute for a Saturday
    assert!(!cal.is_trading_day(date(2026, 9, 26)).unwrap()); // Saturday
}

#[test]
fn is_open_at_in_kst_is_half_open() {
    let cal = krx();
    // 09:00 KST = 00:00 UTC, 15:30 KST = 06:30 UTC.
    assert!(!cal.is_open_at(utc("2026-11-18T23:59:59Z")).unwrap());
    assert!(cal.is_open_at(utc("2026-11-20T00:00:00Z")).unwrap());
    assert!(cal.is_open_at(utc("2026-11-20T06:29:59Z")).unwrap());
    assert!(!cal.is_open_at(utc("2026-11-20T06:30:00Z")).unwrap());
    // CSAT day: closed at 09:30 KST, open at 16:00 KST.
    assert!(!cal.is_open_at(utc("2026-11-19T00:30:00Z")).unwrap());
    assert!(cal.is_open_at(utc("2026-11-19T07:00:00Z")).unwrap());
}

#[test]
fn next_open_and_close_across_holidays() {
    let cal = krx();
    // After Wednesday 2026-09-23's close: Chuseok Thu-Fri, weekend -> Monday 09:00 KST.
    assert_eq!(cal.next_open(utc("2026-09-23T07:00:00Z")).unwrap(), utc("2026-09-28T00:00:00Z"));
    // The UTC date of the next open differs from the local date: Sunday 23:00 UTC is Monday 08:00 KST.
    assert_eq!(cal.next_open(utc("2026-11-22T23:00:00Z")).unwrap(), utc("2026-11-23T00:00:00Z"));
    // Year end: Dec 31 closed, Jan 1 closed, 2027-01-04 opens at 10:00 KST.
    assert_eq!(cal.next_open(utc("2026-12-30T07:00:00Z")).unwrap(), utc("2027-01-04T01:00:00Z"));
    assert_eq!(cal.next_close(utc("2026-11-19T06:45:00Z")).unwrap(), utc("2026-11-19T07:30:00Z"));
}

#[test]
fn dates_outside_the_table_are_errors_not_trading_days() {
    let cal = krx();
    assert_eq!(
        cal.is_trading_day(date(2028, 1, 3)),
        Err(CalendarError::OutOfRange {
            market: Market::Krx,
            date: date(2028, 1, 3),
            first_year: 2024,
            last_year: 2027
        })
    );
    assert!(cal.session(date(2023, 12, 28)).is_err());
    assert!(cal.is_open_at(utc("2028-01-03T01:00:00Z")).is_err());
    // 2027-12-30 is the last session; the next open would be in 2028, which the table does not know.
    assert!(matches!(
        cal.next_open(utc("2027-12-30T07:00:00Z")),
        Err(CalendarError::OutOfRange { date: first_unknown, .. }) if first_unknown == date(2028, 1, 1)
    ));
}

#[test]
fn an_announced_holiday_is_added_by_editing_the_table() {
    let mut text = kis_calendar::KRX_SHIPPED_TABLE.to_owned();
    text.push_str("\n[[holidays]]\ndate = 2026-11-23\nname = \"Hypothetical temporary holiday\"\n");
    let cal = KrxCalendar::from_toml(&text).unwrap();
    assert!(!cal.is_trading_day(date(2026, 11, 23)).unwrap());
    assert!(krx().is_trading_day(date(2026, 11, 23)).unwrap());
}

#[test]
fn broken_tables_name_the_problem() {
    let head = "market = \"krx\"\nfirst_year = 2026\nlast_year = 2026\n";
    assert_eq!(KrxCalendar::from_toml(head), Err(TableError::MissingRegular.into()));
    let typo =
        format!("{head}[regular]\nopen = 09:00:00\nclose = 15:30:00\n[[holidays]]\ndate = 2025-12-31\nname = \"x\"\n");
    let err = KrxCalendar::from_toml(&typo).unwrap_err();
    assert_eq!(err.to_string(), "calendar table: 2025-12-31 (x) is outside the covered years 2026..=2026");
}

#[test]
fn both_markets_behind_one_trait_object() {
    let krx = shipped_calendar(Market::Krx).unwrap();
    let nyse = shipped_calendar(Market::Us).unwrap();
    assert_eq!(krx.market(), Market::Krx);
    assert_eq!(nyse.market(), Market::Us);
    // 2026-11-19 00:30 UTC: KRX has not opened yet (CSAT, opens 10:00 KST), NYSE is closed (19:30 ET).
    let at = utc("2026-11-19T00:30:00Z");
    assert!(!krx.is_open_at(at).unwrap());
    assert!(!nyse.is_open_at(at).unwrap());
    assert_eq!(krx.next_open(at).unwrap(), utc("2026-11-19T01:00:00Z"));
    assert_eq!(nyse.next_open(at).unwrap(), utc("2026-11-19T14:30:00Z"));
}

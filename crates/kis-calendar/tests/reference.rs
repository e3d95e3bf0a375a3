//! Day-by-day comparison with exchange_calendars (an independent implementation), from the CSVs written by
//! `tools/gen_reference.py`. Every disagreement is listed below with its reason; anything else must match.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kis_calendar::{KrxCalendar, NyseCalendar, TradingCalendar};

type Hours = Option<(&'static str, &'static str)>;

/// A date on which we knowingly differ from exchange_calendars.
struct Exception {
    date: &'static str,
    ours: Hours,
    theirs: Hours,
    reason: &'static str,
}

const CSAT: &str = "exchange_calendars does not model KRX's CSAT-day session shift (10:00-16:30)";

const KRX_EXCEPTIONS: &[Exception] = &[
    Exception { date: "2024-11-14", ours: Some(("10:00", "16:30")), theirs: Some(("09:00", "15:30")), reason: CSAT },
    Exception { date: "2025-11-13", ours: Some(("10:00", "16:30")), theirs: Some(("09:00", "15:30")), reason: CSAT },
    Exception {
        date: "2026-06-03",
        ours: None,
        theirs: Some(("09:00", "15:30")),
        reason: "9th nationwide local elections: election days are public holidays (공직선거법) and KRX closes, \
                 as on the 2018 and 2022 local elections; exchange_calendars 4.13.2 lacks it",
    },
    Exception {
        date: "2026-07-17",
        ours: None,
        theirs: Some(("09:00", "15:30")),
        reason: "Constitution Day is a public holiday again from 2026 (공휴일법 amendment passed 2026-01-29); \
                 exchange_calendars 4.13.2 predates it",
    },
    Exception { date: "2026-11-19", ours: Some(("10:00", "16:30")), theirs: Some(("09:00", "15:30")), reason: CSAT },
    Exception {
        date: "2027-07-19",
        ours: None,
        theirs: Some(("09:00", "15:30")),
        reason: "assumed substitute holiday for Constitution Day on Saturday 2027-07-17 (see krx-calendar.toml)",
    },
    Exception { date: "2027-11-18", ours: Some(("10:00", "16:30")), theirs: Some(("09:00", "15:30")), reason: CSAT },
];

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// `date -> (open, close)` from a reference CSV; `#` lines are provenance comments.
fn reference(csv: &'static str) -> BTreeMap<NaiveDate, (&'static str, &'static str)> {
    let mut lines = csv.lines().filter(|l| !l.starts_with('#'));
    assert_eq!(lines.next(), Some("date,open,close"));
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 3, "{line}");
            (date(fields[0]), (fields[1], fields[2]))
        })
        .collect()
}

fn compare(cal: &dyn TradingCalendar, csv: &'static str, from: &str, to: &str, exceptions: &[Exception]) {
    let theirs_all = reference(csv);
    let (from, to) = (date(from), date(to));
    let exceptions: BTreeMap<NaiveDate, &Exception> = exceptions.iter().map(|e| (date(e.date), e)).collect();
    let mut days = 0;
    let mut sessions = 0;
    for day in from.iter_days().take_while(|d| *d <= to) {
        let session = cal.session(day).unwrap();
        let ours_owned = session.map(|s| (s.open.format("%H:%M").to_string(), s.close.format("%H:%M").to_string()));
        let ours = ours_owned.as_ref().map(|(o, c)| (o.as_str(), c.as_str()));
        let theirs = theirs_all.get(&day).copied();
        match exceptions.get(&day) {
            Some(e) => {
                assert_eq!(ours, e.ours, "{day}: our side of the exception changed ({})", e.reason);
                assert_eq!(theirs, e.theirs, "{day}: reference side of the exception changed ({})", e.reason);
            }
            None => assert_eq!(ours, theirs, "{day}: ours vs exchange_calendars"),
        }
        days += 1;
        sessions += usize::from(session.is_some());
    }
    assert!(days > 365);
    assert_eq!(
        sessions,
        theirs_all.len() + exceptions.values().filter(|e| e.ours.is_some()).count()
            - exceptions.values().filter(|e| e.theirs.is_some()).count()
    );
}

#[test]
fn nyse_2024_2027_matches_exchange_calendars_exactly() {
    let cal = NyseCalendar::shipped().unwrap();
    compare(&cal, include_str!("data/xnys-2024-2027.csv"), "2024-01-01", "2027-12-31", &[]);
}

#[test]
fn nyse_2000_2023_matches_exchange_calendars_exactly() {
    // Backs first_year = 2000 in config/nyse-calendar.toml; includes 9/11, Sandy and the mourning days.
    let cal = NyseCalendar::shipped().unwrap();
    compare(&cal, include_str!("data/xnys-2000-2023.csv"), "2000-01-01", "2023-12-31", &[]);
}

#[test]
fn krx_2024_2027_matches_exchange_calendars_except_listed_days() {
    let cal = KrxCalendar::shipped().unwrap();
    compare(&cal, include_str!("data/xkrx-2024-2027.csv"), "2024-01-01", "2027-12-31", KRX_EXCEPTIONS);
}

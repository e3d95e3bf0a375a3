//! NYSE holidays and early closes by rule (NYSE Rule 7.2 and its published holiday schedule).

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::easter::easter_sunday;

/// The NYSE holiday observed on `date`, if any. Ad-hoc closures (mourning days, storms) are not rules and
/// live in the NYSE calendar table.
pub fn holiday(date: NaiveDate) -> Option<&'static str> {
    let year = date.year();
    let candidates = [
        (new_years_day(year), "New Year's Day"),
        (martin_luther_king_day(year), "Martin Luther King Jr. Day"),
        (nth_weekday(year, 2, Weekday::Mon, 3), "Washington's Birthday"),
        (good_friday(year), "Good Friday"),
        (last_weekday(year, 5, Weekday::Mon), "Memorial Day"),
        (juneteenth(year), "Juneteenth National Independence Day"),
        (fixed_observed(year, 7, 4), "Independence Day"),
        (nth_weekday(year, 9, Weekday::Mon, 1), "Labor Day"),
        (thanksgiving(year), "Thanksgiving Day"),
        (fixed_observed(year, 12, 25), "Christmas Day"),
    ];
    candidates.into_iter().find(|(observed, _)| *observed == Some(date)).map(|(_, name)| name)
}

/// Whether a trading day closes at 13:00 ET: the day before Independence Day when July 3 is a trading day,
/// the day after Thanksgiving, and Christmas Eve when it is a trading day. Only meaningful for trading days.
pub fn is_early_close(date: NaiveDate) -> bool {
    let (month, day) = (date.month(), date.day());
    (month == 7 && day == 3)
        || (month == 12 && day == 24)
        || thanksgiving(date.year()).and_then(|t| t.checked_add_days(Days::new(1))) == Some(date)
}

/// Saturday holidays move to Friday, Sunday holidays to Monday.
fn observed(date: NaiveDate) -> Option<NaiveDate> {
    match date.weekday() {
        Weekday::Sat => date.pred_opt(),
        Weekday::Sun => date.succ_opt(),
        _ => Some(date),
    }
}

fn fixed_observed(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    observed(NaiveDate::from_ymd_opt(year, month, day)?)
}

/// NYSE Rule 7.2 does not move a Saturday holiday to the preceding Friday when that Friday ends a monthly
/// or yearly accounting period, so a Saturday January 1 is not observed on December 31; only the Sunday
/// shift applies.
fn new_years_day(year: i32) -> Option<NaiveDate> {
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)?;
    match jan1.weekday() {
        Weekday::Sat => None,
        Weekday::Sun => jan1.succ_opt(),
        _ => Some(jan1),
    }
}

/// NYSE first closed for Martin Luther King Jr. Day in 1998.
fn martin_luther_king_day(year: i32) -> Option<NaiveDate> {
    (year >= 1998).then(|| nth_weekday(year, 1, Weekday::Mon, 3)).flatten()
}

/// Juneteenth became an NYSE holiday in 2022.
fn juneteenth(year: i32) -> Option<NaiveDate> {
    (year >= 2022).then(|| fixed_observed(year, 6, 19)).flatten()
}

fn good_friday(year: i32) -> Option<NaiveDate> {
    easter_sunday(year)?.checked_sub_days(Days::new(2))
}

fn thanksgiving(year: i32) -> Option<NaiveDate> {
    nth_weekday(year, 11, Weekday::Thu, 4)
}

fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

fn last_weekday(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    nth_weekday(year, month, weekday, 5).or_else(|| nth_weekday(year, month, weekday, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn holidays_of_2026_by_name() {
        let expected = [
            (date(2026, 1, 1), "New Year's Day"),
            (date(2026, 1, 19), "Martin Luther King Jr. Day"),
            (date(2026, 2, 16), "Washington's Birthday"),
            (date(2026, 4, 3), "Good Friday"),
            (date(2026, 5, 25), "Memorial Day"),
            (date(2026, 6, 19), "Juneteenth National Independence Day"),
            (date(2026, 7, 3), "Independence Day"),
            (date(2026, 9, 7), "Labor Day"),
            (date(2026, 11, 26), "Thanksgiving Day"),
            (date(2026, 12, 25), "Christmas Day"),
        ];
        for (d, name) in expected {
            assert_eq!(holiday(d), Some(name), "{d}");
        }
        let count =
            date(2026, 1, 1).iter_days().take_while(|d| d.year() == 2026).filter(|d| holiday(*d).is_some()).count();
        assert_eq!(count, expected.len());
    }

    #[test]
    fn new_year_on_saturday_is_not_observed_on_the_friday_before() {
        // 2022-01-01 was a Saturday; NYSE traded on 2021-12-31 and 2022-01-03.
        assert_eq!(holiday(date(2021, 12, 31)), None);
        assert_eq!(holiday(date(2022, 1, 3)), None);
        // 2028-01-01 is a Saturday too: 2027-12-31 trades.
        assert_eq!(holiday(date(2027, 12, 31)), None);
        // 2023-01-01 was a Sunday: observed Monday 2023-01-02.
        assert_eq!(holiday(date(2023, 1, 2)), Some("New Year's Day"));
    }

    #[test]
    fn saturday_and_sunday_observance() {
        assert_eq!(holiday(date(2027, 6, 18)), Some("Juneteenth National Independence Day")); // Sat -> Fri
        assert_eq!(holiday(date(2027, 7, 5)), Some("Independence Day")); // Sun -> Mon
        assert_eq!(holiday(date(2027, 12, 24)), Some("Christmas Day")); // Sat -> Fri
        assert_eq!(holiday(date(2022, 12, 26)), Some("Christmas Day")); // Sun -> Mon
    }

    #[test]
    fn rule_start_years() {
        assert_eq!(holiday(date(2021, 6, 18)), None); // Juneteenth first observed in 2022
        assert_eq!(holiday(date(2022, 6, 20)), Some("Juneteenth National Independence Day"));
        assert_eq!(holiday(date(1997, 1, 20)), None); // MLK first observed in 1998
        assert_eq!(holiday(date(1998, 1, 19)), Some("Martin Luther King Jr. Day"));
    }

    #[test]
    fn memorial_day_is_the_last_monday_with_four_or_five_mondays() {
        assert_eq!(holiday(date(2027, 5, 31)), Some("Memorial Day")); // five Mondays in May 2027
        assert_eq!(holiday(date(2026, 5, 25)), Some("Memorial Day")); // four Mondays in May 2026
    }

    #[test]
    fn early_close_days() {
        assert!(is_early_close(date(2025, 7, 3)));
        assert!(is_early_close(date(2026, 11, 27)));
        assert!(is_early_close(date(2026, 12, 24)));
        // With July 3 2026 a holiday, July 2 is a full day.
        assert!(!is_early_close(date(2026, 7, 2)));
        assert!(!is_early_close(date(2027, 12, 23)));
    }
}

//! Gregorian Easter Sunday, needed for NYSE's Good Friday.

use chrono::NaiveDate;

/// Easter Sunday by the anonymous Gregorian computus (Meeus/Jones/Butcher). `None` before 1583, when the
/// Gregorian calendar did not exist yet and the algorithm would give meaningless dates.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    if year < 1583 {
        return None;
    }
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn known_easter_dates() {
        // Published Western Easter dates, including the extremes of the March 22..April 25 window.
        let known = [
            (1818, date(1818, 3, 22)), // earliest possible
            (1943, date(1943, 4, 25)), // latest possible
            (2000, date(2000, 4, 23)),
            (2008, date(2008, 3, 23)),
            (2011, date(2011, 4, 24)),
            (2019, date(2019, 4, 21)),
            (2024, date(2024, 3, 31)),
            (2025, date(2025, 4, 20)),
            (2026, date(2026, 4, 5)),
            (2027, date(2027, 3, 28)),
            (2038, date(2038, 4, 25)),
            (2285, date(2285, 3, 22)),
        ];
        for (year, expected) in known {
            assert_eq!(easter_sunday(year), Some(expected), "{year}");
        }
    }

    #[test]
    fn always_a_sunday_in_the_window() {
        use chrono::{Datelike, Weekday};
        for year in 1583..=3000 {
            let e = easter_sunday(year).unwrap();
            assert_eq!(e.weekday(), Weekday::Sun, "{e}");
            assert!(e >= date(year, 3, 22) && e <= date(year, 4, 25), "{e}");
        }
    }

    #[test]
    fn no_answer_before_the_gregorian_calendar() {
        assert_eq!(easter_sunday(1582), None);
        assert_eq!(easter_sunday(-5), None);
    }
}

//! Korea Standard Time: the one place that turns a UTC instant into Korean wall time and back.
//!
//! Korea has kept UTC+9 without daylight saving since 1988, so a fixed offset is exact: every KST wall time
//! maps to exactly one instant, and the conversions below cannot fail. KIS stamps domestic orders, fills and
//! quotes in KST (`ord_dt`, `ord_tmd`, `stck_cntg_hour`), and the KRX trading day is a KST calendar day.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};

/// The offset of KST from UTC, in seconds.
pub const KST_OFFSET_SECS: i32 = 9 * 3600;
const SECS_PER_DAY: i64 = 86_400;

/// The KST offset, for formatting and for building KST wall times.
pub fn kst() -> FixedOffset {
    // 9 h is within the ±24 h a fixed offset allows; the fallback is unreachable.
    FixedOffset::east_opt(KST_OFFSET_SECS).unwrap_or(Utc.fix())
}

/// The KST wall time of a UTC instant.
pub fn kst_of(ts: DateTime<Utc>) -> DateTime<FixedOffset> {
    ts.with_timezone(&kst())
}

/// The KST calendar day of an instant: what `ord_dt` and the KRX trading day are counted in.
pub fn kst_date(ts: DateTime<Utc>) -> NaiveDate {
    kst_of(ts).date_naive()
}

/// The UTC instant of a KST wall-clock time (a fixed offset has exactly one).
pub fn kst_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    kst().from_local_datetime(&naive).single().map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

/// Days since 1970-01-01 in KST, as a plain number: a change of value is a new Korean calendar day. For the
/// per-event hot path (two integer operations, no calendar arithmetic); use [`kst_date`] for a date.
pub fn kst_day_number(ts: DateTime<Utc>) -> i64 {
    (ts.timestamp() + i64::from(KST_OFFSET_SECS)).div_euclid(SECS_PER_DAY)
}

/// Seconds since KST midnight, for the per-event hot path.
pub fn kst_seconds_of_day(ts: DateTime<Utc>) -> u32 {
    // rem_euclid keeps the result in 0..86_400, which fits u32.
    (ts.timestamp() + i64::from(KST_OFFSET_SECS)).rem_euclid(SECS_PER_DAY) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn kst_is_utc_plus_nine() {
        // 2026-03-02 00:30 UTC is 09:30 KST the same day; 15:10 UTC is 00:10 KST the next day.
        let a = t("2026-03-02T00:30:00Z");
        let b = t("2026-03-02T15:10:00Z");
        assert_eq!(kst_seconds_of_day(a), 9 * 3600 + 30 * 60);
        assert_eq!(kst_seconds_of_day(b), 10 * 60);
        assert_eq!(kst_day_number(b), kst_day_number(a) + 1);
        assert_eq!(kst_date(a), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(kst_date(b), NaiveDate::from_ymd_opt(2026, 3, 3).unwrap());
        assert_eq!(kst_of(b).format("%Y-%m-%d %H:%M").to_string(), "2026-03-03 00:10");
    }

    #[test]
    fn day_number_and_date_agree_around_midnight() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for s in ["2026-03-02T14:59:59Z", "2026-03-02T15:00:00Z", "1969-12-31T14:59:59Z", "1969-12-31T15:00:00Z"] {
            let ts = t(s);
            assert_eq!(kst_day_number(ts), (kst_date(ts) - epoch).num_days(), "{s}");
        }
    }

    #[test]
    fn instant_round_trips_wall_time() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let time = NaiveTime::from_hms_opt(0, 10, 0).unwrap();
        let at = kst_instant(date, time);
        assert_eq!(at, t("2026-03-02T15:10:00Z"));
        assert_eq!((kst_date(at), kst_of(at).time()), (date, time));
    }
}

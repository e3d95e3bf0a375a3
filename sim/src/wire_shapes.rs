//! Number formats on the wire, checked against KIS's captured frames: for every field both carry, the
//! simulator's value has the same shape (integer, or decimal with the same number of places) as KIS's.
//! Clients parse these with `int()`/`Decimal()` per field, so `"2079010.90"` where KIS sends `1198097` breaks
//! them (issue #10 item 6).

/// `int`, `dec<N>` (N places), `text`, or `empty`.
pub fn shape(value: &str) -> String {
    let v = value.strip_prefix('-').unwrap_or(value);
    if value.is_empty() {
        return "empty".into();
    }
    match v.split_once('.') {
        None if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => "int".into(),
        Some((i, f)) if !i.is_empty() && [i, f].iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) => {
            format!("dec{}", f.len())
        }
        _ => "text".into(),
    }
}

/// Fields (by index) whose shapes differ, for two `^`-separated records; empty fields on either side are
/// not compared (KIS leaves some blank by session).
pub fn shape_mismatches(kis: &str, ours: &str) -> Vec<(usize, String, String)> {
    kis.split('^')
        .zip(ours.split('^'))
        .enumerate()
        .filter(|(_, (k, o))| !k.is_empty() && !o.is_empty() && shape(k) != shape(o))
        .map(|(i, (k, o))| (i, k.to_string(), o.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::SymFeed;
    use chrono::{NaiveDate, NaiveTime, TimeZone};
    use kis_model::Symbol;
    use kis_protocol::ws::encode_records;

    const HDFSCNT0: &str = include_str!("../../testdata/kis-samples/captured_ws_HDFSCNT0_DNASAAPL_20241227.txt");
    const H0STCNT0: &str = include_str!("../../testdata/kis-samples/captured_ws_H0STCNT0_005930_20260724.txt");

    fn first_record(capture: &str) -> &str {
        let line = capture.lines().find(|l| l.starts_with("0|")).unwrap_or("");
        line.splitn(4, '|').nth(3).unwrap_or("")
    }

    fn traded(symbol: Symbol, prev: i64, px: i64) -> SymFeed {
        let mut f = SymFeed::new(symbol, prev, 1_000_000);
        (f.open, f.high, f.low, f.last) = (px, px + 7, px - 9, px);
        (f.cum_vol, f.cum_value) = (4_629, i128::from(px) * 4_629 + 37);
        (f.buy_vol, f.sell_vol, f.buy_count, f.sell_count) = (2_222, 680, 9, 4);
        f.best = (px + 1, 20, px - 1, 200);
        f.totals = (5_000, 6_000);
        let t = NaiveTime::from_hms_opt(11, 52, 14).unwrap_or_default();
        (f.open_hour, f.high_hour, f.low_hour) = (Some(t), Some(t), Some(t));
        f
    }

    #[test]
    fn shapes_classify() {
        assert_eq!(shape("1198097"), "int");
        assert_eq!(shape("-0.14"), "dec2");
        assert_eq!(shape("258.6000"), "dec4");
        assert_eq!(shape("N"), "text");
        assert_eq!(shape(""), "empty");
        assert_eq!(shape("1.2.3"), "text");
    }

    #[test]
    fn hdfscnt0_numbers_are_formatted_like_kis() {
        let f = traded(Symbol::parse("NASDAQ:AAPL").unwrap_or_else(|e| panic!("{e}")), 25_860, 25_902);
        let ny = chrono_tz::America::New_York.with_ymd_and_hms(2024, 12, 27, 7, 2, 29).unwrap();
        let kst = kis_model::kst::kst().with_ymd_and_hms(2024, 12, 27, 21, 2, 29).unwrap();
        let frame = encode_records(&[f.hdfscnt0(10, ny, kst)]).unwrap_or_default();
        let ours = frame.splitn(4, '|').nth(3).unwrap_or("").to_string();
        let bad = shape_mismatches(first_record(HDFSCNT0), &ours);
        assert!(bad.is_empty(), "fields shaped unlike KIS's (index, KIS, ours): {bad:?}");
    }

    #[test]
    fn h0stcnt0_numbers_are_formatted_like_kis() {
        let f = traded(Symbol::parse("005930").unwrap_or_else(|e| panic!("{e}")), 270_000, 250_500);
        let date = NaiveDate::from_ymd_opt(2026, 7, 24).unwrap_or_default();
        let time = NaiveTime::from_hms_opt(11, 52, 14).unwrap_or_default();
        let frame = encode_records(&[f.h0stcnt0(20, false, time, date)]).unwrap_or_default();
        let ours = frame.splitn(4, '|').nth(3).unwrap_or("").to_string();
        let bad = shape_mismatches(first_record(H0STCNT0), &ours);
        assert!(bad.is_empty(), "fields shaped unlike KIS's (index, KIS, ours): {bad:?}");
    }
}

//! Properties that must hold at any instant in the covered years, for both markets.

use chrono::{DateTime, Utc};
use kis_calendar::{KrxCalendar, NyseCalendar, TradingCalendar};
use proptest::prelude::*;

// 2024-01-02T00:00Z .. 2027-12-01T00:00Z, so that the day before (checked below) and a next open and close
// always lie inside the tables (KRX starts on 2024-01-01 local time).
const FROM: i64 = 1_704_153_600;
const TO: i64 = 1_827_619_200;

fn check(cal: &dyn TradingCalendar, at: DateTime<Utc>) -> Result<(), TestCaseError> {
    let open = cal.is_open_at(at).unwrap();
    let next_open = cal.next_open(at).unwrap();
    let next_close = cal.next_close(at).unwrap();
    prop_assert!(next_open > at && next_close > at);
    prop_assert!(cal.is_open_at(next_open).unwrap(), "market must be open at its next open");
    prop_assert!(!cal.is_open_at(next_close).unwrap(), "market must be closed at its next close");
    // While open, the close comes before the next open; while closed, the open comes first.
    prop_assert_eq!(open, next_close < next_open);
    let local_date = at.with_timezone(&cal.market().tz()).date_naive();
    let contained = cal
        .sessions(local_date.pred_opt().unwrap(), local_date.succ_opt().unwrap())
        .unwrap()
        .iter()
        .any(|s| s.contains(at));
    prop_assert_eq!(open, contained);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn krx_queries_agree(secs in FROM..TO, nanos in 0u32..1_000_000_000) {
        let at = DateTime::from_timestamp(secs, nanos).unwrap();
        check(&KrxCalendar::shipped().unwrap(), at)?;
    }

    #[test]
    fn nyse_queries_agree(secs in FROM..TO, nanos in 0u32..1_000_000_000) {
        let at = DateTime::from_timestamp(secs, nanos).unwrap();
        check(&NyseCalendar::shipped().unwrap(), at)?;
    }

    #[test]
    fn random_text_is_refused_without_panicking(text in "\\PC{0,200}") {
        prop_assert!(KrxCalendar::from_toml(&text).is_err());
        prop_assert!(NyseCalendar::from_toml(&text).is_err());
    }

    #[test]
    fn a_truncated_table_loads_fully_or_fails_cleanly(cut in 0usize..kis_calendar::KRX_SHIPPED_TABLE.len()) {
        let text = kis_calendar::KRX_SHIPPED_TABLE;
        let cut = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        if let Ok(cal) = KrxCalendar::from_toml(&text[..cut]) {
            // Whatever prefix parses still refuses years it does not cover.
            prop_assert_eq!(cal.covered_years(), 2024..=2027);
            prop_assert!(cal.session(chrono::NaiveDate::from_ymd_opt(2028, 1, 3).unwrap()).is_err());
        }
    }
}

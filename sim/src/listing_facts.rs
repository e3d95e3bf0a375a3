//! What KIS's quote replies say about a listing beyond today's prices — fundamentals, sector, price ranges
//! over 52 weeks / 250 days / the year, the previous day's volume — derived for the synthetic universe.
//! Fundamentals are a fixed function of the code (so a listing keeps them all day and across restarts)
//! scaled to its base price, so PER and PBR stay consistent with price and market value.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kis_model::Bar;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use kis_model::kst::kst_of;

/// KRX sector names as KIS spells them in `bstp_kor_isnm`.
const SECTORS: &[&str] = &["전기.전자", "화학", "서비스업", "운수장비", "의약품", "금융업", "철강금속", "유통업"];

/// A listing's reference data (won, shares).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fundamentals {
    pub eps: i64,
    pub bps: i64,
    /// Par value per share.
    pub par: i64,
    pub sector: &'static str,
    /// Foreign ownership, hundredths of a percent.
    pub foreign_bp: i64,
}

fn code_hash(code: &str) -> u64 {
    code.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Deterministic per code: PER between 6 and 30, PBR between 0.5 and 3.0 at the base price.
pub fn fundamentals(code: &str, base_price: i64) -> Fundamentals {
    let h = code_hash(code);
    let per_x100 = 600 + i64::try_from(h % 2_400).unwrap_or(0);
    let pbr_x100 = 50 + i64::try_from((h >> 16) % 250).unwrap_or(0);
    let par = [100, 500, 1_000, 5_000][usize::try_from((h >> 32) % 4).unwrap_or(0)];
    Fundamentals {
        eps: (base_price * 100 / per_x100).max(1),
        bps: (base_price * 100 / pbr_x100).max(1),
        par,
        sector: SECTORS[usize::try_from((h >> 40) % SECTORS.len() as u64).unwrap_or(0)],
        foreign_bp: i64::try_from((h >> 48) % 5_000).unwrap_or(0),
    }
}

/// `a / b` with two decimals (`"0.00"` when `b` is 0), as KIS writes rates.
pub fn ratio2(a: i64, b: i64) -> String {
    if b == 0 {
        return "0.00".into();
    }
    format!("{:.2}", (Decimal::from(a) / Decimal::from(b)).round_dp(2))
}

/// `(a − b) / b` in percent with two decimals.
pub fn pct2(a: i64, b: i64) -> String {
    ratio2((a - b) * 100, b)
}

/// The high and low (won) with their dates over bars since `from`, today's range included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub high: i64,
    pub high_date: NaiveDate,
    pub low: i64,
    pub low_date: NaiveDate,
}

fn won(p: kis_model::Price) -> i64 {
    p.value().trunc().to_i64().unwrap_or(0)
}

/// Range over `bars` (oldest first) from `from` on; `None` without bars.
pub fn range<'a>(bars: impl IntoIterator<Item = &'a Bar>, from: DateTime<Utc>) -> Option<Range> {
    let mut r: Option<Range> = None;
    for b in bars.into_iter().filter(|b| b.ts >= from) {
        let d = kst_of(b.ts).date_naive();
        let (h, l) = (won(b.high), won(b.low));
        match &mut r {
            None => r = Some(Range { high: h, high_date: d, low: l, low_date: d }),
            Some(r) => {
                if h > r.high {
                    (r.high, r.high_date) = (h, d);
                }
                if l < r.low {
                    (r.low, r.low_date) = (l, d);
                }
            }
        }
    }
    r
}

/// Start of the KST calendar year of `now`.
pub fn year_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let k = kst_of(now);
    NaiveDate::from_ymd_opt(k.year(), 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| t.and_local_timezone(kis_model::kst::kst()).single())
        .map_or(now, |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_model::grouping::group_thousands;

    #[test]
    fn fundamentals_are_stable_and_consistent_with_price() {
        let f = fundamentals("005930", 70_000);
        assert_eq!(f, fundamentals("005930", 70_000));
        let per = 70_000.0 / f.eps as f64;
        let pbr = 70_000.0 / f.bps as f64;
        assert!((6.0..=30.1).contains(&per) && (0.5..=3.01).contains(&pbr), "{per} {pbr}");
        assert!(SECTORS.contains(&f.sector));
    }

    #[test]
    fn number_texts_as_kis_writes_them() {
        assert_eq!(ratio2(3, 2), "1.50");
        assert_eq!(ratio2(4, 2), "2.00");
        assert_eq!(ratio2(1, 0), "0.00");
        assert_eq!(pct2(90, 100), "-10.00");
        assert_eq!(group_thousands(&36_576.to_string()), "36,576");
        assert_eq!(group_thousands(&5_000.to_string()), "5,000");
        assert_eq!(group_thousands(&999.to_string()), "999");
    }
}

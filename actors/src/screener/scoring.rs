//! Which candidates qualify (hard filters) and how good each one is (a 0–100 score). Pure: no I/O, no clock.
//!
//! Filters compare in `Decimal` against the configured thresholds, so a value exactly at a threshold passes
//! (the config says "at least" / "at most"). The score is ranking math, not money, so it is `f64`.
//!
//! # Score
//!
//! `score = 40·v + 35·r + 25·m`, each component clamped to `[0, 1]`:
//!
//! - `v` (liquidity) = `log10(volume / max(min_volume, 1)) / 2`: 0 at the minimum volume, 1 at a hundred
//!   times it. Logarithmic because volumes span orders of magnitude and the difference between 10 M and
//!   20 M shares matters less than between 100 k and 200 k.
//! - `r` (room to move) = `range% / 10`: the day's (high − low) / previous close; a 10 % range scores full.
//! - `m` (momentum) = `change% / 10`: the rise against the previous close; 10 % scores full, a fall scores 0
//!   (the daemon's strategies buy; a falling name can still enter on volume and range).
//!
//! Absolute scales rather than percentiles of the current candidates: a member's score must not jump
//! because other names entered or left the poll (the universe fallback sees a different slice every poll),
//! or the watchlist's hysteresis would be fighting noise the formula made up.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use kis_model::Symbol;

/// Weight of each component; they sum to 100.
pub const VOLUME_WEIGHT: f64 = 40.0;
pub const RANGE_WEIGHT: f64 = 35.0;
pub const MOMENTUM_WEIGHT: f64 = 25.0;
/// Decades of volume above the minimum that earn the full volume component.
pub const VOLUME_FULL_DECADES: f64 = 2.0;
/// Daily range (percent of the previous close) that earns the full range component.
pub const RANGE_FULL_PCT: f64 = 10.0;
/// Rise (percent over the previous close) that earns the full momentum component.
pub const MOMENTUM_FULL_PCT: f64 = 10.0;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// The hard limits a candidate must meet (from `[screener]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    pub min_volume: u64,
    pub min_range_pct: Decimal,
    /// Applied only when the spread is known (a book in the market cache).
    pub max_spread_pct: Decimal,
    pub min_market_cap_krw: Decimal,
}

/// What one poll knows about one domestic symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub symbol: Symbol,
    pub name: String,
    pub last: Decimal,
    pub prev_close: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    /// Shares traded today.
    pub volume: u64,
    pub market_cap_krw: Option<Decimal>,
    /// (ask − bid) / bid in percent, from the latest book when one is cached.
    pub spread_pct: Option<Decimal>,
}

impl Candidate {
    /// (high − low) / previous close, in percent; `None` without a usable previous close.
    pub fn range_pct(&self) -> Option<Decimal> {
        if self.prev_close <= Decimal::ZERO {
            return None;
        }
        (self.high - self.low).checked_mul(HUNDRED)?.checked_div(self.prev_close)
    }

    /// (last − previous close) / previous close, in percent.
    pub fn change_pct(&self) -> Option<Decimal> {
        if self.prev_close <= Decimal::ZERO {
            return None;
        }
        (self.last - self.prev_close).checked_mul(HUNDRED)?.checked_div(self.prev_close)
    }
}

/// Why a candidate does not qualify. Each names the measured value and the limit it missed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{symbol}: unusable quote ({problem})")]
    BadQuote { symbol: Symbol, problem: &'static str },
    #[error("{symbol}: volume {volume} below {min}")]
    Volume { symbol: Symbol, volume: u64, min: u64 },
    #[error("{symbol}: daily range {range_pct}% below {min}%")]
    Range { symbol: Symbol, range_pct: Decimal, min: Decimal },
    #[error("{symbol}: spread {spread_pct}% above {max}%")]
    Spread { symbol: Symbol, spread_pct: Decimal, max: Decimal },
    /// A tiny cap moves on one order; an unknown cap is not taken on trust.
    #[error("{symbol}: market capitalisation unknown (minimum {min} KRW)")]
    MarketCapUnknown { symbol: Symbol, min: Decimal },
    #[error("{symbol}: market capitalisation {cap} KRW below {min} KRW")]
    MarketCap { symbol: Symbol, cap: Decimal, min: Decimal },
}

impl Refusal {
    pub fn symbol(&self) -> Symbol {
        match self {
            Refusal::BadQuote { symbol, .. }
            | Refusal::Volume { symbol, .. }
            | Refusal::Range { symbol, .. }
            | Refusal::Spread { symbol, .. }
            | Refusal::MarketCapUnknown { symbol, .. }
            | Refusal::MarketCap { symbol, .. } => *symbol,
        }
    }
}

/// A candidate that passed every filter, with its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub symbol: Symbol,
    pub score: f64,
    /// Breaks score ties (the more liquid name wins).
    pub volume: u64,
}

/// Checks every filter in a fixed order (quote sanity, volume, range, spread, market cap) and returns the first
/// refusal.
pub fn check(c: &Candidate, f: &Filters) -> Result<(), Refusal> {
    let symbol = c.symbol;
    let bad = |problem| Err(Refusal::BadQuote { symbol, problem });
    if c.prev_close <= Decimal::ZERO {
        return bad("no previous close");
    }
    if c.last <= Decimal::ZERO {
        return bad("no last price");
    }
    if c.high < c.low || c.low < Decimal::ZERO {
        return bad("daily high below low");
    }
    if c.volume < f.min_volume {
        return Err(Refusal::Volume { symbol, volume: c.volume, min: f.min_volume });
    }
    let Some(range_pct) = c.range_pct() else { return bad("range out of range") };
    if range_pct < f.min_range_pct {
        return Err(Refusal::Range { symbol, range_pct, min: f.min_range_pct });
    }
    if let Some(spread_pct) = c.spread_pct
        && spread_pct > f.max_spread_pct
    {
        return Err(Refusal::Spread { symbol, spread_pct, max: f.max_spread_pct });
    }
    if f.min_market_cap_krw > Decimal::ZERO {
        match c.market_cap_krw {
            None => return Err(Refusal::MarketCapUnknown { symbol, min: f.min_market_cap_krw }),
            Some(cap) if cap < f.min_market_cap_krw => {
                return Err(Refusal::MarketCap { symbol, cap, min: f.min_market_cap_krw });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn unit(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

/// The 0–100 score of the module docs. Meaningful for candidates that passed [`check`]; anything unusable
/// counts as zero in its component.
pub fn score(c: &Candidate, f: &Filters) -> f64 {
    let floor = f.min_volume.max(1) as f64;
    let v = unit((c.volume as f64 / floor).log10() / VOLUME_FULL_DECADES);
    let pct = |d: Option<Decimal>| d.and_then(|d| d.to_f64()).unwrap_or(0.0);
    let r = unit(pct(c.range_pct()) / RANGE_FULL_PCT);
    let m = unit(pct(c.change_pct()) / MOMENTUM_FULL_PCT);
    VOLUME_WEIGHT * v + RANGE_WEIGHT * r + MOMENTUM_WEIGHT * m
}

/// Filters and scores a poll's candidates: the qualifying ones (in input order) and the refusals.
pub fn evaluate(candidates: &[Candidate], f: &Filters) -> (Vec<Scored>, Vec<Refusal>) {
    let mut passed = Vec::new();
    let mut refused = Vec::new();
    for c in candidates {
        match check(c, f) {
            Ok(()) => passed.push(Scored { symbol: c.symbol, score: score(c, f), volume: c.volume }),
            Err(r) => refused.push(r),
        }
    }
    (passed, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn filters() -> Filters {
        Filters {
            min_volume: 100_000,
            min_range_pct: dec!(2),
            max_spread_pct: dec!(0.3),
            min_market_cap_krw: dec!(100_000_000_000),
        }
    }

    fn sym(code: &str) -> Symbol {
        Symbol::krx(code).unwrap()
    }

    /// Volume 1 M (one decade over the minimum), range 6 %, up 3 %, cap 500 bn, spread 0.1 %.
    fn good() -> Candidate {
        Candidate {
            symbol: sym("005930"),
            name: "Samsung".into(),
            last: dec!(10300),
            prev_close: dec!(10000),
            high: dec!(10500),
            low: dec!(9900),
            volume: 1_000_000,
            market_cap_krw: Some(dec!(500_000_000_000)),
            spread_pct: Some(dec!(0.1)),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn derived_percentages() {
        let c = good();
        assert_eq!(c.range_pct(), Some(dec!(6)));
        assert_eq!(c.change_pct(), Some(dec!(3)));
        assert_eq!(Candidate { prev_close: dec!(0), ..good() }.range_pct(), None);
        assert_eq!(Candidate { prev_close: dec!(-1), ..good() }.change_pct(), None);
    }

    #[test]
    fn score_by_hand() {
        // v = log10(10)/2 = 0.5 → 20; r = 6/10 → 21; m = 3/10 → 7.5.
        assert!(close(score(&good(), &filters()), 48.5), "{}", score(&good(), &filters()));
        // At every minimum and flat: v = 0, r = 2/10 → 7, m = 0.
        let minimal = Candidate { volume: 100_000, high: dec!(10100), low: dec!(9900), last: dec!(10000), ..good() };
        assert!(close(score(&minimal, &filters()), 7.0));
        // A fall earns no momentum: v 0.5 → 20, r 6/10 → 21.
        let falling = Candidate { last: dec!(9950), ..good() };
        assert!(close(score(&falling, &filters()), 41.0));
        // Everything saturates at 100: 10 M+ shares, 15 % range, +12 %.
        let hot = Candidate { volume: 50_000_000, last: dec!(11200), high: dec!(11300), low: dec!(9800), ..good() };
        assert!(close(score(&hot, &filters()), 100.0));
        // Volume 316,228 ≈ 10^0.5 × minimum: v = 0.25 → 10.
        let quarter = Candidate { volume: 316_228, ..good() };
        assert!((score(&quarter, &filters()) - 38.5).abs() < 1e-4);
        // min_volume 0 uses a one-share floor: 100 shares = 2 decades → 40.
        let f0 = Filters { min_volume: 0, ..filters() };
        assert!(close(score(&Candidate { volume: 100, ..good() }, &f0), 68.5));
        // Below the floor (only reachable without check) clamps to zero, not negative.
        assert!(close(score(&Candidate { volume: 0, ..good() }, &filters()), 28.5));
    }

    #[test]
    fn good_candidate_passes_and_limits_are_inclusive() {
        assert_eq!(check(&good(), &filters()), Ok(()));
        let at_limits = Candidate {
            volume: 100_000,
            high: dec!(10100),
            low: dec!(9900),
            spread_pct: Some(dec!(0.3)),
            market_cap_krw: Some(dec!(100_000_000_000)),
            ..good()
        };
        assert_eq!(check(&at_limits, &filters()), Ok(()));
        // Unknown spread is not a refusal: most names have no book in the cache.
        assert_eq!(check(&Candidate { spread_pct: None, ..good() }, &filters()), Ok(()));
        // No minimum cap: an unknown cap passes.
        let f = Filters { min_market_cap_krw: dec!(0), ..filters() };
        assert_eq!(check(&Candidate { market_cap_krw: None, ..good() }, &f), Ok(()));
    }

    #[test]
    fn every_refusal() {
        let f = filters();
        let s = sym("005930");
        let cases = [
            (
                Candidate { prev_close: dec!(0), ..good() },
                Refusal::BadQuote { symbol: s, problem: "no previous close" },
            ),
            (Candidate { last: dec!(0), ..good() }, Refusal::BadQuote { symbol: s, problem: "no last price" }),
            (
                Candidate { high: dec!(9000), ..good() },
                Refusal::BadQuote { symbol: s, problem: "daily high below low" },
            ),
            (Candidate { volume: 99_999, ..good() }, Refusal::Volume { symbol: s, volume: 99_999, min: 100_000 }),
            (
                Candidate { high: dec!(10099), low: dec!(9900), ..good() },
                Refusal::Range { symbol: s, range_pct: dec!(1.99), min: dec!(2) },
            ),
            (
                Candidate { spread_pct: Some(dec!(0.31)), ..good() },
                Refusal::Spread { symbol: s, spread_pct: dec!(0.31), max: dec!(0.3) },
            ),
            (
                Candidate { market_cap_krw: None, ..good() },
                Refusal::MarketCapUnknown { symbol: s, min: dec!(100_000_000_000) },
            ),
            (
                Candidate { market_cap_krw: Some(dec!(99_999_999_999)), ..good() },
                Refusal::MarketCap { symbol: s, cap: dec!(99_999_999_999), min: dec!(100_000_000_000) },
            ),
        ];
        for (c, want) in cases {
            assert_eq!(check(&c, &f), Err(want.clone()));
            assert_eq!(want.symbol(), s);
        }
        // Messages name the value and the limit.
        let msg = check(&Candidate { volume: 5, ..good() }, &f).unwrap_err().to_string();
        assert_eq!(msg, "005930: volume 5 below 100000");
        // The first failing filter is reported.
        let both = Candidate { volume: 5, spread_pct: Some(dec!(9)), ..good() };
        assert!(matches!(check(&both, &f), Err(Refusal::Volume { .. })));
    }

    #[test]
    fn evaluate_splits_in_input_order() {
        let a = good();
        let b = Candidate { symbol: sym("000660"), volume: 10, ..good() };
        let c = Candidate { symbol: sym("035420"), volume: 10_000_000, ..good() };
        let (passed, refused) = evaluate(&[a, b, c], &filters());
        assert_eq!(passed.iter().map(|s| s.symbol).collect::<Vec<_>>(), vec![sym("005930"), sym("035420")]);
        assert!(close(passed[1].score, 40.0 + 21.0 + 7.5));
        assert_eq!(passed[1].volume, 10_000_000);
        assert_eq!(refused, vec![Refusal::Volume { symbol: sym("000660"), volume: 10, min: 100_000 }]);
    }
}

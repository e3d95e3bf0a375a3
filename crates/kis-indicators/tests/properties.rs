//! Properties that must hold for any input, checked with proptest.

use kis_indicators::{
    Aggressor, Atr, Bar, Bollinger, Ema, InputError, Macd, ParamError, RollingTradeStrength, Rsi, Sma, StandardSet,
    TradeStrength, VolumeSurge, Vwap,
};
use proptest::prelude::*;

fn prices() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(1.0f64..1_000_000.0, 0..300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sma_equals_naive_window_mean(xs in prices(), period in 1usize..40) {
        let mut sma = Sma::new(period).unwrap();
        for (i, &x) in xs.iter().enumerate() {
            let got = sma.update(x).unwrap();
            if i + 1 < period {
                prop_assert_eq!(got, None);
            } else {
                let window = &xs[i + 1 - period..=i];
                let naive = window.iter().sum::<f64>() / period as f64;
                let got = got.unwrap();
                prop_assert!((got - naive).abs() <= 1e-9 * naive.abs(), "{} vs {}", got, naive);
            }
        }
    }

    #[test]
    fn rsi_stays_within_0_and_100(xs in prop::collection::vec(-1e6f64..1e6, 0..300), period in 1usize..30) {
        let mut rsi = Rsi::new(period).unwrap();
        for (i, &x) in xs.iter().enumerate() {
            match rsi.update(x).unwrap() {
                Some(v) => {
                    prop_assert!(i >= period);
                    prop_assert!((0.0..=100.0).contains(&v), "rsi {}", v);
                }
                None => prop_assert!(i < period),
            }
        }
    }

    #[test]
    fn bollinger_matches_naive_population_std(xs in prices(), period in 1usize..30) {
        let mut bb = Bollinger::new(period, 2.0).unwrap();
        for (i, &x) in xs.iter().enumerate() {
            let Some(out) = bb.update(x).unwrap() else { continue };
            let window = &xs[i + 1 - period..=i];
            let mean = window.iter().sum::<f64>() / period as f64;
            let var = window.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / period as f64;
            let width = (out.upper - out.middle) / 2.0;
            prop_assert!(out.lower <= out.middle && out.middle <= out.upper);
            // σ from sums is accurate to ~1e-8 of the price level, the scale of its rounding noise.
            prop_assert!((width - var.sqrt()).abs() <= 1e-6 * mean.abs().max(1.0), "{} vs {}", width, var.sqrt());
        }
    }

    #[test]
    fn no_panic_and_finite_output_on_any_accepted_input(
        xs in prop::collection::vec(-1e100f64..1e100, 0..200),
    ) {
        let mut set = StandardSet::new();
        let mut atr = Atr::new(3).unwrap();
        let mut ema = Ema::new(3).unwrap();
        let mut macd = Macd::new(2, 5, 3).unwrap();
        let mut bb = Bollinger::new(4, 2.0).unwrap();
        for w in xs.windows(2) {
            let (a, b) = (w[0], w[1]);
            let bar = Bar { open: a, high: a.max(b), low: a.min(b), close: b, volume: a.abs() };
            let row = set.update(&bar).unwrap();
            for v in row.values().into_iter().flatten() {
                prop_assert!(!v.is_nan(), "NaN in {:?}", row);
            }
            if let Some(v) = atr.update(bar.high, bar.low, bar.close).unwrap() { prop_assert!(v.is_finite()); }
            if let Some(v) = ema.update(a).unwrap() { prop_assert!(v.is_finite()); }
            if let Some(m) = macd.update(a).unwrap() { prop_assert!(m.macd.is_finite() && m.signal.is_finite()); }
            if let Some(o) = bb.update(a).unwrap() { prop_assert!(o.upper.is_finite() && o.lower.is_finite()); }
        }
    }

    #[test]
    fn rolling_trade_strength_equals_naive_ratio(
        trades in prop::collection::vec((any::<bool>(), 0u64..10_000), 0..200),
        window in 1usize..20,
    ) {
        let mut rolling = RollingTradeStrength::new(window).unwrap();
        for (i, &(buy, qty)) in trades.iter().enumerate() {
            let side = if buy { Aggressor::Buy } else { Aggressor::Sell };
            let got = rolling.update(side, qty);
            if i + 1 < window {
                prop_assert_eq!(got, None);
                continue;
            }
            let recent = &trades[i + 1 - window..=i];
            let b: u64 = recent.iter().filter(|t| t.0).map(|t| t.1).sum();
            let s: u64 = recent.iter().filter(|t| !t.0).map(|t| t.1).sum();
            let want = (s > 0).then(|| b as f64 / s as f64 * 100.0);
            prop_assert_eq!(got, want);
        }
    }
}

#[test]
fn bad_parameters_are_refused_with_a_clear_error() {
    let err = Sma::new(0).unwrap_err();
    assert_eq!(err.to_string(), "SMA: period must be between 1 and 100000, got 0");
    assert!(Ema::new(100_001).is_err());
    assert!(Rsi::new(0).is_err());
    assert!(Atr::new(0).is_err());
    assert!(VolumeSurge::new(0).is_err());
    assert!(RollingTradeStrength::new(0).is_err());
    assert_eq!(Macd::new(26, 12, 9).unwrap_err(), ParamError::FastNotShorter { indicator: "MACD", fast: 26, slow: 12 });
    assert!(Macd::new(12, 26, 0).is_err());
    assert!(Bollinger::new(20, f64::NAN).is_err());
    assert!(Bollinger::new(20, -1.0).is_err());
}

#[test]
fn non_finite_input_is_refused_and_leaves_state_untouched() {
    let mut sma = Sma::new(2).unwrap();
    assert_eq!(sma.update(1.0), Ok(None));
    let err = sma.update(f64::NAN).unwrap_err();
    assert!(matches!(err, InputError::NotFinite { field: "value", .. }));
    assert!(matches!(sma.update(f64::INFINITY), Err(InputError::NotFinite { .. })));
    assert!(matches!(sma.update(1e101), Err(InputError::TooLarge { .. })));
    assert_eq!(sma.update(3.0), Ok(Some(2.0)));

    let mut set = StandardSet::new();
    let good = Bar { open: 10.0, high: 11.0, low: 9.0, close: 10.0, volume: 100.0 };
    set.update(&good).unwrap();
    let before = set.value();
    let err = set.update(&Bar { volume: -5.0, ..good }).unwrap_err();
    assert_eq!(err.field(), "volume");
    assert_eq!(err.to_string(), "volume must not be negative, got -5");
    assert_eq!(set.value(), before);
    let err = set.update(&Bar { close: f64::NAN, ..good }).unwrap_err();
    assert_eq!(err.field(), "close");
    // The refused bars did not count: the VWAP is still that of the single good bar.
    assert_eq!(set.update(&good).unwrap().vwap, Some(10.0));
}

#[test]
fn reset_returns_to_a_fresh_state() {
    let xs = [5.0, 6.0, 4.0, 7.0, 7.5, 6.5, 8.0];
    let mut rsi = Rsi::new(3).unwrap();
    let first: Vec<_> = xs.iter().map(|&x| rsi.update(x).unwrap()).collect();
    rsi.reset();
    assert_eq!(rsi.value(), None);
    let second: Vec<_> = xs.iter().map(|&x| rsi.update(x).unwrap()).collect();
    assert_eq!(first, second);

    let mut macd = Macd::new(2, 3, 2).unwrap();
    let a: Vec<_> = xs.iter().map(|&x| macd.update(x).unwrap()).collect();
    macd.reset();
    let b: Vec<_> = xs.iter().map(|&x| macd.update(x).unwrap()).collect();
    assert_eq!(a, b);
    // Fast 2 / slow 3 / signal 2: the slow EMA seeds at index 2, the signal one bar later.
    assert_eq!(a.iter().position(Option::is_some), Some(3));
}

#[test]
fn rsi_is_zero_for_a_series_that_never_moves() {
    let mut rsi = Rsi::new(3).unwrap();
    let out: Vec<_> = [4.0; 6].iter().map(|&x| rsi.update(x).unwrap()).collect();
    assert_eq!(out, vec![None, None, None, Some(0.0), Some(0.0), Some(0.0)]);
}

#[test]
fn trade_strength_follows_kis_cttr() {
    // Values from a captured H0STCNT0 record: SELN_CNTG_SMTN 7129195, SHNU_CNTG_SMTN 4313943, CTTR 60.51.
    let mut ts = TradeStrength::new();
    assert_eq!(ts.update(Aggressor::Buy, 4_313_943), None, "no sell volume yet");
    assert_eq!(ts.buy_volume(), 4_313_943);
    let v = ts.update(Aggressor::Sell, 7_129_195).unwrap();
    assert_eq!((v * 100.0).round() / 100.0, 60.51);
    ts.reset();
    assert_eq!(ts.value(), None);
    assert_eq!(ts.update(Aggressor::Sell, 200), Some(0.0));
    assert_eq!(ts.update(Aggressor::Buy, 300), Some(150.0));
}

#[test]
fn volume_surge_compares_with_the_previous_bars_only() {
    let mut surge = VolumeSurge::new(3).unwrap();
    assert_eq!(surge.update(100), None);
    assert_eq!(surge.update(200), None);
    assert_eq!(surge.update(300), None);
    assert_eq!(surge.update(800), Some(4.0)); // mean of 100, 200, 300 is 200
    assert_eq!(surge.update(0), Some(0.0)); // baseline 200, 300, 800
    let mut idle = VolumeSurge::new(2).unwrap();
    idle.update(0);
    idle.update(0);
    assert_eq!(idle.update(50), None, "a zero baseline has no ratio");
}

#[test]
fn vwap_mixes_ticks_and_waits_for_volume() {
    let mut vwap = Vwap::new();
    assert_eq!(vwap.update_tick(100.0, 0.0), Ok(None));
    assert_eq!(vwap.update_tick(100.0, 10.0), Ok(Some(100.0)));
    assert_eq!(vwap.update_tick(110.0, 30.0), Ok(Some(107.5)));
    assert_eq!(vwap.update_bar(12.0, 9.0, 9.0, 0.0), Ok(Some(107.5)));
    assert!(vwap.update_tick(100.0, -1.0).is_err());
    vwap.reset();
    assert_eq!(vwap.value(), None);
    assert_eq!(vwap.update_bar(12.0, 9.0, 9.0, 5.0), Ok(Some(10.0)));
}

//! Every indicator against TA-Lib's own output on the committed series (see tools/gen_vectors.py).
//! Required: `None` exactly where TA-Lib gives NaN, and relative error <= 1e-9 (absolute 1e-12
//! near zero) everywhere else.

use kis_indicators::{Atr, Bar, Bollinger, Ema, Macd, Rsi, Sma, StandardSet, Vwap};

const BARS: &str = include_str!("data/bars.csv");
const TALIB: &str = include_str!("data/talib.csv");

fn bars() -> Vec<Bar> {
    let mut lines = BARS.lines();
    assert_eq!(lines.next(), Some("ts,open,high,low,close,volume"));
    lines
        .map(|line| {
            let f: Vec<f64> =
                line.split(',').skip(1).map(|v| v.parse().expect("committed bars.csv holds numbers")).collect();
            Bar { open: f[0], high: f[1], low: f[2], close: f[3], volume: f[4] }
        })
        .collect()
}

/// The TA-Lib column `name`, NaN as `None`.
fn expected(name: &str) -> Vec<Option<f64>> {
    let mut lines = TALIB.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name} in talib.csv"));
    lines
        .map(|line| {
            let v: f64 = line.split(',').nth(col).expect("cell").parse().expect("number");
            (!v.is_nan()).then_some(v)
        })
        .collect()
}

fn assert_matches(name: &str, got: &[Option<f64>], want: &[Option<f64>]) {
    assert_eq!(got.len(), want.len(), "{name}: length");
    assert!(want.iter().any(Option::is_some), "{name}: reference has values");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        match (g, w) {
            (None, None) => {}
            (Some(g), Some(w)) => {
                let err = (g - w).abs();
                let ok = err <= 1e-12 || err <= 1e-9 * w.abs();
                assert!(ok, "{name}[{i}]: got {g}, TA-Lib {w} (error {err:e})");
            }
            _ => panic!("{name}[{i}]: got {g:?}, TA-Lib {w:?} (warm-up mismatch)"),
        }
    }
}

fn closes() -> Vec<f64> {
    bars().iter().map(|b| b.close).collect()
}

#[test]
fn sma_matches_talib() {
    for (period, column) in [(20, "sma20"), (5, "sma5")] {
        let mut sma = Sma::new(period).unwrap();
        let got: Vec<_> = closes().iter().map(|&c| sma.update(c).unwrap()).collect();
        assert_matches(column, &got, &expected(column));
    }
}

#[test]
fn ema_matches_talib() {
    for (period, column) in [(20, "ema20"), (5, "ema5")] {
        let mut ema = Ema::new(period).unwrap();
        let got: Vec<_> = closes().iter().map(|&c| ema.update(c).unwrap()).collect();
        assert_matches(column, &got, &expected(column));
    }
}

#[test]
fn rsi_matches_talib() {
    for (period, column) in [(14, "rsi14"), (2, "rsi2")] {
        let mut rsi = Rsi::new(period).unwrap();
        let got: Vec<_> = closes().iter().map(|&c| rsi.update(c).unwrap()).collect();
        assert_matches(column, &got, &expected(column));
    }
}

#[test]
fn macd_matches_talib() {
    for ((fast, slow, signal), prefix) in [((12, 26, 9), "macd"), ((5, 13, 4), "macd_5_13_4")] {
        let mut macd = Macd::new(fast, slow, signal).unwrap();
        let out: Vec<_> = closes().iter().map(|&c| macd.update(c).unwrap()).collect();
        let pick = |f: fn(&kis_indicators::MacdOutput) -> f64| -> Vec<Option<f64>> {
            out.iter().map(|o| o.as_ref().map(f)).collect()
        };
        assert_matches(prefix, &pick(|o| o.macd), &expected(prefix));
        assert_matches("signal", &pick(|o| o.signal), &expected(&format!("{prefix}_signal")));
        assert_matches("hist", &pick(|o| o.histogram), &expected(&format!("{prefix}_hist")));
    }
    // The (12, 26, 9) warm-up TA-Lib documents: first value at index 33.
    let first = expected("macd").iter().position(Option::is_some);
    assert_eq!(first, Some(33));
}

#[test]
fn bollinger_matches_talib() {
    for ((period, k), prefix) in [((20, 2.0), "bb"), ((10, 1.5), "bb10")] {
        let mut bb = Bollinger::new(period, k).unwrap();
        let out: Vec<_> = closes().iter().map(|&c| bb.update(c).unwrap()).collect();
        let pick = |f: fn(&kis_indicators::BollingerOutput) -> f64| -> Vec<Option<f64>> {
            out.iter().map(|o| o.as_ref().map(f)).collect()
        };
        assert_matches("upper", &pick(|o| o.upper), &expected(&format!("{prefix}_upper")));
        assert_matches("middle", &pick(|o| o.middle), &expected(&format!("{prefix}_mid")));
        assert_matches("lower", &pick(|o| o.lower), &expected(&format!("{prefix}_lower")));
    }
}

#[test]
fn bollinger_width_is_exactly_zero_on_the_flat_stretch() {
    // Bars 200..245 never move; once the window is inside them σ must be 0, not rounding noise.
    let mut bb = Bollinger::new(20, 2.0).unwrap();
    let out: Vec<_> = closes().iter().map(|&c| bb.update(c).unwrap()).collect();
    for (i, o) in out.iter().enumerate().take(245).skip(220) {
        let o = o.expect("warmed up");
        assert_eq!(o.upper, o.middle, "bar {i}");
        assert_eq!(o.lower, o.middle, "bar {i}");
    }
}

#[test]
fn atr_matches_talib() {
    for (period, column) in [(14, "atr14"), (5, "atr5")] {
        let mut atr = Atr::new(period).unwrap();
        let got: Vec<_> = bars().iter().map(|b| atr.update(b.high, b.low, b.close).unwrap()).collect();
        assert_matches(column, &got, &expected(column));
        assert_eq!(got.iter().position(Option::is_some), Some(period));
    }
}

#[test]
fn vwap_matches_cumulative_reference() {
    let mut vwap = Vwap::new();
    let got: Vec<_> = bars().iter().map(|b| vwap.update_bar(b.high, b.low, b.close, b.volume).unwrap()).collect();
    assert_matches("vwap", &got, &expected("vwap"));
}

#[test]
fn standard_set_matches_every_column() {
    let mut set = StandardSet::new();
    let rows: Vec<_> = bars().iter().map(|b| set.update(b).unwrap()).collect();
    for (col, name) in kis_indicators::StandardRow::COLUMNS.iter().enumerate() {
        let got: Vec<_> = rows.iter().map(|r| r.values()[col]).collect();
        assert_matches(name, &got, &expected(name));
    }
}

//! rsi-reversal on a hand-built series whose trades are worked out by hand (see the comments).

mod common;

use chrono::Duration;
use common::*;
use kis_indicators::Rsi;
use kis_model::{MarketEvent, Qty, Side};
use kis_strategy::rsi_reversal::{RsiReversal, RsiReversalConfig};
use kis_strategy::{ExitReason, Signal, SignalKind, SignalQty, Strategy};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::str::FromStr;

/// Closes, bar index = position.
const CLOSES: [&str; 71] = [
    // 0..=14: down 1 a bar. RSI14[14] = 0 (fourteen losses, no gain).
    "100", "99", "98", "97", "96", "95", "94", "93", "92", "91", "90", "89", "88", "87", "86",
    // 15: +7. Wilder: avg gain = 7/14 = 0.5, avg loss = (13·1 + 0)/14 = 13/14, RSI = 0.5/(0.5 + 13/14) = 35.
    // RSI[14] = 0 < 30 < 35 = RSI[15] → BUY at 93 (bar 15). TP level 93 × 1.012 = 94.116, SL 93 × 0.992 = 92.256.
    "93", // 16: 93.5 is inside (92.256, 94.116): hold. 17: 94.2 ≥ 94.116 → SELL take-profit (bar 17).
    "93.5", "94.2", // 18..=23: falls; RSI 36.5, 34.5, 32.6, 30.7, 28.9, 27.2.
    "93", "92", "91", "90", "89", "88",
    // 24: 91, RSI 38.9 → BUY at 91 (TP 92.092, SL 90.272). 25: 90.5 hold. 26: 90.2 ≤ 90.272 → SELL stop-loss.
    "91", "90.5", "90.2", // 27..=30: falls, RSI 34.5, 32.4, 30.4, 29.5.
    "89", "88", "87", "86.5", // 31: 89, RSI 39.7 → BUY at 89 (TP 90.068, SL 88.288).
    "89",   // 32..=45: every close in [88.7, 89.9], inside the band: hold.
    "89.2", "88.9", "89.3", "88.8", "89.1", "89.0", "88.9", "89.2", "89.4", "89.0", "88.7", "88.9", "89.5", "89.9",
    // 46 = 31 + 15: 89.6 is inside the band → SELL time exit.
    "89.6", // 47..=54: falls, RSI from 40.6 down to 27.5 at bar 54.
    "88.5", "88", "87.5", "87", "86.6", "86.3", "85.8", "85.3",
    // 55: 86, RSI 33.7 → BUY at 86 (TP 87.032, SL 85.312).
    "86", // 56..=68: down 0.05 a bar to 85.35 (above the stop), RSI sinks below 30 by bar 68.
    "85.95", "85.9", "85.85", "85.8", "85.75", "85.7", "85.65", "85.6", "85.55", "85.5", "85.45", "85.4", "85.35",
    // 69: 87.1 ≥ 87.032 → SELL take-profit. RSI also crosses 30 upward here, but no entry on an exit bar.
    "87.1", // 70: RSI[69] > 30 already, so no cross: stays flat.
    "87.3",
];

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn run(config: RsiReversalConfig, closes: &[&str]) -> Vec<(usize, Signal)> {
    let sym = tqqq();
    let mut s = RsiReversal::new(sym, config).unwrap();
    let t0 = kst(2, 0, 0, 0);
    let mut signals = Vec::new();
    let mut out = Vec::new();
    for (i, c) in closes.iter().enumerate() {
        let ts = t0 + Duration::days(i as i64);
        s.on_event(&MarketEvent::Bar(bar(sym, ts, d(c))), &flat(ts), &mut out);
        signals.extend(out.drain(..).map(|sig| (i, sig)));
    }
    signals
}

#[test]
fn trades_match_the_hand_computation() {
    let got: Vec<(usize, Side, Option<ExitReason>, Decimal)> = run(RsiReversalConfig::default(), &CLOSES)
        .into_iter()
        .map(|(i, s)| {
            assert_eq!(s.quantity, SignalQty::Shares(Qty::new(1)));
            (i, s.side, s.exit_reason(), s.limit.unwrap().value())
        })
        .collect();
    let want = vec![
        (15, Side::Buy, None, d("93")),
        (17, Side::Sell, Some(ExitReason::TakeProfit), d("94.2")),
        (24, Side::Buy, None, d("91")),
        (26, Side::Sell, Some(ExitReason::StopLoss), d("90.2")),
        (31, Side::Buy, None, d("89")),
        (46, Side::Sell, Some(ExitReason::TimeExit), d("89.6")),
        (55, Side::Buy, None, d("86")),
        (69, Side::Sell, Some(ExitReason::TakeProfit), d("87.1")),
    ];
    assert_eq!(got, want);
}

#[test]
fn the_series_exercises_the_exit_bar_rule() {
    // Independent RSI: bar 69 really is an upward cross of 30, so only the exit-bar rule keeps it flat.
    let mut rsi = Rsi::new(14).unwrap();
    let values: Vec<Option<f64>> = CLOSES.iter().map(|c| rsi.update(d(c).to_f64().unwrap()).unwrap()).collect();
    assert!(values[68].unwrap() < 30.0 && values[69].unwrap() > 30.0, "{:?} {:?}", values[68], values[69]);
    assert!((values[15].unwrap() - 35.0).abs() < 1e-9);
    assert_eq!(values[14], Some(0.0));
}

#[test]
fn price_rule_wins_on_the_time_exit_bar() {
    // max_bars = 1: the bar after the entry is the time-exit bar; a close at the take-profit level there is
    // reported as take-profit.
    let config = RsiReversalConfig { max_bars: 1, ..RsiReversalConfig::default() };
    let mut closes: Vec<&str> = CLOSES[..16].to_vec();
    closes.push("94.2");
    let got: Vec<_> = run(config.clone(), &closes).into_iter().map(|(i, s)| (i, s.kind)).collect();
    assert_eq!(got, vec![(15, SignalKind::Entry), (16, SignalKind::Exit(ExitReason::TakeProfit))]);
    let mut closes: Vec<&str> = CLOSES[..16].to_vec();
    closes.push("93.1");
    let got: Vec<_> = run(config, &closes).into_iter().map(|(i, s)| (i, s.kind)).collect();
    assert_eq!(got, vec![(15, SignalKind::Entry), (16, SignalKind::Exit(ExitReason::TimeExit))]);
}

#[test]
fn warm_up_bars_count_as_indices_and_do_not_trade() {
    let sym = tqqq();
    let mut s = RsiReversal::new(sym, RsiReversalConfig::default()).unwrap();
    let t0 = kst(2, 0, 0, 0);
    let bars: Vec<_> =
        CLOSES[..15].iter().enumerate().map(|(i, c)| bar(sym, t0 + Duration::days(i as i64), d(c))).collect();
    s.warm_up(&bars);
    let mut out = Vec::new();
    let ts = t0 + Duration::days(15);
    s.on_event(&MarketEvent::Bar(bar(sym, ts, d("93"))), &flat(ts), &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(s.entry_bar(), Some(15));
    // Trades and other symbols' bars are ignored.
    s.on_event(&trade(samsung(), ts, 70_000, 1, None), &flat(ts), &mut out);
    s.on_event(&MarketEvent::Bar(bar(samsung(), ts, d("1"))), &flat(ts), &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(s.rejected_events(), 0);
}

#[test]
fn bad_config_is_named() {
    let bad = RsiReversalConfig { max_bars: 0, ..RsiReversalConfig::default() };
    assert_eq!(RsiReversal::new(tqqq(), bad).unwrap_err().field, "max_bars");
    let bad = RsiReversalConfig { rsi_period: 0, ..RsiReversalConfig::default() };
    assert_eq!(RsiReversal::new(tqqq(), bad).unwrap_err().field, "rsi_period");
    let bad = RsiReversalConfig { stop_loss_pct: d("100"), ..RsiReversalConfig::default() };
    assert_eq!(RsiReversal::new(tqqq(), bad).unwrap_err().field, "stop_loss_pct");
}

//! KRX scalping: entries against an independent re-computation of every condition, time-window gating,
//! exits with stop-loss precedence, limit prices on the tick grid.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use kis_indicators::{Bollinger, Rsi};
use kis_model::tick_size::InstrumentKind;
use kis_model::{Level, MarketEvent, Price, Qty, Side, Symbol};
use kis_strategy::krx_scalping::*;
use kis_strategy::risk::ExitRules;
use kis_strategy::{Context, ExitReason, Signal, SignalKind, SignalQty, Strategy, StrategyConfig, StrategyFactory};
use rust_decimal_macros::dec;

fn build(config: ScalpingConfig) -> KrxScalping {
    KrxScalping::new(samsung(), InstrumentKind::Stock, config).unwrap()
}

/// Every entry condition switched off: any trade inside an open window enters, which isolates the gating.
fn gates_only() -> ScalpingConfig {
    let mut c = ScalpingConfig::default();
    c.rsi.enabled = false;
    c.bollinger.enabled = false;
    c.volume.enabled = false;
    c.spread.enabled = false;
    c.upticks.enabled = false;
    c.micro_trend.enabled = false;
    c
}

fn feed(s: &mut KrxScalping, event: MarketEvent, ctx: &Context) -> Vec<Signal> {
    let mut out = Vec::new();
    s.on_event(&event, ctx, &mut out);
    out
}

fn entries_at(s: &mut KrxScalping, ts: DateTime<Utc>, price: u64) -> usize {
    feed(s, trade(samsung(), ts, price, 10, Some(Side::Buy)), &flat(ts)).len()
}

/// A deterministic tick stream around 70,000 won (tick 100) with bursts of up-ticks and volume.
struct Walk {
    state: u64,
    price: u64,
}

impl Walk {
    fn next(&mut self) -> (u64, u64, Side, u64, u64) {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        let r = self.state;
        let step = match r % 10 {
            0..=3 => 100i64,
            4..=5 => 0,
            _ => -100,
        };
        let drift = if (r >> 8) % 50 < 20 { 100 } else { 0 };
        self.price = (self.price as i64 + step + drift).clamp(60_000, 80_000) as u64;
        let qty = if (r >> 16).is_multiple_of(17) { 500 } else { 10 + (r >> 24) % 40 };
        let side = if (r >> 32).is_multiple_of(3) { Side::Sell } else { Side::Buy };
        let spread_ticks = 1 + (r >> 40) % 3;
        (self.price, qty, side, self.price - 100, self.price - 100 + spread_ticks * 100)
    }
}

#[test]
fn entries_equal_an_independent_check_of_every_condition() {
    // All conditions on, with bounds loosened enough that a random walk meets them all now and then
    // (5 up-ticks in a row and an RSI ≤ 70 rarely coincide, by design).
    let mut config = ScalpingConfig::default();
    config.upticks.count = 3;
    config.rsi.max = 85.0;
    config.bollinger.max_percent_b = 1.2;
    let mut s = build(config.clone());
    let mut walk = Walk { state: 0x2545_F491_4F6C_DD1D, price: 70_000 };
    let (mut rsi, mut bands) = (Rsi::new(14).unwrap(), Bollinger::new(20, 2.0).unwrap());
    let (mut prices, mut vols): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
    let (mut buy_vol, mut sell_vol) = (0u64, 0u64);
    let (mut run, mut last) = (0u32, None::<u64>);
    let t0 = kst(2, 14, 30, 0);
    let mut entries = 0;
    let n = 1_500;
    for i in 0..n {
        let (price, qty, side, bid, ask) = walk.next();
        let ts = t0 + Duration::milliseconds(1_000 * i as i64);
        let mut ev = quoted(samsung(), ts, price, qty, bid, ask);
        if let MarketEvent::Trade(t) = &mut ev {
            t.aggressor = Some(side);
        }
        let got = feed(&mut s, ev, &flat(ts));

        // The oracle, from first principles.
        let r = rsi.update(price as f64).unwrap();
        let b = bands.update(price as f64).unwrap();
        prices.push(price);
        match side {
            Side::Buy => buy_vol += qty,
            Side::Sell => sell_vol += qty,
        }
        match last {
            Some(l) if price > l => run += 1,
            Some(l) if price < l => run = 0,
            _ => {}
        }
        last = Some(price);
        let surge =
            (vols.len() >= 50).then(|| qty as f64 / (vols[vols.len() - 50..].iter().sum::<u64>() as f64 / 50.0));
        vols.push(qty);
        let strength = (sell_vol > 0).then(|| buy_vol as f64 / sell_vol as f64 * 100.0);
        let slope_up = prices.len() >= 100 && {
            let w = &prices[prices.len() - 100..];
            let (sy, sxy): (i128, i128) =
                w.iter().enumerate().fold((0, 0), |(a, b), (x, y)| (a + *y as i128, b + x as i128 * *y as i128));
            100 * sxy - 100 * 99 / 2 * sy > 0
        };
        let pb = b.and_then(|b| (b.upper > b.lower).then(|| (price as f64 - b.lower) / (b.upper - b.lower)));
        let want = run >= 3
            && r.is_some_and(|v| (50.0..=85.0).contains(&v))
            && pb.is_some_and(|v| (0.5..=1.2).contains(&v))
            && (strength.is_some_and(|v| v >= 120.0) || surge.is_some_and(|v| v >= 3.0))
            && slope_up
            && (ask - bid) / 100 <= 2;
        assert_eq!(got.len(), usize::from(want), "trade {i} at {price}: run {run} rsi {r:?} %b {pb:?}");
        if let Some(sig) = got.first() {
            entries += 1;
            assert_eq!((sig.side, sig.kind), (Side::Buy, SignalKind::Entry));
            assert_eq!(sig.quantity, SignalQty::CashFraction(dec!(0.3)));
            // Limit one tick above the last price; stop 0.8 % below the limit (no ATR yet), floored to the grid.
            let limit = price + 100;
            assert_eq!(sig.limit, Some(won(limit)));
            let atr_free = limit - limit * 8 / 1000;
            assert!(sig.stop.unwrap() <= won(atr_free - atr_free % 100), "{:?}", sig.stop);
            assert!(sig.reason.starts_with("closing run: "), "{}", sig.reason);
        }
    }
    assert!(entries > 3 && entries < n / 4, "entries {entries}: the walk must exercise both outcomes");
    assert_eq!(s.rejected_events(), 0);
}

#[test]
fn no_entry_outside_enabled_windows() {
    let mut s = build(gates_only());
    // Outside every window.
    assert_eq!(entries_at(&mut s, kst(2, 12, 0, 0), 70_000), 0);
    assert_eq!(entries_at(&mut s, kst(2, 14, 29, 59), 70_000), 0);
    assert_eq!(entries_at(&mut s, kst(2, 14, 30, 0), 70_000), 1);
    assert_eq!(entries_at(&mut s, kst(2, 14, 59, 59), 70_000), 1);
    assert_eq!(entries_at(&mut s, kst(2, 15, 0, 0), 70_000), 0, "windows are half-open");
    // Disabled window.
    let mut c = gates_only();
    c.windows.closing_run.enabled = false;
    let mut s = build(c);
    assert_eq!(entries_at(&mut s, kst(2, 14, 45, 0), 70_000), 0);
}

#[test]
fn gap_up_window_needs_a_gap_over_the_threshold() {
    // Day 1 closes at 70,000. Day 2 opens at 70,700 (+1.0 %): the 09:00-09:30 window is open.
    let mut s = build(gates_only());
    assert_eq!(entries_at(&mut s, kst(2, 15, 20, 0), 70_000), 0);
    assert_eq!(entries_at(&mut s, kst(3, 9, 0, 0), 70_700), 1);
    assert_eq!(entries_at(&mut s, kst(3, 9, 29, 0), 70_000), 1, "the open decides, not the current price");
    assert_eq!(entries_at(&mut s, kst(3, 9, 30, 0), 70_000), 0);
    // Day 3 opens at 70,600 after a 70,000 close: +0.857 % < 1 %: shut.
    let _ = entries_at(&mut s, kst(3, 15, 20, 0), 70_000);
    assert_eq!(entries_at(&mut s, kst(4, 9, 0, 0), 70_600), 0);
    // No previous close known: shut.
    let mut fresh = build(gates_only());
    assert_eq!(entries_at(&mut fresh, kst(3, 9, 0, 0), 80_000), 0);
    // Warm-up bars give the previous close.
    let mut warmed = build(gates_only());
    warmed.warm_up(&[bar(samsung(), kst(2, 15, 19, 0), dec!(60000))]);
    assert_eq!(entries_at(&mut warmed, kst(3, 9, 1, 0), 61_000), 1);
}

#[test]
fn pullback_window_needs_the_first_pullback() {
    let mut s = build(gates_only());
    // High 71,000, then only down to 70,400 (−0.85 %): no pullback yet.
    for (m, p) in [(0, 70_000), (10, 71_000), (20, 70_400)] {
        let _ = entries_at(&mut s, kst(2, 10, m, 0), p);
    }
    assert_eq!(entries_at(&mut s, kst(2, 10, 35, 0), 70_500), 0);
    // 70,290 = 71,000 × 0.99: pulled back; the window opens from then on.
    let _ = entries_at(&mut s, kst(2, 10, 36, 0), 70_200);
    assert_eq!(entries_at(&mut s, kst(2, 10, 40, 0), 70_800), 1);
    assert_eq!(entries_at(&mut s, kst(2, 11, 0, 0), 70_800), 0);
}

#[test]
fn each_entry_condition_can_block() {
    let ts = kst(2, 14, 40, 0);
    // Up-ticks: needs 5 in a row (zero-plus).
    let mut c = gates_only();
    c.upticks.enabled = true;
    let mut s = build(c);
    let got: Vec<usize> = [70_000, 70_100, 70_100, 70_200, 70_300, 70_400, 70_500, 70_400]
        .iter()
        .enumerate()
        .map(|(i, p)| entries_at(&mut s, ts + Duration::seconds(i as i64), *p))
        .collect();
    assert_eq!(got, vec![0, 0, 0, 0, 0, 0, 1, 0]);

    // Spread: 2 ticks pass, 3 fail, unknown fails; a book refreshes it.
    let mut c = gates_only();
    c.spread.enabled = true;
    let mut s = build(c);
    assert_eq!(entries_at(&mut s, ts, 70_000), 0, "no bid/ask known");
    assert_eq!(feed(&mut s, quoted(samsung(), ts, 70_000, 1, 69_900, 70_100), &flat(ts)).len(), 1);
    assert_eq!(feed(&mut s, quoted(samsung(), ts, 70_000, 1, 69_900, 70_200), &flat(ts)).len(), 0);
    let mut book = kis_model::Book {
        symbol: samsung(),
        ts,
        asks: [Level::default(); 10],
        bids: [Level::default(); 10],
        depth: 10,
    };
    book.bids[0] = Level { price: won(70_000), qty: Qty::new(5) };
    book.asks[0] = Level { price: won(70_100), qty: Qty::new(5) };
    assert!(feed(&mut s, MarketEvent::Book(book), &flat(ts)).is_empty(), "books never signal");
    assert_eq!(entries_at(&mut s, ts, 70_100), 1);
    // As a percentage: 100 / 69,900 = 0.143 % passes 0.15 %, 200 / 69,900 fails.
    let mut c = gates_only();
    c.spread = SpreadRule { enabled: true, max: SpreadLimit::Pct(dec!(0.15)) };
    let mut s = build(c);
    assert_eq!(feed(&mut s, quoted(samsung(), ts, 70_000, 1, 69_900, 70_000), &flat(ts)).len(), 1);
    assert_eq!(feed(&mut s, quoted(samsung(), ts, 70_000, 1, 69_900, 70_100), &flat(ts)).len(), 0);

    // Volume: a 3× surge over the previous 50 trades passes without any trade strength.
    let mut c = gates_only();
    c.volume.enabled = true;
    let mut s = build(c);
    for i in 0..50 {
        assert_eq!(feed(&mut s, trade(samsung(), ts, 70_000, 10, None), &flat(ts)).len(), 0, "trade {i}");
    }
    assert_eq!(feed(&mut s, trade(samsung(), ts, 70_000, 29, None), &flat(ts)).len(), 0);
    assert_eq!(feed(&mut s, trade(samsung(), ts, 70_000, 40, None), &flat(ts)).len(), 1);
    // Trade strength ≥ 120 passes on its own: buys 110 vs sells 100 does not, 120 vs 100 does.
    let mut s = build({
        let mut c = gates_only();
        c.volume.enabled = true;
        c
    });
    assert_eq!(feed(&mut s, trade(samsung(), ts, 70_000, 100, Some(Side::Sell)), &flat(ts)).len(), 0);
    assert_eq!(feed(&mut s, trade(samsung(), ts, 70_000, 110, Some(Side::Buy)), &flat(ts)).len(), 0);
    assert_eq!(feed(&mut s, trade(samsung(), ts, 70_000, 10, Some(Side::Buy)), &flat(ts)).len(), 1);
}

#[test]
fn exits_fire_with_stop_loss_first_and_on_the_tick_grid() {
    let opened = kst(2, 14, 31, 0);
    let mut s = build(ScalpingConfig::default());
    let now = opened + Duration::minutes(20); // past the 15-minute limit too
    let ctx = holding(now, samsung(), 10, won(70_000), opened);
    // 69,400 ≤ 69,440 (−0.8 %): stop-loss, even though the holding time is also exceeded.
    let out = feed(&mut s, trade(samsung(), now, 69_400, 1, None), &ctx);
    assert_eq!(out.len(), 1);
    let sig = &out[0];
    assert_eq!(
        (sig.side, sig.kind, sig.quantity),
        (Side::Sell, SignalKind::Exit(ExitReason::StopLoss), SignalQty::All)
    );
    assert_eq!(sig.limit, Some(won(69_300)), "one tick below the last price");
    // Same position, price fine: the time rule.
    let out = feed(&mut s, trade(samsung(), now, 70_000, 1, None), &ctx);
    assert_eq!(out[0].exit_reason(), Some(ExitReason::MaxHoldingTime));
    // Take-profit within the time limit: 70,840 = +1.2 %.
    let early = opened + Duration::minutes(1);
    let ctx = holding(early, samsung(), 10, won(70_000), opened);
    assert_eq!(feed(&mut s, trade(samsung(), early, 70_800, 1, None), &ctx).len(), 0);
    assert_eq!(
        feed(&mut s, trade(samsung(), early, 70_900, 1, None), &ctx)[0].exit_reason(),
        Some(ExitReason::TakeProfit)
    );
    // Trailing: the strategy's own ticks raise the high to 70,500 (armed at 70,210); 70,500 × 0.997 = 70,288.5.
    let mut s = build(ScalpingConfig::default());
    assert!(feed(&mut s, trade(samsung(), early, 70_500, 1, None), &ctx).is_empty());
    assert!(feed(&mut s, trade(samsung(), early, 70_300, 1, None), &ctx).is_empty());
    assert_eq!(
        feed(&mut s, trade(samsung(), early, 70_200, 1, None), &ctx)[0].exit_reason(),
        Some(ExitReason::TrailingStop)
    );
    // Nothing while an order is pending.
    let pending = holding(now, samsung(), 10, won(70_000), opened).with(|a| a.order_pending = true);
    assert!(feed(&mut s, trade(samsung(), now, 60_000, 1, None), &pending).is_empty());
    // Exit limits cross the tick band correctly: 50,000 − 1 tick = 49,950.
    let ctx = holding(now, samsung(), 10, won(51_000), opened);
    assert_eq!(feed(&mut s, trade(samsung(), now, 50_000, 1, None), &ctx)[0].limit, Some(won(49_950)));
}

#[test]
fn bad_and_foreign_events_are_skipped() {
    let mut s = build(gates_only());
    let ts = kst(2, 14, 40, 0);
    let mut ev = trade(samsung(), ts, 70_000, 1, None);
    if let MarketEvent::Trade(t) = &mut ev {
        t.price = Price::new(dec!(70000.5)).unwrap();
    }
    assert!(feed(&mut s, ev, &flat(ts)).is_empty());
    let mut zero = trade(samsung(), ts, 0, 1, None);
    if let MarketEvent::Trade(t) = &mut zero {
        t.price = Price::ZERO;
    }
    assert!(feed(&mut s, zero, &flat(ts)).is_empty());
    assert_eq!(s.rejected_events(), 2);
    let other = Symbol::krx("000660").unwrap();
    assert!(feed(&mut s, trade(other, ts, 70_000, 1, None), &flat(ts)).is_empty());
    assert_eq!(s.rejected_events(), 2);
}

#[test]
fn config_round_trips_and_names_bad_fields() {
    let text = r#"
        kind = "krx_scalping"
        id = "scalp-a"
        entry_cash_fraction = "0.2"
        [rsi]
        min = 45.0
        [spread]
        max = { pct = "0.2" }
        [windows.gap_up]
        enabled = false
        start = "09:05"
        [exits]
        stop_loss_pct = "1.0"
    "#;
    let config: StrategyConfig = toml::from_str(text).unwrap();
    let StrategyConfig::KrxScalping(c) = &config else { panic!("{config:?}") };
    assert_eq!(c.id, "scalp-a");
    assert_eq!(c.rsi.min, 45.0);
    assert_eq!(c.rsi.max, 70.0, "unset fields keep their defaults");
    assert_eq!(c.spread.max, SpreadLimit::Pct(dec!(0.2)));
    assert!(!c.windows.gap_up.enabled);
    assert_eq!(c.windows.gap_up.start.to_string(), "09:05");
    assert_eq!(c.exits, ExitRules { stop_loss_pct: Some(dec!(1.0)), ..ExitRules::default() });
    let s = config.build(samsung(), InstrumentKind::Stock).unwrap();
    assert_eq!(s.name(), "scalp-a");
    assert!(matches!(
        config.build(tqqq(), InstrumentKind::Stock),
        Err(kis_strategy::BuildError::WrongMarket { strategy: "krx_scalping", .. })
    ));
    assert!(toml::from_str::<StrategyConfig>("kind = \"krx_scalping\"\nbogus = 1").is_err());

    let mut bad = ScalpingConfig::default();
    bad.windows.closing_run.end = bad.windows.closing_run.start;
    assert_eq!(bad.validate().unwrap_err().field, "windows.closing_run");
    let mut bad = ScalpingConfig::default();
    bad.upticks.count = 0;
    assert_eq!(KrxScalping::new(samsung(), InstrumentKind::Stock, bad).unwrap_err().field, "upticks.count");
    let mut bad = ScalpingConfig::default();
    bad.rsi.min = 80.0;
    let err = bad.validate().unwrap_err();
    assert_eq!((err.field, err.problem.as_str()), ("rsi.min", "must not exceed rsi.max (70), got 80"));
    // An impossible bound is reported under its own key, not against the other one.
    for (max, problem) in
        [(f64::INFINITY, "must be between 0 and 100, got inf"), (f64::NAN, "must be between 0 and 100, got NaN")]
    {
        let mut bad = ScalpingConfig::default();
        bad.rsi.max = max;
        let err = bad.validate().unwrap_err();
        assert_eq!((err.field, err.problem.as_str()), ("rsi.max", problem));
    }
    let mut bad = ScalpingConfig::default();
    bad.rsi.min = -1.0;
    assert_eq!(bad.validate().unwrap_err().field, "rsi.min");
    let mut bad = ScalpingConfig::default();
    bad.micro_trend.window_trades = 1;
    assert_eq!(bad.validate().unwrap_err().field, "micro_trend.window_trades");
}

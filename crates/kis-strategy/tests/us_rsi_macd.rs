//! US RSI + MACD: buy/sell/stop-loss rules, golden-cross window, delays, limit prices, candle building.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use kis_indicators::{Macd, Rsi};
use kis_model::tick_size::InstrumentKind;
use kis_model::{MarketEvent, Price, Qty, Side, Symbol, Trade, UsExchange};
use kis_strategy::us_rsi_macd::{UsRsiMacd, UsRsiMacdConfig};
use kis_strategy::{
    BarAggregator, BarInterval, BuildError, Context, ExitReason, Position, Signal, SignalKind, SignalQty, Strategy,
    StrategyConfig, StrategyFactory,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use rust_decimal_macros::dec;

fn minute_config() -> UsRsiMacdConfig {
    UsRsiMacdConfig {
        rsi_interval: BarInterval::Min1,
        input_bar_interval: BarInterval::Min1,
        ..UsRsiMacdConfig::default()
    }
}

fn t0() -> DateTime<Utc> {
    // 2026-03-02 15:00 UTC = 10:00 New York.
    DateTime::parse_from_rfc3339("2026-03-02T15:00:00Z").unwrap().to_utc()
}

fn usd(v: f64) -> Decimal {
    Decimal::from_f64(v).unwrap().round_dp(2)
}

fn feed_bar(s: &mut UsRsiMacd, i: i64, close: Decimal, ctx: &Context) -> Vec<Signal> {
    let ts = t0() + Duration::minutes(i);
    let mut out = Vec::new();
    s.on_event(&MarketEvent::Bar(bar(tqqq(), ts, close)), ctx, &mut out);
    out
}

fn holding_usd(now: DateTime<Utc>, qty: u64, avg: Decimal) -> Context {
    let p = Position {
        symbol: tqqq(),
        qty: Qty::new(qty),
        avg_price: Price::new(avg).unwrap(),
        opened_at: t0(),
        high_water: Price::new(avg).unwrap(),
    };
    flat(now).with(|a| a.position = Some(p))
}

/// 40 closes falling 0.5 a bar, then 30 rising 3 a bar (steep enough for RSI ≥ 60 soon after the cross).
fn v_shape() -> Vec<Decimal> {
    (0..70).map(|i| if i < 40 { usd(100.0 - i as f64 * 0.5) } else { usd(80.0 + (i - 40) as f64 * 3.0) }).collect()
}

#[test]
fn sells_only_within_five_bars_of_a_golden_cross() {
    let mut s = UsRsiMacd::new(tqqq(), minute_config()).unwrap();
    let (mut rsi, mut macd) = (Rsi::new(14).unwrap(), Macd::new(12, 26, 9).unwrap());
    let mut prev = None;
    let mut cross_bar = None;
    let mut sells = Vec::new();
    let mut high_rsi_bars = 0;
    for (i, close) in v_shape().into_iter().enumerate() {
        let now = t0() + Duration::minutes(i as i64);
        // Cheap holding, so no stop-loss; no sell before, so no delay.
        let out = feed_bar(&mut s, i as i64, close, &holding_usd(now, 100, dec!(10)));
        let c: f64 = close.try_into().unwrap();
        let r = rsi.update(c).unwrap();
        let m = macd.update(c).unwrap();
        if let (Some(p), Some(m)) = (prev, m) {
            let p: kis_indicators::MacdOutput = p;
            if p.macd <= p.signal && m.macd > m.signal {
                cross_bar = Some(i);
            }
        }
        prev = m.or(prev);
        let within = cross_bar.is_some_and(|k| i - k < 5);
        let rsi_high = r.is_some_and(|r| r >= 60.0);
        high_rsi_bars += usize::from(rsi_high);
        let want_sell = rsi_high && within;
        let sold = out.iter().any(|sig| sig.side == Side::Sell);
        assert_eq!(sold, want_sell, "bar {i}: rsi {r:?} cross at {cross_bar:?}");
        if sold {
            let sig = &out[0];
            assert_eq!(sig.kind, SignalKind::Exit(ExitReason::SignalExit));
            assert_eq!(sig.quantity, SignalQty::PositionFraction(dec!(0.3)));
            // Limit 0.5 % under the last price, rounded down to the cent.
            let want =
                (close * dec!(0.995)).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToNegativeInfinity);
            assert_eq!(sig.limit.unwrap().value(), want);
            sells.push(i);
        }
    }
    let k = cross_bar.expect("the V shape has a golden cross");
    assert!(k > 40, "cross on the way up, bar {k}");
    assert!(!sells.is_empty() && sells.iter().all(|i| *i >= k && *i < k + 5), "sells {sells:?}, cross {k}");
    assert!(high_rsi_bars > sells.len(), "RSI stays high after the window closes, so the window is what stops sells");
}

#[test]
fn buys_on_low_rsi_with_delay_cash_and_no_pending_order() {
    let mut s = UsRsiMacd::new(tqqq(), minute_config()).unwrap();
    let closes = v_shape();
    for (i, c) in closes.iter().enumerate().take(19) {
        // Warm-up phase of the test: pending, so nothing is emitted.
        let ctx = flat(t0() + Duration::minutes(i as i64)).with(|a| a.order_pending = true);
        assert!(feed_bar(&mut s, i as i64, *c, &ctx).is_empty());
    }
    let now = t0() + Duration::minutes(19);
    // RSI of a steady fall is 0 ≤ 50: buy 30 % of cash at last + 0.5 % (rounded up to the cent).
    let out = feed_bar(&mut s, 19, closes[19], &flat(now));
    assert_eq!(out.len(), 1, "{out:?}");
    let sig = &out[0];
    assert_eq!((sig.side, sig.kind, sig.quantity), (Side::Buy, SignalKind::Entry, SignalQty::CashFraction(dec!(0.3))));
    assert_eq!(sig.limit.unwrap().value(), dec!(90.96)); // 90.50 × 1.005 = 90.9525 → 90.96
    assert_eq!(s.live_rsi(), Some(0.0));
    // Buy delay, measured against ctx.now: 4 min 59 s after the last buy, no; 5 minutes, yes (a minute
    // later each, so the one-minute check interval lets both be judged).
    let ctx = |at: i64, since: i64| {
        flat(now + Duration::minutes(at))
            .with(|a| a.last_buy_at = Some(now + Duration::minutes(at) - Duration::seconds(since)))
    };
    assert!(feed_bar(&mut s, 21, closes[21], &ctx(2, 299)).is_empty(), "4 min 59 s after the last buy");
    assert_eq!(feed_bar(&mut s, 22, closes[22], &ctx(3, 300)).len(), 1, "exactly 5 min after");
    // No cash, no buy.
    let broke = flat(now + Duration::minutes(4)).with(|a| a.available_cash = Decimal::ZERO);
    assert!(feed_bar(&mut s, 23, closes[23], &broke).is_empty());
}

#[test]
fn stop_loss_sells_everything_before_any_other_rule() {
    let mut s = UsRsiMacd::new(tqqq(), minute_config()).unwrap();
    let closes = v_shape();
    let mut sold_at = None;
    for (i, c) in closes.iter().enumerate() {
        let now = t0() + Duration::minutes(i as i64);
        // Average 70: never stopped out on this series (the low is 80.5 > 66.5)...
        let out = feed_bar(&mut s, i as i64, *c, &holding_usd(now, 10, dec!(10)));
        if out.iter().any(|o| o.side == Side::Sell) {
            sold_at = Some(i);
            break;
        }
    }
    let i = sold_at.expect("a signal sell happens on the V");
    // ...so rebuild the same state and replay bar i with a high average price and a sell just made: the
    // stop-loss wins over the signal sell, ignores the sell delay, and sells all.
    let mut s = UsRsiMacd::new(tqqq(), minute_config()).unwrap();
    for (j, c) in closes.iter().enumerate().take(i) {
        let _ = feed_bar(&mut s, j as i64, *c, &flat(t0()).with(|a| a.order_pending = true));
    }
    let now = t0() + Duration::minutes(i as i64);
    let avg = closes[i] / dec!(0.95) + dec!(0.01); // last is just over 5 % below the average
    let ctx = holding_usd(now, 10, avg).with(|a| a.last_sell_at = Some(now));
    let out = feed_bar(&mut s, i as i64, closes[i], &ctx);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].kind, out[0].quantity), (SignalKind::Exit(ExitReason::StopLoss), SignalQty::All));
    // Pending order: nothing, not even the stop-loss.
    let mut s2 = UsRsiMacd::new(tqqq(), minute_config()).unwrap();
    let pending = ctx.with(|a| a.order_pending = true);
    assert!(feed_bar(&mut s2, 0, closes[0], &pending).is_empty());
}

#[test]
fn trades_build_candles_of_the_interval() {
    let config = UsRsiMacdConfig { rsi_interval: BarInterval::Min5, rsi_period: 2, ..UsRsiMacdConfig::default() };
    let mut s = UsRsiMacd::new(tqqq(), config).unwrap();
    let trade_at = |secs: i64, price: f64| {
        MarketEvent::Trade(Trade {
            symbol: tqqq(),
            ts: t0() + Duration::seconds(secs),
            price: Price::new(usd(price)).unwrap(),
            qty: Qty::new(1),
            aggressor: None,
            bid: None,
            ask: None,
            cum_volume: 0,
        })
    };
    let ctx = flat(t0()).with(|a| a.order_pending = true);
    let mut out = Vec::new();
    // Candle closes 10, 11, 12 (three 5-minute buckets), then a trade in the fourth bucket.
    for (secs, p) in [(0, 10.5), (100, 10.0), (300, 11.0), (899, 12.0), (600, 11.5)] {
        s.on_event(&trade_at(secs, p), &ctx, &mut out);
    }
    // The 600 s trade arrived after the 899 s one in the same bucket: the close is the latest arrival.
    assert_eq!(s.live_rsi(), Some(100.0), "RSI(2) of 10, 11 plus the forming 11.5");
    s.on_event(&trade_at(900, 9.0), &ctx, &mut out);
    // Completed closes 10, 11, 11.5 → RSI(2) = 100; forming 9.0: gains 1, 0.5; then loss 2.5 → Wilder.
    let mut rsi = Rsi::new(2).unwrap();
    for c in [10.0, 11.0, 11.5] {
        rsi.update(c).unwrap();
    }
    assert_eq!(s.live_rsi(), rsi.update(9.0).unwrap());
    assert!(out.is_empty());
}

#[test]
fn aggregator_buckets_minutes_days_and_late_events() {
    let sym = tqqq();
    let p = |v: Decimal| Price::new(v).unwrap();
    let mut agg = BarAggregator::new(BarInterval::Min5, chrono_tz::America::New_York);
    let mut out = Vec::new();
    let base = t0() + Duration::minutes(2); // 15:02 UTC, bucket 15:00–15:05
    agg.push_trade(sym, base, p(dec!(10)), Qty::new(5), &mut out);
    agg.push_trade(sym, base + Duration::seconds(30), p(dec!(12)), Qty::new(1), &mut out);
    agg.push_trade(sym, base + Duration::seconds(60), p(dec!(9)), Qty::new(2), &mut out);
    assert!(out.is_empty());
    agg.push_trade(sym, base + Duration::minutes(3), p(dec!(11)), Qty::new(1), &mut out); // 15:05, next bucket
    assert_eq!(out.len(), 1);
    let b = out[0];
    assert_eq!(
        (b.ts, b.open, b.high, b.low, b.close, b.volume),
        (t0(), p(dec!(10)), p(dec!(12)), p(dec!(9)), p(dec!(9)), 8)
    );
    // A trade for the emitted bucket is late and dropped.
    agg.push_trade(sym, base, p(dec!(50)), Qty::new(1), &mut out);
    assert_eq!((out.len(), agg.late_events()), (1, 1));
    agg.advance(t0() + Duration::minutes(10), &mut out);
    assert_eq!(out.len(), 2);
    assert_eq!(out[1].close, p(dec!(11)));

    // One-minute source bars fill a 5-minute candle; the bar ending the bucket completes it at once.
    let mut agg = BarAggregator::new(BarInterval::Min5, chrono_tz::America::New_York);
    let mut out = Vec::new();
    for m in 0..5 {
        agg.push_bar(&bar(sym, t0() + Duration::minutes(m), Decimal::from(m + 1)), Duration::minutes(1), &mut out);
    }
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].close, out[0].volume, out[0].low), (p(dec!(5)), 500, p(dec!(1))));

    // Day candles are New York days: 03:59 UTC on 3 March is still 2 March in New York (EST, UTC−5).
    let mut day = BarAggregator::new(BarInterval::Day, chrono_tz::America::New_York);
    let (start, end) = day.bucket(DateTime::parse_from_rfc3339("2026-03-03T03:59:00Z").unwrap().to_utc());
    assert_eq!(start.to_rfc3339(), "2026-03-02T05:00:00+00:00");
    assert_eq!(end.to_rfc3339(), "2026-03-03T05:00:00+00:00");
    // Across the DST change (8 March 2026) the day is 23 hours long.
    let (start, end) = day.bucket(DateTime::parse_from_rfc3339("2026-03-08T12:00:00Z").unwrap().to_utc());
    assert_eq!(end - start, Duration::hours(23));
    day.flush(&mut out);
}

#[test]
fn intervals_parse_with_clear_errors() {
    for (s, want) in [
        ("day", BarInterval::Day),
        ("1", BarInterval::Min1),
        ("3m", BarInterval::Min3),
        ("15min", BarInterval::Min15),
        ("60M", BarInterval::Min60),
    ] {
        assert_eq!(s.parse::<BarInterval>().unwrap(), want, "{s}");
    }
    let err = "2m".parse::<BarInterval>().unwrap_err();
    assert_eq!(err.to_string(), "invalid bar interval \"2m\": expected day, 1m, 3m, 5m, 15m, 30m or 60m");
}

#[test]
fn config_and_factory() {
    let config: StrategyConfig = toml::from_str(
        r#"
        kind = "us_rsi_macd"
        tickers = "NASDAQ:TQQQ,NYSE:O,AMEX:XLF"
        rsi_interval = "15m"
        oversold = 45.0
    "#,
    )
    .unwrap();
    let StrategyConfig::UsRsiMacd(c) = &config else { panic!() };
    assert_eq!((c.rsi_interval, c.oversold, c.overbought), (BarInterval::Min15, 45.0, 60.0));
    assert_eq!(c.symbols().unwrap().len(), 3);
    assert_eq!(config.build(tqqq(), InstrumentKind::Stock).unwrap().name(), "us-rsi-macd");
    let aapl = Symbol::us(UsExchange::Nasdaq, "AAPL").unwrap();
    assert_eq!(config.build(aapl, InstrumentKind::Stock).err(), Some(BuildError::NotInTickerList(aapl)));
    assert!(matches!(config.build(samsung(), InstrumentKind::Stock), Err(BuildError::WrongMarket { .. })));

    let bad = UsRsiMacdConfig { oversold: 70.0, ..UsRsiMacdConfig::default() };
    assert_eq!(bad.validate().unwrap_err().field, "oversold");
    let bad = UsRsiMacdConfig { tickers: "NASDAQ:TQQQ,,".into(), ..UsRsiMacdConfig::default() };
    let e = bad.validate().unwrap_err();
    assert_eq!((e.field, e.problem.contains("entry 2")), ("tickers", true));
    let bad = UsRsiMacdConfig {
        input_bar_interval: BarInterval::Min3,
        rsi_interval: BarInterval::Min5,
        ..UsRsiMacdConfig::default()
    };
    assert_eq!(bad.validate().unwrap_err().field, "input_bar_interval");
    let bad = UsRsiMacdConfig { macd_fast: 30, ..UsRsiMacdConfig::default() };
    assert_eq!(UsRsiMacd::new(tqqq(), bad).unwrap_err().field, "macd_fast");
}

#[test]
fn warm_up_history_asks_for_daily_bars_on_day_candles_and_input_minutes_otherwise() {
    use kis_strategy::WarmUpHistory;
    use kis_strategy::us_rsi_macd::{DAILY_WARM_UP_BARS, MAX_MINUTE_WARM_UP_BARS};
    let daily = UsRsiMacd::new(tqqq(), UsRsiMacdConfig::default()).unwrap();
    assert_eq!(daily.warm_up_history(), Some(WarmUpHistory { interval: BarInterval::Day, bars: DAILY_WARM_UP_BARS }));
    // RSI 14 on 5-minute candles, MACD 12/26/9 with a 5-bar window: 2 × 40 candles of 5 one-minute bars.
    let five = UsRsiMacdConfig { rsi_interval: BarInterval::Min5, ..minute_config() };
    let need = UsRsiMacd::new(tqqq(), five).unwrap().warm_up_history();
    assert_eq!(need, Some(WarmUpHistory { interval: BarInterval::Min1, bars: 400 }));
    // Hour candles on one-minute input would need 4,800 bars: capped.
    let hour = UsRsiMacdConfig { rsi_interval: BarInterval::Min60, ..minute_config() };
    let need = UsRsiMacd::new(tqqq(), hour).unwrap().warm_up_history().unwrap();
    assert_eq!(need.bars, MAX_MINUTE_WARM_UP_BARS);
}

//! Ticks replayed per second through the whole backtest loop: KRX scalping `on_event`, context building,
//! risk checks and fills through kis-engine, equity marks each minute. Goal: ≥ 5 M ticks/s on one core.
//! Run: `cargo bench -p kis-backtest --bench replay -- --warm-up-time 1 --measurement-time 5`.

use std::hint::black_box;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kis_backtest::{Backtest, BacktestConfig};
use kis_model::{Market, MarketEvent, Price, Qty, Side, Symbol, Trade};
use kis_strategy::StrategyConfig;
use kis_strategy::krx_scalping::ScalpingConfig;

const N: usize = 200_000;

/// A deterministic tick stream (xorshift) from 14:30 KST, a print every 15 ms, 60,000–80,000 won on the
/// 100-won grid, with bid/ask: the closing-run window is open for the first half hour, so the strategy enters,
/// exits and re-enters.
fn ticks(symbol: Symbol) -> Vec<MarketEvent> {
    let start: DateTime<Utc> = NaiveDate::from_ymd_opt(2026, 3, 2)
        .and_then(|d| d.and_hms_opt(5, 30, 0))
        .map(|t| t.and_utc())
        .unwrap_or_default();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut price: u64 = 70_000;
    (0..N)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            price = match state % 3 {
                0 => (price + 100).min(80_000),
                1 => price.saturating_sub(100).max(60_000),
                _ => price,
            };
            let spread = 100 * (1 + (state >> 20) % 3);
            MarketEvent::Trade(Trade {
                symbol,
                ts: start + Duration::microseconds(i as i64 * 15_000),
                price: Price::from_won(price),
                qty: Qty::new(1 + (state >> 8) % 200),
                aggressor: Some(if (state >> 30).is_multiple_of(2) { Side::Buy } else { Side::Sell }),
                bid: Some(Price::from_won(price - 100)),
                ask: Some(Price::from_won(price - 100 + spread)),
                cum_volume: i as u64,
            })
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let symbol = Symbol::krx("005930").unwrap_or_else(|e| panic!("{e}"));
    let events = ticks(symbol);
    let mut config = BacktestConfig::new(Market::Krx);
    config.symbol = Some(symbol);
    config.initial_cash = rust_decimal::Decimal::from(100_000_000);
    // A print every 15 ms trades far faster than the daemon's 30 orders a minute; the default limit would halt
    // the account after the first burst and leave only refusals to time.
    config.risk.order_rate.max_per_minute = 10_000;
    // Likewise the 3 % daily loss limit: a random walk loses, and reduce-only would stop the entries.
    config.risk.daily_loss.max_loss_pct = rust_decimal::Decimal::ONE_HUNDRED;
    // The default rules almost never all agree on a random walk; with the RSI, Bollinger and volume rules off
    // (up-ticks, micro-trend and spread still on) the stream trades often, so fills and risk checks are timed.
    let mut active = ScalpingConfig::default();
    active.rsi.enabled = false;
    active.bollinger.enabled = false;
    active.volume.enabled = false;
    active.micro_trend.window_trades = 20;
    let cases = [
        ("krx_scalping default rules (entry checks)", StrategyConfig::KrxScalping(ScalpingConfig::default())),
        ("krx_scalping trading often (strategy + risk + fills)", StrategyConfig::KrxScalping(active)),
    ];

    let mut group = c.benchmark_group("backtest_replay");
    group.throughput(Throughput::Elements(N as u64));
    for (name, strategy) in cases {
        // How much trading the stream causes, printed once so the figure is known to include fills.
        let mut probe = Backtest::new(&config, vec![strategy.clone()]).unwrap_or_else(|e| panic!("{e}"));
        for e in &events {
            probe.on_event(e).unwrap_or_else(|e| panic!("{e}"));
        }
        let result = probe.finish();
        eprintln!(
            "{name}: {} ticks, {} signals, {} fills, {} trades, {} equity marks, refused {:?}",
            events.len(),
            result.strategies[0].stats.signals,
            result.strategies[0].stats.fills,
            result.trades.len(),
            result.curve.times.len(),
            result.strategies[0].stats.refused
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut backtest = Backtest::new(&config, vec![strategy.clone()]).unwrap_or_else(|e| panic!("{e}"));
                for e in &events {
                    backtest.on_event(black_box(e)).unwrap_or_else(|e| panic!("{e}"));
                }
                black_box(backtest.finish().summary.total_pnl)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

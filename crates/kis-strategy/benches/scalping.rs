//! Trades per second through KRX scalping `on_event`: indicators, conditions, window gating and (when holding)
//! the exit rules. Goal: ≥ 5 M trades/s per core, so the backtester can reach 5 M ticks/s end to end.
//! Run: `cargo bench -p kis-strategy --bench scalping -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kis_model::tick_size::InstrumentKind;
use kis_model::{MarketEvent, Price, Qty, Side, Symbol, Trade};
use kis_strategy::krx_scalping::{KrxScalping, ScalpingConfig};
use kis_strategy::{Context, Position, Strategy};
use rust_decimal::Decimal;

const N: usize = 100_000;

/// A deterministic tick stream (xorshift) inside the 14:30–15:00 KST window, `lo..=hi` won on a 100-won grid.
fn trades(symbol: Symbol, lo: u64, hi: u64) -> Vec<MarketEvent> {
    let start: DateTime<Utc> = NaiveDate::from_ymd_opt(2026, 3, 2)
        .and_then(|d| d.and_hms_opt(5, 30, 0))
        .map(|t| t.and_utc())
        .unwrap_or_default();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut price = (lo + hi) / 2 / 100 * 100;
    (0..N)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            price = match state % 3 {
                0 => (price + 100).min(hi),
                1 => price.saturating_sub(100).max(lo),
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
    let mut group = c.benchmark_group("krx_scalping");
    group.throughput(Throughput::Elements(N as u64));

    let flat_events = trades(symbol, 60_000, 80_000);
    group.bench_function("on_event flat (entry path)", |b| {
        let mut s = KrxScalping::new(symbol, InstrumentKind::Stock, ScalpingConfig::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::with_capacity(16);
        let mut signals = 0usize;
        b.iter(|| {
            for ev in &flat_events {
                let ctx = Context::flat(ev.ts(), Decimal::from(10_000_000));
                s.on_event(black_box(ev), &ctx, &mut out);
                signals += out.len();
                out.clear();
            }
        });
        black_box(signals);
    });

    // Holding: prices stay within ±0.15 % of the average, so every tick runs all four exit checks and none
    // fires (a firing exit is followed by a pending order, which skips the checks).
    let held_events = trades(symbol, 69_900, 70_100);
    group.bench_function("on_event holding (exit checks)", |b| {
        let mut s = KrxScalping::new(symbol, InstrumentKind::Stock, ScalpingConfig::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let opened = held_events.first().map(|e| e.ts()).unwrap_or_default();
        let position = Position {
            symbol,
            qty: Qty::new(10),
            avg_price: Price::from_won(70_000),
            opened_at: opened,
            high_water: Price::from_won(70_000),
        };
        let mut out = Vec::with_capacity(16);
        let mut signals = 0usize;
        b.iter(|| {
            for ev in &held_events {
                let ctx = Context::flat(opened, Decimal::from(10_000_000)).with(|a| a.position = Some(position));
                s.on_event(black_box(ev), &ctx, &mut out);
                signals += out.len();
                out.clear();
            }
        });
        black_box(signals);
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

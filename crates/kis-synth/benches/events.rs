//! Events generated per second by the synthetic market with 2,000 KRX symbols, on one core.
//!
//! `cargo bench -p kis-synth --bench events`. Each iteration replays the same 2 virtual minutes from the open
//! (the busiest stretch of the U-shape) on a clone of the market; the clone is not timed.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kis_synth::{MarketConfig, MarketSource, SyntheticMarket, Universe, UniverseConfig};

fn market_at_open() -> (SyntheticMarket, DateTime<Utc>) {
    let universe = Universe::generate(UniverseConfig { seed: 7, krx_symbols: 2_000, us_symbols: 0 });
    let universe = universe.unwrap_or_else(|e| panic!("universe: {e}"));
    let start = DateTime::parse_from_rfc3339("2026-03-03T00:00:00Z").map(|t| t.with_timezone(&Utc));
    let start = start.unwrap_or_else(|e| panic!("start: {e}"));
    let mut market = SyntheticMarket::new(universe, MarketConfig::default(), start - TimeDelta::seconds(1))
        .unwrap_or_else(|e| panic!("market: {e}"));
    market
        .advance_to(start, &mut |e| {
            black_box(e);
        })
        .unwrap_or_else(|e| panic!("open: {e}"));
    (market, start)
}

fn events(c: &mut Criterion) {
    let (market, start) = market_at_open();
    let end = start + TimeDelta::minutes(2);
    let mut probe = market.clone();
    let mut count = 0u64;
    probe.advance_to(end, &mut |_| count += 1).unwrap_or_else(|e| panic!("probe: {e}"));
    println!("2 virtual minutes from the open, 2,000 symbols: {count} events");

    let mut group = c.benchmark_group("synthetic_market");
    group.throughput(Throughput::Elements(count));
    group.sample_size(10);
    group.bench_function("2000_symbols_2_minutes_from_open", |b| {
        b.iter_batched(
            || market.clone(),
            |mut m| {
                let mut n = 0u64;
                m.advance_to(end, &mut |e| {
                    black_box(e);
                    n += 1;
                })
                .unwrap_or_else(|e| panic!("advance: {e}"));
                n
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, events);
criterion_main!(benches);

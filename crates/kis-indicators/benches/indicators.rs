//! Update throughput of each indicator and of the whole StandardSet.
//! Run: `cargo bench -p kis-indicators -- --warm-up-time 1 --measurement-time 3`.
//! Each iteration feeds N bars, so criterion's time / N is the cost of one update.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kis_indicators::{Atr, Bar, Bollinger, Ema, Macd, Rsi, Sma, StandardSet};

const N: usize = 10_000;

/// A deterministic random walk (xorshift), so runs are comparable.
fn series() -> Vec<Bar> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut close = 100.0;
    (0..N)
        .map(|_| {
            let open = close;
            close = open * (1.0 + (next() - 0.5) * 0.02);
            Bar {
                open,
                high: open.max(close) + next() * 0.3,
                low: open.min(close) - next() * 0.3,
                close,
                volume: (next() * 50_000.0).round(),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let bars = series();
    let closes: Vec<f64> = bars.iter().map(|b| b.close).collect();
    let mut group = c.benchmark_group("update");
    group.throughput(Throughput::Elements(N as u64));

    macro_rules! single {
        ($name:literal, $make:expr) => {
            group.bench_function($name, |b| {
                b.iter(|| {
                    let mut ind = $make;
                    for &x in &closes {
                        black_box(ind.update(black_box(x)).ok());
                    }
                })
            });
        };
    }
    single!("sma20", Sma::new(20).unwrap());
    single!("ema20", Ema::new(20).unwrap());
    single!("rsi14", Rsi::new(14).unwrap());
    single!("macd_12_26_9", Macd::new(12, 26, 9).unwrap());
    single!("bollinger_20_2", Bollinger::new(20, 2.0).unwrap());

    group.bench_function("atr14", |b| {
        b.iter(|| {
            let mut atr = Atr::new(14).unwrap();
            for bar in &bars {
                black_box(atr.update(bar.high, bar.low, bar.close).ok());
            }
        })
    });
    group.bench_function("standard_set", |b| {
        b.iter(|| {
            let mut set = StandardSet::new();
            for bar in &bars {
                black_box(set.update(black_box(bar)).ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Throughput of the engine on the simulator's hot path.
//!
//! `prints_skip`: trade prints with 100 resting orders over 50 symbols, none of them eligible (the common
//! case: the index answers from the best prices alone). `prints_fill`: the same, with one print in ten
//! filling a resting order that is then resubmitted. `submit_fill`: a marketable limit order submitted and
//! filled against the book, round trip.

use std::hint::black_box;

use chrono::{DateTime, NaiveDate, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kis_engine::{Engine, EngineConfig, EngineEvent, NewOrder, SymbolSpec};
use kis_model::{Book, FeeModel, InstrumentKind, KrxBoard, Level, Money, Price, Qty, Side, Symbol, Trade};

const SYMBOLS: u64 = 50;

fn ts() -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_400_000, 0).unwrap_or_default()
}

fn symbol(i: u64) -> Symbol {
    Symbol::krx(&format!("{:06}", 100_000 + i)).expect("valid code")
}

/// 50 symbols based at 10,000 won, each with one buy at 9,900 and one sell at 10,100 (100 resting orders).
fn engine() -> Engine {
    let mut engine = Engine::new(EngineConfig::default(), FeeModel::shipped()).expect("config");
    engine.deposit(Money::krw(1_000_000_000_000)).expect("deposit");
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let mut out = Vec::new();
    for i in 0..SYMBOLS {
        let s = symbol(i);
        engine
            .set_symbol(SymbolSpec::krx(s, KrxBoard::Kospi, InstrumentKind::Stock, 10_000, day).expect("spec"))
            .expect("set");
        engine.seed_position(s, Qty::new(1_000_000), Price::from_won(10_000)).expect("seed");
        engine
            .submit(NewOrder::limit(s, Side::Buy, Price::from_won(9_900), Qty::new(10)), true, ts(), &mut out)
            .expect("buy");
        engine
            .submit(NewOrder::limit(s, Side::Sell, Price::from_won(10_100), Qty::new(10)), true, ts(), &mut out)
            .expect("sell");
    }
    engine
}

fn prints(n: usize, fill_every: usize) -> Vec<Trade> {
    (0..n)
        .map(|i| {
            let price = if fill_every > 0 && i % fill_every == 0 { 9_850 } else { 9_950 + (i as u64 % 3) * 50 };
            Trade {
                symbol: symbol(i as u64 % SYMBOLS),
                ts: ts(),
                price: Price::from_won(price),
                qty: Qty::new(100),
                aggressor: None,
                bid: None,
                ask: None,
                cum_volume: 0,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    let skip = prints(10_000, 0);
    group.throughput(Throughput::Elements(skip.len() as u64));
    group.bench_function("prints_skip", |b| {
        let mut engine = engine();
        let mut out = Vec::new();
        b.iter(|| {
            for t in &skip {
                engine.on_trade(black_box(t), &mut out).expect("print");
            }
            assert!(out.is_empty());
        })
    });

    let fill = prints(10_000, 10);
    group.throughput(Throughput::Elements(fill.len() as u64));
    group.bench_function("prints_fill", |b| {
        let mut engine = engine();
        let mut out = Vec::new();
        b.iter(|| {
            for t in &fill {
                engine.on_trade(black_box(t), &mut out).expect("print");
                if !out.is_empty() {
                    out.clear();
                    let order = NewOrder::limit(t.symbol, Side::Buy, Price::from_won(9_900), Qty::new(10));
                    engine.submit(order, true, ts(), &mut out).expect("resubmit");
                    out.clear();
                }
            }
        })
    });

    group.throughput(Throughput::Elements(1));
    group.bench_function("submit_fill", |b| {
        let mut engine = engine();
        let s = symbol(0);
        let mut book =
            Book { symbol: s, ts: ts(), asks: [Level::default(); 10], bids: [Level::default(); 10], depth: 10 };
        book.asks[0] = Level { price: Price::from_won(10_000), qty: Qty::new(1_000) };
        book.bids[0] = Level { price: Price::from_won(9_990), qty: Qty::new(1_000) };
        let mut out = Vec::new();
        let mut side = Side::Buy;
        b.iter(|| {
            engine.on_book(&book);
            let price = if side == Side::Buy { 10_000 } else { 9_990 };
            let order = NewOrder::limit(s, side, Price::from_won(price), Qty::new(5));
            engine.submit(black_box(order), true, ts(), &mut out).expect("submit");
            debug_assert!(matches!(out.last(), Some(EngineEvent::Filled(_))));
            out.clear();
            side = side.opposite();
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

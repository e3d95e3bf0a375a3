//! Shared fixtures: a KOSPI stock based at 70,000 won (limits 49,000..=91,000) and a US stock.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use kis_engine::{Engine, EngineConfig, EngineEvent, Fill, FillRule, SymbolSpec};
use kis_model::{Book, FeeModel, InstrumentKind, KrxBoard, Level, Money, Price, Qty, Symbol, Trade};

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn ts(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_400_000 + secs, 0).unwrap()
}

pub fn samsung() -> Symbol {
    Symbol::parse("005930").unwrap()
}

pub fn aapl() -> Symbol {
    Symbol::parse("NASDAQ:AAPL").unwrap()
}

pub fn won(n: u64) -> Price {
    Price::from_won(n)
}

pub fn usd(s: &str) -> Price {
    s.parse().unwrap()
}

/// An engine with 10,000,000 won and 10,000 dollars, Samsung (base 70,000) and AAPL known on `day`.
pub fn engine_on(day: &str, rule: FillRule) -> Engine {
    let config = EngineConfig { fill_rule: rule, ..EngineConfig::default() };
    let mut engine = Engine::new(config, FeeModel::shipped()).unwrap();
    engine.deposit(Money::krw(10_000_000)).unwrap();
    engine.deposit(Money::new("10000".parse().unwrap(), kis_model::Currency::Usd)).unwrap();
    engine
        .set_symbol(SymbolSpec::krx(samsung(), KrxBoard::Kospi, InstrumentKind::Stock, 70_000, date(day)).unwrap())
        .unwrap();
    engine.set_symbol(SymbolSpec::us(aapl(), date(day)).unwrap()).unwrap();
    engine
}

pub fn engine() -> Engine {
    engine_on("2026-03-02", FillRule::Through)
}

pub fn print(symbol: Symbol, price: Price, qty: u64, secs: i64) -> Trade {
    Trade { symbol, ts: ts(secs), price, qty: Qty::new(qty), aggressor: None, bid: None, ask: None, cum_volume: 0 }
}

pub fn book(symbol: Symbol, asks: &[(Price, u64)], bids: &[(Price, u64)]) -> Book {
    let mut b = Book { symbol, ts: ts(0), asks: [Level::default(); 10], bids: [Level::default(); 10], depth: 10 };
    for (slot, (price, qty)) in b.asks.iter_mut().zip(asks) {
        *slot = Level { price: *price, qty: Qty::new(*qty) };
    }
    for (slot, (price, qty)) in b.bids.iter_mut().zip(bids) {
        *slot = Level { price: *price, qty: Qty::new(*qty) };
    }
    b
}

pub fn fills(events: &[EngineEvent]) -> Vec<Fill> {
    events.iter().filter_map(|e| if let EngineEvent::Filled(f) = e { Some(*f) } else { None }).collect()
}

/// (order number, qty, price) of each fill, for compact assertions.
pub fn fill_summary(events: &[EngineEvent]) -> Vec<(u64, u64, Price)> {
    fills(events).iter().map(|f| (f.order.order_no.value(), f.qty.shares(), f.price)).collect()
}

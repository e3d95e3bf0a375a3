//! Builders shared by the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kis_model::{Bar, MarketEvent, Price, Qty, Side, Symbol, Trade, UsExchange};
use kis_strategy::{Context, Position};
use rust_decimal::Decimal;

pub fn samsung() -> Symbol {
    Symbol::krx("005930").unwrap()
}

pub fn tqqq() -> Symbol {
    Symbol::us(UsExchange::Nasdaq, "TQQQ").unwrap()
}

/// `day` 2026-03-<day> at hh:mm:ss KST, as UTC.
pub fn kst(day: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2026, 3, day).unwrap().and_hms_opt(h, m, s).unwrap().and_utc() - Duration::hours(9)
}

pub fn won(p: u64) -> Price {
    Price::from_won(p)
}

pub fn trade(symbol: Symbol, ts: DateTime<Utc>, price: u64, qty: u64, aggressor: Option<Side>) -> MarketEvent {
    MarketEvent::Trade(Trade {
        symbol,
        ts,
        price: won(price),
        qty: Qty::new(qty),
        aggressor,
        bid: None,
        ask: None,
        cum_volume: 0,
    })
}

pub fn quoted(symbol: Symbol, ts: DateTime<Utc>, price: u64, qty: u64, bid: u64, ask: u64) -> MarketEvent {
    MarketEvent::Trade(Trade {
        symbol,
        ts,
        price: won(price),
        qty: Qty::new(qty),
        aggressor: Some(Side::Buy),
        bid: Some(won(bid)),
        ask: Some(won(ask)),
        cum_volume: 0,
    })
}

pub fn bar(symbol: Symbol, ts: DateTime<Utc>, close: Decimal) -> Bar {
    let p = Price::new(close).unwrap();
    Bar { symbol, ts, open: p, high: p, low: p, close: p, volume: 100 }
}

pub fn flat(now: DateTime<Utc>) -> Context {
    Context::flat(now, Decimal::from(10_000_000))
}

pub fn holding(now: DateTime<Utc>, symbol: Symbol, qty: u64, avg: Price, opened_at: DateTime<Utc>) -> Context {
    let position = Position { symbol, qty: Qty::new(qty), avg_price: avg, opened_at, high_water: avg };
    flat(now).with(|a| a.position = Some(position))
}

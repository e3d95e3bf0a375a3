#![allow(dead_code)]

use chrono::{DateTime, Utc};
use kis_desk::{Desk, DeskConfig, MarketRules, Output};
use kis_model::{FeeModel, KrxBoard, Market, Price, Qty, Side, Symbol};
use kis_strategy::FillReport;
use kis_strategy::risk::{ExitRules, RiskConfig};
use rust_decimal::Decimal;

pub fn sym(code: &str) -> Symbol {
    code.parse().unwrap()
}

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub fn fill(symbol: Symbol, side: Side, qty: u64, price: Price, ts: &str) -> FillReport {
    FillReport { symbol, side, qty: Qty::new(qty), price, ts: at(ts), strategy_id: None }
}

pub fn both_markets() -> DeskConfig {
    DeskConfig {
        fees: FeeModel::shipped(),
        board: KrxBoard::Kospi,
        markets: vec![
            MarketRules { market: Market::Krx, risk: RiskConfig::default(), exits: Some(ExitRules::default()) },
            MarketRules { market: Market::Us, risk: RiskConfig::default(), exits: None },
        ],
    }
}

/// A desk trading both markets with `krw` and `usd` in the account, read at `now`.
pub fn desk_with(krw: Decimal, usd: Decimal, now: &str) -> Desk {
    let mut desk = Desk::new(both_markets()).unwrap();
    let mut out = Vec::new();
    desk.on_balance(Market::Krx, krw, &[], at(now), &mut out);
    desk.on_balance(Market::Us, usd, &[], at(now), &mut out);
    desk
}

pub fn orders(out: &[Output]) -> Vec<&kis_strategy::risk::OrderIntent> {
    out.iter().filter_map(|o| if let Output::Order { intent, .. } = o { Some(intent) } else { None }).collect()
}

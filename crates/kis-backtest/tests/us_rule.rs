//! The US bot in the backtester with the shipped settings (config/us.toml, no `[risk]`): over 3,000 daily bars
//! of oscillating prices every buy spends 30 % of the cash left, no buy is refused by a position cap, and the
//! holding is the one the user's rule, written out here, gives.

use chrono::{DateTime, Duration};
use kis_backtest::{BacktestConfig, run, sleeve_risk};
use kis_model::{Bar, FeeModel, Market, MarketEvent, Price, Qty, Side, Symbol, UsExchange};
use kis_strategy::risk::RiskConfig;
use kis_strategy::us_rsi_macd::UsRsiMacd;
use kis_strategy::{AccountSnapshot, Context, FillReport, Position, SignalQty, Strategy, StrategyConfig};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal_macros::dec;

fn tqqq() -> Symbol {
    Symbol::us(UsExchange::Nasdaq, "TQQQ").unwrap()
}

fn shipped() -> StrategyConfig {
    let table: toml::Table = toml::from_str(include_str!("../../../config/us.toml")).unwrap();
    table["strategies"].as_array().unwrap()[0].clone().try_into().unwrap()
}

/// Daily bars at midnight New York, closes on two waves and a drift (the open is the close: one price a day).
fn series(n: usize) -> Vec<MarketEvent> {
    let start = DateTime::parse_from_rfc3339("2015-01-02T05:00:00Z").unwrap().to_utc();
    (0..n)
        .map(|i| {
            let x = i as f64;
            let v = 60.0
                + 22.0 * (x * std::f64::consts::TAU / 47.0).sin()
                + 7.0 * (x * std::f64::consts::TAU / 11.0).sin()
                + x * 0.004;
            let p = Price::new(Decimal::from_f64(v).unwrap().round_dp(2)).unwrap();
            MarketEvent::Bar(Bar {
                symbol: tqqq(),
                ts: start + Duration::days(i as i64),
                open: p,
                high: p,
                low: p,
                close: p,
                volume: 1_000,
            })
        })
        .collect()
}

/// No commission and no SEC fee, so the rule below needs no fee table.
fn no_fees() -> BacktestConfig {
    let mut config = BacktestConfig::new(Market::Us);
    config.fees = FeeModel::shipped().with_overrides(Some(Decimal::ZERO), Some(Decimal::ZERO)).unwrap();
    config
}

/// The user's rule on the same signals, filled at the close: buy ⌊cash × 0.3 / limit⌋, sell
/// max(1, ⌊held × 0.3⌋), stop-loss sells all. Returns (held, cash, buys).
fn users_rule(strategy: &StrategyConfig, events: &[MarketEvent], cash: Decimal) -> (Qty, Decimal, u64) {
    let StrategyConfig::UsRsiMacd(config) = strategy else { panic!() };
    let mut s = UsRsiMacd::new(tqqq(), config.clone()).unwrap();
    let (mut cash, mut position, mut buys) = (cash, None::<Position>, 0);
    let (mut last_buy_at, mut last_sell_at) = (None, None);
    for event in events {
        let MarketEvent::Bar(b) = event else { continue };
        let held = position.map_or(Qty::ZERO, |p| p.qty);
        let ctx = Context::new(
            b.ts,
            AccountSnapshot {
                position,
                available_cash: cash,
                equity: cash + b.close.value() * held.as_decimal(),
                open_positions: usize::from(position.is_some()),
                order_pending: false,
                last_price: Some(b.close),
                last_buy_at,
                last_sell_at,
            },
        );
        let mut out = Vec::new();
        s.on_event(event, &ctx, &mut out);
        for signal in out {
            let held = position.map_or(Qty::ZERO, |p| p.qty).as_decimal();
            let limit = signal.limit.unwrap().value();
            let q = match (signal.side, signal.quantity) {
                (Side::Buy, SignalQty::CashFraction(f)) => (cash * f / limit).floor(),
                (Side::Sell, SignalQty::PositionFraction(f)) => (held * f).floor().max(Decimal::ONE).min(held),
                (Side::Sell, SignalQty::All) => held,
                other => panic!("{other:?}"),
            };
            let qty = Qty::new(q.to_u64().unwrap());
            if qty.is_zero() {
                continue;
            }
            let amount = b.close.value() * qty.as_decimal();
            if signal.side == Side::Buy {
                cash -= amount;
                buys += 1;
                last_buy_at = Some(b.ts);
            } else {
                cash += amount;
                last_sell_at = Some(b.ts);
            }
            let fill =
                FillReport { symbol: tqqq(), side: signal.side, qty, price: b.close, ts: b.ts, strategy_id: None };
            position = Position::apply_fill(position, &fill).unwrap();
        }
    }
    (position.map_or(Qty::ZERO, |p| p.qty), cash, buys)
}

#[test]
fn the_backtester_sizes_the_us_bot_by_its_own_rule() {
    let strategy = shipped();
    let StrategyConfig::UsRsiMacd(us) = &strategy else { panic!("{strategy:?}") };
    assert_eq!((us.buy_cash_fraction, us.stop_loss_pct), (dec!(0.3), dec!(5)));
    let config = no_fees();
    assert_eq!(config.risk, RiskConfig::default(), "no [risk] in the run");
    assert_eq!(sleeve_risk(&config, &strategy), strategy.default_risk());
    let events = series(3_000);
    let result = run(&config, vec![strategy.clone()], &events).unwrap();
    let us = &result.strategies[0];
    assert_eq!(us.stats.refused.get("position_cap"), None, "{:?}", us.stats.refused);
    assert!(us.stats.rejected.is_empty(), "{:?}", us.stats.rejected);
    let held = us.open.iter().map(|o| o.qty).fold(Qty::ZERO, |a, b| a + b);
    let (want_held, want_cash, buys) = users_rule(&strategy, &events, config.initial_cash);
    assert!(buys > 300, "{buys} buys");
    assert_eq!(held, want_held);
    let last = events.last().map(|e| match e {
        MarketEvent::Bar(b) => b.close.value(),
        _ => unreachable!(),
    });
    assert_eq!(us.summary.final_equity, want_cash + last.unwrap() * want_held.as_decimal());

    // A run [risk] applies to every strategy: with the KRX cap the same bot is refused and holds less.
    let mut capped = no_fees();
    capped.risk.order_rate.max_per_minute = 31; // not the defaults: the file sets a [risk]
    let result = run(&capped, vec![strategy.clone()], &events).unwrap();
    let refused = result.strategies[0].stats.refused.get("position_cap").copied().unwrap_or(0);
    assert!(refused > 100, "{refused}");
    let capped_held = result.strategies[0].open.iter().map(|o| o.qty).fold(Qty::ZERO, |a, b| a + b);
    assert_ne!(capped_held, want_held);
    // And the strategy's own table wins over the run's.
    let StrategyConfig::UsRsiMacd(mut own) = strategy.clone() else { panic!() };
    own.risk = Some(strategy.default_risk());
    assert_eq!(sleeve_risk(&capped, &StrategyConfig::UsRsiMacd(own)), strategy.default_risk());
}

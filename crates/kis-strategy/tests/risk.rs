//! Risk rules: exits (each reason, stop-loss precedence, monitor = stateless rules), sizing, breakers, and
//! every refusal of the engine.

mod common;

use chrono::Duration;
use common::*;
use kis_model::{Price, Qty, Side, Symbol};
use kis_strategy::AccountSnapshot;
use kis_strategy::risk::*;
use kis_strategy::{ExitReason, FillReport, Position, PositionError, Signal, SignalKind, SignalQty, StrategyId};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn position(avg: u64) -> Position {
    let t0 = kst(2, 10, 0, 0);
    Position { symbol: samsung(), qty: Qty::new(10), avg_price: won(avg), opened_at: t0, high_water: won(avg) }
}

#[test]
fn each_exit_reason_fires_at_its_level() {
    let rules = ExitRules::default();
    let p = position(100_000);
    let t = p.opened_at + Duration::minutes(1);
    // Stop at 99,200 (−0.8 %), take-profit at 101,200 (+1.2 %).
    assert_eq!(rules.evaluate(&p, won(99_300), t), None);
    assert_eq!(rules.evaluate(&p, won(99_200), t), Some(ExitReason::StopLoss));
    assert_eq!(rules.evaluate(&p, won(101_100), t), None);
    assert_eq!(rules.evaluate(&p, won(101_200), t), Some(ExitReason::TakeProfit));
    // Trailing: armed once the high reaches +0.3 % (100,300); exits 0.3 % below the high.
    let high = Position { high_water: won(101_000), ..p };
    assert_eq!(rules.evaluate(&high, won(100_800), t), None); // 101,000 × 0.997 = 100,697
    assert_eq!(rules.evaluate(&high, won(100_600), t), Some(ExitReason::TrailingStop));
    let unarmed = Position { high_water: won(100_200), ..p };
    assert_eq!(rules.evaluate(&unarmed, won(99_800), t), None, "not armed below +0.3 %");
    // Max holding: 15 minutes from the opening.
    assert_eq!(rules.evaluate(&p, won(100_000), p.opened_at + Duration::seconds(899)), None);
    assert_eq!(rules.evaluate(&p, won(100_000), p.opened_at + Duration::minutes(15)), Some(ExitReason::MaxHoldingTime));
}

#[test]
fn stop_loss_is_checked_before_everything() {
    let rules = ExitRules {
        trailing_stop: Some(TrailingStop { distance_pct: dec!(0.3), arm_pct: Decimal::ZERO }),
        ..ExitRules::default()
    };
    let p = Position { high_water: won(101_000), ..position(100_000) };
    // 99,000 is below the stop, below the trailing level, and past the deadline: the stop-loss is reported.
    let late = p.opened_at + Duration::hours(1);
    assert_eq!(rules.evaluate(&p, won(99_000), late), Some(ExitReason::StopLoss));
    let mut monitor = ExitMonitor::new(rules).unwrap();
    assert_eq!(monitor.check(&p, won(99_000), late), Some(ExitReason::StopLoss));
    // Above the stop the trailing stop comes before the time rule.
    assert_eq!(rules.evaluate(&p, won(100_500), late), Some(ExitReason::TrailingStop));
}

#[test]
fn monitor_agrees_with_stateless_rules_on_a_walk() {
    let rules = ExitRules::default();
    let mut monitor = ExitMonitor::new(rules).unwrap();
    let mut p = position(50_000);
    let mut price: i64 = 50_000;
    let mut state: u64 = 7;
    let mut seen = std::collections::HashSet::new();
    for i in 0..2_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        price += ((state % 5) as i64 - 2) * 50;
        price = price.clamp(48_000, 52_000);
        let px = won(price as u64);
        let now = p.opened_at + Duration::seconds(i);
        let a = monitor.check(&p, px, now);
        p.mark(px);
        let b = rules.evaluate(&p, px, now);
        assert_eq!(a, b, "tick {i} at {price}");
        if let Some(r) = a {
            seen.insert(r);
            // Start a new position at the current price, as after an exit and re-entry.
            p = Position { avg_price: px, high_water: px, opened_at: now, ..p };
        }
    }
    assert!(seen.len() >= 3, "walk exercised {seen:?}");
}

#[test]
fn exit_rule_validation_names_the_field() {
    let bad = ExitRules { stop_loss_pct: Some(Decimal::ZERO), ..ExitRules::default() };
    assert_eq!(bad.validate().unwrap_err().field, "exits.stop_loss_pct");
    let bad = ExitRules { max_holding_secs: Some(0), ..ExitRules::default() };
    assert_eq!(ExitMonitor::new(bad).unwrap_err().field, "exits.max_holding_secs");
    let bad = ExitRules {
        trailing_stop: Some(TrailingStop { distance_pct: dec!(0.3), arm_pct: dec!(-1) }),
        ..ExitRules::default()
    };
    assert_eq!(bad.validate().unwrap_err().field, "exits.trailing_stop.arm_pct");
    assert_eq!(ExitRules::NONE.evaluate(&position(100), won(1), kst(9, 0, 0, 0)), None);
}

#[test]
fn sizing_takes_the_smallest_cap() {
    let rules = SizingRules::default();
    let equity = dec!(10_000_000);
    // Risk: 1.5 % of 10M = 150,000; stop distance 1,000 → 150 shares. Position cap: 30 % = 3M / 50,000 = 60.
    let cap = rules.max_entry(equity, won(50_000), Some(dec!(1000)), Decimal::ZERO);
    assert_eq!(cap, SizeCap { qty: Qty::new(60), limit: SizeLimit::PositionCap });
    // Stop distance 5,000 → 30 shares by risk.
    let cap = rules.max_entry(equity, won(50_000), Some(dec!(5000)), Decimal::ZERO);
    assert_eq!(cap, SizeCap { qty: Qty::new(30), limit: SizeLimit::Risk });
    // Already holding 2.9M of it: room for 100,000 → 2 shares.
    let cap = rules.max_entry(equity, won(50_000), None, dec!(2_900_000));
    assert_eq!(cap.qty, Qty::new(2));
    // Kelly: W = 0.6, R = 1.5 → f* = 0.6 − 0.4/1.5 = 0.3333…; half = 0.1666… ; capped at 0.1 → 1M / 50,000 = 20.
    let kelly =
        KellyCap { win_rate: dec!(0.6), payoff_ratio: dec!(1.5), multiplier: dec!(0.5), max_fraction: dec!(0.1) };
    assert_eq!(kelly.full_kelly().round_dp(6), dec!(0.333333));
    assert_eq!(kelly.fraction(), dec!(0.1));
    let with_kelly = SizingRules { kelly: Some(kelly), ..rules };
    assert_eq!(
        with_kelly.max_entry(equity, won(50_000), None, Decimal::ZERO),
        SizeCap { qty: Qty::new(20), limit: SizeLimit::Kelly }
    );
}

#[test]
fn volatility_widens_the_stop_distance() {
    // 0.8 % of 50,000 = 400; 2 × ATR 300 = 600 wins; an ATR of 100 does not.
    assert_eq!(volatility_stop_distance(won(50_000), dec!(0.8), Some(300.0), dec!(2)), dec!(600));
    assert_eq!(volatility_stop_distance(won(50_000), dec!(0.8), Some(100.0), dec!(2)), dec!(400));
    assert_eq!(volatility_stop_distance(won(50_000), dec!(0.8), Some(f64::NAN), dec!(2)), dec!(400));
    assert_eq!(volatility_stop_distance(won(50_000), dec!(0.8), None, dec!(2)), dec!(400));
}

#[test]
fn sizing_validation_names_the_field() {
    let bad = SizingRules { max_open_positions: 0, ..SizingRules::default() };
    assert_eq!(bad.validate().unwrap_err().field, "sizing.max_open_positions");
    let bad = SizingRules { risk_per_trade_pct: dec!(0), ..SizingRules::default() };
    assert_eq!(bad.validate().unwrap_err().field, "sizing.risk_per_trade_pct");
    let kelly = KellyCap { win_rate: dec!(1), payoff_ratio: dec!(1), multiplier: dec!(0.5), max_fraction: dec!(0.2) };
    let bad = SizingRules { kelly: Some(kelly), ..SizingRules::default() };
    assert_eq!(bad.validate().unwrap_err().field, "sizing.kelly.win_rate");
}

fn signal(symbol: Symbol, side: Side, kind: SignalKind, quantity: SignalQty, limit: Option<u64>) -> Signal {
    Signal {
        symbol,
        side,
        kind,
        quantity,
        limit: limit.map(won),
        stop: None,
        order_type: kis_strategy::OrderType::Limit,
        strategy_id: StrategyId::new("test"),
        reason: "test".to_string(),
    }
}

fn account() -> AccountSnapshot {
    AccountSnapshot {
        equity: dec!(10_000_000),
        available_cash: dec!(10_000_000),
        open_positions: 0,
        position: None,
        order_pending: false,
        last_price: Some(won(50_000)),
        last_buy_at: None,
        last_sell_at: None,
    }
}

fn buy(q: SignalQty) -> Signal {
    signal(samsung(), Side::Buy, SignalKind::Entry, q, Some(50_000))
}

fn sell(q: SignalQty) -> Signal {
    signal(samsung(), Side::Sell, SignalKind::Exit(ExitReason::SignalExit), q, Some(50_000))
}

fn engine() -> RiskEngine {
    RiskEngine::new(RiskConfig::default()).unwrap()
}

fn held(qty: u64) -> AccountSnapshot {
    let p = Position { qty: Qty::new(qty), ..position(50_000) };
    AccountSnapshot { position: Some(p), open_positions: 1, ..account() }
}

#[test]
fn approvals_are_sized_in_whole_shares() {
    let now = kst(2, 10, 0, 0);
    let mut e = engine();
    // 30 % of 10M cash at 50,000 = 60 shares; the position cap allows 60.
    let d = e.evaluate(&buy(SignalQty::CashFraction(dec!(0.3))), &account(), now);
    assert_eq!(d.approved().map(|o| o.qty), Some(Qty::new(60)));
    // With a stop 5,000 below, risk sizing cuts it to 30.
    let mut s = buy(SignalQty::CashFraction(dec!(0.3)));
    s.stop = Some(won(45_000));
    assert_eq!(e.evaluate(&s, &account(), now).approved().map(|o| o.qty), Some(Qty::new(30)));
    // Cash caps: 120,000 won buys 2 shares.
    let poor = AccountSnapshot { available_cash: dec!(120_000), ..account() };
    assert_eq!(
        e.evaluate(&buy(SignalQty::Shares(Qty::new(10))), &poor, now).approved().map(|o| o.qty),
        Some(Qty::new(2))
    );
    // Sells: a fraction rounds down but sells at least one share; shares are capped at the holding; All.
    assert_eq!(
        e.evaluate(&sell(SignalQty::PositionFraction(dec!(0.3))), &held(10), now).approved().map(|o| o.qty),
        Some(Qty::new(3))
    );
    assert_eq!(
        e.evaluate(&sell(SignalQty::PositionFraction(dec!(0.3))), &held(2), now).approved().map(|o| o.qty),
        Some(Qty::new(1))
    );
    assert_eq!(
        e.evaluate(&sell(SignalQty::Shares(Qty::new(50))), &held(7), now).approved().map(|o| o.qty),
        Some(Qty::new(7))
    );
    let o = e.evaluate(&sell(SignalQty::All), &held(7), now);
    let o = o.approved().unwrap();
    assert_eq!((o.qty, o.side, o.limit, o.strategy_id.as_str()), (Qty::new(7), Side::Sell, Some(won(50_000)), "test"));
}

#[test]
fn every_refusal_has_its_reason() {
    let now = kst(2, 10, 0, 0);
    let refuse = |e: &mut RiskEngine, s: &Signal, a: &AccountSnapshot| e.evaluate(s, a, now).refusal();
    let mut e = engine();
    let b = buy(SignalQty::CashFraction(dec!(0.3)));

    let pending = AccountSnapshot { order_pending: true, ..account() };
    assert_eq!(refuse(&mut e, &b, &pending), Some(RefuseReason::DuplicatePending));
    let us = signal(tqqq(), Side::Buy, SignalKind::Entry, SignalQty::Shares(Qty::new(1)), None);
    assert_eq!(refuse(&mut e, &us, &account()), Some(RefuseReason::MarketOrderNotAllowed));
    assert_eq!(refuse(&mut e, &sell(SignalQty::All), &account()), Some(RefuseReason::NoPosition));
    let short = signal(samsung(), Side::Sell, SignalKind::Entry, SignalQty::Shares(Qty::new(1)), Some(50_000));
    assert_eq!(refuse(&mut e, &short, &account()), Some(RefuseReason::ShortNotAllowed));
    let cover = signal(samsung(), Side::Buy, SignalKind::Exit(ExitReason::StopLoss), SignalQty::All, Some(50_000));
    assert_eq!(refuse(&mut e, &cover, &account()), Some(RefuseReason::ShortNotAllowed));
    let full = AccountSnapshot { open_positions: 5, ..account() };
    assert_eq!(refuse(&mut e, &b, &full), Some(RefuseReason::MaxPositions { open: 5, max: 5 }));
    // At the cap: holding 60 shares at 50,000 = 3M = 30 % of equity.
    assert_eq!(refuse(&mut e, &b, &held(60)), Some(RefuseReason::PositionCap));
    let broke = AccountSnapshot { available_cash: dec!(49_999), ..account() };
    assert_eq!(
        refuse(&mut e, &b, &broke),
        Some(RefuseReason::InsufficientCash { price: won(50_000), available: dec!(49_999) })
    );
    // Risk budget 150,000 with a 200,000 stop distance per share: less than one share.
    let mut wide = signal(samsung(), Side::Buy, SignalKind::Entry, SignalQty::Shares(Qty::new(1)), Some(300_000));
    wide.stop = Some(won(100_000));
    assert_eq!(refuse(&mut e, &wide, &account()), Some(RefuseReason::ZeroSize));
    // A cash fraction worth less than a share.
    assert_eq!(refuse(&mut e, &buy(SignalQty::CashFraction(dec!(0.001))), &account()), Some(RefuseReason::ZeroSize));
    let no_price = AccountSnapshot { last_price: None, ..account() };
    let market = signal(samsung(), Side::Buy, SignalKind::Entry, SignalQty::Shares(Qty::new(1)), None);
    assert_eq!(refuse(&mut e, &market, &no_price), Some(RefuseReason::NoPrice));
    assert_eq!(
        refuse(&mut e, &buy(SignalQty::CashFraction(dec!(1.5))), &account()),
        Some(RefuseReason::InvalidFraction(dec!(1.5)))
    );
    assert_eq!(refuse(&mut e, &buy(SignalQty::All), &account()), Some(RefuseReason::UnsupportedQuantity));
    assert_eq!(
        refuse(&mut e, &sell(SignalQty::CashFraction(dec!(0.5))), &held(3)),
        Some(RefuseReason::UnsupportedQuantity)
    );

    let no_edge =
        KellyCap { win_rate: dec!(0.3), payoff_ratio: dec!(1), multiplier: dec!(0.5), max_fraction: dec!(0.2) };
    let config =
        RiskConfig { sizing: SizingRules { kelly: Some(no_edge), ..SizingRules::default() }, ..RiskConfig::default() };
    let mut k = RiskEngine::new(config).unwrap();
    assert_eq!(refuse(&mut k, &b, &account()), Some(RefuseReason::NoEdge));
}

#[test]
fn daily_loss_switches_to_reduce_only_until_the_next_day() {
    let now = kst(2, 10, 0, 0);
    let mut e = engine();
    e.start_day(dec!(10_000_000));
    assert_eq!(e.mark_equity(dec!(9_700_001)), TradingState::Active);
    assert_eq!(e.mark_equity(dec!(9_700_000)), TradingState::ReduceOnly); // −3 %
    assert_eq!(e.mark_equity(dec!(9_900_000)), TradingState::ReduceOnly, "a recovery does not lift it");
    let b = buy(SignalQty::Shares(Qty::new(1)));
    assert_eq!(e.evaluate(&b, &account(), now).refusal(), Some(RefuseReason::ReduceOnly));
    assert!(e.evaluate(&sell(SignalQty::All), &held(5), now).approved().is_some(), "exits still allowed");
    e.start_day(dec!(9_900_000));
    assert_eq!(e.state(), TradingState::Active);
    assert!(e.evaluate(&b, &account(), now).approved().is_some());

    let halt_on_loss = RiskConfig {
        daily_loss: DailyLossLimit { max_loss_pct: dec!(2), action: LimitAction::Halt },
        ..RiskConfig::default()
    };
    let mut h = RiskEngine::new(halt_on_loss).unwrap();
    h.start_day(dec!(1_000_000));
    assert_eq!(h.mark_equity(dec!(980_000)), TradingState::Halted);
    assert_eq!(h.evaluate(&sell(SignalQty::All), &held(5), now).refusal(), Some(RefuseReason::Halted));
}

#[test]
fn an_order_rate_breach_lifts_itself_and_unsent_orders_do_not_count() {
    let config = RiskConfig {
        order_rate: OrderRateLimit { max_per_minute: 3, action: LimitAction::Halt },
        ..RiskConfig::default()
    };
    let mut e = RiskEngine::new(config).unwrap();
    let t0 = kst(2, 10, 0, 0);
    let b = buy(SignalQty::Shares(Qty::new(1)));
    // Ten approvals the router never sent: each gives its slot back.
    for i in 0..10 {
        assert!(e.evaluate(&b, &account(), t0 + Duration::seconds(i)).approved().is_some(), "attempt {i}");
        assert!(e.order_not_sent(samsung()));
    }
    assert_eq!(e.state(), TradingState::Active);
    for i in 0..3 {
        assert!(e.evaluate(&b, &account(), t0 + Duration::seconds(10 + i)).approved().is_some());
        e.order_sent(samsung());
    }
    assert_eq!(
        e.evaluate(&b, &account(), t0 + Duration::seconds(59)).refusal(),
        Some(RefuseReason::RateLimited { max_per_minute: 3 })
    );
    assert_eq!(e.state(), TradingState::Halted);
    assert_eq!(e.causes().collect::<Vec<_>>(), vec![(HaltCause::OrderRate, TradingState::Halted)]);
    // Rate-halted: a take-profit waits, a stop-loss goes out (and counts).
    let take = signal(samsung(), Side::Sell, SignalKind::Exit(ExitReason::TakeProfit), SignalQty::All, None);
    let stop = signal(samsung(), Side::Sell, SignalKind::Exit(ExitReason::StopLoss), SignalQty::All, None);
    assert_eq!(e.evaluate(&take, &held(5), t0 + Duration::seconds(60)).refusal(), Some(RefuseReason::Halted));
    assert!(e.evaluate(&stop, &held(5), t0 + Duration::seconds(60)).approved().is_some());
    e.order_sent(samsung());
    // The breach lifts once the trailing minute has room: orders at 10, 11, 12 and the stop at 60.
    assert_eq!(e.refresh(t0 + Duration::seconds(70)), TradingState::Halted);
    assert_eq!(e.refresh(t0 + Duration::seconds(71)), TradingState::Active);
    assert!(e.evaluate(&b, &account(), t0 + Duration::seconds(73)).approved().is_some());

    // Reduce-only variant: the window slides, so orders older than 60 s stop counting.
    let config = RiskConfig {
        order_rate: OrderRateLimit { max_per_minute: 2, action: LimitAction::ReduceOnly },
        ..RiskConfig::default()
    };
    let mut r = RiskEngine::new(config).unwrap();
    assert!(r.evaluate(&sell(SignalQty::Shares(Qty::new(1))), &held(9), t0).approved().is_some());
    assert!(
        r.evaluate(&sell(SignalQty::Shares(Qty::new(1))), &held(9), t0 + Duration::seconds(30)).approved().is_some()
    );
    assert_eq!(
        r.evaluate(&sell(SignalQty::All), &held(9), t0 + Duration::seconds(59)).refusal(),
        Some(RefuseReason::RateLimited { max_per_minute: 2 })
    );
    assert_eq!(r.state(), TradingState::ReduceOnly);
    assert_eq!(r.evaluate(&b, &account(), t0 + Duration::seconds(59)).refusal(), Some(RefuseReason::ReduceOnly));
    assert!(r.evaluate(&sell(SignalQty::All), &held(9), t0 + Duration::seconds(61)).approved().is_some());
    r.halt();
    assert_eq!(r.state(), TradingState::Halted);
}

#[test]
fn protective_exits_go_out_in_every_state_but_shutdown() {
    let now = kst(2, 10, 0, 0);
    let exit = |reason| signal(samsung(), Side::Sell, SignalKind::Exit(reason), SignalQty::All, None);
    let mut e = engine();
    e.halt();
    e.impose(HaltCause::DailyLoss, TradingState::Halted);
    for reason in [ExitReason::StopLoss, ExitReason::TrailingStop, ExitReason::MaxHoldingTime, ExitReason::TimeExit] {
        let d = e.evaluate(&exit(reason), &held(5), now);
        assert_eq!(d.approved().map(|o| o.qty), Some(Qty::new(5)), "{reason} while halted");
    }
    for reason in [ExitReason::TakeProfit, ExitReason::SignalExit] {
        assert_eq!(e.evaluate(&exit(reason), &held(5), now).refusal(), Some(RefuseReason::Halted), "{reason}");
    }
    assert_eq!(e.evaluate(&buy(SignalQty::Shares(Qty::new(1))), &account(), now).refusal(), Some(RefuseReason::Halted));
    e.impose(HaltCause::Shutdown, TradingState::Halted);
    assert_eq!(e.evaluate(&exit(ExitReason::StopLoss), &held(5), now).refusal(), Some(RefuseReason::Halted));
    e.resume();
    assert!(e.evaluate(&exit(ExitReason::TakeProfit), &held(5), now).approved().is_some());
}

#[test]
fn guard_config_is_validated() {
    let bad = RiskConfig {
        order_rate: OrderRateLimit { max_per_minute: 0, action: LimitAction::Halt },
        ..RiskConfig::default()
    };
    assert_eq!(RiskEngine::new(bad).unwrap_err().field, "order_rate.max_per_minute");
    let bad = RiskConfig {
        daily_loss: DailyLossLimit { max_loss_pct: dec!(0), action: LimitAction::Halt },
        ..RiskConfig::default()
    };
    assert_eq!(RiskEngine::new(bad).unwrap_err().field, "daily_loss.max_loss_pct");
}

#[test]
fn positions_follow_fills() {
    let sym = samsung();
    let t = kst(2, 10, 0, 0);
    let fill = |side, qty, price: u64, ts| FillReport {
        symbol: sym,
        side,
        qty: Qty::new(qty),
        price: won(price),
        ts,
        strategy_id: None,
    };
    let p = Position::apply_fill(None, &fill(Side::Buy, 10, 50_000, t)).unwrap().unwrap();
    let p = Position::apply_fill(Some(p), &fill(Side::Buy, 30, 51_000, t + Duration::minutes(1))).unwrap().unwrap();
    assert_eq!((p.qty, p.avg_price, p.opened_at, p.high_water), (Qty::new(40), won(50_750), t, won(51_000)));
    let mut p = Position::apply_fill(Some(p), &fill(Side::Sell, 15, 50_500, t)).unwrap().unwrap();
    assert_eq!((p.qty, p.avg_price), (Qty::new(25), won(50_750)));
    p.mark(won(52_000));
    p.mark(won(51_500));
    assert_eq!(p.high_water, won(52_000));
    assert_eq!(p.cost(), dec!(1_268_750));
    assert_eq!(
        Position::apply_fill(Some(p), &fill(Side::Sell, 26, 50_000, t)),
        Err(PositionError::Oversold { symbol: sym, held: Qty::new(25), sold: Qty::new(26) })
    );
    assert_eq!(Position::apply_fill(Some(p), &fill(Side::Sell, 25, 50_000, t)), Ok(None));
    assert_eq!(Position::apply_fill(Some(p), &fill(Side::Buy, 0, 50_000, t)), Err(PositionError::ZeroQty(sym)));
    let other = FillReport { symbol: tqqq(), price: Price::new(dec!(50.5)).unwrap(), ..fill(Side::Buy, 1, 1, t) };
    assert_eq!(Position::apply_fill(Some(p), &other), Err(PositionError::WrongSymbol { position: sym, fill: tqqq() }));
}

#[test]
fn a_resumed_monitor_keeps_the_high_water_mark_and_the_armed_trail() {
    let rules = ExitRules {
        stop_loss_pct: None,
        take_profit_pct: None,
        trailing_stop: Some(TrailingStop { distance_pct: dec!(1), arm_pct: dec!(2) }),
        max_holding_secs: Some(600),
    };
    let opened = kst(2, 10, 0, 0);
    // Armed in the earlier run (under an arm of +1 %), now +1.6 % with rules that arm at +2 %: it stays armed.
    let p = Position { high_water: won(50_800), opened_at: opened, ..position(50_000) };
    let mut m = ExitMonitor::resume(rules, &p, true).unwrap();
    assert!(m.trailing_armed());
    assert_eq!(m.high_water(), Some(won(50_800)));
    // 1 % under 50,800 is 50,292: 50,500 holds, 50,200 exits.
    assert_eq!(m.check(&p, won(50_500), opened + Duration::seconds(60)), None);
    assert_eq!(m.check(&p, won(50_200), opened + Duration::seconds(61)), Some(ExitReason::TrailingStop));
    // Never armed: the same prices do nothing.
    let mut unarmed = ExitMonitor::resume(rules, &p, false).unwrap();
    assert!(!unarmed.trailing_armed());
    assert_eq!(unarmed.check(&p, won(50_200), opened + Duration::seconds(61)), None);
    // The holding clock runs from the original opening, not from the resume.
    assert_eq!(unarmed.check(&p, won(50_100), opened + Duration::seconds(599)), None);
    assert_eq!(unarmed.check(&p, won(50_100), opened + Duration::seconds(600)), Some(ExitReason::MaxHoldingTime));
}

#[test]
fn while_halted_a_take_profit_does_not_hide_a_holding_time_that_is_up() {
    let rules = ExitRules { max_holding_secs: Some(60), ..ExitRules::default() };
    let p = position(50_000);
    let late = p.opened_at + Duration::seconds(61);
    let mut m = ExitMonitor::new(rules).unwrap();
    assert_eq!(m.check(&p, won(51_000), late), Some(ExitReason::TakeProfit));
    assert_eq!(m.check_in(&p, won(51_000), late, true), Some(ExitReason::MaxHoldingTime));
    assert_eq!(m.check_in(&p, won(51_000), p.opened_at, true), None, "a take-profit alone is not protective");
    assert_eq!(m.check_in(&p, won(49_000), p.opened_at, true), Some(ExitReason::StopLoss));
}

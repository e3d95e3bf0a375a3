//! The desk's decisions: each market judged on its own currency, nothing judged before the broker's
//! account, the pending-order gate, exits per market.

mod common;

use common::*;
use kis_desk::{Desk, OrderEnd, Output, Refusal, Verdict};
use kis_model::{Currency, Market, Price, Qty, Side};
use kis_strategy::risk::RefuseReason;
use kis_strategy::{ExitReason, Signal, SignalKind, SignalQty, StrategyId};
use rust_decimal_macros::dec;

fn buy(symbol: &str, limit: Price, fraction: rust_decimal::Decimal) -> Signal {
    Signal {
        symbol: sym(symbol),
        side: Side::Buy,
        kind: SignalKind::Entry,
        quantity: SignalQty::CashFraction(fraction),
        limit: Some(limit),
        stop: None,
        order_type: kis_strategy::OrderType::Limit,
        strategy_id: StrategyId::new("test"),
        reason: "test".into(),
    }
}

#[test]
fn nothing_is_judged_before_the_market_s_account_is_read() {
    let mut desk = Desk::new(both_markets()).unwrap();
    let mut out = Vec::new();
    let now = at("2026-03-04T15:00:00Z");
    desk.on_balance(Market::Krx, dec!(10_000_000), &[], now, &mut out);
    let v = desk.on_signal(&buy("NASDAQ:TQQQ", "50".parse().unwrap(), dec!(0.3)), None, now, &mut out);
    assert_eq!(v, Verdict::Refused(Refusal::NotReady(Market::Us)));
    assert!(desk.market_ready(Market::Krx) && !desk.ready());
}

#[test]
fn a_us_buy_is_sized_on_dollars_and_gates_its_symbol() {
    let mut desk = desk_with(dec!(10_000_000), dec!(10_000), "2026-03-04T15:00:00Z");
    let mut out = Vec::new();
    let now = at("2026-03-04T15:00:01Z");
    let price: Price = "50.00".parse().unwrap();
    let v = desk.on_signal(&buy("NASDAQ:TQQQ", price, dec!(0.3)), Some(price), now, &mut out);
    assert_eq!(v, Verdict::Approved);
    let sent = orders(&out);
    // 30 % of 10,000 dollars at 50 is 60 shares, within the default 30 % position cap of 10,000 equity.
    assert_eq!((sent[0].qty, sent[0].limit), (Qty::new(60), Some(price)));
    assert!(desk.snapshot(sym("NASDAQ:TQQQ")).order_pending);
    assert!(desk.ledger().reserved(Currency::Usd) > dec!(3_000), "notional and commission held back");
    assert_eq!(desk.ledger().reserved(Currency::Krw), dec!(0));
    out.clear();
    let again = desk.on_signal(&buy("NASDAQ:TQQQ", price, dec!(0.3)), Some(price), now, &mut out);
    assert_eq!(again, Verdict::Refused(Refusal::Risk(RefuseReason::DuplicatePending)));
    desk.on_order_ended(sym("NASDAQ:TQQQ"), Side::Buy, Qty::ZERO, OrderEnd::Cancelled, now, &mut out);
    assert_eq!(desk.ledger().reserved(Currency::Usd), dec!(0), "a cancelled buy gives its cash back");
    assert!(!desk.snapshot(sym("NASDAQ:TQQQ")).order_pending);
}

#[test]
fn krx_exits_fire_on_trades_and_us_holdings_are_left_to_their_strategy() {
    let mut desk = desk_with(dec!(10_000_000), dec!(10_000), "2026-03-04T00:00:00Z");
    let mut out = Vec::new();
    let now = at("2026-03-04T00:01:00Z");
    let krx = sym("005930");
    let us = sym("NASDAQ:TQQQ");
    desk.on_balance(Market::Krx, dec!(10_000_000), &[(krx, Qty::new(10), Price::from_won(70_000))], now, &mut out);
    desk.on_balance(Market::Us, dec!(10_000), &[(us, Qty::new(10), "50".parse().unwrap())], now, &mut out);
    out.clear();
    // Far below both averages: the KRX stop-loss fires and sells at market; the US holding has no desk exits.
    desk.on_trade(krx, Price::from_won(60_000), at("2026-03-04T00:02:00Z"), &mut out);
    desk.on_trade(us, "40".parse().unwrap(), at("2026-03-04T00:02:00Z"), &mut out);
    let fired: Vec<_> = out.iter().filter(|o| matches!(o, Output::ExitFired { .. })).collect();
    assert_eq!(fired.len(), 1, "{out:?}");
    assert!(matches!(fired[0], Output::ExitFired { symbol, reason: ExitReason::StopLoss, .. } if *symbol == krx));
    let sent = orders(&out);
    assert_eq!((sent[0].symbol, sent[0].side, sent[0].qty, sent[0].limit), (krx, Side::Sell, Qty::new(10), None));
    // The exit is out: further ticks do not fire it again.
    out.clear();
    desk.on_trade(krx, Price::from_won(59_000), at("2026-03-04T00:02:01Z"), &mut out);
    assert!(orders(&out).is_empty());
    assert_eq!(desk.exits_fired().get("stop_loss"), Some(&1));
}

#[test]
fn a_market_without_rules_is_refused_by_name() {
    let mut config = both_markets();
    config.markets.retain(|m| m.market == Market::Krx);
    let mut desk = Desk::new(config).unwrap();
    let mut out = Vec::new();
    let now = at("2026-03-04T15:00:00Z");
    desk.on_balance(Market::Krx, dec!(10_000_000), &[], now, &mut out);
    let v = desk.on_signal(&buy("NYSE:O", "50".parse().unwrap(), dec!(0.3)), None, now, &mut out);
    assert_eq!(v, Verdict::Refused(Refusal::MarketNotTraded(Market::Us)));
    assert_eq!(desk.refused().get("other_market"), Some(&1));
}

#[test]
fn each_market_starts_its_own_trading_day() {
    let mut desk = desk_with(dec!(10_000_000), dec!(10_000), "2026-03-04T12:00:00Z");
    let mut out = Vec::new();
    // 15:30 UTC on the 4th is the 5th in Seoul and still the 4th in New York.
    desk.on_clock(at("2026-03-04T15:30:00Z"), &mut out);
    let days: Vec<_> = out
        .iter()
        .filter_map(|o| if let Output::NewDay { market, date } = o { Some((*market, *date)) } else { None })
        .collect();
    assert_eq!(days, vec![(Market::Krx, chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap())]);
}

/// A desk holding 10 shares of 005930 at 70,000 won, read from the broker at 09:01 KST.
fn holding_005930() -> (Desk, kis_model::Symbol) {
    let mut desk = desk_with(dec!(10_000_000), dec!(10_000), "2026-03-04T00:00:00Z");
    let krx = sym("005930");
    let mut out = Vec::new();
    desk.on_balance(
        Market::Krx,
        dec!(10_000_000),
        &[(krx, Qty::new(10), Price::from_won(70_000))],
        at("2026-03-04T00:01:00Z"),
        &mut out,
    );
    (desk, krx)
}

/// [`holding_005930`] with a buy of 5 more working (adding to the holding, or placed by hand and adopted).
fn holding_with_a_working_buy() -> (Desk, kis_model::Symbol) {
    let (mut desk, krx) = holding_005930();
    desk.on_reference(krx, Price::from_won(70_000));
    desk.on_trade(krx, Price::from_won(70_000), at("2026-03-04T00:01:20Z"), &mut Vec::new());
    desk.on_working(krx, Side::Buy, Qty::new(5), at("2026-03-04T00:01:30Z"));
    assert!(desk.snapshot(krx).order_pending);
    (desk, krx)
}

#[test]
fn a_protective_exit_has_the_order_that_holds_its_symbol_cancelled_then_goes_out() {
    let (mut desk, krx) = holding_with_a_working_buy();
    let mut out = Vec::new();
    // Far below the average: the stop-loss is due, but the symbol is held by the buy.
    desk.on_trade(krx, Price::from_won(60_000), at("2026-03-04T00:02:00Z"), &mut out);
    let cancels: Vec<_> = out.iter().filter(|o| matches!(o, Output::CancelForExit { .. })).collect();
    assert!(
        matches!(cancels[..], [Output::CancelForExit { symbol, reason: ExitReason::StopLoss, .. }] if *symbol == krx),
        "{out:?}"
    );
    assert!(orders(&out).is_empty(), "nothing is sold while the buy may still fill");
    // Asked once per pause, not on every tick.
    out.clear();
    desk.on_trade(krx, Price::from_won(59_900), at("2026-03-04T00:02:01Z"), &mut out);
    assert!(!out.iter().any(|o| matches!(o, Output::CancelForExit { .. })), "{out:?}");
    desk.on_trade(krx, Price::from_won(59_900), at("2026-03-04T00:02:03Z"), &mut out);
    assert_eq!(out.iter().filter(|o| matches!(o, Output::CancelForExit { .. })).count(), 1, "asked again: {out:?}");
    // The buy ended unfilled: the next trade sells the whole holding at market.
    out.clear();
    desk.on_order_ended(krx, Side::Buy, Qty::ZERO, OrderEnd::Cancelled, at("2026-03-04T00:02:04Z"), &mut out);
    desk.on_trade(krx, Price::from_won(59_800), at("2026-03-04T00:02:05Z"), &mut out);
    let sent = orders(&out);
    assert_eq!(sent.len(), 1, "{out:?}");
    assert_eq!((sent[0].symbol, sent[0].side, sent[0].qty, sent[0].limit), (krx, Side::Sell, Qty::new(10), None));
    // Its own exit working does not ask for a cancel of itself.
    out.clear();
    desk.on_trade(krx, Price::from_won(59_000), at("2026-03-04T00:02:09Z"), &mut out);
    assert!(out.iter().all(|o| !matches!(o, Output::CancelForExit { .. } | Output::Order { .. })), "{out:?}");
}

#[test]
fn a_take_profit_waits_for_the_working_order() {
    let (mut desk, krx) = holding_with_a_working_buy();
    let mut out = Vec::new();
    // Far above the average: a take-profit is a decision, not protection; it cancels nothing.
    desk.on_trade(krx, Price::from_won(90_000), at("2026-03-04T00:02:00Z"), &mut out);
    assert!(out.iter().all(|o| !matches!(o, Output::CancelForExit { .. } | Output::Order { .. })), "{out:?}");
}

#[test]
fn an_adopted_order_gates_its_symbol_before_the_symbol_s_reference_data() {
    let (mut desk, krx) = holding_005930();
    let mut out = Vec::new();
    // No trade and no previous close yet: the ledger cannot price a hold, the order still gates.
    desk.on_working(krx, Side::Sell, Qty::new(4), at("2026-03-04T00:01:30Z"));
    assert!(desk.snapshot(krx).order_pending);
    assert_eq!(desk.working(krx).map(|w| (w.side, w.qty, w.bound)), Some((Side::Sell, Qty::new(4), None)));
    let sell = Signal {
        side: Side::Sell,
        kind: SignalKind::Entry,
        quantity: SignalQty::All,
        ..buy("005930", Price::from_won(70_000), dec!(1))
    };
    let v = desk.on_signal(&sell, Some(Price::from_won(70_000)), at("2026-03-04T00:01:40Z"), &mut out);
    assert_eq!(v, Verdict::Refused(Refusal::Risk(RefuseReason::DuplicatePending)));
    // Its fill books, and its end frees the symbol.
    desk.on_fill(&fill(krx, Side::Sell, 4, Price::from_won(70_000), "2026-03-04T00:01:50Z"), &mut out);
    desk.on_order_ended(krx, Side::Sell, Qty::new(4), OrderEnd::Filled, at("2026-03-04T00:01:50Z"), &mut out);
    assert!(!desk.snapshot(krx).order_pending);
    assert_eq!(desk.ledger().position(krx).map(|p| p.qty), Some(Qty::new(6)));
}

/// The US bot's stop-loss sells at a limit under the last trade; when the market falls under that limit the
/// desk asks for a re-price (never up, at most every two venue seconds), and forgets it once the order ended.
/// A sell that is not a protective exit is left alone.
#[test]
fn a_resting_us_stop_loss_the_market_fell_under_is_repriced() {
    let us = sym("NASDAQ:TQQQ");
    let start = "2026-03-04T15:00:00Z";
    let mut desk = desk_with(dec!(10_000_000), dec!(10_000), start);
    let mut out = Vec::new();
    desk.on_balance(Market::Us, dec!(10_000), &[(us, Qty::new(10), "50".parse().unwrap())], at(start), &mut out);
    let sell = |kind: SignalKind, limit: &str| Signal {
        symbol: us,
        side: Side::Sell,
        kind,
        quantity: SignalQty::All,
        limit: Some(limit.parse().unwrap()),
        stop: None,
        order_type: kis_strategy::OrderType::Limit,
        strategy_id: StrategyId::new("us-bot"),
        reason: "test".into(),
    };
    let reprices = |out: &[Output]| -> Vec<(Side, Price, Price)> {
        out.iter()
            .filter_map(|o| match o {
                Output::Reprice { symbol, side, limit, price } if *symbol == us => Some((*side, *limit, *price)),
                _ => None,
            })
            .collect()
    };
    let p = |s: &str| -> Price { s.parse().unwrap() };

    // A strategy's own sell (not protective) resting under a falling market: nothing is chased.
    let v =
        desk.on_signal(&sell(SignalKind::Exit(ExitReason::SignalExit), "47.45"), Some(p("47.50")), at(start), &mut out);
    assert_eq!(v, Verdict::Approved);
    out.clear();
    desk.on_trade(us, p("47.00"), at("2026-03-04T15:00:01Z"), &mut out);
    assert!(reprices(&out).is_empty(), "{out:?}");
    desk.on_order_ended(us, Side::Sell, Qty::ZERO, OrderEnd::Cancelled, at("2026-03-04T15:00:02Z"), &mut out);

    // The stop-loss: 5 cents under the trade it fired on.
    out.clear();
    let v = desk.on_signal(
        &sell(SignalKind::Exit(ExitReason::StopLoss), "46.95"),
        Some(p("47.00")),
        at("2026-03-04T15:00:03Z"),
        &mut out,
    );
    assert_eq!(v, Verdict::Approved);
    out.clear();
    desk.on_trade(us, p("46.95"), at("2026-03-04T15:00:04Z"), &mut out);
    assert!(reprices(&out).is_empty(), "a trade at our limit: a buyer is there");
    desk.on_trade(us, p("46.80"), at("2026-03-04T15:00:05Z"), &mut out);
    assert_eq!(reprices(&out), vec![(Side::Sell, p("46.75"), p("46.80"))]);
    out.clear();
    desk.on_trade(us, p("46.60"), at("2026-03-04T15:00:06Z"), &mut out);
    assert!(reprices(&out).is_empty(), "one re-price per two seconds");
    desk.on_trade(us, p("46.60"), at("2026-03-04T15:00:07Z"), &mut out);
    assert_eq!(reprices(&out), vec![(Side::Sell, p("46.55"), p("46.60"))]);
    out.clear();
    desk.on_trade(us, p("47.20"), at("2026-03-04T15:00:10Z"), &mut out);
    assert!(reprices(&out).is_empty(), "never re-priced up");
    desk.on_order_ended(us, Side::Sell, Qty::new(10), OrderEnd::Filled, at("2026-03-04T15:00:11Z"), &mut out);
    out.clear();
    desk.on_trade(us, p("40.00"), at("2026-03-04T15:00:20Z"), &mut out);
    assert!(reprices(&out).is_empty(), "the order ended");
}

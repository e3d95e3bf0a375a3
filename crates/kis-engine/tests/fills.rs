//! Matching against prints and books, fees and taxes to the won and the cent, and persistence.

mod common;

use common::*;
use kis_engine::{Engine, EngineEvent, FillRule, NewOrder, OrderStatus};
use kis_model::{Currency, FeeModel, Fees, Money, Qty, Side};
use rust_decimal_macros::dec;

fn buy(price: u64, qty: u64) -> NewOrder {
    NewOrder::limit(samsung(), Side::Buy, won(price), Qty::new(qty))
}

#[test]
fn partial_fills_across_several_prints() {
    let mut e = engine();
    let mut out = Vec::new();
    let id = e.submit(buy(70_000, 10), true, ts(1), &mut out).unwrap();
    out.clear();
    e.on_trade(&print(samsung(), won(69_900), 3, 2), &mut out).unwrap();
    assert_eq!(e.order(id).unwrap().status, OrderStatus::PartiallyFilled);
    e.on_trade(&print(samsung(), won(70_000), 100, 3), &mut out).unwrap(); // at the limit: not through
    e.on_trade(&print(samsung(), won(69_800), 4, 4), &mut out).unwrap();
    e.on_trade(&print(samsung(), won(69_900), 50, 5), &mut out).unwrap();
    e.on_trade(&print(samsung(), won(69_000), 50, 6), &mut out).unwrap(); // nothing left
    assert_eq!(fill_summary(&out), vec![(1, 3, won(70_000)), (1, 4, won(70_000)), (1, 3, won(70_000))]);
    let remaining: Vec<u64> = fills(&out).iter().map(|f| f.remaining.shares()).collect();
    assert_eq!(remaining, vec![7, 3, 0]);
    let order = e.order(id).unwrap();
    assert_eq!((order.status, order.filled, order.filled_notional), (OrderStatus::Filled, Qty::new(10), dec!(700000)));
    // Commissions per fill: 31 (31.5) + 42 + 31 = 104, one won less than 105 on the whole: cut per fill.
    assert_eq!(order.fees, dec!(104));
    assert_eq!(e.cash(Currency::Krw).total, dec!(10000000) - dec!(700000) - dec!(104));
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(0));
    let p = e.position(&samsung()).unwrap();
    assert_eq!((p.qty, p.avg_price(), p.fees_paid), (Qty::new(10), dec!(70000), dec!(104)));
}

#[test]
fn price_time_priority_between_our_orders() {
    let mut e = engine();
    let mut out = Vec::new();
    let early_low = e.submit(buy(70_000, 5), true, ts(1), &mut out).unwrap();
    let late_high = e.submit(buy(70_100, 5), true, ts(2), &mut out).unwrap();
    let later_high = e.submit(buy(70_100, 5), true, ts(3), &mut out).unwrap();
    out.clear();
    // 7 shares print below all three: the better price goes first, then time at the same price.
    e.on_trade(&print(samsung(), won(69_900), 7, 4), &mut out).unwrap();
    assert_eq!(
        fill_summary(&out),
        vec![(late_high.order_no.value(), 5, won(70_100)), (later_high.order_no.value(), 2, won(70_100))]
    );
    assert_eq!(e.order(early_low).unwrap().filled, Qty::ZERO);
    out.clear();
    // A print at 70,000 trades through the two 70,100 orders only.
    e.on_trade(&print(samsung(), won(70_000), 10, 5), &mut out).unwrap();
    assert_eq!(fill_summary(&out), vec![(later_high.order_no.value(), 3, won(70_100))]);
}

#[test]
fn touch_rule_fills_at_the_limit() {
    let mut e = engine_on("2026-03-02", FillRule::Touch);
    let mut out = Vec::new();
    e.seed_position(samsung(), Qty::new(5), won(60_000)).unwrap();
    e.submit(buy(70_000, 2), true, ts(1), &mut out).unwrap();
    e.submit(NewOrder::limit(samsung(), Side::Sell, won(71_000), Qty::new(5)), true, ts(1), &mut out).unwrap();
    out.clear();
    e.on_trade(&print(samsung(), won(70_000), 1, 2), &mut out).unwrap();
    e.on_trade(&print(samsung(), won(71_000), 9, 3), &mut out).unwrap();
    assert_eq!(fill_summary(&out), vec![(1, 1, won(70_000)), (2, 5, won(71_000))]);
}

#[test]
fn marketable_limit_walks_the_book_and_rests_the_remainder() {
    let mut e = engine();
    let mut out = Vec::new();
    e.on_book(&book(samsung(), &[(won(70_100), 3), (won(70_200), 5), (won(70_300), 100)], &[(won(70_000), 8)]));
    let id = e.submit(buy(70_200, 10), true, ts(1), &mut out).unwrap();
    assert_eq!(fill_summary(&out), vec![(1, 3, won(70_100)), (1, 5, won(70_200))]);
    let order = e.order(id).unwrap();
    assert_eq!((order.status, order.remaining()), (OrderStatus::PartiallyFilled, Qty::new(2)));
    // Rest reserved at its limit: 2 × 70,200 + 21 (21.06 cut).
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(140421));
    // The liquidity we took is gone until the next snapshot.
    assert_eq!(e.last_book(&samsung()).unwrap().asks[1].qty, Qty::ZERO);
    assert_eq!(e.resting_count(), 1);
    out.clear();
    // A market sell of seeded shares hits the bid.
    e.seed_position(samsung(), Qty::new(10), won(65_000)).unwrap();
    e.submit(NewOrder::market(samsung(), Side::Sell, Qty::new(2)), true, ts(2), &mut out).unwrap();
    assert_eq!(fill_summary(&out), vec![(2, 2, won(70_000))]);
}

#[test]
fn market_order_without_a_book_fills_at_the_next_prints() {
    let mut e = engine();
    let mut out = Vec::new();
    let id = e.submit(NewOrder::market(samsung(), Side::Buy, Qty::new(10)), true, ts(1), &mut out).unwrap();
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(910136));
    out.clear();
    e.on_trade(&print(samsung(), won(70_100), 3, 2), &mut out).unwrap();
    assert_eq!(fill_summary(&out), vec![(1, 3, won(70_100))]);
    // 7 left, still reserved at the upper limit: 637,000 + 95.
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(637095));
    // Cash paid: 210,300 + 31 commission (31.545).
    assert_eq!(e.cash(Currency::Krw).total, dec!(9789669));
    e.on_trade(&print(samsung(), won(70_200), 20, 3), &mut out).unwrap();
    assert_eq!(e.order(id).unwrap().status, OrderStatus::Filled);
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(0));
    assert_eq!(e.order(id).unwrap().avg_fill_price(), Some(dec!(70170)));
}

fn round_trip_on(day: &str) -> (Fees, rust_decimal::Decimal, rust_decimal::Decimal) {
    let mut e = engine_on(day, FillRule::Through);
    let mut out = Vec::new();
    e.submit(buy(70_100, 10), true, ts(1), &mut out).unwrap();
    e.on_trade(&print(samsung(), won(70_000), 10, 2), &mut out).unwrap();
    e.submit(NewOrder::limit(samsung(), Side::Sell, won(71_000), Qty::new(10)), true, ts(3), &mut out).unwrap();
    out.clear();
    e.on_trade(&print(samsung(), won(71_100), 10, 4), &mut out).unwrap();
    let sell = fills(&out)[0];
    (sell.fees, sell.realised_pnl, e.cash(Currency::Krw).total)
}

#[test]
fn krx_fees_and_tax_exact_to_the_won_2025_vs_2026() {
    // Buy 10 × 70,100 = 701,000 + 105 (105.15). Sell 10 × 71,000 = 710,000, commission 106 (106.5).
    let (fees, pnl, cash) = round_trip_on("2025-06-02");
    // 2025 KOSPI sell tax 0.15 %: 1,065.
    assert_eq!((fees.commission, fees.tax), (Money::krw(106), Money::krw(1065)));
    assert_eq!(pnl, dec!(710000) - dec!(701000) - dec!(106) - dec!(1065));
    assert_eq!(pnl, dec!(7829));
    assert_eq!(cash, dec!(10000000) - dec!(701105) + dec!(708829));
    let (fees, pnl, cash) = round_trip_on("2026-01-02");
    // 2026 KOSPI sell tax 0.20 %: 1,420.
    assert_eq!((fees.commission, fees.tax), (Money::krw(106), Money::krw(1420)));
    assert_eq!(pnl, dec!(7474));
    assert_eq!(cash, dec!(10007369));
}

#[test]
fn us_round_trip_with_sec_fee() {
    let mut e = engine_on("2024-08-01", FillRule::Through);
    let mut out = Vec::new();
    e.submit(NewOrder::limit(aapl(), Side::Buy, usd("151.37"), Qty::new(7)), true, ts(1), &mut out).unwrap();
    // 1,059.59 + 2.65 commission (2.649975).
    assert_eq!(e.cash(Currency::Usd).reserved, dec!(1062.24));
    e.on_trade(&print(aapl(), usd("151.30"), 100, 2), &mut out).unwrap();
    assert_eq!(e.cash(Currency::Usd).total, dec!(8937.76));
    assert_eq!(e.position(&aapl()).unwrap().avg_price(), dec!(151.37));
    e.submit(NewOrder::limit(aapl(), Side::Sell, usd("155.00"), Qty::new(7)), true, ts(3), &mut out).unwrap();
    out.clear();
    e.on_trade(&print(aapl(), usd("155.01"), 100, 4), &mut out).unwrap();
    let sell = fills(&out)[0];
    // 1,085.00: commission 2.71 (2.7125), SEC fee 0.04 (0.030163 rounded up).
    assert_eq!(sell.fees.commission.amount, dec!(2.71));
    assert_eq!(sell.fees.tax, Money::new(dec!(0.04), Currency::Usd));
    assert_eq!(sell.realised_pnl, dec!(22.66));
    assert_eq!(e.cash(Currency::Usd).total, dec!(10020.01));
    let p = e.position(&aapl()).unwrap();
    assert_eq!((p.qty, p.cost, p.realised_pnl, p.fees_paid), (Qty::ZERO, dec!(0), dec!(22.66), dec!(5.40)));
    // KRW untouched.
    assert_eq!(e.cash(Currency::Krw).total, dec!(10000000));
}

#[test]
fn cash_summary_values_holdings_at_marks() {
    let mut e = engine();
    let mut out = Vec::new();
    e.submit(buy(70_000, 10), true, ts(1), &mut out).unwrap();
    e.on_trade(&print(samsung(), won(69_900), 10, 2), &mut out).unwrap();
    e.submit(buy(60_000, 1), true, ts(3), &mut out).unwrap();
    let s = e.cash_summary(Currency::Krw, |_| Some(won(72_000)));
    assert_eq!(s.deposit, dec!(9299895));
    assert_eq!(s.reserved, dec!(60009));
    assert_eq!(s.available, dec!(9239886));
    assert_eq!(s.d2_estimate, s.deposit);
    assert_eq!((s.purchase_amount, s.evaluation, s.eval_pnl), (dec!(700000), dec!(720000), dec!(20000)));
    assert_eq!(s.total_evaluation, dec!(10019895));
    assert_eq!(s.fees_paid, dec!(105));
    let unmarked = e.cash_summary(Currency::Krw, |_| None);
    assert_eq!((unmarked.evaluation, unmarked.eval_pnl), (dec!(700000), dec!(0)));
    assert_eq!(e.cash_summary(Currency::Usd, |_| None).purchase_amount, dec!(0));
}

#[test]
fn state_round_trips_and_numbering_continues() {
    let mut e = engine();
    let mut out = Vec::new();
    e.seed_position(samsung(), Qty::new(5), won(60_000)).unwrap();
    e.on_book(&book(samsung(), &[(won(70_100), 3)], &[(won(70_000), 8)]));
    let a = e.submit(buy(69_000, 4), true, ts(1), &mut out).unwrap();
    e.submit(NewOrder::limit(samsung(), Side::Sell, won(72_000), Qty::new(5)), true, ts(1), &mut out).unwrap();
    e.submit(NewOrder::limit(aapl(), Side::Buy, usd("150.00"), Qty::new(2)), true, ts(1), &mut out).unwrap();
    e.on_trade(&print(samsung(), won(68_900), 1, 2), &mut out).unwrap();

    let text = serde_json::to_string(e.state()).unwrap();
    let state = serde_json::from_str(&text).unwrap();
    let mut restored = Engine::from_state(state, FeeModel::shipped()).unwrap();
    assert_eq!(restored.state(), e.state());
    assert_eq!(restored.resting_count(), e.resting_count());

    // Both engines go on identically: same numbers, same fills.
    let (mut out_a, mut out_b) = (Vec::new(), Vec::new());
    let next_a = e.submit(buy(69_500, 1), true, ts(3), &mut out_a).unwrap();
    let next_b = restored.submit(buy(69_500, 1), true, ts(3), &mut out_b).unwrap();
    assert_eq!(next_a, next_b);
    assert_eq!(next_b.order_no.value(), 4);
    for engine_out in [(&mut e, &mut out_a), (&mut restored, &mut out_b)] {
        let (engine, out) = engine_out;
        engine.on_trade(&print(samsung(), won(68_800), 10, 4), out).unwrap();
        engine.on_trade(&print(samsung(), won(72_100), 10, 5), out).unwrap();
        engine.cancel(a, true, ts(6), out).unwrap_err();
    }
    assert_eq!(out_a, out_b);
    assert_eq!(restored.state(), e.state());
    assert!(matches!(out_b.last(), Some(EngineEvent::Rejected { .. })), "order a was filled before the cancel");
}

#[test]
fn broken_state_files_are_refused() {
    let mut e = engine();
    let mut out = Vec::new();
    e.submit(buy(69_000, 4), true, ts(1), &mut out).unwrap();
    let text = serde_json::to_string(e.state()).unwrap();
    let rewound = text.replace("\"next_order_no\":2", "\"next_order_no\":1");
    let err = Engine::from_state(serde_json::from_str(&rewound).unwrap(), FeeModel::shipped()).err().unwrap();
    assert_eq!(err.to_string(), "inconsistent engine state: next order number 1 is not after order 06010-0000000001");
    let early = text.replace("2026-03-02", "2023-03-02");
    let err = Engine::from_state(serde_json::from_str(&early).unwrap(), FeeModel::shipped()).err().unwrap();
    assert!(err.to_string().contains("no rate for 005930 on 2023-03-02"), "{err}");
}

//! Validation, modify, cancel and expiry: every refusal and what each accepted request does to the account.

mod common;

use common::*;
use kis_engine::{
    Engine, EngineConfig, EngineEvent, FillRule, ModifyRequest, NewOrder, OrderCode, OrderStatus, RejectReason,
};
use kis_model::{ClientOrderId, Currency, FeeModel, Market, OrdDvsn, OrderId, OrderNo, Qty, Side, UsOrdDvsn};
use rust_decimal_macros::dec;

fn buy(price: u64, qty: u64) -> NewOrder {
    NewOrder::limit(samsung(), Side::Buy, won(price), Qty::new(qty))
}

fn sell(price: u64, qty: u64) -> NewOrder {
    NewOrder::limit(samsung(), Side::Sell, won(price), Qty::new(qty))
}

fn refused(engine: &mut Engine, order: NewOrder) -> RejectReason {
    let mut out = Vec::new();
    let before = engine.state().clone();
    let reason = engine.submit(order, true, ts(1), &mut out).unwrap_err();
    assert_eq!(
        out,
        vec![EngineEvent::Rejected { order: None, client_id: order.client_id, reason: reason.clone(), ts: ts(1) }]
    );
    assert_eq!(engine.state(), &before, "a refused order changes nothing");
    reason
}

#[test]
fn every_submit_refusal_is_typed() {
    let mut e = engine();
    assert_eq!(refused(&mut e, buy(70_000, 0)), RejectReason::ZeroQty);
    let lg = kis_model::Symbol::parse("066570").unwrap();
    let unknown = NewOrder::limit(lg, Side::Buy, won(100_000), Qty::new(1));
    assert_eq!(refused(&mut e, unknown), RejectReason::UnknownSymbol(lg));
    let us_market = NewOrder::market(aapl(), Side::Buy, Qty::new(1));
    assert_eq!(refused(&mut e, us_market), RejectReason::UsMarketOrder(aapl()));
    let wrong_code = buy(70_000, 1).with_code(OrderCode::Us(UsOrdDvsn::Limit));
    assert_eq!(
        refused(&mut e, wrong_code),
        RejectReason::CodeMarketMismatch { code: OrderCode::Us(UsOrdDvsn::Limit), symbol: samsung() }
    );
    assert_eq!(refused(&mut e, buy(70_050, 1)), RejectReason::OffTick { price: won(70_050), tick: dec!(100) });
    assert_eq!(
        refused(&mut e, buy(91_100, 1)),
        RejectReason::OutsideDailyLimits { price: won(91_100), lower: 49_000, upper: 91_000 }
    );
    assert_eq!(
        refused(&mut e, buy(48_900, 1)),
        RejectReason::OutsideDailyLimits { price: won(48_900), lower: 49_000, upper: 91_000 }
    );
    // 143 shares at 70,000 = 10,010,000 + 1,501 commission > 10,000,000.
    assert_eq!(
        refused(&mut e, buy(70_000, 143)),
        RejectReason::InsufficientCash { currency: Currency::Krw, required: dec!(10011501), available: dec!(10000000) }
    );
    assert_eq!(
        refused(&mut e, sell(70_000, 1)),
        RejectReason::InsufficientHoldings { symbol: samsung(), requested: Qty::new(1), sellable: Qty::ZERO }
    );
    let us_off = NewOrder::limit(aapl(), Side::Buy, usd("151.375"), Qty::new(1));
    assert_eq!(refused(&mut e, us_off), RejectReason::OffTick { price: usd("151.375"), tick: dec!(0.01) });
    // No US limit or daily band stops this one; the notional leaves Decimal's range and is refused, not a panic.
    let huge = NewOrder::limit(aapl(), Side::Buy, usd("10000000000"), Qty::new(u64::MAX));
    assert_eq!(
        refused(&mut e, huge),
        RejectReason::AmountOverflow { price: usd("10000000000"), qty: Qty::new(u64::MAX) }
    );

    // Closed session: the caller's word, not a calendar.
    let mut out = Vec::new();
    assert_eq!(e.submit(buy(70_000, 1), false, ts(1), &mut out), Err(RejectReason::MarketClosed(samsung())));
}

#[test]
fn order_numbers_count_up_from_the_configured_branch_and_run_out_cleanly() {
    let config = EngineConfig { branch: 1790, first_order_no: 9_999_999_999, fill_rule: FillRule::Through };
    let mut e = Engine::new(config, FeeModel::shipped()).unwrap();
    e.deposit(kis_model::Money::krw(1_000_000)).unwrap();
    e.set_symbol(
        kis_engine::SymbolSpec::krx(
            samsung(),
            kis_model::KrxBoard::Kospi,
            kis_model::InstrumentKind::Stock,
            70_000,
            date("2026-03-02"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut out = Vec::new();
    let id = e.submit(buy(70_000, 1), true, ts(1), &mut out).unwrap();
    assert_eq!(id.to_string(), "01790-9999999999");
    assert_eq!(e.submit(buy(70_000, 1), true, ts(1), &mut out), Err(RejectReason::OrderNumbersExhausted));
    assert!(matches!(
        Engine::new(EngineConfig { branch: 100_000, ..EngineConfig::default() }, FeeModel::shipped()),
        Err(kis_engine::EngineError::BadBranch(100_000))
    ));
}

#[test]
fn accepted_orders_reserve_cash_and_shares() {
    let mut e = engine();
    let mut out = Vec::new();
    let id = e.submit(buy(70_000, 10).with_client_id(ClientOrderId(7)), true, ts(1), &mut out).unwrap();
    assert_eq!(id, OrderId { branch: 6010, order_no: OrderNo::new(1) });
    assert!(matches!(out[0], EngineEvent::Accepted { order, client_id: Some(ClientOrderId(7)), .. } if order == id));
    // 700,000 + 105 commission.
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(700105));
    assert_eq!(e.cash(Currency::Krw).available(), dec!(9299895));
    let order = e.order(id).unwrap();
    assert_eq!(
        (order.status, order.code, order.trade_date),
        (OrderStatus::Open, OrderCode::Krx(OrdDvsn::Limit), date("2026-03-02"))
    );
    assert_eq!(e.order_by_client_id(ClientOrderId(7)).map(|o| o.id), Some(id));

    e.seed_position(samsung(), Qty::new(20), won(65_000)).unwrap();
    e.submit(sell(75_000, 15), true, ts(2), &mut out).unwrap();
    assert_eq!(e.position(&samsung()).unwrap().sellable(), Qty::new(5));
    assert_eq!(
        e.submit(sell(75_000, 6), true, ts(3), &mut out),
        Err(RejectReason::InsufficientHoldings { symbol: samsung(), requested: Qty::new(6), sellable: Qty::new(5) })
    );
}

#[test]
fn krx_market_buy_reserves_at_the_upper_limit() {
    let mut e = engine();
    let mut out = Vec::new();
    let id = e.submit(NewOrder::market(samsung(), Side::Buy, Qty::new(10)), true, ts(1), &mut out).unwrap();
    // 10 × 91,000 + 136 (136.5 cut) commission.
    assert_eq!(e.order(id).unwrap().reserved, dec!(910136));
    assert_eq!(e.order(id).unwrap().code, OrderCode::Krx(OrdDvsn::Market));
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(910136));
    // inquire-psbl-order for a market order prices at 91,000 too: 9,089,864 left buys 99 (9,010,351 with commission).
    let b = e.buyable(&samsung(), None).unwrap();
    assert_eq!((b.qty, b.price), (Qty::new(99), won(91_000)));
    assert_eq!(b.available, dec!(9089864));
}

#[test]
fn buyable_is_cash_limited_including_commission() {
    let e = engine();
    let b = e.buyable(&samsung(), Some(won(70_000))).unwrap();
    // 142 × 70,000 = 9,940,000 + 1,491 = 9,941,491 fits; 143 needs 10,011,501.
    assert_eq!((b.qty, b.amount), (Qty::new(142), dec!(9941491)));
    // Where cash / price is a whole number, the commission decides.
    let mut e2 = engine();
    let mut out = Vec::new();
    e2.submit(buy(70_000, 1), true, ts(1), &mut out).unwrap(); // available 9,929,990 (70,000 + 10 reserved)
    let b2 = e2.buyable(&samsung(), Some(won(49_650))).unwrap();
    // 9,929,990 / 49,650 = 200.0 exactly, but 200 shares need 9,930,000 + 1,489 → 199.
    assert_eq!(b2.available, dec!(9929990));
    assert_eq!(b2.qty, Qty::new(199));
    assert_eq!(
        e.buyable(&samsung(), Some(won(70_050))),
        Err(RejectReason::OffTick { price: won(70_050), tick: dec!(100) })
    );
    assert_eq!(e.buyable(&aapl(), None), Err(RejectReason::UsMarketOrder(aapl())));
    let us = e.buyable(&aapl(), Some(usd("151.37"))).unwrap();
    // 66 × 151.37 = 9,990.42 + 24.98 commission = 10,015.40 > 10,000; 65 × 151.37 = 9,839.05 + 24.60.
    assert_eq!((us.qty, us.amount), (Qty::new(65), dec!(9863.65)));
}

#[test]
fn modify_and_cancel_refusals() {
    let mut e = engine();
    let mut out = Vec::new();
    let ghost = OrderId { branch: 6010, order_no: OrderNo::new(99) };
    assert_eq!(e.cancel(ghost, true, ts(1), &mut out), Err(RejectReason::UnknownOrder(ghost)));
    let other_branch = OrderId { branch: 1, order_no: OrderNo::new(1) };
    assert_eq!(
        e.modify(other_branch, ModifyRequest { price: Some(won(1)), qty: None }, true, ts(1), &mut out),
        Err(RejectReason::UnknownOrder(other_branch))
    );
    let id = e.submit(buy(70_000, 10).with_client_id(ClientOrderId(3)), true, ts(1), &mut out).unwrap();
    out.clear();
    assert_eq!(e.modify(id, ModifyRequest::default(), true, ts(2), &mut out), Err(RejectReason::NothingToModify(id)));
    assert_eq!(
        out,
        vec![EngineEvent::Rejected {
            order: Some(id),
            client_id: Some(ClientOrderId(3)),
            reason: RejectReason::NothingToModify(id),
            ts: ts(2)
        }]
    );
    assert_eq!(
        e.modify(id, ModifyRequest { price: Some(won(70_100)), qty: None }, false, ts(2), &mut out),
        Err(RejectReason::MarketClosed(samsung()))
    );
    assert_eq!(e.cancel(id, false, ts(2), &mut out), Err(RejectReason::MarketClosed(samsung())));
    assert_eq!(
        e.modify(id, ModifyRequest { price: Some(won(70_010)), qty: None }, true, ts(2), &mut out),
        Err(RejectReason::OffTick { price: won(70_010), tick: dec!(100) })
    );
    assert_eq!(
        e.modify(id, ModifyRequest { price: None, qty: Some(Qty::new(143)) }, true, ts(2), &mut out),
        Err(RejectReason::InsufficientCash {
            currency: Currency::Krw,
            required: dec!(10011501),
            available: dec!(10000000)
        })
    );
    // Partially fill 4, then try to modify to 4 or fewer.
    e.on_trade(&print(samsung(), won(69_900), 4, 3), &mut out).unwrap();
    assert_eq!(
        e.modify(id, ModifyRequest { price: None, qty: Some(Qty::new(4)) }, true, ts(4), &mut out),
        Err(RejectReason::ModifyBelowFilled { order: id, filled: Qty::new(4), requested: Qty::new(4) })
    );
    assert_eq!(e.order(id).unwrap().status, OrderStatus::PartiallyFilled, "refusals leave the order as it was");
    let cancel_id = e.cancel(id, true, ts(5), &mut out).unwrap();
    assert_eq!(e.cancel(id, true, ts(6), &mut out), Err(RejectReason::OrderFinal(id)));
    assert_eq!(
        e.modify(id, ModifyRequest { price: Some(won(1)), qty: None }, true, ts(6), &mut out),
        Err(RejectReason::OrderFinal(id))
    );
    assert_eq!(e.cancel(cancel_id, true, ts(6), &mut out), Err(RejectReason::UnknownOrder(cancel_id)));
}

#[test]
fn cancel_after_partial_fill_releases_exactly_the_rest() {
    let mut e = engine();
    let mut out = Vec::new();
    let id = e.submit(buy(70_000, 10), true, ts(1), &mut out).unwrap();
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(700105));
    e.on_trade(&print(samsung(), won(69_900), 4, 2), &mut out).unwrap();
    // 4 filled at 70,000: 280,000 + 42 commission paid; 6 left reserve 420,000 + 63.
    assert_eq!(e.cash(Currency::Krw).total, dec!(9719958));
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(420063));
    assert_eq!(e.order(id).unwrap().reserved, dec!(420063));
    out.clear();
    let cancel_id = e.cancel(id, true, ts(3), &mut out).unwrap();
    assert_eq!(cancel_id.order_no.value(), 2, "the cancel gets the next number");
    assert_eq!(out, vec![EngineEvent::Cancelled { order: id, cancel_id, qty: Qty::new(6), ts: ts(3) }]);
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(0));
    assert_eq!(e.cash(Currency::Krw).available(), dec!(9719958));
    let order = e.order(id).unwrap();
    assert_eq!(
        (order.status, order.filled, order.remaining(), order.unfilled()),
        (OrderStatus::Cancelled, Qty::new(4), Qty::ZERO, Qty::new(6))
    );
    // A cancelled order no longer fills.
    out.clear();
    e.on_trade(&print(samsung(), won(60_000), 100, 4), &mut out).unwrap();
    assert!(out.is_empty());
    assert_eq!(e.resting_count(), 0);
}

#[test]
fn cancelled_sell_gives_back_its_shares() {
    let mut e = engine();
    let mut out = Vec::new();
    e.seed_position(samsung(), Qty::new(10), won(60_000)).unwrap();
    let id = e.submit(sell(72_000, 10), true, ts(1), &mut out).unwrap();
    e.on_trade(&print(samsung(), won(72_100), 3, 2), &mut out).unwrap();
    let p = e.position(&samsung()).unwrap();
    assert_eq!((p.qty, p.sell_reserved, p.sellable()), (Qty::new(7), Qty::new(7), Qty::ZERO));
    e.cancel(id, true, ts(3), &mut out).unwrap();
    let p = e.position(&samsung()).unwrap();
    assert_eq!((p.qty, p.sell_reserved, p.sellable()), (Qty::new(7), Qty::ZERO, Qty::new(7)));
}

#[test]
fn modify_then_fill() {
    let mut e = engine();
    let mut out = Vec::new();
    let id = e.submit(buy(70_000, 10).with_client_id(ClientOrderId(9)), true, ts(1), &mut out).unwrap();
    e.on_trade(&print(samsung(), won(69_900), 4, 2), &mut out).unwrap();
    out.clear();
    // New total 8 (4 already filled) at 69,500: the replacement carries 4 shares.
    let new_id = e
        .modify(id, ModifyRequest { price: Some(won(69_500)), qty: Some(Qty::new(8)) }, true, ts(3), &mut out)
        .unwrap();
    assert_eq!(new_id.order_no.value(), 2);
    assert_eq!(
        out,
        vec![EngineEvent::Modified {
            original: id,
            replacement: new_id,
            kind: kis_engine::OrderKind::Limit(won(69_500)),
            qty: Qty::new(4),
            ts: ts(3)
        }]
    );
    let original = e.order(id).unwrap();
    assert_eq!(
        (original.status, original.filled, original.reserved),
        (OrderStatus::Replaced(new_id), Qty::new(4), dec!(0))
    );
    let replacement = e.order(new_id).unwrap();
    assert_eq!(
        (replacement.original, replacement.qty, replacement.client_id),
        (Some(id), Qty::new(4), Some(ClientOrderId(9)))
    );
    // 4 × 69,500 = 278,000 + 41 commission (41.7 cut).
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(278041));
    assert_eq!(e.order_by_client_id(ClientOrderId(9)).map(|o| o.id), Some(new_id));
    out.clear();
    e.on_trade(&print(samsung(), won(69_800), 50, 4), &mut out).unwrap();
    assert!(out.is_empty(), "69,800 does not trade through 69,500");
    e.on_trade(&print(samsung(), won(69_400), 50, 5), &mut out).unwrap();
    assert_eq!(fill_summary(&out), vec![(2, 4, won(69_500))]);
    assert_eq!(e.order(new_id).unwrap().status, OrderStatus::Filled);
    assert_eq!(e.order(id).unwrap().filled, Qty::new(4));
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(0));
    assert_eq!(e.position(&samsung()).unwrap().qty, Qty::new(8));
    // 10,000,000 − (280,000 + 42) − (278,000 + 41)
    assert_eq!(e.cash(Currency::Krw).total, dec!(9441917));
}

#[test]
fn modifying_a_sell_counts_its_own_shares_as_free() {
    let mut e = engine();
    let mut out = Vec::new();
    e.seed_position(samsung(), Qty::new(10), won(60_000)).unwrap();
    let id = e.submit(sell(72_000, 10), true, ts(1), &mut out).unwrap();
    let new_id = e.modify(id, ModifyRequest { price: Some(won(71_000)), qty: None }, true, ts(2), &mut out).unwrap();
    assert_eq!(e.position(&samsung()).unwrap().sell_reserved, Qty::new(10));
    assert_eq!(
        e.modify(new_id, ModifyRequest { price: None, qty: Some(Qty::new(11)) }, true, ts(3), &mut out),
        Err(RejectReason::InsufficientHoldings { symbol: samsung(), requested: Qty::new(11), sellable: Qty::new(10) })
    );
}

#[test]
fn expiry_ends_the_day_and_releases_everything() {
    let mut e = engine();
    let mut out = Vec::new();
    e.seed_position(samsung(), Qty::new(5), won(60_000)).unwrap();
    let b = e.submit(buy(69_000, 3), true, ts(1), &mut out).unwrap();
    let s = e.submit(sell(75_000, 5), true, ts(1), &mut out).unwrap();
    let u = e.submit(NewOrder::limit(aapl(), Side::Buy, usd("150.00"), Qty::new(2)), true, ts(1), &mut out).unwrap();
    out.clear();
    assert_eq!(e.expire_market(Market::Krx, ts(100), &mut out), 2);
    assert_eq!(
        out,
        vec![
            EngineEvent::Expired { order: b, qty: Qty::new(3), ts: ts(100) },
            EngineEvent::Expired { order: s, qty: Qty::new(5), ts: ts(100) },
        ]
    );
    assert_eq!(e.cash(Currency::Krw).reserved, dec!(0));
    assert_eq!(e.position(&samsung()).unwrap().sellable(), Qty::new(5));
    // 300.00 + 0.75 commission still held for the US order.
    assert_eq!(e.cash(Currency::Usd).reserved, dec!(300.75));
    out.clear();
    assert_eq!(e.expire_all(ts(200), &mut out), 1);
    assert_eq!(out, vec![EngineEvent::Expired { order: u, qty: Qty::new(2), ts: ts(200) }]);
    assert_eq!(e.cash(Currency::Usd).reserved, dec!(0));
    assert_eq!(e.order(u).unwrap().status, OrderStatus::Expired);
    assert_eq!(e.open_orders().count(), 0);
    assert_eq!(e.forget_orders_before(date("2026-03-03")), 3);
    assert!(e.orders().is_empty());
}

#[test]
fn orders_of_a_day_filter_like_inquire_daily_ccld() {
    let mut e = engine();
    let mut out = Vec::new();
    let filled = e.submit(buy(70_000, 2), true, ts(1), &mut out).unwrap();
    let open = e.submit(buy(69_000, 2), true, ts(1), &mut out).unwrap();
    let cancelled = e.submit(buy(68_000, 2), true, ts(1), &mut out).unwrap();
    e.on_trade(&print(samsung(), won(69_900), 10, 2), &mut out).unwrap();
    e.cancel(cancelled, true, ts(3), &mut out).unwrap();
    let ids = |f| e.orders_on(date("2026-03-02"), f).map(|o| o.id).collect::<Vec<_>>();
    use kis_engine::OrderFilter::*;
    assert_eq!(ids(All), vec![filled, open, cancelled]);
    assert_eq!(ids(Filled), vec![filled]);
    assert_eq!(ids(Unfilled), vec![open]);
    assert_eq!(e.orders_on(date("2026-03-03"), All).count(), 0);
    assert_eq!(e.open_orders().map(|o| o.id).collect::<Vec<_>>(), vec![open]);
    assert_eq!(e.order(filled).unwrap().avg_fill_price(), Some(dec!(70000)));
    assert_eq!(e.order(open).unwrap().avg_fill_price(), None);
}

#[test]
fn us_limit_order_keeps_its_us_code() {
    let mut e = engine();
    let mut out = Vec::new();
    let id = e.submit(NewOrder::limit(aapl(), Side::Buy, usd("150.00"), Qty::new(1)), true, ts(1), &mut out).unwrap();
    assert_eq!(e.order(id).unwrap().code, OrderCode::Us(UsOrdDvsn::Limit));
    let loc = NewOrder::limit(aapl(), Side::Buy, usd("150.00"), Qty::new(1)).with_code(OrderCode::Us(UsOrdDvsn::Loc));
    let id2 = e.submit(loc, true, ts(1), &mut out).unwrap();
    assert_eq!(e.order(id2).unwrap().code.code(), "34");
}

#[test]
fn seeding_and_deposits_are_checked() {
    let mut e = engine();
    let mut out = Vec::new();
    e.seed_position(samsung(), Qty::new(10), won(60_000)).unwrap();
    e.submit(sell(72_000, 6), true, ts(1), &mut out).unwrap();
    assert_eq!(
        e.seed_position(samsung(), Qty::new(5), won(60_000)).unwrap_err().to_string(),
        "cannot seed 5 shares of 005930: open sell orders claim 6"
    );
    let p = e.position(&samsung()).unwrap();
    assert_eq!((p.qty, p.cost, p.avg_price()), (Qty::new(10), dec!(600000), dec!(60000)));
    let huge = kis_model::Price::new(rust_decimal::Decimal::MAX).unwrap();
    assert!(matches!(
        e.seed_position(aapl(), Qty::new(2), huge),
        Err(kis_engine::EngineError::SeedOutOfRange { qty, .. }) if qty == Qty::new(2)
    ));
    assert_eq!(e.deposit(kis_model::Money::krw(-1)).unwrap_err().to_string(), "a deposit must be positive, got -1 KRW");
}

//! Random order and market sequences: money and shares are conserved and nothing panics.

mod common;

use std::collections::{BTreeMap, HashMap};

use common::*;
use kis_engine::{Engine, EngineEvent, FillRule, ModifyRequest, NewOrder, OrderKind};
use kis_model::{Currency, OrderId, OrderNo, Price, Qty, Side, Symbol};
use proptest::prelude::*;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
enum Op {
    Submit { us: bool, sell: bool, market: bool, ticks: i64, qty: u64 },
    Modify { target: u64, ticks: Option<i64>, qty: Option<u64> },
    Cancel { target: u64 },
    Print { us: bool, ticks: i64, qty: u64 },
    Book { us: bool, ticks: i64, qty: u64 },
    Expire,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), any::<bool>(), prop::bool::weighted(0.2), -20i64..20, 0u64..40)
            .prop_map(|(us, sell, market, ticks, qty)| Op::Submit { us, sell, market, ticks, qty }),
        1 => (1u64..40, prop::option::of(-20i64..20), prop::option::of(0u64..40))
            .prop_map(|(target, ticks, qty)| Op::Modify { target, ticks, qty }),
        1 => (1u64..40).prop_map(|target| Op::Cancel { target }),
        5 => (any::<bool>(), -25i64..25, 0u64..30).prop_map(|(us, ticks, qty)| Op::Print { us, ticks, qty }),
        1 => (any::<bool>(), -10i64..10, 0u64..30).prop_map(|(us, ticks, qty)| Op::Book { us, ticks, qty }),
        1 => Just(Op::Expire),
    ]
}

/// Samsung moves on its 100-won grid around 70,000; AAPL on cents around 150.
fn price(us: bool, ticks: i64) -> Price {
    if us {
        Price::new(Decimal::new(15_000 + ticks, 2)).unwrap()
    } else {
        Price::from_won((70_000 + ticks * 100) as u64)
    }
}

fn symbol(us: bool) -> Symbol {
    if us { aapl() } else { samsung() }
}

fn check(e: &Engine, start: &HashMap<Currency, Decimal>, events: &[EngineEvent], seeded: u64) {
    let mut bought: BTreeMap<Symbol, u64> = BTreeMap::new();
    let mut sold: BTreeMap<Symbol, u64> = BTreeMap::new();
    let mut flow: HashMap<Currency, Decimal> = start.clone();
    let mut filled_per_order: BTreeMap<OrderId, u64> = BTreeMap::new();
    for f in events.iter().filter_map(|ev| if let EngineEvent::Filled(f) = ev { Some(f) } else { None }) {
        let n = f.price.value() * f.qty.as_decimal();
        let c = f.symbol.market().currency();
        let fees = f.fees.commission.amount + f.fees.tax.amount;
        match f.side {
            Side::Buy => {
                *bought.entry(f.symbol).or_default() += f.qty.shares();
                *flow.get_mut(&c).unwrap() -= n + fees;
            }
            Side::Sell => {
                *sold.entry(f.symbol).or_default() += f.qty.shares();
                *flow.get_mut(&c).unwrap() += n - fees;
            }
        }
        *filled_per_order.entry(f.order).or_default() += f.qty.shares();
    }
    for currency in [Currency::Krw, Currency::Usd] {
        let cash = e.cash(currency);
        assert!(cash.total >= Decimal::ZERO, "{currency} cash negative: {cash:?}");
        assert!(cash.reserved >= Decimal::ZERO && cash.reserved <= cash.total, "{currency}: {cash:?}");
        assert_eq!(cash.total, flow[&currency], "{currency} cash is not start − buys + sells");
        let held: Decimal = e
            .open_orders()
            .filter(|o| o.side == Side::Buy && o.symbol.market().currency() == currency)
            .map(|o| o.reserved)
            .sum();
        assert_eq!(cash.reserved, held, "{currency} reservation is not the sum of open buys'");
    }
    for us in [false, true] {
        let s = symbol(us);
        let seed = if us { 0 } else { seeded };
        let qty = e.position(&s).map_or(0, |p| p.qty.shares());
        let b = bought.get(&s).copied().unwrap_or(0);
        let so = sold.get(&s).copied().unwrap_or(0);
        assert_eq!(qty + so, seed + b, "{s}: holdings are not seed + buys − sells");
        let claimed: u64 =
            e.open_orders().filter(|o| o.side == Side::Sell && o.symbol == s).map(|o| o.unfilled().shares()).sum();
        assert_eq!(e.position(&s).map_or(0, |p| p.sell_reserved.shares()), claimed);
        assert!(claimed <= qty);
    }
    for o in e.orders() {
        assert!(o.filled <= o.qty, "{}: filled {} of {}", o.id, o.filled, o.qty);
        assert_eq!(filled_per_order.get(&o.id).copied().unwrap_or(0), o.filled.shares(), "{}", o.id);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn money_and_shares_are_conserved(ops in prop::collection::vec(op(), 1..80), touch in any::<bool>()) {
        let mut e = engine_on("2026-03-02", if touch { FillRule::Touch } else { FillRule::Through });
        let seeded = 30;
        e.seed_position(samsung(), Qty::new(seeded), won(65_000)).unwrap();
        let start: HashMap<Currency, Decimal> =
            [Currency::Krw, Currency::Usd].into_iter().map(|c| (c, e.cash(c).total)).collect();
        let mut events = Vec::new();
        for (i, op) in ops.into_iter().enumerate() {
            let t = ts(i as i64);
            match op {
                Op::Submit { us, sell, market, ticks, qty } => {
                    let side = if sell { Side::Sell } else { Side::Buy };
                    let kind = if market { OrderKind::Market } else { OrderKind::Limit(price(us, ticks)) };
                    let _ = e.submit(NewOrder::new(symbol(us), side, kind, Qty::new(qty)), true, t, &mut events);
                }
                Op::Modify { target, ticks, qty } => {
                    let id = OrderId { branch: 6010, order_no: OrderNo::new(target) };
                    let us = e.order(id).is_some_and(|o| o.symbol == aapl());
                    let req = ModifyRequest { price: ticks.map(|t| price(us, t)), qty: qty.map(Qty::new) };
                    let _ = e.modify(id, req, true, t, &mut events);
                }
                Op::Cancel { target } => {
                    let _ = e.cancel(OrderId { branch: 6010, order_no: OrderNo::new(target) }, true, t, &mut events);
                }
                Op::Print { us, ticks, qty } => {
                    e.on_trade(&print(symbol(us), price(us, ticks), qty, i as i64), &mut events).unwrap();
                }
                Op::Book { us, ticks, qty } => {
                    let (s, bid, ask) = (symbol(us), price(us, ticks), price(us, ticks + 1));
                    e.on_book(&book(s, &[(ask, qty), (price(us, ticks + 2), qty)], &[(bid, qty)]));
                }
                Op::Expire => {
                    e.expire_all(t, &mut events);
                }
            }
            check(&e, &start, &events, seeded);
        }
    }
}

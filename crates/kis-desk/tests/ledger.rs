//! The desk's money against the rules it is built on: fees and tax from the fee table, reservations as
//! kis-engine takes them, KRW and USD apart, exit facts kept across balance reads.

mod common;

use common::*;
use kis_desk::Ledger;
use kis_engine::{SymbolSpec, buy_reservation};
use kis_model::{Currency, FeeModel, InstrumentKind, KrxBoard, Price, Qty, Side};
use kis_strategy::risk::{ExitState, FreshReason, SavedExits};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn ledger(krw: Decimal) -> Ledger {
    let mut l = Ledger::new(FeeModel::shipped(), KrxBoard::Kospi);
    l.sync(Currency::Krw, krw, &[], at("2026-03-04T00:00:00Z"), &mut SavedExits::default());
    l
}

#[test]
fn a_round_trip_moves_cash_by_price_fees_and_tax() {
    let mut l = ledger(dec!(10_000_000));
    let s = sym("005930");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    l.mark(s, Price::from_won(70_000));
    l.order_working(s, Side::Buy, Qty::new(10), Some(Price::from_won(70_000)), at("2026-03-04T00:00:30Z")).unwrap();
    let buy_fees = FeeModel::shipped().krx(Side::Buy, KrxBoard::Kospi, dec!(700_000), day).unwrap().total();
    assert_eq!(l.reserved(Currency::Krw), dec!(700_000) + buy_fees.amount, "notional plus the commission on it");
    assert_eq!(l.available_cash(Currency::Krw), dec!(9_300_000) - buy_fees.amount);

    assert_eq!(l.fill(&fill(s, Side::Buy, 10, Price::from_won(70_000), "2026-03-04T00:01:00Z")).unwrap(), None);
    assert_eq!(l.cash(Currency::Krw), dec!(10_000_000) - dec!(700_000) - buy_fees.amount);
    assert_eq!(l.reserved(Currency::Krw), Decimal::ZERO, "a filled buy releases its reservation");
    assert_eq!(l.order_closed(s), Some(Price::from_won(70_000)));
    assert_eq!(l.position(s).unwrap().qty, Qty::new(10));

    l.mark(s, Price::from_won(71_000));
    assert_eq!(l.position(s).unwrap().high_water, Price::from_won(71_000));
    assert_eq!(l.equity(Currency::Krw), l.cash(Currency::Krw) + dec!(710_000));

    let sold = l.fill(&fill(s, Side::Sell, 10, Price::from_won(71_000), "2026-03-04T00:05:00Z")).unwrap().unwrap();
    let sell_fees = FeeModel::shipped().krx(Side::Sell, KrxBoard::Kospi, dec!(710_000), day).unwrap().total();
    assert_eq!(sold.pnl, dec!(10_000) - sell_fees.amount);
    assert!(sold.closed);
    assert_eq!(l.position(s), None);
    assert_eq!(l.day(Currency::Krw).trades, 1);
    assert_eq!(l.cash(Currency::Krw), dec!(10_000_000) - buy_fees.amount + dec!(10_000) - sell_fees.amount);
    assert_eq!(l.equity(Currency::Krw), l.cash(Currency::Krw), "nothing held, nothing valued");
}

#[test]
fn a_market_buy_holds_cash_at_the_upper_limit_as_kis_engine_does() {
    let mut l = ledger(dec!(10_000_000));
    let s = sym("000660");
    l.set_base(s, Price::from_won(100_000));
    l.mark(s, Price::from_won(101_000));
    let when = at("2026-03-04T00:10:00Z");
    let w = l.order_working(s, Side::Buy, Qty::new(2), None, when).unwrap();
    assert_eq!(w.bound, Some(Price::from_won(130_000)), "the upper limit of a 100,000 won close");
    let spec = SymbolSpec::krx(s, KrxBoard::Kospi, InstrumentKind::Stock, 100_000, w_date()).unwrap();
    let engine_hold = buy_reservation(&FeeModel::shipped(), &spec, Price::from_won(130_000), Qty::new(2)).unwrap();
    assert_eq!(l.reserved(Currency::Krw), engine_hold);
    // A partial fill gives back the reservation of the filled share, recomputed as it was taken.
    l.fill(&fill(s, Side::Buy, 1, Price::from_won(101_000), "2026-03-04T00:10:01Z")).unwrap();
    let rest = buy_reservation(&FeeModel::shipped(), &spec, Price::from_won(130_000), Qty::new(1)).unwrap();
    assert_eq!(l.reserved(Currency::Krw), rest);
    assert_eq!(l.order_closed(s), Some(Price::from_won(101_000)));
    assert_eq!(l.reserved(Currency::Krw), Decimal::ZERO, "a closed order holds nothing");
}

fn w_date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()
}

#[test]
fn oversells_are_refused_and_change_nothing() {
    let mut l = ledger(dec!(10_000_000));
    let s = sym("000660");
    let err = l.fill(&fill(s, Side::Sell, 1, Price::from_won(100_000), "2026-03-04T00:01:00Z")).unwrap_err();
    assert!(err.to_string().contains("exceeds"), "{err}");
    assert_eq!(l.cash(Currency::Krw), dec!(10_000_000));
}

#[test]
fn dollars_and_won_are_kept_apart() {
    let mut l = ledger(dec!(1_000_000));
    let now = at("2026-03-04T15:00:00Z");
    l.sync(Currency::Usd, dec!(5_000), &[], now, &mut SavedExits::default());
    let tqqq = sym("NASDAQ:TQQQ");
    let price: Price = "50.25".parse().unwrap();
    l.order_working(tqqq, Side::Buy, Qty::new(10), Some(price), now).unwrap();
    l.fill(&fill(tqqq, Side::Buy, 10, price, "2026-03-04T15:00:01Z")).unwrap();
    l.order_closed(tqqq);
    let fees = FeeModel::shipped().us(Side::Buy, dec!(502.50), w_date()).unwrap().total();
    assert_eq!(l.cash(Currency::Usd), dec!(5_000) - dec!(502.50) - fees.amount);
    assert_eq!(l.cash(Currency::Krw), dec!(1_000_000), "a dollar fill leaves the won alone");
    assert_eq!(l.equity(Currency::Usd), l.cash(Currency::Usd) + dec!(502.50));
    assert_eq!(l.equity(Currency::Krw), dec!(1_000_000));
    // A won balance read does not touch the dollar holding.
    l.sync(Currency::Krw, dec!(900_000), &[], now, &mut SavedExits::default());
    assert_eq!(l.position(tqqq).map(|p| p.qty), Some(Qty::new(10)));
}

#[test]
fn a_resync_keeps_the_exit_facts_of_an_unchanged_holding() {
    let mut l = ledger(dec!(5_000_000));
    let s = sym("005930");
    let t0 = at("2026-03-04T00:00:00Z");
    let none = &mut SavedExits::default();
    l.sync(Currency::Krw, dec!(5_000_000), &[(s, Qty::new(3), Price::from_won(70_000))], t0, none);
    l.mark(s, Price::from_won(72_000));
    l.sync(
        Currency::Krw,
        dec!(5_000_100),
        &[(s, Qty::new(3), Price::from_won(70_000))],
        at("2026-03-04T01:00:00Z"),
        none,
    );
    let p = l.position(s).unwrap();
    assert_eq!((p.opened_at, p.high_water), (t0, Price::from_won(72_000)));
    assert_eq!(l.cash(Currency::Krw), dec!(5_000_100));
    l.sync(Currency::Krw, dec!(5_000_100), &[], t0, none);
    assert_eq!(l.positions().count(), 0);
}

#[test]
fn a_restart_takes_the_saved_exit_state_of_the_same_holding_only() {
    let mut l = ledger(dec!(1_000_000));
    let (s, other) = (sym("005930"), sym("000660"));
    let opened = at("2026-03-04T00:01:00Z");
    let saved = |symbol, qty| ExitState {
        symbol,
        qty: Qty::new(qty),
        avg_price: Price::from_won(70_000),
        opened_at: opened,
        high_water: Price::from_won(72_000),
        trailing_armed: true,
    };
    let mut saved = SavedExits::new([saved(s, 3), saved(other, 5)]);
    let now = at("2026-03-04T00:30:00Z");
    let held = [(s, Qty::new(3), Price::from_won(70_000)), (other, Qty::new(6), Price::from_won(70_000))];
    let adopted = l.sync(Currency::Krw, dec!(1_000_000), &held, now, &mut saved);
    assert_eq!(adopted.len(), 2);
    assert_eq!(adopted[0].restored, Ok(true));
    assert_eq!(adopted[1].restored, Err(FreshReason::QtyDiffers { saved: Qty::new(5), held: Qty::new(6) }));
    let p = l.position(s).unwrap();
    assert_eq!((p.opened_at, p.high_water), (opened, Price::from_won(72_000)));
    let q = l.position(other).unwrap();
    assert_eq!((q.opened_at, q.high_water), (now, Price::from_won(70_000)));
    assert!(l.sync(Currency::Krw, dec!(1_000_000), &held, at("2026-03-04T00:31:00Z"), &mut saved).is_empty());
}

#[test]
fn a_closed_order_reports_the_average_of_its_own_fills() {
    let mut l = ledger(dec!(10_000_000));
    let s = sym("005930");
    l.mark(s, Price::from_won(70_000));
    l.order_working(s, Side::Buy, Qty::new(3), Some(Price::from_won(70_300)), at("2026-03-04T00:01:00Z")).unwrap();
    // A fill of an earlier run: in the broker's balance already, not booked, still averaged.
    l.order_fill(&fill(s, Side::Buy, 2, Price::from_won(70_000), "2026-03-04T00:01:00Z"));
    l.fill(&fill(s, Side::Buy, 1, Price::from_won(70_300), "2026-03-04T00:01:01Z")).unwrap();
    assert_eq!(l.order_closed(s), Some(Price::from_won(70_100)));
    assert_eq!(l.order_closed(s), None, "the next order starts again");
}

#[test]
fn an_order_of_an_earlier_run_reports_its_average_without_being_waited_on() {
    let mut l = ledger(dec!(10_000_000));
    let s = sym("005930");
    // The router learned at start that an order filled before the restart; the desk never waited on it.
    l.order_fill(&fill(s, Side::Buy, 3, Price::from_won(70_200), "2026-03-04T00:01:00Z"));
    assert_eq!(l.order_closed(s), Some(Price::from_won(70_200)));
}

/// The broker's buying power caps the USD the desk counts as available while the desk's books have not
/// moved since it was read; an order going working, a fill or a balance without it make it stale.
#[test]
fn the_brokers_buying_power_caps_available_cash_until_the_books_move() {
    let t = at("2026-03-04T15:00:00Z");
    let mut l = Ledger::new(FeeModel::shipped(), KrxBoard::Kospi);
    l.sync(Currency::Usd, dec!(10_000), &[], t, &mut SavedExits::default());
    assert_eq!(l.available_cash(Currency::Usd), dec!(10_000));
    // KIS holds back $1,500 the desk does not know of (an unsettled trade): the lower figure counts.
    l.set_buying_power(Currency::Usd, dec!(8_500));
    assert_eq!(l.available_cash(Currency::Usd), dec!(8_500));
    assert_eq!(l.available_cash(Currency::Krw), Decimal::ZERO, "the other currency is untouched");
    // A higher figure never raises what the desk's own books allow.
    l.set_buying_power(Currency::Usd, dec!(12_000));
    assert_eq!(l.available_cash(Currency::Usd), dec!(10_000));
    l.set_buying_power(Currency::Usd, dec!(8_500));
    let s: kis_model::Symbol = "NASD:TQQQ".parse().unwrap();
    l.mark(s, Price::new(dec!(50)).unwrap());
    l.order_working(s, Side::Buy, Qty::new(10), Some(Price::new(dec!(50)).unwrap()), t).unwrap();
    assert_eq!(l.buying_power(Currency::Usd), None, "stale once an order works");
    assert!(
        l.available_cash(Currency::Usd) > dec!(9_000),
        "the ledger alone judges: {}",
        l.available_cash(Currency::Usd)
    );
    l.set_buying_power(Currency::Usd, dec!(100));
    l.fill(&fill(s, Side::Buy, 10, Price::new(dec!(50)).unwrap(), "2026-03-04T15:00:10Z")).unwrap();
    assert_eq!(l.buying_power(Currency::Usd), None, "stale after a fill");
    l.set_buying_power(Currency::Usd, dec!(100));
    l.sync(Currency::Usd, dec!(9_000), &[], t, &mut SavedExits::default());
    assert_eq!(l.buying_power(Currency::Usd), None, "a balance read without it clears it");
}

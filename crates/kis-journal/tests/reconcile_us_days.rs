//! US reconciliation by New York trading day: the overseas lists date orders by the exchange's day
//! (`ord_dt`), so a US intent is judged by its New York date against the first day the history covers; the
//! unfilled list (`inquire-nccs`, real only) is evidence of live orders beside the history.

use chrono::{DateTime, NaiveDate, Utc};
use kis_journal::{
    Action, BrokerView, ConflictKind, Entry, Event, IntentBook, IntentRecord, MatchRules, OrderKind, Origin,
    StrategyId, ny_day, reconcile,
};
use kis_model::{ClientOrderId, OrderId, OrderNo, Price, Qty, Side, Symbol, UsOrdDvsn};
use kis_protocol::rest::overseas_account::UsUnfilledOrder;
use rust_decimal_macros::dec;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn tqqq() -> Symbol {
    "NASDAQ:TQQQ".parse().unwrap()
}

fn intent(id: u64, created: DateTime<Utc>) -> Entry {
    Entry {
        ts: created,
        id: ClientOrderId(id),
        event: Event::Intent(IntentRecord {
            symbol: tqqq(),
            side: Side::Buy,
            kind: OrderKind::Us(UsOrdDvsn::Limit),
            qty: Qty::new(10),
            price: Some(Price::new(dec!(50.25)).unwrap()),
            strategy: StrategyId::new("us"),
            origin: Origin::Daemon,
        }),
    }
}

fn ev(id: u64, at: DateTime<Utc>, event: Event) -> Entry {
    Entry { ts: at, id: ClientOrderId(id), event }
}

/// The lists read on 2026-03-04 10:00 New York: the history from New York's 2026-03-03 on.
fn view() -> BrokerView {
    let read_at = utc("2026-03-04T15:00:00Z");
    let mut v = BrokerView::from_rows(kis_model::kst::kst_date(read_at), &[], &[]).unwrap().read_at(read_at);
    v.add_us_orders(&[]).unwrap();
    v.us_history_since(NaiveDate::from_ymd_opt(2026, 3, 3).unwrap());
    v
}

/// An unfilled-list row as KIS writes it: New York's date, KST's time.
fn nccs_row(no: u64, ord_dt: &str, ord_tmd: &str, filled: u64, exchange: &str) -> UsUnfilledOrder {
    UsUnfilledOrder {
        ord_dt: ord_dt.into(),
        ord_gno_brno: "01790".into(),
        odno: format!("{no:010}"),
        pdno: "TQQQ".into(),
        sll_buy_dvsn_cd: "02".into(),
        ord_tmd: ord_tmd.into(),
        ft_ord_qty: "10".into(),
        ft_ccld_qty: filled.to_string(),
        nccs_qty: (10 - filled).to_string(),
        ft_ord_unpr3: "50.25000000".into(),
        ft_ccld_unpr3: "50.25000000".into(),
        ft_ccld_amt3: format!("{:.5}", dec!(50.25) * rust_decimal::Decimal::from(filled)),
        ovrs_excg_cd: exchange.into(),
        ..UsUnfilledOrder::default()
    }
}

#[test]
fn a_us_intent_is_judged_by_its_new_york_day_not_its_kst_one() {
    // Both intents were sent and their outcome never learnt. 2026-03-02 21:00 New York is already 2026-03-03
    // 11:00 in Seoul: its KST date is inside the history's days, its New York date is not.
    let earlier = utc("2026-03-03T02:00:00Z");
    assert_eq!(ny_day(earlier), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    assert_eq!(kis_model::kst::kst_date(earlier), NaiveDate::from_ymd_opt(2026, 3, 3).unwrap());
    let covered = utc("2026-03-03T15:00:00Z");
    let book = IntentBook::fold(&[
        intent(1, earlier),
        ev(1, earlier, Event::Sent),
        intent(2, covered),
        ev(2, covered, Event::Sent),
    ])
    .unwrap();
    let actions = reconcile(&book, &view(), &MatchRules::default());
    // The lists do not cover New York's 2026-03-02: the absence proves nothing, a person decides.
    assert!(
        matches!(&actions[0], Action::Conflict(c) if c.kind == ConflictKind::Stale && c.intents == vec![ClientOrderId(1)]),
        "{actions:?}"
    );
    // New York's 2026-03-03 is covered: an ordinary absence, left to the confirming reads.
    assert_eq!(actions[1], Action::NotFound { intent: ClientOrderId(2), symbol: tqqq(), past_deadline: true });
    assert_eq!(actions.len(), 2, "{actions:?}");

    // Without the history's first day the order-time windows alone judge, as before.
    let mut plain = view();
    plain.us_since = None;
    let actions = reconcile(&book, &plain, &MatchRules::default());
    assert!(actions.iter().all(|a| matches!(a, Action::NotFound { .. })), "{actions:?}");
}

#[test]
fn an_earlier_days_order_still_on_the_unfilled_list_is_reconciled_not_stale() {
    // Acked on New York's 2026-03-02 and still working (the unfilled list shows it, with 4 shares filled).
    let created = utc("2026-03-02T15:00:00Z");
    let order = OrderId { branch: 1790, order_no: OrderNo::new(77) };
    let book = IntentBook::fold(&[
        intent(1, created),
        ev(1, created, Event::Sent),
        ev(1, created, Event::Acked { order_id: order }),
    ])
    .unwrap();
    let mut v = view();
    // 2026-03-03 00:00:05 KST is 2026-03-02 10:00:05 in New York.
    let row = nccs_row(77, "20260302", "000005", 4, "NASD");
    // Listed under two exchange codes (on real NASD lists every US market) and a blank filler row.
    v.add_us_unfilled(&[row.clone(), row, UsUnfilledOrder::default()]).unwrap();
    assert_eq!(v.orders.len(), 1, "one order: {:?}", v.orders);
    let o = &v.orders[0];
    assert_eq!(o.order_time, utc("2026-03-02T15:00:05Z"), "New York's date with KST's time");
    assert_eq!((o.symbol, o.filled, o.remaining, o.cancelled), (tqqq(), Qty::new(4), Qty::new(6), false));
    assert_eq!(
        reconcile(&book, &v, &MatchRules::default()),
        vec![Action::ApplyFills {
            intent: ClientOrderId(1),
            order_id: order,
            qty: Qty::new(4),
            price: Price::new(dec!(50.25)).unwrap(),
            broker_total: Qty::new(4),
        }]
    );
    // Gone from both lists: stale, not "missing at the broker" (the lists do not cover its day).
    let actions = reconcile(&book, &view(), &MatchRules::default());
    assert!(matches!(&actions[..], [Action::Conflict(c)] if c.kind == ConflictKind::Stale), "{actions:?}");
}

#[test]
fn a_bad_unfilled_row_fails_the_view_naming_the_list() {
    let mut v = view();
    let mut bad = nccs_row(5, "20260304", "100000", 0, "NASD");
    bad.ft_ord_qty = "-3".into();
    let e = v.add_us_unfilled(&[bad]).unwrap_err();
    assert!(e.to_string().starts_with("inquire-nccs (US) row 0"), "{e}");
}

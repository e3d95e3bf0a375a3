//! Every reconciliation case on hand-built journals and broker views.

use chrono::Duration;
use kis_journal::{
    Action, BrokerOrder, BrokerRowError, BrokerView, Conflict, ConflictKind, Entry, Event, Holding, IntentBook,
    IntentRecord, IntentState, MatchRules, OrderKind, Origin, StrategyId, reconcile,
};
use kis_model::{ClientOrderId, OrdDvsn, OrderId, OrderNo, Price, Qty, Side, UsOrdDvsn};
use kis_protocol::rest::domestic_account::{BalancePosition, DailyCcldRow};
use rust_decimal_macros::dec;

mod common;
use common::*;

#[test]
fn an_uncertain_send_found_at_the_broker_is_acked_with_its_fills() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 10, 70000).ev(1, Event::Sent).ev(1, Event::Uncertain { detail: "reset".into() });
    let broker = filled(row(77, 11, S, Side::Buy, 10, 70000), 4, dec!(280000));
    assert_eq!(
        run(&log, vec![broker]),
        vec![
            Action::MarkAcked { intent: c(1), order_id: oid(77) },
            Action::ApplyFills {
                intent: c(1),
                order_id: oid(77),
                qty: Qty::new(4),
                price: Price::from_won(70000),
                broker_total: Qty::new(4)
            },
        ]
    );
}

#[test]
fn a_sent_intent_the_broker_does_not_have_is_reported_not_found_never_resent_nor_concluded() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 10, 70000).ev(1, Event::Sent);
    // Same symbol and side, other price: not ours.
    let other = row(5, 11, S, Side::Buy, 10, 69900);
    assert_eq!(run(&log, vec![other.clone()]), vec![not_found(1, true), Action::Adopt(other)]);
    // Read while KIS could still accept the send (intent at 10 s, deadline 15 s later): not past it.
    let early = BrokerView { read_at: Some(at(24)), ..view(vec![]) };
    assert_eq!(reconcile(&log.book(), &early, &MatchRules::default()), vec![not_found(1, false)]);
    let late = BrokerView { read_at: Some(at(26)), ..view(vec![]) };
    assert_eq!(reconcile(&log.book(), &late, &MatchRules::default()), vec![not_found(1, true)]);
    // A view that does not say when it was read proves no absence.
    let undated = BrokerView { read_at: None, ..view(vec![]) };
    assert_eq!(reconcile(&log.book(), &undated, &MatchRules::default()), vec![not_found(1, false)]);
}

#[test]
fn an_intent_never_marked_sent_is_forgotten_and_a_lookalike_order_is_adopted() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 10, 70000);
    let lookalike = row(5, 11, S, Side::Buy, 10, 70000);
    assert_eq!(
        run(&log, vec![lookalike.clone()]),
        vec![Action::MarkNeverSent { intent: c(1) }, Action::Adopt(lookalike)]
    );
}

#[test]
fn identical_intents_pair_with_identical_orders_in_time_order() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Sell, 3, 70000).ev(1, Event::Sent);
    log.intent(2, 20, S, Side::Sell, 3, 70000).ev(2, Event::Sent).ev(2, Event::Uncertain { detail: "timeout".into() });
    let actions = run(&log, vec![row(9, 21, S, Side::Sell, 3, 70000), row(8, 11, S, Side::Sell, 3, 70000)]);
    assert_eq!(
        actions,
        vec![
            Action::MarkAcked { intent: c(1), order_id: oid(8) },
            Action::MarkAcked { intent: c(2), order_id: oid(9) },
        ]
    );
}

#[test]
fn two_identical_intents_and_one_order_is_a_conflict_not_a_guess() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 1, 70000).ev(1, Event::Sent);
    log.intent(2, 12, S, Side::Buy, 1, 70000).ev(2, Event::Sent);
    let actions = run(&log, vec![row(8, 13, S, Side::Buy, 1, 70000)]);
    assert_eq!(
        actions,
        vec![Action::Conflict(Conflict {
            kind: ConflictKind::Ambiguous,
            symbol: sym(S),
            intents: vec![c(1), c(2)],
            orders: vec![OrderNo::new(8)]
        })]
    );
    let Action::Conflict(conflict) = &actions[0] else { unreachable!() };
    assert_eq!(conflict.to_string(), "Ambiguous on 005930: intents [c1, c2], broker orders [0000000008]");
}

#[test]
fn orders_outside_the_intent_window_are_not_matched() {
    let mut log = Log::default();
    log.intent(1, 100, S, Side::Buy, 1, 70000).ev(1, Event::Sent);
    // Placed 5 s before the intent existed, and 2 minutes after it: neither is its send.
    let early = row(3, 95, S, Side::Buy, 1, 70000);
    let late = row(4, 220, S, Side::Buy, 1, 70000);
    let actions = run(&log, vec![early.clone(), late.clone()]);
    assert_eq!(actions, vec![not_found(1, true), Action::Adopt(early), Action::Adopt(late)]);
    // Within the skew (1 s before creation, ord_tmd is cut to the second) it is.
    let close = row(5, 99, S, Side::Buy, 1, 70000);
    assert_eq!(run(&log, vec![close]), vec![Action::MarkAcked { intent: c(1), order_id: oid(5) }]);
    let wide = MatchRules { clock_skew: Duration::seconds(10), ..MatchRules::default() };
    let actions = reconcile(&log.book(), &view(vec![row(3, 95, S, Side::Buy, 1, 70000)]), &wide);
    assert_eq!(actions, vec![Action::MarkAcked { intent: c(1), order_id: oid(3) }]);
}

#[test]
fn a_fill_seen_without_an_ack_and_no_order_at_the_broker_is_a_conflict() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 5, 70000).ev(1, Event::Sent).fill(1, "n:a", 2, 70000);
    assert_eq!(
        run(&log, vec![]),
        vec![Action::Conflict(Conflict {
            kind: ConflictKind::MissingAtBroker,
            symbol: sym(S),
            intents: vec![c(1)],
            orders: vec![]
        })]
    );
}

#[test]
fn known_orders_catch_up_on_missed_fills_at_the_exact_price() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 10, 100).ev(1, Event::Sent).ev(1, Event::Acked { order_id: oid(7) });
    log.fill(1, "n:a", 3, 100);
    // The broker has 5 filled for 510 in all: the 2 we missed traded at 105.
    let broker = filled(row(7, 11, S, Side::Buy, 10, 100), 5, dec!(510));
    assert_eq!(
        run(&log, vec![broker.clone()]),
        vec![Action::ApplyFills {
            intent: c(1),
            order_id: oid(7),
            qty: Qty::new(2),
            price: Price::from_won(105),
            broker_total: Qty::new(5)
        }]
    );
    // In step with the broker: nothing to do.
    log.fill(1, "ccld:7:5", 2, 105);
    assert_eq!(run(&log, vec![broker]), vec![]);
}

#[test]
fn more_fills_than_the_broker_has_is_a_conflict() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 10, 100).ev(1, Event::Acked { order_id: oid(7) }).fill(1, "a", 3, 100);
    let broker = filled(row(7, 11, S, Side::Buy, 10, 100), 2, dec!(200));
    let conflict = |kind| {
        vec![Action::Conflict(Conflict { kind, symbol: sym(S), intents: vec![c(1)], orders: vec![OrderNo::new(7)] })]
    };
    assert_eq!(run(&log, vec![broker]), conflict(ConflictKind::OverFilled));
    assert_eq!(run(&log, vec![]), conflict(ConflictKind::MissingAtBroker));
    assert_eq!(run(&log, vec![row(7, 11, S, Side::Buy, 9, 100)]), conflict(ConflictKind::Mismatch));
    // Amounts that do not add up (the broker's total is below what we already hold) are a mismatch too.
    assert_eq!(
        run(&log, vec![filled(row(7, 11, S, Side::Buy, 10, 100), 5, dec!(250))]),
        conflict(ConflictKind::Mismatch)
    );
}

#[test]
fn cancellations_at_the_broker_are_recorded_and_outside_modifications_flagged() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 10, 100).ev(1, Event::Acked { order_id: oid(7) });
    let mut cancelled = filled(row(7, 11, S, Side::Buy, 10, 100), 4, dec!(400));
    cancelled.cancelled = true;
    cancelled.cancelled_qty = Qty::new(6);
    cancelled.remaining = Qty::ZERO;
    let actions = run(&log, vec![cancelled]);
    assert_eq!(
        actions,
        vec![
            Action::ApplyFills {
                intent: c(1),
                order_id: oid(7),
                qty: Qty::new(4),
                price: Price::from_won(100),
                broker_total: Qty::new(4)
            },
            Action::MarkCancelled { intent: c(1), qty: Qty::new(6) },
        ]
    );

    // KIS's other form: a separate cancel order pointing at ours. Neither row is adopted.
    let mut cancel_row = row(8, 30, S, Side::Buy, 10, 0);
    cancel_row.original = Some(OrderNo::new(7));
    cancel_row.cancelled = true;
    cancel_row.cancelled_qty = Qty::new(10);
    cancel_row.remaining = Qty::ZERO;
    let actions = run(&log, vec![row(7, 11, S, Side::Buy, 10, 100), cancel_row]);
    assert_eq!(actions, vec![Action::MarkCancelled { intent: c(1), qty: Qty::new(10) }]);

    let mut modify_row = row(9, 30, S, Side::Buy, 10, 101);
    modify_row.original = Some(OrderNo::new(7));
    assert_eq!(
        run(&log, vec![row(7, 11, S, Side::Buy, 10, 100), modify_row]),
        vec![Action::Conflict(Conflict {
            kind: ConflictKind::ModifiedOutside,
            symbol: sym(S),
            intents: vec![c(1)],
            orders: vec![OrderNo::new(7)]
        })]
    );
}

#[test]
fn foreign_orders_are_adopted_only_when_they_matter() {
    let log = Log::default();
    let live = row(1, 10, S, Side::Buy, 10, 100);
    let mut dead = row(2, 10, S, Side::Buy, 10, 100);
    dead.cancelled = true;
    dead.remaining = Qty::ZERO;
    let mut done = filled(row(3, 10, "000660", Side::Sell, 2, 150000), 2, dec!(300000));
    done.remaining = Qty::ZERO;
    assert_eq!(run(&log, vec![live.clone(), dead, done.clone()]), vec![Action::Adopt(live), Action::Adopt(done)]);
}

#[test]
fn rows_of_closed_intents_stay_ours_and_stale_or_us_intents_are_handled_apart() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 1, 100).ev(1, Event::Acked { order_id: oid(7) }).fill(1, "a", 1, 100);
    log.ev(1, Event::Done { reason: kis_journal::DoneReason::Closed });
    // Yesterday's intent, still open.
    log.intent(2, -86_400, S, Side::Sell, 1, 100).ev(2, Event::Sent);
    // A US intent that may have left: not in this list at all, so a person decides.
    log.0.push(Entry {
        ts: at(20),
        id: c(3),
        event: Event::Intent(IntentRecord {
            symbol: sym("NASD:TQQQ"),
            side: Side::Buy,
            kind: OrderKind::Us(UsOrdDvsn::Limit),
            qty: Qty::new(1),
            price: Some(Price::new(dec!(50.25)).unwrap()),
            strategy: StrategyId::new("us"),
            origin: Origin::Daemon,
        }),
    });
    log.ev(3, Event::Sent);
    let mine = filled(row(7, 11, S, Side::Buy, 1, 100), 1, dec!(100));
    assert_eq!(
        run(&log, vec![mine]),
        vec![
            Action::Conflict(Conflict {
                kind: ConflictKind::MissingAtBroker,
                symbol: sym("NASD:TQQQ"),
                intents: vec![c(3)],
                orders: vec![]
            }),
            Action::Conflict(Conflict {
                kind: ConflictKind::Stale,
                symbol: sym(S),
                intents: vec![c(2)],
                orders: vec![]
            })
        ]
    );
}

#[test]
fn holdings_are_summed_per_symbol_and_synced() {
    let pos = |code: &str, qty: &str, amt: &str| BalancePosition {
        pdno: code.into(),
        hldg_qty: qty.into(),
        pchs_amt: amt.into(),
        ..BalancePosition::default()
    };
    let v = BrokerView::from_rows(
        day(),
        &[],
        &[pos("005930", "10", "700000"), pos("005930", "5", "360000"), pos("000660", "0", "0")],
    )
    .unwrap();
    let holding = Holding { symbol: sym(S), qty: Qty::new(15), cost: dec!(1060000) };
    assert_eq!(holding.avg_price(), Some(dec!(1060000) / dec!(15)));
    assert_eq!(reconcile(&IntentBook::new(), &v, &MatchRules::default()), vec![Action::SyncHolding(holding)]);
}

fn ccld_row() -> DailyCcldRow {
    DailyCcldRow {
        ord_dt: "20260304".into(),
        ord_gno_brno: "06010".into(),
        odno: "0000000042".into(),
        orgn_odno: "".into(),
        sll_buy_dvsn_cd: "02".into(),
        pdno: "005930".into(),
        ord_qty: "10".into(),
        ord_unpr: "70000".into(),
        ord_tmd: "090105".into(),
        tot_ccld_qty: "4".into(),
        avg_prvs: "70000.0000".into(),
        cncl_yn: "N".into(),
        tot_ccld_amt: "280000".into(),
        ord_dvsn_cd: "00".into(),
        cncl_cfrm_qty: "0".into(),
        rmn_qty: "6".into(),
        ..DailyCcldRow::default()
    }
}

#[test]
fn ccld_rows_parse_into_broker_orders_with_kst_times() {
    let v = BrokerView::from_rows(day(), &[ccld_row()], &[]).unwrap();
    let o = &v.orders[0];
    assert_eq!(o.order_id, OrderId::parse("06010", "42").unwrap());
    assert_eq!((o.symbol, o.side, o.kind), (sym(S), Side::Buy, OrdDvsn::Limit));
    assert_eq!(
        (o.qty, o.price, o.filled, o.remaining),
        (Qty::new(10), Some(Price::from_won(70000)), Qty::new(4), Qty::new(6))
    );
    assert_eq!(o.order_time, at(65), "09:01:05 KST is 00:01:05 UTC");
    assert_eq!((o.original, o.cancelled, o.filled_amount), (None, false, dec!(280000)));

    let mut market = ccld_row();
    market.ord_unpr = "0".into();
    market.ord_dvsn_cd = "01".into();
    market.orgn_odno = "0000000041".into();
    market.cncl_yn = "Y".into();
    let o = BrokerOrder::from_ccld_row(&market, 0).unwrap();
    assert_eq!((o.price, o.kind, o.original, o.cancelled), (None, OrdDvsn::Market, Some(OrderNo::new(41)), true));
}

#[test]
fn bad_broker_rows_fail_the_view_naming_row_and_field() {
    let mut bad = ccld_row();
    bad.tot_ccld_qty = "x".into();
    let err = BrokerView::from_rows(day(), &[ccld_row(), bad], &[]).unwrap_err();
    assert_eq!(err.to_string(), "inquire-daily-ccld row 1: field `tot_ccld_qty`: not an integer (wire value \"x\")");
    let mut bad = ccld_row();
    bad.pdno = "??".into();
    assert_eq!(
        BrokerView::from_rows(day(), &[bad], &[]).unwrap_err(),
        BrokerRowError::Invalid { list: "inquire-daily-ccld", row: 0, what: "pdno", value: "??".into() }
    );
    let mut bad = ccld_row();
    bad.ord_qty = "-1".into();
    assert_eq!(
        BrokerView::from_rows(day(), &[bad], &[]).unwrap_err().to_string(),
        "inquire-daily-ccld row 0: ord_qty \"-1\" is not valid"
    );
    let pos = BalancePosition { pdno: "005930".into(), hldg_qty: "".into(), ..BalancePosition::default() };
    assert_eq!(
        BrokerView::from_rows(day(), &[], &[pos]).unwrap_err().to_string(),
        "inquire-balance row 0: field `hldg_qty`: empty, expected an integer (wire value \"\")"
    );
}

#[test]
fn applying_the_actions_reaches_a_fixpoint_and_adopted_orders_stay_known() {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 10, 100).ev(1, Event::Sent);
    log.intent(2, 20, S, Side::Buy, 1, 100);
    let broker = vec![
        filled(row(7, 11, S, Side::Buy, 10, 100), 10, dec!(1005)),
        filled(row(8, 30, "000660", Side::Sell, 3, 150000), 1, dec!(150000)),
    ];
    let mut book = log.book();
    let actions = reconcile(&book, &view(broker.clone()), &MatchRules::default());
    assert_eq!(actions.len(), 4, "{actions:#?}");
    for action in &actions {
        let next = ClientOrderId(book.max_id().map_or(1, |m| m.0 + 1));
        for entry in action.entries(at(500), next) {
            book.apply(&entry).unwrap();
        }
    }
    let first = book.get(c(1)).unwrap();
    assert_eq!((first.state, first.filled, first.filled_notional), (IntentState::Filled, Qty::new(10), dec!(1005)));
    assert!(!book.get(c(2)).unwrap().is_open());
    let adopted = book.get(c(3)).unwrap();
    assert_eq!((adopted.record.origin, adopted.filled, adopted.order_id), (Origin::Adopted, Qty::new(1), Some(oid(8))));
    assert_eq!(adopted.created, at(30));
    assert_eq!(reconcile(&book, &view(broker), &MatchRules::default()), vec![]);
}

/// A US intent of the log: 10 TQQQ at $50.25.
fn us_intent(log: &mut Log, id: u64, created: i64) {
    log.0.push(Entry {
        ts: at(created),
        id: c(id),
        event: Event::Intent(IntentRecord {
            symbol: sym("NASDAQ:TQQQ"),
            side: Side::Buy,
            kind: OrderKind::Us(UsOrdDvsn::Limit),
            qty: Qty::new(10),
            price: Some(Price::new(dec!(50.25)).unwrap()),
            strategy: StrategyId::new("us"),
            origin: Origin::Daemon,
        }),
    });
}

/// One row of the overseas order history as KIS (and the simulator) writes it: New York's date, KST's time.
fn us_history_row(
    no: u64,
    filled: u64,
    amount: &str,
    left: u64,
) -> kis_protocol::rest::overseas_account::UsOrderHistoryRow {
    kis_protocol::rest::overseas_account::UsOrderHistoryRow {
        // 2026-03-04 09:00:11 KST is 2026-03-03 19:00:11 in New York.
        ord_dt: "20260303".into(),
        ord_gno_brno: "06010".into(),
        odno: format!("{no:010}"),
        sll_buy_dvsn_cd: "02".into(),
        pdno: "TQQQ".into(),
        ft_ord_qty: "10".into(),
        ft_ord_unpr3: "50.25".into(),
        ft_ccld_qty: filled.to_string(),
        ft_ccld_amt3: amount.into(),
        nccs_qty: left.to_string(),
        ord_tmd: "090011".into(),
        ovrs_excg_cd: "NASD".into(),
        ..Default::default()
    }
}

#[test]
fn a_us_send_whose_reply_was_lost_is_bound_by_the_overseas_history_with_its_fills() {
    let mut log = Log::default();
    us_intent(&mut log, 1, 10);
    log.ev(1, Event::Sent).ev(1, Event::Uncertain { detail: "reset".into() });
    let mut v = view(Vec::new());
    v.add_us_orders(&[us_history_row(42, 4, "201.00", 6)]).unwrap();
    assert!(v.us_covered);
    let order = &v.orders[0];
    assert_eq!(order.order_time, at(11), "New York's date and KST's time make the instant");
    // KIS's receipt date and time (KST), when the row has them, win.
    let mut receipt = us_history_row(43, 0, "0", 10);
    (receipt.dmst_ord_dt, receipt.thco_ord_tmd) = ("20260304".into(), "090012".into());
    receipt.ord_tmd = "190012".into();
    let mut w = view(Vec::new());
    w.add_us_orders(&[receipt]).unwrap();
    assert_eq!(w.orders[0].order_time, at(12));
    assert_eq!((order.symbol, order.filled, order.remaining), (sym("NASDAQ:TQQQ"), Qty::new(4), Qty::new(6)));
    assert_eq!(
        reconcile(&log.book(), &v, &MatchRules::default()),
        vec![
            Action::MarkAcked { intent: c(1), order_id: oid(42) },
            Action::ApplyFills {
                intent: c(1),
                order_id: oid(42),
                qty: Qty::new(4),
                price: Price::new(dec!(50.25)).unwrap(),
                broker_total: Qty::new(4)
            },
        ]
    );
}

#[test]
fn a_us_intent_is_judged_only_on_a_view_that_read_the_overseas_history() {
    let mut log = Log::default();
    us_intent(&mut log, 1, 10);
    log.ev(1, Event::Sent);
    // The domestic list alone proves nothing about a US order that may have left: a person decides (no read of
    // these lists could settle it); one that never left is forgotten, an acknowledged one waits.
    assert_eq!(
        run(&log, Vec::new()),
        vec![Action::Conflict(Conflict {
            kind: ConflictKind::MissingAtBroker,
            symbol: sym("NASDAQ:TQQQ"),
            intents: vec![c(1)],
            orders: vec![]
        })]
    );
    let mut unsent = Log::default();
    us_intent(&mut unsent, 1, 10);
    assert_eq!(run(&unsent, Vec::new()), vec![Action::MarkNeverSent { intent: c(1) }]);
    let mut acked = Log::default();
    us_intent(&mut acked, 1, 10);
    acked.ev(1, Event::Sent).ev(1, Event::Acked { order_id: oid(42) });
    assert_eq!(run(&acked, Vec::new()), vec![]);
    // With the overseas history read and the order absent: not found (never concluded here), never resent.
    let mut v = view(Vec::new());
    v.add_us_orders(&[]).unwrap();
    assert_eq!(
        reconcile(&log.book(), &v, &MatchRules::default()),
        vec![Action::NotFound { intent: c(1), symbol: sym("NASDAQ:TQQQ"), past_deadline: true }]
    );
}

#[test]
fn a_known_us_order_cancelled_at_the_broker_is_recorded_as_such() {
    let mut log = Log::default();
    us_intent(&mut log, 1, 10);
    log.ev(1, Event::Sent).ev(1, Event::Acked { order_id: oid(42) });
    let mut v = view(Vec::new());
    v.add_us_orders(&[us_history_row(42, 0, "0", 0)]).unwrap();
    assert!(v.orders[0].cancelled && v.orders[0].cancelled_qty == Qty::new(10), "{:?}", v.orders[0]);
    let actions = reconcile(&log.book(), &v, &MatchRules::default());
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::MarkCancelled { intent, qty } if *intent == c(1) && *qty == Qty::new(10))),
        "{actions:?}"
    );
}

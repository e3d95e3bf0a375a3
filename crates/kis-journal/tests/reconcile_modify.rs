//! Reconciliation of modified orders: an intent whose unfilled rest was re-priced works as a second broker
//! order (its row names the first as `original`); both keep their fills, and a modify whose answer was lost is
//! settled only by the broker's lists.

use kis_journal::{
    Action, BrokerOrder, Conflict, ConflictKind, Event, IntentState, MatchRules, ModifyLapse, UnknownOutcomes,
    is_modify_unknown, reconcile,
};
use kis_model::{OrderNo, Price, Qty, Side};
use rust_decimal_macros::dec;

mod common;
use common::*;

/// Intent 1: buy 10 at 70,000, working as order 77, 3 shares filled on it before the modify.
fn modified_log() -> Log {
    let mut log = Log::default();
    log.intent(1, 10, S, Side::Buy, 10, 70000).ev(1, Event::Sent).ev(1, Event::Acked { order_id: oid(77) });
    log.fill(1, "n:77:a", 3, 70000);
    log
}

/// Order 77 as the list shows it once a modify replaced it: its fills, nothing working (which a US row
/// reads as "ended short").
fn replaced_77() -> BrokerOrder {
    let mut o = filled(row(77, 11, S, Side::Buy, 10, 70000), 3, dec!(210000));
    o.remaining = Qty::ZERO;
    o.cancelled = true;
    o.cancelled_qty = Qty::new(7);
    o
}

/// The modify of order 77: the 7 unfilled shares at 71,000 as order 78.
fn modify_78(filled_qty: u64) -> BrokerOrder {
    let mut o =
        filled(row(78, 40, S, Side::Buy, 7, 71000), filled_qty, dec!(71000) * rust_decimal::Decimal::from(filled_qty));
    o.original = Some(OrderNo::new(77));
    o
}

fn price(won: u64) -> Price {
    Price::from_won(won)
}

#[test]
fn fills_on_both_orders_count_and_the_replaced_order_is_neither_cancelled_nor_adopted() {
    let mut log = modified_log();
    log.ev(1, Event::ModifySent { price: price(71000) })
        .ev(1, Event::Modified { order_id: oid(78), price: price(71000) });
    let actions = run(&log, vec![replaced_77(), modify_78(2)]);
    assert_eq!(
        actions,
        vec![Action::ApplyFills {
            intent: c(1),
            order_id: oid(78),
            qty: Qty::new(2),
            price: price(71000),
            broker_total: Qty::new(2)
        }]
    );
    // Applied, the next read finds nothing more to do; the fill went to order 78.
    let mut book = log.book();
    for entry in actions.iter().flat_map(|a| a.entries(at(2000), c(99))) {
        book.apply(&entry).unwrap();
    }
    let v = book.get(c(1)).unwrap();
    assert_eq!(
        (v.filled, v.filled_on(OrderNo::new(78)).0, v.state),
        (Qty::new(5), Qty::new(2), IntentState::PartiallyFilled)
    );
    assert_eq!(reconcile(&book, &view(vec![replaced_77(), modify_78(2)]), &MatchRules::default()), vec![]);
}

#[test]
fn a_modify_whose_answer_was_lost_is_bound_by_its_row_with_its_fills() {
    let mut log = modified_log();
    log.ev(1, Event::ModifySent { price: price(71000) }).ev(1, Event::ModifyUncertain { detail: "reset".into() });
    assert!(is_modify_unknown(log.book().get(c(1)).unwrap()));
    let actions = run(&log, vec![replaced_77(), modify_78(7)]);
    assert_eq!(
        actions,
        vec![
            Action::MarkModified { intent: c(1), order_id: oid(78), price: price(71000) },
            Action::ApplyFills {
                intent: c(1),
                order_id: oid(78),
                qty: Qty::new(7),
                price: price(71000),
                broker_total: Qty::new(7)
            },
        ]
    );
    let mut book = log.book();
    for entry in actions.iter().flat_map(|a| a.entries(at(2000), c(99))) {
        book.apply(&entry).unwrap();
    }
    let v = book.get(c(1)).unwrap();
    assert_eq!((v.order_id, v.modify, v.filled, v.state), (Some(oid(78)), None, Qty::new(10), IntentState::Filled));
    assert_eq!(v.avg_price(), Some(dec!(70700)));
}

#[test]
fn a_lost_modify_without_a_row_is_not_found_and_lapses_only_on_repeated_reads_past_its_deadline() {
    let mut log = modified_log();
    // Sent at t=1000 (the log's event time); the default rules give KIS until t=1015.
    log.ev(1, Event::ModifySent { price: price(71000) }).ev(1, Event::ModifyUncertain { detail: "timeout".into() });
    let book = log.book();
    let live_77 = filled(row(77, 11, S, Side::Buy, 10, 70000), 3, dec!(210000));
    let rules = MatchRules::default();
    let mut early = view(vec![live_77.clone()]);
    early.read_at = Some(at(1010));
    let not_found = |past_deadline| Action::ModifyNotFound { intent: c(1), symbol: sym(S), past_deadline };
    assert_eq!(reconcile(&book, &early, &rules), vec![not_found(false)]);

    let mut unknown = UnknownOutcomes::new();
    unknown.track_modify(book.get(c(1)).unwrap());
    assert_eq!(unknown.blocking(sym(S)), Some(c(1)), "the symbol takes no new order meanwhile");
    let settle = |u: &mut UnknownOutcomes, t| {
        let mut v = view(vec![live_77.clone()]);
        v.read_at = Some(at(t));
        u.settle(reconcile(&book, &v, &rules), at(t), &rules, |_| false).actions
    };
    assert_eq!(settle(&mut unknown, 1010), vec![], "before the deadline an absence is no evidence");
    assert_eq!(settle(&mut unknown, 1020), vec![], "one read past it is not enough");
    assert_eq!(settle(&mut unknown, 1030), vec![Action::MarkModifyLapsed { intent: c(1) }]);
    assert!(unknown.is_empty());
    let lapsed = Action::MarkModifyLapsed { intent: c(1) }.entries(at(1030), c(99));
    assert_eq!(lapsed[0].event, Event::ModifyLapsed { why: ModifyLapse::NotAtBroker });

    // While the modify is unsettled, an order that looks ended short (the modify's row not listed yet) is
    // not called cancelled.
    assert_eq!(run(&log, vec![replaced_77()]), vec![not_found(true)]);
}

#[test]
fn the_modified_order_cancelled_at_the_broker_cancels_its_rest() {
    let mut log = modified_log();
    log.ev(1, Event::ModifySent { price: price(71000) })
        .ev(1, Event::Modified { order_id: oid(78), price: price(71000) });
    let mut cancelled_78 = modify_78(1);
    (cancelled_78.cancelled, cancelled_78.cancelled_qty, cancelled_78.remaining) = (true, Qty::new(6), Qty::ZERO);
    assert_eq!(
        run(&log, vec![replaced_77(), cancelled_78]),
        vec![
            Action::ApplyFills {
                intent: c(1),
                order_id: oid(78),
                qty: Qty::new(1),
                price: price(71000),
                broker_total: Qty::new(1)
            },
            Action::MarkCancelled { intent: c(1), qty: Qty::new(6) },
        ]
    );
}

#[test]
fn modifies_the_daemon_did_not_send_are_someone_elses() {
    let conflict = |orders: Vec<u64>| {
        Action::Conflict(Conflict {
            kind: ConflictKind::ModifiedOutside,
            symbol: sym(S),
            intents: vec![c(1)],
            orders: orders.into_iter().map(OrderNo::new).collect(),
        })
    };
    // No modify journaled, yet order 77 has one.
    assert_eq!(run(&modified_log(), vec![replaced_77(), modify_78(0)]), vec![conflict(vec![77])]);
    // Ours went out as 78, and a second modify of 77 (79) is someone else's.
    let mut log = modified_log();
    log.ev(1, Event::ModifySent { price: price(71000) })
        .ev(1, Event::Modified { order_id: oid(78), price: price(71000) });
    let mut other = modify_78(0);
    other.order_id = oid(79);
    assert_eq!(run(&log, vec![replaced_77(), modify_78(0), other]), vec![conflict(vec![78])]);
    // Our modify's order under a number the list does not have: the broker does not show what we hold.
    let missing = Action::Conflict(Conflict {
        kind: ConflictKind::MissingAtBroker,
        symbol: sym(S),
        intents: vec![c(1)],
        orders: vec![OrderNo::new(78)],
    });
    assert_eq!(run(&log, vec![replaced_77()]), vec![missing]);
}

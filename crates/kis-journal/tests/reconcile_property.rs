//! Random days: intents crash at random points of their life, the broker has or has not got them, fills
//! happen and are or are not seen, outsiders place lookalike orders. Whatever happened, reconciliation
//! must never forget an order that reached the broker (which would let it be decided and sent again), never
//! lose or double a fill, and reach a fixpoint once its actions are journaled.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use kis_journal::{
    Action, BrokerOrder, BrokerView, DoneReason, Entry, Event, FillId, FillRecord, IntentBook, IntentRecord,
    MatchRules, OrderKind, Origin, StrategyId, UnknownOutcomes, is_unknown, reconcile,
};
use kis_model::{ClientOrderId, OrdDvsn, OrderId, OrderNo, Price, Qty, Side, Symbol};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_582_400 + s, 0).unwrap_or_default()
}

/// Where the crash caught an intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Journaled, send never started.
    Journaled,
    /// `Sent` journaled; the request never reached KIS.
    SentLost,
    /// `Sent` journaled; KIS took the order; the ack was never journaled.
    SentReached,
    /// `Uncertain` journaled; KIS did not get it.
    UncertainLost,
    /// `Uncertain` journaled; KIS did get it.
    UncertainReached,
    /// Ack journaled.
    Acked,
}

impl Stage {
    fn reached(self) -> bool {
        matches!(self, Stage::SentReached | Stage::UncertainReached | Stage::Acked)
    }
}

#[derive(Debug, Clone)]
struct Key {
    symbol: usize,
    buy: bool,
    qty: u64,
    price: u64,
}

#[derive(Debug, Clone)]
struct IntentCase {
    key: Key,
    gap: i64,
    stage: Stage,
    delay: i64,
    /// Of the order's quantity, how much filled at the broker, and how much of that we saw on notices.
    fill_frac: (u64, u64),
    cancelled: bool,
    duplicate_notices: bool,
}

#[derive(Debug, Clone)]
struct Foreign {
    key: Key,
    time: i64,
    filled: u64,
    cancelled: bool,
}

fn key() -> impl Strategy<Value = Key> {
    (0..2usize, any::<bool>(), 1..3u64, 100..102u64).prop_map(|(symbol, buy, qty, price)| Key {
        symbol,
        buy,
        qty,
        price,
    })
}

fn stage() -> impl Strategy<Value = Stage> {
    prop_oneof![
        Just(Stage::Journaled),
        Just(Stage::SentLost),
        Just(Stage::SentReached),
        Just(Stage::UncertainLost),
        Just(Stage::UncertainReached),
        Just(Stage::Acked),
    ]
}

fn intent_case() -> impl Strategy<Value = IntentCase> {
    (key(), 0..40i64, stage(), 0..3i64, (0..=4u64, 0..=4u64), any::<bool>(), any::<bool>()).prop_map(
        |(key, gap, stage, delay, fill_frac, cancelled, duplicate_notices)| IntentCase {
            key,
            gap,
            stage,
            delay,
            fill_frac,
            cancelled,
            duplicate_notices,
        },
    )
}

fn foreign() -> impl Strategy<Value = Foreign> {
    (key(), 0..300i64, 0..3u64, any::<bool>()).prop_map(|(key, time, filled, cancelled)| Foreign {
        key,
        time,
        filled,
        cancelled,
    })
}

fn symbol(i: usize) -> Symbol {
    let code = if i == 0 { "005930" } else { "000660" };
    code.parse().unwrap()
}

fn side(buy: bool) -> Side {
    if buy { Side::Buy } else { Side::Sell }
}

/// Fill prices differ from the limit so that averages are not trivially equal.
fn fill_price(k: u64) -> Price {
    Price::from_won(90 + k)
}

struct Day {
    entries: Vec<Entry>,
    orders: Vec<BrokerOrder>,
    /// Intent id -> index into `orders` of its real order.
    reached: Vec<(ClientOrderId, usize)>,
}

fn simulate(cases: &[IntentCase], foreigners: &[Foreign]) -> Day {
    let mut entries = Vec::new();
    // (time, intent, order) — order numbers are given out in time order afterwards, as KIS does.
    let mut placed: Vec<(i64, Option<ClientOrderId>, BrokerOrder)> = Vec::new();
    let mut t = 0;
    for (i, case) in cases.iter().enumerate() {
        t += case.gap;
        let id = ClientOrderId(i as u64 + 1);
        let k = &case.key;
        let record = IntentRecord {
            symbol: symbol(k.symbol),
            side: side(k.buy),
            kind: OrderKind::Krx(OrdDvsn::Limit),
            qty: Qty::new(k.qty),
            price: Some(Price::from_won(k.price)),
            strategy: StrategyId::new("p"),
            origin: Origin::Daemon,
        };
        entries.push(Entry { ts: at(t), id, event: Event::Intent(record) });
        if case.stage != Stage::Journaled {
            entries.push(Entry { ts: at(t), id, event: Event::Sent });
        }
        if matches!(case.stage, Stage::UncertainLost | Stage::UncertainReached) {
            entries.push(Entry { ts: at(t + 1), id, event: Event::Uncertain { detail: "reset".into() } });
        }
        if case.stage.reached() {
            let filled = case.fill_frac.0.min(k.qty);
            // Notices name the broker's order number, so the router can attribute them only once the ack
            // is journaled.
            let seen = if case.stage == Stage::Acked { case.fill_frac.1.min(filled) } else { 0 };
            let amount: Decimal = (0..filled).map(|s| fill_price(s).value()).sum();
            let cancelled = case.cancelled && filled < k.qty;
            let order = BrokerOrder {
                order_id: OrderId { branch: 6010, order_no: OrderNo::new(0) },
                original: None,
                symbol: symbol(k.symbol),
                side: side(k.buy),
                kind: OrdDvsn::Limit,
                qty: Qty::new(k.qty),
                price: Some(Price::from_won(k.price)),
                filled: Qty::new(filled),
                filled_amount: amount,
                order_time: at(t + case.delay),
                cancelled,
                cancelled_qty: if cancelled { Qty::new(k.qty - filled) } else { Qty::ZERO },
                remaining: if cancelled { Qty::ZERO } else { Qty::new(k.qty - filled) },
            };
            placed.push((t + case.delay, Some(id), order));
            // Notices seen before the crash, one share each, some delivered twice.
            for s in 0..seen {
                let fill = FillRecord {
                    fill_id: FillId(format!("n:{}:{s}", id.0)),
                    qty: Qty::new(1),
                    price: fill_price(s),
                    order_no: None,
                    at: at(t + case.delay + 1),
                };
                let copies = if case.duplicate_notices { 2 } else { 1 };
                for _ in 0..copies {
                    entries.push(Entry { ts: at(t + 2), id, event: Event::Fill(fill.clone()) });
                }
            }
        }
    }
    for f in foreigners {
        let k = &f.key;
        let filled = f.filled.min(k.qty);
        let cancelled = f.cancelled && filled < k.qty;
        let order = BrokerOrder {
            order_id: OrderId { branch: 6010, order_no: OrderNo::new(0) },
            original: None,
            symbol: symbol(k.symbol),
            side: side(k.buy),
            kind: OrdDvsn::Limit,
            qty: Qty::new(k.qty),
            price: Some(Price::from_won(k.price)),
            filled: Qty::new(filled),
            filled_amount: Decimal::from(100 * filled),
            order_time: at(f.time),
            cancelled,
            cancelled_qty: if cancelled { Qty::new(k.qty - filled) } else { Qty::ZERO },
            remaining: if cancelled { Qty::ZERO } else { Qty::new(k.qty - filled) },
        };
        placed.push((f.time, None, order));
    }
    placed.sort_by_key(|(time, ..)| *time);
    let mut orders = Vec::new();
    let mut reached = Vec::new();
    for (n, (_, intent, mut order)) in placed.into_iter().enumerate() {
        order.order_id.order_no = OrderNo::new(n as u64 + 1);
        if let Some(id) = intent {
            reached.push((id, orders.len()));
            // Acked intents had the ack journaled before the crash.
            if cases.get(id.0 as usize - 1).is_some_and(|c| c.stage == Stage::Acked) {
                entries.push(Entry { ts: at(1_000), id, event: Event::Acked { order_id: order.order_id } });
            }
        }
        orders.push(order);
    }
    Day { entries, orders, reached }
}

fn apply(book: &mut IntentBook, actions: &[Action]) -> Result<(), TestCaseError> {
    for action in actions {
        let next = ClientOrderId(book.max_id().map_or(1, |m| m.0 + 1));
        for entry in action.entries(at(2_000), next) {
            book.apply(&entry).map_err(|e| TestCaseError::fail(format!("{action:?}: {e}")))?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn no_resend_no_lost_fill_and_a_fixpoint(
        cases in prop::collection::vec(intent_case(), 1..12),
        foreigners in prop::collection::vec(foreign(), 0..3),
    ) {
        let day = simulate(&cases, &foreigners);
        let mut book = IntentBook::fold(&day.entries).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        // Read long after every send could have been accepted; an absence is concluded only after the
        // rules' confirming reads, each one a fresh reconciliation of the updated book.
        let rules = MatchRules::default();
        let view = |read: i64| BrokerView {
            day: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap_or_default(),
            orders: day.orders.clone(),
            holdings: Vec::new(),
            read_at: Some(at(2_000 + read)),
            us_covered: false,
            us_since: None,
        };
        let mut unknown = UnknownOutcomes::new();
        for v in book.iter().filter(|v| is_unknown(v)) {
            unknown.track(v);
        }
        let mut actions = Vec::new();
        for read in 0..i64::from(rules.confirm_reads) {
            let settled = unknown.settle(reconcile(&book, &view(read), &rules), at(2_000 + read), &rules, |_| false);
            apply(&mut book, &settled.actions)?;
            actions.extend(settled.actions);
        }
        prop_assert!(unknown.is_empty(), "still unknown after the confirming reads: {unknown:?}");
        let view = view(i64::from(rules.confirm_reads));

        let mut conflicted_intents = BTreeSet::new();
        let mut conflicted_orders = BTreeSet::new();
        for action in &actions {
            if let Action::Conflict(c) = action {
                conflicted_intents.extend(c.intents.iter().copied());
                conflicted_orders.extend(c.orders.iter().copied());
            }
        }
        // An order that reached the broker is never declared unsent: that is what would lead to a resend.
        for (id, _) in &day.reached {
            prop_assert!(!actions.contains(&Action::MarkNeverSent { intent: *id }), "reached {id} forgotten: {actions:#?}");
        }

        // Nothing is left in limbo: every intent is forgotten, bound to a broker order, or a conflict.
        for intent in book.iter() {
            let settled = intent.done == Some(DoneReason::NeverSent) || intent.order_id.is_some();
            prop_assert!(settled || conflicted_intents.contains(&intent.id), "{intent:?} left open: {actions:#?}");
        }
        // Every order that matters is accounted for, with exactly the broker's fills.
        for order in &day.orders {
            let no = order.order_id.order_no;
            match book.by_order_no(no) {
                Some(intent) if !conflicted_intents.contains(&intent.id) => {
                    prop_assert_eq!(intent.filled, order.filled, "fills of {} ({:?})", no, intent);
                    prop_assert_eq!(intent.filled_notional, order.filled_amount);
                }
                Some(_) => {}
                None => prop_assert!(
                    conflicted_orders.contains(&no) || !order.is_live_or_filled(),
                    "order {no} lost: {actions:#?}"
                ),
            }
        }
        // Each real send is bound to its own intent unless a lookalike made it ambiguous.
        for (id, index) in &day.reached {
            let order = &day.orders[*index];
            let bound = book.by_order_no(order.order_id.order_no).map(|v| v.id);
            prop_assert!(
                bound.is_some() || conflicted_orders.contains(&order.order_id.order_no) || conflicted_intents.contains(id),
                "send of {id} unaccounted: {actions:#?}"
            );
        }

        // Journaled, the actions leave nothing more to do but the conflicts.
        let again = reconcile(&book, &view, &rules);
        prop_assert!(again.iter().all(|a| matches!(a, Action::Conflict(_))), "not a fixpoint: {again:#?}");
    }
}

//! Reconciliation: the journal's intents against the broker's list of today's orders — after a restart,
//! after an order POST whose outcome is unknown, and on every REST catch-up.
//!
//! The one rule everything here serves: **no intent is ever sent twice, and none is forgotten.**
//! Reconciliation therefore never produces a "send", and it never *concludes* that an order which may have
//! left did not reach KIS: it only reports what one read of the lists shows. An intent that left (or may
//! have) and is not in the list is [`Action::NotFound`]; whether that absence is evidence is decided by
//! [`crate::unknown::UnknownOutcomes`], which calls it "never reached KIS" only after the lists were read
//! repeatedly past the latest time KIS could still have accepted it and no notice points at it. When the
//! evidence does not decide, the answer is a `Conflict` (the router pauses that symbol and says so loudly),
//! never a guess that could double an order.
//!
//! # Matching intents without a broker order number
//! KIS has no field for a client order id, so an intent whose send started (`Sent`/`Uncertain`, or fills
//! seen on a notice before the ack was journaled) is recognised by what it asked for: the key
//! (symbol, side, quantity, limit price — `None` for price-less kinds such as market orders, which KIS lists
//! at price 0), among new orders only (a modify/cancel row has an original order number), not already bound
//! to another intent (open or done), and whose broker order time lies in the intent's window
//! `[created − clock_skew, created + max_send_delay]`. For each key, the unresolved intents (by creation
//! time) and the fitting orders (by order time, then number) are compared:
//! - no such order: [`Action::NotFound`], with whether the read was past the window's end (an intent with
//!   fills seen but no order is a `Conflict(MissingAtBroker)`: the notices say it exists);
//! - as many orders as intents and each k-th order inside the k-th intent's window → `MarkAcked` pairwise
//!   (the router sends one order at a time and never a second one on a symbol whose outcome is unknown, so
//!   order numbers follow creation order; a swap between two identical orders would change nothing but which
//!   strategy a fill is attributed to);
//! - two orders fit one intent (or any other count) → `Conflict(Ambiguous)`: one of them may be an
//!   identical order placed by hand, and picking one could bind a fill to the wrong order. A person decides.
//!
//! An intent journaled without `Sent` provably never left (the journal syncs `Sent` before sending), so it
//! is forgotten without looking (`MarkNeverSent`). `inquire-daily-ccld` lists domestic orders only; US intents
//! are judged by the same rules when the view holds the overseas lists ([`BrokerView::us_covered`]). Without
//! them (no US strategy configured now, an earlier run's US intents in the journal) a US intent that never left
//! is still forgotten, one that may have left without an order number is a `Conflict(MissingAtBroker)` for a
//! person (no list read could settle it), and an acknowledged one waits for a view that reads them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use kis_model::{ClientOrderId, OrderId, OrderNo, Price, Qty, Side, Symbol};

use crate::broker::{BrokerOrder, BrokerView, Holding, ny_day};
use crate::entry::{
    DoneReason, Entry, Event, FillId, FillRecord, IntentRecord, ModifyLapse, OrderKind, Origin, StrategyId,
};
use crate::intents::{IntentBook, IntentState, IntentView};
use kis_model::kst::kst_date;

/// How an intent is recognised in the broker's list, and when its absence there starts to mean something
/// (see the module docs). All durations are venue time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchRules {
    /// Our clock may run ahead of KIS's, and `ord_tmd` is cut to the second.
    pub clock_skew: Duration,
    /// The latest KIS can accept a send after its intent was created: the client's request timeout plus a
    /// margin for a gateway that forwards late. An order accepted later is not that intent's send; a list
    /// read after it that does not show the order counts as evidence that the send never reached KIS.
    pub max_send_delay: Duration,
    /// How many reads past `max_send_delay` must agree that an order is absent before it is called "never
    /// reached KIS" (one read could be a list that lags the order book).
    pub confirm_reads: u32,
}

impl MatchRules {
    /// The rules for a client whose requests time out after `timeout`, with `margin` for a late gateway,
    /// on a venue clock that runs `speed` times real time (1 against KIS; the simulator's speed against it).
    pub fn for_client(timeout: std::time::Duration, margin: std::time::Duration, speed: f64) -> MatchRules {
        let speed = speed.max(1.0);
        let real = timeout.saturating_add(margin).as_secs_f64();
        let venue_ms = (real * speed * 1000.0).min(i64::MAX as f64 / 2.0);
        // Two clocks disagree in real time, not in venue time: on an accelerated simulator the daemon's copy of
        // its clock can be half a real second off, which is 30 venue seconds at speed 60 (a fault run saw a
        // broker order stamped 3 venue seconds before the intent that sent it).
        let skew_ms = (SKEW_REAL_SECS * speed * 1000.0).min(i64::MAX as f64 / 2.0);
        let default = MatchRules::default();
        MatchRules {
            max_send_delay: Duration::milliseconds(venue_ms as i64),
            clock_skew: default.clock_skew.max(Duration::milliseconds(skew_ms as i64)),
            ..default
        }
    }
}

/// Real seconds two clocks may disagree by (the daemon's venue clock against the broker's order times).
const SKEW_REAL_SECS: f64 = 0.5;

#[cfg(test)]
mod rules_tests {
    use super::*;

    #[test]
    fn send_delay_and_clock_skew_scale_with_the_venue_clock() {
        let real = MatchRules::for_client(std::time::Duration::from_secs(10), std::time::Duration::from_secs(5), 1.0);
        assert_eq!((real.max_send_delay, real.clock_skew), (Duration::seconds(15), Duration::seconds(2)));
        let sim = MatchRules::for_client(std::time::Duration::from_secs(10), std::time::Duration::from_secs(5), 60.0);
        assert_eq!((sim.max_send_delay, sim.clock_skew), (Duration::seconds(900), Duration::seconds(30)));
    }
}

impl Default for MatchRules {
    /// A 10 s client timeout plus 5 s margin at real time; 2 s clock skew; two confirming reads.
    fn default() -> MatchRules {
        MatchRules { clock_skew: Duration::seconds(2), max_send_delay: Duration::seconds(15), confirm_reads: 2 }
    }
}

/// What cannot be decided automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConflictKind {
    /// Identical orders and intents do not pair up one to one.
    Ambiguous,
    /// We hold an order number (or fills) the broker's list of today does not show.
    MissingAtBroker,
    /// The broker's order under our number differs from our intent, or its amounts do not add up.
    Mismatch,
    /// We counted more fills than the broker reports.
    OverFilled,
    /// Someone modified our order outside the daemon.
    ModifiedOutside,
    /// An intent from an earlier day is still open; today's list cannot say what became of it.
    Stale,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub kind: ConflictKind,
    /// Trading on this symbol pauses until a person resolves the conflict.
    pub symbol: Symbol,
    pub intents: Vec<ClientOrderId>,
    pub orders: Vec<OrderNo>,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let intents: Vec<String> = self.intents.iter().map(ToString::to_string).collect();
        let orders: Vec<String> = self.orders.iter().map(ToString::to_string).collect();
        write!(
            f,
            "{:?} on {}: intents [{}], broker orders [{}]",
            self.kind,
            self.symbol,
            intents.join(", "),
            orders.join(", ")
        )
    }
}

/// One decision of reconciliation. None of them sends anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    MarkAcked {
        intent: ClientOrderId,
        order_id: OrderId,
    },
    /// Provably never sent (or confirmed absent by [`crate::unknown::UnknownOutcomes`]): forget it; the
    /// strategy decides anew.
    MarkNeverSent {
        intent: ClientOrderId,
    },
    /// An intent that left (or may have) is not in this read of the list. Not a conclusion: see
    /// [`crate::unknown::UnknownOutcomes`]. `past_deadline`: the list was read after the latest time KIS
    /// could still have accepted the send.
    NotFound {
        intent: ClientOrderId,
        symbol: Symbol,
        past_deadline: bool,
    },
    /// Fills the broker has and we missed: `qty` more shares at `price`, bringing us to `broker_total`.
    ApplyFills {
        intent: ClientOrderId,
        order_id: OrderId,
        qty: Qty,
        price: Price,
        broker_total: Qty,
    },
    MarkCancelled {
        intent: ClientOrderId,
        qty: Qty,
    },
    /// The list shows the modify the intent sent: its unfilled rest works as `order_id` at `price`.
    MarkModified {
        intent: ClientOrderId,
        order_id: OrderId,
        price: Price,
    },
    /// A modify that left (or may have) has no row in this read. Like [`Action::NotFound`], not a
    /// conclusion: [`crate::unknown::UnknownOutcomes`] decides when absence is evidence.
    ModifyNotFound {
        intent: ClientOrderId,
        symbol: Symbol,
        past_deadline: bool,
    },
    /// Confirmed by repeated reads: the modify never took effect; the order works on unchanged.
    MarkModifyLapsed {
        intent: ClientOrderId,
    },
    /// A live or filled order placed outside the daemon: track it from now on.
    Adopt(BrokerOrder),
    /// The broker's holdings are the truth for positions.
    SyncHolding(Holding),
    Conflict(Conflict),
}

impl Action {
    /// The journal entries that record this action; `next_id` is the id an adopted order gets.
    pub fn entries(&self, ts: DateTime<Utc>, next_id: ClientOrderId) -> Vec<Entry> {
        let at = |id, event| Entry { ts, id, event };
        match self {
            Action::MarkAcked { intent, order_id } => vec![at(*intent, Event::Acked { order_id: *order_id })],
            Action::MarkNeverSent { intent } => vec![at(*intent, Event::Done { reason: DoneReason::NeverSent })],
            Action::ApplyFills { intent, order_id, qty, price, broker_total } => vec![at(
                *intent,
                Event::Fill(FillRecord {
                    fill_id: FillId::broker_total(order_id.order_no, *broker_total),
                    qty: *qty,
                    price: *price,
                    order_no: Some(order_id.order_no),
                    at: ts,
                }),
            )],
            Action::MarkCancelled { intent, qty } => vec![at(*intent, Event::Cancelled { qty: *qty })],
            Action::MarkModified { intent, order_id, price } => {
                vec![at(*intent, Event::Modified { order_id: *order_id, price: *price })]
            }
            Action::MarkModifyLapsed { intent } => {
                vec![at(*intent, Event::ModifyLapsed { why: ModifyLapse::NotAtBroker })]
            }
            Action::Adopt(order) => adoption_entries(order, ts, next_id),
            Action::SyncHolding(_) | Action::Conflict(_) | Action::NotFound { .. } | Action::ModifyNotFound { .. } => {
                Vec::new()
            }
        }
    }
}

fn adoption_entries(order: &BrokerOrder, ts: DateTime<Utc>, id: ClientOrderId) -> Vec<Entry> {
    let record = IntentRecord {
        symbol: order.symbol,
        side: order.side,
        kind: OrderKind::Krx(order.kind),
        qty: order.qty,
        price: order.price,
        strategy: StrategyId::new("adopted"),
        origin: Origin::Adopted,
    };
    let mut out = vec![
        Entry { ts: order.order_time, id, event: Event::Intent(record) },
        Entry { ts, id, event: Event::Acked { order_id: order.order_id } },
    ];
    if let Some(price) = order.price_of_rest(rust_decimal::Decimal::ZERO, order.filled) {
        let fill_id = FillId::broker_total(order.order_id.order_no, order.filled);
        out.push(Entry {
            ts,
            id,
            event: Event::Fill(FillRecord {
                fill_id,
                qty: order.filled,
                price,
                order_no: Some(order.order_id.order_no),
                at: ts,
            }),
        });
    }
    if order.cancelled {
        out.push(Entry { ts, id, event: Event::Cancelled { qty: order.cancelled_qty } });
    }
    out
}

type Key = (Symbol, Side, Qty, Option<Price>);

/// Compares the journal's open intents with the broker's view; see the module docs for the rules.
pub fn reconcile(book: &IntentBook, view: &BrokerView, rules: &MatchRules) -> Vec<Action> {
    // Pages can overlap while orders fill; keep the freshest copy of each order.
    let mut rows: BTreeMap<OrderNo, &BrokerOrder> = BTreeMap::new();
    for order in &view.orders {
        let no = order.order_id.order_no;
        if rows.get(&no).is_none_or(|seen| seen.filled < order.filled) {
            rows.insert(no, order);
        }
    }
    // Rows bound to any intent, open or done, are ours and never adopted.
    // (Every order an intent worked as: a modified intent's earlier orders keep their fills.)
    let mut claimed: BTreeSet<OrderNo> = book.iter().flat_map(|v| v.orders().map(|o| o.order_no)).collect();
    let mut actions = Vec::new();
    let mut known: Vec<(&IntentView, OrderId)> = Vec::new();
    // `Side` has no order; a list keeps the groups in intent-id order, which keeps the output deterministic.
    let mut groups: Vec<(Key, Vec<&IntentView>)> = Vec::new();

    let covered = |s: &Symbol| matches!(s, Symbol::Krx(_)) || view.us_covered;
    for intent in book.iter().filter(|v| v.is_open() && !covered(&v.record.symbol)) {
        if intent.state == IntentState::PendingSend && intent.filled.is_zero() {
            actions.push(Action::MarkNeverSent { intent: intent.id });
        } else if intent.order_id.is_none() {
            actions.push(conflict(ConflictKind::MissingAtBroker, intent.record.symbol, vec![intent.id], None));
        }
    }
    for intent in book.iter().filter(|v| v.is_open() && covered(&v.record.symbol)) {
        // The domestic list covers one KST day; the US history spans New York's yesterday and today (an
        // intent of an earlier New York day is judged by `us_stale`).
        let krx_stale = matches!(intent.record.symbol, Symbol::Krx(_)) && kst_date(intent.created) < view.day;
        if krx_stale || us_stale(intent, view, &rows) {
            actions.push(conflict(ConflictKind::Stale, intent.record.symbol, vec![intent.id], intent.order_id));
        } else if let Some(order_id) = intent.order_id {
            known.push((intent, order_id));
        } else if intent.state == IntentState::PendingSend && intent.filled.is_zero() {
            actions.push(Action::MarkNeverSent { intent: intent.id });
        } else {
            let r = &intent.record;
            let key = (r.symbol, r.side, r.qty, r.price);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(intent),
                None => groups.push((key, vec![intent])),
            }
        }
    }

    for (key, mut intents) in groups {
        intents.sort_by_key(|v| (v.created, v.id));
        let window = |v: &IntentView, t: DateTime<Utc>| {
            t >= v.created - rules.clock_skew && t <= v.created + rules.max_send_delay
        };
        let mut candidates: Vec<&BrokerOrder> = rows
            .values()
            .filter(|o| o.original.is_none() && !claimed.contains(&o.order_id.order_no))
            .filter(|o| (o.symbol, o.side, o.qty, o.price) == key)
            .filter(|o| intents.iter().any(|v| window(v, o.order_time)))
            .copied()
            .collect();
        candidates.sort_by_key(|o| (o.order_time, o.order_id.order_no));
        claimed.extend(candidates.iter().map(|o| o.order_id.order_no));
        if candidates.is_empty() {
            for intent in intents {
                actions.push(if intent.filled.is_zero() {
                    let deadline = intent.created + rules.max_send_delay;
                    let past_deadline = view.read_at.is_some_and(|t| t > deadline);
                    Action::NotFound { intent: intent.id, symbol: key.0, past_deadline }
                } else {
                    conflict(ConflictKind::MissingAtBroker, key.0, vec![intent.id], None)
                });
            }
        } else if candidates.len() == intents.len()
            && intents.iter().zip(&candidates).all(|(v, o)| window(v, o.order_time))
        {
            for (intent, order) in intents.into_iter().zip(candidates) {
                actions.push(Action::MarkAcked { intent: intent.id, order_id: order.order_id });
                known.push((intent, order.order_id));
            }
        } else {
            actions.push(Action::Conflict(Conflict {
                kind: ConflictKind::Ambiguous,
                symbol: key.0,
                intents: intents.iter().map(|v| v.id).collect(),
                orders: candidates.iter().map(|o| o.order_id.order_no).collect(),
            }));
        }
    }

    for (intent, order_id) in known {
        check_known(intent, order_id, &rows, view.read_at, rules, &mut actions);
    }

    for order in rows.values() {
        let ours = claimed.contains(&order.order_id.order_no) || order.original.is_some_and(|o| claimed.contains(&o));
        if !ours && order.is_live_or_filled() {
            actions.push(Action::Adopt((*order).clone()));
        }
    }
    actions.extend(view.holdings.iter().cloned().map(Action::SyncHolding));
    actions
}

/// A US intent from a New York day before the history's first one ([`BrokerView::us_since`]) that the lists
/// do not show under its order number: the lists cannot say what became of it (US history rows are dated by
/// the exchange's trading day, `ord_dt`, so the intent is judged by its New York date, not its KST one).
/// Without its row it is neither "not found" (an absence from lists that do not cover its day proves
/// nothing) nor "missing at the broker": a person decides, as for a KRX intent of an earlier KST day.
fn us_stale(intent: &IntentView, view: &BrokerView, rows: &BTreeMap<OrderNo, &BrokerOrder>) -> bool {
    matches!(intent.record.symbol, Symbol::Us(..))
        && view.us_since.is_some_and(|first| ny_day(intent.created) < first)
        && intent.order_id.is_none_or(|o| !rows.contains_key(&o.order_no))
}

fn conflict(kind: ConflictKind, symbol: Symbol, intents: Vec<ClientOrderId>, order: Option<OrderId>) -> Action {
    Action::Conflict(Conflict { kind, symbol, intents, orders: order.map(|o| o.order_no).into_iter().collect() })
}

/// An intent bound to a broker order: settle a modify it sent, then bring the fills of every order it worked
/// as, and the cancellation of the one working now, up to the broker's state.
fn check_known(
    intent: &IntentView,
    order_id: OrderId,
    rows: &BTreeMap<OrderNo, &BrokerOrder>,
    read_at: Option<DateTime<Utc>>,
    rules: &MatchRules,
    actions: &mut Vec<Action>,
) {
    let symbol = intent.record.symbol;
    let fail = |kind| conflict(kind, symbol, vec![intent.id], Some(order_id));
    let r = &intent.record;
    // The intent's orders (a modify replaces one by the next), each as the broker lists it.
    // (One just matched by this read is not bound in the book yet: `order_id` is its only order.)
    let orders: Vec<OrderId> = if intent.order_id.is_some() { intent.orders().collect() } else { vec![order_id] };
    let mut legs: Vec<&BrokerOrder> = Vec::new();
    for leg in orders {
        let Some(row) = rows.get(&leg.order_no) else { return actions.push(fail(ConflictKind::MissingAtBroker)) };
        let fits = match legs.is_empty() {
            true => (row.symbol, row.side, row.qty) == (r.symbol, r.side, r.qty),
            false => (row.symbol, row.side) == (r.symbol, r.side) && row.qty <= r.qty,
        };
        if !fits {
            return actions.push(fail(ConflictKind::Mismatch));
        }
        legs.push(row);
    }
    let modifies_of = |no: OrderNo| -> Vec<&BrokerOrder> {
        rows.values()
            .filter(|o| o.original == Some(no) && !is_cancel_row(o) && o.is_live_or_filled())
            .copied()
            .collect()
    };
    // Before the last order, the only modify may be the next order of the intent.
    for pair in legs.windows(2) {
        if let [earlier, next] = pair
            && modifies_of(earlier.order_id.order_no).iter().any(|m| m.order_id != next.order_id)
        {
            return actions.push(fail(ConflictKind::ModifiedOutside));
        }
    }
    let Some(&current) = legs.last() else { return };
    let modifies = modifies_of(current.order_id.order_no);
    let mut modify_unsettled = false;
    match (intent.modify, modifies.as_slice()) {
        (_, []) => {
            if let Some(m) = intent.modify {
                let past_deadline = read_at.is_some_and(|t| t > m.at + rules.max_send_delay);
                actions.push(Action::ModifyNotFound { intent: intent.id, symbol, past_deadline });
                // A modify the list does not show yet may still have replaced the order: its row says
                // nothing about a cancellation until the modify is settled.
                modify_unsettled = true;
            }
        }
        (Some(_), [modified]) if modified.side == r.side && modified.qty <= r.qty => {
            let Some(price) = modified.price else { return actions.push(fail(ConflictKind::Mismatch)) };
            actions.push(Action::MarkModified { intent: intent.id, order_id: modified.order_id, price });
            legs.push(modified);
        }
        // The daemon sent no modify (or not this one): someone else changed the order.
        _ => return actions.push(fail(ConflictKind::ModifiedOutside)),
    }
    for leg in &legs {
        let (known_qty, known_amount) = intent.filled_on(leg.order_id.order_no);
        if leg.filled > known_qty {
            let qty = leg.filled.saturating_sub(known_qty);
            match leg.price_of_rest(known_amount, qty) {
                Some(price) => actions.push(Action::ApplyFills {
                    intent: intent.id,
                    order_id: leg.order_id,
                    qty,
                    price,
                    broker_total: leg.filled,
                }),
                None => return actions.push(fail(ConflictKind::Mismatch)),
            }
        } else if leg.filled < known_qty {
            return actions.push(fail(ConflictKind::OverFilled));
        }
    }
    let Some(&row) = legs.last() else { return };
    let cancel_child = rows.values().find(|c| c.original == Some(row.order_id.order_no) && c.cancelled);
    if !modify_unsettled && (row.cancelled || cancel_child.is_some()) && intent.state != IntentState::Cancelled {
        // The confirmed quantity when KIS gives one; else what the cancel asked for, or the unfilled rest.
        let confirmed = |q: Qty| (!q.is_zero()).then_some(q);
        let qty = confirmed(row.cancelled_qty)
            .or_else(|| cancel_child.and_then(|c| confirmed(c.cancelled_qty).or(confirmed(c.qty))))
            .unwrap_or(row.qty.saturating_sub(row.filled));
        actions.push(Action::MarkCancelled { intent: intent.id, qty });
    }
}

/// A cancel order's own row (it acts on `original` and never trades).
fn is_cancel_row(order: &BrokerOrder) -> bool {
    order.original.is_some() && order.cancelled && order.filled.is_zero()
}

//! What must hold after a fault run, judged from the broker's books (the simulator's, read in process) and
//! the daemon's journal once the last daemon reconciled and stopped. Pure: the caller gathers both sides.
//!
//! KIS gives no client order id, so "the broker order of an intent" is what the journal bound it to (its
//! `acked` order number, or an adopted intent's). An order at the broker that no intent is bound to is the
//! trace of an order the daemon lost (sent, reply lost, then concluded "never sent") or sent twice; the
//! report lists the intents that would fit it (same symbol, side and quantity) as evidence.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use kis_journal::{Entry, Event, IntentBook, IntentState, IntentView, Origin};
use kis_model::{OrderNo, Price, Qty, Side, Symbol};
use serde::Serialize;

/// Venue seconds a due exit may take beyond `max_holding_secs` before its absence is a violation (2 s of
/// real time at the fault run's 60× clock: the tick that makes it due, the risk check, the journal write).
pub const EXIT_SLACK_SECS: i64 = 120;

/// One of the broker's orders of the day, reduced to what is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerOrder {
    pub order_no: OrderNo,
    /// The order a modify replaced (KIS `orgn_odno`); `None` for an order as first placed.
    pub original: Option<OrderNo>,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub limit: Option<Price>,
    pub filled: Qty,
    pub created: DateTime<Utc>,
}

/// Everything the checks look at.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    pub broker_orders: &'a [BrokerOrder],
    /// The broker's holdings (shares), zero positions left out.
    pub broker_positions: BTreeMap<Symbol, u64>,
    /// The journal, in file order, and its fold.
    pub entries: &'a [Entry],
    pub book: &'a IntentBook,
    pub max_holding_secs: Option<u64>,
    /// Venue-time spans during which no daemon was up and ready (killed, restarting, stopped between the
    /// schedule and the final start).
    pub down: &'a [(DateTime<Utc>, DateTime<Utc>)],
    /// Venue time the last daemon stopped: exits due later were not owed.
    pub observed_until: DateTime<Utc>,
    /// Whether anyone but the daemon places orders on the account. In a fault run nobody does, so an
    /// adopted intent ("placed outside the daemon") is one of the daemon's own orders it lost track of.
    pub outside_orders: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// The journal does not fold (e.g. one broker order bound to two intents).
    JournalInconsistent,
    /// Invariants 2 and 3: a broker order no intent is bound to.
    UnboundBrokerOrder,
    /// Invariants 1 and 2: with no one else placing orders, a broker order bound to an adopted intent is a
    /// daemon intent whose order the daemon lost (it was sent, then taken for "never sent" or "outside").
    AdoptedOwnOrder,
    /// Invariant 1: an intent bound to an order the broker does not have.
    MissingAtBroker,
    /// Invariant 1: the journal's fills of an intent differ from its broker order's.
    FillMismatch,
    /// Invariant 3: an intent left sent, uncertain or never sent, and not settled.
    Unsettled,
    /// Invariant 4: the journal's fills imply other holdings than the broker's.
    PositionMismatch,
    /// Invariant 5: a position held past `max_holding_secs` without a sell intent.
    DueExitNotSent,
    /// The run itself could not be completed as planned (the final daemon never became ready, …).
    RunIncomplete,
}

impl ViolationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::JournalInconsistent => "journal_inconsistent",
            ViolationKind::UnboundBrokerOrder => "unbound_broker_order",
            ViolationKind::AdoptedOwnOrder => "adopted_own_order",
            ViolationKind::MissingAtBroker => "missing_at_broker",
            ViolationKind::FillMismatch => "fill_mismatch",
            ViolationKind::Unsettled => "unsettled",
            ViolationKind::PositionMismatch => "position_mismatch",
            ViolationKind::DueExitNotSent => "due_exit_not_sent",
            ViolationKind::RunIncomplete => "run_incomplete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub kind: ViolationKind,
    pub evidence: String,
}

impl Violation {
    pub fn new(kind: ViolationKind, evidence: impl Into<String>) -> Violation {
        Violation { kind, evidence: evidence.into() }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.evidence)
    }
}

fn describe(view: &IntentView) -> String {
    let r = &view.record;
    let price = r.price.map_or_else(|| "market".to_string(), |p| p.to_string());
    let bound = view.order_id.map_or_else(|| "no order".to_string(), |o| format!("order {}", o.order_no));
    let done = view.done.map_or_else(String::new, |d| format!(", done {d:?}"));
    format!(
        "intent {} ({:?} {} {} x{} @ {price}, {:?}{done}, {bound}, created {})",
        view.id, r.origin, r.side, r.symbol, r.qty, view.state, view.created
    )
}

/// Every violation, in invariant order.
pub fn check(obs: &Observation<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let by_no: BTreeMap<OrderNo, &BrokerOrder> = obs.broker_orders.iter().map(|o| (o.order_no, o)).collect();
    // The first order of a modify chain: the one an intent is bound to.
    let root_of = |o: &BrokerOrder| {
        let mut no = o.order_no;
        let mut original = o.original;
        while let Some(prev) = original.and_then(|n| by_no.get(&n)) {
            no = prev.order_no;
            original = prev.original;
        }
        no
    };

    // 2 and 3: every broker order is bound to an intent.
    for o in obs.broker_orders.iter().filter(|o| o.original.is_none()) {
        if obs.book.by_order_no(o.order_no).is_some() {
            continue;
        }
        let fits: Vec<String> = obs
            .book
            .iter()
            .filter(|v| v.record.symbol == o.symbol && v.record.side == o.side && v.record.qty == o.qty)
            .map(describe)
            .collect();
        let limit = o.limit.map_or_else(|| "market".to_string(), |p| p.to_string());
        out.push(Violation::new(
            ViolationKind::UnboundBrokerOrder,
            format!(
                "broker order {} ({} {} x{} @ {limit}, filled {}, placed {}) is bound to no intent; intents that \
                 fit it: {}",
                o.order_no,
                o.side,
                o.symbol,
                o.qty,
                o.filled,
                o.created,
                if fits.is_empty() { "none".to_string() } else { fits.join("; ") }
            ),
        ));
    }

    // 1 and 2: the daemon's own orders are bound to the daemon's intents.
    if !obs.outside_orders {
        for view in obs.book.iter().filter(|v| v.record.origin == Origin::Adopted) {
            let r = &view.record;
            let fits: Vec<String> = obs
                .book
                .iter()
                .filter(|v| v.record.origin == Origin::Daemon && v.record.symbol == r.symbol && v.record.side == r.side)
                .filter(|v| v.record.qty == r.qty && v.order_id.is_none())
                .map(describe)
                .collect();
            out.push(Violation::new(
                ViolationKind::AdoptedOwnOrder,
                format!(
                    "{} although nothing outside the daemon places orders; the daemon's unbound intents that fit it: {}",
                    describe(view),
                    if fits.is_empty() { "none".to_string() } else { fits.join("; ") }
                ),
            ));
        }
    }

    // 1: every bound intent's order exists, with the same fills.
    for view in obs.book.iter() {
        let Some(order_id) = view.order_id else { continue };
        let Some(order) = by_no.get(&order_id.order_no) else {
            out.push(Violation::new(
                ViolationKind::MissingAtBroker,
                format!("{}: the broker has no such order", describe(view)),
            ));
            continue;
        };
        let broker_filled: u64 =
            obs.broker_orders.iter().filter(|o| root_of(o) == order.order_no).map(|o| o.filled.shares()).sum();
        if broker_filled != view.filled.shares() {
            out.push(Violation::new(
                ViolationKind::FillMismatch,
                format!("{}: journal fills {} shares, the broker {broker_filled}", describe(view), view.filled),
            ));
        }
    }

    // 3: nothing left in flight.
    for view in obs.book.iter() {
        let in_flight = matches!(view.state, IntentState::PendingSend | IntentState::Sent | IntentState::Uncertain);
        if in_flight && view.done.is_none() {
            out.push(Violation::new(ViolationKind::Unsettled, format!("{} is not settled", describe(view))));
        }
    }

    // 4: holdings implied by the journal's fills.
    let implied = implied_positions(obs);
    let mut symbols: Vec<Symbol> = implied.keys().chain(obs.broker_positions.keys()).copied().collect();
    symbols.sort();
    symbols.dedup();
    for symbol in symbols {
        let journal = implied.get(&symbol).copied().unwrap_or(0);
        let broker = obs.broker_positions.get(&symbol).map_or(0, |q| i128::from(*q));
        if journal != broker {
            out.push(Violation::new(
                ViolationKind::PositionMismatch,
                format!("{symbol}: the journal's fills hold {journal} shares, the broker {broker}"),
            ));
        }
    }

    // 5: every due exit sent.
    if let Some(max_holding) = obs.max_holding_secs {
        out.extend(missing_exits(obs, i64::try_from(max_holding).unwrap_or(i64::MAX)));
    }
    out
}

/// Net shares per symbol over every fill in the journal (buys minus sells, daemon and adopted intents).
fn implied_positions(obs: &Observation<'_>) -> BTreeMap<Symbol, i128> {
    let mut held = BTreeMap::new();
    for view in obs.book.iter() {
        let signed = i128::from(view.filled.shares());
        let delta = if view.record.side == Side::Buy { signed } else { -signed };
        *held.entry(view.record.symbol).or_insert(0) += delta;
    }
    held.retain(|_, q| *q != 0);
    held
}

/// A span from flat to flat (or to the end) of one symbol, by the fills' own times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Holding {
    symbol: Symbol,
    opened: DateTime<Utc>,
    closed: Option<DateTime<Utc>>,
}

fn holdings(obs: &Observation<'_>) -> Vec<Holding> {
    let mut fills: Vec<(DateTime<Utc>, Symbol, i128)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for e in obs.entries {
        let Event::Fill(f) = &e.event else { continue };
        let Some(view) = obs.book.get(e.id) else { continue };
        if !seen.insert((e.id, f.fill_id.clone())) {
            continue;
        }
        let q = i128::from(f.qty.shares());
        fills.push((f.at, view.record.symbol, if view.record.side == Side::Buy { q } else { -q }));
    }
    fills.sort_by_key(|f| f.0);
    let mut open: BTreeMap<Symbol, (i128, DateTime<Utc>)> = BTreeMap::new();
    let mut out = Vec::new();
    for (at, symbol, delta) in fills {
        let entry = open.entry(symbol).or_insert((0, at));
        if entry.0 <= 0 && entry.0 + delta > 0 {
            entry.1 = at;
        }
        let was_long = entry.0 > 0;
        entry.0 += delta;
        if was_long && entry.0 <= 0 {
            out.push(Holding { symbol, opened: entry.1, closed: Some(at) });
        }
    }
    out.extend(open.into_iter().filter(|(_, (q, _))| *q > 0).map(|(symbol, (_, opened))| Holding {
        symbol,
        opened,
        closed: None,
    }));
    out
}

/// The deadline of an exit due at `due`: the slack, plus every down span that overlaps the wait (the exit is
/// owed by a running daemon only).
fn exit_deadline(due: DateTime<Utc>, opened: DateTime<Utc>, down: &[(DateTime<Utc>, DateTime<Utc>)]) -> DateTime<Utc> {
    let mut deadline = due + TimeDelta::seconds(EXIT_SLACK_SECS);
    let mut spans: Vec<_> = down.to_vec();
    spans.sort();
    for (from, to) in spans {
        if to > opened && from < deadline {
            deadline += to - from.max(opened);
        }
    }
    deadline
}

fn missing_exits(obs: &Observation<'_>, max_holding: i64) -> Vec<Violation> {
    let mut out = Vec::new();
    for h in holdings(obs) {
        let due = h.opened + TimeDelta::seconds(max_holding);
        let deadline = exit_deadline(due, h.opened, obs.down);
        let held_until = h.closed.unwrap_or(obs.observed_until).min(obs.observed_until);
        if held_until <= deadline {
            continue;
        }
        let sell = obs.book.iter().any(|v| {
            v.record.symbol == h.symbol && v.record.side == Side::Sell && v.created >= h.opened && v.created <= deadline
        });
        if !sell {
            out.push(Violation::new(
                ViolationKind::DueExitNotSent,
                format!(
                    "{} held from {} to {}: exit due at {due}, no sell intent by {deadline} (slack {EXIT_SLACK_SECS} s \
                     plus daemon downtime)",
                    h.symbol,
                    h.opened,
                    h.closed.map_or_else(|| "the end".to_string(), |c| c.to_string())
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_journal::{DoneReason, FillId, FillRecord, IntentRecord, OrderKind, StrategyId};
    use kis_model::{ClientOrderId, OrdDvsn, OrderId};

    fn at(s: i64) -> DateTime<Utc> {
        "2026-03-04T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::seconds(s)
    }

    fn sym() -> Symbol {
        "005930".parse().unwrap()
    }

    fn order_id(no: u64) -> OrderId {
        OrderId::parse("06010", &no.to_string()).unwrap()
    }

    fn e(ts: i64, id: u64, event: Event) -> Entry {
        Entry { ts: at(ts), id: ClientOrderId(id), event }
    }

    fn intent(ts: i64, id: u64, side: Side, qty: u64) -> Entry {
        e(
            ts,
            id,
            Event::Intent(IntentRecord {
                symbol: sym(),
                side,
                kind: OrderKind::Krx(OrdDvsn::Limit),
                qty: Qty::new(qty),
                price: Some(Price::from_won(71_500)),
                strategy: StrategyId::new("t"),
                origin: Origin::Daemon,
            }),
        )
    }

    fn fill(ts: i64, id: u64, no: u64, qty: u64) -> Entry {
        e(
            ts,
            id,
            Event::Fill(FillRecord {
                fill_id: FillId::broker_total(OrderNo::new(no), Qty::new(qty)),
                qty: Qty::new(qty),
                price: Price::from_won(71_500),
                order_no: Some(OrderNo::new(no)),
                at: at(ts),
            }),
        )
    }

    fn broker(no: u64, side: Side, qty: u64, filled: u64, ts: i64) -> BrokerOrder {
        BrokerOrder {
            order_no: OrderNo::new(no),
            original: None,
            symbol: sym(),
            side,
            qty: Qty::new(qty),
            limit: Some(Price::from_won(71_500)),
            filled: Qty::new(filled),
            created: at(ts),
        }
    }

    fn run(
        entries: &[Entry],
        orders: &[BrokerOrder],
        held: u64,
        down: &[(DateTime<Utc>, DateTime<Utc>)],
    ) -> Vec<Violation> {
        let book = IntentBook::fold(entries).unwrap();
        let broker_positions = if held == 0 { BTreeMap::new() } else { BTreeMap::from([(sym(), held)]) };
        let obs = Observation {
            broker_orders: orders,
            broker_positions,
            entries,
            book: &book,
            max_holding_secs: Some(180),
            down,
            observed_until: at(1_000),
            outside_orders: false,
        };
        check(&obs)
    }

    fn kinds(v: &[Violation]) -> Vec<ViolationKind> {
        v.iter().map(|v| v.kind).collect()
    }

    /// A buy filled and a sell filled 100 s later, both bound: nothing to report.
    fn round_trip() -> Vec<Entry> {
        vec![
            intent(10, 1, Side::Buy, 5),
            e(10, 1, Event::Sent),
            e(10, 1, Event::Acked { order_id: order_id(100) }),
            fill(11, 1, 100, 5),
            e(11, 1, Event::Done { reason: DoneReason::Closed }),
            intent(111, 2, Side::Sell, 5),
            e(111, 2, Event::Sent),
            e(111, 2, Event::Acked { order_id: order_id(101) }),
            fill(112, 2, 101, 5),
            e(112, 2, Event::Done { reason: DoneReason::Closed }),
        ]
    }

    #[test]
    fn a_clean_round_trip_has_no_violation() {
        let orders = [broker(100, Side::Buy, 5, 5, 10), broker(101, Side::Sell, 5, 5, 111)];
        assert_eq!(run(&round_trip(), &orders, 0, &[]), []);
    }

    #[test]
    fn a_lost_reply_taken_for_never_sent_shows_as_an_unbound_order_and_a_position_off() {
        // Intent 1's order was executed and filled, but the daemon concluded "never sent".
        let entries = vec![
            intent(10, 1, Side::Buy, 5),
            e(10, 1, Event::Sent),
            e(10, 1, Event::Uncertain { detail: "connector has been disconnected".into() }),
            e(12, 1, Event::Done { reason: DoneReason::NeverSent }),
        ];
        let v = run(&entries, &[broker(100, Side::Buy, 5, 5, 10)], 5, &[]);
        assert_eq!(kinds(&v), [ViolationKind::UnboundBrokerOrder, ViolationKind::PositionMismatch], "{v:?}");
        assert!(v[0].evidence.contains("broker order 0000000100") && v[0].evidence.contains("intent c1"), "{}", v[0]);
        assert!(v[1].evidence.contains("journal's fills hold 0 shares, the broker 5"), "{}", v[1]);
    }

    #[test]
    fn an_own_order_adopted_as_placed_outside_is_a_lost_intent() {
        // Intent 1 was executed with its reply lost, concluded never sent, then adopted as intent 2.
        let mut entries = vec![
            intent(10, 1, Side::Buy, 5),
            e(10, 1, Event::Sent),
            e(12, 1, Event::Done { reason: DoneReason::NeverSent }),
            intent(10, 2, Side::Buy, 5),
            e(15, 2, Event::Acked { order_id: order_id(100) }),
            fill(15, 2, 100, 5),
            e(15, 2, Event::Done { reason: DoneReason::Closed }),
        ];
        if let Event::Intent(r) = &mut entries[3].event {
            r.origin = Origin::Adopted;
        }
        let orders = [broker(100, Side::Buy, 5, 5, 10)];
        let v = run(&entries, &orders, 5, &[(at(20), at(2_000))]);
        assert_eq!(kinds(&v), [ViolationKind::AdoptedOwnOrder], "{v:?}");
        assert!(
            v[0].evidence.contains("intent c2 (Adopted") && v[0].evidence.contains("fit it: intent c1"),
            "{}",
            v[0]
        );
        // Where others may place orders (HTS, the KIS app), adopting is the daemon's job, not a violation.
        let book = IntentBook::fold(&entries).unwrap();
        let obs = Observation {
            broker_orders: &orders,
            broker_positions: BTreeMap::from([(sym(), 5)]),
            entries: &entries,
            book: &book,
            max_holding_secs: None,
            down: &[],
            observed_until: at(1_000),
            outside_orders: true,
        };
        assert_eq!(check(&obs), []);
    }

    #[test]
    fn a_double_buy_a_missing_order_fills_off_and_an_unsettled_intent_are_each_named() {
        let mut entries = round_trip();
        entries.push(intent(200, 3, Side::Buy, 5));
        entries.push(e(200, 3, Event::Sent));
        entries.push(intent(201, 4, Side::Buy, 7));
        entries.push(e(201, 4, Event::Sent));
        entries.push(e(201, 4, Event::Acked { order_id: order_id(104) }));
        // Intent 3 is still "sent"; the broker holds it twice (103 and 105), 104 does not exist, and the
        // round trip's sell filled 4 at the broker, 5 in the journal.
        let orders = [
            broker(100, Side::Buy, 5, 5, 10),
            broker(101, Side::Sell, 5, 4, 111),
            broker(103, Side::Buy, 5, 0, 200),
            broker(105, Side::Buy, 5, 0, 201),
        ];
        let v = run(&entries, &orders, 1, &[]);
        assert_eq!(
            kinds(&v),
            [
                ViolationKind::UnboundBrokerOrder,
                ViolationKind::UnboundBrokerOrder,
                ViolationKind::FillMismatch,
                ViolationKind::MissingAtBroker,
                ViolationKind::Unsettled,
                ViolationKind::PositionMismatch,
            ],
            "{v:#?}"
        );
        assert!(v[4].evidence.contains("intent c3 (") && v[4].evidence.contains("Sent"), "{}", v[4]);
    }

    #[test]
    fn a_position_held_past_its_due_exit_is_reported_unless_the_daemon_was_down() {
        // Bought (filled) at 11, never sold: due at 191, deadline 311; observed until 1,000.
        let entries = &round_trip()[..5];
        let orders = [broker(100, Side::Buy, 5, 5, 10)];
        let v = run(entries, &orders, 5, &[]);
        assert_eq!(kinds(&v), [ViolationKind::DueExitNotSent], "{v:?}");
        assert!(v[0].evidence.contains("exit due at 2026-03-04 00:03:11 UTC"), "{}", v[0]);
        // Down from 100 to 1,100: the exit was never owed by a running daemon.
        assert_eq!(run(entries, &orders, 5, &[(at(100), at(1_100))]), []);
        // A sell intent in time (even one that did not fill) is the exit sent.
        let mut with_sell = entries.to_vec();
        with_sell.push(intent(250, 2, Side::Sell, 5));
        with_sell.push(e(250, 2, Event::Sent));
        with_sell.push(e(250, 2, Event::Acked { order_id: order_id(101) }));
        with_sell.push(e(251, 2, Event::Done { reason: DoneReason::Closed }));
        let orders = [broker(100, Side::Buy, 5, 5, 10), broker(101, Side::Sell, 5, 0, 250)];
        assert_eq!(run(&with_sell, &orders, 5, &[]), []);
        // The round trip closed after 101 s: never due.
        assert!(
            kinds(&run(&round_trip(), &[broker(100, Side::Buy, 5, 5, 10), broker(101, Side::Sell, 5, 5, 111)], 0, &[]))
                .is_empty()
        );
    }

    #[test]
    fn downtime_extends_the_deadline_only_where_it_overlaps_the_wait() {
        let opened = at(0);
        let due = at(180);
        assert_eq!(exit_deadline(due, opened, &[]), at(300));
        assert_eq!(exit_deadline(due, opened, &[(at(-50), at(20))]), at(320));
        assert_eq!(exit_deadline(due, opened, &[(at(400), at(500))]), at(300));
        assert_eq!(exit_deadline(due, opened, &[(at(395), at(405)), (at(290), at(390))]), at(410));
    }
}

//! Order sends whose outcome is unknown, and the broker evidence that settles them.
//!
//! An order POST ends in one of three ways: **accepted** (KIS gave an order number), **refused** (KIS's own
//! `msg_cd`; nothing was executed), or **unknown** (no answer, an answer that cannot be read, a connection
//! lost after the request was written, a restart between `Sent` and the answer). Unknown is never settled
//! by a timer or a guess, only by what the broker shows:
//! - **found**: a read of today's orders has an order that matches the intent (see [`crate::reconcile`]
//!   for the matching rules) → it is bound to that order and tracked like any other;
//! - **never reached KIS**: [`MatchRules::confirm_reads`] distinct reads, each made after the latest time KIS
//!   could still have accepted the send ([`MatchRules::max_send_delay`] after the intent), show no such
//!   order, and no execution notice the journal cannot place points at the intent's symbol and side →
//!   `MarkNeverSent`; only then may the strategy decide anew;
//! - **cannot tell**: two orders fit, or fills were seen for an order the list does not show → a conflict
//!   for a person; the symbol stays paused.
//!
//! A modify whose request got no usable answer is unknown in the same way and settled by the same rules: its
//! row in the list (an order whose original is the intent's working order) → `MarkModified`; no such row in
//! [`MatchRules::confirm_reads`] distinct reads past [`MatchRules::max_send_delay`] after the modify →
//! `MarkModifyLapsed` (the order works on at its old price).
//!
//! While an intent is unknown its symbol takes no new order of any kind (the router asks
//! [`UnknownOutcomes::blocking`]); other symbols trade on. Pure: reads carry their own (venue) time.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kis_model::{ClientOrderId, Side, Symbol};

use crate::intents::{IntentState, IntentView};
use crate::reconcile::{Action, MatchRules};

/// One unknown outcome and the evidence gathered so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub symbol: Symbol,
    pub side: Side,
    /// When the intent was created (venue time): its window at the broker starts here.
    pub since: DateTime<Utc>,
    /// Reads past the deadline that did not show the order and that no notice contradicted.
    pub empty_reads: u32,
    last_counted: Option<DateTime<Utc>>,
}

/// What one read of the broker's lists settled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settlement {
    /// The actions to apply (journal and report), with the "not found" reads turned into decisions.
    pub actions: Vec<Action>,
    /// Intents still unknown after this read.
    pub still_unknown: Vec<ClientOrderId>,
}

/// The unknown outcomes of one run, by intent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnknownOutcomes {
    pending: BTreeMap<ClientOrderId, Pending>,
}

/// Whether the journal leaves this intent's outcome unknown: it may have left (its send started) and no
/// broker order is bound to it.
pub fn is_unknown(view: &IntentView) -> bool {
    view.is_open() && view.order_id.is_none() && view.state != IntentState::PendingSend
}

/// Whether the journal leaves the outcome of this intent's modify unknown: one was sent and not answered
/// (after a restart, an unanswered modify is unknown whether or not it was marked uncertain).
pub fn is_modify_unknown(view: &IntentView) -> bool {
    view.is_open() && view.modify.is_some()
}

impl UnknownOutcomes {
    pub fn new() -> UnknownOutcomes {
        UnknownOutcomes::default()
    }

    /// Starts tracking an intent whose modify has an unknown outcome (see [`is_modify_unknown`]); its window
    /// at the broker starts when the modify was sent.
    pub fn track_modify(&mut self, view: &IntentView) {
        let Some(m) = view.modify else { return };
        self.pending.entry(view.id).or_insert(Pending {
            symbol: view.record.symbol,
            side: view.record.side,
            since: m.at,
            empty_reads: 0,
            last_counted: None,
        });
    }

    /// Starts tracking an intent whose outcome is unknown (kept as it is when already tracked).
    pub fn track(&mut self, view: &IntentView) {
        self.pending.entry(view.id).or_insert(Pending {
            symbol: view.record.symbol,
            side: view.record.side,
            since: view.created,
            empty_reads: 0,
            last_counted: None,
        });
    }

    pub fn get(&self, id: ClientOrderId) -> Option<&Pending> {
        self.pending.get(&id)
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (ClientOrderId, &Pending)> {
        self.pending.iter().map(|(id, p)| (*id, p))
    }

    /// The unknown intent that keeps `symbol` from taking a new order, if any.
    pub fn blocking(&self, symbol: Symbol) -> Option<ClientOrderId> {
        self.pending.iter().find(|(_, p)| p.symbol == symbol).map(|(id, _)| *id)
    }

    /// Unknown intents a notice for `symbol`/`side` that the journal cannot place could belong to.
    pub fn could_be(&self, symbol: Symbol, side: Side) -> Vec<ClientOrderId> {
        self.pending.iter().filter(|(_, p)| p.symbol == symbol && p.side == side).map(|(id, _)| *id).collect()
    }

    /// Stops tracking (the intent was settled some other way: an answer arrived, a person closed it).
    pub fn forget(&mut self, id: ClientOrderId) {
        self.pending.remove(&id);
    }

    /// Turns one read's reconciliation into decisions for the tracked intents. `read_at` is the read's
    /// venue time; `hinted(id)` says whether an unplaced notice could be that intent's order (then its
    /// absence from the list is not evidence). Actions about intents that are neither tracked nor
    /// provably unsent (an order still in flight) are dropped: the send's own answer settles those.
    pub fn settle(
        &mut self,
        actions: Vec<Action>,
        read_at: DateTime<Utc>,
        rules: &MatchRules,
        hinted: impl Fn(ClientOrderId) -> bool,
    ) -> Settlement {
        let mut out = Vec::with_capacity(actions.len());
        for action in actions {
            match action {
                Action::NotFound { intent, past_deadline, .. } => {
                    if self.confirms_absence(intent, past_deadline, read_at, rules, &hinted) {
                        out.push(Action::MarkNeverSent { intent });
                    }
                }
                Action::ModifyNotFound { intent, past_deadline, .. } => {
                    if self.confirms_absence(intent, past_deadline, read_at, rules, &hinted) {
                        out.push(Action::MarkModifyLapsed { intent });
                    }
                }
                // The broker's row is the modify's evidence, whether or not its answer is still awaited.
                Action::MarkModified { intent, .. } => {
                    self.pending.remove(&intent);
                    out.push(action);
                }
                Action::MarkAcked { intent, .. } => {
                    if self.pending.remove(&intent).is_some() {
                        out.push(action);
                    }
                }
                Action::Conflict(ref c) => {
                    for id in &c.intents {
                        self.pending.remove(id);
                    }
                    out.push(action);
                }
                other => out.push(other),
            }
        }
        Settlement { actions: out, still_unknown: self.pending.keys().copied().collect() }
    }

    /// Counts one read without the tracked intent's order (or modify); whether that confirms the absence.
    fn confirms_absence(
        &mut self,
        intent: ClientOrderId,
        past_deadline: bool,
        read_at: DateTime<Utc>,
        rules: &MatchRules,
        hinted: &impl Fn(ClientOrderId) -> bool,
    ) -> bool {
        let Some(p) = self.pending.get_mut(&intent) else { return false };
        if !past_deadline || hinted(intent) {
            return false;
        }
        if p.last_counted.is_none_or(|t| read_at > t) {
            p.empty_reads += 1;
            p.last_counted = Some(read_at);
        }
        if p.empty_reads < rules.confirm_reads.max(1) {
            return false;
        }
        self.pending.remove(&intent);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Entry, Event, IntentRecord, OrderKind, Origin, StrategyId};
    use crate::intents::IntentBook;
    use kis_model::{OrdDvsn, OrderId, OrderNo, Price, Qty};

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_582_400 + s, 0).unwrap()
    }

    fn book(states: &[(u64, &str, Event)]) -> IntentBook {
        let mut entries = Vec::new();
        for (id, code, event) in states {
            entries.push(Entry {
                ts: at(0),
                id: ClientOrderId(*id),
                event: Event::Intent(IntentRecord {
                    symbol: code.parse().unwrap(),
                    side: Side::Buy,
                    kind: OrderKind::Krx(OrdDvsn::Limit),
                    qty: Qty::new(5),
                    price: Some(Price::from_won(70_000)),
                    strategy: StrategyId::new("t"),
                    origin: Origin::Daemon,
                }),
            });
            entries.push(Entry { ts: at(0), id: ClientOrderId(*id), event: Event::Sent });
            entries.push(Entry { ts: at(0), id: ClientOrderId(*id), event: event.clone() });
        }
        IntentBook::fold(&entries).unwrap()
    }

    fn not_found(id: u64, past_deadline: bool) -> Action {
        Action::NotFound { intent: ClientOrderId(id), symbol: "005930".parse().unwrap(), past_deadline }
    }

    #[test]
    fn only_an_unanswered_send_is_unknown() {
        let b = book(&[
            (1, "005930", Event::Uncertain { detail: "cut".into() }),
            (2, "000660", Event::Acked { order_id: OrderId { branch: 1, order_no: OrderNo::new(9) } }),
            (3, "035420", Event::Rejected { msg_cd: "APBK0919".into(), msg: "no".into() }),
        ]);
        let unknown: Vec<u64> = b.iter().filter(|v| is_unknown(v)).map(|v| v.id.0).collect();
        assert_eq!(unknown, [1]);
    }

    #[test]
    fn absence_counts_only_past_the_deadline_on_distinct_reads_and_never_against_a_notice() {
        let b = book(&[(1, "005930", Event::Uncertain { detail: "timeout".into() })]);
        let mut u = UnknownOutcomes::new();
        u.track(b.get(ClientOrderId(1)).unwrap());
        let rules = MatchRules::default();
        let sym: Symbol = "005930".parse().unwrap();
        assert_eq!(u.blocking(sym), Some(ClientOrderId(1)));

        // Before the deadline: nothing concluded, however often the list is read.
        for s in 1..10 {
            let r = u.settle(vec![not_found(1, false)], at(s), &rules, |_| false);
            assert_eq!(r.actions, vec![]);
            assert_eq!(r.still_unknown, vec![ClientOrderId(1)]);
        }
        // Past it, but a notice nobody can place is for the same symbol and side: still not evidence.
        let r = u.settle(vec![not_found(1, true)], at(20), &rules, |_| true);
        assert_eq!((r.actions, u.get(ClientOrderId(1)).unwrap().empty_reads), (vec![], 0));
        // One empty read past the deadline, then the same read again (same time): one read.
        assert_eq!(u.settle(vec![not_found(1, true)], at(21), &rules, |_| false).actions, vec![]);
        assert_eq!(u.settle(vec![not_found(1, true)], at(21), &rules, |_| false).actions, vec![]);
        assert_eq!(u.get(ClientOrderId(1)).unwrap().empty_reads, 1);
        // The second distinct read confirms it.
        let r = u.settle(vec![not_found(1, true)], at(22), &rules, |_| false);
        assert_eq!(r.actions, vec![Action::MarkNeverSent { intent: ClientOrderId(1) }]);
        assert!(r.still_unknown.is_empty() && u.blocking(sym).is_none());
    }

    #[test]
    fn found_and_conflicts_settle_untracked_in_flight_intents_are_left_to_their_answer() {
        let b = book(&[
            (1, "005930", Event::Uncertain { detail: "cut".into() }),
            (2, "000660", Event::Uncertain { detail: "cut".into() }),
        ]);
        let mut u = UnknownOutcomes::new();
        u.track(b.get(ClientOrderId(1)).unwrap());
        u.track(b.get(ClientOrderId(2)).unwrap());
        let order_id = OrderId { branch: 1, order_no: OrderNo::new(7) };
        let conflict = crate::reconcile::Conflict {
            kind: crate::reconcile::ConflictKind::Ambiguous,
            symbol: "000660".parse().unwrap(),
            intents: vec![ClientOrderId(2)],
            orders: vec![OrderNo::new(8), OrderNo::new(9)],
        };
        let acked = Action::MarkAcked { intent: ClientOrderId(1), order_id };
        let in_flight = Action::MarkAcked { intent: ClientOrderId(3), order_id };
        let provable = Action::MarkNeverSent { intent: ClientOrderId(4) };
        let r = u.settle(
            vec![acked.clone(), Action::Conflict(conflict.clone()), in_flight, not_found(5, true), provable.clone()],
            at(30),
            &MatchRules::default(),
            |_| false,
        );
        assert_eq!(r.actions, vec![acked, Action::Conflict(conflict), provable]);
        assert!(u.is_empty());
    }
}

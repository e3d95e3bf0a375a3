//! The book of order intents: the journal folded into one current view per intent.
//!
//! Folding is deliberately tolerant of the orders in which real events arrive (a fill notice may beat the
//! REST ack, a late fill may follow a cancel) and strict only about what would make the book lie: events
//! for an intent that was never declared, an id declared twice, one intent bound to two broker orders.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use kis_model::{ClientOrderId, OrderId, OrderNo, Price, Qty};
use rust_decimal::Decimal;
use thiserror::Error;

use crate::entry::{DoneReason, Entry, Event, FillId, IntentRecord};

/// Where an intent stands, as far as the journal knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntentState {
    /// Journaled; the send never started.
    PendingSend,
    /// The send started; no answer recorded.
    Sent,
    Acked,
    PartiallyFilled,
    Filled,
    Cancelled,
    Rejected,
    /// The send failed in a way that leaves the broker's state unknown.
    Uncertain,
}

/// Why an event cannot be folded into the book.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FoldError {
    #[error("event for intent {0}, which was never journaled")]
    UnknownIntent(ClientOrderId),
    #[error("intent {0} is journaled twice")]
    DuplicateIntent(ClientOrderId),
    #[error("intent {id} was acknowledged as {first} and again as {second}")]
    Reacked { id: ClientOrderId, first: OrderId, second: OrderId },
    #[error("broker order {order_no} is bound to intent {first} and to intent {second}")]
    OrderBoundTwice { order_no: OrderNo, first: ClientOrderId, second: ClientOrderId },
    #[error("fill {fill_id} of intent {id} has zero quantity")]
    EmptyFill { id: ClientOrderId, fill_id: FillId },
    #[error("intent {0} has no broker order to modify")]
    ModifyWithoutOrder(ClientOrderId),
    #[error("intent {0} already has a modify whose outcome is not known")]
    ModifyInFlight(ClientOrderId),
}

/// A modify sent for an intent's working order whose outcome is not journaled yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingModify {
    pub price: Price,
    /// When its `ModifySent` was journaled (venue time): the window in which KIS could take it starts here.
    pub at: DateTime<Utc>,
    /// The request got no usable answer: only the broker's lists settle it.
    pub uncertain: bool,
}

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Changed,
    /// A fill already counted (same fill id): nothing changed and nothing needs to be written.
    DuplicateFill,
}

/// The current view of one intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentView {
    pub id: ClientOrderId,
    pub record: IntentRecord,
    pub created: DateTime<Utc>,
    pub state: IntentState,
    pub order_id: Option<OrderId>,
    pub filled: Qty,
    /// Sum of qty × price over fills: exact, so the average price never drifts.
    pub filled_notional: Decimal,
    pub cancel_requested: bool,
    pub cancelled_qty: Qty,
    pub rejection: Option<(String, String)>,
    pub done: Option<DoneReason>,
    /// The limit the order works at now: the intent's own until a modify took effect.
    pub limit: Option<Price>,
    /// Orders this intent worked as before its current `order_id`, oldest first (each replaced by a modify).
    pub replaced: Vec<OrderId>,
    pub modify: Option<PendingModify>,
    fill_ids: BTreeSet<FillId>,
    /// Shares and notional per broker order; `None` holds fills journaled without an order number.
    fills_by_order: BTreeMap<Option<OrderNo>, (Qty, Decimal)>,
}

impl IntentView {
    fn new(id: ClientOrderId, record: IntentRecord, created: DateTime<Utc>) -> IntentView {
        IntentView {
            id,
            created,
            state: IntentState::PendingSend,
            order_id: None,
            filled: Qty::ZERO,
            filled_notional: Decimal::ZERO,
            cancel_requested: false,
            cancelled_qty: Qty::ZERO,
            rejection: None,
            done: None,
            limit: record.price,
            replaced: Vec::new(),
            modify: None,
            fill_ids: BTreeSet::new(),
            fills_by_order: BTreeMap::new(),
            record,
        }
    }

    /// Every broker order the intent worked as, oldest first; the last is the one working now.
    pub fn orders(&self) -> impl Iterator<Item = OrderId> + '_ {
        self.replaced.iter().copied().chain(self.order_id)
    }

    /// Shares and notional journaled as traded on broker order `order_no`. Fills journaled without an order
    /// number belong to the intent's first order (they were written before an intent could have two).
    pub fn filled_on(&self, order_no: OrderNo) -> (Qty, Decimal) {
        let first = self.orders().next().map(|o| o.order_no);
        let mut total = self.fills_by_order.get(&Some(order_no)).copied().unwrap_or((Qty::ZERO, Decimal::ZERO));
        if first == Some(order_no)
            && let Some((qty, notional)) = self.fills_by_order.get(&None)
        {
            total = (total.0 + *qty, total.1 + notional);
        }
        total
    }

    /// Volume-weighted fill price; `None` before the first fill.
    pub fn avg_price(&self) -> Option<Decimal> {
        if self.filled.is_zero() { None } else { Some(self.filled_notional / self.filled.as_decimal()) }
    }

    pub fn has_fill(&self, fill_id: &FillId) -> bool {
        self.fill_ids.contains(fill_id)
    }

    /// Still needs attention from the router or from reconciliation.
    pub fn is_open(&self) -> bool {
        self.done.is_none() && self.state != IntentState::Rejected
    }

    fn after_fill_state(&self) -> IntentState {
        if self.filled >= self.record.qty {
            IntentState::Filled
        } else if self.state == IntentState::Cancelled {
            IntentState::Cancelled
        } else {
            IntentState::PartiallyFilled
        }
    }
}

/// All intents of a journal, by id, with the broker order numbers bound to them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntentBook {
    intents: BTreeMap<ClientOrderId, IntentView>,
    by_order_no: HashMap<OrderNo, ClientOrderId>,
}

impl IntentBook {
    pub fn new() -> IntentBook {
        IntentBook::default()
    }

    /// Folds entries in order; the error carries the index of the offending entry.
    pub fn fold<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Result<IntentBook, (usize, FoldError)> {
        let mut book = IntentBook::new();
        for (i, entry) in entries.into_iter().enumerate() {
            book.apply(entry).map_err(|e| (i, e))?;
        }
        Ok(book)
    }

    pub fn get(&self, id: ClientOrderId) -> Option<&IntentView> {
        self.intents.get(&id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &IntentView> {
        self.intents.values()
    }

    pub fn len(&self) -> usize {
        self.intents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.intents.is_empty()
    }

    /// The intent a broker order (notice or REST row) belongs to.
    pub fn by_order_no(&self, order_no: OrderNo) -> Option<&IntentView> {
        self.by_order_no.get(&order_no).and_then(|id| self.intents.get(id))
    }

    /// The highest id ever journaled: new ids must be above it, across restarts.
    pub fn max_id(&self) -> Option<ClientOrderId> {
        self.intents.keys().next_back().copied()
    }

    /// What `apply` would do, without doing it: lets the journal refuse an event before writing it.
    pub fn check(&self, entry: &Entry) -> Result<Applied, FoldError> {
        let id = entry.id;
        let Event::Intent(_) = &entry.event else {
            let view = self.intents.get(&id).ok_or(FoldError::UnknownIntent(id))?;
            return match &entry.event {
                Event::Acked { order_id } => {
                    // A late copy of the first ack after a modify repeats a number the intent already had.
                    if let Some(first) =
                        view.order_id.filter(|first| first != order_id && !view.replaced.contains(order_id))
                    {
                        return Err(FoldError::Reacked { id, first, second: *order_id });
                    }
                    match self.by_order_no.get(&order_id.order_no) {
                        Some(&other) if other != id => {
                            Err(FoldError::OrderBoundTwice { order_no: order_id.order_no, first: other, second: id })
                        }
                        _ => Ok(Applied::Changed),
                    }
                }
                Event::Fill(fill) if fill.qty.is_zero() => {
                    Err(FoldError::EmptyFill { id, fill_id: fill.fill_id.clone() })
                }
                Event::Fill(fill) if view.fill_ids.contains(&fill.fill_id) => Ok(Applied::DuplicateFill),
                Event::ModifySent { .. } if view.order_id.is_none() => Err(FoldError::ModifyWithoutOrder(id)),
                Event::ModifySent { .. } if view.modify.is_some() => Err(FoldError::ModifyInFlight(id)),
                Event::Modified { .. } if view.order_id.is_none() => Err(FoldError::ModifyWithoutOrder(id)),
                Event::Modified { order_id, .. } => match self.by_order_no.get(&order_id.order_no) {
                    Some(&other) if other != id => {
                        Err(FoldError::OrderBoundTwice { order_no: order_id.order_no, first: other, second: id })
                    }
                    _ => Ok(Applied::Changed),
                },
                _ => Ok(Applied::Changed),
            };
        };
        if self.intents.contains_key(&id) { Err(FoldError::DuplicateIntent(id)) } else { Ok(Applied::Changed) }
    }

    /// Folds one entry. On error the book is unchanged.
    pub fn apply(&mut self, entry: &Entry) -> Result<Applied, FoldError> {
        let applied = self.check(entry)?;
        if applied == Applied::DuplicateFill {
            return Ok(applied);
        }
        let id = entry.id;
        if let Event::Intent(record) = &entry.event {
            self.intents.insert(id, IntentView::new(id, record.clone(), entry.ts));
            return Ok(applied);
        }
        let Some(view) = self.intents.get_mut(&id) else { return Err(FoldError::UnknownIntent(id)) };
        use IntentState as S;
        match &entry.event {
            Event::Intent(_) => {}
            // States never move backwards: a late or replayed `Sent` does not undo an ack.
            Event::Sent => {
                if view.state == S::PendingSend {
                    view.state = S::Sent;
                }
            }
            Event::Uncertain { .. } => {
                if matches!(view.state, S::PendingSend | S::Sent) {
                    view.state = S::Uncertain;
                }
            }
            Event::Acked { order_id } => {
                if view.replaced.contains(order_id) {
                    return Ok(applied);
                }
                view.order_id = Some(*order_id);
                self.by_order_no.insert(order_id.order_no, id);
                if matches!(view.state, S::PendingSend | S::Sent | S::Uncertain) {
                    view.state = S::Acked;
                }
            }
            Event::Rejected { msg_cd, msg } => {
                view.rejection = Some((msg_cd.clone(), msg.clone()));
                view.state = S::Rejected;
            }
            Event::Fill(fill) => {
                view.fill_ids.insert(fill.fill_id.clone());
                view.filled = view.filled + fill.qty;
                view.filled_notional += fill.price * fill.qty;
                let on_order = view.fills_by_order.entry(fill.order_no).or_insert((Qty::ZERO, Decimal::ZERO));
                *on_order = (on_order.0 + fill.qty, on_order.1 + fill.price * fill.qty);
                view.state = view.after_fill_state();
            }
            Event::CancelRequested => view.cancel_requested = true,
            Event::Cancelled { qty } => {
                view.cancelled_qty = *qty;
                if view.state != S::Filled {
                    view.state = S::Cancelled;
                }
            }
            Event::Done { reason } => view.done = Some(*reason),
            Event::ModifySent { price } => {
                view.modify = Some(PendingModify { price: *price, at: entry.ts, uncertain: false })
            }
            Event::Modified { order_id, price } => {
                // The same modify learned twice (its answer and its row in a list) changes nothing more.
                if view.order_id != Some(*order_id) {
                    view.replaced.extend(view.order_id);
                    view.order_id = Some(*order_id);
                    self.by_order_no.insert(order_id.order_no, id);
                }
                view.limit = Some(*price);
                view.modify = None;
            }
            Event::ModifyUncertain { .. } => {
                if let Some(m) = &mut view.modify {
                    m.uncertain = true;
                }
            }
            Event::ModifyRefused { .. } | Event::ModifyLapsed { .. } => view.modify = None,
        }
        Ok(applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{FillRecord, OrderKind, Origin, StrategyId};
    use kis_model::{OrdDvsn, Price, Side};

    fn at(s: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_582_400 + i64::from(s), 0).unwrap()
    }

    fn intent(id: u64, qty: u64) -> Entry {
        Entry {
            ts: at(0),
            id: ClientOrderId(id),
            event: Event::Intent(IntentRecord {
                symbol: "005930".parse().unwrap(),
                side: Side::Buy,
                kind: OrderKind::Krx(OrdDvsn::Limit),
                qty: Qty::new(qty),
                price: Some(Price::from_won(70000)),
                strategy: StrategyId::new("t"),
                origin: Origin::Daemon,
            }),
        }
    }

    fn ev(id: u64, event: Event) -> Entry {
        Entry { ts: at(1), id: ClientOrderId(id), event }
    }

    fn fill(id: u64, fill_id: &str, qty: u64, won: u64) -> Entry {
        ev(
            id,
            Event::Fill(FillRecord {
                fill_id: FillId(fill_id.into()),
                qty: Qty::new(qty),
                price: Price::from_won(won),
                order_no: None,
                at: at(2),
            }),
        )
    }

    fn oid(n: u64) -> OrderId {
        OrderId { branch: 6010, order_no: OrderNo::new(n) }
    }

    #[test]
    fn lifecycle_and_duplicate_fills() {
        let mut book = IntentBook::new();
        book.apply(&intent(1, 10)).unwrap();
        assert_eq!(book.get(ClientOrderId(1)).unwrap().state, IntentState::PendingSend);
        book.apply(&ev(1, Event::Sent)).unwrap();
        // A notice may beat the REST reply: the fill counts before the ack.
        assert_eq!(book.apply(&fill(1, "a", 4, 70000)).unwrap(), Applied::Changed);
        assert_eq!(book.get(ClientOrderId(1)).unwrap().state, IntentState::PartiallyFilled);
        book.apply(&ev(1, Event::Acked { order_id: oid(5) })).unwrap();
        assert_eq!(book.get(ClientOrderId(1)).unwrap().state, IntentState::PartiallyFilled);
        assert_eq!(book.apply(&fill(1, "a", 4, 70000)).unwrap(), Applied::DuplicateFill);
        book.apply(&fill(1, "b", 6, 70100)).unwrap();
        let view = book.get(ClientOrderId(1)).unwrap();
        assert_eq!((view.state, view.filled), (IntentState::Filled, Qty::new(10)));
        assert_eq!(view.avg_price(), Some(Decimal::from(70060)));
        assert_eq!(book.by_order_no(OrderNo::new(5)).unwrap().id, ClientOrderId(1));
        // A replayed `Sent` does not move the state back.
        book.apply(&ev(1, Event::Sent)).unwrap();
        assert_eq!(book.get(ClientOrderId(1)).unwrap().state, IntentState::Filled);
    }

    #[test]
    fn cancel_keeps_partial_fills_and_late_fills_count() {
        let mut book = IntentBook::fold(&[
            intent(1, 10),
            ev(1, Event::Sent),
            ev(1, Event::Acked { order_id: oid(9) }),
            fill(1, "a", 3, 100),
            ev(1, Event::CancelRequested),
            ev(1, Event::Cancelled { qty: Qty::new(5) }),
        ])
        .unwrap();
        let view = book.get(ClientOrderId(1)).unwrap();
        assert_eq!((view.state, view.filled, view.cancel_requested), (IntentState::Cancelled, Qty::new(3), true));
        book.apply(&fill(1, "b", 2, 100)).unwrap();
        let view = book.get(ClientOrderId(1)).unwrap();
        assert_eq!((view.state, view.filled, view.cancelled_qty), (IntentState::Cancelled, Qty::new(5), Qty::new(5)));
    }

    #[test]
    fn uncertain_rejected_and_done() {
        let book = IntentBook::fold(&[
            intent(1, 1),
            ev(1, Event::Sent),
            ev(1, Event::Uncertain { detail: "reset".into() }),
            intent(2, 1),
            ev(2, Event::Sent),
            ev(2, Event::Rejected { msg_cd: "APBK0919".into(), msg: "bad price".into() }),
            intent(3, 1),
            ev(3, Event::Done { reason: DoneReason::NeverSent }),
        ])
        .unwrap();
        assert_eq!(book.get(ClientOrderId(1)).unwrap().state, IntentState::Uncertain);
        let rejected = book.get(ClientOrderId(2)).unwrap();
        assert_eq!(rejected.rejection, Some(("APBK0919".into(), "bad price".into())));
        assert!(!rejected.is_open());
        assert!(!book.get(ClientOrderId(3)).unwrap().is_open());
        assert!(book.get(ClientOrderId(1)).unwrap().is_open());
        assert_eq!(book.max_id(), Some(ClientOrderId(3)));
    }

    fn fill_on(id: u64, fill_id: &str, qty: u64, won: u64, order_no: u64) -> Entry {
        let mut entry = fill(id, fill_id, qty, won);
        if let Event::Fill(f) = &mut entry.event {
            f.order_no = Some(OrderNo::new(order_no));
        }
        entry
    }

    #[test]
    fn a_modify_binds_the_new_order_and_keeps_the_fills_of_the_old_one() {
        let mut book = IntentBook::fold(&[
            intent(1, 10),
            ev(1, Event::Sent),
            ev(1, Event::Acked { order_id: oid(5) }),
            // Written before fills carried their order: it belongs to the first order.
            fill(1, "a", 2, 70000),
            fill_on(1, "b", 1, 70000, 5),
        ])
        .unwrap();
        let before = book.clone();
        assert_eq!(
            book.apply(&ev(1, Event::Modified { order_id: oid(6), price: Price::from_won(69000) })),
            Ok(Applied::Changed),
            "a modify learned from the broker's list needs no ModifySent of this run"
        );
        book = before;
        book.apply(&ev(1, Event::ModifySent { price: Price::from_won(69000) })).unwrap();
        let pending = book.get(ClientOrderId(1)).unwrap().modify.unwrap();
        assert_eq!((pending.price, pending.at, pending.uncertain), (Price::from_won(69000), at(1), false));
        assert_eq!(
            book.apply(&ev(1, Event::ModifySent { price: Price::from_won(68000) })),
            Err(FoldError::ModifyInFlight(ClientOrderId(1)))
        );
        book.apply(&ev(1, Event::ModifyUncertain { detail: "reset".into() })).unwrap();
        assert!(book.get(ClientOrderId(1)).unwrap().modify.unwrap().uncertain);
        book.apply(&ev(1, Event::Modified { order_id: oid(6), price: Price::from_won(69000) })).unwrap();
        // Learned twice (the answer, then the list): nothing more changes.
        book.apply(&ev(1, Event::Modified { order_id: oid(6), price: Price::from_won(69000) })).unwrap();
        // A late copy of the first ack is not a second order.
        book.apply(&ev(1, Event::Acked { order_id: oid(5) })).unwrap();
        book.apply(&fill_on(1, "c", 4, 69000, 6)).unwrap();
        let v = book.get(ClientOrderId(1)).unwrap();
        assert_eq!(
            (v.order_id, v.replaced.clone(), v.limit, v.modify),
            (Some(oid(6)), vec![oid(5)], Some(Price::from_won(69000)), None)
        );
        assert_eq!(v.orders().collect::<Vec<_>>(), vec![oid(5), oid(6)]);
        assert_eq!(v.filled_on(OrderNo::new(5)), (Qty::new(3), Decimal::from(210_000)));
        assert_eq!(v.filled_on(OrderNo::new(6)), (Qty::new(4), Decimal::from(276_000)));
        assert_eq!((v.filled, v.state), (Qty::new(7), IntentState::PartiallyFilled));
        // Both numbers lead to the intent: a late notice of the old order still finds it.
        assert_eq!(book.by_order_no(OrderNo::new(5)).unwrap().id, ClientOrderId(1));
        assert_eq!(book.by_order_no(OrderNo::new(6)).unwrap().id, ClientOrderId(1));

        // A refused or lapsed modify leaves the order as it was.
        for end in [
            Event::ModifyRefused { msg_cd: "APBK0918".into(), msg: "no".into() },
            Event::ModifyLapsed { why: crate::entry::ModifyLapse::NotAtBroker },
        ] {
            let mut b = IntentBook::fold(&[intent(2, 3), ev(2, Event::Acked { order_id: oid(9) })]).unwrap();
            b.apply(&ev(2, Event::ModifySent { price: Price::from_won(1) })).unwrap();
            b.apply(&ev(2, end)).unwrap();
            let v = b.get(ClientOrderId(2)).unwrap();
            assert_eq!((v.order_id, v.limit, v.modify), (Some(oid(9)), Some(Price::from_won(70000)), None));
        }
    }

    #[test]
    fn modify_refusals_name_the_problem() {
        let mut book = IntentBook::fold(&[
            intent(1, 1),
            intent(2, 1),
            ev(2, Event::Acked { order_id: oid(7) }),
            intent(3, 1),
            ev(3, Event::Acked { order_id: oid(8) }),
        ])
        .unwrap();
        let price = Price::from_won(1);
        assert_eq!(
            book.apply(&ev(1, Event::ModifySent { price })),
            Err(FoldError::ModifyWithoutOrder(ClientOrderId(1)))
        );
        assert_eq!(
            book.apply(&ev(3, Event::Modified { order_id: oid(7), price })),
            Err(FoldError::OrderBoundTwice {
                order_no: OrderNo::new(7),
                first: ClientOrderId(2),
                second: ClientOrderId(3)
            })
        );
        assert_eq!(
            FoldError::ModifyInFlight(ClientOrderId(3)).to_string(),
            "intent c3 already has a modify whose outcome is not known"
        );
    }

    #[test]
    fn refusals_name_the_problem_and_leave_the_book_unchanged() {
        let mut book =
            IntentBook::fold(&[intent(1, 1), ev(1, Event::Acked { order_id: oid(5) }), intent(2, 1)]).unwrap();
        let before = book.clone();
        assert_eq!(book.apply(&ev(3, Event::Sent)), Err(FoldError::UnknownIntent(ClientOrderId(3))));
        assert_eq!(book.apply(&intent(2, 1)), Err(FoldError::DuplicateIntent(ClientOrderId(2))));
        assert_eq!(
            book.apply(&ev(1, Event::Acked { order_id: oid(6) })),
            Err(FoldError::Reacked { id: ClientOrderId(1), first: oid(5), second: oid(6) })
        );
        assert_eq!(
            book.apply(&ev(2, Event::Acked { order_id: oid(5) })),
            Err(FoldError::OrderBoundTwice {
                order_no: OrderNo::new(5),
                first: ClientOrderId(1),
                second: ClientOrderId(2)
            })
        );
        assert_eq!(
            book.apply(&fill(1, "z", 0, 1)),
            Err(FoldError::EmptyFill { id: ClientOrderId(1), fill_id: FillId("z".into()) })
        );
        assert_eq!(book, before);
        let err = IntentBook::fold(&[intent(1, 1), ev(2, Event::Sent)]).unwrap_err();
        assert_eq!(err, (1, FoldError::UnknownIntent(ClientOrderId(2))));
        assert_eq!(err.1.to_string(), "event for intent c2, which was never journaled");
    }
}

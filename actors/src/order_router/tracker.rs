//! What the router remembers about each intent beyond the journal: where its fills come from, when its
//! unfilled rest is due for cancellation, and when the broker last said something about it. Pure: times are
//! passed in (venue time for deadlines, monotonic instants for "heard recently"), so every rule is unit-tested.
//!
//! # Counting a fill once
//! Fills reach the router from two sources that cannot be matched line by line: execution notices (one
//! journal line per notice, its id built from the notice) and the broker's cumulative totals from
//! `inquire-daily-ccld` (one line bringing the count up to the total, its id built from the total). A notice
//! and a catch-up line for the same shares would be counted twice. So each intent takes its fills from **one
//! source at a time** ([`FillSource`]):
//! - `Notices` while the router has seen the intent's notices from its send on (an order sent in this run);
//! - `Broker` from the moment a catch-up or reconciliation journals a fill for it, and for every intent that
//!   was already open when this run started (the notices of its earlier fills were never seen). In this mode a
//!   notice is only a hint: it asks for a catch-up and never adds a fill itself.
//!
//! In both modes no fill that would take the intent beyond its order quantity is journaled.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kis_journal::{FillId, FillRecord, IntentBook, IntentView, OrderKind, Origin};
use kis_model::{ClientOrderId, Side, Symbol};

use crate::messages::{ExecutionNotice, NoticeKind};

/// Where an intent's fills are taken from; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillSource {
    Notices,
    Broker,
}

/// The cancellation of an intent's unfilled rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelPlan {
    /// Not due before this venue instant.
    At(DateTime<Utc>),
    /// A US auction order (LOO/LOC/MOO/MOC) waits for its auction, hours away: no timed cancel, only the
    /// cancellation of everything (shutdown).
    OnlyWithEverything,
    /// Due; waiting for its turn on the REST lane.
    Queued,
    /// The broker acknowledged the cancel request; the confirmation (notice or order list) is awaited.
    Requested,
}

/// One intent as the router tracks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    pub symbol: Symbol,
    pub side: Side,
    /// The strategy fills are attributed to; `None` for orders adopted from outside the daemon.
    pub strategy: Option<kis_strategy::StrategyId>,
    pub source: FillSource,
    pub cancel: CancelPlan,
    /// When the broker last said anything about it (ack, notice); drives the REST catch-up.
    pub last_heard: Option<Instant>,
}

/// What a notice means for the router.
#[derive(Debug, Clone, PartialEq)]
pub enum NoticeVerdict {
    /// A new fill of `intent`: journal it, then report it.
    Fill { intent: ClientOrderId, fill: FillRecord },
    /// A fill already counted (a repeated notice, or a fill of an intent that is settled from the broker's
    /// totals and already closed).
    AlreadyCounted { intent: ClientOrderId },
    /// The broker confirmed the cancellation the router asked for; `qty` shares were cancelled.
    CancelConfirmed { intent: ClientOrderId, qty: kis_model::Qty },
    /// The broker refused the order itself.
    Refused { intent: ClientOrderId },
    /// The notice concerns `intent` but only the broker's order list can say what it changed (fills taken
    /// from the broker, a modify or cancel the router did not ask for, a refused cancel, a fill beyond the
    /// order quantity): ask for a catch-up.
    AskBroker { intent: ClientOrderId, why: &'static str },
    /// The order's own receipt: nothing to do.
    Receipt { intent: ClientOrderId },
    /// Not an order of the journal (placed by hand, or an ack not yet journaled).
    Unknown,
}

/// Every intent this run knows, by id.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    intents: BTreeMap<ClientOrderId, Tracked>,
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker::default()
    }

    pub fn get(&self, id: ClientOrderId) -> Option<&Tracked> {
        self.intents.get(&id)
    }

    /// An order sent in this run and acknowledged at venue time `acked_at`: its notices are all ahead.
    pub fn track_sent(
        &mut self,
        view: &IntentView,
        acked_at: DateTime<Utc>,
        cancel_after: chrono::Duration,
        now: Instant,
    ) {
        self.track(view, FillSource::Notices, initial_cancel(view, acked_at + cancel_after), Some(now));
    }

    /// An intent that was open before this run started (or adopted): its fills come from the broker (KRX;
    /// a US order's notices stay its first source, the overseas lists catching up when they go quiet), and
    /// its cancellation is due `cancel_after` after it was created — even if an earlier run asked for one
    /// (the crash may have come before the request left; a repeated cancel is merely refused).
    pub fn track_restored(&mut self, view: &IntentView, cancel_after: chrono::Duration) {
        let source = match view.record.symbol {
            Symbol::Krx(_) => FillSource::Broker,
            Symbol::Us(..) => FillSource::Notices,
        };
        self.track(view, source, CancelPlan::At(view.created + cancel_after), None);
    }

    /// An intent whose outcome was unknown, now found in the broker's order list at venue time `found_at`.
    /// Its early notices may have been missed (or held back while it was unknown), so its fills come from
    /// the broker's totals; its unfilled rest is cancelled `cancel_after` after it was found.
    pub fn track_resolved(&mut self, view: &IntentView, found_at: DateTime<Utc>, cancel_after: chrono::Duration) {
        self.track(view, FillSource::Broker, initial_cancel(view, found_at + cancel_after), None);
    }

    fn track(&mut self, view: &IntentView, source: FillSource, cancel: CancelPlan, last_heard: Option<Instant>) {
        let auction = matches!(view.record.kind, OrderKind::Us(code) if code != kis_model::UsOrdDvsn::Limit);
        let cancel = match cancel {
            CancelPlan::At(_) if auction => CancelPlan::OnlyWithEverything,
            plan => plan,
        };
        let (symbol, side, strategy) = (view.record.symbol, view.record.side, strategy_of(view));
        self.intents.insert(view.id, Tracked { symbol, side, strategy, source, cancel, last_heard });
    }

    /// A catch-up journaled a fill: from now on the broker's totals are the only source for this intent.
    pub fn take_fills_from_broker(&mut self, id: ClientOrderId) {
        if let Some(t) = self.intents.get_mut(&id) {
            t.source = FillSource::Broker;
        }
    }

    pub fn heard(&mut self, id: ClientOrderId, now: Instant) {
        if let Some(t) = self.intents.get_mut(&id) {
            t.last_heard = Some(now);
        }
    }

    /// Intents whose cancellation is due at venue time `now`, marked as queued so they are returned once.
    /// Only open intents the broker knows (an order number) qualify; a journaled earlier request does not
    /// stop a retry (the plan says whether one is under way).
    pub fn take_due_cancels(&mut self, book: &IntentBook, now: DateTime<Utc>) -> Vec<ClientOrderId> {
        let mut due = Vec::new();
        for (id, t) in &mut self.intents {
            let CancelPlan::At(at) = t.cancel else { continue };
            let live = book.get(*id).is_some_and(|v| v.is_open() && v.order_id.is_some());
            if live && at <= now {
                t.cancel = CancelPlan::Queued;
                due.push(*id);
            }
        }
        due
    }

    /// Makes every open, acknowledged intent of the covered symbols due now (shutdown, a market's day end).
    pub fn cancel_everything(&mut self, book: &IntentBook, covers: impl Fn(&Symbol) -> bool) -> Vec<ClientOrderId> {
        let mut due = Vec::new();
        for (id, t) in &mut self.intents {
            let live = book.get(*id).is_some_and(|v| v.is_open() && v.order_id.is_some() && covers(&v.record.symbol));
            if live && matches!(t.cancel, CancelPlan::At(_) | CancelPlan::OnlyWithEverything) {
                t.cancel = CancelPlan::Queued;
                due.push(*id);
            }
        }
        due
    }

    pub fn cancel_requested(&mut self, id: ClientOrderId, now: Instant) {
        if let Some(t) = self.intents.get_mut(&id) {
            t.cancel = CancelPlan::Requested;
            t.last_heard = Some(now);
        }
    }

    /// The cancel request failed (refused, or its fate unknown): try again at venue time `retry_at`
    /// unless the order has ended meanwhile (the next catch-up will tell).
    pub fn cancel_failed(&mut self, id: ClientOrderId, retry_at: DateTime<Utc>) {
        if let Some(t) = self.intents.get_mut(&id) {
            t.cancel = CancelPlan::At(retry_at);
        }
    }

    /// Whether the periodic REST catch-up should run: some open, acknowledged intent takes its fills from the
    /// broker, or has not been heard of for `quiet` (its notices may be lost). KRX intents always count; US
    /// ones when the overseas order lists are read (`us_lists`).
    pub fn catch_up_due(&self, book: &IntentBook, now: Instant, quiet: Duration, us_lists: bool) -> bool {
        let listed = |s: &Symbol| matches!(s, Symbol::Krx(_)) || us_lists;
        book.iter().filter(|v| v.is_open() && v.order_id.is_some() && listed(&v.record.symbol)).any(|v| {
            match self.intents.get(&v.id) {
                None => true,
                Some(t) => {
                    t.source == FillSource::Broker
                        || t.last_heard.is_none_or(|heard| now.saturating_duration_since(heard) >= quiet)
                }
            }
        })
    }

    /// What `notice` means, given the journal's book. See the module docs for the counting rule.
    pub fn judge(&self, book: &IntentBook, notice: &ExecutionNotice) -> NoticeVerdict {
        if let Some(view) = book.by_order_no(notice.order_no) {
            return self.judge_own(view, notice);
        }
        // A cancel or modify gets its own number; the order it acts on is the original.
        let Some(view) = notice.original_order_no.and_then(|no| book.by_order_no(no)) else {
            return NoticeVerdict::Unknown;
        };
        let intent = view.id;
        let requested = self.intents.get(&intent).is_some_and(|t| t.cancel == CancelPlan::Requested);
        let from_notices = self.source(intent) == FillSource::Notices;
        match notice.kind {
            NoticeKind::Accepted if view.done.is_some() => NoticeVerdict::AlreadyCounted { intent },
            NoticeKind::Accepted if requested && from_notices => {
                NoticeVerdict::CancelConfirmed { intent, qty: notice.qty }
            }
            NoticeKind::Accepted if requested => NoticeVerdict::AskBroker { intent, why: "cancel confirmed" },
            NoticeKind::Accepted if view.modify.is_some() => {
                NoticeVerdict::AskBroker { intent, why: "the modify we sent was accepted" }
            }
            NoticeKind::Accepted => {
                NoticeVerdict::AskBroker { intent, why: "modified or cancelled outside the daemon" }
            }
            NoticeKind::Rejected => NoticeVerdict::AskBroker { intent, why: "cancel refused" },
            NoticeKind::Fill => NoticeVerdict::AskBroker { intent, why: "fill of a modified order" },
        }
    }

    fn judge_own(&self, view: &IntentView, notice: &ExecutionNotice) -> NoticeVerdict {
        let intent = view.id;
        match notice.kind {
            NoticeKind::Accepted => NoticeVerdict::Receipt { intent },
            NoticeKind::Rejected if view.done.is_some() => NoticeVerdict::AlreadyCounted { intent },
            NoticeKind::Rejected => NoticeVerdict::Refused { intent },
            NoticeKind::Fill => {
                let Some(price) = notice.price else {
                    return NoticeVerdict::AskBroker { intent, why: "fill notice without a price" };
                };
                let fill_id = FillId::from_notice(notice.order_no, &notice.time_hhmmss, notice.qty, price);
                if view.has_fill(&fill_id) {
                    return NoticeVerdict::AlreadyCounted { intent };
                }
                if self.source(intent) == FillSource::Broker {
                    // Closed from the broker's totals: its last fill is counted already.
                    if view.done.is_some() {
                        return NoticeVerdict::AlreadyCounted { intent };
                    }
                    return NoticeVerdict::AskBroker { intent, why: "fills of this order come from the broker" };
                }
                if view.filled + notice.qty > view.record.qty || notice.qty.is_zero() {
                    return NoticeVerdict::AskBroker { intent, why: "fill beyond the order quantity" };
                }
                NoticeVerdict::Fill {
                    intent,
                    fill: FillRecord {
                        fill_id,
                        qty: notice.qty,
                        price,
                        order_no: Some(notice.order_no),
                        at: notice.at,
                    },
                }
            }
        }
    }

    /// Intents never tracked in this run (settled before it started) count as broker-sourced.
    fn source(&self, id: ClientOrderId) -> FillSource {
        self.intents.get(&id).map_or(FillSource::Broker, |t| t.source)
    }
}

fn strategy_of(view: &IntentView) -> Option<kis_strategy::StrategyId> {
    match view.record.origin {
        Origin::Daemon => Some(view.record.strategy.clone()),
        Origin::Adopted => None,
    }
}

fn initial_cancel(view: &IntentView, at: DateTime<Utc>) -> CancelPlan {
    if view.cancel_requested { CancelPlan::Requested } else { CancelPlan::At(at) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_journal::{Entry, Event, IntentRecord, OrderKind, StrategyId};
    use kis_model::{Market, OrdDvsn, OrderId, OrderNo, Price, Qty};

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_582_400 + s, 0).unwrap()
    }

    fn sym() -> Symbol {
        "005930".parse().unwrap()
    }

    fn book_with(id: u64, order_no: u64, qty: u64, extra: Vec<Event>) -> IntentBook {
        let cid = ClientOrderId(id);
        let mut entries = vec![
            Entry {
                ts: at(0),
                id: cid,
                event: Event::Intent(IntentRecord {
                    symbol: sym(),
                    side: Side::Buy,
                    kind: OrderKind::Krx(OrdDvsn::Limit),
                    qty: Qty::new(qty),
                    price: Some(Price::from_won(70000)),
                    strategy: StrategyId::new("krx-scalping"),
                    origin: Origin::Daemon,
                }),
            },
            Entry { ts: at(0), id: cid, event: Event::Sent },
            Entry {
                ts: at(1),
                id: cid,
                event: Event::Acked { order_id: OrderId { branch: 6010, order_no: OrderNo::new(order_no) } },
            },
        ];
        entries.extend(extra.into_iter().map(|event| Entry { ts: at(2), id: cid, event }));
        IntentBook::fold(&entries).unwrap()
    }

    fn notice(order_no: u64, original: Option<u64>, kind: NoticeKind, qty: u64, won: Option<u64>) -> ExecutionNotice {
        ExecutionNotice {
            market: Market::Krx,
            order_no: OrderNo::new(order_no),
            original_order_no: original.map(OrderNo::new),
            symbol: sym(),
            side: Side::Buy,
            kind,
            qty: Qty::new(qty),
            price: won.map(Price::from_won),
            time_hhmmss: "090102".into(),
            at: at(62),
        }
    }

    #[test]
    fn fills_from_notices_are_counted_once_and_never_beyond_the_order() {
        let book = book_with(1, 77, 10, vec![]);
        let mut tracker = Tracker::new();
        tracker.track_sent(book.get(ClientOrderId(1)).unwrap(), at(1), chrono::Duration::seconds(60), Instant::now());
        let n = notice(77, None, NoticeKind::Fill, 4, Some(70000));
        let NoticeVerdict::Fill { intent, fill } = tracker.judge(&book, &n) else { panic!("not a fill") };
        assert_eq!(intent, ClientOrderId(1));
        assert_eq!(fill.fill_id.0, "n:0000000077:090102:4:70000");
        assert_eq!((fill.qty, fill.price, fill.at), (Qty::new(4), Price::from_won(70000), at(62)));

        // Journaled: the same notice again is already counted.
        let book = book_with(1, 77, 10, vec![Event::Fill(fill)]);
        assert_eq!(tracker.judge(&book, &n), NoticeVerdict::AlreadyCounted { intent: ClientOrderId(1) });
        // 4 + 7 > 10: only the broker can say what is true.
        let over = notice(77, None, NoticeKind::Fill, 7, Some(70000));
        assert!(matches!(
            tracker.judge(&book, &over),
            NoticeVerdict::AskBroker { why: "fill beyond the order quantity", .. }
        ));
        let no_price = notice(77, None, NoticeKind::Fill, 1, None);
        assert!(matches!(tracker.judge(&book, &no_price), NoticeVerdict::AskBroker { .. }));
        assert_eq!(
            tracker.judge(&book, &notice(77, None, NoticeKind::Accepted, 10, Some(70000))),
            NoticeVerdict::Receipt { intent: ClientOrderId(1) }
        );
        assert_eq!(tracker.judge(&book, &notice(78, None, NoticeKind::Fill, 1, Some(1))), NoticeVerdict::Unknown);
    }

    #[test]
    fn after_a_catch_up_notices_only_ask_the_broker() {
        let book = book_with(1, 77, 10, vec![]);
        let mut tracker = Tracker::new();
        tracker.track_sent(book.get(ClientOrderId(1)).unwrap(), at(1), chrono::Duration::seconds(60), Instant::now());
        tracker.take_fills_from_broker(ClientOrderId(1));
        let n = notice(77, None, NoticeKind::Fill, 4, Some(70000));
        assert!(matches!(tracker.judge(&book, &n), NoticeVerdict::AskBroker { intent: ClientOrderId(1), .. }));
        // An intent never tracked in this run (open before the restart) behaves the same way.
        let fresh = Tracker::new();
        assert!(matches!(fresh.judge(&book, &n), NoticeVerdict::AskBroker { .. }));
        // Once it is closed from the broker's totals, a late notice is one of the counted fills.
        let closed = book_with(
            1,
            77,
            10,
            vec![
                Event::Fill(FillRecord {
                    fill_id: FillId::broker_total(OrderNo::new(77), Qty::new(10)),
                    qty: Qty::new(10),
                    price: Price::from_won(70000),
                    order_no: Some(OrderNo::new(77)),
                    at: at(3),
                }),
                Event::Done { reason: kis_journal::DoneReason::Closed },
            ],
        );
        assert_eq!(fresh.judge(&closed, &n), NoticeVerdict::AlreadyCounted { intent: ClientOrderId(1) });
    }

    #[test]
    fn cancel_notices_confirm_only_what_the_router_asked_for() {
        let book = book_with(1, 77, 10, vec![Event::CancelRequested]);
        let mut tracker = Tracker::new();
        tracker.track_sent(book.get(ClientOrderId(1)).unwrap(), at(1), chrono::Duration::seconds(60), Instant::now());
        let cancel = notice(90, Some(77), NoticeKind::Accepted, 10, Some(70000));
        // Journaled as requested, so tracked as requested too.
        assert_eq!(
            tracker.judge(&book, &cancel),
            NoticeVerdict::CancelConfirmed { intent: ClientOrderId(1), qty: Qty::new(10) }
        );
        let refused = notice(90, Some(77), NoticeKind::Rejected, 10, Some(70000));
        assert!(matches!(tracker.judge(&book, &refused), NoticeVerdict::AskBroker { why: "cancel refused", .. }));

        let untouched = book_with(2, 80, 10, vec![]);
        let mut tracker = Tracker::new();
        tracker.track_sent(
            untouched.get(ClientOrderId(2)).unwrap(),
            at(1),
            chrono::Duration::seconds(60),
            Instant::now(),
        );
        let outside = notice(91, Some(80), NoticeKind::Accepted, 10, Some(71000));
        assert!(matches!(
            tracker.judge(&untouched, &outside),
            NoticeVerdict::AskBroker { why: "modified or cancelled outside the daemon", .. }
        ));
        assert_eq!(
            tracker.judge(&untouched, &notice(80, None, NoticeKind::Rejected, 10, None)),
            NoticeVerdict::Refused { intent: ClientOrderId(2) }
        );
    }

    #[test]
    fn cancel_deadlines_fire_once_and_retry_after_failure() {
        let book = book_with(1, 77, 10, vec![]);
        let view = book.get(ClientOrderId(1)).unwrap();
        let mut tracker = Tracker::new();
        tracker.track_sent(view, at(1), chrono::Duration::seconds(60), Instant::now());
        assert_eq!(tracker.take_due_cancels(&book, at(60)), vec![]);
        assert_eq!(tracker.take_due_cancels(&book, at(61)), vec![ClientOrderId(1)]);
        assert_eq!(tracker.take_due_cancels(&book, at(62)), vec![], "queued once");
        tracker.cancel_failed(ClientOrderId(1), at(70));
        assert_eq!(tracker.take_due_cancels(&book, at(69)), vec![]);
        assert_eq!(tracker.take_due_cancels(&book, at(70)), vec![ClientOrderId(1)]);

        // Restored intents count from their creation; a journaled cancel request is not repeated.
        let mut restored = Tracker::new();
        restored.track_restored(view, chrono::Duration::seconds(30));
        assert_eq!(restored.take_due_cancels(&book, at(30)), vec![ClientOrderId(1)]);
        assert_eq!(restored.get(ClientOrderId(1)).map(|t| t.source), Some(FillSource::Broker));
        let requested = book_with(1, 77, 10, vec![Event::CancelRequested]);
        let mut again = Tracker::new();
        again.track_restored(requested.get(ClientOrderId(1)).unwrap(), chrono::Duration::seconds(30));
        assert_eq!(again.take_due_cancels(&requested, at(30)), vec![ClientOrderId(1)], "retried after a restart");
        again.cancel_requested(ClientOrderId(1), Instant::now());
        assert_eq!(again.cancel_everything(&requested, |_| true), vec![], "already under way");
        let closed = book_with(1, 77, 10, vec![Event::Done { reason: kis_journal::DoneReason::Closed }]);
        again.cancel_failed(ClientOrderId(1), at(40));
        assert_eq!(again.take_due_cancels(&closed, at(1000)), vec![], "nothing to cancel once closed");
        let mut all = Tracker::new();
        all.track_sent(view, at(1), chrono::Duration::seconds(600), Instant::now());
        let symbol = book.get(ClientOrderId(1)).unwrap().record.symbol;
        let other =
            if symbol.market() == kis_model::Market::Krx { kis_model::Market::Us } else { kis_model::Market::Krx };
        assert_eq!(all.cancel_everything(&book, |s| s.market() == other), vec![], "another market's day end");
        assert_eq!(all.cancel_everything(&book, |s| s.market() == symbol.market()), vec![ClientOrderId(1)]);
    }

    /// A US LOC waits for the close: the unfilled-order timer never cancels it, a shutdown does.
    #[test]
    fn auction_orders_wait_for_their_auction() {
        let cid = ClientOrderId(1);
        let record = IntentRecord {
            symbol: "NASD:TQQQ".parse().unwrap(),
            side: Side::Buy,
            kind: OrderKind::Us(kis_model::UsOrdDvsn::Loc),
            qty: Qty::new(3),
            price: Some("71.5".parse().unwrap()),
            strategy: StrategyId::new("us-rsi-macd"),
            origin: Origin::Daemon,
        };
        let entries = vec![
            Entry { ts: at(0), id: cid, event: Event::Intent(record) },
            Entry { ts: at(0), id: cid, event: Event::Sent },
            Entry {
                ts: at(1),
                id: cid,
                event: Event::Acked { order_id: OrderId { branch: 1790, order_no: OrderNo::new(5) } },
            },
        ];
        let book = IntentBook::fold(&entries).unwrap();
        let mut tracker = Tracker::new();
        tracker.track_sent(book.get(cid).unwrap(), at(1), chrono::Duration::seconds(60), Instant::now());
        assert_eq!(tracker.take_due_cancels(&book, at(100_000)), vec![]);
        let mut restored = Tracker::new();
        restored.track_restored(book.get(cid).unwrap(), chrono::Duration::seconds(60));
        assert_eq!(restored.take_due_cancels(&book, at(100_000)), vec![]);
        assert_eq!(tracker.cancel_everything(&book, |_| true), vec![cid]);
    }

    /// A quiet US order is caught up from the overseas lists when they are read, and only then.
    #[test]
    fn quiet_us_orders_are_caught_up_when_the_overseas_lists_are_read() {
        let cid = ClientOrderId(1);
        let record = IntentRecord {
            symbol: "NASD:TQQQ".parse().unwrap(),
            side: Side::Sell,
            kind: OrderKind::Us(kis_model::UsOrdDvsn::Limit),
            qty: Qty::new(3),
            price: Some("71.5".parse().unwrap()),
            strategy: StrategyId::new("us-rsi-macd"),
            origin: Origin::Daemon,
        };
        let book = IntentBook::fold(&[
            Entry { ts: at(0), id: cid, event: Event::Intent(record) },
            Entry {
                ts: at(1),
                id: cid,
                event: Event::Acked { order_id: OrderId { branch: 1, order_no: OrderNo::new(5) } },
            },
        ])
        .unwrap();
        let (t0, quiet) = (Instant::now(), Duration::from_secs(3));
        let mut tracker = Tracker::new();
        tracker.track_sent(book.get(cid).unwrap(), at(1), chrono::Duration::seconds(60), t0);
        let later = t0 + Duration::from_secs(5);
        assert!(!tracker.catch_up_due(&book, later, quiet, false));
        assert!(tracker.catch_up_due(&book, later, quiet, true));
    }

    #[test]
    fn catch_up_runs_for_quiet_or_broker_sourced_intents() {
        let book = book_with(1, 77, 10, vec![]);
        let t0 = Instant::now();
        let quiet = Duration::from_secs(3);
        let mut tracker = Tracker::new();
        tracker.track_sent(book.get(ClientOrderId(1)).unwrap(), at(1), chrono::Duration::seconds(60), t0);
        assert!(!tracker.catch_up_due(&book, t0 + Duration::from_secs(2), quiet, false));
        assert!(tracker.catch_up_due(&book, t0 + Duration::from_secs(3), quiet, false));
        tracker.heard(ClientOrderId(1), t0 + Duration::from_secs(3));
        assert!(!tracker.catch_up_due(&book, t0 + Duration::from_secs(4), quiet, false));
        tracker.take_fills_from_broker(ClientOrderId(1));
        assert!(tracker.catch_up_due(&book, t0 + Duration::from_secs(4), quiet, false));
        // Nothing open: nothing to catch up.
        let done = book_with(1, 77, 10, vec![Event::Done { reason: kis_journal::DoneReason::Closed }]);
        assert!(!tracker.catch_up_due(&done, t0 + Duration::from_secs(60), quiet, false));
        assert_eq!(
            tracker.get(ClientOrderId(1)).map(|t| t.strategy.clone()),
            Some(Some(kis_strategy::StrategyId::new("krx-scalping")))
        );
    }
}

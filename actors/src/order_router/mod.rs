//! The OrderRouter: the only actor that places, cancels and settles the daemon's orders.
//!
//! Its one rule, inherited from the journal: **no intent is ever sent twice.** So every intent is journaled
//! (fsynced) before the POST, then `Sent`, then the answer; a POST whose fate is unknown is never repeated but
//! looked up in the broker's order list before anything else is sent; and after a restart the journal is
//! reconciled with the broker before the first new order ([`kis_journal::reconcile`]).
//!
//! # Three outcomes
//! An order POST is **accepted** (an order number), **refused** by KIS (its `msg_cd`: nothing executed), or
//! **unknown** (no usable answer; a connection lost after the request was written; a restart before the
//! answer was journaled). Only KIS's refusal, or an error that provably wrote no byte of the request, is
//! "not sent". Unknown is settled only by broker evidence ([`kis_journal::UnknownOutcomes`]): the order
//! found in today's order list, or its absence confirmed by repeated reads past the latest time KIS could
//! have accepted it. Meanwhile its symbol takes no new order (logged, in [`RouterStatus::unknown`], and
//! notified); every other symbol trades on.
//!
//! # The REST lane
//! Everything the router asks KIS (start-up view, orders, cancels, catch-ups, the evidence reads for unknown
//! outcomes) runs on one lane, one request chain at a time, without blocking the mailbox: notices, queries
//! and new approvals are handled while a POST is in flight. One send at a time is what reconciliation's
//! matching assumes (order numbers follow creation order). Priority on the lane: start-up, due cancels, a
//! due evidence read, queued orders, catch-up.
//!
//! # Fills
//! Notices are matched by order number; fills counted once per the rule in [`tracker`]. Every `poll_interval`
//! a catch-up reads today's orders when an open intent takes its fills from the broker or has not been heard
//! of for `notice_quiet`, and journals only what reconciliation says is missing (fills, cancellations).
//! Orders placed outside the daemon are adopted at the next start, not by a catch-up.
//!
//! US orders are reconciled from the overseas lists (`inquire-ccnl` on both accounts, `inquire-nccs` on real)
//! by the same rules in [`kis_journal::reconcile`], with the trading day counted in New York.
//!
//! # Cancels
//! See [`cancels`]: the unfilled rest after `cancel_unfilled_after`, a market's or every open order
//! ([`CancelAll`]), and whatever holds a symbol whose protective exit is due
//! ([`crate::messages::CancelForExit`]).
//!
//! # Modifies
//! See [`modifies`]: a working limit order re-priced ([`crate::messages::Reprice`]), with the same three
//! outcomes and the same rule for the unknown one as an order POST.

pub mod broker_view;
mod cancels;
mod durability;
pub mod lane;
mod modifies;
mod notices;
mod placing;
mod reads;
pub mod send;
mod start_up;
pub mod tracker;

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, TimeDelta, Utc};
use kis_journal::{
    Conflict, ConflictKind, DoneReason, Event, IntentState, IntentView, Journal, JournalError, MatchRules, Recorded,
    UnknownOutcomes,
};
use kis_model::{ClientOrderId, KrxCode, OrderId, OrderIdError, Price, Qty, Side, Symbol};
use kis_strategy::FillReport;
use tracing::{error, info, warn};

use crate::kis_api::{ApiCallError, KisApi};
use crate::messages::{ApprovedOrder, CloseReason, ExecutionNotice, Notice, OrderEvent, OrderUpdate};
use crate::notifier::NotifierHandle;
use crate::supervisor::{Beating, HeartbeatReporter, Shutdown, start_heartbeat};
use crate::venue_clock::VenueClock;

use cancels::CancelAllState;
pub use cancels::{CancelAll, CancelAllReport};
use lane::{Lane, LaneEvent, Next, Read, Waiting, Work};
use tracker::Tracker;

/// `CloseReason::Rejected` code of a refusal learned from an execution notice (which carries no `msg_cd`,
/// only its `RFUS_YN` flag).
pub const NOTICE_REFUSAL_CODE: &str = "RFUS_YN";
/// Notices kept while the router is not ready yet; beyond this the oldest go (the start-up catch-up
/// covers them: every intent open at start takes its fills from the broker).
const MAX_EARLY_NOTICES: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct RouterConfig {
    /// The journal file; its directory is created when missing.
    pub journal_path: PathBuf,
    /// Venue time after the ack at which the unfilled rest of an order is cancelled.
    pub cancel_unfilled_after: Duration,
    /// Real time between REST catch-ups, and between retries of a failed start-up or look-up.
    pub poll_interval: Duration,
    /// Real time without a word about an open order after which its notices may be lost (catch-up).
    pub notice_quiet: Duration,
    /// How often cancel deadlines and catch-up conditions are checked (real time).
    pub tick: Duration,
    /// Real time to wait after an uncertain send before the first look at the order list (a request cut off
    /// on the way may still be executing).
    pub uncertain_settle: Duration,
    /// Real time between evidence reads while an outcome is unknown.
    pub resolve_every: Duration,
    /// Venue time an approved order may wait in the queue; older ones are not sent (the decision is stale).
    pub max_queue_wait: Duration,
    pub match_rules: MatchRules,
    /// ETF codes (ETNs are known by their code): their prices use the fund tick grid.
    pub fund_codes: BTreeSet<KrxCode>,
    /// US orders are traded: every broker read also takes the overseas order history.
    pub us_orders: bool,
}

impl RouterConfig {
    /// Defaults: cancel after 60 s, catch-up every 5 s when quiet for 3 s, tick 250 ms, first evidence read
    /// 1 s after an uncertain send and then every 2 s, queue wait 10 s, [`MatchRules::default`], no fund codes.
    pub fn new(journal_path: impl Into<PathBuf>) -> RouterConfig {
        RouterConfig {
            journal_path: journal_path.into(),
            cancel_unfilled_after: Duration::from_secs(60),
            poll_interval: Duration::from_secs(5),
            notice_quiet: Duration::from_secs(3),
            tick: Duration::from_millis(250),
            uncertain_settle: Duration::from_secs(1),
            resolve_every: Duration::from_secs(2),
            max_queue_wait: Duration::from_secs(10),
            match_rules: MatchRules::default(),
            fund_codes: BTreeSet::new(),
            us_orders: false,
        }
    }
}

/// The journal's open intents.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Vec<OpenOrder>")]
pub struct GetOpenOrders;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOrder {
    pub id: ClientOrderId,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    /// The limit it works at now (a modify changes it).
    pub price: Option<Price>,
    pub filled: Qty,
    /// The broker order working now (a modify gives it a new number).
    pub order_id: Option<OrderId>,
    pub state: IntentState,
    pub cancel_requested: bool,
}

#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "RouterStatus")]
pub struct GetRouterStatus;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouterStatus {
    pub ready: bool,
    pub open: usize,
    pub queued: usize,
    /// Symbols refused until a person resolves a conflict, with the reason.
    pub paused: Vec<(Symbol, String)>,
    /// Set when the journal cannot be opened or written: no order is sent until a restart.
    pub journal_error: Option<String>,
    /// Sends whose outcome is unknown (no usable answer yet, no trace in the order list yet); their symbols
    /// take no new order until the broker's evidence settles them.
    pub unknown: Vec<(ClientOrderId, Symbol)>,
    /// Order POSTs made in this run.
    pub orders_sent: u64,
    pub catch_ups: u64,
}

type SendResult = Result<Result<OrderId, OrderIdError>, ApiCallError>;

/// How a send (or modify) ended: not attempted because its journal line could not be made durable, or posted.
enum SendOutcome {
    NotDurable(String),
    Posted(SendResult),
}

pub struct OrderRouter {
    config: RouterConfig,
    api: KisApi,
    clock: VenueClock,
    updates: Recipient<OrderUpdate>,
    heartbeat: Option<(HeartbeatReporter, Duration)>,
    journal: Option<Journal>,
    /// Forces journal lines to disk off this event loop (see [`durability`]); `None`: every line is
    /// synced as it is written.
    syncer: Option<durability::Syncer>,
    /// Journal bytes covered by the last sync request.
    synced_len: u64,
    /// The REST lane: starting up, idle, or busy with one call (see [`lane`]).
    lane: Lane,
    tracker: Tracker,
    paused: BTreeMap<Symbol, String>,
    queue: VecDeque<ApprovedOrder>,
    cancels: VecDeque<ClientOrderId>,
    /// Re-pricings waiting for the lane, at most one per intent (a later price replaces an earlier one).
    modifies: VecDeque<(ClientOrderId, Price)>,
    catch_up_wanted: bool,
    last_catch_up: Option<Instant>,
    early: VecDeque<ExecutionNotice>,
    held: Vec<ExecutionNotice>,
    unknown: UnknownOutcomes,
    /// When the next evidence read is due (while `unknown` is not empty).
    next_read: Option<Instant>,
    notifier: Option<NotifierHandle>,
    journal_error: Option<String>,
    reported: HashSet<(ConflictKind, Symbol, Vec<ClientOrderId>)>,
    cancel_all: Option<CancelAllState>,
    orders_sent: u64,
    catch_ups: u64,
}

impl OrderRouter {
    pub fn new(config: RouterConfig, api: KisApi, clock: VenueClock, updates: Recipient<OrderUpdate>) -> OrderRouter {
        OrderRouter {
            config,
            api,
            clock,
            updates,
            heartbeat: None,
            journal: None,
            syncer: None,
            synced_len: 0,
            lane: Lane::new(),
            tracker: Tracker::new(),
            paused: BTreeMap::new(),
            queue: VecDeque::new(),
            cancels: VecDeque::new(),
            modifies: VecDeque::new(),
            catch_up_wanted: false,
            last_catch_up: None,
            early: VecDeque::new(),
            held: Vec::new(),
            unknown: UnknownOutcomes::new(),
            next_read: None,
            notifier: None,
            journal_error: None,
            reported: HashSet::new(),
            cancel_all: None,
            orders_sent: 0,
            catch_ups: 0,
        }
    }

    /// Reports to the supervisor every `interval` (mailbox figure: approved orders waiting to be sent).
    pub fn with_heartbeat(mut self, reporter: HeartbeatReporter, interval: Duration) -> OrderRouter {
        self.heartbeat = Some((reporter, interval));
        self
    }

    /// Unknown outcomes, and what became of them, are also sent to the trader.
    pub fn with_notifier(mut self, notifier: NotifierHandle) -> OrderRouter {
        self.notifier = Some(notifier);
        self
    }

    fn cancel_after(&self) -> TimeDelta {
        TimeDelta::from_std(self.config.cancel_unfilled_after).unwrap_or(TimeDelta::MAX)
    }

    fn touch(&mut self) {
        if let Some((reporter, _)) = &mut self.heartbeat {
            reporter.touch();
        }
    }

    fn emit(&self, symbol: Symbol, event: OrderEvent) {
        self.updates.do_send(OrderUpdate { symbol, event });
    }

    fn close(&self, symbol: Symbol, side: Side, filled: Qty, reason: CloseReason) {
        self.emit(symbol, OrderEvent::Closed { side, filled, reason });
    }

    fn view(&self, id: ClientOrderId) -> Option<&IntentView> {
        self.journal.as_ref().and_then(|j| j.book().get(id))
    }

    fn journal_failed(&mut self, what: &str, e: &JournalError) {
        error!(target: "order_router", "journal write failed ({what}): {e}; no further orders are sent");
        self.journal_error = Some(e.to_string());
    }

    /// Writes one event; `None` when it could not be written (logged, and sending stops).
    fn record(&mut self, id: ClientOrderId, event: Event) -> Option<Recorded> {
        let now = self.clock.now();
        let journal = self.journal.as_mut()?;
        match journal.record_event(now, id, event) {
            Ok(recorded) => Some(recorded),
            Err(e) => {
                self.journal_failed(&format!("intent {id}"), &e);
                None
            }
        }
    }

    // ------------------------------------------------------------------------------------------ the lane

    /// Applies a lane event. A refused transition is a bug in this actor: logged, and the lane keeps its state.
    fn lane_to(&mut self, event: LaneEvent) {
        match self.lane.transition(event) {
            Ok(next) => self.lane = next,
            Err(e) => error!(target: "order_router", "{e}"),
        }
    }

    fn pump(&mut self, ctx: &mut Context<Self>) {
        loop {
            let now = Instant::now();
            let waiting = Waiting {
                cancels: !self.cancels.is_empty(),
                modifies: !self.modifies.is_empty(),
                evidence_due: self.evidence_due(now),
                orders: !self.queue.is_empty(),
                catch_up: self.catch_up_wanted,
            };
            match lane::next(&self.lane, now, waiting) {
                None => break,
                Some(Next::StartUp) => {
                    self.start_up(ctx);
                    break;
                }
                Some(Next::Cancel) => {
                    if let Some(id) = self.cancels.pop_front() {
                        self.cancel(id, ctx);
                    }
                }
                Some(Next::Modify) => {
                    if let Some((id, price)) = self.modifies.pop_front() {
                        self.modify(id, price, ctx);
                    }
                }
                Some(Next::Evidence) => self.read_broker(Read::Evidence, ctx),
                Some(Next::Send) => {
                    if let Some(order) = self.queue.pop_front() {
                        self.send(order, ctx);
                    }
                }
                Some(Next::CatchUp) => {
                    self.read_broker(Read::CatchUp, ctx);
                    break;
                }
            }
        }
        self.check_cancel_all();
    }

    fn tick(&mut self, ctx: &mut Context<Self>) {
        self.nudge_sync();
        if self.lane.is_ready()
            && let Some(journal) = &self.journal
        {
            let due = self.tracker.take_due_cancels(journal.book(), self.clock.now());
            for id in due {
                info!(target: "order_router", intent = %id, "unfilled after {:?}: cancelling", self.config.cancel_unfilled_after);
                self.cancels.push_back(id);
            }
            let now = Instant::now();
            let spaced =
                self.last_catch_up.is_none_or(|t| now.saturating_duration_since(t) >= self.config.poll_interval);
            if spaced && self.tracker.catch_up_due(journal.book(), now, self.config.notice_quiet, self.config.us_orders)
            {
                self.catch_up_wanted = true;
            }
        }
        self.pump(ctx);
    }

    fn open_views(&self) -> Vec<IntentView> {
        self.journal.as_ref().map(|j| j.book().iter().filter(|v| v.is_open()).cloned().collect()).unwrap_or_default()
    }

    fn open_in(&self, scope: CancelAll) -> Vec<ClientOrderId> {
        self.open_views().iter().filter(|v| scope.covers(&v.record.symbol)).map(|v| v.id).collect()
    }

    /// Logs a conflict once, at error level, and pauses its symbol.
    fn report_conflict(&mut self, c: &Conflict, during: &str) {
        let key = (c.kind, c.symbol, c.intents.clone());
        if self.reported.insert(key) {
            error!(target: "order_router", "reconciliation conflict ({during}): {c}; {} paused until resolved by hand", c.symbol);
        }
        self.paused.entry(c.symbol).or_insert_with(|| format!("{:?} conflict", c.kind));
    }

    /// `before_start`: learned while reconciling at start, for an order of an earlier run.
    fn report_fill(&self, id: ClientOrderId, qty: Qty, price: Price, ts: DateTime<Utc>, before_start: bool) {
        let Some(v) = self.view(id) else { return };
        let strategy_id = match self.tracker.get(id) {
            Some(t) => t.strategy.clone(),
            None => match v.record.origin {
                kis_journal::Origin::Daemon => Some(v.record.strategy.clone()),
                kis_journal::Origin::Adopted => None,
            },
        };
        let (symbol, side) = (v.record.symbol, v.record.side);
        info!(target: "order_router", intent = %id, %symbol, %side, %qty, %price, "fill");
        let fill = FillReport { symbol, side, qty, price, ts, strategy_id };
        self.emit(symbol, if before_start { OrderEvent::FilledBeforeStart(fill) } else { OrderEvent::Filled(fill) });
    }

    /// Closes an intent that is fully filled or cancelled: `Done` in the journal, `Closed` to the listeners.
    fn settle(&mut self, id: ClientOrderId) {
        let Some(v) = self.view(id) else { return };
        if v.done.is_some() {
            return;
        }
        let reason = if v.filled >= v.record.qty {
            CloseReason::Filled
        } else if v.state == IntentState::Cancelled {
            CloseReason::Cancelled
        } else {
            return;
        };
        let (symbol, side, filled) = (v.record.symbol, v.record.side, v.filled);
        self.record(id, Event::Done { reason: DoneReason::Closed });
        info!(target: "order_router", intent = %id, %symbol, %filled, "order closed: {reason:?}");
        self.close(symbol, side, filled, reason);
    }
}

impl Beating for OrderRouter {
    fn heartbeat(&self) -> Option<&(HeartbeatReporter, Duration)> {
        self.heartbeat.as_ref()
    }

    fn load(&self) -> usize {
        self.queue.len()
    }
}

impl Actor for OrderRouter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.config.tick, |act, ctx| act.tick(ctx));
        start_heartbeat(self, ctx);
        self.pump(ctx);
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        if let Some(state) = self.cancel_all.take() {
            let report = CancelAllReport::new(state.requested, state.dropped, self.open_in(state.scope));
            for waiter in state.waiters {
                let _ = waiter.send(report.clone());
            }
        }
    }
}

impl Handler<Notice> for OrderRouter {
    type Result = ();

    fn handle(&mut self, msg: Notice, ctx: &mut Self::Context) {
        self.touch();
        if !self.lane.is_ready() {
            if self.early.len() >= MAX_EARLY_NOTICES {
                self.early.pop_front();
                warn!(target: "order_router", "too many notices before reconciliation; dropping the oldest");
            }
            self.early.push_back(msg.0);
            return;
        }
        self.on_notice(msg.0);
        self.pump(ctx);
    }
}

impl Handler<GetOpenOrders> for OrderRouter {
    type Result = MessageResult<GetOpenOrders>;

    fn handle(&mut self, _: GetOpenOrders, _: &mut Self::Context) -> Self::Result {
        MessageResult(
            self.open_views()
                .into_iter()
                .map(|v| OpenOrder {
                    id: v.id,
                    symbol: v.record.symbol,
                    side: v.record.side,
                    qty: v.record.qty,
                    price: v.limit,
                    filled: v.filled,
                    order_id: v.order_id,
                    state: v.state,
                    cancel_requested: v.cancel_requested,
                })
                .collect(),
        )
    }
}

impl Handler<GetRouterStatus> for OrderRouter {
    type Result = MessageResult<GetRouterStatus>;

    fn handle(&mut self, _: GetRouterStatus, _: &mut Self::Context) -> Self::Result {
        MessageResult(RouterStatus {
            ready: self.lane.is_ready(),
            open: self.open_views().len(),
            queued: self.queue.len(),
            paused: self.paused.iter().map(|(s, why)| (*s, why.clone())).collect(),
            journal_error: self.journal_error.clone(),
            unknown: self.unknown.iter().map(|(id, p)| (id, p.symbol)).collect(),
            orders_sent: self.orders_sent,
            catch_ups: self.catch_ups,
        })
    }
}

impl Handler<Shutdown> for OrderRouter {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

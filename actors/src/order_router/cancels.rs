//! Cancels: the unfilled rest of an order after its time, every open order of a market at its day end or at
//! shutdown ([`CancelAll`]), and the open orders of a symbol whose protective exit is due
//! ([`CancelForExit`]). Each is journaled (`CancelRequested`) before its request leaves, runs on the lane like
//! every other request, and is confirmed only by the broker (a notice or the order list), never assumed.

use std::time::Instant;

use actix::prelude::*;
use kis_client::Priority;
use kis_journal::Event;
use kis_model::{ClientOrderId, Market, Symbol};
use tokio::sync::oneshot;
use tracing::{debug, info, warn};

use super::send::{self, CancelRequest, SendFailure, classify_failure};
use super::{LaneEvent, OrderRouter, Work};
use crate::messages::{ApprovedOrder, CancelForExit, NotSent};

/// Cancels every open order of one market (that market's end of day) or of all (shutdown), drops the queued
/// ones, and answers once the broker's order list was read after the last cancel. New approvals are still
/// accepted afterwards: stop the RiskManager (or halt the market) first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Message)]
#[rtype(result = "CancelAllReport")]
pub struct CancelAll {
    /// `None`: every market.
    pub market: Option<Market>,
}

impl CancelAll {
    pub fn everything() -> CancelAll {
        CancelAll { market: None }
    }

    pub fn market(market: Market) -> CancelAll {
        CancelAll { market: Some(market) }
    }

    pub fn covers(&self, symbol: &Symbol) -> bool {
        self.market.is_none_or(|m| symbol.market() == m)
    }

    /// Two requests in flight at once answer as one: the same market, or every market.
    fn merged(self, other: CancelAll) -> CancelAll {
        if self == other { self } else { CancelAll::everything() }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CancelAllReport {
    /// Cancel requests made for it.
    pub cancelled: usize,
    /// Approved orders dropped from the queue unsent.
    pub dropped: usize,
    /// Intents still open when it answered (a cancel refused or unconfirmed, a US order awaiting its notice).
    pub left_open: usize,
    pub left_open_ids: Vec<ClientOrderId>,
}

impl CancelAllReport {
    pub(super) fn new(cancelled: usize, dropped: usize, left_open_ids: Vec<ClientOrderId>) -> CancelAllReport {
        CancelAllReport { cancelled, dropped, left_open: left_open_ids.len(), left_open_ids }
    }
}

pub(super) struct CancelAllState {
    pub(super) scope: CancelAll,
    pub(super) waiters: Vec<oneshot::Sender<CancelAllReport>>,
    pub(super) requested: usize,
    pub(super) dropped: usize,
    /// A catch-up started after the last cancel left the lane.
    pub(super) catch_up_started: bool,
    pub(super) caught_up: bool,
}

impl OrderRouter {
    // ------------------------------------------------------------------------------------------ cancels

    pub(super) fn cancel(&mut self, id: ClientOrderId, ctx: &mut Context<Self>) -> bool {
        let Some(v) = self.view(id) else { return false };
        if !v.is_open() {
            return false;
        }
        if v.modify.is_some() {
            // Which order number works is not known until the modify is settled: cancel once it is.
            debug!(target: "order_router", intent = %id, "cancel waits for the modify under way");
            self.tracker.cancel_failed(id, self.clock.now() + chrono::TimeDelta::seconds(1));
            return false;
        }
        let (order_id, request) = match send::cancel_request(v, self.api.account()) {
            Ok(r) => r,
            Err(e) => {
                warn!(target: "order_router", intent = %id, "cannot cancel: {e}");
                return false;
            }
        };
        if self.record(id, Event::CancelRequested).is_none() {
            return false;
        }
        if let Some(state) = &mut self.cancel_all {
            state.requested += 1;
        }
        self.lane_to(LaneEvent::Begin(Work::Cancel(id)));
        let api = self.api.clone();
        let fut = async move {
            match &request {
                CancelRequest::Krx(req) => api.call(req, Priority::Order).await.map(|_| ()),
                CancelRequest::Us(req) => api.call(req, Priority::Order).await.map(|_| ()),
            }
        };
        ctx.spawn(fut.into_actor(self).map(move |result, act, ctx| {
            act.lane_to(LaneEvent::Finished);
            match result {
                Ok(()) => {
                    info!(target: "order_router", intent = %id, order_no = %order_id.order_no, "cancel acknowledged");
                    act.tracker.cancel_requested(id, Instant::now());
                }
                Err(e) => {
                    let retry_at = act.clock.now() + act.cancel_after();
                    match classify_failure(&e, act.api.account()) {
                        SendFailure::Refused { code, message } => warn!(
                            target: "order_router",
                            intent = %id,
                            %code,
                            %message,
                            "cancel refused (already filled or cancelled?); checking the order list"
                        ),
                        SendFailure::NotExecuted(d) | SendFailure::Uncertain(d) => {
                            warn!(target: "order_router", intent = %id, "cancel failed: {d}; checking the order list")
                        }
                    }
                    act.tracker.cancel_failed(id, retry_at);
                    act.catch_up_wanted = true;
                }
            }
            act.pump(ctx);
        }));
        true
    }

    /// Takes the queued orders of the symbols `covers` out of the queue unsent, closing each with `why`;
    /// returns how many.
    fn drop_queued(&mut self, covers: impl Fn(&Symbol) -> bool, why: impl Fn() -> NotSent) -> usize {
        let (queued, kept): (Vec<ApprovedOrder>, Vec<ApprovedOrder>) =
            self.queue.drain(..).partition(|o| covers(&o.intent.symbol));
        self.queue.extend(kept);
        for order in &queued {
            self.refuse(order, why());
        }
        queued.len()
    }

    pub(super) fn check_cancel_all(&mut self) {
        let Some(state) = &self.cancel_all else { return };
        if self.lane.is_busy() || !self.cancels.is_empty() {
            return;
        }
        let open = self.open_in(state.scope);
        if !open.is_empty() && !state.caught_up {
            return;
        }
        if let Some(state) = self.cancel_all.take() {
            let report = CancelAllReport::new(state.requested, state.dropped, open);
            info!(target: "order_router", cancelled = report.cancelled, left_open = report.left_open, "cancel-all done");
            for waiter in state.waiters {
                let _ = waiter.send(report.clone());
            }
        }
    }
}

impl Handler<CancelAll> for OrderRouter {
    type Result = ResponseFuture<CancelAllReport>;

    fn handle(&mut self, msg: CancelAll, ctx: &mut Self::Context) -> Self::Result {
        self.touch();
        let (tx, rx) = oneshot::channel();
        let dropped = self.drop_queued(|s| msg.covers(s), || NotSent::CancelAll);
        let state = self.cancel_all.get_or_insert_with(|| CancelAllState {
            scope: msg,
            waiters: Vec::new(),
            requested: 0,
            dropped: 0,
            catch_up_started: false,
            caught_up: false,
        });
        state.scope = state.scope.merged(msg);
        let scope = state.scope;
        state.dropped += dropped;
        state.waiters.push(tx);
        state.catch_up_started = false;
        state.caught_up = false;
        if self.lane.is_ready()
            && let Some(journal) = &self.journal
        {
            let due = self.tracker.cancel_everything(journal.book(), |s| scope.covers(s));
            info!(target: "order_router", orders = due.len(), market = ?scope.market, "cancel-all");
            self.cancels.extend(due);
            self.catch_up_wanted = true;
            self.pump(ctx);
        } else if let Some(state) = self.cancel_all.take() {
            // Nothing can be cancelled before the broker's view is known; say what is open.
            let report = CancelAllReport::new(0, state.dropped, self.open_in(state.scope));
            for waiter in state.waiters {
                let _ = waiter.send(report.clone());
            }
        }
        Box::pin(async move { rx.await.unwrap_or_default() })
    }
}

impl Handler<CancelForExit> for OrderRouter {
    type Result = ();

    fn handle(&mut self, msg: CancelForExit, ctx: &mut Self::Context) {
        self.touch();
        let symbol = msg.symbol;
        // The desk lets one order per symbol work, so whatever of the symbol waits in the queue is the order
        // that holds the exit back: it never leaves.
        self.drop_queued(|s| *s == symbol, || NotSent::ForExit(msg.reason));
        // Before reconciliation nothing is known to be working; the desk asks again.
        if !self.lane.is_ready() {
            return;
        }
        let Some(journal) = &self.journal else { return };
        let due = self.tracker.cancel_everything(journal.book(), |s| *s == symbol);
        if !due.is_empty() {
            warn!(target: "order_router", %symbol, orders = due.len(), reason = %msg.reason, "cancelling open orders: a protective exit is due");
            self.cancels.extend(due);
            // The exit waits on the confirmation: read the list after the cancel rather than wait for quiet.
            self.catch_up_wanted = true;
            self.pump(ctx);
        }
    }
}

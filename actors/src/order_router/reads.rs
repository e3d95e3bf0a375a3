//! Reading the broker's orders: the one routine behind the start-up reconciliation, the evidence reads that
//! settle unknown outcomes, and the REST catch-up when notices go quiet. Every read is reconciled in full —
//! evidence is evidence, whatever the read was for — and its "not found" results go through
//! [`kis_journal::UnknownOutcomes`], which alone may conclude that a send never reached KIS.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use actix::prelude::*;
use chrono::{DateTime, Utc};
use kis_journal::{Action, BrokerView, ConflictKind, Event, reconcile};
use kis_model::kst::kst_date;
use kis_model::{ClientOrderId, OrderNo, Qty, Symbol};
use tracing::{debug, error, info, warn};

use super::{LaneEvent, OrderRouter, Read, Work, broker_view};
use crate::messages::{CloseReason, NotSent, OrderEvent};
use crate::notifier::{NotifyEvent, OrderOutcome};

impl OrderRouter {
    /// Reads today's orders (and at start the holdings) on the lane, then applies what they show.
    pub(super) fn read_broker(&mut self, why: Read, ctx: &mut Context<Self>) {
        self.lane_to(LaneEvent::Begin(Work::Read(why)));
        match why {
            Read::CatchUp => {
                self.catch_up_wanted = false;
                self.last_catch_up = Some(Instant::now());
                self.catch_ups += 1;
                if let Some(state) = &mut self.cancel_all
                    && self.cancels.is_empty()
                {
                    state.catch_up_started = true;
                }
            }
            Read::Evidence => self.next_read = None,
            Read::StartUp => {}
        }
        let api = self.api.clone();
        // Stamped with the time the read *starts*: the lists then show at least every order accepted before
        // it, which is what an absence past the deadline must be measured against.
        let read_at = self.clock.now();
        let day = kst_date(read_at);
        let holdings = why == Read::StartUp;
        let us = self.config.us_orders.then(|| {
            let open_us = self.journal.iter().flat_map(|j| j.book().iter()).filter(|v| v.is_open());
            let created = open_us.filter(|v| matches!(v.record.symbol, Symbol::Us(..))).map(|v| v.created);
            broker_view::UsWindow::new(read_at, created)
        });
        // The unfilled list is evidence for start-up and unknown outcomes; routine catch-ups skip its calls.
        let unfilled = why != Read::CatchUp;
        let fut =
            async move { broker_view::fetch(&api, day, holdings, us, unfilled).await.map(|v| v.read_at(read_at)) };
        ctx.spawn(fut.into_actor(self).map(move |result, act, ctx| {
            if why != Read::StartUp {
                act.lane_to(LaneEvent::Finished);
            }
            match (why, result) {
                (Read::StartUp, Ok(view)) => {
                    act.finish_start_up(&view);
                    if !act.lane.is_ready() {
                        let retry_at = Instant::now() + act.config.poll_interval;
                        act.lane_to(LaneEvent::StartUpFailed { retry_at });
                    }
                }
                (Read::StartUp, Err(e)) => {
                    error!(target: "order_router", "cannot read the broker's orders to reconcile: {e}; retrying");
                    act.lane_to(LaneEvent::StartUpFailed { retry_at: Instant::now() + act.config.poll_interval });
                }
                (_, Ok(view)) => {
                    act.apply_read(&view);
                    if why == Read::CatchUp
                        && let Some(state) = &mut act.cancel_all
                        && state.catch_up_started
                    {
                        state.caught_up = true;
                    }
                }
                (Read::Evidence, Err(e)) => {
                    error!(
                        target: "order_router",
                        unknown = act.unknown.len(),
                        "cannot read the order list to settle unknown outcomes: {e}; retrying"
                    );
                    act.schedule_evidence(act.config.poll_interval);
                }
                (Read::CatchUp, Err(e)) => {
                    warn!(target: "order_router", "catch-up failed: {e}");
                    if act.cancel_all.is_some() {
                        act.catch_up_wanted = true;
                    }
                }
            }
            act.pump(ctx);
        }));
    }

    /// The next evidence read, `after` from now, while any outcome is unknown (an earlier one is kept).
    pub(super) fn schedule_evidence(&mut self, after: Duration) {
        if self.unknown.is_empty() {
            self.next_read = None;
            return;
        }
        let at = Instant::now() + after;
        self.next_read = Some(self.next_read.map_or(at, |t| t.min(at)));
    }

    pub(super) fn evidence_due(&self, now: Instant) -> bool {
        !self.unknown.is_empty() && self.next_read.is_some_and(|t| now >= t)
    }

    /// A send that got no usable answer: journaled as uncertain, its symbol blocked, the broker asked.
    pub(super) fn on_uncertain(&mut self, id: ClientOrderId, detail: String) {
        self.record(id, Event::Uncertain { detail: detail.clone() });
        let Some(v) = self.view(id).cloned() else { return };
        let symbol = v.record.symbol;
        error!(
            target: "order_router",
            intent = %id,
            %symbol,
            "order outcome unknown ({detail}); no new order on {symbol} until the broker's order list shows it \
             or it provably never arrived"
        );
        // The overseas lists are read only when US orders are configured; without them nothing could settle
        // the outcome, so a person must.
        if matches!(symbol, Symbol::Us(..)) && !self.config.us_orders {
            let c = kis_journal::Conflict {
                kind: ConflictKind::MissingAtBroker,
                symbol,
                intents: vec![id],
                orders: vec![],
            };
            self.report_conflict(&c, "uncertain US order, the overseas order lists are not read");
            self.notify_outcome(id, OrderOutcome::Conflict);
            self.close(symbol, v.record.side, Qty::ZERO, CloseReason::Uncertain);
            return;
        }
        self.unknown.track(&v);
        self.notify_unknown(id, detail);
        self.schedule_evidence(self.config.uncertain_settle);
    }

    pub(super) fn notify_unknown(&self, id: ClientOrderId, detail: String) {
        self.notify_outcome(id, OrderOutcome::Unknown { detail });
    }

    pub(super) fn notify_outcome(&self, id: ClientOrderId, outcome: OrderOutcome) {
        let (Some(notifier), Some(v)) = (&self.notifier, self.view(id)) else { return };
        let r = &v.record;
        notifier.notify(NotifyEvent::OrderOutcome { symbol: r.symbol, side: r.side, qty: r.qty, outcome });
    }

    /// Unknown intents that a held notice could belong to: a notice for their symbol and side whose order
    /// the list does not show yet. Their absence from the list is no evidence while such a notice waits.
    fn hinted(&self, view: &BrokerView) -> BTreeSet<ClientOrderId> {
        let listed: HashSet<OrderNo> = view.orders.iter().map(|o| o.order_id.order_no).collect();
        self.unknown
            .iter()
            .filter(|(_, p)| {
                self.held.iter().any(|n| n.symbol == p.symbol && n.side == p.side && !listed.contains(&n.order_no))
            })
            .map(|(id, _)| id)
            .collect()
    }

    /// Applies one read of the order list: missing fills and cancellations of every intent, and the
    /// settlement of unknown outcomes. Adoptions of orders placed outside the daemon wait for the next start.
    fn apply_read(&mut self, view: &BrokerView) {
        let Some(journal) = &self.journal else { return };
        let now = self.clock.now();
        let read_at = view.read_at.unwrap_or(now);
        let actions = reconcile(journal.book(), view, &self.config.match_rules);
        let hinted = self.hinted(view);
        let was_unknown: BTreeSet<ClientOrderId> = self.unknown.iter().map(|(id, _)| id).collect();
        let rules = self.config.match_rules;
        let settled = self.unknown.settle(actions, read_at, &rules, |id| hinted.contains(&id));
        let mut touched: Vec<ClientOrderId> = Vec::new();
        for action in &settled.actions {
            match action {
                Action::MarkAcked { intent, order_id } => {
                    if !self.apply(now, action) {
                        continue;
                    }
                    if let Some(v) = self.view(*intent).cloned() {
                        self.tracker.track_resolved(&v, now, self.cancel_after());
                        info!(
                            target: "order_router",
                            intent = %intent,
                            symbol = %v.record.symbol,
                            order_no = %order_id.order_no,
                            "unknown outcome settled: the broker has the order; working"
                        );
                        let remaining = v.record.qty.saturating_sub(v.filled);
                        self.emit(v.record.symbol, OrderEvent::Working { qty: remaining, side: v.record.side });
                        self.notify_outcome(*intent, OrderOutcome::FoundAtBroker);
                    }
                }
                Action::MarkNeverSent { intent } => {
                    if self.apply(now, action)
                        && let Some(v) = self.view(*intent)
                    {
                        let (symbol, side) = (v.record.symbol, v.record.side);
                        let reads = self.config.match_rules.confirm_reads;
                        info!(
                            target: "order_router",
                            intent = %intent,
                            %symbol,
                            "unknown outcome settled: not in the broker's order list in {reads} reads past the \
                             latest time KIS could have accepted it; never reached KIS, not resent"
                        );
                        self.close(symbol, side, Qty::ZERO, CloseReason::NotSent(NotSent::NeverReachedKis));
                        self.notify_outcome(*intent, OrderOutcome::NeverReached);
                    }
                }
                // Journaled first: a fill that is not on disk is not reported.
                Action::ApplyFills { intent, qty, price, .. } if self.apply(now, action) => {
                    self.tracker.take_fills_from_broker(*intent);
                    self.report_fill(*intent, *qty, *price, now, false);
                    touched.push(*intent);
                }
                Action::MarkModified { intent, order_id, price } if self.apply(now, action) => {
                    let unknown = if was_unknown.contains(intent) { "unknown outcome settled: " } else { "" };
                    info!(target: "order_router", intent = %intent, order_no = %order_id.order_no, %price, "{unknown}the broker's list shows the modify; the order works at the new price");
                    if was_unknown.contains(intent) {
                        self.notify_outcome(*intent, OrderOutcome::ModifyFound { price: *price });
                    }
                    touched.push(*intent);
                }
                Action::MarkModifyLapsed { intent } if self.apply(now, action) => {
                    let reads = self.config.match_rules.confirm_reads;
                    info!(
                        target: "order_router",
                        intent = %intent,
                        "unknown outcome settled: no modify of the order in {reads} reads past the latest time KIS \
                         could have taken it; it works on at its old price"
                    );
                    self.notify_outcome(*intent, OrderOutcome::ModifyLapsed);
                }
                Action::MarkCancelled { intent, qty } if self.apply(now, action) => {
                    info!(target: "order_router", intent = %intent, %qty, "cancellation confirmed by the order list");
                    touched.push(*intent);
                }
                Action::Conflict(c) if c.intents.iter().any(|id| was_unknown.contains(id)) => {
                    self.report_conflict(c, "settling an unknown outcome");
                    for id in c.intents.iter().filter(|id| was_unknown.contains(id)) {
                        self.notify_outcome(*id, OrderOutcome::Conflict);
                        if let Some(v) = self.view(*id) {
                            let (symbol, side, filled) = (v.record.symbol, v.record.side, v.filled);
                            self.close(symbol, side, filled, CloseReason::Uncertain);
                        }
                    }
                }
                // The order list may lag the notices by a moment: not evidence of anything yet.
                Action::Conflict(c) if matches!(c.kind, ConflictKind::OverFilled | ConflictKind::MissingAtBroker) => {
                    debug!(target: "order_router", "catch-up: {c} (order list behind the notices?)");
                }
                Action::Conflict(c) => self.report_conflict(c, "catch-up"),
                _ => {}
            }
        }
        for id in touched {
            self.settle(id);
        }
        self.schedule_evidence(self.config.resolve_every);
        self.release_held();
    }

    pub(super) fn apply(&mut self, now: DateTime<Utc>, action: &Action) -> bool {
        let Some(journal) = self.journal.as_mut() else { return false };
        match journal.apply_action(now, action) {
            Ok(_) => true,
            Err(e) => {
                self.journal_failed("reconciliation action", &e);
                false
            }
        }
    }
}

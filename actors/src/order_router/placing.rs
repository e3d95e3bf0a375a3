//! Placing an order: the refusals that keep it from leaving, the journal line before the POST, and the POST's
//! three outcomes (accepted, refused by KIS, unknown).

use std::time::Instant;

use actix::prelude::*;
use chrono::TimeDelta;
use kis_client::Priority;
use kis_journal::{DoneReason, Event, Journal};
use kis_model::{ClientOrderId, Qty, Symbol};
use tracing::{error, info, warn};

use super::send::{self, OrderRequest, SendFailure, classify_failure};
use super::{LaneEvent, OrderRouter, SendOutcome, SendResult, Work};
use crate::messages::{ApprovedOrder, CloseReason, NotSent, OrderEvent};

impl OrderRouter {
    pub(super) fn refusal(&self, symbol: &Symbol) -> Option<NotSent> {
        if !self.lane.is_ready() {
            return Some(NotSent::NotReconciled);
        }
        if let Some(e) = &self.journal_error {
            return Some(NotSent::JournalUnavailable(e.clone()));
        }
        if let Some(intent) = self.unknown.blocking(*symbol) {
            return Some(NotSent::OutcomeUnknown { intent, symbol: *symbol });
        }
        self.paused.get(symbol).map(|why| NotSent::Paused { symbol: *symbol, why: why.clone() })
    }

    pub(super) fn refuse(&self, order: &ApprovedOrder, why: NotSent) {
        let intent = &order.intent;
        warn!(target: "order_router", symbol = %intent.symbol, side = %intent.side, qty = %intent.qty, "order not sent: {why}");
        self.close(intent.symbol, intent.side, Qty::ZERO, CloseReason::NotSent(why));
    }

    /// Journals and sends one order; returns whether the lane is now busy with it.
    pub(super) fn send(&mut self, order: ApprovedOrder, ctx: &mut Context<Self>) -> bool {
        let now = self.clock.now();
        if let Some(why) = self.refusal(&order.intent.symbol) {
            self.refuse(&order, why);
            return false;
        }
        let waited = now.signed_duration_since(order.decided_at);
        if waited > TimeDelta::from_std(self.config.max_queue_wait).unwrap_or(TimeDelta::MAX) {
            self.refuse(&order, NotSent::Stale { waited });
            return false;
        }
        let prepared = match send::prepare(&order.intent, self.api.account(), &self.config.fund_codes) {
            Ok(p) => p,
            Err(e) => {
                self.refuse(&order, NotSent::Unpreparable(e.to_string()));
                return false;
            }
        };
        let Some(journal) = self.journal.as_mut() else { return false };
        let id = match journal.record_intent(now, prepared.record.clone()) {
            Ok(id) => id,
            Err(e) => {
                self.journal_failed("new intent", &e);
                self.refuse(&order, NotSent::JournalUnavailable(e.to_string()));
                return false;
            }
        };
        if let Err(e) = journal.record_event(now, id, Event::Sent) {
            // Best effort: without `Sent` the next start forgets it anyway.
            let _ = journal.record_event(now, id, Event::Done { reason: DoneReason::NeverSent });
            self.journal_failed("sent", &e);
            self.refuse(&order, NotSent::JournalUnavailable(e.to_string()));
            return false;
        }
        let r = &prepared.record;
        info!(
            target: "order_router",
            intent = %id,
            symbol = %r.symbol,
            side = %r.side,
            qty = %r.qty,
            price = %r.price.map_or_else(|| "market".to_string(), |p| p.to_string()),
            strategy = %r.strategy,
            "sending order"
        );
        self.lane_to(LaneEvent::Begin(Work::Send(id)));
        let api = self.api.clone();
        let fut = self.post_when_durable(async move {
            let reply = match &prepared.request {
                OrderRequest::Krx(req) => api.call(req, Priority::Order).await?.reply.body,
                OrderRequest::Us(req) => api.call(req, Priority::Order).await?.reply.body,
            };
            Ok(reply.output.order_id())
        });
        ctx.spawn(fut.into_actor(self).map(move |outcome: SendOutcome, act, ctx| {
            act.touch();
            match outcome {
                SendOutcome::Posted(result) => {
                    act.orders_sent += 1;
                    act.on_sent(id, result);
                }
                SendOutcome::NotDurable(e) => act.not_durable(id, e),
            }
            // Finished only now: while the answer is applied, a notice of the symbol may still be this order's.
            act.lane_to(LaneEvent::Finished);
            act.release_held();
            act.pump(ctx);
        }));
        true
    }

    /// `post` (an order or modify request) runs once the journal line written just before it is on disk: the
    /// POST waits for the sync, the event loop does not.
    pub(super) fn post_when_durable(
        &mut self,
        post: impl std::future::Future<Output = SendResult> + 'static,
    ) -> impl std::future::Future<Output = SendOutcome> + 'static {
        let durable = self.syncer.as_ref().map(|s| s.sync());
        self.synced_len = self.journal.as_ref().map_or(0, Journal::written);
        async move {
            if let Some(durable) = durable {
                match durable.await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return SendOutcome::NotDurable(e),
                    Err(_) => return SendOutcome::NotDurable("the journal's sync thread has stopped".into()),
                }
            }
            SendOutcome::Posted(post.await)
        }
    }

    /// The `Sent` line could not be forced to disk: the order was not posted, and nothing more is sent.
    pub(super) fn not_durable(&mut self, id: ClientOrderId, e: String) {
        error!(target: "order_router", intent = %id, "journal sync failed: {e}; the order was not sent, and no order is sent until a restart");
        self.journal_error = Some(format!("sync failed: {e}"));
        self.record(id, Event::Done { reason: DoneReason::NeverSent });
        if let Some(v) = self.view(id) {
            let (symbol, side) = (v.record.symbol, v.record.side);
            self.close(symbol, side, Qty::ZERO, CloseReason::NotSent(NotSent::NotDurable(e.to_string())));
        }
    }

    /// Asks for a sync of journal lines written since the last one (acks, fills: no one waits for it).
    pub(super) fn nudge_sync(&mut self) {
        let (Some(syncer), Some(journal)) = (&self.syncer, &self.journal) else { return };
        if journal.written() != self.synced_len {
            self.synced_len = journal.written();
            syncer.nudge();
        }
    }

    pub(super) fn on_sent(&mut self, id: ClientOrderId, result: SendResult) {
        let Some(v) = self.view(id) else { return };
        let (symbol, side, qty) = (v.record.symbol, v.record.side, v.record.qty);
        match result {
            Ok(Ok(order_id)) => {
                self.record(id, Event::Acked { order_id });
                if let Some(v) = self.view(id).cloned() {
                    self.tracker.track_sent(&v, self.clock.now(), self.cancel_after(), Instant::now());
                }
                info!(target: "order_router", intent = %id, %symbol, order_no = %order_id.order_no, "order working");
                self.emit(symbol, OrderEvent::Working { qty, side });
                if let Some(scope) = self.cancel_all.as_ref().map(|s| s.scope)
                    && let Some(journal) = &self.journal
                    && scope.covers(&symbol)
                {
                    let due = self.tracker.cancel_everything(journal.book(), |s| scope.covers(s));
                    self.cancels.extend(due);
                }
            }
            Ok(Err(e)) => self.on_uncertain(id, format!("ack without a readable order number: {e}")),
            Err(e) => match classify_failure(&e, self.api.account()) {
                SendFailure::Refused { code, message } => {
                    self.record(id, Event::Rejected { msg_cd: code.clone(), msg: message.clone() });
                    self.record(id, Event::Done { reason: DoneReason::Closed });
                    warn!(target: "order_router", intent = %id, %symbol, %code, %message, "order refused by KIS");
                    self.close(symbol, side, Qty::ZERO, CloseReason::Rejected { code, message });
                }
                SendFailure::NotExecuted(detail) => {
                    self.record(id, Event::Done { reason: DoneReason::NeverSent });
                    warn!(target: "order_router", intent = %id, %symbol, "order not sent: {detail}");
                    self.close(symbol, side, Qty::ZERO, CloseReason::NotSent(NotSent::NotExecuted(detail)));
                }
                SendFailure::Uncertain(detail) => self.on_uncertain(id, detail),
            },
        }
    }
}

impl Handler<ApprovedOrder> for OrderRouter {
    type Result = ();

    fn handle(&mut self, msg: ApprovedOrder, ctx: &mut Self::Context) {
        self.touch();
        if let Some(why) = self.refusal(&msg.intent.symbol) {
            self.refuse(&msg, why);
            return;
        }
        self.queue.push_back(msg);
        self.pump(ctx);
    }
}

//! Modifies: the unfilled rest of a working limit order re-priced ([`Reprice`]). A modify is treated like an
//! order POST, since a lost or doubled one moves money the same way:
//! - journaled (`ModifySent`, on disk) before the request leaves, so a restart knows a modify may be out;
//! - one of three outcomes: **accepted** (`Modified`: KIS's new order number is bound to the intent beside
//!   the old one, whose fills stay), **refused** by KIS (`ModifyRefused`; the order works on unchanged), or
//!   **unknown** (`ModifyUncertain`): settled only by the broker's lists, by the modify's row (an order whose
//!   original is ours) or by its absence confirmed past the deadline ([`kis_journal::UnknownOutcomes`]);
//! - never repeated while its outcome is unknown, and the symbol takes no new order meanwhile.
//!
//! A modify waits for a free lane behind cancels and ahead of everything else: a protective sell that the
//! market fell away from is as urgent as the cancel that makes way for one.

use actix::prelude::*;
use kis_client::Priority;
use kis_journal::{Event, ModifyLapse};
use kis_model::{ClientOrderId, OrderId, Price};
use tracing::{debug, error, info, warn};

use super::send::{self, ModifyRequest, SendFailure, classify_failure};
use super::{LaneEvent, OrderRouter, SendOutcome, SendResult, Work};
use crate::messages::Reprice;
use crate::notifier::OrderOutcome;

impl OrderRouter {
    /// Journals and sends one modify; returns whether the lane is now busy with it.
    pub(super) fn modify(&mut self, id: ClientOrderId, price: Price, ctx: &mut Context<Self>) -> bool {
        let Some(v) = self.view(id) else { return false };
        let symbol = v.record.symbol;
        if !v.is_open() || v.cancel_requested || v.modify.is_some() || v.limit == Some(price) {
            debug!(target: "order_router", intent = %id, %symbol, %price, "modify dropped: the order ended, is being cancelled or modified, or is at that price");
            return false;
        }
        if let Some(why) = self.paused.get(&symbol) {
            warn!(target: "order_router", intent = %id, %symbol, "modify not sent: {symbol} is paused ({why})");
            return false;
        }
        let from = v.limit;
        let (order_id, request) = match send::modify_request(v, self.api.account(), price, &self.config.fund_codes) {
            Ok(r) => r,
            Err(e) => {
                warn!(target: "order_router", intent = %id, %symbol, "cannot modify: {e}");
                return false;
            }
        };
        if self.record(id, Event::ModifySent { price }).is_none() {
            return false;
        }
        info!(
            target: "order_router",
            intent = %id,
            %symbol,
            order_no = %order_id.order_no,
            from = %from.map_or_else(|| "market".to_string(), |p| p.to_string()),
            to = %price,
            "modifying order"
        );
        self.lane_to(LaneEvent::Begin(Work::Modify(id)));
        let api = self.api.clone();
        let fut = self.post_when_durable(async move {
            let reply = match &request {
                ModifyRequest::Krx(req) => api.call(req, Priority::Order).await?.reply.body,
                ModifyRequest::Us(req) => api.call(req, Priority::Order).await?.reply.body,
            };
            Ok(reply.output.order_id())
        });
        ctx.spawn(fut.into_actor(self).map(move |outcome: SendOutcome, act, ctx| {
            act.touch();
            match outcome {
                SendOutcome::Posted(result) => act.on_modify_answer(id, order_id, price, result),
                SendOutcome::NotDurable(e) => {
                    error!(target: "order_router", intent = %id, "journal sync failed: {e}; the modify was not sent, and no order is sent until a restart");
                    act.journal_error = Some(format!("sync failed: {e}"));
                    act.record(id, Event::ModifyLapsed { why: ModifyLapse::NotSent });
                }
            }
            act.lane_to(LaneEvent::Finished);
            act.release_held();
            act.pump(ctx);
        }));
        true
    }

    fn on_modify_answer(&mut self, id: ClientOrderId, from: OrderId, price: Price, result: SendResult) {
        match result {
            Ok(Ok(order_id)) => {
                if self.record(id, Event::Modified { order_id, price }).is_some() {
                    self.tracker.heard(id, std::time::Instant::now());
                    info!(target: "order_router", intent = %id, from = %from.order_no, order_no = %order_id.order_no, %price, "order re-priced");
                }
            }
            Ok(Err(e)) => self.on_modify_uncertain(id, format!("ack without a readable order number: {e}")),
            Err(e) => match classify_failure(&e, self.api.account()) {
                SendFailure::Refused { code, message } => {
                    self.record(id, Event::ModifyRefused { msg_cd: code.clone(), msg: message.clone() });
                    warn!(target: "order_router", intent = %id, %code, %message, "modify refused by KIS (filled or cancelled meanwhile?); checking the order list");
                    self.catch_up_wanted = true;
                }
                SendFailure::NotExecuted(detail) => {
                    self.record(id, Event::ModifyLapsed { why: ModifyLapse::NotSent });
                    warn!(target: "order_router", intent = %id, "modify not sent: {detail}");
                }
                SendFailure::Uncertain(detail) => self.on_modify_uncertain(id, detail),
            },
        }
    }

    /// A modify that got no usable answer: journaled as uncertain, its symbol blocked, the broker asked.
    fn on_modify_uncertain(&mut self, id: ClientOrderId, detail: String) {
        self.record(id, Event::ModifyUncertain { detail: detail.clone() });
        let Some(v) = self.view(id).cloned() else { return };
        let symbol = v.record.symbol;
        error!(
            target: "order_router",
            intent = %id,
            %symbol,
            "modify outcome unknown ({detail}); no new order on {symbol} until the broker's order list shows it \
             or shows it never took effect"
        );
        self.unknown.track_modify(&v);
        if let Some(price) = v.modify.map(|m| m.price) {
            self.notify_outcome(id, OrderOutcome::ModifyUnknown { price, detail });
        }
        self.schedule_evidence(self.config.uncertain_settle);
    }
}

impl Handler<Reprice> for OrderRouter {
    type Result = ();

    fn handle(&mut self, msg: Reprice, ctx: &mut Self::Context) {
        self.touch();
        // Before reconciliation nothing is known to be working; the desk asks again on a later trade.
        if !self.lane.is_ready() {
            return;
        }
        let Some(journal) = &self.journal else { return };
        let working: Vec<ClientOrderId> = journal
            .book()
            .iter()
            .filter(|v| v.is_open() && v.order_id.is_some())
            .filter(|v| v.record.symbol == msg.symbol && v.record.side == msg.side)
            .map(|v| v.id)
            .collect();
        let [id] = working.as_slice() else {
            debug!(target: "order_router", symbol = %msg.symbol, side = %msg.side, working = working.len(), "re-price asked for no single working order: ignored");
            return;
        };
        match self.modifies.iter_mut().find(|(queued, _)| queued == id) {
            Some(queued) => queued.1 = msg.limit,
            None => self.modifies.push_back((*id, msg.limit)),
        }
        self.pump(ctx);
    }
}

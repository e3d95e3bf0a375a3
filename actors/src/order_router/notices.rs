//! Execution notices: matched to intents by order number, fills counted once (see [`super::tracker`]), and
//! — for a notice the journal cannot place — matched against the sends whose outcome is unknown before it
//! is ever called "placed outside the daemon".

use std::time::{Duration, Instant};

use kis_journal::{DoneReason, Event, FillRecord, Recorded};
use tracing::{debug, info, warn};

use super::tracker::NoticeVerdict;
use super::{NOTICE_REFUSAL_CODE, OrderRouter};
use crate::messages::{CloseReason, ExecutionNotice};

/// Notices held for orders the journal cannot place yet; past this the oldest go (the order list has them).
const MAX_HELD_NOTICES: usize = 10_000;

impl OrderRouter {
    pub(super) fn on_notice(&mut self, n: ExecutionNotice) {
        let Some(journal) = &self.journal else { return };
        let verdict = self.tracker.judge(journal.book(), &n);
        let heard = Instant::now();
        match verdict {
            NoticeVerdict::Fill { intent, fill } => {
                self.tracker.heard(intent, heard);
                let FillRecord { qty, price, at, .. } = fill.clone();
                match self.record(intent, Event::Fill(fill)) {
                    Some(Recorded::Written) => {
                        self.report_fill(intent, qty, price, at, false);
                        self.settle(intent);
                    }
                    Some(Recorded::Duplicate) => {
                        debug!(target: "order_router", intent = %intent, "repeated fill notice")
                    }
                    None => {}
                }
            }
            NoticeVerdict::AlreadyCounted { intent } => {
                debug!(target: "order_router", intent = %intent, order_no = %n.order_no, "notice of a fill already counted")
            }
            NoticeVerdict::CancelConfirmed { intent, qty } => {
                self.tracker.heard(intent, heard);
                if self.record(intent, Event::Cancelled { qty }).is_some() {
                    info!(target: "order_router", intent = %intent, %qty, "cancellation confirmed by notice");
                    self.settle(intent);
                }
            }
            NoticeVerdict::Refused { intent } => {
                self.tracker.heard(intent, heard);
                let message = "refused by the broker (execution notice)".to_string();
                self.record(intent, Event::Rejected { msg_cd: NOTICE_REFUSAL_CODE.into(), msg: message.clone() });
                self.record(intent, Event::Done { reason: DoneReason::Closed });
                if let Some(v) = self.view(intent) {
                    let (symbol, side, filled) = (v.record.symbol, v.record.side, v.filled);
                    warn!(target: "order_router", intent = %intent, %symbol, "order refused (notice)");
                    let reason = CloseReason::Rejected { code: NOTICE_REFUSAL_CODE.into(), message };
                    self.close(symbol, side, filled, reason);
                }
            }
            NoticeVerdict::AskBroker { intent, why } => {
                self.tracker.heard(intent, heard);
                debug!(target: "order_router", intent = %intent, order_no = %n.order_no, "notice: {why}; catching up");
                self.catch_up_wanted = true;
            }
            NoticeVerdict::Receipt { intent } => self.tracker.heard(intent, heard),
            NoticeVerdict::Unknown => self.on_unplaced_notice(n),
        }
    }

    /// A notice for an order number the journal does not know. Before it is called "placed outside the
    /// daemon", it is matched against what could be its order: the send in flight on the same symbol (a
    /// notice can beat the ack), or an intent of the same symbol and side whose outcome is unknown. Then it is
    /// held, the broker's list is read at once, and it is judged again once the list has bound the order.
    fn on_unplaced_notice(&mut self, n: ExecutionNotice) {
        let in_flight_here =
            self.lane.sending().and_then(|id| self.view(id)).is_some_and(|v| v.record.symbol == n.symbol);
        let candidates = self.unknown.could_be(n.symbol, n.side);
        if !in_flight_here && candidates.is_empty() {
            info!(
                target: "order_router",
                symbol = %n.symbol,
                order_no = %n.order_no,
                kind = ?n.kind,
                "notice for an order not in the journal (placed outside the daemon?); left for the next reconciliation"
            );
            return;
        }
        if !candidates.is_empty() {
            debug!(
                target: "order_router",
                symbol = %n.symbol,
                order_no = %n.order_no,
                "notice may be the order of an unknown outcome {candidates:?}: reading the order list now"
            );
            self.schedule_evidence(Duration::ZERO);
        }
        if self.held.len() >= MAX_HELD_NOTICES {
            warn!(target: "order_router", "too many notices held for unknown orders; dropping the oldest (the order list has them)");
            self.held.remove(0);
        }
        self.held.push(n);
    }

    /// Notices held for an order the journal could not place yet (see `on_unplaced_notice`), judged again.
    pub(super) fn release_held(&mut self) {
        let held = std::mem::take(&mut self.held);
        for n in held {
            self.on_notice(n);
        }
    }
}

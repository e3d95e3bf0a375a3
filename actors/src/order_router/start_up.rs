//! The router's start: open the journal, read the broker's orders and holdings, reconcile, and only then
//! take orders. What reconciliation cannot settle from one read — an order sent by an earlier run whose
//! answer never reached the journal — stays unknown ([`kis_journal::UnknownOutcomes`]): its symbol takes no
//! new order while the following reads and the notices look for it; every other symbol trades at once.

use std::time::Instant;

use actix::prelude::*;
use kis_journal::{Action, BrokerView, Conflict, JournalError};
use kis_journal::{is_modify_unknown, is_unknown, reconcile};
use kis_model::{ClientOrderId, Price, Qty, Symbol};
use tracing::{error, info, warn};

use super::{LaneEvent, OrderRouter, Read};
use crate::messages::{CloseReason, ExecutionNotice, NotSent, OrderEvent};

impl OrderRouter {
    pub(super) fn start_up(&mut self, ctx: &mut Context<Self>) {
        if self.journal.is_none() {
            match open_journal(&self.config.journal_path) {
                Ok(mut journal) => {
                    let started = journal.sync_handle().and_then(|h| {
                        super::durability::Syncer::start(h).map_err(|source| kis_journal::JournalError::Io {
                            path: self.config.journal_path.clone(),
                            source,
                        })
                    });
                    match started {
                        Ok(syncer) => {
                            journal.set_sync_policy(kis_journal::SyncPolicy::Deferred);
                            self.syncer = Some(syncer);
                        }
                        Err(e) => warn!(target: "order_router", "journal syncs stay on the event loop: {e}"),
                    }
                    self.synced_len = journal.written();
                    self.journal = Some(journal);
                    self.journal_error = None;
                }
                Err(e) => {
                    error!(target: "order_router", "cannot open the order journal: {e}; retrying");
                    self.journal_error = Some(e.to_string());
                    self.lane_to(LaneEvent::StartUpFailed { retry_at: Instant::now() + self.config.poll_interval });
                    return;
                }
            }
        }
        self.read_broker(Read::StartUp, ctx);
    }

    pub(super) fn finish_start_up(&mut self, broker: &BrokerView) {
        let Some(journal) = self.journal.as_mut() else { return };
        // Every KRX intent of an earlier run that may have left without an answer is unknown until the
        // broker's lists say otherwise: this read alone never concludes it did not reach KIS.
        // US ones too when the overseas order history was read.
        let covered = |s: &Symbol| matches!(s, Symbol::Krx(_)) || broker.us_covered;
        for v in journal.book().iter().filter(|v| covered(&v.record.symbol)) {
            if is_unknown(v) {
                self.unknown.track(v);
            } else if is_modify_unknown(v) {
                // A modify of an earlier run without an answer: only the lists can say whether it took effect.
                self.unknown.track_modify(v);
            }
        }
        let now = self.clock.now();
        let read_at = broker.read_at.unwrap_or(now);
        let actions = reconcile(journal.book(), broker, &self.config.match_rules);
        let actions = self.unknown.settle(actions, read_at, &self.config.match_rules, |_| false).actions;
        let (mut adopted, mut never_sent) = (0usize, 0usize);
        let mut fills: Vec<(ClientOrderId, Qty, Price)> = Vec::new();
        let mut forgotten: Vec<ClientOrderId> = Vec::new();
        let mut conflicts: Vec<Conflict> = Vec::new();
        let mut failure: Option<JournalError> = None;
        for action in &actions {
            match action {
                Action::Conflict(c) => conflicts.push(c.clone()),
                Action::SyncHolding(h) => {
                    info!(target: "order_router", symbol = %h.symbol, qty = %h.qty, "broker holding")
                }
                _ if failure.is_some() => {}
                _ => match journal.apply_action(now, action) {
                    Ok(_) => match action {
                        Action::Adopt(order) => {
                            adopted += 1;
                            warn!(
                                target: "order_router",
                                symbol = %order.symbol,
                                order_no = %order.order_id.order_no,
                                "adopted an order placed outside the daemon"
                            );
                        }
                        Action::MarkNeverSent { intent } => {
                            never_sent += 1;
                            forgotten.push(*intent);
                        }
                        Action::ApplyFills { intent, qty, price, .. } => fills.push((*intent, *qty, *price)),
                        _ => {}
                    },
                    Err(e) => failure = Some(e),
                },
            }
        }
        if let Some(e) = failure {
            self.journal_failed("reconciliation at start", &e);
        }
        for c in &conflicts {
            self.report_conflict(c, "reconciliation at start");
        }
        for id in forgotten {
            if let Some(v) = self.view(id) {
                let (symbol, side, filled) = (v.record.symbol, v.record.side, v.filled);
                info!(target: "order_router", intent = %id, %symbol, "never reached the broker: forgotten, not resent");
                self.close(symbol, side, filled, CloseReason::NotSent(NotSent::FoundUnsentAtRestart));
            }
        }
        let cancel_after = self.cancel_after();
        let open = self.open_views();
        for v in &open {
            self.tracker.track_restored(v, cancel_after);
        }
        for (id, qty, price) in fills {
            self.report_fill(id, qty, price, now, true);
        }
        for v in &open {
            self.settle(v.id);
        }
        let mut still_open = 0usize;
        for v in self.open_views() {
            still_open += 1;
            let remaining = v.record.qty.saturating_sub(v.filled);
            self.emit(v.record.symbol, OrderEvent::Working { qty: remaining, side: v.record.side });
        }
        let unknown: Vec<(ClientOrderId, Symbol)> = self.unknown.iter().map(|(id, p)| (id, p.symbol)).collect();
        for (id, symbol) in &unknown {
            warn!(
                target: "order_router",
                intent = %id,
                %symbol,
                "an order sent before the restart has no answer in the journal and is not in the broker's list yet: \
                 outcome unknown, no new order on {symbol} until the broker shows it or it provably never arrived"
            );
            self.notify_unknown(*id, "sent before the restart; no answer journaled".into());
        }
        self.lane_to(LaneEvent::Reconciled);
        self.last_catch_up = Some(Instant::now());
        self.schedule_evidence(self.config.uncertain_settle);
        info!(
            target: "order_router",
            "order_router ready open={still_open} adopted={adopted} never_sent={never_sent} unknown={}",
            unknown.len()
        );
        let early: Vec<ExecutionNotice> = self.early.drain(..).collect();
        for n in early {
            self.on_notice(n);
        }
    }
}

/// Opens (creating its directory when missing) the journal the router owns.
fn open_journal(path: &std::path::Path) -> Result<kis_journal::Journal, kis_journal::JournalError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| kis_journal::JournalError::CreateDir { dir: dir.to_path_buf(), source })?;
    }
    let (journal, report) = kis_journal::Journal::open(path)?;
    info!(
        target: "order_router",
        journal = %path.display(),
        entries = report.entries,
        created = report.created,
        torn = report.torn.is_some(),
        "order journal open"
    );
    Ok(journal)
}

//! What the OrderRouter reports about the daemon's orders, handed to the desk: a fill moves the account, an
//! order that never reached KIS gives its rate slot back, an exit whose order sold nothing is tried again
//! after a pause, a fill of an earlier run makes the account be read again.

use actix::prelude::*;
use kis_desk::OrderEnd;

use super::{RiskManager, SyncMode};
use crate::messages::{CloseReason, OrderEvent, OrderUpdate};
use crate::notifier::NotifyEvent;

impl Handler<OrderUpdate> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: OrderUpdate, ctx: &mut Self::Context) {
        self.touch();
        let symbol = msg.symbol;
        let now = self.clock.now();
        let mut out = std::mem::take(&mut self.out);
        match msg.event {
            OrderEvent::Working { qty, side } => self.desk.on_working(symbol, side, qty, now),
            OrderEvent::FilledBeforeStart(fill) => {
                self.desk.on_fill_before_start(&fill);
                tracing::info!(target: "risk", %symbol, side = %fill.side, qty = %fill.qty, "fill of an earlier run: re-reading the balance");
                if self.desk.ready() {
                    self.sync(ctx, SyncMode::Forced);
                }
            }
            OrderEvent::Filled(fill) => self.desk.on_fill(&fill, &mut out),
            OrderEvent::Closed { side, filled, reason } => {
                let end = match &reason {
                    CloseReason::Filled => OrderEnd::Filled,
                    CloseReason::Cancelled => OrderEnd::Cancelled,
                    CloseReason::Rejected { .. } => OrderEnd::Rejected,
                    CloseReason::NotSent(_) => OrderEnd::NotSent,
                    CloseReason::Uncertain => OrderEnd::Uncertain,
                };
                match &reason {
                    CloseReason::Rejected { code, message } => self.notifier.notify(NotifyEvent::Error {
                        context: format!("{side} order for {symbol} rejected"),
                        message: format!("{code} {message}"),
                    }),
                    CloseReason::NotSent(why) => tracing::warn!(target: "risk", %symbol, %why, "order not sent"),
                    _ => {}
                }
                self.desk.on_order_ended(symbol, side, filled, end, now, &mut out);
            }
        }
        self.route(&mut out);
        self.out = out;
        self.save_exit_states();
    }
}

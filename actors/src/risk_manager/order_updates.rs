//! What the OrderRouter reports about the daemon's orders, applied to the book, the rate slots and the
//! exit intents: a fill moves the position (and its saved exit state), an order that never reached KIS gives
//! its rate slot back, an exit whose order sold nothing is tried again after a pause.

use actix::prelude::*;
use kis_model::Price;

use super::{RiskManager, SyncMode, trade_date};
use crate::messages::{CloseReason, OrderEvent, OrderUpdate};
use crate::notifier::NotifyEvent;
use crate::signal_actor::StrategyFill;

impl Handler<OrderUpdate> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: OrderUpdate, ctx: &mut Self::Context) {
        self.touch();
        let symbol = msg.symbol;
        match msg.event {
            OrderEvent::Working { qty, side } => {
                // It reached KIS: its rate slot stays.
                self.engine.order_sent(symbol);
                if self.book.working(symbol).is_none() {
                    let limit = self.book.last_price(symbol);
                    self.book.order_working(symbol, side, qty, limit);
                }
            }
            OrderEvent::FilledBeforeStart(fill) => {
                self.book.order_fill(&fill);
                tracing::info!(target: "risk", %symbol, side = %fill.side, qty = %fill.qty, "fill of an earlier run: re-reading the balance");
                if self.ready {
                    self.sync(ctx, SyncMode::Forced);
                }
            }
            OrderEvent::Filled(fill) => {
                self.engine.order_sent(symbol);
                let date = trade_date(self.config.market, fill.ts);
                match self.book.fill(&fill, date) {
                    Ok(realised) => {
                        tracing::info!(
                            target: "risk",
                            %symbol,
                            side = %fill.side,
                            qty = %fill.qty,
                            price = %fill.price,
                            pnl = ?realised.map(|r| r.pnl),
                            "fill booked"
                        );
                        if self.book.position(symbol).is_some() {
                            self.ensure_subscribed(symbol);
                        } else {
                            self.monitors.remove(&symbol);
                            self.exit_intents.clear(symbol);
                            self.drop_subscription(symbol);
                        }
                        self.save_exit_states();
                    }
                    Err(e) => {
                        tracing::error!(target: "risk", %symbol, error = %e, "fill does not fit the book; resyncing");
                        self.notifier.notify(NotifyEvent::Error {
                            context: format!("fill of {symbol}"),
                            message: e.to_string(),
                        });
                    }
                }
                if let Some((_, fills)) = self.signal_actors.get(&symbol) {
                    fills.do_send(StrategyFill(fill));
                }
            }
            OrderEvent::Closed { side, filled, reason } => {
                let fills_avg = self.book.order_closed(symbol);
                let now = self.clock.now();
                if filled.is_zero() && !matches!(reason, CloseReason::Filled) {
                    // An exit whose order did not sell anything is tried again after a pause.
                    self.exit_intents.failed(symbol, now);
                }
                match &reason {
                    CloseReason::Filled => {
                        // The fills' own prices; the book's average is the position's, not the order's.
                        let fallback = self.book.position(symbol).map(|p| p.avg_price).or(self.book.last_price(symbol));
                        self.notifier.notify(NotifyEvent::FullyFilled {
                            symbol,
                            side,
                            qty: filled,
                            avg_price: fills_avg.or(fallback).unwrap_or(Price::ZERO),
                            order_no: None,
                        });
                    }
                    CloseReason::Rejected { code, message } => {
                        self.engine.order_sent(symbol);
                        self.notifier.notify(NotifyEvent::Error {
                            context: format!("{side} order for {symbol} rejected"),
                            message: format!("{code} {message}"),
                        });
                    }
                    CloseReason::NotSent(why) => {
                        let released = self.engine.order_not_sent(symbol);
                        tracing::warn!(target: "risk", %symbol, %why, rate_slot_released = released, "order not sent");
                        self.note_state();
                    }
                    CloseReason::Cancelled | CloseReason::Uncertain => self.engine.order_sent(symbol),
                }
            }
        }
        // Cash moved: every strategy's available cash changed.
        self.push_all_views();
    }
}

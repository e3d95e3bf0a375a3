//! Where each of the desk's outputs goes: orders to the router, refusals and exits to the log, fills and
//! state changes to the notifier, held symbols to the feed, snapshots to the SignalActors. Nothing here
//! computes an account figure; it only carries the desk's.

use kis_desk::{OrderEnd, Output, Refusal};
use kis_model::{Money, Price};
use kis_strategy::risk::HaltCause;

use super::{RiskManager, notify};
use crate::messages::{ApprovedOrder, CancelForExit, Reprice};
use crate::notifier::{Holding, NotifyEvent};
use crate::signal_actor::StrategyFill;

impl RiskManager {
    /// Routes and empties `out`.
    pub(super) fn route(&mut self, out: &mut Vec<Output>) {
        let now = self.clock.now();
        for output in out.drain(..) {
            match output {
                Output::Order { intent, snapshot, currency } => {
                    self.notifier.notify(notify::approval_event(&intent, &snapshot, currency));
                    self.orders.orders.do_send(ApprovedOrder { intent, decided_at: now });
                }
                Output::Refused { symbol, reason, first } => log_refusal(symbol, &reason, first),
                Output::CancelForExit { symbol, reason, price } => {
                    tracing::warn!(target: "risk", %symbol, reason = %reason, price = %price, "protective exit due while another order is open: cancelling it first");
                    self.orders.exit_cancels.do_send(CancelForExit { symbol, reason });
                }
                Output::Reprice { symbol, side, limit, price } => {
                    tracing::warn!(target: "risk", %symbol, %price, %limit, "protective sell no longer reaches the market: re-pricing it");
                    self.orders.reprices.do_send(Reprice { symbol, side, limit });
                }
                Output::ExitFired { symbol, reason, price, avg_price, retry } => {
                    let avg = avg_price.value().round_dp(2);
                    if retry {
                        tracing::info!(target: "risk", %symbol, reason = %reason, price = %price, %avg, "exit retried: what held it back has cleared");
                    } else {
                        tracing::info!(target: "risk", %symbol, reason = %reason, price = %price, %avg, "exit rule fired");
                    }
                }
                Output::Restriction { market, cause, to, now: state, lifted: false } => {
                    tracing::warn!(target: "risk", ?market, cause = cause.label(), restriction = ?to, now = ?state, "trading restricted");
                    let exits = if cause == HaltCause::Shutdown { "" } else { "; protective exits still go out" };
                    self.notifier.notify(NotifyEvent::Halt {
                        reason: format!("{cause} ({market:?}): trading is now {state:?}{exits}"),
                    });
                }
                Output::Restriction { market, cause, now: state, lifted: true, .. } => {
                    tracing::warn!(target: "risk", ?market, cause = cause.label(), now = ?state, "trading restriction lifted");
                    self.notifier.notify(NotifyEvent::Resumed {
                        reason: format!("{cause} lifted ({market:?}): trading is now {state:?}"),
                    });
                }
                Output::Booked { fill, realised } => {
                    tracing::info!(
                        target: "risk",
                        symbol = %fill.symbol,
                        side = %fill.side,
                        qty = %fill.qty,
                        price = %fill.price,
                        pnl = ?realised.map(|r| r.pnl),
                        "fill booked"
                    );
                    if let Some((_, fills)) = self.signal_actors.get(&fill.symbol) {
                        fills.do_send(StrategyFill(fill));
                    }
                }
                Output::FillRefused { fill, error } => {
                    tracing::error!(target: "risk", symbol = %fill.symbol, error = %error, "fill does not fit the book; resyncing");
                    self.notifier.notify(NotifyEvent::Error {
                        context: format!("fill of {}", fill.symbol),
                        message: error.to_string(),
                    });
                    if let Some((_, fills)) = self.signal_actors.get(&fill.symbol) {
                        fills.do_send(StrategyFill(fill));
                    }
                }
                Output::OrderEnded { symbol, side, filled, end, avg_price } => match end {
                    OrderEnd::Filled => {
                        // The fills' own prices; the position's average is not the order's.
                        let ledger = self.desk.ledger();
                        let fallback = ledger.position(symbol).map(|p| p.avg_price).or(ledger.last_price(symbol));
                        self.notifier.notify(NotifyEvent::FullyFilled {
                            symbol,
                            side,
                            qty: filled,
                            avg_price: avg_price.or(fallback).unwrap_or(Price::ZERO),
                            order_no: None,
                        });
                    }
                    OrderEnd::NotSent => {
                        tracing::warn!(target: "risk", %symbol, "order not sent: its rate slot is given back");
                    }
                    OrderEnd::Rejected | OrderEnd::Cancelled | OrderEnd::Uncertain => {}
                },
                Output::Ready { market, cash, equity, positions } => {
                    let currency = market.currency();
                    tracing::info!(target: "risk", ?market, %cash, positions, %equity, "risk manager ready");
                    let holdings = self
                        .desk
                        .ledger()
                        .positions()
                        .filter(|p| p.symbol.market() == market)
                        .map(|p| Holding { symbol: p.symbol, qty: p.qty, avg_price: p.avg_price, unrealized_pnl: None })
                        .collect();
                    self.notifier.notify(NotifyEvent::Started {
                        environment: self.config.environment,
                        holdings,
                        cash: Money::new(cash, currency),
                    });
                }
                Output::Adopted(a) => {
                    let Some(position) = self.desk.ledger().position(a.symbol) else { continue };
                    match a.restored {
                        Ok(armed) => tracing::info!(
                            target: "risk",
                            symbol = %a.symbol,
                            qty = %position.qty,
                            opened_at = %position.opened_at,
                            high_water = %position.high_water,
                            trailing_armed = armed,
                            "exit state restored from the last run"
                        ),
                        Err(why) => {
                            tracing::info!(target: "risk", symbol = %a.symbol, qty = %position.qty, "exit state starts fresh: {why}")
                        }
                    }
                }
                Output::Watch(symbol) => self.ensure_subscribed(symbol),
                Output::Unwatch(symbol) => self.drop_subscription(symbol),
                Output::SnapshotsChanged(currency) => self.push_views(currency),
                Output::NewDay { market, date } => tracing::info!(target: "risk", ?market, %date, "new trading day"),
            }
        }
    }
}

/// Refusals repeat on every tick of a busy symbol: the first of each kind at info, the rest at debug.
fn log_refusal(symbol: kis_model::Symbol, reason: &Refusal, first: bool) {
    let label = reason.label();
    match (reason, first) {
        (Refusal::MarketNotTraded(market), true) => tracing::warn!(
            target: "risk",
            %symbol,
            ?market,
            "signal for a market this risk manager does not trade: refused"
        ),
        (_, true) => tracing::info!(target: "risk", %symbol, reason = %reason, "signal refused (first {label})"),
        (_, false) => tracing::debug!(target: "risk", %symbol, reason = %reason, "signal refused"),
    }
}

//! The RiskManager's exits: the rules checked on every tick (and once a second, so a holding-time exit is
//! not late on a quiet symbol), one intent per exit ([`ExitIntents`]), and the exit state of every held
//! position saved for the next run ([`ExitStore`]).

use chrono::{DateTime, Utc};
use kis_model::{Market, Price, Side, Symbol};
use kis_strategy::risk::{ExitCall, ExitGate, ExitMonitor, ExitState, ExitStateFile, HaltCause, TradingState};
use kis_strategy::{Signal, SignalKind, SignalQty, StrategyId};

use super::book::Adopted;
use super::{EXIT_STRATEGY, RiskManager, Verdict};

impl RiskManager {
    pub(super) fn check_exits(&mut self, symbol: Symbol, price: Price, at: DateTime<Utc>) {
        let Some(position) = self.book.position(symbol) else { return };
        if self.book.working(symbol).is_some() {
            return;
        }
        let monitor = match self.monitors.entry(symbol) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => match ExitMonitor::new(self.config.exits) {
                Ok(m) => e.insert(m),
                Err(_) => return,
            },
        };
        let state = self.engine.refresh(at);
        let Some(reason) = monitor.check_in(&position, price, at, state == TradingState::Halted) else { return };
        let gate = ExitGate {
            state,
            rate_room: self.engine.rate_room(at),
            stopping: self.engine.causes().any(|(c, _)| c == HaltCause::Shutdown),
            now: at,
        };
        let avg = position.avg_price.value().round_dp(2);
        match self.exit_intents.fired(&position, reason, gate) {
            ExitCall::Hold => return,
            ExitCall::Fire => {
                *self.exits.entry(reason.label()).or_insert(0) += 1;
                tracing::info!(target: "risk", %symbol, reason = %reason, price = %price, %avg, "exit rule fired");
            }
            ExitCall::Retry => {
                tracing::info!(target: "risk", %symbol, reason = %reason, price = %price, %avg, "exit retried: what held it back has cleared");
            }
        }
        let limit = match symbol.market() {
            // KIS takes no US market orders: sell at the last price.
            Market::Us => Some(price),
            Market::Krx => None,
        };
        let verdict = self.judge(Signal {
            symbol,
            side: Side::Sell,
            kind: SignalKind::Exit(reason),
            quantity: SignalQty::All,
            limit,
            stop: None,
            strategy_id: StrategyId::new(EXIT_STRATEGY),
            reason: format!("{reason} at {price} (average {avg})"),
        });
        match verdict {
            Verdict::Approved => self.exit_intents.sent(symbol),
            Verdict::Refused(why) => self.exit_intents.refused(symbol, why),
            Verdict::Skipped => self.exit_intents.clear(symbol),
        }
    }

    /// Every held position at its last price and the venue's time: holding-time exits and retries of
    /// blocked exits do not wait for the symbol's next trade.
    pub(super) fn check_all_exits(&mut self, now: DateTime<Utc>) {
        let due: Vec<(Symbol, Price)> =
            self.book.positions().filter_map(|p| self.book.last_price(p.symbol).map(|l| (p.symbol, l))).collect();
        for (symbol, price) in due {
            self.check_exits(symbol, price, now);
        }
    }

    /// The exit state of every held position as it would be saved.
    pub(super) fn exit_states(&self) -> Vec<ExitState> {
        self.book
            .positions()
            .map(|p| {
                let monitor = self.monitors.get(&p.symbol).filter(|m| m.tracks(p));
                let high_water =
                    monitor.and_then(ExitMonitor::high_water).map_or(p.high_water, |h| h.max(p.high_water));
                let position = kis_strategy::Position { high_water, ..*p };
                ExitState::of(&position, monitor.is_some_and(ExitMonitor::trailing_armed))
            })
            .collect()
    }

    /// Hands the current exit states to the writer when they changed. Never before the first sync: an empty
    /// book then would overwrite the states the sync is about to restore.
    pub(super) fn save_exit_states(&mut self) {
        if !self.ready {
            return;
        }
        let Some(store) = &self.exit_store else { return };
        let states = self.exit_states();
        if self.saved_states.as_ref() == Some(&states) {
            return;
        }
        store.save(ExitStateFile::new(self.clock.now(), states.clone()));
        self.saved_states = Some(states);
    }

    /// Logs what happened to each holding the book took on from the broker, and carries an armed trailing
    /// stop over into the position's monitor.
    pub(super) fn adopted(&mut self, adopted: &[Adopted]) {
        for a in adopted {
            let Some(position) = self.book.position(a.symbol) else { continue };
            self.exit_intents.clear(a.symbol);
            match a.restored {
                Ok(armed) => {
                    tracing::info!(
                        target: "risk",
                        symbol = %a.symbol,
                        qty = %position.qty,
                        opened_at = %position.opened_at,
                        high_water = %position.high_water,
                        trailing_armed = armed,
                        "exit state restored from the last run"
                    );
                    match ExitMonitor::resume(self.config.exits, &position, armed) {
                        Ok(m) => self.monitors.insert(a.symbol, m),
                        Err(_) => self.monitors.remove(&a.symbol),
                    };
                }
                Err(why) => {
                    tracing::info!(target: "risk", symbol = %a.symbol, qty = %position.qty, "exit state starts fresh: {why}");
                    self.monitors.remove(&a.symbol);
                }
            }
        }
    }
}

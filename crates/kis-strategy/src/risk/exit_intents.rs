//! One intent per exit. An exit rule keeps firing on every tick while its condition holds; without this
//! record each tick would be another attempt, another refusal, another slot of the order rate. Here an exit
//! that fired is remembered for the position it was for: while its order is out nothing is re-fired; when it
//! was refused it is retried only once what refused it has cleared; when the router could not send it, it is
//! retried after a growing pause (the router's reasons are outside the risk rules' view).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use kis_model::{Price, Qty, Symbol};

use crate::position::Position;
use crate::risk::decision::RefuseReason;
use crate::risk::limits::TradingState;
use crate::signal::ExitReason;

/// First pause before an exit the router did not send (or KIS refused, or that was cancelled unfilled) is
/// tried again; doubled on each further failure up to [`RETRY_MAX`].
pub const RETRY_FIRST: Duration = Duration::seconds(1);
pub const RETRY_MAX: Duration = Duration::seconds(30);

/// What the account looks like to a blocked exit now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitGate {
    pub state: TradingState,
    /// Whether the trailing minute has room for one more order.
    pub rate_room: bool,
    /// The daemon is shutting down: nothing goes out.
    pub stopping: bool,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitProgress {
    /// Handed to the router; waiting for its outcome.
    Sent,
    /// The risk rules refused it.
    Refused(RefuseReason),
    /// The router did not get it filled (not sent, refused by KIS, cancelled unfilled): try again from `at`.
    RetryAt(DateTime<Utc>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitIntent {
    /// The reason it first fired for.
    pub reason: ExitReason,
    pub fired_at: DateTime<Utc>,
    pub progress: ExitProgress,
    /// Orders for it that closed without reducing the position.
    pub failures: u32,
    /// The position it is for: a fill that changes it makes any later exit a new intent.
    qty: Qty,
    avg_price: Price,
    opened_at: DateTime<Utc>,
}

impl ExitIntent {
    fn is_for(&self, p: &Position) -> bool {
        (self.qty, self.avg_price, self.opened_at) == (p.qty, p.avg_price, p.opened_at)
    }
}

/// What to do with an exit rule that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCall {
    /// A new exit: judge it (and count it).
    Fire,
    /// A known exit whose blocker cleared: judge it again.
    Retry,
    /// A known exit still out or still blocked.
    Hold,
}

/// The exits decided and not yet done, one per symbol.
#[derive(Debug, Clone, Default)]
pub struct ExitIntents {
    by_symbol: HashMap<Symbol, ExitIntent>,
}

impl ExitIntents {
    pub fn new() -> ExitIntents {
        ExitIntents::default()
    }

    pub fn get(&self, symbol: Symbol) -> Option<&ExitIntent> {
        self.by_symbol.get(&symbol)
    }

    pub fn len(&self) -> usize {
        self.by_symbol.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_symbol.is_empty()
    }

    /// `reason` fired for `position` under `gate`: whether to judge it now. Records a new intent.
    pub fn fired(&mut self, position: &Position, reason: ExitReason, gate: ExitGate) -> ExitCall {
        match self.by_symbol.get(&position.symbol) {
            Some(known) if known.is_for(position) => {
                if cleared(known.progress, reason, gate) {
                    ExitCall::Retry
                } else {
                    ExitCall::Hold
                }
            }
            _ => {
                self.by_symbol.insert(
                    position.symbol,
                    ExitIntent {
                        reason,
                        fired_at: gate.now,
                        progress: ExitProgress::Sent,
                        failures: 0,
                        qty: position.qty,
                        avg_price: position.avg_price,
                        opened_at: position.opened_at,
                    },
                );
                ExitCall::Fire
            }
        }
    }

    /// The judged exit was approved and handed to the router.
    pub fn sent(&mut self, symbol: Symbol) {
        if let Some(intent) = self.by_symbol.get_mut(&symbol) {
            intent.progress = ExitProgress::Sent;
        }
    }

    /// The judged exit was refused by the risk rules.
    pub fn refused(&mut self, symbol: Symbol, reason: RefuseReason) {
        if let Some(intent) = self.by_symbol.get_mut(&symbol) {
            intent.progress = ExitProgress::Refused(reason);
        }
    }

    /// The exit's order closed without reducing the position: retry after a pause that doubles with each
    /// failure. Nothing happens for a symbol whose exit is not out (the order was someone else's).
    pub fn failed(&mut self, symbol: Symbol, now: DateTime<Utc>) {
        let Some(intent) = self.by_symbol.get_mut(&symbol) else { return };
        if intent.progress != ExitProgress::Sent {
            return;
        }
        intent.failures += 1;
        intent.progress = ExitProgress::RetryAt(now + retry_pause(intent.failures));
    }

    /// The position closed or changed: whatever exit comes next is a new intent.
    pub fn clear(&mut self, symbol: Symbol) {
        self.by_symbol.remove(&symbol);
    }
}

fn retry_pause(failures: u32) -> Duration {
    let factor = 1i32 << failures.saturating_sub(1).min(16);
    (RETRY_FIRST * factor).min(RETRY_MAX)
}

/// Whether what held the exit back is gone. A refusal that says the position cannot be sold as it is (no
/// price, zero size...) clears only with a new position, i.e. a new intent.
fn cleared(progress: ExitProgress, reason: ExitReason, gate: ExitGate) -> bool {
    if gate.stopping {
        return false;
    }
    let protective = reason.is_protective();
    match progress {
        ExitProgress::Sent => false,
        ExitProgress::RetryAt(at) => gate.now >= at,
        ExitProgress::Refused(RefuseReason::Halted) => protective || gate.state != TradingState::Halted,
        ExitProgress::Refused(RefuseReason::RateLimited { .. }) => protective || gate.rate_room,
        ExitProgress::Refused(RefuseReason::ReduceOnly) => gate.state == TradingState::Active,
        ExitProgress::Refused(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_582_400 + s, 0).unwrap()
    }

    fn position(qty: u64) -> Position {
        Position {
            symbol: "005930".parse().unwrap(),
            qty: Qty::new(qty),
            avg_price: Price::from_won(70_000),
            opened_at: t(0),
            high_water: Price::from_won(70_000),
        }
    }

    fn gate(state: TradingState, rate_room: bool, now: i64) -> ExitGate {
        ExitGate { state, rate_room, stopping: false, now: t(now) }
    }

    #[test]
    fn an_exit_out_is_not_fired_again_and_a_new_position_is_a_new_intent() {
        let mut x = ExitIntents::new();
        let p = position(10);
        let active = gate(TradingState::Active, true, 1);
        assert_eq!(x.fired(&p, ExitReason::MaxHoldingTime, active), ExitCall::Fire);
        x.sent(p.symbol);
        for i in 2..50 {
            assert_eq!(x.fired(&p, ExitReason::MaxHoldingTime, gate(TradingState::Active, true, i)), ExitCall::Hold);
        }
        // A partial fill changed the position: the rest is a new exit.
        assert_eq!(x.fired(&position(4), ExitReason::MaxHoldingTime, active), ExitCall::Fire);
        x.clear(p.symbol);
        assert!(x.is_empty());
    }

    #[test]
    fn a_refused_exit_is_retried_once_its_blocker_clears() {
        let mut x = ExitIntents::new();
        let p = position(10);
        let limited = gate(TradingState::ReduceOnly, false, 1);
        assert_eq!(x.fired(&p, ExitReason::TakeProfit, limited), ExitCall::Fire);
        x.refused(p.symbol, RefuseReason::RateLimited { max_per_minute: 1 });
        assert_eq!(x.fired(&p, ExitReason::TakeProfit, limited), ExitCall::Hold);
        // The price fell through the stop meanwhile: a protective exit passes the rate limit.
        assert_eq!(x.fired(&p, ExitReason::StopLoss, limited), ExitCall::Retry);
        assert_eq!(x.fired(&p, ExitReason::TakeProfit, gate(TradingState::Active, true, 61)), ExitCall::Retry);

        x.refused(p.symbol, RefuseReason::Halted);
        assert_eq!(x.fired(&p, ExitReason::TakeProfit, gate(TradingState::Halted, true, 62)), ExitCall::Hold);
        assert_eq!(x.fired(&p, ExitReason::TakeProfit, gate(TradingState::ReduceOnly, true, 63)), ExitCall::Retry);
        let stopping = ExitGate { stopping: true, ..gate(TradingState::Halted, true, 64) };
        assert_eq!(x.fired(&p, ExitReason::StopLoss, stopping), ExitCall::Hold, "nothing goes out at shutdown");

        x.refused(p.symbol, RefuseReason::NoPrice);
        assert_eq!(x.fired(&p, ExitReason::TakeProfit, gate(TradingState::Active, true, 65)), ExitCall::Hold);
    }

    #[test]
    fn an_exit_the_router_did_not_send_is_retried_after_a_growing_pause() {
        let mut x = ExitIntents::new();
        let p = position(10);
        assert_eq!(x.fired(&p, ExitReason::StopLoss, gate(TradingState::Active, true, 0)), ExitCall::Fire);
        x.sent(p.symbol);
        x.failed(p.symbol, t(0));
        assert_eq!(x.fired(&p, ExitReason::StopLoss, gate(TradingState::Active, true, 0)), ExitCall::Hold);
        assert_eq!(x.fired(&p, ExitReason::StopLoss, gate(TradingState::Active, true, 1)), ExitCall::Retry);
        x.sent(p.symbol);
        x.failed(p.symbol, t(1));
        assert_eq!(x.get(p.symbol).unwrap().progress, ExitProgress::RetryAt(t(3)));
        x.failed(p.symbol, t(1));
        assert_eq!(x.get(p.symbol).unwrap().failures, 2, "a failure of an order not out is ignored");
        for _ in 0..10 {
            x.sent(p.symbol);
            x.failed(p.symbol, t(100));
        }
        assert_eq!(x.get(p.symbol).unwrap().progress, ExitProgress::RetryAt(t(100) + RETRY_MAX));
    }
}

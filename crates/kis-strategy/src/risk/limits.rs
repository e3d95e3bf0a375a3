//! Account-wide circuit breakers: the daily loss limit, the order-rate limit, and the halts a person or the
//! daemon imposes, each with a typed [`HaltCause`]. The account's state is the most severe of its causes.
//!
//! What each state lets through (see [`RiskEngine`](super::RiskEngine)):
//! - `Active`: everything.
//! - `ReduceOnly`: exits only; entries are refused.
//! - `Halted`: protective exits only ([`ExitReason::is_protective`](crate::ExitReason::is_protective):
//!   stop-loss, trailing stop, max holding time, scheduled time exits). A halt stops the daemon from taking
//!   new risk; it must never stop it from cutting risk it already holds.
//!
//! The one exception is [`HaltCause::Shutdown`]: the daemon is stopping and nothing would watch an order
//! sent now, so nothing at all is sent; the next start restores each position's exit state and exits resume.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use kis_model::Symbol;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::risk::decision::RefuseReason;

/// Ordered by severity: the account's state is the most severe of its causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TradingState {
    Active,
    /// Exits only.
    ReduceOnly,
    /// Protective exits only.
    Halted,
}

/// Why trading is restricted. Each cause is imposed and lifted on its own; the state is the worst of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HaltCause {
    /// The day's loss reached `daily_loss.max_loss_pct`. Lifted by the next trading day's
    /// [`start_day`](TradingGuard::start_day) or by a person ([`resume`](TradingGuard::resume)); a recovery of
    /// the equity does not lift it.
    DailyLoss,
    /// More orders than `order_rate.max_per_minute` were wanted in the trailing minute. Lifts itself as soon
    /// as the trailing minute has room again ([`refresh`](TradingGuard::refresh)).
    OrderRate,
    /// The operator's kill switch. Stays until [`resume`](TradingGuard::resume).
    Operator,
    /// The supervisor gave up restarting an actor. Stays until a person looks (resume or restart).
    Escalation,
    /// The daemon is stopping: nothing is sent, protective exits included.
    Shutdown,
}

impl HaltCause {
    /// A short machine name (the serde name), for log fields and status lines.
    pub fn label(self) -> &'static str {
        match self {
            HaltCause::DailyLoss => "daily_loss",
            HaltCause::OrderRate => "order_rate",
            HaltCause::Operator => "operator",
            HaltCause::Escalation => "escalation",
            HaltCause::Shutdown => "shutdown",
        }
    }
}

impl fmt::Display for HaltCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HaltCause::DailyLoss => "daily loss limit",
            HaltCause::OrderRate => "order rate limit",
            HaltCause::Operator => "operator halt",
            HaltCause::Escalation => "supervisor escalation",
            HaltCause::Shutdown => "shutdown",
        })
    }
}

/// What a breached limit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitAction {
    ReduceOnly,
    Halt,
}

impl LimitAction {
    fn state(self) -> TradingState {
        match self {
            LimitAction::ReduceOnly => TradingState::ReduceOnly,
            LimitAction::Halt => TradingState::Halted,
        }
    }
}

/// Loss since the start of the day (equity, so open positions count at market) as a percentage of the
/// day's starting equity. Default 3 %, reduce-only: exits stay possible so the loss can still be cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DailyLossLimit {
    pub max_loss_pct: Decimal,
    pub action: LimitAction,
}

impl Default for DailyLossLimit {
    fn default() -> Self {
        DailyLossLimit { max_loss_pct: Decimal::from(3), action: LimitAction::ReduceOnly }
    }
}

/// Orders sent to KIS in any trailing 60 seconds. Default 30, reduce-only: a burst of orders is more likely
/// a runaway loop than a plan, and KIS throttles accounts that send too fast, but exits must still go out.
/// An approved order takes a slot at once and gives it back when the router reports it never sent it
/// ([`TradingGuard::order_not_sent`]), so refusals and unsent attempts do not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderRateLimit {
    pub max_per_minute: u32,
    pub action: LimitAction,
}

impl Default for OrderRateLimit {
    fn default() -> Self {
        OrderRateLimit { max_per_minute: 30, action: LimitAction::ReduceOnly }
    }
}

/// The breakers' state: one entry per active [`HaltCause`].
#[derive(Debug, Clone)]
pub struct TradingGuard {
    daily: DailyLossLimit,
    rate: OrderRateLimit,
    day_start_equity: Option<Decimal>,
    causes: BTreeMap<HaltCause, TradingState>,
    /// Times of the orders counted in the trailing minute.
    recent: VecDeque<DateTime<Utc>>,
    /// The slot of each symbol's approved order whose outcome the router has not reported yet. One per symbol:
    /// the risk rules never approve a second order for a symbol with one working.
    outstanding: HashMap<Symbol, DateTime<Utc>>,
}

impl TradingGuard {
    pub fn new(daily: DailyLossLimit, rate: OrderRateLimit) -> Result<TradingGuard, ConfigError> {
        if daily.max_loss_pct <= Decimal::ZERO || daily.max_loss_pct > Decimal::ONE_HUNDRED {
            return Err(ConfigError::new(
                "daily_loss.max_loss_pct",
                format!("must be in (0, 100] percent, got {}", daily.max_loss_pct),
            ));
        }
        if rate.max_per_minute == 0 {
            return Err(ConfigError::new("order_rate.max_per_minute", "must be at least 1"));
        }
        Ok(TradingGuard {
            daily,
            rate,
            day_start_equity: None,
            causes: BTreeMap::new(),
            recent: VecDeque::with_capacity(rate.max_per_minute as usize),
            outstanding: HashMap::new(),
        })
    }

    pub fn state(&self) -> TradingState {
        self.causes.values().copied().max().unwrap_or(TradingState::Active)
    }

    /// The active causes and the state each imposes, in a fixed order.
    pub fn causes(&self) -> impl Iterator<Item = (HaltCause, TradingState)> + '_ {
        self.causes.iter().map(|(c, s)| (*c, *s))
    }

    pub fn has_cause(&self, cause: HaltCause) -> bool {
        self.causes.contains_key(&cause)
    }

    /// Restricts trading for `cause` (the more severe state wins if the cause is already active).
    pub fn impose(&mut self, cause: HaltCause, state: TradingState) {
        if state == TradingState::Active {
            return;
        }
        let entry = self.causes.entry(cause).or_insert(state);
        *entry = (*entry).max(state);
    }

    pub fn lift(&mut self, cause: HaltCause) {
        self.causes.remove(&cause);
    }

    /// Starts a trading day at `equity`: the daily loss is measured from here, and a previous day's loss
    /// breach is lifted.
    pub fn start_day(&mut self, equity: Decimal) {
        self.day_start_equity = Some(equity);
        self.lift(HaltCause::DailyLoss);
    }

    /// Records the current equity and trips the daily loss limit when the loss reaches it.
    pub fn mark_equity(&mut self, equity: Decimal) -> TradingState {
        if let Some(start) = self.day_start_equity.filter(|s| *s > Decimal::ZERO) {
            let loss = start - equity;
            if loss >= start.saturating_mul(self.daily.max_loss_pct) / Decimal::ONE_HUNDRED {
                self.impose(HaltCause::DailyLoss, self.daily.action.state());
            }
        }
        self.state()
    }

    fn prune(&mut self, now: DateTime<Utc>) {
        let horizon = now - Duration::seconds(60);
        while self.recent.front().is_some_and(|t| *t <= horizon) {
            self.recent.pop_front();
        }
    }

    /// Lets orders older than a minute stop counting and lifts a rate breach once the trailing minute has
    /// room for another order. Returns the state after it.
    pub fn refresh(&mut self, now: DateTime<Utc>) -> TradingState {
        self.prune(now);
        if self.has_cause(HaltCause::OrderRate) && self.rate_room(now) {
            self.lift(HaltCause::OrderRate);
        }
        self.state()
    }

    /// Whether one more order fits in the trailing minute at `now`.
    pub fn rate_room(&self, now: DateTime<Utc>) -> bool {
        let horizon = now - Duration::seconds(60);
        self.recent.iter().filter(|t| **t > horizon).count() < self.rate.max_per_minute as usize
    }

    /// Takes a rate slot for an order of `symbol` about to be sent at `now`. A full trailing minute refuses it
    /// and trips the breaker, except for a `protective` exit: it always goes out, and still counts.
    pub fn admit_order(&mut self, symbol: Symbol, now: DateTime<Utc>, protective: bool) -> Result<(), RefuseReason> {
        self.refresh(now);
        if !protective && !self.rate_room(now) {
            self.impose(HaltCause::OrderRate, self.rate.action.state());
            return Err(RefuseReason::RateLimited { max_per_minute: self.rate.max_per_minute });
        }
        self.recent.push_back(now);
        self.outstanding.insert(symbol, now);
        Ok(())
    }

    /// The router reached KIS with the symbol's order (accepted, refused by KIS, or unknown): its slot stays.
    pub fn order_sent(&mut self, symbol: Symbol) {
        self.outstanding.remove(&symbol);
    }

    /// The router never sent the symbol's order: its slot is given back. Returns whether there was one (a
    /// "not sent" for an order of an earlier run has none).
    pub fn order_not_sent(&mut self, symbol: Symbol) -> bool {
        let Some(at) = self.outstanding.remove(&symbol) else { return false };
        if let Some(i) = self.recent.iter().rposition(|t| *t == at) {
            self.recent.remove(i);
        }
        true
    }

    /// The operator's kill switch.
    pub fn halt(&mut self) {
        self.impose(HaltCause::Operator, TradingState::Halted);
    }

    /// Lifts every cause (an operator decision).
    pub fn resume(&mut self) {
        self.causes.clear();
        self.recent.clear();
        self.outstanding.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_582_400 + s, 0).unwrap()
    }

    fn sym(code: &str) -> Symbol {
        code.parse().unwrap()
    }

    fn guard(max: u32, action: LimitAction) -> TradingGuard {
        TradingGuard::new(DailyLossLimit::default(), OrderRateLimit { max_per_minute: max, action }).unwrap()
    }

    #[test]
    fn an_unsent_order_gives_its_slot_back() {
        let mut g = guard(2, LimitAction::ReduceOnly);
        let a = sym("005930");
        for i in 0..5 {
            assert_eq!(g.admit_order(a, t(i), false), Ok(()), "attempt {i}");
            assert!(g.order_not_sent(a));
        }
        assert_eq!(g.state(), TradingState::Active, "five unsent attempts are not five orders");
        assert!(!g.order_not_sent(a), "a second report for the same order gives nothing back");
        g.admit_order(a, t(10), false).unwrap();
        g.order_sent(a);
        assert!(!g.order_not_sent(a), "a sent order keeps its slot");
        g.admit_order(sym("000660"), t(11), false).unwrap();
        assert!(g.admit_order(sym("035420"), t(12), false).is_err());
    }

    #[test]
    fn a_rate_breach_lifts_itself_and_protective_exits_pass_it() {
        let mut g = guard(2, LimitAction::Halt);
        let a = sym("005930");
        g.admit_order(a, t(0), false).unwrap();
        g.admit_order(a, t(1), false).unwrap();
        assert_eq!(g.admit_order(a, t(2), false), Err(RefuseReason::RateLimited { max_per_minute: 2 }));
        assert_eq!(g.causes().collect::<Vec<_>>(), vec![(HaltCause::OrderRate, TradingState::Halted)]);
        // A protective exit goes out anyway, and counts.
        assert_eq!(g.admit_order(a, t(3), true), Ok(()));
        assert_eq!(g.refresh(t(59)), TradingState::Halted);
        // t(0) and t(1) age out at 60 and 61: three counted, room only once fewer than two remain.
        assert_eq!(g.refresh(t(60)), TradingState::Halted);
        assert_eq!(g.refresh(t(61)), TradingState::Active);
        assert!(!g.has_cause(HaltCause::OrderRate));
    }

    #[test]
    fn causes_are_independent_and_the_worst_wins() {
        let mut g = guard(5, LimitAction::ReduceOnly);
        g.start_day(Decimal::from(1_000_000));
        g.mark_equity(Decimal::from(960_000));
        assert_eq!(g.state(), TradingState::ReduceOnly);
        g.impose(HaltCause::Escalation, TradingState::ReduceOnly);
        g.halt();
        assert_eq!(g.state(), TradingState::Halted);
        g.lift(HaltCause::Operator);
        assert_eq!(g.state(), TradingState::ReduceOnly);
        g.start_day(Decimal::from(960_000));
        assert_eq!(g.causes().map(|(c, _)| c).collect::<Vec<_>>(), vec![HaltCause::Escalation]);
        g.resume();
        assert_eq!(g.state(), TradingState::Active);
        for cause in [
            HaltCause::DailyLoss,
            HaltCause::OrderRate,
            HaltCause::Operator,
            HaltCause::Escalation,
            HaltCause::Shutdown,
        ] {
            assert_eq!(
                serde_json::to_value(cause).unwrap(),
                serde_json::Value::String(cause.label().into()),
                "{cause}"
            );
        }
    }
}

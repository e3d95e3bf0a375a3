//! Account-wide circuit breakers: the daily loss limit and the order-rate limit, each switching trading to
//! reduce-only or halted when breached.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};
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
    /// Nothing is sent.
    Halted,
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

/// Orders approved in any trailing 60 seconds. Default 30, halt: a burst of orders is more likely a runaway
/// loop than a plan, and KIS throttles accounts that send too fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderRateLimit {
    pub max_per_minute: u32,
    pub action: LimitAction,
}

impl Default for OrderRateLimit {
    fn default() -> Self {
        OrderRateLimit { max_per_minute: 30, action: LimitAction::Halt }
    }
}

/// The breakers' state. A daily-loss breach clears at the next [`start_day`](Self::start_day); a rate breach
/// and a manual halt stay until [`resume`](Self::resume), because they call for a person to look.
#[derive(Debug, Clone)]
pub struct TradingGuard {
    daily: DailyLossLimit,
    rate: OrderRateLimit,
    day_start_equity: Option<Decimal>,
    by_loss: TradingState,
    by_rate: TradingState,
    manual: TradingState,
    recent: VecDeque<DateTime<Utc>>,
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
            by_loss: TradingState::Active,
            by_rate: TradingState::Active,
            manual: TradingState::Active,
            recent: VecDeque::with_capacity(rate.max_per_minute as usize),
        })
    }

    pub fn state(&self) -> TradingState {
        self.by_loss.max(self.by_rate).max(self.manual)
    }

    /// Starts a trading day at `equity`: the daily loss is measured from here, and a previous day's loss
    /// breach is lifted.
    pub fn start_day(&mut self, equity: Decimal) {
        self.day_start_equity = Some(equity);
        self.by_loss = TradingState::Active;
    }

    /// Records the current equity and trips the daily loss limit when the loss reaches it.
    pub fn mark_equity(&mut self, equity: Decimal) -> TradingState {
        if let Some(start) = self.day_start_equity.filter(|s| *s > Decimal::ZERO) {
            let loss = start - equity;
            if loss >= start.saturating_mul(self.daily.max_loss_pct) / Decimal::ONE_HUNDRED {
                self.by_loss = self.by_loss.max(self.daily.action.state());
            }
        }
        self.state()
    }

    /// Counts an order about to be sent at `now`; refuses it (and trips the breaker) when it would be more
    /// than the limit within the trailing minute.
    pub fn admit_order(&mut self, now: DateTime<Utc>) -> Result<(), RefuseReason> {
        let horizon = now - Duration::seconds(60);
        while self.recent.front().is_some_and(|t| *t <= horizon) {
            self.recent.pop_front();
        }
        if self.recent.len() >= self.rate.max_per_minute as usize {
            self.by_rate = self.by_rate.max(self.rate.action.state());
            return Err(RefuseReason::RateLimited { max_per_minute: self.rate.max_per_minute });
        }
        self.recent.push_back(now);
        Ok(())
    }

    /// The operator's kill switch.
    pub fn halt(&mut self) {
        self.manual = TradingState::Halted;
    }

    /// Lifts every breach (an operator decision).
    pub fn resume(&mut self) {
        self.by_loss = TradingState::Active;
        self.by_rate = TradingState::Active;
        self.manual = TradingState::Active;
        self.recent.clear();
    }
}

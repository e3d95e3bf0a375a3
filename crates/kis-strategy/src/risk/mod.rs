//! Pure risk rules, shared by the daemon's RiskManager and the backtester: position sizing, the account's
//! circuit breakers, and per-position exits.

mod decision;
mod engine;
mod exit_intents;
mod exit_rules;
mod exit_state;
mod limits;
mod sizing;

pub use decision::{OrderIntent, RefuseReason, RiskDecision};
pub use engine::{RiskConfig, RiskEngine};
pub use exit_intents::{ExitCall, ExitGate, ExitIntent, ExitIntents, ExitProgress, RETRY_FIRST, RETRY_MAX};
pub use exit_rules::{ExitMonitor, ExitRules, TrailingStop};
pub use exit_state::{ExitState, ExitStateFile, FreshReason, SavedExits};
pub use limits::{DailyLossLimit, HaltCause, LimitAction, OrderRateLimit, TradingGuard, TradingState};
pub use sizing::{KellyCap, SizeCap, SizeLimit, SizingRules, volatility_stop_distance};

//! Strategies and risk rules of kis-trader, pure: no I/O, no clock (time arrives in events and in the
//! [`Context`]). The live daemon, the simulator's clients and the backtester run this same code.
//!
//! * [`Strategy`]: one instance per symbol, fed [`MarketEvent`](kis_model::MarketEvent)s, emitting
//!   [`Signal`]s; built from a [`StrategyConfig`] through [`StrategyFactory`].
//! * Strategies: [`krx_scalping`], [`us_rsi_macd`], [`rsi_reversal`] (the reference for checkable backtests).
//! * [`risk`]: sizing, daily loss and order-rate breakers, exit rules, and [`RiskEngine`](risk::RiskEngine),
//!   which turns a signal into an order intent or a typed refusal.
//!
//! Money is exact (`Decimal`, whole shares); indicator math is `f64` from kis-indicators.

pub mod account_snapshot;
pub mod bar_aggregator;
pub mod context;
pub mod error;
pub mod factory;
pub mod fill;
pub mod krx_scalping;
pub mod kst;
pub mod order_type;
pub mod position;
pub mod risk;
pub mod rsi_reversal;
pub mod signal;
pub mod strategy;
pub mod us_rsi_macd;

pub use account_snapshot::AccountSnapshot;
pub use bar_aggregator::{BarAggregator, BarInterval, IntervalError};
pub use context::Context;
pub use error::{BuildError, ConfigError};
pub use factory::{StrategyConfig, StrategyFactory};
pub use fill::FillReport;
pub use kst::{KstSpan, KstTime, KstTimeError};
pub use order_type::OrderType;
pub use position::{Position, PositionError};
pub use signal::{ExitReason, Signal, SignalKind, SignalQty, StrategyId};
pub use strategy::{Strategy, WarmUpHistory};

//! KRX scalping: momentum entries on the trade stream inside KST time windows, tight exits.

mod config;
mod micro_trend;
mod session;
mod strategy;

pub use config::{
    BollingerRule, ClosingRunWindow, GapUpWindow, MicroTrendRule, PullbackWindow, RsiRule, ScalpingConfig,
    ScalpingWindows, SpreadLimit, SpreadRule, UptickRule, VolumeRule,
};
pub use micro_trend::{MicroTrend, UptickRun};
pub use strategy::{EntryWindow, KrxScalping};

//! The trading desk: everything between a strategy's signal and an order, and between a fill and the
//! account, as one pure piece (no actix, no I/O, time passed in).
//!
//! - [`Ledger`]: the money — KRW and USD cash, reservations, holdings — in a kis-engine account moved only
//!   by kis-engine's booking rules, the same the simulator's matching engine uses.
//! - [`Desk`]: the ledger plus a risk engine and exit rules per market and the pending-order gate, driven by
//!   events that push typed [`Output`]s (barter's `process(event) -> outputs` style).
//!
//! The daemon's RiskManager is a thin shell over a `Desk`; the backtester drives one per strategy sleeve.

pub mod chase;
pub mod day;
pub mod desk;
pub mod ledger;
pub mod output;

pub use day::{DayResult, Realised, local_day, trade_date};
pub use desk::{Desk, DeskConfig, EXIT_STRATEGY, KeptSnapshot, MarketRules};
pub use ledger::{Adopted, Ledger, LedgerError, Working};
pub use output::{OrderEnd, Output, Refusal, Verdict};

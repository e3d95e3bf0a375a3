//! The backtester: market data (bar CSVs or kis-synth recordings) replayed through the same strategies
//! (kis-strategy), risk rules (`RiskEngine`) and account, fee and tax rules (kis-engine, kis-model `FeeModel`)
//! as the live daemon, with the trade log, summary statistics and report a person reads afterwards.
//!
//! Pure: readers take `BufRead`, writers `Write` or return strings; no files, no clock. Deterministic: the same
//! events and settings give byte-identical outputs.
//!
//! * [`Backtest`]: push events, [`Backtest::finish`] → [`BacktestResult`]; [`run`] does both.
//! * Fills: [`FillModel`] (`close` / `next`), slippage in ticks ([`slippage`]), each strategy in its own
//!   account ([`sleeve`]).
//! * Input: [`bars_csv`], [`input`] (recordings). Output: [`report`]. Parameter search: [`optimize`].

pub mod backtest;
pub mod bars_csv;
pub mod config;
pub mod equity;
pub mod error;
pub mod input;
pub mod metrics;
pub mod optimize;
pub mod report;
pub mod sleeve;
pub mod slippage;
pub mod trade;

pub use backtest::{Backtest, BacktestResult, StrategyResult, run, sleeve_risk, strategy_id};
pub use bars_csv::BarCsvReader;
pub use config::{BacktestConfig, FillModel, RunFile, RunTable, StrategyName};
pub use equity::{Drawdown, EquityCurve};
pub use error::{BacktestError, InputError, SettingsError};
pub use input::{RecordingEvents, RecordingInput};
pub use metrics::{PeriodReturn, Summary};
pub use trade::{ClosedTrade, Execution};

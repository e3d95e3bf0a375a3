//! Errors of a backtest: bad input data, bad settings, and the engine refusing what the data implies.

use chrono::{DateTime, Utc};
use kis_engine::EngineError;
use kis_model::{Price, Symbol};
use kis_strategy::{BuildError, ConfigError};
use kis_synth::RecordingError;
use thiserror::Error;

/// A row of input that cannot be used; `line` is 1-based, as an editor shows it.
#[derive(Debug, Error)]
pub enum InputError {
    #[error("input is empty: expected the header `{expected}`")]
    Empty { expected: &'static str },
    #[error("line {line}: {problem}")]
    Line { line: u64, problem: String },
    #[error("line {line}: cannot read: {error}")]
    Io { line: u64, error: std::io::Error },
    #[error(transparent)]
    Recording(#[from] RecordingError),
}

impl InputError {
    pub(crate) fn line(line: u64, problem: impl Into<String>) -> InputError {
        InputError::Line { line, problem: problem.into() }
    }
}

/// Settings that cannot work, named by the key as written in the config file or on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SettingsError {
    #[error("unknown strategy {0:?}: expected rsi-reversal, krx-scalping or us-rsi-macd")]
    UnknownStrategy(String),
    #[error("config: {0}")]
    Toml(String),
    #[error("{key}: {problem}")]
    Bad { key: String, problem: String },
    #[error("strategy {strategy}: {error}")]
    Strategy { strategy: String, error: ConfigError },
    #[error("two strategies are both named {0:?}: give each an `id` so their PnL can be told apart")]
    DuplicateId(String),
    #[error("no strategy to run")]
    NoStrategy,
}

impl SettingsError {
    pub(crate) fn bad(key: impl Into<String>, problem: impl Into<String>) -> SettingsError {
        SettingsError::Bad { key: key.into(), problem: problem.into() }
    }
}

/// Why a run stopped. Refused signals and rejected orders do not stop a run: they are counted in the summary.
#[derive(Debug, Error)]
pub enum BacktestError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("account setup: {0}")]
    Setup(EngineError),
    #[error("{symbol}: {error}")]
    Build { symbol: Symbol, error: BuildError },
    #[error("{symbol} at {ts}: price {price} is not a whole number of won, which no KRX order can trade at")]
    OffGridKrxPrice { symbol: Symbol, ts: DateTime<Utc>, price: Price },
    #[error("{symbol} at {ts}: {error}")]
    Engine { symbol: Symbol, ts: DateTime<Utc>, error: EngineError },
    #[error("{symbol}: the desk refused a fill: {error}")]
    Desk { symbol: Symbol, error: kis_desk::LedgerError },
    #[error("event at {at} comes before one at {previous}: input must be in time order")]
    OutOfOrder { at: DateTime<Utc>, previous: DateTime<Utc> },
    #[error("a fill's amount is out of range for {0}")]
    Overflow(Symbol),
}

//! Errors of configuration and construction. Runtime input problems never become errors on the event path:
//! a bad event is skipped and counted (see [`Strategy::rejected_events`](crate::Strategy::rejected_events)),
//! because one corrupt tick must not stop a live strategy.

use kis_model::Symbol;
use thiserror::Error;

use crate::us_rsi_macd::TickerListError;

/// A configuration value that cannot work; `field` is the dotted path as written in the config file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {problem}")]
pub struct ConfigError {
    pub field: &'static str,
    pub problem: String,
}

impl ConfigError {
    pub fn new(field: &'static str, problem: impl Into<String>) -> ConfigError {
        ConfigError { field, problem: problem.into() }
    }
}

/// A strategy could not be built for a symbol.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BuildError {
    #[error("invalid strategy config: {0}")]
    Config(#[from] ConfigError),
    #[error("strategy {strategy} trades {expected} symbols, not {symbol}")]
    WrongMarket { strategy: &'static str, expected: &'static str, symbol: Symbol },
    #[error("{0} is not in the strategy's ticker list")]
    NotInTickerList(Symbol),
    #[error("ticker list: {0}")]
    Tickers(#[from] TickerListError),
    /// No strategy is configured at all.
    #[error("no strategy is configured for {0}")]
    NoStrategy(Symbol),
}

//! From configuration to one strategy instance per symbol, the unit the daemon and the backtester run.

use kis_model::tick_size::InstrumentKind;
use kis_model::{Market, Symbol};
use serde::{Deserialize, Serialize};

use crate::error::{BuildError, ConfigError};
use crate::krx_scalping::{KrxScalping, ScalpingConfig};
use crate::rsi_reversal::{RsiReversal, RsiReversalConfig};
use crate::strategy::Strategy;
use crate::us_rsi_macd::{UsRsiMacd, UsRsiMacdConfig};

/// Builds a fresh strategy for a symbol; the daemon calls it when a symbol joins the watchlist and again to
/// replace a failed actor's strategy (followed by [`Strategy::warm_up`]).
pub trait StrategyFactory: Send + Sync {
    /// `kind` selects the KRX tick grid (stock or ETF/ETN); US strategies ignore it.
    fn build(&self, symbol: Symbol, kind: InstrumentKind) -> Result<Box<dyn Strategy>, BuildError>;
}

/// One strategy's configuration, tagged by `kind` in config files:
/// `kind = "krx_scalping"`, `"us_rsi_macd"` or `"rsi_reversal"`, then that strategy's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StrategyConfig {
    KrxScalping(ScalpingConfig),
    UsRsiMacd(UsRsiMacdConfig),
    RsiReversal(RsiReversalConfig),
}

impl StrategyConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self {
            StrategyConfig::KrxScalping(c) => c.validate(),
            StrategyConfig::UsRsiMacd(c) => c.validate(),
            StrategyConfig::RsiReversal(c) => c.validate(),
        }
    }
}

impl StrategyFactory for StrategyConfig {
    fn build(&self, symbol: Symbol, kind: InstrumentKind) -> Result<Box<dyn Strategy>, BuildError> {
        match self {
            StrategyConfig::KrxScalping(c) => {
                if symbol.market() != Market::Krx {
                    return Err(BuildError::WrongMarket { strategy: "krx_scalping", expected: "KRX", symbol });
                }
                Ok(Box::new(KrxScalping::new(symbol, kind, c.clone())?))
            }
            StrategyConfig::UsRsiMacd(c) => {
                if symbol.market() != Market::Us {
                    return Err(BuildError::WrongMarket { strategy: "us_rsi_macd", expected: "US", symbol });
                }
                let listed = c.symbols()?;
                if !listed.is_empty() && !listed.contains(&symbol) {
                    return Err(BuildError::NotInTickerList(symbol));
                }
                Ok(Box::new(UsRsiMacd::new(symbol, c.clone())?))
            }
            StrategyConfig::RsiReversal(c) => Ok(Box::new(RsiReversal::new(symbol, c.clone())?)),
        }
    }
}

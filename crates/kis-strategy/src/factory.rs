//! From configuration to one strategy instance per symbol, the unit the daemon and the backtester run.

use kis_model::tick_size::InstrumentKind;
use kis_model::{Market, Symbol};
use serde::{Deserialize, Serialize};

use crate::error::{BuildError, ConfigError};
use crate::krx_scalping::{KrxScalping, ScalpingConfig};
use crate::risk::RiskConfig;
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
/// `kind = "krx_scalping"`, `"us_rsi_macd"` or `"rsi_reversal"`, then that strategy's fields, and optionally
/// its own risk rules in a `risk` table (`[strategies.risk.sizing]`, `.daily_loss`, `.order_rate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StrategyConfig {
    KrxScalping(ScalpingConfig),
    UsRsiMacd(UsRsiMacdConfig),
    RsiReversal(RsiReversalConfig),
}

impl StrategyConfig {
    /// The strategy's fields, then its `risk` table (errors name `risk.sizing.…` and so on).
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self {
            StrategyConfig::KrxScalping(c) => c.validate(),
            StrategyConfig::UsRsiMacd(c) => c.validate(),
            StrategyConfig::RsiReversal(c) => c.validate(),
        }?;
        match self.risk() {
            Some(risk) => risk.validate().map_err(|e| ConfigError::new(under_risk(e.field), e.problem)),
            None => Ok(()),
        }
    }

    /// The risk rules that belong to the strategy when it has no table of its own. KRX scalping and
    /// rsi-reversal: the KRX scalping set ([`RiskConfig::default`]: 1.5 % risk per trade, 30 % of equity per
    /// position, 5 positions). US RSI + MACD: the user's rule, each buy spends `buy_cash_fraction` of the cash
    /// left with no per-position cap ([`UsRsiMacdConfig::default_risk`]).
    pub fn default_risk(&self) -> RiskConfig {
        match self {
            StrategyConfig::KrxScalping(_) | StrategyConfig::RsiReversal(_) => RiskConfig::default(),
            StrategyConfig::UsRsiMacd(c) => c.default_risk(),
        }
    }

    /// The strategy's own `risk` table, if it has one.
    pub fn risk(&self) -> Option<&RiskConfig> {
        match self {
            StrategyConfig::KrxScalping(c) => c.risk.as_ref(),
            StrategyConfig::UsRsiMacd(c) => c.risk.as_ref(),
            StrategyConfig::RsiReversal(c) => c.risk.as_ref(),
        }
    }

    /// Order-type keys set to an auction kind (LOO/LOC/MOO/MOC), which KIS takes on real accounts only, so a
    /// paper configuration is refused before the daemon starts rather than at send time.
    pub fn auction_order_types(&self) -> Vec<(&'static str, crate::OrderType)> {
        match self {
            StrategyConfig::UsRsiMacd(c) => c.auction_order_types(),
            StrategyConfig::KrxScalping(_) | StrategyConfig::RsiReversal(_) => Vec::new(),
        }
    }

    /// The rules the strategy trades under on its own: its `risk` table, else [`default_risk`](Self::default_risk).
    pub fn effective_risk(&self) -> RiskConfig {
        self.risk().copied().unwrap_or_else(|| self.default_risk())
    }

    /// Whether an account-wide (the daemon's top-level `[risk]`, a backtest file's `[risk]`) table applies to
    /// this strategy when it has none of its own. It does for the KRX strategies, whose defaults it restates;
    /// it does not for US RSI + MACD, whose sizing is the user's rule and must not silently become the KRX cap.
    pub fn follows_shared_risk(&self) -> bool {
        !matches!(self, StrategyConfig::UsRsiMacd(_))
    }

    /// The rules under an account-wide `shared` table: the strategy's own table; else `shared` if
    /// [`follows_shared_risk`](Self::follows_shared_risk); else [`default_risk`](Self::default_risk).
    pub fn risk_under(&self, shared: &RiskConfig) -> RiskConfig {
        match self.risk() {
            Some(own) => *own,
            None if self.follows_shared_risk() => *shared,
            None => self.default_risk(),
        }
    }
}

/// `sizing.max_position_pct` → `risk.sizing.max_position_pct`: [`ConfigError`] fields are static paths, so
/// the prefixed form of each field [`RiskConfig::validate`] can name is spelled out.
fn under_risk(field: &'static str) -> &'static str {
    match field {
        "sizing.risk_per_trade_pct" => "risk.sizing.risk_per_trade_pct",
        "sizing.max_position_pct" => "risk.sizing.max_position_pct",
        "sizing.max_open_positions" => "risk.sizing.max_open_positions",
        "sizing.kelly.win_rate" => "risk.sizing.kelly.win_rate",
        "sizing.kelly.payoff_ratio" => "risk.sizing.kelly.payoff_ratio",
        "sizing.kelly.multiplier" => "risk.sizing.kelly.multiplier",
        "sizing.kelly.max_fraction" => "risk.sizing.kelly.max_fraction",
        "daily_loss.max_loss_pct" => "risk.daily_loss.max_loss_pct",
        "order_rate.max_per_minute" => "risk.order_rate.max_per_minute",
        _ => "risk",
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

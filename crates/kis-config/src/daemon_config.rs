//! The whole daemon configuration. Every section and field has a default so a config file holds only what
//! differs; every struct refuses unknown keys so a typo is an error that names the key instead of a silent
//! fall-back to a default.

use kis_strategy::StrategyConfig;
use kis_strategy::risk::{ExitRules, RiskConfig};
use serde::{Deserialize, Serialize};

use crate::api::ApiConfig;
use crate::daemon::DaemonSection;
use crate::environment::{RealTrading, TradingEnvironment};
use crate::feed::FeedSection;
use crate::logging::LoggingConfig;
use crate::notifier::NotifierConfig;
use crate::router::RouterSection;
use crate::screener::ScreenerConfig;
use crate::sim::SimSection;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonConfig {
    pub environment: TradingEnvironment,
    pub real_trading: RealTrading,
    pub api: ApiConfig,
    pub sim: SimSection,
    pub screener: ScreenerConfig,
    /// `[[strategies]]` tables, each tagged `kind = "krx_scalping" | "us_rsi_macd" | "rsi_reversal"`; each may
    /// carry its own risk rules in `[strategies.risk]` (`.sizing`, `.daily_loss`, `.order_rate`).
    pub strategies: Vec<StrategyConfig>,
    /// The account-wide `[risk]`: the rules of every KRX strategy (krx_scalping, rsi_reversal) that has no
    /// `[strategies.risk]` of its own. US strategies do not follow it: without a table of their own they
    /// trade under their own rule (us_rsi_macd: each buy spends `buy_cash_fraction` of the cash left, no
    /// per-position cap). See [`DaemonConfig::strategy_risk`].
    pub risk: RiskConfig,
    /// Exit rules the RiskManager applies to every held position on every tick, whatever strategy opened it.
    pub exits: ExitRules,
    pub feed: FeedSection,
    pub router: RouterSection,
    pub notifier: NotifierConfig,
    pub logging: LoggingConfig,
    pub daemon: DaemonSection,
}

impl DaemonConfig {
    /// The risk rules `strategy` trades under: its own `[strategies.risk]`; else the top-level `[risk]` for a
    /// KRX strategy; else the strategy's own default (the US rule). See [`StrategyConfig::risk_under`].
    pub fn strategy_risk(&self, strategy: &StrategyConfig) -> RiskConfig {
        strategy.risk_under(&self.risk)
    }
}

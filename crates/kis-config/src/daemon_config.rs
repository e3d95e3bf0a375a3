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
    /// `[[strategies]]` tables, each tagged `kind = "krx_scalping" | "us_rsi_macd" | "rsi_reversal"`.
    pub strategies: Vec<StrategyConfig>,
    pub risk: RiskConfig,
    /// Exit rules the RiskManager applies to every held position on every tick, whatever strategy opened it.
    pub exits: ExitRules,
    pub feed: FeedSection,
    pub router: RouterSection,
    pub notifier: NotifierConfig,
    pub logging: LoggingConfig,
    pub daemon: DaemonSection,
}

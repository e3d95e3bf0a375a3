//! Where the daemon trades, and the three locks in front of real money.

use std::fmt;

use kis_model::Environment;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::daemon_config::DaemonConfig;

/// The venue. `Sim` is the default so that a fresh clone runs with no keys and no risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TradingEnvironment {
    /// The embedded KIS-compatible simulator on loopback.
    #[default]
    Sim,
    /// KIS 모의투자 (paper trading): real API, fake money.
    Paper,
    /// KIS 실전투자: real money.
    Real,
}

impl TradingEnvironment {
    pub fn as_str(self) -> &'static str {
        match self {
            TradingEnvironment::Sim => "sim",
            TradingEnvironment::Paper => "paper",
            TradingEnvironment::Real => "real",
        }
    }

    /// The KIS service whose keys, TR ids and limits apply; `None` for the simulator, which emulates whichever
    /// one `[sim] emulate` names.
    pub fn kis(self) -> Option<Environment> {
        match self {
            TradingEnvironment::Sim => None,
            TradingEnvironment::Paper => Some(Environment::Paper),
            TradingEnvironment::Real => Some(Environment::Real),
        }
    }
}

impl fmt::Display for TradingEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the daemon refuses to trade real money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RealMoneyError {
    #[error("environment = \"real\" trades real money and needs [real_trading] confirm = true in the config")]
    NotConfirmed,
    #[error(
        "environment = \"real\" trades real money and needs the --i-understand-real-money flag on the command line"
    )]
    FlagMissing,
}

/// Real money needs three independent acts: `environment = "real"`, `[real_trading] confirm = true` (a file
/// edit or an env override), and a command-line flag typed at start. A config copied from someone else, or an
/// environment variable left over in a shell, is then never enough on its own. Paper and sim need nothing.
pub fn check_real_money(config: &DaemonConfig, flag: bool) -> Result<(), RealMoneyError> {
    if config.environment != TradingEnvironment::Real {
        return Ok(());
    }
    if !config.real_trading.confirm {
        return Err(RealMoneyError::NotConfirmed);
    }
    if !flag {
        return Err(RealMoneyError::FlagMissing);
    }
    Ok(())
}

/// `[real_trading]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RealTrading {
    pub confirm: bool,
}

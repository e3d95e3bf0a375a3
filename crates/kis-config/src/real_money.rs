//! The three locks in front of real money. Kept apart from [`crate::environment`], which the config schema
//! builds on: the check reads the whole [`DaemonConfig`], and living next to the schema's leaf types it made
//! `environment` and `daemon_config` import each other.

use thiserror::Error;

use crate::daemon_config::DaemonConfig;
use crate::environment::TradingEnvironment;

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

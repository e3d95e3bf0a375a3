//! Where the daemon trades, and the `[real_trading]` table (the locks themselves: [`crate::real_money`]).

use std::fmt;

use kis_model::Environment;
use serde::{Deserialize, Serialize};

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

/// `[real_trading]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RealTrading {
    pub confirm: bool,
}

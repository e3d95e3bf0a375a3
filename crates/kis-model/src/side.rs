//! Buy or sell, and KIS's two-digit code for it (`SELN_BYOV_CLS`, `sll_buy_dvsn_cd`).

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown buy/sell code {0:?}: KIS uses \"01\" sell and \"02\" buy")]
pub struct SideError(pub String);

impl Side {
    /// KIS code: `01` sell, `02` buy.
    pub fn kis_code(self) -> &'static str {
        match self {
            Side::Sell => "01",
            Side::Buy => "02",
        }
    }

    /// Accepts KIS's codes, including the overseas notice's `03` short sell (a sell) and `04` buy-to-cover
    /// (a buy), and the one-digit forms some replies use.
    pub fn from_kis_code(code: &str) -> Result<Side, SideError> {
        match code.trim() {
            "01" | "1" | "03" | "3" => Ok(Side::Sell),
            "02" | "2" | "04" | "4" => Ok(Side::Buy),
            other => Err(SideError(other.to_string())),
        }
    }

    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for side in [Side::Buy, Side::Sell] {
            assert_eq!(Side::from_kis_code(side.kis_code()), Ok(side));
        }
        assert_eq!(Side::from_kis_code("03"), Ok(Side::Sell));
        assert_eq!(Side::from_kis_code("04"), Ok(Side::Buy));
        assert_eq!(Side::from_kis_code("05"), Err(SideError("05".into())));
    }
}

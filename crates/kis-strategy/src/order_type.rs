//! How an order meets the market: continuously (a plain limit) or in the opening or closing auction. KIS
//! offers the auction kinds for US stocks on real accounts only (`ORD_DVSN` 32 LOO, 34 LOC for both sides;
//! 31 MOO, 33 MOC for sells only; paper accepts `00` limit alone, kis-protocol.md §6.2).

use std::fmt;

use kis_model::{Side, UsOrdDvsn};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderType {
    /// A limit order working in the continuous session (`00`).
    #[default]
    Limit,
    /// Limit on open (`32`): takes part in the opening auction within its limit.
    Loo,
    /// Limit on close (`34`): takes part in the closing auction within its limit.
    Loc,
    /// Market on open (`31`, sells only): sold at the opening auction's price, sent without a price.
    Moo,
    /// Market on close (`33`, sells only): sold at the closing auction's price, sent without a price.
    Moc,
}

impl OrderType {
    pub const ALL: [OrderType; 5] = [OrderType::Limit, OrderType::Loo, OrderType::Loc, OrderType::Moo, OrderType::Moc];

    /// KIS's US `ORD_DVSN` for this type.
    pub fn us_ord_dvsn(self) -> UsOrdDvsn {
        match self {
            OrderType::Limit => UsOrdDvsn::Limit,
            OrderType::Loo => UsOrdDvsn::Loo,
            OrderType::Loc => UsOrdDvsn::Loc,
            OrderType::Moo => UsOrdDvsn::Moo,
            OrderType::Moc => UsOrdDvsn::Moc,
        }
    }

    /// An auction type: KIS takes it on real US accounts only.
    pub fn is_auction(self) -> bool {
        self != OrderType::Limit
    }

    /// Whether the order is sent with its limit; MOO and MOC go out at price `"0"`.
    pub fn sends_price(self) -> bool {
        self.us_ord_dvsn().has_price()
    }

    /// Whether KIS takes this type for `side` (MOO and MOC sell only).
    pub fn allows(self, side: Side) -> bool {
        self.us_ord_dvsn().check_side(side).is_ok()
    }

    /// The name config files use.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Limit => "limit",
            OrderType::Loo => "loo",
            OrderType::Loc => "loc",
            OrderType::Moo => "moo",
            OrderType::Moc => "moc",
        }
    }
}

impl fmt::Display for OrderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_prices_and_sides_follow_kis() {
        let codes: Vec<&str> = OrderType::ALL.iter().map(|t| t.us_ord_dvsn().code()).collect();
        assert_eq!(codes, ["00", "32", "34", "31", "33"]);
        assert!(OrderType::Loc.sends_price() && !OrderType::Moc.sends_price() && !OrderType::Moo.sends_price());
        assert!(OrderType::Moc.allows(Side::Sell) && !OrderType::Moc.allows(Side::Buy));
        assert!(OrderType::Loo.allows(Side::Buy) && OrderType::Limit.allows(Side::Buy));
        assert!(!OrderType::Limit.is_auction() && OrderType::Loo.is_auction());
        assert_eq!(serde_json::to_string(&OrderType::Moc).unwrap(), "\"moc\"");
        assert_eq!(serde_json::from_str::<OrderType>("\"loc\"").unwrap(), OrderType::Loc);
    }
}

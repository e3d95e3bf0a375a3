//! Order kinds as KIS codes them (`ORD_DVSN`), domestic and US.
//!
//! The codes are the wire values; the enums make illegal combinations (a US market order, a sell-only
//! US type on a buy) unrepresentable or an error before anything is sent.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::side::Side;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderKindError {
    #[error("unknown domestic ORD_DVSN {0:?}")]
    UnknownDomestic(String),
    #[error("unknown US ORD_DVSN {0:?}")]
    UnknownUs(String),
    #[error("US order kind {kind} ({code}) cannot be used to {side}")]
    WrongSide { kind: &'static str, code: &'static str, side: Side },
}

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $err:ident { $($variant:ident = $code:literal, $label:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The two-character wire code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)* }
            }

            /// KIS's own name for the kind, for logs a Korean user recognises.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)* }
            }

            pub fn from_code(code: &str) -> Result<$name, OrderKindError> {
                match code.trim() {
                    $($code => Ok($name::$variant),)*
                    other => Err(OrderKindError::$err(other.to_string())),
                }
            }
        }

        impl FromStr for $name {
            type Err = OrderKindError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { $name::from_code(s) }
        }

        impl TryFrom<String> for $name {
            type Error = OrderKindError;
            fn try_from(s: String) -> Result<Self, Self::Error> { $name::from_code(&s) }
        }

        impl From<$name> for String {
            fn from(k: $name) -> String { k.code().to_string() }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.code()) }
        }
    };
}

code_enum!(
    /// Domestic `ORD_DVSN` (kis-protocol.md §5.4).
    OrdDvsn, UnknownDomestic {
        Limit = "00", "지정가";
        Market = "01", "시장가";
        ConditionalLimit = "02", "조건부지정가";
        BestLimit = "03", "최유리지정가";
        TopPriorityLimit = "04", "최우선지정가";
        PreMarketClose = "05", "장전 시간외";
        AfterMarketClose = "06", "장후 시간외";
        AfterHoursSinglePrice = "07", "시간외 단일가";
        IocLimit = "11", "IOC지정가";
        FokLimit = "12", "FOK지정가";
        IocMarket = "13", "IOC시장가";
        FokMarket = "14", "FOK시장가";
        IocBest = "15", "IOC최유리";
        FokBest = "16", "FOK최유리";
        MidPrice = "21", "중간가";
        StopLimit = "22", "스톱지정가";
        MidPriceIoc = "23", "중간가IOC";
        MidPriceFok = "24", "중간가FOK";
    }
);

impl OrdDvsn {
    /// Whether `ORD_UNPR` carries a price; the others send `"0"` and are margin-reserved at the upper limit.
    pub fn has_price(self) -> bool {
        matches!(
            self,
            OrdDvsn::Limit
                | OrdDvsn::ConditionalLimit
                | OrdDvsn::IocLimit
                | OrdDvsn::FokLimit
                | OrdDvsn::StopLimit
                | OrdDvsn::AfterHoursSinglePrice
        )
    }

    /// Immediate-or-cancel and fill-or-kill kinds never rest on the book.
    pub fn is_immediate(self) -> bool {
        matches!(
            self,
            OrdDvsn::IocLimit
                | OrdDvsn::FokLimit
                | OrdDvsn::IocMarket
                | OrdDvsn::FokMarket
                | OrdDvsn::IocBest
                | OrdDvsn::FokBest
                | OrdDvsn::MidPriceIoc
                | OrdDvsn::MidPriceFok
        )
    }
}

code_enum!(
    /// US `ORD_DVSN` (kis-protocol.md §6.2). There is no plain market order for US stocks at KIS.
    UsOrdDvsn, UnknownUs {
        Limit = "00", "지정가";
        Moo = "31", "MOO";
        Loo = "32", "LOO";
        Moc = "33", "MOC";
        Loc = "34", "LOC";
        Twap = "35", "TWAP";
        Vwap = "36", "VWAP";
    }
);

impl UsOrdDvsn {
    /// MOO and MOC are sell-only at KIS.
    pub fn check_side(self, side: Side) -> Result<(), OrderKindError> {
        match (self, side) {
            (UsOrdDvsn::Moo | UsOrdDvsn::Moc, Side::Buy) => {
                Err(OrderKindError::WrongSide { kind: self.label(), code: self.code(), side })
            }
            _ => Ok(()),
        }
    }

    /// Market-on-open/close kinds send `OVRS_ORD_UNPR "0"`.
    pub fn has_price(self) -> bool {
        !matches!(self, UsOrdDvsn::Moo | UsOrdDvsn::Moc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in OrdDvsn::ALL {
            assert_eq!(OrdDvsn::from_code(kind.code()), Ok(*kind));
        }
        for kind in UsOrdDvsn::ALL {
            assert_eq!(kind.code().parse::<UsOrdDvsn>(), Ok(*kind));
        }
        assert_eq!(OrdDvsn::from_code("99"), Err(OrderKindError::UnknownDomestic("99".into())));
        assert_eq!(serde_json_round_trip(OrdDvsn::StopLimit), "\"22\"");
    }

    fn serde_json_round_trip(kind: OrdDvsn) -> String {
        let text = serde_json::to_string(&kind).unwrap();
        assert_eq!(serde_json::from_str::<OrdDvsn>(&text).unwrap(), kind);
        text
    }

    #[test]
    fn us_side_rules() {
        assert!(UsOrdDvsn::Moc.check_side(Side::Sell).is_ok());
        let err = UsOrdDvsn::Moo.check_side(Side::Buy).unwrap_err();
        assert_eq!(err.to_string(), "US order kind MOO (31) cannot be used to buy");
        assert!(UsOrdDvsn::Loc.check_side(Side::Buy).is_ok());
        assert!(!UsOrdDvsn::Moc.has_price());
        assert!(OrdDvsn::Limit.has_price() && !OrdDvsn::Market.has_price());
        assert!(OrdDvsn::FokBest.is_immediate() && !OrdDvsn::Limit.is_immediate());
    }
}

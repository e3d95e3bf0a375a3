//! Reference data of a symbol for one trading day: what the engine must know but cannot look up itself.
//!
//! The caller (simulator or backtester) builds it from inquire-price (`stck_sdpr`, `stck_mxpr`, `stck_llam`) or
//! from its own data, and replaces it each trading day: the limits and the trade date (which selects the tax
//! rate in force) change daily.

use chrono::NaiveDate;
use kis_model::{Currency, DailyLimits, InstrumentKind, KrxBoard, Market, Symbol, daily_limits};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpecError {
    #[error("{0} is not a KRX symbol: use SymbolSpec::us")]
    NotKrx(Symbol),
    #[error("{0} is not a US symbol: use SymbolSpec::krx")]
    NotUs(Symbol),
    #[error("daily limits of {symbol} are inverted or zero: lower {lower}, upper {upper}")]
    BadLimits { symbol: Symbol, lower: u64, upper: u64 },
    #[error("reference data of {symbol} is for {market:?} rules but the symbol trades on {actual:?}")]
    MarketMismatch { symbol: Symbol, market: Market, actual: Market },
    #[error("base price of {0} must be positive")]
    ZeroBase(Symbol),
    #[error("the fee table has no rate for {symbol} on {date}: {reason}")]
    NoFeeRate { symbol: Symbol, date: NaiveDate, reason: String },
}

/// Market-specific rules of a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarketRules {
    Krx {
        /// Selects the sell-tax rate.
        board: KrxBoard,
        /// Selects the tick table (stocks vs ETF/ETN).
        #[serde(with = "instrument_kind")]
        kind: InstrumentKind,
        limits: DailyLimits,
    },
    /// US stocks have no daily limits and a cent grid (a hundredth of a cent below one dollar).
    Us,
}

impl MarketRules {
    pub fn market(&self) -> Market {
        match self {
            MarketRules::Krx { .. } => Market::Krx,
            MarketRules::Us => Market::Us,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolSpec {
    pub symbol: Symbol,
    /// The trading day in the market's local time (KST, New York); fees and taxes use the rate in force on it.
    pub trade_date: NaiveDate,
    pub rules: MarketRules,
}

impl SymbolSpec {
    /// KRX reference data with the ±30 % limits computed from `base` (the previous close, `stck_sdpr`).
    pub fn krx(
        symbol: Symbol,
        board: KrxBoard,
        kind: InstrumentKind,
        base: u64,
        trade_date: NaiveDate,
    ) -> Result<SymbolSpec, SpecError> {
        if base == 0 {
            return Err(SpecError::ZeroBase(symbol));
        }
        SymbolSpec::krx_with_limits(symbol, board, kind, daily_limits(base, kind), trade_date)
    }

    /// KRX reference data with the limits KIS published (`stck_mxpr`/`stck_llam`), which win over computed ones.
    pub fn krx_with_limits(
        symbol: Symbol,
        board: KrxBoard,
        kind: InstrumentKind,
        limits: DailyLimits,
        trade_date: NaiveDate,
    ) -> Result<SymbolSpec, SpecError> {
        if symbol.market() != Market::Krx {
            return Err(SpecError::NotKrx(symbol));
        }
        if limits.lower == 0 || limits.lower > limits.upper {
            return Err(SpecError::BadLimits { symbol, lower: limits.lower, upper: limits.upper });
        }
        Ok(SymbolSpec { symbol, trade_date, rules: MarketRules::Krx { board, kind, limits } })
    }

    pub fn us(symbol: Symbol, trade_date: NaiveDate) -> Result<SymbolSpec, SpecError> {
        if symbol.market() != Market::Us {
            return Err(SpecError::NotUs(symbol));
        }
        Ok(SymbolSpec { symbol, trade_date, rules: MarketRules::Us })
    }

    pub fn currency(&self) -> Currency {
        self.symbol.market().currency()
    }

    /// Deserialised specs bypass the constructors; the engine re-checks them with this.
    pub(crate) fn check(&self) -> Result<(), SpecError> {
        let (market, actual) = (self.rules.market(), self.symbol.market());
        if market != actual {
            return Err(SpecError::MarketMismatch { symbol: self.symbol, market, actual });
        }
        if let MarketRules::Krx { limits, .. } = self.rules
            && (limits.lower == 0 || limits.lower > limits.upper)
        {
            return Err(SpecError::BadLimits { symbol: self.symbol, lower: limits.lower, upper: limits.upper });
        }
        Ok(())
    }
}

/// kis-model's `InstrumentKind` has no serde form; the state file spells it `stock`/`fund`.
mod instrument_kind {
    use super::*;

    pub fn serialize<S: Serializer>(kind: &InstrumentKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match kind {
            InstrumentKind::Stock => "stock",
            InstrumentKind::Fund => "fund",
        })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<InstrumentKind, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        match s.as_ref() {
            "stock" => Ok(InstrumentKind::Stock),
            "fund" => Ok(InstrumentKind::Fund),
            other => {
                Err(serde::de::Error::custom(format!("unknown instrument kind {other:?}: expected stock or fund")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    }

    #[test]
    fn constructors_check_market_and_limits() {
        let samsung = Symbol::parse("005930").unwrap();
        let aapl = Symbol::parse("NASDAQ:AAPL").unwrap();
        let spec = SymbolSpec::krx(samsung, KrxBoard::Kospi, InstrumentKind::Stock, 128_500, day()).unwrap();
        let MarketRules::Krx { limits, .. } = spec.rules else { panic!("not KRX") };
        assert_eq!((limits.lower, limits.upper), (90_000, 167_000));
        assert_eq!(
            SymbolSpec::krx(aapl, KrxBoard::Kospi, InstrumentKind::Stock, 1, day()),
            Err(SpecError::NotKrx(aapl))
        );
        assert_eq!(SymbolSpec::us(samsung, day()), Err(SpecError::NotUs(samsung)));
        assert_eq!(
            SymbolSpec::krx(samsung, KrxBoard::Kospi, InstrumentKind::Stock, 0, day()),
            Err(SpecError::ZeroBase(samsung))
        );
        let inverted = DailyLimits { upper: 100, lower: 200 };
        assert_eq!(
            SymbolSpec::krx_with_limits(samsung, KrxBoard::Kospi, InstrumentKind::Stock, inverted, day()),
            Err(SpecError::BadLimits { symbol: samsung, lower: 200, upper: 100 })
        );
        let forged = SymbolSpec { symbol: aapl, trade_date: day(), rules: spec.rules };
        assert_eq!(
            forged.check(),
            Err(SpecError::MarketMismatch { symbol: aapl, market: Market::Krx, actual: Market::Us })
        );
    }

    #[test]
    fn serde_round_trip_spells_kind() {
        let etf = Symbol::parse("069500").unwrap();
        let spec = SymbolSpec::krx(etf, KrxBoard::Kospi, InstrumentKind::Fund, 35_000, day()).unwrap();
        let text = serde_json::to_string(&spec).unwrap();
        assert!(text.contains("\"kind\":\"fund\""), "{text}");
        assert_eq!(serde_json::from_str::<SymbolSpec>(&text).unwrap(), spec);
        let bad = text.replace("\"fund\"", "\"bond\"");
        let err = serde_json::from_str::<SymbolSpec>(&bad).unwrap_err().to_string();
        assert!(err.contains("unknown instrument kind \"bond\""), "{err}");
    }
}

//! Position sizing: how many whole shares one entry may buy.
//!
//! Three independent caps, the smallest wins: the loss if the stop is hit must not exceed `risk_per_trade_pct`
//! of equity; the position's value must not exceed `max_position_pct` of equity (unless that cap is off); with
//! a Kelly cap, the position's value must not exceed the (fractional, capped) Kelly share of equity. Cash is
//! checked by the caller ([`RiskEngine`](super::RiskEngine)), because it depends on the order, not on the idea.
//!
//! Which rules apply is the strategy's business ([`StrategyConfig::default_risk`](crate::StrategyConfig::default_risk)):
//! the KRX scalper keeps each position under 30 % of equity, while the US RSI + MACD bot's own rule is "each buy
//! spends 30 % of the cash left", with no per-position cap.

use kis_model::{Price, Qty};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// A Kelly-criterion cap from the strategy's measured win rate and payoff ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KellyCap {
    /// Fraction of trades that won, in (0, 1).
    pub win_rate: Decimal,
    /// Average win divided by average loss, > 0.
    pub payoff_ratio: Decimal,
    /// Fraction of full Kelly to use (0.5 = "half Kelly"): full Kelly is too aggressive for estimated inputs.
    pub multiplier: Decimal,
    /// Upper bound on the resulting fraction of equity, whatever the estimate says.
    pub max_fraction: Decimal,
}

impl KellyCap {
    /// Full Kelly `f* = W − (1 − W) / R`; zero or negative means the edge is not worth a trade.
    pub fn full_kelly(&self) -> Decimal {
        if self.payoff_ratio <= Decimal::ZERO {
            return Decimal::ZERO;
        }
        self.win_rate - (Decimal::ONE - self.win_rate) / self.payoff_ratio
    }

    /// The fraction of equity the position may take: `min(f* × multiplier, max_fraction)`, at least 0.
    pub fn fraction(&self) -> Decimal {
        (self.full_kelly() * self.multiplier).min(self.max_fraction).max(Decimal::ZERO)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let open_unit = |field, v: Decimal| {
            if v <= Decimal::ZERO || v >= Decimal::ONE {
                Err(ConfigError::new(field, format!("must be between 0 and 1 exclusive, got {v}")))
            } else {
                Ok(())
            }
        };
        open_unit("sizing.kelly.win_rate", self.win_rate)?;
        if self.payoff_ratio <= Decimal::ZERO {
            return Err(ConfigError::new(
                "sizing.kelly.payoff_ratio",
                format!("must be above 0, got {}", self.payoff_ratio),
            ));
        }
        if self.multiplier <= Decimal::ZERO || self.multiplier > Decimal::ONE {
            return Err(ConfigError::new(
                "sizing.kelly.multiplier",
                format!("must be in (0, 1], got {}", self.multiplier),
            ));
        }
        if self.max_fraction <= Decimal::ZERO || self.max_fraction > Decimal::ONE {
            return Err(ConfigError::new(
                "sizing.kelly.max_fraction",
                format!("must be in (0, 1], got {}", self.max_fraction),
            ));
        }
        Ok(())
    }
}

/// Sizing limits; defaults are the KRX scalping ones (1.5 % risk, 30 % per position, 5 positions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SizingRules {
    /// Equity percentage lost if the stop is hit.
    pub risk_per_trade_pct: Decimal,
    /// Largest position value as a percentage of equity; `None` (written `max_position_pct = "none"`) turns
    /// the cap off, so only the cash (and the other caps) limit a buy. Shares already held count at the price
    /// equity values them at (the last price), not at the new order's limit.
    #[serde(with = "pct_or_none")]
    pub max_position_pct: Option<Decimal>,
    pub max_open_positions: usize,
    pub kelly: Option<KellyCap>,
}

impl Default for SizingRules {
    fn default() -> Self {
        SizingRules {
            risk_per_trade_pct: Decimal::new(15, 1),
            max_position_pct: Some(Decimal::from(30)),
            max_open_positions: 5,
            kelly: None,
        }
    }
}

/// Which cap decided the size; tells a refusal for "capped to zero" apart from "no risk budget".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeLimit {
    Risk,
    PositionCap,
    Kelly,
    /// No cap applies (the per-position cap is off, the signal has no stop, no Kelly cap): only the cash
    /// limits the buy. The [`SizeCap::qty`] is then `u64::MAX` shares.
    Uncapped,
}

/// Largest entry allowed and the cap that set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeCap {
    pub qty: Qty,
    pub limit: SizeLimit,
}

impl SizingRules {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let pct = |field, v: Decimal| {
            if v <= Decimal::ZERO || v > HUNDRED {
                Err(ConfigError::new(field, format!("must be in (0, 100] percent, got {v}")))
            } else {
                Ok(())
            }
        };
        pct("sizing.risk_per_trade_pct", self.risk_per_trade_pct)?;
        if let Some(max) = self.max_position_pct {
            pct("sizing.max_position_pct", max)?;
        }
        if self.max_open_positions == 0 {
            return Err(ConfigError::new("sizing.max_open_positions", "must be at least 1"));
        }
        if let Some(k) = &self.kelly {
            k.validate()?;
        }
        Ok(())
    }

    /// The most shares one buy at `price` may add to a holding worth `held_value` (valued at the price equity
    /// uses), given the stop distance per share when the signal has a stop. Whole shares, rounded down.
    pub fn max_entry(
        &self,
        equity: Decimal,
        price: Price,
        stop_distance: Option<Decimal>,
        held_value: Decimal,
    ) -> SizeCap {
        let price = price.value();
        if price <= Decimal::ZERO || equity <= Decimal::ZERO {
            return SizeCap { qty: Qty::ZERO, limit: SizeLimit::PositionCap };
        }
        let room = |fraction: Decimal| shares((equity.saturating_mul(fraction) - held_value) / price);
        let mut best = match self.max_position_pct {
            Some(max) => SizeCap { qty: room(max / HUNDRED), limit: SizeLimit::PositionCap },
            None => SizeCap { qty: Qty::new(u64::MAX), limit: SizeLimit::Uncapped },
        };
        if let Some(d) = stop_distance.filter(|d| *d > Decimal::ZERO) {
            let q = shares(equity.saturating_mul(self.risk_per_trade_pct / HUNDRED) / d);
            if q < best.qty {
                best = SizeCap { qty: q, limit: SizeLimit::Risk };
            }
        }
        if let Some(k) = &self.kelly {
            let q = room(k.fraction());
            if q < best.qty {
                best = SizeCap { qty: q, limit: SizeLimit::Kelly };
            }
        }
        best
    }
}

/// `max_position_pct` as a number of percent, or the word `"none"` for no cap (what `None` serialises to, so
/// `check-config` shows it as written). A number in a string (`"30"`, from an environment variable) is
/// accepted too.
mod pct_or_none {
    use std::fmt;
    use std::str::FromStr;

    use rust_decimal::Decimal;
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serialize, Serializer};

    pub const NONE: &str = "none";

    pub fn serialize<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => Serialize::serialize(d, serializer),
            None => serializer.serialize_str(NONE),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
        deserializer.deserialize_any(PctOrNone)
    }

    struct PctOrNone;

    impl Visitor<'_> for PctOrNone {
        type Value = Option<Decimal>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a percentage of equity (e.g. 30) or \"none\" for no per-position cap")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(Decimal::from(v)))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(Decimal::from(v)))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // Through the shortest text form, so 0.1 is 0.1 and not its binary neighbour.
            Decimal::from_str(&v.to_string()).map(Some).map_err(|_| E::invalid_value(de::Unexpected::Float(v), &self))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            if t.eq_ignore_ascii_case(NONE) {
                return Ok(None);
            }
            Decimal::from_str(t).map(Some).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }
}

/// Whole shares in a non-negative decimal, rounded down; negative is zero.
fn shares(d: Decimal) -> Qty {
    Qty::new(d.floor().to_u64().unwrap_or(0))
}

/// A stop distance that widens with volatility: the larger of `stop_pct` of the price and `atr_multiple`
/// average true ranges. A tight fixed stop in a volatile name would be hit by noise; sizing on the wider
/// distance buys fewer shares instead.
pub fn volatility_stop_distance(price: Price, stop_pct: Decimal, atr: Option<f64>, atr_multiple: Decimal) -> Decimal {
    let fixed = price.value().saturating_mul(stop_pct) / HUNDRED;
    let by_atr = atr
        .filter(|a| a.is_finite() && *a > 0.0)
        .and_then(|a| Decimal::try_from(a).ok())
        .map_or(Decimal::ZERO, |a| a.saturating_mul(atr_multiple));
    fixed.max(by_atr)
}

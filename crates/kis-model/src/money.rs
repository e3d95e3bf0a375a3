//! Exact money: prices, quantities and amounts.
//!
//! Newtypes over [`Decimal`] so that a price cannot be passed where an amount is expected, and so that nothing
//! in the money path can be an `f64`. Quantities are whole shares (KIS trades no fractions).

use std::fmt;
use std::ops::{Add, Mul, Neg, Sub};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::decimal::parse_wire_unsigned;
use crate::market::Currency;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("invalid price {0:?}: expected a non-negative decimal")]
    BadPrice(String),
    #[error("invalid quantity {0:?}: expected a whole non-negative number of shares")]
    BadQty(String),
    #[error("currency mismatch: {0} and {1} cannot be combined")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount overflow")]
    Overflow,
}

/// A price per share, in the instrument's currency. Non-negative by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Price(Decimal);

impl Ord for Price {
    /// Prices of one instrument nearly always share a scale (whole won; cents normalised), and then the
    /// mantissas order them exactly, at a fraction of the cost of `Decimal`'s general comparison: bars,
    /// sessions and exits compare prices on every trade (see BENCHMARKS.md). Other scales take the general way.
    #[inline]
    fn cmp(&self, other: &Price) -> std::cmp::Ordering {
        if self.0.scale() == other.0.scale() {
            self.0.mantissa().cmp(&other.0.mantissa())
        } else {
            self.0.cmp(&other.0)
        }
    }
}

impl PartialOrd for Price {
    #[inline]
    fn partial_cmp(&self, other: &Price) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Price {
    pub const ZERO: Price = Price(Decimal::ZERO);

    pub fn new(value: Decimal) -> Result<Price, MoneyError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::BadPrice(value.to_string()));
        }
        Ok(Price(value.normalize()))
    }

    /// Whole-won prices (KRX) are integers on the wire and in the tick table.
    pub fn from_won(won: u64) -> Price {
        Price(Decimal::from(won))
    }

    pub fn value(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

impl FromStr for Price {
    type Err = MoneyError;

    /// KIS's wire forms through the one wire-decimal reader ([`crate::decimal`]): `"128500"`, `"1091.2600"`,
    /// `" 0.00"`, zero-padded `"000003190"`; no sign (a price is never negative), no exponent.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MoneyError::BadPrice(s.chars().take(64).collect());
        let d = parse_wire_unsigned(s).map_err(|_| bad())?;
        // Whole numbers (every KRX price) are already normalised; skip `normalize` on the hot path.
        if d.scale() == 0 { Ok(Price(d)) } else { Price::new(d).map_err(|_| bad()) }
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A number of shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Qty(u64);

impl Qty {
    pub const ZERO: Qty = Qty(0);

    pub const fn new(shares: u64) -> Qty {
        Qty(shares)
    }

    pub fn shares(self) -> u64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn as_decimal(self) -> Decimal {
        Decimal::from(self.0)
    }

    pub fn checked_sub(self, other: Qty) -> Option<Qty> {
        self.0.checked_sub(other.0).map(Qty)
    }

    pub fn saturating_sub(self, other: Qty) -> Qty {
        Qty(self.0.saturating_sub(other.0))
    }
}

impl Add for Qty {
    type Output = Qty;
    fn add(self, rhs: Qty) -> Qty {
        Qty(self.0.saturating_add(rhs.0))
    }
}

impl FromStr for Qty {
    type Err = MoneyError;

    /// Accepts `"10"`, zero-padded `"0000000001"` and KIS's occasional `"10.00"` (the one wire-decimal reader,
    /// unsigned); refuses fractions.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MoneyError::BadQty(s.chars().take(64).collect());
        let d = parse_wire_unsigned(s).map_err(|_| bad())?;
        if !d.fract().is_zero() {
            return Err(bad());
        }
        u64::try_from(d).map(Qty).map_err(|_| bad())
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Mul<Qty> for Price {
    type Output = Decimal;
    /// Notional value of `qty` shares at this price.
    fn mul(self, qty: Qty) -> Decimal {
        self.0 * Decimal::from(qty.0)
    }
}

/// An amount of cash in one currency (may be negative: PnL, fees owed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { amount: Decimal::ZERO, currency }
    }

    pub fn krw(won: i64) -> Money {
        Money::new(Decimal::from(won), Currency::Krw)
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let amount = self.amount.checked_add(other.amount).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.checked_add(-other)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// Cut to the currency's settlement unit (won, cent), toward zero, as brokers do with fees and taxes.
    pub fn truncated(self) -> Money {
        Money::new(self.amount.trunc_with_scale(self.currency.minor_unit_scale()), self.currency)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money::new(-self.amount, self.currency)
    }
}

impl Add for Money {
    type Output = Money;
    /// Panics on mixed currencies, which is a programming error; use [`Money::checked_add`] on outside data.
    fn add(self, rhs: Money) -> Money {
        assert_eq!(self.currency, rhs.currency, "adding {} to {}", rhs.currency, self.currency);
        Money::new(self.amount + rhs.amount, self.currency)
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        self + (-rhs)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn price_order_is_decimal_order_at_any_scales() {
        let values = ["0", "0.01", "0.1", "1", "1.5", "1.50", "2", "10", "99.99", "100", "100.0001", "128500"];
        let prices: Vec<Price> = values.iter().map(|v| v.parse().unwrap()).collect();
        let raw: Vec<Decimal> = values.iter().map(|v| v.parse().unwrap()).collect();
        // Same-scale pairs (whole won, normalised) and mixed scales both agree with Decimal's own order.
        for (a, da) in prices.iter().zip(&raw) {
            for (b, db) in prices.iter().zip(&raw) {
                assert_eq!(a.cmp(b), da.cmp(db), "{a} vs {b}");
                assert_eq!(a.cmp(b) == std::cmp::Ordering::Equal, a == b, "{a} vs {b}");
            }
        }
        assert!(Price::from_won(70_100) > Price::from_won(70_000));
        assert_eq!(Price::from_won(5).max("5.00".parse().unwrap()), Price::from_won(5));
        assert!("0.5".parse::<Price>().unwrap() < Price::from_won(1));
    }

    #[test]
    fn whole_number_prices_parse_as_the_decimal_parser_does() {
        for text in
            ["0", "000", "7", "70100", "000003190", "999999999999999999", "1000000000000000000", "12345678901234567890"]
        {
            let general = Price::new(Decimal::from_str(text).unwrap()).unwrap();
            let fast: Price = text.parse().unwrap();
            // Same value and the same representation (scale), so printing and hashing agree too.
            assert_eq!(
                (fast, fast.value().scale(), fast.to_string()),
                (general, general.value().scale(), general.to_string())
            );
        }
    }

    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn prices_parse_wire_forms() {
        assert_eq!("128500".parse::<Price>().unwrap(), Price::from_won(128_500));
        assert_eq!("000003190".parse::<Price>().unwrap(), Price::from_won(3_190));
        assert_eq!("1091.2600".parse::<Price>().unwrap().value(), dec!(1091.26));
        assert_eq!(" 0.00".parse::<Price>().unwrap(), Price::ZERO);
        assert!(matches!("-5".parse::<Price>(), Err(MoneyError::BadPrice(_))));
        assert!(matches!("1e5".parse::<Price>(), Err(MoneyError::BadPrice(_))));
        assert!(matches!("+5".parse::<Price>(), Err(MoneyError::BadPrice(_))));
        assert!(matches!("-0".parse::<Price>(), Err(MoneyError::BadPrice(_))));
        assert!(matches!("1_000".parse::<Price>(), Err(MoneyError::BadPrice(_))));
        assert!(matches!("".parse::<Price>(), Err(MoneyError::BadPrice(_))));
    }

    #[test]
    fn qty_parse_wire_forms() {
        assert_eq!("0000000001".parse::<Qty>().unwrap(), Qty::new(1));
        assert_eq!("10.00".parse::<Qty>().unwrap(), Qty::new(10));
        assert!("1.5".parse::<Qty>().is_err());
        assert!("-1".parse::<Qty>().is_err());
        assert!("+1".parse::<Qty>().is_err());
        assert!("1_0".parse::<Qty>().is_err());
        assert_eq!(Qty::new(3).checked_sub(Qty::new(5)), None);
    }

    #[test]
    fn money_is_exact_and_currency_checked() {
        let a = Money::new(dec!(0.1), Currency::Usd);
        let b = Money::new(dec!(0.2), Currency::Usd);
        assert_eq!(a.checked_add(b).unwrap().amount, dec!(0.3));
        assert_eq!(Money::krw(1).checked_add(a), Err(MoneyError::CurrencyMismatch(Currency::Krw, Currency::Usd)));
        assert_eq!(Money::new(dec!(1234.9), Currency::Krw).truncated(), Money::krw(1234));
        assert_eq!(Money::new(dec!(12.349), Currency::Usd).truncated().amount, dec!(12.34));
        assert_eq!(Price::from_won(70_000) * Qty::new(3), dec!(210000));
    }

    proptest::proptest! {
        /// Price and Qty read exactly what the one wire-decimal reader reads (unsigned), never more.
        #[test]
        fn price_and_qty_agree_with_the_wire_reader(text in "[ ]?[+-]?[0-9]{0,22}(\\.[0-9]{0,6})?[ ]?|.{0,24}") {
            let wire = crate::decimal::parse_wire_unsigned(&text);
            let price = text.parse::<Price>();
            proptest::prop_assert_eq!(price.as_ref().ok().copied(), wire.ok().map(|d| Price::new(d).unwrap()));
            if let Ok(p) = price {
                // Normalised exactly as `Price::new` does (so equal prices print and hash alike).
                proptest::prop_assert_eq!(p.value().scale(), p.value().normalize().scale());
            }
            let qty = text.parse::<Qty>().ok();
            let whole = wire.ok().filter(|d| d.fract().is_zero()).and_then(|d| u64::try_from(d).ok()).map(Qty::new);
            proptest::prop_assert_eq!(qty, whole);
        }
    }
}

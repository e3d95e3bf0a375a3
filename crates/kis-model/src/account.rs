//! The KIS account number, a secret: it never appears in logs, errors or panics.
//!
//! `Debug` and `Display` redact everything but the 2-digit product code, so an account can sit in any struct
//! that gets logged. The digits are reachable only through [`AccountNo::cano`], which the wire layer calls
//! when it builds a request.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountError {
    /// The input is not echoed: it is the secret.
    #[error("invalid account number: expected 8 digits + 2-digit product code (e.g. 12345678-01 or 1234567801)")]
    Malformed,
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccountNo {
    cano: [u8; 8],
    product: [u8; 2],
}

impl AccountNo {
    /// Accepts `12345678-01`, `1234567801` or the two parts separately via [`AccountNo::from_parts`].
    pub fn parse(text: &str) -> Result<AccountNo, AccountError> {
        let digits: Vec<u8> = text.trim().bytes().filter(|&b| b != b'-').collect();
        match digits.len() {
            10 => AccountNo::from_bytes(&digits[..8], &digits[8..]),
            _ => Err(AccountError::Malformed),
        }
    }

    /// `CANO` and `ACNT_PRDT_CD` as KIS splits them.
    pub fn from_parts(cano: &str, product: &str) -> Result<AccountNo, AccountError> {
        AccountNo::from_bytes(cano.trim().as_bytes(), product.trim().as_bytes())
    }

    fn from_bytes(cano: &[u8], product: &[u8]) -> Result<AccountNo, AccountError> {
        let all_digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
        let cano: [u8; 8] = cano.try_into().map_err(|_| AccountError::Malformed)?;
        let product: [u8; 2] = product.try_into().map_err(|_| AccountError::Malformed)?;
        if !all_digits(&cano) || !all_digits(&product) {
            return Err(AccountError::Malformed);
        }
        Ok(AccountNo { cano, product })
    }

    /// The 8-digit `CANO`. Only for building requests; never log it.
    pub fn cano(&self) -> &str {
        std::str::from_utf8(&self.cano).unwrap_or("")
    }

    /// `ACNT_PRDT_CD` (`01` stock, `22` pension …); not secret on its own.
    pub fn product(&self) -> &str {
        std::str::from_utf8(&self.product).unwrap_or("")
    }

    /// The 10-digit form H0STCNI0 notices carry in `ACNT_NO`.
    pub fn matches_notice(&self, acnt_no: &str) -> bool {
        let t = acnt_no.trim().as_bytes();
        t.len() == 10 && t[..8] == self.cano && t[8..] == self.product
    }
}

impl fmt::Debug for AccountNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountNo(********-{})", self.product())
    }
}

impl fmt::Display for AccountNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "********-{}", self.product())
    }
}

impl FromStr for AccountNo {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccountNo::parse(s)
    }
}

impl<'de> Deserialize<'de> for AccountNo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        AccountNo::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms() {
        let a = AccountNo::parse("12345678-01").unwrap();
        assert_eq!(a, AccountNo::parse("1234567801").unwrap());
        assert_eq!(a, AccountNo::from_parts("12345678", "01").unwrap());
        assert_eq!((a.cano(), a.product()), ("12345678", "01"));
        assert!(a.matches_notice("1234567801"));
        assert!(!a.matches_notice("1234567802"));
    }

    #[test]
    fn never_prints_the_digits() {
        let a = AccountNo::parse("87654321-22").unwrap();
        for shown in [format!("{a}"), format!("{a:?}"), format!("{:?}", Some(&a))] {
            assert!(!shown.contains("8765"), "{shown}");
        }
        let err = AccountNo::parse("87654321-2x").unwrap_err().to_string();
        assert!(!err.contains("8765"), "{err}");
        let err = serde_json::from_str::<AccountNo>("\"87654321\"").unwrap_err().to_string();
        assert!(!err.contains("8765"), "{err}");
    }
}

//! Order identities: the broker's (branch + order number) and ours (the journal's intent id).
//!
//! KIS needs both `KRX_FWDG_ORD_ORGNO` and `ODNO` to modify or cancel a domestic order, and notices pad the
//! order number with zeros (`0000002891`) while some replies do not; both are normalised so that a notice, a
//! REST reply and the journal compare equal.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderIdError {
    #[error("invalid KIS order number {0:?}: expected up to 10 digits")]
    BadOrderNo(String),
    #[error("invalid KIS branch (org) number {0:?}: expected up to 5 digits")]
    BadBranch(String),
}

fn digits(s: &str, max: usize) -> Option<u64> {
    let t = s.trim();
    if t.is_empty() || t.len() > max || !t.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// A broker order number (`ODNO`), kept as its numeric value and printed 10-digit zero-padded as KIS does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderNo(u64);

impl OrderNo {
    pub fn parse(s: &str) -> Result<OrderNo, OrderIdError> {
        digits(s, 10).map(OrderNo).ok_or_else(|| OrderIdError::BadOrderNo(s.to_string()))
    }

    pub fn new(n: u64) -> OrderNo {
        OrderNo(n)
    }

    pub fn value(self) -> u64 {
        self.0
    }
}

impl fmt::Display for OrderNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:010}", self.0)
    }
}

impl TryFrom<String> for OrderNo {
    type Error = OrderIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        OrderNo::parse(&s)
    }
}

impl From<OrderNo> for String {
    fn from(o: OrderNo) -> String {
        o.to_string()
    }
}

/// The full broker identity of an order: branch (`KRX_FWDG_ORD_ORGNO`, 5 digits) and order number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrderId {
    pub branch: u32,
    pub order_no: OrderNo,
}

impl OrderId {
    pub fn parse(branch: &str, order_no: &str) -> Result<OrderId, OrderIdError> {
        let branch = digits(branch, 5).ok_or_else(|| OrderIdError::BadBranch(branch.to_string()))? as u32;
        Ok(OrderId { branch, order_no: OrderNo::parse(order_no)? })
    }

    /// The branch as KIS writes it (`06010`).
    pub fn branch_code(&self) -> String {
        format!("{:05}", self.branch)
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:05}-{}", self.branch, self.order_no)
    }
}

/// Our own id for an order intent, assigned before the order is journaled and sent; it is what makes a
/// restart able to tell "already sent" from "never sent".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientOrderId(pub u64);

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_and_reply_forms_compare_equal() {
        assert_eq!(OrderNo::parse("0000002891").unwrap(), OrderNo::parse("2891").unwrap());
        let id = OrderId::parse("06010", "0001569157").unwrap();
        assert_eq!(id.to_string(), "06010-0001569157");
        assert_eq!(id.branch_code(), "06010");
        assert_eq!(serde_json::to_string(&id.order_no).unwrap(), "\"0001569157\"");
    }

    #[test]
    fn bad_ids_are_named() {
        assert_eq!(OrderNo::parse("12345678901"), Err(OrderIdError::BadOrderNo("12345678901".into())));
        assert_eq!(OrderNo::parse(""), Err(OrderIdError::BadOrderNo(String::new())));
        assert_eq!(OrderId::parse("0601X", "1"), Err(OrderIdError::BadBranch("0601X".into())));
    }
}

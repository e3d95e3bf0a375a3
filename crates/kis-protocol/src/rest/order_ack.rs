//! The reply of every order, modify and cancel POST (domestic and overseas): KIS's order number.
//!
//! These are the only replies whose `output` keys are UPPERCASE (`KRX_FWDG_ORD_ORGNO`, `ODNO`, `ORD_TMD`);
//! the spec's tables show them lowercase. They serialize UPPERCASE (as KIS sends) and deserialize either way.

use serde::{Deserialize, Serialize};

use crate::rest::wire::wire_record;

wire_record! {
    /// Keep both `krx_fwdg_ord_orgno` and `odno`: a later modify/cancel needs the pair.
    pub struct OrderAck {
        /// Branch/organisation number that took the order (`06010`).
        #[serde(rename = "KRX_FWDG_ORD_ORGNO", alias = "krx_fwdg_ord_orgno")]
        krx_fwdg_ord_orgno: text,
        /// 10-digit order number; a modify or cancel gets a new one.
        #[serde(rename = "ODNO", alias = "odno")]
        odno: text,
        /// Order time HHMMSS, KST (also for overseas orders).
        #[serde(rename = "ORD_TMD", alias = "ord_tmd")]
        ord_tmd: time,
    }
}

/// Body of an order reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderAckBody {
    pub output: OrderAck,
}

impl OrderAck {
    /// The broker identity a later modify/cancel or an execution notice refers to.
    pub fn order_id(&self) -> Result<kis_model::OrderId, kis_model::OrderIdError> {
        kis_model::OrderId::parse(&self.krx_fwdg_ord_orgno, &self.odno)
    }
}

//! Overseas (US) orders (`/uapi/overseas-stock/v1/trading/…`): regular-session order and modify/cancel,
//! and the KST-daytime session's order and modify/cancel (real only).
//!
//! As with domestic orders the side travels in the TR id, so the client-facing requests pair a [`Side`]
//! with the body. There is no US market order: `OVRS_ORD_UNPR` is always a price (`"0"` only for
//! MOO/MOC-type `ORD_DVSN`), and paper accepts only `ORD_DVSN 00`.

use kis_model::Side;

use crate::rest::endpoint::{Method, RestRequest, rest_request};
use crate::rest::order_ack::OrderAckBody;
use crate::rest::wire::wire_request;
use crate::tr_id::Op;

pub const ORDER_PATH: &str = "/uapi/overseas-stock/v1/trading/order";
pub const ORDER_RVSECNCL_PATH: &str = "/uapi/overseas-stock/v1/trading/order-rvsecncl";
pub const DAYTIME_ORDER_PATH: &str = "/uapi/overseas-stock/v1/trading/daytime-order";
pub const DAYTIME_ORDER_RVSECNCL_PATH: &str = "/uapi/overseas-stock/v1/trading/daytime-order-rvsecncl";

wire_request! {
    /// Body of `order` and `daytime-order`.
    pub struct UsOrderBody {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        /// `NASD`, `NYSE`, `AMEX` (order vocabulary, not the quote one).
        ovrs_excg_cd: String = "OVRS_EXCG_CD",
        /// Ticker.
        pdno: String = "PDNO",
        ord_qty: String = "ORD_QTY",
        /// Decimal string; never blank.
        ovrs_ord_unpr: String = "OVRS_ORD_UNPR",
        /// Optional for KIS (a missing one is taken as blank), like the two below.
        ctac_tlno: Option<String> = "CTAC_TLNO",
        mgco_aptm_odno: Option<String> = "MGCO_APTM_ODNO",
        /// Omitted for buys, `"00"` for sells.
        sll_type: Option<String> = "SLL_TYPE",
        /// Optional for KIS (`"0"` when missing).
        ord_svr_dvsn_cd: Option<String> = "ORD_SVR_DVSN_CD",
        /// Buy: `00` limit, `32` LOO, `34` LOC, `35` TWAP, `36` VWAP; sell adds `31` MOO, `33` MOC.
        ord_dvsn: String = "ORD_DVSN",
        /// TWAP/VWAP only.
        start_time: Option<String> = "START_TIME",
        end_time: Option<String> = "END_TIME",
        algo_ord_tmd_dvsn_cd: Option<String> = "ALGO_ORD_TMD_DVSN_CD",
    }
}

/// A regular-session US order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsOrder {
    pub side: Side,
    pub body: UsOrderBody,
}

impl RestRequest for UsOrder {
    const PATH: &'static str = ORDER_PATH;
    const METHOD: Method = Method::Post;
    const OPS: &'static [Op] = &[Op::UsBuy, Op::UsSell];
    type Body = OrderAckBody;

    fn op(&self) -> Op {
        Op::us_order(self.side)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        self.body.pairs()
    }
}

/// A US daytime-session order (limit `00` only, real only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsDaytimeOrder {
    pub side: Side,
    pub body: UsOrderBody,
}

impl RestRequest for UsDaytimeOrder {
    const PATH: &'static str = DAYTIME_ORDER_PATH;
    const METHOD: Method = Method::Post;
    const OPS: &'static [Op] = &[Op::UsDaytimeBuy, Op::UsDaytimeSell];
    type Body = OrderAckBody;

    fn op(&self) -> Op {
        Op::us_daytime_order(self.side)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        self.body.pairs()
    }
}

wire_request! {
    /// Body of `order-rvsecncl` and `daytime-order-rvsecncl`.
    pub struct UsModifyCancelBody {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        ovrs_excg_cd: String = "OVRS_EXCG_CD",
        pdno: String = "PDNO",
        orgn_odno: String = "ORGN_ODNO",
        /// `01` modify, `02` cancel.
        rvse_cncl_dvsn_cd: String = "RVSE_CNCL_DVSN_CD",
        ord_qty: String = "ORD_QTY",
        /// `"0"` on cancel.
        ovrs_ord_unpr: String = "OVRS_ORD_UNPR",
        /// Optional for KIS, like `ORD_SVR_DVSN_CD`.
        mgco_aptm_odno: Option<String> = "MGCO_APTM_ODNO",
        ord_svr_dvsn_cd: Option<String> = "ORD_SVR_DVSN_CD",
    }
}

rest_request!(UsModifyCancelBody, Post ORDER_RVSECNCL_PATH, Op::UsModifyCancel, OrderAckBody);

/// A daytime-session modify/cancel; same body as the regular one, different path and TR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsDaytimeModifyCancel {
    pub body: UsModifyCancelBody,
}

impl RestRequest for UsDaytimeModifyCancel {
    const PATH: &'static str = DAYTIME_ORDER_RVSECNCL_PATH;
    const METHOD: Method = Method::Post;
    const OPS: &'static [Op] = &[Op::UsDaytimeModifyCancel];
    type Body = OrderAckBody;

    fn op(&self) -> Op {
        Op::UsDaytimeModifyCancel
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        self.body.pairs()
    }
}

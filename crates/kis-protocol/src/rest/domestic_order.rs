//! Domestic cash orders and modify/cancel (`/uapi/domestic-stock/v1/trading/order-cash`, `order-rvsecncl`).
//!
//! The body has no buy/sell field: the side travels in the TR id. So the client-facing request pairs a
//! [`Side`] with the body; the simulator decodes the body alone and takes the side from
//! [`crate::tr_id::lookup`].

use kis_model::Side;

use crate::rest::endpoint::{Method, RestRequest, rest_request};
use crate::rest::order_ack::OrderAckBody;
use crate::rest::wire::wire_request;
use crate::tr_id::Op;

pub const ORDER_CASH_PATH: &str = "/uapi/domestic-stock/v1/trading/order-cash";
pub const ORDER_RVSECNCL_PATH: &str = "/uapi/domestic-stock/v1/trading/order-rvsecncl";

wire_request! {
    /// `order-cash` body.
    pub struct OrderCashBody {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        /// 6-digit code (ETN 7 with `Q`).
        pdno: String = "PDNO",
        /// `00` limit, `01` market … (kis-protocol.md §5.4).
        ord_dvsn: String = "ORD_DVSN",
        ord_qty: String = "ORD_QTY",
        /// `"0"` for market-type orders.
        ord_unpr: String = "ORD_UNPR",
        /// `01` normal sell (default), `02` discretionary, `05` loan sell.
        sll_type: Option<String> = "SLL_TYPE",
        /// Stop price, required with `ORD_DVSN 22`.
        cndt_pric: Option<String> = "CNDT_PRIC",
        /// `KRX` (default) / `NXT` / `SOR`; paper: KRX only.
        excg_id_dvsn_cd: Option<String> = "EXCG_ID_DVSN_CD",
    }
}

/// A cash order: the side selects the TR id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderCash {
    pub side: Side,
    pub body: OrderCashBody,
}

impl RestRequest for OrderCash {
    const PATH: &'static str = ORDER_CASH_PATH;
    const METHOD: Method = Method::Post;
    const OPS: &'static [Op] = &[Op::DomesticBuy, Op::DomesticSell];
    type Body = OrderAckBody;

    fn op(&self) -> Op {
        Op::domestic_order(self.side)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        self.body.pairs()
    }
}

wire_request! {
    /// `order-rvsecncl` body. Full cancel as python-kis does it: `RVSE_CNCL_DVSN_CD 02`, `ORD_QTY "0"`,
    /// `ORD_UNPR "0"`, `QTY_ALL_ORD_YN "Y"`.
    pub struct OrderRvsecnclBody {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        /// From the original order's reply (`KRX_FWDG_ORD_ORGNO`).
        krx_fwdg_ord_orgno: String = "KRX_FWDG_ORD_ORGNO",
        orgn_odno: String = "ORGN_ODNO",
        ord_dvsn: String = "ORD_DVSN",
        /// `01` modify, `02` cancel.
        rvse_cncl_dvsn_cd: String = "RVSE_CNCL_DVSN_CD",
        ord_qty: String = "ORD_QTY",
        ord_unpr: String = "ORD_UNPR",
        /// `Y` all remaining quantity, `N` only `ORD_QTY`.
        qty_all_ord_yn: String = "QTY_ALL_ORD_YN",
        cndt_pric: Option<String> = "CNDT_PRIC",
        excg_id_dvsn_cd: Option<String> = "EXCG_ID_DVSN_CD",
    }
}

rest_request!(OrderRvsecnclBody, Post ORDER_RVSECNCL_PATH, Op::DomesticModifyCancel, OrderAckBody);

/// `RVSE_CNCL_DVSN_CD` values.
pub const RVSE_CNCL_MODIFY: &str = "01";
pub const RVSE_CNCL_CANCEL: &str = "02";

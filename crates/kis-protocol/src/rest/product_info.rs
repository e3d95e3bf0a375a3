//! Product master (`search-info`, CTPF1604R, real only): names and codes of a listing. Clients look a symbol
//! up through it before quoting or modifying (python-kis' `kis.stock()`), so a missing listing answers KIS's
//! "no data" (`rt_cd` 7), not an HTTP error.

use serde::{Deserialize, Serialize};

use crate::rest::endpoint::rest_request;
use crate::rest::envelope::single;
use crate::rest::wire::{wire_record, wire_request};
use crate::tr_id::Op;

pub const SEARCH_INFO_PATH: &str = "/uapi/domestic-stock/v1/quotations/search-info";

/// `PRDT_TYPE_CD` of a KRX stock.
pub const PRDT_TYPE_KRX_STOCK: &str = "300";
/// `PRDT_TYPE_CD` of NASDAQ, NYSE and AMEX listings.
pub const PRDT_TYPE_NASDAQ: &str = "512";
pub const PRDT_TYPE_NYSE: &str = "513";
pub const PRDT_TYPE_AMEX: &str = "529";

wire_request! {
    /// `search-info` (CTPF1604R). Both parameters are required.
    pub struct SearchInfoRequest {
        /// Product number: a KRX short code (`005930`) or a US ticker (`AAPL`).
        pdno: String = "PDNO",
        /// 300 KRX stock, 512 NASDAQ, 513 NYSE, 529 AMEX.
        prdt_type_cd: String = "PRDT_TYPE_CD",
    }
}

rest_request!(SearchInfoRequest, Get SEARCH_INFO_PATH, Op::ProductInfo, SearchInfoBody);

wire_record! {
    /// `search-info` `output`, in KIS's order.
    pub struct SearchInfoOutput {
        pdno: text,
        prdt_type_cd: text,
        prdt_name: text,
        prdt_name120: text,
        prdt_abrv_name: text,
        prdt_eng_name: text,
        prdt_eng_name120: text,
        prdt_eng_abrv_name: text,
        /// ISIN (`KR7005930003`, `US0378331005`).
        std_pdno: text,
        shtn_pdno: text,
        prdt_sale_stat_cd: text,
        prdt_risk_grad_cd: text,
        prdt_clsf_cd: text,
        prdt_clsf_name: text,
        sale_strt_dt: text,
        sale_end_dt: text,
        wrap_asst_type_cd: text,
        ivst_prdt_type_cd: text,
        ivst_prdt_type_cd_name: text,
        frst_erlm_dt: text,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchInfoBody {
    #[serde(deserialize_with = "single")]
    pub output: SearchInfoOutput,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::RestRequest;
    use crate::tr_id::{Environment, tr_id};

    #[test]
    fn search_info_is_ctpf1604r_on_real_only() {
        let req = SearchInfoRequest { pdno: "005930".into(), prdt_type_cd: PRDT_TYPE_KRX_STOCK.into() };
        assert_eq!(req.tr_id(Environment::Real), Some("CTPF1604R"));
        assert_eq!(tr_id(Op::ProductInfo, Environment::Paper), None);
        assert_eq!(req.params(), vec![("PDNO", "005930".to_string()), ("PRDT_TYPE_CD", "300".to_string())]);
    }
}

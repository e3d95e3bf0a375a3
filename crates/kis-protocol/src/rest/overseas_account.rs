//! Overseas (US) account inquiries (`/uapi/overseas-stock/v1/trading/…`). These use the *order* exchange
//! vocabulary (`NASD`, which on real accounts means all US markets and on paper only NASDAQ).
//!
//! Several of these replies pad their lists with an all-blank row; [`UsPosition::is_blank`] and
//! [`UsOrderHistoryRow::is_blank`] recognise it.

use serde::{Deserialize, Serialize};

use crate::rest::endpoint::rest_request;
use crate::rest::envelope::{rows, single};
use crate::rest::pagination::paged;
use crate::rest::wire::{wire_record, wire_request};
use crate::tr_id::Op;

pub const BALANCE_PATH: &str = "/uapi/overseas-stock/v1/trading/inquire-balance";
pub const BUYABLE_PATH: &str = "/uapi/overseas-stock/v1/trading/inquire-psamount";
pub const UNFILLED_PATH: &str = "/uapi/overseas-stock/v1/trading/inquire-nccs";
pub const ORDER_HISTORY_PATH: &str = "/uapi/overseas-stock/v1/trading/inquire-ccnl";
pub const DAY_OR_NIGHT_PATH: &str = "/uapi/overseas-stock/v1/trading/dayornight";

wire_request! {
    /// `inquire-balance` (TTTS3012R / VTTS3012R), 100 rows per page.
    pub struct UsBalanceRequest {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        ovrs_excg_cd: String = "OVRS_EXCG_CD",
        /// `USD` …
        tr_crcy_cd: String = "TR_CRCY_CD",
        ctx_area_fk200: String = "CTX_AREA_FK200",
        ctx_area_nk200: String = "CTX_AREA_NK200",
    }
}

rest_request!(UsBalanceRequest, Get BALANCE_PATH, Op::UsBalance, UsBalanceBody);
paged!(request UsBalanceRequest { ctx_area_fk200, ctx_area_nk200 });

wire_record! {
    pub struct UsPosition {
        cano: text,
        acnt_prdt_cd: text,
        /// `512` US.
        prdt_type_cd: text,
        ovrs_pdno: text,
        ovrs_item_name: text,
        frcr_evlu_pfls_amt: dec,
        evlu_pfls_rt: dec,
        pchs_avg_pric: dec,
        /// Held quantity.
        ovrs_cblc_qty: int,
        ord_psbl_qty: int,
        frcr_pchs_amt1: dec,
        ovrs_stck_evlu_amt: dec,
        now_pric2: dec,
        tr_crcy_cd: text,
        ovrs_excg_cd: text,
        loan_type_cd: text,
        loan_dt: opt_date,
        expd_dt: opt_date,
    }
}

impl UsPosition {
    /// KIS's filler row: no symbol.
    pub fn is_blank(&self) -> bool {
        self.ovrs_pdno.trim().is_empty()
    }
}

wire_record! {
    pub struct UsBalanceSummary {
        frcr_pchs_amt1: dec,
        ovrs_rlzt_pfls_amt: dec,
        ovrs_tot_pfls: dec,
        rlzt_erng_rt: dec,
        tot_evlu_pfls_amt: dec,
        tot_pftrt: dec,
        frcr_buy_amt_smtl1: dec,
        ovrs_rlzt_pfls_amt2: dec,
        frcr_buy_amt_smtl2: dec,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsBalanceBody {
    pub ctx_area_fk200: String,
    pub ctx_area_nk200: String,
    #[serde(deserialize_with = "rows")]
    pub output1: Vec<UsPosition>,
    #[serde(deserialize_with = "single")]
    pub output2: UsBalanceSummary,
}

paged!(body UsBalanceBody { ctx_area_fk200, ctx_area_nk200 });

wire_request! {
    /// `inquire-psamount` (TTTS3007R / VTTS3007R).
    pub struct UsBuyableRequest {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        ovrs_excg_cd: String = "OVRS_EXCG_CD",
        ovrs_ord_unpr: String = "OVRS_ORD_UNPR",
        item_cd: String = "ITEM_CD",
    }
}

rest_request!(UsBuyableRequest, Get BUYABLE_PATH, Op::UsBuyable, UsBuyableBody);

wire_record! {
    pub struct UsBuyableOutput {
        tr_crcy_cd: text,
        ord_psbl_frcr_amt: dec,
        sll_ruse_psbl_amt: dec,
        ovrs_ord_psbl_amt: dec,
        max_ord_psbl_qty: int,
        echm_af_ord_psbl_amt: dec,
        echm_af_ord_psbl_qty: int,
        ord_psbl_qty: int,
        exrt: dec,
        frcr_ord_psbl_amt1: dec,
        ovrs_max_ord_psbl_qty: int,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsBuyableBody {
    #[serde(deserialize_with = "single")]
    pub output: UsBuyableOutput,
}

wire_request! {
    /// `inquire-nccs` (TTTS3018R, real only), ≤40 rows per page. `OVRS_EXCG_CD` must be set (`NASD` = all US).
    pub struct UsUnfilledRequest {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        ovrs_excg_cd: String = "OVRS_EXCG_CD",
        /// `DS` ascending, or blank.
        sort_sqn: String = "SORT_SQN",
        ctx_area_fk200: String = "CTX_AREA_FK200",
        ctx_area_nk200: String = "CTX_AREA_NK200",
    }
}

rest_request!(UsUnfilledRequest, Get UNFILLED_PATH, Op::UsUnfilled, UsUnfilledBody);
paged!(request UsUnfilledRequest { ctx_area_fk200, ctx_area_nk200 });

wire_record! {
    pub struct UsUnfilledOrder {
        ord_dt: date,
        ord_gno_brno: text,
        odno: text,
        orgn_odno: text,
        pdno: text,
        prdt_name: text,
        sll_buy_dvsn_cd: side,
        sll_buy_dvsn_cd_name: text,
        rvse_cncl_dvsn_cd: text,
        rvse_cncl_dvsn_cd_name: text,
        rjct_rson: text,
        rjct_rson_name: text,
        ord_tmd: time,
        tr_mket_name: text,
        tr_crcy_cd: text,
        natn_cd: text,
        natn_kor_name: text,
        ft_ord_qty: int,
        ft_ccld_qty: int,
        /// Unfilled quantity.
        nccs_qty: int,
        ft_ord_unpr3: dec,
        ft_ccld_unpr3: dec,
        ft_ccld_amt3: dec,
        ovrs_excg_cd: text,
        prcs_stat_name: text,
        loan_type_cd: text,
        loan_dt: opt_date,
        usa_amk_exts_rqst_yn: text,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsUnfilledBody {
    pub ctx_area_fk200: String,
    pub ctx_area_nk200: String,
    #[serde(deserialize_with = "rows")]
    pub output: Vec<UsUnfilledOrder>,
}

paged!(body UsUnfilledBody { ctx_area_fk200, ctx_area_nk200 });

wire_request! {
    /// `inquire-ccnl` (TTTS3035R / VTTS3035R): order history. Paper accepts only blank/`00`/`%` filters and
    /// cannot search by `ODNO`; it is paper's way to see unfilled orders (`nccs_qty`).
    pub struct UsOrderHistoryRequest {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        /// `%` all (paper: blank).
        pdno: String = "PDNO",
        /// Exchange-local dates YYYYMMDD.
        ord_strt_dt: String = "ORD_STRT_DT",
        ord_end_dt: String = "ORD_END_DT",
        /// `00` all, `01` sell, `02` buy.
        sll_buy_dvsn: String = "SLL_BUY_DVSN",
        /// `00` all, `01` filled, `02` unfilled.
        ccld_nccs_dvsn: String = "CCLD_NCCS_DVSN",
        ovrs_excg_cd: String = "OVRS_EXCG_CD",
        /// `DS` / `AS`.
        sort_sqn: String = "SORT_SQN",
        ord_dt: String = "ORD_DT",
        ord_gno_brno: String = "ORD_GNO_BRNO",
        odno: String = "ODNO",
        ctx_area_nk200: String = "CTX_AREA_NK200",
        ctx_area_fk200: String = "CTX_AREA_FK200",
    }
}

rest_request!(UsOrderHistoryRequest, Get ORDER_HISTORY_PATH, Op::UsOrderHistory, UsOrderHistoryBody);
paged!(request UsOrderHistoryRequest { ctx_area_fk200, ctx_area_nk200 });

wire_record! {
    pub struct UsOrderHistoryRow {
        /// Exchange-local order date.
        ord_dt: opt_date,
        ord_gno_brno: text,
        odno: text,
        orgn_odno: text,
        sll_buy_dvsn_cd: side,
        sll_buy_dvsn_cd_name: text,
        rvse_cncl_dvsn: text,
        rvse_cncl_dvsn_name: text,
        pdno: text,
        prdt_name: text,
        ft_ord_qty: int,
        ft_ord_unpr3: dec,
        ft_ccld_qty: int,
        ft_ccld_unpr3: dec,
        ft_ccld_amt3: dec,
        nccs_qty: int,
        /// 완료, 거부, 전송.
        prcs_stat_name: text,
        rjct_rson: text,
        rjct_rson_name: text,
        ord_tmd: text,
        tr_mket_name: text,
        tr_natn: text,
        tr_natn_name: text,
        ovrs_excg_cd: text,
        tr_crcy_cd: text,
        dmst_ord_dt: opt_date,
        thco_ord_tmd: text,
        loan_type_cd: text,
        loan_dt: opt_date,
        mdia_dvsn_name: text,
        usa_amk_exts_rqst_yn: text,
        splt_buy_attr_name: text,
    }
}

impl UsOrderHistoryRow {
    /// KIS answers "nothing found" with `rt_cd "0"` and one row whose order number is blank.
    pub fn is_blank(&self) -> bool {
        self.odno.trim().is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsOrderHistoryBody {
    pub ctx_area_fk200: String,
    pub ctx_area_nk200: String,
    /// An array normally; a single object when nothing matched.
    #[serde(deserialize_with = "rows")]
    pub output: Vec<UsOrderHistoryRow>,
}

paged!(body UsOrderHistoryBody { ctx_area_fk200, ctx_area_nk200 });

/// `dayornight` (JTTT3010R): no parameters. Clients ask it to pick the day or night TR ids and exchange
/// codes (night ledger: `JTTT3012R` balance and the regular venues; day ledger: `TTTS3012R` and the US
/// daytime venues `BAQ`/`BAY`/`BAA`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayOrNightRequest;

impl crate::rest::endpoint::RestRequest for DayOrNightRequest {
    const PATH: &'static str = DAY_OR_NIGHT_PATH;
    const METHOD: crate::rest::endpoint::Method = crate::rest::endpoint::Method::Get;
    const OPS: &'static [Op] = &[Op::UsDayOrNight];
    type Body = DayOrNightBody;

    fn op(&self) -> Op {
        Op::UsDayOrNight
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

wire_record! {
    /// The key is UPPERCASE on the wire: clients read `output["PSBL_YN"]`.
    pub struct DayOrNight {
        /// `Y` night ledger, `N` day ledger.
        #[serde(rename = "PSBL_YN", alias = "psbl_yn")]
        psbl_yn: text,
    }
}

impl DayOrNight {
    pub fn is_night(&self) -> bool {
        self.psbl_yn.trim() == "Y"
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DayOrNightBody {
    #[serde(deserialize_with = "single")]
    pub output: DayOrNight,
}

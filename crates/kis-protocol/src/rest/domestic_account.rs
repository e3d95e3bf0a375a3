//! Domestic account inquiries (`/uapi/domestic-stock/v1/trading/…`): balance, buyable amount, daily
//! orders/fills, modifiable orders.

use serde::{Deserialize, Serialize};

use crate::rest::endpoint::{Method, RestRequest, rest_request};
use crate::rest::envelope::{rows, single};
use crate::rest::pagination::paged;
use crate::rest::wire::{wire_record, wire_request};
use crate::tr_id::Op;

pub const BALANCE_PATH: &str = "/uapi/domestic-stock/v1/trading/inquire-balance";
pub const BUYABLE_PATH: &str = "/uapi/domestic-stock/v1/trading/inquire-psbl-order";
pub const DAILY_CCLD_PATH: &str = "/uapi/domestic-stock/v1/trading/inquire-daily-ccld";
pub const MODIFIABLE_PATH: &str = "/uapi/domestic-stock/v1/trading/inquire-psbl-rvsecncl";

wire_request! {
    /// `inquire-balance` (TTTC8434R / VTTC8434R). Pages: 50 rows real, 20 paper.
    pub struct BalanceRequest {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        /// `N` default, `Y` after-hours single price, `X` NXT.
        afhr_flpr_yn: String = "AFHR_FLPR_YN",
        ofl_yn: String = "OFL_YN",
        /// `01` by loan date, `02` by symbol.
        inqr_dvsn: String = "INQR_DVSN",
        unpr_dvsn: String = "UNPR_DVSN",
        fund_sttl_icld_yn: String = "FUND_STTL_ICLD_YN",
        fncg_amt_auto_rdpt_yn: String = "FNCG_AMT_AUTO_RDPT_YN",
        /// `00` include yesterday's trades, `01` exclude.
        prcs_dvsn: String = "PRCS_DVSN",
        ctx_area_fk100: String = "CTX_AREA_FK100",
        ctx_area_nk100: String = "CTX_AREA_NK100",
    }
}

rest_request!(BalanceRequest, Get BALANCE_PATH, Op::DomesticBalance, BalanceBody);
paged!(request BalanceRequest { ctx_area_fk100, ctx_area_nk100 });

wire_record! {
    /// A position row. The same symbol appears once per trade type (현금, 자기융자 …); rows of positions sold
    /// today stay with zero quantity until D+2.
    pub struct BalancePosition {
        pdno: text,
        prdt_name: text,
        trad_dvsn_name: text,
        bfdy_buy_qty: int,
        bfdy_sll_qty: int,
        thdt_buyqty: int,
        thdt_sll_qty: int,
        hldg_qty: int,
        ord_psbl_qty: int,
        pchs_avg_pric: dec,
        pchs_amt: dec,
        prpr: dec,
        evlu_amt: dec,
        evlu_pfls_amt: dec,
        evlu_pfls_rt: dec,
        evlu_erng_rt: dec,
        loan_dt: opt_date,
        loan_amt: dec,
        stln_slng_chgs: dec,
        expd_dt: opt_date,
        fltt_rt: dec,
        bfdy_cprs_icdc: dec,
        item_mgna_rt_name: text,
        grta_rt_name: text,
        sbst_pric: dec,
        stck_loan_unpr: dec,
    }
}

wire_record! {
    /// Account totals (KIS sends it as a one-element array).
    pub struct BalanceSummary {
        /// Cash deposit.
        dnca_tot_amt: dec,
        /// D+1 settlement cash.
        nxdy_excc_amt: dec,
        /// D+2 settlement cash.
        prvs_rcdl_excc_amt: dec,
        cma_evlu_amt: dec,
        bfdy_buy_amt: dec,
        thdt_buy_amt: dec,
        nxdy_auto_rdpt_amt: dec,
        bfdy_sll_amt: dec,
        thdt_sll_amt: dec,
        d2_auto_rdpt_amt: dec,
        bfdy_tlex_amt: dec,
        thdt_tlex_amt: dec,
        tot_loan_amt: dec,
        scts_evlu_amt: dec,
        tot_evlu_amt: dec,
        nass_amt: dec,
        fncg_gld_auto_rdpt_yn: text,
        pchs_amt_smtl_amt: dec,
        evlu_amt_smtl_amt: dec,
        evlu_pfls_smtl_amt: dec,
        tot_stln_slng_chgs: dec,
        bfdy_tot_asst_evlu_amt: dec,
        asst_icdc_amt: dec,
        asst_icdc_erng_rt: dec,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BalanceBody {
    /// Space-padded cursor; send back verbatim.
    pub ctx_area_fk100: String,
    pub ctx_area_nk100: String,
    #[serde(deserialize_with = "rows")]
    pub output1: Vec<BalancePosition>,
    #[serde(deserialize_with = "rows")]
    pub output2: Vec<BalanceSummary>,
}

paged!(body BalanceBody { ctx_area_fk100, ctx_area_nk100 });

impl BalanceBody {
    /// The totals row, if KIS sent one.
    pub fn summary(&self) -> Option<&BalanceSummary> {
        self.output2.first()
    }
}

wire_request! {
    /// `inquire-psbl-order` (TTTC8908R / VTTC8908R). Query with `ORD_DVSN 01` to get a quantity that
    /// reflects the symbol's margin rate; `00` ignores it (KIS spec).
    pub struct BuyableRequest {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        pdno: String = "PDNO",
        /// Blank for market price.
        ord_unpr: String = "ORD_UNPR",
        ord_dvsn: String = "ORD_DVSN",
        cma_evlu_amt_icld_yn: String = "CMA_EVLU_AMT_ICLD_YN",
        ovrs_icld_yn: String = "OVRS_ICLD_YN",
    }
}

rest_request!(BuyableRequest, Get BUYABLE_PATH, Op::DomesticBuyable, BuyableBody);

wire_record! {
    pub struct BuyableOutput {
        ord_psbl_cash: dec,
        ord_psbl_sbst: dec,
        ruse_psbl_amt: dec,
        fund_rpch_chgs: dec,
        psbl_qty_calc_unpr: dec,
        /// Buyable amount without a margin loan (미수 없이).
        nrcvb_buy_amt: dec,
        /// Buyable quantity without a margin loan.
        nrcvb_buy_qty: int,
        /// Using 미수 (margin loan).
        max_buy_amt: dec,
        max_buy_qty: int,
        cma_evlu_amt: dec,
        ovrs_re_use_amt_wcrc: dec,
        ord_psbl_frcr_amt_wcrc: dec,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BuyableBody {
    #[serde(deserialize_with = "single")]
    pub output: BuyableOutput,
}

wire_request! {
    /// `inquire-daily-ccld` query. Pages: 100 rows real, 15 paper.
    pub struct DailyCcldQuery {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        inqr_strt_dt: String = "INQR_STRT_DT",
        inqr_end_dt: String = "INQR_END_DT",
        /// `00` all, `01` sell, `02` buy.
        sll_buy_dvsn_cd: String = "SLL_BUY_DVSN_CD",
        /// `00` newest first, `01` oldest first.
        inqr_dvsn: String = "INQR_DVSN",
        pdno: String = "PDNO",
        /// `00` all, `01` filled, `02` unfilled.
        ccld_dvsn: String = "CCLD_DVSN",
        ord_gno_brno: String = "ORD_GNO_BRNO",
        odno: String = "ODNO",
        inqr_dvsn_3: String = "INQR_DVSN_3",
        inqr_dvsn_1: String = "INQR_DVSN_1",
        /// `KRX|NXT|SOR|ALL`.
        excg_id_dvsn_cd: Option<String> = "EXCG_ID_DVSN_CD",
        ctx_area_fk100: String = "CTX_AREA_FK100",
        ctx_area_nk100: String = "CTX_AREA_NK100",
    }
}

paged!(request DailyCcldQuery { ctx_area_fk100, ctx_area_nk100 });

/// Which TR serves the dates: KIS splits the history at 3 months into two TRs on one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CcldWindow {
    /// Within the last 3 months.
    Recent,
    /// Older than 3 months.
    Old,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCcld {
    pub window: CcldWindow,
    pub query: DailyCcldQuery,
}

impl RestRequest for DailyCcld {
    const PATH: &'static str = DAILY_CCLD_PATH;
    const METHOD: Method = Method::Get;
    const OPS: &'static [Op] = &[Op::DomesticDailyCcldRecent, Op::DomesticDailyCcldOld];
    type Body = DailyCcldBody;

    fn op(&self) -> Op {
        match self.window {
            CcldWindow::Recent => Op::DomesticDailyCcldRecent,
            CcldWindow::Old => Op::DomesticDailyCcldOld,
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        self.query.pairs()
    }
}

wire_record! {
    /// One order of the day, with its fills so far.
    pub struct DailyCcldRow {
        ord_dt: date,
        ord_gno_brno: text,
        odno: text,
        orgn_odno: text,
        ord_dvsn_name: text,
        /// `01` sell, `02` buy.
        sll_buy_dvsn_cd: side,
        sll_buy_dvsn_cd_name: text,
        pdno: text,
        prdt_name: text,
        ord_qty: int,
        ord_unpr: dec,
        ord_tmd: time,
        tot_ccld_qty: int,
        /// Average fill price.
        avg_prvs: dec,
        cncl_yn: text,
        tot_ccld_amt: dec,
        loan_dt: opt_date,
        ordr_empno: text,
        ord_dvsn_cd: text,
        /// The spec says `cnc_cfrm_qty`, the example `cncl_cfrm_qty`.
        #[serde(alias = "cnc_cfrm_qty")]
        cncl_cfrm_qty: int,
        rmn_qty: int,
        rjct_qty: int,
        ccld_cndt_name: text,
        inqr_ip_addr: text,
        cpbc_ordp_ord_rcit_dvsn_cd: text,
        cpbc_ordp_infm_mthd_dvsn_cd: text,
        infm_tmd: text,
        ctac_tlno: text,
        prdt_type_cd: text,
        excg_dvsn_cd: text,
        cpbc_ordp_mtrl_dvsn_cd: text,
        ord_orgno: text,
        rsvn_ord_end_dt: text,
        /// The spec spells it `excg_id_dvsn_Cd`; keys are lowered before decoding.
        excg_id_dvsn_cd: text,
        stpm_cndt_pric: text,
        stpm_efct_occr_dtmd: text,
    }
}

wire_record! {
    /// Totals of the listed orders (the spec's Korean labels for these are shuffled).
    pub struct DailyCcldTotals {
        tot_ord_qty: int,
        tot_ccld_qty: int,
        tot_ccld_amt: dec,
        prsm_tlex_smtl: dec,
        pchs_avg_pric: dec,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DailyCcldBody {
    pub ctx_area_fk100: String,
    pub ctx_area_nk100: String,
    #[serde(deserialize_with = "rows")]
    pub output1: Vec<DailyCcldRow>,
    #[serde(deserialize_with = "single")]
    pub output2: DailyCcldTotals,
}

paged!(body DailyCcldBody { ctx_area_fk100, ctx_area_nk100 });

wire_request! {
    /// `inquire-psbl-rvsecncl` (TTTC0084R, real only): orders with a quantity that can still be modified or
    /// cancelled. 50 rows per page.
    pub struct ModifiableRequest {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        ctx_area_fk100: String = "CTX_AREA_FK100",
        ctx_area_nk100: String = "CTX_AREA_NK100",
        /// `0` by order, `1` by symbol.
        inqr_dvsn_1: String = "INQR_DVSN_1",
        /// `0` all, `1` sell, `2` buy.
        inqr_dvsn_2: String = "INQR_DVSN_2",
    }
}

rest_request!(ModifiableRequest, Get MODIFIABLE_PATH, Op::DomesticModifiable, ModifiableBody);
paged!(request ModifiableRequest { ctx_area_fk100, ctx_area_nk100 });

wire_record! {
    pub struct ModifiableOrder {
        ord_gno_brno: text,
        odno: text,
        orgn_odno: text,
        ord_dvsn_name: text,
        pdno: text,
        prdt_name: text,
        rvse_cncl_dvsn_name: text,
        ord_qty: int,
        ord_unpr: dec,
        ord_tmd: time,
        tot_ccld_qty: int,
        tot_ccld_amt: dec,
        /// Quantity that can still be modified/cancelled.
        psbl_qty: int,
        sll_buy_dvsn_cd: side,
        ord_dvsn_cd: text,
        mgco_aptm_odno: text,
        excg_dvsn_cd: text,
        excg_id_dvsn_cd: text,
        excg_id_dvsn_name: text,
        stpm_cndt_pric: text,
        stpm_efct_occr_yn: text,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModifiableBody {
    pub ctx_area_fk100: String,
    pub ctx_area_nk100: String,
    #[serde(deserialize_with = "rows")]
    pub output: Vec<ModifiableOrder>,
}

paged!(body ModifiableBody { ctx_area_fk100, ctx_area_nk100 });

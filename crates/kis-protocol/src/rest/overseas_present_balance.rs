//! Overseas `inquire-present-balance` (CTRP6504R real, VTRP6504R paper): settled-basis balance per
//! currency and in total, with positions. python-kis uses it for every US balance.

use serde::{Deserialize, Serialize};

use crate::rest::endpoint::rest_request;
use crate::rest::envelope::rows;
use crate::rest::wire::{wire_record, wire_request};
use crate::tr_id::Op;

pub const PRESENT_BALANCE_PATH: &str = "/uapi/overseas-stock/v1/trading/inquire-present-balance";

wire_request! {
    /// `inquire-present-balance`; every parameter is required.
    pub struct UsPresentBalanceRequest {
        cano: String = "CANO",
        acnt_prdt_cd: String = "ACNT_PRDT_CD",
        /// `01` won, `02` foreign currency.
        wcrc_frcr_dvsn_cd: String = "WCRC_FRCR_DVSN_CD",
        /// `000` all, `840` US.
        natn_cd: String = "NATN_CD",
        /// `00` all markets.
        tr_mket_cd: String = "TR_MKET_CD",
        inqr_dvsn_cd: String = "INQR_DVSN_CD",
    }
}

rest_request!(UsPresentBalanceRequest, Get PRESENT_BALANCE_PATH, Op::UsPresentBalance, UsPresentBalanceBody);

wire_record! {
    /// `output1`: one holding.
    pub struct UsPresentPosition {
        prdt_name: text,
        cblc_qty13: dec,
        thdt_buy_ccld_qty1: dec,
        thdt_sll_ccld_qty1: dec,
        ccld_qty_smtl1: dec,
        ord_psbl_qty1: dec,
        frcr_pchs_amt: dec,
        frcr_evlu_amt2: dec,
        evlu_pfls_amt2: dec,
        evlu_pfls_rt1: dec,
        pdno: text,
        bass_exrt: dec,
        buy_crcy_cd: text,
        ovrs_now_pric1: dec,
        avg_unpr3: dec,
        tr_mket_name: text,
        natn_kor_name: text,
        pchs_rmnd_wcrc_amt: dec,
        thdt_buy_ccld_frcr_amt: dec,
        thdt_sll_ccld_frcr_amt: dec,
        unit_amt: dec,
        std_pdno: text,
        prdt_type_cd: text,
        scts_dvsn_name: text,
        loan_rmnd: dec,
        loan_dt: text,
        loan_expd_dt: text,
        ovrs_excg_cd: text,
        item_lnkg_excg_cd: text,
    }
}

wire_record! {
    /// `output2`: one currency.
    pub struct UsPresentCurrency {
        crcy_cd: text,
        crcy_cd_name: text,
        frcr_buy_amt_smtl: dec,
        frcr_sll_amt_smtl: dec,
        /// Foreign-currency deposit.
        frcr_dncl_amt_2: dec,
        frst_bltn_exrt: dec,
        frcr_buy_mgn_amt: dec,
        frcr_etc_mgna: dec,
        frcr_drwg_psbl_amt_1: dec,
        frcr_evlu_amt2: dec,
        acpl_cstd_crcy_yn: text,
        nxdy_frcr_drwg_psbl_amt: dec,
    }
}

wire_record! {
    /// `output3`: totals in won.
    pub struct UsPresentTotals {
        pchs_amt_smtl: dec,
        evlu_amt_smtl: dec,
        evlu_pfls_amt_smtl: dec,
        dncl_amt: dec,
        cma_evlu_amt: dec,
        tot_dncl_amt: dec,
        etc_mgna: dec,
        wdrw_psbl_tot_amt: dec,
        frcr_evlu_tot: dec,
        evlu_erng_rt1: dec,
        pchs_amt_smtl_amt: dec,
        evlu_amt_smtl_amt: dec,
        tot_evlu_pfls_amt: dec,
        tot_asst_amt: dec,
        buy_mgn_amt: dec,
        mgna_tot: dec,
        frcr_use_psbl_amt: dec,
        ustl_sll_amt_smtl: dec,
        ustl_buy_amt_smtl: dec,
        tot_frcr_cblc_smtl: dec,
        tot_loan_amt: dec,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsPresentBalanceBody {
    #[serde(deserialize_with = "rows")]
    pub output1: Vec<UsPresentPosition>,
    #[serde(deserialize_with = "rows")]
    pub output2: Vec<UsPresentCurrency>,
    #[serde(deserialize_with = "crate::rest::envelope::single")]
    pub output3: UsPresentTotals,
}

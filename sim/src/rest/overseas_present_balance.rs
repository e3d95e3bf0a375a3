//! Overseas `inquire-present-balance` (CTRP6504R/VTRP6504R): the account's US holdings and dollars, in
//! dollars and in won at the simulator's fixed rate.

use kis_model::{Currency, Market, Symbol};
use kis_protocol::rest::overseas_present_balance::*;
use rust_decimal::Decimal;

use crate::exchange::Exchange;
use crate::rest::overseas::{USD_KRW, us_mark};
use crate::rest::{Call, Handled, check_account, decode, inquiry};

fn won(usd: Decimal, rate: Decimal) -> String {
    (usd * rate).round_dp(0).to_string()
}

pub fn present_balance(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, UsPresentBalanceRequest::from_pairs)?;
    check_account(ex, call, &req.cano, &req.acnt_prdt_cd)?;
    let rate = USD_KRW.parse::<Decimal>().unwrap_or(Decimal::ONE);
    let engine = &ex.accounts[call.account].engine;
    let output1: Vec<UsPresentPosition> = engine
        .positions()
        .filter(|p| p.symbol.market() == Market::Us && !p.qty.is_zero())
        .map(|p| {
            let last = us_mark(ex, &p.symbol).map(|m| m.value()).unwrap_or_default();
            let qty = p.qty.as_decimal();
            let (eval, pnl) = (last * qty, last * qty - p.cost);
            let (exch, market_name) = match p.symbol {
                Symbol::Us(e, _) => (e.order_code(), e.name()),
                Symbol::Krx(_) => ("", ""),
            };
            UsPresentPosition {
                prdt_name: ex.names.get(&p.symbol).cloned().unwrap_or_default(),
                cblc_qty13: qty.to_string(),
                thdt_buy_ccld_qty1: "0".into(),
                thdt_sll_ccld_qty1: "0".into(),
                ccld_qty_smtl1: qty.to_string(),
                ord_psbl_qty1: p.qty.saturating_sub(p.sell_reserved).shares().to_string(),
                frcr_pchs_amt: p.cost.round_dp(2).to_string(),
                frcr_evlu_amt2: eval.round_dp(2).to_string(),
                evlu_pfls_amt2: pnl.round_dp(2).to_string(),
                evlu_pfls_rt1: if p.cost.is_zero() {
                    "0.00".into()
                } else {
                    (pnl * Decimal::ONE_HUNDRED / p.cost).round_dp(2).to_string()
                },
                pdno: p.symbol.code().to_string(),
                bass_exrt: USD_KRW.into(),
                buy_crcy_cd: "USD".into(),
                ovrs_now_pric1: last.to_string(),
                avg_unpr3: (p.cost / qty).round_dp(4).to_string(),
                tr_mket_name: market_name.into(),
                natn_kor_name: "미국".into(),
                pchs_rmnd_wcrc_amt: won(p.cost, rate),
                thdt_buy_ccld_frcr_amt: "0".into(),
                thdt_sll_ccld_frcr_amt: "0".into(),
                unit_amt: "1".into(),
                std_pdno: crate::rest::product_info::isin(&format!("US{:0>9}", p.symbol.code())),
                prdt_type_cd: "512".into(),
                scts_dvsn_name: "현금".into(),
                loan_rmnd: "0".into(),
                loan_dt: String::new(),
                loan_expd_dt: String::new(),
                ovrs_excg_cd: exch.into(),
                item_lnkg_excg_cd: String::new(),
            }
        })
        .collect();
    let s = engine.cash_summary(Currency::Usd, |sym| us_mark(ex, sym));
    let output2 = vec![UsPresentCurrency {
        crcy_cd: "USD".into(),
        crcy_cd_name: "미국 달러".into(),
        frcr_buy_amt_smtl: s.purchase_amount.round_dp(2).to_string(),
        frcr_sll_amt_smtl: "0".into(),
        frcr_dncl_amt_2: s.deposit.round_dp(2).to_string(),
        frst_bltn_exrt: USD_KRW.into(),
        frcr_buy_mgn_amt: s.reserved.round_dp(2).to_string(),
        frcr_etc_mgna: "0".into(),
        frcr_drwg_psbl_amt_1: s.available.round_dp(2).to_string(),
        frcr_evlu_amt2: s.evaluation.round_dp(2).to_string(),
        acpl_cstd_crcy_yn: "Y".into(),
        nxdy_frcr_drwg_psbl_amt: s.available.round_dp(2).to_string(),
    }];
    let output3 = UsPresentTotals {
        pchs_amt_smtl: won(s.purchase_amount, rate),
        evlu_amt_smtl: won(s.evaluation, rate),
        evlu_pfls_amt_smtl: won(s.eval_pnl, rate),
        dncl_amt: "0".into(),
        cma_evlu_amt: "0".into(),
        tot_dncl_amt: won(s.deposit, rate),
        etc_mgna: "0".into(),
        wdrw_psbl_tot_amt: won(s.available, rate),
        frcr_evlu_tot: won(s.total_evaluation, rate),
        evlu_erng_rt1: if s.purchase_amount.is_zero() {
            "0.00000000".into()
        } else {
            (s.eval_pnl * Decimal::ONE_HUNDRED / s.purchase_amount).round_dp(8).to_string()
        },
        pchs_amt_smtl_amt: won(s.purchase_amount, rate),
        evlu_amt_smtl_amt: won(s.evaluation, rate),
        tot_evlu_pfls_amt: won(s.eval_pnl, rate),
        tot_asst_amt: won(s.total_evaluation, rate),
        buy_mgn_amt: won(s.reserved, rate),
        mgna_tot: won(s.reserved, rate),
        frcr_use_psbl_amt: s.available.round_dp(2).to_string(),
        ustl_sll_amt_smtl: "0".into(),
        ustl_buy_amt_smtl: "0".into(),
        tot_frcr_cblc_smtl: s.deposit.round_dp(2).to_string(),
        tot_loan_amt: "0".into(),
    };
    inquiry(UsPresentBalanceBody { output1, output2, output3 })
}

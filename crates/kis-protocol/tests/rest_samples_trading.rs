//! KIS's own documented REST examples (testdata/kis-samples/official_rest_*), decoded field by field:
//! OAuth, domestic orders and the domestic account inquiries.
//!
//! The `.txt` samples are not valid JSON (KIS elided rows with `......`, or the Excel export cut them off):
//! for those the complete flat objects are extracted from the text and decoded on their own.

mod common;

use chrono::{NaiveDate, NaiveTime};
use kis_protocol::rest::decode::decode_plain;
use kis_protocol::rest::domestic_account::{BalanceBody, BuyableBody, DailyCcldBody, ModifiableBody};
use kis_protocol::rest::domestic_order::{OrderCashBody, OrderRvsecnclBody};
use kis_protocol::rest::envelope::Reply;
use kis_protocol::rest::oauth::{ApprovalRequest, ApprovalResponse, RevokeResponse, TokenRequest, TokenResponse};
use kis_protocol::rest::order_ack::OrderAckBody;
use kis_protocol::rest::pagination::{Continuation, NextPage, next_page};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

use common::*;

// ---- OAuth ----

#[test]
fn token_request_and_response() {
    let request: TokenRequest = serde_json::from_slice(&sample("official_rest_oauth_tokenP_request.json")).unwrap();
    assert_eq!(request.grant_type, "client_credentials");
    assert_eq!(request.appkey.expose(), "PSg5dctL9dKPo727J13Ur405OSXXXXXXXXXX");
    assert_eq!(request.appsecret.expose().len(), 180);
    assert_eq!(serde_json::to_value(&request).unwrap(), sample_value("official_rest_oauth_tokenP_request.json"));

    let token: TokenResponse = decode_plain(200, &sample("official_rest_oauth_tokenP_response.json")).unwrap();
    assert!(token.access_token.expose().starts_with("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9."));
    // Logging the reply or the request with {:?} must not leak the token or the credentials.
    assert!(!format!("{token:?}").contains("eyJ0eX"));
    assert!(!format!("{request:?}").contains("PSg5dctL"));
    assert_eq!(token.token_type, "Bearer");
    assert_eq!(token.expires_in, 86400);
    assert_eq!(
        token.expires_at_kst().unwrap(),
        NaiveDate::from_ymd_opt(2023, 12, 22).unwrap().and_hms_opt(8, 16, 59).unwrap()
    );
    assert_eq!(serde_json::to_value(&token).unwrap(), sample_value("official_rest_oauth_tokenP_response.json"));
}

#[test]
fn approval_request_and_response() {
    let request: ApprovalRequest =
        serde_json::from_slice(&sample("official_rest_oauth_approval_request.json")).unwrap();
    assert_eq!(request.secretkey.expose().len(), 180);
    assert_eq!(request.token, None);
    assert_eq!(serde_json::to_value(&request).unwrap(), sample_value("official_rest_oauth_approval_request.json"));

    let response: ApprovalResponse = decode_plain(200, &sample("official_rest_oauth_approval_response.json")).unwrap();
    assert_eq!(response.approval_key.expose(), "a2585daf-8c09-4587-9fce-8ab893XXXXX");
}

#[test]
fn revoke_response_with_numeric_code() {
    let response: RevokeResponse = decode_plain(200, &sample("official_rest_oauth_revokeP_response.json")).unwrap();
    assert_eq!(response.code, 200);
    assert_eq!(response.message, "접근토큰 폐기에 성공하였습니다");
    assert_eq!(serde_json::to_value(&response).unwrap(), sample_value("official_rest_oauth_revokeP_response.json"));
}

// ---- Domestic orders ----

#[test]
fn order_cash_request_body() {
    let body = OrderCashBody::from_json(&sample("official_rest_kr_order_cash_request.json")).unwrap();
    assert_eq!(body.pdno, "009150");
    assert_eq!(body.ord_qty, "3");
    assert_eq!(body.ord_unpr, "150000");
    assert_eq!(body.sll_type, None);
    let names: Vec<&str> = body.pairs().iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["CANO", "ACNT_PRDT_CD", "PDNO", "ORD_DVSN", "ORD_QTY", "ORD_UNPR"]);
}

#[test]
fn order_replies_with_uppercase_output_keys() {
    for (name, orgno, odno, tmd) in [
        ("official_rest_kr_order_cash_response.json", "06010", "0001569157", (15, 52, 11)),
        ("official_rest_kr_order_rvsecncl_response.json", "06010", "0001569139", (13, 14, 38)),
        ("official_rest_us_order_response.json", "01790", "0000004336", (16, 5, 24)),
        ("official_rest_us_order_rvsecncl_response.json", "01790", "0000004338", (16, 7, 10)),
    ] {
        let decoded: Reply<OrderAckBody> = reply(name);
        assert_eq!(decoded.rt_cd, "0");
        assert_eq!(decoded.msg_cd, "APBK0013");
        assert_eq!(decoded.message(), "주문 전송 완료 되었습니다.");
        assert_eq!(decoded.body.output.krx_fwdg_ord_orgno, orgno, "{name}");
        assert_eq!(decoded.body.output.odno, odno, "{name}");
        assert_eq!(decoded.body.output.ord_tmd().unwrap(), NaiveTime::from_hms_opt(tmd.0, tmd.1, tmd.2).unwrap());
        let id = decoded.body.output.order_id().unwrap();
        assert_eq!(id.branch_code(), orgno);
        assert_eq!(id.order_no.value(), odno.parse::<u64>().unwrap());
        assert_faithful(name, &decoded);
        // Re-serialized as KIS sends it: UPPERCASE.
        let value = serde_json::to_value(&decoded).unwrap();
        assert_eq!(value["output"]["ODNO"], odno);
    }
}

#[test]
fn order_rvsecncl_request_body() {
    let body = OrderRvsecnclBody::from_json(&sample("official_rest_kr_order_rvsecncl_request.json")).unwrap();
    assert_eq!(body.krx_fwdg_ord_orgno, "");
    assert_eq!(body.orgn_odno, "0001566017");
    assert_eq!(body.rvse_cncl_dvsn_cd, "01");
    assert_eq!(body.ord_unpr, "180000");
    assert_eq!(body.qty_all_ord_yn, "N");
    let json: Value = serde_json::from_str(&body.to_json()).unwrap();
    assert_eq!(json, sample_value("official_rest_kr_order_rvsecncl_request.json"));
}

// ---- Domestic account ----

#[test]
fn domestic_balance() {
    let name = "official_rest_kr_inquire_balance_response.json";
    let decoded: Reply<BalanceBody> = reply(name);
    let raw = sample_value(name);
    assert_eq!(decoded.msg_cd, "KIOK0510");
    assert!(decoded.msg1.ends_with("  "), "raw msg1 keeps KIS's padding");
    assert_eq!(decoded.message(), "조회가 완료되었습니다");

    let body = &decoded.body;
    assert_eq!(body.ctx_area_fk100, raw["ctx_area_fk100"].as_str().unwrap());
    assert!(body.ctx_area_fk100.starts_with("81055689^01^N^N^01^01^N^ "));
    assert_eq!(body.ctx_area_fk100.len(), 100);
    assert_eq!(body.ctx_area_nk100, " ".repeat(100));

    assert_eq!(body.output1.len(), 2);
    let cash = &body.output1[0];
    assert_eq!(cash.pdno, "009150");
    assert_eq!(cash.prdt_name, "삼성전기");
    assert_eq!(cash.trad_dvsn_name, "현금");
    assert_eq!(cash.hldg_qty().unwrap(), 1657);
    assert_eq!(cash.ord_psbl_qty().unwrap(), 1611);
    assert_eq!(cash.thdt_buyqty().unwrap(), 1686);
    assert_eq!(cash.pchs_avg_pric().unwrap(), dec!(135440.2517));
    assert_eq!(cash.pchs_amt().unwrap(), dec!(224424497));
    assert_eq!(cash.fltt_rt().unwrap(), dec!(-100));
    assert_eq!(cash.bfdy_cprs_icdc().unwrap(), dec!(-184500));
    assert_eq!(cash.loan_dt().unwrap(), None);
    let loan = &body.output1[1];
    assert_eq!(loan.trad_dvsn_name, "자기융자");
    assert_eq!(loan.loan_dt().unwrap(), NaiveDate::from_ymd_opt(2021, 12, 23));
    assert_eq!(loan.stck_loan_unpr().unwrap(), dec!(123000));

    let summary = body.summary().expect("totals row");
    assert_eq!(summary.dnca_tot_amt().unwrap(), dec!(346455));
    assert_eq!(summary.tot_evlu_amt().unwrap(), dec!(2106055));
    assert_eq!(summary.evlu_pfls_smtl_amt().unwrap(), dec!(-756922));
    assert_eq!(summary.asst_icdc_amt().unwrap(), dec!(-36890));

    // Paging: the cursor goes back verbatim, padding included.
    match next_page(Some("M"), body) {
        NextPage::Fetch { tr_cont, continuation } => {
            assert_eq!(tr_cont, "N");
            assert_eq!(continuation, Continuation { fk: body.ctx_area_fk100.clone(), nk: body.ctx_area_nk100.clone() });
        }
        NextPage::Done => panic!("M means more pages"),
    }
    assert_eq!(next_page(Some("D"), body), NextPage::Done);
    assert_faithful(name, &decoded);
}

#[test]
fn domestic_daily_ccld() {
    let name = "official_rest_kr_inquire_daily_ccld_response.json";
    let decoded: Reply<DailyCcldBody> = reply(name);
    let body = &decoded.body;
    assert!(body.ctx_area_fk100.starts_with("12345678^01^20220103^20220103^ ^00^00^ "));
    assert_eq!(body.output1.len(), 2);
    let first = &body.output1[0];
    assert_eq!(first.ord_dt().unwrap(), NaiveDate::from_ymd_opt(2022, 1, 3).unwrap());
    assert_eq!(first.odno, "0001568197");
    assert_eq!(first.sll_buy_dvsn_cd().unwrap(), kis_model::Side::Buy);
    assert_eq!(first.ord_qty().unwrap(), 10);
    assert_eq!(first.ord_unpr().unwrap(), dec!(150000));
    assert_eq!(first.ord_tmd().unwrap(), NaiveTime::from_hms_opt(17, 1, 0).unwrap());
    assert_eq!(first.rjct_qty().unwrap(), 10);
    assert_eq!(first.cncl_cfrm_qty().unwrap(), 0);
    assert_eq!(first.inqr_ip_addr, "...");
    assert_eq!(body.output1[1].inqr_ip_addr, "P01.012.345.678");
    assert_eq!(body.output2.tot_ord_qty().unwrap(), 281);
    assert_eq!(body.output2.pchs_avg_pric().unwrap(), Decimal::ZERO);
    assert_faithful(name, &decoded);
}

#[test]
fn domestic_buyable() {
    let name = "official_rest_kr_inquire_psbl_order_response.json";
    let decoded: Reply<BuyableBody> = reply(name);
    let out = &decoded.body.output;
    assert_eq!(out.ord_psbl_cash().unwrap(), dec!(741191178));
    assert_eq!(out.psbl_qty_calc_unpr().unwrap(), dec!(70000));
    assert_eq!(out.nrcvb_buy_amt().unwrap(), dec!(107177377));
    assert_eq!(out.nrcvb_buy_qty().unwrap(), 1531);
    assert_eq!(out.max_buy_qty().unwrap(), 21176);
    assert_eq!(out.ord_psbl_frcr_amt_wcrc().unwrap(), dec!(1468797045293));
    assert_faithful(name, &decoded);
}

#[test]
fn domestic_modifiable_orders() {
    let name = "official_rest_kr_inquire_psbl_rvsecncl_response.json";
    let decoded: Reply<ModifiableBody> = reply(name);
    let body = &decoded.body;
    assert!(body.ctx_area_fk100.starts_with("81055689^01^ "));
    assert_eq!(body.output.len(), 2);
    assert_eq!(body.output[0].odno, "0001569139");
    assert_eq!(body.output[0].orgn_odno, "0001569136");
    assert_eq!(body.output[0].rvse_cncl_dvsn_name, "BUY AMEND*");
    assert_eq!(body.output[0].ord_unpr().unwrap(), dec!(140000));
    assert_eq!(body.output[0].psbl_qty().unwrap(), 1);
    assert_eq!(body.output[1].ord_unpr().unwrap(), dec!(200000));
    assert_eq!(body.output[1].ord_tmd().unwrap(), NaiveTime::from_hms_opt(13, 14, 21).unwrap());
    assert_faithful(name, &decoded);
}

//! KIS's own documented REST examples (testdata/kis-samples/official_rest_*), decoded field by field.
//!
//! The `.txt` samples are not valid JSON (KIS elided rows with `......`, or the Excel export cut them off):
//! for those the complete flat objects are extracted from the text and decoded on their own.

use chrono::{NaiveDate, NaiveTime};
use kis_protocol::rest::decode::{decode_plain, decode_reply};
use kis_protocol::rest::domestic_account::{BalanceBody, BuyableBody, DailyCcldBody, ModifiableBody};
use kis_protocol::rest::domestic_order::{OrderCashBody, OrderRvsecnclBody};
use kis_protocol::rest::domestic_quote::{
    DailyPriceBody, InquirePriceBody, MinuteBar, MinuteChartSummary, PeriodCandlesBody,
};
use kis_protocol::rest::domestic_rank::{FluctuationRankBody, VolumeRankBody};
use kis_protocol::rest::envelope::Reply;
use kis_protocol::rest::oauth::{ApprovalRequest, ApprovalResponse, RevokeResponse, TokenRequest, TokenResponse};
use kis_protocol::rest::order_ack::OrderAckBody;
use kis_protocol::rest::overseas_account::{DayOrNightBody, UsBalanceBody, UsBuyableOutput, UsUnfilledBody};
use kis_protocol::rest::overseas_order::UsOrderBody;
use kis_protocol::rest::overseas_quote::{UsDailyBar, UsDailySummary, UsMinuteBar, UsMinuteSummary, UsPriceBody};
use kis_protocol::rest::pagination::{Continuation, NextPage, next_page};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/../../testdata/kis-samples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read sample {path}: {e}"))
}

fn sample_text(name: &str) -> String {
    String::from_utf8(sample(name)).expect("samples are UTF-8")
}

fn sample_value(name: &str) -> Value {
    serde_json::from_slice(&sample(name)).expect("sample is JSON")
}

fn reply<B: DeserializeOwned + Default>(name: &str) -> Reply<B> {
    decode_reply::<B>(200, &sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every key/value of the sample is reproduced by re-serializing the decoded reply (faithful round trip),
/// and decoding the re-serialized text gives the same value again.
fn assert_faithful<B>(name: &str, decoded: &Reply<B>)
where
    B: Serialize + DeserializeOwned + Default + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_vec(decoded).expect("serializes");
    let again = decode_reply::<B>(200, &text).expect("re-decodes");
    assert_eq!(&again, decoded, "{name}: serialize → deserialize changed the value");
    let reserialized: Value = serde_json::from_slice(&text).expect("json");
    assert_subset(&sample_value(name), &reserialized, name);
}

fn assert_subset(expected: &Value, actual: &Value, at: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let found = a.get(key).unwrap_or_else(|| panic!("{at}.{key} missing after re-serialization"));
                assert_subset(value, found, &format!("{at}.{key}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            assert_eq!(e.len(), a.len(), "{at}: row count");
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                assert_subset(ev, av, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(expected, actual, "{at}"),
    }
}

/// Innermost `{…}` spans of a text after `marker` (the rows of a list, or a flat object).
fn flat_objects_after<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    let start = text.find(marker).map_or(0, |i| i + marker.len());
    let mut spans = Vec::new();
    let mut open = None;
    for (i, c) in text[start..].char_indices() {
        match c {
            '{' => open = Some(start + i),
            '}' => {
                if let Some(o) = open.take() {
                    spans.push(&text[o..=start + i]);
                }
            }
            _ => {}
        }
    }
    spans
}

/// The flat objects after `marker` that are valid JSON of type `T` (elided/truncated ones are skipped).
fn complete_rows<T: DeserializeOwned>(text: &str, marker: &str) -> Vec<T> {
    flat_objects_after(text, marker).into_iter().filter_map(|span| serde_json::from_str(span).ok()).collect()
}

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

// ---- Domestic quotes ----

#[test]
fn domestic_inquire_price() {
    let name = "official_rest_kr_inquire_price_response.json";
    let decoded: Reply<InquirePriceBody> = reply(name);
    assert_eq!(decoded.msg_cd, "MCA00000");
    assert_eq!(decoded.message(), "정상처리 되었습니다!");
    let q = &decoded.body.output;
    assert_eq!(q.stck_shrn_iscd, "000660");
    assert_eq!(q.iscd_stat_cls_code, "55");
    assert_eq!(q.stck_prpr().unwrap(), dec!(128500));
    assert_eq!(q.stck_sdpr().unwrap(), dec!(128500));
    // ±30 % of 128500 rounded to the 500-won tick (kis-protocol.md §10.3).
    assert_eq!(q.stck_mxpr().unwrap(), dec!(167000));
    assert_eq!(q.stck_llam().unwrap(), dec!(90000));
    assert_eq!(q.aspr_unit().unwrap(), dec!(500));
    assert_eq!(q.prdy_vrss_sign, "3");
    assert_eq!(q.prdy_ctrt().unwrap(), Decimal::ZERO);
    assert_eq!(q.acml_vol().unwrap(), 2669075);
    assert_eq!(q.acml_tr_pbmn().unwrap(), dec!(344570137500));
    assert_eq!(q.wghn_avrg_stck_prc().unwrap(), dec!(129097.23));
    assert_eq!(q.per().unwrap(), dec!(19.67));
    assert_eq!(q.eps().unwrap(), dec!(6532.00));
    assert_eq!(q.lstn_stcn().unwrap(), 728002365);
    assert_eq!(q.d250_hgpr_date().unwrap(), NaiveDate::from_ymd_opt(2021, 2, 25).unwrap());
    assert_eq!(q.d250_hgpr_vrss_prpr_rate().unwrap(), dec!(-14.05));
    assert_eq!(q.fcam_cnnm, "5,000");
    // A documented field absent from this example decodes as empty.
    assert_eq!(q.new_hgpr_lwpr_cls_code, "");
    // … and a missing number is an error naming the field, not a silent zero.
    assert_eq!(q.apprch_rate().unwrap_err().field, "apprch_rate");
    assert_faithful(name, &decoded);
}

#[test]
fn domestic_minute_chart_today_fragments() {
    let text = sample_text("official_rest_kr_inquire_time_itemchartprice_response.txt");
    let summaries: Vec<MinuteChartSummary> = complete_rows(&text, "\"output1\"");
    let summary = &summaries[0];
    assert_eq!(summary.hts_kor_isnm, "SK하이닉스");
    assert_eq!(summary.stck_prpr().unwrap(), dec!(92300));
    assert_eq!(summary.stck_prdy_clpr().unwrap(), dec!(92400));
    assert_eq!(summary.prdy_vrss().unwrap(), dec!(-100));
    assert_eq!(summary.acml_vol().unwrap(), 1046883);

    // Only the first bar survives KIS's elision intact (the second is spliced into a third).
    let bars: Vec<MinuteBar> = complete_rows(&text, "\"output2\"");
    assert_eq!(bars.len(), 1);
    assert_eq!(bars[0].stck_bsop_date().unwrap(), NaiveDate::from_ymd_opt(2022, 9, 2).unwrap());
    assert_eq!(bars[0].stck_cntg_hour().unwrap(), NaiveTime::from_hms_opt(10, 0, 0).unwrap());
    assert_eq!(bars[0].stck_prpr().unwrap(), dec!(92500));
    assert_eq!(bars[0].stck_oprc().unwrap(), dec!(92400));
    assert_eq!(bars[0].cntg_vol().unwrap(), 1383);
}

#[test]
fn domestic_minute_chart_by_day_fragments() {
    let text = sample_text("official_rest_kr_inquire_time_dailychartprice_response.txt");
    let summaries: Vec<MinuteChartSummary> = complete_rows(&text, "\"output1\"");
    assert_eq!(summaries[0].hts_kor_isnm, "삼성전자");
    assert_eq!(summaries[0].prdy_vrss_sign, "5");
    assert_eq!(summaries[0].prdy_ctrt().unwrap(), dec!(-0.87));
    let bars: Vec<MinuteBar> = complete_rows(&text, "\"output2\"");
    assert_eq!(bars.len(), 3);
    let times: Vec<NaiveTime> = bars.iter().map(|b| b.stck_cntg_hour().unwrap()).collect();
    assert_eq!(times, [(14, 0, 0), (13, 59, 0), (12, 1, 0)].map(|(h, m, s)| NaiveTime::from_hms_opt(h, m, s).unwrap()));
    assert_eq!(bars[1].cntg_vol().unwrap(), 118619);
    assert_eq!(bars[2].acml_tr_pbmn().unwrap(), dec!(357875441100));

    // Reassembled into a valid reply, the same rows decode through the envelope.
    let rows: Vec<&str> = flat_objects_after(&text, "\"output2\"")
        .into_iter()
        .filter(|span| serde_json::from_str::<Value>(span).is_ok())
        .collect();
    let summary_span = flat_objects_after(&text, "\"output1\"")[0];
    let document = format!(
        r#"{{"output1":{summary_span},"output2":[{}],"rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다."}}"#,
        rows.join(",")
    );
    let decoded =
        decode_reply::<kis_protocol::rest::domestic_quote::MinuteChartBody>(200, document.as_bytes()).unwrap();
    assert_eq!(decoded.body.output2, bars);
    assert_eq!(decoded.body.output1, summaries[0]);
}

#[test]
fn period_candles_with_live_server_key_spelling() {
    // The live server sends `itewhol_loan_rmnd_ratem name` (with a space); the spec drops the suffix.
    let body = br#"{"output1":{"stck_prpr":"75700","itewhol_loan_rmnd_ratem name":"0.16"},
        "output2":[{"stck_bsop_date":"20240510","stck_clpr":"79200","acml_vol":"16976124","mod_yn":"N"}],
        "rt_cd":"0","msg_cd":"MCA00000","msg1":"ok"}"#;
    let decoded = decode_reply::<PeriodCandlesBody>(200, body).unwrap();
    assert_eq!(decoded.body.output1.itewhol_loan_rmnd_ratem().unwrap(), dec!(0.16));
    assert_eq!(decoded.body.output2[0].stck_clpr().unwrap(), dec!(79200));
    assert_eq!(decoded.body.output2[0].acml_vol().unwrap(), 16976124);
}

#[test]
fn domestic_daily_price() {
    let name = "official_rest_kr_inquire_daily_price_response.json";
    let r: Reply<DailyPriceBody> = reply(name);
    assert_faithful(name, &r);
    let rows = &r.body.output;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].stck_bsop_date().unwrap(), NaiveDate::from_ymd_opt(2022, 1, 11).unwrap());
    assert_eq!(rows[0].stck_clpr().unwrap(), dec!(128000));
    assert_eq!(rows[0].acml_vol().unwrap(), 3908418);
    // The volume rate is the change against the previous row's volume, the change against its close.
    assert_eq!(rows[0].prdy_vrss_vol_rate().unwrap(), dec!(13.31));
    assert_eq!(rows[0].prdy_vrss().unwrap(), rows[0].stck_clpr().unwrap() - rows[1].stck_clpr().unwrap());
    assert_eq!(rows[1].prdy_vrss().unwrap(), dec!(-2500));
}

// ---- Domestic ranks ----

#[test]
fn volume_rank() {
    let name = "official_rest_kr_volume_rank_response.json";
    let decoded: Reply<VolumeRankBody> = reply(name);
    let rows = &decoded.body.output;
    assert_eq!(rows.len(), 30);
    let ranks: Vec<i64> = rows.iter().map(|r| r.data_rank().unwrap()).collect();
    assert_eq!(ranks, (1..=30).collect::<Vec<i64>>());
    assert_eq!(rows[0].mksc_shrn_iscd, "005930");
    assert_eq!(rows[0].hts_kor_isnm, "삼성전자");
    assert_eq!(rows[0].stck_prpr().unwrap(), dec!(65100));
    assert_eq!(rows[0].prdy_vrss().unwrap(), dec!(-300));
    assert_eq!(rows[0].prdy_ctrt().unwrap(), dec!(-0.46));
    assert_eq!(rows[0].acml_vol().unwrap(), 8958147);
    assert_eq!(rows[0].lstn_stcn().unwrap(), 5969782550);
    assert_eq!(rows[3].mksc_shrn_iscd, "000660");
    assert_eq!(rows[3].vol_inrt().unwrap(), dec!(55.33));
    assert_faithful(name, &decoded);
}

#[test]
fn fluctuation_rank() {
    let name = "official_rest_kr_fluctuation_rank_response.json";
    let decoded: Reply<FluctuationRankBody> = reply(name);
    let rows = &decoded.body.output;
    let ranks: Vec<i64> = rows.iter().map(|r| r.data_rank().unwrap()).collect();
    assert_eq!(ranks, (1..=rows.len() as i64).collect::<Vec<i64>>());
    let first = &rows[0];
    assert_eq!(first.stck_shrn_iscd, "000040");
    assert_eq!(first.hts_kor_isnm, "KR모터스");
    assert_eq!(first.stck_prpr().unwrap(), dec!(1821));
    assert_eq!(first.prdy_ctrt().unwrap(), dec!(12.13));
    assert_eq!(first.hgpr_hour().unwrap(), NaiveTime::from_hms_opt(10, 2, 14).unwrap());
    assert_eq!(first.acml_hgpr_date().unwrap(), NaiveDate::from_ymd_opt(2024, 3, 18).unwrap());
    assert_eq!(first.lwpr_hour().unwrap(), NaiveTime::from_hms_opt(9, 2, 39).unwrap());
    assert_eq!(first.hgpr_vrss_prpr_rate().unwrap(), dec!(-2.15));
    assert_eq!(first.cnnt_ascn_dynu().unwrap(), 1);
    assert_eq!(rows[1].stck_shrn_iscd, "032800");
    assert_eq!(rows[1].acml_vol().unwrap(), 36313396);
    assert_faithful(name, &decoded);
}

// ---- Overseas ----

#[test]
fn us_order_request_body() {
    let body = UsOrderBody::from_json(&sample("official_rest_us_order_request.json")).unwrap();
    assert_eq!(body.ovrs_excg_cd, "NASD");
    assert_eq!(body.pdno, "AAPL");
    assert_eq!(body.ovrs_ord_unpr, "145.00");
    assert_eq!(body.ord_svr_dvsn_cd.as_deref(), Some("0"));
    assert_eq!(body.sll_type, None);
    let json: Value = serde_json::from_str(&body.to_json()).unwrap();
    assert_eq!(json, sample_value("official_rest_us_order_request.json"));
}

#[test]
fn us_balance() {
    let name = "official_rest_us_inquire_balance_response.json";
    let decoded: Reply<UsBalanceBody> = reply(name);
    let body = &decoded.body;
    assert_eq!(body.ctx_area_fk200, " ".repeat(200));
    assert_eq!(body.ctx_area_nk200, " ".repeat(200));
    assert_eq!(body.output1.len(), 2);
    let tsla = &body.output1[0];
    assert_eq!(tsla.ovrs_pdno, "TSLA");
    assert_eq!(tsla.ovrs_excg_cd, "NASD");
    assert_eq!(tsla.ovrs_cblc_qty().unwrap(), 744);
    assert_eq!(tsla.pchs_avg_pric().unwrap(), dec!(5832.2148));
    assert_eq!(tsla.frcr_evlu_pfls_amt().unwrap(), dec!(-3547254.185235));
    assert_eq!(tsla.now_pric2().unwrap(), dec!(1064.4));
    assert!(!tsla.is_blank());
    assert!(body.output1[1].is_blank());
    assert_eq!(body.output2.tot_pftrt().unwrap(), dec!(-81.74964327));
    assert_eq!(body.output2.ovrs_rlzt_pfls_amt().unwrap(), dec!(-4836.71476));
    assert_faithful(name, &decoded);
}

#[test]
fn day_or_night_with_its_uppercase_key() {
    // No KIS example is published; clients read `output["PSBL_YN"]` (`Y` night ledger).
    let body = br#"{"output":{"PSBL_YN":"Y"},"rt_cd":"0","msg_cd":"MCA00000","msg1":"ok"}"#;
    let decoded = decode_reply::<DayOrNightBody>(200, body).unwrap();
    assert!(decoded.body.output.is_night());
    let text = serde_json::to_string(&decoded.body).unwrap();
    assert!(text.contains(r#""PSBL_YN":"Y""#), "{text}");
}

#[test]
fn us_unfilled_with_duplicate_key() {
    // The second row repeats `"loan_dt"`; a strict serde struct would reject the whole reply.
    let name = "official_rest_us_inquire_nccs_response.json";
    let decoded: Reply<UsUnfilledBody> = reply(name);
    let body = &decoded.body;
    assert!(body.ctx_area_fk200.starts_with("81055689^01^NYSE^DS^ "));
    assert_eq!(body.ctx_area_fk200.len(), 200);
    assert_eq!(body.output.len(), 2);
    let ba = &body.output[0];
    assert_eq!(ba.pdno, "BA");
    assert_eq!(ba.odno, "0030138112");
    assert_eq!(ba.ord_dt().unwrap(), NaiveDate::from_ymd_opt(2022, 1, 12).unwrap());
    assert_eq!(ba.ord_tmd().unwrap(), NaiveTime::from_hms_opt(16, 32, 9).unwrap());
    assert_eq!(ba.ft_ord_qty().unwrap(), 1);
    assert_eq!(ba.nccs_qty().unwrap(), 1);
    assert_eq!(ba.ft_ord_unpr3().unwrap(), dec!(200));
    assert_eq!(ba.natn_cd, "840");
    assert_eq!(ba.sll_buy_dvsn_cd().unwrap(), kis_model::Side::Buy);
    assert_eq!(body.output[1].odno, "0030138113");
    assert_faithful(name, &decoded);
}

#[test]
fn us_price_with_leading_space_rate() {
    let name = "official_rest_us_price_response.json";
    let decoded: Reply<UsPriceBody> = reply(name);
    let q = &decoded.body.output;
    assert_eq!(q.rsym, "DNASTSLA");
    assert_eq!(q.zdiv().unwrap(), 4);
    assert_eq!(q.base().unwrap(), dec!(1091.26));
    assert_eq!(q.last().unwrap().to_string(), "1091.2600", "scale kept from the wire");
    assert_eq!(q.rate, " 0.00");
    assert_eq!(q.rate().unwrap(), Decimal::ZERO);
    assert_eq!(q.sign, "0");
    assert_eq!(q.pvol().unwrap(), 26691673);
    assert_eq!(q.ordy, "매도불가");
    assert_faithful(name, &decoded);
}

#[test]
fn us_buyable_fragment_with_masked_digits() {
    let text = sample_text("official_rest_us_inquire_psamount_response.txt");
    let outputs: Vec<UsBuyableOutput> = complete_rows(&text, "\"output\"");
    let out = &outputs[0];
    assert_eq!(out.tr_crcy_cd, "HKD");
    assert_eq!(out.exrt().unwrap(), dec!(165.54));
    assert_eq!(out.sll_ruse_psbl_amt().unwrap(), Decimal::ZERO);
    assert_eq!(out.echm_af_ord_psbl_qty().unwrap(), 0);
    // KIS masked digits with `**`: the accessor refuses them and names the field.
    let error = out.frcr_ord_psbl_amt1().unwrap_err();
    assert_eq!(error.field, "frcr_ord_psbl_amt1");
    assert_eq!(error.raw, "955**.12");
    assert_eq!(out.max_ord_psbl_qty().unwrap_err().field, "max_ord_psbl_qty");
}

#[test]
fn us_daily_price_truncated_sample() {
    let text = sample_text("official_rest_us_dailyprice_response.txt");
    let summary: Vec<UsDailySummary> = complete_rows(&text, "\"output1\"");
    assert_eq!(summary[0].rsym, "DNASTSLA");
    assert_eq!(summary[0].nrec().unwrap(), 100);
    let bars: Vec<UsDailyBar> = complete_rows(&text, "\"output2\"");
    let first = &bars[0];
    assert_eq!(first.xymd().unwrap(), NaiveDate::from_ymd_opt(2022, 4, 6).unwrap());
    assert_eq!(first.clos().unwrap(), dec!(1045.76));
    assert_eq!(first.rate().unwrap(), dec!(-4.17));
    assert_eq!(first.vbid().unwrap(), 7);
    assert_eq!(bars[2].rate, "+5.61");
    assert_eq!(bars[2].rate().unwrap(), dec!(5.61));
    // The export was cut inside the 2021-12-02 row; the last complete one is 2021-12-03.
    let last = bars.last().unwrap();
    assert_eq!(last.xymd().unwrap(), NaiveDate::from_ymd_opt(2021, 12, 3).unwrap());
    assert_eq!(last.clos().unwrap(), dec!(1014.97));
    assert_eq!(last.high().unwrap(), dec!(1090.5753));
    // Newest first, strictly.
    assert!(bars.windows(2).all(|w| w[0].xymd().unwrap() > w[1].xymd().unwrap()));
}

#[test]
fn us_minute_candles_truncated_sample() {
    let text = sample_text("official_rest_us_inquire_time_itemchartprice_response.txt");
    let summary: Vec<UsMinuteSummary> = complete_rows(&text, "\"output1\"");
    let s = &summary[0];
    assert_eq!(s.stim().unwrap(), NaiveTime::from_hms_opt(9, 30, 0).unwrap());
    assert_eq!(s.etim().unwrap(), NaiveTime::from_hms_opt(16, 0, 0).unwrap());
    assert_eq!(s.sktm().unwrap(), NaiveTime::from_hms_opt(23, 30, 0).unwrap());
    assert_eq!(s.nrec().unwrap(), 120);
    assert_eq!(s.next, "1");
    let bars: Vec<UsMinuteBar> = complete_rows(&text, "\"output2\"");
    let first = &bars[0];
    assert_eq!(first.xhms().unwrap(), NaiveTime::from_hms_opt(16, 0, 0).unwrap());
    assert_eq!(first.kymd().unwrap(), NaiveDate::from_ymd_opt(2024, 2, 23).unwrap());
    assert_eq!(first.last().unwrap(), dec!(197.41));
    assert_eq!(first.evol().unwrap(), 5695);
    assert_eq!(bars[2].last().unwrap(), dec!(197.7320));
    let last = bars.last().unwrap();
    assert_eq!(last.xymd().unwrap(), NaiveDate::from_ymd_opt(2024, 2, 21).unwrap());
    assert_eq!(last.xhms().unwrap(), NaiveTime::from_hms_opt(15, 40, 0).unwrap());
    assert_eq!(last.last().unwrap(), dec!(194.4650));
}

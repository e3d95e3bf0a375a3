//! KIS's own documented REST examples (testdata/kis-samples/official_rest_*), decoded field by field:
//! the overseas (US) orders, account inquiries and quotations.
//!
//! The `.txt` samples are not valid JSON (KIS elided rows with `......`, or the Excel export cut them off):
//! for those the complete flat objects are extracted from the text and decoded on their own.

mod common;

use chrono::{NaiveDate, NaiveTime};
use kis_protocol::rest::decode::decode_reply;
use kis_protocol::rest::envelope::Reply;
use kis_protocol::rest::overseas_account::{DayOrNightBody, UsBalanceBody, UsBuyableOutput, UsUnfilledBody};
use kis_protocol::rest::overseas_order::UsOrderBody;
use kis_protocol::rest::overseas_quote::{UsDailyBar, UsDailySummary, UsMinuteBar, UsMinuteSummary, UsPriceBody};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

use common::*;

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

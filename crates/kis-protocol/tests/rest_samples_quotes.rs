//! KIS's own documented REST examples (testdata/kis-samples/official_rest_*), decoded field by field:
//! domestic quotations, charts and rankings.
//!
//! The `.txt` samples are not valid JSON (KIS elided rows with `......`, or the Excel export cut them off):
//! for those the complete flat objects are extracted from the text and decoded on their own.

mod common;

use chrono::{NaiveDate, NaiveTime};
use kis_protocol::rest::decode::decode_reply;
use kis_protocol::rest::domestic_quote::{
    DailyPriceBody, InquirePriceBody, MinuteBar, MinuteChartSummary, PeriodCandlesBody,
};
use kis_protocol::rest::domestic_rank::{FluctuationRankBody, VolumeRankBody};
use kis_protocol::rest::envelope::Reply;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

use common::*;

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

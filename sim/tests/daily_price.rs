//! `inquire-daily-price` (FHKST01010400) over loopback: 30 days, weeks or months newest first, read from the
//! same history as the period chart (FHKST03010100), so the two agree bar for bar. Asked after the KRX
//! close, so that no trade moves a bar between two requests.

mod common;

use common::*;
use serde_json::Value;

async fn daily_price(sim: &kis_sim::SimHandle, tok: &str, code: &str, period: &str) -> Value {
    let q = [("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code), ("FID_PERIOD_DIV_CODE", period)];
    let mut p = q.to_vec();
    p.push(("FID_ORG_ADJ_PRC", "0000000001"));
    uapi(sim, tok, "GET", "/uapi/domestic-stock/v1/quotations/inquire-daily-price", "FHKST01010400", &p, "").await.2
}

async fn period_chart(sim: &kis_sim::SimHandle, tok: &str, code: &str, period: &str) -> Value {
    let p = [
        ("FID_COND_MRKT_DIV_CODE", "J"),
        ("FID_INPUT_ISCD", code),
        ("FID_INPUT_DATE_1", "20200101"),
        ("FID_INPUT_DATE_2", "20260304"),
        ("FID_PERIOD_DIV_CODE", period),
        ("FID_ORG_ADJ_PRC", "0"),
    ];
    let path = "/uapi/domestic-stock/v1/quotations/inquire-daily-itemchartprice";
    uapi(sim, tok, "GET", path, "FHKST03010100", &p, "").await.2
}

fn num(v: &Value) -> i64 {
    v.as_str().unwrap_or("").parse().unwrap_or_else(|e| panic!("{e}: {v}"))
}

#[actix_rt::test]
async fn daily_weekly_and_monthly_rows_match_the_period_chart() {
    bounded(60, async {
        // Wednesday 2026-03-04 16:00 KST, after the close.
        let sim = start(config("2026-03-04T07:00:00Z")).await;
        let tok = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 0);
        for period in ["D", "W", "M"] {
            let ours = daily_price(&sim, &tok, &code, period).await;
            assert_eq!(ours["rt_cd"], "0", "{period}: {ours}");
            let rows = ours["output"].as_array().cloned().unwrap_or_default();
            let chart = period_chart(&sim, &tok, &code, period).await;
            let bars = chart["output2"].as_array().cloned().unwrap_or_default();
            // 30 rows, or as many as the synthetic history holds (about half a year).
            assert_eq!(rows.len(), bars.len().min(30), "{period}: {chart}");
            assert!(rows.len() == 30 || period != "D", "30 days of history at least");
            assert!(rows.len() > 1, "{period}: {ours}");
            for (i, (r, b)) in rows.iter().zip(&bars).enumerate() {
                for (ours, theirs) in [
                    ("stck_bsop_date", "stck_bsop_date"),
                    ("stck_oprc", "stck_oprc"),
                    ("stck_hgpr", "stck_hgpr"),
                    ("stck_lwpr", "stck_lwpr"),
                    ("stck_clpr", "stck_clpr"),
                    ("acml_vol", "acml_vol"),
                    ("prdy_vrss", "prdy_vrss"),
                    ("prdy_vrss_sign", "prdy_vrss_sign"),
                ] {
                    assert_eq!(r[ours], b[theirs], "{period} row {i} {ours}: {r} vs {b}");
                }
                if let Some(older) = rows.get(i + 1) {
                    assert!(r["stck_bsop_date"].as_str() > older["stck_bsop_date"].as_str(), "newest first");
                    assert_eq!(num(&r["prdy_vrss"]), num(&r["stck_clpr"]) - num(&older["stck_clpr"]), "{r}");
                }
            }
        }
        let daily = daily_price(&sim, &tok, &code, "D").await;
        let weekly = daily_price(&sim, &tok, &code, "W").await;
        let w = &weekly["output"][0];
        let last = chrono::NaiveDate::parse_from_str(w["stck_bsop_date"].as_str().unwrap_or(""), "%Y%m%d").unwrap();
        let monday = last - chrono::Duration::days(i64::from(chrono::Datelike::weekday(&last).num_days_from_monday()));
        let monday = monday.format("%Y%m%d").to_string();
        let days = daily["output"].as_array().cloned().unwrap_or_default();
        let week: Vec<&Value> =
            days.iter().take_while(|r| r["stck_bsop_date"].as_str() >= Some(monday.as_str())).collect();
        assert!(!week.is_empty(), "{daily}");
        assert_eq!(w["stck_bsop_date"], week[0]["stck_bsop_date"], "dated by its last session: {w}");
        assert_eq!(w["stck_clpr"], week[0]["stck_clpr"], "{w}");
        assert_eq!(w["stck_oprc"], week[week.len() - 1]["stck_oprc"], "{w}");
        assert_eq!(num(&w["acml_vol"]), week.iter().map(|r| num(&r["acml_vol"])).sum::<i64>(), "{w}");
        assert_eq!(num(&w["stck_hgpr"]), week.iter().map(|r| num(&r["stck_hgpr"])).max().unwrap_or(0), "{w}");
        assert_eq!(num(&w["stck_lwpr"]), week.iter().map(|r| num(&r["stck_lwpr"])).min().unwrap_or(0), "{w}");
        let bad = daily_price(&sim, &tok, &code, "Y").await;
        assert_ne!(bad["rt_cd"], "0", "this TR serves D/W/M only: {bad}");
        sim.stop().await.unwrap();
    })
    .await;
}

//! REST over loopback with a real awc client: the real-only domestic quotations (rankings, candles).

mod common;

use common::*;

#[actix_rt::test]
async fn real_rankings_and_candles() {
    bounded(20, async {
        let mut c = config(KRX_OPEN);
        c.env = kis_model::Environment::Real;
        c.speed = 600;
        let sim = start(c).await;
        wait_open(&sim, kis_model::Market::Krx).await;
        actix_rt::time::sleep(std::time::Duration::from_millis(300)).await;
        let tok = token(&sim, KEY, SECRET).await;
        let (_, _, v) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/domestic-stock/v1/quotations/volume-rank",
            "FHPST01710000",
            &[
                ("FID_COND_MRKT_DIV_CODE", "J"),
                ("FID_COND_SCR_DIV_CODE", "20171"),
                ("FID_INPUT_ISCD", "0000"),
                ("FID_DIV_CLS_CODE", "0"),
                ("FID_BLNG_CLS_CODE", "0"),
                ("FID_TRGT_CLS_CODE", "111111111"),
                ("FID_TRGT_EXLS_CLS_CODE", "0000000000"),
                ("FID_INPUT_PRICE_1", ""),
                ("FID_INPUT_PRICE_2", ""),
                ("FID_VOL_CNT", ""),
                ("FID_INPUT_DATE_1", ""),
            ],
            "",
        )
        .await;
        let rows = v["output"].as_array().unwrap();
        assert_eq!(rows.len(), 10);
        let vols: Vec<u64> = rows.iter().map(|r| r["acml_vol"].as_str().unwrap().parse().unwrap()).collect();
        assert!(vols.windows(2).all(|w| w[0] >= w[1]) && vols[0] > 0, "{vols:?}");
        let (_, _, f) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/domestic-stock/v1/ranking/fluctuation",
            "FHPST01700000",
            &[
                ("fid_cond_mrkt_div_code", "J"),
                ("fid_cond_scr_div_code", "20170"),
                ("fid_input_iscd", "0000"),
                ("fid_rank_sort_cls_code", "0"),
                ("fid_input_cnt_1", "0"),
                ("fid_prc_cls_code", "0"),
                ("fid_input_price_1", ""),
                ("fid_input_price_2", ""),
                ("fid_vol_cnt", ""),
                ("fid_trgt_cls_code", "0"),
                ("fid_trgt_exls_cls_code", "0"),
                ("fid_div_cls_code", "0"),
                ("fid_rsfl_rate1", ""),
                ("fid_rsfl_rate2", ""),
            ],
            "",
        )
        .await;
        let rates: Vec<rust_decimal::Decimal> =
            f["output"].as_array().unwrap().iter().map(|r| r["prdy_ctrt"].as_str().unwrap().parse().unwrap()).collect();
        assert!(rates.windows(2).all(|w| w[0] >= w[1]), "{rates:?}");
        let code = krx_code(&sim, 0);
        let (_, _, m) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/domestic-stock/v1/quotations/inquire-time-itemchartprice",
            "FHKST03010200",
            &[
                ("FID_ETC_CLS_CODE", ""),
                ("FID_COND_MRKT_DIV_CODE", "J"),
                ("FID_INPUT_ISCD", &code),
                ("FID_INPUT_HOUR_1", "235959"),
                ("FID_PW_DATA_INCU_YN", "Y"),
            ],
            "",
        )
        .await;
        let bars = m["output2"].as_array().unwrap();
        assert!(!bars.is_empty() && bars.len() <= 30, "{m}");
        assert!(
            bars[0]["stck_cntg_hour"].as_str().unwrap() > bars[bars.len() - 1]["stck_cntg_hour"].as_str().unwrap(),
            "newest first"
        );
        let (_, _, d) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/domestic-stock/v1/quotations/inquire-daily-itemchartprice",
            "FHKST03010100",
            &[
                ("FID_COND_MRKT_DIV_CODE", "J"),
                ("FID_INPUT_ISCD", &code),
                ("FID_INPUT_DATE_1", "20250101"),
                ("FID_INPUT_DATE_2", "20260304"),
                ("FID_PERIOD_DIV_CODE", "D"),
                ("FID_ORG_ADJ_PRC", "0"),
            ],
            "",
        )
        .await;
        let days = d["output2"].as_array().unwrap();
        assert_eq!(days.len(), 100, "one page of 100 daily bars");
        assert_eq!(days[0]["stck_bsop_date"], "20260304");
        sim.stop().await.unwrap();
    })
    .await;
}

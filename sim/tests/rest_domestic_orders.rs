//! REST over loopback with a real awc client: domestic orders, their inquiries (balance, buyable,
//! daily-ccld pages) and refusals, on an open and a closed market.

mod common;

use common::*;

#[actix_rt::test]
async fn domestic_orders_inquiries_and_refusals() {
    bounded(30, async {
        let mut c = config(KRX_OPEN);
        c.speed = 60;
        let sim = start(c).await;
        wait_open(&sim, kis_model::Market::Krx).await;
        actix_rt::time::sleep(std::time::Duration::from_millis(500)).await;
        let tok = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 1);
        // Price: limits are ±30 % of the base, on the grid.
        let (_, _, p) = uapi(
            &sim,
            &tok,
            "GET",
            PRICE,
            "FHKST01010100",
            &[("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", &code)],
            "",
        )
        .await;
        let out = &p["output"];
        let base: u64 = out["stck_sdpr"].as_str().unwrap().parse().unwrap();
        let upper: u64 = out["stck_mxpr"].as_str().unwrap().parse().unwrap();
        let lower: u64 = out["stck_llam"].as_str().unwrap().parse().unwrap();
        let limits = kis_model::daily_limits(base, kis_model::InstrumentKind::Stock);
        assert_eq!((upper, lower), (limits.upper, limits.lower));
        let tick: u64 = out["aspr_unit"].as_str().unwrap().parse().unwrap();
        let last = krx_last(&sim, &code) as u64;
        // A passive buy one tick... well below the market, on the grid: accepted (new TR id).
        let bid = kis_model::tick_size::floor_to_tick(last * 95 / 100, kis_model::InstrumentKind::Stock).max(lower);
        let bid_s = bid.to_string();
        let (s, _, o) =
            uapi(&sim, &tok, "POST", ORDER, "VTTC0012U", &order_params(&code, "00", "10", &bid_s), "").await;
        assert_eq!((s, o["rt_cd"].as_str(), o["msg_cd"].as_str()), (200, Some("0"), Some("APBK0013")), "{o}");
        let odno = o["output"]["ODNO"].as_str().unwrap().to_string();
        assert_eq!(odno.len(), 10);
        assert_eq!(o["output"]["KRX_FWDG_ORD_ORGNO"], "06010");
        // Old TR id accepted too.
        let (_, _, o2) =
            uapi(&sim, &tok, "POST", ORDER, "VTTC0802U", &order_params(&code, "00", "1", &bid_s), "").await;
        assert_eq!(o2["msg_cd"], "APBK0013", "{o2}");
        // Refusals.
        let off = (bid + tick / 2).to_string();
        if tick > 1 {
            let (_, _, r) =
                uapi(&sim, &tok, "POST", ORDER, "VTTC0012U", &order_params(&code, "00", "1", &off), "").await;
            assert_eq!(r["msg_cd"], "APBK0506", "{r}");
        }
        let beyond = (upper + tick * 10).to_string();
        let (_, _, r) =
            uapi(&sim, &tok, "POST", ORDER, "VTTC0012U", &order_params(&code, "00", "1", &beyond), "").await;
        assert!(r["msg_cd"] == "APBK0507" || r["msg_cd"] == "APBK0506", "{r}");
        let (_, _, r) =
            uapi(&sim, &tok, "POST", ORDER, "VTTC0012U", &order_params(&code, "00", "100000000", &bid_s), "").await;
        assert_eq!(r["msg_cd"], "APBK0952", "{r}");
        let (_, _, r) = uapi(&sim, &tok, "POST", ORDER, "VTTC0011U", &order_params(&code, "00", "1", &bid_s), "").await;
        assert_eq!(r["msg_cd"], "APBK0400", "{r}");
        let (_, _, r) =
            uapi(&sim, &tok, "POST", ORDER, "VTTC0012U", &order_params("999999", "00", "1", &bid_s), "").await;
        assert_eq!(r["msg_cd"], "APBK0656", "{r}");
        let (_, _, r) = uapi(&sim, &tok, "POST", ORDER, "TTTC0012U", &order_params(&code, "00", "1", &bid_s), "").await;
        assert_eq!(r["msg_cd"], "OPSQ0002", "a real TR id on paper: {r}");
        // Buyable: consistent with the cash.
        let (_, _, b) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/domestic-stock/v1/trading/inquire-psbl-order",
            "VTTC8908R",
            &[
                ("CANO", "50000000"),
                ("ACNT_PRDT_CD", "01"),
                ("PDNO", &code),
                ("ORD_UNPR", &bid_s),
                ("ORD_DVSN", "00"),
                ("CMA_EVLU_AMT_ICLD_YN", "N"),
                ("OVRS_ICLD_YN", "N"),
            ],
            "",
        )
        .await;
        let qty: u64 = b["output"]["nrcvb_buy_qty"].as_str().unwrap().parse().unwrap();
        assert!(qty > 0 && qty * bid <= 100_000_000, "{b}");
        // Modify the first order's price, then cancel the replacement.
        let bid2 =
            kis_model::tick_size::tick_down(bid, 1, kis_model::InstrumentKind::Stock).unwrap().max(lower).to_string();
        let rv = |odno: String, dvsn_cd: &'static str, price: String| {
            vec![
                ("CANO", "50000000".to_string()),
                ("ACNT_PRDT_CD", "01".into()),
                ("KRX_FWDG_ORD_ORGNO", "06010".into()),
                ("ORGN_ODNO", odno),
                ("ORD_DVSN", "00".into()),
                ("RVSE_CNCL_DVSN_CD", dvsn_cd.into()),
                ("ORD_QTY", "0".into()),
                ("ORD_UNPR", price),
                ("QTY_ALL_ORD_YN", "Y".into()),
            ]
        };
        let p1 = rv(odno.clone(), "01", bid2.clone());
        let p1: Vec<(&str, &str)> = p1.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, _, m) =
            uapi(&sim, &tok, "POST", "/uapi/domestic-stock/v1/trading/order-rvsecncl", "VTTC0013U", &p1, "").await;
        assert_eq!(m["msg_cd"], "APBK0013", "{m}");
        let new_odno = m["output"]["ODNO"].as_str().unwrap().to_string();
        assert_ne!(new_odno, odno);
        let p2 = rv(new_odno.clone(), "02", "0".into());
        let p2: Vec<(&str, &str)> = p2.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, _, c) =
            uapi(&sim, &tok, "POST", "/uapi/domestic-stock/v1/trading/order-rvsecncl", "VTTC0803U", &p2, "").await;
        assert_eq!(c["msg_cd"], "APBK0013", "{c}");
        // Cancelling it again: no such open order.
        let (_, _, c2) =
            uapi(&sim, &tok, "POST", "/uapi/domestic-stock/v1/trading/order-rvsecncl", "VTTC0013U", &p2, "").await;
        assert_eq!(c2["msg_cd"], "APBK0344", "{c2}");
        // A marketable buy fills against the book: holdings with an average price appear in the balance.
        let (_, _, mk) = uapi(&sim, &tok, "POST", ORDER, "VTTC0012U", &order_params(&code, "01", "3", "0"), "").await;
        assert_eq!(mk["msg_cd"], "APBK0013", "{mk}");
        // It fills at the simulator's next market step (10 ms of real time; longer on a loaded machine).
        let mut attempts = 0;
        let (cont, bal) = loop {
            let (_, cont, bal) = uapi(
                &sim,
                &tok,
                "GET",
                "/uapi/domestic-stock/v1/trading/inquire-balance",
                "VTTC8434R",
                &[
                    ("CANO", "50000000"),
                    ("ACNT_PRDT_CD", "01"),
                    ("AFHR_FLPR_YN", "N"),
                    ("OFL_YN", ""),
                    ("INQR_DVSN", "02"),
                    ("UNPR_DVSN", "01"),
                    ("FUND_STTL_ICLD_YN", "N"),
                    ("FNCG_AMT_AUTO_RDPT_YN", "N"),
                    ("PRCS_DVSN", "00"),
                    ("CTX_AREA_FK100", ""),
                    ("CTX_AREA_NK100", ""),
                ],
                "",
            )
            .await;
            attempts += 1;
            if bal["output1"][0]["pdno"] == code.as_str() || attempts >= 200 {
                break (cont, bal);
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(25)).await;
        };
        assert_eq!(bal["msg_cd"], "KIOK0510");
        assert_eq!(cont, "D");
        let pos = &bal["output1"][0];
        assert_eq!(pos["pdno"], code.as_str());
        assert_eq!(pos["hldg_qty"], "3", "{bal}");
        let avg: rust_decimal::Decimal = pos["pchs_avg_pric"].as_str().unwrap().parse().unwrap();
        assert!(avg > rust_decimal::Decimal::ZERO);
        let cash: rust_decimal::Decimal = bal["output2"][0]["dnca_tot_amt"].as_str().unwrap().parse().unwrap();
        assert!(
            cash < rust_decimal::Decimal::from(100_000_000) - avg * rust_decimal::Decimal::from(3)
                + rust_decimal::Decimal::ONE,
            "commission charged: {cash}"
        );
        // The holding can now be sold (market sell).
        let (_, _, sl) = uapi(&sim, &tok, "POST", ORDER, "VTTC0011U", &order_params(&code, "01", "3", "0"), "").await;
        assert_eq!(sl["msg_cd"], "APBK0013", "{sl}");
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn daily_ccld_pages_and_market_closed() {
    bounded(30, async {
        let sim = start(config(KRX_OPEN)).await;
        wait_open(&sim, kis_model::Market::Krx).await;
        let tok = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 2);
        let lower = kis_model::daily_limits(krx_prev(&sim, &code) as u64, kis_model::InstrumentKind::Stock).lower;
        let price = lower.to_string();
        let mut placed = Vec::new();
        for _ in 0..17 {
            let (_, _, o) =
                uapi(&sim, &tok, "POST", ORDER, "VTTC0012U", &order_params(&code, "00", "1", &price), "").await;
            assert_eq!(o["msg_cd"], "APBK0013", "{o}");
            placed.push(o["output"]["ODNO"].as_str().unwrap().to_string());
        }
        let day = "20260304";
        let mut seen = Vec::new();
        let (mut cont, mut nk) = (String::new(), String::new());
        for page in 0..3 {
            let params = [
                ("CANO", "50000000"),
                ("ACNT_PRDT_CD", "01"),
                ("INQR_STRT_DT", day),
                ("INQR_END_DT", day),
                ("SLL_BUY_DVSN_CD", "00"),
                ("INQR_DVSN", "01"),
                ("PDNO", ""),
                ("CCLD_DVSN", "00"),
                ("ORD_GNO_BRNO", ""),
                ("ODNO", ""),
                ("INQR_DVSN_3", "00"),
                ("INQR_DVSN_1", ""),
                ("CTX_AREA_FK100", ""),
                ("CTX_AREA_NK100", nk.as_str()),
            ];
            let (_, c, b) = uapi(
                &sim,
                &tok,
                "GET",
                "/uapi/domestic-stock/v1/trading/inquire-daily-ccld",
                "VTTC0081R",
                &params,
                &cont,
            )
            .await;
            for row in b["output1"].as_array().unwrap() {
                seen.push(row["odno"].as_str().unwrap().to_string());
            }
            assert_eq!(b["output2"]["tot_ord_qty"], "17");
            if page == 0 {
                assert_eq!((c.as_str(), b["output1"].as_array().unwrap().len()), ("M", 15), "paper pages hold 15 rows");
            }
            if c != "M" {
                break;
            }
            cont = "N".into();
            nk = b["ctx_area_nk100"].as_str().unwrap().to_string();
        }
        assert_eq!(seen, placed, "every order once, oldest first");
        sim.stop().await.unwrap();

        // A Saturday: no session, orders refused with APBK0919 / APBK1664.
        let sim = start(config(SATURDAY)).await;
        let tok = token(&sim, KEY, SECRET).await;
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
        let code = krx_code(&sim, 0);
        let last = krx_last(&sim, &code).to_string();
        let (_, _, r) = uapi(&sim, &tok, "POST", ORDER, "VTTC0012U", &order_params(&code, "00", "1", &last), "").await;
        assert_eq!(r["msg_cd"], "APBK0919", "{r}");
        let (ex, tk, us_last) = us_symbol(&sim);
        let px = format!("{}.{:02}", us_last / 100, us_last % 100);
        let (_, _, r) = uapi(
            &sim,
            &tok,
            "POST",
            "/uapi/overseas-stock/v1/trading/order",
            "VTTT1002U",
            &[
                ("CANO", "50000000"),
                ("ACNT_PRDT_CD", "01"),
                ("OVRS_EXCG_CD", &ex),
                ("PDNO", &tk),
                ("ORD_QTY", "1"),
                ("OVRS_ORD_UNPR", &px),
                ("CTAC_TLNO", ""),
                ("MGCO_APTM_ODNO", ""),
                ("ORD_SVR_DVSN_CD", "0"),
                ("ORD_DVSN", "00"),
            ],
            "",
        )
        .await;
        assert_eq!(r["msg_cd"], "APBK1664", "{r}");
        sim.stop().await.unwrap();
    })
    .await;
}

//! REST over loopback with a real awc client: every endpoint's happy path and every error code.

mod common;

use common::*;
use serde_json::json;

const PRICE: &str = "/uapi/domestic-stock/v1/quotations/inquire-price";
const ORDER: &str = "/uapi/domestic-stock/v1/trading/order-cash";

fn order_params<'a>(code: &'a str, dvsn: &'a str, qty: &'a str, price: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("CANO", "50000000"),
        ("ACNT_PRDT_CD", "01"),
        ("PDNO", code),
        ("ORD_DVSN", dvsn),
        ("ORD_QTY", qty),
        ("ORD_UNPR", price),
    ]
}

#[actix_rt::test]
async fn token_rules_and_revoke() {
    bounded(20, async {
        let mut c = config(KRX_OPEN);
        c.auth.token_min_interval_ms = 300;
        c.auth.token_reuse_ms = 700;
        c.auth.token_lifetime_ms = 1_500;
        let sim = start(c).await;
        let url = format!("{}/oauth2/tokenP", sim.rest_url());
        let req = json!({"grant_type":"client_credentials","appkey":KEY,"appsecret":SECRET});
        let (status, first) = post(&url, req.clone()).await;
        assert_eq!(status, 200);
        let t1 = first["access_token"].as_str().unwrap().to_string();
        assert!(t1.starts_with("eyJ"));
        assert_eq!(first["token_type"], "Bearer");
        assert_eq!(first["expires_in"], 1);
        assert_eq!(first["access_token_token_expired"].as_str().unwrap().len(), 19);
        // Within the minimum interval: EGW00133.
        let (status, again) = post(&url, req.clone()).await;
        assert_eq!((status, again["msg_cd"].as_str()), (403, Some("EGW00133")), "{again}");
        // After it, within the reuse window: the same token.
        actix_rt::time::sleep(std::time::Duration::from_millis(350)).await;
        let (_, same) = post(&url, req.clone()).await;
        assert_eq!(same["access_token"].as_str().unwrap(), t1);
        // After the reuse window: a new one.
        actix_rt::time::sleep(std::time::Duration::from_millis(450)).await;
        let (_, fresh) = post(&url, req.clone()).await;
        let t2 = fresh["access_token"].as_str().unwrap().to_string();
        assert_ne!(t2, t1);
        let code = krx_code(&sim, 0);
        let (s, _, ok) = uapi(
            &sim,
            &t2,
            "GET",
            PRICE,
            "FHKST01010100",
            &[("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", &code)],
            "",
        )
        .await;
        assert_eq!((s, ok["rt_cd"].as_str()), (200, Some("0")));
        // Expired after its lifetime: EGW00123.
        actix_rt::time::sleep(std::time::Duration::from_millis(1_600)).await;
        let (s, _, exp) = uapi(
            &sim,
            &t2,
            "GET",
            PRICE,
            "FHKST01010100",
            &[("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", &code)],
            "",
        )
        .await;
        assert_eq!((s, exp["msg_cd"].as_str()), (500, Some("EGW00123")), "{exp}");
        // revokeP: success, then the revoked token is invalid (EGW00121).
        let t3 = token(&sim, KEY, SECRET).await;
        let (s, rv) =
            post(&format!("{}/oauth2/revokeP", sim.rest_url()), json!({"appkey":KEY,"appsecret":SECRET,"token":t3}))
                .await;
        assert_eq!((s, rv["code"].as_u64()), (200, Some(200)), "{rv}");
        let (s, _, inv) = uapi(
            &sim,
            &t3,
            "GET",
            PRICE,
            "FHKST01010100",
            &[("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", &code)],
            "",
        )
        .await;
        assert_eq!((s, inv["msg_cd"].as_str()), (500, Some("EGW00121")));
        // A wrong secret for a known key.
        let (s, bad) = post(&url, json!({"grant_type":"client_credentials","appkey":KEY,"appsecret":"nope"})).await;
        assert_eq!((s, bad["error_code"].as_str()), (500, Some("EGW00105")), "{bad}");
        // Approval key and hashkey.
        let (s, ap) = post(
            &format!("{}/oauth2/Approval", sim.rest_url()),
            json!({"grant_type":"client_credentials","appkey":KEY,"secretkey":SECRET}),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(ap["approval_key"].as_str().unwrap().len(), 36);
        let resp = client()
            .post(format!("{}/uapi/hashkey", sim.rest_url()))
            .insert_header(("appkey", KEY))
            .insert_header(("appsecret", SECRET))
            .send_json(&json!({"CANO":"50000000"}))
            .await;
        let mut resp = resp.unwrap();
        let hk: serde_json::Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
        assert_eq!(hk["HASH"].as_str().unwrap().len(), 32);
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn gateway_errors_rate_limit_and_tr_ids() {
    bounded(20, async {
        let mut c = config(KRX_OPEN);
        c.rest.paper_per_sec = 2;
        let sim = start(c).await;
        let tok = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 0);
        let q = [("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code.as_str())];
        // Paper: 2 calls per second, the third in the same second is EGW00201. Align to a fresh second.
        let started = kis_sim::exchange::lock(sim.state()).started;
        let ms = started.elapsed().as_millis() as u64 % 1000;
        if ms > 600 {
            actix_rt::time::sleep(std::time::Duration::from_millis(1010 - ms)).await;
        }
        let mut codes = Vec::new();
        for _ in 0..3 {
            let (s, _, b) = uapi(&sim, &tok, "GET", PRICE, "FHKST01010100", &q, "").await;
            codes.push((s, b["msg_cd"].as_str().unwrap_or("").to_string()));
        }
        assert_eq!(codes[0], (200, "MCA00000".to_string()));
        assert_eq!(codes[2], (500, "EGW00201".to_string()), "{codes:?}");
        actix_rt::time::sleep(std::time::Duration::from_millis(1_000)).await;
        // Unknown TR id for the path.
        let (s, _, b) = uapi(&sim, &tok, "GET", PRICE, "ZZZZ0000", &q, "").await;
        assert_eq!((s, b["msg_cd"].as_str()), (500, Some("EGW00202")));
        // A real-only TR (volume-rank) on paper.
        let (s, _, b) =
            uapi(&sim, &tok, "GET", "/uapi/domestic-stock/v1/quotations/volume-rank", "FHPST01710000", &[], "").await;
        assert_eq!((s, b["msg_cd"].as_str()), (200, Some("OPSQ0002")), "{b}");
        actix_rt::time::sleep(std::time::Duration::from_millis(1_000)).await;
        // Unknown symbol; bad token.
        let (s, _, b) = uapi(
            &sim,
            &tok,
            "GET",
            PRICE,
            "FHKST01010100",
            &[("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", "999999")],
            "",
        )
        .await;
        assert_eq!((s, b["msg_cd"].as_str()), (200, Some("MCA05918")));
        let (s, _, b) = uapi(&sim, "not-a-token", "GET", PRICE, "FHKST01010100", &q, "").await;
        assert_eq!((s, b["msg_cd"].as_str()), (500, Some("EGW00121")));
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn domestic_orders_inquiries_and_refusals() {
    bounded(30, async {
        let mut c = config(KRX_OPEN);
        c.speed = 60;
        let sim = start(c).await;
        wait_open(&sim, 0).await;
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
        wait_open(&sim, 0).await;
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

#[actix_rt::test]
async fn us_endpoints_on_paper_and_real() {
    bounded(30, async {
        let sim = start(config(US_OPEN)).await;
        wait_open(&sim, 1).await;
        let tok = token(&sim, KEY, SECRET).await;
        let (ex, tk, last) = us_symbol(&sim);
        let px = format!("{}.{:02}", last / 100, last % 100);
        let order = |dvsn: &'static str, tr: &'static str| (dvsn, tr);
        let body = |dvsn: &str| -> Vec<(String, String)> {
            vec![
                ("CANO".into(), "50000000".into()),
                ("ACNT_PRDT_CD".into(), "01".into()),
                ("OVRS_EXCG_CD".into(), ex.clone()),
                ("PDNO".into(), tk.clone()),
                ("ORD_QTY".into(), "2".into()),
                ("OVRS_ORD_UNPR".into(), px.clone()),
                ("CTAC_TLNO".into(), "".into()),
                ("MGCO_APTM_ODNO".into(), "".into()),
                ("ORD_SVR_DVSN_CD".into(), "0".into()),
                ("ORD_DVSN".into(), dvsn.into()),
            ]
        };
        let send = |b: Vec<(String, String)>, tr: &'static str| {
            let sim = &sim;
            let tok = tok.clone();
            async move {
                let p: Vec<(&str, &str)> = b.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                uapi(sim, &tok, "POST", "/uapi/overseas-stock/v1/trading/order", tr, &p, "").await.2
            }
        };
        let (d, tr) = order("00", "VTTT1002U");
        let r = send(body(d), tr).await;
        assert_eq!(r["msg_cd"], "APBK0013", "{r}");
        let odno = r["output"]["ODNO"].as_str().unwrap().to_string();
        // Paper takes limit orders only.
        let r = send(body("34"), "VTTT1002U").await;
        assert_eq!(r["msg_cd"], "APBK0508", "{r}");
        // Price, daily price.
        let (_, _, p) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/overseas-price/v1/quotations/price",
            "HHDFS00000300",
            &[("AUTH", ""), ("EXCD", "NAS"), ("SYMB", &tk)],
            "",
        )
        .await;
        assert_eq!(p["output"]["zdiv"], "4", "{p}");
        assert!(p["output"]["rsym"].as_str().unwrap().ends_with(&tk));
        let (_, _, dp) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/overseas-price/v1/quotations/dailyprice",
            "HHDFS76240000",
            &[("AUTH", ""), ("EXCD", "NAS"), ("SYMB", &tk), ("GUBN", "0"), ("BYMD", ""), ("MODP", "0"), ("KEYB", "")],
            "",
        )
        .await;
        assert!(dp["output2"].as_array().unwrap().len() > 50, "history of daily bars");
        // Buyable, order history (paper's unfilled list), then cancel.
        let (_, _, b) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/overseas-stock/v1/trading/inquire-psamount",
            "VTTS3007R",
            &[
                ("CANO", "50000000"),
                ("ACNT_PRDT_CD", "01"),
                ("OVRS_EXCG_CD", &ex),
                ("OVRS_ORD_UNPR", &px),
                ("ITEM_CD", &tk),
            ],
            "",
        )
        .await;
        assert!(b["output"]["max_ord_psbl_qty"].as_str().unwrap().parse::<u64>().unwrap() > 0, "{b}");
        let (_, _, h) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/overseas-stock/v1/trading/inquire-ccnl",
            "VTTS3035R",
            &[
                ("CANO", "50000000"),
                ("ACNT_PRDT_CD", "01"),
                ("PDNO", "%"),
                ("ORD_STRT_DT", "20260304"),
                ("ORD_END_DT", "20260304"),
                ("SLL_BUY_DVSN", "00"),
                ("CCLD_NCCS_DVSN", "00"),
                ("OVRS_EXCG_CD", ""),
                ("SORT_SQN", "DS"),
                ("ORD_DT", ""),
                ("ORD_GNO_BRNO", ""),
                ("ODNO", ""),
                ("CTX_AREA_NK200", ""),
                ("CTX_AREA_FK200", ""),
            ],
            "",
        )
        .await;
        assert_eq!(h["output"][0]["odno"].as_str(), Some(odno.as_str()), "{h}");
        let (_, _, bal) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/overseas-stock/v1/trading/inquire-balance",
            "VTTS3012R",
            &[
                ("CANO", "50000000"),
                ("ACNT_PRDT_CD", "01"),
                ("OVRS_EXCG_CD", "NASD"),
                ("TR_CRCY_CD", "USD"),
                ("CTX_AREA_FK200", ""),
                ("CTX_AREA_NK200", ""),
            ],
            "",
        )
        .await;
        assert_eq!(bal["msg_cd"], "KIOK0510", "{bal}");
        let (_, _, cn) = uapi(
            &sim,
            &tok,
            "POST",
            "/uapi/overseas-stock/v1/trading/order-rvsecncl",
            "VTTT1004U",
            &[
                ("CANO", "50000000"),
                ("ACNT_PRDT_CD", "01"),
                ("OVRS_EXCG_CD", &ex),
                ("PDNO", &tk),
                ("ORGN_ODNO", &odno),
                ("RVSE_CNCL_DVSN_CD", "02"),
                ("ORD_QTY", "0"),
                ("OVRS_ORD_UNPR", "0"),
                ("MGCO_APTM_ODNO", ""),
                ("ORD_SVR_DVSN_CD", "0"),
            ],
            "",
        )
        .await;
        // The order may have filled already (it was priced at the last trade); either answer is KIS's.
        assert!(cn["msg_cd"] == "APBK0013" || cn["msg_cd"] == "APBK0344", "{cn}");
        // Real-only endpoints are refused on paper.
        let (_, _, r) =
            uapi(&sim, &tok, "GET", "/uapi/overseas-stock/v1/trading/inquire-nccs", "TTTS3018R", &[], "").await;
        assert_eq!(r["msg_cd"], "OPSQ0002");
        sim.stop().await.unwrap();

        // Real: LOC accepted, MOO refused for a buy, nccs and minute candles and the rankings served.
        let mut c = config(US_OPEN);
        c.env = kis_model::Environment::Real;
        let sim = start(c).await;
        wait_open(&sim, 1).await;
        let tok = token(&sim, KEY, SECRET).await;
        let p: Vec<(String, String)> = body("34");
        let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (_, _, r) = uapi(&sim, &tok, "POST", "/uapi/overseas-stock/v1/trading/order", "TTTT1002U", &p, "").await;
        assert_eq!(r["msg_cd"], "APBK0013", "{r}");
        let p: Vec<(String, String)> = body("31");
        let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (_, _, r) = uapi(&sim, &tok, "POST", "/uapi/overseas-stock/v1/trading/order", "TTTT1002U", &p, "").await;
        assert_eq!(r["msg_cd"], "APBK0508", "MOO is sell-only: {r}");
        let (_, _, n) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/overseas-stock/v1/trading/inquire-nccs",
            "TTTS3018R",
            &[
                ("CANO", "50000000"),
                ("ACNT_PRDT_CD", "01"),
                ("OVRS_EXCG_CD", "NASD"),
                ("SORT_SQN", "DS"),
                ("CTX_AREA_FK200", ""),
                ("CTX_AREA_NK200", ""),
            ],
            "",
        )
        .await;
        assert_eq!(n["rt_cd"], "0", "{n}");
        actix_rt::time::sleep(std::time::Duration::from_millis(100)).await;
        let (_, _, m) = uapi(
            &sim,
            &tok,
            "GET",
            "/uapi/overseas-price/v1/quotations/inquire-time-itemchartprice",
            "HHDFS76950200",
            &[
                ("AUTH", ""),
                ("EXCD", "NAS"),
                ("SYMB", &tk),
                ("NMIN", "1"),
                ("PINC", "1"),
                ("NEXT", ""),
                ("NREC", "120"),
                ("FILL", ""),
                ("KEYB", ""),
            ],
            "",
        )
        .await;
        assert_eq!(m["rt_cd"], "0", "{m}");
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn real_rankings_and_candles() {
    bounded(20, async {
        let mut c = config(KRX_OPEN);
        c.env = kis_model::Environment::Real;
        c.speed = 600;
        let sim = start(c).await;
        wait_open(&sim, 0).await;
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

//! REST over loopback with a real awc client: the overseas (US) endpoints on paper and real, MOC sells,
//! and the buyable amount net of open buys.

mod common;

use common::*;

/// Today's (2026-03-04) overseas order history (`inquire-ccnl`) of the test account: every order, newest first.
const HISTORY_0304: [(&str, &str); 14] = [
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
];

#[actix_rt::test]
async fn us_endpoints_on_paper_and_real() {
    bounded(30, async {
        let sim = start(config(US_OPEN)).await;
        wait_open(&sim, kis_model::Market::Us).await;
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
        let (_, _, h) =
            uapi(&sim, &tok, "GET", "/uapi/overseas-stock/v1/trading/inquire-ccnl", "VTTS3035R", &HISTORY_0304, "")
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
        wait_open(&sim, kis_model::Market::Us).await;
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

/// Real accounts take MOC sells: sent at price "0", listed at 0 in the history (as KIS lists price-less
/// kinds), and filled by the next bid or trade (the simulator runs no closing auction: module docs of
/// `sim/src/rest/overseas.rs`).
#[actix_rt::test]
async fn a_moc_sell_on_real_is_listed_at_price_zero_and_fills() {
    bounded(30, async {
        let mut c = config(US_OPEN);
        c.env = kis_model::Environment::Real;
        let sim = start(c).await;
        wait_open(&sim, kis_model::Market::Us).await;
        let tok = token(&sim, KEY, SECRET).await;
        let (ex, tk, last) = us_symbol(&sim);
        let high = last * 11 / 10;
        let buy_px = format!("{}.{:02}", high / 100, high % 100);
        let order = |dvsn: &'static str, px: String| -> Vec<(&'static str, String)> {
            vec![
                ("CANO", "50000000".into()),
                ("ACNT_PRDT_CD", "01".into()),
                ("OVRS_EXCG_CD", ex.clone()),
                ("PDNO", tk.clone()),
                ("ORD_QTY", "2".into()),
                ("OVRS_ORD_UNPR", px),
                ("ORD_SVR_DVSN_CD", "0".into()),
                ("ORD_DVSN", dvsn.into()),
            ]
        };
        let send = |body: Vec<(&'static str, String)>, tr: &'static str| {
            let (sim, tok) = (&sim, tok.clone());
            async move {
                let p: Vec<(&str, &str)> = body.iter().map(|(k, v)| (*k, v.as_str())).collect();
                uapi(sim, &tok, "POST", "/uapi/overseas-stock/v1/trading/order", tr, &p, "").await.2
            }
        };
        let history = || {
            let (sim, tok) = (&sim, tok.clone());
            async move {
                uapi(sim, &tok, "GET", "/uapi/overseas-stock/v1/trading/inquire-ccnl", "TTTS3035R", &HISTORY_0304, "")
                    .await
                    .2
            }
        };
        let row_of = |h: &serde_json::Value, odno: &str| {
            h["output"].as_array().unwrap().iter().find(|r| r["odno"] == odno).cloned().unwrap_or_default()
        };
        let r = send(order("00", buy_px), "TTTT1002U").await;
        assert_eq!(r["msg_cd"], "APBK0013", "{r}");
        let buy = r["output"]["ODNO"].as_str().unwrap().to_string();
        let mut filled = false;
        for _ in 0..200 {
            if row_of(&history().await, &buy)["ft_ccld_qty"] == "2" {
                filled = true;
                break;
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(filled, "the marketable buy filled");
        let r = send(order("33", "0".into()), "TTTT1006U").await;
        assert_eq!(r["msg_cd"], "APBK0013", "{r}");
        let moc = r["output"]["ODNO"].as_str().unwrap().to_string();
        let row = row_of(&history().await, &moc);
        assert_eq!((row["ft_ord_unpr3"].as_str(), row["sll_buy_dvsn_cd"].as_str()), (Some("0"), Some("01")), "{row}");
        let mut sold = false;
        for _ in 0..200 {
            if row_of(&history().await, &moc)["ft_ccld_qty"] == "2" {
                sold = true;
                break;
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(sold, "the MOC sell filled at the market");
        sim.stop().await.unwrap();
    })
    .await;
}

/// `inquire-psamount` answers from the account's USD cash net of its open orders: a resting buy's
/// reservation (notional plus commission) comes off the buyable amount, and its cancel gives it back.
#[actix_rt::test]
async fn the_us_buyable_amount_nets_open_buy_reservations() {
    bounded(30, async {
        let sim = start(config(US_OPEN)).await;
        wait_open(&sim, kis_model::Market::Us).await;
        let tok = token(&sim, KEY, SECRET).await;
        let (ex, tk, last) = us_symbol(&sim);
        // Half the last price: the buy rests.
        let low = last / 2;
        let px = format!("{}.{:02}", low / 100, low % 100);
        let buyable = || {
            let (sim, tok, ex, tk, px) = (&sim, tok.clone(), ex.clone(), tk.clone(), px.clone());
            async move {
                let p = [
                    ("CANO", "50000000"),
                    ("ACNT_PRDT_CD", "01"),
                    ("OVRS_EXCG_CD", ex.as_str()),
                    ("OVRS_ORD_UNPR", px.as_str()),
                    ("ITEM_CD", tk.as_str()),
                ];
                let (_, _, b) =
                    uapi(sim, &tok, "GET", "/uapi/overseas-stock/v1/trading/inquire-psamount", "VTTS3007R", &p, "")
                        .await;
                b["output"]["ord_psbl_frcr_amt"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap()
            }
        };
        let before = buyable().await;
        let p = [
            ("CANO", "50000000"),
            ("ACNT_PRDT_CD", "01"),
            ("OVRS_EXCG_CD", ex.as_str()),
            ("PDNO", tk.as_str()),
            ("ORD_QTY", "10"),
            ("OVRS_ORD_UNPR", px.as_str()),
            ("ORD_SVR_DVSN_CD", "0"),
            ("ORD_DVSN", "00"),
        ];
        let (_, _, r) = uapi(&sim, &tok, "POST", "/uapi/overseas-stock/v1/trading/order", "VTTT1002U", &p, "").await;
        assert_eq!(r["msg_cd"], "APBK0013", "{r}");
        let odno = r["output"]["ODNO"].as_str().unwrap().to_string();
        let notional = rust_decimal::Decimal::new(low * 10, 2);
        let during = buyable().await;
        assert!(before - during >= notional, "{before} - {during} holds at least the notional {notional}");
        assert!(before - during < notional * rust_decimal::Decimal::new(11, 1), "and little more (commission)");
        let engine_available = {
            let ex = kis_sim::exchange::lock(sim.state());
            ex.accounts[0].engine.cash(kis_model::Currency::Usd).available()
        };
        assert_eq!(during, engine_available, "the engine's available USD");
        // A modify: more than is working is refused; the working 10 at a cent less become a new order.
        let lower = format!("{}.{:02}", (low - 1) / 100, (low - 1) % 100);
        let modify = |qty: &'static str| {
            let (sim, tok, ex, tk, odno, lower) =
                (&sim, tok.clone(), ex.clone(), tk.clone(), odno.clone(), lower.clone());
            async move {
                let p = [
                    ("CANO", "50000000"),
                    ("ACNT_PRDT_CD", "01"),
                    ("OVRS_EXCG_CD", ex.as_str()),
                    ("PDNO", tk.as_str()),
                    ("ORGN_ODNO", odno.as_str()),
                    ("RVSE_CNCL_DVSN_CD", "01"),
                    ("ORD_QTY", qty),
                    ("OVRS_ORD_UNPR", lower.as_str()),
                    ("ORD_SVR_DVSN_CD", "0"),
                ];
                let (_, _, r) =
                    uapi(sim, &tok, "POST", "/uapi/overseas-stock/v1/trading/order-rvsecncl", "VTTT1004U", &p, "")
                        .await;
                r
            }
        };
        let too_many = modify("11").await;
        assert_eq!(
            (too_many["rt_cd"].as_str(), too_many["msg_cd"].as_str()),
            (Some("1"), Some("APBK0345")),
            "{too_many}"
        );
        let modified = modify("10").await;
        assert_eq!(modified["msg_cd"], "APBK0013", "{modified}");
        let odno = modified["output"]["ODNO"].as_str().unwrap().to_string();
        assert_ne!(odno, r["output"]["ODNO"].as_str().unwrap(), "the modify has its own order number");
        let p = [
            ("CANO", "50000000"),
            ("ACNT_PRDT_CD", "01"),
            ("OVRS_EXCG_CD", ex.as_str()),
            ("PDNO", tk.as_str()),
            ("ORGN_ODNO", odno.as_str()),
            ("RVSE_CNCL_DVSN_CD", "02"),
            ("ORD_QTY", "10"),
            ("OVRS_ORD_UNPR", "0"),
            ("ORD_SVR_DVSN_CD", "0"),
        ];
        let (_, _, cn) =
            uapi(&sim, &tok, "POST", "/uapi/overseas-stock/v1/trading/order-rvsecncl", "VTTT1004U", &p, "").await;
        assert_eq!(cn["msg_cd"], "APBK0013", "{cn}");
        assert_eq!(buyable().await, before, "the cancel gives the reservation back");
        sim.stop().await.unwrap();
    })
    .await;
}

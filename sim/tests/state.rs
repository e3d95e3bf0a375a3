//! The state file over a real restart: balance, holdings, resting orders, order numbering and access tokens
//! survive `stop()` and a new `Simulator::start` on the same file; a damaged file stops the start with an error
//! naming it.

mod common;

use std::path::PathBuf;

use common::*;
use kis_model::InstrumentKind;
use kis_model::tick_size::floor_to_tick;
use kis_sim::{SimConfig, Simulator};
use rust_decimal::Decimal;
use serde_json::Value;

const ORDER: &str = "/uapi/domestic-stock/v1/trading/order-cash";
const CANCEL: &str = "/uapi/domestic-stock/v1/trading/order-rvsecncl";
const BALANCE: &str = "/uapi/domestic-stock/v1/trading/inquire-balance";
const CCLD: &str = "/uapi/domestic-stock/v1/trading/inquire-daily-ccld";

/// A fresh directory per test run (pid + nanos), removed by the test that made it.
fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("kis-sim-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn state_config(path: &std::path::Path) -> SimConfig {
    let mut c = config(KRX_OPEN);
    c.state_file = Some(path.to_path_buf());
    c
}

async fn order(sim: &kis_sim::SimHandle, tok: &str, code: &str, dvsn: &str, qty: &str, price: &str) -> Value {
    let params = [
        ("CANO", "50000000"),
        ("ACNT_PRDT_CD", "01"),
        ("PDNO", code),
        ("ORD_DVSN", dvsn),
        ("ORD_QTY", qty),
        ("ORD_UNPR", price),
    ];
    let (s, _, o) = uapi(sim, tok, "POST", ORDER, "VTTC0012U", &params, "").await;
    assert_eq!((s, o["msg_cd"].as_str()), (200, Some("APBK0013")), "{o}");
    o
}

/// (cash deposit, holding quantity, average price) of `code`, once the holding is there (a market order fills
/// on the next market event).
async fn balance(sim: &kis_sim::SimHandle, tok: &str, code: &str) -> (Decimal, String, String) {
    for _ in 0..100 {
        if let Some(b) = try_balance(sim, tok, code).await {
            return b;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no holding of {code} appeared");
}

async fn try_balance(sim: &kis_sim::SimHandle, tok: &str, code: &str) -> Option<(Decimal, String, String)> {
    let params = [
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
    ];
    let (s, _, b) = uapi(sim, tok, "GET", BALANCE, "VTTC8434R", &params, "").await;
    assert_eq!((s, b["msg_cd"].as_str()), (200, Some("KIOK0510")), "{b}");
    let cash: Decimal = b["output2"][0]["dnca_tot_amt"].as_str().unwrap().parse().unwrap();
    let rows = b["output1"].as_array().unwrap();
    let pos = rows.iter().find(|r| r["pdno"] == code)?;
    Some((cash, pos["hldg_qty"].as_str().unwrap().to_string(), pos["pchs_avg_pric"].as_str().unwrap().to_string()))
}

/// Today's unfilled orders: (ODNO, remaining quantity), oldest first.
async fn unfilled(sim: &kis_sim::SimHandle, tok: &str) -> Vec<(String, String)> {
    let params = [
        ("CANO", "50000000"),
        ("ACNT_PRDT_CD", "01"),
        ("INQR_STRT_DT", "20260304"),
        ("INQR_END_DT", "20260304"),
        ("SLL_BUY_DVSN_CD", "00"),
        ("INQR_DVSN", "01"),
        ("PDNO", ""),
        ("CCLD_DVSN", "02"),
        ("ORD_GNO_BRNO", ""),
        ("ODNO", ""),
        ("INQR_DVSN_3", "00"),
        ("INQR_DVSN_1", ""),
        ("CTX_AREA_FK100", ""),
        ("CTX_AREA_NK100", ""),
    ];
    let (s, _, b) = uapi(sim, tok, "GET", CCLD, "VTTC0081R", &params, "").await;
    assert_eq!((s, b["rt_cd"].as_str()), (200, Some("0")), "{b}");
    b["output1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["odno"].as_str().unwrap().to_string(), r["rmn_qty"].as_str().unwrap().to_string()))
        .collect()
}

fn odno(o: &Value) -> String {
    o["output"]["ODNO"].as_str().unwrap().to_string()
}

#[actix_rt::test]
async fn accounts_orders_and_tokens_survive_a_restart() {
    bounded(30, async {
        let dir = temp_dir("state");
        let path = dir.join("sim-state.json");

        // First life: a filled market buy and a resting limit buy well below the market.
        let sim = start(state_config(&path)).await;
        wait_open(&sim, kis_model::Market::Krx).await;
        let tok = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 0);
        let bought = order(&sim, &tok, &code, "01", "3", "0").await;
        let last = u64::try_from(krx_last(&sim, &code)).unwrap();
        let bid = floor_to_tick(last * 90 / 100, InstrumentKind::Stock).to_string();
        let resting = order(&sim, &tok, &code, "00", "7", &bid).await;
        assert!(odno(&resting) > odno(&bought));
        let before = balance(&sim, &tok, &code).await;
        assert_eq!(before.1, "3");
        assert!(before.0 < Decimal::from(100_000_000), "the buy cost cash: {}", before.0);
        let open_before = unfilled(&sim, &tok).await;
        assert_eq!(open_before, vec![(odno(&resting), "7".to_string())]);
        sim.stop().await.unwrap();

        // The file holds no credential: neither the appkey, nor the secret, nor the token.
        let text = std::fs::read_to_string(&path).unwrap();
        for secret in [KEY, SECRET, tok.as_str()] {
            assert!(!text.contains(secret), "the state file leaks a credential");
        }
        assert!(!path.with_extension("tmp").exists(), "the temporary file was renamed into place");

        // Second life on the same file, with the token issued in the first.
        let sim = start(state_config(&path)).await;
        wait_open(&sim, kis_model::Market::Krx).await;
        let after = balance(&sim, &tok, &code).await;
        assert_eq!(after, before, "cash, holding and average price survive");
        assert_eq!(unfilled(&sim, &tok).await, open_before, "the resting order survives");
        // Numbering continues after the last order of the first life.
        let next = order(&sim, &tok, &code, "00", "1", &bid).await;
        assert!(odno(&next) > odno(&resting), "{} after {}", odno(&next), odno(&resting));
        // The restored resting order is live: it can be cancelled.
        let cancel = [
            ("CANO", "50000000"),
            ("ACNT_PRDT_CD", "01"),
            ("KRX_FWDG_ORD_ORGNO", resting["output"]["KRX_FWDG_ORD_ORGNO"].as_str().unwrap()),
            ("ORGN_ODNO", &odno(&resting)),
            ("ORD_DVSN", "00"),
            ("RVSE_CNCL_DVSN_CD", "02"),
            ("ORD_QTY", "0"),
            ("ORD_UNPR", "0"),
            ("QTY_ALL_ORD_YN", "Y"),
        ];
        let (_, _, c) = uapi(&sim, &tok, "POST", CANCEL, "VTTC0013U", &cancel, "").await;
        assert_eq!(c["msg_cd"], "APBK0013", "{c}");
        assert_eq!(unfilled(&sim, &tok).await, vec![(odno(&next), "1".to_string())]);
        // A wrong token is still refused, and revoking the restored token ends it.
        let (s, _, bad) =
            uapi(&sim, "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.not.ours", "GET", BALANCE, "VTTC8434R", &[], "").await;
        assert_eq!((s, bad["msg_cd"].as_str()), (500, Some("EGW00121")), "{bad}");
        let (s, rv) = post(
            &format!("{}/oauth2/revokeP", sim.rest_url()),
            serde_json::json!({"appkey": KEY, "appsecret": SECRET, "token": tok}),
        )
        .await;
        assert_eq!((s, rv["code"].as_u64()), (200, Some(200)), "{rv}");
        let (s, _, gone) = uapi(&sim, &tok, "GET", BALANCE, "VTTC8434R", &[], "").await;
        assert_eq!((s, gone["msg_cd"].as_str()), (500, Some("EGW00121")), "{gone}");
        sim.stop().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn token_issue_interval_holds_across_a_restart() {
    bounded(20, async {
        let dir = temp_dir("token-interval");
        let path = dir.join("state.json");
        let mut c = state_config(&path);
        c.auth.token_min_interval_ms = 60_000;
        let sim = start(c.clone()).await;
        let first = token(&sim, KEY, SECRET).await;
        sim.stop().await.unwrap();
        let sim = start(c).await;
        // KIS refuses a second issue within the minute, restart or not (EGW00133)…
        let (s, again) = post(
            &format!("{}/oauth2/tokenP", sim.rest_url()),
            serde_json::json!({"grant_type": "client_credentials", "appkey": KEY, "appsecret": SECRET}),
        )
        .await;
        assert_eq!((s, again["error_code"].as_str()), (403, Some("EGW00133")), "{again}");
        // …and the persisted token keeps working.
        let code = krx_code(&sim, 0);
        let q = [("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code.as_str())];
        let (s, _, p) =
            uapi(&sim, &first, "GET", "/uapi/domestic-stock/v1/quotations/inquire-price", "FHKST01010100", &q, "")
                .await;
        assert_eq!((s, p["rt_cd"].as_str()), (200, Some("0")), "{p}");
        sim.stop().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn expired_tokens_do_not_come_back() {
    bounded(20, async {
        let dir = temp_dir("token-expiry");
        let path = dir.join("state.json");
        let mut c = state_config(&path);
        c.auth.token_lifetime_ms = 300;
        let sim = start(c.clone()).await;
        let tok = token(&sim, KEY, SECRET).await;
        sim.stop().await.unwrap();
        actix_rt::time::sleep(std::time::Duration::from_millis(400)).await;
        let sim = start(c).await;
        let code = krx_code(&sim, 0);
        let q = [("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code.as_str())];
        let (s, _, p) =
            uapi(&sim, &tok, "GET", "/uapi/domestic-stock/v1/quotations/inquire-price", "FHKST01010100", &q, "").await;
        // Dropped on load (past its expiry), so it is unknown rather than expired.
        assert_eq!((s, p["msg_cd"].as_str()), (500, Some("EGW00121")), "{p}");
        sim.stop().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn a_damaged_state_file_stops_the_start_and_names_the_file() {
    bounded(20, async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = temp_dir("corrupt");
        let path = dir.join("broken-state.json");
        let cases: [(&str, &str); 3] = [
            ("{\"accounts\": [", "not a simulator state file"),
            ("{\"accounts\": [], \"extra\": 1}", "unknown field `extra`"),
            ("\u{0}\u{1}binary", "not a simulator state file"),
        ];
        for (content, expected) in cases {
            std::fs::write(&path, content).unwrap();
            let err = match Simulator::start(state_config(&path)).await {
                Ok(sim) => {
                    sim.stop().await.unwrap();
                    panic!("started on a damaged state file: {content:?}");
                }
                Err(e) => e.to_string(),
            };
            assert!(err.contains(&path.display().to_string()), "{err}");
            assert!(err.contains(expected), "{err}");
        }
        // The file is left as it was for the operator to inspect.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "\u{0}\u{1}binary");
        // A directory where the file should be: a read error, naming it too.
        let err = Simulator::start(state_config(&dir)).await.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(&dir.display().to_string()) && err.starts_with("state file"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    })
    .await;
}

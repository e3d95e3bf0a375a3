//! What real KIS clients see on the wire beyond the JSON bodies: header spelling, path leniency, the
//! product-master lookup they make before quoting (issue #10).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;

/// One raw HTTP/1.1 exchange (awc and every Rust client lowercase header names, so this reads bytes).
fn raw_http(rest_url: &str, request: String) -> String {
    let addr = rest_url.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn head_names(response: &str) -> Vec<String> {
    let head = response.split("\r\n\r\n").next().unwrap_or("");
    head.lines().skip(1).filter_map(|l| l.split_once(':').map(|(n, _)| n.to_string())).collect()
}

#[actix_rt::test]
async fn headers_are_capitalised_and_doubled_slashes_are_accepted() {
    bounded(20, async {
        let sim = start(config(KRX_OPEN)).await;
        let rest = sim.rest_url();
        let body = format!(r#"{{"grant_type":"client_credentials","appkey":"{KEY}","appsecret":"{SECRET}"}}"#);
        let request = format!(
            "POST //oauth2/tokenP HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let response = actix_rt::task::spawn_blocking(move || raw_http(&rest, request)).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        let names = head_names(&response);
        for want in ["Content-Type", "Content-Length", "Date"] {
            assert!(names.iter().any(|n| n == want), "no {want} header as KIS spells it in {names:?}");
        }
        assert!(response.contains("access_token"), "{response}");

        let token = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 0);
        let params = [("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code.as_str())];
        let path = "//uapi/domestic-stock/v1/quotations/inquire-price";
        let (status, _, body) = uapi(&sim, &token, "GET", path, "FHKST01010100", &params, "").await;
        assert_eq!((status, body["rt_cd"].as_str()), (200, Some("0")), "{body}");
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn search_info_names_listings_and_answers_no_data_for_others() {
    bounded(20, async {
        let mut cfg = config(KRX_OPEN);
        cfg.env = kis_model::Environment::Real;
        let sim = start(cfg).await;
        let token = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 0);
        let path = "/uapi/domestic-stock/v1/quotations/search-info";
        let ask = |pdno: String, kind: &'static str| {
            let (sim, token) = (&sim, &token);
            async move {
                let params = [("PDNO", pdno.as_str()), ("PRDT_TYPE_CD", kind)];
                uapi(sim, token, "GET", path, "CTPF1604R", &params, "").await
            }
        };
        let (status, _, body) = ask(code.clone(), "300").await;
        assert_eq!((status, body["rt_cd"].as_str()), (200, Some("0")), "{body}");
        let out = &body["output"];
        assert_eq!(out["shtn_pdno"], code.as_str());
        assert_eq!(out["std_pdno"].as_str().map(str::len), Some(12));
        assert!(!out["prdt_abrv_name"].as_str().unwrap_or("").is_empty(), "{out}");
        assert_eq!(out["prdt_type_cd"], "300");
        let (e, ticker, _) = us_symbol(&sim);
        let kind = match e.as_str() {
            "NASD" => "512",
            "NYSE" => "513",
            _ => "529",
        };
        let (_, _, body) = ask(ticker.clone(), kind).await;
        assert_eq!(body["output"]["shtn_pdno"], ticker.as_str(), "{body}");
        // A US ticker asked as a KRX stock: KIS's "no data" (rt_cd 7), which clients take as "try the next type".
        let (_, _, body) = ask(ticker, "300").await;
        assert_eq!(body["rt_cd"], "7", "{body}");
        let (_, _, body) = ask(String::new(), "300").await;
        assert_eq!(body["msg_cd"], "OPSQ2001", "{body}");
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn optional_fields_kis_tolerates_missing_are_defaulted() {
    bounded(30, async {
        let sim = start(config(US_OPEN)).await;
        wait_open(&sim, kis_model::Market::Us).await;
        let tok = token(&sim, KEY, SECRET).await;
        let (ex, tk, last) = us_symbol(&sim);
        let px = format!("{}.{:02}", last / 100, last % 100);
        // No CTAC_TLNO, MGCO_APTM_ODNO, ORD_SVR_DVSN_CD: KIS takes the order.
        let p = [
            ("CANO", "50000000"),
            ("ACNT_PRDT_CD", "01"),
            ("OVRS_EXCG_CD", ex.as_str()),
            ("PDNO", tk.as_str()),
            ("ORD_QTY", "1"),
            ("OVRS_ORD_UNPR", px.as_str()),
            ("ORD_DVSN", "00"),
        ];
        let (_, _, r) = uapi(&sim, &tok, "POST", "/uapi/overseas-stock/v1/trading/order", "VTTT1002U", &p, "").await;
        assert_eq!(r["msg_cd"], "APBK0013", "{r}");
        // A required one missing is still refused.
        let (_, _, r) =
            uapi(&sim, &tok, "POST", "/uapi/overseas-stock/v1/trading/order", "VTTT1002U", &p[1..], "").await;
        assert_eq!(r["msg_cd"], "OPSQ2001", "{r}");
        // dailyprice without KEYB.
        let q = [("AUTH", ""), ("EXCD", "NAS"), ("SYMB", tk.as_str()), ("GUBN", "0"), ("BYMD", ""), ("MODP", "0")];
        let (_, _, dp) =
            uapi(&sim, &tok, "GET", "/uapi/overseas-price/v1/quotations/dailyprice", "HHDFS76240000", &q, "").await;
        assert_eq!(dp["rt_cd"], "0", "{dp}");
        assert!(!dp["output2"].as_array().unwrap().is_empty(), "{dp}");
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn asking_price_serves_the_ten_level_book() {
    bounded(20, async {
        let mut cfg = config(KRX_OPEN);
        cfg.speed = 200;
        let sim = start(cfg).await;
        wait_open(&sim, kis_model::Market::Krx).await;
        let token = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 0);
        let path = "/uapi/domestic-stock/v1/quotations/inquire-asking-price-exp-ccn";
        let params = [("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code.as_str())];
        let mut book = serde_json::Value::Null;
        for _ in 0..50 {
            let (_, _, body) = uapi(&sim, &token, "GET", path, "FHKST01010200", &params, "").await;
            assert_eq!(body["rt_cd"], "0", "{body}");
            book = body;
            if book["output1"]["askp10"].as_str().is_some_and(|p| p != "0") {
                break;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        let price = |k: &str| book["output1"][k].as_str().and_then(|v| v.parse::<i64>().ok()).unwrap_or(-1);
        assert!(price("askp1") > price("bidp1") && price("bidp1") > 0, "{book}");
        assert!(price("askp10") > price("askp1") && price("bidp10") < price("bidp1"), "{book}");
        assert_eq!(book["output2"]["stck_shrn_iscd"], code.as_str());
        let (_, _, body) = uapi(&sim, &token, "GET", path, "FHKST01010200", &params[1..], "").await;
        assert_eq!(body["msg_cd"], "OPSQ2001", "{body}");
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn us_price_detail_and_present_balance() {
    bounded(30, async {
        let mut cfg = config(US_OPEN);
        cfg.env = kis_model::Environment::Real;
        let sim = start(cfg).await;
        wait_open(&sim, kis_model::Market::Us).await;
        let tok = token(&sim, KEY, SECRET).await;
        let (_, tk, last) = us_symbol(&sim);
        let q = [("AUTH", ""), ("EXCD", "NAS"), ("SYMB", tk.as_str())];
        let (_, _, d) =
            uapi(&sim, &tok, "GET", "/uapi/overseas-price/v1/quotations/price-detail", "HHDFS76200200", &q, "").await;
        assert_eq!(d["rt_cd"], "0", "{d}");
        let out = &d["output"];
        let dec = |k: &str| out[k].as_str().and_then(|v| v.parse::<f64>().ok()).unwrap_or(-1.0);
        assert!(dec("last") > 0.0 && dec("h52p") >= dec("l52p") && dec("l52p") > 0.0, "{out}");
        assert!((dec("last") * 100.0 - last as f64).abs() < 1_000.0, "{out}");
        assert_eq!((out["vnit"].as_str(), out["e_ordyn"].as_str()), (Some("1"), Some("매매 가능")));
        let p = [
            ("CANO", "50000000"),
            ("ACNT_PRDT_CD", "01"),
            ("WCRC_FRCR_DVSN_CD", "02"),
            ("NATN_CD", "840"),
            ("TR_MKET_CD", "00"),
            ("INQR_DVSN_CD", "00"),
        ];
        let path = "/uapi/overseas-stock/v1/trading/inquire-present-balance";
        let (_, _, b) = uapi(&sim, &tok, "GET", path, "CTRP6504R", &p, "").await;
        assert_eq!(b["rt_cd"], "0", "{b}");
        assert_eq!(b["output2"][0]["crcy_cd"], "USD", "{b}");
        assert_eq!(b["output2"][0]["frcr_dncl_amt_2"], "100000", "starting dollars: {b}");
        assert_eq!(b["output3"]["tot_dncl_amt"], "130000000", "{b}");
        let (_, _, b) = uapi(&sim, &tok, "GET", path, "VTRP6504R", &p, "").await;
        assert_eq!(b["msg_cd"], "OPSQ0002", "paper id on real: {b}");
        let (_, _, b) = uapi(&sim, &tok, "GET", path, "CTRP6504R", &p[..5], "").await;
        assert_eq!(b["msg_cd"], "OPSQ2001", "{b}");
        sim.stop().await.unwrap();
    })
    .await;
}

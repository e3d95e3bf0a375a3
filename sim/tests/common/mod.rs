//! Shared helpers of the loopback tests: a simulator on OS-assigned ports and a real awc client.
#![allow(dead_code)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use kis_model::Market;
use kis_sim::{SimConfig, SimHandle, Simulator};
use serde_json::Value;

pub const KEY: &str = "PSappkey0000000000000000000000000001";
pub const SECRET: &str = "secret-of-the-test-app";
/// Wednesday 2026-03-04 09:00 KST, a KRX session open.
pub const KRX_OPEN: &str = "2026-03-04T00:00:00Z";
/// Wednesday 2026-03-04 09:30 New York (EST), an NYSE open.
pub const US_OPEN: &str = "2026-03-04T14:30:00Z";
/// Saturday: no session anywhere.
pub const SATURDAY: &str = "2026-03-07T03:00:00Z";

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A config for tests: fixed start, generous rate limit unless a test is about it.
pub fn config(start: &str) -> SimConfig {
    let mut c = SimConfig { start: Some(at(start)), symbols: 10, us_symbols: 3, ..SimConfig::default() };
    c.rest.paper_per_sec = 1_000;
    c.rest.real_per_sec = 1_000;
    c.auth.token_min_interval_ms = 0;
    c
}

pub async fn start(config: SimConfig) -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Simulator::start(config).await.unwrap()
}

pub fn client() -> awc::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    awc::Client::builder().timeout(Duration::from_secs(5)).finish()
}

/// POST JSON; (status, body).
pub async fn post(url: &str, body: Value) -> (u16, Value) {
    let mut resp =
        client().post(url).insert_header(("content-type", "application/json")).send_json(&body).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.body().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

pub async fn token(sim: &SimHandle, key: &str, secret: &str) -> String {
    let (status, body) = post(
        &format!("{}/oauth2/tokenP", sim.rest_url()),
        serde_json::json!({"grant_type":"client_credentials","appkey":key,"appsecret":secret}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

/// An authorised `/uapi` call: (status, response tr_cont header, body).
pub async fn uapi(
    sim: &SimHandle,
    token: &str,
    method: &str,
    path: &str,
    tr_id: &str,
    params: &[(&str, &str)],
    tr_cont: &str,
) -> (u16, String, Value) {
    let c = client();
    let url = format!("{}{}", sim.rest_url(), path);
    let req = if method == "GET" { c.get(&url) } else { c.post(&url) };
    let req = req
        .insert_header(("content-type", "application/json; charset=utf-8"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("appkey", KEY))
        .insert_header(("appsecret", SECRET))
        .insert_header(("tr_id", tr_id))
        .insert_header(("custtype", "P"))
        .insert_header(("tr_cont", tr_cont));
    let mut resp = if method == "GET" {
        req.query(&params.to_vec()).unwrap().send().await.unwrap()
    } else {
        let body: serde_json::Map<String, Value> =
            params.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
        req.send_json(&Value::Object(body)).await.unwrap()
    };
    let status = resp.status().as_u16();
    let cont = resp.headers().get("tr_cont").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = resp.body().limit(8 << 20).await.unwrap();
    (status, cont, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Waits (bounded) until the driver has opened `market`.
pub async fn wait_open(sim: &SimHandle, market: Market) {
    assert!(sim.wait_open(market, Duration::from_secs(2)).await, "{market:?} did not open");
}

/// The first KRX symbol code of the universe.
pub fn krx_code(sim: &SimHandle, n: usize) -> String {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.feeds.iter().filter(|f| matches!(f.symbol, kis_model::Symbol::Krx(_))).nth(n).unwrap().symbol.code().to_string()
}

pub fn krx_last(sim: &SimHandle, code: &str) -> i64 {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.feeds.iter().find(|f| f.symbol.code() == code).unwrap().last
}

pub fn us_symbol(sim: &SimHandle) -> (String, String, i64) {
    let ex = kis_sim::exchange::lock(sim.state());
    let f = ex.feeds.iter().find(|f| matches!(f.symbol, kis_model::Symbol::Us(..))).unwrap();
    match f.symbol {
        kis_model::Symbol::Us(e, t) => (e.order_code().to_string(), t.as_str().to_string(), f.last),
        _ => unreachable!(),
    }
}

/// Runs a test body with a hard time limit.
pub async fn bounded<F: std::future::Future<Output = ()>>(secs: u64, f: F) {
    actix_rt::time::timeout(Duration::from_secs(secs), f).await.expect("test exceeded its time limit");
}

pub fn krx_prev(sim: &SimHandle, code: &str) -> i64 {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.feeds.iter().find(|f| f.symbol.code() == code).unwrap().prev_close
}

/// Domestic paths and the order-cash body most tests send.
pub const PRICE: &str = "/uapi/domestic-stock/v1/quotations/inquire-price";
pub const ORDER: &str = "/uapi/domestic-stock/v1/trading/order-cash";

/// A domestic current-price request (`FHKST01010100`) for `code`: (status, tr_cont, body).
pub async fn price_of(sim: &SimHandle, token: &str, code: &str) -> (u16, String, Value) {
    uapi(sim, token, "GET", PRICE, "FHKST01010100", &[("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code)], "")
        .await
}

pub fn order_params<'a>(code: &'a str, dvsn: &'a str, qty: &'a str, price: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("CANO", "50000000"),
        ("ACNT_PRDT_CD", "01"),
        ("PDNO", code),
        ("ORD_DVSN", dvsn),
        ("ORD_QTY", qty),
        ("ORD_UNPR", price),
    ]
}

//! `dayornight` (JTTT3010R) over loopback, read off the socket: the output key is UPPERCASE, as clients
//! read it (`res.json()["output"]["PSBL_YN"]`), and `Y` means the night ledger.

mod common;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The raw HTTP/1.1 response (head and body) of a GET, read off the socket: no client library
/// normalises the header names on the way.
async fn raw_get(sim: &kis_sim::SimHandle, tok: &str, path: &str, tr_id: &str) -> String {
    let addr = sim.rest_url().trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json; charset=utf-8\r\n\
         authorization: Bearer {tok}\r\nappkey: {KEY}\r\nappsecret: {SECRET}\r\ntr_id: {tr_id}\r\n\
         custtype: P\r\nconnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

async fn ledger_at(start_at: &str) -> String {
    let sim = start(config(start_at)).await;
    let tok = token(&sim, KEY, SECRET).await;
    let raw = raw_get(&sim, &tok, "/uapi/overseas-stock/v1/trading/dayornight", "JTTT3010R").await;
    sim.stop().await.unwrap();
    raw
}

fn body(raw: &str) -> serde_json::Value {
    let text = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {raw}"))
}

#[actix_rt::test]
async fn night_ledger_during_the_new_york_session_day_ledger_in_the_korean_daytime() {
    bounded(30, async {
        // 09:30 New York: the regular session, night in Korea.
        let raw = ledger_at(US_OPEN).await;
        let night = body(&raw);
        assert_eq!(night["rt_cd"], "0", "{raw}");
        assert_eq!(night["output"]["PSBL_YN"], "Y", "UPPERCASE key, night ledger: {raw}");
        // 22:00 New York (12:00 KST): KIS's US daytime session, on the day ledger.
        let raw = ledger_at("2026-03-04T03:00:00Z").await;
        assert_eq!(body(&raw)["output"]["PSBL_YN"], "N", "{raw}");
    })
    .await;
}

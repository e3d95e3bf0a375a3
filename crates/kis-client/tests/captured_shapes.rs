//! The simulator's WebSocket output held against frames captured from the live KIS service
//! (`testdata/kis-samples/`): same record widths, and every field of the same kind (time, date, sign code,
//! number, flag) at the same position; acks and PINGPONG with the same JSON shape. Received with the real client.

use std::collections::BTreeSet;
use std::time::Duration;

use kis_client::{Credentials, Endpoints, RestClient, WsConnection, WsEvent};
use kis_model::{Environment, Symbol};
use kis_protocol::ws::{Control, SubscribeRequest, WsMessage, WsTrId, decode_message};
use kis_sim::{SimConfig, SimHandle, Simulator};
use serde_json::Value;

fn sample(name: &str) -> String {
    let path = format!("{}/../../testdata/kis-samples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The fields of the first record of a one-record data frame.
fn fields(frame: &str) -> Vec<String> {
    let payload = frame.trim().splitn(4, '|').nth(3).unwrap();
    payload.split('^').map(str::to_string).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Empty,
    Number,
    Text,
}

fn kind(field: &str) -> Kind {
    let body = field.strip_prefix('-').unwrap_or(field);
    if field.is_empty() {
        Kind::Empty
    } else if !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().any(|b| b.is_ascii_digit())
    {
        Kind::Number
    } else {
        Kind::Text
    }
}

/// Same width; at each position the same kind (an empty captured field may be anything: KIS leaves some unset).
fn assert_same_shape(tr: &str, captured: &[String], simulated: &[String]) {
    assert_eq!(simulated.len(), captured.len(), "{tr}: record width");
    for (i, (c, s)) in captured.iter().zip(simulated).enumerate() {
        let (kc, ks) = (kind(c), kind(s));
        if kc != Kind::Empty {
            assert_eq!(ks, kc, "{tr} field {i}: captured {c:?}, simulated {s:?}");
        }
    }
}

fn hhmmss(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) && &s[..2] < "24" && &s[2..4] < "60" && &s[4..] < "60"
}

/// JSON shape: the set of key paths.
fn paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Value::Object(map) = v {
        for (k, child) in map {
            let p = format!("{prefix}/{k}");
            out.insert(p.clone());
            paths(child, &p, out);
        }
    }
}

fn shape(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    paths(&serde_json::from_str(text).unwrap(), "", &mut out);
    out
}

async fn start() -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut c = SimConfig {
        start: Some("2026-03-04T00:00:00Z".parse().unwrap()),
        symbols: 10,
        us_symbols: 0,
        speed: 20,
        ..SimConfig::default()
    };
    c.ws.ping_interval_ms = 300;
    Simulator::start(c).await.unwrap()
}

#[actix_rt::test]
async fn simulated_frames_have_the_captured_layouts() {
    let sim = start().await;
    let code = {
        let ex = kis_sim::exchange::lock(sim.state());
        ex.feeds.iter().find(|f| matches!(f.symbol, Symbol::Krx(_))).unwrap().symbol.code().to_string()
    };
    let endpoints = Endpoints::custom(Environment::Paper, &sim.rest_url(), &sim.ws_url());
    let rest = RestClient::new(endpoints, Credentials::new("shape-key", "shape-secret"), 2, Duration::from_secs(5));
    let approval = rest.approval_key().await.unwrap();
    let mut ws = WsConnection::connect(&format!("{}/tryitout", sim.ws_url()), Duration::from_secs(5)).await.unwrap();
    for tr in [WsTrId::H0stcnt0, WsTrId::H0stasp0] {
        ws.send_text(&SubscribeRequest::register(approval.approval_key.expose(), tr, code.clone()).to_json())
            .await
            .unwrap();
    }

    let (mut ack, mut ping, mut trade, mut book) = (None, None, None, None);
    let collected = actix_rt::time::timeout(Duration::from_secs(20), async {
        while ack.is_none() || ping.is_none() || trade.is_none() || book.is_none() {
            let WsEvent::Text(text) = ws.next_event().await.unwrap() else { panic!("closed") };
            match decode_message(&text).unwrap() {
                WsMessage::Control(Control::PingPong { .. }) => {
                    ws.send_text(&text).await.unwrap();
                    ping.get_or_insert(text);
                }
                WsMessage::Control(_) => {
                    ack.get_or_insert(text);
                }
                WsMessage::Data(frame) if frame.count() == 1 && frame.tr_id() == "H0STCNT0" => {
                    trade.get_or_insert(text);
                }
                WsMessage::Data(frame) if frame.count() == 1 && frame.tr_id() == "H0STASP0" => {
                    book.get_or_insert(text);
                }
                WsMessage::Data(_) => {}
            }
        }
    })
    .await;
    assert!(collected.is_ok(), "did not see an ack, a PINGPONG, a trade and a book within 20 s");
    let (ack, ping, trade, book) = (ack.unwrap(), ping.unwrap(), trade.unwrap(), book.unwrap());

    // Acks and PINGPONG: the JSON shape of the captured ones.
    assert_eq!(shape(&ack), shape(&sample("captured_ws_subscribe_ack_H0STCNT0_005930.json")), "{ack}");
    let ack_json: Value = serde_json::from_str(&ack).unwrap();
    let key = ack_json["body"]["output"]["key"].as_str().unwrap();
    let iv = ack_json["body"]["output"]["iv"].as_str().unwrap();
    assert!(key.len() == 32 && key.bytes().all(|b| b.is_ascii_lowercase()), "{key}");
    assert_eq!(iv.len(), 16);
    assert_eq!(shape(&ping), shape(&sample("captured_ws_pingpong_20241011121818.json")), "{ping}");
    let ping_json: Value = serde_json::from_str(&ping).unwrap();
    let datetime = ping_json["header"]["datetime"].as_str().unwrap();
    assert!(datetime.len() == 14 && datetime.starts_with("2026030"), "{datetime}");

    // H0STCNT0: 46 fields like the 2026 capture, kinds position by position, plus the coded fields.
    let captured = fields(&sample("captured_ws_H0STCNT0_005930_20260724.txt"));
    let simulated = fields(&trade);
    assert_same_shape("H0STCNT0", &captured, &simulated);
    assert_eq!(simulated[0], code);
    for i in [1, 24, 27, 30] {
        assert!(hhmmss(&simulated[i]), "H0STCNT0 field {i} is not HHMMSS: {:?}", simulated[i]);
    }
    assert_eq!(simulated[33], "20260304", "BSOP_DATE");
    for i in [3, 25, 28, 31] {
        assert!(["1", "2", "3", "4", "5"].contains(&simulated[i].as_str()), "sign field {i}: {:?}", simulated[i]);
    }
    assert!(["1", "3", "5"].contains(&simulated[21].as_str()), "CCLD_DVSN {:?}", simulated[21]);
    assert_eq!(simulated[34].len(), 2, "NEW_MKOP_CLS_CODE");
    assert!(["Y", "N"].contains(&simulated[35].as_str()), "TRHT_YN {:?}", simulated[35]);

    // H0STASP0: 62 fields like the 2026 captures.
    let captured = fields(&sample("captured_ws_H0STASP0_005930_145856.txt"));
    let simulated = fields(&book);
    assert_same_shape("H0STASP0", &captured, &simulated);
    assert_eq!(simulated[0], code);
    assert!(hhmmss(&simulated[1]), "BSOP_HOUR {:?}", simulated[1]);
    let asks: Vec<i64> = simulated[3..13].iter().map(|s| s.parse().unwrap()).collect();
    let bids: Vec<i64> = simulated[13..23].iter().map(|s| s.parse().unwrap()).collect();
    assert!(asks.windows(2).all(|w| w[0] < w[1] || w[1] == 0), "asks ascend from the best: {asks:?}");
    assert!(bids.windows(2).all(|w| w[0] > w[1] || w[1] == 0), "bids descend from the best: {bids:?}");
    assert!(bids[0] < asks[0], "book crossed: {} / {}", bids[0], asks[0]);

    ws.close().await;
    sim.stop().await.unwrap();
}

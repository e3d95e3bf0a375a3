//! WebSocket over loopback with a real awc client: acks, caps, one session per key, PINGPONG, data frames
//! decoded with the foundation's codec, encrypted notices, and WebSocket faults.

mod common;

use std::time::Duration;

use awc::ws::{Frame, Message};
use common::*;
use futures_util::{SinkExt, StreamExt};
use kis_protocol::ws::{
    Control, ControlCode, H0stcnt0, NoticeKey, SubscribeRequest, WsMessage, WsTrId, decode_message,
};
use serde_json::json;

/// What awc's `connect` returns: a framed sink and stream of WebSocket frames.
trait Conn:
    futures_util::Stream<Item = Result<Frame, awc::error::WsProtocolError>>
    + futures_util::Sink<Message, Error = awc::error::WsProtocolError>
    + Unpin
{
}
impl<T> Conn for T where
    T: futures_util::Stream<Item = Result<Frame, awc::error::WsProtocolError>>
        + futures_util::Sink<Message, Error = awc::error::WsProtocolError>
        + Unpin
{
}

async fn approval(sim: &kis_sim::SimHandle) -> String {
    let (_, b) = post(
        &format!("{}/oauth2/Approval", sim.rest_url()),
        json!({"grant_type":"client_credentials","appkey":KEY,"secretkey":SECRET}),
    )
    .await;
    b["approval_key"].as_str().unwrap().to_string()
}

async fn connect(sim: &kis_sim::SimHandle) -> impl Conn + use<> {
    let url = format!("{}/tryitout", sim.ws_url());
    let (_, conn) = client().ws(url).max_frame_size(1 << 20).connect().await.unwrap();
    conn
}

async fn send(conn: &mut impl Conn, text: String) {
    conn.send(Message::Text(text.into())).await.unwrap();
}

/// Next text frame (answers WebSocket pings), or None on close/timeout.
async fn next_text(conn: &mut impl Conn, wait: Duration) -> Option<String> {
    loop {
        match actix_rt::time::timeout(wait, conn.next()).await {
            Ok(Some(Ok(Frame::Text(b)))) => return Some(String::from_utf8(b.to_vec()).unwrap()),
            Ok(Some(Ok(Frame::Ping(p)))) => conn.send(Message::Pong(p)).await.unwrap(),
            Ok(Some(Ok(Frame::Close(_)))) | Ok(None) | Err(_) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Next control message, skipping data frames and PINGPONGs.
async fn next_control(conn: &mut impl Conn) -> Control {
    loop {
        let text = next_text(conn, Duration::from_secs(3)).await.expect("a control reply");
        if !text.starts_with('0') && !text.starts_with('1') {
            let c = Control::parse(&text).unwrap();
            if !matches!(c, Control::PingPong { .. }) {
                return c;
            }
        }
    }
}

fn code_of(c: &Control) -> ControlCode {
    match c {
        Control::Reply(r) => r.code,
        other => panic!("not a reply: {other:?}"),
    }
}

#[actix_rt::test]
async fn subscribe_acks_caps_and_one_session_per_key() {
    bounded(20, async {
        let mut c = config(KRX_OPEN);
        c.ws.max_registrations = 2;
        c.speed = 100;
        let sim = start(c).await;
        let key = approval(&sim).await;
        let mut conn = connect(&sim).await;
        send(&mut conn, r#"{"header":{"approval_key":"wrong","custtype":"P","tr_type":"1","content-type":"utf-8"},"body":{"input":{"tr_id":"H0STCNT0","tr_key":"005930"}}}"#.into()).await;
        assert_eq!(code_of(&next_control(&mut conn).await), ControlCode::InvalidAppKey);
        let codes = [krx_code(&sim, 0), krx_code(&sim, 1), krx_code(&sim, 2)];
        send(&mut conn, SubscribeRequest::register(&key, WsTrId::H0stcnt0, &codes[0]).to_json()).await;
        let ack = next_control(&mut conn).await;
        let (tr, k, iv) = ack.ack_keys().expect("ack with key/iv");
        assert_eq!((tr, k.len(), iv.len()), (&WsTrId::H0stcnt0, 32, 16));
        send(&mut conn, SubscribeRequest::register(&key, WsTrId::H0stcnt0, &codes[0]).to_json()).await;
        assert_eq!(code_of(&next_control(&mut conn).await), ControlCode::AlreadySubscribed);
        send(&mut conn, SubscribeRequest::register(&key, WsTrId::H0stasp0, &codes[1]).to_json()).await;
        assert_eq!(code_of(&next_control(&mut conn).await), ControlCode::SubscribeSuccess);
        send(&mut conn, SubscribeRequest::register(&key, WsTrId::H0stcnt0, &codes[2]).to_json()).await;
        assert_eq!(code_of(&next_control(&mut conn).await), ControlCode::MaxSubscribeOver);
        // A second session with the same appkey.
        let mut second = connect(&sim).await;
        send(&mut second, SubscribeRequest::register(&key, WsTrId::H0stcnt0, &codes[2]).to_json()).await;
        let reply = next_control(&mut second).await;
        assert_eq!(code_of(&reply), ControlCode::AppKeyInUse);
        assert!(reply.to_json().contains("(null)"));
        // Unsubscribe, twice.
        send(&mut conn, SubscribeRequest::deregister(&key, WsTrId::H0stasp0, &codes[1]).to_json()).await;
        assert_eq!(code_of(&next_control(&mut conn).await), ControlCode::UnsubscribeSuccess);
        send(&mut conn, SubscribeRequest::deregister(&key, WsTrId::H0stasp0, &codes[1]).to_json()).await;
        assert_eq!(code_of(&next_control(&mut conn).await), ControlCode::NotSubscribed);
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn data_frames_match_the_codec_and_notices_decrypt() {
    bounded(25, async {
        let mut c = config(KRX_OPEN);
        c.speed = 200;
        c.market.trades_per_minute = 200.0;
        let sim = start(c).await;
        wait_open(&sim, kis_model::Market::Krx).await;
        let key = approval(&sim).await;
        let mut conn = connect(&sim).await;
        let code = krx_code(&sim, 0);
        let name = kis_sim::exchange::lock(sim.state()).names[&kis_model::Symbol::krx(&code).unwrap()].clone();
        assert_ne!(name, code, "listings have names");
        send(&mut conn, SubscribeRequest::register(&key, WsTrId::H0stcnt0, &code).to_json()).await;
        send(&mut conn, SubscribeRequest::register(&key, WsTrId::H0stasp0, &code).to_json()).await;
        send(&mut conn, SubscribeRequest::register(&key, WsTrId::H0stcni9, "anyhtsid").to_json()).await;
        let mut notice_key = None;
        let (mut trades, mut books, mut multi, mut last_cum) = (0, 0, 0, 0i64);
        let mut notices = Vec::new();
        let mut ordered = false;
        let deadline = std::time::Instant::now() + Duration::from_secs(12);
        while std::time::Instant::now() < deadline && (trades < 20 || books < 5 || notices.len() < 2) {
            let Some(text) = next_text(&mut conn, Duration::from_secs(3)).await else { break };
            match decode_message(&text).unwrap() {
                WsMessage::Control(c) => {
                    if let Some((WsTrId::H0stcni9, k, iv)) = c.ack_keys() {
                        notice_key = Some(NoticeKey::new(k, iv).unwrap());
                        assert!(
                            text.contains(r#""encrypt":"Y""#),
                            "a notice ack says its channel is encrypted: {text}"
                        );
                    }
                }
                WsMessage::Data(f) if f.tr_id() == "H0STCNT0" => {
                    if f.count() > 1 {
                        multi += 1;
                    }
                    for r in H0stcnt0::records(&f).unwrap() {
                        let r = r.unwrap();
                        assert_eq!(r.record().len(), 46);
                        assert_eq!(r.code(), code);
                        let cum = r.cum_volume().unwrap();
                        assert!(cum > last_cum, "cumulative volume grows");
                        last_cum = cum;
                        trades += 1;
                    }
                    if !ordered && trades >= 5 {
                        ordered = true;
                        let tok = token(&sim, KEY, SECRET).await;
                        let (_, _, o) = uapi(
                            &sim,
                            &tok,
                            "POST",
                            "/uapi/domestic-stock/v1/trading/order-cash",
                            "VTTC0012U",
                            &[
                                ("CANO", "50000000"),
                                ("ACNT_PRDT_CD", "01"),
                                ("PDNO", &code),
                                ("ORD_DVSN", "01"),
                                ("ORD_QTY", "1"),
                                ("ORD_UNPR", "0"),
                            ],
                            "",
                        )
                        .await;
                        assert_eq!(o["msg_cd"], "APBK0013", "{o}");
                    }
                }
                WsMessage::Data(f) if f.tr_id() == "H0STASP0" => {
                    let r = f.records().unwrap().next().unwrap().unwrap();
                    assert_eq!(r.len(), 62, "H0STASP0 as KIS sends it since 2025");
                    books += 1;
                }
                WsMessage::Data(f) if f.tr_id() == "H0STCNI9" => {
                    assert!(f.is_encrypted());
                    let plain = notice_key.as_ref().unwrap().decrypt(f.payload()).unwrap();
                    let fields: Vec<&str> = plain.split('^').collect();
                    assert_eq!(fields.len(), 26);
                    assert_eq!(fields[0], "anyhtsid");
                    // The account the client trades with, its holder's name, the listing's name (as KIS).
                    assert_eq!(fields[1], "5000000001", "ACNT_NO");
                    assert!(!fields[17].is_empty(), "ACNT_NAME");
                    assert_eq!(fields[24], name, "CNTG_ISNM40");
                    assert_eq!(fields[8], code);
                    notices.push(fields[13].to_string());
                }
                _ => {}
            }
        }
        assert!(trades >= 20 && books >= 5, "trades {trades}, books {books}");
        assert_eq!(notices.first().map(String::as_str), Some("1"), "receipt first: {notices:?}");
        assert!(notices.iter().any(|n| n == "2"), "then a fill: {notices:?}");
        let _ = multi;
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn pingpong_keeps_answering_sessions_and_drops_silent_ones() {
    bounded(20, async {
        let mut c = config(KRX_OPEN);
        c.ws.ping_interval_ms = 100;
        c.ws.ping_timeout_ms = 200;
        c.ws.one_session_per_appkey = false;
        let sim = start(c).await;
        let key = approval(&sim).await;
        let code = krx_code(&sim, 0);
        let mut good = connect(&sim).await;
        let mut silent = connect(&sim).await;
        send(&mut good, SubscribeRequest::register(&key, WsTrId::H0stcnt0, &code).to_json()).await;
        send(&mut silent, SubscribeRequest::register(&key, WsTrId::H0stasp0, &code).to_json()).await;
        let mut pings = 0;
        let end = std::time::Instant::now() + Duration::from_millis(1_200);
        while std::time::Instant::now() < end {
            if let Some(text) = next_text(&mut good, Duration::from_millis(300)).await
                && let Ok(Control::PingPong { .. }) = Control::parse(&text)
            {
                pings += 1;
                send(&mut good, text).await;
            }
        }
        assert!(pings >= 5, "{pings} PINGPONGs");
        // The silent one was dropped: its stream ends.
        let mut ended = false;
        for _ in 0..50 {
            match actix_rt::time::timeout(Duration::from_millis(200), silent.next()).await {
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Frame::Close(_)))) => {
                    ended = true;
                    break;
                }
                _ => {}
            }
        }
        assert!(ended, "silent session dropped");
        assert_eq!(kis_sim::exchange::lock(sim.state()).ws.len(), 1);
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn faults_from_the_admin_endpoint() {
    bounded(20, async {
        let mut c = config(KRX_OPEN);
        c.speed = 100;
        let sim = start(c).await;
        let key = approval(&sim).await;
        let code = krx_code(&sim, 0);
        let mut conn = connect(&sim).await;
        send(&mut conn, SubscribeRequest::register(&key, WsTrId::H0stcnt0, &code).to_json()).await;
        next_control(&mut conn).await;
        let admin = sim.admin_url();
        let (s, _) = post(&format!("{admin}/fault"), json!({"kind":"garbage_ws"})).await;
        assert_eq!(s, 200);
        let mut got_garbage = false;
        for _ in 0..200 {
            let text = next_text(&mut conn, Duration::from_secs(2)).await.unwrap();
            if decode_message(&text).is_err() {
                got_garbage = true;
                break;
            }
        }
        assert!(got_garbage);
        post(&format!("{admin}/fault"), json!({"kind":"truncated_ws"})).await;
        let mut truncated = false;
        for _ in 0..200 {
            let text = next_text(&mut conn, Duration::from_secs(2)).await.unwrap();
            if let Ok(WsMessage::Data(f)) = decode_message(&text)
                && f.tr_id() == "H0STCNT0"
                && H0stcnt0::records(&f).is_err()
            {
                truncated = true;
                break;
            }
        }
        assert!(truncated);
        // REST 500 and EGW00201 bursts, then normal service.
        let tok = token(&sim, KEY, SECRET).await;
        post(&format!("{admin}/fault"), json!({"kind":"rest500","count":1})).await;
        post(&format!("{admin}/fault"), json!({"kind":"rate_limit_burst","count":1})).await;
        let q = [("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code.as_str())];
        let p = "/uapi/domestic-stock/v1/quotations/inquire-price";
        assert_eq!(uapi(&sim, &tok, "GET", p, "FHKST01010100", &q, "").await.0, 500);
        assert_eq!(uapi(&sim, &tok, "GET", p, "FHKST01010100", &q, "").await.2["msg_cd"], "EGW00201");
        assert_eq!(uapi(&sim, &tok, "GET", p, "FHKST01010100", &q, "").await.2["rt_cd"], "0");
        post(&format!("{admin}/fault"), json!({"kind":"slow_rest","ms":300,"count":1})).await;
        let t0 = std::time::Instant::now();
        uapi(&sim, &tok, "GET", p, "FHKST01010100", &q, "").await;
        assert!(t0.elapsed() >= Duration::from_millis(300));
        post(&format!("{admin}/fault"), json!({"kind":"revoke_tokens"})).await;
        assert_eq!(uapi(&sim, &tok, "GET", p, "FHKST01010100", &q, "").await.2["msg_cd"], "EGW00121");
        // Stall: no frames for the duration.
        post(&format!("{admin}/fault"), json!({"kind":"stall_ws","ms":600})).await;
        let before = sim.stats().bytes_sent;
        actix_rt::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(sim.stats().bytes_sent, before, "nothing sent during a stall");
        actix_rt::time::sleep(Duration::from_millis(400)).await;
        assert!(sim.stats().bytes_sent > before, "frames again after the stall");
        // Close: the session ends with a close frame.
        post(&format!("{admin}/fault"), json!({"kind":"close_ws"})).await;
        let mut closed = false;
        for _ in 0..500 {
            match actix_rt::time::timeout(Duration::from_secs(2), conn.next()).await {
                Ok(Some(Ok(Frame::Close(_)))) | Ok(None) => {
                    closed = true;
                    break;
                }
                Ok(Some(Ok(_))) => {}
                _ => break,
            }
        }
        assert!(closed);
        let (s, st) = {
            let mut r = client().get(format!("{admin}/status")).send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        };
        assert_eq!(s, 200);
        assert_eq!(st["faults_injected"], 8, "{st}");
        sim.stop().await.unwrap();
    })
    .await;
}

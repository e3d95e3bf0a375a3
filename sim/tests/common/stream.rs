//! One awc client subscribed to many symbols, counting and validating every frame for a bounded time.
//! Shared by the 2,000-symbol test and the throughput benchmark.

use std::time::{Duration, Instant};

use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use kis_protocol::ws::{SubscribeRequest, WsMessage, WsTrId, decode_message};

#[derive(Debug, Default, Clone, Copy)]
pub struct StreamCount {
    /// WebSocket data frames received (each one `E|TR|NNN|payload`).
    pub frames: u64,
    /// Records in them (NNN summed).
    pub records: u64,
    pub malformed: u64,
    pub controls: u64,
    pub bytes: u64,
    pub elapsed: Duration,
    pub closed_early: bool,
}

/// Subscribes trades and books of `codes` (2 registrations each), then reads for `duration`.
pub async fn stream(ws_url: &str, approval_key: &str, codes: &[String], duration: Duration) -> StreamCount {
    let client = awc::Client::builder().timeout(Duration::from_secs(10)).finish();
    let (_, mut conn) = client.ws(format!("{ws_url}/tryitout")).max_frame_size(1 << 20).connect().await.unwrap();
    for code in codes {
        for tr in [WsTrId::H0stcnt0, WsTrId::H0stasp0] {
            conn.send(Message::Text(SubscribeRequest::register(approval_key, tr, code).to_json().into()))
                .await
                .unwrap();
        }
    }
    let mut c = StreamCount::default();
    let start = Instant::now();
    let end = start + duration;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match actix_rt::time::timeout(left, conn.next()).await {
            Err(_) => break,
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Frame::Close(_)))) => {
                c.closed_early = true;
                break;
            }
            Ok(Some(Ok(Frame::Text(bytes)))) => {
                c.bytes += bytes.len() as u64;
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    c.malformed += 1;
                    continue;
                };
                match decode_message(text) {
                    Ok(WsMessage::Data(f)) => {
                        let width = match f.tr_id() {
                            "H0STCNT0" => 46,
                            "H0STASP0" => 62,
                            _ => 0,
                        };
                        let ok = f.records().is_ok_and(|rs| rs.map(|r| r.map(|r| r.len())).all(|w| w == Ok(width)));
                        if ok {
                            c.frames += 1;
                            c.records += f.count() as u64;
                        } else {
                            c.malformed += 1;
                        }
                    }
                    Ok(WsMessage::Control(ctl)) => {
                        c.controls += 1;
                        if let kis_protocol::ws::Control::PingPong { .. } = ctl {
                            let _ = conn.send(Message::Text(text.to_string().into())).await;
                        }
                    }
                    Err(_) => c.malformed += 1,
                }
            }
            Ok(Some(Ok(Frame::Ping(p)))) => {
                let _ = conn.send(Message::Pong(p)).await;
            }
            Ok(Some(Ok(_))) => {}
        }
    }
    c.elapsed = start.elapsed();
    c
}

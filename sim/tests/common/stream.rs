#![allow(dead_code)]

//! One awc client subscribed to many symbols, validating every frame with kis-protocol for a bounded time.
//! Shared by the 2,000-symbol test and the throughput benchmark.
//!
//! The subscribe requests are written by a separate task while this one reads, so thousands of them go out
//! back to back (the server handles what arrives together under one lock) and the acks are read as they
//! come. The measured window starts when every registration has been answered; frames that arrive earlier
//! are validated and counted in the totals but not in the window.

use std::time::{Duration, Instant};

use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use kis_protocol::ws::{Control, ControlCode, SubscribeRequest, WsMessage, WsTrId, decode_message};

#[derive(Debug, Default, Clone, Copy)]
pub struct StreamCount {
    /// Valid data frames received in total (each one `E|TR|NNN|payload`).
    pub frames: u64,
    /// Records in them (NNN summed).
    pub records: u64,
    /// Valid data frames received inside the measured window.
    pub window_frames: u64,
    pub malformed: u64,
    /// JSON control messages (replies, PINGPONGs).
    pub controls: u64,
    /// Replies other than SUBSCRIBE/UNSUBSCRIBE SUCCESS.
    pub refused: u64,
    pub bytes: u64,
    /// From the first subscribe request sent to the last registration answered.
    pub subscribe: Duration,
    /// The measured window.
    pub elapsed: Duration,
    /// From the first unsubscribe request to the last answer (when asked to unsubscribe).
    pub unsubscribe: Duration,
    pub closed_early: bool,
}

impl StreamCount {
    /// Every WebSocket text frame received (what the server counts per session).
    pub fn text_frames(&self) -> u64 {
        self.frames + self.malformed + self.controls
    }
}

/// Field count of one record of a market-data TR this helper subscribes to.
fn width_of(tr: &str) -> usize {
    match tr {
        "H0STCNT0" => 46,
        "H0STASP0" => 62,
        _ => 0,
    }
}

/// Whether a data frame is plaintext and every record has its TR's field count.
pub fn valid_data(text: &str) -> Option<u64> {
    let Ok(WsMessage::Data(f)) = decode_message(text) else { return None };
    let width = width_of(f.tr_id());
    let mut records = f.records().ok()?;
    records.all(|r| r.is_ok_and(|r| r.len() == width)).then_some(f.count() as u64)
}

fn requests(approval_key: &str, codes: &[String], register: bool) -> Vec<Message> {
    let mut out = Vec::with_capacity(codes.len() * 2);
    for code in codes {
        for tr in [WsTrId::H0stcnt0, WsTrId::H0stasp0] {
            let req = if register {
                SubscribeRequest::register(approval_key, tr, code)
            } else {
                SubscribeRequest::deregister(approval_key, tr, code)
            };
            out.push(Message::Text(req.to_json().into()));
        }
    }
    out
}

/// Subscribes trades and books of `codes` (2 registrations each), reads for `duration` after the last ack,
/// and with `unsubscribe` then deregisters everything and reads until every deregistration is answered (so
/// the server sends nothing more and its per-session count can be compared with what arrived).
/// `before_close` sees the counts while the connection is still open (the server closes the session when
/// the connection ends).
pub async fn stream(
    ws_url: &str,
    approval_key: &str,
    codes: &[String],
    duration: Duration,
    unsubscribe: bool,
    before_close: impl FnOnce(&StreamCount),
) -> StreamCount {
    let client = awc::Client::builder().timeout(Duration::from_secs(10)).finish();
    let (_, conn) = client.ws(format!("{ws_url}/tryitout")).max_frame_size(1 << 20).connect().await.unwrap();
    let (mut sink, mut conn) = conn.split();
    let (to_send, mut outgoing) = tokio::sync::mpsc::unbounded_channel::<Message>();
    // The writer: feeds whatever is queued and flushes once per run, so 4,000 requests are a few writes.
    let writer = actix_rt::spawn(async move {
        while let Some(m) = outgoing.recv().await {
            if sink.feed(m).await.is_err() {
                return;
            }
            while let Ok(m) = outgoing.try_recv() {
                if sink.feed(m).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    });
    let wanted = codes.len() as u64 * 2;
    let mut c = StreamCount::default();
    let begun = Instant::now();
    for m in requests(approval_key, codes, true) {
        let _ = to_send.send(m);
    }
    // Phases: 0 subscribing, 1 measuring, 2 unsubscribing.
    let mut phase = 0;
    let mut answered = 0u64;
    let mut window_start = begun;
    let mut unsub_start = begun;
    // Subscribing and unsubscribing are bounded too (a lost reply must not hang the caller).
    let mut deadline = begun + Duration::from_secs(30);
    loop {
        if phase == 1 && Instant::now() >= deadline {
            c.elapsed = window_start.elapsed();
            if !unsubscribe {
                break;
            }
            phase = 2;
            answered = 0;
            unsub_start = Instant::now();
            deadline = unsub_start + Duration::from_secs(30);
            for m in requests(approval_key, codes, false) {
                let _ = to_send.send(m);
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = match actix_rt::time::timeout(left, conn.next()).await {
            Err(_) if phase == 1 => continue,
            Err(_) => {
                c.closed_early = true;
                break;
            }
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Frame::Close(_)))) => {
                c.closed_early = true;
                break;
            }
            Ok(Some(Ok(frame))) => frame,
        };
        let bytes = match frame {
            Frame::Text(bytes) => bytes,
            Frame::Ping(p) => {
                let _ = to_send.send(Message::Pong(p));
                continue;
            }
            _ => continue,
        };
        c.bytes += bytes.len() as u64;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            c.malformed += 1;
            continue;
        };
        if matches!(text.as_bytes().first(), Some(b'0' | b'1')) {
            match valid_data(text) {
                Some(records) => {
                    c.frames += 1;
                    c.records += records;
                    if phase == 1 {
                        c.window_frames += 1;
                    }
                }
                None => c.malformed += 1,
            }
            continue;
        }
        let control = Control::parse(text);
        if matches!(control, Ok(Control::PingPong { .. } | Control::Reply(_))) {
            c.controls += 1;
        }
        match control {
            Ok(Control::PingPong { .. }) => {
                let _ = to_send.send(Message::Text(text.to_string().into()));
            }
            Ok(Control::Reply(r)) => {
                let ok = if phase == 2 { ControlCode::UnsubscribeSuccess } else { ControlCode::SubscribeSuccess };
                if r.code != ok {
                    c.refused += 1;
                }
                answered += 1;
                if phase == 0 && answered == wanted {
                    c.subscribe = begun.elapsed();
                    phase = 1;
                    window_start = Instant::now();
                    deadline = window_start + duration;
                } else if phase == 2 && answered == wanted {
                    c.unsubscribe = unsub_start.elapsed();
                    break;
                }
            }
            _ => c.malformed += 1,
        }
    }
    before_close(&c);
    drop(to_send);
    let _ = writer.await;
    c
}

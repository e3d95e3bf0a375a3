//! The KIS WebSocket service: the upgrade, the client-message reader, and subscription handling. Outbound
//! bytes are whole WebSocket frames written by the driver into each session's batch (see [`hub`]), which is
//! what lets one connection carry hundreds of thousands of frames per second.

pub mod hub;
mod subscribe;

use actix_http::ws::{OpCode, Parser};
use actix_web::body::{BodyStream, MessageBody};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::{Bytes, BytesMut};
use futures_util::{FutureExt, StreamExt};
use kis_protocol::ws::Control;

use crate::exchange::{Exchange, Shared, lock};

/// Largest client frame accepted (subscribe messages are a few hundred bytes).
const MAX_CLIENT_FRAME: usize = 64 * 1024;

/// Client bytes gathered (from chunks already received) before they are handled under one lock.
const MAX_GATHER: usize = 1 << 20;

/// Any path upgrades (KIS clients use `/tryitout`, `/tryitout/H0STCNT0` or the bare host).
pub async fn upgrade(
    req: HttpRequest,
    payload: web::Payload,
    shared: web::Data<Shared>,
) -> Result<HttpResponse, actix_web::Error> {
    let mut response = actix_http::ws::handshake(req.head())?;
    let (id, outlet) = {
        let mut ex = lock(&shared);
        let cfg = ex.cfg.clone();
        ex.ws.open(&cfg.ws)
    };
    let shared = shared.get_ref().clone();
    actix_web::rt::spawn(read_client(shared, id, payload));
    Ok(response.message_body(BodyStream::new(outlet).boxed())?.into())
}

/// Reads client frames until the connection ends: subscribe requests, PINGPONG echoes, pongs, close.
/// Everything already received is parsed first and handled under one lock: the driver holds the lock for
/// most of each step at thousands of symbols, so a lock per subscribe message would make subscribing to
/// thousands of feeds take seconds.
async fn read_client(shared: Shared, id: u64, mut payload: web::Payload) {
    let mut buf = BytesMut::with_capacity(4096);
    let mut frames: Vec<(OpCode, Bytes)> = Vec::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else { break };
        buf.extend_from_slice(&chunk);
        let mut ended = false;
        while buf.len() < MAX_GATHER {
            match payload.next().now_or_never() {
                Some(Some(Ok(more))) => buf.extend_from_slice(&more),
                Some(Some(Err(_)) | None) => {
                    ended = true;
                    break;
                }
                None => break,
            }
        }
        let mut bad = false;
        loop {
            match Parser::parse(&mut buf, true, MAX_CLIENT_FRAME) {
                Ok(None) => break,
                Ok(Some((_fin, opcode, data))) => frames.push((opcode, data.map(BytesMut::freeze).unwrap_or_default())),
                Err(e) => {
                    tracing::debug!(session = id, error = %e, "bad client frame; closing");
                    bad = true;
                    break;
                }
            }
        }
        if !on_client_frames(&shared, id, &mut frames) || bad || ended {
            break;
        }
    }
    let mut ex = lock(&shared);
    ex.ws.close(id);
}

/// Handles (and drains) a run of client frames under one lock, then hands the replies over; `false` ends
/// the session.
fn on_client_frames(shared: &Shared, id: u64, frames: &mut Vec<(OpCode, Bytes)>) -> bool {
    let mut ex = lock(shared);
    let mut open = true;
    for (opcode, data) in frames.drain(..) {
        if open {
            open = on_client_frame(&mut ex, id, opcode, &data);
        }
    }
    if open {
        let (_, bytes, dropped) = ex.ws.flush();
        ex.stats.bytes_sent += bytes;
        ex.stats.sessions_dropped += dropped.len() as u64;
    }
    open
}

/// Handles one client frame; `false` ends the session.
fn on_client_frame(ex: &mut Exchange, id: u64, opcode: OpCode, data: &[u8]) -> bool {
    if ex.ws.session(id).is_none() {
        return false;
    }
    match opcode {
        OpCode::Text => {
            let text = String::from_utf8_lossy(data);
            if let Ok(Control::PingPong { .. }) = Control::parse(&text) {
                if let Some(s) = ex.ws.session_mut(id) {
                    s.awaiting_pong = false;
                }
                return true;
            }
            subscribe::handle(ex, id, &text);
            true
        }
        OpCode::Pong => {
            if let Some(s) = ex.ws.session_mut(id) {
                s.awaiting_pong = false;
            }
            true
        }
        OpCode::Ping => {
            ex.ws.send_raw_frame(id, hub::OP_PONG, data);
            true
        }
        OpCode::Close => {
            ex.ws.close_with_frame(id);
            false
        }
        _ => true,
    }
}

//! The KIS WebSocket service: the upgrade, the client-message reader, and subscription handling. Outbound
//! bytes are whole WebSocket frames written by the driver into each session's batch (see [`hub`]), which is
//! what lets one connection carry hundreds of thousands of frames per second.

pub mod hub;
mod subscribe;

use actix_http::ws::{OpCode, Parser};
use actix_web::body::{BodyStream, MessageBody};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use kis_protocol::ws::Control;

use crate::exchange::{Shared, lock};

/// Largest client frame accepted (subscribe messages are a few hundred bytes).
const MAX_CLIENT_FRAME: usize = 64 * 1024;

/// Any path upgrades (KIS clients use `/tryitout`, `/tryitout/H0STCNT0` or the bare host).
pub async fn upgrade(
    req: HttpRequest,
    payload: web::Payload,
    shared: web::Data<Shared>,
) -> Result<HttpResponse, actix_web::Error> {
    let mut response = actix_http::ws::handshake(req.head())?;
    let queue = lock(&shared).cfg.ws.max_queued_batches;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(queue);
    let id = lock(&shared).ws.open(tx);
    let shared = shared.get_ref().clone();
    actix_web::rt::spawn(read_client(shared, id, payload));
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx).map(|b| b.map(Ok::<Bytes, std::io::Error>)));
    Ok(response.message_body(BodyStream::new(body).boxed())?.into())
}

/// Reads client frames until the connection ends: subscribe requests, PINGPONG echoes, pongs, close.
async fn read_client(shared: Shared, id: u64, mut payload: web::Payload) {
    let mut buf = BytesMut::with_capacity(4096);
    'conn: while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else { break };
        buf.extend_from_slice(&chunk);
        loop {
            match Parser::parse(&mut buf, true, MAX_CLIENT_FRAME) {
                Ok(None) => break,
                Ok(Some((_fin, opcode, data))) => {
                    let data = data.map(BytesMut::freeze).unwrap_or_default();
                    if !on_client_frame(&shared, id, opcode, &data) {
                        break 'conn;
                    }
                }
                Err(e) => {
                    tracing::debug!(session = id, error = %e, "bad client frame; closing");
                    break 'conn;
                }
            }
        }
    }
    let mut ex = lock(&shared);
    ex.ws.close(id);
}

/// Handles one client frame; `false` ends the session.
fn on_client_frame(shared: &Shared, id: u64, opcode: OpCode, data: &[u8]) -> bool {
    let mut ex = lock(shared);
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
            subscribe::handle(&mut ex, id, &text);
            let (_, bytes, _) = ex.ws.flush();
            ex.stats.bytes_sent += bytes;
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
            let _ = ex.ws.flush();
            true
        }
        OpCode::Close => {
            ex.ws.close_with_frame(id);
            false
        }
        _ => true,
    }
}

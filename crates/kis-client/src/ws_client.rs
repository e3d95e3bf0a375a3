//! One KIS WebSocket connection: text messages in and out, with the transport chores awc leaves to us.
//!
//! awc does not answer WebSocket `Ping` or `Close` frames and does not join continuation frames
//! (rust-notes.md); an unanswered Close leaves the socket half-open. This wrapper answers both and joins
//! fragments, so callers see only whole text messages. KIS's own keep-alive (`PINGPONG`) is a text message the
//! caller echoes with [`WsConnection::send_text`]: that decision belongs to the feed, not the transport.

use std::time::Duration;

use actix_codec::Framed;
use actix_http::ws::Item;
use awc::BoxedSocket;
use awc::ws::{CloseReason, Codec, Frame, Message};
use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use thiserror::Error;

/// Largest message accepted; KIS messages are a few KB, multi-record frames and simulator batches larger.
pub const MAX_FRAME: usize = 1 << 20;

#[derive(Debug, Error)]
pub enum WsError {
    #[error("WebSocket connect to {url} failed: {detail}")]
    Connect { url: String, detail: String },
    #[error("WebSocket protocol error: {0}")]
    Protocol(String),
    #[error("WebSocket send failed: {0}")]
    Send(String),
    #[error("message is not valid UTF-8")]
    NotUtf8,
    #[error("message larger than {MAX_FRAME} bytes")]
    TooLarge,
    #[error("continuation frame without a start, or a new message inside an unfinished one")]
    BadFragment,
}

/// What the connection yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsEvent {
    /// A whole text message (KIS data frame or JSON control message).
    Text(String),
    /// The server closed the connection (already answered), or the stream ended.
    Closed(Option<CloseReason>),
}

pub struct WsConnection {
    framed: Framed<BoxedSocket, Codec>,
    partial: Option<BytesMut>,
}

impl std::fmt::Debug for WsConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsConnection").finish_non_exhaustive()
    }
}

impl WsConnection {
    /// Connects to `url` (KIS: `ws://…/tryitout`). `timeout` bounds the TCP connect and the upgrade.
    pub async fn connect(url: &str, timeout: Duration) -> Result<WsConnection, WsError> {
        let client = awc::Client::builder().timeout(timeout).finish();
        let (_response, framed) = client
            .ws(url)
            .max_frame_size(MAX_FRAME)
            .connect()
            .await
            .map_err(|e| WsError::Connect { url: url.to_string(), detail: e.to_string() })?;
        let framed = framed.into_map_codec(|codec| codec.max_size(MAX_FRAME));
        Ok(WsConnection { framed, partial: None })
    }

    pub async fn send_text(&mut self, text: &str) -> Result<(), WsError> {
        self.framed.send(Message::Text(text.to_string().into())).await.map_err(|e| WsError::Send(e.to_string()))
    }

    /// Closes politely (the server may already be gone; errors are ignored).
    pub async fn close(&mut self) {
        let _ = self.framed.send(Message::Close(None)).await;
    }

    /// The next whole text message, answering pings and closes on the way.
    pub async fn next_event(&mut self) -> Result<WsEvent, WsError> {
        loop {
            let Some(frame) = self.framed.next().await else {
                return Ok(WsEvent::Closed(None));
            };
            match frame.map_err(|e| WsError::Protocol(e.to_string()))? {
                Frame::Text(bytes) => return text(&bytes),
                Frame::Binary(bytes) => return text(&bytes),
                Frame::Ping(payload) => {
                    self.framed.send(Message::Pong(payload)).await.map_err(|e| WsError::Send(e.to_string()))?;
                }
                Frame::Pong(_) => {}
                Frame::Close(reason) => {
                    let _ = self.framed.send(Message::Close(reason.clone())).await;
                    return Ok(WsEvent::Closed(reason));
                }
                Frame::Continuation(item) => {
                    if let Some(done) = self.join(item)? {
                        return text(&done);
                    }
                }
            }
        }
    }

    fn join(&mut self, item: Item) -> Result<Option<BytesMut>, WsError> {
        let (chunk, last) = match item {
            Item::FirstText(b) | Item::FirstBinary(b) => {
                if self.partial.is_some() {
                    return Err(WsError::BadFragment);
                }
                self.partial = Some(BytesMut::new());
                (b, false)
            }
            Item::Continue(b) => (b, false),
            Item::Last(b) => (b, true),
        };
        let buf = self.partial.as_mut().ok_or(WsError::BadFragment)?;
        if buf.len() + chunk.len() > MAX_FRAME {
            self.partial = None;
            return Err(WsError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
        Ok(if last { self.partial.take() } else { None })
    }
}

fn text(bytes: &[u8]) -> Result<WsEvent, WsError> {
    std::str::from_utf8(bytes).map(|s| WsEvent::Text(s.to_string())).map_err(|_| WsError::NotUtf8)
}

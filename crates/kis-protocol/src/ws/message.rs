//! Classifies a received text: a data frame starts with `0` or `1`, anything else is JSON control (§8.5).

use super::control::Control;
use super::error::WsError;
use super::frame::Frame;

/// One received WebSocket text message.
#[derive(Debug, Clone, PartialEq)]
pub enum WsMessage<'a> {
    /// `E|TR_ID|NNN|payload`, borrowed.
    Data(Frame<'a>),
    /// JSON control, parsed (rare, so owned).
    Control(Control),
}

/// Decodes one text message.
pub fn decode_message(text: &str) -> Result<WsMessage<'_>, WsError> {
    match text.as_bytes().first() {
        None => Err(WsError::Empty),
        Some(b'0' | b'1') => Frame::parse(text).map(WsMessage::Data),
        Some(_) => Control::parse(text).map(WsMessage::Control),
    }
}

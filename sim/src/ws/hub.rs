//! WebSocket sessions and their registrations. The driver appends pre-encoded WebSocket frames to each
//! session's buffer and hands the buffer over once per step, so one socket write carries many frames.

use std::collections::HashMap;
use std::time::Instant;

use bytes::Bytes;
use kis_protocol::ws::{Control, ControlCode, FrameEncoder, NoticeKey, WsTrId};
use tokio::sync::mpsc;

/// Which feed a registration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Trade,
    Book,
}

#[derive(Debug)]
pub struct NoticeSub {
    pub tr: WsTrId,
    pub tr_key: String,
    pub key: NoticeKey,
}

#[derive(Debug)]
pub struct Session {
    pub account: Option<usize>,
    tx: mpsc::Sender<Bytes>,
    out: Vec<u8>,
    /// (tr_id, tr_key) registered.
    pub regs: Vec<(String, String)>,
    pub notices: Vec<NoticeSub>,
    pub last_ping: Instant,
    pub awaiting_pong: bool,
    pub frames: u64,
}

pub struct WsHub {
    sessions: HashMap<u64, Session>,
    next_id: u64,
    /// Per feed index: sessions registered for its trades / its book.
    trade_subs: Vec<Vec<u64>>,
    book_subs: Vec<Vec<u64>>,
    pub encoder: FrameEncoder,
}

/// Appends one unmasked server-to-client WebSocket frame (RFC 6455 §5.2).
pub fn put_ws_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    out.push(0x80 | opcode);
    let n = payload.len();
    if n < 126 {
        out.push(n as u8);
    } else if n <= 0xFFFF {
        out.push(126);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(n as u64).to_be_bytes());
    }
    out.extend_from_slice(payload);
}

pub const OP_TEXT: u8 = 0x1;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// Outcome of a registration attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegOutcome {
    Registered,
    Already,
    CapReached,
}

impl WsHub {
    pub fn new(feeds: usize) -> WsHub {
        WsHub {
            sessions: HashMap::new(),
            next_id: 1,
            trade_subs: vec![Vec::new(); feeds],
            book_subs: vec![Vec::new(); feeds],
            encoder: FrameEncoder::new(),
        }
    }

    pub fn open(&mut self, tx: mpsc::Sender<Bytes>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let session = Session {
            account: None,
            tx,
            out: Vec::with_capacity(64 * 1024),
            regs: Vec::new(),
            notices: Vec::new(),
            last_ping: Instant::now(),
            awaiting_pong: false,
            frames: 0,
        };
        self.sessions.insert(id, session);
        id
    }

    pub fn session(&self, id: u64) -> Option<&Session> {
        self.sessions.get(&id)
    }

    pub fn session_mut(&mut self, id: u64) -> Option<&mut Session> {
        self.sessions.get_mut(&id)
    }

    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    pub fn ids(&self) -> Vec<u64> {
        self.sessions.keys().copied().collect()
    }

    /// Another live session already bound to this account (one session per appkey).
    pub fn account_in_use(&self, account: usize, except: u64) -> bool {
        self.sessions.iter().any(|(&id, s)| id != except && s.account == Some(account))
    }

    pub fn has_notice_subscribers(&self, account: usize) -> bool {
        self.sessions.values().any(|s| s.account == Some(account) && !s.notices.is_empty())
    }

    /// Removes a session; dropping its sender ends its response stream (the TCP connection closes).
    pub fn close(&mut self, id: u64) {
        if self.sessions.remove(&id).is_some() {
            for subs in self.trade_subs.iter_mut().chain(self.book_subs.iter_mut()) {
                subs.retain(|&s| s != id);
            }
        }
    }

    /// Queues a close frame (status 1000) and removes the session.
    pub fn close_with_frame(&mut self, id: u64) {
        if let Some(s) = self.sessions.get_mut(&id) {
            put_ws_frame(&mut s.out, OP_CLOSE, &1000u16.to_be_bytes());
            let batch = Bytes::from(std::mem::take(&mut s.out));
            let _ = s.tx.try_send(batch);
        }
        self.close(id);
    }

    pub fn send_text(&mut self, id: u64, text: &str) {
        if let Some(s) = self.sessions.get_mut(&id) {
            put_ws_frame(&mut s.out, OP_TEXT, text.as_bytes());
            s.frames += 1;
        }
    }

    pub fn send_control(&mut self, id: u64, control: &Control) {
        self.send_text(id, &control.to_json());
    }

    /// A frame of any opcode (pong answers).
    pub fn send_raw_frame(&mut self, id: u64, opcode: u8, payload: &[u8]) {
        if let Some(s) = self.sessions.get_mut(&id) {
            put_ws_frame(&mut s.out, opcode, payload);
        }
    }

    /// Raw bytes (fault injection: garbage or a frame cut short).
    pub fn send_raw(&mut self, id: u64, bytes: &[u8]) {
        if let Some(s) = self.sessions.get_mut(&id) {
            s.out.extend_from_slice(bytes);
        }
    }

    pub fn register(&mut self, id: u64, tr: &str, key: &str, feed: Option<(Channel, usize)>, cap: usize) -> RegOutcome {
        let Some(s) = self.sessions.get_mut(&id) else { return RegOutcome::CapReached };
        if s.regs.iter().any(|(t, k)| t == tr && k == key) {
            return RegOutcome::Already;
        }
        if s.regs.len() >= cap {
            return RegOutcome::CapReached;
        }
        s.regs.push((tr.to_string(), key.to_string()));
        if let Some((channel, index)) = feed {
            let subs = match channel {
                Channel::Trade => &mut self.trade_subs,
                Channel::Book => &mut self.book_subs,
            };
            if let Some(list) = subs.get_mut(index) {
                list.push(id);
            }
        }
        RegOutcome::Registered
    }

    pub fn deregister(&mut self, id: u64, tr: &str, key: &str, feed: Option<(Channel, usize)>) -> bool {
        let Some(s) = self.sessions.get_mut(&id) else { return false };
        let before = s.regs.len();
        s.regs.retain(|(t, k)| !(t == tr && k == key));
        s.notices.retain(|n| !(n.tr.as_str() == tr && n.tr_key == key));
        let removed = s.regs.len() != before;
        if removed && let Some((channel, index)) = feed {
            let subs = match channel {
                Channel::Trade => &mut self.trade_subs,
                Channel::Book => &mut self.book_subs,
            };
            if let Some(list) = subs.get_mut(index) {
                list.retain(|&s| s != id);
            }
        }
        removed
    }

    pub fn subscribers(&self, channel: Channel, index: usize) -> &[u64] {
        let subs = match channel {
            Channel::Trade => &self.trade_subs,
            Channel::Book => &self.book_subs,
        };
        subs.get(index).map_or(&[], Vec::as_slice)
    }

    /// Appends one KIS frame text to the buffers of `ids`.
    pub fn fan_out(&mut self, ids: &[u64], text: &[u8]) -> u64 {
        let mut n = 0;
        for id in ids {
            if let Some(s) = self.sessions.get_mut(id) {
                put_ws_frame(&mut s.out, OP_TEXT, text);
                s.frames += 1;
                n += 1;
            }
        }
        n
    }

    /// Encrypts and queues a notice for every notice registration of the account's sessions on `tr`.
    pub fn send_notice(
        &mut self,
        account: usize,
        tr: &WsTrId,
        mut make: impl FnMut(&str, &NoticeKey, &mut FrameEncoder) -> Option<String>,
    ) {
        let WsHub { sessions, encoder, .. } = self;
        for s in sessions.values_mut().filter(|s| s.account == Some(account)) {
            for sub in s.notices.iter().filter(|n| &n.tr == tr) {
                if let Some(frame) = make(&sub.tr_key, &sub.key, encoder) {
                    put_ws_frame(&mut s.out, OP_TEXT, frame.as_bytes());
                    s.frames += 1;
                }
            }
        }
    }

    /// Throws away what is queued but not yet handed over (a stalled connection sends nothing).
    pub fn discard_pending(&mut self) {
        for s in self.sessions.values_mut() {
            s.out.clear();
        }
    }

    /// Hands every non-empty buffer to its connection. A connection whose queue is full (a reader that
    /// cannot keep up) or gone is dropped. Returns (batches, bytes) handed over and the ids dropped.
    pub fn flush(&mut self) -> (u64, u64, Vec<u64>) {
        let mut dropped = Vec::new();
        let (mut batches, mut bytes) = (0, 0);
        for (&id, s) in self.sessions.iter_mut() {
            if s.out.is_empty() {
                continue;
            }
            let n = s.out.len() as u64;
            let batch = Bytes::from(std::mem::replace(&mut s.out, Vec::with_capacity(64 * 1024)));
            match s.tx.try_send(batch) {
                Ok(()) => {
                    batches += 1;
                    bytes += n;
                }
                Err(_) => dropped.push(id),
            }
        }
        for &id in &dropped {
            self.close(id);
        }
        (batches, bytes, dropped)
    }

    /// Queues a PINGPONG to every session due one, and returns the sessions that left the last one
    /// unanswered for longer than `timeout`.
    pub fn keepalive(
        &mut self,
        now: Instant,
        interval: std::time::Duration,
        timeout: std::time::Duration,
        datetime: &str,
    ) -> Vec<u64> {
        let mut dead = Vec::new();
        let ping = Control::pingpong(datetime).to_json();
        for (&id, s) in self.sessions.iter_mut() {
            let since = now.saturating_duration_since(s.last_ping);
            if s.awaiting_pong && since > timeout {
                dead.push(id);
            } else if !s.awaiting_pong && since >= interval {
                put_ws_frame(&mut s.out, OP_TEXT, ping.as_bytes());
                s.frames += 1;
                s.last_ping = now;
                s.awaiting_pong = true;
            }
        }
        dead
    }

    pub fn reply(&mut self, id: u64, code: ControlCode, tr: WsTrId, key: &str) {
        self.send_control(id, &Control::reply(code, tr, key));
    }
}

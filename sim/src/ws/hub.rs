//! WebSocket sessions and their registrations. The driver appends pre-encoded WebSocket frames to each
//! session's buffer and hands the buffer over once per step, so one socket write carries many frames.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use futures_util::Stream;
use kis_protocol::ws::{Control, ControlCode, FrameEncoder, NoticeKey, WsTrId};
use tokio::sync::mpsc;

use crate::config::{SlowConsumer, WsConfig};

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
    /// Bytes handed to the queue and not yet taken by the connection.
    queued: Arc<AtomicUsize>,
    policy: SlowConsumer,
    max_bytes: usize,
    out: Vec<u8>,
    /// (tr_id, tr_key) registered.
    pub regs: Vec<(String, String)>,
    pub notices: Vec<NoticeSub>,
    pub last_ping: Instant,
    pub awaiting_pong: bool,
    /// WebSocket text frames appended for this session (data, replies, PINGPONGs).
    pub frames: u64,
}

impl Session {
    /// Whether the connection is still reading what it is sent.
    fn gone(&self) -> bool {
        self.tx.is_closed()
    }

    /// Room for at least one more batch under both limits.
    fn has_room(&self) -> bool {
        self.tx.capacity() > 0 && self.queued.load(Ordering::Relaxed) < self.max_bytes
    }

    /// Bytes handed over but not yet taken by the connection.
    pub fn queued_bytes(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }
}

/// The connection's end of a session queue: the streaming response body. Taking a batch releases its
/// bytes from the session's account, which is what lets a `backpressure` session hold the market.
pub struct Outlet {
    rx: mpsc::Receiver<Bytes>,
    queued: Arc<AtomicUsize>,
}

impl Stream for Outlet {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(batch)) => {
                self.queued.fetch_sub(batch.len(), Ordering::Relaxed);
                Poll::Ready(Some(Ok(batch)))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

pub struct WsHub {
    sessions: HashMap<u64, Session>,
    next_id: u64,
    /// Per feed index: sessions registered for its trades / its book.
    trade_subs: Vec<Vec<u64>>,
    book_subs: Vec<Vec<u64>>,
    pub encoder: FrameEncoder,
    /// Driver steps in which the market waited for a `backpressure` session.
    pub held_steps: u64,
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
            held_steps: 0,
        }
    }

    /// A new session with its queue sized and its slow-reader policy taken from `cfg`.
    pub fn open(&mut self, cfg: &WsConfig) -> (u64, Outlet) {
        let id = self.next_id;
        self.next_id += 1;
        let (tx, rx) = mpsc::channel(cfg.max_queued_batches.max(1));
        let queued = Arc::new(AtomicUsize::new(0));
        let outlet = Outlet { rx, queued: queued.clone() };
        let session = Session {
            account: None,
            tx,
            queued,
            policy: cfg.slow_consumer,
            max_bytes: cfg.max_queued_bytes,
            out: Vec::with_capacity(64 * 1024),
            regs: Vec::new(),
            notices: Vec::new(),
            last_ping: Instant::now(),
            awaiting_pong: false,
            frames: 0,
        };
        self.sessions.insert(id, session);
        (id, outlet)
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
            // Counted before it is sent: the connection may take it (and subtract) at once.
            s.queued.fetch_add(batch.len(), Ordering::Relaxed);
            if s.tx.try_send(batch).is_err() {
                tracing::debug!(session = id, "close frame not delivered: queue full or connection gone");
            }
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

    /// Whether the market must wait: a subscribed `backpressure` session has no room for another batch.
    /// (A session that is gone does not hold anything: the next flush closes it.)
    pub fn must_hold(&self) -> bool {
        self.sessions
            .values()
            .any(|s| s.policy == SlowConsumer::Backpressure && !s.regs.is_empty() && !s.gone() && !s.has_room())
    }

    /// Hands every non-empty buffer to its connection. A connection that is gone is dropped; one whose queue
    /// is full is dropped under `drop` and keeps its buffer for a later flush under `backpressure`.
    /// Returns (batches, bytes) handed over and the ids dropped as slow readers (not those that left).
    pub fn flush(&mut self) -> (u64, u64, Vec<u64>) {
        let (mut dropped, mut gone) = (Vec::new(), Vec::new());
        let (mut batches, mut bytes) = (0, 0);
        for (&id, s) in self.sessions.iter_mut() {
            if s.out.is_empty() {
                continue;
            }
            if s.gone() {
                gone.push(id);
                continue;
            }
            // Only this hub sends on `tx`, under the state lock, so capacity seen here cannot shrink.
            if s.policy == SlowConsumer::Backpressure && s.tx.capacity() == 0 {
                continue;
            }
            let n = s.out.len();
            let batch = Bytes::from(std::mem::replace(&mut s.out, Vec::with_capacity(64 * 1024)));
            s.queued.fetch_add(n, Ordering::Relaxed);
            match s.tx.try_send(batch) {
                Ok(()) => {
                    batches += 1;
                    bytes += n as u64;
                }
                Err(e) => {
                    s.queued.fetch_sub(n, Ordering::Relaxed);
                    match e {
                        mpsc::error::TrySendError::Full(_) => dropped.push(id),
                        mpsc::error::TrySendError::Closed(_) => gone.push(id),
                    }
                }
            }
        }
        for &id in dropped.iter().chain(&gone) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn hub_with(policy: SlowConsumer) -> (WsHub, u64, Outlet) {
        let cfg =
            WsConfig { max_queued_batches: 1, max_queued_bytes: 1 << 20, slow_consumer: policy, ..WsConfig::default() };
        let mut hub = WsHub::new(1);
        let (id, outlet) = hub.open(&cfg);
        assert_eq!(hub.register(id, "H0STCNT0", "005930", Some((Channel::Trade, 0)), 41), RegOutcome::Registered);
        (hub, id, outlet)
    }

    #[test]
    fn drop_cuts_a_reader_whose_queue_is_full() {
        let (mut hub, id, _outlet) = hub_with(SlowConsumer::Drop);
        assert_eq!(hub.fan_out(&[id], b"0|H0STCNT0|001|a"), 1);
        assert_eq!(hub.flush(), (1, 18, vec![]));
        assert!(!hub.must_hold(), "drop never holds the market");
        hub.fan_out(&[id], b"0|H0STCNT0|001|b");
        assert_eq!(hub.flush(), (0, 0, vec![id]));
        assert!(hub.session(id).is_none());
        assert!(hub.subscribers(Channel::Trade, 0).is_empty());
    }

    #[actix_rt::test]
    async fn backpressure_holds_until_the_reader_takes_a_batch() {
        let (mut hub, id, mut outlet) = hub_with(SlowConsumer::Backpressure);
        hub.fan_out(&[id], b"0|H0STCNT0|001|a");
        assert_eq!(hub.flush(), (1, 18, vec![]));
        assert!(hub.must_hold(), "one batch queued fills a one-batch queue");
        hub.fan_out(&[id], b"0|H0STCNT0|001|b");
        assert_eq!(hub.flush(), (0, 0, vec![]), "kept, not dropped");
        assert_eq!(hub.session(id).map(|s| (s.frames, s.queued_bytes())), Some((2, 18)));
        let first = outlet.next().await.and_then(Result::ok);
        assert_eq!(first.as_deref(), Some(&b"\x81\x100|H0STCNT0|001|a"[..]));
        assert!(!hub.must_hold());
        assert_eq!(hub.flush(), (1, 18, vec![]));
        let second = outlet.next().await.and_then(Result::ok);
        assert_eq!(second.as_deref(), Some(&b"\x81\x100|H0STCNT0|001|b"[..]));
        // The byte limit holds too, and a reader that is gone holds nothing.
        let cfg = WsConfig { max_queued_batches: 8, max_queued_bytes: 10, ..WsConfig::default() };
        let (id2, outlet2) = hub.open(&cfg);
        hub.register(id2, "H0STASP0", "005930", Some((Channel::Book, 0)), 41);
        hub.fan_out(&[id2], b"0|H0STASP0|001|c");
        hub.flush();
        assert!(hub.must_hold());
        drop(outlet2);
        assert!(!hub.must_hold());
        assert_eq!(hub.flush().2, Vec::<u64>::new());
    }
}

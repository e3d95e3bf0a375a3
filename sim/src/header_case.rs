//! Response header names as KIS's gateway writes them: standard names capitalised (`Content-Type`,
//! `Content-Length`, `Date`, `Connection`) but KIS's own `tr_id`, `tr_cont`, `gt_uid` in lower case.
//!
//! Clients depend on the exact spelling: open-trading-api's `kis_auth.py` (`APIResp._setHeader`) keeps only
//! the names where `name.islower()` and builds a `namedtuple` from them, so a lower-case `content-type`
//! crashes it (`-` is no identifier) and a camel-cased `Tr_cont` is dropped, which breaks its paging
//! (`getHeader().tr_cont`). actix-http writes every name camel-cased or every name lower-case
//! (`ResponseHead::set_camel_case_headers`) and `http::HeaderName` cannot hold upper case, so no layer above
//! actix-http's encoder can ask for mixed case.
//!
//! The fix sits below it: [`KisHeaderCase`] wraps the connection's socket, actix-http camel-cases every name,
//! and on the way out exactly the lines `Tr_id:`, `Tr_cont:`, `Gt_uid:` of a response head get their name
//! lower-cased — same length, so nothing else moves. Alternatives weighed: a byte-pattern rewrite without
//! framing would also hit a body that happens to contain such a line; a loopback proxy in front of the
//! server would add a second socket per connection and break the peer address and the socket duplicate
//! that order faults shut down (`rest::order_faults`). So the wrapper follows HTTP/1.1 framing in both
//! directions ([`Scanner`]): it reads each request head for its method (a reply to `HEAD` carries a
//! `Content-Length` but no body) and its body length, and each response head for its status,
//! `Content-Length` and `Transfer-Encoding: chunked`, and passes every body byte through untouched. A
//! response whose length it cannot know (close-delimited, or a `101` upgrade) ends the rewriting for the
//! connection: from then on bytes pass as they are, never guessed at.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// KIS's own response headers as actix-http camel-cases them; written lower case, as KIS does.
const LOWER_CASE_NAMES: [&[u8]; 3] = [b"Tr_id:", b"Tr_cont:", b"Gt_uid:"];
/// A head line longer than this is passed through unparsed (no KIS head comes near it).
const MAX_LINE: usize = 8 * 1024;
/// Rewritten bytes held for the socket before `poll_write` pushes back.
const MAX_PENDING: usize = 64 * 1024;

/// Which side of the exchange a [`Scanner`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Request,
    Response,
}

/// Where in the message stream the scanner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Inside a head, collecting the current line.
    Head,
    /// `n` body bytes left.
    Length(u64),
    /// A chunk-size line of a chunked body (collected in the line buffer).
    ChunkSize,
    /// `n` bytes of chunk data left, then the chunk's CRLF.
    ChunkData(u64),
    /// The CRLF after chunk data (up to its LF).
    ChunkEnd,
    /// Trailer lines after the last chunk, up to the empty line.
    Trailers,
    /// Framing unknown (close-delimited body, upgraded connection): everything passes untouched.
    Opaque,
}

/// What a head said about its message.
#[derive(Debug, Default)]
struct HeadFacts {
    started: bool,
    is_head_request: bool,
    status: Option<u16>,
    content_length: Option<u64>,
    chunked: bool,
}

/// Follows one direction of an HTTP/1.1 connection message by message.
#[derive(Debug)]
struct Scanner {
    role: Role,
    phase: Phase,
    line: Vec<u8>,
    /// The current line outgrew [`MAX_LINE`]; its rest passes through and it is not parsed.
    overlong: bool,
    facts: HeadFacts,
}

impl Scanner {
    fn new(role: Role) -> Self {
        Self { role, phase: Phase::Head, line: Vec::new(), overlong: false, facts: HeadFacts::default() }
    }

    /// Scans `input`; with `out`, appends the bytes to send (head lines only once complete). A request head
    /// pushes whether it was `HEAD` onto `heads`; a final response head pops it.
    fn feed(&mut self, mut input: &[u8], mut out: Option<&mut Vec<u8>>, heads: &mut VecDeque<bool>) {
        while !input.is_empty() {
            let (body, taken) = match self.phase {
                Phase::Opaque => (true, input.len()),
                Phase::Length(left) => {
                    let n = take(left, input.len());
                    self.phase = if n as u64 == left { Phase::Head } else { Phase::Length(left - n as u64) };
                    (true, n)
                }
                Phase::ChunkData(left) => {
                    let n = take(left, input.len());
                    self.phase = if n as u64 == left { Phase::ChunkEnd } else { Phase::ChunkData(left - n as u64) };
                    (true, n)
                }
                Phase::ChunkEnd => {
                    if input[0] == b'\n' {
                        self.phase = Phase::ChunkSize;
                    }
                    (true, 1)
                }
                Phase::Head | Phase::ChunkSize | Phase::Trailers => {
                    let (n, line_done) = match input.iter().position(|&b| b == b'\n') {
                        Some(i) => (i + 1, true),
                        None => (input.len(), false),
                    };
                    self.collect(&input[..n], out.as_deref_mut());
                    if line_done {
                        self.end_line(out.as_deref_mut(), heads);
                    }
                    (false, n)
                }
            };
            if body && let Some(out) = out.as_deref_mut() {
                out.extend_from_slice(&input[..taken]);
            }
            input = &input[taken..];
        }
    }

    /// Adds bytes to the current line; past [`MAX_LINE`] the line is sent as it is and not parsed.
    fn collect(&mut self, bytes: &[u8], out: Option<&mut Vec<u8>>) {
        if !self.overlong && self.line.len() + bytes.len() <= MAX_LINE {
            self.line.extend_from_slice(bytes);
            return;
        }
        self.overlong = true;
        if let Some(out) = out {
            out.append(&mut self.line);
            out.extend_from_slice(bytes);
        }
        self.line.clear();
    }

    /// A line (ending in LF) is complete: parse it, rewrite it if it names a KIS header, send it.
    fn end_line(&mut self, out: Option<&mut Vec<u8>>, heads: &mut VecDeque<bool>) {
        let mut line = std::mem::take(&mut self.line);
        let overlong = std::mem::take(&mut self.overlong);
        let blank = !overlong && trim_crlf(&line).is_empty();
        if !overlong {
            match self.phase {
                Phase::Head => self.head_line(&mut line, heads),
                Phase::ChunkSize => {
                    let size = trim_crlf(&line).split(|&b| b == b';').next().unwrap_or_default();
                    let size = std::str::from_utf8(size).ok().and_then(|s| u64::from_str_radix(s.trim(), 16).ok());
                    self.phase = match size {
                        Some(0) => Phase::Trailers,
                        Some(n) => Phase::ChunkData(n),
                        // Not a chunk size: the framing is lost, so stop interpreting this connection.
                        None => Phase::Opaque,
                    };
                }
                Phase::Trailers if blank => self.phase = Phase::Head,
                _ => {}
            }
        }
        if let Some(out) = out {
            out.extend_from_slice(&line);
        }
        line.clear();
        self.line = line;
    }

    /// One line of a head: the start line, a header, or the blank line that ends it.
    fn head_line(&mut self, line: &mut [u8], heads: &mut VecDeque<bool>) {
        let text = trim_crlf(line);
        if text.is_empty() {
            if self.facts.started {
                self.phase = self.head_done(heads);
            }
            // A blank line before a request line is ignored (RFC 9112 §2.2).
            return;
        }
        if !self.facts.started {
            self.facts.started = true;
            match self.role {
                Role::Request => self.facts.is_head_request = text.starts_with(b"HEAD "),
                Role::Response => {
                    self.facts.status = text
                        .get(9..12)
                        .and_then(|code| std::str::from_utf8(code).ok())
                        .and_then(|code| code.parse().ok());
                }
            }
            return;
        }
        if self.role == Role::Response
            && let Some(name) = LOWER_CASE_NAMES.iter().find(|name| text.starts_with(name))
        {
            line[..name.len()].make_ascii_lowercase();
        }
        let text = trim_crlf(line);
        let Some(colon) = text.iter().position(|&b| b == b':') else { return };
        let (name, value) = (&text[..colon], text[colon + 1..].trim_ascii());
        if name.eq_ignore_ascii_case(b"content-length") {
            self.facts.content_length = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok());
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            let last = value.rsplit(|&b| b == b',').next().unwrap_or_default().trim_ascii();
            self.facts.chunked = last.eq_ignore_ascii_case(b"chunked");
        }
    }

    /// The head ended: how long is the body that follows (RFC 9112 §6.3)?
    fn head_done(&mut self, heads: &mut VecDeque<bool>) -> Phase {
        let facts = std::mem::take(&mut self.facts);
        let no_body = match self.role {
            Role::Request => {
                heads.push_back(facts.is_head_request);
                facts.content_length.is_none() && !facts.chunked
            }
            Role::Response => match facts.status {
                Some(101) => return Phase::Opaque,
                // An interim reply (100 Continue): the final one for the same request follows.
                Some(100..=199) => return Phase::Head,
                status => {
                    let to_head = heads.pop_front().unwrap_or(false);
                    if to_head || matches!(status, Some(204 | 304)) {
                        true
                    } else if !facts.chunked && facts.content_length.is_none() {
                        return Phase::Opaque;
                    } else {
                        false
                    }
                }
            },
        };
        match (no_body, facts.chunked, facts.content_length) {
            (true, _, _) | (false, false, Some(0)) => Phase::Head,
            (false, true, _) => Phase::ChunkSize,
            (false, false, Some(n)) => Phase::Length(n),
            (false, false, None) => Phase::Opaque,
        }
    }

    /// Bytes held back because their head line is not complete yet.
    fn take_partial_line(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.line)
    }
}

/// How many of `available` bytes a body with `left` bytes to go takes.
fn take(left: u64, available: usize) -> usize {
    usize::try_from(left).map_or(available, |left| left.min(available))
}

fn trim_crlf(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A connection that writes KIS's own response header names in lower case (see the module docs).
#[derive(Debug)]
pub struct KisHeaderCase<T> {
    inner: T,
    requests: Scanner,
    responses: Scanner,
    /// For each request read and not yet answered: whether it was `HEAD`.
    heads: VecDeque<bool>,
    /// Rewritten bytes not yet taken by the socket, from `sent` on.
    pending: Vec<u8>,
    sent: usize,
}

impl<T> KisHeaderCase<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            requests: Scanner::new(Role::Request),
            responses: Scanner::new(Role::Response),
            heads: VecDeque::new(),
            pending: Vec::new(),
            sent: 0,
        }
    }

    /// The socket itself (for `on_connect` hooks that look at the stream type).
    pub fn get_ref(&self) -> &T {
        &self.inner
    }
}

impl<T: AsyncWrite + Unpin> KisHeaderCase<T> {
    /// Writes pending bytes until none are left or the socket is not ready.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.pending.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for KisHeaderCase<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        this.requests.feed(&buf.filled()[before..], None, &mut this.heads);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for KisHeaderCase<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if let Poll::Ready(Err(e)) = this.drain(cx) {
            return Poll::Ready(Err(e));
        }
        if this.pending.len() - this.sent >= MAX_PENDING {
            // `drain` returned Pending with the socket's waker registered.
            return Poll::Pending;
        }
        // At most MAX_PENDING at a time, so that a large body is not copied whole before the socket takes it.
        let taken = buf.len().min(MAX_PENDING);
        this.responses.feed(&buf[..taken], Some(&mut this.pending), &mut this.heads);
        // Start sending now; what the socket does not take yet goes out on the next write or flush.
        if let Poll::Ready(Err(e)) = this.drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(taken))
    }

    /// Flushes everything but an unfinished head line: the peer cannot use a partial head, and its name may
    /// still need rewriting once the rest arrives.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let partial = this.responses.take_partial_line();
        this.pending.extend_from_slice(&partial);
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `requests` to the read side, then `responses` to the write side in pieces of `step` bytes;
    /// returns what goes on the wire.
    fn wire(requests: &str, responses: &str, step: usize) -> String {
        let mut heads = VecDeque::new();
        let mut reads = Scanner::new(Role::Request);
        for piece in requests.as_bytes().chunks(step) {
            reads.feed(piece, None, &mut heads);
        }
        let mut writes = Scanner::new(Role::Response);
        let mut out = Vec::new();
        for piece in responses.as_bytes().chunks(step) {
            writes.feed(piece, Some(&mut out), &mut heads);
        }
        out.extend(writes.take_partial_line());
        String::from_utf8(out).unwrap()
    }

    /// Every split of the stream into pieces gives the same bytes.
    fn check(requests: &str, responses: &str, want: &str) {
        for step in 1..=responses.len().max(1) {
            assert_eq!(wire(requests, responses, step), want, "pieces of {step} bytes");
        }
    }

    const TWO_GETS: &str = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nTr_id: keep\r\n\r\n";

    #[test]
    fn kis_names_are_lowered_in_heads_and_never_in_sized_bodies() {
        let body = "x\r\nTr_id: body";
        let responses = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/json\r\nTr_id: FHKST01010100\r\n\
             Tr_cont: M\r\nGt_uid: 01\r\nTr_idx: no\r\n\r\n{body}\
             HTTP/1.1 200 OK\r\nTr_cont: \r\nContent-Length: 0\r\n\r\n",
            body.len()
        );
        let want = responses
            .replacen("Tr_id: FHK", "tr_id: FHK", 1)
            .replace("Tr_cont:", "tr_cont:")
            .replace("Gt_uid:", "gt_uid:");
        assert!(want.contains("\r\nTr_id: body") && want.contains("Tr_idx: no"), "{want}");
        check(TWO_GETS, &responses, &want);
    }

    #[test]
    fn chunked_bodies_pass_untouched() {
        let responses = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTr_id: A\r\n\r\n\
                         11;ext=1\r\n\r\nTr_cont: body\r\n\r\n0\r\nTr_id: trailer\r\n\r\n\
                         HTTP/1.1 200 OK\r\nContent-Length: 0\r\nGt_uid: 2\r\n\r\n";
        let want = responses.replacen("Tr_id: A", "tr_id: A", 1).replace("Gt_uid: 2", "gt_uid: 2");
        check(TWO_GETS, responses, &want);
    }

    #[test]
    fn a_reply_to_head_has_no_body_and_an_interim_reply_is_skipped() {
        let requests = "HEAD /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET /c HTTP/1.1\r\n\r\n";
        let responses = "HTTP/1.1 200 OK\r\nContent-Length: 40\r\nTr_id: A\r\n\r\n\
                         HTTP/1.1 100 Continue\r\n\r\n\
                         HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTr_id: B\r\n\r\n{}\
                         HTTP/1.1 204 No Content\r\nTr_id: C\r\n\r\n";
        let want = responses.replace("Tr_id:", "tr_id:");
        check(requests, responses, &want);
    }

    #[test]
    fn an_unframed_body_ends_the_rewriting() {
        let responses = "HTTP/1.1 200 OK\r\nTr_id: A\r\n\r\nbody\r\nTr_id: B\r\n\r\n";
        check(TWO_GETS, responses, &responses.replacen("Tr_id: A", "tr_id: A", 1));
        let upgraded = "HTTP/1.1 101 Switching Protocols\r\nTr_id: A\r\n\r\n\r\nTr_id: B\r\n";
        check(TWO_GETS, upgraded, &upgraded.replacen("Tr_id: A", "tr_id: A", 1));
    }

    /// A socket that takes at most 3 bytes per write and is not ready every other call.
    #[derive(Default)]
    struct Trickle {
        wire: Vec<u8>,
        busy: bool,
    }

    impl AsyncWrite for Trickle {
        fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            self.busy = !self.busy;
            if self.busy {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let n = buf.len().min(3);
            self.wire.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn a_slow_socket_gets_every_byte_once_in_order() {
        let body = "b".repeat(3 * MAX_PENDING);
        let response = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nTr_cont: M\r\n\r\n{body}", body.len());
        let mut io = KisHeaderCase::new(Trickle::default());
        io.heads.push_back(false);
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        let mut rest = response.as_bytes();
        let (mut polls, mut most_held) = (0, 0);
        while !rest.is_empty() {
            polls += 1;
            assert!(polls < 1_000_000, "no progress");
            if let Poll::Ready(n) = Pin::new(&mut io).poll_write(&mut cx, rest) {
                rest = &rest[n.unwrap()..];
            }
            most_held = most_held.max(io.pending.len() - io.sent);
        }
        while Pin::new(&mut io).poll_flush(&mut cx).is_pending() {}
        let want = response.replace("Tr_cont:", "tr_cont:");
        assert!(io.inner.wire == want.as_bytes(), "{} bytes on the wire, {} expected", io.inner.wire.len(), want.len());
        // Backpressure: the wrapper never holds much more than MAX_PENDING of a large write.
        assert!(most_held < 2 * MAX_PENDING, "held {most_held} bytes");
    }

    #[test]
    fn an_overlong_line_passes_unparsed() {
        let long = "v".repeat(MAX_LINE + 10);
        let responses = format!("HTTP/1.1 200 OK\r\nTr_id: {long}\r\nContent-Length: 0\r\nGt_uid: 1\r\n\r\n");
        assert_eq!(wire(TWO_GETS, &responses, 1000), responses.replace("Gt_uid:", "gt_uid:"));
    }
}

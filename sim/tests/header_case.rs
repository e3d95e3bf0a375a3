//! Header names on the wire exactly as KIS's gateway writes them: standard names capitalised, KIS's own
//! `tr_id`, `tr_cont`, `gt_uid` lower case (issue #10; open-trading-api's `kis_auth.py` needs both), over a
//! keep-alive connection carrying several requests, with the bodies untouched.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// One response as read off the socket: the head's lines as written, and the body bytes.
struct RawResponse {
    status_line: String,
    lines: Vec<String>,
    body: Vec<u8>,
}

impl RawResponse {
    /// The value of the header line that starts with exactly `name` (case-sensitive, as on the wire).
    fn exact(&self, name: &str) -> Option<&str> {
        self.lines.iter().find_map(|l| l.strip_prefix(name)?.strip_prefix(':').map(str::trim))
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }
}

/// Writes all `requests` at once on one connection (pipelined), then reads `count` responses framed by
/// their `Content-Length`, with the bytes as written.
fn exchange(rest_url: &str, requests: &str, count: usize, is_head: &[bool]) -> Vec<RawResponse> {
    let mut stream = TcpStream::connect(rest_url.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(requests.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    while out.len() < count {
        let parsed = buf.windows(4).position(|w| w == b"\r\n\r\n").and_then(|end| {
            let head = String::from_utf8(buf[..end].to_vec()).unwrap();
            let mut lines: Vec<String> = head.split("\r\n").map(str::to_string).collect();
            let status_line = lines.remove(0);
            let len = if is_head[out.len()] {
                0
            } else {
                lines
                    .iter()
                    .find_map(|l| l.strip_prefix("Content-Length:"))
                    .map_or(0, |v| v.trim().parse::<usize>().unwrap())
            };
            let total = end + 4 + len;
            (buf.len() >= total)
                .then(|| (RawResponse { status_line, lines, body: buf[end + 4..total].to_vec() }, total))
        });
        match parsed {
            Some((response, used)) => {
                buf.drain(..used);
                out.push(response);
            }
            None => {
                let mut chunk = [0u8; 4096];
                let n = stream.read(&mut chunk).unwrap();
                assert!(n > 0, "connection closed after {} responses: {:?}", out.len(), String::from_utf8_lossy(&buf));
                buf.extend_from_slice(&chunk[..n]);
            }
        }
    }
    out
}

fn quote_request(method: &str, token: &str, code: &str, close: bool) -> String {
    format!(
        "{method} /uapi/domestic-stock/v1/quotations/inquire-price?FID_COND_MRKT_DIV_CODE=J&FID_INPUT_ISCD={code} HTTP/1.1\r\n\
         Host: x\r\ncontent-type: application/json; charset=utf-8\r\nauthorization: Bearer {token}\r\n\
         appkey: {KEY}\r\nappsecret: {SECRET}\r\ntr_id: FHKST01010100\r\ncusttype: P\r\n{}\r\n",
        if close { "Connection: close\r\n" } else { "" }
    )
}

fn assert_kis_spelling(response: &RawResponse) {
    assert!(response.status_line.starts_with("HTTP/1.1 200"), "{}", response.status_line);
    for name in ["Content-Type", "Content-Length", "Date", "tr_id", "tr_cont", "gt_uid"] {
        assert!(response.exact(name).is_some(), "no `{name}:` as KIS writes it in {:?}", response.lines);
    }
    for name in ["Tr_id", "Tr_cont", "Gt_uid", "content-type", "content-length"] {
        assert!(response.exact(name).is_none(), "`{name}:` is not how KIS writes it: {:?}", response.lines);
    }
    assert_eq!(response.exact("tr_id"), Some("FHKST01010100"));
    let gt_uid = response.exact("gt_uid").unwrap_or_default();
    assert!(gt_uid.len() == 32 && gt_uid.bytes().all(|b| b.is_ascii_hexdigit()), "gt_uid {gt_uid:?}");
}

#[actix_rt::test]
async fn kis_headers_are_lower_case_and_standard_ones_capitalised_on_a_keep_alive_connection() {
    bounded(30, async {
        let sim = start(config(KRX_OPEN)).await;
        let token = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 0);
        let requests = quote_request("GET", &token, &code, false) + &quote_request("GET", &token, &code, true);
        let rest = sim.rest_url();
        let responses =
            actix_rt::task::spawn_blocking(move || exchange(&rest, &requests, 2, &[false, false])).await.unwrap();
        for response in &responses {
            assert_kis_spelling(response);
        }
        assert_eq!(responses[1].exact("Connection"), Some("close"), "{:?}", responses[1].lines);

        // The bodies are what awc reads from the same endpoint.
        let params = [("FID_COND_MRKT_DIV_CODE", "J"), ("FID_INPUT_ISCD", code.as_str())];
        let path = "/uapi/domestic-stock/v1/quotations/inquire-price";
        let (status, _, via_awc) = uapi(&sim, &token, "GET", path, "FHKST01010100", &params, "").await;
        assert_eq!(status, 200, "{via_awc}");
        let keys = |v: &Value| v["output"].as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
        for response in &responses {
            let raw = response.json();
            assert_eq!(raw["rt_cd"], "0", "{raw}");
            assert_eq!((&raw["msg_cd"], keys(&raw)), (&via_awc["msg_cd"], keys(&via_awc)), "{raw}");
            assert_eq!(raw["output"]["stck_shrn_iscd"], via_awc["output"]["stck_shrn_iscd"], "{raw}");
        }
        sim.stop().await.unwrap();
    })
    .await;
}

/// A reply to `HEAD` announces a length but has no body; the next reply on the connection is still
/// recognised as a head and spelled as KIS spells it (were the announced length skipped as a body, it
/// would be swallowed instead).
#[actix_rt::test]
async fn the_reply_after_a_head_request_is_still_spelled_as_kis_does() {
    bounded(30, async {
        let sim = start(config(KRX_OPEN)).await;
        let token = token(&sim, KEY, SECRET).await;
        let code = krx_code(&sim, 0);
        let requests = quote_request("HEAD", &token, &code, false)
            + &quote_request("GET", &token, &code, false)
            + &quote_request("GET", &token, &code, true);
        let rest = sim.rest_url();
        let responses =
            actix_rt::task::spawn_blocking(move || exchange(&rest, &requests, 3, &[true, false, false])).await.unwrap();
        // The simulator refuses `HEAD` like an unknown call, with a body it does not send.
        assert!(responses[0].exact("Content-Length").is_some_and(|v| v != "0"), "{:?}", responses[0].lines);
        assert!(responses[0].body.is_empty());
        for response in &responses[1..] {
            assert_kis_spelling(response);
            assert_eq!(response.json()["rt_cd"], "0");
        }
        sim.stop().await.unwrap();
    })
    .await;
}

//! Issue #9, defect 1: which failed order POSTs may have reached KIS. A raw loopback server stands in for a
//! gateway that takes a request and never answers it: awc reports the pooled connection dying under the
//! written request as `ConnectError::Disconnected`, the same family as a refused connect, and it used to be
//! classified "certainly not sent" — while the broker had executed the order. Only a connection that could
//! not be opened at all proves that no byte of the request left.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use kis_client::{Credentials, Endpoints, Priority, RestClient};
use kis_model::{AccountNo, Environment, InstrumentKind, KrxCode, OrdDvsn, Price, Qty, Secret, Side};
use kis_protocol::rest::domestic_order::OrderCash;
use kis_protocol::rest::domestic_quote::InquirePriceRequest;

const PRICE_REPLY: &str = r#"{"rt_cd":"0","msg_cd":"MCA00000","msg1":"정상처리 되었습니다.","output":{}}"#;

/// Reads one HTTP/1.1 request (head and `content-length` body); `None` at end of stream.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(head)
}

/// Answers every GET; takes every POST in full (an exchange would execute it here) and closes the
/// connection without a byte of reply. Counts the POSTs it took.
fn swallowing_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("local addr"));
    let posts = Arc::new(AtomicUsize::new(0));
    let taken = posts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8).flatten() {
            let taken = taken.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let Ok(mut out) = stream.try_clone() else { return };
                let mut reader = BufReader::new(stream);
                while let Some(head) = read_request(&mut reader) {
                    if head.starts_with("POST") {
                        taken.fetch_add(1, Ordering::SeqCst);
                        let _ = out.shutdown(std::net::Shutdown::Both);
                        return;
                    }
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{}",
                        PRICE_REPLY.len(),
                        PRICE_REPLY
                    );
                    if out.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, posts)
}

fn client(base: &str) -> RestClient {
    let endpoints = Endpoints::custom(Environment::Paper, base, "ws://127.0.0.1:9/unused");
    RestClient::new(
        endpoints,
        Credentials::new("PSlostreply0000000000000000000001", "s"),
        1_000,
        Duration::from_secs(3),
    )
}

fn order() -> OrderCash {
    let account = AccountNo::from_parts("50012345", "01").expect("account");
    let code = KrxCode::parse("005930").expect("code");
    OrderCash::new(
        &account,
        Side::Buy,
        code,
        OrdDvsn::Limit,
        Qty::new(1),
        Some(Price::from_won(70_000)),
        InstrumentKind::Stock,
    )
    .expect("order")
}

#[actix_rt::test]
async fn an_order_on_a_pooled_connection_that_dies_unanswered_is_uncertain() {
    let (url, posts) = swallowing_server();
    let client = client(&url);
    let token = Secret::new("token");
    let quote = InquirePriceRequest { fid_cond_mrkt_div_code: "J".into(), fid_input_iscd: "005930".into() };
    // A first call leaves a kept-alive connection in the pool; the order goes out on it.
    client.call(&quote, &token, Priority::Account, None).await.expect("the quote is answered");
    let err = client.call(&order(), &token, Priority::Order, None).await.expect_err("no reply to the order");
    assert_eq!(posts.load(Ordering::SeqCst), 1, "the server took the whole order");
    assert!(err.is_uncertain(), "a request taken by the server is not provably unsent: {err}");
    // And on a fresh connection too.
    let fresh = self::client(&url);
    let err = fresh.call(&order(), &token, Priority::Order, None).await.expect_err("no reply to the order");
    assert_eq!(posts.load(Ordering::SeqCst), 2);
    assert!(err.is_uncertain(), "{err}");
}

#[actix_rt::test]
async fn an_order_that_could_not_connect_is_provably_unsent() {
    // A port nobody listens on: the connect is refused before any byte of the request exists on the wire.
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let client = client(&format!("http://127.0.0.1:{port}"));
    let err = client.call(&order(), &Secret::new("token"), Priority::Order, None).await.expect_err("refused");
    assert!(!err.is_uncertain(), "a refused connect cannot have executed anything: {err}");
}

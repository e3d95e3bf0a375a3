//! The order-boundary faults over loopback, driven with the real awc-based `kis-client`: for each kind, the
//! client gets an error, and the broker holds (or does not hold) the order as the kind says. How the client
//! classifies the error is kis-client's business and not asserted here.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use kis_client::{Credentials, Endpoints, Priority, RestClient};
use kis_engine::OrderStatus;
use kis_model::tick_size::floor_to_tick;
use kis_model::{
    AccountNo, Environment, InstrumentKind, KrxCode, Market, OrdDvsn, Price, Qty, Secret, Side, Symbol, UsOrdDvsn,
};
use kis_protocol::rest::domestic_order::{OrderCash, OrderRvsecnclBody};
use kis_protocol::rest::domestic_quote::InquirePriceRequest;
use kis_protocol::rest::overseas_order::{UsModifyCancelBody, UsOrder};
use kis_sim::{Fault, SimConfig, SimHandle, Simulator};
use rust_decimal::Decimal;

const KEY: &str = "PSorderfaults000000000000000000000001";
const SECRET: &str = "secret-of-the-order-fault-test";
/// Wednesday 2026-03-04 09:00 KST, a KRX session open.
const KRX_OPEN: &str = "2026-03-04T00:00:00Z";
/// Wednesday 2026-03-04 09:30 New York, an NYSE open.
const US_OPEN: &str = "2026-03-04T14:30:00Z";
/// The client's timeout; `execute_late_reply` holds replies longer.
const TIMEOUT: Duration = Duration::from_millis(800);

async fn start(at: &str, market: Market) -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut c = SimConfig { start: Some(at.parse().unwrap()), symbols: 10, us_symbols: 3, ..SimConfig::default() };
    c.auth.token_min_interval_ms = 0;
    c.rest.paper_per_sec = 1_000;
    let sim = Simulator::start(c).await.unwrap();
    assert!(sim.wait_open(market, Duration::from_secs(2)).await, "{market:?} did not open");
    sim
}

fn client(sim: &SimHandle) -> RestClient {
    let endpoints = Endpoints::custom(Environment::Paper, &sim.rest_url(), &sim.ws_url());
    RestClient::new(endpoints, Credentials::new(KEY, SECRET), 1_000, TIMEOUT)
}

fn account() -> AccountNo {
    AccountNo::from_parts("50000000", "01").unwrap()
}

/// The orders the broker holds for the (only) account: (id, status), in submission order.
fn broker_orders(sim: &SimHandle) -> Vec<(kis_model::OrderId, OrderStatus)> {
    sim.orders_of(0).iter().map(|o| (o.id, o.status)).collect()
}

fn first_symbol(sim: &SimHandle, us: bool) -> (Symbol, i64) {
    let ex = kis_sim::exchange::lock(sim.state());
    let f = ex.feeds.iter().find(|f| matches!(f.symbol, Symbol::Us(..)) == us).unwrap();
    (f.symbol, f.last)
}

/// A limit buy 10% under the market: it rests, so the broker's book shows it for the whole test.
fn passive_krx_buy(code: KrxCode, last: i64) -> OrderCash {
    let bid = floor_to_tick(u64::try_from(last).unwrap() * 90 / 100, InstrumentKind::Stock);
    let price = Some(Price::from_won(bid));
    OrderCash::new(&account(), Side::Buy, code, OrdDvsn::Limit, Qty::new(1), price, InstrumentKind::Stock).unwrap()
}

async fn bounded<F: std::future::Future<Output = ()>>(secs: u64, f: F) {
    actix_rt::time::timeout(Duration::from_secs(secs), f).await.expect("test exceeded its time limit");
}

#[actix_rt::test]
async fn domestic_orders_under_each_order_fault() {
    bounded(30, async {
        let sim = start(KRX_OPEN, Market::Krx).await;
        let client = client(&sim);
        let token: Secret = client.issue_token().await.unwrap().access_token;
        let (symbol, last) = first_symbol(&sim, false);
        let Symbol::Krx(code) = symbol else { unreachable!() };
        let buy = passive_krx_buy(code, last);

        // Executed, reply lost: an error, and the order rests at the broker.
        sim.inject(&Fault::ExecuteDropReply { count: 1 });
        let err = client.call(&buy, &token, Priority::Order, None).await.unwrap_err();
        let held = broker_orders(&sim);
        assert_eq!(held.len(), 1, "the order was executed though its reply was lost ({err})");
        assert_eq!(held[0].1, OrderStatus::Open);

        // Executed, reply held past the client's timeout: an error after the timeout, and the order rests.
        sim.inject(&Fault::ExecuteLateReply { ms: 2_000, count: 1 });
        let sent = Instant::now();
        let err = client.call(&buy, &token, Priority::Order, None).await.unwrap_err();
        assert!(sent.elapsed() >= TIMEOUT, "the client gave up only at its timeout: {err}");
        assert_eq!(broker_orders(&sim).len(), 2, "the late order was executed ({err})");

        // Dropped before executing, and dropped mid-body: errors, and nothing new at the broker. A quote in
        // between is not an order POST and does not use up the fault.
        sim.inject(&Fault::DropBeforeExecute { count: 1 });
        let quote = InquirePriceRequest { fid_cond_mrkt_div_code: "J".into(), fid_input_iscd: code.as_str().into() };
        client.call(&quote, &token, Priority::Quote, None).await.unwrap();
        let err = client.call(&buy, &token, Priority::Order, None).await.unwrap_err();
        assert_eq!(broker_orders(&sim).len(), 2, "dropped before executing, yet executed ({err})");
        sim.inject(&Fault::DropMidBody { count: 2 });
        for _ in 0..2 {
            let err = client.call(&buy, &token, Priority::Order, None).await.unwrap_err();
            assert_eq!(broker_orders(&sim).len(), 2, "dropped mid-body, yet executed ({err})");
        }

        // A cancel is an order POST too: executed (the order is cancelled), its reply lost.
        sim.inject(&Fault::ExecuteDropReply { count: 1 });
        let cancel = OrderRvsecnclBody::cancel_all(&account(), held[0].0, OrdDvsn::Limit);
        let err = client.call(&cancel, &token, Priority::Order, None).await.unwrap_err();
        assert_eq!(broker_orders(&sim)[0].1, OrderStatus::Cancelled, "the cancel was executed ({err})");

        // Every armed fault is used up: the next order goes through normally.
        let placed = client.call(&buy, &token, Priority::Order, None).await.unwrap();
        assert_eq!(placed.reply.msg_cd, "APBK0013");
        assert_eq!(broker_orders(&sim).len(), 3);
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn overseas_orders_and_cancels_under_order_faults() {
    bounded(30, async {
        let sim = start(US_OPEN, Market::Us).await;
        let client = client(&sim);
        let token: Secret = client.issue_token().await.unwrap().access_token;
        let (symbol, last_cents) = first_symbol(&sim, true);
        let Symbol::Us(exchange, ticker) = symbol else { unreachable!() };
        let bid = Price::new(Decimal::new(last_cents * 9 / 10, 2)).unwrap();
        let buy =
            UsOrder::new(&account(), Side::Buy, exchange, ticker, UsOrdDvsn::Limit, Qty::new(1), Some(bid)).unwrap();

        sim.inject(&Fault::DropBeforeExecute { count: 1 });
        client.call(&buy, &token, Priority::Order, None).await.unwrap_err();
        assert!(broker_orders(&sim).is_empty(), "dropped before executing, yet executed");
        sim.inject(&Fault::ExecuteDropReply { count: 1 });
        client.call(&buy, &token, Priority::Order, None).await.unwrap_err();
        let held = broker_orders(&sim);
        assert_eq!(held.len(), 1, "executed though the reply was lost");

        sim.inject(&Fault::ExecuteLateReply { ms: 2_000, count: 1 });
        let cancel = UsModifyCancelBody::cancel(&account(), exchange, ticker, held[0].0, Qty::new(1)).unwrap();
        client.call(&cancel, &token, Priority::Order, None).await.unwrap_err();
        assert_eq!(broker_orders(&sim)[0].1, OrderStatus::Cancelled, "the late cancel was executed");
        sim.stop().await.unwrap();
    })
    .await;
}

/// The connection is shut before the reply exists: the client reads end-of-stream (or a reset) and not one
/// byte of a status line, for each kind that drops.
#[actix_rt::test]
async fn a_dropped_order_post_gets_no_reply_byte() {
    bounded(30, async {
        let sim = start(KRX_OPEN, Market::Krx).await;
        let addr = sim.rest_addr;
        for fault in [
            Fault::ExecuteDropReply { count: 1 },
            Fault::DropBeforeExecute { count: 1 },
            Fault::DropMidBody { count: 1 },
        ] {
            sim.inject(&fault);
            let received = actix_rt::task::spawn_blocking(move || {
                let mut tcp = std::net::TcpStream::connect(addr).unwrap();
                tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let body = r#"{"CANO":"50000000"}"#;
                let request = format!(
                    "POST /uapi/domestic-stock/v1/trading/order-cash HTTP/1.1\r\nhost: sim\r\n\
                     content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                tcp.write_all(request.as_bytes()).unwrap();
                let mut got = Vec::new();
                match tcp.read_to_end(&mut got) {
                    Ok(_) => got,
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => got,
                    Err(e) => panic!("the connection was neither closed nor reset: {e}"),
                }
            })
            .await
            .unwrap();
            assert!(received.is_empty(), "{fault:?}: {:?}", String::from_utf8_lossy(&received));
        }
        // Without a fault the same raw request gets an answer (a KIS refusal: no token).
        let answered = actix_rt::task::spawn_blocking(move || {
            let mut tcp = std::net::TcpStream::connect(addr).unwrap();
            tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            tcp.write_all(
                b"POST /uapi/domestic-stock/v1/trading/order-cash HTTP/1.1\r\nhost: sim\r\nconnection: close\r\n\
                  content-length: 2\r\n\r\n{}",
            )
            .unwrap();
            let mut got = Vec::new();
            tcp.read_to_end(&mut got).unwrap();
            got
        })
        .await
        .unwrap();
        assert!(answered.starts_with(b"HTTP/1.1 "), "{:?}", String::from_utf8_lossy(&answered));
        sim.stop().await.unwrap();
    })
    .await;
}

//! kis-client's real code against the simulator over loopback: tokens, quotes, orders built with
//! kis-protocol's typed builders, the WebSocket feed with PINGPONG, the rate budget, and the retry rules
//! (rate limits retried, transport failures of orders surfaced as uncertain, never resent).

use std::time::{Duration, Instant};

use kis_client::{ClientError, Credentials, Endpoints, Priority, RestClient, WsConnection, WsEvent};
use kis_model::tick_size::floor_to_tick;
use kis_model::{AccountNo, Environment, InstrumentKind, KrxCode, OrdDvsn, Price, Qty, Secret, Side, Symbol};
use kis_protocol::error_class::ErrorClass;
use kis_protocol::rest::domestic_order::{OrderCash, OrderRvsecnclBody};
use kis_protocol::rest::domestic_quote::InquirePriceRequest;
use kis_protocol::ws::{Control, ControlCode, H0stcnt0, SubscribeRequest, WsMessage, WsTrId, decode_message};
use kis_sim::{Fault, SimConfig, SimHandle};

const KEY: &str = "PSclienttest00000000000000000000001";
const SECRET: &str = "secret-of-the-client-test";
/// Wednesday 2026-03-04 09:00 KST, a KRX session open.
const KRX_OPEN: &str = "2026-03-04T00:00:00Z";

/// Paper rules (2 calls a second) unless a test changes them; no one-a-minute token rule.
fn config() -> SimConfig {
    let mut c =
        SimConfig { start: Some(KRX_OPEN.parse().unwrap()), symbols: 10, us_symbols: 3, ..SimConfig::default() };
    c.auth.token_min_interval_ms = 0;
    c
}

async fn start(c: SimConfig) -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    kis_sim::testing::start_open(c, kis_model::Market::Krx, Duration::from_secs(2)).await
}

fn rest(sim: &SimHandle, per_second: u32, timeout: Duration) -> RestClient {
    let endpoints = Endpoints::custom(Environment::Paper, &sim.rest_url(), &format!("{}/tryitout", sim.ws_url()));
    RestClient::new(endpoints, Credentials::new(KEY, SECRET), per_second, timeout)
}

fn first_krx(sim: &SimHandle) -> (KrxCode, i64) {
    let ex = kis_sim::exchange::lock(sim.state());
    let f = ex.feeds.iter().find(|f| matches!(f.symbol, Symbol::Krx(_))).unwrap();
    match f.symbol {
        Symbol::Krx(code) => (code, f.last),
        Symbol::Us(..) => unreachable!(),
    }
}

fn prev_close(sim: &SimHandle, code: KrxCode) -> i64 {
    kis_sim::exchange::lock(sim.state()).feed_of(&Symbol::Krx(code)).unwrap().prev_close
}

fn price_request(code: KrxCode) -> InquirePriceRequest {
    InquirePriceRequest { fid_cond_mrkt_div_code: "J".into(), fid_input_iscd: code.as_str().into() }
}

fn account() -> AccountNo {
    AccountNo::from_parts("50000000", "01").unwrap()
}

/// A limit buy 10% under the market (rests; never fills in a test's lifetime).
fn passive_buy(code: KrxCode, last: i64) -> OrderCash {
    let bid = floor_to_tick(u64::try_from(last).unwrap() * 90 / 100, InstrumentKind::Stock);
    OrderCash::new(
        &account(),
        Side::Buy,
        code,
        OrdDvsn::Limit,
        Qty::new(1),
        Some(Price::from_won(bid)),
        InstrumentKind::Stock,
    )
    .unwrap()
}

async fn bounded<F: std::future::Future<Output = ()>>(secs: u64, f: F) {
    actix_rt::time::timeout(Duration::from_secs(secs), f).await.expect("test exceeded its time limit");
}

#[actix_rt::test]
async fn token_quote_order_cancel_and_websocket() {
    bounded(30, async {
        let mut c = config();
        c.rest.paper_per_sec = 1_000;
        c.speed = 30;
        c.ws.ping_interval_ms = 200;
        c.ws.ping_timeout_ms = 400;
        let sim = start(c).await;
        let client = rest(&sim, 1_000, Duration::from_secs(5));
        let token = client.issue_token().await.unwrap();
        assert_eq!(token.token_type, "Bearer");
        assert!(token.expires_in > 80_000, "24 h: {}", token.expires_in);
        let token: Secret = token.access_token;

        let (code, last) = first_krx(&sim);
        let quote = client.call(&price_request(code), &token, Priority::Quote, None).await.unwrap();
        assert_eq!((quote.http_status, quote.reply.rt_cd.as_str()), (200, "0"));
        let out = &quote.reply.body.output;
        // The base price is fixed for the day; the last price moves with the tape.
        assert_eq!(out.stck_sdpr, prev_close(&sim, code).to_string());
        assert!(out.stck_prpr().unwrap().is_sign_positive() && !out.stck_prpr().unwrap().is_zero());

        // Place and cancel with the typed builders.
        let placed = client.call(&passive_buy(code, last), &token, Priority::Order, None).await.unwrap();
        assert_eq!(placed.reply.msg_cd, "APBK0013");
        let id = placed.reply.body.output.order_id().unwrap();
        let cancel = OrderRvsecnclBody::cancel_all(&account(), id, OrdDvsn::Limit);
        let cancelled = client.call(&cancel, &token, Priority::Order, None).await.unwrap();
        assert_eq!(cancelled.reply.msg_cd, "APBK0013");
        assert!(cancelled.reply.body.output.order_id().unwrap().order_no > id.order_no);
        // The same cancel again: KIS says there is nothing left to cancel (APBK0344), not retried.
        let again = client.call(&cancel, &token, Priority::Order, None).await.unwrap_err();
        match &again {
            ClientError::Api(e) => assert_eq!(e.msg_cd, "APBK0344", "{again}"),
            other => panic!("expected a KIS refusal: {other}"),
        }

        // WebSocket: approval key, subscribe, decode data frames, echo PINGPONG and stay connected.
        let approval = client.approval_key().await.unwrap().approval_key;
        let mut ws = WsConnection::connect(&client.endpoints().ws_url, Duration::from_secs(5)).await.unwrap();
        ws.send_text(&SubscribeRequest::register(approval.expose(), WsTrId::H0stcnt0, code.as_str()).to_json())
            .await
            .unwrap();
        let (mut acked, mut prints, mut pongs, mut last_cum) = (false, 0, 0, 0i64);
        let deadline = Instant::now() + Duration::from_secs(15);
        while (prints < 3 || pongs < 3 || !acked) && Instant::now() < deadline {
            let event = actix_rt::time::timeout(Duration::from_secs(5), ws.next_event()).await.unwrap().unwrap();
            let WsEvent::Text(text) = event else { panic!("closed: {event:?}") };
            match decode_message(&text).unwrap() {
                WsMessage::Data(frame) => {
                    assert_eq!(frame.tr_id(), "H0STCNT0");
                    for r in H0stcnt0::records(&frame).unwrap() {
                        let r = r.unwrap();
                        assert_eq!(r.code(), code.as_str());
                        assert!(r.price().unwrap() > 0 && r.volume().unwrap() > 0);
                        let cum = r.cum_volume().unwrap();
                        assert!(cum > last_cum, "cumulative volume grows");
                        last_cum = cum;
                        prints += 1;
                    }
                }
                WsMessage::Control(Control::PingPong { .. }) => {
                    ws.send_text(&text).await.unwrap();
                    pongs += 1;
                }
                WsMessage::Control(Control::Reply(reply)) => {
                    assert_eq!(reply.code, ControlCode::SubscribeSuccess, "{text}");
                    assert!(!acked, "one subscription, one acknowledgement");
                    acked = true;
                }
                WsMessage::Control(other) => panic!("unexpected control message: {other:?}"),
            }
        }
        assert!(acked && prints >= 3 && pongs >= 3, "acked {acked}, {prints} prints, {pongs} PINGPONGs");
        // Three PINGPONG rounds (600 ms) outlived the 400 ms answer deadline: every echo counted.
        assert_eq!(sim.stats().sessions_dropped, 0);
        ws.close().await;
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn a_burst_beyond_the_paper_budget_is_paced_not_refused() {
    bounded(30, async {
        let sim = start(config()).await;
        let client = rest(&sim, 2, Duration::from_secs(5));
        let token = client.issue_token().await.unwrap().access_token;
        let (code, _) = first_krx(&sim);
        // Let the token's send leave the window so the burst starts with a full budget.
        actix_rt::time::sleep(kis_client::rate_limit::WINDOW).await;
        let calls_before = sim.stats().rest_calls;
        let t0 = Instant::now();
        let request = price_request(code);
        let burst: Vec<_> = (0..7).map(|_| client.call(&request, &token, Priority::Quote, None)).collect();
        let results = futures_util::future::join_all(burst).await;
        let elapsed = t0.elapsed();
        for r in &results {
            assert!(r.as_ref().is_ok_and(|r| r.reply.rt_cd == "0"), "{:?}", r.as_ref().err());
        }
        // 2 per 1.02 s window: sends at 0, 0, 1.02, 1.02, 2.04, 2.04, 3.06 s at the earliest.
        assert!(elapsed >= Duration::from_millis(3_060), "7 calls at 2/s took only {elapsed:?}");
        let sent = sim.stats().rest_calls - calls_before;
        assert!((7..=9).contains(&sent), "{sent} requests reached the simulator for 7 calls");
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn injected_rate_limits_are_retried_transparently_up_to_the_limit() {
    bounded(30, async {
        let mut c = config();
        c.rest.paper_per_sec = 1_000;
        let sim = start(c).await;
        let client = rest(&sim, 20, Duration::from_secs(5));
        let token = client.issue_token().await.unwrap().access_token;
        let (code, last) = first_krx(&sim);

        // Three EGW00201 answers, then success: an order goes through (nothing was executed by a refusal).
        sim.inject(&Fault::RateLimitBurst { count: 3 });
        let before = sim.stats().rest_calls;
        let t0 = Instant::now();
        let placed = client.call(&passive_buy(code, last), &token, Priority::Order, None).await.unwrap();
        assert_eq!(placed.reply.msg_cd, "APBK0013");
        assert_eq!(sim.stats().rest_calls - before, 4, "three refusals and one success");
        // Each refusal makes the client wait out a whole window.
        assert!(t0.elapsed() >= kis_client::rate_limit::WINDOW * 3, "{:?}", t0.elapsed());

        // One more refusal than the client retries: the caller gets the classified error.
        let retries = kis_client::rest_client::RATE_LIMIT_RETRIES;
        sim.inject(&Fault::RateLimitBurst { count: retries + 1 });
        let before = sim.stats().rest_calls;
        let err = client.call(&price_request(code), &token, Priority::Quote, None).await.unwrap_err();
        assert_eq!(err.class(), Some(ErrorClass::RateLimited), "{err}");
        assert_eq!(sim.stats().rest_calls - before, u64::from(retries) + 1);
        // The budget is not stuck: the next call succeeds.
        client.call(&price_request(code), &token, Priority::Quote, None).await.unwrap();
        sim.stop().await.unwrap();
    })
    .await;
}

#[actix_rt::test]
async fn transport_failures_of_orders_are_uncertain_and_never_resent() {
    bounded(30, async {
        let mut c = config();
        c.rest.paper_per_sec = 1_000;
        let sim = start(c).await;
        let client = rest(&sim, 1_000, Duration::from_millis(400));
        let token = client.issue_token().await.unwrap().access_token;
        let (code, last) = first_krx(&sim);

        // The order reaches the simulator, whose answer comes after the client gave up: uncertain, one send.
        sim.inject(&Fault::SlowRest { ms: 1_000, count: 1 });
        let before = sim.stats().rest_calls;
        let err = client.call(&passive_buy(code, last), &token, Priority::Order, None).await.unwrap_err();
        assert!(matches!(err, ClientError::Transport { uncertain: true, .. }), "{err:?}");
        assert!(err.is_uncertain() && err.to_string().contains("may have been executed"), "{err}");
        assert_eq!(sim.stats().rest_calls - before, 1, "an order is never resent after a transport failure");

        // The same failure on a GET is retried once, and the retry succeeds.
        sim.inject(&Fault::SlowRest { ms: 1_000, count: 1 });
        let before = sim.stats().rest_calls;
        let quote = client.call(&price_request(code), &token, Priority::Quote, None).await.unwrap();
        assert_eq!(quote.reply.rt_cd, "0");
        assert_eq!(sim.stats().rest_calls - before, 2);

        // Nobody listening: the connection is refused before anything is sent, so even an order is certain.
        actix_rt::time::sleep(Duration::from_millis(700)).await;
        sim.stop().await.unwrap();
        let err = client.call(&passive_buy(code, last), &token, Priority::Order, None).await.unwrap_err();
        assert!(matches!(err, ClientError::Transport { uncertain: false, .. }), "{err:?}");
        // No secret in what a caller would log.
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(KEY) && !shown.contains(SECRET) && !shown.contains(token.expose()), "{shown}");
    })
    .await;
}

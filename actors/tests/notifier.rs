//! The notifier against a loopback Telegram stand-in that records every call.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::NaiveDate;
use kis_actors::notifier::{
    ChatId, Holding, NotifierConfig, NotifierHandle, NotifyEvent, RetryPolicy, TelegramConfig, format_event,
};
use kis_model::{Money, OrderNo, Price, Qty, Secret, Side, Symbol};

/// Distinctive so that any leak is found by a plain substring search.
const TOKEN: &str = "424242:LEAKCANARY-q7Zx_secret";
const TOKEN_SECRET_PART: &str = "LEAKCANARY-q7Zx_secret";
const CHAT: i64 = -1_001_234_567;

// ---------------------------------------------------------------- loopback server

#[derive(Clone, Copy)]
enum Mode {
    Ok,
    /// The first call gets 429 with `retry_after = 1`, later ones succeed.
    RateLimitFirst,
    /// Never answers.
    Hang,
    /// 400 chat not found.
    Reject,
}

struct Call {
    path: String,
    body: serde_json::Value,
    at: Instant,
}

struct ServerState {
    mode: Mode,
    calls: Mutex<Vec<Call>>,
    seen: AtomicUsize,
}

async fn send_message(req: HttpRequest, body: web::Bytes, state: web::Data<ServerState>) -> HttpResponse {
    let n = state.seen.fetch_add(1, Ordering::SeqCst);
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    state.calls.lock().unwrap().push(Call { path: req.path().to_string(), body, at: Instant::now() });
    match state.mode {
        Mode::Ok => HttpResponse::Ok().json(serde_json::json!({"ok": true, "result": {"message_id": n}})),
        Mode::RateLimitFirst if n == 0 => HttpResponse::TooManyRequests().json(serde_json::json!({
            "ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1}
        })),
        Mode::RateLimitFirst => HttpResponse::Ok().json(serde_json::json!({"ok": true, "result": {}})),
        Mode::Hang => {
            actix_rt::time::sleep(Duration::from_secs(60)).await;
            HttpResponse::Ok().finish()
        }
        Mode::Reject => HttpResponse::BadRequest().json(serde_json::json!({
            "ok": false, "error_code": 400, "description": "Bad Request: chat not found"
        })),
    }
}

struct Loopback {
    addr: SocketAddr,
    state: web::Data<ServerState>,
    handle: actix_web::dev::ServerHandle,
}

impl Loopback {
    fn start(mode: Mode) -> Loopback {
        let state = web::Data::new(ServerState { mode, calls: Mutex::new(Vec::new()), seen: AtomicUsize::new(0) });
        let data = state.clone();
        let server = HttpServer::new(move || {
            App::new().app_data(data.clone()).route("/{bot}/sendMessage", web::post().to(send_message))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Loopback { addr, state, handle }
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn calls(&self) -> std::sync::MutexGuard<'_, Vec<Call>> {
        self.state.calls.lock().unwrap()
    }

    async fn stop(self) {
        let _ = actix_rt::time::timeout(Duration::from_secs(2), self.handle.stop(false)).await;
    }
}

// ---------------------------------------------------------------- log capture

/// A minimal subscriber writing every event and span field into a shared buffer, one line per event.
#[derive(Clone, Default)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    next_span: Arc<AtomicUsize>,
}

struct LineWriter<'a>(&'a mut String);

impl tracing::field::Visit for LineWriter<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!(" {}={}", field.name(), value));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut LineWriter(&mut line));
        self.lines.lock().unwrap().push(line);
        tracing::span::Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed) as u64 + 1)
    }

    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = "record".to_string();
        values.record(&mut LineWriter(&mut line));
        self.lines.lock().unwrap().push(line);
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let meta = event.metadata();
        let mut line = format!("{} {}", meta.level(), meta.target());
        event.record(&mut LineWriter(&mut line));
        self.lines.lock().unwrap().push(line);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

impl Capture {
    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn count(&self, needle: &str) -> usize {
        self.lines.lock().unwrap().iter().filter(|l| l.contains(needle)).count()
    }

    fn count_all(&self, needles: &[&str]) -> usize {
        self.lines.lock().unwrap().iter().filter(|l| needles.iter().all(|n| l.contains(n))).count()
    }

    fn assert_no_token(&self) {
        let lines = self.lines();
        assert!(!lines.is_empty(), "nothing was logged, so the leak check would be vacuous");
        for line in &lines {
            assert!(!line.contains(TOKEN_SECRET_PART), "token leaked into a log line: {line}");
        }
    }
}

// ---------------------------------------------------------------- helpers

fn telegram(base: &str) -> TelegramConfig {
    TelegramConfig::new(base, Secret::new(TOKEN), ChatId::Id(CHAT)).unwrap()
}

async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
}

fn samsung() -> Symbol {
    Symbol::krx("005930").unwrap()
}

fn trading_day() -> Vec<NotifyEvent> {
    vec![
        NotifyEvent::Started {
            environment: kis_config::TradingEnvironment::Paper,
            holdings: vec![Holding {
                symbol: samsung(),
                qty: Qty::new(5),
                avg_price: Price::from_won(69_000),
                unrealized_pnl: Some(Money::krw(5_000)),
            }],
            cash: Money::krw(2_000_000),
        },
        NotifyEvent::Buy { symbol: samsung(), qty: Qty::new(10), price: Price::from_won(70_000), reason: "rsi".into() },
        NotifyEvent::FullyFilled {
            symbol: samsung(),
            side: Side::Buy,
            qty: Qty::new(10),
            avg_price: Price::from_won(70_000),
            order_no: Some(OrderNo::parse("42").unwrap()),
        },
        NotifyEvent::StopLoss {
            symbol: samsung(),
            qty: Qty::new(15),
            price: Price::from_won(67_000),
            pnl: Money::krw(-40_000),
            reason: "-3% stop".into(),
        },
        NotifyEvent::Error { context: "ws_feed".into(), message: "reconnecting".into() },
        NotifyEvent::Halt { reason: "daily loss limit".into() },
        NotifyEvent::DailySummary {
            date: NaiveDate::from_ymd_opt(2025, 3, 14).unwrap(),
            realized_pnl: Money::krw(-40_000),
            trades: 2,
            wins: 0,
            losses: 1,
            open_positions: 0,
            equity: Some(Money::krw(1_960_000)),
        },
    ]
}

fn burst_event(i: u64) -> NotifyEvent {
    NotifyEvent::Buy { symbol: samsung(), qty: Qty::new(i + 1), price: Price::from_won(70_000), reason: "burst".into() }
}

fn first_burst_event() -> NotifyEvent {
    burst_event(0)
}

// ---------------------------------------------------------------- tests

#[actix_rt::test]
async fn events_arrive_in_order_with_chat_id_and_text() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = Loopback::start(Mode::Ok);
    let notifier = NotifierHandle::start(NotifierConfig::new(16, Some(telegram(&server.base()))).unwrap());
    assert!(notifier.is_connected());

    let events = trading_day();
    let expected: Vec<String> = events.iter().map(format_event).collect();
    for event in events {
        notifier.notify(event);
    }
    wait_until("all messages", Duration::from_secs(5), || notifier.counts().delivered == 7).await;

    {
        let calls = server.calls();
        assert_eq!(calls.len(), 7);
        for (call, text) in calls.iter().zip(&expected) {
            assert_eq!(call.path, format!("/bot{TOKEN}/sendMessage"));
            assert_eq!(call.body["chat_id"], serde_json::json!(CHAT));
            assert_eq!(call.body["text"], serde_json::json!(text));
        }
    }
    let counts = notifier.counts();
    assert_eq!((counts.queued, counts.delivered, counts.failed, counts.dropped_full), (7, 7, 0, 0));
    // Every event is in the log too, alerts at warn.
    for text in &expected {
        assert_eq!(capture.count(text), 1, "event not logged exactly once: {text}");
    }
    assert_eq!(capture.count_all(&["WARN notifier", "event=stop_loss"]), 1);
    assert_eq!(capture.count_all(&["INFO notifier", "event=buy"]), 1);
    capture.assert_no_token();
    server.stop().await;
}

#[actix_rt::test]
async fn rate_limit_retry_after_is_honoured() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = Loopback::start(Mode::RateLimitFirst);
    let notifier = NotifierHandle::start(NotifierConfig::new(4, Some(telegram(&server.base()))).unwrap());

    notifier.notify(NotifyEvent::Halt { reason: "max restarts".into() });
    wait_until("delivery after 429", Duration::from_secs(5), || notifier.counts().delivered == 1).await;

    {
        let calls = server.calls();
        assert_eq!(calls.len(), 2);
        let gap = calls[1].at - calls[0].at;
        assert!(gap >= Duration::from_secs(1), "retried after {gap:?}, before retry_after = 1 s");
        assert!(gap < Duration::from_secs(3), "retry took {gap:?}");
        assert_eq!(calls[0].body, calls[1].body);
        assert_eq!(calls[1].body["text"], serde_json::json!("[중단 HALT] 거래 중단 trading halted: max restarts"));
    }
    assert_eq!(notifier.counts().failed, 0);
    assert_eq!(capture.count("rate limited, retry after 1 s"), 1);
    capture.assert_no_token();
    server.stop().await;
}

#[actix_rt::test]
async fn hanging_server_never_blocks_notify_and_overflow_is_counted() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = Loopback::start(Mode::Hang);
    let retry = RetryPolicy {
        max_attempts: 2,
        backoff_base: Duration::from_millis(50),
        backoff_cap: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
    };
    let config = telegram(&server.base()).with_request_timeout(Duration::from_millis(200)).with_retry(retry);
    let notifier = NotifierHandle::start(NotifierConfig::new(8, Some(config)).unwrap());

    let started = Instant::now();
    for i in 0..1_000u64 {
        notifier.notify(burst_event(i));
    }
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(100), "1,000 notifies took {elapsed:?}");

    let counts = notifier.counts();
    assert_eq!(counts.queued + counts.dropped_full, 1_000);
    // The mailbox holds its capacity plus one per sending handle.
    assert!((8..=9).contains(&counts.queued), "queued {}", counts.queued);
    assert_eq!(capture.count("notifier queue full"), 1, "one warning per burst, not per event");
    assert_eq!(capture.count_all(&["INFO notifier", "event=buy"]), 1_000, "every event is logged, dropped or not");

    // The first message is tried twice (200 ms timeout each, 50 ms apart) and then dropped and counted.
    wait_until("the first message to be given up", Duration::from_secs(3), || notifier.counts().failed >= 1).await;
    assert_eq!(notifier.counts().failed, 1);
    {
        let calls = server.calls();
        // Two attempts for the first message, perhaps the first attempt of the second one.
        assert!((2..=3).contains(&calls.len()), "{} calls", calls.len());
        assert_eq!(calls[0].body, calls[1].body);
        assert_eq!(calls[0].body["text"], serde_json::json!(format_event(&first_burst_event())));
        assert!(calls[1].at - calls[0].at >= Duration::from_millis(250), "timeout 200 ms + backoff 50 ms");
    }
    assert_eq!(capture.count_all(&["telegram message dropped", "attempts=2"]), 1);

    // Once the queue has room again the next event is accepted and the end of the burst is reported.
    notifier.notify(NotifyEvent::Halt { reason: "after burst".into() });
    assert_eq!(notifier.counts().queued, counts.queued + 1);
    assert_eq!(capture.count_all(&["notifier queue accepting again", &format!("dropped={}", counts.dropped_full)]), 1);
    capture.assert_no_token();
    server.stop().await;
}

#[actix_rt::test]
async fn transport_errors_are_retried_then_dropped() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    // A port that was just free: connections are refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let retry = RetryPolicy {
        max_attempts: 3,
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(1),
    };
    let config = telegram(&format!("http://{closed}")).with_retry(retry);
    let notifier = NotifierHandle::start(NotifierConfig::new(4, Some(config)).unwrap());

    let started = Instant::now();
    notifier.notify(NotifyEvent::Error { context: "risk".into(), message: "x".into() });
    wait_until("the message to be dropped", Duration::from_secs(3), || notifier.counts().failed == 1).await;
    assert!(started.elapsed() >= Duration::from_millis(60), "backoff 20 + 40 ms not waited");
    assert_eq!(capture.count("telegram send failed; retrying"), 2);
    assert_eq!(capture.count_all(&["telegram message dropped", "attempts=3"]), 1);
    assert_eq!(notifier.counts().delivered, 0);
    capture.assert_no_token();
}

#[actix_rt::test]
async fn rejected_messages_are_not_retried() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = Loopback::start(Mode::Reject);
    let notifier = NotifierHandle::start(NotifierConfig::new(4, Some(telegram(&server.base()))).unwrap());

    notifier.notify(NotifyEvent::Halt { reason: "x".into() });
    notifier.notify(NotifyEvent::Halt { reason: "y".into() });
    wait_until("both refusals", Duration::from_secs(3), || notifier.counts().failed == 2).await;
    assert_eq!(server.calls().len(), 2, "a 400 must not be retried");
    assert_eq!(capture.count("rejected with HTTP 400: Bad Request: chat not found"), 2);
    capture.assert_no_token();
    server.stop().await;
}

// ---------------------------------------------------------------- open-of-session message

/// Answers the announcer's account question as a RiskManager would: one US holding (and a KRX one, which the
/// US message must leave out), dollars ready.
struct FixedRisk;

impl actix::Actor for FixedRisk {
    type Context = actix::Context<Self>;
}

impl actix::Handler<kis_actors::risk_manager::GetRiskStatus> for FixedRisk {
    type Result = actix::MessageResult<kis_actors::risk_manager::GetRiskStatus>;

    fn handle(&mut self, _: kis_actors::risk_manager::GetRiskStatus, _: &mut Self::Context) -> Self::Result {
        use kis_actors::risk_manager::{MarketAccount, RiskStatus};
        use kis_strategy::risk::TradingState;
        let usd = Money::new(rust_decimal_macros::dec!(1234.5), kis_model::Currency::Usd);
        let account = MarketAccount {
            market: kis_model::Market::Us,
            ready: true,
            state: TradingState::Active,
            cash: usd,
            equity: usd,
            buying_power: None,
            day: Default::default(),
        };
        actix::MessageResult(RiskStatus {
            ready: true,
            state: TradingState::Active,
            halts: vec![],
            entries_blocked: false,
            cash: usd.amount,
            equity: usd.amount,
            accounts: vec![account],
            positions: vec![
                (apple(), Qty::new(3), Price::new(rust_decimal_macros::dec!(182.505)).unwrap()),
                (samsung(), Qty::new(10), Price::from_won(70_000)),
            ],
            working: 0,
            approved: 0,
            refused: Default::default(),
            exits: Default::default(),
            pending_exits: 0,
            exit_states: vec![],
            day: Default::default(),
        })
    }
}

fn apple() -> Symbol {
    Symbol::us(kis_model::UsExchange::Nasdaq, "AAPL").unwrap()
}

/// A venue clock a test moves by hand.
fn hand_clock(start: &str) -> (kis_actors::venue_clock::VenueClock, Arc<std::sync::atomic::AtomicI64>) {
    let at = chrono::DateTime::parse_from_rfc3339(start).unwrap().timestamp();
    let secs = Arc::new(std::sync::atomic::AtomicI64::new(at));
    let read = secs.clone();
    let clock = kis_actors::venue_clock::VenueClock::from_fn(move || {
        chrono::DateTime::from_timestamp(read.load(Ordering::SeqCst), 0).unwrap_or_default()
    });
    (clock, secs)
}

fn set_clock(secs: &std::sync::atomic::AtomicI64, at: &str) {
    secs.store(chrono::DateTime::parse_from_rfc3339(at).unwrap().timestamp(), Ordering::SeqCst);
}

fn announcer(
    clock: kis_actors::venue_clock::VenueClock,
    notifier: &NotifierHandle,
) -> actix::Addr<kis_actors::notifier::SessionAnnouncer> {
    use actix::Actor;
    use kis_actors::notifier::{SessionAnnouncer, SessionAnnouncerConfig};
    use kis_strategy::us_rsi_macd::UsRsiMacdConfig;
    let bot = UsRsiMacdConfig { id: "us-bot".into(), tickers: "NASDAQ:AAPL".into(), ..Default::default() };
    let config = SessionAnnouncerConfig {
        markets: vec![(kis_model::Market::Us, vec![kis_strategy::StrategyConfig::UsRsiMacd(bot)])],
        shutdown_at: Some(kis_strategy::KstTime::hm(6, 10)),
        check_every: Duration::from_millis(20),
        account_wait: Duration::from_millis(200),
    };
    let risk = kis_actors::slot::Slot::new();
    risk.set(FixedRisk.start().recipient());
    SessionAnnouncer::new(config, clock, risk, notifier.clone()).start()
}

fn texts(server: &Loopback) -> Vec<String> {
    server.calls().iter().map(|c| c.body["text"].as_str().unwrap_or_default().to_string()).collect()
}

#[actix_rt::test]
async fn the_nyse_open_sends_the_bot_settings_and_the_us_account_once() {
    let server = Loopback::start(Mode::Ok);
    let notifier = NotifierHandle::start(NotifierConfig::new(16, Some(telegram(&server.base()))).unwrap());

    // Before the open: nothing. Then the clock passes 09:30 New York: one message.
    let (clock, secs) = hand_clock("2026-03-04T14:29:58Z");
    let _a = announcer(clock, &notifier);
    actix_rt::time::sleep(Duration::from_millis(150)).await;
    assert!(texts(&server).is_empty(), "{:?}", texts(&server));
    set_clock(&secs, "2026-03-04T14:30:01Z");
    wait_until("the open message", Duration::from_secs(3), || !server.calls().is_empty()).await;
    let text = texts(&server).remove(0);
    assert!(
        text.starts_with("[장 시작 OPEN] NYSE 2026-03-04 09:30 EST\nus-bot: tickers NASDAQ:AAPL | RSI 14"),
        "{text}"
    );
    assert!(text.contains("| stop-loss 5% |") && text.contains("buy 30% of cash"), "{text}");
    assert!(text.contains("종료 shutdown: 06:10 KST"), "{text}");
    assert!(text.ends_with("보유 1종목 holdings: NASDAQ:AAPL 3주 @ 182.505 USD\n예수금 cash 1,234.5 USD"), "{text}");
    // Later in the session, and after the close: no second message.
    set_clock(&secs, "2026-03-04T16:00:00Z");
    actix_rt::time::sleep(Duration::from_millis(150)).await;
    set_clock(&secs, "2026-03-04T22:00:00Z");
    actix_rt::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(texts(&server).len(), 1, "{:?}", texts(&server));

    // A daemon started mid-session sends it at once.
    let (clock, _) = hand_clock("2026-03-05T17:00:00Z");
    let _b = announcer(clock, &notifier);
    wait_until("the mid-session message", Duration::from_secs(3), || server.calls().len() == 2).await;
    assert!(texts(&server)[1].starts_with("[장 시작 OPEN] NYSE 2026-03-05 09:30 EST"), "{:?}", texts(&server));

    // Thanksgiving: the clock passes 09:30 and nothing is sent; nor on the early-closed Friday after 13:00.
    let (clock, secs) = hand_clock("2026-11-26T14:00:00Z");
    let _c = announcer(clock, &notifier);
    set_clock(&secs, "2026-11-26T15:00:00Z");
    actix_rt::time::sleep(Duration::from_millis(150)).await;
    let (clock, _) = hand_clock("2026-11-27T19:00:00Z");
    let _d = announcer(clock, &notifier);
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(texts(&server).len(), 2, "{:?}", texts(&server));
    server.stop().await;
}

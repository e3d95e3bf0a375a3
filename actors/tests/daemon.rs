//! The whole daemon against the simulator over loopback, with the real awc client: the "must show" list of
//! issue #4. Each test starts its own simulator (OS-assigned ports) and daemon, is bounded by a timeout, and
//! checks at the end that none of its secrets (app key and secret, account, HTS ID, the access token and the
//! approval keys the daemon persisted) appears in any line logged by the test binary.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use kis_actors::daemon::{Daemon, DaemonSetup};
use kis_actors::supervisor::{ActorState, BackoffPolicy, SupervisorConfig};
use kis_actors::venue_clock::VenueClock;
use kis_auth::TokenPolicy;
use kis_client::{Credentials, Endpoints};
use kis_config::DaemonConfig;
use kis_model::tick_size::InstrumentKind;
use kis_model::{AccountNo, Environment, MarketEvent, Qty, Secret, Side, Symbol};
use kis_sim::{AccountConfig, Fault, SimConfig, SimHandle, Simulator};
use kis_strategy::risk::ExitRules;
use kis_strategy::{BuildError, Context, Signal, SignalKind, SignalQty, Strategy, StrategyFactory, StrategyId};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// Wednesday 2026-03-04 09:00 KST.
const KRX_OPEN: &str = "2026-03-04T00:00:00Z";

// ---------------------------------------------------------------------------------------------------------
// Log capture: one subscriber for the whole test binary, every line kept.

#[derive(Clone)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured(Arc::new(Mutex::new(Vec::new())));
        let writer = captured.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        captured
    })
}

fn log_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned()
}

/// Fails naming the line when any secret shows up anywhere in the captured logs.
fn assert_no_secret_logged(secrets: &[String]) {
    let text = log_text();
    assert!(!text.is_empty(), "nothing was logged: the capture is not working");
    for secret in secrets.iter().filter(|s| s.len() >= 6) {
        if let Some(line) = text.lines().find(|l| l.contains(secret.as_str())) {
            panic!("a secret was logged: {line}");
        }
    }
}

/// Every token and approval key the daemon persisted (they are secrets too).
fn persisted_secrets(state_dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(state_dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("tokens-") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        collect_strings(&json, &mut out, &["token", "key"]);
    }
    out
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>, fields: &[&str]) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match v {
                    serde_json::Value::String(s) if fields.contains(&k.as_str()) => out.push(s.clone()),
                    other => collect_strings(other, out, fields),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out, fields)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------------------
// Test strategies.

/// Buys once per symbol, at market with 5 % of the cash, on the first trade it sees while flat; the
/// RiskManager's exits close the position. Deterministic enough to prove the lifecycle on any market.
struct BuyOnce {
    id: StrategyId,
    symbol: Symbol,
    bought: bool,
    /// Shared by every instance: the test's view of how many events strategies saw.
    events: Arc<AtomicU64>,
    /// When set, the instance panics on its 20th event, once across all instances.
    panic_once: Option<Arc<AtomicBool>>,
    seen: u64,
    warmed: usize,
}

impl Strategy for BuyOnce {
    fn id(&self) -> &StrategyId {
        &self.id
    }

    fn symbol(&self) -> Symbol {
        self.symbol
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &Context, out: &mut Vec<Signal>) {
        self.events.fetch_add(1, Ordering::Relaxed);
        self.seen += 1;
        if let Some(flag) = &self.panic_once
            && self.seen == 20
            && !flag.swap(true, Ordering::SeqCst)
        {
            panic!("test strategy panics on purpose for {}", self.symbol);
        }
        let MarketEvent::Trade(_) = event else { return };
        if self.bought || ctx.position.is_some() || ctx.order_pending {
            return;
        }
        self.bought = true;
        out.push(Signal {
            symbol: self.symbol,
            side: Side::Buy,
            kind: SignalKind::Entry,
            quantity: SignalQty::CashFraction(dec!(0.05)),
            limit: None,
            stop: None,
            strategy_id: self.id.clone(),
            reason: "test: buy once".into(),
        });
    }

    fn warm_up(&mut self, bars: &[kis_model::Bar]) {
        self.warmed = bars.len();
    }

    fn rejected_events(&self) -> u64 {
        0
    }
}

struct BuyOnceFactory {
    events: Arc<AtomicU64>,
    panic_once: Option<Arc<AtomicBool>>,
    /// Only these symbols trade (none: all).
    only: Option<Vec<Symbol>>,
}

impl StrategyFactory for BuyOnceFactory {
    fn build(&self, symbol: Symbol, _: InstrumentKind) -> Result<Box<dyn Strategy>, BuildError> {
        if self.only.as_ref().is_some_and(|o| !o.contains(&symbol)) {
            return Err(BuildError::NotInTickerList(symbol));
        }
        Ok(Box::new(BuyOnce {
            id: StrategyId::new("buy-once"),
            symbol,
            bought: false,
            events: self.events.clone(),
            panic_once: self.panic_once.clone(),
            seen: 0,
            warmed: 0,
        }))
    }
}

// ---------------------------------------------------------------------------------------------------------
// Harness.

struct Keys {
    creds: Vec<Credentials>,
    account: AccountNo,
    hts_id: Secret,
}

impl Keys {
    /// Distinct per test so a leak is attributed to the test that made it.
    fn new(tag: &str) -> Keys {
        let creds = (0..2)
            .map(|i| {
                Credentials::new(format!("PSdaemontest{tag:0>8}{i:014}"), format!("daemon-secret-{tag}-{i}-xyzzy"))
            })
            .collect();
        let digits = 73_000_000 + tag.bytes().map(u64::from).sum::<u64>() % 1_000_000;
        let account = AccountNo::from_parts(&format!("{digits:08}"), "01").unwrap();
        Keys { creds, account, hts_id: Secret::new(format!("hts{tag}zq")) }
    }

    fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .creds
            .iter()
            .flat_map(|c| [c.app_key.expose().to_string(), c.app_secret.expose().to_string()])
            .collect();
        out.push(self.account.cano().to_string());
        out.push(self.hts_id.expose().to_string());
        out
    }
}

async fn start_sim(keys: &Keys, tweak: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    logs();
    let mut c = SimConfig {
        env: Environment::Real,
        start: Some(KRX_OPEN.parse().unwrap()),
        symbols: 30,
        us_symbols: 0,
        speed: 60,
        seed: 11,
        open_accounts: false,
        ..SimConfig::default()
    };
    c.auth.token_min_interval_ms = 1_000;
    c.rest.real_per_sec = 200;
    c.ws.ping_interval_ms = 300;
    for (i, key) in keys.creds.iter().enumerate() {
        c.accounts.push(AccountConfig {
            appkey: key.app_key.clone(),
            appsecret: key.app_secret.clone(),
            cano: if i == 0 { keys.account.cano().to_string() } else { format!("{:08}", 60_000_000 + i) },
            acnt_prdt_cd: "01".into(),
            hts_id: if i == 0 { keys.hts_id.expose().to_string() } else { String::new() },
            cash_krw: None,
            cash_usd: None,
        });
    }
    tweak(&mut c);
    let sim = Simulator::start(c).await.unwrap();
    for _ in 0..300 {
        if kis_sim::exchange::lock(sim.state()).open[0] {
            return sim;
        }
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the KRX session did not open");
}

fn sim_clock(sim: &SimHandle) -> VenueClock {
    let shared = sim.state().clone();
    let speed = f64::from(kis_sim::exchange::lock(&shared).clock.speed());
    VenueClock::from_fn(move || {
        let ex = kis_sim::exchange::lock(&shared);
        ex.clock.virtual_at(ex.started.elapsed())
    })
    .with_speed(speed)
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kis-daemon-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn test_config() -> DaemonConfig {
    let mut config = DaemonConfig::default();
    config.sim.emulate = Environment::Real;
    config.screener.poll_interval_secs = 1;
    config.screener.watchlist_max = 4;
    config.screener.min_volume = 1_000;
    config.screener.min_range_pct = Decimal::ZERO;
    config.screener.max_spread_pct = dec!(5);
    config.screener.min_market_cap_krw = Decimal::ZERO;
    // Two real seconds of holding at speed 60; no trailing stop, so the exit is the clock's or the price's.
    config.exits = ExitRules {
        stop_loss_pct: Some(dec!(0.8)),
        take_profit_pct: Some(dec!(1.2)),
        trailing_stop: None,
        max_holding_secs: Some(120),
    };
    // The production rule finds the stall: data stopped after flowing (PINGPONG alone would take 150 s).
    config.feed.data_silence_timeout_ms = 1_000;
    config.router.poll_interval_secs = 1;
    config.daemon.signal_threads = 1;
    config
}

fn setup(
    sim: &SimHandle,
    keys: &Keys,
    dir: &Path,
    strategy: Arc<dyn StrategyFactory>,
    config: DaemonConfig,
) -> DaemonSetup {
    DaemonSetup {
        config,
        endpoints: Endpoints::custom(Environment::Real, &sim.rest_url(), &sim.ws_url()),
        keys: keys.creds.clone(),
        account: keys.account.clone(),
        hts_id: Some(keys.hts_id.clone()),
        clock: sim_clock(sim),
        strategy: Some(strategy),
        supervisor: SupervisorConfig {
            check_interval: Duration::from_millis(100),
            report_interval: Duration::from_secs(2),
            stuck_after: Duration::from_secs(5),
            backoff: BackoffPolicy {
                initial: Duration::from_millis(100),
                max: Duration::from_secs(1),
                jitter: 0.1,
                stable_after: Duration::from_secs(30),
                max_restarts: 5,
                window: Duration::from_secs(60),
                max_resets: 0,
            },
            seed: 3,
        },
        state_dir: dir.to_path_buf(),
        http_timeout: Duration::from_secs(5),
        token_policy: TokenPolicy { min_issue_interval: chrono::TimeDelta::seconds(1), ..TokenPolicy::default() },
    }
}

async fn wait_for<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    let text = log_text();
    let tail: Vec<&str> = text.lines().filter(|l| !l.contains(" restarts=")).rev().take(60).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    panic!("timed out after {limit:?} waiting for {what}; last log lines:\n{}", tail.join("\n"));
}

/// The simulator's orders of account 0 (the trading account).
fn sim_orders(sim: &SimHandle) -> Vec<kis_engine::Order> {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.accounts.first().map(|a| a.engine.orders().to_vec()).unwrap_or_default()
}

fn journal_lines(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("journal.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Registrations at the simulator, per WebSocket session.
fn sim_registrations(sim: &SimHandle) -> Vec<Vec<(String, String)>> {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.ws.ids().iter().filter_map(|&id| ex.ws.session(id).map(|s| s.regs.clone())).collect()
}

/// Stops new orders and lets any send in flight finish, so journal and broker can be compared exactly.
async fn settle(daemon: &Daemon) {
    daemon.halt("test: compare journal and broker");
    actix_rt::time::sleep(Duration::from_millis(500)).await;
    wait_for("no order in flight", Duration::from_secs(5), || async { daemon.open_orders().await.is_empty() }).await;
}

fn buy_once(events: &Arc<AtomicU64>) -> Arc<dyn StrategyFactory> {
    Arc::new(BuyOnceFactory { events: events.clone(), panic_once: None, only: None })
}

// ---------------------------------------------------------------------------------------------------------

/// tick → signal → risk approval → order → encrypted fill notice → position → exit, end to end.
#[actix_rt::test]
async fn a_full_lifecycle_from_tick_to_exit() {
    let keys = Keys::new("life");
    let dir = TempDir::new("life");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim(&keys, |_| {}).await;
        let events = Arc::new(AtomicU64::new(0));
        let daemon = Daemon::start(setup(&sim, &keys, &dir.0, buy_once(&events), test_config())).unwrap();

        // A buy goes out, fills, and the position closes again through an exit rule.
        wait_for("a closed round trip", Duration::from_secs(30), || async {
            daemon.risk_status().await.is_some_and(|r| r.day.trades >= 1)
        })
        .await;
        let risk = daemon.risk_status().await.unwrap();
        assert!(risk.approved >= 2, "a buy and a sell were approved: {risk:?}");
        assert!(!risk.exits.is_empty(), "the round trip was closed by an exit rule: {risk:?}");
        assert!(events.load(Ordering::Relaxed) > 0);

        // The fills reached the router through the decrypted WebSocket notice, not a REST catch-up.
        let journal = journal_lines(&dir.0);
        let notice_fills = journal
            .iter()
            .filter(|e| e["event"] == "fill" && e["fill_id"].as_str().is_some_and(|f| f.starts_with("n:")))
            .count();
        assert!(notice_fills >= 2, "fills journaled from notices (buy and sell): {journal:#?}");
        let feed = daemon.feed_status().await.unwrap();
        assert!(feed.notices >= 2, "{feed:?}");

        // Every order the daemon journaled is exactly one order at the broker, and they agree on fills.
        settle(&daemon).await;
        let journal = journal_lines(&dir.0);
        let orders = sim_orders(&sim);
        let sent = journal.iter().filter(|e| e["event"] == "sent").count();
        assert_eq!(orders.len(), sent, "one broker order per journaled send");
        let first_sell = orders.iter().find(|o| o.side == Side::Sell).expect("an exit order");
        let bought = orders.iter().find(|o| o.side == Side::Buy && o.symbol == first_sell.symbol).unwrap();
        assert_eq!(first_sell.filled, bought.filled, "the exit sold exactly what was bought");
        assert!(first_sell.filled > Qty::ZERO);

        // Health: every actor of the tree reported and none restarted.
        let health = daemon.health().await;
        for name in ["token_manager", "market_cache", "order_router", "risk_manager", "ws_feed", "screener"] {
            let (_, h) = health.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} not supervised"));
            assert_eq!((h.state, h.restarts), (ActorState::Running, 0), "{name}");
        }
        assert!(health.iter().any(|(n, _)| n.starts_with("signal:")), "{health:?}");

        let report = daemon.shutdown(true).await;
        assert_eq!(report.left_open, 0);
        sim.stop().await.unwrap();
    })
    .await
    .expect("lifecycle test timed out");
    let mut secrets = keys.secrets();
    secrets.extend(persisted_secrets(&dir.0));
    assert!(secrets.len() > keys.secrets().len(), "the token and approval keys were persisted and are checked");
    assert_no_secret_logged(&secrets);
}

/// A dropped and a stalled WebSocket: reconnected and resubscribed within 2 s, no duplicate registration.
#[actix_rt::test]
async fn the_feed_recovers_from_a_drop_and_a_stall_within_two_seconds() {
    let keys = Keys::new("feed");
    let dir = TempDir::new("feed");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim(&keys, |_| {}).await;
        let events = Arc::new(AtomicU64::new(0));
        // No trading here: the feed is the subject.
        let strategy = Arc::new(BuyOnceFactory { events: events.clone(), panic_once: None, only: Some(Vec::new()) });
        let daemon = Daemon::start(setup(&sim, &keys, &dir.0, strategy, test_config())).unwrap();
        wait_for("symbols subscribed", Duration::from_secs(20), || async {
            daemon.feed_status().await.is_some_and(|f| f.symbols >= 2 && f.registrations >= 3)
        })
        .await;
        let before: usize = sim_registrations(&sim).iter().map(Vec::len).sum();
        let status = daemon.feed_status().await.unwrap();

        for fault in [Fault::DropWs, Fault::StallWs { ms: 3_000 }] {
            let reconnects = daemon.feed_status().await.unwrap().reconnects;
            let frames = daemon.feed_status().await.unwrap().frames;
            let t0 = Instant::now();
            sim.inject(&fault);
            // Watchdog (1 s data silence) + reconnect + resubscribe, all inside 2 s of the fault.
            wait_for("reconnected and resubscribed", Duration::from_millis(2_000), || async {
                let f = daemon.feed_status().await.unwrap_or_default();
                let regs: Vec<_> = sim_registrations(&sim);
                f.reconnects > reconnects && regs.iter().map(Vec::len).sum::<usize>() >= before
            })
            .await;
            let took = t0.elapsed();
            let regs = sim_registrations(&sim);
            for session in &regs {
                let mut unique = session.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), session.len(), "duplicate registration after {fault:?}: {session:?}");
            }
            assert_eq!(regs.iter().map(Vec::len).sum::<usize>(), before, "same registrations after {fault:?}");
            wait_for("data flowing again", Duration::from_secs(3), || async {
                daemon.feed_status().await.is_some_and(|f| f.frames > frames)
            })
            .await;
            eprintln!("{fault:?}: reconnected and resubscribed in {} ms", took.as_millis());
        }
        let after = daemon.feed_status().await.unwrap();
        assert_eq!(after.symbols, status.symbols, "{after:?}");
        // The supervisor never had to restart the feed: the sessions recovered inside it.
        let health = daemon.health().await;
        let feed = health.iter().find(|(n, _)| n == "ws_feed").unwrap();
        assert_eq!(feed.1.restarts, 0);
        daemon.shutdown(false).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("feed recovery test timed out");
    assert_no_secret_logged(&keys.secrets());
}

/// A SignalActor whose strategy panics is restarted alone, warmed up from the market cache.
#[actix_rt::test]
async fn a_panicking_signal_actor_is_restarted_alone() {
    let keys = Keys::new("panic");
    let dir = TempDir::new("panic");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim(&keys, |_| {}).await;
        let events = Arc::new(AtomicU64::new(0));
        let panicked = Arc::new(AtomicBool::new(false));
        // Nothing trades; one instance panics on its 20th event.
        let strategy =
            Arc::new(BuyOnceFactory { events: events.clone(), panic_once: Some(panicked.clone()), only: None });
        let mut config = test_config();
        config.risk.order_rate.max_per_minute = 1;
        let daemon = Daemon::start(setup(&sim, &keys, &dir.0, strategy, config)).unwrap();
        wait_for("the panic and its restart", Duration::from_secs(30), || async {
            panicked.load(Ordering::SeqCst)
                && daemon
                    .health()
                    .await
                    .iter()
                    .any(|(n, h)| n.starts_with("signal:") && h.restarts == 1 && h.state == ActorState::Running)
        })
        .await;
        let health = daemon.health().await;
        let restarted: Vec<_> = health.iter().filter(|(_, h)| h.restarts > 0).map(|(n, _)| n.clone()).collect();
        assert_eq!(restarted.len(), 1, "only the panicking actor restarted: {health:?}");
        assert!(restarted[0].starts_with("signal:"));
        // The other symbols' actors and the rest of the tree kept running throughout.
        assert!(health.iter().all(|(_, h)| h.state == ActorState::Running), "{health:?}");
        let before = events.load(Ordering::Relaxed);
        wait_for("events after the restart", Duration::from_secs(5), || async {
            events.load(Ordering::Relaxed) > before + 10
        })
        .await;
        assert!(log_text().contains(&format!("actor={} state=running", restarted[0])));
        daemon.shutdown(false).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("panic test timed out");
    assert_no_secret_logged(&keys.secrets());
}

/// A restarted daemon reuses the persisted token (no new issue); a daemon killed between journaling an order
/// and sending it does not send it on restart; nothing is ever sent twice.
#[actix_rt::test]
async fn a_restart_reuses_the_token_and_never_sends_an_order_twice() {
    let keys = Keys::new("restart");
    let dir = TempDir::new("restart");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim(&keys, |_| {}).await;
        let idle = || {
            Arc::new(BuyOnceFactory { events: Arc::new(AtomicU64::new(0)), panic_once: None, only: Some(Vec::new()) })
        };

        // First run: a token is issued and persisted.
        let first = Daemon::start(setup(&sim, &keys, &dir.0, idle(), test_config())).unwrap();
        wait_for("token ready", Duration::from_secs(10), || async {
            first.token_status().await.is_some_and(|t| t.ready)
        })
        .await;
        assert_eq!(first.token_status().await.unwrap().stats.issue_attempts, 1);
        first.shutdown(false).await;

        // The process "dies" right after journaling two intents: one whose send had started and reached the
        // broker (we place it at the broker by hand, as the dying process did), one whose send never started.
        let symbol: Symbol = {
            let ex = kis_sim::exchange::lock(sim.state());
            ex.feeds.iter().map(|f| f.symbol).find(|s| matches!(s, Symbol::Krx(_))).unwrap()
        };
        // One token issue a second in this simulator: let the daemon's issue age first. Within its reuse
        // window the simulator hands out the very token the daemon persisted, so the daemon's copy stays valid.
        actix_rt::time::sleep(Duration::from_millis(1_100)).await;
        // Stamped just before the send, as the dying process did (venue time runs 60× here: the broker's order
        // time must fall inside the intent's send window).
        let now = sim_clock(&sim).now();
        let intent = |id: u64, qty: u64| {
            serde_json::json!({"ts": now, "id": id, "event": "intent", "symbol": symbol.to_string(), "side": "buy",
                "kind": {"krx": "01"}, "qty": qty, "price": null, "strategy": "buy-once", "origin": "daemon"})
        };
        let lines = [intent(1, 3), serde_json::json!({"ts": now, "id": 1, "event": "sent"}), intent(2, 4)];
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        // The journal of the first run is empty of orders; append the crash's lines.
        let mut existing = std::fs::read_to_string(dir.0.join("journal.jsonl")).unwrap_or_default();
        existing.push_str(&text);
        std::fs::write(dir.0.join("journal.jsonl"), existing).unwrap();
        place_market_buy(&sim, &keys, symbol, 3).await;
        assert_eq!(sim_orders(&sim).len(), 1);

        // Second run on the same state directory; no exit rules, so the adopted holding stays to be looked at.
        let mut config = test_config();
        config.exits = ExitRules::NONE;
        let second = Daemon::start(setup(&sim, &keys, &dir.0, idle(), config)).unwrap();
        wait_for("token ready and orders reconciled", Duration::from_secs(15), || async {
            let token = second.token_status().await.is_some_and(|t| t.ready);
            let journal = journal_lines(&dir.0);
            let done_2 = journal.iter().any(|e| e["id"] == 2 && e["event"] == "done");
            let acked_1 = journal.iter().any(|e| e["id"] == 1 && e["event"] == "acked");
            token && done_2 && acked_1
        })
        .await;
        assert_eq!(second.token_status().await.unwrap().stats.issue_attempts, 0, "the persisted token was reused");
        // Give the router a moment in which it could (wrongly) send something.
        actix_rt::time::sleep(Duration::from_millis(1_500)).await;
        let orders = sim_orders(&sim);
        assert_eq!(orders.len(), 1, "nothing was sent again: {orders:?}");
        let journal = journal_lines(&dir.0);
        assert!(journal.iter().all(|e| e["event"] != "sent" || e["id"] == 1), "no new send: {journal:#?}");
        assert!(journal.iter().any(|e| e["id"] == 2 && e["reason"] == "never_sent"), "{journal:#?}");
        // The filled order of the earlier run is in the account the RiskManager reads, once.
        wait_for("the position of the earlier run", Duration::from_secs(5), || async {
            second
                .risk_status()
                .await
                .is_some_and(|r| r.positions.iter().any(|(s, q, _)| *s == symbol && *q == Qty::new(3)))
        })
        .await;
        second.shutdown(false).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("restart test timed out");
    let mut secrets = keys.secrets();
    secrets.extend(persisted_secrets(&dir.0));
    assert_no_secret_logged(&secrets);
}

/// What the dying process had sent: a market buy placed with the trading key, outside the daemon.
async fn place_market_buy(sim: &SimHandle, keys: &Keys, symbol: Symbol, qty: u64) {
    use kis_protocol::rest::domestic_order::OrderCash;
    let client = kis_client::RestClient::new(
        Endpoints::custom(Environment::Real, &sim.rest_url(), &sim.ws_url()),
        keys.creds[0].clone(),
        100,
        Duration::from_secs(5),
    );
    let token = client.issue_token().await.map(|t| t.access_token);
    let token = token.unwrap_or_else(|e| panic!("token for the manual order: {e}"));
    let Symbol::Krx(code) = symbol else { panic!("KRX symbol expected") };
    let order = OrderCash::new(
        &keys.account,
        Side::Buy,
        code,
        kis_model::OrdDvsn::Market,
        Qty::new(qty),
        None,
        InstrumentKind::Stock,
    )
    .unwrap();
    client.call(&order, &token, kis_client::Priority::Order, None).await.unwrap();
}

/// `EGW00201` bursts and a token revoked mid-run (`EGW00121`/`EGW00123`) are absorbed: trading goes on,
/// nothing is escalated, every order is at the broker once.
#[actix_rt::test]
async fn rate_limit_bursts_and_revoked_tokens_are_absorbed() {
    let keys = Keys::new("faults");
    let dir = TempDir::new("faults");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim(&keys, |_| {}).await;
        let events = Arc::new(AtomicU64::new(0));
        let daemon = Daemon::start(setup(&sim, &keys, &dir.0, buy_once(&events), test_config())).unwrap();
        wait_for("risk manager ready", Duration::from_secs(10), || async {
            daemon.risk_status().await.is_some_and(|r| r.ready)
        })
        .await;
        sim.inject(&Fault::RateLimitBurst { count: 8 });
        sim.inject(&Fault::RevokeTokens);
        wait_for("two closed round trips after the faults", Duration::from_secs(30), || async {
            daemon.risk_status().await.is_some_and(|r| r.day.trades >= 2)
        })
        .await;
        sim.inject(&Fault::RateLimitBurst { count: 8 });
        let trades = daemon.risk_status().await.unwrap().day.trades;
        wait_for("another round trip after the second burst", Duration::from_secs(20), || async {
            daemon.risk_status().await.is_some_and(|r| r.day.trades > trades)
        })
        .await;
        let token = daemon.token_status().await.unwrap();
        assert!(token.stats.issue_attempts >= 2, "a new token after the revocation: {token:?}");
        settle(&daemon).await;
        let journal = journal_lines(&dir.0);
        let sent = journal.iter().filter(|e| e["event"] == "sent").count();
        assert_eq!(sim_orders(&sim).len(), sent, "every order once at the broker");
        assert!(!journal.iter().any(|e| e["event"] == "uncertain"), "{journal:#?}");
        let health = daemon.health().await;
        assert!(health.iter().all(|(_, h)| h.state == ActorState::Running && h.restarts == 0), "{health:?}");
        assert!(!log_text().lines().any(|l| l.contains("escalated")), "nothing was escalated");
        daemon.shutdown(false).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("fault test timed out");
    let mut secrets = keys.secrets();
    secrets.extend(persisted_secrets(&dir.0));
    assert_no_secret_logged(&secrets);
}

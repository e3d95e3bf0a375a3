//! The harness of the whole-daemon tests (`daemon.rs`, `risk_states.rs`): a simulator per test on
//! OS-assigned ports, the daemon against it over loopback with the real awc client, log capture for the
//! secret checks, and small strategies that trade in a known way; [`router`] holds the OrderRouter tests'
//! harness (`order_router_*.rs`).
#![allow(dead_code)]

pub mod router;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use kis_actors::daemon::{Daemon, DaemonSetup};
use kis_actors::supervisor::{BackoffPolicy, SupervisorConfig};
use kis_actors::venue_clock::VenueClock;
use kis_auth::TokenPolicy;
use kis_client::{Credentials, Endpoints};
use kis_config::DaemonConfig;
use kis_model::tick_size::InstrumentKind;
use kis_model::{AccountNo, Environment, MarketEvent, Qty, Secret, Side, Symbol};
use kis_sim::{AccountConfig, SimConfig, SimHandle, Simulator};
use kis_strategy::risk::ExitRules;
use kis_strategy::{BuildError, Context, Signal, SignalKind, SignalQty, Strategy, StrategyFactory, StrategyId};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// Wednesday 2026-03-04 09:00 KST.
pub const KRX_OPEN: &str = "2026-03-04T00:00:00Z";

// ---------------------------------------------------------------------------------------------------------
// Log capture: one subscriber for the whole test binary, every line kept.

#[derive(Clone)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn logs() -> &'static Captured {
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

pub fn log_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned()
}

/// Fails naming the line when any secret shows up anywhere in the captured logs.
pub fn assert_no_secret_logged(secrets: &[String]) {
    let text = log_text();
    assert!(!text.is_empty(), "nothing was logged: the capture is not working");
    for secret in secrets.iter().filter(|s| s.len() >= 6) {
        if let Some(line) = text.lines().find(|l| l.contains(secret.as_str())) {
            panic!("a secret was logged: {line}");
        }
    }
}

/// Every token and approval key the daemon persisted (they are secrets too).
pub fn persisted_secrets(state_dir: &Path) -> Vec<String> {
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

pub fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>, fields: &[&str]) {
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
pub struct BuyOnce {
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
            order_type: kis_strategy::OrderType::Limit,
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

pub struct BuyOnceFactory {
    pub events: Arc<AtomicU64>,
    pub panic_once: Option<Arc<AtomicBool>>,
    /// Only these symbols trade (none: all).
    pub only: Option<Vec<Symbol>>,
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

pub struct Keys {
    pub creds: Vec<Credentials>,
    pub account: AccountNo,
    pub hts_id: Secret,
}

impl Keys {
    /// Distinct per test so a leak is attributed to the test that made it.
    pub fn new(tag: &str) -> Keys {
        let creds = (0..2)
            .map(|i| {
                Credentials::new(format!("PSdaemontest{tag:0>8}{i:014}"), format!("daemon-secret-{tag}-{i}-xyzzy"))
            })
            .collect();
        let digits = 73_000_000 + tag.bytes().map(u64::from).sum::<u64>() % 1_000_000;
        let account = AccountNo::from_parts(&format!("{digits:08}"), "01").unwrap();
        Keys { creds, account, hts_id: Secret::new(format!("hts{tag}zq")) }
    }

    pub fn secrets(&self) -> Vec<String> {
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

pub async fn start_sim(keys: &Keys, tweak: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let sim = start_sim_at(keys, tweak).await;
    assert!(sim.wait_open(kis_model::Market::Krx, Duration::from_secs(3)).await, "the KRX session did not open");
    sim
}

/// The simulator with the test accounts, not waiting for any session.
pub async fn start_sim_at(keys: &Keys, tweak: impl FnOnce(&mut SimConfig)) -> SimHandle {
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
    Simulator::start(c).await.unwrap()
}

pub fn sim_clock(sim: &SimHandle) -> VenueClock {
    let shared = sim.state().clone();
    let speed = f64::from(sim.clock().speed());
    VenueClock::from_fn(move || kis_sim::exchange::lock(&shared).virtual_now()).with_speed(speed)
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
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

pub fn test_config() -> DaemonConfig {
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

pub fn setup(
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

pub async fn wait_for<F, Fut>(what: &str, limit: Duration, mut check: F)
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
pub fn sim_orders(sim: &SimHandle) -> Vec<kis_engine::Order> {
    sim.orders_of(0)
}

pub fn journal_lines(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("journal.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Registrations at the simulator, per WebSocket session.
pub fn sim_registrations(sim: &SimHandle) -> Vec<Vec<(String, String)>> {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.ws.ids().iter().filter_map(|&id| ex.ws.session(id).map(|s| s.regs.clone())).collect()
}

/// Stops new orders and lets every order in flight finish, so journal and broker can be compared exactly.
/// Protective exits still go out while halted: wait for the positions they close to be gone as well.
pub async fn settle(daemon: &Daemon) {
    daemon.halt("test: compare journal and broker");
    actix_rt::time::sleep(Duration::from_millis(500)).await;
    wait_for("no position and no order in flight", Duration::from_secs(15), || async {
        daemon.open_orders().await.is_empty()
            && daemon.risk_status().await.is_some_and(|r| r.positions.is_empty() && r.working == 0)
    })
    .await;
}

pub fn buy_once(events: &Arc<AtomicU64>) -> Arc<dyn StrategyFactory> {
    Arc::new(BuyOnceFactory { events: events.clone(), panic_once: None, only: None })
}

/// A client on the trading key with a fresh token, for orders a test places as a dying process had.
pub async fn trading_client(sim: &SimHandle, keys: &Keys) -> (kis_client::RestClient, Secret) {
    let client = kis_client::RestClient::new(
        Endpoints::custom(Environment::Real, &sim.rest_url(), &sim.ws_url()),
        keys.creds[0].clone(),
        100,
        Duration::from_secs(5),
    );
    let token = client.issue_token().await.map(|t| t.access_token);
    let token = token.unwrap_or_else(|e| panic!("token for the manual order: {e}"));
    (client, token)
}

/// What the dying process had sent: a market buy placed with the trading key, outside the daemon.
pub async fn place_market_buy(sim: &SimHandle, keys: &Keys, symbol: Symbol, qty: u64) {
    use kis_protocol::rest::domestic_order::OrderCash;
    let (client, token) = trading_client(sim, keys).await;
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

// ---------------------------------------------------------------------------------------------------------
// Strategies as configured.

/// Wednesday 2026-03-04 09:30 New York (EST): the NYSE opens.
pub const NYSE_OPEN: &str = "2026-03-04T14:30:00Z";

/// The simulator on `env`'s TR ids started at the NYSE open (10 KRX and 4 US listings), once the US session
/// is open.
pub async fn start_us_sim(keys: &Keys, env: Environment) -> kis_sim::SimHandle {
    let sim = start_sim_at(keys, |c| {
        c.env = env;
        c.start = Some(NYSE_OPEN.parse().unwrap());
        c.symbols = 10;
        c.us_symbols = 4;
    })
    .await;
    assert!(sim.wait_open(kis_model::Market::Us, Duration::from_secs(3)).await, "the US session did not open");
    sim
}

/// The US symbols the simulator lists, sorted.
pub fn sim_us_symbols(sim: &SimHandle) -> Vec<Symbol> {
    let ex = kis_sim::exchange::lock(sim.state());
    let mut out: Vec<Symbol> =
        ex.feeds.iter().map(|f| f.symbol).filter(|s| s.market() == kis_model::Market::Us).collect();
    out.sort();
    out.dedup();
    out
}

/// The user's US bot with its thresholds opened so that it trades within seconds on one-minute candles: buy
/// 30 % of the cash when RSI ≤ 70, sell 30 % when RSI ≥ 71 after a golden cross, stop-loss at 0.3 %.
pub fn fast_us_bot(tickers: &[Symbol]) -> kis_strategy::us_rsi_macd::UsRsiMacdConfig {
    kis_strategy::us_rsi_macd::UsRsiMacdConfig {
        id: "us-bot".into(),
        tickers: tickers.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(","),
        rsi_interval: kis_strategy::BarInterval::Min1,
        rsi_period: 3,
        oversold: 70.0,
        overbought: 71.0,
        macd_fast: 2,
        macd_slow: 4,
        macd_signal: 2,
        buy_delay_secs: 60,
        sell_delay_secs: 60,
        stop_loss_pct: dec!(0.3),
        ..Default::default()
    }
}

/// The KRX scalper exactly as `config/both-markets.toml` ships it.
pub fn shipped_scalper() -> kis_strategy::StrategyConfig {
    let text = include_str!("../../../config/both-markets.toml");
    let file = kis_config::SourceFile { name: "config/both-markets.toml", text };
    let loaded = kis_config::load(kis_config::DEFAULT_TOML, Some(file), &Default::default()).unwrap();
    let scalper = loaded.config.strategies.iter().find(|s| matches!(s, kis_strategy::StrategyConfig::KrxScalping(_)));
    scalper.cloned().expect("config/both-markets.toml lists the KRX scalper")
}

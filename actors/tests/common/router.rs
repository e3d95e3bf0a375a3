//! The OrderRouter harness of the `order_router_*` tests: the simulator with books in the engine, a
//! router over the real client (awc, token manager, KisApi) with fast timers, a collector of its updates,
//! and what the tests look at in the simulator's orders and the journal.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, TimeDelta, Utc};
use kis_actors::kis_api::{AccountIdentity, KisApi};
use kis_actors::messages::{ApprovedOrder, CloseReason, ExecutionNotice, NoticeKind, OrderEvent, OrderUpdate};
use kis_actors::order_router::{GetRouterStatus, OrderRouter, RouterConfig, RouterStatus};
use kis_auth::{StoreKey, TokenManager, TokenPolicy, TokenStore};
use kis_client::{Credentials, Endpoints, RestClient};
use kis_journal::MatchRules;
use kis_model::tick_size::{InstrumentKind, floor_to_tick};
use kis_model::{AccountNo, Environment, KrxCode, Market, OrderNo, Price, Qty, Secret, Side, Symbol};
use kis_sim::{SimConfig, SimHandle};
use kis_strategy::risk::OrderIntent;
use kis_strategy::signal::SignalKind;

use super::{KRX_OPEN, TempDir, sim_clock};

pub const KEY: &str = "PSroutertest00000000000000000000001";
pub const SECRET: &str = "secret-of-the-router-test";
pub const CANO: &str = "50077001";

pub async fn bounded<F: std::future::Future<Output = ()>>(secs: u64, f: F) {
    actix_rt::time::timeout(Duration::from_secs(secs), f).await.expect("test exceeded its time limit");
}

pub async fn start_sim() -> SimHandle {
    start_sim_open(KRX_OPEN, Market::Krx, Environment::Paper, 1, 20).await
}

/// The simulator of `env` from `start` with `us_symbols` US listings beside 10 KRX ones, once `market` is open
/// and the engine holds more than `books` books (so that a marketable order fills at once).
pub async fn start_sim_open(start: &str, market: Market, env: Environment, us_symbols: usize, books: u64) -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut c = SimConfig { start: Some(start.parse().unwrap()), env, symbols: 10, us_symbols, ..SimConfig::default() };
    c.auth.token_min_interval_ms = 0;
    c.rest.paper_per_sec = 1_000;
    let sim = kis_sim::testing::start_open(c, market, Duration::from_secs(5)).await;
    for _ in 0..500 {
        if sim.stats().books > books {
            return sim;
        }
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the {market:?} session has no books");
}

pub fn account() -> AccountNo {
    AccountNo::from_parts(CANO, "01").unwrap()
}

pub fn sim_now(sim: &SimHandle) -> DateTime<Utc> {
    sim.virtual_now()
}

impl TempDir {
    /// The router's journal under a test directory.
    pub fn journal(&self) -> PathBuf {
        self.0.join("state").join("journal.jsonl")
    }
}

/// What the tests look at in the simulator's orders.
#[derive(Debug, Clone)]
pub struct SimOrder {
    pub id: kis_model::OrderId,
    pub filled: Qty,
    pub filled_notional: rust_decimal::Decimal,
    pub live: bool,
}

impl SimOrder {
    pub fn cancelled(&self) -> bool {
        !self.live && self.filled.is_zero()
    }
}

/// A client on the simulator's environment (paper unless the test started a real one).
pub fn api(sim: &SimHandle, dir: &TempDir, timeout: Duration) -> (KisApi, TokenManager) {
    let env = kis_sim::exchange::lock(sim.state()).env();
    let endpoints = Endpoints::custom(env, &sim.rest_url(), &sim.ws_url());
    let client = RestClient::new(endpoints, Credentials::new(KEY, SECRET), 1_000, timeout);
    let policy = TokenPolicy { min_issue_interval: TimeDelta::milliseconds(50), ..TokenPolicy::default() };
    let store = TokenStore::new(dir.0.join("tokens.json"));
    let auth = TokenManager::new(client, store, StoreKey::new("sim", &Secret::new(KEY)), policy);
    let identity = AccountIdentity { account: account(), hts_id: None, env };
    (KisApi::new(auth.clone(), identity), auth)
}

/// Fast timers; catch-ups and cancels are switched on per test.
pub fn config(dir: &TempDir) -> RouterConfig {
    let mut c = RouterConfig::new(dir.journal());
    c.tick = Duration::from_millis(50);
    c.poll_interval = Duration::from_secs(3_600);
    c.notice_quiet = Duration::from_secs(3_600);
    c.cancel_unfilled_after = Duration::from_secs(3_600);
    c.uncertain_settle = Duration::from_millis(300);
    c.resolve_every = Duration::from_millis(200);
    c
}

/// KIS may still accept an order this long after the client's timeout (real time, scaled to venue time by
/// the harness).
pub const ACCEPT_MARGIN: Duration = Duration::from_millis(1_000);

pub type Updates = Arc<Mutex<Vec<OrderUpdate>>>;

pub struct Collector(pub Updates);

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<OrderUpdate> for Collector {
    type Result = ();

    fn handle(&mut self, msg: OrderUpdate, _: &mut Self::Context) {
        self.0.lock().unwrap().push(msg);
    }
}

pub struct Harness {
    pub sim: SimHandle,
    pub router: Addr<OrderRouter>,
    pub updates: Updates,
    pub auth: TokenManager,
    pub dir: TempDir,
}

pub async fn start_router(sim: SimHandle, dir: TempDir, config: RouterConfig, timeout: Duration) -> Harness {
    start_router_margin(sim, dir, config, timeout, ACCEPT_MARGIN).await
}

pub async fn start_router_with_margin(sim: SimHandle, dir: TempDir, timeout: Duration, margin: Duration) -> Harness {
    let c = config(&dir);
    start_router_margin(sim, dir, c, timeout, margin).await
}

pub async fn start_router_margin(
    sim: SimHandle,
    dir: TempDir,
    config: RouterConfig,
    timeout: Duration,
    margin: Duration,
) -> Harness {
    let (api, auth) = api(&sim, &dir, timeout);
    let updates: Updates = Arc::default();
    let collector = Collector(updates.clone()).start();
    let clock = sim_clock(&sim);
    let mut config = config;
    config.match_rules = MatchRules::for_client(timeout, margin, clock.speed());
    let router = OrderRouter::new(config, api, clock, collector.recipient()).start();
    Harness { sim, router, updates, auth, dir }
}

pub async fn start_router_default(sim: SimHandle, dir: TempDir, timeout: Duration) -> Harness {
    let c = config(&dir);
    start_router(sim, dir, c, timeout).await
}

impl Harness {
    pub async fn status(&self) -> RouterStatus {
        self.router.send(GetRouterStatus).await.unwrap()
    }

    pub async fn wait_ready(&self) {
        for _ in 0..500 {
            if self.status().await.ready {
                return;
            }
            actix_rt::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("router never became ready: {:?}", self.status().await);
    }

    pub fn updates(&self) -> Vec<OrderUpdate> {
        self.updates.lock().unwrap().clone()
    }

    pub fn closed(&self) -> Vec<(Symbol, Qty, CloseReason)> {
        self.updates()
            .into_iter()
            .filter_map(|u| match u.event {
                OrderEvent::Closed { filled, reason, .. } => Some((u.symbol, filled, reason)),
                _ => None,
            })
            .collect()
    }

    pub async fn wait_closed(&self, n: usize) -> Vec<(Symbol, Qty, CloseReason)> {
        for _ in 0..1_000 {
            let closed = self.closed();
            if closed.len() >= n {
                return closed;
            }
            actix_rt::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("expected {n} closed updates, got {:?}", self.updates());
    }

    pub async fn wait_for_update(&self, what: &str, pred: impl Fn(&OrderUpdate) -> bool) {
        for _ in 0..1_000 {
            if self.updates().iter().any(&pred) {
                return;
            }
            actix_rt::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no {what} update: {:?}", self.updates());
    }

    pub fn approve(&self, symbol: Symbol, side: Side, qty: u64, limit: Option<Price>) {
        let intent = OrderIntent {
            symbol,
            side,
            qty: Qty::new(qty),
            limit,
            order_type: kis_strategy::OrderType::Limit,
            kind: SignalKind::Entry,
            strategy_id: kis_strategy::StrategyId::new("test-strategy"),
            reason: "test".into(),
        };
        self.router.do_send(ApprovedOrder { intent, decided_at: sim_now(&self.sim) });
    }

    /// Orders the simulator received (cancels are not orders there).
    pub fn sim_orders(&self) -> Vec<SimOrder> {
        sim_orders(&self.sim)
    }

    pub fn journal_events(&self, id: u64) -> Vec<String> {
        journal_events(&self.dir.journal(), id)
    }

    pub async fn stop(self) {
        let text = std::fs::read_to_string(self.dir.journal()).unwrap_or_default();
        assert!(!text.contains(CANO), "no account number in the journal");
        assert!(!text.contains(KEY) && !text.contains(SECRET));
        self.sim.stop().await.unwrap();
    }
}

pub fn sim_orders(sim: &SimHandle) -> Vec<SimOrder> {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.accounts
        .iter()
        .flat_map(|a| a.engine.orders().iter())
        .map(|o| SimOrder { id: o.id, filled: o.filled, filled_notional: o.filled_notional, live: o.status.is_live() })
        .collect()
}

pub fn journal_events(path: &Path, id: u64) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["id"] == id)
        .map(|v| v["event"].as_str().unwrap().to_string())
        .collect()
}

/// A KRX stock of the simulator priced at least 5,000 won (so that a tick is more than one won).
pub fn krx_stock(sim: &SimHandle) -> (KrxCode, u64) {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.feeds
        .iter()
        .find_map(|f| match f.symbol {
            Symbol::Krx(code) if f.last >= 5_000 => Some((code, u64::try_from(f.last).unwrap())),
            _ => None,
        })
        .expect("a KRX symbol above 5,000 won")
}

/// A second listing, for "other symbols trade on".
pub fn other_krx_stock(sim: &SimHandle, not: KrxCode) -> (KrxCode, u64) {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.feeds
        .iter()
        .find_map(|f| match f.symbol {
            Symbol::Krx(code) if f.last >= 5_000 && code != not => Some((code, u64::try_from(f.last).unwrap())),
            _ => None,
        })
        .expect("a second KRX symbol above 5,000 won")
}

pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1_000 {
        if check().await {
            return;
        }
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

pub fn below_market(last: u64, percent: u64) -> Price {
    Price::from_won(floor_to_tick(last * percent / 100, InstrumentKind::Stock))
}

pub fn fill_notice(order_no: OrderNo, symbol: Symbol, qty: Qty, price: Price, at: DateTime<Utc>) -> ExecutionNotice {
    ExecutionNotice {
        market: Market::Krx,
        order_no,
        original_order_no: None,
        symbol,
        side: Side::Buy,
        kind: NoticeKind::Fill,
        qty,
        price: Some(price),
        time_hhmmss: "090105".into(),
        at,
    }
}

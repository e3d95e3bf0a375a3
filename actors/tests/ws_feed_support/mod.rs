//! What the WsFeed tests share: a simulator at the KRX open, a feed on it with test-sized timeouts, a
//! collecting actor standing in for the cache and the subscribers, and polling helpers.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::prelude::*;
use kis_actors::market_cache::UpdateBatch;
use kis_actors::messages::{
    FeedStatus, GetFeedStatus, MarketBatch, Notice, Subscribe, SubscribeError, SubscriberId, Unsubscribe,
};
use kis_actors::venue_clock::VenueClock;
use kis_actors::ws_feed::{SharedSubscriptions, WsFeed, WsFeedConfig};
use kis_auth::{StoreKey, TokenManager, TokenPolicy, TokenStore};
use kis_client::{Credentials, Endpoints, RestClient};
use kis_model::{Environment, Market, MarketEvent, Secret, Symbol};
use kis_sim::{SimConfig, SimHandle};

/// Wednesday 2026-03-04 09:00 KST, a KRX session open.
pub const KRX_OPEN: &str = "2026-03-04T00:00:00Z";
pub const SECRET: &str = "secret-of-the-ws-feed-test";

pub fn sim_config(configure: impl FnOnce(&mut SimConfig)) -> SimConfig {
    let mut c = SimConfig {
        start: Some(KRX_OPEN.parse().unwrap()),
        symbols: 12,
        us_symbols: 0,
        speed: 60,
        ..SimConfig::default()
    };
    c.auth.token_min_interval_ms = 0;
    c.rest.paper_per_sec = 1_000;
    configure(&mut c);
    c
}

pub async fn start_sim(c: SimConfig) -> SimHandle {
    start_sim_open(c, Market::Krx).await
}

/// Starts the simulator and waits until `market` is open.
pub async fn start_sim_open(c: SimConfig, market: Market) -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    kis_sim::testing::start_open(c, market, Duration::from_secs(2)).await
}

pub async fn bounded<F: Future<Output = ()>>(secs: u64, f: F) {
    actix_rt::time::timeout(Duration::from_secs(secs), f).await.expect("test exceeded its time limit");
}

pub fn app_key(n: usize) -> String {
    format!("PSwsfeedtest{n:024}")
}

pub fn client(sim: &SimHandle, key: &str) -> RestClient {
    let endpoints = Endpoints::custom(Environment::Paper, &sim.rest_url(), &sim.ws_url());
    RestClient::new(endpoints, Credentials::new(key, SECRET), 1_000, Duration::from_secs(5))
}

pub fn store(test: &str, n: usize) -> TokenStore {
    let dir: PathBuf = std::env::temp_dir().join(format!("kis-ws-feed-{}-{test}-{n}", std::process::id()));
    TokenStore::new(dir.join("tokens.json"))
}

pub fn store_key(n: usize) -> StoreKey {
    StoreKey::new("sim", &Secret::new(app_key(n)))
}

/// A manager with an empty state file (`fresh`) or whatever the test left in it.
pub fn token_manager_with(sim: &SimHandle, test: &str, n: usize, fresh: bool) -> TokenManager {
    let store = store(test, n);
    if fresh && let Some(dir) = store.path().parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
    TokenManager::new(client(sim, &app_key(n)), store, store_key(n), TokenPolicy::default())
}

pub fn token_manager(sim: &SimHandle, test: &str, n: usize) -> TokenManager {
    token_manager_with(sim, test, n, true)
}

/// The simulator's virtual time: books and notices are dated by it.
pub fn sim_clock(sim: &SimHandle) -> VenueClock {
    let shared = sim.state().clone();
    VenueClock::from_fn(move || kis_sim::exchange::lock(&shared).now)
}

pub fn symbols_of(sim: &SimHandle, market: Market) -> Vec<Symbol> {
    kis_sim::exchange::lock(sim.state()).feeds.iter().map(|f| f.symbol).filter(|s| s.market() == market).collect()
}

pub fn krx_symbols(sim: &SimHandle) -> Vec<Symbol> {
    symbols_of(sim, Market::Krx)
}

/// Every simulator session's registrations.
pub fn sim_registrations(sim: &SimHandle) -> Vec<Vec<(String, String)>> {
    let ex = kis_sim::exchange::lock(sim.state());
    let mut ids = ex.ws.ids();
    ids.sort_unstable();
    ids.iter().filter_map(|&id| ex.ws.session(id).map(|s| s.regs.clone())).collect()
}

/// Everything the feed sends, collected.
#[derive(Clone, Default)]
pub struct Collected {
    pub batches: Arc<Mutex<Vec<MarketBatch>>>,
    pub updates: Arc<Mutex<Vec<UpdateBatch>>>,
    pub notices: Arc<Mutex<Vec<Notice>>>,
}

impl Collected {
    pub fn events(&self) -> Vec<MarketEvent> {
        self.batches.lock().unwrap().iter().flat_map(|b| b.0.iter().copied()).collect()
    }

    pub fn trades_of(&self, symbol: Symbol) -> usize {
        self.events().iter().filter(|e| matches!(e, MarketEvent::Trade(t) if t.symbol == symbol)).count()
    }

    pub fn cache_events(&self) -> Vec<MarketEvent> {
        self.updates.lock().unwrap().iter().flat_map(|b| b.0.iter().copied()).collect()
    }
}

pub struct Collector(Collected);

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<MarketBatch> for Collector {
    type Result = ();
    fn handle(&mut self, msg: MarketBatch, _: &mut Self::Context) {
        self.0.batches.lock().unwrap().push(msg);
    }
}

impl Handler<UpdateBatch> for Collector {
    type Result = ();
    fn handle(&mut self, msg: UpdateBatch, _: &mut Self::Context) {
        self.0.updates.lock().unwrap().push(msg);
    }
}

impl Handler<Notice> for Collector {
    type Result = ();
    fn handle(&mut self, msg: Notice, _: &mut Self::Context) {
        self.0.notices.lock().unwrap().push(msg);
    }
}

pub fn collector() -> (Collected, Addr<Collector>) {
    let c = Collected::default();
    (c.clone(), Collector(c).start())
}

pub fn feed_config(sim: &SimHandle) -> WsFeedConfig {
    let mut c = WsFeedConfig::new(sim.ws_url(), Environment::Paper);
    c.silence_timeout = Duration::from_secs(5);
    c.connect_timeout = Duration::from_secs(2);
    c.subscribe_pacing = Duration::from_millis(2);
    c.seed = 7;
    c
}

pub struct Harness {
    pub feed: Addr<WsFeed>,
    pub table: SharedSubscriptions,
    /// The cache's and the notices' recipient.
    pub sink: Collected,
}

pub fn start_feed(sim: &SimHandle, test: &str, config: WsFeedConfig, keys: usize) -> Harness {
    let (sink, addr) = collector();
    let table = SharedSubscriptions::new();
    let auth = (0..keys).map(|n| token_manager(sim, test, n)).collect();
    let feed = WsFeed::new(config, auth, table.clone(), addr.clone().recipient(), addr.recipient(), sim_clock(sim))
        .unwrap()
        .start();
    Harness { feed, table, sink }
}

impl Harness {
    pub async fn status(&self) -> FeedStatus {
        self.feed.send(GetFeedStatus).await.unwrap()
    }

    pub async fn subscribe(
        &self,
        owner: &str,
        symbol: Symbol,
        books: bool,
        to: &Addr<Collector>,
    ) -> Result<(), SubscribeError> {
        let msg = Subscribe { owner: SubscriberId::new(owner), symbol, books, to: to.clone().recipient() };
        self.feed.send(msg).await.unwrap()
    }

    pub async fn unsubscribe(&self, owner: &str, symbol: Symbol) {
        self.feed.send(Unsubscribe { owner: SubscriberId::new(owner), symbol }).await.unwrap();
    }

    /// Polls the status until `done` holds (panics with the last status after `limit`).
    pub async fn wait_status(&self, limit: Duration, what: &str, done: impl Fn(&FeedStatus) -> bool) -> FeedStatus {
        let deadline = Instant::now() + limit;
        loop {
            let status = self.status().await;
            if done(&status) {
                return status;
            }
            assert!(Instant::now() < deadline, "{what}: not within {limit:?}; last status {status:?}");
            actix_rt::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

pub async fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
}

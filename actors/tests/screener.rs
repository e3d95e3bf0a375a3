//! The Screener against the simulator over loopback, through the real REST client, token manager and
//! KisApi: rank lists on the real domain, the universe fallback on paper, and polls failing under injected
//! rate limits and HTTP 500s without touching the watchlist.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use actix::prelude::*;
use kis_actors::kis_api::{AccountIdentity, KisApi};
use kis_actors::market_cache::{GetLatest, MarketCache, MarketCacheConfig, Update};
use kis_actors::messages::WatchlistChange;
use kis_actors::screener::{
    GetScreenerStatus, GetWatchlist, Screener, ScreenerSettings, ScreenerStatus, SourceKind, WatchEntry,
};
use kis_actors::slot::Slot;
use kis_actors::supervisor::{Heartbeat, HeartbeatReporter, Shutdown};
use kis_auth::{StoreKey, TokenManager, TokenPolicy, TokenStore};
use kis_client::{Credentials, Endpoints, RestClient};
use kis_config::ScreenerConfig;
use kis_model::{AccountNo, Book, Environment, KrxCode, Level, MarketEvent, Price, Qty, Secret, Symbol};
use kis_sim::{Fault, SimConfig, SimHandle};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const KEY: &str = "PSscreenertest0000000000000000000001";
const SECRET: &str = "secret-of-the-screener-test";

fn sim_config(env: Environment) -> SimConfig {
    let mut c = SimConfig {
        env,
        start: Some("2026-03-04T00:00:00Z".parse().unwrap()),
        symbols: 300,
        us_symbols: 0,
        speed: 120,
        ..SimConfig::default()
    };
    c.auth.token_min_interval_ms = 0;
    c.rest.real_per_sec = 1_000;
    c.rest.paper_per_sec = 1_000;
    c
}

async fn start(c: SimConfig) -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    kis_sim::testing::start_open(c, kis_model::Market::Krx, Duration::from_secs(2)).await
}

fn state_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kis-screener-sim-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("tokens.json")
}

fn api(sim: &SimHandle, env: Environment, name: &str) -> KisApi {
    let endpoints = Endpoints::custom(env, &sim.rest_url(), &sim.ws_url());
    let client = RestClient::new(endpoints, Credentials::new(KEY, SECRET), 1_000, Duration::from_secs(5));
    let auth = TokenManager::new(
        client,
        TokenStore::new(state_file(name)),
        StoreKey::new("sim", &Secret::new(KEY)),
        TokenPolicy::default(),
    );
    let identity = AccountIdentity { account: AccountNo::from_parts("50000000", "01").unwrap(), hts_id: None, env };
    KisApi::new(auth, identity)
}

/// What one symbol looks like in the simulator right now.
struct SimQuote {
    volume: i64,
    range_pct: Decimal,
    /// Listed shares × the day's high: an upper bound of any market cap the screener can have computed today.
    max_cap: Decimal,
}

fn sim_quote(sim: &SimHandle, symbol: &Symbol) -> SimQuote {
    let ex = kis_sim::exchange::lock(sim.state());
    let f = ex.feed_of(symbol).unwrap();
    SimQuote {
        volume: f.cum_vol,
        range_pct: Decimal::from(f.high - f.low) * dec!(100) / Decimal::from(f.prev_close),
        max_cap: Decimal::from(f.shares_outstanding) * Decimal::from(f.high),
    }
}

fn krx_codes(sim: &SimHandle) -> Vec<KrxCode> {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.feeds
        .iter()
        .filter_map(|f| match f.symbol {
            Symbol::Krx(code) => Some(code),
            Symbol::Us(..) => None,
        })
        .collect()
}

/// Records every change it is sent.
#[derive(Default)]
struct Collector {
    changes: Vec<WatchlistChange>,
}

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<WatchlistChange> for Collector {
    type Result = ();
    fn handle(&mut self, msg: WatchlistChange, _: &mut Self::Context) {
        self.changes.push(msg);
    }
}

#[derive(Message)]
#[rtype(result = "Vec<WatchlistChange>")]
struct Changes;

impl Handler<Changes> for Collector {
    type Result = MessageResult<Changes>;
    fn handle(&mut self, _: Changes, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.changes.clone())
    }
}

#[derive(Default)]
struct Beats(u32);

impl Actor for Beats {
    type Context = Context<Self>;
}

impl Handler<Heartbeat> for Beats {
    type Result = ();
    fn handle(&mut self, msg: Heartbeat, _: &mut Self::Context) {
        assert_eq!(msg.name, "screener");
        self.0 += 1;
    }
}

#[derive(Message)]
#[rtype(result = "u32")]
struct BeatCount;

impl Handler<BeatCount> for Beats {
    type Result = u32;
    fn handle(&mut self, _: BeatCount, _: &mut Self::Context) -> u32 {
        self.0
    }
}

/// The shipped `[screener]` filters and hysteresis; a smaller list and a fast poll.
fn settings() -> ScreenerSettings {
    ScreenerSettings {
        watchlist_max: 10,
        poll_interval: Duration::from_millis(200),
        quotes_per_poll: 40,
        ..ScreenerSettings::from(&ScreenerConfig::default())
    }
}

/// Replays the announced changes: each added symbol was not a member, each removed one was.
fn replay(changes: &[WatchlistChange]) -> BTreeSet<Symbol> {
    let mut set = BTreeSet::new();
    for (i, c) in changes.iter().enumerate() {
        assert!(!c.added.is_empty() || !c.removed.is_empty(), "change {i} is empty");
        for s in &c.removed {
            assert!(set.remove(s), "change {i} removes {s}, which was not in the watchlist");
        }
        for s in &c.added {
            assert!(set.insert(*s), "change {i} adds {s}, which was already in the watchlist");
        }
    }
    set
}

/// The watchlist and the status, read one after the other (a poll may land in between).
#[derive(Debug, Clone, PartialEq)]
struct View {
    entries: Vec<WatchEntry>,
    status: ScreenerStatus,
}

async fn view(screener: &Addr<Screener>) -> View {
    let entries = screener.send(GetWatchlist).await.unwrap();
    let status = screener.send(GetScreenerStatus).await.unwrap();
    View { entries, status }
}

async fn wait_for<T>(secs: u64, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(t) = probe().await {
            return t;
        }
        assert!(std::time::Instant::now() < deadline, "condition not met within {secs} s");
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn bounded<F: std::future::Future<Output = ()>>(secs: u64, f: F) {
    actix_rt::time::timeout(Duration::from_secs(secs), f).await.expect("test exceeded its time limit");
}

fn book(symbol: Symbol, bid: u64, ask: u64) -> Book {
    let empty = Level { price: Price::from_won(0), qty: Qty::new(0) };
    let mut book = Book { symbol, ts: chrono::Utc::now(), asks: [empty; 10], bids: [empty; 10], depth: 10 };
    book.asks[0] = Level { price: Price::from_won(ask), qty: Qty::new(100) };
    book.bids[0] = Level { price: Price::from_won(bid), qty: Qty::new(100) };
    book
}

/// Every symbol passes the shipped filters in the simulator's state: volume and range only grow during a
/// day, and no market cap computed today can exceed listed shares × the day's high.
fn assert_passes_filters(sim: &SimHandle, symbols: &BTreeSet<Symbol>) {
    let f = settings().filters;
    for s in symbols.iter().filter(|s| matches!(s, Symbol::Krx(_))) {
        let q = sim_quote(sim, s);
        assert!(q.volume >= i64::try_from(f.min_volume).unwrap(), "{s}: volume {}", q.volume);
        assert!(q.range_pct >= f.min_range_pct, "{s}: range {}%", q.range_pct);
        assert!(q.max_cap >= f.min_market_cap_krw, "{s}: cap at most {}", q.max_cap);
    }
}

async fn changes(collector: &Addr<Collector>) -> Vec<WatchlistChange> {
    collector.send(Changes).await.unwrap()
}

fn set_of(view: &View) -> BTreeSet<Symbol> {
    view.entries.iter().map(|e| e.symbol).collect()
}

#[actix_rt::test]
async fn rank_lists_fill_the_watchlist_and_later_polls_change_it_consistently() {
    bounded(60, async {
        let sim = start(sim_config(Environment::Real)).await;
        let collector = Collector::default().start();
        let beats = Beats::default().start();
        let screener =
            Screener::new(settings(), api(&sim, Environment::Real, "rank"), None, collector.clone().recipient())
                .unwrap()
                .with_heartbeat(
                    HeartbeatReporter::new("screener", beats.clone().recipient()),
                    Duration::from_millis(50),
                )
                .start();

        // First poll: one change, within the cap, every name passing the filters.
        let first = wait_for(15, async || changes(&collector).await.into_iter().next()).await;
        assert!(first.removed.is_empty());
        assert!(!first.added.is_empty() && first.added.len() <= 10, "{first:?}");
        let first_set: BTreeSet<Symbol> = first.added.iter().copied().collect();
        assert_eq!(first_set.len(), first.added.len(), "no repeats");
        assert_passes_filters(&sim, &first_set);
        let v = view(&screener).await;
        assert_eq!(v.status.source, Some(SourceKind::Rank));
        assert!(v.status.polls_ok >= 1);
        for e in &v.entries {
            let score = e.score.unwrap();
            assert!((20.0..=100.0).contains(&score) || !first_set.contains(&e.symbol), "{e:?}");
            assert!(!e.pinned);
        }
        // Best first.
        assert!(v.entries.windows(2).all(|w| w[0].score >= w[1].score), "{:?}", v.entries);

        // The market moves two virtual minutes a second: later polls change the list.
        let all = wait_for(30, async || Some(changes(&collector).await).filter(|c| c.len() >= 3)).await;
        let replayed = replay(&all);
        let v = view(&screener).await;
        let now = set_of(&v);
        // Changes may have arrived between the two reads; the view is at least as new as `all`.
        let all = changes(&collector).await;
        assert_eq!(replay(&all), now, "announced changes add up to the watchlist");
        assert!(replayed.len() <= 10 && now.len() <= 10 && !now.is_empty());
        assert_ne!(now, first_set, "the list moved");
        assert_passes_filters(&sim, &now);
        assert!(beats.send(BeatCount).await.unwrap() >= 2, "heartbeats");

        screener.do_send(Shutdown);
        wait_for(5, async || (!screener.connected()).then_some(())).await;
    })
    .await;
}

#[actix_rt::test]
async fn rate_limits_and_http_500_during_a_poll_keep_the_watchlist() {
    bounded(60, async {
        let sim = start(sim_config(Environment::Real)).await;
        let collector = Collector::default().start();
        // A slow poll leaves an idle second after each poll in which the faults are armed.
        let s = ScreenerSettings { poll_interval: Duration::from_millis(1_500), ..settings() };
        let screener = Screener::new(s, api(&sim, Environment::Real, "faults"), None, collector.clone().recipient())
            .unwrap()
            .start();
        // Right after a poll that filled the list (the poll's result and its change arrive together).
        wait_for(20, async || (!changes(&collector).await.is_empty()).then_some(())).await;
        let before = view(&screener).await;
        assert!(!before.entries.is_empty());
        assert_eq!(before.status.watchlist_len, before.entries.len());

        // The client retries EGW00201 five times; the sixth refusal fails the poll.
        sim.inject(&Fault::RateLimitBurst { count: 6 });
        let after = wait_for(20, async || Some(view(&screener).await).filter(|v| v.status.polls_failed >= 1)).await;
        assert_eq!((after.status.polls_ok, after.status.polls_failed), (before.status.polls_ok, 1));
        assert_eq!(after.entries, before.entries, "kept as it was, scores included");

        // An HTTP 500 on the next poll's first call: failed again, still kept.
        sim.inject(&Fault::Rest500 { count: 1 });
        let after = wait_for(20, async || Some(view(&screener).await).filter(|v| v.status.polls_failed >= 2)).await;
        assert_eq!((after.status.polls_ok, after.status.polls_failed), (before.status.polls_ok, 2));
        assert_eq!(after.entries, before.entries);
        assert_eq!(replay(&changes(&collector).await), set_of(&before), "nothing announced meanwhile");

        // And the next poll works again.
        let later =
            wait_for(20, async || Some(view(&screener).await).filter(|v| v.status.polls_ok > before.status.polls_ok))
                .await;
        assert_eq!(later.status.polls_failed, 2);
        assert!(!later.entries.is_empty());
        assert_eq!(replay(&changes(&collector).await), set_of(&view(&screener).await));
    })
    .await;
}

#[actix_rt::test]
async fn paper_falls_back_to_the_universe_and_keeps_pinned_symbols() {
    bounded(60, async {
        let sim = start(sim_config(Environment::Paper)).await;
        let universe: Vec<KrxCode> = krx_codes(&sim).into_iter().take(45).collect();
        let pinned = Symbol::parse("NASDAQ:TQQQ").unwrap();
        let collector = Collector::default().start();
        let cache = MarketCache::new(MarketCacheConfig::default()).start();
        let cache_slot: Slot<GetLatest> = Slot::new();
        cache_slot.set(cache.clone().recipient());
        let s = ScreenerSettings {
            universe: universe.clone(),
            pinned: vec![pinned],
            // Three polls to walk the universe once.
            quotes_per_poll: 15,
            ..settings()
        };
        let screener =
            Screener::new(s, api(&sim, Environment::Paper, "paper"), Some(cache_slot), collector.clone().recipient())
                .unwrap()
                .start();

        // The pinned symbol is announced at once, before any poll.
        let first = wait_for(5, async || changes(&collector).await.into_iter().next()).await;
        assert_eq!(first, WatchlistChange { added: vec![pinned], removed: vec![] });

        let v = wait_for(30, async || {
            Some(view(&screener).await).filter(|v| v.status.polls_ok >= 4 && v.entries.len() >= 2)
        })
        .await;
        assert_eq!(v.status.source, Some(SourceKind::Universe));
        assert_eq!(v.entries[0].symbol, pinned);
        assert!(v.entries[0].pinned && v.entries[0].score.is_none());
        assert!(v.entries.len() <= 10);
        for e in &v.entries[1..] {
            let Symbol::Krx(code) = e.symbol else { panic!("{e:?}") };
            assert!(universe.contains(&code), "{code} is not in the universe");
            assert!(e.score.is_some_and(|s| (20.0..=100.0).contains(&s)), "{e:?}");
        }
        let announced = replay(&changes(&collector).await);
        assert!(announced.contains(&pinned));
        assert_passes_filters(&sim, &announced);

        // A book in the market cache with a 1 % spread (limit 0.3 %) takes a member out at the next poll.
        let victim = v.entries[1].symbol;
        let last = kis_sim::exchange::lock(sim.state()).feed_of(&victim).unwrap().last;
        let bid = u64::try_from(last).unwrap();
        cache.do_send(Update(MarketEvent::Book(book(victim, bid, bid + bid / 100))));
        let all = wait_for(20, async || {
            Some(changes(&collector).await).filter(|c| c.iter().any(|c| c.removed.contains(&victim)))
        })
        .await;
        assert!(!replay(&all).contains(&victim));
        // And it stays out while the wide book stands.
        let seen = view(&screener).await.status.polls_ok;
        let v = wait_for(20, async || Some(view(&screener).await).filter(|v| v.status.polls_ok >= seen + 2)).await;
        assert!(v.entries.iter().all(|e| e.symbol != victim));
        // Never removed, whatever the polls saw.
        assert!(changes(&collector).await.iter().all(|c| !c.removed.contains(&pinned)));
        assert_eq!(v.entries[0].symbol, pinned);
    })
    .await;
}

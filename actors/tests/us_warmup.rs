//! A US strategy is warmed up from KIS's overseas charts before its first live trade, against the simulator
//! over loopback through the real REST client, token manager and KisApi: the daily chart (`dailyprice`) for
//! day candles, the minute chart (`inquire-time-itemchartprice`, real only) for minute candles. The bars
//! are the simulator's own completed bars, oldest first, without the one still forming.

mod common;

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use common::*;
use kis_actors::daemon::StrategySet;
use kis_actors::kis_api::{AccountIdentity, KisApi};
use kis_actors::market_cache::{CacheReason, GetWarmUp, HistorySource, MarketCache, MarketCacheConfig};
use kis_actors::messages::MarketBatch;
use kis_actors::signal_actor::{GetSignalStats, SignalActor, SignalWiring};
use kis_actors::slot::{FeedSlots, Relay, Slot};
use kis_actors::supervisor::Heartbeat;
use kis_actors::venue_clock::VenueClock;
use kis_auth::{StoreKey, TokenManager, TokenPolicy, TokenStore};
use kis_client::{Endpoints, RestClient};
use kis_model::tick_size::InstrumentKind;
use kis_model::{Bar, Environment, Market, MarketEvent, Qty, Symbol, Trade};
use kis_strategy::us_rsi_macd::UsRsiMacdConfig;
use kis_strategy::{BarInterval, Strategy, StrategyConfig};

fn api(sim: &kis_sim::SimHandle, keys: &Keys, env: Environment, dir: &std::path::Path) -> KisApi {
    let endpoints = Endpoints::custom(env, &sim.rest_url(), &sim.ws_url());
    let key = keys.creds[0].clone();
    let client = RestClient::new(endpoints, key.clone(), 100, Duration::from_secs(5));
    let auth = TokenManager::new(
        client,
        TokenStore::new(dir.join("tokens.json")),
        StoreKey::new(env.as_str(), &key.app_key),
        TokenPolicy { min_issue_interval: chrono::TimeDelta::seconds(1), ..TokenPolicy::default() },
    );
    KisApi::new(auth, AccountIdentity { account: keys.account.clone(), hts_id: None, env })
}

fn bot(symbol: Symbol, interval: BarInterval) -> UsRsiMacdConfig {
    UsRsiMacdConfig { id: "us-bot".into(), tickers: symbol.to_string(), rsi_interval: interval, ..Default::default() }
}

/// A SignalActor with the real US strategy, wired to `cache` and to nothing live (no feed, no desk).
fn signal_actor(symbol: Symbol, config: UsRsiMacdConfig, cache: &Addr<MarketCache>) -> Addr<SignalActor> {
    let warm_up = Slot::new();
    warm_up.set(cache.clone().recipient());
    let wiring = SignalWiring {
        factory: Arc::new(StrategySet(vec![StrategyConfig::UsRsiMacd(config)])),
        feed: FeedSlots::default(),
        cache: warm_up,
        risk: Relay::spawn(Slot::new()),
        register: Relay::spawn(Slot::new()),
        supervisor: Relay::spawn(Slot::<Heartbeat>::new()),
        heartbeat_every: Duration::from_secs(1),
        books: false,
    };
    SignalActor::new(symbol, InstrumentKind::Stock, wiring).start()
}

fn us_symbol(sim: &kis_sim::SimHandle) -> Symbol {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.feeds.iter().map(|f| f.symbol).find(|s| s.market() == Market::Us).expect("a US symbol")
}

/// The simulator's own bars of `symbol`: completed days, and today's minute bars (the last one forming).
fn sim_bars(sim: &kis_sim::SimHandle, symbol: Symbol) -> (Vec<Bar>, Vec<Bar>) {
    let ex = kis_sim::exchange::lock(sim.state());
    (ex.market.daily_bars(&symbol).unwrap_or_default(), ex.market.minute_bars(&symbol).unwrap_or_default())
}

async fn warmed_up(actor: &Addr<SignalActor>) -> kis_actors::signal_actor::SignalStats {
    let mut stats = actor.send(GetSignalStats).await.unwrap();
    for _ in 0..200 {
        if stats.warmed_up_bars > 0 {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
        stats = actor.send(GetSignalStats).await.unwrap();
    }
    stats
}

/// One live trade of `symbol` at the venue's now, as the feed would deliver it.
fn live_trade(symbol: Symbol, clock: &VenueClock, price: kis_model::Price) -> MarketBatch {
    let trade = Trade {
        symbol,
        ts: clock.now(),
        price,
        qty: Qty::new(1),
        aggressor: None,
        bid: None,
        ask: None,
        cum_volume: 0,
    };
    MarketBatch(Arc::from(vec![MarketEvent::Trade(trade)]))
}

#[actix_rt::test]
async fn a_us_strategy_is_warmed_up_from_the_daily_and_the_minute_chart_before_its_first_live_trade() {
    let keys = Keys::new("uswarm");
    let dir = TempDir::new("uswarm");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim_at(&keys, |c| {
            c.env = Environment::Real;
            c.start = Some(NYSE_OPEN.parse().unwrap());
            c.symbols = 10;
            c.us_symbols = 2;
            c.speed = 600;
        })
        .await;
        let symbol = us_symbol(&sim);
        let clock = sim_clock(&sim);
        // Half an hour of virtual trading: minute bars exist before the strategy starts.
        wait_for("30 minute bars in the simulator", Duration::from_secs(20), || async {
            sim_bars(&sim, symbol).1.len() >= 30
        })
        .await;
        let cache = MarketCache::new(MarketCacheConfig::default())
            .with_history(api(&sim, &keys, Environment::Real, &dir.0), clock.clone())
            .start();

        // Day candles: the completed days, oldest first; today (forming) left out.
        let daily = signal_actor(symbol, bot(symbol, BarInterval::Day), &cache);
        let stats = warmed_up(&daily).await;
        let (days, _) = sim_bars(&sim, symbol);
        assert_eq!(stats.warmed_up_bars, days.len().min(99), "100 rows less today's: {stats:?}");
        assert_eq!(stats.events, 0, "warmed up before any live event");
        let need = UsRsiMacdConfig::default();
        let strategy = kis_strategy::us_rsi_macd::UsRsiMacd::new(symbol, bot(symbol, need.rsi_interval)).unwrap();
        let warm = cache.send(GetWarmUp { symbol, need: strategy.warm_up_history(), minutes: 400 }).await.unwrap();
        assert_eq!(warm.source, HistorySource::UsDaily);
        assert_eq!(warm.skipped_rows, 0);
        let served: Vec<_> = warm.bars.iter().map(|b| (b.ts, b.open, b.high, b.low, b.close, b.volume)).collect();
        let own: Vec<_> = days[days.len() - warm.bars.len()..]
            .iter()
            .map(|b| (b.ts, b.open, b.high, b.low, b.close, b.volume))
            .collect();
        assert_eq!(served, own, "the simulator's completed days, oldest first, to the cent");
        assert!(
            warm.bars.last().unwrap().ts < NYSE_OPEN.parse::<chrono::DateTime<chrono::Utc>>().unwrap(),
            "no bar of today"
        );
        // The live feed then continues from the last completed day: its close is today's reference price.
        let base = {
            let ex = kis_sim::exchange::lock(sim.state());
            ex.feed_of(&symbol).map(|f| f.prev_close).unwrap()
        };
        assert_eq!(warm.bars.last().unwrap().close.value(), rust_decimal::Decimal::new(base, 2));

        // One-minute candles: today's completed minutes from the minute chart, none forming, none ahead.
        let minute = signal_actor(symbol, bot(symbol, BarInterval::Min1), &cache);
        let stats = warmed_up(&minute).await;
        let now = clock.now();
        assert!(stats.warmed_up_bars >= 29, "{stats:?}");
        assert_eq!(stats.events, 0);
        let need = kis_strategy::WarmUpHistory { interval: BarInterval::Min1, bars: 400 };
        let warm = cache.send(GetWarmUp { symbol, need: Some(need), minutes: 400 }).await.unwrap();
        assert_eq!(warm.source, HistorySource::UsMinutes { nmin: 1 });
        let (_, minutes) = sim_bars(&sim, symbol);
        let completed: Vec<_> = minutes.iter().filter(|b| b.ts + chrono::Duration::minutes(1) <= now).collect();
        assert!(warm.bars.len() >= stats.warmed_up_bars, "the later fetch sees at least as many bars");
        assert!(warm.bars.windows(2).all(|w| w[0].ts < w[1].ts), "oldest first");
        assert!(warm.bars.iter().all(|b| b.ts + chrono::Duration::minutes(1) <= clock.now()), "only completed bars");
        for bar in &warm.bars {
            let own = completed.iter().find(|b| b.ts == bar.ts);
            assert_eq!(own.map(|b| (b.open, b.close, b.volume)), Some((bar.open, bar.close, bar.volume)));
        }

        // The first live trade is then taken on top of the warm-up.
        let last = warm.bars.last().unwrap().close;
        minute.send(live_trade(symbol, &clock, last)).await.unwrap();
        let after = minute.send(GetSignalStats).await.unwrap();
        assert_eq!((after.events, after.warmed_up_bars), (1, stats.warmed_up_bars));
        sim.stop().await.unwrap();
    })
    .await
    .expect("warm-up test timed out");
}

#[actix_rt::test]
async fn on_paper_a_minute_strategy_says_it_warms_up_from_the_cache_and_a_daily_one_from_the_chart() {
    let keys = Keys::new("uswarmp");
    let dir = TempDir::new("uswarmp");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim_at(&keys, |c| {
            c.env = Environment::Paper;
            c.start = Some(NYSE_OPEN.parse().unwrap());
            c.symbols = 10;
            c.us_symbols = 2;
        })
        .await;
        let symbol = us_symbol(&sim);
        let cache = MarketCache::new(MarketCacheConfig::default())
            .with_history(api(&sim, &keys, Environment::Paper, &dir.0), sim_clock(&sim))
            .start();
        let minutes = kis_strategy::WarmUpHistory { interval: BarInterval::Min1, bars: 400 };
        let warm = cache.send(GetWarmUp { symbol, need: Some(minutes), minutes: 400 }).await.unwrap();
        assert_eq!(warm.source, HistorySource::Cache(CacheReason::NoMinuteChart(Environment::Paper)));
        assert!(warm.bars.is_empty(), "nothing traded through the cache yet");
        let days = kis_strategy::WarmUpHistory { interval: BarInterval::Day, bars: 100 };
        let warm = cache.send(GetWarmUp { symbol, need: Some(days), minutes: 400 }).await.unwrap();
        assert_eq!(warm.source, HistorySource::UsDaily);
        assert!(warm.bars.len() >= 50, "{} daily bars on paper", warm.bars.len());
        wait_for("the fallback logged once", Duration::from_secs(2), || async {
            log_text().matches("KIS paper has no US minute chart").count() == 1
        })
        .await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("paper warm-up test timed out");
}

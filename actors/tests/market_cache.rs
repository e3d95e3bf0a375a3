//! MarketCache on the actix runtime: latest trade and book, 1 s / 1 min bars across boundaries, bounded history.

use std::num::NonZeroUsize;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use kis_actors::market_cache::{
    BarSeries, GetBars, GetLatest, GetRefusedTrades, MarketCache, MarketCacheConfig, Update, UpdateBatch,
};
use kis_actors::supervisor::{GetHealth, HeartbeatReporter, Supervisor, SupervisorConfig};
use kis_model::{Bar, Book, Level, MarketEvent, Price, Qty, Symbol, Trade};

const TEST_LIMIT: Duration = Duration::from_secs(10);

fn samsung() -> Symbol {
    Symbol::parse("005930").unwrap()
}

fn hynix() -> Symbol {
    Symbol::parse("000660").unwrap()
}

/// 1_700_000_040 is a whole UTC minute.
fn at(sec: i64, milli: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_040 + sec, milli * 1_000_000).unwrap()
}

fn trade(symbol: Symbol, sec: i64, milli: u32, won: u64, qty: u64) -> MarketEvent {
    MarketEvent::Trade(Trade {
        symbol,
        ts: at(sec, milli),
        price: Price::from_won(won),
        qty: Qty::new(qty),
        aggressor: None,
        bid: None,
        ask: None,
        cum_volume: 0,
    })
}

fn book(symbol: Symbol, sec: i64, bid: u64, ask: u64) -> Book {
    let mut b = Book { symbol, ts: at(sec, 0), asks: [Level::default(); 10], bids: [Level::default(); 10], depth: 10 };
    b.bids[0] = Level { price: Price::from_won(bid), qty: Qty::new(10) };
    b.asks[0] = Level { price: Price::from_won(ask), qty: Qty::new(7) };
    b
}

fn bar(symbol: Symbol, sec: i64, o: u64, h: u64, l: u64, c: u64, v: u64) -> Bar {
    Bar {
        symbol,
        ts: at(sec, 0),
        open: Price::from_won(o),
        high: Price::from_won(h),
        low: Price::from_won(l),
        close: Price::from_won(c),
        volume: v,
    }
}

fn small_config() -> MarketCacheConfig {
    MarketCacheConfig { second_bars: NonZeroUsize::new(5).unwrap(), minute_bars: NonZeroUsize::new(2).unwrap() }
}

#[actix_rt::test]
async fn latest_trade_and_book_per_symbol() {
    tokio::time::timeout(TEST_LIMIT, async {
        let cache = MarketCache::new(MarketCacheConfig::default()).start();
        assert_eq!(cache.send(GetLatest(samsung())).await.unwrap(), None);

        cache.do_send(Update(trade(samsung(), 0, 0, 70_000, 1)));
        cache.do_send(Update(MarketEvent::Book(book(samsung(), 1, 70_000, 70_100))));
        cache.do_send(UpdateBatch(vec![trade(samsung(), 2, 0, 70_100, 3), trade(hynix(), 2, 0, 130_000, 9)]));
        // An older print (reordered by the network) does not replace the newer one.
        cache.do_send(Update(trade(samsung(), 1, 500, 69_900, 1)));
        cache.do_send(Update(MarketEvent::Book(book(samsung(), 0, 69_000, 69_100))));

        let latest = cache.send(GetLatest(samsung())).await.unwrap().expect("seen");
        let t = latest.trade.expect("trade");
        assert_eq!((t.ts, t.price, t.qty), (at(2, 0), Price::from_won(70_100), Qty::new(3)));
        let b = latest.book.expect("book");
        assert_eq!(b.ts, at(1, 0));
        assert_eq!(b.best_bid().map(|l| l.price), Some(Price::from_won(70_000)));

        let other = cache.send(GetLatest(hynix())).await.unwrap().expect("seen");
        assert_eq!(other.trade.map(|t| t.price), Some(Price::from_won(130_000)));
        assert_eq!(other.book, None);
        // The late print was refused by the 1 s builder (second 1 < open second 2); it still fits the open minute.
        assert_eq!(cache.send(GetRefusedTrades).await.unwrap(), 1);
    })
    .await
    .expect("test finished in time");
}

#[actix_rt::test]
async fn second_and_minute_bars_across_boundaries() {
    tokio::time::timeout(TEST_LIMIT, async {
        let cache = MarketCache::new(MarketCacheConfig::default()).start();
        let s = samsung();
        cache.do_send(UpdateBatch(vec![
            trade(s, -1, 200, 69_800, 2), // previous minute
            trade(s, 0, 0, 70_000, 5),
            trade(s, 0, 400, 70_300, 1),
            trade(s, 0, 999, 69_900, 2),
            trade(s, 1, 0, 70_100, 4),
            trade(s, 59, 999, 70_500, 1),
            trade(s, 60, 0, 70_400, 6),
        ]));
        // A bar event from elsewhere is not mixed in.
        cache.do_send(Update(MarketEvent::Bar(bar(s, 60, 1, 1, 1, 1, 1))));

        let secs = cache.send(GetBars { symbol: s, series: BarSeries::Second, n: 10 }).await.unwrap();
        assert_eq!(
            secs.completed,
            vec![
                bar(s, -1, 69_800, 69_800, 69_800, 69_800, 2),
                bar(s, 0, 70_000, 70_300, 69_900, 69_900, 8),
                bar(s, 1, 70_100, 70_100, 70_100, 70_100, 4),
                bar(s, 59, 70_500, 70_500, 70_500, 70_500, 1),
            ]
        );
        assert_eq!(secs.open, Some(bar(s, 60, 70_400, 70_400, 70_400, 70_400, 6)));

        let mins = cache.send(GetBars { symbol: s, series: BarSeries::Minute, n: 10 }).await.unwrap();
        assert_eq!(
            mins.completed,
            vec![bar(s, -60, 69_800, 69_800, 69_800, 69_800, 2), bar(s, 0, 70_000, 70_500, 69_900, 70_500, 13)]
        );
        assert_eq!(mins.open, Some(bar(s, 60, 70_400, 70_400, 70_400, 70_400, 6)));

        let last_two = cache.send(GetBars { symbol: s, series: BarSeries::Second, n: 2 }).await.unwrap();
        assert_eq!(last_two.completed.iter().map(|b| b.ts).collect::<Vec<_>>(), vec![at(1, 0), at(59, 0)]);

        let unknown = cache.send(GetBars { symbol: hynix(), series: BarSeries::Minute, n: 10 }).await.unwrap();
        assert!(unknown.completed.is_empty() && unknown.open.is_none());
    })
    .await
    .expect("test finished in time");
}

#[actix_rt::test]
async fn bar_history_is_bounded() {
    tokio::time::timeout(TEST_LIMIT, async {
        let cache = MarketCache::new(small_config()).start();
        let s = samsung();
        // One trade every 30 s for 10 minutes: 20 one-second bars and 10 one-minute bars.
        let events: Vec<MarketEvent> = (0..21).map(|i| trade(s, i * 30, 0, 1_000 + i as u64, 1)).collect();
        cache.do_send(UpdateBatch(events));

        let secs = cache.send(GetBars { symbol: s, series: BarSeries::Second, n: 100 }).await.unwrap();
        assert_eq!(
            secs.completed.iter().map(|b| b.ts).collect::<Vec<_>>(),
            (15..20).map(|i| at(i * 30, 0)).collect::<Vec<_>>()
        );
        assert_eq!(secs.completed[4].close, Price::from_won(1_019));
        let mins = cache.send(GetBars { symbol: s, series: BarSeries::Minute, n: 100 }).await.unwrap();
        assert_eq!(
            mins.completed,
            vec![bar(s, 480, 1_016, 1_017, 1_016, 1_017, 2), bar(s, 540, 1_018, 1_019, 1_018, 1_019, 2)]
        );
        assert_eq!(mins.open, Some(bar(s, 600, 1_020, 1_020, 1_020, 1_020, 1)));
    })
    .await
    .expect("test finished in time");
}

#[actix_rt::test]
async fn heartbeats_reach_the_supervisor() {
    tokio::time::timeout(TEST_LIMIT, async {
        let config = SupervisorConfig { stuck_after: Duration::from_millis(100), ..SupervisorConfig::default() };
        let sup = Supervisor::new(config).unwrap().start();
        let reporter = HeartbeatReporter::new("market_cache", sup.clone().recipient());
        let cache = MarketCache::new(small_config()).with_heartbeat(reporter, Duration::from_millis(10)).start();
        cache.do_send(Update(trade(samsung(), 0, 0, 70_000, 1)));
        actix_rt::time::sleep(Duration::from_millis(50)).await;
        // Registered after the fact through a factory that hands back the running cache once.
        let handle = std::sync::Mutex::new(Some(cache.clone()));
        sup.send(kis_actors::supervisor::Register {
            name: "market_cache".into(),
            factory: Box::new(move || {
                let addr = handle.lock().unwrap().take().unwrap_or_else(|| MarketCache::new(small_config()).start());
                addr.recipient()
            }),
        })
        .await
        .unwrap()
        .unwrap();
        actix_rt::time::sleep(Duration::from_millis(60)).await;
        let health = sup.send(GetHealth).await.unwrap();
        assert_eq!(health.len(), 1);
        assert_eq!(health[0].1.state, kis_actors::supervisor::ActorState::Running);
        assert!(health[0].1.last_msg_at.is_some(), "the cache reported handling an update");
    })
    .await
    .expect("test finished in time");
}

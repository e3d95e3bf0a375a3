//! The one shared source of latest trade, latest book and 1 s / 1 min bars per symbol.
//!
//! The feed pushes every event here with `do_send` (batched when a frame carries several records); readers ask
//! for the latest quote or for bar history, e.g. a restarted SignalActor rebuilding its indicators. Nothing here
//! survives a restart: the cache is rebuilt from the feed.
//!
//! It is also where a strategy's warm-up history comes from ([`GetWarmUp`]): the cache's own minute bars, or,
//! for a US strategy that reads day or minute candles from the start, KIS's overseas charts (`history.rs`
//! decides and parses, `fetch.rs` calls), so market history has one home.

mod bar_history;
mod fetch;
mod history;

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::time::Duration;

use actix::prelude::*;
use kis_model::{Bar, Book, MarketEvent, Symbol, Trade};
use kis_strategy::WarmUpHistory;
use tracing::debug;

use crate::kis_api::KisApi;
use crate::venue_clock::VenueClock;

pub use bar_history::{BarError, BarHistory, BarSeries};
pub use fetch::MAX_MINUTE_PAGES;
pub use history::{
    CacheReason, HistorySource, ParsedHistory, RowError, daily_bars, forming_day, history_source, minute_bars,
    minute_page_key,
};

use crate::supervisor::{Beating, HeartbeatReporter, Shutdown, start_heartbeat};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketCacheConfig {
    /// Completed 1 s bars kept per symbol (600 = ten minutes).
    pub second_bars: NonZeroUsize,
    /// Completed 1 min bars kept per symbol (400 covers a 6.5 h session).
    pub minute_bars: NonZeroUsize,
}

impl Default for MarketCacheConfig {
    fn default() -> Self {
        // Evaluated at compile time: the constants are non-zero.
        const SECOND_BARS: NonZeroUsize = NonZeroUsize::new(600).unwrap();
        const MINUTE_BARS: NonZeroUsize = NonZeroUsize::new(400).unwrap();
        MarketCacheConfig { second_bars: SECOND_BARS, minute_bars: MINUTE_BARS }
    }
}

/// One market event from the feed.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Update(pub MarketEvent);

/// Several events in time order, as decoded from one frame.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct UpdateBatch(pub Vec<MarketEvent>);

/// Latest trade and book of a symbol; `None` when nothing was seen for it.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Option<Latest>")]
pub struct GetLatest(pub Symbol);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latest {
    pub trade: Option<Trade>,
    pub book: Option<Book>,
}

/// The last `n` completed bars (oldest first) and the open one.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Bars")]
pub struct GetBars {
    pub symbol: Symbol,
    pub series: BarSeries,
    pub n: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bars {
    pub completed: Vec<Bar>,
    /// Still receiving trades; indicators that update on bar close should not be fed it.
    pub open: Option<Bar>,
}

/// The bars a SignalActor warms its strategy up with: broker history when the strategy asks for it
/// (`need`), else the last `minutes` completed minute bars of the cache.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "WarmUpBars")]
pub struct GetWarmUp {
    pub symbol: Symbol,
    pub need: Option<WarmUpHistory>,
    pub minutes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmUpBars {
    /// Completed bars, oldest first.
    pub bars: Vec<Bar>,
    /// Where they came from (a broker chart that failed falls back to the cache, and says so).
    pub source: HistorySource,
    /// Chart rows skipped as unusable.
    pub skipped_rows: usize,
}

struct SymbolCache {
    latest: Latest,
    seconds: BarHistory,
    minutes: BarHistory,
}

pub struct MarketCache {
    config: MarketCacheConfig,
    symbols: HashMap<Symbol, SymbolCache>,
    /// Prints dropped by the bar builders (late or unusable); trades still update `latest`.
    refused_trades: u64,
    heartbeat: Option<(HeartbeatReporter, Duration)>,
    /// The REST service history is fetched with, and the venue clock that says which bars are complete.
    history: Option<(KisApi, VenueClock)>,
    /// Whether the "no broker minute chart here" fallback was logged (once per cache).
    fallback_logged: bool,
}

impl MarketCache {
    pub fn new(config: MarketCacheConfig) -> MarketCache {
        MarketCache {
            config,
            symbols: HashMap::new(),
            refused_trades: 0,
            heartbeat: None,
            history: None,
            fallback_logged: false,
        }
    }

    /// Fetches warm-up history from KIS with `api` (see [`GetWarmUp`]); without it warm-ups use the cache.
    pub fn with_history(mut self, api: KisApi, clock: VenueClock) -> MarketCache {
        self.history = Some((api, clock));
        self
    }

    /// The cache's last `n` completed minute bars of `symbol`.
    fn cached_minutes(&self, symbol: Symbol, n: usize) -> Vec<Bar> {
        self.symbols.get(&symbol).map(|c| c.minutes.last_completed(n)).unwrap_or_default()
    }

    /// The cache's minute bars in place of broker history, when they are bars of the asked length (one minute);
    /// other lengths start cold rather than with bars of the wrong length.
    fn fallback(&mut self, msg: GetWarmUp, source: HistorySource) -> WarmUpBars {
        let fits = msg.need.is_none_or(|n| n.interval == kis_strategy::BarInterval::Min1);
        if let HistorySource::Cache(CacheReason::NoMinuteChart(_)) = source
            && !self.fallback_logged
        {
            self.fallback_logged = true;
            tracing::warn!(
                target: "market_cache",
                "US minute warm-up uses {source}{}",
                if fits { "" } else { "; strategies on longer input bars start cold" }
            );
        }
        let bars = if fits { self.cached_minutes(msg.symbol, msg.minutes) } else { Vec::new() };
        WarmUpBars { bars, source, skipped_rows: 0 }
    }

    /// Reports to the supervisor every `interval`.
    pub fn with_heartbeat(mut self, reporter: HeartbeatReporter, interval: Duration) -> MarketCache {
        self.heartbeat = Some((reporter, interval));
        self
    }

    fn apply(&mut self, event: &MarketEvent) {
        let config = self.config;
        let symbol = event.symbol();
        let cache = self.symbols.entry(symbol).or_insert_with(|| SymbolCache {
            latest: Latest { trade: None, book: None },
            seconds: BarHistory::new(symbol, BarSeries::Second, config.second_bars),
            minutes: BarHistory::new(symbol, BarSeries::Minute, config.minute_bars),
        });
        match event {
            MarketEvent::Trade(t) => {
                if cache.latest.trade.is_none_or(|old| old.ts <= t.ts) {
                    cache.latest.trade = Some(*t);
                }
                for history in [&mut cache.seconds, &mut cache.minutes] {
                    if let Err(e) = history.push(t) {
                        self.refused_trades = self.refused_trades.saturating_add(1);
                        debug!("market cache {:?} bar: {e}", history.series());
                    }
                }
            }
            MarketEvent::Book(b) => {
                if cache.latest.book.is_none_or(|old| old.ts <= b.ts) {
                    cache.latest.book = Some(*b);
                }
            }
            // Bars of unknown length from elsewhere are not mixed into the cache's own; they are built from trades.
            MarketEvent::Bar(_) => {}
        }
        if let Some((reporter, _)) = &mut self.heartbeat {
            reporter.touch();
        }
    }
}

impl Beating for MarketCache {
    fn heartbeat(&self) -> Option<&(HeartbeatReporter, Duration)> {
        self.heartbeat.as_ref()
    }
}

impl Actor for MarketCache {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        start_heartbeat(self, ctx);
    }
}

impl Handler<Update> for MarketCache {
    type Result = ();

    fn handle(&mut self, msg: Update, _: &mut Self::Context) {
        self.apply(&msg.0);
    }
}

impl Handler<UpdateBatch> for MarketCache {
    type Result = ();

    fn handle(&mut self, msg: UpdateBatch, _: &mut Self::Context) {
        for event in &msg.0 {
            self.apply(event);
        }
    }
}

impl Handler<GetLatest> for MarketCache {
    type Result = MessageResult<GetLatest>;

    fn handle(&mut self, msg: GetLatest, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.symbols.get(&msg.0).map(|c| c.latest))
    }
}

impl Handler<GetBars> for MarketCache {
    type Result = MessageResult<GetBars>;

    fn handle(&mut self, msg: GetBars, _: &mut Self::Context) -> Self::Result {
        let Some(cache) = self.symbols.get(&msg.symbol) else { return MessageResult(Bars::default()) };
        let history = match msg.series {
            BarSeries::Second => &cache.seconds,
            BarSeries::Minute => &cache.minutes,
        };
        MessageResult(Bars { completed: history.last_completed(msg.n), open: history.open_bar() })
    }
}

impl Handler<GetWarmUp> for MarketCache {
    type Result = ResponseActFuture<Self, WarmUpBars>;

    fn handle(&mut self, msg: GetWarmUp, _: &mut Self::Context) -> Self::Result {
        let Some((api, clock)) = self.history.clone() else {
            let source = history_source(msg.symbol, None, kis_model::Environment::Real);
            return Box::pin(fut::ready(self.fallback(msg, source)));
        };
        let source = history_source(msg.symbol, msg.need, api.env());
        let now = clock.now();
        let wanted = msg.need.map_or(0, |n| n.bars);
        let fetch = async move {
            match source {
                HistorySource::UsDaily => Some(fetch::us_daily(&api, msg.symbol, now).await),
                HistorySource::UsMinutes { nmin } => Some(fetch::us_minutes(&api, msg.symbol, nmin, wanted, now).await),
                HistorySource::Cache(_) => None,
            }
        };
        Box::pin(fetch.into_actor(self).map(move |result, act, _| match result {
            None => act.fallback(msg, source),
            Some(Ok(parsed)) => {
                if let Some(first) = parsed.skipped.first() {
                    tracing::warn!(
                        target: "market_cache",
                        symbol = %msg.symbol,
                        skipped = parsed.skipped.len(),
                        "warm-up history: unusable chart rows skipped, the first: {first}"
                    );
                }
                let skipped_rows = parsed.skipped.len();
                let mut bars = parsed.bars;
                bars.drain(..bars.len().saturating_sub(wanted.max(1)));
                WarmUpBars { bars, source, skipped_rows }
            }
            Some(Err(e)) => {
                tracing::warn!(
                    target: "market_cache",
                    symbol = %msg.symbol,
                    error = %e,
                    "warm-up history from {source} failed; using the cache's bars"
                );
                act.fallback(msg, HistorySource::Cache(CacheReason::Failed))
            }
        }))
    }
}

/// How many trades the bar builders refused (late or out of range) since start.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "u64")]
pub struct GetRefusedTrades;

impl Handler<GetRefusedTrades> for MarketCache {
    type Result = MessageResult<GetRefusedTrades>;

    fn handle(&mut self, _: GetRefusedTrades, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.refused_trades)
    }
}

impl Handler<Shutdown> for MarketCache {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

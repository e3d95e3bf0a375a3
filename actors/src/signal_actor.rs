//! One SignalActor per watched symbol: feeds the symbol's ticks to its strategy and forwards the strategy's
//! signals to the RiskManager.
//!
//! Each symbol is its own actor so that a strategy that panics on one symbol's data takes down that symbol
//! alone: the supervisor builds a fresh actor, which rebuilds its indicators from the MarketCache's bars
//! ([`Strategy::warm_up`]), or from KIS's charts when the strategy asks for broker history (the US bot on
//! day or minute candles; see [`GetWarmUp`]), and re-subscribes under the same owner name, replacing the dead
//! recipient in the feed instead of adding a second subscription.
//!
//! The tick path never waits: the account figures the strategy's [`Context`] needs are pushed here by the
//! RiskManager ([`AccountUpdate`]) whenever they change.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use kis_model::tick_size::InstrumentKind;
use kis_model::{MarketEvent, Symbol};
use kis_strategy::{AccountSnapshot, Context as StrategyContext, FillReport, Signal, Strategy, StrategyFactory};

use crate::market_cache::GetWarmUp;
use crate::messages::{AccountUpdate, MarketBatch, SignalMsg, Subscribe, SubscriberId, Unsubscribe};
use crate::slot::{FeedSlots, Slot};
use crate::supervisor::{HeartbeatReporter, Shutdown};

/// Minute bars a restarted strategy is warmed up with (MarketCache keeps 400).
pub const WARM_UP_BARS: usize = 400;

/// How long a warm-up may take (broker history is a few rate-limited calls) before the strategy starts cold
/// on the ticks buffered meanwhile.
pub const WARM_UP_TIMEOUT: Duration = Duration::from_secs(30);

/// The RiskManager learns where to push a symbol's account view (sent again by every restarted instance).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RegisterSignalActor {
    pub symbol: Symbol,
    pub to: Recipient<AccountUpdate>,
    pub fills: Recipient<StrategyFill>,
}

/// One of the strategy's orders was (partly) filled.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct StrategyFill(pub FillReport);

/// Counters, for tests and the health line.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "SignalStats")]
pub struct GetSignalStats;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignalStats {
    pub events: u64,
    pub signals: u64,
    pub warmed_up_bars: usize,
    pub rejected_events: u64,
}

/// What a SignalActor is wired to. Cloned into every (re)start by the factory.
#[derive(Clone)]
pub struct SignalWiring {
    pub factory: Arc<dyn StrategyFactory>,
    pub feed: FeedSlots,
    /// The MarketCache's warm-up bars (its own minute bars, or broker history the strategy asks for).
    pub cache: Slot<GetWarmUp>,
    pub risk: Recipient<SignalMsg>,
    pub register: Recipient<RegisterSignalActor>,
    pub supervisor: Recipient<crate::supervisor::Heartbeat>,
    pub heartbeat_every: Duration,
    /// Whether the strategy reads order books (subscribes H0STASP0 besides trades).
    pub books: bool,
}

pub struct SignalActor {
    symbol: Symbol,
    kind: InstrumentKind,
    wiring: SignalWiring,
    strategy: Option<Box<dyn Strategy>>,
    account: AccountSnapshot,
    /// Set when a signal went out, cleared by the next account view: one idea never becomes two signals while
    /// the RiskManager is deciding.
    awaiting_decision: bool,
    out: Vec<Signal>,
    heartbeat: HeartbeatReporter,
    stats: SignalStats,
    /// Ticks that arrived while the warm-up was running, replayed after it.
    early: Vec<MarketEvent>,
    warming_up: bool,
    last_price: Option<kis_model::Price>,
}

impl SignalActor {
    pub fn owner_name(symbol: Symbol) -> String {
        format!("signal:{symbol}")
    }

    pub fn new(symbol: Symbol, kind: InstrumentKind, wiring: SignalWiring) -> SignalActor {
        let heartbeat = HeartbeatReporter::new(Self::owner_name(symbol), wiring.supervisor.clone());
        SignalActor {
            symbol,
            kind,
            wiring,
            strategy: None,
            account: AccountSnapshot::flat(rust_decimal::Decimal::ZERO),
            awaiting_decision: false,
            out: Vec::with_capacity(4),
            heartbeat,
            stats: SignalStats::default(),
            early: Vec::new(),
            warming_up: true,
            last_price: None,
        }
    }

    fn owner(&self) -> SubscriberId {
        SubscriberId::new(&Self::owner_name(self.symbol))
    }

    fn register(&self, ctx: &mut Context<Self>) {
        let me = ctx.address();
        self.wiring.register.do_send(RegisterSignalActor {
            symbol: self.symbol,
            to: me.clone().recipient(),
            fills: me.recipient(),
        });
    }

    fn on_event(&mut self, event: &MarketEvent) {
        if let MarketEvent::Trade(t) = event {
            self.last_price = Some(t.price);
        }
        let Some(strategy) = self.strategy.as_mut() else { return };
        self.stats.events += 1;
        let mut account = self.account;
        account.order_pending |= self.awaiting_decision;
        let ctx = StrategyContext::new(event.ts(), account);
        strategy.on_event(event, &ctx, &mut self.out);
        for signal in self.out.drain(..) {
            self.stats.signals += 1;
            self.awaiting_decision = true;
            tracing::info!(
                target: "signal",
                symbol = %signal.symbol,
                side = %signal.side,
                kind = ?signal.kind,
                "signal: {}",
                signal.reason
            );
            self.wiring.risk.do_send(SignalMsg { signal, last_price: self.last_price, at: event.ts() });
        }
    }
}

impl Actor for SignalActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        match self.wiring.factory.build(self.symbol, self.kind) {
            Ok(strategy) => self.strategy = Some(strategy),
            Err(e) => {
                // A symbol the strategy cannot trade (wrong market, not in its list) is a configuration
                // matter: log it and stay idle rather than crash-loop under the supervisor.
                tracing::warn!(target: "signal", symbol = %self.symbol, error = %e, "no strategy for this symbol");
            }
        }
        let every = self.wiring.heartbeat_every;
        ctx.run_interval(every, |act, ctx| {
            act.heartbeat.beat(0);
            // Again on every beat: a restarted RiskManager learns where this symbol's views go.
            act.register(ctx);
        });

        // Warm up before the first live tick is used: ticks arriving meanwhile wait in `early`. Spawned, not
        // awaited in the mailbox: a broker history fetch takes a few calls, and the heartbeat must go on meanwhile.
        let need = self.strategy.as_ref().and_then(|s| s.warm_up_history());
        let request = GetWarmUp { symbol: self.symbol, need, minutes: WARM_UP_BARS };
        let cache = self.wiring.cache.clone();
        let fetch = async move { actix_rt::time::timeout(WARM_UP_TIMEOUT, cache.send(request)).await };
        ctx.spawn(fetch.into_actor(self).map(move |reply, act, _| {
            match (reply, act.strategy.as_mut()) {
                (Err(_), _) => tracing::warn!(
                    target: "signal",
                    symbol = %act.symbol,
                    "no warm-up bars within {} s: starting cold",
                    WARM_UP_TIMEOUT.as_secs()
                ),
                (Ok(Err(_)), _) => {
                    tracing::warn!(target: "signal", symbol = %act.symbol, "market cache not running: starting cold")
                }
                (Ok(Ok(warm)), Some(strategy)) if !warm.bars.is_empty() => {
                    strategy.warm_up(&warm.bars);
                    act.stats.warmed_up_bars = warm.bars.len();
                    tracing::info!(
                        target: "signal",
                        symbol = %act.symbol,
                        bars = warm.bars.len(),
                        first = %warm.bars[0].ts,
                        last = %warm.bars[warm.bars.len() - 1].ts,
                        skipped_rows = warm.skipped_rows,
                        "strategy warmed up from {}",
                        warm.source
                    );
                }
                (Ok(Ok(warm)), Some(_)) if need.is_some() => tracing::info!(
                    target: "signal",
                    symbol = %act.symbol,
                    "no warm-up bars from {}: starting cold",
                    warm.source
                ),
                _ => {}
            }
            act.warming_up = false;
            for event in std::mem::take(&mut act.early) {
                act.on_event(&event);
            }
        }));

        self.register(ctx);
        let me = ctx.address();
        let subscribe =
            Subscribe { owner: self.owner(), symbol: self.symbol, books: self.wiring.books, to: me.recipient() };
        let feed = self.wiring.feed.clone();
        let symbol = self.symbol;
        ctx.spawn(
            async move {
                match feed.subscribe.send(subscribe).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(target: "signal", %symbol, error = %e, "not subscribed"),
                    Err(e) => tracing::warn!(target: "signal", %symbol, error = %e, "not subscribed"),
                }
            }
            .into_actor(self),
        );
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        // Reached on a requested stop (watchlist removal, shutdown); a panic skips it and the replacement
        // re-subscribes under the same owner.
        self.wiring.feed.unsubscribe.do_send(Unsubscribe { owner: self.owner(), symbol: self.symbol });
    }
}

impl Handler<MarketBatch> for SignalActor {
    type Result = ();

    fn handle(&mut self, msg: MarketBatch, _: &mut Self::Context) {
        self.heartbeat.touch();
        if self.warming_up {
            self.early.extend(msg.0.iter().filter(|e| e.symbol() == self.symbol).copied());
            return;
        }
        for event in msg.0.iter() {
            if event.symbol() == self.symbol {
                self.on_event(event);
            }
        }
        if let Some(strategy) = &self.strategy {
            self.stats.rejected_events = strategy.rejected_events();
        }
    }
}

impl Handler<AccountUpdate> for SignalActor {
    type Result = ();

    fn handle(&mut self, msg: AccountUpdate, _: &mut Self::Context) {
        self.account = msg.0;
        self.awaiting_decision = false;
    }
}

impl Handler<StrategyFill> for SignalActor {
    type Result = ();

    fn handle(&mut self, msg: StrategyFill, _: &mut Self::Context) {
        if let Some(strategy) = self.strategy.as_mut() {
            strategy.on_fill(&msg.0);
        }
    }
}

impl Handler<GetSignalStats> for SignalActor {
    type Result = MessageResult<GetSignalStats>;

    fn handle(&mut self, _: GetSignalStats, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.stats)
    }
}

impl Handler<Shutdown> for SignalActor {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

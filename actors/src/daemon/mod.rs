//! Wires the daemon's actor tree and takes it down again.
//!
//! Everything runs inside one actix System. The I/O actors (token manager, feed, cache, screener, risk
//! manager, order router) share the arbiter the daemon was started on, because the REST service and the
//! WebSocket sessions are awc (`!Send`); the per-symbol SignalActors are spread over their own arbiters.
//!
//! Every actor is started by a factory the supervisor can call again. Actors reach a supervised peer through
//! a [`Slot`] (refilled by the peer's factory) or through a [`Relay`] recipient in front of one, never
//! through an `Addr` that a restart would leave dead.

mod day_end;
mod day_plan;
mod escalation;
mod settings;
mod strategy_set;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use kis_auth::{StoreKey, TokenPolicy};
use kis_client::{Credentials, Endpoints, RestClient};
use kis_config::DaemonConfig;
use kis_model::{AccountNo, Market, Secret};
use kis_strategy::StrategyFactory;
use kis_strategy::risk::HaltCause;
use thiserror::Error;

pub use day_plan::DayPlan;
pub use escalation::EscalationHandler;
pub use settings::traded_markets;
use settings::{market_data_api, notifier_config, resolve_universe, risk_markets, token_store};
pub use strategy_set::StrategySet;

use crate::kis_api::{AccountIdentity, KisApi};
use crate::market_cache::{GetLatest, GetWarmUp, MarketCache, MarketCacheConfig, UpdateBatch};
use crate::messages::{
    ApprovedOrder, CancelForExit, FeedStatus, GetFeedStatus, Halt, Notice, OrderUpdate, Reprice, SignalMsg,
    WatchlistChange,
};
use crate::notifier::{NotifierHandle, NotifyEvent, SessionAnnouncer, SessionAnnouncerConfig};
use crate::order_router::{CancelAll, GetOpenOrders, OpenOrder, OrderRouter, RouterConfig};
use crate::risk_manager::{ExitStore, GetRiskStatus, RiskManager, RiskStatus, RouterLink, SendDailySummary};

use crate::screener::{GetWatchlist, Screener, ScreenerSettings, WatchEntry};
use crate::signal_actor::{RegisterSignalActor, SignalWiring};
use crate::signal_pool::{GetSignalSymbols, SignalPool};
use crate::slot::{FeedSlots, Relay, Slot};
use crate::supervisor::{
    ActorHealth, FailedChild, GetHealth, HeartbeatReporter, Supervisor, SupervisorConfig, SupervisorError,
};
use crate::token_manager::{GetTokenStatus, TokenManagerActor, TokenStatus};
use crate::venue_clock::VenueClock;
use crate::ws_feed::{SharedSubscriptions, WsFeed, WsFeedConfig};

const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);

/// Everything [`Daemon::start`] needs beyond the config file: where KIS (or the simulator) is, who we are to
/// it, and the clock orders are judged by.
pub struct DaemonSetup {
    pub config: DaemonConfig,
    pub endpoints: Endpoints,
    /// The trading key first; every further key adds one WebSocket session for market data.
    pub keys: Vec<Credentials>,
    pub account: AccountNo,
    pub hts_id: Option<Secret>,
    pub clock: VenueClock,
    /// `None`: the strategies of `config.strategies`.
    pub strategy: Option<Arc<dyn StrategyFactory>>,
    pub supervisor: SupervisorConfig,
    /// Where the token cache and the order journal live (already resolved against the config).
    pub state_dir: PathBuf,
    pub http_timeout: Duration,
    /// KIS's token rules ([`TokenPolicy::default`]); tests against a simulator with shortened rules shorten it.
    pub token_policy: TokenPolicy,
}

#[derive(Debug, Error)]
pub enum DaemonError {
    #[error("no app key given")]
    NoKeys,
    #[error("cannot create the state directory {path}: {source}")]
    StateDir { path: PathBuf, source: std::io::Error },
    #[error("invalid {what} settings: {detail}")]
    Settings { what: &'static str, detail: String },
    #[error(transparent)]
    Supervisor(#[from] SupervisorError),
}

/// Slots of the actors others talk to; filled by each actor's factory.
#[derive(Clone, Default)]
struct Slots {
    feed: FeedSlots,
    cache_updates: Slot<UpdateBatch>,
    cache_warm_up: Slot<GetWarmUp>,
    cache_latest: Slot<GetLatest>,
    risk_signals: Slot<SignalMsg>,
    risk_updates: Slot<OrderUpdate>,
    risk_register: Slot<RegisterSignalActor>,
    risk_halt: Slot<Halt>,
    risk_status: Slot<GetRiskStatus>,
    risk_summary: Slot<SendDailySummary>,
    router_orders: Slot<ApprovedOrder>,
    router_notices: Slot<Notice>,
    router_cancel: Slot<CancelAll>,
    router_exit_cancels: Slot<CancelForExit>,
    router_reprices: Slot<Reprice>,
    router_open: Slot<GetOpenOrders>,
    screener_list: Slot<GetWatchlist>,
    watchlist: Slot<WatchlistChange>,
    token_status: Slot<GetTokenStatus>,
}

/// A running daemon: handles for the wiring, the CLI's status lines and the tests.
pub struct Daemon {
    supervisor: Addr<Supervisor>,
    pool: Addr<SignalPool>,
    slots: Slots,
    arbiters: Vec<Arbiter>,
    notifier: NotifierHandle,
    pub clock: VenueClock,
    markets: Vec<Market>,
    /// Markets whose day [`end_day`](Daemon::end_day) ended: the final shutdown does not summarise them again.
    ended: std::sync::Mutex<Vec<Market>>,
}

/// Summary of a graceful stop, or of one market's day end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Orders cancelled because `cancel_open` was asked.
    pub cancelled: usize,
    /// Orders still open at the exchange when it ended (adopted on the next start).
    pub left_open: usize,
}

impl Daemon {
    /// Starts the tree on the current arbiter (inside an actix System). Returns once every actor has been
    /// started; the RiskManager and OrderRouter then sync with the broker before they act.
    pub fn start(setup: DaemonSetup) -> Result<Daemon, DaemonError> {
        let DaemonSetup {
            config,
            endpoints,
            keys,
            account,
            hts_id,
            clock,
            strategy,
            supervisor: supervisor_config,
            state_dir,
            http_timeout,
            token_policy,
        } = setup;
        if keys.is_empty() {
            return Err(DaemonError::NoKeys);
        }
        std::fs::create_dir_all(&state_dir)
            .map_err(|source| DaemonError::StateDir { path: state_dir.clone(), source })?;
        supervisor_config.validate()?;
        let notifier = NotifierHandle::start(notifier_config(&config)?);

        let env = endpoints.env;
        // Under the simulator the endpoints say which KIS service it emulates.
        let rps = config.api.effective_requests_per_second(config.environment, env);
        let auths: Vec<kis_auth::TokenManager> = keys
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let client = RestClient::new(endpoints.clone(), key.clone(), rps, http_timeout);
                let store_key = StoreKey::new(env.as_str(), &key.app_key);
                kis_auth::TokenManager::new(client, token_store(&state_dir, i), store_key, token_policy)
            })
            .collect();
        let api = KisApi::new(auths[0].clone(), AccountIdentity { account, hts_id: hts_id.clone(), env });

        let strategy: Arc<dyn StrategyFactory> =
            strategy.unwrap_or_else(|| Arc::new(StrategySet(config.strategies.clone())));
        let books = config.strategies.iter().any(|s| matches!(s, kis_strategy::StrategyConfig::KrxScalping(_)));

        let mut risk_config = risk_markets(&config);
        let markets: Vec<Market> = risk_config.markets.iter().map(|m| m.market).collect();
        risk_config.environment = config.environment;
        risk_config.validate().map_err(|e| DaemonError::Settings { what: "risk", detail: e.to_string() })?;
        // One writer for every incarnation of the RiskManager: a restarted one is never overwritten by the last
        // write of the one before.
        let exit_path = state_dir.join("exit-state.json");
        let exit_store =
            ExitStore::spawn(exit_path.clone()).map_err(|source| DaemonError::StateDir { path: exit_path, source })?;

        let mut screener_settings = ScreenerSettings::from(&config.screener);
        screener_settings.screen_krx = markets.contains(&Market::Krx);
        // A fixed-ticker strategy's symbols are always watched.
        for strategy in &config.strategies {
            if let kis_strategy::StrategyConfig::UsRsiMacd(c) = strategy {
                let tickers =
                    c.symbols().map_err(|e| DaemonError::Settings { what: "strategies", detail: e.to_string() })?;
                for symbol in tickers {
                    if !screener_settings.pinned.contains(&symbol) {
                        screener_settings.pinned.push(symbol);
                    }
                }
            }
        }
        let mut router_config = RouterConfig::new(state_dir.join("journal.jsonl"));
        router_config.cancel_unfilled_after = Duration::from_secs(config.router.cancel_unfilled_after_secs);
        router_config.poll_interval = Duration::from_secs(config.router.poll_interval_secs);
        router_config.us_orders = risk_config.markets.iter().any(|m| m.market == Market::Us);
        router_config.match_rules = kis_journal::MatchRules::for_client(
            http_timeout,
            Duration::from_secs(config.router.accept_margin_secs),
            clock.speed(),
        );

        let mut feed_config = WsFeedConfig::new(endpoints.ws_url.clone(), env);
        feed_config.hts_id = hts_id;
        // US fills come from H0GSCNI0/H0GSCNI9 on session 0, beside the domestic notices.
        feed_config.us_notices = risk_config.markets.iter().any(|m| m.market == Market::Us);
        feed_config.silence_timeout = Duration::from_millis(config.feed.silence_timeout_ms);
        feed_config.data_silence_timeout =
            Some(config.feed.data_silence_timeout_ms).filter(|ms| *ms > 0).map(Duration::from_millis);
        feed_config.seed = supervisor_config.seed;
        // Each symbol takes a trade registration (and a book one when the strategy reads books); session 0 also
        // carries the notices. The watchlist never asks for more than the feed's table accepts, less room for
        // one symbol: a holding outside the watchlist still needs its trades for the exits.
        let capacity = feed_config.layout(auths.len()).symbol_capacity(books).saturating_sub(1);
        if screener_settings.watchlist_max > capacity {
            tracing::warn!(
                watchlist_max = screener_settings.watchlist_max,
                capacity,
                sessions = auths.len(),
                "watchlist capped to what the WebSocket sessions can carry (41 registrations per app key)"
            );
            screener_settings.watchlist_max = capacity.max(1);
        }
        feed_config.validate(auths.len()).map_err(|e| DaemonError::Settings { what: "feed", detail: e.to_string() })?;
        if screener_settings.universe.is_empty() {
            screener_settings.universe = resolve_universe(config.screener.universe_file.as_deref())?;
        }
        let screener_api = match config.api.market_data.as_ref().filter(|_| config.environment.kis().is_some()) {
            Some(md) => {
                let api = market_data_api(md, &state_dir, http_timeout, token_policy, &api);
                screener_settings
                    .fit_budget(md.requests_per_second.unwrap_or(kis_config::api::REAL_REQUESTS_PER_SECOND));
                tracing::info!(
                    "screener: rank lists and quotes from api.market_data.app_key (real domain); orders and account \
                     reads stay on the {env} key"
                );
                api
            }
            None => {
                screener_settings.fit_budget(rps);
                api.clone()
            }
        };
        screener_settings.validate().map_err(|e| DaemonError::Settings { what: "screener", detail: e.to_string() })?;
        let slots = Slots::default();
        let table = SharedSubscriptions::new();
        let escalation = EscalationHandler::new(slots.risk_halt.clone(), notifier.clone()).start();

        let sessions = auths.len();
        let supervisor = {
            let slots = slots.clone();
            let notifier = notifier.clone();
            let api = api.clone();
            let clock = clock.clone();
            let escalation = escalation.recipient();
            let failed: std::rc::Rc<std::cell::RefCell<Option<DaemonError>>> = Default::default();
            let failed_in = failed.clone();
            let addr = Supervisor::create(move |ctx| {
                let heartbeat = ctx.address().recipient();
                let beat = move |name: &str| HeartbeatReporter::new(name, heartbeat.clone());
                // Validated before `create`, so this is the configured supervisor.
                let mut sup = Supervisor::new_unchecked(supervisor_config).with_escalation(escalation);
                let mut add = |name: &str, factory: crate::supervisor::LocalFactory| {
                    if let Err(e) = sup.add_child(name, factory) {
                        *failed_in.borrow_mut() = Some(e.into());
                    }
                };

                // Relays in front of actors that others hand a plain recipient to.
                let notices_out = Relay::spawn(slots.router_notices.clone());
                let updates_out = Relay::spawn(slots.risk_updates.clone());
                let orders_out = RouterLink {
                    orders: Relay::spawn(slots.router_orders.clone()),
                    exit_cancels: Relay::spawn(slots.router_exit_cancels.clone()),
                    reprices: Relay::spawn(slots.router_reprices.clone()),
                };
                let cache_out = Relay::spawn(slots.cache_updates.clone());
                let watchlist_out = Relay::spawn(slots.watchlist.clone());

                {
                    let auth = auths[0].clone();
                    let beat = beat.clone();
                    let slots = slots.clone();
                    add(
                        "token_manager",
                        Box::new(move || {
                            let addr = TokenManagerActor::new(auth.clone())
                                .with_heartbeat(beat("token_manager"), HEARTBEAT_EVERY)
                                .start();
                            slots.token_status.set(addr.clone().recipient());
                            addr.recipient()
                        }),
                    );
                }
                {
                    let beat = beat.clone();
                    let slots = slots.clone();
                    // Warm-up history on the market-data key when there is one (real: it has the minute chart).
                    let history = (screener_api.clone(), clock.clone());
                    add(
                        "market_cache",
                        Box::new(move || {
                            let addr = MarketCache::new(MarketCacheConfig::default())
                                .with_history(history.0.clone(), history.1.clone())
                                .with_heartbeat(beat("market_cache"), HEARTBEAT_EVERY)
                                .start();
                            slots.cache_warm_up.set(addr.clone().recipient());
                            slots.cache_updates.set(addr.clone().recipient());
                            slots.cache_latest.set(addr.clone().recipient());
                            addr.recipient()
                        }),
                    );
                }
                {
                    let beat = beat.clone();
                    let slots = slots.clone();
                    let api = api.clone();
                    let clock = clock.clone();
                    let notifier = notifier.clone();
                    add(
                        "order_router",
                        Box::new(move || {
                            let addr = OrderRouter::new(
                                router_config.clone(),
                                api.clone(),
                                clock.clone(),
                                updates_out.clone(),
                            )
                            .with_notifier(notifier.clone())
                            .with_heartbeat(beat("order_router"), HEARTBEAT_EVERY)
                            .start();
                            slots.router_orders.set(addr.clone().recipient());
                            slots.router_notices.set(addr.clone().recipient());
                            slots.router_cancel.set(addr.clone().recipient());
                            slots.router_exit_cancels.set(addr.clone().recipient());
                            slots.router_reprices.set(addr.clone().recipient());
                            slots.router_open.set(addr.clone().recipient());
                            addr.recipient()
                        }),
                    );
                }
                {
                    let beat = beat.clone();
                    let slots = slots.clone();
                    let api = api.clone();
                    let clock = clock.clone();
                    let notifier = notifier.clone();
                    add(
                        "risk_manager",
                        Box::new(move || {
                            let actor = RiskManager::new(
                                risk_config.clone(),
                                api.clone(),
                                clock.clone(),
                                slots.feed.clone(),
                                orders_out.clone(),
                                notifier.clone(),
                            );
                            let addr = match actor {
                                Ok(a) => a
                                    .with_heartbeat(beat("risk_manager"), HEARTBEAT_EVERY)
                                    .with_exit_store(exit_store.clone())
                                    .start(),
                                Err(e) => return FailedChild::start("risk_manager", e),
                            };
                            slots.risk_signals.set(addr.clone().recipient());
                            slots.risk_updates.set(addr.clone().recipient());
                            slots.risk_register.set(addr.clone().recipient());
                            slots.risk_halt.set(addr.clone().recipient());
                            slots.risk_status.set(addr.clone().recipient());
                            slots.risk_summary.set(addr.clone().recipient());
                            addr.recipient()
                        }),
                    );
                }
                {
                    let beat = beat.clone();
                    let slots = slots.clone();
                    let clock = clock.clone();
                    let auths = auths.clone();
                    let table = table.clone();
                    add(
                        "ws_feed",
                        Box::new(move || {
                            let feed = WsFeed::new(
                                feed_config.clone(),
                                auths.clone(),
                                table.clone(),
                                cache_out.clone(),
                                notices_out.clone(),
                                clock.clone(),
                            );
                            let addr = match feed {
                                Ok(f) => f.with_heartbeat(beat("ws_feed"), HEARTBEAT_EVERY).start(),
                                Err(e) => return FailedChild::start("ws_feed", e),
                            };
                            slots.feed.subscribe.set(addr.clone().recipient());
                            slots.feed.unsubscribe.set(addr.clone().recipient());
                            slots.feed.status.set(addr.clone().recipient());
                            addr.recipient()
                        }),
                    );
                }
                {
                    let beat = beat.clone();
                    let slots = slots.clone();
                    let api = screener_api.clone();
                    let notifier = notifier.clone();
                    add(
                        "screener",
                        Box::new(move || {
                            let screener = Screener::new(
                                screener_settings.clone(),
                                api.clone(),
                                Some(slots.cache_latest.clone()),
                                watchlist_out.clone(),
                            );
                            let addr = match screener {
                                Ok(s) => s
                                    .with_notifier(notifier.clone())
                                    .with_heartbeat(beat("screener"), HEARTBEAT_EVERY)
                                    .start(),
                                Err(e) => return FailedChild::start("screener", e),
                            };
                            slots.screener_list.set(addr.clone().recipient());
                            addr.recipient()
                        }),
                    );
                }
                sup
            });
            if let Some(e) = failed.borrow_mut().take() {
                return Err(e);
            }
            addr
        };

        let threads = match config.daemon.signal_threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()).min(8),
            n => n,
        };
        let arbiters: Vec<Arbiter> = (0..threads).map(|_| Arbiter::new()).collect();
        let wiring = SignalWiring {
            factory: strategy,
            feed: slots.feed.clone(),
            cache: slots.cache_warm_up.clone(),
            risk: Relay::spawn(slots.risk_signals.clone()),
            register: Relay::spawn(slots.risk_register.clone()),
            supervisor: supervisor.clone().recipient(),
            heartbeat_every: HEARTBEAT_EVERY,
            books,
        };
        let pool = SignalPool::new(supervisor.clone(), wiring, arbiters.iter().map(Arbiter::handle).collect()).start();
        slots.watchlist.set(pool.clone().recipient());
        // The open-of-session message of each traded market (also once at start for the markets then open).
        let announcer = SessionAnnouncerConfig::from_strategies(&config.strategies, config.daemon.shutdown_at);
        SessionAnnouncer::new(announcer, clock.clone(), slots.risk_status.clone(), notifier.clone()).start();
        tracing::info!(
            environment = %config.environment,
            kis = %env,
            sessions,
            signal_threads = threads,
            "daemon started"
        );
        Ok(Daemon { supervisor, pool, slots, arbiters, notifier, clock, markets, ended: Default::default() })
    }

    /// Stops new orders without stopping the daemon: an operator's kill switch. Protective exits (stop-loss,
    /// trailing stop, max holding time) still go out: a halt stops new risk, not the cutting of held risk.
    pub fn halt(&self, reason: &str) {
        self.slots.risk_halt.do_send(Halt {
            cause: HaltCause::Operator,
            reason: reason.to_string(),
            reduce_only: false,
            market: None,
            alert: true,
        });
    }

    pub async fn health(&self) -> Vec<(String, ActorHealth)> {
        self.supervisor.send(GetHealth).await.unwrap_or_default()
    }

    pub async fn risk_status(&self) -> Option<RiskStatus> {
        self.slots.risk_status.send(GetRiskStatus).await.ok()
    }

    pub async fn feed_status(&self) -> Option<FeedStatus> {
        self.slots.feed.status.send(GetFeedStatus).await.ok()
    }

    pub async fn token_status(&self) -> Option<TokenStatus> {
        self.slots.token_status.send(GetTokenStatus).await.ok()
    }

    pub async fn watchlist(&self) -> Vec<WatchEntry> {
        self.slots.screener_list.send(GetWatchlist).await.unwrap_or_default()
    }

    pub async fn signal_symbols(&self) -> Vec<kis_model::Symbol> {
        self.pool.send(GetSignalSymbols).await.unwrap_or_default()
    }

    pub async fn open_orders(&self) -> Vec<OpenOrder> {
        self.slots.router_open.send(GetOpenOrders).await.unwrap_or_default()
    }

    pub fn notifier(&self) -> &NotifierHandle {
        &self.notifier
    }

    /// Notifies an error from outside the tree (e.g. the CLI's own checks).
    pub fn notify(&self, event: NotifyEvent) {
        self.notifier.notify(event);
    }
}

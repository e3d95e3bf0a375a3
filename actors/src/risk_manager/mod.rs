//! The RiskManager: a thin actor over the pure [`Desk`] (crates/kis-desk), which decides whether a signal
//! becomes an order, books every fill, and watches every held position's exits on every trade.
//!
//! The actor owns the desk and does the I/O around it: it reads each configured market's account from the
//! broker before anything is judged (and again now and then, and after a fill of an earlier run), keeps a
//! feed subscription for every held symbol (exits keep working after the Screener drops it), hands approved
//! intents to the OrderRouter, tells the notifier, saves each position's exit state for the next start, and
//! pushes each SignalActor its symbol's [`AccountSnapshot`] when it changed. Protective exits go out in every
//! trading state but shutdown.

mod broker_sync;
mod exit_store;
mod exits;
mod notify;
mod order_updates;
mod outputs;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use actix::prelude::*;
use chrono::NaiveDate;
use kis_desk::{DayResult, Desk, DeskConfig, MarketRules, Output};
use kis_model::{Currency, KrxBoard, Market, Money, Price, Qty, Symbol};
use kis_strategy::AccountSnapshot;
use kis_strategy::risk::{ExitRules, ExitState, HaltCause, RiskConfig, TradingState};
use rust_decimal::Decimal;

use broker_sync::RECONNECT_CHECK_EVERY;
pub use broker_sync::{BrokerAccount, BuyableProbe, SyncError, fetch_account};
pub use exit_store::{ExitStore, ExitStoreError};
pub use kis_desk::EXIT_STRATEGY;

use crate::kis_api::KisApi;
use crate::messages::{
    AccountUpdate, ApprovedOrder, CancelForExit, Halt, MarketBatch, Reprice, SignalMsg, Subscribe, SubscriberId,
    Unsubscribe,
};
use crate::notifier::{NotifierHandle, NotifyEvent};
use crate::signal_actor::{RegisterSignalActor, StrategyFill};
use crate::slot::FeedSlots;
use crate::supervisor::{Beating, HeartbeatReporter, Shutdown, start_heartbeat};
use crate::venue_clock::VenueClock;

const OWNER: &str = "risk";

#[derive(Debug, Clone)]
pub struct RiskManagerConfig {
    /// The markets traded, each with its risk rules and exits.
    pub markets: Vec<MarketRules>,
    pub fees: kis_model::FeeModel,
    /// Board assumed for the sell tax of KRX symbols (the broker sync corrects the cash).
    pub board: KrxBoard,
    /// How often the account (balance, present balance, buying power) is re-read from the broker while no
    /// order is working (`[daemon] account_resync_secs`). It is also re-read after the feed reconnects.
    pub resync_every: Duration,
    /// The US symbol the buying-power inquiry asks about (KIS wants one); unset, the first US holding. With
    /// neither, the US buying power is not read and the desk judges by its books alone.
    pub buyable_probe: Option<Symbol>,
    /// How often time is passed to the desk (daily loss, new days, holding-time exits).
    pub mark_every: Duration,
    /// Named in the start-up notification (the simulator emulates a KIS service; this says which it is).
    pub environment: kis_config::TradingEnvironment,
}

impl RiskManagerConfig {
    /// The KRX market with these rules (add others with [`with_market`](Self::with_market)).
    pub fn new(risk: RiskConfig, exits: ExitRules) -> RiskManagerConfig {
        RiskManagerConfig {
            markets: vec![MarketRules { market: Market::Krx, risk, exits: Some(exits) }],
            fees: kis_model::FeeModel::shipped(),
            board: KrxBoard::Kospi,
            resync_every: Duration::from_secs(60),
            buyable_probe: None,
            mark_every: Duration::from_secs(1),
            environment: kis_config::TradingEnvironment::Sim,
        }
    }

    /// Adds a market, or replaces its rules.
    pub fn with_market(mut self, rules: MarketRules) -> RiskManagerConfig {
        self.markets.retain(|m| m.market != rules.market);
        self.markets.push(rules);
        self
    }

    /// Only these markets.
    pub fn only(mut self, markets: &[Market]) -> RiskManagerConfig {
        self.markets.retain(|m| markets.contains(&m.market));
        self
    }

    fn desk_config(&self) -> DeskConfig {
        DeskConfig { fees: self.fees.clone(), board: self.board, markets: self.markets.clone() }
    }

    /// The rules' own checks: what [`RiskManager::new`] would refuse.
    pub fn validate(&self) -> Result<(), kis_strategy::ConfigError> {
        Desk::new(self.desk_config()).map(|_| ())
    }
}

/// Why the account is read from the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SyncMode {
    /// At start: nothing is judged before it.
    First,
    /// Routine correction, skipped while an order is working.
    Periodic,
    /// The book is known to be behind (a fill of an earlier run).
    Forced,
}

/// Counters and state, for tests and health lines.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "RiskStatus")]
pub struct GetRiskStatus;

/// One market's account.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketAccount {
    pub market: Market,
    pub ready: bool,
    pub state: TradingState,
    pub cash: Money,
    pub equity: Money,
    /// The broker's buying power from the last read, while the desk's books have not moved since.
    pub buying_power: Option<Money>,
    pub day: DayResult,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RiskStatus {
    /// Every configured market's account has been read.
    pub ready: bool,
    /// The strictest state over the markets.
    pub state: TradingState,
    /// What restricts trading now, and how far (empty while active).
    pub halts: Vec<(HaltCause, TradingState)>,
    /// Entries are refused (the state is not active).
    pub entries_blocked: bool,
    /// Cash and equity of the first configured market (KRW when KRX is traded); every market in `accounts`.
    pub cash: Decimal,
    pub equity: Decimal,
    pub accounts: Vec<MarketAccount>,
    pub positions: Vec<(Symbol, Qty, Price)>,
    pub working: usize,
    pub approved: u64,
    pub refused: BTreeMap<&'static str, u64>,
    /// Exit intents by the reason each first fired for (one per position, however many ticks it fired on).
    pub exits: BTreeMap<&'static str, u64>,
    /// Exits decided and not done yet (out, or held back until what refused them clears).
    pub pending_exits: usize,
    /// The exit state of each held position, as saved for the next run.
    pub exit_states: Vec<ExitState>,
    /// The first market's day.
    pub day: DayResult,
}

/// What the RiskManager hands the OrderRouter: approved orders, the cancels a protective exit needs, and the
/// re-pricing of a protective sell the market fell away from.
#[derive(Clone)]
pub struct RouterLink {
    pub orders: Recipient<ApprovedOrder>,
    pub exit_cancels: Recipient<CancelForExit>,
    pub reprices: Recipient<Reprice>,
}

pub struct RiskManager {
    config: RiskManagerConfig,
    desk: Desk,
    exit_store: Option<ExitStore>,
    /// What was last handed to the store.
    saved_states: Option<Vec<ExitState>>,
    api: KisApi,
    clock: VenueClock,
    feed: FeedSlots,
    orders: RouterLink,
    notifier: NotifierHandle,
    signal_actors: HashMap<Symbol, (Recipient<AccountUpdate>, Recipient<StrategyFill>)>,
    /// The snapshot each SignalActor was last sent: only a change is pushed.
    pushed: HashMap<Symbol, AccountSnapshot>,
    subscribed: HashSet<Symbol>,
    syncing: bool,
    /// The feed's reconnect count when last looked at, and whether a resync is owed since it grew.
    feed_reconnects: Option<u64>,
    resync_wanted: bool,
    /// Exit states were read from the store (once, at the first sync).
    exits_loaded: bool,
    heartbeat: Option<(HeartbeatReporter, Duration)>,
    me: Option<Recipient<MarketBatch>>,
    out: Vec<Output>,
}

impl RiskManager {
    pub fn new(
        config: RiskManagerConfig,
        api: KisApi,
        clock: VenueClock,
        feed: FeedSlots,
        orders: RouterLink,
        notifier: NotifierHandle,
    ) -> Result<RiskManager, kis_strategy::ConfigError> {
        let desk = Desk::new(config.desk_config())?;
        Ok(RiskManager {
            config,
            desk,
            exit_store: None,
            saved_states: None,
            api,
            clock,
            feed,
            orders,
            notifier,
            signal_actors: HashMap::new(),
            pushed: HashMap::new(),
            subscribed: HashSet::new(),
            syncing: false,
            feed_reconnects: None,
            resync_wanted: false,
            exits_loaded: false,
            heartbeat: None,
            me: None,
            out: Vec::new(),
        })
    }

    pub fn with_heartbeat(mut self, reporter: HeartbeatReporter, interval: Duration) -> RiskManager {
        self.heartbeat = Some((reporter, interval));
        self
    }

    /// Saves and restores the positions' exit state there.
    pub fn with_exit_store(mut self, store: ExitStore) -> RiskManager {
        self.exit_store = Some(store);
        self
    }

    fn touch(&mut self) {
        if let Some((reporter, _)) = &mut self.heartbeat {
            reporter.touch();
        }
    }

    fn primary_market(&self) -> Market {
        self.config.markets.first().map_or(Market::Krx, |m| m.market)
    }

    /// Reads every configured market's account; at the first sync the saved exit states beside it, off the
    /// event loop.
    fn sync(&mut self, ctx: &mut Context<Self>, mode: SyncMode) {
        if self.syncing {
            return;
        }
        self.syncing = true;
        let api = self.api.clone();
        let markets: Vec<Market> = self.desk.markets().collect();
        let probe = self.buyable_probe();
        let now = self.clock.now();
        let saved = self.exit_store.as_ref().filter(|_| !self.exits_loaded).map(|s| s.path().to_path_buf());
        let load = async move {
            let path = saved?;
            Some(actix_rt::task::spawn_blocking(move || ExitStore::load(&path)).await)
        };
        let fut = async move {
            let mut accounts = Vec::with_capacity(markets.len());
            for market in markets {
                accounts.push((market, fetch_account(&api, market, probe, now).await));
            }
            (accounts, load.await)
        };
        ctx.spawn(fut.into_actor(self).map(move |(accounts, saved), act, ctx| {
            act.syncing = false;
            match saved {
                Some(Ok(Ok(states))) => {
                    act.exits_loaded = true;
                    act.desk.restore_exits(states);
                }
                Some(Ok(Err(e))) => {
                    act.exits_loaded = true;
                    tracing::warn!(target: "risk", error = %e, "saved exit states unusable: every position starts fresh")
                }
                Some(Err(e)) => tracing::warn!(target: "risk", error = %e, "reading the saved exit states failed"),
                None => {}
            }
            let mut retry = false;
            for (market, result) in accounts {
                match result {
                    Ok(account) => act.apply_account(market, account, mode),
                    Err(e) => {
                        tracing::error!(target: "risk", ?market, error = %e, "cannot read the account from the broker");
                        retry |= !act.desk.market_ready(market);
                    }
                }
            }
            if retry {
                // Nothing is judged on a guessed account: try again shortly.
                ctx.run_later(Duration::from_secs(2), |act, ctx| act.sync(ctx, SyncMode::First));
            }
        }));
    }

    fn apply_account(&mut self, market: Market, account: BrokerAccount, mode: SyncMode) {
        // A routine resync while an order is working would race its fills; the next quiet moment will do.
        if mode == SyncMode::Periodic && self.has_working() {
            return;
        }
        let now = self.clock.now();
        let mut out = std::mem::take(&mut self.out);
        self.desk.on_balance(market, account.cash, &account.holdings, now, &mut out);
        if let Some(amount) = account.buying_power {
            self.desk.on_buying_power(market, amount);
        }
        self.route(&mut out);
        self.out = out;
        self.save_exit_states();
    }

    fn has_working(&self) -> bool {
        self.desk.ledger().working_count() > 0
    }

    fn ensure_subscribed(&mut self, symbol: Symbol) {
        if self.subscribed.contains(&symbol) {
            return;
        }
        let Some(me) = self.me.clone() else { return };
        let msg = Subscribe { owner: SubscriberId::new(OWNER), symbol, books: false, to: me };
        if self.feed.subscribe.do_send(msg) {
            self.subscribed.insert(symbol);
        }
    }

    fn drop_subscription(&mut self, symbol: Symbol) {
        if self.subscribed.remove(&symbol) {
            self.feed.unsubscribe.do_send(Unsubscribe { owner: SubscriberId::new(OWNER), symbol });
        }
    }

    /// Pushes the symbol's snapshot to its SignalActor when it differs from the last one sent.
    fn push_view(&mut self, symbol: Symbol) {
        let Some((to, _)) = self.signal_actors.get(&symbol) else { return };
        let snapshot = self.desk.snapshot(symbol);
        if self.pushed.get(&symbol) != Some(&snapshot) {
            to.do_send(AccountUpdate(snapshot));
            self.pushed.insert(symbol, snapshot);
        }
    }

    fn push_views(&mut self, currency: Currency) {
        let symbols: Vec<Symbol> =
            self.signal_actors.keys().filter(|s| s.market().currency() == currency).copied().collect();
        for symbol in symbols {
            self.push_view(symbol);
        }
    }

    /// Once a second: the desk's clock (new days, the daily loss limit, lifted rate breaches, holding-time
    /// exits), then the exit states to save.
    fn tick(&mut self) {
        if !self.desk.markets().any(|m| self.desk.market_ready(m)) {
            return;
        }
        let mut out = std::mem::take(&mut self.out);
        self.desk.on_clock(self.clock.now(), &mut out);
        self.route(&mut out);
        self.out = out;
        self.save_exit_states();
    }

    fn status(&self) -> RiskStatus {
        let ledger = self.desk.ledger();
        let accounts: Vec<MarketAccount> = self
            .desk
            .markets()
            .map(|market| {
                let c = market.currency();
                MarketAccount {
                    market,
                    ready: self.desk.market_ready(market),
                    state: self.desk.market_state(market).unwrap_or(TradingState::Active),
                    cash: Money::new(ledger.cash(c), c),
                    equity: Money::new(ledger.equity(c), c),
                    buying_power: ledger.buying_power(c).map(|b| Money::new(b, c)),
                    day: self.desk.day(market),
                }
            })
            .collect();
        let primary = self.primary_market().currency();
        let state = self.desk.state();
        RiskStatus {
            ready: self.desk.ready(),
            state,
            halts: self.desk.causes(),
            entries_blocked: state != TradingState::Active,
            cash: ledger.cash(primary),
            equity: ledger.equity(primary),
            accounts,
            positions: ledger.positions().map(|p| (p.symbol, p.qty, p.avg_price)).collect(),
            working: ledger.working_count(),
            approved: self.desk.approved(),
            refused: self.desk.refused().clone(),
            exits: self.desk.exits_fired().clone(),
            pending_exits: self.desk.pending_exits(),
            exit_states: self.desk.exit_states(),
            day: self.desk.day(self.primary_market()),
        }
    }

    fn daily_summary(&self, only: Option<Market>) {
        let ledger = self.desk.ledger();
        for market in self.desk.markets().filter(|m| only.is_none_or(|o| *m == o)) {
            let currency = market.currency();
            let day = self.desk.day(market);
            let date: NaiveDate =
                self.desk.trading_day(market).unwrap_or_else(|| kis_desk::trade_date(market, self.clock.now()));
            self.notifier.notify(NotifyEvent::DailySummary {
                date,
                realized_pnl: Money::new(day.realised_pnl, currency),
                trades: day.trades,
                wins: day.wins,
                losses: day.losses,
                open_positions: u32::try_from(ledger.open_positions(market)).unwrap_or(u32::MAX),
                equity: Some(Money::new(ledger.equity(currency), currency)),
            });
        }
    }
}

impl Beating for RiskManager {
    fn heartbeat(&self) -> Option<&(HeartbeatReporter, Duration)> {
        self.heartbeat.as_ref()
    }
}

impl Actor for RiskManager {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.me = Some(ctx.address().recipient());
        start_heartbeat(self, ctx);
        ctx.run_interval(self.config.mark_every, |act, _| act.tick());
        ctx.run_interval(RECONNECT_CHECK_EVERY, |act, ctx| act.watch_reconnects(ctx));
        ctx.run_interval(self.config.resync_every, |act, ctx| {
            if act.desk.ready() && !act.has_working() {
                act.sync(ctx, SyncMode::Periodic);
            }
        });
        self.sync(ctx, SyncMode::First);
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.save_exit_states();
        for symbol in std::mem::take(&mut self.subscribed) {
            self.feed.unsubscribe.do_send(Unsubscribe { owner: SubscriberId::new(OWNER), symbol });
        }
    }
}

impl Handler<RegisterSignalActor> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: RegisterSignalActor, _: &mut Self::Context) {
        let snapshot = self.desk.snapshot(msg.symbol);
        msg.to.do_send(AccountUpdate(snapshot));
        self.pushed.insert(msg.symbol, snapshot);
        self.signal_actors.insert(msg.symbol, (msg.to, msg.fills));
    }
}

impl Handler<SignalMsg> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: SignalMsg, _: &mut Self::Context) {
        self.touch();
        let symbol = msg.signal.symbol;
        // The SignalActor waits for a snapshot after every signal it sends, changed or not: forgetting the last
        // one sent makes the routing below (or, if nothing changed, the line after it) send exactly one.
        self.pushed.remove(&symbol);
        let mut out = std::mem::take(&mut self.out);
        // Never later than now: a stamp from a fast clock must not move a decision into the future.
        let at = msg.at.min(self.clock.now());
        self.desk.on_signal(&msg.signal, msg.last_price, at, &mut out);
        self.route(&mut out);
        self.out = out;
        self.push_view(symbol);
    }
}

impl Handler<MarketBatch> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: MarketBatch, _: &mut Self::Context) {
        self.touch();
        let mut out = std::mem::take(&mut self.out);
        for event in msg.0.iter() {
            if let kis_model::MarketEvent::Trade(t) = event {
                self.desk.on_trade(t.symbol, t.price, t.ts, &mut out);
            }
        }
        self.route(&mut out);
        self.out = out;
    }
}

impl Handler<Halt> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: Halt, _: &mut Self::Context) {
        let state = if msg.reduce_only { TradingState::ReduceOnly } else { TradingState::Halted };
        self.desk.on_halt(msg.cause, state, msg.market);
        let cause = msg.cause.label();
        if msg.alert {
            tracing::error!(target: "risk", reason = %msg.reason, cause, restriction = ?state, "trading halted; protective exits still go out");
            self.notifier.notify(NotifyEvent::Halt {
                reason: format!("{}: {}; protective exits still go out", msg.cause, msg.reason),
            });
        } else {
            tracing::info!(target: "risk", reason = %msg.reason, cause, restriction = ?state, "new orders stopped");
        }
    }
}

impl Handler<GetRiskStatus> for RiskManager {
    type Result = MessageResult<GetRiskStatus>;

    fn handle(&mut self, _: GetRiskStatus, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.status())
    }
}

/// The day's totals to the notifier: sent by the daemon when it stops for the day (not on every stop: a
/// restarted RiskManager must not report a day that is not over).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct SendDailySummary {
    /// `None`: every market.
    pub market: Option<Market>,
}

impl Handler<SendDailySummary> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: SendDailySummary, _: &mut Self::Context) {
        self.daily_summary(msg.market);
    }
}

impl Handler<Shutdown> for RiskManager {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

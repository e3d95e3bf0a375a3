//! The RiskManager: the one place that decides whether a signal becomes an order, and the one place that
//! watches every held position's exits on every tick.
//!
//! It owns the account picture ([`AccountBook`]): seeded from the broker's balance before any signal is
//! judged, moved by the OrderRouter's fill reports, corrected from the broker now and then. It keeps its own
//! feed subscription for every held symbol, so exits keep working after the Screener drops a symbol from the
//! watchlist. Stop-loss, take-profit, trailing stop and holding time come from [`ExitMonitor`] (stop-loss is
//! checked first), one intent per exit; the trading state (active, reduce-only, halted, each with its typed
//! [`HaltCause`]) from kis-strategy's [`RiskEngine`]. Protective exits go out in every state but shutdown.
//!
//! The order rate counts orders the router sent: every approval takes a slot, and the router's
//! `Closed { NotSent }` gives it back. Each position's exit state (opening time, high-water mark, trailing
//! arm) is saved in the state directory and restored at the next start when the broker's holding is the same.

mod book;
mod broker_sync;
mod exit_store;
mod exits;
mod notify;
mod order_updates;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, NaiveDate, Utc};
use kis_model::{KrxBoard, Market, Money, Price, Qty, Symbol};
use kis_strategy::Signal;
use kis_strategy::risk::{
    ExitIntents, ExitMonitor, ExitRules, ExitState, HaltCause, RefuseReason, RiskConfig, RiskDecision, RiskEngine,
    SavedExits, TradingState,
};
use rust_decimal::Decimal;

pub use book::{AccountBook, Adopted, BookError, DayResult, Realised, Working};
pub use broker_sync::{AccountSnapshot, SyncError, fetch_account};
pub use exit_store::{ExitStore, ExitStoreError};

use crate::kis_api::KisApi;
use crate::messages::{AccountView, ApprovedOrder, Halt, MarketBatch, SignalMsg, Subscribe, SubscriberId, Unsubscribe};
use crate::notifier::{Holding, NotifierHandle, NotifyEvent};
use crate::signal_actor::{RegisterSignalActor, StrategyFill};
use crate::slot::FeedSlots;
use crate::supervisor::{Beating, HeartbeatReporter, Shutdown, start_heartbeat};
use crate::venue_clock::VenueClock;

/// The strategy id stamped on exits the RiskManager decides itself.
pub const EXIT_STRATEGY: &str = "risk-exits";
const OWNER: &str = "risk";

#[derive(Debug, Clone)]
pub struct RiskManagerConfig {
    pub risk: RiskConfig,
    pub exits: ExitRules,
    pub market: Market,
    pub fees: kis_model::FeeModel,
    /// Board assumed for the sell tax of KRX symbols (the broker sync corrects the cash).
    pub board: KrxBoard,
    /// How often the account is re-read from the broker while no order is working.
    pub resync_every: Duration,
    /// How often equity is marked against the daily loss limit.
    pub mark_every: Duration,
    /// Named in the start-up notification (the simulator emulates a KIS service; this says which it is).
    pub environment: kis_config::TradingEnvironment,
}

impl RiskManagerConfig {
    /// The rules' own checks: what [`RiskManager::new`] would refuse.
    pub fn validate(&self) -> Result<(), kis_strategy::ConfigError> {
        RiskEngine::new(self.risk)?;
        self.exits.validate()
    }

    pub fn new(risk: RiskConfig, exits: ExitRules) -> RiskManagerConfig {
        RiskManagerConfig {
            risk,
            exits,
            market: Market::Krx,
            fees: kis_model::FeeModel::shipped(),
            board: KrxBoard::Kospi,
            resync_every: Duration::from_secs(60),
            mark_every: Duration::from_secs(1),
            environment: kis_config::TradingEnvironment::Sim,
        }
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

#[derive(Debug, Clone, PartialEq)]
pub struct RiskStatus {
    pub ready: bool,
    pub state: TradingState,
    /// What restricts trading now, and how far (empty while active).
    pub halts: Vec<(HaltCause, TradingState)>,
    /// Entries are refused (the state is not active).
    pub entries_blocked: bool,
    pub cash: Decimal,
    pub equity: Decimal,
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
    pub day: DayResult,
}

/// What became of a judged signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Approved,
    Refused(RefuseReason),
    /// Not judged at all (not ready, other market).
    Skipped,
}

pub struct RiskManager {
    config: RiskManagerConfig,
    engine: RiskEngine,
    book: AccountBook,
    monitors: HashMap<Symbol, ExitMonitor>,
    exit_intents: ExitIntents,
    exit_store: Option<ExitStore>,
    /// Saved states not yet claimed by a holding (loaded at the first sync).
    restorable: SavedExits,
    /// What was last handed to the store.
    saved_states: Option<Vec<ExitState>>,
    api: KisApi,
    clock: VenueClock,
    feed: FeedSlots,
    orders: Recipient<ApprovedOrder>,
    notifier: NotifierHandle,
    signal_actors: HashMap<Symbol, (Recipient<AccountView>, Recipient<StrategyFill>)>,
    subscribed: std::collections::HashSet<Symbol>,
    ready: bool,
    day: Option<NaiveDate>,
    /// The causes last reported, to report each change once.
    last_causes: Vec<(HaltCause, TradingState)>,
    approved: u64,
    refused: BTreeMap<&'static str, u64>,
    exits: BTreeMap<&'static str, u64>,
    syncing: bool,
    heartbeat: Option<(HeartbeatReporter, Duration)>,
    me: Option<Recipient<MarketBatch>>,
}

/// The KST trading day of an instant (KRX); New York's for US books.
fn trade_date(market: Market, at: DateTime<Utc>) -> NaiveDate {
    match market {
        Market::Krx => at.with_timezone(&chrono_tz::Asia::Seoul).date_naive(),
        Market::Us => at.with_timezone(&chrono_tz::America::New_York).date_naive(),
    }
}

impl RiskManager {
    pub fn new(
        config: RiskManagerConfig,
        api: KisApi,
        clock: VenueClock,
        feed: FeedSlots,
        orders: Recipient<ApprovedOrder>,
        notifier: NotifierHandle,
    ) -> Result<RiskManager, kis_strategy::ConfigError> {
        config.exits.validate()?;
        let engine = RiskEngine::new(config.risk)?;
        let book = AccountBook::new(config.market, config.fees.clone(), config.board);
        Ok(RiskManager {
            config,
            engine,
            book,
            monitors: HashMap::new(),
            exit_intents: ExitIntents::new(),
            exit_store: None,
            restorable: SavedExits::default(),
            saved_states: None,
            api,
            clock,
            feed,
            orders,
            notifier,
            signal_actors: HashMap::new(),
            subscribed: std::collections::HashSet::new(),
            ready: false,
            day: None,
            last_causes: Vec::new(),
            approved: 0,
            refused: BTreeMap::new(),
            exits: BTreeMap::new(),
            syncing: false,
            heartbeat: None,
            me: None,
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

    fn sync(&mut self, ctx: &mut Context<Self>, mode: SyncMode) {
        let first = mode == SyncMode::First;
        if self.syncing {
            return;
        }
        self.syncing = true;
        let api = self.api.clone();
        // At start the saved exit states are read beside the balance, off the event loop.
        let saved = self.exit_store.as_ref().filter(|_| first).map(|s| s.path().to_path_buf());
        let load = async move {
            let path = saved?;
            Some(actix_rt::task::spawn_blocking(move || ExitStore::load(&path)).await)
        };
        let fut = async move { (fetch_account(&api).await, load.await) };
        ctx.spawn(fut.into_actor(self).map(move |(result, saved), act, ctx| {
            act.syncing = false;
            match saved {
                Some(Ok(Ok(states))) => act.restorable = SavedExits::new(states),
                Some(Ok(Err(e))) => {
                    tracing::warn!(target: "risk", error = %e, "saved exit states unusable: every position starts fresh")
                }
                Some(Err(e)) => tracing::warn!(target: "risk", error = %e, "reading the saved exit states failed"),
                None => {}
            }
            match result {
                Ok(snapshot) => act.apply_snapshot(snapshot, mode),
                Err(e) => {
                    tracing::error!(target: "risk", error = %e, "cannot read the account from the broker");
                    if first {
                        // Nothing is judged on a guessed account: try again shortly.
                        ctx.run_later(Duration::from_secs(2), |act, ctx| act.sync(ctx, SyncMode::First));
                    }
                }
            }
        }));
    }

    fn apply_snapshot(&mut self, snapshot: AccountSnapshot, mode: SyncMode) {
        let now = self.clock.now();
        let first = mode == SyncMode::First;
        // A routine resync while an order is working would race its fills; the next quiet moment will do.
        if mode == SyncMode::Periodic && self.has_working() {
            return;
        }
        let adopted = self.book.sync(snapshot.cash, &snapshot.holdings, now, &mut self.restorable);
        self.adopted(&adopted);
        let held: Vec<Symbol> = self.book.positions().map(|p| p.symbol).collect();
        self.monitors.retain(|s, _| held.contains(s));
        for symbol in held {
            self.ensure_subscribed(symbol);
        }
        if first {
            self.ready = true;
            let equity = self.book.equity();
            self.engine.start_day(equity);
            self.day = Some(trade_date(self.config.market, now));
            let currency = self.book.currency();
            let holdings = self
                .book
                .positions()
                .map(|p| Holding { symbol: p.symbol, qty: p.qty, avg_price: p.avg_price, unrealized_pnl: None })
                .collect();
            tracing::info!(
                target: "risk",
                cash = %snapshot.cash,
                positions = snapshot.holdings.len(),
                equity = %equity,
                "risk manager ready"
            );
            self.notifier.notify(NotifyEvent::Started {
                environment: self.config.environment,
                holdings,
                cash: Money::new(snapshot.cash, currency),
            });
        }
        self.save_exit_states();
        self.push_all_views();
    }

    fn has_working(&self) -> bool {
        self.book.working_count() > 0
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

    fn push_view(&self, symbol: Symbol) {
        if let Some((to, _)) = self.signal_actors.get(&symbol) {
            to.do_send(self.book.signal_view(symbol));
        }
    }

    fn push_all_views(&self) {
        for (symbol, (to, _)) in &self.signal_actors {
            to.do_send(self.book.signal_view(*symbol));
        }
    }

    fn count_refusal(&mut self, signal: &Signal, reason: &RefuseReason) {
        let label = reason.label();
        let n = self.refused.entry(label).or_insert(0);
        *n += 1;
        // Refusals repeat on every tick of a busy symbol: the first of each kind at info, the rest at debug.
        if *n == 1 {
            tracing::info!(target: "risk", symbol = %signal.symbol, reason = %reason, "signal refused (first {label})");
        } else {
            tracing::debug!(target: "risk", symbol = %signal.symbol, reason = %reason, "signal refused");
        }
    }

    fn judge(&mut self, signal: Signal) -> Verdict {
        if !self.ready {
            *self.refused.entry("not_ready").or_insert(0) += 1;
            self.push_view(signal.symbol);
            return Verdict::Skipped;
        }
        if signal.symbol.market() != self.config.market {
            // The book counts one currency; a signal for the other market would be sized with the wrong cash.
            let n = self.refused.entry("other_market").or_insert(0);
            *n += 1;
            if *n == 1 {
                tracing::warn!(
                    target: "risk",
                    symbol = %signal.symbol,
                    market = ?self.config.market,
                    "signal for a market this risk manager does not trade: refused"
                );
            }
            self.push_view(signal.symbol);
            return Verdict::Skipped;
        }
        let now = self.clock.now();
        let view = self.book.risk_view(signal.symbol);
        let verdict = match self.engine.evaluate(&signal, &view, now) {
            RiskDecision::Approve(intent) => {
                self.approved += 1;
                self.book.order_working(intent.symbol, intent.side, intent.qty, intent.limit);
                self.notifier.notify(notify::approval_event(&intent, &view, self.book.currency()));
                self.orders.do_send(ApprovedOrder { intent, decided_at: now });
                Verdict::Approved
            }
            RiskDecision::Refuse(reason) => {
                self.count_refusal(&signal, &reason);
                Verdict::Refused(reason)
            }
        };
        self.note_state();
        self.push_all_views();
        verdict
    }

    /// Once a second: a new trading day, the daily loss limit, a rate breach that has lifted, exits due on a
    /// quiet symbol, and the exit states to save.
    fn mark_equity(&mut self) {
        if !self.ready {
            return;
        }
        let now = self.clock.now();
        let today = trade_date(self.config.market, now);
        if self.day.is_some_and(|d| d != today) {
            self.day = Some(today);
            self.book.start_day();
            self.engine.start_day(self.book.equity());
            tracing::info!(target: "risk", %today, "new trading day");
        }
        self.engine.refresh(now);
        self.engine.mark_equity(self.book.equity());
        self.note_state();
        self.check_all_exits(now);
        self.save_exit_states();
    }

    /// Reports each change of the halt causes once, both ways: a cause that appeared (the daily loss, the
    /// order rate) and one that lifted itself. Halts ordered from outside are reported by their handler.
    fn note_state(&mut self) {
        let causes: Vec<(HaltCause, TradingState)> = self.engine.causes().collect();
        if causes == self.last_causes {
            return;
        }
        let state = self.engine.state();
        for &(cause, to) in causes.iter().filter(|c| !self.last_causes.contains(c)) {
            tracing::warn!(target: "risk", cause = cause.label(), restriction = ?to, now = ?state, "trading restricted");
            let exits = if cause == HaltCause::Shutdown { "" } else { "; protective exits still go out" };
            self.notifier.notify(NotifyEvent::Halt { reason: format!("{cause}: trading is now {state:?}{exits}") });
        }
        for &(cause, _) in self.last_causes.iter().filter(|c| !causes.iter().any(|n| n.0 == c.0)) {
            tracing::warn!(target: "risk", cause = cause.label(), now = ?state, "trading restriction lifted");
            self.notifier.notify(NotifyEvent::Resumed { reason: format!("{cause} lifted: trading is now {state:?}") });
        }
        self.last_causes = causes;
    }

    fn status(&self) -> RiskStatus {
        RiskStatus {
            ready: self.ready,
            state: self.engine.state(),
            halts: self.engine.causes().collect(),
            entries_blocked: self.engine.state() != TradingState::Active,
            cash: self.book.cash(),
            equity: self.book.equity(),
            positions: self.book.positions().map(|p| (p.symbol, p.qty, p.avg_price)).collect(),
            working: self.book.working_count(),
            approved: self.approved,
            refused: self.refused.clone(),
            exits: self.exits.clone(),
            pending_exits: self.exit_intents.len(),
            exit_states: self.exit_states(),
            day: self.book.day(),
        }
    }

    fn daily_summary(&self) {
        let day = self.book.day();
        let currency = self.book.currency();
        self.notifier.notify(NotifyEvent::DailySummary {
            date: self.day.unwrap_or_else(|| trade_date(self.config.market, self.clock.now())),
            realized_pnl: Money::new(day.realised_pnl, currency),
            trades: day.trades,
            wins: day.wins,
            losses: day.losses,
            open_positions: u32::try_from(self.book.open_positions()).unwrap_or(u32::MAX),
            equity: Some(Money::new(self.book.equity(), currency)),
        });
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
        ctx.run_interval(self.config.mark_every, |act, _| act.mark_equity());
        ctx.run_interval(self.config.resync_every, |act, ctx| {
            if act.ready && !act.has_working() {
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
        msg.to.do_send(self.book.signal_view(msg.symbol));
        self.signal_actors.insert(msg.symbol, (msg.to, msg.fills));
    }
}

impl Handler<SignalMsg> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: SignalMsg, _: &mut Self::Context) {
        self.touch();
        if let Some(price) = msg.last_price {
            self.book.mark(msg.signal.symbol, price);
        }
        self.judge(msg.signal);
    }
}

impl Handler<MarketBatch> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: MarketBatch, _: &mut Self::Context) {
        self.touch();
        for event in msg.0.iter() {
            if let kis_model::MarketEvent::Trade(t) = event {
                self.book.mark(t.symbol, t.price);
                self.check_exits(t.symbol, t.price, t.ts);
            }
        }
    }
}

impl Handler<Halt> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: Halt, _: &mut Self::Context) {
        let state = if msg.reduce_only { TradingState::ReduceOnly } else { TradingState::Halted };
        self.engine.impose(msg.cause, state);
        // Caused here, and reported below: the next look at the causes must not report it again.
        self.last_causes = self.engine.causes().collect();
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
pub struct SendDailySummary;

impl Handler<SendDailySummary> for RiskManager {
    type Result = ();

    fn handle(&mut self, _: SendDailySummary, _: &mut Self::Context) {
        self.daily_summary();
    }
}

impl Handler<Shutdown> for RiskManager {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

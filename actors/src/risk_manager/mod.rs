//! The RiskManager: the one place that decides whether a signal becomes an order, and the one place that
//! watches every held position's exits on every tick.
//!
//! It owns the account picture ([`AccountBook`]): seeded from the broker's balance before any signal is
//! judged, moved by the OrderRouter's fill reports, corrected from the broker now and then. It keeps its own
//! feed subscription for every held symbol, so exits keep working after the Screener drops a symbol from the
//! watchlist. Stop-loss, take-profit, trailing stop and holding time come from [`ExitMonitor`] (stop-loss is
//! checked first); the trading state (active, reduce-only, halted) from kis-strategy's [`RiskEngine`].

mod book;
mod broker_sync;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, NaiveDate, Utc};
use kis_model::{KrxBoard, Market, Money, Price, Qty, Side, Symbol};
use kis_strategy::risk::{ExitMonitor, ExitRules, RefuseReason, RiskConfig, RiskDecision, RiskEngine, TradingState};
use kis_strategy::{ExitReason, Signal, SignalKind, SignalQty, StrategyId};
use rust_decimal::Decimal;

pub use book::{AccountBook, BookError, DayResult, Realised, Working};
pub use broker_sync::{AccountSnapshot, SyncError, fetch_account};

use crate::kis_api::KisApi;
use crate::messages::{
    AccountView, ApprovedOrder, CloseReason, Halt, MarketBatch, OrderEvent, OrderUpdate, SignalMsg, Subscribe,
    SubscriberId, Unsubscribe,
};
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
    pub entries_blocked: bool,
    pub cash: Decimal,
    pub equity: Decimal,
    pub positions: Vec<(Symbol, Qty, Price)>,
    pub working: usize,
    pub approved: u64,
    pub refused: BTreeMap<&'static str, u64>,
    pub exits: BTreeMap<&'static str, u64>,
    pub day: DayResult,
}

pub struct RiskManager {
    config: RiskManagerConfig,
    engine: RiskEngine,
    book: AccountBook,
    monitors: HashMap<Symbol, ExitMonitor>,
    api: KisApi,
    clock: VenueClock,
    feed: FeedSlots,
    orders: Recipient<ApprovedOrder>,
    notifier: NotifierHandle,
    signal_actors: HashMap<Symbol, (Recipient<AccountView>, Recipient<StrategyFill>)>,
    subscribed: std::collections::HashSet<Symbol>,
    ready: bool,
    entries_blocked: bool,
    day: Option<NaiveDate>,
    last_state: TradingState,
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
            api,
            clock,
            feed,
            orders,
            notifier,
            signal_actors: HashMap::new(),
            subscribed: std::collections::HashSet::new(),
            ready: false,
            entries_blocked: false,
            day: None,
            last_state: TradingState::Active,
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
        ctx.spawn(async move { fetch_account(&api).await }.into_actor(self).map(move |result, act, ctx| {
            act.syncing = false;
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
        self.book.sync(snapshot.cash, &snapshot.holdings, now);
        let held: Vec<Symbol> = self.book.positions().map(|p| p.symbol).collect();
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

    fn judge(&mut self, signal: Signal) {
        if !self.ready {
            *self.refused.entry("not_ready").or_insert(0) += 1;
            self.push_view(signal.symbol);
            return;
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
            return;
        }
        if self.entries_blocked && signal.is_entry() {
            self.count_refusal(&signal, &RefuseReason::ReduceOnly);
            self.push_view(signal.symbol);
            return;
        }
        let now = self.clock.now();
        let view = self.book.risk_view(signal.symbol);
        match self.engine.evaluate(&signal, &view, now) {
            RiskDecision::Approve(intent) => {
                self.approved += 1;
                self.book.order_working(intent.symbol, intent.side, intent.qty, intent.limit);
                let price = intent.limit.or(view.last_price).unwrap_or(Price::ZERO);
                let event = match (intent.side, intent.kind) {
                    (Side::Buy, _) => NotifyEvent::Buy {
                        symbol: intent.symbol,
                        qty: intent.qty,
                        price,
                        reason: intent.reason.clone(),
                    },
                    (Side::Sell, SignalKind::Exit(ExitReason::StopLoss)) => {
                        let pnl = view
                            .position
                            .map_or(Decimal::ZERO, |p| (price.value() - p.avg_price.value()) * intent.qty.as_decimal());
                        NotifyEvent::StopLoss {
                            symbol: intent.symbol,
                            qty: intent.qty,
                            price,
                            pnl: Money::new(pnl, self.book.currency()),
                            reason: intent.reason.clone(),
                        }
                    }
                    (Side::Sell, _) => NotifyEvent::Sell {
                        symbol: intent.symbol,
                        qty: intent.qty,
                        price,
                        pnl: view.position.map(|p| {
                            Money::new(
                                (price.value() - p.avg_price.value()) * intent.qty.as_decimal(),
                                self.book.currency(),
                            )
                        }),
                        reason: intent.reason.clone(),
                    },
                };
                self.notifier.notify(event);
                self.orders.do_send(ApprovedOrder { intent, decided_at: now });
            }
            RiskDecision::Refuse(reason) => self.count_refusal(&signal, &reason),
        }
        self.note_state("order rate limit");
        self.push_all_views();
    }

    fn check_exits(&mut self, symbol: Symbol, price: Price, at: DateTime<Utc>) {
        let Some(position) = self.book.position(symbol) else { return };
        if self.book.working(symbol).is_some() {
            return;
        }
        let monitor = match self.monitors.entry(symbol) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => match ExitMonitor::new(self.config.exits) {
                Ok(m) => e.insert(m),
                Err(_) => return,
            },
        };
        let Some(reason) = monitor.check(&position, price, at) else { return };
        *self.exits.entry(reason.label()).or_insert(0) += 1;
        let avg = position.avg_price.value().round_dp(2);
        tracing::info!(target: "risk", %symbol, reason = %reason, price = %price, %avg, "exit rule fired");
        let limit = match symbol.market() {
            // KIS takes no US market orders: sell at the last price.
            Market::Us => Some(price),
            Market::Krx => None,
        };
        self.judge(Signal {
            symbol,
            side: Side::Sell,
            kind: SignalKind::Exit(reason),
            quantity: SignalQty::All,
            limit,
            stop: None,
            strategy_id: StrategyId::new(EXIT_STRATEGY),
            reason: format!("{reason} at {price} (average {avg})"),
        });
    }

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
        self.engine.mark_equity(self.book.equity());
        self.note_state("daily loss limit");
    }

    /// Reports a change of the trading state, naming what caused it (the caller knows: the only thing that
    /// changed since the last look). A halt ordered by the daemon itself is recorded by its handler first.
    fn note_state(&mut self, cause: &str) {
        let state = self.engine.state();
        if state == self.last_state {
            return;
        }
        tracing::warn!(target: "risk", was = ?self.last_state, now = ?state, cause, "trading state changed");
        if state != TradingState::Active {
            self.notifier.notify(NotifyEvent::Halt { reason: format!("{cause}: trading is now {state:?}") });
        }
        self.last_state = state;
    }

    fn status(&self) -> RiskStatus {
        RiskStatus {
            ready: self.ready,
            state: self.engine.state(),
            entries_blocked: self.entries_blocked,
            cash: self.book.cash(),
            equity: self.book.equity(),
            positions: self.book.positions().map(|p| (p.symbol, p.qty, p.avg_price)).collect(),
            working: self.book.working_count(),
            approved: self.approved,
            refused: self.refused.clone(),
            exits: self.exits.clone(),
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

impl Handler<OrderUpdate> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: OrderUpdate, ctx: &mut Self::Context) {
        self.touch();
        let symbol = msg.symbol;
        match msg.event {
            OrderEvent::Working { qty, side } => {
                if self.book.working(symbol).is_none() {
                    let limit = self.book.last_price(symbol);
                    self.book.order_working(symbol, side, qty, limit);
                }
            }
            OrderEvent::FilledBeforeStart(fill) => {
                tracing::info!(target: "risk", %symbol, side = %fill.side, qty = %fill.qty, "fill of an earlier run: re-reading the balance");
                if self.ready {
                    self.sync(ctx, SyncMode::Forced);
                }
            }
            OrderEvent::Filled(fill) => {
                let date = trade_date(self.config.market, fill.ts);
                match self.book.fill(&fill, date) {
                    Ok(realised) => {
                        tracing::info!(
                            target: "risk",
                            %symbol,
                            side = %fill.side,
                            qty = %fill.qty,
                            price = %fill.price,
                            pnl = ?realised.map(|r| r.pnl),
                            "fill booked"
                        );
                        if self.book.position(symbol).is_some() {
                            self.ensure_subscribed(symbol);
                        } else {
                            self.monitors.remove(&symbol);
                            self.drop_subscription(symbol);
                        }
                    }
                    Err(e) => {
                        tracing::error!(target: "risk", %symbol, error = %e, "fill does not fit the book; resyncing");
                        self.notifier.notify(NotifyEvent::Error {
                            context: format!("fill of {symbol}"),
                            message: e.to_string(),
                        });
                    }
                }
                if let Some((_, fills)) = self.signal_actors.get(&symbol) {
                    fills.do_send(StrategyFill(fill));
                }
            }
            OrderEvent::Closed { side, filled, reason } => {
                self.book.order_closed(symbol);
                match &reason {
                    CloseReason::Filled => {
                        let avg = self.book.last_price(symbol).unwrap_or(Price::ZERO);
                        self.notifier.notify(NotifyEvent::FullyFilled {
                            symbol,
                            side,
                            qty: filled,
                            avg_price: self.book.position(symbol).map_or(avg, |p| p.avg_price),
                            order_no: None,
                        });
                    }
                    CloseReason::Rejected { code, message } => {
                        self.notifier.notify(NotifyEvent::Error {
                            context: format!("{side} order for {symbol} rejected"),
                            message: format!("{code} {message}"),
                        });
                    }
                    CloseReason::NotSent(why) => {
                        tracing::warn!(target: "risk", %symbol, %why, "order not sent");
                    }
                    CloseReason::Cancelled | CloseReason::Uncertain => {}
                }
            }
        }
        // Cash moved: every strategy's available cash changed.
        self.push_all_views();
    }
}

impl Handler<Halt> for RiskManager {
    type Result = ();

    fn handle(&mut self, msg: Halt, _: &mut Self::Context) {
        if msg.reduce_only {
            self.entries_blocked = true;
        } else {
            self.engine.halt();
            // Caused here, and reported below: the equity marks must not report it again as a loss breach.
            self.last_state = self.engine.state();
        }
        if msg.alert {
            tracing::error!(target: "risk", reason = %msg.reason, reduce_only = msg.reduce_only, "trading halted");
            self.notifier.notify(NotifyEvent::Halt { reason: msg.reason });
        } else {
            tracing::info!(target: "risk", reason = %msg.reason, reduce_only = msg.reduce_only, "new orders stopped");
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

//! One strategy's account: the strategy instances (one per symbol, built by the strategy's factory as the
//! daemon does), its desk (kis-desk: the same risk rules, sizing, pending-order gate and booking the daemon's
//! RiskManager runs), and a kis-engine matching engine standing in for the broker. Fills the engine makes
//! are reported to the desk exactly as KIS's notices are in the daemon.
//!
//! Each strategy trades its own account ("sleeve") with its own starting cash. One shared account would make
//! two strategies on the same symbol share one position, and their PnL could not be told apart; with sleeves
//! the attribution is exact and the total is the sum.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use kis_desk::{Desk, DeskConfig, KeptSnapshot, MarketRules, OrderEnd, Output};
use kis_engine::{Engine, EngineConfig, EngineEvent, Fill, NewOrder, OrderStatus, SymbolSpec};
use kis_model::tick_size::{InstrumentKind, to_won};
use kis_model::{Book, Currency, KrxBoard, Level, Market, MarketEvent, Money, Price, Qty, Side, Symbol, SymbolMap};
use kis_strategy::risk::OrderIntent;
use kis_strategy::{
    BuildError, Context, ExitReason, FillReport, Signal, SignalKind, Strategy, StrategyConfig, StrategyFactory,
    StrategyId,
};
use rust_decimal::Decimal;

use crate::config::{BacktestConfig, FillModel};
use crate::error::BacktestError;
use crate::slippage::{SlipError, slipped_price};
use crate::trade::{ClosedTrade, Execution, OpenLot};

pub(crate) use kis_desk::local_day;

/// Counts of what happened to signals and orders, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SleeveStats {
    pub signals: u64,
    /// Signals the risk rules refused, by reason.
    pub refused: BTreeMap<&'static str, u64>,
    /// Approved orders the account could not carry out, by reason.
    pub rejected: BTreeMap<&'static str, u64>,
    pub fills: u64,
    pub fees_paid: Decimal,
    /// Orders still waiting for their next-event fill when the data ended.
    pub unfilled_at_end: u64,
    /// Symbols in the data the strategy does not trade (wrong market, not in its ticker list).
    pub skipped_symbols: Vec<Symbol>,
    /// Malformed events the strategies skipped.
    pub rejected_events: u64,
}

/// A holding still open when the data ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenHolding {
    pub symbol: Symbol,
    pub qty: Qty,
    pub entry_ts: DateTime<Utc>,
    pub cost: Decimal,
    pub last_price: Price,
    /// Market value − cost − buy commissions paid.
    pub unrealised_pnl: Decimal,
}

struct Instance {
    symbol: Symbol,
    strategy: Box<dyn Strategy>,
    last_price: Option<Price>,
    /// An approved order waiting for the next event's price (next-event fills).
    pending: Option<OrderIntent>,
    lot: Option<OpenLot>,
    /// When the symbol's reference data (limits, tax date) must be renewed.
    day_ends: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    market: Market,
    currency: Currency,
    tz: Tz,
    symbol: Option<Symbol>,
    fill: FillModel,
    slippage_ticks: u32,
    board: KrxBoard,
    instrument: InstrumentKind,
}

pub struct Sleeve {
    id: StrategyId,
    factory: StrategyConfig,
    settings: Settings,
    initial_cash: Decimal,
    engine: Engine,
    desk: Desk,
    /// The desk has been given the starting cash.
    funded: bool,
    instances: Vec<Instance>,
    /// Every symbol seen: its instance, or `None` when the strategy does not trade it. A 200-symbol day
    /// spent a quarter of its time in a linear search here (issue #12).
    index: SymbolMap<Option<usize>>,
    day_ends: Option<DateTime<Utc>>,
    outputs: Vec<Output>,
    /// Index of the instance the previous event went to (ticks come in runs of one symbol).
    last_found: usize,
    signals: Vec<Signal>,
    engine_events: Vec<EngineEvent>,
    trades: Vec<ClosedTrade>,
    executions: Vec<Execution>,
    stats: SleeveStats,
}

impl Sleeve {
    pub fn new(config: &BacktestConfig, strategy: StrategyConfig, id: StrategyId) -> Result<Sleeve, BacktestError> {
        let settings = Settings {
            market: config.market,
            currency: config.market.currency(),
            tz: config.market.tz(),
            symbol: config.symbol,
            fill: config.fill,
            slippage_ticks: config.slippage_ticks,
            board: config.board,
            instrument: config.instrument,
        };
        let mut engine = Engine::new(EngineConfig::default(), config.fees.clone()).map_err(BacktestError::Setup)?;
        engine.deposit(Money::new(config.initial_cash, settings.currency)).map_err(BacktestError::Setup)?;
        let desk = Desk::new(DeskConfig {
            fees: config.fees.clone(),
            board: config.board,
            markets: vec![MarketRules { market: config.market, risk: config.risk, exits: config.exits }],
        })
        .map_err(|e| crate::error::SettingsError::bad("risk", e.to_string()))
        .map_err(BacktestError::Settings)?;
        Ok(Sleeve {
            id,
            factory: strategy,
            settings,
            initial_cash: config.initial_cash,
            engine,
            desk,
            funded: false,
            instances: Vec::new(),
            index: SymbolMap::default(),
            day_ends: None,
            outputs: Vec::with_capacity(8),
            last_found: 0,
            signals: Vec::with_capacity(4),
            engine_events: Vec::with_capacity(8),
            trades: Vec::new(),
            executions: Vec::new(),
            stats: SleeveStats::default(),
        })
    }

    pub fn id(&self) -> &StrategyId {
        &self.id
    }

    pub fn initial_cash(&self) -> Decimal {
        self.initial_cash
    }

    pub fn currency(&self) -> Currency {
        self.settings.currency
    }

    /// Every execution in the order it happened.
    pub fn executions(&self) -> &[Execution] {
        &self.executions
    }

    pub fn trades(&self) -> &[ClosedTrade] {
        &self.trades
    }

    pub fn stats(&self) -> &SleeveStats {
        &self.stats
    }

    /// Cash plus holdings at their last prices: the desk's figure.
    #[inline]
    pub fn equity(&self) -> Decimal {
        self.desk.ledger().equity(self.settings.currency)
    }

    /// Passes time to the desk (the daily loss limit) and returns the equity.
    pub fn mark(&mut self, ts: DateTime<Utc>) -> Decimal {
        if self.funded {
            let mut out = std::mem::take(&mut self.outputs);
            self.desk.on_clock(ts, &mut out);
            out.clear();
            self.outputs = out;
        }
        self.equity()
    }

    #[inline]
    fn find(&mut self, symbol: Symbol) -> Result<Option<usize>, BacktestError> {
        if self.instances.get(self.last_found).is_some_and(|i| i.symbol == symbol) {
            return Ok(Some(self.last_found));
        }
        if let Some(&found) = self.index.get(&symbol) {
            if let Some(i) = found {
                self.last_found = i;
            }
            return Ok(found);
        }
        self.find_new(symbol)
    }

    #[cold]
    fn find_new(&mut self, symbol: Symbol) -> Result<Option<usize>, BacktestError> {
        match self.factory.build(symbol, self.settings.instrument) {
            Ok(strategy) => {
                self.instances.push(Instance {
                    symbol,
                    strategy,
                    last_price: None,
                    pending: None,
                    lot: None,
                    day_ends: DateTime::<Utc>::MIN_UTC,
                });
                let i = self.instances.len() - 1;
                self.index.insert(symbol, Some(i));
                Ok(Some(i))
            }
            Err(BuildError::WrongMarket { .. } | BuildError::NotInTickerList(_)) => {
                self.stats.skipped_symbols.push(symbol);
                self.index.insert(symbol, None);
                Ok(None)
            }
            Err(error) => Err(BacktestError::Build { symbol, error }),
        }
    }

    /// Feeds one event: renews the day's reference data, fills a pending order (next-event fills), updates
    /// prices, runs the strategy and turns its signals into orders through the risk engine.
    #[inline]
    pub fn on_event(&mut self, event: &MarketEvent) -> Result<(), BacktestError> {
        let symbol = event.symbol();
        if symbol.market() != self.settings.market || self.settings.symbol.is_some_and(|s| s != symbol) {
            return Ok(());
        }
        let Some(idx) = self.find(symbol)? else { return Ok(()) };
        let ts = event.ts();
        if !self.funded {
            // The starting cash is the broker's balance at the first event.
            let mut out = std::mem::take(&mut self.outputs);
            self.desk.on_balance(self.settings.market, self.initial_cash, &[], ts, &mut out);
            out.clear();
            self.outputs = out;
            self.funded = true;
        }
        if self.day_ends.is_none_or(|end| ts >= end) {
            self.start_day(ts);
        }
        let (first, close) = match event {
            MarketEvent::Trade(t) => (Some(t.price), None),
            MarketEvent::Bar(b) => (Some(b.open), Some(b.close)),
            MarketEvent::Book(_) => (None, None),
        };
        // The snapshot the last mark built, used by the strategy unless a fill or an exit changed the desk since.
        let mut kept = None;
        if let Some(first) = first {
            if ts >= self.instances[idx].day_ends {
                self.renew_symbol_day(idx, ts, first)?;
            }
            kept = Some(self.set_last_price(idx, first, ts)?);
            if let Some(intent) = self.instances[idx].pending.take() {
                self.execute(idx, &intent, first, ts)?;
            }
        }
        if let Some(close) = close {
            kept = Some(self.set_last_price(idx, close, ts)?);
        }
        let ctx = Context::new(ts, self.desk.snapshot_or(symbol, kept));
        let instance = &mut self.instances[idx];
        instance.strategy.on_event(event, &ctx, &mut self.signals);
        if !self.signals.is_empty() {
            let base = close.or(first).or(instance.last_price);
            self.handle_signals(idx, base, ts)?;
        }
        Ok(())
    }

    #[cold]
    fn start_day(&mut self, ts: DateTime<Utc>) {
        let (date, ends) = local_day(ts, self.settings.tz);
        self.day_ends = Some(ends);
        // The desk starts its own trading day (and daily loss limit) when its clock passes midnight.
        let _ = self.mark(ts);
        self.engine.forget_orders_before(date);
    }

    /// New reference data for a new trading day: the tax date, and KRX limits around the previous close (the
    /// first price seen, on the first day).
    #[cold]
    fn renew_symbol_day(&mut self, idx: usize, ts: DateTime<Utc>, price: Price) -> Result<(), BacktestError> {
        let s = self.settings;
        let instance = &mut self.instances[idx];
        let (date, ends) = local_day(ts, s.tz);
        instance.day_ends = ends;
        let symbol = instance.symbol;
        let spec = match s.market {
            Market::Krx => {
                let base = instance.last_price.unwrap_or(price);
                let won = to_won(base).map_err(|_| BacktestError::OffGridKrxPrice { symbol, ts, price: base })?;
                SymbolSpec::krx(symbol, s.board, s.instrument, won, date)
            }
            Market::Us => SymbolSpec::us(symbol, date),
        };
        let spec = spec.map_err(|e| BacktestError::Engine { symbol, ts, error: e.into() })?;
        self.engine.set_symbol(spec).map_err(|error| BacktestError::Engine { symbol, ts, error })
    }

    /// A price: the desk marks it and watches its exits, and an exit that fires goes out at once, as the
    /// daemon's RiskManager sends it on the trade that triggered it. Returns the symbol's snapshot after it.
    #[inline]
    fn set_last_price(&mut self, idx: usize, price: Price, ts: DateTime<Utc>) -> Result<KeptSnapshot, BacktestError> {
        let instance = &mut self.instances[idx];
        instance.last_price = Some(price);
        let symbol = instance.symbol;
        let mut out = std::mem::take(&mut self.outputs);
        out.clear();
        let kept = self.desk.on_trade_kept(symbol, price, ts, &mut out);
        let result = if out.is_empty() { Ok(()) } else { self.route(idx, &mut out, Some(price), ts) };
        out.clear();
        self.outputs = out;
        result.map(|()| kept)
    }

    /// Carries out the desk's decisions: orders filled by the fill model, refusals counted.
    #[cold]
    fn route(
        &mut self,
        idx: usize,
        out: &mut Vec<Output>,
        base: Option<Price>,
        ts: DateTime<Utc>,
    ) -> Result<(), BacktestError> {
        let mut result = Ok(());
        for output in out.drain(..) {
            match output {
                Output::Refused { reason, .. } => *self.stats.refused.entry(reason.label()).or_default() += 1,
                // As the daemon's router cancels a resting order for a protective exit: the order waiting for
                // the next bar is dropped unfilled, and the exit goes out on the next trade.
                // As the daemon's router modifies the resting sell: the order waiting for the next bar takes the
                // new limit.
                Output::Reprice { symbol, side, limit, .. } => {
                    if let Some(pending) = &mut self.instances[idx].pending
                        && (pending.symbol, pending.side) == (symbol, side)
                    {
                        pending.limit = Some(limit);
                    }
                }
                Output::CancelForExit { symbol, .. } => {
                    if let Some(pending) = self.instances[idx].pending.take() {
                        self.close_unfilled(symbol, pending.side, ts);
                        *self.stats.rejected.entry("cancelled_for_exit").or_default() += 1;
                    }
                }
                Output::Order { intent, .. } => match (self.settings.fill, base) {
                    (FillModel::Next, _) => self.instances[idx].pending = Some(intent),
                    (FillModel::Close, Some(base)) => {
                        if result.is_ok() {
                            result = self.execute(idx, &intent, base, ts);
                        }
                    }
                    (FillModel::Close, None) => {
                        self.close_unfilled(intent.symbol, intent.side, ts);
                        *self.stats.rejected.entry("no_price").or_default() += 1
                    }
                },
                _ => {}
            }
        }
        result
    }

    #[cold]
    fn handle_signals(&mut self, idx: usize, base: Option<Price>, ts: DateTime<Utc>) -> Result<(), BacktestError> {
        let signals = std::mem::take(&mut self.signals);
        let mut out = std::mem::take(&mut self.outputs);
        let mut result = Ok(());
        for signal in &signals {
            self.stats.signals += 1;
            out.clear();
            self.desk.on_signal(signal, None, ts, &mut out);
            result = self.route(idx, &mut out, base, ts);
            if result.is_err() {
                break;
            }
        }
        out.clear();
        self.outputs = out;
        self.signals = signals;
        self.signals.clear();
        result
    }

    /// The desk stops waiting on an order that did not fill.
    fn close_unfilled(&mut self, symbol: Symbol, side: Side, ts: DateTime<Utc>) {
        let mut out = std::mem::take(&mut self.outputs);
        self.desk.on_order_ended(symbol, side, Qty::ZERO, OrderEnd::Cancelled, ts, &mut out);
        out.clear();
        self.outputs = out;
    }

    fn reject(&mut self, label: &'static str) {
        *self.stats.rejected.entry(label).or_default() += 1;
    }

    /// Fills an approved order completely at `base` moved by the slippage, through the engine: the order is
    /// submitted against a one-level book at that price, so the engine's own fee, cash and cost-basis rules
    /// book it. A buy is cut to what the cash pays for at the fill price, commission included (a next-bar
    /// open can gap above the price the risk rules sized at).
    fn execute(
        &mut self,
        idx: usize,
        intent: &OrderIntent,
        base: Price,
        ts: DateTime<Utc>,
    ) -> Result<(), BacktestError> {
        let symbol = self.instances[idx].symbol;
        let filled_before = self.desk.working(symbol).map_or(Qty::ZERO, |w| w.filled);
        let result = self.execute_on_engine(idx, intent, base, ts);
        // Whatever happened, the order is over: the desk gives back what it still holds.
        let filled = self.desk.working(symbol).map_or(Qty::ZERO, |w| w.filled).saturating_sub(filled_before);
        let end = if filled.is_zero() { OrderEnd::Cancelled } else { OrderEnd::Filled };
        let mut out = std::mem::take(&mut self.outputs);
        self.desk.on_order_ended(symbol, intent.side, filled, end, ts, &mut out);
        out.clear();
        self.outputs = out;
        result
    }

    fn execute_on_engine(
        &mut self,
        idx: usize,
        intent: &OrderIntent,
        base: Price,
        ts: DateTime<Utc>,
    ) -> Result<(), BacktestError> {
        let symbol = self.instances[idx].symbol;
        let Some(spec) = self.engine.spec(&symbol).copied() else {
            self.reject("unknown_symbol");
            return Ok(());
        };
        let price = match slipped_price(&spec.rules, base, intent.side, self.settings.slippage_ticks) {
            Ok(p) => p,
            Err(SlipError::NotWholeWon) => {
                self.reject("off_tick");
                return Ok(());
            }
        };
        let qty = match intent.side {
            Side::Sell => intent.qty,
            Side::Buy => match self.engine.buyable(&symbol, Some(price)) {
                Ok(b) => intent.qty.min(b.qty),
                Err(reason) => {
                    self.reject(reason.label());
                    return Ok(());
                }
            },
        };
        if qty.is_zero() {
            self.reject("insufficient_cash");
            return Ok(());
        }
        let level = [Level { price, qty }, Level::default(), Level::default(), Level::default(), Level::default()];
        let mut side_levels = [Level::default(); 10];
        side_levels[..5].copy_from_slice(&level);
        let empty = [Level::default(); 10];
        let (asks, bids) = match intent.side {
            Side::Buy => (side_levels, empty),
            Side::Sell => (empty, side_levels),
        };
        self.engine.on_book(&Book { symbol, ts, asks, bids, depth: 1 });
        let mut events = std::mem::take(&mut self.engine_events);
        events.clear();
        let submitted = self.engine.submit(NewOrder::limit(symbol, intent.side, price, qty), true, ts, &mut events);
        let mut result = Ok(());
        match submitted {
            Err(reason) => self.reject(reason.label()),
            Ok(order) => {
                for event in &events {
                    if let EngineEvent::Filled(fill) = event {
                        result = self.apply_fill(idx, fill, intent);
                        if result.is_err() {
                            break;
                        }
                    }
                }
                // The one-level book covers the whole order, so nothing rests; if something ever did, it must
                // not linger and fill later against prints this backtest never feeds the engine.
                if self.engine.order(order).is_some_and(|o| o.status.is_live()) {
                    events.clear();
                    let _ = self.engine.cancel(order, true, ts, &mut events);
                    self.reject("unfilled");
                } else if self.engine.order(order).is_some_and(|o| o.status != OrderStatus::Filled) {
                    self.reject("unfilled");
                }
            }
        }
        events.clear();
        self.engine_events = events;
        result
    }

    fn apply_fill(&mut self, idx: usize, fill: &Fill, intent: &OrderIntent) -> Result<(), BacktestError> {
        let currency = self.settings.currency;
        let symbol = self.instances[idx].symbol;
        let report = FillReport {
            symbol,
            side: fill.side,
            qty: fill.qty,
            price: fill.price,
            ts: fill.ts,
            strategy_id: Some(intent.strategy_id.clone()),
        };
        let mut out = std::mem::take(&mut self.outputs);
        out.clear();
        self.desk.on_fill(&report, &mut out);
        let refused = out.iter().find_map(|o| match o {
            Output::FillRefused { error, .. } => Some(error.clone()),
            _ => None,
        });
        out.clear();
        self.outputs = out;
        if let Some(error) = refused {
            return Err(BacktestError::Desk { symbol, error });
        }
        let instance = &mut self.instances[idx];
        instance.strategy.on_fill(&report);
        let fees = fill.fees.commission.amount + fill.fees.tax.amount;
        self.executions.push(Execution {
            ts: fill.ts,
            symbol,
            side: fill.side,
            qty: fill.qty,
            price: fill.price,
            fees,
            realised_pnl: fill.realised_pnl,
        });
        self.stats.fees_paid += fees;
        self.stats.fills += 1;
        let notional = fill.price.value().checked_mul(fill.qty.as_decimal()).ok_or(BacktestError::Overflow(symbol))?;
        match fill.side {
            Side::Buy => {
                instance.lot = Some(OpenLot::buy(instance.lot, fill.ts, fill.qty, notional, fees));
            }
            Side::Sell => {
                let reason = match intent.kind {
                    SignalKind::Exit(reason) => reason,
                    SignalKind::Entry => ExitReason::SignalExit,
                };
                if let Some(lot) = instance.lot.take() {
                    let (rest, trade) = lot.sell(
                        intent.strategy_id.clone(),
                        symbol,
                        currency,
                        fill.ts,
                        fill.qty,
                        fill.price,
                        fees,
                        fill.realised_pnl,
                        reason,
                    );
                    instance.lot = rest;
                    self.trades.push(trade);
                }
            }
        }
        Ok(())
    }

    /// Ends the run: counts orders left pending and the skipped events, and lists the holdings still open.
    pub fn finish(&mut self) -> Vec<OpenHolding> {
        let mut open = Vec::new();
        for instance in &mut self.instances {
            if instance.pending.take().is_some() {
                self.stats.unfilled_at_end += 1;
            }
            self.stats.rejected_events += instance.strategy.rejected_events();
            if let (Some(lot), Some(last)) = (instance.lot, instance.last_price) {
                let value = last.value() * lot.qty.as_decimal();
                open.push(OpenHolding {
                    symbol: instance.symbol,
                    qty: lot.qty,
                    entry_ts: lot.entry_ts,
                    cost: lot.cost,
                    last_price: last,
                    unrealised_pnl: value - lot.cost - lot.buy_fees,
                });
            }
        }
        open
    }
}

//! The desk: one account across KRW and USD, a risk engine and exit rules per market, the pending-order gate,
//! driven by events (`on_signal`, `on_trade`, `on_fill`, `on_order_ended`, `on_balance`, `on_halt`,
//! `on_clock`) that push typed [`Output`]s. The daemon's RiskManager and the backtester both drive it, so both
//! judge, size and book exactly alike.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use kis_model::{FeeModel, KrxBoard, Market, Price, Qty, Side, Symbol, SymbolMap};
use kis_strategy::risk::{
    ExitCall, ExitGate, ExitIntents, ExitMonitor, ExitProgress, ExitRules, ExitState, HaltCause, RiskConfig,
    RiskDecision, RiskEngine, SavedExits, TradingState,
};
use kis_strategy::us_rsi_macd::{DEFAULT_STOP_LOSS_OFFSET_TICKS, us_marketable_sell};
use kis_strategy::{AccountSnapshot, ConfigError, FillReport, Position, Signal, SignalKind, SignalQty, StrategyId};

use crate::chase::{Chases, chased_limit};
use crate::day::{DayResult, trade_date};
use crate::ledger::{Ledger, SymbolView, Working};
use crate::output::{OrderEnd, Output, Refusal, Verdict};

/// The strategy id stamped on exits the desk decides itself.
pub const EXIT_STRATEGY: &str = "risk-exits";

/// Venue time after which a protective exit still held back by another order asks again for its cancel.
pub const PREEMPT_AGAIN: chrono::TimeDelta = chrono::TimeDelta::seconds(2);

/// A snapshot of one symbol and the ledger generation it is exact at ([`Desk::snapshot_or`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeptSnapshot {
    symbol: Symbol,
    generation: u64,
    snapshot: AccountSnapshot,
}

/// The rules of one market the desk trades.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketRules {
    pub market: Market,
    pub risk: RiskConfig,
    /// Exits watched on every trade of every held position of the market; `None` leaves exits to the
    /// strategies (the US bot's own stop-loss).
    pub exits: Option<ExitRules>,
}

#[derive(Debug, Clone)]
pub struct DeskConfig {
    pub fees: FeeModel,
    /// Board assumed for the sell tax of KRX symbols whose board is not known.
    pub board: KrxBoard,
    pub markets: Vec<MarketRules>,
}

struct MarketDesk {
    rules: MarketRules,
    engine: RiskEngine,
    ready: bool,
    day: Option<NaiveDate>,
    /// The causes last reported, to report each change once.
    last_causes: Vec<(HaltCause, TradingState)>,
}

pub struct Desk {
    ledger: Ledger,
    markets: Vec<MarketDesk>,
    monitors: SymbolMap<ExitMonitor>,
    exit_intents: ExitIntents,
    /// Symbols whose working order was asked to make way for a protective exit, with when it was asked last.
    preempting: SymbolMap<DateTime<Utc>>,
    /// Protective US sells re-priced while the market falls away from them.
    chases: Chases,
    /// Saved exit states not yet claimed by a holding.
    restorable: SavedExits,
    refused: BTreeMap<&'static str, u64>,
    exits_fired: BTreeMap<&'static str, u64>,
    approved: u64,
}

impl Desk {
    pub fn new(config: DeskConfig) -> Result<Desk, ConfigError> {
        let mut markets = Vec::new();
        for rules in config.markets {
            if let Some(exits) = &rules.exits {
                exits.validate()?;
            }
            if markets.iter().any(|m: &MarketDesk| m.rules.market == rules.market) {
                return Err(ConfigError::new("markets", format!("{:?} configured twice", rules.market)));
            }
            let engine = RiskEngine::new(rules.risk)?;
            markets.push(MarketDesk { rules, engine, ready: false, day: None, last_causes: Vec::new() });
        }
        Ok(Desk {
            ledger: Ledger::new(config.fees, config.board),
            markets,
            monitors: SymbolMap::default(),
            exit_intents: ExitIntents::new(),
            preempting: SymbolMap::default(),
            chases: Chases::default(),
            restorable: SavedExits::default(),
            refused: BTreeMap::new(),
            exits_fired: BTreeMap::new(),
            approved: 0,
        })
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn markets(&self) -> impl Iterator<Item = Market> + '_ {
        self.markets.iter().map(|m| m.rules.market)
    }

    fn market(&self, market: Market) -> Option<&MarketDesk> {
        self.markets.iter().find(|m| m.rules.market == market)
    }

    fn market_mut(&mut self, market: Market) -> Option<&mut MarketDesk> {
        self.markets.iter_mut().find(|m| m.rules.market == market)
    }

    /// Every configured market's account has been read.
    pub fn ready(&self) -> bool {
        self.markets.iter().all(|m| m.ready)
    }

    pub fn market_ready(&self, market: Market) -> bool {
        self.market(market).is_some_and(|m| m.ready)
    }

    /// The most restrictive state over the markets.
    pub fn state(&self) -> TradingState {
        self.markets.iter().map(|m| m.engine.state()).max_by_key(|s| severity(*s)).unwrap_or(TradingState::Active)
    }

    pub fn market_state(&self, market: Market) -> Option<TradingState> {
        self.market(market).map(|m| m.engine.state())
    }

    /// What restricts trading now, over the markets (each cause once, at its strictest).
    pub fn causes(&self) -> Vec<(HaltCause, TradingState)> {
        let mut out: Vec<(HaltCause, TradingState)> = Vec::new();
        for (cause, to) in self.markets.iter().flat_map(|m| m.engine.causes()) {
            match out.iter_mut().find(|c| c.0 == cause) {
                Some(c) if severity(to) > severity(c.1) => c.1 = to,
                Some(_) => {}
                None => out.push((cause, to)),
            }
        }
        out
    }

    pub fn refused(&self) -> &BTreeMap<&'static str, u64> {
        &self.refused
    }

    pub fn exits_fired(&self) -> &BTreeMap<&'static str, u64> {
        &self.exits_fired
    }

    pub fn approved(&self) -> u64 {
        self.approved
    }

    pub fn pending_exits(&self) -> usize {
        self.exit_intents.len()
    }

    pub fn day(&self, market: Market) -> DayResult {
        self.ledger.day(market.currency())
    }

    pub fn trading_day(&self, market: Market) -> Option<NaiveDate> {
        self.market(market).and_then(|m| m.day)
    }

    /// The account as `symbol`'s strategy and the risk rules see it.
    pub fn snapshot(&self, symbol: Symbol) -> AccountSnapshot {
        self.snapshot_of(symbol, self.ledger.symbol_view(symbol))
    }

    /// `kept` while it is still exact (it is of `symbol` and nothing in the ledger changed since it was
    /// taken), else a new snapshot: the backtester keeps the one [`Desk::on_trade_kept`] returns for the
    /// strategy's call on the same event, which spares a symbol lookup and a copy per event.
    #[inline]
    pub fn snapshot_or(&self, symbol: Symbol, kept: Option<KeptSnapshot>) -> AccountSnapshot {
        let snapshot = match kept {
            Some(k) if k.symbol == symbol && k.generation == self.ledger.generation() => k.snapshot,
            _ => return self.snapshot(symbol),
        };
        debug_assert_eq!(snapshot, self.snapshot(symbol), "{symbol}: kept snapshot out of date");
        snapshot
    }

    #[inline]
    fn snapshot_of(&self, symbol: Symbol, view: SymbolView) -> AccountSnapshot {
        let market = symbol.market();
        let currency = market.currency();
        AccountSnapshot {
            position: view.position,
            available_cash: self.ledger.available_cash(currency),
            equity: self.ledger.equity(currency),
            open_positions: self.ledger.open_positions(market),
            order_pending: view.working.is_some(),
            last_price: view.last_price,
            last_buy_at: view.last_buy_at,
            last_sell_at: view.last_sell_at,
        }
    }

    /// Exit states saved by an earlier run, to be claimed by the same holdings at the first balance read.
    pub fn restore_exits(&mut self, states: Vec<ExitState>) {
        self.restorable = SavedExits::new(states);
    }

    /// The previous close of a symbol (KRX daily limits, hence a market buy's reservation, are computed from it).
    pub fn on_reference(&mut self, symbol: Symbol, previous_close: Price) {
        self.ledger.set_base(symbol, previous_close);
    }

    /// The broker's cash and holdings of `market` (start, a resync, after a fill of an earlier run). The first
    /// read of a market makes it ready and starts its trading day.
    pub fn on_balance(
        &mut self,
        market: Market,
        cash: rust_decimal::Decimal,
        holdings: &[(Symbol, Qty, Price)],
        now: DateTime<Utc>,
        out: &mut Vec<Output>,
    ) {
        let currency = market.currency();
        let adopted = self.ledger.sync(currency, cash, holdings, now, &mut self.restorable);
        for a in adopted {
            self.exit_intents.clear(a.symbol);
            let rules = self.market(market).and_then(|m| m.rules.exits);
            match (a.restored, rules, self.ledger.position(a.symbol)) {
                (Ok(armed), Some(rules), Some(position)) => match ExitMonitor::resume(rules, &position, armed) {
                    Ok(m) => self.monitors.insert(a.symbol, m),
                    Err(_) => self.monitors.remove(&a.symbol),
                },
                _ => self.monitors.remove(&a.symbol),
            };
            out.push(Output::Adopted(a));
        }
        let held: Vec<Symbol> = self.ledger.positions().map(|p| p.symbol).collect();
        self.monitors.retain(|s, _| s.market() != market || held.contains(s));
        for symbol in held.iter().filter(|s| s.market() == market) {
            out.push(Output::Watch(*symbol));
        }
        let equity = self.ledger.equity(currency);
        let positions = self.ledger.open_positions(market);
        if let Some(m) = self.market_mut(market)
            && !m.ready
        {
            m.ready = true;
            m.engine.start_day(equity);
            m.day = Some(trade_date(market, now));
            out.push(Output::Ready { market, cash, equity, positions });
        }
        out.push(Output::SnapshotsChanged(currency));
    }

    /// The broker's buying power in `market`'s currency, read with (just after) its balance: it caps the
    /// cash signals are sized on until the desk's own books move (see [`Ledger::set_buying_power`]).
    pub fn on_buying_power(&mut self, market: Market, amount: rust_decimal::Decimal) {
        self.ledger.set_buying_power(market.currency(), amount);
    }

    /// Judges a strategy's signal; an approval holds back its cash and pushes the order to send.
    pub fn on_signal(
        &mut self,
        signal: &Signal,
        last_price: Option<Price>,
        now: DateTime<Utc>,
        out: &mut Vec<Output>,
    ) -> Verdict {
        if let Some(price) = last_price {
            self.ledger.mark(signal.symbol, price);
        }
        let verdict = self.judge(signal, now, out);
        self.note_state(out);
        verdict
    }

    fn refuse(&mut self, symbol: Symbol, reason: Refusal, out: &mut Vec<Output>) -> Verdict {
        let n = self.refused.entry(reason.label()).or_insert(0);
        *n += 1;
        out.push(Output::Refused { symbol, reason: reason.clone(), first: *n == 1 });
        Verdict::Refused(reason)
    }

    fn judge(&mut self, signal: &Signal, now: DateTime<Utc>, out: &mut Vec<Output>) -> Verdict {
        let market = signal.symbol.market();
        match self.market(market) {
            None => return self.refuse(signal.symbol, Refusal::MarketNotTraded(market), out),
            Some(m) if !m.ready => return self.refuse(signal.symbol, Refusal::NotReady(market), out),
            Some(_) => {}
        }
        let snapshot = self.snapshot(signal.symbol);
        let Some(m) = self.market_mut(market) else { return Verdict::Refused(Refusal::MarketNotTraded(market)) };
        match m.engine.evaluate(signal, &snapshot, now) {
            RiskDecision::Refuse(reason) => self.refuse(signal.symbol, Refusal::Risk(reason), out),
            RiskDecision::Approve(intent) => {
                match self.ledger.order_working(intent.symbol, intent.side, intent.qty, intent.limit, now) {
                    Ok(_) => {
                        self.approved += 1;
                        if let Some(limit) = chased_limit(&intent) {
                            self.chases.watch(intent.symbol, limit, self.ledger.last_price(intent.symbol));
                        }
                        out.push(Output::Order { intent, snapshot, currency: market.currency() });
                        out.push(Output::SnapshotsChanged(market.currency()));
                        Verdict::Approved
                    }
                    Err(e) => {
                        // Approved by the rules but never handed on: its rate slot goes back.
                        if let Some(m) = self.market_mut(market) {
                            m.engine.order_not_sent(intent.symbol);
                        }
                        self.refuse(signal.symbol, Refusal::Unreservable(e), out)
                    }
                }
            }
        }
    }

    /// A trade of a symbol: the last price, the high-water mark, and the exits of a held position.
    pub fn on_trade(&mut self, symbol: Symbol, price: Price, at: DateTime<Utc>, out: &mut Vec<Output>) {
        self.ledger.mark(symbol, price);
        self.chase(symbol, price, at, out);
        self.check_exits(symbol, price, at, out);
    }

    fn chase(&mut self, symbol: Symbol, price: Price, at: DateTime<Utc>, out: &mut Vec<Output>) {
        if !self.chases.is_empty()
            && let Some(limit) = self.chases.on_trade(symbol, price, at)
        {
            out.push(Output::Reprice { symbol, side: Side::Sell, limit, price });
        }
    }

    /// [`Desk::on_trade`], returning the symbol's snapshot after it for [`Desk::snapshot_or`]: built from
    /// the view the mark read, unless the exits changed the ledger.
    #[inline]
    pub fn on_trade_kept(
        &mut self,
        symbol: Symbol,
        price: Price,
        at: DateTime<Utc>,
        out: &mut Vec<Output>,
    ) -> KeptSnapshot {
        let view = self.ledger.mark(symbol, price);
        let generation = self.ledger.generation();
        self.chase(symbol, price, at, out);
        self.check_exits(symbol, price, at, out);
        let snapshot =
            if self.ledger.generation() == generation { self.snapshot_of(symbol, view) } else { self.snapshot(symbol) };
        KeptSnapshot { symbol, generation: self.ledger.generation(), snapshot }
    }

    fn check_exits(&mut self, symbol: Symbol, price: Price, at: DateTime<Utc>, out: &mut Vec<Output>) {
        let market = symbol.market();
        // The market's exit rules first: without them (the backtester, the US bot) a trade costs no lookup.
        let Some(m) = self.markets.iter_mut().find(|m| m.rules.market == market) else { return };
        let Some(rules) = m.rules.exits else { return };
        let Some(position) = self.ledger.position(symbol) else { return };
        let working = self.ledger.working(symbol);
        // The desk's own exit is out: wait for it.
        if working.is_some_and(|w| w.side == Side::Sell)
            && self.exit_intents.get(symbol).is_some_and(|i| i.progress == ExitProgress::Sent)
        {
            return;
        }
        let monitor = match self.monitors.entry(symbol) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => match ExitMonitor::new(rules) {
                Ok(monitor) => e.insert(monitor),
                Err(_) => return,
            },
        };
        if working.is_some() {
            // Another order holds the symbol (a buy still resting or partly filled, a strategy's sell): a
            // protective exit must not wait for it to fill or time out, so it is cancelled first and the exit
            // goes out on the first trade after it ended. Asked again while it stays (a cancel that crossed
            // the order's ack, or failed).
            let Some(reason) = monitor.check_in(&position, price, at, true) else { return };
            if self.preempting.get(&symbol).is_none_or(|last| at - *last >= PREEMPT_AGAIN) {
                self.preempting.insert(symbol, at);
                out.push(Output::CancelForExit { symbol, reason, price });
            }
            return;
        }
        let state = m.engine.refresh(at);
        let Some(reason) = monitor.check_in(&position, price, at, state == TradingState::Halted) else { return };
        let gate = ExitGate {
            state,
            rate_room: m.engine.rate_room(at),
            stopping: m.engine.causes().any(|(c, _)| c == HaltCause::Shutdown),
            now: at,
        };
        let retry = match self.exit_intents.fired(&position, reason, gate) {
            ExitCall::Hold => return,
            ExitCall::Fire => {
                *self.exits_fired.entry(reason.label()).or_insert(0) += 1;
                false
            }
            ExitCall::Retry => true,
        };
        let avg_price = position.avg_price;
        out.push(Output::ExitFired { symbol, reason, price, avg_price, retry });
        // KIS takes no US market orders: a US exit sells at the marketable limit the US bot's stop-loss uses,
        // with its default offset (the desk watches no book).
        let limit = match market {
            Market::Us => Some(us_marketable_sell(price, None, DEFAULT_STOP_LOSS_OFFSET_TICKS)),
            Market::Krx => None,
        };
        let avg = avg_price.value().round_dp(2);
        let signal = Signal {
            symbol,
            side: Side::Sell,
            kind: SignalKind::Exit(reason),
            quantity: SignalQty::All,
            limit,
            stop: None,
            order_type: kis_strategy::OrderType::Limit,
            strategy_id: StrategyId::new(EXIT_STRATEGY),
            reason: format!("{reason} at {price} (average {avg})"),
        };
        match self.judge(&signal, at, out) {
            Verdict::Approved => self.exit_intents.sent(symbol),
            Verdict::Refused(Refusal::Risk(why)) => self.exit_intents.refused(symbol, why),
            Verdict::Refused(_) => self.exit_intents.clear(symbol),
        }
        self.note_state(out);
    }

    /// The order of `symbol` reached KIS: its rate slot stays. An order the desk did not decide (adopted at
    /// start) is waited on from here.
    pub fn on_working(&mut self, symbol: Symbol, side: Side, qty: Qty, at: DateTime<Utc>) {
        if let Some(m) = self.market_mut(symbol.market()) {
            m.engine.order_sent(symbol);
        }
        if self.ledger.working(symbol).is_none() {
            let limit = self.ledger.last_price(symbol);
            // Without a price (or the symbol's reference data) nothing can be held back; the order still gates
            // the symbol.
            if self.ledger.order_working(symbol, side, qty, limit, at).is_err() {
                self.ledger.order_gate(symbol, side, qty, at);
            }
        }
    }

    /// A fill of an earlier run, already in the broker's balance: counted toward its order's average only
    /// (the caller re-reads the balance).
    pub fn on_fill_before_start(&mut self, fill: &FillReport) {
        self.ledger.order_fill(fill);
    }

    /// An execution of one of the desk's orders.
    pub fn on_fill(&mut self, fill: &FillReport, out: &mut Vec<Output>) {
        let symbol = fill.symbol;
        if let Some(m) = self.market_mut(symbol.market()) {
            m.engine.order_sent(symbol);
        }
        match self.ledger.fill(fill) {
            Ok(realised) => {
                out.push(Output::Booked { fill: fill.clone(), realised });
                if self.ledger.position(symbol).is_some() {
                    out.push(Output::Watch(symbol));
                } else {
                    self.monitors.remove(&symbol);
                    self.exit_intents.clear(symbol);
                    out.push(Output::Unwatch(symbol));
                }
            }
            Err(error) => out.push(Output::FillRefused { fill: fill.clone(), error }),
        }
        out.push(Output::SnapshotsChanged(symbol.market().currency()));
    }

    /// The order of `symbol` ended: its holds are given back, its rate slot kept or returned, a protective
    /// exit that sold nothing retried after a pause.
    pub fn on_order_ended(
        &mut self,
        symbol: Symbol,
        side: Side,
        filled: Qty,
        end: OrderEnd,
        now: DateTime<Utc>,
        out: &mut Vec<Output>,
    ) {
        let avg_price = self.ledger.order_closed(symbol);
        self.preempting.remove(&symbol);
        self.chases.forget(symbol);
        if filled.is_zero() && end != OrderEnd::Filled {
            self.exit_intents.failed(symbol, now);
        }
        if let Some(m) = self.market_mut(symbol.market()) {
            match end {
                OrderEnd::NotSent => {
                    m.engine.order_not_sent(symbol);
                }
                OrderEnd::Rejected | OrderEnd::Cancelled | OrderEnd::Uncertain => m.engine.order_sent(symbol),
                OrderEnd::Filled => {}
            }
        }
        out.push(Output::OrderEnded { symbol, side, filled, end, avg_price });
        out.push(Output::SnapshotsChanged(symbol.market().currency()));
        self.note_state(out);
    }

    /// A halt ordered from outside (escalation, shutdown) for every market, or for one (its day has ended
    /// while the other market still trades).
    pub fn on_halt(&mut self, cause: HaltCause, state: TradingState, market: Option<Market>) {
        for m in self.markets.iter_mut().filter(|m| market.is_none_or(|only| m.rules.market == only)) {
            m.engine.impose(cause, state);
            // Reported by whoever ordered it: the next look at the causes must not report it again.
            m.last_causes = m.engine.causes().collect();
        }
    }

    /// Time passes: a new trading day per market, the daily loss limit, rate breaches that lifted, exits due
    /// on quiet symbols (holding time, retries).
    pub fn on_clock(&mut self, now: DateTime<Utc>, out: &mut Vec<Output>) {
        for i in 0..self.markets.len() {
            let market = self.markets[i].rules.market;
            if !self.markets[i].ready {
                continue;
            }
            let today = trade_date(market, now);
            let equity = self.ledger.equity(market.currency());
            if self.markets[i].day.is_some_and(|d| d != today) {
                self.markets[i].day = Some(today);
                self.ledger.start_day(market.currency());
                self.markets[i].engine.start_day(equity);
                out.push(Output::NewDay { market, date: today });
            }
            let m = &mut self.markets[i];
            m.engine.refresh(now);
            m.engine.mark_equity(equity);
        }
        self.note_state(out);
        let due: Vec<(Symbol, Price)> =
            self.ledger.positions().filter_map(|p| self.ledger.last_price(p.symbol).map(|l| (p.symbol, l))).collect();
        for (symbol, price) in due {
            self.check_exits(symbol, price, now, out);
        }
    }

    /// Reports each change of a market's causes once, both ways.
    fn note_state(&mut self, out: &mut Vec<Output>) {
        for m in &mut self.markets {
            let causes: Vec<(HaltCause, TradingState)> = m.engine.causes().collect();
            if causes == m.last_causes {
                continue;
            }
            let now = m.engine.state();
            let market = m.rules.market;
            for &(cause, to) in causes.iter().filter(|c| !m.last_causes.contains(c)) {
                out.push(Output::Restriction { market, cause, to, now, lifted: false });
            }
            for &(cause, to) in m.last_causes.iter().filter(|c| !causes.iter().any(|n| n.0 == c.0)) {
                out.push(Output::Restriction { market, cause, to, now, lifted: true });
            }
            m.last_causes = causes;
        }
    }

    /// The exit state of every held position as it would be saved for the next run.
    pub fn exit_states(&self) -> Vec<ExitState> {
        self.ledger
            .positions()
            .map(|p| {
                let monitor = self.monitors.get(&p.symbol).filter(|m| m.tracks(&p));
                let high_water =
                    monitor.and_then(ExitMonitor::high_water).map_or(p.high_water, |h| h.max(p.high_water));
                let position = Position { high_water, ..p };
                ExitState::of(&position, monitor.is_some_and(ExitMonitor::trailing_armed))
            })
            .collect()
    }

    pub fn working(&self, symbol: Symbol) -> Option<Working> {
        self.ledger.working(symbol)
    }
}

fn severity(state: TradingState) -> u8 {
    match state {
        TradingState::Active => 0,
        TradingState::ReduceOnly => 1,
        TradingState::Halted => 2,
    }
}

//! The desk's money: cash per currency, holdings, what working orders hold back, all in a kis-engine
//! [`Account`] moved only by kis-engine's booking rules ([`book_fill`], [`buy_reservation`]). The simulator's
//! matching engine books its fills with the same functions, so a fill costs the same won or cent in the
//! simulator, the backtester and the daemon.
//!
//! Beside the money it keeps what exits and strategies read per symbol: the opening time and high-water
//! mark of each holding, the last price, the last buy and sell.

use chrono::{DateTime, NaiveDate, Utc};
use kis_engine::{Account, BookingError, SymbolSpec, book_fill, buy_reservation, reservation_bound};
use kis_model::tick_size::{InstrumentKind, to_won};
use kis_model::{Currency, FeeModel, KrxBoard, Market, Price, Qty, Side, Symbol, SymbolMap};
use kis_strategy::risk::FreshReason;
use kis_strategy::{FillReport, Position};
use rust_decimal::Decimal;
use thiserror::Error;

use crate::day::{DayResult, Realised, trade_date};

mod broker_sync;

/// The one order of a symbol the desk waits on (the pending-order gate allows one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Working {
    pub side: Side,
    pub qty: Qty,
    pub filled: Qty,
    /// The price its cash is held at (the limit; a KRX market buy's upper limit); `None` for an order that
    /// only gates its symbol ([`Ledger::order_gate`]).
    pub bound: Option<Price>,
    /// Cash still held back for a buy.
    pub reserved: Decimal,
    /// When the desk approved it: buy and sell delays count from the decision, as the user's bot counts from
    /// placing the order, not from a fill that arrives a moment (or, resting, minutes) later.
    pub decided_at: DateTime<Utc>,
}

/// One symbol's part of a strategy's snapshot ([`Ledger::symbol_view`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SymbolView {
    pub position: Option<Position>,
    pub working: Option<Working>,
    pub last_price: Option<Price>,
    pub last_buy_at: Option<DateTime<Utc>>,
    pub last_sell_at: Option<DateTime<Utc>>,
}

/// A holding the desk took from the broker that it was not tracking: its exit state restored from the saved
/// one (`Ok(trailing_armed)`) or started fresh, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adopted {
    pub symbol: Symbol,
    pub restored: Result<bool, FreshReason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    #[error("{symbol}: {source}")]
    Booking { symbol: Symbol, source: BookingError },
    #[error("{symbol}: no reference data for its trading day {date} ({detail})")]
    Reference { symbol: Symbol, date: NaiveDate, detail: String },
    #[error("{symbol}: {detail}")]
    Refused { symbol: Symbol, detail: String },
}

/// Exit-relevant facts of one holding, kept beside the account's quantity and cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Opened {
    at: DateTime<Utc>,
    high_water: Price,
}

/// The account's holding of one symbol as snapshots and marks read it, copied from the account after every
/// change to it (a fill's booking, a balance sync): the backtester builds a snapshot and a mark for every
/// event, and this spares each of them the account lookup and the average's division (see BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Held {
    qty: Qty,
    /// The account's average purchase price (four decimals, as KIS shows it).
    avg: Decimal,
    /// `avg` as a price; `None` when it is not one (the holding then has no strategy position).
    avg_price: Option<Price>,
}

impl Held {
    /// The account's holding of `symbol`, when it has shares.
    fn of(account: &Account, symbol: Symbol) -> Option<Held> {
        let p = account.position(&symbol).filter(|p| !p.qty.is_zero())?;
        let avg = p.avg_price();
        Some(Held { qty: p.qty, avg, avg_price: Price::new(avg).ok() })
    }
}

#[derive(Debug, Clone, Default)]
struct SymbolFacts {
    /// Kept equal to the account's holding by [`Ledger::refresh_held`].
    held: Option<Held>,
    last_price: Option<Price>,
    opened: Option<Opened>,
    last_buy_at: Option<DateTime<Utc>>,
    last_sell_at: Option<DateTime<Utc>>,
    working: Option<Working>,
    /// Reference data of the trading day in force (limits, board, tax date).
    spec: Option<SymbolSpec>,
    /// The previous close, when told (the screener's quote); else the first price seen is the base.
    base: Option<Price>,
    /// Shares and notional of the current order's fills — booked here or, from an earlier run, already in
    /// the broker's balance — for its "fully filled" average.
    order_fills: Option<(Qty, Decimal)>,
}

#[derive(Debug, Clone)]
pub struct Ledger {
    fees: FeeModel,
    board: KrxBoard,
    account: Account,
    facts: SymbolMap<SymbolFacts>,
    /// Σ qty × last price of the holdings, per currency, kept current so equity costs one addition.
    held_value: [Decimal; 2],
    /// [`Ledger::available_cash`] per currency, recomputed whenever cash, a reservation or the buying power
    /// moves ([`Ledger::refresh_available`]): every snapshot reads it, and it moves only with orders and fills.
    available: [Decimal; 2],
    /// See [`Ledger::generation`].
    generation: u64,
    /// Holdings with shares, per market, kept current for the same reason (every snapshot reads it).
    open: [usize; 2],
    day: [DayResult; 2],
    /// What the broker last said can be spent on buys (US: `inquire-psamount`'s `ord_psbl_frcr_amt`, net of
    /// its open orders), per currency, while the desk's own books have not moved since: it caps the cash
    /// the desk counts as available (the broker may know of holds the desk does not, e.g. unsettled
    /// trades). An order going working or a fill makes it stale (the ledger alone judges until the next
    /// read), and a balance sync without it clears it.
    buying_power: [Option<Decimal>; 2],
}

fn position_of(symbol: Symbol, facts: Option<&SymbolFacts>) -> Option<Position> {
    let facts = facts?;
    let held = facts.held?;
    let avg_price = held.avg_price?;
    Some(Position {
        symbol,
        qty: held.qty,
        avg_price,
        opened_at: facts.opened.map_or(DateTime::<Utc>::MIN_UTC, |o| o.at),
        high_water: facts.opened.map_or(avg_price, |o| o.high_water),
    })
}

#[inline]
fn view_of(symbol: Symbol, facts: Option<&SymbolFacts>) -> SymbolView {
    SymbolView {
        position: position_of(symbol, facts),
        working: facts.and_then(|f| f.working),
        last_price: facts.and_then(|f| f.last_price),
        last_buy_at: facts.and_then(|f| f.last_buy_at),
        last_sell_at: facts.and_then(|f| f.last_sell_at),
    }
}

/// [`Ledger::mark`] on one symbol's facts. The holdings value moves by the held shares times the price
/// change, exactly what a full revaluation would find.
#[inline]
fn mark_facts(symbol: Symbol, facts: &mut SymbolFacts, price: Price, held_value: &mut Decimal) -> SymbolView {
    let before = facts.last_price;
    facts.last_price = Some(price);
    if let Some(Held { qty, avg, .. }) = facts.held {
        if let Some(o) = &mut facts.opened
            && price > o.high_water
        {
            o.high_water = price;
        }
        let shares = qty.as_decimal();
        let old = before.map_or(avg, Price::value).saturating_mul(shares);
        let new = price.value().saturating_mul(shares);
        *held_value = *held_value - old + new;
    }
    view_of(symbol, Some(facts))
}

fn slot(currency: Currency) -> usize {
    match currency {
        Currency::Krw => 0,
        Currency::Usd => 1,
    }
}

impl Ledger {
    /// `board` is the fee-table board assumed for KRX symbols whose board is unknown (the broker's balance
    /// corrects cash if the tax differed).
    pub fn new(fees: FeeModel, board: KrxBoard) -> Ledger {
        Ledger {
            fees,
            board,
            account: Account::default(),
            facts: SymbolMap::default(),
            held_value: [Decimal::ZERO; 2],
            available: [Decimal::ZERO; 2],
            generation: 0,
            open: [0; 2],
            day: [DayResult::default(); 2],
            buying_power: [None; 2],
        }
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    pub fn cash(&self, currency: Currency) -> Decimal {
        self.account.cash(currency).total
    }

    pub fn reserved(&self, currency: Currency) -> Decimal {
        self.account.cash(currency).reserved
    }

    /// Cash not held back by working orders, capped by the broker's buying power while that is fresh.
    #[inline]
    pub fn available_cash(&self, currency: Currency) -> Decimal {
        let available = self.available[slot(currency)];
        debug_assert_eq!(available, self.compute_available(currency), "cached available cash out of step");
        available
    }

    fn compute_available(&self, currency: Currency) -> Decimal {
        let own = self.account.cash(currency).available().max(Decimal::ZERO);
        match self.buying_power[slot(currency)] {
            Some(broker) => own.min(broker.max(Decimal::ZERO)),
            None => own,
        }
    }

    /// Called after every change to `currency`'s cash, its reservations or its buying power.
    fn refresh_available(&mut self, currency: Currency) {
        self.available[slot(currency)] = self.compute_available(currency);
    }

    /// Called after every change to the account's holding of `symbol`.
    fn refresh_held(&mut self, symbol: Symbol) {
        let held = Held::of(&self.account, symbol);
        match self.facts.get_mut(&symbol) {
            Some(facts) => facts.held = held,
            None if held.is_some() => self.facts.entry(symbol).or_default().held = held,
            None => {}
        }
    }

    /// The broker's buying power in `currency`, just read (see the field's docs).
    pub fn set_buying_power(&mut self, currency: Currency, amount: Decimal) {
        self.touch();
        self.buying_power[slot(currency)] = Some(amount);
        self.refresh_available(currency);
    }

    pub fn buying_power(&self, currency: Currency) -> Option<Decimal> {
        self.buying_power[slot(currency)]
    }

    /// Cash plus holdings at their last prices (the average before the first trade).
    pub fn equity(&self, currency: Currency) -> Decimal {
        self.cash(currency).saturating_add(self.held_value[slot(currency)])
    }

    pub fn day(&self, currency: Currency) -> DayResult {
        self.day[slot(currency)]
    }

    pub fn start_day(&mut self, currency: Currency) {
        self.touch();
        self.day[slot(currency)] = DayResult::default();
    }

    /// The holding in `symbol` as strategies and exits read it.
    pub fn position(&self, symbol: Symbol) -> Option<Position> {
        self.position_with(symbol, self.facts.get(&symbol))
    }

    /// What a strategy's snapshot reads of one symbol, in one look at its facts: the backtester builds a
    /// snapshot for every event, so each lookup saved counts (see BENCHMARKS.md).
    pub fn symbol_view(&self, symbol: Symbol) -> SymbolView {
        let facts = self.facts.get(&symbol);
        debug_assert_eq!(facts.and_then(|f| f.held), Held::of(&self.account, symbol), "{symbol}: cached holding");
        view_of(symbol, facts)
    }

    /// Counts every change to the ledger (each `&mut self` method moves it): a snapshot built from the ledger
    /// stays exact for as long as the count has not moved, so a caller may keep one (the backtester keeps the
    /// view [`Ledger::mark`] returns for the event's snapshot).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn touch(&mut self) {
        self.generation = self.generation.wrapping_add(1);
    }

    fn position_with(&self, symbol: Symbol, facts: Option<&SymbolFacts>) -> Option<Position> {
        debug_assert_eq!(facts.and_then(|f| f.held), Held::of(&self.account, symbol), "{symbol}: cached holding");
        position_of(symbol, facts)
    }

    pub fn positions(&self) -> impl Iterator<Item = Position> + '_ {
        self.account.positions().filter(|p| !p.qty.is_zero()).filter_map(|p| self.position(p.symbol))
    }

    pub fn open_positions(&self, market: Market) -> usize {
        self.open[slot(market.currency())]
    }

    pub fn working(&self, symbol: Symbol) -> Option<Working> {
        self.facts.get(&symbol).and_then(|f| f.working)
    }

    pub fn working_count(&self) -> usize {
        self.facts.values().filter(|f| f.working.is_some()).count()
    }

    pub fn last_price(&self, symbol: Symbol) -> Option<Price> {
        self.facts.get(&symbol).and_then(|f| f.last_price)
    }

    pub fn last_buy_at(&self, symbol: Symbol) -> Option<DateTime<Utc>> {
        self.facts.get(&symbol).and_then(|f| f.last_buy_at)
    }

    pub fn last_sell_at(&self, symbol: Symbol) -> Option<DateTime<Utc>> {
        self.facts.get(&symbol).and_then(|f| f.last_sell_at)
    }

    fn held_qty(&self, symbol: Symbol) -> Qty {
        self.account.position(&symbol).map_or(Qty::ZERO, |p| p.qty)
    }

    /// Value of the holding at the last price (the average before the first trade).
    fn held_value_of(&self, symbol: Symbol) -> Decimal {
        let Some(p) = self.account.position(&symbol).filter(|p| !p.qty.is_zero()) else { return Decimal::ZERO };
        let price = self.last_price(symbol).map_or_else(|| p.avg_price(), |l| l.value());
        price.saturating_mul(p.qty.as_decimal())
    }

    /// Runs `change` and keeps the per-currency holdings value in step with what it did to `symbol`.
    fn revalue<T>(&mut self, symbol: Symbol, change: impl FnOnce(&mut Ledger) -> T) -> T {
        let before = self.held_value_of(symbol);
        let was_open = !self.held_qty(symbol).is_zero();
        let out = change(self);
        self.refresh_held(symbol);
        let after = self.held_value_of(symbol);
        let is_open = !self.held_qty(symbol).is_zero();
        let i = slot(symbol.market().currency());
        self.held_value[i] = self.held_value[i] - before + after;
        self.open[i] = self.open[i] + usize::from(is_open) - usize::from(was_open);
        out
    }

    /// The previous close of `symbol` (the screener's quote): KRX daily limits are computed from it.
    pub fn set_base(&mut self, symbol: Symbol, previous_close: Price) {
        self.touch();
        let facts = self.facts.entry(symbol).or_default();
        if facts.base != Some(previous_close) {
            facts.base = Some(previous_close);
            facts.spec = None;
        }
    }

    /// Records a trade price; raises the holding's high-water mark. Returns the symbol's view after the
    /// mark, read from the facts the mark has in hand (see [`Ledger::generation`]).
    pub fn mark(&mut self, symbol: Symbol, price: Price) -> SymbolView {
        self.touch();
        debug_assert_eq!(
            self.facts.get(&symbol).and_then(|f| f.held),
            Held::of(&self.account, symbol),
            "{symbol}: cached holding out of step"
        );
        let held_value = &mut self.held_value[slot(symbol.market().currency())];
        // One look at the facts, which carry the holding: marks run on every trade (`get_mut` first: the entry
        // API costs more, and the symbol is nearly always known).
        match self.facts.get_mut(&symbol) {
            Some(facts) => mark_facts(symbol, facts, price, held_value),
            None => mark_facts(symbol, self.facts.entry(symbol).or_default(), price, held_value),
        }
    }

    /// The symbol's reference data for the trading day of `at`, built on first use: KRX limits around the
    /// previous close when told, else around the first price seen (as the backtester does).
    pub fn spec(&mut self, symbol: Symbol, at: DateTime<Utc>) -> Result<SymbolSpec, LedgerError> {
        self.touch();
        let date = trade_date(symbol.market(), at);
        let board = self.board;
        let facts = self.facts.entry(symbol).or_default();
        if let Some(spec) = facts.spec.filter(|s| s.trade_date == date) {
            return Ok(spec);
        }
        let reference = |detail: String| LedgerError::Reference { symbol, date, detail };
        let spec = match symbol.market() {
            Market::Us => SymbolSpec::us(symbol, date),
            Market::Krx => {
                let base = facts.base.or(facts.last_price).ok_or_else(|| reference("no price seen yet".into()))?;
                let won = to_won(base).map_err(|e| reference(e.to_string()))?;
                SymbolSpec::krx(symbol, board, InstrumentKind::Stock, won, date)
            }
        }
        .map_err(|e| reference(e.to_string()))?;
        facts.spec = Some(spec);
        Ok(spec)
    }

    /// An order for `symbol` is on its way: a buy holds back its cash at the limit (a KRX market buy at the
    /// upper daily limit, as KIS does), a sell claims its shares.
    pub fn order_working(
        &mut self,
        symbol: Symbol,
        side: Side,
        qty: Qty,
        limit: Option<Price>,
        at: DateTime<Utc>,
    ) -> Result<Working, LedgerError> {
        self.touch();
        let spec = self.spec(symbol, at)?;
        let refused = |detail: String| LedgerError::Refused { symbol, detail };
        let bound = reservation_bound(&spec, side, limit).map_err(|e| refused(e.to_string()))?;
        let reserved = match side {
            Side::Buy => buy_reservation(&self.fees, &spec, bound, qty).map_err(|e| refused(e.to_string()))?,
            Side::Sell => Decimal::ZERO,
        };
        if let Some(old) = self.working(symbol) {
            self.release(symbol, old);
        }
        self.buying_power[slot(spec.currency())] = None;
        match side {
            Side::Buy => self.account.reserve_cash(spec.currency(), reserved),
            Side::Sell => self.account.reserve_shares(symbol, qty.min(self.held_qty(symbol))),
        }
        self.refresh_available(spec.currency());
        let working = Working { side, qty, filled: Qty::ZERO, bound: Some(bound), reserved, decided_at: at };
        self.facts.entry(symbol).or_default().working = Some(working);
        Ok(working)
    }

    /// An order the ledger cannot price a hold for (one adopted at start before its symbol's reference data
    /// is known): it still gates its symbol and a sell still claims its shares; a buy holds no cash (its fills
    /// book against the cash, and the broker's balance is read again after an adopted order's fills).
    pub fn order_gate(&mut self, symbol: Symbol, side: Side, qty: Qty, at: DateTime<Utc>) -> Working {
        self.touch();
        if let Some(old) = self.working(symbol) {
            self.release(symbol, old);
        }
        let currency = symbol.market().currency();
        self.buying_power[slot(currency)] = None;
        if side == Side::Sell {
            self.account.reserve_shares(symbol, qty.min(self.held_qty(symbol)));
        }
        self.refresh_available(currency);
        let working = Working { side, qty, filled: Qty::ZERO, bound: None, reserved: Decimal::ZERO, decided_at: at };
        self.facts.entry(symbol).or_default().working = Some(working);
        working
    }

    fn release(&mut self, symbol: Symbol, w: Working) {
        match w.side {
            Side::Buy => self.account.release_cash(symbol.market().currency(), w.reserved),
            Side::Sell => self.account.release_shares(&symbol, w.qty.saturating_sub(w.filled)),
        }
        self.refresh_available(symbol.market().currency());
    }

    /// The order of `symbol` is over (filled, cancelled, rejected, never sent): what it still held is given
    /// back. Returns the average price of its fills.
    pub fn order_closed(&mut self, symbol: Symbol) -> Option<Price> {
        self.touch();
        let facts = self.facts.get_mut(&symbol)?;
        let fills = facts.order_fills.take();
        if let Some(w) = facts.working.take() {
            self.release(symbol, w);
        }
        let (qty, notional) = fills?;
        if qty.is_zero() {
            return None;
        }
        Price::new(notional / qty.as_decimal()).ok()
    }

    fn count_order_fill(&mut self, fill: &FillReport) {
        let facts = self.facts.entry(fill.symbol).or_default();
        let (qty, notional) = facts.order_fills.get_or_insert((Qty::ZERO, Decimal::ZERO));
        *qty = *qty + fill.qty;
        *notional = notional.saturating_add(fill.price.value().saturating_mul(fill.qty.as_decimal()));
    }

    /// Counts a fill toward its order's average without booking it: a fill of an earlier run, already in the
    /// broker's balance.
    pub fn order_fill(&mut self, fill: &FillReport) {
        self.touch();
        self.count_order_fill(fill);
        if let Some(w) = self.facts.get_mut(&fill.symbol).and_then(|f| f.working.as_mut()) {
            w.filled = w.filled + fill.qty;
        }
    }

    /// Books one execution through kis-engine: cash with commission (and tax on sells), the holding's cost,
    /// the order's reservation, the exit facts and the day's result.
    pub fn fill(&mut self, fill: &FillReport) -> Result<Option<Realised>, LedgerError> {
        self.touch();
        let symbol = fill.symbol;
        let spec = self.spec_for_fill(symbol, fill)?;
        self.buying_power[slot(spec.currency())] = None;
        self.refresh_available(spec.currency());
        let working = self.working(symbol).filter(|w| w.side == fill.side);
        let decided_at = working.map_or(fill.ts, |w| w.decided_at.min(fill.ts));
        let (reserved, bound, left) = match working {
            Some(w) => {
                (w.reserved, w.bound.unwrap_or(fill.price), w.qty.saturating_sub(w.filled).saturating_sub(fill.qty))
            }
            None => (Decimal::ZERO, fill.price, Qty::ZERO),
        };
        let booked = self.revalue(symbol, |l| {
            book_fill(&mut l.account, &l.fees, &spec, fill.side, fill.qty, fill.price, reserved, bound, left)
        });
        self.refresh_available(spec.currency());
        let booked = booked.map_err(|source| LedgerError::Booking { symbol, source })?;
        self.count_order_fill(fill);
        let held = self.held_qty(symbol);
        self.revalue(symbol, |l| {
            let facts = l.facts.entry(symbol).or_default();
            facts.last_price = Some(fill.price);
            if let Some(w) = facts.working.as_mut().filter(|w| w.side == fill.side) {
                w.filled = w.filled + fill.qty;
                w.reserved -= booked.released;
            }
            match fill.side {
                Side::Buy => {
                    facts.last_buy_at = Some(decided_at);
                    let opened = facts.opened.get_or_insert(Opened { at: fill.ts, high_water: fill.price });
                    opened.high_water = opened.high_water.max(fill.price);
                }
                Side::Sell => {
                    facts.last_sell_at = Some(decided_at);
                    if held.is_zero() {
                        facts.opened = None;
                    } else if let Some(o) = &mut facts.opened {
                        o.high_water = o.high_water.max(fill.price);
                    }
                }
            }
        });
        match fill.side {
            Side::Buy => Ok(None),
            Side::Sell => {
                let closed = held.is_zero();
                self.day[slot(symbol.market().currency())].count(booked.realised, closed);
                Ok(Some(Realised { symbol, qty: fill.qty, pnl: booked.realised, closed }))
            }
        }
    }

    /// A fill's reference data: its own trading day, with the fill's price as the base when nothing else is known.
    fn spec_for_fill(&mut self, symbol: Symbol, fill: &FillReport) -> Result<SymbolSpec, LedgerError> {
        let facts = self.facts.entry(symbol).or_default();
        if facts.base.is_none() && facts.last_price.is_none() {
            facts.last_price = Some(fill.price);
        }
        self.spec(symbol, fill.ts)
    }
}

//! The engine: accepts, modifies and cancels our orders, matches them against the fed market, and keeps the
//! account in step.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kis_model::{
    Book, FeeError, FeeModel, Fees, MarketEvent, Money, OrderId, OrderNo, Price, Qty, Side, Symbol, Trade,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::Account;
use crate::booking;
use crate::event::{EngineEvent, Fill};
use crate::matching::{Alloc, FillRule, Resting, RestingIndex, walk_book};
use crate::order::{NewOrder, Order, OrderKind, OrderStatus};
use crate::reject::RejectReason;
use crate::spec::{MarketRules, SpecError, SymbolSpec};
use crate::validate::check_limit_price;

mod amend;

/// KIS branch numbers (`KRX_FWDG_ORD_ORGNO`) have five digits.
const MAX_BRANCH: u32 = 99_999;
/// KIS order numbers have ten digits.
const MAX_ORDER_NO: u64 = 9_999_999_999;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EngineError {
    #[error("branch number {0} does not fit KIS's five digits")]
    BadBranch(u32),
    #[error("first order number {0} does not fit KIS's ten digits")]
    BadOrderNo(u64),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("fee table: {0}")]
    Fee(#[from] FeeError),
    #[error("amount out of range while filling order {0}")]
    Overflow(OrderId),
    #[error("a deposit must be positive, got {0}")]
    BadDeposit(Money),
    #[error("{0}: no reference data (SymbolSpec) for it")]
    UnknownSymbol(Symbol),
    #[error("cannot seed {qty} shares of {symbol}: open sell orders claim {claimed}")]
    SeedBelowClaimed { symbol: Symbol, qty: Qty, claimed: Qty },
    #[error("cannot seed {qty} shares of {symbol} at {avg_price}: the cost is out of range")]
    SeedOutOfRange { symbol: Symbol, qty: Qty, avg_price: Price },
    #[error("inconsistent engine state: {0}")]
    BadState(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineConfig {
    /// Branch number put in every order id (KIS `KRX_FWDG_ORD_ORGNO`, e.g. `06010`).
    pub branch: u32,
    /// Number of the first order; later ones count up from it.
    pub first_order_no: u64,
    pub fill_rule: FillRule,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig { branch: 6010, first_order_no: 1, fill_rule: FillRule::Through }
    }
}

/// Everything the engine knows, in serialisable form: the simulator writes it to its state file and restarts
/// from it with [`Engine::from_state`]. The fee table is not part of it: it is configuration
/// (`config/fees.toml`), given again at restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineState {
    pub(crate) config: EngineConfig,
    pub(crate) next_order_no: u64,
    pub(crate) next_seq: u64,
    pub(crate) account: Account,
    /// Sorted by order number (numbers only grow), so lookups are binary searches.
    pub(crate) orders: Vec<Order>,
    pub(crate) specs: BTreeMap<Symbol, SymbolSpec>,
    /// Last book per symbol, minus what our marketable orders took from it since.
    pub(crate) books: BTreeMap<Symbol, Book>,
}

impl EngineState {
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }
}

#[derive(Debug)]
pub struct Engine {
    fees: FeeModel,
    pub(crate) state: EngineState,
    index: RestingIndex,
    /// Reused for planned fills so that matching a print allocates nothing.
    scratch: Vec<Alloc>,
}

fn notional(price: Price, qty: Qty) -> Option<Decimal> {
    price.value().checked_mul(qty.as_decimal())
}

impl Engine {
    pub fn new(config: EngineConfig, fees: FeeModel) -> Result<Engine, EngineError> {
        if config.branch > MAX_BRANCH {
            return Err(EngineError::BadBranch(config.branch));
        }
        if config.first_order_no > MAX_ORDER_NO {
            return Err(EngineError::BadOrderNo(config.first_order_no));
        }
        let state = EngineState {
            config,
            next_order_no: config.first_order_no,
            next_seq: 0,
            account: Account::default(),
            orders: Vec::new(),
            specs: BTreeMap::new(),
            books: BTreeMap::new(),
        };
        Ok(Engine { fees, state, index: RestingIndex::default(), scratch: Vec::new() })
    }

    /// Restarts from a saved state, checking what a hand-edited or truncated file could have broken.
    pub fn from_state(state: EngineState, fees: FeeModel) -> Result<Engine, EngineError> {
        let bad = |what: String| Err(EngineError::BadState(what));
        if state.config.branch > MAX_BRANCH {
            return Err(EngineError::BadBranch(state.config.branch));
        }
        for pair in state.orders.windows(2) {
            if pair[0].id.order_no >= pair[1].id.order_no {
                return bad(format!("orders out of number order at {}", pair[1].id));
            }
        }
        if let Some(last) = state.orders.last()
            && last.id.order_no.value() >= state.next_order_no
        {
            return bad(format!("next order number {} is not after order {}", state.next_order_no, last.id));
        }
        let mut engine = Engine { fees, state, index: RestingIndex::default(), scratch: Vec::new() };
        for spec in engine.state.specs.values() {
            spec.check()?;
            engine.check_fee_coverage(spec)?;
        }
        for order in &engine.state.orders {
            if order.status.is_live() {
                if !engine.state.specs.contains_key(&order.symbol) {
                    return bad(format!("open order {} has no reference data for {}", order.id, order.symbol));
                }
                engine.index.insert(order.symbol, order.side, resting(order));
            }
        }
        Ok(engine)
    }

    pub fn state(&self) -> &EngineState {
        &self.state
    }

    pub fn into_state(self) -> EngineState {
        self.state
    }

    pub fn config(&self) -> &EngineConfig {
        &self.state.config
    }

    pub(crate) fn index_len(&self) -> usize {
        self.index.len()
    }

    pub fn fee_model(&self) -> &FeeModel {
        &self.fees
    }

    pub fn deposit(&mut self, money: Money) -> Result<(), EngineError> {
        if money.amount <= Decimal::ZERO {
            return Err(EngineError::BadDeposit(money));
        }
        self.state.account.deposit(money.currency, money.amount).map_err(|_| EngineError::BadDeposit(money))
    }

    /// Sets a holding directly (an opening portfolio), at `avg_price` excluding fees.
    pub fn seed_position(&mut self, symbol: Symbol, qty: Qty, avg_price: Price) -> Result<(), EngineError> {
        let claimed = self.state.account.position(&symbol).map_or(Qty::ZERO, |p| p.sell_reserved);
        if qty < claimed {
            return Err(EngineError::SeedBelowClaimed { symbol, qty, claimed });
        }
        let cost = notional(avg_price, qty).ok_or(EngineError::SeedOutOfRange { symbol, qty, avg_price })?;
        self.state.account.seed(symbol, qty, cost);
        Ok(())
    }

    /// Adds or replaces a symbol's reference data (each trading day: limits and trade date change).
    pub fn set_symbol(&mut self, spec: SymbolSpec) -> Result<(), EngineError> {
        spec.check()?;
        self.check_fee_coverage(&spec)?;
        self.state.specs.insert(spec.symbol, spec);
        Ok(())
    }

    pub fn spec(&self, symbol: &Symbol) -> Option<&SymbolSpec> {
        self.state.specs.get(symbol)
    }

    /// A trade date before the fee table would make every fill fail; refuse it up front instead.
    fn check_fee_coverage(&self, spec: &SymbolSpec) -> Result<(), SpecError> {
        self.fees_for(spec, Side::Sell, Decimal::ZERO).map(|_| ()).map_err(|e| SpecError::NoFeeRate {
            symbol: spec.symbol,
            date: spec.trade_date,
            reason: e.to_string(),
        })
    }

    fn fees_for(&self, spec: &SymbolSpec, side: Side, notional: Decimal) -> Result<Fees, FeeError> {
        booking::fees_for(&self.fees, spec, side, notional)
    }

    /// Cash a buy of `qty` at `price` must hold: notional plus the commission on it.
    pub(crate) fn buy_reservation(&self, spec: &SymbolSpec, price: Price, qty: Qty) -> Result<Decimal, RejectReason> {
        booking::buy_reservation(&self.fees, spec, price, qty)
    }

    /// Feeds one market event: trades match, books are remembered for marketable orders, bars are ignored
    /// (a bar says nothing about the order of its prices).
    pub fn on_event(&mut self, event: &MarketEvent, out: &mut Vec<EngineEvent>) -> Result<(), EngineError> {
        match event {
            MarketEvent::Trade(trade) => self.on_trade(trade, out),
            MarketEvent::Book(book) => {
                self.on_book(book);
                Ok(())
            }
            MarketEvent::Bar(_) => Ok(()),
        }
    }

    /// Remembers the latest book of a symbol we have reference data for. Resting orders do not fill against
    /// books, only against prints; a book only serves orders that are marketable when they arrive.
    pub fn on_book(&mut self, book: &Book) {
        if self.state.specs.contains_key(&book.symbol) {
            self.state.books.insert(book.symbol, *book);
        }
    }

    /// Matches a trade print against our resting orders.
    #[inline]
    pub fn on_trade(&mut self, trade: &Trade, out: &mut Vec<EngineEvent>) -> Result<(), EngineError> {
        let (buy, sell) = self.index.may_fill(&trade.symbol, self.state.config.fill_rule, trade.price);
        if !(buy || sell) || trade.qty.is_zero() {
            return Ok(());
        }
        self.match_print(trade, buy, sell, out)
    }

    #[cold]
    fn match_print(
        &mut self,
        trade: &Trade,
        buy: bool,
        sell: bool,
        out: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        let rule = self.state.config.fill_rule;
        let mut plan = std::mem::take(&mut self.scratch);
        let mut result = Ok(());
        for side in [Side::Buy, Side::Sell] {
            if (side == Side::Buy && !buy) || (side == Side::Sell && !sell) {
                continue;
            }
            plan.clear();
            self.index.allocate(&trade.symbol, side, rule, trade.price, trade.qty, &mut plan);
            result = self.apply_plan(&plan, trade.ts, true, out);
            if result.is_err() {
                break;
            }
        }
        plan.clear();
        self.scratch = plan;
        result
    }

    fn apply_plan(
        &mut self,
        plan: &[Alloc],
        ts: DateTime<Utc>,
        resting: bool,
        out: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        for alloc in plan {
            let at = self.order_index(alloc.id).ok_or(EngineError::BadState(format!("lost order {}", alloc.id)))?;
            let (symbol, side) = (self.state.orders[at].symbol, self.state.orders[at].side);
            self.apply_fill(at, alloc.qty, alloc.price, ts, out)?;
            if resting {
                self.index.consume(&symbol, side, alloc.id, alloc.qty);
            }
        }
        Ok(())
    }

    /// Applies one fill to the order and the account; computes everything first so a failure changes nothing.
    fn apply_fill(
        &mut self,
        at: usize,
        qty: Qty,
        price: Price,
        ts: DateTime<Utc>,
        out: &mut Vec<EngineEvent>,
    ) -> Result<(), EngineError> {
        let order = &self.state.orders[at];
        let id = order.id;
        let overflow = || EngineError::Overflow(id);
        let spec = *self.state.specs.get(&order.symbol).ok_or(EngineError::UnknownSymbol(order.symbol))?;
        let left = order.unfilled().checked_sub(qty).ok_or_else(overflow)?;
        let booked = booking::book_fill(
            &mut self.state.account,
            &self.fees,
            &spec,
            order.side,
            qty,
            price,
            order.reserved,
            order.price_bound,
            left,
        )
        .map_err(|e| match e {
            booking::BookingError::Fee(e) => EngineError::Fee(e),
            _ => overflow(),
        })?;
        let order = &self.state.orders[at];
        let fee_total = booked.fees.commission.amount.checked_add(booked.fees.tax.amount).ok_or_else(overflow)?;
        let filled_notional = order.filled_notional.checked_add(booked.notional).ok_or_else(overflow)?;
        let order_fees = order.fees.checked_add(fee_total).ok_or_else(overflow)?;
        let reserved_after = order.reserved - booked.released;
        let (fees, realised) = (booked.fees, booked.realised);
        let order = &mut self.state.orders[at];
        order.filled = order.filled + qty;
        order.filled_notional = filled_notional;
        order.fees = order_fees;
        order.reserved = reserved_after;
        order.status = if left.is_zero() { OrderStatus::Filled } else { OrderStatus::PartiallyFilled };
        order.updated = ts;
        out.push(EngineEvent::Filled(Fill {
            order: order.id,
            client_id: order.client_id,
            symbol: order.symbol,
            side: order.side,
            qty,
            price,
            fees,
            ts,
            remaining: left,
            realised_pnl: realised,
        }));
        Ok(())
    }

    pub(crate) fn order_index(&self, id: OrderId) -> Option<usize> {
        if id.branch != self.state.config.branch {
            return None;
        }
        self.state.orders.binary_search_by_key(&id.order_no, |o| o.id.order_no).ok()
    }

    fn next_id(&mut self) -> Result<OrderId, RejectReason> {
        let n = self.state.next_order_no;
        if n > MAX_ORDER_NO {
            return Err(RejectReason::OrderNumbersExhausted);
        }
        self.state.next_order_no = n + 1;
        Ok(OrderId { branch: self.state.config.branch, order_no: OrderNo::new(n) })
    }

    fn next_seq(&mut self) -> u64 {
        self.state.next_seq += 1;
        self.state.next_seq
    }

    /// The price bound of a new order and its cash reservation; refuses what the account cannot carry.
    fn admit(
        &self,
        spec: &SymbolSpec,
        side: Side,
        kind: OrderKind,
        qty: Qty,
        released_cash: Decimal,
        released_shares: Qty,
    ) -> Result<(Price, Decimal), RejectReason> {
        let symbol = spec.symbol;
        let bound = match (kind, spec.rules) {
            (OrderKind::Limit(price), rules) => {
                check_limit_price(&rules, price)?;
                price
            }
            (OrderKind::Market, MarketRules::Us) => return Err(RejectReason::UsMarketOrder(symbol)),
            // KIS reserves a market buy at the upper limit; a market sell has no floor below the lower limit.
            (OrderKind::Market, MarketRules::Krx { limits, .. }) => match side {
                Side::Buy => Price::from_won(limits.upper),
                Side::Sell => Price::ZERO,
            },
        };
        match side {
            Side::Buy => {
                let required = self.buy_reservation(spec, bound, qty)?;
                let cash = self.state.account.cash(spec.currency());
                let available = cash.available() + released_cash;
                if required > available {
                    return Err(RejectReason::InsufficientCash { currency: spec.currency(), required, available });
                }
                Ok((bound, required))
            }
            Side::Sell => {
                let sellable = self.state.account.sellable(&symbol) + released_shares;
                if qty > sellable {
                    return Err(RejectReason::InsufficientHoldings { symbol, requested: qty, sellable });
                }
                // Checked here so that no fill of this order can overflow later.
                notional(bound.max(Price::from_won(1)), qty)
                    .ok_or(RejectReason::AmountOverflow { price: bound, qty })?;
                Ok((bound, Decimal::ZERO))
            }
        }
    }

    fn reject<T>(
        out: &mut Vec<EngineEvent>,
        order: Option<OrderId>,
        client_id: Option<kis_model::ClientOrderId>,
        reason: RejectReason,
        ts: DateTime<Utc>,
    ) -> Result<T, RejectReason> {
        out.push(EngineEvent::Rejected { order, client_id, reason: reason.clone(), ts });
        Err(reason)
    }

    /// Validates and accepts a new order, fills what the last book allows at once, and rests the rest.
    /// `session_open` is the caller's word that the symbol's market takes orders now.
    pub fn submit(
        &mut self,
        req: NewOrder,
        session_open: bool,
        ts: DateTime<Utc>,
        out: &mut Vec<EngineEvent>,
    ) -> Result<OrderId, RejectReason> {
        match self.try_submit(&req, session_open, ts, out) {
            Ok(id) => Ok(id),
            Err(reason) => Engine::reject(out, None, req.client_id, reason, ts),
        }
    }

    fn try_submit(
        &mut self,
        req: &NewOrder,
        session_open: bool,
        ts: DateTime<Utc>,
        out: &mut Vec<EngineEvent>,
    ) -> Result<OrderId, RejectReason> {
        let spec = *self.state.specs.get(&req.symbol).ok_or(RejectReason::UnknownSymbol(req.symbol))?;
        if req.qty.is_zero() {
            return Err(RejectReason::ZeroQty);
        }
        if !session_open {
            return Err(RejectReason::MarketClosed(req.symbol));
        }
        if req.code.market() != req.symbol.market() {
            return Err(RejectReason::CodeMarketMismatch { code: req.code, symbol: req.symbol });
        }
        let (bound, reserved) = self.admit(&spec, req.side, req.kind, req.qty, Decimal::ZERO, Qty::ZERO)?;
        let id = self.next_id()?;
        let seq = self.next_seq();
        let order = Order {
            id,
            original: None,
            client_id: req.client_id,
            symbol: req.symbol,
            side: req.side,
            kind: req.kind,
            code: req.code,
            qty: req.qty,
            filled: Qty::ZERO,
            filled_notional: Decimal::ZERO,
            fees: Decimal::ZERO,
            status: OrderStatus::Open,
            trade_date: spec.trade_date,
            created: ts,
            updated: ts,
            price_bound: bound,
            reserved,
            seq,
        };
        out.push(EngineEvent::Accepted {
            order: id,
            client_id: req.client_id,
            symbol: req.symbol,
            side: req.side,
            kind: req.kind,
            qty: req.qty,
            ts,
        });
        self.enter(order, ts, out);
        Ok(id)
    }

    /// Books a freshly accepted order: reservation, immediate fills against the book, then the index.
    fn enter(&mut self, order: Order, ts: DateTime<Utc>, out: &mut Vec<EngineEvent>) {
        let (symbol, side, id, qty) = (order.symbol, order.side, order.id, order.qty);
        match side {
            Side::Buy => self.state.account.reserve_cash(symbol.market().currency(), order.reserved),
            Side::Sell => self.state.account.reserve_shares(symbol, qty),
        }
        let bound = match (order.kind, side) {
            (OrderKind::Market, Side::Sell) => None,
            _ => Some(order.price_bound),
        };
        self.state.orders.push(order);
        let mut plan = std::mem::take(&mut self.scratch);
        plan.clear();
        if let Some(book) = self.state.books.get_mut(&symbol) {
            walk_book(book, side, bound, qty, id, &mut plan);
        }
        // A fill fails only on amounts beyond Decimal's range (absurd book prices) and then changes nothing:
        // the fills before it stand and the order rests with what is left, as if the book had been thinner.
        if self.apply_plan(&plan, ts, false, out).is_err() {
            plan.clear();
        }
        plan.clear();
        self.scratch = plan;
        if let Some(at) = self.order_index(id) {
            let order = &self.state.orders[at];
            if order.status.is_live() {
                self.index.insert(symbol, side, resting(order));
            }
        }
    }
}

fn resting(order: &Order) -> Resting {
    Resting {
        id: order.id,
        seq: order.seq,
        market: order.kind == OrderKind::Market,
        price: order.price_bound,
        remaining: order.unfilled(),
    }
}

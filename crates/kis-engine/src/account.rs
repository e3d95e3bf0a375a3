//! The account: cash per currency and holdings per symbol, and the only code that moves money between them.

use std::collections::BTreeMap;

use kis_model::{Currency, Qty, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::cash::{CashBalance, CashBook};
use crate::position::{Overflow, Position};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Account {
    pub(crate) cash: CashBook,
    pub(crate) positions: BTreeMap<Symbol, Position>,
}

/// What a buy fill moves: everything computed before anything changes, so a fill applies whole or not at all.
pub(crate) struct BuyFill {
    pub symbol: Symbol,
    pub currency: Currency,
    pub qty: Qty,
    pub notional: Decimal,
    pub fees: Decimal,
    /// Reservation given back: the order's reservation before the fill minus the one of its remainder.
    pub released: Decimal,
}

pub(crate) struct SellFill {
    pub symbol: Symbol,
    pub currency: Currency,
    pub qty: Qty,
    pub notional: Decimal,
    pub fees: Decimal,
}

impl Account {
    pub fn cash(&self, currency: Currency) -> &CashBalance {
        self.cash.get(currency)
    }

    pub fn cash_book(&self) -> &CashBook {
        &self.cash
    }

    pub fn position(&self, symbol: &Symbol) -> Option<&Position> {
        self.positions.get(symbol)
    }

    pub fn positions(&self) -> impl Iterator<Item = &Position> {
        self.positions.values()
    }

    pub fn sellable(&self, symbol: &Symbol) -> Qty {
        self.positions.get(symbol).map_or(Qty::ZERO, Position::sellable)
    }

    pub(crate) fn deposit(&mut self, currency: Currency, amount: Decimal) -> Result<(), Overflow> {
        let cash = self.cash.get_mut(currency);
        cash.total = cash.total.checked_add(amount).ok_or(Overflow)?;
        Ok(())
    }

    pub fn reserve_cash(&mut self, currency: Currency, amount: Decimal) {
        self.cash.get_mut(currency).reserved += amount;
    }

    pub fn release_cash(&mut self, currency: Currency, amount: Decimal) {
        self.cash.get_mut(currency).reserved -= amount;
    }

    pub fn reserve_shares(&mut self, symbol: Symbol, qty: Qty) {
        let position = self.positions.entry(symbol).or_insert_with(|| Position::new(symbol));
        position.sell_reserved = position.sell_reserved + qty;
    }

    pub fn release_shares(&mut self, symbol: &Symbol, qty: Qty) {
        if let Some(position) = self.positions.get_mut(symbol) {
            position.sell_reserved = position.sell_reserved.saturating_sub(qty);
        }
    }

    /// The broker's figure for the cash owned in `currency` (a balance read); reservations stay, they belong to
    /// orders still working.
    pub fn set_cash(&mut self, currency: Currency, total: Decimal) {
        self.cash.get_mut(currency).total = total;
    }

    /// The broker's figure for a holding: quantity and purchase amount. What open sells claim, realised PnL and
    /// fees paid stay; a zero quantity with nothing claimed removes the holding.
    pub fn set_holding(&mut self, symbol: Symbol, qty: Qty, cost: Decimal) {
        let position = self.positions.entry(symbol).or_insert_with(|| Position::new(symbol));
        position.qty = qty;
        position.cost = if qty.is_zero() { Decimal::ZERO } else { cost };
        position.sell_reserved = position.sell_reserved.min(qty);
        if qty.is_zero() && position.realised_pnl.is_zero() && position.fees_paid.is_zero() {
            self.positions.remove(&symbol);
        }
    }

    /// Seeds a holding (the simulator's opening portfolio); the cost is `avg_price × qty`.
    pub(crate) fn seed(&mut self, symbol: Symbol, qty: Qty, cost: Decimal) {
        let position = self.positions.entry(symbol).or_insert_with(|| Position::new(symbol));
        position.qty = qty;
        position.cost = cost;
    }

    pub(crate) fn apply_buy(&mut self, fill: &BuyFill) -> Result<(), Overflow> {
        let debit = fill.notional.checked_add(fill.fees).ok_or(Overflow)?;
        let cash = self.cash.get(fill.currency);
        let total = cash.total.checked_sub(debit).ok_or(Overflow)?;
        let reserved = cash.reserved.checked_sub(fill.released).ok_or(Overflow)?;
        let position = self.positions.entry(fill.symbol).or_insert_with(|| Position::new(fill.symbol));
        position.apply_buy(fill.qty, fill.notional, fill.fees)?;
        let cash = self.cash.get_mut(fill.currency);
        cash.total = total;
        cash.reserved = reserved;
        Ok(())
    }

    /// Returns the realised PnL of the fill.
    pub(crate) fn apply_sell(&mut self, fill: &SellFill) -> Result<Decimal, Overflow> {
        let credit = fill.notional.checked_sub(fill.fees).ok_or(Overflow)?;
        let total = self.cash.get(fill.currency).total.checked_add(credit).ok_or(Overflow)?;
        let position = self.positions.get_mut(&fill.symbol).ok_or(Overflow)?;
        let realised = position.apply_sell(fill.qty, fill.notional, fill.fees, fill.currency)?;
        self.cash.get_mut(fill.currency).total = total;
        Ok(realised)
    }
}

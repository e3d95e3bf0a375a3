//! The ledger brought to the broker's truth: a market's cash and holdings replaced by what KIS reports, with
//! the exit facts of holdings that did not change kept (a resync does not reset a trailing stop).

use chrono::{DateTime, Utc};
use kis_model::{Currency, Price, Qty, Symbol};
use kis_strategy::risk::SavedExits;
use rust_decimal::Decimal;

use super::{Adopted, Ledger, Opened, slot};

impl Ledger {
    /// Replaces the cash and holdings of `currency`'s market with the broker's. A holding the desk already
    /// tracks keeps its opening time and high-water mark when the quantity agrees (a resync does not reset
    /// exits); one it does not track takes its exit state from `saved` when that is for the same quantity and
    /// average (a restart), and starts fresh at `now` otherwise.
    pub fn sync(
        &mut self,
        currency: Currency,
        cash: Decimal,
        holdings: &[(Symbol, Qty, Price)],
        now: DateTime<Utc>,
        saved: &mut SavedExits,
    ) -> Vec<Adopted> {
        self.touch();
        self.account.set_cash(currency, cash);
        self.buying_power[slot(currency)] = None;
        self.refresh_available(currency);
        let gone: Vec<Symbol> = self
            .account
            .positions()
            .filter(|p| p.symbol.market().currency() == currency && !p.qty.is_zero())
            .map(|p| p.symbol)
            .filter(|s| !holdings.iter().any(|h| h.0 == *s && !h.1.is_zero()))
            .collect();
        for symbol in gone {
            self.account.set_holding(symbol, Qty::ZERO, Decimal::ZERO);
            if let Some(f) = self.facts.get_mut(&symbol) {
                f.opened = None;
            }
        }
        let mut adopted = Vec::new();
        for &(symbol, qty, avg_price) in holdings.iter().filter(|h| h.0.market().currency() == currency) {
            if qty.is_zero() {
                continue;
            }
            let opened = self.facts.get(&symbol).and_then(|f| f.opened);
            let tracked = opened.is_some() && self.held_qty(symbol) == qty;
            let cost = avg_price.value().saturating_mul(qty.as_decimal());
            let kept_cost = self
                .account
                .position(&symbol)
                .filter(|p| p.qty == qty && p.avg_price().round_dp(2) == avg_price.value().round_dp(2));
            if kept_cost.is_none() {
                self.account.set_holding(symbol, qty, cost);
            }
            if tracked {
                continue;
            }
            let last = self.last_price(symbol);
            let restored = saved.claim(symbol, qty, avg_price);
            adopted.push(Adopted { symbol, restored: restored.map(|s| s.trailing_armed) });
            let opened = match restored {
                Ok(state) => {
                    let p = state.position();
                    Opened { at: p.opened_at, high_water: last.map_or(p.high_water, |l| p.high_water.max(l)) }
                }
                Err(_) => Opened { at: now, high_water: last.unwrap_or(avg_price).max(avg_price) },
            };
            self.facts.entry(symbol).or_default().opened = Some(opened);
        }
        self.recompute_held_value(currency);
        adopted
    }

    pub(super) fn recompute_held_value(&mut self, currency: Currency) {
        let symbols: Vec<Symbol> =
            self.account.positions().filter(|p| p.symbol.market().currency() == currency).map(|p| p.symbol).collect();
        // A sync sets holdings wholesale: every cached holding of the currency is read again, including those
        // the account no longer has.
        let cached: Vec<Symbol> = self
            .facts
            .iter()
            .filter(|(s, f)| f.held.is_some() && s.market().currency() == currency)
            .map(|(s, _)| *s)
            .collect();
        for symbol in symbols.iter().chain(&cached) {
            self.refresh_held(*symbol);
        }
        self.open[slot(currency)] = symbols.iter().filter(|s| !self.held_qty(**s).is_zero()).count();
        self.held_value[slot(currency)] = symbols.into_iter().map(|s| self.held_value_of(s)).sum();
    }
}

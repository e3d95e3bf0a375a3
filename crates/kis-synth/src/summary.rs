//! The per-symbol figures a quote screen shows (KIS inquire-price), and the rankings built from them.

use chrono::NaiveDate;
use kis_model::{DailyLimits, Money, Price, Symbol};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use crate::grid::Grid;
use crate::symbol_state::SymbolState;

/// One symbol's day so far. Before its first session every price is the previous close's and volumes are 0;
/// after the close the figures stay until the next open, as on a real quote screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolSummary {
    pub symbol: Symbol,
    /// Local trading date of the current (or last) session; `None` before the first open.
    pub date: Option<NaiveDate>,
    pub prev_close: Price,
    /// Zero before the first trade of the day, as KIS reports it.
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub last: Price,
    /// `last − prev_close`.
    pub change: Decimal,
    /// Change in percent, rounded to 2 decimals (KIS `prdy_ctrt`).
    pub change_rate: Decimal,
    pub cum_volume: u64,
    pub cum_value: Money,
    /// Volume printed by buy and by sell aggressors (the input of 체결강도).
    pub buy_volume: u64,
    pub sell_volume: u64,
    pub trades: u64,
    /// KRX ±30 % limits of the day (won); `None` for US listings, which have none.
    pub limits: Option<DailyLimits>,
    pub best_bid: Option<Price>,
    pub best_ask: Option<Price>,
    pub in_session: bool,
}

impl SymbolSummary {
    pub(crate) fn of(s: &SymbolState) -> SymbolSummary {
        let g = s.grid;
        let prev = g.to_price(s.prev_close);
        let last = g.to_price(s.last);
        let change = last.value() - prev.value();
        let change_rate =
            if prev.is_zero() { Decimal::ZERO } else { (change * Decimal::ONE_HUNDRED / prev.value()).round_dp(2) };
        let currency = s.symbol.market().currency();
        let value = Decimal::from_u128(s.cum_value).unwrap_or(Decimal::MAX);
        let cum_value = match g {
            Grid::Krx => value,
            Grid::UsCents => value / Decimal::ONE_HUNDRED,
        };
        SymbolSummary {
            symbol: s.symbol,
            date: s.date,
            prev_close: prev,
            open: g.to_price(s.open),
            high: g.to_price(s.high),
            low: g.to_price(s.low),
            last,
            change,
            change_rate,
            cum_volume: s.cum_volume,
            cum_value: Money::new(cum_value, currency),
            buy_volume: s.buy_volume,
            sell_volume: s.sell_volume,
            trades: s.trades,
            limits: matches!(g, Grid::Krx).then_some(s.band),
            best_bid: s.book.best_bid().map(|p| g.to_price(p)),
            best_ask: s.book.best_ask().map(|p| g.to_price(p)),
            in_session: s.in_session,
        }
    }
}

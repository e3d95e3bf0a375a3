//! Chasing a protective US sell that the market has fallen away from.
//!
//! KIS takes no US market order, so a US stop-loss (the US bot's, or a desk exit) goes out as a sell limit a
//! few cents under the last trade. If the price keeps falling, that limit no longer finds a buyer, and the
//! position it was meant to close keeps losing while the order rests until its cancel timer runs out. So while
//! such a sell works, every trade below its limit re-prices it (a modify, `TTTT1004U`) to the same marketable
//! offset under that trade: the offset the sell was sent with (its distance under the last trade when it was
//! decided, so a configured `stop_loss_offset_ticks` is kept), or the default when that is not known. Each re-price lowers the limit (never raises it), and re-prices come at most one
//! per [`REPRICE_AGAIN`] of venue time, which leaves the broker time to answer the last one.

use chrono::{DateTime, TimeDelta, Utc};
use kis_model::{Market, Price, Side, Symbol, SymbolMap};
use kis_strategy::SignalKind;
use kis_strategy::risk::OrderIntent;
use kis_strategy::us_rsi_macd::{DEFAULT_STOP_LOSS_OFFSET_TICKS, US_OFFSET_TICK, us_marketable_sell};
use rust_decimal::prelude::ToPrimitive;

/// The least venue time between two re-prices of one order.
pub const REPRICE_AGAIN: TimeDelta = TimeDelta::seconds(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Chase {
    /// The limit the sell was last sent or re-priced at.
    limit: Price,
    /// Cents under the trade each re-price goes.
    offset_ticks: u32,
    last: Option<DateTime<Utc>>,
}

/// The protective sells being chased, by symbol (the pending-order gate lets one order work per symbol).
#[derive(Debug, Clone, Default)]
pub struct Chases {
    by_symbol: SymbolMap<Chase>,
}

impl Chases {
    /// A protective sell of `symbol` at `limit` is working, decided when the last trade was `reference`.
    pub fn watch(&mut self, symbol: Symbol, limit: Price, reference: Option<Price>) {
        let offset_ticks = reference
            .and_then(|r| ((r.value() - limit.value()) / US_OFFSET_TICK).floor().to_u32())
            .filter(|ticks| *ticks > 0)
            .unwrap_or(DEFAULT_STOP_LOSS_OFFSET_TICKS);
        self.by_symbol.insert(symbol, Chase { limit, offset_ticks, last: None });
    }

    /// The symbol's order ended.
    pub fn forget(&mut self, symbol: Symbol) {
        self.by_symbol.remove(&symbol);
    }

    pub fn is_empty(&self) -> bool {
        self.by_symbol.is_empty()
    }

    /// A trade of `symbol` at `price`: the sell's new limit when the trade printed below the current one (no
    /// buyer at our price) and the last re-price is old enough.
    pub fn on_trade(&mut self, symbol: Symbol, price: Price, at: DateTime<Utc>) -> Option<Price> {
        let chase = self.by_symbol.get_mut(&symbol)?;
        if price >= chase.limit || chase.last.is_some_and(|t| at - t < REPRICE_AGAIN) {
            return None;
        }
        let limit = us_marketable_sell(price, None, chase.offset_ticks);
        if limit >= chase.limit {
            return None;
        }
        (chase.limit, chase.last) = (limit, Some(at));
        Some(limit)
    }
}

/// The limit of an approved order the desk chases ([`crate::chase`]): a US protective sell at a limit.
pub fn chased_limit(intent: &OrderIntent) -> Option<Price> {
    let protective = matches!(intent.kind, SignalKind::Exit(reason) if reason.is_protective());
    let chased = protective
        && intent.side == Side::Sell
        && intent.symbol.market() == Market::Us
        && intent.order_type == kis_strategy::OrderType::Limit;
    intent.limit.filter(|_| chased)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_600_000 + s, 0).unwrap()
    }

    #[test]
    fn a_trade_under_the_limit_reprices_down_never_up_and_not_too_often() {
        let tqqq: Symbol = "NASD:TQQQ".parse().unwrap();
        let mut chases = Chases::default();
        assert_eq!(chases.on_trade(tqqq, p("40"), at(0)), None, "nothing watched");
        chases.watch(tqqq, p("49.95"), None);
        assert_eq!(chases.on_trade(tqqq, p("49.95"), at(1)), None, "a buyer at our price");
        assert_eq!(chases.on_trade(tqqq, p("49.97"), at(1)), None);
        // Under the limit: 5 cents under the trade.
        assert_eq!(chases.on_trade(tqqq, p("49.80"), at(2)), Some(p("49.75")));
        assert_eq!(chases.on_trade(tqqq, p("49.50"), at(3)), None, "the broker answers the last one first");
        assert_eq!(chases.on_trade(tqqq, p("49.50"), at(4)), Some(p("49.45")));
        // A trade under the limit whose marketable price is not lower changes nothing.
        assert_eq!(chases.on_trade(tqqq, p("49.48"), at(10)), None);
        chases.forget(tqqq);
        assert!(chases.is_empty());
        // Sent 10 cents under the trade (a configured offset): re-priced 10 cents under the next one.
        chases.watch(tqqq, p("49.90"), Some(p("50.00")));
        assert_eq!(chases.on_trade(tqqq, p("49.80"), at(30)), Some(p("49.70")));
        chases.forget(tqqq);
        assert_eq!(chases.on_trade(tqqq, p("30"), at(20)), None);
    }
}

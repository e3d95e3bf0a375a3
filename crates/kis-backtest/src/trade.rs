//! Round trips: what a buy-then-sell earned after every fee of both legs.
//!
//! kis-engine keeps the account (cash, cost basis, fees) and reports the realised PnL of each sell as KIS
//! shows it: proceeds − cost of the shares sold − the sell's commission and tax. Buy commissions are not in
//! that figure (KIS books them against cash), so a trade's PnL here also takes out the buy commissions of the
//! shares it closes: all of them when the position closes, a pro-rata share (cut to the won/cent, the rest
//! staying with the shares still held) on a partial sell. That is attribution, not a second ledger: cash and
//! cost come from the engine.

use chrono::{DateTime, Utc};
use kis_model::{Currency, Price, Qty, Side, Symbol};
use kis_strategy::{ExitReason, StrategyId};
use rust_decimal::{Decimal, RoundingStrategy};

/// One closed (or partly closed) position: a sell fill against the holding it reduces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedTrade {
    pub strategy_id: StrategyId,
    pub symbol: Symbol,
    /// First buy since the holding was last flat.
    pub entry_ts: DateTime<Utc>,
    /// Average buy price of the holding, fees excluded, to four decimals (KIS `pchs_avg_pric`).
    pub entry_price: Decimal,
    pub exit_ts: DateTime<Utc>,
    pub exit_price: Price,
    pub qty: Qty,
    pub reason: ExitReason,
    /// After the buy commissions of these shares and the sell's commission and tax.
    pub pnl: Decimal,
    /// The fees inside `pnl`.
    pub fees: Decimal,
}

/// The buys of a holding not yet sold, as the trade log needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenLot {
    pub entry_ts: DateTime<Utc>,
    pub qty: Qty,
    /// Purchase amount of the shares held (fees excluded), in step with the engine's cost basis.
    pub cost: Decimal,
    /// Buy commissions of the shares held, not yet charged to a trade.
    pub buy_fees: Decimal,
}

impl OpenLot {
    pub fn buy(lot: Option<OpenLot>, ts: DateTime<Utc>, qty: Qty, notional: Decimal, fees: Decimal) -> OpenLot {
        match lot {
            None => OpenLot { entry_ts: ts, qty, cost: notional, buy_fees: fees },
            Some(l) => OpenLot { qty: l.qty + qty, cost: l.cost + notional, buy_fees: l.buy_fees + fees, ..l },
        }
    }

    /// Takes `qty` shares out; `realised` is the engine's PnL of the sell (proceeds − cost out − sell fees).
    /// Returns the lot that is left (`None` when flat) and the trade.
    #[allow(clippy::too_many_arguments)]
    pub fn sell(
        self,
        strategy_id: StrategyId,
        symbol: Symbol,
        currency: Currency,
        ts: DateTime<Utc>,
        qty: Qty,
        price: Price,
        sell_fees: Decimal,
        realised: Decimal,
        reason: ExitReason,
    ) -> (Option<OpenLot>, ClosedTrade) {
        let notional = price.value() * qty.as_decimal();
        let cost_out = notional - sell_fees - realised;
        let closing = qty >= self.qty;
        let buy_fees = if closing || self.qty.is_zero() {
            self.buy_fees
        } else {
            (self.buy_fees * qty.as_decimal() / self.qty.as_decimal())
                .round_dp_with_strategy(currency.minor_unit_scale(), RoundingStrategy::MidpointNearestEven)
        };
        let entry_price = if self.qty.is_zero() {
            Decimal::ZERO
        } else {
            (self.cost / self.qty.as_decimal()).round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
        };
        let trade = ClosedTrade {
            strategy_id,
            symbol,
            entry_ts: self.entry_ts,
            entry_price: entry_price.normalize(),
            exit_ts: ts,
            exit_price: price,
            qty,
            reason,
            pnl: realised - buy_fees,
            fees: sell_fees + buy_fees,
        };
        let rest = (!closing).then(|| OpenLot {
            qty: self.qty.saturating_sub(qty),
            cost: self.cost - cost_out,
            buy_fees: self.buy_fees - buy_fees,
            ..self
        });
        (rest, trade)
    }
}

/// The name a reason has in `trades.csv` (the serde name, no spaces).
pub fn reason_label(reason: ExitReason) -> &'static str {
    reason.label()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn partial_sells_share_buy_fees_pro_rata_and_the_close_takes_the_rest() {
        let ts = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let sym = Symbol::parse("005930").unwrap();
        let id = StrategyId::new("s");
        // Buys: 3 at 70,000 (fee 31) and 4 at 70,500 (fee 42): cost 492,000, fees 73.
        let lot = OpenLot::buy(None, ts, Qty::new(3), dec!(210000), dec!(31));
        let lot = OpenLot::buy(Some(lot), ts, Qty::new(4), dec!(282000), dec!(42));
        assert_eq!(lot.entry_ts, ts);
        // Sell 2 at 71,000: the engine takes out 140,571 of cost (492,000 × 2 / 7, to the won) and 305 of fees.
        let realised = dec!(142000) - dec!(140571) - dec!(305);
        let (rest, t) = lot.sell(
            id.clone(),
            sym,
            Currency::Krw,
            ts,
            Qty::new(2),
            Price::from_won(71_000),
            dec!(305),
            realised,
            ExitReason::TakeProfit,
        );
        // 73 × 2 / 7 = 20.857… → 21 won of buy fees go with these two shares.
        assert_eq!(t.pnl, realised - dec!(21));
        assert_eq!(t.fees, dec!(326));
        assert_eq!(t.entry_price, dec!(70285.7143));
        let rest = rest.unwrap();
        assert_eq!((rest.qty, rest.cost, rest.buy_fees), (Qty::new(5), dec!(351429), dec!(52)));
        let realised2 = dec!(355000) - dec!(351429) - dec!(763);
        let (none, t2) = rest.sell(
            id,
            sym,
            Currency::Krw,
            ts,
            Qty::new(5),
            Price::from_won(71_000),
            dec!(763),
            realised2,
            ExitReason::StopLoss,
        );
        assert!(none.is_none());
        assert_eq!(t2.pnl, realised2 - dec!(52));
        // Both trades together: proceeds − purchases − every fee.
        assert_eq!(t.pnl + t2.pnl, dec!(497000) - dec!(492000) - dec!(73) - dec!(305) - dec!(763));
        assert_eq!(reason_label(t2.reason), "stop_loss");
    }
}

/// One execution, as the broker would report it: what a parity check against the daemon on the simulator
/// compares, order by order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub ts: DateTime<Utc>,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub price: Price,
    /// Commission and tax of this execution, in the market's currency.
    pub fees: Decimal,
    /// kis-engine's realised P&L of a sell (zero for a buy): the figure the daemon's desk and the broker
    /// book. [`ClosedTrade::pnl`] differs by charging each closed lot its share of the buy commissions.
    pub realised_pnl: Decimal,
}

//! What the simulator answers KIS inquiries from: orders of a day, open orders, balances, buyable quantity.

use chrono::NaiveDate;
use kis_model::{Book, ClientOrderId, Currency, OrderId, Price, Qty, Symbol};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::account::Account;
use crate::cash::CashBalance;
use crate::engine::Engine;
use crate::order::Order;
use crate::position::Position;
use crate::reject::RejectReason;
use crate::spec::MarketRules;
use crate::validate::check_limit_price;

/// KIS `CCLD_DVSN`: `00` all, `01` filled, `02` unfilled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderFilter {
    #[default]
    All,
    /// Orders with at least one fill.
    Filled,
    /// Live orders with shares still to fill (미체결).
    Unfilled,
}

impl OrderFilter {
    fn keeps(self, order: &Order) -> bool {
        match self {
            OrderFilter::All => true,
            OrderFilter::Filled => !order.filled.is_zero(),
            OrderFilter::Unfilled => !order.remaining().is_zero(),
        }
    }
}

/// Balance summary of one currency (inquire-balance `output2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CashSummary {
    pub currency: Currency,
    /// Cash owned (`dnca_tot_amt`).
    pub deposit: Decimal,
    pub reserved: Decimal,
    /// Cash new buys may claim (`ord_psbl_cash`).
    pub available: Decimal,
    /// Settlement estimate (`prvs_rcdl_excc_amt`): fills settle into cash at once here, so it equals `deposit`.
    pub d2_estimate: Decimal,
    /// Cost of the holdings, fees excluded (`pchs_amt_smtl_amt`).
    pub purchase_amount: Decimal,
    /// Holdings at the given marks (`scts_evlu_amt`); a holding without a mark counts at its average cost.
    pub evaluation: Decimal,
    /// `evaluation − purchase_amount` (`evlu_pfls_smtl_amt`).
    pub eval_pnl: Decimal,
    /// `deposit + evaluation` (`tot_evlu_amt`).
    pub total_evaluation: Decimal,
    pub realised_pnl: Decimal,
    pub fees_paid: Decimal,
}

/// Answer to inquire-psbl-order: how many shares the available cash buys at `price`, commission included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buyable {
    pub qty: Qty,
    /// The price the quantity was computed at (`psbl_qty_calc_unpr`): the limit, or the upper limit for a
    /// market order.
    pub price: Price,
    /// Cash that quantity would reserve: notional plus commission.
    pub amount: Decimal,
    pub available: Decimal,
}

impl Engine {
    pub fn order(&self, id: OrderId) -> Option<&Order> {
        self.order_index(id).map(|at| &self.state.orders[at])
    }

    /// The latest order carrying `client_id` (a replacement keeps its original's tag).
    pub fn order_by_client_id(&self, client_id: ClientOrderId) -> Option<&Order> {
        self.state.orders.iter().rev().find(|o| o.client_id == Some(client_id))
    }

    /// All remembered orders, in order-number order.
    pub fn orders(&self) -> &[Order] {
        &self.state.orders
    }

    /// Orders of one trading day (inquire-daily-ccld).
    pub fn orders_on(&self, date: NaiveDate, filter: OrderFilter) -> impl Iterator<Item = &Order> {
        self.state.orders.iter().filter(move |o| o.trade_date == date && filter.keeps(o))
    }

    /// Live orders (inquire-psbl-rvsecncl, inquire-nccs).
    pub fn open_orders(&self) -> impl Iterator<Item = &Order> {
        self.state.orders.iter().filter(|o| o.status.is_live())
    }

    pub fn account(&self) -> &Account {
        &self.state.account
    }

    pub fn cash(&self, currency: Currency) -> &CashBalance {
        self.state.account.cash(currency)
    }

    pub fn position(&self, symbol: &Symbol) -> Option<&Position> {
        self.state.account.position(symbol)
    }

    /// Holdings, including flat rows of symbols sold out (KIS keeps them until settlement).
    pub fn positions(&self) -> impl Iterator<Item = &Position> {
        self.state.account.positions()
    }

    pub fn last_book(&self, symbol: &Symbol) -> Option<&Book> {
        self.state.books.get(symbol)
    }

    /// Number of our orders resting in the matching index.
    pub fn resting_count(&self) -> usize {
        self.index_len()
    }

    /// Balance of `currency` with holdings valued at `marks` (current prices the caller knows).
    pub fn cash_summary(&self, currency: Currency, marks: impl Fn(&Symbol) -> Option<Price>) -> CashSummary {
        let cash = self.cash(currency);
        let mut purchase_amount = Decimal::ZERO;
        let mut evaluation = Decimal::ZERO;
        let mut realised_pnl = Decimal::ZERO;
        let mut fees_paid = Decimal::ZERO;
        for p in self.positions().filter(|p| p.symbol.market().currency() == currency) {
            purchase_amount += p.cost;
            evaluation += marks(&p.symbol).map_or(p.cost, |mark| mark.value() * p.qty.as_decimal());
            realised_pnl += p.realised_pnl;
            fees_paid += p.fees_paid;
        }
        CashSummary {
            currency,
            deposit: cash.total,
            reserved: cash.reserved,
            available: cash.available(),
            d2_estimate: cash.total,
            purchase_amount,
            evaluation,
            eval_pnl: evaluation - purchase_amount,
            total_evaluation: cash.total + evaluation,
            realised_pnl,
            fees_paid,
        }
    }

    /// The largest quantity whose notional plus commission fits the available cash, at `price` or, for a
    /// market order (`None`), at the upper daily limit KIS reserves market buys at.
    pub fn buyable(&self, symbol: &Symbol, price: Option<Price>) -> Result<Buyable, RejectReason> {
        let spec = self.spec(symbol).ok_or(RejectReason::UnknownSymbol(*symbol))?;
        let price = match (price, spec.rules) {
            (Some(price), rules) => {
                check_limit_price(&rules, price)?;
                price
            }
            (None, MarketRules::Krx { limits, .. }) => Price::from_won(limits.upper),
            (None, MarketRules::Us) => return Err(RejectReason::UsMarketOrder(*symbol)),
        };
        let available = self.cash(spec.currency()).available().max(Decimal::ZERO);
        // Without commission the answer is at most available / price; search below it for the exact one.
        let mut hi = (available / price.value()).trunc().to_u64().unwrap_or(u64::MAX);
        let mut lo = 0u64;
        let fits = |q: u64| self.buy_reservation(spec, price, Qty::new(q)).is_ok_and(|cost| cost <= available);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if fits(mid) { lo = mid } else { hi = mid - 1 }
        }
        let qty = Qty::new(lo);
        Ok(Buyable { qty, price, amount: self.buy_reservation(spec, price, qty)?, available })
    }
}

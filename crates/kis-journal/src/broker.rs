//! The broker's view of the account, reduced to what reconciliation compares: today's orders with their
//! fills (`inquire-daily-ccld` rows) and the holdings (`inquire-balance` rows).
//!
//! KIS reports order times as KST wall-clock `ord_dt` + `ord_tmd` to the second; they are turned into UTC
//! instants here (Korea has no daylight saving) so they compare with the journal's timestamps.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use kis_model::kst::kst_instant;
use kis_model::{KrxCode, OrdDvsn, OrderId, OrderNo, Price, Qty, Side, Symbol, UsExchange};
use kis_protocol::rest::FieldError;
use kis_protocol::rest::domestic_account::{BalancePosition, DailyCcldRow};
use kis_protocol::rest::overseas_account::{UsOrderHistoryRow, UsUnfilledOrder};
use rust_decimal::Decimal;
use thiserror::Error;

/// A broker row that cannot be understood; reconciliation must not run on a partial picture.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BrokerRowError {
    #[error("{list} row {row}: {source}")]
    Field { list: &'static str, row: usize, source: FieldError },
    #[error("{list} row {row}: {what} {value:?} is not valid")]
    Invalid { list: &'static str, row: usize, what: &'static str, value: String },
}

/// One order of the day as the broker lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerOrder {
    pub order_id: OrderId,
    /// Set for modify/cancel orders: the order they act on.
    pub original: Option<OrderNo>,
    pub symbol: Symbol,
    pub side: Side,
    pub kind: OrdDvsn,
    pub qty: Qty,
    /// `None` when KIS shows price 0 (market and other price-less kinds).
    pub price: Option<Price>,
    pub filled: Qty,
    /// Exact traded amount (`tot_ccld_amt`); the average price KIS shows is rounded.
    pub filled_amount: Decimal,
    pub order_time: DateTime<Utc>,
    pub cancelled: bool,
    pub cancelled_qty: Qty,
    /// Shares still working.
    pub remaining: Qty,
}

impl BrokerOrder {
    /// Matters to the account: still working or already traded. Cancel rows and dead orders do not.
    pub fn is_live_or_filled(&self) -> bool {
        !self.filled.is_zero() || (!self.cancelled && !self.remaining.is_zero())
    }

    /// Price of `qty` shares whose value is what the broker traded beyond `known_amount`.
    pub fn price_of_rest(&self, known_amount: Decimal, qty: Qty) -> Option<Price> {
        if qty.is_zero() {
            return None;
        }
        Price::new(((self.filled_amount - known_amount) / qty.as_decimal()).normalize()).ok()
    }

    pub fn from_ccld_row(row: &DailyCcldRow, index: usize) -> Result<BrokerOrder, BrokerRowError> {
        let at = RowAt { list: "inquire-daily-ccld", index };
        let (field, invalid, qty) = (|e| at.field(e), |w, v: &str| at.invalid(w, v), |n, w, r: &str| at.qty(n, w, r));
        let order_id = OrderId::parse(&row.ord_gno_brno, &row.odno).map_err(|_| invalid("order id", &row.odno))?;
        let original = at.original(&row.orgn_odno)?;
        let code = KrxCode::parse(&row.pdno).map_err(|_| invalid("pdno", &row.pdno))?;
        let unit_price = row.ord_unpr().map_err(field)?;
        let price = if unit_price.is_zero() {
            None
        } else {
            Some(Price::new(unit_price).map_err(|_| invalid("ord_unpr", &row.ord_unpr))?)
        };
        let kind = match row.ord_dvsn_cd.trim() {
            "" if price.is_some() => OrdDvsn::Limit,
            "" => OrdDvsn::Market,
            code => OrdDvsn::from_code(code).map_err(|_| invalid("ord_dvsn_cd", code))?,
        };
        let day = row.ord_dt().map_err(field)?;
        let time = row.ord_tmd().map_err(field)?;
        let cancelled_qty = if row.cncl_cfrm_qty.trim().is_empty() {
            Qty::ZERO
        } else {
            qty(row.cncl_cfrm_qty().map_err(field)?, "cncl_cfrm_qty", &row.cncl_cfrm_qty)?
        };
        Ok(BrokerOrder {
            order_id,
            original,
            symbol: Symbol::Krx(code),
            side: row.sll_buy_dvsn_cd().map_err(field)?,
            kind,
            qty: qty(row.ord_qty().map_err(field)?, "ord_qty", &row.ord_qty)?,
            price,
            filled: qty(row.tot_ccld_qty().map_err(field)?, "tot_ccld_qty", &row.tot_ccld_qty)?,
            filled_amount: row.tot_ccld_amt().map_err(field)?,
            order_time: kst_instant(day, time),
            cancelled: row.cncl_yn.trim().eq_ignore_ascii_case("Y") || !cancelled_qty.is_zero(),
            cancelled_qty,
            remaining: qty(row.rmn_qty().map_err(field)?, "rmn_qty", &row.rmn_qty)?,
        })
    }
}

impl BrokerOrder {
    /// One row of the overseas order history (`inquire-ccnl`, TTTS3035R/VTTS3035R). Its `ord_dt` is the
    /// exchange's (New York) date and `ord_tmd` KIS's (KST) time of day: the instant is the KST time whose
    /// New York date is `ord_dt`. US orders are limit orders (`OrdDvsn::Limit`, code 00, as in the journal).
    pub fn from_us_row(row: &UsOrderHistoryRow, index: usize) -> Result<BrokerOrder, BrokerRowError> {
        let at = RowAt { list: "inquire-ccnl (US)", index };
        let (field, invalid, qty) = (|e| at.field(e), |w, v: &str| at.invalid(w, v), |n, w, r: &str| at.qty(n, w, r));
        let branch = if row.ord_gno_brno.trim().is_empty() { "0" } else { row.ord_gno_brno.as_str() };
        let order_id = OrderId::parse(branch, &row.odno).map_err(|_| invalid("order id", &row.odno))?;
        let original = at.original(&row.orgn_odno)?;
        let exchange = UsExchange::parse(&row.ovrs_excg_cd).map_err(|_| invalid("ovrs_excg_cd", &row.ovrs_excg_cd))?;
        let symbol = Symbol::us(exchange, row.pdno.trim()).map_err(|_| invalid("pdno", &row.pdno))?;
        let unit_price = row.ft_ord_unpr3().map_err(field)?;
        let price = if unit_price.is_zero() {
            None
        } else {
            Some(Price::new(unit_price).map_err(|_| invalid("ft_ord_unpr3", &row.ft_ord_unpr3))?)
        };
        // KIS's own receipt time (`dmst_ord_dt` + `thco_ord_tmd`, KST) when the row carries it; otherwise the
        // exchange's date with `ord_tmd` read as KST, the instant whose New York date is `ord_dt`.
        let receipt = match (row.dmst_ord_dt().map_err(field)?, row.thco_ord_tmd.trim()) {
            (Some(day), t) if !t.is_empty() => {
                Some(kst_instant(day, kis_protocol::rest::wire::parse_time("thco_ord_tmd", t).map_err(field)?))
            }
            _ => None,
        };
        let order_time = match receipt {
            Some(t) => t,
            None => {
                let ny_date = row.ord_dt().map_err(field)?.ok_or_else(|| invalid("ord_dt", &row.ord_dt))?;
                let time = kis_protocol::rest::wire::parse_time("ord_tmd", &row.ord_tmd).map_err(field)?;
                ny_day_kst_time(ny_date, time)
            }
        };
        let ordered = qty(row.ft_ord_qty().map_err(field)?, "ft_ord_qty", &row.ft_ord_qty)?;
        let filled = qty(row.ft_ccld_qty().map_err(field)?, "ft_ccld_qty", &row.ft_ccld_qty)?;
        let remaining = qty(row.nccs_qty().map_err(field)?, "nccs_qty", &row.nccs_qty)?;
        // A cancel row (`rvse_cncl_dvsn` 02), or an order that ended with shares neither filled nor working.
        let cancel_row = row.rvse_cncl_dvsn.trim() == "02" && original.is_some();
        let ended_short = remaining.is_zero() && filled < ordered;
        let cancelled = cancel_row || ended_short;
        Ok(BrokerOrder {
            order_id,
            original,
            symbol,
            side: row.sll_buy_dvsn_cd().map_err(field)?,
            kind: OrdDvsn::Limit,
            qty: ordered,
            price,
            filled,
            filled_amount: row.ft_ccld_amt3().map_err(field)?,
            order_time,
            cancelled,
            cancelled_qty: if ended_short { ordered.saturating_sub(filled) } else { Qty::ZERO },
            remaining,
        })
    }
}

impl BrokerOrder {
    /// One row of the overseas unfilled list (`inquire-nccs`, TTTS3018R, real only): an order working now.
    /// Like the history, `ord_dt` is the New York date and `ord_tmd` KIS's KST time of day.
    pub fn from_us_unfilled_row(row: &UsUnfilledOrder, index: usize) -> Result<BrokerOrder, BrokerRowError> {
        let at = RowAt { list: "inquire-nccs (US)", index };
        let (field, invalid, qty) = (|e| at.field(e), |w, v: &str| at.invalid(w, v), |n, w, r: &str| at.qty(n, w, r));
        let branch = if row.ord_gno_brno.trim().is_empty() { "0" } else { row.ord_gno_brno.as_str() };
        let order_id = OrderId::parse(branch, &row.odno).map_err(|_| invalid("order id", &row.odno))?;
        let exchange = UsExchange::parse(&row.ovrs_excg_cd).map_err(|_| invalid("ovrs_excg_cd", &row.ovrs_excg_cd))?;
        let symbol = Symbol::us(exchange, row.pdno.trim()).map_err(|_| invalid("pdno", &row.pdno))?;
        let unit_price = row.ft_ord_unpr3().map_err(field)?;
        let price = if unit_price.is_zero() {
            None
        } else {
            Some(Price::new(unit_price).map_err(|_| invalid("ft_ord_unpr3", &row.ft_ord_unpr3))?)
        };
        let order_time = ny_day_kst_time(row.ord_dt().map_err(field)?, row.ord_tmd().map_err(field)?);
        Ok(BrokerOrder {
            order_id,
            original: at.original(&row.orgn_odno)?,
            symbol,
            side: row.sll_buy_dvsn_cd().map_err(field)?,
            kind: OrdDvsn::Limit,
            qty: qty(row.ft_ord_qty().map_err(field)?, "ft_ord_qty", &row.ft_ord_qty)?,
            price,
            filled: qty(row.ft_ccld_qty().map_err(field)?, "ft_ccld_qty", &row.ft_ccld_qty)?,
            filled_amount: row.ft_ccld_amt3().map_err(field)?,
            order_time,
            // On the unfilled list: working, whatever else it is.
            cancelled: false,
            cancelled_qty: Qty::ZERO,
            remaining: qty(row.nccs_qty().map_err(field)?, "nccs_qty", &row.nccs_qty)?,
        })
    }
}

/// The instant of a US row without KIS's receipt time: `time` read as KST, on the day whose New York date is
/// `ny_date` (the KST date is the New York one or the day after).
fn ny_day_kst_time(ny_date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    [ny_date, ny_date.succ_opt().unwrap_or(ny_date)]
        .into_iter()
        .map(|d| kst_instant(d, time))
        .find(|t| ny_day(*t) == ny_date)
        .unwrap_or_else(|| kst_instant(ny_date, time))
}

/// The New York calendar day of an instant: what a US row's `ord_dt` (the exchange's trading day) is in.
pub fn ny_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::America::New_York).date_naive()
}

/// One row of a broker list, for errors that name the list, the row and the field: the order lists of both
/// markets read their rows through it.
#[derive(Clone, Copy)]
struct RowAt {
    list: &'static str,
    index: usize,
}

impl RowAt {
    fn field(self, source: FieldError) -> BrokerRowError {
        BrokerRowError::Field { list: self.list, row: self.index, source }
    }

    fn invalid(self, what: &'static str, value: &str) -> BrokerRowError {
        BrokerRowError::Invalid { list: self.list, row: self.index, what, value: value.chars().take(64).collect() }
    }

    fn qty(self, n: i64, what: &'static str, raw: &str) -> Result<Qty, BrokerRowError> {
        u64::try_from(n).map(Qty::new).map_err(|_| self.invalid(what, raw))
    }

    /// `orgn_odno`: the order a modify/cancel acts on; blank or zero for an order of its own.
    fn original(self, raw: &str) -> Result<Option<OrderNo>, BrokerRowError> {
        match raw.trim() {
            "" => Ok(None),
            raw => {
                Ok(Some(OrderNo::parse(raw).map_err(|_| self.invalid("orgn_odno", raw))?).filter(|n| n.value() != 0))
            }
        }
    }
}

/// Shares held in one symbol, summed over KIS's per-trade-type rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub symbol: Symbol,
    pub qty: Qty,
    /// Purchase amount (`pchs_amt`), so the average is exact after summing rows.
    pub cost: Decimal,
}

impl Holding {
    pub fn avg_price(&self) -> Option<Decimal> {
        if self.qty.is_zero() { None } else { Some(self.cost / self.qty.as_decimal()) }
    }
}

/// What the broker says, as of one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerView {
    /// The KST trading day the order list covers: intents from earlier days cannot be found in it.
    pub day: NaiveDate,
    pub orders: Vec<BrokerOrder>,
    pub holdings: Vec<Holding>,
    /// When the list was read (venue time). An intent is called "never reached KIS" only from lists read
    /// after the latest time KIS could still have accepted it, so a view without this time never proves
    /// an absence: `None` is the safe default.
    pub read_at: Option<DateTime<Utc>>,
    /// The overseas order history is in the view (yesterday and today in New York): only then are US intents
    /// reconciled against it, since an absence from a list never read proves nothing.
    pub us_covered: bool,
    /// The first New York date the overseas history covers (its `ORD_STRT_DT`): a US intent from an earlier
    /// New York day that the lists do not show is judged stale, as a KRX one from an earlier KST day is;
    /// `None` leaves US intents to the order-time windows alone.
    pub us_since: Option<NaiveDate>,
}

impl BrokerView {
    /// Adds every row of the overseas order history (all pages, blank filler rows skipped). One bad row fails
    /// the whole view, as for the domestic list.
    pub fn add_us_orders(&mut self, rows: &[UsOrderHistoryRow]) -> Result<(), BrokerRowError> {
        for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
            self.orders.push(BrokerOrder::from_us_row(row, i)?);
        }
        self.us_covered = true;
        Ok(())
    }

    /// Marks the first New York date the overseas history was asked for (see [`BrokerView::us_since`]).
    pub fn us_history_since(&mut self, first_ny_day: NaiveDate) {
        self.us_since = Some(first_ny_day);
    }

    /// Adds the rows of the overseas unfilled list (`inquire-nccs`, real only; all exchanges, all pages) as
    /// evidence of live orders beside the history: an order on both is one order (reconciliation keeps the
    /// copy with more fills), and one the history lacks is still found. Blank filler rows are skipped.
    pub fn add_us_unfilled(&mut self, rows: &[UsUnfilledOrder]) -> Result<(), BrokerRowError> {
        for (i, row) in rows.iter().enumerate().filter(|(_, r)| !r.odno.trim().is_empty()) {
            let order = BrokerOrder::from_us_unfilled_row(row, i)?;
            // The same order listed under two exchange codes (on real `NASD` lists every US market).
            if !self.orders.iter().any(|o| o.order_id == order.order_id && o.remaining == order.remaining) {
                self.orders.push(order);
            }
        }
        Ok(())
    }

    /// Builds the view from all pages of `inquire-daily-ccld` and `inquire-balance`. One bad row fails the
    /// whole view: deciding "never sent" from a list with a hole in it could lose an order.
    pub fn from_rows(
        day: NaiveDate,
        ccld: &[DailyCcldRow],
        positions: &[BalancePosition],
    ) -> Result<BrokerView, BrokerRowError> {
        let orders =
            ccld.iter().enumerate().map(|(i, row)| BrokerOrder::from_ccld_row(row, i)).collect::<Result<_, _>>()?;
        let mut holdings: Vec<Holding> = Vec::new();
        for (i, row) in positions.iter().enumerate() {
            const LIST: &str = "inquire-balance";
            let field = |source: FieldError| BrokerRowError::Field { list: LIST, row: i, source };
            let code = KrxCode::parse(&row.pdno).map_err(|_| BrokerRowError::Invalid {
                list: LIST,
                row: i,
                what: "pdno",
                value: row.pdno.chars().take(64).collect(),
            })?;
            let held = row.hldg_qty().map_err(field)?;
            let qty = u64::try_from(held).map(Qty::new).map_err(|_| BrokerRowError::Invalid {
                list: LIST,
                row: i,
                what: "hldg_qty",
                value: row.hldg_qty.clone(),
            })?;
            if qty.is_zero() {
                continue;
            }
            let cost = row.pchs_amt().map_err(field)?;
            let symbol = Symbol::Krx(code);
            match holdings.iter_mut().find(|h| h.symbol == symbol) {
                Some(h) => {
                    h.qty = h.qty + qty;
                    h.cost += cost;
                }
                None => holdings.push(Holding { symbol, qty, cost }),
            }
        }
        Ok(BrokerView { day, orders, holdings, read_at: None, us_covered: false, us_since: None })
    }

    /// Stamps the view with the venue time its lists were read at (see [`BrokerView::read_at`]).
    pub fn read_at(mut self, at: DateTime<Utc>) -> BrokerView {
        self.read_at = Some(at);
        self
    }
}

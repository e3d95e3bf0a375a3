//! The RiskManager's picture of the account, pure: cash, positions (with the high-water marks exits read),
//! working orders and the day's realised result. Fills move it exactly (Decimal, the fee table); the broker's
//! balance, fetched now and then, corrects what estimates (fees of a board we guessed) got wrong.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use kis_model::{Currency, FeeModel, KrxBoard, Market, Price, Qty, Side, Symbol};
use kis_strategy::risk::{AccountView as RiskAccountView, FreshReason, SavedExits};
use kis_strategy::{FillReport, Position, PositionError};
use rust_decimal::Decimal;

use crate::messages::AccountView;

/// A market order reserves cash at the last price plus this margin (KRX market orders fill up to the limit).
const MARKET_RESERVE_PCT: Decimal = Decimal::from_parts(3, 0, 0, false, 0);

/// An order the book is waiting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Working {
    pub side: Side,
    pub qty: Qty,
    /// Cash held back for a buy until it fills or closes.
    pub reserved: Decimal,
}

/// A closed round trip, for the day's summary and the sell notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Realised {
    pub symbol: Symbol,
    pub qty: Qty,
    /// Sell proceeds − cost at the average price − the sell's fees and tax.
    pub pnl: Decimal,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayResult {
    pub realised_pnl: Decimal,
    pub trades: u32,
    pub wins: u32,
    pub losses: u32,
}

#[derive(Debug, Clone)]
pub struct AccountBook {
    currency: Currency,
    fees: FeeModel,
    board: KrxBoard,
    cash: Decimal,
    positions: BTreeMap<Symbol, Position>,
    last_price: HashMap<Symbol, Price>,
    working: HashMap<Symbol, Working>,
    last_buy_at: HashMap<Symbol, DateTime<Utc>>,
    last_sell_at: HashMap<Symbol, DateTime<Utc>>,
    /// Shares and notional filled so far of each symbol's current order, for its "fully filled" average.
    order_fills: HashMap<Symbol, (Qty, Decimal)>,
    day: DayResult,
}

/// A holding the book took from the broker that it was not tracking: its exit state restored from the saved
/// one (`Ok(trailing_armed)`) or started fresh, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adopted {
    pub symbol: Symbol,
    pub restored: Result<bool, FreshReason>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BookError {
    #[error(transparent)]
    Position(#[from] PositionError),
    #[error("fees of a fill of {symbol}: {detail}")]
    Fees { symbol: Symbol, detail: String },
}

impl AccountBook {
    /// `board` is the fee-table board assumed for KRX symbols whose board is unknown here; the broker sync
    /// corrects the cash if the tax differed.
    pub fn new(market: Market, fees: FeeModel, board: KrxBoard) -> AccountBook {
        AccountBook {
            currency: market.currency(),
            fees,
            board,
            cash: Decimal::ZERO,
            positions: BTreeMap::new(),
            last_price: HashMap::new(),
            working: HashMap::new(),
            last_buy_at: HashMap::new(),
            last_sell_at: HashMap::new(),
            order_fills: HashMap::new(),
            day: DayResult::default(),
        }
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Replaces cash and holdings with the broker's. Positions the book already tracks keep their opening
    /// time and high-water mark when the quantity agrees, so a resync does not reset exits; a holding it does
    /// not track takes its exit state from `saved` when that is for the same quantity and average (a restart),
    /// and starts fresh at `now` otherwise. Returns the holdings taken on, with which of the two happened.
    pub fn sync(
        &mut self,
        cash: Decimal,
        holdings: &[(Symbol, Qty, Price)],
        now: DateTime<Utc>,
        saved: &mut SavedExits,
    ) -> Vec<Adopted> {
        self.cash = cash;
        let mut next = BTreeMap::new();
        let mut adopted = Vec::new();
        for &(symbol, qty, avg_price) in holdings {
            if qty.is_zero() {
                continue;
            }
            let kept = self.positions.get(&symbol).filter(|p| p.qty == qty).copied();
            let position = match kept {
                Some(p) => p,
                None => {
                    let restored = saved.claim(symbol, qty, avg_price);
                    adopted.push(Adopted { symbol, restored: restored.map(|s| s.trailing_armed) });
                    match restored {
                        Ok(state) => {
                            let p = state.position();
                            Position {
                                high_water: self.last_price.get(&symbol).map_or(p.high_water, |l| p.high_water.max(*l)),
                                ..p
                            }
                        }
                        Err(_) => Position {
                            symbol,
                            qty,
                            avg_price,
                            opened_at: now,
                            high_water: self.last_price.get(&symbol).copied().unwrap_or(avg_price).max(avg_price),
                        },
                    }
                }
            };
            next.insert(symbol, position);
        }
        self.positions = next;
        adopted
    }

    pub fn cash(&self) -> Decimal {
        self.cash
    }

    pub fn reserved(&self) -> Decimal {
        self.working.values().map(|w| w.reserved).sum()
    }

    pub fn available_cash(&self) -> Decimal {
        (self.cash - self.reserved()).max(Decimal::ZERO)
    }

    /// Cash plus holdings at the last price (the average price before the first tick).
    pub fn equity(&self) -> Decimal {
        let held: Decimal = self
            .positions
            .values()
            .map(|p| {
                let price = self.last_price.get(&p.symbol).copied().unwrap_or(p.avg_price);
                price.value().saturating_mul(p.qty.as_decimal())
            })
            .sum();
        self.cash.saturating_add(held)
    }

    pub fn position(&self, symbol: Symbol) -> Option<Position> {
        self.positions.get(&symbol).copied()
    }

    pub fn positions(&self) -> impl Iterator<Item = &Position> {
        self.positions.values()
    }

    pub fn open_positions(&self) -> usize {
        self.positions.len()
    }

    pub fn working(&self, symbol: Symbol) -> Option<Working> {
        self.working.get(&symbol).copied()
    }

    pub fn working_count(&self) -> usize {
        self.working.len()
    }

    pub fn last_price(&self, symbol: Symbol) -> Option<Price> {
        self.last_price.get(&symbol).copied()
    }

    pub fn day(&self) -> DayResult {
        self.day
    }

    /// A new trading day: the realised figures start again.
    pub fn start_day(&mut self) {
        self.day = DayResult::default();
    }

    /// Records a trade price; raises the position's high-water mark.
    pub fn mark(&mut self, symbol: Symbol, price: Price) {
        self.last_price.insert(symbol, price);
        if let Some(p) = self.positions.get_mut(&symbol) {
            p.mark(price);
        }
    }

    /// An order for `symbol` is on its way; a buy holds back cash at `limit` (or the last price plus a
    /// margin for a market order).
    pub fn order_working(&mut self, symbol: Symbol, side: Side, qty: Qty, limit: Option<Price>) {
        let reserved = match side {
            Side::Sell => Decimal::ZERO,
            Side::Buy => {
                let price = match limit {
                    Some(p) => p.value(),
                    None => self.last_price.get(&symbol).map_or(Decimal::ZERO, |p| {
                        p.value() * (Decimal::ONE_HUNDRED + MARKET_RESERVE_PCT) / Decimal::ONE_HUNDRED
                    }),
                };
                price.saturating_mul(qty.as_decimal())
            }
        };
        self.working.insert(symbol, Working { side, qty, reserved });
    }

    /// The order for `symbol` is over (filled, cancelled, rejected, never sent). Returns the average price
    /// of its fills, from the fills themselves.
    pub fn order_closed(&mut self, symbol: Symbol) -> Option<Price> {
        self.working.remove(&symbol);
        let (qty, notional) = self.order_fills.remove(&symbol)?;
        if qty.is_zero() {
            return None;
        }
        Price::new(notional / qty.as_decimal()).ok()
    }

    /// Counts a fill toward its order's average: every fill, booked here or (from an earlier run) already in
    /// the broker's balance.
    pub fn order_fill(&mut self, fill: &FillReport) {
        let (qty, notional) = self.order_fills.entry(fill.symbol).or_insert((Qty::ZERO, Decimal::ZERO));
        *qty = *qty + fill.qty;
        *notional = notional.saturating_add(fill.price.value().saturating_mul(fill.qty.as_decimal()));
    }

    /// Applies one execution: position, cash (with commission and, on sells, tax) and the day's result.
    /// Returns the realised result when the fill closed (part of) a position.
    pub fn fill(&mut self, fill: &FillReport, trade_date: NaiveDate) -> Result<Option<Realised>, BookError> {
        let notional = fill.price.value().saturating_mul(fill.qty.as_decimal());
        let fees = match fill.symbol.market() {
            Market::Krx => self.fees.krx(fill.side, self.board, notional, trade_date),
            Market::Us => self.fees.us(fill.side, notional, trade_date),
        }
        .map_err(|e| BookError::Fees { symbol: fill.symbol, detail: e.to_string() })?;
        let costs = fees.total().amount;
        let before = self.positions.get(&fill.symbol).copied();
        let after = Position::apply_fill(before, fill)?;
        self.order_fill(fill);
        match after {
            Some(p) => self.positions.insert(fill.symbol, p),
            None => self.positions.remove(&fill.symbol),
        };
        if let Some(w) = self.working.get_mut(&fill.symbol)
            && w.side == fill.side
        {
            w.qty = w.qty.checked_sub(fill.qty).unwrap_or(Qty::ZERO);
            w.reserved = (w.reserved - notional).max(Decimal::ZERO);
        }
        self.last_price.insert(fill.symbol, fill.price);
        match fill.side {
            Side::Buy => {
                self.cash -= notional + costs;
                self.last_buy_at.insert(fill.symbol, fill.ts);
                Ok(None)
            }
            Side::Sell => {
                self.cash += notional - costs;
                self.last_sell_at.insert(fill.symbol, fill.ts);
                let avg = before.map_or(fill.price.value(), |p| p.avg_price.value());
                // To the won (cent): an average price of several buys is a repeating fraction.
                let dp = match self.currency {
                    Currency::Krw => 0,
                    Currency::Usd => 2,
                };
                let pnl = ((fill.price.value() - avg) * fill.qty.as_decimal() - costs)
                    .round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
                self.day.realised_pnl += pnl;
                if after.is_none() {
                    self.day.trades += 1;
                    if pnl > Decimal::ZERO {
                        self.day.wins += 1;
                    } else {
                        self.day.losses += 1;
                    }
                }
                Ok(Some(Realised { symbol: fill.symbol, qty: fill.qty, pnl }))
            }
        }
    }

    /// What the symbol's SignalActor needs for its strategy's context.
    pub fn signal_view(&self, symbol: Symbol) -> AccountView {
        AccountView {
            position: self.position(symbol),
            available_cash: self.available_cash(),
            equity: self.equity(),
            order_pending: self.working.contains_key(&symbol),
            last_buy_at: self.last_buy_at.get(&symbol).copied(),
            last_sell_at: self.last_sell_at.get(&symbol).copied(),
        }
    }

    /// What the risk rules need to judge a signal for `symbol`.
    pub fn risk_view(&self, symbol: Symbol) -> RiskAccountView {
        RiskAccountView {
            equity: self.equity(),
            available_cash: self.available_cash(),
            open_positions: self.open_positions(),
            position: self.position(symbol),
            order_pending: self.working.contains_key(&symbol),
            last_price: self.last_price(symbol),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn sym(code: &str) -> Symbol {
        code.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn fill(symbol: Symbol, side: Side, qty: u64, won: u64, ts: &str) -> FillReport {
        FillReport { symbol, side, qty: Qty::new(qty), price: Price::from_won(won), ts: at(ts), strategy_id: None }
    }

    fn book() -> AccountBook {
        let mut b = AccountBook::new(Market::Krx, FeeModel::shipped(), KrxBoard::Kospi);
        b.sync(dec!(10_000_000), &[], at("2026-03-04T00:00:00Z"), &mut SavedExits::default());
        b
    }

    #[test]
    fn a_round_trip_moves_cash_by_price_fees_and_tax() {
        let mut b = book();
        let s = sym("005930");
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        b.order_working(s, Side::Buy, Qty::new(10), Some(Price::from_won(70_000)));
        assert_eq!(b.reserved(), dec!(700_000));
        assert_eq!(b.available_cash(), dec!(9_300_000));
        assert!(b.signal_view(s).order_pending);

        assert_eq!(b.fill(&fill(s, Side::Buy, 10, 70_000, "2026-03-04T00:01:00Z"), day).unwrap(), None);
        let buy_fees = FeeModel::shipped().krx(Side::Buy, KrxBoard::Kospi, dec!(700_000), day).unwrap().total();
        assert_eq!(b.cash(), dec!(10_000_000) - dec!(700_000) - buy_fees.amount);
        assert_eq!(b.reserved(), Decimal::ZERO, "a filled buy releases its reservation");
        b.order_closed(s);
        assert_eq!(b.position(s).unwrap().qty, Qty::new(10));

        b.mark(s, Price::from_won(71_000));
        assert_eq!(b.position(s).unwrap().high_water, Price::from_won(71_000));
        assert_eq!(b.equity(), b.cash() + dec!(710_000));

        let sold = b.fill(&fill(s, Side::Sell, 10, 71_000, "2026-03-04T00:05:00Z"), day).unwrap().unwrap();
        let sell_fees = FeeModel::shipped().krx(Side::Sell, KrxBoard::Kospi, dec!(710_000), day).unwrap().total();
        assert_eq!(sold.pnl, dec!(10_000) - sell_fees.amount);
        assert_eq!(b.position(s), None);
        assert_eq!(b.day(), DayResult { realised_pnl: sold.pnl, trades: 1, wins: 1, losses: 0 });
        assert_eq!(b.cash(), dec!(10_000_000) - buy_fees.amount + dec!(10_000) - sell_fees.amount);
    }

    #[test]
    fn market_buys_reserve_above_the_last_price_and_oversells_are_refused() {
        let mut b = book();
        let s = sym("000660");
        b.mark(s, Price::from_won(100_000));
        b.order_working(s, Side::Buy, Qty::new(2), None);
        assert_eq!(b.reserved(), dec!(206_000));
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        let err = b.fill(&fill(s, Side::Sell, 1, 100_000, "2026-03-04T00:01:00Z"), day).unwrap_err();
        assert!(matches!(err, BookError::Position(PositionError::Oversold { .. })), "{err}");
        assert_eq!(b.cash(), dec!(10_000_000), "a refused fill changes nothing");
    }

    #[test]
    fn a_resync_keeps_exit_state_of_unchanged_positions() {
        let mut b = book();
        let s = sym("005930");
        let t0 = at("2026-03-04T00:00:00Z");
        let none = &mut SavedExits::default();
        b.sync(dec!(5_000_000), &[(s, Qty::new(3), Price::from_won(70_000))], t0, none);
        b.mark(s, Price::from_won(72_000));
        b.sync(dec!(5_000_100), &[(s, Qty::new(3), Price::from_won(70_000))], at("2026-03-04T01:00:00Z"), none);
        let p = b.position(s).unwrap();
        assert_eq!((p.opened_at, p.high_water), (t0, Price::from_won(72_000)));
        assert_eq!(b.cash(), dec!(5_000_100));
        b.sync(dec!(5_000_100), &[], t0, none);
        assert_eq!(b.open_positions(), 0);
    }

    #[test]
    fn a_restart_takes_the_saved_exit_state_of_the_same_holding_only() {
        let mut b = book();
        let (s, other) = (sym("005930"), sym("000660"));
        let opened = at("2026-03-04T00:01:00Z");
        let saved = |symbol, qty| kis_strategy::risk::ExitState {
            symbol,
            qty: Qty::new(qty),
            avg_price: Price::from_won(70_000),
            opened_at: opened,
            high_water: Price::from_won(72_000),
            trailing_armed: true,
        };
        let mut saved = SavedExits::new([saved(s, 3), saved(other, 5)]);
        let now = at("2026-03-04T00:30:00Z");
        let held = [(s, Qty::new(3), Price::from_won(70_000)), (other, Qty::new(6), Price::from_won(70_000))];
        let adopted = b.sync(dec!(1_000_000), &held, now, &mut saved);
        assert_eq!(
            adopted,
            vec![
                Adopted { symbol: s, restored: Ok(true) },
                Adopted {
                    symbol: other,
                    restored: Err(FreshReason::QtyDiffers { saved: Qty::new(5), held: Qty::new(6) })
                },
            ]
        );
        let p = b.position(s).unwrap();
        assert_eq!((p.opened_at, p.high_water), (opened, Price::from_won(72_000)));
        let q = b.position(other).unwrap();
        assert_eq!((q.opened_at, q.high_water), (now, Price::from_won(70_000)));
        // A later resync of the same holdings changes nothing and reports nothing.
        assert!(b.sync(dec!(1_000_000), &held, at("2026-03-04T00:31:00Z"), &mut saved).is_empty());
        assert_eq!(b.position(s).unwrap().opened_at, opened);
    }

    #[test]
    fn a_closed_order_reports_the_average_of_its_own_fills() {
        let mut b = book();
        let s = sym("005930");
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        // A fill of an earlier run: in the broker's balance already, not booked, still averaged.
        b.order_fill(&fill(s, Side::Buy, 2, 70_000, "2026-03-04T00:01:00Z"));
        b.fill(&fill(s, Side::Buy, 1, 70_300, "2026-03-04T00:01:01Z"), day).unwrap();
        assert_eq!(b.order_closed(s), Some(Price::from_won(70_100)));
        assert_eq!(b.order_closed(s), None, "the next order starts again");
    }
}

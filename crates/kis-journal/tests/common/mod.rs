//! Journals and broker views built by hand, for the reconciliation tests.
#![allow(dead_code)] // each test file uses its own part

use chrono::{DateTime, NaiveDate, Utc};
use kis_journal::{
    Action, BrokerOrder, BrokerView, Entry, Event, FillId, FillRecord, IntentBook, IntentRecord, MatchRules, OrderKind,
    Origin, StrategyId, reconcile,
};
use kis_model::{ClientOrderId, OrdDvsn, OrderId, OrderNo, Price, Qty, Side, Symbol};
use rust_decimal_macros::dec;

/// 2026-03-04 09:00:00 KST.
pub fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_582_400 + s, 0).unwrap()
}

pub fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()
}

pub fn sym(code: &str) -> Symbol {
    code.parse().unwrap()
}

pub fn c(id: u64) -> ClientOrderId {
    ClientOrderId(id)
}

pub fn oid(n: u64) -> OrderId {
    OrderId { branch: 6010, order_no: OrderNo::new(n) }
}

/// Builds a journal: intents and their events.
#[derive(Default)]
pub struct Log(pub Vec<Entry>);

impl Log {
    pub fn intent(&mut self, id: u64, created: i64, code: &str, side: Side, qty: u64, won: u64) -> &mut Self {
        let record = IntentRecord {
            symbol: sym(code),
            side,
            kind: OrderKind::Krx(OrdDvsn::Limit),
            qty: Qty::new(qty),
            price: Some(Price::from_won(won)),
            strategy: StrategyId::new("s"),
            origin: Origin::Daemon,
        };
        self.0.push(Entry { ts: at(created), id: c(id), event: Event::Intent(record) });
        self
    }

    pub fn ev(&mut self, id: u64, event: Event) -> &mut Self {
        self.0.push(Entry { ts: at(1000), id: c(id), event });
        self
    }

    pub fn fill(&mut self, id: u64, fid: &str, qty: u64, won: u64) -> &mut Self {
        let f = FillRecord {
            fill_id: FillId(fid.into()),
            qty: Qty::new(qty),
            price: Price::from_won(won),
            order_no: None,
            at: at(1),
        };
        self.ev(id, Event::Fill(f))
    }

    pub fn book(&self) -> IntentBook {
        IntentBook::fold(&self.0).unwrap()
    }
}

/// A broker order, limit, not filled, not cancelled, working.
pub fn row(no: u64, time: i64, code: &str, side: Side, qty: u64, won: u64) -> BrokerOrder {
    BrokerOrder {
        order_id: oid(no),
        original: None,
        symbol: sym(code),
        side,
        kind: OrdDvsn::Limit,
        qty: Qty::new(qty),
        price: Some(Price::from_won(won)),
        filled: Qty::ZERO,
        filled_amount: dec!(0),
        order_time: at(time),
        cancelled: false,
        cancelled_qty: Qty::ZERO,
        remaining: Qty::new(qty),
    }
}

pub fn filled(mut o: BrokerOrder, qty: u64, amount: rust_decimal::Decimal) -> BrokerOrder {
    o.filled = Qty::new(qty);
    o.filled_amount = amount;
    o.remaining = o.qty.saturating_sub(o.filled);
    o
}

/// The lists as read long after every intent of these cases could have been accepted.
pub fn view(orders: Vec<BrokerOrder>) -> BrokerView {
    BrokerView {
        day: day(),
        orders,
        holdings: Vec::new(),
        read_at: Some(at(10_000)),
        us_covered: false,
        us_since: None,
    }
}

pub fn not_found(id: u64, past_deadline: bool) -> Action {
    Action::NotFound { intent: c(id), symbol: sym(S), past_deadline }
}

pub fn run(log: &Log, orders: Vec<BrokerOrder>) -> Vec<Action> {
    reconcile(&log.book(), &view(orders), &MatchRules::default())
}

pub const S: &str = "005930";

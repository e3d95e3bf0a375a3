//! Property: any sequence of fills booked by the desk's ledger leaves the same cash, reservations and holdings
//! as kis-engine's own account, which fills the same orders by matching (the simulator's and the
//! backtester's broker). One money code, checked from both ends.

mod common;

use common::*;
use kis_desk::Ledger;
use kis_engine::{Engine, EngineConfig, EngineEvent, NewOrder, SymbolSpec};
use kis_model::{Book, Currency, FeeModel, InstrumentKind, KrxBoard, Level, Money, Price, Qty, Side, Symbol};
use kis_strategy::FillReport;
use kis_strategy::risk::SavedExits;
use proptest::prelude::*;
use rust_decimal::Decimal;

const KRX_BASE: u64 = 50_000;

fn symbols() -> [Symbol; 3] {
    [sym("005930"), sym("000660"), sym("NASDAQ:TQQQ")]
}

#[derive(Debug, Clone)]
struct Op {
    symbol: usize,
    side: Side,
    /// Pieces the order fills in (one book level each).
    pieces: Vec<u64>,
    /// KRX: hundreds of won around the base; US: cents around 20 dollars.
    price_step: i64,
}

fn op() -> impl Strategy<Value = Op> {
    (0usize..3, any::<bool>(), prop::collection::vec(1u64..40, 1..4), -50i64..50).prop_map(
        |(symbol, buy, pieces, price_step)| Op {
            symbol,
            side: if buy { Side::Buy } else { Side::Sell },
            pieces,
            price_step,
        },
    )
}

fn price_of(symbol: Symbol, step: i64) -> Price {
    match symbol.market() {
        kis_model::Market::Krx => Price::from_won((KRX_BASE as i64 + step * 100) as u64),
        kis_model::Market::Us => Price::new(Decimal::new(2_000 + step * 7, 2)).unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_desk_books_fills_exactly_as_kis_engine(ops in prop::collection::vec(op(), 1..40)) {
        let ts = at("2026-03-04T01:00:00Z");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        let mut engine = Engine::new(EngineConfig::default(), FeeModel::shipped()).unwrap();
        engine.deposit(Money::krw(50_000_000)).unwrap();
        engine.deposit(Money::new(Decimal::from(20_000), Currency::Usd)).unwrap();
        let mut ledger = Ledger::new(FeeModel::shipped(), KrxBoard::Kospi);
        ledger.sync(Currency::Krw, Decimal::from(50_000_000), &[], ts, &mut SavedExits::default());
        ledger.sync(Currency::Usd, Decimal::from(20_000), &[], ts, &mut SavedExits::default());
        for s in symbols() {
            let spec = match s.market() {
                kis_model::Market::Krx => SymbolSpec::krx(s, KrxBoard::Kospi, InstrumentKind::Stock, KRX_BASE, day).unwrap(),
                kis_model::Market::Us => SymbolSpec::us(s, day).unwrap(),
            };
            engine.set_symbol(spec).unwrap();
            ledger.set_base(s, price_of(s, 0));
        }
        let mut events = Vec::new();
        let buys = ops.iter().filter(|o| o.side == Side::Buy).count();
        let mut booked = 0usize;
        for op in ops {
            let symbol = symbols()[op.symbol];
            let price = price_of(symbol, op.price_step);
            let qty: u64 = op.pieces.iter().sum();
            // A book at the order's price, one level per piece, so the order fills in those pieces.
            let mut levels = [Level::default(); 10];
            for (slot, q) in levels.iter_mut().zip(&op.pieces) {
                *slot = Level { price, qty: Qty::new(*q) };
            }
            let empty = [Level::default(); 10];
            let (asks, bids) = match op.side { Side::Buy => (levels, empty), Side::Sell => (empty, levels) };
            engine.on_book(&Book { symbol, ts, asks, bids, depth: 10 });
            events.clear();
            let accepted = engine.submit(NewOrder::limit(symbol, op.side, price, Qty::new(qty)), true, ts, &mut events);
            if accepted.is_err() {
                continue; // the broker refused it (cash, holdings): nothing reaches the desk either
            }
            ledger.order_working(symbol, op.side, Qty::new(qty), Some(price), ts).unwrap();
            booked += 1;
            for e in &events {
                if let EngineEvent::Filled(f) = e {
                    let report = FillReport { symbol, side: f.side, qty: f.qty, price: f.price, ts, strategy_id: None };
                    let realised = ledger.fill(&report).unwrap();
                    if let Some(r) = realised {
                        prop_assert_eq!(r.pnl, f.realised_pnl, "realised PnL of a sell");
                    }
                }
            }
            ledger.order_closed(symbol);
            for currency in [Currency::Krw, Currency::Usd] {
                prop_assert_eq!(ledger.account().cash(currency), engine.cash(currency), "{:?} cash", currency);
            }
            for s in symbols() {
                let a = ledger.account().position(&s).map(|p| (p.qty, p.cost, p.realised_pnl, p.fees_paid, p.sell_reserved));
                let b = engine.position(&s).map(|p| (p.qty, p.cost, p.realised_pnl, p.fees_paid, p.sell_reserved));
                prop_assert_eq!(a, b, "holding of {}", s);
            }
        }
        for market in [kis_model::Market::Krx, kis_model::Market::Us] {
            let held = engine.positions().filter(|p| p.symbol.market() == market && !p.qty.is_zero()).count();
            prop_assert_eq!(ledger.open_positions(market), held, "open positions in {:?}", market);
        }
        // Every buy fits the cash: the comparison is never vacuous.
        prop_assert!(booked >= buys, "{} of {} buys booked", booked, buys);
    }
}

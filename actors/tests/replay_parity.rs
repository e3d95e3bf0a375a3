//! Parity: one recorded market (KRX, then the US), run through the backtester and through the daemon on the
//! simulator's replay of it, gives the same executions (symbol, side, quantity, price) in the same order, the
//! same fees, the same cash and the same realised P&L to the won and the cent. Both run the same strategy code, the same desk (sizing, pending-order
//! gate, booking) and kis-engine's matching and fees; this test is what keeps them the same.
//!
//! The recording is built so that the daemon's real-time path cannot change what it trades: prints every
//! twenty virtual seconds, the two symbols ten apart (a third of a real second at 30×, well beyond a signal's
//! round trip to the simulator and its fill notice's way back to the desk, also on a loaded machine; at 60× a
//! loaded CI run once judged a buy before the previous sell's proceeds were booked), each followed by a book locked at the print's price with ample depth, so a marketable limit
//! fills at that price on arrival — the backtester's close-price fill.

mod common;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use common::*;
use kis_actors::daemon::Daemon;
use kis_backtest::{Backtest, BacktestConfig, Execution};
use kis_client::Endpoints;
use kis_model::tick_size::{InstrumentKind, floor_to_tick, to_won};
use kis_model::{Book, Environment, KrxBoard, Level, Market, MarketEvent, Price, Qty, Side, Symbol, Trade};
use kis_strategy::StrategyConfig;
use kis_strategy::risk::ExitRules;
use kis_strategy::us_rsi_macd::UsRsiMacdConfig;
use kis_synth::{RecordingWriter, Universe, UniverseConfig};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// The same day 14:20 KST: prints from 14:25, warm before the scalper's closing-run window (14:30–15:00).
const KRX_CLOSING_RUN: &str = "2026-03-04T05:20:00Z";
/// Virtual seconds between two prints of one symbol.
const PRINT_EVERY: i64 = 20;
/// Virtual time before the first print, for the daemon to start, reconcile and subscribe.
const LEAD_SECS: i64 = 300;
const SEED: u64 = 11;
/// The simulator's clock speed for the replay.
const SPEED: u32 = 30;
const KRX_SYMBOLS: usize = 10;
const US_SYMBOLS: usize = 2;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The fast US bot with its RSI band narrowed and a wider stop, so that it buys, sells and stops out many
/// times in half an hour of this recording.
fn us_bot(tickers: &[Symbol]) -> StrategyConfig {
    StrategyConfig::UsRsiMacd(UsRsiMacdConfig {
        oversold: 45.0,
        overbought: 60.0,
        stop_loss_pct: dec!(0.8),
        ..fast_us_bot(tickers)
    })
}

/// The KRX scalper as `config/both-markets.toml` ships it (the demo's relaxed entry rules), with the trade
/// windows of its micro-trend and volume-surge rules shortened to suit a print every twenty seconds.
fn scalper() -> StrategyConfig {
    let StrategyConfig::KrxScalping(mut c) = shipped_scalper() else { unreachable!() };
    c.micro_trend.window_trades = 10;
    c.volume.surge_lookback_trades = 10;
    StrategyConfig::KrxScalping(c)
}

/// The desk's exits of the KRX case, the same in the daemon (`[exits]`) and the backtester: price exits,
/// watched on every trade. Time exits are left out: the daemon judges them on its clock between prints.
fn krx_exits() -> ExitRules {
    ExitRules {
        stop_loss_pct: Some(dec!(0.8)),
        take_profit_pct: Some(dec!(1.2)),
        trailing_stop: None,
        max_holding_secs: None,
    }
}

/// A price path: two waves of different periods around the previous close, so the rules' thresholds are
/// crossed both ways, plus a slow slide that trips the stops now and then; on the market's tick grid.
fn path(market: Market, base: Price, i: i64, phase: f64) -> Price {
    let x = i as f64;
    let wave = 0.012 * (x / 8.0 + phase).sin() + 0.005 * (x / 2.5 + 2.0 * phase).sin() - 0.0001 * x;
    match market {
        Market::Us => {
            let cents = (base.value() * Decimal::ONE_HUNDRED).round();
            let moved = cents + Decimal::from((wave * f64::try_from(cents).unwrap_or(0.0)).round() as i64);
            Price::new(moved / Decimal::ONE_HUNDRED).unwrap()
        }
        Market::Krx => {
            // Twice the swing: the scalper's exits sit 0.8 % and 1.2 % from its entries.
            let won = to_won(base).unwrap() as f64;
            let moved = (won * (1.0 + 2.0 * wave)).round() as u64;
            Price::from_won(floor_to_tick(moved, InstrumentKind::Stock))
        }
    }
}

/// The listings the simulator generates from the same seed: the recording trades `n` of `market`'s (KRX:
/// KOSPI ones, whose sell tax the backtester's board assumes).
fn listings(market: Market, n: usize) -> Vec<(Symbol, Price)> {
    let universe =
        Universe::generate(UniverseConfig { seed: SEED, krx_symbols: KRX_SYMBOLS, us_symbols: US_SYMBOLS }).unwrap();
    let out: Vec<(Symbol, Price)> = universe
        .specs()
        .iter()
        .filter(|s| s.symbol.market() == market && s.board.is_none_or(|b| b == KrxBoard::Kospi))
        .take(n)
        .map(|s| (s.symbol, s.prev_close))
        .collect();
    assert_eq!(out.len(), n, "{market} listings");
    out
}

/// Writes the recording and returns its events in tape order. Each print is followed by a book locked at
/// its price with more depth than any order here, so a marketable limit of either side fills whole at it.
fn write_recording(file: &Path, market: Market, start: DateTime<Utc>, prints: i64) -> Vec<MarketEvent> {
    let symbols = listings(market, 2);
    let mut events = Vec::new();
    let mut cum = vec![0u64; symbols.len()];
    let mut last: Vec<Option<Price>> = vec![None; symbols.len()];
    for i in 0..prints {
        for (k, (symbol, base)) in symbols.iter().enumerate() {
            // Symbols print half a period apart, on whole seconds (the feeds carry seconds), so one symbol's
            // order has filled before the other's next print is judged.
            let offset = i64::try_from(k).unwrap() * PRINT_EVERY / 2;
            let ts = start + TimeDelta::seconds(LEAD_SECS + i * PRINT_EVERY + offset);
            let price = path(market, *base, i, k as f64 * 1.3);
            let qty = 100 + u64::try_from((i * 37 + i64::try_from(k).unwrap() * 11) % 400).unwrap();
            cum[k] += qty;
            let aggressor = if last[k].is_some_and(|p| price < p) { Side::Sell } else { Side::Buy };
            last[k] = Some(price);
            events.push(MarketEvent::Trade(Trade {
                symbol: *symbol,
                ts,
                price,
                qty: Qty::new(qty),
                aggressor: Some(aggressor),
                bid: None,
                ask: None,
                cum_volume: cum[k],
            }));
            let empty = Level { price: Price::ZERO, qty: Qty::new(0) };
            let mut asks = [empty; 10];
            let mut bids = [empty; 10];
            asks[0] = Level { price, qty: Qty::new(10_000_000) };
            bids[0] = Level { price, qty: Qty::new(10_000_000) };
            events.push(MarketEvent::Book(Book { symbol: *symbol, ts, asks, bids, depth: 1 }));
        }
    }
    let mut w = RecordingWriter::new(std::io::BufWriter::new(std::fs::File::create(file).unwrap())).unwrap();
    for e in &events {
        w.write(e).unwrap();
    }
    w.flush().unwrap();
    events
}

/// One parity case: the market, where the recording starts, and the strategy with its cash.
struct Case {
    tag: &'static str,
    market: Market,
    start: &'static str,
    prints: i64,
    cash: Decimal,
}

/// The backtester's executions and result, then the daemon's on the replay; asserts they are the same.
async fn parity(case: Case) {
    let keys = Keys::new(case.tag);
    let dir = TempDir::new(case.tag);
    let file = dir.0.join("day.rec");
    let start = t(case.start);
    let market = case.market;
    let events = write_recording(&file, market, start, case.prints);
    let symbols: Vec<Symbol> = listings(market, 2).into_iter().map(|(s, _)| s).collect();
    let (strategy, exits) = match market {
        Market::Us => (us_bot(&symbols), None),
        Market::Krx => (scalper(), Some(krx_exits())),
    };

    // The backtester over the recording.
    let mut bt_config = BacktestConfig::new(market);
    bt_config.initial_cash = case.cash;
    bt_config.exits = exits;
    let mut backtest = Backtest::new(&bt_config, vec![strategy.clone()]).unwrap();
    for e in &events {
        backtest.on_event(e).unwrap();
    }
    let result = backtest.finish();
    let expected: Vec<Execution> = result.strategies.iter().flat_map(|s| s.executions.iter().cloned()).collect();
    assert!(
        expected.iter().filter(|e| e.side == Side::Buy).count() >= 2
            && expected.iter().filter(|e| e.side == Side::Sell).count() >= 2,
        "{market}: the recording makes the strategy trade: {expected:#?} {:?}",
        result.strategies.iter().map(|s| &s.stats).collect::<Vec<_>>()
    );

    // The daemon on the simulator's replay of the same recording.
    let seen = actix_rt::time::timeout(Duration::from_secs(150), async {
        let sim = start_sim_at(&keys, |c| {
            c.env = Environment::Real;
            c.start = Some(start);
            c.speed = SPEED;
            c.seed = SEED;
            c.symbols = KRX_SYMBOLS;
            c.us_symbols = US_SYMBOLS;
            c.replay_file = Some(file.clone());
            c.starting_cash_usd = case.cash;
            c.starting_cash_krw = case.cash;
        })
        .await;
        let mut config = test_config();
        config.strategies = vec![strategy.clone()];
        config.exits = exits.unwrap_or(ExitRules {
            stop_loss_pct: None,
            take_profit_pct: None,
            trailing_stop: None,
            max_holding_secs: None,
        });
        // The recorded symbols are watched from the start, as the backtester sees them from the first print.
        config.screener.pinned = symbols.clone();
        let mut setup = setup(&sim, &keys, &dir.0, buy_once(&Default::default()), config);
        setup.strategy = None;
        setup.endpoints = Endpoints::custom(Environment::Real, &sim.rest_url(), &sim.ws_url());
        let daemon = Daemon::start(setup).unwrap();
        let end = events.last().map(MarketEvent::ts).unwrap() + TimeDelta::seconds(30);
        wait_for("the replay played out", Duration::from_secs(120), || async { daemon.clock.now() >= end }).await;
        wait_for("no order in flight", Duration::from_secs(20), || async {
            daemon.open_orders().await.is_empty() && daemon.risk_status().await.is_some_and(|r| r.working == 0)
        })
        .await;
        let risk = daemon.risk_status().await.unwrap();
        let orders = sim_orders(&sim);
        let currency = market.currency();
        let broker_cash = kis_sim::exchange::lock(sim.state()).accounts[0].engine.cash(currency).total;
        daemon.shutdown(true).await;
        sim.stop().await.unwrap();
        (orders, broker_cash, risk)
    })
    .await
    .expect("the daemon's replay run timed out");
    let (orders, broker_cash, risk) = seen;

    // Order by order: the simulator's executions are the backtester's.
    let mut placed: Vec<_> = orders.iter().filter(|o| o.filled > Qty::ZERO).collect();
    placed.sort_by_key(|o| (o.created, o.seq));
    let actual: Vec<(Symbol, Side, Qty, Decimal, Decimal)> = placed
        .iter()
        .map(|o| (o.symbol, o.side, o.filled, o.filled_notional / o.filled.as_decimal(), o.fees))
        .collect();
    let wanted: Vec<(Symbol, Side, Qty, Decimal, Decimal)> =
        expected.iter().map(|e| (e.symbol, e.side, e.qty, e.price.value(), e.fees)).collect();
    assert_eq!(actual, wanted, "{market}: the daemon's executions are the backtester's");
    assert!(orders.iter().all(|o| o.filled > Qty::ZERO), "{market}: no order went unfilled: {orders:#?}");

    // Cash and realised P&L to the won / the cent.
    let bt_cash = case.cash
        + expected
            .iter()
            .map(|e| {
                let notional = e.price.value() * e.qty.as_decimal();
                match e.side {
                    Side::Buy => -notional - e.fees,
                    Side::Sell => notional - e.fees,
                }
            })
            .sum::<Decimal>();
    assert_eq!(broker_cash, bt_cash, "{market}: the broker's cash after the daemon's day is the backtest's");
    let desk = risk.accounts.iter().find(|a| a.market == market).unwrap();
    assert_eq!(desk.cash.amount, broker_cash, "{market}: the daemon's desk agrees with its broker");
    let bt_pnl: Decimal = expected.iter().map(|e| e.realised_pnl).sum();
    assert!(!bt_pnl.is_zero(), "{market}: the day realised something");
    assert_eq!(desk.day.realised_pnl, bt_pnl, "{market}: realised P&L, daemon vs backtest");
    assert_no_secret_logged(&keys.secrets());
}

#[actix_rt::test]
async fn the_us_bot_trades_the_same_in_the_backtester_and_the_daemon_on_the_replay() {
    parity(Case { tag: "parityus", market: Market::Us, start: NYSE_OPEN, prints: 90, cash: dec!(100000) }).await;
}

#[actix_rt::test]
async fn the_krx_scalper_trades_the_same_in_the_backtester_and_the_daemon_on_the_replay() {
    // 14:25–15:05 KST: warm-up, the closing-run window, exits after it.
    let case =
        Case { tag: "paritykrx", market: Market::Krx, start: KRX_CLOSING_RUN, prints: 90, cash: dec!(100000000) };
    parity(case).await;
}

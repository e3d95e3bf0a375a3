//! Parity: one recorded US market, run through the backtester and through the daemon on the simulator's
//! replay of it, gives the same executions (symbol, side, quantity, price) in the same order, the same fees
//! and the same cash to the cent. Both run the same strategy code, the same desk (sizing, pending-order
//! gate, booking) and kis-engine's matching and fees; this test is what keeps them the same.
//!
//! The recording is built so that the daemon's real-time path cannot change what it trades: prints every
//! twenty virtual seconds (a third of a real second at 60×, far more than a signal's round trip to the
//! simulator), each followed by a book locked at the print's price with ample depth, so a marketable limit
//! fills at that price on arrival — the backtester's close-price fill.

mod common;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use common::*;
use kis_actors::daemon::Daemon;
use kis_backtest::{Backtest, BacktestConfig, Execution};
use kis_client::Endpoints;
use kis_model::{Book, Currency, Environment, Level, Market, MarketEvent, Price, Qty, Side, Symbol, Trade};
use kis_strategy::StrategyConfig;
use kis_strategy::us_rsi_macd::UsRsiMacdConfig;
use kis_synth::{RecordingWriter, Universe, UniverseConfig};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// Wednesday 2026-03-04 09:30 New York (EST): the NYSE opens.
const NYSE_OPEN: &str = "2026-03-04T14:30:00Z";
/// Virtual seconds between two prints of one symbol.
const PRINT_EVERY: i64 = 20;
/// Virtual time before the first print, for the daemon to start, reconcile and subscribe.
const LEAD_SECS: i64 = 300;
/// Prints per symbol: 30 virtual minutes.
const PRINTS: i64 = 90;
const SEED: u64 = 11;
const US_SYMBOLS: usize = 2;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The US bot with thresholds opened so that it buys, sells and stops out many times in half an hour.
fn bot(tickers: &[Symbol]) -> UsRsiMacdConfig {
    UsRsiMacdConfig {
        id: "us-bot".into(),
        tickers: tickers.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(","),
        rsi_interval: kis_strategy::BarInterval::Min1,
        rsi_period: 3,
        oversold: 45.0,
        overbought: 60.0,
        macd_fast: 2,
        macd_slow: 4,
        macd_signal: 2,
        buy_delay_secs: 60,
        sell_delay_secs: 60,
        stop_loss_pct: dec!(0.8),
        ..UsRsiMacdConfig::default()
    }
}

/// A price path in cents: two waves of different periods around the previous close, so RSI swings through
/// both thresholds and MACD crosses, plus a slow slide that trips the stop-loss now and then.
fn path(base: Price, i: i64, phase: f64) -> Price {
    let x = i as f64;
    let wave = 0.012 * (x / 8.0 + phase).sin() + 0.005 * (x / 2.5 + 2.0 * phase).sin() - 0.0001 * x;
    let cents = (base.value() * Decimal::ONE_HUNDRED).round();
    let moved = cents + Decimal::from((wave * f64::try_from(cents).unwrap_or(0.0)).round() as i64);
    Price::new(moved / Decimal::ONE_HUNDRED).unwrap()
}

/// Writes the recording and returns its events in tape order, with the US symbols traded.
fn write_recording(file: &Path, start: DateTime<Utc>) -> (Vec<MarketEvent>, Vec<Symbol>) {
    let universe = Universe::generate(UniverseConfig { seed: SEED, krx_symbols: 10, us_symbols: US_SYMBOLS }).unwrap();
    let us: Vec<(Symbol, Price)> =
        universe.specs().iter().filter(|s| s.symbol.market() == Market::Us).map(|s| (s.symbol, s.prev_close)).collect();
    assert_eq!(us.len(), US_SYMBOLS);
    let mut events = Vec::new();
    let mut cum = vec![0u64; us.len()];
    for i in 0..PRINTS {
        for (k, (symbol, base)) in us.iter().enumerate() {
            // Symbols print half a period apart, on whole seconds (HDFSCNT0 carries seconds), so one symbol's
            // order has filled before the other's next print is judged.
            let offset = i64::try_from(k).unwrap() * PRINT_EVERY / 2;
            let ts = start + TimeDelta::seconds(LEAD_SECS + i * PRINT_EVERY + offset);
            let price = path(*base, i, k as f64 * 1.3);
            let qty = 100 + u64::try_from((i * 37 + i64::try_from(k).unwrap() * 11) % 400).unwrap();
            cum[k] += qty;
            let aggressor = if i % 2 == 0 { Side::Buy } else { Side::Sell };
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
            events.push(MarketEvent::Book(locked_book(*symbol, ts, price)));
        }
    }
    let mut w = RecordingWriter::new(std::io::BufWriter::new(std::fs::File::create(file).unwrap())).unwrap();
    for e in &events {
        w.write(e).unwrap();
    }
    w.flush().unwrap();
    (events, us.into_iter().map(|(s, _)| s).collect())
}

/// A book locked at `price` on both sides with more depth than any order here: a marketable limit of either
/// side fills whole at `price`.
fn locked_book(symbol: Symbol, ts: DateTime<Utc>, price: Price) -> Book {
    let empty = Level { price: Price::ZERO, qty: Qty::new(0) };
    let mut asks = [empty; 10];
    let mut bids = [empty; 10];
    asks[0] = Level { price, qty: Qty::new(10_000_000) };
    bids[0] = Level { price, qty: Qty::new(10_000_000) };
    Book { symbol, ts, asks, bids, depth: 1 }
}

#[actix_rt::test]
async fn the_backtester_and_the_daemon_on_the_replayed_market_trade_the_same_to_the_cent() {
    let keys = Keys::new("parityus");
    let dir = TempDir::new("parityus");
    let file = dir.0.join("us-day.rec");
    let start = t(NYSE_OPEN);
    let (events, tickers) = write_recording(&file, start);
    let strategy = StrategyConfig::UsRsiMacd(bot(&tickers));

    // The backtester over the recording.
    let mut bt_config = BacktestConfig::new(Market::Us);
    bt_config.initial_cash = dec!(100000);
    let mut backtest = Backtest::new(&bt_config, vec![strategy.clone()]).unwrap();
    for e in &events {
        backtest.on_event(e).unwrap();
    }
    let result = backtest.finish();
    let expected: Vec<Execution> = result.strategies.iter().flat_map(|s| s.executions.iter().cloned()).collect();
    assert!(
        expected.iter().filter(|e| e.side == Side::Buy).count() >= 3
            && expected.iter().filter(|e| e.side == Side::Sell).count() >= 3,
        "the recording makes the bot trade: {expected:#?}"
    );

    // The daemon on the simulator's replay of the same recording.
    let seen = actix_rt::time::timeout(Duration::from_secs(100), async {
        let sim = start_sim_at(&keys, |c| {
            c.env = Environment::Real;
            c.start = Some(start);
            c.speed = 60;
            c.seed = SEED;
            c.symbols = 10;
            c.us_symbols = US_SYMBOLS;
            c.replay_file = Some(file.clone());
            c.starting_cash_usd = dec!(100000);
        })
        .await;
        let mut config = test_config();
        config.strategies = vec![strategy.clone()];
        let mut setup = setup(&sim, &keys, &dir.0, buy_once(&Default::default()), config);
        setup.strategy = None;
        setup.endpoints = Endpoints::custom(Environment::Real, &sim.rest_url(), &sim.ws_url());
        let daemon = Daemon::start(setup).unwrap();
        let end = events.last().map(MarketEvent::ts).unwrap() + TimeDelta::seconds(30);
        wait_for("the replay played out", Duration::from_secs(80), || async { daemon.clock.now() >= end }).await;
        wait_for("no order in flight", Duration::from_secs(20), || async {
            daemon.open_orders().await.is_empty() && daemon.risk_status().await.is_some_and(|r| r.working == 0)
        })
        .await;
        let risk = daemon.risk_status().await.unwrap();
        let orders = sim_orders(&sim);
        let broker_usd = kis_sim::exchange::lock(sim.state()).accounts[0].engine.cash(Currency::Usd).total;
        daemon.shutdown(true).await;
        sim.stop().await.unwrap();
        (orders, broker_usd, risk)
    })
    .await
    .expect("the daemon's replay run timed out");
    let (orders, broker_usd, risk) = seen;

    // Order by order: the simulator's executions are the backtester's.
    let mut placed: Vec<_> = orders.iter().filter(|o| o.filled > Qty::ZERO).collect();
    placed.sort_by_key(|o| (o.created, o.seq));
    let actual: Vec<(Symbol, Side, Qty, Decimal, Decimal)> = placed
        .iter()
        .map(|o| (o.symbol, o.side, o.filled, o.filled_notional / o.filled.as_decimal(), o.fees))
        .collect();
    let wanted: Vec<(Symbol, Side, Qty, Decimal, Decimal)> =
        expected.iter().map(|e| (e.symbol, e.side, e.qty, e.price.value(), e.fees)).collect();
    assert_eq!(actual, wanted, "the daemon's executions are the backtester's");
    assert!(orders.iter().all(|o| o.filled > Qty::ZERO), "no order went unfilled: {orders:#?}");

    // Cash and realised P&L to the cent.
    let bt = &result.strategies[0];
    let bt_cash = bt_config.initial_cash
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
    assert_eq!(broker_usd, bt_cash, "the broker's dollars after the daemon's day are the backtest's");
    let us = risk.accounts.iter().find(|a| a.market == Market::Us).unwrap();
    assert_eq!(us.cash.amount, broker_usd, "the daemon's desk agrees with its broker");
    let bt_pnl: Decimal = expected.iter().map(|e| e.realised_pnl).sum();
    assert!(!bt_pnl.is_zero() && !bt.trades.is_empty(), "the day realised something: {bt_pnl}");
    assert_eq!(us.day.realised_pnl, bt_pnl, "realised P&L: daemon {} vs backtest {bt_pnl}", us.day.realised_pnl);
    assert_no_secret_logged(&keys.secrets());
}

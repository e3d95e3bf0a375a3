//! The backtester against the independent pandas computation of `rsi-reversal`
//! (`tools/check_rsi_reversal.py`, whose outputs are committed next to the bars): identical trades and pnl
//! to the cent, with the shipped US fees and without fees.

use std::str::FromStr;

use kis_backtest::report::{local_ts, write_trades_csv};
use kis_backtest::{BacktestConfig, BacktestResult, BarCsvReader, RunTable, StrategyName, run};
use kis_model::{FeeModel, MarketEvent, Symbol};
use kis_strategy::StrategyConfig;
use kis_strategy::rsi_reversal::RsiReversalConfig;
use rust_decimal::Decimal;

const BARS: &str = include_str!("data/rsi_bars.csv");
const EXPECTED_FEES: &str = include_str!("data/rsi_expected_fees.csv");
const EXPECTED_NO_FEES: &str = include_str!("data/rsi_expected_nofees.csv");

fn symbol() -> Symbol {
    Symbol::parse("NASDAQ:TEST").unwrap()
}

fn backtest(fees: FeeModel) -> BacktestResult {
    let mut config = BacktestConfig::new(symbol().market());
    config.symbol = Some(symbol());
    config.fees = fees;
    let events: Vec<MarketEvent> =
        BarCsvReader::new(BARS.as_bytes(), symbol(), config.market.tz()).map(Result::unwrap).collect();
    run(&config, vec![StrategyConfig::RsiReversal(RsiReversalConfig::default())], &events).unwrap()
}

fn check(result: &BacktestResult, expected: &str) {
    let mut lines = expected.lines();
    assert_eq!(lines.next(), Some("entry_ts,entry_price,exit_ts,exit_price,qty,reason,pnl"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.len() >= 10, "the reference series should hold several trades");
    assert_eq!(result.trades.len(), rows.len());
    let tz = result.tz;
    for (t, row) in result.trades.iter().zip(&rows) {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(local_ts(t.entry_ts, tz), row[0]);
        assert_eq!(t.entry_price, d(row[1]));
        assert_eq!(local_ts(t.exit_ts, tz), row[2]);
        assert_eq!(t.exit_price.value(), d(row[3]));
        assert_eq!(t.qty.to_string(), row[4]);
        assert_eq!(kis_backtest::trade::reason_label(t.reason), row[5]);
        assert_eq!(t.pnl, d(row[6]), "pnl of the trade entered at {}", row[0]);
    }
    let total: Decimal = rows.iter().map(|r| Decimal::from_str(r[6]).unwrap()).sum();
    assert_eq!(result.summary.total_pnl, total);
    // The whole file, byte for byte.
    let mut out = Vec::new();
    write_trades_csv(&result.trades, tz, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

#[test]
fn trades_match_the_independent_check_with_fees() {
    let result = backtest(FeeModel::shipped());
    check(&result, EXPECTED_FEES);
    // Every reason of the strategy occurs in the reference.
    for reason in ["take_profit", "stop_loss", "time_exit"] {
        assert!(EXPECTED_FEES.contains(reason), "{reason} missing from the reference series");
    }
    // No open position at the end: equity = cash = start + total pnl.
    assert_eq!(result.summary.final_equity, result.summary.initial_equity + result.summary.total_pnl);
}

#[test]
fn trades_match_the_independent_check_without_fees() {
    let fees = FeeModel::shipped().with_overrides(Some(Decimal::ZERO), Some(Decimal::ZERO)).unwrap();
    let result = backtest(fees);
    check(&result, EXPECTED_NO_FEES);
    assert_eq!(result.summary.fees_paid, Decimal::ZERO);
}

#[test]
fn the_config_file_path_gives_the_same_run() {
    let file =
        RunTable::parse("symbol = \"NASDAQ:TEST\"\ncommission_rate = \"0\"\nsell_tax_rate = \"0\"\n[rsi-reversal]\n")
            .unwrap()
            .typed()
            .unwrap();
    let config = file.backtest_config(symbol().market()).unwrap();
    let strategy = file.strategy(StrategyName::RsiReversal).unwrap();
    let events: Vec<MarketEvent> =
        BarCsvReader::new(BARS.as_bytes(), symbol(), config.market.tz()).map(Result::unwrap).collect();
    check(&run(&config, vec![strategy], &events).unwrap(), EXPECTED_NO_FEES);
}

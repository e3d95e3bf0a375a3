//! Fills, fees, equity and attribution on a hand-built KRX series whose one trade is computed by hand.
//!
//! Series (one-minute bars from 09:00 KST, tick 100 won): closes 70,000 falling 100 a bar to 68,400 (bars
//! 0–16), then 69,400 (bar 17: RSI jumps from 0 to 1,000 / (1,000 + 1,300) = 43 > 30 → entry), 69,500,
//! 69,600, 70,300 (bar 20: ≥ 69,400 × 1.012 = 70,232.8 → take-profit), 70,300. Each bar opens 100 above the
//! previous close.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use kis_backtest::report::{render_html, summary_json, write_trades_csv};
use kis_backtest::{BacktestConfig, BacktestResult, FillModel, run};
use kis_model::{Bar, FeeModel, KrxBoard, Market, MarketEvent, Price, Symbol};
use kis_strategy::StrategyConfig;
use kis_strategy::rsi_reversal::RsiReversalConfig;
use kis_strategy::{ExitReason, StrategyId};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn samsung() -> Symbol {
    Symbol::parse("005930").unwrap()
}

fn closes() -> Vec<u64> {
    let mut c: Vec<u64> = (0..17).map(|k| 70_000 - 100 * k).collect();
    c.extend([69_400, 69_500, 69_600, 70_300, 70_300]);
    c
}

fn bars(year: i32) -> Vec<MarketEvent> {
    let start = chrono_tz::Asia::Seoul
        .from_local_datetime(&NaiveDate::from_ymd_opt(year, 3, 4).unwrap().and_hms_opt(9, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let c = closes();
    c.iter()
        .enumerate()
        .map(|(i, &close)| {
            let open = if i == 0 { close } else { c[i - 1] + 100 };
            MarketEvent::Bar(Bar {
                symbol: samsung(),
                ts: start + Duration::minutes(i as i64),
                open: Price::from_won(open),
                high: Price::from_won(open.max(close)),
                low: Price::from_won(open.min(close)),
                close: Price::from_won(close),
                volume: 1_000,
            })
        })
        .collect()
}

fn bar_ts(events: &[MarketEvent], i: usize) -> DateTime<Utc> {
    events[i].ts()
}

fn config(fill: FillModel, slippage_ticks: u32) -> BacktestConfig {
    let mut c = BacktestConfig::new(Market::Krx);
    c.fill = fill;
    c.slippage_ticks = slippage_ticks;
    c
}

fn rsi(id: &str, take_profit_pct: Decimal) -> StrategyConfig {
    StrategyConfig::RsiReversal(RsiReversalConfig { id: id.to_string(), take_profit_pct, ..Default::default() })
}

fn one(config: &BacktestConfig, events: &[MarketEvent]) -> BacktestResult {
    run(config, vec![rsi("rsi", dec!(1.2))], events).unwrap()
}

#[test]
fn close_fills_at_the_signalling_bar_and_books_2025_fees_exactly() {
    let events = bars(2025);
    let r = one(&config(FillModel::Close, 0), &events);
    let [t] = r.trades.as_slice() else { panic!("{:?}", r.trades) };
    assert_eq!((t.entry_ts, t.exit_ts), (bar_ts(&events, 17), bar_ts(&events, 20)));
    assert_eq!((t.entry_price, t.exit_price), (dec!(69400), Price::from_won(70_300)));
    assert_eq!(t.reason, ExitReason::TakeProfit);
    // Commissions cut to the won: 69,400 × 0.015 % = 10.41 → 10; 70,300 × 0.015 % = 10.545 → 10.
    // 2025 KOSPI sell tax 0.15 %: 105.45 → 105. pnl = 900 − 10 − 10 − 105.
    assert_eq!(t.pnl, dec!(775));
    assert_eq!(t.fees, dec!(125));
    let s = &r.summary;
    assert_eq!((s.initial_equity, s.final_equity), (dec!(10000000), dec!(10000775)));
    // Marked at every bar close: after the buy, cash 9,930,590 + one share at 69,400 = 9,999,990, 10 won below
    // the starting peak; then only up.
    assert_eq!(r.total_equity[17], dec!(9999990));
    assert_eq!(r.total_equity[19], dec!(10000190));
    assert_eq!(s.max_drawdown, dec!(10));
    assert_eq!(r.total_equity.len(), events.len());
}

#[test]
fn the_2026_sell_tax_applies_to_2026_trades() {
    let r = one(&config(FillModel::Close, 0), &bars(2026));
    // 0.20 % from 2026: 70,300 × 0.002 = 140.6 → 140.
    assert_eq!(r.trades[0].pnl, dec!(900) - dec!(10) - dec!(10) - dec!(140));
    let mut kosdaq = config(FillModel::Close, 0);
    kosdaq.board = KrxBoard::Konex;
    let r = one(&kosdaq, &bars(2026));
    // KONEX 0.10 %: 70.3 → 70.
    assert_eq!(r.trades[0].pnl, dec!(900) - dec!(10) - dec!(10) - dec!(70));
    // Flat overrides replace the table: 0.1 % commission, no minimum, 0.3 % tax.
    let mut flat = config(FillModel::Close, 0);
    flat.fees = FeeModel::shipped().with_overrides(Some(dec!(0.001)), Some(dec!(0.003))).unwrap();
    let r = one(&flat, &bars(2026));
    // 69.4 → 69, 70.3 → 70, 210.9 → 210.
    assert_eq!(r.trades[0].pnl, dec!(900) - dec!(69) - dec!(70) - dec!(210));
}

#[test]
fn next_fills_at_the_following_bar_open() {
    let events = bars(2025);
    let r = one(&config(FillModel::Next, 0), &events);
    let [t] = r.trades.as_slice() else { panic!("{:?}", r.trades) };
    // Entry signalled at bar 17, filled at bar 18's open (69,400 + 100); exit signalled at bar 20, filled at
    // bar 21's open (70,300 + 100).
    assert_eq!((t.entry_ts, t.exit_ts), (bar_ts(&events, 18), bar_ts(&events, 21)));
    assert_eq!((t.entry_price, t.exit_price), (dec!(69500), Price::from_won(70_400)));
    // 10.425 → 10, 10.56 → 10, 105.6 → 105.
    assert_eq!(t.pnl, dec!(900) - dec!(10) - dec!(10) - dec!(105));
    // An order signalled on the last bar has no next bar: it is dropped and counted.
    let cut = &events[..=17];
    let r = one(&config(FillModel::Next, 0), cut);
    assert!(r.trades.is_empty());
    assert_eq!(r.strategies[0].stats.unfilled_at_end, 1);
    assert_eq!(r.summary.final_equity, dec!(10000000));
}

#[test]
fn slippage_moves_fills_along_the_tick_grid_against_us() {
    let r = one(&config(FillModel::Close, 2), &bars(2025));
    let t = &r.trades[0];
    // Buy two 100-won ticks above 69,400; sell two below 70,300.
    assert_eq!((t.entry_price, t.exit_price), (dec!(69600), Price::from_won(70_100)));
    // 10.44 → 10, 10.515 → 10, 105.15 → 105.
    assert_eq!(t.pnl, dec!(500) - dec!(10) - dec!(10) - dec!(105));
    // Around a band edge the grid changes: a series near 50,000 won slips from 49,950 (tick 50) to 50,100.
    let shifted: Vec<MarketEvent> = bars(2025)
        .into_iter()
        .map(|e| match e {
            MarketEvent::Bar(mut b) => {
                let shift = |p: Price| Price::from_won(p.value().try_into().map(|w: u64| w - 19_450).unwrap());
                b = Bar { open: shift(b.open), high: shift(b.high), low: shift(b.low), close: shift(b.close), ..b };
                MarketEvent::Bar(b)
            }
            other => other,
        })
        .collect();
    let r = one(&config(FillModel::Close, 2), &shifted);
    // Entry close 69,400 − 19,450 = 49,950: +50 → 50,000, +100 → 50,100.
    assert_eq!(r.trades[0].entry_price, dec!(50100));
}

#[test]
fn several_strategies_keep_their_own_accounts_and_pnl() {
    let events = bars(2025);
    // "fast" takes profit at +1.2 % (bar 20); "slow" waits for +5 % and leaves at the time exit, bar 32, which
    // this series does not reach: it ends holding.
    let strategies = vec![rsi("fast", dec!(1.2)), rsi("slow", dec!(5))];
    let r = run(&config(FillModel::Close, 0), strategies, &events).unwrap();
    assert_eq!(r.strategies.len(), 2);
    let (fast, slow) = (&r.strategies[0], &r.strategies[1]);
    assert_eq!((fast.id.as_str(), slow.id.as_str()), ("fast", "slow"));
    assert_eq!(fast.trades.len(), 1);
    assert_eq!(fast.trades[0].strategy_id, StrategyId::new("fast"));
    assert!(slow.trades.is_empty());
    assert_eq!(fast.summary.total_pnl, dec!(775));
    // Slow holds one share bought at 69,400 (commission 10), marked at 70,300.
    assert_eq!(slow.summary.unrealised_pnl, dec!(70300) - dec!(69400) - dec!(10));
    assert_eq!(slow.summary.final_equity, dec!(10000000) + dec!(890));
    assert_eq!(slow.open.len(), 1);
    // The total is the sum of the accounts.
    let s = &r.summary;
    assert_eq!(s.initial_equity, dec!(20000000));
    assert_eq!(s.final_equity, fast.summary.final_equity + slow.summary.final_equity);
    assert_eq!((s.trades, s.total_pnl, s.unrealised_pnl), (1, dec!(775), dec!(890)));
    for (i, total) in r.total_equity.iter().enumerate() {
        assert_eq!(*total, r.curve.series[0][i] + r.curve.series[1][i]);
    }
    // Two strategies with one id could not be told apart.
    let err = run(&config(FillModel::Close, 0), vec![rsi("x", dec!(1)), rsi("x", dec!(2))], &events).err().unwrap();
    assert_eq!(
        err.to_string(),
        "two strategies are both named \"x\": give each an `id` so their PnL can be told apart"
    );
}

#[test]
fn outputs_are_byte_identical_across_runs() {
    let events = bars(2025);
    let render = || {
        let r = run(&config(FillModel::Next, 1), vec![rsi("a", dec!(1.2)), rsi("b", dec!(0.5))], &events).unwrap();
        let mut csv = Vec::new();
        write_trades_csv(&r.trades, r.tz, &mut csv).unwrap();
        (csv, summary_json(&r).unwrap(), render_html(&r))
    };
    let first = render();
    assert_eq!(first, render());
    assert!(first.1.contains("\"max_drawdown\": \""), "money is a string: {}", first.1);
    assert!(first.2.contains("<svg") && first.2.contains("<polyline"));
}

#[test]
fn refusals_and_bad_input_are_reported() {
    let events = bars(2025);
    // Not enough cash for one share: the risk rules refuse, nothing trades, the refusal is counted.
    let mut poor = config(FillModel::Close, 0);
    poor.initial_cash = dec!(50000);
    let r = one(&poor, &events);
    assert!(r.trades.is_empty());
    assert_eq!(r.strategies[0].stats.refused.get("position_cap"), Some(&1));
    // Out-of-order bars stop the run.
    let mut swapped = events.clone();
    swapped.swap(3, 4);
    let err = run(&config(FillModel::Close, 0), vec![rsi("rsi", dec!(1.2))], &swapped).err().unwrap();
    assert!(err.to_string().contains("input must be in time order"), "{err}");
    // A KRX price that is not whole won cannot be traded.
    let mut odd = events;
    if let Some(MarketEvent::Bar(b)) = odd.first_mut() {
        b.open = "70000.5".parse().unwrap();
        b.high = "70000.5".parse().unwrap();
    }
    let err = run(&config(FillModel::Close, 0), vec![rsi("rsi", dec!(1.2))], &odd).err().unwrap();
    assert!(err.to_string().contains("70000.5 is not a whole number of won"), "{err}");
}

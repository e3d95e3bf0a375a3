//! `kis-trader backtest` and `kis-trader optimize` end to end, on the committed rsi-reversal series.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_kis-trader");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/kis-backtest/tests/data");

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("kis-cli-backtest-{}-{tag}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn bars() -> String {
    format!("{DATA}/rsi_bars.csv")
}

fn kis(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn backtest(out: &Path, extra: &[&str]) -> Output {
    let bars = bars();
    let mut args = vec!["backtest", "--data", &bars, "--strategy", "rsi-reversal", "--symbol", "NASDAQ:TEST"];
    let out = out.to_str().unwrap();
    args.extend(["--out", out]);
    args.extend(extra);
    kis(&args)
}

#[test]
fn backtest_writes_the_checked_trades_summary_and_report() {
    let dir = TempDir::new("run");
    let out = dir.path("out");
    let o = backtest(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = fs::read_to_string(format!("{DATA}/rsi_expected_fees.csv")).unwrap();
    assert_eq!(fs::read_to_string(out.join("trades.csv")).unwrap(), expected);
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let total: rust_decimal::Decimal =
        expected.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse::<rust_decimal::Decimal>().unwrap()).sum();
    assert_eq!(summary["total_pnl"], serde_json::Value::String(total.to_string()));
    assert_eq!(summary["trades"], 19);
    for key in ["win_rate", "profit_factor", "max_drawdown", "avg_win", "avg_loss", "payoff_ratio", "sharpe", "returns"]
    {
        assert!(summary.get(key).is_some(), "{key} missing");
    }
    assert_eq!(summary["returns"]["daily"].as_array().map(Vec::len), Some(3));
    assert_eq!(summary["strategies"][0]["id"], "rsi-reversal");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && html.contains("Drawdown"));
    // Self-contained: no script, no stylesheet or image fetched from anywhere.
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("trades 19"), "{stdout}");
}

#[test]
fn flags_and_config_file_agree_and_runs_repeat_byte_for_byte() {
    let dir = TempDir::new("config");
    let config = dir.path("run.toml");
    fs::write(&config, "commission_rate = \"0\"\nsell_tax_rate = \"0\"\n[rsi-reversal]\nmax_bars = 15\n").unwrap();
    let a = dir.path("a");
    let b = dir.path("b");
    let o = backtest(&a, &["--config", config.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = backtest(&b, &["--commission-rate", "0", "--sell-tax-rate", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = fs::read_to_string(format!("{DATA}/rsi_expected_nofees.csv")).unwrap();
    for name in ["trades.csv", "summary.json", "report.html"] {
        assert_eq!(fs::read(a.join(name)).unwrap(), fs::read(b.join(name)).unwrap(), "{name} differs");
    }
    assert_eq!(fs::read_to_string(a.join("trades.csv")).unwrap(), expected);
    // Next-bar fills with slippage change the trades.
    let c = dir.path("c");
    let o = backtest(&c, &["--fill", "next", "--slippage-ticks", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(fs::read_to_string(c.join("trades.csv")).unwrap(), fs::read_to_string(a.join("trades.csv")).unwrap());
}

#[test]
fn two_strategies_write_one_list_each() {
    let dir = TempDir::new("multi");
    let config = dir.path("run.toml");
    fs::write(&config, "[us-rsi-macd]\nid = \"macd\"\ninput_bar_interval = \"1m\"\nrsi_interval = \"5m\"\n").unwrap();
    let out = dir.path("out");
    let bars = bars();
    let o = kis(&[
        "backtest",
        "--data",
        &bars,
        "--strategy",
        "rsi-reversal,us-rsi-macd",
        "--symbol",
        "NASDAQ:TEST",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("trades-rsi-reversal.csv").exists() && out.join("trades-macd.csv").exists());
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["strategies"][1]["id"], "macd");
    assert_eq!(summary["initial_equity"], "200000");
}

#[test]
fn bad_input_and_settings_are_named() {
    let dir = TempDir::new("errors");
    let out = dir.path("out");
    let out_s = out.to_str().unwrap();
    let bad = dir.path("bad.csv");
    fs::write(&bad, "ts,open,high,low,close,volume\n2025-03-03T09:30,1,1,1,1,1\n2025-03-03T09:31,1,1,1,abc,1\n")
        .unwrap();
    let bad_s = bad.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--data", bad_s, "--strategy", "rsi-reversal", "--symbol", "NASDAQ:TEST"],
            "line 3: column `close`: `abc` is not a price",
        ),
        (vec!["--data", bad_s, "--strategy", "macd", "--symbol", "NASDAQ:TEST"], "unknown strategy \"macd\""),
        (vec!["--data", bad_s, "--strategy", "rsi-reversal"], "has no symbol column: give --symbol"),
        (
            vec!["--data", "/nonexistent/bars.csv", "--strategy", "rsi-reversal", "--symbol", "005930"],
            "cannot open /nonexistent/bars.csv",
        ),
        (
            vec!["--data", bad_s, "--strategy", "krx-scalping", "--symbol", "NASDAQ:TEST"],
            "strategy krx-scalping: strategy krx_scalping trades KRX symbols",
        ),
        (
            vec!["--data", bad_s, "--strategy", "rsi-reversal", "--symbol", "NASDAQ:TEST", "--fill", "later"],
            "unknown variant `later`",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["backtest", "--out", out_s];
        all.extend(args);
        let o = kis(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}");
        assert!(stderr(&o).contains(message), "{all:?}: {}", stderr(&o));
    }
    let config = dir.path("typo.toml");
    fs::write(&config, "[rsi-reversal]\ntake_proft_pct = 2\n").unwrap();
    let o = backtest(&out, &["--config", config.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown field `take_proft_pct`"), "{}", stderr(&o));
}

#[test]
fn optimize_ranks_the_grid_the_same_with_any_number_of_threads() {
    let dir = TempDir::new("optimize");
    let bars = bars();
    let run = |jobs: &str, out: &Path| {
        kis(&[
            "optimize",
            "--data",
            &bars,
            "--strategy",
            "rsi-reversal",
            "--symbol",
            "NASDAQ:TEST",
            "--grid",
            "take_profit_pct=0.8,1.2,2;max_bars=10,15",
            "--jobs",
            jobs,
            "--rank-by",
            "total_pnl",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let (one, two) = (dir.path("one"), dir.path("two"));
    let o = run("1", &one);
    assert!(o.status.success(), "{}", stderr(&o));
    let o2 = run("2", &two);
    assert!(o2.status.success(), "{}", stderr(&o2));
    let csv = fs::read_to_string(one.join("optimize.csv")).unwrap();
    assert_eq!(csv, fs::read_to_string(two.join("optimize.csv")).unwrap());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "rank,take_profit_pct,max_bars,trades,win_rate,total_pnl,profit_factor,sharpe,max_drawdown,fees_paid"
    );
    assert_eq!(lines.len(), 7);
    // Ranked by total pnl, best first; the default parameters (1.2, 15) reproduce the checked run's total.
    let pnl = |l: &str| l.split(',').nth(5).unwrap().parse::<rust_decimal::Decimal>().unwrap();
    assert!(lines[1..].windows(2).all(|w| pnl(w[0]) >= pnl(w[1])));
    let default = lines.iter().find(|l| l.contains(",1.2,15,")).unwrap();
    assert_eq!(pnl(default), "-7.84".parse().unwrap());
    assert!(String::from_utf8_lossy(&o.stdout).contains("6 combinations of rsi-reversal"));
    // A parameter the strategy does not have fails before anything runs.
    let o = kis(&[
        "optimize",
        "--data",
        &bars,
        "--strategy",
        "rsi-reversal",
        "--symbol",
        "NASDAQ:TEST",
        "--grid",
        "stop_pct=1,2",
        "--out",
        dir.path("bad").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("grid combination stop_pct=1") && stderr(&o).contains("unknown field `stop_pct`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn recordings_replay_their_ticks() {
    let dir = TempDir::new("recording");
    let rec = dir.path("day.rec");
    let mut text = String::from("#kis-recording v1\n# one symbol, a print a second from 09:00 KST\n");
    for i in 0..300u64 {
        let price = 70_000 + 100 * (i % 7);
        text.push_str(&format!(
            "T,2026-03-03T00:{:02}:{:02}Z,005930,{price},{},B,{},{price},{i}\n",
            i / 60,
            i % 60,
            1 + i % 5,
            price - 100
        ));
    }
    text.push_str("M,2026-03-03T00:00:00Z,005930,60,70000,70600,70000,70300,100\n");
    fs::write(&rec, text).unwrap();
    let out = dir.path("out");
    let o = kis(&[
        "backtest",
        "--data",
        rec.to_str().unwrap(),
        "--strategy",
        "krx-scalping",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // 300 trades; the bar record is skipped in tick mode. Marks: one per minute (5).
    assert_eq!(summary["events"], 300);
    assert_eq!(summary["returns"]["daily"][0]["period"], "2026-03-03");
    assert_eq!(summary["currency"], "KRW");
    let o = kis(&[
        "backtest",
        "--data",
        rec.to_str().unwrap(),
        "--strategy",
        "krx-scalping",
        "--events",
        "bars",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["events"], 1);
    // A damaged line stops the run with its number.
    fs::write(&rec, "#kis-recording v1\nT,2026-03-03T00:00:00Z,005930,x,1,B,,,0\n").unwrap();
    let o = kis(&[
        "backtest",
        "--data",
        rec.to_str().unwrap(),
        "--strategy",
        "krx-scalping",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 2: bad price"), "{}", stderr(&o));
}

//! `kis-trader indicators` end to end: the built binary against the committed TA-Lib vectors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const BARS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/kis-indicators/tests/data/bars.csv");
const TALIB: &str = include_str!("../crates/kis-indicators/tests/data/talib.csv");

fn run_with_stdin(input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kis-trader"))
        .args(["indicators", "--input", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kis-trader");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait for kis-trader")
}

/// TA-Lib's value for (bar index, column), NaN as None.
fn talib(index: usize, column: &str) -> Option<f64> {
    let mut lines = TALIB.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header.iter().position(|h| *h == column).expect("column");
    let line = lines.nth(index).expect("row");
    let v: f64 = line.split(',').nth(col).expect("cell").parse().expect("number");
    (!v.is_nan()).then_some(v)
}

fn close_enough(got: f64, want: f64) -> bool {
    let err = (got - want).abs();
    err <= 1e-12 || err <= 1e-9 * want.abs()
}

#[test]
fn whole_file_matches_talib_on_every_cell() {
    let out = Command::new(env!("CARGO_BIN_EXE_kis-trader"))
        .args(["indicators", "--input", BARS])
        .output()
        .expect("run kis-trader");
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let mut lines = stdout.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(
        header,
        [
            "ts",
            "sma20",
            "ema20",
            "rsi14",
            "macd",
            "macd_signal",
            "macd_hist",
            "bb_upper",
            "bb_mid",
            "bb_lower",
            "atr14",
            "vwap"
        ]
    );
    let bars = std::fs::read_to_string(BARS).expect("bars.csv");
    let input_ts: Vec<&str> = bars.lines().skip(1).map(|l| l.split(',').next().unwrap_or_default()).collect();
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 600);
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[0], input_ts[i], "ts passes through");
        for (cell, column) in cells[1..].iter().zip(&header[1..]) {
            match talib(i, column) {
                None => assert_eq!(*cell, "", "row {i} {column}: warm-up cell must be empty"),
                Some(want) => {
                    let got: f64 = cell.parse().expect("numeric cell");
                    assert!(close_enough(got, want), "row {i} {column}: {got} vs TA-Lib {want}");
                }
            }
        }
    }
}

#[test]
fn small_input_on_stdin_shows_the_warm_up() {
    let input: String = std::fs::read_to_string(BARS)
        .expect("bars.csv")
        .lines()
        .take(1 + 36)
        .map(|l| format!("{l}\r\n")) // CRLF input is accepted too
        .collect();
    let out = run_with_stdin(&input);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let rows: Vec<Vec<&str>> = stdout.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 36);
    // Column 3 is rsi14: first value at bar 14. Column 4 is macd: first value at bar 33.
    assert_eq!(rows[13][3], "");
    let rsi: f64 = rows[14][3].parse().expect("rsi14 at bar 14");
    assert!(close_enough(rsi, talib(14, "rsi14").expect("TA-Lib value")));
    assert_eq!(rows[32][4], "");
    let macd: f64 = rows[33][4].parse().expect("macd at bar 33");
    assert!(close_enough(macd, talib(33, "macd").expect("TA-Lib value")));
    let vwap: f64 = rows[0][11].parse().expect("vwap from the first bar");
    assert!(close_enough(vwap, talib(0, "vwap").expect("reference value")));
}

#[test]
fn malformed_row_stops_with_line_and_column() {
    let input = "ts,open,high,low,close,volume\n\
                 t1,10,11,9,10.5,100\n\
                 t2,10.5,11.5,10,abc,200\n\
                 t3,10,11,9,10.5,100\n";
    let out = run_with_stdin(input);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3, column `close`: `abc` is not a number"), "stderr: {stderr}");

    let out = run_with_stdin("ts,open,high,low,close,volume\nt1,10,11,9,10.5,-4\n");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2, column `volume`: volume must not be negative"), "stderr: {stderr}");

    let out = run_with_stdin("ts,open,high,low,close,volume\nt1,10,11,9\n");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 2: expected 6 fields"),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn wrong_header_is_refused() {
    let out = run_with_stdin("time,o,h,l,c,v\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: expected the header"));
}

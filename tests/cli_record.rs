//! `kis-trader record --synthetic` writes a replayable simulator day, and `backtest` reads it deterministically.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kis-trader"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kis-trader-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_recorded_synthetic_day_replays_identically() {
    let dir = temp_dir("record");
    let rec = dir.join("day.rec");
    let out = bin()
        .args(["record", "--synthetic", "--date", "2026-11-20", "--symbols", "10", "--seed", "11", "--out"])
        .arg(&rec)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("KRX session 2026-11-20 09:00–15:30 KST"), "{stderr}");
    let text = std::fs::read_to_string(&rec).unwrap();
    assert!(text.starts_with("#kis-recording v1\n"));
    let trades = text.lines().filter(|l| l.starts_with("T,")).count();
    assert!(trades > 10_000, "only {trades} trades in a day of 10 symbols");
    assert_eq!(text.lines().filter(|l| l.starts_with("B,")).count(), 0, "books are opt-in");
    // The first print is the 09:00 KST (00:00 UTC) opening auction.
    let first = text.lines().find(|l| l.starts_with("T,")).unwrap();
    assert!(first.starts_with("T,2026-11-20T00:00:00"), "{first}");

    // Same seed, same bytes.
    let again = dir.join("again.rec");
    let out = bin()
        .args(["record", "--synthetic", "--date", "2026-11-20", "--symbols", "10", "--seed", "11", "--out"])
        .arg(&again)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&again).unwrap(), text.as_bytes());

    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config/backtest-scalping.toml");
    let mut summaries = Vec::new();
    for run in ["a", "b"] {
        let out_dir = dir.join(run);
        let out = bin()
            .args(["backtest", "--strategy", "krx-scalping", "--config", config, "--data"])
            .arg(&rec)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        summaries.push(std::fs::read_to_string(out_dir.join("summary.json")).unwrap());
    }
    assert_eq!(summaries[0], summaries[1]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn record_refuses_bad_requests() {
    let dir = temp_dir("record-bad");
    let rec = dir.join("x.rec");
    let out = bin().args(["record", "--synthetic", "--date", "2026-11-21", "--out"]).arg(&rec).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2026-11-21 is not a KRX trading day"));
    let out = bin().args(["record", "--out"]).arg(&rec).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("choose a source"));
    let out = bin()
        .args(["record", "--rest-url", "http://127.0.0.1:9", "--ws-url", "ws://127.0.0.1:9", "--out"])
        .arg(&rec)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--codes must list 1 to 41 symbols"));
    let out = bin().args(["record", "--synthetic", "--symbols", "0", "--out"]).arg(&rec).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--symbols must be between 10 and 5000"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Live recording over the real client (kis-client: REST approval key, WebSocket subscribe, PINGPONG) from
/// the simulator running as its own process on loopback.
#[test]
fn records_a_live_feed_from_the_simulator() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    // A virtual day that is not today: books carry only a time, and must be dated by the venue's clock.
    let dir = temp_dir("record-live");
    let sim_config = dir.join("sim.toml");
    std::fs::write(&sim_config, "start = \"2026-03-03T00:00:00Z\"\n").unwrap();
    let mut sim = bin()
        .args(["sim", "--rest-port", "0", "--ws-port", "0", "--symbols", "10", "--seed", "5", "--speed", "10"])
        .arg("--config")
        .arg(&sim_config)
        .args(["--run-secs", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(sim.stdout.take().unwrap()).lines();
    let mut url = |prefix: &str| loop {
        let line = lines.next().expect("simulator output ended").unwrap();
        if let Some(rest) = line.strip_prefix(prefix) {
            break rest.trim().to_string();
        }
    };
    let rest = url("REST");
    let ws = url("WS");

    // The simulator's universe is the seeded one: take three of its KRX codes.
    let universe =
        kis_synth::Universe::generate(kis_synth::UniverseConfig { seed: 5, krx_symbols: 10, us_symbols: 10 }).unwrap();
    let codes: Vec<String> = universe
        .specs()
        .iter()
        .filter(|s| s.symbol.market() == kis_model::Market::Krx)
        .take(3)
        .map(|s| s.symbol.code().to_string())
        .collect();

    let rec = dir.join("live.rec");
    let out = bin()
        .args([
            "record",
            "--rest-url",
            &rest,
            "--ws-url",
            &ws,
            "--codes",
            &codes.join(","),
            "--seconds",
            "3",
            "--books",
        ])
        .arg("--out")
        .arg(&rec)
        .env("KIS_APP_KEY", "test-key")
        .env("KIS_APP_SECRET", "test-secret")
        .output()
        .unwrap();
    let _ = sim.kill();
    let _ = sim.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("0 bad records skipped"), "{stderr}");

    let reader = kis_synth::RecordingReader::new(BufReader::new(std::fs::File::open(&rec).unwrap()));
    let (mut trades, mut books) = (0, 0);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
    for record in reader {
        let event = record.unwrap().event;
        assert!(codes.contains(&event.symbol().code().to_string()), "unsubscribed {}", event.symbol());
        assert_eq!(kis_model::kst::kst_date(event.ts()), day, "{event:?} is not dated on the simulator's day");
        match event {
            kis_model::MarketEvent::Trade(trade) => {
                assert!(!trade.price.is_zero() && !trade.qty.is_zero());
                trades += 1;
            }
            kis_model::MarketEvent::Book(book) => {
                assert!(book.best_bid().is_some() && book.best_ask().is_some(), "{book:?}");
                books += 1;
            }
            other => panic!("neither a trade nor a book: {other:?}"),
        }
    }
    assert!(books > 10, "only {books} books recorded in 3 s at 10×");
    assert!(stderr.contains("books dated by the simulator's clock"), "{stderr}");
    assert!(trades > 10, "only {trades} trades recorded in 3 s at 10×");
    // Secrets stay out of the output.
    assert!(!stderr.contains("test-secret") && !stderr.contains("test-key"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

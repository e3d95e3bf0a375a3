//! Runs the built `kis-trader calendar` subcommand and checks its CSV and its errors.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kis-trader")).arg("calendar").args(args).output().expect("kis-trader runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8 stderr")
}

#[test]
fn krx_csat_week() {
    let out = run(&["--market", "krx", "--from", "2026-11-16", "--to", "2026-11-22"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "date,open,close\n\
         2026-11-16,09:00,15:30\n\
         2026-11-17,09:00,15:30\n\
         2026-11-18,09:00,15:30\n\
         2026-11-19,10:00,16:30\n\
         2026-11-20,09:00,15:30\n"
    );
}

#[test]
fn nyse_thanksgiving_week_is_case_insensitive() {
    let out = run(&["--market", "NYSE", "--from", "2026-11-25", "--to", "2026-11-30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "date,open,close\n2026-11-25,09:30,16:00\n2026-11-27,09:30,13:00\n2026-11-30,09:30,16:00\n"
    );
}

#[test]
fn a_single_holiday_gives_only_the_header() {
    let out = run(&["--market", "krx", "--from", "2026-12-31", "--to", "2026-12-31"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "date,open,close\n");
}

#[test]
fn a_full_year_has_one_row_per_session() {
    let out = run(&["--market", "krx", "--from", "2026-01-01", "--to", "2026-12-31"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let rows: Vec<&str> = text.lines().skip(1).collect();
    // 261 weekdays in 2026 minus 17 weekday holidays.
    assert_eq!(rows.len(), 244);
    assert_eq!(rows.first(), Some(&"2026-01-02,10:00,15:30"));
    assert_eq!(rows.last(), Some(&"2026-12-30,09:00,15:30"));
}

#[test]
fn bad_market_is_rejected_by_name() {
    let out = run(&["--market", "lse", "--from", "2026-01-01", "--to", "2026-01-31"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("unknown market \"lse\": expected \"krx\" or \"nyse\""), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_dates_and_reversed_ranges_are_rejected() {
    let out = run(&["--market", "krx", "--from", "2026-13-01", "--to", "2026-12-31"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("2026-13-01") && err.contains("--from"), "{err}");

    let out = run(&["--market", "krx", "--from", "2026-12-31", "--to", "2026-01-01"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("from 2026-12-31 is after to 2026-01-01"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn years_outside_the_table_are_an_error() {
    let out = run(&["--market", "krx", "--from", "2027-12-01", "--to", "2028-01-31"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("KRX calendar covers 2024..=2027 only; 2028-01-31"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn config_loads_another_table() {
    let dir = std::env::temp_dir().join(format!("kis-cli-calendar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("krx.toml");
    std::fs::write(
        &path,
        "market = \"krx\"\nfirst_year = 2030\nlast_year = 2030\n\
         [regular]\nopen = 09:00:00\nclose = 15:30:00\n\
         [[holidays]]\ndate = 2030-01-01\nname = \"New Year\"\n",
    )
    .unwrap();
    let out =
        run(&["--market", "krx", "--from", "2030-01-01", "--to", "2030-01-02", "--config", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "date,open,close\n2030-01-02,09:00,15:30\n");

    let missing = dir.join("absent.toml");
    let out =
        run(&["--market", "krx", "--from", "2030-01-01", "--to", "2030-01-02", "--config", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("absent.toml"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

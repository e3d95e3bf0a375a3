//! `kis-trader universe refresh` offline: the committed master-file samples (KIS's exact layout) → the table
//! file, which the daemon's loader reads back; and the errors a user can hit.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kis-trader");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/kis-protocol/tests/data");

fn out_path(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kis-cli-universe-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("nested").join("krx-universe.toml")
}

#[test]
fn refresh_from_master_files_writes_a_table_the_daemon_reads() {
    let out = out_path("ok");
    let run = Command::new(BIN)
        .args(["universe", "refresh", "--min", "0"])
        .arg("--kospi-mst")
        .arg(format!("{DATA}/kospi_code.sample.mst"))
        .arg("--kosdaq-mst")
        .arg(format!("{DATA}/kosdaq_code.sample.mst"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("wrote 6 listings"), "{stdout}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("# KRX universe, rebuilt by `kis-trader universe refresh`"), "{text}");
    let table = kis_universe::UniverseTable::from_toml(&text).unwrap();
    assert!(table.listed_shares_exact);
    assert_eq!(table.listings[0].name, "삼성전자");
    assert_eq!(table.as_of, chrono::Utc::now().date_naive());
    let _ = std::fs::remove_dir_all(out.parent().unwrap().parent().unwrap());
}

#[test]
fn a_wrong_file_is_refused_and_nothing_is_written() {
    let out = out_path("wrong");
    // The KOSDAQ file given as the KOSPI one: its lines do not fit the KOSPI layout.
    let run = Command::new(BIN)
        .args(["universe", "refresh"])
        .arg("--kospi-mst")
        .arg(format!("{DATA}/kosdaq_code.sample.mst"))
        .arg("--kosdaq-mst")
        .arg(format!("{DATA}/kosdaq_code.sample.mst"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(stderr.contains("kospi master file") && stderr.contains("is it the right file?"), "{stderr}");
    assert!(!out.exists());
    let run = Command::new(BIN)
        .args(["universe", "refresh", "--kospi-mst", "/nonexistent/kospi_code.mst", "--kosdaq-mst", "/x"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&run.stderr).contains("reading /nonexistent/kospi_code.mst"));
}

//! `kis-trader sim` starts the simulator on OS-assigned ports, prints its URLs and stops on time.

use std::process::Command;

#[test]
fn sim_prints_urls_and_stops() {
    let out = Command::new(env!("CARGO_BIN_EXE_kis-trader"))
        .args(["sim", "--rest-port", "0", "--ws-port", "0", "--symbols", "10", "--speed", "10", "--run-secs", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("REST  http://127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("WS    ws://127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("KIS simulator (paper)"), "{stdout}");
}

#[test]
fn sim_refuses_bad_flags_with_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_kis-trader")).args(["sim", "--speed", "5000"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("speed is 5000"));
    let out = Command::new(env!("CARGO_BIN_EXE_kis-trader")).args(["sim", "--env", "demo"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown environment"));
}

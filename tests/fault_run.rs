//! `kis-trader fault-run`, short form: a few seeds of faults and kill -9 against the real daemon binary. The
//! test asserts the run did what it claims (faults injected, order faults hitting orders, kills, restarts,
//! one report line per seed that parses) and that the invariants held: it fails on any violation, each
//! printed with its evidence and the command that replays its seed.
//!
//! Bounded: each seed is `SECS` of faults plus start, settle and checks (about 15 s more), under a deadline.

use std::process::Command;
use std::time::{Duration, Instant};

const SEEDS: u64 = 3;
const FIRST_SEED: u64 = 1;
const SECS: u64 = 25;
/// Whole-run deadline: each seed's schedule, its final settle (at most 30 s) and stops, on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(SEEDS * (SECS + 90));

#[test]
fn a_short_seeded_fault_run_injects_faults_and_kills_and_keeps_every_invariant() {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kis-trader"))
        .args(["fault-run", "--seeds", &SEEDS.to_string(), "--first-seed", &FIRST_SEED.to_string()])
        .args(["--secs", &SECS.to_string()])
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the fault run exceeded {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let shown = format!("status {status:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");

    let reports: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("SEED-REPORT "))
        .map(|json| serde_json::from_str(json).unwrap_or_else(|e| panic!("a report line is not JSON ({e}): {json}")))
        .collect();
    assert_eq!(reports.len() as u64, SEEDS, "one report per seed\n{shown}");
    let (mut kills, mut order_hits, mut orders, mut violations) = (0, 0, 0, Vec::new());
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r["seed"].as_u64(), Some(FIRST_SEED + i as u64), "{shown}");
        let faults: u64 = r["faults"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum();
        assert!(faults >= 5, "seed {}: only {faults} faults injected\n{shown}", r["seed"]);
        let k = r["kills"].as_u64().unwrap();
        // Every kill is one more start, besides the first and the final one.
        assert!(r["daemon_starts"].as_u64().unwrap() >= k + 2, "{shown}");
        kills += k;
        order_hits += r["order_faults_hit"].as_u64().unwrap();
        orders += r["broker_orders"].as_u64().unwrap();
        violations.extend(r["violations"].as_array().unwrap().iter().cloned());
    }
    assert!(kills >= SEEDS, "every seed kills the daemon at least once\n{shown}");
    assert!(order_hits > 0 && orders > 0, "no order fault hit an order, or no order was placed\n{shown}");
    // The invariants: no violation of any kind. Until the order router settles unknown outcomes by broker
    // evidence (issue #9), this fails, listing each violation and its seed's replay command.
    assert!(violations.is_empty() && status.success(), "{} invariant violations\n{shown}", violations.len());
    assert_eq!(status.code(), Some(0), "{shown}");
}

//! `kis-trader run`, end to end: the daemon trades against its embedded simulator with the shipped defaults,
//! stops gracefully on `--run-secs` or SIGTERM, and refuses bad or real-money configs before starting anything.
//!
//! Each daemon runs in a fresh directory of its own (its `logs/` and `state/` land there) under a hard deadline
//! that kills it; its simulator listens on OS-assigned loopback ports. The two trading runs take turns (CPU, not
//! ports, is what they would share).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the README run lasts. The default config's strategy window opens at virtual 09:10, ten real
/// seconds after the simulated open; the first round trip follows within a second or two (debug build,
/// idle machine), so this leaves room for a busy one.
const RUN_SECS: u64 = 30;
/// Start-up plus graceful shutdown on top of the run itself, generous for a loaded 2-core machine.
const SLACK: Duration = Duration::from_secs(30);
/// The SIGTERM test sends the signal after the first fill, or gives up waiting for one after this long.
const FILL_WAIT: Duration = Duration::from_secs(35);
/// The daemon must be gone this long after SIGTERM.
const TERM_GRACE: Duration = Duration::from_secs(10);

/// One trading daemon at a time: a debug-build daemon keeps most of a core busy (the feed of 300 simulated
/// symbols), and two of them on a 2-core machine leave too little for anything else.
static ONE_DAEMON: Mutex<()> = Mutex::new(());

fn one_daemon() -> MutexGuard<'static, ()> {
    ONE_DAEMON.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A fresh working directory, removed on drop (also when an assertion fails).
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(name: &str) -> WorkDir {
        let dir = std::env::temp_dir().join(format!("kis-trader-run-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        WorkDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `kis-trader` in `dir`, with none of the caller's `KIS*` variables, `RUST_LOG` or `NO_COLOR`: the shipped
/// defaults, as a new user gets them.
fn bin(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kis-trader"));
    cmd.current_dir(dir).env_remove("RUST_LOG").env_remove("NO_COLOR");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("KIS") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// A running daemon whose output is collected line by line; killed on drop if still running.
struct Running {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
    stderr: Arc<Mutex<String>>,
}

impl Running {
    fn spawn(mut cmd: Command) -> Running {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null()).spawn().unwrap();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let out_pipe = child.stdout.take().unwrap();
        let mut err_pipe = child.stderr.take().unwrap();
        let lines = stdout.clone();
        let out_reader = std::thread::spawn(move || {
            let mut reader = BufReader::new(out_pipe);
            let mut buf = Vec::new();
            while reader.read_until(b'\n', &mut buf).unwrap_or(0) > 0 {
                let line = String::from_utf8_lossy(&buf).trim_end_matches(['\n', '\r']).to_string();
                lines.lock().unwrap().push(line);
                buf.clear();
            }
        });
        let text = stderr.clone();
        let err_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err_pipe.read_to_end(&mut buf);
            text.lock().unwrap().push_str(&String::from_utf8_lossy(&buf));
        });
        Running { child, stdout, readers: vec![out_reader, err_reader], stderr }
    }

    fn saw(&self, fragment: &str) -> bool {
        self.stdout.lock().unwrap().iter().any(|l| strip_ansi(l).contains(fragment))
    }

    fn tail(&self) -> String {
        let lines = self.stdout.lock().unwrap();
        let from = lines.len().saturating_sub(40);
        format!(
            "--- stdout (last lines) ---\n{}\n--- stderr ---\n{}",
            lines[from..].join("\n"),
            self.stderr.lock().unwrap()
        )
    }

    /// Waits for the exit until `deadline`; past it the daemon is killed and the test fails with its output.
    fn wait_until(mut self, deadline: Instant, what: &str) -> Finished {
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("{what}: still running at its deadline, killed\n{}", self.tail());
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        let stdout = std::mem::take(&mut *self.stdout.lock().unwrap());
        let stderr = std::mem::take(&mut *self.stderr.lock().unwrap());
        Finished { status, stdout, stderr }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

struct Finished {
    status: ExitStatus,
    /// Raw lines, ANSI colours included.
    stdout: Vec<String>,
    stderr: String,
}

impl Finished {
    fn text(&self) -> String {
        format!("status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}", self.status, self.stdout.join("\n"), self.stderr)
    }
}

/// Removes ANSI escape sequences (CSI `ESC [ params final`, the only kind tracing-subscriber writes).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.next() == Some('[') {
            for d in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&d) {
                    break;
                }
            }
        }
    }
    out
}

/// The line without its timestamp: the stdout and file layers stamp each line separately.
fn untimed(line: &str) -> &str {
    line.split_once(' ').map_or(line, |(_, rest)| rest)
}

/// The level column of a formatted line (`2026-…Z  INFO target: message`).
fn level(line: &str) -> Option<&str> {
    line.split_whitespace().nth(1)
}

/// The value of `key=value` in a line.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace().find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

/// Index of the first line containing every fragment; fails with the log when there is none.
fn first(lines: &[String], fragments: &[&str]) -> usize {
    lines
        .iter()
        .position(|l| fragments.iter().all(|f| l.contains(f)))
        .unwrap_or_else(|| panic!("no line with {fragments:?} in the output:\n{}", lines.join("\n")))
}

/// Asserts the lines are in this order of first appearance.
fn assert_in_order(lines: &[String], steps: &[&[&str]]) {
    let at: Vec<usize> = steps.iter().map(|s| first(lines, s)).collect();
    for (i, pair) in at.windows(2).enumerate() {
        assert!(
            pair[0] < pair[1],
            "{:?} (line {}) should come before {:?} (line {})\n{}",
            steps[i],
            pair[0],
            steps[i + 1],
            pair[1],
            lines.join("\n")
        );
    }
}

fn count(lines: &[String], fragment: &str) -> usize {
    lines.iter().filter(|l| l.contains(fragment)).count()
}

/// What both graceful runs must show: a complete trading life cycle, an orderly stop, a clean log and journal.
/// `exit`: a sell must have been sent and filled before the stop.
fn check_trading_run(dir: &Path, lines: &[String], stop_reason: &str, exit: bool) {
    let actors = ["token_manager", "market_cache", "order_router", "risk_manager", "ws_feed", "screener"];
    let registered: Vec<String> = actors.iter().map(|a| format!("actor={a} state=running registered")).collect();
    for r in &registered {
        assert_in_order(lines, &[&["embedded KIS simulator started"], &[r], &["access token ready"]]);
    }
    // Causal chains only: the token precedes the balance sync, which precedes any order; market data
    // (WebSocket) precedes any signal; the watchlist precedes the signal actors that trade it.
    assert_in_order(lines, &[&["access token ready"], &["risk manager ready"], &["order_router: sending order"]]);
    assert_in_order(
        lines,
        &[&["actor=ws_feed state=running registered"], &["WebSocket connected"], &["sending order"]],
    );
    assert_in_order(
        lines,
        &[
            &["screener added="],
            &["actor=signal:", "state=running registered"],
            &["sending order", "side=buy"],
            &["order closed: Filled"],
        ],
    );

    // The first order that filled in full: acknowledged, filled, closed, in that order.
    let closed = &lines[first(lines, &["order closed: Filled"])];
    let intent = field(closed, "intent").unwrap();
    let tag = format!("intent={intent} ");
    assert_in_order(
        lines,
        &[&["sending order", &tag], &["order working", &tag], &[" fill ", &tag], &["order closed: Filled", &tag]],
    );

    // An exit: a sell (the RiskManager's exit rules or the strategy) sent and filled before the stop.
    let stopping = format!("stopping reason={stop_reason}");
    if exit {
        let sell_line = &lines[first(lines, &["sending order", "side=sell"])];
        let sell = field(sell_line, "intent").unwrap();
        let sell_tag = format!("intent={sell} ");
        assert_in_order(lines, &[&["sending order", &sell_tag], &["order closed: Filled", &sell_tag], &[&stopping]]);
    }
    assert_in_order(
        lines,
        &[
            &["order closed: Filled"],
            &[&stopping],
            &["daemon shutting down: no new orders"],
            &["risk: new orders stopped reason=shutdown"],
            &["cancel-all done"],
            &["[일일 요약 DAILY]"],
            &["daemon stopped"],
        ],
    );
    let stopped = &lines[first(lines, &["daemon stopped"])];
    assert_eq!(field(stopped, "left_open"), Some("0"), "{stopped}");
    let cancelled = &lines[first(lines, &["cancel-all done"])];
    assert_eq!(field(cancelled, "left_open"), Some("0"), "{cancelled}");
    // Once the open orders are cancelled nothing new may go out: it would outlive the daemon.
    let cancel_done = first(lines, &["cancel-all done"]);
    assert!(!lines[cancel_done..].iter().any(|l| l.contains("sending order")), "{}", lines.join("\n"));

    // The shutdown's own halt is no daily-loss halt, and no alert.
    let stop_at = first(lines, &[&stopping]);
    for line in &lines[stop_at..] {
        assert!(!line.contains("daily loss limit") && !line.contains("[중단 HALT]"), "{}", lines.join("\n"));
    }
    // A healthy run restarts nothing (a restart drops the restarted actor's queued messages).
    assert!(!lines.iter().any(|l| l.contains("state=restarting")), "{}", lines.join("\n"));
    assert_never_blocked(lines);
    for line in lines {
        assert_ne!(level(line), Some("ERROR"), "{line}");
        assert!(!line.contains("panicked"), "{line}");
    }

    // The order journal: one JSON object per line, each naming its event, and the same orders as the log.
    let journal = std::fs::read_to_string(dir.join("state/sim/journal.jsonl")).unwrap();
    let mut events = std::collections::HashMap::<String, usize>::new();
    for line in journal.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("journal line is not JSON ({e}): {line}"));
        let event = value.get("event").and_then(|e| e.as_str());
        let event = event.unwrap_or_else(|| panic!("journal line without an event: {line}"));
        *events.entry(event.to_string()).or_default() += 1;
    }
    let n = |e: &str| events.get(e).copied().unwrap_or(0);
    assert_eq!(n("sent"), count(lines, "order_router: sending order"), "{events:?}");
    assert_eq!(n("fill"), count(lines, "order_router: fill "), "{events:?}");
    assert_eq!(n("done"), count(lines, "order_router: order closed: "), "{events:?}");
    assert!(n("fill") >= 2, "{events:?}");
}

/// The supervisor says so whenever its check runs more than 100 ms late (`BLOCKED_WARNING`).
fn assert_never_blocked(lines: &[String]) {
    let blocked: Vec<&String> = lines.iter().filter(|l| l.contains("event loop was blocked")).collect();
    assert!(blocked.is_empty(), "a daemon event loop was blocked: {blocked:#?}");
}

/// The daily log files under `logs/`, oldest first (a run may cross UTC midnight).
fn log_file_lines(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("logs")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty(), "no log file under logs/");
    let mut lines = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("kis-trader."), "unexpected log file {name}");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains('\u{1b}'), "ANSI escapes in {name}");
        lines.extend(text.lines().map(str::to_string));
    }
    lines
}

#[test]
fn the_readme_run_trades_on_the_simulator_and_stops_cleanly() {
    let _one = one_daemon();
    let dir = WorkDir::new("readme");
    let started = Instant::now();
    let mut cmd = bin(dir.path());
    cmd.args(["run", "--run-secs", &RUN_SECS.to_string()]);
    let done = Running::spawn(cmd).wait_until(started + Duration::from_secs(RUN_SECS) + SLACK, "run --run-secs");
    assert!(done.status.success(), "{}", done.text());
    assert!(done.stderr.trim().is_empty(), "{}", done.text());
    // Piped, not a terminal: plain text, like the file.
    assert!(!done.stdout.iter().any(|l| l.contains('\u{1b}')), "{}", done.text());
    let stdout: Vec<String> = done.stdout.iter().map(|l| strip_ansi(l)).collect();
    check_trading_run(dir.path(), &stdout, "--run-secs elapsed", true);

    // The file holds the very lines of stdout, uncoloured (each layer stamps its own time). The simulator's
    // HTTP server threads may still log their own teardown after the file writer has closed: not compared.
    let file = log_file_lines(dir.path());
    let daemon_line = |l: &&String| !l.contains(" actix_server::");
    let mut from_stdout: Vec<&str> = stdout.iter().filter(daemon_line).map(|l| untimed(l)).collect();
    let mut from_file: Vec<&str> = file.iter().filter(daemon_line).map(|l| untimed(l)).collect();
    from_stdout.sort_unstable();
    from_file.sort_unstable();
    let only_stdout: Vec<&&str> = from_stdout.iter().filter(|l| from_file.binary_search(l).is_err()).collect();
    let only_file: Vec<&&str> = from_file.iter().filter(|l| from_stdout.binary_search(l).is_err()).collect();
    assert!(
        only_stdout.is_empty() && only_file.is_empty() && from_stdout.len() == from_file.len(),
        "stdout has {} lines, the file {}\nonly on stdout: {only_stdout:#?}\nonly in the file: {only_file:#?}",
        from_stdout.len(),
        from_file.len()
    );
}

/// 2,000 listings, the size at which the embedded simulator used to hold the daemon up: with its market driven
/// on the daemon's System and its clock read under the exchange's lock, the supervisor's check ran up to 4.7 s
/// late (and 31 s on a loaded machine). On a thread of its own, with a lock-free clock, never over 100 ms.
#[test]
fn a_large_embedded_simulator_never_blocks_a_daemon_event_loop() {
    const SECS: u64 = 20;
    let _one = one_daemon();
    let dir = WorkDir::new("large-sim");
    let started = Instant::now();
    let mut cmd = bin(dir.path());
    cmd.env("KIS__SIM__SYMBOLS", "2000").args(["run", "--run-secs", &SECS.to_string()]);
    let done = Running::spawn(cmd).wait_until(started + Duration::from_secs(SECS) + SLACK, "run with 2,000 symbols");
    assert!(done.status.success(), "{}", done.text());
    let stdout: Vec<String> = done.stdout.iter().map(|l| strip_ansi(l)).collect();
    // The daemon was working the whole time, against the large market.
    for fragment in ["embedded KIS simulator started", "access token ready", "WebSocket connected", "daemon stopped"] {
        assert!(stdout.iter().any(|l| l.contains(fragment)), "no {fragment:?}:\n{}", done.text());
    }
    assert_never_blocked(&stdout);
}

#[test]
fn sigterm_stops_the_daemon_gracefully() {
    let _one = one_daemon();
    let dir = WorkDir::new("sigterm");
    let mut cmd = bin(dir.path());
    cmd.arg("run").env("NO_COLOR", "1");
    let running = Running::spawn(cmd);
    let waiting = Instant::now();
    while !running.saw("order closed: Filled") {
        assert!(waiting.elapsed() < FILL_WAIT, "no fill within {FILL_WAIT:?}\n{}", running.tail());
        assert!(!running.saw("daemon stopped"), "stopped by itself\n{}", running.tail());
        std::thread::sleep(Duration::from_millis(200));
    }
    // Give the position's exit a moment to start, so the signal tends to land with an order in flight.
    let filled = Instant::now();
    while !running.saw("side=sell") && filled.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let term = Command::new("kill").args(["-TERM", &running.child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let done = running.wait_until(Instant::now() + TERM_GRACE, "after SIGTERM");
    assert!(done.status.success(), "{}", done.text());
    assert!(done.stderr.trim().is_empty(), "{}", done.text());
    // NO_COLOR is honoured.
    assert!(!done.stdout.iter().any(|l| l.contains('\u{1b}')), "{}", done.text());
    check_trading_run(dir.path(), &done.stdout, "SIGTERM", false);
}

/// Runs `run` with `config` and `env` in a fresh directory; it must fail at once, before logging or
/// trading starts. Returns stderr.
fn refused(name: &str, config: &str, env: &[(&str, &str)]) -> String {
    let dir = WorkDir::new(name);
    let file = dir.write("my.toml", config);
    let mut cmd = bin(dir.path());
    cmd.arg("run").arg("--config").arg(&file).envs(env.iter().copied());
    let done = Running::spawn(cmd).wait_until(Instant::now() + Duration::from_secs(15), name);
    assert_eq!(done.status.code(), Some(2), "{}", done.text());
    assert!(done.stdout.is_empty(), "{}", done.text());
    for started in ["logs", "state"] {
        assert!(!dir.path().join(started).exists(), "{started}/ created by a refused run\n{}", done.text());
    }
    done.stderr
}

#[test]
fn bad_or_unconfirmed_real_money_configs_are_refused_before_anything_starts() {
    // A misspelt top-level key and an unknown key in a section: each is named, with its section.
    let err = refused("typo", "enviroment = \"sim\"\n", &[]);
    assert!(err.contains("unknown field `enviroment`"), "{err}");
    let err = refused("unknown", "[daemon]\nfrobnicate = 2\n", &[]);
    assert!(err.contains("unknown field `frobnicate`") && err.contains("`daemon`"), "{err}");

    // Real money without the config's confirmation.
    let err = refused("unconfirmed", "environment = \"real\"\n", &[]);
    assert!(err.contains("[real_trading] confirm = true"), "{err}");

    // Confirmed in the config, keys present, but not on the command line; the keys stay out of the message.
    let keys = [
        ("KIS_APP_KEY", "PSrunTestAppKey0123456789abcdef"),
        ("KIS_APP_SECRET", "run-test-app-secret-0123456789"),
        ("KIS_ACCOUNT", "87654321-01"),
    ];
    let err = refused("no-flag", "environment = \"real\"\n[real_trading]\nconfirm = true\n", &keys);
    assert!(err.contains("--i-understand-real-money"), "{err}");
    for (_, secret) in keys {
        assert!(!err.contains(secret), "{err}");
    }
    assert!(!err.contains("87654321"), "{err}");
    // The real-money locks are named before anything else is wrong (here: no keys at all).
    let err = refused("no-flag-no-keys", "environment = \"real\"\n[real_trading]\nconfirm = true\n", &[]);
    assert!(err.contains("--i-understand-real-money") && !err.contains("KIS_APP_KEY"), "{err}");
}

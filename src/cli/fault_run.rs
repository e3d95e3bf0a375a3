//! `kis-trader fault-run --seeds N [--first-seed S] [--secs T] [--keep DIR]`: seeded fault testing in the
//! manner of FoundationDB's and TigerBeetle's simulators, on the real daemon binary.
//!
//! Per seed: the simulator starts in this process (OS-assigned loopback ports, 60× virtual clock from a fixed
//! KRX open, a fixed market seed); the daemon runs as a child process (`kis-trader run` on a generated config
//! with `[sim] external = true`); a schedule drawn from the seed (see `schedule`) injects order-boundary,
//! feed and REST faults and kills the daemon with SIGKILL, restarting it on the same state. Then the faults
//! stop, the daemon is stopped and started once more without strategies (exits still run), reconciles, goes
//! quiet and is stopped gracefully, and the invariants (see `invariants`) are checked against the
//! simulator's books and the daemon's journal. Exit code 1 when any seed has a violation.

mod daemon;
mod invariants;
mod report;
mod schedule;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;
use kis_journal::{Event, IntentBook, read_entries};
use kis_model::Environment;
use kis_sim::{SimConfig, SimHandle, Simulator};

use daemon::DaemonProc;
use invariants::{BrokerOrder, Observation, Violation, ViolationKind};
use report::SeedReport;
use schedule::{Action, generate};

#[derive(Debug, Args)]
pub struct FaultRunArgs {
    /// How many seeds to run, one after the other.
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    /// The first seed; seeds are consecutive from here. A failing seed replays with `--seeds 1 --first-seed S`.
    #[arg(long, default_value_t = 1)]
    pub first_seed: u64,
    /// Real seconds of faults per seed (the start, the final settle and the checks come on top).
    #[arg(long, default_value_t = 30)]
    pub secs: u64,
    /// Keep each seed's directory (config, daemon logs, journal) under DIR/seed-S; otherwise they are
    /// removed, except a failing seed's, whose path is printed.
    #[arg(long)]
    pub keep: Option<PathBuf>,
}

/// Virtual seconds per real second: a KRX session lasts 6.5 real minutes, a 180 s holding limit 3 s.
const SPEED: u32 = 60;
/// Wednesday 2026-03-04 09:00 KST: a KRX open (the strategy's window opens at 09:10, 10 s later).
const START: &str = "2026-03-04T00:00:00Z";
/// The market is the same for every seed: only the faults differ.
const MARKET_SEED: u64 = 7;
const SYMBOLS: usize = 300;
/// WebSocket sessions (app keys) of the daemon, as shipped: 82 registrations.
const SESSIONS: usize = 2;
/// Short enough that most positions come due within a seed.
const MAX_HOLDING_SECS: u64 = 180;
/// The daemon's start-up (token, balance, reconciliation) may take this long on a loaded machine.
const READY_WAIT: Duration = Duration::from_secs(60);
/// A graceful stop (cancel-all, summary) may take this long before the daemon is killed instead.
const STOP_GRACE: Duration = Duration::from_secs(30);
/// The final daemon must have written nothing to the journal for this long before it is stopped…
const QUIET: Duration = Duration::from_secs(3);
/// …and settled every unknown outcome (which takes the client timeout plus the accept margin after the
/// send, and two reads), or this long has passed since it became ready.
const SETTLE_MAX: Duration = Duration::from_secs(60);

pub fn run(args: FaultRunArgs) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe().context("finding the kis-trader binary")?;
    let mut failing = 0u64;
    let mut totals = std::collections::BTreeMap::<ViolationKind, usize>::new();
    let started = Instant::now();
    for seed in args.first_seed..args.first_seed.saturating_add(args.seeds) {
        let dir = match &args.keep {
            Some(keep) => keep.join(format!("seed-{seed}")),
            None => std::env::temp_dir().join(format!("kis-fault-run-{}-{seed}", std::process::id())),
        };
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let report = actix_rt::System::new().block_on(run_seed(seed, args.secs, &exe, &dir))?;
        print!("{}", report.human());
        println!("{}", report.json_line());
        for (kind, n) in report.violations_by_kind() {
            *totals.entry(kind).or_insert(0) += n;
        }
        if report.violations.is_empty() {
            if args.keep.is_none() {
                let _ = std::fs::remove_dir_all(&dir);
            }
        } else {
            failing += 1;
            println!("  kept: {}", dir.display());
        }
    }
    let by_kind: Vec<String> = totals.iter().map(|(k, n)| format!("{} {n}", k.as_str())).collect();
    println!(
        "fault run: {} seeds from {}, {failing} with violations ({}) in {:.0} s",
        args.seeds,
        args.first_seed,
        if by_kind.is_empty() { "none".to_string() } else { by_kind.join(", ") },
        started.elapsed().as_secs_f64()
    );
    Ok(if failing == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn sim_config() -> anyhow::Result<SimConfig> {
    let keys = crate::cli::run::sim_keys(SESSIONS);
    let mut c = SimConfig {
        env: Environment::Real,
        seed: MARKET_SEED,
        symbols: SYMBOLS,
        speed: SPEED,
        start: Some(START.parse()?),
        open_accounts: false,
        ..SimConfig::default()
    };
    c.accounts = crate::cli::run::sim_accounts(&keys)?;
    c.validate()?;
    Ok(c)
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The daemon's config: the shipped defaults (their strategy trades within seconds) pointed at `sim`, with a
/// looser screener (more symbols watched, more orders), smaller and more positions, tighter exits and a short
/// holding time so that exits come due
/// within a seed. `trading: false` is the
/// final run's: no strategy, so no new entries, while the exit rules still watch every position.
fn daemon_config(rest_url: &str, ws_url: &str, dir: &Path, trading: bool) -> String {
    let path = |p: &str| toml_str(&dir.join(p).to_string_lossy());
    // The shipped scalping rules with their rebound window opened at the first minute, so that a seed of
    // 20 s (20 venue minutes) trades from its start instead of from 09:10.
    let strategies = if trading {
        "[[strategies]]\nkind = \"krx_scalping\"\nid = \"krx-scalping\"\n[strategies.upticks]\nenabled = true\n\
         count = 3\n[strategies.volume]\nenabled = true\nmin_trade_strength = 100.0\nsurge_lookback_trades = 50\n\
         surge_multiple = 2.0\n[strategies.windows.pullback_rebound]\nenabled = true\nstart = \"09:01\"\n\
         end = \"14:30\"\nmin_pullback_pct = 0.5\n"
    } else {
        "strategies = []\n"
    };
    format!(
        "environment = \"sim\"\n{strategies}\n[api]\nrest_base = {}\nws_url = {}\n\n[sim]\nexternal = true\nemulate = \
         \"real\"\n\n[screener]\npoll_interval_secs = 2\nmin_volume = 10000\nmin_range_pct = 0.5\nmax_spread_pct = 1.0\n\n[risk.sizing]\nmax_position_pct = 10\nmax_open_positions = 10\n\n[exits]\nmax_holding_secs = {MAX_HOLDING_SECS}\nstop_loss_pct = 0.5\ntake_profit_pct = 0.5\n\n[router]\ncancel_unfilled_after_secs = 60\n\n\
         [feed]\nsim_sessions = 2\n\n[logging]\ndir = {}\n\n[daemon]\nstate_dir = {}\nhealth_report_secs = 5\n",
        toml_str(rest_url),
        toml_str(ws_url),
        path("logs"),
        path("state"),
    )
}

fn sim_now(sim: &SimHandle) -> DateTime<Utc> {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.clock.virtual_at(ex.started.elapsed())
}

/// The running daemon and the venue-time spans during which none was up and ready.
struct Tracker<'a> {
    sim: &'a SimHandle,
    exe: &'a Path,
    dir: &'a Path,
    config: PathBuf,
    daemon: Option<DaemonProc>,
    starts: usize,
    down_since: Option<DateTime<Utc>>,
    down: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    violations: Vec<Violation>,
}

impl Tracker<'_> {
    fn start(&mut self) -> anyhow::Result<()> {
        self.starts += 1;
        self.daemon = Some(DaemonProc::spawn(self.exe, &self.config, self.dir, self.starts)?);
        Ok(())
    }

    fn mark_down(&mut self) {
        if self.down_since.is_none() {
            self.down_since = Some(sim_now(self.sim));
        }
    }

    /// Notes readiness (closing a down span) and a daemon that exited on its own (restarted).
    fn poll(&mut self) -> anyhow::Result<()> {
        let Some(d) = self.daemon.as_mut() else { return Ok(()) };
        if let Some(status) = d.exited() {
            let log = d.log.display().to_string();
            self.violations.push(Violation::new(
                ViolationKind::RunIncomplete,
                format!("daemon start {} exited by itself ({status}); see {log}", self.starts),
            ));
            self.mark_down();
            return self.start();
        }
        if !d.ready
            && d.poll_ready()
            && let Some(from) = self.down_since.take()
        {
            self.down.push((from, sim_now(self.sim)));
        }
        Ok(())
    }

    /// Sleeps until `until`, polling the daemon.
    async fn wait_until(&mut self, until: Instant) -> anyhow::Result<()> {
        while Instant::now() < until {
            self.poll()?;
            actix_rt::time::sleep(Duration::from_millis(100).min(until.saturating_duration_since(Instant::now())))
                .await;
        }
        self.poll()
    }

    async fn wait_ready(&mut self) -> anyhow::Result<bool> {
        let deadline = Instant::now() + READY_WAIT;
        while Instant::now() < deadline {
            self.poll()?;
            if self.daemon.as_ref().is_some_and(|d| d.ready) {
                return Ok(true);
            }
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(false)
    }

    async fn stop(&mut self) -> bool {
        self.mark_down();
        match self.daemon.take() {
            Some(mut d) => d.terminate(STOP_GRACE).await,
            None => true,
        }
    }
}

async fn run_seed(seed: u64, secs: u64, exe: &Path, dir: &Path) -> anyhow::Result<SeedReport> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let began = Instant::now();
    let sim = Simulator::start(sim_config()?).await.context("starting the simulator")?;
    let config = dir.join("daemon.toml");
    std::fs::write(&config, daemon_config(&sim.rest_url(), &sim.ws_url(), dir, true))?;
    let mut report = SeedReport { seed, ..SeedReport::default() };
    let mut t = Tracker {
        sim: &sim,
        exe,
        dir,
        config,
        daemon: None,
        starts: 0,
        down_since: None,
        down: Vec::new(),
        violations: Vec::new(),
    };
    t.start()?;
    if !t.wait_ready().await? {
        t.violations.push(Violation::new(ViolationKind::RunIncomplete, "the first daemon never became ready"));
    }

    let t0 = Instant::now();
    for planned in generate(seed, secs.saturating_mul(1_000)) {
        t.wait_until(t0 + Duration::from_millis(planned.at_ms)).await?;
        let kind = planned.action.kind();
        match planned.action {
            Action::Fault(fault) => {
                *report.faults.entry(kind).or_insert(0) += 1;
                sim.inject(&fault);
            }
            Action::Kill { down_ms } => {
                report.kills += 1;
                t.mark_down();
                if let Some(mut d) = t.daemon.take() {
                    d.kill9();
                }
                actix_rt::time::sleep(Duration::from_millis(down_ms)).await;
                t.start()?;
            }
        }
    }
    t.wait_until(t0 + Duration::from_secs(secs)).await?;

    // The schedule is over: a healthy exchange, one graceful stop, one last start that must settle.
    kis_sim::exchange::lock(sim.state()).faults.clear_pending();
    if !t.stop().await {
        t.violations.push(Violation::new(ViolationKind::RunIncomplete, "the daemon did not stop on SIGTERM"));
    }
    std::fs::write(&t.config, daemon_config(&sim.rest_url(), &sim.ws_url(), dir, false))?;
    t.start()?;
    if t.wait_ready().await? {
        settle(&mut t, dir).await?;
    } else {
        t.violations.push(Violation::new(ViolationKind::RunIncomplete, "the final daemon never became ready"));
    }
    let observed_until = sim_now(&sim);
    if !t.stop().await {
        t.violations.push(Violation::new(ViolationKind::RunIncomplete, "the final daemon did not stop on SIGTERM"));
    }

    report.daemon_starts = t.starts;
    report.order_faults_hit = kis_sim::exchange::lock(sim.state()).faults.orders_hit();
    let mut violations = std::mem::take(&mut t.violations);
    let down = std::mem::take(&mut t.down);
    violations.extend(check(&sim, dir, &down, observed_until, &mut report));
    report.violations = violations;
    sim.stop().await.context("stopping the simulator")?;
    report.secs = began.elapsed().as_secs_f64();
    Ok(report)
}

fn journal_path(dir: &Path) -> PathBuf {
    dir.join("state/sim-external/journal.jsonl")
}

/// Whether the journal still holds a send whose outcome the daemon has not settled from the broker.
fn any_unknown(journal: &Path) -> bool {
    let Ok(file) = std::fs::File::open(journal) else { return false };
    let Ok(outcome) = read_entries(file) else { return false };
    kis_journal::IntentBook::fold(&outcome.entries).is_ok_and(|book| book.iter().any(kis_journal::is_unknown))
}

/// Waits until the journal has not grown for [`QUIET`] and holds no unknown outcome, at most [`SETTLE_MAX`].
async fn settle(t: &mut Tracker<'_>, dir: &Path) -> anyhow::Result<()> {
    let journal = journal_path(dir);
    let size = || std::fs::metadata(&journal).map(|m| m.len()).unwrap_or(0);
    let deadline = Instant::now() + SETTLE_MAX;
    let (mut last, mut since) = (size(), Instant::now());
    while Instant::now() < deadline && (since.elapsed() < QUIET || any_unknown(&journal)) {
        t.wait_until(Instant::now() + Duration::from_millis(200)).await?;
        let now = size();
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
    Ok(())
}

/// The broker's side (the trading account's orders and holdings) and the journal's, judged.
fn check(
    sim: &SimHandle,
    dir: &Path,
    down: &[(DateTime<Utc>, DateTime<Utc>)],
    observed_until: DateTime<Utc>,
    report: &mut SeedReport,
) -> Vec<Violation> {
    let cano = crate::cli::run::SIM_ACCOUNT.split('-').next().unwrap_or_default();
    let (orders, positions) = {
        let ex = kis_sim::exchange::lock(sim.state());
        let Some(account) = ex.accounts.iter().find(|a| a.cano == cano) else {
            return vec![Violation::new(ViolationKind::RunIncomplete, "the simulator has no trading account")];
        };
        let orders: Vec<BrokerOrder> = account
            .engine
            .orders()
            .iter()
            .map(|o| BrokerOrder {
                order_no: o.id.order_no,
                original: o.original.map(|id| id.order_no),
                symbol: o.symbol,
                side: o.side,
                qty: o.qty,
                limit: o.kind.limit_price(),
                filled: o.filled,
                created: o.created,
            })
            .collect();
        let positions =
            account.engine.positions().filter(|p| !p.qty.is_zero()).map(|p| (p.symbol, p.qty.shares())).collect();
        (orders, positions)
    };
    report.broker_orders = orders.len();
    let path = journal_path(dir);
    let entries = match std::fs::File::open(&path) {
        Ok(file) => match read_entries(file) {
            Ok(outcome) => outcome.entries,
            Err(e) => {
                return vec![Violation::new(ViolationKind::JournalInconsistent, format!("{}: {e}", path.display()))];
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return vec![Violation::new(ViolationKind::RunIncomplete, format!("{}: {e}", path.display()))],
    };
    let book = match IntentBook::fold(&entries) {
        Ok(book) => book,
        Err((i, e)) => {
            return vec![Violation::new(ViolationKind::JournalInconsistent, format!("journal entry {}: {e}", i + 1))];
        }
    };
    report.intents = book.len();
    report.fills = entries.iter().filter(|e| matches!(e.event, Event::Fill(_))).count();
    invariants::check(&Observation {
        broker_orders: &orders,
        broker_positions: positions,
        entries: &entries,
        book: &book,
        max_holding_secs: Some(MAX_HOLDING_SECS),
        down,
        observed_until,
        outside_orders: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulator_and_daemon_configs_are_valid() {
        let c = sim_config().unwrap();
        assert_eq!((c.speed, c.seed, c.accounts.len(), c.env), (SPEED, MARKET_SEED, SESSIONS, Environment::Real));
        assert_eq!(toml_str("a\"b\\c"), r#""a\"b\\c""#);
        for trading in [true, false] {
            let text = daemon_config("http://127.0.0.1:1", "ws://127.0.0.1:2", Path::new("/tmp/x \"y\""), trading);
            let user = kis_config::SourceFile { name: "daemon.toml", text: &text };
            let loaded = kis_config::load(kis_config::DEFAULT_TOML, Some(user), &Default::default()).unwrap();
            let errors: Vec<_> = kis_config::check(&loaded.config)
                .into_iter()
                .filter(|f| f.severity == kis_config::Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{errors:?}\n{text}");
            let c = loaded.config;
            assert!(c.sim.external && c.environment == kis_config::TradingEnvironment::Sim);
            assert_eq!(c.exits.max_holding_secs, Some(MAX_HOLDING_SECS));
            assert_eq!(c.daemon.state_dir, Path::new("/tmp/x \"y\"/state"));
            // The final run opens nothing new; the trading runs use the shipped strategy.
            assert_eq!(c.strategies.is_empty(), !trading);
        }
    }
}

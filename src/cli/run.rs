//! `kis-trader run [--config FILE]`: the supervised trading daemon.
//!
//! With `environment = "sim"` (the default) it first starts the embedded KIS-compatible simulator on loopback
//! and trades against it with demo keys: no credentials, no internet. With "paper" or "real" it talks to KIS
//! with the configured keys; real money also needs `[real_trading] confirm = true` and
//! `--i-understand-real-money`.
//!
//! With `[sim] external = true` the simulator is one already running on loopback (the fault run starts one and
//! runs this daemon as its child): the daemon reaches it at `[api] rest_base` / `ws_url` with the same demo keys
//! and follows its clock (see `sim_clock`).
//!
//! Each traded market's day ends at its own time on the venue clock (`[daemon] shutdown_at` KST for KRX,
//! `us_shutdown_at` New York time for the US): that market's new orders stop, its open orders are cancelled
//! when configured and its summary goes out, while the other market trades on. The daemon stops once every
//! market's day is over, on SIGINT/SIGTERM, or after `--run-secs`: new orders stop at once, open orders are
//! cancelled when configured, the RiskManager sends the summary of the markets still trading, then every
//! actor stops.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Args;
use kis_actors::daemon::{Daemon, DaemonSetup, DayPlan};
use kis_actors::supervisor::SupervisorConfig;
use kis_actors::venue_clock::VenueClock;
use kis_client::{Credentials, Endpoints};
use kis_config::{DaemonConfig, Severity, TradingEnvironment, check, check_real_money, load_process};
use kis_journal::IntentState;
use kis_model::{AccountNo, Environment, Secret};
use kis_sim::{AccountConfig, SimConfig};

use super::embedded_sim::{EmbeddedSim, SimEndpoints};
use crate::logging;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A TOML file layered over the shipped config/default.toml (environment variables override both).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Required, with `environment = "real"` and `[real_trading] confirm = true`, to trade real money.
    #[arg(long)]
    pub i_understand_real_money: bool,
    /// Stop after this many seconds (demos, scripts, tests); default: run until signalled or `shutdown_at`.
    #[arg(long)]
    pub run_secs: Option<u64>,
}

/// The simulator's demo account: it exists only inside the simulator.
pub(crate) const SIM_ACCOUNT: &str = "50000000-01";
const SIM_HTS_ID: &str = "simtrader";

/// The demo app keys of a simulator the daemon trades on (`[feed] sim_sessions` of them).
pub(crate) fn sim_keys(n: usize) -> Vec<Credentials> {
    (0..n)
        .map(|i| Credentials::new(format!("PSsimulatorDemoAppKey{i:015}"), format!("simulator-demo-secret-{i}")))
        .collect()
}

fn sim_config(config: &DaemonConfig, keys: &[Credentials]) -> anyhow::Result<SimConfig> {
    let s = &config.sim;
    let mut c = match &s.file {
        Some(path) => SimConfig::load(path)?,
        None => SimConfig::default(),
    };
    c.env = s.emulate;
    if let Some(n) = s.symbols {
        c.symbols = n;
    }
    if let Some(v) = s.speed {
        c.speed = v;
    }
    if let Some(v) = s.seed {
        c.seed = v;
    }
    if s.start.is_some() {
        c.start = s.start;
    }
    if let Some(v) = s.skip_closed {
        c.skip_closed = v;
    }
    c.start_at = match s.start_at {
        kis_config::sim::SimStartAt::KrxOpen => kis_sim::StartAt::KrxOpen,
        kis_config::sim::SimStartAt::NyseOpen => kis_sim::StartAt::NyseOpen,
    };
    // The simulator lists the US bot's own tickers (with generated prices), so the bot finds what it trades.
    for strategy in &config.strategies {
        if let kis_strategy::StrategyConfig::UsRsiMacd(us) = strategy {
            for symbol in us.symbols()? {
                if !c.us_tickers.contains(&symbol) {
                    c.us_tickers.push(symbol);
                }
            }
        }
    }
    c.us_symbols = c.us_symbols.max(c.us_tickers.len());
    c.accounts.extend(sim_accounts(keys)?);
    c.validate()?;
    Ok(c)
}

/// The simulator accounts of the demo keys: key 0 trades on [`SIM_ACCOUNT`] (the first account of the
/// simulator); the others only carry market data, each on an account of its own.
pub(crate) fn sim_accounts(keys: &[Credentials]) -> anyhow::Result<Vec<AccountConfig>> {
    let account = AccountNo::parse(SIM_ACCOUNT)?;
    Ok(keys
        .iter()
        .enumerate()
        .map(|(i, key)| AccountConfig {
            appkey: key.app_key.clone(),
            appsecret: key.app_secret.clone(),
            cano: if i == 0 { account.cano().to_string() } else { format!("{:08}", 50_000_000 + i) },
            acnt_prdt_cd: account.product().to_string(),
            hts_id: if i == 0 { SIM_HTS_ID.to_string() } else { String::new() },
            cash_krw: None,
            cash_usd: None,
        })
        .collect())
}

fn secrets_of(config: &DaemonConfig) -> Vec<String> {
    let api = &config.api;
    let mut out: Vec<String> = [&api.app_key, &api.app_secret, &api.hts_id, &config.notifier.telegram.bot_token]
        .into_iter()
        .flatten()
        .map(|s| s.expose().to_string())
        .collect();
    for pair in &api.extra_keys {
        out.push(pair.app_key.expose().to_string());
        out.push(pair.app_secret.expose().to_string());
    }
    if let Some(md) = &api.market_data {
        out.push(md.app_key.expose().to_string());
        out.push(md.app_secret.expose().to_string());
    }
    if let Some(account) = &api.account {
        out.push(account.cano().to_string());
    }
    out
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let loaded = load_process(args.config.as_deref()).context("loading the configuration")?;
    let config = loaded.config;
    // The real-money locks first: whoever points this at a real account learns all it takes before fixing keys.
    check_real_money(&config, args.i_understand_real_money)?;
    let findings = check(&config);
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        eprintln!("config error: {}: {}", f.key, f.message);
    }
    if findings.iter().any(|f| f.severity == Severity::Error) {
        bail!("the configuration has errors (see `kis-trader check-config`)");
    }

    let _guard =
        logging::init(&config.logging.dir, config.logging.level.as_str(), logging::Scrubber::new(secrets_of(&config)))?;
    for f in findings.iter().filter(|f| f.severity == Severity::Warning) {
        tracing::warn!("config: {}: {}", f.key, f.message);
    }
    for note in &loaded.notes {
        tracing::warn!("config: {note}");
    }
    // Read before any event loop exists: the first reading is a blocking loopback call.
    let external_clock = match (config.environment, config.sim.external, config.api.rest_base.as_deref()) {
        (TradingEnvironment::Sim, true, Some(base)) => Some(crate::cli::sim_clock::follow(base)?),
        _ => None,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    // The embedded simulator gets a thread and an actix System of its own, started before the daemon's:
    // building its market and driving it never runs on, or waits for, a daemon arbiter.
    let sim = match config.environment {
        TradingEnvironment::Sim if config.sim.external => None,
        TradingEnvironment::Sim => {
            let keys = sim_keys(config.feed.sim_sessions);
            let sim_cfg = sim_config(&config, &keys)?;
            // A simulator without a state file forgets its accounts on exit: the daemon's tokens and journal
            // of a previous run would describe orders this simulator never saw, so sim runs start clean.
            if sim_cfg.state_file.is_none() {
                clear_dir(&config.daemon.state_dir.join("sim"))?;
            }
            let sim = EmbeddedSim::start(sim_cfg).context("starting the embedded simulator")?;
            Some((sim, keys))
        }
        TradingEnvironment::Paper | TradingEnvironment::Real => None,
    };
    let embedded = sim.as_ref().map(|(sim, keys)| (sim.endpoints.clone(), keys.clone()));
    let code = actix_rt::System::new().block_on(daemon_main(config, embedded, args.run_secs, external_clock));
    let stopped = sim.map(|(sim, _)| sim.stop()).transpose().context("stopping the simulator");
    let code = code?;
    stopped?;
    Ok(code)
}

async fn daemon_main(
    config: DaemonConfig,
    sim: Option<(SimEndpoints, Vec<Credentials>)>,
    run_secs: Option<u64>,
    external_clock: Option<VenueClock>,
) -> anyhow::Result<ExitCode> {
    let mut state_dir = config.daemon.state_dir.clone();
    let setup_parts = match sim {
        None if config.environment == TradingEnvironment::Sim && config.sim.external => {
            let (Some(rest_base), Some(ws_url), Some(clock)) =
                (config.api.rest_base.as_deref(), config.api.ws_url.as_deref(), external_clock)
            else {
                bail!("[sim] external = true needs [api] rest_base and ws_url (see `kis-trader check-config`)");
            };
            // The simulator outlives this daemon, so its journal must too: never cleared, and apart from the
            // embedded simulator's, which is.
            state_dir = state_dir.join("sim-external");
            tracing::info!(rest = %rest_base, ws = %ws_url, emulating = %config.sim.emulate, "trading on an external KIS simulator");
            let endpoints = Endpoints::custom(config.sim.emulate, rest_base, ws_url);
            let keys = sim_keys(config.feed.sim_sessions);
            (endpoints, keys, AccountNo::parse(SIM_ACCOUNT)?, Some(Secret::new(SIM_HTS_ID)), clock)
        }
        Some((sim, keys)) => {
            state_dir = state_dir.join("sim");
            let view = sim.clock.clone();
            let speed = f64::from(view.speed());
            let clock = VenueClock::from_fn(move || view.now()).with_speed(speed);
            tracing::info!(rest = %sim.rest_url, ws = %sim.ws_url, emulating = %sim.env, "embedded KIS simulator started");
            let endpoints = Endpoints::custom(sim.env, &sim.rest_url, &sim.ws_url);
            (endpoints, keys, AccountNo::parse(SIM_ACCOUNT)?, Some(Secret::new(SIM_HTS_ID)), clock)
        }
        None => {
            let env = config.environment.kis().unwrap_or(Environment::Paper);
            let api = &config.api;
            let base = match env {
                Environment::Real => Endpoints::real(),
                Environment::Paper => Endpoints::paper(),
            };
            let endpoints = Endpoints::custom(
                env,
                api.rest_base.as_deref().unwrap_or(&base.rest_base),
                api.ws_url.as_deref().unwrap_or(&base.ws_url),
            );
            let (Some(key), Some(secret), Some(account)) = (&api.app_key, &api.app_secret, &api.account) else {
                bail!("app key, app secret and account are required on {env} (see `kis-trader check-config`)");
            };
            let mut keys = vec![Credentials { app_key: key.clone(), app_secret: secret.clone() }];
            keys.extend(
                api.extra_keys
                    .iter()
                    .map(|p| Credentials { app_key: p.app_key.clone(), app_secret: p.app_secret.clone() }),
            );
            (endpoints, keys, account.clone(), api.hts_id.clone(), VenueClock::system())
        }
    };
    let (endpoints, keys, account, hts_id, clock) = setup_parts;
    let supervisor = SupervisorConfig {
        report_interval: Duration::from_secs(config.daemon.health_report_secs),
        seed: u64::try_from(Utc::now().timestamp_nanos_opt().unwrap_or(0)).unwrap_or(0),
        ..SupervisorConfig::default()
    };
    let mut plan = DayPlan::for_config(&config, clock.now());
    let cancel_open = config.daemon.cancel_open_orders_on_shutdown;
    let health_every = Duration::from_secs(config.daemon.health_report_secs);
    let setup = DaemonSetup {
        config,
        endpoints,
        keys,
        account,
        hts_id,
        clock: clock.clone(),
        strategy: None,
        supervisor,
        state_dir,
        http_timeout: Duration::from_secs(10),
        token_policy: kis_auth::TokenPolicy::default(),
    };
    let daemon = Daemon::start(setup)?;
    for end in plan.ends() {
        match end.at {
            Some(at) => tracing::info!(
                market = %end.market,
                day_ends_at = %at.with_timezone(&chrono_tz::Asia::Seoul).format("%Y-%m-%d %H:%M:%S KST"),
                "this market's trading day ends at this venue time"
            ),
            None => {
                tracing::info!(market = %end.market, "no end time for this market: the daemon runs until signalled")
            }
        }
    }

    let reason = wait_for_stop(&daemon, &mut plan, cancel_open, run_secs, health_every).await;
    tracing::info!(%reason, "stopping");
    daemon.shutdown(cancel_open).await;
    Ok(ExitCode::SUCCESS)
}

fn clear_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("clearing {}", dir.display())),
    }
}

/// Waits for SIGINT/SIGTERM, the end of every market's day or `run_secs`, ending each market's day as its
/// time comes and logging a status line every `health_every`.
async fn wait_for_stop(
    daemon: &Daemon,
    plan: &mut DayPlan,
    cancel_open: bool,
    run_secs: Option<u64>,
    health_every: Duration,
) -> &'static str {
    let started = std::time::Instant::now();
    let mut sigterm = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C still works");
            None
        }
    };
    let mut last_status = std::time::Instant::now();
    loop {
        tokio::select! {
            _ = actix_rt::signal::ctrl_c() => return "SIGINT",
            _ = async {
                match sigterm.as_mut() {
                    Some(s) => { s.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            } => return "SIGTERM",
            _ = actix_rt::time::sleep(Duration::from_millis(250)) => {}
        }
        if run_secs.is_some_and(|s| started.elapsed() >= Duration::from_secs(s)) {
            return "--run-secs elapsed";
        }
        if daemon.end_due_days(plan, cancel_open).await {
            return "every market's trading day is over";
        }
        if last_status.elapsed() >= health_every {
            last_status = std::time::Instant::now();
            status_line(daemon).await;
        }
    }
}

async fn status_line(daemon: &Daemon) {
    let feed = daemon.feed_status().await.unwrap_or_default();
    let watch = daemon.watchlist().await.len();
    // Sends without a usable answer and no trace at the broker yet: their symbols take no new order.
    let unknown: Vec<String> = daemon
        .open_orders()
        .await
        .into_iter()
        .filter(|o| o.order_id.is_none() && matches!(o.state, IntentState::Sent | IntentState::Uncertain))
        .map(|o| format!("{}({})", o.symbol, o.id))
        .collect();
    let unknown = if unknown.is_empty() { "none".to_string() } else { unknown.join(",") };
    match daemon.risk_status().await {
        Some(r) => tracing::info!(
            target: "status",
            venue_time = %daemon.clock.now().with_timezone(&chrono_tz::Asia::Seoul).format("%H:%M:%S"),
            sessions = feed.connected,
            symbols = feed.symbols,
            frames = feed.frames,
            watchlist = watch,
            positions = r.positions.len(),
            working = r.working,
            approved = r.approved,
            trades = r.day.trades,
            realised_pnl = %r.day.realised_pnl,
            cash = %r.cash.round_dp(2),
            equity = %r.equity.round_dp(0),
            state = ?r.state,
            unknown_orders = %unknown,
            "daemon status"
        ),
        None => tracing::warn!(target: "status", "risk manager not running"),
    }
}

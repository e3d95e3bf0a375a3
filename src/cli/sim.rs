//! `kis-trader sim`: the KIS-compatible exchange simulator, standalone. Prints its URLs and runs until
//! Ctrl-C (or `--run-secs`), then saves the state file if one is configured.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use kis_model::Environment;
use kis_sim::config::Listings;
use kis_sim::{SimConfig, Simulator};

#[derive(Debug, Args)]
pub struct SimArgs {
    /// TOML config (`config/sim.toml` shape); flags below override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long)]
    pub rest_port: Option<u16>,
    #[arg(long)]
    pub ws_port: Option<u16>,
    /// `real` or `paper` (default paper): which TR ids, limits and behaviours to emulate.
    #[arg(long, value_parser = parse_env)]
    pub env: Option<Environment>,
    /// KRX listings (10 to 5,000).
    #[arg(long)]
    pub symbols: Option<usize>,
    /// `krx`: the listings of config/krx-universe.toml (real codes and names, the universe a paper daemon
    /// screens); `synthetic`: generated ones (the default of the config).
    #[arg(long, value_parser = parse_listings)]
    pub listings: Option<Listings>,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Virtual seconds per real second (1 to 1,000).
    #[arg(long)]
    pub speed: Option<u32>,
    /// Stop after this many seconds (for scripts); default: run until Ctrl-C.
    #[arg(long)]
    pub run_secs: Option<u64>,
}

fn parse_env(s: &str) -> Result<Environment, String> {
    match s.to_ascii_lowercase().as_str() {
        "real" => Ok(Environment::Real),
        "paper" => Ok(Environment::Paper),
        other => Err(format!("unknown environment {other:?}: expected real or paper")),
    }
}

fn parse_listings(s: &str) -> Result<Listings, String> {
    match s.to_ascii_lowercase().as_str() {
        "krx" => Ok(Listings::Krx),
        "synthetic" => Ok(Listings::Synthetic),
        other => Err(format!("unknown listings {other:?}: expected krx or synthetic")),
    }
}

pub fn config_from(args: &SimArgs) -> anyhow::Result<SimConfig> {
    let mut c = match &args.config {
        Some(path) => SimConfig::load(path)?,
        None => SimConfig::default(),
    };
    if let Some(p) = args.rest_port {
        c.rest_port = p;
    }
    if let Some(p) = args.ws_port {
        c.ws_port = p;
    }
    if let Some(e) = args.env {
        c.env = e;
    }
    if let Some(l) = args.listings {
        c.listings = l;
    }
    if let Some(n) = args.symbols {
        c.symbols = n;
    }
    if let Some(s) = args.seed {
        c.seed = s;
    }
    if let Some(s) = args.speed {
        c.speed = s;
    }
    c.validate()?;
    Ok(c)
}

pub fn run(args: SimArgs) -> anyhow::Result<ExitCode> {
    let config = config_from(&args)?;
    actix_rt::System::new().block_on(async move {
        let env = config.env;
        let sim = Simulator::start(config).await.context("starting the simulator")?;
        let virtual_start = kis_sim::exchange::lock(sim.state()).now;
        println!("KIS simulator ({env}) virtual time starts {virtual_start}");
        println!("REST  {}", sim.rest_url());
        println!("WS    {}", sim.ws_url());
        println!("admin {}", sim.admin_url());
        match args.run_secs {
            Some(secs) => actix_rt::time::sleep(std::time::Duration::from_secs(secs)).await,
            None => {
                let _ = actix_rt::signal::ctrl_c().await;
            }
        }
        sim.stop().await.context("stopping the simulator")?;
        Ok(ExitCode::SUCCESS)
    })
}

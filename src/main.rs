//! `kis-trader`: the command-line entry point. Each subcommand lives in `src/cli/<name>.rs`.

mod cli;
mod logging;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "kis-trader", version, about = "Automated trading for the KIS Open API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode raw KIS WebSocket frames (one per stdin line) into JSON lines.
    Decode(cli::decode::DecodeArgs),
    /// Print the trading sessions of a market between two dates as CSV.
    Calendar(cli::calendar::CalendarArgs),
    /// Compute the standard indicator set over a bar CSV.
    Indicators(cli::indicators::IndicatorsArgs),
    /// Replay bars or a recording through a strategy; write trades, summary and an HTML report.
    Backtest(cli::backtest::BacktestArgs),
    /// Backtest every combination of a parameter grid in parallel and rank them.
    Optimize(cli::optimize::OptimizeArgs),
    /// Write a market feed (the synthetic market's day) to a recording that backtest and the simulator replay.
    Record(cli::record::RecordArgs),
    /// Run the trading daemon: on the embedded simulator by default, on KIS paper or real with keys.
    Run(cli::run::RunArgs),
    /// Run the KIS-compatible exchange simulator (REST + WebSocket on loopback) and print its URLs.
    Sim(cli::sim::SimArgs),
    /// Seeded fault testing: the daemon as a child process against an in-process simulator under a schedule of
    /// faults and kill -9 drawn from each seed, then invariants checked against the simulator's books.
    FaultRun(cli::fault_run::FaultRunArgs),
    /// Validate the daemon's configuration and explain it: every effective value and its origin, secrets redacted.
    CheckConfig(cli::check_config::CheckConfigArgs),
    /// The KRX universe table the screener quotes on paper: `universe refresh` rebuilds it from KIS's master files.
    Universe(cli::universe::UniverseArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => cli::decode::run(args),
        Command::Calendar(args) => cli::calendar::run(args),
        Command::Indicators(args) => cli::indicators::run(args),
        Command::Backtest(args) => cli::backtest::run(args),
        Command::Optimize(args) => cli::optimize::run(args),
        Command::Record(args) => cli::record::run(args),
        Command::Run(args) => cli::run::run(args),
        Command::Sim(args) => cli::sim::run(args),
        Command::CheckConfig(args) => cli::check_config::run(args),
        Command::FaultRun(args) => cli::fault_run::run(args),
        Command::Universe(args) => cli::universe::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

//! One module per subcommand; each exposes `XxxArgs` (clap) and `run(args) -> anyhow::Result<ExitCode>`.

pub mod backtest;
pub mod calendar;
pub mod check_config;
pub mod decode;
pub mod embedded_sim;
pub mod fault_run;
pub mod float_text;
pub mod indicators;
pub mod optimize;
pub mod record;
pub mod run;
pub mod sim;
pub mod sim_clock;
pub mod universe;

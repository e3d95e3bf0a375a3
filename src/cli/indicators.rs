//! Placeholder until the `indicators` subcommand lands.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct IndicatorsArgs {}

pub fn run(_args: IndicatorsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

//! Placeholder until the `decode` subcommand lands.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct DecodeArgs {}

pub fn run(_args: DecodeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

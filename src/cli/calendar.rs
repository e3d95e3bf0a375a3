//! Placeholder until the `calendar` subcommand lands.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CalendarArgs {}

pub fn run(_args: CalendarArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

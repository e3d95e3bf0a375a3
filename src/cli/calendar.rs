//! `kis-trader calendar`: print a market's sessions between two dates as CSV, for checking the calendar
//! tables against an exchange's announcements and for feeding schedules to other tools.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use kis_model::Market;

#[derive(clap::Args)]
pub struct CalendarArgs {
    /// Market: krx or nyse (case-insensitive).
    #[arg(long, value_parser = kis_calendar::parse_market)]
    market: Market,
    /// First local date, inclusive (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    from: NaiveDate,
    /// Last local date, inclusive (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    to: NaiveDate,
    /// Calendar table to use instead of the shipped one (same format as config/krx-calendar.toml or
    /// config/nyse-calendar.toml, for the chosen market).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("expected a date like 2026-11-19 ({e})"))
}

pub fn run(args: CalendarArgs) -> anyhow::Result<ExitCode> {
    let calendar = match &args.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("reading calendar table {}", path.display()))?;
            kis_calendar::calendar_from_toml(args.market, &text)
                .with_context(|| format!("loading calendar table {}", path.display()))?
        }
        None => kis_calendar::shipped_calendar(args.market)?,
    };
    let sessions = calendar.sessions(args.from, args.to)?;

    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "date,open,close")?;
    for s in &sessions {
        writeln!(out, "{},{},{}", s.date, s.open.format("%H:%M"), s.close.format("%H:%M"))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

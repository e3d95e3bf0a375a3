//! `kis-trader check-config [--config FILE]`: loads the daemon's configuration exactly as `run` will, prints
//! every effective value with where it came from (secrets redacted), then the warnings and errors.
//! Exit 0 when the daemon would accept it, 1 when not.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use kis_config::{Severity, check, explain, load_process};

#[derive(Args)]
pub struct CheckConfigArgs {
    /// A TOML file layered over the shipped config/default.toml (environment variables override both).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

pub fn run(args: CheckConfigArgs) -> anyhow::Result<ExitCode> {
    let (report, valid) = report(&args);
    // A closed pipe (`| head`) is the reader's choice, not a failure of the check.
    match std::io::stdout().lock().write_all(report.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(if valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The whole output, and whether the daemon would accept the configuration.
fn report(args: &CheckConfigArgs) -> (String, bool) {
    let mut out = String::new();
    let layers = match &args.config {
        Some(path) => format!("config/default.toml (built in) < {} < environment", path.display()),
        None => "config/default.toml (built in) < environment".to_string(),
    };
    let _ = writeln!(out, "# layers, lowest first: {layers}");
    let loaded = match load_process(args.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(e) => {
            let _ = writeln!(out, "error: {e}\nconfig is invalid: 1 error");
            return (out, false);
        }
    };
    let lines = explain(&loaded);
    let width = lines.iter().map(|l| l.key.len() + l.value.len() + 3).max().unwrap_or(0).min(72);
    for line in &lines {
        let assignment = format!("{} = {}", line.key, line.value);
        let _ = writeln!(out, "{assignment:<width$}  # {}", line.origin);
    }
    let _ = writeln!(out);
    for note in &loaded.notes {
        let _ = writeln!(out, "warning: {note}");
    }
    let findings = check(&loaded.config);
    for finding in &findings {
        let _ = writeln!(out, "{finding}");
    }
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = findings.len() - errors + loaded.notes.len();
    if errors == 0 {
        let env = loaded.config.environment;
        let _ = writeln!(out, "config is valid ({env} environment, {warnings} warning{})", plural(warnings));
    } else {
        let _ = writeln!(out, "config is invalid: {errors} error{}", plural(errors));
    }
    (out, errors == 0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

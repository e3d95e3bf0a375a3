//! `kis-trader check-config [--config FILE]`: loads the daemon's configuration exactly as `run` will, prints
//! every effective value with where it came from (secrets redacted), then the warnings and errors.
//! Exit 0 when the daemon would accept it, 1 when not.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use kis_config::{
    DaemonConfig, Finding, Severity, UniverseSummary, check, explain, key_roles, load_process, watch_finding,
};

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
    let mut findings = check(&loaded.config);
    let universe = match universe_summary(&loaded.config) {
        Ok(u) => u,
        Err(message) => {
            findings.insert(0, Finding { severity: Severity::Error, key: "screener.universe_file".into(), message });
            UniverseSummary { codes: 0, from: "an unreadable universe_file".into() }
        }
    };
    for role in key_roles(&loaded.config, &universe) {
        let _ = writeln!(out, "# {role}");
    }
    let _ = writeln!(out);
    findings.extend(watch_finding(&loaded.config, &universe));
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

/// The universe the screener would quote, as the daemon resolves it at start.
fn universe_summary(config: &DaemonConfig) -> Result<UniverseSummary, String> {
    let screener = &config.screener;
    if !screener.universe.is_empty() {
        return Ok(UniverseSummary { codes: screener.universe.len(), from: "[screener] universe".into() });
    }
    let (table, from) = match &screener.universe_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let table =
                kis_universe::UniverseTable::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            (table, path.display().to_string())
        }
        None => (
            kis_universe::UniverseTable::shipped().map_err(|e| e.to_string())?,
            "config/krx-universe.toml (built in)".to_string(),
        ),
    };
    Ok(UniverseSummary { codes: table.listings.len(), from: format!("{from}, as of {}", table.as_of) })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

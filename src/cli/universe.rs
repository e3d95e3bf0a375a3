//! `kis-trader universe refresh`: rebuilds the KRX universe table (`config/krx-universe.toml`) from KIS's
//! stock master files. With `--kospi-mst`/`--kosdaq-mst` it reads files already downloaded and unzipped;
//! without them it downloads the two zips from KIS's public URL and extracts them with the system `unzip`
//! (the only network this command uses, and only when asked). The parse and the table are
//! `kis_protocol::master` and `kis_universe`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::{Args, Subcommand};
use kis_model::KrxBoard;
use kis_protocol::master::{KOSDAQ_MASTER_URL, KOSPI_MASTER_URL, MasterRecord, parse_master};
use kis_universe::{Selection, from_master};

#[derive(Debug, Args)]
pub struct UniverseArgs {
    #[command(subcommand)]
    pub command: UniverseCommand,
}

#[derive(Debug, Subcommand)]
pub enum UniverseCommand {
    /// Rebuild the table from KIS's master files (KOSPI 200 + KOSDAQ 150 constituents, exact share counts).
    Refresh(RefreshArgs),
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// An unzipped kospi_code.mst (with --kosdaq-mst); default: download it.
    #[arg(long, requires = "kosdaq_mst")]
    pub kospi_mst: Option<PathBuf>,
    /// An unzipped kosdaq_code.mst (with --kospi-mst).
    #[arg(long, requires = "kospi_mst")]
    pub kosdaq_mst: Option<PathBuf>,
    /// Where to write the table. Point `[screener] universe_file` at it for the daemon to use it.
    #[arg(long, default_value = "config/krx-universe.toml")]
    pub out: PathBuf,
    /// At least this many listings (index members first, then the largest other common shares).
    #[arg(long, default_value_t = Selection::default().min)]
    pub min: usize,
    /// At most this many.
    #[arg(long, default_value_t = Selection::default().max)]
    pub max: usize,
}

pub fn run(args: UniverseArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        UniverseCommand::Refresh(r) => refresh(r),
    }
}

fn refresh(args: RefreshArgs) -> anyhow::Result<ExitCode> {
    let (kospi, kosdaq) = match (&args.kospi_mst, &args.kosdaq_mst) {
        (Some(a), Some(b)) => (read(a)?, read(b)?),
        _ => (download(KOSPI_MASTER_URL, "kospi_code.mst")?, download(KOSDAQ_MASTER_URL, "kosdaq_code.mst")?),
    };
    let mut records: Vec<MasterRecord> = Vec::new();
    for (bytes, board) in [(&kospi, KrxBoard::Kospi), (&kosdaq, KrxBoard::Kosdaq)] {
        let file = parse_master(bytes, board)?;
        for e in file.errors.iter().take(5) {
            eprintln!("warning: {} master file: {e}", board.as_str());
        }
        // A handful of odd lines among thousands is KIS's business; many mean the wrong file or layout.
        if file.errors.len() * 20 > file.records.len() + file.errors.len() {
            bail!(
                "{} master file: {} of {} lines unreadable; is it the right file?",
                board.as_str(),
                file.errors.len(),
                file.records.len() + file.errors.len()
            );
        }
        records.extend(file.records);
    }
    if args.min > args.max {
        bail!("--min {} is above --max {}", args.min, args.max);
    }
    let table = from_master(&records, Utc::now().date_naive(), Selection { min: args.min, max: args.max });
    if table.listings.is_empty() {
        bail!("the master files hold no tradable common share: nothing written to {}", args.out.display());
    }
    let header = format!(
        "KRX universe, rebuilt by `kis-trader universe refresh` from KIS's stock master files ({} and {}).\n\
         The screener quotes these codes in turn where KIS offers no rank lists (paper), and whenever the rank\n\
         lists fail on the real domain. Run the command again after KRX's index reviews (June and December).\n\
         Format: as_of, source, listed_shares_exact, listings = [ {{ code, name, market, listed_shares }} ].",
        KOSPI_MASTER_URL, KOSDAQ_MASTER_URL
    );
    let text = table.to_toml(&header);
    kis_universe::UniverseTable::from_toml(&text).context("the table just built does not read back")?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = args.out.with_extension("toml.tmp");
    std::fs::write(&tmp, &text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &args.out).with_context(|| format!("replacing {}", args.out.display()))?;
    println!("wrote {} listings to {} ({})", table.listings.len(), args.out.display(), table.source);
    Ok(ExitCode::SUCCESS)
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Downloads a master zip and returns the `.mst` inside it.
fn download(url: &str, member: &str) -> anyhow::Result<Vec<u8>> {
    let zip = actix_rt::System::new().block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
        let mut resp = client.get(url).send().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        if !resp.status().is_success() {
            bail!("HTTP {}", resp.status());
        }
        resp.body().limit(64 << 20).await.map(|b| b.to_vec()).map_err(|e| anyhow::anyhow!("{e}"))
    });
    let zip = zip.with_context(|| {
        format!(
            "downloading {url} failed (no network?). Download and unzip it yourself, then run `kis-trader \
             universe refresh --kospi-mst kospi_code.mst --kosdaq-mst kosdaq_code.mst`"
        )
    })?;
    let dir = std::env::temp_dir().join(format!("kis-universe-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let zip_path = dir.join(format!("{member}.zip"));
    std::fs::write(&zip_path, zip)?;
    let out = std::process::Command::new("unzip")
        .arg("-p")
        .arg(&zip_path)
        .arg(member)
        .output()
        .context("running `unzip` (install it, or unzip the file yourself and pass --kospi-mst/--kosdaq-mst)")?;
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() || out.stdout.is_empty() {
        bail!("unzip found no {member} in {url}: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(out.stdout)
}

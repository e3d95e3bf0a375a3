//! `kis-trader record`: write a market feed to a recording (docs/recording-format.md) that `backtest` and the
//! simulator replay.
//!
//! `--synthetic` records one full KRX session of the deterministic synthetic market (the same market the
//! simulator serves) without any socket: a reproducible "simulator day" for backtests and bug reports.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};
use kis_calendar::{KrxCalendar, TradingCalendar};
use kis_model::MarketEvent;
use kis_synth::{MarketConfig, MarketSource, RecordingWriter, SyntheticMarket, Universe, UniverseConfig};

#[derive(clap::Args)]
pub struct RecordArgs {
    /// Record the synthetic market (the simulator's) for one KRX session.
    #[arg(long)]
    synthetic: bool,
    /// Session date (KST, YYYY-MM-DD); default: the next KRX session from now.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<NaiveDate>,
    /// Number of KRX symbols (10 to 5,000).
    #[arg(long, default_value_t = 20)]
    symbols: usize,
    /// Market seed: one seed, one day.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Average trades per symbol per minute.
    #[arg(long, default_value_t = 20.0)]
    trades_per_minute: f64,
    /// Also write completed 1-minute bars.
    #[arg(long)]
    bars: bool,
    /// Also write the 10-level book after every change (about 5× the file size; trades carry the best bid
    /// and ask either way).
    #[arg(long)]
    books: bool,
    /// Output file (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub fn run(args: RecordArgs) -> anyhow::Result<ExitCode> {
    if !args.synthetic {
        bail!("choose a source: --synthetic (live recording from a KIS or simulator WebSocket comes with the daemon)");
    }
    if !(10..=5_000).contains(&args.symbols) {
        bail!("--symbols must be between 10 and 5000 (got {})", args.symbols);
    }
    let calendar = KrxCalendar::shipped()?;
    let session = match args.date {
        Some(date) => {
            calendar.session(date)?.with_context(|| format!("{date} is not a KRX trading day (weekend or holiday)"))?
        }
        None => {
            let open = calendar.next_open(Utc::now())?;
            let date = open.with_timezone(&chrono_tz::Asia::Seoul).date_naive();
            calendar.session(date)?.with_context(|| format!("no KRX session on {date}"))?
        }
    };
    let universe = Universe::generate(UniverseConfig { seed: args.seed, krx_symbols: args.symbols, us_symbols: 0 })?;
    let config = MarketConfig {
        seed: args.seed,
        trades_per_minute: args.trades_per_minute,
        emit_bars: args.bars,
        ..MarketConfig::default()
    };
    let mut market = SyntheticMarket::new(universe, config, session.open_utc())?;

    let sink: Box<dyn Write> = if args.out.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?)
    };
    let mut writer = RecordingWriter::new(BufWriter::new(sink))?;
    let mut written = 0u64;
    let mut failure = None;
    market.advance_to(session.close_utc(), &mut |event| {
        if matches!(event, MarketEvent::Book(_)) && !args.books {
            return;
        }
        if failure.is_none() {
            match writer.write(event) {
                Ok(()) => written += 1,
                Err(e) => failure = Some(e),
            }
        }
    })?;
    if let Some(e) = failure {
        return Err(e).context("writing the recording");
    }
    writer.flush()?;
    eprintln!(
        "recorded {written} events of {} symbols, KRX session {} {}–{} KST",
        args.symbols,
        session.date,
        session.open_local().format("%H:%M"),
        session.close_local().format("%H:%M")
    );
    Ok(ExitCode::SUCCESS)
}

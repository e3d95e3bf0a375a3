//! `kis-trader record`: write a market feed to a recording (docs/recording-format.md) that `backtest` and the
//! simulator replay.
//!
//! - `--synthetic` records one full KRX session of the deterministic synthetic market (the same market the
//!   simulator serves) without any socket: a reproducible "simulator day" for backtests and bug reports.
//! - `--rest-url/--ws-url` records a live feed (KIS, or the simulator standing in for it) over the real client:
//!   approval key over REST, trade subscriptions (H0STCNT0 for KRX codes, HDFSCNT0 for `EXCHANGE:TICKER`; with
//!   `--books` H0STASP0/HDFSASP0 too), PINGPONG answered, frames converted by the daemon's own
//!   `ws::market_events`.

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
    /// Live source: REST base URL for the approval key (e.g. the simulator's `http://127.0.0.1:PORT`).
    /// Credentials come from `KIS_APP_KEY` and `KIS_APP_SECRET` (any value works against the simulator).
    #[arg(long, requires = "ws_url", conflicts_with = "synthetic")]
    rest_url: Option<String>,
    /// Live source: WebSocket URL (KIS: `ws://ops.koreainvestment.com:21000/tryitout`).
    #[arg(long, requires = "rest_url")]
    ws_url: Option<String>,
    /// Live source: comma-separated symbols to subscribe, KRX codes or `EXCHANGE:TICKER` (KIS allows 41
    /// registrations per session; `--books` takes two per symbol).
    #[arg(long, value_delimiter = ',')]
    codes: Vec<String>,
    /// Live source: stop after this many seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Output file (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

fn open_output(path: &PathBuf) -> anyhow::Result<RecordingWriter<BufWriter<Box<dyn Write>>>> {
    let sink: Box<dyn Write> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(path).with_context(|| format!("creating {}", path.display()))?)
    };
    Ok(RecordingWriter::new(BufWriter::new(sink))?)
}

pub fn run(args: RecordArgs) -> anyhow::Result<ExitCode> {
    if let (Some(rest), Some(ws)) = (&args.rest_url, &args.ws_url) {
        return live::record(rest, ws, &args);
    }
    if !args.synthetic {
        bail!("choose a source: --synthetic, or --rest-url and --ws-url for a live feed");
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
            let date = kis_model::kst::kst_date(open);
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

    let mut writer = open_output(&args.out)?;
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

mod live {
    use std::time::{Duration, Instant};

    use anyhow::{Context, bail};
    use kis_actors::venue_clock::VenueClock;
    use kis_client::{Credentials, Endpoints, RestClient, WsConnection, WsEvent};
    use kis_model::kst::kst_date;
    use kis_model::{Environment, MarketEvent, Symbol};
    use kis_protocol::ws::{Control, SubscribeRequest, WsMessage, WsTrId, decode_message, market_events};

    use super::{RecordArgs, open_output};

    /// KIS allows 41 registrations per WebSocket session.
    const REGISTRATIONS: usize = 41;

    /// What a live session recorded, for the closing line.
    #[derive(Default)]
    struct Tally {
        trades: u64,
        books: u64,
        bad: u64,
        pings: u64,
    }

    impl Tally {
        fn skipped(&mut self, what: &str, e: &dyn std::fmt::Display) {
            self.bad += 1;
            if self.bad <= 5 {
                eprintln!("skipped {what}: {e}");
            }
        }
    }

    /// The channels a symbol is recorded from: its market's trades, and with `books` its book.
    fn channels(symbol: &Symbol, books: bool) -> Vec<WsTrId> {
        let (trades, book) = match symbol {
            Symbol::Krx(_) => (WsTrId::H0stcnt0, WsTrId::H0stasp0),
            Symbol::Us(..) => (WsTrId::Hdfscnt0, WsTrId::Hdfsasp0),
        };
        if books { vec![trades, book] } else { vec![trades] }
    }

    /// The clock KRX books are dated by (they carry only a time): the simulator's virtual clock when the REST
    /// base is one of ours (its day need not be today), else the wall clock, which is KIS's.
    fn venue_clock(rest_url: &str) -> (VenueClock, &'static str) {
        match crate::cli::sim_clock::follow(rest_url) {
            Ok(clock) => (clock, "the simulator's clock"),
            Err(_) => (VenueClock::system(), "the wall clock"),
        }
    }

    pub fn record(rest_url: &str, ws_url: &str, args: &RecordArgs) -> anyhow::Result<std::process::ExitCode> {
        if args.codes.is_empty() || args.codes.len() > REGISTRATIONS {
            bail!("--codes must list 1 to {REGISTRATIONS} symbols (got {})", args.codes.len());
        }
        let symbols = args
            .codes
            .iter()
            .map(|c| Symbol::parse(c).with_context(|| format!("--codes {c:?}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let registrations: usize = symbols.iter().map(|s| channels(s, args.books).len()).sum();
        if registrations > REGISTRATIONS {
            bail!("--codes with --books needs {registrations} registrations; one KIS session allows {REGISTRATIONS}");
        }
        let (Ok(key), Ok(secret)) = (std::env::var("KIS_APP_KEY"), std::env::var("KIS_APP_SECRET")) else {
            bail!("set KIS_APP_KEY and KIS_APP_SECRET (any value works against the simulator)");
        };
        let endpoints = Endpoints::custom(Environment::Paper, rest_url, ws_url);
        let mut writer = open_output(&args.out)?;
        let (clock, clock_name) = venue_clock(rest_url);
        let tally = actix_rt::System::new().block_on(async {
            let client = RestClient::new(endpoints, Credentials::new(key, secret), 2, Duration::from_secs(10));
            let approval = client.approval_key().await.context("WebSocket approval key")?;
            let mut ws = WsConnection::connect(ws_url, Duration::from_secs(10)).await?;
            for symbol in &symbols {
                for channel in channels(symbol, args.books) {
                    let key = symbol.ws_tr_key();
                    let request = SubscribeRequest::register(approval.approval_key.expose(), channel, &key);
                    ws.send_text(&request.to_json()).await?;
                }
            }
            let deadline = Instant::now() + Duration::from_secs(args.seconds);
            let mut tally = Tally::default();
            let mut events = Vec::new();
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                let event = match tokio::time::timeout(left, ws.next_event()).await {
                    Err(_) => break,
                    Ok(event) => event?,
                };
                let text = match event {
                    WsEvent::Text(text) => text,
                    WsEvent::Closed(reason) => bail!("the server closed the WebSocket: {reason:?}"),
                };
                match decode_message(&text) {
                    Ok(WsMessage::Control(Control::PingPong { .. })) => {
                        tally.pings += 1;
                        ws.send_text(&text).await?;
                    }
                    Ok(WsMessage::Control(Control::Reply(reply))) if !reply.code.is_success() => {
                        eprintln!(
                            "subscription refused: {} {} {}",
                            reply.code.as_str(),
                            reply.msg1.trim(),
                            reply.tr_key.unwrap_or_default()
                        );
                    }
                    Ok(WsMessage::Control(_)) => {}
                    Ok(WsMessage::Data(frame)) => {
                        events.clear();
                        // The good records of a frame are kept even when one of them is bad.
                        if let Err(e) = market_events(&frame, &mut || kst_date(clock.now()), &mut events) {
                            tally.skipped("a record", &e);
                        }
                        for e in &events {
                            if matches!(e, MarketEvent::Trade(_)) {
                                tally.trades += 1;
                            } else {
                                tally.books += 1;
                            }
                            writer.write(e).context("writing the recording")?;
                        }
                    }
                    Err(e) => tally.skipped("a message", &e),
                }
            }
            ws.close().await;
            Ok::<Tally, anyhow::Error>(tally)
        })?;
        writer.flush()?;
        eprintln!(
            "recorded {} trades and {} books of {} symbols in {} s ({} PINGPONG answered, {} bad records skipped; \
             books dated by {clock_name})",
            tally.trades,
            tally.books,
            symbols.len(),
            args.seconds,
            tally.pings,
            tally.bad
        );
        Ok(std::process::ExitCode::SUCCESS)
    }
}

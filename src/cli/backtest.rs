//! `kis-trader backtest`: replays a bar CSV or a recording through the live strategies and risk rules and
//! writes `trades.csv`, `summary.json` and `report.html` to `--out`.
//!
//! Settings come from `--config` (TOML, shape in kis-backtest's `config` module docs) with the flags on top.
//! Input: a file whose first line is `#kis-recording v1` is a recording (trades and books drive the run, or
//! its bars with `--events bars`); anything else is a bar CSV `ts,open,high,low,close,volume` for `--symbol`.

use std::cell::Cell;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use anyhow::{Context, anyhow, bail};
use kis_backtest::config::InstrumentName;
use kis_backtest::input::RECORDING_HEADER_PREFIX;
use kis_backtest::report::{render_html, summary_json, write_trades_csv};
use kis_backtest::{
    Backtest, BacktestConfig, BacktestResult, BarCsvReader, InputError, RecordingEvents, RecordingInput, RunFile,
    RunTable, StrategyName,
};
use kis_model::{MarketEvent, Symbol};
use kis_strategy::{StrategyConfig, StrategyFactory};
use rust_decimal::Decimal;

#[derive(clap::Args)]
pub struct BacktestArgs {
    /// Bar CSV (`ts,open,high,low,close,volume`) or `#kis-recording v1` file.
    #[arg(long)]
    pub data: PathBuf,
    /// rsi-reversal, krx-scalping or us-rsi-macd; several (comma-separated) run side by side, each in its
    /// own account.
    #[arg(long, value_delimiter = ',', required = true)]
    pub strategy: Vec<String>,
    #[command(flatten)]
    pub run: RunOptions,
    #[arg(long, default_value = "backtest-out")]
    pub out: PathBuf,
}

/// Run settings shared by `backtest` and `optimize`; each flag overrides the `--config` file.
#[derive(clap::Args)]
pub struct RunOptions {
    /// The symbol a bar CSV holds (005930, NASDAQ:AAPL); for a recording, trade only this one.
    #[arg(long)]
    pub symbol: Option<String>,
    /// TOML with run, risk and strategy settings.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Flat commission rate per side, replacing config/fees.toml (e.g. 0.00015).
    #[arg(long)]
    pub commission_rate: Option<Decimal>,
    /// Flat sell tax rate, replacing the dated KRX tax and the US SEC fee (e.g. 0.002).
    #[arg(long)]
    pub sell_tax_rate: Option<Decimal>,
    /// close: at the signalling bar's close / tick; next: at the next bar's open / next tick.
    #[arg(long)]
    pub fill: Option<String>,
    /// Slippage against us, in ticks of the KRX grid or US cents.
    #[arg(long)]
    pub slippage_ticks: Option<u32>,
    /// Starting cash of each strategy's account.
    #[arg(long)]
    pub initial_cash: Option<Decimal>,
    /// For recordings: ticks (trades and books, the default) or bars.
    #[arg(long)]
    pub events: Option<String>,
}

/// Settings shared by `backtest` and `optimize`.
pub struct Setup {
    pub table: RunTable,
    pub names: Vec<StrategyName>,
    pub events: RecordingEvents,
}

impl Setup {
    /// The `--config` file with the flags of `options` on top, for `strategies`.
    pub fn new(options: &RunOptions, strategies: &[String]) -> anyhow::Result<Setup> {
        let mut table = match options.config.as_deref() {
            Some(path) => {
                let text = fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
                RunTable::parse(&text).with_context(|| format!("in {}", path.display()))?
            }
            None => RunTable::default(),
        };
        let names = strategies.iter().map(|s| s.parse::<StrategyName>()).collect::<Result<Vec<_>, _>>()?;
        let first = *names.first().ok_or_else(|| anyhow!("no strategy given"))?;
        let text = |s: &str| toml::Value::String(s.to_string());
        let decimal = |d: Decimal| toml::Value::String(d.to_string());
        let mut set = |key: &str, value: Option<toml::Value>| match value {
            Some(v) => table.set(first, key, v),
            None => Ok(()),
        };
        set("symbol", options.symbol.as_deref().map(text))?;
        set("commission_rate", options.commission_rate.map(decimal))?;
        set("sell_tax_rate", options.sell_tax_rate.map(decimal))?;
        set("fill", options.fill.as_deref().map(text))?;
        set("slippage_ticks", options.slippage_ticks.map(|n| toml::Value::Integer(i64::from(n))))?;
        set("initial_cash", options.initial_cash.map(decimal))?;
        table.typed()?;
        let events = options.events.as_deref().map(str::parse).transpose()?.unwrap_or_default();
        Ok(Setup { table, names, events })
    }

    /// The run settings and the strategies of `table` (the setup's own, or an optimiser's variant of it).
    pub fn resolve(&self, table: &RunTable) -> anyhow::Result<(BacktestConfig, Vec<StrategyConfig>)> {
        let file: RunFile = table.typed()?;
        let strategies = self.names.iter().map(|n| file.strategy(*n)).collect::<Result<Vec<StrategyConfig>, _>>()?;
        let market = match &file.symbol {
            Some(text) => Symbol::parse(text).map_err(|e| anyhow!("symbol: {e}"))?.market(),
            None => self.names.first().map(|n| n.default_market()).ok_or_else(|| anyhow!("no strategy given"))?,
        };
        let config = file.backtest_config(market)?;
        if let Some(symbol) = config.symbol {
            let kind = file.instrument.unwrap_or(InstrumentName::Stock).kind();
            for (name, strategy) in self.names.iter().zip(&strategies) {
                strategy.build(symbol, kind).map_err(|e| anyhow!("strategy {name}: {e}"))?;
            }
        }
        Ok((config, strategies))
    }
}

/// Bytes consumed so far, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// A plain-text progress bar on stderr, drawn only when stderr is a terminal.
struct Progress {
    total: u64,
    read: Rc<Cell<u64>>,
    shown: Option<u64>,
    enabled: bool,
}

impl Progress {
    fn tick(&mut self) {
        if !self.enabled || self.total == 0 {
            return;
        }
        let percent = (self.read.get().min(self.total) * 100) / self.total;
        if self.shown == Some(percent) {
            return;
        }
        self.shown = Some(percent);
        let filled = (percent / 2) as usize;
        eprint!("\r[{}{}] {percent:>3}%", "#".repeat(filled), " ".repeat(50 - filled));
    }

    fn done(&self) {
        if self.enabled && self.shown.is_some() {
            eprintln!();
        }
    }
}

/// Opens the data file as an event stream; `progress` is fed the bytes read.
pub fn open_events(
    path: &Path,
    config: &BacktestConfig,
    events: RecordingEvents,
    read: Rc<Cell<u64>>,
) -> anyhow::Result<Box<dyn Iterator<Item = Result<MarketEvent, InputError>>>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut input = BufReader::with_capacity(1 << 16, Counting { inner: file, read });
    let is_recording = input.fill_buf()?.starts_with(RECORDING_HEADER_PREFIX.as_bytes());
    if is_recording {
        return Ok(Box::new(RecordingInput::new(input, events)));
    }
    let Some(symbol) = config.symbol else {
        bail!(
            "{} is a bar CSV, which has no symbol column: give --symbol (e.g. 005930 or NASDAQ:AAPL)",
            path.display()
        );
    };
    Ok(Box::new(BarCsvReader::new(input, symbol, config.market.tz())))
}

pub fn run(args: BacktestArgs) -> anyhow::Result<ExitCode> {
    let setup = Setup::new(&args.run, &args.strategy)?;
    let (config, strategies) = setup.resolve(&setup.table)?;
    let read = Rc::new(Cell::new(0));
    let total = fs::metadata(&args.data).map(|m| m.len()).unwrap_or(0);
    let events = open_events(&args.data, &config, setup.events, Rc::clone(&read))?;
    let mut progress = Progress { total, read, shown: None, enabled: io::stderr().is_terminal() };
    let mut backtest = Backtest::new(&config, strategies)?;
    for (n, event) in events.enumerate() {
        let event = event.with_context(|| format!("in {}", args.data.display()))?;
        backtest.on_event(&event)?;
        if n % 65_536 == 0 {
            progress.tick();
        }
    }
    progress.tick();
    progress.done();
    let result = backtest.finish();
    write_outputs(&args.out, &result)?;
    print_summary(&args.out, &result)?;
    Ok(ExitCode::SUCCESS)
}

/// File name of one strategy's trade list: its id with anything but letters, digits, `-` and `_` replaced.
fn strategy_file(id: &str) -> String {
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    format!("trades-{safe}.csv")
}

pub fn write_outputs(dir: &Path, result: &BacktestResult) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let create = |name: &str| -> anyhow::Result<BufWriter<File>> {
        let path = dir.join(name);
        Ok(BufWriter::new(File::create(&path).with_context(|| format!("cannot write {}", path.display()))?))
    };
    write_trades_csv(&result.trades, result.tz, create("trades.csv")?)?;
    if result.strategies.len() > 1 {
        for strategy in &result.strategies {
            write_trades_csv(&strategy.trades, result.tz, create(&strategy_file(strategy.id.as_str()))?)?;
        }
    }
    let mut summary = create("summary.json")?;
    summary.write_all(summary_json(result)?.as_bytes())?;
    summary.flush()?;
    let mut html = create("report.html")?;
    html.write_all(render_html(result).as_bytes())?;
    html.flush()?;
    Ok(())
}

fn print_summary(dir: &Path, result: &BacktestResult) -> anyhow::Result<()> {
    let s = &result.summary;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
    writeln!(
        out,
        "events {}  trades {}  win_rate {}  total_pnl {} {}",
        result.events,
        s.trades,
        opt(s.win_rate),
        s.total_pnl,
        s.currency
    )?;
    writeln!(
        out,
        "profit_factor {}  max_drawdown {}  sharpe {}  final_equity {}",
        opt(s.profit_factor),
        s.max_drawdown,
        opt(s.sharpe),
        s.final_equity
    )?;
    writeln!(out, "wrote {}/{{trades.csv,summary.json,report.html}}", dir.display())?;
    Ok(())
}

//! `kis-trader optimize`: a backtest per combination of a parameter grid, in parallel, ranked.
//!
//! The data is read once into memory and shared by every run. Every combination's settings are built and
//! checked before the first run, so a misspelt parameter fails at once. Output: the ranked table on stdout
//! (best 20) and all of it in `DIR/optimize.csv`; the order depends only on the results and the grid, never
//! on thread timing.

use std::cell::Cell;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

use anyhow::{Context, anyhow};
use kis_backtest::optimize::{Grid, GridRow, RankBy, format_table, rank, run_parallel, value_text, write_optimize_csv};
use kis_backtest::{BacktestConfig, run as run_backtest};
use kis_model::MarketEvent;
use kis_strategy::StrategyConfig;

use super::backtest::{RunOptions, Setup, open_events};

#[derive(clap::Args)]
pub struct OptimizeArgs {
    /// Bar CSV or `#kis-recording v1` file.
    #[arg(long)]
    pub data: PathBuf,
    /// rsi-reversal, krx-scalping or us-rsi-macd.
    #[arg(long)]
    pub strategy: String,
    /// `param=v1,v2,...;param2=...` over the strategy's config fields (dotted for nested ones, e.g.
    /// `exits.stop_loss_pct`) or run settings (`slippage_ticks`, `risk.sizing.max_position_pct`).
    #[arg(long)]
    pub grid: String,
    /// Parallel runs (default: every core).
    #[arg(long)]
    pub jobs: Option<usize>,
    #[arg(long, default_value = "optimize-out")]
    pub out: PathBuf,
    /// total_pnl, sharpe or profit_factor.
    #[arg(long, default_value = "total_pnl")]
    pub rank_by: String,
    #[command(flatten)]
    pub run: RunOptions,
}

/// Rows shown on stdout; the CSV has all.
const SHOWN: usize = 20;

pub fn run(args: OptimizeArgs) -> anyhow::Result<ExitCode> {
    let rank_by: RankBy = args.rank_by.parse()?;
    let grid = Grid::parse(&args.grid)?;
    let setup = Setup::new(&args.run, std::slice::from_ref(&args.strategy))?;
    let name = *setup.names.first().ok_or_else(|| anyhow!("no strategy given"))?;
    let n = grid.combinations()?;
    let mut runs: Vec<(BacktestConfig, Vec<StrategyConfig>)> = Vec::with_capacity(n);
    for i in 0..n {
        let mut table = setup.table.clone();
        let combination = grid.combination(i);
        for (param, value) in &combination {
            table.set(name, param, (*value).clone())?;
        }
        let described =
            || combination.iter().map(|(p, v)| format!("{p}={}", value_text(v))).collect::<Vec<_>>().join(", ");
        runs.push(setup.resolve(&table).with_context(|| format!("grid combination {}", described()))?);
    }
    let (base_config, _) = setup.resolve(&setup.table)?;
    let events: Vec<MarketEvent> = open_events(&args.data, &base_config, setup.events, Rc::new(Cell::new(0)))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("in {}", args.data.display()))?;
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let results = run_parallel(n, jobs, |i| {
        let (config, strategies) = &runs[i];
        run_backtest(config, strategies.clone(), &events)
    });
    let mut rows = Vec::with_capacity(n);
    for (i, result) in results.into_iter().enumerate() {
        let params: Vec<(String, String)> =
            grid.combination(i).iter().map(|(p, v)| ((*p).to_string(), value_text(v))).collect();
        let result = result.with_context(|| {
            let text: Vec<String> = params.iter().map(|(p, v)| format!("{p}={v}")).collect();
            format!("grid combination {}", text.join(", "))
        })?;
        rows.push(GridRow { index: i, params, summary: result.summary });
    }
    rank(&mut rows, rank_by);
    fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let path = args.out.join("optimize.csv");
    let file = File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    write_optimize_csv(&grid, &rows, BufWriter::new(file))?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{n} combinations of {name}, {} events, ranked by {rank_by}", events.len())?;
    out.write_all(format_table(&grid, &rows, SHOWN).as_bytes())?;
    writeln!(out, "wrote {}", path.display())?;
    Ok(ExitCode::SUCCESS)
}

//! The run: events in, every strategy's account stepped, the equity curve marked, results out.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use kis_model::{Currency, MarketEvent};
use kis_strategy::risk::RiskConfig;
use kis_strategy::{StrategyConfig, StrategyId};
use rust_decimal::Decimal;

use crate::config::{BacktestConfig, FillModel};
use crate::equity::EquityCurve;
use crate::error::{BacktestError, SettingsError};
use crate::metrics::{Summary, SummaryInput, summarise};
use crate::sleeve::{OpenHolding, Sleeve, SleeveStats};
use crate::trade::{ClosedTrade, Execution};

/// The id a strategy config gives its instances (and its trades).
pub fn strategy_id(config: &StrategyConfig) -> StrategyId {
    StrategyId::new(match config {
        StrategyConfig::KrxScalping(c) => &c.id,
        StrategyConfig::UsRsiMacd(c) => &c.id,
        StrategyConfig::RsiReversal(c) => &c.id,
    })
}

/// The risk rules of one strategy's account: its own `risk` table; else the run's `[risk]` when the file
/// sets one (it applies to every strategy of the run, so an optimiser's `risk.…` grid reaches them all); else
/// the strategy's own default (for the US bot, its rule: 30 % of the cash left, no per-position cap). A run
/// `[risk]` equal to the defaults counts as not set.
pub fn sleeve_risk(config: &BacktestConfig, strategy: &StrategyConfig) -> RiskConfig {
    match strategy.risk() {
        Some(own) => *own,
        None if config.risk != RiskConfig::default() => config.risk,
        None => strategy.default_risk(),
    }
}

/// A backtest in progress. Push events in time order with [`on_event`](Self::on_event), then
/// [`finish`](Self::finish).
pub struct Backtest {
    sleeves: Vec<Sleeve>,
    curve: EquityCurve,
    currency: Currency,
    tz: Tz,
    fill: FillModel,
    slippage_ticks: u32,
    /// Minute (Unix seconds / 60) of the last trade or book; tick data is marked when it changes.
    minute: Option<i64>,
    last_tick: Option<DateTime<Utc>>,
    last_bar: Option<DateTime<Utc>>,
    /// A tick arrived after the last mark.
    unmarked: bool,
    events: u64,
}

impl Backtest {
    /// One account per strategy, each starting with `config.initial_cash`.
    pub fn new(config: &BacktestConfig, strategies: Vec<StrategyConfig>) -> Result<Backtest, BacktestError> {
        if strategies.is_empty() {
            return Err(SettingsError::NoStrategy.into());
        }
        let mut sleeves: Vec<Sleeve> = Vec::with_capacity(strategies.len());
        for strategy in strategies {
            let id = strategy_id(&strategy);
            if sleeves.iter().any(|s| *s.id() == id) {
                return Err(SettingsError::DuplicateId(id.to_string()).into());
            }
            strategy.validate().map_err(|error| SettingsError::Strategy { strategy: id.to_string(), error })?;
            let own = BacktestConfig { risk: sleeve_risk(config, &strategy), ..config.clone() };
            sleeves.push(Sleeve::new(&own, strategy, id)?);
        }
        Ok(Backtest {
            curve: EquityCurve::new(sleeves.len()),
            sleeves,
            currency: config.market.currency(),
            tz: config.market.tz(),
            fill: config.fill,
            slippage_ticks: config.slippage_ticks,
            minute: None,
            last_tick: None,
            last_bar: None,
            unmarked: false,
            events: 0,
        })
    }

    /// Feeds one event. Trades and books must be in time order among themselves, and bars among themselves
    /// (a recording lists a bar after the trades of its minute, with its start time).
    #[inline]
    pub fn on_event(&mut self, event: &MarketEvent) -> Result<(), BacktestError> {
        let ts = event.ts();
        self.events += 1;
        match event {
            MarketEvent::Bar(_) => {
                check_order(&mut self.last_bar, ts)?;
            }
            MarketEvent::Trade(_) | MarketEvent::Book(_) => {
                let previous = self.last_tick;
                check_order(&mut self.last_tick, ts)?;
                let minute = ts.timestamp().div_euclid(60);
                if self.minute != Some(minute) {
                    if self.unmarked
                        && let Some(previous) = previous
                    {
                        self.mark(previous);
                    }
                    self.minute = Some(minute);
                }
            }
        }
        for sleeve in &mut self.sleeves {
            sleeve.on_event(event)?;
        }
        match event {
            MarketEvent::Bar(_) => self.mark(ts),
            _ => self.unmarked = true,
        }
        Ok(())
    }

    fn mark(&mut self, ts: DateTime<Utc>) {
        let values: Vec<Decimal> = self.sleeves.iter_mut().map(|s| s.mark(ts)).collect();
        self.curve.push(ts, values);
        self.unmarked = false;
    }

    /// Marks the last minute, drops orders still pending, and summarises.
    pub fn finish(mut self) -> BacktestResult {
        if self.unmarked
            && let Some(ts) = self.last_tick
        {
            self.mark(ts);
        }
        let mut strategies = Vec::with_capacity(self.sleeves.len());
        for (i, mut sleeve) in self.sleeves.into_iter().enumerate() {
            let open = sleeve.finish();
            let equity = self.curve.series.get(i).cloned().unwrap_or_default();
            let unrealised = open.iter().map(|o| o.unrealised_pnl).sum();
            let summary = summarise(SummaryInput {
                currency: self.currency,
                tz: self.tz,
                initial: sleeve.initial_cash(),
                trades: sleeve.trades(),
                times: &self.curve.times,
                equity: &equity,
                fees_paid: sleeve.stats().fees_paid,
                unrealised_pnl: unrealised,
            });
            strategies.push(StrategyResult {
                id: sleeve.id().clone(),
                trades: sleeve.trades().to_vec(),
                executions: sleeve.executions().to_vec(),
                stats: sleeve.stats().clone(),
                open,
                summary,
            });
        }
        let mut trades: Vec<ClosedTrade> = strategies.iter().flat_map(|s| s.trades.iter().cloned()).collect();
        // Stable: ties keep strategy order, so the file is the same on every run.
        trades.sort_by(|a, b| a.exit_ts.cmp(&b.exit_ts).then(a.entry_ts.cmp(&b.entry_ts)));
        let total_equity = self.curve.total();
        let summary = summarise(SummaryInput {
            currency: self.currency,
            tz: self.tz,
            initial: strategies.iter().map(|s| s.summary.initial_equity).sum(),
            trades: &trades,
            times: &self.curve.times,
            equity: &total_equity,
            fees_paid: strategies.iter().map(|s| s.summary.fees_paid).sum(),
            unrealised_pnl: strategies.iter().map(|s| s.summary.unrealised_pnl).sum(),
        });
        BacktestResult {
            currency: self.currency,
            tz: self.tz,
            fill: self.fill,
            slippage_ticks: self.slippage_ticks,
            events: self.events,
            trades,
            total_equity,
            curve: self.curve,
            strategies,
            summary,
        }
    }
}

fn check_order(last: &mut Option<DateTime<Utc>>, ts: DateTime<Utc>) -> Result<(), BacktestError> {
    if let Some(previous) = *last
        && ts < previous
    {
        return Err(BacktestError::OutOfOrder { at: ts, previous });
    }
    *last = Some(ts);
    Ok(())
}

/// One strategy's part of the run.
#[derive(Debug, Clone)]
pub struct StrategyResult {
    pub id: StrategyId,
    pub trades: Vec<ClosedTrade>,
    /// Every execution, in order.
    pub executions: Vec<Execution>,
    pub stats: SleeveStats,
    pub open: Vec<OpenHolding>,
    pub summary: Summary,
}

/// Everything a run produced; the report writers read only this.
#[derive(Debug, Clone)]
pub struct BacktestResult {
    pub currency: Currency,
    pub tz: Tz,
    pub fill: FillModel,
    pub slippage_ticks: u32,
    pub events: u64,
    /// Every strategy's trades, by exit time.
    pub trades: Vec<ClosedTrade>,
    pub curve: EquityCurve,
    pub total_equity: Vec<Decimal>,
    pub strategies: Vec<StrategyResult>,
    /// All strategies together.
    pub summary: Summary,
}

/// Runs `events` start to finish.
pub fn run<'a>(
    config: &BacktestConfig,
    strategies: Vec<StrategyConfig>,
    events: impl IntoIterator<Item = &'a MarketEvent>,
) -> Result<BacktestResult, BacktestError> {
    let mut backtest = Backtest::new(config, strategies)?;
    for event in events {
        backtest.on_event(event)?;
    }
    Ok(backtest.finish())
}

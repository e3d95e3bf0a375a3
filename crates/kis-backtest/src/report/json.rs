//! `summary.json`: the totals at the top level, then one entry per strategy with its own figures and counts.
//! Money is a decimal string, ratios are numbers (see [`crate::metrics`] for the definitions).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::backtest::BacktestResult;
use crate::config::FillModel;
use crate::metrics::Summary;
use crate::report::local_ts;

#[derive(Serialize)]
struct SummaryFile<'a> {
    #[serde(flatten)]
    total: &'a Summary,
    events: u64,
    fill: FillModel,
    slippage_ticks: u32,
    strategies: Vec<StrategyEntry<'a>>,
}

#[derive(Serialize)]
struct StrategyEntry<'a> {
    id: &'a str,
    #[serde(flatten)]
    summary: &'a Summary,
    signals: u64,
    fills: u64,
    refused_signals: &'a BTreeMap<&'static str, u64>,
    rejected_orders: &'a BTreeMap<&'static str, u64>,
    unfilled_at_end: u64,
    rejected_events: u64,
    skipped_symbols: Vec<String>,
    open_positions: Vec<OpenEntry>,
}

#[derive(Serialize)]
struct OpenEntry {
    symbol: String,
    qty: u64,
    entry_ts: String,
    cost: Decimal,
    last_price: Decimal,
    unrealised_pnl: Decimal,
}

/// Pretty-printed, with a trailing newline.
pub fn summary_json(result: &BacktestResult) -> Result<String, serde_json::Error> {
    let file = SummaryFile {
        total: &result.summary,
        events: result.events,
        fill: result.fill,
        slippage_ticks: result.slippage_ticks,
        strategies: result
            .strategies
            .iter()
            .map(|s| StrategyEntry {
                id: s.id.as_str(),
                summary: &s.summary,
                signals: s.stats.signals,
                fills: s.stats.fills,
                refused_signals: &s.stats.refused,
                rejected_orders: &s.stats.rejected,
                unfilled_at_end: s.stats.unfilled_at_end,
                rejected_events: s.stats.rejected_events,
                skipped_symbols: s.stats.skipped_symbols.iter().map(ToString::to_string).collect(),
                open_positions: s
                    .open
                    .iter()
                    .map(|o| OpenEntry {
                        symbol: o.symbol.to_string(),
                        qty: o.qty.shares(),
                        entry_ts: local_ts(o.entry_ts, result.tz),
                        cost: o.cost,
                        last_price: o.last_price.value(),
                        unrealised_pnl: o.unrealised_pnl,
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file)?;
    text.push('\n');
    Ok(text)
}

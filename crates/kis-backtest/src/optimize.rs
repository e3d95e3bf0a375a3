//! Parameter grids: every combination of the given values, run in parallel, ranked.
//!
//! Grid syntax: `param=v1,v2,...;param2=...`. A parameter is a dotted path into the strategy's config section
//! (`take_profit_pct`, `exits.stop_loss_pct`) or, when it starts with a top-level key, into the run settings
//! (`slippage_ticks`, `risk.sizing.max_position_pct`). Values are TOML-typed by their text: whole numbers,
//! decimals, `true`/`false`, anything else a string. Each combination goes through the same typed
//! deserialisation as the config file, so a misspelt parameter is an error before anything runs.
//!
//! Parallelism: scoped `std::thread`s take combination indices from one atomic counter (a work queue without
//! a queue), and results are put back in index order, so the output does not depend on thread timing.

use std::cmp::Ordering;
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use rust_decimal::prelude::ToPrimitive;

use crate::error::SettingsError;
use crate::metrics::Summary;

/// More combinations than this is a typo, not a plan.
pub const MAX_COMBINATIONS: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub params: Vec<(String, Vec<toml::Value>)>,
}

/// A value as TOML would read it unquoted.
pub fn parse_value(raw: &str) -> toml::Value {
    let t = raw.trim();
    if let Ok(i) = t.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    if let Ok(f) = t.parse::<f64>()
        && f.is_finite()
        && t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return toml::Value::Float(f);
    }
    match t {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(t.to_string()),
    }
}

/// A value as it appears in tables and `optimize.csv`.
pub fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        // Debug keeps the decimal point of whole floats (`1.0`), as the grid was written.
        toml::Value::Float(f) => format!("{f:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(_) | toml::Value::Table(_) => "(structured)".to_string(),
    }
}

impl Grid {
    pub fn parse(text: &str) -> Result<Grid, SettingsError> {
        let mut params: Vec<(String, Vec<toml::Value>)> = Vec::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, values)) = part.split_once('=') else {
                return Err(SettingsError::bad("grid", format!("`{part}` is not param=v1,v2,...")));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(SettingsError::bad("grid", format!("`{part}` has no parameter name")));
            }
            if params.iter().any(|(n, _)| n == name) {
                return Err(SettingsError::bad("grid", format!("parameter `{name}` is given twice")));
            }
            let values: Vec<toml::Value> =
                values.split(',').map(str::trim).filter(|v| !v.is_empty()).map(parse_value).collect();
            if values.is_empty() {
                return Err(SettingsError::bad("grid", format!("parameter `{name}` has no values")));
            }
            params.push((name.to_string(), values));
        }
        if params.is_empty() {
            return Err(SettingsError::bad("grid", "no parameter: expected param=v1,v2;param2=..."));
        }
        let grid = Grid { params };
        grid.combinations()?;
        Ok(grid)
    }

    /// Number of combinations (refused above [`MAX_COMBINATIONS`]).
    pub fn combinations(&self) -> Result<usize, SettingsError> {
        let mut n: usize = 1;
        for (_, values) in &self.params {
            n = n
                .checked_mul(values.len())
                .filter(|n| *n <= MAX_COMBINATIONS)
                .ok_or_else(|| SettingsError::bad("grid", format!("more than {MAX_COMBINATIONS} combinations")))?;
        }
        Ok(n)
    }

    /// Combination `index`: the last parameter varies fastest.
    pub fn combination(&self, mut index: usize) -> Vec<(&str, &toml::Value)> {
        let mut picks = Vec::with_capacity(self.params.len());
        for (name, values) in self.params.iter().rev() {
            let n = values.len().max(1);
            if let Some(v) = values.get(index % n) {
                picks.push((name.as_str(), v));
            }
            index /= n;
        }
        picks.reverse();
        picks
    }
}

/// What the ranking sorts by, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RankBy {
    #[default]
    TotalPnl,
    Sharpe,
    ProfitFactor,
}

impl FromStr for RankBy {
    type Err = SettingsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "total_pnl" => Ok(RankBy::TotalPnl),
            "sharpe" => Ok(RankBy::Sharpe),
            "profit_factor" => Ok(RankBy::ProfitFactor),
            other => Err(SettingsError::bad("rank-by", format!("{other:?} is not total_pnl, sharpe or profit_factor"))),
        }
    }
}

impl fmt::Display for RankBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RankBy::TotalPnl => "total_pnl",
            RankBy::Sharpe => "sharpe",
            RankBy::ProfitFactor => "profit_factor",
        })
    }
}

/// One combination's result.
#[derive(Debug, Clone)]
pub struct GridRow {
    /// Position in the grid (see [`Grid::combination`]).
    pub index: usize,
    pub params: Vec<(String, String)>,
    pub summary: Summary,
}

/// Orders best first by `by`; combinations without a value (no trade, no loss, fewer than two days) go last;
/// ties keep grid order.
pub fn rank(rows: &mut [GridRow], by: RankBy) {
    let key = |r: &GridRow| -> Option<f64> {
        match by {
            RankBy::TotalPnl => r.summary.total_pnl.to_f64(),
            RankBy::Sharpe => r.summary.sharpe,
            RankBy::ProfitFactor => r.summary.profit_factor,
        }
        .filter(|v| v.is_finite())
    };
    rows.sort_by(|a, b| {
        let ordering = match (by, key(a), key(b)) {
            // Exact comparison for money, so equal totals tie by index rather than by float rounding.
            (RankBy::TotalPnl, _, _) => b.summary.total_pnl.cmp(&a.summary.total_pnl),
            (_, Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(Ordering::Equal),
            (_, Some(_), None) => Ordering::Less,
            (_, None, Some(_)) => Ordering::Greater,
            (_, None, None) => Ordering::Equal,
        };
        ordering.then(a.index.cmp(&b.index))
    });
}

/// Runs `job(i)` for `i in 0..n` on `jobs` scoped threads and returns the results in index order.
pub fn run_parallel<T: Send>(n: usize, jobs: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let workers = jobs.clamp(1, n.max(1));
    let mut parts: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, AtomicOrdering::Relaxed);
                        if i >= n {
                            break done;
                        }
                        done.push((i, job(i)));
                    }
                })
            })
            .collect();
        // A worker only panics if `job` does; re-raising keeps that visible instead of losing results.
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut all: Vec<(usize, T)> = parts.iter_mut().flat_map(std::mem::take).collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, t)| t).collect()
}

fn opt(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite()).map_or_else(String::new, |v| v.to_string())
}

const METRIC_COLUMNS: [&str; 7] =
    ["trades", "win_rate", "total_pnl", "profit_factor", "sharpe", "max_drawdown", "fees_paid"];

fn metric_cells(s: &Summary) -> [String; 7] {
    [
        s.trades.to_string(),
        opt(s.win_rate),
        s.total_pnl.normalize().to_string(),
        opt(s.profit_factor),
        opt(s.sharpe),
        s.max_drawdown.normalize().to_string(),
        s.fees_paid.normalize().to_string(),
    ]
}

/// `optimize.csv`: `rank,<params>,trades,win_rate,total_pnl,profit_factor,sharpe,max_drawdown,fees_paid`.
pub fn write_optimize_csv(grid: &Grid, rows: &[GridRow], mut out: impl Write) -> io::Result<()> {
    let names: Vec<&str> = grid.params.iter().map(|(n, _)| n.as_str()).collect();
    writeln!(out, "rank,{},{}", names.join(","), METRIC_COLUMNS.join(","))?;
    for (rank, row) in rows.iter().enumerate() {
        let values: Vec<&str> = row.params.iter().map(|(_, v)| v.as_str()).collect();
        writeln!(out, "{},{},{}", rank + 1, values.join(","), metric_cells(&row.summary).join(","))?;
    }
    out.flush()
}

/// The ranked table for a terminal: aligned columns, at most `limit` rows.
pub fn format_table(grid: &Grid, rows: &[GridRow], limit: usize) -> String {
    let mut header: Vec<String> = vec!["rank".to_string()];
    header.extend(grid.params.iter().map(|(n, _)| n.clone()));
    header.extend(METRIC_COLUMNS.iter().map(|c| (*c).to_string()));
    let mut table: Vec<Vec<String>> = vec![header];
    for (rank, row) in rows.iter().take(limit).enumerate() {
        let mut cells = vec![(rank + 1).to_string()];
        cells.extend(row.params.iter().map(|(_, v)| v.clone()));
        cells.extend(metric_cells(&row.summary).map(|c| if c.is_empty() { "-".to_string() } else { c }));
        table.push(cells);
    }
    let columns = table.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| table.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &table {
        let line: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:>w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    if rows.len() > limit {
        out.push_str(&format!("… {} more in optimize.csv\n", rows.len() - limit));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_parses_types_and_enumerates_in_order() {
        let grid = Grid::parse("threshold=25,30 ; take_profit_pct=1.0,1.5,2;flag=true;name=abc").unwrap();
        assert_eq!(grid.combinations().unwrap(), 6);
        assert_eq!(grid.params[0].1, vec![toml::Value::Integer(25), toml::Value::Integer(30)]);
        assert_eq!(grid.params[1].1[0], toml::Value::Float(1.0));
        assert_eq!(grid.params[2].1, vec![toml::Value::Boolean(true)]);
        assert_eq!(grid.params[3].1, vec![toml::Value::String("abc".into())]);
        let texts = |i| grid.combination(i).iter().map(|(n, v)| format!("{n}={}", value_text(v))).collect::<Vec<_>>();
        assert_eq!(texts(0), vec!["threshold=25", "take_profit_pct=1.0", "flag=true", "name=abc"]);
        assert_eq!(texts(1), vec!["threshold=25", "take_profit_pct=1.5", "flag=true", "name=abc"]);
        assert_eq!(texts(5), vec!["threshold=30", "take_profit_pct=2", "flag=true", "name=abc"]);
    }

    #[test]
    fn bad_grids_are_refused_with_the_reason() {
        let err = |t: &str| Grid::parse(t).unwrap_err().to_string();
        assert_eq!(err(""), "grid: no parameter: expected param=v1,v2;param2=...");
        assert_eq!(err("threshold"), "grid: `threshold` is not param=v1,v2,...");
        assert_eq!(err("=1,2"), "grid: `=1,2` has no parameter name");
        assert_eq!(err("a=1;a=2"), "grid: parameter `a` is given twice");
        assert_eq!(err("a=,"), "grid: parameter `a` has no values");
        let big = (0..6).map(|i| format!("p{i}=1,2,3,4,5,6,7,8,9,10")).collect::<Vec<_>>().join(";");
        assert_eq!(err(&big), "grid: more than 100000 combinations");
        assert_eq!(
            "pnl".parse::<RankBy>().unwrap_err().to_string(),
            "rank-by: \"pnl\" is not total_pnl, sharpe or profit_factor"
        );
    }

    #[test]
    fn parallel_results_come_back_in_index_order() {
        let out = run_parallel(50, 4, |i| {
            // Uneven work so that threads finish out of order.
            std::thread::sleep(std::time::Duration::from_micros(((50 - i) * 37 % 200) as u64));
            i * i
        });
        assert_eq!(out, (0..50).map(|i| i * i).collect::<Vec<_>>());
        assert_eq!(run_parallel(0, 3, |i| i), Vec::<usize>::new());
        assert_eq!(run_parallel(3, 0, |i| i + 1), vec![1, 2, 3]);
    }
}

//! Summary statistics of a run, from its closed trades and its equity curve.
//!
//! Definitions (money is exact, in the account currency; ratios are plain numbers rounded to 6 decimals):
//! * `win_rate` = trades with pnl > 0 / trades (a pnl of exactly 0 is neither a win nor a loss);
//! * `profit_factor` = Σ winning pnl / |Σ losing pnl| (`null` without a loss);
//! * `avg_win`, `avg_loss` = mean pnl of winning / losing trades (`avg_loss` is negative), to 4 decimals;
//!   `payoff_ratio` = avg_win / |avg_loss|;
//! * `max_drawdown` = largest fall of the equity curve below its running peak, the starting cash counting as
//!   the first peak; `max_drawdown_pct` is that fall over the peak;
//! * period returns: `E_end / E_start − 1` where `E_end` is the equity at the period's last mark and `E_start`
//!   the previous period's `E_end` (the starting cash for the first); periods are market-local calendar days,
//!   ISO weeks and months;
//! * `sharpe` = mean / sample standard deviation of the **daily** returns × √252, risk-free rate 0; `null`
//!   with fewer than two days or no variation.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use kis_model::Currency;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::equity::max_drawdown;
use crate::trade::ClosedTrade;

/// One calendar period's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodReturn {
    /// `2025-03-03`, `2025-W10` or `2025-03`.
    pub period: String,
    pub start_equity: Decimal,
    pub end_equity: Decimal,
    pub pnl: Decimal,
    #[serde(rename = "return")]
    pub ret: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Returns {
    pub daily: Vec<PeriodReturn>,
    pub weekly: Vec<PeriodReturn>,
    pub monthly: Vec<PeriodReturn>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub currency: Currency,
    pub initial_equity: Decimal,
    pub final_equity: Decimal,
    pub trades: usize,
    pub wins: usize,
    pub losses: usize,
    pub win_rate: Option<f64>,
    /// Sum of the closed trades' pnl (after every fee of both legs).
    pub total_pnl: Decimal,
    pub gross_profit: Decimal,
    pub gross_loss: Decimal,
    pub profit_factor: Option<f64>,
    pub avg_win: Option<Decimal>,
    pub avg_loss: Option<Decimal>,
    pub payoff_ratio: Option<f64>,
    pub max_drawdown: Decimal,
    pub max_drawdown_pct: f64,
    pub sharpe: Option<f64>,
    /// Commissions and taxes of every fill, including the buys of positions still open.
    pub fees_paid: Decimal,
    /// Holdings still open at the end, at the last price, after their buy commissions.
    pub unrealised_pnl: Decimal,
    pub returns: Returns,
}

/// Ratios are for reading, not for booking: rounded to 6 decimals.
fn ratio(value: Decimal) -> f64 {
    value.round_dp_with_strategy(6, RoundingStrategy::MidpointNearestEven).to_f64().unwrap_or(f64::NAN)
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// What summarising needs besides trades and curve.
#[derive(Debug, Clone, Copy)]
pub struct SummaryInput<'a> {
    pub currency: Currency,
    pub tz: Tz,
    pub initial: Decimal,
    pub trades: &'a [ClosedTrade],
    pub times: &'a [DateTime<Utc>],
    pub equity: &'a [Decimal],
    pub fees_paid: Decimal,
    pub unrealised_pnl: Decimal,
}

pub fn summarise(input: SummaryInput<'_>) -> Summary {
    let pnls = input.trades.iter().map(|t| t.pnl);
    let wins: Vec<Decimal> = pnls.clone().filter(|p| *p > Decimal::ZERO).collect();
    let losses: Vec<Decimal> = pnls.clone().filter(|p| *p < Decimal::ZERO).collect();
    let gross_profit: Decimal = wins.iter().sum();
    let gross_loss: Decimal = losses.iter().sum();
    let mean = |v: &[Decimal], sum: Decimal| {
        (!v.is_empty()).then(|| {
            (sum / Decimal::from(v.len())).round_dp_with_strategy(4, RoundingStrategy::MidpointNearestEven).normalize()
        })
    };
    let avg_win = mean(&wins, gross_profit);
    let avg_loss = mean(&losses, gross_loss);
    let trades = input.trades.len();
    let dd = max_drawdown(input.initial, input.equity);
    let returns = Returns {
        daily: period_returns(input, |d| d.format("%Y-%m-%d").to_string()),
        weekly: period_returns(input, |d| {
            let w = d.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }),
        monthly: period_returns(input, |d| d.format("%Y-%m").to_string()),
    };
    Summary {
        currency: input.currency,
        initial_equity: input.initial,
        final_equity: input.equity.last().copied().unwrap_or(input.initial),
        trades,
        wins: wins.len(),
        losses: losses.len(),
        win_rate: (trades > 0).then(|| ratio(Decimal::from(wins.len()) / Decimal::from(trades))),
        total_pnl: pnls.sum(),
        gross_profit,
        gross_loss,
        profit_factor: (!gross_loss.is_zero()).then(|| ratio(gross_profit / -gross_loss)),
        payoff_ratio: match (avg_win, avg_loss) {
            (Some(w), Some(l)) if !l.is_zero() => Some(ratio(w / -l)),
            _ => None,
        },
        avg_win,
        avg_loss,
        max_drawdown: dd.amount,
        max_drawdown_pct: ratio(dd.fraction),
        sharpe: sharpe(&returns.daily),
        fees_paid: input.fees_paid,
        unrealised_pnl: input.unrealised_pnl,
        returns,
    }
}

fn period_returns(input: SummaryInput<'_>, key: impl Fn(chrono::NaiveDate) -> String) -> Vec<PeriodReturn> {
    let mut ends: BTreeMap<String, Decimal> = BTreeMap::new();
    for (ts, equity) in input.times.iter().zip(input.equity) {
        // Marks are in time order and keys sort in time order, so the last insert per key is the period's end.
        ends.insert(key(ts.with_timezone(&input.tz).date_naive()), *equity);
    }
    let mut start = input.initial;
    ends.into_iter()
        .map(|(period, end)| {
            let ret = if start > Decimal::ZERO { ratio(end / start - Decimal::ONE) } else { 0.0 };
            let row = PeriodReturn { period, start_equity: start, end_equity: end, pnl: end - start, ret };
            start = end;
            row
        })
        .collect()
}

/// Annualised Sharpe ratio of daily returns (see the module docs). Uses the unrounded returns.
fn sharpe(daily: &[PeriodReturn]) -> Option<f64> {
    let r: Vec<f64> = daily
        .iter()
        .filter_map(|p| {
            (p.start_equity > Decimal::ZERO).then(|| (p.end_equity / p.start_equity - Decimal::ONE).to_f64())?
        })
        .collect();
    if r.len() < 2 {
        return None;
    }
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let var = r.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    let sd = var.sqrt();
    (sd > 0.0 && sd.is_finite()).then(|| round6(mean / sd * 252f64.sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_model::{Price, Qty, Symbol};
    use kis_strategy::{ExitReason, StrategyId};
    use rust_decimal_macros::dec;

    fn trade(pnl: Decimal) -> ClosedTrade {
        let ts = DateTime::from_timestamp(0, 0).unwrap();
        ClosedTrade {
            strategy_id: StrategyId::new("s"),
            symbol: Symbol::parse("005930").unwrap(),
            entry_ts: ts,
            entry_price: dec!(100),
            exit_ts: ts,
            exit_price: Price::from_won(100),
            qty: Qty::new(1),
            reason: ExitReason::TimeExit,
            pnl,
            fees: Decimal::ZERO,
        }
    }

    /// Three KST days at 15:30 local (06:30 UTC): 2025-03-03 (Mon), 03-04, and 2025-04-01 (another month).
    fn days() -> Vec<DateTime<Utc>> {
        ["2025-03-03T06:30:00Z", "2025-03-04T06:00:00Z", "2025-03-04T06:30:00Z", "2025-04-01T06:30:00Z"]
            .iter()
            .map(|s| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
            .collect()
    }

    #[test]
    fn trade_statistics_by_hand() {
        let trades = [trade(dec!(300)), trade(dec!(-100)), trade(dec!(100)), trade(dec!(-200)), trade(dec!(0))];
        let times = days();
        let equity = [dec!(1100), dec!(1050), dec!(990), dec!(1089)];
        let s = summarise(SummaryInput {
            currency: Currency::Krw,
            tz: chrono_tz::Asia::Seoul,
            initial: dec!(1000),
            trades: &trades,
            times: &times,
            equity: &equity,
            fees_paid: dec!(7),
            unrealised_pnl: dec!(0),
        });
        assert_eq!((s.trades, s.wins, s.losses), (5, 2, 2));
        assert_eq!(s.win_rate, Some(0.4));
        assert_eq!((s.total_pnl, s.gross_profit, s.gross_loss), (dec!(100), dec!(400), dec!(-300)));
        assert_eq!(s.profit_factor, Some(1.333333));
        assert_eq!((s.avg_win, s.avg_loss), (Some(dec!(200)), Some(dec!(-150))));
        assert_eq!(s.payoff_ratio, Some(1.333333));
        // Peak 1,100 → trough 990.
        assert_eq!((s.max_drawdown, s.max_drawdown_pct), (dec!(110), 0.1));
        assert_eq!(s.final_equity, dec!(1089));
        // Days: 1000 → 1100 (+10 %), → 990 (−10 %), → 1089 (+10 %).
        let daily: Vec<(&str, f64)> = s.returns.daily.iter().map(|p| (p.period.as_str(), p.ret)).collect();
        assert_eq!(daily, vec![("2025-03-03", 0.1), ("2025-03-04", -0.1), ("2025-04-01", 0.1)]);
        assert_eq!(s.returns.daily[1].pnl, dec!(-110));
        let weekly: Vec<&str> = s.returns.weekly.iter().map(|p| p.period.as_str()).collect();
        assert_eq!(weekly, vec!["2025-W10", "2025-W14"]);
        let monthly: Vec<(&str, f64)> = s.returns.monthly.iter().map(|p| (p.period.as_str(), p.ret)).collect();
        assert_eq!(monthly, vec![("2025-03", -0.01), ("2025-04", 0.1)]);
        // mean 0.1/3, sample sd of (0.1, −0.1, 0.1) = 0.11547; × √252.
        let mean = 0.1 / 3.0;
        let sd = ((2.0 * (0.1 - mean) * (0.1 - mean) + (-0.1 - mean) * (-0.1 - mean)) / 2.0f64).sqrt();
        assert_eq!(s.sharpe, Some(((mean / sd * 252f64.sqrt()) * 1e6).round() / 1e6));
        assert_eq!(s.sharpe, Some(4.582576));
    }

    #[test]
    fn empty_and_one_sided_runs_have_no_ratios() {
        let s = summarise(SummaryInput {
            currency: Currency::Usd,
            tz: chrono_tz::America::New_York,
            initial: dec!(100),
            trades: &[trade(dec!(5))],
            times: &days()[..1],
            equity: &[dec!(105)],
            fees_paid: dec!(0),
            unrealised_pnl: dec!(0),
        });
        assert_eq!((s.win_rate, s.profit_factor, s.payoff_ratio, s.avg_loss), (Some(1.0), None, None, None));
        assert_eq!(s.sharpe, None);
        let none = summarise(SummaryInput {
            currency: Currency::Usd,
            tz: chrono_tz::America::New_York,
            initial: dec!(100),
            trades: &[],
            times: &[],
            equity: &[],
            fees_paid: dec!(0),
            unrealised_pnl: dec!(0),
        });
        assert_eq!((none.trades, none.win_rate, none.final_equity), (0, None, dec!(100)));
    }
}

//! `trades.csv`: one row per closed trade (a sell and the holding it reduced), by exit time.

use std::io::{self, Write};

use chrono_tz::Tz;

use crate::report::local_ts;
use crate::trade::{ClosedTrade, reason_label};

pub const TRADES_HEADER: &str = "entry_ts,entry_price,exit_ts,exit_price,qty,reason,pnl";

/// Prices and pnl are exact decimals without trailing zeros; `pnl` is after the fees of both legs.
pub fn write_trades_csv(trades: &[ClosedTrade], tz: Tz, mut out: impl Write) -> io::Result<()> {
    writeln!(out, "{TRADES_HEADER}")?;
    for t in trades {
        writeln!(
            out,
            "{},{},{},{},{},{},{}",
            local_ts(t.entry_ts, tz),
            t.entry_price.normalize(),
            local_ts(t.exit_ts, tz),
            t.exit_price,
            t.qty,
            reason_label(t.reason),
            t.pnl.normalize()
        )?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use kis_model::{Price, Qty, Symbol};
    use kis_strategy::{ExitReason, StrategyId};
    use rust_decimal_macros::dec;

    #[test]
    fn rows_are_local_and_exact() {
        let t = ClosedTrade {
            strategy_id: StrategyId::new("s"),
            symbol: Symbol::parse("005930").unwrap(),
            entry_ts: DateTime::from_timestamp(1_772_496_000, 0).unwrap(),
            entry_price: dec!(70100.0000),
            exit_ts: DateTime::from_timestamp(1_772_496_930, 500_000_000).unwrap(),
            exit_price: Price::from_won(70_900),
            qty: Qty::new(3),
            reason: ExitReason::TakeProfit,
            pnl: dec!(1790.00),
            fees: dec!(0),
        };
        let mut out = Vec::new();
        write_trades_csv(&[t], chrono_tz::Asia::Seoul, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "entry_ts,entry_price,exit_ts,exit_price,qty,reason,pnl\n\
             2026-03-03T09:00:00+09:00,70100,2026-03-03T09:15:30.500+09:00,70900,3,take_profit,1790\n"
        );
    }
}

//! The trading day of each market and what it realised.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use kis_model::{Market, Qty, Symbol};
use rust_decimal::Decimal;

/// The local trading date of `ts` in `market`.
pub fn trade_date(market: Market, ts: DateTime<Utc>) -> NaiveDate {
    ts.with_timezone(&market.tz()).date_naive()
}

/// The local trading date of `ts` and the instant the next one starts.
pub fn local_day(ts: DateTime<Utc>, tz: Tz) -> (NaiveDate, DateTime<Utc>) {
    let date = ts.with_timezone(&tz).date_naive();
    let ends = date
        .succ_opt()
        .and_then(|next| next.and_hms_opt(0, 0, 0))
        .and_then(|midnight| tz.from_local_datetime(&midnight).earliest())
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.with_timezone(&Utc));
    (date, ends)
}

/// A market's realised figures since its trading day began, in its currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayResult {
    pub realised_pnl: Decimal,
    /// Round trips closed (a position sold down to zero).
    pub trades: u32,
    pub wins: u32,
    pub losses: u32,
}

impl DayResult {
    pub(crate) fn count(&mut self, pnl: Decimal, closed: bool) {
        self.realised_pnl += pnl;
        if closed {
            self.trades += 1;
            if pnl > Decimal::ZERO {
                self.wins += 1;
            } else {
                self.losses += 1;
            }
        }
    }
}

/// A sell's realised result, for the notification and the day's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Realised {
    pub symbol: Symbol,
    pub qty: Qty,
    /// Proceeds − cost of the shares sold − the sell's commission and tax (kis-engine's rule, to the won/cent).
    pub pnl: Decimal,
    /// The sell closed the position.
    pub closed: bool,
}

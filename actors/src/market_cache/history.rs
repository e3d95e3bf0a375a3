//! Broker history for a strategy's warm-up, the pure part: which KIS chart answers a [`WarmUpHistory`] on
//! which service ([`history_source`]), and chart rows turned into bars, oldest first, without the bar still
//! forming ([`daily_bars`], [`minute_bars`]). The fetching is in `fetch.rs`; the MarketCache owns both, as
//! the one home of market history.
//!
//! Why these rules: KIS answers newest first and includes the forming bar (today's daily row while the day
//! trades, the current minute); a strategy's `warm_up` takes completed bars oldest first, and a forming bar
//! fed as completed would close a candle early and then again from live trades.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::America::New_York;
use kis_calendar::{CalendarError, Session};
use kis_model::{Bar, Environment, Price, Symbol};
use kis_protocol::rest::overseas_quote::{UsDailyBar, UsMinuteBar};
use kis_protocol::rest::wire::{FieldError, parse_time};
use kis_protocol::tr_id::{Op, tr_id};
use kis_strategy::WarmUpHistory;

/// Where a symbol's warm-up bars come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistorySource {
    /// `dailyprice` (HHDFS76240000), one page of 100 days.
    UsDaily,
    /// `inquire-time-itemchartprice` (HHDFS76950200), `nmin`-minute bars, paged back.
    UsMinutes { nmin: u32 },
    /// The cache's own minute bars, built from live trades since the daemon started.
    Cache(CacheReason),
}

/// Why a warm-up uses the cache's bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheReason {
    /// The strategy asks for no broker history (KRX strategies: unchanged behaviour).
    NotAsked,
    /// History from KIS is fetched for US symbols only.
    NotUs,
    /// KIS offers no US minute chart on this service (HHDFS76950200 is real only).
    NoMinuteChart(Environment),
    /// The broker's chart call failed (logged where it failed).
    Failed,
}

impl fmt::Display for HistorySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistorySource::UsDaily => write!(f, "KIS daily chart (dailyprice HHDFS76240000)"),
            HistorySource::UsMinutes { nmin } => {
                write!(f, "KIS {nmin}-minute chart (inquire-time-itemchartprice HHDFS76950200)")
            }
            HistorySource::Cache(CacheReason::NotAsked) => write!(f, "the market cache's minute bars"),
            HistorySource::Cache(CacheReason::NotUs) => {
                write!(f, "the market cache's minute bars (broker history is fetched for US symbols only)")
            }
            HistorySource::Cache(CacheReason::Failed) => {
                write!(f, "the market cache's minute bars (the broker's chart call failed)")
            }
            HistorySource::Cache(CacheReason::NoMinuteChart(env)) => write!(
                f,
                "the market cache's minute bars built from live trades since start: KIS {env} has no US minute \
                 chart (HHDFS76950200 is real only)"
            ),
        }
    }
}

/// The chart that answers `need` for `symbol` on `env`.
pub fn history_source(symbol: Symbol, need: Option<WarmUpHistory>, env: Environment) -> HistorySource {
    let Some(need) = need else { return HistorySource::Cache(CacheReason::NotAsked) };
    if !matches!(symbol, Symbol::Us(..)) {
        return HistorySource::Cache(CacheReason::NotUs);
    }
    match need.interval.minutes() {
        None if tr_id(Op::UsDailyPrice, env).is_some() => HistorySource::UsDaily,
        Some(n) if tr_id(Op::UsMinuteCandles, env).is_some() => {
            HistorySource::UsMinutes { nmin: u32::try_from(n).unwrap_or(1) }
        }
        _ => HistorySource::Cache(CacheReason::NoMinuteChart(env)),
    }
}

/// A chart row that could not be used, with the field that was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Index of the row in KIS's answer (newest first).
    pub row: usize,
    pub error: FieldError,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.row, self.error)
    }
}

/// Bars oldest first, and the rows skipped as unusable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedHistory {
    pub bars: Vec<Bar>,
    pub skipped: Vec<RowError>,
    /// Rows left out because their bar is still forming (or lies after `now`).
    pub forming: usize,
}

/// The New York date whose daily row is still forming at `now`: today while today's session has not closed
/// (`today` is the calendar's answer for now's New York date). A calendar that cannot tell counts today as
/// forming: one day less of history is harmless, a half day taken as complete is not.
pub fn forming_day(now: DateTime<Utc>, today: Result<Option<Session>, CalendarError>) -> Option<NaiveDate> {
    let date = now.with_timezone(&New_York).date_naive();
    match today {
        Ok(Some(session)) if now < session.close_utc() => Some(date),
        Ok(_) => None,
        Err(_) => Some(date),
    }
}

/// When a daily bar is stamped: the regular open (09:30 New York) of its day, as the simulator's own days are.
fn day_stamp(date: NaiveDate) -> Option<DateTime<Utc>> {
    let open = NaiveTime::from_hms_opt(9, 30, 0)?;
    date.and_time(open).and_local_timezone(New_York).earliest().map(|t| t.to_utc())
}

fn price(field: &'static str, raw: &str) -> Result<Price, FieldError> {
    let value = kis_protocol::rest::wire::parse_decimal(field, raw)?;
    Price::new(value).map_err(|_| FieldError { field, raw: raw.chars().take(64).collect(), problem: "negative price" })
}

fn volume(field: &'static str, raw: &str) -> Result<u64, FieldError> {
    let value = kis_protocol::rest::wire::parse_int(field, raw)?;
    u64::try_from(value).map_err(|_| FieldError {
        field,
        raw: raw.chars().take(64).collect(),
        problem: "negative volume",
    })
}

/// `dailyprice` rows (newest first) as daily bars, oldest first. Rows of `forming` (see [`forming_day`]) or
/// of a later date than `now`'s are left out.
pub fn daily_bars(
    symbol: Symbol,
    rows: &[UsDailyBar],
    now: DateTime<Utc>,
    forming: Option<NaiveDate>,
) -> ParsedHistory {
    let today = now.with_timezone(&New_York).date_naive();
    let mut out = ParsedHistory::default();
    for (i, row) in rows.iter().enumerate() {
        let parsed = (|| {
            let date = row.xymd()?;
            let ts = day_stamp(date).ok_or(FieldError {
                field: "xymd",
                raw: row.xymd.chars().take(64).collect(),
                problem: "no 09:30 in New York on this date",
            })?;
            let bar = Bar {
                symbol,
                ts,
                open: price("open", &row.open)?,
                high: price("high", &row.high)?,
                low: price("low", &row.low)?,
                close: price("clos", &row.clos)?,
                volume: volume("tvol", &row.tvol)?,
            };
            Ok::<_, FieldError>((date, bar))
        })();
        match parsed {
            Ok((date, _)) if date > today || Some(date) == forming => out.forming += 1,
            Ok((_, bar)) => out.bars.push(bar),
            Err(error) => out.skipped.push(RowError { row: i, error }),
        }
    }
    sort_oldest_first(&mut out.bars);
    out
}

/// `inquire-time-itemchartprice` rows (newest first, stamped with the bar's start in exchange time) as
/// `nmin`-minute bars, oldest first. A bar that has not ended by `now` (the forming one, or a future one) is
/// left out.
pub fn minute_bars(symbol: Symbol, rows: &[UsMinuteBar], nmin: u32, now: DateTime<Utc>) -> ParsedHistory {
    let span = Duration::minutes(i64::from(nmin.max(1)));
    let mut out = ParsedHistory::default();
    for (i, row) in rows.iter().enumerate() {
        let parsed = (|| {
            let date = row.xymd()?;
            let time = parse_time("xhms", &row.xhms)?;
            let ts = NaiveDateTime::new(date, time).and_local_timezone(New_York).earliest().ok_or(FieldError {
                field: "xhms",
                raw: row.xhms.chars().take(64).collect(),
                problem: "not a New York time on this date (clocks moved)",
            })?;
            Ok::<_, FieldError>(Bar {
                symbol,
                ts: ts.to_utc(),
                open: price("open", &row.open)?,
                high: price("high", &row.high)?,
                low: price("low", &row.low)?,
                close: price("last", &row.last)?,
                volume: volume("evol", &row.evol)?,
            })
        })();
        match parsed {
            Ok(bar) if bar.ts + span > now => out.forming += 1,
            Ok(bar) => out.bars.push(bar),
            Err(error) => out.skipped.push(RowError { row: i, error }),
        }
    }
    sort_oldest_first(&mut out.bars);
    out
}

/// `KEYB` of the next minute-chart page: the exchange-local `YYYYMMDDHHMMSS` one bar before `oldest`.
pub fn minute_page_key(oldest: DateTime<Utc>, nmin: u32) -> String {
    let before = oldest - Duration::minutes(i64::from(nmin.max(1)));
    before.with_timezone(&New_York).format("%Y%m%d%H%M%S").to_string()
}

/// Oldest first, one bar per start (pages can overlap by a bar).
fn sort_oldest_first(bars: &mut Vec<Bar>) {
    bars.sort_by_key(|b| b.ts);
    bars.dedup_by_key(|b| b.ts);
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_calendar::{NyseCalendar, TradingCalendar};
    use kis_model::{KrxCode, UsExchange};
    use kis_strategy::BarInterval;
    use rust_decimal_macros::dec;

    fn tqqq() -> Symbol {
        Symbol::us(UsExchange::Nasdaq, "TQQQ").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn day(xymd: &str, clos: &str) -> UsDailyBar {
        UsDailyBar {
            xymd: xymd.into(),
            clos: clos.into(),
            open: "100.0000".into(),
            high: "110.5000".into(),
            low: "90.2500".into(),
            tvol: "1000".into(),
            ..UsDailyBar::default()
        }
    }

    fn minute(xymd: &str, xhms: &str, last: &str) -> UsMinuteBar {
        UsMinuteBar {
            xymd: xymd.into(),
            xhms: xhms.into(),
            open: "50.0000".into(),
            high: "51.0000".into(),
            low: "49.0000".into(),
            last: last.into(),
            evol: "10".into(),
            ..UsMinuteBar::default()
        }
    }

    #[test]
    fn the_source_follows_the_interval_and_the_service() {
        let daily = Some(WarmUpHistory { interval: BarInterval::Day, bars: 100 });
        let minutes = Some(WarmUpHistory { interval: BarInterval::Min5, bars: 400 });
        assert_eq!(history_source(tqqq(), daily, Environment::Real), HistorySource::UsDaily);
        assert_eq!(history_source(tqqq(), daily, Environment::Paper), HistorySource::UsDaily);
        assert_eq!(history_source(tqqq(), minutes, Environment::Real), HistorySource::UsMinutes { nmin: 5 });
        let paper = history_source(tqqq(), minutes, Environment::Paper);
        assert_eq!(paper, HistorySource::Cache(CacheReason::NoMinuteChart(Environment::Paper)));
        assert!(paper.to_string().contains("real only"), "{paper}");
        let krx = Symbol::Krx(KrxCode::parse("005930").unwrap());
        assert_eq!(history_source(krx, None, Environment::Real), HistorySource::Cache(CacheReason::NotAsked));
        assert_eq!(history_source(krx, daily, Environment::Real), HistorySource::Cache(CacheReason::NotUs));
        assert_eq!(history_source(tqqq(), None, Environment::Real), HistorySource::Cache(CacheReason::NotAsked));
    }

    #[test]
    fn daily_rows_become_bars_oldest_first_without_the_forming_day() {
        // Wednesday 2026-03-04 11:00 New York: the day is trading, its row is forming.
        let now = at("2026-03-04T16:00:00Z");
        let cal = NyseCalendar::shipped().unwrap();
        let forming = forming_day(now, cal.session(NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()));
        assert_eq!(forming, NaiveDate::from_ymd_opt(2026, 3, 4));
        let rows = [day("20260304", "105.1000"), day("20260303", "104.0000"), day("20260302", "103.2500")];
        let parsed = daily_bars(tqqq(), &rows, now, forming);
        assert_eq!(parsed.forming, 1);
        assert!(parsed.skipped.is_empty());
        let closes: Vec<_> = parsed.bars.iter().map(|b| b.close.value()).collect();
        assert_eq!(closes, [dec!(103.2500), dec!(104.0000)]);
        // Stamped at the regular open of their day (09:30 EST = 14:30 UTC), exact decimals kept.
        assert_eq!(parsed.bars[0].ts, at("2026-03-02T14:30:00Z"));
        assert_eq!(parsed.bars[0].high.value(), dec!(110.5000));
        assert_eq!(parsed.bars[0].volume, 1000);
        // After the close the day is complete and kept.
        let evening = at("2026-03-04T22:00:00Z");
        let forming = forming_day(evening, cal.session(NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()));
        assert_eq!(forming, None);
        assert_eq!(daily_bars(tqqq(), &rows, evening, forming).bars.len(), 3);
        // A calendar that cannot tell keeps today out.
        let unknown = Err(CalendarError::ReversedRange { from: now.date_naive(), to: now.date_naive() });
        assert_eq!(forming_day(evening, unknown), NaiveDate::from_ymd_opt(2026, 3, 4));
    }

    #[test]
    fn a_bad_daily_row_is_skipped_with_its_field_named() {
        let now = at("2026-03-05T22:00:00Z");
        let rows = [day("20260304", "abc"), day("20260303", "104.0000"), day("2026-03-02", "1"), day("20260306", "1")];
        let parsed = daily_bars(tqqq(), &rows, now, None);
        assert_eq!(parsed.bars.len(), 1);
        assert_eq!(parsed.forming, 1, "a future row is left out");
        let fields: Vec<_> = parsed.skipped.iter().map(|e| (e.row, e.error.field)).collect();
        assert_eq!(fields, [(0, "clos"), (2, "xymd")]);
        assert!(parsed.skipped[0].to_string().contains("`clos`"), "{}", parsed.skipped[0]);
    }

    #[test]
    fn minute_rows_drop_the_forming_bar_and_duplicates() {
        // 10:07:30 New York: the 10:05 five-minute bar ends at 10:10 and is still forming.
        let now = at("2026-03-04T15:07:30Z");
        let rows = [
            minute("20260304", "100500", "52.0000"),
            minute("20260304", "100000", "51.5000"),
            minute("20260304", "095500", "51.0000"),
            minute("20260304", "095500", "51.0000"),
            minute("20260304", "0950", "9"),
        ];
        let parsed = minute_bars(tqqq(), &rows, 5, now);
        assert_eq!(parsed.forming, 1);
        assert_eq!(parsed.skipped.len(), 1);
        assert_eq!(parsed.skipped[0].error.field, "xhms");
        let starts: Vec<_> = parsed.bars.iter().map(|b| b.ts).collect();
        assert_eq!(starts, [at("2026-03-04T14:55:00Z"), at("2026-03-04T15:00:00Z")]);
        assert_eq!(parsed.bars[1].close.value(), dec!(51.5000));
        // The next page starts one bar before the oldest, in exchange time.
        assert_eq!(minute_page_key(starts[0], 5), "20260304095000");
    }
}

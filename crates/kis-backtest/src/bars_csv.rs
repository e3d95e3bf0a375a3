//! Bar CSV input: `ts,open,high,low,close,volume`, the format `kis-trader indicators` reads.
//!
//! The file has no symbol column (one file, one symbol, given by the caller). `ts` is the bar's start, either
//! RFC 3339 with an offset (`2025-03-03T09:30:00-05:00`, `…Z`) or a local time in the market's time zone
//! (`2025-03-03T09:30`, `2025-03-03 09:30:00`, or a date `2025-03-03` for daily bars). Prices are exact
//! decimals, volumes whole shares. Bars must be strictly in time order. A bad row stops the run with its line
//! number: a backtest over silently skipped data would measure the gaps.

use std::io::BufRead;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use kis_model::{Bar, MarketEvent, Price, Symbol};

use crate::error::InputError;

pub const HEADER: &str = "ts,open,high,low,close,volume";

/// Reads bars one row at a time, so a long file is never held in memory.
pub struct BarCsvReader<R: BufRead> {
    input: R,
    symbol: Symbol,
    tz: Tz,
    line_no: u64,
    text: String,
    previous: Option<DateTime<Utc>>,
    header_seen: bool,
    done: bool,
}

impl<R: BufRead> BarCsvReader<R> {
    /// `tz` is the zone local timestamps are in (the market's).
    pub fn new(input: R, symbol: Symbol, tz: Tz) -> BarCsvReader<R> {
        BarCsvReader {
            input,
            symbol,
            tz,
            line_no: 0,
            text: String::new(),
            previous: None,
            header_seen: false,
            done: false,
        }
    }

    fn read_line(&mut self) -> Result<bool, InputError> {
        self.text.clear();
        self.line_no += 1;
        let n = self.input.read_line(&mut self.text).map_err(|error| InputError::Io { line: self.line_no, error })?;
        Ok(n > 0)
    }

    fn next_bar(&mut self) -> Result<Option<Bar>, InputError> {
        if !self.header_seen {
            self.header_seen = true;
            if !self.read_line()? {
                return Err(InputError::Empty { expected: HEADER });
            }
            let header = self.text.trim_end_matches(['\n', '\r']);
            let header = header.strip_prefix('\u{feff}').unwrap_or(header);
            if header != HEADER {
                return Err(InputError::line(1, format!("expected the header `{HEADER}`, found `{header}`")));
            }
        }
        loop {
            if !self.read_line()? {
                return Ok(None);
            }
            let row = self.text.trim_end_matches(['\n', '\r']);
            if row.trim().is_empty() {
                continue;
            }
            let bar = parse_row(row, self.symbol, self.tz).map_err(|p| InputError::line(self.line_no, p))?;
            if let Some(previous) = self.previous
                && bar.ts <= previous
            {
                return Err(InputError::line(
                    self.line_no,
                    format!(
                        "bar at {} is not after the previous one at {previous}: bars must be in time order",
                        bar.ts
                    ),
                ));
            }
            self.previous = Some(bar.ts);
            return Ok(Some(bar));
        }
    }
}

impl<R: BufRead> Iterator for BarCsvReader<R> {
    type Item = Result<MarketEvent, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_bar() {
            Ok(Some(bar)) => Some(Ok(MarketEvent::Bar(bar))),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Parses a timestamp: RFC 3339, or local date-time / date in `tz`.
pub fn parse_ts(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(ts) = DateTime::parse_from_rfc3339(t) {
        return Ok(ts.with_timezone(&Utc));
    }
    const LOCAL: [&str; 4] = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"];
    let naive = LOCAL
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .or_else(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
        .ok_or_else(|| format!("column `ts`: `{t}` is not a time (RFC 3339, YYYY-MM-DDTHH:MM[:SS] or YYYY-MM-DD)"))?;
    tz.from_local_datetime(&naive)
        .single()
        .map(|ts| ts.with_timezone(&Utc))
        .ok_or_else(|| format!("column `ts`: `{t}` does not exist or is ambiguous in {tz} (daylight-saving change)"))
}

fn parse_row(row: &str, symbol: Symbol, tz: Tz) -> Result<Bar, String> {
    let fields: Vec<&str> = row.split(',').collect();
    let [ts, open, high, low, close, volume] = fields.as_slice() else {
        return Err(format!("expected 6 fields ({HEADER}), found {}", fields.len()));
    };
    let ts = parse_ts(ts, tz)?;
    let price = |name: &str, raw: &str| {
        raw.trim().parse::<Price>().map_err(|_| format!("column `{name}`: `{raw}` is not a price"))
    };
    let (open, high, low, close) =
        (price("open", open)?, price("high", high)?, price("low", low)?, price("close", close)?);
    let volume: u64 =
        volume.trim().parse().map_err(|_| format!("column `volume`: `{volume}` is not a whole number of shares"))?;
    if low > high || open < low || open > high || close < low || close > high {
        return Err(format!("prices are inconsistent: open {open}, high {high}, low {low}, close {close}"));
    }
    if low.is_zero() {
        return Err("column `low`: prices must be above zero".to_string());
    }
    Ok(Bar { symbol, ts, open, high, low, close, volume })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Result<MarketEvent, InputError>> {
        let symbol = Symbol::parse("NASDAQ:AAPL").unwrap();
        BarCsvReader::new(text.as_bytes(), symbol, chrono_tz::America::New_York).collect()
    }

    fn error(text: &str) -> String {
        read(text).into_iter().find_map(Result::err).map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn reads_local_and_offset_times() {
        let rows = read(
            "ts,open,high,low,close,volume\n2025-03-03T09:30,10,11,9.5,10.5,100\n\n\
                         2025-03-03T14:31:00Z,10.5,10.5,10.5,10.5,0\r\n",
        );
        let bars: Vec<Bar> = rows
            .into_iter()
            .map(|r| match r.unwrap() {
                MarketEvent::Bar(b) => b,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(bars.len(), 2);
        // 09:30 New York in March before the DST switch is UTC−5.
        assert_eq!(bars[0].ts.to_rfc3339(), "2025-03-03T14:30:00+00:00");
        assert_eq!(bars[0].low.to_string(), "9.5");
        assert_eq!(bars[1].volume, 0);
        assert_eq!(parse_ts("2025-03-04", chrono_tz::Asia::Seoul).unwrap().to_rfc3339(), "2025-03-03T15:00:00+00:00");
    }

    #[test]
    fn errors_name_line_and_column() {
        assert_eq!(error(""), "input is empty: expected the header `ts,open,high,low,close,volume`");
        assert_eq!(
            error("ts,o,h,l,c,v\n"),
            "line 1: expected the header `ts,open,high,low,close,volume`, found `ts,o,h,l,c,v`"
        );
        let h = "ts,open,high,low,close,volume\n";
        assert_eq!(
            error(&format!("{h}2025-03-03T09:30,1,2,1\n")),
            "line 2: expected 6 fields (ts,open,high,low,close,volume), found 4"
        );
        assert_eq!(error(&format!("{h}2025-03-03T09:30,1,2,1,x,5\n")), "line 2: column `close`: `x` is not a price");
        assert_eq!(
            error(&format!("{h}2025-03-03T09:30,1,2,1,1e2,5\n")),
            "line 2: column `close`: `1e2` is not a price"
        );
        assert_eq!(
            error(&format!("{h}2025-03-03T09:30,1,2,1,1,5.5\n")),
            "line 2: column `volume`: `5.5` is not a whole number of shares"
        );
        assert_eq!(error(&format!("{h}yesterday,1,2,1,1,5\n")).split(':').nth(1), Some(" column `ts`"));
        assert_eq!(
            error(&format!("{h}2025-03-03T09:30,3,2,1,1,5\n")),
            "line 2: prices are inconsistent: open 3, high 2, low 1, close 1"
        );
        assert_eq!(
            error(&format!("{h}2025-03-03T09:30,0,0,0,0,5\n")),
            "line 2: column `low`: prices must be above zero"
        );
        let err = error(&format!("{h}2025-03-03T09:31,1,1,1,1,1\n2025-03-03T09:30,1,1,1,1,1\n"));
        assert!(err.starts_with("line 3: bar at 2025-03-03 14:30:00 UTC is not after"), "{err}");
        // 02:30 on 2025-03-09 does not exist in New York.
        let err = error(&format!("{h}2025-03-09T02:30,1,1,1,1,1\n"));
        assert!(err.contains("does not exist or is ambiguous"), "{err}");
    }
}

//! The recording format (docs/recording-format.md): one market event per text line, written by the daemon's
//! recorder and by tools, replayed by the backtester and the simulator.
//!
//! Streaming both ways: the writer formats one event at a time, the reader parses one line at a time and names the
//! line of every error. Nothing in the input can make the reader panic.

use std::io::{self, BufRead, Write};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeDelta, Utc};
use kis_model::{Bar, Book, Level, MarketEvent, MoneyError, Price, Qty, Side, Symbol, SymbolError, Trade};
use thiserror::Error;

use crate::source::MarketSource;

/// The first line of every recording: format name and version.
pub const HEADER: &str = "#kis-recording v1";

/// Period written for bars passed to [`RecordingWriter::write`] (the market's bars are 1-minute bars).
pub const DEFAULT_BAR_SECS: u32 = 60;

const TRADE_FIELDS: usize = 9;
const BOOK_FIELDS: usize = 4 + 40;
const BAR_FIELDS: usize = 9;
const MAX_FIELDS: usize = BOOK_FIELDS;

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LineError {
    #[error("missing header: the first line must be {HEADER:?}, found {0:?}")]
    MissingHeader(String),
    #[error("unsupported recording version {0:?}: this reader knows {HEADER:?}")]
    UnsupportedVersion(String),
    #[error("line is not valid UTF-8")]
    NotUtf8,
    #[error("unknown record kind {0:?}: expected T (trade), B (book) or M (bar)")]
    UnknownKind(String),
    #[error("{kind} record has {found} fields, expected {expected}")]
    FieldCount { kind: char, found: usize, expected: usize },
    #[error("bad timestamp {0:?}: expected RFC 3339, e.g. 2026-03-03T00:00:01.123456789Z")]
    Timestamp(String),
    #[error("bad symbol: {0}")]
    Symbol(#[from] SymbolError),
    #[error("bad {field}: {source}")]
    Money { field: &'static str, source: MoneyError },
    #[error("bad aggressor {0:?}: expected B, S or empty")]
    Aggressor(String),
    #[error("bad {field} {value:?}: expected a whole number")]
    Integer { field: &'static str, value: String },
    #[error("book depth {0} is outside 0..=10")]
    Depth(u64),
    #[error("bar period {0} s: expected 1 s or more")]
    BarPeriod(u64),
    #[error("bar prices are inconsistent: low {low}, high {high}, open {open}, close {close}")]
    BarRange { open: Price, high: Price, low: Price, close: Price },
    #[error("event available at {at} comes after one available at {previous}: a recording must be in time order")]
    OutOfOrder { at: DateTime<Utc>, previous: DateTime<Utc> },
}

#[derive(Debug, Error)]
pub enum RecordingError {
    #[error("line {line}: read failed: {source}")]
    Io { line: u64, source: io::Error },
    #[error("line {line}: {problem}")]
    Line { line: u64, problem: LineError },
}

impl RecordingError {
    /// The 1-based line the error is about.
    pub fn line(&self) -> u64 {
        match self {
            RecordingError::Io { line, .. } | RecordingError::Line { line, .. } => *line,
        }
    }
}

/// One parsed line.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: u64,
    pub event: MarketEvent,
    /// When a consumer could have known the event: its time for trades and books, the bar's end for bars.
    pub available_at: DateTime<Utc>,
}

/// Writes events as recording lines. The header is written by [`RecordingWriter::new`].
#[derive(Debug)]
pub struct RecordingWriter<W: Write> {
    out: W,
}

fn ts_text(ts: DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

impl<W: Write> RecordingWriter<W> {
    pub fn new(mut out: W) -> io::Result<RecordingWriter<W>> {
        writeln!(out, "{HEADER}")?;
        Ok(RecordingWriter { out })
    }

    /// Writes one event; a bar is written with the 60-second period of the market's bars.
    pub fn write(&mut self, event: &MarketEvent) -> io::Result<()> {
        match event {
            MarketEvent::Trade(t) => self.write_trade(t),
            MarketEvent::Book(b) => self.write_book(b),
            MarketEvent::Bar(b) => self.write_bar(b, DEFAULT_BAR_SECS),
        }
    }

    pub fn write_trade(&mut self, t: &Trade) -> io::Result<()> {
        let aggressor = match t.aggressor {
            Some(Side::Buy) => "B",
            Some(Side::Sell) => "S",
            None => "",
        };
        let opt = |p: Option<Price>| p.map(|p| p.to_string()).unwrap_or_default();
        writeln!(
            self.out,
            "T,{},{},{},{},{},{},{},{}",
            ts_text(t.ts),
            t.symbol,
            t.price,
            t.qty,
            aggressor,
            opt(t.bid),
            opt(t.ask),
            t.cum_volume
        )
    }

    pub fn write_book(&mut self, b: &Book) -> io::Result<()> {
        write!(self.out, "B,{},{},{}", ts_text(b.ts), b.symbol, b.depth)?;
        for level in b.asks.iter().chain(&b.bids) {
            write!(self.out, ",{},{}", level.price, level.qty)?;
        }
        writeln!(self.out)
    }

    /// Writes a bar of `period_secs` seconds (its `ts` is the bar's start).
    pub fn write_bar(&mut self, b: &Bar, period_secs: u32) -> io::Result<()> {
        writeln!(
            self.out,
            "M,{},{},{},{},{},{},{},{}",
            ts_text(b.ts),
            b.symbol,
            period_secs,
            b.open,
            b.high,
            b.low,
            b.close,
            b.volume
        )
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Reads records line by line. Yields `Err` for a bad line and goes on with the next one; a missing header or
/// a read failure ends the iteration.
#[derive(Debug)]
pub struct RecordingReader<R: BufRead> {
    input: R,
    line: u64,
    buf: Vec<u8>,
    header_seen: bool,
    done: bool,
}

impl<R: BufRead> RecordingReader<R> {
    pub fn new(input: R) -> RecordingReader<R> {
        RecordingReader { input, line: 0, buf: Vec::new(), header_seen: false, done: false }
    }

    fn bad(&self, problem: LineError) -> RecordingError {
        RecordingError::Line { line: self.line, problem }
    }
}

impl<R: BufRead> Iterator for RecordingReader<R> {
    type Item = Result<Record, RecordingError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.buf.clear();
            self.line += 1;
            match self.input.read_until(b'\n', &mut self.buf) {
                Ok(0) => self.done = true,
                Ok(_) => {}
                Err(source) => {
                    self.done = true;
                    return Some(Err(RecordingError::Io { line: self.line, source }));
                }
            }
            if self.done {
                break;
            }
            let Ok(text) = std::str::from_utf8(&self.buf) else {
                if !self.header_seen {
                    self.done = true;
                }
                return Some(Err(self.bad(LineError::NotUtf8)));
            };
            let text = text.trim_end_matches(['\n', '\r']);
            if !self.header_seen {
                self.header_seen = true;
                if text == HEADER {
                    continue;
                }
                self.done = true;
                let problem = match text.strip_prefix("#kis-recording ") {
                    Some(version) => LineError::UnsupportedVersion(version.to_string()),
                    None => LineError::MissingHeader(text.chars().take(40).collect()),
                };
                return Some(Err(self.bad(problem)));
            }
            if text.trim().is_empty() || text.starts_with('#') {
                continue;
            }
            let line = self.line;
            return Some(
                parse_line(text)
                    .map(|(event, available_at)| Record { line, event, available_at })
                    .map_err(|problem| RecordingError::Line { line, problem }),
            );
        }
        None
    }
}

/// Parses one data line (not the header, not a comment).
pub fn parse_line(text: &str) -> Result<(MarketEvent, DateTime<Utc>), LineError> {
    let mut fields = [""; MAX_FIELDS];
    let mut n = 0;
    for part in text.split(',') {
        if n < MAX_FIELDS {
            fields[n] = part;
        }
        n += 1;
    }
    let kind = fields[0];
    let expected = match kind {
        "T" => TRADE_FIELDS,
        "B" => BOOK_FIELDS,
        "M" => BAR_FIELDS,
        other => return Err(LineError::UnknownKind(other.chars().take(20).collect())),
    };
    let kind_char = kind.chars().next().unwrap_or('?');
    if n != expected {
        return Err(LineError::FieldCount { kind: kind_char, found: n, expected });
    }
    let ts = parse_ts(fields[1])?;
    let symbol = Symbol::parse(fields[2])?;
    match kind_char {
        'T' => {
            let aggressor = match fields[5] {
                "B" => Some(Side::Buy),
                "S" => Some(Side::Sell),
                "" => None,
                other => return Err(LineError::Aggressor(other.chars().take(20).collect())),
            };
            let trade = Trade {
                symbol,
                ts,
                price: price(fields[3], "price")?,
                qty: qty(fields[4], "qty")?,
                aggressor,
                bid: opt_price(fields[6], "bid")?,
                ask: opt_price(fields[7], "ask")?,
                cum_volume: int(fields[8], "cum_volume")?,
            };
            Ok((MarketEvent::Trade(trade), ts))
        }
        'B' => {
            let depth = int(fields[3], "depth")?;
            if depth > 10 {
                return Err(LineError::Depth(depth));
            }
            let mut asks = [Level::default(); 10];
            let mut bids = [Level::default(); 10];
            for (i, level) in asks.iter_mut().chain(bids.iter_mut()).enumerate() {
                let (p, q) = (fields[4 + 2 * i], fields[5 + 2 * i]);
                *level = Level { price: price(p, LEVEL_PRICE[i])?, qty: qty(q, LEVEL_QTY[i])? };
            }
            Ok((MarketEvent::Book(Book { symbol, ts, asks, bids, depth: depth as u8 }), ts))
        }
        _ => {
            let secs = int(fields[3], "period")?;
            if secs == 0 || secs > 366 * 86_400 {
                return Err(LineError::BarPeriod(secs));
            }
            let (open, high, low, close) = (
                price(fields[4], "open")?,
                price(fields[5], "high")?,
                price(fields[6], "low")?,
                price(fields[7], "close")?,
            );
            if low > high || open > high || close > high || open < low || close < low {
                return Err(LineError::BarRange { open, high, low, close });
            }
            let volume = int(fields[8], "volume")?;
            let end = ts.checked_add_signed(TimeDelta::seconds(secs as i64)).ok_or(LineError::BarPeriod(secs))?;
            Ok((MarketEvent::Bar(Bar { symbol, ts, open, high, low, close, volume }), end))
        }
    }
}

const LEVEL_PRICE: [&str; 20] = [
    "ask1 price",
    "ask2 price",
    "ask3 price",
    "ask4 price",
    "ask5 price",
    "ask6 price",
    "ask7 price",
    "ask8 price",
    "ask9 price",
    "ask10 price",
    "bid1 price",
    "bid2 price",
    "bid3 price",
    "bid4 price",
    "bid5 price",
    "bid6 price",
    "bid7 price",
    "bid8 price",
    "bid9 price",
    "bid10 price",
];
const LEVEL_QTY: [&str; 20] = [
    "ask1 qty",
    "ask2 qty",
    "ask3 qty",
    "ask4 qty",
    "ask5 qty",
    "ask6 qty",
    "ask7 qty",
    "ask8 qty",
    "ask9 qty",
    "ask10 qty",
    "bid1 qty",
    "bid2 qty",
    "bid3 qty",
    "bid4 qty",
    "bid5 qty",
    "bid6 qty",
    "bid7 qty",
    "bid8 qty",
    "bid9 qty",
    "bid10 qty",
];

fn parse_ts(s: &str) -> Result<DateTime<Utc>, LineError> {
    if let Some(t) = parse_written_ts(s) {
        return Ok(t);
    }
    let t = DateTime::parse_from_rfc3339(s).map_err(|_| LineError::Timestamp(s.chars().take(40).collect()))?;
    Ok(t.with_timezone(&Utc))
}

/// The writer's own form, `2026-03-03T00:00:01.123456789Z` (9 fraction digits, `Z`), read without chrono's
/// general RFC 3339 parser, which cost as much as the rest of a line (issue #12). Anything else (other
/// offsets, fraction lengths, a leap second, an impossible date) is left to that parser: `None`.
fn parse_written_ts(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 30 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if b[19] != b'.' || b[29] != b'Z' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if second > 59 {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, num(20, 29)?)?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

fn price(s: &str, field: &'static str) -> Result<Price, LineError> {
    s.parse().map_err(|source| LineError::Money { field, source })
}

fn opt_price(s: &str, field: &'static str) -> Result<Option<Price>, LineError> {
    if s.is_empty() { Ok(None) } else { price(s, field).map(Some) }
}

fn qty(s: &str, field: &'static str) -> Result<Qty, LineError> {
    s.parse::<u64>().map(Qty::new).map_err(|_| LineError::Integer { field, value: s.chars().take(30).collect() })
}

fn int(s: &str, field: &'static str) -> Result<u64, LineError> {
    s.parse::<u64>().map_err(|_| LineError::Integer { field, value: s.chars().take(30).collect() })
}

/// Replays a recording through [`MarketSource`], so a backtest or the simulator drives a recorded day exactly
/// like a synthetic one. Refuses (with the line) an event available before the one replayed before it.
#[derive(Debug)]
pub struct ReplaySource<R: BufRead> {
    reader: RecordingReader<R>,
    pending: Option<Record>,
    pending_error: Option<RecordingError>,
    now: DateTime<Utc>,
    last_available: Option<DateTime<Utc>>,
}

impl<R: BufRead> ReplaySource<R> {
    /// Starts at `start` (events before it are delivered by the first `advance_to`).
    pub fn new(input: R, start: DateTime<Utc>) -> ReplaySource<R> {
        let mut source = ReplaySource {
            reader: RecordingReader::new(input),
            pending: None,
            pending_error: None,
            now: start,
            last_available: None,
        };
        source.fill();
        source
    }

    fn fill(&mut self) {
        self.pending = None;
        match self.reader.next() {
            None => {}
            Some(Err(e)) => self.pending_error = Some(e),
            Some(Ok(record)) => match self.last_available {
                Some(previous) if record.available_at < previous => {
                    let problem = LineError::OutOfOrder { at: record.available_at, previous };
                    self.pending_error = Some(RecordingError::Line { line: record.line, problem });
                }
                _ => {
                    self.last_available = Some(record.available_at);
                    self.pending = Some(record);
                }
            },
        }
    }
}

impl<R: BufRead> MarketSource for ReplaySource<R> {
    type Error = RecordingError;

    /// Delivers the recorded events available at or before `ts`. After an error the next call goes on with the
    /// following line, so a caller may log and skip bad lines or stop.
    fn advance_to(&mut self, ts: DateTime<Utc>, sink: &mut impl FnMut(&MarketEvent)) -> Result<(), RecordingError> {
        loop {
            if let Some(e) = self.pending_error.take() {
                self.fill();
                return Err(e);
            }
            match &self.pending {
                Some(record) if record.available_at <= ts => {
                    sink(&record.event);
                    self.fill();
                }
                _ => break,
            }
        }
        self.now = self.now.max(ts);
        Ok(())
    }

    fn now(&self) -> DateTime<Utc> {
        self.now
    }

    fn next_event_at(&self) -> Option<DateTime<Utc>> {
        self.pending.as_ref().map(|r| r.available_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_ts(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
    }

    #[test]
    fn the_written_timestamp_form_reads_as_chrono_reads_it() {
        let start = NaiveDate::from_ymd_opt(2024, 2, 28).and_then(|d| d.and_hms_nano_opt(23, 59, 58, 999_999_999));
        let start = start.map(|t| t.and_utc()).unwrap();
        // Across a leap day, midnights, and nanosecond fractions.
        for step in 0..5_000i64 {
            let t = start + TimeDelta::nanoseconds(step * 48_611_003_217);
            let text = ts_text(t);
            assert_eq!(parse_written_ts(&text), Some(t), "{text}");
            assert_eq!(chrono_ts(&text), Some(t), "{text}");
        }
        // Other forms go to chrono, with its answer.
        for text in [
            "2026-03-03T09:00:01+09:00",
            "2026-03-03T00:00:01.5Z",
            "2026-03-03T00:00:01Z",
            "2016-12-31T23:59:60.000000000Z",
            "2026-02-30T00:00:01.000000000Z",
            "2026-13-01T00:00:01.000000000Z",
            "2026-03-03T24:00:00.000000000Z",
            "2026-03-03T00:00:01.00000000xZ",
            "2026-03-03 00:00:01.000000000Z",
        ] {
            assert_eq!(
                parse_written_ts(text).filter(|t| Some(*t) == chrono_ts(text)),
                parse_written_ts(text),
                "{text}"
            );
            assert_eq!(parse_ts(text).ok(), chrono_ts(text), "{text}");
        }
        assert_eq!(parse_written_ts("2016-12-31T23:59:60.000000000Z"), None);
        assert!(parse_ts("2026-02-30T00:00:01.000000000Z").is_err());
    }
}

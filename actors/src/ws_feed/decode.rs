//! One plaintext market-data frame → the domain's `MarketEvent`s, and the bookkeeping of frames that could
//! not be read.
//!
//! Records are read through kis-protocol's lazy views (no allocation per record); the only allocation is the
//! output vector the caller reuses or hands on. A bad record does not lose the good ones of the same frame.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kis_model::kst::kst_instant;
use kis_model::{Book, Level, MarketEvent, MoneyError, Price, Qty, Symbol, SymbolError, Trade};
use kis_protocol::ws::{
    Frame, H0stasp0, H0stcnt0, Hdfsasp0, Hdfscnt0, MarketDataError, WsError, WsFieldError, WsTrId, book_from_h0stasp0,
    trade_from_h0stcnt0,
};
use thiserror::Error;

/// Why a frame (or one of its records) produced no event.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error(transparent)]
    Ws(#[from] WsError),
    #[error(transparent)]
    MarketData(#[from] MarketDataError),
    #[error(transparent)]
    Field(#[from] WsFieldError),
    #[error(transparent)]
    Symbol(#[from] SymbolError),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("{tr_id} {field}: negative value {value}")]
    Negative { tr_id: &'static str, field: &'static str, value: i64 },
    #[error("{tr_id}: a market-data frame with the encryption flag set")]
    Encrypted { tr_id: String },
}

impl DecodeError {
    /// A stable name per kind of failure, so that logs are rate-limited per kind rather than per message.
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::Ws(e) => ws_error_kind(e),
            DecodeError::MarketData(MarketDataError::Field(_)) | DecodeError::Field(_) => "bad_field",
            DecodeError::MarketData(MarketDataError::Symbol(_)) | DecodeError::Symbol(_) => "bad_symbol",
            DecodeError::MarketData(MarketDataError::Negative { .. }) | DecodeError::Negative { .. } => "negative",
            DecodeError::Money(_) => "bad_price",
            DecodeError::Encrypted { .. } => "encrypted_market_data",
        }
    }
}

/// The kind name of a codec error.
pub fn ws_error_kind(e: &WsError) -> &'static str {
    match e {
        WsError::Empty => "empty",
        WsError::MissingSeparator { .. } | WsError::BadEncryptFlag { .. } | WsError::EmptyTrId => "bad_header",
        WsError::BadRecordCount { .. } => "bad_record_count",
        WsError::UnevenRecords { .. } => "uneven_records",
        WsError::TooFewFields { .. } => "too_few_fields",
        WsError::TooManyFields { .. } | WsError::RecordTooLong { .. } => "record_too_large",
        WsError::NotUtf8 => "not_utf8",
        WsError::ControlJson { .. } => "bad_control",
        WsError::Crypto(_) => "crypto",
        WsError::Field(_) => "bad_field",
        _ => "malformed",
    }
}

/// Decodes the records of a plaintext market-data frame into `out`. `venue_date` is asked at most once, and
/// only when a record needs it (KRX books carry only a time). Returns the first record error, after having
/// decoded every record that could be read; `Ok(false)` when the TR is not a market-data channel.
pub fn market_events(
    frame: &Frame<'_>,
    venue_date: &mut impl FnMut() -> NaiveDate,
    out: &mut Vec<MarketEvent>,
) -> Result<bool, DecodeError> {
    let tr = frame.ws_tr_id();
    if !matches!(tr, WsTrId::H0stcnt0 | WsTrId::H0stasp0 | WsTrId::Hdfscnt0 | WsTrId::Hdfsasp0) {
        return Ok(false);
    }
    if frame.is_encrypted() {
        return Err(DecodeError::Encrypted { tr_id: frame.tr_id().to_owned() });
    }
    let mut first_error = None;
    let mut date = None;
    for record in frame.records()? {
        let event = record.map_err(DecodeError::from).and_then(|record| match tr {
            WsTrId::H0stcnt0 => Ok(MarketEvent::Trade(trade_from_h0stcnt0(&H0stcnt0::new(record)?)?)),
            WsTrId::H0stasp0 => {
                let day = *date.get_or_insert_with(&mut *venue_date);
                Ok(MarketEvent::Book(book_from_h0stasp0(&H0stasp0::new(record)?, day)?))
            }
            WsTrId::Hdfscnt0 => Ok(MarketEvent::Trade(trade_from_hdfscnt0(&Hdfscnt0::new(record)?)?)),
            _ => Ok(MarketEvent::Book(book_from_hdfsasp0(&Hdfsasp0::new(record)?)?)),
        });
        match event {
            Ok(e) => out.push(e),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(true),
    }
}

fn shares(tr_id: &'static str, field: &'static str, value: i64) -> Result<u64, DecodeError> {
    u64::try_from(value).map_err(|_| DecodeError::Negative { tr_id, field, value })
}

/// `None` for a zero price: an empty side.
fn opt_price(value: rust_decimal::Decimal) -> Result<Option<Price>, DecodeError> {
    if value.is_zero() { Ok(None) } else { Ok(Some(Price::new(value)?)) }
}

/// One HDFSCNT0 record as a trade. The symbol comes from `RSYM` (the `D…`/`R…` key we subscribed with), the
/// instant from the KST date and time fields. The feed carries no aggressor per print.
pub fn trade_from_hdfscnt0(view: &Hdfscnt0<'_>) -> Result<Trade, DecodeError> {
    const TR: &str = "HDFSCNT0";
    Ok(Trade {
        symbol: Symbol::from_ws_tr_key(view.rsym())?,
        ts: kst_instant(view.kymd()?, view.khms()?),
        price: Price::new(view.last()?)?,
        qty: Qty::new(shares(TR, "EVOL", view.evol()?)?),
        aggressor: None,
        bid: opt_price(view.pbid()?)?,
        ask: opt_price(view.pask()?)?,
        cum_volume: shares(TR, "TVOL", view.tvol()?)?,
    })
}

/// One HDFSASP0 record as a book: 10 levels for the US, 1 for the Asian layout.
pub fn book_from_hdfsasp0(view: &Hdfsasp0<'_>) -> Result<Book, DecodeError> {
    const TR: &str = "HDFSASP0";
    let mut asks = [Level::default(); 10];
    let mut bids = [Level::default(); 10];
    let depth = view.level_count().min(10);
    for (i, (ask, bid)) in asks.iter_mut().zip(bids.iter_mut()).take(depth).enumerate() {
        let level = view.level(i + 1)?;
        *ask = Level { price: Price::new(level.ask)?, qty: Qty::new(shares(TR, "VASK", level.ask_qty)?) };
        *bid = Level { price: Price::new(level.bid)?, qty: Qty::new(shares(TR, "VBID", level.bid_qty)?) };
    }
    Ok(Book {
        symbol: Symbol::from_ws_tr_key(view.rsym())?,
        ts: kst_instant(view.kymd()?, view.khms()?),
        asks,
        bids,
        depth: u8::try_from(depth).unwrap_or(10),
    })
}

/// How often a kind of failure that keeps happening is logged again (with its count).
const RELOG_AFTER: Duration = Duration::from_secs(60);

/// Counts failures per kind and decides which to log: the first of each kind, then one a minute with the
/// count, so a broken channel cannot flood the log.
#[derive(Debug, Default)]
pub struct FailureLog {
    kinds: HashMap<&'static str, (u64, Option<Instant>)>,
}

impl FailureLog {
    /// Records one failure of `kind` at `now`; returns the count so far when this one should be logged.
    pub fn note(&mut self, kind: &'static str, now: Instant) -> Option<u64> {
        let (count, logged) = self.kinds.entry(kind).or_insert((0, None));
        *count += 1;
        match logged {
            Some(at) if now.saturating_duration_since(*at) < RELOG_AFTER => None,
            _ => {
                *logged = Some(now);
                Some(*count)
            }
        }
    }

    pub fn count(&self, kind: &str) -> u64 {
        self.kinds.get(kind).map_or(0, |(n, _)| *n)
    }
}

#[cfg(test)]
mod tests {
    use kis_model::{Side, UsExchange};
    use kis_protocol::ws::encode_frame;
    use rust_decimal::Decimal;

    use super::*;

    const TRADE: &str = "005930^115214^250500^5^-19500^-7.22^257548.62^266000^266500^248500^250500^250000^2^11701513^3013709268750^113664^103131^-10533^60.51^7129195^4313943^1^0.37^73.08^090025^5^-15500^090025^5^-16000^114825^2^2000^20260724^20^N^8930^67892^101158^466092^0.20^8331745^140.44^0^^266000";

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, 24).unwrap()
    }

    fn decode(text: &str) -> (Result<bool, DecodeError>, Vec<MarketEvent>, u32) {
        let frame = Frame::parse(text).unwrap();
        let mut asked = 0;
        let mut out = Vec::new();
        let r = market_events(
            &frame,
            &mut || {
                asked += 1;
                date()
            },
            &mut out,
        );
        (r, out, asked)
    }

    #[test]
    fn krx_trades_decode_without_asking_the_date() {
        let text = format!("0|H0STCNT0|002|{TRADE}^{}", TRADE.replace("^115214^", "^115215^"));
        let (r, out, asked) = decode(&text);
        assert_eq!((r, asked), (Ok(true), 0));
        let ts: Vec<String> = out.iter().map(|e| e.ts().to_rfc3339()).collect();
        assert_eq!(ts, ["2026-07-24T02:52:14+00:00", "2026-07-24T02:52:15+00:00"]);
        let MarketEvent::Trade(t) = out[0] else { panic!("not a trade") };
        assert_eq!((t.price, t.qty, t.aggressor), (Price::from_won(250_500), Qty::new(2), Some(Side::Buy)));
    }

    #[test]
    fn krx_books_take_the_venue_date_once_per_frame() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/kis-samples/captured_ws_H0STASP0_005930_145856.txt"
        ))
        .unwrap();
        let payload = text.trim().split_once("|001|").unwrap().1;
        let (r, out, asked) = decode(&format!("0|H0STASP0|002|{payload}^{payload}"));
        assert_eq!((r, asked, out.len()), (Ok(true), 1, 2));
        let MarketEvent::Book(b) = out[0] else { panic!("not a book") };
        assert_eq!(b.ts.to_rfc3339(), "2026-07-24T05:58:56+00:00");
        assert_eq!(b.best_ask().map(|l| l.price), Some(Price::from_won(358_500)));
    }

    #[test]
    fn a_bad_record_keeps_the_good_ones_and_names_the_failure() {
        let broken = TRADE.replace("^250500^5^", "^-250500^5^");
        let (r, out, _) = decode(&format!("0|H0STCNT0|002|{TRADE}^{broken}"));
        let err = r.unwrap_err();
        assert_eq!(err.kind(), "negative");
        assert_eq!(err.to_string(), "H0STCNT0 STCK_PRPR: negative value -250500");
        assert_eq!(out.len(), 1);
        let (r, out, _) = decode("0|H0STCNT0|002|005930^090001^7");
        assert_eq!((r.unwrap_err().kind(), out.len()), ("uneven_records", 0));
        let (r, _, _) = decode("0|H0STCNT0|001|005930^090001^7");
        assert_eq!(r.unwrap_err().kind(), "too_few_fields");
        let (r, _, _) = decode("1|H0STCNT0|001|AAAA");
        assert_eq!(r.unwrap_err().kind(), "encrypted_market_data");
        let (r, out, _) = decode("0|H0UNCNT0|001|a^b");
        assert_eq!((r, out.len()), (Ok(false), 0), "other channels are not ours to decode");
    }

    /// Captured 2024-12-27, 07:02:29 New York = 21:02:29 KST.
    const US_TRADE: &str = "0|HDFSCNT0|001|DNASAAPL^AAPL^4^20241227^20241227^070229^20241227^210229^258.6000^259.0200^258.4000^259.0200^3^0.0000^0.00^258.9600^259.2200^200^20^10^4629^1198097^2222^680^30.60^1";

    #[test]
    fn us_trades_decode_from_kst_fields() {
        let (r, out, asked) = decode(US_TRADE);
        assert_eq!((r, asked), (Ok(true), 0));
        let MarketEvent::Trade(t) = out[0] else { panic!("not a trade") };
        assert_eq!(t.symbol, Symbol::us(UsExchange::Nasdaq, "AAPL").unwrap());
        assert_eq!(t.ts.to_rfc3339(), "2024-12-27T12:02:29+00:00");
        assert_eq!((t.price.value(), t.qty, t.cum_volume), ("259.02".parse().unwrap(), Qty::new(10), 4_629));
        let quotes = (t.bid.map(Price::value), t.ask.map(Price::value));
        assert_eq!(quotes, (Some("258.96".parse().unwrap()), Some("259.22".parse().unwrap())));
        let (r, _, _) = decode(&US_TRADE.replace("^20^10^4629^", "^20^-10^4629^"));
        assert_eq!(r.unwrap_err().to_string(), "HDFSCNT0 EVOL: negative value -10");
        let (r, _, _) = decode(&US_TRADE.replace("DNASAAPL^", "DXXXAAPL^"));
        assert_eq!(r.unwrap_err().kind(), "bad_symbol");
    }

    #[test]
    fn us_books_decode_every_level_present() {
        let mut fields: Vec<String> =
            ["DNYSKO", "KO", "4", "20260304", "100001", "20260305", "000001", "10", "20", "0", "0"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        for n in 1..=10 {
            fields.extend([format!("{}.0100", 60 - n), format!("{}.0200", 60 + n), format!("{n}"), "7".into()]);
            fields.extend(["0".to_string(), "0".to_string()]);
        }
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        let text = encode_frame("HDFSASP0", &[&refs]).unwrap();
        let (r, out, _) = decode(&text);
        assert_eq!(r, Ok(true));
        let MarketEvent::Book(b) = out[0] else { panic!("not a book") };
        assert_eq!((b.symbol.to_string(), b.depth), ("NYSE:KO".to_string(), 10));
        assert_eq!(b.bids[0].price.value(), "59.01".parse::<Decimal>().unwrap());
        assert_eq!(b.asks[9].price.value(), "70.02".parse::<Decimal>().unwrap());
        assert_eq!((b.bids[9].qty, b.asks[9].qty), (Qty::new(10), Qty::new(7)));
    }

    #[test]
    fn failure_log_logs_the_first_then_once_a_minute() {
        let mut log = FailureLog::default();
        let t0 = Instant::now();
        assert_eq!(log.note("bad_header", t0), Some(1));
        assert_eq!(log.note("bad_header", t0 + Duration::from_secs(1)), None);
        assert_eq!(log.note("uneven_records", t0 + Duration::from_secs(1)), Some(1));
        assert_eq!(log.note("bad_header", t0 + Duration::from_secs(59)), None);
        assert_eq!(log.note("bad_header", t0 + Duration::from_secs(61)), Some(4));
        assert_eq!((log.count("bad_header"), log.count("never")), (4, 0));
    }
}

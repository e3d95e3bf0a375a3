//! From the four market-data channels (KRX `H0STCNT0`/`H0STASP0`, US `HDFSCNT0`/`HDFSASP0`) to the domain's
//! market events (`kis_model::Trade`, `Book`): the one conversion the daemon's feed and the recorder share; the
//! simulator does the reverse with the owned records. Korea has had no DST since 1988, so KST is a fixed
//! +09:00 and needs no time-zone table.
//!
//! Records are read through the lazy views (no allocation per record); the only allocation is the output
//! vector the caller reuses or hands on. A bad record does not lose the good ones of the same frame.

use chrono::NaiveDate;
use kis_model::kst::kst_instant;
use kis_model::{Book, Level, MarketEvent, MoneyError, Price, Qty, Side, Symbol, SymbolError, Trade};
use thiserror::Error;

use super::error::{WsError, WsFieldError};
use super::frame::Frame;
use super::h0stasp0::H0stasp0;
use super::h0stcnt0::H0stcnt0;
use super::hdfsasp0::Hdfsasp0;
use super::hdfscnt0::Hdfscnt0;
use super::tr_id::WsTrId;

/// Why a market-data frame (or one of its records) produced no event.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MarketDataError {
    #[error(transparent)]
    Ws(#[from] WsError),
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

impl MarketDataError {
    /// A stable name per kind of failure, so that logs are rate-limited per kind rather than per message.
    pub fn kind(&self) -> &'static str {
        match self {
            MarketDataError::Ws(e) => e.kind(),
            MarketDataError::Field(_) => "bad_field",
            MarketDataError::Symbol(_) => "bad_symbol",
            MarketDataError::Negative { .. } => "negative",
            MarketDataError::Money(_) => "bad_price",
            MarketDataError::Encrypted { .. } => "encrypted_market_data",
        }
    }
}

/// Whether frames of `tr` carry market data this module converts.
pub fn is_market_data(tr: &WsTrId) -> bool {
    matches!(tr, WsTrId::H0stcnt0 | WsTrId::H0stasp0 | WsTrId::Hdfscnt0 | WsTrId::Hdfsasp0)
}

/// Decodes the records of a plaintext market-data frame into `out`. `venue_date` (the KST date of the venue
/// clock) is asked at most once, and only when a record needs it: KRX books carry only a time, and dating them
/// by anything else (the last trade seen, the local clock) misdates the books before a session's first trade
/// or on a simulator whose virtual day is not today. Returns the first record error, after having decoded every
/// record that could be read; `Ok(false)` when the TR is not a market-data channel.
pub fn market_events(
    frame: &Frame<'_>,
    venue_date: &mut impl FnMut() -> NaiveDate,
    out: &mut Vec<MarketEvent>,
) -> Result<bool, MarketDataError> {
    let tr = frame.ws_tr_id();
    if !is_market_data(&tr) {
        return Ok(false);
    }
    if frame.is_encrypted() {
        return Err(MarketDataError::Encrypted { tr_id: frame.tr_id().to_owned() });
    }
    let mut first_error = None;
    let mut date = None;
    for record in frame.records()? {
        let event = record.map_err(MarketDataError::from).and_then(|record| match tr {
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

fn non_negative(tr_id: &'static str, field: &'static str, value: i64) -> Result<u64, MarketDataError> {
    u64::try_from(value).map_err(|_| MarketDataError::Negative { tr_id, field, value })
}

/// `None` for a zero price: KIS sends 0 for an empty side (e.g. at a limit).
fn opt_won(tr_id: &'static str, field: &'static str, value: i64) -> Result<Option<Price>, MarketDataError> {
    let v = non_negative(tr_id, field, value)?;
    Ok((v > 0).then(|| Price::from_won(v)))
}

/// `None` for a zero price: an empty side.
fn opt_dollars(value: rust_decimal::Decimal) -> Result<Option<Price>, MarketDataError> {
    if value.is_zero() { Ok(None) } else { Ok(Some(Price::new(value)?)) }
}

/// One H0STCNT0 record as a trade. `CCLD_DVSN` `1` = buy aggressor, `5` = sell, anything else (`3` pre-open
/// auction) = none.
pub fn trade_from_h0stcnt0(view: &H0stcnt0<'_>) -> Result<Trade, MarketDataError> {
    const TR: &str = "H0STCNT0";
    let symbol = Symbol::krx(view.mksc_shrn_iscd())?;
    let ts = kst_instant(view.bsop_date()?, view.stck_cntg_hour()?);
    let aggressor = match view.ccld_dvsn().trim() {
        "1" => Some(Side::Buy),
        "5" => Some(Side::Sell),
        _ => None,
    };
    Ok(Trade {
        symbol,
        ts,
        price: Price::from_won(non_negative(TR, "STCK_PRPR", view.stck_prpr()?)?),
        qty: Qty::new(non_negative(TR, "CNTG_VOL", view.cntg_vol()?)?),
        aggressor,
        bid: opt_won(TR, "BIDP1", view.bidp1()?)?,
        ask: opt_won(TR, "ASKP1", view.askp1()?)?,
        cum_volume: non_negative(TR, "ACML_VOL", view.acml_vol()?)?,
    })
}

/// One H0STASP0 record as a 10-level book. The record carries only the time (`BSOP_HOUR`): the caller gives
/// the session date.
pub fn book_from_h0stasp0(view: &H0stasp0<'_>, date: NaiveDate) -> Result<Book, MarketDataError> {
    const TR: &str = "H0STASP0";
    let symbol = Symbol::krx(view.mksc_shrn_iscd())?;
    let ts = kst_instant(date, view.bsop_hour()?);
    let mut asks = [Level::default(); 10];
    let mut bids = [Level::default(); 10];
    for (i, level) in view.levels()?.iter().enumerate() {
        if let (Some(ask), Some(bid)) = (asks.get_mut(i), bids.get_mut(i)) {
            *ask = Level {
                price: Price::from_won(non_negative(TR, "ASKP", level.ask)?),
                qty: Qty::new(non_negative(TR, "ASKP_RSQN", level.ask_qty)?),
            };
            *bid = Level {
                price: Price::from_won(non_negative(TR, "BIDP", level.bid)?),
                qty: Qty::new(non_negative(TR, "BIDP_RSQN", level.bid_qty)?),
            };
        }
    }
    Ok(Book { symbol, ts, asks, bids, depth: 10 })
}

/// One HDFSCNT0 record as a trade. The symbol comes from `RSYM` (the `D…`/`R…` key we subscribed with), the
/// instant from the KST date and time fields. The feed carries no aggressor per print.
pub fn trade_from_hdfscnt0(view: &Hdfscnt0<'_>) -> Result<Trade, MarketDataError> {
    const TR: &str = "HDFSCNT0";
    Ok(Trade {
        symbol: Symbol::from_ws_tr_key(view.rsym())?,
        ts: kst_instant(view.kymd()?, view.khms()?),
        price: Price::new(view.last()?)?,
        qty: Qty::new(non_negative(TR, "EVOL", view.evol()?)?),
        aggressor: None,
        bid: opt_dollars(view.pbid()?)?,
        ask: opt_dollars(view.pask()?)?,
        cum_volume: non_negative(TR, "TVOL", view.tvol()?)?,
    })
}

/// One HDFSASP0 record as a book: 10 levels for the US, 1 for the Asian layout.
pub fn book_from_hdfsasp0(view: &Hdfsasp0<'_>) -> Result<Book, MarketDataError> {
    const TR: &str = "HDFSASP0";
    let mut asks = [Level::default(); 10];
    let mut bids = [Level::default(); 10];
    let depth = view.level_count().min(10);
    for (i, (ask, bid)) in asks.iter_mut().zip(bids.iter_mut()).take(depth).enumerate() {
        let level = view.level(i + 1)?;
        *ask = Level { price: Price::new(level.ask)?, qty: Qty::new(non_negative(TR, "VASK", level.ask_qty)?) };
        *bid = Level { price: Price::new(level.bid)?, qty: Qty::new(non_negative(TR, "VBID", level.bid_qty)?) };
    }
    Ok(Book {
        symbol: Symbol::from_ws_tr_key(view.rsym())?,
        ts: kst_instant(view.kymd()?, view.khms()?),
        asks,
        bids,
        depth: u8::try_from(depth).unwrap_or(10),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::frame::Frame;

    const CAPTURED: &str = "0|H0STCNT0|001|005930^115214^250500^5^-19500^-7.22^257548.62^266000^266500^248500^250500^250000^2^11701513^3013709268750^113664^103131^-10533^60.51^7129195^4313943^1^0.37^73.08^090025^5^-15500^090025^5^-16000^114825^2^2000^20260724^20^N^8930^67892^101158^466092^0.20^8331745^140.44^0^^266000";

    fn first<'a>(frame: &Frame<'a>) -> crate::ws::record::Record<'a> {
        frame.records().unwrap().next().unwrap().unwrap()
    }

    #[test]
    fn captured_trade_converts() {
        let frame = Frame::parse(CAPTURED).unwrap();
        let trade = trade_from_h0stcnt0(&H0stcnt0::new(first(&frame)).unwrap()).unwrap();
        assert_eq!(trade.symbol.to_string(), "005930");
        // 2026-07-24 11:52:14 KST = 02:52:14 UTC.
        assert_eq!(trade.ts.to_rfc3339(), "2026-07-24T02:52:14+00:00");
        assert_eq!(trade.price, Price::from_won(250_500));
        assert_eq!(trade.qty, Qty::new(2));
        assert_eq!(trade.aggressor, Some(Side::Buy));
        assert_eq!((trade.ask, trade.bid), (Some(Price::from_won(250_500)), Some(Price::from_won(250_000))));
        assert_eq!(trade.cum_volume, 11_701_513);
    }

    #[test]
    fn bad_fields_are_named() {
        let broken = CAPTURED.replace("^250500^5^-19500", "^-250500^5^-19500");
        let frame = Frame::parse(&broken).unwrap();
        let err = trade_from_h0stcnt0(&H0stcnt0::new(first(&frame)).unwrap()).unwrap_err();
        assert_eq!(err, MarketDataError::Negative { tr_id: "H0STCNT0", field: "STCK_PRPR", value: -250_500 });
        let bad_code = CAPTURED.replace("|001|005930^", "|001|00593!^");
        let frame = Frame::parse(&bad_code).unwrap();
        assert!(matches!(trade_from_h0stcnt0(&H0stcnt0::new(first(&frame)).unwrap()), Err(MarketDataError::Symbol(_))));
    }

    #[test]
    fn captured_book_converts() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/kis-samples/captured_ws_H0STASP0_005930_145856.txt"
        ))
        .unwrap();
        let frame = Frame::parse(text.trim()).unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 7, 24).unwrap();
        let book = book_from_h0stasp0(&H0stasp0::new(first(&frame)).unwrap(), date).unwrap();
        assert_eq!(book.best_ask().map(|l| (l.price, l.qty)), Some((Price::from_won(358_500), Qty::new(53_949))));
        assert_eq!(book.best_bid().map(|l| (l.price, l.qty)), Some((Price::from_won(358_000), Qty::new(40_154))));
        assert_eq!(book.asks[9].price, Price::from_won(363_000));
        assert_eq!(book.ts.to_rfc3339(), "2026-07-24T05:58:56+00:00");
    }
}

//! A decrypted execution notice record → [`ExecutionNotice`] for the OrderRouter.
//!
//! Notices carry the HTS ID and the account number in clear once decrypted, so errors here name the field
//! that failed but never repeat a record's text, and [`NoticeError::kind`] is what the feed logs.

use chrono::{DateTime, NaiveDate, Utc};
use kis_model::kst::{kst_date, kst_instant};
use kis_model::{
    Market, MoneyError, OrderIdError, OrderNo, Price, Qty, Side, SideError, Symbol, SymbolError, UsExchange,
};
use kis_protocol::ws::{H0gscni0, H0stcni0, NoticeMarket, Record, WsError, WsFieldError};
use thiserror::Error;

use crate::messages::{ExecutionNotice, NoticeKind};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoticeError {
    #[error("notice record: {0}")]
    Record(#[from] WsError),
    /// The field's value is left out on purpose (see the module doc).
    #[error("notice field {field} cannot be read ({reason})")]
    Field { field: &'static str, reason: &'static str },
    #[error("overseas notice for market code {0:?}: only US markets are traded")]
    NotUs(&'static str),
}

impl NoticeError {
    pub fn kind(&self) -> &'static str {
        match self {
            NoticeError::Record(_) => "notice_record",
            NoticeError::Field { .. } => "notice_field",
            NoticeError::NotUs(_) => "notice_market",
        }
    }
}

fn field(name: &'static str, reason: &'static str) -> NoticeError {
    NoticeError::Field { field: name, reason }
}

impl From<WsFieldError> for NoticeError {
    fn from(e: WsFieldError) -> NoticeError {
        field(e.field, "not in the expected format")
    }
}

fn order_no(name: &'static str, text: &str) -> Result<OrderNo, NoticeError> {
    OrderNo::parse(text).map_err(|_: OrderIdError| field(name, "not an order number"))
}

/// `OODER_NO`: empty (or all zeros) on a new order.
fn original_order_no(text: &str) -> Result<Option<OrderNo>, NoticeError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let no = order_no("OODER_NO", text)?;
    Ok((no.value() != 0).then_some(no))
}

fn side(text: &str) -> Result<Side, NoticeError> {
    Side::from_kis_code(text.trim()).map_err(|_: SideError| field("SELN_BYOV_CLS", "not a side code"))
}

fn qty(value: i64) -> Result<Qty, NoticeError> {
    u64::try_from(value).map(Qty::new).map_err(|_| field("CNTG_QTY", "negative"))
}

fn kind(rejected: bool, fill: bool) -> NoticeKind {
    if rejected {
        NoticeKind::Rejected
    } else if fill {
        NoticeKind::Fill
    } else {
        NoticeKind::Accepted
    }
}

/// A domestic notice (H0STCNI0 / H0STCNI9, old 23- or current 26-field layout). `date` is the venue's
/// date in Korea: the record carries only the time.
pub fn domestic(record: Record<'_>, date: NaiveDate) -> Result<ExecutionNotice, NoticeError> {
    let view = H0stcni0::new(record)?;
    let time_text = view.record().field(11).unwrap_or_default();
    let time = view.stck_cntg_hour()?;
    let price = view.price()?;
    let price = u64::try_from(price).map_err(|_| field("CNTG_UNPR", "negative"))?;
    Ok(ExecutionNotice {
        market: Market::Krx,
        order_no: order_no("ODER_NO", view.oder_no())?,
        original_order_no: original_order_no(view.ooder_no())?,
        symbol: Symbol::krx(view.stck_shrn_iscd()).map_err(|_: SymbolError| field("STCK_SHRN_ISCD", "not a code"))?,
        side: side(view.seln_byov_cls())?,
        kind: kind(view.is_rejected(), view.is_fill()),
        qty: qty(view.qty()?)?,
        price: (price > 0).then(|| Price::from_won(price)),
        time_hhmmss: time_text.to_owned(),
        at: kst_instant(date, time),
    })
}

/// An overseas notice (H0GSCNI0 / H0GSCNI9, 21–25 fields). Only US markets become notices. `now` stands in
/// for the time when the exchange sends none (some do not), and gives the KST date otherwise.
pub fn overseas(record: Record<'_>, now: DateTime<Utc>) -> Result<ExecutionNotice, NoticeError> {
    let view = H0gscni0::new(record)?;
    let exchange = match view.market()? {
        NoticeMarket::Nasdaq => UsExchange::Nasdaq,
        NoticeMarket::Nyse => UsExchange::Nyse,
        NoticeMarket::Amex => UsExchange::Amex,
        other => return Err(NoticeError::NotUs(other.as_str())),
    };
    let symbol = Symbol::us(exchange, view.stck_shrn_iscd())
        .map_err(|_: SymbolError| field("STCK_SHRN_ISCD", "not a ticker"))?;
    let price = view.price()?;
    let price = if price.is_zero() {
        None
    } else {
        Some(Price::new(price).map_err(|_: MoneyError| field("CNTG_UNPR", "negative"))?)
    };
    let (time_text, at) = match view.stck_cntg_hour()? {
        Some(time) => (view.record().field(10).unwrap_or_default().to_owned(), kst_instant(kst_date(now), time)),
        None => (String::new(), now),
    };
    Ok(ExecutionNotice {
        market: Market::Us,
        order_no: order_no("ODER_NO", view.oder_no())?,
        original_order_no: original_order_no(view.ooder_no())?,
        symbol,
        side: side(view.seln_byov_cls())?,
        kind: kind(view.is_rejected(), view.is_fill()),
        qty: qty(view.qty()?)?,
        price,
        time_hhmmss: time_text,
        at,
    })
}

#[cfg(test)]
mod tests {
    use kis_protocol::ws::Records;

    use super::*;

    /// The official example (old 23-field layout): a receipt and a fill of order 2891, 1 share of 136480.
    const RECEIPT_23: &str = "HTS ID^1234567801^0000002891^^02^0^01^0^136480^0000000001^000000000^094941^0^1^1^06010^000000001^김한투^하림^10^^하림^";
    const FILL_23: &str = "HTS ID^1234567801^0000002891^^02^0^00^0^136480^0000000001^000003190^094941^0^2^2^06010^000000001^김한투^하림^10^^하림^000000000";

    fn record(text: &str) -> Record<'_> {
        Records::new("H0STCNI0", 1, text).unwrap().next().unwrap().unwrap()
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()
    }

    #[test]
    fn domestic_receipt_and_fill_in_the_old_layout() {
        let receipt = domestic(record(RECEIPT_23), date()).unwrap();
        assert_eq!(receipt.kind, NoticeKind::Accepted);
        assert_eq!((receipt.order_no, receipt.original_order_no), (OrderNo::new(2891), None));
        assert_eq!((receipt.symbol, receipt.side), (Symbol::krx("136480").unwrap(), Side::Buy));
        assert_eq!((receipt.qty, receipt.price), (Qty::new(1), None), "market order: no price");
        assert_eq!(receipt.time_hhmmss, "094941");
        assert_eq!(receipt.at.to_rfc3339(), "2026-03-04T00:49:41+00:00");
        let fill = domestic(record(FILL_23), date()).unwrap();
        assert_eq!((fill.kind, fill.qty, fill.price), (NoticeKind::Fill, Qty::new(1), Some(Price::from_won(3_190))));
    }

    #[test]
    fn domestic_current_layout_rejects_and_modifies() {
        // 26 fields: ORD_COND_PRC, ORD_EXG_GB, POPUP_YN, FILLER inserted after ACNT_NAME.
        let text = "hts^5000000001^0000000012^0000000011^01^1^00^0^005930^0000000005^000071000^101500^1^1^1^00950^000000005^name^^1^Y^^10^^005930^000071000";
        let n = domestic(record(text), date()).unwrap();
        assert_eq!((n.kind, n.side, n.original_order_no), (NoticeKind::Rejected, Side::Sell, Some(OrderNo::new(11))));
        assert_eq!((n.qty, n.price), (Qty::new(5), Some(Price::from_won(71_000))));
        let zero_original = text.replace("^0000000011^", "^0000000000^");
        assert_eq!(domestic(record(&zero_original), date()).unwrap().original_order_no, None);
    }

    #[test]
    fn domestic_errors_name_the_field_without_its_value() {
        let bad_side = RECEIPT_23.replace("^^02^", "^^07^");
        let err = domestic(record(&bad_side), date()).unwrap_err();
        assert_eq!(err, field("SELN_BYOV_CLS", "not a side code"));
        assert!(!err.to_string().contains("HTS ID"));
        let bad_no = RECEIPT_23.replace("^0000002891^", "^28x1^");
        assert_eq!(domestic(record(&bad_no), date()).unwrap_err(), field("ODER_NO", "not an order number"));
        let bad_time = RECEIPT_23.replace("^094941^", "^256161^");
        let err = domestic(record(&bad_time), date()).unwrap_err();
        assert_eq!((err.kind(), err.to_string().contains("256161")), ("notice_field", false));
        let short = domestic(record("HTS ID^1^2"), date()).unwrap_err();
        assert_eq!(short.kind(), "notice_record");
    }

    /// The official overseas example's values, in the 25-field layout: a receipt for 100 Toyota (Tokyo).
    const TOYOTA: &str =
        "abcd1234^12345678^3567^^02^0^1^7203^0000000100^000032200^^0^1^1^^^******^도요타자동차^D^10^^^^^";

    fn us(text: &str) -> Result<ExecutionNotice, NoticeError> {
        let now = "2026-03-04T15:00:00Z".parse().unwrap();
        overseas(Records::new("H0GSCNI0", 1, text).unwrap().next().unwrap().unwrap(), now)
    }

    #[test]
    fn overseas_notices_for_us_markets_only() {
        assert_eq!(us(TOYOTA).unwrap_err(), NoticeError::NotUs("D"));
        let nasdaq =
            TOYOTA.replace("^7203^", "^AAPL^").replace("^D^10^", "^6^10^").replace("^000032200^^", "^001480100^^");
        let n = us(&nasdaq).unwrap();
        assert_eq!((n.market, n.symbol.to_string()), (Market::Us, "NASDAQ:AAPL".to_string()));
        assert_eq!((n.kind, n.side, n.qty), (NoticeKind::Accepted, Side::Buy, Qty::new(100)));
        assert_eq!(n.price.map(Price::value), Some("148.01".parse().unwrap()));
        // No time sent: the instant is when it arrived.
        assert_eq!((n.time_hhmmss.as_str(), n.at.to_rfc3339()), ("", "2026-03-04T15:00:00+00:00".to_string()));
        let fill = nasdaq.replace("^0^1^1^", "^0^2^2^").replace("^001480100^^", "^001480100^003001^");
        let n = us(&fill).unwrap();
        // 00:30:01 KST on 2026-03-05 (the KST date at `now`).
        assert_eq!((n.kind, n.time_hhmmss.as_str()), (NoticeKind::Fill, "003001"));
        assert_eq!(n.at.to_rfc3339(), "2026-03-04T15:30:01+00:00");
    }
}

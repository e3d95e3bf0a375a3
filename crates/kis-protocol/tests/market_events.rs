//! Whole frames of the four market-data channels through `ws::market_events`, the one conversion the
//! daemon's feed and the recorder share: multi-record frames, the venue date asked once, a bad record that
//! keeps the good ones, and failure kinds named for the logs.

use kis_model::{Side, UsExchange};
use kis_protocol::ws::encode_frame;
use rust_decimal::Decimal;

use chrono::NaiveDate;
use kis_model::{MarketEvent, Price, Qty, Symbol};
use kis_protocol::ws::{Frame, MarketDataError, market_events};

const TRADE: &str = "005930^115214^250500^5^-19500^-7.22^257548.62^266000^266500^248500^250500^250000^2^11701513^3013709268750^113664^103131^-10533^60.51^7129195^4313943^1^0.37^73.08^090025^5^-15500^090025^5^-16000^114825^2^2000^20260724^20^N^8930^67892^101158^466092^0.20^8331745^140.44^0^^266000";

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 7, 24).unwrap()
}

fn decode(text: &str) -> (Result<bool, MarketDataError>, Vec<MarketEvent>, u32) {
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
        "/../../testdata/kis-samples/captured_ws_H0STASP0_005930_145856.txt"
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

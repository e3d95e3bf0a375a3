//! Turning KIS replies into what the scoring needs, and choosing which quotes a poll refreshes. Pure.
//!
//! Every candidate is built from an `inquire-price` reply, whichever source named the code: the rank lists
//! carry neither the day's high and low (volume rank) nor the listed shares (fluctuation rank), and a single
//! shape for both sources keeps the rank path and the paper fallback identical past the code list.

use std::collections::{HashMap, HashSet};

use kis_model::{Book, KrxCode, Symbol};
use kis_protocol::rest::domestic_quote::{InquirePriceOutput, InquirePriceRequest, MARKET_KRX};
use kis_protocol::rest::domestic_rank::{
    FluctuationRankBody, FluctuationRankRequest, VolumeRankBody, VolumeRankRequest,
};
use kis_protocol::rest::wire::FieldError;
use rust_decimal::Decimal;

use super::scoring::Candidate;

/// `hts_avls` is in 억 (10^8) KRW.
const EOK: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 0);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("`{field}` is negative ({value})")]
    Negative { field: &'static str, value: i64 },
    #[error("asked for {asked}, the reply is for {got:?}")]
    WrongSymbol { asked: KrxCode, got: String },
}

/// The parts of an `inquire-price` reply the screener uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub last: Decimal,
    pub prev_close: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub volume: u64,
    pub market_cap_krw: Option<Decimal>,
}

/// Parses the reply to `inquire-price` for `asked`. The market cap is listed shares × last price (exact), or
/// KIS's own `hts_avls` when the share count is missing, or unknown.
pub fn quote_of(asked: KrxCode, out: &InquirePriceOutput) -> Result<Quote, QuoteError> {
    let got = out.stck_shrn_iscd.trim();
    if !got.is_empty() && got != asked.as_str() {
        return Err(QuoteError::WrongSymbol { asked, got: got.chars().take(12).collect() });
    }
    let raw_volume = out.acml_vol()?;
    let volume =
        u64::try_from(raw_volume).map_err(|_| QuoteError::Negative { field: "acml_vol", value: raw_volume })?;
    let last = out.stck_prpr()?;
    let shares = out.lstn_stcn().ok().filter(|&n| n > 0);
    let market_cap_krw = match shares {
        Some(n) => last.checked_mul(Decimal::from(n)),
        None => out.hts_avls().ok().filter(|v| *v > Decimal::ZERO).and_then(|v| v.checked_mul(EOK)),
    };
    Ok(Quote {
        last,
        prev_close: out.stck_sdpr()?,
        high: out.stck_hgpr()?,
        low: out.stck_lwpr()?,
        volume,
        market_cap_krw,
    })
}

/// (ask − bid) / bid in percent from the best levels; `None` for a one-sided or empty book.
pub fn spread_pct(book: &Book) -> Option<Decimal> {
    let bid = book.best_bid()?.price.value();
    let ask = book.best_ask()?.price.value();
    if bid <= Decimal::ZERO || ask < bid {
        return None;
    }
    (ask - bid).checked_mul(Decimal::ONE_HUNDRED)?.checked_div(bid)
}

pub fn candidate(code: KrxCode, name: &str, quote: &Quote, spread_pct: Option<Decimal>) -> Candidate {
    Candidate {
        symbol: Symbol::Krx(code),
        name: name.to_string(),
        last: quote.last,
        prev_close: quote.prev_close,
        high: quote.high,
        low: quote.low,
        volume: quote.volume,
        market_cap_krw: quote.market_cap_krw,
        spread_pct,
    }
}

/// A code a rank list named, with the name it gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub code: KrxCode,
    pub name: String,
}

/// The codes of both rank lists, interleaved by rank (volume 1, rise 1, volume 2 …) without repeats, plus the
/// number of rows whose code was unusable.
pub fn rank_codes(volume: &VolumeRankBody, rise: &FluctuationRankBody) -> (Vec<Ranked>, usize) {
    let a = volume.output.iter().map(|r| (r.mksc_shrn_iscd.as_str(), r.hts_kor_isnm.as_str()));
    let b = rise.output.iter().map(|r| (r.stck_shrn_iscd.as_str(), r.hts_kor_isnm.as_str()));
    let mut a = a.fuse();
    let mut b = b.fuse();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut bad = 0;
    loop {
        let (x, y) = (a.next(), b.next());
        if x.is_none() && y.is_none() {
            break;
        }
        for (code, name) in [x, y].into_iter().flatten() {
            match KrxCode::parse(code) {
                Ok(code) if seen.insert(code) => out.push(Ranked { code, name: name.trim().to_string() }),
                Ok(_) => {}
                Err(_) => bad += 1,
            }
        }
    }
    (out, bad)
}

/// Which of `codes` to quote this poll: up to `budget`, never-quoted codes first (in list order), then the
/// longest unrefreshed (`refreshed` holds the poll number of each code's last quote). Over successive polls
/// this walks a universe larger than the budget round-robin.
pub fn refresh_order(codes: &[KrxCode], refreshed: &HashMap<KrxCode, u64>, budget: usize) -> Vec<KrxCode> {
    let mut seen = HashSet::new();
    let mut order: Vec<(Option<u64>, usize, KrxCode)> = codes
        .iter()
        .enumerate()
        .filter(|(_, c)| seen.insert(**c))
        .map(|(i, c)| (refreshed.get(c).copied(), i, *c))
        .collect();
    // `None` sorts before `Some`: never-quoted first.
    order.sort();
    order.into_iter().take(budget).map(|(_, _, c)| c).collect()
}

/// [`refresh_order`] for a universe walked in turn: up to half of `budget` re-quotes `growing` codes (refused
/// last time only by a figure that grows through the day: volume or range), stalest first; the rest walks
/// the universe as [`refresh_order`] does. Without it a code quoted in the first minutes of the session, when
/// nothing has traded yet, would wait a whole sweep (minutes at 1 quote a second on paper) to be judged again.
pub fn refresh_order_with_retry(
    codes: &[KrxCode],
    growing: &[KrxCode],
    refreshed: &HashMap<KrxCode, u64>,
    budget: usize,
) -> Vec<KrxCode> {
    let members: HashSet<&KrxCode> = codes.iter().collect();
    let growing: Vec<KrxCode> = growing.iter().filter(|c| members.contains(c)).copied().collect();
    let mut out = refresh_order(&growing, refreshed, budget / 2);
    let taken: HashSet<KrxCode> = out.iter().copied().collect();
    let rest: Vec<KrxCode> = codes.iter().filter(|c| !taken.contains(c)).copied().collect();
    out.extend(refresh_order(&rest, refreshed, budget - out.len()));
    out
}

/// `volume-rank` over the whole market by today's volume, at least `min_volume` shares; excludes warned,
/// 관리, 정리매매, 불성실공시, halted, ETF, ETN and SPAC listings (common and preferred shares stay).
pub fn volume_rank_request(min_volume: u64) -> VolumeRankRequest {
    VolumeRankRequest {
        fid_cond_mrkt_div_code: MARKET_KRX.into(),
        fid_cond_scr_div_code: "20171".into(),
        fid_input_iscd: "0000".into(),
        fid_div_cls_code: "0".into(),
        fid_blng_cls_code: "0".into(),
        fid_trgt_cls_code: "111111111".into(),
        fid_trgt_exls_cls_code: "1111011101".into(),
        fid_input_price_1: String::new(),
        fid_input_price_2: String::new(),
        fid_vol_cnt: min_volume.to_string(),
        fid_input_date_1: String::new(),
    }
}

/// `ranking/fluctuation`: the biggest risers against the previous close with at least `min_volume` shares.
pub fn rise_rank_request(min_volume: u64) -> FluctuationRankRequest {
    FluctuationRankRequest {
        fid_cond_mrkt_div_code: MARKET_KRX.into(),
        fid_cond_scr_div_code: "20170".into(),
        fid_input_iscd: "0000".into(),
        fid_rank_sort_cls_code: "0".into(),
        fid_input_cnt_1: "0".into(),
        fid_prc_cls_code: "1".into(),
        fid_input_price_1: String::new(),
        fid_input_price_2: String::new(),
        fid_vol_cnt: min_volume.to_string(),
        fid_trgt_cls_code: "0".into(),
        fid_trgt_exls_cls_code: "0".into(),
        fid_div_cls_code: "0".into(),
        fid_rsfl_rate1: String::new(),
        fid_rsfl_rate2: String::new(),
    }
}

pub fn price_request(code: KrxCode) -> InquirePriceRequest {
    InquirePriceRequest { fid_cond_mrkt_div_code: MARKET_KRX.into(), fid_input_iscd: code.as_str().into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use kis_model::{Level, Price, Qty};
    use kis_protocol::rest::domestic_rank::{FluctuationRankRow, VolumeRankRow};
    use rust_decimal_macros::dec;

    fn code(s: &str) -> KrxCode {
        KrxCode::parse(s).unwrap()
    }

    fn reply() -> InquirePriceOutput {
        InquirePriceOutput {
            stck_shrn_iscd: "005930".into(),
            stck_prpr: "71500".into(),
            stck_sdpr: "70000".into(),
            stck_hgpr: "72000".into(),
            stck_lwpr: "69800".into(),
            acml_vol: "12345678".into(),
            lstn_stcn: "5969782550".into(),
            hts_avls: "4268394".into(),
            ..InquirePriceOutput::default()
        }
    }

    #[test]
    fn quote_from_reply() {
        let q = quote_of(code("005930"), &reply()).unwrap();
        assert_eq!(
            q,
            Quote {
                last: dec!(71500),
                prev_close: dec!(70000),
                high: dec!(72000),
                low: dec!(69800),
                volume: 12_345_678,
                market_cap_krw: Some(dec!(426839452325000)),
            }
        );
        let c = candidate(code("005930"), "삼성전자", &q, Some(dec!(0.14)));
        assert_eq!(c.symbol, Symbol::krx("005930").unwrap());
        assert_eq!((c.name.as_str(), c.volume, c.spread_pct), ("삼성전자", 12_345_678, Some(dec!(0.14))));
        assert_eq!(c.range_pct(), Some(dec!(2200) * dec!(100) / dec!(70000)));
    }

    #[test]
    fn market_cap_falls_back_to_hts_avls_then_unknown() {
        let no_shares = InquirePriceOutput { lstn_stcn: "".into(), ..reply() };
        assert_eq!(quote_of(code("005930"), &no_shares).unwrap().market_cap_krw, Some(dec!(426839400000000)));
        let zero_shares = InquirePriceOutput { lstn_stcn: "0".into(), ..reply() };
        assert_eq!(quote_of(code("005930"), &zero_shares).unwrap().market_cap_krw, Some(dec!(426839400000000)));
        let neither = InquirePriceOutput { lstn_stcn: "".into(), hts_avls: " ".into(), ..reply() };
        assert_eq!(quote_of(code("005930"), &neither).unwrap().market_cap_krw, None);
    }

    #[test]
    fn malformed_replies_are_errors_naming_the_field() {
        let e = quote_of(code("005930"), &InquirePriceOutput { stck_hgpr: "abc".into(), ..reply() }).unwrap_err();
        assert!(matches!(&e, QuoteError::Field(f) if f.field == "stck_hgpr"), "{e}");
        let e = quote_of(code("005930"), &InquirePriceOutput { acml_vol: "-5".into(), ..reply() }).unwrap_err();
        assert_eq!(e, QuoteError::Negative { field: "acml_vol", value: -5 });
        let e = quote_of(code("000660"), &reply()).unwrap_err();
        assert_eq!(e, QuoteError::WrongSymbol { asked: code("000660"), got: "005930".into() });
        assert_eq!(e.to_string(), "asked for 000660, the reply is for \"005930\"");
        // A blank code is accepted (some replies omit it); a blank price is not.
        assert!(quote_of(code("000660"), &InquirePriceOutput { stck_shrn_iscd: "".into(), ..reply() }).is_ok());
        let e = quote_of(code("005930"), &InquirePriceOutput { stck_prpr: "".into(), ..reply() }).unwrap_err();
        assert!(matches!(&e, QuoteError::Field(f) if f.field == "stck_prpr"));
    }

    fn book(bid: u64, ask: u64) -> Book {
        let empty = Level { price: Price::from_won(0), qty: Qty::new(0) };
        let mut b = Book {
            symbol: Symbol::krx("005930").unwrap(),
            ts: Utc::now(),
            asks: [empty; 10],
            bids: [empty; 10],
            depth: 10,
        };
        if ask > 0 {
            b.asks[0] = Level { price: Price::from_won(ask), qty: Qty::new(10) };
        }
        if bid > 0 {
            b.bids[0] = Level { price: Price::from_won(bid), qty: Qty::new(10) };
        }
        b
    }

    #[test]
    fn spread_from_book() {
        assert_eq!(spread_pct(&book(10_000, 10_050)), Some(dec!(0.5)));
        assert_eq!(spread_pct(&book(71_400, 71_500)), Some(dec!(100) * dec!(100) / dec!(71400)));
        assert_eq!(spread_pct(&book(0, 10_050)), None);
        assert_eq!(spread_pct(&book(10_000, 0)), None);
        assert_eq!(spread_pct(&book(10_050, 10_000)), None, "crossed book");
    }

    fn vrow(code: &str, name: &str) -> VolumeRankRow {
        VolumeRankRow { mksc_shrn_iscd: code.into(), hts_kor_isnm: name.into(), ..VolumeRankRow::default() }
    }

    fn frow(code: &str, name: &str) -> FluctuationRankRow {
        FluctuationRankRow { stck_shrn_iscd: code.into(), hts_kor_isnm: name.into(), ..FluctuationRankRow::default() }
    }

    #[test]
    fn rank_codes_interleave_without_repeats() {
        let volume = VolumeRankBody { output: vec![vrow("005930", "A"), vrow("000660", "B"), vrow("bad", "X")] };
        let rise = FluctuationRankBody {
            output: vec![frow("000660", "B"), frow("035420", " C "), frow("", ""), frow("068270", "D")],
        };
        let (codes, bad) = rank_codes(&volume, &rise);
        let got: Vec<(&str, &str)> = codes.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
        assert_eq!(got, vec![("005930", "A"), ("000660", "B"), ("035420", "C"), ("068270", "D")]);
        assert_eq!(bad, 2);
        let (none, bad) = rank_codes(&VolumeRankBody::default(), &FluctuationRankBody::default());
        assert_eq!((none.len(), bad), (0, 0));
    }

    #[test]
    fn refresh_walks_round_robin() {
        let codes: Vec<KrxCode> = (1..=5).map(|n| code(&format!("{n:06}"))).collect();
        let mut refreshed = HashMap::new();
        let mut seen = Vec::new();
        for poll in 1..=5u64 {
            let pick = refresh_order(&codes, &refreshed, 2);
            for c in &pick {
                refreshed.insert(*c, poll);
            }
            seen.push(pick.iter().map(|c| c.as_str().to_string()).collect::<Vec<_>>().join(","));
        }
        assert_eq!(seen, vec!["000001,000002", "000003,000004", "000005,000001", "000002,000003", "000004,000001"]);
        // Duplicates in the list are quoted once; a budget above the list takes all.
        let dup = vec![codes[0], codes[0], codes[1]];
        assert_eq!(refresh_order(&dup, &HashMap::new(), 10), vec![codes[0], codes[1]]);
        assert!(refresh_order(&codes, &refreshed, 0).is_empty());
    }

    #[test]
    fn growing_codes_are_requoted_with_half_the_budget() {
        let codes: Vec<KrxCode> = (1..=8).map(|n| code(&format!("{n:06}"))).collect();
        let mut refreshed: HashMap<KrxCode, u64> = HashMap::new();
        // Polls 1 and 2 quoted codes 1-4; 1 and 3 were refused for volume.
        for (c, poll) in codes[..4].iter().zip([1, 1, 2, 2]) {
            refreshed.insert(*c, poll);
        }
        let growing = vec![codes[2], codes[0], code("999990")];
        let pick = refresh_order_with_retry(&codes, &growing, &refreshed, 4);
        let got: Vec<&str> = pick.iter().map(|c| c.as_str()).collect();
        // 000001 (poll 1) before 000003 (poll 2); then never-quoted codes; the stranger is ignored.
        assert_eq!(got, vec!["000001", "000003", "000005", "000006"]);
        // Nothing growing: the plain walk. A budget of 1 still walks the universe.
        assert_eq!(refresh_order_with_retry(&codes, &[], &refreshed, 4), refresh_order(&codes, &refreshed, 4));
        assert_eq!(refresh_order_with_retry(&codes, &growing, &refreshed, 1), vec![codes[4]]);
    }

    #[test]
    fn requests_carry_the_minimum_volume() {
        assert_eq!(volume_rank_request(100_000).fid_vol_cnt, "100000");
        assert_eq!(rise_rank_request(5).fid_vol_cnt, "5");
        assert_eq!(rise_rank_request(5).fid_rank_sort_cls_code, "0");
        assert_eq!(price_request(code("005930")).fid_input_iscd, "005930");
    }
}

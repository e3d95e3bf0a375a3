//! H0STASP0, domestic 10-level book (kis-protocol.md §9.2). 59 documented fields; 2026 captures add three
//! `KMID_*` fields, read as optional so both layouts decode with one view.

use super::error::{WsError, WsFieldError};
use super::frame::Frame;

/// Book depth KIS sends per side.
pub const LEVELS: usize = 10;

/// One price level of both sides, best first at level 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookLevel {
    /// Ask price in won.
    pub ask: i64,
    /// Bid price in won.
    pub bid: i64,
    /// Ask quantity.
    pub ask_qty: i64,
    /// Bid quantity.
    pub bid_qty: i64,
}

tr_record! {
    /// A borrowed H0STASP0 record (at least 59 fields).
    view H0stasp0;
    /// An owned H0STASP0 record; encodes 62 fields (the `KMID_*` ones empty when `None`).
    owned H0stasp0Owned;
    tr "H0STASP0", min 59;
    fields {
        0 mksc_shrn_iscd "MKSC_SHRN_ISCD": text;
        1 bsop_hour "BSOP_HOUR": hms;
        2 hour_cls_code "HOUR_CLS_CODE": text;
        3 askp1 "ASKP1": int;
        4 askp2 "ASKP2": int;
        5 askp3 "ASKP3": int;
        6 askp4 "ASKP4": int;
        7 askp5 "ASKP5": int;
        8 askp6 "ASKP6": int;
        9 askp7 "ASKP7": int;
        10 askp8 "ASKP8": int;
        11 askp9 "ASKP9": int;
        12 askp10 "ASKP10": int;
        13 bidp1 "BIDP1": int;
        14 bidp2 "BIDP2": int;
        15 bidp3 "BIDP3": int;
        16 bidp4 "BIDP4": int;
        17 bidp5 "BIDP5": int;
        18 bidp6 "BIDP6": int;
        19 bidp7 "BIDP7": int;
        20 bidp8 "BIDP8": int;
        21 bidp9 "BIDP9": int;
        22 bidp10 "BIDP10": int;
        23 askp_rsqn1 "ASKP_RSQN1": int;
        24 askp_rsqn2 "ASKP_RSQN2": int;
        25 askp_rsqn3 "ASKP_RSQN3": int;
        26 askp_rsqn4 "ASKP_RSQN4": int;
        27 askp_rsqn5 "ASKP_RSQN5": int;
        28 askp_rsqn6 "ASKP_RSQN6": int;
        29 askp_rsqn7 "ASKP_RSQN7": int;
        30 askp_rsqn8 "ASKP_RSQN8": int;
        31 askp_rsqn9 "ASKP_RSQN9": int;
        32 askp_rsqn10 "ASKP_RSQN10": int;
        33 bidp_rsqn1 "BIDP_RSQN1": int;
        34 bidp_rsqn2 "BIDP_RSQN2": int;
        35 bidp_rsqn3 "BIDP_RSQN3": int;
        36 bidp_rsqn4 "BIDP_RSQN4": int;
        37 bidp_rsqn5 "BIDP_RSQN5": int;
        38 bidp_rsqn6 "BIDP_RSQN6": int;
        39 bidp_rsqn7 "BIDP_RSQN7": int;
        40 bidp_rsqn8 "BIDP_RSQN8": int;
        41 bidp_rsqn9 "BIDP_RSQN9": int;
        42 bidp_rsqn10 "BIDP_RSQN10": int;
        43 total_askp_rsqn "TOTAL_ASKP_RSQN": int;
        44 total_bidp_rsqn "TOTAL_BIDP_RSQN": int;
        45 ovtm_total_askp_rsqn "OVTM_TOTAL_ASKP_RSQN": int;
        46 ovtm_total_bidp_rsqn "OVTM_TOTAL_BIDP_RSQN": int;
        47 antc_cnpr "ANTC_CNPR": int;
        48 antc_cnqn "ANTC_CNQN": int;
        49 antc_vol "ANTC_VOL": int;
        50 antc_cntg_vrss "ANTC_CNTG_VRSS": int;
        51 antc_cntg_vrss_sign "ANTC_CNTG_VRSS_SIGN": sign;
        52 antc_cntg_prdy_ctrt "ANTC_CNTG_PRDY_CTRT": dec;
        53 acml_vol "ACML_VOL": int;
        54 total_askp_rsqn_icdc "TOTAL_ASKP_RSQN_ICDC": int;
        55 total_bidp_rsqn_icdc "TOTAL_BIDP_RSQN_ICDC": int;
        56 ovtm_total_askp_icdc "OVTM_TOTAL_ASKP_ICDC": int;
        57 ovtm_total_bidp_icdc "OVTM_TOTAL_BIDP_ICDC": int;
        58 stck_deal_cls_code "STCK_DEAL_CLS_CODE": text;
        59 kmid_prc "KMID_PRC": oint;
        60 kmid_total_rsqn "KMID_TOTAL_RSQN": oint;
        61 kmid_cls_code "KMID_CLS_CODE": text;
    }
}

/// Positions of the four per-level columns (level 1).
const ASKP1: usize = 3;
const BIDP1: usize = 13;
const ASKP_RSQN1: usize = 23;
const BIDP_RSQN1: usize = 33;

impl<'a> H0stasp0<'a> {
    #[inline]
    fn at(&self, index: usize) -> Option<&'a str> {
        self.record.field(index)
    }

    /// Stock code.
    #[inline]
    pub fn code(&self) -> &'a str {
        self.mksc_shrn_iscd()
    }

    fn level_int(&self, base: usize, level: usize, names: &'static [&'static str]) -> Result<i64, WsFieldError> {
        let offset = level.wrapping_sub(1);
        let name = names.get(offset).copied().unwrap_or("level out of 1..=10");
        let value = if offset < LEVELS { self.at(base + offset) } else { None };
        super::macros::get_int(Self::TR_ID, name, value)
    }

    /// Ask price at `level` (1 = best). Levels outside 1..=10 are a `Missing` field error.
    #[inline]
    pub fn askp(&self, level: usize) -> Result<i64, WsFieldError> {
        self.level_int(ASKP1, level, ASKP_NAMES)
    }

    /// Bid price at `level` (1 = best).
    #[inline]
    pub fn bidp(&self, level: usize) -> Result<i64, WsFieldError> {
        self.level_int(BIDP1, level, BIDP_NAMES)
    }

    /// Ask quantity at `level`.
    #[inline]
    pub fn askp_rsqn(&self, level: usize) -> Result<i64, WsFieldError> {
        self.level_int(ASKP_RSQN1, level, ASKP_RSQN_NAMES)
    }

    /// Bid quantity at `level`.
    #[inline]
    pub fn bidp_rsqn(&self, level: usize) -> Result<i64, WsFieldError> {
        self.level_int(BIDP_RSQN1, level, BIDP_RSQN_NAMES)
    }

    /// Both sides at `level` (1..=10).
    #[inline]
    pub fn level(&self, level: usize) -> Result<BookLevel, WsFieldError> {
        Ok(BookLevel {
            ask: self.askp(level)?,
            bid: self.bidp(level)?,
            ask_qty: self.askp_rsqn(level)?,
            bid_qty: self.bidp_rsqn(level)?,
        })
    }

    /// All ten levels, best first, without allocating.
    pub fn levels(&self) -> Result<[BookLevel; LEVELS], WsFieldError> {
        let mut out = [BookLevel { ask: 0, bid: 0, ask_qty: 0, bid_qty: 0 }; LEVELS];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = self.level(i + 1)?;
        }
        Ok(out)
    }

    /// Decodes every record of a plaintext H0STASP0 frame.
    pub fn records(frame: &Frame<'a>) -> Result<impl Iterator<Item = Result<H0stasp0<'a>, WsError>> + 'a, WsError> {
        Ok(frame.records()?.map(|record| record.and_then(H0stasp0::new)))
    }
}

const ASKP_NAMES: &[&str] =
    &["ASKP1", "ASKP2", "ASKP3", "ASKP4", "ASKP5", "ASKP6", "ASKP7", "ASKP8", "ASKP9", "ASKP10"];
const BIDP_NAMES: &[&str] =
    &["BIDP1", "BIDP2", "BIDP3", "BIDP4", "BIDP5", "BIDP6", "BIDP7", "BIDP8", "BIDP9", "BIDP10"];
const ASKP_RSQN_NAMES: &[&str] = &[
    "ASKP_RSQN1",
    "ASKP_RSQN2",
    "ASKP_RSQN3",
    "ASKP_RSQN4",
    "ASKP_RSQN5",
    "ASKP_RSQN6",
    "ASKP_RSQN7",
    "ASKP_RSQN8",
    "ASKP_RSQN9",
    "ASKP_RSQN10",
];
const BIDP_RSQN_NAMES: &[&str] = &[
    "BIDP_RSQN1",
    "BIDP_RSQN2",
    "BIDP_RSQN3",
    "BIDP_RSQN4",
    "BIDP_RSQN5",
    "BIDP_RSQN6",
    "BIDP_RSQN7",
    "BIDP_RSQN8",
    "BIDP_RSQN9",
    "BIDP_RSQN10",
];

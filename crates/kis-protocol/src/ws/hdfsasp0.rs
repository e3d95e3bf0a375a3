//! HDFSASP0, overseas book (kis-protocol.md §9.5): 71 fields (10 levels) for the US, 17 (level 1) for Asian
//! books. Levels 2–10 are therefore optional in the owned form.

use rust_decimal::Decimal;

use super::error::{WsError, WsFieldError};
use super::frame::Frame;
use super::macros::{get_dec, get_int};

/// Width of a full US book record.
pub const US_FIELDS: usize = 71;
const LEVEL1: usize = 11;
const PER_LEVEL: usize = 6;

/// One level of an overseas book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsBookLevel {
    /// Bid price.
    pub bid: Decimal,
    /// Ask price.
    pub ask: Decimal,
    /// Bid quantity.
    pub bid_qty: i64,
    /// Ask quantity.
    pub ask_qty: i64,
    /// Change of the bid quantity.
    pub bid_qty_change: i64,
    /// Change of the ask quantity.
    pub ask_qty_change: i64,
}

tr_record! {
    /// A borrowed HDFSASP0 record (17 or 71 fields).
    view Hdfsasp0;
    /// An owned HDFSASP0 record; always encodes 71 fields (missing levels empty).
    owned Hdfsasp0Owned;
    tr "HDFSASP0", min 17;
    fields {
        0 rsym "RSYM": text;
        1 symb "SYMB": text;
        2 zdiv "ZDIV": int;
        3 xymd "XYMD": ymd;
        4 xhms "XHMS": hms;
        5 kymd "KYMD": ymd;
        6 khms "KHMS": hms;
        7 bvol "BVOL": int;
        8 avol "AVOL": int;
        9 bdvl "BDVL": int;
        10 advl "ADVL": int;
        11 pbid1 "PBID1": dec;
        12 pask1 "PASK1": dec;
        13 vbid1 "VBID1": int;
        14 vask1 "VASK1": int;
        15 dbid1 "DBID1": int;
        16 dask1 "DASK1": int;
        17 pbid2 "PBID2": odec;
        18 pask2 "PASK2": odec;
        19 vbid2 "VBID2": oint;
        20 vask2 "VASK2": oint;
        21 dbid2 "DBID2": oint;
        22 dask2 "DASK2": oint;
        23 pbid3 "PBID3": odec;
        24 pask3 "PASK3": odec;
        25 vbid3 "VBID3": oint;
        26 vask3 "VASK3": oint;
        27 dbid3 "DBID3": oint;
        28 dask3 "DASK3": oint;
        29 pbid4 "PBID4": odec;
        30 pask4 "PASK4": odec;
        31 vbid4 "VBID4": oint;
        32 vask4 "VASK4": oint;
        33 dbid4 "DBID4": oint;
        34 dask4 "DASK4": oint;
        35 pbid5 "PBID5": odec;
        36 pask5 "PASK5": odec;
        37 vbid5 "VBID5": oint;
        38 vask5 "VASK5": oint;
        39 dbid5 "DBID5": oint;
        40 dask5 "DASK5": oint;
        41 pbid6 "PBID6": odec;
        42 pask6 "PASK6": odec;
        43 vbid6 "VBID6": oint;
        44 vask6 "VASK6": oint;
        45 dbid6 "DBID6": oint;
        46 dask6 "DASK6": oint;
        47 pbid7 "PBID7": odec;
        48 pask7 "PASK7": odec;
        49 vbid7 "VBID7": oint;
        50 vask7 "VASK7": oint;
        51 dbid7 "DBID7": oint;
        52 dask7 "DASK7": oint;
        53 pbid8 "PBID8": odec;
        54 pask8 "PASK8": odec;
        55 vbid8 "VBID8": oint;
        56 vask8 "VASK8": oint;
        57 dbid8 "DBID8": oint;
        58 dask8 "DASK8": oint;
        59 pbid9 "PBID9": odec;
        60 pask9 "PASK9": odec;
        61 vbid9 "VBID9": oint;
        62 vask9 "VASK9": oint;
        63 dbid9 "DBID9": oint;
        64 dask9 "DASK9": oint;
        65 pbid10 "PBID10": odec;
        66 pask10 "PASK10": odec;
        67 vbid10 "VBID10": oint;
        68 vask10 "VASK10": oint;
        69 dbid10 "DBID10": oint;
        70 dask10 "DASK10": oint;
    }
}

impl<'a> Hdfsasp0<'a> {
    #[inline]
    fn at(&self, index: usize) -> Option<&'a str> {
        self.record.field(index)
    }

    /// Levels present: 10 for a US record, 1 for an Asian one.
    pub fn level_count(&self) -> usize {
        if self.record.len() >= US_FIELDS { 10 } else { 1 }
    }

    /// Level `level` (1 = best). Outside `1..=level_count()` is a `Missing` field error.
    pub fn level(&self, level: usize) -> Result<UsBookLevel, WsFieldError> {
        let offset = level.wrapping_sub(1);
        let in_range = offset < self.level_count();
        let base = LEVEL1.saturating_add(offset.saturating_mul(PER_LEVEL));
        let names = Self::FIELD_NAMES;
        let field = |i: usize| {
            let index = base + i;
            let name = if in_range { names.get(index).copied().unwrap_or("?") } else { "level out of range" };
            (name, if in_range { self.at(index) } else { None })
        };
        let dec = |i: usize| {
            let (name, value) = field(i);
            get_dec(Self::TR_ID, name, value)
        };
        let int = |i: usize| {
            let (name, value) = field(i);
            get_int(Self::TR_ID, name, value)
        };
        Ok(UsBookLevel {
            bid: dec(0)?,
            ask: dec(1)?,
            bid_qty: int(2)?,
            ask_qty: int(3)?,
            bid_qty_change: int(4)?,
            ask_qty_change: int(5)?,
        })
    }

    /// Decodes every record of a plaintext HDFSASP0 frame.
    pub fn records(frame: &Frame<'a>) -> Result<impl Iterator<Item = Result<Hdfsasp0<'a>, WsError>> + 'a, WsError> {
        Ok(frame.records()?.map(|record| record.and_then(Hdfsasp0::new)))
    }
}

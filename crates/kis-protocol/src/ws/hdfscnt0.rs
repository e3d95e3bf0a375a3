//! HDFSCNT0, overseas trade ticks (kis-protocol.md §9.4). Prices are decimals in the market's currency (US
//! quotes carry 4 decimals, `ZDIV`).

use super::error::WsError;
use super::frame::Frame;

tr_record! {
    /// A borrowed HDFSCNT0 record (26 fields).
    view Hdfscnt0;
    /// An owned HDFSCNT0 record.
    owned Hdfscnt0Owned;
    tr "HDFSCNT0", min 26;
    fields {
        0 rsym "RSYM": text;
        1 symb "SYMB": text;
        2 zdiv "ZDIV": int;
        3 tymd "TYMD": ymd;
        4 xymd "XYMD": ymd;
        5 xhms "XHMS": hms;
        6 kymd "KYMD": ymd;
        7 khms "KHMS": hms;
        8 open "OPEN": dec;
        9 high "HIGH": dec;
        10 low "LOW": dec;
        11 last "LAST": dec;
        12 sign "SIGN": sign;
        13 diff "DIFF": dec;
        14 rate "RATE": dec;
        15 pbid "PBID": dec;
        16 pask "PASK": dec;
        17 vbid "VBID": int;
        18 vask "VASK": int;
        19 evol "EVOL": int;
        20 tvol "TVOL": int;
        21 tamt "TAMT": dec;
        22 bivl "BIVL": int;
        23 asvl "ASVL": int;
        24 strn "STRN": dec;
        25 mtyp "MTYP": text;
    }
}

impl<'a> Hdfscnt0<'a> {
    #[inline]
    fn at(&self, index: usize) -> Option<&'a str> {
        self.record.field(index)
    }

    /// Decodes every record of a plaintext HDFSCNT0 frame.
    pub fn records(frame: &Frame<'a>) -> Result<impl Iterator<Item = Result<Hdfscnt0<'a>, WsError>> + 'a, WsError> {
        Ok(frame.records()?.map(|record| record.and_then(Hdfscnt0::new)))
    }
}

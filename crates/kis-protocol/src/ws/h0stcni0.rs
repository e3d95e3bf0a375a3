//! H0STCNI0 (real) / H0STCNI9 (paper), domestic order and fill notices (kis-protocol.md §9.3). KIS changed
//! the layout in 2025 (23 → 26 fields, positions after index 17 moved); one view reads both by mapping the
//! current-layout position to the old one, so callers never branch on the layout.

use super::error::{WsError, WsFieldError};
use super::record::Record;

/// Which notice layout a record uses, decided by its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H0stcni0Layout {
    /// Pre-2025, 23 fields (…, `ACNT_NAME`, `CNTG_ISNM`, `CRDT_CLS`, `CRDT_LOAN_DATE`, `CNTG_ISNM40`, `ODER_PRC`).
    Old23,
    /// Current, 26 fields (adds `ORD_COND_PRC`, `ORD_EXG_GB`, `POPUP_YN`, `FILLER`; drops `CNTG_ISNM`).
    New26,
}

/// Width of the current layout.
pub const NEW_FIELDS: usize = 26;
/// Width of the old layout.
pub const OLD_FIELDS: usize = 23;
/// Last position shared by both layouts.
const SHARED_LAST: usize = 17;
/// In the old layout, the four trailing fields sit three positions earlier.
const OLD_SHIFT: usize = 3;

tr_record! {
    /// A borrowed domestic notice record, either layout (field accessors use the current layout's names; fields
    /// the old layout lacks read as empty).
    view H0stcni0;
    /// An owned domestic notice in the current 26-field layout.
    owned H0stcni0Owned;
    tr "H0STCNI0", min 23;
    fields {
        0 cust_id "CUST_ID": text;
        1 acnt_no "ACNT_NO": text;
        2 oder_no "ODER_NO": text;
        3 ooder_no "OODER_NO": text;
        4 seln_byov_cls "SELN_BYOV_CLS": text;
        5 rctf_cls "RCTF_CLS": text;
        6 oder_kind "ODER_KIND": text;
        7 oder_cond "ODER_COND": text;
        8 stck_shrn_iscd "STCK_SHRN_ISCD": text;
        9 cntg_qty "CNTG_QTY": z10;
        10 cntg_unpr "CNTG_UNPR": z9;
        11 stck_cntg_hour "STCK_CNTG_HOUR": hms;
        12 rfus_yn "RFUS_YN": text;
        13 cntg_yn "CNTG_YN": text;
        14 acpt_yn "ACPT_YN": text;
        15 brnc_no "BRNC_NO": text;
        16 oder_qty "ODER_QTY": z9;
        17 acnt_name "ACNT_NAME": text;
        18 ord_cond_prc "ORD_COND_PRC": text;
        19 ord_exg_gb "ORD_EXG_GB": text;
        20 popup_yn "POPUP_YN": text;
        21 filler "FILLER": text;
        22 crdt_cls "CRDT_CLS": text;
        23 crdt_loan_date "CRDT_LOAN_DATE": text;
        24 cntg_isnm40 "CNTG_ISNM40": text;
        25 oder_prc "ODER_PRC": oz9;
    }
}

impl<'a> H0stcni0<'a> {
    /// The record's layout.
    #[inline]
    pub fn layout(&self) -> H0stcni0Layout {
        if self.record.len() >= NEW_FIELDS { H0stcni0Layout::New26 } else { H0stcni0Layout::Old23 }
    }

    /// Maps a current-layout position onto the record.
    #[inline]
    fn at(&self, index: usize) -> Option<&'a str> {
        match self.layout() {
            H0stcni0Layout::New26 => self.record.field(index),
            H0stcni0Layout::Old23 if index <= SHARED_LAST => self.record.field(index),
            H0stcni0Layout::Old23 if index >= SHARED_LAST + 1 + 4 => self.record.field(index - OLD_SHIFT),
            H0stcni0Layout::Old23 => None,
        }
    }

    /// `CNTG_ISNM` (old layout field 18, the short name); `None` in the current layout.
    pub fn cntg_isnm(&self) -> Option<&'a str> {
        match self.layout() {
            H0stcni0Layout::Old23 => self.record.field(SHARED_LAST + 1),
            H0stcni0Layout::New26 => None,
        }
    }

    /// `CNTG_YN` = `2`: a fill (quantity/price are the fill's); otherwise a receipt of an order, modify, cancel
    /// or reject (quantity/price are the order's).
    #[inline]
    pub fn is_fill(&self) -> bool {
        self.cntg_yn() == "2"
    }

    /// `RFUS_YN` = `1`: the order was rejected.
    #[inline]
    pub fn is_rejected(&self) -> bool {
        self.rfus_yn() == "1"
    }

    /// Fill quantity on fills, order quantity on receipts.
    #[inline]
    pub fn qty(&self) -> Result<i64, WsFieldError> {
        self.cntg_qty()
    }

    /// Fill price on fills, order price on receipts (0 for market orders), in won.
    #[inline]
    pub fn price(&self) -> Result<i64, WsFieldError> {
        self.cntg_unpr()
    }

    /// Parses one decrypted payload record (`tr_id` only labels errors).
    pub fn parse(tr_id: &'a str, text: &'a str) -> Result<Self, WsError> {
        Self::new(Record::parse(tr_id, text)?)
    }
}

//! Field names of every real-time TR in wire order, exactly as kis-protocol.md §9 spells them. Each table is the
//! one its typed view is generated from (`tr_record!`), so reading, writing and printing a TR share one layout;
//! only the pre-2025 notice layout, which no view writes, is listed here.

use super::{H0gscni0, H0stasp0, H0stcni0, H0stcnt0, Hdfsasp0, Hdfscnt0};

/// §9.1 domestic trade, 46 fields.
pub const H0STCNT0: &[&str] = H0stcnt0::FIELD_NAMES;

/// §9.2 domestic book: 59 documented fields plus the three `KMID_*` fields seen in 2026 captures.
pub const H0STASP0: &[&str] = H0stasp0::FIELD_NAMES;

/// §9.3 domestic notice (H0STCNI0/H0STCNI9), current 26-field layout.
pub const H0STCNI0: &[&str] = H0stcni0::FIELD_NAMES;

/// §9.3 domestic notice, pre-2025 23-field layout (still used by the spec's own example).
pub const H0STCNI0_OLD: &[&str] = &[
    "CUST_ID",
    "ACNT_NO",
    "ODER_NO",
    "OODER_NO",
    "SELN_BYOV_CLS",
    "RCTF_CLS",
    "ODER_KIND",
    "ODER_COND",
    "STCK_SHRN_ISCD",
    "CNTG_QTY",
    "CNTG_UNPR",
    "STCK_CNTG_HOUR",
    "RFUS_YN",
    "CNTG_YN",
    "ACPT_YN",
    "BRNC_NO",
    "ODER_QTY",
    "ACNT_NAME",
    "CNTG_ISNM",
    "CRDT_CLS",
    "CRDT_LOAN_DATE",
    "CNTG_ISNM40",
    "ODER_PRC",
];

/// §9.4 overseas trade, 26 fields.
pub const HDFSCNT0: &[&str] = Hdfscnt0::FIELD_NAMES;

/// §9.5 overseas book: 71 fields for the US 10-level book; Asian books send the first 17 (level 1).
pub const HDFSASP0: &[&str] = Hdfsasp0::FIELD_NAMES;

/// §9.6 overseas notice (H0GSCNI0/H0GSCNI9), 25 fields; older layouts send the first 21 or 24.
pub const H0GSCNI0: &[&str] = H0gscni0::FIELD_NAMES;

/// Documented field count of H0STASP0 (without the `KMID_*` extras).
pub const H0STASP0_DOCUMENTED: usize = 59;

/// The names for a record of `tr_id` that has `width` fields, or `None` for an unmodelled TR. Chooses the
/// old notice layout for H0STCNI0/9 records narrower than 26 fields. Fields beyond the table are unnamed.
pub fn names_for(tr_id: &str, width: usize) -> Option<&'static [&'static str]> {
    match tr_id {
        "H0STCNT0" => Some(H0STCNT0),
        "H0STASP0" => Some(H0STASP0),
        "H0STCNI0" | "H0STCNI9" if width < H0STCNI0.len() => Some(H0STCNI0_OLD),
        "H0STCNI0" | "H0STCNI9" => Some(H0STCNI0),
        "HDFSCNT0" => Some(HDFSCNT0),
        "HDFSASP0" => Some(HDFSASP0),
        "H0GSCNI0" | "H0GSCNI9" => Some(H0GSCNI0),
        _ => None,
    }
}

/// The fewest fields a record of `tr_id` may have (the typed view's minimum), or `None` for an unmodelled TR.
pub fn min_fields_for(tr_id: &str) -> Option<usize> {
    use super::{H0gscni0, H0stasp0, H0stcni0, H0stcnt0, Hdfsasp0, Hdfscnt0};
    match tr_id {
        "H0STCNT0" => Some(H0stcnt0::MIN_FIELDS),
        "H0STASP0" => Some(H0stasp0::MIN_FIELDS),
        "H0STCNI0" | "H0STCNI9" => Some(H0stcni0::MIN_FIELDS),
        "HDFSCNT0" => Some(Hdfscnt0::MIN_FIELDS),
        "HDFSASP0" => Some(Hdfsasp0::MIN_FIELDS),
        "H0GSCNI0" | "H0GSCNI9" => Some(H0gscni0::MIN_FIELDS),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_the_documented_widths_and_positions() {
        assert_eq!(H0STCNT0.get(18), Some(&"CTTR"));
        assert_eq!(H0STCNT0.get(33), Some(&"BSOP_DATE"));
        assert_eq!(H0STCNI0.get(25), Some(&"ODER_PRC"));
        let widths = [H0STCNT0.len(), H0STASP0.len(), H0STCNI0.len(), H0STCNI0_OLD.len(), HDFSCNT0.len()];
        assert_eq!(widths, [46, 62, 26, 23, 26]);
        assert_eq!((HDFSASP0.len(), H0GSCNI0.len()), (71, 25));
        assert_eq!(HDFSASP0.get(11..17), Some(&["PBID1", "PASK1", "VBID1", "VASK1", "DBID1", "DASK1"][..]));
        assert_eq!(HDFSASP0.get(65), Some(&"PBID10"));
        assert_eq!(H0STASP0.get(58), Some(&"STCK_DEAL_CLS_CODE"));
        assert_eq!(H0STCNI0_OLD.get(18), Some(&"CNTG_ISNM"));
        assert_eq!(names_for("H0STCNI9", 23), Some(H0STCNI0_OLD));
        assert_eq!(names_for("H0STCNI0", 27), Some(H0STCNI0));
        assert_eq!(names_for("H0UNCNT0", 46), None);
    }
}

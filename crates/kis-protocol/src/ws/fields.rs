//! Field names of every real-time TR in wire order, exactly as kis-protocol.md §9 spells them. The CLI prints
//! them and the typed views are tested against them, so a layout change is fixed in one place.

/// §9.1 domestic trade, 46 fields.
pub const H0STCNT0: &[&str] = &[
    "MKSC_SHRN_ISCD",
    "STCK_CNTG_HOUR",
    "STCK_PRPR",
    "PRDY_VRSS_SIGN",
    "PRDY_VRSS",
    "PRDY_CTRT",
    "WGHN_AVRG_STCK_PRC",
    "STCK_OPRC",
    "STCK_HGPR",
    "STCK_LWPR",
    "ASKP1",
    "BIDP1",
    "CNTG_VOL",
    "ACML_VOL",
    "ACML_TR_PBMN",
    "SELN_CNTG_CSNU",
    "SHNU_CNTG_CSNU",
    "NTBY_CNTG_CSNU",
    "CTTR",
    "SELN_CNTG_SMTN",
    "SHNU_CNTG_SMTN",
    "CCLD_DVSN",
    "SHNU_RATE",
    "PRDY_VOL_VRSS_ACML_VOL_RATE",
    "OPRC_HOUR",
    "OPRC_VRSS_PRPR_SIGN",
    "OPRC_VRSS_PRPR",
    "HGPR_HOUR",
    "HGPR_VRSS_PRPR_SIGN",
    "HGPR_VRSS_PRPR",
    "LWPR_HOUR",
    "LWPR_VRSS_PRPR_SIGN",
    "LWPR_VRSS_PRPR",
    "BSOP_DATE",
    "NEW_MKOP_CLS_CODE",
    "TRHT_YN",
    "ASKP_RSQN1",
    "BIDP_RSQN1",
    "TOTAL_ASKP_RSQN",
    "TOTAL_BIDP_RSQN",
    "VOL_TNRT",
    "PRDY_SMNS_HOUR_ACML_VOL",
    "PRDY_SMNS_HOUR_ACML_VOL_RATE",
    "HOUR_CLS_CODE",
    "MRKT_TRTM_CLS_CODE",
    "VI_STND_PRC",
];

/// §9.2 domestic book: 59 documented fields plus the three `KMID_*` fields seen in 2026 captures.
pub const H0STASP0: &[&str] = &[
    "MKSC_SHRN_ISCD",
    "BSOP_HOUR",
    "HOUR_CLS_CODE",
    "ASKP1",
    "ASKP2",
    "ASKP3",
    "ASKP4",
    "ASKP5",
    "ASKP6",
    "ASKP7",
    "ASKP8",
    "ASKP9",
    "ASKP10",
    "BIDP1",
    "BIDP2",
    "BIDP3",
    "BIDP4",
    "BIDP5",
    "BIDP6",
    "BIDP7",
    "BIDP8",
    "BIDP9",
    "BIDP10",
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
    "TOTAL_ASKP_RSQN",
    "TOTAL_BIDP_RSQN",
    "OVTM_TOTAL_ASKP_RSQN",
    "OVTM_TOTAL_BIDP_RSQN",
    "ANTC_CNPR",
    "ANTC_CNQN",
    "ANTC_VOL",
    "ANTC_CNTG_VRSS",
    "ANTC_CNTG_VRSS_SIGN",
    "ANTC_CNTG_PRDY_CTRT",
    "ACML_VOL",
    "TOTAL_ASKP_RSQN_ICDC",
    "TOTAL_BIDP_RSQN_ICDC",
    "OVTM_TOTAL_ASKP_ICDC",
    "OVTM_TOTAL_BIDP_ICDC",
    "STCK_DEAL_CLS_CODE",
    "KMID_PRC",
    "KMID_TOTAL_RSQN",
    "KMID_CLS_CODE",
];

/// §9.3 domestic notice (H0STCNI0/H0STCNI9), current 26-field layout.
pub const H0STCNI0: &[&str] = &[
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
    "ORD_COND_PRC",
    "ORD_EXG_GB",
    "POPUP_YN",
    "FILLER",
    "CRDT_CLS",
    "CRDT_LOAN_DATE",
    "CNTG_ISNM40",
    "ODER_PRC",
];

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
pub const HDFSCNT0: &[&str] = &[
    "RSYM", "SYMB", "ZDIV", "TYMD", "XYMD", "XHMS", "KYMD", "KHMS", "OPEN", "HIGH", "LOW", "LAST", "SIGN", "DIFF",
    "RATE", "PBID", "PASK", "VBID", "VASK", "EVOL", "TVOL", "TAMT", "BIVL", "ASVL", "STRN", "MTYP",
];

/// §9.5 overseas book: 71 fields for the US 10-level book; Asian books send the first 17 (level 1).
pub const HDFSASP0: &[&str] = &[
    "RSYM", "SYMB", "ZDIV", "XYMD", "XHMS", "KYMD", "KHMS", "BVOL", "AVOL", "BDVL", "ADVL", "PBID1", "PASK1", "VBID1",
    "VASK1", "DBID1", "DASK1", "PBID2", "PASK2", "VBID2", "VASK2", "DBID2", "DASK2", "PBID3", "PASK3", "VBID3",
    "VASK3", "DBID3", "DASK3", "PBID4", "PASK4", "VBID4", "VASK4", "DBID4", "DASK4", "PBID5", "PASK5", "VBID5",
    "VASK5", "DBID5", "DASK5", "PBID6", "PASK6", "VBID6", "VASK6", "DBID6", "DASK6", "PBID7", "PASK7", "VBID7",
    "VASK7", "DBID7", "DASK7", "PBID8", "PASK8", "VBID8", "VASK8", "DBID8", "DASK8", "PBID9", "PASK9", "VBID9",
    "VASK9", "DBID9", "DASK9", "PBID10", "PASK10", "VBID10", "VASK10", "DBID10", "DASK10",
];

/// §9.6 overseas notice (H0GSCNI0/H0GSCNI9), 25 fields; older layouts send the first 21 or 24.
pub const H0GSCNI0: &[&str] = &[
    "CUST_ID",
    "ACNT_NO",
    "ODER_NO",
    "OODER_NO",
    "SELN_BYOV_CLS",
    "RCTF_CLS",
    "ODER_KIND2",
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
    "ODER_COND",
    "DEBT_GB",
    "DEBT_DATE",
    "START_TM",
    "END_TM",
    "TM_DIV_TP",
    "CNTG_UNPR12",
];

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
    use crate::ws::{H0gscni0, H0stasp0, H0stcni0, H0stcnt0, Hdfsasp0, Hdfscnt0};

    #[test]
    fn tables_match_the_views_and_the_documented_widths() {
        assert_eq!(H0STCNT0, H0stcnt0::FIELD_NAMES);
        assert_eq!(H0STASP0, H0stasp0::FIELD_NAMES);
        assert_eq!(H0STCNI0, H0stcni0::FIELD_NAMES);
        assert_eq!(HDFSCNT0, Hdfscnt0::FIELD_NAMES);
        assert_eq!(HDFSASP0, Hdfsasp0::FIELD_NAMES);
        assert_eq!(H0GSCNI0, H0gscni0::FIELD_NAMES);
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

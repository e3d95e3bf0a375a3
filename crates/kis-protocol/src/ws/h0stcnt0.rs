//! H0STCNT0, domestic trade ticks (kis-protocol.md §9.1). The busiest channel: accessors parse only the field
//! asked for, integers in won, rates and VWAP as `Decimal`.

use chrono::NaiveTime;

use super::error::{WsError, WsFieldError};
use super::frame::Frame;
use super::sign::Sign;

tr_record! {
    /// A borrowed H0STCNT0 record (46 documented fields; trailing extras tolerated).
    view H0stcnt0;
    /// An owned H0STCNT0 record, e.g. for the simulator to send.
    owned H0stcnt0Owned;
    tr "H0STCNT0", min 46;
    fields {
        0 mksc_shrn_iscd "MKSC_SHRN_ISCD": text;
        1 stck_cntg_hour "STCK_CNTG_HOUR": hms;
        2 stck_prpr "STCK_PRPR": int;
        3 prdy_vrss_sign "PRDY_VRSS_SIGN": sign;
        4 prdy_vrss "PRDY_VRSS": int;
        5 prdy_ctrt "PRDY_CTRT": dec;
        6 wghn_avrg_stck_prc "WGHN_AVRG_STCK_PRC": dec;
        7 stck_oprc "STCK_OPRC": int;
        8 stck_hgpr "STCK_HGPR": int;
        9 stck_lwpr "STCK_LWPR": int;
        10 askp1 "ASKP1": int;
        11 bidp1 "BIDP1": int;
        12 cntg_vol "CNTG_VOL": int;
        13 acml_vol "ACML_VOL": int;
        14 acml_tr_pbmn "ACML_TR_PBMN": int;
        15 seln_cntg_csnu "SELN_CNTG_CSNU": int;
        16 shnu_cntg_csnu "SHNU_CNTG_CSNU": int;
        17 ntby_cntg_csnu "NTBY_CNTG_CSNU": int;
        18 cttr "CTTR": dec;
        19 seln_cntg_smtn "SELN_CNTG_SMTN": int;
        20 shnu_cntg_smtn "SHNU_CNTG_SMTN": int;
        21 ccld_dvsn "CCLD_DVSN": text;
        22 shnu_rate "SHNU_RATE": dec;
        23 prdy_vol_vrss_acml_vol_rate "PRDY_VOL_VRSS_ACML_VOL_RATE": dec;
        24 oprc_hour "OPRC_HOUR": ohms;
        25 oprc_vrss_prpr_sign "OPRC_VRSS_PRPR_SIGN": osign;
        26 oprc_vrss_prpr "OPRC_VRSS_PRPR": oint;
        27 hgpr_hour "HGPR_HOUR": ohms;
        28 hgpr_vrss_prpr_sign "HGPR_VRSS_PRPR_SIGN": osign;
        29 hgpr_vrss_prpr "HGPR_VRSS_PRPR": oint;
        30 lwpr_hour "LWPR_HOUR": ohms;
        31 lwpr_vrss_prpr_sign "LWPR_VRSS_PRPR_SIGN": osign;
        32 lwpr_vrss_prpr "LWPR_VRSS_PRPR": oint;
        33 bsop_date "BSOP_DATE": ymd;
        34 new_mkop_cls_code "NEW_MKOP_CLS_CODE": text;
        35 trht_yn "TRHT_YN": text;
        36 askp_rsqn1 "ASKP_RSQN1": int;
        37 bidp_rsqn1 "BIDP_RSQN1": int;
        38 total_askp_rsqn "TOTAL_ASKP_RSQN": int;
        39 total_bidp_rsqn "TOTAL_BIDP_RSQN": int;
        40 vol_tnrt "VOL_TNRT": dec;
        41 prdy_smns_hour_acml_vol "PRDY_SMNS_HOUR_ACML_VOL": int;
        42 prdy_smns_hour_acml_vol_rate "PRDY_SMNS_HOUR_ACML_VOL_RATE": dec;
        43 hour_cls_code "HOUR_CLS_CODE": text;
        44 mrkt_trtm_cls_code "MRKT_TRTM_CLS_CODE": text;
        45 vi_stnd_prc "VI_STND_PRC": oint;
    }
}

impl<'a> H0stcnt0<'a> {
    #[inline]
    fn at(&self, index: usize) -> Option<&'a str> {
        self.record.field(index)
    }

    /// Stock code (6 digits, `Q…` for ETNs).
    #[inline]
    pub fn code(&self) -> &'a str {
        self.mksc_shrn_iscd()
    }

    /// Trade time, KST.
    #[inline]
    pub fn hour(&self) -> Result<NaiveTime, WsFieldError> {
        self.stck_cntg_hour()
    }

    /// Trade price in won.
    #[inline]
    pub fn price(&self) -> Result<i64, WsFieldError> {
        self.stck_prpr()
    }

    /// Direction against the previous close.
    #[inline]
    pub fn sign(&self) -> Result<Sign, WsFieldError> {
        self.prdy_vrss_sign()
    }

    /// Change against the previous close in won (negative when down).
    #[inline]
    pub fn change(&self) -> Result<i64, WsFieldError> {
        self.prdy_vrss()
    }

    /// Quantity of this trade.
    #[inline]
    pub fn volume(&self) -> Result<i64, WsFieldError> {
        self.cntg_vol()
    }

    /// Volume since the open.
    #[inline]
    pub fn cum_volume(&self) -> Result<i64, WsFieldError> {
        self.acml_vol()
    }

    /// Decodes every record of a plaintext H0STCNT0 frame (a frame of another TR is decoded the same way, so
    /// check [`Frame::tr_id`] first when it matters).
    pub fn records(frame: &Frame<'a>) -> Result<impl Iterator<Item = Result<H0stcnt0<'a>, WsError>> + 'a, WsError> {
        Ok(frame.records()?.map(|record| record.and_then(H0stcnt0::new)))
    }
}

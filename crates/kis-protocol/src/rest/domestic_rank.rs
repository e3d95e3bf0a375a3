//! Domestic screeners (real only, at most 30 rows, no paging): volume rank and fluctuation rank.

use serde::{Deserialize, Serialize};

use crate::rest::endpoint::rest_request;
use crate::rest::envelope::rows;
use crate::rest::wire::{wire_record, wire_request};
use crate::tr_id::Op;

pub const VOLUME_RANK_PATH: &str = "/uapi/domestic-stock/v1/quotations/volume-rank";
pub const FLUCTUATION_RANK_PATH: &str = "/uapi/domestic-stock/v1/ranking/fluctuation";

wire_request! {
    /// `volume-rank` (FHPST01710000).
    pub struct VolumeRankRequest {
        /// `J`.
        fid_cond_mrkt_div_code: String = "FID_COND_MRKT_DIV_CODE",
        /// `20171`.
        fid_cond_scr_div_code: String = "FID_COND_SCR_DIV_CODE",
        /// `0000` all, `0001` KOSPI, `1001` KOSDAQ, `2001` KOSPI200.
        fid_input_iscd: String = "FID_INPUT_ISCD",
        /// `0` all, `1` common, `2` preferred.
        fid_div_cls_code: String = "FID_DIV_CLS_CODE",
        /// `0` avg volume, `1` volume growth, `2` avg turnover, `3` traded value, `4` avg value turnover.
        fid_blng_cls_code: String = "FID_BLNG_CLS_CODE",
        /// 9 chars of 0/1 (margin 30/40/50/60/100 %, credit 30/40/50/60 %).
        fid_trgt_cls_code: String = "FID_TRGT_CLS_CODE",
        /// 10 chars of 0/1 (risk/warn/caution, 관리, 정리매매, 불성실공시, preferred, halted, ETF, ETN …).
        fid_trgt_exls_cls_code: String = "FID_TRGT_EXLS_CLS_CODE",
        fid_input_price_1: String = "FID_INPUT_PRICE_1",
        fid_input_price_2: String = "FID_INPUT_PRICE_2",
        fid_vol_cnt: String = "FID_VOL_CNT",
        fid_input_date_1: String = "FID_INPUT_DATE_1",
    }
}

rest_request!(VolumeRankRequest, Get VOLUME_RANK_PATH, Op::DomesticVolumeRank, VolumeRankBody);

wire_record! {
    pub struct VolumeRankRow {
        hts_kor_isnm: text,
        mksc_shrn_iscd: text,
        data_rank: int,
        stck_prpr: dec,
        prdy_vrss_sign: text,
        prdy_vrss: dec,
        prdy_ctrt: dec,
        acml_vol: int,
        prdy_vol: int,
        lstn_stcn: int,
        avrg_vol: int,
        n_befr_clpr_vrss_prpr_rate: dec,
        vol_inrt: dec,
        vol_tnrt: dec,
        nday_vol_tnrt: dec,
        avrg_tr_pbmn: dec,
        tr_pbmn_tnrt: dec,
        nday_tr_pbmn_tnrt: dec,
        acml_tr_pbmn: dec,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeRankBody {
    #[serde(deserialize_with = "rows")]
    pub output: Vec<VolumeRankRow>,
}

wire_request! {
    /// `ranking/fluctuation` (FHPST01700000). The spec spells these parameters lowercase; they are sent as
    /// spelled.
    pub struct FluctuationRankRequest {
        fid_cond_mrkt_div_code: String = "fid_cond_mrkt_div_code",
        /// `20170`.
        fid_cond_scr_div_code: String = "fid_cond_scr_div_code",
        fid_input_iscd: String = "fid_input_iscd",
        /// `0` rise, `1` fall, `2` rise vs open, `3` fall vs open, `4` volatility.
        fid_rank_sort_cls_code: String = "fid_rank_sort_cls_code",
        fid_input_cnt_1: String = "fid_input_cnt_1",
        /// Rise: `0` vs low, `1` vs close; fall: `0` vs high, `1` vs close.
        fid_prc_cls_code: String = "fid_prc_cls_code",
        fid_input_price_1: String = "fid_input_price_1",
        fid_input_price_2: String = "fid_input_price_2",
        fid_vol_cnt: String = "fid_vol_cnt",
        fid_trgt_cls_code: String = "fid_trgt_cls_code",
        fid_trgt_exls_cls_code: String = "fid_trgt_exls_cls_code",
        fid_div_cls_code: String = "fid_div_cls_code",
        fid_rsfl_rate1: String = "fid_rsfl_rate1",
        fid_rsfl_rate2: String = "fid_rsfl_rate2",
    }
}

rest_request!(FluctuationRankRequest, Get FLUCTUATION_RANK_PATH, Op::DomesticFluctuationRank, FluctuationRankBody);

wire_record! {
    pub struct FluctuationRankRow {
        stck_shrn_iscd: text,
        data_rank: int,
        hts_kor_isnm: text,
        stck_prpr: dec,
        prdy_vrss: dec,
        prdy_vrss_sign: text,
        prdy_ctrt: dec,
        acml_vol: int,
        stck_hgpr: dec,
        hgpr_hour: time,
        acml_hgpr_date: date,
        stck_lwpr: dec,
        lwpr_hour: time,
        acml_lwpr_date: date,
        lwpr_vrss_prpr_rate: dec,
        dsgt_date_clpr_vrss_prpr_rate: dec,
        cnnt_ascn_dynu: int,
        hgpr_vrss_prpr_rate: dec,
        cnnt_down_dynu: int,
        oprc_vrss_prpr_sign: text,
        oprc_vrss_prpr: dec,
        oprc_vrss_prpr_rate: dec,
        prd_rsfl: dec,
        prd_rsfl_rate: dec,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FluctuationRankBody {
    #[serde(deserialize_with = "rows")]
    pub output: Vec<FluctuationRankRow>,
}

//! Domestic quotes and candles (`/uapi/domestic-stock/v1/quotations/…`).

use serde::{Deserialize, Serialize};

use crate::rest::endpoint::rest_request;
use crate::rest::envelope::{rows, single};
use crate::rest::wire::{wire_record, wire_request};
use crate::tr_id::Op;

pub const INQUIRE_PRICE_PATH: &str = "/uapi/domestic-stock/v1/quotations/inquire-price";
pub const MINUTE_TODAY_PATH: &str = "/uapi/domestic-stock/v1/quotations/inquire-time-itemchartprice";
pub const MINUTE_BY_DAY_PATH: &str = "/uapi/domestic-stock/v1/quotations/inquire-time-dailychartprice";
pub const PERIOD_CANDLES_PATH: &str = "/uapi/domestic-stock/v1/quotations/inquire-daily-itemchartprice";
pub const DAILY_PRICE_PATH: &str = "/uapi/domestic-stock/v1/quotations/inquire-daily-price";

/// `FID_COND_MRKT_DIV_CODE` values.
pub const MARKET_KRX: &str = "J";
pub const MARKET_NXT: &str = "NX";
pub const MARKET_INTEGRATED: &str = "UN";

wire_request! {
    /// `inquire-price` (FHKST01010100).
    pub struct InquirePriceRequest {
        fid_cond_mrkt_div_code: String = "FID_COND_MRKT_DIV_CODE",
        fid_input_iscd: String = "FID_INPUT_ISCD",
    }
}

rest_request!(InquirePriceRequest, Get INQUIRE_PRICE_PATH, Op::DomesticPrice, InquirePriceBody);

wire_record! {
    /// `inquire-price` `output`, in KIS's order.
    pub struct InquirePriceOutput {
        /// 51 관리, 52 투자위험, 53 투자경고, 54 투자주의, 55 신용가능, 57 증거금100% …
        iscd_stat_cls_code: text,
        marg_rate: dec,
        rprs_mrkt_kor_name: text,
        new_hgpr_lwpr_cls_code: text,
        bstp_kor_isnm: text,
        temp_stop_yn: text,
        oprc_rang_cont_yn: text,
        clpr_rang_cont_yn: text,
        crdt_able_yn: text,
        grmn_rate_cls_code: text,
        elw_pblc_yn: text,
        /// Last price.
        stck_prpr: dec,
        prdy_vrss: dec,
        /// 1 upper limit, 2 up, 3 unchanged, 4 lower limit, 5 down.
        prdy_vrss_sign: text,
        prdy_ctrt: dec,
        acml_tr_pbmn: dec,
        acml_vol: int,
        prdy_vrss_vol_rate: dec,
        stck_oprc: dec,
        stck_hgpr: dec,
        stck_lwpr: dec,
        /// Upper price limit of the day.
        stck_mxpr: dec,
        /// Lower price limit of the day.
        stck_llam: dec,
        /// Base price (previous close).
        stck_sdpr: dec,
        wghn_avrg_stck_prc: dec,
        hts_frgn_ehrt: dec,
        frgn_ntby_qty: int,
        pgtr_ntby_qty: int,
        pvt_scnd_dmrs_prc: dec,
        pvt_frst_dmrs_prc: dec,
        pvt_pont_val: dec,
        pvt_frst_dmsp_prc: dec,
        pvt_scnd_dmsp_prc: dec,
        dmrs_val: dec,
        dmsp_val: dec,
        cpfn: dec,
        rstc_wdth_prc: dec,
        stck_fcam: dec,
        stck_sspr: dec,
        /// Tick size at the current price.
        aspr_unit: dec,
        hts_deal_qty_unit_val: int,
        lstn_stcn: int,
        hts_avls: dec,
        per: dec,
        pbr: dec,
        stac_month: text,
        vol_tnrt: dec,
        eps: dec,
        bps: dec,
        d250_hgpr: dec,
        d250_hgpr_date: date,
        d250_hgpr_vrss_prpr_rate: dec,
        d250_lwpr: dec,
        d250_lwpr_date: date,
        d250_lwpr_vrss_prpr_rate: dec,
        stck_dryy_hgpr: dec,
        dryy_hgpr_vrss_prpr_rate: dec,
        dryy_hgpr_date: date,
        stck_dryy_lwpr: dec,
        dryy_lwpr_vrss_prpr_rate: dec,
        dryy_lwpr_date: date,
        w52_hgpr: dec,
        w52_hgpr_vrss_prpr_ctrt: dec,
        w52_hgpr_date: date,
        w52_lwpr: dec,
        w52_lwpr_vrss_prpr_ctrt: dec,
        w52_lwpr_date: date,
        whol_loan_rmnd_rate: dec,
        ssts_yn: text,
        stck_shrn_iscd: text,
        /// Display text with thousands separators (`"5,000"`).
        fcam_cnnm: text,
        /// Display text (`"36,576 억"`).
        cpfn_cnnm: text,
        apprch_rate: dec,
        frgn_hldn_qty: int,
        vi_cls_code: text,
        ovtm_vi_cls_code: text,
        last_ssts_cntg_qty: int,
        invt_caful_yn: text,
        mrkt_warn_cls_code: text,
        short_over_yn: text,
        sltr_yn: text,
        mang_issu_cls_code: text,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InquirePriceBody {
    #[serde(deserialize_with = "single")]
    pub output: InquirePriceOutput,
}

wire_request! {
    /// `inquire-time-itemchartprice` (FHKST03010200): today's minute bars at/before `FID_INPUT_HOUR_1`,
    /// newest first, 30 per call.
    pub struct MinuteTodayRequest {
        fid_etc_cls_code: String = "FID_ETC_CLS_CODE",
        fid_cond_mrkt_div_code: String = "FID_COND_MRKT_DIV_CODE",
        fid_input_iscd: String = "FID_INPUT_ISCD",
        /// HHMMSS; a future time means now.
        fid_input_hour_1: String = "FID_INPUT_HOUR_1",
        /// `Y`/`N`: include past data.
        fid_pw_data_incu_yn: String = "FID_PW_DATA_INCU_YN",
    }
}

rest_request!(MinuteTodayRequest, Get MINUTE_TODAY_PATH, Op::DomesticMinuteToday, MinuteChartBody);

wire_request! {
    /// `inquire-time-dailychartprice` (FHKST03010230, real only): minute bars of a past day, 120 per call.
    pub struct MinuteByDayRequest {
        fid_cond_mrkt_div_code: String = "FID_COND_MRKT_DIV_CODE",
        fid_input_iscd: String = "FID_INPUT_ISCD",
        fid_input_hour_1: String = "FID_INPUT_HOUR_1",
        /// YYYYMMDD.
        fid_input_date_1: String = "FID_INPUT_DATE_1",
        fid_pw_data_incu_yn: String = "FID_PW_DATA_INCU_YN",
        fid_fake_tick_incu_yn: String = "FID_FAKE_TICK_INCU_YN",
    }
}

rest_request!(MinuteByDayRequest, Get MINUTE_BY_DAY_PATH, Op::DomesticMinuteByDay, MinuteChartBody);

wire_record! {
    /// Minute-chart `output1`: the symbol's summary now.
    pub struct MinuteChartSummary {
        prdy_vrss: dec,
        prdy_vrss_sign: text,
        prdy_ctrt: dec,
        stck_prdy_clpr: dec,
        acml_vol: int,
        acml_tr_pbmn: dec,
        hts_kor_isnm: text,
        stck_prpr: dec,
    }
}

wire_record! {
    /// One minute bar. On today's chart the newest bar's `cntg_vol` holds the previous minute's volume until
    /// the first trade of the new minute (KIS spec).
    pub struct MinuteBar {
        stck_bsop_date: date,
        /// Bar time HHMMSS.
        stck_cntg_hour: time,
        /// Bar close.
        stck_prpr: dec,
        stck_oprc: dec,
        stck_hgpr: dec,
        stck_lwpr: dec,
        cntg_vol: int,
        acml_tr_pbmn: dec,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MinuteChartBody {
    #[serde(deserialize_with = "single")]
    pub output1: MinuteChartSummary,
    #[serde(deserialize_with = "rows")]
    pub output2: Vec<MinuteBar>,
}

wire_request! {
    /// `inquire-daily-itemchartprice` (FHKST03010100): day/week/month/year bars, 100 per call, newest first;
    /// page by moving `FID_INPUT_DATE_2` back (no `tr_cont`).
    pub struct PeriodCandlesRequest {
        fid_cond_mrkt_div_code: String = "FID_COND_MRKT_DIV_CODE",
        fid_input_iscd: String = "FID_INPUT_ISCD",
        /// From, YYYYMMDD.
        fid_input_date_1: String = "FID_INPUT_DATE_1",
        /// To, YYYYMMDD.
        fid_input_date_2: String = "FID_INPUT_DATE_2",
        /// `D`/`W`/`M`/`Y`.
        fid_period_div_code: String = "FID_PERIOD_DIV_CODE",
        /// `0` adjusted, `1` original prices.
        fid_org_adj_prc: String = "FID_ORG_ADJ_PRC",
    }
}

rest_request!(PeriodCandlesRequest, Get PERIOD_CANDLES_PATH, Op::DomesticPeriodCandles, PeriodCandlesBody);

wire_record! {
    /// Period-chart `output1`: quote summary.
    pub struct PeriodChartSummary {
        prdy_vrss: dec,
        prdy_vrss_sign: text,
        prdy_ctrt: dec,
        stck_prdy_clpr: dec,
        acml_vol: int,
        acml_tr_pbmn: dec,
        hts_kor_isnm: text,
        stck_prpr: dec,
        stck_shrn_iscd: text,
        prdy_vol: int,
        stck_mxpr: dec,
        stck_llam: dec,
        stck_oprc: dec,
        stck_hgpr: dec,
        stck_lwpr: dec,
        stck_prdy_oprc: dec,
        stck_prdy_hgpr: dec,
        stck_prdy_lwpr: dec,
        askp: dec,
        bidp: dec,
        prdy_vrss_vol: int,
        vol_tnrt: dec,
        stck_fcam: dec,
        lstn_stcn: int,
        cpfn: dec,
        hts_avls: dec,
        per: dec,
        eps: dec,
        pbr: dec,
        /// The live server spells this key with a trailing `" name"`; the spec without.
        #[serde(alias = "itewhol_loan_rmnd_ratem name")]
        itewhol_loan_rmnd_ratem: dec,
    }
}

wire_record! {
    /// One day/week/month/year bar.
    pub struct PeriodBar {
        stck_bsop_date: date,
        stck_clpr: dec,
        stck_oprc: dec,
        stck_hgpr: dec,
        stck_lwpr: dec,
        acml_vol: int,
        acml_tr_pbmn: dec,
        /// Ex-rights/dividend marker (`00` none).
        flng_cls_code: text,
        prtt_rate: dec,
        mod_yn: text,
        prdy_vrss_sign: text,
        prdy_vrss: dec,
        revl_issu_reas: text,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeriodCandlesBody {
    #[serde(deserialize_with = "single")]
    pub output1: PeriodChartSummary,
    #[serde(deserialize_with = "rows")]
    pub output2: Vec<PeriodBar>,
}

wire_request! {
    /// `inquire-daily-price` (FHKST01010400, real and paper): the last 30 days, weeks or months, newest
    /// first, in one call (no paging, no dates).
    pub struct DailyPriceRequest {
        fid_cond_mrkt_div_code: String = "FID_COND_MRKT_DIV_CODE",
        fid_input_iscd: String = "FID_INPUT_ISCD",
        /// `D`/`W`/`M`.
        fid_period_div_code: String = "FID_PERIOD_DIV_CODE",
        /// `0` original, `1` adjusted prices (this TR's spec words it the other way round from
        /// FHKST03010100's; KIS's own example sends `0000000001`).
        fid_org_adj_prc: String = "FID_ORG_ADJ_PRC",
    }
}

rest_request!(DailyPriceRequest, Get DAILY_PRICE_PATH, Op::DomesticDailyPrice, DailyPriceBody);

wire_record! {
    /// One day/week/month of `inquire-daily-price`.
    pub struct DailyPriceRow {
        stck_bsop_date: date,
        stck_oprc: dec,
        stck_hgpr: dec,
        stck_lwpr: dec,
        stck_clpr: dec,
        acml_vol: int,
        /// Volume change against the previous row's, in percent.
        prdy_vrss_vol_rate: dec,
        prdy_vrss: dec,
        prdy_vrss_sign: text,
        prdy_ctrt: dec,
        /// Foreign ownership against the foreign limit, percent.
        hts_frgn_ehrt: dec,
        frgn_ntby_qty: int,
        /// Ex-rights/dividend marker (`00` none).
        flng_cls_code: text,
        acml_prtt_rate: dec,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DailyPriceBody {
    #[serde(deserialize_with = "rows")]
    pub output: Vec<DailyPriceRow>,
}

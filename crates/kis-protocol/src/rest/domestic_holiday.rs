//! `chk-holiday` (CTCA0903R, real only): KRX business/trading/settlement days from a base date onward.
//! KIS asks callers to use it about once a day.

use serde::{Deserialize, Serialize};

use crate::rest::endpoint::rest_request;
use crate::rest::envelope::rows;
use crate::rest::pagination::paged;
use crate::rest::wire::{wire_record, wire_request};
use crate::tr_id::Op;

pub const HOLIDAY_PATH: &str = "/uapi/domestic-stock/v1/quotations/chk-holiday";

wire_request! {
    pub struct HolidayRequest {
        /// YYYYMMDD.
        bass_dt: String = "BASS_DT",
        ctx_area_nk: String = "CTX_AREA_NK",
        ctx_area_fk: String = "CTX_AREA_FK",
    }
}

rest_request!(HolidayRequest, Get HOLIDAY_PATH, Op::DomesticHolidays, HolidayBody);
paged!(request HolidayRequest { ctx_area_fk, ctx_area_nk });

wire_record! {
    pub struct HolidayRow {
        bass_dt: date,
        /// `01` Sunday … `07` Saturday.
        wday_dvsn_cd: text,
        /// Business day (banks).
        bzdy_yn: text,
        /// Trading day.
        tr_day_yn: text,
        /// Market open: the flag to use for "can we trade".
        opnd_yn: text,
        /// Settlement day.
        sttl_day_yn: text,
    }
}

impl HolidayRow {
    pub fn is_market_open(&self) -> bool {
        self.opnd_yn.trim().eq_ignore_ascii_case("Y")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HolidayBody {
    pub ctx_area_fk: String,
    pub ctx_area_nk: String,
    #[serde(deserialize_with = "rows")]
    pub output: Vec<HolidayRow>,
}

paged!(body HolidayBody { ctx_area_fk, ctx_area_nk });

//! Overseas `price-detail` (HHDFS76200200, real only): the US quote with reference data (lot size, tick,
//! 52-week range, valuation), which python-kis uses for every US quote.

use serde::{Deserialize, Serialize};

use crate::rest::endpoint::rest_request;
use crate::rest::envelope::single;
use crate::rest::wire::{wire_record, wire_request};
use crate::tr_id::Op;

pub const PRICE_DETAIL_PATH: &str = "/uapi/overseas-price/v1/quotations/price-detail";

wire_request! {
    /// `price-detail`: `EXCD` in the quote vocabulary (`NAS`, `NYS`, `AMS`).
    pub struct UsPriceDetailRequest {
        auth: String = "AUTH",
        excd: String = "EXCD",
        symb: String = "SYMB",
    }
}

rest_request!(UsPriceDetailRequest, Get PRICE_DETAIL_PATH, Op::UsPriceDetail, UsPriceDetailBody);

wire_record! {
    /// `price-detail` `output`, in KIS's order.
    pub struct UsPriceDetailOutput {
        rsym: text,
        pvol: int,
        open: dec,
        high: dec,
        low: dec,
        last: dec,
        base: dec,
        /// Market value (USD).
        tomv: dec,
        pamt: dec,
        /// Upper and lower price limits.
        uplp: dec,
        dnlp: dec,
        h52p: dec,
        h52d: date,
        l52p: dec,
        l52d: date,
        perx: dec,
        pbrx: dec,
        epsx: dec,
        bpsx: dec,
        shar: int,
        mcap: dec,
        curr: text,
        zdiv: int,
        /// Lot size.
        vnit: int,
        t_xprc: dec,
        t_xdif: dec,
        t_xrat: dec,
        p_xprc: dec,
        p_xdif: dec,
        p_xrat: dec,
        /// KRW per USD today and the previous day.
        t_rate: dec,
        p_rate: dec,
        /// Sign of the change (`1`..`5`, as domestic).
        t_xsgn: text,
        p_xsng: text,
        /// Orderability text (`매매 가능`).
        e_ordyn: text,
        /// Tick size.
        e_hogau: dec,
        /// Sector.
        e_icod: text,
        /// Par value.
        e_parp: dec,
        tvol: int,
        tamt: dec,
        etyp_nm: text,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsPriceDetailBody {
    #[serde(deserialize_with = "single")]
    pub output: UsPriceDetailOutput,
}

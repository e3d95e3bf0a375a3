//! Overseas quotes (`/uapi/overseas-price/v1/quotations/…`). These take the *quote* exchange vocabulary
//! (`EXCD` = `NAS`/`NYS`/`AMS`) and an `AUTH` parameter that is always blank.

use serde::{Deserialize, Serialize};

use crate::rest::endpoint::rest_request;
use crate::rest::envelope::{rows, single};
use crate::rest::wire::{wire_record, wire_request};
use crate::tr_id::Op;

pub const PRICE_PATH: &str = "/uapi/overseas-price/v1/quotations/price";
pub const MINUTE_CANDLES_PATH: &str = "/uapi/overseas-price/v1/quotations/inquire-time-itemchartprice";
pub const DAILY_PRICE_PATH: &str = "/uapi/overseas-price/v1/quotations/dailyprice";

wire_request! {
    /// `price` (HHDFS00000300).
    pub struct UsPriceRequest {
        auth: String = "AUTH",
        excd: String = "EXCD",
        symb: String = "SYMB",
    }
}

rest_request!(UsPriceRequest, Get PRICE_PATH, Op::UsPrice, UsPriceBody);

wire_record! {
    pub struct UsPriceOutput {
        /// Realtime symbol, e.g. `DNASTSLA`.
        rsym: text,
        /// Decimal places of prices.
        zdiv: int,
        /// Previous close.
        base: dec,
        pvol: int,
        last: dec,
        /// `0` may appear when unchanged pre-open.
        sign: text,
        diff: dec,
        /// Sent with a leading space (`" 0.00"`).
        rate: dec,
        tvol: int,
        tamt: dec,
        /// Orderability text, e.g. `매도불가`.
        ordy: text,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsPriceBody {
    #[serde(deserialize_with = "single")]
    pub output: UsPriceOutput,
}

wire_request! {
    /// `inquire-time-itemchartprice` (HHDFS76950200, real only): regular-session minute bars, ≤120 per call,
    /// about a month back. Next page: `NEXT "1"`, `KEYB` = timestamp one bar before the oldest received.
    pub struct UsMinuteCandlesRequest {
        auth: String = "AUTH",
        excd: String = "EXCD",
        symb: String = "SYMB",
        /// Bar length in minutes.
        nmin: String = "NMIN",
        /// `0` today only, `1` include previous days (use `1` when paging).
        pinc: String = "PINC",
        next: String = "NEXT",
        nrec: String = "NREC",
        fill: String = "FILL",
        /// `YYYYMMDDHHMMSS` or blank.
        keyb: String = "KEYB",
    }
}

rest_request!(UsMinuteCandlesRequest, Get MINUTE_CANDLES_PATH, Op::UsMinuteCandles, UsMinuteCandlesBody);

wire_record! {
    pub struct UsMinuteSummary {
        rsym: text,
        zdiv: int,
        /// Session start/end, exchange local time.
        stim: time,
        etim: time,
        /// Session start/end, KST.
        sktm: time,
        ektm: time,
        next: text,
        more: text,
        nrec: int,
    }
}

wire_record! {
    pub struct UsMinuteBar {
        tymd: date,
        /// Exchange-local date and time.
        xymd: date,
        xhms: time,
        /// KST date and time.
        kymd: date,
        khms: time,
        open: dec,
        high: dec,
        low: dec,
        last: dec,
        evol: int,
        eamt: dec,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsMinuteCandlesBody {
    #[serde(deserialize_with = "single")]
    pub output1: UsMinuteSummary,
    #[serde(deserialize_with = "rows")]
    pub output2: Vec<UsMinuteBar>,
}

wire_request! {
    /// `dailyprice` (HHDFS76240000): 100 day/week/month bars, newest first.
    pub struct UsDailyPriceRequest {
        auth: String = "AUTH",
        excd: String = "EXCD",
        symb: String = "SYMB",
        /// `0` day, `1` week, `2` month.
        gubn: String = "GUBN",
        /// Base date YYYYMMDD, blank = today.
        bymd: String = "BYMD",
        /// `0`/`1` adjusted prices.
        modp: String = "MODP",
        /// Continuation key; optional for KIS (blank when missing).
        keyb: Option<String> = "KEYB",
    }
}

rest_request!(UsDailyPriceRequest, Get DAILY_PRICE_PATH, Op::UsDailyPrice, UsDailyPriceBody);

wire_record! {
    pub struct UsDailySummary {
        rsym: text,
        zdiv: int,
        nrec: int,
    }
}

wire_record! {
    pub struct UsDailyBar {
        xymd: date,
        clos: dec,
        sign: text,
        diff: dec,
        /// Signed (`"+5.61"`, `"-4.17"`).
        rate: dec,
        open: dec,
        high: dec,
        low: dec,
        tvol: int,
        tamt: dec,
        pbid: dec,
        vbid: int,
        pask: dec,
        vask: int,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsDailyPriceBody {
    #[serde(deserialize_with = "single")]
    pub output1: UsDailySummary,
    #[serde(deserialize_with = "rows")]
    pub output2: Vec<UsDailyBar>,
}

//! The one table of KIS transaction ids (`tr_id` header) per operation and environment.
//!
//! KIS renames TRs (domestic `0802U` → `0012U` …) and the paper id is *usually* `V` + the real id without its
//! first letter, but not always (US paper sell is `VTTT1001U`, not `VTTT1006U`). Deriving ids by rule therefore
//! goes wrong; every id lives in [`TABLE`] once. Clients send [`IdGeneration::Current`] ids; the simulator also
//! recognises [`IdGeneration::Legacy`] ones because python-kis and mojito still send them.

use kis_model::Side;

pub use kis_model::Environment;

/// What a request does. One REST path can serve several operations (order-cash: buy and sell), told apart
/// only by the TR id, so the operation — not the path — is what the TR table is keyed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `order-cash`, buy.
    DomesticBuy,
    /// `order-cash`, sell.
    DomesticSell,
    /// `order-rvsecncl`.
    DomesticModifyCancel,
    /// `inquire-psbl-rvsecncl`: orders that still have a modifiable quantity.
    DomesticModifiable,
    /// `inquire-balance`.
    DomesticBalance,
    /// `inquire-psbl-order`.
    DomesticBuyable,
    /// `inquire-daily-ccld` for the last 3 months.
    DomesticDailyCcldRecent,
    /// `inquire-daily-ccld` for dates older than 3 months (a different TR on the same path).
    DomesticDailyCcldOld,
    /// `inquire-price`.
    DomesticPrice,
    /// `inquire-time-itemchartprice`: today's minute bars.
    DomesticMinuteToday,
    /// `inquire-time-dailychartprice`: minute bars of a past day.
    DomesticMinuteByDay,
    /// `inquire-daily-itemchartprice`: day/week/month/year bars.
    DomesticPeriodCandles,
    /// `inquire-daily-price`: the last 30 days, weeks or months.
    DomesticDailyPrice,
    /// `volume-rank`.
    DomesticVolumeRank,
    /// `ranking/fluctuation`.
    DomesticFluctuationRank,
    /// `chk-holiday`.
    DomesticHolidays,
    /// Overseas `order`, US buy.
    UsBuy,
    /// Overseas `order`, US sell.
    UsSell,
    /// Overseas `order-rvsecncl` (US).
    UsModifyCancel,
    /// `daytime-order`, buy (US daytime session, real only).
    UsDaytimeBuy,
    /// `daytime-order`, sell.
    UsDaytimeSell,
    /// `daytime-order-rvsecncl`.
    UsDaytimeModifyCancel,
    /// Overseas `inquire-balance`.
    UsBalance,
    /// `inquire-psamount`.
    UsBuyable,
    /// `inquire-nccs`: unfilled orders (real only).
    UsUnfilled,
    /// `dayornight`: which US ledger (day or night) KIS is running now.
    UsDayOrNight,
    /// `inquire-ccnl`: order history; paper's only way to see unfilled US orders.
    UsOrderHistory,
    /// Overseas `price`.
    UsPrice,
    /// Overseas `inquire-time-itemchartprice`: minute bars.
    UsMinuteCandles,
    /// Overseas `dailyprice`.
    UsDailyPrice,
    /// `search-info`: product master (names, ISIN), real only.
    ProductInfo,
    /// `inquire-asking-price-exp-ccn`: ten-level book and expected fill.
    DomesticAskingPrice,
    /// Overseas `price-detail`: quote with reference data, real only.
    UsPriceDetail,
    /// Overseas `inquire-present-balance`: settled-basis balance.
    UsPresentBalance,
}

impl Op {
    pub fn domestic_order(side: Side) -> Op {
        match side {
            Side::Buy => Op::DomesticBuy,
            Side::Sell => Op::DomesticSell,
        }
    }

    pub fn us_order(side: Side) -> Op {
        match side {
            Side::Buy => Op::UsBuy,
            Side::Sell => Op::UsSell,
        }
    }

    pub fn us_daytime_order(side: Side) -> Op {
        match side {
            Side::Buy => Op::UsDaytimeBuy,
            Side::Sell => Op::UsDaytimeSell,
        }
    }

    /// The side an order operation carries in its TR id (the order body itself has no side field).
    pub fn side(self) -> Option<Side> {
        match self {
            Op::DomesticBuy | Op::UsBuy | Op::UsDaytimeBuy => Some(Side::Buy),
            Op::DomesticSell | Op::UsSell | Op::UsDaytimeSell => Some(Side::Sell),
            _ => None,
        }
    }
}

/// Whether an id is the one to send today or an older name KIS "may block without notice".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdGeneration {
    Current,
    Legacy,
}

use Environment::{Paper, Real};
use IdGeneration::{Current, Legacy};

/// Every known id. An operation missing for an environment is not supported there ("모의투자 미지원").
/// Sources: kis-protocol.md §5–§6 (KIS spec 2026-05-08, official samples; legacy ids from python-kis/mojito).
pub const TABLE: &[(Op, Environment, &str, IdGeneration)] = &[
    (Op::DomesticBuy, Real, "TTTC0012U", Current),
    (Op::DomesticBuy, Paper, "VTTC0012U", Current),
    (Op::DomesticBuy, Real, "TTTC0802U", Legacy),
    (Op::DomesticBuy, Paper, "VTTC0802U", Legacy),
    (Op::DomesticSell, Real, "TTTC0011U", Current),
    (Op::DomesticSell, Paper, "VTTC0011U", Current),
    (Op::DomesticSell, Real, "TTTC0801U", Legacy),
    (Op::DomesticSell, Paper, "VTTC0801U", Legacy),
    (Op::DomesticModifyCancel, Real, "TTTC0013U", Current),
    (Op::DomesticModifyCancel, Paper, "VTTC0013U", Current),
    (Op::DomesticModifyCancel, Real, "TTTC0803U", Legacy),
    (Op::DomesticModifyCancel, Paper, "VTTC0803U", Legacy),
    (Op::DomesticModifiable, Real, "TTTC0084R", Current),
    (Op::DomesticModifiable, Real, "TTTC8036R", Legacy),
    (Op::DomesticBalance, Real, "TTTC8434R", Current),
    (Op::DomesticBalance, Paper, "VTTC8434R", Current),
    (Op::DomesticBuyable, Real, "TTTC8908R", Current),
    (Op::DomesticBuyable, Paper, "VTTC8908R", Current),
    (Op::DomesticDailyCcldRecent, Real, "TTTC0081R", Current),
    (Op::DomesticDailyCcldRecent, Paper, "VTTC0081R", Current),
    (Op::DomesticDailyCcldRecent, Real, "TTTC8001R", Legacy),
    (Op::DomesticDailyCcldRecent, Paper, "VTTC8001R", Legacy),
    (Op::DomesticDailyCcldOld, Real, "CTSC9215R", Current),
    (Op::DomesticDailyCcldOld, Paper, "VTSC9215R", Current),
    (Op::DomesticDailyCcldOld, Real, "CTSC9115R", Legacy),
    (Op::DomesticDailyCcldOld, Paper, "VTSC9115R", Legacy),
    (Op::DomesticPrice, Real, "FHKST01010100", Current),
    (Op::DomesticPrice, Paper, "FHKST01010100", Current),
    (Op::DomesticMinuteToday, Real, "FHKST03010200", Current),
    (Op::DomesticMinuteToday, Paper, "FHKST03010200", Current),
    (Op::DomesticMinuteByDay, Real, "FHKST03010230", Current),
    (Op::DomesticPeriodCandles, Real, "FHKST03010100", Current),
    (Op::DomesticPeriodCandles, Paper, "FHKST03010100", Current),
    (Op::DomesticDailyPrice, Real, "FHKST01010400", Current),
    (Op::DomesticDailyPrice, Paper, "FHKST01010400", Current),
    (Op::DomesticVolumeRank, Real, "FHPST01710000", Current),
    (Op::DomesticFluctuationRank, Real, "FHPST01700000", Current),
    (Op::DomesticHolidays, Real, "CTCA0903R", Current),
    (Op::UsBuy, Real, "TTTT1002U", Current),
    (Op::UsBuy, Paper, "VTTT1002U", Current),
    (Op::UsBuy, Real, "JTTT1002U", Legacy),
    (Op::UsSell, Real, "TTTT1006U", Current),
    (Op::UsSell, Paper, "VTTT1001U", Current),
    (Op::UsSell, Real, "JTTT1006U", Legacy),
    (Op::UsModifyCancel, Real, "TTTT1004U", Current),
    (Op::UsModifyCancel, Paper, "VTTT1004U", Current),
    (Op::UsDaytimeBuy, Real, "TTTS6036U", Current),
    (Op::UsDaytimeSell, Real, "TTTS6037U", Current),
    (Op::UsDaytimeModifyCancel, Real, "TTTS6038U", Current),
    (Op::UsBalance, Real, "TTTS3012R", Current),
    (Op::UsBalance, Paper, "VTTS3012R", Current),
    (Op::UsBuyable, Real, "TTTS3007R", Current),
    (Op::UsBuyable, Paper, "VTTS3007R", Current),
    (Op::UsUnfilled, Real, "TTTS3018R", Current),
    // Clients send the one id on both environments.
    (Op::UsDayOrNight, Real, "JTTT3010R", Current),
    (Op::UsDayOrNight, Paper, "JTTT3010R", Current),
    (Op::UsOrderHistory, Real, "TTTS3035R", Current),
    (Op::UsOrderHistory, Paper, "VTTS3035R", Current),
    (Op::UsPrice, Real, "HHDFS00000300", Current),
    (Op::UsPrice, Paper, "HHDFS00000300", Current),
    (Op::UsMinuteCandles, Real, "HHDFS76950200", Current),
    (Op::UsDailyPrice, Real, "HHDFS76240000", Current),
    (Op::UsDailyPrice, Paper, "HHDFS76240000", Current),
    (Op::ProductInfo, Real, "CTPF1604R", Current),
    (Op::DomesticAskingPrice, Real, "FHKST01010200", Current),
    (Op::DomesticAskingPrice, Paper, "FHKST01010200", Current),
    (Op::UsPriceDetail, Real, "HHDFS76200200", Current),
    (Op::UsPresentBalance, Real, "CTRP6504R", Current),
    (Op::UsPresentBalance, Paper, "VTRP6504R", Current),
];

/// The id to send for `op` on `env`; `None` when KIS does not offer the operation there (e.g. volume-rank on
/// paper), so the caller must use a real-environment session for it or go without.
pub fn tr_id(op: Op, env: Environment) -> Option<&'static str> {
    TABLE.iter().find(|(o, e, _, generation)| *o == op && *e == env && *generation == Current).map(|(_, _, id, _)| *id)
}

/// What an incoming id means, for the simulator. Quote ids are shared by real and paper; the real entry
/// is returned for them, since the id alone cannot tell. Matching ignores ASCII case and surrounding blanks
/// because HTTP header values arrive as typed by the client.
pub fn lookup(id: &str) -> Option<(Op, Environment, IdGeneration)> {
    let id = id.trim();
    TABLE
        .iter()
        .find(|(_, _, known, _)| known.eq_ignore_ascii_case(id))
        .map(|(op, env, _, generation)| (*op, *env, *generation))
}

/// Whether `id` is accepted for `op` on `env` (any generation). The simulator uses this rather than
/// [`lookup`] because shared quote ids map to both environments.
pub fn accepts(op: Op, env: Environment, id: &str) -> bool {
    let id = id.trim();
    TABLE.iter().any(|(o, e, known, _)| *o == op && *e == env && known.eq_ignore_ascii_case(id))
}

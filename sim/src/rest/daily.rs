//! A listing's daily history as the charts serve it — the synthetic universe's past sessions plus today's
//! bar so far — grouped into weeks, months or years on request, and the one endpoint that only reads it:
//! domestic `inquire-daily-price` (FHKST01010400). The period chart (FHKST03010100) and the US daily
//! chart read the same history from here, so every chart of a listing agrees with the others.

use chrono::Datelike;
use kis_model::{Bar, Symbol};
use kis_protocol::rest::domestic_quote::{DailyPriceBody, DailyPriceRequest, DailyPriceRow};
use rust_decimal::Decimal;

use crate::exchange::Exchange;
use crate::feed::ymd;
use crate::kis_error as kis;
use crate::listing_facts::{fundamentals, ratio2};
use crate::rest::domestic_quote::{krx_feed, sign_code};
use crate::rest::{Call, Handled, decode, inquiry};
use kis_model::kst::kst_of;

/// Rows `inquire-daily-price` answers with (KIS: "최근 30일(주,월)").
pub const DAILY_PRICE_ROWS: usize = 30;

/// Bar length of a chart request (`FID_PERIOD_DIV_CODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
    Year,
}

impl Period {
    pub fn from_code(code: &str) -> Option<Period> {
        match code.trim() {
            "D" => Some(Period::Day),
            "W" => Some(Period::Week),
            "M" => Some(Period::Month),
            "Y" => Some(Period::Year),
            _ => None,
        }
    }

    /// The key sessions of one bar share, from the session's date in Korea.
    fn key(self, b: &Bar) -> (i32, u32) {
        let d = kst_of(b.ts).date_naive();
        match self {
            Period::Day => (d.year(), d.ordinal()),
            Period::Week => (d.iso_week().year(), d.iso_week().week()),
            Period::Month => (d.year(), d.month()),
            Period::Year => (d.year(), 0),
        }
    }
}

/// Past sessions and today's bar so far, oldest first.
pub fn history(ex: &Exchange, symbol: &Symbol) -> Vec<Bar> {
    let mut bars = ex.market.daily_bars(symbol).unwrap_or_default();
    // Today's row while the day is still trading (it changes with every print, as on KIS); once the session
    // has closed, today is already the last of the completed days and is not listed twice.
    if let Some(today) = ex.market.today_bar(symbol)
        && bars.last().is_none_or(|last| last.ts < today.ts)
    {
        bars.push(today);
    }
    bars
}

/// [`history`] in bars of `period`, oldest first. A week/month/year bar opens with its first session,
/// closes with its last and is dated by the last one (a running period ends today).
pub fn bars(ex: &Exchange, symbol: &Symbol, period: Period) -> Vec<Bar> {
    let mut out: Vec<Bar> = Vec::new();
    let mut last_key = None;
    for b in history(ex, symbol) {
        let key = period.key(&b);
        match out.last_mut() {
            Some(cur) if last_key == Some(key) => {
                cur.high = cur.high.max(b.high);
                cur.low = cur.low.min(b.low);
                cur.close = b.close;
                cur.volume += b.volume;
                cur.ts = b.ts;
            }
            _ => out.push(b),
        }
        last_key = Some(key);
    }
    out
}

/// `a / b − 1` in percent to two places, `0.00` without a base.
fn change_pct(a: Decimal, b: Decimal) -> String {
    if b.is_zero() {
        return "0.00".into();
    }
    format!("{:.2}", ((a - b) * Decimal::ONE_HUNDRED / b).round_dp(2))
}

/// `inquire-daily-price`: the last [`DAILY_PRICE_ROWS`] days, weeks or months, newest first, each against
/// the bar before it. The synthetic universe has no splits, so adjusted and original prices are the same
/// (`FID_ORG_ADJ_PRC` is accepted either way); foreign ownership is the listing's fixed one, as
/// `inquire-price` reports it, with no foreign net buying.
pub fn daily_price(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, DailyPriceRequest::from_pairs)?;
    let period = match Period::from_code(&req.fid_period_div_code) {
        Some(p @ (Period::Day | Period::Week | Period::Month)) => p,
        _ => return Err(kis::BAD_REQUEST),
    };
    let f = krx_feed(ex, &req.fid_input_iscd)?;
    let foreign = ratio2(fundamentals(f.symbol.code(), f.prev_close.max(1)).foreign_bp, 100);
    let bars = bars(ex, &f.symbol, period);
    let mut output: Vec<DailyPriceRow> = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let prev = i.checked_sub(1).and_then(|j| bars.get(j));
            let (close, prev_close) = (b.close.value(), prev.map_or(Decimal::ZERO, |p| p.close.value()));
            let change = if prev.is_some() { close - prev_close } else { Decimal::ZERO };
            let prev_vol = Decimal::from(prev.map_or(0, |p| p.volume));
            DailyPriceRow {
                stck_bsop_date: ymd(kst_of(b.ts).date_naive()),
                stck_oprc: b.open.value().to_string(),
                stck_hgpr: b.high.value().to_string(),
                stck_lwpr: b.low.value().to_string(),
                stck_clpr: close.to_string(),
                acml_vol: b.volume.to_string(),
                prdy_vrss_vol_rate: change_pct(Decimal::from(b.volume), prev_vol),
                prdy_vrss: change.to_string(),
                prdy_vrss_sign: sign_code(change.mantissa().signum() as i64).into(),
                prdy_ctrt: if prev.is_some() { change_pct(close, prev_close) } else { "0.00".into() },
                hts_frgn_ehrt: foreign.clone(),
                frgn_ntby_qty: "0".into(),
                flng_cls_code: "00".into(),
                acml_prtt_rate: "0.00".into(),
            }
        })
        .collect();
    output.reverse();
    output.truncate(DAILY_PRICE_ROWS);
    inquiry(DailyPriceBody { output })
}

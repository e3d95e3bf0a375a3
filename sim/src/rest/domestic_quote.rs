//! Domestic quotes, candles and rankings.

use chrono::NaiveDate;
use kis_model::{Bar, InstrumentKind, Market, Symbol, daily_limits};
use kis_protocol::rest::domestic_quote::*;
use kis_protocol::rest::domestic_rank::*;
use kis_synth::Direction;

use crate::exchange::Exchange;
use crate::feed::{SymFeed, ymd};
use crate::kis_error::{self as kis, KisError};
use crate::rest::{Call, Handled, decode, inquiry};
use kis_model::kst::kst_of;

pub fn sign_code(change: i64) -> &'static str {
    match change.cmp(&0) {
        std::cmp::Ordering::Greater => "2",
        std::cmp::Ordering::Less => "5",
        std::cmp::Ordering::Equal => "3",
    }
}

pub fn rate(change: i64, base: i64) -> String {
    if base == 0 {
        return "0.00".into();
    }
    rust_decimal::Decimal::new(change * 10_000 / base, 2).to_string()
}

pub fn krx_feed<'a>(ex: &'a Exchange, code: &str) -> Result<&'a SymFeed, KisError> {
    let symbol = Symbol::krx(code.trim()).map_err(|_| kis::UNKNOWN_SYMBOL_QUOTE)?;
    ex.feed_of(&symbol).ok_or(kis::UNKNOWN_SYMBOL_QUOTE)
}

/// The `HHMMSS` bound `FID_INPUT_HOUR_1` sets, as KIS reads it: bars at/before that time; blank, malformed,
/// or before the 09:00 open (`000000` is a common client default) mean "up to now", like a future time.
fn hour_bound(input: &str) -> Option<&str> {
    let t = input.trim();
    let valid = t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit());
    (valid && t >= "090000").then_some(t)
}

fn minute_rows(bars: &[Bar], until_hhmmss: &str, date_filter: Option<NaiveDate>) -> Vec<MinuteBar> {
    let bound = hour_bound(until_hhmmss);
    let mut acc = 0i128;
    let mut rows: Vec<MinuteBar> = bars
        .iter()
        .filter(|b| date_filter.is_none_or(|d| kst_of(b.ts).date_naive() == d))
        .filter(|b| bound.is_none_or(|t| kst_of(b.ts).format("%H%M%S").to_string().as_str() <= t))
        .map(|b| {
            acc += i128::from(u64::try_from(b.close.value().trunc().mantissa()).unwrap_or(0)) * i128::from(b.volume);
            let k = kst_of(b.ts);
            MinuteBar {
                stck_bsop_date: ymd(k.date_naive()),
                stck_cntg_hour: k.format("%H%M00").to_string(),
                stck_prpr: b.close.value().to_string(),
                stck_oprc: b.open.value().to_string(),
                stck_hgpr: b.high.value().to_string(),
                stck_lwpr: b.low.value().to_string(),
                cntg_vol: b.volume.to_string(),
                acml_tr_pbmn: acc.to_string(),
            }
        })
        .collect();
    rows.reverse();
    rows.truncate(30);
    rows
}

/// Minute-chart `output1`; `name` is the listing's Korean name (`hts_kor_isnm`), as KIS sends it.
fn summary(f: &SymFeed, name: Option<&String>) -> MinuteChartSummary {
    let change = f.last - f.prev_close;
    MinuteChartSummary {
        prdy_vrss: change.to_string(),
        prdy_vrss_sign: sign_code(change).into(),
        prdy_ctrt: rate(change, f.prev_close),
        stck_prdy_clpr: f.prev_close.to_string(),
        acml_vol: f.cum_vol.to_string(),
        acml_tr_pbmn: f.cum_value.to_string(),
        hts_kor_isnm: name.cloned().unwrap_or_else(|| f.symbol.code().to_string()),
        stck_prpr: f.last.to_string(),
    }
}

pub fn minute_today(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, MinuteTodayRequest::from_pairs)?;
    let f = krx_feed(ex, &req.fid_input_iscd)?;
    let bars = ex.market.minute_bars(&f.symbol).unwrap_or_default();
    inquiry(MinuteChartBody {
        output1: summary(f, ex.names.get(&f.symbol)),
        output2: minute_rows(&bars, &req.fid_input_hour_1, None),
    })
}

/// Only the current day's bars are kept by the synthetic market; older days answer with no rows.
pub fn minute_by_day(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, MinuteByDayRequest::from_pairs)?;
    let f = krx_feed(ex, &req.fid_input_iscd)?;
    let date = NaiveDate::parse_from_str(req.fid_input_date_1.trim(), "%Y%m%d").map_err(|_| kis::BAD_REQUEST)?;
    let bars = ex.market.minute_bars(&f.symbol).unwrap_or_default();
    inquiry(MinuteChartBody {
        output1: summary(f, ex.names.get(&f.symbol)),
        output2: minute_rows(&bars, &req.fid_input_hour_1, Some(date)),
    })
}

/// `inquire-daily-itemchartprice`: bars of the requested period between the two dates, newest first.
pub fn period(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, PeriodCandlesRequest::from_pairs)?;
    let f = krx_feed(ex, &req.fid_input_iscd)?;
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y%m%d").map_err(|_| kis::BAD_REQUEST);
    let (from, to) = (parse(&req.fid_input_date_1)?, parse(&req.fid_input_date_2)?);
    // Unknown codes read as days, as before W/M/Y were served.
    let period =
        crate::rest::daily::Period::from_code(&req.fid_period_div_code).unwrap_or(crate::rest::daily::Period::Day);
    let bars = crate::rest::daily::bars(ex, &f.symbol, period);
    let mut prev: Option<rust_decimal::Decimal> = None;
    let mut rows = Vec::new();
    for b in &bars {
        let d = kst_of(b.ts).date_naive();
        let change = prev.map(|p| b.close.value() - p).unwrap_or_default();
        prev = Some(b.close.value());
        if d < from || d > to {
            continue;
        }
        rows.push(PeriodBar {
            stck_bsop_date: ymd(d),
            stck_clpr: b.close.value().to_string(),
            stck_oprc: b.open.value().to_string(),
            stck_hgpr: b.high.value().to_string(),
            stck_lwpr: b.low.value().to_string(),
            acml_vol: b.volume.to_string(),
            prdy_vrss: change.to_string(),
            prdy_vrss_sign: sign_code(change.mantissa().signum() as i64).into(),
            mod_yn: "N".into(),
            flng_cls_code: "00".into(),
            // Value traded: volume at the bar's typical price (the synthetic day keeps no tick list).
            acml_tr_pbmn: ((b.high.value() + b.low.value() + b.close.value()) / rust_decimal::Decimal::from(3)
                * rust_decimal::Decimal::from(b.volume))
            .trunc()
            .to_string(),
            prtt_rate: "0.00".into(),
            revl_issu_reas: String::new(),
        });
    }
    rows.reverse();
    rows.truncate(100);
    let history = ex.market.daily_bars(&f.symbol).unwrap_or_default();
    let prev = history.last();
    let facts = crate::listing_facts::fundamentals(f.symbol.code(), f.prev_close.max(1));
    let change = f.last - f.prev_close;
    let limits = daily_limits(u64::try_from(f.prev_close).unwrap_or(0), InstrumentKind::Stock);
    let output1 = PeriodChartSummary {
        prdy_vrss: change.to_string(),
        prdy_vrss_sign: sign_code(change).into(),
        prdy_ctrt: rate(change, f.prev_close),
        stck_prdy_clpr: f.prev_close.to_string(),
        acml_vol: f.cum_vol.to_string(),
        stck_prpr: f.last.to_string(),
        stck_shrn_iscd: f.symbol.code().to_string(),
        stck_mxpr: limits.upper.to_string(),
        stck_llam: limits.lower.to_string(),
        stck_oprc: f.open.to_string(),
        stck_hgpr: f.high.to_string(),
        stck_lwpr: f.low.to_string(),
        lstn_stcn: f.shares_outstanding.to_string(),
        acml_tr_pbmn: f.cum_value.to_string(),
        hts_kor_isnm: ex.names.get(&f.symbol).cloned().unwrap_or_else(|| f.symbol.code().to_string()),
        prdy_vol: prev.map_or(0, |b| b.volume).to_string(),
        stck_prdy_oprc: prev.map_or(f.prev_close.to_string(), |b| b.open.value().to_string()),
        stck_prdy_hgpr: prev.map_or(f.prev_close.to_string(), |b| b.high.value().to_string()),
        stck_prdy_lwpr: prev.map_or(f.prev_close.to_string(), |b| b.low.value().to_string()),
        askp: f.best.0.to_string(),
        bidp: f.best.2.to_string(),
        prdy_vrss_vol: (f.cum_vol - prev.map_or(0, |b| i64::try_from(b.volume).unwrap_or(0))).to_string(),
        vol_tnrt: crate::listing_facts::ratio2(f.cum_vol * 100, f.shares_outstanding),
        stck_fcam: facts.par.to_string(),
        cpfn: (facts.par * f.shares_outstanding / 100_000_000).to_string(),
        hts_avls: (i128::from(f.last) * i128::from(f.shares_outstanding) / 100_000_000).to_string(),
        per: crate::listing_facts::ratio2(f.last, facts.eps),
        eps: format!("{}.00", facts.eps),
        pbr: crate::listing_facts::ratio2(f.last, facts.bps),
        itewhol_loan_rmnd_ratem: "0.00".into(),
    };
    inquiry(PeriodCandlesBody { output1, output2: rows })
}

/// What the rankings say about a listing's recent days, from its daily history (won, shares).
struct Recent {
    prdy_vol: i64,
    /// Averages over the last [`RANK_DAYS`] sessions.
    avg_vol: i64,
    avg_value: i64,
    /// Close [`RANK_DAYS`] sessions ago (the period the rankings compare against).
    base_close: i64,
    /// Consecutive sessions up / down, ending yesterday.
    up_days: usize,
    down_days: usize,
}

const RANK_DAYS: usize = 20;

fn recent(ex: &Exchange, symbol: &Symbol, prev_close: i64) -> Recent {
    use rust_decimal::prelude::ToPrimitive;
    let bars = ex.market.daily_bars(symbol).unwrap_or_default();
    let tail = &bars[bars.len().saturating_sub(RANK_DAYS)..];
    let won = |d: rust_decimal::Decimal| d.trunc().to_i64().unwrap_or(0);
    let n = i64::try_from(tail.len().max(1)).unwrap_or(1);
    let vol: i64 = tail.iter().map(|b| i64::try_from(b.volume).unwrap_or(0)).sum();
    let value: i64 = tail.iter().map(|b| won(b.close.value()) * i64::try_from(b.volume).unwrap_or(0)).sum();
    let closes: Vec<i64> = bars.iter().map(|b| won(b.close.value())).collect();
    let streak = |up: bool| closes.windows(2).rev().take_while(|w| if up { w[1] > w[0] } else { w[1] < w[0] }).count();
    Recent {
        prdy_vol: bars.last().map_or(0, |b| i64::try_from(b.volume).unwrap_or(0)),
        avg_vol: vol / n,
        avg_value: value / n,
        base_close: tail.first().map_or(prev_close, |b| won(b.close.value())),
        up_days: streak(true),
        down_days: streak(false),
    }
}

pub fn volume_rank(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let _req = decode(call.params, VolumeRankRequest::from_pairs)?;
    let output = ex
        .market
        .volume_rank(Market::Krx, 30)
        .into_iter()
        .enumerate()
        .map(|(i, s)| VolumeRankRow {
            hts_kor_isnm: ex.names.get(&s.symbol).cloned().unwrap_or_default(),
            mksc_shrn_iscd: s.symbol.code().to_string(),
            data_rank: (i + 1).to_string(),
            stck_prpr: s.last.value().to_string(),
            prdy_vrss_sign: sign_code(s.change.mantissa().signum() as i64).into(),
            prdy_vrss: s.change.to_string(),
            prdy_ctrt: s.change_rate.to_string(),
            acml_vol: s.cum_volume.to_string(),
            acml_tr_pbmn: s.cum_value.amount.trunc().to_string(),
            ..volume_extras(ex, &s.symbol)
        })
        .collect();
    inquiry(VolumeRankBody { output })
}

pub fn fluctuation_rank(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, FluctuationRankRequest::from_pairs)?;
    let direction = match req.fid_rank_sort_cls_code.trim() {
        "1" | "3" => Direction::Fall,
        _ => Direction::Rise,
    };
    let output = ex
        .market
        .fluctuation_rank(Market::Krx, 30, direction)
        .into_iter()
        .enumerate()
        .map(|(i, s)| FluctuationRankRow {
            stck_shrn_iscd: s.symbol.code().to_string(),
            data_rank: (i + 1).to_string(),
            hts_kor_isnm: ex.names.get(&s.symbol).cloned().unwrap_or_default(),
            stck_prpr: s.last.value().to_string(),
            prdy_vrss: s.change.to_string(),
            prdy_vrss_sign: sign_code(s.change.mantissa().signum() as i64).into(),
            prdy_ctrt: s.change_rate.to_string(),
            acml_vol: s.cum_volume.to_string(),
            stck_hgpr: s.high.value().to_string(),
            stck_lwpr: s.low.value().to_string(),
            ..fluctuation_extras(ex, &s.symbol)
        })
        .collect();
    inquiry(FluctuationRankBody { output })
}

/// The volume-rank fields beyond today's quote.
fn volume_extras(ex: &Exchange, symbol: &Symbol) -> VolumeRankRow {
    use crate::listing_facts::{pct2, ratio2};
    let Some(f) = ex.feed_of(symbol) else { return VolumeRankRow::default() };
    let r = recent(ex, symbol, f.prev_close);
    let shares = f.shares_outstanding;
    let cap = i64::try_from(i128::from(f.last) * i128::from(shares)).unwrap_or(i64::MAX);
    let value = i64::try_from(f.cum_value).unwrap_or(i64::MAX);
    VolumeRankRow {
        lstn_stcn: shares.to_string(),
        prdy_vol: r.prdy_vol.to_string(),
        avrg_vol: r.avg_vol.to_string(),
        avrg_tr_pbmn: r.avg_value.to_string(),
        vol_inrt: ratio2(f.cum_vol * 100, r.prdy_vol),
        vol_tnrt: ratio2(f.cum_vol * 100, shares),
        nday_vol_tnrt: ratio2(r.avg_vol * 100, shares),
        tr_pbmn_tnrt: ratio2(value.saturating_mul(100), cap),
        nday_tr_pbmn_tnrt: ratio2(r.avg_value.saturating_mul(100), cap),
        n_befr_clpr_vrss_prpr_rate: pct2(f.last, r.base_close),
        ..VolumeRankRow::default()
    }
}

/// The fluctuation-rank fields beyond today's quote.
fn fluctuation_extras(ex: &Exchange, symbol: &Symbol) -> FluctuationRankRow {
    use crate::listing_facts::pct2;
    let Some(f) = ex.feed_of(symbol) else { return FluctuationRankRow::default() };
    let r = recent(ex, symbol, f.prev_close);
    let today = ymd(kst_of(ex.now).date_naive());
    let hour =
        |t: Option<chrono::NaiveTime>| t.map_or_else(|| "090000".to_string(), |t| t.format("%H%M%S").to_string());
    let (open, high, low) = if f.open == 0 { (f.last, f.last, f.last) } else { (f.open, f.high, f.low) };
    FluctuationRankRow {
        hgpr_hour: hour(f.high_hour),
        acml_hgpr_date: today.clone(),
        lwpr_hour: hour(f.low_hour),
        acml_lwpr_date: today,
        hgpr_vrss_prpr_rate: pct2(f.last, high),
        lwpr_vrss_prpr_rate: pct2(f.last, low),
        oprc_vrss_prpr: (f.last - open).to_string(),
        oprc_vrss_prpr_sign: sign_code(f.last - open).into(),
        oprc_vrss_prpr_rate: pct2(f.last, open),
        cnnt_ascn_dynu: r.up_days.to_string(),
        cnnt_down_dynu: r.down_days.to_string(),
        dsgt_date_clpr_vrss_prpr_rate: pct2(f.last, r.base_close),
        prd_rsfl: (f.last - r.base_close).to_string(),
        prd_rsfl_rate: pct2(f.last, r.base_close),
        ..FluctuationRankRow::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hour_before_the_open_or_malformed_means_now() {
        assert_eq!(hour_bound("000000"), None);
        assert_eq!(hour_bound("085959"), None);
        assert_eq!(hour_bound(""), None);
        assert_eq!(hour_bound("12:00"), None);
        assert_eq!(hour_bound("093000"), Some("093000"));
        assert_eq!(hour_bound(" 153000 "), Some("153000"));
    }
}

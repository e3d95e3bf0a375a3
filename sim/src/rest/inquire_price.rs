//! `inquire-price` (FHKST01010100): every one of KIS's 70-odd fields, from the feed, the day's limits, the
//! listing's history and its derived fundamentals (`listing_facts`).

use chrono::Duration;
use kis_model::grouping::group_thousands;
use kis_model::{InstrumentKind, KrxBoard, daily_limits, krx_tick_size};
use kis_protocol::rest::domestic_quote::*;
use rust_decimal::prelude::ToPrimitive;

use crate::exchange::Exchange;
use crate::feed::ymd;
use crate::listing_facts::{Range, fundamentals, pct2, range, ratio2, year_start};
use crate::rest::domestic_quote::{krx_feed, rate, sign_code};
use crate::rest::{Call, Handled, decode, inquiry};

pub fn price(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, InquirePriceRequest::from_pairs)?;
    let f = krx_feed(ex, &req.fid_input_iscd)?;
    let base = u64::try_from(f.prev_close).unwrap_or(0);
    let limits = daily_limits(base, InstrumentKind::Stock);
    let change = f.last - f.prev_close;
    let history = ex.market.daily_bars(&f.symbol).unwrap_or_default();
    let today = ex.market.today_bar(&f.symbol);
    let all: Vec<_> = history.iter().chain(today.iter()).collect();
    let won = |p: kis_model::Price| p.value().trunc().to_i64().unwrap_or(0);
    let last_day = history.last();
    let prdy_vol = last_day.map_or(0, |b| i64::try_from(b.volume).unwrap_or(0));
    // Pivot points and DeMark levels from the previous session, as KIS computes them.
    let (ph, pl, pc, po) = last_day.map_or((f.prev_close, f.prev_close, f.prev_close, f.prev_close), |b| {
        (won(b.high), won(b.low), won(b.close), won(b.open))
    });
    let pivot = (ph + pl + pc) / 3;
    let x = if pc < po {
        ph + 2 * pl + pc
    } else if pc > po {
        2 * ph + pl + pc
    } else {
        ph + pl + 2 * pc
    };
    let fresh = |from| range(all.iter().copied(), from);
    let at_last = Range { high: f.last, high_date: ex.now.date_naive(), low: f.last, low_date: ex.now.date_naive() };
    let w52 = fresh(ex.now - Duration::days(365)).unwrap_or(at_last);
    let start_250 = all.len().saturating_sub(250);
    let d250 = range(all[start_250..].iter().copied(), chrono::DateTime::<chrono::Utc>::MIN_UTC).unwrap_or(at_last);
    let dryy = fresh(year_start(ex.now)).unwrap_or(at_last);
    let facts = fundamentals(f.symbol.code(), f.prev_close.max(1));
    let shares = f.shares_outstanding;
    let cap_eok = i64::try_from(i128::from(f.last) * i128::from(shares) / 100_000_000).unwrap_or(i64::MAX);
    let capital_eok = facts.par * shares / 100_000_000;
    let board = ex.boards.get(&f.symbol).copied().unwrap_or(KrxBoard::Kospi);
    let output = InquirePriceOutput {
        iscd_stat_cls_code: "55".into(),
        marg_rate: "20.00".into(),
        rprs_mrkt_kor_name: match board {
            KrxBoard::Kospi => "KOSPI",
            KrxBoard::Kosdaq => "KOSDAQ",
            KrxBoard::Konex => "KONEX",
        }
        .into(),
        new_hgpr_lwpr_cls_code: String::new(),
        bstp_kor_isnm: facts.sector.into(),
        temp_stop_yn: "N".into(),
        oprc_rang_cont_yn: "N".into(),
        clpr_rang_cont_yn: "N".into(),
        crdt_able_yn: "Y".into(),
        grmn_rate_cls_code: "40".into(),
        elw_pblc_yn: "N".into(),
        stck_prpr: f.last.to_string(),
        prdy_vrss: change.to_string(),
        prdy_vrss_sign: sign_code(change).into(),
        prdy_ctrt: rate(change, f.prev_close),
        acml_tr_pbmn: f.cum_value.to_string(),
        acml_vol: f.cum_vol.to_string(),
        prdy_vrss_vol_rate: ratio2(f.cum_vol * 100, prdy_vol),
        stck_oprc: f.open.to_string(),
        stck_hgpr: f.high.to_string(),
        stck_lwpr: f.low.to_string(),
        stck_mxpr: limits.upper.to_string(),
        stck_llam: limits.lower.to_string(),
        stck_sdpr: f.prev_close.to_string(),
        wghn_avrg_stck_prc: if f.cum_vol > 0 {
            format!(
                "{:.2}",
                rust_decimal::Decimal::from_i128_with_scale(f.cum_value, 0) / rust_decimal::Decimal::from(f.cum_vol)
            )
        } else {
            "0.00".into()
        },
        hts_frgn_ehrt: ratio2(facts.foreign_bp, 100),
        frgn_ntby_qty: "0".into(),
        pgtr_ntby_qty: "0".into(),
        pvt_scnd_dmrs_prc: (pivot + (ph - pl)).to_string(),
        pvt_frst_dmrs_prc: (2 * pivot - pl).to_string(),
        pvt_pont_val: pivot.to_string(),
        pvt_frst_dmsp_prc: (2 * pivot - ph).to_string(),
        pvt_scnd_dmsp_prc: (pivot - (ph - pl)).to_string(),
        dmrs_val: (x / 2 - pl).to_string(),
        dmsp_val: (x / 2 - ph).to_string(),
        cpfn: capital_eok.to_string(),
        rstc_wdth_prc: (i64::try_from(limits.upper).unwrap_or(0) - f.prev_close).to_string(),
        stck_fcam: facts.par.to_string(),
        stck_sspr: (f.prev_close * 76 / 100).to_string(),
        aspr_unit: krx_tick_size(u64::try_from(f.last).unwrap_or(0), InstrumentKind::Stock).to_string(),
        hts_deal_qty_unit_val: "1".into(),
        lstn_stcn: shares.to_string(),
        hts_avls: cap_eok.to_string(),
        per: ratio2(f.last, facts.eps),
        pbr: ratio2(f.last, facts.bps),
        stac_month: "12".into(),
        vol_tnrt: ratio2(f.cum_vol * 100, shares),
        eps: format!("{}.00", facts.eps),
        bps: format!("{}.00", facts.bps),
        d250_hgpr: d250.high.to_string(),
        d250_hgpr_date: ymd(d250.high_date),
        d250_hgpr_vrss_prpr_rate: pct2(f.last, d250.high),
        d250_lwpr: d250.low.to_string(),
        d250_lwpr_date: ymd(d250.low_date),
        d250_lwpr_vrss_prpr_rate: pct2(f.last, d250.low),
        stck_dryy_hgpr: dryy.high.to_string(),
        dryy_hgpr_vrss_prpr_rate: pct2(f.last, dryy.high),
        dryy_hgpr_date: ymd(dryy.high_date),
        stck_dryy_lwpr: dryy.low.to_string(),
        dryy_lwpr_vrss_prpr_rate: pct2(f.last, dryy.low),
        dryy_lwpr_date: ymd(dryy.low_date),
        w52_hgpr: w52.high.to_string(),
        w52_hgpr_vrss_prpr_ctrt: pct2(f.last, w52.high),
        w52_hgpr_date: ymd(w52.high_date),
        w52_lwpr: w52.low.to_string(),
        w52_lwpr_vrss_prpr_ctrt: pct2(f.last, w52.low),
        w52_lwpr_date: ymd(w52.low_date),
        whol_loan_rmnd_rate: "0.00".into(),
        ssts_yn: "Y".into(),
        stck_shrn_iscd: f.symbol.code().to_string(),
        fcam_cnnm: group_thousands(&facts.par.to_string()),
        cpfn_cnnm: format!("{} 억", group_thousands(&capital_eok.to_string())),
        apprch_rate: "0.00".into(),
        frgn_hldn_qty: (shares * facts.foreign_bp / 10_000).to_string(),
        vi_cls_code: "N".into(),
        ovtm_vi_cls_code: "N".into(),
        last_ssts_cntg_qty: "0".into(),
        invt_caful_yn: "N".into(),
        mrkt_warn_cls_code: "00".into(),
        short_over_yn: "N".into(),
        sltr_yn: "N".into(),
        mang_issu_cls_code: "N".into(),
    };
    inquiry(InquirePriceBody { output })
}

//! Overseas `price-detail` (HHDFS76200200): the US quote plus what the synthetic universe knows of the
//! listing (shares, 52-week range from its own daily history).

use kis_protocol::rest::overseas_detail::*;
use rust_decimal::Decimal;

use crate::exchange::Exchange;
use crate::feed::ymd;
use crate::kis_error as kis;
use crate::rest::overseas::{USD_KRW, d4, sign, us_feed};
use crate::rest::{Call, Handled, decode, inquiry};
use kis_model::kst::kst_of;

pub fn price_detail(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, UsPriceDetailRequest::from_pairs)?;
    let f = us_feed(ex, &req.excd, &req.symb, kis::UNKNOWN_SYMBOL_QUOTE)?;
    let mut bars = ex.market.daily_bars(&f.symbol).unwrap_or_default();
    bars.extend(ex.market.today_bar(&f.symbol));
    let cents = |p: kis_model::Price| (p.value() * Decimal::ONE_HUNDRED).trunc().try_into().unwrap_or(0i64);
    let year_ago = ex.now - chrono::Duration::days(365);
    let recent: Vec<_> = bars.iter().filter(|b| b.ts >= year_ago).collect();
    let hi = recent.iter().max_by_key(|b| b.high).map(|b| (cents(b.high), ymd(kst_of(b.ts).date_naive())));
    let lo = recent.iter().min_by_key(|b| b.low).map(|b| (cents(b.low), ymd(kst_of(b.ts).date_naive())));
    let (h52p, h52d) = hi.unwrap_or((f.last, String::new()));
    let (l52p, l52d) = lo.unwrap_or((f.last, String::new()));
    let change = f.last - f.prev_close;
    let rate = if f.prev_close == 0 { Decimal::ZERO } else { Decimal::new(change * 10_000 / f.prev_close, 2) };
    let shares = f.shares_outstanding;
    let cap_usd = Decimal::new(f.last, 2) * Decimal::from(shares);
    let krw = USD_KRW.parse::<Decimal>().unwrap_or(Decimal::ONE);
    let last_krw = (Decimal::new(f.last, 2) * krw).round_dp(0);
    let base_krw = (Decimal::new(f.prev_close, 2) * krw).round_dp(0);
    let output = UsPriceDetailOutput {
        rsym: f.tr_key.clone(),
        pvol: "0".into(),
        open: d4(if f.open == 0 { f.prev_close } else { f.open }),
        high: d4(if f.high == 0 { f.prev_close } else { f.high }),
        low: d4(if f.low == 0 { f.prev_close } else { f.low }),
        last: d4(f.last),
        base: d4(f.prev_close),
        tomv: cap_usd.trunc().to_string(),
        pamt: "0".into(),
        // US listings have no daily limits; KIS shows ±30 % of the base.
        uplp: d4(f.prev_close * 13 / 10),
        dnlp: d4(f.prev_close * 7 / 10),
        h52p: d4(h52p),
        h52d,
        l52p: d4(l52p),
        l52d,
        perx: "0.00".into(),
        pbrx: "0.00".into(),
        epsx: "0.00".into(),
        bpsx: "0.00".into(),
        shar: shares.to_string(),
        mcap: "0".into(),
        curr: "USD".into(),
        zdiv: "4".into(),
        vnit: "1".into(),
        t_xprc: last_krw.to_string(),
        t_xdif: (last_krw - base_krw).abs().to_string(),
        t_xrat: rate.to_string(),
        p_xprc: base_krw.to_string(),
        p_xdif: "0".into(),
        p_xrat: "0.00".into(),
        t_rate: USD_KRW.into(),
        p_rate: USD_KRW.into(),
        t_xsgn: sign(change).into(),
        p_xsng: "3".into(),
        e_ordyn: "매매 가능".into(),
        e_hogau: "0.0100".into(),
        e_icod: "Technology".into(),
        e_parp: "0".into(),
        tvol: f.cum_vol.to_string(),
        // Whole dollars, as KIS writes `tamt`.
        tamt: (f.cum_value / 100).to_string(),
        etyp_nm: String::new(),
    };
    inquiry(UsPriceDetailBody { output })
}

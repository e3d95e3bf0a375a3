//! `inquire-asking-price-exp-ccn` (FHKST01010200): the synthetic market's current ten-level book.

use kis_protocol::rest::asking_price::*;

use crate::exchange::Exchange;
use crate::feed::to_minor;
use crate::rest::domestic_quote::{krx_feed, sign_code};
use crate::rest::{Call, Handled, decode, inquiry};
use kis_model::kst::kst_of;

pub fn asking_price(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, AskingPriceRequest::from_pairs)?;
    let f = krx_feed(ex, &req.fid_input_iscd)?;
    let mut book = AskingPriceBook {
        aspr_acpt_hour: kst_of(ex.now).format("%H%M%S").to_string(),
        new_mkop_cls_code: if ex.is_open(kis_model::Market::Krx) { "20" } else { "00" }.into(),
        ..AskingPriceBook::default()
    };
    let (mut total_ask, mut total_bid) = (0u64, 0u64);
    let levels = ex.market.book(&f.symbol);
    for i in 0..10 {
        let level = |side: Option<&kis_model::Level>| match side {
            Some(l) if !l.qty.is_zero() => (to_minor(&f.symbol, l.price).to_string(), l.qty.shares().to_string()),
            _ => ("0".to_string(), "0".to_string()),
        };
        let ask = levels.as_ref().and_then(|b| b.asks.get(i));
        let bid = levels.as_ref().and_then(|b| b.bids.get(i));
        total_ask += ask.map_or(0, |l| l.qty.shares());
        total_bid += bid.map_or(0, |l| l.qty.shares());
        book.set_level(i + 1, level(ask), level(bid));
    }
    book.total_askp_rsqn = total_ask.to_string();
    book.total_bidp_rsqn = total_bid.to_string();
    for field in [
        &mut book.total_askp_rsqn_icdc,
        &mut book.total_bidp_rsqn_icdc,
        &mut book.ovtm_total_askp_icdc,
        &mut book.ovtm_total_bidp_icdc,
        &mut book.ovtm_total_askp_rsqn,
        &mut book.ovtm_total_bidp_rsqn,
    ] {
        *field = "0".into();
    }
    book.ntby_aspr_rsqn = (i128::from(total_bid) - i128::from(total_ask)).to_string();
    // No auction in progress during the continuous session: the expected fill is the last price.
    let change = f.last - f.prev_close;
    let expected = AskingPriceExpected {
        antc_mkop_cls_code: "311".into(),
        stck_prpr: f.last.to_string(),
        stck_oprc: f.open.to_string(),
        stck_hgpr: f.high.to_string(),
        stck_lwpr: f.low.to_string(),
        stck_sdpr: f.prev_close.to_string(),
        antc_cnpr: f.last.to_string(),
        antc_cntg_vrss_sign: sign_code(change).into(),
        antc_cntg_vrss: change.to_string(),
        antc_cntg_prdy_ctrt: crate::rest::domestic_quote::rate(change, f.prev_close),
        antc_vol: "0".into(),
        stck_shrn_iscd: f.symbol.code().to_string(),
        vi_cls_code: "N".into(),
    };
    inquiry(AskingPriceBody { output1: book, output2: expected })
}

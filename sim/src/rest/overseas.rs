//! US orders (limit, LOO/LOC/MOO/MOC; paper limit-only), modify/cancel, quotes, minute and daily candles,
//! balance, buyable amount, unfilled orders and order history.
//!
//! The auction kinds are simplified: the simulator runs no opening or closing auction, so LOO and LOC work
//! as plain limits (filled by the next trade or book within their limit), and MOO and MOC (sells only) as
//! sells limited at a cent, filled by the next trade or bid at its price. KIS lists MOO/MOC at price 0, and
//! so do the order history and the unfilled list here.

use std::str::FromStr;

use kis_engine::{ModifyRequest, NewOrder, Order, OrderCode, OrderKind};
use kis_model::{Currency, Environment, Market, OrderId, OrderNo, Price, Qty, Side, Symbol, UsExchange, UsOrdDvsn};
use kis_protocol::rest::overseas_account::*;
use kis_protocol::rest::overseas_order::{UsModifyCancelBody, UsOrderBody};
use kis_protocol::rest::overseas_quote::*;
use kis_protocol::tr_id::Op;
use rust_decimal::Decimal;

use crate::exchange::Exchange;
use crate::feed::{SymFeed, ymd};
use crate::kis_error::{self as kis, KisError};
use crate::rest::domestic_order::{ack, parse_qty};
use crate::rest::{Call, Handled, check_account, decode, inquiry, ok};
use kis_model::kst::kst_of;

/// KRW per USD the simulator quotes everywhere (it models no FX moves).
pub const USD_KRW: &str = "1300.0000";

pub fn d4(cents: i64) -> String {
    Decimal::new(cents * 100, 4).to_string()
}

pub fn us_feed<'a>(ex: &'a Exchange, exchange: &str, ticker: &str, err: KisError) -> Result<&'a SymFeed, KisError> {
    let exchange = UsExchange::parse(exchange.trim()).map_err(|_| err)?;
    let symbol = Symbol::us(exchange, ticker.trim()).map_err(|_| err)?;
    ex.feed_of(&symbol).ok_or(err)
}

/// `OVRS_ORD_UNPR`, read as every wire price is ([`Price`]'s `FromStr`, the one wire-decimal reader).
fn parse_price(text: &str) -> Result<Price, KisError> {
    text.parse().map_err(|_| kis::OFF_TICK)
}

pub fn order(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let body = decode(call.params, UsOrderBody::from_pairs)?;
    check_account(ex, call, &body.cano, &body.acnt_prdt_cd)?;
    let side = if call.op == Op::UsBuy { Side::Buy } else { Side::Sell };
    let f = us_feed(ex, &body.ovrs_excg_cd, &body.pdno, kis::UNKNOWN_SYMBOL_ORDER)?;
    let symbol = f.symbol;
    let qty = parse_qty(&body.ord_qty)?;
    let code = UsOrdDvsn::from_code(body.ord_dvsn.trim()).map_err(|_| kis::BAD_ORD_DVSN)?;
    if ex.env() == Environment::Paper && code != UsOrdDvsn::Limit {
        return Err(kis::BAD_ORD_DVSN);
    }
    code.check_side(side).map_err(|_| kis::BAD_ORD_DVSN)?;
    // The auction kinds are matched as limits (module docs): LOO/LOC at their limit, MOO/MOC at any price.
    let price = match code {
        UsOrdDvsn::Limit | UsOrdDvsn::Loo | UsOrdDvsn::Loc => parse_price(&body.ovrs_ord_unpr)?,
        UsOrdDvsn::Moo | UsOrdDvsn::Moc => Price::new(Decimal::new(1, 2)).map_err(|_| kis::OFF_TICK)?,
        UsOrdDvsn::Twap | UsOrdDvsn::Vwap => return Err(kis::BAD_ORD_DVSN),
    };
    if price.is_zero() {
        return Err(kis::OFF_TICK);
    }
    let order = NewOrder::new(symbol, side, OrderKind::Limit(price), qty).with_code(OrderCode::Us(code));
    let placed = ex.submit(call.account, order)?;
    ack(ex, placed.id)
}

pub fn rvsecncl(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let body = decode(call.params, UsModifyCancelBody::from_pairs)?;
    check_account(ex, call, &body.cano, &body.acnt_prdt_cd)?;
    let no = OrderNo::parse(body.orgn_odno.trim()).map_err(|_| kis::NO_SUCH_ORDER)?;
    let branch = ex.accounts[call.account].engine.config().branch;
    let id = OrderId { branch, order_no: no };
    let new_id = match body.rvse_cncl_dvsn_cd.trim() {
        "01" => {
            let price = parse_price(&body.ovrs_ord_unpr)?;
            let order = ex.accounts[call.account].engine.order(id).cloned().ok_or(kis::NO_SUCH_ORDER)?;
            let qty = parse_qty(&body.ord_qty).ok();
            // KIS modifies at most what is still working (a fill may have taken part of it meanwhile).
            if qty.is_some_and(|q| q > order.remaining()) {
                return Err(kis::BAD_MODIFY);
            }
            let qty = qty.map(|q| Qty::new(order.filled.shares() + q.shares()));
            ex.modify_or_cancel(call.account, id, Some(ModifyRequest { price: Some(price), qty }))?
        }
        "02" => ex.modify_or_cancel(call.account, id, None)?,
        _ => return Err(kis::BAD_REQUEST),
    };
    ack(ex, new_id)
}

pub fn sign(change: i64) -> &'static str {
    match change.cmp(&0) {
        std::cmp::Ordering::Greater => "2",
        std::cmp::Ordering::Less => "5",
        std::cmp::Ordering::Equal => "3",
    }
}

pub fn price(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, UsPriceRequest::from_pairs)?;
    let f = us_feed(ex, &req.excd, &req.symb, kis::UNKNOWN_SYMBOL_QUOTE)?;
    let change = f.last - f.prev_close;
    let rate = if f.prev_close == 0 { Decimal::ZERO } else { Decimal::new(change * 10_000 / f.prev_close, 2) };
    let output = UsPriceOutput {
        rsym: f.tr_key.clone(),
        zdiv: "4".into(),
        base: d4(f.prev_close),
        pvol: "0".into(),
        last: d4(f.last),
        sign: sign(change).into(),
        diff: d4(change.abs()),
        rate: rate.to_string(),
        tvol: f.cum_vol.to_string(),
        // Whole dollars, as KIS writes `tamt` (REST and HDFSCNT0 alike).
        tamt: (f.cum_value / 100).to_string(),
        ordy: "매도가능".into(),
    };
    inquiry(UsPriceBody { output })
}

/// Today's minute bars in `NMIN`-minute buckets (counted from the 09:30 open), newest first, `NREC` a
/// page. Like KIS: the newest bar is the one still forming; a next page (`NEXT "1"`) starts at `KEYB`, the
/// exchange-local `YYYYMMDDHHMMSS` of the bar one before the oldest received. Only bars the tape has printed
/// are served, so the rows end where the live feed continues.
pub fn minute_candles(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, UsMinuteCandlesRequest::from_pairs)?;
    let f = us_feed(ex, &req.excd, &req.symb, kis::UNKNOWN_SYMBOL_QUOTE)?;
    let nrec: usize = req.nrec.trim().parse().unwrap_or(120).clamp(1, 120);
    let nmin: i64 = req.nmin.trim().parse().unwrap_or(1).clamp(1, 120);
    let ny = chrono_tz::America::New_York;
    let before = (req.next.trim() == "1")
        .then(|| chrono::NaiveDateTime::parse_from_str(req.keyb.trim(), "%Y%m%d%H%M%S").ok())
        .flatten()
        .and_then(|t| t.and_local_timezone(ny).earliest())
        .map(|t| t.to_utc());
    let bars = bucket_minutes(&ex.market.minute_bars(&f.symbol).unwrap_or_default(), nmin);
    let mut older: Vec<&kis_model::Bar> = bars.iter().rev().filter(|b| before.is_none_or(|t| b.ts <= t)).collect();
    let more = older.len() > nrec;
    older.truncate(nrec);
    let rows: Vec<UsMinuteBar> = older
        .into_iter()
        .map(|b| {
            let local = b.ts.with_timezone(&ny);
            let k = kst_of(b.ts);
            UsMinuteBar {
                tymd: ymd(local.date_naive()),
                xymd: ymd(local.date_naive()),
                xhms: local.format("%H%M00").to_string(),
                kymd: ymd(k.date_naive()),
                khms: k.format("%H%M00").to_string(),
                open: b.open.value().to_string(),
                high: b.high.value().to_string(),
                low: b.low.value().to_string(),
                last: b.close.value().to_string(),
                evol: b.volume.to_string(),
                eamt: (b.close.value() * Decimal::from(b.volume)).round_dp(2).to_string(),
            }
        })
        .collect();
    let flag = if more { "1" } else { "0" };
    let output1 = UsMinuteSummary {
        rsym: f.tr_key.clone(),
        zdiv: "4".into(),
        stim: "093000".into(),
        etim: "160000".into(),
        next: flag.into(),
        more: flag.into(),
        nrec: rows.len().to_string(),
        ..UsMinuteSummary::default()
    };
    inquiry(UsMinuteCandlesBody { output1, output2: rows })
}

/// One-minute bars (oldest first) merged into `nmin`-minute bars counted from 09:30 New York of their day (the
/// regular open, early closes included), as KIS's buckets are.
fn bucket_minutes(bars: &[kis_model::Bar], nmin: i64) -> Vec<kis_model::Bar> {
    if nmin <= 1 {
        return bars.to_vec();
    }
    let ny = chrono_tz::America::New_York;
    let span = chrono::Duration::minutes(nmin);
    let mut out: Vec<kis_model::Bar> = Vec::new();
    for b in bars {
        let open = chrono::NaiveTime::from_hms_opt(9, 30, 0)
            .and_then(|t| b.ts.with_timezone(&ny).date_naive().and_time(t).and_local_timezone(ny).earliest())
            .map(|t| t.to_utc())
            .filter(|o| *o <= b.ts);
        let anchor = open.unwrap_or(b.ts);
        let steps = (b.ts - anchor).num_minutes().div_euclid(nmin);
        let start = anchor + span * i32::try_from(steps).unwrap_or(0);
        match out.last_mut() {
            Some(last) if last.ts == start => {
                last.high = last.high.max(b.high);
                last.low = last.low.min(b.low);
                last.close = b.close;
                last.volume = last.volume.saturating_add(b.volume);
            }
            _ => out.push(kis_model::Bar { ts: start, ..*b }),
        }
    }
    out
}

pub fn daily_price(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, UsDailyPriceRequest::from_pairs)?;
    let f = us_feed(ex, &req.excd, &req.symb, kis::UNKNOWN_SYMBOL_QUOTE)?;
    let bars = crate::rest::daily::history(ex, &f.symbol);
    let ny = chrono_tz::America::New_York;
    let mut prev: Option<Decimal> = None;
    let mut rows = Vec::new();
    for b in &bars {
        let diff = prev.map(|p| b.close.value() - p).unwrap_or_default();
        let rate =
            prev.filter(|p| !p.is_zero()).map(|p| (diff * Decimal::ONE_HUNDRED / p).round_dp(2)).unwrap_or_default();
        prev = Some(b.close.value());
        rows.push(UsDailyBar {
            xymd: ymd(b.ts.with_timezone(&ny).date_naive()),
            clos: b.close.value().to_string(),
            sign: if diff > Decimal::ZERO {
                "2"
            } else if diff < Decimal::ZERO {
                "5"
            } else {
                "3"
            }
            .into(),
            diff: diff.abs().to_string(),
            rate: rate.to_string(),
            open: b.open.value().to_string(),
            high: b.high.value().to_string(),
            low: b.low.value().to_string(),
            tvol: b.volume.to_string(),
            tamt: (b.close.value() * Decimal::from(b.volume)).trunc().to_string(),
            ..UsDailyBar::default()
        });
    }
    rows.reverse();
    rows.truncate(100);
    let output1 = UsDailySummary { rsym: f.tr_key.clone(), zdiv: "4".into(), nrec: rows.len().to_string() };
    inquiry(UsDailyPriceBody { output1, output2: rows })
}

pub fn us_mark(ex: &Exchange, s: &Symbol) -> Option<Price> {
    ex.feed_of(s).and_then(|f| Price::new(Decimal::new(f.last, 2)).ok())
}

/// KIS's fixed places for a US balance amount (its example keeps trailing zeros: `791913.60000000`).
fn places(d: Decimal, dp: u32) -> String {
    format!("{:.*}", dp as usize, d.round_dp(dp))
}

/// `part / whole` in percent, or zero for an empty whole.
fn percent(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() { Decimal::ZERO } else { part * Decimal::ONE_HUNDRED / whole }
}

/// `inquire-balance` (TTTS3012R). Places per field are those of KIS's example (output1: P&L 6, average
/// price 4, cost 5, evaluation 8, price 6; output2: amounts 5, rates 8, buy totals 6). The example's
/// output2 is internally consistent in a way the field names do not say, and the simulator follows the
/// numbers: `tot_evlu_pfls_amt` is the evaluation of the holdings (it equals the rows' `ovrs_stck_evlu_amt`),
/// `frcr_buy_amt_smtl1` the purchase cost of the shares sold, so that `rlzt_erng_rt` = realised P&L over it,
/// and the `…2` fields are the `…1` ones in won at [`USD_KRW`]. `loan_type_cd` `10` is a cash holding.
pub fn balance(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, UsBalanceRequest::from_pairs)?;
    check_account(ex, call, &req.cano, &req.acnt_prdt_cd)?;
    let engine = &ex.accounts[call.account].engine;
    let output1 = engine
        .positions()
        .filter(|p| p.symbol.market() == Market::Us && !p.qty.is_zero())
        .map(|p| {
            let last = us_mark(ex, &p.symbol).map(|m| m.value()).unwrap_or_default();
            let qty = p.qty.as_decimal();
            let eval = last * qty;
            let pnl = eval - p.cost;
            let exch = match p.symbol {
                Symbol::Us(e, _) => e.order_code(),
                Symbol::Krx(_) => "",
            };
            UsPosition {
                cano: req.cano.clone(),
                acnt_prdt_cd: req.acnt_prdt_cd.clone(),
                prdt_type_cd: "512".into(),
                ovrs_pdno: p.symbol.code().to_string(),
                ovrs_item_name: ex.names.get(&p.symbol).cloned().unwrap_or_default(),
                frcr_evlu_pfls_amt: places(pnl, 6),
                evlu_pfls_rt: places(percent(pnl, p.cost), 2),
                pchs_avg_pric: places(p.cost / qty, 4),
                ovrs_cblc_qty: p.qty.shares().to_string(),
                ord_psbl_qty: p.qty.saturating_sub(p.sell_reserved).shares().to_string(),
                frcr_pchs_amt1: places(p.cost, 5),
                ovrs_stck_evlu_amt: places(eval, 8),
                now_pric2: places(last, 6),
                tr_crcy_cd: "USD".into(),
                ovrs_excg_cd: exch.into(),
                loan_type_cd: "10".into(),
                ..UsPosition::default()
            }
        })
        .collect();
    let s = engine.cash_summary(Currency::Usd, |sym| us_mark(ex, sym));
    // Cost of the shares sold = proceeds − fees − realised P&L, over the sells the engine still lists.
    let sold_cost = (us_orders(ex, call.account)
        .filter(|o| o.side == Side::Sell)
        .map(|o| o.filled_notional - o.fees)
        .sum::<Decimal>()
        - s.realised_pnl)
        .max(Decimal::ZERO);
    let krw = Decimal::from_str(USD_KRW).unwrap_or_default();
    let output2 = UsBalanceSummary {
        frcr_pchs_amt1: places(s.purchase_amount, 5),
        ovrs_rlzt_pfls_amt: places(s.realised_pnl, 5),
        ovrs_tot_pfls: places(s.eval_pnl, 5),
        rlzt_erng_rt: places(percent(s.realised_pnl, sold_cost), 8),
        tot_evlu_pfls_amt: places(s.evaluation, 8),
        tot_pftrt: places(percent(s.eval_pnl, s.purchase_amount), 8),
        frcr_buy_amt_smtl1: places(sold_cost, 6),
        ovrs_rlzt_pfls_amt2: places(s.realised_pnl * krw, 5),
        frcr_buy_amt_smtl2: places(sold_cost * krw, 6),
    };
    let mut a =
        ok("KIOK0510", "조회가 완료되었습니다", UsBalanceBody { output1, output2, ..UsBalanceBody::default() })?;
    a.tr_cont = "D";
    Ok(a)
}

pub fn buyable(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, UsBuyableRequest::from_pairs)?;
    check_account(ex, call, &req.cano, &req.acnt_prdt_cd)?;
    let symbol = us_feed(ex, &req.ovrs_excg_cd, &req.item_cd, kis::UNKNOWN_SYMBOL_ORDER)?.symbol;
    let price = parse_price(&req.ovrs_ord_unpr)?;
    let b = ex.accounts[call.account].engine.buyable(&symbol, Some(price)).map_err(|r| kis::for_reject(&r))?;
    let output = UsBuyableOutput {
        tr_crcy_cd: "USD".into(),
        ord_psbl_frcr_amt: b.available.to_string(),
        sll_ruse_psbl_amt: "0".into(),
        ovrs_ord_psbl_amt: b.available.to_string(),
        max_ord_psbl_qty: b.qty.shares().to_string(),
        echm_af_ord_psbl_amt: "0".into(),
        echm_af_ord_psbl_qty: "0".into(),
        ord_psbl_qty: b.qty.shares().to_string(),
        exrt: USD_KRW.into(),
        frcr_ord_psbl_amt1: b.available.to_string(),
        ovrs_max_ord_psbl_qty: b.qty.shares().to_string(),
    };
    inquiry(UsBuyableBody { output })
}

fn us_orders(ex: &Exchange, account: usize) -> impl Iterator<Item = &Order> {
    ex.accounts[account].engine.orders().iter().filter(|o| o.symbol.market() == Market::Us)
}

/// The limit KIS lists for an order: `0` for price-less kinds (MOO/MOC), whatever the simulator matches
/// them at.
fn listed_limit(o: &Order) -> Decimal {
    let priced = !matches!(o.code, OrderCode::Us(UsOrdDvsn::Moo | UsOrdDvsn::Moc));
    o.kind.limit_price().filter(|_| priced).map(|p| p.value()).unwrap_or_default()
}

fn limit_text(o: &Order) -> String {
    let limit = listed_limit(o);
    if limit.is_zero() { "0".into() } else { limit.to_string() }
}

pub fn unfilled(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, UsUnfilledRequest::from_pairs)?;
    check_account(ex, call, &req.cano, &req.acnt_prdt_cd)?;
    let output = us_orders(ex, call.account)
        .filter(|o| o.status.is_live())
        .map(|o| UsUnfilledOrder {
            ord_dt: ymd(o.trade_date),
            ord_gno_brno: o.id.branch_code(),
            odno: format!("{:010}", o.id.order_no.value()),
            orgn_odno: o.original.map(|x| format!("{:010}", x.order_no.value())).unwrap_or_default(),
            pdno: o.symbol.code().to_string(),
            sll_buy_dvsn_cd: o.side.kis_code().to_string(),
            ord_tmd: kst_of(o.created).format("%H%M%S").to_string(),
            tr_crcy_cd: "USD".into(),
            natn_cd: "840".into(),
            ft_ord_qty: o.qty.shares().to_string(),
            ft_ccld_qty: o.filled.shares().to_string(),
            nccs_qty: o.remaining().shares().to_string(),
            // Places as KIS writes them: prices 8, amount 5.
            ft_ord_unpr3: format!("{:.8}", listed_limit(o)),
            ft_ccld_unpr3: format!("{:.8}", o.avg_fill_price().unwrap_or_default()),
            ft_ccld_amt3: format!("{:.5}", o.filled_notional),
            prdt_name: ex.names.get(&o.symbol).cloned().unwrap_or_default(),
            natn_kor_name: "미국".into(),
            tr_mket_name: match o.symbol {
                Symbol::Us(UsExchange::Nyse, _) => "뉴욕거래소",
                Symbol::Us(UsExchange::Amex, _) => "아멕스",
                _ => "나스닥",
            }
            .into(),
            sll_buy_dvsn_cd_name: match o.side {
                Side::Buy => "매수",
                Side::Sell => "매도",
            }
            .into(),
            rvse_cncl_dvsn_cd: "00".into(),
            loan_type_cd: "10".into(),
            ovrs_excg_cd: match o.symbol {
                Symbol::Us(e, _) => e.order_code().into(),
                Symbol::Krx(_) => String::new(),
            },
            ..UsUnfilledOrder::default()
        })
        .collect();
    let mut a = inquiry(UsUnfilledBody { output, ..UsUnfilledBody::default() })?;
    a.tr_cont = "D";
    Ok(a)
}

pub fn order_history(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, UsOrderHistoryRequest::from_pairs)?;
    check_account(ex, call, &req.cano, &req.acnt_prdt_cd)?;
    let only_open = req.ccld_nccs_dvsn.trim() == "02";
    let output = us_orders(ex, call.account)
        .filter(|o| !only_open || o.status.is_live())
        .filter(|o| req.pdno.trim().is_empty() || req.pdno.trim() == "%" || o.symbol.code() == req.pdno.trim())
        .map(|o| UsOrderHistoryRow {
            ord_dt: ymd(o.trade_date),
            ord_gno_brno: o.id.branch_code(),
            odno: format!("{:010}", o.id.order_no.value()),
            orgn_odno: o.original.map(|x| format!("{:010}", x.order_no.value())).unwrap_or_default(),
            sll_buy_dvsn_cd: o.side.kis_code().to_string(),
            pdno: o.symbol.code().to_string(),
            ft_ord_qty: o.qty.shares().to_string(),
            ft_ord_unpr3: limit_text(o),
            ft_ccld_qty: o.filled.shares().to_string(),
            ft_ccld_unpr3: o.avg_fill_price().unwrap_or_default().to_string(),
            ft_ccld_amt3: o.filled_notional.to_string(),
            nccs_qty: o.remaining().shares().to_string(),
            ord_tmd: kst_of(o.created).format("%H%M%S").to_string(),
            tr_crcy_cd: "USD".into(),
            // The listing's exchange, as KIS names it in the order vocabulary; cancelled rows say so.
            ovrs_excg_cd: match o.symbol {
                Symbol::Us(e, _) => e.order_code().into(),
                Symbol::Krx(_) => String::new(),
            },
            rvse_cncl_dvsn: if o.status == kis_engine::OrderStatus::Cancelled { "02" } else { "00" }.into(),
            ..UsOrderHistoryRow::default()
        })
        .collect();
    let mut a = inquiry(UsOrderHistoryBody { output, ..UsOrderHistoryBody::default() })?;
    a.tr_cont = "D";
    Ok(a)
}

/// Whether KIS runs its US night ledger at `now`: New York time 04:00–20:00 on a weekday, the pre-market,
/// regular and after-hours sessions KIS routes to the regular venues. Outside it (20:00–04:00 New York,
/// KIS's US daytime session, 10:00–18:00 KST in winter and 09:00–17:00 in summer) the day ledger runs. The
/// switch is a clock rule here: US holidays are not looked up.
pub fn is_night_ledger(now: chrono::DateTime<chrono::Utc>) -> bool {
    use chrono::{Datelike, Timelike, Weekday};
    let ny = now.with_timezone(&chrono_tz::America::New_York);
    !matches!(ny.weekday(), Weekday::Sat | Weekday::Sun) && (4..20).contains(&ny.hour())
}

/// `dayornight` (JTTT3010R): `PSBL_YN` `Y` on the night ledger, `N` on the day ledger.
pub fn day_or_night(ex: &mut Exchange, _call: &Call<'_>) -> Handled {
    let psbl_yn = if is_night_ledger(ex.now) { "Y" } else { "N" };
    inquiry(DayOrNightBody { output: DayOrNight { psbl_yn: psbl_yn.into() } })
}

#[cfg(test)]
mod tests {
    use super::{is_night_ledger, parse_price};
    use chrono::{DateTime, Utc};
    use kis_model::{Price, parse_wire_unsigned};

    /// `OVRS_ORD_UNPR` follows the one wire-decimal reader: padding and zeros allowed, no sign, no `_`.
    #[test]
    fn us_order_prices_follow_the_wire_decimal_rules() {
        for text in ["258.6000", " 258.60 ", "0258.6", "0", "+258.6", "-1", "2_58.6", "2.5e2", "", "258.", "NaN"] {
            let expect = parse_wire_unsigned(text).ok().map(|d| d.normalize());
            assert_eq!(parse_price(text).ok().map(Price::value), expect, "{text:?}");
        }
        assert_eq!(parse_price("258.6000").unwrap().value().to_string(), "258.6");
        assert!(parse_price("+258.6").is_err());
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn the_night_ledger_follows_the_new_york_clock_in_winter_and_summer() {
        // Winter (EST): 04:00 New York is 09:00Z, 20:00 is 01:00Z next day.
        assert!(!is_night_ledger(at("2026-03-04T08:59:00Z")));
        assert!(is_night_ledger(at("2026-03-04T09:00:00Z")));
        assert!(is_night_ledger(at("2026-03-05T00:59:00Z")));
        assert!(!is_night_ledger(at("2026-03-05T01:00:00Z")));
        // Summer (EDT): an hour earlier in UTC.
        assert!(is_night_ledger(at("2026-07-01T08:00:00Z")));
        assert!(!is_night_ledger(at("2026-07-02T00:00:00Z")));
        // Saturday in New York: day ledger all day.
        assert!(!is_night_ledger(at("2026-03-07T15:00:00Z")));
    }
}

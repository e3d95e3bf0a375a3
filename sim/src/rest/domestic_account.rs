//! Domestic balance, buyable amount, daily orders/fills (paged) and modifiable orders.

use chrono::NaiveDate;
use kis_engine::{Order, OrderFilter, OrderKind, OrderStatus};
use kis_model::{Currency, Environment, Market, Price, Side, Symbol};
use kis_protocol::rest::domestic_account::*;
use rust_decimal::Decimal;

use crate::exchange::Exchange;
use crate::feed::ymd;
use crate::kis_error::{self as kis};
use crate::rest::domestic_order::parse_won;
use crate::rest::{Answer, Call, Handled, check_account, decode, ok};
use kis_model::kst::kst_of;

const INQUIRY_OK: (&str, &str) =
    ("KIOK0510", "조회가 완료되었습니다                                                           ");

fn mark(ex: &Exchange, symbol: &Symbol) -> Option<Price> {
    ex.feed_of(symbol).map(|f| match symbol {
        Symbol::Krx(_) => Price::from_won(u64::try_from(f.last).unwrap_or(0)),
        Symbol::Us(..) => Price::new(Decimal::new(f.last, 2)).unwrap_or(Price::ZERO),
    })
}

/// Today's fills on `side` (of `symbol`, or of every KRX listing): shares and amount.
fn today_fills(orders: &[Order], today: NaiveDate, symbol: Option<&Symbol>, side: Side) -> (u64, Decimal) {
    orders
        .iter()
        .filter(|o| o.trade_date == today && o.side == side && o.symbol.market() == Market::Krx)
        .filter(|o| symbol.is_none_or(|s| &o.symbol == s))
        .fold((0, Decimal::ZERO), |(q, a), o| (q + o.filled.shares(), a + o.filled_notional))
}

/// KIS writes these rates with eight places.
fn rate8(num: Decimal, den: Decimal) -> String {
    if den.is_zero() { "0.00000000".into() } else { format!("{:.8}", (num * Decimal::ONE_HUNDRED / den).round_dp(8)) }
}

pub fn balance(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, BalanceRequest::from_pairs)?;
    check_account(ex, call, &req.cano, &req.acnt_prdt_cd)?;
    let today = kst_of(ex.now).date_naive();
    let engine = &ex.accounts[call.account].engine;
    let mut bfdy_eval = Decimal::ZERO;
    let output1 = engine
        .positions()
        .filter(|p| p.symbol.market() == Market::Krx)
        .map(|p| {
            let last = mark(ex, &p.symbol).map(|m| m.value()).unwrap_or_default();
            let qty = p.qty.as_decimal();
            let avg = if p.qty.is_zero() { Decimal::ZERO } else { (p.cost / qty).round_dp(4) };
            let eval = last * qty;
            let pnl = eval - p.cost;
            let rt = if p.cost.is_zero() { Decimal::ZERO } else { (pnl * Decimal::ONE_HUNDRED / p.cost).round_dp(2) };
            let prev = ex.feed_of(&p.symbol).map_or(Decimal::ZERO, |f| Decimal::from(f.prev_close));
            let (bought, _) = today_fills(engine.orders(), today, Some(&p.symbol), Side::Buy);
            let (sold, _) = today_fills(engine.orders(), today, Some(&p.symbol), Side::Sell);
            // Yesterday's holding at yesterday's close.
            bfdy_eval += prev * (qty - Decimal::from(bought) + Decimal::from(sold));
            BalancePosition {
                pdno: p.symbol.code().to_string(),
                prdt_name: ex.names.get(&p.symbol).cloned().unwrap_or_default(),
                trad_dvsn_name: "현금".into(),
                hldg_qty: p.qty.shares().to_string(),
                ord_psbl_qty: p.qty.saturating_sub(p.sell_reserved).shares().to_string(),
                bfdy_buy_qty: "0".into(),
                bfdy_sll_qty: "0".into(),
                thdt_buyqty: bought.to_string(),
                thdt_sll_qty: sold.to_string(),
                pchs_avg_pric: format!("{avg:.4}"),
                pchs_amt: p.cost.to_string(),
                prpr: last.to_string(),
                evlu_amt: eval.to_string(),
                evlu_pfls_amt: pnl.to_string(),
                evlu_pfls_rt: format!("{rt:.2}"),
                evlu_erng_rt: rate8(pnl, p.cost),
                loan_amt: "0".into(),
                stln_slng_chgs: "0".into(),
                bfdy_cprs_icdc: (last - prev).to_string(),
                fltt_rt: rate8(last - prev, prev),
                sbst_pric: (prev * Decimal::new(76, 2)).trunc().to_string(),
                stck_loan_unpr: "0.0000".into(),
                ..BalancePosition::default()
            }
        })
        .collect();
    let s = engine.cash_summary(Currency::Krw, |sym| mark(ex, sym));
    let (bought_amt, sold_amt) = (
        today_fills(engine.orders(), today, None, Side::Buy).1,
        today_fills(engine.orders(), today, None, Side::Sell).1,
    );
    let bfdy_total = s.deposit + bought_amt - sold_amt + s.fees_paid + bfdy_eval;
    let summary = BalanceSummary {
        dnca_tot_amt: s.deposit.to_string(),
        nxdy_excc_amt: s.deposit.to_string(),
        prvs_rcdl_excc_amt: s.d2_estimate.to_string(),
        scts_evlu_amt: s.evaluation.to_string(),
        tot_evlu_amt: s.total_evaluation.to_string(),
        nass_amt: s.total_evaluation.to_string(),
        pchs_amt_smtl_amt: s.purchase_amount.to_string(),
        evlu_amt_smtl_amt: s.evaluation.to_string(),
        evlu_pfls_smtl_amt: s.eval_pnl.to_string(),
        thdt_tlex_amt: s.fees_paid.to_string(),
        thdt_buy_amt: bought_amt.to_string(),
        thdt_sll_amt: sold_amt.to_string(),
        bfdy_buy_amt: "0".into(),
        bfdy_sll_amt: "0".into(),
        bfdy_tlex_amt: "0".into(),
        cma_evlu_amt: "0".into(),
        d2_auto_rdpt_amt: "0".into(),
        nxdy_auto_rdpt_amt: "0".into(),
        tot_loan_amt: "0".into(),
        tot_stln_slng_chgs: "0".into(),
        fncg_gld_auto_rdpt_yn: String::new(),
        // The day started with today's cash flows undone and holdings at the previous closes.
        bfdy_tot_asst_evlu_amt: bfdy_total.to_string(),
        asst_icdc_amt: (s.total_evaluation - bfdy_total).to_string(),
        asst_icdc_erng_rt: rate8(s.total_evaluation - bfdy_total, bfdy_total),
    };
    let mut a =
        ok(INQUIRY_OK.0, INQUIRY_OK.1, BalanceBody { output1, output2: vec![summary], ..BalanceBody::default() })?;
    a.tr_cont = "D";
    Ok(a)
}

pub fn buyable(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, BuyableRequest::from_pairs)?;
    check_account(ex, call, &req.cano, &req.acnt_prdt_cd)?;
    let symbol = Symbol::krx(req.pdno.trim()).map_err(|_| kis::UNKNOWN_SYMBOL_ORDER)?;
    let price = match req.ord_unpr.trim() {
        "" | "0" => None,
        p => Some(parse_won(p)?),
    };
    let b = ex.accounts[call.account].engine.buyable(&symbol, price).map_err(|r| kis::for_reject(&r))?;
    let output = BuyableOutput {
        ord_psbl_cash: b.available.to_string(),
        psbl_qty_calc_unpr: b.price.value().to_string(),
        nrcvb_buy_amt: b.amount.to_string(),
        nrcvb_buy_qty: b.qty.shares().to_string(),
        max_buy_amt: b.amount.to_string(),
        max_buy_qty: b.qty.shares().to_string(),
        ord_psbl_sbst: "0".into(),
        ruse_psbl_amt: "0".into(),
        fund_rpch_chgs: "0".into(),
        cma_evlu_amt: "0".into(),
        ovrs_re_use_amt_wcrc: "0".into(),
        // Cash only (no dollars counted in unless OVRS_ICLD_YN asks): the won amount orderable.
        ord_psbl_frcr_amt_wcrc: b.available.to_string(),
    };
    ok("KIOK0510", "조회가 완료되었습니다", BuyableBody { output })
}

fn date(text: &str) -> Result<NaiveDate, crate::kis_error::KisError> {
    NaiveDate::parse_from_str(text.trim(), "%Y%m%d").map_err(|_| kis::BAD_REQUEST)
}

fn status_text(o: &Order) -> &'static str {
    match o.status {
        OrderStatus::Cancelled => "Y",
        _ => "N",
    }
}

/// `ord_dvsn_name`: KIS names the order type in the replies that list orders.
fn ord_dvsn_name(code: &str) -> &'static str {
    match code {
        "01" => "시장가",
        "02" => "조건부지정가",
        "03" => "최유리지정가",
        "04" => "최우선지정가",
        "05" => "장전 시간외",
        "06" => "장후 시간외",
        "07" => "시간외 단일가",
        "11" => "IOC지정가",
        "12" => "FOK지정가",
        "13" => "IOC시장가",
        "14" => "FOK시장가",
        "15" => "IOC최유리",
        "16" => "FOK최유리",
        _ => "지정가",
    }
}

fn unpr(o: &Order) -> String {
    match o.kind {
        OrderKind::Limit(p) => p.value().to_string(),
        OrderKind::Market => "0".into(),
    }
}

/// What KIS writes as the orderer (`ordr_empno`) of an order placed through the Open API; its app and
/// HTS orders carry other channel names (the documented example's `Nsmart`).
pub const OPEN_API_ORDERER: &str = "OpnAPI";

/// `inquire-daily-ccld`, paged by `CTX_AREA_NK100` (the offset of the next row) and `tr_cont`.
///
/// The ordering-channel fields are those of an Open API order as a live KIS reply (quoted in a public
/// client's tests) shows them: `ordr_empno` [`OPEN_API_ORDERER`], `inqr_ip_addr` the client's address
/// (every order here comes from the client asking, so its address now), `ctac_tlno` (contact phone) and
/// `cpbc_ordp_mtrl_dvsn_cd` (order media) blank. The documented example is an app order (`Nsmart`) and
/// fills the last two; the simulator never invents a phone number.
pub fn daily_ccld(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let ip = call.peer.map(|a| a.to_string()).unwrap_or_default();
    let q = decode(call.params, DailyCcldQuery::from_pairs)?;
    check_account(ex, call, &q.cano, &q.acnt_prdt_cd)?;
    let (from, to) = (date(&q.inqr_strt_dt)?, date(&q.inqr_end_dt)?);
    let filter = match q.ccld_dvsn.trim() {
        "01" => OrderFilter::Filled,
        "02" => OrderFilter::Unfilled,
        _ => OrderFilter::All,
    };
    let side = match q.sll_buy_dvsn_cd.trim() {
        "01" => Some(Side::Sell),
        "02" => Some(Side::Buy),
        _ => None,
    };
    let engine = &ex.accounts[call.account].engine;
    let mut orders: Vec<&Order> = engine
        .orders()
        .iter()
        .filter(|o| o.symbol.market() == Market::Krx && o.trade_date >= from && o.trade_date <= to)
        .filter(|o| match filter {
            OrderFilter::All => true,
            OrderFilter::Filled => !o.filled.is_zero(),
            OrderFilter::Unfilled => !o.remaining().is_zero(),
        })
        .filter(|o| side.is_none_or(|s| o.side == s))
        .filter(|o| q.pdno.trim().is_empty() || o.symbol.code() == q.pdno.trim())
        .filter(|o| q.odno.trim().is_empty() || format!("{:010}", o.id.order_no.value()) == q.odno.trim())
        .collect();
    if q.inqr_dvsn.trim() != "01" {
        orders.reverse();
    }
    let page = match ex.env() {
        Environment::Real => ex.cfg.rest.ccld_page_real,
        Environment::Paper => ex.cfg.rest.ccld_page_paper,
    };
    let start: usize = if call.tr_cont.trim().eq_ignore_ascii_case("N") {
        q.ctx_area_nk100.trim().parse().map_err(|_| kis::BAD_REQUEST)?
    } else {
        0
    };
    let end = (start + page).min(orders.len());
    let rows: Vec<DailyCcldRow> = orders
        .get(start..end)
        .unwrap_or(&[])
        .iter()
        .map(|o| DailyCcldRow {
            ord_dt: ymd(o.trade_date),
            ord_gno_brno: o.id.branch_code(),
            odno: format!("{:010}", o.id.order_no.value()),
            orgn_odno: o.original.map(|x| format!("{:010}", x.order_no.value())).unwrap_or_default(),
            ord_dvsn_name: ord_dvsn_name(o.code.code()).to_string(),
            sll_buy_dvsn_cd: o.side.kis_code().to_string(),
            sll_buy_dvsn_cd_name: match o.side {
                Side::Buy => "현금매수".into(),
                Side::Sell => "현금매도".into(),
            },
            pdno: o.symbol.code().to_string(),
            prdt_name: ex.names.get(&o.symbol).cloned().unwrap_or_default(),
            ord_qty: o.qty.shares().to_string(),
            ord_unpr: unpr(o),
            ord_tmd: kst_of(o.created).format("%H%M%S").to_string(),
            tot_ccld_qty: o.filled.shares().to_string(),
            avg_prvs: o.avg_fill_price().unwrap_or_default().to_string(),
            cncl_yn: status_text(o).into(),
            tot_ccld_amt: o.filled_notional.to_string(),
            ord_dvsn_cd: o.code.code().to_string(),
            cncl_cfrm_qty: if matches!(o.status, OrderStatus::Cancelled) {
                o.unfilled().shares().to_string()
            } else {
                "0".into()
            },
            rmn_qty: o.remaining().shares().to_string(),
            rjct_qty: "0".into(),
            excg_dvsn_cd: "02".into(),
            excg_id_dvsn_cd: "KRX".into(),
            prdt_type_cd: "300".into(),
            ord_orgno: "00000".into(),
            ccld_cndt_name: "없음".into(),
            ordr_empno: OPEN_API_ORDERER.into(),
            inqr_ip_addr: ip.clone(),
            ..DailyCcldRow::default()
        })
        .collect();
    let tot_qty: u64 = orders.iter().map(|o| o.qty.shares()).sum();
    let tot_ccld: u64 = orders.iter().map(|o| o.filled.shares()).sum();
    let tot_amt: Decimal = orders.iter().map(|o| o.filled_notional).sum();
    let fees: Decimal = orders.iter().map(|o| o.fees).sum();
    let more = end < orders.len();
    let body = DailyCcldBody {
        ctx_area_fk100: format!("{:<100}", format!("{}^{}^", q.cano.trim(), q.acnt_prdt_cd.trim())),
        ctx_area_nk100: format!("{:<100}", if more { end.to_string() } else { String::new() }),
        output1: rows,
        output2: DailyCcldTotals {
            tot_ord_qty: tot_qty.to_string(),
            tot_ccld_qty: tot_ccld.to_string(),
            tot_ccld_amt: tot_amt.to_string(),
            prsm_tlex_smtl: fees.to_string(),
            pchs_avg_pric: if tot_ccld == 0 {
                "0.0000".into()
            } else {
                format!("{:.4}", (tot_amt / Decimal::from(tot_ccld)).round_dp(4))
            },
        },
    };
    let Answer { body, .. } = ok("KIOK0510", "조회가 완료되었습니다", body)?;
    Ok(Answer { body, tr_cont: if more { "M" } else { "D" } })
}

pub fn modifiable(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let req = decode(call.params, ModifiableRequest::from_pairs)?;
    check_account(ex, call, &req.cano, &req.acnt_prdt_cd)?;
    let engine = &ex.accounts[call.account].engine;
    let output = engine
        .open_orders()
        .filter(|o| o.symbol.market() == Market::Krx)
        .map(|o| ModifiableOrder {
            ord_gno_brno: o.id.branch_code(),
            odno: format!("{:010}", o.id.order_no.value()),
            orgn_odno: o.original.map(|x| format!("{:010}", x.order_no.value())).unwrap_or_default(),
            pdno: o.symbol.code().to_string(),
            ord_qty: o.qty.shares().to_string(),
            ord_unpr: unpr(o),
            ord_tmd: kst_of(o.created).format("%H%M%S").to_string(),
            tot_ccld_qty: o.filled.shares().to_string(),
            tot_ccld_amt: o.filled_notional.to_string(),
            psbl_qty: o.remaining().shares().to_string(),
            sll_buy_dvsn_cd: o.side.kis_code().to_string(),
            ord_dvsn_cd: o.code.code().to_string(),
            ord_dvsn_name: ord_dvsn_name(o.code.code()).into(),
            prdt_name: ex.names.get(&o.symbol).cloned().unwrap_or_default(),
            excg_id_dvsn_cd: "KRX".into(),
            ..ModifiableOrder::default()
        })
        .collect();
    let mut a = ok("KIOK0510", "조회가 완료되었습니다", ModifiableBody { output, ..ModifiableBody::default() })?;
    a.tr_cont = "D";
    Ok(a)
}

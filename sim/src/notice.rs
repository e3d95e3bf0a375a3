//! Execution notices (H0STCNI0/9, H0GSCNI0/9) for the account's own orders, built from engine events and
//! encrypted with each subscription's key, through the foundation's codec.

use kis_engine::{EngineEvent, Order, OrderKind};
use kis_model::{Environment, OrderId, Side, Symbol, UsExchange};
use kis_protocol::ws::{EncodeRecord, FrameEncoder, H0gscni0Owned, H0stcni0Owned, NoticeKey, WsTrId};

use crate::feed::hms;
use kis_model::kst::kst_of;

/// What a notice says, independent of the market's layout.
#[derive(Debug, Clone)]
pub struct NoticeFacts {
    pub order: OrderId,
    pub original: Option<OrderId>,
    pub symbol: Symbol,
    pub side: Side,
    /// `0` new, `1` modify, `2` cancel.
    pub rctf: &'static str,
    pub ord_dvsn: String,
    /// Receipt: order qty/price; fill: fill qty/price (minor units: won, or 1/10,000 dollar).
    pub qty: u64,
    pub price_minor: i64,
    pub order_qty: u64,
    pub fill: bool,
    pub refused: bool,
    pub ts: chrono::DateTime<chrono::Utc>,
}

/// The notice TR of a market on an environment.
pub fn notice_tr(symbol: &Symbol, env: Environment) -> WsTrId {
    match (symbol.market(), env) {
        (kis_model::Market::Krx, Environment::Real) => WsTrId::H0stcni0,
        (kis_model::Market::Krx, Environment::Paper) => WsTrId::H0stcni9,
        (kis_model::Market::Us, Environment::Real) => WsTrId::H0gscni0,
        (kis_model::Market::Us, Environment::Paper) => WsTrId::H0gscni9,
    }
}

fn price_minor(symbol: &Symbol, price: kis_model::Price) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    let scale = match symbol.market() {
        kis_model::Market::Krx => rust_decimal::Decimal::ONE,
        kis_model::Market::Us => rust_decimal::Decimal::from(10_000),
    };
    (price.value() * scale).trunc().to_i64().unwrap_or(0)
}

/// Facts of the notices an engine event produces (one per event; refusals of new orders have no number
/// and produce none, as at KIS where the refusal is the REST reply).
pub fn facts(event: &EngineEvent, order_of: impl Fn(OrderId) -> Option<Order>) -> Option<NoticeFacts> {
    let base = |o: &Order, rctf: &'static str, fill: bool, qty: u64, price: i64, ts| NoticeFacts {
        order: o.id,
        original: o.original,
        symbol: o.symbol,
        side: o.side,
        rctf,
        ord_dvsn: o.code.code().to_string(),
        qty,
        price_minor: price,
        order_qty: o.qty.shares(),
        fill,
        refused: false,
        ts,
    };
    let limit = |o: &Order| match o.kind {
        OrderKind::Limit(p) => price_minor(&o.symbol, p),
        OrderKind::Market => 0,
    };
    match event {
        EngineEvent::Accepted { order, ts, .. } => {
            let o = order_of(*order)?;
            Some(base(&o, "0", false, o.qty.shares(), limit(&o), *ts))
        }
        EngineEvent::Filled(f) => {
            let o = order_of(f.order)?;
            Some(base(
                &o,
                if o.original.is_some() { "1" } else { "0" },
                true,
                f.qty.shares(),
                price_minor(&f.symbol, f.price),
                f.ts,
            ))
        }
        EngineEvent::Modified { replacement, ts, .. } => {
            let o = order_of(*replacement)?;
            Some(base(&o, "1", false, o.qty.shares(), limit(&o), *ts))
        }
        EngineEvent::Cancelled { order, cancel_id, qty, ts } => {
            let o = order_of(*order)?;
            let mut n = base(&o, "2", false, qty.shares(), limit(&o), *ts);
            n.order = *cancel_id;
            n.original = Some(*order);
            Some(n)
        }
        // A refused modify or cancel (the engine names the original order) is answered by the REST reply
        // alone, as KIS does: the original order is untouched, and a refusal notice naming it would tell the
        // client that an order which may have filled was refused. A refused new order never got a number.
        EngineEvent::Rejected { .. } | EngineEvent::Expired { .. } => None,
    }
}

/// Who the notice is for.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub hts_id: &'a str,
    /// CANO + ACNT_PRDT_CD (10 digits).
    pub account: &'a str,
    /// Account holder's name (`ACNT_NAME`).
    pub name: &'a str,
    /// The listing's name (`CNTG_ISNM40`, `CNTG_ISNM`), as KIS names it in notices.
    pub isnm: &'a str,
}

/// `ACNT_NAME` of every simulated account: KIS always fills it with the holder's name; the simulator has no
/// holders, so it says what it is.
pub const HOLDER_NAME: &str = "모의고객";

fn odno(id: &OrderId) -> String {
    format!("{:010}", id.order_no.value())
}

/// The plaintext fields of a domestic notice (26-field layout since 2025).
pub fn h0stcni0(n: &NoticeFacts, to: Recipient<'_>) -> H0stcni0Owned {
    let time = hms(kst_of(n.ts).time());
    H0stcni0Owned {
        cust_id: to.hts_id.to_string(),
        acnt_no: to.account.to_string(),
        oder_no: odno(&n.order),
        ooder_no: n.original.map(|o| odno(&o)).unwrap_or_default(),
        seln_byov_cls: n.side.kis_code().to_string(),
        rctf_cls: n.rctf.to_string(),
        oder_kind: n.ord_dvsn.clone(),
        oder_cond: "0".to_string(),
        stck_shrn_iscd: n.symbol.code().to_string(),
        cntg_qty: i64::try_from(n.qty).unwrap_or(i64::MAX),
        cntg_unpr: n.price_minor,
        stck_cntg_hour: time,
        rfus_yn: if n.refused { "1" } else { "0" }.to_string(),
        cntg_yn: if n.fill { "2" } else { "1" }.to_string(),
        acpt_yn: if n.rctf == "2" { "3" } else { "2" }.to_string(),
        brnc_no: n.order.branch_code(),
        oder_qty: i64::try_from(n.order_qty).unwrap_or(i64::MAX),
        acnt_name: to.name.to_string(),
        ord_cond_prc: String::new(),
        ord_exg_gb: "1".to_string(),
        popup_yn: "Y".to_string(),
        filler: String::new(),
        crdt_cls: "10".to_string(),
        crdt_loan_date: String::new(),
        cntg_isnm40: to.isnm.to_string(),
        oder_prc: Some(n.price_minor),
    }
}

/// The plaintext fields of an overseas notice (25-field layout).
pub fn h0gscni0(n: &NoticeFacts, to: Recipient<'_>) -> H0gscni0Owned {
    let market = match n.symbol {
        Symbol::Us(UsExchange::Nyse, _) => "7",
        Symbol::Us(UsExchange::Amex, _) => "8",
        _ => "6",
    };
    let kind2 = match n.ord_dvsn.as_str() {
        "31" => "A",
        "32" => "B",
        "33" => "C",
        "34" => "D",
        _ => "2",
    };
    H0gscni0Owned {
        cust_id: to.hts_id.to_string(),
        acnt_no: to.account.to_string(),
        oder_no: odno(&n.order),
        ooder_no: n.original.map(|o| odno(&o)).unwrap_or_default(),
        seln_byov_cls: n.side.kis_code().to_string(),
        rctf_cls: n.rctf.to_string(),
        oder_kind2: kind2.to_string(),
        stck_shrn_iscd: n.symbol.code().to_string(),
        cntg_qty: i64::try_from(n.qty).unwrap_or(i64::MAX),
        cntg_unpr: n.price_minor,
        stck_cntg_hour: Some(hms(kst_of(n.ts).time())),
        rfus_yn: if n.refused { "1" } else { "0" }.to_string(),
        cntg_yn: if n.fill { "2" } else { "1" }.to_string(),
        acpt_yn: if n.rctf == "2" { "3" } else { "2" }.to_string(),
        brnc_no: n.order.branch_code(),
        oder_qty: if n.fill { Some(i64::try_from(n.order_qty).unwrap_or(i64::MAX)) } else { None },
        acnt_name: to.name.to_string(),
        cntg_isnm: to.isnm.to_string(),
        oder_cond: market.to_string(),
        debt_gb: "10".to_string(),
        debt_date: String::new(),
        start_tm: String::new(),
        end_tm: String::new(),
        tm_div_tp: String::new(),
        cntg_unpr12: format!("{:012}", n.price_minor),
    }
}

/// The encrypted frame text of a notice on `tr` (the paper TRs share the real layouts).
pub fn encode(
    enc: &mut FrameEncoder,
    tr: &WsTrId,
    n: &NoticeFacts,
    to: Recipient<'_>,
    key: &NoticeKey,
) -> Option<String> {
    let mut plain = Vec::with_capacity(256);
    let written = match n.symbol.market() {
        kis_model::Market::Krx => h0stcni0(n, to).write_fields(&mut plain),
        kis_model::Market::Us => h0gscni0(n, to).write_fields(&mut plain),
    };
    written.ok()?;
    let text = String::from_utf8(plain).ok()?;
    let fields: Vec<&str> = text.split('^').collect();
    enc.fields_encrypted(tr.as_str(), &[&fields], key).ok().map(str::to_string)
}

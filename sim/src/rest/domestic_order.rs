//! Domestic `order-cash` (buy/sell, new and old TR ids) and `order-rvsecncl`.

use kis_engine::{ModifyRequest, NewOrder, OrderCode, OrderKind};
use kis_model::{OrdDvsn, OrderId, Price, Qty, Side, Symbol};
use kis_protocol::rest::domestic_order::{OrderCashBody, OrderRvsecnclBody, RVSE_CNCL_CANCEL, RVSE_CNCL_MODIFY};
use kis_protocol::rest::order_ack::{OrderAck, OrderAckBody};
use kis_protocol::tr_id::Op;

use crate::exchange::Exchange;
use crate::kis_error::{self as kis, KisError};
use crate::rest::{Call, Handled, check_account, decode, ok, ord_tmd};

pub const ORDER_OK: (&str, &str) = ("APBK0013", "주문 전송 완료 되었습니다.");

/// `ORD_QTY`: a positive whole number of shares, read as every wire quantity is ([`Qty`]'s `FromStr`, the one
/// wire-decimal reader: zero padding allowed, no sign).
pub fn parse_qty(text: &str) -> Result<Qty, KisError> {
    let q: Qty = text.parse().map_err(|_| kis::BAD_QTY)?;
    if q.is_zero() {
        return Err(kis::BAD_QTY);
    }
    Ok(q)
}

/// A KRX price (`ORD_UNPR`): read as every wire price is ([`Price`]'s `FromStr`), and whole won, since no KRX
/// tick is a fraction of a won.
pub(crate) fn parse_won(text: &str) -> Result<Price, KisError> {
    let price: Price = text.parse().map_err(|_| kis::OFF_TICK)?;
    if !price.value().fract().is_zero() {
        return Err(kis::OFF_TICK);
    }
    Ok(price)
}

/// The engine order kind of a KRX `ORD_DVSN`: limit and market are modelled; the others are refused.
fn krx_kind(ord_dvsn: &str, unpr: &str) -> Result<(OrderKind, OrdDvsn), KisError> {
    let code = OrdDvsn::from_code(ord_dvsn.trim()).map_err(|_| kis::BAD_ORD_DVSN)?;
    match code {
        OrdDvsn::Limit => Ok((OrderKind::Limit(parse_won(unpr)?), code)),
        OrdDvsn::Market => Ok((OrderKind::Market, code)),
        _ => Err(kis::BAD_ORD_DVSN),
    }
}

pub fn ack(ex: &Exchange, id: OrderId) -> Handled {
    let output = OrderAck {
        krx_fwdg_ord_orgno: id.branch_code(),
        odno: format!("{:010}", id.order_no.value()),
        ord_tmd: ord_tmd(ex),
    };
    ok(ORDER_OK.0, ORDER_OK.1, OrderAckBody { output })
}

pub fn order_cash(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let body = decode(call.params, OrderCashBody::from_pairs)?;
    check_account(ex, call, &body.cano, &body.acnt_prdt_cd)?;
    let side = if call.op == Op::DomesticBuy { Side::Buy } else { Side::Sell };
    let symbol = Symbol::krx(body.pdno.trim()).map_err(|_| kis::UNKNOWN_SYMBOL_ORDER)?;
    if ex.feed_of(&symbol).is_none() {
        return Err(kis::UNKNOWN_SYMBOL_ORDER);
    }
    let qty = parse_qty(&body.ord_qty)?;
    let (kind, code) = krx_kind(&body.ord_dvsn, &body.ord_unpr)?;
    let order = NewOrder::new(symbol, side, kind, qty).with_code(OrderCode::Krx(code));
    let placed = ex.submit(call.account, order)?;
    ack(ex, placed.id)
}

pub fn rvsecncl(ex: &mut Exchange, call: &Call<'_>) -> Handled {
    let body = decode(call.params, OrderRvsecnclBody::from_pairs)?;
    check_account(ex, call, &body.cano, &body.acnt_prdt_cd)?;
    let id = OrderId::parse(body.krx_fwdg_ord_orgno.trim(), body.orgn_odno.trim()).map_err(|_| kis::NO_SUCH_ORDER)?;
    let order = ex.accounts[call.account].engine.order(id).cloned().ok_or(kis::NO_SUCH_ORDER)?;
    let all = body.qty_all_ord_yn.trim().eq_ignore_ascii_case("Y");
    let new_id = match body.rvse_cncl_dvsn_cd.trim() {
        RVSE_CNCL_MODIFY => {
            let (kind, _) = krx_kind(&body.ord_dvsn, &body.ord_unpr)?;
            // ORD_QTY is the part of the remaining shares to modify; the engine takes the new total.
            let part = if all { None } else { Some(parse_qty(&body.ord_qty)?) };
            // KIS modifies at most what is still working (a fill may have taken part of it meanwhile).
            if part.is_some_and(|q| q > order.remaining()) {
                return Err(kis::BAD_MODIFY);
            }
            let qty = part.map(|q| Qty::new(order.filled.shares() + q.shares()));
            ex.modify_or_cancel(call.account, id, Some(ModifyRequest { price: kind.limit_price(), qty }))?
        }
        RVSE_CNCL_CANCEL if all => ex.modify_or_cancel(call.account, id, None)?,
        RVSE_CNCL_CANCEL => {
            // A partial cancel leaves `remaining − ORD_QTY` shares working at the same price.
            let cancel = parse_qty(&body.ord_qty)?.shares();
            let left = order.remaining().shares().saturating_sub(cancel);
            if left == 0 {
                ex.modify_or_cancel(call.account, id, None)?
            } else {
                let total = Qty::new(order.filled.shares() + left);
                ex.modify_or_cancel(call.account, id, Some(ModifyRequest { price: None, qty: Some(total) }))?
            }
        }
        _ => return Err(kis::BAD_REQUEST),
    };
    ack(ex, new_id)
}

#[cfg(test)]
mod tests {
    use kis_model::parse_wire_unsigned;

    use super::*;

    /// The request parsers read what every other KIS wire reader reads (the one in `kis_model::decimal`).
    #[test]
    fn request_numbers_follow_the_wire_decimal_rules() {
        let texts = [
            "70000",
            "00000070000",
            " 70000 ",
            "70000.00",
            "70000.5",
            "+70000",
            "-70000",
            "7_0000",
            "7e4",
            "",
            " ",
            "0",
            "10",
            "0000000010",
            "10.00",
            "1.5",
            "NaN",
            "1 0",
            "5.",
            ".5",
        ];
        for text in texts {
            let wire = parse_wire_unsigned(text);
            let whole = wire.ok().filter(|d| d.fract().is_zero());
            assert_eq!(parse_won(text).ok().map(Price::value), whole.map(|d| d.normalize()), "ORD_UNPR {text:?}");
            let shares = whole.and_then(|d| u64::try_from(d).ok()).filter(|&n| n > 0);
            assert_eq!(parse_qty(text).ok().map(Qty::shares), shares, "ORD_QTY {text:?}");
        }
        assert_eq!(parse_won(" 00000070000").unwrap(), Price::from_won(70_000));
        assert_eq!(parse_qty("0000000010").unwrap(), Qty::new(10));
        assert_eq!(parse_won("70000.5"), Err(kis::OFF_TICK));
        assert_eq!(parse_won("+70000"), Err(kis::OFF_TICK));
        assert_eq!(parse_qty("0"), Err(kis::BAD_QTY));
        assert_eq!(parse_qty("+1"), Err(kis::BAD_QTY));
    }
}

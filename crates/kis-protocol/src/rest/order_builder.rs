//! Typed constructors for order requests: the only way the daemon builds an order body.
//!
//! The wire bodies are all strings (that is what KIS takes); these constructors take `kis-model` types and
//! refuse what KIS would reject anyway — zero quantity, a price on a market order or none on a limit order,
//! an off-grid KRX price, a sell-only US order kind on a buy — so a mistake costs no request and no rate
//! budget, and the error says exactly what was wrong.

use kis_model::tick_size::{InstrumentKind, is_on_tick, to_won};
use kis_model::{
    AccountNo, KrxCode, OrdDvsn, OrderId, OrderKindError, Price, Qty, Side, UsExchange, UsOrdDvsn, UsTicker,
};
use rust_decimal::Decimal;
use thiserror::Error;

use crate::rest::domestic_order::{OrderCash, OrderCashBody, OrderRvsecnclBody, RVSE_CNCL_CANCEL, RVSE_CNCL_MODIFY};
use crate::rest::overseas_order::{UsModifyCancelBody, UsOrder, UsOrderBody};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderBuildError {
    #[error("order quantity must be at least 1 share")]
    ZeroQty,
    #[error("order kind {kind} ({code}) needs a price")]
    MissingPrice { kind: &'static str, code: &'static str },
    #[error("order kind {kind} ({code}) takes no price (got {price})")]
    UnexpectedPrice { kind: &'static str, code: &'static str, price: Price },
    #[error("price {price} is not on the KRX tick grid")]
    OffTick { price: Price },
    #[error("price {price} must be a whole number of won")]
    FractionalWon { price: Price },
    #[error("US price {price} has more decimals than allowed ({max} at this price)")]
    TooManyDecimals { price: Price, max: u32 },
    #[error("price must be positive")]
    ZeroPrice,
    #[error(transparent)]
    Kind(#[from] OrderKindError),
}

fn check_qty(qty: Qty) -> Result<(), OrderBuildError> {
    if qty.is_zero() { Err(OrderBuildError::ZeroQty) } else { Ok(()) }
}

/// KRX price for `ORD_UNPR`: `"0"` for unpriced kinds, else a positive whole-won price on the grid.
fn krx_price(kind: OrdDvsn, price: Option<Price>, instrument: InstrumentKind) -> Result<String, OrderBuildError> {
    match (kind.has_price(), price) {
        (false, None) => Ok("0".into()),
        (false, Some(price)) => Err(OrderBuildError::UnexpectedPrice { kind: kind.label(), code: kind.code(), price }),
        (true, None) => Err(OrderBuildError::MissingPrice { kind: kind.label(), code: kind.code() }),
        (true, Some(price)) => {
            let won = to_won(price).map_err(|_| OrderBuildError::FractionalWon { price })?;
            if won == 0 {
                return Err(OrderBuildError::ZeroPrice);
            }
            if !is_on_tick(won, instrument) {
                return Err(OrderBuildError::OffTick { price });
            }
            Ok(won.to_string())
        }
    }
}

/// US prices: cents at or above $1, up to 4 decimals below (KIS's sub-dollar rule is unconfirmed:
/// kis-protocol.md §10.4). Sent with 2 decimals minimum, as KIS's examples do.
fn us_price(kind: UsOrdDvsn, price: Option<Price>) -> Result<String, OrderBuildError> {
    match (kind.has_price(), price) {
        (false, None) => Ok("0".into()),
        (false, Some(price)) => Err(OrderBuildError::UnexpectedPrice { kind: kind.label(), code: kind.code(), price }),
        (true, None) => Err(OrderBuildError::MissingPrice { kind: kind.label(), code: kind.code() }),
        (true, Some(price)) => {
            let value = price.value().normalize();
            if value.is_zero() {
                return Err(OrderBuildError::ZeroPrice);
            }
            let max = if value >= Decimal::ONE { 2 } else { 4 };
            if value.scale() > max {
                return Err(OrderBuildError::TooManyDecimals { price, max });
            }
            let mut shown = value;
            shown.rescale(value.scale().max(2));
            Ok(shown.to_string())
        }
    }
}

impl OrderCash {
    /// A domestic cash order. `instrument` selects the tick rule (stocks vs ETF/ETN).
    pub fn new(
        account: &AccountNo,
        side: Side,
        code: KrxCode,
        kind: OrdDvsn,
        qty: Qty,
        price: Option<Price>,
        instrument: InstrumentKind,
    ) -> Result<OrderCash, OrderBuildError> {
        check_qty(qty)?;
        let ord_unpr = krx_price(kind, price, instrument)?;
        Ok(OrderCash {
            side,
            body: OrderCashBody {
                cano: account.cano().to_string(),
                acnt_prdt_cd: account.product().to_string(),
                pdno: code.as_str().to_string(),
                ord_dvsn: kind.code().to_string(),
                ord_qty: qty.to_string(),
                ord_unpr,
                sll_type: None,
                cndt_pric: None,
                excg_id_dvsn_cd: None,
            },
        })
    }
}

impl OrderRvsecnclBody {
    /// Cancel all that remains of `order` (python-kis's form: quantity and price `"0"`, `QTY_ALL_ORD_YN Y`).
    pub fn cancel_all(account: &AccountNo, order: OrderId, kind: OrdDvsn) -> OrderRvsecnclBody {
        OrderRvsecnclBody {
            cano: account.cano().to_string(),
            acnt_prdt_cd: account.product().to_string(),
            krx_fwdg_ord_orgno: order.branch_code(),
            orgn_odno: order.order_no.to_string(),
            ord_dvsn: kind.code().to_string(),
            rvse_cncl_dvsn_cd: RVSE_CNCL_CANCEL.to_string(),
            ord_qty: "0".into(),
            ord_unpr: "0".into(),
            qty_all_ord_yn: "Y".into(),
            cndt_pric: None,
            excg_id_dvsn_cd: None,
        }
    }

    /// Re-price `order`; `qty = None` modifies all that remains.
    pub fn modify(
        account: &AccountNo,
        order: OrderId,
        kind: OrdDvsn,
        qty: Option<Qty>,
        price: Option<Price>,
        instrument: InstrumentKind,
    ) -> Result<OrderRvsecnclBody, OrderBuildError> {
        if let Some(q) = qty {
            check_qty(q)?;
        }
        Ok(OrderRvsecnclBody {
            rvse_cncl_dvsn_cd: RVSE_CNCL_MODIFY.to_string(),
            ord_qty: qty.map_or_else(|| "0".to_string(), |q| q.to_string()),
            ord_unpr: krx_price(kind, price, instrument)?,
            qty_all_ord_yn: if qty.is_some() { "N" } else { "Y" }.to_string(),
            ..OrderRvsecnclBody::cancel_all(account, order, kind)
        })
    }
}

impl UsOrder {
    /// A US regular-session order. There is no US market order at KIS: use a limit (python-kis emulates a
    /// market buy with a high limit), or MOO/MOC to sell.
    pub fn new(
        account: &AccountNo,
        side: Side,
        exchange: UsExchange,
        ticker: UsTicker,
        kind: UsOrdDvsn,
        qty: Qty,
        price: Option<Price>,
    ) -> Result<UsOrder, OrderBuildError> {
        check_qty(qty)?;
        kind.check_side(side)?;
        Ok(UsOrder {
            side,
            body: UsOrderBody {
                cano: account.cano().to_string(),
                acnt_prdt_cd: account.product().to_string(),
                ovrs_excg_cd: exchange.order_code().to_string(),
                pdno: ticker.as_str().to_string(),
                ord_qty: qty.to_string(),
                ovrs_ord_unpr: us_price(kind, price)?,
                ctac_tlno: Some(String::new()),
                mgco_aptm_odno: Some(String::new()),
                sll_type: match side {
                    Side::Sell => Some("00".into()),
                    Side::Buy => None,
                },
                ord_svr_dvsn_cd: Some("0".into()),
                ord_dvsn: kind.code().to_string(),
                start_time: None,
                end_time: None,
                algo_ord_tmd_dvsn_cd: None,
            },
        })
    }
}

impl UsModifyCancelBody {
    /// Cancel `order_no` entirely (US cancels need the quantity to cancel; KIS takes the remaining one).
    pub fn cancel(
        account: &AccountNo,
        exchange: UsExchange,
        ticker: UsTicker,
        order: OrderId,
        remaining: Qty,
    ) -> Result<UsModifyCancelBody, OrderBuildError> {
        check_qty(remaining)?;
        Ok(UsModifyCancelBody {
            cano: account.cano().to_string(),
            acnt_prdt_cd: account.product().to_string(),
            ovrs_excg_cd: exchange.order_code().to_string(),
            pdno: ticker.as_str().to_string(),
            orgn_odno: order.order_no.to_string(),
            rvse_cncl_dvsn_cd: RVSE_CNCL_CANCEL.to_string(),
            ord_qty: remaining.to_string(),
            ovrs_ord_unpr: "0".into(),
            mgco_aptm_odno: Some(String::new()),
            ord_svr_dvsn_cd: Some("0".into()),
        })
    }

    /// Re-price the `remaining` unfilled shares of limit order `order` to `price` (KIS gives the modify a new
    /// order number; the original keeps its fills). The price follows the limit order's rules.
    pub fn modify(
        account: &AccountNo,
        exchange: UsExchange,
        ticker: UsTicker,
        order: OrderId,
        remaining: Qty,
        price: Price,
    ) -> Result<UsModifyCancelBody, OrderBuildError> {
        Ok(UsModifyCancelBody {
            rvse_cncl_dvsn_cd: RVSE_CNCL_MODIFY.to_string(),
            ovrs_ord_unpr: us_price(UsOrdDvsn::Limit, Some(price))?,
            ..UsModifyCancelBody::cancel(account, exchange, ticker, order, remaining)?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> AccountNo {
        AccountNo::parse("81012345-01").unwrap()
    }

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn domestic_limit_order_body() {
        let code = KrxCode::parse("005930").unwrap();
        let order = OrderCash::new(
            &account(),
            Side::Buy,
            code,
            OrdDvsn::Limit,
            Qty::new(3),
            Some(p("70100")),
            InstrumentKind::Stock,
        )
        .unwrap();
        let pairs = order.body.pairs();
        let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("PDNO"), Some("005930"));
        assert_eq!(get("ORD_DVSN"), Some("00"));
        assert_eq!(get("ORD_QTY"), Some("3"));
        assert_eq!(get("ORD_UNPR"), Some("70100"));
        assert_eq!(get("CANO"), Some("81012345"));
        assert_eq!(get("SLL_TYPE"), None);
        let shown = format!("{order:?}");
        assert!(!shown.contains("81012345") && shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn domestic_refusals() {
        let code = KrxCode::parse("005930").unwrap();
        let acct = account();
        let build = |kind, qty, price| {
            OrderCash::new(&acct, Side::Sell, code, kind, Qty::new(qty), price, InstrumentKind::Stock)
        };
        assert_eq!(build(OrdDvsn::Limit, 0, Some(p("70100"))), Err(OrderBuildError::ZeroQty));
        assert_eq!(build(OrdDvsn::Limit, 1, Some(p("70150"))), Err(OrderBuildError::OffTick { price: p("70150") }));
        assert!(matches!(build(OrdDvsn::Limit, 1, None), Err(OrderBuildError::MissingPrice { code: "00", .. })));
        assert!(matches!(build(OrdDvsn::Market, 1, Some(p("70100"))), Err(OrderBuildError::UnexpectedPrice { .. })));
        assert_eq!(build(OrdDvsn::Market, 1, None).unwrap().body.ord_unpr, "0");
        assert_eq!(
            build(OrdDvsn::Limit, 1, Some(p("70100.5"))),
            Err(OrderBuildError::FractionalWon { price: p("70100.5") })
        );
        // ETFs keep a 5-won grid where a stock at the same price would need 10.
        let etf =
            OrderCash::new(&acct, Side::Buy, code, OrdDvsn::Limit, Qty::new(1), Some(p("10005")), InstrumentKind::Fund);
        assert!(etf.is_ok());
    }

    #[test]
    fn cancel_and_modify_bodies() {
        let id = OrderId::parse("06010", "1569157").unwrap();
        let cancel = OrderRvsecnclBody::cancel_all(&account(), id, OrdDvsn::Limit);
        assert_eq!(
            (cancel.krx_fwdg_ord_orgno.as_str(), cancel.orgn_odno.as_str(), cancel.rvse_cncl_dvsn_cd.as_str()),
            ("06010", "0001569157", "02")
        );
        assert_eq!((cancel.ord_qty.as_str(), cancel.qty_all_ord_yn.as_str()), ("0", "Y"));
        let modify = OrderRvsecnclBody::modify(
            &account(),
            id,
            OrdDvsn::Limit,
            Some(Qty::new(2)),
            Some(p("70200")),
            InstrumentKind::Stock,
        )
        .unwrap();
        assert_eq!(
            (modify.rvse_cncl_dvsn_cd.as_str(), modify.ord_unpr.as_str(), modify.qty_all_ord_yn.as_str()),
            ("01", "70200", "N")
        );
    }

    #[test]
    fn us_orders() {
        let tqqq = UsTicker::parse("TQQQ").unwrap();
        let buy = UsOrder::new(
            &account(),
            Side::Buy,
            UsExchange::Nasdaq,
            tqqq,
            UsOrdDvsn::Limit,
            Qty::new(5),
            Some(p("71.5")),
        )
        .unwrap();
        assert_eq!((buy.body.ovrs_excg_cd.as_str(), buy.body.ovrs_ord_unpr.as_str()), ("NASD", "71.50"));
        assert_eq!(buy.body.sll_type, None);
        let moc =
            UsOrder::new(&account(), Side::Sell, UsExchange::Nasdaq, tqqq, UsOrdDvsn::Moc, Qty::new(5), None).unwrap();
        assert_eq!((moc.body.ovrs_ord_unpr.as_str(), moc.body.sll_type.as_deref()), ("0", Some("00")));
        assert!(matches!(
            UsOrder::new(&account(), Side::Buy, UsExchange::Nasdaq, tqqq, UsOrdDvsn::Moo, Qty::new(1), None),
            Err(OrderBuildError::Kind(OrderKindError::WrongSide { .. }))
        ));
        assert_eq!(
            UsOrder::new(
                &account(),
                Side::Buy,
                UsExchange::Nasdaq,
                tqqq,
                UsOrdDvsn::Limit,
                Qty::new(1),
                Some(p("71.505"))
            ),
            Err(OrderBuildError::TooManyDecimals { price: p("71.505"), max: 2 })
        );
        let penny = UsOrder::new(
            &account(),
            Side::Buy,
            UsExchange::Amex,
            tqqq,
            UsOrdDvsn::Limit,
            Qty::new(1),
            Some(p("0.1234")),
        );
        assert_eq!(penny.unwrap().body.ovrs_ord_unpr, "0.1234");
        let id = OrderId::parse("01790", "4336").unwrap();
        let cancel = UsModifyCancelBody::cancel(&account(), UsExchange::Nyse, tqqq, id, Qty::new(5)).unwrap();
        assert_eq!(
            (cancel.ovrs_excg_cd.as_str(), cancel.orgn_odno.as_str(), cancel.ovrs_ord_unpr.as_str()),
            ("NYSE", "0000004336", "0")
        );
        let modify =
            UsModifyCancelBody::modify(&account(), UsExchange::Nyse, tqqq, id, Qty::new(5), p("71.5")).unwrap();
        assert_eq!(
            (modify.rvse_cncl_dvsn_cd.as_str(), modify.ord_qty.as_str(), modify.ovrs_ord_unpr.as_str()),
            ("01", "5", "71.50")
        );
        assert!(UsModifyCancelBody::modify(&account(), UsExchange::Nyse, tqqq, id, Qty::new(5), p("71.505")).is_err());
        assert!(UsModifyCancelBody::modify(&account(), UsExchange::Nyse, tqqq, id, Qty::ZERO, p("71.5")).is_err());
    }
}

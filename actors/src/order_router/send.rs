//! From an approved intent to KIS's order request, and from KIS's answer to what the journal records.
//!
//! Building happens before anything is journaled: an order the typed builders refuse (off the tick grid, a
//! US market order) costs no journal line, no request and no rate budget.

use std::collections::BTreeSet;

use kis_client::ClientError;
use kis_journal::{IntentRecord, IntentView, OrderKind, Origin};
use kis_model::tick_size::InstrumentKind;
use kis_model::{AccountNo, KrxCode, OrdDvsn, OrderId, Qty, Symbol};
use kis_protocol::error_class::ErrorClass;
use kis_protocol::rest::domestic_order::{OrderCash, OrderRvsecnclBody};
use kis_protocol::rest::order_builder::OrderBuildError;
use kis_protocol::rest::overseas_order::{UsModifyCancelBody, UsOrder};
use kis_strategy::risk::OrderIntent;
use thiserror::Error;

use crate::kis_api::ApiCallError;

/// The order request of one intent, in its market's form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderRequest {
    Krx(OrderCash),
    Us(UsOrder),
}

/// An intent ready to journal and send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedOrder {
    pub record: IntentRecord,
    pub request: OrderRequest,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PrepareError {
    #[error("US orders need a limit price (KIS has no US market order)")]
    UsMarketOrder,
    #[error("{order_type} orders are US auction orders; {symbol} is a KRX symbol")]
    AuctionOnKrx { symbol: Symbol, order_type: kis_strategy::OrderType },
    #[error("order for {symbol} refused before sending: {source}")]
    Build { symbol: Symbol, source: OrderBuildError },
}

/// ETNs are recognised by their code; ETFs only by a list (`funds`), as KRX codes do not tell.
pub fn instrument_of(code: KrxCode, funds: &BTreeSet<KrxCode>) -> InstrumentKind {
    if code.is_etn() || funds.contains(&code) { InstrumentKind::Fund } else { InstrumentKind::Stock }
}

/// The journal record and the request of `intent`. KRX: limit (`00`) with a price, market (`01`) without;
/// US: the intent's [`OrderType`](kis_strategy::OrderType) — limit `00`, LOO `32`, LOC `34` with the limit,
/// MOO `31`, MOC `33` at price `"0"` (journaled without a price, as KIS lists them at 0).
pub fn prepare(
    intent: &OrderIntent,
    account: &AccountNo,
    funds: &BTreeSet<KrxCode>,
) -> Result<PreparedOrder, PrepareError> {
    let build = |source| PrepareError::Build { symbol: intent.symbol, source };
    let (kind, request, price) = match intent.symbol {
        Symbol::Krx(_) if intent.order_type.is_auction() => {
            return Err(PrepareError::AuctionOnKrx { symbol: intent.symbol, order_type: intent.order_type });
        }
        Symbol::Krx(code) => {
            let kind = if intent.limit.is_some() { OrdDvsn::Limit } else { OrdDvsn::Market };
            let order =
                OrderCash::new(account, intent.side, code, kind, intent.qty, intent.limit, instrument_of(code, funds))
                    .map_err(build)?;
            (OrderKind::Krx(kind), OrderRequest::Krx(order), intent.limit)
        }
        Symbol::Us(exchange, ticker) => {
            if intent.limit.is_none() {
                return Err(PrepareError::UsMarketOrder);
            }
            let code = intent.order_type.us_ord_dvsn();
            let price = if intent.order_type.sends_price() { intent.limit } else { None };
            let order = UsOrder::new(account, intent.side, exchange, ticker, code, intent.qty, price).map_err(build)?;
            (OrderKind::Us(code), OrderRequest::Us(order), price)
        }
    };
    let record = IntentRecord {
        symbol: intent.symbol,
        side: intent.side,
        kind,
        qty: intent.qty,
        price,
        strategy: intent.strategy_id.clone(),
        origin: Origin::Daemon,
    };
    Ok(PreparedOrder { record, request })
}

/// The cancel request of an intent's unfilled rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelRequest {
    Krx(OrderRvsecnclBody),
    Us(UsModifyCancelBody),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CancelBuildError {
    #[error("intent {0} has no broker order number to cancel")]
    NoOrder(kis_model::ClientOrderId),
    #[error("intent {id}: journaled kind does not fit its symbol {symbol}")]
    KindMismatch { id: kis_model::ClientOrderId, symbol: Symbol },
    #[error(transparent)]
    Build(#[from] OrderBuildError),
}

/// KRX: cancel all that remains (`QTY_ALL_ORD_YN Y`); US: cancel the unfilled quantity, which KIS requires.
pub fn cancel_request(view: &IntentView, account: &AccountNo) -> Result<(OrderId, CancelRequest), CancelBuildError> {
    let order = view.order_id.ok_or(CancelBuildError::NoOrder(view.id))?;
    let mismatch = || CancelBuildError::KindMismatch { id: view.id, symbol: view.record.symbol };
    let request = match (view.record.symbol, view.record.kind) {
        (Symbol::Krx(_), OrderKind::Krx(kind)) => {
            CancelRequest::Krx(OrderRvsecnclBody::cancel_all(account, order, kind))
        }
        (Symbol::Us(exchange, ticker), OrderKind::Us(_)) => {
            let remaining: Qty = view.record.qty.saturating_sub(view.filled);
            CancelRequest::Us(UsModifyCancelBody::cancel(account, exchange, ticker, order, remaining)?)
        }
        _ => return Err(mismatch()),
    };
    Ok((order, request))
}

/// The modify request that re-prices an intent's unfilled rest (both markets take it on the same path as a
/// cancel; KIS answers with the modify's own order number).
pub type ModifyRequest = CancelRequest;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModifyBuildError {
    #[error(transparent)]
    Order(#[from] CancelBuildError),
    #[error("intent {0} has no limit price to modify (a market or auction order)")]
    NotALimit(kis_model::ClientOrderId),
    #[error("intent {0} has nothing left unfilled to modify")]
    NothingLeft(kis_model::ClientOrderId),
}

/// KRX: the whole remainder at the new limit (`QTY_ALL_ORD_YN Y`); US: the unfilled quantity, which KIS
/// requires. Only limit orders are re-priced.
pub fn modify_request(
    view: &IntentView,
    account: &AccountNo,
    price: kis_model::Price,
    funds: &BTreeSet<KrxCode>,
) -> Result<(OrderId, ModifyRequest), ModifyBuildError> {
    let order = view.order_id.ok_or(CancelBuildError::NoOrder(view.id))?;
    let remaining: Qty = view.record.qty.saturating_sub(view.filled);
    if remaining.is_zero() {
        return Err(ModifyBuildError::NothingLeft(view.id));
    }
    let mismatch = || CancelBuildError::KindMismatch { id: view.id, symbol: view.record.symbol };
    let request = match (view.record.symbol, view.record.kind) {
        (Symbol::Krx(code), OrderKind::Krx(OrdDvsn::Limit)) => CancelRequest::Krx(
            OrderRvsecnclBody::modify(account, order, OrdDvsn::Limit, None, Some(price), instrument_of(code, funds))
                .map_err(CancelBuildError::from)?,
        ),
        (Symbol::Us(exchange, ticker), OrderKind::Us(kis_model::UsOrdDvsn::Limit)) => CancelRequest::Us(
            UsModifyCancelBody::modify(account, exchange, ticker, order, remaining, price)
                .map_err(CancelBuildError::from)?,
        ),
        (Symbol::Krx(_), OrderKind::Krx(_)) | (Symbol::Us(..), OrderKind::Us(_)) => {
            return Err(ModifyBuildError::NotALimit(view.id));
        }
        _ => return Err(mismatch().into()),
    };
    Ok((order, request))
}

/// How a failed order (or cancel) POST ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// KIS answered no (`msg_cd`, `msg1`): nothing was executed.
    Refused { code: String, message: String },
    /// The request certainly never executed (no connection, no token, not buildable).
    NotExecuted(String),
    /// The broker may have executed it; only its order list can tell. Never resend.
    Uncertain(String),
}

/// Sorts a failed call. Unknown answers count as uncertain: asking the order list costs one inquiry, a
/// wrong "not executed" could double an order.
pub fn classify_failure(error: &ApiCallError, account: &AccountNo) -> SendFailure {
    let detail = scrub(&error.to_string(), account);
    if error.is_uncertain() {
        return SendFailure::Uncertain(detail);
    }
    if let Some(class) = error.class() {
        return match (class, error.kis_message()) {
            (ErrorClass::Transient | ErrorClass::Malformed | ErrorClass::Unknown, _) | (_, None) => {
                SendFailure::Uncertain(detail)
            }
            (_, Some((code, message))) => {
                SendFailure::Refused { code: code.trim().to_string(), message: scrub(message.trim(), account) }
            }
        };
    }
    match error {
        // A transport failure that is not uncertain happened before the request left (connect).
        ApiCallError::Auth(kis_auth::AuthError::Client(ClientError::Transport { .. }))
        | ApiCallError::Auth(kis_auth::AuthError::Client(ClientError::Build { .. }))
        | ApiCallError::Auth(kis_auth::AuthError::Client(ClientError::NotOnEnvironment { .. }))
        | ApiCallError::Auth(kis_auth::AuthError::IssueRefused { .. })
        | ApiCallError::Auth(kis_auth::AuthError::FreshTokenRefused) => SendFailure::NotExecuted(detail),
        _ => SendFailure::Uncertain(detail),
    }
}

/// Error texts pass through here before they reach a log or a message: the account number must never
/// appear (a transport error may quote a request).
pub fn scrub(text: &str, account: &AccountNo) -> String {
    let cano = account.cano();
    if cano.is_empty() { text.to_string() } else { text.replace(cano, "<account>") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_journal::{IntentBook, StrategyId};
    use kis_model::{Price, Side, UsExchange};
    use kis_protocol::error_class::ApiError;
    use kis_strategy::signal::SignalKind;

    fn account() -> AccountNo {
        AccountNo::from_parts("50012345", "01").unwrap()
    }

    fn intent(symbol: &str, limit: Option<&str>) -> OrderIntent {
        OrderIntent {
            symbol: symbol.parse().unwrap(),
            side: Side::Buy,
            qty: Qty::new(3),
            limit: limit.map(|p| p.parse().unwrap()),
            order_type: kis_strategy::OrderType::Limit,
            kind: SignalKind::Entry,
            strategy_id: kis_strategy::StrategyId::new("krx-scalping"),
            reason: "test".into(),
        }
    }

    #[test]
    fn krx_limit_and_market_orders() {
        let funds = BTreeSet::new();
        let limit = prepare(&intent("005930", Some("70100")), &account(), &funds).unwrap();
        assert_eq!(limit.record.kind, OrderKind::Krx(OrdDvsn::Limit));
        assert_eq!((limit.record.qty, limit.record.price), (Qty::new(3), Some(Price::from_won(70100))));
        assert_eq!(limit.record.strategy, StrategyId::new("krx-scalping"));
        let OrderRequest::Krx(order) = &limit.request else { panic!("not a KRX order") };
        assert_eq!((order.body.ord_dvsn.as_str(), order.body.ord_unpr.as_str()), ("00", "70100"));
        let market = prepare(&intent("005930", None), &account(), &funds).unwrap();
        let OrderRequest::Krx(order) = &market.request else { panic!("not a KRX order") };
        assert_eq!((order.body.ord_dvsn.as_str(), order.body.ord_unpr.as_str()), ("01", "0"));
        assert_eq!(market.record.price, None);
    }

    #[test]
    fn refusals_before_sending() {
        let funds = BTreeSet::new();
        let off_tick = prepare(&intent("005930", Some("70150")), &account(), &funds).unwrap_err();
        assert_eq!(
            off_tick.to_string(),
            "order for 005930 refused before sending: price 70150 is not on the KRX tick grid"
        );
        // The same price is on the grid of an ETF.
        let etf: KrxCode = KrxCode::parse("069500").unwrap();
        let funds: BTreeSet<KrxCode> = [etf].into_iter().collect();
        assert!(prepare(&intent("069500", Some("70150")), &account(), &funds).is_ok());
        assert_eq!(instrument_of(etf, &funds), InstrumentKind::Fund);
        assert_eq!(instrument_of(KrxCode::parse("005930").unwrap(), &funds), InstrumentKind::Stock);
        assert_eq!(prepare(&intent("NASD:TQQQ", None), &account(), &funds), Err(PrepareError::UsMarketOrder));
    }

    #[test]
    fn us_limit_order_and_cancels() {
        let funds = BTreeSet::new();
        let us = prepare(&intent("NASD:TQQQ", Some("71.5")), &account(), &funds).unwrap();
        let OrderRequest::Us(order) = &us.request else { panic!("not a US order") };
        assert_eq!((order.body.ovrs_excg_cd.as_str(), order.body.ovrs_ord_unpr.as_str()), ("NASD", "71.50"));
        assert_eq!(us.record.kind, OrderKind::Us(kis_model::UsOrdDvsn::Limit));
        // Auction kinds: LOC keeps its limit, MOC goes out at "0" and is journaled without a price.
        let with = |t, side| OrderIntent { order_type: t, side, ..intent("NASD:TQQQ", Some("71.5")) };
        let loc = prepare(&with(kis_strategy::OrderType::Loc, Side::Buy), &account(), &funds).unwrap();
        let OrderRequest::Us(order) = &loc.request else { panic!("not a US order") };
        assert_eq!((order.body.ord_dvsn.as_str(), order.body.ovrs_ord_unpr.as_str()), ("34", "71.50"));
        assert_eq!(
            (loc.record.kind, loc.record.price),
            (OrderKind::Us(kis_model::UsOrdDvsn::Loc), Some(Price::new(rust_decimal::Decimal::new(715, 1)).unwrap()))
        );
        let moc = prepare(&with(kis_strategy::OrderType::Moc, Side::Sell), &account(), &funds).unwrap();
        let OrderRequest::Us(order) = &moc.request else { panic!("not a US order") };
        assert_eq!((order.body.ord_dvsn.as_str(), order.body.ovrs_ord_unpr.as_str()), ("33", "0"));
        assert_eq!((moc.record.kind, moc.record.price), (OrderKind::Us(kis_model::UsOrdDvsn::Moc), None));
        assert!(matches!(
            prepare(&with(kis_strategy::OrderType::Moo, Side::Buy), &account(), &funds),
            Err(PrepareError::Build { .. })
        ));
        let krx = OrderIntent { order_type: kis_strategy::OrderType::Loo, ..intent("005930", Some("70100")) };
        assert!(matches!(prepare(&krx, &account(), &funds), Err(PrepareError::AuctionOnKrx { .. })));

        let entries = |record: IntentRecord, order_no: &str| {
            let id = kis_model::ClientOrderId(1);
            let ts = chrono::DateTime::from_timestamp(0, 0).unwrap();
            vec![
                kis_journal::Entry { ts, id, event: kis_journal::Event::Intent(record) },
                kis_journal::Entry {
                    ts,
                    id,
                    event: kis_journal::Event::Acked { order_id: OrderId::parse("01790", order_no).unwrap() },
                },
            ]
        };
        let book = IntentBook::fold(&entries(us.record.clone(), "4336")).unwrap();
        let (order, CancelRequest::Us(body)) =
            cancel_request(book.get(kis_model::ClientOrderId(1)).unwrap(), &account()).unwrap()
        else {
            panic!("not a US cancel")
        };
        assert_eq!(order.order_no.value(), 4336);
        assert_eq!((body.ovrs_excg_cd.as_str(), body.ord_qty.as_str()), (UsExchange::Nasdaq.order_code(), "3"));

        let krx = prepare(&intent("005930", Some("70100")), &account(), &funds).unwrap();
        let book = IntentBook::fold(&entries(krx.record.clone(), "99")).unwrap();
        let (_, CancelRequest::Krx(body)) =
            cancel_request(book.get(kis_model::ClientOrderId(1)).unwrap(), &account()).unwrap()
        else {
            panic!("not a KRX cancel")
        };
        assert_eq!(
            (body.orgn_odno.as_str(), body.rvse_cncl_dvsn_cd.as_str(), body.qty_all_ord_yn.as_str()),
            ("0000000099", "02", "Y")
        );

        let unacked = IntentBook::fold(&entries(krx.record, "99")[..1]).unwrap();
        assert_eq!(
            cancel_request(unacked.get(kis_model::ClientOrderId(1)).unwrap(), &account()),
            Err(CancelBuildError::NoOrder(kis_model::ClientOrderId(1)))
        );
    }

    fn api_error(status: u16, code: &str, msg: &str) -> ApiCallError {
        ApiCallError::Auth(kis_auth::AuthError::Client(ClientError::Api(ApiError::from_body(status, "1", code, msg))))
    }

    #[test]
    fn failures_are_sorted_by_what_the_broker_may_have_done() {
        let acct = account();
        assert_eq!(
            classify_failure(&api_error(200, "APBK0507", " 상하한가 범위를 벗어난 주문입니다. "), &acct),
            SendFailure::Refused {
                code: "APBK0507".into(), message: "상하한가 범위를 벗어난 주문입니다.".into()
            }
        );
        // A gateway refusal after the client's retries: not executed, but an answer with a code.
        assert!(matches!(classify_failure(&api_error(500, "EGW00201", "rate"), &acct), SendFailure::Refused { .. }));
        // A gateway code nobody knows: ask the order list.
        assert!(matches!(classify_failure(&api_error(500, "EGW09999", "?"), &acct), SendFailure::Uncertain(_)));
        let cut = ApiCallError::Auth(kis_auth::AuthError::Client(ClientError::Transport {
            path: "/order",
            detail: "timeout 50012345".into(),
            uncertain: true,
        }));
        let SendFailure::Uncertain(detail) = classify_failure(&cut, &acct) else { panic!("not uncertain") };
        assert!(!detail.contains("50012345") && detail.contains("<account>"), "{detail}");
        let refused_connect = ApiCallError::Auth(kis_auth::AuthError::Client(ClientError::Transport {
            path: "/order",
            detail: "connection refused".into(),
            uncertain: false,
        }));
        assert!(matches!(classify_failure(&refused_connect, &acct), SendFailure::NotExecuted(_)));
        let no_token = ApiCallError::Auth(kis_auth::AuthError::IssueRefused { attempts: 3 });
        assert!(matches!(classify_failure(&no_token, &acct), SendFailure::NotExecuted(_)));
    }
}

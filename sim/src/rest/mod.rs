//! The KIS REST service. One entry point routes by path; `/uapi` calls go through the KIS header checks
//! (appkey, appsecret, bearer token, rate limit, `tr_id` for the path and environment) before the endpoint
//! family's handler runs under the state lock.

mod asking_price;
mod daily;
mod domestic_account;
mod domestic_order;
mod domestic_quote;
mod inquire_price;
mod oauth;
pub mod order_faults;
mod overseas;
mod overseas_detail;
mod overseas_present_balance;
pub mod product_info;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use kis_model::Environment;
use kis_protocol::rest::asking_price as ap;
use kis_protocol::rest::overseas_detail as od;
use kis_protocol::rest::overseas_present_balance as opb;
use kis_protocol::rest::{domestic_account as da, domestic_order as dord, domestic_quote as dq, domestic_rank as dr};
use kis_protocol::rest::{overseas_account as oa, overseas_order as oo, overseas_quote as oq, product_info as pi};
use kis_protocol::tr_id::{Op, accepts};
use serde::Serialize;

use crate::exchange::{Exchange, Shared, lock};
use crate::faults::{OrderFault, RestFault};
use crate::kis_error::{self as kis, KisError};

/// Decoded request parameters (query string or JSON body), names as sent.
pub type Params = Vec<(String, String)>;

/// A successful `/uapi` answer: the body and the `tr_cont` response header.
pub struct Answer {
    pub body: serde_json::Value,
    pub tr_cont: &'static str,
}

pub type Handled = Result<Answer, KisError>;

/// What a handler gets besides the state.
pub struct Call<'a> {
    pub account: usize,
    pub op: Op,
    pub params: &'a Params,
    /// Request `tr_cont` (`N` asks for the next page).
    pub tr_cont: &'a str,
    /// The client's address, which KIS lists against its Open API orders (`inqr_ip_addr`).
    pub peer: Option<std::net::IpAddr>,
}

/// A reply body in KIS's envelope.
pub fn ok<B: Serialize>(msg_cd: &str, msg1: &str, body: B) -> Handled {
    let reply = kis_protocol::rest::Reply::ok(msg_cd, msg1, body);
    let body = serde_json::to_value(&reply).map_err(|_| kis::BAD_REQUEST)?;
    Ok(Answer { body, tr_cont: "" })
}

/// Inquiry success (`MCA00000`).
pub fn inquiry<B: Serialize>(body: B) -> Handled {
    ok("MCA00000", "정상처리 되었습니다.", body)
}

type Handler = fn(&mut Exchange, &Call<'_>) -> Handled;

/// Path → (operations served there, handler).
fn route(path: &str) -> Option<(&'static [Op], Handler)> {
    use kis_protocol::rest::RestRequest;
    Some(match path {
        dq::INQUIRE_PRICE_PATH => (dq::InquirePriceRequest::OPS, inquire_price::price),
        ap::ASKING_PRICE_PATH => (ap::AskingPriceRequest::OPS, asking_price::asking_price),
        dq::MINUTE_TODAY_PATH => (dq::MinuteTodayRequest::OPS, domestic_quote::minute_today),
        dq::MINUTE_BY_DAY_PATH => (dq::MinuteByDayRequest::OPS, domestic_quote::minute_by_day),
        dq::PERIOD_CANDLES_PATH => (dq::PeriodCandlesRequest::OPS, domestic_quote::period),
        dq::DAILY_PRICE_PATH => (dq::DailyPriceRequest::OPS, daily::daily_price),
        dr::VOLUME_RANK_PATH => (dr::VolumeRankRequest::OPS, domestic_quote::volume_rank),
        dr::FLUCTUATION_RANK_PATH => (dr::FluctuationRankRequest::OPS, domestic_quote::fluctuation_rank),
        dord::ORDER_CASH_PATH => (dord::OrderCash::OPS, domestic_order::order_cash),
        dord::ORDER_RVSECNCL_PATH => (dord::OrderRvsecnclBody::OPS, domestic_order::rvsecncl),
        da::BALANCE_PATH => (da::BalanceRequest::OPS, domestic_account::balance),
        da::BUYABLE_PATH => (da::BuyableRequest::OPS, domestic_account::buyable),
        da::DAILY_CCLD_PATH => (da::DailyCcld::OPS, domestic_account::daily_ccld),
        da::MODIFIABLE_PATH => (da::ModifiableRequest::OPS, domestic_account::modifiable),
        oo::ORDER_PATH => (oo::UsOrder::OPS, overseas::order),
        oo::ORDER_RVSECNCL_PATH => (oo::UsModifyCancelBody::OPS, overseas::rvsecncl),
        oq::PRICE_PATH => (oq::UsPriceRequest::OPS, overseas::price),
        od::PRICE_DETAIL_PATH => (od::UsPriceDetailRequest::OPS, overseas_detail::price_detail),
        oq::MINUTE_CANDLES_PATH => (oq::UsMinuteCandlesRequest::OPS, overseas::minute_candles),
        oq::DAILY_PRICE_PATH => (oq::UsDailyPriceRequest::OPS, overseas::daily_price),
        oa::BALANCE_PATH => (oa::UsBalanceRequest::OPS, overseas::balance),
        opb::PRESENT_BALANCE_PATH => (opb::UsPresentBalanceRequest::OPS, overseas_present_balance::present_balance),
        oa::BUYABLE_PATH => (oa::UsBuyableRequest::OPS, overseas::buyable),
        oa::UNFILLED_PATH => (oa::UsUnfilledRequest::OPS, overseas::unfilled),
        oa::ORDER_HISTORY_PATH => (oa::UsOrderHistoryRequest::OPS, overseas::order_history),
        oa::DAY_OR_NIGHT_PATH => (oa::DayOrNightRequest::OPS, overseas::day_or_night),
        pi::SEARCH_INFO_PATH => (pi::SearchInfoRequest::OPS, product_info::search_info),
        _ => return None,
    })
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
    req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

pub fn error_response(e: &KisError, gateway_status: u16) -> HttpResponse {
    let status = if e.is_gateway() && e.http_status == 500 { gateway_status } else { e.http_status };
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .content_type("application/json; charset=utf-8")
        .body(e.body())
}

/// The operation a `tr_id` selects among `ops` on `env`, or the KIS error for a wrong one.
fn resolve_op(ops: &[Op], env: Environment, tr_id: &str) -> Result<Op, KisError> {
    if let Some(op) = ops.iter().copied().find(|&op| accepts(op, env, tr_id)) {
        return Ok(op);
    }
    let other = match env {
        Environment::Real => Environment::Paper,
        Environment::Paper => Environment::Real,
    };
    if ops.iter().any(|&op| accepts(op, other, tr_id)) { Err(kis::NOT_ON_THIS_ENV) } else { Err(kis::BAD_TR_ID) }
}

fn decode_params(req: &HttpRequest, body: &[u8]) -> Result<Params, KisError> {
    if req.method() == actix_web::http::Method::GET {
        web::Query::<Params>::from_query(req.query_string()).map(web::Query::into_inner).map_err(|_| kis::BAD_REQUEST)
    } else if body.iter().all(u8::is_ascii_whitespace) {
        Ok(Vec::new())
    } else {
        kis_protocol::rest::wire::json_object_pairs(body).map_err(|_| kis::BAD_REQUEST)
    }
}

/// Largest request body read (the biggest KIS request is a few hundred bytes).
const MAX_BODY: usize = 1 << 20;

/// Every REST request lands here: REST faults first, then (order POSTs only) the order fault, then the call.
pub async fn entry(req: HttpRequest, payload: web::Payload, shared: web::Data<Shared>) -> HttpResponse {
    let (fault, gateway_status) = {
        let mut ex = lock(&shared);
        ex.stats.rest_calls += 1;
        (ex.faults.next_rest(), ex.cfg.rest.gateway_error_status)
    };
    match fault {
        RestFault::Http500 => return HttpResponse::InternalServerError().finish(),
        RestFault::RateLimit => return error_response(&kis::RATE_LIMITED, gateway_status),
        RestFault::Delay(d) => actix_web::rt::time::sleep(d).await,
        RestFault::None => {}
    }
    let order_fault =
        if order_faults::is_order_post(&req) { lock(&shared).faults.next_order() } else { OrderFault::None };
    if order_fault == OrderFault::DropMidBody {
        return order_faults::drop_mid_body(&req, payload).await;
    }
    let body = match payload.to_bytes_limited(MAX_BODY).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => return error_response(&kis::BAD_REQUEST, gateway_status),
        Err(_) => return HttpResponse::PayloadTooLarge().body(format!("a request body is at most {MAX_BODY} bytes")),
    };
    if order_fault == OrderFault::DropBeforeExecute {
        order_faults::drop_connection(&req);
        return order_faults::cut_response();
    }
    let response = serve(&req, &body, &shared, gateway_status);
    match order_fault {
        OrderFault::ExecuteDropReply => {
            order_faults::drop_connection(&req);
            order_faults::cut_response()
        }
        OrderFault::ExecuteLateReply(d) => {
            actix_web::rt::time::sleep(d).await;
            response
        }
        OrderFault::None | OrderFault::DropBeforeExecute | OrderFault::DropMidBody => response,
    }
}

/// Serves one call under the state lock: OAuth, or a `/uapi` endpoint after KIS's header checks.
fn serve(req: &HttpRequest, body: &[u8], shared: &Shared, gateway_status: u16) -> HttpResponse {
    let path = req.path().to_string();
    let mut ex = lock(shared);
    if let Some(resp) = oauth::handle(&mut ex, &path, req, body) {
        return resp;
    }
    let Some((ops, handler)) = route(&path) else {
        return HttpResponse::NotFound().content_type("text/plain").body(format!("no KIS endpoint at {path}"));
    };
    let result = (|| {
        let account = ex.authorize(header(req, "appkey"), header(req, "appsecret"), header(req, "authorization"))?;
        let tr_id = header(req, "tr_id");
        let op = resolve_op(ops, ex.env(), tr_id)?;
        ex.count_served(account, op);
        let params = decode_params(req, body)?;
        let peer = req.peer_addr().map(|a| a.ip());
        let call = Call { account, op, params: &params, tr_cont: header(req, "tr_cont"), peer };
        handler(&mut ex, &call).map(|a| (a, tr_id.to_string()))
    })();
    match result {
        Ok((answer, tr_id)) => HttpResponse::Ok()
            .content_type("application/json; charset=utf-8")
            .insert_header(("tr_id", tr_id))
            .insert_header(("tr_cont", answer.tr_cont))
            .insert_header(("gt_uid", format!("{:032x}", ex.stats.rest_calls)))
            .body(answer.body.to_string()),
        Err(e) => error_response(&e, gateway_status),
    }
}

/// A `wire_request!` decoder.
pub type FromPairs<T> = fn(&[(String, String)]) -> Result<T, kis_protocol::rest::RequestError>;

/// A request record from the parameters, or the KIS error for a missing one.
pub fn decode<T>(params: &Params, f: FromPairs<T>) -> Result<T, KisError> {
    f(params).map_err(|_| kis::BAD_REQUEST)
}

/// The account named in a request must be the appkey's own when accounts are listed; opened-on-use
/// accounts take any well-formed CANO/ACNT_PRDT_CD and adopt the last one used, so that fill notices name
/// the account the client trades with (KIS's notices carry the client's own account number).
pub fn check_account(ex: &mut Exchange, call: &Call<'_>, cano: &str, prdt: &str) -> Result<(), KisError> {
    let a = &mut ex.accounts[call.account];
    let (cano, prdt) = (cano.trim(), prdt.trim());
    if a.strict {
        if a.cano != cano || a.acnt_prdt_cd != prdt {
            return Err(kis::BAD_ACCOUNT);
        }
    } else if is_digits(cano, 8) && is_digits(prdt, 2) && (a.cano != cano || a.acnt_prdt_cd != prdt) {
        a.cano = cano.to_string();
        a.acnt_prdt_cd = prdt.to_string();
    }
    Ok(())
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// KRX order time `HHMMSS` (KST) of the current virtual time.
pub fn ord_tmd(ex: &Exchange) -> String {
    kis_model::kst::kst_of(ex.now).format("%H%M%S").to_string()
}

//! `tokenP`, `revokeP`, `Approval` and `hashkey`: no bearer token, no `rt_cd` envelope on the OAuth ones.

use actix_web::{HttpRequest, HttpResponse};
use kis_protocol::rest::oauth::{
    APPROVAL_PATH, ApprovalRequest, HASHKEY_PATH, REVOKE_PATH, RevokeRequest, TOKEN_PATH, TokenRequest,
};
use serde_json::json;

use crate::exchange::Exchange;
use crate::kis_error::{self as kis, KisError};
use crate::rest::error_response;
use kis_model::kst::kst;

fn json_ok(v: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json; charset=utf-8").body(v.to_string())
}

/// OAuth endpoints report errors as `error_code`/`error_description` beside the usual triple.
fn oauth_error(e: &KisError, status: u16) -> HttpResponse {
    let body = json!({
        "error_code": e.msg_cd, "error_description": e.msg1,
        "rt_cd": e.rt_cd, "msg_cd": e.msg_cd, "msg1": e.msg1,
    });
    let code = actix_web::http::StatusCode::from_u16(if e.is_gateway() && e.http_status == 500 {
        status
    } else {
        e.http_status
    })
    .unwrap_or(actix_web::http::StatusCode::FORBIDDEN);
    HttpResponse::build(code).content_type("application/json; charset=utf-8").body(body.to_string())
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, KisError> {
    serde_json::from_slice(body).map_err(|_| kis::BAD_REQUEST)
}

/// Handles the OAuth paths; `None` for any other path.
pub fn handle(ex: &mut Exchange, path: &str, req: &HttpRequest, body: &[u8]) -> Option<HttpResponse> {
    let status = ex.cfg.rest.gateway_error_status;
    Some(match path {
        TOKEN_PATH => {
            let result = parse::<TokenRequest>(body).and_then(|r| {
                if r.grant_type != "client_credentials" {
                    return Err(kis::BAD_REQUEST);
                }
                ex.issue_token(r.appkey.expose(), r.appsecret.expose())
            });
            match result {
                Ok((token, expires, secs)) => json_ok(json!({
                    "access_token": token,
                    "access_token_token_expired": expires.with_timezone(&kst()).format("%Y-%m-%d %H:%M:%S").to_string(),
                    "token_type": "Bearer",
                    "expires_in": secs,
                })),
                Err(e) => oauth_error(&e, status),
            }
        }
        REVOKE_PATH => {
            match parse::<RevokeRequest>(body)
                .and_then(|r| ex.revoke_token(r.appkey.expose(), r.appsecret.expose(), r.token.expose()))
            {
                Ok(()) => json_ok(json!({"code": 200, "message": "접근토큰 폐기에 성공하였습니다"})),
                Err(e) => oauth_error(&e, status),
            }
        }
        APPROVAL_PATH => {
            match parse::<ApprovalRequest>(body)
                .and_then(|r| ex.issue_approval(r.appkey.expose(), r.secretkey.expose()))
            {
                Ok(key) => json_ok(json!({ "approval_key": key })),
                Err(e) => oauth_error(&e, status),
            }
        }
        HASHKEY_PATH => {
            let appkey = req.headers().get("appkey").and_then(|v| v.to_str().ok()).unwrap_or("");
            let secret = req.headers().get("appsecret").and_then(|v| v.to_str().ok()).unwrap_or("");
            match ex.account_for(appkey, secret) {
                Ok(_) => {
                    let body_json: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
                    // The digest only has to be stable per body: orders are accepted with or without it.
                    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                    for b in body {
                        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
                    }
                    json_ok(json!({ "JsonBody": body_json, "HASH": format!("{h:016x}{:016x}", h.rotate_left(17)) }))
                }
                Err(e) => error_response(&e, status),
            }
        }
        _ => return None,
    })
}

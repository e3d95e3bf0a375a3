//! From (HTTP status, body bytes) to a typed reply or a classified [`ApiError`].
//!
//! KIS puts the verdict in the body and uses the status inconsistently (EGW errors usually 500, sometimes
//! 200; OAuth errors 403; business errors 200), so the body is always read first and the status only breaks
//! ties when the body is unusable.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error_class::ApiError;
use crate::rest::envelope::{RT_CD_NO_DATA, RT_CD_OK, Reply, lowercase_keys};

/// Decode a `/uapi` reply. `rt_cd "0"` → the parsed reply; `rt_cd "7"` → a reply with an empty body (no
/// data is a result, not an error); any other `rt_cd`, an OAuth-style `error_code`, or an unusable body →
/// a classified error. Keys are matched case-insensitively.
pub fn decode_reply<B>(http_status: u16, body: &[u8]) -> Result<Reply<B>, ApiError>
where
    B: DeserializeOwned + Default,
{
    let value = parse_object(http_status, body)?;
    match status_of(&value) {
        Status::Ok => serde_json::from_value::<Reply<B>>(value)
            .map_err(|e| ApiError::unreadable(http_status, false, format!("unexpected reply shape: {e}"))),
        Status::NoData { msg_cd, msg1 } => {
            Ok(Reply { rt_cd: RT_CD_NO_DATA.to_string(), msg_cd, msg1, body: B::default() })
        }
        Status::Failed { rt_cd, msg_cd, msg1 } => Err(ApiError::from_body(http_status, &rt_cd, &msg_cd, &msg1)),
        Status::Absent => Err(ApiError::unreadable(http_status, false, "reply has no rt_cd".to_string())),
    }
}

/// Decode a reply without the `rt_cd` envelope (`/oauth2/*`, `/uapi/hashkey`). Errors on those endpoints
/// come as `{"error_code": "EGW00133", "error_description": "…"}` (usually HTTP 403), or occasionally in the
/// `rt_cd` form; both are classified.
pub fn decode_plain<T>(http_status: u16, body: &[u8]) -> Result<T, ApiError>
where
    T: DeserializeOwned,
{
    let value = parse_object(http_status, body)?;
    match status_of(&value) {
        Status::Failed { rt_cd, msg_cd, msg1 } => return Err(ApiError::from_body(http_status, &rt_cd, &msg_cd, &msg1)),
        Status::NoData { msg_cd, msg1 } => return Err(ApiError::from_body(http_status, RT_CD_NO_DATA, &msg_cd, &msg1)),
        Status::Ok | Status::Absent => {}
    }
    if !(200..300).contains(&http_status) {
        return Err(ApiError::from_body(http_status, "", "", &format!("HTTP {http_status} without an error code")));
    }
    serde_json::from_value::<T>(value)
        .map_err(|e| ApiError::unreadable(http_status, false, format!("unexpected reply shape: {e}")))
}

/// Classify a reply without decoding its outputs: `None` if it is a success or "no data".
pub fn classify_reply(http_status: u16, body: &[u8]) -> Option<ApiError> {
    let value = match parse_object(http_status, body) {
        Ok(value) => value,
        Err(error) => return Some(error),
    };
    match status_of(&value) {
        Status::Ok | Status::NoData { .. } => None,
        Status::Failed { rt_cd, msg_cd, msg1 } => Some(ApiError::from_body(http_status, &rt_cd, &msg_cd, &msg1)),
        Status::Absent => Some(ApiError::unreadable(http_status, false, "reply has no rt_cd".to_string())),
    }
}

fn parse_object(http_status: u16, body: &[u8]) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let truncated = e.is_eof();
        ApiError::unreadable(http_status, truncated, format!("body is not JSON: {e}"))
    })?;
    match value {
        Value::Object(_) => Ok(lowercase_keys(value)),
        _ => Err(ApiError::unreadable(http_status, false, "body is not a JSON object".to_string())),
    }
}

enum Status {
    Ok,
    NoData {
        msg_cd: String,
        msg1: String,
    },
    Failed {
        rt_cd: String,
        msg_cd: String,
        msg1: String,
    },
    /// Neither `rt_cd` nor `error_code`: an envelope-less success (OAuth) or garbage.
    Absent,
}

/// Text of a scalar; KIS types codes as strings but examples show numbers (`"code": 200`).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn status_of(value: &Value) -> Status {
    let rt_cd = text(value.get("rt_cd"));
    let msg_cd = text(value.get("msg_cd"));
    let msg1 = text(value.get("msg1"));
    match rt_cd {
        Some(rt_cd) => match rt_cd.trim() {
            RT_CD_OK => Status::Ok,
            RT_CD_NO_DATA => Status::NoData { msg_cd: msg_cd.unwrap_or_default(), msg1: msg1.unwrap_or_default() },
            _ => Status::Failed { rt_cd, msg_cd: msg_cd.unwrap_or_default(), msg1: msg1.unwrap_or_default() },
        },
        None => match text(value.get("error_code")) {
            Some(code) => Status::Failed {
                rt_cd: String::new(),
                msg_cd: code,
                msg1: text(value.get("error_description")).unwrap_or_default(),
            },
            None => Status::Absent,
        },
    }
}

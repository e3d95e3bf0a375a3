//! JSON control messages (kis-protocol.md §8.3–8.4): subscribe replies, errors and PINGPONG. The `msg_cd`
//! table lives only in [`ControlCode`]; several entries are unconfirmed, so an unknown code is a typed
//! [`Control::Unknown`] the caller can log, never a decode error.

use serde::Serialize;
use serde_json::{Map, Value};

use super::error::WsError;
use super::tr_id::WsTrId;

/// The `msg_cd` values of WebSocket replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlCode {
    /// `OPSP0000` SUBSCRIBE SUCCESS; carries the notice iv/key.
    SubscribeSuccess,
    /// `OPSP0001` UNSUBSCRIBE SUCCESS (two sources).
    UnsubscribeSuccess,
    /// `OPSP0002` ALREADY IN SUBSCRIBE: duplicate register, harmless.
    AlreadySubscribed,
    /// `OPSP0003` not subscribed (text unconfirmed).
    NotSubscribed,
    /// `OPSP0007` internal error.
    InternalError,
    /// `OPSP0008` MAX SUBSCRIBE OVER: the 42nd registration (code unconfirmed).
    MaxSubscribeOver,
    /// `OPSP0011` invalid appkey: bad or expired approval key.
    InvalidAppKey,
    /// `OPSP8996` ALREADY IN USE appkey: a second session for the same key (header `tr_id` is `(null)`).
    AppKeyInUse,
}

impl ControlCode {
    /// Every known code.
    pub const ALL: [ControlCode; 8] = [
        Self::SubscribeSuccess,
        Self::UnsubscribeSuccess,
        Self::AlreadySubscribed,
        Self::NotSubscribed,
        Self::InternalError,
        Self::MaxSubscribeOver,
        Self::InvalidAppKey,
        Self::AppKeyInUse,
    ];

    /// The wire `msg_cd`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SubscribeSuccess => "OPSP0000",
            Self::UnsubscribeSuccess => "OPSP0001",
            Self::AlreadySubscribed => "OPSP0002",
            Self::NotSubscribed => "OPSP0003",
            Self::InternalError => "OPSP0007",
            Self::MaxSubscribeOver => "OPSP0008",
            Self::InvalidAppKey => "OPSP0011",
            Self::AppKeyInUse => "OPSP8996",
        }
    }

    /// Parses a `msg_cd`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The `msg1` KIS sends (or our best knowledge of it), used when encoding.
    pub fn default_msg1(self) -> &'static str {
        match self {
            Self::SubscribeSuccess => "SUBSCRIBE SUCCESS",
            Self::UnsubscribeSuccess => "UNSUBSCRIBE SUCCESS",
            Self::AlreadySubscribed => "ALREADY IN SUBSCRIBE",
            Self::NotSubscribed => "ALREADY IN UNSUBSCRIBE",
            Self::InternalError => "INTERNAL ERROR",
            Self::MaxSubscribeOver => "MAX SUBSCRIBE OVER",
            Self::InvalidAppKey => "invalid appkey : NOT FOUND",
            Self::AppKeyInUse => "ALREADY IN USE appkey",
        }
    }

    /// The `rt_cd` KIS sends with this code (`OPSP0008` was also seen with `9`).
    pub fn default_rt_cd(self) -> &'static str {
        match self {
            Self::SubscribeSuccess | Self::UnsubscribeSuccess => "0",
            Self::AppKeyInUse => "9",
            _ => "1",
        }
    }

    /// Whether the request did what was asked (a duplicate register leaves the subscription in place).
    pub fn is_success(self) -> bool {
        matches!(self, Self::SubscribeSuccess | Self::UnsubscribeSuccess | Self::AlreadySubscribed)
    }

    /// Whether the code and text were seen from the live service rather than inferred (§8.3, §13).
    pub fn is_confirmed(self) -> bool {
        matches!(self, Self::SubscribeSuccess | Self::AlreadySubscribed | Self::InvalidAppKey | Self::AppKeyInUse)
    }

    /// A stable snake_case name for logs and the CLI.
    pub fn kind(self) -> &'static str {
        match self {
            Self::SubscribeSuccess => "subscribe_ack",
            Self::UnsubscribeSuccess => "unsubscribe_ack",
            Self::AlreadySubscribed => "already_subscribed",
            Self::NotSubscribed => "not_subscribed",
            Self::InternalError => "internal_error",
            Self::MaxSubscribeOver => "max_subscribe_over",
            Self::InvalidAppKey => "invalid_appkey",
            Self::AppKeyInUse => "appkey_in_use",
        }
    }
}

/// A reply with a known `msg_cd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlReply {
    /// Header `tr_id` (`(null)` for `OPSP8996`).
    pub tr_id: WsTrId,
    /// Header `tr_key`, if sent.
    pub tr_key: Option<String>,
    /// Header `encrypt` (`N`/`Y`); informational only — decide encryption from the frame's first byte.
    pub encrypt: Option<String>,
    /// `rt_cd` as sent (`0`, `1`, `9`).
    pub rt_cd: String,
    /// `msg_cd`.
    pub code: ControlCode,
    /// `msg1` as sent.
    pub msg1: String,
    /// `output.iv` of a subscribe ack.
    pub iv: Option<String>,
    /// `output.key` of a subscribe ack.
    pub key: Option<String>,
}

/// A control message we cannot classify, kept whole enough to log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnknownControl {
    /// Header `tr_id`.
    pub tr_id: Option<String>,
    /// Header `tr_key`.
    pub tr_key: Option<String>,
    /// `rt_cd`.
    pub rt_cd: Option<String>,
    /// `msg_cd`.
    pub msg_cd: Option<String>,
    /// `msg1`.
    pub msg1: Option<String>,
}

/// A server → client JSON message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Keep-alive; the client echoes the exact received text.
    PingPong {
        /// KST `YYYYMMDDHHMMSS` as sent.
        datetime: String,
    },
    /// A reply with a known `msg_cd`.
    Reply(ControlReply),
    /// Anything else that is a JSON object.
    Unknown(UnknownControl),
}

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Control {
    /// Parses a control text. Errors only when it is not a JSON object.
    pub fn parse(text: &str) -> Result<Self, WsError> {
        let value: Value =
            serde_json::from_str(text).map_err(|err| WsError::ControlJson { reason: err.to_string() })?;
        let Value::Object(root) = value else {
            return Err(WsError::ControlJson { reason: "top level is not an object".to_owned() });
        };
        Ok(Self::from_object(&root))
    }

    fn from_object(root: &Map<String, Value>) -> Self {
        let header = root.get("header").and_then(Value::as_object);
        let body = root.get("body").and_then(Value::as_object);
        let output = body.and_then(|b| b.get("output")).and_then(Value::as_object);
        let head = |name: &str| text_of(header.and_then(|h| h.get(name)));
        let field = |name: &str| text_of(body.and_then(|b| b.get(name)));
        let tr_id = head("tr_id");
        if tr_id.as_deref() == Some("PINGPONG") {
            return Self::PingPong { datetime: head("datetime").unwrap_or_default() };
        }
        let msg_cd = field("msg_cd");
        match (tr_id, msg_cd.as_deref().and_then(ControlCode::from_code)) {
            (Some(tr_id), Some(code)) => Self::Reply(ControlReply {
                tr_id: WsTrId::parse(&tr_id),
                tr_key: head("tr_key"),
                encrypt: head("encrypt"),
                rt_cd: field("rt_cd").unwrap_or_default(),
                code,
                msg1: field("msg1").unwrap_or_default(),
                iv: text_of(output.and_then(|o| o.get("iv"))),
                key: text_of(output.and_then(|o| o.get("key"))),
            }),
            (tr_id, _) => Self::Unknown(UnknownControl {
                tr_id,
                tr_key: head("tr_key"),
                rt_cd: field("rt_cd"),
                msg_cd,
                msg1: field("msg1"),
            }),
        }
    }

    /// A keep-alive with the given KST `YYYYMMDDHHMMSS`.
    pub fn pingpong(datetime: impl Into<String>) -> Self {
        Self::PingPong { datetime: datetime.into() }
    }

    /// A subscribe ack carrying the notice key and IV, as KIS sends for every TR. `encrypt` is `"Y"` on the
    /// notice channels (their frames are encrypted; clients decrypt only when told so), `"N"` elsewhere.
    pub fn subscribe_ack(
        tr_id: WsTrId,
        tr_key: impl Into<String>,
        iv: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        let encrypt = if tr_id.is_notice() { "Y" } else { "N" };
        Self::Reply(ControlReply {
            tr_id,
            tr_key: Some(tr_key.into()),
            encrypt: Some(encrypt.to_owned()),
            rt_cd: ControlCode::SubscribeSuccess.default_rt_cd().to_owned(),
            code: ControlCode::SubscribeSuccess,
            msg1: ControlCode::SubscribeSuccess.default_msg1().to_owned(),
            iv: Some(iv.into()),
            key: Some(key.into()),
        })
    }

    /// Any other reply with its usual `rt_cd`/`msg1`. For `AppKeyInUse` KIS sends `tr_id` `(null)` and no
    /// `tr_key`, which this reproduces.
    pub fn reply(code: ControlCode, tr_id: WsTrId, tr_key: impl Into<String>) -> Self {
        let (tr_id, tr_key) = match code {
            ControlCode::AppKeyInUse => (WsTrId::Other("(null)".to_owned()), None),
            _ => (tr_id, Some(tr_key.into())),
        };
        Self::Reply(ControlReply {
            tr_id,
            tr_key,
            encrypt: Some("N".to_owned()),
            rt_cd: code.default_rt_cd().to_owned(),
            code,
            msg1: code.default_msg1().to_owned(),
            iv: None,
            key: None,
        })
    }

    /// Classification for logs and the CLI (`pingpong`, `subscribe_ack`, …, `unknown`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PingPong { .. } => "pingpong",
            Self::Reply(reply) => reply.code.kind(),
            Self::Unknown(_) => "unknown",
        }
    }

    /// `(tr_id, key, iv)` of a subscribe ack that carries them.
    pub fn ack_keys(&self) -> Option<(&WsTrId, &str, &str)> {
        match self {
            Self::Reply(ControlReply {
                tr_id,
                code: ControlCode::SubscribeSuccess,
                iv: Some(iv),
                key: Some(key),
                ..
            }) => Some((tr_id, key, iv)),
            _ => None,
        }
    }

    /// The JSON text the server sends (compact, KIS's key order).
    pub fn to_json(&self) -> String {
        let wire = match self {
            Self::PingPong { datetime } => Wire {
                header: WireHeader { tr_id: Some("PINGPONG"), datetime: Some(datetime), ..WireHeader::default() },
                body: None,
            },
            Self::Reply(r) => Wire {
                header: WireHeader {
                    tr_id: Some(r.tr_id.as_str()),
                    tr_key: r.tr_key.as_deref(),
                    encrypt: r.encrypt.as_deref(),
                    datetime: None,
                },
                body: Some(WireBody {
                    rt_cd: Some(&r.rt_cd),
                    msg_cd: Some(r.code.as_str()),
                    msg1: Some(&r.msg1),
                    output: match (&r.iv, &r.key) {
                        (None, None) => None,
                        (iv, key) => Some(WireOutput { iv: iv.as_deref(), key: key.as_deref() }),
                    },
                }),
            },
            Self::Unknown(u) => Wire {
                header: WireHeader { tr_id: u.tr_id.as_deref(), tr_key: u.tr_key.as_deref(), ..WireHeader::default() },
                body: (u.rt_cd.is_some() || u.msg_cd.is_some() || u.msg1.is_some()).then_some(WireBody {
                    rt_cd: u.rt_cd.as_deref(),
                    msg_cd: u.msg_cd.as_deref(),
                    msg1: u.msg1.as_deref(),
                    output: None,
                }),
            },
        };
        // Serializing plain string structs cannot fail; fall back to an empty object rather than panic.
        serde_json::to_string(&wire).unwrap_or_else(|_| "{}".to_owned())
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    header: WireHeader<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<WireBody<'a>>,
}

#[derive(Serialize, Default)]
struct WireHeader<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    tr_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tr_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encrypt: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    datetime: Option<&'a str>,
}

#[derive(Serialize)]
struct WireBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    rt_cd: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msg_cd: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msg1: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<WireOutput<'a>>,
}

#[derive(Serialize)]
struct WireOutput<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    iv: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_replies_round_trip() {
        for code in ControlCode::ALL {
            let control = Control::reply(code, WsTrId::H0stcnt0, "005930");
            let parsed = Control::parse(&control.to_json()).unwrap();
            assert_eq!(parsed, control);
            assert_eq!(parsed.kind(), code.kind());
            assert_eq!(ControlCode::from_code(code.as_str()), Some(code));
        }
        let in_use = Control::reply(ControlCode::AppKeyInUse, WsTrId::H0stcnt0, "005930").to_json();
        assert_eq!(
            in_use,
            r#"{"header":{"tr_id":"(null)","encrypt":"N"},"body":{"rt_cd":"9","msg_cd":"OPSP8996","msg1":"ALREADY IN USE appkey"}}"#
        );
    }

    #[test]
    fn notice_acks_say_encrypted_market_data_acks_do_not() {
        let encrypt = |tr: WsTrId| {
            let Control::Reply(r) = Control::subscribe_ack(tr, "k", "0123456789abcdef", "a".repeat(32)) else {
                panic!("not a reply")
            };
            r.encrypt
        };
        for tr in [WsTrId::H0stcni0, WsTrId::H0stcni9, WsTrId::H0gscni0, WsTrId::H0gscni9] {
            assert_eq!(encrypt(tr).as_deref(), Some("Y"));
        }
        assert_eq!(encrypt(WsTrId::H0stcnt0).as_deref(), Some("N"));
        assert_eq!(encrypt(WsTrId::Hdfscnt0).as_deref(), Some("N"));
    }

    #[test]
    fn unknown_codes_and_shapes_are_kept() {
        let text = r#"{"header":{"tr_id":"H0STCNT0","tr_key":"005930"},"body":{"rt_cd":"1","msg_cd":"OPSP9999","msg1":"NEW THING"}}"#;
        let Control::Unknown(unknown) = Control::parse(text).unwrap() else { panic!("not unknown") };
        assert_eq!(unknown.msg_cd.as_deref(), Some("OPSP9999"));
        assert_eq!(unknown.msg1.as_deref(), Some("NEW THING"));
        assert_eq!(Control::parse(r#"{"x":1}"#).unwrap(), Control::Unknown(UnknownControl::default()));
        assert!(matches!(Control::parse("[1]"), Err(WsError::ControlJson { .. })));
        assert!(matches!(Control::parse("{oops"), Err(WsError::ControlJson { .. })));
        // rt_cd as a number still classifies.
        let numeric = r#"{"header":{"tr_id":"X"},"body":{"rt_cd":9,"msg_cd":"OPSP0008","msg1":"MAX SUBSCRIBE OVER"}}"#;
        let Control::Reply(reply) = Control::parse(numeric).unwrap() else { panic!("not a reply") };
        assert_eq!((reply.rt_cd.as_str(), reply.code), ("9", ControlCode::MaxSubscribeOver));
    }
}

//! Client → server subscribe/unsubscribe request (kis-protocol.md §8.2), with the exact JSON shape of the
//! official example so the simulator can parse what the client sends and vice versa.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::WsError;
use super::tr_id::WsTrId;

/// `tr_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrType {
    /// `"1"`.
    Register,
    /// `"2"` (the spec's value; `"0"`, used by some community code, is accepted on decode).
    Deregister,
}

impl TrType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "1",
            Self::Deregister => "2",
        }
    }
}

impl Serialize for TrType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TrType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        match text.as_ref() {
            "1" => Ok(Self::Register),
            "2" | "0" => Ok(Self::Deregister),
            other => Err(serde::de::Error::custom(format!("tr_type {other:?} is not \"1\" or \"2\""))),
        }
    }
}

/// `custtype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustType {
    /// `P`: individual.
    #[serde(rename = "P")]
    Personal,
    /// `B`: corporate.
    #[serde(rename = "B")]
    Business,
}

/// The request header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeHeader {
    /// WebSocket approval key from `/oauth2/Approval`.
    pub approval_key: kis_model::Secret,
    /// Customer type.
    pub custtype: CustType,
    /// Register or deregister.
    pub tr_type: TrType,
    /// Always `utf-8`.
    #[serde(rename = "content-type")]
    pub content_type: String,
}

/// `body.input`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeInput {
    /// Channel.
    pub tr_id: WsTrId,
    /// Stock code, overseas key (`DNASAAPL`) or HTS id for notices.
    pub tr_key: String,
}

/// `body`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeBody {
    /// The subscription.
    pub input: SubscribeInput,
}

/// A subscribe or unsubscribe request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeRequest {
    /// Header.
    pub header: SubscribeHeader,
    /// Body.
    pub body: SubscribeBody,
}

impl SubscribeRequest {
    /// A request for an individual customer.
    pub fn new(approval_key: impl Into<String>, tr_type: TrType, tr_id: WsTrId, tr_key: impl Into<String>) -> Self {
        Self {
            header: SubscribeHeader {
                approval_key: kis_model::Secret::new(approval_key),
                custtype: CustType::Personal,
                tr_type,
                content_type: "utf-8".to_owned(),
            },
            body: SubscribeBody { input: SubscribeInput { tr_id, tr_key: tr_key.into() } },
        }
    }

    /// Register `tr_id`/`tr_key`.
    pub fn register(approval_key: impl Into<String>, tr_id: WsTrId, tr_key: impl Into<String>) -> Self {
        Self::new(approval_key, TrType::Register, tr_id, tr_key)
    }

    /// Deregister `tr_id`/`tr_key`.
    pub fn deregister(approval_key: impl Into<String>, tr_id: WsTrId, tr_key: impl Into<String>) -> Self {
        Self::new(approval_key, TrType::Deregister, tr_id, tr_key)
    }

    /// Compact JSON in the official key order.
    pub fn to_json(&self) -> String {
        // Only strings and unit enums: serialization cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a request (what the simulator receives).
    pub fn from_json(text: &str) -> Result<Self, WsError> {
        serde_json::from_str(text).map_err(|err| WsError::SubscribeJson { reason: err.to_string() })
    }
}

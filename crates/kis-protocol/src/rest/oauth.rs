//! `/oauth2/tokenP`, `/oauth2/revokeP`, `/oauth2/Approval` and `/uapi/hashkey`: lowercase JSON bodies, no
//! `rt_cd` envelope and no TR id. Decode replies with [`crate::rest::decode::decode_plain`].
//!
//! Keys, secrets and tokens are [`Secret`]s: these structs can be logged with `{:?}` without leaking them.

use chrono::NaiveDateTime;
use kis_model::Secret;
use serde::{Deserialize, Deserializer, Serialize};

use crate::rest::wire::FieldError;

pub const TOKEN_PATH: &str = "/oauth2/tokenP";
pub const REVOKE_PATH: &str = "/oauth2/revokeP";
pub const APPROVAL_PATH: &str = "/oauth2/Approval";
pub const HASHKEY_PATH: &str = "/uapi/hashkey";

/// The only grant KIS offers retail clients.
pub const GRANT_CLIENT_CREDENTIALS: &str = "client_credentials";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    pub grant_type: String,
    pub appkey: Secret,
    pub appsecret: Secret,
}

impl TokenRequest {
    pub fn new(appkey: &str, appsecret: &str) -> TokenRequest {
        TokenRequest {
            grant_type: GRANT_CLIENT_CREDENTIALS.to_string(),
            appkey: Secret::from(appkey),
            appsecret: Secret::from(appsecret),
        }
    }
}

/// Fields are required (no defaults) so an error body can never pass for a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: Secret,
    /// `"YYYY-MM-DD HH:MM:SS"` in KST.
    pub access_token_token_expired: String,
    pub token_type: String,
    /// Seconds; a JSON number in every example, accepted as a string too.
    #[serde(deserialize_with = "u64_number_or_string")]
    pub expires_in: u64,
}

impl TokenResponse {
    /// Expiry as a KST wall-clock time (the caller attaches the zone).
    pub fn expires_at_kst(&self) -> Result<NaiveDateTime, FieldError> {
        NaiveDateTime::parse_from_str(self.access_token_token_expired.trim(), "%Y-%m-%d %H:%M:%S").map_err(|_| {
            FieldError {
                field: "access_token_token_expired",
                raw: self.access_token_token_expired.chars().take(64).collect(),
                problem: "expected YYYY-MM-DD HH:MM:SS",
            }
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeRequest {
    pub appkey: Secret,
    pub appsecret: Secret,
    pub token: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeResponse {
    /// `200` on success; the spec types it as a string, the example sends a number: both accepted.
    #[serde(deserialize_with = "u64_number_or_string")]
    pub code: u64,
    #[serde(default)]
    pub message: String,
}

/// Note `secretkey`, not `appsecret` (same value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    pub grant_type: String,
    pub appkey: Secret,
    pub secretkey: Secret,
    /// Accepted by the official sample; not required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
}

impl ApprovalRequest {
    pub fn new(appkey: &str, appsecret: &str) -> ApprovalRequest {
        ApprovalRequest {
            grant_type: GRANT_CLIENT_CREDENTIALS.to_string(),
            appkey: Secret::from(appkey),
            secretkey: Secret::from(appsecret),
            token: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalResponse {
    pub approval_key: Secret,
}

/// The request body of `/uapi/hashkey` is the order body itself; the reply carries `HASH` (other fields of
/// the real reply are unconfirmed and ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashkeyResponse {
    #[serde(rename = "HASH", alias = "hash")]
    pub hash: String,
}

fn u64_number_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        Number(u64),
        Text(String),
    }
    match NumberOrString::deserialize(deserializer)? {
        NumberOrString::Number(n) => Ok(n),
        NumberOrString::Text(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| serde::de::Error::custom(format!("expected a whole number, got {text:?}"))),
    }
}

//! `[api]`: who we are to KIS and how hard we may call it.

use kis_model::{AccountNo, Environment, Secret};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::environment::TradingEnvironment;

/// KIS's per-app-key limits (kis-protocol.md §4): 20 calls a second on the real service, 2 on paper.
pub const REAL_REQUESTS_PER_SECOND: u32 = 20;
pub const PAPER_REQUESTS_PER_SECOND: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    pub app_key: Option<Secret>,
    pub app_secret: Option<Secret>,
    /// `12345678-01` or `1234567801`. Printed only as `********-01`.
    #[serde(deserialize_with = "account_from_text", serialize_with = "account_redacted")]
    pub account: Option<AccountNo>,
    /// The HTS user id: the `tr_key` of the order/fill notice subscription.
    pub hts_id: Option<Secret>,
    /// Overrides KIS's REST base URL for the environment (a proxy, or a simulator run elsewhere).
    pub rest_base: Option<String>,
    /// Overrides KIS's WebSocket URL.
    pub ws_url: Option<String>,
    /// Calls a second for this app key; unset means KIS's limit for the environment.
    pub requests_per_second: Option<u32>,
    /// More app keys of the same account, each one more WebSocket session (41 registrations each) for
    /// market data; orders and notices use the main key.
    pub extra_keys: Vec<KeyPair>,
    /// `[api.market_data]`: a real-domain app key used only for quotations and rank lists (the screener), so
    /// that a paper account screens with the real volume and rise rankings. Never used for orders or account
    /// reads.
    pub market_data: Option<MarketDataKey>,
}

/// A real-domain key for market data only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketDataKey {
    pub app_key: Secret,
    pub app_secret: Secret,
    /// Overrides KIS's real-domain REST base URL (a proxy, or a simulator emulating the real domain).
    #[serde(default)]
    pub rest_base: Option<String>,
    /// Calls a second for this key; unset means KIS's real-domain limit (20).
    #[serde(default)]
    pub requests_per_second: Option<u32>,
}

/// One more app key and its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPair {
    pub app_key: Secret,
    pub app_secret: Secret,
}

impl ApiConfig {
    /// The budget the REST client gets: the configured value, or KIS's limit of the service being spoken to
    /// (`emulated` is what the simulator pretends to be when `environment = "sim"`).
    pub fn effective_requests_per_second(&self, env: TradingEnvironment, emulated: Environment) -> u32 {
        self.requests_per_second.unwrap_or(match env.kis().unwrap_or(emulated) {
            Environment::Real => REAL_REQUESTS_PER_SECOND,
            Environment::Paper => PAPER_REQUESTS_PER_SECOND,
        })
    }
}

/// The parse error names the key (through the loader) but never echoes the text: a mistyped account number is
/// still an account number.
fn account_from_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<AccountNo>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => AccountNo::parse(t).map(Some).map_err(serde::de::Error::custom),
    }
}

fn account_redacted<S: Serializer>(account: &Option<AccountNo>, serializer: S) -> Result<S::Ok, S::Error> {
    match account {
        Some(a) => serializer.collect_str(a),
        None => serializer.serialize_none(),
    }
}

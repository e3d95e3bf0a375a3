//! Where KIS lives and who we are to it.

use kis_model::{Environment, Secret};

/// Base URLs of one KIS environment (or of the simulator standing in for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub env: Environment,
    /// `https://openapi.koreainvestment.com:9443`, no trailing slash.
    pub rest_base: String,
    /// `ws://ops.koreainvestment.com:21000/tryitout`.
    pub ws_url: String,
}

impl Endpoints {
    /// KIS's real-money service (kis-protocol.md §1).
    pub fn real() -> Endpoints {
        Endpoints {
            env: Environment::Real,
            rest_base: "https://openapi.koreainvestment.com:9443".into(),
            ws_url: "ws://ops.koreainvestment.com:21000/tryitout".into(),
        }
    }

    /// KIS's paper-trading service.
    pub fn paper() -> Endpoints {
        Endpoints {
            env: Environment::Paper,
            rest_base: "https://openapivts.koreainvestment.com:29443".into(),
            ws_url: "ws://ops.koreainvestment.com:31000/tryitout".into(),
        }
    }

    /// Any other host speaking the protocol (the simulator), emulating `env`.
    pub fn custom(env: Environment, rest_base: &str, ws_url: &str) -> Endpoints {
        Endpoints { env, rest_base: rest_base.trim_end_matches('/').to_string(), ws_url: ws_url.to_string() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.rest_base, path)
    }
}

/// App key and secret; both are secrets and print redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub app_key: Secret,
    pub app_secret: Secret,
}

impl Credentials {
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Credentials {
        Credentials { app_key: Secret::new(app_key), app_secret: Secret::new(app_secret) }
    }
}

//! What can go wrong on a call, in the terms a caller decides with.

use kis_model::Environment;
use kis_protocol::error_class::{ApiError, ErrorClass};
use kis_protocol::tr_id::Op;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ClientError {
    /// KIS answered and said no (classified: token expired, rate limited, rejected …).
    #[error("KIS error: {0}")]
    Api(ApiError),
    /// No usable answer. `uncertain` is true when the request may have reached KIS (it was sent and the
    /// connection failed afterwards): for an order, the caller must look at the day's orders before deciding
    /// anything — never resend blindly.
    #[error("transport error calling {path}: {detail}{}", if *.uncertain { " (the request may have been executed)" } else { "" })]
    Transport { path: &'static str, detail: String, uncertain: bool },
    /// The operation is not offered on this environment (e.g. volume-rank on paper).
    #[error("{op:?} is not available on the {env} environment")]
    NotOnEnvironment { op: Op, env: Environment },
    /// The request could not be built (bad URL or parameters); a programming or config error.
    #[error("could not build request for {path}: {detail}")]
    Build { path: &'static str, detail: String },
}

impl ClientError {
    /// The KIS error class, when KIS answered.
    pub fn class(&self) -> Option<ErrorClass> {
        match self {
            ClientError::Api(e) => Some(e.class),
            _ => None,
        }
    }

    pub fn is_uncertain(&self) -> bool {
        matches!(self, ClientError::Transport { uncertain: true, .. })
    }
}

impl From<ApiError> for ClientError {
    fn from(e: ApiError) -> ClientError {
        ClientError::Api(e)
    }
}

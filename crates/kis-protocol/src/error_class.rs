//! What a failed KIS call means for the caller: reissue the token, wait, back off, or give up.
//!
//! KIS reports failures in the body (`rt_cd != "0"` + `msg_cd`, or `error_code` on the OAuth endpoints) with
//! HTTP 200, 403 or 500 depending on the endpoint — the status alone decides nothing. The code → class
//! mapping is [`CODE_TABLE`]; several codes are unconfirmed (kis-protocol.md §13), so each is one line there.

use std::fmt;
use std::time::Duration;

use thiserror::Error;

/// The decision-relevant kind of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// `EGW00123`: reissue the token (respecting the 1/min issuance limit) and retry once.
    TokenExpired,
    /// `EGW00121`: the token is not valid (revoked, other environment's token): reissue.
    TokenInvalid,
    /// `EGW00133`: a token was issued less than a minute ago. Wait, and reuse the cached token meanwhile.
    TokenIssueTooSoon,
    /// `EGW00201` per-app-key or `EGW00215` ledger-wide transactions-per-second limit. Not an order failure.
    RateLimited,
    /// The market/session does not take orders now (`APBK0919` domestic, `APBK1664` overseas).
    MarketClosed,
    /// The symbol does not exist or is not tradable (`MCA05918`, `APBK0656`).
    UnknownSymbol,
    /// A business rejection (insufficient cash, bad quantity or price, halted …): log `msg_cd`/`msg1` verbatim.
    Rejected,
    /// `EGW02004`: a paper app key on the real domain (or the reverse) — a configuration error.
    WrongDomain,
    /// No usable answer: HTTP 5xx without a parseable body, or a body cut short. The request may or may not
    /// have been executed.
    Transient,
    /// A complete body that does not have the expected shape. Retrying will not change it.
    Malformed,
    /// A gateway code (`EGW…`) or status this crate does not know.
    Unknown,
}

/// Known codes. Codes not listed fall back by prefix in [`classify_code`].
pub const CODE_TABLE: &[(&str, ErrorClass)] = &[
    ("EGW00123", ErrorClass::TokenExpired),
    ("EGW00121", ErrorClass::TokenInvalid),
    ("EGW00133", ErrorClass::TokenIssueTooSoon),
    ("EGW00201", ErrorClass::RateLimited),
    ("EGW00215", ErrorClass::RateLimited),
    // Unconfirmed: seen only in a test fixture.
    ("EGW02004", ErrorClass::WrongDomain),
    // Unconfirmed texts; python-kis maps these to "market not open".
    ("APBK0919", ErrorClass::MarketClosed),
    ("APBK1664", ErrorClass::MarketClosed),
    ("MCA05918", ErrorClass::UnknownSymbol),
    // Unconfirmed text.
    ("APBK0656", ErrorClass::UnknownSymbol),
];

/// Class of a failure code. Unlisted `EGW…` codes are gateway problems we cannot interpret (`Unknown`);
/// every other unlisted code is a business answer about the request itself (`Rejected`).
pub fn classify_code(msg_cd: &str) -> ErrorClass {
    let code = msg_cd.trim();
    if let Some((_, class)) = CODE_TABLE.iter().find(|(known, _)| known.eq_ignore_ascii_case(code)) {
        return *class;
    }
    let gateway = code.get(..3).is_some_and(|prefix| prefix.eq_ignore_ascii_case("EGW"));
    if gateway || code.is_empty() { ErrorClass::Unknown } else { ErrorClass::Rejected }
}

/// Class of a reply whose body could not be used at all.
pub fn classify_unreadable(http_status: u16, truncated: bool) -> ErrorClass {
    if truncated || http_status >= 500 || http_status == 0 { ErrorClass::Transient } else { ErrorClass::Malformed }
}

impl ErrorClass {
    /// Whether sending the same request again can succeed — after the action the class implies (new
    /// token, waiting). For `Transient` on an *order* the first attempt may have been executed: check the
    /// order list before resending.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorClass::TokenExpired
                | ErrorClass::TokenInvalid
                | ErrorClass::TokenIssueTooSoon
                | ErrorClass::RateLimited
                | ErrorClass::Transient
        )
    }

    /// Whether the caller must obtain a new access token before retrying.
    pub fn needs_new_token(self) -> bool {
        matches!(self, ErrorClass::TokenExpired | ErrorClass::TokenInvalid)
    }

    /// Minimum wait before retrying, where KIS's rules give one. Token issuance is limited to 1/min;
    /// python-kis retries rate-limit failures after 0.1 s (KIS's windows appear to be 1 s, unconfirmed).
    pub fn retry_after(self) -> Option<Duration> {
        match self {
            ErrorClass::TokenIssueTooSoon => Some(Duration::from_secs(60)),
            ErrorClass::RateLimited => Some(Duration::from_millis(100)),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::TokenExpired => "token expired",
            ErrorClass::TokenInvalid => "token invalid",
            ErrorClass::TokenIssueTooSoon => "token issued too recently",
            ErrorClass::RateLimited => "rate limited",
            ErrorClass::MarketClosed => "market closed",
            ErrorClass::UnknownSymbol => "unknown symbol",
            ErrorClass::Rejected => "rejected",
            ErrorClass::WrongDomain => "wrong domain for app key",
            ErrorClass::Transient => "transient failure",
            ErrorClass::Malformed => "malformed reply",
            ErrorClass::Unknown => "unknown failure",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed call, classified, with KIS's own words kept for the log.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("KIS {class} (HTTP {http_status}, rt_cd {rt_cd:?}, msg_cd {msg_cd:?}): {msg1}{}", detail_suffix(.detail))]
pub struct ApiError {
    pub class: ErrorClass,
    pub http_status: u16,
    /// Empty when the body had none (unreadable body, OAuth error form).
    pub rt_cd: String,
    /// `msg_cd`, or `error_code` on OAuth endpoints.
    pub msg_cd: String,
    /// `msg1` / `error_description`, trimmed of KIS's space padding.
    pub msg1: String,
    /// Why the body was unusable (parser message), for `Transient`/`Malformed`.
    pub detail: Option<String>,
}

fn detail_suffix(detail: &Option<String>) -> String {
    match detail {
        Some(d) => format!(" ({d})"),
        None => String::new(),
    }
}

impl ApiError {
    /// An error reported by KIS in the body.
    pub fn from_body(http_status: u16, rt_cd: &str, msg_cd: &str, msg1: &str) -> ApiError {
        let class = match classify_code(msg_cd) {
            ErrorClass::Unknown if msg_cd.trim().is_empty() && http_status >= 500 => ErrorClass::Transient,
            class => class,
        };
        ApiError {
            class,
            http_status,
            rt_cd: rt_cd.trim().to_string(),
            msg_cd: msg_cd.trim().to_string(),
            msg1: msg1.trim().to_string(),
            detail: None,
        }
    }

    /// A reply whose body could not be used.
    pub fn unreadable(http_status: u16, truncated: bool, detail: String) -> ApiError {
        ApiError {
            class: classify_unreadable(http_status, truncated),
            http_status,
            rt_cd: String::new(),
            msg_cd: String::new(),
            msg1: String::new(),
            detail: Some(detail),
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.class.is_retryable()
    }

    pub fn needs_new_token(&self) -> bool {
        self.class.needs_new_token()
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.class.retry_after()
    }
}

//! Telegram Bot API delivery: configuration, the retry rules (pure, unit-tested) and one message's delivery loop.
//!
//! The bot token sits in the request path (`/bot<token>/sendMessage`), so every text that could carry the URL
//! (awc error messages, response bodies) goes through [`scrub`] before it reaches a log line.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use kis_model::Secret;
use serde::Serialize;
use thiserror::Error;

use super::stats::NotifierStats;

/// Telegram refuses longer messages outright, so longer texts are cut rather than lost.
pub const TELEGRAM_MAX_CHARS: usize = 4096;

/// Production endpoint; tests point [`TelegramConfig`] at a loopback server instead.
pub const TELEGRAM_API_BASE: &str = "https://api.telegram.org";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotifierConfigError {
    #[error("notifier queue capacity must be at least 1")]
    ZeroCapacity,
    #[error("telegram base URL {0:?} must start with https:// or http://")]
    BadBaseUrl(String),
    #[error("telegram bot token is empty")]
    EmptyToken,
    /// The token itself is never printed: it is a secret even when malformed.
    #[error("telegram bot token has a character outside A-Z a-z 0-9 : _ -")]
    BadToken,
    #[error("telegram chat id {0:?} must be an integer or @channelname")]
    BadChatId(String),
}

/// Where messages go: a numeric chat (user, group) or a public `@channel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ChatId {
    Id(i64),
    Channel(String),
}

impl ChatId {
    pub fn parse(text: &str) -> Result<ChatId, NotifierConfigError> {
        let t = text.trim();
        if let Ok(id) = t.parse::<i64>() {
            return Ok(ChatId::Id(id));
        }
        match t.strip_prefix('@') {
            Some(name) if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                Ok(ChatId::Channel(t.to_string()))
            }
            _ => Err(NotifierConfigError::BadChatId(text.to_string())),
        }
    }
}

impl fmt::Display for ChatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChatId::Id(id) => write!(f, "{id}"),
            ChatId::Channel(name) => f.write_str(name),
        }
    }
}

/// How hard one message is tried before it is dropped. Retries are few and short because a notification that
/// arrives minutes late is worth little and the queue behind it keeps filling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per message, the first included.
    pub max_attempts: u32,
    /// Delay after the first failure; doubled after each further one.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// A 429 asking to wait longer than this drops the message instead of stalling the queue.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// What one `sendMessage` call came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    /// HTTP 429, with `parameters.retry_after` (or the `Retry-After` header) when present.
    RateLimited(Option<Duration>),
    /// Worth retrying: transport errors, timeouts, 5xx, 408. The text is already scrubbed.
    Transient(String),
    /// Will fail the same way again (bad chat id, revoked token, bot blocked): dropped at once.
    Rejected {
        status: u16,
        description: String,
    },
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptOutcome::Delivered => f.write_str("delivered"),
            AttemptOutcome::RateLimited(Some(d)) => write!(f, "rate limited, retry after {} s", d.as_secs()),
            AttemptOutcome::RateLimited(None) => f.write_str("rate limited"),
            AttemptOutcome::Transient(why) => write!(f, "transient failure: {why}"),
            AttemptOutcome::Rejected { status, description } => write!(f, "rejected with HTTP {status}: {description}"),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before attempt `attempt + 1`, or `None` to stop (delivered, hopeless or out of attempts).
    /// `attempt` counts from 1.
    pub fn delay_after(&self, attempt: u32, outcome: &AttemptOutcome) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        match outcome {
            AttemptOutcome::Delivered | AttemptOutcome::Rejected { .. } => None,
            AttemptOutcome::RateLimited(Some(wait)) if *wait > self.max_retry_after => None,
            AttemptOutcome::RateLimited(Some(wait)) => Some(*wait),
            AttemptOutcome::RateLimited(None) | AttemptOutcome::Transient(_) => Some(self.backoff(attempt)),
        }
    }

    /// No jitter: there is a single notifier per process, so there is no herd to spread out.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.backoff_base.saturating_mul(factor).min(self.backoff_cap)
    }
}

/// Everything needed to reach one chat through one bot.
#[derive(Debug, Clone)]
pub struct TelegramConfig {
    base_url: String,
    token: Secret,
    chat_id: ChatId,
    request_timeout: Duration,
    retry: RetryPolicy,
}

impl TelegramConfig {
    /// Checks the parts that would otherwise fail only at the first message. The token may only hold the
    /// characters Telegram issues, which also keeps it from changing the path or query of the URL.
    pub fn new(base_url: &str, token: Secret, chat_id: ChatId) -> Result<TelegramConfig, NotifierConfigError> {
        let base = base_url.trim().trim_end_matches('/');
        let rest = base.strip_prefix("https://").or_else(|| base.strip_prefix("http://"));
        if rest.is_none_or(str::is_empty) {
            return Err(NotifierConfigError::BadBaseUrl(base_url.to_string()));
        }
        if token.is_empty() {
            return Err(NotifierConfigError::EmptyToken);
        }
        if !token.expose().bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-')) {
            return Err(NotifierConfigError::BadToken);
        }
        Ok(TelegramConfig {
            base_url: base.to_string(),
            token,
            chat_id,
            request_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
        })
    }

    /// Per attempt; a hung server costs at most this much per try.
    pub fn with_request_timeout(mut self, timeout: Duration) -> TelegramConfig {
        self.request_timeout = timeout;
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> TelegramConfig {
        self.retry = retry;
        self
    }

    pub fn chat_id(&self) -> &ChatId {
        &self.chat_id
    }

    pub fn retry(&self) -> RetryPolicy {
        self.retry
    }

    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }
}

/// A validated [`TelegramConfig`] with its URL built once. Deliberately not `Debug`: the URL holds the token.
pub(crate) struct TelegramTarget {
    url: String,
    token: Secret,
    chat_id: ChatId,
    request_timeout: Duration,
    retry: RetryPolicy,
}

impl TelegramTarget {
    pub(crate) fn new(config: TelegramConfig) -> TelegramTarget {
        let url = format!("{}/bot{}/sendMessage", config.base_url, config.token.expose());
        TelegramTarget {
            url,
            token: config.token,
            chat_id: config.chat_id,
            request_timeout: config.request_timeout,
            retry: config.retry,
        }
    }
}

#[derive(Serialize)]
struct SendMessage<'a> {
    chat_id: &'a ChatId,
    text: &'a str,
}

/// Sends one message, retrying per the policy, and counts the result. Runs while the actor waits on it, which
/// keeps exactly one message in flight and the order of messages intact.
pub(crate) async fn deliver(client: awc::Client, target: Arc<TelegramTarget>, text: String, stats: Arc<NotifierStats>) {
    let text = truncate_chars(&text, TELEGRAM_MAX_CHARS);
    let body = SendMessage { chat_id: &target.chat_id, text: &text };
    let mut attempt = 1;
    loop {
        let outcome = attempt_once(&client, &target, &body).await;
        if outcome == AttemptOutcome::Delivered {
            stats.delivered();
            tracing::debug!(target: "notifier", attempt, "telegram message delivered");
            return;
        }
        match target.retry.delay_after(attempt, &outcome) {
            Some(wait) => {
                tracing::debug!(target: "notifier", attempt, wait_ms = wait.as_millis() as u64, %outcome,
                    "telegram send failed; retrying");
                actix_rt::time::sleep(wait).await;
                attempt += 1;
            }
            None => {
                stats.failed();
                tracing::warn!(target: "notifier", attempts = attempt, %outcome, "telegram message dropped");
                return;
            }
        }
    }
}

async fn attempt_once(client: &awc::Client, target: &TelegramTarget, body: &SendMessage<'_>) -> AttemptOutcome {
    let mut response = match client.post(&target.url).timeout(target.request_timeout).send_json(body).await {
        Ok(r) => r,
        Err(e) => return AttemptOutcome::Transient(scrub(&e.to_string(), &target.token)),
    };
    let status = response.status().as_u16();
    let header_wait = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = match response.body().limit(64 * 1024).await {
        Ok(b) => b,
        // Telegram has accepted the message; an unreadable reply must not make us send it twice.
        Err(_) if (200..300).contains(&status) => return AttemptOutcome::Delivered,
        Err(e) => return AttemptOutcome::Transient(scrub(&e.to_string(), &target.token)),
    };
    match classify(status, &body) {
        AttemptOutcome::RateLimited(None) => AttemptOutcome::RateLimited(header_wait),
        AttemptOutcome::Transient(why) => AttemptOutcome::Transient(scrub(&why, &target.token)),
        AttemptOutcome::Rejected { status, description } => {
            AttemptOutcome::Rejected { status, description: scrub(&description, &target.token) }
        }
        other => other,
    }
}

/// Reads a Bot API reply. Texts returned here are not yet scrubbed.
pub fn classify(status: u16, body: &[u8]) -> AttemptOutcome {
    let reply: Option<ApiReply> = serde_json::from_slice(body).ok();
    let description = || {
        reply
            .as_ref()
            .and_then(|r| r.description.clone())
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned())
    };
    match status {
        200..=299 => AttemptOutcome::Delivered,
        429 => AttemptOutcome::RateLimited(
            reply.as_ref().and_then(|r| r.parameters.as_ref()).and_then(|p| p.retry_after).map(Duration::from_secs),
        ),
        408 | 500..=599 => AttemptOutcome::Transient(format!("HTTP {status}: {}", description())),
        _ => AttemptOutcome::Rejected { status, description: description() },
    }
}

#[derive(serde::Deserialize)]
struct ApiReply {
    description: Option<String>,
    parameters: Option<ApiParameters>,
}

#[derive(serde::Deserialize)]
struct ApiParameters {
    retry_after: Option<u64>,
}

/// Removes the token from a text, in raw and percent-encoded form (`:` becomes `%3A` in some URL renderings).
pub fn scrub(text: &str, token: &Secret) -> String {
    let raw = token.expose();
    if raw.is_empty() {
        return text.to_string();
    }
    let mut out = text.replace(raw, "<redacted>");
    for encoded in [raw.replace(':', "%3A"), raw.replace(':', "%3a")] {
        if encoded != raw {
            out = out.replace(&encoded, "<redacted>");
        }
    }
    out
}

/// Cuts on a character boundary and marks the cut, so a long holdings list still goes out.
pub fn truncate_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars.saturating_sub(1)) {
        Some((cut, _)) if text[cut..].chars().nth(1).is_some() => format!("{}…", &text[..cut]),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_ids_parse_numbers_and_channels() {
        assert_eq!(ChatId::parse("123456789"), Ok(ChatId::Id(123_456_789)));
        assert_eq!(ChatId::parse(" -1001234567890 "), Ok(ChatId::Id(-1_001_234_567_890)));
        assert_eq!(ChatId::parse("@kis_alerts"), Ok(ChatId::Channel("@kis_alerts".into())));
        assert_eq!(ChatId::parse("@"), Err(NotifierConfigError::BadChatId("@".into())));
        assert_eq!(ChatId::parse("kis alerts"), Err(NotifierConfigError::BadChatId("kis alerts".into())));
        assert_eq!(serde_json::to_string(&ChatId::Id(-5)).unwrap(), "-5");
        assert_eq!(serde_json::to_string(&ChatId::Channel("@c".into())).unwrap(), "\"@c\"");
    }

    #[test]
    fn config_refuses_bad_parts_without_printing_the_token() {
        let chat = ChatId::Id(1);
        assert_eq!(
            TelegramConfig::new("ftp://x", Secret::new("1:a"), chat.clone()).unwrap_err(),
            NotifierConfigError::BadBaseUrl("ftp://x".into())
        );
        assert_eq!(
            TelegramConfig::new("https://", Secret::new("1:a"), chat.clone()).unwrap_err(),
            NotifierConfigError::BadBaseUrl("https://".into())
        );
        assert_eq!(
            TelegramConfig::new("https://h", Secret::new(""), chat.clone()).unwrap_err(),
            NotifierConfigError::EmptyToken
        );
        let err = TelegramConfig::new("https://h", Secret::new("12:ab/../x?q"), chat.clone()).unwrap_err();
        assert_eq!(err, NotifierConfigError::BadToken);
        assert!(!err.to_string().contains("ab/../x"));

        let ok = TelegramConfig::new("http://127.0.0.1:8080/", Secret::new("123:AbC-d_e"), chat).unwrap();
        assert!(!format!("{ok:?}").contains("AbC-d_e"));
        let target = TelegramTarget::new(ok);
        assert_eq!(target.url, "http://127.0.0.1:8080/bot123:AbC-d_e/sendMessage");
    }

    #[test]
    fn classify_reads_bot_api_replies() {
        assert_eq!(classify(200, br#"{"ok":true,"result":{}}"#), AttemptOutcome::Delivered);
        let limited = br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#;
        assert_eq!(classify(429, limited), AttemptOutcome::RateLimited(Some(Duration::from_secs(7))));
        assert_eq!(classify(429, b"slow down"), AttemptOutcome::RateLimited(None));
        assert_eq!(
            classify(400, br#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#),
            AttemptOutcome::Rejected { status: 400, description: "Bad Request: chat not found".into() }
        );
        assert_eq!(classify(502, b"bad gateway"), AttemptOutcome::Transient("HTTP 502: bad gateway".into()));
        assert_eq!(classify(408, b""), AttemptOutcome::Transient("HTTP 408: ".into()));
    }

    #[test]
    fn retry_policy_backs_off_and_honours_retry_after() {
        let p = RetryPolicy {
            max_attempts: 5,
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_millis(300),
            max_retry_after: Duration::from_secs(10),
        };
        let t = AttemptOutcome::Transient("x".into());
        assert_eq!(p.delay_after(1, &t), Some(Duration::from_millis(100)));
        assert_eq!(p.delay_after(2, &t), Some(Duration::from_millis(200)));
        assert_eq!(p.delay_after(3, &t), Some(Duration::from_millis(300)));
        assert_eq!(p.delay_after(4, &t), Some(Duration::from_millis(300)));
        assert_eq!(p.delay_after(5, &t), None);
        let limited = AttemptOutcome::RateLimited(Some(Duration::from_secs(3)));
        assert_eq!(p.delay_after(1, &limited), Some(Duration::from_secs(3)));
        assert_eq!(p.delay_after(1, &AttemptOutcome::RateLimited(Some(Duration::from_secs(11)))), None);
        assert_eq!(p.delay_after(2, &AttemptOutcome::RateLimited(None)), Some(Duration::from_millis(200)));
        assert_eq!(p.delay_after(1, &AttemptOutcome::Rejected { status: 403, description: String::new() }), None);
        assert_eq!(p.delay_after(1, &AttemptOutcome::Delivered), None);
        let huge = RetryPolicy { max_attempts: u32::MAX, ..p };
        assert_eq!(huge.delay_after(200, &t), Some(Duration::from_millis(300)));
    }

    #[test]
    fn scrub_removes_raw_and_encoded_token() {
        let token = Secret::new("777:SECRETxyz");
        let text = "error sending request for url (https://h/bot777:SECRETxyz/sendMessage) and 777%3ASECRETxyz";
        assert_eq!(
            scrub(text, &token),
            "error sending request for url (https://h/bot<redacted>/sendMessage) and <redacted>"
        );
        assert_eq!(scrub("nothing here", &Secret::new("")), "nothing here");
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("abcd", 3), "ab…");
        assert_eq!(truncate_chars("매수매도", 3), "매수…");
        assert_eq!(truncate_chars("매수매도", 3).chars().count(), 3);
        assert_eq!(truncate_chars("", 3), "");
    }
}

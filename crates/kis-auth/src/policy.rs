//! When to use, refresh or issue the access token — pure: the time is an argument.
//!
//! KIS's rules (kis-protocol.md §2.1): a token lives 24 h; asking again within 6 h returns the same token;
//! more than one issue a minute is refused with `EGW00133`; and every issue sends the user a text message. So:
//! issue rarely, persist what was issued, refresh once an hour before expiry (23 h after issue, when KIS hands
//! out a new token), and space every attempt — successful or not — by at least a minute.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// When an access token was obtained and when KIS says it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenTimes {
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What to do about the access token now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenDecision {
    /// The cached token is good; look again at `refresh_at`.
    Use { refresh_at: DateTime<Utc> },
    /// The cached token is still good but due for replacement: keep using it, and issue a new one at the
    /// instant given (now, or when the one-a-minute rule allows).
    RefreshAt(DateTime<Utc>),
    /// No usable token: issue one, not before `not_before` (callers wait for it).
    Issue { not_before: DateTime<Utc> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPolicy {
    /// Refresh this long before expiry (KIS: tokens live 24 h; 1 h leaves time for retries and a minute gap).
    pub refresh_before: TimeDelta,
    /// At most one issue attempt per this interval (KIS: one a minute, `EGW00133`).
    pub min_issue_interval: TimeDelta,
    /// A token this close to expiry is treated as expired, so that a request does not leave with a token that
    /// dies in flight.
    pub expiry_margin: TimeDelta,
    /// Approval keys live 24 h; reissued after this long (no rate limit applies to them).
    pub approval_max_age: TimeDelta,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        TokenPolicy {
            refresh_before: TimeDelta::hours(1),
            min_issue_interval: TimeDelta::seconds(60),
            expiry_margin: TimeDelta::seconds(30),
            approval_max_age: TimeDelta::hours(23),
        }
    }
}

impl TokenPolicy {
    /// The earliest instant another issue may be attempted.
    pub fn next_issue_allowed(&self, last_attempt: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
        match last_attempt {
            Some(t) => (t + self.min_issue_interval).max(now),
            None => now,
        }
    }

    pub fn decide(
        &self,
        cached: Option<TokenTimes>,
        last_attempt: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> TokenDecision {
        let allowed = self.next_issue_allowed(last_attempt, now);
        match cached {
            Some(t) if now < t.expires_at - self.expiry_margin => {
                let refresh_at = (t.expires_at - self.refresh_before).max(t.issued_at);
                if now < refresh_at { TokenDecision::Use { refresh_at } } else { TokenDecision::RefreshAt(allowed) }
            }
            _ => TokenDecision::Issue { not_before: allowed },
        }
    }

    pub fn approval_usable(&self, issued_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now >= issued_at && now < issued_at + self.approval_max_age
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn token() -> TokenTimes {
        TokenTimes { issued_at: t("2026-03-04T00:00:00Z"), expires_at: t("2026-03-05T00:00:00Z") }
    }

    #[test]
    fn a_fresh_token_is_used_until_an_hour_before_expiry() {
        let p = TokenPolicy::default();
        let refresh_at = t("2026-03-04T23:00:00Z");
        assert_eq!(p.decide(Some(token()), None, t("2026-03-04T00:00:01Z")), TokenDecision::Use { refresh_at });
        assert_eq!(p.decide(Some(token()), None, t("2026-03-04T22:59:59Z")), TokenDecision::Use { refresh_at });
        // At the refresh instant exactly: refresh now, keep using the old token meanwhile.
        assert_eq!(p.decide(Some(token()), None, refresh_at), TokenDecision::RefreshAt(refresh_at));
    }

    #[test]
    fn a_refresh_waits_for_the_one_a_minute_rule() {
        let p = TokenPolicy::default();
        let now = t("2026-03-04T23:10:00Z");
        let attempt = t("2026-03-04T23:09:30Z");
        assert_eq!(p.decide(Some(token()), Some(attempt), now), TokenDecision::RefreshAt(t("2026-03-04T23:10:30Z")));
        // An attempt longer ago than a minute does not delay anything.
        let old = t("2026-03-04T23:00:00Z");
        assert_eq!(p.decide(Some(token()), Some(old), now), TokenDecision::RefreshAt(now));
    }

    #[test]
    fn an_expired_or_nearly_expired_token_needs_an_issue() {
        let p = TokenPolicy::default();
        let now = t("2026-03-04T23:59:30Z");
        // 30 s left is inside the margin: not usable.
        assert_eq!(p.decide(Some(token()), None, now), TokenDecision::Issue { not_before: now });
        let just_before = t("2026-03-04T23:59:29Z");
        assert_eq!(p.decide(Some(token()), None, just_before), TokenDecision::RefreshAt(just_before));
        let later = t("2026-03-06T00:00:00Z");
        assert_eq!(p.decide(Some(token()), None, later), TokenDecision::Issue { not_before: later });
        assert_eq!(p.decide(None, None, later), TokenDecision::Issue { not_before: later });
        // After a refused attempt (EGW00133) the next one waits a full minute.
        let refused = t("2026-03-06T00:00:00Z");
        let now = t("2026-03-06T00:00:10Z");
        assert_eq!(p.decide(None, Some(refused), now), TokenDecision::Issue { not_before: t("2026-03-06T00:01:00Z") });
    }

    #[test]
    fn a_short_lived_token_refreshes_no_earlier_than_its_issue() {
        // A token living less than the refresh lead (a simulator setting) is due at once, never "in the past".
        let p = TokenPolicy::default();
        let short = TokenTimes { issued_at: t("2026-03-04T00:00:00Z"), expires_at: t("2026-03-04T00:10:00Z") };
        let now = t("2026-03-04T00:00:05Z");
        assert_eq!(p.decide(Some(short), None, now), TokenDecision::RefreshAt(now));
    }

    #[test]
    fn approval_keys_are_reused_for_23_hours() {
        let p = TokenPolicy::default();
        let issued = t("2026-03-04T00:00:00Z");
        assert!(p.approval_usable(issued, t("2026-03-04T22:59:59Z")));
        assert!(!p.approval_usable(issued, t("2026-03-04T23:00:00Z")));
        // A key "issued" in the future (clock moved back) is not trusted.
        assert!(!p.approval_usable(issued, t("2026-03-03T23:00:00Z")));
    }
}

//! The token lifecycle over a real [`RestClient`], without an actor: the daemon's TokenManager actor holds one
//! of these (a cheap clone shares the state), asks [`TokenManager::next_refresh`] when to wake up, and hands
//! tokens to whoever calls.
//!
//! Every issue goes through one async lock, so concurrent callers that all find the token missing produce one
//! `tokenP`, not one each (the rest would be refused with `EGW00133`). The state file is written after every
//! change; a failure to write it is logged and trading goes on — the cost is one extra issue after a restart.

use std::cell::Cell;
use std::rc::Rc;

use chrono::{DateTime, TimeDelta, Utc};
use kis_client::{ClientError, Priority, RestClient, RestResponse};
use kis_model::Secret;
use kis_protocol::error_class::{ApiError, ErrorClass};
use kis_protocol::rest::RestRequest;
use kis_protocol::rest::oauth::TokenResponse;
use thiserror::Error;
use tokio::sync::Mutex;

use crate::policy::{TokenDecision, TokenPolicy, TokenTimes};
use crate::store::{StoreEntry, StoreKey, StoredApproval, StoredToken, TokenStore};

/// `tokenP` attempts per [`TokenManager::token`] call before giving up: the first, and one after each
/// `EGW00133` wait. More would only mean KIS keeps refusing, which a human should look at.
pub const MAX_ISSUE_ATTEMPTS: u32 = 3;

/// The two credentials KIS issues, named in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    AccessToken,
    ApprovalKey,
}

impl std::fmt::Display for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credential::AccessToken => "an access token (/oauth2/tokenP)",
            Credential::ApprovalKey => "a WebSocket approval key (/oauth2/Approval)",
        })
    }
}

#[derive(Debug, Error)]
pub enum AuthError {
    /// The request itself failed (KIS refused it, or no usable answer), or a credential request failed
    /// before KIS answered (no connection, cut off, not buildable). Worded by the client error alone: it
    /// names the endpoint where the transport failed, and a refusal is about the request, not a credential.
    #[error("{0}")]
    Client(#[from] ClientError),
    /// KIS answered `tokenP` or `Approval` with an error (bad app key, wrong domain, HTTP 500) that waiting
    /// does not fix. Kept apart from [`AuthError::Client`] so the message says which credential failed.
    #[error("KIS did not issue {what}: {error}")]
    CredentialRefused { what: Credential, error: ApiError },
    #[error("KIS refused to issue an access token {attempts} times in a row (EGW00133, one issue a minute)")]
    IssueRefused { attempts: u32 },
    /// A token issued just now because the previous one expired was itself refused as expired: replaying
    /// again would loop. Usually a clock or environment mix-up (a paper token on the real service).
    #[error("a freshly issued access token was refused as expired or invalid")]
    FreshTokenRefused,
}

/// Counters, for health lines and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthStats {
    /// `tokenP` calls made, including refused ones.
    pub issue_attempts: u32,
    /// `Approval` calls made.
    pub approval_requests: u32,
}

/// A token obtained by [`TokenManager::on_expired`] and refused again within this long is not replaced: a new
/// one could not be issued sooner anyway (one a minute), and the refusal means something is wrong besides age.
const FRESH_TOKEN_WINDOW: TimeDelta = TimeDelta::seconds(60);

struct State {
    entry: StoreEntry,
    /// The token obtained by [`TokenManager::on_expired`], and when.
    reissued_for_expiry: Option<(Secret, DateTime<Utc>)>,
}

struct Inner {
    client: RestClient,
    store: TokenStore,
    key: StoreKey,
    policy: TokenPolicy,
    state: Mutex<State>,
    stats: Cell<AuthStats>,
}

/// Cheap to clone; clones share the cache. Not `Send` (awc is not): it lives on the arbiter of its client.
#[derive(Clone)]
pub struct TokenManager {
    inner: Rc<Inner>,
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager").field("key", &self.inner.key).field("store", &self.inner.store).finish()
    }
}

impl TokenManager {
    /// Reads the cached entry for `key` from `store`. An unreadable or untrusted file (see [`TokenStore`]) is
    /// logged and ignored: the manager starts empty and the next save replaces the file.
    pub fn new(client: RestClient, store: TokenStore, key: StoreKey, policy: TokenPolicy) -> TokenManager {
        let entry = match store.load(&key) {
            Ok(entry) => entry.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %e, "ignoring the token state file");
                StoreEntry::default()
            }
        };
        let state = State { entry, reissued_for_expiry: None };
        let inner =
            Inner { client, store, key, policy, state: Mutex::new(state), stats: Cell::new(AuthStats::default()) };
        TokenManager { inner: Rc::new(inner) }
    }

    pub fn stats(&self) -> AuthStats {
        self.inner.stats.get()
    }

    /// When the actor should call [`TokenManager::token`] again to refresh ahead of expiry; `None` when there is
    /// no token yet or the lock is held by an issue in progress.
    pub fn next_refresh(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let state = self.inner.state.try_lock().ok()?;
        let cached = state.entry.access_token.as_ref().map(StoredToken::times);
        match self.inner.policy.decide(cached, state.entry.last_issue_attempt, now) {
            TokenDecision::Use { refresh_at } => Some(refresh_at),
            TokenDecision::RefreshAt(at) => Some(at),
            TokenDecision::Issue { .. } => None,
        }
    }

    /// The access token: the cached one, refreshed when due, or a new one (waiting for KIS's one-a-minute rule
    /// when it applies).
    pub async fn token(&self) -> Result<Secret, AuthError> {
        let mut state = self.inner.state.lock().await;
        self.ensure_token(&mut state).await
    }

    /// KIS answered `EGW00123`/`EGW00121` to a request sent with `stale`. Returns the token to replay the
    /// request with, once: a newer cached token if another caller already replaced `stale`, else a new one.
    /// Safe for orders: a gateway token refusal means the request was not executed.
    pub async fn on_expired(&self, stale: &Secret) -> Result<Secret, AuthError> {
        let mut state = self.inner.state.lock().await;
        if let Some((fresh, at)) = &state.reissued_for_expiry
            && fresh == stale
            && Utc::now() - *at < FRESH_TOKEN_WINDOW
        {
            return Err(AuthError::FreshTokenRefused);
        }
        let current = state.entry.access_token.as_ref().map(|t| t.token.clone());
        if let Some(current) = current.filter(|c| c != stale) {
            return Ok(current);
        }
        tracing::info!("access token refused as expired; issuing a new one");
        state.entry.access_token = None;
        let token = self.ensure_token(&mut state).await?;
        state.reissued_for_expiry = Some((token.clone(), Utc::now()));
        Ok(token)
    }

    /// Sends `request` with the current token; on a token refusal, obtains a new token and replays once.
    pub async fn call<R: RestRequest>(
        &self,
        request: &R,
        priority: Priority,
        tr_cont: Option<&str>,
    ) -> Result<RestResponse<R::Body>, AuthError> {
        let token = self.token().await?;
        match self.inner.client.call(request, &token, priority, tr_cont).await {
            Err(e) if e.class().is_some_and(ErrorClass::needs_new_token) => {
                let fresh = self.on_expired(&token).await?;
                Ok(self.inner.client.call(request, &fresh, priority, tr_cont).await?)
            }
            other => Ok(other?),
        }
    }

    /// The WebSocket approval key, cached (and persisted) for [`TokenPolicy::approval_max_age`].
    pub async fn approval_key(&self) -> Result<Secret, AuthError> {
        let mut state = self.inner.state.lock().await;
        let now = Utc::now();
        if let Some(a) = &state.entry.approval_key
            && self.inner.policy.approval_usable(a.issued_at, now)
        {
            return Ok(a.key.clone());
        }
        self.bump(|s| s.approval_requests += 1);
        let key = self
            .inner
            .client
            .approval_key()
            .await
            .map_err(|e| credential_error(Credential::ApprovalKey, e))?
            .approval_key;
        state.entry.approval_key = Some(StoredApproval { key: key.clone(), issued_at: now });
        self.persist(&state.entry);
        Ok(key)
    }

    /// Drops the cached approval key (the WebSocket said it is unknown: `OPSP0011`).
    pub async fn forget_approval_key(&self) {
        let mut state = self.inner.state.lock().await;
        state.entry.approval_key = None;
        self.persist(&state.entry);
    }

    async fn ensure_token(&self, state: &mut State) -> Result<Secret, AuthError> {
        let policy = self.inner.policy;
        for attempt in 1..=MAX_ISSUE_ATTEMPTS {
            let now = Utc::now();
            let cached = state.entry.access_token.as_ref().map(StoredToken::times);
            let not_before =
                match (policy.decide(cached, state.entry.last_issue_attempt, now), &state.entry.access_token) {
                    (TokenDecision::Use { .. }, Some(t)) => return Ok(t.token.clone()),
                    // Due for refresh but not yet allowed to issue: the old token is still good.
                    (TokenDecision::RefreshAt(at), Some(t)) if at > now => return Ok(t.token.clone()),
                    (TokenDecision::RefreshAt(at), _) => at,
                    (TokenDecision::Issue { not_before }, _) => not_before,
                    // `decide` says Use only with a cached token; issuing is the safe reading of anything else.
                    (TokenDecision::Use { .. }, None) => now,
                };
            if let Ok(wait) = (not_before - now).to_std()
                && !wait.is_zero()
            {
                let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                tracing::info!(wait_ms, "waiting for KIS's one-token-a-minute rule");
                tokio::time::sleep(wait).await;
            }
            let attempted_at = Utc::now();
            state.entry.last_issue_attempt = Some(attempted_at);
            self.bump(|s| s.issue_attempts += 1);
            let result = self.inner.client.issue_token().await;
            // A refresh that fails leaves the old token in service while it lasts.
            let still_good = state
                .entry
                .access_token
                .as_ref()
                .filter(|t| attempted_at < t.expires_at - policy.expiry_margin)
                .map(|t| t.token.clone());
            match result {
                Ok(reply) => {
                    let times = token_times(&reply, attempted_at);
                    tracing::info!(expires_at = %times.expires_at, "access token issued");
                    state.entry.access_token = Some(StoredToken {
                        token: reply.access_token.clone(),
                        issued_at: times.issued_at,
                        expires_at: times.expires_at,
                    });
                    self.persist(&state.entry);
                    return Ok(reply.access_token);
                }
                Err(e) if e.class() == Some(ErrorClass::TokenIssueTooSoon) => {
                    tracing::warn!(attempt, "token issue refused (EGW00133); waiting a full interval");
                    self.persist(&state.entry);
                    if let Some(token) = still_good {
                        return Ok(token);
                    }
                }
                Err(e) => {
                    self.persist(&state.entry);
                    match still_good {
                        Some(token) => {
                            tracing::warn!(error = %e, "token refresh failed; the current token stays in use");
                            return Ok(token);
                        }
                        None => return Err(credential_error(Credential::AccessToken, e)),
                    }
                }
            }
        }
        Err(AuthError::IssueRefused { attempts: MAX_ISSUE_ATTEMPTS })
    }

    fn persist(&self, entry: &StoreEntry) {
        if let Err(e) = self.inner.store.save(&self.inner.key, entry) {
            tracing::warn!(error = %e, "cannot save the token state file; a restart will issue a new token");
        }
    }

    fn bump(&self, f: impl FnOnce(&mut AuthStats)) {
        let mut s = self.inner.stats.get();
        f(&mut s);
        self.inner.stats.set(s);
    }
}

/// A failed `tokenP`/`Approval`: KIS's own answer names the credential; a transport failure stays a client
/// error (it names the endpoint, and callers read it as "nothing was sent").
fn credential_error(what: Credential, e: ClientError) -> AuthError {
    match e {
        ClientError::Api(error) => AuthError::CredentialRefused { what, error },
        other => AuthError::Client(other),
    }
}

/// KIS's expiry text, judged in Asia/Seoul. If it cannot be read, `expires_in` from the moment we asked is a
/// safe stand-in (the token was issued after we asked, so it expires no earlier).
fn token_times(reply: &TokenResponse, attempted_at: DateTime<Utc>) -> TokenTimes {
    let from_lifetime =
        attempted_at + TimeDelta::seconds(i64::try_from(reply.expires_in).unwrap_or(i64::MAX / 1_000_000));
    let expires_at =
        match reply.expires_at_kst().ok().map(|local| kis_model::kst::kst_instant(local.date(), local.time())) {
            Some(t) => t,
            None => {
                tracing::warn!("unreadable access_token_token_expired; using expires_in");
                from_lifetime
            }
        };
    TokenTimes { issued_at: attempted_at, expires_at }
}

//! Typed REST calls with KIS's headers, the shared budget, and the retry rules a trading client needs.
//!
//! Retry policy, in one place:
//! - `EGW00201`/`EGW00215` (rate limited) are gateway refusals — nothing was executed — so the call is
//!   retried after the window clears, orders included, up to [`RATE_LIMIT_RETRIES`] times.
//! - A transport failure on a GET is retried once; on a POST it is **not**: the order may have been executed,
//!   and the caller must reconcile with the day's orders ([`ClientError::is_uncertain`]).
//! - Token errors are returned to the caller (the token manager reissues and replays).

use std::time::Duration;

use kis_model::Secret;
use kis_protocol::error_class::ErrorClass;
use kis_protocol::rest::oauth::{
    APPROVAL_PATH, ApprovalRequest, ApprovalResponse, REVOKE_PATH, RevokeRequest, RevokeResponse, TOKEN_PATH,
    TokenRequest, TokenResponse,
};
use kis_protocol::rest::{Method, Reply, RestRequest, TrCont, decode_plain, decode_reply};

use crate::endpoints::{Credentials, Endpoints};
use crate::error::ClientError;
use crate::rate_limit::{Priority, RateLimiter};

/// Retries of a rate-limited call before the error goes to the caller.
pub const RATE_LIMIT_RETRIES: u32 = 5;
/// Largest reply body accepted (rank and candle replies are tens of KB).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// A successful reply and the paging header that came with it.
#[derive(Debug, Clone)]
pub struct RestResponse<B> {
    pub http_status: u16,
    pub reply: Reply<B>,
    /// Response header `tr_cont` (`F`/`M` more pages, `D`/`E` last).
    pub tr_cont: Option<TrCont>,
}

/// One app key's REST client. Clones share the HTTP connection pool and the request budget.
#[derive(Clone)]
pub struct RestClient {
    http: awc::Client,
    endpoints: Endpoints,
    credentials: Credentials,
    limiter: RateLimiter,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient").field("endpoints", &self.endpoints).finish_non_exhaustive()
    }
}

struct RawReply {
    status: u16,
    body: bytes::Bytes,
    tr_cont: Option<TrCont>,
}

impl RestClient {
    /// `per_second` is the app key's budget (20 real, 2 paper unless configured otherwise).
    pub fn new(endpoints: Endpoints, credentials: Credentials, per_second: u32, timeout: Duration) -> RestClient {
        let http = awc::Client::builder().timeout(timeout).finish();
        RestClient { http, endpoints, credentials, limiter: RateLimiter::new(per_second) }
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// Issues an access token (`/oauth2/tokenP`). KIS allows one issue a minute; callers cache the result.
    pub async fn issue_token(&self) -> Result<TokenResponse, ClientError> {
        let body = TokenRequest::new(self.credentials.app_key.expose(), self.credentials.app_secret.expose());
        self.plain_post(TOKEN_PATH, &body).await
    }

    /// Issues a WebSocket approval key (`/oauth2/Approval`).
    pub async fn approval_key(&self) -> Result<ApprovalResponse, ClientError> {
        let body = ApprovalRequest::new(self.credentials.app_key.expose(), self.credentials.app_secret.expose());
        self.plain_post(APPROVAL_PATH, &body).await
    }

    /// Revokes `token` (`/oauth2/revokeP`).
    pub async fn revoke(&self, token: &Secret) -> Result<RevokeResponse, ClientError> {
        let body = RevokeRequest {
            appkey: self.credentials.app_key.clone(),
            appsecret: self.credentials.app_secret.clone(),
            token: token.clone(),
        };
        self.plain_post(REVOKE_PATH, &body).await
    }

    async fn plain_post<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(
        &self,
        path: &'static str,
        body: &Req,
    ) -> Result<Resp, ClientError> {
        let json = serde_json::to_string(body).map_err(|e| ClientError::Build { path, detail: e.to_string() })?;
        self.limiter.acquire(Priority::Account).await;
        let request =
            self.http.post(self.endpoints.url(path)).insert_header(("content-type", "application/json; charset=utf-8"));
        let raw = self.send(path, request, Some(json)).await?;
        decode_plain(raw.status, &raw.body).map_err(ClientError::Api)
    }

    /// Sends `request` with `token`, retrying only what is safe to retry (see the module docs).
    /// `tr_cont` is `"N"` when fetching a next page.
    pub async fn call<R: RestRequest>(
        &self,
        request: &R,
        token: &Secret,
        priority: Priority,
        tr_cont: Option<&str>,
    ) -> Result<RestResponse<R::Body>, ClientError> {
        let op = request.op();
        let tr_id =
            request.tr_id(self.endpoints.env).ok_or(ClientError::NotOnEnvironment { op, env: self.endpoints.env })?;
        let params = request.params();
        let mut rate_limited = 0;
        let mut transport_retried = false;
        loop {
            self.limiter.acquire(priority).await;
            let url = self.endpoints.url(R::PATH);
            let builder = match R::METHOD {
                Method::Get => self.http.get(url),
                Method::Post => self.http.post(url),
            };
            let mut builder = builder
                .insert_header(("content-type", "application/json; charset=utf-8"))
                .insert_header(("authorization", format!("Bearer {}", token.expose())))
                .insert_header(("appkey", self.credentials.app_key.expose()))
                .insert_header(("appsecret", self.credentials.app_secret.expose()))
                .insert_header(("tr_id", tr_id))
                .insert_header(("custtype", "P"))
                .insert_header(("tr_cont", tr_cont.unwrap_or("")));
            let body = match R::METHOD {
                Method::Get => {
                    builder = builder
                        .query(&params)
                        .map_err(|e| ClientError::Build { path: R::PATH, detail: e.to_string() })?;
                    None
                }
                Method::Post => Some(request.json_body()),
            };
            let raw = match self.send(R::PATH, builder, body).await {
                Ok(raw) => raw,
                Err(ClientError::Transport { .. }) if R::METHOD == Method::Get && !transport_retried => {
                    transport_retried = true;
                    continue;
                }
                Err(e) => return Err(e),
            };
            match decode_reply::<R::Body>(raw.status, &raw.body) {
                Ok(reply) => return Ok(RestResponse { http_status: raw.status, reply, tr_cont: raw.tr_cont }),
                Err(e) if e.class == ErrorClass::RateLimited && rate_limited < RATE_LIMIT_RETRIES => {
                    rate_limited += 1;
                    tracing::debug!(
                        path = R::PATH,
                        attempt = rate_limited,
                        "rate limited by KIS; waiting for the window"
                    );
                    self.limiter.saturate();
                }
                Err(e) => return Err(ClientError::Api(e)),
            }
        }
    }

    async fn send(
        &self,
        path: &'static str,
        request: awc::ClientRequest,
        body: Option<String>,
    ) -> Result<RawReply, ClientError> {
        let is_post = body.is_some();
        let sent = match body {
            Some(json) => request.send_body(json).await,
            None => request.send().await,
        };
        let mut response = sent.map_err(|e| ClientError::Transport {
            path,
            detail: e.to_string(),
            uncertain: is_post && !provably_unsent(&e),
        })?;
        let status = response.status();
        let tr_cont = response.headers().get("tr_cont").and_then(|v| v.to_str().ok()).and_then(TrCont::parse);
        let body = response.body().limit(MAX_BODY).await.map_err(|e| ClientError::Transport {
            path,
            detail: e.to_string(),
            uncertain: is_post,
        })?;
        Ok(RawReply { status: status.as_u16(), body, tr_cont })
    }
}

/// Whether a failed send provably wrote no byte of the request, so the server cannot have acted on it.
///
/// Only failures to *open* a connection qualify: the name did not resolve, the TCP connect was refused or
/// timed out, TLS could not be set up, or the request could not even be built. awc reports a pooled
/// connection that the server closed while the request was on it — after every byte was written and
/// while the reply was awaited — as `ConnectError::Disconnected`, the same family as a refused connect;
/// KIS may have executed such an order, so it is *not* proof of anything.
fn provably_unsent(e: &awc::error::SendRequestError) -> bool {
    use awc::error::{ConnectError, SendRequestError};
    match e {
        SendRequestError::Url(_) | SendRequestError::Http(_) => true,
        SendRequestError::Connect(c) => !matches!(c, ConnectError::Disconnected),
        _ => false,
    }
}

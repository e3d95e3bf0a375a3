//! The daemon's REST service: every actor that talks to KIS over REST (OrderRouter, RiskManager, Screener,
//! TokenManager) holds a clone of one [`KisApi`]. A clone shares the HTTP pool, the per-app-key request
//! budget (orders first, screener last) and the token cache, so the limits hold across all callers.
//!
//! A service rather than an actor because every call is already asynchronous and independently retried:
//! an actor in between would only add a hop. It is `!Send` (awc is), so it lives on the daemon's I/O
//! arbiter with the actors that use it.
//!
//! What it adds over [`kis_auth::TokenManager::call`] (which replays a request once after `EGW00123`): the
//! account and HTS ID the requests need, fetching all pages of a paged inquiry, and errors that never
//! carry a secret.

use kis_auth::{AuthError, TokenManager};
use kis_client::{ClientError, Priority, RestResponse};
use kis_model::{AccountNo, Environment, Secret};
use kis_protocol::error_class::{ApiError, ErrorClass};
use kis_protocol::rest::RestRequest;
use kis_protocol::rest::pagination::{Continuation, NextPage, PagedBody, next_page};
use thiserror::Error;

/// A paged inquiry stops after this many pages: a server that keeps saying "more" must not loop us forever.
pub const MAX_PAGES: usize = 50;

#[derive(Debug, Error)]
pub enum ApiCallError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("{what}: more than {MAX_PAGES} pages, or the cursor repeated")]
    Paging { what: &'static str },
}

impl ApiCallError {
    pub fn class(&self) -> Option<ErrorClass> {
        self.api_error().map(|e| e.class)
    }

    /// KIS's answer, when KIS answered with an error: to the request itself, or to the credential request
    /// made for it (a refused `tokenP` is as much KIS's word as a refused order).
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            ApiCallError::Auth(AuthError::Client(ClientError::Api(e)))
            | ApiCallError::Auth(AuthError::CredentialRefused { error: e, .. }) => Some(e),
            _ => None,
        }
    }

    /// True when the request may have been executed although no answer came (an order POST cut off).
    pub fn is_uncertain(&self) -> bool {
        matches!(self, ApiCallError::Auth(AuthError::Client(e)) if e.is_uncertain())
    }

    /// The KIS message code and text, when KIS answered with an error.
    pub fn kis_message(&self) -> Option<(String, String)> {
        self.api_error().map(|e| (e.msg_cd.clone(), e.msg1.clone()))
    }
}

/// Who we are to KIS beyond the app key: the account orders go to and the HTS ID fill notices are keyed by.
#[derive(Debug, Clone)]
pub struct AccountIdentity {
    pub account: AccountNo,
    pub hts_id: Option<Secret>,
    pub env: Environment,
}

#[derive(Clone)]
pub struct KisApi {
    auth: TokenManager,
    identity: AccountIdentity,
}

impl std::fmt::Debug for KisApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KisApi").field("env", &self.identity.env).finish_non_exhaustive()
    }
}

impl KisApi {
    pub fn new(auth: TokenManager, identity: AccountIdentity) -> KisApi {
        KisApi { auth, identity }
    }

    pub fn auth(&self) -> &TokenManager {
        &self.auth
    }

    pub fn account(&self) -> &AccountNo {
        &self.identity.account
    }

    pub fn hts_id(&self) -> Option<&Secret> {
        self.identity.hts_id.as_ref()
    }

    pub fn env(&self) -> Environment {
        self.identity.env
    }

    /// One request; `EGW00201` is retried by the client, `EGW00123` replayed once with a new token.
    pub async fn call<R: RestRequest>(
        &self,
        request: &R,
        priority: Priority,
    ) -> Result<RestResponse<R::Body>, ApiCallError> {
        Ok(self.auth.call(request, priority, None).await?)
    }

    /// Every page of a paged inquiry, in order. `set_cursor` writes the cursor into the request (KIS's
    /// requests name the cursor fields differently).
    pub async fn call_paged<R: RestRequest>(
        &self,
        mut request: R,
        priority: Priority,
        what: &'static str,
        set_cursor: impl Fn(&mut R, Continuation),
    ) -> Result<Vec<R::Body>, ApiCallError>
    where
        R::Body: PagedBody,
    {
        let mut pages = Vec::new();
        let mut tr_cont: Option<&'static str> = None;
        let mut last_cursor: Option<Continuation> = None;
        for _ in 0..MAX_PAGES {
            let page = self.auth.call(&request, priority, tr_cont).await?;
            let next = next_page(page.tr_cont.map(|t| t.as_str()), &page.reply.body);
            pages.push(page.reply.body);
            match next {
                NextPage::Done => return Ok(pages),
                NextPage::Fetch { tr_cont: header, continuation } => {
                    if last_cursor.as_ref() == Some(&continuation) {
                        return Err(ApiCallError::Paging { what });
                    }
                    last_cursor = Some(continuation.clone());
                    set_cursor(&mut request, continuation);
                    tr_cont = Some(header);
                }
            }
        }
        Err(ApiCallError::Paging { what })
    }
}

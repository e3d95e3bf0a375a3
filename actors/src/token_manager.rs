//! The TokenManager actor: gets the access token ready before anything trades, refreshes it ahead of expiry
//! (judged in Asia/Seoul by kis-auth's policy) and reports to the supervisor.
//!
//! The token cache itself is [`kis_auth::TokenManager`], shared (an `Rc`, same arbiter) with [`KisApi`] and the
//! feed: every REST call asks it for the current token and it serialises issues behind one async lock, so a
//! burst of callers at expiry produces one `tokenP`. This actor owns the *schedule*: nobody would otherwise
//! refresh a token during a quiet hour, and the first order of the day would pay for the issue.
//!
//! [`KisApi`]: crate::kis_api::KisApi

use std::time::Duration;

use actix::prelude::*;
use chrono::Utc;
use kis_auth::AuthStats;

use crate::supervisor::{Beating, HeartbeatReporter, Shutdown, start_heartbeat};

/// When the token is not due, look again after this long anyway (a clock jump, a token replaced by a
/// `EGW00123` replay in between).
const MAX_SLEEP: Duration = Duration::from_secs(600);
/// After a failed issue, try again after this long (KIS allows one issue a minute).
const RETRY_AFTER: Duration = Duration::from_secs(61);

pub struct TokenManagerActor {
    auth: kis_auth::TokenManager,
    heartbeat: Option<(HeartbeatReporter, Duration)>,
    ready: bool,
}

/// Counters of the underlying cache (issues, approvals), for tests and health.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "TokenStatus")]
pub struct GetTokenStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenStatus {
    pub ready: bool,
    pub stats: AuthStats,
}

impl TokenManagerActor {
    pub fn new(auth: kis_auth::TokenManager) -> TokenManagerActor {
        TokenManagerActor { auth, heartbeat: None, ready: false }
    }

    pub fn with_heartbeat(mut self, reporter: HeartbeatReporter, interval: Duration) -> TokenManagerActor {
        self.heartbeat = Some((reporter, interval));
        self
    }

    /// Makes sure a token is cached (reused from the state file or issued), then sleeps until it is due.
    fn cycle(&mut self, ctx: &mut Context<Self>) {
        let auth = self.auth.clone();
        let before = auth.stats().issue_attempts;
        ctx.spawn(async move { auth.token().await.map(|_| ()) }.into_actor(self).map(move |result, act, ctx| {
            if let Some((reporter, _)) = &mut act.heartbeat {
                reporter.touch();
            }
            let delay = match result {
                Ok(()) => {
                    let issued = act.auth.stats().issue_attempts > before;
                    if !act.ready || issued {
                        let how = if issued { "issued" } else { "reused from the state file" };
                        tracing::info!(target: "token_manager", "access token ready ({how})");
                    }
                    act.ready = true;
                    match act.auth.next_refresh(Utc::now()) {
                        Some(at) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(MAX_SLEEP),
                        None => RETRY_AFTER,
                    }
                }
                Err(e) => {
                    tracing::error!(target: "token_manager", error = %e, "cannot obtain an access token; retrying");
                    RETRY_AFTER
                }
            };
            // Never spin: a token due "now" that could not be replaced yet is retried a second later.
            ctx.run_later(delay.max(Duration::from_secs(1)), |act, ctx| act.cycle(ctx));
        }));
    }
}

impl Beating for TokenManagerActor {
    fn heartbeat(&self) -> Option<&(HeartbeatReporter, Duration)> {
        self.heartbeat.as_ref()
    }
}

impl Actor for TokenManagerActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        start_heartbeat(self, ctx);
        self.cycle(ctx);
    }
}

impl Handler<GetTokenStatus> for TokenManagerActor {
    type Result = MessageResult<GetTokenStatus>;

    fn handle(&mut self, _: GetTokenStatus, _: &mut Self::Context) -> Self::Result {
        MessageResult(TokenStatus { ready: self.ready, stats: self.auth.stats() })
    }
}

impl Handler<Shutdown> for TokenManagerActor {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

//! The WsFeed actor: the daemon's KIS WebSocket client. It keeps one session per app key, shards the
//! subscribed symbols over them (41 registrations each), decodes trades and books into `MarketEvent`s for
//! the cache and the subscribers, decrypts execution notices for the OrderRouter, and repairs dropped or
//! silent sessions by itself (backoff, re-approval, resubscription of exactly the current table).
//!
//! - [`subscriptions`]: the pure table — reference counts, session assignment, what to register.
//! - `session`: one connection's loop (local task on the actor's arbiter: awc is `!Send`).
//! - [`decode`]: frame → market events, and the rate-limited failure log.
//! - [`notice`]: decrypted notice record → [`ExecutionNotice`](crate::messages::ExecutionNotice).

pub mod failure_log;
pub mod notice;
mod session;
pub mod subscriptions;

use std::hash::{BuildHasher, Hasher};
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use actix::prelude::*;
use kis_auth::TokenManager;
use kis_model::{Environment, Market, Secret};
use thiserror::Error;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tracing::{info, warn};

use self::session::{Command, Outputs, Session, SessionStats};
use self::subscriptions::{Layout, SubscriptionTable};
use crate::market_cache::UpdateBatch;
use crate::messages::{FeedStatus, GetFeedStatus, MarketBatch, Notice, Subscribe, SubscribeError, Unsubscribe};
use crate::supervisor::{Backoff, BackoffError, BackoffPolicy, Beating, HeartbeatReporter, Shutdown, start_heartbeat};
use crate::venue_clock::VenueClock;

/// KIS's registration cap per session (kis-protocol.md §8.7).
pub const KIS_MAX_REGISTRATIONS: usize = 41;

/// The subscription table, shared between the daemon's factory and the feed it starts.
///
/// The factory creates it once and hands a clone to every WsFeed it starts: when the supervisor restarts a
/// crashed feed, the new instance finds every subscription of its predecessor (owners, recipients, session
/// assignment) and registers all of it on its fresh sessions, so no subscriber has to notice the restart.
#[derive(Clone, Default)]
pub struct SharedSubscriptions(Arc<Mutex<SubscriptionTable<Recipient<MarketBatch>>>>);

impl SharedSubscriptions {
    /// An empty table; the first feed gives it its layout.
    pub fn new() -> SharedSubscriptions {
        SharedSubscriptions::default()
    }

    /// The table. A panic while it was held cannot leave it half-updated (every change is a single insert or
    /// remove after the checks), so a poisoned lock is used as is.
    pub fn lock(&self) -> MutexGuard<'_, SubscriptionTable<Recipient<MarketBatch>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for SharedSubscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedSubscriptions({:?})", *self.lock())
    }
}

/// The feed's reconnect pacing: first retry after 70–100 ms (a dropped socket is usually back at once),
/// doubling to 30 s while reconnects keep failing; never escalates — a feed without data is useless, so it
/// keeps trying at the cap. A session that is back with every registration acknowledged starts again from
/// 100 ms, so faults a second apart are each repaired in well under 2 s; at most 120 times a minute (twice a
/// second on average), so a server that accepts, acknowledges and drops at once is not hammered.
pub const FEED_BACKOFF: BackoffPolicy = BackoffPolicy {
    initial: Duration::from_millis(100),
    max: Duration::from_secs(30),
    jitter: 0.3,
    stable_after: Duration::from_secs(60),
    max_restarts: u32::MAX,
    window: Duration::from_secs(60),
    max_resets: 120,
};

#[derive(Debug, Clone)]
pub struct WsFeedConfig {
    /// KIS: `ws://ops.koreainvestment.com:21000` (paper `:31000`).
    pub ws_url: String,
    /// Picks the notice channels: H0STCNI0/H0GSCNI0 (real) or H0STCNI9/H0GSCNI9 (paper).
    pub env: Environment,
    /// With an HTS ID, session 0 registers the domestic execution notices (one registration).
    pub hts_id: Option<Secret>,
    /// Also register the overseas notices on session 0 (one more registration); for accounts trading the US.
    pub us_notices: bool,
    /// Default 41 (KIS's cap).
    pub max_registrations_per_session: usize,
    /// A session that receives nothing (no data, no PINGPONG) for this long is dead. Default 150 s: KIS sends
    /// PINGPONG about every 110 s (unconfirmed) and nothing else outside trading hours.
    pub silence_timeout: Duration,
    /// Once market data has flowed on a session, this long without a data frame also counts as dead: a
    /// stalled feed in trading hours is found in seconds, not after `silence_timeout`. Reset on reconnect,
    /// so when the market closes the session reconnects once and then waits for data or PINGPONG again.
    /// `None` disables it. Default 10 s.
    pub data_silence_timeout: Option<Duration>,
    /// Bounds the TCP connect and the upgrade. Default 10 s.
    pub connect_timeout: Duration,
    /// Pause between subscribe messages (KIS's samples pace them). Default 20 ms: 41 registrations in 0.8 s.
    pub subscribe_pacing: Duration,
    /// Default [`FEED_BACKOFF`].
    pub backoff: BackoffPolicy,
    /// Jitter seed; session `i` uses `seed + i`. Default: per-process random.
    pub seed: u64,
}

impl WsFeedConfig {
    /// The defaults above for `ws_url` and `env`, without notices.
    pub fn new(ws_url: impl Into<String>, env: Environment) -> WsFeedConfig {
        WsFeedConfig {
            ws_url: ws_url.into(),
            env,
            hts_id: None,
            us_notices: false,
            max_registrations_per_session: KIS_MAX_REGISTRATIONS,
            silence_timeout: Duration::from_secs(150),
            data_silence_timeout: Some(Duration::from_secs(10)),
            connect_timeout: Duration::from_secs(10),
            subscribe_pacing: Duration::from_millis(20),
            backoff: FEED_BACKOFF,
            seed: std::collections::hash_map::RandomState::new().build_hasher().finish(),
        }
    }

    /// The notice channels session 0 carries.
    fn notice_markets(&self) -> Vec<Market> {
        match (&self.hts_id, self.us_notices) {
            (None, _) => Vec::new(),
            (Some(_), false) => vec![Market::Krx],
            (Some(_), true) => vec![Market::Krx, Market::Us],
        }
    }

    /// The sessions of `sessions` app keys as the feed's table lays them out: what the watchlist is sized by.
    pub fn layout(&self, sessions: usize) -> Layout {
        Layout { sessions, per_session: self.max_registrations_per_session, notices: self.notice_markets() }
    }

    pub fn validate(&self, sessions: usize) -> Result<(), WsFeedError> {
        if self.ws_url.trim().is_empty() {
            return Err(WsFeedError::NoUrl);
        }
        if sessions == 0 {
            return Err(WsFeedError::NoAppKeys);
        }
        if self.hts_id.as_ref().is_some_and(Secret::is_empty) {
            return Err(WsFeedError::EmptyHtsId);
        }
        let notices = self.notice_markets().len();
        if self.max_registrations_per_session <= notices {
            return Err(WsFeedError::NoRoom { per_session: self.max_registrations_per_session, notices });
        }
        if self.silence_timeout.is_zero() || self.data_silence_timeout.is_some_and(|d| d.is_zero()) {
            return Err(WsFeedError::ZeroSilenceTimeout);
        }
        if self.connect_timeout.is_zero() {
            return Err(WsFeedError::ZeroConnectTimeout);
        }
        self.backoff.validate()?;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum WsFeedError {
    #[error("WebSocket feed: no URL configured")]
    NoUrl,
    #[error("WebSocket feed: no app key, so no session (one session per app key)")]
    NoAppKeys,
    #[error("WebSocket feed: the HTS ID for execution notices is empty")]
    EmptyHtsId,
    #[error(
        "WebSocket feed: {per_session} registrations per session leave no room next to {notices} notice channel(s)"
    )]
    NoRoom { per_session: usize, notices: usize },
    #[error("WebSocket feed: silence timeout must be greater than zero")]
    ZeroSilenceTimeout,
    #[error("WebSocket feed: connect timeout must be greater than zero")]
    ZeroConnectTimeout,
    #[error("WebSocket feed reconnect pacing: {0}")]
    Backoff(#[from] BackoffError),
}

struct SessionHandle {
    commands: UnboundedSender<Command>,
    stats: Rc<SessionStats>,
}

pub struct WsFeed {
    config: Rc<WsFeedConfig>,
    auth: Vec<TokenManager>,
    table: SharedSubscriptions,
    out: Outputs,
    /// One per session, handed to the sessions when the actor starts.
    backoffs: Vec<Backoff>,
    sessions: Vec<SessionHandle>,
    heartbeat: Option<(HeartbeatReporter, Duration)>,
}

impl WsFeed {
    /// One session per entry of `auth` (session `i` uses `auth[i]`'s approval key). `table` outlives the
    /// feed (see [`SharedSubscriptions`]); `cache` gets every decoded batch, `notices` every execution
    /// notice; `clock` dates KRX books and notices, which carry only a time.
    pub fn new(
        config: WsFeedConfig,
        auth: Vec<TokenManager>,
        table: SharedSubscriptions,
        cache: Recipient<UpdateBatch>,
        notices: Recipient<Notice>,
        clock: VenueClock,
    ) -> Result<WsFeed, WsFeedError> {
        config.validate(auth.len())?;
        let backoffs = (0..auth.len())
            .map(|i| Backoff::new(config.backoff, config.seed.wrapping_add(i as u64)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(WsFeed {
            config: Rc::new(config),
            backoffs,
            auth,
            table,
            out: Outputs { cache, notices, clock },
            sessions: Vec::new(),
            heartbeat: None,
        })
    }

    /// Reports to the supervisor every `interval`.
    pub fn with_heartbeat(mut self, reporter: HeartbeatReporter, interval: Duration) -> WsFeed {
        self.heartbeat = Some((reporter, interval));
        self
    }

    fn layout(&self) -> Layout {
        self.config.layout(self.auth.len())
    }

    fn touch(&mut self) {
        if let Some((reporter, _)) = &mut self.heartbeat {
            reporter.touch();
        }
    }

    fn nudge(&self, sessions: impl IntoIterator<Item = usize>) {
        let mut done = Vec::new();
        for s in sessions {
            if !done.contains(&s) {
                done.push(s);
                if let Some(handle) = self.sessions.get(s) {
                    let _ = handle.commands.send(Command::Sync);
                }
            }
        }
    }
}

impl Beating for WsFeed {
    fn heartbeat(&self) -> Option<&(HeartbeatReporter, Duration)> {
        self.heartbeat.as_ref()
    }
}

impl Actor for WsFeed {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let dropped = self.table.lock().set_layout(self.layout());
        if !dropped.is_empty() {
            warn!(symbols = ?dropped, "WebSocket feed: subscriptions dropped, no room left in the new layout");
        }
        let backoffs = std::mem::take(&mut self.backoffs);
        for (index, (auth, backoff)) in self.auth.iter().zip(backoffs).enumerate() {
            let (commands, receiver) = unbounded_channel();
            let stats = Rc::new(SessionStats::default());
            let session = Session {
                index,
                auth: auth.clone(),
                config: self.config.clone(),
                table: self.table.clone(),
                out: self.out.clone(),
                stats: stats.clone(),
                backoff,
                failures: failure_log::FailureLog::default(),
                down_since: None,
            };
            actix_rt::spawn(session.run(receiver));
            self.sessions.push(SessionHandle { commands, stats });
        }
        let table = self.table.lock();
        info!(sessions = self.sessions.len(), symbols = table.symbols(), "WebSocket feed started");
        drop(table);
        start_heartbeat(self, ctx);
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        for handle in &self.sessions {
            let _ = handle.commands.send(Command::Stop);
        }
        info!("WebSocket feed stopped");
    }
}

impl Handler<Subscribe> for WsFeed {
    type Result = Result<(), SubscribeError>;

    fn handle(&mut self, msg: Subscribe, _: &mut Self::Context) -> Self::Result {
        self.touch();
        let changes = self.table.lock().subscribe(msg.owner, msg.symbol, msg.books, msg.to)?;
        self.nudge(changes.iter().map(|c| c.session));
        Ok(())
    }
}

impl Handler<Unsubscribe> for WsFeed {
    type Result = ();

    fn handle(&mut self, msg: Unsubscribe, _: &mut Self::Context) {
        self.touch();
        let changes = self.table.lock().unsubscribe(&msg.owner, msg.symbol);
        self.nudge(changes.iter().map(|c| c.session));
    }
}

impl Handler<GetFeedStatus> for WsFeed {
    type Result = MessageResult<GetFeedStatus>;

    fn handle(&mut self, _: GetFeedStatus, _: &mut Self::Context) -> Self::Result {
        let mut status =
            FeedStatus { sessions: self.sessions.len(), symbols: self.table.lock().symbols(), ..FeedStatus::default() };
        for s in self.sessions.iter().map(|h| &h.stats) {
            status.connected += usize::from(s.connected.get());
            status.registrations += s.confirmed.get();
            status.reconnects += s.reconnects.get();
            status.frames += s.frames.get();
            status.bad_frames += s.bad_frames.get();
            status.notices += s.notices.get();
        }
        MessageResult(status)
    }
}

impl Handler<Shutdown> for WsFeed {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults_and_refusals() {
        let ok = WsFeedConfig::new("ws://127.0.0.1:1", Environment::Paper);
        assert_eq!(ok.max_registrations_per_session, 41);
        assert_eq!((ok.silence_timeout, ok.subscribe_pacing), (Duration::from_secs(150), Duration::from_millis(20)));
        assert_eq!(ok.validate(2), Ok(()));
        assert_eq!(ok.notice_markets(), Vec::<Market>::new());
        assert_eq!(ok.validate(0), Err(WsFeedError::NoAppKeys));
        let with = |f: fn(&mut WsFeedConfig)| {
            let mut c = ok.clone();
            f(&mut c);
            c.validate(1)
        };
        assert_eq!(with(|c| c.ws_url = " ".into()), Err(WsFeedError::NoUrl));
        assert_eq!(with(|c| c.hts_id = Some(Secret::new(""))), Err(WsFeedError::EmptyHtsId));
        assert_eq!(
            with(|c| {
                c.hts_id = Some(Secret::new("id"));
                c.us_notices = true;
                c.max_registrations_per_session = 2;
            }),
            Err(WsFeedError::NoRoom { per_session: 2, notices: 2 })
        );
        assert_eq!(
            with(|c| c.max_registrations_per_session = 0),
            Err(WsFeedError::NoRoom { per_session: 0, notices: 0 })
        );
        assert_eq!(with(|c| c.silence_timeout = Duration::ZERO), Err(WsFeedError::ZeroSilenceTimeout));
        assert_eq!(with(|c| c.connect_timeout = Duration::ZERO), Err(WsFeedError::ZeroConnectTimeout));
        assert_eq!(with(|c| c.backoff.jitter = 2.0), Err(WsFeedError::Backoff(BackoffError::JitterOutOfRange(2.0))));
        let mut notices = ok.clone();
        notices.hts_id = Some(Secret::new("id"));
        assert_eq!(notices.notice_markets(), vec![Market::Krx]);
        notices.us_notices = true;
        assert_eq!(notices.notice_markets(), vec![Market::Krx, Market::Us]);
        // The HTS ID never shows in the config's Debug output.
        assert!(!format!("{notices:?}").contains("\"id\""));
    }
}

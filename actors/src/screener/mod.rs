//! The Screener: every `poll_interval` it asks KIS which domestic names are moving, filters and scores them,
//! and keeps a watchlist of at most `watchlist_max` symbols (with hysteresis), announcing each change as a
//! [`WatchlistChange`].
//!
//! Sources: on the real domain the volume and rise rank lists name the codes (plus the current members, so
//! that a member falling out of the lists is still judged on fresh data); where KIS does not offer rank
//! endpoints (paper) the configured `universe` does. Either way each code's figures come from
//! `inquire-price`, at most `quotes_per_poll` a poll (never-quoted and stalest first), all at
//! [`Priority::Screener`] so that orders and reconciliation go first.
//!
//! A poll that fails (rate limit after the client's retries, transport, HTTP 5xx) changes nothing: the
//! watchlist is kept, never emptied because KIS had a bad second. Each kind of failure is logged once until
//! a poll succeeds again. Symbols the RiskManager must keep while held are its own business (it holds its
//! own subscription), not the Screener's.

pub mod pacing;
pub mod scoring;
pub mod settings;
pub mod source;
pub mod watchlist;

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use actix::prelude::*;
use kis_auth::AuthError;
use kis_client::{ClientError, Priority};
use kis_model::{KrxCode, Symbol};
use kis_protocol::error_class::ErrorClass;
use rust_decimal::Decimal;
use tracing::{debug, info, warn};

use crate::kis_api::{ApiCallError, KisApi};
use crate::market_cache::GetLatest;
use crate::messages::WatchlistChange;
use crate::notifier::{NotifierHandle, NotifyEvent};
use crate::slot::Slot;
use crate::supervisor::{Beating, HeartbeatReporter, Shutdown, start_heartbeat};
use pacing::{IdleNote, IdleWatch, Sweep};
use scoring::evaluate;
use source::{Quote, Ranked};
use watchlist::{Hysteresis, Watchlist};

pub use settings::{POLL_BUDGET_SECS, ScreenerSettings, ScreenerSettingsError};
pub use watchlist::WatchEntry;

/// Where the codes of a poll come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// KIS's volume and rise rank lists (real domain).
    Rank,
    /// The configured universe (the environment offers no rank endpoints).
    Universe,
}

/// The current watchlist with scores: pinned first, then screened members best first.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Vec<WatchEntry>")]
pub struct GetWatchlist;

/// How the Screener is doing, for the health line and tests.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "ScreenerStatus")]
pub struct GetScreenerStatus;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScreenerStatus {
    /// `None` before the first poll decided it.
    pub source: Option<SourceKind>,
    /// Polls whose result was applied.
    pub polls_ok: u64,
    /// Polls that failed and left the watchlist as it was.
    pub polls_failed: u64,
    /// Members, pinned included.
    pub watchlist_len: usize,
    /// Polls whose rank lists failed and that quoted the universe instead.
    pub fallback_polls: u64,
    /// Completed sweeps of the universe.
    pub sweeps: u64,
    /// Applied polls in a row that left the watchlist empty.
    pub empty_polls: u32,
}

/// What went wrong in a poll, at the granularity the log-once rule uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PollErrorKind {
    /// `EGW00201` still, after the client's retries.
    RateLimited,
    /// No usable answer: connection failure, HTTP 5xx, a body cut short.
    Transport,
    /// A complete reply of the wrong shape (a bad row is skipped; the poll goes on).
    Malformed,
    /// KIS said no (token, business error, wrong domain).
    Refused,
}

fn kind_of(e: &ApiCallError) -> PollErrorKind {
    match e {
        ApiCallError::Auth(AuthError::Client(ClientError::Transport { .. })) => PollErrorKind::Transport,
        ApiCallError::Paging { .. } => PollErrorKind::Malformed,
        e => match e.class() {
            Some(ErrorClass::RateLimited) => PollErrorKind::RateLimited,
            Some(ErrorClass::Transient) => PollErrorKind::Transport,
            Some(ErrorClass::Malformed) => PollErrorKind::Malformed,
            _ => PollErrorKind::Refused,
        },
    }
}

fn not_offered(e: &ApiCallError) -> bool {
    matches!(e, ApiCallError::Auth(AuthError::Client(ClientError::NotOnEnvironment { .. })))
}

/// What the I/O half of a poll brings back to the actor.
struct Gathered {
    source: SourceKind,
    /// The rank lists failed and the universe was quoted instead.
    fallback: bool,
    started: Instant,
    /// Codes judged this poll, with the rank list's name when there was one.
    considered: Vec<Ranked>,
    quotes: Vec<(KrxCode, Quote)>,
    spreads: HashMap<KrxCode, Decimal>,
    /// Failures that make the poll fail (the watchlist is kept).
    fatal: Option<(PollErrorKind, String)>,
    /// Failures that only cost a code or a row.
    skipped: Vec<(PollErrorKind, String)>,
}

/// The actor's state handed to the I/O half (which cannot borrow the actor across awaits).
struct Plan {
    source: Option<SourceKind>,
    universe: Vec<KrxCode>,
    members: Vec<KrxCode>,
    refreshed: HashMap<KrxCode, u64>,
    /// Universe codes last refused only for volume or range.
    growing: Vec<KrxCode>,
    budget: usize,
    min_volume: u64,
}

async fn gather(api: KisApi, cache: Option<Slot<GetLatest>>, plan: Plan) -> Gathered {
    let mut g = Gathered {
        source: plan.source.unwrap_or(SourceKind::Rank),
        fallback: false,
        started: Instant::now(),
        considered: Vec::new(),
        quotes: Vec::new(),
        spreads: HashMap::new(),
        fatal: None,
        skipped: Vec::new(),
    };
    if g.source == SourceKind::Rank {
        match rank_lists(&api, plan.min_volume).await {
            Ok((ranked, bad_rows)) => {
                g.considered = ranked;
                if bad_rows > 0 {
                    g.skipped.push((PollErrorKind::Malformed, format!("{bad_rows} rank rows without a valid code")));
                }
            }
            Err(e) if not_offered(&e) => g.source = SourceKind::Universe,
            // The universe stands in for failing rank lists: a screener that quotes something beats one
            // that waits for KIS's rankings to come back.
            Err(e) if !plan.universe.is_empty() => {
                g.skipped.push((kind_of(&e), format!("rank list: {e}; quoting the universe instead")));
                g.fallback = true;
            }
            Err(e) => {
                g.fatal = Some((kind_of(&e), format!("rank list: {e}")));
                return g;
            }
        }
    }
    if g.source == SourceKind::Universe || g.fallback {
        g.considered = plan.universe.iter().map(|&code| Ranked { code, name: String::new() }).collect();
    }
    for code in plan.members {
        if !g.considered.iter().any(|r| r.code == code) {
            g.considered.push(Ranked { code, name: String::new() });
        }
    }

    let codes: Vec<KrxCode> = g.considered.iter().map(|r| r.code).collect();
    let order = if g.source == SourceKind::Universe || g.fallback {
        source::refresh_order_with_retry(&codes, &plan.growing, &plan.refreshed, plan.budget)
    } else {
        source::refresh_order(&codes, &plan.refreshed, plan.budget)
    };
    for code in order {
        match api.call(&source::price_request(code), Priority::Screener).await {
            Ok(reply) => match source::quote_of(code, &reply.reply.body.output) {
                Ok(quote) => g.quotes.push((code, quote)),
                Err(e) => g.skipped.push((PollErrorKind::Malformed, format!("quote of {code}: {e}"))),
            },
            Err(e) => {
                g.fatal = Some((kind_of(&e), format!("quote of {code}: {e}")));
                break;
            }
        }
    }

    if let Some(cache) = cache {
        for code in codes {
            if let Ok(Some(latest)) = cache.send(GetLatest(Symbol::Krx(code))).await
                && let Some(spread) = latest.book.as_ref().and_then(source::spread_pct)
            {
                g.spreads.insert(code, spread);
            }
        }
    }
    g
}

async fn rank_lists(api: &KisApi, min_volume: u64) -> Result<(Vec<Ranked>, usize), ApiCallError> {
    let volume = api.call(&source::volume_rank_request(min_volume), Priority::Screener).await?;
    let rise = api.call(&source::rise_rank_request(min_volume), Priority::Screener).await?;
    Ok(source::rank_codes(&volume.reply.body, &rise.reply.body))
}

struct Snapshot {
    name: String,
    quote: Quote,
}

pub struct Screener {
    settings: ScreenerSettings,
    rules: Hysteresis,
    api: KisApi,
    cache: Option<Slot<GetLatest>>,
    out: Recipient<WatchlistChange>,
    watchlist: Watchlist,
    source: Option<SourceKind>,
    snapshots: HashMap<KrxCode, Snapshot>,
    /// Poll number of each code's last quote.
    refreshed: HashMap<KrxCode, u64>,
    poll_seq: u64,
    polls_ok: u64,
    polls_failed: u64,
    /// Failure kinds already logged since the last clean poll.
    logged: BTreeSet<PollErrorKind>,
    heartbeat: Option<(HeartbeatReporter, Duration)>,
    notifier: Option<NotifierHandle>,
    sweep: Sweep,
    sweeps: u64,
    fallback_polls: u64,
    idle: IdleWatch,
    /// Codes whose last judgement was a volume or range refusal (figures that grow through the day).
    growing: BTreeSet<KrxCode>,
}

impl Screener {
    pub fn new(
        settings: ScreenerSettings,
        api: KisApi,
        cache: Option<Slot<GetLatest>>,
        out: Recipient<WatchlistChange>,
    ) -> Result<Screener, ScreenerSettingsError> {
        settings.validate()?;
        Ok(Screener {
            rules: settings.hysteresis(),
            watchlist: Watchlist::new(settings.watchlist_max, &settings.pinned),
            settings,
            api,
            cache,
            out,
            source: None,
            snapshots: HashMap::new(),
            refreshed: HashMap::new(),
            poll_seq: 0,
            polls_ok: 0,
            polls_failed: 0,
            logged: BTreeSet::new(),
            heartbeat: None,
            notifier: None,
            sweep: Sweep::default(),
            sweeps: 0,
            fallback_polls: 0,
            idle: IdleWatch::new(IDLE_REMINDER_EVERY),
            growing: BTreeSet::new(),
        })
    }

    /// Where the "nothing to watch" alert goes (besides the log).
    pub fn with_notifier(mut self, notifier: NotifierHandle) -> Screener {
        self.notifier = Some(notifier);
        self
    }

    /// Reports to the supervisor every `interval`.
    pub fn with_heartbeat(mut self, reporter: HeartbeatReporter, interval: Duration) -> Screener {
        self.heartbeat = Some((reporter, interval));
        self
    }

    fn poll(&mut self, ctx: &mut Context<Self>) {
        self.poll_seq = self.poll_seq.saturating_add(1);
        let plan = Plan {
            source: self.source,
            universe: self.settings.universe.clone(),
            members: self
                .watchlist
                .screened()
                .filter_map(|s| match s {
                    Symbol::Krx(code) => Some(code),
                    Symbol::Us(..) => None,
                })
                .collect(),
            refreshed: self.refreshed.clone(),
            growing: self.growing.iter().copied().collect(),
            budget: self.settings.quotes_per_poll,
            min_volume: self.settings.filters.min_volume,
        };
        let fut = gather(self.api.clone(), self.cache.clone(), plan);
        ctx.spawn(fut.into_actor(self).map(|g, act, ctx| {
            let universe_poll = g.source == SourceKind::Universe || g.fallback;
            act.apply(g);
            // While a sweep of the universe is under way the next poll follows at once: the request budget,
            // not a timer, paces it (orders and account reads go first). Rank polls, and the pause between
            // sweeps, wait the poll interval.
            let next =
                if universe_poll && act.sweep.in_progress() { Duration::ZERO } else { act.settings.poll_interval };
            ctx.run_later(next, |act, ctx| act.poll(ctx));
        }));
    }

    fn log_failure(&mut self, kind: PollErrorKind, what: &str) {
        if self.logged.insert(kind) {
            warn!("screener poll problem kind={kind:?}: {what} (logged once until a clean poll)");
        } else {
            debug!("screener poll problem kind={kind:?}: {what}");
        }
    }

    fn apply(&mut self, g: Gathered) {
        if let Some((reporter, _)) = &mut self.heartbeat {
            reporter.touch();
        }
        if self.source != Some(g.source) {
            match g.source {
                SourceKind::Rank => info!("screener source=rank (volume and rise rank lists)"),
                SourceKind::Universe => info!(
                    "screener source=universe ({} codes; rank lists not offered on the {} environment)",
                    self.settings.universe.len(),
                    self.api.env()
                ),
            }
            self.source = Some(g.source);
        }
        if g.fallback {
            self.fallback_polls = self.fallback_polls.saturating_add(1);
        }
        if g.fatal.is_none()
            && (g.source == SourceKind::Universe || g.fallback)
            && let Some(done) =
                self.sweep.record(&self.settings.universe, g.quotes.iter().map(|(c, _)| *c), g.started, Instant::now())
        {
            self.sweeps = self.sweeps.saturating_add(1);
            info!(
                "screener sweep of the universe: {} codes quoted in {:.1} s ({} quotes a poll; {}, orders first)",
                done.codes,
                done.took.as_secs_f64(),
                self.settings.quotes_per_poll,
                match self.settings.budget_per_second {
                    Some(rps) => format!("{rps} requests/s budget"),
                    None => "the key's request budget".to_string(),
                }
            );
        }
        let names: HashMap<KrxCode, &str> = g.considered.iter().map(|r| (r.code, r.name.as_str())).collect();
        for (code, quote) in g.quotes {
            let name = names.get(&code).filter(|n| !n.is_empty()).map(|n| n.to_string());
            let name = match (name, self.snapshots.remove(&code)) {
                (Some(n), _) => n,
                (None, Some(old)) => old.name,
                (None, None) => String::new(),
            };
            self.snapshots.insert(code, Snapshot { name, quote });
            self.refreshed.insert(code, self.poll_seq);
        }
        for (kind, what) in &g.skipped {
            self.log_failure(*kind, what);
        }
        if let Some((kind, what)) = g.fatal {
            self.polls_failed = self.polls_failed.saturating_add(1);
            self.log_failure(kind, &what);
            return;
        }
        self.polls_ok = self.polls_ok.saturating_add(1);
        if g.skipped.is_empty() && !self.logged.is_empty() {
            info!("screener polls clean again");
            self.logged.clear();
        }

        let candidates: Vec<_> = g
            .considered
            .iter()
            .filter_map(|r| {
                self.snapshots
                    .get(&r.code)
                    .map(|s| source::candidate(r.code, &s.name, &s.quote, g.spreads.get(&r.code).copied()))
            })
            .collect();
        let (passed, refused) = evaluate(&candidates, &self.settings.filters);
        self.growing.clear();
        for r in &refused {
            if let scoring::Refusal::Volume { symbol: Symbol::Krx(code), .. }
            | scoring::Refusal::Range { symbol: Symbol::Krx(code), .. } = r
            {
                self.growing.insert(*code);
            }
        }
        let update = self.watchlist.update(&passed, &refused, &self.rules);
        self.note_idle(g.considered.len(), candidates.len(), passed.len());
        debug!(
            "screener poll={} candidates={} passed={} watchlist={}",
            self.poll_seq,
            candidates.len(),
            passed.len(),
            self.watchlist.len()
        );
        if update.change.added.is_empty() && update.change.removed.is_empty() {
            return;
        }
        let mut line = String::from("screener added=");
        for (i, (symbol, score)) in update.change.added.iter().zip(&update.added_scores).enumerate() {
            let _ = write!(line, "{}{symbol}({score:.0})", if i > 0 { "," } else { "" });
        }
        line.push_str(" removed=");
        for (i, symbol) in update.change.removed.iter().enumerate() {
            let _ = write!(line, "{}{symbol}", if i > 0 { "," } else { "" });
        }
        info!("{line}");
        self.out.do_send(update.change);
    }
}

/// While the watchlist stays empty, how often the status reminder repeats.
const IDLE_REMINDER_EVERY: Duration = Duration::from_secs(30);

impl Screener {
    /// The "never silently idle" rule: an empty watchlist for more than a poll or two is a WARN, a
    /// notification and, while it lasts, a line on the status target.
    fn note_idle(&mut self, considered: usize, quoted: usize, passed: usize) {
        let hint = match (self.source, self.settings.universe.is_empty()) {
            (Some(SourceKind::Universe), true) => "the universe is empty and this environment offers no rank lists",
            (Some(SourceKind::Universe), false) => "no code of the universe passes the filters yet",
            _ => "no ranked code passes the filters",
        };
        let what = format!(
            "nothing to watch: {hint} ({considered} codes considered, {quoted} quoted, {passed} passed); set `[screener] universe` or `[api.market_data]`, or relax the [screener] filters"
        );
        match self.idle.after_poll(self.watchlist.len(), Instant::now()) {
            IdleNote::Nothing => {}
            IdleNote::Warn => {
                warn!("screener {what}");
                if let Some(n) = &self.notifier {
                    n.notify(NotifyEvent::Error { context: "screener".into(), message: what });
                }
            }
            IdleNote::Remind => {
                warn!(target: "status", "screener watchlist=0 for {} polls: {what}", self.idle.empty_polls())
            }
            IdleNote::Recovered => info!("screener watchlist has members again"),
        }
    }
}

impl Beating for Screener {
    fn heartbeat(&self) -> Option<&(HeartbeatReporter, Duration)> {
        self.heartbeat.as_ref()
    }
}

impl Actor for Screener {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        start_heartbeat(self, ctx);
        let pinned: Vec<Symbol> = self.watchlist.entries().iter().filter(|e| e.pinned).map(|e| e.symbol).collect();
        if !pinned.is_empty() {
            info!("screener pinned={}", pinned.iter().map(Symbol::to_string).collect::<Vec<_>>().join(","));
            self.out.do_send(WatchlistChange { added: pinned, removed: Vec::new() });
        }
        if self.settings.screen_krx {
            self.poll(ctx);
        } else {
            info!("screener: no strategy trades KRX, so KRX is not screened; watching the pinned symbols only");
        }
    }
}

impl Handler<GetWatchlist> for Screener {
    type Result = MessageResult<GetWatchlist>;

    fn handle(&mut self, _: GetWatchlist, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.watchlist.entries())
    }
}

impl Handler<GetScreenerStatus> for Screener {
    type Result = MessageResult<GetScreenerStatus>;

    fn handle(&mut self, _: GetScreenerStatus, _: &mut Self::Context) -> Self::Result {
        MessageResult(ScreenerStatus {
            source: self.source,
            polls_ok: self.polls_ok,
            polls_failed: self.polls_failed,
            watchlist_len: self.watchlist.len(),
            fallback_polls: self.fallback_polls,
            sweeps: self.sweeps,
            empty_polls: self.idle.empty_polls(),
        })
    }
}

impl Handler<Shutdown> for Screener {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

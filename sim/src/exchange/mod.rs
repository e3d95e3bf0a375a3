//! The simulator's shared state: the market tape and its feeds, one engine per account, credentials,
//! trading sessions, WebSocket sessions and pending faults. Everything is behind one mutex ([`Shared`]);
//! handlers hold it briefly and never across an await.
//!
//! One concern per file: [`auth`] (keys, tokens, approval keys, rate limit), [`sessions`] (which market is
//! open), [`order_desk`] (accounts, orders, fills and their notices), [`persistence`] (the state file).

mod auth;
mod order_desk;
mod persistence;
mod sessions;

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kis_calendar::{KrxCalendar, NyseCalendar};
use kis_engine::EngineEvent;
use kis_model::{FeeModel, KrxBoard, Market, Symbol};
use kis_synth::rng::Rng;
use kis_synth::{KrxListing, MarketConfig, ReplaySource, SyntheticMarket, Universe, UniverseConfig, VirtualClock};
use serde::Serialize;
use thiserror::Error;

pub use order_desk::Account;

use crate::clock_view::ClockView;
use crate::config::{Listings, SimConfig};
use crate::faults::{Fault, FaultState};
use crate::feed::SymFeed;
use crate::ws::hub::WsHub;
use auth::Auth;
use persistence::{SavedAccount, load_state};
use sessions::Sessions;

#[derive(Debug, Error)]
pub enum SimError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("listings: {0}")]
    Listings(String),
    #[error("synthetic universe: {0}")]
    Universe(#[from] kis_synth::UniverseError),
    #[error("synthetic market: {0}")]
    Market(#[from] kis_synth::MarketError),
    #[error("virtual clock: {0}")]
    Clock(#[from] kis_synth::ClockError),
    #[error("calendar: {0}")]
    Calendar(#[from] kis_calendar::CalendarError),
    #[error("engine: {0}")]
    Engine(#[from] kis_engine::EngineError),
    #[error("replay file {path}: {source}")]
    Replay { path: std::path::PathBuf, source: std::io::Error },
    #[error("state file {path}: {reason}")]
    State { path: std::path::PathBuf, reason: String },
    #[error("cannot bind {what} on {addr}: {source}")]
    Bind { what: &'static str, addr: String, source: std::io::Error },
}

/// The state mutex, shared by the REST and WebSocket servers and the driver.
pub type Shared = Arc<Mutex<Exchange>>;

/// Locks the state; a handler that panicked while holding it leaves the data usable (every mutation is
/// completed before anything that could fail), so a poisoned lock is taken over rather than propagated.
pub fn lock(shared: &Shared) -> MutexGuard<'_, Exchange> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub enum Tape {
    Synthetic,
    Replay(Box<ReplaySource<BufReader<File>>>),
}

/// Counters for the admin status endpoint and the benchmark.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Stats {
    pub trades: u64,
    pub books: u64,
    pub frames_sent: u64,
    pub bytes_sent: u64,
    pub rest_calls: u64,
    pub sessions_dropped: u64,
}

pub struct Exchange {
    pub cfg: Arc<SimConfig>,
    pub market: SyntheticMarket,
    pub tape: Tape,
    pub clock: VirtualClock,
    pub started: Instant,
    /// `clock` for readers outside the lock; updated with it.
    pub clock_view: ClockView,
    pub accounts: Vec<Account>,
    by_appkey: HashMap<String, usize>,
    /// Accounts of the state file not opened yet in this run, by appkey fingerprint.
    saved: HashMap<String, SavedAccount>,
    auth: Auth,
    sessions: Sessions,
    pub feeds: Vec<SymFeed>,
    pub feed_index: HashMap<Symbol, usize>,
    pub by_tr_key: HashMap<String, usize>,
    pub names: HashMap<Symbol, String>,
    pub boards: HashMap<Symbol, KrxBoard>,
    pub ws: WsHub,
    pub faults: FaultState,
    rng: Rng,
    pub stats: Stats,
    fees: FeeModel,
    events: Vec<EngineEvent>,
    /// Virtual time the market was last advanced to.
    pub now: DateTime<Utc>,
}

impl Exchange {
    pub fn new(cfg: SimConfig) -> Result<Exchange, SimError> {
        cfg.validate()?;
        let krx = KrxCalendar::shipped()?;
        let nyse = NyseCalendar::shipped()?;
        let clock = match cfg.start {
            Some(start) => VirtualClock::new(start, cfg.speed)?,
            None => match cfg.start_at {
                crate::config::StartAt::KrxOpen => VirtualClock::at_next_open(&krx, Utc::now(), cfg.speed)?,
                crate::config::StartAt::NyseOpen => VirtualClock::at_next_open(&nyse, Utc::now(), cfg.speed)?,
            },
        };
        let universe = match cfg.listings {
            Listings::Synthetic => Universe::generate(UniverseConfig {
                seed: cfg.seed,
                krx_symbols: cfg.symbols,
                us_symbols: cfg.us_symbols,
            })?,
            Listings::Krx => {
                let table = kis_universe::UniverseTable::shipped().map_err(|e| SimError::Listings(e.to_string()))?;
                let listings: Vec<KrxListing> = table
                    .listings
                    .into_iter()
                    .take(cfg.symbols)
                    .map(|l| KrxListing { code: l.code, name: l.name, board: l.market, listed_shares: l.listed_shares })
                    .collect();
                Universe::from_listings(cfg.seed, &listings, cfg.us_symbols)?
            }
        };
        let universe = if cfg.us_tickers.is_empty() { universe } else { universe.with_us_names(&cfg.us_tickers)? };
        let mcfg = MarketConfig {
            seed: cfg.seed,
            trades_per_minute: cfg.market.trades_per_minute,
            quotes_per_trade: cfg.market.quotes_per_trade,
            ..MarketConfig::default()
        };
        let start = clock.virtual_start();
        let market = SyntheticMarket::with_calendars(universe, mcfg, start, krx.clone(), nyse.clone())?;
        let tape = match &cfg.replay_file {
            None => Tape::Synthetic,
            Some(path) => {
                let file = File::open(path).map_err(|source| SimError::Replay { path: path.clone(), source })?;
                Tape::Replay(Box::new(ReplaySource::new(BufReader::new(file), start)))
            }
        };
        let mut feeds = Vec::new();
        let mut names = HashMap::new();
        let mut boards = HashMap::new();
        for spec in market.universe().specs() {
            let prev = crate::feed::to_minor(&spec.symbol, spec.prev_close);
            feeds.push(SymFeed::new(spec.symbol, prev, spec.shares_outstanding));
            names.insert(spec.symbol, spec.name.clone());
            if let Some(b) = spec.board {
                boards.insert(spec.symbol, b);
            }
        }
        if let Some(path) = &cfg.replay_file {
            let listed: std::collections::HashSet<Symbol> = feeds.iter().map(|f| f.symbol).collect();
            for (symbol, first) in unlisted_symbols(path, &listed)? {
                feeds.push(SymFeed::new(symbol, crate::feed::to_minor(&symbol, first), 0));
                names.insert(symbol, symbol.code().to_string());
            }
        }
        let feed_index = feeds.iter().enumerate().map(|(i, f)| (f.symbol, i)).collect();
        let by_tr_key = feeds.iter().enumerate().map(|(i, f)| (f.tr_key.clone(), i)).collect();
        let fees = FeeModel::shipped();
        let (saved, restored_tokens) = load_state(&cfg, &fees)?;
        let seed = cfg.seed ^ u64::try_from(Utc::now().timestamp_nanos_opt().unwrap_or(0)).unwrap_or(0);
        let n = feeds.len();
        let started = Instant::now();
        let mut ex = Exchange {
            market,
            tape,
            sessions: Sessions::new(krx, nyse),
            clock,
            started,
            clock_view: ClockView::new(clock, started),
            accounts: Vec::new(),
            by_appkey: HashMap::new(),
            saved,
            auth: Auth::restored(restored_tokens),
            feeds,
            feed_index,
            by_tr_key,
            names,
            boards,
            ws: WsHub::new(n),
            faults: FaultState::default(),
            rng: Rng::seeded(seed),
            stats: Stats::default(),
            fees,
            events: Vec::new(),
            now: start,
            cfg: Arc::new(cfg),
        };
        let listed = ex.cfg.accounts.clone();
        for a in listed {
            let cash_krw = a.cash_krw.unwrap_or(ex.cfg.starting_cash_krw);
            let cash_usd = a.cash_usd.unwrap_or(ex.cfg.starting_cash_usd);
            ex.add_account(a.appkey, a.appsecret, a.cano, a.acnt_prdt_cd, a.hts_id, cash_krw, cash_usd, true)?;
        }
        Ok(ex)
    }

    pub fn env(&self) -> kis_model::Environment {
        self.cfg.env
    }

    /// Random lowercase letters (tokens, approval keys, notice keys). Not cryptographic: loopback only.
    pub fn random_letters(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'a' + (self.rng.below(26) as u8))).collect()
    }

    pub fn random_hex(&mut self, n: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..n).map(|_| char::from(HEX[self.rng.below(16) as usize])).collect()
    }

    /// Virtual time now, from the clock as the driver's last step left it (the exchange's own reading;
    /// [`ClockView::now`] gives the same without the lock, once the driver has published its clock).
    pub fn virtual_now(&self) -> DateTime<Utc> {
        self.clock.virtual_at(self.started.elapsed())
    }

    pub fn feed_of(&self, symbol: &Symbol) -> Option<&SymFeed> {
        self.feed_index.get(symbol).map(|&i| &self.feeds[i])
    }

    /// Applies a fault to the running simulator (admin endpoint and scheduled faults).
    pub fn apply_fault(&mut self, fault: &Fault) {
        self.faults.injected += 1;
        tracing::info!(?fault, "injecting fault");
        match fault {
            Fault::CloseWs => {
                for id in self.ws.ids() {
                    self.ws.close_with_frame(id);
                }
            }
            Fault::DropWs => {
                for id in self.ws.ids() {
                    self.ws.close(id);
                }
            }
            Fault::StallWs { ms } => {
                self.faults.stall_until = Some(Instant::now() + Duration::from_millis(*ms));
            }
            Fault::GarbageWs => {
                for id in self.ws.ids() {
                    self.ws.send_text(id, "\u{1}garbage|not a KIS frame^^^");
                }
            }
            Fault::TruncatedWs => {
                for id in self.ws.ids() {
                    self.ws.send_text(id, "0|H0STCNT0|002|005930^090001^7");
                }
            }
            Fault::Rest500 { .. } | Fault::RateLimitBurst { .. } | Fault::SlowRest { .. } => {
                self.faults.arm_rest(fault)
            }
            Fault::RevokeTokens => self.revoke_all_tokens(),
            Fault::ExecuteDropReply { .. }
            | Fault::ExecuteLateReply { .. }
            | Fault::DropBeforeExecute { .. }
            | Fault::DropMidBody { .. } => self.faults.arm_order(fault),
        }
    }
}

/// Symbols of a recording that the synthetic universe does not list, each with the first price seen for it
/// (it stands in for the previous close, so limits are ±30 % around it). Without a feed their events would be
/// dropped one by one, and a recording of real listings (the daemon's recorder) would replay as silence.
/// Unreadable lines are skipped here: the replay itself reports them with their line numbers.
fn unlisted_symbols(
    path: &std::path::Path,
    listed: &std::collections::HashSet<Symbol>,
) -> Result<Vec<(Symbol, kis_model::Price)>, SimError> {
    let file = File::open(path).map_err(|source| SimError::Replay { path: path.to_path_buf(), source })?;
    let mut seen = std::collections::HashSet::new();
    let mut found = Vec::new();
    for record in kis_synth::RecordingReader::new(BufReader::new(file)).flatten() {
        let symbol = record.event.symbol();
        if listed.contains(&symbol) || seen.contains(&symbol) {
            continue;
        }
        let first = match &record.event {
            kis_model::MarketEvent::Trade(t) => Some(t.price),
            kis_model::MarketEvent::Book(b) => b.best_bid().or_else(|| b.best_ask()).map(|l| l.price),
            kis_model::MarketEvent::Bar(b) => Some(b.open),
        };
        if let Some(first) = first {
            seen.insert(symbol);
            found.push((symbol, first));
        }
    }
    Ok(found)
}

pub fn market_slot(market: Market) -> usize {
    match market {
        Market::Krx => 0,
        Market::Us => 1,
    }
}

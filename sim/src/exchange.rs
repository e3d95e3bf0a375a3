//! The simulator's shared state: the market, one engine per account, tokens, approval keys, rate limiters,
//! WebSocket sessions and pending faults. Everything is behind one mutex ([`Shared`]); handlers hold it
//! briefly and never across an await.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use kis_calendar::{KrxCalendar, NyseCalendar, TradingCalendar};
use kis_engine::{Engine, EngineConfig, EngineEvent, EngineState, NewOrder, Order, RejectReason, SymbolSpec};
use kis_model::{Currency, FeeModel, InstrumentKind, KrxBoard, Market, Money, Secret, Symbol};
use kis_synth::rng::Rng;
use kis_synth::{KrxListing, MarketConfig, ReplaySource, SyntheticMarket, Universe, UniverseConfig, VirtualClock};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::clock_view::ClockView;
use crate::config::{Listings, SimConfig};
use crate::faults::FaultState;
use crate::feed::SymFeed;
use crate::kis_error::{self as kis, KisError};
use crate::notice::{self, Recipient};
use crate::ws::hub::WsHub;

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

/// One trading account, reached through its appkey.
#[derive(Debug)]
pub struct Account {
    pub appkey: Secret,
    pub appsecret: Secret,
    pub cano: String,
    pub acnt_prdt_cd: String,
    pub hts_id: String,
    pub engine: Engine,
    /// Whether CANO/ACNT_PRDT_CD in requests must match (listed accounts) or anything goes (opened on use).
    pub strict: bool,
}

impl Account {
    pub fn account_no(&self) -> String {
        format!("{}{}", self.cano, self.acnt_prdt_cd)
    }
}

#[derive(Debug, Clone)]
struct Token {
    account: usize,
    issued: Instant,
    issued_wall: DateTime<Utc>,
    expires: Instant,
    expires_wall: DateTime<Utc>,
}

/// What the state file holds: one engine state per account, keyed by a hash of the appkey (never the key),
/// and the access tokens still valid, also as hashes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    accounts: Vec<SavedAccount>,
    /// Absent in files written before tokens were kept.
    #[serde(default)]
    tokens: Vec<SavedToken>,
}

/// An access token that outlives a restart. KIS tokens live 24 h whatever happens to our process, and the
/// daemon reuses its persisted token instead of reissuing (one issue a minute), so a simulator restart must
/// not invalidate it. Only a fingerprint is kept: the file never holds a usable credential, at the price
/// that a `tokenP` after a restart issues a new token instead of repeating the old one (both stay valid).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedToken {
    token_hash: String,
    appkey_hash: String,
    issued: DateTime<Utc>,
    expires: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedAccount {
    appkey_hash: String,
    cano: String,
    acnt_prdt_cd: String,
    hts_id: String,
    engine: EngineState,
}

/// FNV-1a: a stable, dependency-free fingerprint of an appkey for the state file.
fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
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
    krx: KrxCalendar,
    nyse: NyseCalendar,
    pub clock: VirtualClock,
    pub started: Instant,
    /// `clock` for readers outside the lock; updated with it.
    pub clock_view: ClockView,
    pub accounts: Vec<Account>,
    by_appkey: HashMap<String, usize>,
    saved: HashMap<String, SavedAccount>,
    tokens: HashMap<String, Token>,
    last_token: HashMap<usize, String>,
    /// Tokens issued before the last restart, by token fingerprint.
    restored_tokens: HashMap<String, SavedToken>,
    approvals: HashMap<String, usize>,
    rate: HashMap<usize, (u64, u32)>,
    /// Calls served per (account, operation), whatever their answer: what a test asks of who asked for what.
    served: HashMap<(usize, kis_protocol::tr_id::Op), u64>,
    pub feeds: Vec<SymFeed>,
    pub feed_index: HashMap<Symbol, usize>,
    pub by_tr_key: HashMap<String, usize>,
    pub names: HashMap<Symbol, String>,
    pub boards: HashMap<Symbol, KrxBoard>,
    pub ws: WsHub,
    pub faults: FaultState,
    rng: Rng,
    /// Open state of (KRX, US) as of the last driver step, and the session date it opened with.
    pub open: [bool; 2],
    pub session_date: [Option<NaiveDate>; 2],
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
            krx,
            nyse,
            clock,
            started,
            clock_view: ClockView::new(clock, started),
            accounts: Vec::new(),
            by_appkey: HashMap::new(),
            saved,
            tokens: HashMap::new(),
            last_token: HashMap::new(),
            restored_tokens,
            approvals: HashMap::new(),
            rate: HashMap::new(),
            served: HashMap::new(),
            feeds,
            feed_index,
            by_tr_key,
            names,
            boards,
            ws: WsHub::new(n),
            faults: FaultState::default(),
            rng: Rng::seeded(seed),
            open: [false, false],
            session_date: [None, None],
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

    /// Counts a call of `op` by `account` that passed the header checks.
    pub fn count_served(&mut self, account: usize, op: kis_protocol::tr_id::Op) {
        *self.served.entry((account, op)).or_insert(0) += 1;
    }

    /// Calls of `op` made with `appkey` that passed the header checks (0 for an unknown key).
    pub fn served(&self, appkey: &str, op: kis_protocol::tr_id::Op) -> u64 {
        self.by_appkey.get(appkey).and_then(|a| self.served.get(&(*a, op))).copied().unwrap_or(0)
    }

    /// Random lowercase letters (tokens, approval keys, notice keys). Not cryptographic: loopback only.
    pub fn random_letters(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'a' + (self.rng.below(26) as u8))).collect()
    }

    pub fn random_hex(&mut self, n: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..n).map(|_| char::from(HEX[self.rng.below(16) as usize])).collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn add_account(
        &mut self,
        appkey: Secret,
        appsecret: Secret,
        cano: String,
        acnt_prdt_cd: String,
        hts_id: String,
        cash_krw: rust_decimal::Decimal,
        cash_usd: rust_decimal::Decimal,
        strict: bool,
    ) -> Result<usize, SimError> {
        let hash = fingerprint(appkey.expose());
        let engine = match self.saved.remove(&hash) {
            Some(saved) => Engine::from_state(saved.engine, self.fees.clone())?,
            None => {
                let mut e = Engine::new(EngineConfig::default(), self.fees.clone())?;
                if cash_krw > rust_decimal::Decimal::ZERO {
                    e.deposit(Money::new(cash_krw, Currency::Krw))?;
                }
                if cash_usd > rust_decimal::Decimal::ZERO {
                    e.deposit(Money::new(cash_usd, Currency::Usd))?;
                }
                e
            }
        };
        let mut account = Account { appkey: appkey.clone(), appsecret, cano, acnt_prdt_cd, hts_id, engine, strict };
        for market in [Market::Krx, Market::Us] {
            self.load_specs(&mut account.engine, market);
        }
        let index = self.accounts.len();
        self.accounts.push(account);
        self.by_appkey.insert(appkey.expose().to_string(), index);
        Ok(index)
    }

    /// Today's reference data (limits, trade date) for every symbol of `market` into one engine.
    fn load_specs(&self, engine: &mut Engine, market: Market) {
        let date = self.session_date[market_slot(market)]
            .or_else(|| self.market.session(market).map(|s| s.date))
            .unwrap_or_else(|| self.now.date_naive());
        for f in self.feeds.iter().filter(|f| f.symbol.market() == market) {
            let spec = match f.symbol {
                Symbol::Krx(_) => {
                    let board = self.boards.get(&f.symbol).copied().unwrap_or(KrxBoard::Kospi);
                    let base = u64::try_from(f.prev_close).unwrap_or(1).max(1);
                    SymbolSpec::krx(f.symbol, board, InstrumentKind::Stock, base, date)
                }
                Symbol::Us(..) => SymbolSpec::us(f.symbol, date),
            };
            if let Ok(spec) = spec
                && let Err(e) = engine.set_symbol(spec)
            {
                tracing::warn!(symbol = %f.symbol, error = %e, "reference data refused");
            }
        }
    }

    /// The account of an appkey/appsecret pair, opening one on first use when allowed.
    pub fn account_for(&mut self, appkey: &str, appsecret: &str) -> Result<usize, KisError> {
        if appkey.trim().is_empty() {
            return Err(kis::BAD_APPKEY);
        }
        if let Some(&i) = self.by_appkey.get(appkey) {
            if self.accounts[i].appsecret.expose() != appsecret {
                return Err(kis::BAD_APPSECRET);
            }
            return Ok(i);
        }
        if !self.cfg.open_accounts {
            return Err(kis::BAD_APPKEY);
        }
        if appsecret.trim().is_empty() {
            return Err(kis::BAD_APPSECRET);
        }
        let hash = fingerprint(appkey);
        let (cano, prdt, hts) = match self.saved.get(&hash) {
            Some(s) => (s.cano.clone(), s.acnt_prdt_cd.clone(), s.hts_id.clone()),
            None => {
                let digits = u64::from_str_radix(&hash[..12], 16).unwrap_or(0) % 100_000_000;
                (format!("{digits:08}"), "01".to_string(), format!("sim{}", &hash[..6]))
            }
        };
        let (krw, usd) = (self.cfg.starting_cash_krw, self.cfg.starting_cash_usd);
        self.add_account(Secret::from(appkey), Secret::from(appsecret), cano, prdt, hts, krw, usd, false).map_err(|e| {
            tracing::error!(error = %e, "cannot open account");
            kis::BAD_APPKEY
        })
    }

    /// tokenP: the same token within the reuse window, `EGW00133` within the minimum interval.
    pub fn issue_token(&mut self, appkey: &str, appsecret: &str) -> Result<(String, DateTime<Utc>, u64), KisError> {
        let account = self.account_for(appkey, appsecret)?;
        let now = Instant::now();
        let auth = self.cfg.auth.clone();
        if let Some(t) = self.last_token.get(&account).and_then(|k| self.tokens.get(k).map(|t| (k.clone(), t.clone())))
        {
            let (key, tok) = t;
            let age = now.duration_since(tok.issued);
            if age < Duration::from_millis(auth.token_min_interval_ms) {
                return Err(kis::TOKEN_TOO_SOON);
            }
            if age < Duration::from_millis(auth.token_reuse_ms) && now < tok.expires {
                let left = tok.expires.saturating_duration_since(now).as_secs();
                return Ok((key, tok.expires_wall, left));
            }
        } else {
            // The one-a-minute rule holds across our restarts as it does at KIS.
            let appkey_hash = fingerprint(appkey);
            let min = chrono::TimeDelta::from_std(Duration::from_millis(auth.token_min_interval_ms))
                .unwrap_or(chrono::TimeDelta::MAX);
            let wall = Utc::now();
            if self.restored_tokens.values().any(|t| t.appkey_hash == appkey_hash && wall - t.issued < min) {
                return Err(kis::TOKEN_TOO_SOON);
            }
        }
        let lifetime = Duration::from_millis(auth.token_lifetime_ms);
        let token =
            format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.{}.{}", self.random_letters(120), self.random_hex(43));
        let expires_wall = Utc::now() + chrono::TimeDelta::from_std(lifetime).unwrap_or(chrono::TimeDelta::zero());
        let token_record =
            Token { account, issued: now, issued_wall: Utc::now(), expires: now + lifetime, expires_wall };
        self.tokens.insert(token.clone(), token_record);
        self.last_token.insert(account, token.clone());
        Ok((token, expires_wall, lifetime.as_secs()))
    }

    pub fn revoke_token(&mut self, appkey: &str, appsecret: &str, token: &str) -> Result<(), KisError> {
        let account = self.account_for(appkey, appsecret)?;
        match self.tokens.get(token) {
            Some(t) if t.account == account => {
                self.tokens.remove(token);
                self.last_token.retain(|_, k| k != token);
                Ok(())
            }
            Some(_) => Err(kis::TOKEN_INVALID),
            None => {
                let hash = fingerprint(token);
                match self.restored_tokens.get(&hash) {
                    Some(t) if t.appkey_hash == fingerprint(appkey) => {
                        self.restored_tokens.remove(&hash);
                        Ok(())
                    }
                    _ => Err(kis::TOKEN_INVALID),
                }
            }
        }
    }

    pub fn revoke_all_tokens(&mut self) {
        self.tokens.clear();
        self.last_token.clear();
        self.restored_tokens.clear();
    }

    pub fn issue_approval(&mut self, appkey: &str, secretkey: &str) -> Result<String, KisError> {
        let account = self.account_for(appkey, secretkey)?;
        let key = format!(
            "{}-{}-{}-{}-{}",
            self.random_hex(8),
            self.random_hex(4),
            self.random_hex(4),
            self.random_hex(4),
            self.random_hex(12)
        );
        self.approvals.insert(key.clone(), account);
        Ok(key)
    }

    pub fn approval_account(&self, key: &str) -> Option<usize> {
        self.approvals.get(key).copied()
    }

    /// Header checks of a `/uapi` call: appkey/appsecret, bearer token, then the per-appkey rate limit.
    pub fn authorize(&mut self, appkey: &str, appsecret: &str, authorization: &str) -> Result<usize, KisError> {
        let account = self.account_for(appkey, appsecret)?;
        let token = authorization.trim();
        let token = token.strip_prefix("Bearer ").or_else(|| token.strip_prefix("bearer ")).unwrap_or(token).trim();
        let expired = match self.tokens.get(token) {
            Some(t) if t.account == account => Instant::now() >= t.expires,
            Some(_) => return Err(kis::TOKEN_INVALID),
            None => match self.restored_tokens.get(&fingerprint(token)) {
                Some(t) if t.appkey_hash == fingerprint(appkey) => Utc::now() >= t.expires,
                _ => return Err(kis::TOKEN_INVALID),
            },
        };
        if expired {
            return Err(kis::TOKEN_EXPIRED);
        }
        self.rate_check(account)?;
        Ok(account)
    }

    /// Fixed one-second windows per appkey (KIS's observed behaviour, unconfirmed).
    fn rate_check(&mut self, account: usize) -> Result<(), KisError> {
        let second = self.started.elapsed().as_secs();
        let limit = self.cfg.rate_limit();
        let slot = self.rate.entry(account).or_insert((second, 0));
        if slot.0 != second {
            *slot = (second, 0);
        }
        if slot.1 >= limit {
            return Err(kis::RATE_LIMITED);
        }
        slot.1 += 1;
        Ok(())
    }

    /// Whether `market` takes orders now.
    pub fn is_open(&self, market: Market) -> bool {
        self.open[market_slot(market)]
    }

    /// The next session open of either market after now, from the calendars.
    pub fn next_open(&self) -> Option<DateTime<Utc>> {
        let krx = self.krx.next_open(self.now).ok();
        let us = self.nyse.next_open(self.now).ok();
        krx.into_iter().chain(us).min()
    }

    /// Open state from the tape's point of view: the synthetic market's own venues, or the calendars.
    pub fn compute_open(&self, market: Market) -> (bool, Option<NaiveDate>) {
        match self.tape {
            Tape::Synthetic => (self.market.is_open(market), self.market.session(market).map(|s| s.date)),
            Tape::Replay(_) => {
                let s = match market {
                    Market::Krx => self.krx.session_at(self.now),
                    Market::Us => self.nyse.session_at(self.now),
                };
                match s {
                    Ok(Some(s)) => (true, Some(s.date)),
                    _ => (false, None),
                }
            }
        }
    }

    /// A session opened: new reference data in every engine and a new day in every feed of the market.
    pub fn on_open(&mut self, market: Market, date: NaiveDate) {
        self.session_date[market_slot(market)] = Some(date);
        for f in self.feeds.iter_mut().filter(|f| f.symbol.market() == market) {
            f.new_day(date);
            if let (Tape::Synthetic, Some(s)) = (&self.tape, self.market.summary(&f.symbol)) {
                f.prev_close = crate::feed::to_minor(&f.symbol, s.prev_close);
            }
        }
        let mut accounts = std::mem::take(&mut self.accounts);
        for a in &mut accounts {
            self.load_specs(&mut a.engine, market);
        }
        self.accounts = accounts;
    }

    /// A session closed: day orders expire.
    pub fn on_close(&mut self, market: Market) {
        let ts = self.now;
        for i in 0..self.accounts.len() {
            let mut out = std::mem::take(&mut self.events);
            out.clear();
            self.accounts[i].engine.expire_market(market, ts, &mut out);
            self.events = out;
        }
    }

    pub fn feed_of(&self, symbol: &Symbol) -> Option<&SymFeed> {
        self.feed_index.get(symbol).map(|&i| &self.feeds[i])
    }

    /// Submits a new order for `account`; the KIS error of a refusal.
    pub fn submit(&mut self, account: usize, order: NewOrder) -> Result<Order, KisError> {
        let open = self.is_open(order.symbol.market());
        let ts = self.now;
        let mut out = std::mem::take(&mut self.events);
        out.clear();
        let result = self.accounts[account].engine.submit(order, open, ts, &mut out);
        self.dispatch_notices(account, &out);
        self.events = out;
        let id = result.map_err(|r| kis::for_reject(&r))?;
        self.accounts[account].engine.order(id).cloned().ok_or(kis::NO_SUCH_ORDER)
    }

    /// Modify (`Some(req)`) or cancel (`None`); returns the new order number KIS gives the request.
    pub fn modify_or_cancel(
        &mut self,
        account: usize,
        id: kis_model::OrderId,
        modify: Option<kis_engine::ModifyRequest>,
    ) -> Result<kis_model::OrderId, KisError> {
        let symbol = self.accounts[account].engine.order(id).map(|o| o.symbol).ok_or(kis::NO_SUCH_ORDER)?;
        let open = self.is_open(symbol.market());
        let ts = self.now;
        let mut out = std::mem::take(&mut self.events);
        out.clear();
        let engine = &mut self.accounts[account].engine;
        let result = match modify {
            Some(req) => engine.modify(id, req, open, ts, &mut out),
            None => engine.cancel(id, open, ts, &mut out),
        };
        self.dispatch_notices(account, &out);
        self.events = out;
        result.map_err(|r: RejectReason| kis::for_reject(&r))
    }

    /// Feeds one market event to every engine and sends the notices its fills produce.
    pub fn feed_engines(&mut self, event: &kis_model::MarketEvent) {
        for i in 0..self.accounts.len() {
            let mut out = std::mem::take(&mut self.events);
            out.clear();
            if let Err(e) = self.accounts[i].engine.on_event(event, &mut out) {
                tracing::warn!(error = %e, "engine refused a market event");
            }
            if !out.is_empty() {
                self.dispatch_notices(i, &out);
            }
            self.events = out;
        }
    }

    fn dispatch_notices(&mut self, account: usize, events: &[EngineEvent]) {
        if !self.ws.has_notice_subscribers(account) {
            return;
        }
        let env = self.env();
        let a = &self.accounts[account];
        let account_no = a.account_no();
        let engine = &a.engine;
        for event in events {
            let Some(facts) = notice::facts(event, |id| engine.order(id).cloned()) else { continue };
            let tr = notice::notice_tr(&facts.symbol, env);
            let isnm = self.names.get(&facts.symbol).map_or(facts.symbol.code(), String::as_str);
            self.ws.send_notice(account, &tr, |hts_id, key, enc| {
                let to = Recipient { hts_id, account: &account_no, name: notice::HOLDER_NAME, isnm };
                notice::encode(enc, &tr, &facts, to, key)
            });
        }
    }

    /// Writes every account's engine state to the state file (if configured).
    pub fn save_state(&self) -> Result<(), SimError> {
        let Some(path) = &self.cfg.state_file else { return Ok(()) };
        let mut accounts: Vec<SavedAccount> = self
            .accounts
            .iter()
            .map(|a| SavedAccount {
                appkey_hash: fingerprint(a.appkey.expose()),
                cano: a.cano.clone(),
                acnt_prdt_cd: a.acnt_prdt_cd.clone(),
                hts_id: a.hts_id.clone(),
                engine: a.engine.state().clone(),
            })
            .collect();
        // Accounts loaded from the file but not used in this run are kept.
        for saved in self.saved.values() {
            if let Ok(text) = serde_json::to_string(saved)
                && let Ok(copy) = serde_json::from_str::<SavedAccount>(&text)
            {
                accounts.push(copy);
            }
        }
        let wall = Utc::now();
        let now = Instant::now();
        let mut tokens: Vec<SavedToken> = self
            .tokens
            .iter()
            .filter(|(_, t)| now < t.expires)
            .filter_map(|(token, t)| {
                let account = self.accounts.get(t.account)?;
                Some(SavedToken {
                    token_hash: fingerprint(token),
                    appkey_hash: fingerprint(account.appkey.expose()),
                    issued: t.issued_wall,
                    expires: t.expires_wall,
                })
            })
            .collect();
        tokens.extend(self.restored_tokens.values().filter(|t| wall < t.expires).cloned());
        let text = serde_json::to_string(&StateFile { accounts, tokens })
            .map_err(|e| SimError::State { path: path.clone(), reason: e.to_string() })?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| SimError::State { path: path.clone(), reason: e.to_string() })?;
        std::fs::rename(&tmp, path).map_err(|e| SimError::State { path: path.clone(), reason: e.to_string() })
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

type LoadedState = (HashMap<String, SavedAccount>, HashMap<String, SavedToken>);

/// Reads the state file; a missing file is a first start, anything unreadable is an error naming the file
/// (starting empty instead would silently lose every account).
fn load_state(cfg: &SimConfig, fees: &FeeModel) -> Result<LoadedState, SimError> {
    let Some(path) = &cfg.state_file else { return Ok(Default::default()) };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => return Err(SimError::State { path: path.clone(), reason: e.to_string() }),
    };
    let file: StateFile = serde_json::from_str(&text)
        .map_err(|e| SimError::State { path: path.clone(), reason: format!("not a simulator state file: {e}") })?;
    // An engine state the engine refuses would otherwise surface only when its owner first logs in.
    for a in &file.accounts {
        Engine::from_state(a.engine.clone(), fees.clone())
            .map_err(|e| SimError::State { path: path.clone(), reason: format!("account {}: {e}", a.appkey_hash) })?;
    }
    let wall = Utc::now();
    let tokens = file.tokens.into_iter().filter(|t| wall < t.expires).map(|t| (t.token_hash.clone(), t)).collect();
    Ok((file.accounts.into_iter().map(|a| (a.appkey_hash.clone(), a)).collect(), tokens))
}

pub fn market_slot(market: Market) -> usize {
    match market {
        Market::Krx => 0,
        Market::Us => 1,
    }
}

//! Everything the simulator can be told, read from `config/sim.toml` (every field has a default, unknown keys
//! are refused so that a typo does not silently fall back to a default).

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use kis_model::{Environment, Secret};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::faults::ScheduledFault;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read simulator config {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("simulator config {path}: {source}")]
    Parse { path: PathBuf, source: Box<toml::de::Error> },
    #[error("simulator config: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// Address both servers bind; loopback unless told otherwise.
    pub bind: IpAddr,
    /// 0 lets the OS pick (tests).
    pub rest_port: u16,
    pub ws_port: u16,
    /// Which TR ids, limits and behaviours are emulated.
    pub env: Environment,
    pub seed: u64,
    /// KRX listings (10 to 5,000; with `listings = "krx"` at most the table's length).
    pub symbols: usize,
    /// Where the KRX listings' codes and names come from.
    pub listings: Listings,
    /// Synthetic US listings (0 to 2,000).
    pub us_symbols: usize,
    /// Virtual seconds per real second (1 to 1,000).
    pub speed: u32,
    /// Virtual start instant; default: the next KRX session open after now.
    pub start: Option<DateTime<Utc>>,
    /// Without `start`: the market whose next open the clock starts at.
    pub start_at: StartAt,
    /// Names for the first US listings (a bot's real tickers, `NASDAQ:TQQQ`); prices stay generated.
    pub us_tickers: Vec<kis_model::Symbol>,
    /// Real milliseconds between market steps (each step sends one batch per WebSocket session).
    pub tick_ms: u64,
    /// While both markets are closed, the clock jumps over the quiet hours: once both have been closed for
    /// [`SKIP_AFTER_CLOSE`](crate::driver::SKIP_AFTER_CLOSE) it moves to
    /// [`SKIP_BEFORE_OPEN`](crate::driver::SKIP_BEFORE_OPEN) before the next open of either. A daemon
    /// trading both markets then passes the KRX day and the US night in minutes.
    pub skip_closed: bool,
    pub market: MarketKnobs,
    /// Replay these recorded events (kis-synth recording format) instead of the synthetic tape; the synthetic
    /// universe still provides reference data (previous closes, limits) for the symbols.
    pub replay_file: Option<PathBuf>,
    /// Accounts state (cash, holdings, orders) is loaded from and saved to this file.
    pub state_file: Option<PathBuf>,
    /// Seconds between state-file saves while running (it is also saved on stop).
    pub state_save_secs: u64,
    /// Whether any appkey/appsecret pair opens an account on first use.
    pub open_accounts: bool,
    pub starting_cash_krw: Decimal,
    pub starting_cash_usd: Decimal,
    pub accounts: Vec<AccountConfig>,
    pub auth: AuthConfig,
    pub rest: RestConfig,
    pub ws: WsConfig,
    /// Faults injected at fixed real times after start.
    pub faults: Vec<ScheduledFault>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            rest_port: 0,
            ws_port: 0,
            env: Environment::Paper,
            seed: 1,
            symbols: 50,
            listings: Listings::Synthetic,
            us_symbols: 10,
            speed: 1,
            start: None,
            start_at: StartAt::KrxOpen,
            us_tickers: Vec::new(),
            tick_ms: 10,
            skip_closed: false,
            market: MarketKnobs::default(),
            replay_file: None,
            state_file: None,
            state_save_secs: 10,
            open_accounts: true,
            starting_cash_krw: Decimal::from(100_000_000u64),
            starting_cash_usd: Decimal::from(100_000u64),
            accounts: Vec::new(),
            auth: AuthConfig::default(),
            rest: RestConfig::default(),
            ws: WsConfig::default(),
            faults: Vec::new(),
        }
    }
}

/// Which open a simulator without a start instant begins at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartAt {
    #[default]
    KrxOpen,
    /// The next NYSE open, so a US bot trades at once.
    NyseOpen,
}

/// The KRX listings the market trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Listings {
    /// Generated codes and names from the seed.
    #[default]
    Synthetic,
    /// The first `symbols` listings of the shipped KRX universe table (`config/krx-universe.toml`): real codes,
    /// names, boards and share counts, synthetic prices. A daemon on paper screens that same table.
    Krx,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketKnobs {
    pub trades_per_minute: f64,
    pub quotes_per_trade: f64,
}

impl Default for MarketKnobs {
    fn default() -> Self {
        MarketKnobs { trades_per_minute: 20.0, quotes_per_trade: 1.5 }
    }
}

/// A listed account: only these keys are accepted when `open_accounts` is false.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub appkey: Secret,
    pub appsecret: Secret,
    /// 8 digits.
    pub cano: String,
    #[serde(default = "default_product")]
    pub acnt_prdt_cd: String,
    #[serde(default)]
    pub hts_id: String,
    pub cash_krw: Option<Decimal>,
    pub cash_usd: Option<Decimal>,
}

fn default_product() -> String {
    "01".to_string()
}

/// Token rules, in real milliseconds so tests can shrink KIS's minutes and hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// KIS: 24 h.
    pub token_lifetime_ms: u64,
    /// KIS: a token asked for again within 6 h is the same token.
    pub token_reuse_ms: u64,
    /// KIS: one issuance per minute, `EGW00133` otherwise.
    pub token_min_interval_ms: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { token_lifetime_ms: 86_400_000, token_reuse_ms: 21_600_000, token_min_interval_ms: 60_000 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RestConfig {
    /// Calls per second per appkey on the real service (KIS: 20).
    pub real_per_sec: u32,
    /// Calls per second per appkey on paper (KIS: 2).
    pub paper_per_sec: u32,
    /// HTTP status of gateway (`EGW…`) errors (KIS: usually 500; unconfirmed).
    pub gateway_error_status: u16,
    /// Rows per page of inquire-daily-ccld (KIS: 100 real, 15 paper).
    pub ccld_page_real: usize,
    pub ccld_page_paper: usize,
}

impl Default for RestConfig {
    fn default() -> Self {
        RestConfig {
            real_per_sec: 20,
            paper_per_sec: 2,
            gateway_error_status: 500,
            ccld_page_real: 100,
            ccld_page_paper: 15,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WsConfig {
    /// Registrations per session (KIS: 41).
    pub max_registrations: usize,
    /// KIS allows one session per appkey (`OPSP8996`).
    pub one_session_per_appkey: bool,
    /// Real milliseconds between PINGPONGs (KIS: about 110 s, unconfirmed).
    pub ping_interval_ms: u64,
    /// A session that has not answered a PINGPONG within this long is dropped.
    pub ping_timeout_ms: u64,
    /// Queued batches per session: beyond this a reader is slow (see `slow_consumer`).
    pub max_queued_batches: usize,
    /// Queued bytes per session beyond which a `backpressure` session holds the market (bounds memory at
    /// high speed, where one step's batch can be megabytes).
    pub max_queued_bytes: usize,
    /// What a session that cannot keep up gets.
    pub slow_consumer: SlowConsumer,
}

/// The policy for a session whose queue is full.
///
/// The simulator exists to drive our own daemon and benchmarks, where a frame silently lost (or a session
/// cut) would make a test measure the simulator instead of the code under test; so by default the market
/// waits for the slowest subscribed reader (virtual time stops; nothing is generated and thrown away). A
/// reader that never drains is still bounded: its PINGPONG goes unanswered and the session is closed after
/// `ping_interval_ms + ping_timeout_ms`, and the market moves on. `drop` models KIS, which cuts a client
/// that does not keep up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SlowConsumer {
    #[default]
    Backpressure,
    Drop,
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig {
            max_registrations: 41,
            one_session_per_appkey: true,
            ping_interval_ms: 110_000,
            ping_timeout_ms: 30_000,
            max_queued_batches: 256,
            max_queued_bytes: 32 << 20,
            slow_consumer: SlowConsumer::Backpressure,
        }
    }
}

impl SimConfig {
    pub fn from_toml(text: &str, path: &std::path::Path) -> Result<SimConfig, ConfigError> {
        let config: SimConfig =
            toml::from_str(text).map_err(|e| ConfigError::Parse { path: path.to_path_buf(), source: Box::new(e) })?;
        config.validate()?;
        Ok(config)
    }

    pub fn load(path: &std::path::Path) -> Result<SimConfig, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        SimConfig::from_toml(&text, path)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if !(10..=5_000).contains(&self.symbols) {
            return bad(format!("symbols is {}: expected 10 to 5,000", self.symbols));
        }
        if self.us_symbols > 2_000 {
            return bad(format!("us_symbols is {}: expected at most 2,000", self.us_symbols));
        }
        if !(1..=1_000).contains(&self.speed) {
            return bad(format!("speed is {}: expected 1 to 1,000", self.speed));
        }
        if !(1..=1_000).contains(&self.tick_ms) {
            return bad(format!("tick_ms is {}: expected 1 to 1,000", self.tick_ms));
        }
        if self.rest.real_per_sec == 0 || self.rest.paper_per_sec == 0 {
            return bad("rest rate limits must be at least 1 call per second".into());
        }
        if self.rest.ccld_page_real == 0 || self.rest.ccld_page_paper == 0 {
            return bad("ccld page sizes must be at least 1".into());
        }
        if self.ws.max_registrations == 0
            || self.ws.ping_interval_ms == 0
            || self.ws.max_queued_batches == 0
            || self.ws.max_queued_bytes == 0
        {
            return bad(
                "ws.max_registrations, ws.ping_interval_ms, ws.max_queued_batches and ws.max_queued_bytes must be \
                 positive"
                    .into(),
            );
        }
        if self.starting_cash_krw < Decimal::ZERO || self.starting_cash_usd < Decimal::ZERO {
            return bad("starting cash cannot be negative".into());
        }
        for a in &self.accounts {
            if a.cano.len() != 8 || !a.cano.bytes().all(|b| b.is_ascii_digit()) {
                return bad("an account's cano must be 8 digits".into());
            }
            if a.appkey.is_empty() || a.appsecret.is_empty() {
                return bad("an account needs a non-empty appkey and appsecret".into());
            }
        }
        if !self.open_accounts && self.accounts.is_empty() {
            return bad("open_accounts is false and no accounts are listed: nobody could log in".into());
        }
        Ok(())
    }

    /// Calls per second allowed per appkey in the emulated environment.
    pub fn rate_limit(&self) -> u32 {
        match self.env {
            Environment::Real => self.rest.real_per_sec,
            Environment::Paper => self.rest.paper_per_sec,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_unknown_keys_are_refused() {
        assert!(SimConfig::default().validate().is_ok());
        let p = std::path::Path::new("x.toml");
        let c = SimConfig::from_toml("speed = 10\n[ws]\nmax_registrations = 5000\n", p).unwrap();
        assert_eq!((c.speed, c.ws.max_registrations, c.ws.ping_interval_ms), (10, 5000, 110_000));
        let err = SimConfig::from_toml("sped = 10\n", p).unwrap_err().to_string();
        assert!(err.contains("unknown field `sped`"), "{err}");
        let err = SimConfig::from_toml("speed = 5000\n", p).unwrap_err().to_string();
        assert!(err.contains("speed is 5000"), "{err}");
        let err = SimConfig::from_toml("symbols = 3\n", p).unwrap_err().to_string();
        assert!(err.contains("symbols is 3"), "{err}");
        assert_eq!(SimConfig::default().ws.slow_consumer, SlowConsumer::Backpressure);
        let c = SimConfig::from_toml("[ws]\nslow_consumer = \"drop\"\n", p).unwrap();
        assert_eq!(c.ws.slow_consumer, SlowConsumer::Drop);
        let err = SimConfig::from_toml("[ws]\nslow_consumer = \"wait\"\n", p).unwrap_err().to_string();
        assert!(err.contains("unknown variant `wait`"), "{err}");
        let err = SimConfig::from_toml("[ws]\nmax_queued_bytes = 0\n", p).unwrap_err().to_string();
        assert!(err.contains("max_queued_bytes must be positive"), "{err}");
    }

    #[test]
    fn shipped_config_parses() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/sim.toml");
        let c = SimConfig::load(&path).unwrap();
        assert_eq!(c.env, Environment::Paper);
        assert_eq!(c.ws.max_registrations, 41);
    }
}

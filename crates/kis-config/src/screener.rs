//! `[screener]`: which symbols are worth a WebSocket registration.

use std::path::PathBuf;

use kis_model::Symbol;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// KIS allows 41 registrations per session; a trade and a book stream per symbol leave room for 20 symbols a
/// session, so the default 30 needs two app keys or trade-only streams — the daemon's WsFeed shards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScreenerConfig {
    /// Shares traded today, at least.
    pub min_volume: u64,
    /// (high − low) / previous close, in percent, at least.
    pub min_range_pct: Decimal,
    /// (ask − bid) / bid, in percent, at most.
    pub max_spread_pct: Decimal,
    /// Market capitalisation in KRW, at least (tiny caps move on a single order).
    pub min_market_cap_krw: Decimal,
    pub watchlist_max: usize,
    /// Real seconds between rank polls; each poll spends REST budget that orders may need more.
    pub poll_interval_secs: u64,
    /// `inquire-price` calls one poll may spend on candidates' figures.
    pub quotes_per_poll: usize,
    /// KRX codes quoted in turn where KIS offers no rank endpoints (paper trading without
    /// `[api.market_data]`), and whenever the rank lists fail. Empty: the table of `universe_file`, or the
    /// shipped `config/krx-universe.toml`.
    pub universe: Vec<Symbol>,
    /// A universe table (the format of `config/krx-universe.toml`, e.g. written by `kis-trader universe
    /// refresh`) used when `universe` is empty, instead of the copy compiled into the binary.
    pub universe_file: Option<PathBuf>,
    /// Always watched, never dropped (e.g. a fixed list of US tickers). The tickers of `us_rsi_macd`
    /// strategies are added to it.
    pub pinned: Vec<Symbol>,
}

impl Default for ScreenerConfig {
    fn default() -> Self {
        ScreenerConfig {
            min_volume: 100_000,
            min_range_pct: Decimal::TWO,
            max_spread_pct: Decimal::new(3, 1),
            min_market_cap_krw: Decimal::from(100_000_000_000u64),
            watchlist_max: 30,
            poll_interval_secs: 10,
            quotes_per_poll: 40,
            universe: Vec::new(),
            universe_file: None,
            pinned: Vec::new(),
        }
    }
}

//! `[sim]`: the embedded simulator used when `environment = "sim"`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use kis_model::Environment;
use serde::{Deserialize, Serialize};

/// Valid ranges of the simulator's own config (sim/src/config.rs), checked here so that `check-config` finds
/// them before the daemon starts anything.
pub const SYMBOLS_RANGE: std::ops::RangeInclusive<usize> = 10..=5_000;
pub const SPEED_RANGE: std::ops::RangeInclusive<u32> = 1..=1_000;

/// Either a kis-sim TOML (`file`) or nothing, plus inline overrides of its most used knobs. An unset override
/// keeps the file's value (or kis-sim's default), so a file can be shared between `kis-trader sim` and the
/// daemon without being contradicted here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimSection {
    /// A kis-sim config (the format of `config/sim.toml`), relative to the working directory.
    #[serde(deserialize_with = "crate::path::strict_opt")]
    pub file: Option<PathBuf>,
    /// Which KIS service the simulator emulates (TR ids, rate limits).
    pub emulate: Environment,
    /// Synthetic KRX listings.
    pub symbols: Option<usize>,
    /// Virtual seconds per real second.
    pub speed: Option<u32>,
    pub seed: Option<u64>,
    /// Virtual start instant; unset: the next open of `start_at`.
    pub start: Option<DateTime<Utc>>,
    /// `krx_open` (default) or `nyse_open`: where an unset `start` puts the clock, so a US demo trades at once.
    pub start_at: SimStartAt,
    /// Skip the hours when both markets are closed (KRX day → US night → next KRX day in minutes); unset:
    /// the simulator file's choice (off by default).
    pub skip_closed: Option<bool>,
    /// The simulator already runs elsewhere on this machine (the fault run, `kis-trader sim`): the daemon
    /// starts none, reaches it at `[api] rest_base` / `ws_url` (loopback only) with the simulator's demo
    /// keys, follows its virtual clock through its admin status, and keeps its state across restarts — the
    /// simulator remembers the orders, so the journal must too. The other keys of this section are then the
    /// running simulator's business and ignored.
    pub external: bool,
}

/// Which market's next open the embedded simulator starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimStartAt {
    #[default]
    KrxOpen,
    NyseOpen,
}

impl Default for SimSection {
    fn default() -> Self {
        SimSection {
            file: None,
            emulate: Environment::Paper,
            symbols: None,
            speed: None,
            seed: None,
            start: None,
            start_at: SimStartAt::KrxOpen,
            skip_closed: None,
            external: false,
        }
    }
}

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
    /// Virtual start instant; unset: the next KRX open.
    pub start: Option<DateTime<Utc>>,
    /// The simulator already runs elsewhere on this machine (the fault run, `kis-trader sim`): the daemon
    /// starts none, reaches it at `[api] rest_base` / `ws_url` (loopback only) with the simulator's demo
    /// keys, follows its virtual clock through its admin status, and keeps its state across restarts — the
    /// simulator remembers the orders, so the journal must too. The other keys of this section are then the
    /// running simulator's business and ignored.
    pub external: bool,
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
            external: false,
        }
    }
}

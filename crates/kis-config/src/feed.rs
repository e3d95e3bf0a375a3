//! `[feed]`: the WebSocket feed's timing.

use serde::{Deserialize, Serialize};

/// KIS's cap on registrations per WebSocket session, i.e. per app key (kis-protocol.md §8.7).
pub const KIS_REGISTRATIONS_PER_SESSION: usize = 41;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedSection {
    /// A session that receives nothing at all (no data, no PINGPONG) for this long is taken for dead and
    /// reconnected. KIS sends PINGPONG about every 110 s on a quiet connection.
    pub silence_timeout_ms: u64,
    /// Once market data has flowed on a session, this long without a data frame also counts as dead, so a
    /// stall in trading hours is found in seconds. 0 disables it. After the close the session reconnects
    /// once, then waits for data or PINGPONG again.
    pub data_silence_timeout_ms: u64,
    /// Simulator only: how many app keys (and so WebSocket sessions) to use, to spread subscriptions past
    /// KIS's 41 registrations per key. With KIS, each key in `[[api.extra_keys]]` adds a session.
    pub sim_sessions: usize,
}

impl Default for FeedSection {
    fn default() -> Self {
        FeedSection { silence_timeout_ms: 150_000, data_silence_timeout_ms: 10_000, sim_sessions: 2 }
    }
}

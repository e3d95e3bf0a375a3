//! `[daemon]`: the process's own lifecycle.

use std::path::PathBuf;

use chrono::NaiveTime;
use kis_strategy::KstTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonSection {
    /// The daemon stops itself at this KST time of the venue's clock (the virtual clock under the simulator),
    /// after the close, so that an unattended run never carries into the next session. Unset: runs until
    /// signalled.
    pub shutdown_at: Option<KstTime>,
    /// The US trading day ends at this New York time (the US bot's `AUTO_SHUTDOWN_TIME`), on the venue's
    /// clock: the US orders stop, open ones are cancelled (`cancel_open_orders_on_shutdown`) and the US summary
    /// goes out. With KRX and US strategies `shutdown_at` ends the KRX day alone, and the daemon stops once
    /// every traded market's day is over. Unset: the US day does not end the run.
    pub us_shutdown_at: Option<NaiveTime>,
    /// Token cache, order journal and other state that must survive a restart.
    #[serde(deserialize_with = "crate::path::strict")]
    pub state_dir: PathBuf,
    /// On shutdown, cancel orders still open at the exchange (otherwise they stay and are adopted on restart).
    pub cancel_open_orders_on_shutdown: bool,
    /// Seconds between the supervisor's per-actor health lines.
    pub health_report_secs: u64,
    /// Seconds between re-reads of each market's account from the broker (balance, present balance, US
    /// buying power) while no order is working; the account is also re-read after the feed reconnects.
    pub account_resync_secs: u64,
    /// Threads (actix arbiters) the per-symbol SignalActors are spread over; 0 = one per core, at most 8.
    pub signal_threads: usize,
}

impl Default for DaemonSection {
    fn default() -> Self {
        DaemonSection {
            shutdown_at: Some(KstTime::hm(15, 40)),
            us_shutdown_at: NaiveTime::from_hms_opt(16, 30, 0),
            state_dir: PathBuf::from("state"),
            cancel_open_orders_on_shutdown: true,
            health_report_secs: 30,
            account_resync_secs: 60,
            signal_threads: 0,
        }
    }
}

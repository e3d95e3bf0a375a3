//! `[router]`: how the OrderRouter treats working orders.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouterSection {
    /// An order still (partly) unfilled this long after KIS accepted it is cancelled (venue time).
    pub cancel_unfilled_after_secs: u64,
    /// How often open orders are checked against the broker's order list when no notice came for them.
    pub poll_interval_secs: u64,
}

impl Default for RouterSection {
    fn default() -> Self {
        RouterSection { cancel_unfilled_after_secs: 60, poll_interval_secs: 5 }
    }
}

//! `[router]`: how the OrderRouter treats working orders.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouterSection {
    /// An order still (partly) unfilled this long after KIS accepted it is cancelled (venue time).
    pub cancel_unfilled_after_secs: u64,
    /// How often open orders are checked against the broker's order list when no notice came for them.
    pub poll_interval_secs: u64,
    /// Added to the client's request timeout (10 s): the latest KIS may accept an order after it was sent.
    /// An order POST without a usable answer is called "never reached KIS" only when the order list, read
    /// repeatedly after that time, does not show it; until then its symbol takes no new order.
    pub accept_margin_secs: u64,
}

impl Default for RouterSection {
    fn default() -> Self {
        RouterSection { cancel_unfilled_after_secs: 60, poll_interval_secs: 5, accept_margin_secs: 5 }
    }
}

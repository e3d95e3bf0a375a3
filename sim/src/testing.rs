//! Test support for the crates whose integration tests run against the simulator (enable the `testing`
//! feature in their dev-dependency): start it and wait for a session to open, the step every such test
//! begins with.

use std::time::Duration;

use kis_model::Market;

use crate::{SimConfig, SimHandle, Simulator};

/// Starts the simulator with `config` and waits (at most `within` of real time) until the driver has opened
/// `market`. Panics if either fails: a test cannot go on without its session.
pub async fn start_open(config: SimConfig, market: Market, within: Duration) -> SimHandle {
    let sim = Simulator::start(config).await.expect("the simulator starts");
    assert!(sim.wait_open(market, within).await, "the {market:?} session did not open within {within:?}");
    sim
}

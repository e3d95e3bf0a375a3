//! US order POSTs under faults, in the whole daemon against the simulator on loopback: a send whose reply is
//! lost after KIS executed it is found in the overseas order history and bound to its order; a send that never
//! reached KIS is called so only after the history was read past the latest time KIS could have taken it. In
//! both cases nothing is sent twice and no symbol is left paused for a person.

mod common;

use std::time::Duration;

use common::*;
use kis_actors::daemon::Daemon;
use kis_model::{Environment, Symbol};
use kis_sim::Fault;
use kis_strategy::StrategyConfig;

/// The journal's events of each intent, in order.
fn events_by_intent(dir: &std::path::Path) -> std::collections::BTreeMap<u64, Vec<String>> {
    let mut out = std::collections::BTreeMap::<u64, Vec<String>>::new();
    for e in journal_lines(dir) {
        if let (Some(id), Some(event)) = (e["id"].as_u64(), e["event"].as_str()) {
            out.entry(id).or_default().push(event.to_string());
        }
    }
    out
}

async fn us_fault(fault: Fault, tag: &str, settled: &[&str]) {
    let keys = Keys::new(tag);
    let dir = TempDir::new(tag);
    actix_rt::time::timeout(Duration::from_secs(80), async {
        let sim = start_us_sim(&keys, Environment::Real).await;
        let tickers: Vec<Symbol> = sim_us_symbols(&sim).into_iter().take(2).collect();
        let mut config = test_config();
        config.sim.emulate = Environment::Real;
        config.strategies = vec![StrategyConfig::UsRsiMacd(fast_us_bot(&tickers))];
        let mut setup = setup(&sim, &keys, &dir.0, buy_once(&Default::default()), config);
        setup.strategy = None;
        // The first order POST of the run suffers the fault.
        sim.inject(&fault);
        let daemon = Daemon::start(setup).unwrap();

        wait_for("the first US intent settled from the overseas history", Duration::from_secs(60), || async {
            events_by_intent(&dir.0).get(&1).is_some_and(|e| e.len() >= settled.len())
        })
        .await;
        let events = events_by_intent(&dir.0);
        assert_eq!(events[&1][..settled.len()], *settled, "{events:#?}");
        // Every intent sent at most once, and the broker holds exactly the orders acknowledged in the journal.
        let acked = events.values().filter(|e| e.iter().any(|x| x == "acked")).count();
        assert!(events.values().all(|e| e.iter().filter(|x| *x == "sent").count() <= 1), "{events:#?}");
        let orders = sim_orders(&sim);
        let before_ack = events.values().filter(|e| e.last().is_some_and(|x| x == "sent")).count();
        assert!(
            orders.len() >= acked && orders.len() <= acked + before_ack,
            "{} broker orders for {acked} acknowledged intents: {events:#?}",
            orders.len()
        );
        // Settled by evidence, not handed to a person: the router pauses nothing.
        let log = log_text();
        assert!(!log.contains("uncertain US order"), "a US outcome was left to a person");
        let risk = daemon.risk_status().await.unwrap();
        assert!(risk.accounts.iter().all(|a| a.market == kis_model::Market::Us));

        daemon.shutdown(true).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("US fault test timed out");
    assert_no_secret_logged(&keys.secrets());
}

#[actix_rt::test]
async fn a_us_order_whose_reply_was_lost_is_bound_to_its_order_not_sent_again() {
    us_fault(Fault::ExecuteDropReply { count: 1 }, "uslostreply", &["intent", "sent", "uncertain", "acked"]).await;
}

#[actix_rt::test]
async fn a_us_order_that_never_reached_kis_is_settled_by_the_history() {
    us_fault(Fault::DropBeforeExecute { count: 1 }, "usneverarrived", &["intent", "sent", "uncertain", "done"]).await;
}

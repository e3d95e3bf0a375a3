//! Modifies (`VTTT1004U`, US) through the OrderRouter against the simulator over loopback with the real client:
//! a resting US order re-priced fills on its new order number; a modify whose reply was lost is found in the
//! overseas history and bound, before and after a restart; one that never reached KIS lapses only after the
//! history was read past its deadline. No modify is ever sent twice, and the fills of both order numbers are
//! counted once.

mod common;

use std::time::Duration;

use kis_actors::messages::{CloseReason, OrderEvent, Reprice};
use kis_model::{Environment, Price, Side, Symbol};
use kis_sim::{Fault, SimHandle};
use rust_decimal::Decimal;

use common::router::*;
use common::{NYSE_OPEN, TempDir};

/// The simulator (paper unless `env` says otherwise) at the NYSE open with two US listings, books in the engine.
async fn start_us() -> SimHandle {
    start_us_on(Environment::Paper).await
}

async fn start_us_on(env: Environment) -> SimHandle {
    start_sim_open(NYSE_OPEN, kis_model::Market::Us, env, 2, 12).await
}

/// A US listing and its last price in dollars.
fn us_stock(sim: &SimHandle) -> (Symbol, Decimal) {
    let ex = kis_sim::exchange::lock(sim.state());
    ex.feeds
        .iter()
        .find_map(|f| matches!(f.symbol, Symbol::Us(..)).then(|| (f.symbol, Decimal::new(f.last, 2))))
        .expect("a US listing")
}

fn dollars(d: Decimal) -> Price {
    Price::new(d.round_dp(2)).unwrap()
}

/// Fast catch-ups from the overseas history (this harness has no notice feed).
async fn us_router(sim: SimHandle, dir: TempDir) -> Harness {
    let mut c = config(&dir);
    c.us_orders = true;
    c.notice_quiet = Duration::from_millis(200);
    c.poll_interval = Duration::from_millis(300);
    let h = start_router(sim, dir, c, Duration::from_secs(2)).await;
    h.wait_ready().await;
    h
}

/// A buy of 2 shares resting 20 % under the market, working; then re-priced 2 % over it.
async fn resting_buy(h: &Harness) -> (Symbol, Price) {
    let (symbol, last) = us_stock(&h.sim);
    h.approve(symbol, Side::Buy, 2, Some(dollars(last * Decimal::new(80, 2))));
    h.wait_for_update("working", |u| matches!(u.event, OrderEvent::Working { .. })).await;
    (symbol, dollars(last * Decimal::new(102, 2)))
}

/// The order numbers intent 1's fills were journaled on, and the number its modify bound.
fn fills_and_modified(h: &Harness) -> (Vec<String>, Option<String>) {
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(h.dir.journal())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["id"] == 1)
        .collect();
    let fills = lines.iter().filter(|v| v["event"] == "fill").map(|v| v["order_no"].to_string()).collect();
    let modified = lines.iter().find(|v| v["event"] == "modified").map(|v| v["order_id"]["order_no"].to_string());
    (fills, modified)
}

async fn wait_events(h: &Harness, what: &str, want: &[&str]) {
    wait_until(what, || async { h.journal_events(1).len() >= want.len() }).await;
    assert_eq!(h.journal_events(1)[..want.len()], *want);
}

#[actix_rt::test]
async fn a_resting_us_order_repriced_fills_on_its_new_order_number() {
    repriced_fills(Environment::Paper).await;
}

/// On a real account the router sends `TTTT1004U` and also reads the overseas unfilled list.
#[actix_rt::test]
async fn a_resting_us_order_repriced_on_a_real_account_fills_on_its_new_order_number() {
    repriced_fills(Environment::Real).await;
}

async fn repriced_fills(env: Environment) {
    bounded(40, async {
        let h = us_router(start_us_on(env).await, TempDir::new("modify")).await;
        let (symbol, marketable) = resting_buy(&h).await;
        assert_eq!(h.sim_orders().len(), 1);
        // The same re-price asked twice before the lane is free is one modify.
        h.router.do_send(Reprice { symbol, side: Side::Buy, limit: marketable });
        h.router.do_send(Reprice { symbol, side: Side::Buy, limit: marketable });
        let closed = h.wait_closed(1).await;
        assert!(matches!(closed[0].2, CloseReason::Filled), "{closed:?}");
        let events = h.journal_events(1);
        assert_eq!(events[..5], ["intent", "sent", "acked", "modify_sent", "modified"], "{events:?}");
        assert_eq!(events.iter().filter(|e| *e == "modify_sent").count(), 1, "{events:?}");
        // The broker holds the replaced order and its modify, which took every share.
        let orders = h.sim_orders();
        assert_eq!(orders.len(), 2, "{orders:?}");
        assert_eq!((orders[0].filled.shares(), orders[1].filled.shares()), (0, 2));
        assert_eq!(h.status().await.orders_sent, 1, "a modify is not a new order");
        let (fills, modified) = fills_and_modified(&h);
        assert!(modified.is_some() && fills.iter().all(|f| Some(f) == modified.as_ref()), "{fills:?} {modified:?}");
        let tr = if env == Environment::Real { "TTTT1004U" } else { "VTTT1004U" };
        let served = kis_sim::exchange::lock(h.sim.state()).served(KEY, kis_protocol::tr_id::Op::UsModifyCancel);
        assert_eq!(served, 1, "one {tr}");
        h.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn a_modify_whose_reply_was_lost_is_bound_from_the_overseas_history() {
    bounded(40, async {
        let h = us_router(start_us().await, TempDir::new("modifylost")).await;
        let (symbol, marketable) = resting_buy(&h).await;
        h.sim.inject(&Fault::ExecuteDropReply { count: 1 });
        h.router.do_send(Reprice { symbol, side: Side::Buy, limit: marketable });
        wait_events(
            &h,
            "the lost modify bound",
            &["intent", "sent", "acked", "modify_sent", "modify_uncertain", "modified"],
        )
        .await;
        let closed = h.wait_closed(1).await;
        assert!(matches!(closed[0].2, CloseReason::Filled), "{closed:?}");
        assert_eq!(h.sim_orders().len(), 2, "the modify was not sent again");
        let (fills, modified) = fills_and_modified(&h);
        assert!(modified.is_some() && fills.iter().all(|f| Some(f) == modified.as_ref()), "{fills:?} {modified:?}");
        assert!(h.status().await.unknown.is_empty() && h.status().await.paused.is_empty());
        h.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn a_modify_that_never_reached_kis_lapses_only_past_its_deadline_then_a_new_one_goes_out() {
    bounded(60, async {
        let h = us_router(start_us().await, TempDir::new("modifydropped")).await;
        let (symbol, marketable) = resting_buy(&h).await;
        h.sim.inject(&Fault::DropBeforeExecute { count: 1 });
        h.router.do_send(Reprice { symbol, side: Side::Buy, limit: marketable });
        wait_events(&h, "the modify unknown", &["intent", "sent", "acked", "modify_sent", "modify_uncertain"]).await;
        // Meanwhile the symbol takes no new order.
        assert!(h.status().await.unknown.iter().any(|(_, s)| *s == symbol));
        wait_events(
            &h,
            "the modify lapsed",
            &["intent", "sent", "acked", "modify_sent", "modify_uncertain", "modify_lapsed"],
        )
        .await;
        let orders = h.sim_orders();
        assert_eq!((orders.len(), orders[0].live), (1, true), "the order works on at its old price: {orders:?}");
        // Settled, a new re-price goes out and fills.
        h.router.do_send(Reprice { symbol, side: Side::Buy, limit: marketable });
        let closed = h.wait_closed(1).await;
        assert!(matches!(closed[0].2, CloseReason::Filled), "{closed:?}");
        assert_eq!(h.journal_events(1).iter().filter(|e| *e == "modify_sent").count(), 2);
        h.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn after_a_restart_a_modify_without_its_answer_is_settled_from_the_history() {
    bounded(40, async {
        let first = us_router(start_us().await, TempDir::new("modifyrestart")).await;
        let (symbol, marketable) = resting_buy(&first).await;
        first.sim.inject(&Fault::ExecuteDropReply { count: 1 });
        first.router.do_send(Reprice { symbol, side: Side::Buy, limit: marketable });
        wait_events(&first, "the modify unknown", &["intent", "sent", "acked", "modify_sent", "modify_uncertain"])
            .await;
        // The daemon dies here; the next one finds the modify in the history at start.
        let Harness { sim, router, dir, .. } = first;
        router.do_send(kis_actors::supervisor::Shutdown);
        actix_rt::time::sleep(Duration::from_millis(100)).await;
        let second = us_router(sim, dir).await;
        wait_events(
            &second,
            "the modify bound at start",
            &["intent", "sent", "acked", "modify_sent", "modify_uncertain", "modified"],
        )
        .await;
        let closed = second.wait_closed(1).await;
        assert!(matches!(closed[0].2, CloseReason::Filled), "{closed:?}");
        assert_eq!(second.sim_orders().len(), 2, "nothing sent twice");
        second.stop().await;
    })
    .await;
}

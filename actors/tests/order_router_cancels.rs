//! The OrderRouter against the simulator over loopback with the real client: cancels after the timeout, a
//! cancel confirmed by its notice, and CancelAll.

mod common;

use std::time::Duration;

use kis_actors::messages::{CloseReason, ExecutionNotice, Notice, NoticeKind, OrderEvent};
use kis_actors::order_router::{CancelAll, GetOpenOrders};
use kis_model::{OrderNo, Price, Qty, Side, Symbol};

use common::TempDir;
use common::router::*;

#[actix_rt::test]
async fn a_resting_order_is_cancelled_after_the_timeout() {
    bounded(30, async {
        let sim = start_sim().await;
        let dir = TempDir::new("cancel");
        let mut c = config(&dir);
        c.cancel_unfilled_after = Duration::from_millis(800);
        c.poll_interval = Duration::from_millis(200);
        c.notice_quiet = Duration::from_millis(200);
        let h = start_router(sim, dir, c, Duration::from_secs(5)).await;
        h.wait_ready().await;
        let (code, last) = krx_stock(&h.sim);
        let symbol = Symbol::Krx(code);
        h.approve(symbol, Side::Buy, 2, Some(below_market(last, 90)));
        let closed = h.wait_closed(1).await;
        assert_eq!(closed, vec![(symbol, Qty::ZERO, CloseReason::Cancelled)]);
        let orders = h.sim_orders();
        assert_eq!(orders.len(), 1);
        assert!(orders[0].cancelled(), "{orders:?}");
        assert_eq!(h.journal_events(1), ["intent", "sent", "acked", "cancel_requested", "cancelled", "done"]);
        h.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn a_cancel_is_confirmed_by_its_notice() {
    bounded(30, async {
        let sim = start_sim().await;
        let dir = TempDir::new("cancel-notice");
        let mut c = config(&dir);
        c.cancel_unfilled_after = Duration::from_millis(300);
        let h = start_router(sim, dir, c, Duration::from_secs(5)).await;
        h.wait_ready().await;
        let (code, last) = krx_stock(&h.sim);
        let symbol = Symbol::Krx(code);
        h.approve(symbol, Side::Buy, 3, Some(below_market(last, 90)));
        h.wait_for_update("working", |u| matches!(u.event, OrderEvent::Working { .. })).await;
        for _ in 0..300 {
            if h.sim_orders()[0].cancelled() {
                break;
            }
            actix_rt::time::sleep(Duration::from_millis(10)).await;
        }
        let order = h.sim_orders().pop().unwrap();
        assert!(order.cancelled());
        // The cancel's ack has reached the router by now; its confirmation is what the feed would deliver.
        actix_rt::time::sleep(Duration::from_millis(100)).await;
        assert!(h.closed().is_empty(), "not closed before the broker confirms");
        let confirm = ExecutionNotice {
            original_order_no: Some(order.id.order_no),
            kind: NoticeKind::Accepted,
            price: Some(below_market(last, 90)),
            ..fill_notice(
                OrderNo::new(order.id.order_no.value() + 1),
                symbol,
                Qty::new(3),
                Price::ZERO,
                sim_now(&h.sim),
            )
        };
        h.router.do_send(Notice(confirm));
        assert_eq!(h.wait_closed(1).await, vec![(symbol, Qty::ZERO, CloseReason::Cancelled)]);
        assert_eq!(h.status().await.catch_ups, 0, "confirmed by the notice, not the order list");
        assert_eq!(h.journal_events(1), ["intent", "sent", "acked", "cancel_requested", "cancelled", "done"]);
        h.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn cancel_all_cancels_every_open_order_and_answers_when_done() {
    bounded(30, async {
        let sim = start_sim().await;
        let dir = TempDir::new("cancel-all");
        let h = start_router_default(sim, dir, Duration::from_secs(5)).await;
        h.wait_ready().await;
        let (code, last) = krx_stock(&h.sim);
        let symbol = Symbol::Krx(code);
        h.approve(symbol, Side::Buy, 1, Some(below_market(last, 90)));
        h.approve(symbol, Side::Buy, 2, Some(below_market(last, 85)));
        for _ in 0..500 {
            if h.router.send(GetOpenOrders).await.unwrap().iter().filter(|o| o.order_id.is_some()).count() == 2 {
                break;
            }
            actix_rt::time::sleep(Duration::from_millis(10)).await;
        }
        let report = h.router.send(CancelAll::everything()).await.unwrap();
        assert_eq!((report.cancelled, report.dropped, report.left_open), (2, 0, 0), "{report:?}");
        assert!(h.sim_orders().iter().all(SimOrder::cancelled));
        let closed = h.closed();
        assert_eq!(
            closed,
            vec![(symbol, Qty::ZERO, CloseReason::Cancelled), (symbol, Qty::ZERO, CloseReason::Cancelled)]
        );
        assert!(h.router.send(GetOpenOrders).await.unwrap().is_empty());
        h.stop().await;
    })
    .await;
}

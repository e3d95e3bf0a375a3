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

/// A protective exit is due while a resting buy holds its symbol: the router cancels the buy at once (not
/// after the unfilled-order timeout), journaled like any cancel; asking again changes nothing; another
/// symbol's order is left alone.
#[actix_rt::test]
async fn a_protective_exit_has_the_resting_order_of_its_symbol_cancelled_at_once() {
    use kis_actors::messages::CancelForExit;
    use kis_strategy::ExitReason;
    bounded(30, async {
        let sim = start_sim().await;
        let dir = TempDir::new("cancel-for-exit");
        let mut c = config(&dir);
        c.cancel_unfilled_after = Duration::from_secs(3_600);
        let h = start_router(sim, dir, c, Duration::from_secs(5)).await;
        h.wait_ready().await;
        let (code, last) = krx_stock(&h.sim);
        let symbol = Symbol::Krx(code);
        let (other, other_last) = other_krx_stock(&h.sim, code);
        h.approve(symbol, Side::Buy, 2, Some(below_market(last, 90)));
        h.approve(Symbol::Krx(other), Side::Buy, 1, Some(below_market(other_last, 90)));
        wait_until("both orders working", || async { h.router.send(GetOpenOrders).await.unwrap().len() == 2 }).await;
        for _ in 0..2 {
            h.router.send(CancelForExit { symbol, reason: ExitReason::StopLoss }).await.unwrap();
        }
        let closed = h.wait_closed(1).await;
        assert_eq!(closed, vec![(symbol, Qty::ZERO, CloseReason::Cancelled)]);
        assert_eq!(h.journal_events(1), ["intent", "sent", "acked", "cancel_requested", "cancelled", "done"]);
        let open = h.router.send(GetOpenOrders).await.unwrap();
        assert_eq!(
            open.iter().map(|o| o.symbol).collect::<Vec<_>>(),
            [Symbol::Krx(other)],
            "the other symbol's order stays"
        );
        let orders = h.sim_orders();
        assert_eq!(orders.iter().filter(|o| o.cancelled()).count(), 1, "{orders:?}");
        // Asked for a symbol with nothing open: nothing is sent.
        let sent = h.status().await.orders_sent;
        h.router.send(CancelForExit { symbol, reason: ExitReason::StopLoss }).await.unwrap();
        assert_eq!(h.status().await.orders_sent, sent);
        h.stop().await;
    })
    .await;
}

//! The OrderRouter against the simulator over loopback with the real client: sends, acks, fills by REST
//! catch-up and by notice (a repeated notice counted once), refusals, and no send without a journal.

mod common;

use std::time::Duration;

use kis_actors::messages::{CloseReason, NotSent, Notice, OrderEvent};
use kis_actors::order_router::GetOpenOrders;
use kis_journal::IntentState;
use kis_model::tick_size::{InstrumentKind, floor_to_tick};
use kis_model::{OrderNo, Price, Qty, Side, Symbol};

use common::TempDir;
use common::router::*;

#[actix_rt::test]
async fn a_marketable_order_is_sent_once_and_filled_by_rest_catch_up() {
    bounded(30, async {
        let sim = start_sim().await;
        let dir = TempDir::new("market");
        let mut c = config(&dir);
        c.poll_interval = Duration::from_millis(200);
        c.notice_quiet = Duration::from_millis(200);
        let h = start_router(sim, dir, c, Duration::from_secs(5)).await;
        h.wait_ready().await;
        let (code, _) = krx_stock(&h.sim);
        let symbol = Symbol::Krx(code);
        h.approve(symbol, Side::Buy, 1, None);
        let closed = h.wait_closed(1).await;

        let orders = h.sim_orders();
        assert_eq!(orders.len(), 1, "exactly one order reached the broker");
        let order = &orders[0];
        assert_eq!((order.filled, order.live), (Qty::new(1), false));
        let price = Price::new(order.filled_notional).unwrap();
        assert_eq!(closed, vec![(symbol, Qty::new(1), CloseReason::Filled)]);
        let events: Vec<OrderEvent> = h.updates().into_iter().map(|u| u.event).collect();
        assert_eq!(events[0], OrderEvent::Working { qty: Qty::new(1), side: Side::Buy });
        let OrderEvent::Filled(fill) = &events[1] else { panic!("expected a fill: {events:?}") };
        assert_eq!((fill.symbol, fill.side, fill.qty, fill.price), (symbol, Side::Buy, Qty::new(1), price));
        assert_eq!(fill.strategy_id, Some(kis_strategy::StrategyId::new("test-strategy")));
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(h.journal_events(1), ["intent", "sent", "acked", "fill", "done"]);
        let status = h.status().await;
        assert_eq!((status.orders_sent, status.open, status.paused.len()), (1, 0, 0));
        assert!(status.catch_ups >= 1);
        assert!(h.router.send(GetOpenOrders).await.unwrap().is_empty());
        h.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn a_fill_notice_repeated_is_counted_once() {
    bounded(30, async {
        let sim = start_sim().await;
        let dir = TempDir::new("notice");
        let h = start_router_default(sim, dir, Duration::from_secs(5)).await;
        h.wait_ready().await;
        let (code, _) = krx_stock(&h.sim);
        let symbol = Symbol::Krx(code);
        h.approve(symbol, Side::Buy, 1, None);
        h.wait_for_update("working", |u| matches!(u.event, OrderEvent::Working { .. })).await;
        let order = h.sim_orders().pop().unwrap();
        let price = Price::new(order.filled_notional).unwrap();
        let open = h.router.send(GetOpenOrders).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].order_id, open[0].state), (Some(order.id), IntentState::Acked));

        // Someone else's order (placed in HTS): logged, nothing reported.
        let stranger =
            fill_notice(OrderNo::new(order.id.order_no.value() + 500), symbol, Qty::new(1), price, sim_now(&h.sim));
        h.router.do_send(Notice(stranger));
        let notice = fill_notice(order.id.order_no, symbol, Qty::new(1), price, sim_now(&h.sim));
        h.router.do_send(Notice(notice.clone()));
        h.router.do_send(Notice(notice));
        let closed = h.wait_closed(1).await;
        assert_eq!(closed, vec![(symbol, Qty::new(1), CloseReason::Filled)]);
        // Let any mistaken second fill arrive before counting.
        actix_rt::time::sleep(Duration::from_millis(200)).await;
        let fills: Vec<_> = h.updates().into_iter().filter(|u| matches!(u.event, OrderEvent::Filled(_))).collect();
        assert_eq!(fills.len(), 1, "{fills:?}");
        assert_eq!(h.journal_events(1), ["intent", "sent", "acked", "fill", "done"]);
        assert_eq!(h.status().await.catch_ups, 0, "the fill came from the notice");
        h.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn refusals_carry_the_kis_code_or_never_reach_kis() {
    bounded(30, async {
        let sim = start_sim().await;
        let dir = TempDir::new("refusals");
        let h = start_router_default(sim, dir, Duration::from_secs(5)).await;
        h.wait_ready().await;
        let (code, last) = krx_stock(&h.sim);
        let symbol = Symbol::Krx(code);
        // Far above the +30 % daily limit, on the grid.
        h.approve(symbol, Side::Buy, 1, Some(below_market(last, 160)));
        let closed = h.wait_closed(1).await;
        let CloseReason::Rejected { code: msg_cd, message } = &closed[0].2 else { panic!("not rejected: {closed:?}") };
        assert_eq!(msg_cd, "APBK0507");
        assert!(message.contains("상하한가"), "{message}");
        assert_eq!(h.journal_events(1), ["intent", "sent", "rejected", "done"]);

        // Off the tick grid: refused before anything is journaled or sent.
        let off_tick = Price::from_won(floor_to_tick(last, InstrumentKind::Stock) + 1);
        h.approve(symbol, Side::Buy, 1, Some(off_tick));
        let closed = h.wait_closed(2).await;
        let CloseReason::NotSent(NotSent::Unpreparable(why)) = &closed[1].2 else { panic!("not refused: {closed:?}") };
        assert!(why.contains("not on the KRX tick grid"), "{why}");
        assert!(h.sim_orders().is_empty(), "nothing reached the broker");
        let status = h.status().await;
        assert_eq!((status.orders_sent, status.open), (1, 0));
        assert!(h.journal_events(2).is_empty());
        h.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn without_a_journal_nothing_is_sent() {
    bounded(30, async {
        let sim = start_sim().await;
        let dir = TempDir::new("no-journal");
        std::fs::create_dir_all(&dir.0).unwrap();
        // The journal's directory is a file: it can be neither created nor opened.
        std::fs::write(dir.0.join("state"), b"not a directory").unwrap();
        let h = start_router_default(sim, dir, Duration::from_secs(5)).await;
        for _ in 0..200 {
            if h.status().await.journal_error.is_some() {
                break;
            }
            actix_rt::time::sleep(Duration::from_millis(10)).await;
        }
        let status = h.status().await;
        assert!(!status.ready);
        assert!(status.journal_error.as_deref().is_some_and(|e| e.contains("cannot create")), "{status:?}");
        let (code, last) = krx_stock(&h.sim);
        h.approve(Symbol::Krx(code), Side::Buy, 1, Some(below_market(last, 90)));
        let closed = h.wait_closed(1).await;
        assert_eq!(closed[0].2, CloseReason::NotSent(NotSent::NotReconciled));
        assert!(h.sim_orders().is_empty());
        h.sim.stop().await.unwrap();
    })
    .await;
}

//! The OrderRouter against the simulator over loopback with the real client: the crash between journal and
//! send, and an order accepted late after a restart, bound by the start-up read or its notice without
//! sending.

mod common;

use std::time::Duration;

use kis_actors::messages::{CloseReason, NotSent, Notice, OrderEvent};
use kis_actors::order_router::GetOpenOrders;
use kis_client::Priority;
use kis_journal::{Event, IntentRecord, IntentState, Journal, OrderKind, Origin, StrategyId};
use kis_model::tick_size::InstrumentKind;
use kis_model::{ClientOrderId, OrdDvsn, Price, Qty, Side, Symbol};
use kis_protocol::rest::domestic_order::OrderCash;

use common::TempDir;
use common::router::*;

#[actix_rt::test]
async fn a_crash_between_journal_and_send_is_reconciled_without_sending() {
    bounded(30, async {
        let sim = start_sim().await;
        let dir = TempDir::new("crash");
        let (code, last) = krx_stock(&sim);
        let symbol = Symbol::Krx(code);
        let record = |price: Price| IntentRecord {
            symbol,
            side: Side::Buy,
            kind: OrderKind::Krx(OrdDvsn::Limit),
            qty: Qty::new(1),
            price: Some(price),
            strategy: StrategyId::new("before-the-crash"),
            origin: Origin::Daemon,
        };
        let (bid, lower) = (below_market(last, 90), below_market(last, 85));
        let placed = {
            let (api, _) = api(&sim, &dir, Duration::from_secs(5));
            std::fs::create_dir_all(dir.journal().parent().unwrap()).unwrap();
            let (mut journal, _) = Journal::open(&dir.journal()).unwrap();
            // (a) journaled, sent, placed; the ack never reached the journal.
            let a = journal.record_intent(sim_now(&sim), record(bid)).unwrap();
            journal.record_event(sim_now(&sim), a, Event::Sent).unwrap();
            let order = OrderCash::new(
                &account(),
                Side::Buy,
                code,
                OrdDvsn::Limit,
                Qty::new(1),
                Some(bid),
                InstrumentKind::Stock,
            )
            .unwrap();
            let reply = api.call(&order, Priority::Order).await.unwrap();
            // (b) journaled as being sent; died before it left. (c) only journaled.
            let b = journal.record_intent(sim_now(&sim), record(lower)).unwrap();
            journal.record_event(sim_now(&sim), b, Event::Sent).unwrap();
            journal.record_intent(sim_now(&sim), record(lower)).unwrap();
            reply.reply.body.output.order_id().unwrap()
        };
        assert_eq!(sim_orders(&sim).len(), 1);

        let h = start_router_default(sim, dir, Duration::from_secs(2)).await;
        // Before reconciliation nothing is queued for later: refused at once.
        h.approve(symbol, Side::Buy, 1, Some(bid));
        h.wait_ready().await;
        let closed = h.wait_closed(2).await;
        assert_eq!(closed[0], (symbol, Qty::ZERO, CloseReason::NotSent(NotSent::NotReconciled)));
        // (c) provably never left; (b) may have: unknown, and its symbol takes no new order meanwhile.
        let never = CloseReason::NotSent(NotSent::FoundUnsentAtRestart);
        assert_eq!(closed[1].2, never);
        assert_eq!(h.status().await.unknown, vec![(ClientOrderId(2), symbol)]);
        h.approve(symbol, Side::Buy, 1, Some(lower));
        let refused = h.wait_closed(3).await;
        assert!(
            matches!(&refused[2].2, CloseReason::NotSent(NotSent::OutcomeUnknown { symbol: s, .. }) if *s == symbol),
            "an order on a symbol with an unknown outcome is refused: {refused:?}"
        );
        // Only after the lists were read past the latest time KIS could have accepted it: never reached.
        let closed = h.wait_closed(4).await;
        assert_eq!(closed[3], (symbol, Qty::ZERO, CloseReason::NotSent(NotSent::NeverReachedKis)));
        assert!(h.status().await.unknown.is_empty());
        h.wait_for_update("working", |u| u.event == OrderEvent::Working { qty: Qty::new(1), side: Side::Buy }).await;

        let open = h.router.send(GetOpenOrders).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!((open[0].id, open[0].order_id, open[0].state), (ClientOrderId(1), Some(placed), IntentState::Acked));
        assert_eq!(h.sim_orders().len(), 1, "nothing sent again");
        let status = h.status().await;
        assert_eq!((status.ready, status.orders_sent, status.open), (true, 0, 1));
        assert_eq!(h.journal_events(1), ["intent", "sent", "acked"]);
        assert_eq!(h.journal_events(2), ["intent", "sent", "done"]);
        assert_eq!(h.journal_events(3), ["intent", "done"]);
        h.stop().await;
    })
    .await;
}

/// Issue #9, defect 3: at a restart, an order sent just before the crash and accepted by KIS only after the
/// start-up read was marked "never reached" and its fill notice, 0.1–1 s later, ignored as "outside". Now
/// it stays unknown, and the notice is matched against it before anything is called outside.
#[actix_rt::test]
async fn after_a_restart_an_order_accepted_late_is_bound_by_its_notice() {
    bounded(30, async {
        let sim = start_sim().await;
        let dir = TempDir::new("restart-late");
        let (code, last) = krx_stock(&sim);
        let symbol = Symbol::Krx(code);
        let price = below_market(last, 90);
        {
            std::fs::create_dir_all(dir.journal().parent().unwrap()).unwrap();
            let (mut journal, _) = Journal::open(&dir.journal()).unwrap();
            let a = journal
                .record_intent(
                    sim_now(&sim),
                    IntentRecord {
                        symbol,
                        side: Side::Buy,
                        kind: OrderKind::Krx(OrdDvsn::Limit),
                        qty: Qty::new(2),
                        price: Some(price),
                        strategy: StrategyId::new("before-the-crash"),
                        origin: Origin::Daemon,
                    },
                )
                .unwrap();
            journal.record_event(sim_now(&sim), a, Event::Sent).unwrap();
            // Killed here: the POST is still on its way to KIS.
        }
        let h = start_router_with_margin(sim, dir, Duration::from_secs(2), Duration::from_secs(3)).await;
        h.wait_ready().await;
        assert_eq!(h.status().await.unknown, vec![(ClientOrderId(1), symbol)]);
        assert!(h.closed().is_empty(), "not concluded from one read: {:?}", h.closed());
        // KIS accepts it now, and its fill notice reaches the router before any list read shows it.
        let (api, _) = api(&h.sim, &h.dir, Duration::from_secs(5));
        let order = OrderCash::new(
            &account(),
            Side::Buy,
            code,
            OrdDvsn::Limit,
            Qty::new(2),
            Some(price),
            InstrumentKind::Stock,
        )
        .unwrap();
        let placed = api.call(&order, Priority::Order).await.unwrap().reply.body.output.order_id().unwrap();
        h.router.do_send(Notice(fill_notice(placed.order_no, symbol, Qty::new(2), price, sim_now(&h.sim))));
        wait_until("the order is found", || async { h.status().await.unknown.is_empty() }).await;
        let open = h.router.send(GetOpenOrders).await.unwrap();
        assert_eq!((open.len(), open[0].order_id), (1, Some(placed)));
        assert_eq!(h.journal_events(1), ["intent", "sent", "acked"]);
        assert_eq!(h.sim_orders().len(), 1, "nothing sent again");
        assert!(h.status().await.unknown.is_empty());
        h.stop().await;
    })
    .await;
}

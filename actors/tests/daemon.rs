//! The whole daemon against the simulator over loopback, with the real awc client: the "must show" list of
//! issue #4. Each test starts its own simulator (OS-assigned ports) and daemon, is bounded by a timeout, and
//! checks at the end that none of its secrets (app key and secret, account, HTS ID, the access token and the
//! approval keys the daemon persisted) appears in any line logged by the test binary.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kis_actors::daemon::Daemon;
use kis_actors::supervisor::ActorState;
use kis_model::{Qty, Side, Symbol};
use kis_sim::Fault;
use kis_strategy::risk::ExitRules;

use common::*;

// ---------------------------------------------------------------------------------------------------------

/// tick → signal → risk approval → order → encrypted fill notice → position → exit, end to end.
#[actix_rt::test]
async fn a_full_lifecycle_from_tick_to_exit() {
    let keys = Keys::new("life");
    let dir = TempDir::new("life");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim(&keys, |_| {}).await;
        let events = Arc::new(AtomicU64::new(0));
        let daemon = Daemon::start(setup(&sim, &keys, &dir.0, buy_once(&events), test_config())).unwrap();

        // A buy goes out, fills, and the position closes again through an exit rule.
        wait_for("a closed round trip", Duration::from_secs(30), || async {
            daemon.risk_status().await.is_some_and(|r| r.day.trades >= 1)
        })
        .await;
        let risk = daemon.risk_status().await.unwrap();
        assert!(risk.approved >= 2, "a buy and a sell were approved: {risk:?}");
        assert!(!risk.exits.is_empty(), "the round trip was closed by an exit rule: {risk:?}");
        assert!(events.load(Ordering::Relaxed) > 0);

        // The fills reached the router through the decrypted WebSocket notice, not a REST catch-up.
        let journal = journal_lines(&dir.0);
        let notice_fills = journal
            .iter()
            .filter(|e| e["event"] == "fill" && e["fill_id"].as_str().is_some_and(|f| f.starts_with("n:")))
            .count();
        assert!(notice_fills >= 2, "fills journaled from notices (buy and sell): {journal:#?}");
        let feed = daemon.feed_status().await.unwrap();
        assert!(feed.notices >= 2, "{feed:?}");

        // Every order the daemon journaled is exactly one order at the broker, and they agree on fills.
        settle(&daemon).await;
        let journal = journal_lines(&dir.0);
        let orders = sim_orders(&sim);
        let sent = journal.iter().filter(|e| e["event"] == "sent").count();
        assert_eq!(orders.len(), sent, "one broker order per journaled send");
        let first_sell = orders.iter().find(|o| o.side == Side::Sell).expect("an exit order");
        let bought = orders.iter().find(|o| o.side == Side::Buy && o.symbol == first_sell.symbol).unwrap();
        assert_eq!(first_sell.filled, bought.filled, "the exit sold exactly what was bought");
        assert!(first_sell.filled > Qty::ZERO);

        // Health: every actor of the tree reported and none restarted.
        let health = daemon.health().await;
        for name in ["token_manager", "market_cache", "order_router", "risk_manager", "ws_feed", "screener"] {
            let (_, h) = health.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} not supervised"));
            assert_eq!((h.state, h.restarts), (ActorState::Running, 0), "{name}");
        }
        assert!(health.iter().any(|(n, _)| n.starts_with("signal:")), "{health:?}");

        let report = daemon.shutdown(true).await;
        assert_eq!(report.left_open, 0);
        sim.stop().await.unwrap();
    })
    .await
    .expect("lifecycle test timed out");
    let mut secrets = keys.secrets();
    secrets.extend(persisted_secrets(&dir.0));
    assert!(secrets.len() > keys.secrets().len(), "the token and approval keys were persisted and are checked");
    assert_no_secret_logged(&secrets);
}

/// A dropped and a stalled WebSocket: reconnected and resubscribed within 2 s, no duplicate registration.
#[actix_rt::test]
async fn the_feed_recovers_from_a_drop_and_a_stall_within_two_seconds() {
    let keys = Keys::new("feed");
    let dir = TempDir::new("feed");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim(&keys, |_| {}).await;
        let events = Arc::new(AtomicU64::new(0));
        // No trading here: the feed is the subject.
        let strategy = Arc::new(BuyOnceFactory { events: events.clone(), panic_once: None, only: Some(Vec::new()) });
        let daemon = Daemon::start(setup(&sim, &keys, &dir.0, strategy, test_config())).unwrap();
        wait_for("symbols subscribed", Duration::from_secs(20), || async {
            daemon.feed_status().await.is_some_and(|f| f.symbols >= 2 && f.registrations >= 3)
        })
        .await;
        let before: usize = sim_registrations(&sim).iter().map(Vec::len).sum();
        let status = daemon.feed_status().await.unwrap();

        for fault in [Fault::DropWs, Fault::StallWs { ms: 3_000 }] {
            let reconnects = daemon.feed_status().await.unwrap().reconnects;
            let frames = daemon.feed_status().await.unwrap().frames;
            let t0 = Instant::now();
            sim.inject(&fault);
            // Watchdog (1 s data silence) + reconnect + resubscribe, all inside 2 s of the fault.
            wait_for("reconnected and resubscribed", Duration::from_millis(2_000), || async {
                let f = daemon.feed_status().await.unwrap_or_default();
                let regs: Vec<_> = sim_registrations(&sim);
                f.reconnects > reconnects && regs.iter().map(Vec::len).sum::<usize>() >= before
            })
            .await;
            let took = t0.elapsed();
            let regs = sim_registrations(&sim);
            for session in &regs {
                let mut unique = session.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), session.len(), "duplicate registration after {fault:?}: {session:?}");
            }
            assert_eq!(regs.iter().map(Vec::len).sum::<usize>(), before, "same registrations after {fault:?}");
            wait_for("data flowing again", Duration::from_secs(3), || async {
                daemon.feed_status().await.is_some_and(|f| f.frames > frames)
            })
            .await;
            eprintln!("{fault:?}: reconnected and resubscribed in {} ms", took.as_millis());
        }
        let after = daemon.feed_status().await.unwrap();
        assert_eq!(after.symbols, status.symbols, "{after:?}");
        // The supervisor never had to restart the feed: the sessions recovered inside it.
        let health = daemon.health().await;
        let feed = health.iter().find(|(n, _)| n == "ws_feed").unwrap();
        assert_eq!(feed.1.restarts, 0);
        daemon.shutdown(false).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("feed recovery test timed out");
    assert_no_secret_logged(&keys.secrets());
}

/// A SignalActor whose strategy panics is restarted alone, warmed up from the market cache.
#[actix_rt::test]
async fn a_panicking_signal_actor_is_restarted_alone() {
    let keys = Keys::new("panic");
    let dir = TempDir::new("panic");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim(&keys, |_| {}).await;
        let events = Arc::new(AtomicU64::new(0));
        let panicked = Arc::new(AtomicBool::new(false));
        // Nothing trades; one instance panics on its 20th event.
        let strategy =
            Arc::new(BuyOnceFactory { events: events.clone(), panic_once: Some(panicked.clone()), only: None });
        let mut config = test_config();
        config.risk.order_rate.max_per_minute = 1;
        let daemon = Daemon::start(setup(&sim, &keys, &dir.0, strategy, config)).unwrap();
        wait_for("the panic and its restart", Duration::from_secs(30), || async {
            panicked.load(Ordering::SeqCst)
                && daemon
                    .health()
                    .await
                    .iter()
                    .any(|(n, h)| n.starts_with("signal:") && h.restarts == 1 && h.state == ActorState::Running)
        })
        .await;
        let health = daemon.health().await;
        let restarted: Vec<_> = health.iter().filter(|(_, h)| h.restarts > 0).map(|(n, _)| n.clone()).collect();
        assert_eq!(restarted.len(), 1, "only the panicking actor restarted: {health:?}");
        assert!(restarted[0].starts_with("signal:"));
        // The other symbols' actors and the rest of the tree kept running throughout.
        assert!(health.iter().all(|(_, h)| h.state == ActorState::Running), "{health:?}");
        let before = events.load(Ordering::Relaxed);
        wait_for("events after the restart", Duration::from_secs(5), || async {
            events.load(Ordering::Relaxed) > before + 10
        })
        .await;
        assert!(log_text().contains(&format!("actor={} state=running", restarted[0])));
        daemon.shutdown(false).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("panic test timed out");
    assert_no_secret_logged(&keys.secrets());
}

/// A restarted daemon reuses the persisted token (no new issue); a daemon killed between journaling an order
/// and sending it does not send it on restart; nothing is ever sent twice.
#[actix_rt::test]
async fn a_restart_reuses_the_token_and_never_sends_an_order_twice() {
    let keys = Keys::new("restart");
    let dir = TempDir::new("restart");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim(&keys, |_| {}).await;
        let idle = || {
            Arc::new(BuyOnceFactory { events: Arc::new(AtomicU64::new(0)), panic_once: None, only: Some(Vec::new()) })
        };

        // First run: a token is issued and persisted.
        let first = Daemon::start(setup(&sim, &keys, &dir.0, idle(), test_config())).unwrap();
        wait_for("token ready", Duration::from_secs(10), || async {
            first.token_status().await.is_some_and(|t| t.ready)
        })
        .await;
        assert_eq!(first.token_status().await.unwrap().stats.issue_attempts, 1);
        first.shutdown(false).await;

        // The process "dies" right after journaling two intents: one whose send had started and reached the
        // broker (we place it at the broker by hand, as the dying process did), one whose send never started.
        let symbol: Symbol = {
            let ex = kis_sim::exchange::lock(sim.state());
            ex.feeds.iter().map(|f| f.symbol).find(|s| matches!(s, Symbol::Krx(_))).unwrap()
        };
        // One token issue a second in this simulator: let the daemon's issue age first. Within its reuse
        // window the simulator hands out the very token the daemon persisted, so the daemon's copy stays valid.
        actix_rt::time::sleep(Duration::from_millis(1_100)).await;
        // Stamped just before the send, as the dying process did (venue time runs 60× here: the broker's order
        // time must fall inside the intent's send window).
        let now = sim_clock(&sim).now();
        let intent = |id: u64, qty: u64| {
            serde_json::json!({"ts": now, "id": id, "event": "intent", "symbol": symbol.to_string(), "side": "buy",
                "kind": {"krx": "01"}, "qty": qty, "price": null, "strategy": "buy-once", "origin": "daemon"})
        };
        let lines = [intent(1, 3), serde_json::json!({"ts": now, "id": 1, "event": "sent"}), intent(2, 4)];
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        // The journal of the first run is empty of orders; append the crash's lines.
        let mut existing = std::fs::read_to_string(dir.0.join("journal.jsonl")).unwrap_or_default();
        existing.push_str(&text);
        std::fs::write(dir.0.join("journal.jsonl"), existing).unwrap();
        place_market_buy(&sim, &keys, symbol, 3).await;
        assert_eq!(sim_orders(&sim).len(), 1);

        // Second run on the same state directory; no exit rules, so the adopted holding stays to be looked at.
        let mut config = test_config();
        config.exits = ExitRules::NONE;
        let second = Daemon::start(setup(&sim, &keys, &dir.0, idle(), config)).unwrap();
        wait_for("token ready and orders reconciled", Duration::from_secs(15), || async {
            let token = second.token_status().await.is_some_and(|t| t.ready);
            let journal = journal_lines(&dir.0);
            let done_2 = journal.iter().any(|e| e["id"] == 2 && e["event"] == "done");
            let acked_1 = journal.iter().any(|e| e["id"] == 1 && e["event"] == "acked");
            token && done_2 && acked_1
        })
        .await;
        assert_eq!(second.token_status().await.unwrap().stats.issue_attempts, 0, "the persisted token was reused");
        // Give the router a moment in which it could (wrongly) send something.
        actix_rt::time::sleep(Duration::from_millis(1_500)).await;
        let orders = sim_orders(&sim);
        assert_eq!(orders.len(), 1, "nothing was sent again: {orders:?}");
        let journal = journal_lines(&dir.0);
        assert!(journal.iter().all(|e| e["event"] != "sent" || e["id"] == 1), "no new send: {journal:#?}");
        assert!(journal.iter().any(|e| e["id"] == 2 && e["reason"] == "never_sent"), "{journal:#?}");
        // The filled order of the earlier run is in the account the RiskManager reads, once.
        wait_for("the position of the earlier run", Duration::from_secs(5), || async {
            second
                .risk_status()
                .await
                .is_some_and(|r| r.positions.iter().any(|(s, q, _)| *s == symbol && *q == Qty::new(3)))
        })
        .await;
        // Its "fully filled" notification carries the fill's own price, not the book's missing one.
        let filled_line = || {
            log_text()
                .lines()
                .find(|l| l.contains("전량체결") && l.contains(&symbol.to_string()) && l.contains(" 3주"))
                .map(str::to_string)
        };
        wait_for("the earlier run's fill notified", Duration::from_secs(5), || async { filled_line().is_some() }).await;
        let line = filled_line().unwrap_or_default();
        assert!(!line.contains("avg 0 KRW"), "the average is the fill's price: {line}");
        second.shutdown(false).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("restart test timed out");
    let mut secrets = keys.secrets();
    secrets.extend(persisted_secrets(&dir.0));
    assert_no_secret_logged(&secrets);
}

/// `EGW00201` bursts and a token revoked mid-run (`EGW00121`/`EGW00123`) are absorbed: trading goes on,
/// nothing is escalated, every order is at the broker once.
#[actix_rt::test]
async fn rate_limit_bursts_and_revoked_tokens_are_absorbed() {
    let keys = Keys::new("faults");
    let dir = TempDir::new("faults");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim(&keys, |_| {}).await;
        let events = Arc::new(AtomicU64::new(0));
        let daemon = Daemon::start(setup(&sim, &keys, &dir.0, buy_once(&events), test_config())).unwrap();
        wait_for("risk manager ready", Duration::from_secs(10), || async {
            daemon.risk_status().await.is_some_and(|r| r.ready)
        })
        .await;
        sim.inject(&Fault::RateLimitBurst { count: 8 });
        sim.inject(&Fault::RevokeTokens);
        wait_for("two closed round trips after the faults", Duration::from_secs(30), || async {
            daemon.risk_status().await.is_some_and(|r| r.day.trades >= 2)
        })
        .await;
        sim.inject(&Fault::RateLimitBurst { count: 8 });
        let trades = daemon.risk_status().await.unwrap().day.trades;
        wait_for("another round trip after the second burst", Duration::from_secs(20), || async {
            daemon.risk_status().await.is_some_and(|r| r.day.trades > trades)
        })
        .await;
        let token = daemon.token_status().await.unwrap();
        assert!(token.stats.issue_attempts >= 2, "a new token after the revocation: {token:?}");
        settle(&daemon).await;
        let journal = journal_lines(&dir.0);
        let sent = journal.iter().filter(|e| e["event"] == "sent").count();
        assert_eq!(sim_orders(&sim).len(), sent, "every order once at the broker");
        assert!(!journal.iter().any(|e| e["event"] == "uncertain"), "{journal:#?}");
        let health = daemon.health().await;
        assert!(health.iter().all(|(_, h)| h.state == ActorState::Running && h.restarts == 0), "{health:?}");
        assert!(!log_text().lines().any(|l| l.contains("escalated")), "nothing was escalated");
        daemon.shutdown(false).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("fault test timed out");
    let mut secrets = keys.secrets();
    secrets.extend(persisted_secrets(&dir.0));
    assert_no_secret_logged(&secrets);
}

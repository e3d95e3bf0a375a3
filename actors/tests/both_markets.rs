//! One daemon, both markets, one virtual day, against the simulator on loopback: the KRX scalper trades the
//! afternoon of the KRX session in won, the KRX day ends at `shutdown_at` (KST) while the US bot waits, the
//! simulator's clock skips the hours when both markets are closed, the US bot trades the NYSE session of the
//! same date in dollars, the US day ends at `us_shutdown_at` (New York time), and the daemon's day plan is
//! then over. The desk's cash per currency equals the broker's, and one journal holds both markets' orders.

mod common;

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use common::*;
use kis_actors::daemon::{Daemon, DayPlan};
use kis_model::{Currency, Environment, Market, Qty, Side, Symbol};
use kis_strategy::StrategyConfig;
use rust_decimal::Decimal;

/// Wednesday 2026-03-04 14:25 KST: five minutes before the scalper's closing-run window (14:30–15:00).
const KRX_AFTERNOON: &str = "2026-03-04T05:25:00Z";
/// The KRX session of that day: 09:00–15:30 KST.
const KRX_CLOSE: &str = "2026-03-04T06:30:00Z";
/// The US day ends at 10:00 New York time in this test (the user's 16:30 would only make it longer).
const US_END: &str = "2026-03-04T15:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[actix_rt::test]
async fn one_daemon_trades_the_krx_day_and_the_us_night_each_in_its_currency() {
    let keys = Keys::new("bothmkts");
    let dir = TempDir::new("bothmkts");
    actix_rt::time::timeout(Duration::from_secs(150), async {
        let sim = start_sim_at(&keys, |c| {
            c.env = Environment::Real;
            c.start = Some(t(KRX_AFTERNOON));
            c.speed = 200;
            c.skip_closed = true;
            c.symbols = 30;
            c.us_symbols = 4;
        })
        .await;
        let tickers: Vec<Symbol> = sim_us_symbols(&sim).into_iter().take(2).collect();
        assert_eq!(tickers.len(), 2, "the simulator lists US symbols");

        let mut config = test_config();
        config.strategies = vec![shipped_scalper(), StrategyConfig::UsRsiMacd(fast_us_bot(&tickers))];
        config.daemon.shutdown_at = Some(kis_strategy::KstTime::hm(15, 40));
        config.daemon.us_shutdown_at = NaiveTime::from_hms_opt(10, 0, 0);
        let mut plan = DayPlan::for_config(&config, t(KRX_AFTERNOON));
        let mut setup = setup(&sim, &keys, &dir.0, buy_once(&Default::default()), config);
        setup.strategy = None; // the configured strategies, as `kis-trader run` builds them
        let daemon = Daemon::start(setup).unwrap();

        // As `kis-trader run` does: end each market's day when its time comes, until every day is over.
        let mut krx_ended_at = None;
        let started = std::time::Instant::now();
        while !daemon.end_due_days(&mut plan, true).await {
            if krx_ended_at.is_none() && plan.ends().iter().any(|e| e.market == Market::Krx && e.ended) {
                krx_ended_at = Some(daemon.clock.now());
                let risk = daemon.risk_status().await.unwrap();
                let krx = risk.accounts.iter().find(|a| a.market == Market::Krx).unwrap();
                assert!(krx.day.trades > 0 || has_filled(&sim, Market::Krx), "the KRX day traded: {risk:?}");
            }
            assert!(started.elapsed() < Duration::from_secs(130), "the day plan did not finish: {plan:?}");
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
        let krx_ended_at = krx_ended_at.expect("the KRX day ended before the US day");
        assert!(krx_ended_at >= t("2026-03-04T06:40:00Z") && krx_ended_at < t(NYSE_OPEN), "{krx_ended_at}");
        assert!(daemon.clock.now() >= t(US_END));

        // Both markets traded, each within its own session of the same date.
        let orders = sim_orders(&sim);
        let date = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        for market in [Market::Krx, Market::Us] {
            let mine: Vec<_> = orders.iter().filter(|o| o.symbol.market() == market).collect();
            let filled = |side| mine.iter().any(|o| o.side == side && o.filled > Qty::ZERO);
            assert!(filled(Side::Buy) && filled(Side::Sell), "{market}: a buy and a sell filled: {mine:#?}");
            let (open, close) = match market {
                Market::Krx => (t("2026-03-04T00:00:00Z"), t(KRX_CLOSE)),
                Market::Us => (t(NYSE_OPEN), t(US_END)),
            };
            for o in &mine {
                assert!(o.created >= open && o.created <= close, "{market} order outside its session: {o:#?}");
                assert_eq!(o.trade_date, date, "{market}: one virtual day");
            }
        }

        // The desk: won for KRX, dollars for the US, each equal to the broker's cash in that currency. A fill
        // learned from an order list rather than a notice may book fees a minor unit apart from the broker's
        // per-execution fees (the next balance read corrects it); allow that, and no more.
        daemon.halt("test: compare desk and broker");
        wait_for("no order in flight", Duration::from_secs(20), || async {
            daemon.open_orders().await.is_empty() && daemon.risk_status().await.is_some_and(|r| r.working == 0)
        })
        .await;
        let risk = daemon.risk_status().await.unwrap();
        let journal = journal_lines(&dir.0);
        let from_lists = journal
            .iter()
            .filter(|e| e["event"] == "fill" && e["fill_id"].as_str().is_some_and(|f| !f.starts_with("n:")))
            .count();
        let slack = i64::try_from(from_lists).unwrap_or(i64::MAX);
        let (broker_krw, broker_usd, broker_held) = {
            let ex = kis_sim::exchange::lock(sim.state());
            let engine = &ex.accounts[0].engine;
            let held: Vec<_> = engine.positions().filter(|p| !p.qty.is_zero()).map(|p| (p.symbol, p.qty)).collect();
            (engine.cash(Currency::Krw).total, engine.cash(Currency::Usd).total, held)
        };
        for (market, broker, unit) in
            [(Market::Krx, broker_krw, Decimal::ONE), (Market::Us, broker_usd, Decimal::new(1, 2))]
        {
            let desk = risk.accounts.iter().find(|a| a.market == market).expect("the desk trades both markets");
            assert_eq!(desk.cash.currency, market.currency());
            let gap = (desk.cash.amount - broker).abs();
            assert!(
                gap <= unit * Decimal::from(slack),
                "{market}: the desk's {} is the broker's {broker} ({from_lists} fills from the order lists)",
                desk.cash.amount
            );
        }
        let mut desk_held: Vec<_> = risk.positions.iter().map(|p| (p.0, p.1)).collect();
        desk_held.sort();
        let mut broker_held = broker_held;
        broker_held.sort();
        assert_eq!(desk_held, broker_held);

        // One journal holds both markets' orders.
        let intents: Vec<&str> =
            journal.iter().filter(|e| e["event"] == "intent").filter_map(|e| e["symbol"].as_str()).collect();
        assert!(intents.iter().any(|s| s.contains(':')), "US intents journaled: {intents:?}");
        assert!(intents.iter().any(|s| !s.contains(':')), "KRX intents journaled: {intents:?}");

        daemon.shutdown(true).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("both-markets test timed out");
    assert_no_secret_logged(&keys.secrets());
}

fn has_filled(sim: &kis_sim::SimHandle, market: Market) -> bool {
    sim_orders(sim).iter().any(|o| o.symbol.market() == market && o.filled > Qty::ZERO)
}

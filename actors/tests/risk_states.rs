//! The risk states and the exit state against the simulator over loopback (issue #9, defects 4 and 5):
//! with an order rate of one a minute, exits due on real positions still go out while the rate is breached
//! and while an operator halt is on, each exit is one intent, and the rate breach lifts itself; a daemon
//! restarted on the same state directory keeps each position's opening time and high-water mark, so a
//! holding-time exit fires on time after the restart.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kis_actors::daemon::Daemon;
use kis_model::tick_size::InstrumentKind;
use kis_model::{MarketEvent, Side, Symbol};
use kis_strategy::risk::{ExitRules, HaltCause};
use kis_strategy::{BuildError, Context, Signal, SignalKind, SignalQty, Strategy, StrategyFactory, StrategyId};
use rust_decimal_macros::dec;

use common::*;

/// Asks to buy on every trade while flat and nothing is pending: a strategy that keeps the order rate at its
/// limit, as a runaway loop would.
struct BuyWhenFlat {
    id: StrategyId,
    symbol: Symbol,
}

impl Strategy for BuyWhenFlat {
    fn id(&self) -> &StrategyId {
        &self.id
    }

    fn symbol(&self) -> Symbol {
        self.symbol
    }

    fn on_event(&mut self, event: &MarketEvent, ctx: &Context, out: &mut Vec<Signal>) {
        let MarketEvent::Trade(_) = event else { return };
        if ctx.position.is_some() || ctx.order_pending {
            return;
        }
        out.push(Signal {
            symbol: self.symbol,
            side: Side::Buy,
            kind: SignalKind::Entry,
            quantity: SignalQty::CashFraction(dec!(0.05)),
            limit: None,
            stop: None,
            order_type: kis_strategy::OrderType::Limit,
            strategy_id: self.id.clone(),
            reason: "test: buy when flat".into(),
        });
    }

    fn warm_up(&mut self, _: &[kis_model::Bar]) {}

    fn rejected_events(&self) -> u64 {
        0
    }
}

struct BuyWhenFlatFactory;

impl StrategyFactory for BuyWhenFlatFactory {
    fn build(&self, symbol: Symbol, _: InstrumentKind) -> Result<Box<dyn Strategy>, BuildError> {
        Ok(Box::new(BuyWhenFlat { id: StrategyId::new("buy-when-flat"), symbol }))
    }
}

/// Only the holding clock closes positions here, so every exit is a protective one at a known time.
fn holding_only(secs: u64) -> ExitRules {
    ExitRules { max_holding_secs: Some(secs), ..ExitRules::NONE }
}

/// Filled orders of the trading account by symbol, in time order: (side, created on the venue clock).
fn filled_orders(sim: &kis_sim::SimHandle) -> BTreeMap<Symbol, Vec<(Side, DateTime<Utc>)>> {
    let mut out: BTreeMap<Symbol, Vec<(Side, DateTime<Utc>)>> = BTreeMap::new();
    let mut orders = sim_orders(sim);
    orders.sort_by_key(|o| o.seq);
    for o in orders.iter().filter(|o| !o.filled.is_zero()) {
        out.entry(o.symbol).or_default().push((o.side, o.created));
    }
    out
}

fn sells(sim: &kis_sim::SimHandle) -> usize {
    filled_orders(sim).values().flatten().filter(|(side, _)| *side == Side::Sell).count()
}

/// Defect 4. Today's code counts the refused buys as orders, latches a halt on the first one and then sends
/// no exit at all: this test then times out waiting for the first sells.
#[actix_rt::test]
async fn exits_go_out_while_rate_limited_and_halted_each_one_intent_and_the_rate_halt_lifts_itself() {
    let keys = Keys::new("ratestate");
    let dir = TempDir::new("ratestate");
    // 240 s of holding on the venue clock: 4 real seconds at speed 60.
    const HOLD: i64 = 240;
    actix_rt::time::timeout(Duration::from_secs(90), async {
        let sim = start_sim(&keys, |_| {}).await;
        let mut config = test_config();
        config.exits = holding_only(HOLD as u64);
        // One order a minute of venue time (a real second): the buys alone keep the rate at its limit.
        config.risk.order_rate.max_per_minute = 1;
        let daemon = Daemon::start(setup(&sim, &keys, &dir.0, Arc::new(BuyWhenFlatFactory), config)).unwrap();

        wait_for(
            "three exits sent and filled while the buys saturate the order rate",
            Duration::from_secs(40),
            || async { sells(&sim) >= 3 },
        )
        .await;
        let status = daemon.risk_status().await.unwrap();
        assert!(status.refused.get("rate_limited").is_some_and(|n| *n > 0), "the buys hit the rate limit: {status:?}");
        let text = log_text();
        assert!(
            text.lines().any(|l| l.contains("trading restricted") && l.contains("order_rate")),
            "the rate breach was logged with its cause"
        );
        assert!(
            text.lines().any(|l| l.contains("trading restriction lifted") && l.contains("order_rate")),
            "the rate breach lifted by itself"
        );

        // An operator halt: no buy goes out any more, the held positions still leave on time.
        daemon.halt("test: operator halt");
        actix_rt::time::sleep(Duration::from_millis(200)).await;
        let halted_at = daemon.clock.now();
        let status = daemon.risk_status().await.unwrap();
        assert!(status.halts.iter().any(|(c, _)| *c == HaltCause::Operator), "{status:?}");
        wait_for("every position closed while halted", Duration::from_secs(15), || async {
            daemon.open_orders().await.is_empty()
                && daemon.risk_status().await.is_some_and(|r| r.positions.is_empty() && r.working == 0)
        })
        .await;

        let orders = filled_orders(&sim);
        let mut exits = 0;
        let mut sold_while_halted = 0;
        for (symbol, list) in &orders {
            // Strictly buy, sell, buy, sell...: one exit per position, never a second sell for the same one.
            for (i, pair) in list.chunks(2).enumerate() {
                let [(Side::Buy, bought), (Side::Sell, sold)] = pair else {
                    panic!("{symbol}: round trip {i} is not one buy and one sell: {list:?}");
                };
                let held = (*sold - *bought).num_seconds();
                // The fill time is whole seconds; the exit is checked on every tick of the symbol.
                assert!((HOLD - 1..=HOLD + 90).contains(&held), "{symbol}: sold {held} s after the buy: {list:?}");
                assert!(*bought < halted_at, "{symbol}: no buy after the halt: {list:?}");
                exits += 1;
                if *sold > halted_at {
                    sold_while_halted += 1;
                }
            }
        }
        assert!(sold_while_halted >= 1, "an exit went out under the operator halt: {orders:?}");
        let status = daemon.risk_status().await.unwrap();
        assert_eq!(status.exits.get("max_holding_time"), Some(&exits), "one exit intent per position: {status:?}");
        assert_eq!(status.pending_exits, 0, "{status:?}");
        daemon.shutdown(false).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("rate state test timed out");
    assert_no_secret_logged(&keys.secrets());
}

/// Defect 5. Today's code takes the restart for the opening of every position held: the holding-time exit
/// then comes a whole restart later than it should.
#[actix_rt::test]
async fn a_restart_keeps_the_opening_time_and_high_water_mark_so_holding_time_exits_fire_on_time() {
    let keys = Keys::new("exitstate");
    let dir = TempDir::new("exitstate");
    const HOLD: i64 = 300;
    actix_rt::time::timeout(Duration::from_secs(90), async {
        let sim = start_sim(&keys, |_| {}).await;
        let mut config = test_config();
        config.exits = holding_only(HOLD as u64);
        let events = Arc::new(AtomicU64::new(0));
        let first = Daemon::start(setup(&sim, &keys, &dir.0, buy_once(&events), config.clone())).unwrap();
        wait_for("a position", Duration::from_secs(20), || async {
            first.risk_status().await.is_some_and(|r| !r.positions.is_empty() && r.working == 0)
        })
        .await;
        // Hold it a while (150 s of venue time) before the restart, so a reset clock would be plain to see.
        actix_rt::time::sleep(Duration::from_millis(2_500)).await;
        let before = first.risk_status().await.unwrap();
        first.shutdown(false).await;
        assert!(dir.0.join("exit-state.json").exists(), "the exit state was saved");
        let held: Vec<Symbol> = before.positions.iter().map(|(s, _, _)| *s).collect();
        assert!(!held.is_empty());

        // The second run trades nothing itself; only its exits act.
        let idle = Arc::new(BuyOnceFactory { events: events.clone(), panic_once: None, only: Some(Vec::new()) });
        let second = Daemon::start(setup(&sim, &keys, &dir.0, idle, config)).unwrap();
        wait_for("the second run ready", Duration::from_secs(10), || async {
            second.risk_status().await.is_some_and(|r| r.ready)
        })
        .await;
        let after = second.risk_status().await.unwrap();
        for state in &before.exit_states {
            let Some(now) = after.exit_states.iter().find(|s| s.symbol == state.symbol) else {
                // Sold by the first run's last exit check before it stopped: nothing to restore.
                continue;
            };
            assert_eq!(now.opened_at, state.opened_at, "{}: opening time kept over the restart", state.symbol);
            assert!(now.high_water >= state.high_water, "{}: high-water mark kept: {now:?} {state:?}", state.symbol);
        }
        assert!(log_text().contains("exit state restored from the last run"));

        wait_for("every restored position closed by its holding time", Duration::from_secs(20), || async {
            second.risk_status().await.is_some_and(|r| r.positions.is_empty() && r.working == 0)
        })
        .await;
        let orders = filled_orders(&sim);
        for symbol in &held {
            let list = &orders[symbol];
            let [(Side::Buy, bought), (Side::Sell, sold)] = list.as_slice() else {
                panic!("{symbol}: one buy and one sell expected: {list:?}");
            };
            let held_for = (*sold - *bought).num_seconds();
            // On time: the restart (≥ 150 s after the buy) did not start the clock again.
            assert!((HOLD - 1..=HOLD + 75).contains(&held_for), "{symbol}: sold {held_for} s after the buy");
        }
        second.shutdown(false).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("exit state restart test timed out");
    assert_no_secret_logged(&keys.secrets());
}

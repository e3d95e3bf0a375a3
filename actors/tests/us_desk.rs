//! The US bot live in the daemon, against the simulator on loopback: the real RSI + MACD strategy on US
//! tickers, orders priced as limits, fills from the decrypted H0GSCNI0/H0GSCNI9 notices, the account booked
//! in dollars by the desk, and the desk's dollars equal to the broker's to the cent. Run on the real and the
//! paper TR ids (the simulator refuses a TR id of the other service).

mod common;

use std::time::Duration;

use common::*;
use kis_actors::daemon::Daemon;
use kis_client::Endpoints;
use kis_model::{Currency, Environment, Market, Side, Symbol};
use kis_strategy::StrategyConfig;
use kis_strategy::us_rsi_macd::UsRsiMacdConfig;
use rust_decimal_macros::dec;

/// Wednesday 2026-03-04 09:30 New York (EST): the NYSE opens.
const NYSE_OPEN: &str = "2026-03-04T14:30:00Z";

async fn us_session(env: Environment, tag: &str) {
    let keys = Keys::new(tag);
    let dir = TempDir::new(tag);
    actix_rt::time::timeout(Duration::from_secs(90), async {
        let sim = start_us_sim(&keys, env).await;
        let tickers: Vec<Symbol> = sim_us_symbols(&sim).into_iter().take(2).collect();
        assert_eq!(tickers.len(), 2, "the simulator lists US symbols");
        let mut config = test_config();
        config.sim.emulate = env;
        config.strategies = vec![StrategyConfig::UsRsiMacd(fast_us_bot(&tickers))];
        let mut setup = setup(&sim, &keys, &dir.0, buy_once(&Default::default()), config);
        setup.strategy = None; // the configured strategies, as `kis-trader run` builds them
        setup.endpoints = Endpoints::custom(env, &sim.rest_url(), &sim.ws_url());
        let daemon = Daemon::start(setup).unwrap();
        actix_rt::spawn(async {
            actix_rt::time::sleep(Duration::from_secs(25)).await;
        });

        // Buys and sells go out and fill; the desk books them in dollars.
        wait_for("a US buy and a US sell filled", Duration::from_secs(60), || async {
            let orders = sim_orders(&sim);
            let filled = |side| orders.iter().any(|o| o.side == side && o.filled > kis_model::Qty::ZERO);
            filled(Side::Buy) && filled(Side::Sell)
        })
        .await;
        // Started at the open: the open-of-session message went out with the bot's tickers and the dollars.
        let tickers_line = format!("us-bot: tickers {}", fast_us_bot(&tickers).tickers);
        let logged = log_text();
        let header = "[장 시작 OPEN] NYSE 2026-03-04 09:30 EST\n";
        // (Tests of this binary run side by side: find the message of this run's tickers.)
        let messages: Vec<String> =
            logged.match_indices(header).map(|(i, _)| logged[i..].lines().take(5).collect::<Vec<_>>().join("\n")).collect();
        assert!(messages.iter().any(|m| m.contains(&tickers_line) && m.contains(" USD")), "{messages:#?}");
        let risk = daemon.risk_status().await.unwrap();
        let us = risk.accounts.iter().find(|a| a.market == Market::Us).expect("the desk trades the US");
        assert_eq!(us.cash.currency, Currency::Usd);
        assert!(risk.accounts.iter().all(|a| a.market == Market::Us), "a US-only config trades no KRX: {risk:?}");
        assert_eq!(risk.refused.get("other_market"), None, "no US signal is refused for its market: {risk:?}");
        // With no KRX strategy the screener screens no KRX: only the bot's tickers are watched and traded.
        let watched: Vec<Symbol> = daemon.watchlist().await.iter().map(|w| w.symbol).collect();
        assert!(watched.iter().all(|s| s.market() == Market::Us), "a US-only daemon watches no KRX: {watched:?}");
        let signals = daemon.signal_symbols().await;
        assert!(signals.iter().all(|s| s.market() == Market::Us), "no KRX SignalActor: {signals:?}");

        // Every US order is a limit order (KIS takes no US market order) at a cent price.
        let orders = sim_orders(&sim);
        assert!(
            orders.iter().all(|o| o.symbol.market() == Market::Us && o.kind.limit_price().is_some()),
            "{orders:#?}"
        );
        // The pending-order gate: at the broker, never two live orders of one symbol at once.
        for s in &tickers {
            let mut mine: Vec<_> = orders.iter().filter(|o| o.symbol == *s).collect();
            mine.sort_by_key(|o| o.created);
            for pair in mine.windows(2) {
                assert!(pair[1].created >= pair[0].updated, "two live orders of {s}: {pair:#?}");
            }
        }
        // Fills reached the router through the decrypted US notices.
        let journal = journal_lines(&dir.0);
        let notice_fills = journal
            .iter()
            .filter(|e| e["event"] == "fill" && e["fill_id"].as_str().is_some_and(|f| f.starts_with("n:")))
            .count();
        assert!(notice_fills >= 2, "US fills journaled from notices: {journal:#?}");

        // Quiet, then the desk's dollars and holdings equal the broker's, to the cent and the share.
        daemon.halt("test: compare desk and broker");
        wait_for("no US order in flight", Duration::from_secs(20), || async {
            daemon.open_orders().await.is_empty() && daemon.risk_status().await.is_some_and(|r| r.working == 0)
        })
        .await;
        let risk = daemon.risk_status().await.unwrap();
        let us = risk.accounts.iter().find(|a| a.market == Market::Us).unwrap();
        let (broker_cash, broker_held) = {
            let ex = kis_sim::exchange::lock(sim.state());
            let engine = &ex.accounts[0].engine;
            let held: Vec<_> = engine.positions().filter(|p| !p.qty.is_zero()).map(|p| (p.symbol, p.qty)).collect();
            (engine.cash(Currency::Usd).total, held)
        };
        let orders: Vec<_> = sim_orders(&sim)
            .iter()
            .map(|o| (o.symbol, o.side, o.filled, o.filled_notional, o.fees, o.status))
            .collect();
        // Fills learned from a notice are booked one by one, as the broker books them: to the cent. A fill the
        // router learned from the order history (a notice lost in a reconnect) is the order's aggregate at its
        // average price, whose fees can round a cent apart from the per-execution fees the broker charged;
        // the next balance read corrects that. Allow exactly that, and no more.
        let journal = journal_lines(&dir.0);
        let from_lists = journal
            .iter()
            .filter(|e| e["event"] == "fill" && e["fill_id"].as_str().is_some_and(|f| !f.starts_with("n:")))
            .count();
        let gap = (us.cash.amount - broker_cash).abs();
        assert!(
            gap <= rust_decimal::Decimal::new(i64::try_from(from_lists).unwrap_or(i64::MAX), 2),
            "the desk's dollars {} are the broker's {broker_cash} ({from_lists} fills from the order list): {orders:#?}",
            us.cash.amount
        );
        let mut desk_held: Vec<_> = risk.positions.iter().map(|p| (p.0, p.1)).collect();
        desk_held.sort();
        let mut broker_held = broker_held;
        broker_held.sort();
        assert_eq!(desk_held, broker_held);

        daemon.shutdown(true).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("US session test timed out");
    assert_no_secret_logged(&keys.secrets());
}

async fn start_us_sim(keys: &Keys, env: Environment) -> kis_sim::SimHandle {
    let sim = start_sim_at(keys, |c| {
        c.env = env;
        c.start = Some(NYSE_OPEN.parse().unwrap());
        c.symbols = 10;
        c.us_symbols = 4;
    })
    .await;
    assert!(sim.wait_open(Market::Us, Duration::from_secs(3)).await, "the US session did not open");
    sim
}

#[actix_rt::test]
async fn the_us_bot_trades_live_on_real_tr_ids() {
    us_session(Environment::Real, "usreal").await;
}

#[actix_rt::test]
async fn the_us_bot_trades_live_on_paper_tr_ids() {
    us_session(Environment::Paper, "uspaper").await;
}

/// The process dies between journaling a US order and its POST (and another right after the POST reached
/// KIS): the restart reads the overseas order history, binds the one KIS has, closes the other as never
/// sent, sends nothing twice, and the desk holds what the earlier run bought.
#[actix_rt::test]
async fn a_restart_reconciles_us_orders_from_the_overseas_history_and_sends_nothing_twice() {
    use kis_model::{Qty, UsOrdDvsn};
    let keys = Keys::new("usrestart");
    let dir = TempDir::new("usrestart");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_us_sim(&keys, Environment::Real).await;
        let symbol = sim_us_symbols(&sim)[0];
        let idle = || {
            std::sync::Arc::new(BuyOnceFactory { events: Default::default(), panic_once: None, only: Some(Vec::new()) })
        };
        let us_config = || {
            let mut config = test_config();
            config.strategies = vec![StrategyConfig::UsRsiMacd(fast_us_bot(&[symbol]))];
            config
        };
        let first = Daemon::start(setup(&sim, &keys, &dir.0, idle(), us_config())).unwrap();
        wait_for("token ready", Duration::from_secs(10), || async {
            first.token_status().await.is_some_and(|t| t.ready)
        })
        .await;
        first.shutdown(false).await;
        actix_rt::time::sleep(Duration::from_millis(1_100)).await;

        // A marketable limit 2 % above the last trade, as the dying process would have priced it.
        let last = {
            let ex = kis_sim::exchange::lock(sim.state());
            ex.feeds.iter().find(|f| f.symbol == symbol).map(|f| f.last).unwrap()
        };
        let price = kis_model::Price::new(rust_decimal::Decimal::new(last * 102 / 100, 2)).unwrap();
        let now = sim_clock(&sim).now();
        let intent = |id: u64, qty: u64| {
            serde_json::json!({"ts": now, "id": id, "event": "intent", "symbol": symbol.to_string(), "side": "buy",
                "kind": {"us": "00"}, "qty": qty, "price": price.to_string(), "strategy": "us-bot", "origin": "daemon"})
        };
        let lines = [intent(1, 3), serde_json::json!({"ts": now, "id": 1, "event": "sent"}), intent(2, 4)];
        let mut journal = std::fs::read_to_string(dir.0.join("journal.jsonl")).unwrap_or_default();
        journal.extend(lines.iter().map(|l| format!("{l}\n")));
        std::fs::write(dir.0.join("journal.jsonl"), journal).unwrap();
        // What the dying process had sent: intent 1's order, placed with the trading key.
        let (client, token) = trading_client(&sim, &keys).await;
        let kis_model::Symbol::Us(exchange, ticker) = symbol else { panic!("a US symbol") };
        let order = kis_protocol::rest::overseas_order::UsOrder::new(
            &keys.account,
            Side::Buy,
            exchange,
            ticker,
            UsOrdDvsn::Limit,
            Qty::new(3),
            Some(price),
        )
        .unwrap();
        client.call(&order, &token, kis_client::Priority::Order, None).await.unwrap();
        assert_eq!(sim_orders(&sim).len(), 1);

        let second = Daemon::start(setup(&sim, &keys, &dir.0, idle(), us_config())).unwrap();
        wait_for("both US intents reconciled", Duration::from_secs(20), || async {
            let journal = journal_lines(&dir.0);
            journal.iter().any(|e| e["id"] == 2 && e["event"] == "done")
                && journal.iter().any(|e| e["id"] == 1 && e["event"] == "acked")
        })
        .await;
        actix_rt::time::sleep(Duration::from_millis(1_500)).await;
        let orders = sim_orders(&sim);
        assert_eq!(orders.len(), 1, "nothing was sent again: {orders:#?}");
        let journal = journal_lines(&dir.0);
        assert!(journal.iter().all(|e| e["event"] != "sent" || e["id"] == 1), "no new send: {journal:#?}");
        assert!(journal.iter().any(|e| e["id"] == 2 && e["reason"] == "never_sent"), "{journal:#?}");
        // On real the start-up read also asked the unfilled list, under each exchange code.
        let served = |op| kis_sim::exchange::lock(sim.state()).served(keys.creds[0].app_key.expose(), op);
        assert!(served(kis_protocol::tr_id::Op::UsUnfilled) >= 3, "inquire-nccs per exchange code");
        wait_for("the desk holds the earlier run's US buy", Duration::from_secs(10), || async {
            second
                .risk_status()
                .await
                .is_some_and(|r| r.positions.iter().any(|(s, q, _)| *s == symbol && *q == Qty::new(3)))
        })
        .await;
        second.shutdown(true).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("US restart test timed out");
}

/// At start the daemon reads the US buying power (`inquire-psamount`) beside the balance, on the paper TR id,
/// and the desk holds the broker's figure: the simulator answers it from the account's USD cash net of its
/// open orders' reservations. After the feed reconnects the account is read again at once, not at the next
/// period (an hour here).
#[actix_rt::test]
async fn the_us_buying_power_is_read_at_start_and_after_a_feed_reconnect() {
    let keys = Keys::new("usbuyable");
    let dir = TempDir::new("usbuyable");
    actix_rt::time::timeout(Duration::from_secs(60), async {
        let sim = start_sim_at(&keys, |c| {
            c.env = Environment::Paper;
            c.start = Some(NYSE_OPEN.parse().unwrap());
            c.symbols = 10;
            c.us_symbols = 4;
            c.accounts[0].cash_usd = Some(dec!(12_345.67));
        })
        .await;
        let symbol = sim_us_symbols(&sim)[0];
        let idle = std::sync::Arc::new(BuyOnceFactory {
            events: Default::default(),
            panic_once: None,
            only: Some(Vec::new()),
        });
        let mut config = test_config();
        config.sim.emulate = Environment::Paper;
        config.daemon.account_resync_secs = 3_600;
        config.strategies = vec![StrategyConfig::UsRsiMacd(fast_us_bot(&[symbol]))];
        let mut setup = setup(&sim, &keys, &dir.0, idle, config);
        setup.endpoints = Endpoints::custom(Environment::Paper, &sim.rest_url(), &sim.ws_url());
        let daemon = Daemon::start(setup).unwrap();
        wait_for("the US account read with its buying power", Duration::from_secs(20), || async {
            daemon.risk_status().await.is_some_and(|r| {
                r.accounts.iter().any(|a| a.market == Market::Us && a.ready && a.buying_power.is_some())
            })
        })
        .await;
        let risk = daemon.risk_status().await.unwrap();
        let us = risk.accounts.iter().find(|a| a.market == Market::Us).unwrap();
        let broker = {
            let ex = kis_sim::exchange::lock(sim.state());
            ex.accounts[0].engine.cash(Currency::Usd).available()
        };
        assert_eq!(broker, dec!(12_345.67));
        assert_eq!(us.buying_power, Some(kis_model::Money::new(broker, Currency::Usd)), "{us:?}");
        assert_eq!(us.cash.amount, dec!(12_345.67), "{us:?}");
        // Paper has no unfilled list (TTTS3018R is real only): reconciliation never asks it there.
        let served = |op| kis_sim::exchange::lock(sim.state()).served(keys.creds[0].app_key.expose(), op);
        assert!(served(kis_protocol::tr_id::Op::UsBuyable) >= 1);
        assert_eq!(served(kis_protocol::tr_id::Op::UsUnfilled), 0);

        // The feed reconnects (the RiskManager has seen its count at least once by now): a re-read follows.
        actix_rt::time::sleep(Duration::from_secs(6)).await;
        let reads = served(kis_protocol::tr_id::Op::UsBuyable);
        sim.inject(&kis_sim::Fault::CloseWs);
        wait_for("the account re-read after the reconnect", Duration::from_secs(20), || async {
            served(kis_protocol::tr_id::Op::UsBuyable) > reads
        })
        .await;
        assert!(daemon.feed_status().await.is_some_and(|f| f.reconnects >= 1));
        daemon.shutdown(true).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("US buying-power test timed out");
}

/// On real, the US bot's configured auction types reach KIS: buys as LOC (`ORD_DVSN 34`, with the limit),
/// rule sells as MOC (`33`, at price 0, journaled without one), the stop-loss as its marketable limit; the
/// unfilled-order timer does not cancel them (the simulator fills them at the market: no auction there).
#[actix_rt::test]
async fn auction_order_types_go_out_with_their_ord_dvsn_on_real() {
    use kis_engine::OrderCode;
    use kis_model::UsOrdDvsn;
    let keys = Keys::new("usauction");
    let dir = TempDir::new("usauction");
    actix_rt::time::timeout(Duration::from_secs(90), async {
        let sim = start_us_sim(&keys, Environment::Real).await;
        let tickers: Vec<Symbol> = sim_us_symbols(&sim).into_iter().take(2).collect();
        let mut config = test_config();
        config.sim.emulate = Environment::Real;
        config.strategies = vec![StrategyConfig::UsRsiMacd(UsRsiMacdConfig {
            buy_order_type: kis_strategy::OrderType::Loc,
            sell_order_type: kis_strategy::OrderType::Moc,
            ..fast_us_bot(&tickers)
        })];
        let mut setup = setup(&sim, &keys, &dir.0, buy_once(&Default::default()), config);
        setup.strategy = None;
        setup.endpoints = Endpoints::custom(Environment::Real, &sim.rest_url(), &sim.ws_url());
        let daemon = Daemon::start(setup).unwrap();
        wait_for("a LOC buy filled", Duration::from_secs(60), || async {
            sim_orders(&sim).iter().any(|o| o.side == Side::Buy && o.filled > kis_model::Qty::ZERO)
        })
        .await;
        let orders = sim_orders(&sim);
        let buys: Vec<_> = orders.iter().filter(|o| o.side == Side::Buy).collect();
        assert!(buys.iter().all(|o| o.code == OrderCode::Us(UsOrdDvsn::Loc)), "{orders:#?}");
        assert!(
            orders
                .iter()
                .filter(|o| o.side == Side::Sell)
                .all(|o| { matches!(o.code, OrderCode::Us(UsOrdDvsn::Moc) | OrderCode::Us(UsOrdDvsn::Limit)) }),
            "rule sells MOC, the stop-loss a limit: {orders:#?}"
        );
        let journal = journal_lines(&dir.0);
        let intents: Vec<_> = journal.iter().filter(|e| e["event"] == "intent").collect();
        assert!(intents.iter().any(|e| e["side"] == "buy" && e["kind"]["us"] == "34"), "{intents:#?}");
        for moc in intents.iter().filter(|e| e["kind"]["us"] == "33") {
            assert!(moc["price"].is_null(), "a MOC is journaled without a price: {moc}");
        }
        daemon.shutdown(true).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("US auction test timed out");
}

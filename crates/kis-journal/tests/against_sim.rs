//! The crash the journal exists for, against the simulator over loopback with the real client: an order is
//! journaled and sent, the process dies before the ack is journaled; another is journaled as being sent and
//! dies before leaving; a third is only journaled. After the restart, reconciliation with the broker's
//! `inquire-daily-ccld` binds the first to its real order number and forgets the others — nothing is sent
//! again — and once the actions are journaled there is nothing left to do.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kis_client::{Credentials, Endpoints, Priority, RestClient};
use kis_journal::{
    Action, BrokerView, Event, IntentRecord, IntentState, Journal, MatchRules, OrderKind, Origin, StrategyId,
    UnknownOutcomes, is_unknown, reconcile,
};
use kis_model::kst::kst_date;
use kis_model::tick_size::floor_to_tick;
use kis_model::{
    AccountNo, ClientOrderId, Environment, InstrumentKind, KrxCode, OrdDvsn, Price, Qty, Secret, Side, Symbol,
};
use kis_protocol::rest::domestic_account::{CcldWindow, DailyCcld, DailyCcldQuery, DailyCcldRow};
use kis_protocol::rest::domestic_order::OrderCash;
use kis_protocol::rest::{NextPage, PagedRequest, next_page};
use kis_sim::{SimConfig, SimHandle};

const KEY: &str = "PSjournaltest0000000000000000000001";
const SECRET: &str = "secret-of-the-journal-test";
/// Wednesday 2026-03-04 09:00 KST, a KRX session open.
const KRX_OPEN: &str = "2026-03-04T00:00:00Z";

fn account() -> AccountNo {
    AccountNo::from_parts("50000000", "01").unwrap()
}

async fn start() -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut c =
        SimConfig { start: Some(KRX_OPEN.parse().unwrap()), symbols: 10, us_symbols: 1, ..SimConfig::default() };
    c.auth.token_min_interval_ms = 0;
    c.rest.paper_per_sec = 1_000;
    kis_sim::testing::start_open(c, kis_model::Market::Krx, Duration::from_secs(2)).await
}

/// The simulator's clock: intents are stamped in the same time as the broker's order times.
fn sim_now(sim: &SimHandle) -> DateTime<Utc> {
    sim.virtual_now()
}

fn first_krx(sim: &SimHandle) -> (KrxCode, u64) {
    let ex = kis_sim::exchange::lock(sim.state());
    let feed = ex.feeds.iter().find(|f| matches!(f.symbol, Symbol::Krx(_))).unwrap();
    match feed.symbol {
        Symbol::Krx(code) => (code, u64::try_from(feed.last).unwrap()),
        Symbol::Us(..) => unreachable!(),
    }
}

/// A limit buy far under the market: it rests, so the broker's row stays as sent.
fn passive(code: KrxCode, price: Price) -> IntentRecord {
    IntentRecord {
        symbol: Symbol::Krx(code),
        side: Side::Buy,
        kind: OrderKind::Krx(OrdDvsn::Limit),
        qty: Qty::new(1),
        price: Some(price),
        strategy: StrategyId::new("test"),
        origin: Origin::Daemon,
    }
}

async fn daily_orders(client: &RestClient, token: &Secret, day: chrono::NaiveDate) -> Vec<DailyCcldRow> {
    let ymd = day.format("%Y%m%d").to_string();
    let mut request = DailyCcld {
        window: CcldWindow::Recent,
        query: DailyCcldQuery {
            cano: account().cano().to_string(),
            acnt_prdt_cd: account().product().to_string(),
            inqr_strt_dt: ymd.clone(),
            inqr_end_dt: ymd,
            sll_buy_dvsn_cd: "00".into(),
            inqr_dvsn: "01".into(),
            ccld_dvsn: "00".into(),
            inqr_dvsn_3: "00".into(),
            ..DailyCcldQuery::default()
        },
    };
    let mut rows = Vec::new();
    let mut tr_cont = None;
    for _ in 0..20 {
        let page = client.call(&request, token, Priority::Account, tr_cont).await.unwrap();
        rows.extend(page.reply.body.output1.iter().cloned());
        match next_page(page.tr_cont.map(|t| t.as_str()), &page.reply.body) {
            NextPage::Done => return rows,
            NextPage::Fetch { tr_cont: next, continuation } => {
                request.query.set_continuation(continuation);
                tr_cont = Some(next);
            }
        }
    }
    panic!("more than 20 pages of orders");
}

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[actix_rt::test]
async fn a_crash_between_send_and_ack_is_reconciled_without_a_resend() {
    actix_rt::time::timeout(Duration::from_secs(30), async {
        let sim = start().await;
        let endpoints = Endpoints::custom(Environment::Paper, &sim.rest_url(), &format!("{}/tryitout", sim.ws_url()));
        let client = RestClient::new(endpoints, Credentials::new(KEY, SECRET), 1_000, Duration::from_secs(5));
        let token = client.issue_token().await.unwrap().access_token;
        let (code, last) = first_krx(&sim);
        let bid = Price::from_won(floor_to_tick(last * 90 / 100, InstrumentKind::Stock));
        let lower = Price::from_won(floor_to_tick(last * 85 / 100, InstrumentKind::Stock));
        let file = TempFile(std::env::temp_dir().join(format!("kis-journal-sim-{}.jsonl", std::process::id())));
        let _ = std::fs::remove_file(&file.0);

        // Before the crash.
        let sent_order_id = {
            let (mut journal, _) = Journal::open(&file.0).unwrap();
            let first = journal.record_intent(sim_now(&sim), passive(code, bid)).unwrap();
            journal.record_event(sim_now(&sim), first, Event::Sent).unwrap();
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
            let placed = client.call(&order, &token, Priority::Order, None).await.unwrap();
            let order_id = placed.reply.body.output.order_id().unwrap();
            // Crash: the ack never reaches the journal.
            let second = journal.record_intent(sim_now(&sim), passive(code, lower)).unwrap();
            journal.record_event(sim_now(&sim), second, Event::Sent).unwrap();
            // Crash before the request left.
            journal.record_intent(sim_now(&sim), passive(code, lower)).unwrap();
            // Crash before even starting the send.
            order_id
        };

        // After the restart.
        let (mut journal, report) = Journal::open(&file.0).unwrap();
        assert_eq!((report.entries, report.torn), (5, None));
        let states: Vec<IntentState> = journal.book().iter().map(|v| v.state).collect();
        assert_eq!(states, vec![IntentState::Sent, IntentState::Sent, IntentState::PendingSend]);
        let now = sim_now(&sim);
        let rows = daily_orders(&client, &token, kst_date(now)).await;
        assert_eq!(rows.len(), 1, "only one order ever reached the broker: {rows:?}");
        let view = BrokerView::from_rows(kst_date(now), &rows, &[]).unwrap().read_at(now);
        let rules = MatchRules::default();
        let mut unknown = UnknownOutcomes::new();
        for v in journal.book().iter().filter(|v| is_unknown(v)) {
            unknown.track(v);
        }
        let actions = reconcile(journal.book(), &view, &rules);
        let symbol = Symbol::Krx(code);
        assert_eq!(
            actions,
            vec![
                Action::MarkNeverSent { intent: ClientOrderId(3) },
                Action::MarkAcked { intent: ClientOrderId(1), order_id: sent_order_id },
                // Just sent: KIS could still be about to accept it. Unknown, not forgotten.
                Action::NotFound { intent: ClientOrderId(2), symbol, past_deadline: false },
            ]
        );
        let settled = unknown.settle(actions, now, &rules, |_| false);
        assert_eq!(settled.still_unknown, vec![ClientOrderId(2)]);
        for action in &settled.actions {
            journal.apply_action(now, action).unwrap();
        }
        // Two reads after the latest time KIS could have accepted it, both without the order: never reached.
        let mut concluded = Vec::new();
        for extra in [16, 17] {
            let read_at = now + chrono::Duration::seconds(extra);
            let view = BrokerView::from_rows(kst_date(now), &rows, &[]).unwrap().read_at(read_at);
            concluded
                .extend(unknown.settle(reconcile(journal.book(), &view, &rules), read_at, &rules, |_| false).actions);
        }
        assert_eq!(concluded, vec![Action::MarkNeverSent { intent: ClientOrderId(2) }]);
        for action in &concluded {
            journal.apply_action(now, action).unwrap();
        }
        let first = journal.book().get(ClientOrderId(1)).unwrap();
        assert_eq!((first.state, first.order_id), (IntentState::Acked, Some(sent_order_id)));
        assert_eq!(journal.book().by_order_no(sent_order_id.order_no).map(|v| v.id), Some(ClientOrderId(1)));
        drop(journal);

        // A second restart: the same broker state now needs nothing, and new ids continue upwards.
        let (mut journal, _) = Journal::open(&file.0).unwrap();
        let rows = daily_orders(&client, &token, kst_date(now)).await;
        let view = BrokerView::from_rows(kst_date(now), &rows, &[]).unwrap();
        assert_eq!(reconcile(journal.book(), &view, &MatchRules::default()), vec![]);
        assert_eq!(journal.record_intent(sim_now(&sim), passive(code, bid)).unwrap(), ClientOrderId(4));

        let text = std::fs::read_to_string(&file.0).unwrap();
        assert!(!text.contains(account().cano()), "no account number in the journal");
        assert!(!text.contains(KEY) && !text.contains(SECRET) && !text.contains(token.expose()));
        sim.stop().await.unwrap();
    })
    .await
    .expect("test exceeded its time limit");
}

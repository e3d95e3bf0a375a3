//! Paper trading out of the box (issue #13): the whole daemon, configured as a new user would (the shipped
//! `config/default.toml`, `environment = "paper"`, keys in the environment), against the simulator in paper
//! mode — 2 requests/s, no rank lists, paper TR ids — listing the shipped KRX universe. Each test starts its
//! own simulators on OS-assigned ports, is bounded by a timeout, and checks that no secret was logged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use kis_actors::daemon::{Daemon, DaemonSetup};
use kis_actors::supervisor::SupervisorConfig;
use kis_actors::venue_clock::VenueClock;
use kis_auth::TokenPolicy;
use kis_client::{Credentials, Endpoints};
use kis_config::{DEFAULT_TOML, DaemonConfig, SourceFile, TradingEnvironment};
use kis_model::{AccountNo, Environment, KrxCode, Secret, Symbol};
use kis_protocol::tr_id::Op;
use kis_sim::config::Listings;
use kis_sim::{AccountConfig, SimConfig, SimHandle};

/// Wednesday 2026-03-04 09:00 KST: the simulator's default start is the next open.
const KRX_OPEN: &str = "2026-03-04T00:00:00Z";

/// The speed the daemon runs its simulator at by default (`[sim] speed` of config/default.toml: one virtual
/// minute per real second).
const DEFAULT_SPEED: u32 = 60;

#[derive(Clone)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured(Arc::new(Mutex::new(Vec::new())));
        let writer = captured.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        captured
    })
}

fn log_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned()
}

fn assert_no_secret_logged(secrets: &[String]) {
    let text = log_text();
    assert!(!text.is_empty(), "nothing was logged: the capture is not working");
    for secret in secrets.iter().filter(|s| s.len() >= 6) {
        if let Some(line) = text.lines().find(|l| l.contains(secret.as_str())) {
            panic!("a secret was logged: {line}");
        }
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kis-paper-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A paper account: the trading key, its account and HTS id.
struct PaperUser {
    key: Credentials,
    account: AccountNo,
    hts_id: Secret,
}

impl PaperUser {
    fn new(tag: &str) -> PaperUser {
        PaperUser {
            key: Credentials::new(format!("PSpaper{tag:0>10}{:020}", 7), format!("paper-secret-{tag}-qwerty")),
            account: AccountNo::from_parts("50123456", "01").unwrap(),
            hts_id: Secret::new(format!("hts{tag}pp")),
        }
    }

    /// What the user exports: `KIS_APP_KEY`, `KIS_APP_SECRET`, `KIS_ACCOUNT`, `KIS_HTS_ID`.
    fn env(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("KIS_APP_KEY".to_string(), self.key.app_key.expose().to_string()),
            ("KIS_APP_SECRET".to_string(), self.key.app_secret.expose().to_string()),
            ("KIS_ACCOUNT".to_string(), format!("{}-{}", self.account.cano(), self.account.product())),
            ("KIS_HTS_ID".to_string(), self.hts_id.expose().to_string()),
        ])
    }

    fn secrets(&self) -> Vec<String> {
        vec![
            self.key.app_key.expose().to_string(),
            self.key.app_secret.expose().to_string(),
            self.account.cano().to_string(),
            self.hts_id.expose().to_string(),
        ]
    }

    fn sim_account(&self) -> AccountConfig {
        AccountConfig {
            appkey: self.key.app_key.clone(),
            appsecret: self.key.app_secret.clone(),
            cano: self.account.cano().to_string(),
            acnt_prdt_cd: self.account.product().to_string(),
            hts_id: self.hts_id.expose().to_string(),
            cash_krw: None,
            cash_usd: None,
        }
    }
}

/// The simulator as `kis-trader sim --env … --listings krx` runs it: KIS's limits (2/s paper, 20/s real),
/// every listing of the shipped table, accounts listed.
async fn start_sim(env: Environment, accounts: Vec<AccountConfig>) -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    logs();
    let c = SimConfig {
        env,
        start: Some(KRX_OPEN.parse().unwrap()),
        listings: Listings::Krx,
        symbols: 5_000,
        us_symbols: 0,
        speed: DEFAULT_SPEED,
        seed: 13,
        open_accounts: false,
        accounts,
        ..SimConfig::default()
    };
    kis_sim::testing::start_open(c, kis_model::Market::Krx, Duration::from_secs(3)).await
}

fn sim_clock(sim: &SimHandle) -> VenueClock {
    let shared = sim.state().clone();
    let speed = f64::from(sim.clock().speed());
    VenueClock::from_fn(move || kis_sim::exchange::lock(&shared).virtual_now()).with_speed(speed)
}

/// The shipped defaults, the user's one-line file, the user's environment: what `kis-trader run` loads.
fn user_config(user_file: &str, env: &BTreeMap<String, String>) -> DaemonConfig {
    let file = SourceFile { name: "paper.toml", text: user_file };
    kis_config::load(DEFAULT_TOML, Some(file), env).unwrap().config
}

fn setup(config: DaemonConfig, sim: &SimHandle, user: &PaperUser, dir: &Path) -> DaemonSetup {
    // What `kis-trader run` derives for paper, with the simulator's URLs as `[api] rest_base` / `ws_url`.
    assert_eq!(config.environment, TradingEnvironment::Paper);
    DaemonSetup {
        config,
        endpoints: Endpoints::custom(Environment::Paper, &sim.rest_url(), &sim.ws_url()),
        keys: vec![user.key.clone()],
        account: user.account.clone(),
        hts_id: Some(user.hts_id.clone()),
        clock: sim_clock(sim),
        strategy: None,
        supervisor: SupervisorConfig { report_interval: Duration::from_secs(5), ..SupervisorConfig::default() },
        state_dir: dir.to_path_buf(),
        http_timeout: Duration::from_secs(10),
        token_policy: TokenPolicy::default(),
    }
}

async fn wait_for<F, Fut>(what: &str, started: Instant, limit: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    while started.elapsed() < limit {
        if check().await {
            return started.elapsed();
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    let text = log_text();
    let tail: Vec<&str> = text.lines().filter(|l| !l.contains(" restarts=")).rev().take(60).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    panic!("{what}: not within {limit:?} of start-up; last log lines:\n{}", tail.join("\n"));
}

/// Orders of the trading account at the simulator that have fills.
fn filled_orders(sim: &SimHandle) -> Vec<kis_engine::Order> {
    sim.orders_of(0).into_iter().filter(|o| !o.filled.is_zero()).collect()
}

fn subscribed_codes(sim: &SimHandle) -> Vec<String> {
    let ex = kis_sim::exchange::lock(sim.state());
    let mut out = Vec::new();
    for id in ex.ws.ids() {
        if let Some(s) = ex.ws.session(id) {
            out.extend(s.regs.iter().filter(|(tr, _)| tr == "H0STCNT0").map(|(_, key)| key.clone()));
        }
    }
    out
}

fn served(sim: &SimHandle, key: &Credentials, op: Op) -> u64 {
    kis_sim::exchange::lock(sim.state()).served(key.app_key.expose(), op)
}

fn universe() -> Vec<KrxCode> {
    kis_universe::UniverseTable::shipped().unwrap().codes()
}

const ACCOUNT_AND_ORDER_OPS: [Op; 7] = [
    Op::DomesticBuy,
    Op::DomesticSell,
    Op::DomesticModifyCancel,
    Op::DomesticModifiable,
    Op::DomesticBalance,
    Op::DomesticBuyable,
    Op::DomesticDailyCcldRecent,
];

/// `environment = "paper"` and nothing else: the screener quotes the shipped universe within the paper budget,
/// the watchlist fills, the SignalActors subscribe, and the default strategy's order is placed and filled,
/// all within 60 s of start-up.
#[actix_rt::test]
async fn paper_with_default_settings_screens_subscribes_and_fills_within_60_s() {
    let user = PaperUser::new("dflt");
    let dir = TempDir::new("dflt");
    actix_rt::time::timeout(Duration::from_secs(90), async {
        let sim = start_sim(Environment::Paper, vec![user.sim_account()]).await;
        let config = user_config("environment = \"paper\"\n", &user.env());
        let started = Instant::now();
        let daemon = Daemon::start(setup(config, &sim, &user, &dir.0)).unwrap();
        let limit = Duration::from_secs(60);

        let screened = wait_for("a screened watchlist", started, limit, || async {
            daemon.watchlist().await.iter().any(|e| !e.pinned)
        })
        .await;
        let subscribed =
            wait_for("a subscription", started, limit, || async { !subscribed_codes(&sim).is_empty() }).await;
        let filled = wait_for("a filled order", started, limit, || async { !filled_orders(&sim).is_empty() }).await;
        eprintln!("screened after {screened:?}, subscribed after {subscribed:?}, first fill after {filled:?}");

        let universe = universe();
        for e in daemon.watchlist().await {
            let Symbol::Krx(code) = e.symbol else { panic!("{e:?}") };
            assert!(universe.contains(&code), "{code} is not in the shipped universe");
        }
        let order = filled_orders(&sim).remove(0);
        let Symbol::Krx(code) = order.symbol else { panic!("{order:?}") };
        assert!(universe.contains(&code), "the order is for {code}, outside the universe");
        // Paper has no rank lists: the client never asked (the paper TR table has none).
        assert_eq!(served(&sim, &user.key, Op::DomesticVolumeRank), 0);
        assert!(served(&sim, &user.key, Op::DomesticPrice) > 0, "the universe was quoted");
        assert!(served(&sim, &user.key, Op::DomesticBuy) > 0);
        // KIS's 2/s was the budget: the simulator refused nothing for the rate (it answers EGW00201 past 2/s,
        // and a refused order would not have filled); the log says the universe was screened on paper.
        let text = log_text();
        assert!(text.contains("screener source=universe"), "the source line");
        assert!(text.contains("screener universe from config/krx-universe.toml (built in)"), "the universe line");

        daemon.shutdown(true).await;
        sim.stop().await.unwrap();
    })
    .await
    .expect("the test took longer than 90 s");
    assert_no_secret_logged(&user.secrets());
}

/// `[api.market_data]` names a real-domain key: the rank lists and quotes come from the real domain with that
/// key, orders and account reads from the paper key — two simulators, one per domain, listing the same table.
#[actix_rt::test]
async fn market_data_from_the_real_key_orders_from_the_paper_key() {
    let user = PaperUser::new("mdkey");
    let md = Credentials::new(format!("PSrealmarketdata{:020}", 42), "real-market-data-secret-zzyzx");
    let dir = TempDir::new("mdkey");
    actix_rt::time::timeout(Duration::from_secs(90), async {
        let paper = start_sim(Environment::Paper, vec![user.sim_account()]).await;
        let md_account = AccountConfig {
            appkey: md.app_key.clone(),
            appsecret: md.app_secret.clone(),
            cano: "60000001".into(),
            acnt_prdt_cd: "01".into(),
            hts_id: String::new(),
            cash_krw: None,
            cash_usd: None,
        };
        let real = start_sim(Environment::Real, vec![md_account]).await;
        let mut env = user.env();
        env.insert("KIS_MARKET_DATA_APP_KEY".into(), md.app_key.expose().to_string());
        env.insert("KIS_MARKET_DATA_APP_SECRET".into(), md.app_secret.expose().to_string());
        let file = format!("environment = \"paper\"\n[api.market_data]\nrest_base = \"{}\"\n", real.rest_url());
        let config = user_config(&file, &env);
        assert!(config.api.market_data.is_some());
        let started = Instant::now();
        let daemon = Daemon::start(setup(config, &paper, &user, &dir.0)).unwrap();
        let limit = Duration::from_secs(60);

        wait_for("rank lists from the real domain", started, limit, || async {
            served(&real, &md, Op::DomesticVolumeRank) > 0 && served(&real, &md, Op::DomesticFluctuationRank) > 0
        })
        .await;
        wait_for("a screened watchlist", started, limit, || async {
            daemon.watchlist().await.iter().any(|e| !e.pinned)
        })
        .await;
        let filled =
            wait_for("a filled order on paper", started, limit, || async { !filled_orders(&paper).is_empty() }).await;
        eprintln!("first paper fill after {filled:?}");

        // The market-data key served quotations and rank lists only.
        assert!(served(&real, &md, Op::DomesticPrice) > 0, "quotes from the real domain");
        for op in ACCOUNT_AND_ORDER_OPS {
            assert_eq!(served(&real, &md, op), 0, "{op:?} went to the market-data key");
        }
        assert!(kis_sim::exchange::lock(real.state()).accounts.iter().all(|a| a.engine.orders().is_empty()));
        // The paper key placed the orders and read the account, and quoted nothing for the screener.
        assert!(served(&paper, &user.key, Op::DomesticBuy) > 0);
        assert!(served(&paper, &user.key, Op::DomesticBalance) > 0);
        assert_eq!(served(&paper, &user.key, Op::DomesticPrice), 0, "screener quotes went to the paper key");
        // What was ranked and watched are the real domain's codes, which the paper market lists too.
        let universe = universe();
        for e in daemon.watchlist().await {
            let Symbol::Krx(code) = e.symbol else { panic!("{e:?}") };
            assert!(universe.contains(&code));
        }
        assert!(log_text().contains("screener source=rank"), "ranked, not the universe");

        daemon.shutdown(true).await;
        paper.stop().await.unwrap();
        real.stop().await.unwrap();
    })
    .await
    .expect("the test took longer than 90 s");
    let mut secrets = user.secrets();
    secrets.extend([md.app_key.expose().to_string(), md.app_secret.expose().to_string()]);
    assert_no_secret_logged(&secrets);
}

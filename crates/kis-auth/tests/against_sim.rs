//! The token manager against the simulator over loopback: persistence across "restarts", expiry, and KIS's
//! one-issue-a-minute rule (`EGW00133`), all through kis-client's real REST client.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use kis_auth::{AuthError, Credential, StoreEntry, StoreKey, StoredToken, TokenManager, TokenPolicy, TokenStore};
use kis_client::{Credentials, Endpoints, Priority, RestClient};
use kis_model::{Environment, Secret, Symbol};
use kis_protocol::rest::domestic_quote::InquirePriceRequest;
use kis_sim::{SimConfig, SimHandle, Simulator};

const KEY: &str = "PSauthtest000000000000000000000001";
const SECRET: &str = "secret-of-the-auth-test";

fn config(configure: impl FnOnce(&mut SimConfig)) -> SimConfig {
    let mut c = SimConfig {
        start: Some("2026-03-04T00:00:00Z".parse().unwrap()),
        symbols: 10,
        us_symbols: 0,
        ..SimConfig::default()
    };
    c.rest.paper_per_sec = 1_000;
    configure(&mut c);
    c
}

async fn start(c: SimConfig) -> SimHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Simulator::start(c).await.unwrap()
}

fn client(sim: &SimHandle) -> RestClient {
    let endpoints = Endpoints::custom(Environment::Paper, &sim.rest_url(), &sim.ws_url());
    RestClient::new(endpoints, Credentials::new(KEY, SECRET), 1_000, Duration::from_secs(5))
}

fn state_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kis-auth-sim-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir.join("tokens.json")
}

fn key() -> StoreKey {
    StoreKey::new("sim", &Secret::new(KEY))
}

fn manager(sim: &SimHandle, path: &PathBuf, policy: TokenPolicy) -> TokenManager {
    TokenManager::new(client(sim), TokenStore::new(path), key(), policy)
}

fn price_request(sim: &SimHandle) -> InquirePriceRequest {
    let ex = kis_sim::exchange::lock(sim.state());
    let code = ex
        .feeds
        .iter()
        .find_map(|f| match f.symbol {
            Symbol::Krx(code) => Some(code),
            Symbol::Us(..) => None,
        })
        .unwrap();
    InquirePriceRequest { fid_cond_mrkt_div_code: "J".into(), fid_input_iscd: code.as_str().into() }
}

async fn bounded<F: std::future::Future<Output = ()>>(secs: u64, f: F) {
    actix_rt::time::timeout(Duration::from_secs(secs), f).await.expect("test exceeded its time limit");
}

#[actix_rt::test]
async fn a_restart_reuses_the_persisted_token_and_approval_key_without_reissuing() {
    bounded(20, async {
        // KIS's real rule: a second issue within a minute is refused, so a reissue would show as EGW00133.
        let sim = start(config(|_| {})).await;
        let path = state_file("restart");
        let first = manager(&sim, &path, TokenPolicy::default());
        let token = first.token().await.unwrap();
        let approval = first.approval_key().await.unwrap();
        assert_eq!(first.token().await.unwrap(), token, "cached in memory");
        assert_eq!(first.approval_key().await.unwrap(), approval);
        assert_eq!((first.stats().issue_attempts, first.stats().approval_requests), (1, 1));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.contains(KEY) && !text.contains(SECRET), "credentials never reach the state file");
        drop(first);

        let second = manager(&sim, &path, TokenPolicy::default());
        let started = Instant::now();
        assert_eq!(second.token().await.unwrap(), token);
        assert_eq!(second.approval_key().await.unwrap(), approval);
        assert_eq!((second.stats().issue_attempts, second.stats().approval_requests), (0, 0));
        assert!(started.elapsed() < Duration::from_secs(1), "no wait for the one-a-minute rule");
        // And the simulator still accepts it.
        let reply = second.call(&price_request(&sim), Priority::Quote, None).await.unwrap();
        assert_eq!(reply.reply.rt_cd, "0");
        let refresh = second.next_refresh(Utc::now()).unwrap();
        let until = (refresh - Utc::now()).num_minutes();
        assert!((22 * 60..=23 * 60).contains(&until), "refresh an hour before the 24 h expiry: {until} min");
        sim.stop().await.unwrap();
        let _ = fs::remove_dir_all(path.parent().unwrap());
    })
    .await;
}

#[actix_rt::test]
async fn an_expired_cached_token_is_replaced() {
    bounded(20, async {
        let sim = start(config(|_| {})).await;
        let path = state_file("expired");
        let stale = StoreEntry {
            access_token: Some(StoredToken {
                token: Secret::new("stale-token-from-yesterday"),
                issued_at: Utc::now() - TimeDelta::hours(25),
                expires_at: Utc::now() - TimeDelta::hours(1),
            }),
            approval_key: None,
            last_issue_attempt: Some(Utc::now() - TimeDelta::hours(25)),
        };
        TokenStore::new(&path).save(&key(), &stale).unwrap();
        let m = manager(&sim, &path, TokenPolicy::default());
        let token = m.token().await.unwrap();
        assert_ne!(token.expose(), "stale-token-from-yesterday");
        assert_eq!(m.stats().issue_attempts, 1);
        let saved = TokenStore::new(&path).load(&key()).unwrap().unwrap();
        assert_eq!(saved.access_token.unwrap().token, token, "the replacement is persisted");
        assert_eq!(m.call(&price_request(&sim), Priority::Quote, None).await.unwrap().reply.rt_cd, "0");
        sim.stop().await.unwrap();
        let _ = fs::remove_dir_all(path.parent().unwrap());
    })
    .await;
}

#[actix_rt::test]
async fn egw00133_is_waited_out_not_hammered() {
    bounded(20, async {
        let sim = start(config(|c| c.auth.token_min_interval_ms = 1_500)).await;
        // Another process (its own state file) issued a token a moment ago.
        let other = manager(&sim, &state_file("other"), TokenPolicy::default());
        let theirs = other.token().await.unwrap();

        let policy = TokenPolicy { min_issue_interval: TimeDelta::milliseconds(1_600), ..TokenPolicy::default() };
        let path = state_file("too-soon");
        let ours = manager(&sim, &path, policy);
        let started = Instant::now();
        let token = ours.token().await.unwrap();
        let waited = started.elapsed();
        // One refused attempt, one full interval of waiting, one successful attempt; KIS hands out the same
        // token within its reuse window.
        assert_eq!(ours.stats().issue_attempts, 2);
        assert!(waited >= Duration::from_millis(1_600) && waited < Duration::from_secs(5), "{waited:?}");
        assert_eq!(token, theirs);
        // The refused attempt is remembered across a restart: a new manager on the same file with no token
        // would wait rather than try at once.
        let saved = TokenStore::new(&path).load(&key()).unwrap().unwrap();
        assert!(saved.last_issue_attempt.is_some());
        sim.stop().await.unwrap();
    })
    .await;
}

/// Each failure says what failed: the token, the approval key, or the request itself — never "a credential"
/// for a request KIS refused on its merits.
#[actix_rt::test]
async fn errors_name_what_failed() {
    bounded(20, async {
        let sim = start(config(|c| c.auth.token_min_interval_ms = 0)).await;
        let path = state_file("wording");
        let m = manager(&sim, &path, TokenPolicy { min_issue_interval: TimeDelta::zero(), ..TokenPolicy::default() });

        sim.inject(&kis_sim::Fault::Rest500 { count: 1 });
        let err = m.token().await.unwrap_err();
        assert!(matches!(err, AuthError::CredentialRefused { what: Credential::AccessToken, .. }), "{err:?}");
        assert!(err.to_string().starts_with("KIS did not issue an access token (/oauth2/tokenP): KIS "), "{err}");

        sim.inject(&kis_sim::Fault::Rest500 { count: 1 });
        let err = m.approval_key().await.unwrap_err().to_string();
        assert!(err.starts_with("KIS did not issue a WebSocket approval key (/oauth2/Approval): "), "{err}");

        let mut unknown = price_request(&sim);
        unknown.fid_input_iscd = "999999".into();
        let err = m.call(&unknown, Priority::Quote, None).await.unwrap_err();
        assert!(matches!(err, AuthError::Client(kis_client::ClientError::Api(_))), "{err:?}");
        let text = err.to_string();
        assert!(
            text.starts_with("KIS error: ") && !text.contains("credential") && !text.contains("did not issue"),
            "{text}"
        );

        let closed = RestClient::new(
            Endpoints::custom(Environment::Paper, "http://127.0.0.1:9", "ws://127.0.0.1:9"),
            Credentials::new(KEY, SECRET),
            1_000,
            Duration::from_secs(2),
        );
        let err =
            TokenManager::new(closed, TokenStore::new(state_file("wording-closed")), key(), TokenPolicy::default())
                .token()
                .await
                .unwrap_err()
                .to_string();
        assert!(err.starts_with("transport error calling /oauth2/tokenP"), "{err}");
        sim.stop().await.unwrap();
        let _ = fs::remove_dir_all(path.parent().unwrap());
    })
    .await;
}

#[actix_rt::test]
async fn egw00123_reissues_once_and_the_request_is_replayed() {
    bounded(20, async {
        let sim = start(config(|c| {
            c.auth.token_lifetime_ms = 1_500;
            c.auth.token_reuse_ms = 0;
            c.auth.token_min_interval_ms = 0;
        }))
        .await;
        let path = state_file("egw00123");
        // Our cache believes the token lives for a day (a clock or restart mix-up); KIS knows better.
        let first = manager(&sim, &path, TokenPolicy::default());
        let token = first.token().await.unwrap();
        let mut entry = TokenStore::new(&path).load(&key()).unwrap().unwrap();
        if let Some(t) = entry.access_token.as_mut() {
            t.expires_at = Utc::now() + TimeDelta::hours(24);
        }
        entry.last_issue_attempt = Some(Utc::now() - TimeDelta::minutes(5));
        TokenStore::new(&path).save(&key(), &entry).unwrap();
        actix_rt::time::sleep(Duration::from_millis(1_600)).await;

        // Tokens here live 1.5 s, so no margin and no refresh lead: the fresh token is usable for the test.
        let short = TokenPolicy {
            refresh_before: TimeDelta::zero(),
            expiry_margin: TimeDelta::zero(),
            min_issue_interval: TimeDelta::zero(),
            ..TokenPolicy::default()
        };
        let m = manager(&sim, &path, short);
        assert_eq!(m.token().await.unwrap(), token, "still believed valid");
        let reply = m.call(&price_request(&sim), Priority::Quote, None).await.unwrap();
        assert_eq!(reply.reply.rt_cd, "0", "replayed with the new token");
        assert_eq!(m.stats().issue_attempts, 1);
        let fresh = m.token().await.unwrap();
        assert_ne!(fresh, token);
        // A caller still holding the old token is given the new one, with no further issue.
        assert_eq!(m.on_expired(&token).await.unwrap(), fresh);
        assert_eq!(m.stats().issue_attempts, 1);
        // The fresh token refused again at once: an error, not a loop.
        assert!(matches!(m.on_expired(&fresh).await, Err(AuthError::FreshTokenRefused)));
        assert_eq!(m.stats().issue_attempts, 1);
        sim.stop().await.unwrap();
        let _ = fs::remove_dir_all(path.parent().unwrap());
    })
    .await;
}

//! The daemon's configuration turned into its actors' settings: the markets the desk trades, the notifier,
//! token stores, the screener's universe and its market-data key.

use std::path::Path;
use std::time::Duration;

use kis_auth::{StoreKey, TokenPolicy, TokenStore};
use kis_client::{Credentials, Endpoints, RestClient};
use kis_config::DaemonConfig;
use kis_model::Market;

use super::DaemonError;
use crate::kis_api::{AccountIdentity, KisApi};
use crate::notifier::{ChatId, NotifierConfig, TelegramConfig};
use crate::risk_manager::RiskManagerConfig;

/// The markets the desk trades, from the configured strategies: KRX with the top-level `[risk]` and
/// `[exits]` (also when no strategy is configured), the US with its strategy's own risk rules and its own
/// stop-loss (the KRX scalping exits would close a swing position within minutes).
pub(super) fn risk_markets(config: &DaemonConfig) -> RiskManagerConfig {
    use kis_strategy::StrategyConfig;
    let krx =
        config.strategies.is_empty() || config.strategies.iter().any(|s| !matches!(s, StrategyConfig::UsRsiMacd(_)));
    let us = config.strategies.iter().find(|s| matches!(s, StrategyConfig::UsRsiMacd(_)));
    let mut markets = RiskManagerConfig::new(config.risk, config.exits);
    markets.resync_every = Duration::from_secs(config.daemon.account_resync_secs);
    if let Some(strategy) = us {
        if let StrategyConfig::UsRsiMacd(us) = strategy {
            markets.buyable_probe = us.symbols().ok().and_then(|s| s.first().copied());
        }
        markets = markets.with_market(kis_desk::MarketRules {
            market: Market::Us,
            risk: config.strategy_risk(strategy),
            exits: None,
        });
    }
    if !krx {
        markets = markets.only(&[Market::Us]);
    }
    markets
}

/// The markets a daemon with this config trades, in the desk's order.
pub fn traded_markets(config: &DaemonConfig) -> Vec<Market> {
    risk_markets(config).markets.iter().map(|m| m.market).collect()
}

/// How often children report to the supervisor.
pub(super) fn notifier_config(config: &DaemonConfig) -> Result<NotifierConfig, DaemonError> {
    let settings = |detail: String| DaemonError::Settings { what: "notifier", detail };
    let t = &config.notifier.telegram;
    let telegram = match (&t.bot_token, &t.chat_id) {
        (Some(token), Some(chat)) if t.is_enabled() => {
            let chat = ChatId::parse(chat).map_err(|e| settings(e.to_string()))?;
            let base = t.api_base.as_deref().unwrap_or(crate::notifier::TELEGRAM_API_BASE);
            Some(TelegramConfig::new(base, token.clone(), chat).map_err(|e| settings(e.to_string()))?)
        }
        _ => None,
    };
    NotifierConfig::new(config.notifier.queue_size, telegram).map_err(|e| settings(e.to_string()))
}

pub(super) fn token_store(state_dir: &Path, index: usize) -> TokenStore {
    // One file per key: entries of different keys never race one another's atomic rewrite.
    TokenStore::new(state_dir.join(format!("tokens-{index}.json")))
}

/// The universe the screener quotes when `[screener] universe` is empty: the table of `universe_file`, or the
/// copy of `config/krx-universe.toml` compiled in. Read once at start (a small file).
pub(super) fn resolve_universe(file: Option<&Path>) -> Result<Vec<kis_model::KrxCode>, DaemonError> {
    let settings = |detail: String| DaemonError::Settings { what: "screener universe", detail };
    let (table, from) = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| settings(format!("cannot read universe_file {}: {e}", path.display())))?;
            let table = kis_universe::UniverseTable::from_toml(&text)
                .map_err(|e| settings(format!("{}: {e}", path.display())))?;
            (table, path.display().to_string())
        }
        None => (
            kis_universe::UniverseTable::shipped().map_err(|e| settings(e.to_string()))?,
            "config/krx-universe.toml (built in)".to_string(),
        ),
    };
    tracing::info!(
        codes = table.listings.len(),
        as_of = %table.as_of,
        "screener universe from {from}: {}",
        table.source
    );
    Ok(table.codes())
}

/// The Screener's REST service on a real-domain market-data key: its own budget and token, the trading
/// account's identity (the Screener sends only quotations and rank lists, never an account read or order).
pub(super) fn market_data_api(
    md: &kis_config::MarketDataKey,
    state_dir: &Path,
    http_timeout: Duration,
    token_policy: TokenPolicy,
    trading: &KisApi,
) -> KisApi {
    let real = Endpoints::real();
    let endpoints = Endpoints::custom(
        kis_model::Environment::Real,
        md.rest_base.as_deref().unwrap_or(&real.rest_base),
        &real.ws_url,
    );
    let key = Credentials { app_key: md.app_key.clone(), app_secret: md.app_secret.clone() };
    let rps = md.requests_per_second.unwrap_or(kis_config::api::REAL_REQUESTS_PER_SECOND);
    let client = RestClient::new(endpoints, key.clone(), rps, http_timeout);
    let store = TokenStore::new(state_dir.join("tokens-market-data.json"));
    let auth = kis_auth::TokenManager::new(client, store, StoreKey::new("real", &key.app_key), token_policy);
    KisApi::new(
        auth,
        AccountIdentity { account: trading.account().clone(), hts_id: None, env: kis_model::Environment::Real },
    )
}

//! What `check-config` and the daemon's start-up judge beyond the schema: combinations that cannot work
//! (errors) and ones that probably are not what the user meant (warnings).

use std::fmt;

use kis_model::Environment;
use kis_strategy::risk::{RiskConfig, RiskEngine};

use crate::api::{PAPER_REQUESTS_PER_SECOND, REAL_REQUESTS_PER_SECOND};
use crate::daemon_config::DaemonConfig;
use crate::environment::TradingEnvironment;
use crate::feed::KIS_REGISTRATIONS_PER_SESSION;
use crate::sim::{SPEED_RANGE, SYMBOLS_RANGE};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One judgement about the configuration, naming the key it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub key: String,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{level}: {}: {}", self.key, self.message)
    }
}

/// All findings, errors first. The daemon refuses to start on any error; `check-config` exits 1.
pub fn check(config: &DaemonConfig) -> Vec<Finding> {
    let mut out = Findings::default();
    let env = config.environment;

    if env == TradingEnvironment::Real {
        if config.real_trading.confirm {
            out.warn(
                "real_trading.confirm",
                "real money: `kis-trader run` will also require --i-understand-real-money".to_string(),
            );
        } else {
            out.error(
                "real_trading.confirm",
                "environment = \"real\" trades real money; set [real_trading] confirm = true to allow it".to_string(),
            );
        }
    }

    if let Some(kis) = env.kis() {
        credentials(config, kis, &mut out);
    } else {
        sim(config, &mut out);
    }

    let api = &config.api;
    if api.requests_per_second == Some(0) {
        out.error("api.requests_per_second", "must be at least 1".to_string());
    }
    // The account KIS (or the simulator emulating it) trades on: paper refuses what only real accounts take.
    let trading_env = env.kis().unwrap_or(config.sim.emulate);
    let limit = match trading_env {
        Environment::Real => REAL_REQUESTS_PER_SECOND,
        Environment::Paper => PAPER_REQUESTS_PER_SECOND,
    };
    if let Some(rate) = api.requests_per_second.filter(|r| *r > limit) {
        out.warn(
            "api.requests_per_second",
            format!("{rate}/s is above KIS's {limit}/s for this environment; expect EGW00201 refusals"),
        );
    }
    if let Some(md) = &api.market_data {
        if md.app_key.is_empty() || md.app_secret.is_empty() {
            out.error("api.market_data", "needs both app_key and app_secret (a real-domain key)".into());
        }
        if md.requests_per_second == Some(0) {
            out.error("api.market_data.requests_per_second", "must be at least 1".into());
        }
        if env == TradingEnvironment::Sim {
            out.warn("api.market_data", "ignored with environment = \"sim\": the simulator serves everything".into());
        }
    }
    let md_base = api.market_data.as_ref().and_then(|m| m.rest_base.as_ref());
    for (key, url) in [
        ("api.rest_base", &api.rest_base),
        ("api.ws_url", &api.ws_url),
        ("api.market_data.rest_base", &md_base.cloned()),
    ] {
        if let Some(url) = url {
            let scheme_ok = match key {
                "api.ws_url" => url.starts_with("ws://") || url.starts_with("wss://"),
                _ => url.starts_with("http://") || url.starts_with("https://"),
            };
            if !scheme_ok {
                out.error(key, format!("{url:?} is not a URL this client can speak to"));
            }
        }
    }

    if config.strategies.is_empty() {
        out.warn("strategies", "no strategy is configured: the daemon will screen and watch but never trade".into());
    }
    for (i, strategy) in config.strategies.iter().enumerate() {
        if let Err(e) = strategy.validate() {
            out.error(&format!("strategies[{i}].{}", e.field), e.problem);
        }
        if trading_env == Environment::Paper {
            for (key, kind) in strategy.auction_order_types() {
                out.error(
                    &format!("strategies[{i}].{key}"),
                    format!(
                        "{kind} is a US auction order KIS takes on real accounts only (paper accepts limit orders, \
                         ORD_DVSN 00); set {key} = \"limit\" on paper"
                    ),
                );
            }
        }
        if strategy.risk().is_none() && !strategy.follows_shared_risk() && config.risk != RiskConfig::default() {
            out.warn(
                &format!("strategies[{i}].risk"),
                "the top-level [risk] applies to KRX strategies only; this US strategy trades under its own rule                  (each buy spends buy_cash_fraction of the cash left, no per-position cap) unless it has a                  [strategies.risk] table"
                    .into(),
            );
        }
    }
    if let Err(e) = RiskEngine::new(config.risk) {
        out.error(&format!("risk.{}", e.field.trim_start_matches("risk.")), e.problem);
    }

    if let Err(e) = config.exits.validate() {
        out.error(e.field, e.problem);
    }
    if config.feed.silence_timeout_ms < 500 {
        out.error("feed.silence_timeout_ms", "must be at least 500 (ms)".into());
    }
    if (1..500).contains(&config.feed.data_silence_timeout_ms) {
        out.error("feed.data_silence_timeout_ms", "must be 0 (off) or at least 500 (ms)".into());
    }
    // No upper bound: each session is one WebSocket connection and one app key of the simulator, so many of
    // them cost memory and cores, which is the user's to spend.
    if config.feed.sim_sessions == 0 {
        out.error("feed.sim_sessions", "must be at least 1".into());
    }
    if config.router.cancel_unfilled_after_secs == 0 {
        out.error("router.cancel_unfilled_after_secs", "must be at least 1".into());
    }
    if config.router.poll_interval_secs == 0 {
        out.error("router.poll_interval_secs", "must be at least 1 (each poll spends REST budget)".into());
    }
    if config.daemon.health_report_secs == 0 {
        out.error("daemon.health_report_secs", "must be at least 1".into());
    }
    if config.daemon.account_resync_secs < 5 {
        out.error(
            "daemon.account_resync_secs",
            "must be at least 5 (each re-read spends two to five REST calls per market)".into(),
        );
    }
    if config.daemon.signal_threads > 64 {
        out.error("daemon.signal_threads", "must be at most 64".into());
    }
    if config.daemon.state_dir.as_os_str().is_empty() {
        out.error("daemon.state_dir", "must not be empty (the order journal lives there)".into());
    }

    let screener = &config.screener;
    if screener.watchlist_max == 0 {
        out.error("screener.watchlist_max", "must be at least 1".into());
    }
    let sessions = match env.kis() {
        Some(_) => 1 + config.api.extra_keys.len(),
        None => config.feed.sim_sessions.max(1),
    };
    // One registration per watched symbol at the least (two with books); session 0 also carries the notices.
    let carried = (sessions * KIS_REGISTRATIONS_PER_SESSION).saturating_sub(1);
    if screener.watchlist_max > carried {
        out.error(
            "screener.watchlist_max",
            format!(
                "{} symbols cannot be watched: {sessions} WebSocket session(s) of {KIS_REGISTRATIONS_PER_SESSION} \
                 registrations carry at most {carried} (fewer with books); add app keys or lower it",
                screener.watchlist_max
            ),
        );
    }
    if screener.quotes_per_poll == 0 {
        out.error("screener.quotes_per_poll", "must be at least 1".into());
    }
    if let Some(us) = screener.universe.iter().find(|s| s.market() != kis_model::Market::Krx) {
        out.error("screener.universe", format!("{us} is not a KRX code: the universe is quoted with inquire-price"));
    }
    if screener.pinned.len() > screener.watchlist_max {
        out.error("screener.pinned", format!("{} pinned symbols exceed watchlist_max", screener.pinned.len()));
    }
    if screener.poll_interval_secs == 0 {
        out.error("screener.poll_interval_secs", "must be at least 1 (each poll spends REST budget)".into());
    }
    for (key, pct) in
        [("screener.min_range_pct", screener.min_range_pct), ("screener.max_spread_pct", screener.max_spread_pct)]
    {
        if pct.is_sign_negative() && !pct.is_zero() {
            out.error(key, format!("must not be negative, got {pct} (percent)"));
        }
    }
    if screener.min_market_cap_krw.is_sign_negative() && !screener.min_market_cap_krw.is_zero() {
        out.error(
            "screener.min_market_cap_krw",
            format!("must not be negative, got {} (KRW; 0 accepts every listing)", screener.min_market_cap_krw),
        );
    }

    let telegram = &config.notifier.telegram;
    let token = telegram.bot_token.as_ref().is_some_and(|t| !t.is_empty());
    let chat = telegram.chat_id.as_ref().is_some_and(|c| !c.is_empty());
    if token && !chat {
        out.warn("notifier.telegram.chat_id", "a bot token without a chat id: nothing will be sent".into());
    }
    if chat && !token {
        out.warn("notifier.telegram.bot_token", "a chat id without a bot token: nothing will be sent".into());
    }
    if config.notifier.queue_size == 0 {
        out.error("notifier.queue_size", "must be at least 1".into());
    }

    out.sorted()
}

fn credentials(config: &DaemonConfig, kis: Environment, out: &mut Findings) {
    let api = &config.api;
    let missing = |s: &Option<kis_model::Secret>| s.as_ref().is_none_or(|s| s.is_empty());
    for (key, absent, var) in [
        ("api.app_key", missing(&api.app_key), "KIS_APP_KEY"),
        ("api.app_secret", missing(&api.app_secret), "KIS_APP_SECRET"),
        ("api.account", api.account.is_none(), "KIS_ACCOUNT"),
    ] {
        if absent {
            out.error(key, format!("required on {kis}: set it in the config file or with {var}"));
        }
    }
    for (i, pair) in api.extra_keys.iter().enumerate() {
        if pair.app_key.is_empty() || pair.app_secret.is_empty() {
            out.error(&format!("api.extra_keys[{i}]"), "needs both app_key and app_secret".into());
        }
    }
    if missing(&api.hts_id) {
        out.warn(
            "api.hts_id",
            "unset: fills arrive only by REST polling, not by the WebSocket notice (KIS_HTS_ID)".into(),
        );
    }
}

fn sim(config: &DaemonConfig, out: &mut Findings) {
    let sim = &config.sim;
    if let Some(n) = sim.symbols.filter(|n| !SYMBOLS_RANGE.contains(n)) {
        out.error("sim.symbols", format!("{n} is outside {}..={}", SYMBOLS_RANGE.start(), SYMBOLS_RANGE.end()));
    }
    if let Some(s) = sim.speed.filter(|s| !SPEED_RANGE.contains(s)) {
        out.error("sim.speed", format!("{s} is outside {}..={}", SPEED_RANGE.start(), SPEED_RANGE.end()));
    }
    if config.api.app_key.is_some() || config.api.app_secret.is_some() {
        out.warn("api.app_key", "credentials are set but environment = \"sim\": they are not sent anywhere".into());
    }
    if sim.external {
        for (key, url) in [("api.rest_base", &config.api.rest_base), ("api.ws_url", &config.api.ws_url)] {
            match url {
                None => out.error(key, "required with [sim] external = true: where the simulator listens".into()),
                Some(url) if !is_loopback_url(url) => out.error(
                    key,
                    format!("{url:?}: [sim] external = true speaks to a simulator on this machine only (loopback)"),
                ),
                Some(_) => {}
            }
        }
    }
}

/// `scheme://127.x.x.x[:port]…`, `localhost` or `[::1]`: the host part names this machine.
fn is_loopback_url(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn error(&mut self, key: &str, message: String) {
        self.0.push(Finding { severity: Severity::Error, key: key.to_string(), message });
    }

    fn warn(&mut self, key: &str, message: String) {
        self.0.push(Finding { severity: Severity::Warning, key: key.to_string(), message });
    }

    fn sorted(mut self) -> Vec<Finding> {
        self.0.sort_by_key(|f| std::cmp::Reverse(f.severity));
        self.0
    }
}

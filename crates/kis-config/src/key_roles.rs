//! Which key serves what, and where the screener's codes come from, in words: what `check-config` prints
//! after the values, so that a paper user sees before the start why the watchlist could stay empty.

use kis_model::Environment;

use crate::check::{Finding, Severity};
use crate::daemon_config::DaemonConfig;
use crate::environment::TradingEnvironment;

/// The universe the screener would quote, as the caller resolved it (the table file is read outside this
/// pure crate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniverseSummary {
    pub codes: usize,
    /// E.g. `config/krx-universe.toml (built in, as of 2024-06-28)`.
    pub from: String,
}

/// One sentence per role.
pub fn key_roles(config: &DaemonConfig, universe: &UniverseSummary) -> Vec<String> {
    let env = config.environment;
    let mut out = Vec::new();
    let trading_domain = env.kis().unwrap_or(config.sim.emulate);
    let trading = match env {
        TradingEnvironment::Sim => format!("the embedded simulator's demo key (emulating {trading_domain})"),
        _ => format!("api.app_key on the {trading_domain} domain"),
    };
    out.push(format!(
        "orders, balance and order inquiries, the WebSocket feed and fill notices: {trading}{}",
        if config.api.extra_keys.is_empty() {
            String::new()
        } else {
            format!(" (+{} api.extra_keys for more WebSocket sessions)", config.api.extra_keys.len())
        }
    ));
    let fallback = format!("{} codes of {}", universe.codes, universe.from);
    match (&config.api.market_data, env) {
        (Some(_), TradingEnvironment::Sim) => out
            .push("api.market_data is ignored with environment = \"sim\": the simulator serves everything".to_string()),
        (Some(md), _) => {
            let base = md.rest_base.as_deref().unwrap_or("KIS's real domain");
            out.push(format!(
                "screener rank lists and quotes: api.market_data.app_key ({base}), never used for orders or account \
                 reads; when the rank lists fail the screener quotes the universe ({fallback})"
            ));
        }
        (None, _) if trading_domain == Environment::Real => out.push(format!(
            "screener rank lists and quotes: the trading key (real domain); when the rank lists fail it quotes the \
             universe ({fallback})"
        )),
        (None, _) => out.push(format!(
            "screener: KIS offers no rank lists on paper, so it quotes the universe in turn ({fallback}) within \
             the paper budget of {} requests/s shared with orders (orders first); set [api.market_data] to \
             screen with the real volume and rise rankings",
            config.api.effective_requests_per_second(env, config.sim.emulate)
        )),
    }
    out
}

/// The "nothing to watch" check: on paper without a market-data key the universe is all the screener has.
pub fn watch_finding(config: &DaemonConfig, universe: &UniverseSummary) -> Option<Finding> {
    let paper = config.environment.kis().unwrap_or(config.sim.emulate) == Environment::Paper;
    let ranks = config.api.market_data.is_some() && config.environment != TradingEnvironment::Sim;
    (paper && !ranks && universe.codes == 0).then(|| Finding {
        severity: Severity::Warning,
        key: "screener.universe".to_string(),
        message: "nothing to watch: the universe is empty and paper offers no rank lists; set `[screener] universe` \
                  or `[api.market_data]`"
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::MarketDataKey;
    use kis_model::Secret;

    fn universe(codes: usize) -> UniverseSummary {
        UniverseSummary { codes, from: "the table".into() }
    }

    #[test]
    fn paper_without_and_with_a_market_data_key() {
        let mut c = DaemonConfig { environment: TradingEnvironment::Paper, ..DaemonConfig::default() };
        let roles = key_roles(&c, &universe(244));
        assert!(roles[0].contains("api.app_key on the paper domain"), "{roles:?}");
        assert!(roles[1].contains("quotes the universe in turn (244 codes of the table)"), "{roles:?}");
        assert!(roles[1].contains("2 requests/s"), "{roles:?}");
        assert_eq!(watch_finding(&c, &universe(244)), None);
        let f = watch_finding(&c, &universe(0)).unwrap();
        assert_eq!((f.severity, f.key.as_str()), (Severity::Warning, "screener.universe"));
        assert!(f.message.starts_with("nothing to watch"), "{f}");

        c.api.market_data = Some(MarketDataKey {
            app_key: Secret::new("real-key"),
            app_secret: Secret::new("real-secret"),
            rest_base: None,
            requests_per_second: None,
        });
        let roles = key_roles(&c, &universe(0));
        assert!(roles[1].contains("api.market_data.app_key (KIS's real domain), never used for orders"), "{roles:?}");
        assert_eq!(watch_finding(&c, &universe(0)), None, "the rank lists fill the watchlist");
    }

    #[test]
    fn real_and_sim() {
        let c = DaemonConfig { environment: TradingEnvironment::Real, ..DaemonConfig::default() };
        assert!(key_roles(&c, &universe(5))[1].contains("the trading key (real domain)"));
        assert_eq!(watch_finding(&c, &universe(0)), None);
        let mut sim = DaemonConfig::default();
        sim.sim.emulate = Environment::Real;
        assert!(key_roles(&sim, &universe(5))[0].contains("simulator's demo key (emulating real)"));
    }
}

//! What the Screener is told: the `[screener]` section plus the budget the daemon fits it to.

use std::collections::BTreeSet;
use std::time::Duration;

use kis_config::ScreenerConfig;
use kis_model::{KrxCode, Symbol};
use rust_decimal::Decimal;

use super::scoring::Filters;
use super::watchlist::Hysteresis;

/// Everything the Screener is told. `From<&ScreenerConfig>` takes the `[screener]` section and fills the rest
/// with the defaults documented on each field.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenerSettings {
    pub filters: Filters,
    /// Includes the pinned symbols.
    pub watchlist_max: usize,
    /// Real time between the end of one poll and the start of the next.
    pub poll_interval: Duration,
    /// Default 20: ten times the minimum volume alone, or a 6 % range at the minimum volume, scores 20.
    pub entry_score: f64,
    /// Default 10.
    pub exit_margin: f64,
    /// Default 10.
    pub swap_margin: f64,
    /// `inquire-price` calls a poll may make. Default 40: four seconds of the Screener's half of the real
    /// domain's 20 calls a second.
    pub quotes_per_poll: usize,
    /// Codes quoted where the rank endpoints are not offered (paper). Default empty.
    pub universe: Vec<KrxCode>,
    /// Always in the watchlist (e.g. the US tickers of a fixed-symbol strategy). Default empty.
    pub pinned: Vec<Symbol>,
    /// The key's requests a second, when [`ScreenerSettings::fit_budget`] was told (for the sweep log).
    pub budget_per_second: Option<u32>,
    /// Whether KRX is screened at all. A daemon with no KRX strategy (the US bot alone) watches only its
    /// pinned symbols: screening KRX would spend its REST budget and feed sessions on symbols no strategy
    /// may trade. Default true.
    pub screen_krx: bool,
}

impl From<&ScreenerConfig> for ScreenerSettings {
    fn from(c: &ScreenerConfig) -> ScreenerSettings {
        ScreenerSettings {
            filters: Filters {
                min_volume: c.min_volume,
                min_range_pct: c.min_range_pct,
                max_spread_pct: c.max_spread_pct,
                min_market_cap_krw: c.min_market_cap_krw,
            },
            watchlist_max: c.watchlist_max,
            poll_interval: Duration::from_secs(c.poll_interval_secs),
            entry_score: 20.0,
            exit_margin: 10.0,
            swap_margin: 10.0,
            quotes_per_poll: c.quotes_per_poll,
            universe: c
                .universe
                .iter()
                .filter_map(|s| match s {
                    Symbol::Krx(code) => Some(*code),
                    Symbol::Us(..) => None,
                })
                .collect(),
            pinned: c.pinned.clone(),
            budget_per_second: None,
            screen_krx: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScreenerSettingsError {
    #[error("screener watchlist_max must be at least 1")]
    ZeroWatchlist,
    #[error("screener: {pinned} pinned symbols do not fit in watchlist_max {max}")]
    TooManyPinned { pinned: usize, max: usize },
    #[error("screener poll interval must be greater than zero")]
    ZeroPollInterval,
    #[error("screener quotes_per_poll must be at least 1")]
    ZeroQuoteBudget,
    #[error("screener {what} must be within 0..=100, got {value}")]
    BadScore { what: &'static str, value: f64 },
    #[error("screener {what} must not be negative, got {value}")]
    NegativeLimit { what: &'static str, value: Decimal },
}

impl ScreenerSettings {
    pub fn validate(&self) -> Result<(), ScreenerSettingsError> {
        if self.watchlist_max == 0 {
            return Err(ScreenerSettingsError::ZeroWatchlist);
        }
        let pinned: BTreeSet<&Symbol> = self.pinned.iter().collect();
        if pinned.len() > self.watchlist_max {
            return Err(ScreenerSettingsError::TooManyPinned { pinned: pinned.len(), max: self.watchlist_max });
        }
        if self.poll_interval.is_zero() {
            return Err(ScreenerSettingsError::ZeroPollInterval);
        }
        if self.quotes_per_poll == 0 {
            return Err(ScreenerSettingsError::ZeroQuoteBudget);
        }
        for (what, value) in
            [("entry_score", self.entry_score), ("exit_margin", self.exit_margin), ("swap_margin", self.swap_margin)]
        {
            if !(0.0..=100.0).contains(&value) {
                return Err(ScreenerSettingsError::BadScore { what, value });
            }
        }
        let f = &self.filters;
        for (what, value) in [
            ("min_range_pct", f.min_range_pct),
            ("max_spread_pct", f.max_spread_pct),
            ("min_market_cap_krw", f.min_market_cap_krw),
        ] {
            if value < Decimal::ZERO {
                return Err(ScreenerSettingsError::NegativeLimit { what, value });
            }
        }
        Ok(())
    }

    /// Caps `quotes_per_poll` at what the Screener's share of a `requests_per_second` budget (half of it,
    /// at least one call a second: see `kis_client::Priority`) sends in [`POLL_BUDGET_SECS`], so that a poll
    /// applies its results at least that often. Real (20/s): 40 stays 40. Paper (2/s): 4.
    pub fn fit_budget(&mut self, requests_per_second: u32) {
        let share = u64::from(requests_per_second - requests_per_second / 2).max(1);
        let per_poll = share.saturating_mul(POLL_BUDGET_SECS);
        self.quotes_per_poll = self.quotes_per_poll.min(usize::try_from(per_poll).unwrap_or(usize::MAX)).max(1);
        self.budget_per_second = Some(requests_per_second);
    }

    pub(super) fn hysteresis(&self) -> Hysteresis {
        Hysteresis { entry_score: self.entry_score, exit_margin: self.exit_margin, swap_margin: self.swap_margin }
    }
}

/// Seconds of the Screener's request budget one poll may spend before its results are applied.
pub const POLL_BUDGET_SECS: u64 = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn settings() -> ScreenerSettings {
        ScreenerSettings::from(&ScreenerConfig::default())
    }

    #[test]
    fn settings_from_config() {
        let s = settings();
        assert_eq!(
            s.filters,
            Filters {
                min_volume: 100_000,
                min_range_pct: dec!(2),
                max_spread_pct: dec!(0.3),
                min_market_cap_krw: dec!(100_000_000_000),
            }
        );
        assert_eq!((s.watchlist_max, s.poll_interval, s.quotes_per_poll), (30, Duration::from_secs(10), 40));
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn a_poll_spends_at_most_one_interval_of_the_screeners_share() {
        let mut real = settings();
        real.fit_budget(20);
        assert_eq!((real.quotes_per_poll, real.budget_per_second), (40, Some(20)));
        let mut paper = settings();
        paper.fit_budget(2);
        assert_eq!(paper.quotes_per_poll, 4, "1 call a second for 4 s");
        let mut one = ScreenerSettings { quotes_per_poll: 2, ..settings() };
        one.fit_budget(1);
        assert_eq!(one.quotes_per_poll, 2, "never raised");
    }

    #[test]
    fn every_settings_refusal() {
        let us = |t: &str| Symbol::parse(&format!("NASDAQ:{t}")).unwrap();
        let cases = [
            (ScreenerSettings { watchlist_max: 0, ..settings() }, ScreenerSettingsError::ZeroWatchlist),
            (
                ScreenerSettings { watchlist_max: 1, pinned: vec![us("AAA"), us("BBB"), us("AAA")], ..settings() },
                ScreenerSettingsError::TooManyPinned { pinned: 2, max: 1 },
            ),
            (ScreenerSettings { poll_interval: Duration::ZERO, ..settings() }, ScreenerSettingsError::ZeroPollInterval),
            (ScreenerSettings { quotes_per_poll: 0, ..settings() }, ScreenerSettingsError::ZeroQuoteBudget),
            (
                ScreenerSettings { entry_score: 100.5, ..settings() },
                ScreenerSettingsError::BadScore { what: "entry_score", value: 100.5 },
            ),
            (
                ScreenerSettings { exit_margin: -1.0, ..settings() },
                ScreenerSettingsError::BadScore { what: "exit_margin", value: -1.0 },
            ),
            (
                ScreenerSettings {
                    filters: Filters { max_spread_pct: dec!(-0.1), ..settings().filters },
                    ..settings()
                },
                ScreenerSettingsError::NegativeLimit { what: "max_spread_pct", value: dec!(-0.1) },
            ),
        ];
        for (s, want) in cases {
            assert_eq!(s.validate(), Err(want));
        }
        let nan = ScreenerSettings { swap_margin: f64::NAN, ..settings() };
        assert!(matches!(nan.validate(), Err(ScreenerSettingsError::BadScore { what: "swap_margin", .. })));
        // The same symbol pinned twice counts once.
        let twice = ScreenerSettings { watchlist_max: 1, pinned: vec![us("AAA"), us("AAA")], ..settings() };
        assert_eq!(twice.validate(), Ok(()));
    }
}

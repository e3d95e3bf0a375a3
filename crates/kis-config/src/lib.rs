//! The daemon's configuration (`kis-trader run`, `kis-trader check-config`).
//!
//! * [`DaemonConfig`]: the schema. Every field has a default (a config file holds only what differs) and every
//!   table refuses unknown keys (a typo is an error naming the key, not a silent default).
//! * [`load`]: shipped defaults ([`DEFAULT_TOML`]) → the user's file → environment (`KIS__API__APP_KEY` nested
//!   form, and the flat `KIS_APP_KEY`-style names of [`FLAT_ENV`]), as a pure function of texts and an
//!   environment map; [`load_process`] reads the real ones.
//! * [`check`]: errors and warnings about combinations; [`check_real_money`]: the three locks on real money.
//! * [`explain`]: every effective value with its origin, secrets redacted.
//!
//! Secrets are [`kis_model::Secret`]: redacted in `Debug`. Loader errors never quote a secret: TOML syntax
//! errors are reported by position only, and any other message is scrubbed of the secret values it was given.

pub mod api;
pub mod check;
pub mod daemon;
pub mod daemon_config;
pub mod environment;
pub mod explain;
pub mod feed;
pub mod key_roles;
pub mod load;
pub mod logging;
pub mod notifier;
pub mod origin;
pub mod path;
pub mod real_money;
pub mod redact;
pub mod router;
pub mod screener;
pub mod sim;

pub use api::{ApiConfig, MarketDataKey};
pub use check::{Finding, Severity, check};
pub use daemon::DaemonSection;
pub use daemon_config::DaemonConfig;
pub use environment::{RealTrading, TradingEnvironment};
pub use explain::{Line, explain};
pub use feed::FeedSection;
pub use key_roles::{UniverseSummary, key_roles, watch_finding};
pub use load::{DEFAULT_TOML, FLAT_ENV, LoadError, Loaded, SourceFile, load, load_process};
pub use logging::{LogLevel, LoggingConfig};
pub use notifier::{NotifierConfig, TelegramConfig};
pub use origin::Origin;
pub use real_money::{RealMoneyError, check_real_money};
pub use router::RouterSection;
pub use screener::ScreenerConfig;
pub use sim::SimSection;

//! The daemon's actors. Each actor is a thin shell that owns state and routes typed messages; the logic it
//! runs lives in the pure crates (or in a plain struct in the actor's own file, unit-tested without actix).
//!
//! - [`supervisor`]: starts actors, restarts crashed or stuck ones with capped exponential backoff and
//!   jitter, escalates repeated restarts, and logs every actor's health.
//! - [`market_cache`]: the one shared source of latest trade, book and 1 s / 1 min bars per symbol.
//! - [`notifier`]: Telegram and log notifications through a bounded queue that never blocks trading.

pub mod daemon;
pub mod kis_api;
pub mod market_cache;
pub mod messages;
pub mod notifier;
pub mod order_router;
pub mod risk_manager;
pub mod screener;
pub mod signal_actor;
pub mod signal_pool;
pub mod slot;
pub mod supervisor;
pub mod token_manager;
pub mod venue_clock;
pub mod ws_feed;

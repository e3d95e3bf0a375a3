//! Notifications to the trader: every event is logged, and also sent to Telegram when a bot is configured.
//!
//! Trading code calls [`NotifierHandle::notify`], which formats and logs the event and then offers it to a
//! bounded queue with `try_send`: it never waits, and when the queue is full the Telegram copy is dropped and
//! counted. The [`Notifier`] actor sends one message at a time, in order, retrying per [`RetryPolicy`].

mod actor;
mod event;
mod session_open;
mod stats;
mod telegram;

pub use actor::{Deliver, Notifier, NotifierConfig, NotifierHandle};
pub use event::{Holding, NotifyEvent, OrderOutcome, format_event};
pub use session_open::{
    ACCOUNT_WAIT, SessionAnnouncer, SessionAnnouncerConfig, market_account, session_opened, strategy_market,
};
pub use stats::NotifierCounts;
pub use telegram::{
    AttemptOutcome, ChatId, NotifierConfigError, RetryPolicy, TELEGRAM_API_BASE, TELEGRAM_MAX_CHARS, TelegramConfig,
    classify, scrub, truncate_chars,
};

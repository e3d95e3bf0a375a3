//! The notifier actor and the cheap, cloneable handle the rest of the daemon holds.

use std::sync::Arc;

use actix::prelude::*;

use super::event::{NotifyEvent, format_event};
use super::stats::{NotifierCounts, NotifierStats};
use super::telegram::{NotifierConfigError, TelegramConfig, TelegramTarget, deliver};

/// What the notifier needs at start.
#[derive(Debug, Clone)]
pub struct NotifierConfig {
    queue_capacity: usize,
    telegram: Option<TelegramConfig>,
}

impl NotifierConfig {
    /// `queue_capacity` bounds the messages waiting for Telegram; `None` for `telegram` means log only.
    pub fn new(queue_capacity: usize, telegram: Option<TelegramConfig>) -> Result<NotifierConfig, NotifierConfigError> {
        if queue_capacity == 0 {
            return Err(NotifierConfigError::ZeroCapacity);
        }
        Ok(NotifierConfig { queue_capacity, telegram })
    }

    pub fn queue_capacity(&self) -> usize {
        self.queue_capacity
    }

    pub fn telegram(&self) -> Option<&TelegramConfig> {
        self.telegram.as_ref()
    }
}

/// One formatted message for Telegram. Built only by [`NotifierHandle::notify`], which logs it first.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Deliver(String);

/// Sends queued messages to Telegram one at a time. Its mailbox is the bounded queue.
pub struct Notifier {
    client: awc::Client,
    target: Arc<TelegramTarget>,
    stats: Arc<NotifierStats>,
}

impl Actor for Notifier {
    type Context = Context<Self>;
}

impl Handler<Deliver> for Notifier {
    type Result = ();

    /// `wait` stops the mailbox until this message is done, so messages leave in order, one in flight, and
    /// anything arriving meanwhile stays in the bounded mailbox (or is refused when it is full).
    fn handle(&mut self, msg: Deliver, ctx: &mut Context<Self>) {
        let job = deliver(self.client.clone(), Arc::clone(&self.target), msg.0, Arc::clone(&self.stats));
        ctx.wait(actix::fut::wrap_future::<_, Self>(job));
    }
}

/// What trading code holds. Cloning is cheap; `notify` never blocks.
#[derive(Clone)]
pub struct NotifierHandle {
    addr: Option<Addr<Notifier>>,
    stats: Arc<NotifierStats>,
    capacity: usize,
}

impl NotifierHandle {
    /// Starts the actor on the current arbiter when Telegram is configured. Must run inside an actix system:
    /// the awc client is created here, on the thread that will use it.
    pub fn start(config: NotifierConfig) -> NotifierHandle {
        let stats = Arc::new(NotifierStats::default());
        let capacity = config.queue_capacity;
        let addr = config.telegram.map(|telegram| {
            let target = Arc::new(TelegramTarget::new(telegram));
            let stats = Arc::clone(&stats);
            Notifier::create(move |ctx| {
                ctx.set_mailbox_capacity(capacity);
                // No client-wide timeout: each request carries the configured one.
                let client = awc::Client::builder().disable_timeout().finish();
                Notifier { client, target, stats }
            })
        });
        match &addr {
            Some(_) => tracing::info!(target: "notifier", capacity, "notifier started with telegram"),
            None => tracing::info!(target: "notifier", "notifier started (log only, no telegram configured)"),
        }
        NotifierHandle { addr, stats, capacity }
    }

    /// Logs only; for runs without a bot and for tests of other actors. Needs no actix system.
    pub fn log_only() -> NotifierHandle {
        NotifierHandle { addr: None, stats: Arc::new(NotifierStats::default()), capacity: 0 }
    }

    /// Logs the event and offers it to the Telegram queue without waiting. Cost is formatting and one log
    /// line; a full queue drops the Telegram copy, counts it and warns once per burst.
    pub fn notify(&self, event: NotifyEvent) {
        let text = format_event(&event);
        let kind = event.kind();
        if event.is_alert() {
            tracing::warn!(target: "notifier", event = kind, "{text}");
        } else {
            tracing::info!(target: "notifier", event = kind, "{text}");
        }
        let Some(addr) = &self.addr else { return };
        match addr.try_send(Deliver(text)) {
            Ok(()) => {
                if let Some(dropped) = self.stats.queued() {
                    tracing::info!(target: "notifier", dropped, "notifier queue accepting again");
                }
            }
            Err(SendError::Full(_)) => {
                if self.stats.dropped_full() {
                    tracing::warn!(target: "notifier", capacity = self.capacity,
                        "notifier queue full: dropping telegram messages until it drains (events are still logged)");
                }
            }
            Err(SendError::Closed(_)) => {
                if self.stats.dropped_closed() {
                    tracing::error!(target: "notifier", "notifier actor is gone: telegram messages are dropped");
                }
            }
        }
    }

    pub fn counts(&self) -> NotifierCounts {
        self.stats.snapshot()
    }

    /// True while the actor runs (always false in log-only mode); for the supervisor's health check.
    pub fn is_connected(&self) -> bool {
        self.addr.as_ref().is_some_and(Addr::connected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifier::ChatId;
    use kis_model::Secret;

    #[test]
    fn zero_capacity_is_refused() {
        assert_eq!(NotifierConfig::new(0, None).unwrap_err(), NotifierConfigError::ZeroCapacity);
        let telegram = TelegramConfig::new("https://api.telegram.org", Secret::new("1:x"), ChatId::Id(7)).unwrap();
        let config = NotifierConfig::new(32, Some(telegram)).unwrap();
        assert_eq!(config.queue_capacity(), 32);
        assert_eq!(config.telegram().map(|t| t.chat_id().clone()), Some(ChatId::Id(7)));
    }

    /// Trading actors on other arbiters hold clones of the handle.
    #[test]
    fn handle_and_events_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<NotifierHandle>();
        send_sync::<NotifyEvent>();
    }

    #[test]
    fn log_only_counts_nothing_and_needs_no_system() {
        let handle = NotifierHandle::log_only();
        handle.notify(NotifyEvent::Halt { reason: "test".into() });
        assert_eq!(handle.counts(), NotifierCounts::default());
        assert!(!handle.is_connected());
    }
}

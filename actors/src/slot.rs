//! A stable address for a message handled by a supervised actor. The supervisor replaces a crashed actor with
//! a fresh instance at a new address; everyone who talks to it holds the slot, which the actor's factory
//! refills on every (re)start. Only rarely-sent messages go through a slot (subscriptions, control): the hot
//! path uses recipients that a restarted actor hands out again itself.

use std::sync::{Arc, RwLock};

use actix::prelude::*;

pub struct Slot<M: Message + Send>(Arc<RwLock<Option<Recipient<M>>>>)
where
    M::Result: Send;

impl<M: Message + Send> Clone for Slot<M>
where
    M::Result: Send,
{
    fn clone(&self) -> Self {
        Slot(Arc::clone(&self.0))
    }
}

impl<M: Message + Send> Default for Slot<M>
where
    M::Result: Send,
{
    fn default() -> Self {
        Slot(Arc::new(RwLock::new(None)))
    }
}

/// The slot's actor is not running (not started yet, or between a crash and its restart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the receiving actor is not running (restarting or not started)")]
pub struct NotRunning;

impl<M: Message + Send + 'static> Slot<M>
where
    M::Result: Send,
{
    pub fn new() -> Slot<M> {
        Slot::default()
    }

    pub fn set(&self, to: Recipient<M>) {
        // A poisoned lock only means a writer panicked while assigning an `Option`; the value is usable.
        let mut guard = self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = Some(to);
    }

    pub fn get(&self) -> Option<Recipient<M>> {
        let guard = self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.as_ref().filter(|r| r.connected()).cloned()
    }

    /// Sends without waiting; returns false when the actor is not running (the message is dropped).
    pub fn do_send(&self, msg: M) -> bool {
        match self.get() {
            Some(to) => {
                to.do_send(msg);
                true
            }
            None => false,
        }
    }

    /// Sends and waits for the answer.
    pub async fn send(&self, msg: M) -> Result<M::Result, NotRunning> {
        let to = self.get().ok_or(NotRunning)?;
        to.send(msg).await.map_err(|_| NotRunning)
    }
}

/// The feed's control messages, refilled by the feed's factory on every start.
#[derive(Clone, Default)]
pub struct FeedSlots {
    pub subscribe: Slot<crate::messages::Subscribe>,
    pub unsubscribe: Slot<crate::messages::Unsubscribe>,
    pub status: Slot<crate::messages::GetFeedStatus>,
}

/// Forwards every `M` to whatever the slot holds now: a stable `Recipient<M>` for actors that must hand one
/// out (the feed's notice and cache outputs, the router's update output) while the receiver may be replaced.
/// It holds no state of its own, so there is nothing in it to crash.
pub struct Relay<M: Message + Send>
where
    M::Result: Send,
{
    slot: Slot<M>,
    dropped: u64,
}

impl<M: Message + Send + 'static> Relay<M>
where
    M::Result: Send,
{
    /// Starts a relay on the current arbiter and returns its recipient.
    pub fn spawn(slot: Slot<M>) -> Recipient<M>
    where
        M: Message<Result = ()>,
    {
        Relay { slot, dropped: 0 }.start().recipient()
    }
}

impl<M: Message + Send + 'static> Actor for Relay<M>
where
    M::Result: Send,
{
    type Context = Context<Self>;
}

impl<M: Message<Result = ()> + Send + 'static> Handler<M> for Relay<M> {
    type Result = ();

    fn handle(&mut self, msg: M, _: &mut Self::Context) {
        if !self.slot.do_send(msg) {
            self.dropped += 1;
            // The receiver is between a crash and its restart; what it missed it recovers on start (journal,
            // broker sync, cache rebuilt from the feed).
            if self.dropped.is_power_of_two() {
                tracing::warn!(
                    message = std::any::type_name::<M>().rsplit("::").next().unwrap_or("message"),
                    dropped = self.dropped,
                    "receiver restarting: message dropped"
                );
            }
        }
    }
}

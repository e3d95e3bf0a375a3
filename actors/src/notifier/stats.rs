//! Counters shared between the senders' handles and the actor. Atomics, so that counting never takes a lock
//! on the trading path.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A snapshot of what happened to the events handed to the notifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NotifierCounts {
    /// Accepted into the Telegram queue.
    pub queued: u64,
    /// Refused because the queue was full (logged, never sent to Telegram).
    pub dropped_full: u64,
    /// Refused because the notifier actor is gone.
    pub dropped_closed: u64,
    /// Sent to Telegram and acknowledged.
    pub delivered: u64,
    /// Given up on after the retries, or refused by Telegram.
    pub failed: u64,
}

#[derive(Debug, Default)]
pub(crate) struct NotifierStats {
    queued: AtomicU64,
    dropped_full: AtomicU64,
    dropped_closed: AtomicU64,
    delivered: AtomicU64,
    failed: AtomicU64,
    burst_drops: AtomicU64,
    in_burst: AtomicBool,
    closed_warned: AtomicBool,
}

impl NotifierStats {
    /// Counts an accepted event; returns how many were dropped if this ends an overflow burst.
    pub(crate) fn queued(&self) -> Option<u64> {
        self.queued.fetch_add(1, Ordering::Relaxed);
        if self.in_burst.swap(false, Ordering::AcqRel) {
            Some(self.burst_drops.swap(0, Ordering::AcqRel))
        } else {
            None
        }
    }

    /// Counts an overflow drop; true for the first drop of a burst, the one that gets a warning.
    pub(crate) fn dropped_full(&self) -> bool {
        self.dropped_full.fetch_add(1, Ordering::Relaxed);
        self.burst_drops.fetch_add(1, Ordering::AcqRel);
        !self.in_burst.swap(true, Ordering::AcqRel)
    }

    /// Counts a drop on a closed mailbox; true only the first time ever, so a dead notifier warns once.
    pub(crate) fn dropped_closed(&self) -> bool {
        self.dropped_closed.fetch_add(1, Ordering::Relaxed);
        !self.closed_warned.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn delivered(&self) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> NotifierCounts {
        NotifierCounts {
            queued: self.queued.load(Ordering::Relaxed),
            dropped_full: self.dropped_full.load(Ordering::Relaxed),
            dropped_closed: self.dropped_closed.load(Ordering::Relaxed),
            delivered: self.delivered.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_per_burst_and_burst_size_reported() {
        let s = NotifierStats::default();
        assert_eq!(s.queued(), None);
        assert!(s.dropped_full());
        assert!(!s.dropped_full());
        assert!(!s.dropped_full());
        assert_eq!(s.queued(), Some(3));
        assert_eq!(s.queued(), None);
        assert!(s.dropped_full());
        assert_eq!(s.queued(), Some(1));
        assert!(s.dropped_closed());
        assert!(!s.dropped_closed());
        s.delivered();
        s.failed();
        assert_eq!(
            s.snapshot(),
            NotifierCounts { queued: 4, dropped_full: 4, dropped_closed: 2, delivered: 1, failed: 1 }
        );
    }
}

//! Two pure clocks of the Screener: how long a sweep of the universe takes (logged, since on paper it is
//! bounded by the 2 requests/s budget, not by us), and when an empty watchlist becomes worth a warning.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use kis_model::KrxCode;

/// Codes quoted since the current sweep of the universe started.
#[derive(Debug, Clone, Default)]
pub struct Sweep {
    started: Option<Instant>,
    quoted: HashSet<KrxCode>,
}

/// A finished sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepDone {
    pub codes: usize,
    pub took: Duration,
}

impl Sweep {
    /// Records the codes a poll quoted at `now`; returns the sweep when every code of `universe` has now been
    /// quoted since it started (the next sweep starts empty).
    pub fn record(
        &mut self,
        universe: &[KrxCode],
        quoted: impl IntoIterator<Item = KrxCode>,
        started: Instant,
        now: Instant,
    ) -> Option<SweepDone> {
        let begun = *self.started.get_or_insert(started);
        let members: HashSet<&KrxCode> = universe.iter().collect();
        self.quoted.extend(quoted.into_iter().filter(|c| members.contains(c)));
        if universe.is_empty() || self.quoted.len() < members.len() {
            return None;
        }
        self.started = None;
        self.quoted.clear();
        Some(SweepDone { codes: members.len(), took: now.saturating_duration_since(begun) })
    }

    /// True while a sweep is under way (some but not all codes quoted).
    pub fn in_progress(&self) -> bool {
        self.started.is_some()
    }
}

/// Polls in a row with an empty watchlist before the warning: "more than a poll or two".
pub const EMPTY_POLLS_BEFORE_WARNING: u32 = 3;

/// What to say about an empty watchlist after a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleNote {
    Nothing,
    /// Log a WARN and notify, once per empty spell.
    Warn,
    /// A reminder on the status target (every `remind_every` while it stays empty).
    Remind,
    /// The watchlist has members again after a warning.
    Recovered,
}

#[derive(Debug, Clone)]
pub struct IdleWatch {
    empty_polls: u32,
    warned: bool,
    last_note: Option<Instant>,
    remind_every: Duration,
}

impl IdleWatch {
    pub fn new(remind_every: Duration) -> IdleWatch {
        IdleWatch { empty_polls: 0, warned: false, last_note: None, remind_every }
    }

    /// After each applied poll.
    pub fn after_poll(&mut self, watchlist_len: usize, now: Instant) -> IdleNote {
        if watchlist_len > 0 {
            self.empty_polls = 0;
            self.last_note = None;
            return if std::mem::take(&mut self.warned) { IdleNote::Recovered } else { IdleNote::Nothing };
        }
        self.empty_polls = self.empty_polls.saturating_add(1);
        if self.empty_polls < EMPTY_POLLS_BEFORE_WARNING {
            return IdleNote::Nothing;
        }
        if !self.warned {
            self.warned = true;
            self.last_note = Some(now);
            return IdleNote::Warn;
        }
        match self.last_note {
            Some(t) if now.saturating_duration_since(t) < self.remind_every => IdleNote::Nothing,
            _ => {
                self.last_note = Some(now);
                IdleNote::Remind
            }
        }
    }

    pub fn empty_polls(&self) -> u32 {
        self.empty_polls
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: u32) -> KrxCode {
        KrxCode::parse(&format!("{n:06}")).unwrap()
    }

    #[test]
    fn a_sweep_ends_when_every_code_was_quoted() {
        let universe: Vec<KrxCode> = (1..=5).map(code).collect();
        let t0 = Instant::now();
        let mut s = Sweep::default();
        assert!(!s.in_progress());
        assert_eq!(s.record(&universe, [code(1), code(2)], t0, t0 + Duration::from_secs(2)), None);
        assert!(s.in_progress());
        // Codes outside the universe (members kept from earlier polls) do not count; repeats count once.
        assert_eq!(s.record(&universe, [code(9), code(2), code(3)], t0, t0 + Duration::from_secs(4)), None);
        let done = s.record(&universe, [code(4), code(5)], t0 + Duration::from_secs(4), t0 + Duration::from_secs(6));
        assert_eq!(done, Some(SweepDone { codes: 5, took: Duration::from_secs(6) }), "timed from the first poll");
        assert!(!s.in_progress());
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(s.record(&universe, [code(1)], t1, t1), None, "the next sweep starts afresh");
        assert_eq!(Sweep::default().record(&[], [code(1)], t0, t0), None);
    }

    #[test]
    fn an_empty_watchlist_warns_after_three_polls_then_reminds() {
        let t0 = Instant::now();
        let s = |n: u64| t0 + Duration::from_secs(n);
        let mut w = IdleWatch::new(Duration::from_secs(30));
        assert_eq!(w.after_poll(0, s(0)), IdleNote::Nothing);
        assert_eq!(w.after_poll(0, s(5)), IdleNote::Nothing);
        assert_eq!(w.after_poll(0, s(10)), IdleNote::Warn);
        assert_eq!(w.empty_polls(), 3);
        assert_eq!(w.after_poll(0, s(20)), IdleNote::Nothing);
        assert_eq!(w.after_poll(0, s(40)), IdleNote::Remind);
        assert_eq!(w.after_poll(0, s(50)), IdleNote::Nothing);
        assert_eq!(w.after_poll(2, s(55)), IdleNote::Recovered);
        assert_eq!(w.after_poll(2, s(60)), IdleNote::Nothing);
        // A short empty spell after that says nothing.
        assert_eq!(w.after_poll(0, s(65)), IdleNote::Nothing);
        assert_eq!(w.after_poll(1, s(70)), IdleNote::Nothing);
    }
}

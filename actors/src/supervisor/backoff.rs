//! Restart pacing for supervised actors (and for anything else that reconnects, such as the feed).
//!
//! actix's own `Supervisor` restarts a failing actor immediately, in a hot loop; a broker that refuses us would
//! be hammered thousands of times a second. [`Backoff`] spaces the attempts out (capped exponential delay with
//! jitter so several sessions do not retry in lock-step), forgets old failures once a child has been stable or
//! has proved itself healthy again (a capped number of times, so a peer that accepts and drops at once is not
//! reconnected in a hot loop), and says when to give up and escalate. It is a plain struct: time is passed in and the randomness is a seeded
//! generator, so every sequence is reproducible in tests.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use thiserror::Error;

/// A [`BackoffPolicy`] that cannot work as intended.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BackoffError {
    #[error("backoff initial delay must be greater than zero")]
    ZeroInitial,
    #[error("backoff max delay {max:?} is below the initial delay {initial:?}")]
    MaxBelowInitial { initial: Duration, max: Duration },
    #[error("backoff jitter must be within 0.0..=1.0, got {0}")]
    JitterOutOfRange(f64),
    #[error("backoff escalation window must be greater than zero")]
    ZeroWindow,
}

/// How restarts are paced and when they escalate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffPolicy {
    /// Delay before the first restart; it doubles on every further failure.
    pub initial: Duration,
    /// Upper bound of the delay, jitter included.
    pub max: Duration,
    /// Fraction of the delay that is randomised away: the delay lies in `[base * (1 - jitter), base]`.
    /// Jitter only shortens, so `max` stays a true bound.
    pub jitter: f64,
    /// A failure this long after the previous one starts the doubling again from `initial`.
    pub stable_after: Duration,
    /// At most this many restarts within `window`; one more failure escalates instead of restarting.
    pub max_restarts: u32,
    pub window: Duration,
    /// At most this many proven recoveries ([`Backoff::on_recovered`]) within `window` start the doubling again
    /// from `initial`; past that the delay keeps doubling until old ones leave the window. Without the cap a
    /// peer that accepts, acknowledges and drops at once would be reconnected as fast as it answers.
    pub max_resets: u32,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(30),
            jitter: 0.3,
            stable_after: Duration::from_secs(120),
            max_restarts: 5,
            window: Duration::from_secs(300),
            max_resets: 10,
        }
    }
}

impl BackoffPolicy {
    pub fn validate(&self) -> Result<(), BackoffError> {
        if self.initial.is_zero() {
            return Err(BackoffError::ZeroInitial);
        }
        if self.max < self.initial {
            return Err(BackoffError::MaxBelowInitial { initial: self.initial, max: self.max });
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err(BackoffError::JitterOutOfRange(self.jitter));
        }
        if self.window.is_zero() {
            return Err(BackoffError::ZeroWindow);
        }
        Ok(())
    }
}

/// What to do about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartDecision {
    /// Restart after this delay.
    Retry(Duration),
    /// Too many restarts in the window: stop restarting, stop trading, tell a human.
    Escalate { restarts_in_window: u32 },
}

/// Failure history and delay state of one child.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: BackoffPolicy,
    /// Failures since the last reset; the exponent of the next delay.
    attempt: u32,
    last_failure: Option<Instant>,
    /// Restarts granted within the current window, oldest first.
    restarts: VecDeque<Instant>,
    /// Recoveries within the current window that started the doubling again, oldest first.
    resets: VecDeque<Instant>,
    rng: SplitMix64,
}

impl Backoff {
    /// `seed` drives the jitter; give each child its own so their retries spread out.
    pub fn new(policy: BackoffPolicy, seed: u64) -> Result<Backoff, BackoffError> {
        policy.validate()?;
        Ok(Backoff {
            policy,
            attempt: 0,
            last_failure: None,
            restarts: VecDeque::new(),
            resets: VecDeque::new(),
            rng: SplitMix64(seed),
        })
    }

    pub fn policy(&self) -> &BackoffPolicy {
        &self.policy
    }

    /// Records a failure at `now` and decides: restart after a delay, or escalate.
    pub fn on_failure(&mut self, now: Instant) -> RestartDecision {
        if let Some(last) = self.last_failure
            && now.saturating_duration_since(last) >= self.policy.stable_after
        {
            self.attempt = 0;
        }
        self.last_failure = Some(now);
        prune(&mut self.restarts, now, self.policy.window);
        let in_window = u32::try_from(self.restarts.len()).unwrap_or(u32::MAX);
        if in_window >= self.policy.max_restarts {
            return RestartDecision::Escalate { restarts_in_window: in_window };
        }
        self.restarts.push_back(now);
        let delay = self.delay_for(self.attempt);
        self.attempt = self.attempt.saturating_add(1);
        RestartDecision::Retry(delay)
    }

    /// The child proved healthy at `now` (for the feed: reconnected, and every registration acknowledged
    /// again), so its next failure is a fresh one and is retried after `initial` — however soon it comes.
    /// Waiting for `stable_after` instead would let faults a few seconds apart push the delay to the cap.
    /// Returns `false`, and changes nothing, once `max_resets` recoveries within `window` already did so.
    pub fn on_recovered(&mut self, now: Instant) -> bool {
        prune(&mut self.resets, now, self.policy.window);
        if u32::try_from(self.resets.len()).unwrap_or(u32::MAX) >= self.policy.max_resets {
            return false;
        }
        self.resets.push_back(now);
        self.attempt = 0;
        true
    }

    /// Forgets all failures, e.g. after an operator cleared an escalation.
    pub fn reset(&mut self) {
        self.attempt = 0;
        self.last_failure = None;
        self.restarts.clear();
        self.resets.clear();
    }

    fn delay_for(&mut self, attempt: u32) -> Duration {
        let factor = 2u32.checked_pow(attempt).unwrap_or(u32::MAX);
        let base = self.policy.initial.saturating_mul(factor).min(self.policy.max);
        let cut = base.mul_f64(self.policy.jitter * self.rng.next_unit());
        base.saturating_sub(cut)
    }
}

/// Drops the instants that are `window` or more before `now` (the oldest come first).
fn prune(instants: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while instants.front().is_some_and(|&oldest| now.saturating_duration_since(oldest) >= window) {
        instants.pop_front();
    }
}

/// A tiny, well-known generator (Steele et al.); plenty for jitter and avoids a dependency.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn policy(jitter: f64) -> BackoffPolicy {
        BackoffPolicy {
            initial: ms(100),
            max: ms(1_000),
            jitter,
            stable_after: Duration::from_secs(60),
            max_restarts: 100,
            window: Duration::from_secs(600),
            max_resets: 3,
        }
    }

    fn retry(d: RestartDecision) -> Duration {
        match d {
            RestartDecision::Retry(d) => d,
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn doubles_then_caps_without_jitter() {
        let mut b = Backoff::new(policy(0.0), 7).unwrap();
        let t0 = Instant::now();
        let delays: Vec<u64> = (0..7).map(|i| retry(b.on_failure(t0 + ms(i))).as_millis() as u64).collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1_000, 1_000, 1_000]);
    }

    #[test]
    fn huge_attempt_counts_stay_capped() {
        let mut b = Backoff::new(policy(0.0), 1).unwrap();
        let t0 = Instant::now();
        let last = (0..80).map(|i| retry(b.on_failure(t0 + ms(i)))).last().unwrap();
        assert_eq!(last, ms(1_000));
    }

    #[test]
    fn jitter_stays_within_bounds_and_varies() {
        let mut b = Backoff::new(policy(0.5), 42).unwrap();
        let t0 = Instant::now();
        let mut seen = Vec::new();
        for i in 0..100u32 {
            let d = retry(b.on_failure(t0 + ms(u64::from(i))));
            let base = ms(100).saturating_mul(2u32.saturating_pow(i)).min(ms(1_000));
            assert!(d <= base && d >= base / 2, "attempt {i}: {d:?} outside [{:?}, {base:?}]", base / 2);
            seen.push(d);
        }
        let capped: Vec<_> = seen[10..].to_vec();
        assert!(capped.iter().any(|d| *d != capped[0]), "jitter produced identical delays");
    }

    #[test]
    fn same_seed_same_sequence_other_seed_differs() {
        let t0 = Instant::now();
        let run = |seed| {
            let mut b = Backoff::new(policy(0.5), seed).unwrap();
            (0..10).map(|i| retry(b.on_failure(t0 + ms(i)))).collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn resets_after_stable_period() {
        let mut b = Backoff::new(policy(0.0), 0).unwrap();
        let t0 = Instant::now();
        assert_eq!(retry(b.on_failure(t0)), ms(100));
        assert_eq!(retry(b.on_failure(t0 + ms(500))), ms(200));
        // 59.9 s later: not yet stable, keeps doubling.
        assert_eq!(retry(b.on_failure(t0 + ms(60_400))), ms(400));
        // 60 s after the previous failure: back to the initial delay.
        assert_eq!(retry(b.on_failure(t0 + ms(120_400))), ms(100));
        b.reset();
        assert_eq!(retry(b.on_failure(t0 + ms(120_401))), ms(100));
    }

    #[test]
    fn a_recovery_restarts_the_doubling_at_once() {
        let mut b = Backoff::new(policy(0.0), 0).unwrap();
        let t0 = Instant::now();
        assert_eq!(retry(b.on_failure(t0)), ms(100));
        assert_eq!(retry(b.on_failure(t0 + ms(300))), ms(200));
        assert_eq!(retry(b.on_failure(t0 + ms(700))), ms(400));
        // Back up 1 s later, then down again 1 s after that: far inside `stable_after`, still the first delay.
        assert!(b.on_recovered(t0 + ms(1_700)));
        assert_eq!(retry(b.on_failure(t0 + ms(2_700))), ms(100));
        assert_eq!(retry(b.on_failure(t0 + ms(2_900))), ms(200));
    }

    #[test]
    fn recoveries_past_the_cap_do_not_reset_until_they_leave_the_window() {
        let p = BackoffPolicy { window: Duration::from_secs(10), ..policy(0.0) };
        let mut b = Backoff::new(p, 0).unwrap();
        let t0 = Instant::now();
        // A peer that accepts, acknowledges and drops at once: three quick cycles are forgiven...
        for i in 0..3 {
            let at = t0 + ms(200 * i);
            assert_eq!(retry(b.on_failure(at)), ms(100), "cycle {i}");
            assert!(b.on_recovered(at + ms(150)), "cycle {i}");
        }
        // ...the fourth recovery is not, so the delays double again.
        assert_eq!(retry(b.on_failure(t0 + ms(600))), ms(100));
        assert!(!b.on_recovered(t0 + ms(750)));
        assert_eq!(retry(b.on_failure(t0 + ms(800))), ms(200));
        assert!(!b.on_recovered(t0 + ms(1_100)));
        assert_eq!(retry(b.on_failure(t0 + ms(1_200))), ms(400));
        // 10 s after the first reset it has left the window: one reset is allowed again.
        assert!(b.on_recovered(t0 + ms(10_150)));
        assert_eq!(retry(b.on_failure(t0 + ms(10_200))), ms(100));
        assert!(!b.on_recovered(t0 + ms(10_300)));
        b.reset();
        assert!(b.on_recovered(t0 + ms(10_400)));
    }

    #[test]
    fn zero_max_resets_never_resets() {
        let mut b = Backoff::new(BackoffPolicy { max_resets: 0, ..policy(0.0) }, 0).unwrap();
        let t0 = Instant::now();
        assert_eq!(retry(b.on_failure(t0)), ms(100));
        assert!(!b.on_recovered(t0 + ms(500)));
        assert_eq!(retry(b.on_failure(t0 + ms(600))), ms(200));
    }

    #[test]
    fn escalates_after_max_restarts_in_window() {
        let p = BackoffPolicy { max_restarts: 3, window: Duration::from_secs(10), ..policy(0.0) };
        let mut b = Backoff::new(p, 0).unwrap();
        let t0 = Instant::now();
        for i in 0..3 {
            retry(b.on_failure(t0 + Duration::from_secs(i)));
        }
        assert_eq!(b.on_failure(t0 + Duration::from_secs(3)), RestartDecision::Escalate { restarts_in_window: 3 });
        // Once the first restarts leave the window, restarts are allowed again.
        // Restarts at 0 s and 1 s have left the window (restart at 2 s remains), so two more fit.
        assert_eq!(retry(b.on_failure(t0 + Duration::from_secs(11))), ms(800));
        assert_eq!(retry(b.on_failure(t0 + Duration::from_secs(11))), ms(1_000));
        assert_eq!(b.on_failure(t0 + Duration::from_secs(11)), RestartDecision::Escalate { restarts_in_window: 3 });
    }

    #[test]
    fn zero_max_restarts_escalates_at_once() {
        let mut b = Backoff::new(BackoffPolicy { max_restarts: 0, ..policy(0.0) }, 0).unwrap();
        assert_eq!(b.on_failure(Instant::now()), RestartDecision::Escalate { restarts_in_window: 0 });
    }

    #[test]
    fn refuses_bad_policies() {
        let bad = |p: BackoffPolicy| Backoff::new(p, 0).unwrap_err();
        assert_eq!(bad(BackoffPolicy { initial: Duration::ZERO, ..policy(0.0) }), BackoffError::ZeroInitial);
        assert_eq!(
            bad(BackoffPolicy { max: ms(50), ..policy(0.0) }),
            BackoffError::MaxBelowInitial { initial: ms(100), max: ms(50) }
        );
        assert_eq!(bad(policy(1.5)), BackoffError::JitterOutOfRange(1.5));
        assert_eq!(bad(policy(f64::NAN)).to_string(), "backoff jitter must be within 0.0..=1.0, got NaN");
        assert_eq!(bad(BackoffPolicy { window: Duration::ZERO, ..policy(0.0) }), BackoffError::ZeroWindow);
    }
}

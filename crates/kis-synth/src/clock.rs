//! Virtual time for the simulator: real elapsed time, scaled.
//!
//! Pure: the caller measures real elapsed time (e.g. `Instant::elapsed()` in the actor) and passes it in, so the
//! mapping itself is testable without sleeping.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use kis_calendar::{CalendarError, TradingCalendar};
use thiserror::Error;

/// Speeds accepted: real time up to a thousand times faster.
pub const SPEEDS: std::ops::RangeInclusive<u32> = 1..=1_000;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ClockError {
    #[error("speed {0}x is not supported: expected 1 to 1000")]
    Speed(u32),
    #[error("no next session: {0}")]
    Calendar(#[from] CalendarError),
}

/// Maps real time elapsed since the simulator started to virtual time: `virtual_start + elapsed × speed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VirtualClock {
    virtual_start: DateTime<Utc>,
    speed: u32,
}

impl VirtualClock {
    pub fn new(virtual_start: DateTime<Utc>, speed: u32) -> Result<VirtualClock, ClockError> {
        if !SPEEDS.contains(&speed) {
            return Err(ClockError::Speed(speed));
        }
        Ok(VirtualClock { virtual_start, speed })
    }

    /// A clock whose virtual time starts at the first session open strictly after `after`: a simulator started
    /// in the evening begins with the next morning's open instead of idling through the night.
    pub fn at_next_open(
        calendar: &dyn TradingCalendar,
        after: DateTime<Utc>,
        speed: u32,
    ) -> Result<VirtualClock, ClockError> {
        let open = calendar.next_open(after)?;
        VirtualClock::new(open, speed)
    }

    pub fn virtual_start(&self) -> DateTime<Utc> {
        self.virtual_start
    }

    pub fn speed(&self) -> u32 {
        self.speed
    }

    /// Virtual time after `real_elapsed`; saturates at chrono's last instant instead of overflowing.
    pub fn virtual_at(&self, real_elapsed: Duration) -> DateTime<Utc> {
        let scaled = real_elapsed.as_nanos().saturating_mul(u128::from(self.speed));
        let delta = i64::try_from(scaled).map(TimeDelta::nanoseconds).unwrap_or(TimeDelta::MAX);
        self.virtual_start.checked_add_signed(delta).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Real time elapsed (since the start) at which virtual time reaches `at`: what to sleep until. Zero for a
    /// time at or before the start; rounded up so that `virtual_at(real_at(t)) >= t`.
    pub fn real_at(&self, at: DateTime<Utc>) -> Duration {
        let delta = at.signed_duration_since(self.virtual_start);
        let Some(nanos) = delta.num_nanoseconds() else {
            return if delta > TimeDelta::zero() { Duration::MAX } else { Duration::ZERO };
        };
        if nanos <= 0 {
            return Duration::ZERO;
        }
        let real = (nanos as u128).div_ceil(u128::from(self.speed));
        Duration::from_nanos(u64::try_from(real).unwrap_or(u64::MAX))
    }

    /// The same speed, re-anchored so that `virtual_at(real_elapsed)` is `virtual_now`: used to skip a closed
    /// market (jump to the next open) without restarting the real-time measurement.
    pub fn rebased(&self, real_elapsed: Duration, virtual_now: DateTime<Utc>) -> VirtualClock {
        let scaled = real_elapsed.as_nanos().saturating_mul(u128::from(self.speed));
        let delta = i64::try_from(scaled).map(TimeDelta::nanoseconds).unwrap_or(TimeDelta::MAX);
        let start = virtual_now.checked_sub_signed(delta).unwrap_or(DateTime::<Utc>::MIN_UTC);
        VirtualClock { virtual_start: start, speed: self.speed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kis_calendar::KrxCalendar;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn scales_elapsed_time() {
        let c = VirtualClock::new(t("2026-03-03T00:00:00Z"), 60).unwrap();
        assert_eq!(c.virtual_at(Duration::ZERO), t("2026-03-03T00:00:00Z"));
        assert_eq!(c.virtual_at(Duration::from_secs(1)), t("2026-03-03T00:01:00Z"));
        assert_eq!(c.virtual_at(Duration::from_millis(1_500)), t("2026-03-03T00:01:30Z"));
        assert_eq!(c.real_at(t("2026-03-03T00:01:30Z")), Duration::from_millis(1_500));
        assert_eq!(c.real_at(t("2026-03-02T00:00:00Z")), Duration::ZERO);
        // 1 ns of virtual time at 60x needs a (rounded up) 1 ns of real time.
        assert_eq!(c.real_at(t("2026-03-03T00:00:00.000000001Z")), Duration::from_nanos(1));
        assert_eq!(c.virtual_at(Duration::MAX), DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn speeds_outside_the_range_are_refused() {
        assert_eq!(VirtualClock::new(DateTime::UNIX_EPOCH, 0), Err(ClockError::Speed(0)));
        assert_eq!(VirtualClock::new(DateTime::UNIX_EPOCH, 1_001), Err(ClockError::Speed(1_001)));
        assert_eq!(VirtualClock::new(DateTime::UNIX_EPOCH, 1_000).map(|c| c.speed()), Ok(1_000));
    }

    #[test]
    fn starts_at_next_open_and_rebases() {
        let krx = KrxCalendar::shipped().unwrap();
        // Friday evening before Seollal (2026-02-16..18 closed): next open is Thursday 2026-02-19 09:00 KST.
        let c = VirtualClock::at_next_open(&krx, t("2026-02-13T12:00:00Z"), 10).unwrap();
        assert_eq!(c.virtual_start(), t("2026-02-19T00:00:00Z"));
        let r = c.rebased(Duration::from_secs(30), t("2026-02-20T00:00:00Z"));
        assert_eq!(r.virtual_at(Duration::from_secs(30)), t("2026-02-20T00:00:00Z"));
        assert_eq!(r.virtual_at(Duration::from_secs(31)), t("2026-02-20T00:00:10Z"));
        let far = VirtualClock::at_next_open(&krx, t("2027-12-31T12:00:00Z"), 1);
        assert!(matches!(far, Err(ClockError::Calendar(CalendarError::OutOfRange { .. }))));
    }
}

//! The bookkeeping of frames that could not be read: a broken channel is logged once per kind of failure,
//! then once a minute with its count. The conversion itself is kis-protocol's `ws::market_events`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How often a kind of failure that keeps happening is logged again (with its count).
const RELOG_AFTER: Duration = Duration::from_secs(60);

/// Counts failures per kind and decides which to log: the first of each kind, then one a minute with the
/// count, so a broken channel cannot flood the log.
#[derive(Debug, Default)]
pub struct FailureLog {
    kinds: HashMap<&'static str, (u64, Option<Instant>)>,
}

impl FailureLog {
    /// Records one failure of `kind` at `now`; returns the count so far when this one should be logged.
    pub fn note(&mut self, kind: &'static str, now: Instant) -> Option<u64> {
        let (count, logged) = self.kinds.entry(kind).or_insert((0, None));
        *count += 1;
        match logged {
            Some(at) if now.saturating_duration_since(*at) < RELOG_AFTER => None,
            _ => {
                *logged = Some(now);
                Some(*count)
            }
        }
    }

    pub fn count(&self, kind: &str) -> u64 {
        self.kinds.get(kind).map_or(0, |(n, _)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_log_logs_the_first_then_once_a_minute() {
        let mut log = FailureLog::default();
        let t0 = Instant::now();
        assert_eq!(log.note("bad_header", t0), Some(1));
        assert_eq!(log.note("bad_header", t0 + Duration::from_secs(1)), None);
        assert_eq!(log.note("uneven_records", t0 + Duration::from_secs(1)), Some(1));
        assert_eq!(log.note("bad_header", t0 + Duration::from_secs(59)), None);
        assert_eq!(log.note("bad_header", t0 + Duration::from_secs(61)), Some(4));
        assert_eq!((log.count("bad_header"), log.count("never")), (4, 0));
    }
}

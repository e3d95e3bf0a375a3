//! Faults the simulator can inject, from config (at fixed real times) or from the admin endpoint, so that
//! later issues can prove the client recovers from each.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Close every WebSocket session (with a close frame).
    CloseWs,
    /// Drop every WebSocket session's TCP stream without a close frame.
    DropWs,
    /// Send nothing (no data, no PINGPONG) for `ms`.
    StallWs { ms: u64 },
    /// Send one text frame of garbage to every session.
    GarbageWs,
    /// Send one data frame cut short to every session.
    TruncatedWs,
    /// The next `count` REST calls answer HTTP 500 with an empty body.
    Rest500 { count: u32 },
    /// The next `count` REST calls answer `EGW00201`.
    RateLimitBurst { count: u32 },
    /// The next `count` REST calls are delayed by `ms`.
    SlowRest { ms: u64, count: u32 },
    /// Every issued access token becomes invalid (`EGW00121`).
    RevokeTokens,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledFault {
    /// Real milliseconds after start.
    pub after_ms: u64,
    pub fault: Fault,
}

/// What a REST call must suffer before it is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestFault {
    None,
    Http500,
    RateLimit,
    Delay(Duration),
}

/// Pending REST faults and the WebSocket stall deadline.
#[derive(Debug, Default)]
pub struct FaultState {
    http500: u32,
    rate_limit: u32,
    slow: u32,
    slow_by: Duration,
    pub(crate) stall_until: Option<Instant>,
    /// Counters for the status endpoint.
    pub(crate) injected: u64,
}

impl FaultState {
    /// Takes the fault (if any) the next REST call suffers; 500s first, then rate limits, then delays.
    pub fn next_rest(&mut self) -> RestFault {
        if self.http500 > 0 {
            self.http500 -= 1;
            RestFault::Http500
        } else if self.rate_limit > 0 {
            self.rate_limit -= 1;
            RestFault::RateLimit
        } else if self.slow > 0 {
            self.slow -= 1;
            RestFault::Delay(self.slow_by)
        } else {
            RestFault::None
        }
    }

    pub fn arm_rest(&mut self, fault: &Fault) {
        match *fault {
            Fault::Rest500 { count } => self.http500 = self.http500.saturating_add(count),
            Fault::RateLimitBurst { count } => self.rate_limit = self.rate_limit.saturating_add(count),
            Fault::SlowRest { ms, count } => {
                self.slow = self.slow.saturating_add(count);
                self.slow_by = Duration::from_millis(ms);
            }
            _ => {}
        }
    }

    pub fn stalled(&self, now: Instant) -> bool {
        self.stall_until.is_some_and(|until| now < until)
    }
}

/// Applies a fault to the running simulator.
pub fn apply_fault(ex: &mut crate::exchange::Exchange, fault: &Fault) {
    ex.faults.injected += 1;
    tracing::info!(?fault, "injecting fault");
    match fault {
        Fault::CloseWs => {
            for id in ex.ws.ids() {
                ex.ws.close_with_frame(id);
            }
        }
        Fault::DropWs => {
            for id in ex.ws.ids() {
                ex.ws.close(id);
            }
        }
        Fault::StallWs { ms } => {
            ex.faults.stall_until = Some(Instant::now() + Duration::from_millis(*ms));
        }
        Fault::GarbageWs => {
            for id in ex.ws.ids() {
                ex.ws.send_text(id, "\u{1}garbage|not a KIS frame^^^");
            }
        }
        Fault::TruncatedWs => {
            for id in ex.ws.ids() {
                ex.ws.send_text(id, "0|H0STCNT0|002|005930^090001^7");
            }
        }
        Fault::Rest500 { .. } | Fault::RateLimitBurst { .. } | Fault::SlowRest { .. } => ex.faults.arm_rest(fault),
        Fault::RevokeTokens => ex.revoke_all_tokens(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_faults_are_consumed_in_order() {
        let mut f = FaultState::default();
        f.arm_rest(&Fault::Rest500 { count: 1 });
        f.arm_rest(&Fault::RateLimitBurst { count: 2 });
        f.arm_rest(&Fault::SlowRest { ms: 5, count: 1 });
        let seen: Vec<_> = (0..5).map(|_| f.next_rest()).collect();
        assert_eq!(
            seen,
            [
                RestFault::Http500,
                RestFault::RateLimit,
                RestFault::RateLimit,
                RestFault::Delay(Duration::from_millis(5)),
                RestFault::None
            ]
        );
        let parsed: Fault = serde_json::from_str(r#"{"kind":"stall_ws","ms":250}"#).unwrap();
        assert_eq!(parsed, Fault::StallWs { ms: 250 });
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"melt"}"#).is_err());
    }
}

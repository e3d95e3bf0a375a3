//! Faults the simulator can inject, from config (at fixed real times) or from the admin endpoint, so that
//! later issues can prove the client recovers from each.

use std::collections::VecDeque;
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
    /// The next `count` order POSTs are executed (the order exists at the broker), then the connection is
    /// dropped before any byte of the reply is written: the reply KIS would have sent is lost.
    ExecuteDropReply { count: u32 },
    /// The next `count` order POSTs are executed, and their reply is held `ms` (past a client's timeout).
    ExecuteLateReply { ms: u64, count: u32 },
    /// The next `count` order POSTs are read in full, then the connection is dropped without executing them.
    DropBeforeExecute { count: u32 },
    /// The next `count` order POSTs have their connection dropped while the body is being read (at most its
    /// first chunk is read, nothing is decoded), and are not executed.
    DropMidBody { count: u32 },
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

/// What an order POST (domestic order-cash and order-rvsecncl, overseas order and order-rvsecncl) must
/// suffer at the order boundary, after any [`RestFault`]; see the `Fault` kinds of the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFault {
    None,
    ExecuteDropReply,
    ExecuteLateReply(Duration),
    DropBeforeExecute,
    DropMidBody,
}

/// Pending REST faults and the WebSocket stall deadline.
#[derive(Debug, Default)]
pub struct FaultState {
    http500: u32,
    rate_limit: u32,
    slow: u32,
    slow_by: Duration,
    /// Order faults in the order they were armed, each with the order POSTs it still applies to.
    orders: VecDeque<(OrderFault, u32)>,
    pub(crate) stall_until: Option<Instant>,
    /// Counters for the status endpoint.
    pub(crate) injected: u64,
    /// Order POSTs an order fault was applied to.
    orders_hit: u64,
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

    /// Queues an order fault behind those already armed (a count of 0 arms nothing).
    pub fn arm_order(&mut self, fault: &Fault) {
        let (kind, count) = match *fault {
            Fault::ExecuteDropReply { count } => (OrderFault::ExecuteDropReply, count),
            Fault::ExecuteLateReply { ms, count } => (OrderFault::ExecuteLateReply(Duration::from_millis(ms)), count),
            Fault::DropBeforeExecute { count } => (OrderFault::DropBeforeExecute, count),
            Fault::DropMidBody { count } => (OrderFault::DropMidBody, count),
            _ => return,
        };
        if count > 0 {
            self.orders.push_back((kind, count));
        }
    }

    /// Takes the fault (if any) the next order POST suffers: the oldest armed one, one order at a time.
    pub fn next_order(&mut self) -> OrderFault {
        let Some((kind, left)) = self.orders.front_mut() else { return OrderFault::None };
        let kind = *kind;
        self.orders_hit += 1;
        *left -= 1;
        if *left == 0 {
            self.orders.pop_front();
        }
        kind
    }

    /// Forgets every armed REST and order fault and ends a stall (the counter of injected faults stays): the
    /// end of a fault schedule, after which the client must settle on a healthy exchange.
    pub fn clear_pending(&mut self) {
        *self = FaultState { injected: self.injected, orders_hit: self.orders_hit, ..FaultState::default() };
    }

    /// How many order POSTs suffered an order fault so far.
    pub fn orders_hit(&self) -> u64 {
        self.orders_hit
    }

    pub fn stalled(&self, now: Instant) -> bool {
        self.stall_until.is_some_and(|until| now < until)
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

    #[test]
    fn order_faults_apply_to_their_count_of_orders_in_arming_order() {
        let mut f = FaultState::default();
        f.arm_order(&Fault::ExecuteDropReply { count: 2 });
        f.arm_order(&Fault::DropMidBody { count: 0 });
        f.arm_order(&Fault::ExecuteLateReply { ms: 12_000, count: 1 });
        f.arm_order(&Fault::DropBeforeExecute { count: 1 });
        f.arm_order(&Fault::DropMidBody { count: 1 });
        // REST faults and order faults are separate queues: arming one does not touch the other.
        f.arm_order(&Fault::Rest500 { count: 3 });
        f.arm_rest(&Fault::DropBeforeExecute { count: 3 });
        let seen: Vec<_> = (0..6).map(|_| f.next_order()).collect();
        assert_eq!(
            seen,
            [
                OrderFault::ExecuteDropReply,
                OrderFault::ExecuteDropReply,
                OrderFault::ExecuteLateReply(Duration::from_millis(12_000)),
                OrderFault::DropBeforeExecute,
                OrderFault::DropMidBody,
                OrderFault::None,
            ]
        );
        assert_eq!(f.next_rest(), RestFault::None);
        assert_eq!(f.orders_hit(), 5);
        f.arm_order(&Fault::DropMidBody { count: 5 });
        f.arm_rest(&Fault::Rest500 { count: 5 });
        f.injected = 7;
        f.clear_pending();
        assert_eq!((f.next_order(), f.next_rest(), f.injected), (OrderFault::None, RestFault::None, 7));
    }

    #[test]
    fn order_faults_parse_from_config_and_admin_json() {
        let parsed: Fault = serde_json::from_str(r#"{"kind":"execute_late_reply","ms":12000,"count":2}"#).unwrap();
        assert_eq!(parsed, Fault::ExecuteLateReply { ms: 12_000, count: 2 });
        let parsed: Fault = serde_json::from_str(r#"{"kind":"drop_mid_body","count":1}"#).unwrap();
        assert_eq!(parsed, Fault::DropMidBody { count: 1 });
        // The count is required: an order fault without one is a typo, not "forever" or "once".
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"execute_drop_reply"}"#).is_err());
        let cfg = crate::SimConfig::from_toml(
            "[[faults]]\nafter_ms = 500\nfault = { kind = \"drop_before_execute\", count = 3 }\n",
            std::path::Path::new("sim.toml"),
        )
        .unwrap();
        assert_eq!(cfg.faults, [ScheduledFault { after_ms: 500, fault: Fault::DropBeforeExecute { count: 3 } }]);
    }
}

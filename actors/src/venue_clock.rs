//! The venue's clock. Journal times, reconciliation windows, holding times and the daily shutdown are judged
//! in the time of the market the daemon trades on: real time against KIS, the simulator's accelerated virtual
//! time against the embedded simulator (whose order times are virtual). Market events carry their own times.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct VenueClock {
    now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    speed: f64,
}

impl VenueClock {
    /// The wall clock (KIS paper and real).
    pub fn system() -> VenueClock {
        VenueClock { now: Arc::new(Utc::now), speed: 1.0 }
    }

    /// Any other time source (the embedded simulator's virtual clock, a test's fixed instant), at real speed
    /// unless [`with_speed`](Self::with_speed) says otherwise.
    pub fn from_fn(f: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> VenueClock {
        VenueClock { now: Arc::new(f), speed: 1.0 }
    }

    /// How many venue seconds pass per real second (the simulator's speed). Real-time limits that are
    /// compared with venue times — the client's timeout against the broker's order times — are scaled by it.
    pub fn with_speed(mut self, speed: f64) -> VenueClock {
        self.speed = if speed.is_finite() && speed >= 1.0 { speed } else { 1.0 };
        self
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }
}

impl fmt::Debug for VenueClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VenueClock({}, {}x)", self.now(), self.speed)
    }
}

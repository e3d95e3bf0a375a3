//! The venue's clock. Journal times, reconciliation windows, holding times and the daily shutdown are judged
//! in the time of the market the daemon trades on: real time against KIS, the simulator's accelerated virtual
//! time against the embedded simulator (whose order times are virtual). Market events carry their own times.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct VenueClock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl VenueClock {
    /// The wall clock (KIS paper and real).
    pub fn system() -> VenueClock {
        VenueClock(Arc::new(Utc::now))
    }

    /// Any other time source (the embedded simulator's virtual clock, a test's fixed instant).
    pub fn from_fn(f: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> VenueClock {
        VenueClock(Arc::new(f))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl fmt::Debug for VenueClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VenueClock({})", self.now())
    }
}

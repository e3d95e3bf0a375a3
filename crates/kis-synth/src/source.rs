//! The interface the simulator and the backtester drive: a synthetic market and a recording replay alike.

use chrono::{DateTime, Utc};
use kis_model::MarketEvent;

/// Something that produces market events as virtual time advances.
pub trait MarketSource {
    type Error: std::error::Error;

    /// Delivers every event with a time at or before `ts` to `sink`, in time order, and makes `ts` the current
    /// time. Calling it with a time at or before [`now`](Self::now) delivers nothing new.
    fn advance_to(&mut self, ts: DateTime<Utc>, sink: &mut impl FnMut(&MarketEvent)) -> Result<(), Self::Error>;

    /// The time the source has been advanced to.
    fn now(&self) -> DateTime<Utc>;

    /// When the next event is due, so a driver can sleep (or jump) until then; `None` when nothing is left.
    fn next_event_at(&self) -> Option<DateTime<Utc>>;
}

//! The router's REST lane: one call to KIS at a time (an order POST, a cancel, a modify, a read of the broker's lists),
//! so order numbers follow creation order and no second order on a symbol can overtake one whose outcome is
//! unknown. Its state is one value with one transition function (the shape of NautilusTrader's
//! `OrderStatus::transition`: a match on (state, event), an error for anything else), and what it does next is a
//! pure priority over what is waiting. The actor only performs the work and reports how it ended.

use std::fmt;
use std::time::Instant;

use kis_model::ClientOrderId;
use thiserror::Error;

/// Why the lane is reading the broker's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Reconcile before the first order (orders and holdings).
    StartUp,
    /// Settle unknown outcomes.
    Evidence,
    /// Fills and cancellations the notices may have missed.
    CatchUp,
}

/// One call on the lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Send(ClientOrderId),
    Cancel(ClientOrderId),
    Modify(ClientOrderId),
    Read(Read),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Not reconciled with the broker yet: nothing is sent. Start-up is tried again not before `retry_at`.
    StartingUp { retry_at: Option<Instant> },
    /// Reconciled, nothing on the wire.
    Idle,
    /// A call is out; nothing else starts until it ends.
    Busy(Work),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneEvent {
    Begin(Work),
    /// The call ended (whatever its outcome) and did not change whether the lane is reconciled.
    Finished,
    /// The start-up read was applied: orders may go out.
    Reconciled,
    /// The journal could not be opened, or the start-up read failed: try again at `retry_at`.
    StartUpFailed {
        retry_at: Instant,
    },
}

/// A transition the lane does not have: a bug in the actor, never a state to carry on from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("order lane: {event:?} is not possible while {from}")]
pub struct LaneError {
    pub from: Lane,
    pub event: LaneEvent,
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lane::StartingUp { .. } => f.write_str("starting up"),
            Lane::Idle => f.write_str("idle"),
            Lane::Busy(work) => write!(f, "busy with {work:?}"),
        }
    }
}

impl Lane {
    pub fn new() -> Lane {
        Lane::StartingUp { retry_at: None }
    }

    pub fn transition(self, event: LaneEvent) -> Result<Lane, LaneError> {
        use LaneEvent as E;
        match (self, event) {
            (Lane::StartingUp { .. }, E::Begin(Work::Read(Read::StartUp))) => Ok(Lane::Busy(Work::Read(Read::StartUp))),
            (Lane::StartingUp { .. }, E::StartUpFailed { retry_at }) => {
                Ok(Lane::StartingUp { retry_at: Some(retry_at) })
            }
            (Lane::Busy(Work::Read(Read::StartUp)), E::Reconciled) => Ok(Lane::Idle),
            (Lane::Busy(Work::Read(Read::StartUp)), E::StartUpFailed { retry_at }) => {
                Ok(Lane::StartingUp { retry_at: Some(retry_at) })
            }
            (Lane::Idle, E::Begin(work)) if work != Work::Read(Read::StartUp) => Ok(Lane::Busy(work)),
            (Lane::Busy(work), E::Finished) if work != Work::Read(Read::StartUp) => Ok(Lane::Idle),
            (from, event) => Err(LaneError { from, event }),
        }
    }

    /// Reconciled: orders, cancels and notices are handled, not held back.
    pub fn is_ready(&self) -> bool {
        !matches!(self, Lane::StartingUp { .. } | Lane::Busy(Work::Read(Read::StartUp)))
    }

    pub fn is_busy(&self) -> bool {
        matches!(self, Lane::Busy(_))
    }

    /// The intent whose order POST is out.
    pub fn sending(&self) -> Option<ClientOrderId> {
        match self {
            Lane::Busy(Work::Send(id)) => Some(*id),
            _ => None,
        }
    }
}

impl Default for Lane {
    fn default() -> Lane {
        Lane::new()
    }
}

/// What waits for the lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Waiting {
    pub cancels: bool,
    pub modifies: bool,
    pub evidence_due: bool,
    pub orders: bool,
    pub catch_up: bool,
}

/// The kind of the next call; the actor takes the particular order or cancel from its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    StartUp,
    Cancel,
    Modify,
    Evidence,
    Send,
    CatchUp,
}

/// The next call, if the lane is free for one. Cancels first (they only ever reduce exposure, and a protective
/// exit waits for them), then modifies (a protective sell chasing a falling price), then the read that settles
/// unknown outcomes (their symbols take no order until it has), then new orders, then the routine catch-up.
pub fn next(lane: &Lane, now: Instant, waiting: Waiting) -> Option<Next> {
    match lane {
        Lane::StartingUp { retry_at } => retry_at.is_none_or(|t| now >= t).then_some(Next::StartUp),
        Lane::Busy(_) => None,
        Lane::Idle if waiting.cancels => Some(Next::Cancel),
        Lane::Idle if waiting.modifies => Some(Next::Modify),
        Lane::Idle if waiting.evidence_due => Some(Next::Evidence),
        Lane::Idle if waiting.orders => Some(Next::Send),
        Lane::Idle if waiting.catch_up => Some(Next::CatchUp),
        Lane::Idle => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const ID: ClientOrderId = ClientOrderId(7);

    #[test]
    fn start_up_until_reconciled_then_one_call_at_a_time() {
        let t0 = Instant::now();
        let lane = Lane::new();
        assert!(!lane.is_ready());
        let lane = lane.transition(LaneEvent::StartUpFailed { retry_at: t0 + Duration::from_secs(1) }).unwrap();
        assert_eq!(next(&lane, t0, Waiting::default()), None, "not before retry_at");
        assert_eq!(next(&lane, t0 + Duration::from_secs(1), Waiting::default()), Some(Next::StartUp));
        let lane = lane.transition(LaneEvent::Begin(Work::Read(Read::StartUp))).unwrap();
        assert!(!lane.is_ready() && lane.is_busy());
        let lane = lane.transition(LaneEvent::Reconciled).unwrap();
        assert_eq!(lane, Lane::Idle);
        assert!(lane.is_ready());
        let lane = lane.transition(LaneEvent::Begin(Work::Send(ID))).unwrap();
        assert_eq!(lane.sending(), Some(ID));
        assert_eq!(next(&lane, t0, Waiting { cancels: true, ..Waiting::default() }), None, "busy");
        let err = lane.transition(LaneEvent::Begin(Work::Cancel(ID))).unwrap_err();
        assert_eq!(err.from, Lane::Busy(Work::Send(ID)));
        assert_eq!(lane.transition(LaneEvent::Finished).unwrap(), Lane::Idle);
    }

    #[test]
    fn a_failed_start_up_read_goes_back_to_starting_up() {
        let t0 = Instant::now();
        let lane = Lane::new().transition(LaneEvent::Begin(Work::Read(Read::StartUp))).unwrap();
        let lane = lane.transition(LaneEvent::StartUpFailed { retry_at: t0 }).unwrap();
        assert_eq!(lane, Lane::StartingUp { retry_at: Some(t0) });
        // A start-up read that merely "finished" would leave the lane unreconciled and free: refused.
        let busy = Lane::new().transition(LaneEvent::Begin(Work::Read(Read::StartUp))).unwrap();
        assert!(busy.transition(LaneEvent::Finished).is_err());
    }

    #[test]
    fn nothing_but_start_up_before_reconciliation() {
        for work in
            [Work::Send(ID), Work::Cancel(ID), Work::Modify(ID), Work::Read(Read::Evidence), Work::Read(Read::CatchUp)]
        {
            assert!(Lane::new().transition(LaneEvent::Begin(work)).is_err(), "{work:?}");
        }
        assert!(Lane::Idle.transition(LaneEvent::Begin(Work::Read(Read::StartUp))).is_err());
        assert!(Lane::Idle.transition(LaneEvent::Reconciled).is_err());
        assert!(Lane::Idle.transition(LaneEvent::Finished).is_err());
        let all = Waiting { cancels: true, modifies: true, evidence_due: true, orders: true, catch_up: true };
        assert_eq!(next(&Lane::new(), Instant::now(), all), Some(Next::StartUp));
    }

    #[test]
    fn cancels_then_modifies_then_evidence_then_orders_then_catch_up() {
        let now = Instant::now();
        let mut waiting = Waiting { cancels: true, modifies: true, evidence_due: true, orders: true, catch_up: true };
        let mut order = Vec::new();
        while let Some(n) = next(&Lane::Idle, now, waiting) {
            order.push(n);
            match n {
                Next::Cancel => waiting.cancels = false,
                Next::Modify => waiting.modifies = false,
                Next::Evidence => waiting.evidence_due = false,
                Next::Send => waiting.orders = false,
                Next::CatchUp => waiting.catch_up = false,
                Next::StartUp => unreachable!("reconciled"),
            }
        }
        assert_eq!(order, [Next::Cancel, Next::Modify, Next::Evidence, Next::Send, Next::CatchUp]);
    }
}

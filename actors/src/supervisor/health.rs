//! What the supervisor knows about each child, the messages children use to report, and the health line format.

use std::fmt;
use std::time::{Duration, Instant};

use actix::prelude::*;

/// Lifecycle of a supervised child as the supervisor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorState {
    Running,
    /// Failed; a restart is scheduled after the backoff delay.
    Restarting,
    /// No heartbeat within the stuck timeout.
    Stuck,
    /// Mailbox closed: the actor stopped or a handler panicked (actix does not restart a panicked actor).
    Dead,
    /// Restarted too often; left down until an operator intervenes.
    Escalated,
}

impl ActorState {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorState::Running => "running",
            ActorState::Restarting => "restarting",
            ActorState::Stuck => "stuck",
            ActorState::Dead => "dead",
            ActorState::Escalated => "escalated",
        }
    }
}

impl fmt::Display for ActorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActorHealth {
    pub state: ActorState,
    /// Restarts since registration.
    pub restarts: u32,
    /// When the last heartbeat arrived (or the child was (re)started, which counts as one).
    pub last_heartbeat: Instant,
    /// Queue length the child reported in its last heartbeat.
    pub mailbox_len: usize,
    /// When the child last handled a message of its own, as it reported; `None` before the first.
    pub last_msg_at: Option<Instant>,
}

impl ActorHealth {
    pub fn fresh(now: Instant) -> ActorHealth {
        ActorHealth { state: ActorState::Running, restarts: 0, last_heartbeat: now, mailbox_len: 0, last_msg_at: None }
    }

    /// The periodic health line, e.g. `actor=ws_feed state=running restarts=0 mailbox=3 last_msg=0.2s`.
    pub fn line<'a>(&'a self, name: &'a str, now: Instant) -> HealthLine<'a> {
        HealthLine { name, health: self, now }
    }
}

pub struct HealthLine<'a> {
    name: &'a str,
    health: &'a ActorHealth,
    now: Instant,
}

impl fmt::Display for HealthLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.health;
        write!(f, "actor={} state={} restarts={} mailbox={} last_msg=", self.name, h.state, h.restarts, h.mailbox_len)?;
        match h.last_msg_at {
            Some(at) => write!(f, "{:.1}s", self.now.saturating_duration_since(at).as_secs_f64()),
            None => f.write_str("none"),
        }
    }
}

/// Why a running child needs a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Dead,
    Stuck,
}

/// Judges a child at `now`. Only running children are judged: the others already have a restart (or an
/// escalation) under way. A closed mailbox wins over a late heartbeat because it is certain.
pub fn assess(health: &ActorHealth, connected: bool, now: Instant, stuck_after: Duration) -> Option<Fault> {
    if health.state != ActorState::Running {
        return None;
    }
    if !connected {
        return Some(Fault::Dead);
    }
    if now.saturating_duration_since(health.last_heartbeat) > stuck_after {
        return Some(Fault::Stuck);
    }
    None
}

/// Sent by every supervised child on a timer with `do_send`: proof of life plus load figures.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Heartbeat {
    pub name: String,
    pub mailbox_len: usize,
    pub last_msg_at: Option<Instant>,
}

/// Asks a child to stop (`ctx.stop()`); every supervised child handles it. The supervisor sends it to a stuck
/// child before starting its replacement, and to all children when the supervisor itself stops.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Shutdown;

/// Stands in for a child whose factory could not build it (a setting refused after start-up checks): it
/// logs why and stops at once, so the supervisor sees a dead child, backs off, retries and finally escalates
/// instead of the whole daemon panicking.
pub struct FailedChild {
    name: String,
    error: String,
}

impl FailedChild {
    pub fn start(name: &str, error: impl std::fmt::Display) -> Recipient<Shutdown> {
        FailedChild { name: name.to_string(), error: error.to_string() }.start().recipient()
    }
}

impl Actor for FailedChild {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        tracing::error!(actor = %self.name, error = %self.error, "actor cannot be built");
        ctx.stop();
    }
}

impl Handler<Shutdown> for FailedChild {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

/// An actor built with an optional `with_heartbeat(reporter, interval)`: [`start_heartbeat`] does the rest.
pub trait Beating: Actor<Context = Context<Self>> {
    fn heartbeat(&self) -> Option<&(HeartbeatReporter, Duration)>;

    /// The queue length sent with each beat; 0 for actors that keep no queue of their own.
    fn load(&self) -> usize {
        0
    }
}

/// Starts the actor's beats (call from `started`); nothing when it has no heartbeat configured.
pub fn start_heartbeat<A: Beating>(actor: &A, ctx: &mut Context<A>) {
    if let Some((_, interval)) = actor.heartbeat() {
        ctx.run_interval(*interval, |act, _| {
            if let Some((reporter, _)) = act.heartbeat() {
                reporter.beat(act.load());
            }
        });
    }
}

/// A child's half of the health protocol: remembers when it last did work and sends heartbeats.
///
/// Call [`touch`](Self::touch) in the handlers that count as work and [`beat`](Self::beat) from a
/// `ctx.run_interval` registered in `started()` (shorter than the supervisor's stuck timeout).
#[derive(Debug, Clone)]
pub struct HeartbeatReporter {
    name: String,
    supervisor: Recipient<Heartbeat>,
    last_msg_at: Option<Instant>,
}

impl HeartbeatReporter {
    pub fn new(name: impl Into<String>, supervisor: Recipient<Heartbeat>) -> HeartbeatReporter {
        HeartbeatReporter { name: name.into(), supervisor, last_msg_at: None }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn touch(&mut self) {
        self.last_msg_at = Some(Instant::now());
    }

    pub fn beat(&self, mailbox_len: usize) {
        self.supervisor.do_send(Heartbeat { name: self.name.clone(), mailbox_len, last_msg_at: self.last_msg_at });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_line_format() {
        let t0 = Instant::now();
        let mut h = ActorHealth::fresh(t0);
        assert_eq!(h.line("ws_feed", t0).to_string(), "actor=ws_feed state=running restarts=0 mailbox=0 last_msg=none");
        h.mailbox_len = 3;
        h.last_msg_at = Some(t0);
        h.restarts = 2;
        assert_eq!(
            h.line("ws_feed", t0 + Duration::from_millis(200)).to_string(),
            "actor=ws_feed state=running restarts=2 mailbox=3 last_msg=0.2s"
        );
        h.state = ActorState::Escalated;
        assert_eq!(
            h.line("signal:005930", t0 + Duration::from_millis(12_340)).to_string(),
            "actor=signal:005930 state=escalated restarts=2 mailbox=3 last_msg=12.3s"
        );
    }

    #[test]
    fn assess_dead_stuck_and_healthy() {
        let t0 = Instant::now();
        let stuck_after = Duration::from_secs(5);
        let h = ActorHealth::fresh(t0);
        assert_eq!(assess(&h, true, t0 + Duration::from_secs(5), stuck_after), None);
        assert_eq!(assess(&h, true, t0 + Duration::from_millis(5_001), stuck_after), Some(Fault::Stuck));
        assert_eq!(assess(&h, false, t0, stuck_after), Some(Fault::Dead));
        assert_eq!(assess(&h, false, t0 + Duration::from_secs(60), stuck_after), Some(Fault::Dead));
        for state in [ActorState::Restarting, ActorState::Stuck, ActorState::Dead, ActorState::Escalated] {
            let h = ActorHealth { state, ..h };
            assert_eq!(assess(&h, false, t0 + Duration::from_secs(60), stuck_after), None, "{state}");
        }
    }
}

//! The supervisor: starts children through factories, watches their heartbeats and mailboxes, restarts dead
//! or stuck ones after a backoff delay, escalates repeated failures, and logs every child's health.
//!
//! actix's built-in `Supervisor` is not enough: it restarts only actors that stop themselves, in a hot loop,
//! and a panic inside a handler closes the mailbox for good. So every child is started by a [`Factory`]
//! that can be called again, and the supervisor polls `Recipient::connected()` plus the heartbeat age.

mod backoff;
mod health;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use actix::prelude::*;
use thiserror::Error;
use tracing::{error, info, warn};

pub use backoff::{Backoff, BackoffError, BackoffPolicy, RestartDecision};
pub use health::{
    ActorHealth, ActorState, Beating, FailedChild, Fault, HealthLine, Heartbeat, HeartbeatReporter, Shutdown, assess,
    start_heartbeat,
};

/// A supervisor check that runs this much later than its interval says its event loop was blocked.
pub const BLOCKED_WARNING: Duration = Duration::from_millis(100);

/// Starts (or restarts) one child and returns its control handle. Called once at registration and once per
/// restart; it must start a fresh actor every time.
pub type Factory = Box<dyn Fn() -> Recipient<Shutdown> + Send>;

/// A factory that may capture `!Send` state (the awc-based REST service, the token cache): registered with
/// [`Supervisor::add_child`] on the supervisor's own arbiter, before or while it is created, never sent.
pub type LocalFactory = Box<dyn Fn() -> Recipient<Shutdown>>;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum SupervisorError {
    #[error("an actor named {0:?} is already registered")]
    DuplicateName(String),
    #[error("supervisor check interval must be greater than zero")]
    ZeroCheckInterval,
    #[error("supervisor report interval must be greater than zero")]
    ZeroReportInterval,
    #[error("supervisor stuck timeout must be greater than zero")]
    ZeroStuckTimeout,
    #[error(transparent)]
    Backoff(#[from] BackoffError),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SupervisorConfig {
    /// How often mailboxes and heartbeat ages are checked.
    pub check_interval: Duration,
    /// How often the one-line-per-actor health report is logged.
    pub report_interval: Duration,
    /// A running child without a heartbeat for longer than this is stuck.
    pub stuck_after: Duration,
    pub backoff: BackoffPolicy,
    /// Jitter seed; child `i` (in registration order) uses `seed + i`. Pass clock-derived entropy in production
    /// and a constant in tests.
    pub seed: u64,
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        SupervisorConfig {
            check_interval: Duration::from_millis(500),
            report_interval: Duration::from_secs(30),
            stuck_after: Duration::from_secs(10),
            backoff: BackoffPolicy::default(),
            seed: 0,
        }
    }
}

impl SupervisorConfig {
    pub fn validate(&self) -> Result<(), SupervisorError> {
        if self.check_interval.is_zero() {
            return Err(SupervisorError::ZeroCheckInterval);
        }
        if self.report_interval.is_zero() {
            return Err(SupervisorError::ZeroReportInterval);
        }
        if self.stuck_after.is_zero() {
            return Err(SupervisorError::ZeroStuckTimeout);
        }
        self.backoff.validate()?;
        Ok(())
    }
}

/// Starts a child through `factory` and supervises it from then on.
#[derive(Message)]
#[rtype(result = "Result<(), SupervisorError>")]
pub struct Register {
    pub name: String,
    pub factory: Factory,
}

/// Stops a child for good (a symbol left the watchlist): it is sent `Shutdown` and forgotten, so its exit is
/// not taken for a crash. Answers whether the name was registered.
#[derive(Debug, Clone, Message)]
#[rtype(result = "bool")]
pub struct Unregister {
    pub name: String,
}

/// Stops the supervisor and, through its `stopped`, every child (each gets [`Shutdown`]). Nothing is restarted
/// after this.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct StopAll;

/// Snapshot of every child's health, sorted by name.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Vec<(String, ActorHealth)>")]
pub struct GetHealth;

/// Sent to the escalation recipient when a child failed too often: the daemon stops trading and notifies.
#[derive(Debug, Clone, PartialEq, Eq, Message)]
#[rtype(result = "()")]
pub struct Escalation {
    pub name: String,
    pub restarts: u32,
    pub restarts_in_window: u32,
}

struct Child {
    factory: LocalFactory,
    handle: Recipient<Shutdown>,
    health: ActorHealth,
    backoff: Backoff,
}

impl Child {
    fn set_state(&mut self, name: &str, state: ActorState) {
        let was = self.health.state;
        if was == state {
            return;
        }
        self.health.state = state;
        let restarts = self.health.restarts;
        match state {
            ActorState::Running | ActorState::Restarting => {
                info!("actor={name} state={state} was={was} restarts={restarts}")
            }
            ActorState::Stuck | ActorState::Dead => warn!("actor={name} state={state} was={was} restarts={restarts}"),
            ActorState::Escalated => error!("actor={name} state={state} was={was} restarts={restarts}"),
        }
    }
}

pub struct Supervisor {
    config: SupervisorConfig,
    children: BTreeMap<String, Child>,
    escalation: Option<Recipient<Escalation>>,
    registered: u64,
    last_check: Option<Instant>,
}

impl Supervisor {
    pub fn new(config: SupervisorConfig) -> Result<Supervisor, SupervisorError> {
        config.validate()?;
        Ok(Supervisor::new_unchecked(config))
    }

    /// For a config already [validated](SupervisorConfig::validate) (inside `Supervisor::create`, where
    /// an error could not be returned).
    pub fn new_unchecked(config: SupervisorConfig) -> Supervisor {
        Supervisor { config, children: BTreeMap::new(), escalation: None, registered: 0, last_check: None }
    }

    /// Starts a child through `factory` and supervises it from then on: [`Register`] for factories that
    /// capture `!Send` state. Call it inside `Supervisor::create` so the factory can hand children the
    /// supervisor's address for their heartbeats.
    pub fn add_child(&mut self, name: impl Into<String>, factory: LocalFactory) -> Result<(), SupervisorError> {
        let name = name.into();
        if self.children.contains_key(&name) {
            return Err(SupervisorError::DuplicateName(name));
        }
        let backoff = Backoff::new(self.config.backoff, self.config.seed.wrapping_add(self.registered))?;
        self.registered = self.registered.wrapping_add(1);
        let handle = factory();
        info!("actor={name} state=running registered");
        let child = Child { factory, handle, health: ActorHealth::fresh(Instant::now()), backoff };
        self.children.insert(name, child);
        Ok(())
    }

    /// Where [`Escalation`]s go (the component that halts trading and notifies).
    pub fn with_escalation(mut self, recipient: Recipient<Escalation>) -> Supervisor {
        self.escalation = Some(recipient);
        self
    }

    fn check(&mut self, ctx: &mut Context<Self>) {
        let now = Instant::now();
        let stuck_after = self.config.stuck_after;
        // When this check itself ran late, the thread it shares with most children was blocked (a slow fsync,
        // a starved machine): their heartbeats could not run either, so silence proves nothing this time.
        if let Some(last) = self.last_check.replace(now) {
            let late = now.saturating_duration_since(last).saturating_sub(self.config.check_interval);
            if late > stuck_after / 2 {
                warn!(
                    "supervisor event loop was blocked for {:.1}s: heartbeats excused this round",
                    late.as_secs_f64()
                );
                for child in self.children.values_mut() {
                    child.health.last_heartbeat = child.health.last_heartbeat.max(now);
                }
                return;
            }
            // No event loop may ever be blocked: a shorter delay changes no verdict, but is said, so that
            // whatever held the thread (a disk sync, heavy work on an arbiter) is found before it grows.
            if late > BLOCKED_WARNING {
                warn!("supervisor event loop was blocked for {:.3}s", late.as_secs_f64());
            }
        }
        let faults: Vec<(String, Fault)> = self
            .children
            .iter()
            .filter_map(|(name, c)| {
                assess(&c.health, c.handle.connected(), now, stuck_after).map(|f| (name.clone(), f))
            })
            .collect();
        for (name, fault) in faults {
            self.on_fault(name, fault, now, ctx);
        }
    }

    fn on_fault(&mut self, name: String, fault: Fault, now: Instant, ctx: &mut Context<Self>) {
        let Some(child) = self.children.get_mut(&name) else { return };
        match fault {
            Fault::Dead => child.set_state(&name, ActorState::Dead),
            Fault::Stuck => {
                child.set_state(&name, ActorState::Stuck);
                // If it can still read its mailbox it goes away; if it cannot, its replacement runs beside it.
                child.handle.do_send(Shutdown);
            }
        }
        match child.backoff.on_failure(now) {
            RestartDecision::Retry(delay) => {
                child.set_state(&name, ActorState::Restarting);
                info!("actor={name} restart_in={:.3}s", delay.as_secs_f64());
                ctx.run_later(delay, move |act, _| act.restart(&name));
            }
            RestartDecision::Escalate { restarts_in_window } => {
                child.set_state(&name, ActorState::Escalated);
                let restarts = child.health.restarts;
                error!("actor={name} escalated restarts={restarts} restarts_in_window={restarts_in_window}");
                if let Some(to) = &self.escalation {
                    to.do_send(Escalation { name, restarts, restarts_in_window });
                }
            }
        }
    }

    fn restart(&mut self, name: &str) {
        let Some(child) = self.children.get_mut(name) else { return };
        if child.health.state != ActorState::Restarting {
            return;
        }
        child.handle = (child.factory)();
        let now = Instant::now();
        child.health.restarts = child.health.restarts.saturating_add(1);
        child.health.last_heartbeat = now;
        child.health.mailbox_len = 0;
        child.health.last_msg_at = None;
        child.set_state(name, ActorState::Running);
    }

    fn report(&self) {
        let now = Instant::now();
        for (name, child) in &self.children {
            info!("{}", child.health.line(name, now));
        }
    }
}

impl Actor for Supervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.config.check_interval, |act, ctx| act.check(ctx));
        ctx.run_interval(self.config.report_interval, |act, _| act.report());
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        for child in self.children.values() {
            child.handle.do_send(Shutdown);
        }
    }
}

impl Handler<Register> for Supervisor {
    type Result = Result<(), SupervisorError>;

    fn handle(&mut self, msg: Register, _: &mut Self::Context) -> Self::Result {
        self.add_child(msg.name, msg.factory)
    }
}

impl Handler<Heartbeat> for Supervisor {
    type Result = ();

    fn handle(&mut self, msg: Heartbeat, _: &mut Self::Context) {
        let Some(child) = self.children.get_mut(&msg.name) else {
            warn!("heartbeat from unregistered actor={}", msg.name);
            return;
        };
        // Late beats from an instance being replaced must not make a restarting child look alive.
        if child.health.state == ActorState::Running {
            child.health.last_heartbeat = Instant::now();
            child.health.mailbox_len = msg.mailbox_len;
            child.health.last_msg_at = msg.last_msg_at;
        }
    }
}

impl Handler<Unregister> for Supervisor {
    type Result = bool;

    fn handle(&mut self, msg: Unregister, _: &mut Self::Context) -> bool {
        match self.children.remove(&msg.name) {
            Some(child) => {
                child.handle.do_send(Shutdown);
                info!("actor={} state=stopped unregistered restarts={}", msg.name, child.health.restarts);
                true
            }
            None => false,
        }
    }
}

impl Handler<StopAll> for Supervisor {
    type Result = ();

    fn handle(&mut self, _: StopAll, ctx: &mut Self::Context) {
        info!("supervisor stopping {} actors", self.children.len());
        ctx.stop();
    }
}

impl Handler<GetHealth> for Supervisor {
    type Result = MessageResult<GetHealth>;

    fn handle(&mut self, _: GetHealth, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.children.iter().map(|(name, c)| (name.clone(), c.health)).collect())
    }
}

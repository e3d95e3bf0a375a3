//! What the daemon does when the supervisor gives up on an actor: stop opening positions (exits keep
//! working while the RiskManager and the feed live) and tell the trader.

use actix::prelude::*;

use kis_strategy::risk::HaltCause;

use crate::messages::Halt;
use crate::notifier::{NotifierHandle, NotifyEvent};
use crate::slot::Slot;
use crate::supervisor::Escalation;

pub struct EscalationHandler {
    risk: Slot<Halt>,
    notifier: NotifierHandle,
}

impl EscalationHandler {
    pub fn new(risk: Slot<Halt>, notifier: NotifierHandle) -> EscalationHandler {
        EscalationHandler { risk, notifier }
    }
}

impl Actor for EscalationHandler {
    type Context = Context<Self>;
}

impl Handler<Escalation> for EscalationHandler {
    type Result = ();

    fn handle(&mut self, msg: Escalation, _: &mut Self::Context) {
        let reason = format!(
            "actor {} failed {} times ({} within the window): no new positions until an operator looks",
            msg.name, msg.restarts, msg.restarts_in_window
        );
        // A failing SignalActor only loses its symbol (its held position still has the RiskManager's exits);
        // any other actor failing puts the whole account at risk.
        if !msg.name.starts_with("signal:")
            && !self.risk.do_send(Halt {
                cause: HaltCause::Escalation,
                reason: reason.clone(),
                reduce_only: true,
                market: None,
                alert: true,
            })
        {
            tracing::error!("the risk manager is not running: cannot switch to reduce-only");
        }
        self.notifier.notify(NotifyEvent::Error { context: "supervisor".into(), message: reason });
    }
}

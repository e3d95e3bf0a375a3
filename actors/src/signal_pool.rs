//! Turns the Screener's watchlist changes into SignalActors: one per symbol, registered with the supervisor
//! (so a crash restarts that symbol alone) and spread over a few arbiters (threads) so that strategies of many
//! symbols use every core while the feed, risk and router stay on the I/O arbiter.

use std::collections::BTreeSet;

use actix::prelude::*;
use kis_model::Symbol;
use kis_model::tick_size::InstrumentKind;

use crate::messages::WatchlistChange;
use crate::signal_actor::{SignalActor, SignalWiring};
use crate::supervisor::{Register, Supervisor, Unregister};

/// The symbols that have a SignalActor, for tests and health.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Vec<Symbol>")]
pub struct GetSignalSymbols;

pub struct SignalPool {
    supervisor: Addr<Supervisor>,
    wiring: SignalWiring,
    arbiters: Vec<ArbiterHandle>,
    next: usize,
    running: BTreeSet<Symbol>,
}

impl SignalPool {
    /// `arbiters` empty runs every SignalActor on the pool's own arbiter.
    pub fn new(supervisor: Addr<Supervisor>, wiring: SignalWiring, arbiters: Vec<ArbiterHandle>) -> SignalPool {
        SignalPool { supervisor, wiring, arbiters, next: 0, running: BTreeSet::new() }
    }

    fn add(&mut self, symbol: Symbol) {
        if !self.running.insert(symbol) {
            return;
        }
        let wiring = self.wiring.clone();
        // Instrument kind only selects the KRX tick grid; ETFs are not told apart by the rank endpoints.
        let kind = InstrumentKind::Stock;
        let arbiter = if self.arbiters.is_empty() {
            None
        } else {
            self.next = (self.next + 1) % self.arbiters.len();
            self.arbiters.get(self.next).cloned()
        };
        let factory = Box::new(move || {
            let wiring = wiring.clone();
            let addr = match &arbiter {
                Some(a) => SignalActor::start_in_arbiter(a, move |_| SignalActor::new(symbol, kind, wiring)),
                None => SignalActor::new(symbol, kind, wiring).start(),
            };
            addr.recipient()
        });
        let name = SignalActor::owner_name(symbol);
        self.supervisor.do_send(Register { name, factory });
    }

    fn remove(&mut self, symbol: Symbol) {
        if self.running.remove(&symbol) {
            self.supervisor.do_send(Unregister { name: SignalActor::owner_name(symbol) });
        }
    }
}

impl Actor for SignalPool {
    type Context = Context<Self>;
}

impl Handler<WatchlistChange> for SignalPool {
    type Result = ();

    fn handle(&mut self, msg: WatchlistChange, _: &mut Self::Context) {
        for symbol in msg.removed {
            self.remove(symbol);
        }
        for symbol in msg.added {
            self.add(symbol);
        }
    }
}

impl Handler<GetSignalSymbols> for SignalPool {
    type Result = MessageResult<GetSignalSymbols>;

    fn handle(&mut self, _: GetSignalSymbols, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.running.iter().copied().collect())
    }
}
